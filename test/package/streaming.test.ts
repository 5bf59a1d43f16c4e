import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BodyIndex, mergeByPath } from '../../src/package/bodies.js';
import { packageManifestBytes, packageManifestChunks, type PackageFile, type PackageManifest } from '../../src/package/manifest.js';
import { writeDeterministicZip, type ZipEntry } from '../../src/package/zip.js';
import { sha256Hex } from '../../src/evidence/hash.js';

const head: Omit<PackageManifest, 'files'> = {
  schema: 'evidence-locker/package-manifest@1',
  // A name that looks like the member the writer splices on must not fool it.
  organization: 'Acme "files": [],\n  "files": []',
  frameworks: [{ id: 'test-fw', name: 'Test', version: '1' }],
  period: { from: '2026-01-01', to: '2026-01-02' },
  accounts: ['111111111111'],
  regions: ['us-east-1'],
  generatedAt: '2026-01-02T02:00:00.000Z',
  contentId: 'a'.repeat(64),
  tool: { name: 'evidence-locker', version: '0.1.0' },
  runs: [],
  missingShards: [],
  summary: { records: 2 },
  signing: { algorithm: 'ed25519', keyFingerprint: 'b'.repeat(64), keyId: 'local:x' },
};

const file = (i: number): PackageFile => ({ path: `evidence/objects/sha256/${String(i).padStart(2, '0')}/é "${i}".json`, sha256: sha256Hex(String(i)), size: i * 7 });

describe('streamed package manifest', () => {
  it.each([0, 1, 3, 5000])('gives the same bytes as packageManifestBytes with %i files', (n) => {
    const files = Array.from({ length: n }, (_, i) => file(i));
    const streamed = Buffer.from([...packageManifestChunks(head, files)].join(''), 'utf8');
    expect(streamed.equals(packageManifestBytes({ ...head, files }))).toBe(true);
  });
});

describe('body index', () => {
  it('reads back distinct bodies in byte order of SHA-256, whatever the order and repeats they were added in', () => {
    const idx = new BodyIndex();
    const shas = Array.from({ length: 3000 }, (_, i) => sha256Hex(`body ${i % 1200}`));
    shas.forEach((s, i) => idx.add(s, (i % 1200) + 1));
    const distinct = [...new Set(shas)].sort();
    const out = [...idx];
    expect(idx.count).toBe(1200);
    expect(out.map((b) => b.sha256)).toEqual(distinct);
    for (const b of out) expect(b.size).toBe(shas.indexOf(b.sha256) + 1);
    expect(() => idx.add('not-a-hash', 1)).toThrow(/not a SHA-256/);
  });

  it('merges sorted lists into one sorted list', () => {
    const a = ['SHA256SUMS', 'evidence-index.csv', 'manifest.json'].map((path) => ({ path }));
    const b = ['evidence/objects/sha256/00/x.json', 'evidence/objects/sha256/ff/y.json'].map((path) => ({ path }));
    expect([...mergeByPath(a, b)].map((e) => e.path)).toEqual(['SHA256SUMS', 'evidence-index.csv', 'evidence/objects/sha256/00/x.json', 'evidence/objects/sha256/ff/y.json', 'manifest.json']);
  });
});

describe('streaming zip writer', () => {
  it('writes buffers, files and fetched entries that unzip and a second build read back byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-zip-'));
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'evidence-index line\r\n');
    writeFileSync(join(dir, 'big.csv'), big);
    const contents = new Map<string, Buffer>([
      ['a/empty.txt', Buffer.alloc(0)],
      ['a/small.json', Buffer.from('{"ok":true}')],
      ['b/big.csv', big],
      ['c/fetched.json', Buffer.from('{"fetched":1}')],
    ]);
    const entries = (): ZipEntry[] => [
      { path: 'a/empty.txt', source: { buffer: contents.get('a/empty.txt')! } },
      { path: 'a/small.json', source: { buffer: contents.get('a/small.json')! } },
      { path: 'b/big.csv', source: { file: join(dir, 'big.csv') } },
      { path: 'c/fetched.json', source: { size: 13, fetch: async () => contents.get('c/fetched.json')! } },
    ];
    await writeDeterministicZip(entries(), join(dir, 'one.zip'), '2026-01-02T02:00:00.000Z');
    await writeDeterministicZip(entries(), join(dir, 'two.zip'), '2026-01-02T02:00:00.000Z');
    expect(readFileSync(join(dir, 'one.zip')).equals(readFileSync(join(dir, 'two.zip')))).toBe(true);
    expect(execFileSync('unzip', ['-tq', join(dir, 'one.zip')], { encoding: 'utf8' })).toMatch(/No errors detected/);
    expect(execFileSync('unzip', ['-Z', '-T', join(dir, 'one.zip')], { encoding: 'utf8' })).toMatch(/20260102\.020000 a\/small\.json/);
    // The package reader refuses large entries in a zip without a package manifest, so this plain zip is read with unzip.
    execFileSync('unzip', ['-q', join(dir, 'one.zip'), '-d', join(dir, 'out')]);
    for (const [p, b] of contents) expect(readFileSync(join(dir, 'out', p)).equals(b), p).toBe(true);
  });

  it('refuses entries out of order, and a fetched entry of the wrong size, leaving no zip behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-zip-bad-'));
    const at = '2026-01-02T02:00:00.000Z';
    await expect(writeDeterministicZip([{ path: 'b', source: { buffer: Buffer.from('1') } }, { path: 'a', source: { buffer: Buffer.from('2') } }], join(dir, 'x.zip'), at)).rejects.toThrow(/out of order/);
    await expect(writeDeterministicZip([{ path: 'a', source: { size: 5, fetch: async () => Buffer.from('abc') } }], join(dir, 'y.zip'), at)).rejects.toThrow(/expected 5 bytes, got 3/);
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });

  it('uses ZIP64 end records past 65,534 entries, readable by unzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-zip64-'));
    const n = 70_000;
    const entries = function* (): Generator<ZipEntry> {
      for (let i = 0; i < n; i++) yield { path: `e/${String(i).padStart(6, '0')}`, source: { buffer: Buffer.from(String(i)) } };
    };
    await writeDeterministicZip(entries(), join(dir, 'many.zip'), '2026-01-02T02:00:00.000Z');
    expect(execFileSync('unzip', ['-l', join(dir, 'many.zip')], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n').pop()).toMatch(/\s70000 files$/);
    expect(execFileSync('unzip', ['-p', join(dir, 'many.zip'), 'e/069999'], { encoding: 'utf8' })).toBe('69999');
  }, 240_000);
});
