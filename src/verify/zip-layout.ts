import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type yauzl from 'yauzl';

import { DATA_DESCRIPTOR, EOCD, FLAG_DESCRIPTOR, LOCAL_HEADER, UNICODE_PATH_EXTRA, ZIP64_EOCD, ZIP64_EXTRA, ZIP64_LOCATOR } from '../package/zip-format.js';
/** At most this many layout problems are named; the rest are counted. */
const MAX_NAMED = 8;

function u64(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x100000000;
}

function extraIds(raw: Buffer): number[] | undefined {
  const ids: number[] = [];
  for (let i = 0; i < raw.length; ) {
    if (i + 4 > raw.length) return undefined;
    ids.push(raw.readUInt16LE(i));
    i += 4 + raw.readUInt16LE(i + 2);
    if (i > raw.length) return undefined;
  }
  return ids;
}

/** The zip64 extra field (0x0001) of a local header: original then compressed size, when both are 0xFFFFFFFF. */
function localZip64Sizes(extra: Buffer): { size: number; compressedSize: number } | undefined {
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === ZIP64_EXTRA && len >= 16 && i + 4 + 16 <= extra.length) return { size: u64(extra, i + 4), compressedSize: u64(extra, i + 12) };
    i += 4 + len;
  }
  return undefined;
}

export interface LayoutEntry {
  entry: yauzl.Entry;
  name: string;
}

/**
 * Why the archive's bytes are not exactly the entries its central directory lists, or an empty list.
 *
 * A streaming extractor (bsdtar, `jar x`, Java's ZipInputStream, Python's streaming readers, some zip viewers) walks
 * the local headers from byte 0 and never reads the central directory, which is what yauzl (and this verifier) read.
 * Bytes the central directory does not account for can therefore hold files the verifier never saw but such a tool
 * writes. So the local entries must tile the file: the first local header at byte 0; each entry (local header, name,
 * extra field, compressed data, data descriptor when flag bit 3 is set) ending exactly where the next one by offset
 * begins; the last ending exactly where the central directory begins; the central directory (its records exactly its
 * declared size) followed only by the zip64 end records when present and the end-of-central-directory record, with no
 * comment (src/package/zip.ts writes none) and a comment length of 0. Each local header must agree with its central
 * record (name, flags, method, and CRC-32 and sizes when they are in the local header; the data descriptor's when
 * they are not), and no header may carry an Info-ZIP Unicode Path field (a second name some extractors use instead).
 * Whether a deflate stream ends exactly at the entry's compressed size is checked when the entry is read
 * (`openEntryData` in unzip.ts): bytes after it inside the entry are hidden the same way.
 */
export function zipLayoutProblems(zipPath: string, entries: readonly LayoutEntry[]): string[] {
  const problems: string[] = [];
  const fd = openSync(zipPath, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const read = (at: number, length: number): Buffer => {
      const b = Buffer.alloc(Math.max(0, Math.min(length, fileSize - at)));
      let got = 0;
      while (got < b.length) {
        const n = readSync(fd, b, got, b.length - got, at + got);
        if (n === 0) break;
        got += n;
      }
      return b.subarray(0, got);
    };

    // The end records: the end-of-central-directory record is the last 22 bytes (no comment, nothing after it).
    const eocdAt = fileSize - 22;
    const eocd = eocdAt >= 0 ? read(eocdAt, 22) : Buffer.alloc(0);
    if (eocd.length !== 22 || eocd.readUInt32LE(0) !== EOCD) {
      return [`the end-of-central-directory record is not the last 22 bytes of the file (${fileSize} bytes): there is a comment or data after it`];
    }
    // A real comment puts the record before the last 22 bytes and is refused just above. A record found here with a
    // comment length is one whose length field claims bytes the file does not have: damaged (yauzl refuses such a
    // file before extraction calls this check; a caller that opened the file otherwise is told what it holds).
    const commentLength = eocd.readUInt16LE(20);
    if (commentLength !== 0) problems.push(`the end-of-central-directory record (the last 22 bytes of the file) declares a ${commentLength}-byte archive comment, but no byte follows it: the record is damaged`);
    let cdStart = eocd.readUInt32LE(16);
    let cdSize = eocd.readUInt32LE(12);
    let cdEnd = eocdAt;
    let count = eocd.readUInt16LE(10);
    const locatorAt = eocdAt - 20;
    const locator = locatorAt >= 0 ? read(locatorAt, 20) : Buffer.alloc(0);
    if (locator.length === 20 && locator.readUInt32LE(0) === ZIP64_LOCATOR) {
      const recordAt = u64(locator, 8);
      const record = recordAt + 56 <= locatorAt ? read(recordAt, 56) : Buffer.alloc(0);
      if (record.length !== 56 || record.readUInt32LE(0) !== ZIP64_EOCD) return [`the zip64 end-of-central-directory locator at byte ${locatorAt} points at byte ${recordAt}, where there is no zip64 end-of-central-directory record`];
      const recordEnd = recordAt + 12 + u64(record, 4);
      if (recordEnd !== locatorAt) problems.push(`the zip64 end-of-central-directory record at byte ${recordAt} ends at byte ${recordEnd}, but its locator begins at byte ${locatorAt}`);
      cdStart = u64(record, 48);
      cdSize = u64(record, 40);
      count = u64(record, 32);
      cdEnd = recordAt;
    } else if (cdStart === 0xffffffff || cdSize === 0xffffffff || count === 0xffff) {
      return [`the end-of-central-directory record at byte ${eocdAt} asks for zip64 end records, and there are none`];
    }
    if (count !== entries.length) problems.push(`the end records count ${count} entries, the central directory holds ${entries.length}`);
    if (cdStart + cdSize !== cdEnd) {
      problems.push(`the central directory (byte ${cdStart}, ${cdSize} bytes) ends at byte ${cdStart + cdSize}, but the end records begin at byte ${cdEnd}: ${cdStart + cdSize < cdEnd ? `${cdEnd - cdStart - cdSize} bytes between them that no record accounts for` : 'they overlap'}`);
    }
    const recordBytes = entries.reduce((n, { entry }) => n + 46 + entry.fileNameLength + entry.extraFieldLength + entry.fileCommentLength, 0);
    if (recordBytes !== cdSize) problems.push(`the central directory's records take ${recordBytes} bytes, its declared size is ${cdSize}`);

    // The local entries, in file order, must tile bytes 0 .. cdStart.
    const ordered = [...entries].sort((a, b) => a.entry.relativeOffsetOfLocalHeader - b.entry.relativeOffsetOfLocalHeader);
    let expected = 0;
    let previous: string | undefined;
    let unplaced = false;
    for (const { entry, name } of ordered) {
      const at = entry.relativeOffsetOfLocalHeader;
      const label = `entry ${JSON.stringify(name)} (local header at byte ${at})`;
      if (at !== expected) {
        if (at > expected) {
          const where = previous === undefined ? 'before the first entry' : `after entry ${JSON.stringify(previous)}`;
          problems.push(`bytes ${expected}-${at - 1} ${where} are listed by no central directory record (a streaming extractor would read them as more files)`);
        } else {
          problems.push(`${label} overlaps ${previous === undefined ? 'the start of the file' : `entry ${JSON.stringify(previous)}, which ends at byte ${expected}`}`);
        }
      }
      const centralName = entry.fileNameRaw;
      const head = read(at, 30 + centralName.length);
      if (head.length < 30 || head.readUInt32LE(0) !== LOCAL_HEADER) {
        problems.push(`${label}: no local file header there`);
        unplaced = true;
        break; // nothing after it can be placed
      }
      const flags = head.readUInt16LE(6);
      const method = head.readUInt16LE(8);
      const nameLength = head.readUInt16LE(26);
      const extraLength = head.readUInt16LE(28);
      const localName = nameLength === centralName.length ? head.subarray(30, 30 + nameLength) : read(at + 30, nameLength);
      if (!localName.equals(centralName)) problems.push(`${label}: the local header names it ${JSON.stringify(localName.toString('utf8'))}, a different name from the central directory's (an extractor reading local headers would write that file)`);
      if (flags !== entry.generalPurposeBitFlag) problems.push(`${label}: local header flags 0x${flags.toString(16)} differ from the central directory's 0x${entry.generalPurposeBitFlag.toString(16)}`);
      if (method !== entry.compressionMethod) problems.push(`${label}: local header compression method ${method} differs from the central directory's ${entry.compressionMethod}`);
      if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) problems.push(`${label}: stored without compression, but its compressed size ${entry.compressedSize} is not its size ${entry.uncompressedSize}`);
      const localExtra = read(at + 30 + nameLength, extraLength);
      const ids = extraIds(localExtra);
      const centralIds = extraIds(entry.extraFieldRaw);
      if (!ids || !centralIds) problems.push(`${label}: a malformed extra field`);
      else if (ids.includes(UNICODE_PATH_EXTRA) || centralIds.includes(UNICODE_PATH_EXTRA)) problems.push(`${label}: carries an Info-ZIP Unicode Path field, a second name some extractors write instead of the one verified`);
      const crc = head.readUInt32LE(14);
      let localCompressed = head.readUInt32LE(18);
      let localSize = head.readUInt32LE(22);
      if (localCompressed === 0xffffffff || localSize === 0xffffffff) {
        const z = localZip64Sizes(localExtra);
        if (z) ({ size: localSize, compressedSize: localCompressed } = z);
      }
      const inHeader = !(flags & FLAG_DESCRIPTOR);
      // With a data descriptor the header's fields are zero (APPNOTE 4.4.4); some writers fill them in anyway.
      const zeroed = !inHeader && crc === 0 && localCompressed === 0 && localSize === 0;
      if (!zeroed && (crc !== entry.crc32 >>> 0 || localCompressed !== entry.compressedSize || localSize !== entry.uncompressedSize)) {
        problems.push(`${label}: the local header's CRC-32 or sizes (${localCompressed} compressed, ${localSize}) differ from the central directory's (${entry.compressedSize}, ${entry.uncompressedSize}); an extractor reading local headers would read a different entry`);
      }
      let end = at + 30 + nameLength + extraLength + entry.compressedSize;
      if (!inHeader) {
        // Signature optional (APPNOTE 4.3.9.3); 8-byte sizes when the entry is zip64 (its central record has field 0x0001).
        const zip64 = (centralIds ?? []).includes(ZIP64_EXTRA);
        const dd = read(end, 24);
        const sig = dd.length >= 4 && dd.readUInt32LE(0) === DATA_DESCRIPTOR ? 4 : 0;
        const length = sig + (zip64 ? 20 : 12);
        const ok =
          dd.length >= length &&
          dd.readUInt32LE(sig) === entry.crc32 >>> 0 &&
          (zip64 ? u64(dd, sig + 4) === entry.compressedSize && u64(dd, sig + 12) === entry.uncompressedSize : dd.readUInt32LE(sig + 4) === entry.compressedSize && dd.readUInt32LE(sig + 8) === entry.uncompressedSize);
        if (!ok) problems.push(`${label}: the data descriptor at byte ${end} does not hold the CRC-32 and sizes the central directory lists`);
        end += length;
      }
      expected = Math.max(expected, end);
      previous = name;
    }
    if (unplaced) {
      // The rest of the file is not placed: naming its bytes as "after the last entry" would blame the wrong entry.
    } else if (expected < cdStart) {
      problems.push(`bytes ${expected}-${cdStart - 1} ${previous === undefined ? 'before the central directory' : `after the last entry, ${JSON.stringify(previous)},`} are listed by no central directory record (a streaming extractor would read them as more files)`);
    } else if (expected > cdStart) {
      problems.push(`${previous === undefined ? 'the entries' : `entry ${JSON.stringify(previous)}`} ends at byte ${expected}, inside the central directory (which begins at byte ${cdStart})`);
    }
  } finally {
    closeSync(fd);
  }
  return problems.length > MAX_NAMED ? [...problems.slice(0, MAX_NAMED), `and ${problems.length - MAX_NAMED} more`] : problems;
}
