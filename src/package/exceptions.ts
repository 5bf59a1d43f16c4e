import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-31');

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
  });
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
      'each entry needs framework, requirement, type (compensating-control | customized-approach | accepted-risk, the last not for PCI DSS), owner, rationale, approvedBy, expires (YYYY-MM-DD), optionally accounts, and for PCI DSS the worksheet (constraints, objective, identifiedRisk, definition, validation, maintenance) or customizedApproach (objective, controlsMatrix, targetedRiskAnalysis)',
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
