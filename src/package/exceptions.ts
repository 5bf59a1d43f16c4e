import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-31')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'not a calendar date (a date like 2026-12-31)');

const Text = z.string().min(10, 'at least a sentence');

/** The PCI DSS compensating-control worksheet (Appendix C): why the requirement cannot be met and how the control replaces it. */
export const CompensatingWorksheetSchema = z
  .object({
    /** Legitimate technical or business constraints precluding compliance with the original requirement. */
    constraints: Text,
    /** The objective of the original control, and the objective met by the compensating control. */
    objective: Text,
    /** Any additional risk posed by the lack of the original control. */
    identifiedRisk: Text,
    /** The compensating controls and how they address the objective and the increased risk. */
    definition: Text,
    /** How the compensating controls were validated and tested. */
    validation: Text,
    /** Processes and controls in place to maintain the compensating controls. */
    maintenance: Text,
  })
  .strict();

/** A PCI DSS customized-approach entry (Appendix D/E): the objective met and where its analysis lives. */
export const CustomizedApproachSchema = z
  .object({
    /** The customized approach objective of the requirement, and how the entity's control meets it. */
    objective: Text,
    /** Reference to the controls matrix (document id, location). */
    controlsMatrix: z.string().min(3),
    /** Reference to the targeted risk analysis. */
    targetedRiskAnalysis: z.string().min(3),
  })
  .strict();

/** PCI DSS knows compensating controls and the customized approach, not accepted risks. */
export function isPciFramework(framework: string): boolean {
  return framework.startsWith('pci-dss');
}

/** One entry of the exceptions register: a compensating control, a customized approach or (not PCI DSS) an accepted risk, approved and time-boxed. */
export const ExceptionEntrySchema = z
  .object({
    framework: z.string().min(1),
    requirement: z.string().min(1),
    /** Accounts the exception covers; absent = every account in scope. */
    accounts: z.array(z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits')).optional(),
    type: z.enum(['compensating-control', 'customized-approach', 'accepted-risk']),
    owner: z.string().min(1),
    rationale: z.string().min(10),
    approvedBy: z.string().min(1),
    /**
     * The IAM user or role (ARN) who seals the approval with `evidence-locker attest`: the approval then counts only
     * when the attestation's recorded caller is that user or a session of that role. Absent: matched on the stated
     * name alone, and the report says so.
     */
    approverArn: z
      .string()
      .refine((a) => !/^arn:[^:]+:sts::/.test(a), 'name the IAM role (arn:aws:iam::<account>:role/<name>), not a session of it: a session name is chosen by whoever assumes the role')
      .refine((a) => /^arn:[a-z-]+:iam::\d{12}:(user|role)\/([^/]+\/)*[^/]+$/.test(a), 'an IAM user or role ARN, e.g. arn:aws:iam::111122223333:role/ExceptionApprover')
      .optional(),
    /** Day the exception was approved (UTC); it never applies before it. */
    approvedOn: IsoDate.optional(),
    /** First day the exception applies (inclusive, UTC); default approvedOn. Neither given: its start is not known. */
    effectiveFrom: IsoDate.optional(),
    /** Last day the exception applies (inclusive, UTC). */
    expires: IsoDate,
    /** PCI DSS compensating controls: the worksheet fields; the report marks a worksheet that is missing. */
    worksheet: CompensatingWorksheetSchema.optional(),
    /** Required for `customized-approach`. */
    customizedApproach: CustomizedApproachSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.type === 'accepted-risk' && isPciFramework(e.framework)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'accepted-risk is not a PCI DSS option: record a compensating-control with its worksheet, or a customized-approach' });
    }
    if (e.type === 'customized-approach' && !e.customizedApproach) {
      ctx.addIssue({ code: 'custom', path: ['customizedApproach'], message: 'a customized-approach entry needs customizedApproach (objective, controlsMatrix, targetedRiskAnalysis)' });
    }
    if (e.type === 'customized-approach' && !isPciFramework(e.framework)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'customized-approach is a PCI DSS option' });
    }
    if (e.effectiveFrom && e.approvedOn && e.effectiveFrom < e.approvedOn) {
      ctx.addIssue({ code: 'custom', path: ['effectiveFrom'], message: `${e.effectiveFrom} is before approvedOn ${e.approvedOn}: an exception cannot apply before it was approved` });
    }
    const start = e.effectiveFrom ?? e.approvedOn;
    if (start && e.expires < start) {
      ctx.addIssue({ code: 'custom', path: ['expires'], message: `${e.expires} is before ${e.effectiveFrom ? 'effectiveFrom' : 'approvedOn'} ${start}: the exception would never apply` });
    }
  });
export type ExceptionEntry = z.infer<typeof ExceptionEntrySchema>;

export const ExceptionsFileSchema = z.object({ exceptions: z.array(ExceptionEntrySchema).default([]) }).strict();

/**
 * An exception as a package shows it, at the period end: `active` applies on its last day; `expired` ended before it
 * (EXPIRED, not applied at the end); `not-yet-effective` starts after it (approved or effective after the period).
 * `applied`: the days of the period it applied (none: it applied on no day of the period); `startKnown` false when the
 * register gives neither approvedOn nor effectiveFrom, so the days before its expiry are only assumed.
 */
export interface ExceptionStatus extends ExceptionEntry {
  index: number;
  state: 'active' | 'expired' | 'not-yet-effective';
  applied?: { from: string; to: string; days: number };
  periodDays: number;
  startKnown: boolean;
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
      'each entry needs framework, requirement, type (compensating-control | customized-approach | accepted-risk, the last not for PCI DSS), owner, rationale, approvedBy, expires (YYYY-MM-DD), optionally approverArn (the IAM user or role that seals the approval), approvedOn and effectiveFrom (YYYY-MM-DD, effectiveFrom not before approvedOn, neither after expires) and accounts, and for PCI DSS the worksheet (constraints, objective, identifiedRisk, definition, validation, maintenance) or customizedApproach (objective, controlsMatrix, targetedRiskAnalysis)',
    );
  }
  return r.data.exceptions;
}

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

/**
 * State at the period end (`asOfDay`) and the days of the period (`periodFrom` to `asOfDay`) each exception applied:
 * from effectiveFrom (else approvedOn) to expires. Without either start date the start is not known: it is taken as
 * the period start and the views say so. `periodFrom` defaults to `asOfDay` (a one-day period).
 */
export function exceptionStates(entries: ExceptionEntry[], asOfDay: string, periodFrom = asOfDay): ExceptionStatus[] {
  return entries.map((e, index) => {
    const start = e.effectiveFrom ?? e.approvedOn;
    const from = start && start > periodFrom ? start : periodFrom;
    const to = e.expires < asOfDay ? e.expires : asOfDay;
    const state: ExceptionStatus['state'] = e.expires < asOfDay ? 'expired' : start && start > asOfDay ? 'not-yet-effective' : 'active';
    return { ...e, index, state, ...(from <= to ? { applied: { from, to, days: daysBetween(from, to) } } : {}), periodDays: daysBetween(periodFrom, asOfDay), startKnown: start !== undefined };
  });
}

/** The state as the views print it. */
export function exceptionStateWord(e: ExceptionStatus): string {
  return e.state === 'expired' ? 'EXPIRED' : e.state === 'not-yet-effective' ? 'NOT YET EFFECTIVE' : 'active';
}

/**
 * For which part of the period the exception applied, in words: `applied 2026-04-10 to 2026-04-30 (21 of 30 days)`,
 * `applied on no day of the period (effective from 2026-06-01)`, and when no start date is registered, that it is not known.
 */
export function exceptionWindow(e: ExceptionStatus): string {
  const start = e.effectiveFrom ?? e.approvedOn;
  const dates = `${e.approvedOn ? `approved ${e.approvedOn}, ` : ''}${e.effectiveFrom ? `effective ${e.effectiveFrom}, ` : ''}expires ${e.expires}`;
  if (!e.applied) return `applied on no day of the period (${dates})`;
  const span = e.applied.days === e.periodDays ? `the whole period (${e.applied.from} to ${e.applied.to})` : `${e.applied.from} to ${e.applied.to} (${e.applied.days} of ${e.periodDays} days)`;
  if (!start) return `applied ${span} only if it was in effect from the period start: the register gives no approvedOn or effectiveFrom (${dates})`;
  return `applied ${span} (${dates})`;
}

/** How an exception is named beside a result: its state, type, approver and the days it applied. */
export function exceptionLabel(e: ExceptionStatus): string {
  const head = e.state === 'expired' ? 'EXPIRED exception (not applied at the period end)' : e.state === 'not-yet-effective' ? 'NOT YET EFFECTIVE exception (not applied)' : 'Exception';
  return `${head}: ${e.type}, owner ${e.owner}, approved by ${e.approvedBy}; ${exceptionWindow(e)}`;
}

/**
 * Every register entry for one requirement and account, the one shown first being the one in effect at the period end
 * (else the one that applied last, such as an expired entry a renewal replaced), then the others by when they applied.
 */
export function exceptionsFor(states: ExceptionStatus[], framework: string, requirement: string, accountId: string): ExceptionStatus[] {
  const rank = (e: ExceptionStatus) => (e.state === 'active' ? 0 : e.applied ? 1 : 2);
  return states
    .filter((e) => e.framework === framework && e.requirement === requirement && (!e.accounts || e.accounts.includes(accountId)))
    .sort((a, b) => rank(a) - rank(b) || (b.applied?.to ?? '').localeCompare(a.applied?.to ?? '') || a.index - b.index);
}

/** A row's exceptions as the timeline keeps them: the first, and every other entry for the same requirement and account. */
export function rowExceptions(states: ExceptionStatus[], framework: string, requirement: string, accountId: string): { exception?: ExceptionStatus; otherExceptions?: ExceptionStatus[] } {
  const [first, ...others] = exceptionsFor(states, framework, requirement, accountId);
  return { ...(first ? { exception: first } : {}), ...(others.length ? { otherExceptions: others } : {}) };
}

/** Every exception of a row, each labelled, the first as the row names it and the others as also registered. */
export function rowExceptionLabels(row: { exception?: ExceptionStatus; otherExceptions?: ExceptionStatus[] }): string[] {
  if (!row.exception) return [];
  return [exceptionLabel(row.exception), ...(row.otherExceptions ?? []).map((e) => `Also registered: ${exceptionLabel(e)}`)];
}
