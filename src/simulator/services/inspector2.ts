import {
  BatchGetAccountStatusCommand,
  GetConfigurationCommand,
  ListCoverageCommand,
  ListFiltersCommand,
  ListFindingsCommand,
  ListMembersCommand,
  type CoveredResource,
  type EcrRescanDurationState,
  type Filter,
  type Finding,
  type ResourceState,
  type State,
} from '@aws-sdk/client-inspector2';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { administeredMembers } from './administered.js';
import { seedInspector2 } from '../worlds/seed-inspector2.js';

/** Amazon Inspector in one account and region: activation per scan type, coverage and findings. */
export interface Inspector2State {
  status: State;
  resourceState: ResourceState;
  coverage: CoveredResource[];
  findings: Finding[];
  /** GetConfiguration's ECR re-scan duration (push date DAYS_14 for a new account, as Inspector documents). */
  ecrRescan: EcrRescanDurationState;
  /** The account's own filters (suppression rules: action SUPPRESS), as ListFilters returns them. */
  filters: Filter[];
}

declare module '../world.js' {
  interface RegionalState {
    inspector2: Inspector2State;
  }
}

const DISABLED: State = { status: 'DISABLED', errorCode: undefined, errorMessage: undefined };

export function inspector2State(account: SimAccount, region: string): Inspector2State {
  return account.regional(region, 'inspector2', () => ({
    status: DISABLED,
    resourceState: { ec2: DISABLED, ecr: DISABLED, lambda: DISABLED, lambdaCode: DISABLED },
    coverage: [],
    findings: [],
    ecrRescan: { rescanDuration: 'DAYS_14', pullDateRescanDuration: 'DAYS_14', pullDateRescanMode: 'LAST_IN_USE_AT', status: 'SUCCESS' },
    filters: [],
  }));
}

const state = (ctx: CallContext) => inspector2State(ctx.account, ctx.region);

/** The organisation accounts the Inspector delegated administrator sees in its region (none for any other account). */
function members(ctx: CallContext): Array<{ account: SimAccount; state: Inspector2State }> {
  return administeredMembers(ctx, 'inspector2', (account) => account.regions.get(ctx.region)?.inspector2);
}

/** An account's own items, and for the delegated administrator every enabled member's too (Inspector's administrator view). */
function visible<T>(ctx: CallContext, pick: (s: Inspector2State) => T[]): T[] {
  return [...pick(state(ctx)), ...members(ctx).filter((m) => m.state.status.status === 'ENABLED').flatMap((m) => pick(m.state))];
}
/**
 * An account id filter (findings' awsAccountId, coverage's accountId): EQUALS filters are ORed, NOT_EQUALS ANDed, as
 * Inspector documents for string filters; other comparisons are refused rather than ignored.
 */
function accountFilter(filters: readonly { comparison?: string; value?: string }[] | undefined): (accountId: string | undefined) => boolean {
  const list = filters ?? [];
  for (const f of list) if (f.comparison !== 'EQUALS' && f.comparison !== 'NOT_EQUALS') throw validation(`The account id comparison ${f.comparison ?? '(none)'} is not supported by the simulated Amazon Inspector.`);
  const eq = list.filter((f) => f.comparison === 'EQUALS').map((f) => f.value);
  const neq = list.filter((f) => f.comparison === 'NOT_EQUALS').map((f) => f.value);
  return (accountId) => (eq.length === 0 || eq.includes(accountId)) && !neq.includes(accountId);
}
const validation = (message: string) => new SimError('ValidationException', message, 400, { reason: 'FIELD_VALIDATION_FAILED' });
const badToken = () => validation('The provided nextToken is not valid.');

export const inspector2: SimService = {
  name: 'inspector2',
  signingName: 'inspector2',
  protocol: restJson1,
  errors: { throttling: { code: 'ThrottlingException', status: 429 }, serverError: { code: 'InternalServerException', status: 500 } },
  seed: (account, world) => seedInspector2(account, world),
  operations: [
    operation(BatchGetAccountStatusCommand, (input, ctx) => {
      const ids = input.accountIds?.length ? input.accountIds : [ctx.account.id];
      if (ids.length > 10) throw validation(`1 validation error detected: Value at 'accountIds' failed to satisfy constraint: Member must have length less than or equal to 10`);
      // Without delegated-administrator rights an account can read only its own status; the administrator reads its members'.
      const readable = new Map<string, Inspector2State>([[ctx.account.id, state(ctx)], ...members(ctx).map((m) => [m.account.id, m.state] as const)]);
      return {
        accounts: ids.filter((id) => readable.has(id)).map((accountId) => ({ accountId, state: readable.get(accountId)!.status, resourceState: readable.get(accountId)!.resourceState })),
        failedAccounts: ids
          .filter((id) => !readable.has(id))
          .map((accountId) => ({ accountId, errorCode: 'ACCESS_DENIED' as const, errorMessage: 'You do not have access to this account.' })),
      };
    }),

    operation(ListMembersCommand, (input, ctx) => {
      // Every organisation account with Inspector state in the region is an associated member (auto-enable).
      const all = members(ctx).map(({ account, state: s }) => ({
        accountId: account.id,
        delegatedAdminAccountId: ctx.account.id,
        relationshipStatus: s.status.status === 'ENABLED' ? ('ENABLED' as const) : ('DISABLED' as const),
        updatedAt: ctx.world.now(),
      }));
      const { page, nextToken } = paginate(all, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `ListMembers/${input.onlyAssociated ?? ''}`,
        invalidToken: badToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { members: page, nextToken };
    }),

    operation(GetConfigurationCommand, (_input, ctx) => ({
      ecrConfiguration: { rescanDurationState: state(ctx).ecrRescan },
      ec2Configuration: { scanModeState: { scanMode: 'EC2_SSM_AGENT_BASED' as const, scanModeStatus: 'SUCCESS' as const } },
    })),

    operation(ListFiltersCommand, (input, ctx) => {
      const items = state(ctx).filters.filter((f) => (!input.action || f.action === input.action) && (!input.arns?.length || input.arns.includes(f.arn ?? '')));
      const { page, nextToken } = paginate(items, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `ListFilters/${input.action ?? ''}/${(input.arns ?? []).join(',')}`,
        invalidToken: badToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`),
      });
      return { filters: page, nextToken };
    }),

    operation(ListCoverageCommand, (input, ctx) => {
      const { accountId, ...otherCoverage } = input.filterCriteria ?? {};
      if (Object.values(otherCoverage).some((v) => v !== undefined)) throw validation('Only accountId coverage filters are supported by the simulated Amazon Inspector.');
      const accounts = accountFilter(accountId);
      const { page, nextToken } = paginate(visible(ctx, (s) => s.coverage).filter((c) => accounts(c.accountId)), {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 100,
        maxLimit: 200,
        scope: `ListCoverage/${JSON.stringify(accountId ?? [])}`,
        invalidToken: badToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 200`),
      });
      return { coveredResources: page, nextToken };
    }),

    operation(ListFindingsCommand, (input, ctx) => {
      const { findingStatus, awsAccountId, ...other } = input.filterCriteria ?? {};
      if (Object.values(other).some((v) => v !== undefined) || input.sortCriteria) {
        throw validation('Only findingStatus and awsAccountId filters are supported by the simulated Amazon Inspector.');
      }
      const accounts = accountFilter(awsAccountId);
      const wanted = (findingStatus ?? []).map((f) => {
        if (f.comparison !== 'EQUALS') throw validation(`The comparison ${f.comparison ?? '(none)'} is not supported by the simulated Amazon Inspector.`);
        return f.value;
      });
      // Like the console, Inspector lists active findings unless a status filter says otherwise.
      const items = visible(ctx, (s) => s.findings).filter((f) => (wanted.length ? wanted.includes(f.status) : f.status === 'ACTIVE') && accounts(f.awsAccountId));
      const { page, nextToken } = paginate(items, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `ListFindings/${wanted.join(',')}/${JSON.stringify(awsAccountId ?? [])}`,
        invalidToken: badToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`),
      });
      return { findings: page, nextToken };
    }),
  ],
};
