import type { AwsClientProvider } from '../aws/clients.js';
import type { Config } from '../config/schema.js';

/** Outcome for one resource under one query. `error` means the evidence could not be judged. */
export const RESOURCE_STATUSES = ['pass', 'fail', 'needs-review', 'not-applicable', 'error'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];

/** A component a resource is part of, itself possibly part of another (a snapshot's volume attached to an instance). */
export interface ResourceParent {
  resource: string;
  resourceType: string;
  parent?: ResourceParent | ResourceParent[];
}

export interface ResourceResult {
  /** ARN, bucket name, detector id, or `account` for account-wide settings. */
  resource: string;
  resourceType: string;
  status: ResourceStatus;
  /** One sentence an auditor can read: what was found and why it passes or fails. */
  reason: string;
  /**
   * The component(s) this resource is part of (an instance's network interface or volume, a load balancer's listener, a
   * volume's snapshot): it is in a framework's scope whenever one of them is, unless a selector excludes the part
   * itself. A parent is judged with the account and region its ARN names.
   */
  parent?: ResourceParent | ResourceParent[];
  /**
   * Set on a result that tests the declared scope itself (card data found where no card data is declared): the scope
   * cannot filter out the evidence that it is wrong, so the result stays in scope wherever it was found. Says why.
   */
  judgesScope?: string;
  /**
   * With `judgesScope` on a failing result: what it found there (the data, with counts), e.g. `card numbers (412
   * CREDIT_CARD_NUMBER in 3 objects (...))`. Named in the scope reason of the resource's other checks, whose declared
   * exclusion (or omission) from the scope the finding contradicts.
   */
  scopeFound?: string;
  /**
   * Set on a not-applicable result that says a mechanism is not deployed (no AWS Config rules), not that nothing needs
   * it: a requirement whose only judged results say so needs review; it is never proposed as not applicable. Names it.
   */
  mechanismAbsent?: string;
  /**
   * Set on a failing result whose fault is sensitive authentication data kept after authorization: what was found and
   * where (the data, with counts), without the verdict. An issuer or a company that supports issuing services may keep
   * such data for a legitimate, documented issuing business need (PCI DSS 3.3.1's note; 3.3.3 then applies): with that
   * need declared (config entity.<framework>.issuerWithBusinessNeed) the evaluation makes the result needs-review,
   * naming the document, instead of a failure.
   */
  sensitiveAuthenticationData?: string;
  /**
   * Set on a failing result whose evidence shows the resource itself exposed, beyond a setting that would allow it:
   * `public` when anyone (or any AWS account) is granted access today (a bucket S3 judges public, or whose ACL grants
   * everyone). The findings register keys a severity raise on it (`SEVERITY_WHEN`), never on the reason's wording.
   */
  exposure?: 'public';
}

export type ParameterValue = number | string | boolean | string[];

/** Settings under `collect` in the configuration that can hold a query parameter's value. */
export type CollectSetting = { [K in keyof Config['collect']]-?: NonNullable<Config['collect'][K]> extends ParameterValue ? K : never }[keyof Config['collect']];

export interface ParameterSpec {
  description: string;
  default: ParameterValue;
  /** The `collect` setting that gives the value at collection time when configured; otherwise `default` applies. */
  collectSetting?: CollectSetting;
  /**
   * Why a value of the right type still cannot be used (`adminPorts: ["ssh"]` names no port), or undefined. Checked at
   * start-up against the catalogs' values and the configuration's overrides (`checkParameterOverrides`).
   */
  check?(value: ParameterValue): string | undefined;
  /**
   * For a numeric threshold: which way the value makes the check easier to pass (`lower`: a minimum, `higher`: a
   * maximum). A configuration override of a value the requirement's text fixes, moved this way, turns the passes it
   * decides into needs-review (`loosenedReview`). Absent: the direction is unknown, and any change of such a value does.
   */
  looser?: 'lower' | 'higher';
}

export type QueryParameters = Record<string, ParameterValue>;

/** What evaluate knows besides the evidence itself; all of it comes from the evidence record. */
export interface EvaluationContext {
  accountId: string;
  region: string;
  /** When the evidence was collected (ISO 8601); the reference time for age checks. */
  collectedAt: string;
  /**
   * For a query with `accountFact`: the facts its evidence of the same account's other regions, sealed in the same
   * run, gives (each with its region). Absent when the evaluation sees this region alone.
   */
  accountFacts?: readonly { region: string; fact: string }[];
  /**
   * Who set each parameter's value (src/evaluate/baseline.ts parameterSource: the organisation's configuration, the
   * catalog default, or the check's default), so a reason never calls a default "the organisation's". Absent when the
   * caller does not know (a direct evaluation).
   */
  parameterSources?: Readonly<Record<string, string>>;
}

/** "name, set by <who>" for a reason, or just "name" when the evaluation does not know who set the value. */
export function parameterSetBy(ctx: Pick<EvaluationContext, 'parameterSources'>, name: string): string {
  const who = ctx.parameterSources?.[name];
  return who ? `${name}, set by ${who}` : name;
}

export interface QueryContext {
  accountId: string;
  /** The region queried; for global queries, the region the global endpoint was reached through. */
  region: string;
  clients: AwsClientProvider;
  params: QueryParameters;
  now: Date;
  signal?: AbortSignal;
}

/**
 * One evidence query: a small module under src/queries/<service>/ that proves one thing.
 * `collect` returns verbatim AWS API responses (without `$metadata`) arranged so `evaluate` can read them;
 * every SDK call it makes is also logged (operation and request) by the client middleware.
 * `evaluate` is pure: the same evidence and parameters always give the same results.
 * Evidence passes through canonical JSON before evaluate sees it again, so timestamps arrive as ISO strings.
 */
export interface EvidenceQuery<TData = unknown> {
  id: string;
  service: string;
  title: string;
  /** What the evidence proves, for the report and the catalog. */
  description: string;
  /** What an operator does to fix a failing resource. */
  remediation: string;
  scope: 'regional' | 'global';
  /** Every IAM action the query may call, e.g. `s3:ListBuckets`. The deploy policy is generated from these. */
  apiCalls: readonly string[];
  parameters?: Record<string, ParameterSpec>;
  /**
   * Titles for a parameter that changes what the query judges (e.g. `judge: form` judges where key material is kept,
   * not key state): value -> title. A value without an entry keeps `title`.
   */
  titleBy?: { parameter: string; titles: Record<string, string> };
  collect(ctx: QueryContext): Promise<TData>;
  evaluate(data: TData, params: QueryParameters, ctx: EvaluationContext): ResourceResult[];
  /**
   * What one region's evidence shows that matters to the evaluation of the account's other regions (for example,
   * that this region's AWS Config recorder records the global IAM resource types, which AWS Config records in one
   * region only). The engine passes the other regions' facts of the same run as `ctx.accountFacts`.
   */
  accountFact?(data: TData, ctx: EvaluationContext): string | undefined;
}

/** What the query judges with these parameters: its title, or the title its mode parameter names (`titleBy`). */
export function queryTitle(q: Pick<EvidenceQuery, 'title' | 'titleBy'>, params: Record<string, unknown> | undefined): string {
  const value = q.titleBy && params?.[q.titleBy.parameter];
  return (typeof value === 'string' && q.titleBy?.titles[value]) || q.title;
}

/** Widens a typed query to the registry's element type. */
export function defineQuery<TData>(q: EvidenceQuery<TData>): EvidenceQuery<unknown> {
  return q as unknown as EvidenceQuery<unknown>;
}

/** Evidence timestamps may be Date (fresh from the SDK) or ISO strings (read back from the store). */
export function toDate(v: Date | string | number | undefined | null): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** An API error kept as evidence (for example "no public access block configured"). */
export interface CapturedError {
  error: { code: string; message: string };
}

export function isCapturedError(v: unknown): v is CapturedError {
  return typeof v === 'object' && v !== null && 'error' in v && typeof (v as CapturedError).error?.code === 'string';
}

/**
 * Runs an SDK call and turns the listed "absence" error codes (e.g. NoSuchPublicAccessBlockConfiguration)
 * into evidence instead of a failure. Any other error propagates and becomes an error record.
 */
export async function captureAbsence<T>(call: () => Promise<T>, absenceCodes: readonly string[]): Promise<T | CapturedError> {
  try {
    return stripMetadata(await call());
  } catch (err) {
    const e = err as { name?: string; Code?: string; message?: string };
    const code = e.name ?? e.Code ?? 'Unknown';
    if (absenceCodes.includes(code) || (e.Code !== undefined && absenceCodes.includes(e.Code))) {
      return { error: { code, message: e.message ?? code } };
    }
    throw err;
  }
}

/** Drops the SDK's per-call `$metadata` (request ids, attempts) so unchanged configuration hashes the same. */
export function stripMetadata<T>(output: T): T {
  if (output && typeof output === 'object' && '$metadata' in (output as object)) {
    const { $metadata: _ignored, ...rest } = output as Record<string, unknown>;
    return rest as T;
  }
  return output;
}

/** Every item of every page a paginator yields, `$metadata` stripped; stops between pages once the run is aborted. */
export async function allPages<T, P>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined, ctx: Pick<QueryContext, 'signal'>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    ctx.signal?.throwIfAborted();
    out.push(...(pick(stripMetadata(page)) ?? []));
  }
  return out;
}
