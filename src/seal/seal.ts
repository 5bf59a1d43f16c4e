import { canonicalBytes } from './canonical.js';
import { sha256Hex } from '../evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import { latestRunInChain } from '../evidence/run-id.js';
import type { ManifestSigner } from './signer.js';
import type { EvidenceStore } from '../evidence/store.js';

export interface SealedRun {
  manifest: RunManifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

/** The latest sealed run of a chain in this store, for linking the next one. */
export async function latestRunOfChain(store: EvidenceStore, chain: string): Promise<{ runId: string; manifestSha256: string } | null> {
  const best = await latestRunInChain(await store.listRuns(), chain, async (id) => {
    const run = await store.getRun(id);
    const m = RunManifestSchema.parse(JSON.parse(run.manifest.toString('utf8')));
    return { runId: m.runId, chain: m.chain, startedAt: m.startedAt, completedAt: m.completedAt, manifestSha256: sha256Hex(run.manifest) };
  });
  return best ? { runId: best.runId, manifestSha256: best.manifestSha256 } : null;
}

/**
 * Seals a run: canonical manifest bytes, signed, written to the store after every body it names.
 * The caller has already written each body (store.putObject) before calling this.
 */
export async function sealRun(
  store: EvidenceStore,
  signer: ManifestSigner,
  manifest: Omit<RunManifest, 'previous' | 'signing' | 'schema'>,
): Promise<SealedRun> {
  const previous = await latestRunOfChain(store, manifest.chain);
  const full: RunManifest = RunManifestSchema.parse({
    schema: 'evidence-locker/run-manifest@1',
    ...manifest,
    previous,
    signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
  });
  const manifestBytes = canonicalBytes(full);
  const signature = await signer.sign(manifestBytes);
  const publicKeyPem = await signer.publicKeyPem();
  await store.putRun({ runId: full.runId, manifest: manifestBytes, signature, publicKeyPem });
  return { manifest: full, manifestBytes, manifestSha256: sha256Hex(manifestBytes), signature, publicKeyPem };
}
