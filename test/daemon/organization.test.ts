/**
 * Many accounts, end to end against the simulated AWS: Organizations discovery, enabled regions, accounts
 * whose role is missing or denies us as gaps, and a sharded collection where each shard, fired by the daemon,
 * seals its own manifest and together the shards cover every account exactly once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EventEmitter } from 'node:events';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, type SimulatedAws } from '../../src/simulator/index.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { resolveTargets, shardOf } from '../../src/collect/targets.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { openStore } from '../../src/store/open-store.js';
import { openSigner } from '../../src/aws/open-signer.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { DEFAULT_REGIONS, OPT_IN_REGIONS, isRegionUsable } from '../../src/simulator/regions.js';
import { EvidenceDaemon } from '../../src/daemon/daemon.js';
import type { Scheduler } from '../../src/daemon/schedule.js';
import { capturedLogger } from '../support/capture-log.js';
import { collectAction } from '../../src/daemon/actions.js';

let sim: SimulatedAws;
let dir: string;
const saved = { ...process.env };
/** af-south-1 is an opt-in region: enabled in these accounts, so discovery must find it. */
const REGIONS = ['us-east-1', 'af-south-1'];

const quiet = () => capturedLogger('info');

function config(extra: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    accounts: { source: 'organizations' },
    regions: { source: 'enabled', home: 'us-east-1' },
    store: { kind: 'local', path: join(dir, 'store') },
    stateDir: join(dir, 'state'),
    collect: { maxAttempts: 2 },
    daemon: { healthPort: 0 },
    ...extra,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'el-org-'));
  sim = await startSimulatedAws({ world: organizationWorld({ accounts: 6, regions: REGIONS, missingRoleAccounts: 1, deniedRoleAccounts: 1, seed: 7 }) });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});

afterAll(async () => {
  process.env = saved;
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('organization discovery against the simulated AWS', () => {
  it('lists the organization, probes every account, and records the unreachable ones as gaps', async () => {
    const { log } = quiet();
    const { targets, gaps } = await resolveTargets(config(), {}, log);
    const all = sim.world.organization!.accountIds;
    expect(targets.length + gaps.length).toBe(all.length);
    // The management account has no member role here (StackSets skip it; it needs its own stack), and two
    // members have a missing or refusing role: three gaps, each naming the role, the others collected.
    expect(gaps).toHaveLength(3);
    expect(gaps.map((g) => g.accountId)).toContain(ORG_MANAGEMENT_ACCOUNT_ID);
    for (const g of gaps) expect(g.reason).toMatch(/could not assume arn:aws:iam::\d{12}:role\/EvidenceLockerReadOnly: AccessDenied/);
    for (const t of targets) {
      expect(t.regionSource).toBe('enabled');
      const account = sim.world.account(t.accountId)!;
      expect(t.regions).toEqual([...DEFAULT_REGIONS, ...OPT_IN_REGIONS].filter((r) => isRegionUsable(account, r)).sort());
      expect(t.regions).toContain('af-south-1');
      expect(t.regions).not.toContain('me-south-1');
    }
  });
});

describe('a sharded collection fired by the daemon', () => {
  it('each shard seals its own chain for the same slot, and together they cover every reachable account once', async () => {
    const { log, lines } = quiet();
    // Configured regions keep this run small; discovery of enabled regions is covered above.
    const cfg = config({ frameworks: ['pci-dss-4.0.1'], regions: { source: 'list', list: REGIONS, home: 'us-east-1' } });
    const catalogs = loadCatalogs(cfg.catalogDirs);
    const store = await openStore(cfg.store, { log });
    await store.preflight();
    const signer = await openSigner(cfg, { log });
    const scheduler: Scheduler = { schedule: () => ({ stop: () => undefined, nextRun: () => null }) };
    const at = new Date('2026-03-01T02:00:00Z');
    for (const index of [1, 2]) {
      const daemon = new EvidenceDaemon({
        config: { ...cfg, schedules: [{ name: 'nightly', action: 'collect', cron: '0 2 * * *', timezone: 'UTC' }] },
        actions: { collect: collectAction({ config: cfg, catalogs, store, signer, shard: { index, count: 2 } }) },
        log,
        scheduler,
        signals: new EventEmitter(),
        healthHost: '127.0.0.1',
      });
      await daemon.start();
      const summary = await daemon.fire(daemon.schedules[0], at);
      expect(['complete', 'complete-with-gaps']).toContain(summary.outcome);
      await daemon.stop();
    }
    const manifests = await Promise.all((await store.listRuns()).map(async (id) => RunManifestSchema.parse(JSON.parse((await store.getRun(id)).manifest.toString('utf8')))));
    expect(manifests.map((m) => m.chain).sort()).toEqual(['shard-1-of-2', 'shard-2-of-2']);
    for (const m of manifests) expect(m.shard).toMatchObject({ count: 2, slot: '2026-03-01' });
    // Scope lists every account of the shard, reached or recorded as a gap.
    const reachable = sim.world.organization!.accountIds;
    const covered = manifests.flatMap((m) => m.scope.accounts);
    expect([...covered].sort()).toEqual([...reachable].sort());
    expect(new Set(covered).size).toBe(covered.length);
    for (const m of manifests) for (const a of m.scope.accounts) expect(shardOf(a, 2)).toBe(m.shard!.index);
    // Every record belongs to an account of its own shard, and every line of a run carries its job id.
    for (const m of manifests) for (const r of m.records) expect(shardOf(r.accountId, 2)).toBe(m.shard!.index);
    const runLines = lines.filter((l) => l.runId !== undefined);
    expect(runLines.length).toBeGreaterThan(0);
    for (const l of runLines) expect(l.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });
});
