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
const cache = new Map<string, number | undefined>();

/**
 * Hours between a schedule's runs at their longest gap, from `rate(12 hours)`, `rate(7 days)`, or a cron expression
 * (`cron(0 5 ? * * *)` daily, `cron(0 5 ? * SUN *)` weekly, `cron(0 5 1 * ? *)` monthly, `cron(0 0 1 1 ? *)` yearly,
 * lists, ranges and `/` steps in the day-of-month, month and day-of-week fields); undefined when it cannot be read
 * (`L`, `W`, `#`, a fixed year, `at(...)`). A cron schedule that runs on a day is counted as running that whole day, so
 * the gap is rounded up to whole days: never shorter than the real one.
 */
export function scheduleIntervalHours(expression: string | undefined): number | undefined {
  if (!expression) return undefined;
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/i.exec(text);
  if (rate) return Number(rate[1]) * (/^minute/i.test(rate[2]) ? 1 / 60 : /^hour/i.test(rate[2]) ? 1 : 24);
  if (!cache.has(text)) cache.set(text, cronLongestGapHours(text));
  return cache.get(text);
}

function cronLongestGapHours(text: string): number | undefined {
  const cron = /^cron\((.+)\)$/i.exec(text);
  if (!cron) return undefined;
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year, ...rest] = cron[1].trim().split(/\s+/);
  if (minutes === undefined || hours === undefined || month === undefined || dayOfWeek === undefined || rest.length) return undefined;
  if (year !== undefined && year !== '*') return undefined; // runs only in some years, then never again
  const every = (f: string) => f === '*' || f === '?';
  if (!every(dayOfMonth) && !every(dayOfWeek)) return undefined; // AWS allows one of the two, not both
  const days = every(dayOfMonth) ? undefined : fieldValues(dayOfMonth, 1, 31, {});
  const months = every(month) ? undefined : fieldValues(month, 1, 12, MONTHS);
  const weekdays = every(dayOfWeek) ? undefined : fieldValues(dayOfWeek, 1, 7, WEEKDAYS);
  if ((!every(dayOfMonth) && !days) || (!every(month) && !months) || (!every(dayOfWeek) && !weekdays)) return undefined;
  if (!days && !months && !weekdays) return 24; // every day, once or more
  let previous: number | undefined;
  let longest = 0;
  for (let i = 0; i < WALK_DAYS; i++) {
    const d = new Date(WALK_START + i * DAY_MS);
    if (months && !months.has(d.getUTCMonth() + 1)) continue;
    if (days && !days.has(d.getUTCDate())) continue;
    if (weekdays && !weekdays.has(d.getUTCDay() + 1)) continue;
    if (previous !== undefined) longest = Math.max(longest, i - previous);
    previous = i;
  }
  return longest ? 24 * longest : undefined; // fewer than two runs in 29 years: not a recurring schedule
}

/** The values a cron field lists (`5`, `1,15`, `MON-FRI`, `2-6`, `1/7`, `*\/3`), or undefined for forms not read here (`L`, `W`, `#`). */
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
