import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractPackageZip, unsafeEntryName, DEFAULT_UNZIP_LIMITS } from '../../src/verify/unzip.js';
import { verifyPackage } from '../../src/verify/package.js';
import { VerificationError } from '../../src/errors.js';
import { rawZip, type RawZipEntry as RawEntry } from '../support/raw-zip.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';

function zipFile(entries: RawEntry[]): { zip: string; base: string } {
  const base = mkdtempSync(join(tmpdir(), 'el-unzip-'));
  const zip = join(base, 'p.zip');
  writeFileSync(zip, rawZip(entries));
  return { zip, base };
}

async function refused(entries: RawEntry[], pattern: RegExp, limits = DEFAULT_UNZIP_LIMITS, expectedKeys?: ReadonlySet<string>): Promise<string> {
  const { zip, base } = zipFile(entries);
  const dest = join(base, 'out', 'pkg');
  const err = await extractPackageZip(zip, dest, limits, expectedKeys).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerificationError);
  expect((err as VerificationError).exitCode).toBe(1);
  expect((err as Error).message).toMatch(pattern);
  // Nothing was extracted, inside or outside the destination.
  expect(existsSync(dest)).toBe(false);
  expect(readdirSync(base).sort()).toEqual(['p.zip']);
  return (err as Error).message;
}

describe('safe extraction', () => {
  it('extracts a plain archive', async () => {
    const { zip, base } = zipFile([{ name: 'a.txt', data: 'A' }, { name: 'dir/b.txt', data: 'B' }]);
    const names = await extractPackageZip(zip, join(base, 'x'));
    expect(names).toEqual(['a.txt', 'dir/b.txt']);
    expect(readFileSync(join(base, 'x', 'dir', 'b.txt'), 'utf8')).toBe('B');
  });

  it('refuses entries escaping the folder, naming them', async () => {
    const msg = await refused([{ name: 'ok.txt', data: 'x' }, { name: '../../evil.txt', data: 'x' }], /escapes the package folder/);
    expect(msg).toContain('../../evil.txt');
    await refused([{ name: 'runs/../../evil.txt', data: 'x' }], /escapes/);
  });

  it('refuses absolute paths, backslashes and empty segments', async () => {
    await refused([{ name: '/etc/passwd', data: 'x' }], /absolute path/);
    await refused([{ name: 'C:/evil.txt', data: 'x' }], /absolute path/);
    await refused([{ name: '..\\evil.txt', data: 'x' }], /backslash/);
    await refused([{ name: 'a//b.txt', data: 'x' }], /empty or "\." path segment/);
  });

  it('refuses symbolic links', async () => {
    await refused([{ name: 'link', data: '/etc/passwd', mode: 0o120777 }], /symbolic link/);
  });

  it('refuses duplicate and case-colliding names', async () => {
    await refused([{ name: 'a.txt', data: '1' }, { name: 'a.txt', data: '2' }], /duplicate entry name/);
    await refused([{ name: 'A.txt', data: '1' }, { name: 'a.txt', data: '2' }], /letter case/);
  });

  it('refuses directory entries (our zip writer emits none): an empty run folder, and a "/"-terminated name carrying data', async () => {
    const empty = await refused([{ name: 'a.txt', data: 'A' }, { name: 'runs/20990101T000000Z-000001/', data: '', mode: 0o040755 }], /runs\/20990101T000000Z-000001\/: a directory entry \(name ends in "\/"\); packages hold no directory entries/);
    expect(empty).toMatch(/refusing to extract/);
    await refused([{ name: 'README-auditor.txt/', data: 'trust this package' }], /README-auditor\.txt\/: a directory entry \(name ends in "\/"\) carrying 18 bytes of data/);
    // Without the Unix directory bit too (a DOS-made entry), the trailing "/" alone is enough.
    await refused([{ name: 'evidence/', data: '' }], /evidence\/: a directory entry/);
    // A zip re-made by `zip -r` has one per folder: named together, with what to do.
    const folders = ['a/', 'b/', 'c/', 'd/', 'e/', 'f/', 'g/'].map((name) => ({ name, data: '', mode: 0o040755 }));
    await refused([...folders, { name: 'x.txt', data: 'x' }], /a\/, b\/, c\/, d\/, e\/ and 2 more: 7 directory entries .*verify the zip as you received it, or the unzipped folder/);
  });

  it('refuses a file whose name is also the folder of another entry, naming both, in either order and in any letter case', async () => {
    const msg = await refused([{ name: 'report.pdf', data: '%PDF' }, { name: 'report.pdf/x', data: 'x' }], /report\.pdf: a file entry, but entry report\.pdf\/x also uses it as a folder/);
    expect(msg).toMatch(/refusing to extract/);
    await refused([{ name: 'runs/a/b/c.json', data: '{}' }, { name: 'runs/a/b', data: 'x' }], /runs\/a\/b: a file entry, but entry runs\/a\/b\/c\.json also uses it as a folder/);
    await refused([{ name: 'Report.pdf', data: '%PDF' }, { name: 'report.pdf/x', data: 'x' }], /Report\.pdf: a file entry, but entry report\.pdf\/x also uses it as a folder/);
  });

  it('refuses too many or too large entries', async () => {
    await refused([{ name: 'a', data: '1' }, { name: 'b', data: '2' }, { name: 'c', data: '3' }], /3 entries, more than the limit of 2/, { ...DEFAULT_UNZIP_LIMITS, maxEntries: 2 });
    await refused([{ name: 'big', data: Buffer.alloc(100) }], /more than the limit of 10/, { ...DEFAULT_UNZIP_LIMITS, maxEntryBytes: 10 });
    await refused([{ name: 'a', data: Buffer.alloc(8) }, { name: 'b', data: Buffer.alloc(8) }], /in total, more than the limit of 10/, { ...DEFAULT_UNZIP_LIMITS, maxTotalBytes: 10 });
  });

  it('zips written by Python\'s zipfile (permissions only, no Unix file-type bits) are accepted as regular files', async () => {
    // zipfile.writestr sets external_attr = 0o600 << 16 and create_system = 3 (Unix): no S_IFREG bit.
    const { zip, base } = zipFile([{ name: 'a.txt', data: 'A', mode: 0o600 }, { name: 'dir/b.txt', data: 'B', mode: 0o644 }]);
    expect(await extractPackageZip(zip, join(base, 'x'))).toEqual(['a.txt', 'dir/b.txt']);
    await refused([{ name: 'fifo', data: '', mode: 0o010644 }], /fifo: not a regular file/);
  });

  it('a zip declaring 4.1 GB where its manifest lists a few bytes is refused from the central directory and the manifest, before extracting', async () => {
    // Each entry stays under the per-entry limit (2 GiB); together they declare 4.1 GB.
    const manifest = JSON.stringify({ files: ['a', 'b'].map((n) => ({ path: `evidence/${n}.json`, sha256: n.repeat(64), size: 12 })) });
    const lying = (n: string) => ({ name: `evidence/${n}.json`, data: Buffer.alloc(4096), deflate: true, declaredSize: 2_050_000_000 });
    const message = await refused([{ name: 'manifest.json', data: manifest }, lying('a'), lying('b')], /evidence\/a\.json: declares 2050000000 bytes uncompressed, manifest\.json lists 12; evidence\/b\.json: /);
    expect(message).toMatch(/refusing to extract/);
  });

  it('without a readable manifest, or for a file the manifest does not list, a large declared size is refused', async () => {
    await refused([{ name: 'evidence/a.json', data: Buffer.alloc(4096), deflate: true, declaredSize: 2_000_000_000 }], /evidence\/a\.json: declares 2000000000 bytes .*no readable manifest\.json/);
    await refused(
      [{ name: 'manifest.json', data: '{"files":[]}' }, { name: 'SHA256SUMS', data: Buffer.alloc(4096), deflate: true, declaredSize: 2_000_000_000 }],
      /SHA256SUMS: declares 2000000000 bytes .*not listed in manifest\.json/,
    );
    await refused([{ name: 'manifest.json', data: Buffer.alloc(4096), deflate: true, declaredSize: 2_000_000_000 }], /manifest\.json: declares 2000000000 bytes, more than a manifest of 1 entries needs/);
  });

  it('with keys pinned, the sizes manifest.json lists bound extraction only when a pinned key signed it', async () => {
    const keyDir = () => mkdtempSync(join(tmpdir(), 'el-unzip-key-'));
    const [genuine, other] = [LocalEd25519Signer.open(keyDir()), LocalEd25519Signer.open(keyDir())];
    const pinned = new Set([await genuine.fingerprint()]);
    // 2 MiB of zeros: a few kilobytes of zip, more than the allowance for a file without a trusted size (about 1 MiB).
    const big = Buffer.alloc(2 * 1024 * 1024);
    const manifest = Buffer.from(JSON.stringify({ files: [{ path: 'evidence/a.json', sha256: 'a'.repeat(64), size: big.length }] }));
    const zipSignedBy = async (by: LocalEd25519Signer) => [
      { name: 'evidence/a.json', data: big, deflate: true },
      { name: 'manifest.json', data: manifest },
      { name: 'manifest.sig', data: await by.sign(manifest) },
      { name: 'public-key.pem', data: await by.publicKeyPem() },
    ];
    const ok = zipFile(await zipSignedBy(genuine));
    expect(await extractPackageZip(ok.zip, join(ok.base, 'x'), DEFAULT_UNZIP_LIMITS, pinned)).toContain('evidence/a.json');
    const foreign = await zipSignedBy(other);
    await refused(foreign, new RegExp(`evidence/a\\.json: declares ${big.length} bytes uncompressed and manifest\\.json is signed with key ${await other.fingerprint()}, which is not one of the expected keys, so the sizes it lists are not trusted \\(keys are pinned\\)`), DEFAULT_UNZIP_LIMITS, pinned);
    await refused(foreign.filter((e) => e.name !== 'manifest.sig'), /evidence\/a\.json: .*manifest\.json is not signed by a pinned key \(public-key\.pem or manifest\.sig is missing/, DEFAULT_UNZIP_LIMITS, pinned);
    // `verify --expect-key` reports it as a failed verification naming the key, as for any package signed by another key.
    const report = await verifyPackage(zipFile(foreign).zip, { expectedKeys: [...pinned] });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toEqual({ path: 'manifest.sig', message: expect.stringMatching(new RegExp(`^signed with key ${await other.fingerprint()} \\(its public-key\\.pem\\), which is not one of the expected keys; keys are pinned \\(--expect-key\\), so the sizes its manifest lists were not trusted and the package was not extracted$`)) });
    expect(report.unreadKeys).toEqual([{ keyFingerprint: await other.fingerprint(), pinned: false, beside: ['package'] }]);
    // Unpinned, the manifest's own sizes still apply (the report then asks for the keys to be confirmed).
    const loose = zipFile(foreign);
    expect(await extractPackageZip(loose.zip, join(loose.base, 'x'))).toContain('evidence/a.json');
  });

  it('names truncated and corrupt archives', async () => {
    const full = rawZip([{ name: 'a.txt', data: 'hello world' }]);
    const base = mkdtempSync(join(tmpdir(), 'el-unzip-'));
    writeFileSync(join(base, 't.zip'), full.subarray(0, full.length - 30));
    await expect(extractPackageZip(join(base, 't.zip'), join(base, 'x'))).rejects.toThrow(/truncated or corrupt/);
    writeFileSync(join(base, 'n.zip'), 'not a zip at all');
    await expect(verifyPackage(join(base, 'n.zip'))).rejects.toThrow(/not a readable zip archive/);
    const bad = Buffer.from(full);
    bad[30 + 5 + 2] ^= 0xff; // a data byte: the CRC no longer matches
    writeFileSync(join(base, 'c.zip'), bad);
    await expect(extractPackageZip(join(base, 'c.zip'), join(base, 'y'))).rejects.toThrow(/corrupt/);
  });

  it('classifies names', () => {
    expect(unsafeEntryName('evidence/objects/sha256/ab/x.json')).toBeUndefined();
    expect(unsafeEntryName('')).toBe('empty name');
    expect(unsafeEntryName('a/./b')).toMatch(/segment/);
  });
});
