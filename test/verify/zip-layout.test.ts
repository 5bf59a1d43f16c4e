import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { buildPackage } from '../../src/package/build.js';
import { writeDeterministicZip, type ZipEntry } from '../../src/package/zip.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { zipLayoutProblems, type LayoutEntry } from '../../src/verify/zip-layout.js';
import { verifyPackage } from '../../src/verify/package.js';
import { VerificationError } from '../../src/errors.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { runPackageCli } from '../package/run-cli.js';

/**
 * A package zip whose bytes are not exactly the entries its central directory lists: a streaming extractor (jar,
 * bsdtar, Python's streaming readers) walks the local headers and would write files `verify` never saw.
 * Each variant is made from a real package by fixing up the central directory, so yauzl still reads it.
 */

interface Central {
  /** Byte offset of the central record. */
  at: number;
  name: string;
  nameLength: number;
  compressedSize: number;
  localAt: number;
}

function eocdAt(zip: Buffer): number {
  return zip.length - 22;
}

function centrals(zip: Buffer): Central[] {
  const e = eocdAt(zip);
  const count = zip.readUInt16LE(e + 10);
  const out: Central[] = [];
  for (let at = zip.readUInt32LE(e + 16), i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    out.push({ at, name: zip.toString('utf8', at + 46, at + 46 + nameLength), nameLength, compressedSize: zip.readUInt32LE(at + 20), localAt: zip.readUInt32LE(at + 42) });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

/** A stored local entry (header, name, data) that no central record lists. */
function localEntry(name: string, data: string): Buffer {
  const n = Buffer.from(name);
  const d = Buffer.from(data);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(0x0800, 6);
  h.writeUInt32LE(crc32(d) >>> 0, 14);
  h.writeUInt32LE(d.length, 18);
  h.writeUInt32LE(d.length, 22);
  h.writeUInt16LE(n.length, 26);
  return Buffer.concat([h, n, d]);
}

/** `bytes` inserted at `pos` (before the central directory), every offset after it moved so yauzl still reads the zip. */
function insertAt(zip: Buffer, pos: number, bytes: Buffer): Buffer {
  const e = eocdAt(zip);
  const cd = zip.readUInt32LE(e + 16);
  const out = Buffer.concat([zip.subarray(0, pos), bytes, zip.subarray(pos)]);
  const shift = (at: number) => at + (at >= pos ? bytes.length : 0);
  for (const c of centrals(zip)) if (c.localAt >= pos) out.writeUInt32LE(c.localAt + bytes.length, shift(c.at) + 42);
  out.writeUInt32LE(cd + bytes.length, e + bytes.length + 16);
  return out;
}

/** Renames one entry, in its central record and/or its local header (same length: nothing moves). */
function rename(zip: Buffer, from: string, to: string, where: { central?: boolean; local?: boolean } = { central: true, local: true }): Buffer {
  const out = Buffer.from(zip);
  const c = centrals(zip).find((x) => x.name === from)!;
  expect(Buffer.byteLength(to)).toBe(c.nameLength);
  if (where.central) out.write(to, c.at + 46, 'utf8');
  if (where.local) out.write(to, c.localAt + 30, 'utf8');
  return out;
}

async function entriesOf(zipPath: string): Promise<LayoutEntry[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, autoClose: false });
  const out: LayoutEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) out.push({ entry, name: (entry.fileName as unknown as Buffer).toString('utf8') });
  } finally {
    zip.close();
  }
  return out;
}

describe('a package zip whose local entries do not tile the file is refused', () => {
  let zip: Buffer;
  let fp: string;
  let names: string[];

  beforeAll(async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    fp = await signer.fingerprint();
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: mkdtempSync(join(tmpdir(), 'el-layout-')), evaluate: fixtureEvaluate });
    zip = readFileSync(pkg.zipPath);
    names = centrals(zip).map((c) => c.name);
  }, 240_000);

  /** Writes `bytes` as a zip, expects verify (pinned) and extraction to refuse it, nothing extracted; the message. */
  async function refused(bytes: Buffer, pattern: RegExp): Promise<string> {
    const base = mkdtempSync(join(tmpdir(), 'el-layout-bad-'));
    const path = join(base, 'package.zip');
    writeFileSync(path, bytes);
    const err = await verifyPackage(path, { expectedKeys: [fp] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(pattern);
    const dest = join(base, 'out');
    await expect(extractPackageZip(path, dest)).rejects.toThrow(pattern);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(base)).toEqual(['package.zip']);
    return (err as Error).message;
  }

  it('our own package verifies (the check accepts what our packager writes)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'el-layout-ok-'));
    writeFileSync(join(base, 'package.zip'), zip);
    expect((await verifyPackage(join(base, 'package.zip'), { expectedKeys: [fp] })).ok).toBe(true);
    expect(zipLayoutProblems(join(base, 'package.zip'), await entriesOf(join(base, 'package.zip')))).toEqual([]);
  });

  it('a hidden local entry between two entries (later offsets fixed up): INVALID, naming the bytes; a streaming extractor would write it', async () => {
    const second = centrals(zip).sort((a, b) => a.localAt - b.localAt)[1];
    const hidden = localEntry('report.pdf', '%PDF-1.7 forged report: every requirement passed\n');
    const bad = insertAt(zip, second.localAt, hidden);
    const msg = await refused(bad, new RegExp(`bytes ${second.localAt}-${second.localAt + hidden.length - 1} after entry ".+" are listed by no central directory record`));
    expect(msg).toMatch(/INVALID, refusing to extract/);
    // What it guards against: jar reads the local headers in order and writes the hidden report.pdf.
    const jar = mkdtempSync(join(tmpdir(), 'el-layout-jar-'));
    const r = spawnSync('jar', ['x'], { cwd: jar, input: bad });
    if (r.status === 0) expect(existsSync(join(jar, 'report.pdf'))).toBe(true);
  });

  it('the attacker\'s case: a hidden report.pdf after the last entry, before the central directory', async () => {
    const cd = zip.readUInt32LE(eocdAt(zip) + 16);
    const bad = insertAt(zip, cd, localEntry('report.pdf', '%PDF-1.7 forged\n'));
    await refused(bad, new RegExp(`bytes ${cd}-\\d+ after the last entry, ".+", are listed by no central directory record`));
  });

  it('a prefix before the first entry (offsets fixed up): INVALID', async () => {
    await refused(insertAt(zip, 0, localEntry('README-auditor.txt', 'trust this package')), /bytes 0-\d+ before the first entry are listed by no central directory record/);
  });

  it('data after the end-of-central-directory record, with or without a comment length covering it: INVALID', async () => {
    const junk = localEntry('report.pdf', 'forged');
    // Without a comment length: yauzl already refused it (not a readable zip).
    await refused(Buffer.concat([zip, junk]), /not a readable zip archive|not the last 22 bytes/);
    const commented = Buffer.concat([zip, junk]);
    commented.writeUInt16LE(junk.length, eocdAt(zip) + 20);
    await refused(commented, /not the last 22 bytes of the file/);
  });

  it('a comment length in the last 22 bytes with no comment after them: yauzl refuses the file; the layout check names the damaged record', async () => {
    const base = mkdtempSync(join(tmpdir(), 'el-layout-damaged-'));
    const path = join(base, 'package.zip');
    writeFileSync(path, zip);
    const entries = await entriesOf(path);
    const damaged = Buffer.from(zip);
    damaged.writeUInt16LE(5, eocdAt(zip) + 20);
    writeFileSync(path, damaged);
    // What extraction meets: the zip reader refuses it before the layout check runs.
    await refused(damaged, /not a readable zip archive \(Invalid comment length/);
    // The layout check on its own (entries read from the file before the damage) says what the record holds.
    expect(zipLayoutProblems(path, entries)).toEqual(['the end-of-central-directory record (the last 22 bytes of the file) declares a 5-byte archive comment, but no byte follows it: the record is damaged']);
  });

  it('two central records pointing at overlapping bytes: INVALID', async () => {
    const ordered = centrals(zip).sort((a, b) => a.localAt - b.localAt);
    const bad = Buffer.from(zip);
    bad.writeUInt32LE(ordered[2].localAt, ordered[3].at + 42);
    await refused(bad, /overlaps entry|listed by no central directory record/);
  });

  it('a local header naming a different file from its central record: INVALID', async () => {
    const [from, to] = [names[0], names[0].replace(/.$/, (ch) => (ch === 'x' ? 'y' : 'x'))];
    const msg = await refused(rename(zip, from, to, { local: true }), /a different name from the central directory's/);
    expect(msg).toContain(`entry ${JSON.stringify(from)} (local header at byte 0): the local header names it ${JSON.stringify(to)}`);
  });

  it('duplicate names and names differing only in letter case (real package, names rewritten in both headers): INVALID', async () => {
    // Two run manifests: same length, different run ids.
    const runs = names.filter((n) => /^runs\/[^/]+\/manifest\.json$/.test(n));
    expect(runs.length).toBeGreaterThan(1);
    await refused(rename(zip, runs[1], runs[0]), /duplicate entry name/);
    await refused(rename(zip, runs[1], runs[0].replace('manifest.json', 'MANIFEST.json')), /differs only in letter case/);
  });

  it('the CLI prints what to do and exits 1', async () => {
    const base = mkdtempSync(join(tmpdir(), 'el-layout-cli-'));
    const second = centrals(zip).sort((a, b) => a.localAt - b.localAt)[1];
    writeFileSync(join(base, 'package.zip'), insertAt(zip, second.localAt, localEntry('report.pdf', 'forged')));
    const r = await runPackageCli(['verify', join(base, 'package.zip'), '--expect-key', fp]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/INVALID, refusing to extract: the zip holds bytes its central directory does not account for/);
    expect(r.err).toMatch(/what to do: obtain \(re-download\) the package again from its source .*do not extract this file with any tool/);
  });
});

describe('zips our writer produces pass the layout check, and bytes hidden after a deflate stream are refused', () => {
  const at = '2026-01-02T02:00:00.000Z';

  it('entries with a data descriptor (files streamed from disk) extract; bytes after the deflate stream inside one are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-layout-dd-'));
    writeFileSync(join(dir, 'b.csv'), 'line\r\n'.repeat(5000));
    const entries: ZipEntry[] = [
      { path: 'a.json', source: { buffer: Buffer.from('{"a":1}') } },
      { path: 'b.csv', source: { file: join(dir, 'b.csv') } },
      { path: 'c.json', source: { buffer: Buffer.from('{"c":1}') } },
    ];
    await writeDeterministicZip(entries, join(dir, 'ok.zip'), at);
    expect(await extractPackageZip(join(dir, 'ok.zip'), join(dir, 'x'))).toEqual(['a.json', 'b.csv', 'c.json']);

    // Inside b.csv's compressed range, after its deflate stream and before its data descriptor: a hidden entry a
    // streaming extractor would read (it finds the end of a descriptor entry from the deflate stream). The central
    // record and the descriptor are grown to cover it, so the entries still tile the file.
    const ok = readFileSync(join(dir, 'ok.zip'));
    const b = centrals(ok).find((c) => c.name === 'b.csv')!;
    const ddAt = b.localAt + 30 + b.nameLength + b.compressedSize;
    expect(ok.readUInt32LE(ddAt)).toBe(0x08074b50);
    const hidden = localEntry('report.pdf', 'forged');
    const bad = insertAt(ok, ddAt, hidden);
    const bAt = centrals(bad).find((c) => c.name === 'b.csv')!.at;
    bad.writeUInt32LE(b.compressedSize + hidden.length, bAt + 20);
    bad.writeUInt32LE(b.compressedSize + hidden.length, ddAt + hidden.length + 8);
    writeFileSync(join(dir, 'bad.zip'), bad);
    expect(zipLayoutProblems(join(dir, 'bad.zip'), await entriesOf(join(dir, 'bad.zip')))).toEqual([]);
    await expect(extractPackageZip(join(dir, 'bad.zip'), join(dir, 'y'))).rejects.toThrow(/entry b\.csv is corrupt \(its deflate stream ends after \d+ of its \d+ compressed bytes/);
    // Nothing extracted stays behind.
    expect(existsSync(join(dir, 'y'))).toBe(false);
  });

  it('a zip with ZIP64 end records (past 65,534 entries) passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-layout-zip64-'));
    const entries = function* (): Generator<ZipEntry> {
      for (let i = 0; i < 65_535; i++) yield { path: `e/${String(i).padStart(6, '0')}`, source: { buffer: Buffer.from(String(i)) } };
    };
    await writeDeterministicZip(entries(), join(dir, 'many.zip'), at);
    const zip = readFileSync(join(dir, 'many.zip'));
    expect(zip.readUInt32LE(zip.length - 42)).toBe(0x07064b50);
    expect(zipLayoutProblems(join(dir, 'many.zip'), await entriesOf(join(dir, 'many.zip')))).toEqual([]);
    // And one byte between the last entry and the central directory is named.
    const cd = Number(zip.readBigUInt64LE(zip.length - 42 - 56 + 48));
    const bad = Buffer.concat([zip.subarray(0, cd), Buffer.from([0]), zip.subarray(cd)]);
    const recordAt = bad.length - 42 - 56;
    bad.writeBigUInt64LE(BigInt(cd + 1), recordAt + 48);
    bad.writeBigUInt64LE(BigInt(recordAt), bad.length - 42 + 8);
    writeFileSync(join(dir, 'bad.zip'), bad);
    expect(zipLayoutProblems(join(dir, 'bad.zip'), await entriesOf(join(dir, 'bad.zip')))).toEqual([`bytes ${cd}-${cd} after the last entry, "e/065534", are listed by no central directory record (a streaming extractor would read them as more files)`]);
  }, 240_000);
});
