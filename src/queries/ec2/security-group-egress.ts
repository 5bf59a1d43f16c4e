import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { defineQuery, type ResourceResult } from '../types.js';
import {
  collectSecurityGroupsWithReferences,
  describePermission,
  groupLabel,
  isUnresolvedPair,
  prefixListView,
  securityGroupArn,
  staleReference,
  type PrefixListView,
  type SecurityGroupReferencesEvidence,
  type SecurityGroupsWithReferences,
  SECURITY_GROUP_REFERENCE_ITEMS,
} from './security-groups.js';
import type { ReadPlace } from '../partial-evidence.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';
import { blockSize, coversAllPublic, DEFAULT_WIDE_PUBLIC_PREFIX, describeCount, isNonPublic, parseCidr, publicAddressCount, type Cidr } from './cidr.js';

/** Where an outbound rule lets traffic go, readably; a group of another account (`owner` owns the rule's group) is named with it. */
function destinations(p: IpPermission, owner: string, lists: Lists): string[] {
  return [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? '?'),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '?'),
    ...(p.PrefixListIds ?? []).map((r) => {
      const view = lists(r.PrefixListId ?? '?');
      return view.kind === 'entries' ? `${view.label} (${view.entries.length ? view.entries.join(', ') : 'no entries'}${view.version !== undefined ? `; version ${view.version}, current when read` : ''})` : view.kind === 'aws-managed' ? `${view.label} (an AWS service's ranges)` : view.label;
    }),
    ...(p.UserIdGroupPairs ?? []).map((r) => `${r.GroupId ?? '?'}${r.UserId && r.UserId !== owner ? ` of account ${r.UserId}` : ''}${r.VpcPeeringConnectionId ? ` through ${r.VpcPeeringConnectionId}` : ''}`),
  ];
}

/** What the evidence says of each prefix list, by id (prefixListView of one account and region's evidence). */
type Lists = (id: string) => PrefixListView;

/** A rule's CIDR blocks and the entries of the customer-managed prefix lists it names (labelled with the list). */
const blocksOf = (rules: readonly IpPermission[], lists: Lists): Cidr[] =>
  rules.flatMap((p) => [
    ...[...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].map((t) => parseCidr(t)).filter((c): c is Cidr => c !== undefined),
    ...(p.PrefixListIds ?? []).flatMap((l) => {
      const view = lists(l.PrefixListId ?? '?');
      return view.kind === 'entries' ? view.blocks : [];
    }),
  ]);

/** Rules that together reach every public address of a family: 0.0.0.0/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1. */
function toEveryAddress(rules: readonly IpPermission[], lists: Lists): IpPermission[] {
  const families = ([4, 6] as const).filter((f) => coversAllPublic(blocksOf(rules, lists), f));
  return families.length ? rules.filter((p) => blocksOf([p], lists).some((c) => families.includes(c.family) && !isNonPublic(c))) : [];
}

/** Public destinations of rules, for reasons. */
const publicDestinations = (rules: readonly IpPermission[], lists: Lists) => [...new Set(blocksOf(rules, lists).filter((c) => !isNonPublic(c)).map((c) => c.text))];

/**
 * Outbound rules to a security group the region's listing does not hold, or to one of another account, each with why
 * it needs review, on AWS's own word where it gave one (DescribeStaleSecurityGroups of the group's VPC, as for inbound
 * rules in ec2.admin-ports-open): a stale reference (named with the VPC and the peer), a group of another account (who
 * holds it decides where traffic goes), or one that cannot be resolved. Never a pass: where such a rule lets traffic
 * go is not in the evidence.
 */
function unresolvedDestinations(g: SecurityGroup, rules: readonly IpPermission[], known: ReadonlySet<string | undefined>, refs: SecurityGroupReferencesEvidence, at: ReadPlace): string[] {
  const out: string[] = [];
  const owner = g.OwnerId ?? at.accountId;
  for (const p of rules) {
    for (const pair of p.UserIdGroupPairs ?? []) {
      if (pair.GroupId && !isUnresolvedPair({ ...g, OwnerId: owner }, pair, known)) continue;
      const id = pair.GroupId ?? pair.GroupName ?? 'a group without id';
      const foreign = pair.UserId && pair.UserId !== owner ? ` of account ${pair.UserId}` : '';
      const via = pair.VpcPeeringConnectionId ? ` through VPC peering connection ${pair.VpcPeeringConnectionId}${pair.PeeringStatus ? ` (${pair.PeeringStatus})` : ''}` : '';
      const rule = `${describePermission(p)} to security group ${id}${foreign}${!foreign && pair.VpcId ? ` in ${pair.VpcId}` : ''}${via}`;
      const stale: ReturnType<typeof staleReference> = pair.GroupId ? staleReference(refs, g, pair.GroupId, 'out', at) : { kind: 'unknown' };
      if (stale.kind === 'stale') {
        out.push(
          `${rule}: a stale reference, as AWS reports it for ${g.VpcId} (DescribeStaleSecurityGroups${stale.detail ? `: ${stale.detail}` : ''}): the group was deleted, or the VPC peering connection or transit gateway it was reached through is gone; it lets no traffic out while stale and would let traffic reach that group's members again if the connection were restored, so remove the rule`,
        );
      } else if (foreign) {
        out.push(`${rule}: that account decides which network interfaces hold the group, so where it lets traffic go is not in this evidence${stale.kind === 'unknown' && stale.why ? ` (${stale.why})` : ''}`);
      } else if (stale.kind === 'not-stale') {
        out.push(`${rule}: cannot be resolved: not among this account's security groups in the region's evidence, and AWS does not report it stale for ${g.VpcId} (DescribeStaleSecurityGroups), so it may be a group of a peered or shared VPC; where it lets traffic go is unknown`);
      } else if (stale.why) {
        out.push(`${rule}: cannot be resolved: not among this account's security groups in the region's evidence, and ${stale.why}; where it lets traffic go is unknown`);
      } else {
        out.push(`${rule}: not among this account's security groups in the region's evidence (a stale reference to a deleted group, or a group of a peered VPC), so where it lets traffic go is unknown`);
      }
    }
  }
  return out;
}

/** Every port of every protocol (protocol -1). */
const allTraffic = (p: IpPermission) => p.IpProtocol === '-1' || p.IpProtocol === 'all';

export const securityGroupEgress = defineQuery<SecurityGroupsWithReferences | AggregateConfigItemsEvidence>({
  id: 'ec2.security-group-egress',
  service: 'ec2',
  title: 'Security groups do not allow all outbound traffic to anywhere',
  description:
    'Every security group in the region with its outbound rules. A customer-managed prefix list a rule names counts as its entries (DescribeManagedPrefixLists, GetManagedPrefixListEntries), as if they were the rule\'s own CIDR blocks; an AWS-managed list (com.amazonaws.<region>.s3 and the like) is named as an AWS service\'s ranges. A group whose all-traffic rules together reach every public address (0.0.0.0/0, ::/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1) fails; all traffic to a prefix list whose entries could not be read or to more public addresses than one /24 (IPv4) or /48 (IPv6), and outbound rules on specific ports to every public address, need comparison with the approved flows, as does a rule to a security group of another account (named), to one AWS reports stale (DescribeStaleSecurityGroups of the group\'s VPC, which answers for outbound rules too: a deleted group, or a peering connection or transit gateway gone; named with the rule, VPC and peer) or to one not among the account\'s groups in the region that AWS does not report stale (cannot be resolved); rules only to the account\'s own groups, AWS-managed lists, prefix lists on specific ports or narrower address ranges are listed.',
  remediation:
    'Replace the allow-all outbound rule AWS adds to new security groups with rules for the destinations and ports each workload needs (`aws ec2 revoke-security-group-egress`, then `authorize-security-group-egress`), and route internet-bound traffic through an egress proxy or firewall.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries', 'ec2:DescribeStaleSecurityGroups'],
  // The listing and what its rules name are read once per account and region, for this query and the admin-ports one.
  collect: (ctx) => collectSecurityGroupsWithReferences(ctx),
  evaluate: acceptConfigItems(SECURITY_GROUP_REFERENCE_ITEMS, (data, _params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const known = new Set(data.securityGroups.map((g) => g.GroupId));
    const lists: Lists = (id) => prefixListView(id, data, ctx);
    const results: ResourceResult[] = data.securityGroups.map((g) => {
      const base = { resource: securityGroupArn(ctx.accountId, ctx.region, g), resourceType: 'AWS::EC2::SecurityGroup' };
      const rules = g.IpPermissionsEgress ?? [];
      if (rules.length === 0) return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows no outbound traffic` };
      const everything = rules.filter(allTraffic);
      const allOpen = toEveryAddress(everything, lists);
      if (allOpen.length) {
        const split = !allOpen.some((p) => blocksOf([p], lists).some((c) => c.prefix === 0));
        return { ...base, status: 'fail' as const, reason: `${groupLabel(g)} allows all outbound traffic to ${publicDestinations(allOpen, lists).join(' and ')}${split ? ' (together every public address)' : ''}` };
      }
      const listed = rules.map((p) => `${describePermission(p)} to ${destinations(p, g.OwnerId ?? ctx.accountId, lists).join(', ') || 'nowhere'}`).join('; ');
      const review: string[] = [];
      // Any rule to a list whose entries are not in the evidence: where it lets traffic go is unknown, never a pass.
      for (const p of rules) {
        for (const l of p.PrefixListIds ?? []) {
          const v = lists(l.PrefixListId ?? '?');
          if (v.kind === 'unknown') review.push(`${allTraffic(p) ? 'all traffic' : describePermission(p)} to ${v.label} (${v.why}, so where it lets traffic go is unknown)`);
        }
      }
      for (const f of [4, 6] as const) {
        const count = publicAddressCount(blocksOf(everything, lists), f);
        if (count > blockSize(f, DEFAULT_WIDE_PUBLIC_PREFIX[f])) {
          review.push(`all traffic to ${publicDestinations(everything.filter((p) => blocksOf([p], lists).some((c) => c.family === f)), lists).join(', ')} (${describeCount(count, f)}, more than one /${DEFAULT_WIDE_PUBLIC_PREFIX[f]})`);
        }
      }
      // Rules on the same protocol and ports add up: tcp 443 to 0.0.0.0/1 and to 128.0.0.0/1 is tcp 443 to any address.
      const byPorts = new Map<string, IpPermission[]>();
      for (const p of rules.filter((r) => !allTraffic(r))) byPorts.set(describePermission(p), [...(byPorts.get(describePermission(p)) ?? []), p]);
      const internet = [...byPorts].filter(([, ps]) => toEveryAddress(ps, lists).length).map(([ports]) => ports);
      if (internet.length) review.push(`${internet.join(', ')} to any address`);
      review.push(...unresolvedDestinations(g, rules, known, data, ctx));
      if (review.length) {
        return { ...base, status: 'needs-review' as const, reason: `${groupLabel(g)} allows outbound ${review.join('; ')}: compare with the approved outbound flows (rules: ${listed})` };
      }
      return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows outbound traffic only to named destinations: ${listed}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no security groups in ${ctx.region}` });
    return results;
  }),
});
