import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from '@aws-sdk/client-config-service';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { GetBucketEncryptionCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { demoWorld } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

/** Evidence provenance cites AWS request ids from response $metadata: the simulator returns them as each protocol does. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the simulated AWS returns request ids the way AWS does, per wire protocol', () => {
  const sim = useSimulator(() => ({ world: demoWorld(), faults: { rateLimits: {} } }));

  it.each([
    ['awsQuery (STS)', () => new STSClient(clientConfig(sim())).send(new GetCallerIdentityCommand({}))],
    ['awsJson1_1 (Config)', () => new ConfigServiceClient(clientConfig(sim())).send(new DescribeConfigurationRecordersCommand({}))],
    ['restJson1 (GuardDuty)', () => new GuardDutyClient(clientConfig(sim())).send(new ListDetectorsCommand({}))],
    ['ec2Query (EC2)', () => new EC2Client(clientConfig(sim())).send(new DescribeSecurityGroupsCommand({}))],
  ])('%s: a UUID in $metadata.requestId, different for every call', async (_label, call) => {
    const [a, b] = [await call(), await call()];
    expect(a.$metadata.requestId).toMatch(UUID);
    expect(b.$metadata.requestId).toMatch(UUID);
    expect(a.$metadata.requestId).not.toBe(b.$metadata.requestId);
  });

  it('restXml (S3): 16 upper-case hex digits and an extended id, on answers and on errors', async () => {
    const s3 = new S3Client({ ...clientConfig(sim()), forcePathStyle: true });
    const out = await s3.send(new ListBucketsCommand({}));
    expect(out.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(out.$metadata.extendedRequestId).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const err = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'no-such-bucket-anywhere' })).catch((e: unknown) => e as { name: string; $metadata: { requestId?: string } });
    expect(err).toHaveProperty('name', 'NoSuchBucket');
    expect((err as { $metadata: { requestId?: string } }).$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
  });
});
