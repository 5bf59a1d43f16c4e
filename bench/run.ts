/**
 * `npm run bench`: one table of ratios, all measured in the same run on this machine.
 *   1. collection against the physical limit (simulated organisation, latency, AWS request quotas per account, region and operation)
 *   2. the seal's chain lookup with two earlier runs of a 1,000-account organisation in the store
 *   3. the S3 Object Lock store against a plain SDK PutObject loop (needs scripts/integration-env.sh)
 *   4. package and verify at 100,000 records
 *   5. daemon footprint
 * Options: --quick (small sizes, for the smoke test), --out <file> (results JSON; default bench/results.json,
 * bench/results-quick.json with --quick), --only <collection,seal,store,package,daemon>, --accounts <n,...> (organisation sizes),
 * --modes <per-account,delegated-admin> (collect.mode runs, default both), --node <path> (the Node binary
 * that runs the measured child processes: collector, package builder, daemon; e.g. Node 24, the production image's).
 * A full run also writes bench/RESULTS.md (bench/RESULTS-node<major>.md and results-node<major>.json with --node).
 */
import { availableParallelism, cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCollection, type CollectionBenchResult } from './collection.js';
import { benchDaemon, type DaemonBenchResult } from './daemon.js';
import { BENCH_CHILD_NODE, forkBenchChild } from './child.js';
import type { PackageChildAnswer, PackageChildRequest } from './package-child.js';
import type { PackageBenchResult } from './package.js';
import type { StoreBenchResult } from './store.js';
import { benchSeal, type SealBenchResult } from './seal.js';
import { S3StoreSchema } from '../src/config/schema.js';
import { silenceSdkNodeVersionWarning } from '../src/cli/sdk-warning.js';
import { formatRows, markdownTable, type BenchRow } from './table.js';

export const SECTIONS = ['collection', 'seal', 'store', 'package', 'daemon'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchArgs {
  quick: boolean;
  out?: string;
  only: Section[];
  /** Node binary for the measured child processes (default: this one). */
  node?: string;
  /** Organisation sizes of the collection section (member accounts), overriding the default sizes. */
  accounts?: number[];
  /** collect.mode runs of the collection section (default: both). */
  modes: CollectionMode[];
}

export const COLLECTION_MODES = ['per-account', 'delegated-admin'] as const;
export type CollectionMode = (typeof COLLECTION_MODES)[number];

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [...SECTIONS], modes: [...COLLECTION_MODES] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--node') {
      args.node = argv[++i];
      if (!args.node) throw new Error('--node: expected the path of a Node binary');
    }
    else if (a === '--accounts') {
      const sizes = (argv[++i] ?? '').split(',').map((x) => Number(x));
      if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--accounts: expected a comma-separated list of organisation sizes (member accounts), e.g. 100,1000, got "${argv[i] ?? ''}"`);
      args.accounts = sizes;
    } else if (a === '--modes') {
      const wanted = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = wanted.filter((w) => !(COLLECTION_MODES as readonly string[]).includes(w));
      if (unknown.length || !wanted.length) throw new Error(`--modes: expected a comma-separated list of ${COLLECTION_MODES.join(', ')}, got "${argv[i] ?? ''}"`);
      args.modes = wanted as CollectionMode[];
    } else if (a === '--only') {
      const wanted = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
      if (unknown.length || !wanted.length) throw new Error(`--only: expected a comma-separated list of ${SECTIONS.join(', ')}, got "${argv[i] ?? ''}"`);
      args.only = wanted as Section[];
    } else throw new Error(`unknown option "${a}"; options: --quick, --out <file>, --only <${SECTIONS.join(',')}>, --node <path>, --accounts <n,...>, --modes <${COLLECTION_MODES.join(',')}>`);
  }
  return args;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** Version of the Node binary given with --node, which ran the measured child processes. */
  childNode?: string;
  os: string;
  /** 1-minute load average at the start and at the end: other work on the machine skews every timing. */
  loadAverage: { start: number; end?: number };
}

function machine(): Machine {
  return {
    cpu: cpus()[0]?.model?.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverage: { start: Math.round(loadavg()[0] * 100) / 100 },
  };
}

const MB = 1024 * 1024;
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const failed = (metric: string, err: unknown): BenchRow => ({
  metric,
  measured: `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
  baseline: '',
  ratio: '',
  target: '',
  pass: false,
  note: err instanceof Error ? (err.stack ?? err.message) : String(err),
});

function sealRows(r: SealBenchResult): BenchRow[] {
  const mb = (b: number) => `${fmt(b / 2 ** 20, 0)} MB`;
  const above = (l: SealBenchResult['whole']) => l.peakRssBytes - l.rssBeforeBytes;
  return [
    {
      metric: `seal chain lookup, peak RSS above the loaded code, 2 earlier runs of ${r.records} records (${mb(r.manifestBytes)} manifests)`,
      measured: `${mb(above(r.headerOnly))} (records one at a time; peak ${mb(r.headerOnly.peakRssBytes)}, ${fmt(r.headerOnly.seconds, 1)} s)`,
      baseline: `${mb(above(r.whole))} (whole manifests at once; peak ${mb(r.whole.peakRssBytes)}, ${fmt(r.whole.seconds, 1)} s)`,
      ratio: fmt(above(r.headerOnly) / above(r.whole), 2),
      target: '-',
      pass: undefined,
      note: `The seal links a run to the latest run of its chain: it reads the candidates (the latest run, and the run that one links to) and checks their signatures. The seal's way: the signature over the whole bytes, the records cut out by a scan and each parsed and checked by the schema on its own, then let go; the rest parsed. Baseline: every candidate's whole manifest parsed at once (JSON and the schema), as before. Both found ${r.headerOnly.previous}.`,
    },
  ];
}

/** Member accounts one per-account collector process takes in the bench before the organisation is sharded over processes. */
const SHARD_ACCOUNTS = 250;

interface Sizes {
  /** Organisation sizes collected, each in both collection modes. */
  accounts: number[];
  /** Collector settings beyond the product defaults (quick runs search fewer CloudTrail event names). */
  collect?: Record<string, unknown>;
  regions: string[];
  storeRecords: number;
  /** Records of each of the two earlier runs the seal's chain lookup reads. */
  sealRecords: number;
  packageRecords: number;
  /** The period package: one run a day for `days` days over `accounts` accounts (one region, two queries). */
  period: { days: number; accounts: number };
  idleMs: number;
}

const FULL: Sizes = { accounts: [100, 1000], regions: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'], storeRecords: 2000, sealRecords: 246_000, packageRecords: 100_000, period: { days: 365, accounts: 100 }, idleMs: 5_000 };
const QUICK: Sizes = { accounts: [2], regions: ['us-east-1', 'eu-west-1'], collect: { sensitiveEvents: ['StopLogging', 'DeleteTrail'] }, storeRecords: 100, sealRecords: 2_000, packageRecords: 2_000, period: { days: 30, accounts: 5 }, idleMs: 1_000 };

function collectionRows(r: CollectionBenchResult): BenchRow[] {
  // The three slowest quota chains (every operation has a bucket; most are far from binding).
  const slowest = [...r.rateBounds].sort((a, b) => b.seconds - a.seconds).slice(0, 3);
  const rate = slowest.map((b) => `${b.action}: ${b.callsPerAccountRegion} calls per account-region, ${b.burst} at once then ${b.ratePerSecond}/s, plus one call's latency = ${fmt(b.seconds, 1)} s`).join('; ');
  return [
    {
      metric: `collection wall time, ${r.accounts} accounts x ${r.regions} regions (${r.records} records${r.shards > 1 ? `, ${r.shards} shard processes` : ''})`,
      measured: `${fmt(r.wallSeconds, 1)} s`,
      baseline: `${fmt(r.lowerBoundSeconds, 1)} s (lower bound)`,
      ratio: fmt(r.ratio),
      target: '<= 1.25',
      pass: r.ratio <= 1.25,
      note:
        `lower bound = max(rate limit ${fmt(r.rateBoundSeconds, 1)} s, latency ${fmt(r.latencyBoundSeconds, 1)} s); the ${r.binding} bound binds. ` +
        `Latency: ${r.calls} calls answered x ${r.meanLatencyMs} ms mean latency / collect.concurrency ${r.concurrency}. Slowest quota chains: ${rate || 'no quota-limited calls'}. ` +
        `Target discovery (Organizations, AssumeRole) took ${fmt(r.discoverySeconds, 1)} s of the wall time; collector CPU ${fmt(r.cpuSeconds, 1)} s. ` +
        `The sealed run${r.verified.runs > 1 ? 's' : ''} verified where stored once every collector had finished (verify --store: signature, chain link, ${r.verified.records} records, each record's body re-hashed and its size checked).`,
    },
    {
      // The same wall time against the rate-limit bound alone (the longest paced chain plus one call's latency), which
      // ignores how many requests may be in flight: the strictest reading of the physical limit.
      metric: `collection wall time vs the rate-limit bound alone (${r.accounts} accounts)`,
      measured: `${fmt(r.wallSeconds, 1)} s`,
      baseline: `${fmt(r.rateBoundSeconds, 1)} s (rate limit)`,
      ratio: fmt(r.wallSeconds / r.rateBoundSeconds),
      target: '<= 1.25',
      pass: r.wallSeconds / r.rateBoundSeconds <= 1.25,
    },
    {
      metric: `collection throttling errors surfaced as gaps (${r.accounts} accounts)`,
      measured: `${r.throttledGaps} (of ${r.errorRecords} error records: ${Object.entries(r.errorCodes).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}; ${r.throttledAttempts} throttled attempts retried)`,
      baseline: '',
      ratio: '',
      target: '0',
      pass: r.throttledGaps === 0,
    },
    ...(r.bareSdkCpuPerCallMs !== undefined
      ? [
          {
            // What of the collector's CPU per call is ours: the rest is the SDK's own, the floor of any collector built on it.
            metric: `collector CPU per SDK call vs the bare SDK's (${r.accounts} accounts)`,
            measured: `${fmt(r.cpuSeconds / r.calls * 1000)} ms`,
            baseline: `${fmt(r.bareSdkCpuPerCallMs)} ms (bare SDK)`,
            ratio: fmt(r.cpuSeconds / r.calls / (r.bareSdkCpuPerCallMs / 1000)),
            target: '-',
            note:
              `The bare SDK: warm EC2, IAM, KMS and S3 clients, collect.concurrency calls in flight, in the collector's process against a simulated AWS without quotas (small answers). ` +
              `Its CPU for this run's ${r.calls} calls is ${fmt((r.calls * r.bareSdkCpuPerCallMs) / 1000, 1)} s; on ${availableParallelism()} cores shared with the simulated AWS, no collector on this SDK finishes in less than ${fmt((r.calls * r.bareSdkCpuPerCallMs) / 1000 / availableParallelism(), 1)} s here.`,
          },
        ]
      : []),
    {
      metric: `collector peak RSS per process (${r.accounts} accounts${r.shards > 1 ? ` over ${r.shards} processes` : ''})`,
      measured:
        `${fmt(r.peakRssBytes / MB, 0)} MB (collector's process ${fmt(r.mainPeakRssBytes / MB, 0)} MB, its V8 heap in use at most ${fmt(r.peakHeapUsedBytes / MB, 0)} MB; ` +
        `its ${fmt(r.signing.manifestBytes / MB, 0)} MB manifest signed with a ${r.signing.algorithm === 'ed25519' ? 'local Ed25519 key (held whole)' : `KMS key (${r.signing.algorithm}, its digest: never held whole)`}` +
        (r.workerPeakRssBytes.length > 0
          ? `; ${r.workerPeakRssBytes.length} worker processes, the largest ${fmt(Math.max(...r.workerPeakRssBytes) / MB, 0)} MB; all processes' peaks add up to ${fmt(r.sumPeakRssBytes / MB, 0)} MB, at most what they held together)`
          : ')'),
      baseline: '',
      ratio: '',
      target: '< 512 MB',
      pass: r.peakRssBytes < 512 * MB,
    },
  ];
}

/** The delegated-admin run's rows, labelled, and how its calls and time compare with the per-account run of the same organisation. */
function delegatedAdminRows(d: CollectionBenchResult, perAccount: CollectionBenchResult | undefined): BenchRow[] {
  const rows = collectionRows(d).map((row) => ({ ...row, metric: `[delegated-admin] ${row.metric}` }));
  if (perAccount) {
    rows.push({
      metric: `calls made, delegated-admin vs per-account (${d.accounts} accounts x ${d.regions} regions)`,
      measured: `${d.calls} calls, ${fmt(d.wallSeconds, 1)} s`,
      baseline: `${perAccount.calls} calls, ${fmt(perAccount.wallSeconds, 1)} s (per-account)`,
      ratio: fmt(d.calls / perAccount.calls),
      target: '',
      note:
        `Same simulated organisation and quotas. Per-account: ${fmt(perAccount.ratio)} x its own lower bound (${fmt(perAccount.lowerBoundSeconds, 1)} s, ${perAccount.binding}); ` +
        `delegated-admin: ${fmt(d.ratio)} x (${fmt(d.lowerBoundSeconds, 1)} s, ${d.binding}). Delegated-admin reads Config rule compliance, the inventory and the configuration items of security groups, network ACLs, interfaces, routing, KMS keys (their state) and S3 buckets through the aggregator, findings through the administrators and sensitive activity through CloudTrail Lake; everything else is still per account.`,
    });
  }
  return rows;
}

function storeEnv(): { endpoint: string; bucket: string; region: string } | undefined {
  const endpoint = process.env.INTEGRATION_S3_ENDPOINT;
  const bucket = process.env.INTEGRATION_S3_BUCKET;
  if (!endpoint || !bucket || !process.env.AWS_ACCESS_KEY_ID) return undefined;
  return { endpoint, bucket, region: process.env.AWS_REGION ?? 'us-east-1' };
}

async function serverAnswers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

const STORE_METRIC = 'store records/s into the Object Lock server vs plain SDK PutObject (same concurrency)';
const STORE_SKIPPED = 'skipped: run scripts/integration-env.sh (eval "$(bash scripts/integration-env.sh)"; npm run bench)';

function storeRows(r: StoreBenchResult): BenchRow[] {
  return [
    {
      metric: `${STORE_METRIC}, ${r.records} x ${r.bodyBytes} B, concurrency ${r.concurrency}`,
      measured: `${fmt(r.storeRecordsPerSecond, 0)} records/s`,
      baseline: `${fmt(r.plainRecordsPerSecond, 0)} records/s`,
      ratio: fmt(r.ratio),
      target: '>= 0.8',
      pass: r.ratio >= 0.8,
    },
  ];
}

function packageRows(r: PackageBenchResult): BenchRow[] {
  const verifyRatio = r.sha256sumSeconds / r.verifySeconds;
  return [
    {
      metric: `package build, ${r.records} records in ${r.runs} runs (${fmt(r.zipBytes / MB, 0)} MB zip)`,
      measured: `${fmt(r.recordsPerSecond, 0)} records/s (${fmt(r.buildSeconds, 1)} s)`,
      baseline: '',
      ratio: '',
      target: '',
    },
    {
      metric: 'package build peak RSS (child process)',
      measured: `${fmt(r.peakRssMiB, 0)} MB`,
      baseline: '',
      ratio: '',
      target: '< 300 MB',
      pass: r.peakRssMiB < 300,
    },
    {
      metric: `verify throughput vs sha256sum over the same ${r.evidenceFiles}+ files (median of 3 alternating rounds)`,
      measured: `${fmt(r.verifySeconds, 2)} s`,
      baseline: `${fmt(r.sha256sumSeconds, 2)} s`,
      ratio: fmt(verifyRatio),
      target: '>= 0.8',
      pass: verifyRatio >= 0.8,
    },
  ];
}

/** The period package against the many-record package of the same bench run: build time per record, peak RSS. */
function periodRows(r: PackageBenchResult, base: PackageBenchResult | undefined): BenchRow[] {
  const perRecord = (x: PackageBenchResult) => x.buildSeconds / x.records;
  const ratio = base ? perRecord(r) / perRecord(base) : NaN;
  return [
    {
      metric: `period package build, ${r.days} days x ${r.accounts} accounts (${r.records} records, ${r.runs} runs), time per record vs the ${base ? `${base.runs}-run` : 'many-record'} package`,
      measured: `${fmt(r.buildSeconds, 1)} s (${fmt(r.recordsPerSecond, 0)} records/s)`,
      baseline: base ? `${fmt(base.recordsPerSecond, 0)} records/s` : '',
      ratio: base ? fmt(ratio) : '',
      target: '<= 2.0',
      ...(base ? { pass: ratio <= 2 } : {}),
    },
    {
      metric: `period package build peak RSS, ${r.days} days x ${r.accounts} accounts (child process)`,
      measured: `${fmt(r.peakRssMiB, 0)} MB`,
      baseline: base ? `${fmt(base.peakRssMiB, 0)} MB` : '',
      ratio: base ? fmt(r.peakRssMiB / base.peakRssMiB) : '',
      target: '< 300 MB',
      pass: r.peakRssMiB < 300,
    },
  ];
}

function daemonRows(r: DaemonBenchResult): BenchRow[] {
  return [
    {
      metric: `daemon idle RSS (schedule not firing, after ${fmt(r.idleMs / 1000, 0)} s idle) vs bare node http server`,
      measured: `${fmt(r.daemon.idleRssBytes / MB, 0)} MB`,
      baseline: `${fmt(r.bareNode.idleRssBytes / MB, 0)} MB`,
      ratio: fmt(r.daemon.idleRssBytes / r.bareNode.idleRssBytes),
      target: '< 100 MB',
      pass: r.daemon.idleRssBytes < 100 * MB,
    },
    {
      metric: 'daemon start-up: spawn to /healthz 200, vs bare node http server',
      measured: `${fmt(r.daemon.startupMs, 0)} ms`,
      baseline: `${fmt(r.bareNode.startupMs, 0)} ms`,
      ratio: fmt(r.daemon.startupMs / r.bareNode.startupMs),
      target: '',
    },
    {
      metric: 'daemon exit code after SIGTERM',
      measured: String(r.daemon.exitCode),
      baseline: '',
      ratio: '',
      target: '0',
      pass: r.daemon.exitCode === 0,
    },
  ];
}

export interface BenchResults {
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  rows: BenchRow[];
  details: Partial<{ collection: CollectionBenchResult; collectionDelegatedAdmin: CollectionBenchResult; collectionBySize: { accounts: number; perAccount?: CollectionBenchResult; delegatedAdmin?: CollectionBenchResult }[]; seal: SealBenchResult; store: StoreBenchResult | { skipped: string }; package: PackageBenchResult; periodPackage: PackageBenchResult; daemon: DaemonBenchResult }>;
}

export async function runBench(args: BenchArgs, say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BenchResults> {
  const sizes = args.quick ? QUICK : FULL;
  const m = machine();
  if (args.node) {
    const node = resolve(args.node);
    m.childNode = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    process.env[BENCH_CHILD_NODE] = node;
  }
  const startedAt = new Date().toISOString();
  const rows: BenchRow[] = [];
  const details: BenchResults['details'] = {};
  say(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB (${fmt(freemem() / 2 ** 30, 1)} GiB free), node ${m.node}${m.childNode ? ` (measured processes: node ${m.childNode})` : ''}, ${m.os}, load ${m.loadAverage.start}${args.quick ? ' (quick sizes)' : ''}`);

  if (args.only.includes('collection')) {
    details.collectionBySize = [];
    for (const accounts of args.accounts ?? sizes.accounts) {
      const size: NonNullable<BenchResults['details']['collectionBySize']>[number] = { accounts };
      details.collectionBySize.push(size);
      // One collector process holds one organisation's records up to sealing; beyond SHARD_ACCOUNTS accounts per-account mode
      // fans out over processes as ECS tasks would (`--shard i/n`), each process's memory measured on its own.
      const shards = Math.ceil(accounts / SHARD_ACCOUNTS);
      say(`collection: ${accounts} accounts x ${sizes.regions.length} regions${shards > 1 ? ` in ${shards} shard processes` : ''}, 30-80 ms per call, AWS request quotas ...`);
      if (args.modes.includes('per-account')) try {
        size.perAccount = await benchCollection({ accounts, regions: sizes.regions, latencyMs: [30, 80], shards, ...(sizes.collect ? { collect: sizes.collect } : {}) });
        rows.push(...collectionRows(size.perAccount));
      } catch (err) {
        rows.push(failed(`collection (${accounts} accounts)`, err));
      }
      if (args.modes.includes('delegated-admin')) try {
        say(`collection, collect.mode delegated-admin: the same ${accounts} accounts through their aggregator and administrators ...`);
        size.delegatedAdmin = await benchCollection({ accounts, regions: sizes.regions, latencyMs: [30, 80], mode: 'delegated-admin', ...(sizes.collect ? { collect: sizes.collect } : {}) });
        rows.push(...delegatedAdminRows(size.delegatedAdmin, size.perAccount));
      } catch (err) {
        rows.push(failed(`collection (delegated-admin, ${accounts} accounts)`, err));
      }
    }
    details.collection = details.collectionBySize[0]?.perAccount;
    details.collectionDelegatedAdmin = details.collectionBySize[0]?.delegatedAdmin;
  }

  if (args.only.includes('seal')) {
    say(`seal: the chain lookup with two earlier runs of ${sizes.sealRecords} records in the store, each way in a fresh child process ...`);
    try {
      const r = await benchSeal({ records: sizes.sealRecords });
      details.seal = r;
      rows.push(...sealRows(r));
    } catch (err) {
      rows.push(failed('seal chain lookup', err));
    }
  }

  if (args.only.includes('store')) {
    const env = storeEnv();
    if (!env || !(await serverAnswers(env.endpoint))) {
      say(`store: ${STORE_SKIPPED}`);
      details.store = { skipped: env ? `no answer from ${env.endpoint}` : 'INTEGRATION_S3_ENDPOINT, INTEGRATION_S3_BUCKET or AWS credentials not set' };
      rows.push({ metric: STORE_METRIC, measured: STORE_SKIPPED, baseline: '', ratio: '', target: '>= 0.8', pass: undefined });
    } else {
      say(`store: ${sizes.storeRecords} records each side into ${env.endpoint} ...`);
      try {
        const { benchStore } = await import('./store.js');
        const store = S3StoreSchema.parse({ kind: 's3', bucket: env.bucket, prefix: 'bench/', region: env.region, endpoint: env.endpoint, forcePathStyle: true, retention: { days: 1 } });
        const r = await benchStore({ store, records: sizes.storeRecords, bodyBytes: 2048 });
        details.store = r;
        rows.push(...storeRows(r));
      } catch (err) {
        rows.push(failed(STORE_METRIC, err));
      }
    }
  }

  if (args.only.includes('package')) {
    say(`package: ${sizes.packageRecords} records, build and verify in a child process ...`);
    try {
      const answer = await forkBenchChild<PackageChildRequest, PackageChildAnswer>('./package-child.js', { records: sizes.packageRecords });
      if (!answer.ok) throw new Error(answer.error);
      details.package = answer.result;
      rows.push(...packageRows(answer.result));
    } catch (err) {
      rows.push(failed('package and verify', err));
    }
    const { days, accounts } = sizes.period;
    say(`package: a ${days}-day period over ${accounts} accounts (one region, two queries), built in a child process ...`);
    try {
      const answer = await forkBenchChild<PackageChildRequest, PackageChildAnswer>('./package-child.js', { records: days * accounts * 2, accounts, regions: 1, queries: 2, verifyRounds: 0 });
      if (!answer.ok) throw new Error(answer.error);
      details.periodPackage = answer.result;
      rows.push(...periodRows(answer.result, details.package));
    } catch (err) {
      rows.push(failed('period package', err));
    }
  }

  if (args.only.includes('daemon')) {
    say('daemon: start-up and idle footprint of the built CLI ...');
    try {
      const r = await benchDaemon({ idleMs: sizes.idleMs });
      details.daemon = r;
      rows.push(...daemonRows(r));
    } catch (err) {
      rows.push(failed('daemon footprint', err));
    }
  }

  m.loadAverage.end = Math.round(loadavg()[0] * 100) / 100;
  return { quick: args.quick, startedAt, finishedAt: new Date().toISOString(), machine: m, rows, details };
}

export function resultsMarkdown(r: BenchResults): string {
  const m = r.machine;
  return [
    '# Benchmark results',
    '',
    `\`npm run bench${m.childNode ? ' -- --node <node ' + m.childNode + '>' : ''}\`, ${r.finishedAt.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}${m.childNode ? ` (collector, package builder and daemon on node ${m.childNode})` : ''}, ${m.os};`,
    `1-minute load average ${m.loadAverage.start} at the start, ${m.loadAverage.end ?? '?'} at the end (other work on the machine slows every timing).`,
    '',
    markdownTable(r.rows),
    '',
    'How to read it:',
    '- Collection: a simulated organisation on loopback answers every call after 30-80 ms and enforces AWS\'s request',
    '  quotas as token buckets per account, region and operation (src/aws/quotas.ts: documented values, and labelled',
    '  estimates where AWS publishes none). The lower bound is the larger of the longest quota chain (for each',
    '  account-region and operation, the calls beyond the bucket size / refill rate, plus one call\'s latency) and every call\'s',
    '  latency spread over `collect.concurrency` requests in flight. The collector runs in a child process, so the RSS',
    '  is its own.',
    '- Store: the same bodies, concurrency and server for both sides; the store adds Object Lock and integrity headers.',
    '- Verify: `sha256sum` over the extracted package files is the baseline (three rounds, alternating, medians); verify also checks signatures and the run chain.',
    '- Daemon: `evidence-locker daemon` from the built CLI with a schedule that does not fire during the measurement.',
    '',
    'Details of the run: bench/results.json.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // As in the CLI: the SDK's notice that its 2027 releases need Node 22 is not a benchmark result.
  silenceSdkNodeVersionWarning();
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const results = await runBench(args);
  process.stdout.write(`\n${formatRows(results.rows)}\n`);
  process.stdout.write(`machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, node ${results.machine.node}; load ${results.machine.loadAverage.start} -> ${results.machine.loadAverage.end}\n`);
  // Results go beside the bench sources (bench/), not beside the compiled files (dist/bench/).
  const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
  const suffix = results.machine.childNode ? `-node${results.machine.childNode.replace(/^v(\d+).*$/, '$1')}` : '';
  const out = args.out ? resolve(args.out) : join(benchDir, args.quick ? 'results-quick.json' : `results${suffix}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`results: ${out}\n`);
  if (!args.quick && !args.out && args.only.length === SECTIONS.length) {
    writeFileSync(join(benchDir, `RESULTS${suffix}.md`), resultsMarkdown(results));
    process.stdout.write(`table for the README: ${join(benchDir, `RESULTS${suffix}.md`)}\n`);
  }
  if (results.rows.some((r) => r.measured.startsWith('error:'))) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
