import type { GenerateCredentialReportCommandOutput, GetCredentialReportCommandOutput } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { stripMetadata, toDate, type QueryContext, type ResourceResult } from '../types.js';

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

/** Parses the report's CSV (RFC 4180: quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** The report's rows keyed by its header line; `undefined` when the evidence holds no parsable report. */
export function credentialReportRows(data: CredentialReportEvidence | undefined): CredentialReportRow[] | undefined {
  const content = data?.report?.Content;
  if (typeof content !== 'string' || content.trim() === '') return undefined;
  const [header, ...rows] = parseCsv(content);
  if (!header?.includes('user') || !header.includes('arn')) return undefined;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** A report timestamp; `N/A`, `no_information` and `not_supported` mean "none". */
export function reportDate(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  return toDate(value);
}

export const isTrue = (value: string | undefined) => value === 'true';

/** Whole days from `from` to `to`. */
export function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / 86_400_000);
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
