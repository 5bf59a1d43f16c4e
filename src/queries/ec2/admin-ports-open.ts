import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { defineQuery, type QueryParameters, type ResourceResult } from '../types.js';
import {
  collectSecurityGroupsWithReferences,
  describePermission,
  groupLabel,
  isInstanceConnectList,
  prefixListView,
  securityGroupArn,
  staleReference,
  type SecurityGroupReferencesEvidence,
  type SecurityGroupsWithReferences,
  SECURITY_GROUP_REFERENCE_ITEMS,
} from './security-groups.js';
import type { ReadPlace } from '../partial-evidence.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';
import { blockSize, coversAllPublic, DEFAULT_WIDE_PUBLIC_PREFIX, describeCount, isNonPublic, parseCidr, prefixParam, publicAddressCount, type Cidr, type Family } from './cidr.js';

/**
 * SSH, RDP, MySQL, PostgreSQL, SQL Server, Oracle, WinRM (http, https), Telnet, FTP, MongoDB, Redis, Elasticsearch /
 * OpenSearch (http, transport), SMB.
 */
export const DEFAULT_ADMIN_PORTS = [22, 3389, 3306, 5432, 1433, 1521, 5985, 5986, 23, 21, 27017, 6379, 9200, 9300, 445];

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

/** The "anywhere" sources of a rule written as one block: 0.0.0.0/0 and ::/0. */
export function openSources(p: IpPermission): string[] {
  return [...(p.IpRanges ?? []).map((r) => r.CidrIp).filter((c) => c === '0.0.0.0/0'), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6).filter((c) => c === '::/0')] as string[];
}

/** The port list and range limits of a network check, or why the configured values cannot be used. */
export type NetworkParams = { ports: number[]; widest: Record<Family, number> } | { error: string };

/** Why an `adminPorts` value cannot be used (it names no port, or an entry is not a port number), or undefined. */
export function adminPortsProblem(raw: unknown): string | undefined {
  const entries = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [String(raw)];
  const bad = entries.filter((v) => portListParam([v], []).length === 0);
  if (bad.length) return `${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a port number 0-65535; give port numbers such as ["22", "3389"]`;
  if (portListParam(entries, []).length === 0) return 'it names no port; give port numbers such as ["22", "3389"]';
  return undefined;
}

/** Why a `widePublicPrefix` (IPv4) or `widePublicIpv6Prefix` value cannot be used, or undefined. */
export function prefixProblem(family: Family): (value: unknown) => string | undefined {
  return (value) => (prefixParam(value, family) === undefined ? `expected a prefix length 0-${family === 4 ? 32 : 128}` : undefined);
}

/**
 * Reads `adminPorts`, `widePublicPrefix` and `widePublicIpv6Prefix`. An override that names no port, or an entry that
 * is not a port number (`ssh`), would silently check nothing: `checkParameterOverrides` refuses it at start-up (the
 * parameters' `check`), and evidence judged with such a value anyway (an older configuration) is an error naming it.
 */
export function networkParams(queryId: string, params: QueryParameters, fallback: readonly number[]): NetworkParams {
  const raw = params.adminPorts ?? fallback.map(String);
  const problem = adminPortsProblem(raw);
  if (problem) return { error: `parameter adminPorts of ${queryId} is ${JSON.stringify(raw)}: ${problem.replace(';', ', so the check cannot say which ports it judged;')}` };
  const ports = portListParam(Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [String(raw)], []);
  const widest = {} as Record<Family, number>;
  for (const [family, name] of [[4, 'widePublicPrefix'], [6, 'widePublicIpv6Prefix']] as const) {
    const value = params[name] ?? DEFAULT_WIDE_PUBLIC_PREFIX[family];
    const prefix = prefixParam(value, family);
    if (prefix === undefined) return { error: `parameter ${name} of ${queryId} is ${JSON.stringify(value)}: ${prefixProblem(family)(value)}` };
    widest[family] = prefix;
  }
  return { ports, widest };
}

/** One inbound rule as it bears on the admin ports: which ports it opens and from which sources. */
interface Opening {
  rule: IpPermission;
  ports: number[];
  /** Its CIDR blocks and the entries of the customer-managed prefix lists it names. */
  blocks: Cidr[];
  unreadable: string[];
  /** Prefix lists whose sources the evidence does not hold, or AWS-managed ones, with why (and the ports it concerns when not all of the rule's). */
  prefixLists: { label: string; review: string; ports?: number[] }[];
  /** Customer-managed prefix lists read, for the pass reason. */
  readLists: string[];
  /** SSH admitted from the EC2 Instance Connect service's AWS-managed list, for the pass reason. */
  instanceConnect: string[];
}

/** The version of a list whose entries were read, as the reason names it (nothing for evidence that does not record it). */
export function versionText(version: number | undefined): string {
  return version === undefined ? '' : ` (version ${version}, current when read: the one the rule uses)`;
}

/** The one port the EC2 Instance Connect service connects to (SSH). */
const INSTANCE_CONNECT_PORT = 22;

function openingOf(p: IpPermission, ports: readonly number[], refs: SecurityGroupReferencesEvidence, at: ReadPlace, groupOwner?: string): Opening | undefined {
  const hit = openedPorts(p, ports);
  if (!hit.length) return undefined;
  const texts = [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].filter((t): t is string => t !== undefined);
  const blocks: Cidr[] = [];
  const unreadable: string[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (c) blocks.push(c);
    else unreadable.push(t);
  }
  const prefixLists: Opening['prefixLists'] = [];
  const readLists: string[] = [];
  const instanceConnect: string[] = [];
  for (const id of (p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? 'a prefix list without id')) {
    const view = prefixListView(id, refs, at);
    if (view.kind === 'entries') {
      blocks.push(...view.blocks);
      unreadable.push(...view.unreadable);
      // A list another account shares with this one (AWS RAM): that account decides its entries from now on.
      const shared = view.owner && groupOwner && view.owner !== groupOwner ? ` (account ${view.owner}'s list, shared with this account: that account can change its entries)` : '';
      readLists.push(`${view.label}${shared}: ${view.entries.length ? view.entries.join(', ') : 'no entries'}${versionText(view.version)}`);
    } else if (view.kind === 'aws-managed' && isInstanceConnectList(view.name, at.region)) {
      // The service connects over SSH only: port 22 from it is no public opening; any other admin port from it is unexplained.
      if (hit.includes(INSTANCE_CONNECT_PORT)) instanceConnect.push(`${describePermission(p)} from ${view.label} (admin port ${INSTANCE_CONNECT_PORT})`);
      const others = hit.filter((port) => port !== INSTANCE_CONNECT_PORT);
      if (others.length) {
        prefixLists.push({
          label: view.label,
          ports: others,
          review: `the EC2 Instance Connect service's addresses, which connect over SSH (port ${INSTANCE_CONNECT_PORT}) only: no documented use opens other ports to them; confirm why, as who reaches the port through them is not in the evidence`,
        });
      }
    } else if (view.kind === 'aws-managed') {
      prefixLists.push({
        label: view.label,
        review: "the address ranges of an AWS service, which every customer of that service shares, not this account's networks; confirm the service is an approved administration path (such as EC2 Instance Connect), as who reaches the port through it is not in the evidence",
      });
    } else prefixLists.push({ label: view.label, review: `${view.why}, so who can reach the port is unknown` });
  }
  return { rule: p, ports: hit, blocks, unreadable, prefixLists, readLists, instanceConnect };
}

const portsText = (ports: readonly number[]) => `admin port${ports.length > 1 ? 's' : ''} ${[...new Set(ports)].join(', ')}`;
const FAMILIES: readonly Family[] = [4, 6];

/**
 * What a group's admin-port rules whose source is another security group (UserIdGroupPairs) say, one hop deep: the
 * group itself and groups of this account and region found in the evidence are resolved; a group of another account,
 * one the evidence does not hold (a stale reference, a peered VPC's group) or one that itself admits every public
 * address on an administration port (`opensToEveryone`) needs review, named. Who holds a group is not in the evidence.
 */
interface GroupSources {
  resolved: string[];
  review: string[];
}

function groupSources(g: SecurityGroup, ports: readonly number[], at: ReadPlace, groups: ReadonlyMap<string, SecurityGroup>, opensToEveryone: (groupId: string) => boolean, refs: SecurityGroupReferencesEvidence): GroupSources {
  const out: GroupSources = { resolved: [], review: [] };
  const owner = g.OwnerId ?? at.accountId;
  for (const p of g.IpPermissions ?? []) {
    const hit = openedPorts(p, ports);
    if (!hit.length) continue;
    for (const pair of p.UserIdGroupPairs ?? []) {
      const id = pair.GroupId ?? pair.GroupName ?? 'a group without id';
      const rule = `${describePermission(p)} from security group ${id}`;
      const via = pair.VpcPeeringConnectionId ? ` through VPC peering connection ${pair.VpcPeeringConnectionId}${pair.PeeringStatus ? ` (${pair.PeeringStatus})` : ''}` : '';
      if (pair.GroupId && pair.GroupId === g.GroupId) {
        out.resolved.push(`${describePermission(p)} from its own members`);
        continue;
      }
      const foreign = pair.UserId && pair.UserId !== owner ? ` of account ${pair.UserId}` : '';
      const target = pair.GroupId && !foreign ? groups.get(pair.GroupId) : undefined;
      // AWS's own answer on a reference it cannot resolve: stale (deleted group, peering or transit gateway gone).
      const stale: ReturnType<typeof staleReference> = !target && pair.GroupId ? staleReference(refs, g, pair.GroupId, 'in', at) : { kind: 'unknown' };
      if (stale.kind === 'stale') {
        out.review.push(
          `${rule}${foreign}${via} (${portsText(hit)}): a stale reference, as AWS reports it for ${g.VpcId} (DescribeStaleSecurityGroups${stale.detail ? `: ${stale.detail}` : ''}): the group was deleted, or the VPC peering connection or transit gateway it was reached through is gone; it admits no one while stale and would admit that group's members again if the connection were restored, so remove the rule`,
        );
        continue;
      }
      if (foreign) {
        out.review.push(`${rule}${foreign}${via} (${portsText(hit)}): that account decides which network interfaces hold the group, which this evidence does not show${stale.kind === 'unknown' && stale.why ? ` (${stale.why})` : ''}`);
        continue;
      }
      if (!target) {
        const where = `${rule}${pair.VpcId ? ` in ${pair.VpcId}` : ''}${via} (${portsText(hit)})`;
        if (stale.kind === 'not-stale') {
          out.review.push(`${where}: cannot be resolved: not among this account's security groups in the region's evidence, and AWS does not report it stale for ${g.VpcId} (DescribeStaleSecurityGroups), so it may be a group of a peered or shared VPC; who can reach the port is unknown`);
        } else if (stale.why) {
          out.review.push(`${where}: cannot be resolved: not among this account's security groups in the region's evidence, and ${stale.why}; who can reach the port is unknown`);
        } else {
          out.review.push(`${where}: not among this account's security groups in the region's evidence (a stale reference to a deleted group, or a group of a peered VPC), so who can reach the port is unknown`);
        }
        continue;
      }
      if (opensToEveryone(target.GroupId ?? '')) {
        out.review.push(`${describePermission(p)} from ${groupLabel(target)} (${portsText(hit)}), which itself admits every public address on an administration port: a host the internet can administer can reach this port`);
        continue;
      }
      out.resolved.push(`${describePermission(p)} from ${groupLabel(target)}`);
    }
  }
  return out;
}

/** Judges one group's inbound rules for the admin ports: every public address, wide public ranges, unread prefix lists, other groups. */
function judgeGroup(g: SecurityGroup, ports: readonly number[], widest: Record<Family, number>, refs: SecurityGroupReferencesEvidence, at: ReadPlace, sources: GroupSources = { resolved: [], review: [] }): { status: 'fail' | 'needs-review' | 'pass'; reason: string } {
  const openings = (g.IpPermissions ?? []).map((p) => openingOf(p, ports, refs, at, g.OwnerId)).filter((o): o is Opening => o !== undefined);
  // Per admin port and address family: the union of every rule's sources (a group's rules add up).
  const everyPublic = new Map<Family, number[]>();
  const wide = new Map<Family, { port: number; count: bigint }[]>();
  for (const family of FAMILIES) {
    for (const port of ports) {
      const blocks = openings.filter((o) => o.ports.includes(port)).flatMap((o) => o.blocks.filter((c) => c.family === family));
      if (!blocks.length) continue;
      if (coversAllPublic(blocks, family)) everyPublic.set(family, [...(everyPublic.get(family) ?? []), port]);
      else {
        const count = publicAddressCount(blocks, family);
        if (count > blockSize(family, widest[family])) wide.set(family, [...(wide.get(family) ?? []), { port, count }]);
      }
    }
  }
  const publicSources = (o: Opening, family: Family) => o.blocks.filter((c) => c.family === family && !isNonPublic(c)).map((c) => c.text);
  const rulesFor = (family: Family, flagged: readonly number[]) =>
    openings
      .map((o) => ({ o, hit: o.ports.filter((p) => flagged.includes(p)), from: publicSources(o, family) }))
      .filter((x) => x.hit.length && x.from.length)
      .map((x) => `${describePermission(x.o.rule)} from ${x.from.join(' and ')} (${portsText(x.hit)})`);

  const failing = FAMILIES.filter((f) => everyPublic.has(f)).map((f) => {
    const rules = rulesFor(f, everyPublic.get(f)!);
    const together = openings.some((o) => o.blocks.some((c) => c.family === f && c.prefix === 0)) ? '' : ` (together every public IPv${f} address)`;
    return `${rules.join('; ')}${together}`;
  });
  const review: string[] = [];
  for (const f of FAMILIES) {
    const flagged = wide.get(f);
    if (!flagged) continue;
    const widestCount = flagged.reduce((m, x) => (x.count > m ? x.count : m), 0n);
    review.push(`${rulesFor(f, flagged.map((x) => x.port)).join('; ')}: up to ${describeCount(widestCount, f)}, more than one /${widest[f]} (parameter ${f === 4 ? 'widePublicPrefix' : 'widePublicIpv6Prefix'}); confirm these are approved administration networks`);
  }
  for (const o of openings) {
    for (const l of o.prefixLists) review.push(`${describePermission(o.rule)} from ${l.label} (${portsText(l.ports ?? o.ports)}): ${l.review}`);
    if (o.unreadable.length) review.push(`${describePermission(o.rule)} from ${o.unreadable.join(', ')} (${portsText(o.ports)}): not a CIDR block this check can read`);
  }
  review.push(...sources.review);
  const readLists = openings.flatMap((o) => o.readLists.map((l) => `${describePermission(o.rule)} from ${l}`));
  const instanceConnect = openings.flatMap((o) => o.instanceConnect);
  if (failing.length) {
    return { status: 'fail', reason: `${groupLabel(g)} allows ${failing.join('; ')}${review.length ? `; also to review: ${review.join('; ')}` : ''}` };
  }
  if (review.length) return { status: 'needs-review', reason: `${groupLabel(g)} opens administration ports to sources the evidence does not clear: ${review.join('; ')}` };
  return {
    status: 'pass',
    reason: `${groupLabel(g)} opens no administration port (${ports.join(', ')}) to every public address, to more public addresses than one /${widest[4]} (IPv4) or /${widest[6]} (IPv6), to a prefix list the evidence does not clear, or to a security group the evidence does not clear${
      readLists.length ? `; customer-managed prefix lists, judged by their entries (GetManagedPrefixListEntries): ${readLists.join('; ')}` : ''
    }${
      instanceConnect.length
        ? `; it admits SSH from the EC2 Instance Connect service only: ${instanceConnect.join('; ')}, AWS's list of that service's addresses, not a public opening; whether someone can connect through it then rests on IAM (ec2-instance-connect:SendSSHPublicKey on the instance) and the instance's own SSH configuration, which this query does not read`
        : ''
    }${sources.resolved.length ? `; it admits them from security groups of this account: ${sources.resolved.join('; ')} (which interfaces hold those groups is not in this evidence)` : ''}`,
  };
}

export const adminPortsOpen = defineQuery<SecurityGroupsWithReferences | AggregateConfigItemsEvidence>({
  id: 'ec2.admin-ports-open',
  service: 'ec2',
  title: 'No security group opens administration ports to the internet',
  description:
    'Every security group in the region with its inbound rules, checked for remote administration, file-sharing and database ports (by default SSH, RDP, WinRM, Telnet, FTP, SMB, and the MySQL, PostgreSQL, SQL Server, Oracle, MongoDB, Redis and Elasticsearch/OpenSearch listeners). A group fails when its rules for one such port together admit every public IPv4 or IPv6 address (0.0.0.0/0, ::/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1; private, shared, link-local and unique-local ranges aside); it needs review when they admit more public addresses than one /24 (IPv4) or /48 (IPv6). A customer-managed prefix list named as a source is judged by its entries (GetManagedPrefixListEntries, at the version DescribeManagedPrefixLists gives as current, which security group rules use and the reason names) as if they were the rule\'s own CIDR blocks, so a list holding 0.0.0.0/0 or ::/0 fails; an AWS-managed list (com.amazonaws.<region>.s3 and the like: an AWS service\'s ranges, shared by every customer of the service) is named and needs review, as does a list whose entries could not be read; the one exception is the EC2 Instance Connect service\'s own list (com.amazonaws.<region>.ec2-instance-connect, or its ipv6 twin), from which that service alone connects, over SSH, for a principal IAM allows: SSH (port 22) from it is no public opening and passes, the reason naming the list and saying that access then rests on IAM (ec2-instance-connect:SendSSHPublicKey) and the instance\'s SSH configuration, which the query does not read, while any other admin port from it needs review. A rule whose source is another security group is followed one hop: a group of another account (named), one AWS reports stale (DescribeStaleSecurityGroups of the VPC: a deleted group, or a peering connection or transit gateway gone; named with the rule and VPC), one not among the account\'s groups in the region that AWS does not report stale (cannot be resolved: a peered or shared VPC\'s group), or one that itself admits every public address on an administration port needs review; the group itself and the account\'s other groups are listed. Which network interfaces hold a group is not read.',
  remediation:
    'Remove the listed inbound rules, or narrow their source to known administration networks or a bastion security group; prefer Systems Manager Session Manager over open SSH/RDP.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries', 'ec2:DescribeStaleSecurityGroups'],
  parameters: {
    adminPorts: {
      description: 'Ports that must never be reachable from anywhere (SSH, RDP, WinRM, Telnet, FTP, SMB, database and search listeners); a value naming no port, or an entry that is not a port number, is refused at start-up.',
      default: DEFAULT_ADMIN_PORTS.map(String),
      check: adminPortsProblem,
    },
    widePublicPrefix: { description: 'Admin-port sources admitting more public IPv4 addresses than one block of this prefix length need review.', default: DEFAULT_WIDE_PUBLIC_PREFIX[4], check: prefixProblem(4) },
    widePublicIpv6Prefix: { description: 'The same bound for IPv6 sources.', default: DEFAULT_WIDE_PUBLIC_PREFIX[6], check: prefixProblem(6) },
  },
  // The listing and what its rules name are read once per account and region, for this query and the egress one.
  collect: (ctx) => collectSecurityGroupsWithReferences(ctx),
  evaluate: acceptConfigItems(SECURITY_GROUP_REFERENCE_ITEMS, (data, params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const settings = networkParams('ec2.admin-ports-open', params, DEFAULT_ADMIN_PORTS);
    if ('error' in settings) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: settings.error }];
    // A referenced group is judged on its own address rules first: the one hop followed.
    const groups = new Map(data.securityGroups.filter((g) => g.GroupId).map((g) => [g.GroupId!, g]));
    const own = new Map([...groups].map(([id, g]) => [id, judgeGroup(g, settings.ports, settings.widest, data, ctx).status]));
    const results: ResourceResult[] = data.securityGroups.map((g) => ({
      resource: securityGroupArn(ctx.accountId, ctx.region, g),
      resourceType: 'AWS::EC2::SecurityGroup',
      ...judgeGroup(g, settings.ports, settings.widest, data, ctx, groupSources(g, settings.ports, ctx, groups, (id) => own.get(id) === 'fail', data)),
    }));
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no security groups in ${ctx.region}` });
    return results;
  }),
});
