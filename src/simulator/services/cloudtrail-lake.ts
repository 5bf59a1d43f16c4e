/**
 * CloudTrail Lake queries (StartQuery, DescribeQuery, GetQueryResults) and the store's own description (GetEventDataStore) over an organisation event data store, answered
 * from the member accounts' own simulated event history, so Lake never disagrees with what LookupEvents returns.
 * SQL: only the subset the collector emits is parsed; anything else is InvalidQueryStatementException.
 */
import { DescribeQueryCommand, GetEventDataStoreCommand, GetQueryResultsCommand, StartQueryCommand, type AdvancedEventSelector, type Event, type EventDataStoreStatus, type QueryStatus } from '@aws-sdk/client-cloudtrail';
import { operation, SimError, type CallContext, type SimOperation } from '../types.js';
import type { SimAccount, SimWorld } from '../world.js';
import { createHash } from 'node:crypto';
import { paginate } from './paging.js';

/** An event data store as the owning account holds it in its region. */
export interface SimEventDataStore {
  arn: string;
  name: string;
  /** Holds the events of every account of the organisation (an organisation event data store). */
  organizationEnabled: boolean;
  multiRegionEnabled: boolean;
  /** Days events are kept. */
  retentionPeriod: number;
  /** When the store was created (default: a year before the query). */
  createdAt?: Date;
  /** Default ENABLED. */
  status?: EventDataStoreStatus;
  /** Default: every management event (`eventCategory = Management`, nothing else). */
  advancedEventSelectors?: AdvancedEventSelector[];
  /** How many DescribeQuery calls see a query QUEUED or RUNNING before it finishes (default 1). */
  pollsBeforeFinished?: number;
  /** When set, every query of this store ends in this status with this message (a simulated Lake failure). */
  failQueries?: { status: Extract<QueryStatus, 'FAILED' | 'TIMED_OUT' | 'CANCELLED'>; message: string };
}

interface SimLakeQuery {
  id: string;
  statement: string;
  status: QueryStatus;
  pollsLeft: number;
  rows: Record<string, string>[][];
  createdAt: Date;
  errorMessage?: string;
  /** The end a simulated failure gives the query instead of FINISHED. */
  failWith?: QueryStatus;
  eventsScanned: number;
}

export interface CloudTrailLakeState {
  eventDataStores: SimEventDataStore[];
  queries: Map<string, SimLakeQuery>;
}

/** The documented limit on queries running at once per account. */
const MAX_CONCURRENT_QUERIES = 10;

export function cloudTrailLake(account: SimAccount, region: string): CloudTrailLakeState {
  const state = account.regional(region, 'cloudtrail', () => ({ events: [] }));
  return (state.lake ??= { eventDataStores: [], queries: new Map() });
}

const invalid = (why: string) => new SimError('InvalidQueryStatementException', `The query that you entered is invalid. ${why}`);

/** Columns the subset understands: Lake's column (or expression) to the value of a CloudTrail record. */
const COLUMNS: Record<string, (r: CloudTrailRecord) => string | undefined> = {
  eventid: (r) => r.eventID,
  eventname: (r) => r.eventName,
  eventtime: (r) => (r.eventTime ? lakeTimestamp(new Date(r.eventTime)) : undefined),
  eventsource: (r) => r.eventSource,
  recipientaccountid: (r) => r.recipientAccountId,
  awsregion: (r) => r.awsRegion,
  sourceipaddress: (r) => r.sourceIPAddress,
  errorcode: (r) => r.errorCode,
  errormessage: (r) => r.errorMessage,
  'useridentity.arn': (r) => r.userIdentity?.arn,
  "element_at(responseelements, 'consolelogin')": (r) => r.responseElements?.ConsoleLogin,
};

interface CloudTrailRecord {
  eventID?: string;
  eventName?: string;
  eventTime?: string;
  eventSource?: string;
  eventCategory?: string;
  recipientAccountId?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: { arn?: string };
  responseElements?: Record<string, string> | null;
}

function lakeTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function parseTimestamp(literal: string): number {
  const t = new Date(`${literal.replace(' ', 'T')}Z`).getTime();
  if (Number.isNaN(t)) throw invalid(`'${literal}' is not a timestamp.`);
  return t;
}

/** Splits on commas outside parentheses and quotes. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

interface ParsedQuery {
  /** `count`: COUNT(*) of the row's group. */
  columns: { key: string; expr: string; value: ((r: CloudTrailRecord) => string | undefined) | 'count' }[];
  from: string;
  filters: ((r: CloudTrailRecord) => boolean)[];
  groupBy?: ((r: CloudTrailRecord) => string | undefined)[];
  newestFirst: boolean;
}

const columnOf = (expr: string) => COLUMNS[expr.toLowerCase().replace(/\s+/g, ' ').replace(/,\s*/g, ', ')];

const STRING = /^'((?:[^']|'')*)'$/;
const unquote = (s: string) => {
  const m = STRING.exec(s.trim());
  if (!m) throw invalid(`${s} is not a string literal.`);
  return m[1].replace(/''/g, "'");
};

function parseCondition(c: string): (r: CloudTrailRecord) => boolean {
  let m = /^eventName\s+IN\s*\((.*)\)$/i.exec(c);
  if (m) {
    const names = new Set(splitTopLevel(m[1]).map(unquote));
    return (r) => names.has(r.eventName ?? '');
  }
  m = /^eventCategory\s*=\s*('.*')$/i.exec(c);
  if (m) {
    const category = unquote(m[1]);
    return (r) => (r.eventCategory ?? 'Management') === category;
  }
  m = /^eventTime\s*(>=|>|<=|<)\s*('.*')$/i.exec(c);
  if (m) {
    const bound = parseTimestamp(unquote(m[2]));
    const op = m[1];
    return (r) => {
      const t = r.eventTime ? new Date(r.eventTime).getTime() : NaN;
      return op === '>=' ? t >= bound : op === '>' ? t > bound : op === '<=' ? t <= bound : t < bound;
    };
  }
  throw invalid(`The simulated CloudTrail Lake does not support the condition: ${c}`);
}

function parseQuery(sql: string): ParsedQuery {
  const m = /^\s*SELECT\s+(.+?)\s+FROM\s+(\S+)(?:\s+WHERE\s+(.+?))?(?:\s+GROUP\s+BY\s+(.+?))?(\s+ORDER\s+BY\s+eventTime\s+DESC)?\s*;?\s*$/is.exec(sql);
  if (!m) throw invalid('Expected SELECT <columns> FROM <event data store ID> [WHERE ...] [GROUP BY ...] [ORDER BY eventTime DESC].');
  const columns = splitTopLevel(m[1]).map((c) => {
    const a = /^(.+?)(?:\s+AS\s+([A-Za-z_][A-Za-z0-9_]*))?$/i.exec(c)!;
    const expr = a[1].trim();
    const value = /^COUNT\(\*\)$/i.test(expr) ? ('count' as const) : columnOf(expr);
    if (!value) throw invalid(`Column ${expr} is not supported by the simulated CloudTrail Lake.`);
    return { key: a[2] ?? expr, expr, value };
  });
  const filters = m[3] ? m[3].split(/\s+AND\s+/i).map((c) => parseCondition(c.trim())) : [];
  const groupExprs = m[4] ? splitTopLevel(m[4]) : undefined;
  const groupBy = groupExprs?.map((g) => {
    const f = columnOf(g);
    if (!f) throw invalid(`GROUP BY ${g} is not supported by the simulated CloudTrail Lake.`);
    return f;
  });
  const counted = columns.some((c) => c.value === 'count');
  if (counted !== (groupExprs !== undefined)) throw invalid('COUNT(*) and GROUP BY go together in the simulated CloudTrail Lake.');
  for (const c of columns) {
    if (groupExprs && c.value !== 'count' && !groupExprs.some((g) => g.toLowerCase() === c.expr.toLowerCase())) throw invalid(`'${c.expr}' must be an aggregate expression or appear in GROUP BY clause`);
  }
  return { columns, from: m[2], filters, ...(groupBy ? { groupBy } : {}), newestFirst: m[5] !== undefined };
}

function findStore(ctx: CallContext, idOrArn: string): SimEventDataStore | undefined {
  const id = idOrArn.startsWith('arn:') ? idOrArn.split('/').pop() : idOrArn;
  return cloudTrailLake(ctx.account, ctx.region).eventDataStores.find((s) => s.arn.split('/').pop() === id);
}

/** Every record the store holds: each organisation account's (or only the owner's) events, in every region (or only the store's). */
function storeRecords(world: SimWorld, owner: SimAccount, region: string, store: SimEventDataStore, now: Date): CloudTrailRecord[] {
  const accounts = store.organizationEnabled ? (world.organization?.accountIds ?? [owner.id]).map((id) => world.account(id)).filter((a): a is SimAccount => a !== undefined) : [owner];
  const oldest = now.getTime() - store.retentionPeriod * 86_400_000;
  const out: CloudTrailRecord[] = [];
  for (const account of accounts) {
    for (const [r, state] of account.regions) {
      if (!store.multiRegionEnabled && r !== region) continue;
      for (const e of (state.cloudtrail?.events ?? []) as Event[]) {
        if ((e.EventTime?.getTime() ?? 0) < oldest) continue;
        out.push(JSON.parse(e.CloudTrailEvent ?? '{}') as CloudTrailRecord);
      }
    }
  }
  return out;
}

function runQuery(ctx: CallContext, statement: string): SimLakeQuery {
  const parsed = parseQuery(statement);
  const store = findStore(ctx, parsed.from);
  if (!store) throw new SimError('EventDataStoreNotFoundException', `The specified event data store ID ${parsed.from} was not found.`);
  const records = storeRecords(ctx.world, ctx.account, ctx.region, store, ctx.now);
  const matched = records.filter((r) => parsed.filters.every((f) => f(r)));
  if (parsed.newestFirst) matched.sort((a, b) => new Date(b.eventTime ?? 0).getTime() - new Date(a.eventTime ?? 0).getTime());
  const groups = new Map<string, CloudTrailRecord[]>();
  if (parsed.groupBy) for (const r of matched) {
    const k = JSON.stringify(parsed.groupBy.map((g) => g(r) ?? null));
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const units = parsed.groupBy ? [...groups.values()].map((g) => ({ first: g[0], count: g.length })) : matched.map((r) => ({ first: r, count: 1 }));
  // Lake leaves a column out of a row when its value is null.
  const rows = units.map(({ first, count }) => parsed.columns.flatMap((c) => {
    const v = c.value === 'count' ? String(count) : c.value(first);
    return v === undefined ? [] : [{ [c.key]: v }];
  }));
  const h = createHash('sha256').update(`lake-query/${ctx.requestId}`).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return {
    id,
    statement,
    status: 'QUEUED',
    pollsLeft: store.pollsBeforeFinished ?? 1,
    rows: store.failQueries ? [] : rows,
    createdAt: ctx.now,
    eventsScanned: records.length,
    ...(store.failQueries ? { errorMessage: store.failQueries.message, failWith: store.failQueries.status } : {}),
  };
}

/** Moves a query on by one look: QUEUED, then RUNNING, then its end. */
function advance(q: SimLakeQuery): void {
  if (q.status !== 'QUEUED' && q.status !== 'RUNNING') return;
  if (q.pollsLeft > 0) {
    q.pollsLeft--;
    q.status = 'RUNNING';
    return;
  }
  q.status = q.failWith ?? 'FINISHED';
}

function queryOf(ctx: CallContext, id: string | undefined): SimLakeQuery {
  const q = id ? cloudTrailLake(ctx.account, ctx.region).queries.get(id) : undefined;
  if (!q) throw new SimError('QueryIdNotFoundException', 'The query ID does not exist or does not map to a query.');
  return q;
}

/** Every management event, the selector a store gets unless it is created with others. */
const ALL_MANAGEMENT_EVENTS: AdvancedEventSelector[] = [{ Name: 'Default management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }];

export function lakeOperations(): SimOperation[] {
  return [
    operation(GetEventDataStoreCommand, (input, ctx) => {
      const wanted = input.EventDataStore ?? '';
      const store = cloudTrailLake(ctx.account, ctx.region).eventDataStores.find((s) => s.arn === wanted || s.arn.endsWith(`/${wanted}`));
      if (!store) throw new SimError('EventDataStoreNotFoundException', `The specified event data store ${wanted} was not found.`);
      const created = store.createdAt ?? new Date(ctx.now.getTime() - 365 * 86_400_000);
      return {
        EventDataStoreArn: store.arn,
        Name: store.name,
        Status: store.status ?? 'ENABLED',
        AdvancedEventSelectors: store.advancedEventSelectors ?? ALL_MANAGEMENT_EVENTS,
        MultiRegionEnabled: store.multiRegionEnabled,
        OrganizationEnabled: store.organizationEnabled,
        RetentionPeriod: store.retentionPeriod,
        TerminationProtectionEnabled: true,
        CreatedTimestamp: created,
        UpdatedTimestamp: created,
        BillingMode: 'EXTENDABLE_RETENTION_PRICING' as const,
      };
    }),

    operation(StartQueryCommand, (input, ctx) => {
      if (!input.QueryStatement) throw new SimError('InvalidParameterException', 'StartQuery requires a QueryStatement (query aliases are not simulated).');
      const lake = cloudTrailLake(ctx.account, ctx.region);
      const running = [...lake.queries.values()].filter((q) => q.status === 'QUEUED' || q.status === 'RUNNING').length;
      if (running >= MAX_CONCURRENT_QUERIES) {
        throw new SimError('MaxConcurrentQueriesException', `You are already running the maximum number of concurrent queries. The maximum number of concurrent queries is ${MAX_CONCURRENT_QUERIES}. Wait a minute for some queries to finish, and then run the query again.`);
      }
      const q = runQuery(ctx, input.QueryStatement);
      lake.queries.set(q.id, q);
      return { QueryId: q.id };
    }),

    operation(DescribeQueryCommand, (input, ctx) => {
      const q = queryOf(ctx, input.QueryId);
      advance(q);
      return {
        QueryId: q.id,
        QueryString: q.statement,
        QueryStatus: q.status,
        QueryStatistics: { EventsMatched: q.status === 'FINISHED' ? q.rows.length : 0, EventsScanned: q.status === 'FINISHED' ? q.eventsScanned : 0, BytesScanned: 0, ExecutionTimeInMillis: 0, CreationTime: q.createdAt },
        ...(q.errorMessage && q.status !== 'RUNNING' && q.status !== 'QUEUED' ? { ErrorMessage: q.errorMessage } : {}),
      };
    }),

    operation(GetQueryResultsCommand, (input, ctx) => {
      const q = queryOf(ctx, input.QueryId);
      if (q.status !== 'FINISHED') return { QueryStatus: q.status, QueryResultRows: [], ...(q.errorMessage ? { ErrorMessage: q.errorMessage } : {}) };
      const { page, nextToken } = paginate(q.rows, {
        token: input.NextToken,
        limit: input.MaxQueryResults,
        defaultLimit: 1000,
        maxLimit: 1000,
        scope: `GetQueryResults/${q.id}`,
        invalidToken: () => new SimError('InvalidNextTokenException', 'A token that is not valid, or a token that was previously used in a request with different parameters.'),
        invalidLimit: (l) => new SimError('InvalidMaxResultsException', `Value ${l} for MaxQueryResults is invalid: it must be between 1 and 1000.`),
      });
      return { QueryStatus: q.status, QueryStatistics: { ResultsCount: page.length, TotalResultsCount: q.rows.length, BytesScanned: 0 }, QueryResultRows: page, NextToken: nextToken };
    }),
  ];
}
