import { ConfigError, EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import type { EvidenceStore } from '../evidence/store.js';
import { daysOf, parsePeriod, periodDays, type PeriodDays } from '../evidence/period.js';
import { ATTESTATION_RUN_MARK, compareRunsInChain, runIdDay } from '../evidence/run-id.js';
import type { MissingShard } from './manifest.js';

/** A run manifest without its record list: what a package keeps of each run while records are read one run at a time. */
export type RunHeader = Omit<RunManifest, 'records'> & { recordCount: number };

/**
 * A sealed run taken into a package. Only the header is kept in memory; the records are read again, one run at a
 * time, with `readRunManifest`, which checks the bytes still hash to `manifestSha256`.
 */
export interface IncludedRun {
  runId: string;
  manifest: RunHeader;
  manifestSha256: string;
  manifestSize: number;
  signature: Buffer;
  publicKeyPem: string;
}

/** The days a package covers: whole UTC days of `--from`/`--to`, at most ten years. */
export function packageDays(from: string, to: string): PeriodDays {
  const days = periodDays(parsePeriod(from, to));
  if (daysOf(days).length > 3660) throw new ConfigError(`period ${days.from}..${days.to} is longer than ten years`, 'package a shorter period');
  return days;
}

/** The UTC day a run belongs to: the day its collection started. */
export function runDay(m: Pick<RunManifest, 'startedAt'>): string {
  return m.startedAt.slice(0, 10);
}

export interface GatheredRuns {
  /** Collection (and legal-hold) runs whose collection started within the period. */
  periodRuns: IncludedRun[];
  /** Attestation runs sealed on or before the period end (manual evidence stays relevant after it is given). */
  attestationRuns: IncludedRun[];
}

/**
 * Reads every sealed run of the period from the store. Manifests are parsed and schema-checked; a run whose
 * manifest cannot be read is an error naming it (the package never silently drops a run).
 */
export async function gatherRuns(store: EvidenceStore, period: PeriodDays): Promise<GatheredRuns> {
  const ids = await store.listRuns();
  const periodRuns: IncludedRun[] = [];
  const attestationRuns: IncludedRun[] = [];
  for (const id of ids) {
    const d = runIdDay(id);
    const maybeAttestation = id.includes(ATTESTATION_RUN_MARK);
    if (d !== undefined && d > period.to) continue;
    if (d !== undefined && d < period.from && !maybeAttestation) continue;
    const stored = await store.getRun(id);
    let manifest: RunManifest;
    try {
      manifest = RunManifestSchema.parse(JSON.parse(stored.manifest.toString('utf8')));
    } catch (err) {
      throw new EvidenceLockerError(`run ${id}: manifest.json in the evidence store is not a valid run manifest (${(err as Error).message.split('\n')[0]})`, {
        hint: `run \`evidence-locker verify --store --run ${id}\` to check the run; the store is write-once, so report the damaged run to the store owner`,
      });
    }
    const { records, ...header } = manifest;
    const run: IncludedRun = {
      runId: id,
      manifest: { ...header, recordCount: records.length },
      manifestSha256: sha256Hex(stored.manifest),
      manifestSize: stored.manifest.length,
      signature: stored.signature,
      publicKeyPem: stored.publicKeyPem,
    };
    if (manifest.kind === 'attestation') {
      if (runDay(manifest) <= period.to) attestationRuns.push(run);
    } else if (runDay(manifest) >= period.from && runDay(manifest) <= period.to) {
      periodRuns.push(run);
    }
  }
  const byStart = (a: IncludedRun, b: IncludedRun) => compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId });
  periodRuns.sort(byStart);
  attestationRuns.sort(byStart);
  return { periodRuns, attestationRuns };
}

/** The run's manifest bytes from the store, checked against the hash taken when the run was gathered. */
export async function readRunManifestBytes(store: EvidenceStore, run: IncludedRun): Promise<Buffer> {
  const bytes = (await store.getRun(run.runId)).manifest;
  const sha = sha256Hex(bytes);
  if (sha !== run.manifestSha256) {
    throw new EvidenceLockerError(`run ${run.runId}: manifest.json in the evidence store changed while the package was built (SHA-256 ${run.manifestSha256}, now ${sha})`, {
      hint: `run \`evidence-locker verify --store --run ${run.runId}\` and report the run to the store owner; the store is write-once`,
    });
  }
  return bytes;
}

/** The full run manifest (with its records), read again from the store and checked as in `readRunManifestBytes`. */
export async function readRunManifest(store: EvidenceStore, run: IncludedRun): Promise<RunManifest> {
  // Schema-checked when gathered; the same bytes need no second check.
  return JSON.parse((await readRunManifestBytes(store, run)).toString('utf8')) as RunManifest;
}

/** Slots (one scheduled collection split over n shards) with fewer sealed shards than their count. */
export function missingShards(runs: IncludedRun[]): MissingShard[] {
  const slots = new Map<string, { count: number; present: Set<number> }>();
  for (const r of runs) {
    const s = r.manifest.shard;
    if (!s) continue;
    const slot = slots.get(s.slot) ?? { count: s.count, present: new Set<number>() };
    slot.count = Math.max(slot.count, s.count);
    slot.present.add(s.index);
    slots.set(s.slot, slot);
  }
  const out: MissingShard[] = [];
  for (const [slot, { count, present }] of [...slots].sort(([a], [b]) => a.localeCompare(b))) {
    const missing: number[] = [];
    for (let i = 1; i <= count; i++) if (!present.has(i)) missing.push(i);
    if (missing.length) out.push({ slot, count, present: [...present].sort((a, b) => a - b), missing });
  }
  return out;
}
