import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSchedule, demoWorldOn } from '../../src/simulator/worlds/demo-history.js';
import { queryById } from '../../src/queries/index.js';
import { DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { cloudTrailEvents } from '../../src/simulator/services/cloudtrail.js';
import { runDemo } from '../../src/cli/commands/demo.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { demoSession } from '../queries/s3/simulated-collect.js';

const NOW = new Date('2026-12-03T08:00:00Z');

describe('demo history: a period of daily worlds', () => {
  it('schedules one run a day at the same time of day, ending now, with the fourth-last day missed', () => {
    const days = demoSchedule(30, NOW);
    expect(days).toHaveLength(30);
    expect(days[29].at.toISOString()).toBe(NOW.toISOString());
    expect(days[0].at.toISOString()).toBe('2026-11-04T08:00:00.000Z');
    expect(days.filter((d) => !d.collected).map((d) => d.at.toISOString().slice(0, 10))).toEqual(['2026-11-30']);
    expect(demoSchedule(3, NOW).every((d) => d.collected)).toBe(true);
  });

  it('each day carries the changes in effect then, and the last day none', () => {
    const at = (daysBefore: number) => demoWorldOn({ index: 0, daysBefore, at: new Date(NOW.getTime() - daysBefore * 86_400_000), collected: true }).changes;
    expect(at(0)).toEqual([]);
    expect(at(6)).toEqual(['trail management-events stopped']);
    expect(at(9)).toEqual(['bucket demo-production-access-logs made public']);
    expect(at(11)).toEqual(['GuardDuty finding SSHBruteForce open']);
    expect(at(10)).toEqual(['GuardDuty finding SSHBruteForce archived']);
    expect(at(20)).toEqual(['cardholder-data key rotation off']);
  });

  it('the trail stops on the sixth day before the end at any time of day, and days five and six tell the same stop', () => {
    for (const end of ['2026-12-03T00:00:30Z', '2026-12-03T01:30:00Z', '2026-12-03T02:59:00Z', '2026-12-03T08:00:00Z', '2026-12-03T23:59:00Z']) {
      const now = new Date(end);
      const stop = (daysBefore: number) => {
        const at = new Date(now.getTime() - daysBefore * 86_400_000);
        const { world } = demoWorldOn({ index: 0, daysBefore, at, collected: true });
        const ev = cloudTrailEvents(world.accounts.get(DEMO_ACCOUNT_ID)!, 'us-east-1').events.find((e) => e.EventName === 'StopLogging')!;
        return { time: ev.EventTime!.getTime(), at: at.getTime() };
      };
      const six = stop(6);
      const sixthDay = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
      expect(new Date(six.time).toISOString().slice(0, 10), end).toBe(sixthDay);
      expect(six.time, end).toBeLessThanOrEqual(six.at);
      expect(stop(5).time, end).toBe(six.time);
    }
  });
});

describe('a drifted day judged by the queries', () => {
  const stopped = demoSession(() => demoWorldOn({ index: 0, daysBefore: 6, at: new Date(Date.now() - 6 * 86_400_000), collected: true }).world);

  it('the stopped organisation trail fails trail logging, and StopLogging shows as sensitive activity', async () => {
    const { results } = await stopped.run(queryById('cloudtrail.trail-logging')!, 'us-east-1');
    expect(results.find((r) => r.resource.endsWith(':trail/management-events'))?.status).toBe('fail');
    const activity = await stopped.run(queryById('cloudtrail.sensitive-activity')!, 'us-east-1');
    expect(activity.results.some((r) => r.status === 'needs-review' && r.reason.includes('StopLogging') && r.reason.includes('mallory.contractor'))).toBe(true);
  });
});

describe('demo --days', () => {
  it('collects each day but the missed one, and packages and verifies the whole period', async () => {
    const out = mkdtempSync(join(tmpdir(), 'evidence-locker-demo-days-'));
    const lines: string[] = [];
    try {
      // Seven days: the missed day (the fourth-last) and the stopped trail (five and six days ago) are inside.
      const r = await runDemo({ out, days: 7, logLevel: 'silent', write: (s) => lines.push(s) });
      expect(r.runs).toBe(6);
      const text = lines.join('');
      expect(text).toMatch(/\d{4}-\d{2}-\d{2} {2}no collection ran \(a missed day/);
      expect(text).toMatch(/verified offline: .* 6 run\(s\) over 7 days from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
      expect(r.zipPath).toMatch(/_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.zip$/);
      // The missed day is stated in summary.json, on the report's cover and gaps page, and in index.html.
      const missed = /(\d{4}-\d{2}-\d{2}) {2}no collection ran/.exec(text)![1];
      const pkg = join(out, 'unzipped');
      await extractPackageZip(r.zipPath, pkg);
      const summary = JSON.parse(readFileSync(join(pkg, 'summary.json'), 'utf8')) as {
        period: Record<string, unknown>;
        statusCounts: Record<string, Record<string, number>>;
        worstStatusCounts: Record<string, Record<string, number>>;
      };
      expect(summary.period).toMatchObject({ days: 7, daysWithRun: 6, daysWithoutRun: 1, datesWithoutRun: [missed] });
      // One account: 7 account-days, the missed one without evidence.
      expect(summary.period).toMatchObject({ accountDays: 7, accountDaysWithEvidence: 6, coveragePercent: 85.7, accountLevelGaps: 0, regionLevelGaps: 0, accountDaysWithoutRun: 1 });
      // The missed day leaves every result that expects AWS evidence without it on that day.
      expect(summary.period.resultsWithGaps).toBe(summary.period.resultsExpectingEvidence);
      for (const fw of ['pci-dss-4.0.1', 'hipaa-security']) {
        // Manual and not-applicable rows are what they are on the missed day too, never "not collected" (checked per row
        // below); a requirement whose AWS checks test none of its procedures is manual when they pass, and its worst is
        // the gap of the missed day: fewer rows are manual at worst than at the end.
        expect(summary.worstStatusCounts[fw].manual).toBeLessThanOrEqual(summary.statusCounts[fw].manual);
        // Every automated row had no evidence on the missed day: its worst is a gap or a fail.
        expect(summary.worstStatusCounts[fw]['not-collected']).toBeGreaterThan(0);
      }
      const csv = readFileSync(join(pkg, 'controls.csv'), 'utf8').trim().split('\n');
      const header = csv[0].split(',');
      const col = (name: string) => header.indexOf(name);
      const rows = csv.slice(1).map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '')));
      const fixedCoverage = ['manual', 'inherited', 'not-applicable'];
      expect(rows.filter((c) => fixedCoverage.includes(c[col('coverage')]) && c[col('worst_status_in_period')] === 'not-collected')).toEqual([]);
      // Manual rows are manual every day, or not applicable every day when the entity declared it is not of the type
      // the requirement is for (the demo is a merchant: its A3 and service-provider-only manual rows).
      const manualRows = rows.filter((c) => c[col('coverage')] === 'manual');
      expect(manualRows.every((c) => c[col('worst_status_in_period')] === c[col('status')] && ['manual', 'not-applicable'].includes(c[col('status')]))).toBe(true);
      expect(manualRows.some((c) => c[col('status')] === 'not-applicable')).toBe(true);
      // So is a partial requirement the demo's entity type (a merchant) makes not applicable: the missed day is no gap for it.
      const entityNotApplicable = rows.filter((c) => c[col('coverage')] === 'partial' && c[col('status')] === 'not-applicable');
      expect(entityNotApplicable.length).toBeGreaterThan(0);
      expect(entityNotApplicable.filter((c) => c[col('worst_status_in_period')] !== 'not-applicable' || c[col('days_without_evidence')] !== '0').map((c) => c[col('requirement')])).toEqual([]);
      // Untested requirements (their checks test none of their procedures) with passing checks: manual at the end, and
      // the missed day is a gap in their supporting evidence, never hidden by that.
      const untested = rows.filter((c) => c[col('partial_coverage')].includes('not tested') && c[col('status')] === 'manual');
      expect(untested.length).toBeGreaterThan(0);
      expect(untested.every((c) => c[col('worst_status_in_period')] === 'not-collected')).toBe(true);
      // One run a day at the same time: each search overlaps the day before's by collect.eventOverlapMinutes, so the
      // only events no run searched are those after the run before the missed day until the next run's window starts
      // (25 hours before it): named for each demo region, and a gap on the day before the missed day too.
      const dayBefore = new Date(Date.parse(`${missed}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const unsearched = rows.filter((c) => c[col('reasons')].includes('UNSEARCHED EVENTS'));
      expect(unsearched.length).toBeGreaterThan(0);
      for (const c of unsearched) {
        expect(c[col('reasons')]).toMatch(new RegExp(`covered 2 interval\\(s\\) of the period: us-east-1 ${dayBefore}T\\S+ to \\S+; us-west-2 ${dayBefore}T\\S+ to \\S+\\.`));
        expect(c[col('worst_status_in_period')]).toMatch(/^(not-collected|fail)$/);
      }
      // Every row relying on the event search, and no other, names them.
      expect([...new Set(unsearched.map((c) => c[col('requirement')]))].sort()).toEqual(['10.2.1.4', '10.2.1.6', '10.4.1', '164.308(a)(1)(ii)(D)', '164.308(a)(5)(ii)(C)', '5.3.5']);
      // The trail stopped five and six days ago: trail logging changed status within the period.
      expect(rows.some((c) => Number(c[col('changes_in_period')]) > 0)).toBe(true);
      const pdfPages = (first: number, last: number) => execFileSync('pdftotext', ['-layout', '-f', String(first), '-l', String(last), join(pkg, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const cover = pdfPages(1, 1);
      const pdf = pdfPages(1, 100_000);
      expect(cover).toMatch(new RegExp(`Days without a run\\s+1 of 7 day\\(s\\): ${missed}`));
      expect(cover.replace(/\s+/g, ' ')).toMatch(/Period coverage 85\.7% of account-days reached by a run \(6 of 7\); gaps: 1 account-day\(s\), 0 region-day\(s\); \d+ of \d+ results miss evidence on some day/);
      // The cover counts the worst result of the period beside the end-of-period one; the missed day makes gaps.
      const worstGaps = summary.worstStatusCounts['pci-dss-4.0.1']['not-collected'] + summary.worstStatusCounts['hipaa-security']['not-collected'];
      expect(cover).toContain(`worst in period: ${worstGaps}`);
      expect(cover).not.toMatch(/Page 1 of \d+[\s\S]*Page 1 of/);
      expect(pdf).toContain('Days without a sealed collection run');
      expect(readFileSync(join(pkg, 'index.html'), 'utf8')).toContain(missed);
      expect(pdf.replace(/\s+/g, ' ')).toMatch(/85\.7% of account-days reached by a sealed run \(6 of 7\); 1 account-day\(s\) without a run, 0 a run could not reach, 0 region-day\(s\) not collected/);
      expect(pdf).toMatch(/Worst result on any day of the period/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
