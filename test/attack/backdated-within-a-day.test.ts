import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES, RUN_START_FILE } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MAX_SEAL_DELAY_MS, runDayWriteProblem, trustPolicy } from '../../src/seal/trust.js';
import { parseCsv } from '../../src/csv-parse.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, type FixtureDay } from '../package/fixtures.js';

/**
 * A store that, like S3, says when its server wrote each file of a run folder (LastModified). By default a run is
 * written as `collect` writes it: its start file a second after its signed start, its seal's files a minute after its
 * completion. A test sets other times per run (`written`), with or without a start file.
 */
class ServerTimedStore extends MemoryStore {
  readonly written = new Map<string, { start?: Date; seal: Date }>();
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => {
      const m = JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { startedAt: string; completedAt: string };
      const at = this.written.get(runId) ?? { start: new Date(Date.parse(m.startedAt) + 1000), seal: new Date(Date.parse(m.completedAt) + 60_000) };
      const files = new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: at.seal }]]));
      if (at.start) files.set(RUN_START_FILE, [{ key: `runs/${runId}/${RUN_START_FILE}`, versionId: 'v0', lastModified: at.start }]);
      return files;
    },
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };
}

const ACCT = '111111111111';

async function packaged(store: MemoryStore, signer: Awaited<ReturnType<typeof sealDays>>, from: string, to: string) {
  const fp = await signer.fingerprint();
  const report = await verifyStoredRuns(store, { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T23:59:59Z`) }, { trust: trustPolicy([fp]) });
  // 1.1's procedure tested by its AWS check, so testing-procedures.csv carries its gap note.
  const procedureMaps = [{ framework: 'test-fw', procedures: [{ procedure: 'Examine bucket encryption settings.', requirement: '1.1', method: 'examine-configuration' as const, queries: ['test.bucket-encryption'] }], untested: [] }];
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from, to, outDir: mkdtempSync(join(tmpdir(), 'el-day-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z'), procedureMaps });
  const dir = mkdtempSync(join(tmpdir(), 'el-day-unzip-'));
  await extractPackageZip(pkg.zipPath, dir);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    summaryRevision: number;
    period: { daysWithRun: number; datesWithoutRun: string[]; runsNotCredited?: { runId: string; day: string; why: string }[] };
    backDatingChecks?: { writeTimesChecked: boolean; maxSealDelayMs: number; maxRunSpanMs: number };
  };
  const controls = parseCsv(readFileSync(join(dir, 'controls.csv'), 'utf8').replace(/^#.*\n/gm, ''));
  const procedures = readFileSync(join(dir, 'testing-procedures.csv'), 'utf8');
  const oscal = readFileSync(join(dir, 'oscal', 'assessment-results.json'), 'utf8');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const pdf = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  return { report, pkg, summary, controls, procedures, oscal, html, pdf, fp };
}

describe('a run sealed this morning, stated to start yesterday (a span under a day)', () => {
  it('was: credited to yesterday with nothing named; now verify --store and the package name it, and yesterday is a gap in every view', async () => {
    const store = new ServerTimedStore();
    // The collector ran on Oct 1 and Oct 3 (the bucket unencrypted: failing); Oct 2 was missed.
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false } },
      { day: '2026-10-03', encrypted: { [ACCT]: false } },
    ]);
    // A holder of kms:Sign, on Oct 3 at 07:56, seals a passing run "started Oct 2 09:00, completed Oct 3 07:55": its span
    // (22 h 55 min) is under the day a run may take, and its files reach the store a minute after its completion.
    const forgedDay: FixtureDay = { day: '2026-10-02', hour: 9, minutes: 22 * 60 + 55, encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: 'a' } };
    await sealDays(store, [forgedDay], signer);
    const forged = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
    // Whether it wrote a start file now or none at all, the earliest write of its own folder is Oct 3 07:56.
    store.written.set(forged, { start: new Date('2026-10-03T07:56:00Z'), seal: new Date('2026-10-03T07:56:30Z') });

    const { report, pkg, summary, controls, procedures, oscal, html, pdf } = await packaged(store, signer, '2026-10-01', '2026-10-03');
    // verify --store: a problem naming the run, the day it claims and the server's time of its first write.
    const named = report.problems.filter((p) => p.runId === forged);
    expect(named).toHaveLength(1);
    expect(named[0].key).toBe(`runs/${forged}/${RUN_START_FILE}`);
    expect(named[0].problem).toContain('the run states it started at 2026-10-02T09:00:00.000Z (day 2026-10-02), but the earliest file of its own run folder was written to the store at 2026-10-03T07:56:00.000Z');
    expect(named[0].problem).toContain('it proves no collection on 2026-10-02');
    expect(report.ok).toBe(false);
    // The other runs were written on their days: nothing else is named.
    expect(report.problems.filter((p) => p.runId !== forged)).toEqual([]);

    // The package: listed as stored later than it claims, and Oct 2 is a day without a run, never a pass.
    expect(pkg.summary.runsWrittenLate).toBe(1);
    expect(pkg.summary.runsNotCredited).toBe(1);
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(summary.period.daysWithRun).toBe(2);
    expect(summary.period.runsNotCredited).toEqual([{ runId: forged, day: '2026-10-02', why: expect.stringContaining('it proves no collection on 2026-10-02') as unknown }]);
    expect(summary.backDatingChecks).toEqual({ writeTimesChecked: true, maxSealDelayMs: MAX_SEAL_DELAY_MS, maxRunSpanMs: 86_400_000 });
    const header = controls[0];
    const row = controls.slice(1).find((r) => r[header.indexOf('requirement')] === '1.1' && r[header.indexOf('account')] === ACCT)!;
    expect(row[header.indexOf('reasons')]).toContain(`NOT CREDITED: 1 day(s) of this account claimed by a sealed run that proves no collection on them`);
    expect(row[header.indexOf('reasons')]).toContain(`run ${forged} claims 2026-10-02`);
    expect(procedures).toContain(`account ${ACCT}: 2026-10-02 is not credited to run ${forged}, which proves no collection on it`);
    expect(oscal).toContain(`2026-10-02 is not credited to run ${forged}`);
    expect(html).toContain('1 run(s) stored later than they claim');
    expect(html).toContain('They prove no collection on the day they claim (2026-10-02)');
    expect(pdf).toContain('no file of their own run folder was written on the day they claim (see "Foreign objects"); the 1 day(s) they claim (2026-10-02) count as days without a run');
    expect(pdf).toContain('None of these runs proves a collection on the day it claims: that day counts as a day without a run');
    expect(pdf).toContain(`2026-10-02 (not credited: run ${forged} stored later than it claims)`);

    // verify --recompute reproduces the results from the package alone: the builder's finding is recorded in manifest.json.
    const recomputed = await verifyPackage(pkg.zipPath, { recompute: { evaluate: fixtureEvaluate } });
    expect(recomputed.recompute?.problems ?? []).toEqual([]);
    expect(recomputed.ok).toBe(true);
  }, 120_000);

  it('a genuine run that starts at 23:50 and seals at 00:20 is credited to its start day: its start file was written before midnight', async () => {
    const store = new ServerTimedStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false } },
      { day: '2026-10-02', hour: 23, minute: 50, minutes: 30, encrypted: { [ACCT]: false } },
      { day: '2026-10-03', encrypted: { [ACCT]: false } },
    ]);
    const late = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
    const { report, pkg, summary } = await packaged(store, signer, '2026-10-01', '2026-10-03');
    expect(report.problems).toEqual([]);
    expect(pkg.summary.runsNotCredited).toBe(0);
    expect(summary.period.datesWithoutRun).toEqual([]);
    expect(summary.period.runsNotCredited).toBeUndefined();

    // Taking hours across midnight is fine too, as long as the collection wrote its start file on its day.
    const listed = await store.lockedVersions.runFileVersions(late);
    const long = { kind: 'collection' as const, startedAt: '2026-10-02T22:00:00.000Z' };
    const at = (start: string | undefined, seal: string) => {
      const m = new Map(listed);
      m.set(RUN_FILES.manifest, [{ key: 'm', lastModified: new Date(seal) }]);
      m.set(RUN_FILES.signature, [{ key: 's', lastModified: new Date(seal) }]);
      m.set(RUN_FILES.publicKey, [{ key: 'k', lastModified: new Date(seal) }]);
      if (start) m.set(RUN_START_FILE, [{ key: 'start', lastModified: new Date(start) }]);
      else m.delete(RUN_START_FILE);
      return m;
    };
    const limits = { maxDelayMs: MAX_SEAL_DELAY_MS, skewMs: 15 * 60_000 };
    expect(runDayWriteProblem(long, at('2026-10-02T22:00:01Z', '2026-10-03T01:30:00Z'), [], limits)).toBeUndefined();
    // Without a start file (sealed by hand, or by a release that wrote none), the seal's files are all there is.
    expect(runDayWriteProblem(long, at(undefined, '2026-10-03T01:30:00Z'), [], limits)?.problem).toContain('proves no collection on 2026-10-02');
    // A start at 23:59:30 whose start file lands at 00:00:02 is within the margin of its start.
    expect(runDayWriteProblem({ kind: 'collection', startedAt: '2026-10-02T23:59:30.000Z' }, at('2026-10-03T00:00:02Z', '2026-10-03T00:30:00Z'), [], limits)).toBeUndefined();
    // A run sealed again under a new id (files planted) is dated by its first attempt's start file.
    const attempt = new Map([[RUN_START_FILE, [{ key: 'a/start', lastModified: new Date('2026-10-02T22:00:01Z') }]]]);
    expect(runDayWriteProblem(long, at(undefined, '2026-10-03T01:30:00Z'), [attempt], limits)).toBeUndefined();
    // A folder written long before the run it holds says it started did not date that start.
    expect(runDayWriteProblem(long, at('2026-10-01T22:00:00Z', '2026-10-03T01:30:00Z'), [], limits)?.problem).toContain('before the start');
    // Reconstructions (dated by the day they rebuilt) and attestations are not judged by the day they were written.
    expect(runDayWriteProblem({ ...long, reconstruction: { asOf: '2026-09-01' } }, at(undefined, '2026-10-05T01:30:00Z'), [], limits)).toBeUndefined();
    expect(runDayWriteProblem({ kind: 'attestation', startedAt: long.startedAt }, at(undefined, '2026-10-05T01:30:00Z'), [], limits)).toBeUndefined();
  }, 120_000);
});

describe('a run named stored later than it claims proves no day', () => {
  it('was: a run written two months late still made its day one with evidence; now that day is a gap in summary.json and controls.csv', async () => {
    const store = new ServerTimedStore();
    const signer = await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: false } })));
    const late = (await store.listRuns())[1];
    store.written.set(late, { seal: new Date('2026-12-05T09:00:00Z') });
    const { pkg, summary, controls } = await packaged(store, signer, '2026-10-01', '2026-10-03');
    expect(pkg.summary.runsWrittenLate).toBe(1);
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(summary.period.runsNotCredited?.map((n) => [n.runId, n.day])).toEqual([[late, '2026-10-02']]);
    expect(summary.period.runsNotCredited?.[0].why).toMatch(/back-dated/);
    const header = controls[0];
    const row = controls.slice(1).find((r) => r[header.indexOf('requirement')] === '1.1' && r[header.indexOf('account')] === ACCT)!;
    expect(row[header.indexOf('reasons')]).toContain(`run ${late} claims 2026-10-02`);
  }, 120_000);

  it('on a local store (no trusted write time) a run over --max-run-span is listed and its day is a gap; write times say "not checked"', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false } },
      { day: '2026-10-03', encrypted: { [ACCT]: false } },
    ]);
    await sealDays(store, [{ day: '2026-10-02', encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: 'a' }, minutes: 3 * 24 * 60 }], signer);
    const forged = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-day-local-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
    expect(pkg.summary.runsWrittenLate).toBeNull();
    expect(pkg.summary.runsNotCredited).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'el-day-local-unzip-'));
    await extractPackageZip(pkg.zipPath, dir);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { datesWithoutRun: string[]; runsNotCredited?: { runId: string }[] }; backDatingChecks: { writeTimesChecked: boolean } };
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(summary.period.runsNotCredited?.map((n) => n.runId)).toEqual([forged]);
    expect(summary.backDatingChecks.writeTimesChecked).toBe(false);
    const pdf = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(pdf).toContain('Runs stored later than they claim not checked: this evidence store keeps no write time its writer cannot set (a local folder), so a back-dated run is not found this way; but 1 run(s) state a span from start to completion longer than 1 d');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('1 run(s) stored later than they claim');
    const recomputed = await verifyPackage(pkg.zipPath, { recompute: { evaluate: fixtureEvaluate } });
    expect(recomputed.recompute?.problems ?? []).toEqual([]);
  }, 120_000);
});
