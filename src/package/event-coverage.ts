import type { RunManifest } from '../evidence/manifest.js';
import type { PeriodDays } from '../evidence/period.js';
import type { EvidenceBody } from '../evidence/record.js';
import { EventWindows, type UnsearchedInterval } from './event-windows.js';
import { STATUS_SEVERITY, dayStatus, setDayStatus, type Timeline } from './timeline.js';

/** The check whose evidence is a search over a window of CloudTrail events (LookupEvents or CloudTrail Lake). */
export const EVENT_SEARCH_QUERY = 'cloudtrail.sensitive-activity';

const DAY_MS = 86_400_000;
/** Gap entries kept per row, as the timeline keeps them. */
const MAX_GAPS = 100;
/** Evidence bodies read at once, as the timeline preloads them. */
const READ_CONCURRENCY = 16;

/** What the package says about the period's event searches. */
export interface EventSearchCoverage {
  /** Account and region pairs with at least one event search (or failed search) in the period. */
  pairs: number;
  /** The span judged: period start, and period end (or, while the period has not ended, each pair's latest search). */
  from: string;
  to: string;
  open: boolean;
  /** The end of the period (24:00 UTC of its last day). */
  end: string;
  unsearched: UnsearchedInterval[];
}

/**
 * Adds the windows one run's event searches covered, for the package's accounts: every collection run that proves its
 * day counts (also one a later run of its day overrides, and a backfill that rebuilt a day), since each searched what
 * its evidence says it searched; the caller leaves out a run that proves no day (`runsNotCredited`), whose times are not trusted.
 */
export async function addRunWindows(windows: EventWindows, load: (sha256: string, size: number) => Promise<EvidenceBody>, manifest: RunManifest, accounts: ReadonlySet<string>): Promise<void> {
  if (manifest.kind !== 'collection') return;
  const records = manifest.records.filter((r) => r.queryId === EVENT_SEARCH_QUERY && accounts.has(r.accountId));
  // Bodies are read with bounded concurrency (a store read is a network round trip), then added in record order.
  const read: ({ startTime?: unknown; endTime?: unknown } | undefined)[] = new Array(records.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(READ_CONCURRENCY, records.length) }, async () => {
      while (next < records.length) {
        const i = next++;
        const rec = records[i];
        if (rec.status === 'error') continue;
        const body = await load(rec.sha256, rec.size);
        const data = body.data as { startTime?: unknown; endTime?: unknown } | undefined;
        if (body.status !== 'error' && data) read[i] = { startTime: data.startTime, endTime: data.endTime };
      }
    }),
  );
  records.forEach((rec, i) => {
    const w = read[i];
    if (w) windows.searched(rec.accountId, rec.region, w.startTime, w.endTime);
    else windows.failed(rec.accountId, rec.region);
  });
}

/**
 * The period's unsearched intervals, from 00:00 UTC of its first day up to each pair's latest search when that search
 * ran on the day of the period's latest run (events after it are the next run's to search, whose window reaches back
 * over them, as any state after a period's last run is the next run's to judge), else up to the latest run: a pair
 * searched last on an earlier day (a region dropped, its searches failing since) is unsearched from then on. Whether
 * the period has ended (`builtAt`) only changes the wording.
 */
export function eventSearchCoverage(windows: EventWindows, period: PeriodDays, builtAt: string, latestRunStart: string): EventSearchCoverage {
  const start = Date.parse(`${period.from}T00:00:00Z`);
  const end = Date.parse(`${period.to}T00:00:00Z`) + DAY_MS;
  const open = Date.parse(builtAt) < end;
  const latestRun = Math.min(end, Date.parse(latestRunStart));
  const unsearched = windows.holes(start, end, latestRun);
  // The span judged ends at the latest search of any pair (or the latest run when none searched).
  const until = Math.min(end, windows.latestEnd ?? latestRun);
  return { pairs: windows.size, from: new Date(start).toISOString(), to: Number.isFinite(until) ? new Date(until).toISOString() : new Date(end).toISOString(), end: new Date(end).toISOString(), open, unsearched };
}

/**
 * Marks the requirement rows that rely on the event search: each day an unsearched interval of the row's account
 * touches is a gap for the row (a day judged better than "not collected" becomes "not collected", a fail stays a fail),
 * each interval is a gap entry, and the row keeps the intervals so every view names them (`rowReasons`).
 */
export function applyUnsearched(timeline: Timeline, unsearched: readonly UnsearchedInterval[]): void {
  if (!unsearched.length) return;
  const dayIndex = new Map(timeline.days.map((d, i) => [d, i]));
  const byAccount = new Map<string, UnsearchedInterval[]>();
  for (const h of unsearched) byAccount.set(h.accountId, [...(byAccount.get(h.accountId) ?? []), h]);
  for (const row of timeline.rows) {
    const automated = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial';
    const mine = byAccount.get(row.accountId);
    // A requirement proposed not applicable to the declared entity type expects no events either.
    if (!automated || !mine || !row.requirement.queries.includes(EVENT_SEARCH_QUERY) || row.latest?.notApplicableToEntity) continue;
    row.unsearched = mine;
    for (const h of mine) {
      for (const d of h.days) {
        const i = dayIndex.get(d);
        if (i === undefined) continue;
        const s = dayStatus(row, i);
        if (s !== 'not-applicable' && STATUS_SEVERITY[s] > STATUS_SEVERITY['not-collected']) setDayStatus(row, i, 'not-collected');
      }
      row.gapsTotal++;
      if (row.gaps.length < MAX_GAPS) {
        row.gaps.push({ day: h.days[0] ?? h.from.slice(0, 10), queryId: EVENT_SEARCH_QUERY, region: h.region, reason: `no run searched CloudTrail events from ${h.from} to ${h.to}: events of that interval were never listed for review` });
      }
    }
    // The days made gaps count as days without evidence for the requirement (summary, daemon status, every view).
    const touched = new Set(mine.flatMap((h) => h.days).filter((d) => dayIndex.has(d)));
    row.gapDays = [...new Set([...row.gapDays, ...touched])].sort();
    // Unsearched up to the latest evaluation: the status at the end of the period is not known either, never a pass.
    if (row.latestDay && touched.has(row.latestDay) && STATUS_SEVERITY[row.status] > STATUS_SEVERITY['not-collected'] && row.status !== 'not-applicable') row.status = 'not-collected';
    let worst = row.status;
    for (let i = 0; i < row.daily.length; i++) {
      const s = dayStatus(row, i);
      if (STATUS_SEVERITY[s] < STATUS_SEVERITY[worst]) worst = s;
    }
    row.worst = worst;
  }
}

/** One paragraph on how the runs' event-search windows cover the period. */
export function eventSearchText(cov: EventSearchCoverage): string {
  const tail = cov.to < cov.end ? ` Events from each account and region's last search of the period to ${cov.end}${cov.open ? ' (the period has not ended)' : ' (the end of the period)'} are not in this package: the next run's search reaches back lookbackHours plus collect.eventOverlapMinutes from its start, so it covers them only if it ran within that time.` : '';
  const span = `${cov.from} to ${cov.to} (each account and region up to its last search, when that search ran on the day of the period's latest run; otherwise up to that run)`;
  const how =
    'Each run searches CloudTrail from its look-back window plus an overlap (collect.eventOverlapMinutes) before its start, and the windows of every run in the period are joined per account and region; a failed search covers nothing, nor does a run that proves no collection on the day it claims (stored later than it claims, or too long from start to completion). CloudTrail delivers events minutes after the call: an event it delivers later than the overlap (less any later start of the next run) after it happened can be in no run’s results even where windows join.';
  if (!cov.pairs) return `No run of the period searched CloudTrail events (cloudtrail.sensitive-activity): nothing in this package shows that the period's sensitive events were listed for review. ${how}`;
  if (!cov.unsearched.length) return `The event searches of ${cov.pairs} account and region pair(s) together cover ${span} with no interval left out.${tail} ${how}`;
  const accounts = new Set(cov.unsearched.map((h) => h.accountId)).size;
  return `${cov.unsearched.length} interval(s) of ${span} were searched by no run, in ${accounts} account(s) (listed below): events in them were never listed for review, so each day an interval touches is a gap, never a pass, for every requirement that relies on cloudtrail.sensitive-activity in that account.${tail} ${how}`;
}
