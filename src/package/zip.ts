import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
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

const READ_AHEAD = 16;

/** Where an entry's bytes come from: held in memory, a file on disk, or fetched only when the zip reaches it. */
export type ZipSource = { buffer: Buffer } | { file: string } | { size: number; fetch: () => Promise<Buffer> };

/**
 * Writes a zip of `entries` in byte order of their paths, with fixed timestamps and modes: the same content
 * always gives the same bytes. Fetched entries are read one at a time as the zip reaches them, so memory does
 * not grow with the number of files. The zip is written under a temporary name next to `zipPath` and renamed
 * into place only when complete.
 */
export async function writeDeterministicZip(entries: Map<string, ZipSource>, zipPath: string, at: string): Promise<void> {
  const zip = new ZipFile();
  const mtime = zipTimestamp(at);
  const opts = { mtime, mode: 0o100644, compress: true, compressionLevel: 6, forceDosTimestamp: true };
  const tmp = `${zipPath}.partial-${process.pid}`;
  const paths = [...entries.keys()].sort(compareCodeUnits);
  // Read-ahead: while one entry is compressed the next few are already being fetched (bounded memory).
  const inflight = new Map<number, Promise<Buffer>>();
  const fetchAt = (i: number): Promise<Buffer> => {
    for (let j = i; j < Math.min(paths.length, i + READ_AHEAD); j++) {
      const s = entries.get(paths[j])!;
      if (!inflight.has(j) && 'fetch' in s) {
        const p = s.fetch();
        p.catch(() => undefined); // surfaced when the zip reaches the entry
        inflight.set(j, p);
      }
    }
    const p = inflight.get(i)!;
    inflight.delete(i);
    return p;
  };
  paths.forEach((path, i) => {
    const src = entries.get(path)!;
    if ('buffer' in src) zip.addBuffer(src.buffer, path, opts);
    else if ('file' in src) zip.addFile(src.file, path, opts);
    else {
      zip.addReadStreamLazy(path, { ...opts, size: src.size }, (cb) => {
        fetchAt(i).then(
          (b) => cb(null, Readable.from([b])),
          (err: unknown) => cb(err, undefined as unknown as Readable),
        );
      });
    }
  });
  zip.on('error', (err: Error) => (zip.outputStream as unknown as { destroy(e: Error): void }).destroy(err));
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
