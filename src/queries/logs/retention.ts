import type { LogGroup, SubscriptionFilter } from '@aws-sdk/client-cloudwatch-logs';
import { loadCloudWatchLogsSdk } from '../../aws/sdk.js';
import { allPages, captureAbsence, defineQuery, isCapturedError, parameterSetBy, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';
import { matchesBucketPattern, stringListParam } from '../s3/buckets.js';

/** DescribeLogGroups, all pages; DescribeSubscriptionFilters of the groups kept for less than the minimum. */
export interface LogGroupsEvidence {
  logGroups: LogGroup[];
  /**
   * DescribeSubscriptionFilters (all pages) of each log group whose retention is below `subscriptionsReadBelowDays`:
   * a filter copies the group's events to a Kinesis stream, Firehose stream or Lambda function (for example into S3),
   * which may keep them longer. Absent in evidence sealed before this read.
   */
  subscriptionFilters?: { logGroupName: string; filters: SubscriptionFilter[] | CapturedError }[];
  /** The minimumRetentionDays the collection used to choose the groups whose subscription filters it read. */
  subscriptionsReadBelowDays?: number;
}

export const retention = defineQuery<LogGroupsEvidence>({
  id: 'logs.retention',
  service: 'logs',
  title: 'CloudWatch log groups keep logs for the minimum retention period',
  description:
    'Every CloudWatch Logs log group in the region with its retention setting: kept forever (never expire) or for a number of days, against the minimum retention; for a group kept for less, its subscription filters (DescribeSubscriptionFilters), which may copy its events to a longer-lived store.',
  remediation:
    'Set the retention of each listed log group to at least the minimum (`aws logs put-retention-policy --retention-in-days 365`), or export its logs to an archive that keeps them that long.',
  scope: 'regional',
  apiCalls: ['logs:DescribeLogGroups', 'logs:DescribeSubscriptionFilters'],
  parameters: {
    minimumRetentionDays: { description: 'Fewest days a log group must keep its events (PCI DSS 10.5.1: 12 months).', default: 365, looser: 'lower' },
    auditLogGroups: {
      description:
        'Organisation choice: name patterns (`*` wildcard) of the log groups that hold audit logs; only these are judged, the others are listed as not applicable (default: every log group).',
      default: ['*'],
    },
  },
  async collect(ctx) {
    const { CloudWatchLogsClient, paginateDescribeLogGroups, paginateDescribeSubscriptionFilters } = await loadCloudWatchLogsSdk();
    const client = ctx.clients.get(CloudWatchLogsClient);
    const logGroups: LogGroup[] = [];
    for await (const page of paginateDescribeLogGroups({ client, pageSize: 50 }, {})) {
      ctx.signal?.throwIfAborted();
      logGroups.push(...(stripMetadata(page).logGroups ?? []));
    }
    // Only the groups kept for less than the minimum: their events may still be kept elsewhere through a subscription.
    const min = Number(ctx.params.minimumRetentionDays ?? 365);
    const subscriptionFilters: NonNullable<LogGroupsEvidence['subscriptionFilters']> = [];
    for (const g of logGroups) {
      if (typeof g.retentionInDays !== 'number' || g.retentionInDays >= min || !g.logGroupName) continue;
      const logGroupName = g.logGroupName;
      // A group deleted since the listing answers ResourceNotFoundException: kept as evidence, judged as unknown.
      const filters = await captureAbsence(() => allPages(paginateDescribeSubscriptionFilters({ client, pageSize: 50 }, { logGroupName }), (p) => p.subscriptionFilters, ctx), ['ResourceNotFoundException']);
      subscriptionFilters.push({ logGroupName, filters });
    }
    return { logGroups, subscriptionFilters, subscriptionsReadBelowDays: min };
  },
  evaluate(data, params, ctx) {
    if (!data?.logGroups) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeLogGroups response' }];
    const min = Number(params.minimumRetentionDays ?? 365);
    const audit = stringListParam(params.auditLogGroups, ['*']);
    const minimum = `the ${min}-day minimum (${parameterSetBy(ctx, 'minimumRetentionDays')})`;
    const results: ResourceResult[] = data.logGroups.map((g) => {
      const base = { resource: g.logGroupArn ?? (g.arn ?? `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${g.logGroupName}`).replace(/:\*$/, ''), resourceType: 'AWS::Logs::LogGroup' };
      if (!matchesBucketPattern(g.logGroupName ?? '', audit)) {
        return { ...base, status: 'not-applicable' as const, reason: `log group ${g.logGroupName} is not among the audit log groups named by the organisation (${audit.join(', ')})` };
      }
      const days = g.retentionInDays;
      if (days === undefined || days === null) return { ...base, status: 'pass' as const, reason: `log group ${g.logGroupName} keeps its events forever (never expire)` };
      if (days >= min) return { ...base, status: 'pass' as const, reason: `log group ${g.logGroupName} keeps its events for ${days} days (at least ${min} required)` };
      const short = `log group ${g.logGroupName} keeps its events for only ${days} days, below ${minimum}`;
      const read = data.subscriptionFilters?.find((s) => s.logGroupName === g.logGroupName)?.filters;
      if (read === undefined || isCapturedError(read)) {
        const why =
          read !== undefined
            ? `its subscription filters could not be read (${read.error.code}: ${read.error.message})`
            : !data.subscriptionFilters
              ? 'the evidence holds no DescribeSubscriptionFilters read (collected before this check read it)'
              : `its subscription filters were not read (the collection read them only for groups kept under ${data.subscriptionsReadBelowDays !== undefined ? `${data.subscriptionsReadBelowDays} days` : 'its own minimum'})`;
        return { ...base, status: 'needs-review' as const, reason: `${short}; ${why}, so whether a copy of its events is kept elsewhere for ${min} days is not known` };
      }
      if (read.length === 0) return { ...base, status: 'fail' as const, reason: `${short}, and no subscription filter copies its events elsewhere` };
      const copies = read.map((f) => `${f.destinationArn ?? '(no destination ARN)'} (filter ${f.filterName ?? '(unnamed)'}${f.filterPattern ? `, pattern "${f.filterPattern}": only matching events` : ', every event'})`);
      return {
        ...base,
        status: 'needs-review' as const,
        reason: `${short}; its events are copied to ${copies.join('; ')}: whether the copy is kept for ${min} days is not in the evidence; examine the destination's retention (for example the S3 bucket a Firehose stream delivers to)`,
      };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no CloudWatch log groups in ${ctx.region}` });
    return results;
  },
});
