import { ConfigError } from '../errors.js';
import { daysOf, parsePeriod, periodDays, type PeriodDays } from '../evidence/period.js';

const DAY = 86_400_000;

/**
 * The days a backfill rebuilds: whole past UTC days, `to` defaulting to yesterday; today and later belong to
 * `collect`. Checked before the store or a signing key is touched.
 */
export function backfillPeriod(from: string, to: string | undefined, now: Date): PeriodDays & { days: string[] } {
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  const period = periodDays(parsePeriod(from, to ?? yesterday));
  if (period.to >= today) throw new ConfigError(`--to ${period.to}: backfill rebuilds past days only (today is ${today}, in UTC)`, `give --to ${yesterday} or earlier; today's evidence comes from \`evidence-locker collect\``);
  const days = daysOf(period);
  if (days.length > 3660) throw new ConfigError(`--from ${period.from}: ${days.length} days is longer than ten years`, 'backfill a shorter period');
  return { ...period, days };
}
