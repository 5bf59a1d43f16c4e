import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import type { Period } from '../evidence/period.js';
import { runIdTime } from '../evidence/run-id.js';
import type { EvidenceStore, StoredRun } from '../evidence/store.js';

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
