import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { loadKmsSdk } from './sdk.js';
import { localKeyDir, openSigner } from './open-signer.js';
import type { ManifestSigner } from '../seal/signer.js';
import { trustPolicy, type TrustPolicy } from '../seal/trust.js';
import { publicKeyFingerprint } from '../seal/verify-signature.js';

const FINGERPRINT = /^[0-9a-fA-F]{64}$/;
const KMS_KEY_ARN = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

export interface TrustOptions {
  /** The signer already opened by the command (its key is the default trusted key). */
  signer?: ManifestSigner;
  /** `--expect-key`: when given, exactly these fingerprints are trusted (pinned out of band). */
  expectKeys?: string[];
  log?: Logger;
  now?: () => Date;
}

/**
 * The trusted signing keys as fingerprints: `--expect-key` when given, else `signing.trustedKeys` (fingerprints,
 * KMS key ARNs read with kms:GetPublicKey), else the configured signer's own key. Never creates a key.
 */
export async function resolveTrustPolicy(config: Pick<Config, 'signing' | 'stateDir'>, opts: TrustOptions = {}): Promise<TrustPolicy> {
  const policyOpts = opts.now ? { now: opts.now } : {};
  if (opts.expectKeys?.length) {
    for (const k of opts.expectKeys) {
      if (!FINGERPRINT.test(k)) throw new ConfigError(`--expect-key ${k}: not a key fingerprint`, 'give the 64-hex-digit SHA-256 fingerprint the organisation published (printed by `verify` and on the report cover)');
    }
    return trustPolicy(opts.expectKeys, policyOpts);
  }
  const configured = config.signing.trustedKeys ?? [];
  if (configured.length) {
    const fingerprints: string[] = [];
    for (const entry of configured) fingerprints.push(FINGERPRINT.test(entry) ? entry.toLowerCase() : await kmsKeyFingerprint(entry, opts.signer));
    opts.log?.debug({ trustedKeys: fingerprints }, 'trusted signing keys from signing.trustedKeys');
    return trustPolicy(fingerprints, policyOpts);
  }
  return trustPolicy([await ownKeyFingerprint(config, opts)], policyOpts);
}

async function kmsKeyFingerprint(arn: string, signer: ManifestSigner | undefined): Promise<string> {
  if (signer && signer.keyId === arn) return signer.fingerprint();
  const m = KMS_KEY_ARN.exec(arn);
  if (!m) throw new ConfigError(`signing.trustedKeys: "${arn}" is neither a key fingerprint nor a KMS key ARN`, 'give 64 hex digits or arn:aws:kms:<region>:<account>:key/<id>');
  const [{ KMSClient }, { AwsClientProvider }, { KmsManifestSigner }] = await Promise.all([loadKmsSdk(), import('./clients.js'), import('./kms-signer.js')]);
  const clients = new AwsClientProvider({ accountId: m[2], region: m[1] });
  try {
    const key = await KmsManifestSigner.open(clients.get(KMSClient), arn).catch((err: unknown) => {
      throw new ConfigError(`signing.trustedKeys ${arn}: ${(err as Error).message}`, 'check the key ARN, and that this principal may call kms:GetPublicKey on it');
    });
    return await key.fingerprint();
  } finally {
    clients.destroy();
  }
}

/** The configured signer's fingerprint; a local key is read, never created, so verifying cannot mint a new trusted key. */
async function ownKeyFingerprint(config: Pick<Config, 'signing' | 'stateDir'>, opts: TrustOptions): Promise<string> {
  if (opts.signer) return opts.signer.fingerprint();
  if (config.signing.kind === 'local') {
    const pub = join(localKeyDir(config), 'manifest-signing.pub.pem');
    if (!existsSync(pub)) {
      throw new ConfigError(
        `no trusted signing key: signing.trustedKeys is not set and there is no local signing key at ${pub}`,
        'set signing.trustedKeys to the fingerprint(s) the organisation published, or pass --expect-key <fingerprint>',
      );
    }
    return publicKeyFingerprint(readFileSync(pub, 'utf8'));
  }
  return (await openSigner(config, opts.log ? { log: opts.log } : {})).fingerprint();
}
