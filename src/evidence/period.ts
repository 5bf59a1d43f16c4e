import { ConfigError } from '../errors.js';

/** The audit period a command works on: two instants, both inclusive. */
export interface Period {
  from: Date;
  to: Date;
}

/** The UTC days a period covers, YYYY-MM-DD, both inclusive: what a package is about. */
export interface PeriodDays {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/**
 * Parses `--from` / `--to` for every command: a date (`2026-01-31`, the whole UTC day) or a full ISO timestamp.
 * `to` given as a date means the end of that day.
 */
export function parsePeriod(from: string, to: string, flags = { from: '--from', to: '--to' }): Period {
  const f = parseWhen(from, 'start', flags.from);
  const t = parseWhen(to, 'end', flags.to);
  if (f.getTime() > t.getTime()) throw new ConfigError(`${flags.from} ${from} is after ${flags.to} ${to}`, `swap the dates: the earlier one goes with ${flags.from}`);
  return { from: f, to: t };
}

/** Parses one date or timestamp flag (e.g. `--required-retain-until`): a date means the start of that UTC day. */
export function parseInstant(value: string, flag: string): Date {
  return parseWhen(value, 'start', flag);
}

function parseWhen(value: string, edge: 'start' | 'end', flag: string): Date {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(v)) return edge === 'start' ? d : new Date(d.getTime() + DAY_MS - 1);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new ConfigError(`${flag}: "${value}" is not a calendar date like 2026-01-31 or a timestamp like 2026-01-31T12:00:00Z`, 'give dates as YYYY-MM-DD (UTC days)');
}

/**
 * The whole UTC days of a period; refuses a period that starts or ends inside a day, since a package reports per day.
 */
export function periodDays(p: Period, flags = { from: '--from', to: '--to' }): PeriodDays {
  if (p.from.getTime() % DAY_MS !== 0) {
    throw new ConfigError(`${flags.from} ${p.from.toISOString()}: a package covers whole UTC days`, `give a date like ${p.from.toISOString().slice(0, 10)}`);
  }
  if ((p.to.getTime() + 1) % DAY_MS !== 0) {
    throw new ConfigError(`${flags.to} ${p.to.toISOString()}: a package covers whole UTC days`, `give a date like ${p.to.toISOString().slice(0, 10)}`);
  }
  return { from: p.from.toISOString().slice(0, 10), to: p.to.toISOString().slice(0, 10) };
}

/** Every day of the period, in order. */
export function daysOf(p: PeriodDays): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${p.from}T00:00:00Z`), end = Date.parse(`${p.to}T00:00:00Z`); t <= end; t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Whether a text is a time exactly as evidence-locker writes every time it signs (`Date#toISOString`: UTC, to the
 * millisecond): the one form `verify` and verify.sh read alike, so a time that parses only to one of them is refused.
 */
export function isWrittenTime(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)) return false;
  const at = Date.parse(value);
  return !Number.isNaN(at) && new Date(at).toISOString() === value;
}
