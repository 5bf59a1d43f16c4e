import type { InternetGateway, NatGateway, NetworkInterface, Route, RouteTable, Subnet } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { allPages, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';
import { recordedEc2Resource } from './recorded-items.js';

/**
 * DescribeSubnets, DescribeRouteTables, DescribeInternetGateways, DescribeNatGateways and DescribeNetworkInterfaces, all
 * pages. The last three are kept as a captured error when they fail, so the subnets they do not decide stay judged.
 */
export interface RouteTablesEvidence {
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[] | CapturedError;
  natGateways: NatGateway[] | CapturedError;
  networkInterfaces: NetworkInterface[] | CapturedError;
}

/** The code of a listing the aggregator's items cannot stand in for (a type AWS Config holds no item of). */
const ITEMS_MISSING = 'ConfigurationItemsMissing';

/**
 * AWS::EC2::Subnet, RouteTable, InternetGateway, NatGateway and NetworkInterface configuration items (one read) as the
 * five Describe responses. A recorder may record some of these types and not others, so an absence that would turn
 * into a pass is kept as unknown: no interface items beside subnets, or an active route to an internet gateway AWS
 * Config holds no item of, become captured errors (the evaluation then reports instances as unknown, or treats the
 * gateway as attached, as it does when those Describe calls fail).
 */
export const ROUTING_ITEMS: ConfigItemFamily<RouteTablesEvidence> = {
  resourceTypes: ['AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::NetworkInterface'],
  toEvidence(items) {
    const of = (type: string) => items.filter((i) => i.resourceType === type);
    const subnets = of('AWS::EC2::Subnet').map((i) => ({ SubnetArn: i.arn, ...recordedEc2Resource<Subnet>(i) }));
    const routeTables = of('AWS::EC2::RouteTable').map((i) => recordedEc2Resource<RouteTable>(i));
    const gateways = of('AWS::EC2::InternetGateway').map((i) => recordedEc2Resource<InternetGateway>(i));
    const natGateways = of('AWS::EC2::NatGateway').map(natGatewayFromItem);
    const interfaces = of('AWS::EC2::NetworkInterface').map((i) => recordedEc2Resource<NetworkInterface>(i));
    const known = new Set(gateways.map((g) => g.InternetGatewayId));
    const unknownIgw = routeTables.flatMap((t) => t.Routes ?? []).find((r) => r.State !== 'blackhole' && r.GatewayId?.startsWith('igw-') && !known.has(r.GatewayId))?.GatewayId;
    const missing = (message: string): CapturedError => ({ error: { code: ITEMS_MISSING, message } });
    // A table associated with a subnet that has no item means subnets are not recorded: the evidence then lacks them (an error), not "no subnets".
    const subnetsUnrecorded = !subnets.length && routeTables.some((t) => (t.Associations ?? []).some((a) => a.SubnetId));
    return {
      subnets: subnetsUnrecorded ? (undefined as unknown as Subnet[]) : subnets,
      routeTables,
      internetGateways: unknownIgw ? missing(`AWS Config holds no item of internet gateway ${unknownIgw}, which an active route names`) : gateways,
      natGateways,
      networkInterfaces: subnets.length && !interfaces.length ? missing('AWS Config holds no network interface item in this account and region (the recorder may not record AWS::EC2::NetworkInterface)') : interfaces,
    };
  },
};

/** The resource schema lists a NAT gateway's recorded state as `state.value`; the API gives the bare state. */
function natGatewayFromItem(item: ConfigItem): NatGateway {
  const nat = recordedEc2Resource<NatGateway & { State?: unknown }>(item);
  const state = nat.State as { Value?: string } | string | undefined;
  return { ...nat, State: (typeof state === 'object' ? state?.Value : state) as NatGateway['State'] };
}

// EC2 reports an attached internet gateway as `available` though its type names `attached`.
const ATTACHED = new Set(['available', 'attached']);

function destination(r: Route): string {
  return r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? '?';
}

/** The route table a subnet uses: its explicit association, else its VPC's main table (as the VPC routes it). */
export function routeTableOf(subnet: Subnet, tables: RouteTable[]): { table?: RouteTable; explicit: boolean } {
  const explicit = tables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnet.SubnetId));
  if (explicit) return { table: explicit, explicit: true };
  return { table: tables.find((t) => t.VpcId === subnet.VpcId && (t.Associations ?? []).some((a) => a.Main === true)), explicit: false };
}

/** Interface types an instance owns: the ordinary interface, Elastic Fabric Adapters, and the trunk of ENI trunking. */
const INSTANCE_INTERFACE_TYPES = new Set([undefined, 'interface', 'efa', 'efa-only', 'trunk']);

/** An interface an instance owns (as opposed to one an AWS service manages for a NAT gateway, load balancer, endpoint). */
function isInstanceInterface(n: NetworkInterface): boolean {
  return n.RequesterManaged !== true && INSTANCE_INTERFACE_TYPES.has(n.InterfaceType) && !!n.Attachment?.InstanceId;
}

/**
 * Interfaces whose public address is what the resource is for: a NAT gateway's, a load balancer's (an internet-facing
 * Application or Classic Load Balancer's interfaces have type `interface` and the description `ELB ...`), Global
 * Accelerator's. Any other managed interface with a public address (an RDS instance made publicly accessible, an ECS
 * task or other service given a public IP) is a resource reachable from the internet that this evidence cannot judge.
 */
const PUBLIC_BY_DESIGN_TYPES = new Set(['natGateway', 'load_balancer', 'network_load_balancer', 'gateway_load_balancer', 'global_accelerator_managed']);
function isPublicByDesign(n: NetworkInterface): boolean {
  return PUBLIC_BY_DESIGN_TYPES.has(String(n.InterfaceType)) || /^ELB /.test(n.Description ?? '');
}

/** Who holds a managed interface, as DescribeNetworkInterfaces names it: its description, type and the owner of its attachment. */
function managedLabel(n: NetworkInterface): string {
  const owner = n.Attachment?.InstanceOwnerId ?? n.RequesterId;
  return `${n.InterfaceType ?? 'interface'} ${n.NetworkInterfaceId}${n.Description ? ` ("${n.Description}")` : ''}${owner ? ` managed by ${owner}` : ''}`;
}

function interfaceLabel(n: NetworkInterface): string {
  return n.Attachment?.InstanceId ? `instance ${n.Attachment.InstanceId}` : `${n.InterfaceType ?? 'interface'} ${n.NetworkInterfaceId}`;
}

export const routeTables = defineQuery<RouteTablesEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.route-tables',
  service: 'ec2',
  title: 'Subnets holding instances do not route directly to the internet',
  description:
    'Every subnet in the region with the route table it uses (its own association or the VPC main table), the internet and NAT gateways, and the network interfaces in it. A subnet whose table sends traffic to an attached internet gateway is a public subnet: it fails when an instance in it has a public address (reachable from the internet, subject only to its security groups and network ACL), needs review when it holds instances without one, needs review when an AWS-managed interface other than one of a NAT gateway, load balancer or accelerator holds a public address (such as a publicly accessible database or a container task with a public IP), and passes when it holds only AWS-managed interfaces such as NAT gateways and load balancers. Routes through NAT gateways (outbound only), peering, transit gateways and endpoints are named, not judged; public addresses are listed as the internal addressing AWS exposes.',
  remediation:
    'Move instances that do not serve the public into private subnets whose default route goes through a NAT gateway or an egress firewall, remove public IPv4 addresses and Elastic IPs they do not need, and put public services behind a load balancer in the public subnets.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkInterfaces'],
  async collect(ctx) {
    const sdk = await loadEc2Sdk();
    const client = ctx.clients.get(sdk.EC2Client);
    const cfg = { client, pageSize: 1000 };
    const subnets = await allPages(sdk.paginateDescribeSubnets(cfg, {}), (p) => p.Subnets, ctx);
    const routeTables = await allPages(sdk.paginateDescribeRouteTables({ client, pageSize: 100 }, {}), (p) => p.RouteTables, ctx);
    const internetGateways = await captureFailure(() => allPages(sdk.paginateDescribeInternetGateways({ client, pageSize: 1000 }, {}), (p) => p.InternetGateways, ctx), ctx.signal);
    const natGateways = await captureFailure(() => allPages(sdk.paginateDescribeNatGateways({ client, pageSize: 1000 }, {}), (p) => p.NatGateways, ctx), ctx.signal);
    const networkInterfaces = await captureFailure(() => allPages(sdk.paginateDescribeNetworkInterfaces(cfg, {}), (p) => p.NetworkInterfaces, ctx), ctx.signal);
    return { subnets, routeTables, internetGateways, natGateways, networkInterfaces };
  },
  evaluate: acceptConfigItems(ROUTING_ITEMS, (data, _params, ctx) => {
    if (!data?.subnets || !data.routeTables || !data.internetGateways || !data.natGateways || !data.networkInterfaces) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks one of the DescribeSubnets, DescribeRouteTables, DescribeInternetGateways, DescribeNatGateways or DescribeNetworkInterfaces responses' }];
    }
    // Without the gateway listing an active route to an igw- target still means an attached gateway (a detached one turns it into a blackhole).
    const igwVpcs = isCapturedError(data.internetGateways)
      ? undefined
      : new Map(data.internetGateways.map((g) => [g.InternetGatewayId, new Set((g.Attachments ?? []).filter((a) => ATTACHED.has(String(a.State))).map((a) => a.VpcId))]));
    const natError = isCapturedError(data.natGateways) ? data.natGateways.error.code : undefined;
    const natById = new Map(isCapturedError(data.natGateways) ? [] : data.natGateways.map((n) => [n.NatGatewayId, n]));
    const eniError = isCapturedError(data.networkInterfaces) ? data.networkInterfaces.error : undefined;
    const allInterfaces = isCapturedError(data.networkInterfaces) ? [] : data.networkInterfaces;
    const results: ResourceResult[] = data.subnets.map((s) => {
      const base = { resource: s.SubnetArn ?? `arn:aws:ec2:${ctx.region}:${s.OwnerId ?? ctx.accountId}:subnet/${s.SubnetId}`, resourceType: 'AWS::EC2::Subnet' };
      const label = `subnet ${s.SubnetId} (${s.CidrBlock ?? 'no IPv4 range'}) in ${s.VpcId}`;
      const { table, explicit } = routeTableOf(s, data.routeTables);
      if (!table) return { ...base, status: 'error' as const, reason: `${label}: the evidence names neither a route table associated with it nor a main route table of its VPC` };
      const via = `route table ${table.RouteTableId}${explicit ? '' : ' (the VPC main table)'}`;
      const active = (table.Routes ?? []).filter((r) => r.State !== 'blackhole');
      const toIgw = active.filter((r) => r.GatewayId?.startsWith('igw-') && (igwVpcs ? igwVpcs.get(r.GatewayId)?.has(s.VpcId) : true));
      const others = active
        .filter((r) => !toIgw.includes(r) && r.GatewayId !== 'local')
        .map((r) => {
          if (r.NatGatewayId) {
            const nat = natById.get(r.NatGatewayId);
            return `${destination(r)} to NAT gateway ${r.NatGatewayId}${nat ? ` (${nat.State}, in ${nat.SubnetId}${nat.NatGatewayAddresses?.some((a) => a.PublicIp) ? `, public ${nat.NatGatewayAddresses.map((a) => a.PublicIp).filter(Boolean).join(', ')}` : ''})` : natError ? ` (DescribeNatGateways failed: ${natError})` : ' (not in the evidence)'}`;
          }
          const target = r.EgressOnlyInternetGatewayId ?? r.TransitGatewayId ?? r.VpcPeeringConnectionId ?? r.NetworkInterfaceId ?? r.InstanceId ?? r.GatewayId ?? r.LocalGatewayId ?? r.CoreNetworkArn ?? 'an unnamed target';
          return `${destination(r)} to ${target}`;
        });
      const blackholes = (table.Routes ?? []).filter((r) => r.State === 'blackhole').map(destination);
      const interfaces = allInterfaces.filter((n) => n.SubnetId === s.SubnetId);
      const instances = interfaces.filter(isInstanceInterface);
      // A public IPv4 address is reachable over an IPv4 route to the gateway, an IPv6 address over an IPv6 route.
      const v4 = toIgw.some((r) => r.DestinationCidrBlock || r.DestinationPrefixListId);
      const v6 = toIgw.some((r) => r.DestinationIpv6CidrBlock);
      const publicOnes = instances.filter((n) => (v4 && n.Association?.PublicIp) || (v6 && (n.Ipv6Addresses ?? []).length > 0));
      const managed = interfaces.filter((n) => !isInstanceInterface(n));
      const publicAddresses = (n: NetworkInterface) => [v4 && n.Association?.PublicIp && `public ${n.Association.PublicIp}`, ...(v6 ? (n.Ipv6Addresses ?? []).map((a) => `IPv6 ${a.Ipv6Address}`) : [])].filter(Boolean);
      // An interface with no attachment carries no traffic; its address is named, not judged.
      const managedPublic = managed.filter((n) => !isPublicByDesign(n) && publicAddresses(n).length > 0);
      const reachableManaged = managedPublic.filter((n) => n.Attachment || n.Status === 'in-use');
      const detachedPublic = managedPublic.filter((n) => !reachableManaged.includes(n));
      const reachableText = (list: NetworkInterface[]) => (list.length ? `; AWS-managed ${list.map((n) => `${managedLabel(n)} (${publicAddresses(n).join(', ')})`).join('; ')} can be reached too` : '');
      const routesText = `${others.length ? `; other routes: ${others.join('; ')}` : ''}${blackholes.length ? `; blackhole routes (target gone): ${blackholes.join(', ')}` : ''}`;
      if (!toIgw.length) {
        return { ...base, status: 'pass' as const, reason: `${label} has no route to an internet gateway in ${via}${routesText || '; only the VPC-local route'}` };
      }
      const igwText = `routes ${toIgw.map((r) => `${destination(r)} to internet gateway ${r.GatewayId}`).join(', ')} in ${via}`;
      if (eniError) {
        return { ...base, status: 'error' as const, reason: `${label} ${igwText}, but ${eniError.code === ITEMS_MISSING ? eniError.message : `DescribeNetworkInterfaces failed (${eniError.code}: ${eniError.message})`}, so whether instances there have public addresses is unknown${routesText}` };
      }
      if (publicOnes.length) {
        const who = publicOnes.map((n) => `${interfaceLabel(n)} (${publicAddresses(n).join(', ')}; private ${n.PrivateIpAddress})`);
        return { ...base, status: 'fail' as const, reason: `${label} ${igwText}, and ${who.join('; ')} can be reached from the internet subject only to security groups and the network ACL${reachableText(reachableManaged)}${routesText}` };
      }
      const detachedText = detachedPublic.length ? `; detached ${detachedPublic.map((n) => `${managedLabel(n)} (${publicAddresses(n).join(', ')})`).join('; ')} carries no traffic until attached` : '';
      if (instances.length) {
        return { ...base, status: 'needs-review' as const, reason: `${label} ${igwText} and holds ${instances.map(interfaceLabel).join(', ')} without public addresses: any public address added later makes them reachable; confirm they belong in a public subnet${reachableText(reachableManaged)}${detachedText}${routesText}` };
      }
      if (reachableManaged.length) {
        return {
          ...base,
          status: 'needs-review' as const,
          reason: `${label} ${igwText} and holds no instance, but ${reachableManaged.map((n) => `${managedLabel(n)} (${publicAddresses(n).join(', ')}; private ${n.PrivateIpAddress})`).join('; ')} can be reached from the internet subject to its security groups and the network ACL: an AWS-managed resource (such as a database made publicly accessible or a container task given a public IP) that this evidence cannot judge; confirm it is meant to be public${detachedText}${routesText}`,
        };
      }
      const holds = managed.length ? `holds only AWS-managed interfaces (${managed.map((n) => n.InterfaceType ?? n.Description ?? 'managed').join(', ')}) with no public address other than a NAT gateway's, load balancer's or accelerator's` : 'holds no network interfaces';
      return { ...base, status: 'pass' as const, reason: `${label} ${igwText} and ${holds}: a public subnet with no instance in it${detachedText}${routesText}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no subnets in ${ctx.region}` });
    return results;
  }),
});
