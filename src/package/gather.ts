import { ConfigError, EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../seal/hash.js';
import { RunManifestSchema, type RunManifest } from '../seal/manifest.js';
import type { EvidenceStore } from '../store/types.js';
import type { MissingShard } from './manifest.js';

/** A sealed run taken into a package, with its stored bytes untouched. */
export interface IncludedRun {
  runId: string;
  manifest: RunManifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

export interface Period {
  /** First day, YYYY-MM-DD (UTC), inclusive. */
  from: string;
  /** Last day, YYYY-MM-DD (UTC), inclusive. */
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Validates `--from`/`--to`: real calendar days, from <= to, at most ten years. */
export function parsePeriod(from: string, to: string): Period {
  for (const [name, v] of [['--from', from], ['--to', to]] as const) {
    if (!DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
      throw new ConfigError(`${name}: "${v}" is not a calendar date like 2026-01-31`, 'give dates as YYYY-MM-DD (UTC)');
    }
  }
  if (from > to) throw new ConfigError(`--from ${from} is after --to ${to}`, 'swap the dates');
  if (daysOf({ from, to }).length > 3660) throw new ConfigError(`period ${from}..${to} is longer than ten years`, 'package a shorter period');
  return { from, to };
}

/** Every day of the period, in order. */
export function daysOf(p: Period): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${p.from}T00:00:00Z`), end = Date.parse(`${p.to}T00:00:00Z`); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** The UTC day a run belongs to: the day its collection started. */
export function runDay(m: Pick<RunManifest, 'startedAt'>): string {
  return m.startedAt.slice(0, 10);
}

/** Run ids begin with their UTC start time (`20261127T020000Z-…`); used to skip reading runs far outside the period. */
function dayFromRunId(runId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T\d{6}Z/.exec(runId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

export const ATTESTATION_RUN_MARK = '-attest-';

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
export async function gatherRuns(store: EvidenceStore, period: Period): Promise<GatheredRuns> {
  const ids = await store.listRuns();
  const periodRuns: IncludedRun[] = [];
  const attestationRuns: IncludedRun[] = [];
  for (const id of ids) {
    const d = dayFromRunId(id);
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
    const run: IncludedRun = {
      runId: id,
      manifest,
      manifestBytes: stored.manifest,
      manifestSha256: sha256Hex(stored.manifest),
      signature: stored.signature,
      publicKeyPem: stored.publicKeyPem,
    };
    if (manifest.kind === 'attestation') {
      if (runDay(manifest) <= period.to) attestationRuns.push(run);
    } else if (runDay(manifest) >= period.from && runDay(manifest) <= period.to) {
      periodRuns.push(run);
    }
  }
  const byStart = (a: IncludedRun, b: IncludedRun) => a.manifest.startedAt.localeCompare(b.manifest.startedAt) || a.runId.localeCompare(b.runId);
  periodRuns.sort(byStart);
  attestationRuns.sort(byStart);
  return { periodRuns, attestationRuns };
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
