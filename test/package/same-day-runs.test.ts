import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, ACCOUNTS, type FixtureDay } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const [A, B] = ACCOUNTS;
const both = (a: boolean, b: boolean) => ({ [A]: a, [B]: b });

/**
 * Days with more than one collection run:
 * - 2026-06-02: B's trails query is refused in the 02:00 run, collected in the 14:00 run (an error the day's later run filled);
 * - 2026-06-03: A's bucket is unencrypted in the 02:00 run and encrypted again by the 14:00 run (fail, then pass);
 * - 2026-06-04: B's 1.1 needs review in the 02:00 run and passes in the 14:00 run.
 * Every other run passes.
 */
const DAYS: FixtureDay[] = [
  { day: '2026-06-01', encrypted: both(true, true) },
  { day: '2026-06-02', encrypted: both(true, true), trailErrors: [B] },
  { day: '2026-06-02', encrypted: both(true, true), hour: 14 },
  { day: '2026-06-03', encrypted: both(false, true) },
  { day: '2026-06-03', encrypted: both(true, true), hour: 14 },
  { day: '2026-06-04', encrypted: both(true, true) },
  { day: '2026-06-04', encrypted: both(true, true), hour: 14 },
  { day: '2026-06-05', encrypted: both(true, true) },
];

/** The fixture evaluation, except that B's 1.1 needs review in the first run of 2026-06-04. */
async function evaluate(input: EvaluateRunInput) {
  const out = await fixtureEvaluate(input);
  if (!input.manifest.runId.startsWith('20260604T02')) return out;
  return out.map((r) => (r.requirementId === '1.1' && r.accountId === B ? { ...r, status: 'needs-review' as const, reasons: ['needs review: the bucket policy could not be judged'] } : r));
}

describe('every run of a day is judged: an earlier run of the day that failed makes a failed day', () => {
  let dir: string;
  let oscal: any;
  let controls: Record<string, string>[];
  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-same-day-'));
    const signer = await sealDays(store, DAYS);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-06-01', to: '2026-06-05', outDir: join(tmp, 'out'), evaluate, builtAt: new Date('2026-06-06T06:00:00Z') });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    oscal = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
    controls = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
  });
  const row = (req: string, acct: string) => controls.find((r) => r.requirement === req && r.account === acct)!;
  const finding = (req: string, acct: string) =>
    oscal['assessment-results'].results[0].findings.find((x: any) => x.target['target-id'] === `req-${req}` && x.props.some((p: any) => p.name === 'account-id' && p.value === acct));

  it('a requirement that failed in the morning run and passed in the afternoon run of a day failed on that day (worst, reasons)', () => {
    const r = row('1.1', A);
    expect(r.status).toBe('pass');
    expect(r.worst_status_in_period).toBe('fail');
    expect(r.reasons).toMatch(/^FAILED EARLIER IN THE PERIOD: pass at its end, but failed on 1 of 5 day\(s\) \(2026-06-03; on 2026-06-03 in an earlier run of the day, not in its last run\)/);
    // pass -> fail (the 02:00 run of 2026-06-03) and fail -> pass (its 14:00 run), for the requirement and for the bucket.
    expect(r.changes_in_period).toBe('4');
    expect(r.finding_ids).toMatch(/^F-\d{4}$/);
  });

  it('its OSCAL requirement finding is not satisfied (fail) for the period, naming the day and the finding', () => {
    const f = finding('1.1', A);
    expect(f.target.status.state).toBe('not-satisfied');
    expect(f.target.status.reason).toBe('fail');
    expect(f.target.status.remarks).toContain('pass at the end of the period, but failed on 1 of 5 day(s) (2026-06-03; on 2026-06-03 in an earlier run of the day, not in its last run)');
    expect(f.props).toEqual(expect.arrayContaining([{ name: 'worst-in-period', ns: expect.any(String), value: 'fail' }]));
    expect(f['related-risks']?.length).toBe(1);
  });

  it('the findings register holds the morning failure, resolved by the end of the period', () => {
    const findings = csvRows(readFileSync(join(dir, 'findings.csv'), 'utf8'));
    expect(findings.map((x) => [x.resource, x.first_seen, x.last_seen, x.state])).toEqual([[`logs-${A}`, '2026-06-03', '2026-06-03', expect.not.stringMatching(/^open/)]]);
  });

  it('the change history names both runs of the day', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(/runs 20260603T020000Z-\d{6} \(fail\) then 20260603T140000Z-\d{6} \(pass\), the same day\./.test(html)).toBe(true);
  });

  it('an error in an earlier run of a day that a later run of the day collected is no gap', () => {
    const r = row('2.1', B);
    expect(r.status).toBe('pass');
    expect(r.worst_status_in_period).toBe('pass');
    expect(r.days_without_evidence).toBe('0');
    expect(r.reasons).not.toMatch(/GAP|AccessDenied/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.period).toMatchObject({ daysWithRun: 5, accountDaysWithEvidence: 10, accountLevelGaps: 0, resultsWithGaps: 0 });
  });

  it('a day an earlier run found needing review is a day needing review, even though its last run passed', () => {
    const r = row('1.1', B);
    expect(r.status).toBe('pass');
    expect(r.worst_status_in_period).toBe('needs-review');
    const f = finding('1.1', B);
    expect(f.target.status).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(f.target.status.remarks).toContain('in need of review');
  });

  it('a requirement that passed in every run stays satisfied', () => {
    expect(row('1.1', A).status).toBe('pass');
    expect(finding('2.1', A).target.status).toMatchObject({ state: 'satisfied', reason: 'pass' });
  });
});

describe('a run collected on the day takes precedence over a reconstruction of that day', () => {
  it('a failing reconstruction of a day collected on the day is not judged; one of a day without a collection is', async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-same-day-rebuilt-'));
    const signer = await sealDays(store, [
      { day: '2026-06-01', encrypted: both(true, true) },
      { day: '2026-06-03', encrypted: both(true, true) },
      // Sealed afterwards, rebuilding 2026-06-01 (collected on the day) and 2026-06-02 (not collected): A's bucket fails in both.
      { day: '2026-06-04', encrypted: both(false, true), rebuilds: '2026-06-01', hour: 9 },
      { day: '2026-06-04', encrypted: both(false, true), rebuilds: '2026-06-02', hour: 10 },
    ]);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-06-01', to: '2026-06-03', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-06-06T06:00:00Z') });
    const d = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, d);
    const r = csvRows(readFileSync(join(d, 'controls.csv'), 'utf8')).find((x) => x.requirement === '1.1' && x.account === A)!;
    expect(r.reasons).toMatch(/^FAILED EARLIER IN THE PERIOD: pass at its end, but failed on 1 of 3 day\(s\) \(2026-06-02\);/);
    expect(r.reconstructed_days).toBe('1');
  });
});

describe('the day\'s last run is the one completed last, even when a run of the day that started after it is folded later', () => {
  it('a long run started first and completed last decides the end state; the failing shorter run inside it still fails the day', async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-same-day-overlap-'));
    const signer = await sealDays(store, [
      { day: '2026-06-01', encrypted: both(true, true) },
      // 02:00 to 12:00, passing; 03:00 to 03:05, A's bucket failing.
      { day: '2026-06-02', encrypted: both(true, true), minutes: 600, chain: 'long' },
      { day: '2026-06-02', encrypted: both(false, true), hour: 3 },
    ]);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-06-01', to: '2026-06-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-06-06T06:00:00Z') });
    const d = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, d);
    const r = csvRows(readFileSync(join(d, 'controls.csv'), 'utf8')).find((x) => x.requirement === '1.1' && x.account === A)!;
    expect(r.status).toBe('pass');
    expect(r.worst_status_in_period).toBe('fail');
    expect(r.reasons).toMatch(/^FAILED EARLIER IN THE PERIOD: pass at its end, but failed on 1 of 2 day\(s\) \(2026-06-02; on 2026-06-02 in an earlier run of the day, not in its last run\)/);
  });
});

describe('runs of a day starting in the same second are folded in the order the period lists them', () => {
  it('the run that completed first is folded first, whatever its start millisecond; before, the build threw "folded out of order"', async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-same-second-'));
    const signer = await sealDays(store, [
      { day: '2026-06-01', encrypted: both(true, true) },
      // Both start in the 03:00:00 second: the first at .900 completes at 03:05, the second at .100 completes at 03:10.
      { day: '2026-06-02', encrypted: both(false, true), hour: 3, startMs: 900, chain: 'shard-a' },
      { day: '2026-06-02', encrypted: both(true, true), hour: 3, startMs: 100, minutes: 10, chain: 'shard-b' },
    ]);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-06-01', to: '2026-06-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-06-06T06:00:00Z') });
    const d = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, d);
    const r = csvRows(readFileSync(join(d, 'controls.csv'), 'utf8')).find((x) => x.requirement === '1.1' && x.account === A)!;
    // The 03:10 run completed last: the end state is its pass; the 03:05 run's fail still fails the day.
    expect(r.status).toBe('pass');
    expect(r.worst_status_in_period).toBe('fail');
  });
});

