import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand, type KeySpec, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import type { ManifestSigner } from '../seal/signer.js';
import { piecewiseVerifier, publicKeyFingerprint } from '../seal/verify-signature.js';

/** KMS signing algorithms we use, with the names verify-signature.ts checks against. */
const ALGORITHMS: ReadonlyArray<{ kms: SigningAlgorithmSpec; name: string; keySpecs: readonly string[] }> = [
  { kms: 'ECDSA_SHA_256', name: 'ecdsa-p256-sha256', keySpecs: ['ECC_NIST_P256'] },
  { kms: 'RSASSA_PSS_SHA_256', name: 'rsassa-pss-sha256', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'] },
];

function toPem(spkiDer: Uint8Array): string {
  const b64 = Buffer.from(spkiDer).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** What failed, named for the operator: error code and message of a KMS call. */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/**
 * Signs manifests with an AWS KMS asymmetric key (ECC_NIST_P256 with ECDSA_SHA_256, or RSA with RSASSA_PSS_SHA_256).
 * KMS signs at most 4096 bytes of RAW message, and manifests are larger, so the signer sends the SHA-256 digest with
 * MessageType DIGEST: the signature is the same one RAW signing would give and verifies offline against the manifest
 * bytes (node's `crypto.verify('sha256', manifest, publicKey, signature)`).
 */
export class KmsManifestSigner implements ManifestSigner {
  private constructor(
    private readonly kms: KMSClient,
    /** The key ARN, as KMS reports it (also when opened through an alias or key id). */
    readonly keyId: string,
    readonly algorithm: string,
    private readonly kmsAlgorithm: SigningAlgorithmSpec,
    private readonly pem: string,
    readonly keySpec: KeySpec | undefined,
    private readonly askCaller: (() => Promise<string>) | undefined,
  ) {}

  /**
   * Reads the key's public key and signing algorithms (kms:GetPublicKey) and picks the algorithm.
   * `keyId` may be a key ARN, key id, alias name (`alias/...`) or alias ARN. `callerArn`: asks sts:GetCallerIdentity
   * with the same credentials as `kms` (openSigner gives it); without it `callerArn()` refuses.
   */
  static async open(kms: KMSClient, keyId: string, callerArn?: () => Promise<string>): Promise<KmsManifestSigner> {
    let out;
    try {
      out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    } catch (err) {
      throw new ConfigError(
        `signing.keyId ${keyId}: kms:GetPublicKey failed (${describe(err)})`,
        'check the key exists in the configured region (signing.region), is enabled, and that this principal is allowed kms:GetPublicKey and kms:Sign on it',
      );
    }
    if (out.KeyUsage !== 'SIGN_VERIFY') {
      throw new ConfigError(
        `signing.keyId ${keyId}: key usage is ${out.KeyUsage ?? 'unknown'}, not SIGN_VERIFY`,
        'create an asymmetric KMS key with key usage SIGN_VERIFY and key spec ECC_NIST_P256 (or RSA_2048/3072/4096) for manifest signing',
      );
    }
    const spec = out.KeySpec ?? out.CustomerMasterKeySpec;
    const choice = ALGORITHMS.find((a) => a.keySpecs.includes(spec ?? '') && (out.SigningAlgorithms ?? []).includes(a.kms));
    if (!choice) {
      throw new ConfigError(
        `signing.keyId ${keyId}: key spec ${spec ?? 'unknown'} with signing algorithms ${(out.SigningAlgorithms ?? []).join(', ') || 'none'} is not supported for manifests`,
        'use a SIGN_VERIFY key with key spec ECC_NIST_P256 (ECDSA_SHA_256) or RSA_2048/3072/4096 (RSASSA_PSS_SHA_256)',
      );
    }
    if (!out.PublicKey?.length || !out.KeyId) throw new ConfigError(`signing.keyId ${keyId}: kms:GetPublicKey returned no public key or key ARN`, 'check the key in the KMS console');
    let pem: string;
    try {
      pem = toPem(out.PublicKey);
      createPublicKey(pem);
    } catch (err) {
      throw new ConfigError(`signing.keyId ${keyId}: the public key KMS returned is not a DER SubjectPublicKeyInfo (${(err as Error).message})`, 'check the key in the KMS console');
    }
    return new KmsManifestSigner(kms, out.KeyId, choice.name, choice.kms, pem, spec, callerArn);
  }

  /** sts:GetCallerIdentity of the session that signs with this key (the KMS client's credentials). */
  async callerArn(): Promise<string> {
    const hint = 'sts:GetCallerIdentity needs no IAM permission, so this is a credential or network problem: check the credentials this key is used with (AWS_PROFILE, an expired session) and the network path to STS (AWS_ENDPOINT_URL_STS, a proxy), then try again';
    if (!this.askCaller) throw new EvidenceLockerError(`sts:GetCallerIdentity: the signer for key ${this.keyId} was opened without an AWS session to ask`, { hint });
    try {
      return await this.askCaller();
    } catch (err) {
      throw new EvidenceLockerError(`sts:GetCallerIdentity failed (${describe(err)}): the identity of the session signing with key ${this.keyId} could not be established`, { hint, cause: err });
    }
  }

  async publicKeyPem(): Promise<string> {
    return this.pem;
  }

  async fingerprint(): Promise<string> {
    return publicKeyFingerprint(this.pem);
  }

  async sign(message: Buffer): Promise<Buffer> {
    return (await this.signPieces([message])).signature;
  }

  /**
   * Hashes the pieces as they come (the manifest is never held whole) and has KMS sign the digest. The signature is
   * checked against the key's public key over the same pieces before it is used.
   */
  async signPieces(pieces: Iterable<Buffer>): Promise<{ signature: Buffer; sha256: string }> {
    const hash = createHash('sha256');
    const check = piecewiseVerifier(this.pem, this.algorithm);
    for (const piece of pieces) {
      hash.update(piece);
      check.update(piece);
    }
    const digest = hash.digest();
    let signature: Uint8Array | undefined;
    try {
      const out = await this.kms.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: this.kmsAlgorithm }));
      signature = out.Signature;
    } catch (err) {
      throw new EvidenceLockerError(`kms:Sign with key ${this.keyId} failed (${describe(err)})`, {
        hint: 'check the key is enabled and this principal is allowed kms:Sign on it; the run is not sealed until the manifest is signed',
        cause: err,
      });
    }
    const sig = Buffer.from(signature ?? new Uint8Array());
    // A signature that does not verify here would only be discovered by the assessor: refuse it now.
    if (!check.verify(sig)) {
      throw new EvidenceLockerError(`kms:Sign with key ${this.keyId} returned a signature that does not verify against the key's public key`, {
        hint: 'check signing.keyId names the intended key and that no proxy alters KMS responses',
      });
    }
    return { signature: sig, sha256: digest.toString('hex') };
  }
}
