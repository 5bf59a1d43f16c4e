import type { InternetGateway, ManagedPrefixList, NatGateway, NetworkInterface, Route, RouteTable, Subnet } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { captureFailure, forAccount, type ReadPlace } from '../partial-evidence.js';
import { allPages, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';
import { recordedEc2Resource } from './recorded-items.js';
import { parseCidr, type Cidr } from './cidr.js';

/**
 * DescribeSubnets, DescribeRouteTables, DescribeInternetGateways, DescribeNatGateways and DescribeNetworkInterfaces, all
 * pages, and DescribeManagedPrefixLists of the prefix lists the routes name. The last four are kept as a captured error
 * when they fail, so the subnets they do not decide stay judged.
 */
export interface RouteTablesEvidence {
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[] | CapturedError;
  natGateways: NatGateway[] | CapturedError;
  networkInterfaces: NetworkInterface[] | CapturedError;
  /**
   * The prefix lists named as a route destination (`DestinationPrefixListId`), with their `AddressFamily`; empty when no
   * route names one. Absent in evidence sealed before the query read them: a prefix-list route's family is then unknown.
   */
  prefixLists?: ManagedPrefixList[] | CapturedError;
}

/** EC2 refuses more than 200 values in one filter ("The maximum number of filter values specified on a single call is 200"). */
const MAX_FILTER_VALUES = 200;

/** The code of a listing the aggregator's items cannot stand in for (a type AWS Config holds no item of). */
const ITEMS_MISSING = 'ConfigurationItemsMissing';

/**
 * Why a listing is not in the evidence, naming the API (or AWS Config's items) and the account and region it was read
 * for: "DescribeNatGateways for account 111122223333 in eu-west-1 failed (UnauthorizedOperation: ...)".
 */
function failedRead(api: string, failure: CapturedError, at: ReadPlace): string {
  const { code, message } = failure.error;
  return code === ITEMS_MISSING ? `${forAccount(at)}, ${message}` : `${api} ${forAccount(at)} failed (${code}: ${message})`;
}

/**
 * AWS::EC2::Subnet, RouteTable, InternetGateway, NatGateway, NetworkInterface and PrefixList configuration items (one
 * read) as the six Describe responses (a PrefixList item's configuration holds the list's AddressFamily; a list
 * AWS Config holds no item of stays of unknown family, as one DescribeManagedPrefixLists does not return). A recorder may record some of these types and not others, so an absence that would turn
 * into a pass is kept as unknown: no interface items beside subnets, or an active route to an internet gateway AWS
 * Config holds no item of, become captured errors (the evaluation then reports instances as unknown, or treats the
 * gateway as attached, as it does when those Describe calls fail).
 */
export const ROUTING_ITEMS: ConfigItemFamily<RouteTablesEvidence> = {
  resourceTypes: ['AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::NetworkInterface', 'AWS::EC2::PrefixList'],
  toEvidence(items) {
    const of = (type: string) => items.filter((i) => i.resourceType === type);
    const subnets = of('AWS::EC2::Subnet').map((i) => ({ SubnetArn: i.arn, ...recordedEc2Resource<Subnet>(i) }));
    const routeTables = of('AWS::EC2::RouteTable').map((i) => recordedEc2Resource<RouteTable>(i));
    const gateways = of('AWS::EC2::InternetGateway').map((i) => recordedEc2Resource<InternetGateway>(i));
    const natGateways = of('AWS::EC2::NatGateway').map(natGatewayFromItem);
    const interfaces = of('AWS::EC2::NetworkInterface').map((i) => recordedEc2Resource<NetworkInterface>(i));
    // The resource schema records a prefix list in CloudFormation's case (AddressFamily, PrefixListId), as the API names them.
    const prefixLists = of('AWS::EC2::PrefixList').map((i) => recordedEc2Resource<ManagedPrefixList>(i));
    const known = new Set(gateways.map((g) => g.InternetGatewayId));
    const unknownIgw =
      routeTables.flatMap((t) => t.Routes ?? []).find((r) => r.State !== 'blackhole' && r.GatewayId?.startsWith('igw-') && !known.has(r.GatewayId))?.GatewayId ??
      routeTables.flatMap((t) => t.Associations ?? []).find((a) => a.GatewayId?.startsWith('igw-') && !known.has(a.GatewayId))?.GatewayId;
    // A public address with no gateway item at all means gateways are not recorded (AWS refuses an Elastic IP in a VPC without one), not that none is attached.
    const unrecordedIgws = !gateways.length && interfaces.some((n) => heldAddresses(n).some((a) => a.kind === 'public'));
    const missing = (message: string): CapturedError => ({ error: { code: ITEMS_MISSING, message } });
    // A table associated with a subnet that has no item means subnets are not recorded: the evidence then lacks them (an error), not "no subnets".
    const subnetsUnrecorded = !subnets.length && routeTables.some((t) => (t.Associations ?? []).some((a) => a.SubnetId));
    return {
      subnets: subnetsUnrecorded ? (undefined as unknown as Subnet[]) : subnets,
      routeTables,
      internetGateways: unknownIgw
        ? missing(`AWS Config holds no item of internet gateway ${unknownIgw}, which an active route or a gateway route table names`)
        : unrecordedIgws
          ? missing('AWS Config holds no internet gateway item though network interfaces hold public addresses (the recorder may not record AWS::EC2::InternetGateway)')
          : gateways,
      natGateways,
      networkInterfaces: subnets.length && !interfaces.length ? missing('AWS Config holds no network interface item (the recorder may not record AWS::EC2::NetworkInterface)') : interfaces,
      prefixLists,
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

/** An address reachable from outside the VPC: a public IPv4 address (internet gateway), a carrier IP (Wavelength carrier gateway), an IPv6 address. */
interface HeldAddress {
  kind: 'public' | 'carrier' | 'ipv6';
  address: string;
  /** The secondary private address it maps to, when not the interface's primary one. */
  on?: string;
}

/**
 * Every such address an interface holds: the association of its primary private address and of each secondary one (an
 * Elastic IP can sit on any private address: `PrivateIpAddresses[].Association`), public or carrier, and its IPv6 addresses.
 */
function heldAddresses(n: NetworkInterface): HeldAddress[] {
  const held: HeldAddress[] = [];
  const add = (a: HeldAddress) => {
    if (!held.some((h) => h.kind === a.kind && h.address === a.address)) held.push(a);
  };
  if (n.Association?.PublicIp) add({ kind: 'public', address: n.Association.PublicIp });
  if (n.Association?.CarrierIp) add({ kind: 'carrier', address: n.Association.CarrierIp });
  for (const p of n.PrivateIpAddresses ?? []) {
    const on = p.Primary === true || p.PrivateIpAddress === n.PrivateIpAddress ? undefined : p.PrivateIpAddress;
    if (p.Association?.PublicIp) add({ kind: 'public', address: p.Association.PublicIp, on });
    if (p.Association?.CarrierIp) add({ kind: 'carrier', address: p.Association.CarrierIp, on });
  }
  for (const a of n.Ipv6Addresses ?? []) if (a.Ipv6Address) add({ kind: 'ipv6', address: a.Ipv6Address });
  return held;
}

function addressText(a: HeldAddress): string {
  return `${a.kind === 'public' ? 'public' : a.kind === 'carrier' ? 'carrier IP' : 'IPv6'} ${a.address}${a.on ? ` on private ${a.on}` : ''}`;
}

/** A route to the internet (internet gateway) or to a carrier network (Wavelength carrier gateway). */
interface GatewayRoute {
  route: Route;
  kind: 'internet' | 'carrier';
  id: string;
  /** The destination's address family: a CIDR's, or a prefix list's AddressFamily; undefined when the evidence does not hold the list's. */
  family: 4 | 6 | undefined;
  /** For a prefix list: its family as read, or why it is unknown. */
  list?: string;
}

function gatewayRouteText(g: GatewayRoute): string {
  return `${destination(g.route)}${g.list ? ` (${g.list})` : ''} to ${g.kind === 'internet' ? 'internet' : 'carrier'} gateway ${g.id}`;
}

/** Every prefix list a route of these tables names as its destination. */
function routedPrefixLists(tables: RouteTable[]): string[] {
  return [...new Set(tables.flatMap((t) => (t.Routes ?? []).map((r) => r.DestinationPrefixListId).filter((id): id is string => !!id)))];
}

/**
 * A prefix-list destination's address family, from the lists read: a managed prefix list holds ranges of one family
 * (AddressFamily IPv4 or IPv6), so a route to it is a route of that family, as a CIDR route is.
 */
function prefixListFamily(id: string, lists: RouteTablesEvidence['prefixLists'], at: ReadPlace): { family: 4 | 6 | undefined; text: string } {
  const unknown = (why: string) => ({ family: undefined, text: `a prefix list: whether it holds IPv4 or IPv6 ranges is not in the evidence, ${why}` });
  if (lists === undefined) return unknown(`which predates reading prefix lists (DescribeManagedPrefixLists ${forAccount(at)})`);
  if (isCapturedError(lists)) return unknown(`as ${failedRead('DescribeManagedPrefixLists', lists, at)}`);
  const list = lists.find((l) => l.PrefixListId === id);
  if (!list) return unknown(`as the prefix lists read ${forAccount(at)} (DescribeManagedPrefixLists, or AWS Config items) do not include it`);
  const name = list.PrefixListName ? ` ${list.PrefixListName}` : '';
  if (list.AddressFamily === 'IPv4') return { family: 4, text: `prefix list${name}, AddressFamily IPv4` };
  if (list.AddressFamily === 'IPv6') return { family: 6, text: `prefix list${name}, AddressFamily IPv6` };
  return unknown(`as the prefix list${name} gives AddressFamily ${list.AddressFamily ?? '(none)'}`);
}

/** Whether a gateway route of the address's kind and family exists: routed, only through a prefix list of unknown family (maybe), or not. */
function reach(a: HeldAddress, routes: GatewayRoute[]): 'routed' | 'maybe' | 'unrouted' {
  // A public IPv4 address is translated by an internet gateway, a carrier IP by a carrier gateway; IPv6 addresses need no translation.
  const family = a.kind === 'ipv6' ? 6 : 4;
  const candidates = routes.filter((g) => (a.kind === 'public' ? g.kind === 'internet' : a.kind === 'carrier' ? g.kind === 'carrier' : true));
  if (candidates.some((g) => g.family === family)) return 'routed';
  return candidates.some((g) => g.family === undefined) ? 'maybe' : 'unrouted';
}

/**
 * Routes of the VPC's gateway route tables (tables associated with an internet gateway: edge associations) that send
 * traffic entering through the gateway for this subnet's range to a middlebox: a network interface, a Gateway Load
 * Balancer or firewall endpoint (https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html).
 */
function ingressRoutes(s: Subnet, tables: RouteTable[]): string[] {
  const ranges = [s.CidrBlock, ...(s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock)].map(parseCidr).filter((c): c is Cidr => !!c);
  return tables.flatMap((t) => {
    const gateways = (t.Associations ?? []).filter((a) => a.GatewayId?.startsWith('igw-') && a.AssociationState?.State !== 'disassociated').map((a) => a.GatewayId);
    if (t.VpcId !== s.VpcId || !gateways.length) return [];
    return (t.Routes ?? [])
      .filter((r) => r.State !== 'blackhole' && r.GatewayId !== 'local')
      .filter((r) => {
        const dest = parseCidr(r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock);
        return !!dest && ranges.some((c) => c.family === dest.family && dest.first <= c.first && c.last <= dest.last);
      })
      .map((r) => `gateway route table ${t.RouteTableId} (associated with ${gateways.join(', ')}) sends ${destination(r)} to ${r.NetworkInterfaceId ?? r.GatewayId ?? r.InstanceId ?? 'an unnamed target'}`);
  });
}

export const routeTables = defineQuery<RouteTablesEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.route-tables',
  service: 'ec2',
  title: 'Subnets holding instances do not route directly to the internet',
  description:
    'Every subnet in the region with the route table it uses (its own association or the VPC main table), the internet and NAT gateways, the gateway route tables of internet gateways, and the network interfaces in it. A subnet whose table sends traffic to an attached internet gateway or to a Wavelength carrier gateway is a public subnet: it fails when an instance in it has a public address (a public IPv4 address on any of its private addresses, an IPv6 address, or a carrier IP, over a route of that family to that kind of gateway; reachable from the internet or the carrier network, subject only to its security groups and network ACL), needs review when it holds instances without one, needs review when an AWS-managed interface other than one of a NAT gateway, load balancer or accelerator holds a public address (such as a publicly accessible database or a container task with a public IP), counts a route to a prefix list as a route of the AddressFamily the list has (DescribeManagedPrefixLists of the lists the routes name; its entries are not read), needs review when the only such route goes to a prefix list whose family is not in the evidence (the list could not be read or was not returned), and passes when it holds only AWS-managed interfaces such as NAT gateways and load balancers. A subnet without such a route needs review when an interface in it holds a public address and an internet gateway is attached to its VPC (the gateway passes traffic for that address into the VPC whatever the subnet routes; a gateway route table may send it through an appliance, which is named, and what the appliance forwards is not in the evidence). Routes through NAT gateways (outbound only), peering, transit gateways and endpoints are named, not judged; public addresses are listed as the internal addressing AWS exposes.',
  remediation:
    'Move instances that do not serve the public into private subnets whose default route goes through a NAT gateway or an egress firewall, remove public IPv4 addresses and Elastic IPs they do not need, and put public services behind a load balancer in the public subnets.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeManagedPrefixLists'],
  async collect(ctx) {
    const sdk = await loadEc2Sdk();
    const client = ctx.clients.get(sdk.EC2Client);
    const cfg = { client, pageSize: 1000 };
    const subnets = await allPages(sdk.paginateDescribeSubnets(cfg, {}), (p) => p.Subnets, ctx);
    const routeTables = await allPages(sdk.paginateDescribeRouteTables({ client, pageSize: 100 }, {}), (p) => p.RouteTables, ctx);
    const internetGateways = await captureFailure(() => allPages(sdk.paginateDescribeInternetGateways({ client, pageSize: 1000 }, {}), (p) => p.InternetGateways, ctx), ctx.signal);
    const natGateways = await captureFailure(() => allPages(sdk.paginateDescribeNatGateways({ client, pageSize: 1000 }, {}), (p) => p.NatGateways, ctx), ctx.signal);
    const networkInterfaces = await captureFailure(() => allPages(sdk.paginateDescribeNetworkInterfaces(cfg, {}), (p) => p.NetworkInterfaces, ctx), ctx.signal);
    // Only the lists the routes name, and no call when none does (customer-managed and AWS-managed lists alike; MaxResults 1 to 100).
    const listIds = routedPrefixLists(routeTables);
    const prefixLists = await captureFailure(async () => {
      const lists: ManagedPrefixList[] = [];
      for (let i = 0; i < listIds.length; i += MAX_FILTER_VALUES) {
        const Filters = [{ Name: 'prefix-list-id', Values: listIds.slice(i, i + MAX_FILTER_VALUES) }];
        lists.push(...(await allPages(sdk.paginateDescribeManagedPrefixLists({ client, pageSize: 100 }, { Filters }), (p) => p.PrefixLists, ctx)));
      }
      return lists;
    }, ctx.signal);
    return { subnets, routeTables, internetGateways, natGateways, networkInterfaces, prefixLists };
  },
  evaluate: acceptConfigItems(ROUTING_ITEMS, (data, _params, ctx) => {
    if (!data?.subnets || !data.routeTables || !data.internetGateways || !data.natGateways || !data.networkInterfaces) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: `the evidence ${forAccount(ctx)} lacks one of the DescribeSubnets, DescribeRouteTables, DescribeInternetGateways, DescribeNatGateways or DescribeNetworkInterfaces responses` }];
    }
    // Without the gateway listing an active route to an igw- target still means an attached gateway (a detached one turns it into a blackhole).
    const igwVpcs = isCapturedError(data.internetGateways)
      ? undefined
      : new Map(data.internetGateways.map((g) => [g.InternetGatewayId, new Set((g.Attachments ?? []).filter((a) => ATTACHED.has(String(a.State))).map((a) => a.VpcId))]));
    const natError = isCapturedError(data.natGateways) ? failedRead('DescribeNatGateways', data.natGateways, ctx) : undefined;
    const natById = new Map(isCapturedError(data.natGateways) ? [] : data.natGateways.map((n) => [n.NatGatewayId, n]));
    const eniError = isCapturedError(data.networkInterfaces) ? failedRead('DescribeNetworkInterfaces', data.networkInterfaces, ctx) : undefined;
    const allInterfaces = isCapturedError(data.networkInterfaces) ? [] : data.networkInterfaces;
    const results: ResourceResult[] = data.subnets.map((s) => {
      const base = { resource: s.SubnetArn ?? `arn:aws:ec2:${ctx.region}:${s.OwnerId ?? ctx.accountId}:subnet/${s.SubnetId}`, resourceType: 'AWS::EC2::Subnet' };
      const label = `subnet ${s.SubnetId} (${s.CidrBlock ?? 'no IPv4 range'}) in ${s.VpcId}`;
      const { table, explicit } = routeTableOf(s, data.routeTables);
      if (!table) return { ...base, status: 'error' as const, reason: `${label}: the evidence names neither a route table associated with it nor a main route table of its VPC` };
      const via = `route table ${table.RouteTableId}${explicit ? '' : ' (the VPC main table)'}`;
      const active = (table.Routes ?? []).filter((r) => r.State !== 'blackhole');
      // Any route of a family counts, however narrow its destination: a prefix list's entries are not read, only its family.
      const familyOf = (r: Route): Pick<GatewayRoute, 'family' | 'list'> => {
        if (r.DestinationCidrBlock) return { family: 4 };
        if (r.DestinationIpv6CidrBlock) return { family: 6 };
        if (r.DestinationPrefixListId) {
          const { family, text } = prefixListFamily(r.DestinationPrefixListId, data.prefixLists, ctx);
          return { family, list: text };
        }
        return { family: undefined, list: 'a destination the evidence does not name' };
      };
      const gatewayRoutes = active.flatMap((r): GatewayRoute[] => {
        if (r.GatewayId?.startsWith('igw-') && (igwVpcs ? igwVpcs.get(r.GatewayId)?.has(s.VpcId) : true)) return [{ route: r, kind: 'internet', id: r.GatewayId, ...familyOf(r) }];
        // A Wavelength carrier gateway lets the carrier network reach carrier IPs as an internet gateway lets the internet reach public ones; a route to a deleted one is a blackhole.
        if (r.CarrierGatewayId) return [{ route: r, kind: 'carrier', id: r.CarrierGatewayId, ...familyOf(r) }];
        return [];
      });
      const others = active
        .filter((r) => !gatewayRoutes.some((g) => g.route === r) && r.GatewayId !== 'local')
        .map((r) => {
          if (r.NatGatewayId) {
            const nat = natById.get(r.NatGatewayId);
            return `${destination(r)} to NAT gateway ${r.NatGatewayId}${nat ? ` (${nat.State}, in ${nat.SubnetId}${nat.NatGatewayAddresses?.some((a) => a.PublicIp) ? `, public ${nat.NatGatewayAddresses.map((a) => a.PublicIp).filter(Boolean).join(', ')}` : ''})` : natError ? ` (${natError})` : ' (not in the evidence)'}`;
          }
          const target = r.EgressOnlyInternetGatewayId ?? r.TransitGatewayId ?? r.VpcPeeringConnectionId ?? r.NetworkInterfaceId ?? r.InstanceId ?? r.GatewayId ?? r.LocalGatewayId ?? r.CoreNetworkArn ?? 'an unnamed target';
          return `${destination(r)} to ${target}`;
        });
      const blackholes = (table.Routes ?? []).filter((r) => r.State === 'blackhole').map(destination);
      const routesText = `${others.length ? `; other routes: ${others.join('; ')}` : ''}${blackholes.length ? `; blackhole routes (target gone): ${blackholes.join(', ')}` : ''}`;
      const interfaces = allInterfaces.filter((n) => n.SubnetId === s.SubnetId);
      const instances = interfaces.filter(isInstanceInterface);
      const managed = interfaces.filter((n) => !isInstanceInterface(n));
      // A managed interface with no attachment carries no traffic, and a NAT gateway's, load balancer's or accelerator's address is public by design: their addresses are named, not judged.
      const liveManaged = managed.filter((n) => !isPublicByDesign(n) && (n.Attachment || n.Status === 'in-use'));
      const detachedPublic = managed.filter((n) => !isPublicByDesign(n) && !liveManaged.includes(n) && heldAddresses(n).length > 0);
      const detachedText = detachedPublic.length ? `; detached ${detachedPublic.map((n) => `${managedLabel(n)} (${heldAddresses(n).map(addressText).join(', ')})`).join('; ')} carries no traffic until attached` : '';
      const byDesign = managed.filter((n) => isPublicByDesign(n) && heldAddresses(n).length > 0);
      const nameOf = (n: NetworkInterface) => (isInstanceInterface(n) ? interfaceLabel(n) : `AWS-managed ${managedLabel(n)}`);
      const judged = [...instances, ...liveManaged].map((n) => {
        const held = heldAddresses(n);
        return { n, routed: held.filter((a) => reach(a, gatewayRoutes) === 'routed'), maybe: held.filter((a) => reach(a, gatewayRoutes) === 'maybe'), unrouted: held.filter((a) => reach(a, gatewayRoutes) === 'unrouted') };
      });
      // An address this table does not route to a gateway is still reached through an internet gateway attached to the VPC
      // (it translates public IPv4 addresses one-to-one whatever the subnet's routes); carrier gateways are not in the evidence.
      const vpcIgws = igwVpcs ? [...igwVpcs].filter(([, vpcs]) => vpcs.has(s.VpcId)).map(([id]) => id) : undefined;
      const exposed = (a: HeldAddress) => a.kind === 'carrier' || vpcIgws === undefined || vpcIgws.length > 0;
      const gatewayContext = (addresses: HeldAddress[]): string => {
        const parts: string[] = [];
        if (addresses.some((a) => a.kind !== 'carrier')) {
          parts.push(
            vpcIgws === undefined
              ? `whether an internet gateway is attached to ${s.VpcId} is unknown (${isCapturedError(data.internetGateways) ? failedRead('DescribeInternetGateways', data.internetGateways, ctx) : 'the gateways are not in the evidence'})`
              : `internet gateway ${vpcIgws.join(', ')} is attached to ${s.VpcId} and passes internet traffic for these addresses into the VPC (translating each public IPv4 address to the private one it maps to) whatever this subnet's own routes`,
          );
          const ingress = ingressRoutes(s, data.routeTables);
          parts.push(
            ingress.length
              ? `${ingress.join('; ')}: whether the internet reaches these addresses depends on what that appliance forwards`
              : "no gateway route table sends this subnet's range to an appliance, so that traffic is delivered over the VPC's local route and whether replies get back depends on this subnet's routes",
          );
        }
        if (addresses.some((a) => a.kind === 'carrier')) parts.push("carrier gateways are not in the evidence (a VPC's carrier gateway passes traffic from the carrier network to carrier IPs)");
        return parts.join('; ');
      };
      const holderText = (n: NetworkInterface, addresses: HeldAddress[]) => `${nameOf(n)} (${addresses.map(addressText).join(', ')}; private ${n.PrivateIpAddress})`;

      if (!gatewayRoutes.length) {
        const noRoute = `${label} has no route to an internet gateway or carrier gateway in ${via}`;
        if (eniError && (vpcIgws === undefined || vpcIgws.length > 0)) {
          return { ...base, status: 'error' as const, reason: `${noRoute}, but ${eniError}, so whether an interface here holds a public address that ${vpcIgws ? `internet gateway ${vpcIgws.join(', ')} attached to ${s.VpcId}` : 'an internet gateway attached to the VPC'} passes internet traffic to is unknown${routesText}` };
        }
        const reachable = judged.map((j) => ({ n: j.n, addresses: j.unrouted.filter(exposed) })).filter((j) => j.addresses.length);
        if (reachable.length) {
          return {
            ...base,
            status: 'needs-review' as const,
            reason: `${noRoute}, but ${reachable.map((j) => holderText(j.n, j.addresses)).join('; ')} ${reachable.length > 1 ? 'hold addresses' : 'holds an address'} reachable from outside the VPC: ${gatewayContext(reachable.flatMap((j) => j.addresses))}; confirm ${reachable.length > 1 ? 'they are' : 'it is'} meant to be reachable${detachedText}${routesText}`,
          };
        }
        const named = [...judged.map((j) => ({ n: j.n, addresses: j.unrouted })), ...byDesign.map((n) => ({ n, addresses: heldAddresses(n) }))].filter((j) => j.addresses.length);
        const namedText = named.length ? `; ${named.map((j) => holderText(j.n, j.addresses)).join('; ')} ${named.length > 1 ? 'hold' : 'holds'} addresses named, not judged${vpcIgws?.length === 0 ? ` (no internet gateway in the evidence is attached to ${s.VpcId})` : " (a NAT gateway's, load balancer's or accelerator's)"}` : '';
        return { ...base, status: 'pass' as const, reason: `${noRoute}${routesText || '; only the VPC-local route'}${namedText}${detachedText}` };
      }
      const gwText = `routes ${gatewayRoutes.map(gatewayRouteText).join(', ')} in ${via}`;
      if (eniError) {
        return { ...base, status: 'error' as const, reason: `${label} ${gwText}, but ${eniError}, so whether instances there have public addresses is unknown${routesText}` };
      }
      const failing = judged.filter((j) => isInstanceInterface(j.n) && j.routed.length);
      const routedManaged = judged.filter((j) => !isInstanceInterface(j.n) && j.routed.length);
      const uncertain = judged.filter((j) => j.maybe.length);
      const unroutedReachable = judged.map((j) => ({ n: j.n, addresses: j.unrouted.filter(exposed) })).filter((j) => j.addresses.length);
      const reachableText = routedManaged.length ? `; ${routedManaged.map((j) => `${nameOf(j.n)} (${j.routed.map(addressText).join(', ')})`).join('; ')} can be reached too` : '';
      const uncertainText = uncertain.length ? `; reachable only if the prefix list holds ranges of the address's family, which the evidence does not show: ${uncertain.map((j) => holderText(j.n, j.maybe)).join('; ')}` : '';
      const unroutedText = unroutedReachable.length
        ? `; ${unroutedReachable.map((j) => holderText(j.n, j.addresses)).join('; ')} ${unroutedReachable.length > 1 ? 'are' : 'is'} not routed to a gateway by this table, but ${gatewayContext(unroutedReachable.flatMap((j) => j.addresses))}`
        : '';
      const notes = `${uncertainText}${unroutedText}`;
      if (failing.length) {
        const carrierOnly = failing.every((j) => j.routed.every((a) => a.kind === 'carrier'));
        const from = carrierOnly ? 'the carrier network' : failing.some((j) => j.routed.some((a) => a.kind === 'carrier')) ? 'the internet or the carrier network' : 'the internet';
        return { ...base, status: 'fail' as const, reason: `${label} ${gwText}, and ${failing.map((j) => holderText(j.n, j.routed)).join('; ')} can be reached from ${from} subject only to security groups and the network ACL${reachableText}${notes}${detachedText}${routesText}` };
      }
      if (instances.length) {
        // Instances whose addresses the notes name are not "without public addresses".
        const noted = new Set([...uncertain, ...unroutedReachable].map((j) => j.n));
        const plain = instances.filter((n) => !noted.has(n));
        const plainText = plain.length ? ` and holds ${plain.map(interfaceLabel).join(', ')} without public addresses: any public address added later makes them reachable; confirm they belong in a public subnet` : '';
        return { ...base, status: 'needs-review' as const, reason: `${label} ${gwText}${plainText}${reachableText}${notes}${detachedText}${routesText}` };
      }
      if (routedManaged.length) {
        return {
          ...base,
          status: 'needs-review' as const,
          reason: `${label} ${gwText} and holds no instance, but ${routedManaged.map((j) => holderText(j.n, j.routed)).join('; ')} can be reached from the internet subject to its security groups and the network ACL: an AWS-managed resource (such as a database made publicly accessible or a container task given a public IP) that this evidence cannot judge; confirm it is meant to be public${notes}${detachedText}${routesText}`,
        };
      }
      if (notes) return { ...base, status: 'needs-review' as const, reason: `${label} ${gwText} and holds no instance${notes}; confirm these addresses are meant to be reachable${detachedText}${routesText}` };
      const holds = managed.length ? `holds only AWS-managed interfaces (${managed.map((n) => n.InterfaceType ?? n.Description ?? 'managed').join(', ')}) with no public address other than a NAT gateway's, load balancer's or accelerator's` : 'holds no network interfaces';
      return { ...base, status: 'pass' as const, reason: `${label} ${gwText} and ${holds}: a public subnet with no instance in it${detachedText}${routesText}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no subnets in ${ctx.region}` });
    return results;
  }),
});
