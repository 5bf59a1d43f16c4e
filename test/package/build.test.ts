import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { PackageManifestSchema } from '../../src/package/manifest.js';
import { ConfigError } from '../../src/errors.js';
import { MemoryStore, TEST_CATALOG, sealDays, fixtureEvaluate, standardDays, ACCOUNTS } from './fixtures.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';

describe('buildPackage', () => {
  let store: MemoryStore;
  let signer: LocalEd25519Signer;
  let built: Awaited<ReturnType<typeof buildPackage>>;
  let out: string;
  const builtAt = new Date('2026-03-06T08:30:00Z');
  const opts = () => ({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', evaluate: fixtureEvaluate, organization: 'Acme Payments', builtAt });

  beforeAll(async () => {
    store = new MemoryStore();
    signer = await sealDays(store, standardDays());
    out = mkdtempSync(join(tmpdir(), 'el-pkg-'));
    built = await buildPackage({ ...opts(), outDir: out });
  });

  it('writes a zip whose manifest hash is the package id and that verifies offline', async () => {
    expect(existsSync(built.zipPath)).toBe(true);
    expect(readdirSync(out)).toEqual([built.zipPath.split('/').pop()]);
    const v = await verifyPackage(built.zipPath);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.packageId).toBe(built.packageId);
    expect(v.keys.map((k) => k.keyFingerprint)).toEqual([await signer.fingerprint()]);
    expect(v.checked.runs).toBe(5);
    expect(v.checked.chainLinks).toBe(4);
  });

  it('reads every evidence body with the size its record states, the HTML view\'s reads too (a longer object at a body\'s key is refused unread)', async () => {
    const asked: { sha256: string; expectedSize?: number }[] = [];
    const counting = Object.create(store, {
      getObject: { value: (sha256: string, expectedSize?: number) => (asked.push({ sha256, expectedSize }), store.getObject(sha256)) },
    }) as MemoryStore;
    await buildPackage({ ...opts(), store: counting, outDir: mkdtempSync(join(tmpdir(), 'el-pkg-sized-')) });
    expect(asked.length).toBeGreaterThan(store.objects.size);
    for (const a of asked) expect(a).toEqual({ sha256: a.sha256, expectedSize: store.objects.get(a.sha256)!.length });
  });

  it('is byte-identical when built twice from the same sealed runs at the same build time', async () => {
    const out2 = mkdtempSync(join(tmpdir(), 'el-pkg-'));
    const again = await buildPackage({ ...opts(), outDir: out2 });
    expect(sha256Hex(readFileSync(again.zipPath))).toBe(sha256Hex(readFileSync(built.zipPath)));
    expect(again.packageId).toBe(built.packageId);
  });

  it('has the documented layout, sorted, with every file in the signed manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-x-'));
    const names = await extractPackageZip(built.zipPath, dir);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const f of ['VERIFY.md', 'verify.sh', 'report.pdf', 'index.html', 'controls.csv', 'evidence-index.csv', 'oscal/assessment-results.json', 'manifest.json', 'manifest.sig', 'public-key.pem', 'SHA256SUMS', 'SHA256SUMS.sig']) {
      expect(names).toContain(f);
    }
    expect(names.filter((n) => n.startsWith('runs/')).length).toBe(15);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m.generatedAt).toBe('2026-03-05T02:05:00.000Z');
    expect(m.builtAt).toBe('2026-03-06T08:30:00.000Z');
    expect(m.simulated).toBe(false);
    expect(m.accounts).toEqual(ACCOUNTS);
    expect(new Set(m.files.map((f) => f.path))).toEqual(new Set(names.filter((n) => !['manifest.json', 'manifest.sig', 'SHA256SUMS', 'SHA256SUMS.sig'].includes(n))));
    // SHA256SUMS names every other file, the package manifest and its signature included; SHA256SUMS.sig signs it.
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.map((l) => l.slice(66)).sort()).toEqual(names.filter((n) => n !== 'SHA256SUMS' && n !== 'SHA256SUMS.sig').sort());
    expect(signer.algorithm).toBe('ed25519');
  });

  it('passes `sha256sum -c` and openssl signature checks with standard tools alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-x-'));
    await extractPackageZip(built.zipPath, dir);
    const sums = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(sums).not.toMatch(/FAILED/);
    const ok = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'public-key.pem', '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], { cwd: dir, encoding: 'utf8' });
    expect(ok).toMatch(/Signature Verified Successfully/);
    const runId = readdirSync(join(dir, 'runs'))[0];
    const r = join('runs', runId);
    const okRun = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(r, 'public-key.pem'), '-rawin', '-in', join(r, 'manifest.json'), '-sigfile', join(r, 'manifest.sig')], { cwd: dir, encoding: 'utf8' });
    expect(okRun).toMatch(/Signature Verified Successfully/);
    // A tampered manifest fails the same openssl check.
    const bad = readFileSync(join(dir, 'manifest.json'), 'utf8').replace('Acme Payments', 'Acme Paymentz');
    const tmp = mkdtempSync(join(tmpdir(), 'el-bad-'));
    writeFileSync(join(tmp, 'manifest.json'), bad);
    expect(() => execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'public-key.pem'), '-rawin', '-in', join(tmp, 'manifest.json'), '-sigfile', join(dir, 'manifest.sig')], { stdio: 'pipe' })).toThrow();
  });

  it('reports drift, gaps and status over time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-x-'));
    await extractPackageZip(built.zipPath, dir);
    const csv = readFileSync(join(dir, 'controls.csv'), 'utf8').split('\r\n');
    const row = (req: string, acct: string) => csv.find((l) => l.startsWith(`test-fw,${req},`) && l.includes(`,${acct},`))!;
    expect(row('1.1', ACCOUNTS[0])).toContain(',pass,pass,');
    expect(row('1.1', ACCOUNTS[1])).toContain(',fail,fail,');
    expect(row('2.1', ACCOUNTS[1])).toContain(',not-collected,');
    expect(row('2.2', ACCOUNTS[0])).toContain(',manual,');
    expect(built.summary.gapDays).toBe(2); // account 2 on day 4: requirements 1.1 and 2.1
    const ev = readFileSync(join(dir, 'evidence-index.csv'), 'utf8').trim().split('\r\n');
    expect(ev.length).toBe(1 + 9 * 2); // 9 account-days x 2 records
  });

  it('refuses usage errors with exit 2 and writes nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'el-empty-'));
    await expect(buildPackage({ ...opts(), outDir: empty, from: '2025-01-01', to: '2025-01-31' })).rejects.toThrow(ConfigError);
    await expect(buildPackage({ ...opts(), outDir: empty, frameworks: ['nope'] })).rejects.toThrow(/unknown framework "nope"/);
    await expect(buildPackage({ ...opts(), outDir: empty, accounts: ['999999999999'] })).rejects.toThrow(/account 999999999999/);
    await expect(buildPackage({ ...opts(), outDir: empty, from: '2026-02-30' })).rejects.toThrow(/not a calendar date/);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('limits the package to the requested accounts', async () => {
    const o = mkdtempSync(join(tmpdir(), 'el-pkg-'));
    const one = await buildPackage({ ...opts(), outDir: o, accounts: [ACCOUNTS[0]] });
    expect(one.summary.accounts).toEqual([ACCOUNTS[0]]);
    const v = await verifyPackage(one.zipPath);
    expect(v.problems).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'el-x-'));
    await extractPackageZip(one.zipPath, dir);
    expect(readFileSync(join(dir, 'evidence-index.csv'), 'utf8')).not.toContain(ACCOUNTS[1]);
  });
});
