import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { describeSdkFailure } from '../aws/failure.js';
import { AwsClientProvider, SharedConnections, withCallLog, type LoggedCall } from '../aws/clients.js';
import { processSdkConfig } from '../aws/sdk-config.js';
import type { RateLimiterRegistry } from '../aws/rate-limit.js';
import type { EvidenceBody, ManifestRecord } from '../evidence/record.js';
import type { CollectionTask } from './plan.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { redactEvidence } from './redact.js';
import { provenanceOf, type CallerIdentities } from './provenance.js';
import type { AuditProviderFactory, DelegatedPart } from './delegated.js';
import { SDK_VERSION } from '../version.js';
import { CollectInMember } from '../queries/delegated/types.js';

const HINTS: [RegExp, string][] = [
  [/AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/i, 'grant this read-only action to the collection role (deploy/member-role.json lists every action the queries need)'],
  [/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|Rate exceeded/i, 'the API kept throttling after every retry; lower collect.concurrency or run at a quieter time'],
  [/ExpiredToken|InvalidClientTokenId|UnrecognizedClient|CredentialsProviderError|security token/i, 'the credentials were rejected or expired; check the role trust policy, external id and session duration'],
  [/TimeoutError|ETIMEDOUT|ECONNRESET|socket hang up|RequestTimeout/i, 'the service did not answer in time; the next run will retry'],
  [/InternalFailure|InternalError|InternalServerError|ServiceUnavailable|Unavailable|ServiceFailure|BadGateway/i, 'the service failed on its side after every retry; the next run will retry'],
  [/OptInRequired|not subscribed|SubscriptionRequired|InvalidAccessException/i, 'the service is not enabled in this account and region; enable it or scope the run to other regions'],
];

function errorBody(err: unknown, calls: LoggedCall[]): EvidenceBody['error'] {
  const { code, message, hint: endpointHint } = describeSdkFailure(err);
  const failed = [...calls].reverse().find((c) => c.error);
  const hint = endpointHint ?? HINTS.find(([re]) => re.test(`${code} ${message}`))?.[1];
  return { code, message, ...(failed ? { operation: failed.operation } : {}), ...(hint ? { hint } : {}) };
}

/** Where a task's member part of an organisation-wide read comes from (collect.mode delegated-admin). */
export interface DelegatedParts {
  partFor(task: CollectionTask): Promise<DelegatedPart | undefined>;
  destroy(): void;
}

export interface TaskExecution {
  config: Config;
  tasks: readonly CollectionTask[];
  log: Logger;
  signal?: AbortSignal;
  now: () => Date;
  onAttempt?: (action: string, outcome: 'ok' | 'throttled' | 'error') => void;
  /** Limiters for the member accounts' clients; undefined: the process-wide registry on the wall clock. */
  rateLimits?: RateLimiterRegistry;
  /** Limiters for the audit account's clients (delegated-admin); undefined: the process-wide registry. */
  auditRateLimits?: RateLimiterRegistry;
  /** API requests in flight at once in this thread: collect.concurrency, or this worker's share of it. */
  concurrency: number;
  callers: CallerIdentities;
  /** Built with the run's audit-account client factory (same call slots and connections as the member clients). */
  delegated?: (auditProviders: AuditProviderFactory) => DelegatedParts;
  /** Stores one evidence body and returns its manifest entry. */
  writeBody: (body: EvidenceBody, recordedAt: Date) => Promise<ManifestRecord>;
  /** Called once per task, after its body is stored. */
  onRecord: (record: ManifestRecord) => void;
}

/**
 * Runs collection tasks: each query once per account and region, its responses redacted, kept verbatim in an evidence
 * body and stored. Used by the main thread (collect.workers 1) and by each collection worker for its share of accounts.
 */
export async function executeTasks(run: TaskExecution): Promise<void> {
  const { config, tasks, log: runLog, now } = run;
  const home = config.regions.home;

  // collect.concurrency bounds the API requests in flight, whichever task or client makes them.
  const callSlots = new ConcurrencyLimit(run.concurrency);
  const connections = new SharedConnections();
  // The SDK's settings from the environment, read once for the run's thousands of clients.
  const sdk = processSdkConfig();
  const providers = new Map<string, AwsClientProvider>();
  // An account-region's clients, and the reads they share, live while one of its tasks runs and, once its account
  // group's turn has come (see planTasks), until the group's last task of it is done: every query of the group shares
  // one client per service and one answer per shared read, and paced tasks of the account-region running meanwhile
  // share them too. Memory follows the tasks and account groups in flight, not the size of the organisation.
  const providerKey = (t: CollectionTask) => `${t.target.accountId}/${t.region === 'global' ? home : t.region}`;
  const running = new Map<string, number>();
  const groupLeft = new Map<string, number>();
  for (const t of tasks) if (!t.paced) groupLeft.set(providerKey(t), (groupLeft.get(providerKey(t)) ?? 0) + 1);
  const groupStarted = new Set<string>();
  const taskStarted = (t: CollectionTask) => {
    const key = providerKey(t);
    running.set(key, (running.get(key) ?? 0) + 1);
    if (!t.paced) groupStarted.add(key);
  };
  const taskDone = (t: CollectionTask) => {
    const key = providerKey(t);
    const left = (running.get(key) ?? 1) - 1;
    if (left > 0) running.set(key, left);
    else running.delete(key);
    if (!t.paced) groupLeft.set(key, (groupLeft.get(key) ?? 1) - 1);
    const groupHolds = groupStarted.has(key) && (groupLeft.get(key) ?? 0) > 0;
    if (left > 0 || groupHolds) return;
    if (groupStarted.has(key)) {
      groupStarted.delete(key);
      groupLeft.delete(key);
    }
    providers.get(key)?.destroy();
    providers.delete(key);
  };
  const providerFor = (task: CollectionTask, region: string) => {
    const key = providerKey(task);
    let p = providers.get(key);
    if (!p) {
      p = new AwsClientProvider({
        accountId: task.target.accountId,
        region,
        credentials: task.target.credentials,
        maxAttempts: config.collect.maxAttempts,
        requestTimeoutMs: config.collect.requestTimeoutMs,
        callSlots,
        connections,
        sdk,
        onAttempt: run.onAttempt,
        ...(run.rateLimits ? { rateLimits: run.rateLimits } : {}),
        shareReads: true,
      });
      providers.set(key, p);
    }
    return p;
  };

  // collect.mode delegated-admin: what an aggregator or administrator holds is read once from the audit account.
  const delegated = run.delegated?.((accountId, region, credentials) => new AwsClientProvider({ accountId, region, credentials, maxAttempts: config.collect.maxAttempts, requestTimeoutMs: config.collect.requestTimeoutMs, callSlots, connections, sdk, onAttempt: run.onAttempt, ...(run.auditRateLimits ? { rateLimits: run.auditRateLimits } : {}), shareReads: true }));

  // Tasks open at once: enough to keep every request slot busy while some tasks are between calls, few enough
  // that partial evidence does not pile up in memory. Rate-paced tasks have their own, wider window: they spend most
  // of their time waiting for their account-region's limiter, and every account-region's chain should be moving.
  const window = new ConcurrencyLimit(run.concurrency * 4);
  const pacedWindow = new ConcurrencyLimit(run.concurrency * 8);
  const perService = new Map<string, ConcurrencyLimit>();
  // Service limits are per account and region, like the AWS API limits they protect.
  const serviceLimit = (t: CollectionTask) => {
    const key = `${t.target.accountId}/${t.region}/${t.query.service}`;
    let sem = perService.get(key);
    if (!sem) perService.set(key, (sem = new ConcurrencyLimit(config.collect.perServiceConcurrency)));
    return sem;
  };

  const runTask = async (task: CollectionTask): Promise<void> => {
    taskStarted(task);
    if (run.signal?.aborted) return;
    const region = task.region === 'global' ? home : task.region;
    const clients = providerFor(task, region);
    const collectedAt = now();
    const callerArn = await run.callers.of(task.target.accountId, clients);
    let delegatedPart = await delegated?.partFor(task);
    const outcome = await withCallLog(async () => {
      const ctx = { accountId: task.target.accountId, region, clients, params: task.params, now: now(), signal: run.signal };
      if (delegatedPart) {
        const data = await delegatedPart.source.complete(delegatedPart.part, ctx, delegatedPart.audit);
        if (!(data instanceof CollectInMember)) return data;
        // The part does not cover the member (its own listing names more): the record is the member's own, cited as such.
        runLog.warn({ queryId: task.query.id, accountId: task.target.accountId, region: task.region, kind: delegatedPart.source.kind }, `collected in the member account: ${data.reason} (check that the member's AWS Config recorder records this resource type in every region and that the aggregator is current)`);
        delegatedPart = undefined;
      }
      return task.query.collect(ctx);
    });
    // An error record is dated when the query failed, not when it started (retries can take minutes).
    const recordedAt = 'result' in outcome ? collectedAt : now();
    const requests = outcome.calls.map((c) => ({ operation: c.operation, input: c.input, ...(c.error ? { error: c.error } : {}) }));
    const provenance = { ...provenanceOf(outcome.calls, callerArn), ...(delegatedPart ? { via: delegatedPart.via } : {}) };
    const operations = [...new Set([...(delegatedPart?.operations ?? []), ...outcome.calls.map((c) => c.operation)])];
    // The one place secrets are taken out: every query's evidence, before it is hashed and stored.
    const redacted = 'result' in outcome ? redactEvidence(outcome.result) : undefined;
    const body: EvidenceBody =
      redacted
        ? { schema: 'evidence-locker/evidence@1', queryId: task.query.id, accountId: task.target.accountId, region: task.region, status: 'ok', operations, requests, data: redacted.data, sdkVersion: SDK_VERSION, redactions: redacted.redactions, provenance }
        : { schema: 'evidence-locker/evidence@1', queryId: task.query.id, accountId: task.target.accountId, region: task.region, status: 'error', operations, requests, error: errorBody('error' in outcome ? outcome.error : undefined, outcome.calls), sdkVersion: SDK_VERSION, provenance };
    if (body.status === 'error') {
      runLog.warn({ queryId: task.query.id, accountId: task.target.accountId, region: task.region, code: body.error?.code, operation: body.error?.operation }, 'query failed; recorded as a gap');
    }
    run.onRecord(await run.writeBody(body, recordedAt));
  };

  // The first failure of either window: no task of either starts after it (one already admitted returns at once).
  let failure: { error: unknown } | undefined;
  const stopped = () => failure !== undefined || run.signal?.aborted === true;

  /**
   * Starts `list` in plan order, each once `admission` has a place: only the tasks in flight exist at any time, so a
   * large organisation's plan is not held as pending work. Resolves once every task it started has settled.
   */
  const dispatch = async (list: readonly CollectionTask[], admission: ConcurrencyLimit): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    for (const t of list) {
      if (stopped()) break;
      await new Promise<void>((admitted) => {
        const settled: Promise<void> = admission
          .run(() => {
            admitted();
            // Tasks in plan order spread over account-regions, so a task rarely waits here for its own service.
            return serviceLimit(t).run(() => (stopped() ? Promise.resolve() : runTask(t).finally(() => taskDone(t))));
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => inFlight.delete(settled));
        inFlight.add(settled);
      });
    }
    await Promise.all(inFlight);
  };

  try {
    // Both windows settle before anything is released: no request may outlive the clients and connections it uses.
    await Promise.all([dispatch(tasks.filter((t) => t.paced), pacedWindow), dispatch(tasks.filter((t) => !t.paced), window)]);
    if (failure) throw failure.error;
  } finally {
    for (const p of providers.values()) p.destroy();
    providers.clear();
    delegated?.destroy();
    connections.destroy();
  }
}
