import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Catalog } from '../controls/schema.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { ManifestSigner } from '../seal/signer.js';
import type { Logger } from '../log/logger.js';
import { describeSdkFailure } from '../aws/failure.js';
import { AwsClientProvider, SharedConnections, withCallLog, type LoggedCall } from '../aws/clients.js';
import type { RateLimiterRegistry } from '../aws/rate-limit.js';
import { putEvidenceBody, sealRun } from '../seal/seal.js';
import { resolveTrustPolicy } from '../aws/trusted-keys.js';
import { newRunId } from '../evidence/run-id.js';
import type { EvidenceBody, ManifestRecord } from '../evidence/record.js';
import { resolveTargets, type AccountTarget, type TargetGap } from './targets.js';
import { planRun, type CollectionTask } from './plan.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { redactEvidence } from './redact.js';
import { CallerIdentities, provenanceOf } from './provenance.js';
import { DelegatedCollection } from './delegated.js';
import { checkParameterOverrides } from '../controls/parameters.js';
import { SDK_VERSION } from '../version.js';

export interface CollectionProgress {
  done: number;
  total: number;
  errors: number;
  accounts: number;
  regions: number;
  queries: number;
}

export interface CollectionOptions {
  config: Config;
  catalogs: Catalog[];
  frameworks?: string[];
  accounts?: string[];
  regions?: string[];
  queries?: string[];
  shard?: { index: number; count: number; slot?: string };
  /** Run id chosen by the caller (the daemon binds it to its log first); default: a new one. */
  runId?: string;
  store: EvidenceStore;
  signer: ManifestSigner;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (p: CollectionProgress) => void;
  /** Observer of every SDK attempt (daemon metrics). */
  onAttempt?: (action: string, outcome: 'ok' | 'throttled' | 'error') => void;
  now?: () => Date;
  /** The limiters that pace calls under AWS's published quotas; by default one registry per process on the wall clock. */
  rateLimits?: RateLimiterRegistry;
  /** Set only by a caller that started the simulated AWS itself (`demo`); sealed into the run manifest. */
  simulated?: boolean;
}

export interface CollectionOutcome {
  runId: string;
  status: 'complete' | 'complete-with-gaps' | 'aborted';
  records: number;
  errorRecords: number;
  gaps: number;
  manifestSha256?: string;
  accounts: string[];
  regions: string[];
}

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

/**
 * One collection run: each needed query once per account and region (global queries once per account),
 * each response kept verbatim in a content-addressed body, then one signed manifest sealed last.
 */
export async function runCollection(opts: CollectionOptions): Promise<CollectionOutcome> {
  const { config, store, signer, log } = opts;
  const now = opts.now ?? (() => new Date());
  const selection = { frameworks: opts.frameworks, queries: opts.queries };
  // A plan with no targets yet checks the frameworks and query ids before any AWS call.
  planRun(opts.catalogs, config, [], selection);
  // A misspelt parameter override must fail before any evidence is collected, not silently use the default.
  checkParameterOverrides(opts.catalogs, config.parameters);
  // Resolved before collecting, so a wrong signing.trustedKeys fails before any evidence is gathered.
  const trust = await resolveTrustPolicy(config, { signer, log, now: () => new Date(Math.max(Date.now(), now().getTime())) });
  const startedAt = now();
  const runId = opts.runId ?? newRunId(startedAt, randomBytes(3).toString('hex'));
  // A caller that chose the run id has already bound it to its logger.
  const runLog = opts.runId ? log : log.child({ runId });

  const { targets, gaps: targetGaps } = await resolveTargets(config, { accounts: opts.accounts, regions: opts.regions, shard: opts.shard }, runLog);
  const gaps: TargetGap[] = [...targetGaps];
  const home = config.regions.home;

  const { frameworks, queries, regions: allRegions, tasks } = planRun(opts.catalogs, config, targets, selection);
  runLog.info({ accounts: targets.length, regions: allRegions.length, queries: queries.length, tasks: tasks.length, frameworks }, 'collection started');

  // collect.concurrency bounds the API requests in flight, whichever task or client makes them.
  const callSlots = new ConcurrencyLimit(config.collect.concurrency);
  const connections = new SharedConnections();
  const providers = new Map<string, AwsClientProvider>();
  const providerKey = (t: CollectionTask) => `${t.target.accountId}/${t.region === 'global' ? home : t.region}`;
  // An account-region's clients live while one of its tasks runs and are released when none does, so memory follows
  // the tasks in flight, not the size of the organisation (a later task of the account-region builds them again).
  const running = new Map<string, number>();
  const taskStarted = (t: CollectionTask) => {
    const key = providerKey(t);
    running.set(key, (running.get(key) ?? 0) + 1);
  };
  const taskDone = (t: CollectionTask) => {
    const key = providerKey(t);
    const left = (running.get(key) ?? 1) - 1;
    if (left > 0) {
      running.set(key, left);
      return;
    }
    running.delete(key);
    providers.get(key)?.destroy();
    providers.delete(key);
  };
  const providerFor = (t: AccountTarget, region: string) => {
    const key = `${t.accountId}/${region}`;
    let p = providers.get(key);
    if (!p) {
      p = new AwsClientProvider({
        accountId: t.accountId,
        region,
        credentials: t.credentials,
        maxAttempts: config.collect.maxAttempts,
        requestTimeoutMs: config.collect.requestTimeoutMs,
        callSlots,
        connections,
        onAttempt: opts.onAttempt,
        ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
      });
      providers.set(key, p);
    }
    return p;
  };

  // collect.mode delegated-admin: what an aggregator or administrator holds is read once from the audit account.
  const delegated =
    config.collect.mode === 'delegated-admin'
      ? new DelegatedCollection(config, (accountId, region, credentials) => new AwsClientProvider({ accountId, region, credentials, maxAttempts: config.collect.maxAttempts, requestTimeoutMs: config.collect.requestTimeoutMs, callSlots, connections, onAttempt: opts.onAttempt }), runLog, opts.signal, now)
      : undefined;

  // Tasks open at once: enough to keep every request slot busy while some tasks are between calls, few enough
  // that partial evidence does not pile up in memory. Rate-paced tasks have their own, wider window: they spend most
  // of their time waiting for their account-region's limiter, and every account-region's chain should be moving.
  const window = new ConcurrencyLimit(config.collect.concurrency * 4);
  const pacedWindow = new ConcurrencyLimit(config.collect.concurrency * 8);
  const perService = new Map<string, ConcurrencyLimit>();
  // Service limits are per account and region, like the AWS API limits they protect.
  const serviceLimit = (t: CollectionTask) => {
    const key = `${t.target.accountId}/${t.region}/${t.query.service}`;
    let sem = perService.get(key);
    if (!sem) perService.set(key, (sem = new ConcurrencyLimit(config.collect.perServiceConcurrency)));
    return sem;
  };
  const callers = new CallerIdentities();
  const records: ManifestRecord[] = [];
  let done = 0;
  let errors = 0;
  const progress = () =>
    opts.onProgress?.({ done, total: tasks.length, errors, accounts: targets.length, regions: allRegions.length, queries: queries.length });

  const runTask = async (task: CollectionTask): Promise<void> => {
    taskStarted(task);
    if (opts.signal?.aborted) return;
    const region = task.region === 'global' ? home : task.region;
    const clients = providerFor(task.target, region);
    const collectedAt = now();
    const callerArn = await callers.of(task.target.accountId, clients);
    const delegatedPart = await delegated?.partFor(task);
    const outcome = await withCallLog(() => {
      const ctx = { accountId: task.target.accountId, region, clients, params: task.params, now: now(), signal: opts.signal };
      return delegatedPart ? delegatedPart.source.complete(delegatedPart.part, ctx, delegatedPart.audit) : task.query.collect(ctx);
    });
    // An error record is dated when the query failed, not when it started (retries can take minutes).
    const recordedAt = 'result' in outcome ? collectedAt : now();
    const requests = outcome.calls.map((c) => ({ operation: c.operation, input: c.input, ...(c.error ? { error: c.error } : {}) }));
    const provenance = { ...provenanceOf(outcome.calls, callerArn), ...(delegatedPart ? { via: delegatedPart.via } : {}) };
    const operations = [...new Set([...(delegatedPart?.via.sharedRequests.map((c) => c.operation) ?? []), ...outcome.calls.map((c) => c.operation)])];
    // The one place secrets are taken out: every query's evidence, before it is hashed and stored.
    const redacted = 'result' in outcome ? redactEvidence(outcome.result) : undefined;
    const body: EvidenceBody =
      redacted
        ? { schema: 'evidence-locker/evidence@1', queryId: task.query.id, accountId: task.target.accountId, region: task.region, status: 'ok', operations, requests, data: redacted.data, sdkVersion: SDK_VERSION, redactions: redacted.redactions, provenance }
        : { schema: 'evidence-locker/evidence@1', queryId: task.query.id, accountId: task.target.accountId, region: task.region, status: 'error', operations, requests, error: errorBody('error' in outcome ? outcome.error : undefined, outcome.calls), sdkVersion: SDK_VERSION, provenance };
    if (body.status === 'error') {
      errors++;
      runLog.warn({ queryId: task.query.id, accountId: task.target.accountId, region: task.region, code: body.error?.code, operation: body.error?.operation }, 'query failed; recorded as a gap');
    }
    records.push(await putEvidenceBody(store, body, recordedAt));
    done++;
    progress();
  };

  /**
   * Starts `list` in plan order, each once `admission` has a place: only the tasks in flight exist at any time, so a
   * large organisation's plan is not held as pending work. The first failure stops further starts and is thrown
   * once the tasks already running have settled.
   */
  const dispatch = async (list: readonly CollectionTask[], admission: ConcurrencyLimit): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    for (const t of list) {
      if (failure || opts.signal?.aborted) break;
      await new Promise<void>((admitted) => {
        const settled: Promise<void> = admission
          .run(() => {
            admitted();
            // Tasks in plan order spread over account-regions, so a task rarely waits here for its own service.
            return serviceLimit(t).run(() => (opts.signal?.aborted ? Promise.resolve() : runTask(t).finally(() => taskDone(t))));
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => inFlight.delete(settled));
        inFlight.add(settled);
      });
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  };

  try {
    await Promise.all([dispatch(tasks.filter((t) => t.paced), pacedWindow), dispatch(tasks.filter((t) => !t.paced), window)]);
  } finally {
    for (const p of providers.values()) p.destroy();
    delegated?.destroy();
    connections.destroy();
  }

  if (opts.signal?.aborted) {
    runLog.warn({ written: records.length, planned: tasks.length }, 'collection aborted before sealing; bodies already written are unreferenced and harmless');
    return { runId, status: 'aborted', records: records.length, errorRecords: errors, gaps: errors + gaps.length, accounts: targets.map((t) => t.accountId), regions: allRegions };
  }

  records.sort((a, b) => a.recordId.localeCompare(b.recordId));
  const sealed = await sealRun(store, signer, {
    runId,
    kind: 'collection',
    chain: opts.shard ? `shard-${opts.shard.index}-of-${opts.shard.count}` : 'default',
    startedAt,
    completedAt: now(),
    scope: { accounts: [...new Set([...targets.map((t) => t.accountId), ...gaps.map((g) => g.accountId)])].sort(), regions: allRegions, frameworks: [...frameworks].sort(), queries: queries.map((q) => q.id) },
    ...(opts.shard ? { shard: { index: opts.shard.index, count: opts.shard.count, slot: opts.shard.slot ?? startedAt.toISOString().slice(0, 10) } } : {}),
    sessions: await callers.sessions(targets, config.accounts.externalId !== undefined && config.accounts.externalId !== ''),
    gaps: gaps.map((g) => ({ accountId: g.accountId, ...(g.region ? { region: g.region } : {}), reason: g.reason })),
    ...(opts.simulated ? { simulated: true } : {}),
    records,
  }, { trust, log: runLog });
  const status = sealed.manifest.status;
  runLog.info({ status, records: records.length, errorRecords: errors, manifestSha256: sealed.manifestSha256 }, 'run sealed');
  return { runId, status, records: records.length, errorRecords: errors, gaps: errors + gaps.length, manifestSha256: sealed.manifestSha256, accounts: targets.map((t) => t.accountId), regions: allRegions };
}
