import { createPublicKey, createVerify, verify as cryptoVerify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
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
    const digestKey = sha256KeyInput(key, algorithm);
    return digestKey !== undefined && cryptoVerify('sha256', manifest, digestKey, signature);
  } catch {
    return false;
  }
}

/** How a key is used to verify a signature over the SHA-256 of a message (ECDSA, RSA); undefined for Ed25519 or an unknown name. */
function sha256KeyInput(key: KeyObject, algorithm: string): VerifyKeyObjectInput | undefined {
  if (algorithm.startsWith('ecdsa-')) return { key, dsaEncoding: 'der' };
  if (algorithm.startsWith('rsassa-pss-')) return { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 };
  if (algorithm.startsWith('rsassa-pkcs1-')) return { key };
  return undefined;
}

/**
 * A check of a signature over a message given in pieces, for the algorithms that sign its SHA-256 (not Ed25519):
 * feed every piece to `update`, then `verify` gives what `verifyManifestSignature` gives for the whole message.
 */
export function piecewiseVerifier(publicKeyPem: string, algorithm: string): { update(piece: Buffer): void; verify(signature: Buffer): boolean } {
  const key = createPublicKey(publicKeyPem);
  const input = sha256KeyInput(key, algorithm);
  if (!input) throw new Error(`a ${algorithm} signature cannot be checked piece by piece: it covers the message itself, not its SHA-256`);
  const check = createVerify('sha256');
  return {
    update: (piece) => void check.update(piece),
    verify: (signature) => {
      try {
        return check.verify(input, signature);
      } catch {
        return false;
      }
    },
  };
}

/** How a signature algorithm name is verified: names with the same scheme verify the same way. */
export type SignatureScheme = 'ed25519' | 'ecdsa' | 'rsassa-pss' | 'rsassa-pkcs1';

/** The scheme of an algorithm name as `verifyManifestSignature` reads it; undefined for a name it does not know. */
export function signatureScheme(algorithm: string): SignatureScheme | undefined {
  if (algorithm === 'ed25519') return 'ed25519';
  if (algorithm.startsWith('ecdsa-')) return 'ecdsa';
  if (algorithm.startsWith('rsassa-pss-')) return 'rsassa-pss';
  if (algorithm.startsWith('rsassa-pkcs1-')) return 'rsassa-pkcs1';
  return undefined;
}

const SCHEME_ALGORITHM: Readonly<Record<SignatureScheme, string>> = { ed25519: 'ed25519', ecdsa: 'ecdsa-', 'rsassa-pss': 'rsassa-pss-', 'rsassa-pkcs1': 'rsassa-pkcs1-' };

/**
 * The scheme under which `signature` verifies the manifest bytes with the public key, tried from the key's own type
 * (Ed25519; EC: ECDSA; RSA: PSS, then PKCS #1 v1.5), or undefined. It needs nothing from the manifest, so bytes
 * nobody trusted signed need never be parsed.
 */
export function verifiedScheme(manifest: Buffer, signature: Buffer, publicKeyPem: string): SignatureScheme | undefined {
  let type: string | undefined;
  try {
    type = createPublicKey(publicKeyPem).asymmetricKeyType;
  } catch {
    return undefined;
  }
  const candidates: SignatureScheme[] = type === 'ed25519' ? ['ed25519'] : type === 'ec' ? ['ecdsa'] : type === 'rsa' || type === 'rsa-pss' ? ['rsassa-pss', 'rsassa-pkcs1'] : [];
  return candidates.find((scheme) => verifyManifestSignature(manifest, signature, publicKeyPem, SCHEME_ALGORITHM[scheme]));
}
