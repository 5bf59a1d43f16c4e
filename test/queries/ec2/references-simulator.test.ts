/**
 * ec2.admin-ports-open and ec2.security-group-egress read what security-group rules name through the real SDK against
 * the simulated AWS: a customer-managed prefix list's entries, and DescribeStaleSecurityGroups of a VPC whose groups'
 * inbound or outbound rules name a group the region's listing does not hold.
 */
import { describe, expect, it } from 'vitest';
import { DescribeStaleSecurityGroupsCommand, EC2Client, GetManagedPrefixListEntriesCommand, type SecurityGroup } from '@aws-sdk/client-ec2';
import { queryById } from '../../../src/queries/index.js';
import { DEMO_ACCOUNT_ID, DEMO_REGIONS, demoWorld, simulatorClientConfig } from '../../../src/simulator/index.js';
import { ec2State } from '../../../src/simulator/services/ec2.js';
import { awsManagedPrefixList } from '../../../src/simulator/worlds/seed-ec2.js';
import { demoSession } from '../s3/simulated-collect.js';

const [home, other] = DEMO_REGIONS;

const session = demoSession(() => {
  const world = demoWorld();
  const s = ec2State(world.account(DEMO_ACCOUNT_ID)!, home);
  const vpc = s.securityGroups[0].VpcId!;
  const reporting: SecurityGroup = {
    GroupId: 'sg-0a1111111111111b0',
    GroupName: 'reporting',
    Description: 'reporting replicas',
    OwnerId: DEMO_ACCOUNT_ID,
    VpcId: vpc,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0deadbeef0000000d', UserId: '444455556666', VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'deleted' }] },
      { IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0beefbeef0000000b', UserId: DEMO_ACCOUNT_ID }] },
    ],
    IpPermissionsEgress: [],
  };
  // Outbound to a peered account's group whose peering connection is gone.
  const replication: SecurityGroup = {
    GroupId: 'sg-0a1111111111111b1',
    GroupName: 'replication',
    Description: 'replication to the peer',
    OwnerId: DEMO_ACCOUNT_ID,
    VpcId: vpc,
    IpPermissions: [],
    IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0deadbeef0000000e', UserId: '444455556666', VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'deleted' }] }],
  };
  // SSH from the EC2 Instance Connect service's AWS-managed list, as AWS describes it to every account.
  const instanceConnect = awsManagedPrefixList(home, 'ec2-instance-connect');
  s.managedPrefixLists = [...(s.managedPrefixLists ?? []), instanceConnect];
  const eicSsh: SecurityGroup = {
    GroupId: 'sg-0a1111111111111b2',
    GroupName: 'eic-ssh',
    Description: 'SSH through EC2 Instance Connect',
    OwnerId: DEMO_ACCOUNT_ID,
    VpcId: vpc,
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [{ PrefixListId: instanceConnect.PrefixListId }], UserIdGroupPairs: [] }],
    IpPermissionsEgress: [],
  };
  s.securityGroups.push(reporting, replication, eicSsh);
  // The operators' list at its second version; AWS keeps the first, which held one network more.
  const corp = s.managedPrefixLists!.find((l) => l.OwnerId === DEMO_ACCOUNT_ID)!;
  corp.Version = 2;
  s.prefixListEntryHistory = { [corp.PrefixListId!]: { 1: [...s.prefixListEntries![corp.PrefixListId!], { Cidr: '192.0.2.0/24', Description: 'retired office' }] } };
  // AWS's answer for the VPC: the PostgreSQL rules' peer groups are gone with their peering connection.
  s.staleSecurityGroups = {
    [vpc]: [
      { GroupId: reporting.GroupId, GroupName: reporting.GroupName, Description: reporting.Description, VpcId: vpc, StaleIpPermissions: [{ ...reporting.IpPermissions![0], IpRanges: [], PrefixListIds: [] }], StaleIpPermissionsEgress: [] },
      { GroupId: replication.GroupId, GroupName: replication.GroupName, Description: replication.Description, VpcId: vpc, StaleIpPermissions: [], StaleIpPermissionsEgress: [{ ...replication.IpPermissionsEgress![0], IpRanges: [], PrefixListIds: [] }] },
    ],
  };
  return world;
});

describe('ec2.admin-ports-open against the simulated AWS: what rules name', () => {
  it('reads the named prefix lists and their entries, and the stale references of the VPC with an unresolved one', async () => {
    const { results, calls } = await session.run(queryById('ec2.admin-ports-open')!, home);
    const ops = calls.map((c) => c.operation);
    expect(ops.filter((o) => o === 'ec2:DescribeManagedPrefixLists')).toHaveLength(1);
    expect(ops.filter((o) => o === 'ec2:GetManagedPrefixListEntries')).toHaveLength(1);
    expect(calls.find((c) => c.operation === 'ec2:DescribeStaleSecurityGroups')?.input).toMatchObject({ VpcId: expect.stringMatching(/^vpc-0/) });
    const r = results.find((x) => x.reason.includes('(reporting)'))!;
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('tcp 5432 from security group sg-0deadbeef0000000d of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (deleted) (admin port 5432): a stale reference, as AWS reports it for vpc-0');
    expect(r.reason).toContain('tcp 3389 from security group sg-0beefbeef0000000b (admin port 3389): cannot be resolved');
    expect(results.find((x) => x.reason.includes('(admin-vpn)'))?.status).toBe('pass');
  });

  it('reads the entries of the version DescribeManagedPrefixLists gave as current (TargetVersion), and names that version', async () => {
    const { results, calls, data } = await session.run(queryById('ec2.admin-ports-open')!, home);
    const corp = ec2State(session.sim.world.account(DEMO_ACCOUNT_ID)!, home).managedPrefixLists!.find((l) => l.OwnerId === DEMO_ACCOUNT_ID)!;
    expect(calls.filter((c) => c.operation === 'ec2:GetManagedPrefixListEntries').map((c) => c.input)).toEqual([expect.objectContaining({ PrefixListId: corp.PrefixListId, TargetVersion: 2 })]);
    expect((data as { prefixListEntryVersions: Record<string, number> }).prefixListEntryVersions).toEqual({ [corp.PrefixListId!]: 2 });
    expect(results.find((x) => x.reason.includes('(admin-vpn)'))?.reason).toContain('(corp-admin-networks): 203.0.113.0/25, 198.51.100.128/25 (version 2, current when read: the one the rule uses)');
    // The simulator answers an earlier version with that version's entries, as EC2 does.
    const ec2 = new EC2Client(simulatorClientConfig(session.sim, { maxAttempts: 1 }));
    try {
      const first = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: corp.PrefixListId, TargetVersion: 1 }));
      expect(first.Entries?.map((e) => e.Cidr)).toEqual(['203.0.113.0/25', '198.51.100.128/25', '192.0.2.0/24']);
    } finally {
      ec2.destroy();
    }
  });

  it("serves the EC2 Instance Connect list as AWS does (OwnerId AWS, its com.amazonaws name); SSH from it passes, its entries unread", async () => {
    const { results, calls, data } = await session.run(queryById('ec2.admin-ports-open')!, home);
    const lists = (data as { prefixLists: { PrefixListName?: string; OwnerId?: string; PrefixListId?: string }[] }).prefixLists;
    const eic = lists.find((l) => l.PrefixListName === `com.amazonaws.${home}.ec2-instance-connect`)!;
    expect(eic).toMatchObject({ OwnerId: 'AWS', PrefixListId: expect.stringMatching(/^pl-/) });
    expect(calls.filter((c) => c.operation === 'ec2:GetManagedPrefixListEntries').map((c) => c.input)).not.toContainEqual(expect.objectContaining({ PrefixListId: eic.PrefixListId }));
    const r = results.find((x) => x.reason.includes('(eic-ssh)'))!;
    expect(r.status).toBe('pass');
    expect(r.reason).toContain(`from AWS-managed prefix list ${eic.PrefixListId} (com.amazonaws.${home}.ec2-instance-connect) (admin port 22)`);
  });

  it('ec2.security-group-egress reads the same stale references: an outbound rule AWS reports stale needs review, named', async () => {
    const { results, calls } = await session.run(queryById('ec2.security-group-egress')!, home);
    expect(calls.filter((c) => c.operation === 'ec2:DescribeStaleSecurityGroups')).toHaveLength(1);
    const r = results.find((x) => x.reason.includes('(replication)'))!;
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('tcp 5432 to security group sg-0deadbeef0000000e of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (deleted): a stale reference, as AWS reports it for vpc-0');
  });

  it('makes none of those calls where no rule names a prefix list or an unknown group', async () => {
    const { calls } = await session.run(queryById('ec2.admin-ports-open')!, other);
    expect(calls.map((c) => c.operation)).toEqual(['ec2:DescribeSecurityGroups']);
  });

  it('the simulated operations page and refuse bad input as EC2 documents', async () => {
    const ec2 = new EC2Client(simulatorClientConfig(session.sim, { maxAttempts: 1 }));
    try {
      await expect(ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-0nothere000000000' }))).rejects.toMatchObject({ name: 'InvalidPrefixListID.NotFound' });
      await expect(ec2.send(new DescribeStaleSecurityGroupsCommand({ VpcId: 'vpc-0nothere', MaxResults: 5 }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
      const vpc = Object.keys(ec2State(session.sim.world.account(DEMO_ACCOUNT_ID)!, home).staleSecurityGroups!)[0];
      await expect(ec2.send(new DescribeStaleSecurityGroupsCommand({ VpcId: vpc, MaxResults: 300 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      const stale = (await ec2.send(new DescribeStaleSecurityGroupsCommand({ VpcId: vpc }))).StaleSecurityGroupSet;
      expect(stale?.map((g) => g.GroupName)).toEqual(['reporting', 'replication']);
      // staleIpPermissionsEgress, as the API reference names it, reaches the SDK's StaleIpPermissionsEgress.
      expect(stale?.[1].StaleIpPermissionsEgress?.[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-0deadbeef0000000e', UserId: '444455556666', VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'deleted' }] });
      expect(stale?.[0].StaleIpPermissionsEgress ?? []).toEqual([]);
      const list = ec2State(session.sim.world.account(DEMO_ACCOUNT_ID)!, home).managedPrefixLists!.find((l) => l.OwnerId === DEMO_ACCOUNT_ID)!;
      const first = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: list.PrefixListId, MaxResults: 1 }));
      expect(first.Entries).toHaveLength(1);
      const rest = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: list.PrefixListId, MaxResults: 1, NextToken: first.NextToken }));
      expect([...first.Entries!, ...rest.Entries!].map((e) => e.Cidr)).toEqual(['203.0.113.0/25', '198.51.100.128/25']);
      expect(rest.NextToken).toBeUndefined();
    } finally {
      ec2.destroy();
    }
  });
});
