import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { RESEALS } from '../../src/seal/seal.js';
import { refusalCensus } from '../../src/seal/refusals.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { runVerifySh } from '../support/verify-sh.js';

const ACCT = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-refused-'));

/** A local store in which someone watching the runs folder makes the folder of every run whose id starts with `victim`, just before it is published. */
class PlantingEveryAttempt extends LocalEvidenceStore {
  planted = 0;
  constructor(root: string, private readonly victim: string) {
    super(root);
  }
  protected override async publishRun(tmpDir: string, runDir: string): Promise<void> {
    if (basename(runDir).startsWith(this.victim)) {
      this.planted++;
      mkdirSync(runDir);
      writeFileSync(join(runDir, 'manifest.json'), '{"planted":true}');
    }
    return super.publishRun(tmpDir, runDir);
  }
}

/** Day 1 sealed; every attempt of day 2 planted (refused); junk under refusals/; day 3 sealed. */
async function scene() {
  const root = tmp();
  const store = new PlantingEveryAttempt(root, '20261002');
  const signer = await sealDays(store, [{ day: '2026-10-01', encrypted: { [ACCT]: true }, provenance: true }]);
  const err = await sealDays(store, [{ day: '2026-10-02', encrypted: { [ACCT]: true }, provenance: true }], signer).then(
    () => undefined,
    (e: Error) => e,
  );
  // Junk someone with write access put under refusals/: unsigned bytes, and a record signed by a key nobody trusts.
  writeFileSync(join(root, 'refusals', 'junk.json'), '{"not":"a refusal"}');
  const other = LocalEd25519Signer.open(tmp());
  const fake = { schema: 'evidence-locker/seal-refusal@1', note: 'forged' };
  writeFileSync(join(root, 'refusals', `20261002T020000Z-000000-r${'f'.repeat(32)}.json`), canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal: fake, signature: (await other.sign(canonicalBytes(fake))).toString('base64'), publicKeyPem: await other.publicKeyPem() }));
  await sealDays(store, [{ day: '2026-10-03', encrypted: { [ACCT]: true }, provenance: true }], signer);
  const runs = await store.listRuns();
  const trust = trustPolicy([await signer.fingerprint()]);
  return { root, store, signer, err, runs, trust };
}

describe('a seal refused by files planted in every attempt', () => {
  it('writes a signed refusal record that the next sealed run names; verify --store shows the day as refused and the junk as foreign', async () => {
    const { store, err, trust } = await scene();
    expect(store.planted).toBe(RESEALS + 1);
    expect(err?.message).toMatch(/^the run could not be sealed: someone else planted files in the run folder of each of its 4 attempts/);
    expect(err?.message).toMatch(/a signed refusal record was written at refusals\/20261002T020000Z-\d{6}-r[0-9a-f]{32}\.json \(SHA-256 [0-9a-f]{64}\): the next sealed run of chain "default" names it/);

    const census = await refusalCensus(store, trust);
    expect(census.trusted).toHaveLength(1);
    const refusal = census.trusted[0].refusal;
    expect(refusal.attempts).toHaveLength(RESEALS + 1);
    expect(refusal.attempts.every((a) => a.runId.startsWith('20261002T020000Z-') && a.planted.some((p) => p.key.endsWith('/manifest.json')))).toBe(true);
    expect(refusal.records).toEqual({ count: 2, errors: 0, bodiesStored: 2 });
    expect(refusal.startedAt).toBe('2026-10-02T02:00:00.000Z');
    expect(refusal.previous?.runId).toMatch(/^20261001T020000Z-/);
    expect(census.foreign.map((f) => f.path).sort()).toEqual(['refusals/20261002T020000Z-000000-r' + 'f'.repeat(32) + '.json', 'refusals/junk.json']);
    expect(census.foreign.every((f) => f.reason === 'not-a-refusal')).toBe(true);

    // The day-3 run's signed manifest names the refusal (and not the junk); it still links to day 1.
    const runs = await store.listRuns();
    const day3 = runs.find((r) => r.startsWith('20261003'))!;
    const m = RunManifestSchema.parse(JSON.parse((await store.getRun(day3)).manifest.toString('utf8')));
    expect(m.previous?.runId).toMatch(/^20261001T020000Z-/);
    expect(m.refusals).toEqual([expect.objectContaining({ path: census.trusted[0].ref.path, sha256: census.trusted[0].sha256, runIds: refusal.attempts.map((a) => a.runId), startedAt: refusal.startedAt })]);

    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-03T23:59:59Z') }, { trust });
    expect(report.problems).toEqual([]);
    expect(report.refused).toEqual([expect.objectContaining({ path: census.trusted[0].ref.path, chain: 'default', runIds: refusal.attempts.map((a) => a.runId), namedBy: day3 })]);
    const text = formatStoreReport(report);
    expect(text).toContain(`REFUSED 2026-10-02 chain default: seal refused: files planted by someone else (attempts ${refusal.attempts.map((a) => a.runId).join(', ')}); signed refusal record ${census.trusted[0].ref.path}, named by run ${day3}`);
    expect(text).toMatch(/FOREIGN refusals\/junk\.json: under refusals\/, but not a signed refusal record/);
    expect(text).toMatch(/FOREIGN refusals\/20261002T020000Z-000000-rf{32}\.json: .*not a trusted key/);
  }, 120_000);

  it('the package shows the day as a refused seal, carries the signed record, and both verifiers accept it; a record altered or removed is INVALID', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-11-02T09:00:00Z') });
    const dir = tmp();
    await extractPackageZip(built.zipPath, dir);
    const attempts = refused.refusal.attempts.map((a) => a.runId);

    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { datesWithoutRun: string[]; sealRefused?: { day: string; attempts: string[]; record: string; namedBy?: string }[] } };
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(summary.period.sealRefused).toEqual([expect.objectContaining({ day: '2026-10-02', chain: 'default', attempts, record: refused.ref.path, records: 2 })]);
    expect(summary.period.sealRefused![0].namedBy).toMatch(/^20261003T020000Z-/);
    expect(readFileSync(join(dir, ...refused.ref.path.split('/')))).toEqual(refused.bytes);

    // Compared without white space: the PDF wraps long lines (also after a hyphen).
    const pdf = spawnSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
    const squeezed = (t: string) => t.replace(/\s+/g, '');
    expect(pdf).toContain(squeezed(`2026-10-02 (seal refused: files planted by someone else; attempts ${attempts.join(', ')})`));
    expect(pdf).toContain(squeezed('Seals refused: files planted by someone else'));
    expect(pdf).toContain(squeezed(`not sealed); named by run ${summary.period.sealRefused![0].namedBy}`));
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('seal refused: files planted by someone else; attempts');
    expect(html).toContain(refused.ref.path);

    const fp = await signer.fingerprint();
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.refusedSeals).toEqual([expect.objectContaining({ path: refused.ref.path, day: '2026-10-02', attempts })]);
    expect(formatVerification(v, 'pkg')).toContain(`SEAL REFUSED: 2026-10-02, chain default: seal refused: files planted by someone else (attempts ${attempts.join(', ')})`);
    expect(runVerifySh(dir, [fp]).code).toBe(0);

    // Someone edits the record in the package (the refused day, the attempts): its hash and signature no longer hold.
    const file = join(dir, ...refused.ref.path.split('/'));
    chmodSync(file, 0o644);
    writeFileSync(file, refused.bytes.toString('utf8').replace('2026-10-02T02:00:00.000Z', '2026-10-04T02:00:00.000Z'));
    const altered = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(altered.ok).toBe(false);
    expect(altered.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(new RegExp(`${refused.ref.path.replace(/\./g, '\\.')}: not a refusal record signed by a key of the package's runs: the signature does not verify`));
    rmSync(file);
    const removed = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(removed.problems.map((p) => p.message).join('\n')).toContain(`names the signed refusal record ${refused.ref.path} (seal refused: files planted by someone else (attempts ${attempts.join(', ')})), which the package does not carry`);
  }, 180_000);
});
