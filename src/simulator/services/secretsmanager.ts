import { ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedSecretsManager } from '../worlds/seed-secretsmanager.js';

/** Secrets Manager in one account and region: secret metadata only; the simulator holds no secret values at all. */
export interface SecretsManagerState {
  secrets: SecretListEntry[];
}

declare module '../world.js' {
  interface RegionalState {
    secretsmanager: SecretsManagerState;
  }
}

export function secretsManagerState(account: SimAccount, region: string): SecretsManagerState {
  return account.regional(region, 'secretsmanager', () => ({ secrets: [] }));
}

const state = (ctx: CallContext) => secretsManagerState(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterException', message);

export const secretsmanager: SimService = {
  name: 'secretsmanager',
  signingName: 'secretsmanager',
  protocol: awsJson1_1,
  errors: { serverError: { code: 'InternalServiceError', status: 500 } },
  seed: (account, world) => seedSecretsManager(account, world),
  operations: [
    operation(ListSecretsCommand, (input, ctx) => {
      if (input.Filters?.length) throw invalidParameter('Filters are not supported by the simulated Secrets Manager.');
      const secrets = state(ctx).secrets.filter((s) => input.IncludePlannedDeletion || !s.DeletedDate);
      const { page, nextToken } = paginate(secrets, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `ListSecrets/${input.IncludePlannedDeletion ? 'all' : 'live'}`,
        invalidToken: () => new SimError('InvalidNextTokenException', 'The token is not valid.'),
        invalidLimit: (n) => invalidParameter(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`),
      });
      return { SecretList: page, NextToken: nextToken };
    }),
  ],
};
