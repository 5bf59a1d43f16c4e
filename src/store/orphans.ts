import { RunManifestSchema } from '../evidence/manifest.js';
import type { EvidenceStore } from '../evidence/store.js';

/**
 * Evidence bodies present in the store that no sealed run names: harmless leftovers of runs interrupted before
 * their manifest was written (bodies are written first, the manifest last). Sorted.
 */
export async function findOrphans(store: EvidenceStore): Promise<string[]> {
  const named = new Set<string>();
  for (const runId of await store.listRuns()) {
    const run = await store.getRun(runId);
    const parsed = RunManifestSchema.safeParse(JSON.parse(run.manifest.toString('utf8')));
    // An unreadable manifest names nothing we can trust; verify reports it, orphans stay conservative.
    if (!parsed.success) continue;
    for (const r of parsed.data.records) named.add(r.sha256);
  }
  return (await store.listObjectHashes()).filter((h) => !named.has(h));
}
