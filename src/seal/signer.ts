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
}
