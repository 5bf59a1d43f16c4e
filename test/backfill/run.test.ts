import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runBackfill, BACKFILL_CHAIN } from '../../src/backfill/run.js';
import { RECONSTRUCTORS } from '../../src/backfill/reconstructors.js';
import { queryById } from '../../src/queries/index.js';
import { EvidenceBodySchema, type EvidenceBody } from '../../src/evidence/record.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { DEMO_ACCOUNT_ID, DEMO_REGIONS } from '../../src/simulator/worlds/demo.js';
import { demoWorldWithHistory } from '../../src/simulator/worlds/demo-aws-history.js';
import { ConfigError } from '../../src/errors.js';
import { runCollection } from '../../src/collect/run.js';
import { main } from '../../src/cli/main.js';

const log = createLogger({ level: 'silent' });
const catalogs = loadCatalogs([]);
const DAY = 86_400_000;
const NOW = new Date();
const dayBefore = (k: number) => new Date(NOW.getTime() - k * DAY).toISOString().slice(0, 10);
let sim: SimulatedAws;
const savedEnv = { ...process.env };

function setup(): { config: Config; store: LocalEvidenceStore; signer: LocalEd25519Signer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'el-backfill-'));
  const config = ConfigSchema.parse({
    regions: { list: [...DEMO_REGIONS], home: 'us-east-1' },
    store: { kind: 'local', path: join(dir, 'store') },
    stateDir: join(dir, 'state'),
    collect: { maxAttempts: 3, requestTimeoutMs: 5000 },
  });
  return { config, store: new LocalEvidenceStore(join(dir, 'store')), signer: LocalEd25519Signer.open(join(dir, 'keys')), dir };
}

async function manifests(store: LocalEvidenceStore): Promise<RunManifest[]> {
  const out: RunManifest[] = [];
  for (const id of await store.listRuns()) out.push(RunManifestSchema.parse(JSON.parse((await store.getRun(id)).manifest.toString('utf8'))));
  return out;
}

async function body(store: LocalEvidenceStore, m: RunManifest, queryId: string, region: string): Promise<EvidenceBody> {
  const rec = m.records.find((r) => r.queryId === queryId && r.region === region)!;
  return EvidenceBodySchema.parse(JSON.parse((await store.getObject(rec.sha256)).toString('utf8')));
}

function judge(b: EvidenceBody, region: string) {
  const q = queryById(b.queryId)!;
  return q.evaluate(JSON.parse(JSON.stringify(b.data)), {}, { accountId: b.accountId, region, collectedAt: `${b.reconstruction!.asOf}T23:59:59.999Z` });
}

beforeAll(async () => {
  sim = await startSimulatedAws({ world: demoWorldWithHistory(90, NOW) });
  Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim.close();
});

describe('backfill against the simulated demo account with 90 days of AWS history', () => {
  const env = setup();
  let byDay: Map<string, RunManifest>;

  it('rebuilds 90 days, one sealed reconstruction run per day in the backfill chain, each linked to the one before', async () => {
    const progress: string[] = [];
    const outcome = await runBackfill({ ...env, catalogs, log, from: dayBefore(90), onProgress: (p) => progress.push(`${p.day} ${p.status}`) });
    expect(outcome.days).toHaveLength(90);
    expect(outcome.days.every((d) => d.status === 'sealed')).toBe(true);
    expect(progress).toHaveLength(90);
    expect(outcome.to).toBe(dayBefore(1));
    expect(outcome.reconstructed.sort()).toEqual([...RECONSTRUCTORS.keys()].sort());
    expect(outcome.notReconstructed.map((n) => n.queryId)).toContain('iam.password-policy');
    const all = await manifests(env.store);
    expect(all).toHaveLength(90);
    byDay = new Map(all.map((m) => [m.reconstruction!.asOf, m]));
    expect(byDay.size).toBe(90);
    for (const m of all) {
      expect(m.chain).toBe(BACKFILL_CHAIN);
      expect(m.runId).toContain(`-backfill-${m.reconstruction!.asOf.replace(/-/g, '')}-`);
      // Sealed now, about a past day: its own start time is today, never the day it rebuilt.
      expect(m.startedAt.slice(0, 10)).toBe(NOW.toISOString().slice(0, 10));
    }
    const sorted = [...all].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.completedAt.localeCompare(b.completedAt));
    expect(sorted[0].previous).toBeNull();
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].previous?.runId).toBe(sorted[i - 1].runId);
  }, 240_000);

  it('each rebuilt record names its source and day; the drift of the demo history shows on the days it happened', async () => {
    const pab = await body(env.store, byDay.get(dayBefore(9))!, 's3.public-access-block', 'global');
    expect(pab.status).toBe('ok');
    expect(pab.reconstruction?.asOf).toBe(dayBefore(9));
    expect(pab.reconstruction?.sources.some((s) => s.api === 'config:GetResourceConfigHistory' && s.resourceId === 'demo-production-access-logs' && s.time)).toBe(true);
    expect(pab.operations).toEqual(expect.arrayContaining(['config:ListDiscoveredResources', 'config:GetResourceConfigHistory']));
    const bucket = (b: EvidenceBody) => judge(b, 'us-east-1').find((r) => r.resource === 'demo-production-access-logs')!.status;
    expect(bucket(pab)).toBe('fail');
    expect(bucket(await body(env.store, byDay.get(dayBefore(8))!, 's3.public-access-block', 'global'))).not.toBe('fail');
    expect(bucket(await body(env.store, byDay.get(dayBefore(10))!, 's3.public-access-block', 'global'))).not.toBe('fail');

    const trail = (b: EvidenceBody) => judge(b, 'us-east-1').find((r) => r.resource.endsWith(':trail/management-events'))!;
    const stopped = await body(env.store, byDay.get(dayBefore(6))!, 'cloudtrail.trail-logging', 'us-east-1');
    expect(trail(stopped).status).toBe('fail');
    expect(trail(stopped).reason).toMatch(/logging is stopped since/);
    expect(stopped.reconstruction?.sources.some((s) => s.api === 'cloudtrail:LookupEvents' && s.detail.startsWith('StopLogging by mallory.contractor'))).toBe(true);
    expect(trail(await body(env.store, byDay.get(dayBefore(5))!, 'cloudtrail.trail-logging', 'us-east-1')).status).toBe('fail');
    expect(trail(await body(env.store, byDay.get(dayBefore(4))!, 'cloudtrail.trail-logging', 'us-east-1')).status).toBe('pass');
    expect(trail(await body(env.store, byDay.get(dayBefore(7))!, 'cloudtrail.trail-logging', 'us-east-1')).status).toBe('pass');

    const cardholder = (b: EvidenceBody) => judge(b, 'us-east-1').find((r) => r.reason.includes('Cardholder data environment'))!.status;
    // Automatic rotation was off that day, but ListKeyRotations shows its material rotated 255 days before: within 365 days.
    const off = judge(await body(env.store, byDay.get(dayBefore(20))!, 'kms.key-rotation', 'us-east-1'), 'us-east-1').find((r) => r.reason.includes('Cardholder data environment'))!;
    expect(off.status).toBe('pass');
    expect(off.reason).toMatch(/does not rotate its key material automatically, but its key material was last rotated on \d{4}-\d\d-\d\d \(AUTOMATIC, ListKeyRotations\)/);
    expect(cardholder(await body(env.store, byDay.get(dayBefore(14))!, 'kms.key-rotation', 'us-east-1'))).toBe('pass');
    // The period comes from the EnableKeyRotation event (365 when it names none): without it the key would only need review.
    const enabledBy = judge(await body(env.store, byDay.get(dayBefore(14))!, 'kms.key-rotation', 'us-east-1'), 'us-east-1').find((r) => r.reason.includes('Cardholder data environment'))!;
    expect(enabledBy.reason).toContain('rotates automatically every 365 days');
    const legacy = judge(await body(env.store, byDay.get(dayBefore(3))!, 'kms.key-rotation', 'us-east-1'), 'us-east-1').find((r) => r.reason.includes('Application secrets'))!;
    expect(legacy.status).toBe('fail');
    expect(legacy.reason).toContain('(ListKeyRotations records no rotation)');
  });

  it('yesterday rebuilt judges every resource as a collection today does (nothing drifted since), query by query', async () => {
    const live = setup();
    const rebuiltQueries = [...RECONSTRUCTORS.keys()].filter((q) => q !== 'cloudtrail.sensitive-activity');
    const run = await runCollection({ ...live, catalogs, log, queries: rebuiltQueries });
    const collected = (await manifests(live.store)).find((m) => m.runId === run.runId)!;
    const yesterday = byDay.get(dayBefore(1))!;
    const verdicts = (b: EvidenceBody, region: string) =>
      queryById(b.queryId)!
        .evaluate(JSON.parse(JSON.stringify(b.data)), {}, { accountId: b.accountId, region, collectedAt: NOW.toISOString() })
        .map((r) => `${r.resource} ${r.status}`)
        .sort();
    for (const queryId of rebuiltQueries) {
      for (const region of queryById(queryId)!.scope === 'global' ? ['global'] : [...DEMO_REGIONS]) {
        const evalRegion = region === 'global' ? 'us-east-1' : region;
        const rebuilt = await body(env.store, yesterday, queryId, region);
        expect(rebuilt.status, `${queryId} ${region}: ${rebuilt.error?.message}`).toBe('ok');
        expect(verdicts(rebuilt, evalRegion), `${queryId} ${region}`).toEqual(verdicts(await body(live.store, collected, queryId, region), evalRegion));
      }
    }
  });

  it('sensitive activity of a past day is the LookupEvents search for that day, from the 90 days CloudTrail kept', async () => {
    // The demo's trail was stopped on the sixth day before today, whatever the time of day this test runs at.
    const stopDay = dayBefore(6);
    const b = await body(env.store, byDay.get(stopDay)!, 'cloudtrail.sensitive-activity', 'us-east-1');
    expect(b.status).toBe('ok');
    const results = judge(b, 'us-east-1');
    expect(results.some((r) => r.status === 'needs-review' && r.reason.startsWith('StopLogging by') && r.reason.includes('mallory.contractor'))).toBe(true);
    expect((b.data as { endTime: string }).endTime).toBe(`${stopDay}T23:59:59.999Z`);
    expect(b.reconstruction?.sources.some((s) => s.api === 'cloudtrail:LookupEvents' && s.detail.startsWith('StopLogging by mallory.contractor'))).toBe(true);
  });

  it('a query with no history source is an error record naming why, for every day: a stated gap, never a pass', async () => {
    for (const day of [dayBefore(1), dayBefore(45), dayBefore(90)]) {
      const b = await body(env.store, byDay.get(day)!, 'iam.password-policy', 'global');
      expect(b.status).toBe('error');
      expect(b.error?.code).toBe('NoHistorySource');
      expect(b.error?.message).toContain(day);
      expect(b.error?.message).toMatch(/does not record the account password policy/);
      expect(byDay.get(day)!.reconstruction!.notReconstructed.some((n) => n.queryId === 'iam.password-policy')).toBe(true);
    }
    // Older than CloudTrail's 90 days: key rotation cannot be rebuilt that day, and says so.
    const old = await body(env.store, byDay.get(dayBefore(90))!, 'kms.key-rotation', 'us-east-1');
    expect(old.status).toBe('error');
    expect(old.error?.message).toMatch(/older than the 90 days/);
  });

  it('is idempotent: run again, every day is skipped and nothing new is sealed', async () => {
    const again = await runBackfill({ ...env, catalogs, log, from: dayBefore(90) });
    expect(again.days.every((d) => d.status === 'skipped' && /already rebuilt/.test(d.reason ?? ''))).toBe(true);
    expect(await env.store.listRuns()).toHaveLength(90);
  });
});

describe('backfill resumes after an interruption and leaves days collected on the day alone', () => {
  it('an abort after the second day seals two days; the next run seals the rest and skips those', async () => {
    const env = setup();
    const abort = new AbortController();
    const first = await runBackfill({ ...env, catalogs, log, from: dayBefore(5), to: dayBefore(1), signal: abort.signal, onProgress: (p) => p.daysDone === 2 && abort.abort() });
    expect(first.days.map((d) => d.status)).toEqual(['sealed', 'sealed', 'aborted', 'aborted', 'aborted']);
    expect(await env.store.listRuns()).toHaveLength(2);
    const second = await runBackfill({ ...env, catalogs, log, from: dayBefore(5), to: dayBefore(1) });
    expect(second.days.map((d) => d.status)).toEqual(['skipped', 'skipped', 'sealed', 'sealed', 'sealed']);
    expect(new Set((await manifests(env.store)).map((m) => m.reconstruction!.asOf))).toEqual(new Set([5, 4, 3, 2, 1].map(dayBefore)));
  });

  it('a day with a collection run of its own is not rebuilt', async () => {
    const env = setup();
    const noon = new Date(`${dayBefore(2)}T12:00:00Z`);
    await runCollection({ ...env, catalogs, log, queries: ['s3.public-access-block'], now: () => noon });
    const out = await runBackfill({ ...env, catalogs, log, from: dayBefore(3), to: dayBefore(1), frameworks: ['hipaa-security'] });
    expect(out.days.map((d) => d.status)).toEqual(['sealed', 'skipped', 'sealed']);
    expect(out.days[1].reason).toMatch(/^collected on the day \(run \d{8}T120000Z-/);
  });

  it('the CLI prints a line per day and a summary naming what was and was not rebuilt; a --to of today is refused with exit 2', async () => {
    const env = setup();
    const file = join(env.dir, 'evidence-locker.yaml');
    writeFileSync(file, `regions:\n  list: [${DEMO_REGIONS.join(', ')}]\n  home: us-east-1\nstore:\n  kind: local\n  path: ${join(env.dir, 'store')}\nstateDir: ${join(env.dir, 'state')}\nframeworks: [hipaa-security]\n`);
    const ok = await runCli(['-c', file, '--log-level', 'silent', 'backfill', '--from', dayBefore(2)]);
    expect(ok.code).toBe(0);
    expect(ok.err).toContain(`[1/2] ${dayBefore(2)}  rebuilt and sealed:`);
    expect(ok.err).toContain(`[2/2] ${dayBefore(1)}  rebuilt and sealed:`);
    expect(ok.out).toMatch(/2 day\(s\) rebuilt and sealed, 0 skipped/);
    expect(ok.out).toMatch(/rebuilt from AWS history: .*cloudtrail\.trail-logging/);
    expect(ok.out).toMatch(/not rebuilt \(a stated gap on every rebuilt day\): \d+ queries \(.*iam\.password-policy/);
    const bad = await runCli(['-c', file, '--log-level', 'silent', 'backfill', '--from', dayBefore(2), '--to', NOW.toISOString().slice(0, 10)]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/backfill rebuilds past days only/);
  });
});

/** Runs one command line the way bin.ts does: exit code and captured output. */
async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((x) => ((out += String(x)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((x) => ((err += String(x)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(['node', 'evidence-locker', ...args]);
    if (typeof process.exitCode === 'number' && code === 0) code = process.exitCode;
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
  return { code, out, err };
}

describe('backfill refuses what it cannot do before touching AWS', () => {
  it('today and future days belong to collect', async () => {
    const env = setup();
    await expect(runBackfill({ ...env, catalogs, log, from: dayBefore(2), to: NOW.toISOString().slice(0, 10) })).rejects.toThrow(ConfigError);
    await expect(runBackfill({ ...env, catalogs, log, from: 'yesterday' })).rejects.toThrow(/--from/);
  });
});
