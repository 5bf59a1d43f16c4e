import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { ConfigError } from '../errors.js';
import type { ManifestSigner } from '../seal/signer.js';
import { LocalEd25519Signer } from '../seal/local-signer.js';
import { loadKmsSdk } from './sdk.js';
import type { AwsClientSettings } from './clients.js';

export interface OpenSignerOptions {
  log?: Logger;
  /** Credentials for the KMS key (an assumed role, `--role-arn`); default: the SDK's default chain. */
  credentials?: AwsClientSettings['credentials'];
}

/** Directory of the local Ed25519 key: `signing.keyDir`, else `<stateDir>/keys`, relative paths from the current directory. */
export function localKeyDir(config: Pick<Config, 'signing' | 'stateDir'>): string {
  const dir = config.signing.kind === 'local' && config.signing.keyDir ? config.signing.keyDir : join(config.stateDir, 'keys');
  return isAbsolute(dir) ? dir : resolve(dir);
}

/** Opens the manifest signer the configuration names. */
export async function openSigner(config: Pick<Config, 'signing' | 'stateDir'>, opts: OpenSignerOptions = {}): Promise<ManifestSigner> {
  const signing = config.signing;
  if (signing.kind === 'local') {
    const dir = localKeyDir(config);
    let signer: LocalEd25519Signer;
    try {
      signer = LocalEd25519Signer.open(dir);
    } catch (err) {
      throw new ConfigError(
        `signing: cannot open the local Ed25519 key in ${dir}: ${(err as Error).message}`,
        'check the directory is readable and writable by this user, or set signing.keyDir to another directory',
      );
    }
    if (signer.created) {
      opts.log?.warn({ keyDir: dir, keyId: signer.keyId }, 'created a new local Ed25519 manifest signing key; back it up and publish its fingerprint to your assessor');
    }
    return signer;
  }
  if (signing.kind === 'kms') {
    // A key ARN names its region and account; otherwise signing.region, then the SDK's region variables.
    const arn = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):/.exec(signing.keyId);
    const region = signing.region ?? arn?.[1] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new ConfigError(
        `signing.keyId ${signing.keyId}: no region for the KMS signing key`,
        'use the key ARN as signing.keyId, or set signing.region (or AWS_REGION)',
      );
    }
    // The KMS client and the SDK client factory load only for a KMS key; a local key never needs them.
    const [{ KMSClient }, { AwsClientProvider, callerArnOrThrow }, { KmsManifestSigner }] = await Promise.all([loadKmsSdk(), import('./clients.js'), import('./kms-signer.js')]);
    const clients = new AwsClientProvider({ accountId: arn?.[2] ?? 'manifest-signing', region, ...(opts.credentials ? { credentials: opts.credentials } : {}) });
    // The caller is asked with the provider that signs (same credentials), only when something records it (attest).
    const signer = await KmsManifestSigner.open(clients.get(KMSClient), signing.keyId, () => callerArnOrThrow(clients));
    opts.log?.info({ keyId: signer.keyId, algorithm: signer.algorithm, region }, 'signing manifests with the AWS KMS key');
    return signer;
  }
  throw new ConfigError(
    `signing.kind "${(signing as { kind: string }).kind}": unknown signing kind`,
    'set signing.kind to local (optionally signing.keyDir) or kms (signing.keyId, optionally signing.region)',
  );
}
