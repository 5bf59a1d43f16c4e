import { EvidenceLockerError } from '../errors.js';

/**
 * Run ids: made from the run's UTC start time plus a random suffix (`20261127T020000Z-3f9a1c`), so they sort by start
 * second; they become directory names and object keys. The order of runs within a chain is `compareRunsInChain`,
 * used by sealing (to link a run to the previous one), by both verifiers and by package gathering.
 */

/** Run ids become directory names and object keys: no separators, no dot-dot, no hidden names. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Marks attestation runs in their id, so gathering a package can read them from before the period. */
export const ATTESTATION_RUN_MARK = '-attest-';

/** Marks runs that rebuilt a past day (`backfill`); the day they are about follows it: `-backfill-20260905-`. */
export const RECONSTRUCTION_RUN_MARK = '-backfill-';

/** The day a reconstruction run is about, from its id (`20261203T104500Z-backfill-20260905-3f9a1c`), if it is one. */
export function reconstructionRunDay(runId: string): string | undefined {
  const m = /-backfill-(\d{4})(\d{2})(\d{2})-/.exec(runId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Sortable, unique run id: UTC time plus a short random suffix, e.g. `20261127T020000Z-3f9a1c`. */
export function newRunId(at: Date, suffix: string): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${t}-${suffix}`;
}

export function isValidRunId(runId: string): boolean {
  return RUN_ID.test(runId) && !runId.includes('..');
}

export function assertRunId(runId: string): void {
  if (!isValidRunId(runId)) {
    throw new EvidenceLockerError(`run id "${runId}" is not valid: use letters, digits, '.', '_' and '-' only (e.g. 20261127T020000Z-3f9a1c)`);
  }
}

/** Start time encoded in a run id (`20261127T020000Z-3f9a1c`), if it has one. */
export function runIdTime(runId: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** UTC day (YYYY-MM-DD) encoded in a run id, if it has one; used to skip reading runs far outside a period. */
export function runIdDay(runId: string): string | undefined {
  return runIdTime(runId)?.toISOString().slice(0, 10);
}

/** What places a run in its chain: its id and its manifest's start and completion times. */
export interface ChainPosition {
  runId: string;
  startedAt: string;
  completedAt: string;
}

/** A run as a chain member: its place and its chain. */
export interface ChainMember extends ChainPosition {
  chain: string;
}

/** Start second of a run: the one its id carries (ids are made to the second), else its manifest's start time. */
function startSecond(run: ChainPosition): number {
  const fromId = runIdTime(run.runId)?.getTime();
  return fromId ?? Math.floor(Date.parse(run.startedAt) / 1000) * 1000;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareInstants(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return compareText(a, b);
  return x - y;
}

/**
 * The one order of runs within a chain (and the order runs are listed in, across chains): by start second, then by
 * completion time, then by run id. Runs of a chain follow one another; when two start within the same second, the one
 * that completes (and so seals) first comes first, which is the order sealing links them in.
 */
export function compareRunsInChain(a: ChainPosition, b: ChainPosition): number {
  return startSecond(a) - startSecond(b) || compareInstants(a.completedAt, b.completedAt) || compareText(a.runId, b.runId);
}

/**
 * The latest run of `chain` among `runIds` (sorted as a store lists them, oldest first), or the latest before
 * `before` when given: the run a new run links to, or the one a sealed run should have linked to. Reads manifests
 * newest first and stops once run ids are older than the best run's start second.
 */
export async function latestRunInChain<T extends ChainMember>(
  runIds: readonly string[],
  chain: string,
  read: (runId: string) => Promise<T | undefined>,
  before?: ChainPosition,
): Promise<T | undefined> {
  let best: T | undefined;
  for (let i = runIds.length - 1; i >= 0; i--) {
    const id = runIds[i];
    if (before && id === before.runId) continue;
    const idTime = runIdTime(id)?.getTime();
    if (best && idTime !== undefined && idTime < startSecond(best)) break;
    if (before && idTime !== undefined && idTime > startSecond(before)) continue;
    const run = await read(id);
    if (!run || run.chain !== chain) continue;
    if (before && compareRunsInChain(run, before) >= 0) continue;
    if (!best || compareRunsInChain(run, best) > 0) best = run;
  }
  return best;
}
