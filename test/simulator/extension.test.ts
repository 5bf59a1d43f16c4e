import { describe, expect, it } from 'vitest';
import { DescribeRegionsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetAccountSummaryCommand, GetRoleCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsJson1_1, awsQuery, ec2Query } from '../../src/simulator/protocols/wire.js';
import { operation, SimError, type SimService } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

/** Services registered by a test exactly as a new services/<name>.ts module would register them. */
const ec2: SimService = {
  name: 'ec2',
  signingName: 'ec2',
  protocol: ec2Query,
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  operations: [
    operation(DescribeRegionsCommand, (input) => ({
      Regions: ['us-east-1', 'us-west-2']
        .filter((r) => !input.RegionNames?.length || input.RegionNames.includes(r))
        .map((r) => ({ RegionName: r, Endpoint: `ec2.${r}.amazonaws.com`, OptInStatus: 'opt-in-not-required' })),
    })),
    operation(DescribeVolumesCommand, (input) => {
      const filter = input.Filters?.find((f) => f.Name === 'encrypted');
      const volumes = [
        { VolumeId: 'vol-0aaa', Encrypted: true, Size: 8, CreateTime: new Date('2025-01-02T03:04:05Z'), Tags: [{ Key: 'Name', Value: 'root' }] },
        { VolumeId: 'vol-0bbb', Encrypted: false, Size: 100, CreateTime: new Date('2025-02-03T04:05:06Z'), Tags: [] },
      ];
      return { Volumes: filter ? volumes.filter((v) => filter.Values!.includes(String(v.Encrypted))) : volumes };
    }),
  ],
};

const iam: SimService = {
  name: 'iam',
  signingName: 'iam',
  protocol: awsQuery,
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  operations: [
    operation(GetAccountSummaryCommand, () => ({ SummaryMap: { AccountMFAEnabled: 1, Users: 4, AccountAccessKeysPresent: 0 } })),
    operation(GetRoleCommand, (input) => {
      throw new SimError('NoSuchEntity', `The role with name ${input.RoleName} cannot be found.`, 404);
    }),
    operation(ListUsersCommand, (input) => {
      if (input.MaxItems === 0) throw new SimError('ValidationError', 'MaxItems must be at least 1.');
      return { Users: [{ Path: '/', UserName: 'alice.ops', UserId: 'AIDAALICE', Arn: 'arn:aws:iam::111122223333:user/alice.ops', CreateDate: new Date('2024-05-06T07:08:09Z'), PasswordLastUsed: new Date('2026-01-01T00:00:00Z') }], IsTruncated: false };
    }),
  ],
};

const kms: SimService = {
  name: 'kms',
  signingName: 'kms',
  protocol: awsJson1_1,
  operations: [
    operation(DescribeKeyCommand, (input) => {
      if (input.KeyId !== 'alias/demo') throw new SimError('NotFoundException', `Alias ${input.KeyId} is not found.`);
      return { KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', KeyState: 'Enabled' as const, KeyManager: 'CUSTOMER' as const, CreationDate: new Date('2024-01-01T00:00:00Z'), Enabled: true } };
    }),
  ],
};

describe('registering further services (ec2Query, awsQuery maps and lists, awsJson errors)', () => {
  const sim = useSimulator({ services: [ec2, iam, kms] });

  it('EC2 DescribeRegions and DescribeVolumes decode item lists, filters and timestamps', async () => {
    const client = new EC2Client(clientConfig(sim()));
    const regions = await client.send(new DescribeRegionsCommand({ RegionNames: ['us-west-2'] }));
    expect(regions.Regions).toEqual([{ RegionName: 'us-west-2', Endpoint: 'ec2.us-west-2.amazonaws.com', OptInStatus: 'opt-in-not-required' }]);
    const vols = await client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'encrypted', Values: ['false'] }] }));
    expect(vols.Volumes).toHaveLength(1);
    expect(vols.Volumes![0]).toMatchObject({ VolumeId: 'vol-0bbb', Encrypted: false, Size: 100 });
    expect(vols.Volumes![0].CreateTime).toEqual(new Date('2025-02-03T04:05:06Z'));
    const all = await client.send(new DescribeVolumesCommand({}));
    expect(all.Volumes![0].Tags).toEqual([{ Key: 'Name', Value: 'root' }]);
  });

  it('EC2 errors use the <Response><Errors> format', async () => {
    sim().setFaults({ rules: [{ service: 'ec2', accessDenied: true }] });
    try {
      await expect(new EC2Client(clientConfig(sim())).send(new DescribeRegionsCommand({}))).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    } finally {
      sim().setFaults({});
    }
  });

  it('IAM GetAccountSummary (map entries) and ListUsers (member lists, ISO timestamps)', async () => {
    const client = new IAMClient(clientConfig(sim()));
    const summary = await client.send(new GetAccountSummaryCommand({}));
    expect(summary.SummaryMap).toEqual({ AccountMFAEnabled: 1, Users: 4, AccountAccessKeysPresent: 0 });
    const users = await client.send(new ListUsersCommand({}));
    expect(users.Users![0]).toMatchObject({ UserName: 'alice.ops', CreateDate: new Date('2024-05-06T07:08:09Z') });
    expect(users.IsTruncated).toBe(false);
    await expect(client.send(new ListUsersCommand({ MaxItems: 0 }))).rejects.toMatchObject({ name: 'ValidationError' });
    // The wire code NoSuchEntity maps to the modelled exception through its awsQueryError trait.
    await expect(client.send(new GetRoleCommand({ RoleName: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
  });

  it('KMS modelled errors map to the SDK exception class', async () => {
    const client = new KMSClient(clientConfig(sim()));
    expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/demo' }))).KeyMetadata?.CreationDate).toEqual(new Date('2024-01-01T00:00:00Z'));
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'alias/none' }))).rejects.toMatchObject({ name: 'NotFoundException', message: 'Alias alias/none is not found.' });
  });

  it('handlers are typed with the SDK output types: a misspelt field does not compile', () => {
    // @ts-expect-error `Acount` is not a member of GetCallerIdentityResponse.
    const op = operation(GetCallerIdentityCommand, () => ({ Acount: '111122223333' }));
    expect(op.name).toBe('GetCallerIdentity');
  });
});
