/**
 * Collection against the physical limit: a simulated organisation on loopback (per-call latency, published
 * per-account-and-region rate limits enforced by the simulator), the collector in a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addManifestSigningKey } from '../src/simulator/worlds/seed-kms.js';
import { startSimulatedAws, simulatorEnv, simulatorClientConfig, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR, ORG_EVENT_DATA_STORE_ID, DEFAULT_RATE_LIMITS, type RateLimit, type SimStats, type SimWorld } from '../src/simulator/index.js';
import { ConfigSchema, type Config } from '../src/config/schema.js';
import { openStore } from '../src/store/open-store.js';
import { createLogger } from '../src/log/logger.js';
import { verifyStoredRuns } from '../src/verify/store.js';
import { trustPolicy } from '../src/seal/trust.js';
import { forkBenchChild } from './child.js';
import type { CollectChildFailure, CollectChildReport, CollectChildRequest } from './collect-child.js';

export interface CollectionBenchOptions {
  /** Member accounts collected; the organisation also has its management account, which has no member role (a target gap). */
  accounts: number;
  regions: string[];
  /** Per-call latency range of the simulator, ms. */
  latencyMs: [number, number];
  /** Collector settings under test (collect.concurrency etc.); defaults are the product's. */
  collect?: Record<string, unknown>;
  seed?: number;
  /** collect.mode under test (default per-account); delegated-admin reads through the management account's aggregator and administrator views. */
  mode?: 'per-account' | 'delegated-admin';
  /** Collector processes run at once, each `--shard i/n` of the accounts (ECS fan-out); default 1. */
  shards?: number;
}

export interface RateBound {
  action: string;
  callsPerAccountRegion: number;
  ratePerSecond: number;
  burst: number;
  seconds: number;
}

export interface CollectionBenchResult {
  mode: 'per-account' | 'delegated-admin';
  accounts: number;
  regions: number;
  records: number;
  errorRecords: number;
  /** Accounts or regions that could not be reached at all (no evidence record). */
  targetGaps: number;
  targetGapReasons: Record<string, number>;
  /** Error records by code; throttling codes here are throttles surfaced as gaps. */
  errorCodes: Record<string, number>;
  errorExamples: Record<string, string>;
  throttledGaps: number;
  wallSeconds: number;
  discoverySeconds: number;
  cpuSeconds: number;
  /** The bare SDK's CPU per call in the collector's process (warm clients, no collector), ms: what per call is not ours. */
  bareSdkCpuPerCallMs?: number;
  peakRssBytes: number;
  /** Peak RSS of the collector's own process (the largest, over shards). */
  mainPeakRssBytes: number;
  /** Peak RSS of every collection worker process, over every shard. */
  workerPeakRssBytes: number[];
  /** How the runs were signed (the algorithm of their key) and the largest manifest, bytes. */
  signing: { algorithm: string; manifestBytes: number };
  /** What `verify --store` checked of the sealed runs (every shard's) once every collector had finished: runs and records. */
  verified: { runs: number; records: number };
  /** Every collector process's peak RSS (shards and workers) added up: at most what they held together. */
  sumPeakRssBytes: number;
  concurrency: number;
  /** Collector processes (shards) the run was split over; wall time is the slowest, RSS the largest of one process. */
  shards: number;
  /** Largest V8 heap in use sampled in the collector's own process of any shard (garbage included). */
  peakHeapUsedBytes: number;
  /** Calls the simulator answered (throttled attempts excluded), and the throttled attempts. */
  calls: number;
  throttledAttempts: number;
  meanLatencyMs: number;
  rateBounds: RateBound[];
  /** Largest rate-limited chain: calls one account-region needed / allowed rate, plus one call's latency. */
  rateBoundSeconds: number;
  /** Every call's latency spread over the configured concurrency. */
  latencyBoundSeconds: number;
  lowerBoundSeconds: number;
  binding: 'rate limit' | 'latency x calls / concurrency';
  ratio: number;
  status: string;
}

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|Rate exceeded/i;

function rateOf(limit: number | RateLimit): { ratePerSecond: number; burst: number } {
  return typeof limit === 'number' ? { ratePerSecond: limit, burst: Math.max(1, limit) } : { ratePerSecond: limit.ratePerSecond, burst: limit.burst ?? Math.max(1, limit.ratePerSecond) };
}

/** The lower bound of a collection's wall time: the slowest rate-limited chain, or all calls' latency over the concurrency. */
export function collectionLowerBound(input: {
  rateLimitedCalls: CollectChildReport['rateLimitedCalls'];
  limits: Readonly<Record<string, number | RateLimit>>;
  calls: number;
  meanLatencyMs: number;
  concurrency: number;
}): { rateBounds: RateBound[]; rateBoundSeconds: number; latencyBoundSeconds: number; lowerBoundSeconds: number; binding: CollectionBenchResult['binding'] } {
  const latency = input.meanLatencyMs / 1000;
  const rateBounds: RateBound[] = [];
  for (const [action, c] of Object.entries(input.rateLimitedCalls)) {
    const limit = input.limits[action];
    if (limit === undefined) continue;
    const { ratePerSecond, burst } = rateOf(limit);
    // The bucket starts full: `burst` calls go at once, the rest one every 1/rate seconds; the last still takes its latency.
    const seconds = Math.max(0, c.maxPerAccountRegion - burst) / ratePerSecond + latency;
    rateBounds.push({ action, callsPerAccountRegion: c.maxPerAccountRegion, ratePerSecond, burst, seconds });
  }
  const rateBoundSeconds = Math.max(0, ...rateBounds.map((b) => b.seconds));
  const latencyBoundSeconds = (input.calls * latency) / input.concurrency;
  const lowerBoundSeconds = Math.max(rateBoundSeconds, latencyBoundSeconds);
  return { rateBounds, rateBoundSeconds, latencyBoundSeconds, lowerBoundSeconds, binding: rateBoundSeconds >= latencyBoundSeconds ? 'rate limit' : 'latency x calls / concurrency' };
}

/**
 * An organisation with `members` member accounts whose ids are valid 12-digit account ids: the generator can produce
 * longer ids, which AssumeRole rightly refuses (they are reported as target gaps), so the world grows until enough
 * members are reachable.
 */
function organisationOf(members: number, regions: string[], seed: number): SimWorld {
  for (let size = members + 1; ; size++) {
    // Both modes run against the same organisation: its management account is also the delegated administrator.
    const world = organizationWorld({ accounts: size, regions, seed, delegatedAdministrator: true });
    const ids = world.organization?.accountIds ?? [];
    const valid = ids.filter((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID && /^\d{12}$/.test(id)).length;
    if (valid >= members || size > members * 2 + 10) return world;
  }
}

export async function benchCollection(opts: CollectionBenchOptions): Promise<CollectionBenchResult> {
  const seed = opts.seed ?? 7;
  const world = organisationOf(opts.accounts, opts.regions, seed);
  // Runs are signed as deploy/ signs them in production: with a KMS key of the audit account (here the management
  // account, also the delegated administrator), which signs the manifest's digest, so the seal never holds it whole.
  const signingKeyArn = addManifestSigningKey(world.account(ORG_MANAGEMENT_ACCOUNT_ID)!, opts.regions[0], world.now());
  const limits = DEFAULT_RATE_LIMITS;
  const sim = await startSimulatedAws({ world, faults: { seed, latencyMs: opts.latencyMs, rateLimits: { ...limits } } });
  // The bare SDK's CPU per call is measured against a second server without quotas: its calls take no collected account's tokens.
  const unpaced = await startSimulatedAws({ world, faults: { seed, latencyMs: opts.latencyMs, rateLimits: {} } });
  const { endpoint, region, credentials } = simulatorClientConfig(unpaced, { accountId: ORG_MANAGEMENT_ACCOUNT_ID, region: opts.regions[0] });
  const dir = mkdtempSync(join(tmpdir(), 'evidence-locker-bench-collect-'));
  try {
    const config = ConfigSchema.parse({
      organization: 'Benchmark Organisation',
      accounts: { source: 'organizations' },
      regions: { source: 'list', list: opts.regions, home: opts.regions[0] },
      store: { kind: 'local', path: join(dir, 'store') },
      stateDir: join(dir, 'state'),
      signing: { kind: 'kms', keyId: signingKeyArn },
      log: { level: 'silent' },
      collect: {
        ...opts.collect,
        ...(opts.mode === 'delegated-admin' ? { mode: 'delegated-admin', delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR, aggregatorRegion: opts.regions[0], cloudtrailEventDataStore: `arn:aws:cloudtrail:${opts.regions[0]}:${ORG_MANAGEMENT_ACCOUNT_ID}:eventdatastore/${ORG_EVENT_DATA_STORE_ID}` } } : {}),
      },
    });
    sim.resetStats();
    const shards = Math.max(1, opts.shards ?? 1);
    const env = simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID, opts.regions[0]);
    const answers = await Promise.all(
      Array.from({ length: shards }, (_, index) => forkBenchChild<CollectChildRequest, CollectChildReport | CollectChildFailure>('./collect-child.js', { config, calibration: { endpoint, region, credentials }, ...(shards > 1 ? { shard: { index: index + 1, count: shards } } : {}) }, env)),
    );
    const failure = answers.find((a): a is CollectChildFailure => !a.ok);
    if (failure) throw new Error(`collection child failed: ${failure.error}`);
    const report = mergeReports(answers as CollectChildReport[]);
    // Every run timed is verified as an operator would (`verify --store`), once every shard has finished, so no
    // shard's verification takes CPU from another still being timed: a row counts only a run that is evidence.
    const verified = await verifySealedRuns(config, answers as CollectChildReport[]);
    const stats: SimStats = sim.stats();
    const calls = stats.total.calls - stats.total.throttled;
    const meanLatencyMs = (opts.latencyMs[0] + opts.latencyMs[1]) / 2;
    // Discovery's ListAccounts pages are in no record. Every shard reads all of them, and all shards share the
    // management account's one Organizations quota, so that chain is every answered page of every shard.
    const listAccounts = stats.byOperation['organizations:ListAccounts']?.ok ?? 0;
    const rateLimitedCalls = { ...report.rateLimitedCalls, ...(listAccounts > 0 ? { 'organizations:ListAccounts': { maxPerAccountRegion: listAccounts, total: listAccounts, accountRegions: 1 } } : {}) };
    const bound = collectionLowerBound({ rateLimitedCalls, limits, calls, meanLatencyMs, concurrency: config.collect.concurrency * shards });
    const throttledGaps = Object.entries(report.errorCodes).filter(([code]) => THROTTLING.test(code)).reduce((a, [, n]) => a + n, 0);
    const wallSeconds = report.wallMs / 1000;
    return {
      mode: opts.mode ?? 'per-account',
      accounts: report.accounts,
      regions: report.regions,
      records: report.records,
      errorRecords: report.errorRecords,
      targetGaps: report.gaps - report.errorRecords,
      targetGapReasons: report.targetGaps,
      errorCodes: report.errorCodes,
      errorExamples: report.errorExamples,
      throttledGaps,
      wallSeconds,
      discoverySeconds: report.discoveryMs / 1000,
      cpuSeconds: report.cpuMs / 1000,
      ...(report.bareSdkCpuPerCallMs !== undefined ? { bareSdkCpuPerCallMs: report.bareSdkCpuPerCallMs } : {}),
      peakRssBytes: report.maxRssBytes,
      mainPeakRssBytes: report.mainMaxRssBytes,
      workerPeakRssBytes: report.workerMaxRssBytes,
      sumPeakRssBytes: report.sumMaxRssBytes,
      signing: report.signing,
      verified,
      peakHeapUsedBytes: report.maxHeapUsedBytes,
      concurrency: config.collect.concurrency,
      shards,
      calls,
      throttledAttempts: stats.total.throttled,
      meanLatencyMs,
      ...bound,
      ratio: wallSeconds / bound.lowerBoundSeconds,
      status: report.status,
    };
  } finally {
    await sim.close();
    await unpaced.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `verify --store` of each collector's sealed run, trusting the key it signed with; throws naming what does not verify. */
async function verifySealedRuns(config: Config, reports: readonly CollectChildReport[]): Promise<{ runs: number; records: number }> {
  const store = await openStore(config.store, { log: createLogger({ level: 'silent' }) });
  let records = 0;
  for (const r of reports) {
    const verification = await verifyStoredRuns(store, { runId: r.runId }, { trust: trustPolicy([r.signerFingerprint]) });
    const run = verification.runs.find((x) => x.runId === r.runId);
    if (!verification.ok || !run?.ok) {
      const problems = [...verification.problems.map((p) => p.problem), ...verification.foreign.map((f) => `foreign: ${f.path} (${f.reason})`)];
      throw new Error(`the sealed run ${r.runId} does not verify: ${problems.slice(0, 5).join('; ') || 'not found'}`);
    }
    records += run.records;
  }
  return { runs: reports.length, records };
}

/** Shards collect disjoint accounts at the same time: counts add up, wall time is the slowest shard's, memory the largest process's. */
function mergeReports(reports: readonly CollectChildReport[]): CollectChildReport {
  if (reports.length === 1) return reports[0];
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    for (const [k, n] of Object.entries(b)) a[k] = (a[k] ?? 0) + n;
    return a;
  };
  const rateLimitedCalls: CollectChildReport['rateLimitedCalls'] = {};
  for (const r of reports) {
    for (const [action, c] of Object.entries(r.rateLimitedCalls)) {
      const m = rateLimitedCalls[action];
      rateLimitedCalls[action] = m ? { maxPerAccountRegion: Math.max(m.maxPerAccountRegion, c.maxPerAccountRegion), total: m.total + c.total, accountRegions: m.accountRegions + c.accountRegions } : { ...c };
    }
  }
  return {
    ...reports[0],
    status: reports.every((r) => r.status === 'complete') ? 'complete' : reports.find((r) => r.status !== 'complete')!.status,
    records: reports.reduce((a, r) => a + r.records, 0),
    errorRecords: reports.reduce((a, r) => a + r.errorRecords, 0),
    gaps: reports.reduce((a, r) => a + r.gaps, 0),
    accounts: reports.reduce((a, r) => a + r.accounts, 0),
    regions: Math.max(...reports.map((r) => r.regions)),
    wallMs: Math.max(...reports.map((r) => r.wallMs)),
    discoveryMs: Math.max(...reports.map((r) => r.discoveryMs)),
    maxRssBytes: Math.max(...reports.map((r) => r.maxRssBytes)),
    mainMaxRssBytes: Math.max(...reports.map((r) => r.mainMaxRssBytes)),
    workerMaxRssBytes: reports.flatMap((r) => r.workerMaxRssBytes),
    sumMaxRssBytes: reports.reduce((a, r) => a + r.sumMaxRssBytes, 0),
    signing: { algorithm: reports[0].signing.algorithm, manifestBytes: Math.max(...reports.map((r) => r.signing.manifestBytes)) },
    maxHeapUsedBytes: Math.max(...reports.map((r) => r.maxHeapUsedBytes)),
    cpuMs: reports.reduce((a, r) => a + r.cpuMs, 0),
    ...(reports.every((r) => r.bareSdkCpuPerCallMs !== undefined) ? { bareSdkCpuPerCallMs: reports.reduce((a, r) => a + r.bareSdkCpuPerCallMs!, 0) / reports.length } : {}),
    errorCodes: reports.reduce((a, r) => add(a, r.errorCodes), {} as Record<string, number>),
    errorExamples: Object.assign({}, ...reports.map((r) => r.errorExamples)) as Record<string, string>,
    targetGaps: reports.reduce((a, r) => add(a, r.targetGaps), {} as Record<string, number>),
    rateLimitedCalls,
  };
}
