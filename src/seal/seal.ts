import { canonicalBytes } from './canonical.js';
import { sha256Hex } from './hash.js';
import { RunManifestSchema, type RunManifest } from './manifest.js';
import type { ManifestSigner } from './signer.js';
import type { EvidenceStore } from '../store/types.js';

export interface SealedRun {
  manifest: RunManifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

/** The latest sealed run of a chain in this store, for linking the next one. */
export async function latestRunOfChain(store: EvidenceStore, chain: string): Promise<{ runId: string; manifestSha256: string } | null> {
  const ids = await store.listRuns();
  let best: { runId: string; manifestSha256: string; completedAt: string } | null = null;
  for (let i = ids.length - 1; i >= 0; i--) {
    // Run ids sort by their start second; runs sealed within the same second are ordered by completion time.
    if (best && ids[i].slice(0, 16) !== best.runId.slice(0, 16)) break;
    const run = await store.getRun(ids[i]);
    const m = RunManifestSchema.parse(JSON.parse(run.manifest.toString('utf8')));
    if (m.chain !== chain) continue;
    const candidate = { runId: m.runId, manifestSha256: sha256Hex(run.manifest), completedAt: m.completedAt };
    if (!best || candidate.completedAt > best.completedAt) best = candidate;
  }
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

/** Sortable, unique run id: UTC time plus a short random suffix, e.g. `20261127T020000Z-3f9a1c`. */
export function newRunId(at: Date, suffix: string): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${t}-${suffix}`;
}
