/**
 * Schedule expressions as AWS Backup and Secrets Manager write them (`rate(...)`, six-field `cron(...)`), read for the
 * longest time between two runs, so a check can compare a schedule with a period.
 */

const DAY_MS = 86_400_000;
const MONTHS: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
const WEEKDAYS: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
/** Days walked to find a cron schedule's longest gap: 2024-01-01 onwards, 29 years (every leap-year and weekday alignment). */
const WALK_START = Date.UTC(2024, 0, 1);
const WALK_DAYS = 29 * 366;
const cache = new Map<string, ScheduleReading>();

/** A schedule's longest gap between runs, in hours, or why it cannot be read. */
export type ScheduleReading = { hours: number } | { unreadable: string };

/**
 * Hours between a schedule's runs at their longest gap, from `rate(12 hours)`, `rate(7 days)`, or a cron expression
 * (`cron(0 5 ? * * *)` daily, `cron(0 5 ? * SUN *)` weekly, `cron(0 5 1 * ? *)` monthly, `cron(0 0 1 1 ? *)` yearly,
 * lists, ranges and `/` steps in the day-of-month, month and day-of-week fields, and the `L`, `W` and `#` forms);
 * undefined when it cannot be read (a fixed year, `at(...)`, a form this reader does not know: readSchedule says why).
 * A cron schedule that runs on a day is counted as running that whole day, so the gap is rounded up to whole days:
 * never shorter than the real one.
 */
export function scheduleIntervalHours(expression: string | undefined): number | undefined {
  const read = readSchedule(expression);
  return 'hours' in read ? read.hours : undefined;
}

/** The longest gap between a schedule's runs, or why the schedule cannot be read for it. */
export function readSchedule(expression: string | undefined): ScheduleReading {
  if (!expression) return { unreadable: 'no schedule expression is recorded' };
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/i.exec(text);
  if (rate) return { hours: Number(rate[1]) * (/^minute/i.test(rate[2]) ? 1 / 60 : /^hour/i.test(rate[2]) ? 1 : 24) };
  if (!cache.has(text)) cache.set(text, cronLongestGap(text));
  return cache.get(text)!;
}

/** Whether a cron schedule's day fields select a day (UTC). */
type DayTest = (d: Date) => boolean;

const daysInMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
const weekdayOf = (d: Date, day: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day)).getUTCDay();

/** The weekday (Monday to Friday) nearest to `day` in the month of `d`, never crossing into another month (AWS's `W`). */
function nearestWeekday(d: Date, day: number): number | undefined {
  const last = daysInMonth(d);
  if (day > last) return undefined;
  const wd = weekdayOf(d, day);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === last ? day - 2 : day + 1;
  return day;
}

/** Day-of-month: `L` (last day), `LW` (last weekday), `15W` (weekday nearest the 15th), or values, ranges and steps. */
function dayOfMonthTest(field: string): DayTest | string {
  const f = field.toUpperCase();
  if (f === 'L') return (d) => d.getUTCDate() === daysInMonth(d);
  if (f === 'LW') return (d) => d.getUTCDate() === lastWeekday(d);
  const w = /^(\d{1,2})W$/.exec(f);
  if (w) {
    const day = Number(w[1]);
    if (day < 1 || day > 31) return `its day-of-month field (${field}) names no day of a month`;
    return (d) => d.getUTCDate() === nearestWeekday(d, day);
  }
  const days = fieldValues(field, 1, 31, {});
  return days ? (d) => days.has(d.getUTCDate()) : `its day-of-month field (${field}) is not a form this reader knows (values, ranges, steps, L, LW or a day with W)`;
}

/** The last Monday-to-Friday of the month of `d`. */
function lastWeekday(d: Date): number {
  const last = daysInMonth(d);
  const wd = weekdayOf(d, last);
  return wd === 6 ? last - 1 : wd === 0 ? last - 2 : last;
}

/** Day-of-week (1-7 = SUN-SAT): `L` (Saturday), `6L` (the month's last Friday), `2#1` (its first Monday), or values. */
function dayOfWeekTest(field: string): DayTest | string {
  const f = field.toUpperCase();
  const weekday = (x: string) => (x in WEEKDAYS ? WEEKDAYS[x] : /^[1-7]$/.test(x) ? Number(x) : undefined);
  if (f === 'L') return (d) => d.getUTCDay() + 1 === 7;
  const last = /^([1-7]|[A-Z]{3})L$/.exec(f);
  if (last) {
    const wd = weekday(last[1]);
    if (wd === undefined) return `its day-of-week field (${field}) names no weekday`;
    return (d) => d.getUTCDay() + 1 === wd && d.getUTCDate() + 7 > daysInMonth(d);
  }
  const nth = /^([1-7]|[A-Z]{3})#([1-5])$/.exec(f);
  if (nth) {
    const wd = weekday(nth[1]);
    if (wd === undefined) return `its day-of-week field (${field}) names no weekday`;
    const k = Number(nth[2]);
    return (d) => d.getUTCDay() + 1 === wd && Math.ceil(d.getUTCDate() / 7) === k;
  }
  const days = fieldValues(field, 1, 7, WEEKDAYS);
  return days ? (d) => days.has(d.getUTCDay() + 1) : `its day-of-week field (${field}) is not a form this reader knows (values, ranges, steps, L, a weekday with L, or weekday#n)`;
}

function cronLongestGap(text: string): ScheduleReading {
  if (/^at\(/i.test(text)) return { unreadable: 'it is a one-time at(...) schedule, which does not recur' };
  const cron = /^cron\((.+)\)$/i.exec(text);
  if (!cron) return { unreadable: 'it is neither a rate(...) expression in minutes, hours or days nor a cron(...) expression' };
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year, ...rest] = cron[1].trim().split(/\s+/);
  if (minutes === undefined || hours === undefined || month === undefined || dayOfWeek === undefined || rest.length) return { unreadable: 'it does not have the six fields of an AWS cron expression (minutes, hours, day-of-month, month, day-of-week, year)' };
  if (year !== undefined && year !== '*') return { unreadable: `its year field (${year}) limits it to some years, after which it never runs` };
  const every = (f: string) => f === '*' || f === '?';
  if (!every(dayOfMonth) && !every(dayOfWeek)) return { unreadable: 'it sets both day-of-month and day-of-week, of which AWS accepts one' };
  const days = every(dayOfMonth) ? undefined : dayOfMonthTest(dayOfMonth);
  const months = every(month) ? undefined : fieldValues(month, 1, 12, MONTHS);
  const weekdays = every(dayOfWeek) ? undefined : dayOfWeekTest(dayOfWeek);
  if (typeof days === 'string') return { unreadable: days };
  if (typeof weekdays === 'string') return { unreadable: weekdays };
  if (!every(month) && !months) return { unreadable: `its month field (${month}) is not a form this reader knows (values, names, ranges, steps)` };
  if (!days && !months && !weekdays) return { hours: 24 }; // every day, once or more
  let previous: number | undefined;
  let longest = 0;
  for (let i = 0; i < WALK_DAYS; i++) {
    const d = new Date(WALK_START + i * DAY_MS);
    if (months && !months.has(d.getUTCMonth() + 1)) continue;
    if (days && !days(d)) continue;
    if (weekdays && !weekdays(d)) continue;
    if (previous !== undefined) longest = Math.max(longest, i - previous);
    previous = i;
  }
  return longest ? { hours: 24 * longest } : { unreadable: 'it runs fewer than twice in 29 years, so it is not a recurring schedule' };
}

/** The values a cron field lists (`5`, `1,15`, `MON-FRI`, `2-6`, `1/7`, `*\/3`), or undefined for other forms. */
function fieldValues(field: string, min: number, max: number, names: Record<string, number>): Set<number> | undefined {
  const value = (x: string) => (x.toUpperCase() in names ? names[x.toUpperCase()] : /^\d+$/.test(x) ? Number(x) : NaN);
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : NaN;
    const [a, b] = range.split('-');
    const from = a === '*' ? min : value(a);
    const to = a === '*' ? max : b === undefined ? (stepText === undefined ? from : max) : value(b);
    if (!Number.isInteger(from) || !Number.isInteger(to) || !Number.isInteger(step) || step < 1 || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}
