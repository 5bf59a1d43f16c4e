import type { Filter, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext } from '../types.js';

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
