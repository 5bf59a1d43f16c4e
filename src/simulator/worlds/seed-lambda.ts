/** Lambda functions of the demo account and of generated organisation accounts (home region only). */
import type { FunctionConfiguration, Runtime } from '@aws-sdk/client-lambda';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { lambdaState } from '../services/lambda.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

/** Lambda's LastModified format: ISO 8601 with a numeric offset and milliseconds. */
const lambdaTime = (d: Date) => d.toISOString().replace('Z', '+0000');

function fn(account: SimAccount, region: string, name: string, runtime: Runtime, modified: Date, variables: Record<string, string>): FunctionConfiguration {
  return {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:${region}:${account.id}:function:${name}`,
    Runtime: runtime,
    Role: `arn:aws:iam::${account.id}:role/${name}-role`,
    Handler: runtime.startsWith('python') ? 'app.handler' : 'index.handler',
    CodeSize: 48_213,
    Description: '',
    Timeout: 30,
    MemorySize: 512,
    LastModified: lambdaTime(modified),
    CodeSha256: Buffer.from(stableHex(`${account.id}/${name}/code`, 64), 'hex').toString('base64'),
    Version: '$LATEST',
    Environment: { Variables: variables },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: `${stableHex(name, 8)}-${stableHex(`${name}/1`, 4)}-4${stableHex(`${name}/2`, 3)}-8${stableHex(`${name}/3`, 3)}-${stableHex(`${name}/4`, 12)}`,
    PackageType: 'Zip',
    Architectures: ['arm64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
  };
}

/**
 * Demo home region: `checkout` on a supported runtime reads its secret from Secrets Manager by ARN (passes), but its
 * published version 7 (still what a `live` alias could serve) was published on deprecated Node.js 18 with the payment
 * processor's API key in its environment (fails both); the legacy report exporter runs on deprecated Python 3.8 and
 * carries a database password in its environment (fails both). The password and key are placeholders that collection
 * must redact before anything is stored.
 */
export function seedLambda(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind === 'organization') {
    seedOrganizationLambda(account, world);
    return;
  }
  const region = world.regions[0];
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  lambdaState(account, region).functions.push(
    fn(account, region, 'checkout', 'nodejs24.x', ago(12), {
      LOG_LEVEL: 'info',
      PAYMENTS_SECRET_ARN: `arn:aws:secretsmanager:${region}:${account.id}:secret:payments/processor-api-key-Xy12Ab`,
    }),
    fn(account, region, 'legacy-report-export', 'python3.8', ago(800), {
      REPORT_BUCKET: 'demo-production-reports',
      DB_PASSWORD: 'demo-placeholder-not-a-real-password',
    }),
  );
  const published = fn(account, region, 'checkout', 'nodejs18.x', ago(400), { LOG_LEVEL: 'info', PAYMENTS_API_KEY: 'demo-placeholder-not-a-real-key' });
  const code = Buffer.from(stableHex(`${account.id}/checkout/code/7`, 64), 'hex').toString('base64');
  lambdaState(account, region).versions.push({ ...published, FunctionArn: `${published.FunctionArn}:7`, Version: '7', CodeSha256: code });
}

/** A runtime version ARN as Lambda writes it (no account id; the version's own id). */
const runtimeVersionArn = (region: string, seed: string) => `arn:aws:lambda:${region}::runtime:${stableHex(seed, 64)}`;

/**
 * Generated accounts, home region, by the account's place in the organisation (no random draws, so the rest of the
 * world stays as generated): every account runs `orders-api` on a supported runtime with Lambda's default runtime update
 * mode (Auto); every third account from the second also has its published version 1 pinned to a runtime version
 * (Manual); every third from the third also runs `nightly-export`, updated only on deployment (FunctionUpdate, last
 * updated 75 days ago), and `legacy-sync` on deprecated Node.js 18. No environment value names a credential.
 */
function seedOrganizationLambda(account: SimAccount, world: WorldSeedContext): void {
  const region = world.regions[0];
  const index = Number(/(\d+)$/.exec(account.name)?.[1] ?? 0);
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  const state = lambdaState(account, region);
  const orders = fn(account, region, 'orders-api', 'python3.12', ago(30), { LOG_LEVEL: 'info', ORDERS_TABLE: `orders-${account.id}` });
  state.functions.push(orders);
  if (index % 3 === 1) {
    state.versions.push({ ...orders, FunctionArn: `${orders.FunctionArn}:1`, Version: '1', LastModified: lambdaTime(ago(45)) });
    state.runtimeManagement['orders-api:1'] = { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: runtimeVersionArn(region, `${account.id}/orders-api/1/runtime`) };
  }
  if (index % 3 === 2) {
    state.functions.push(
      fn(account, region, 'nightly-export', 'python3.13', ago(75), { LOG_LEVEL: 'warn', EXPORT_BUCKET: `exports-${account.id}` }),
      fn(account, region, 'legacy-sync', 'nodejs18.x', ago(500), { LOG_LEVEL: 'info' }),
    );
    state.runtimeManagement['nightly-export:$LATEST'] = { UpdateRuntimeOn: 'FunctionUpdate' };
  }
}
