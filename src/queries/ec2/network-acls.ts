import type { NetworkAcl, NetworkAclEntry } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';
import { portListParam } from './admin-ports-open.js';
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

/**
 * The entry that decides traffic from any internet address to `port`: network ACLs apply the lowest-numbered matching
 * rule, and only a rule for the whole address space (0.0.0.0/0 or ::/0) matches every internet source.
 */
function decidingEntry(entries: NetworkAclEntry[], family: '0.0.0.0/0' | '::/0', port: number): NetworkAclEntry | undefined {
  return entries.find((e) => anywhere(e) === family && coversPort(e, port));
}

export function networkAclArn(accountId: string, region: string, acl: NetworkAcl): string {
  return `arn:aws:ec2:${region}:${acl.OwnerId ?? accountId}:network-acl/${acl.NetworkAclId}`;
}

export const networkAcls = defineQuery<NetworkAclsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.network-acls',
  service: 'ec2',
  title: 'No network ACL lets the internet reach administration ports of the subnets it guards',
  description:
    'Every network ACL in the region with its numbered inbound and outbound rules and the subnets it is associated with. Rules are applied in number order as the VPC applies them: an ACL fails when the first rule matching traffic from any address (0.0.0.0/0 or ::/0) to a remote administration port (SSH, RDP by default) allows it; inbound and outbound rules open to any address are listed (a stateless ACL must admit the ephemeral return ports 1024-65535, which include database ports: security groups have to close those). Network ACLs are stateless subnet filters: security groups on each interface still apply, so a failing ACL shows a missing layer, not by itself a reachable service.',
  remediation:
    'Add lower-numbered deny rules for the administration ports from 0.0.0.0/0 and ::/0 (or replace the allow-all rule with rules for the approved flows), keeping the ephemeral return ports the subnet needs (`aws ec2 create-network-acl-entry --rule-action deny`).',
  scope: 'regional',
  apiCalls: ['ec2:DescribeNetworkAcls'],
  parameters: {
    adminPorts: {
      description: 'Remote administration ports no network ACL may admit from anywhere (SSH, RDP); ports above 1024 collide with the ephemeral return range a stateless ACL must allow.',
      default: DEFAULT_NACL_ADMIN_PORTS.map(String),
    },
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
    const ports = portListParam(params.adminPorts, DEFAULT_NACL_ADMIN_PORTS);
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
      const reached = new Map<string, number[]>();
      for (const family of ['0.0.0.0/0', '::/0'] as const) {
        for (const port of ports) {
          const e = decidingEntry(inbound, family, port);
          if (e?.RuleAction === 'allow') reached.set(describeAclEntry(e), [...(reached.get(describeAclEntry(e)) ?? []), port]);
        }
      }
      const outText = openOutbound.length ? `; outbound to any address: ${openOutbound.join('; ')}` : '; no outbound rule allows any address';
      if (subnets.length === 0) {
        return { ...base, status: 'not-applicable' as const, reason: `${label} ${guards}, so its rules filter no traffic` };
      }
      if (reached.size) {
        const hits = [...reached].map(([rule, p]) => `${rule} (admin port${p.length > 1 ? 's' : ''} ${[...new Set(p)].join(', ')})`);
        return { ...base, status: 'fail' as const, reason: `${label} ${guards} and lets any address reach administration ports: ${hits.join('; ')}${outText}` };
      }
      const inText = openInbound.length ? `inbound from any address only: ${openInbound.join('; ')}` : 'no inbound rule allows any address';
      return { ...base, status: 'pass' as const, reason: `${label} ${guards}; no administration port is reachable from 0.0.0.0/0 or ::/0 (${inText})${outText}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no network ACLs (no VPCs) in ${ctx.region}` });
    return results;
  }),
});
