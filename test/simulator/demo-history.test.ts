import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoSchedule, demoWorldOn } from '../../src/simulator/worlds/demo-history.js';
import { queryById } from '../../src/queries/index.js';
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
      const r = await runDemo({ out, days: 4, logLevel: 'silent', write: (s) => lines.push(s) });
      expect(r.runs).toBe(3);
      const text = lines.join('');
      expect(text).toMatch(/\d{4}-\d{2}-\d{2} {2}no collection ran \(a missed day/);
      expect(text).toMatch(/verified offline: .* 3 run\(s\) over 4 days from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
      expect(r.zipPath).toMatch(/_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.zip$/);
      // The missed day is stated in summary.json, on the report's cover and gaps page, and in index.html.
      const missed = /(\d{4}-\d{2}-\d{2}) {2}no collection ran/.exec(text)![1];
      const pkg = join(out, 'unzipped');
      await extractPackageZip(r.zipPath, pkg);
      const summary = JSON.parse(readFileSync(join(pkg, 'summary.json'), 'utf8')) as { period: { days: number; daysWithRun: number; daysWithoutRun: number; datesWithoutRun: string[] } };
      expect(summary.period).toMatchObject({ days: 4, daysWithRun: 3, daysWithoutRun: 1, datesWithoutRun: [missed] });
      const pdfPages = (first: number, last: number) => execFileSync('pdftotext', ['-layout', '-f', String(first), '-l', String(last), join(pkg, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const cover = pdfPages(1, 1);
      const pdf = pdfPages(1, 100_000);
      expect(cover).toMatch(new RegExp(`Days without a run\\s+1 of 4 day\\(s\\): ${missed}`));
      expect(pdf).toContain('Days without a sealed collection run');
      expect(readFileSync(join(pkg, 'index.html'), 'utf8')).toContain(missed);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
