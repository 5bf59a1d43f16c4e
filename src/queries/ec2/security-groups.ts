import type { Filter, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext } from '../types.js';
import { apiCase, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/** DescribeSecurityGroups, all pages (optionally filtered). */
export interface SecurityGroupsEvidence {
  filters?: Filter[];
  securityGroups: SecurityGroup[];
}

export async function collectSecurityGroups(ctx: QueryContext, filters?: Filter[]): Promise<SecurityGroupsEvidence> {
  const { EC2Client, paginateDescribeSecurityGroups } = await loadEc2Sdk();
  const ec2 = ctx.clients.get(EC2Client);
  const securityGroups: SecurityGroup[] = [];
  for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 1000 }, filters ? { Filters: filters } : {})) {
    ctx.signal?.throwIfAborted();
    securityGroups.push(...(stripMetadata(page).SecurityGroups ?? []));
  }
  return filters ? { filters, securityGroups } : { securityGroups };
}

export function securityGroupArn(accountId: string, region: string, g: SecurityGroup): string {
  return g.SecurityGroupArn ?? `arn:aws:ec2:${region}:${g.OwnerId ?? accountId}:security-group/${g.GroupId}`;
}

/** "sg-0123 (web) in vpc-0abc" for reasons. */
export function groupLabel(g: SecurityGroup): string {
  return `security group ${g.GroupId} (${g.GroupName})${g.VpcId ? ` in ${g.VpcId}` : ''}`;
}

/** The ports a rule opens, readably: `all traffic`, `tcp 22`, `tcp 0-65535`. */
export function describePermission(p: IpPermission): string {
  if (p.IpProtocol === '-1') return 'all traffic';
  const proto = p.IpProtocol === '6' ? 'tcp' : p.IpProtocol === '17' ? 'udp' : p.IpProtocol;
  if (p.FromPort === undefined || p.FromPort === p.ToPort) return `${proto} ${p.FromPort ?? 'all'}`;
  return `${proto} ${p.FromPort}-${p.ToPort}`;
}

/**
 * AWS::EC2::SecurityGroup configuration items as DescribeSecurityGroups evidence. AWS Config records a rule's CIDR
 * objects under `ipv4Ranges` (and the bare CIDRs again under `ipRanges`); the API calls the objects `IpRanges`.
 */
export const SECURITY_GROUP_ITEMS: ConfigItemFamily<SecurityGroupsEvidence> = {
  resourceTypes: ['AWS::EC2::SecurityGroup'],
  toEvidence: (items) => ({ securityGroups: items.map(securityGroupFromItem) }),
};

function securityGroupFromItem(item: ConfigItem): SecurityGroup {
  const permission = (p: Record<string, unknown>): IpPermission => {
    const { ipv4Ranges, ipRanges: _bare, ...rest } = p;
    return { ...apiCase<IpPermission>(rest), IpRanges: apiCase(ipv4Ranges ?? []) };
  };
  const { ipPermissions, ipPermissionsEgress, ...rest } = item.configuration as Record<string, unknown> & { ipPermissions?: Record<string, unknown>[]; ipPermissionsEgress?: Record<string, unknown>[] };
  return {
    ...apiCase<SecurityGroup>(rest),
    ...(item.arn ? { SecurityGroupArn: item.arn } : {}),
    IpPermissions: (ipPermissions ?? []).map(permission),
    IpPermissionsEgress: (ipPermissionsEgress ?? []).map(permission),
  };
}
