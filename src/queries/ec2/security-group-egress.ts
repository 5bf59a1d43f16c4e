import type { IpPermission } from '@aws-sdk/client-ec2';
import { defineQuery, type ResourceResult } from '../types.js';
import { collectSecurityGroups, describePermission, groupLabel, securityGroupArn, type SecurityGroupsEvidence, SECURITY_GROUP_ITEMS } from './security-groups.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

const ANYWHERE = new Set(['0.0.0.0/0', '::/0']);

/** Where an outbound rule lets traffic go, readably. */
function destinations(p: IpPermission): string[] {
  return [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? '?'),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '?'),
    ...(p.PrefixListIds ?? []).map((r) => r.PrefixListId ?? '?'),
    ...(p.UserIdGroupPairs ?? []).map((r) => r.GroupId ?? '?'),
  ];
}

function toAnywhere(p: IpPermission): boolean {
  return (p.IpRanges ?? []).some((r) => ANYWHERE.has(r.CidrIp ?? '')) || (p.Ipv6Ranges ?? []).some((r) => ANYWHERE.has(r.CidrIpv6 ?? ''));
}

export const securityGroupEgress = defineQuery<SecurityGroupsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.security-group-egress',
  service: 'ec2',
  title: 'Security groups do not allow all outbound traffic to anywhere',
  description:
    'Every security group in the region with its outbound rules: a group that allows all traffic to any address fails; outbound rules to any address on specific ports need comparison with the approved flows; rules only to named groups, prefix lists or address ranges are listed.',
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
      const allOpen = rules.filter((p) => p.IpProtocol === '-1' && toAnywhere(p));
      if (allOpen.length) {
        return { ...base, status: 'fail' as const, reason: `${groupLabel(g)} allows all outbound traffic to ${[...new Set(allOpen.flatMap(destinations).filter((d) => ANYWHERE.has(d)))].join(' and ')}` };
      }
      const listed = rules.map((p) => `${describePermission(p)} to ${destinations(p).join(', ') || 'nowhere'}`).join('; ');
      const internet = rules.filter(toAnywhere);
      if (internet.length) {
        return { ...base, status: 'needs-review' as const, reason: `${groupLabel(g)} allows outbound ${internet.map(describePermission).join(', ')} to any address: compare with the approved outbound flows (rules: ${listed})` };
      }
      return { ...base, status: 'pass' as const, reason: `${groupLabel(g)} allows outbound traffic only to named destinations: ${listed}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no security groups in ${ctx.region}` });
    return results;
  }),
});
