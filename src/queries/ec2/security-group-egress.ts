import type { IpPermission } from '@aws-sdk/client-ec2';
import { defineQuery, type ResourceResult } from '../types.js';
import { collectSecurityGroups, describePermission, groupLabel, securityGroupArn, type SecurityGroupsEvidence, SECURITY_GROUP_ITEMS } from './security-groups.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';
import { blockSize, coversAllPublic, DEFAULT_WIDE_PUBLIC_PREFIX, describeCount, isNonPublic, parseCidr, publicAddressCount, type Cidr } from './cidr.js';

/** Where an outbound rule lets traffic go, readably; a group of another account (`owner` owns the rule's group) is named with it. */
function destinations(p: IpPermission, owner: string): string[] {
  return [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? '?'),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '?'),
    ...(p.PrefixListIds ?? []).map((r) => r.PrefixListId ?? '?'),
    ...(p.UserIdGroupPairs ?? []).map((r) => `${r.GroupId ?? '?'}${r.UserId && r.UserId !== owner ? ` of account ${r.UserId}` : ''}${r.VpcPeeringConnectionId ? ` through ${r.VpcPeeringConnectionId}` : ''}`),
  ];
}

const blocksOf = (rules: readonly IpPermission[]): Cidr[] =>
  rules.flatMap((p) => [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]).map((t) => parseCidr(t)).filter((c): c is Cidr => c !== undefined);

/** Rules that together reach every public address of a family: 0.0.0.0/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1. */
function toEveryAddress(rules: readonly IpPermission[]): IpPermission[] {
  const families = ([4, 6] as const).filter((f) => coversAllPublic(blocksOf(rules), f));
  return families.length ? rules.filter((p) => blocksOf([p]).some((c) => families.includes(c.family) && !isNonPublic(c))) : [];
}

/** Public destinations of rules, for reasons. */
const publicDestinations = (rules: readonly IpPermission[]) => [...new Set(blocksOf(rules).filter((c) => !isNonPublic(c)).map((c) => c.text))];

/** Every port of every protocol (protocol -1). */
const allTraffic = (p: IpPermission) => p.IpProtocol === '-1' || p.IpProtocol === 'all';

export const securityGroupEgress = defineQuery<SecurityGroupsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.security-group-egress',
  service: 'ec2',
  title: 'Security groups do not allow all outbound traffic to anywhere',
  description:
    'Every security group in the region with its outbound rules: a group whose all-traffic rules together reach every public address (0.0.0.0/0, ::/0, or pieces such as 0.0.0.0/1 and 128.0.0.0/1) fails; all traffic to a prefix list (its entries are not in the evidence) or to more public addresses than one /24 (IPv4) or /48 (IPv6), and outbound rules on specific ports to every public address, need comparison with the approved flows; rules only to named groups, prefix lists on specific ports or narrower address ranges are listed.',
  remediation:
    'Replace the allow-all outbound rule AWS adds to new security groups with rules for the destinations and ports each workload needs (`aws ec2 revoke-security-group-egress`, then `authorize-security-group-egress`), and route internet-bound traffic through an egress proxy or firewall.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups'],
  collect: (ctx) => collectSecurityGroups(ctx),
  evaluate: acceptConfigItems(SECURITY_GROUP_ITEMS, (data, _params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const results: ResourceResult[] = data.securityGroups.map((g) => {
      const base = { resource: securityGroupArn(ctx.accountId, ctx.region, g), resourceType: 'AWS::EC2::SecurityGroup' };
      const rules = g.IpPermissionsEgress ?? [];
      if (rules.length === 0) return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows no outbound traffic` };
      const everything = rules.filter(allTraffic);
      const allOpen = toEveryAddress(everything);
      if (allOpen.length) {
        const split = !allOpen.some((p) => blocksOf([p]).some((c) => c.prefix === 0));
        return { ...base, status: 'fail' as const, reason: `${groupLabel(g)} allows all outbound traffic to ${publicDestinations(allOpen).join(' and ')}${split ? ' (together every public address)' : ''}` };
      }
      const listed = rules.map((p) => `${describePermission(p)} to ${destinations(p, g.OwnerId ?? ctx.accountId).join(', ') || 'nowhere'}`).join('; ');
      const review: string[] = [];
      const toLists = everything.filter((p) => (p.PrefixListIds ?? []).length);
      if (toLists.length) {
        review.push(`all traffic to prefix list ${toLists.flatMap((p) => (p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? '?')).join(', ')} (the list's entries are not in the evidence, so where it lets traffic go is unknown)`);
      }
      for (const f of [4, 6] as const) {
        const count = publicAddressCount(blocksOf(everything), f);
        if (count > blockSize(f, DEFAULT_WIDE_PUBLIC_PREFIX[f])) {
          review.push(`all traffic to ${publicDestinations(everything.filter((p) => blocksOf([p]).some((c) => c.family === f))).join(', ')} (${describeCount(count, f)}, more than one /${DEFAULT_WIDE_PUBLIC_PREFIX[f]})`);
        }
      }
      // Rules on the same protocol and ports add up: tcp 443 to 0.0.0.0/1 and to 128.0.0.0/1 is tcp 443 to any address.
      const byPorts = new Map<string, IpPermission[]>();
      for (const p of rules.filter((r) => !allTraffic(r))) byPorts.set(describePermission(p), [...(byPorts.get(describePermission(p)) ?? []), p]);
      const internet = [...byPorts].filter(([, ps]) => toEveryAddress(ps).length).map(([ports]) => ports);
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
