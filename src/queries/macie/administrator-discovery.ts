import type { Finding, Member } from '@aws-sdk/client-macie2';
import { loadMacie2Sdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import { readCardFindings, readDiscoverySettings, type MacieDiscoveryEvidence } from './discovery.js';

/** One member's part of the Macie administrator's findings: its membership and its card-data findings. */
export interface AdministratorDiscoveryPart {
  administrator: { accountId: string };
  /** ListMembers entry (absent for the administrator's own account). */
  member?: Member;
  findings: Finding[];
}

/** macie.discovery evidence with the findings read by the Macie administrator: the same shape, with the membership. */
export type AdministratorDiscoveryEvidence = MacieDiscoveryEvidence & Omit<AdministratorDiscoveryPart, 'findings'>;

export const administratorDiscovery = defineDelegatedSource<AdministratorDiscoveryPart>({
  queryId: 'macie.discovery',
  kind: 'macie-administrator',
  reach: 'each-region',
  apiCalls: ['macie2:ListMembers', 'macie2:ListFindings', 'macie2:GetFindings'],
  async fetch(audit) {
    const { Macie2Client, paginateListMembers } = await loadMacie2Sdk();
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
    // One organisation-wide listing: each finding names the member account it belongs to.
    for (const f of await readCardFindings(client, {}, audit.signal)) parts.get(memberKey(f.accountId ?? '', audit.region))?.findings.push(f);
    return parts;
  },
  // The member's own session, discovery configuration and jobs stay per member: the administrator's are its own.
  async complete(part, member): Promise<AdministratorDiscoveryEvidence> {
    const membership = { administrator: part.administrator, ...(part.member ? { member: part.member } : {}) };
    const settings = await readDiscoverySettings(member);
    return settings.jobs ? { ...membership, ...settings, findings: part.findings } : { ...membership, ...settings };
  },
});
