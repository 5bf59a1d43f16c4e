import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/**
 * DOS timestamps in zip headers are local wall-clock fields. Building the Date from the UTC fields of `at`
 * makes the stored fields equal the UTC time on every machine whatever its time zone, so bytes never vary.
 */
export function zipTimestamp(at: string): Date {
  const d = new Date(at);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/**
 * Writes a zip of `paths` (relative, '/'-separated) read from `root`, in sorted order, with fixed timestamps
 * and modes: the same files always give the same bytes. Files are streamed from disk one at a time.
 * The zip is written under a temporary name next to `zipPath` and renamed into place when complete.
 */
export async function writeDeterministicZip(root: string, paths: string[], zipPath: string, at: string): Promise<void> {
  const zip = new ZipFile();
  const mtime = zipTimestamp(at);
  const tmp = `${zipPath}.partial-${process.pid}`;
  const sorted = [...paths].sort(compareCodeUnits);
  for (const p of sorted) {
    zip.addFile(join(root, ...p.split('/')), p, { mtime, mode: 0o100644, compress: true, compressionLevel: 6, forceDosTimestamp: true });
  }
  zip.on('error', (err: Error) => (zip.outputStream as unknown as NodeJS.ReadWriteStream & { destroy(e: Error): void }).destroy(err));
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp, { mode: 0o644 }));
    await rename(tmp, zipPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Byte order (not locale order): the same on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
