import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../src/package/build.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { rewriteSummary } from '../support/resign-package.js';

const A = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-attack-revision-'));

/** Account A's logs bucket is never encrypted: requirement 1.1 fails on every day, and the summary counts it. */
async function scene(days: string[], builtAt: string) {
  const store = new MemoryStore();
  const signer = await sealDays(store, days.map((day) => ({ day, encrypted: { [A]: false } })));
  const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: days[0], to: days[days.length - 1], evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date(builtAt) });
  const dir = tmp();
  await extractPackageZip(built.zipPath, dir);
  return { signer, dir, fp: await signer.fingerprint() };
}

/** What the holder of the package key leaves: no revision (as an earlier build wrote none), and no count of failures. */
const lowered = (s: Record<string, unknown>) => {
  delete s.summaryRevision;
  delete (s.statusCounts as Record<string, Record<string, number>>)['test-fw'].fail;
  delete s.failingResults;
};

describe('a summary.json whose revision the holder of the package key took out, to drop its failure counts', () => {
  it('is INVALID recomputed when the package was built since every build records revision 6 (was: 4, though revisions 5 and 6 were written before that day): the lacking fields are differences', async () => {
    const { signer, dir, fp } = await scene(['2026-12-01', '2026-12-02'], '2026-12-08T09:00:00Z');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ failingResults: 1 });
    expect(summary.summaryRevision).toBeGreaterThanOrEqual(6);
    expect(summary.statusCounts['test-fw'].fail).toBeGreaterThan(0);
    await rewriteSummary(dir, signer, lowered);

    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    // Before: VALID, "identical except fields not in this package", the failure counts named as written by an earlier build.
    expect(v.recompute?.ran).toBe(true);
    expect(v.recompute?.notInPackage).toBeUndefined();
    expect(v.ok).toBe(false);
    const messages = v.problems.filter((p) => p.path === 'summary.json').map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/^summaryRevision is \(absent\) in the package, but manifest\.json says it was built 2026-12-08T09:00:00\.000Z \(builtAt\), on or after 2026-12-08, since when every build writes revision 6 or later: the revision was lowered or taken out/));
    expect(messages).toContainEqual(expect.stringMatching(/^failingResults is \(absent\) in the package, 1 recomputed/));
    expect(messages).toContainEqual(expect.stringMatching(/^statusCounts\.test-fw\.fail is \(absent\) in the package, \d+ recomputed/));
    expect(formatVerification(v, 'lowered.zip')).toMatch(/\nINVALID/);
  }, 180_000);

  it('a revision stated lower than the build day allows is not believed either', async () => {
    const { signer, dir, fp } = await scene(['2026-12-07', '2026-12-08'], '2026-12-09T09:00:00Z');
    await rewriteSummary(dir, signer, (s) => {
      s.summaryRevision = 1;
      delete s.backDatingChecks;
    });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.ok).toBe(false);
    const messages = v.problems.filter((p) => p.path === 'summary.json').map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(/^summaryRevision is 1 in the package, but manifest\.json says it was built 2026-12-09T09:00:00\.000Z \(builtAt\), on or after 2026-12-09, since when every build writes revision 7 or later/));
    // Compared as revision 7: findings.csv has its severity_raised column, as every build of that day writes it.
    expect(v.problems.filter((p) => p.path === 'findings.csv')).toEqual([]);
    expect(messages).toContainEqual(expect.stringMatching(/^backDatingChecks\.writeTimesChecked is \(absent\) in the package, false recomputed/));
  }, 180_000);

  it('a package of runs completed before revisions were recorded, built then, still reads as an earlier build\'s (named, VALID)', async () => {
    const { signer, dir, fp } = await scene(['2026-10-01', '2026-10-02'], '2026-11-02T09:00:00Z');
    // As a build of then wrote it: no revision, and findings.csv without the column revision 7 added.
    await rewriteSummary(dir, signer, (s) => void delete s.summaryRevision, { earlierBuild: true });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.recompute?.notInPackage).toContain('summaryRevision');
  }, 180_000);
});
