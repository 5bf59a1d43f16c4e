/**
 * Probe of the collector's cost per SDK call: one collection (in a child process, as the bench runs it) of a simulated
 * organisation of N member accounts x 4 regions, then CPU per call and the calls made per operation.
 *   npm run build --silent && node dist/bench/probe-ops.js [per-account|delegated-admin] [accounts] [runs]
 * PROBE_COLLECT='{"workers":1}' merges collect settings. Profile the collector with BENCH_CHILD_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof" (see bench/child.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR, ORG_EVENT_DATA_STORE_ID, DEFAULT_RATE_LIMITS } from '../src/simulator/index.js';
import { ConfigSchema } from '../src/config/schema.js';
import { forkBenchChild } from './child.js';
import type { CollectChildReport } from './collect-child.js';

const mode = process.argv[2] ?? 'per-account';
const accounts = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 1);
if (mode !== 'per-account' && mode !== 'delegated-admin') throw new Error(`mode must be per-account or delegated-admin, not ${mode}`);
if (!Number.isInteger(accounts) || accounts < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('accounts and runs must be positive integers');

const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const world = organizationWorld({ accounts: accounts + 1, regions, seed: 7, delegatedAdministrator: true });
const sim = await startSimulatedAws({ world, faults: { seed: 7, latencyMs: [30, 80], rateLimits: { ...DEFAULT_RATE_LIMITS } } });
const fmt = (n: number, d = 2) => n.toFixed(d);
try {
  for (let run = 1; run <= runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'probe-ops-'));
    try {
      const config = ConfigSchema.parse({
        organization: 'Probe',
        accounts: { source: 'organizations' },
        regions: { source: 'list', list: regions, home: regions[0] },
        store: { kind: 'local', path: join(dir, 'store') },
        stateDir: join(dir, 'state'),
        log: { level: 'silent' },
        collect: {
          // PROBE_COLLECT: further collect settings as JSON, e.g. '{"workers":1}' for one thread to profile.
          ...(process.env.PROBE_COLLECT ? (JSON.parse(process.env.PROBE_COLLECT) as object) : {}),
          ...(mode === 'delegated-admin' ? { mode, delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR, aggregatorRegion: regions[0], cloudtrailEventDataStore: `arn:aws:cloudtrail:${regions[0]}:${ORG_MANAGEMENT_ACCOUNT_ID}:eventdatastore/${ORG_EVENT_DATA_STORE_ID}` } } : {}),
        },
      });
      sim.resetStats();
      const load = loadavg()[0];
      const report = await forkBenchChild<unknown, CollectChildReport>('./collect-child.js', { config }, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID, regions[0]));
      const stats = sim.stats();
      const calls = stats.total.calls;
      console.log(
        `${mode} ${accounts} accounts x ${regions.length} regions, run ${run}/${runs}: calls ${calls}, records ${report.records}, ` +
          `wall ${fmt(report.wallMs / 1000, 1)} s, CPU ${fmt(report.cpuMs / 1000, 1)} s, CPU per call ${fmt(report.cpuMs / calls)} ms, ` +
          `peak RSS ${Math.round(report.maxRssBytes / 2 ** 20)} MB, load average ${fmt(load)} before / ${fmt(loadavg()[0])} after`,
      );
      if (run === runs) {
        const rows = Object.entries(stats.byOperation).sort((a, b) => b[1].calls - a[1].calls);
        for (const [op, c] of rows.slice(0, Number(process.env.PROBE_ROWS ?? 25))) console.log(`  ${op.padEnd(56)} ${String(c.calls).padStart(6)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await sim.close();
}
