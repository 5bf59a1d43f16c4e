/** Secrets Manager metadata of the demo account (home region); no secret values exist in the simulator. */
import type { SecretListEntry } from '@aws-sdk/client-secrets-manager';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { secretsManagerState } from '../services/secretsmanager.js';

const DAY = 86_400_000;

/**
 * Demo home region: the payment processor key rotates every 30 days and last rotated 9 days ago (passes); the
 * reporting database password has never had rotation configured (fails); an API token has rotation enabled but its
 * last rotation failed to happen for 200 days (fails the rotation period).
 */
export function seedSecretsManager(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const region = world.regions[0];
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  const arn = (name: string, suffix: string) => `arn:aws:secretsmanager:${region}:${account.id}:secret:${name}-${suffix}`;
  const secrets: SecretListEntry[] = [
    {
      ARN: arn('payments/processor-api-key', 'Xy12Ab'),
      Name: 'payments/processor-api-key',
      Description: 'API key of the card payment processor',
      RotationEnabled: true,
      RotationLambdaARN: `arn:aws:lambda:${region}:${account.id}:function:rotate-processor-key`,
      RotationRules: { AutomaticallyAfterDays: 30 },
      LastRotatedDate: ago(9),
      LastChangedDate: ago(9),
      LastAccessedDate: ago(0),
      NextRotationDate: new Date(world.now.getTime() + 21 * DAY),
      CreatedDate: ago(500),
      Tags: [{ Key: 'app', Value: 'payments' }],
    },
    {
      ARN: arn('reporting/db-password', 'Qw34Cd'),
      Name: 'reporting/db-password',
      Description: 'reporting database master password',
      LastChangedDate: ago(640),
      LastAccessedDate: ago(1),
      CreatedDate: ago(640),
    },
    {
      ARN: arn('partners/webhook-token', 'Er56Ef'),
      Name: 'partners/webhook-token',
      RotationEnabled: true,
      RotationLambdaARN: `arn:aws:lambda:${region}:${account.id}:function:rotate-webhook-token`,
      RotationRules: { ScheduleExpression: 'rate(90 days)' },
      LastRotatedDate: ago(200),
      LastChangedDate: ago(200),
      CreatedDate: ago(700),
    },
  ];
  secretsManagerState(account, region).secrets.push(...secrets);
}
