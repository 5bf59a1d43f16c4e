import type { CloudTrailClient, DescribeQueryCommandOutput, GetEventDataStoreCommandOutput } from '@aws-sdk/client-cloudtrail';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCloudTrailSdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import { coverageStatement, rowValues, sensitiveActivityStatement, type LakeQuerySource, type LakeRow, type LakeSensitiveActivityEvidence } from './lake-events.js';
import { searchWindow, searchedEventNames } from './sensitive-activity.js';

/** How long one run waits for its Lake query before collecting per member instead (Lake itself stops queries after an hour). */
export const LAKE_QUERY_MAX_WAIT_MS = 10 * 60_000;
const FIRST_POLL_MS = 500;
const MAX_POLL_MS = 5_000;
/** GetQueryResults' largest page. */
const RESULTS_PAGE = 1000;

/** A Lake query that did not finish: its status (or that the wait ran out) and Lake's own error message. */
export class LakeQueryNotFinished extends Error {
  constructor(
    readonly queryId: string,
    readonly status: string,
    detail: string | undefined,
  ) {
    super(`CloudTrail Lake query ${queryId} ended ${status}${detail ? `: ${detail}` : ''}`);
    this.name = status === 'FAILED' ? 'LakeQueryFailed' : status === 'TIMED_OUT' ? 'LakeQueryTimedOut' : status === 'CANCELLED' ? 'LakeQueryCancelled' : 'LakeQueryWaitExceeded';
  }
}

export interface LakeWaitOptions {
  maxWaitMs?: number;
  firstPollMs?: number;
  signal?: AbortSignal;
}

/** Polls DescribeQuery with growing waits until the query finishes; throws for any other end, after the wait limit, or on abort. */
export async function waitForLakeQuery(ct: CloudTrailClient, queryId: string, opts: LakeWaitOptions = {}): Promise<DescribeQueryCommandOutput> {
  const { DescribeQueryCommand } = await loadCloudTrailSdk();
  const deadline = Date.now() + (opts.maxWaitMs ?? LAKE_QUERY_MAX_WAIT_MS);
  let delay = opts.firstPollMs ?? FIRST_POLL_MS;
  for (;;) {
    opts.signal?.throwIfAborted();
    const described = await ct.send(new DescribeQueryCommand({ QueryId: queryId }), { abortSignal: opts.signal });
    const status = described.QueryStatus ?? 'UNKNOWN';
    if (status === 'FINISHED') return described;
    if (status !== 'QUEUED' && status !== 'RUNNING') throw new LakeQueryNotFinished(queryId, status, described.ErrorMessage);
    if (Date.now() + delay > deadline) throw new LakeQueryNotFinished(queryId, `still ${status} after ${Math.round((opts.maxWaitMs ?? LAKE_QUERY_MAX_WAIT_MS) / 1000)} s`, 'not waited for longer');
    await sleep(delay, undefined, { signal: opts.signal });
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

/**
 * Why an event data store cannot stand in for the members' own event history over a window (none: it can): it must be
 * ingesting, keep every management event (a selector on event source or read-only would hide the searched calls while
 * the per-member count still shows events), and have existed, and kept events, for the whole window.
 */
export function lakeStoreShortfalls(store: Omit<GetEventDataStoreCommandOutput, '$metadata'>, windowStart: Date, windowEnd: Date): string[] {
  const out: string[] = [];
  if (store.Status !== 'ENABLED') out.push(`its status is ${store.Status ?? 'not given'}, not ENABLED`);
  const everyManagementEvent = (store.AdvancedEventSelectors ?? []).some(
    (sel) => sel.FieldSelectors?.length === 1 && sel.FieldSelectors[0].Field === 'eventCategory' && sel.FieldSelectors[0].Equals?.length === 1 && sel.FieldSelectors[0].Equals[0] === 'Management',
  );
  if (!everyManagementEvent) out.push('no selector keeps every management event (eventCategory = Management and nothing else)');
  const created = store.CreatedTimestamp ? new Date(store.CreatedTimestamp) : undefined;
  if (!created || created.getTime() > windowStart.getTime()) out.push(`it was created ${created ? created.toISOString() : 'at an unknown time'}, after the window start ${windowStart.toISOString()}`);
  const keptMs = (store.RetentionPeriod ?? 0) * 86_400_000;
  if (keptMs < windowEnd.getTime() - windowStart.getTime()) out.push(`it keeps events ${store.RetentionPeriod ?? 0} days, less than the window`);
  return out;
}

/** An event data store that cannot stand in for the members' event history: every member is searched in its own account. */
export class LakeStoreNotCovering extends Error {
  override readonly name = 'LakeStoreNotCovering';
}

/** One member's part of the organisation's Lake query: the query it came from and its rows. */
export interface LakeSensitiveActivityPart {
  window: { startTime: string; endTime: string; eventNames: string[] };
  lake: LakeQuerySource;
  rows: LakeRow[];
  coverage: LakeRow;
}

/**
 * cloudtrail.sensitive-activity read once from the organisation's CloudTrail Lake event data store (collect.delegatedAdmin
 * .cloudtrailEventDataStore): one search for every member account and region, split per recipientAccountId and awsRegion,
 * and one count of each member's events in the window, which decides which members the store is shown to cover.
 */
export const lakeSensitiveActivity = defineDelegatedSource<LakeSensitiveActivityPart>({
  queryId: 'cloudtrail.sensitive-activity',
  kind: 'cloudtrail-lake',
  reach: 'event-data-store',
  apiCalls: ['cloudtrail:GetEventDataStore', 'cloudtrail:StartQuery', 'cloudtrail:DescribeQuery', 'cloudtrail:GetQueryResults'],
  async fetch(audit) {
    const eventDataStore = audit.eventDataStore;
    if (!eventDataStore) throw new Error('no CloudTrail Lake event data store configured (collect.delegatedAdmin.cloudtrailEventDataStore)');
    const { start, end } = searchWindow(audit.params, audit.now);
    const eventNames = searchedEventNames(audit.params);
    const queryStatement = sensitiveActivityStatement(eventDataStore, eventNames, start, end);
    const coverage = coverageStatement(eventDataStore, start, end);
    const { CloudTrailClient, GetEventDataStoreCommand, StartQueryCommand, paginateGetQueryResults } = await loadCloudTrailSdk();
    const ct = audit.clients.get(CloudTrailClient);
    const store = stripMetadata(await ct.send(new GetEventDataStoreCommand({ EventDataStore: eventDataStore }), { abortSignal: audit.signal }));
    const shortfalls = lakeStoreShortfalls(store, start, end);
    if (shortfalls.length) throw new LakeStoreNotCovering(`the CloudTrail Lake event data store ${eventDataStore} cannot stand in for the members' event history: ${shortfalls.join('; ')}`);
    const startQuery = async (statement: string): Promise<string> => {
      const started = await ct.send(new StartQueryCommand({ QueryStatement: statement }), { abortSignal: audit.signal });
      if (!started.QueryId) throw new Error(`CloudTrail StartQuery on ${eventDataStore} returned no QueryId`);
      return started.QueryId;
    };
    const allRows = async (queryId: string): Promise<LakeRow[]> => {
      const rows: LakeRow[] = [];
      for await (const page of paginateGetQueryResults({ client: ct, pageSize: RESULTS_PAGE }, { QueryId: queryId })) {
        audit.signal?.throwIfAborted();
        const out = stripMetadata(page);
        // A finished query's results say FINISHED; anything else means they are not the whole answer.
        if (out.QueryStatus && out.QueryStatus !== 'FINISHED') throw new LakeQueryNotFinished(queryId, out.QueryStatus, out.ErrorMessage);
        rows.push(...((out.QueryResultRows ?? []) as LakeRow[]));
      }
      return rows;
    };
    const queryId = await startQuery(queryStatement);
    const coverageQueryId = await startQuery(coverage);
    const wait = { signal: audit.signal, ...(audit.lakeQueryWaitMs ? { maxWaitMs: audit.lakeQueryWaitMs } : {}) };
    await waitForLakeQuery(ct, queryId, wait);
    await waitForLakeQuery(ct, coverageQueryId, wait);
    const lake: LakeQuerySource = { eventDataStore, queryId, queryStatement, coverageQueryId, coverageStatement: coverage, auditAccountId: audit.accountId, region: audit.region, store };
    const window = { startTime: start.toISOString(), endTime: end.toISOString(), eventNames };
    const key = (row: LakeRow) => {
      const v = rowValues(row);
      return memberKey(v.recipientAccountId ?? '', v.awsRegion ?? '');
    };
    // Only members the store holds events of for the window get a part; the others are searched in their own account.
    const parts = new Map<string, LakeSensitiveActivityPart>();
    for (const row of await allRows(coverageQueryId)) {
      if (Number(rowValues(row).events ?? 0) > 0) parts.set(key(row), { window, lake, rows: [], coverage: row });
    }
    for (const row of await allRows(queryId)) {
      const part = parts.get(key(row));
      if (!part) throw new Error(`CloudTrail Lake query ${queryId} returned an event of ${key(row)}, which its coverage query ${coverageQueryId} did not count`);
      part.rows.push(row);
    }
    return parts;
  },
  async complete(part): Promise<LakeSensitiveActivityEvidence> {
    return { startTime: part.window.startTime, endTime: part.window.endTime, eventNames: part.window.eventNames, lake: part.lake, rows: part.rows, coverage: part.coverage };
  },
});

