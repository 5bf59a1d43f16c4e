import { canonicalBytes } from './canonical.js';
import { sha256Hex } from '../evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import type { ManifestSigner } from './signer.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { Logger } from '../log/logger.js';
import { RunClassifier, describeForeign, trustPolicy, type ForeignObject, type TrustPolicy } from './trust.js';

export interface SealedRun {
  manifest: RunManifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

/** The latest run of a chain in this store signed by a trusted key, for linking the next one; foreign runs are skipped. */
export async function latestRunOfChain(
  store: EvidenceStore,
  chain: string,
  trust: TrustPolicy | RunClassifier,
): Promise<{ previous: { runId: string; manifestSha256: string } | null; foreign: ForeignObject[] }> {
  const classifier = trust instanceof RunClassifier ? trust : new RunClassifier(store, trust);
  const { latest, foreign } = await classifier.latestTrustedOfChain(chain);
  return { previous: latest ? { runId: latest.runId, manifestSha256: latest.manifestSha256 } : null, foreign };
}

export interface SealOptions {
  /** Keys whose runs may be chain links; default: the signer's own key. */
  trust?: TrustPolicy;
  /** Foreign runs met while looking for the previous link are logged here (never fatal). */
  log?: Logger;
}

/**
 * Seals a run: canonical manifest bytes, signed, written to the store after every body it names.
 * The caller has already written each body (store.putObject) before calling this.
 */
export async function sealRun(
  store: EvidenceStore,
  signer: ManifestSigner,
  manifest: Omit<RunManifest, 'previous' | 'signing' | 'schema'>,
  opts: SealOptions = {},
): Promise<SealedRun> {
  const trust = opts.trust ?? trustPolicy([await signer.fingerprint()]);
  const { previous, foreign } = await latestRunOfChain(store, manifest.chain, trust);
  for (const f of foreign) opts.log?.warn({ runId: f.runId, path: f.path, reason: f.reason, detail: f.detail }, `foreign object in the evidence store, not used as a chain link: ${describeForeign(f)}`);
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
