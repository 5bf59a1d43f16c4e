import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { loadCloudWatchLogsSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { matchesBucketPattern, stringListParam } from '../s3/buckets.js';

/** DescribeLogGroups, all pages. */
export interface LogGroupsEvidence {
  logGroups: LogGroup[];
}

export const retention = defineQuery<LogGroupsEvidence>({
  id: 'logs.retention',
  service: 'logs',
  title: 'CloudWatch log groups keep logs for the minimum retention period',
  description:
    'Every CloudWatch Logs log group in the region with its retention setting: kept forever (never expire) or for a number of days, against the minimum retention.',
  remediation:
    'Set the retention of each listed log group to at least the minimum (`aws logs put-retention-policy --retention-in-days 365`), or export its logs to an archive that keeps them that long.',
  scope: 'regional',
  apiCalls: ['logs:DescribeLogGroups'],
  parameters: {
    minimumRetentionDays: { description: 'Fewest days a log group must keep its events (PCI DSS 10.5.1: 12 months).', default: 365 },
    auditLogGroups: {
      description:
        'Organisation choice: name patterns (`*` wildcard) of the log groups that hold audit logs; only these are judged, the others are listed as not applicable (default: every log group).',
      default: ['*'],
    },
  },
  async collect(ctx) {
    const { CloudWatchLogsClient, paginateDescribeLogGroups } = await loadCloudWatchLogsSdk();
    const logGroups: LogGroup[] = [];
    for await (const page of paginateDescribeLogGroups({ client: ctx.clients.get(CloudWatchLogsClient), pageSize: 50 }, {})) {
      ctx.signal?.throwIfAborted();
      logGroups.push(...(stripMetadata(page).logGroups ?? []));
    }
    return { logGroups };
  },
  evaluate(data, params, ctx) {
    if (!data?.logGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeLogGroups response' }];
    const min = Number(params.minimumRetentionDays ?? 365);
    const audit = stringListParam(params.auditLogGroups, ['*']);
    const results: ResourceResult[] = data.logGroups.map((g) => {
      const base = { resource: g.logGroupArn ?? (g.arn ?? `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${g.logGroupName}`).replace(/:\*$/, ''), resourceType: 'AWS::Logs::LogGroup' };
      if (!matchesBucketPattern(g.logGroupName ?? '', audit)) {
        return { ...base, status: 'not-applicable' as const, reason: `log group ${g.logGroupName} is not among the audit log groups named by the organisation (${audit.join(', ')})` };
      }
      const days = g.retentionInDays;
      if (days === undefined || days === null) return { ...base, status: 'pass' as const, reason: `log group ${g.logGroupName} keeps its events forever (never expire)` };
      return days >= min
        ? { ...base, status: 'pass' as const, reason: `log group ${g.logGroupName} keeps its events for ${days} days (at least ${min} required)` }
        : { ...base, status: 'fail' as const, reason: `log group ${g.logGroupName} keeps its events for only ${days} days, below the ${min}-day minimum` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no CloudWatch log groups in ${ctx.region}` });
    return results;
  },
});
