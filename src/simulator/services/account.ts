import { GetAlternateContactCommand, ListRegionsCommand, type AlternateContact, type Region, type RegionOptStatus } from '@aws-sdk/client-account';
import { restJson1 } from '../protocols/wire.js';
import { DEFAULT_REGIONS, OPT_IN_REGIONS } from '../regions.js';
import { operation, SimError, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedAccount } from '../worlds/seed-account.js';

/** Account settings of one account: its alternate contacts by type (BILLING, OPERATIONS, SECURITY). */
export interface AccountSettingsState {
  alternateContacts: AlternateContact[];
}

declare module '../world.js' {
  interface GlobalState {
    account: AccountSettingsState;
  }
}

export function accountSettingsState(account: SimAccount): AccountSettingsState {
  return account.globalState('account', () => ({ alternateContacts: [] }));
}

/** The opt-in statuses the Account API reference lists for a Region. */
const REGION_OPT_STATUSES: readonly string[] = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'];

export const account: SimService = {
  name: 'account',
  signingName: 'account',
  protocol: restJson1,
  seed: (acct, world) => seedAccount(acct, world),
  operations: [
    operation(ListRegionsCommand, (input, ctx) => {
      // Another account's regions need the organization's trusted access for Account Management, which is not simulated.
      if (input.AccountId && input.AccountId !== ctx.account.id) {
        throw new SimError('AccessDeniedException', 'The management account can only be managed using the standalone context from the management account.', 403);
      }
      const unknownStatus = (input.RegionOptStatusContains ?? []).find((st) => !REGION_OPT_STATUSES.includes(st));
      if (unknownStatus !== undefined) {
        throw new SimError('ValidationException', `1 validation error detected: Value '${unknownStatus}' at 'regionOptStatusContains' failed to satisfy constraint: Member must satisfy enum value set: [${REGION_OPT_STATUSES.join(', ')}]`, 400);
      }
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

    operation(GetAlternateContactCommand, (input, ctx) => {
      if (input.AccountId && input.AccountId !== ctx.account.id) {
        throw new SimError('AccessDeniedException', 'The management account can only be managed using the standalone context from the management account.', 403);
      }
      const contact = accountSettingsState(ctx.account).alternateContacts.find((c) => c.AlternateContactType === input.AlternateContactType);
      if (!contact) throw new SimError('ResourceNotFoundException', 'No contact of the inputted alternate contact type found.', 404);
      return { AlternateContact: contact };
    }),
  ],
};
