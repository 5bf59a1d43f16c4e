import { deserialize, serialize } from 'node:v8';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { callerArnOf, withCallLog, type AwsClientProvider, type LoggedCall } from '../aws/clients.js';
import { describeSdkFailure } from '../aws/failure.js';
import { type EvidenceBody, type ManifestRecord, type SharedRequests } from '../evidence/record.js';
import { SDK_VERSION } from '../version.js';
import { delegatedSourceFor } from '../queries/delegated/index.js';
import { answersRegion, memberKey, type AuditContext, type DelegatedSource } from '../queries/delegated/types.js';
import { readOnce } from '../queries/delegated/read-once.js';
import { delegatedReadQueryId } from '../queries/delegated/cited-read.js';
import { eventDataStoreRegion } from '../queries/cloudtrail/lake-events.js';
import type { QueryParameters } from '../queries/types.js';
import { assumedRoleCredentials, type AccountTarget } from './targets.js';
import type { CollectionTask } from './plan.js';
import { ByteSpool } from './byte-spool.js';
import { endpointsByOperationOf, provenanceOf } from './provenance.js';
import { keepCanonical } from '../seal/canonical.js';

type Via = NonNullable<NonNullable<EvidenceBody['provenance']>['via']>;

/** One member's part of an organisation-wide read, with what the record says about where it came from. */
export interface DelegatedPart {
  source: DelegatedSource<unknown>;
  part: unknown;
  audit: AuditContext;
  via: Via;
  /** The IAM actions the organisation-wide read called, in order of first call (the member record lists them first). */
  operations: readonly string[];
}

/** Seals the record of one organisation-wide read in the run (stores its body, adds it to the run's records). */
export type RecordRead = (body: EvidenceBody, recordedAt: Date) => Promise<ManifestRecord>;

/** A member's part as it waits for its tasks: its index in the spool, packed (v8 serialization, the IPC channel's own). */
type Fetched = { parts: Map<string, number>; audit: AuditContext; via: Via; operations: readonly string[] } | { failed: string };

/** A member's part still packed, for a worker process (it unpacks it itself: the bytes cross as they are). */
export interface PackedDelegatedPart extends Omit<DelegatedPart, 'part'> {
  packed: Buffer;
}

/** Builds a client provider for the audit account in one region (the run's settings, connections and call slots). */
export type AuditProviderFactory = (accountId: string, region: string, credentials: AccountTarget['credentials']) => AwsClientProvider;

/**
 * collect.mode delegated-admin: each query an aggregator or administrator answers is read once from the audit account
 * (per region, or once in the aggregator's region) and split per member; the first task that needs a read starts it and
 * the others share it. A member the read does not cover, or a read that fails, falls back to the member's own query.
 */
export class DelegatedCollection {
  private readonly reads = new Map<string, Promise<Fetched>>();
  /** Reads shared by every region's fetch of this run (the organisation's accounts). */
  private readonly once = readOnce();
  /** Tasks of the plan still to take each member's part, by read and member: a part no task needs is let go. */
  private readonly takers = new Map<string, number>();
  private readonly providers = new Map<string, AwsClientProvider>();
  private readonly settings: NonNullable<Config['collect']['delegatedAdmin']>;
  private readonly credentials: AccountTarget['credentials'];
  /**
   * Members' parts wait on disk, not in memory: at 1,000 accounts the reads hold every member's configuration items
   * and findings (about 100 MB), most of it for minutes until the member's worker reaches it.
   */
  private readonly spool = new ByteSpool({
    name: "the collector's spool of organisation-wide reads",
    file: 'member-parts.bin',
    before: "before the member's tasks took it",
    outcome: 'the run stops and nothing is sealed',
    roomHint: "in delegated-admin mode the collector keeps each member's part of an organisation-wide read in the temporary directory until the member's tasks take it (about the size of the members' configuration items and findings); give TMPDIR a writable directory with room for them",
  });

  constructor(
    private readonly config: Config,
    private readonly providerFactory: AuditProviderFactory,
    private readonly log: Logger,
    /** Where each successful read is sealed, once, as its own record of the run (members' records cite it). */
    private readonly recordRead: RecordRead,
    private readonly signal?: AbortSignal,
    private readonly now: () => Date = () => new Date(),
  ) {
    const settings = config.collect.delegatedAdmin;
    if (!settings) throw new Error('collect.mode delegated-admin without collect.delegatedAdmin (the config schema refuses it)');
    this.settings = settings;
    // Not the audit account's member role: that one grants no aggregator or administrator reads (deploy/audit-role.json does).
    this.credentials = settings.roleArn ? assumedRoleCredentials(config, settings.roleArn) : undefined;
  }

  /**
   * The run's plan: each member's part of an organisation-wide read is held only until the last task that takes it
   * has (at 1,000 accounts the reads hold every member's configuration items and findings). Without a plan, parts
   * are held until the run ends.
   */
  expect(tasks: readonly CollectionTask[]): void {
    for (const task of tasks) {
      const read = this.readOf(task);
      if (read) this.takers.set(read.taker, (this.takers.get(read.taker) ?? 0) + 1);
    }
  }

  /** Which organisation-wide read answers a task, in which region, and the task's place among its part's takers. */
  private readOf(task: CollectionTask): { source: DelegatedSource<unknown>; region: string; key: string; member: string; taker: string } | undefined {
    const source = delegatedSourceFor(task.query.id);
    if (!source || !answersRegion(source, task.region)) return undefined;
    const eventDataStore = this.settings.cloudtrailEventDataStore;
    if (source.reach === 'event-data-store' && !eventDataStore) return undefined;
    const region =
      source.reach === 'aggregator-region'
        ? (this.settings.aggregatorRegion ?? this.config.regions.home)
        : source.reach === 'event-data-store'
          ? (eventDataStoreRegion(eventDataStore ?? '') ?? this.config.regions.home)
          : task.region;
    const key = `${source.readKey ?? source.queryId}/${region}`;
    const member = memberKey(task.target.accountId, task.region);
    return { source, region, key, member, taker: `${key}\t${member}` };
  }

  /** The member's part of the organisation-wide read for this task, or undefined: collect it in the member account. */
  async partFor(task: CollectionTask): Promise<DelegatedPart | undefined> {
    const taken = await this.take(task);
    if (!taken) return undefined;
    const { packed, ...rest } = taken;
    return { ...rest, part: deserialize(packed) };
  }

  /** As partFor, the part still packed (v8 serialization): a worker process unpacks it (`deserialize`). */
  async packedPartFor(task: CollectionTask): Promise<PackedDelegatedPart | undefined> {
    return this.take(task);
  }

  private async take(task: CollectionTask): Promise<PackedDelegatedPart | undefined> {
    const read = this.readOf(task);
    if (!read) return undefined;
    const { source, region, key, member, taker } = read;
    let pending = this.reads.get(key);
    if (!pending) this.reads.set(key, (pending = this.fetch(source, region, task.params)));
    const fetched = await pending;
    if ('failed' in fetched) return undefined;
    const index = fetched.parts.get(member);
    const left = this.takers.get(taker);
    if (left !== undefined) {
      if (left > 1) this.takers.set(taker, left - 1);
      else {
        // The last task of the plan that needs this member's part has it: the read keeps no copy.
        this.takers.delete(taker);
        fetched.parts.delete(member);
      }
    }
    if (index === undefined) return undefined;
    // Read back and checked against the SHA-256 it was spooled with: a changed part stops the run, never becomes evidence.
    const packed = this.spool.read(index, `the part of ${member} of the ${source.kind} read for ${source.queryId}`);
    return { source, packed, audit: fetched.audit, via: fetched.via, operations: fetched.operations };
  }

  destroy(): void {
    for (const p of this.providers.values()) p.destroy();
    this.providers.clear();
    this.spool.close();
  }

  private async fetch(source: DelegatedSource<unknown>, region: string, params: QueryParameters): Promise<Fetched> {
    let clients = this.providers.get(region);
    if (!clients) this.providers.set(region, (clients = this.providerFactory(this.settings.accountId, region, this.credentials)));
    const eventDataStore = this.settings.cloudtrailEventDataStore;
    const wait = this.settings.cloudtrailQueryWaitSeconds;
    const audit: AuditContext = { accountId: this.settings.accountId, region, clients, aggregator: this.settings.configAggregator, ...(eventDataStore ? { eventDataStore } : {}), ...(wait ? { lakeQueryWaitMs: wait * 1000 } : {}), now: this.now(), params, signal: this.signal, log: this.log, once: this.once };
    const outcome = await withCallLog(() => source.fetch(audit));
    if ('error' in outcome) {
      const { code, message } = describeSdkFailure(outcome.error);
      // Evidence is never lost for it: every member is collected in its own account instead.
      this.log.warn(
        { queryId: source.queryId, auditAccountId: audit.accountId, region, code, message, operation: failedOperation(outcome.calls) },
        `the ${source.kind} read failed; ${source.queryId} is collected in each member account instead (grant the audit role deploy/audit-role.json, check collect.delegatedAdmin)`,
      );
      return { failed: `${code}: ${message}` };
    }
    // The read is sealed once, as its own record of the run: every call (each page) with AWS's request id, response
    // date and endpoint. Each member's record cites it by record id and SHA-256, so a member record's size does not
    // grow with the organisation's pages; the run's signed manifest binds the two.
    const callerArn = (await callerArnOf(clients)) ?? null;
    const named = {
      ...(source.kind === 'config-aggregator' ? { aggregator: audit.aggregator } : {}),
      ...(source.kind === 'cloudtrail-lake' && audit.eventDataStore ? { eventDataStore: audit.eventDataStore } : {}),
    };
    const facts = { kind: source.kind, accountId: audit.accountId, region, callerArn, ...named };
    const requests = sharedRequestsOf(outcome.calls);
    const operations = Object.freeze([...new Set(outcome.calls.map((c) => c.operation))]);
    const body: EvidenceBody = {
      schema: 'evidence-locker/evidence@1',
      queryId: delegatedReadQueryId(source),
      accountId: audit.accountId,
      region,
      status: 'ok',
      operations: [...operations],
      requests: outcome.calls.map((c) => ({ operation: c.operation, input: c.input, ...(c.error ? { error: c.error } : {}) })),
      data: { kind: source.kind, ...named, requests },
      sdkVersion: SDK_VERSION,
      provenance: provenanceOf(outcome.calls, callerArn),
    };
    const record = await this.recordRead(body, this.now());
    // Small and the same for every member of the read: frozen, its canonical JSON written once.
    const via: Via = keepCanonical({ ...facts, read: { recordId: record.recordId, sha256: record.sha256, requests: requests.length }, endpointsByOperation: endpointsByOperationOf(outcome.calls) });
    const parts = new Map<string, number>();
    for (const [member, part] of outcome.result) parts.set(member, this.spool.append(serialize(part)));
    outcome.result.clear();
    return { parts, audit, via, operations };
  }
}

/**
 * The organisation-wide requests as the read's record lists them: the first request of each operation (and any that
 * failed) with its input, the others by operation and request id (their inputs differ only by a page token or a batch
 * of ids; the record's `requests` keeps every input).
 */
function sharedRequestsOf(calls: readonly LoggedCall[]): SharedRequests {
  const seen = new Set<string>();
  return calls.map((c) => {
    const first = !seen.has(c.operation);
    seen.add(c.operation);
    return { operation: c.operation, ...(first || c.error ? { input: c.input } : {}), ...(c.requestId ? { requestId: c.requestId } : {}), ...(c.error ? { error: c.error } : {}) };
  });
}

function failedOperation(calls: readonly LoggedCall[]): string | undefined {
  return [...calls].reverse().find((c) => c.error)?.operation;
}
