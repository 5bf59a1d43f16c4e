import {
  DescribeRepositoriesCommand,
  GetRegistryScanningConfigurationCommand,
  type RegistryScanningConfiguration,
  type Repository,
} from '@aws-sdk/client-ecr';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedEcr } from '../worlds/seed-ecr.js';

/** ECR in one account and region: the private registry's repositories and its scanning configuration. */
export interface EcrState {
  repositories: Repository[];
  /** AWS's default for a new registry is basic scanning with no rules. */
  scanning: RegistryScanningConfiguration;
}

declare module '../world.js' {
  interface RegionalState {
    ecr: EcrState;
  }
}

export function ecrState(account: SimAccount, region: string): EcrState {
  return account.regional(region, 'ecr', () => ({ repositories: [], scanning: { scanType: 'BASIC', rules: [] } }));
}

const state = (ctx: CallContext) => ecrState(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterException', message);

export const ecr: SimService = {
  name: 'ecr',
  signingName: 'ecr',
  protocol: awsJson1_1,
  errors: { serverError: { code: 'ServerException', status: 500 } },
  seed: (account, world) => seedEcr(account, world),
  operations: [
    operation(DescribeRepositoriesCommand, (input, ctx) => {
      if (input.registryId && input.registryId !== ctx.account.id) {
        throw new SimError('RepositoryNotFoundException', `The repository with name '*' does not exist in the registry with id '${input.registryId}'`);
      }
      const repos = state(ctx).repositories;
      if (input.repositoryNames?.length) {
        if (input.nextToken || input.maxResults) throw invalidParameter('Invalid parameter at \'repositoryNames\' failed to satisfy constraint: \'Cannot be used with nextToken or maxResults\'');
        const found = repos.filter((r) => input.repositoryNames!.includes(r.repositoryName ?? ''));
        const missing = input.repositoryNames.find((n) => !found.some((r) => r.repositoryName === n));
        if (missing) throw new SimError('RepositoryNotFoundException', `The repository with name '${missing}' does not exist in the registry with id '${ctx.account.id}'`);
        return { repositories: found };
      }
      const { page, nextToken } = paginate(repos, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: 'DescribeRepositories',
        invalidToken: () => invalidParameter('Invalid parameter at \'nextToken\' failed to satisfy constraint: \'Invalid token\''),
        invalidLimit: (n) => invalidParameter(`Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000' (${n})`),
      });
      return { repositories: page, nextToken };
    }),

    operation(GetRegistryScanningConfigurationCommand, (_input, ctx) => ({ registryId: ctx.account.id, scanningConfiguration: state(ctx).scanning })),
  ],
};
