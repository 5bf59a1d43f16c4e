import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { VerificationError } from '../errors.js';

export interface UnzipLimits {
  maxEntries: number;
  /** Largest uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Largest uncompressed size of all entries together. */
  maxTotalBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxEntries: 2_000_000,
  maxEntryBytes: 2 * 1024 ** 3,
  maxTotalBytes: 64 * 1024 ** 3,
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** Why an entry name is unsafe to extract, or undefined when it is a plain relative path. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.includes('\u0000')) return 'NUL character in name';
  if (name.includes('\\')) return 'backslash in name (Windows path separators are not allowed)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..')) return 'path escapes the package folder (..)';
  if (parts.some((p) => p === '' || p === '.')) return 'empty or "." path segment';
  return undefined;
}

function decodeName(raw: Buffer | string, flags: number): string {
  if (typeof raw === 'string') return raw;
  // Bit 11: UTF-8 names. Packages are always written that way; other names are read as Latin-1 to show them.
  return flags & 0x800 ? raw.toString('utf8') : raw.toString('latin1');
}

/**
 * Extracts a package zip into `dest` (an empty folder), refusing anything unsafe before writing a byte:
 * names escaping the folder, absolute paths, symbolic links, duplicate names, too many or too large entries.
 * A truncated or corrupt zip is a VerificationError (exit 1) that says so.
 */
export async function extractPackageZip(zipPath: string, dest: string, limits: UnzipLimits = DEFAULT_UNZIP_LIMITS): Promise<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    throw new VerificationError(`${zipPath}: not a readable zip archive (${(err as Error).message}); the file is truncated or corrupt`, 'obtain the package again from its source and compare its SHA-256 with the one you were given');
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new VerificationError(`${zipPath}: ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`, 'this is not a package built by evidence-locker, or it was padded; do not extract it');
    }
    const entries: { entry: yauzl.Entry; name: string }[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    const seenFolded = new Map<string, string>();
    let total = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        const name = decodeName(entry.fileName as unknown as Buffer | string, entry.generalPurposeBitFlag);
        const why = unsafeEntryName(name);
        const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
        const madeByUnix = entry.versionMadeBy >> 8 === 3;
        if (why) problems.push(`${JSON.stringify(name)}: ${why}`);
        else if (madeByUnix && (mode & S_IFMT) === S_IFLNK) problems.push(`${name}: symbolic link entries are not allowed`);
        else if (madeByUnix && mode !== 0 && (mode & S_IFMT) !== S_IFREG && !name.endsWith('/')) problems.push(`${name}: not a regular file (mode ${mode.toString(8)})`);
        else if (seen.has(name)) problems.push(`${name}: duplicate entry name`);
        else if (seenFolded.has(name.toLowerCase())) problems.push(`${name}: differs only in letter case from ${seenFolded.get(name.toLowerCase())} (would collide on case-insensitive file systems)`);
        else if (entry.uncompressedSize > limits.maxEntryBytes) problems.push(`${name}: ${entry.uncompressedSize} bytes uncompressed, more than the limit of ${limits.maxEntryBytes}`);
        seen.add(name);
        seenFolded.set(name.toLowerCase(), name);
        total += entry.uncompressedSize;
        if (!name.endsWith('/')) entries.push({ entry, name });
      }
    } catch (err) {
      if (err instanceof VerificationError) throw err;
      throw new VerificationError(`${zipPath}: the zip directory cannot be read (${(err as Error).message}); the file is truncated or corrupt`, 'obtain the package again from its source');
    }
    if (total > limits.maxTotalBytes) problems.push(`archive: ${total} bytes uncompressed in total, more than the limit of ${limits.maxTotalBytes}`);
    if (problems.length) {
      // One line, so the CLI's one-line error names every unsafe entry.
      throw new VerificationError(`${zipPath}: refusing to extract; unsafe entries: ${problems.join('; ')}`, 'this archive was not produced by evidence-locker or was altered; nothing was extracted');
    }

    const root = resolve(dest);
    await mkdir(root, { recursive: true });
    const made = new Set<string>([root]);
    for (const { entry, name } of entries) {
      const target = resolve(join(root, ...name.split('/')));
      if (!target.startsWith(root + sep)) throw new VerificationError(`${name}: resolves outside the extraction folder`);
      if (!made.has(dirname(target))) {
        await mkdir(dirname(target), { recursive: true });
        made.add(dirname(target));
      }
      let stream;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (err) {
        throw new VerificationError(`${zipPath}: entry ${name} cannot be read (${(err as Error).message}); the archive is corrupt`, 'obtain the package again from its source');
      }
      let written = 0;
      let crc = 0;
      // yauzl checks sizes but not the CRC-32; a flipped data byte must not extract silently.
      const limit = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          crc = crc32(chunk, crc);
          if (written > limits.maxEntryBytes) cb(new VerificationError(`${name}: expands beyond ${limits.maxEntryBytes} bytes`));
          else cb(null, chunk);
        },
        flush(cb) {
          if (crc >>> 0 !== entry.crc32 >>> 0) cb(new VerificationError(`${zipPath}: entry ${name} is corrupt (CRC-32 mismatch)`, 'obtain the package again from its source'));
          else cb();
        },
      });
      try {
        // 'wx': never overwrite; a second entry with the same path would already have been refused above.
        await pipeline(stream, limit, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
      } catch (err) {
        if (err instanceof VerificationError) throw err;
        throw new VerificationError(`${zipPath}: entry ${name} is corrupt (${(err as Error).message})`, 'obtain the package again from its source');
      }
    }
    return entries.map((e) => e.name);
  } finally {
    zip.close();
  }
}
