import type { AwsClientProvider } from '../../aws/clients.js';
import type { QueryContext, QueryParameters } from '../types.js';
import type { Logger } from '../../log/logger.js';

/** What answered for the members: an AWS Config aggregator or a service's delegated administrator. */
export type DelegatedKind =
  | 'config-aggregator'
  | 'guardduty-administrator'
  | 'securityhub-administrator'
  | 'inspector-administrator'
  | 'macie-administrator'
  | 'access-analyzer-organization'
  | 'cloudtrail-lake';

/** The audit (delegated administrator) account's side of a delegated read. */
export interface AuditContext {
  accountId: string;
  /** The region the organisation-wide read is made in. */
  region: string;
  clients: AwsClientProvider;
  /** The organisation's AWS Config aggregator in the audit account. */
  aggregator: string;
  /** The organisation's CloudTrail Lake event data store (ARN or id), when configured. */
  eventDataStore?: string;
  /** How long a CloudTrail Lake query is waited for before every member falls back to LookupEvents (default 10 minutes). */
  lakeQueryWaitMs?: number;
  /** The run's clock: the reference time of windows searched once for every member. */
  now: Date;
  params: QueryParameters;
  signal?: AbortSignal;
  /** The run's logger: a read that waits out throttling beyond the SDK's retries (the organisation's accounts) says so. */
  log: Logger;
  /**
   * A read every region's fetch needs the same answer to (the organisation's accounts), made once per run by the
   * first fetch that asks, under `key`; the others wait for that answer. Its requests are in every such fetch's
   * provenance. A failure that may pass (throttling, a server or network error) is read again by the next fetch to ask.
   */
  once: ReadOnce;
}

export type ReadOnce = <T>(key: string, read: () => Promise<T>) => Promise<T>;


/** The key of one member account and region in an organisation-wide answer. */
export function memberKey(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}

/**
 * How one evidence query is collected from the audit account instead of in each member account. `fetch` reads
 * the organisation once and splits the response per member account and region, keeping every item verbatim; a
 * member missing from the split (not aggregated, not an associated member) is collected per account as usual.
 * `complete` turns one member's part into the evidence record's data, calling what the aggregator does not hold.
 */
export interface DelegatedSource<TPart = unknown> {
  queryId: string;
  kind: DelegatedKind;
  /**
   * `aggregator-region`: one read in the aggregator's region covers every region; `each-region`: one read per region;
   * `event-data-store`: one read in the configured event data store's region, only when one is configured.
   */
  reach: 'aggregator-region' | 'each-region' | 'event-data-store';
  /** Sources with the same read key share one organisation-wide read (default: the query id). */
  readKey?: string;
  /**
   * Answers a global query's task (region `global`): the member's part, keyed memberKey(account, 'global'), holds the
   * account's items of every region. Regional sources answer only regional tasks, global ones only global tasks.
   */
  global?: boolean;
  /** IAM actions the audit account's role needs (deploy/audit-role.json is generated from these). */
  apiCalls: readonly string[];
  fetch(audit: AuditContext): Promise<Map<string, TPart>>;
  /** The record's data; a `CollectInMember` when the member's part turns out not to cover what the member's own query would. */
  complete(part: TPart, member: QueryContext, audit: AuditContext): Promise<unknown>;
}

/** `complete`'s answer when the part does not cover the member: its own query collects the record, and `reason` says why. */
export class CollectInMember {
  constructor(readonly reason: string) {}
}

/** Whether a source answers this task's region: global sources the global tasks, the others the regional ones. */
export function answersRegion(source: Pick<DelegatedSource, 'global'>, region: string): boolean {
  return (region === 'global') === (source.global === true);
}

/** Widens a typed source to the registry's element type. */
export function defineDelegatedSource<TPart>(s: DelegatedSource<TPart>): DelegatedSource<unknown> {
  return s as unknown as DelegatedSource<unknown>;
}
