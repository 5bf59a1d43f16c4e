import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { CENTRAL_HEADER, DATA_DESCRIPTOR, EOCD, FLAG_DESCRIPTOR, FLAG_UTF8, LOCAL_HEADER, ZIP64_EOCD, ZIP64_EXTRA, ZIP64_LOCATOR } from './zip-format.js';

const deflateRaw = promisify(zlib.deflateRaw);

/** DOS date and time fields from the UTC fields of `at`, clamped to the range DOS can hold (1980-2107). */
function dosDateTime(at: string): { date: number; time: number } {
  let t = Date.parse(at);
  t = Math.min(Math.max(t, Date.UTC(1980, 0, 1)), Date.UTC(2107, 11, 31, 23, 59, 58));
  const d = new Date(t);
  return {
    date: d.getUTCDate() | ((d.getUTCMonth() + 1) << 5) | ((d.getUTCFullYear() - 1980) << 9),
    time: Math.floor(d.getUTCSeconds() / 2) | (d.getUTCMinutes() << 5) | (d.getUTCHours() << 11),
  };
}

const READ_AHEAD = 16;
/** In-memory entries larger than this are compressed on the thread pool rather than on the main thread. */
const SYNC_DEFLATE_MAX = 1 << 20;

/** Where an entry's bytes come from: held in memory, a file on disk, or fetched only when the zip reaches it. */
export type ZipSource = { buffer: Buffer } | { file: string } | { size: number; fetch: () => Promise<Buffer> };

export interface ZipEntry {
  path: string;
  source: ZipSource;
}

const VERSION_MADE_BY = (3 << 8) | 63; // unix, spec 6.3: external attributes carry the mode
const VERSION_UTF8 = 20;
const VERSION_ZIP64 = 45;
const DEFLATE = 8;
const MODE = 0o100644;
const U32_LIMIT = 0xfffffffe;

/** Sequential writer that keeps the byte offset and honours back-pressure. */
class Output {
  offset = 0;
  constructor(readonly stream: WriteStream) {}
  async write(b: Buffer): Promise<void> {
    this.offset += b.length;
    if (!this.stream.write(b)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())));
  }
}

function u64(b: Buffer, n: number, at: number): void {
  b.writeUInt32LE(n % 0x100000000, at);
  b.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
}

/**
 * Writes a zip of `entries` in byte order of their paths, with fixed timestamps and modes: the same content always
 * gives the same bytes. Entries are streamed: fetched ones are read a few ahead of the writer, compressed and written
 * one at a time, and the central directory goes to a scratch file beside the zip, so memory does not grow with the
 * number of files. Entries held in memory or fetched carry their sizes in the local header; files on disk are
 * streamed with a data descriptor after their data. ZIP64 records are used past 65,534 entries or 4 GiB.
 * The zip is written under a temporary name next to `zipPath` and renamed into place only when complete.
 *
 * `entries` is a Map (sorted here) or an iterable already in byte order of path (checked).
 *
 * Why this writer is our own: at 100,000 entries the zip libraries we measured do not stream. yazl rescans its whole
 * entry list after each entry (quadratic: about 100 s for a 100k-record package) and keeps an object per entry;
 * archiver 7 peaked above 1 GB RSS for 100k small entries even when each append waited for the previous one.
 * Reading still uses yauzl (src/verify/unzip.ts), whose lazy-entry mode streams.
 */
export async function writeDeterministicZip(entries: Map<string, ZipSource> | Iterable<ZipEntry>, zipPath: string, at: string): Promise<void> {
  const ordered: Iterable<ZipEntry> =
    entries instanceof Map ? [...entries.keys()].sort(compareCodeUnits).map((path) => ({ path, source: entries.get(path)! })) : entries;
  const { date, time } = dosDateTime(at);
  const tmp = `${zipPath}.partial-${process.pid}`;
  const cdTmp = `${zipPath}.central-${process.pid}`;
  const out = new Output(createWriteStream(tmp, { mode: 0o644 }));
  const cd = new Output(createWriteStream(cdTmp, { mode: 0o600 }));
  let count = 0;
  let previous: string | undefined;

  // Read-ahead: the next few fetched entries are already on their way while one is compressed and written.
  const iterator = ordered[Symbol.iterator]();
  const queue: { entry: ZipEntry; data?: Promise<Buffer> }[] = [];
  const refill = () => {
    while (queue.length < READ_AHEAD) {
      const n = iterator.next();
      if (n.done) return;
      const entry = n.value;
      const data = 'fetch' in entry.source ? entry.source.fetch() : undefined;
      data?.catch(() => undefined); // surfaced when the writer reaches the entry
      queue.push({ entry, data });
    }
  };

  try {
    for (refill(); queue.length; refill()) {
      const { entry, data } = queue.shift()!;
      const { path, source } = entry;
      if (previous !== undefined && compareCodeUnits(previous, path) >= 0) throw new Error(`zip entries out of order or repeated: ${previous} then ${path}`);
      previous = path;
      const name = Buffer.from(path, 'utf8');
      const offset = out.offset;
      let crc: number;
      let size: number;
      let compressedSize: number;
      let flags = FLAG_UTF8;
      if ('file' in source) {
        flags |= FLAG_DESCRIPTOR;
        await out.write(Buffer.concat([localHeader(flags, date, time, 0, 0, 0, name.length), name]));
        ({ crc, size, compressedSize } = await streamFile(source.file, out));
        const zip64 = size > U32_LIMIT || compressedSize > U32_LIMIT || offset > U32_LIMIT;
        const dd = Buffer.alloc(zip64 ? 24 : 16);
        dd.writeUInt32LE(DATA_DESCRIPTOR, 0);
        dd.writeUInt32LE(crc, 4);
        if (zip64) {
          u64(dd, compressedSize, 8);
          u64(dd, size, 16);
        } else {
          dd.writeUInt32LE(compressedSize, 8);
          dd.writeUInt32LE(size, 12);
        }
        await out.write(dd);
      } else {
        const raw = 'buffer' in source ? source.buffer : await data!;
        if (!('buffer' in source) && raw.length !== source.size) throw new Error(`zip entry ${path}: expected ${source.size} bytes, got ${raw.length}`);
        const compressed = raw.length > SYNC_DEFLATE_MAX ? await deflateRaw(raw, { level: 6 }) : zlib.deflateRawSync(raw, { level: 6 });
        crc = zlib.crc32(raw) >>> 0;
        size = raw.length;
        compressedSize = compressed.length;
        await out.write(Buffer.concat([localHeader(flags, date, time, crc, compressedSize, size, name.length), name]));
        await out.write(compressed);
      }
      await cd.write(centralRecord(flags, date, time, crc, compressedSize, size, offset, name));
      count++;
    }
    await cd.close();
    const cdStart = out.offset;
    for await (const chunk of createReadStream(cdTmp, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer);
    await out.write(endOfCentralDirectory(count, out.offset - cdStart, cdStart, out.offset));
    await out.close();
    await rename(tmp, zipPath);
  } catch (err) {
    // A stream destroyed while its file is still being opened creates the file afterwards: wait until both are
    // closed, or the partial file could appear after it was removed.
    // finished() settles on close or error, and at once for a stream already closed; a write still queued when the
    // stream is destroyed errors, which is expected here and not the failure to report.
    const closed = (st: WriteStream) =>
      new Promise<void>((resolve) => {
        st.on('error', () => undefined);
        finished(st, () => resolve());
        st.destroy();
      });
    await Promise.all([closed(out.stream), closed(cd.stream)]);
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await rm(cdTmp, { force: true });
  }
}

function localHeader(flags: number, date: number, time: number, crc: number, compressedSize: number, size: number, nameLength: number): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(LOCAL_HEADER, 0);
  b.writeUInt16LE(VERSION_UTF8, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt16LE(DEFLATE, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  b.writeUInt32LE(crc, 14);
  b.writeUInt32LE(compressedSize, 18);
  b.writeUInt32LE(size, 22);
  b.writeUInt16LE(nameLength, 26);
  b.writeUInt16LE(0, 28);
  return b;
}

function centralRecord(flags: number, date: number, time: number, crc: number, compressedSize: number, size: number, offset: number, name: Buffer): Buffer {
  const zip64 = size > U32_LIMIT || compressedSize > U32_LIMIT || offset > U32_LIMIT;
  const b = Buffer.alloc(46 + name.length + (zip64 ? 28 : 0));
  b.writeUInt32LE(CENTRAL_HEADER, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_UTF8, 6);
  b.writeUInt16LE(flags, 8);
  b.writeUInt16LE(DEFLATE, 10);
  b.writeUInt16LE(time, 12);
  b.writeUInt16LE(date, 14);
  b.writeUInt32LE(crc, 16);
  b.writeUInt32LE(zip64 ? 0xffffffff : compressedSize, 20);
  b.writeUInt32LE(zip64 ? 0xffffffff : size, 24);
  b.writeUInt16LE(name.length, 28);
  b.writeUInt16LE(zip64 ? 28 : 0, 30);
  b.writeUInt16LE(0, 32); // comment length
  b.writeUInt16LE(0, 34); // disk
  b.writeUInt16LE(0, 36); // internal attributes
  b.writeUInt32LE((MODE << 16) >>> 0, 38);
  b.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
  name.copy(b, 46);
  if (zip64) {
    const x = 46 + name.length;
    b.writeUInt16LE(ZIP64_EXTRA, x);
    b.writeUInt16LE(24, x + 2);
    u64(b, size, x + 4);
    u64(b, compressedSize, x + 12);
    u64(b, offset, x + 20);
  }
  return b;
}

function endOfCentralDirectory(count: number, cdSize: number, cdStart: number, zip64RecordAt: number): Buffer {
  const zip64 = count >= 0xffff || cdSize >= 0xffffffff || cdStart >= 0xffffffff;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(cdSize >= 0xffffffff ? 0xffffffff : cdSize, 12);
  eocd.writeUInt32LE(cdStart >= 0xffffffff ? 0xffffffff : cdStart, 16);
  if (!zip64) return eocd;
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(ZIP64_EOCD, 0);
  u64(rec, 44, 4);
  rec.writeUInt16LE(VERSION_MADE_BY, 12);
  rec.writeUInt16LE(VERSION_ZIP64, 14);
  u64(rec, count, 24);
  u64(rec, count, 32);
  u64(rec, cdSize, 40);
  u64(rec, cdStart, 48);
  const loc = Buffer.alloc(20);
  loc.writeUInt32LE(ZIP64_LOCATOR, 0);
  u64(loc, zip64RecordAt, 8);
  loc.writeUInt32LE(1, 16);
  return Buffer.concat([rec, loc, eocd]);
}

/** Streams a file through CRC-32 and deflate into the zip. */
async function streamFile(file: string, out: Output): Promise<{ crc: number; size: number; compressedSize: number }> {
  const deflate = zlib.createDeflateRaw({ level: 6 });
  let crc = 0;
  let size = 0;
  let compressedSize = 0;
  const feed = (async () => {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      crc = zlib.crc32(b, crc);
      size += b.length;
      if (!deflate.write(b)) await once(deflate, 'drain');
    }
    deflate.end();
  })();
  feed.catch((err: Error) => deflate.destroy(err));
  for await (const chunk of deflate) {
    compressedSize += (chunk as Buffer).length;
    await out.write(chunk as Buffer);
  }
  await feed;
  return { crc: crc >>> 0, size, compressedSize };
}

/** Byte order (not locale order): the same on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
