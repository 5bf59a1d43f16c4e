import {
  DescribeClassificationJobCommand,
  GetAdministratorAccountCommand,
  GetAutomatedDiscoveryConfigurationCommand,
  GetClassificationScopeCommand,
  GetFindingsFilterCommand,
  GetSensitivityInspectionTemplateCommand,
  ListFindingsFiltersCommand,
  GetFindingsCommand,
  GetMacieSessionCommand,
  ListClassificationJobsCommand,
  ListAutomatedDiscoveryAccountsCommand,
  ListFindingsCommand,
  ListMembersCommand,
  type AutomatedDiscoveryAccountStatus,
  type DescribeClassificationJobResponse,
  type Finding,
  type GetAutomatedDiscoveryConfigurationResponse,
  type GetClassificationScopeResponse,
  type GetFindingsFilterResponse,
  type GetMacieSessionResponse,
  type GetSensitivityInspectionTemplateResponse,
  type JobSummary,
} from '@aws-sdk/client-macie2';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { administeredMembers } from './administered.js';
import { seedMacie } from '../worlds/seed-macie.js';

/**
 * Amazon Macie in one account and region: off (no session) until enabled; discovery settings (with the classification
 * scope and sensitivity inspection template automated discovery names by id), jobs, findings filters and findings.
 */
export interface MacieState {
  session?: GetMacieSessionResponse;
  automatedDiscovery: GetAutomatedDiscoveryConfigurationResponse;
  /** By id: GetClassificationScope answers. */
  classificationScopes: Record<string, GetClassificationScopeResponse>;
  /** By id: GetSensitivityInspectionTemplate answers. */
  sensitivityInspectionTemplates: Record<string, GetSensitivityInspectionTemplateResponse>;
  jobs: JobSummary[];
  /** By job id: DescribeClassificationJob fields beyond the summary (scoping, sampling, managed data identifiers). */
  jobDetails: Record<string, Partial<DescribeClassificationJobResponse>>;
  findingsFilters: GetFindingsFilterResponse[];
  findings: Finding[];
  /**
   * For a member: whether its administrator runs automated discovery for it (ListAutomatedDiscoveryAccounts); when unset,
   * as the account's own automated discovery status says.
   */
  automatedDiscoveryAccountStatus?: AutomatedDiscoveryAccountStatus;
}

declare module '../world.js' {
  interface RegionalState {
    macie2: MacieState;
  }
}

export function macieState(account: SimAccount, region: string): MacieState {
  return account.regional(region, 'macie2', () => ({ automatedDiscovery: { status: 'DISABLED' }, classificationScopes: {}, sensitivityInspectionTemplates: {}, jobs: [], jobDetails: {}, findingsFilters: [], findings: [] }));
}

const validation = (message: string) => new SimError('ValidationException', message);
const notFound = (message: string) => new SimError('ResourceNotFoundException', message, 404);

/** Every Macie operation but GetMacieSession's success path refuses a region where Macie is off, as Macie does. */
function enabled(ctx: CallContext): MacieState {
  const s = macieState(ctx.account, ctx.region);
  if (!s.session) throw new SimError('AccessDeniedException', 'Macie is not enabled.', 403);
  return s;
}

/** The Macie administrator's members in its region: organisation accounts with Macie enabled there (none for any other account). */
function members(ctx: CallContext): Array<{ account: SimAccount; state: MacieState }> {
  return administeredMembers(ctx, 'macie2', (account) => {
    const s = account.regions.get(ctx.region)?.macie2;
    return s?.session ? s : undefined;
  });
}

/** The account's own findings and, for the administrator, those of every enabled member (Macie's administrator view). */
function visibleFindings(ctx: CallContext): Finding[] {
  const own = enabled(ctx).findings;
  return [...own, ...members(ctx).filter((m) => m.state.session?.status === 'ENABLED').flatMap((m) => m.state.findings)];
}

/** The finding fields the simulated ListFindings can filter on; others are refused rather than ignored. */
const FIELDS: Record<string, (f: Finding) => string | undefined> = {
  type: (f) => f.type,
  accountId: (f) => f.accountId,
  archived: (f) => String(f.archived ?? false),
  category: (f) => f.category,
  'resourcesAffected.s3Bucket.name': (f) => f.resourcesAffected?.s3Bucket?.name,
  'severity.description': (f) => f.severity?.description,
};

export const macie2: SimService = {
  name: 'macie2',
  signingName: 'macie2',
  protocol: restJson1,
  errors: { throttling: { code: 'ThrottlingException', status: 429 }, serverError: { code: 'InternalServerException', status: 500 } },
  seed: (account, world) => seedMacie(account, world),
  operations: [
    operation(GetMacieSessionCommand, (_input, ctx) => enabled(ctx).session!),

    operation(GetAutomatedDiscoveryConfigurationCommand, (_input, ctx) => enabled(ctx).automatedDiscovery),

    // A member of the organisation's Macie administrator (one the administrator's ListMembers lists) has it as its
    // administrator; any other account gets an empty answer, as Macie gives an account without an administrator.
    operation(GetAdministratorAccountCommand, (_input, ctx) => {
      const s = enabled(ctx);
      const org = ctx.world.organization;
      const adminId = org?.delegatedAdministrators?.macie2;
      if (!org || !adminId || adminId === ctx.account.id || !org.accountIds.includes(ctx.account.id)) return {};
      return {
        administrator: {
          accountId: adminId,
          invitationId: `${adminId}-${ctx.account.id}`,
          invitedAt: s.session?.createdAt,
          relationshipStatus: s.session?.status === 'ENABLED' ? ('Enabled' as const) : ('Paused' as const),
        },
      };
    }),

    operation(GetClassificationScopeCommand, (input, ctx) => {
      const scope = enabled(ctx).classificationScopes[input.id ?? ''];
      if (!scope) throw notFound('The classification scope was not found.');
      return scope;
    }),

    operation(GetSensitivityInspectionTemplateCommand, (input, ctx) => {
      const template = enabled(ctx).sensitivityInspectionTemplates[input.id ?? ''];
      if (!template) throw notFound('The sensitivity inspection template was not found.');
      return template;
    }),

    // The job's full definition: the summary's buckets, with Macie's defaults (every object, 100% sampling, recommended identifiers) unless set.
    operation(DescribeClassificationJobCommand, (input, ctx) => {
      const s = enabled(ctx);
      const job = s.jobs.find((j) => j.jobId === input.jobId);
      if (!job) throw notFound('The classification job was not found.');
      const { s3JobDefinition: defined, ...detail } = s.jobDetails[job.jobId!] ?? {};
      const scoping = defined?.scoping;
      const { bucketDefinitions, bucketCriteria, userPausedDetails: _paused, ...summary } = job;
      return {
        ...summary,
        jobArn: `arn:aws:macie2:${ctx.region}:${ctx.account.id}:classification-job/${job.jobId}`,
        samplingPercentage: 100,
        managedDataIdentifierSelector: 'RECOMMENDED' as const,
        ...detail,
        s3JobDefinition: { ...(bucketDefinitions ? { bucketDefinitions } : {}), ...(bucketCriteria ? { bucketCriteria } : {}), ...(scoping ? { scoping } : {}) },
      };
    }),

    operation(ListFindingsFiltersCommand, (input, ctx) => {
      const { page, nextToken } = paginate(enabled(ctx).findingsFilters, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 25,
        maxLimit: 25,
        scope: 'ListFindingsFilters',
        invalidToken: () => validation('The nextToken is not valid.'),
        invalidLimit: (n) => validation(`maxResults ${n} is not between 1 and 25.`),
      });
      return { findingsFilterListItems: page.map(({ action, arn, id, name, tags }) => ({ action, arn, id, name, tags })), nextToken };
    }),

    operation(GetFindingsFilterCommand, (input, ctx) => {
      const filter = enabled(ctx).findingsFilters.find((f) => f.id === input.id);
      if (!filter) throw notFound('The findings filter was not found.');
      return filter;
    }),

    operation(ListClassificationJobsCommand, (input, ctx) => {
      if (input.filterCriteria || input.sortCriteria) throw validation('Job filter and sort criteria are not supported by the simulated Macie.');
      const { page, nextToken } = paginate(enabled(ctx).jobs, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 100,
        maxLimit: 200,
        scope: 'ListClassificationJobs',
        invalidToken: () => validation('The nextToken is not valid.'),
        invalidLimit: (n) => validation(`maxResults ${n} is not between 1 and 200.`),
      });
      return { items: page, nextToken };
    }),

    operation(ListFindingsCommand, (input, ctx) => {
      const criteria = Object.entries(input.findingCriteria?.criterion ?? {});
      for (const [k] of criteria) if (!FIELDS[k]) throw validation(`The finding criterion field ${k} is not supported.`);
      const found = visibleFindings(ctx).filter((f) => criteria.every(([k, c]) => (!c.eq || c.eq.includes(FIELDS[k](f) ?? '')) && (!c.neq || !c.neq.includes(FIELDS[k](f) ?? ''))));
      const { page, nextToken } = paginate(found, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `ListFindings/${JSON.stringify(input.findingCriteria ?? {})}`,
        invalidToken: () => validation('The nextToken is not valid.'),
        invalidLimit: (n) => validation(`maxResults ${n} is not between 1 and 50.`),
      });
      return { findingIds: page.map((f) => f.id!), nextToken };
    }),

    operation(GetFindingsCommand, (input, ctx) => {
      const ids = input.findingIds ?? [];
      if (ids.length === 0 || ids.length > 50) throw validation('findingIds must contain between 1 and 50 finding ids.');
      const visible = visibleFindings(ctx);
      return { findings: ids.flatMap((id) => visible.filter((f) => f.id === id)) };
    }),

    // The administrator reads the status of its members (and its own); any other account only its own, as Macie documents.
    operation(ListAutomatedDiscoveryAccountsCommand, (input, ctx) => {
      const own = enabled(ctx);
      const ids = input.accountIds ?? [];
      if (ids.length > 50) throw validation('accountIds must contain at most 50 account ids.');
      const statusOf = (s: MacieState): AutomatedDiscoveryAccountStatus => s.automatedDiscoveryAccountStatus ?? (s.automatedDiscovery.status === 'ENABLED' ? 'ENABLED' : 'DISABLED');
      const visible = [{ accountId: ctx.account.id, status: statusOf(own) }, ...members(ctx).map(({ account, state: s }) => ({ accountId: account.id, status: statusOf(s) }))];
      const items = ids.length ? visible.filter((a) => ids.includes(a.accountId)) : visible;
      const { page, nextToken } = paginate(items, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 25,
        maxLimit: 25,
        scope: `ListAutomatedDiscoveryAccounts/${ids.join(',')}`,
        invalidToken: () => validation('The nextToken is not valid.'),
        invalidLimit: (n) => validation(`maxResults ${n} is not between 1 and 25.`),
      });
      return { items: page, nextToken };
    }),

    operation(ListMembersCommand, (input, ctx) => {
      enabled(ctx);
      if (input.onlyAssociated !== undefined && input.onlyAssociated !== 'true' && input.onlyAssociated !== 'false') throw validation('onlyAssociated must be true or false.');
      const all = members(ctx).map(({ account, state: s }) => ({
        accountId: account.id,
        administratorAccountId: ctx.account.id,
        arn: `arn:aws:macie2:${ctx.region}:${ctx.account.id}:member/${account.id}`,
        email: `${account.id}@example.com`,
        relationshipStatus: s.session?.status === 'ENABLED' ? ('Enabled' as const) : ('Paused' as const),
        invitedAt: s.session?.createdAt,
        updatedAt: s.session?.updatedAt,
        tags: {},
      }));
      const { page, nextToken } = paginate(all, {
        token: input.nextToken,
        limit: input.maxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `ListMembers/${input.onlyAssociated ?? ''}`,
        invalidToken: () => validation('The nextToken is not valid.'),
        invalidLimit: (n) => validation(`maxResults ${n} is not between 1 and 50.`),
      });
      return { members: page, nextToken };
    }),
  ],
};
