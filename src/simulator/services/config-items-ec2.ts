/**
 * AWS Config configuration items of the simulated members' EC2 instances and network (network ACLs and interfaces,
 * subnets, route tables, internet and NAT gateways, prefix lists), built from the same state their Describe calls answer from.
 */
import type { Instance, NatGateway, NetworkAcl, NetworkAclEntry, NetworkInterface, Subnet } from '@aws-sdk/client-ec2';
import type { SimAccount } from '../world.js';
import { configCase, type ConfigItemGenerator, type SimConfigItem } from './config-items.js';

/** The simulated AWS Config recorded every resource a quarter of an hour before the call (as config-items.ts does). */
function captureTime(now: Date): string {
  return new Date(now.getTime() - 15 * 60_000).toISOString();
}

function tagMap(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}

/** AWS Config writes the bean fields a resource lacks as `null` where the API leaves them out. */
function withNulls<T extends object>(recorded: T, absent: readonly string[]): T {
  const out: Record<string, unknown> = { ...(recorded as Record<string, unknown>) };
  for (const k of absent) if (out[k] === undefined) out[k] = null;
  return out as T;
}

function item(account: SimAccount, region: string, now: Date, resourceType: string, resourceId: string, kind: string, configuration: unknown, tags: Record<string, string>, status: SimConfigItem['configurationItemStatus'] = 'OK'): SimConfigItem {
  return {
    accountId: account.id,
    awsRegion: region,
    resourceType,
    resourceId,
    arn: `arn:aws:ec2:${region}:${account.id}:${kind}/${resourceId}`,
    configurationItemCaptureTime: captureTime(now),
    configurationItemStatus: status,
    configuration,
    supplementaryConfiguration: {},
    tags,
  };
}

function ec2(account: SimAccount, region: string) {
  return account.regions.get(region)?.ec2;
}

/** A terminated instance's item is ResourceDeleted with no configuration, as AWS Config records a deletion. */
function instanceItem(account: SimAccount, region: string, now: Date, i: Instance): SimConfigItem {
  if (i.State?.Name === 'terminated') return item(account, region, now, 'AWS::EC2::Instance', i.InstanceId ?? '', 'instance', null, {}, 'ResourceDeleted');
  return item(account, region, now, 'AWS::EC2::Instance', i.InstanceId ?? '', 'instance', withNulls(configCase(i) as object, ['publicIpAddress', 'publicDnsName', 'kernelId', 'ramdiskId', 'platform']), tagMap(i.Tags));
}

function networkAclConfiguration(acl: NetworkAcl): unknown {
  const entry = (e: NetworkAclEntry) => withNulls(configCase(e) as object, ['cidrBlock', 'ipv6CidrBlock', 'portRange', 'icmpTypeCode']);
  const { Entries, ...rest } = acl;
  return { ...(configCase(rest) as object), entries: (Entries ?? []).map(entry) };
}

function networkInterfaceConfiguration(n: NetworkInterface): unknown {
  return withNulls(configCase(n) as object, ['association', 'attachment', 'requesterId', 'outpostArn']);
}

/** A function, not a constant: config-items.ts spreads it while this module may still be loading (the two import each other). */
/** The resource schema records no `subnetArn` for AWS::EC2::Subnet: the item's own `arn` names it. */
function subnetConfiguration(subnet: Subnet): unknown {
  const { SubnetArn: _arn, ...rest } = subnet;
  return configCase(rest);
}

/** The resource schema lists a NAT gateway's state as `state.value`. */
function natGatewayConfiguration(nat: NatGateway): unknown {
  const { State, ...rest } = nat;
  return { ...(configCase(rest) as object), state: { value: State } };
}

export function ec2ConfigItemGenerators(): Record<string, ConfigItemGenerator> {
  return {
  'AWS::EC2::Instance': (account, region, now) => (ec2(account, region)?.reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => instanceItem(account, region, now, i))),
  'AWS::EC2::NetworkAcl': (account, region, now) =>
    (ec2(account, region)?.networkAcls ?? []).map((acl) => item(account, region, now, 'AWS::EC2::NetworkAcl', acl.NetworkAclId ?? '', 'network-acl', networkAclConfiguration(acl), tagMap(acl.Tags))),
  'AWS::EC2::NetworkInterface': (account, region, now) =>
    (ec2(account, region)?.networkInterfaces ?? []).map((n) => item(account, region, now, 'AWS::EC2::NetworkInterface', n.NetworkInterfaceId ?? '', 'network-interface', networkInterfaceConfiguration(n), tagMap(n.TagSet))),
    'AWS::EC2::Subnet': (account, region, now) => (ec2(account, region)?.subnets ?? []).map((x) => item(account, region, now, 'AWS::EC2::Subnet', x.SubnetId ?? '', 'subnet', subnetConfiguration(x), tagMap(x.Tags))),
    'AWS::EC2::RouteTable': (account, region, now) => (ec2(account, region)?.routeTables ?? []).map((x) => item(account, region, now, 'AWS::EC2::RouteTable', x.RouteTableId ?? '', 'route-table', configCase(x), tagMap(x.Tags))),
    'AWS::EC2::InternetGateway': (account, region, now) =>
      (ec2(account, region)?.internetGateways ?? []).map((x) => item(account, region, now, 'AWS::EC2::InternetGateway', x.InternetGatewayId ?? '', 'internet-gateway', configCase(x), tagMap(x.Tags))),
    // A deleted NAT gateway stays in DescribeNatGateways for a while; AWS Config records its deletion.
    'AWS::EC2::NatGateway': (account, region, now) =>
      (ec2(account, region)?.natGateways ?? []).map((x) =>
        x.State === 'deleted' ? item(account, region, now, 'AWS::EC2::NatGateway', x.NatGatewayId ?? '', 'natgateway', null, {}, 'ResourceDeleted') : item(account, region, now, 'AWS::EC2::NatGateway', x.NatGatewayId ?? '', 'natgateway', natGatewayConfiguration(x), tagMap(x.Tags)),
      ),
    // The resource schema records a prefix list in CloudFormation's case (AddressFamily, PrefixListId); AWS-managed lists are not the account's resources.
    'AWS::EC2::PrefixList': (account, region, now) =>
      (ec2(account, region)?.managedPrefixLists ?? [])
        .filter((x) => x.OwnerId === account.id)
        .map((x) => item(account, region, now, 'AWS::EC2::PrefixList', x.PrefixListId ?? '', 'prefix-list', { PrefixListId: x.PrefixListId, PrefixListName: x.PrefixListName, AddressFamily: x.AddressFamily, MaxEntries: x.MaxEntries, OwnerId: x.OwnerId, Arn: x.PrefixListArn, Version: x.Version }, tagMap(x.Tags))),
  };
}
