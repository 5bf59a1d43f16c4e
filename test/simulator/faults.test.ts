import { afterEach, describe, expect, it } from 'vitest';
import { CloudTrailClient, DescribeTrailsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ConfigServiceClient, DescribeConfigRulesCommand } from '@aws-sdk/client-config-service';
import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { demoWorld, seededRandom, simulatorCredentials } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

describe('faults, rate limits and counters', () => {
  const sim = useSimulator(() => ({ world: demoWorld() }));
  afterEach(() => {
    sim().setFaults({});
    sim().world.now = () => new Date();
    sim().resetStats();
  });

  it('throttling is answered in each protocol’s own error format', async () => {
    sim().setFaults({ throttleRate: 1, rateLimits: {} });
    await expect(new ConfigServiceClient(clientConfig(sim())).send(new DescribeConfigRulesCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await expect(new STSClient(clientConfig(sim())).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    await expect(new S3Client(clientConfig(sim())).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    await expect(new GuardDutyClient(clientConfig(sim())).send(new ListDetectorsCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    const stats = sim().stats();
    expect(stats.total.throttled).toBe(4);
    expect(stats.byOperation['config:DescribeConfigRules'].throttled).toBe(1);
  });

  it('the SDK retries throttled calls and succeeds; attempts and counters show it', async () => {
    // Seed 7 draws 0.01, 0.06, 0.98: two throttles, then an answer.
    sim().setFaults({ seed: 7, throttleRate: 0.5, rateLimits: {} });
    const out = await new ConfigServiceClient(clientConfig(sim(), { maxAttempts: 5 })).send(new DescribeConfigRulesCommand({}));
    expect(out.ConfigRules!.length).toBeGreaterThan(0);
    expect(out.$metadata.attempts).toBe(3);
    expect(sim().stats().byOperation['config:DescribeConfigRules']).toMatchObject({ calls: 3, ok: 1, throttled: 2, rateLimited: 0 });
  });

  it('the same seed gives the same fault sequence', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  it('a per-account, per-region token bucket throttles LookupEvents beyond 2 calls per second (clock frozen)', async () => {
    const frozen = new Date();
    sim().world.now = () => frozen;
    sim().setFaults({ rateLimits: { 'cloudtrail:LookupEvents': 2 } });
    const east = new CloudTrailClient(clientConfig(sim()));
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => east.send(new LookupEventsCommand({ MaxResults: 1 }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.map((r) => (r.reason as Error).name)).toEqual(['ThrottlingException', 'ThrottlingException', 'ThrottlingException']);
    // Another region has its own bucket; other operations are not limited.
    await new CloudTrailClient(clientConfig(sim(), { region: 'us-west-2' })).send(new LookupEventsCommand({ MaxResults: 1 }));
    await east.send(new DescribeTrailsCommand({}));
    // Time passes: the bucket refills.
    sim().world.now = () => new Date(frozen.getTime() + 1000);
    await east.send(new LookupEventsCommand({ MaxResults: 1 }));
    const c = sim().stats().byOperation['cloudtrail:LookupEvents'];
    expect(c).toMatchObject({ calls: 7, ok: 4, rateLimited: 3, throttled: 3 });
  });

  it('with the real clock, SDK retries get every rate-limited LookupEvents call through', async () => {
    const client = new CloudTrailClient(clientConfig(sim(), { maxAttempts: 20 }));
    const results = await Promise.all(Array.from({ length: 4 }, () => client.send(new LookupEventsCommand({ MaxResults: 5 }))));
    expect(results.every((r) => r.Events!.length === 5)).toBe(true);
    expect(sim().stats().byOperation['cloudtrail:LookupEvents'].ok).toBe(4);
  });

  it('AccessDenied for one service in one account; other services still answer', async () => {
    sim().setFaults({ rules: [{ service: 'guardduty', accountId: '111122223333', accessDenied: true }] });
    const err = await new GuardDutyClient(clientConfig(sim())).send(new ListDetectorsCommand({})).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect((err as Error).message).toContain('guardduty:ListDetectors');
    await expect(new S3Client(clientConfig(sim())).send(new ListBucketsCommand({}))).resolves.toBeDefined();
    sim().setFaults({ rules: [{ service: 's3', accessDenied: true }] });
    await expect(new S3Client(clientConfig(sim())).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it('5xx: InternalFailure/ServiceUnavailable after the SDK has retried', async () => {
    sim().setFaults({ serverErrorRate: 1, seed: 1 });
    const err = await new ConfigServiceClient(clientConfig(sim(), { maxAttempts: 2 })).send(new DescribeConfigRulesCommand({})).catch((e: Error & { $metadata?: { attempts?: number } }) => e);
    expect(['InternalFailure', 'ServiceUnavailable']).toContain((err as Error).name);
    expect((err as { $metadata: { attempts: number } }).$metadata.attempts).toBe(2);
    expect(sim().stats().byOperation['config:DescribeConfigRules'].serverErrors).toBe(2);
  });

  it('connection resets surface as a network error', async () => {
    sim().setFaults({ resetRate: 1 });
    await expect(new STSClient(clientConfig(sim())).send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    expect(sim().stats().byOperation['sts:GetCallerIdentity'].resets).toBe(1);
  });

  it('timeouts: a call never answered trips the client timeout; a slow answer still arrives', async () => {
    sim().setFaults({ timeoutRate: 1 });
    const impatient = new STSClient({ ...clientConfig(sim()), requestHandler: new NodeHttpHandler({ requestTimeout: 150, throwOnRequestTimeout: true }) });
    await expect(impatient.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    sim().setFaults({ timeoutRate: 1, slowResponseMs: 20 });
    const patient = new STSClient(clientConfig(sim()));
    await expect(patient.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '111122223333' });
    expect(sim().stats().byOperation['sts:GetCallerIdentity'].timeouts).toBe(2);
  });

  it('latency can be fixed or a seeded range; calls still succeed', async () => {
    sim().setFaults({ latencyMs: [1, 5], seed: 9, rules: [{ service: 'sts', latencyMs: 2 }] });
    await expect(new STSClient(clientConfig(sim())).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '111122223333' });
  });

  it('unknown access keys are refused with the service’s auth error', async () => {
    const bad = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' };
    const base = { endpoint: sim().url, region: 'us-east-1', credentials: bad, maxAttempts: 1 };
    await expect(new STSClient(base).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    await expect(new ConfigServiceClient(base).send(new DescribeConfigRulesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(new S3Client(base).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    expect(sim().stats().total.errors).toBe(3);
  });

  it('a service the simulator does not implement gets an error naming it, not a hang or a parse failure', async () => {
    const key = simulatorCredentials(sim()).accessKeyId;
    const res = await fetch(`${sim().url}/`, {
      method: 'POST',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0`, 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(((await res.json()) as { message: string }).message).toContain('does not implement the sqs service');
  });

  it('an opt-in region the account has not enabled refuses the credentials', async () => {
    await expect(new ConfigServiceClient(clientConfig(sim(), { region: 'af-south-1' })).send(new DescribeConfigRulesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    // A default region with nothing in it answers empty.
    const out = await new ConfigServiceClient(clientConfig(sim(), { region: 'eu-west-1' })).send(new DescribeConfigRulesCommand({}));
    expect(out.ConfigRules).toEqual([]);
  });
});
