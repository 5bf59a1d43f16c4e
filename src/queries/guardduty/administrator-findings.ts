import type { Finding, Member } from '@aws-sdk/client-guardduty';
import { loadGuardDutySdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { isCapturedError, stripMetadata, type CapturedError } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import type { Detector } from './detectors.js';
import {
  archivedCriteria,
  archivedWindow,
  GET_FINDINGS_BATCH,
  OPEN_FINDINGS,
  SEVERITY_LEVELS,
  STATISTICS_MAX_RESULTS,
  type ArchivedInWindow,
  type FindingsStatistics,
  type SeverityLevel,
  type GuardDutyFindingsEvidence,
} from './findings.js';

/** One member's part of the administrator's findings: its membership entry and its findings, verbatim. */
export interface AdministratorFindingsPart {
  administrator: { accountId: string; detectorId: string };
  /** GetDetector of the administrator's own detector (its own part only: a member's detector is not readable from here, its relationship stands for it). */
  detector?: Detector;
  /** ListMembers entry (absent for the administrator's own findings). */
  member?: Member;
  detectorId: string;
  findings: Finding[];
  /** The member's share of the administrator's counts of archived findings (one GroupBy ACCOUNT call per severity level). */
  archived: ArchivedInWindow;
}

/** guardduty.findings evidence as read by the GuardDuty administrator: the same shape, with the membership it came through. */
export type AdministratorFindingsEvidence = GuardDutyFindingsEvidence & { administrator: AdministratorFindingsPart['administrator']; member?: Member };

export const administratorFindings = defineDelegatedSource<AdministratorFindingsPart>({
  queryId: 'guardduty.findings',
  kind: 'guardduty-administrator',
  reach: 'each-region',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListMembers', 'guardduty:ListFindings', 'guardduty:GetFindings', 'guardduty:GetFindingsStatistics'],
  async fetch(audit) {
    const { GuardDutyClient, GetDetectorCommand, GetFindingsCommand, GetFindingsStatisticsCommand, paginateListDetectors, paginateListFindings, paginateListMembers } = await loadGuardDutySdk();
    const gd = audit.clients.get(GuardDutyClient);
    const detectorIds: string[] = [];
    for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
    const detectorId = detectorIds[0];
    if (!detectorId) throw new Error(`the audit account ${audit.accountId} has no GuardDuty detector in ${audit.region}, so it administers no members there`);
    const members: Member[] = [];
    for await (const page of paginateListMembers({ client: gd, pageSize: 50 }, { DetectorId: detectorId, OnlyAssociated: 'true' })) members.push(...(stripMetadata(page).Members ?? []));
    const ids: string[] = [];
    for await (const page of paginateListFindings({ client: gd, pageSize: 50 }, { DetectorId: detectorId, FindingCriteria: OPEN_FINDINGS })) {
      audit.signal?.throwIfAborted();
      ids.push(...(stripMetadata(page).FindingIds ?? []));
    }
    const findings: Finding[] = [];
    for (let i = 0; i < ids.length; i += GET_FINDINGS_BATCH) {
      const out = await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids.slice(i, i + GET_FINDINGS_BATCH) }));
      findings.push(...(out.Findings ?? []));
    }
    // Findings archived in the window, counted per account: one call per severity level, whatever the number of members.
    const window = archivedWindow(audit.params, audit.now);
    const levels: { level: SeverityLevel; out: FindingsStatistics | CapturedError }[] = [];
    for (const level of SEVERITY_LEVELS) {
      const out = await captureFailure(
        () => gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, FindingCriteria: archivedCriteria(window, undefined, level), GroupBy: 'ACCOUNT', MaxResults: STATISTICS_MAX_RESULTS })),
        audit.signal,
      );
      levels.push({ level: level.level, out });
    }
    const archivedOf = (accountId: string): ArchivedInWindow => ({
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      byLevel: levels.map(({ level, out }) => {
        if (isCapturedError(out)) return { level, error: out.error };
        if (!out.FindingStatistics) return { level, noStatistics: true as const };
        const listed = out.FindingStatistics.GroupedByAccount ?? [];
        const entry = listed.find((a) => a.AccountId === accountId);
        return { level, ...(entry ? { entry } : {}), listed: listed.length, maxResults: STATISTICS_MAX_RESULTS };
      }),
    });
    const administrator = { accountId: audit.accountId, detectorId };
    const parts = new Map<string, AdministratorFindingsPart>();
    const detector = stripMetadata(await gd.send(new GetDetectorCommand({ DetectorId: detectorId })));
    parts.set(memberKey(audit.accountId, audit.region), { administrator, detector, detectorId, findings: [], archived: archivedOf(audit.accountId) });
    // Only enabled members: the administrator sees no current findings of a suspended or removed one.
    for (const m of members) {
      if (m.RelationshipStatus === 'Enabled' && m.DetectorId && m.AccountId) parts.set(memberKey(m.AccountId, audit.region), { administrator, member: m, detectorId: m.DetectorId, findings: [], archived: archivedOf(m.AccountId) });
    }
    for (const f of findings) parts.get(memberKey(f.AccountId ?? '', f.Region ?? audit.region))?.findings.push(f);
    return parts;
  },
  async complete(part): Promise<AdministratorFindingsEvidence> {
    return {
      administrator: part.administrator,
      ...(part.member ? { member: part.member } : {}),
      detectorIds: [part.detectorId],
      detectors: [{ detectorId: part.detectorId, ...(part.detector ? { detector: part.detector } : {}), findingIds: part.findings.map((f) => f.Id ?? ''), findings: part.findings, archived: part.archived }],
    };
  },
});
