import { getHeapStatistics } from 'node:v8';
import { availableParallelism } from 'node:os';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StringDecoder } from 'node:string_decoder';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { scrubSecrets } from '../log/logger.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { ManifestRecord } from '../evidence/record.js';
import { putEvidenceBody } from '../seal/seal.js';
import { AwsClientProvider, SharedConnections } from '../aws/clients.js';
import { processSdkConfig } from '../aws/sdk-config.js';
import { RateLimiterRegistry } from '../aws/rate-limit.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { EvidenceLockerError } from '../errors.js';
import { collectionWorkerExecArgv } from '../node-flags.js';
import { queryById } from '../queries/index.js';
import type { QueryParameters } from '../queries/types.js';
import type { AuditContext } from '../queries/delegated/types.js';
import { DelegatedCollection, type DelegatedPart } from './delegated.js';
import { ChannelBatch, unbatch, type MessageBatch } from './channel-batch.js';
import type { CallerIdentities } from './provenance.js';
import type { CollectionTask } from './plan.js';
import type { AccountTarget } from './targets.js';

/**
 * Most old-generation heap a collection worker process takes, MB, however much memory the host has: V8 collects its old
 * generation lazily, growing it toward its limit, so a worker given a share of a large host's heap (1.3 GB on 23.5 GiB)
 * reached 514 MB of RSS at 1,000 accounts while its live data stayed far smaller (README, "Memory").
 */
const WORKER_OLD_GENERATION_CAP_MB = 384;

/**
 * Old-generation heap of each collection worker process, MB: the workers and the collector's own process share the
 * heap one process may use (V8 sizes it from the host's or the container's memory), instead of each assuming all of
 * it; never below 256 MB, several times a worker's live data (tasks in flight; records go to the main process).
 */
function workerOldGenerationMb(workers: number): number {
  return Math.min(WORKER_OLD_GENERATION_CAP_MB, Math.max(256, Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20 / (workers + 1))));
}

/** One account as a worker receives it: credentials cannot cross processes, so the session they hold now goes instead. */
export interface WorkerTarget {
  accountId: string;
  name?: string;
  roleArn?: string;
  regions: string[];
  regionSource: AccountTarget['regionSource'];
  session?: AwsCredentialIdentity;
}

/** One task as a worker receives it: the query by id (queries are code and stay in each thread's own registry). */
export interface WorkerTask {
  account: number;
  queryId: string;
  region: string;
  params: QueryParameters;
  paced: boolean;
}

export interface WorkerInput {
  config: Config;
  targets: WorkerTarget[];
  tasks: WorkerTask[];
  /** This worker's share of collect.concurrency. */
  concurrency: number;
  logLevel: string;
  observeAttempts: boolean;
  /** The caller's clock minus the wall clock at the start of the run (a caller's `now` cannot cross processes). */
  clockOffsetMs: number;
}

/** The member's part of an organisation-wide read, as the main process hands it to a worker (no clients, no signal). */
export interface WorkerDelegatedPart {
  queryId: string;
  /** The part, v8-serialized: the worker deserializes it (the collector keeps parts packed and never unpacks them). */
  packed: Uint8Array;
  audit: Omit<AuditContext, 'clients' | 'signal' | 'log' | 'once'>;
  /** The read's number: its `via` and operations cross to each worker once, with the first part of it, and are cited by number after. */
  read: number;
  via?: DelegatedPart['via'];
  operations?: DelegatedPart['operations'];
}

export type WorkerRequest =
  | { method: 'acquire'; accountId: string; region: string; action: string }
  | { method: 'putObject'; sha256: string; bytes: Uint8Array }
  | { method: 'delegatedPart'; queryId: string; accountId: string; region: string; params: QueryParameters };

export type FromWorker =
  | { type: 'rpc'; id: number; request: WorkerRequest }
  | { type: 'record'; record: ManifestRecord }
  | { type: 'attempts'; counts: [string, 'ok' | 'throttled' | 'error', number][] }
  | { type: 'log'; line: string }
  | { type: 'done'; callers: [string, string | null][]; usage: WorkerUsage }
  | { type: 'failed'; name: string; message: string };

export type ToWorker = { type: 'start'; input: WorkerInput } | { type: 'reply'; id: number; value?: unknown; error?: string };

/** What one worker process used, as it reports it when done (a parent's own resource usage does not include it). */
export interface WorkerUsage {
  /** User plus system CPU time, ms. */
  cpuMs: number;
  /** Peak resident set size, bytes. */
  maxRssBytes: number;
}

/**
 * How many worker processes collect: collect.workers (`auto`: one per core), never more than there are accounts; 1
 * collects in the collector's own process. A caller that brings its own limiters (the demo's simulated clock) collects
 * in its own process: a clock cannot be shared across processes.
 */
export function collectionWorkers(config: Config, accounts: number, opts: { rateLimits?: unknown }): number {
  if (opts.rateLimits) return 1;
  const wanted = config.collect.workers === 'auto' ? availableParallelism() : config.collect.workers;
  return Math.max(1, Math.min(wanted, accounts));
}

/** Accounts per worker, balanced by their number of tasks (largest first, each to the least loaded worker). */
export function partitionAccounts(tasks: readonly CollectionTask[], targets: readonly AccountTarget[], workers: number): string[][] {
  const load = new Map<string, number>(targets.map((t) => [t.accountId, 0]));
  for (const t of tasks) load.set(t.target.accountId, (load.get(t.target.accountId) ?? 0) + 1);
  const shares: { accounts: string[]; load: number }[] = Array.from({ length: workers }, () => ({ accounts: [], load: 0 }));
  const byLoad = [...load.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  for (const [accountId, n] of byLoad) {
    const least = shares.reduce((m, s) => (s.load < m.load || (s.load === m.load && s.accounts.length < m.accounts.length) ? s : m));
    least.accounts.push(accountId);
    least.load += n;
  }
  return shares.map((s) => s.accounts.sort()).filter((a) => a.length > 0);
}

/** The worker entry beside this module: the build's `.js`, or a bootstrap that loads the TypeScript sources. */
function workerEntry(): { url: URL; sourceEntry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./worker-from-sources.mjs', here), sourceEntry: new URL('./worker.ts', here).href };
  return { url: new URL('./worker.js', here) };
}

/** The last lines a worker process wrote to stderr, kept to name why it ended (its uncaught error is there). */
export class StderrTail {
  private text = '';
  private readonly decoder = new StringDecoder('utf8');
  add(chunk: Buffer): void {
    this.text = (this.text + this.decoder.write(chunk)).slice(-16_384);
  }
  /**
   * The line that names the worker's fatal error, empty when none did: V8's `FATAL ERROR: …` (heap limit), or the
   * head of the last stack printed (the line before its first `at …` frame: `Error: …`, `TypeError: …`,
   * `S3ServiceException: …`). Never a warning or Node's version line, which follow an uncaught error but are not it.
   */
  cause(): string {
    const lines = this.text.split('\n').map((l) => l.trim());
    const fatal = lines.find((l) => l.startsWith('FATAL ERROR:'));
    if (fatal) return scrubSecrets(fatal);
    for (let i = lines.length - 2; i >= 0; i--) {
      if (lines[i + 1].startsWith('at ') && lines[i] && !lines[i].startsWith('at ')) return scrubSecrets(lines[i]);
    }
    return '';
  }
}

export interface WorkerCollection {
  workers: number;
  config: Config;
  /**
   * The plan's tasks, handed over: the array is emptied once every worker has its share (at 1,000 accounts 250,000
   * tasks, some 30 MB, that this process would otherwise hold for the whole run).
   */
  tasks: CollectionTask[];
  targets: readonly AccountTarget[];
  store: EvidenceStore;
  log: Logger;
  callers: CallerIdentities;
  onRecord: (record: ManifestRecord) => void;
  /** Called once per organisation-wide read sealed as its own record (delegated-admin); no planned task. */
  onReadRecord: (record: ManifestRecord) => void;
  signal?: AbortSignal;
  onAttempt?: (action: string, outcome: 'ok' | 'throttled' | 'error') => void;
  now: () => Date;
  /** Each worker process's CPU and peak RSS, as it ends its share (the collector's own process usage leaves them out). */
  onWorkerUsage?: (usage: WorkerUsage) => void;
  /** The worker entry; default the collection worker beside this module. */
  entry?: URL;
  /** How long a started worker may take to say it is ready; default `WORKER_READY_TIMEOUT_MS`. */
  readyTimeoutMs?: number;
}

/**
 * How long a worker process may take from its start to its first message (`ready`). It loads the SDK's clients first,
 * 1 to 3 s of CPU; a worker that has not answered in two minutes is stuck (a starved task, a hung module load), and
 * the run stops with its name instead of waiting for it forever.
 */
export const WORKER_READY_TIMEOUT_MS = 120_000;

/**
 * Collects the planned tasks in worker processes, each for its own accounts. Every paced call of every worker takes
 * its token from the one limiter per account, region and operation kept here, and organisation-wide reads
 * (delegated-admin) are made once, here; workers store bodies through this process's store. Resolves when every
 * worker is done, or at once on abort (workers are killed, nothing is sealed); a worker that fails or crashes
 * stops the others and rejects, so a partial run is never sealed. A worker whose collector goes away (killed,
 * crashed) ends itself: it never collects for nobody.
 *
 * Processes rather than threads: each isolate loads the SDK clients its queries use (about 130 to 180 MB), so one
 * process holding every worker's isolate grows past what a process should hold; apart, each stays within its own.
 */
export async function collectInWorkers(run: WorkerCollection): Promise<void> {
  const { config, log } = run;
  const shares = partitionAccounts(run.tasks, run.targets, run.workers);
  const limits = new RateLimiterRegistry();
  const connections = new SharedConnections();
  const sdk = processSdkConfig();
  const callSlots = new ConcurrencyLimit(config.collect.concurrency);
  // Stops this process's own work for the workers (organisation-wide reads, limiter waits) on abort or on a worker's failure.
  const stop = new AbortController();
  const stopOnAbort = () => stop.abort(run.signal?.reason);
  if (run.signal?.aborted) stop.abort(run.signal.reason);
  else run.signal?.addEventListener('abort', stopOnAbort, { once: true });
  const delegated =
    config.collect.mode === 'delegated-admin'
      ? new DelegatedCollection(
          config,
          (accountId, region, credentials) => new AwsClientProvider({ accountId, region, credentials, maxAttempts: config.collect.maxAttempts, requestTimeoutMs: config.collect.requestTimeoutMs, callSlots, connections, sdk, rateLimits: limits, onAttempt: run.onAttempt, shareReads: true }),
          log,
          async (body, recordedAt) => {
            const record = await putEvidenceBody(run.store, body, recordedAt);
            run.onReadRecord(record);
            return record;
          },
          stop.signal,
          run.now,
        )
      : undefined;
  // Every worker's tasks: a member's part is let go once the last of them has taken it.
  delegated?.expect(run.tasks);
  const targetsById = new Map(run.targets.map((t) => [t.accountId, t]));
  const entry = run.entry ? { url: run.entry } : workerEntry();
  const workers: ChildProcess[] = [];
  const pending = new Set<Promise<unknown>>();
  let mainError: unknown;
  let onAbort: (() => void) | undefined;
  const clockOffsetMs = run.now().getTime() - Date.now();

  // Each organisation-wide read by number, and the reads whose `via` each worker already holds.
  const readNumbers = new WeakMap<object, number>();
  const viaSent = new Map<number, Set<number>>();
  let nextRead = 0;
  const serve = async (request: WorkerRequest, worker: number): Promise<unknown> => {
    if (request.method === 'acquire') {
      await limits.limiterFor(request.accountId, request.region, request.action)?.acquire(stop.signal);
      return undefined;
    }
    if (request.method === 'putObject') {
      const stored = await run.store.putObject(request.sha256, Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength));
      return { key: stored.key, ...(stored.versionId ? { versionId: stored.versionId } : {}), existed: stored.existed };
    }
    const query = queryById(request.queryId);
    if (!delegated || !query) return undefined;
    const task: CollectionTask = { query, target: { accountId: request.accountId, regions: [request.region], regionSource: 'configured' }, region: request.region, params: request.params, paced: false };
    const part = await delegated.packedPartFor(task);
    if (!part) return undefined;
    const { clients: _clients, signal: _signal, log: _log, once: _once, ...audit } = part.audit;
    let read = readNumbers.get(part.via);
    if (read === undefined) readNumbers.set(part.via, (read = nextRead++));
    let sent = viaSent.get(worker);
    if (!sent) viaSent.set(worker, (sent = new Set()));
    const first = !sent.has(read);
    sent.add(read);
    return { queryId: part.source.queryId, packed: part.packed, audit, read, ...(first ? { via: part.via, operations: part.operations } : {}) } satisfies WorkerDelegatedPart;
  };

  try {
    // The session the main process obtained while resolving targets: the worker needs no AssumeRole of its own.
    const sessions = new Map<string, AwsCredentialIdentity>();
    for (const t of run.targets) if (t.roleArn && t.credentials) sessions.set(t.accountId, await t.credentials());
    // A worker's input is let go once it is sent (at 1,000 accounts, 250,000 tasks). Built outside this async
    // function's frame, whose registers would otherwise keep the last share's tasks for the whole run.
    const inputs: (WorkerInput | undefined)[] = shares.map((accounts) => workerInput(run, accounts, targetsById, sessions, shares.length, clockOffsetMs));
    // Each worker has its share; the delegated reads keep only a count of takers per member part.
    run.tasks.length = 0;

    await new Promise<void>((resolve, reject) => {
      let running = inputs.length;
      let settled = false;
      const stopAll = () => {
        for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        stop.abort(err);
        stopAll();
        // A store write that failed here is the cause: its own error names the setting and the fix.
        reject(mainError instanceof Error ? mainError : err);
      };
      onAbort = () => {
        if (settled) return;
        settled = true;
        stopAll();
        resolve();
      };
      if (run.signal?.aborted) return onAbort();
      run.signal?.addEventListener('abort', onAbort, { once: true });

      const oldGenerationMb = workerOldGenerationMb(inputs.length);
      shares.forEach((accounts, i) => {
        const who = `collection worker ${i + 1} of ${inputs.length} (accounts ${accounts.join(', ')})`;
        const worker = fork(fileURLToPath(entry.url), 'sourceEntry' in entry && entry.sourceEntry ? [entry.sourceEntry] : [], {
          // Structured clone over the channel: evidence bytes and records cross as they are, not as JSON text.
          serialization: 'advanced',
          // Logs come over the channel; stderr is read to name the cause if the worker dies.
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          execArgv: collectionWorkerExecArgv(oldGenerationMb),
        });
        workers.push(worker);
        const readyMs = run.readyTimeoutMs ?? WORKER_READY_TIMEOUT_MS;
        const notReady = setTimeout(
          () =>
            fail(
              new EvidenceLockerError(`${who} did not say it was ready within ${readyMs / 1000} s of being started (it only loads its SDK clients first); it was stopped and nothing was sealed`, {
                hint: "the run is not sealed; check the task's CPU and memory (a starved or swapping task starts slowly) and collect again, or set collect.workers to 1 to collect in one process",
              }),
            ),
          readyMs,
        );
        const stderr = new StderrTail();
        worker.stderr?.on('data', (chunk: Buffer) => stderr.add(chunk));
        const send = (m: ToWorker | MessageBatch<ToWorker>) => {
          if (!worker.connected) return;
          try {
            // A write to a worker that has just died fails here, not as an 'error' event: its exit names the cause.
            worker.send(m, undefined, {}, () => undefined);
          } catch (err) {
            // Only a value that cannot be cloned throws: a fault of the collector's, never of the evidence.
            fail(new EvidenceLockerError(`${who}: could not send it a message: ${err instanceof Error ? err.message : String(err)}; nothing was sealed`, { hint: 'the run is not sealed; report this as a bug, and collect with collect.workers set to 1 meanwhile' }));
          }
        };
        // Replies of one turn go to the worker as one (see ChannelBatch); the input goes at once.
        const replies = new ChannelBatch<ToWorker>(send);
        let finished = false;
        worker.on('message', (message: FromWorker | { type: 'ready' } | MessageBatch<FromWorker>) => {
          for (const m of unbatch(message)) {
            if (settled) return;
            try {
              handle(m);
            } catch (err) {
              // A fault in this process's handling (a record, a log line): the run stops here rather than hang.
              fail(err instanceof Error ? err : new Error(String(err)));
            }
          }
        });
        const handle = (m: FromWorker | { type: 'ready' }) => {
          switch (m.type) {
            case 'ready':
              {
                clearTimeout(notReady);
                const input = inputs[i];
                inputs[i] = undefined;
                if (input) replies.now({ type: 'start', input });
              }
              break;
            case 'rpc': {
              const p = serve(m.request, i).then(
                (value) => replies.post({ type: 'reply', id: m.id, value }),
                (err: unknown) => {
                  mainError ??= err;
                  replies.post({ type: 'reply', id: m.id, error: err instanceof Error ? err.message : String(err) });
                },
              );
              pending.add(p);
              void p.finally(() => pending.delete(p));
              break;
            }
            case 'record':
              run.onRecord(m.record);
              break;
            case 'attempts':
              for (const [action, outcome, n] of m.counts) for (let k = 0; k < n; k++) run.onAttempt?.(action, outcome);
              break;
            case 'log':
              relayLog(log, m.line);
              break;
            case 'done':
              finished = true;
              for (const [accountId, arn] of m.callers) run.callers.record(accountId, arn);
              run.onWorkerUsage?.(m.usage);
              if (worker.connected) worker.disconnect();
              if (--running === 0 && !settled) {
                settled = true;
                resolve();
              }
              break;
            case 'failed':
              fail(new EvidenceLockerError(`${who} failed: ${scrubSecrets(m.name)}: ${scrubSecrets(m.message)}; nothing was sealed`, { hint: 'the run is not sealed; fix the cause and collect again (set collect.workers to 1 to collect in one process)' }));
              break;
          }
        };
        // Sends pass a callback, so this is a worker that could not be started (or killed), not a failed write.
        worker.on('error', (err) => fail(new EvidenceLockerError(`${who} could not be started: ${err.name}: ${scrubSecrets(err.message)}; nothing was sealed`, { hint: 'the run is not sealed; collect again, or set collect.workers to 1 to collect in one process', cause: err })));
        // 'close' comes once the worker has exited and its stderr has been read to the end, so its last words are in.
        worker.on('close', (code, signal) => {
          clearTimeout(notReady);
          if (finished) return;
          const cause = stderr.cause();
          const how = signal ? `was killed (${signal})` : `exited (code ${code})`;
          const why = cause ? `crashed: ${cause} (it ${how})` : signal === 'SIGKILL' ? `${how} before finishing, not by this collector (the kernel does this when memory runs out)` : `${how} before finishing`;
          fail(new EvidenceLockerError(`${who} ${why}; nothing was sealed`, { hint: 'the run is not sealed; collect again, or set collect.workers to 1 to collect in one process' }));
        });
      });
    });
  } finally {
    if (onAbort) run.signal?.removeEventListener('abort', onAbort);
    run.signal?.removeEventListener('abort', stopOnAbort);
    await Promise.all(workers.map(endWorker));
    // No store write of this thread outlives the run.
    await Promise.allSettled([...pending]);
    delegated?.destroy();
    connections.destroy();
  }
}

/** One worker's input: its accounts, with their sessions, and their tasks, the query by id. */
function workerInput(run: WorkerCollection, accounts: readonly string[], targetsById: ReadonlyMap<string, AccountTarget>, sessions: ReadonlyMap<string, AwsCredentialIdentity>, workers: number, clockOffsetMs: number): WorkerInput {
  const mine = new Set(accounts);
  const targets: WorkerTarget[] = [];
  const index = new Map<string, number>();
  for (const accountId of accounts) {
    const t = targetsById.get(accountId) as AccountTarget;
    const session = sessions.get(accountId);
    index.set(accountId, targets.length);
    targets.push({ accountId, ...(t.name ? { name: t.name } : {}), ...(t.roleArn ? { roleArn: t.roleArn } : {}), regions: t.regions, regionSource: t.regionSource, ...(session ? { session } : {}) });
  }
  const tasks = run.tasks
    .filter((t) => mine.has(t.target.accountId))
    .map((t) => ({ account: index.get(t.target.accountId) as number, queryId: t.query.id, region: t.region, params: t.params, paced: t.paced }));
  return {
    config: run.config,
    targets,
    tasks,
    // collect.concurrency stays the bound of the whole run, shared out among the workers.
    concurrency: Math.max(1, Math.ceil(run.config.collect.concurrency / workers)),
    logLevel: run.log.level,
    observeAttempts: run.onAttempt !== undefined,
    clockOffsetMs,
  };
}

/** Waits for a worker process to end, killing it if it has not (a finished worker exits by itself once let go). */
function endWorker(w: ChildProcess): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    w.once('exit', () => resolve());
    if (w.connected) w.disconnect();
    // A finished worker exits when the channel closes; one still at work (abort, failure) is killed at once.
    const killer = setTimeout(() => w.kill('SIGKILL'), 5_000);
    killer.unref();
    w.once('exit', () => clearTimeout(killer));
  });
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** A worker's log line, written again through the run's logger (its bindings and destination). */
function relayLog(log: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, time: _time, app: _app, pid: _pid, hostname: _hostname, ...fields } = entry;
  const name = typeof level === 'string' && LEVELS.has(level) ? (level as 'info') : 'info';
  log[name](fields, typeof msg === 'string' ? msg : '');
}
