/**
 * Both verifiers count a slot's shards up to the shard count a run signs (the missing-shard derivation). A holder of
 * the signing key could sign a count no collector writes (`collect --shard i/n` takes at most 1,000) to make them
 * loop for as long as it likes: such a run is refused, in `verify`, `verify --store` and verify.sh alike.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { MAX_SHARD_COUNT } from '../../src/evidence/manifest.js';
import { buildPackage } from '../../src/package/build.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { parseShard } from '../../src/cli/shared.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { replaceRunManifest } from '../support/resign-package.js';
import { SHELLS, runVerifySh } from '../support/verify-sh.js';

const ACCT = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-shard-cap-'));
const COUNT = 5000;
const WORDS = `a shard count over ${MAX_SHARD_COUNT}, the most collect --shard i/n takes: no evidence-locker collection seals such a run`;

/** Two days of shard 1 of 2; the second run's manifest then signed again by the key's holder with a count of 5,000. */
async function scene() {
  const root = tmp();
  const store = new LocalEvidenceStore(root);
  const signer = await sealDays(store, ['2026-10-01', '2026-10-02'].map((day) => ({ day, encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: day } })));
  const runId = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
  return { root, store, signer, runId };
}

/** The package of both days, built and extracted: its folder. */
async function extractedPackage(store: LocalEvidenceStore, signer: Awaited<ReturnType<typeof sealDays>>): Promise<string> {
  const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-10-03T09:00:00Z') });
  const dir = tmp();
  await extractPackageZip(built.zipPath, dir);
  return dir;
}

const bigger = (bytes: Buffer) => {
  const m = JSON.parse(bytes.toString('utf8')) as { shard: { count: number } };
  m.shard.count = COUNT;
  return canonicalBytes(m);
};

describe('a run signing a shard count no collector writes', () => {
  it(`the collector's own limit: --shard takes a count up to ${MAX_SHARD_COUNT}`, () => {
    expect(parseShard(`1/${MAX_SHARD_COUNT}`)).toEqual({ index: 1, count: MAX_SHARD_COUNT });
    expect(() => parseShard(`1/${MAX_SHARD_COUNT + 1}`)).toThrow(`count at most ${MAX_SHARD_COUNT}`);
  });

  it('was: verify and verify.sh counted up to it (and listed 4,999 missing shards); now the package is INVALID, naming the run and the count', async () => {
    const { store, signer, runId } = await scene();
    const fp = await signer.fingerprint();
    const dir = await extractedPackage(store, signer);
    const bytes = bigger(readFileSync(join(dir, 'runs', runId, 'manifest.json')));
    await replaceRunManifest(dir, signer, runId, bytes, (m) => {
      const run = m.runs.find((r) => r.runId === runId) as { shard?: { count: number } };
      if (run.shard) run.shard.count = COUNT;
    });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toContainEqual(expect.stringContaining(WORDS));
    const sh = runVerifySh(dir, [fp]);
    expect(sh.out).toContain(`FAIL  runs/${runId}: shard count ${COUNT} in its signed manifest: ${WORDS}`);
    expect(sh.out).not.toMatch(/awk: /);
    expect(sh.code).toBe(1);
  }, 120_000);

  it('was: verify --store took the run as evidence; now it is a foreign object naming the count, and package leaves it out', async () => {
    const { root, store, signer, runId } = await scene();
    const bytes = bigger(readFileSync(join(root, 'runs', runId, 'manifest.json')));
    writeFileSync(join(root, 'runs', runId, 'manifest.json'), bytes);
    writeFileSync(join(root, 'runs', runId, 'manifest.sig'), await signer.sign(bytes));
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: trustPolicy([await signer.fingerprint()]) });
    expect(report.ok).toBe(false);
    const named = report.foreign.filter((f) => f.runId === runId);
    expect(named).toHaveLength(1);
    expect(named[0].detail).toContain(WORDS);
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-10-03T09:00:00Z') });
    expect(built.summary.runs).toBe(1);
    expect(built.summary.foreignObjects).toBeGreaterThanOrEqual(1);
  }, 120_000);
  it.each([
    [0, 2],
    [3, 2],
  ])('a signed shard index %i of %i, which collect --shard never takes, is a foreign object in verify --store', async (index, count) => {
    const { root, store, signer, runId } = await scene();
    const m = JSON.parse(readFileSync(join(root, 'runs', runId, 'manifest.json'), 'utf8')) as { shard: { index: number; count: number } };
    m.shard = { ...m.shard, index, count };
    const bytes = canonicalBytes(m);
    writeFileSync(join(root, 'runs', runId, 'manifest.json'), bytes);
    writeFileSync(join(root, 'runs', runId, 'manifest.sig'), await signer.sign(bytes));
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: trustPolicy([await signer.fingerprint()]) });
    expect(report.ok).toBe(false);
    const named = report.foreign.filter((f) => f.runId === runId);
    expect(named).toHaveLength(1);
    expect(named[0].detail).toContain('a shard index outside 1 to its count, which collect --shard i/n never takes');
  }, 120_000);

  it.each([3, 0])('a package holding a run that signs shard index %i of 2 is INVALID in verify and (was: passed) in verify.sh under every shell, naming it', async (index) => {
    const { store, signer, runId } = await scene();
    const fp = await signer.fingerprint();
    const dir = await extractedPackage(store, signer);
    const m = JSON.parse(readFileSync(join(dir, 'runs', runId, 'manifest.json'), 'utf8')) as { shard: { index: number } };
    m.shard.index = index;
    await replaceRunManifest(dir, signer, runId, canonicalBytes(m), (pm) => {
      const run = pm.runs.find((r) => r.runId === runId) as { shard?: { index: number } };
      if (run.shard) run.shard.index = index;
    });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toContainEqual(expect.stringContaining('a shard index outside 1 to its count'));
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out, shell).toContain(`FAIL  runs/${runId}: shard index ${index} of 2 in its signed manifest: a shard index outside 1 to its count, which collect --shard i/n never takes: no evidence-locker collection seals such a run`);
      expect(sh.out, shell).not.toMatch(/awk: /);
      expect(sh.code, shell).toBe(1);
    }
  }, 240_000);

  it('verify.sh passes the untouched package (shard 1 of 2 on both days) under every shell, naming no shard index', async () => {
    const { store, signer } = await scene();
    const fp = await signer.fingerprint();
    const dir = await extractedPackage(store, signer);
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out, shell).not.toContain('shard index');
      expect(sh.code, shell).toBe(0);
    }
  }, 240_000);
});
