import type { Account } from '@aws-sdk/client-organizations';
import type { AnalyzerSummary, FindingSummaryV2 } from '@aws-sdk/client-accessanalyzer';
import { loadAccessAnalyzerSdk, loadOrganizationsSdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { resumablePages } from '../../aws/resumable-pages.js';
import { defineDelegatedSource, memberKey, type AuditContext } from '../delegated/types.js';
import type { AnalyzerFindings, ExternalAccessEvidence, ExternalFindingDetail } from './external-access.js';

const UNUSED_TYPES = new Set(['ACCOUNT_UNUSED_ACCESS', 'ORGANIZATION_UNUSED_ACCESS']);

/** One member's part of the organization analyzer's findings: the analyzer, the member's Organizations entry, its findings. */
export interface OrganizationAnalyzerPart {
  administrator: { accountId: string };
  analyzer: AnalyzerSummary;
  /** organizations:ListAccounts entry: the analyzer's zone of trust holds every ACTIVE account of the organisation. */
  account: Account;
  findings: FindingSummaryV2[];
  details: ExternalFindingDetail[];
}

/**
 * accessanalyzer.external-access evidence with external access judged by the delegated administrator's organization
 * analyzer: `analyzers` holds it and the member's own unused-access analyzers; `memberAnalyzers` is the member's own
 * ListAnalyzers answer (its account analyzers for external access are not read: the organization analyzer answers).
 */
export type OrganizationExternalAccessEvidence = ExternalAccessEvidence & Pick<OrganizationAnalyzerPart, 'administrator' | 'account'> & { memberAnalyzers: AnalyzerSummary[] };

export const organizationExternalAccess = defineDelegatedSource<OrganizationAnalyzerPart>({
  queryId: 'accessanalyzer.external-access',
  kind: 'access-analyzer-organization',
  reach: 'each-region',
  apiCalls: ['access-analyzer:ListAnalyzers', 'access-analyzer:ListFindingsV2', 'access-analyzer:GetFindingV2', 'organizations:ListAccounts'],
  async fetch(audit) {
    const { AccessAnalyzerClient, paginateGetFindingV2, paginateListAnalyzers, paginateListFindingsV2 } = await loadAccessAnalyzerSdk();
    const client = audit.clients.get(AccessAnalyzerClient);
    const analyzers: AnalyzerSummary[] = [];
    for await (const page of paginateListAnalyzers({ client, pageSize: 100 }, { type: 'ORGANIZATION' })) analyzers.push(...(stripMetadata(page).analyzers ?? []));
    const analyzer = analyzers.find((a) => a.status === 'ACTIVE' && a.arn);
    // No organization analyzer in this region: every member is read in its own account, as without the mode.
    if (!analyzer) return new Map();
    // The zone of trust is the same organisation in every region: listed once per run, by the first region's read.
    const accounts = await audit.once('organizations:ListAccounts', () => organizationAccounts(audit));
    const administrator = { accountId: audit.accountId };
    const parts = new Map<string, OrganizationAnalyzerPart>();
    for (const a of accounts) if ((a.State ?? a.Status) === 'ACTIVE' && a.Id) parts.set(memberKey(a.Id, audit.region), { administrator, analyzer, account: a, findings: [], details: [] });
    for await (const page of paginateListFindingsV2({ client, pageSize: 100 }, { analyzerArn: analyzer.arn, filter: { status: { eq: ['ACTIVE'] } } })) {
      audit.signal?.throwIfAborted();
      for (const f of stripMetadata(page).findings ?? []) {
        const part = parts.get(memberKey(f.resourceOwnerAccount ?? '', audit.region));
        if (!part) continue;
        part.findings.push(f);
        if (f.findingType !== 'ExternalAccess' || !f.id) continue;
        let finding: ExternalFindingDetail['finding'] | undefined;
        for await (const p of paginateGetFindingV2({ client, pageSize: 100 }, { analyzerArn: analyzer.arn, id: f.id })) {
          const { nextToken: _next, ...rest } = stripMetadata(p);
          finding = finding ? { ...finding, findingDetails: [...(finding.findingDetails ?? []), ...(rest.findingDetails ?? [])] } : rest;
        }
        if (finding) part.details.push({ analyzerArn: analyzer.arn!, id: f.id, finding });
      }
    }
    return parts;
  },
  // The member's unused-access analyzers stay per member: the organization analyzer covers external access only.
  async complete(part, member): Promise<OrganizationExternalAccessEvidence> {
    const { AccessAnalyzerClient, paginateListAnalyzers, paginateListFindingsV2 } = await loadAccessAnalyzerSdk();
    const client = member.clients.get(AccessAnalyzerClient);
    const memberAnalyzers: AnalyzerSummary[] = [];
    for await (const page of paginateListAnalyzers({ client, pageSize: 100 }, {})) {
      member.signal?.throwIfAborted();
      memberAnalyzers.push(...(stripMetadata(page).analyzers ?? []));
    }
    const unused = memberAnalyzers.filter((a) => UNUSED_TYPES.has(a.type ?? ''));
    const findings: AnalyzerFindings[] = [{ analyzerArn: part.analyzer.arn!, findings: part.findings }];
    for (const a of unused) {
      if (a.status !== 'ACTIVE' || !a.arn) continue;
      const list: FindingSummaryV2[] = [];
      for await (const page of paginateListFindingsV2({ client, pageSize: 100 }, { analyzerArn: a.arn, filter: { status: { eq: ['ACTIVE'] } } })) {
        member.signal?.throwIfAborted();
        list.push(...(stripMetadata(page).findings ?? []));
      }
      findings.push({ analyzerArn: a.arn, findings: list });
    }
    return { administrator: part.administrator, account: part.account, memberAnalyzers, analyzers: [part.analyzer, ...unused], findings, details: part.details };
  },
});

/**
 * Every account of the organisation, as ListAccounts gives them. The listing shares the management account's
 * Organizations quota (1 request a second) with every collector shard's discovery: throttled beyond the SDK's
 * retries, it waits and reads on from the page it reached instead of failing the read.
 */
async function organizationAccounts(audit: AuditContext): Promise<Account[]> {
  const { OrganizationsClient, paginateListAccounts } = await loadOrganizationsSdk();
  const organizations = audit.clients.get(OrganizationsClient);
  const pages = resumablePages((startingToken) => paginateListAccounts({ client: organizations, ...(startingToken ? { startingToken } : {}) }, {}, ...(audit.signal ? [{ abortSignal: audit.signal }] : [])), {
    action: 'organizations:ListAccounts',
    nextToken: (page) => page.NextToken,
    log: audit.log,
    ...(audit.signal ? { signal: audit.signal } : {}),
  });
  const accounts: Account[] = [];
  for await (const page of pages) {
    audit.signal?.throwIfAborted();
    accounts.push(...(stripMetadata(page).Accounts ?? []));
  }
  return accounts;
}
