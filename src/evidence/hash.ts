import { createHash } from 'node:crypto';
import { EvidenceLockerError } from '../errors.js';

/** The one hashing helper: SHA-256, lowercase hex. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256Base64(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64');
}

export function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new EvidenceLockerError(`"${sha256}" is not a lowercase hex SHA-256 digest`);
}
