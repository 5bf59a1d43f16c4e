import { describe, expect, it } from 'vitest';
import { periodCoverage } from '../../src/package/assessor.js';
import type { Timeline } from '../../src/package/timeline.js';

type Row = { accountId: string; coverage?: string; gapsTotal?: number; gapDays?: string[] };
/** Only what periodCoverage reads: the days, each row's account, coverage and gaps, and the runs judged per day and account. */
function timeline(days: string[], accounts: (string | Row)[], judged: Timeline['judged']): Timeline {
  const rows = accounts.map((a) => (typeof a === 'string' ? { accountId: a } : a)).map((r) => ({ accountId: r.accountId, requirement: { coverage: r.coverage ?? 'partial' }, gapsTotal: r.gapsTotal ?? 0, gapDays: r.gapDays ?? [] }) as unknown as Timeline['rows'][number]);
  return { days, rows, attestations: [], judged };
}

describe('period coverage', () => {
  const days = ['2026-11-01', '2026-11-02', '2026-11-03'];
  const win = (day: string, accountId: string, runId: string, last = true) => ({ day, accountId, runId, last });

  it('counts account-days with evidence, and an unreachable account as an account-day gap, never as covered', () => {
    const t = timeline(days, [{ accountId: '111111111111', gapDays: [days[2]] }, { accountId: '222222222222', gapDays: [days[2]] }], [
      win(days[0], '111111111111', 'r1'),
      win(days[0], '222222222222', 'r1'),
      win(days[1], '111111111111', 'r2'),
      win(days[1], '222222222222', 'r2'),
      // Day 3: no run at all.
    ]);
    const c = periodCoverage(t, [
      { runId: 'r2', accountId: '222222222222' },
      { runId: 'r1', accountId: '111111111111', region: 'eu-west-1' },
      { runId: 'r1', accountId: '111111111111', region: 'eu-west-1' },
      // A gap of a run judged for no day of that account changes nothing.
      { runId: 'r9', accountId: '111111111111' },
    ]);
    expect(c).toEqual({ accountDays: 6, accountDaysWithEvidence: 3, coveragePercent: 50, accountLevelGaps: 1, regionLevelGaps: 1, accountDaysWithoutRun: 2, resultsWithGaps: 2, resultsExpectingEvidence: 2 });
  });

  it('a period with a run every day and no gaps is 100%', () => {
    const t = timeline(days, ['111111111111'], days.map((d, i) => win(d, '111111111111', `r${i}`)));
    expect(periodCoverage(t, [])).toEqual({ accountDays: 3, accountDaysWithEvidence: 3, coveragePercent: 100, accountLevelGaps: 0, regionLevelGaps: 0, accountDaysWithoutRun: 0, resultsWithGaps: 0, resultsExpectingEvidence: 1 });
  });

  it('a run that reached the account but was refused some queries covers the account-day, and the results missing evidence are counted beside it', () => {
    const rows: Row[] = [
      { accountId: '111111111111', gapsTotal: 3 },
      { accountId: '111111111111' },
      // Manual requirements expect no AWS evidence: never counted.
      { accountId: '111111111111', coverage: 'manual', gapDays: days },
    ];
    const t = timeline(days, rows, days.map((d, i) => win(d, '111111111111', `r${i}`)));
    expect(periodCoverage(t, [])).toMatchObject({ coveragePercent: 100, accountDaysWithoutRun: 0, resultsWithGaps: 1, resultsExpectingEvidence: 2 });
  });

  it('an earlier run of a day that could not reach the account is no gap when a later run of the day did; the day is judged by its last run', () => {
    const t = timeline(days, ['111111111111'], [
      win(days[0], '111111111111', 'r0-morning', false),
      win(days[0], '111111111111', 'r0-evening'),
      win(days[1], '111111111111', 'r1-morning', false),
      win(days[1], '111111111111', 'r1-evening'),
      win(days[2], '111111111111', 'r2'),
    ]);
    const c = periodCoverage(t, [
      { runId: 'r0-morning', accountId: '111111111111' },
      { runId: 'r0-morning', accountId: '111111111111', region: 'eu-west-1' },
      { runId: 'r1-evening', accountId: '111111111111' },
    ]);
    expect(c).toMatchObject({ accountDays: 3, accountDaysWithEvidence: 2, accountLevelGaps: 1, regionLevelGaps: 0, accountDaysWithoutRun: 0 });
  });
});
