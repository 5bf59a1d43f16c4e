import { afterEach, describe, expect, it } from 'vitest';
import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from '@aws-sdk/client-config-service';
import { ListAccountsCommand, OrganizationsClient, DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { GetPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { AwsClientProvider } from '../../src/aws/clients.js';
import { ORG_MANAGEMENT_ACCOUNT_ID, organizationWorld, simulatorCredentials, simulatorEnv, SDK_SERVICE_IDS, endpointEnvName } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

const ROLE = 'EvidenceLockerReadOnly';
const roleArn = (id: string) => `arn:aws:iam::${id}:role/${ROLE}`;

describe('generated organisation', () => {
  const sim = useSimulator(() => ({
    world: organizationWorld({ accounts: 6, regions: ['us-east-1', 'eu-west-1'], seed: 3, externalId: 'evidence-locker-ext', missingRoleAccounts: 1, deniedRoleAccounts: 1 }),
  }));
  const members = () => sim().world.organization!.accountIds.slice(1);
  const sts = () => new STSClient(clientConfig(sim()));
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
    sim().setFaults({});
    sim().world.now = () => new Date();
  });

  it('is deterministic for a seed', () => {
    const a = organizationWorld({ accounts: 4, seed: 11, now: new Date(0) });
    const b = organizationWorld({ accounts: 4, seed: 11, now: new Date(0) });
    expect([...a.accounts.keys()]).toEqual([...b.accounts.keys()]);
    const buckets = (w: typeof a) => [...w.accounts.values()].flatMap((acct) => (acct.global.s3?.buckets ?? []).map((x) => `${x.name}:${!!x.encryption}:${!!x.publicAccessBlock}`));
    expect(buckets(a)).toEqual(buckets(b));
    expect([...organizationWorld({ accounts: 4, seed: 12 }).accounts.keys()]).not.toEqual([...a.accounts.keys()]);
  });

  it('the management account lists every account; a member may not', async () => {
    const org = new OrganizationsClient(clientConfig(sim()));
    const out = await org.send(new ListAccountsCommand({}));
    expect(out.Accounts!.map((a) => a.Id)).toEqual(sim().world.organization!.accountIds);
    expect(out.Accounts![0].Id).toBe(ORG_MANAGEMENT_ACCOUNT_ID);
    expect((await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId).toBe(ORG_MANAGEMENT_ACCOUNT_ID);
    const member = members()[0];
    await expect(new OrganizationsClient(clientConfig(sim(), { accountId: member })).send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('AssumeRole into a member with the external id gives credentials of that account', async () => {
    const member = members()[0];
    const out = await sts().send(new AssumeRoleCommand({ RoleArn: roleArn(member), RoleSessionName: 'evidence-locker', ExternalId: 'evidence-locker-ext', DurationSeconds: 900 }));
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials!.Expiration).toBeInstanceOf(Date);
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${member}:assumed-role/${ROLE}/evidence-locker`);
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    const who = await new STSClient({ endpoint: sim().url, region: 'us-east-1', credentials }).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(member);
    const rec = await new ConfigServiceClient({ endpoint: sim().url, region: 'eu-west-1', credentials }).send(new DescribeConfigurationRecordersCommand({}));
    expect(rec.ConfigurationRecorders).toHaveLength(1);
  });

  it('AssumeRole is denied without the external id, for a missing role, for a denying trust policy, and from a member', async () => {
    const ids = members();
    const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: roleArn(ids[0]), RoleSessionName: 'sx' }))).rejects.toMatchObject(denied);
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: roleArn(ids.at(-1)!), RoleSessionName: 'sx', ExternalId: 'evidence-locker-ext' }))).rejects.toMatchObject(denied);
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: roleArn(ids.at(-2)!), RoleSessionName: 'sx', ExternalId: 'evidence-locker-ext' }))).rejects.toMatchObject(denied);
    const fromMember = new STSClient(clientConfig(sim(), { accountId: ids[0] }));
    await expect(fromMember.send(new AssumeRoleCommand({ RoleArn: roleArn(ids[1]), RoleSessionName: 'sx', ExternalId: 'evidence-locker-ext' }))).rejects.toMatchObject(denied);
    await expect(sts().send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 'sx' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('assumed credentials stop working after the configured lifetime with ExpiredToken', async () => {
    const start = new Date();
    sim().world.now = () => start;
    sim().setFaults({ credentialTtlMs: 60_000 });
    const out = await sts().send(new AssumeRoleCommand({ RoleArn: roleArn(members()[1]), RoleSessionName: 'evidence-locker', ExternalId: 'evidence-locker-ext' }));
    const credentials = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    const cfg = new ConfigServiceClient({ endpoint: sim().url, region: 'us-east-1', credentials, maxAttempts: 1 });
    await expect(cfg.send(new DescribeConfigurationRecordersCommand({}))).resolves.toBeDefined();
    sim().world.now = () => new Date(start.getTime() + 61_000);
    await expect(cfg.send(new DescribeConfigurationRecordersCommand({}))).rejects.toMatchObject({ name: 'ExpiredTokenException' });
    await expect(new STSClient({ endpoint: sim().url, region: 'us-east-1', credentials, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'ExpiredToken' });
  });

  it('simulatorEnv names one endpoint variable per SDK service and the management account credentials', () => {
    const env = simulatorEnv(sim());
    // One variable per SDK service the queries use (the list lives in src/simulator/env.ts), and nothing else.
    expect(Object.keys(env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_')).sort()).toEqual(SDK_SERVICE_IDS.map(endpointEnvName).sort());
    for (const v of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_S3_CONTROL', 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', 'AWS_ENDPOINT_URL_NETWORK_FIREWALL']) expect(env[v], v).toBe(sim().url);
    expect(SDK_SERVICE_IDS.map(endpointEnvName)).toContain('AWS_ENDPOINT_URL_CONFIG_SERVICE');
    expect(env.AWS_ACCESS_KEY_ID).toBe(simulatorCredentials(sim()).accessKeyId);
    expect(env.AWS_REGION).toBe('us-east-1');
  });

  it('the product’s client factory reaches the simulator from the environment alone, through an assumed role (S3 Control included)', async () => {
    Object.assign(process.env, simulatorEnv(sim()));
    const member = members()[0];
    const credentials = fromTemporaryCredentials({ params: { RoleArn: roleArn(member), RoleSessionName: 'evidence-locker', ExternalId: 'evidence-locker-ext' }, clientConfig: { region: 'us-east-1' } });
    const provider = new AwsClientProvider({ accountId: member, region: 'us-east-1', credentials, maxAttempts: 2 });
    try {
      expect((await provider.get(STSClient).send(new GetCallerIdentityCommand({}))).Account).toBe(member);
      const buckets = await provider.get(S3Client).send(new ListBucketsCommand({}));
      expect(buckets.Buckets!.every((b) => b.Name!.includes(member))).toBe(true);
      const pab = await provider.get(S3ControlClient).send(new GetPublicAccessBlockCommand({ AccountId: member })).catch((e: Error) => e);
      // Either the account setting or its documented absence: both prove the request reached the simulator.
      expect(pab instanceof Error ? pab.name : 'configured').toMatch(/^(configured|NoSuchPublicAccessBlockConfiguration)$/);
    } finally {
      provider.destroy();
    }
  });
});

describe('a fleet of 100 accounts in 4 regions', () => {
  const sim = useSimulator(() => ({ world: organizationWorld({ accounts: 100, regions: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'], seed: 1 }) }));

  it('answers 400 concurrent calls over kept-alive connections, counted per account', async () => {
    const ids = sim().world.organization!.accountIds;
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
    const calls = ids.flatMap((id) => regions.map((region) => new ConfigServiceClient(clientConfig(sim(), { accountId: id, region })).send(new DescribeConfigurationRecordersCommand({}))));
    const results = await Promise.all(calls);
    expect(results.every((r) => r.ConfigurationRecorders?.length === 1)).toBe(true);
    const byAccount = sim().stats().byAccount;
    expect(Object.keys(byAccount)).toHaveLength(100);
    expect(Object.values(byAccount).every((c) => c.calls === 4 && c.ok === 4)).toBe(true);
  });
});
