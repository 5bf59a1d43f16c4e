import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trustKeysInStore } from '../support/trust.js';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { loadCatalogs } from '../../src/controls/load.js';
import { plannedQueries } from '../../src/collect/plan.js';
import { EvidenceBodySchema } from '../../src/evidence/record.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import type { SimFaults } from '../../src/simulator/faults.js';
import { demoWorld, DEMO_ACCOUNT_ID, DEMO_REGIONS } from '../../src/simulator/worlds/demo.js';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/worlds/organization.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from './cli.js';

/**
 * Collection under a hostile simulated AWS, through the CLI entry: throttling, server errors, timeouts,
 * connection resets, one service denied, credentials expiring mid-run. The run must complete, every missing
 * piece of evidence must be an error record (a gap), nothing may reject unhandled, `collect` exits 3, and the
 * package lists each gap.
 */

const catalogs = loadCatalogs([]);
const savedEnv = { ...process.env };
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
const dirs: string[] = [];

beforeAll(() => {
  process.on('unhandledRejection', onRejection);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

/** Lines of stderr that report a problem (the SDK's Node 20 support notice, emitted in-process, is not one). */
function problemsIn(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /evidence-locker: |unhandled|\[(WARN|ERROR)\]|"level":"(error|fatal)"/i.test(l));
}

/**
 * Queries of each service the simulated AWS implements (restXml, awsJson1_1, restJson1), one paced by a published
 * rate limit: every kind of fault reaches every protocol while the retries (throttling backs off from 500 ms, and
 * adaptive retry slows a throttled client down) keep the run to seconds.
 */
const FAULT_QUERIES = [
  's3.bucket-encryption',
  'cloudtrail.trail-logging',
  'cloudtrail.sensitive-activity',
  'config.recorder-status',
  'guardduty.detector-enabled',
  'guardduty.findings',
];

/** Sensitive events kept short: LookupEvents is paced at 2 requests per second per account and region. */
const SENSITIVE_EVENTS = ['StopLogging', 'ConsoleLogin'];

function workspace(config: Record<string, unknown>): { dir: string; configFile: string; storeDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'el-faults-'));
  dirs.push(dir);
  const storeDir = join(dir, 'store');
  const configFile = join(dir, 'evidence-locker.yaml');
  writeFileSync(
    configFile,
    toYaml({
      store: { kind: 'local', path: storeDir },
      stateDir: join(dir, 'state'),
      log: { level: 'error' },
      ...config,
    }),
  );
  return { dir, configFile, storeDir };
}

async function withSimulator<T>(world: Parameters<typeof startSimulatedAws>[0], accountId: string, fn: (sim: SimulatedAws) => Promise<T>): Promise<T> {
  const sim = await startSimulatedAws(world);
  Object.assign(process.env, simulatorEnv(sim, accountId));
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

async function onlyRun(storeDir: string): Promise<{ runId: string; manifest: RunManifest }> {
  const store = new LocalEvidenceStore(storeDir);
  const runs = await store.listRuns();
  expect(runs).toHaveLength(1);
  const run = await store.getRun(runs[0]);
  return { runId: runs[0], manifest: RunManifestSchema.parse(JSON.parse(run.manifest.toString('utf8'))) };
}

function expectedRecordIds(accounts: string[], regions: readonly string[], only?: string[]): string[] {
  // account.enabled-regions is part of every run, also one with an explicit --queries list.
  const queries = plannedQueries(catalogs, ['pci-dss-4.0.1', 'hipaa-security'], only && [...only, 'account.enabled-regions']);
  const ids: string[] = [];
  for (const a of accounts) for (const q of queries) for (const r of q.scope === 'global' ? ['global'] : regions) ids.push(`${q.id}/${a}/${r}`);
  return ids.sort();
}

/** Reads the CSV as rows of cells (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r') continue;
    else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

async function checkEveryRecord(storeDir: string, manifest: RunManifest): Promise<Map<string, { code: string; hint?: string }>> {
  const store = new LocalEvidenceStore(storeDir);
  const errors = new Map<string, { code: string; hint?: string }>();
  for (const rec of manifest.records) {
    const body = EvidenceBodySchema.parse(JSON.parse((await store.getObject(rec.sha256)).toString('utf8')));
    expect(body.status).toBe(rec.status);
    if (body.status === 'error') {
      // An error record says what failed: a code, a message and (for known causes) what to do.
      expect(body.error?.code, rec.recordId).toMatch(/\w/);
      expect(body.error?.message, rec.recordId).toMatch(/\w/);
      errors.set(rec.recordId, { code: body.error!.code, ...(body.error?.hint ? { hint: body.error.hint } : {}) });
    }
  }
  return errors;
}

/** Every error record shows up in controls.csv as a GAP reason on each requirement citing its query. */
async function checkPackageListsGaps(dir: string, configFile: string, manifest: RunManifest, errorRecords: string[]): Promise<void> {
  const day = manifest.startedAt.slice(0, 10);
  const out = join(dir, 'out');
  const pkg = await runCli(['-c', configFile, 'package', '--from', day, '--to', day, '--out', out]);
  expect(problemsIn(pkg.stderr)).toEqual([]);
  expect(pkg.code).toBe(ExitCode.ok);
  const zip = readdirSync(out).filter((f) => f.endsWith('.zip'));
  expect(zip).toHaveLength(1);
  const unzipped = join(dir, 'unzipped');
  await extractPackageZip(join(out, zip[0]), unzipped);
  const [header, ...rows] = parseCsv(readFileSync(join(unzipped, 'controls.csv'), 'utf8'));
  const col = (name: string) => header.indexOf(name);
  const byQuery = new Map<string, string[]>();
  for (const c of catalogs) for (const r of c.requirements) for (const q of r.queries) byQuery.set(q, [...(byQuery.get(q) ?? []), `${c.framework}/${r.id}`]);
  const html = readFileSync(join(unzipped, 'index.html'), 'utf8');
  for (const recordId of errorRecords) {
    const [queryId, accountId, region] = recordId.split('/');
    const citing = byQuery.get(queryId) ?? [];
    expect(citing.length, `${queryId} is cited by a requirement`).toBeGreaterThan(0);
    for (const req of citing) {
      const [framework, requirement] = req.split('/');
      const row = rows.find((r) => r[col('framework')] === framework && r[col('requirement')] === requirement && r[col('account')] === accountId);
      expect(row, `controls.csv row ${req} ${accountId}`).toBeDefined();
      expect(row![col('status')], `${req} ${accountId}`).not.toBe('pass');
      expect(row![col('reasons')], `${req} ${accountId} lists the gap of ${recordId}`).toContain(`GAP ${queryId} (${region})`);
    }
    expect(html, `index.html names ${queryId}`).toContain(queryId);
  }
}

describe('collection under injected faults (simulated AWS, CLI entry)', () => {
  it('30% throttling, 5% server errors, timeouts, resets and AccessDenied on GuardDuty: run completes, every gap is an error record, exit 3, package lists the gaps', async () => {
    const faults: SimFaults = {
      seed: 20260107,
      throttleRate: 0.3,
      serverErrorRate: 0.05,
      timeoutRate: 0.02,
      resetRate: 0.02,
      rules: [
        { service: 'guardduty', accessDenied: true },
        // One operation in one region that never answers, one whose connection is always reset: past every retry. Each
        // is its query's first call, so it is always made, and rules are drawn before the top-level rates.
        { service: 'config', operation: 'DescribeConfigurationRecorders', region: 'us-west-2', timeoutRate: 1 },
        { service: 'cloudtrail', operation: 'DescribeTrails', region: 'us-west-2', resetRate: 1 },
      ],
    };
    await withSimulator({ world: demoWorld(), faults }, DEMO_ACCOUNT_ID, async (sim) => {
      const { dir, configFile, storeDir } = workspace({
        regions: { list: [...DEMO_REGIONS], home: 'us-east-1' },
        collect: { maxAttempts: 3, requestTimeoutMs: 200, sensitiveEvents: SENSITIVE_EVENTS },
      });
      const collect = await runCli(['-c', configFile, 'collect', '--queries', FAULT_QUERIES.join(',')]);
      expect(problemsIn(collect.stderr)).toEqual([]);
      expect(collect.code).toBe(ExitCode.gaps);
      expect(collect.stdout).toMatch(/complete-with-gaps/);

      const stats = sim.stats().total;
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.timeouts).toBeGreaterThan(0);
      expect(stats.resets).toBeGreaterThan(0);

      const { runId, manifest } = await onlyRun(storeDir);
      expect(manifest.status).toBe('complete-with-gaps');
      // Nothing is silently missing: every planned query, account and region has a record, ok or error.
      expect(manifest.records.map((r) => r.recordId).sort()).toEqual(expectedRecordIds([DEMO_ACCOUNT_ID], DEMO_REGIONS, FAULT_QUERIES));
      const errors = await checkEveryRecord(storeDir, manifest);
      const guardduty = manifest.records.filter((r) => r.queryId.startsWith('guardduty.'));
      expect(guardduty.length).toBeGreaterThan(0);
      for (const r of guardduty) {
        expect(r.status, r.recordId).toBe('error');
        expect(errors.get(r.recordId)?.code).toMatch(/AccessDenied/);
        expect(errors.get(r.recordId)?.hint).toMatch(/grant this read-only action/);
      }
      // The operations that never succeed make error records.
      expect(errors.has(`config.recorder-status/${DEMO_ACCOUNT_ID}/us-west-2`)).toBe(true);
      expect(errors.has(`cloudtrail.trail-logging/${DEMO_ACCOUNT_ID}/us-west-2`)).toBe(true);
      // Every other error record comes from an injected transient fault past every retry, and says what to do.
      for (const [recordId, e] of errors) {
        if (recordId.startsWith('guardduty.')) continue;
        expect(e.code, recordId).toMatch(/Throttl|SlowDown|TooManyRequests|Internal|ServiceUnavailable|Unavailable|Timeout|ECONNRESET|socket hang up|^Error$/);
        expect(e.hint ?? `no hint: ${JSON.stringify(e)}`, recordId).toMatch(/retry|throttling/);
      }

      const verified = await verifyStoredRuns(new LocalEvidenceStore(storeDir), { runId }, { trust: await trustKeysInStore(new LocalEvidenceStore(storeDir)) });
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);

      sim.setFaults({});
      await checkPackageListsGaps(dir, configFile, manifest, [...errors.keys()]);
    });
    expect(rejections).toEqual([]);
  });

  it('assumed-role sessions that AWS ends mid-run are renewed and the refused calls sent again; a call refused again is an error record; the run is sealed', async () => {
    const world = organizationWorld({ accounts: 3, regions: ['us-east-1'] });
    const members = world.organization!.accountIds.filter((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID);
    // The simulator's clock moves 500 ms each time it is read (about twice per request), so sessions stop working
    // after some 60 requests although they claim an hour: expiry mid-run that depends on calls made, not on wall time.
    const start = Date.now();
    let ticks = 0;
    world.now = () => new Date(start + ++ticks * 500);
    const faults: SimFaults = { seed: 3, credentialTtlMs: 60_000 };
    await withSimulator({ world, faults }, ORG_MANAGEMENT_ACCOUNT_ID, async (sim) => {
      const { dir, configFile, storeDir } = workspace({
        accounts: { source: 'list', list: members.map((id) => ({ id })) },
        regions: { list: ['us-east-1'], home: 'us-east-1' },
        collect: { maxAttempts: 2, requestTimeoutMs: 2_000, concurrency: 4, sensitiveEvents: SENSITIVE_EVENTS },
      });
      const collect = await runCli(['-c', configFile, 'collect']);
      expect(problemsIn(collect.stderr)).toEqual([]);
      const { runId, manifest } = await onlyRun(storeDir);
      expect(manifest.records.map((r) => r.recordId).sort()).toEqual(expectedRecordIds(members, ['us-east-1']));
      const errors = await checkEveryRecord(storeDir, manifest);
      const expired = [...errors].filter(([, e]) => /ExpiredToken/.test(e.code));
      // Sessions ended many times (every ~60 requests of simulated time) and were renewed: each account assumed its
      // role again, and the refused calls went through on the new session. Only a call whose renewed session lapsed
      // too before it was sent (a LookupEvents call waiting for its 2-per-second turn) stays an error record.
      const stats = sim.stats();
      expect(stats.total.errors).toBeGreaterThan(members.length);
      expect(stats.byOperation['sts:AssumeRole'].ok).toBeGreaterThan(members.length);
      expect(expired.length).toBeLessThan(stats.total.errors);
      expect(manifest.records.filter((r) => r.status === 'ok').length).toBeGreaterThan(manifest.records.length * 0.75);
      for (const [, e] of expired) expect(e.hint).toMatch(/credentials were rejected or expired/);
      // Whether a paced call's second session lapses too depends on the order requests were served in.
      expect(collect.code).toBe(errors.size ? ExitCode.gaps : ExitCode.ok);

      const verified = await verifyStoredRuns(new LocalEvidenceStore(storeDir), { runId }, { trust: await trustKeysInStore(new LocalEvidenceStore(storeDir)) });
      expect(verified.ok).toBe(true);
      sim.setFaults({});
      await checkPackageListsGaps(dir, configFile, manifest, [...errors.keys()]);
    });
    expect(rejections).toEqual([]);
  });
});
