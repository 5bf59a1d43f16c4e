/** The simulated AWS Config items of EC2 resources follow the members' own EC2 state and the types' documented quirks. */
import { describe, expect, it } from 'vitest';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/index.js';
import { configItems } from '../../src/simulator/services/config-items.js';
import { ec2State } from '../../src/simulator/services/ec2.js';

const REGION = 'us-east-1';

describe('AWS::EC2 configuration items of the simulated members', () => {
  const world = organizationWorld({ accounts: 2, regions: [REGION], seed: 3, delegatedAdministrator: true });
  const member = world.account(world.organization!.accountIds.find((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID)!)!;
  const now = world.now();
  const types = ['AWS::EC2::Instance', 'AWS::EC2::NetworkAcl', 'AWS::EC2::NetworkInterface', 'AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway'];
  const state = ec2State(member, REGION);

  it('one item per resource the member lists, in the key case AWS Config records, absent fields as null', () => {
    const items = configItems(member, REGION, types, now);
    const count = (t: string) => items.filter((i) => i.resourceType === t).length;
    expect(count('AWS::EC2::Instance')).toBe(state.reservations.flatMap((r) => r.Instances ?? []).length);
    expect(count('AWS::EC2::NetworkAcl')).toBe(state.networkAcls!.length);
    expect(count('AWS::EC2::NetworkInterface')).toBe(state.networkInterfaces!.length);
    expect(count('AWS::EC2::Subnet')).toBe(state.subnets!.length);
    const instance = items.find((i) => i.resourceType === 'AWS::EC2::Instance')!.configuration as Record<string, unknown>;
    expect(instance).toMatchObject({ metadataOptions: { httpTokens: 'required' }, kernelId: null, state: { name: 'running' } });
    const subnet = items.find((i) => i.resourceType === 'AWS::EC2::Subnet')!;
    expect(subnet.configuration).not.toHaveProperty('subnetArn');
    expect(subnet.arn).toBe(state.subnets![0].SubnetArn);
    expect(items.find((i) => i.resourceType === 'AWS::EC2::NatGateway')!.configuration).toMatchObject({ state: { value: 'available' } });
    const acl = items.find((i) => i.resourceType === 'AWS::EC2::NetworkAcl')!.configuration as { entries: Record<string, unknown>[] };
    expect(acl.entries.some((e) => e.portRange === null && e.ipv6CidrBlock === null)).toBe(true);
  });

  it('a terminated instance and a deleted NAT gateway are recorded as deletions, with no configuration', () => {
    const instance = state.reservations[0].Instances![0];
    const nat = state.natGateways![0];
    const saved = [instance.State, nat.State] as const;
    instance.State = { Code: 48, Name: 'terminated' };
    nat.State = 'deleted';
    try {
      const items = configItems(member, REGION, ['AWS::EC2::Instance', 'AWS::EC2::NatGateway'], now);
      expect(items.find((i) => i.resourceId === instance.InstanceId)).toMatchObject({ configurationItemStatus: 'ResourceDeleted', configuration: null });
      expect(items.find((i) => i.resourceId === nat.NatGatewayId)).toMatchObject({ configurationItemStatus: 'ResourceDeleted', configuration: null });
    } finally {
      instance.State = saved[0];
      nat.State = saved[1];
    }
  });
  it("AWS::EC2::PrefixList items hold the member's own lists in CloudFormation's case, not the AWS-managed ones it can see", () => {
    const saved = state.managedPrefixLists;
    state.managedPrefixLists = [
      { PrefixListId: 'pl-0own', PrefixListName: 'partners', AddressFamily: 'IPv6', OwnerId: member.id, MaxEntries: 5, Version: 2, State: 'create-complete' },
      { PrefixListId: 'pl-68a54001', PrefixListName: 'com.amazonaws.us-east-1.s3', AddressFamily: 'IPv4', OwnerId: 'AWS', State: 'create-complete' },
    ];
    try {
      const items = configItems(member, REGION, ['AWS::EC2::PrefixList'], now);
      expect(items.map((i) => i.resourceId)).toEqual(['pl-0own']);
      expect(items[0].configuration).toMatchObject({ PrefixListId: 'pl-0own', AddressFamily: 'IPv6', OwnerId: member.id });
    } finally {
      state.managedPrefixLists = saved;
    }
  });
});
