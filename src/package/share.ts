import { stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { PackageShelf } from '../evidence/store.js';

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_SHARE_SECONDS = 7 * 24 * 3600;

/** `90m`, `12h`, `7d`, `3600s` or a number of seconds; at most 7 days. */
export function parseExpires(value: string): number {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  if (!m) throw new ConfigError(`--expires: "${value}" is not a duration like 30m, 12h or 7d`);
  const n = Number(m[1]);
  const unit = (m[2] || 's').toLowerCase();
  const seconds = n * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit];
  if (seconds < 1) throw new ConfigError(`--expires: "${value}" must be at least one second`);
  if (seconds > MAX_SHARE_SECONDS) {
    throw new ConfigError(
      `--expires ${value}: presigned S3 URLs (Signature Version 4) are valid for at most 7 days (604800 seconds)`,
      'share again with --expires 7d or less, and send a new link when it runs out',
    );
  }
  return seconds;
}

export interface ShareResult {
  url: string;
  bucket: string;
  key: string;
  versionId?: string;
  expiresAt: string;
  uploaded: boolean;
}

/**
 * Shares a package through a presigned GET URL. A local package file is first written through the store to the
 * write-once bucket under `<prefix>packages/<file name>` (Object Lock, SSE-KMS and integrity headers, the store's
 * request limit); otherwise the argument is taken as the name (or full key) of a package already there.
 */
export async function sharePackage(shelf: PackageShelf, pkg: string, expiresInSeconds: number, now: () => Date = () => new Date()): Promise<ShareResult> {
  const local = await stat(pkg).catch(() => undefined);
  const placed = local?.isFile() ? await shelf.putPackage(pkg, now()) : await shelf.findPackage(pkg);
  const url = await shelf.presign(placed.key, placed.versionId, expiresInSeconds);
  return {
    url,
    bucket: shelf.bucket,
    key: placed.key,
    ...(placed.versionId ? { versionId: placed.versionId } : {}),
    expiresAt: new Date(now().getTime() + expiresInSeconds * 1000).toISOString(),
    uploaded: placed.uploaded,
  };
}
