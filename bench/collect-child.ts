/**
 * Child process of the collection benchmark: one `runCollection` against the simulated organisation the parent
 * serves, so the peak RSS reported is the collector's own. The parent passes the SDK endpoint and credential
 * settings in the environment and the configuration over IPC; the answer goes back over IPC.
 */
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config/schema.js';
import { createLogger } from '../src/log/logger.js';
import { loadCatalogs } from '../src/controls/load.js';
import { openStore } from '../src/store/open-store.js';
import { openSigner } from '../src/aws/open-signer.js';
import { runCollection } from '../src/collect/run.js';
import { peakRssBytes } from '../src/peak-rss.js';
import type { WorkerUsage } from '../src/collect/workers.js';
import { REQUEST_QUOTAS } from '../src/aws/quotas.js';
import type { EvidenceBody } from '../src/evidence/record.js';
import type { RunManifest } from '../src/evidence/manifest.js';
import { delegatedSourceFor } from '../src/queries/delegated/index.js';
import { queryById } from '../src/queries/index.js';

export interface CollectChildRequest {
  config: unknown;
  /** A simulated AWS without request quotas, where the bare SDK's CPU per call is measured before the collection. */
  calibration?: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** `--shard i/n` (i from 1 to n): this process collects one shard of the organisation's accounts. */
  shard?: { index: number; count: number };
}

export interface CollectChildReport {
  ok: true;
  runId: string;
  status: string;
  records: number;
  errorRecords: number;
  gaps: number;
  accounts: number;
  regions: number;
  /** From the call to runCollection until it returned (sealed manifest included). */
  wallMs: number;
  /** Target discovery (Organizations, AssumeRole) until the first query could start. */
  discoveryMs: number;
  /** Peak resident set size of the largest collector process during the run (this one or a worker), bytes. */
  maxRssBytes: number;
  /** Peak RSS of this process, the collector's own (target discovery, organisation-wide reads, the store), bytes. */
  mainMaxRssBytes: number;
  /** Peak RSS of each collection worker process, bytes (none when collecting in one process). */
  workerMaxRssBytes: number[];
  /** This process's and every worker's peak RSS added up: at most what the processes held together, bytes. */
  sumMaxRssBytes: number;
  /** The sealed manifest's signing algorithm and size, bytes: what the seal had to sign. */
  signing: { algorithm: string; manifestBytes: number };
  /** Largest V8 heap in use seen by a once-a-second sample (garbage included): how far RSS is live data. */
  maxHeapUsedBytes: number;
  /** CPU of this process and of every collection worker process, ms. */
  cpuMs: number;
  /** CPU per call of the bare SDK in this process (warm clients, no collector around them), ms; absent without calibration. */
  bareSdkCpuPerCallMs?: number;
  /** Error records by error code. */
  errorCodes: Record<string, number>;
  /** One message per error code, query and operation. */
  errorExamples: Record<string, string>;
  /** Accounts or regions not reached at all, by reason. */
  targetGaps: Record<string, number>;
  /** For each action with a request quota: the largest number of calls one account-region needed (from the evidence). */
  rateLimitedCalls: Record<string, { maxPerAccountRegion: number; total: number; accountRegions: number }>;
  /** Fingerprint of the key this collector signed with: the bench verifies the sealed run against it. */
  signerFingerprint: string;
}

export interface CollectChildFailure {
  ok: false;
  error: string;
}

/**
 * The bare SDK's CPU per call on this machine and Node: warm clients of four protocols (EC2 query, IAM query, JSON,
 * REST-XML), `concurrency` calls in flight, against a simulated AWS without quotas. What the collector spends beyond
 * it per call is its own (call log, shared reads, client construction, evidence bodies, hashing, the store).
 */
async function bareSdkCpuPerCall(target: NonNullable<CollectChildRequest['calibration']>, concurrency: number, calls = 2_000): Promise<number> {
  const [ec2, iam, kms, s3] = await Promise.all([import('@aws-sdk/client-ec2'), import('@aws-sdk/client-iam'), import('@aws-sdk/client-kms'), import('@aws-sdk/client-s3')]);
  const settings = { endpoint: target.endpoint, region: target.region, credentials: target.credentials, forcePathStyle: true };
  const clients = { ec2: new ec2.EC2Client(settings), iam: new iam.IAMClient(settings), kms: new kms.KMSClient(settings), s3: new s3.S3Client(settings) };
  const senders: (() => Promise<unknown>)[] = [
    () => clients.ec2.send(new ec2.DescribeSecurityGroupsCommand({})),
    () => clients.iam.send(new iam.GetAccountSummaryCommand({})),
    () => clients.kms.send(new kms.ListKeysCommand({})),
    () => clients.s3.send(new s3.ListBucketsCommand({})),
  ];
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) await senders[next++ % senders.length]();
    }));
  };
  try {
    // Warm-up: connections, endpoint and signing-key caches, compiled code.
    await run(concurrency * 4);
    const cpu0 = process.cpuUsage();
    await run(calls);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000 / calls;
  } finally {
    for (const c of Object.values(clients)) c.destroy();
  }
}

async function main(req: CollectChildRequest): Promise<CollectChildReport> {
  const config = ConfigSchema.parse(req.config);
  const t0 = performance.now();
  let discoveredAt = 0;
  // Only the line that marks the end of target discovery is kept; everything else is dropped.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!discoveredAt && chunk.includes('"collection started"')) discoveredAt = performance.now();
      cb();
    },
  });
  const log = createLogger({ level: 'info', destination: sink });
  const catalogs = loadCatalogs(config.catalogDirs);
  const store = await openStore(config.store, { log });
  await store.preflight();
  const signer = await openSigner(config, { log });
  const bareSdkCpuPerCallMs = req.calibration ? await bareSdkCpuPerCall(req.calibration, config.collect.concurrency) : undefined;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let maxHeapUsedBytes = 0;
  const sampler = setInterval(() => (maxHeapUsedBytes = Math.max(maxHeapUsedBytes, process.memoryUsage().heapUsed)), 1000);
  // Worker processes' CPU and memory are their own: a process's usage leaves its children out, so they report theirs.
  const workers: WorkerUsage[] = [];
  const outcome = await runCollection({ config, catalogs, store, signer, log, onWorkerUsage: (u) => workers.push(u), ...(req.shard ? { shard: req.shard } : {}) }).finally(() => clearInterval(sampler));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  // Its own high-water mark: maxRSS would carry the bench parent's size at the fork (the simulated AWS lives there).
  const mainMaxRssBytes = peakRssBytes();

  // Analysis of the sealed run (after the RSS reading): error codes and the calls rate-limited APIs needed.
  const run = await store.getRun(outcome.runId);
  const manifest = JSON.parse(run.manifest.toString('utf8')) as RunManifest;
  const errorCodes: Record<string, number> = {};
  const errorExamples: Record<string, string> = {};
  const perKey = new Map<string, Map<string, number>>();
  const sharedSeen = new Set<string>();
  for (const r of manifest.records) {
    const body = JSON.parse((await store.getObject(r.sha256)).toString('utf8')) as EvidenceBody;
    if (body.status === 'error') {
      const code = body.error?.code ?? 'unknown';
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      const where = `${code} ${body.queryId} ${body.error?.operation ?? ''}`.trim();
      errorExamples[where] ??= body.error?.message ?? '';
    }
    const count = (operation: string, key: string) => {
      if (REQUEST_QUOTAS[operation] === undefined) return;
      let m = perKey.get(operation);
      if (!m) perKey.set(operation, (m = new Map()));
      m.set(key, (m.get(key) ?? 0) + 1);
    };
    // Aggregator and administrator calls count against the audit account's buckets: the shared ones once, by request id.
    const via = body.provenance?.via;
    const auditKey = via ? `${via.accountId}/${via.region}` : '';
    // A member's follow-up reads are its own: an operation the member's query also calls is counted in the member's bucket.
    const ownOperations = new Set(queryById(body.queryId)?.apiCalls ?? []);
    const auditOperations = new Set(via ? (delegatedSourceFor(body.queryId)?.apiCalls ?? []).filter((op) => !ownOperations.has(op)) : []);
    for (const call of via?.sharedRequests ?? []) {
      if (call.requestId && sharedSeen.has(call.requestId)) continue;
      if (call.requestId) sharedSeen.add(call.requestId);
      count(call.operation, auditKey);
    }
    for (const call of body.requests) {
      const region = r.region === 'global' ? config.regions.home : r.region;
      count(call.operation, auditOperations.has(call.operation) ? auditKey : `${r.accountId}/${region}`);
    }
  }
  const targetGaps: Record<string, number> = {};
  for (const g of manifest.gaps) {
    const reason = g.reason.replace(/\b\d{12}\b/g, '<account>').slice(0, 300);
    targetGaps[reason] = (targetGaps[reason] ?? 0) + 1;
  }
  const rateLimitedCalls: CollectChildReport['rateLimitedCalls'] = {};
  for (const [action, m] of perKey) {
    const counts = [...m.values()];
    rateLimitedCalls[action] = { maxPerAccountRegion: Math.max(...counts), total: counts.reduce((a, b) => a + b, 0), accountRegions: counts.length };
  }
  return {
    ok: true,
    runId: outcome.runId,
    status: outcome.status,
    records: outcome.records,
    errorRecords: outcome.errorRecords,
    gaps: outcome.gaps,
    accounts: outcome.accounts.length,
    regions: outcome.regions.length,
    wallMs,
    ...(bareSdkCpuPerCallMs !== undefined ? { bareSdkCpuPerCallMs } : {}),
    discoveryMs: discoveredAt ? discoveredAt - Math.max(started, t0) : 0,
    maxRssBytes: Math.max(mainMaxRssBytes, ...workers.map((w) => w.maxRssBytes)),
    mainMaxRssBytes,
    workerMaxRssBytes: workers.map((w) => w.maxRssBytes),
    sumMaxRssBytes: mainMaxRssBytes + workers.reduce((a, w) => a + w.maxRssBytes, 0),
    signing: { algorithm: manifest.signing.algorithm, manifestBytes: run.manifest.length },
    maxHeapUsedBytes,
    cpuMs: (cpu.user + cpu.system) / 1000 + workers.reduce((a, w) => a + w.cpuMs, 0),
    errorCodes,
    errorExamples,
    targetGaps,
    rateLimitedCalls,
    signerFingerprint: await signer.fingerprint(),
  };
}

process.once('message', (msg: CollectChildRequest) => {
  main(msg).then(
    (report) => process.send?.(report, () => process.exit(0)),
    (err: unknown) => {
      const failure: CollectChildFailure = { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
      process.send?.(failure, () => process.exit(1));
    },
  );
});
