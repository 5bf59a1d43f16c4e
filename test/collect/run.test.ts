import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection } from '../../src/collect/run.js';
import { plannedQueries } from '../../src/collect/plan.js';
import { evaluateRun } from '../../src/evaluate/engine.js';
import { EvidenceBodySchema } from '../../src/evidence/record.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { verifyManifestSignature } from '../../src/seal/verify-signature.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { demoWorld, DEMO_ACCOUNT_ID, DEMO_REGIONS } from '../../src/simulator/worlds/demo.js';
import { ConfigError } from '../../src/errors.js';

const log = createLogger({ level: 'silent' });
const catalogs = loadCatalogs([]);
let sim: SimulatedAws;
const savedEnv = { ...process.env };

function setup(): { config: Config; store: LocalEvidenceStore; signer: LocalEd25519Signer } {
  const dir = mkdtempSync(join(tmpdir(), 'el-collect-'));
  const config = ConfigSchema.parse({
    regions: { list: [...DEMO_REGIONS] },
    store: { kind: 'local', path: join(dir, 'store') },
    stateDir: join(dir, 'state'),
    // Four sensitive events keep each run near 1 s under LookupEvents' 2 requests per second.
    collect: { maxAttempts: 3, requestTimeoutMs: 5000, sensitiveEvents: ['StopLogging', 'PutBucketPolicy', 'ConsoleLogin', 'DeleteTrail'] },
  });
  return { config, store: new LocalEvidenceStore(join(dir, 'store')), signer: LocalEd25519Signer.open(join(dir, 'keys')) };
}

beforeAll(async () => {
  sim = await startSimulatedAws({ world: demoWorld() });
  Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim.close();
});

describe('runCollection against the simulated demo account', () => {
  it('runs each needed query once per account and region (collect once, map to both frameworks) and seals a signed manifest', async () => {
    const { config, store, signer } = setup();
    const outcome = await runCollection({ config, catalogs, store, signer, log });
    const queries = plannedQueries(catalogs, config.frameworks);
    const expected = queries.reduce((n, q) => n + (q.scope === 'global' ? 1 : DEMO_REGIONS.length), 0);
    expect(outcome.records).toBe(expected);
    expect(outcome.accounts).toEqual([DEMO_ACCOUNT_ID]);

    const run = await store.getRun(outcome.runId);
    const manifest = RunManifestSchema.parse(JSON.parse(run.manifest.toString('utf8')));
    expect(verifyManifestSignature(run.manifest, run.signature, run.publicKeyPem, manifest.signing.algorithm)).toBe(true);
    expect(sha256Hex(run.manifest)).toBe(outcome.manifestSha256);
    expect(new Set(manifest.records.map((r) => r.recordId)).size).toBe(manifest.records.length);
    expect(manifest.sessions).toEqual([{ accountId: DEMO_ACCOUNT_ID, credentials: 'default-chain', externalIdUsed: false, callerArn: `arn:aws:iam::${DEMO_ACCOUNT_ID}:user/evidence-locker` }]);
    for (const rec of manifest.records) {
      const bytes = await store.getObject(rec.sha256);
      expect(sha256Hex(bytes)).toBe(rec.sha256);
      const body = EvidenceBodySchema.parse(JSON.parse(bytes.toString('utf8')));
      expect(body.queryId).toBe(rec.queryId);
      expect(body.accountId).toBe(DEMO_ACCOUNT_ID);
      expect(body.sdkVersion).toMatch(/^aws-sdk-js-v3\/3\./);
      if (body.status === 'ok') expect(body.requests.length).toBeGreaterThan(0);
      expect(body.provenance?.requestIds.length).toBe(body.requests.length);
      // The endpoint the SDK resolved: the simulator (S3 Control prefixes the account id to the host, as on AWS).
      expect(new URL(body.provenance!.endpoint!).port).toBe(String(sim.port));
    }
  });

  it('chains the second run to the first; unchanged evidence has the same data, each body its own request ids', async () => {
    const { config, store, signer } = setup();
    const first = await runCollection({ config, catalogs, store, signer, log, queries: ['s3.bucket-encryption', 'config.recorder-status'] });
    const second = await runCollection({ config, catalogs, store, signer, log, queries: ['s3.bucket-encryption', 'config.recorder-status'] });
    const m2 = RunManifestSchema.parse(JSON.parse((await store.getRun(second.runId)).manifest.toString('utf8')));
    expect(m2.previous).toEqual({ runId: first.runId, manifestSha256: first.manifestSha256 });
    const m1 = RunManifestSchema.parse(JSON.parse((await store.getRun(first.runId)).manifest.toString('utf8')));
    const bodies = async (m: typeof m1) => Promise.all(m.records.map(async (r) => EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.sha256)).toString('utf8')))));
    const [b1, b2] = [await bodies(m1), await bodies(m2)];
    expect(b2.map((b) => b.data)).toEqual(b1.map((b) => b.data));
    // Provenance names the responses of each run, so a body proves one collection, not every one since.
    for (const [i, b] of b2.entries()) expect(b.provenance?.requestIds.some((id) => b1[i].provenance?.requestIds.includes(id))).toBe(false);
    expect((await store.listObjectHashes()).length).toBe(m1.records.length * 2);
    // Only a caller that started the simulator itself (demo) marks its runs simulated.
    expect(m1.simulated).toBeUndefined();
    const demo = await runCollection({ config, catalogs, store, signer, log, queries: ['s3.bucket-encryption'], simulated: true });
    expect(RunManifestSchema.parse(JSON.parse((await store.getRun(demo.runId)).manifest.toString('utf8'))).simulated).toBe(true);
  });

  it('turns AccessDenied on one service into error records (gaps) while the rest is collected', async () => {
    const { config, store, signer } = setup();
    const baselineRun = await runCollection({ config, catalogs, store, signer, log });
    const baseline = RunManifestSchema.parse(JSON.parse((await store.getRun(baselineRun.runId)).manifest.toString('utf8')));
    const baselineStatus = new Map(baseline.records.map((r) => [r.recordId, r.status]));
    sim.setFaults({ rules: [{ service: 'guardduty', accessDenied: true }] });
    try {
      const outcome = await runCollection({ config, catalogs, store, signer, log });
      expect(outcome.status).toBe('complete-with-gaps');
      const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
      const gd = manifest.records.filter((r) => r.queryId.startsWith('guardduty.'));
      expect(gd.length).toBeGreaterThan(0);
      expect(gd.every((r) => r.status === 'error')).toBe(true);
      // Every other query is collected exactly as without the fault.
      for (const r of manifest.records.filter((x) => !x.queryId.startsWith('guardduty.'))) expect([r.recordId, r.status]).toEqual([r.recordId, baselineStatus.get(r.recordId)]);
      const body = EvidenceBodySchema.parse(JSON.parse((await store.getObject(gd[0].sha256)).toString('utf8')));
      expect(body.error?.code).toMatch(/AccessDenied/);
      expect(body.error?.operation).toMatch(/^guardduty:/);
      expect(body.error?.hint).toMatch(/grant this read-only action/);

      const results = await evaluateRun({ manifest, loadBody: async (s) => EvidenceBodySchema.parse(JSON.parse((await store.getObject(s)).toString('utf8'))), catalogs, frameworks: ['pci-dss-4.0.1'] });
      const r1151 = results.find((r) => r.requirementId === '11.5.1');
      expect(r1151).toBeDefined();
      expect(r1151!.status).not.toBe('pass');
      expect(r1151!.gaps.some((g) => g.queryId.startsWith('guardduty.'))).toBe(true);
    } finally {
      sim.setFaults({});
    }
  });

  it('evaluates the demo account with failures, reviews and passes, and never passes without evidence', async () => {
    const { config, store, signer } = setup();
    const outcome = await runCollection({ config, catalogs, store, signer, log });
    const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
    const results = await evaluateRun({ manifest, loadBody: async (s) => EvidenceBodySchema.parse(JSON.parse((await store.getObject(s)).toString('utf8'))), catalogs, frameworks: ['pci-dss-4.0.1', 'hipaa-security'] });
    const statuses = new Set(results.map((r) => r.status));
    expect(statuses).toContain('fail');
    // The demo's passing requirements are partial: their AWS portion is satisfied, never a plain pass.
    expect(statuses).toContain('aws-portion-satisfied');
    expect(results.filter((r) => r.coverage === 'partial' && r.status === 'pass')).toEqual([]);
    expect(statuses).toContain('needs-review');
    expect(statuses).toContain('manual');
    for (const r of results.filter((x) => x.status === 'pass' || x.status === 'aws-portion-satisfied')) {
      expect(r.evidence.length).toBeGreaterThan(0);
      expect(r.gaps).toEqual([]);
    }
    // Every automated or partial requirement of both catalogs is evaluated on the demo account from real evidence.
    const judged = results.filter((r) => r.coverage === 'automated' || r.coverage === 'partial');
    expect(judged.length).toBeGreaterThan(90);
    for (const r of judged) {
      expect([r.framework, r.requirementId, r.status]).not.toEqual([r.framework, r.requirementId, 'not-collected']);
      expect(r.evidence.length).toBeGreaterThan(0);
      expect(r.findings.length).toBeGreaterThan(0);
    }
    // The demo trail without log file validation fails PCI 10.3.4.
    const r1034 = results.find((r) => r.framework === 'pci-dss-4.0.1' && r.requirementId === '10.3.4')!;
    expect(r1034.status).toBe('fail');
    expect(r1034.reasons.join(' ')).toMatch(/validation/i);
  });

  it('refuses an unknown query id with a usage error naming it', async () => {
    const { config, store, signer } = setup();
    await expect(runCollection({ config, catalogs, store, signer, log, queries: ['s3.nope'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(runCollection({ config, catalogs, store, signer, log, queries: ['s3.nope'] })).rejects.toThrow(/s3\.nope/);
    expect(await store.listRuns()).toEqual([]);
  });
});
