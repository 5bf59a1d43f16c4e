import { manifestHeaderText } from '../evidence/manifest-header.js';
import { ManifestRecordSchema } from '../evidence/record.js';
import type { EvidenceStore } from '../evidence/store.js';
import { refusalCensus } from '../seal/refusals.js';
import type { TrustPolicy } from '../seal/trust.js';

/**
 * Evidence bodies present in the store that no sealed run names: harmless leftovers of runs interrupted before
 * their manifest was written (bodies are written first, the manifest last). Sorted.
 *
 * Conservative: a body counts as named when any run folder's manifest lists it in a well-formed record, whoever
 * signed it (`verify --store` judges the runs; this only lists what nothing mentions). The records are read one at a
 * time and the rest of a manifest is not parsed, so a planted manifest built to be costly to parse, or a large one,
 * costs little more than its bytes.
 *
 * With `trust`, the list of a refused run's bodies that a refusal record signed by a trusted key names
 * (`records.bodyList`) is not an orphan either: the record accounts for it. A list no trusted record names is listed.
 * The bodies on such a list are: no sealed run names them.
 */
export async function findOrphans(store: EvidenceStore, trust?: TrustPolicy | (() => Promise<TrustPolicy>)): Promise<string[]> {
  const named = new Set<string>();
  // The trusted keys are resolved only for a store that holds refusal records: without any, no list is named. The one
  // listing of refusals/ that tells is the one the census reads.
  const shelf = trust ? store.sealRefusals : undefined;
  const listing = shelf ? { refs: await shelf.listRefusals() } : undefined;
  if (trust && listing?.refs.length) {
    const policy = typeof trust === 'function' ? await trust() : trust;
    for (const r of (await refusalCensus(store, policy, undefined, undefined, listing)).trusted) if (r.refusal.records.bodyList) named.add(r.refusal.records.bodyList.sha256);
  }
  const take = (record: unknown) => {
    const r = ManifestRecordSchema.safeParse(record);
    if (r.success) named.add(r.data.sha256);
  };
  // One listing of runs/ names the runs and, on a store that keeps versions, what each is read from.
  const folders = (await store.listRunFolders?.())?.folders;
  for (const runId of folders ? [...folders.keys()] : await store.listRuns()) {
    // A run folder that cannot be read (foreign, see `verify --store`) names nothing; it must not stop the listing.
    const run = await store.getRun(runId, folders?.get(runId)).catch(() => undefined);
    if (!run) continue;
    try {
      const split = manifestHeaderText(run.manifest, (bytes) => {
        try {
          take(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')));
        } catch {
          // A record that is not JSON names nothing.
        }
      });
      if (split) continue;
      // Bytes the scan cannot split (not written by this tool's seal): their records, if any, parsed whole.
      const records = (JSON.parse(run.manifest.toString('utf8')) as { records?: unknown }).records;
      if (Array.isArray(records)) for (const r of records) take(r);
    } catch {
      // Not JSON: names nothing.
    }
  }
  return (await store.listObjectHashes()).filter((h) => !named.has(h));
}
