import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

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

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
