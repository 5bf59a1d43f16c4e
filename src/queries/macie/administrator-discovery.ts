import type { AutomatedDiscoveryAccount, Finding, Member } from '@aws-sdk/client-macie2';
import { loadMacie2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { stripMetadata, type CapturedError } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import { readCardFindings, readDiscoverySettings, type MacieDiscoveryEvidence } from './discovery.js';

/** One member's part of the Macie administrator's findings: its membership and its card-data findings. */
export interface AdministratorDiscoveryPart {
  administrator: { accountId: string };
  /** ListMembers entry (absent for the administrator's own account). */
  member?: Member;
  findings: Finding[];
  /** The administrator's ListAutomatedDiscoveryAccounts item for the member (absent for the administrator's own account). */
  automatedDiscoveryAccounts?: AutomatedDiscoveryAccount[] | CapturedError;
}

/** ListAutomatedDiscoveryAccounts takes at most 50 account ids a request. */
const DISCOVERY_ACCOUNTS_BATCH = 50;

/** macie.discovery evidence with the findings read by the Macie administrator: the same shape, with the membership. */
export type AdministratorDiscoveryEvidence = MacieDiscoveryEvidence & Omit<AdministratorDiscoveryPart, 'findings' | 'automatedDiscoveryAccounts'>;

export const administratorDiscovery = defineDelegatedSource<AdministratorDiscoveryPart>({
  queryId: 'macie.discovery',
  kind: 'macie-administrator',
  reach: 'each-region',
  apiCalls: ['macie2:ListMembers', 'macie2:ListAutomatedDiscoveryAccounts', 'macie2:ListFindings', 'macie2:GetFindings'],
  async fetch(audit) {
    const { Macie2Client, paginateListAutomatedDiscoveryAccounts, paginateListMembers } = await loadMacie2Sdk();
    const client = audit.clients.get(Macie2Client);
    const members: Member[] = [];
    for await (const page of paginateListMembers({ client, pageSize: 50 }, { onlyAssociated: 'true' })) {
      audit.signal?.throwIfAborted();
      members.push(...(stripMetadata(page).members ?? []));
    }
    const administrator = { accountId: audit.accountId };
    const parts = new Map<string, AdministratorDiscoveryPart>([[memberKey(audit.accountId, audit.region), { administrator, findings: [] }]]);
    // Only enabled members: the administrator does not see the current findings of a paused or removed one.
    for (const m of members) if (m.relationshipStatus === 'Enabled' && m.accountId && m.accountId !== audit.accountId) parts.set(memberKey(m.accountId, audit.region), { administrator, member: m, findings: [] });
    // Whether the administrator runs automated discovery for each enabled member, 50 members a request (the member
    // could read its own; one request here answers for 50). A failed batch is each of its members' evidence.
    const enabled = [...parts.values()].filter((p) => p.member?.accountId).map((p) => p.member!.accountId!);
    for (let i = 0; i < enabled.length; i += DISCOVERY_ACCOUNTS_BATCH) {
      const accountIds = enabled.slice(i, i + DISCOVERY_ACCOUNTS_BATCH);
      const read = await captureFailure(async () => {
        const items: AutomatedDiscoveryAccount[] = [];
        for await (const page of paginateListAutomatedDiscoveryAccounts({ client, pageSize: 25 }, { accountIds })) {
          audit.signal?.throwIfAborted();
          items.push(...(stripMetadata(page).items ?? []));
        }
        return items;
      }, audit.signal);
      for (const id of accountIds) parts.get(memberKey(id, audit.region))!.automatedDiscoveryAccounts = Array.isArray(read) ? read.filter((a) => a.accountId === id) : read;
    }
    // One organisation-wide listing: each finding names the member account it belongs to.
    for (const f of await readCardFindings(client, {}, audit.signal)) parts.get(memberKey(f.accountId ?? '', audit.region))?.findings.push(f);
    return parts;
  },
  // The member's own session, discovery configuration and jobs stay per member: the administrator's are its own.
  async complete(part, member): Promise<AdministratorDiscoveryEvidence> {
    const membership = { administrator: part.administrator, ...(part.member ? { member: part.member } : {}) };
    const settings = await readDiscoverySettings(member, part.member ? { automatedDiscoveryAccounts: part.automatedDiscoveryAccounts } : {});
    return settings.jobs ? { ...membership, ...settings, findings: part.findings } : { ...membership, ...settings };
  },
});
