/** Interval arithmetic of the period's CloudTrail event searches: which stretches no run's window covered. */
import { describe, expect, it } from 'vitest';
import { EventWindows, daysTouched, mergeWindows, uncovered, unsearchedReason } from '../../src/package/event-windows.js';

const t = (iso: string) => Date.parse(iso);
const iv = (a: string, b: string) => ({ start: t(a), end: t(b) });

describe('event search windows', () => {
  it('merges overlapping and touching windows, and drops inverted ones', () => {
    expect(mergeWindows([iv('2026-03-02T05:00:00Z', '2026-03-03T06:00:00Z'), iv('2026-03-01T06:00:00Z', '2026-03-02T06:00:00Z'), iv('2026-03-03T06:00:00Z', '2026-03-03T07:00:00Z'), { start: 5, end: 1 }])).toEqual([
      iv('2026-03-01T06:00:00Z', '2026-03-03T07:00:00Z'),
    ]);
  });

  it('finds the parts of the period no window covers: before the first, between two, after the last', () => {
    const windows = [iv('2026-02-28T06:00:00Z', '2026-03-01T06:00:00Z'), iv('2026-03-01T07:00:00Z', '2026-03-02T07:00:00Z')];
    expect(uncovered(windows, t('2026-03-01T00:00:00Z'), t('2026-03-03T00:00:00Z'))).toEqual([iv('2026-03-01T06:00:00Z', '2026-03-01T07:00:00Z'), iv('2026-03-02T07:00:00Z', '2026-03-03T00:00:00Z')]);
    expect(uncovered([], t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'))).toEqual([iv('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z')]);
    expect(uncovered([iv('2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z')], t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'))).toEqual([iv('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z')]);
  });

  it('contiguous overlapping daily windows leave no hole', () => {
    // Runs at 06:00, then 06:40, then 05:50 the next days: 24 h look-back plus the 60-minute overlap absorbs the drift.
    const runs = ['2026-02-28T06:00:00Z', '2026-03-01T06:00:00Z', '2026-03-02T06:40:00Z', '2026-03-03T05:50:00Z', '2026-03-04T06:00:00Z'];
    const windows = runs.map((end) => ({ start: t(end) - 25 * 3_600_000, end: t(end) }));
    expect(uncovered(windows, t('2026-03-01T00:00:00Z'), t('2026-03-04T00:00:00Z'))).toEqual([]);
    // Abutting exactly (no overlap) is no hole either: both ends are searched instants.
    expect(uncovered([iv('2026-03-01T00:00:00Z', '2026-03-01T12:00:00Z'), iv('2026-03-01T12:00:00Z', '2026-03-02T00:00:00Z')], t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'))).toEqual([]);
  });

  it('windows recorded to the millisecond join across a millisecond: a backfill day ending 23:59:59.999 meets the next at 00:00', () => {
    const days = [iv('2026-03-01T00:00:00.000Z', '2026-03-01T23:59:59.999Z'), iv('2026-03-02T00:00:00.000Z', '2026-03-02T23:59:59.999Z')];
    expect(mergeWindows(days)).toEqual([iv('2026-03-01T00:00:00.000Z', '2026-03-02T23:59:59.999Z')]);
    expect(uncovered(days, t('2026-03-01T00:00:00Z'), t('2026-03-03T00:00:00Z'))).toEqual([]);
    // Two milliseconds apart leave one unsearched.
    expect(uncovered([iv('2026-03-01T00:00:00.000Z', '2026-03-01T11:59:59.998Z'), iv('2026-03-01T12:00:00.000Z', '2026-03-02T00:00:00.000Z')], t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'))).toEqual([
      iv('2026-03-01T11:59:59.998Z', '2026-03-01T12:00:00.000Z'),
    ]);
  });

  it('names the UTC days an interval has a part of', () => {
    expect(daysTouched(iv('2026-03-01T06:00:00Z', '2026-03-02T05:00:00Z'))).toEqual(['2026-03-01', '2026-03-02']);
    expect(daysTouched(iv('2026-03-01T22:00:00Z', '2026-03-02T00:00:00Z'))).toEqual(['2026-03-01']);
    expect(daysTouched(iv('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z'))).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(daysTouched(iv('2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'))).toEqual([]);
  });

  it('judges each account and region on its own windows; a failed search covers nothing', () => {
    const w = new EventWindows();
    w.searched('111111111111', 'us-east-1', '2026-02-28T05:00:00.000Z', '2026-03-01T06:00:00.000Z');
    w.searched('111111111111', 'us-east-1', '2026-03-01T05:00:00.000Z', '2026-03-02T06:00:00.000Z');
    w.searched('111111111111', 'us-west-2', '2026-02-28T05:00:00.000Z', '2026-03-01T06:00:00.000Z');
    w.failed('111111111111', 'us-west-2');
    w.failed('222222222222', 'us-east-1');
    w.searched('222222222222', 'us-east-1', 'not a time', '2026-03-01T06:00:00.000Z');
    // The latest run started 2026-03-02 06:00: us-west-2 was last searched the day before, so it is unsearched from then
    // up to that run; 222222222222 never was. After each pair's search on the latest run's day, the next run searches.
    const holes = w.holes(t('2026-03-01T00:00:00Z'), t('2026-03-03T00:00:00Z'), t('2026-03-02T06:00:00Z'));
    expect(holes).toEqual([
      { accountId: '111111111111', region: 'us-west-2', from: '2026-03-01T06:00:00.000Z', to: '2026-03-02T06:00:00.000Z', days: ['2026-03-01', '2026-03-02'] },
      { accountId: '222222222222', region: 'us-east-1', from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T06:00:00.000Z', days: ['2026-03-01', '2026-03-02'] },
    ]);
    expect(unsearchedReason(holes.slice(0, 1))).toBe(
      "UNSEARCHED EVENTS: no run's CloudTrail event search (cloudtrail.sensitive-activity) covered 1 interval(s) of the period: us-west-2 2026-03-01T06:00:00.000Z to 2026-03-02T06:00:00.000Z. Events in them were never listed for review, so the 2 day(s) they touch (2026-03-01 to 2026-03-02) are gaps for this requirement, never a pass",
    );
  });

  it('windows added out of order are merged as well as in order', () => {
    const w = new EventWindows();
    for (const [a, b] of [
      ['2026-03-02T05:00:00.000Z', '2026-03-03T06:00:00.000Z'],
      ['2026-02-28T05:00:00.000Z', '2026-03-01T06:00:00.000Z'],
      ['2026-03-03T05:00:00.000Z', '2026-03-04T06:00:00.000Z'],
      ['2026-03-01T05:30:00.000Z', '2026-03-01T07:00:00.000Z'],
    ]) {
      w.searched('111111111111', 'us-east-1', a, b);
    }
    expect(w.holes(t('2026-03-01T00:00:00Z'), t('2026-03-04T00:00:00Z'), t('2026-03-03T06:00:00Z')).map((h) => [h.from, h.to])).toEqual([['2026-03-01T07:00:00.000Z', '2026-03-02T05:00:00.000Z']]);
    // A window filling the hole joins everything.
    w.searched('111111111111', 'us-east-1', '2026-03-01T06:59:00.000Z', '2026-03-02T05:00:00.000Z');
    expect(w.holes(t('2026-03-01T00:00:00Z'), t('2026-03-04T00:00:00Z'), t('2026-03-03T06:00:00Z'))).toEqual([]);
  });

  it('each pair is judged up to its latest search when that ran on the latest run’s day; a pair never searched up to the latest run', () => {
    const w = new EventWindows();
    w.searched('111111111111', 'us-east-1', '2026-02-28T05:00:00.000Z', '2026-03-01T06:00:00.000Z');
    w.failed('111111111111', 'us-west-2');
    const holes = w.holes(t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'), t('2026-03-01T06:00:00Z'));
    expect(holes.map((h) => `${h.region} ${h.from} ${h.to}`)).toEqual(['us-west-2 2026-03-01T00:00:00.000Z 2026-03-01T06:00:00.000Z']);
    // Without a collected run (a package of backfilled days only), each pair is judged up to its own latest search, and a
    // pair never searched to the period end.
    w.failed('222222222222', 'us-east-1');
    expect(w.holes(t('2026-03-01T00:00:00Z'), t('2026-03-02T00:00:00Z'), NaN).map((h) => `${h.accountId} ${h.region} ${h.from} ${h.to}`)).toEqual(['111111111111 us-west-2 2026-03-01T00:00:00.000Z 2026-03-02T00:00:00.000Z', '222222222222 us-east-1 2026-03-01T00:00:00.000Z 2026-03-02T00:00:00.000Z']);
  });
});
