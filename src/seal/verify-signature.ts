import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { sha256Hex } from '../evidence/hash.js';

/** SHA-256 of the DER SubjectPublicKeyInfo, hex: the fingerprint printed on reports and by `verify`. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return sha256Hex(der);
}

/**
 * Verifies a detached manifest signature offline. Ed25519 signs the manifest bytes themselves;
 * ECDSA and RSA (KMS keys) sign the SHA-256 digest of them (KMS MessageType RAW with *_SHA_256).
 */
export function verifyManifestSignature(manifest: Buffer, signature: Buffer, publicKeyPem: string, algorithm: string): boolean {
  let key;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return false;
  }
  try {
    if (algorithm === 'ed25519') {
      return key.asymmetricKeyType === 'ed25519' && cryptoVerify(null, manifest, key, signature);
    }
    if (algorithm.startsWith('ecdsa-')) {
      return cryptoVerify('sha256', manifest, { key, dsaEncoding: 'der' }, signature);
    }
    if (algorithm.startsWith('rsassa-pss-')) {
      return cryptoVerify('sha256', manifest, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, signature);
    }
    if (algorithm.startsWith('rsassa-pkcs1-')) {
      return cryptoVerify('sha256', manifest, key, signature);
    }
  } catch {
    return false;
  }
  return false;
}
