import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { supportLocalEndpoints, isAddressOrLocalhost } from '../../src/aws/endpoint.js';
import { describeSdkFailure } from '../../src/aws/failure.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { EvidenceBodySchema } from '../../src/evidence/record.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../faults/cli.js';

type Provider = (params: Record<string, unknown>) => { url: URL };
const providerOf = (client: { config: unknown }) => (client.config as { endpointProvider: Provider }).endpointProvider;

describe('endpoints given as an IP address or localhost', () => {
  it('S3 Control at an IP endpoint: no account host prefix (the old rules built http://<account>.127.0.0.1:port/)', () => {
    const client = supportLocalEndpoints(new S3ControlClient({ region: 'us-east-1' }));
    const ep = providerOf(client)({ Region: 'us-east-1', Endpoint: 'http://127.0.0.1:4566', AccountId: '111122223333', RequiresAccountId: true, UseFIPS: false, UseDualStack: false });
    expect(ep.url.href).toBe('http://127.0.0.1:4566/');
  });

  it('S3 Control at localhost and at an IPv6 address: no account host prefix', () => {
    const provider = providerOf(supportLocalEndpoints(new S3ControlClient({ region: 'us-east-1' })));
    const base = { Region: 'us-east-1', AccountId: '111122223333', RequiresAccountId: true, UseFIPS: false, UseDualStack: false };
    expect(provider({ ...base, Endpoint: 'http://localhost:5000' }).url.href).toBe('http://localhost:5000/');
    expect(provider({ ...base, Endpoint: 'http://[::1]:5000' }).url.href).toBe('http://[::1]:5000/');
  });

  it('S3 at localhost: path-style, so the bucket is never a host label', () => {
    const provider = providerOf(supportLocalEndpoints(new S3Client({ region: 'us-east-1' })));
    const ep = provider({ Region: 'us-east-1', Endpoint: 'http://localhost:4566', Bucket: 'evidence', ForcePathStyle: false, UseFIPS: false, UseDualStack: false, Accelerate: false });
    expect(ep.url.href).toBe('http://localhost:4566/evidence');
  });

  it('an endpoint with a DNS name keeps the SDK rules unchanged (account prefix, virtual-hosted buckets)', () => {
    const control = providerOf(supportLocalEndpoints(new S3ControlClient({ region: 'us-east-1' })));
    expect(control({ Region: 'us-east-1', Endpoint: 'https://s3-control.example.com', AccountId: '111122223333', RequiresAccountId: true, UseFIPS: false, UseDualStack: false }).url.hostname).toBe('111122223333.s3-control.example.com');
    const s3 = providerOf(supportLocalEndpoints(new S3Client({ region: 'us-east-1' })));
    expect(s3({ Region: 'us-east-1', Endpoint: 'https://s3.example.com', Bucket: 'evidence', ForcePathStyle: false, UseFIPS: false, UseDualStack: false, Accelerate: false }).url.hostname).toBe('evidence.s3.example.com');
  });

  it('tells IP addresses and localhost from DNS names', () => {
    expect(['127.0.0.1', '10.1.2.3', '[::1]', '::1', 'localhost', 'LOCALHOST'].every(isAddressOrLocalhost)).toBe(true);
    expect(['localhost.localstack.cloud', 's3.amazonaws.com', '127.0.0.1.nip.io'].some(isAddressOrLocalhost)).toBe(false);
  });
});

describe('gap reasons name the HTTP status, not SDK internals', () => {
  it('a 501 plain-text answer is an operation not supported by this endpoint', () => {
    const err = Object.assign(new SyntaxError('Unexpected token \'o\', "not implemented" is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 501 } });
    const d = describeSdkFailure(err);
    expect(d).toMatchObject({ code: 'UnsupportedOperation', httpStatus: 501 });
    expect(d.message).toMatch(/HTTP 501: operation not supported by this endpoint/);
    expect(d.message).not.toMatch(/Deserialization|\$response/);
  });

  it('a 500 answer the SDK could not parse is reported by its status', () => {
    const err = Object.assign(new Error('@aws-sdk XML parse error: unexpected content.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 500 } });
    expect(describeSdkFailure(err)).toMatchObject({ code: 'UnreadableResponse', message: expect.stringMatching(/^HTTP 500: /) });
  });

  it('an AWS error keeps its code and message, with the status', () => {
    const err = Object.assign(new Error('User is not authorized to perform: cloudtrail:DescribeTrails'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(describeSdkFailure(err)).toEqual({ code: 'AccessDeniedException', message: 'User is not authorized to perform: cloudtrail:DescribeTrails (HTTP 400)', httpStatus: 400 });
  });

  it('a network error is named by its code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: {} });
    expect(describeSdkFailure(err)).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' });
  });
});

describe('collect with AWS_ENDPOINT_URL=http://127.0.0.1:<port> (one endpoint for every service)', () => {
  let sim: SimulatedAws;
  let notImplemented: Server;
  let answeredAt = 0;
  const savedEnv = { ...process.env };
  const root = mkdtempSync(join(tmpdir(), 'el-endpoint-'));

  beforeAll(async () => {
    sim = await startSimulatedAws({ world: demoWorld() });
    notImplemented = createServer((_req, res) => {
      // The answer comes later than the query started, so a record dated at the start is told from one dated at the failure.
      setTimeout(() => {
        answeredAt = Date.now();
        res.writeHead(501, { 'content-type': 'text/plain' });
        res.end('not implemented');
      }, 30);
    });
    await new Promise<void>((r) => notImplemented.listen(0, '127.0.0.1', () => r()));
    const env = simulatorEnv(sim, DEMO_ACCOUNT_ID);
    for (const k of Object.keys(env)) if (k.startsWith('AWS_ENDPOINT_URL')) delete env[k];
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_ENDPOINT_URL')) delete process.env[k];
    Object.assign(process.env, env, { AWS_ENDPOINT_URL: sim.url });
  });
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await sim?.close();
    await new Promise((r) => notImplemented?.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  async function collect(name: string, queries: string, env: Record<string, string> = {}) {
    const dir = join(root, name);
    const config = join(root, `${name}.yaml`);
    writeFileSync(config, `store: { kind: local, path: ${join(dir, 'store')} }\nstateDir: ${join(dir, 'state')}\nlog: { level: warn }\ncollect: { maxAttempts: 1 }\n`);
    Object.assign(process.env, env);
    try {
      const result = await runCli(['-c', config, 'collect', '--queries', queries]);
      const store = new LocalEvidenceStore(join(dir, 'store'));
      const [runId] = await store.listRuns();
      const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(runId)).manifest.toString('utf8')));
      const bodies = await Promise.all(manifest.records.map(async (r) => ({ record: r, body: EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.sha256)).toString('utf8'))) })));
      return { result, manifest, bodies };
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
  }

  it('s3.public-access-block reaches S3 Control at the IP endpoint: evidence, no gap, no stack trace on stderr', async () => {
    const { result, bodies } = await collect('ip', 's3.public-access-block');
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    expect(result.stderr).not.toMatch(/^\s+at |Invalid URL|Failed to construct URL/m);
    // The query asked for, and account.enabled-regions, which every run records (through the same endpoint).
    expect(bodies.map((b) => b.record.queryId).sort()).toEqual(['account.enabled-regions', 's3.public-access-block']);
    for (const b of bodies) expect(b.body.status).toBe('ok');
    const pab = bodies.find((b) => b.record.queryId === 's3.public-access-block')!;
    expect((pab.body.data as { account?: { PublicAccessBlockConfiguration?: unknown } }).account?.PublicAccessBlockConfiguration).toBeDefined();
  });

  it('an endpoint that does not implement an operation: the gap says HTTP 501, not supported, dated at the failure', async () => {
    const port = (notImplemented.address() as { port: number }).port;
    const { result, bodies } = await collect('unsupported', 'cloudtrail.trail-logging', { AWS_ENDPOINT_URL_CLOUDTRAIL: `http://127.0.0.1:${port}` });
    expect(result.code, result.stderr).toBe(ExitCode.gaps);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const failed = bodies.filter((b) => b.body.status === 'error');
    expect(failed.length).toBeGreaterThan(0);
    for (const { record, body } of failed) {
      expect(body.error?.code).toBe('UnsupportedOperation');
      expect(body.error?.message).toMatch(/HTTP 501: operation not supported by this endpoint/);
      expect(body.error?.message).not.toMatch(/Deserialization|\$response|hidden field/);
      expect(body.error?.hint).toMatch(/AWS_ENDPOINT_URL_<SERVICE>/);
      // The failure time, not the query's start time (the answer came 30 ms after the request).
      expect(Date.parse(record.collectedAt)).toBeGreaterThanOrEqual(answeredAt);
    }
  });
});
