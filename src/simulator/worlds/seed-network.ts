/** VPC network of the demo account and generated accounts: subnets, network ACLs, route tables, gateways, flow logs. */
import type { FlowLog, NetworkAcl, NetworkAclEntry, NetworkInterface, RouteTable, Subnet, Tag } from '@aws-sdk/client-ec2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ec2State } from '../services/ec2.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

const name = (n: string): Tag[] => [{ Key: 'Name', Value: n }];

function entry(rule: number, egress: boolean, action: 'allow' | 'deny', protocol: string, cidr: string, ports?: [number, number]): NetworkAclEntry {
  return { RuleNumber: rule, Egress: egress, RuleAction: action, Protocol: protocol, ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }), ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}) };
}

/** The rules AWS gives a default network ACL: allow everything both ways (rule 100), then the fixed deny-all `*`. */
const DEFAULT_ACL_ENTRIES: NetworkAclEntry[] = [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(32767, false, 'deny', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '-1', '0.0.0.0/0'), entry(32767, true, 'deny', '-1', '0.0.0.0/0')];

/** A public subnet's ACL: HTTPS and the ephemeral return ports in, SSH and RDP denied first; all out. */
const PUBLIC_ACL_ENTRIES: NetworkAclEntry[] = [
  entry(90, false, 'deny', '6', '0.0.0.0/0', [22, 22]),
  entry(91, false, 'deny', '6', '0.0.0.0/0', [3389, 3389]),
  entry(100, false, 'allow', '6', '0.0.0.0/0', [443, 443]),
  entry(110, false, 'allow', '6', '0.0.0.0/0', [1024, 65535]),
  entry(32767, false, 'deny', '-1', '0.0.0.0/0'),
  entry(100, true, 'allow', '-1', '0.0.0.0/0'),
  entry(32767, true, 'deny', '-1', '0.0.0.0/0'),
];

/** An application subnet's ACL: the VPC and return traffic in (RDP, inside the return range, denied first); out to the VPC and HTTPS. */
const PRIVATE_ACL_ENTRIES: NetworkAclEntry[] = [
  entry(90, false, 'deny', '6', '0.0.0.0/0', [3389, 3389]),
  entry(100, false, 'allow', '-1', '10.0.0.0/16'),
  entry(110, false, 'allow', '6', '0.0.0.0/0', [1024, 65535]),
  entry(32767, false, 'deny', '-1', '0.0.0.0/0'),
  entry(100, true, 'allow', '-1', '10.0.0.0/16'),
  entry(110, true, 'allow', '6', '0.0.0.0/0', [443, 443]),
  entry(32767, true, 'deny', '-1', '0.0.0.0/0'),
];

/**
 * Every account and region: one VPC with an application subnet (the instances, outbound through a NAT gateway) and a
 * public subnet (the NAT gateway, routed to the internet gateway), each with its own network ACL, and a flow log of all
 * traffic. The demo's home region fails: the application subnet keeps the default network ACL (all traffic from
 * anywhere) and routes straight to the internet gateway while the legacy batch host has a public address. The demo's
 * second region has no flow log.
 */
export function seedNetwork(account: SimAccount, world: WorldSeedContext): void {
  world.regions.forEach((region, i) => {
    const s = ec2State(account, region);
    const demoHome = world.kind === 'demo' && i === 0;
    const id = (kind: string, prefix: string) => `${prefix}-0${stableHex(`${account.id}/${region}/${kind}`, 16)}`;
    // The VPC and application subnet ids seedEc2 gave the instances.
    const vpc = id('vpc', 'vpc');
    const appSubnet = id('subnet', 'subnet');
    const publicSubnet = id('public-subnet', 'subnet');
    const subnet = (sid: string, cidr: string, label: string, publicIps: boolean): Subnet => ({
      SubnetId: sid,
      SubnetArn: `arn:aws:ec2:${region}:${account.id}:subnet/${sid}`,
      VpcId: vpc,
      CidrBlock: cidr,
      AvailabilityZone: `${region}a`,
      AvailableIpAddressCount: 250,
      DefaultForAz: false,
      MapPublicIpOnLaunch: publicIps,
      State: 'available',
      OwnerId: account.id,
      Tags: name(label),
    });
    s.vpcs = [{ VpcId: vpc, CidrBlock: '10.0.0.0/16', State: 'available', IsDefault: false, InstanceTenancy: 'default', OwnerId: account.id, DhcpOptionsId: id('dhcp', 'dopt'), Tags: name(world.kind === 'demo' ? 'payments' : 'workload') }];
    s.subnets = [subnet(appSubnet, '10.0.0.0/17', 'application', demoHome), subnet(publicSubnet, '10.0.128.0/24', 'public', true)];

    const igw = id('igw', 'igw');
    s.internetGateways = [{ InternetGatewayId: igw, OwnerId: account.id, Attachments: [{ VpcId: vpc, State: 'available' as never }], Tags: name('internet') }];
    const nat = id('nat', 'nat');
    const natEni = id('nat-eni', 'eni');
    const natPublic = `203.0.113.${(parseInt(stableHex(`${account.id}/${region}/eip`, 2), 16) % 250) + 2}`;
    s.natGateways = [
      {
        NatGatewayId: nat,
        SubnetId: publicSubnet,
        VpcId: vpc,
        State: 'available',
        ConnectivityType: 'public',
        CreateTime: new Date(world.now.getTime() - 400 * DAY),
        NatGatewayAddresses: [{ AllocationId: id('eip', 'eipalloc'), NetworkInterfaceId: natEni, PrivateIp: '10.0.128.10', PublicIp: natPublic, IsPrimary: true, Status: 'succeeded' }],
        Tags: name('egress'),
      },
    ];
    const natInterface: NetworkInterface = {
      NetworkInterfaceId: natEni,
      InterfaceType: 'natGateway',
      Description: `Interface for NAT Gateway ${nat}`,
      AvailabilityZone: `${region}a`,
      OwnerId: account.id,
      PrivateIpAddress: '10.0.128.10',
      Association: { PublicIp: natPublic, IpOwnerId: 'amazon' },
      RequesterId: 'AROAEXAMPLENATGATEWAY:nat-gateway',
      RequesterManaged: true,
      SourceDestCheck: false,
      Status: 'in-use',
      SubnetId: publicSubnet,
      VpcId: vpc,
    };
    s.networkInterfaces = [...(s.networkInterfaces ?? []), natInterface];

    const local = { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable' as const, State: 'active' as const };
    const table = (kind: string, label: string, routes: RouteTable['Routes'], subnetId?: string): RouteTable => {
      const rtb = id(`rtb/${kind}`, 'rtb');
      return {
        RouteTableId: rtb,
        VpcId: vpc,
        OwnerId: account.id,
        Routes: [local, ...(routes ?? [])],
        Associations: [subnetId ? { RouteTableAssociationId: id(`rtbassoc/${kind}`, 'rtbassoc'), RouteTableId: rtb, SubnetId: subnetId, Main: false, AssociationState: { State: 'associated' } } : { RouteTableAssociationId: id(`rtbassoc/${kind}`, 'rtbassoc'), RouteTableId: rtb, Main: true, AssociationState: { State: 'associated' } }],
        PropagatingVgws: [],
        Tags: name(label),
      };
    };
    const toIgw = { DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw, Origin: 'CreateRoute' as const, State: 'active' as const };
    const toNat = { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat, Origin: 'CreateRoute' as const, State: 'active' as const };
    s.routeTables = [table('main', 'main', []), table('public', 'public', [toIgw], publicSubnet), table('application', 'application', [demoHome ? toIgw : toNat], appSubnet)];

    const acl = (kind: string, isDefault: boolean, entries: NetworkAclEntry[], subnets: string[]): NetworkAcl => {
      const aclId = id(`acl/${kind}`, 'acl');
      return {
        NetworkAclId: aclId,
        VpcId: vpc,
        OwnerId: account.id,
        IsDefault: isDefault,
        Entries: entries,
        Associations: subnets.map((sub) => ({ NetworkAclAssociationId: id(`aclassoc/${sub}`, 'aclassoc'), NetworkAclId: aclId, SubnetId: sub })),
        Tags: isDefault ? [] : name(kind),
      };
    };
    s.networkAcls = [acl('default', true, DEFAULT_ACL_ENTRIES, demoHome ? [appSubnet] : []), acl('public', false, PUBLIC_ACL_ENTRIES, [publicSubnet]), ...(demoHome ? [] : [acl('application', false, PRIVATE_ACL_ENTRIES, [appSubnet])])];

    // The demo's legacy batch host got a public address when its subnet was opened to the internet.
    if (demoHome) {
      const legacy = (s.reservations ?? []).flatMap((r) => r.Instances ?? []).find((inst) => inst.Tags?.some((t) => t.Key === 'Name' && t.Value === 'legacy-batch'));
      const publicIp = '198.51.100.23';
      if (legacy) {
        legacy.PublicIpAddress = publicIp;
        const eni = s.networkInterfaces.find((n) => n.Attachment?.InstanceId === legacy.InstanceId);
        if (eni) eni.Association = { PublicIp: publicIp, IpOwnerId: 'amazon', PublicDnsName: `ec2-198-51-100-23.compute-1.amazonaws.com` };
      }
    }

    const flowLog = (): FlowLog => ({
      FlowLogId: id('flow-log', 'fl'),
      ResourceId: vpc,
      TrafficType: 'ALL',
      FlowLogStatus: 'ACTIVE',
      DeliverLogsStatus: 'SUCCESS',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: '/vpc/flow-logs',
      LogDestination: `arn:aws:logs:${region}:${account.id}:log-group:/vpc/flow-logs`,
      DeliverLogsPermissionArn: `arn:aws:iam::${account.id}:role/vpc-flow-logs-delivery`,
      CreationTime: new Date(world.now.getTime() - 300 * DAY),
      LogFormat: '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
      MaxAggregationInterval: 600,
      Tags: [],
    });
    s.flowLogs = world.kind === 'demo' && i === 1 ? [] : [flowLog()];
  });
}
