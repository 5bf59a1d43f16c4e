import {
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GetFilterCommand,
  GetMalwareScanSettingsCommand,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListCoverageCommand,
  ListFindingsCommand,
  ListMembersCommand,
  type Condition,
  type CoverageFilterCriteria,
  type CoverageResource,
  type Finding,
  type FindingCriteria,
  type FindingStatistics,
  type GetDetectorResponse,
  type GetFilterResponse,
  type GetMalwareScanSettingsResponse,
  type Member,
  type SortCriteria,
} from '@aws-sdk/client-guardduty';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import { paginate } from './paging.js';
import type { SimAccount } from '../world.js';

export interface SimDetector {
  id: string;
  detector: Omit<GetDetectorResponse, '$metadata'>;
  findings: Finding[];
  /** Runtime monitoring coverage (ListCoverage); empty while runtime monitoring is off. */
  coverage?: CoverageResource[];
  /**
   * Saved filters (ListFilters, GetFilter); those with Action ARCHIVE are suppression rules. They are stored, not
   * applied: seeded findings already carry their archived flag.
   */
  filters?: Array<Omit<GetFilterResponse, '$metadata'>>;
  /** GetMalwareScanSettings; absent: never updated (no scan option tags, no snapshot retention). */
  malwareScanSettings?: Omit<GetMalwareScanSettingsResponse, '$metadata'>;
}

/** GuardDuty in one account and region: at most one detector, as the service allows. */
export interface GuardDutyState {
  detectors: SimDetector[];
}

declare module '../world.js' {
  interface RegionalState {
    guardduty: GuardDutyState;
  }
}

const state = (ctx: CallContext) => ctx.account.regional(ctx.region, 'guardduty', () => ({ detectors: [] }));

const badRequest = (message: string) => new SimError('BadRequestException', message, 400, { __type: 'InvalidInputException' });

function detector(ctx: CallContext, id: string | undefined): SimDetector {
  const d = state(ctx).detectors.find((x) => x.id === id);
  if (!d) throw badRequest(`The request is rejected because the input detectorId is not owned by the current account.`);
  return d;
}

/** The members a delegated administrator's detector manages in its region: organisation accounts with a detector there. */
function members(ctx: CallContext): Array<{ account: SimAccount; detector: SimDetector }> {
  const org = ctx.world.organization;
  if (!org || org.delegatedAdministrators?.guardduty !== ctx.account.id) return [];
  const out: Array<{ account: SimAccount; detector: SimDetector }> = [];
  for (const id of org.accountIds) {
    const account = id === ctx.account.id ? undefined : ctx.world.account(id);
    const d = account?.regions.get(ctx.region)?.guardduty?.detectors[0];
    if (account && d) out.push({ account, detector: d });
  }
  return out;
}

/** A detector's own findings, and for the administrator's detector every member's findings too (GuardDuty's administrator view). */
function visibleFindings(ctx: CallContext, d: SimDetector): Finding[] {
  const m = members(ctx);
  return m.length ? [...d.findings, ...m.flatMap((x) => x.detector.findings)] : d.findings;
}

/** A detector's own coverage, and for the administrator's detector every member's too (as ListCoverage answers an administrator). */
function visibleCoverage(ctx: CallContext, d: SimDetector): CoverageResource[] {
  return [...(d.coverage ?? []), ...members(ctx).flatMap((x) => x.detector.coverage ?? [])];
}

/** ACCOUNT_ID and RESOURCE_TYPE coverage criteria; other keys are refused rather than ignored. */
function coverageFilter(criteria: CoverageFilterCriteria | undefined): (r: CoverageResource) => boolean {
  const read: Record<string, (r: CoverageResource) => string | undefined> = { ACCOUNT_ID: (r) => r.AccountId, RESOURCE_TYPE: (r) => r.ResourceDetails?.ResourceType };
  const list = criteria?.FilterCriterion ?? [];
  for (const c of list) if (!read[c.CriterionKey ?? '']) throw badRequest(`The simulated ListCoverage does not support the criterion key ${c.CriterionKey ?? '(none)'}.`);
  return (r) => list.every((c) => {
    const v = read[c.CriterionKey!](r) ?? '';
    return (!c.FilterCondition?.Equals || c.FilterCondition.Equals.includes(v)) && (!c.FilterCondition?.NotEquals || !c.FilterCondition.NotEquals.includes(v));
  });
}

/** Values of a finding for the criterion keys GuardDuty documents (the common subset). */
function fieldValues(f: Finding, key: string): Array<string | number> {
  switch (key) {
    case 'service.archived':
      return [String(f.Service?.Archived ?? false)];
    case 'severity':
      return [f.Severity ?? 0];
    case 'type':
      return [f.Type ?? ''];
    case 'id':
      return [f.Id ?? ''];
    case 'region':
      return [f.Region ?? ''];
    case 'accountId':
      return [f.AccountId ?? ''];
    case 'resource.resourceType':
      return [f.Resource?.ResourceType ?? ''];
    case 'updatedAt':
      return [Date.parse(f.UpdatedAt ?? '')];
    case 'createdAt':
      return [Date.parse(f.CreatedAt ?? '')];
    case 'confidence':
      return [f.Confidence ?? 0];
    default:
      throw badRequest(`The request is rejected because the criterion key ${key} is not supported by the simulated GuardDuty.`);
  }
}

function satisfies(values: Array<string | number>, c: Condition): boolean {
  const nums = values.map(Number);
  const eq = c.Eq ?? c.Equals;
  const neq = c.Neq ?? c.NotEquals;
  if (eq && !values.some((v) => eq.includes(String(v)))) return false;
  if (neq && values.some((v) => neq.includes(String(v)))) return false;
  const gt = c.Gt ?? c.GreaterThan;
  const gte = c.Gte ?? c.GreaterThanOrEqual;
  const lt = c.Lt ?? c.LessThan;
  const lte = c.Lte ?? c.LessThanOrEqual;
  if (gt !== undefined && !nums.some((n) => n > gt)) return false;
  if (gte !== undefined && !nums.some((n) => n >= gte)) return false;
  if (lt !== undefined && !nums.some((n) => n < lt)) return false;
  if (lte !== undefined && !nums.some((n) => n <= lte)) return false;
  return true;
}

export function matchFindings(findings: Finding[], criteria: FindingCriteria | undefined): Finding[] {
  const entries = Object.entries(criteria?.Criterion ?? {});
  return findings.filter((f) => entries.every(([key, cond]) => satisfies(fieldValues(f, key), cond)));
}

function sortFindings(findings: Finding[], sort: SortCriteria | undefined): Finding[] {
  if (!sort?.AttributeName) return findings;
  const key = sort.AttributeName;
  const dir = sort.OrderBy === 'DESC' ? -1 : 1;
  return [...findings].sort((a, b) => {
    const va = fieldValues(a, key)[0];
    const vb = fieldValues(b, key)[0];
    return (va < vb ? -1 : va > vb ? 1 : 0) * dir;
  });
}

interface FindingGroup {
  n: number;
  last: number;
  sample: Finding;
}

function resourceId(f: Finding): string {
  const r = f.Resource;
  return r?.InstanceDetails?.InstanceId ?? r?.AccessKeyDetails?.UserName ?? r?.S3BucketDetails?.[0]?.Name ?? r?.ResourceType ?? 'unknown';
}

function groupFindings(findings: Finding[], by: string): Map<string, FindingGroup> {
  const key = (f: Finding): string => {
    if (by === 'SEVERITY') return String(f.Severity);
    if (by === 'FINDING_TYPE') return f.Type ?? '';
    if (by === 'ACCOUNT') return f.AccountId ?? '';
    if (by === 'DATE') return `${(f.UpdatedAt ?? '').slice(0, 10)}/${f.Severity}`;
    return resourceId(f);
  };
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const k = key(f);
    const g = groups.get(k) ?? { n: 0, last: 0, sample: f };
    g.n++;
    g.last = Math.max(g.last, Date.parse(f.UpdatedAt ?? '') || 0);
    groups.set(k, g);
  }
  return groups;
}

const invalidToken = () => badRequest('The request is rejected because the nextToken is not valid.');
const invalidLimit = (max: number) => (n: number) => badRequest(`The request is rejected because the value ${n} for maxResults is not between 1 and ${max}.`);

export const guardduty: SimService = {
  name: 'guardduty',
  signingName: 'guardduty',
  protocol: restJson1,
  errors: { accessDenied: { code: 'AccessDeniedException', status: 403 }, throttling: { code: 'TooManyRequestsException', status: 429 } },
  operations: [
    operation(ListDetectorsCommand, (input, ctx) => {
      const ids = state(ctx).detectors.map((d) => d.id);
      const { page, nextToken } = paginate(ids, { token: input.NextToken, limit: input.MaxResults, defaultLimit: 50, maxLimit: 50, scope: 'ListDetectors', invalidToken, invalidLimit: invalidLimit(50) });
      return { DetectorIds: page, NextToken: nextToken };
    }),

    operation(GetDetectorCommand, (input, ctx) => detector(ctx, input.DetectorId).detector),

    operation(ListFiltersCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      const names = (d.filters ?? []).map((f) => f.Name!);
      const { page, nextToken } = paginate(names, { token: input.NextToken, limit: input.MaxResults, defaultLimit: 50, maxLimit: 50, scope: `ListFilters/${d.id}`, invalidToken, invalidLimit: invalidLimit(50) });
      return { FilterNames: page, NextToken: nextToken };
    }),

    operation(GetFilterCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      const f = (d.filters ?? []).find((x) => x.Name === input.FilterName);
      if (!f) throw badRequest(`The request is rejected because the input filterName ${input.FilterName ?? ''} is not found.`);
      return f;
    }),

    operation(GetMalwareScanSettingsCommand, (input, ctx) => detector(ctx, input.DetectorId).malwareScanSettings ?? { EbsSnapshotPreservation: 'NO_RETENTION' as const }),

    operation(ListMembersCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      const all: Member[] = members(ctx).map(({ account, detector: md }) => ({
        AccountId: account.id,
        DetectorId: md.id,
        MasterId: ctx.account.id,
        AdministratorId: ctx.account.id,
        Email: account.email,
        RelationshipStatus: 'Enabled',
        InvitedAt: md.detector.CreatedAt,
        UpdatedAt: md.detector.UpdatedAt ?? md.detector.CreatedAt,
      }));
      const { page, nextToken } = paginate(all, { token: input.NextToken, limit: input.MaxResults, defaultLimit: 50, maxLimit: 50, scope: `ListMembers/${d.id}/${input.OnlyAssociated ?? ''}`, invalidToken, invalidLimit: invalidLimit(50) });
      return { Members: page, NextToken: nextToken };
    }),

    operation(ListFindingsCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      const ids = sortFindings(matchFindings(visibleFindings(ctx, d), input.FindingCriteria), input.SortCriteria).map((f) => f.Id!);
      const scope = `ListFindings/${d.id}/${JSON.stringify(input.FindingCriteria ?? {})}/${JSON.stringify(input.SortCriteria ?? {})}`;
      const { page, nextToken } = paginate(ids, { token: input.NextToken, limit: input.MaxResults, defaultLimit: 50, maxLimit: 50, scope, invalidToken, invalidLimit: invalidLimit(50) });
      return { FindingIds: page, NextToken: nextToken };
    }),

    operation(GetFindingsCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      const ids = input.FindingIds ?? [];
      if (ids.length > 50) throw badRequest(`The request is rejected because the number of findingIds (${ids.length}) exceeds the maximum of 50.`);
      const visible = visibleFindings(ctx, d);
      const found = ids.map((id) => visible.find((f) => f.Id === id)).filter((f): f is Finding => f !== undefined);
      return { Findings: sortFindings(found, input.SortCriteria) };
    }),

    operation(ListCoverageCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      // Sorting is not simulated; refusing it keeps a test from passing on an ignored sort.
      if (input.SortCriteria) throw badRequest('The simulated ListCoverage does not support SortCriteria.');
      const resources = visibleCoverage(ctx, d).filter(coverageFilter(input.FilterCriteria));
      const { page, nextToken } = paginate(resources, { token: input.NextToken, limit: input.MaxResults, defaultLimit: 50, maxLimit: 50, scope: `ListCoverage/${d.id}/${JSON.stringify(input.FilterCriteria ?? {})}`, invalidToken, invalidLimit: invalidLimit(50) });
      return { Resources: page, NextToken: nextToken };
    }),

    operation(GetCoverageStatisticsCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      if (!input.StatisticsType?.length) throw badRequest('The request is rejected because statisticsType is required.');
      const matched = visibleCoverage(ctx, d).filter(coverageFilter(input.FilterCriteria));
      const count = (key: (r: CoverageResource) => string | undefined) => {
        const out: Record<string, number> = {};
        for (const r of matched) {
          const k = key(r);
          if (k) out[k] = (out[k] ?? 0) + 1;
        }
        return out;
      };
      return {
        CoverageStatistics: {
          ...(input.StatisticsType.includes('COUNT_BY_COVERAGE_STATUS') ? { CountByCoverageStatus: count((r) => r.CoverageStatus) } : {}),
          ...(input.StatisticsType.includes('COUNT_BY_RESOURCE_TYPE') ? { CountByResourceType: count((r) => r.ResourceDetails?.ResourceType) } : {}),
        },
      };
    }),

    operation(GetFindingsStatisticsCommand, (input, ctx) => {
      const d = detector(ctx, input.DetectorId);
      // As documented: findingStatisticTypes or groupBy, not both; maxResults (1-100) and orderBy only with groupBy.
      if (input.GroupBy && input.FindingStatisticTypes?.length) throw badRequest('The request is rejected because findingStatisticTypes and groupBy cannot both be provided.');
      if (!input.GroupBy && (input.MaxResults !== undefined || input.OrderBy)) throw badRequest('The request is rejected because maxResults and orderBy can only be used with groupBy.');
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 100)) throw invalidLimit(100)(input.MaxResults);
      const matched = matchFindings(visibleFindings(ctx, d), input.FindingCriteria);
      const stats: FindingStatistics = {};
      if (input.FindingStatisticTypes?.includes('COUNT_BY_SEVERITY') || (!input.GroupBy && !input.FindingStatisticTypes?.length)) {
        const counts: Record<string, number> = {};
        for (const f of matched) {
          const k = (f.Severity ?? 0).toFixed(1);
          counts[k] = (counts[k] ?? 0) + 1;
        }
        stats.CountBySeverity = counts;
      }
      if (input.GroupBy) {
        const groups = groupFindings(matched, input.GroupBy);
        const ordered = [...groups.values()].sort((a, b) => (input.OrderBy === 'ASC' ? a.n - b.n : b.n - a.n)).slice(0, input.MaxResults ?? 25);
        const last = (g: FindingGroup) => new Date(g.last);
        if (input.GroupBy === 'SEVERITY') stats.GroupedBySeverity = ordered.map((g) => ({ Severity: g.sample.Severity, TotalFindings: g.n, LastGeneratedAt: last(g) }));
        if (input.GroupBy === 'FINDING_TYPE') stats.GroupedByFindingType = ordered.map((g) => ({ FindingType: g.sample.Type, TotalFindings: g.n, LastGeneratedAt: last(g) }));
        if (input.GroupBy === 'ACCOUNT') stats.GroupedByAccount = ordered.map((g) => ({ AccountId: g.sample.AccountId, TotalFindings: g.n, LastGeneratedAt: last(g) }));
        if (input.GroupBy === 'DATE') stats.GroupedByDate = ordered.map((g) => ({ Date: new Date(`${(g.sample.UpdatedAt ?? '').slice(0, 10)}T00:00:00Z`), Severity: g.sample.Severity, TotalFindings: g.n, LastGeneratedAt: last(g) }));
        if (input.GroupBy === 'RESOURCE') stats.GroupedByResource = ordered.map((g) => ({ AccountId: g.sample.AccountId, ResourceId: resourceId(g.sample), ResourceType: g.sample.Resource?.ResourceType, TotalFindings: g.n, LastGeneratedAt: last(g) }));
      }
      return { FindingStatistics: stats };
    }),
  ],
};
