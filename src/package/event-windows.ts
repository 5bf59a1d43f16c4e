/**
 * Which stretches of a period no CloudTrail event search looked at. Each run's cloudtrail.sensitive-activity evidence
 * records the window it searched (startTime to endTime, per account and region); a period is searched only where the
 * union of those windows reaches. A missed run, a run starting later than the day before's window allows, or a failed
 * search leaves an interval whose events no run listed: the report names it rather than passing the days around it.
 * Pure interval arithmetic: no store, no evaluation.
 */

/**
 * An instant range in epoch milliseconds, both ends inclusive (as LookupEvents and the Lake query bound a search). Times
 * are kept to the millisecond, so a window ending at 23:59:59.999 joins one starting at 00:00:00.000 (a backfill day).
 */
export interface Interval {
  start: number;
  end: number;
}

/** An interval of the period that no search of one account and region covered (exclusive of the searched instants at its ends). */
export interface UnsearchedInterval {
  accountId: string;
  region: string;
  /** ISO 8601: the last searched instant before the hole, or the period start. */
  from: string;
  /** ISO 8601: the first searched instant after the hole, or the period end (or the coverage end of an open period). */
  to: string;
  /** The UTC days (YYYY-MM-DD) the interval has a part of. */
  days: string[];
}

const DAY_MS = 86_400_000;
/** The precision of the recorded window times: instants one millisecond apart leave nothing between them. */
const RESOLUTION_MS = 1;

/** The union of windows, sorted, overlapping or touching ones merged; empty or inverted windows dropped. */
export function mergeWindows(windows: readonly Interval[]): Interval[] {
  const sorted = windows.filter((w) => Number.isFinite(w.start) && Number.isFinite(w.end) && w.end >= w.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end + RESOLUTION_MS) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

/** The parts of [from, to] that no window covers, each of positive length, in order. */
export function uncovered(windows: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  let cursor = from;
  for (const w of mergeWindows(windows)) {
    if (w.end < cursor) continue;
    if (w.start > to) break;
    if (w.start > cursor + RESOLUTION_MS) out.push({ start: cursor, end: w.start });
    cursor = Math.max(cursor, w.end);
    if (cursor + RESOLUTION_MS >= to) return out;
  }
  if (cursor + RESOLUTION_MS < to) out.push({ start: cursor, end: to });
  return out;
}

/** The UTC days an interval has a part of: those whose [00:00, 24:00) meets (start, end). */
export function daysTouched(iv: Interval): string[] {
  const out: string[] = [];
  if (iv.end <= iv.start) return out;
  for (let d = Math.floor(iv.start / DAY_MS) * DAY_MS; d < iv.end; d += DAY_MS) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/**
 * The search windows of a period, per account and region, as the runs' evidence states them. A pair that appears only
 * with failed searches (error records, which search nothing) is kept with no window: its whole period is unsearched.
 */
export class EventWindows {
  private readonly pairs = new Map<string, { accountId: string; region: string; windows: Interval[] }>();

  private pair(accountId: string, region: string): { accountId: string; region: string; windows: Interval[] } {
    const k = `${accountId}\u0000${region}`;
    let p = this.pairs.get(k);
    if (!p) {
      p = { accountId, region, windows: [] };
      this.pairs.set(k, p);
    }
    return p;
  }

  /** A search that ran: its window as the evidence records it (a window that does not parse searched nothing known). */
  searched(accountId: string, region: string, startTime: unknown, endTime: unknown): void {
    const p = this.pair(accountId, region);
    const start = typeof startTime === 'string' ? Date.parse(startTime) : NaN;
    const end = typeof endTime === 'string' ? Date.parse(endTime) : NaN;
    if (!(Number.isFinite(start) && Number.isFinite(end) && end >= start)) return;
    // Kept merged as they come (runs are read in start order, so a window mostly extends the last): a year of daily
    // runs keeps one interval per pair plus one per hole, not one per run.
    const last = p.windows[p.windows.length - 1];
    if (!last || start > last.end + RESOLUTION_MS) p.windows.push({ start, end });
    else if (start >= last.start) last.end = Math.max(last.end, end);
    else p.windows = mergeWindows([...p.windows, { start, end }]);
  }

  /** A search that should have run and returned nothing usable (an error record). */
  failed(accountId: string, region: string): void {
    this.pair(accountId, region);
  }

  get size(): number {
    return this.pairs.size;
  }

  /** The end of the latest window of any pair (epoch ms), or undefined when nothing was searched. */
  get latestEnd(): number | undefined {
    let m = -Infinity;
    for (const p of this.pairs.values()) for (const w of p.windows) m = Math.max(m, w.end);
    return Number.isFinite(m) ? m : undefined;
  }

  /**
   * The unsearched intervals of [periodStart, periodEnd] per account and region, ordered by account, region, start: each
   * pair up to its own latest search when that search ran on the day of `latestRun` (the period's latest collected run;
   * what follows is the next run's), else up to `latestRun`; with no collected run (NaN), up to its latest search.
   */
  holes(periodStart: number, periodEnd: number, latestRun: number): UnsearchedInterval[] {
    const out: UnsearchedInterval[] = [];
    const pairs = [...this.pairs.values()].sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.region, b.region));
    const lastRunDay = Math.floor(latestRun / DAY_MS) * DAY_MS;
    for (const p of pairs) {
      const latest = p.windows.reduce((m, w) => Math.max(m, w.end), -Infinity);
      // Searched on the day of the period's latest run: what follows that search is the next run's to search (its
      // window reaches back over it), as any state after a period's last run is. Searched last on an earlier day (a
      // region dropped, searches failing since): unsearched up to the latest run. No collected run (backfilled days only): up to its latest search, or the period end if never searched.
      const searchedToTheEnd = Number.isFinite(latest) && (!Number.isFinite(latestRun) || latest >= lastRunDay);
      const end = Math.min(periodEnd, searchedToTheEnd ? latest : Number.isFinite(latestRun) ? Math.max(latestRun, periodStart) : periodEnd);
      for (const iv of uncovered(p.windows, periodStart, end)) {
        out.push({ accountId: p.accountId, region: p.region, from: new Date(iv.start).toISOString(), to: new Date(iv.end).toISOString(), days: daysTouched(iv) });
      }
    }
    return out;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** At most this many intervals are named in one reason line; the gaps pages list them all. */
const NAMED_IN_REASON = 6;

/** The reason line a requirement row shows for its account's unsearched intervals. */
export function unsearchedReason(intervals: readonly UnsearchedInterval[]): string {
  const named = intervals.slice(0, NAMED_IN_REASON).map((h) => `${h.region} ${h.from} to ${h.to}`);
  const more = intervals.length > NAMED_IN_REASON ? `; ${intervals.length - NAMED_IN_REASON} more listed under Gaps` : '';
  const days = [...new Set(intervals.flatMap((h) => h.days))].sort();
  return `UNSEARCHED EVENTS: no run's CloudTrail event search (cloudtrail.sensitive-activity) covered ${intervals.length} interval(s) of the period: ${named.join('; ')}${more}. Events in them were never listed for review, so the ${days.length} day(s) they touch (${consecutive(days)}) are gaps for this requirement, never a pass`;
}

/** Days as ranges of consecutive days: `2026-04-08 to 2026-04-10, 2026-04-28`. */
function consecutive(days: string[]): string {
  const ranges: [string, string][] = [];
  for (const d of days) {
    const last = ranges[ranges.length - 1];
    if (last && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${last[1]}T00:00:00Z`) === DAY_MS) last[1] = d;
    else ranges.push([d, d]);
  }
  return ranges.map(([a, b]) => (a === b ? a : `${a} to ${b}`)).join(', ');
}
