import { describe, expect, it } from 'vitest';
import { daysOf, parseInstant, parsePeriod, periodDays } from '../../src/evidence/period.js';

describe('parsePeriod: one grammar for every --from/--to', () => {
  it('reads dates as whole UTC days and timestamps as given', () => {
    const p = parsePeriod('2026-01-01', '2026-01-31');
    expect(p.from.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-01-31T23:59:59.999Z');
    expect(parsePeriod('2026-01-01T12:00:00Z', '2026-01-01T13:00:00Z').to.toISOString()).toBe('2026-01-01T13:00:00.000Z');
    expect(parseInstant('2027-01-01', '--required-retain-until').toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('refuses impossible dates and a reversed period, naming the flag', () => {
    expect(() => parsePeriod('2026-02-30', '2026-03-01')).toThrow(/--from: "2026-02-30" is not a calendar date/);
    expect(() => parsePeriod('2026-03-01', 'soon')).toThrow(/--to: "soon"/);
    expect(() => parsePeriod('2026-03-01', '2026-02-01')).toThrow(/--from 2026-03-01 is after --to 2026-02-01/);
  });

  it('gives a package its whole days, and refuses a period that starts or ends inside a day', () => {
    expect(periodDays(parsePeriod('2026-02-27', '2026-03-01'))).toEqual({ from: '2026-02-27', to: '2026-03-01' });
    expect(daysOf({ from: '2026-02-27', to: '2026-03-01' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(() => periodDays(parsePeriod('2026-02-27T12:00:00Z', '2026-03-01'))).toThrow(/--from .*whole UTC days/);
    expect(() => periodDays(parsePeriod('2026-02-27', '2026-03-01T12:00:00Z'))).toThrow(/--to .*whole UTC days/);
  });
});
