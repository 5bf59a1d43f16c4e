/**
 * A collection worker process: collects its share of the accounts (see workers.ts). Paced calls take their tokens,
 * organisation-wide reads come, and evidence bodies are stored, through the collector's process, by message.
 */
import { deserialize } from 'node:v8';
import { createLogger } from '../log/logger.js';
import { peakRssBytes } from '../peak-rss.js';
import { PUBLISHED_RATE_LIMITS, RateLimiter, RateLimiterRegistry } from '../aws/rate-limit.js';
import { putEvidenceBody } from '../seal/seal.js';
import { keepCanonical } from '../seal/canonical.js';
import { queryById } from '../queries/index.js';
import { delegatedSourceFor } from '../queries/delegated/index.js';
import { answersRegion } from '../queries/delegated/types.js';
import { readOnce } from '../queries/delegated/read-once.js';
import type { AwsClientProvider } from '../aws/clients.js';
import { executeTasks, type DelegatedParts } from './execute.js';
import { CallerIdentities } from './provenance.js';
import { assumedRoleCredentials, type AccountTarget } from './targets.js';
import type { CollectionTask } from './plan.js';
import { ChannelBatch, unbatch, type MessageBatch } from './channel-batch.js';
import type { FromWorker, ToWorker, WorkerDelegatedPart, WorkerInput, WorkerRequest } from './workers.js';

const channel = process.send?.bind(process);
if (!channel) throw new Error('the collection worker runs only as a worker process (src/collect/workers.ts starts it)');
// Messages of one turn go to the collector as one (see ChannelBatch).
const outgoing = new ChannelBatch<FromWorker | { type: 'ready' }>((m) => {
  // The collector's process is gone (killed, crashed): its 'disconnect' below ends this one.
  if (process.connected) channel(m);
});
const post = (m: FromWorker) => outgoing.post(m);
// Without the collector there is no one to collect for: end at once rather than call AWS for nobody.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the terminal's whole process group, and a service manager may signal every process of the service:
// the collector decides (it aborts the run and kills its workers; a worker whose collector is gone ends above).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);

let nextId = 0;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const input = await new Promise<WorkerInput>((resolve) => {
  process.on('message', (message: ToWorker | MessageBatch<ToWorker>) => {
    for (const m of unbatch(message)) {
      if (m.type === 'start') {
        resolve(m.input);
        continue;
      }
      const w = waiting.get(m.id);
      if (!w) continue;
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.value);
    }
  });
  // Listening now: the input may come (it is sent only on this message, so none is lost before the listener).
  outgoing.now({ type: 'ready' });
});
const { config } = input;
function ask<T>(request: WorkerRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'rpc', id, request });
  });
}

/** A limiter whose tokens come from the collector's one limiter for this account, region and operation. */
class SharedLimiter extends RateLimiter {
  constructor(private readonly key: { accountId: string; region: string; action: string }) {
    super(1);
  }
  override async acquire(): Promise<void> {
    await ask({ method: 'acquire', ...this.key });
  }
}

class SharedLimiters extends RateLimiterRegistry {
  private readonly shared = new Map<string, SharedLimiter>();
  override limiterFor(accountId: string, region: string, action: string): RateLimiter | undefined {
    if (PUBLISHED_RATE_LIMITS[action] === undefined) return undefined;
    const key = `${accountId}/${region}/${action}`;
    let l = this.shared.get(key);
    if (!l) this.shared.set(key, (l = new SharedLimiter({ accountId, region, action })));
    return l;
  }
}

// Log lines go to the collector's logger, which adds the run's bindings and writes them where it writes.
const log = createLogger({ level: input.logLevel, destination: { write: (line: string) => post({ type: 'log', line }) } });

const attempts = new Map<string, number>();
const flushAttempts = () => {
  if (attempts.size === 0) return;
  post({ type: 'attempts', counts: [...attempts].map(([k, n]) => [...(k.split('\t') as [string, 'ok' | 'throttled' | 'error']), n]) });
  attempts.clear();
};
// Metrics go in batches: one message per attempt would cost more than the attempt's own bookkeeping.
const flushTimer = input.observeAttempts ? setInterval(flushAttempts, 250) : undefined;
flushTimer?.unref();

const targets: AccountTarget[] = input.targets.map((t) => ({
  accountId: t.accountId,
  ...(t.name ? { name: t.name } : {}),
  ...(t.roleArn ? { roleArn: t.roleArn, credentials: assumedRoleCredentials(config, t.roleArn, t.session) } : {}),
  regions: t.regions,
  regionSource: t.regionSource,
}));
const tasks: CollectionTask[] = input.tasks.map((t) => {
  const query = queryById(t.queryId);
  if (!query) throw new Error(`query ${t.queryId} is not known to the collection worker`);
  return { target: targets[t.account], query, region: t.region, params: t.params, paced: t.paced };
});

const limits = new SharedLimiters();
const callers = new CallerIdentities();

/** delegated-admin in a worker: the member's part comes from the collector's one organisation-wide read. */
function delegatedParts(auditProviders: (accountId: string, region: string, credentials: AccountTarget['credentials']) => AwsClientProvider): DelegatedParts {
  const settings = config.collect.delegatedAdmin;
  const credentials = settings?.roleArn ? assumedRoleCredentials(config, settings.roleArn) : undefined;
  const providers = new Map<string, AwsClientProvider>();
  const vias = new Map<number, { via: WorkerDelegatedPart['via'] & object; operations: readonly string[] }>();
  return {
    async partFor(task) {
      const wanted = delegatedSourceFor(task.query.id);
      if (!settings || !wanted || !answersRegion(wanted, task.region)) return undefined;
      const got = await ask<WorkerDelegatedPart | undefined>({ method: 'delegatedPart', queryId: task.query.id, accountId: task.target.accountId, region: task.region, params: task.params });
      const source = got && delegatedSourceFor(got.queryId);
      if (!got || !source) return undefined;
      let clients = providers.get(got.audit.region);
      if (!clients) providers.set(got.audit.region, (clients = auditProviders(settings.accountId, got.audit.region, credentials)));
      // The read's provenance came with its first part to this worker; kept frozen, its canonical JSON written once.
      if (got.via) vias.set(got.read, { via: keepCanonical(got.via), operations: got.operations ?? [] });
      const read = vias.get(got.read);
      if (!read) throw new Error(`the collector cited organisation-wide read ${got.read} for ${task.query.id} in ${task.target.accountId} ${task.region} without sending its provenance first`);
      return { source, part: deserialize(got.packed), audit: { ...got.audit, clients, signal: undefined, log, once: readOnce() }, via: read.via, operations: read.operations };
    },
    destroy() {
      for (const p of providers.values()) p.destroy();
      providers.clear();
    },
  };
}

try {
  await executeTasks({
    config,
    tasks,
    log,
    now: () => new Date(Date.now() + input.clockOffsetMs),
    ...(input.observeAttempts ? { onAttempt: (action: string, outcome: 'ok' | 'throttled' | 'error') => attempts.set(`${action}\t${outcome}`, (attempts.get(`${action}\t${outcome}`) ?? 0) + 1) } : {}),
    rateLimits: limits,
    auditRateLimits: limits,
    concurrency: input.concurrency,
    callers,
    delegated: config.collect.mode === 'delegated-admin' ? delegatedParts : undefined,
    // Hashed here, stored through the collector's store.
    writeBody: (body, recordedAt) => putEvidenceBody({ putObject: (sha256, bytes) => ask({ method: 'putObject', sha256, bytes }) }, body, recordedAt),
    onRecord: (record) => post({ type: 'record', record }),
  });
  flushAttempts();
  const sessions = await callers.sessions(targets, false);
  const usage = process.resourceUsage();
  outgoing.now({ type: 'done', callers: sessions.map((s) => [s.accountId, s.callerArn]), usage: { cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssBytes: peakRssBytes() } });
} catch (err) {
  flushAttempts();
  const e = err instanceof Error ? err : new Error(String(err));
  outgoing.now({ type: 'failed', name: e.name, message: e.message });
} finally {
  if (flushTimer) clearInterval(flushTimer);
}
