import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Catalog } from '../controls/schema.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { ManifestSigner } from '../seal/signer.js';
import type { Logger } from '../log/logger.js';
import type { RateLimiterRegistry } from '../aws/rate-limit.js';
import { checkPlannedManifestSize, putEvidenceBody, sealRunFrom } from '../seal/seal.js';
import { RecordSpool } from './record-spool.js';
import type { EvidenceBody, ManifestRecord } from '../evidence/record.js';
import { resolveTrustPolicy } from '../aws/trusted-keys.js';
import { newRunId } from '../evidence/run-id.js';
import { startSecretSha256 } from '../evidence/layout.js';
import { resolveTargets, type TargetGap } from './targets.js';
import { planRun } from './plan.js';
import { CallerIdentities } from './provenance.js';
import { DelegatedCollection } from './delegated.js';
import { executeTasks } from './execute.js';
import { collectInWorkers, collectionWorkers, type WorkerUsage } from './workers.js';
import { checkParameterOverrides } from '../controls/parameters.js';
import { queryById } from '../queries/index.js';

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
  /** Each collection worker process's CPU and peak RSS as it ends (collect.workers above 1; the bench adds them up). */
  onWorkerUsage?: (usage: WorkerUsage) => void;
  now?: () => Date;
  /** The limiters that pace calls under AWS's published quotas; by default one registry per process on the wall clock. */
  rateLimits?: RateLimiterRegistry;
  /** Set only by a caller that started the simulated AWS itself (`demo`); sealed into the run manifest. */
  simulated?: boolean;
}

export interface CollectionOutcome {
  runId: string;
  status: 'complete' | 'complete-with-gaps' | 'aborted';
  /** Records the run sealed, the records of its organisation-wide reads (`readRecords`, delegated-admin) among them. */
  records: number;
  readRecords: number;
  errorRecords: number;
  gaps: number;
  manifestSha256?: string;
  accounts: string[];
  regions: string[];
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
  checkParameterOverrides(opts.catalogs, config.parameters, queryById);
  // Resolved before collecting, so a wrong signing.trustedKeys fails before any evidence is gathered.
  const trust = await resolveTrustPolicy(config, { signer, log, now: () => new Date(Math.max(Date.now(), now().getTime())) });
  const startedAt = now();
  const runId = opts.runId ?? newRunId(startedAt, randomBytes(3).toString('hex'));
  // A caller that chose the run id has already bound it to its logger.
  const runLog = opts.runId ? log : log.child({ runId });
  // Before any AWS call: the store's own clock then dates a write of this run on the day it runs (`package` credits a
  // run only to a day the store saw it written on, so a run sealed later cannot claim a past day).
  // The start file names only the SHA-256 of a secret drawn now and sealed in the manifest: whoever seals a run later
  // under this id (this collection stopped before sealing) does not know it, so cannot take the day of this start file.
  const startSecret = store.markRunStarted ? randomBytes(32) : undefined;
  if (startSecret) await store.markRunStarted!(runId, startedAt, startSecretSha256(startSecret.toString('hex')));

  const { targets, gaps: targetGaps } = await resolveTargets(config, { accounts: opts.accounts, regions: opts.regions, shard: opts.shard }, runLog, opts.signal);
  const gaps: TargetGap[] = [...targetGaps];

  const plan = planRun(opts.catalogs, config, targets, selection);
  const { frameworks, queries, regions: allRegions } = plan;
  // The tasks are handed to the workers, which empty the array once they have them: the count stays here.
  const total = plan.tasks.length;
  // A run whose manifest could not be verified is refused now, not after hours of collection.
  checkPlannedManifestSize(total);
  runLog.info({ accounts: targets.length, regions: allRegions.length, queries: queries.length, tasks: total, frameworks }, 'collection started');

  const callers = new CallerIdentities();
  // The records wait on disk until the seal: at 1,000 accounts they would be the largest thing this process holds.
  const records = new RecordSpool();
  try {
    const progress = () =>
      opts.onProgress?.({ done: records.count - reads, total, errors: records.errors, accounts: targets.length, regions: allRegions.length, queries: queries.length });
    const onRecord = (record: ManifestRecord) => {
      records.add(record);
      progress();
    };
    // Records of organisation-wide reads (delegated-admin) are sealed with the tasks' records but are no planned task.
    let reads = 0;
    const onReadRecord = (record: ManifestRecord) => {
      reads++;
      records.add(record);
    };

    const workers = collectionWorkers(config, targets.length, opts);
    if (workers > 1) {
      runLog.info({ workers, accounts: targets.length }, 'collecting in worker processes, each for its own accounts');
      await collectInWorkers({ workers, config, tasks: plan.tasks, targets, store, log: runLog, callers, onRecord, onReadRecord, signal: opts.signal, onAttempt: opts.onAttempt, onWorkerUsage: opts.onWorkerUsage, now });
    } else {
      await executeTasks({
        config,
        tasks: plan.tasks,
        log: runLog,
        signal: opts.signal,
        now,
        onAttempt: opts.onAttempt,
        rateLimits: opts.rateLimits,
        concurrency: config.collect.concurrency,
        callers,
        delegated:
          config.collect.mode === 'delegated-admin'
            ? (auditProviders) => {
                const recordRead = async (body: EvidenceBody, recordedAt: Date) => {
                  const record = await putEvidenceBody(store, body, recordedAt);
                  onReadRecord(record);
                  return record;
                };
                const d = new DelegatedCollection(config, auditProviders, runLog, recordRead, opts.signal, now);
                d.expect(plan.tasks);
                return d;
              }
            : undefined,
        writeBody: (body, recordedAt) => putEvidenceBody(store, body, recordedAt),
        onRecord,
      });
    }

    if (opts.signal?.aborted) {
      runLog.warn({ written: records.count, planned: total }, 'collection aborted before sealing; bodies already written are unreferenced and harmless');
      return { runId, status: 'aborted', records: records.count, readRecords: reads, errorRecords: records.errors, gaps: records.errors + gaps.length, accounts: targets.map((t) => t.accountId), regions: allRegions };
    }

    // Sealed in record id order (the spool sorts them as it writes them into the manifest).
    const sealed = await sealRunFrom(store, signer, {
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
      ...(startSecret ? { startSecret: startSecret.toString('hex') } : {}),
      records,
    }, { trust, log: runLog });
    const status = sealed.manifest.status;
    // Files planted in the run folder make the seal seal again under another id (logged at error level): the run is that one.
    const sealedId = sealed.manifest.runId;
    runLog.info({ status, records: records.count, errorRecords: records.errors, manifestSha256: sealed.manifestSha256, ...(sealedId !== runId ? { sealedAs: sealedId } : {}) }, 'run sealed');
    return { runId: sealedId, status, records: records.count, readRecords: reads, errorRecords: records.errors, gaps: records.errors + gaps.length, manifestSha256: sealed.manifestSha256, accounts: targets.map((t) => t.accountId), regions: allRegions };
  } finally {
    records.close();
  }
}
