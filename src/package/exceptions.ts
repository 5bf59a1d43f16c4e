import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-31');

/** One entry of the exceptions register: a compensating control or an accepted risk, approved and time-boxed. */
export const ExceptionEntrySchema = z
  .object({
    framework: z.string().min(1),
    requirement: z.string().min(1),
    /** Accounts the exception covers; absent = every account in scope. */
    accounts: z.array(z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits')).optional(),
    type: z.enum(['compensating-control', 'accepted-risk']),
    owner: z.string().min(1),
    rationale: z.string().min(10),
    approvedBy: z.string().min(1),
    /** Last day the exception applies (inclusive, UTC). */
    expires: IsoDate,
  })
  .strict();
export type ExceptionEntry = z.infer<typeof ExceptionEntrySchema>;

export const ExceptionsFileSchema = z.object({ exceptions: z.array(ExceptionEntrySchema).default([]) }).strict();

/** An exception as a package shows it: EXPIRED ones are listed but never applied. */
export interface ExceptionStatus extends ExceptionEntry {
  index: number;
  state: 'active' | 'expired';
}

/** Reads and validates the register; every error names the file and the entry. */
export function loadExceptions(file: string): ExceptionEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the exceptions register (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check exceptionsFile in the configuration');
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  return parseExceptions(raw ?? {}, file);
}

export function parseExceptions(raw: unknown, source: string): ExceptionEntry[] {
  const r = ExceptionsFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const [top, idx, ...field] = issue.path;
    const where = top === 'exceptions' && typeof idx === 'number' ? `exceptions[${idx}]${field.length ? '.' + field.join('.') : ''}` : issue.path.join('.') || '(top level)';
    throw new ConfigError(
      `${source}: ${where}: ${issue.message}`,
      'each entry needs framework, requirement, type (compensating-control | accepted-risk), owner, rationale, approvedBy, expires (YYYY-MM-DD) and optionally accounts',
    );
  }
  return r.data.exceptions;
}

/** State at a reference day (the period end): an exception that expired before it is EXPIRED. */
export function exceptionStates(entries: ExceptionEntry[], asOfDay: string): ExceptionStatus[] {
  return entries.map((e, index) => ({ ...e, index, state: e.expires < asOfDay ? 'expired' : 'active' }));
}

export function exceptionFor(states: ExceptionStatus[], framework: string, requirement: string, accountId: string): ExceptionStatus | undefined {
  const matching = states.filter((e) => e.framework === framework && e.requirement === requirement && (!e.accounts || e.accounts.includes(accountId)));
  return matching.find((e) => e.state === 'active') ?? matching[0];
}
