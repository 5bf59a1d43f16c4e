import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MAX_RUN_SPAN_MS, runSpanProblem, trustPolicy } from '../../src/seal/trust.js';
import { formatStoreReport } from '../../src/verify/store.js';
import { runSpanOption } from '../../src/cli/shared.js';
import { runPackageCli } from '../package/run-cli.js';
import { runVerifySh } from '../support/verify-sh.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';

/** A store that, like S3, says when its server wrote each run's files (LastModified): a minute after the run's completion. */
class ServerTimedStore extends MemoryStore {
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => {
      const completed = Date.parse((JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { completedAt: string }).completedAt);
      return new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: new Date(completed + 60_000) }]]));
    },
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };
}

const ACCT = '111111111111';

/**
 * A holder of kms:Sign (the collector's role) seals today, in a chain of its own, a run whose start (its run id, its
 * day) and records are on a past missed day and whose completion is today: it is written "on time" for its completion.
 * Both times are signed, and no collection takes longer than a day (`--max-run-span`, default 1 d), so the run's span
 * names it: `verify --store` and `package` list it as back-dated, and `verify` of the package warns offline.
 */
async function scene(limits: { maxRunSpanMs?: number } = {}) {
  const store = new ServerTimedStore();
  // The collector: the bucket was unencrypted on Oct 1 and Oct 3; Oct 2 was missed.
  const signer = await sealDays(store, [
    { day: '2026-10-01', encrypted: { [ACCT]: false } },
    { day: '2026-10-03', encrypted: { [ACCT]: false } },
  ]);
  // The insider, on Dec 5 with the collector's kms:Sign: a run of Oct 2 (encrypted: passing) that "completed" on Dec 5.
  const span = Math.round((Date.parse('2026-12-05T02:00:00Z') - Date.parse('2026-10-02T02:00:00Z')) / 60_000);
  await sealDays(store, [{ day: '2026-10-02', encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: 'a' }, minutes: span }], signer);
  const forged = (await store.listRuns()).find((id) => id.startsWith('20261002'));
  const fp = await signer.fingerprint();
  const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: trustPolicy([fp]), ...limits });
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-span-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z'), ...limits });
  const verified = await verifyPackage(pkg.zipPath, { expectedKeys: [fp], ...limits });
  const dir = mkdtempSync(join(tmpdir(), 'el-span-unzip-'));
  await extractPackageZip(pkg.zipPath, dir);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { datesWithoutRun: string[] } };
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const pdf = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  return { report, pkg, verified, summary, html, pdf, forged: forged as string, dir, fp };
}

describe('a run that says it took two months', () => {
  it('was: verify --store and package named nothing; now both name it as back-dated with both times and its span, and verify of the package warns', async () => {
    const { report, pkg, verified, summary, html, pdf, forged, dir, fp } = await scene();
    expect(forged).toBeDefined();
    // verify --store: a problem (exit 1) naming the run, both signed times and the span, and the limit it checked.
    const named = report.problems.filter((p) => p.runId === forged && /more than the 1 d a run may take/.test(p.problem));
    expect(named).toHaveLength(1);
    expect(named[0].problem).toContain('started at 2026-10-02T02:00:00.000Z and completed at 2026-12-05T02:00:00.000Z (both signed), a span of 64 d');
    expect(named[0].problem).toMatch(/back-dated/);
    expect(report.ok).toBe(false);
    expect(report.maxRunSpanMs).toBe(MAX_RUN_SPAN_MS);
    expect(formatStoreReport(report)).toContain("run span: each run's signed completion must be within 1 d of its signed start (--max-run-span)");
    // package: listed as stored later than it claims, as a run written late is; it stays in the package and its chain,
    // but proves no collection on the day it claims: that day is a day without a run.
    expect(pkg.summary.runsWrittenLate).toBe(1);
    expect(pkg.summary.runsNotCredited).toBe(1);
    expect(pkg.summary.maxRunSpanMs).toBe(MAX_RUN_SPAN_MS);
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(html).toContain('1 run(s) stored later than they claim');
    expect(html).toContain(`<code>${forged}</code> <code>runs/${forged}/manifest.json</code>: the run states it started at 2026-10-02T02:00:00.000Z`);
    expect(pdf).toContain('Runs stored later than they claim 1:');
    expect(pdf).toContain('A run whose signed completion is more than 1 d after its signed start is listed too');
    // verify of the package: both times are signed, so it warns offline; it holds no write times to fail on.
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    const warned = verified.warnings.filter((w) => w.path === `runs/${forged}` && /a run may take/.test(w.message));
    expect(warned).toHaveLength(1);
    expect(warned[0].message).toContain('a span of 64 d');
    expect(warned[0].message).toContain(`evidence-locker verify --store --run ${forged}`);
    // verify.sh, with standard tools: the same warning at its fixed day; the package stays VALID.
    const sh = runVerifySh(dir, [fp]);
    expect(sh.out).toContain(`WARNING (period coverage): runs/${forged}: the run states it started at 2026-10-02T02:00:00.000Z and completed at 2026-12-05T02:00:00.000Z (both signed), more than the 1 day a run may take`);
    expect(sh.out).toContain('RESULT: VALID');
    expect(sh.code).toBe(0);
  }, 120_000);

  it('--max-run-span: with a limit above the stated span the span names nothing, and the report says which limit it used; the run is still named, as not written on the day it claims', async () => {
    const { report, pkg, verified, pdf, forged } = await scene({ maxRunSpanMs: 70 * 86_400_000 });
    expect(report.problems.filter((p) => /a run may take/.test(p.problem))).toEqual([]);
    expect(report.maxRunSpanMs).toBe(70 * 86_400_000);
    // Its own run folder was first written on Dec 5, not on Oct 2: S3's clock, not the span, names it.
    expect(report.problems.filter((p) => p.runId === forged).map((p) => p.problem)).toEqual([expect.stringContaining('it proves no collection on 2026-10-02') as unknown]);
    expect(pkg.summary.runsWrittenLate).toBe(1);
    expect(pkg.summary.maxRunSpanMs).toBe(70 * 86_400_000);
    expect(pdf).toContain('A run whose signed completion is more than 70 d after its signed start is listed too');
    expect(verified.warnings.filter((w) => /a run may take/.test(w.message))).toEqual([]);
  }, 120_000);
});

describe('the run span limit the package was built with', () => {
  it('was: verify.sh warned only over its fixed day; now it uses the stricter limit manifest.json records, as verify does, with the same words', async () => {
    const store = new MemoryStore();
    // A run that says it took two hours, in a package built with --max-run-span 1h.
    const signer = await sealDays(store, [{ day: '2026-10-01', encrypted: { [ACCT]: true } }, { day: '2026-10-02', encrypted: { [ACCT]: true }, minutes: 120 }]);
    const fp = await signer.fingerprint();
    const long = (await store.listRuns()).find((id) => id.startsWith('20261002')) as string;
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', outDir: mkdtempSync(join(tmpdir(), 'el-span-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-10-03T10:00:00Z'), maxRunSpanMs: 3_600_000 });
    const dir = mkdtempSync(join(tmpdir(), 'el-span-unzip-'));
    await extractPackageZip(pkg.zipPath, dir);
    const note = '(the limit the package was built with, package --max-run-span, recorded in manifest.json: stricter than 1 d)';
    const verified = await verifyPackage(pkg.zipPath, { expectedKeys: [fp] });
    expect(verified.ok).toBe(true);
    expect(verified.warnings.filter((w) => w.path === `runs/${long}`).map((w) => w.message)).toEqual([expect.stringContaining(`more than the 1 h a run may take (--max-run-span): `) as unknown]);
    expect(verified.warnings.find((w) => w.path === `runs/${long}`)?.message).toContain(note);
    const sh = runVerifySh(dir, [fp]);
    expect(sh.out).not.toMatch(/awk: /);
    expect(sh.out).toContain(`WARNING (period coverage): runs/${long}: the run states it started at 2026-10-02T02:00:00.000Z and completed at 2026-10-02T04:00:00.000Z (both signed), more than the 1 h a run may take ${note}: its start`);
    expect(sh.out).toContain('RESULT: VALID');
    expect(sh.code).toBe(0);
  }, 120_000);
});

describe('the run span limit', () => {
  const start = '2026-10-02T02:00:00.000Z';
  const at = (ms: number) => new Date(Date.parse(start) + ms).toISOString();
  it('passes a run exactly at the limit and names one a millisecond over it', () => {
    expect(runSpanProblem(start, at(MAX_RUN_SPAN_MS), MAX_RUN_SPAN_MS)).toBeUndefined();
    expect(runSpanProblem(start, at(MAX_RUN_SPAN_MS + 1), MAX_RUN_SPAN_MS)).toMatch(/a span of 1 d, more than the 1 d a run may take/);
    expect(runSpanProblem(start, at(5 * 60_000), 60_000)).toMatch(/a span of 5 min, more than the 1 min/);
    expect(runSpanProblem(start, at(60_000), 60_000)).toBeUndefined();
  });

  it('--max-run-span takes 90m, 12h, 1d or seconds, at least a minute, and names what is wrong', async () => {
    expect(runSpanOption('90m')).toBe(90 * 60_000);
    expect(runSpanOption('12h')).toBe(12 * 3_600_000);
    expect(runSpanOption('1d')).toBe(86_400_000);
    expect(runSpanOption('3600')).toBe(3_600_000);
    expect(runSpanOption(' 60s ')).toBe(60_000);
    expect(() => runSpanOption('59s')).toThrow('--max-run-span 59s: less than one minute');
    expect(() => runSpanOption('a week')).toThrow('--max-run-span: "a week" is not a duration like 90m, 12h or 1d');
    expect(() => runSpanOption('-1d')).toThrow(/is not a duration/);
    const bad = await runPackageCli(['package', '--from', '2026-10-01', '--to', '2026-10-03', '--max-run-span', '30s']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-run-span 30s: less than one minute');
    const worse = await runPackageCli(['verify', 'some.zip', '--max-run-span', 'soon']);
    expect(worse.code).toBe(2);
    expect(worse.err).toContain('--max-run-span: "soon" is not a duration like 90m, 12h or 1d');
  });
});
