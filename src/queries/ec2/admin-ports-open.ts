import type { IpPermission } from '@aws-sdk/client-ec2';
import { defineQuery, type ResourceResult } from '../types.js';
import { collectSecurityGroups, describePermission, groupLabel, securityGroupArn, type SecurityGroupsEvidence, SECURITY_GROUP_ITEMS } from './security-groups.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const DEFAULT_ADMIN_PORTS = [22, 3389, 3306, 5432, 1433, 1521, 5985, 5986, 23, 21];

/** A port-list parameter; an environment override arrives as `22,3389`. */
export function portListParam(value: unknown, fallback: readonly number[]): number[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : typeof value === 'number' ? [value] : [...fallback];
  return raw.map((v) => Number(String(v).trim())).filter((n) => Number.isInteger(n) && n >= 0 && n <= 65535);
}

/** Admin ports a rule opens: protocol all (`-1`), or tcp/udp ranges covering them (ICMP opens none). */
export function openedPorts(p: IpPermission, ports: readonly number[]): number[] {
  const proto = p.IpProtocol;
  if (proto === '-1' || proto === 'all') return [...ports];
  if (!['tcp', 'udp', '6', '17'].includes(proto ?? '')) return [];
  const from = p.FromPort ?? 0;
  const to = p.ToPort ?? 65535;
  // A range of -1 on tcp/udp means every port.
  if (from === -1 || to === -1) return [...ports];
  return ports.filter((port) => port >= from && port <= to);
}

/** The "anywhere" sources of a rule: 0.0.0.0/0 and ::/0. */
export function openSources(p: IpPermission): string[] {
  return [...(p.IpRanges ?? []).map((r) => r.CidrIp).filter((c) => c === '0.0.0.0/0'), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6).filter((c) => c === '::/0')] as string[];
}

export const adminPortsOpen = defineQuery<SecurityGroupsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.admin-ports-open',
  service: 'ec2',
  title: 'No security group opens administration ports to the internet',
  description:
    'Every security group in the region with its inbound rules, checked for remote administration and database ports (SSH, RDP, WinRM, database listeners, Telnet, FTP) open to 0.0.0.0/0 or ::/0.',
  remediation:
    'Remove the listed inbound rules, or narrow their source to known administration networks or a bastion security group; prefer Systems Manager Session Manager over open SSH/RDP.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups'],
  parameters: {
    adminPorts: { description: 'Ports that must never be reachable from anywhere (SSH, RDP, database, WinRM, Telnet, FTP).', default: DEFAULT_ADMIN_PORTS.map(String) },
  },
  collect: (ctx) => collectSecurityGroups(ctx),
  evaluate: acceptConfigItems(SECURITY_GROUP_ITEMS, (data, params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const ports = portListParam(params.adminPorts, DEFAULT_ADMIN_PORTS);
    const results: ResourceResult[] = data.securityGroups.map((g) => {
      const open: string[] = [];
      for (const p of g.IpPermissions ?? []) {
        const sources = openSources(p);
        const hit = openedPorts(p, ports);
        if (sources.length && hit.length) open.push(`${describePermission(p)} from ${sources.join(' and ')} (admin port${hit.length > 1 ? 's' : ''} ${hit.join(', ')})`);
      }
      const base = { resource: securityGroupArn(ctx.accountId, ctx.region, g), resourceType: 'AWS::EC2::SecurityGroup' };
      return open.length
        ? { ...base, status: 'fail' as const, reason: `${groupLabel(g)} allows ${open.join('; ')}` }
        : { ...base, status: 'pass' as const, reason: `${groupLabel(g)} opens no administration port to 0.0.0.0/0 or ::/0` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no security groups in ${ctx.region}` });
    return results;
  }),
});
