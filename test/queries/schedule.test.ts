import { describe, expect, it } from 'vitest';
import { readSchedule, scheduleIntervalHours } from '../../src/queries/schedule.js';

const days = (expression: string) => scheduleIntervalHours(expression)! / 24;

describe('schedule expressions', () => {
  it('reads the L, W and # forms AWS cron accepts in the day fields, by their longest gap over the calendar', () => {
    expect(days('cron(0 16 L * ? *)')).toBe(31); // last day of each month
    expect(days('cron(0 16 LW * ? *)')).toBe(33); // last weekday of each month
    expect(days('cron(0 16 15W * ? *)')).toBe(32); // the weekday nearest the 15th, never in another month
    expect(days('cron(0 16 1W * ? *)')).toBe(33);
    expect(days('cron(0 0 ? * SUN#1 *)')).toBe(35); // first Sunday of each month
    expect(days('cron(0 0 ? * 1#1 *)')).toBe(35);
    expect(days('cron(0 0 ? * 6L *)')).toBe(35); // last Friday of each month
    expect(days('cron(0 0 ? * FRIL *)')).toBe(35);
    expect(days('cron(0 0 ? * L *)')).toBe(7); // the last day of the week: Saturday
    expect(days('cron(0 0 ? * 2#5 *)')).toBe(119); // a fifth Monday, which most months lack
    expect(days('cron(0 0 L 1,7 ? *)')).toBe(184);
  });

  it('says why a schedule cannot be read', () => {
    expect(readSchedule('cron(0 5 1 * ? 2026)')).toEqual({ unreadable: 'its year field (2026) limits it to some years, after which it never runs' });
    expect(readSchedule('at(2026-07-01T00:00:00)')).toEqual({ unreadable: 'it is a one-time at(...) schedule, which does not recur' });
    expect(readSchedule('cron(0 5 1 * MON *)')).toEqual({ unreadable: 'it sets both day-of-month and day-of-week, of which AWS accepts one' });
    expect(readSchedule('cron(0 5 1,L * ? *)')).toMatchObject({ unreadable: expect.stringContaining('its day-of-month field (1,L) is not a form this reader knows') });
    expect(readSchedule('cron(0 5 ? * 2#6 *)')).toMatchObject({ unreadable: expect.stringContaining('its day-of-week field (2#6) is not a form this reader knows') });
    expect(readSchedule('cron(0 5 * *)')).toMatchObject({ unreadable: expect.stringContaining('does not have the six fields') });
    expect(readSchedule('rate(1 week)')).toMatchObject({ unreadable: expect.stringContaining('neither a rate(...) expression in minutes, hours or days nor a cron(...) expression') });
    expect(readSchedule(undefined)).toEqual({ unreadable: 'no schedule expression is recorded' });
    expect(scheduleIntervalHours('cron(0 5 1 * ? 2026)')).toBeUndefined();
  });
});
