import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trustKeysInStore } from '../support/trust.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { stringify as toYaml } from 'yaml';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { seededRandom } from '../../src/simulator/faults.js';
import { demoWorld, DEMO_ACCOUNT_ID, DEMO_REGIONS } from '../../src/simulator/worlds/demo.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { findOrphans } from '../../src/store/orphans.js';
import { verifyPackage } from '../../src/verify/package.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../faults/cli.js';
import { BUILD_TIMEOUT_MS, CHILD_TESTS_TIMEOUT_MS, buildCli, childEnv, runChild } from './child.js';

export interface CrashSuiteOptions {
  /** Names the suite, its temporary folder and its build. */
  name: string;
  /** The `store` section of the configuration, for a workspace folder (each probe gets its own store). */
  storeConfig: (dir: string) => Record<string, unknown>;
  /** The store that `storeConfig(dir)` names, opened directly for the checks. */
  openStore: (dir: string) => EvidenceStore;
  /** Environment the collector needs besides the simulated AWS (e.g. the evidence store's own credentials). */
  env?: () => Record<string, string>;
  /** Registers extra principals in the simulated world (e.g. the store's access key, so one key serves both). */
  prepareWorld?: (world: ReturnType<typeof demoWorld>) => void;
  trials?: number;
  seed?: number;
}

/** Queries of every simulated service; none paced by a published rate limit, so a run takes about a second. */
const QUERIES = 's3.bucket-encryption,s3.bucket-versioning,cloudtrail.trail-logging,config.recorder-status,guardduty.detector-enabled';

/**
 * kill -9 at seeded random moments of `collect` and of `package` (the built CLI as a child process, the simulated
 * demo account on loopback). After every kill: the next run succeeds, every sealed run verifies, no manifest
 * names a missing object, leftovers are reported as harmless orphans, and no partial zip ever sits under a
 * package's final name.
 */
export function defineCrashSuite(opts: CrashSuiteOptions): void {
  const TRIALS = opts.trials ?? 10;
  const savedEnv = { ...process.env };
  let cli: { bin: string };
  let sim: SimulatedAws;
  const ws = mkdtempSync(join(tmpdir(), `el-crash-${opts.name}-`));
  const storeDir = join(ws, 'store');
  const configFile = join(ws, 'evidence-locker.yaml');
  let env: NodeJS.ProcessEnv;
  const random = seededRandom(opts.seed ?? 20261127);

  /**
   * When to kill, from the child's start: seeded, uniform over the last three quarters of a probe run (the first part
   * is Node loading modules, where nothing is written yet) and a little beyond its end.
   */
  function killMoment(runMs: number): number {
    return Math.floor(runMs * (0.25 + random() * 0.85));
  }

  function writeConfig(file: string, store: string, state: string): void {
    writeFileSync(file, toYaml({ regions: { list: [...DEMO_REGIONS], home: 'us-east-1' }, store: opts.storeConfig(store), stateDir: state, log: { level: 'warn' }, collect: { maxAttempts: 3, requestTimeoutMs: 5000 } }));
  }

  beforeAll(async () => {
    cli = await buildCli();
    const world = demoWorld();
    opts.prepareWorld?.(world);
    sim = await startSimulatedAws({ world });
    const extra = { ...simulatorEnv(sim, DEMO_ACCOUNT_ID), ...(opts.env?.() ?? {}) };
    env = childEnv(extra);
    // The run after each crash goes through the CLI entry in this process (same code, no start-up cost).
    Object.assign(process.env, extra);
    writeConfig(configFile, storeDir, join(ws, 'state'));
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await sim?.close();
    rmSync(ws, { recursive: true, force: true });
  });

  /** Everything that must hold of the store after any crash. */
  async function checkStore(label: string): Promise<{ runs: number; orphans: string[] }> {
    const store = opts.openStore(storeDir);
    const runs = await store.listRuns();
    const named = new Set<string>();
    for (const runId of runs) {
      const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(runId)).manifest.toString('utf8')));
      for (const r of manifest.records) {
        named.add(r.sha256);
        expect(await store.hasObject(r.sha256), `${label}: run ${runId} names ${r.sha256}, which must be in the store`).toBe(true);
      }
    }
    if (runs.length) {
      const report = await verifyStoredRuns(store, { from: new Date(0), to: new Date(Date.now() + 86_400_000) }, { trust: await trustKeysInStore(store) });
      expect(report.problems, label).toEqual([]);
      expect(report.runs.map((r) => r.runId)).toEqual(runs);
      expect(report.ok, label).toBe(true);
    }
    const orphans = await findOrphans(store);
    for (const o of orphans) expect(named.has(o)).toBe(false);
    // The CLI reports them, as harmless, and store verification still passes with them present.
    const listed = await runCli(['-c', configFile, 'store', 'orphans']);
    expect(listed.code).toBe(ExitCode.ok);
    if (orphans.length) {
      expect(listed.stdout).toMatch(/harmless/);
      for (const o of orphans) expect(listed.stdout).toContain(o);
    } else expect(listed.stdout).toMatch(/no orphaned evidence bodies/);
    return { runs: runs.length, orphans };
  }

  describe(`kill -9 during collect (${opts.name} store)`, { timeout: CHILD_TESTS_TIMEOUT_MS }, () => {
    let runMs = 0;
    let killed = 0;

    beforeAll(async () => {
      // How long one run takes here (a separate store and key), to spread the kills over a whole run.
      const probe = join(ws, 'probe');
      mkdirSync(probe);
      writeConfig(join(probe, 'c.yaml'), join(probe, 'store'), join(probe, 'state'));
      const started = Date.now();
      const r = await runChild(cli.bin, ['-c', join(probe, 'c.yaml'), 'collect', '--queries', QUERIES], { env, cwd: probe });
      runMs = Date.now() - started;
      expect(r.code, r.stderr).toBe(ExitCode.ok);
    }, 240_000);

    it.each(Array.from({ length: TRIALS }, (_, i) => [i + 1]))('trial %i: killed at a random moment, then the next run succeeds and every sealed run verifies', async (trial) => {
      const killAfterMs = killMoment(runMs);
      const before = (await opts.openStore(storeDir).listRuns()).length;
      const crashed = await runChild(cli.bin, ['-c', configFile, 'collect', '--queries', QUERIES], { env, cwd: ws, killAfterMs });
      // Either the kill landed (the child ended by SIGKILL) or the run had already finished on its own, successfully.
      if (crashed.killed) killed++;
      else expect(crashed.code, crashed.stderr).toBe(ExitCode.ok);
      const afterCrash = await checkStore(`trial ${trial} after kill at ${killAfterMs} ms`);
      // A killed run is either sealed whole or absent.
      expect(afterCrash.runs - before).toBeLessThanOrEqual(1);

      const next = await runCli(['-c', configFile, 'collect', '--queries', QUERIES]);
      expect(next.code, next.stderr).toBe(ExitCode.ok);
      expect(next.stderr).not.toMatch(/evidence-locker: (error|unexpected)|unhandled/);
      const afterNext = await checkStore(`trial ${trial} next run`);
      expect(afterNext.runs).toBe(afterCrash.runs + 1);
    });

    it('the kills landed inside runs', () => {
      expect(killed).toBeGreaterThan(0);
    });
  });

  describe(`kill -9 during package (${opts.name} store)`, { timeout: CHILD_TESTS_TIMEOUT_MS }, () => {
    let runMs = 0;
    let killed = 0;
    let period: { from: string; to: string };
    let finalName = '';

    beforeAll(async () => {
      const store = opts.openStore(storeDir);
      let runs = await store.listRuns();
      if (runs.length === 0) {
        const r = await runChild(cli.bin, ['-c', configFile, 'collect', '--queries', QUERIES], { env, cwd: ws });
        expect(r.code, r.stderr).toBe(ExitCode.ok);
        runs = await store.listRuns();
      }
      const day = (id: string) => `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`;
      period = { from: day(runs[0]), to: day(runs[runs.length - 1]) };
      const out = join(ws, 'package-probe');
      const started = Date.now();
      const r = await runChild(cli.bin, ['-c', configFile, 'package', '--from', period.from, '--to', period.to, '--out', out], { env, cwd: ws });
      runMs = Date.now() - started;
      expect(r.code, r.stderr).toBe(ExitCode.ok);
      finalName = readdirSync(out).find((f) => f.endsWith('.zip'))!;
      expect(finalName).toBeTruthy();
    }, 240_000);

    it.each(Array.from({ length: TRIALS }, (_, i) => [i + 1]))('trial %i: killed at a random moment, no partial zip under the final name, the next package succeeds and clears the leftovers', async (trial) => {
      const killAfterMs = killMoment(runMs);
      const out = join(ws, `package-${trial}`);
      const args = ['-c', configFile, 'package', '--from', period.from, '--to', period.to, '--out', out];
      const crashed = await runChild(cli.bin, args, { env, cwd: ws, killAfterMs });
      if (crashed.killed) killed++;
      else expect(crashed.code, crashed.stderr).toBe(ExitCode.ok);

      // Killed before the output folder was made: nothing at all.
      const zips = existsSync(out) ? readdirSync(out, { withFileTypes: true }).filter((e) => e.name.endsWith('.zip')) : [];
      // The only zip ever present is the final one, and if it is there it is complete and valid.
      for (const z of zips) expect(z.name).toBe(finalName);
      if (zips.length) {
        const v = await verifyPackage(join(out, finalName));
        expect(v.problems, `trial ${trial}: zip left after a kill at ${killAfterMs} ms`).toEqual([]);
        expect(v.ok).toBe(true);
      }
      await checkStore(`package trial ${trial}`);

      const next = await runCli(args);
      expect(next.code, next.stderr).toBe(ExitCode.ok);
      expect(next.stdout.trim().split('\n').pop()).toBe(join(out, finalName));
      // What the killed run left (staging folder, partial zip) is gone after the next run: only the package remains.
      expect(readdirSync(out)).toEqual([finalName]);
      const v = await verifyPackage(join(out, finalName));
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
    });

    it('the kills landed inside runs', () => {
      expect(killed).toBeGreaterThan(0);
    });
  });
}
