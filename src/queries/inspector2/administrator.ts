import type { AccountState, CoveredResource, Filter, Finding, Member } from '@aws-sdk/client-inspector2';
import { loadInspector2Sdk } from '../../aws/sdk.js';
import { stripMetadata, type CapturedError } from '../types.js';
import { defineDelegatedSource, memberKey, type AuditContext } from '../delegated/types.js';
import type { Inspector2AccountStatusEvidence } from './account-status.js';
import { listScannableResources, type Inspector2CoverageEvidence } from './coverage.js';
import { ACTIVE_ONLY, listSuppressedFindings, listSuppressionRules, type Inspector2FindingsEvidence, type SuppressedFindings } from './findings.js';

/** BatchGetAccountStatus takes at most 10 account ids per request. */
const STATUS_BATCH = 10;

/** Who answered for the member: the Inspector delegated administrator and, for a member, its ListMembers entry. */
interface Membership {
  administrator: { accountId: string };
  /** ListMembers entry (absent for the administrator's own account). */
  member?: Member;
}

interface Members {
  /** Keyed by member account id; the administrator's own account included. */
  byAccount: Map<string, Membership & { state: AccountState }>;
}

/**
 * The administrator's associated members in the region and, for each enabled one, its Inspector status as the
 * administrator reads it. A member that is not ENABLED or whose status the administrator cannot read is left out.
 */
async function readMembers(audit: AuditContext): Promise<Members> {
  const { Inspector2Client, BatchGetAccountStatusCommand, paginateListMembers } = await loadInspector2Sdk();
  const client = audit.clients.get(Inspector2Client);
  const members: Member[] = [];
  for await (const page of paginateListMembers({ client, pageSize: 50 }, { onlyAssociated: true })) {
    audit.signal?.throwIfAborted();
    members.push(...(stripMetadata(page).members ?? []));
  }
  const enabled = members.filter((m) => m.relationshipStatus === 'ENABLED' && m.accountId && m.accountId !== audit.accountId);
  const administrator = { accountId: audit.accountId };
  const wanted = new Map<string, Membership>([[audit.accountId, { administrator }], ...enabled.map((m) => [m.accountId!, { administrator, member: m }] as const)]);
  const ids = [...wanted.keys()];
  const byAccount: Members['byAccount'] = new Map();
  for (let i = 0; i < ids.length; i += STATUS_BATCH) {
    const out = await client.send(new BatchGetAccountStatusCommand({ accountIds: ids.slice(i, i + STATUS_BATCH) }), { abortSignal: audit.signal });
    // failedAccounts are left out: those members are collected in their own account.
    for (const a of out.accounts ?? []) {
      const m = a.accountId ? wanted.get(a.accountId) : undefined;
      if (m && a.accountId) byAccount.set(a.accountId, { ...m, state: a });
    }
  }
  if (byAccount.size === 0) throw new Error(`the audit account ${audit.accountId} answered no Amazon Inspector status in ${audit.region}, so it administers no members there`);
  return { byAccount };
}

const membership = (m: Membership): Membership => ({ administrator: m.administrator, ...(m.member ? { member: m.member } : {}) });

/** One member's status as the administrator's BatchGetAccountStatus returned it, in the per-account evidence shape. */
const statusOf = (state: AccountState): Inspector2AccountStatusEvidence => ({ accounts: [state], failedAccounts: [] });

/** inspector2.account-status evidence as read by the Inspector administrator: the same shape, with the membership. */
export type AdministratorAccountStatusEvidence = Inspector2AccountStatusEvidence & Membership;
/** inspector2.findings evidence as read by the Inspector administrator: the same shape, with the membership. */
export type AdministratorInspectorFindingsEvidence = Inspector2FindingsEvidence & Membership;
/** inspector2.coverage evidence with the coverage list read by the Inspector administrator. */
export type AdministratorCoverageEvidence = Inspector2CoverageEvidence & Membership;

export const administratorAccountStatus = defineDelegatedSource<Membership & { state: AccountState }>({
  queryId: 'inspector2.account-status',
  kind: 'inspector-administrator',
  reach: 'each-region',
  apiCalls: ['inspector2:ListMembers', 'inspector2:BatchGetAccountStatus'],
  async fetch(audit) {
    const { byAccount } = await readMembers(audit);
    return new Map([...byAccount].map(([id, m]) => [memberKey(id, audit.region), m]));
  },
  async complete(part): Promise<AdministratorAccountStatusEvidence> {
    return { ...membership(part), ...statusOf(part.state) };
  },
});

interface FindingsPart extends Membership {
  state: AccountState;
  findings: Finding[];
  suppressionRules: Filter[] | CapturedError;
  suppressedFindings: SuppressedFindings | CapturedError;
}

export const administratorInspectorFindings = defineDelegatedSource<FindingsPart>({
  queryId: 'inspector2.findings',
  kind: 'inspector-administrator',
  reach: 'each-region',
  apiCalls: ['inspector2:ListMembers', 'inspector2:BatchGetAccountStatus', 'inspector2:ListFindings', 'inspector2:ListFilters'],
  async fetch(audit) {
    const { Inspector2Client, paginateListFindings } = await loadInspector2Sdk();
    const client = audit.clients.get(Inspector2Client);
    const { byAccount } = await readMembers(audit);
    // Only the delegated administrator creates suppression rules for the organisation, and its rules hide its members'
    // findings: every member is judged against them (and against its own, read in `complete`).
    const suppressionRules = await listSuppressionRules(client, audit.signal);
    const parts = new Map<string, FindingsPart>();
    for (const [id, m] of byAccount) {
      // Each member's suppressed findings are read as the member reads its own (same filter, same page bound).
      parts.set(memberKey(id, audit.region), { ...m, findings: [], suppressionRules, suppressedFindings: await listSuppressedFindings(client, id, audit.signal) });
    }
    // The administrator's ListFindings returns every member's findings of the region; each names its awsAccountId.
    for await (const page of paginateListFindings({ client, pageSize: 100 }, { filterCriteria: ACTIVE_ONLY })) {
      audit.signal?.throwIfAborted();
      for (const f of stripMetadata(page).findings ?? []) parts.get(memberKey(f.awsAccountId ?? '', audit.region))?.findings.push(f);
    }
    return parts;
  },
  // The administrator's ListFilters lists its own filters only: a member's own suppression rules are read in the member,
  // as its own query reads them, so both modes judge the same rules (the administrator's own account has none apart).
  async complete(part, member): Promise<AdministratorInspectorFindingsEvidence> {
    const { Inspector2Client } = await loadInspector2Sdk();
    const own = part.member ? { memberSuppressionRules: await listSuppressionRules(member.clients.get(Inspector2Client), member.signal) } : {};
    return { ...membership(part), accountStatus: statusOf(part.state), findings: part.findings, suppressionRules: part.suppressionRules, ...own, suppressedFindings: part.suppressedFindings };
  },
});

export const administratorCoverage = defineDelegatedSource<Membership & { coverage: CoveredResource[] }>({
  queryId: 'inspector2.coverage',
  kind: 'inspector-administrator',
  reach: 'each-region',
  apiCalls: ['inspector2:ListMembers', 'inspector2:BatchGetAccountStatus', 'inspector2:ListCoverage'],
  async fetch(audit) {
    const { Inspector2Client, paginateListCoverage } = await loadInspector2Sdk();
    const { byAccount } = await readMembers(audit);
    const parts = new Map([...byAccount].map(([id, m]) => [memberKey(id, audit.region), { ...membership(m), coverage: [] as CoveredResource[] }]));
    for await (const page of paginateListCoverage({ client: audit.clients.get(Inspector2Client), pageSize: 200 }, {})) {
      audit.signal?.throwIfAborted();
      for (const c of stripMetadata(page).coveredResources ?? []) parts.get(memberKey(c.accountId ?? '', audit.region))?.coverage.push(c);
    }
    return parts;
  },
  // The member's own instances, repositories and functions stay per member: no administrator lists them.
  async complete(part, member): Promise<AdministratorCoverageEvidence> {
    return { ...membership(part), ...(await listScannableResources(member)), coverage: part.coverage };
  },
});
