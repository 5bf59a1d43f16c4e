import cron from 'node-cron';
import type { ScheduleConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { ConfigError } from '../errors.js';

/** Used when the configuration has no schedules: one collection a day at 02:00 UTC. */
export const DEFAULT_SCHEDULES: ScheduleConfig[] = [{ name: 'daily-collect', action: 'collect', cron: '0 2 * * *', timezone: 'UTC' }];

/** A running timer for one schedule; `stop` cancels future firings. */
export interface ScheduledJob {
  stop(): void | Promise<void>;
  nextRun(): Date | null;
}

/** What starts timers: node-cron in production, a hand-driven fake in tests. */
export interface Scheduler {
  schedule(s: ScheduleConfig, fire: (scheduledAt: Date) => void): ScheduledJob;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks every schedule before anything starts: cron syntax, time zone, action availability and unique names.
 * Errors name the field (`schedules[1].cron`) so the operator can find it in the configuration.
 */
export function validateSchedules(schedules: readonly ScheduleConfig[], availableActions: readonly string[]): void {
  const names = new Set<string>();
  schedules.forEach((s, i) => {
    const where = `schedules[${i}]`;
    const detail = cron.validateDetailed(s.cron);
    if (!detail.valid) {
      const why = detail.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      throw new ConfigError(
        `${where}.cron: "${s.cron}" (schedule "${s.name}") is not a valid cron expression${why ? ` (${why})` : ''}`,
        'use five fields (minute hour day-of-month month day-of-week) or six with seconds first, e.g. "0 2 * * *" for 02:00 every day',
      );
    }
    if (!isValidTimeZone(s.timezone)) {
      throw new ConfigError(`${where}.timezone: "${s.timezone}" (schedule "${s.name}") is not a known IANA time zone`, 'use a name such as UTC, Europe/Berlin or America/New_York');
    }
    if (!availableActions.includes(s.action)) {
      throw new ConfigError(`${where}.action: "${s.action}" (schedule "${s.name}") cannot run in this daemon`, `available actions: ${availableActions.join(', ')}`);
    }
    if (names.has(s.name)) throw new ConfigError(`${where}.name: "${s.name}" is used by more than one schedule`, 'give each schedule its own name; metrics and logs are labelled by it');
    names.add(s.name);
  });
}

/**
 * The slot that names one firing of a schedule (shared by the shards of that firing): the UTC date for a schedule
 * that fires at most once a day, the UTC minute otherwise. `collect --shard` without `--slot` uses the UTC date too.
 */
export function scheduleSlot(expression: string, scheduledAt: Date): string {
  const iso = scheduledAt.toISOString();
  let fields: { second: number[]; minute: number[]; hour: number[] } | undefined;
  try {
    fields = cron.parse(expression);
  } catch {
    fields = undefined;
  }
  const oncePerDay = fields !== undefined && fields.second.length === 1 && fields.minute.length === 1 && fields.hour.length === 1;
  return oncePerDay ? iso.slice(0, 10) : `${iso.slice(0, 16)}Z`;
}

/**
 * Wraps a schedule's `fire` so that each firing happens after a random delay of up to `minutes` (uniform, whole
 * milliseconds), still with its scheduled time; `cancel` drops the firings still waiting (when the schedule stops).
 */
export function withRandomDelay(fire: (scheduledAt: Date) => void, minutes: number, random: () => number = Math.random): { fire: (scheduledAt: Date) => void; cancel: () => void } {
  if (!(minutes > 0)) return { fire, cancel: () => undefined };
  const waiting = new Set<ReturnType<typeof setTimeout>>();
  return {
    fire: (scheduledAt) => {
      const t = setTimeout(() => {
        waiting.delete(t);
        fire(scheduledAt);
      }, Math.floor(random() * minutes * 60_000));
      waiting.add(t);
    },
    cancel: () => {
      for (const t of waiting) clearTimeout(t);
      waiting.clear();
    },
  };
}

/** node-cron, with its own log lines routed into ours; a schedule's `randomDelayMinutes` delays each firing. */
export function nodeCronScheduler(log: Logger): Scheduler {
  const cronLog = log.child({ component: 'node-cron' });
  return {
    schedule(s, fireNow) {
      const delayed = withRandomDelay(fireNow, s.randomDelayMinutes ?? 0);
      const task = cron.schedule(s.cron, (ctx) => delayed.fire(ctx.date), {
        name: s.name,
        timezone: s.timezone,
        logger: {
          info: (m) => cronLog.debug(m),
          warn: (m) => cronLog.warn(m),
          error: (m, err) => cronLog.error({ err: err ?? (m instanceof Error ? m : undefined) }, m instanceof Error ? m.message : m),
          debug: (m) => cronLog.debug(m instanceof Error ? m.message : m),
        },
      });
      return {
        stop: () => {
          delayed.cancel();
          return task.destroy();
        },
        nextRun: () => task.getNextRun(),
      };
    },
  };
}
