/**
 * collect.workers: the same organisation collected in one process and in worker processes gives the same evidence,
 * the same scope and sessions; the paced APIs' limits hold across workers; abort and failures seal nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fork } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection, type CollectionProgress } from '../../src/collect/run.js';
import { collectionWorkers, partitionAccounts, StderrTail, type WorkerInput, type WorkerUsage } from '../../src/collect/workers.js';
import { EvidenceBodySchema, isDelegatedReadQuery, type EvidenceBody } from '../../src/evidence/record.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { PUBLISHED_RATE_LIMITS, RateLimiterRegistry } from '../../src/aws/rate-limit.js';
import { EvidenceLockerError } from '../../src/errors.js';
import { capturedLogger } from '../support/capture-log.js';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR, type SimulatedAws, type SimStats } from '../../src/simulator/index.js';

const catalogs = loadCatalogs([]);
const REGIONS = ['us-east-1', 'us-west-2'];
const ACCOUNTS = 5;
let sim: SimulatedAws;
let dir: string;
const savedEnv = { ...process.env };

const logger = () => capturedLogger('info');

/** Hang protection only for a test that starts worker processes: each loads the collector, slow on a loaded machine. */
const WORKER_TEST_TIMEOUT_MS = 600_000;

function setup(name: string, collect: Record<string, unknown>): { config: Config; store: LocalEvidenceStore; signer: LocalEd25519Signer } {
  const base = join(dir, name);
  // Calls are counted and compared: a request timeout only as hang protection, so that an answer slowed by a loaded
  // machine is not abandoned and asked again (one call more).
  const config = ConfigSchema.parse({
    accounts: { source: 'organizations' },
    regions: { list: REGIONS, home: 'us-east-1' },
    store: { kind: 'local', path: join(base, 'store') },
    stateDir: join(base, 'state'),
    collect: { maxAttempts: 6, requestTimeoutMs: 300_000, sensitiveEvents: ['StopLogging', 'ConsoleLogin'], ...collect },
  });
  return { config, store: new LocalEvidenceStore(join(base, 'store')), signer: LocalEd25519Signer.open(join(base, 'keys')) };
}

const DELEGATED = { mode: 'delegated-admin', delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR } };

async function collect(name: string, collect: Record<string, unknown>) {
  const { config, store, signer } = setup(name, collect);
  const { log, lines } = logger();
  const progress: CollectionProgress[] = [];
  const attempts = new Map<string, number>();
  const usage: WorkerUsage[] = [];
  sim.resetStats();
  const outcome = await runCollection({ config, catalogs, store, signer, log, onProgress: (p) => progress.push({ ...p }), onAttempt: (a) => attempts.set(a, (attempts.get(a) ?? 0) + 1), onWorkerUsage: (u) => usage.push(u) });
  const stats: SimStats = sim.stats();
  const manifest: RunManifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
  const bodies = new Map<string, EvidenceBody>();
  for (const r of manifest.records) bodies.set(r.recordId, EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.sha256)).toString('utf8'))));
  return { outcome, manifest, bodies, stats, lines, progress, attempts, usage };
}

/** What a record proves, without what changes from run to run (times, request ids, which thread asked). */
function evidenceOf(body: EvidenceBody): string {
  // An organisation-wide read's record lists its calls by AWS request id, which every run has its own of.
  const data = isDelegatedReadQuery(body.queryId) ? { kind: (body.data as { kind: string }).kind } : (body.data ?? null);
  const stable = { status: body.status, operations: body.operations, data, error: body.error?.code ?? null, via: body.provenance?.via?.kind ?? null };
  return JSON.stringify(stable).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
}

function pacedRateLimited(stats: SimStats): Record<string, number> {
  return Object.fromEntries(Object.keys(PUBLISHED_RATE_LIMITS).map((a) => [a, stats.byOperation[a]?.rateLimited ?? 0]).filter(([, n]) => n !== 0));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'el-workers-'));
  sim = await startSimulatedAws({ world: organizationWorld({ accounts: ACCOUNTS, regions: REGIONS, seed: 7, delegatedAdministrator: true }) });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('collect.workers', () => {
  it('is one thread when asked, or when the caller brings its own limiters; never more threads than accounts', () => {
    const { config } = setup('count', { workers: 3 });
    expect(collectionWorkers(config, 5, {})).toBe(3);
    expect(collectionWorkers(config, 2, {})).toBe(2);
    expect(collectionWorkers(config, 5, { rateLimits: new RateLimiterRegistry() })).toBe(1);
    expect(collectionWorkers(setup('one', { workers: 1 }).config, 5, {})).toBe(1);
    expect(collectionWorkers(setup('auto', {}).config, 1, {})).toBe(1);
    expect(() => setup('zero', { workers: 0 })).toThrow();
  });

  it('gives every account to exactly one worker, balancing their tasks', () => {
    const target = (accountId: string) => ({ accountId, regions: ['us-east-1'], regionSource: 'configured' as const });
    const targets = ['a', 'b', 'c', 'd'].map(target);
    const tasks = [...Array(6).fill('a'), ...Array(3).fill('b'), ...Array(3).fill('c'), 'd'].map((a) => ({ target: target(a) })) as never[];
    const shares = partitionAccounts(tasks, targets, 2);
    expect(shares).toEqual([['a', 'd'], ['b', 'c']]);
    expect(partitionAccounts(tasks, targets, 9).flat().sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  for (const [mode, extra] of [['per-account', {}], ['delegated-admin', DELEGATED]] as const) {
    it(`collects the same evidence with 1 and 3 workers (${mode}), within every paced limit`, async () => {
      const one = await collect(`${mode}-1`, { ...extra, workers: 1 });
      const three = await collect(`${mode}-3`, { ...extra, workers: 3 });
      expect(one.lines.some((l) => l.msg === 'collecting in worker processes, each for its own accounts')).toBe(false);
      expect(three.lines.find((l) => l.msg === 'collecting in worker processes, each for its own accounts')).toMatchObject({ workers: 3, accounts: one.outcome.accounts.length });
      // Each worker is a process of its own and says what it used (its CPU is not in the collector's own usage).
      expect(one.usage).toEqual([]);
      expect(three.usage).toHaveLength(3);
      for (const u of three.usage) {
        expect(u.cpuMs).toBeGreaterThan(0);
        expect(u.maxRssBytes).toBeGreaterThan(2 ** 20);
      }

      expect(three.outcome.status).toBe(one.outcome.status);
      expect(three.outcome.records).toBe(one.outcome.records);
      expect(three.outcome.errorRecords).toBe(one.outcome.errorRecords);
      expect(three.manifest.scope).toEqual(one.manifest.scope);
      expect(three.manifest.sessions).toEqual(one.manifest.sessions);
      expect(three.manifest.sessions?.every((s) => s.callerArn)).toBe(true);
      expect(three.manifest.records.map((r) => `${r.recordId} ${r.status}`)).toEqual(one.manifest.records.map((r) => `${r.recordId} ${r.status}`));
      for (const [id, body] of one.bodies) expect(evidenceOf(three.bodies.get(id)!), id).toBe(evidenceOf(body));
      // Worker records are real evidence: the caller and the endpoint of every answer are kept.
      // (An organisation-wide read's record is made by the collector itself, with the audit account's session.)
      for (const body of three.bodies.values()) expect(body.provenance?.callerArn).toMatch(isDelegatedReadQuery(body.queryId) ? new RegExp(`^arn:aws:[^:]+::${ORG_MANAGEMENT_ACCOUNT_ID}:`) : /^arn:aws:sts::\d{12}:assumed-role\//);

      // Progress and attempt metrics reach the caller from the workers.
      // (Over the planned tasks: an organisation-wide read's record is none.)
      const tasks = three.manifest.records.filter((r) => !isDelegatedReadQuery(r.queryId)).length;
      expect(three.progress.at(-1)).toMatchObject({ done: tasks, total: tasks, errors: three.outcome.errorRecords });
      expect([...three.attempts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(three.manifest.records.length);
      // Worker log lines come out of the caller's logger with the run id.
      expect(three.lines.filter((l) => l.level === 'warn').every((l) => l.runId === three.outcome.runId)).toBe(true);

      // One limiter per account, region and operation across every thread: no paced call beyond AWS's quota.
      expect(pacedRateLimited(three.stats)).toEqual({});
      // The same APIs are called, no account is assumed twice, and no organisation-wide read is repeated per worker
      // (exact per-operation counts are not compared: pagination and polling depend on when the simulated world is read).
      expect(three.stats.byOperation['sts:AssumeRole']?.calls).toBe(one.stats.byOperation['sts:AssumeRole']?.calls);
      expect(Object.keys(three.stats.byOperation).sort()).toEqual(Object.keys(one.stats.byOperation).sort());
      for (const op of ['config:DescribeAggregateComplianceByConfigRules', 'config:SelectAggregateResourceConfig', 'guardduty:ListMembers', 'sts:GetCallerIdentity']) {
        expect(three.stats.byOperation[op]?.calls ?? 0, op).toBe(one.stats.byOperation[op]?.calls ?? 0);
      }
      if (mode === 'delegated-admin') {
        expect(three.stats.byOperation['config:DescribeAggregateComplianceByConfigRules']?.calls).toBe(1);
        expect(three.manifest.records.some((r) => three.bodies.get(r.recordId)?.provenance?.via)).toBe(true);
        // Each organisation-wide read is sealed once, by the collector, whichever worker's tasks took its parts.
        expect(three.manifest.records.filter((r) => isDelegatedReadQuery(r.queryId)).length).toBeGreaterThan(0);
      }
    }, 600_000);
  }

  it('stops the workers on abort and seals nothing', async () => {
    const { config, store, signer } = setup('abort', { workers: 3 });
    const { log, lines } = logger();
    const abort = new AbortController();
    const outcome = await runCollection({ config, catalogs, store, signer, log, signal: abort.signal, onProgress: (p) => p.done >= 3 && abort.abort() });
    expect(outcome.status).toBe('aborted');
    expect(outcome.manifestSha256).toBeUndefined();
    expect(await store.listRuns()).toEqual([]);
    expect(lines.some((l) => String(l.msg).startsWith('collection aborted before sealing'))).toBe(true);
  }, 600_000);

  it('fails cleanly and seals nothing when a worker cannot store its evidence', async () => {
    const { config, store, signer } = setup('store-fails', { workers: 3 });
    const { log } = logger();
    let writes = 0;
    const failing = Object.assign(Object.create(store) as LocalEvidenceStore, {
      putObject: (sha256: string, body: Buffer) => {
        if (++writes === 4) return Promise.reject(new EvidenceLockerError('store.path: disk full while writing an evidence body', { hint: 'free space' }));
        return store.putObject(sha256, body);
      },
    });
    await expect(runCollection({ config, catalogs, store: failing, signer, log })).rejects.toThrow('store.path: disk full while writing an evidence body');
    expect(await store.listRuns()).toEqual([]);
  }, 600_000);

  /** Two accounts collected by two workers started from `script` (a stand-in for the worker entry), no tasks. */
  async function collectWithEntry(name: string, script: string, opts: { readyTimeoutMs?: number } = {}) {
    const { collectInWorkers } = await import('../../src/collect/workers.js');
    const { config } = setup(name, { workers: 2 });
    const entry = join(dir, `${name}-worker.mjs`);
    writeFileSync(entry, script);
    const target = (accountId: string) => ({ accountId, regions: ['us-east-1'], regionSource: 'configured' as const });
    return collectInWorkers({
      workers: 2,
      config,
      tasks: [],
      targets: [target('111111111111'), target('222222222222')],
      store: setup(`${name}-store`, {}).store,
      log: logger().log,
      callers: { record: () => undefined } as never,
      onRecord: () => undefined,
      onReadRecord: () => undefined,
      now: () => new Date(),
      entry: pathToFileURL(entry),
      ...opts,
    });
  }

  it('fails cleanly, naming the worker and its accounts, when a worker crashes', async () => {
    // A plain Error: Node prints its stack, then its own version line, which is not the cause.
    const run = collectWithEntry('crash', "throw new Error('query threw while starting');\n");
    await expect(run).rejects.toThrow(EvidenceLockerError);
    await expect(run).rejects.toThrow(/collection worker \d of 2 \(accounts \d{12}\) crashed: Error: query threw while starting \(it exited \(code 1\)\); nothing was sealed/);
  }, WORKER_TEST_TIMEOUT_MS);

  it('stops the run, naming the worker, when a started worker never says it is ready', async () => {
    // Alive and connected, but never a word: a worker hung while loading.
    const run = collectWithEntry('stuck', 'setInterval(() => undefined, 1000);\n', { readyTimeoutMs: 1_500 });
    await expect(run).rejects.toThrow(/collection worker \d of 2 \(accounts \d{12}\) did not say it was ready within 1\.5 s of being started .*it was stopped and nothing was sealed/);
  }, WORKER_TEST_TIMEOUT_MS);

  it('a worker process leaves SIGINT and SIGTERM to its collector, and exits once its collector lets it go', async () => {
    const { config } = setup('signals', {});
    const bootstrap = fileURLToPath(new URL('../../src/collect/worker-from-sources.mjs', import.meta.url));
    const worker = fork(bootstrap, [new URL('../../src/collect/worker.ts', import.meta.url).href], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => worker.once('exit', (code, signal) => resolve({ code, signal })));
    const messages: string[] = [];
    worker.on('message', (m: { type: string }) => messages.push(m.type));
    const next = (type: string) => new Promise<void>((resolve) => worker.on('message', (m: { type: string }) => m.type === type && resolve()));
    await next('ready');
    // As Ctrl-C in a terminal does to the whole process group: the worker stays, its collector decides.
    worker.kill('SIGINT');
    worker.kill('SIGTERM');
    const done = next('done');
    const input: WorkerInput = { config, targets: [], tasks: [], concurrency: 1, logLevel: 'silent', observeAttempts: false, clockOffsetMs: 0 };
    worker.send({ type: 'start', input });
    // A worker the signals ended never answers: fail on its exit rather than wait for the test's timeout.
    await Promise.race([done, exited.then((e) => Promise.reject(new Error(`the worker ended (code ${e.code}, signal ${e.signal})`)))]);
    expect(messages).toEqual(['ready', 'done']);
    worker.disconnect();
    expect(await exited).toEqual({ code: 0, signal: null });
  }, WORKER_TEST_TIMEOUT_MS);

  it("names a dead worker's fatal error from its stderr: the stack's head or V8's heap limit, never a warning or Node's version line", () => {
    const tail = (...chunks: (string | Buffer)[]) => {
      const t = new StderrTail();
      for (const c of chunks) t.add(Buffer.isBuffer(c) ? c : Buffer.from(c));
      return t.cause();
    };
    const warning = '(node:123) Warning: NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nwill require node >=22.\n(Use `node --trace-warnings ...` to show where the warning was created)\n';
    const uncaught = (head: string) => `file:///app/dist/src/collect/worker.js:96\n  throw new Error(x);\n  ^\n\n${head}\n    at file:///app/dist/src/collect/worker.js:96:9\n    at ModuleJob.run (node:internal/modules/esm/module_job:234:25)\n\nNode.js v20.20.2\n`;
    expect(tail(warning, uncaught('Error: query s3.x is not known to the collection worker'))).toBe('Error: query s3.x is not known to the collection worker');
    expect(tail(uncaught('S3ServiceException: Access Denied'))).toBe('S3ServiceException: Access Denied');
    expect(tail(uncaught("Error [ERR_IPC_CHANNEL_CLOSED]: Channel closed"))).toBe('Error [ERR_IPC_CHANNEL_CLOSED]: Channel closed');
    expect(tail(warning, '\n<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb7a8c0 node::Abort() [node]\n')).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    // Only warnings: no cause is named rather than a wrong one.
    expect(tail(warning)).toBe('');
    // A character split across two chunks is read whole; a secret in the line is scrubbed.
    const line = Buffer.from(uncaught('Error: zone “eu” refused'));
    const cut = line.indexOf(Buffer.from('“')) + 1;
    expect(tail(line.subarray(0, cut), line.subarray(cut))).toBe('Error: zone “eu” refused');
    expect(tail(uncaught('Error: signed with AKIAIOSFODNN7EXAMPLE'))).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});
