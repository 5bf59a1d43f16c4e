import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localhostAwareLookup } from '../aws/localhost-lookup.js';
import type { SimulatedAws } from './server.js';
import { DEMO_ACCOUNT_ID } from './worlds/demo.js';

/** SDK service ids of every client the product uses; the env var is AWS_ENDPOINT_URL_<id upper-cased, spaces to _>. */
export const SDK_SERVICE_IDS = [
  'STS', 'Config Service', 'CloudTrail', 'GuardDuty', 'S3', 'S3 Control', 'IAM', 'KMS', 'EC2', 'RDS',
  'CloudWatch Logs', 'SecurityHub', 'Organizations', 'Account', 'SSM', 'Network Firewall',
  'Elastic Load Balancing v2', 'ACM', 'CloudFront', 'WAFV2', 'CloudWatch', 'SNS', 'EventBridge', 'Backup',
  'AccessAnalyzer', 'SSO Admin', 'Macie2', 'Inspector2', 'ECR', 'Lambda', 'Secrets Manager',
  'Resource Groups Tagging API',
] as const;

export function endpointEnvName(serviceId: string): string {
  return `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`;
}

/** Static credentials of a simulated principal, for clients built with explicit config. */
export interface SimCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The organisation's management account, else the demo account, else the first account of the world. */
export function defaultAccountId(sim: Pick<SimulatedAws, 'world'>): string {
  const w = sim.world;
  return w.organization?.managementAccountId ?? (w.account(DEMO_ACCOUNT_ID) ? DEMO_ACCOUNT_ID : ([...w.accounts.keys()][0] ?? DEMO_ACCOUNT_ID));
}

/** The long-term credentials of an account's collector user in the simulated world. */
export function simulatorCredentials(sim: Pick<SimulatedAws, 'world'>, accountId: string = defaultAccountId(sim)): SimCredentials {
  const existing = sim.world.defaultCredentialsFor(accountId);
  if (existing) return { accessKeyId: existing.accessKeyId, secretAccessKey: existing.secretAccessKey };
  if (!sim.world.account(accountId)) {
    throw new Error(`Account ${accountId} does not exist in the simulated world; known accounts: ${[...sim.world.accounts.keys()].slice(0, 5).join(', ')}...`);
  }
  const c = sim.world.addUserCredentials(accountId);
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}

/**
 * Environment that points every SDK client at the simulator: one endpoint variable per service (its IP address, as
 * for a local emulator), static credentials of `accountId` and a region. The product's clients drop S3 Control's
 * account host prefix at an IP endpoint (src/aws/endpoint.ts).
 */
export function simulatorEnv(sim: Pick<SimulatedAws, 'url' | 'port' | 'world'>, accountId: string = defaultAccountId(sim), region = 'us-east-1'): Record<string, string> {
  const creds = simulatorCredentials(sim, accountId);
  const env: Record<string, string> = {};
  for (const id of SDK_SERVICE_IDS) env[endpointEnvName(id)] = sim.url;
  env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
  env.AWS_REGION = region;
  env.AWS_DEFAULT_REGION = region;
  return env;
}

/**
 * Explicit SDK client config for the simulator (no environment involved): `new S3Client(simulatorClientConfig(sim))`.
 * For S3 Control pass `{ s3Control: true }`: its endpoint host gets the account id prefixed, which needs `localhost`
 * and the loopback-aware lookup.
 */
export function simulatorClientConfig(
  sim: Pick<SimulatedAws, 'url' | 'port' | 'world'>,
  opts: { accountId?: string; region?: string; s3Control?: boolean; maxAttempts?: number } = {},
): { endpoint: string; region: string; credentials: SimCredentials; maxAttempts?: number; requestHandler?: NodeHttpHandler } {
  return {
    endpoint: opts.s3Control ? `http://localhost:${sim.port}` : sim.url,
    region: opts.region ?? 'us-east-1',
    credentials: simulatorCredentials(sim, opts.accountId ?? defaultAccountId(sim)),
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.s3Control ? { requestHandler: new NodeHttpHandler({ httpAgent: { lookup: localhostAwareLookup } }) } : {}),
  };
}
