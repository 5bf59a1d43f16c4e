import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { ConfigError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { LocalEvidenceStore } from './local.js';

export interface OpenStoreOptions {
  log?: Logger;
  /** Base for relative local paths; default the current directory. */
  cwd?: string;
  /** S3 only: credentials other than the default chain (legal hold under its own role). */
  credentials?: import('@aws-sdk/client-s3').S3ClientConfig['credentials'];
}

/** Opens the evidence store the configuration names (pre-flight is the caller's next step). */
export async function openStore(config: Config['store'], opts: OpenStoreOptions = {}): Promise<EvidenceStore> {
  if (config.kind === 'local') {
    const root = isAbsolute(config.path) ? config.path : resolve(opts.cwd ?? process.cwd(), config.path);
    opts.log?.debug({ store: 'local', root }, 'opening local evidence store');
    return new LocalEvidenceStore(root);
  }
  if (config.kind === 's3') {
    // Loaded only for an S3 store: the AWS SDK's S3 client is the larger part of a local-store process otherwise.
    const { S3EvidenceStore } = await import('./s3.js');
    const store = new S3EvidenceStore(config, { log: opts.log, ...(opts.credentials ? { clientConfig: { credentials: opts.credentials } } : {}) });
    opts.log?.debug({ store: 's3', location: store.location, mode: store.mode, retentionDays: store.retentionDays }, 'opening S3 evidence store');
    return store;
  }
  throw new ConfigError(`store.kind "${(config as { kind: string }).kind}" is not a known evidence store`, 'set store.kind to local or s3');
}
