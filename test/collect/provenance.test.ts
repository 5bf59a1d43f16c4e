import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection } from '../../src/collect/run.js';
import { EvidenceBodySchema, type EvidenceBody } from '../../src/evidence/record.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/worlds/organization.js';
import { TOOL_VERSION, SDK_VERSION } from '../../src/version.js';
import { provenanceOf } from '../../src/collect/provenance.js';

/**
 * Every evidence body says where it came from: the endpoint the SDK called, the identity the calls ran as
 * (sts:GetCallerIdentity of the account's session, once per account), the AWS request id and HTTP Date of every
 * response, and the tool and SDK versions; the run manifest says how each account's credentials were obtained.
 */

const EXTERNAL_ID = 'provenance-external-id-7c21';
const log = createLogger({ level: 'silent' });
const catalogs = loadCatalogs([]);
const savedEnv = { ...process.env };
let sim: SimulatedAws;
let members: string[] = [];
let manifest: RunManifest;
let bodies: EvidenceBody[] = [];
let manifestText = '';
/** The simulator's origin, and the one S3's calls go to. */
const simOrigin = () => new URL(sim.url).origin;
const s3Origin = () => simOrigin().replace('127.0.0.1', 'localhost');

beforeAll(async () => {
  const world = organizationWorld({ accounts: 3, regions: ['us-east-1'], externalId: EXTERNAL_ID });
  members = world.organization!.accountIds.filter((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID);
  // IAM answers AccessDenied: error records carry the request ids of the refusals too.
  sim = await startSimulatedAws({ world, faults: { rules: [{ service: 'iam', accessDenied: true }] } });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID));
  // S3 reached by another name of the same simulator: its calls' origin differs from every other service's.
  process.env.AWS_ENDPOINT_URL_S3 = s3Origin();
  const dir = mkdtempSync(join(tmpdir(), 'el-provenance-'));
  const config = ConfigSchema.parse({
    accounts: { source: 'list', list: members.map((id) => ({ id })), externalId: EXTERNAL_ID },
    regions: { list: ['us-east-1'], home: 'us-east-1' },
    store: { kind: 'local', path: join(dir, 'store') },
    stateDir: join(dir, 'state'),
    collect: { maxAttempts: 1, requestTimeoutMs: 5000 },
  });
  const store = new LocalEvidenceStore(join(dir, 'store'));
  sim.resetStats();
  const outcome = await runCollection({ config, catalogs, store, signer: LocalEd25519Signer.open(join(dir, 'keys')), log, queries: ['s3.bucket-encryption', 'config.recorder-status', 'iam.password-policy', 'kms.key-rotation', 'cloudtrail.log-bucket-retention'] });
  const run = await store.getRun(outcome.runId);
  manifestText = run.manifest.toString('utf8');
  manifest = RunManifestSchema.parse(JSON.parse(manifestText));
  bodies = await Promise.all(manifest.records.map(async (r) => EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.sha256)).toString('utf8')))));
}, 240_000);

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim.close();
});

describe('provenance of collected evidence', () => {
  it('every body carries the endpoint, the assumed-role caller, one request id and Date per call, and the versions', () => {
    // The five queries asked for, and account.enabled-regions, which every run records.
    expect(bodies.length).toBe(members.length * 6);
    for (const b of bodies) {
      const p = b.provenance!;
      expect(p, b.queryId).toBeDefined();
      expect(new URL(p.endpoint!).port).toBe(String(sim.port));
      expect(p.callerArn).toBe(`arn:aws:sts::${b.accountId}:assumed-role/EvidenceLockerReadOnly/evidence-locker`);
      expect(p.requestIds.length).toBe(b.requests.length);
      expect(p.requestIds.length).toBeGreaterThan(0);
      for (const id of p.requestIds) expect(id).toMatch(/^[0-9a-f-]{36}$|^[0-9A-F]{16}$/);
      expect(p.responseDates.length).toBe(b.requests.length);
      for (const d of p.responseDates) expect(Math.abs(Date.parse(d) - Date.now())).toBeLessThan(3_600_000);
      expect(p.tool).toEqual({ name: 'evidence-locker', version: TOOL_VERSION });
      expect(p.sdkVersion).toBe(SDK_VERSION);
    }
    // Request ids are AWS's per response: no two bodies share one.
    const all = bodies.flatMap((b) => b.provenance!.requestIds);
    expect(new Set(all).size).toBe(all.length);
  });

  it('every body records the origin each operation\'s calls went to; a query of two services, each service\'s own', () => {
    for (const b of bodies) {
      const p = b.provenance!;
      const byOperation = p.endpointsByOperation!;
      expect(Object.keys(byOperation).sort(), b.queryId).toEqual([...new Set(b.requests.map((r) => r.operation))].sort());
      expect([...new Set(Object.values(byOperation).flat())].sort(), b.queryId).toEqual([...new Set([p.endpoint!, ...(p.endpoints ?? [])])].sort());
    }
    const trails = bodies.filter((b) => b.queryId === 'cloudtrail.log-bucket-retention');
    expect(trails.length).toBe(members.length);
    for (const b of trails) {
      expect(b.provenance!.endpointsByOperation).toMatchObject({ 'cloudtrail:DescribeTrails': [simOrigin()], 's3:GetObjectLockConfiguration': [s3Origin()], 's3:GetBucketLifecycleConfiguration': [s3Origin()] });
      expect([...b.provenance!.endpoints!].sort()).toEqual([s3Origin(), simOrigin()].sort());
    }
  });

  it('error records keep the request ids of the refused calls', () => {
    const denied = bodies.filter((b) => b.queryId === 'iam.password-policy');
    expect(denied.length).toBe(members.length);
    for (const b of denied) {
      expect(b.status).toBe('error');
      expect(b.provenance!.requestIds.length).toBeGreaterThan(0);
    }
  });

  it('sts:GetCallerIdentity is called once per account session, and is not logged as a query call', () => {
    expect(sim.stats().byOperation['sts:GetCallerIdentity']?.calls).toBe(members.length);
    expect(bodies.flatMap((b) => b.operations)).not.toContain('sts:GetCallerIdentity');
  });

  it('the run manifest records how each account’s credentials were obtained, never the external id itself', () => {
    expect(manifest.sessions).toEqual(
      [...members].sort().map((id) => ({ accountId: id, credentials: 'assumed-role', roleArn: `arn:aws:iam::${id}:role/EvidenceLockerReadOnly`, externalIdUsed: true, callerArn: `arn:aws:sts::${id}:assumed-role/EvidenceLockerReadOnly/evidence-locker` })),
    );
    expect(manifestText).not.toContain(EXTERNAL_ID);
    for (const b of bodies) expect(JSON.stringify(b)).not.toContain(EXTERNAL_ID);
  });
});

describe('provenanceOf', () => {
  it('lists each operation\'s origins, every page counted once; a call that reached no endpoint names none', () => {
    const calls = [
      { operation: 'cloudtrail:DescribeTrails', input: {}, endpoint: 'https://cloudtrail.us-east-1.amazonaws.com', requestId: 'r-1' },
      { operation: 's3:GetBucketLocation', input: { Bucket: 'a' }, endpoint: 'https://a.s3.us-east-1.amazonaws.com', requestId: 'r-2' },
      { operation: 's3:GetBucketLocation', input: { Bucket: 'b' }, endpoint: 'https://b.s3.us-east-1.amazonaws.com', requestId: 'r-3' },
      { operation: 's3:GetBucketLocation', input: { Bucket: 'a' }, endpoint: 'https://a.s3.us-east-1.amazonaws.com', requestId: 'r-4' },
      { operation: 's3:GetObjectLockConfiguration', input: { Bucket: 'a' }, error: 'TimeoutError' },
    ];
    const p = provenanceOf(calls, null);
    expect(p.endpoint).toBe('https://cloudtrail.us-east-1.amazonaws.com');
    expect(p.endpointsByOperation).toEqual({
      'cloudtrail:DescribeTrails': ['https://cloudtrail.us-east-1.amazonaws.com'],
      's3:GetBucketLocation': ['https://a.s3.us-east-1.amazonaws.com', 'https://b.s3.us-east-1.amazonaws.com'],
    });
    expect(EvidenceBodySchema.shape.provenance.parse(p)).toEqual(p);
    expect(provenanceOf([], null).endpointsByOperation).toEqual({});
  });
});
