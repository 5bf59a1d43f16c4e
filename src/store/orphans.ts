import { RunManifestSchema } from '../evidence/manifest.js';
import type { EvidenceStore } from '../evidence/store.js';

/**
 * Evidence bodies present in the store that no sealed run names: harmless leftovers of runs interrupted before
 * their manifest was written (bodies are written first, the manifest last). Sorted.
 */
export async function findOrphans(store: EvidenceStore): Promise<string[]> {
  const named = new Set<string>();
  for (const runId of await store.listRuns()) {
    // A run folder that cannot be read or parsed (foreign, see `verify --store`) names nothing; it must not stop the listing.
    const run = await store.getRun(runId).catch(() => undefined);
    if (!run) continue;
    let json: unknown;
    try {
      json = JSON.parse(run.manifest.toString('utf8'));
    } catch {
      continue;
    }
    const parsed = RunManifestSchema.safeParse(json);
    // An unreadable manifest names nothing we can trust; verify reports it, orphans stay conservative.
    if (!parsed.success) continue;
    for (const r of parsed.data.records) named.add(r.sha256);
  }
  return (await store.listObjectHashes()).filter((h) => !named.has(h));
}
