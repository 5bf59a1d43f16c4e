import type { PackageModel } from './model.js';

/**
 * The days of a package whose evidence was rebuilt afterwards from what AWS kept (`backfill`) rather than collected
 * on the day, for every view to show them apart: per account, overall, when they were rebuilt, and which queries
 * could not be rebuilt (each a gap on those days).
 */
export interface ReconstructedDays {
  /** Account -> days (YYYY-MM-DD) judged from a reconstruction (no run collected on the day covers the account). */
  byAccount: Map<string, Set<string>>;
  /** Every such day, sorted. */
  days: string[];
  /** Run ids of the reconstruction runs judged for some day. */
  runIds: Set<string>;
  /** UTC days the reconstructions were sealed on. */
  sealedOn: string[];
  /** Queries not rebuilt on those days, with why (from the runs' manifests). */
  notReconstructed: { queryId: string; reason: string }[];
  /** Queries rebuilt from AWS history. */
  reconstructed: string[];
}

export function reconstructedDays(model: Pick<PackageModel, 'runs' | 'timeline'>): ReconstructedDays {
  const rebuilt = new Map(model.runs.filter((r) => r.manifest.reconstruction).map((r) => [r.runId, r]));
  const byAccount = new Map<string, Set<string>>();
  const runIds = new Set<string>();
  for (const w of model.timeline.judged) {
    if (!rebuilt.has(w.runId)) continue;
    runIds.add(w.runId);
    const s = byAccount.get(w.accountId) ?? new Set<string>();
    s.add(w.day);
    byAccount.set(w.accountId, s);
  }
  const days = [...new Set([...byAccount.values()].flatMap((s) => [...s]))].sort();
  const counting = [...runIds].map((id) => rebuilt.get(id)!);
  const missing = new Map<string, string>();
  for (const r of counting) for (const n of r.manifest.reconstruction!.notReconstructed) if (!missing.has(n.queryId)) missing.set(n.queryId, n.reason);
  return {
    byAccount,
    days,
    runIds,
    sealedOn: [...new Set(counting.map((r) => r.manifest.startedAt.slice(0, 10)))].sort(),
    notReconstructed: [...missing].map(([queryId, reason]) => ({ queryId, reason })).sort((a, b) => a.queryId.localeCompare(b.queryId)),
    reconstructed: [...new Set(counting.flatMap((r) => r.manifest.reconstruction!.reconstructed))].sort(),
  };
}

/** The sentence every view prints when a package holds rebuilt days; empty when it holds none. */
export function reconstructionSentence(r: ReconstructedDays): string {
  if (!r.days.length) return '';
  return (
    `${r.days.length} day(s) (${dayRanges(r.days)}) were not collected on the day: their evidence was rebuilt on ${r.sealedOn.join(', ')} from what AWS kept ` +
    `(AWS Config configuration history, CloudTrail events) and is a reconstruction, not a snapshot taken that day. ` +
    `Rebuilt: ${r.reconstructed.join(', ') || 'no query'}. ` +
    `Not rebuilt, so a gap on each of those days, never a pass: ${r.notReconstructed.length} ${r.notReconstructed.length === 1 ? 'query' : 'queries'}${r.notReconstructed.length ? ` (${r.notReconstructed.map((n) => n.queryId).join(', ')})` : ''}.`
  );
}

/** `2026-01-01..2026-01-03, 2026-01-07` (kept here so the CSV, HTML and OSCAL views need not load the PDF renderer). */
function dayRanges(days: string[]): string {
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const parts: string[] = [];
  let start = days[0];
  let prev = days[0];
  for (const d of days.slice(1)) {
    if (d === next(prev)) prev = d;
    else {
      parts.push(start === prev ? start : `${start}..${prev}`);
      start = prev = d;
    }
  }
  if (start) parts.push(start === prev ? start : `${start}..${prev}`);
  return parts.join(', ');
}
