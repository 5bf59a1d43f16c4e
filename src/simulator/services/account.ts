import { ListRegionsCommand, type Region, type RegionOptStatus } from '@aws-sdk/client-account';
import { restJson1 } from '../protocols/wire.js';
import { DEFAULT_REGIONS, OPT_IN_REGIONS } from '../regions.js';
import { operation, SimError, type SimService } from '../types.js';
import { paginate } from './paging.js';

export const account: SimService = {
  name: 'account',
  signingName: 'account',
  protocol: restJson1,
  operations: [
    operation(ListRegionsCommand, (input, ctx) => {
      const regions: Region[] = [
        ...DEFAULT_REGIONS.map((r): Region => ({ RegionName: r, RegionOptStatus: 'ENABLED_BY_DEFAULT' })),
        ...OPT_IN_REGIONS.map((r): Region => ({ RegionName: r, RegionOptStatus: ctx.account.enabledRegions.includes(r) ? 'ENABLED' : 'DISABLED' })),
      ].sort((a, b) => a.RegionName!.localeCompare(b.RegionName!));
      const wanted = input.RegionOptStatusContains as RegionOptStatus[] | undefined;
      const filtered = wanted?.length ? regions.filter((r) => wanted.includes(r.RegionOptStatus!)) : regions;
      const { page, nextToken } = paginate(filtered, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `ListRegions/${(wanted ?? []).join(',')}`,
        invalidToken: () => new SimError('ValidationException', 'The NextToken is not valid.', 400),
        invalidLimit: (n) => new SimError('ValidationException', `MaxResults ${n} must be between 1 and 50.`, 400),
      });
      return { Regions: page, NextToken: nextToken };
    }),
  ],
};
