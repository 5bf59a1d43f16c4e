import type { AccountStatistics, Finding, FindingCriteria, GetFindingsStatisticsCommandOutput, Member } from '@aws-sdk/client-guardduty';
import { loadGuardDutySdk } from '../../aws/sdk.js';
import { DEFAULT_EVENT_OVERLAP_MINUTES, searchWindow } from '../cloudtrail/sensitive-activity.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type QueryParameters, type ResourceResult } from '../types.js';
import { declarationParameters, detectorArn, guardDutyOff, type Detector, type GuardDutyDeclaration } from './detectors.js';

/** What the requirements citing this check may declare GuardDuty to be; GuardDuty off fails only under a true one. */
const DECLARATIONS: GuardDutyDeclaration[] = ['guarddutyIsAntiMalware', 'guarddutyIsIntrusionDetection', 'guarddutyIsLogReview'];

export interface DetectorFindingsEvidence {
  detectorId: string;
  /** GetDetector: its Status says whether GuardDuty is generating findings at all (absent when read through the GuardDuty administrator for a member). */
  detector?: Detector;
  /** ListFindings (all pages) for open findings. */
  findingIds: string[];
  /** GetFindings, in batches of at most 50 ids. */
  findings: Finding[];
  /** GetFindingsStatistics for open findings, grouped by severity (absent when read through the GuardDuty administrator). */
  statistics?: Omit<GetFindingsStatisticsCommandOutput, '$metadata'>;
  /** Findings archived in the collection window (absent in evidence sealed before this check read them). */
  archived?: ArchivedInWindow;
}

export type FindingsStatistics = Omit<GetFindingsStatisticsCommandOutput, '$metadata'>;

/**
 * The account's findings with service.archived true whose updatedAt lies in the window, counted by GuardDuty
 * (GetFindingsStatistics), never listed one by one. Its own collection: one call grouped by SEVERITY with an accountId
 * criterion. Through the GuardDuty administrator: one call per severity level grouped by ACCOUNT, this account's entry.
 */
export interface ArchivedInWindow {
  from: string;
  to: string;
  /** GetFindingsStatistics GroupBy SEVERITY, verbatim, or AWS's refusal. */
  bySeverity?: FindingsStatistics | CapturedError;
  /** Through the administrator: per severity level, this account's GroupedByAccount entry (absent: none), or AWS's refusal. */
  byLevel?: ArchivedLevelCount[];
}

export interface ArchivedLevelCount {
  level: SeverityLevel;
  /** This account's entry of the administrator's answer; absent when the answer did not list it. */
  entry?: AccountStatistics;
  /** How many accounts the answer listed, and the most it lists (MaxResults): a full answer may leave accounts out. */
  listed?: number;
  maxResults?: number;
  error?: CapturedError['error'];
  /** The answer held no FindingStatistics: this account's count is not shown. */
  noStatistics?: true;
}

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low';
/** GuardDuty severity levels: low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0. */
export const SEVERITY_LEVELS: ReadonlyArray<{ level: SeverityLevel; from?: number; below?: number; text: string }> = [
  { level: 'critical', from: 9, text: '9.0-10.0' },
  { level: 'high', from: 7, below: 9, text: '7.0-8.9' },
  { level: 'medium', from: 4, below: 7, text: '4.0-6.9' },
  { level: 'low', below: 4, text: '1.0-3.9' },
];
/** GetFindingsStatistics lists at most this many groups (MaxResults 1-100; it has no next page). */
export const STATISTICS_MAX_RESULTS = 100;

/** The window archived findings are counted in: as cloudtrail.sensitive-activity's, lookbackHours plus the overlap before collection. */
export function archivedWindow(params: QueryParameters, now: Date): { from: Date; to: Date } {
  const { start, end } = searchWindow(params, now);
  return { from: start, to: end };
}

/** Findings archived (service.archived true) and last updated in the window; accountId limits them to one account. */
export function archivedCriteria(window: { from: Date; to: Date }, accountId?: string, level?: (typeof SEVERITY_LEVELS)[number]): FindingCriteria {
  return {
    Criterion: {
      'service.archived': { Equals: ['true'] },
      updatedAt: { GreaterThanOrEqual: window.from.getTime(), LessThanOrEqual: window.to.getTime() },
      ...(accountId ? { accountId: { Equals: [accountId] } } : {}),
      ...(level ? { severity: { ...(level.from !== undefined ? { GreaterThanOrEqual: level.from } : {}), ...(level.below !== undefined ? { LessThan: level.below } : {}) } } : {}),
    },
  };
}

export interface GuardDutyFindingsEvidence {
  detectorIds: string[];
  detectors: DetectorFindingsEvidence[];
}

/** GetFindings accepts at most 50 finding ids per request. */
export const GET_FINDINGS_BATCH = 50;
export const OPEN_FINDINGS: FindingCriteria = { Criterion: { 'service.archived': { Equals: ['false'] } } };
/** The account's own open findings: an administrator's detector also lists every member's. */
export function ownOpenFindings(accountId: string): FindingCriteria {
  return { Criterion: { ...OPEN_FINDINGS.Criterion, accountId: { Equals: [accountId] } } };
}

function band(severity: number): SeverityLevel {
  // GuardDuty severity levels: low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0.
  if (severity >= 9) return 'critical';
  if (severity >= 7) return 'high';
  if (severity >= 4) return 'medium';
  return 'low';
}

/** Whether a severity level holds findings at or above the threshold (a level the threshold falls inside is counted whole). */
function judgedLevel(l: (typeof SEVERITY_LEVELS)[number], threshold: number): boolean {
  return l.below === undefined || threshold < l.below;
}

/**
 * What the evidence shows of findings archived in the window at or above the threshold: `review` when any were, or
 * when their count is not shown; otherwise `note`, for the pass, saying none were.
 */
export function judgeArchived(a: ArchivedInWindow | undefined, threshold: number): { review?: string; note?: string } {
  const at = `at or above severity ${threshold}`;
  if (!a || (!a.bySeverity && !a.byLevel)) {
    return { review: `the evidence holds no count of findings archived in the period (sealed before this check read them with GetFindingsStatistics), so whether findings ${at} were archived, by hand or by a suppression rule, is not shown` };
  }
  const window = `last updated ${a.from} to ${a.to}`;
  const levels = SEVERITY_LEVELS.filter((l) => judgedLevel(l, threshold));
  const counts = new Map<SeverityLevel, number>();
  const unknown: string[] = [];
  if (a.bySeverity) {
    if (isCapturedError(a.bySeverity)) {
      unknown.push(`GetFindingsStatistics for archived findings was refused (${a.bySeverity.error.code})`);
    } else {
      const stats = a.bySeverity.FindingStatistics;
      const groups = stats?.GroupedBySeverity ?? (stats?.CountBySeverity ? Object.entries(stats.CountBySeverity).map(([sev, n]) => ({ Severity: Number(sev), TotalFindings: n })) : stats ? [] : undefined);
      if (!groups) unknown.push('the GetFindingsStatistics answer for archived findings holds no statistics');
      else {
        if (groups.length >= STATISTICS_MAX_RESULTS) unknown.push(`the GetFindingsStatistics answer for archived findings lists ${groups.length} severities, the most it lists, so some may be left out`);
        for (const g of groups) counts.set(band(g.Severity ?? 0), (counts.get(band(g.Severity ?? 0)) ?? 0) + (g.TotalFindings ?? 0));
      }
    }
  } else {
    for (const l of levels) {
      const c = a.byLevel!.find((x) => x.level === l.level);
      if (!c) unknown.push(`the administrator's count of archived ${l.level} findings is not in the evidence`);
      else if (c.error) unknown.push(`the GuardDuty administrator's GetFindingsStatistics for archived ${l.level} findings was refused (${c.error.code})`);
      else if (c.noStatistics) unknown.push(`the GuardDuty administrator's GetFindingsStatistics answer for archived ${l.level} findings holds no statistics`);
      else if (!c.entry && (c.listed ?? 0) >= (c.maxResults ?? STATISTICS_MAX_RESULTS)) unknown.push(`the GuardDuty administrator's GetFindingsStatistics for archived ${l.level} findings lists ${c.listed} accounts, the most it lists, and not this one, so this account's count is not shown`);
      else counts.set(l.level, c.entry?.TotalFindings ?? 0);
    }
  }
  const whole = levels.find((l) => l.from !== undefined && l.from < threshold && judgedLevel(l, threshold));
  const wholeNote = whole ? ` (the ${whole.level} level, ${whole.text}, is counted whole, so some may be below ${threshold})` : '';
  const found = levels.filter((l) => (counts.get(l.level) ?? 0) > 0);
  const total = found.reduce((n, l) => n + (counts.get(l.level) ?? 0), 0);
  const parts: string[] = [];
  if (total > 0) {
    parts.push(
      `${total} findings ${at} were archived in the period (${found.map((l) => `${l.level} ${counts.get(l.level)}`).join(', ')}; ${window})${wholeNote}: archived by hand, possibly after review, or automatically by a suppression rule (the GuardDuty administrator's rules are not in a member's ListFilters); archived findings are not sent to Security Hub or EventBridge, and this evidence does not show who archived them or why; confirm each was reviewed`,
    );
  }
  if (unknown.length) parts.push(`${unknown.join('; ')}: findings ${at} archived in the period (by hand or by a suppression rule) would not be shown`);
  if (parts.length) return { review: parts.join('; ') };
  return { note: `none ${at} archived in the period (${window}; counted by last update, not by when archived: one archived long after its last update is not counted, though it was open, and listed, in any run between)${wholeNote}` };
}

function affected(f: Finding): string {
  const r = f.Resource;
  const id =
    r?.InstanceDetails?.InstanceId ??
    r?.AccessKeyDetails?.UserName ??
    r?.S3BucketDetails?.[0]?.Name ??
    r?.EksClusterDetails?.Name ??
    r?.RdsDbInstanceDetails?.DbInstanceIdentifier ??
    r?.LambdaDetails?.FunctionName ??
    r?.EcsClusterDetails?.Name;
  return [r?.ResourceType, id].filter(Boolean).join(' ') || 'an unnamed resource';
}

export const findings = defineQuery<GuardDutyFindingsEvidence>({
  id: 'guardduty.findings',
  service: 'guardduty',
  title: 'Open GuardDuty findings at or above the review severity are listed for review',
  description:
    'Every open (unarchived) GuardDuty finding of the account in the region (its own only, even where it is the GuardDuty administrator and its detector lists its members’ too) with its severity, type and affected resource, and GuardDuty’s own count by severity; and GuardDuty’s count of the account’s findings archived (by hand or by a suppression rule, including the GuardDuty administrator’s, which a member cannot list) and last updated in the look-back window, by severity. Findings at or above the review threshold are listed for review, and any archived in the window make the detector need review; they are never judged automatically. No detector, or a suspended one, fails only under a requirement for which the organisation declares GuardDuty its solution (guarddutyIsAntiMalware, guarddutyIsIntrusionDetection, guarddutyIsLogReview), and otherwise needs review.',
  remediation:
    'Investigate each listed finding, remediate or document it as expected behaviour, then archive it (or add a suppression rule for recurring benign findings).',
  scope: 'regional',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListFindings', 'guardduty:GetFindings', 'guardduty:GetFindingsStatistics'],
  parameters: {
    minimumSeverity: {
      description:
        'Organisation choice, not set by PCI DSS or HIPAA: open findings at or above this severity are listed for review (default 4.0, GuardDuty medium and above; 7.0 would list only high and critical).',
      default: 4,
    },
    lookbackHours: {
      description: 'Findings archived (by hand or by a suppression rule) and last updated in this many hours before collection, plus eventOverlapMinutes, are counted (GetFindingsStatistics); any at or above minimumSeverity need review.',
      default: 24,
      collectSetting: 'lookbackHours',
    },
    eventOverlapMinutes: {
      description: "Minutes the archived-findings window starts before the look-back window, so consecutive runs' windows overlap.",
      default: DEFAULT_EVENT_OVERLAP_MINUTES,
      collectSetting: 'eventOverlapMinutes',
    },
    ...declarationParameters(DECLARATIONS),
  },
  async collect(ctx) {
    const { GuardDutyClient, GetDetectorCommand, GetFindingsCommand, GetFindingsStatisticsCommand, paginateListDetectors, paginateListFindings } = await loadGuardDutySdk();
    const gd = ctx.clients.get(GuardDutyClient);
    const detectorIds: string[] = [];
    for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
    const detectors: DetectorFindingsEvidence[] = [];
    const own = ownOpenFindings(ctx.accountId);
    const window = archivedWindow(ctx.params, ctx.now);
    for (const detectorId of detectorIds) {
      const detector = stripMetadata(await gd.send(new GetDetectorCommand({ DetectorId: detectorId })));
      const findingIds: string[] = [];
      for await (const page of paginateListFindings({ client: gd, pageSize: 50 }, { DetectorId: detectorId, FindingCriteria: own })) {
        findingIds.push(...(stripMetadata(page).FindingIds ?? []));
      }
      const found: Finding[] = [];
      for (let i = 0; i < findingIds.length; i += GET_FINDINGS_BATCH) {
        const out = await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: findingIds.slice(i, i + GET_FINDINGS_BATCH) }));
        found.push(...(out.Findings ?? []));
      }
      const statistics = stripMetadata(await gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, FindingCriteria: own, GroupBy: 'SEVERITY' })));
      // One count of the findings archived in the window, whatever their number; a refusal is kept and judged, not thrown.
      const bySeverity = await captureFailure(
        () => gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, FindingCriteria: archivedCriteria(window, ctx.accountId), GroupBy: 'SEVERITY', MaxResults: STATISTICS_MAX_RESULTS })),
        ctx.signal,
      );
      const archived: ArchivedInWindow = { from: window.from.toISOString(), to: window.to.toISOString(), bySeverity };
      detectors.push({ detectorId, detector, findingIds, findings: found, statistics, archived });
    }
    return { detectorIds, detectors };
  },
  evaluate(data, params, ctx) {
    const threshold = Number(params.minimumSeverity ?? 4);
    if (!data?.detectorIds) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListDetectors response' }];
    const off = (why: string) => guardDutyOff(why, DECLARATIONS, params, ctx);
    if (data.detectorIds.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', ...off(`GuardDuty has no detector in ${ctx.region}, so no GuardDuty findings exist to review`) }];
    }
    const results: ResourceResult[] = [];
    for (const id of data.detectorIds) {
      const resource = detectorArn(ctx.accountId, ctx.region, id);
      const d = data.detectors?.find((x) => x.detectorId === id);
      if (!d) {
        results.push({ resource, resourceType: 'AWS::GuardDuty::Detector', status: 'error', reason: `detector ${id}: the evidence holds no findings for it` });
        continue;
      }
      const { own, others } = ownItems(d.findings ?? [], (f) => f.AccountId, ctx.accountId);
      const open = own.filter((f) => f.Service?.Archived !== true);
      const counts = { critical: 0, high: 0, medium: 0, low: 0 };
      for (const f of open) counts[band(f.Severity ?? 0)]++;
      const review = open.filter((f) => (f.Severity ?? 0) >= threshold).sort((a, b) => (b.Severity ?? 0) - (a.Severity ?? 0) || (a.Id ?? '').localeCompare(b.Id ?? ''));
      for (const f of review) {
        const last = toDate(f.Service?.EventLastSeen ?? f.UpdatedAt);
        results.push({
          resource: f.Arn ?? f.Id ?? '',
          resourceType: 'AWS::GuardDuty::Finding',
          status: 'needs-review',
          reason: `open ${band(f.Severity ?? 0)} finding ${f.Type} (severity ${f.Severity}) on ${affected(f)}: ${f.Title ?? ''}${f.Service?.Count ? `; seen ${f.Service.Count} times` : ''}${last ? `, last ${last.toISOString()}` : ''}`,
        });
      }
      const missing = (d.findingIds ?? []).length - (d.findings ?? []).length;
      // Open findings say something only while the detector is generating them: a suspended detector has none new.
      const member = (data as GuardDutyFindingsEvidence & { member?: Member }).member;
      const state = d.detector?.Status;
      if (state !== undefined && state !== 'ENABLED') {
        results.push({
          resource,
          resourceType: 'AWS::GuardDuty::Detector',
          ...off(`detector ${id} is ${state} (suspended): GuardDuty is not generating findings, so its ${open.length} open findings say nothing about current threats`),
        });
        continue;
      }
      if (state === undefined && member?.RelationshipStatus !== 'Enabled') {
        results.push({
          resource,
          resourceType: 'AWS::GuardDuty::Detector',
          status: 'needs-review',
          reason: `detector ${id}: the evidence holds no GetDetector status, so whether GuardDuty is generating findings is not shown; ${open.length} open findings were listed`,
        });
        continue;
      }
      const on = state === 'ENABLED' ? 'is ENABLED' : 'is a member the GuardDuty administrator monitors (relationship Enabled)';
      const summary = `${open.length} open findings (critical ${counts.critical}, high ${counts.high}, medium ${counts.medium}, low ${counts.low})${missing > 0 ? `; ${missing} listed findings were no longer returned by GetFindings` : ''}${othersLeftOut(others, 'findings')}`;
      const archived = judgeArchived(d.archived, threshold);
      const archivedText = archived.review ?? archived.note;
      results.push({
        resource,
        resourceType: 'AWS::GuardDuty::Detector',
        status: review.length || archived.review ? 'needs-review' : 'pass',
        reason: review.length
          ? `detector ${id} ${on}: ${summary}; ${review.length} at or above severity ${threshold} need review; ${archivedText}`
          : `detector ${id} ${on}: ${summary}; none open at or above severity ${threshold}; ${archivedText}`,
      });
    }
    return results;
  },
});
