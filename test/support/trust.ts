import { publicKeyFingerprint } from '../../src/seal/verify-signature.js';
import { trustPolicy, type TrustPolicy } from '../../src/seal/trust.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import type { EvidenceStore } from '../../src/evidence/store.js';

/** Trust exactly the given signers' keys. */
export async function trustSigners(...signers: ManifestSigner[]): Promise<TrustPolicy> {
  return trustPolicy(await Promise.all(signers.map((s) => s.fingerprint())));
}

/** For tests whose store holds only runs the test itself sealed with a key it does not hold: trust the keys those runs carry. */
export async function trustKeysInStore(store: EvidenceStore): Promise<TrustPolicy> {
  const keys = new Set<string>();
  for (const id of await store.listRuns()) {
    const run = await store.getRun(id).catch(() => undefined);
    if (run) keys.add(publicKeyFingerprint(run.publicKeyPem));
  }
  return trustPolicy(keys);
}
