import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import type { S3EvidenceStore } from '../store/s3.js';

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_SHARE_SECONDS = 7 * 24 * 3600;
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

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
 * Shares a package through a presigned GET URL. A local package file is first written to the write-once
 * bucket under `<prefix>packages/<file name>` with Object Lock headers and integrity checksums; otherwise the
 * argument is taken as the name (or full key) of a package already there.
 */
export async function sharePackage(store: S3EvidenceStore, pkg: string, expiresInSeconds: number, now: () => Date = () => new Date()): Promise<ShareResult> {
  let key: string;
  let versionId: string | undefined;
  let uploaded = false;
  const local = await stat(pkg).catch(() => undefined);
  if (local?.isFile()) {
    if (local.size > MAX_SINGLE_PUT_BYTES) throw new EvidenceLockerError(`${pkg}: ${local.size} bytes is more than one S3 PutObject accepts (5 GiB)`, { hint: 'package a shorter period or fewer accounts' });
    await store.preflight();
    key = `${store.prefix}packages/${basename(pkg)}`;
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(pkg)) {
      sha.update(chunk as Buffer);
      md5.update(chunk as Buffer);
    }
    const checksum = sha.digest('base64');
    const head = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key, ChecksumMode: 'ENABLED' })).catch(() => undefined);
    if (head?.ChecksumSHA256 === checksum && head.ContentLength === local.size) {
      versionId = head.VersionId;
    } else {
      const put = await store.client.send(
        new PutObjectCommand({
          Bucket: store.bucket,
          Key: key,
          Body: createReadStream(pkg),
          ContentLength: local.size,
          ContentType: 'application/zip',
          ContentMD5: md5.digest('base64'),
          ChecksumSHA256: checksum,
          ObjectLockMode: store.mode,
          ObjectLockRetainUntilDate: store.retainUntilFor(now()),
        }),
      );
      versionId = put.VersionId;
      uploaded = true;
    }
  } else {
    key = pkg.startsWith(store.prefix) ? pkg : `${store.prefix}packages/${pkg}`;
    const head = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key })).catch((err: Error) => {
      throw new ConfigError(`${pkg}: not a local file, and s3://${store.bucket}/${key} cannot be read (${err.name})`, 'give the path of a package zip, or the file name of a package already shared');
    });
    versionId = head.VersionId;
  }
  const url = await getSignedUrl(store.client, new GetObjectCommand({ Bucket: store.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }), { expiresIn: expiresInSeconds });
  return { url, bucket: store.bucket, key, ...(versionId ? { versionId } : {}), expiresAt: new Date(now().getTime() + expiresInSeconds * 1000).toISOString(), uploaded };
}
