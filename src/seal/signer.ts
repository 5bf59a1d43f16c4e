import { EvidenceLockerError } from '../errors.js';
/**
 * Signs manifests. Local: Ed25519 (node:crypto). Production: an AWS KMS asymmetric key.
 * The public key (PEM, SPKI) and its fingerprint travel with every run and package.
 */
export interface ManifestSigner {
  /** `ed25519` or `ecdsa-p256-sha256` / `rsassa-pss-sha256` etc. for KMS keys. */
  readonly algorithm: string;
  /** Key ARN for KMS, `local:<fingerprint>` for local keys. */
  readonly keyId: string;
  publicKeyPem(): Promise<string>;
  /** SHA-256 of the DER-encoded SubjectPublicKeyInfo, hex. */
  fingerprint(): Promise<string>;
  sign(message: Buffer): Promise<Buffer>;
  /**
   * Signs a message given in pieces without holding it whole: present only for signers that sign a digest of the
   * message (KMS keys, MessageType DIGEST), whose signature is the one `sign` gives for the same bytes. Ed25519 signs
   * the message itself and has none: its manifest is held whole while it is signed. Gives the signature and the
   * SHA-256 (hex) of the pieces it signed, so a caller need not hash them a second time.
   */
  signPieces?(pieces: Iterable<Buffer>): Promise<{ signature: Buffer; sha256: string }>;
  /**
   * KMS signers: the sts:GetCallerIdentity ARN of the session whose credentials sign with the key (asked each time);
   * throws, naming STS, when it cannot be had. Local keys have no AWS identity and no such method.
   */
  callerArn?(): Promise<string>;
}

/** Signed before work that must end in a signature, to find a refused key first; not JSON, so never mistaken for a manifest. */
const SIGNING_CHECK = 'evidence-locker signing check: this key is asked to sign before any work that must end in a signature\n';

/** Errors that mean the key refuses this principal or cannot sign now (as opposed to a network or throttling failure). */
const REFUSED = /AccessDenied|NotAuthorized|not authorized|KMSInvalidState|Disabled|KeyUnavailable|NotFound/i;

/**
 * Signs a fixed check message once, so a key that refuses this principal fails before anything is read or changed.
 * `what`: what would not be done (`no legal hold was placed`); `hint`: what to do when the key refuses.
 */
export async function assertCanSign(signer: ManifestSigner, what: string, hint: string): Promise<void> {
  try {
    await signer.sign(Buffer.from(SIGNING_CHECK));
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const detail = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(err)}`;
    if (REFUSED.test(detail)) throw new EvidenceLockerError(`the signing key ${signer.keyId} refused to sign (${detail}): ${what}`, { hint });
    throw new EvidenceLockerError(`the signing check with key ${signer.keyId} failed (${detail}): ${what}`, { hint: 'retry; if it persists, check the network path to KMS and the key state' });
  }
}
