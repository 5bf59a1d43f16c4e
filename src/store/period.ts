import { ConfigError } from '../errors.js';
import { RunManifestSchema, type RunManifest } from '../seal/manifest.js';
import type { EvidenceStore, StoredRun } from './types.js';

/** A closed period of time, both ends inclusive. */
export interface Period {
  from: Date;
  to: Date;
}

/**
 * Parses `--from` / `--to`: a date (`2026-01-31`, the whole UTC day) or a full ISO timestamp.
 * `to` given as a date means the end of that day.
 */
export function parsePeriod(from: string, to: string, flags = { from: '--from', to: '--to' }): Period {
  const f = parseWhen(from, 'start', flags.from);
  const t = parseWhen(to, 'end', flags.to);
  if (f.getTime() > t.getTime()) throw new ConfigError(`${flags.from} ${from} is after ${flags.to} ${to}`, 'give the earlier date with --from');
  return { from: f, to: t };
}

function parseWhen(value: string, edge: 'start' | 'end', flag: string): Date {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(v)) return edge === 'start' ? d : new Date(d.getTime() + 86_400_000 - 1);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new ConfigError(`${flag}: "${value}" is not a date like 2026-01-31 or a timestamp like 2026-01-31T12:00:00Z`);
}

/** Start time encoded in a run id (`20261127T020000Z-3f9a1c`), if it has one. */
export function runIdTime(runId: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface RunInPeriod {
  runId: string;
  run: StoredRun;
  /** Undefined when the manifest does not parse (verification reports it). */
  manifest?: RunManifest;
}

/**
 * Sealed runs that started within the period, oldest first. Run ids carry their start time, which narrows the
 * reads; the manifest's `startedAt` decides. A run whose manifest cannot be read is kept when its id falls in the period.
 */
export async function runsInPeriod(store: EvidenceStore, period: Period): Promise<RunInPeriod[]> {
  const slack = 86_400_000;
  const out: RunInPeriod[] = [];
  for (const runId of await store.listRuns()) {
    const t = runIdTime(runId);
    if (t && (t.getTime() < period.from.getTime() - slack || t.getTime() > period.to.getTime() + slack)) continue;
    const run = await store.getRun(runId);
    const manifest = parseManifest(run.manifest);
    const started = manifest ? new Date(manifest.startedAt) : t;
    if (!started || started.getTime() < period.from.getTime() || started.getTime() > period.to.getTime()) continue;
    out.push({ runId, run, ...(manifest ? { manifest } : {}) });
  }
  return out;
}

export function parseManifest(bytes: Buffer): RunManifest | undefined {
  try {
    const parsed = RunManifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
