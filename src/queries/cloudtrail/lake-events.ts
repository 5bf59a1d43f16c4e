import type { GetEventDataStoreCommandOutput } from '@aws-sdk/client-cloudtrail';
/**
 * CloudTrail Lake's side of `cloudtrail.sensitive-activity`: the SQL one organisation-wide query sends, the shape of
 * the evidence a member's rows are kept in, and how a row reads as an event. Pure: no SDK calls here.
 */

/** One GetQueryResults row as CloudTrail Lake returns it: a list of single-key maps, column name to string value. */
export type LakeRow = Record<string, string>[];

/** Where a member's rows came from: the event data store, the query run against it, and the account that ran it. */
export interface LakeQuerySource {
  /** The event data store as configured (ARN or id). */
  eventDataStore: string;
  queryId: string;
  queryStatement: string;
  /** The query that counted every event of each account and region in the window (what shows the store receives them). */
  coverageQueryId: string;
  coverageStatement: string;
  auditAccountId: string;
  region: string;
  /** GetEventDataStore as read before the queries: what shows the store keeps every management event for the whole window. */
  store?: Omit<GetEventDataStoreCommandOutput, '$metadata'>;
}

/** cloudtrail.sensitive-activity evidence read from an organisation event data store: this member's rows, verbatim. */
export interface LakeSensitiveActivityEvidence {
  /** The window searched (eventTime bounds of the query, inclusive). */
  startTime: string;
  endTime: string;
  /** The event names searched, in the order LookupEvents would search them. */
  eventNames: string[];
  lake: LakeQuerySource;
  /** The rows of this member account and region (recipientAccountId, awsRegion), in the order GetQueryResults returned them. */
  rows: LakeRow[];
  /** This member's row of the coverage query, verbatim: how many of its events (of any name) the store holds for the window. */
  coverage: LakeRow;
}

export function isLakeEvidence(v: unknown): v is LakeSensitiveActivityEvidence {
  return typeof v === 'object' && v !== null && 'lake' in v && Array.isArray((v as { rows?: unknown }).rows);
}

/** The columns the query selects; aliases keep each result key a plain name whatever Lake calls nested fields. */
export const LAKE_COLUMNS = [
  'eventID',
  'eventName',
  'eventTime',
  'recipientAccountId',
  'awsRegion',
  'userIdentity.arn AS userIdentityArn',
  'sourceIPAddress',
  'errorMessage',
  "element_at(responseElements, 'ConsoleLogin') AS consoleLoginResponse",
] as const;

/** The event data store id Lake's FROM clause takes: the ARN's last segment, or the id as given. */
export function eventDataStoreId(arnOrId: string): string {
  return arnOrId.startsWith('arn:') ? (arnOrId.split('/').pop() ?? arnOrId) : arnOrId;
}

/** The region an event data store ARN names, or undefined for a bare id. */
export function eventDataStoreRegion(arnOrId: string): string | undefined {
  return arnOrId.startsWith('arn:') ? arnOrId.split(':')[3] || undefined : undefined;
}

/** Lake's timestamp literal (UTC, millisecond precision) for an instant. */
export function lakeTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * One query for every member account and region: the configured event names in the window, management events only
 * (what LookupEvents holds), newest first like LookupEvents.
 */
export function sensitiveActivityStatement(eventDataStore: string, eventNames: readonly string[], start: Date, end: Date): string {
  return (
    `SELECT ${LAKE_COLUMNS.join(', ')} FROM ${eventDataStoreId(eventDataStore)}` +
    ` WHERE eventName IN (${eventNames.map(quote).join(', ')})` +
    ` AND eventCategory = 'Management'` +
    ` AND eventTime >= ${quote(lakeTimestamp(start))} AND eventTime <= ${quote(lakeTimestamp(end))}` +
    ` ORDER BY eventTime DESC`
  );
}

/**
 * How many events of each account and region the store holds for the window: a member with none is not shown to be
 * delivered to the store, so it is searched with its own LookupEvents rather than reported quiet.
 */
export function coverageStatement(eventDataStore: string, start: Date, end: Date): string {
  return (
    `SELECT recipientAccountId, awsRegion, COUNT(*) AS events FROM ${eventDataStoreId(eventDataStore)}` +
    ` WHERE eventCategory = 'Management'` +
    ` AND eventTime >= ${quote(lakeTimestamp(start))} AND eventTime <= ${quote(lakeTimestamp(end))}` +
    ` GROUP BY recipientAccountId, awsRegion`
  );
}

/** A row's columns as one object (later keys win; Lake sends each column once). */
export function rowValues(row: LakeRow): Record<string, string> {
  return Object.assign({}, ...row) as Record<string, string>;
}

/** Lake returns timestamps without a zone; they are UTC. */
export function lakeTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
