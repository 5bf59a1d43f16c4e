import type { AnalyzerSummary, Criterion, FindingDetails, FindingSummaryV2, GetFindingV2Response } from '@aws-sdk/client-accessanalyzer';
import { loadAccessAnalyzerSdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';

/** The active findings of one analyzer (ListFindingsV2, status ACTIVE, all pages). */
export interface AnalyzerFindings {
  analyzerArn: string;
  findings: FindingSummaryV2[];
}

/** GetFindingV2 for one active external-access finding: who outside the zone of trust has which access. */
export interface ExternalFindingDetail {
  analyzerArn: string;
  id: string;
  finding: Omit<GetFindingV2Response, 'nextToken'>;
}

/** ListAnalyzers, then ListFindingsV2 per active analyzer and GetFindingV2 per active external-access finding. */
export interface ExternalAccessEvidence {
  analyzers: AnalyzerSummary[];
  findings: AnalyzerFindings[];
  details: ExternalFindingDetail[];
}

const EXTERNAL_TYPES = new Set(['ACCOUNT', 'ORGANIZATION']);
const UNUSED_TYPES = new Set(['ACCOUNT_UNUSED_ACCESS', 'ORGANIZATION_UNUSED_ACCESS']);
const UNUSED_FINDINGS: Record<string, string> = {
  UnusedIAMRole: 'role not used',
  UnusedIAMUserAccessKey: 'access key not used',
  UnusedIAMUserPassword: 'console password not used',
  UnusedPermission: 'permissions granted but not used',
};

/**
 * The filter of the account's own active findings of one analyzer: an organization analyzer reports every account of the
 * organisation, so its owner's listing asks for the findings on resources it owns (an account analyzer has no others).
 */
export function ownActiveFindingsFilter(analyzer: AnalyzerSummary, accountId: string): Record<string, Criterion> {
  const active = { status: { eq: ['ACTIVE'] } };
  return analyzer.type?.startsWith('ORGANIZATION') ? { ...active, resourceOwnerAccount: { eq: [accountId] } } : active;
}

const day = (d: Date | string | undefined) => toDate(d)?.toISOString().slice(0, 10) ?? 'an unrecorded date';

/** Who outside the zone of trust the finding names, read from its external-access details. */
function grantees(details: FindingDetails[] | undefined): { who: string[]; actions: string[]; isPublic: boolean } {
  const who = new Set<string>();
  const actions = new Set<string>();
  let isPublic = false;
  for (const d of details ?? []) {
    const ext = 'externalAccessDetails' in d ? d.externalAccessDetails : undefined;
    if (!ext) continue;
    if (ext.isPublic) isPublic = true;
    for (const [k, v] of Object.entries(ext.principal ?? {})) who.add(`${k} ${v}`);
    for (const a of ext.action ?? []) actions.add(a);
  }
  return { who: [...who], actions: [...actions], isPublic };
}

function analyzerResult(kind: 'external' | 'unused', analyzers: AnalyzerSummary[], activeFindings: number, region: string): ResourceResult {
  const what = kind === 'external' ? 'external access (resources shared outside the zone of trust)' : 'unused access (IAM roles, users, keys and permissions)';
  const active = analyzers.find((a) => a.status === 'ACTIVE');
  if (!active) {
    if (analyzers.length) {
      const a = analyzers[0];
      return { resource: a.arn ?? 'account', resourceType: 'AWS::AccessAnalyzer::Analyzer', status: 'fail', reason: `the ${a.type} analyzer ${a.name} for ${what} is ${a.status}${a.statusReason?.code ? ` (${a.statusReason.code})` : ''}: it analyses nothing` };
    }
    return {
      resource: kind === 'external' ? 'account' : 'account/unused-access',
      resourceType: 'AWS::::Account',
      status: 'needs-review',
      reason: `no IAM Access Analyzer analyzer for ${what} exists in this account in ${region}; an organization analyzer in the delegated administrator account may cover it, which this account's evidence cannot show`,
    };
  }
  const scope = active.type?.startsWith('ORGANIZATION') ? 'the organization' : 'this account';
  const last = active.lastResourceAnalyzedAt ? `; last resource analysed ${day(active.lastResourceAnalyzedAt)}` : '';
  return {
    resource: active.arn ?? 'account',
    resourceType: 'AWS::AccessAnalyzer::Analyzer',
    status: 'pass',
    reason: `the ${active.type} analyzer ${active.name} is active for ${what} with ${scope} as zone of trust and reports ${activeFindings} active finding${activeFindings === 1 ? '' : 's'}${last}; archived findings (intended access) are not judged here`,
  };
}

export const externalAccess = defineQuery<ExternalAccessEvidence>({
  id: 'accessanalyzer.external-access',
  service: 'access-analyzer',
  title: 'IAM Access Analyzer watches external and unused access, and no resource is shared outside the zone of trust',
  description:
    'The IAM Access Analyzer analyzers of the account in the region (account or organization zone of trust; external and unused access) and their active findings on the account’s own resources (an organization analyzer’s findings on other accounts’ resources belong to those accounts): each resource a policy shares with a principal outside the zone of trust (with the principals and actions Access Analyzer names), and each unused role, access key, password or permission. Only the resource types Access Analyzer supports are analysed; archived findings (access marked as intended by an archive rule or a person) are not judged.',
  remediation:
    'Create an account or organization analyzer for external access and one for unused access in every region used; remove or narrow the policy statements behind each active external-access finding, or archive the finding with the reason it is intended; remove unused roles, keys, passwords and permissions.',
  scope: 'regional',
  apiCalls: ['access-analyzer:ListAnalyzers', 'access-analyzer:ListFindingsV2', 'access-analyzer:GetFindingV2'],
  parameters: {
    purpose: {
      description:
        '`access` (default): a resource shared outside the zone of trust fails and unused access needs review. `third-parties` (PCI DSS 12.8.1, HIPAA business associates): each external principal that can reach a resource is listed for review against the entity\'s list of service providers or business associates and their agreements; unused access is not judged.',
      default: 'access',
    },
  },
  async collect(ctx) {
    const { AccessAnalyzerClient, paginateGetFindingV2, paginateListAnalyzers, paginateListFindingsV2 } = await loadAccessAnalyzerSdk();
    const client = ctx.clients.get(AccessAnalyzerClient);
    const analyzers: AnalyzerSummary[] = [];
    for await (const page of paginateListAnalyzers({ client, pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      analyzers.push(...(stripMetadata(page).analyzers ?? []));
    }
    const findings: AnalyzerFindings[] = [];
    const details: ExternalFindingDetail[] = [];
    for (const a of analyzers) {
      if (a.status !== 'ACTIVE' || !a.arn || !(EXTERNAL_TYPES.has(a.type ?? '') || UNUSED_TYPES.has(a.type ?? ''))) continue;
      const list: FindingSummaryV2[] = [];
      for await (const page of paginateListFindingsV2({ client, pageSize: 100 }, { analyzerArn: a.arn, filter: ownActiveFindingsFilter(a, ctx.accountId) })) {
        ctx.signal?.throwIfAborted();
        list.push(...(stripMetadata(page).findings ?? []));
      }
      findings.push({ analyzerArn: a.arn, findings: list });
      for (const f of list) {
        if (f.findingType !== 'ExternalAccess' || !f.id) continue;
        let finding: ExternalFindingDetail['finding'] | undefined;
        for await (const page of paginateGetFindingV2({ client, pageSize: 100 }, { analyzerArn: a.arn, id: f.id })) {
          const { nextToken: _next, ...rest } = stripMetadata(page);
          finding = finding ? { ...finding, findingDetails: [...(finding.findingDetails ?? []), ...(rest.findingDetails ?? [])] } : rest;
        }
        if (finding) details.push({ analyzerArn: a.arn, id: f.id, finding });
      }
    }
    return { analyzers, findings, details };
  },
  evaluate(data, params, ctx) {
    const thirdParties = params.purpose === 'third-parties';
    if (!Array.isArray(data?.analyzers) || !Array.isArray(data.findings) || !Array.isArray(data.details)) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListAnalyzers, ListFindingsV2 or GetFindingV2 responses' }];
    }
    const results: ResourceResult[] = [];
    const external = data.analyzers.filter((a) => EXTERNAL_TYPES.has(a.type ?? ''));
    const unused = data.analyzers.filter((a) => UNUSED_TYPES.has(a.type ?? ''));
    const listed = ownItems(data.findings.flatMap((f) => (f.findings ?? []).map((finding) => ({ analyzerArn: f.analyzerArn, finding }))), (x) => x.finding.resourceOwnerAccount, ctx.accountId);
    const findingsOf = (set: AnalyzerSummary[]) => listed.own.filter((x) => set.some((a) => a.arn === x.analyzerArn)).map((x) => x.finding);
    // An analyzer listed as active whose findings were not collected is a gap, not an empty list.
    for (const a of data.analyzers) {
      if (a.status === 'ACTIVE' && (EXTERNAL_TYPES.has(a.type ?? '') || UNUSED_TYPES.has(a.type ?? '')) && !data.findings.some((f) => f.analyzerArn === a.arn)) {
        results.push({ resource: a.arn ?? 'account', resourceType: 'AWS::AccessAnalyzer::Analyzer', status: 'error', reason: `the evidence holds no ListFindingsV2 answer for the active analyzer ${a.name}` });
      }
    }
    const externalFindings = findingsOf(external);
    const unusedFindings = thirdParties ? [] : findingsOf(unused);
    const leftOut = othersLeftOut(listed.others, 'findings on resources');
    const withLeftOut = (r: ResourceResult): ResourceResult => (leftOut && r.resourceType === 'AWS::AccessAnalyzer::Analyzer' ? { ...r, reason: `${r.reason}${leftOut}` } : r);
    results.push(withLeftOut(analyzerResult('external', external, externalFindings.length, ctx.region)));
    if (!thirdParties) results.push(withLeftOut(analyzerResult('unused', unused, unusedFindings.length, ctx.region)));

    // One result per resource: several findings on one resource are one thing to fix.
    const byResource = new Map<string, FindingSummaryV2[]>();
    for (const f of [...externalFindings, ...unusedFindings]) {
      const key = `${f.findingType === 'ExternalAccess' ? 'external' : 'unused'}|${f.resource ?? f.id}`;
      byResource.set(key, [...(byResource.get(key) ?? []), f]);
    }
    for (const [key, list] of byResource) {
      const [kind, resource] = key.split('|', 2) as ['external' | 'unused', string];
      const resourceType = list[0].resourceType ?? 'unknown';
      const errored = list.filter((f) => f.error);
      if (errored.length) {
        results.push({ resource, resourceType, status: 'error', reason: `Access Analyzer could not analyse ${resourceType} ${resource}: ${errored.map((f) => f.error).join('; ')}` });
        continue;
      }
      if (kind === 'external') {
        const parts = list.map((f) => {
          const d = data.details.find((x) => x.id === f.id)?.finding;
          if (!d) return `finding ${f.id} (details not collected)`;
          const g = grantees(d.findingDetails);
          const who = g.isPublic ? 'anyone (public)' : g.who.join(', ') || 'an external principal';
          return `${who}${g.actions.length ? ` may ${g.actions.join(', ')}` : ''} (finding ${f.id}, since ${day(f.createdAt)})`;
        });
        if (thirdParties) {
          results.push({ resource, resourceType, status: 'needs-review', reason: `${resourceType} ${resource} can be reached from outside the zone of trust: ${parts.join('; ')}; confirm each external party is on the entity's list of service providers or business associates and covered by an agreement` });
        } else {
          results.push({ resource, resourceType, status: 'fail', reason: `${resourceType} ${resource} is shared outside the zone of trust: ${parts.join('; ')}` });
        }
      } else {
        const parts = list.map((f) => `${UNUSED_FINDINGS[f.findingType ?? ''] ?? f.findingType} (finding ${f.id}, since ${day(f.createdAt)})`);
        results.push({ resource, resourceType, status: 'needs-review', reason: `${resourceType} ${resource} holds unused access the access review should remove or justify: ${parts.join('; ')}` });
      }
    }
    return results;
  },
});
