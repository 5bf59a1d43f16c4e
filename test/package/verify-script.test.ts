import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { VERIFY_SCRIPT, VERIFY_SCRIPT_SHA256 } from '../../src/package/verify-script.js';
import { sha256Hex } from '../../src/seal/hash.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { SHELLS, resignSums, runVerifySh } from '../support/verify-sh.js';

describe('verify.sh: the standard-tools check shipped in every package', () => {
  let base: string;
  let signer: LocalEd25519Signer;
  let fp: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    signer = await sealDays(store, standardDays());
    fp = await signer.fingerprint();
    const tmp = mkdtempSync(join(tmpdir(), 'el-verify-sh-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    base = join(tmp, 'base');
    await extractPackageZip(pkg.zipPath, base);
  }, 60_000);

  const copy = () => {
    const d = mkdtempSync(join(tmpdir(), 'el-verify-sh-m-'));
    cpSync(base, d, { recursive: true });
    return d;
  };

  it.each(SHELLS)('passes the genuine package with %s and the genuine key', (shell) => {
    const r = runVerifySh(base, [fp], shell);
    expect(r.out).toContain('RESULT: VALID');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`package id (SHA-256 of manifest.json): ${sha256Hex(readFileSync(join(base, 'manifest.json')))}`);
    expect(r.out).toMatch(/5 run\(s\) signed by pinned keys; 4 chain link\(s\) hold/);
    if (process.env.SHOW_VERIFY_SH) console.log(r.out);
  });

  it('is the same file in every package, with the published SHA-256', () => {
    expect(readFileSync(join(base, 'verify.sh'), 'utf8')).toBe(VERIFY_SCRIPT);
    expect(sha256Hex(readFileSync(join(base, 'verify.sh')))).toBe(VERIFY_SCRIPT_SHA256);
    expect(readFileSync(join(base, 'VERIFY.md'), 'utf8')).toContain(VERIFY_SCRIPT_SHA256);
    // The README publishes it, so an assessor can compare a package's copy with it before running it.
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8').includes(VERIFY_SCRIPT_SHA256), `README.md names verify.sh SHA-256 ${VERIFY_SCRIPT_SHA256}`).toBe(true);
  });

  it('refuses usage errors with exit 2 and a key that is not pinned with exit 1', () => {
    expect(runVerifySh(base, []).code).toBe(2);
    expect(runVerifySh(base, ['not-a-fingerprint']).code).toBe(2);
    const other = runVerifySh(base, ['0'.repeat(64)]);
    expect(other.code).toBe(1);
    expect(other.out).toContain(`package key ${fp} (public-key.pem) is not a pinned key`);
    // Fingerprints are accepted in upper case and with colons, as some tools print them.
    expect(runVerifySh(base, [fp.toUpperCase().replace(/(..)(?!$)/g, '$1:')]).code).toBe(0);
  });

  it('fails on an edited file whose SHA256SUMS line was regenerated', () => {
    const d = copy();
    const csv = readFileSync(join(d, 'controls.csv'), 'utf8').replace(/,fail,/g, ',pass,');
    writeFileSync(join(d, 'controls.csv'), csv);
    const sums = readFileSync(join(d, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}  controls\.csv$/m, `${sha256Hex(Buffer.from(csv))}  controls.csv`);
    writeFileSync(join(d, 'SHA256SUMS'), sums);
    const r = runVerifySh(d, [fp]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('SHA256SUMS.sig does not verify over SHA256SUMS');
  });
});
