import type { Condition, FindingCriteria } from '@aws-sdk/client-guardduty';
import { defineQuery, isCapturedError, type ResourceResult } from '../types.js';
import { collectDetectors, declarationParameters, evaluateDetectors, guardDutyOff, type DetectorsEvidence, type Filter, type GuardDutyDeclaration } from './detectors.js';

/** What the requirements citing this check may declare GuardDuty to be (anti-malware 5.x, IDS 11.5.1.x, log review 10.4.1.1). */
const DECLARATIONS: GuardDutyDeclaration[] = ['guarddutyIsAntiMalware', 'guarddutyIsIntrusionDetection', 'guarddutyIsLogReview'];

const FREQUENCY: Record<string, string> = { FIFTEEN_MINUTES: '15 minutes', ONE_HOUR: '1 hour', SIX_HOURS: '6 hours' };

/** GuardDuty severities run from 1.0 (low) to 10.0 (critical). */
const SEVERITY_MIN = 1;
const SEVERITY_MAX = 10;

/** Whether a severity condition holds for every severity GuardDuty gives (1.0 to 10.0). */
function wholeSeverityRange(c: Condition): boolean {
  const keys = Object.entries(c).filter(([, v]) => v !== undefined && v !== null);
  if (keys.length === 0) return true;
  return keys.every(([k, v]) => {
    const n = Number(v);
    if (k === 'Gte' || k === 'GreaterThanOrEqual') return n <= SEVERITY_MIN;
    if (k === 'Gt' || k === 'GreaterThan') return n < SEVERITY_MIN;
    if (k === 'Lte' || k === 'LessThanOrEqual') return n >= SEVERITY_MAX;
    if (k === 'Lt' || k === 'LessThan') return n > SEVERITY_MAX;
    return false;
  });
}

/** An ARCHIVE filter with no criterion, or only a severity condition covering the whole range, archives every finding. */
function archivesEverything(criteria: FindingCriteria | undefined): boolean {
  const entries = Object.entries(criteria?.Criterion ?? {});
  return entries.every(([key, cond]) => key === 'severity' && wholeSeverityRange(cond ?? {}));
}

function describeCriteria(criteria: FindingCriteria | undefined): string {
  // Sorted, so the reason reads the same from fresh and stored (canonical JSON) evidence.
  const sorted = <T>(o: Record<string, T>) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const entries = sorted(criteria?.Criterion ?? {});
  if (!entries.length) return 'no criteria';
  return entries.map(([key, cond]) => `${key} ${JSON.stringify(Object.fromEntries(sorted<unknown>({ ...cond }).filter(([, v]) => v !== undefined && v !== null)))}`).join(', ');
}

export const detectorEnabled = defineQuery<DetectorsEvidence>({
  id: 'guardduty.detector-enabled',
  service: 'guardduty',
  title: 'GuardDuty threat detection is enabled',
  description:
    'Whether the region has a GuardDuty detector, whether it is enabled, how often it publishes updated findings, and whether suppression rules (saved filters with the ARCHIVE action) archive its findings automatically, so that they are not sent to Security Hub, EventBridge or other integrations. GuardDuty off (no detector, a suspended one) or silenced (a suppression rule archiving every finding) fails only under a requirement for which the organisation declares GuardDuty its solution (guarddutyIsAntiMalware, guarddutyIsIntrusionDetection, guarddutyIsLogReview); otherwise it needs review, since another solution is not visible here. In a multi-account organization only the GuardDuty administrator creates suppression rules; a member account’s own ListFilters does not show the administrator’s.',
  remediation:
    'Enable GuardDuty in every region (`aws guardduty create-detector --enable`), preferably for all accounts from the delegated administrator account. Delete suppression rules that archive every finding (`aws guardduty delete-filter`) and keep the others narrow and documented.',
  scope: 'regional',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListFilters', 'guardduty:GetFilter'],
  parameters: declarationParameters(DECLARATIONS),
  collect: (ctx) => collectDetectors(ctx, { filters: true }),
  evaluate(data, params, ctx) {
    const off = (why: string, ask?: string) => guardDutyOff(why, DECLARATIONS, params, ctx, ask);
    return evaluateDetectors(data, ctx, (id, d, entry): Pick<ResourceResult, 'status' | 'reason'> => {
      const freq = d.FindingPublishingFrequency ? `, publishing updated findings every ${FREQUENCY[d.FindingPublishingFrequency] ?? d.FindingPublishingFrequency}` : '';
      // A suspended detector is GuardDuty switched off: a failure where it is declared the solution, else for review.
      if (d.Status !== 'ENABLED') return off(`GuardDuty detector ${id} is ${d.Status ?? 'in an unknown state'}: GuardDuty threat detection is suspended`);
      const enabled = `GuardDuty detector ${id} is enabled${freq}`;
      const f = entry.filters;
      if (f === undefined) {
        return { status: 'needs-review', reason: `${enabled}; the evidence holds no ListFilters answer (collected before this check read suppression rules), so whether suppression rules archive its findings automatically is not shown` };
      }
      if (isCapturedError(f)) {
        return { status: 'error', reason: `${enabled}; ListFilters failed (${f.error.code}: ${f.error.message}), so whether suppression rules archive its findings automatically is not shown` };
      }
      const read = f.filters.filter((x): x is { name: string; filter: Filter } => !isCapturedError(x.filter));
      const failed = f.filters.filter((x) => isCapturedError(x.filter)).map((x) => `${x.name} (${isCapturedError(x.filter) ? x.filter.error.code : ''})`);
      const missing = f.filterNames.filter((n) => !f.filters.some((x) => x.name === n));
      const archive = read.filter((x) => x.filter.Action === 'ARCHIVE');
      const all = archive.filter((x) => archivesEverything(x.filter.FindingCriteria));
      const narrow = archive.filter((x) => !all.includes(x));
      const noop = read.length - archive.length;
      const listed = (xs: typeof archive) => xs.map((x) => `${x.name} (${describeCriteria(x.filter.FindingCriteria)})`).join('; ');
      const unread = [...failed, ...missing.map((n) => `${n} (no GetFilter answer)`)];
      const unreadNote = unread.length ? `; GetFilter failed for ${unread.join(', ')}, so what those filters do is not shown` : '';
      // GuardDuty present but silenced: functionally off, judged like a suspended detector (a failure where GuardDuty is
      // declared the solution; otherwise the entity may rely on another one, which is not in this evidence).
      if (all.length) {
        return off(
          `GuardDuty present but every finding archived automatically: ${enabled}, but suppression rule ${listed(all)} archives every finding automatically, so they are not sent to Security Hub, EventBridge or other integrations and no finding alerts${narrow.length ? `; other suppression rules: ${listed(narrow)}` : ''}${unreadNote}`,
          'confirm which, and why GuardDuty is silenced',
        );
      }
      if (unread.length) return { status: 'error', reason: `${enabled}${narrow.length ? `; suppression rules archiving matching findings automatically: ${listed(narrow)}` : ''}${unreadNote}` };
      if (narrow.length) {
        return {
          status: 'needs-review',
          reason: `${enabled}; suppression rules archive matching findings automatically and keep them from Security Hub, EventBridge and other integrations: ${listed(narrow)}; confirm each covers only expected, documented activity`,
        };
      }
      return {
        status: 'pass',
        reason: `${enabled}; no suppression rule (ARCHIVE filter) is set on this detector${noop ? ` (${noop} saved filters only save a view)` : ''}. Findings may still be archived by hand, and a member account's own filters do not show the GuardDuty administrator's suppression rules`,
      };
    }, off);
  },
});
