import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { formatVerification, verifyPackage } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { spawnSync } from 'node:child_process';

/** verify.sh run in an unzipped package with the given arguments (role options included). */
function verifySh(d: string, args: string[]): { code: number; out: string } {
  const r = spawnSync('sh', ['verify.sh', ...args], { cwd: d, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * Keys pinned by role. Runs sealed by the collectors' key and a package signed by another key: `--expect-key` keeps
 * accepting a key for both (compatibility), while `--expect-package-key` / `--expect-run-key` (verify.sh: --package-key
 * / --run-key) refuse a package signed with the run key, or a run signed with the package key.
 */
describe('pinned keys by role', () => {
  let zip: string;
  let dir: string;
  let forgedZip: string;
  let forgedDir: string;
  let runFp: string;
  let pkgFp: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    const runSigner = await sealDays(store, standardDays());
    const pkgSigner = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-roles-pkg-key-')));
    runFp = await runSigner.fingerprint();
    pkgFp = await pkgSigner.fingerprint();
    const tmp = mkdtempSync(join(tmpdir(), 'el-roles-'));
    const common = { store, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', evaluate: fixtureEvaluate, trust: trustPolicy([runFp]) };
    zip = (await buildPackage({ ...common, signer: pkgSigner, outDir: join(tmp, 'genuine') })).zipPath;
    // Whoever holds only a collector's (run) key builds and signs a package of their own.
    forgedZip = (await buildPackage({ ...common, signer: runSigner, outDir: join(tmp, 'forged') })).zipPath;
    dir = join(tmp, 'genuine-dir');
    forgedDir = join(tmp, 'forged-dir');
    await extractPackageZip(zip, dir);
    await extractPackageZip(forgedZip, forgedDir);
  }, 120_000);

  it('--expect-key pins a key for both roles, as before: the package signed with the run key still passes', async () => {
    expect((await verifyPackage(zip, { expectedKeys: [runFp, pkgFp] })).ok).toBe(true);
    expect((await verifyPackage(forgedZip, { expectedKeys: [runFp, pkgFp] })).ok).toBe(true);
  }, 60_000);

  it('pinned by role, the genuine package is VALID and the verdict names which key signed what', async () => {
    const v = await verifyPackage(zip, { expectedPackageKeys: [pkgFp], expectedRunKeys: [runFp] });
    expect(v.problems).toEqual([]);
    expect(v.pinnedPackageKeys).toEqual([pkgFp]);
    expect(v.pinnedRunKeys).toEqual([runFp]);
    const text = formatVerification(v, 'p.zip');
    expect(text).toContain(`pinned for the package manifest: ${pkgFp}; for run manifests: ${runFp}`);
    expect(text).toContain(`package manifest signed by ${pkgFp}; runs signed by ${runFp}`);
    const sh = verifySh(dir, ['--package-key', pkgFp, '--run-key', runFp]);
    expect(sh.out).toContain(`signed by: package manifest ${pkgFp}; runs ${runFp}`);
    expect(sh.code).toBe(0);
  }, 60_000);

  it('pinned by role, a package signed with the run key, or runs signed with the package key, are INVALID in both verifiers', async () => {
    const forged = await verifyPackage(forgedZip, { expectedPackageKeys: [pkgFp], expectedRunKeys: [runFp] });
    expect(forged.ok).toBe(false);
    expect(forged.problems).toContainEqual({ path: 'manifest.sig', message: expect.stringMatching(new RegExp(`^signed with key ${runFp} \\(its public-key.pem\\), which is not a key pinned for the package manifest \\(--expect-key or --expect-package-key\\) \\(it is pinned for run manifests only\\)`)) });
    const swapped = await verifyPackage(zip, { expectedPackageKeys: [runFp], expectedRunKeys: [pkgFp] });
    expect(swapped.ok).toBe(false);
    expect(swapped.problems.some((p) => /^runs\//.test(p.path) && /which is not a key pinned for run manifests/.test(p.message))).toBe(true);
    const sh = verifySh(forgedDir, ['--package-key', pkgFp, '--run-key', runFp]);
    expect(sh.code).toBe(1);
    expect(sh.out).toContain(`FAIL  package key ${runFp} (public-key.pem) is pinned for run manifests only (--run-key), not for the package manifest`);
    // The run key pinned for the package manifest only: the genuine package's runs are refused.
    const sh2 = verifySh(dir, ['--package-key', pkgFp, '--package-key', runFp, '--run-key', pkgFp]);
    expect(sh2.code).toBe(1);
    expect(sh2.out).toMatch(/FAIL {2}runs\/.* is signed by key [0-9a-f]{64}, which is pinned for the package manifest only \(--package-key\), not for run manifests/);
    // --key keeps pinning a key for both roles in verify.sh too.
    expect(verifySh(forgedDir, ['--key', pkgFp, '--key', runFp]).code).toBe(0);
  }, 60_000);
});
