import { defineQuery, type ResourceResult } from '../types.js';
import { collectSecurityGroups, describePermission, groupLabel, securityGroupArn, type SecurityGroupsEvidence, SECURITY_GROUP_ITEMS } from './security-groups.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const defaultSecurityGroup = defineQuery<SecurityGroupsEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.default-security-group',
  service: 'ec2',
  title: 'Default security groups allow no traffic',
  description:
    'The default security group of every VPC in the region with its inbound and outbound rules. Resources launched without an explicit group land in it, so it should have no rules at all.',
  remediation:
    'Remove every inbound and outbound rule from the listed default security groups, and move the resources that rely on them to purpose-built security groups.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeSecurityGroups'],
  collect: (ctx) => collectSecurityGroups(ctx, [{ Name: 'group-name', Values: ['default'] }]),
  evaluate: acceptConfigItems(SECURITY_GROUP_ITEMS, (data, _params, ctx) => {
    if (!data?.securityGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeSecurityGroups response' }];
    const results: ResourceResult[] = data.securityGroups
      .filter((g) => g.GroupName === 'default')
      .map((g) => {
        const inbound = (g.IpPermissions ?? []).map(describePermission);
        const outbound = (g.IpPermissionsEgress ?? []).map(describePermission);
        const base = { resource: securityGroupArn(ctx.accountId, ctx.region, g), resourceType: 'AWS::EC2::SecurityGroup' };
        if (inbound.length === 0 && outbound.length === 0) return { ...base, status: 'pass' as const, reason: `default ${groupLabel(g)} has no inbound or outbound rules` };
        const parts = [inbound.length ? `${inbound.length} inbound rule(s) (${inbound.join(', ')})` : '', outbound.length ? `${outbound.length} outbound rule(s) (${outbound.join(', ')})` : ''].filter(Boolean);
        return { ...base, status: 'fail' as const, reason: `default ${groupLabel(g)} has ${parts.join(' and ')}` };
      });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no VPCs (no default security groups) in ${ctx.region}` });
    return results;
  }),
});
