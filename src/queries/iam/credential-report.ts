import type { GenerateCredentialReportCommandOutput, GetCredentialReportCommandOutput } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { stripMetadata, toDate, type QueryContext, type ResourceResult } from '../types.js';
import { parseCsv, parseCsvRecords, type CsvRecord } from '../../csv-parse.js';

export { parseCsv, parseCsvRecords, type CsvRecord };

/**
 * The IAM credential report as evidence: the last GenerateCredentialReport answer and the report itself,
 * with `Content` kept as the verbatim CSV text IAM returned (the SDK hands it over as bytes).
 */
export interface CredentialReportEvidence {
  generate: Omit<GenerateCredentialReportCommandOutput, '$metadata'>;
  report: Omit<GetCredentialReportCommandOutput, '$metadata' | 'Content'> & { Content: string };
}

/** One row of the credential report, keyed by the CSV header (user, arn, password_enabled, mfa_active ...). */
export type CredentialReportRow = Record<string, string>;

export const ROOT_USER = '<root_account>';

export const CREDENTIAL_REPORT_ACTIONS = ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'] as const;

export interface CredentialReportPolling {
  /** Delay before the first re-check of a report still being generated; doubles up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up after this long; IAM normally finishes within seconds. */
  timeoutMs: number;
}

const DEFAULT_POLLING: CredentialReportPolling = { initialDelayMs: 250, maxDelayMs: 4_000, timeoutMs: 120_000 };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks IAM to (re)generate the credential report until it is COMPLETE, then downloads it. IAM reuses a report
 * generated in the last four hours, so every IAM query of a run reads the same report.
 * Polling is bounded by `timeoutMs` and stops as soon as the run is aborted.
 */
export async function collectCredentialReport(ctx: QueryContext, polling: CredentialReportPolling = DEFAULT_POLLING): Promise<CredentialReportEvidence> {
  const { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } = await loadIamSdk();
  const iam = ctx.clients.get(IAMClient);
  const started = Date.now();
  let delay = polling.initialDelayMs;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const generate = stripMetadata(await iam.send(new GenerateCredentialReportCommand({}), { abortSignal: ctx.signal }));
    if (generate.State === 'COMPLETE') {
      try {
        const { Content, ...rest } = stripMetadata(await iam.send(new GetCredentialReportCommand({}), { abortSignal: ctx.signal }));
        return { generate, report: { ...rest, Content: Buffer.from(Content ?? new Uint8Array()).toString('utf8') } };
      } catch (err) {
        // Generated meanwhile by someone else, or expired between the two calls: generate again.
        const name = (err as { name?: string }).name ?? '';
        if (name !== 'CredentialReportNotReadyException' && name !== 'CredentialReportExpiredException' && name !== 'CredentialReportNotPresentException') throw err;
      }
    }
    if (Date.now() - started + delay > polling.timeoutMs) {
      throw new Error(
        `iam:GenerateCredentialReport in account ${ctx.accountId}: the credential report was still ${generate.State ?? 'not ready'} after ${Math.round(polling.timeoutMs / 1000)} s; run the collection again later`,
      );
    }
    await sleep(delay, ctx.signal);
    delay = Math.min(delay * 2, polling.maxDelayMs);
  }
}

/** One CSV record and the line of the text it starts on (1-based; a quoted field may span lines). */
/** A report row that is not read: its fields cannot be matched to the header, or its ARN is not the row's user. */
export interface UnreadableRow {
  line: number;
  /** The row's first field as written (the user name, when the row is intact). */
  first: string;
  why: string;
}

/** The credential report as the IAM queries read it: the rows that can be trusted, and those that cannot. */
export interface CredentialReportTable {
  rows: CredentialReportRow[];
  unreadable: UnreadableRow[];
}

/** Why a row's ARN is not the ARN of the user the row names (`:root` for the root user, `:user/<path>/<name>` otherwise); undefined when it is. */
function arnMismatch(user: string, arn: string): string | undefined {
  const iamArn = /^arn:[a-z-]+:iam::\d{12}:/.test(arn);
  if (user === ROOT_USER) return iamArn && arn.endsWith(':root') ? undefined : `its arn "${arn}" is not a root user ARN (…:root)`;
  if (user === '') return 'its user field is empty';
  return iamArn && /:user\//.test(arn) && arn.endsWith(`/${user}`) ? undefined : `its arn "${arn}" does not end in :user/…/${user}`;
}

/**
 * The report's rows keyed by its header line; `undefined` when the evidence holds no parsable report. A row whose field
 * count differs from the header's (e.g. a user name holding a comma written without CSV quoting) or whose ARN is not that
 * of the user it names is not read: its columns could belong to another field, so it is listed as unreadable and every
 * query gives it an `error` result ({@link unreadableResults}).
 */
export function readCredentialReport(data: CredentialReportEvidence | undefined): CredentialReportTable | undefined {
  const content = data?.report?.Content;
  if (typeof content !== 'string' || content.trim() === '') return undefined;
  const [header, ...records] = parseCsvRecords(content);
  if (!header?.fields.includes('user') || !header.fields.includes('arn')) return undefined;
  const rows: CredentialReportRow[] = [];
  const unreadable: UnreadableRow[] = [];
  const width = header.fields.length;
  for (const { fields, line } of records) {
    const first = fields[0] ?? '';
    if (fields.length !== width) {
      unreadable.push({ line, first, why: `it has ${fields.length} fields where the header has ${width}, so its values cannot be matched to the columns (a user name with a comma written without CSV quoting would do this)` });
      continue;
    }
    const row = Object.fromEntries(header.fields.map((h, i) => [h, fields[i]]));
    const mismatch = arnMismatch(row.user, row.arn);
    if (mismatch) {
      unreadable.push({ line, first, why: `${mismatch}, so the row cannot be tied to one user` });
      continue;
    }
    rows.push(row);
  }
  return { rows, unreadable };
}

/** One `error` result per unreadable row, naming its line and first field: none of its credentials was judged. */
export function unreadableResults(table: CredentialReportTable): ResourceResult[] {
  return table.unreadable.map((u) => ({
    resource: `credential report line ${u.line}`,
    resourceType: 'AWS::::Account',
    status: 'error',
    reason: `line ${u.line} of the credential report (first field "${u.first}") was not read: ${u.why}; the credentials of the user it describes were not judged`,
  }));
}

/** A report timestamp; `N/A`, `no_information` and `not_supported` mean "none". */
export function reportDate(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  return toDate(value);
}

/**
 * A credential-report boolean. IAM writes `true`/`false`; the user guide prints them as TRUE/FALSE, so case is not
 * trusted: reading an upper-case TRUE as false would drop a console user or an active key from every check.
 */
export const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';

export const DAY_MS = 86_400_000;

/** An elapsed time in whole days, hours and minutes (rounded down, zero parts left out), for reasons: "90 days 23 hours". */
export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [`${days} day${days === 1 ? '' : 's'}`];
  if (hours) parts.push(`${hours} hour${hours === 1 ? '' : 's'}`);
  if (mins) parts.push(`${mins} minute${mins === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** Whether more than `days` whole days separate `from` and `to`, to the millisecond (90 days and 1 ms is more than 90). */
export function olderThanDays(from: Date, to: Date, days: number): boolean {
  return to.getTime() - from.getTime() > days * DAY_MS;
}

/** The result every credential-report query gives when the evidence holds no usable report. */
export function missingReport(): ResourceResult[] {
  return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no readable IAM credential report' }];
}

/** How old the report was when collected, for reasons an auditor reads. */
export function reportAge(data: CredentialReportEvidence, collectedAt: string): string {
  const generated = toDate(data.report.GeneratedTime);
  return generated ? `credential report generated ${generated.toISOString()}` : `credential report collected ${collectedAt}`;
}

/** A non-negative integer parameter (environment overrides arrive as strings). */
export function dayParam(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
