import { createWriteStream } from 'node:fs';
import { mkdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform, pipeline as pipe, type Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { VerificationError } from '../errors.js';
import { publicKeyFingerprint, verifiedScheme } from '../seal/verify-signature.js';
import { zipLayoutProblems } from './zip-layout.js';

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
  // Package names are plain ASCII paths; a control character (ESC, CR, a line break) only serves to rewrite what a
  // terminal shows of the name, or of the lines printed after it.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0001-\u001f\u007f-\u009f]/.test(name)) return 'control character in name';
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

/** Bytes a package-level file outside the manifest's list (SHA256SUMS, manifest.sig) may take per archive entry. */
const UNLISTED_BYTES_PER_ENTRY = 256;
/** Bytes manifest.json may take per archive entry: each file it lists is one short JSON object. */
const MANIFEST_BYTES_PER_ENTRY = 1024;
const BASE_ALLOWANCE = 1024 * 1024;

/**
 * An entry's uncompressed bytes, inflated here rather than by yauzl: the stream fails unless the deflate stream ends
 * exactly at the entry's compressed size (zlib stops at the end of a deflate stream and ignores what follows, where a
 * streaming extractor, which finds the end of an entry with a data descriptor that way, would read a hidden entry) and
 * unless it gives exactly the entry's size (checked by yauzl only for deflated entries).
 */
async function openEntryData(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  const raw = await zip.openReadStreamPromise(entry, { decodeFileData: false });
  let produced = 0;
  const sized = (inflater?: { bytesWritten: number }) =>
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        produced += chunk.length;
        if (produced > entry.uncompressedSize) cb(new Error(`more than the ${entry.uncompressedSize} bytes the central directory lists`));
        else cb(null, chunk);
      },
      flush(cb) {
        if (inflater && inflater.bytesWritten !== entry.compressedSize) {
          cb(new Error(`its deflate stream ends after ${inflater.bytesWritten} of its ${entry.compressedSize} compressed bytes; the ${entry.compressedSize - inflater.bytesWritten} bytes after it are hidden from this verifier but not from a streaming extractor`));
        } else if (produced !== entry.uncompressedSize) cb(new Error(`${produced} bytes, the central directory lists ${entry.uncompressedSize}`));
        else cb();
      },
    });
  if (entry.compressionMethod === 0) return pipe(raw, sized(), () => undefined);
  if (entry.compressionMethod !== 8) throw new Error(`unsupported compression method ${entry.compressionMethod}`);
  const inflate = createInflateRaw();
  return pipe(raw, inflate, sized(inflate), () => undefined);
}

async function readEntry(zip: yauzl.ZipFile, zipPath: string, entry: yauzl.Entry, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let crc = 0;
  try {
    const stream = await openEntryData(zip, entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      crc = crc32(chunk, crc);
    }
  } catch (err) {
    throw new VerificationError(`${zipPath}: entry ${name} is corrupt (${(err as Error).message})`, 'obtain the package again from its source');
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new VerificationError(`${zipPath}: entry ${name} is corrupt (CRC-32 mismatch)`, 'obtain the package again from its source');
  return Buffer.concat(chunks);
}

/** The sizes manifest.json lists by path, or undefined when it is not a readable list (the verifier then names why). */
function listedSizes(bytes: Buffer): Map<string, number> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const files = (parsed as { files?: unknown })?.files;
  if (!Array.isArray(files)) return undefined;
  const sizes = new Map<string, number>();
  for (const f of files as { path?: unknown; size?: unknown }[]) {
    if (typeof f?.path === 'string' && typeof f.size === 'number') sizes.set(f.path, f.size);
  }
  return sizes;
}

/** Why, with keys pinned, manifest.json cannot vouch for the sizes of what is extracted. */
export interface UntrustedManifest {
  why: string;
  /** The fingerprint of the package's public-key.pem, when it could be read. */
  keyFingerprint?: string;
  /** The key is pinned (its signature did not verify) rather than foreign. */
  keyPinned: boolean;
}

/**
 * Refused with keys pinned: an entry is larger than the allowance for a file without a trusted size, and manifest.json,
 * which would list its size, is not signed by a pinned key. `verifyPackage` reports it as a failed verification.
 */
export class UntrustedSizesError extends VerificationError {
  constructor(
    message: string,
    readonly untrusted: UntrustedManifest,
  ) {
    super(message, 'confirm the signing key fingerprint with the organisation; a package signed by another key is not theirs');
    this.name = 'UntrustedSizesError';
  }
}

/**
 * Why manifest.json's sizes cannot be trusted with keys pinned, or undefined when a pinned key (public-key.pem's
 * fingerprint) signed its bytes (manifest.sig), checked under the schemes the key's own type allows.
 */
async function notSignedByPinnedKey(zip: yauzl.ZipFile, zipPath: string, entries: { entry: yauzl.Entry; name: string }[], manifest: Buffer, expected: ReadonlySet<string>, limit: number): Promise<UntrustedManifest | undefined> {
  const read = async (name: string) => {
    const e = entries.find((x) => x.name === name);
    return e && e.entry.uncompressedSize <= limit ? readEntry(zip, zipPath, e.entry, name) : undefined;
  };
  const [pem, sig] = [await read('public-key.pem'), await read('manifest.sig')];
  if (!pem || !sig) return { why: 'manifest.json is not signed by a pinned key (public-key.pem or manifest.sig is missing or too large)', keyPinned: false };
  let fp: string;
  try {
    fp = publicKeyFingerprint(pem.toString('utf8'));
  } catch {
    return { why: 'manifest.json is not signed by a pinned key (public-key.pem is not a readable public key)', keyPinned: false };
  }
  if (!expected.has(fp)) return { why: `manifest.json is signed with key ${fp}, which is not one of the expected keys`, keyFingerprint: fp, keyPinned: false };
  if (!verifiedScheme(manifest, sig, pem.toString('utf8'))) return { why: `manifest.sig does not verify over manifest.json with the expected key ${fp}`, keyFingerprint: fp, keyPinned: true };
  return undefined;
}

/**
 * Declared sizes checked against the package's manifest before anything is extracted: the central directory is read
 * first, then manifest.json (itself bounded by the number of entries), and any entry declaring more bytes than the
 * manifest lists for it is refused at once. Files the manifest cannot list (SHA256SUMS, manifest.sig), and every file
 * when there is no readable manifest, get a small allowance that grows with the number of entries.
 * manifest.json is not signed for this check unless keys are pinned: with `expectedKeys` its sizes are trusted only
 * once a pinned key's signature over it verifies (otherwise every file gets the small allowance), so a few megabytes
 * of zip cannot make the verifier write gigabytes. Unpinned, whoever edits the manifest chooses the sizes, and only
 * the limits (`UnzipLimits`) bound what is written.
 */
async function sizesBeyondManifest(zip: yauzl.ZipFile, zipPath: string, entries: { entry: yauzl.Entry; name: string }[], expectedKeys?: ReadonlySet<string>): Promise<{ problems: string[]; untrusted?: UntrustedManifest }> {
  const problems: string[] = [];
  const unlistedLimit = BASE_ALLOWANCE + UNLISTED_BYTES_PER_ENTRY * entries.length;
  const manifestLimit = BASE_ALLOWANCE + MANIFEST_BYTES_PER_ENTRY * entries.length;
  const manifest = entries.find((e) => e.name === 'manifest.json');
  let sizes: Map<string, number> | undefined;
  let untrusted: UntrustedManifest | undefined;
  if (manifest) {
    if (manifest.entry.uncompressedSize > manifestLimit) return { problems: [`manifest.json: declares ${manifest.entry.uncompressedSize} bytes, more than a manifest of ${entries.length} entries needs (${manifestLimit})`] };
    const bytes = await readEntry(zip, zipPath, manifest.entry, manifest.name);
    untrusted = expectedKeys?.size ? await notSignedByPinnedKey(zip, zipPath, entries, bytes, expectedKeys, unlistedLimit) : undefined;
    if (!untrusted) sizes = listedSizes(bytes);
  }
  for (const { entry, name } of entries) {
    if (entry === manifest?.entry) continue;
    const listed = sizes?.get(name);
    if (listed !== undefined) {
      if (entry.uncompressedSize > listed) problems.push(`${name}: declares ${entry.uncompressedSize} bytes uncompressed, manifest.json lists ${listed}`);
    } else if (entry.uncompressedSize > unlistedLimit) {
      const why = untrusted ? `${untrusted.why}, so the sizes it lists are not trusted (keys are pinned)` : sizes ? 'is not listed in manifest.json' : 'there is no readable manifest.json';
      problems.push(`${name}: declares ${entry.uncompressedSize} bytes uncompressed and ${why}; at most ${unlistedLimit} bytes are allowed for such a file`);
    }
  }
  return { problems, ...(untrusted ? { untrusted } : {}) };
}

/**
 * Extracts a package zip into `dest` (an empty folder), refusing anything unsafe before writing a byte:
 * bytes the central directory does not account for (local entries that do not tile the file, see zip-layout.ts),
 * names escaping the folder, absolute paths, symbolic links, directory entries, duplicate names, too many or too
 * large entries, and entries declaring more bytes than the package's manifest lists for them (with `expectedKeys`,
 * fingerprints pinned out of band, the manifest's sizes count only when a pinned key signed it). An entry whose
 * deflate stream ends before its compressed size is refused when it is read (partial output is removed by the caller).
 * A truncated or corrupt zip is a VerificationError (exit 1) that says so.
 */
export async function extractPackageZip(zipPath: string, dest: string, limits: UnzipLimits = DEFAULT_UNZIP_LIMITS, expectedKeys?: ReadonlySet<string>): Promise<string[]> {
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
    // Folded as case-insensitive file systems compare names: letter case, and Unicode normalisation (macOS takes
    // "é" as one character and as "e" plus a combining accent for the same file), so one entry cannot overwrite another.
    const fold = (name: string) => name.normalize('NFC').toLowerCase();
    /** Directory entries without data, named together after the walk. */
    const folders: string[] = [];
    let total = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        const name = decodeName(entry.fileName as unknown as Buffer | string, entry.generalPurposeBitFlag);
        const why = unsafeEntryName(name);
        const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
        const madeByUnix = entry.versionMadeBy >> 8 === 3;
        if (why) problems.push(`${JSON.stringify(name)}: ${why}`);
        // Packages hold files only (src/package/zip.ts writes no directory entries): a folder entry is listed nowhere in
        // the signed manifest, and one carrying data would be silently dropped by every extractor.
        else if (name.endsWith('/') && entry.uncompressedSize > 0) problems.push(`${name}: a directory entry (name ends in "/") carrying ${entry.uncompressedSize} bytes of data, which no extractor would write`);
        else if (name.endsWith('/')) folders.push(name);
        else if (madeByUnix && (mode & S_IFMT) === S_IFLNK) problems.push(`${name}: symbolic link entries are not allowed`);
        // No file-type bits (Python's zipfile writes only the permissions) is a regular file; other types are refused.
        else if (madeByUnix && (mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG) problems.push(`${name}: not a regular file (mode ${mode.toString(8)})`);
        else if (seen.has(name)) problems.push(`${name}: duplicate entry name`);
        else if (seenFolded.has(fold(name))) problems.push(`${name}: differs only in letter case or Unicode normalisation from ${seenFolded.get(fold(name))} (would collide on case- or normalisation-insensitive file systems)`);
        else if (entry.uncompressedSize > limits.maxEntryBytes) problems.push(`${name}: ${entry.uncompressedSize} bytes uncompressed, more than the limit of ${limits.maxEntryBytes}`);
        seen.add(name);
        seenFolded.set(fold(name), name);
        total += entry.uncompressedSize;
        entries.push({ entry, name });
      }
    } catch (err) {
      if (err instanceof VerificationError) throw err;
      throw new VerificationError(`${zipPath}: the zip directory cannot be read (${(err as Error).message}); the file is truncated or corrupt`, 'obtain the package again from its source');
    }
    // Before anything else is read: the central directory this verifier reads must account for every byte a
    // streaming extractor would read (src/verify/zip-layout.ts).
    const layout = zipLayoutProblems(zipPath, entries);
    if (layout.length) {
      throw new VerificationError(
        `${zipPath}: INVALID, refusing to extract: the zip holds bytes its central directory does not account for, so another extractor could write files this check never saw: ${layout.join('; ')}`,
        'obtain (re-download) the package again from its source and compare its SHA-256 with the one you were given; do not extract this file with any tool',
      );
    }
    if (folders.length) {
      const some = folders.length > 5 ? `${folders.slice(0, 5).join(', ')} and ${folders.length - 5} more` : folders.join(', ');
      problems.push(
        `${some}: ${folders.length === 1 ? 'a directory entry' : `${folders.length} directory entries`} (name ends in "/"); packages hold no directory entries and the signed manifest lists no folder (a zip re-made with a standard zip tool has them: verify the zip as you received it, or the unzipped folder)`,
      );
    }
    // A file whose name is also the folder of another entry ("report.pdf" and "report.pdf/x"): no extractor can write
    // both. Compared folded, as the case check above is, so "Report.pdf" and "report.pdf/x" are refused too.
    const asFolder = new Set<string>();
    for (const { name } of entries) {
      for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
        const folder = name.slice(0, i);
        const file = seenFolded.get(fold(folder));
        if (file !== undefined && !asFolder.has(file)) {
          asFolder.add(file);
          problems.push(`${file}: a file entry, but entry ${name} also uses it as a folder; both cannot be extracted`);
        }
      }
    }
    if (total > limits.maxTotalBytes) problems.push(`archive: ${total} bytes uncompressed in total, more than the limit of ${limits.maxTotalBytes}`);
    let untrusted: UntrustedManifest | undefined;
    if (!problems.length) {
      const sized = await sizesBeyondManifest(zip, zipPath, entries, expectedKeys);
      problems.push(...sized.problems);
      untrusted = sized.untrusted;
    }
    if (problems.length && untrusted) throw new UntrustedSizesError(`${zipPath}: refusing to extract; unsafe entries: ${problems.join('; ')}`, untrusted);
    if (problems.length) {
      // One line, so the CLI's one-line error names every unsafe entry.
      throw new VerificationError(`${zipPath}: refusing to extract; unsafe entries: ${problems.join('; ')}`, 'this archive was not produced by evidence-locker or was altered; nothing was extracted');
    }

    const root = resolve(dest);
    const existed = await stat(root).then(
      () => true,
      () => false,
    );
    await mkdir(root, { recursive: true });
    const made = new Set<string>([root]);
    const files: string[] = [];
    try {
      for (const { entry, name } of entries) {
        const target = resolve(join(root, ...name.split('/')));
        if (!target.startsWith(root + sep)) throw new VerificationError(`${name}: resolves outside the extraction folder`);
        if (!made.has(dirname(target))) {
          await mkdir(dirname(target), { recursive: true });
          made.add(dirname(target));
        }
        let stream;
        try {
          stream = await openEntryData(zip, entry);
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
          files.push(target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') files.push(target);
          if (err instanceof VerificationError) throw err;
          throw new VerificationError(`${zipPath}: entry ${name} is corrupt (${(err as Error).message})`, 'obtain the package again from its source');
        }
      }
    } catch (err) {
      // An entry refused while it is read (its CRC-32, its size, bytes after its deflate stream): nothing stays behind.
      if (!existed) await rm(root, { recursive: true, force: true });
      else {
        for (const f of files) await rm(f, { force: true });
        // Folders made for the entries, deepest first, each only if empty (the extraction folder itself stays).
        const folders = new Set<string>();
        for (let d of made) for (; d.startsWith(root + sep); d = dirname(d)) folders.add(d);
        for (const d of [...folders].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
      }
      throw err;
    }
    return entries.map((e) => e.name);
  } finally {
    zip.close();
  }
}
