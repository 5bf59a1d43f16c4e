import type { IpPermission } from '@aws-sdk/client-ec2';
import { defineQuery, type ResourceResult } from '../types.js';
import {
  collectSecurityGroupReferences,
  collectSecurityGroups,
  describePermission,
  groupLabel,
  prefixListView,
  securityGroupArn,
  type SecurityGroupReferencesEvidence,
  type SecurityGroupsWithReferences,
  SECURITY_GROUP_PREFIX_LIST_ITEMS,
} from './security-groups.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';
import { blockSize, coversAllPublic, DEFAULT_WIDE_PUBLIC_PREFIX, describeCount, isNonPublic, parseCidr, publicAddressCount, type Cidr } from './cidr.js';

/** Where an outbound rule lets traffic go, readably; a group of another account (`owner` owns the rule's group) is named with it. */
function destinations(p: IpPermission, owner: string, refs: SecurityGroupReferencesEvidence): string[] {
  return [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? '?'),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '?'),
    ...(p.PrefixListIds ?? []).map((r) => {
      const view = prefixListView(r.PrefixListId ?? '?', refs);
      return view.kind === 'entries' ? `${view.label} (${view.entries.length ? view.entries.join(', ') : 'no entries'})` : view.kind === 'aws-managed' ? `${view.label} (an AWS service's ranges)` : view.label;
    }),
    ...(p.UserIdGroupPairs ?? []).map((r) => `${r.GroupId ?? '?'}${r.UserId && r.UserId !== owner ? ` of account ${r.UserId}` : ''}${r.VpcPeeringConnectionId ? ` through ${r.VpcPeeringConnectionId}` : ''}`),
  ];
}

/** A rule's CIDR blocks and the entries of the customer-managed prefix lists it names (labelled with the list). */
const blocksOf = (rules: readonly IpPermission[], refs: SecurityGroupReferencesEvidence): Cidr[] =>
  rules.flatMap((p) => [
    ...[...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].map((t) => parseCidr(t)).filter((c): c is Cidr => c !== undefined),
    ...(p.PrefixListIds ?? []).flatMap((l) => {
      const view = prefixListView(l.PrefixListId ?? '?', refs);
      return view.kind === 'entries' ? view.blocks : [];
    }),
  ]);

/** Rules that together reach every public address of a family: 0.0.0.0/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1. */
function toEveryAddress(rules: readonly IpPermission[], refs: SecurityGroupReferencesEvidence): IpPermission[] {
  const families = ([4, 6] as const).filter((f) => coversAllPublic(blocksOf(rules, refs), f));
  return families.length ? rules.filter((p) => blocksOf([p], refs).some((c) => families.includes(c.family) && !isNonPublic(c))) : [];
}

/** Public destinations of rules, for reasons. */
const publicDestinations = (rules: readonly IpPermission[], refs: SecurityGroupReferencesEvidence) => [...new Set(blocksOf(rules, refs).filter((c) => !isNonPublic(c)).map((c) => c.text))];

/** Every port of every protocol (protocol -1). */
const allTraffic = (p: IpPermission) => p.IpProtocol === '-1' || p.IpProtocol === 'all';

export const securityGroupEgress = defineQuery<SecurityGroupsWithReferences | AggregateConfigItemsEvidence>({
  id: 'ec2.security-group-egress',
  service: 'ec2',
  title: 'Security groups do not allow all outbound traffic to anywhere',
  description:
    'Every security group in the region with its outbound rules. A customer-managed prefix list a rule names counts as its entries (DescribeManagedPrefixLists, GetManagedPrefixListEntries), as if they were the rule\'s own CIDR blocks; an AWS-managed list (com.amazonaws.<region>.s3 and the like) is named as an AWS service\'s ranges. A group whose all-traffic rules together reach every public address (0.0.0.0/0, ::/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1) fails; all traffic to a prefix list whose entries could not be read or to more public addresses than one /24 (IPv4) or /48 (IPv6), and outbound rules on specific ports to every public address, need comparison with the approved flows; rules only to named groups, AWS-managed lists, prefix lists on specific ports or narrower address ranges are listed.',
  remediation:
    'Replace the allow-all outbound rule AWS adds to new security groups with rules for the destinations and ports each workload needs (`aws ec2 revoke-security-group-egress`, then `authorize-security-group-egress`), and route internet-bound traffic through an egress proxy or firewall.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'],
  async collect(ctx) {
    const listing = await collectSecurityGroups(ctx);
    return { ...listing, ...(await collectSecurityGroupReferences(ctx, listing.securityGroups, { stale: false })) };
  },
  evaluate: acceptConfigItems(SECURITY_GROUP_PREFIX_LIST_ITEMS, (data, _params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const results: ResourceResult[] = data.securityGroups.map((g) => {
      const base = { resource: securityGroupArn(ctx.accountId, ctx.region, g), resourceType: 'AWS::EC2::SecurityGroup' };
      const rules = g.IpPermissionsEgress ?? [];
      if (rules.length === 0) return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows no outbound traffic` };
      const everything = rules.filter(allTraffic);
      const allOpen = toEveryAddress(everything, data);
      if (allOpen.length) {
        const split = !allOpen.some((p) => blocksOf([p], data).some((c) => c.prefix === 0));
        return { ...base, status: 'fail' as const, reason: `${groupLabel(g)} allows all outbound traffic to ${publicDestinations(allOpen, data).join(' and ')}${split ? ' (together every public address)' : ''}` };
      }
      const listed = rules.map((p) => `${describePermission(p)} to ${destinations(p, g.OwnerId ?? ctx.accountId, data).join(', ') || 'nowhere'}`).join('; ');
      const review: string[] = [];
      // Any rule to a list whose entries are not in the evidence: where it lets traffic go is unknown, never a pass.
      for (const p of rules) {
        for (const l of p.PrefixListIds ?? []) {
          const v = prefixListView(l.PrefixListId ?? '?', data);
          if (v.kind === 'unknown') review.push(`${allTraffic(p) ? 'all traffic' : describePermission(p)} to ${v.label} (${v.why}, so where it lets traffic go is unknown)`);
        }
      }
      for (const f of [4, 6] as const) {
        const count = publicAddressCount(blocksOf(everything, data), f);
        if (count > blockSize(f, DEFAULT_WIDE_PUBLIC_PREFIX[f])) {
          review.push(`all traffic to ${publicDestinations(everything.filter((p) => blocksOf([p], data).some((c) => c.family === f)), data).join(', ')} (${describeCount(count, f)}, more than one /${DEFAULT_WIDE_PUBLIC_PREFIX[f]})`);
        }
      }
      // Rules on the same protocol and ports add up: tcp 443 to 0.0.0.0/1 and to 128.0.0.0/1 is tcp 443 to any address.
      const byPorts = new Map<string, IpPermission[]>();
      for (const p of rules.filter((r) => !allTraffic(r))) byPorts.set(describePermission(p), [...(byPorts.get(describePermission(p)) ?? []), p]);
      const internet = [...byPorts].filter(([, ps]) => toEveryAddress(ps, data).length).map(([ports]) => ports);
      if (internet.length) review.push(`${internet.join(', ')} to any address`);
      if (review.length) {
        return { ...base, status: 'needs-review' as const, reason: `${groupLabel(g)} allows outbound ${review.join('; ')}: compare with the approved outbound flows (rules: ${listed})` };
      }
      return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows outbound traffic only to named destinations: ${listed}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no security groups in ${ctx.region}` });
    return results;
  }),
});
