import {
  GetFindingV2Command,
  ListAnalyzersCommand,
  ListFindingsV2Command,
  type AnalyzerSummary,
  type Criterion,
  type FindingDetails,
  type FindingSummaryV2,
} from '@aws-sdk/client-accessanalyzer';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedAccessAnalyzer } from '../worlds/seed-accessanalyzer.js';

/** A finding as IAM Access Analyzer keeps it: the summary ListFindingsV2 returns and the details GetFindingV2 adds. */
export interface SimAnalyzerFinding {
  analyzerArn: string;
  summary: FindingSummaryV2;
  details: FindingDetails[];
}

/** IAM Access Analyzer in one account and region: analyzers and their findings. */
export interface AccessAnalyzerState {
  analyzers: AnalyzerSummary[];
  findings: SimAnalyzerFinding[];
}

declare module '../world.js' {
  interface RegionalState {
    accessanalyzer: AccessAnalyzerState;
  }
}

export function accessAnalyzerState(account: SimAccount, region: string): AccessAnalyzerState {
  return account.regional(region, 'accessanalyzer', () => ({ analyzers: [], findings: [] }));
}

const state = (ctx: CallContext) => accessAnalyzerState(ctx.account, ctx.region);
const validation = (message: string) => new SimError('ValidationException', message, 400, { reason: 'other' });
const notFound = (message: string, id: string, type: string) => new SimError('ResourceNotFoundException', message, 404, { resourceId: id, resourceType: type });

/** ListFindingsV2 filter keys the simulator understands; Access Analyzer refuses unknown keys the same way. */
const FILTER_FIELDS: Record<string, (f: FindingSummaryV2) => string | undefined> = {
  status: (f) => f.status,
  findingType: (f) => f.findingType,
  resourceType: (f) => f.resourceType,
  resource: (f) => f.resource,
  resourceOwnerAccount: (f) => f.resourceOwnerAccount,
  id: (f) => f.id,
};

function matches(f: FindingSummaryV2, key: string, c: Criterion): boolean {
  const read = FILTER_FIELDS[key];
  if (!read) throw validation(`Invalid filter key: ${key}`);
  const v = read(f);
  if (c.eq && !c.eq.includes(v ?? '')) return false;
  if (c.neq && c.neq.includes(v ?? '')) return false;
  if (c.contains && !c.contains.some((x) => (v ?? '').includes(x))) return false;
  if (c.exists !== undefined && (v !== undefined) !== c.exists) return false;
  return true;
}

/** Whether anyone outside the organisation (or the public) can reach the resource, per the finding's details. */
function outsideOrganization(f: SimAnalyzerFinding, orgAccounts: readonly string[]): boolean {
  return f.details.some((d) => {
    const ext = 'externalAccessDetails' in d ? d.externalAccessDetails : undefined;
    if (!ext) return false;
    return ext.isPublic === true || Object.values(ext.principal ?? {}).some((p) => !orgAccounts.some((id) => p.includes(id)));
  });
}

/**
 * An analyzer's findings. The delegated administrator's ORGANIZATION analyzer reports every organisation account's
 * external access in its region with the organisation as zone of trust: sharing between member accounts is not a finding.
 */
function findingsOf(ctx: CallContext, a: AnalyzerSummary): SimAnalyzerFinding[] {
  const own = state(ctx).findings.filter((f) => f.analyzerArn === a.arn);
  const org = ctx.world.organization;
  if (a.type !== 'ORGANIZATION' || !org || org.delegatedAdministrators?.accessanalyzer !== ctx.account.id) return own;
  const out = [...own];
  for (const id of org.accountIds) {
    const s = ctx.world.account(id)?.regions.get(ctx.region)?.accessanalyzer;
    for (const f of s?.findings ?? []) {
      const from = s!.analyzers.find((x) => x.arn === f.analyzerArn);
      if (from?.type !== 'ACCOUNT' || f.summary.findingType !== 'ExternalAccess' || !outsideOrganization(f, org.accountIds)) continue;
      out.push({ ...f, analyzerArn: a.arn!, summary: { ...f.summary, resourceOwnerAccount: id } });
    }
  }
  return out;
}

function analyzer(ctx: CallContext, arn: string | undefined): AnalyzerSummary {
  const a = state(ctx).analyzers.find((x) => x.arn === arn);
  if (!a) throw notFound(`Analyzer ${arn ?? ''} not found`, arn ?? '', 'AWS::AccessAnalyzer::Analyzer');
  return a;
}

const pageLimits = (scope: string, token: string | undefined, limit: number | undefined) => ({
  token,
  limit,
  defaultLimit: 100,
  maxLimit: 1000,
  scope,
  invalidToken: () => validation('Invalid pagination token'),
  invalidLimit: (n: number) => validation(`Invalid maxResults value ${n}`),
});

export const accessanalyzer: SimService = {
  name: 'access-analyzer',
  signingName: 'access-analyzer',
  protocol: restJson1,
  errors: { throttling: { code: 'ThrottlingException', status: 429 }, serverError: { code: 'InternalServerException', status: 500 } },
  seed: (account, world) => seedAccessAnalyzer(account, world),
  operations: [
    operation(ListAnalyzersCommand, (input, ctx) => {
      const all = state(ctx).analyzers.filter((a) => !input.type || a.type === input.type);
      const { page, nextToken } = paginate(all, pageLimits(`ListAnalyzers/${input.type ?? ''}`, input.nextToken, input.maxResults));
      return { analyzers: page, nextToken };
    }),

    operation(ListFindingsV2Command, (input, ctx) => {
      const a = analyzer(ctx, input.analyzerArn);
      const filter = Object.entries(input.filter ?? {});
      const found = findingsOf(ctx, a)
        .map((f) => f.summary)
        .filter((f) => filter.every(([k, c]) => matches(f, k, c)));
      const { page, nextToken } = paginate(found, pageLimits(`ListFindingsV2/${a.arn}/${JSON.stringify(input.filter ?? {})}`, input.nextToken, input.maxResults));
      return { findings: page, nextToken };
    }),

    operation(GetFindingV2Command, (input, ctx) => {
      const a = analyzer(ctx, input.analyzerArn);
      const f = findingsOf(ctx, a).find((x) => x.summary.id === input.id);
      if (!f) throw notFound(`Finding ${input.id ?? ''} not found`, input.id ?? '', 'AWS::AccessAnalyzer::Finding');
      const { page, nextToken } = paginate(f.details, pageLimits(`GetFindingV2/${f.summary.id}`, input.nextToken, input.maxResults));
      const s = f.summary;
      return { ...s, analyzedAt: s.analyzedAt, createdAt: s.createdAt, id: s.id, resourceType: s.resourceType, resourceOwnerAccount: s.resourceOwnerAccount, status: s.status, updatedAt: s.updatedAt, findingDetails: page, nextToken };
    }),
  ],
};
