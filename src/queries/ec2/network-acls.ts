import type { NetworkAcl, NetworkAclEntry } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';
import { adminPortsProblem, networkParams, prefixProblem } from './admin-ports-open.js';
import { blockSize, describeCount, intersect, parseCidr, publicCountOf, setCoversAllPublic, subtract, toInterval, wholeSpace, DEFAULT_WIDE_PUBLIC_PREFIX, type Family, type Interval } from './cidr.js';
import { recordedEc2Resource } from './recorded-items.js';

/**
 * Remote administration ports (SSH, RDP) only: network ACLs are stateless and must admit the ephemeral return ports
 * 1024-65535 from any address, which include database ports; security groups are the layer that closes those.
 */
export const DEFAULT_NACL_ADMIN_PORTS = [22, 3389];

/** DescribeNetworkAcls, all pages. */
export interface NetworkAclsEvidence {
  networkAcls: NetworkAcl[];
}

/** AWS::EC2::NetworkAcl configuration items as DescribeNetworkAcls evidence (entries, associations and default flag are recorded). */
export const NETWORK_ACL_ITEMS: ConfigItemFamily<NetworkAclsEvidence> = {
  resourceTypes: ['AWS::EC2::NetworkAcl'],
  toEvidence: (items) => ({ networkAcls: items.map((item) => recordedEc2Resource<NetworkAcl>(item)) }),
};

const PROTOCOL_NAMES: Record<string, string> = { '-1': 'all traffic', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

/** "anywhere" for a network ACL entry: 0.0.0.0/0 or ::/0 (one entry holds one of the two). */
function anywhere(e: NetworkAclEntry): string | undefined {
  if (e.CidrBlock === '0.0.0.0/0') return '0.0.0.0/0';
  if (e.Ipv6CidrBlock === '::/0') return '::/0';
  return undefined;
}

/** Whether an entry matches tcp/udp traffic to `port` (protocol all, or tcp/udp with the port in its range). */
function coversPort(e: NetworkAclEntry, port: number): boolean {
  if (e.Protocol === '-1') return true;
  if (e.Protocol !== '6' && e.Protocol !== '17') return false;
  const from = e.PortRange?.From ?? 0;
  const to = e.PortRange?.To ?? 65535;
  return port >= from && port <= to;
}

/** `rule 100 allow tcp 22-22 from 0.0.0.0/0`, for reasons. */
export function describeAclEntry(e: NetworkAclEntry): string {
  const proto = PROTOCOL_NAMES[e.Protocol ?? ''] ?? `protocol ${e.Protocol}`;
  const ports = e.PortRange && (e.Protocol === '6' || e.Protocol === '17') ? ` ${e.PortRange.From === e.PortRange.To ? e.PortRange.From : `${e.PortRange.From}-${e.PortRange.To}`}` : '';
  const rule = e.RuleNumber === 32767 ? 'rule *' : `rule ${e.RuleNumber}`;
  return `${rule} ${e.RuleAction} ${proto}${ports} ${e.Egress ? 'to' : 'from'} ${e.CidrBlock ?? e.Ipv6CidrBlock}`;
}

/** What the inbound rules decide for one admin port and address family, walked in rule-number order. */
interface PortWalk {
  /** Addresses the first matching rule allows. */
  allowed: Interval[];
  /** Allow rules that are the first match for some public address. */
  reaching: NetworkAclEntry[];
  /** Rules matching the port whose range cannot be read (what they decide is unknown). */
  unreadable: NetworkAclEntry[];
}

/**
 * Network ACLs apply the lowest-numbered rule that matches a packet. Walking the rules in order and keeping the part of
 * the address space no earlier rule decided, each allow rule admits only what is still undecided when it is reached:
 * 0.0.0.0/1 and 128.0.0.0/1 allowed before a 0.0.0.0/0 deny admit every address. Addresses no rule matches are denied.
 */
function walkPort(entries: readonly NetworkAclEntry[], family: Family, port: number): PortWalk {
  let undecided = wholeSpace(family);
  const walk: PortWalk = { allowed: [], reaching: [], unreadable: [] };
  for (const e of entries) {
    if (!coversPort(e, port)) continue;
    const text = family === 4 ? e.CidrBlock : e.Ipv6CidrBlock;
    if (text === undefined) continue;
    const block = parseCidr(text);
    if (!block || block.family !== family) {
      walk.unreadable.push(e);
      continue;
    }
    const decided = intersect(undecided, block);
    if (e.RuleAction === 'allow' && publicCountOf(decided, family) > 0n) {
      walk.allowed.push(...decided);
      walk.reaching.push(e);
    }
    undecided = subtract(undecided, [toInterval(block)]);
    if (undecided.length === 0) break;
  }
  return walk;
}

export function networkAclArn(accountId: string, region: string, acl: NetworkAcl): string {
  return `arn:aws:ec2:${region}:${acl.OwnerId ?? accountId}:network-acl/${acl.NetworkAclId}`;
}

export const networkAcls = defineQuery<NetworkAclsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.network-acls',
  service: 'ec2',
  title: 'No network ACL lets the internet reach administration ports of the subnets it guards',
  description:
    'Every network ACL in the region with its numbered inbound and outbound rules and the subnets it is associated with. Rules are applied in number order as the VPC applies them (the lowest-numbered matching rule decides each source address): an ACL fails when the rules let every public IPv4 or IPv6 address reach a remote administration port (SSH, RDP by default), whether through 0.0.0.0/0 or through pieces such as 0.0.0.0/1 and 128.0.0.0/1, and needs review when they let in more public addresses than one /24 (IPv4) or /48 (IPv6); inbound and outbound rules open to any address are listed (a stateless ACL must admit the ephemeral return ports 1024-65535, which include database ports: security groups have to close those). Network ACLs are stateless subnet filters: security groups on each interface still apply, so a failing ACL shows a missing layer, not by itself a reachable service.',
  remediation:
    'Add lower-numbered deny rules for the administration ports from 0.0.0.0/0 and ::/0 (or replace the allow-all rule with rules for the approved flows), keeping the ephemeral return ports the subnet needs (`aws ec2 create-network-acl-entry --rule-action deny`).',
  scope: 'regional',
  apiCalls: ['ec2:DescribeNetworkAcls'],
  parameters: {
    adminPorts: {
      description: 'Remote administration ports no network ACL may admit from anywhere (SSH, RDP); ports above 1024 collide with the ephemeral return range a stateless ACL must allow. A value naming no port is refused at start-up.',
      default: DEFAULT_NACL_ADMIN_PORTS.map(String),
      check: adminPortsProblem,
    },
    widePublicPrefix: { description: 'Admin ports reachable from more public IPv4 addresses than one block of this prefix length need review.', default: DEFAULT_WIDE_PUBLIC_PREFIX[4], check: prefixProblem(4) },
    widePublicIpv6Prefix: { description: 'The same bound for IPv6 sources.', default: DEFAULT_WIDE_PUBLIC_PREFIX[6], check: prefixProblem(6) },
  },
  async collect(ctx) {
    const { EC2Client, paginateDescribeNetworkAcls } = await loadEc2Sdk();
    const networkAcls: NetworkAcl[] = [];
    for await (const page of paginateDescribeNetworkAcls({ client: ctx.clients.get(EC2Client), pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      networkAcls.push(...(stripMetadata(page).NetworkAcls ?? []));
    }
    return { networkAcls };
  },
  evaluate: acceptConfigItems(NETWORK_ACL_ITEMS, (data, params, ctx) => {
    if (!data?.networkAcls) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeNetworkAcls response' }];
    const settings = networkParams('ec2.network-acls', params, DEFAULT_NACL_ADMIN_PORTS);
    if ('error' in settings) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: settings.error }];
    const { ports, widest } = settings;
    const results: ResourceResult[] = data.networkAcls.map((acl) => {
      const base = { resource: networkAclArn(ctx.accountId, ctx.region, acl), resourceType: 'AWS::EC2::NetworkAcl' };
      const subnets = (acl.Associations ?? []).map((a) => a.SubnetId).filter((s): s is string => !!s);
      const label = `network ACL ${acl.NetworkAclId}${acl.IsDefault ? ' (the VPC default)' : ''} in ${acl.VpcId}`;
      const guards = subnets.length ? `guards ${subnets.length === 1 ? 'subnet' : 'subnets'} ${subnets.join(', ')}` : 'is associated with no subnet';
      const entries = [...(acl.Entries ?? [])].sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0));
      const inbound = entries.filter((e) => e.Egress === false);
      const outbound = entries.filter((e) => e.Egress === true);
      if (!acl.Entries || entries.some((e) => e.Egress === undefined || e.RuleAction === undefined)) {
        return { ...base, status: 'error' as const, reason: `${label}: the evidence does not list its rules with direction and action` };
      }
      const openInbound = inbound.filter((e) => e.RuleAction === 'allow' && anywhere(e)).map(describeAclEntry);
      const openOutbound = outbound.filter((e) => e.RuleAction === 'allow' && anywhere(e)).map(describeAclEntry);
      // Rule text -> admin ports, for the rules that let every public address in and for those that let in a wide part.
      const reached = new Map<string, number[]>();
      const wide = new Map<string, number[]>();
      const unreadable = new Map<string, number[]>();
      const add = (m: Map<string, number[]>, e: NetworkAclEntry, port: number) => m.set(describeAclEntry(e), [...(m.get(describeAclEntry(e)) ?? []), port]);
      let widestCount: { count: bigint; family: Family } | undefined;
      for (const family of [4, 6] as const) {
        for (const port of ports) {
          const walk = walkPort(inbound, family, port);
          walk.unreadable.forEach((e) => add(unreadable, e, port));
          if (setCoversAllPublic(walk.allowed, family)) walk.reaching.forEach((e) => add(reached, e, port));
          else {
            const count = publicCountOf(walk.allowed, family);
            if (count > blockSize(family, widest[family])) {
              walk.reaching.forEach((e) => add(wide, e, port));
              if (!widestCount || count > widestCount.count) widestCount = { count, family };
            }
          }
        }
      }
      const outText = openOutbound.length ? `; outbound to any address: ${openOutbound.join('; ')}` : '; no outbound rule allows any address';
      if (subnets.length === 0) {
        return { ...base, status: 'not-applicable' as const, reason: `${label} ${guards}, so its rules filter no traffic` };
      }
      const hits = (m: Map<string, number[]>) => [...m].map(([rule, p]) => `${rule} (admin port${new Set(p).size > 1 ? 's' : ''} ${[...new Set(p)].join(', ')})`);
      const review = [
        ...(wide.size && widestCount
          ? [`${hits(wide).join('; ')} admit up to ${describeCount(widestCount.count, widestCount.family)} to administration ports, more than one /${widest[widestCount.family]} (parameters widePublicPrefix, widePublicIpv6Prefix): confirm these are approved administration networks`]
          : []),
        ...(unreadable.size ? [`${hits(unreadable).join('; ')}: the range is not a CIDR block this check can read`] : []),
      ];
      if (reached.size) {
        return {
          ...base,
          status: 'fail' as const,
          reason: `${label} ${guards} and lets every public address reach administration ports: ${hits(reached).join('; ')}${review.length ? `; also to review: ${review.join('; ')}` : ''}${outText}`,
        };
      }
      if (review.length) return { ...base, status: 'needs-review' as const, reason: `${label} ${guards}; ${review.join('; ')}${outText}` };
      const inText = openInbound.length ? `inbound from any address only: ${openInbound.join('; ')}` : 'no inbound rule allows any address';
      return {
        ...base,
        status: 'pass' as const,
        reason: `${label} ${guards}; no administration port (${ports.join(', ')}) is reachable from every public address or from more public addresses than one /${widest[4]} (IPv4) or /${widest[6]} (IPv6) (${inText})${outText}`,
      };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no network ACLs (no VPCs) in ${ctx.region}` });
    return results;
  }),
});
