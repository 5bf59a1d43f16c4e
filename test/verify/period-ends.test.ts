import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { resignSums, runVerifySh } from '../support/verify-sh.js';

/**
 * Runs cut off at the ends of a package period. Whoever holds a trusted key can build a package from the store with its
 * first or last runs hidden; both verifiers must say what the package can prove: a first run linking to a missing run
 * dated inside the period is INVALID, the run the store held after a chain's last run (recorded in manifest.json) dated
 * inside the period is INVALID, and days at either end without a run are a prominent warning (a genuine package whose
 * collection began in the period still verifies VALID).
 */
describe('runs cut off at the ends of a package period', () => {
  let store: MemoryStore;
  let signer: LocalEd25519Signer;
  let fp: string;
  let ids: string[];
  const tmp = mkdtempSync(join(tmpdir(), 'el-period-ends-'));
  let n = 0;

  /** Builds and unzips a package of the period from the store with `hidden` runs left out of its listing. */
  async function pkg(from: string, to: string, hidden: string[] = []): Promise<string> {
    const view = new MemoryStore();
    view.objects = store.objects;
    for (const [k, v] of store.runs) if (!hidden.includes(k)) view.runs.set(k, v);
    const dir = join(tmp, `p${n++}`);
    const built = await buildPackage({ store: view, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from, to, outDir: join(dir, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-04-02T00:00:00Z') });
    await extractPackageZip(built.zipPath, join(dir, 'pkg'));
    return join(dir, 'pkg');
  }

  /** manifest.json edited and signed again with the trusted key (canonical key order kept), SHA256SUMS likewise. */
  async function edit(dir: string, change: (m: Record<string, unknown>) => void): Promise<void> {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    change(m);
    const bytes = Buffer.from(JSON.stringify(m, null, 2) + '\n');
    writeFileSync(join(dir, 'manifest.json'), bytes);
    writeFileSync(join(dir, 'manifest.sig'), await signer.sign(bytes));
    await resignSums(dir, signer);
  }

  beforeAll(async () => {
    store = new MemoryStore();
    signer = await sealDays(store, standardDays());
    fp = await signer.fingerprint();
    ids = [...store.runs.keys()].sort();
  }, 120_000);

  it('the first run left out: its successor links to a run dated inside the period, INVALID in both verifiers', async () => {
    const dir = await pkg('2026-03-01', '2026-03-05', [ids[0]]);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual({ path: `runs/${ids[1]}`, message: expect.stringMatching(new RegExp(`links to run ${ids[0]}, dated 2026-03-01 inside the period 2026-03-01 to 2026-03-05, which the package does not hold: runs of the period were left out`)) });
    const sh = runVerifySh(dir, [fp]);
    expect(sh.code).toBe(1);
    expect(sh.out).toMatch(new RegExp(`FAIL  runs/${ids[1]}: chain default: the first run in the package \\(2026-03-02\\) links to run ${ids[0]}, dated 2026-03-01 inside the period`));
  }, 120_000);

  it('the last run left out: VALID, but both verifiers warn that the last day has no run and none was sealed after', async () => {
    const dir = await pkg('2026-03-01', '2026-03-05', [ids[4]]);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.warnings).toEqual([{ path: `runs/${ids[3]}`, message: expect.stringMatching(/chain default: the last run in the package is .* on 2026-03-04; the 1 day 2026-03-05 to 2026-03-05 at the end of the period have no run of this chain; manifest.json, signed by the package key alone, records that no later run of this chain dated within the period was in the store when the package was built: if that record is true/) }]);
    expect(formatVerification(v, 'p.zip')).toMatch(/WARNING \(period coverage\): runs\/.*1 day 2026-03-05 to 2026-03-05[\s\S]*VALID: .*read the 1 period coverage warning\(s\) above/);
    const sh = runVerifySh(dir, [fp]);
    expect(sh.code).toBe(0);
    expect(sh.out).toMatch(/WARNING \(period coverage\): runs\/.*: chain default: the last run in the package is on 2026-03-04; the 1 day after it up to 2026-03-05 at the end of the period have no run of this chain; manifest.json, signed by the package key alone, records that no later run of this chain dated within the period/);

    // The store's next run recorded as inside the period (as an honest build records it when the last run is left out by hand): INVALID.
    const [, , , , last] = ids;
    const { manifest } = store.runs.get(last)!;
    const { createHash } = await import('node:crypto');
    await edit(dir, (m) => {
      (m.chainEnds as { next: unknown }[])[0].next = { manifestSha256: createHash('sha256').update(manifest).digest('hex'), runId: last, startedAt: '2026-03-05T02:00:00.000Z' };
    });
    const cut = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(cut.problems).toContainEqual({ path: `runs/${ids[3]}`, message: expect.stringMatching(new RegExp(`the evidence store held run ${last}, dated 2026-03-05 inside the period 2026-03-01 to 2026-03-05, after the package's last run`)) });
    const sh2 = runVerifySh(dir, [fp]);
    expect(sh2.code).toBe(1);
    expect(sh2.out).toMatch(new RegExp(`FAIL  runs/${ids[3]}: chain default: when the package was built the evidence store held run ${last}, dated 2026-03-05 inside the period`));
  }, 120_000);

  it('generatedAt not the completion of the last run held is INVALID in both verifiers', async () => {
    const dir = await pkg('2026-03-01', '2026-03-05');
    await edit(dir, (m) => {
      m.generatedAt = '2026-03-31T23:59:59.000Z';
    });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toContainEqual({ path: 'manifest.json', message: expect.stringMatching(/^generatedAt 2026-03-31T23:59:59.000Z is not the completion of the last run the package holds/) });
    const sh = runVerifySh(dir, [fp]);
    expect(sh.code).toBe(1);
    expect(sh.out).toMatch(/FAIL {2}manifest.json: generatedAt 2026-03-31T23:59:59.000Z is not the completion of the last run/);
  }, 120_000);

  it('genuine packages stay VALID without warnings: the first run ever, and a period whose chain starts before it and continues after it', async () => {
    const whole = await pkg('2026-03-01', '2026-03-05');
    const v = await verifyPackageDir(whole, { expectedKeys: [fp] });
    expect({ problems: v.problems, warnings: v.warnings }).toEqual({ problems: [], warnings: [] });
    expect(v.chains).toEqual([expect.objectContaining({ chain: 'default', runs: 5, start: expect.stringMatching(/is the first run the chain ever sealed/), end: expect.stringMatching(/was, by manifest.json, the chain's last run dated within the period when the package was built/) })]);
    expect(runVerifySh(whole, [fp]).out).toMatch(/RESULT: VALID/);

    const middle = await pkg('2026-03-02', '2026-03-04');
    const m = await verifyPackageDir(middle, { expectedKeys: [fp] });
    expect({ problems: m.problems, warnings: m.warnings }).toEqual({ problems: [], warnings: [] });
    expect(m.chains).toEqual([expect.objectContaining({ start: expect.stringMatching(new RegExp(`the chain's start is not shown: ${ids[1]} \\(2026-03-02\\) links to ${ids[0]} \\(2026-03-01\\)`)), end: expect.stringMatching(new RegExp(`${ids[3]} was, by manifest.json, the chain's last run dated within the period`)) })]);
    // Runs dated after the period are not looked for (they cannot cut it short): chainEnds records none.
    expect(JSON.parse(readFileSync(join(middle, 'manifest.json'), 'utf8')).chainEnds).toEqual([{ chain: 'default', lastRunId: ids[3], next: null }]);
    const sh = runVerifySh(middle, [fp]);
    expect(sh.code).toBe(0);
    expect(sh.out).not.toMatch(/WARNING/);

    // Collection began inside the period: VALID, with the days before it named.
    const late = await pkg('2026-02-27', '2026-03-05');
    const l = await verifyPackageDir(late, { expectedKeys: [fp] });
    expect(l.problems).toEqual([]);
    expect(l.warnings).toEqual([{ path: `runs/${ids[0]}`, message: expect.stringMatching(/collection began on 2026-03-01 .*, 2 days after the period start 2026-02-27/) }]);
    expect(runVerifySh(late, [fp]).code).toBe(0);
  }, 120_000);
});
