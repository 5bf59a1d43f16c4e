import { DescribeLogGroupsCommand, DescribeMetricFiltersCommand, DescribeSubscriptionFiltersCommand, type LogGroup, type MetricFilter, type SubscriptionFilter } from '@aws-sdk/client-cloudwatch-logs';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedLogs } from '../worlds/seed-logs.js';

/** CloudWatch Logs in one account and region: its log groups, their metric filters and subscription filters. */
export interface LogsState {
  logGroups: LogGroup[];
  metricFilters: MetricFilter[];
  subscriptionFilters: SubscriptionFilter[];
}

declare module '../world.js' {
  interface RegionalState {
    logs: LogsState;
  }
}

export function logsState(account: SimAccount, region: string): LogsState {
  return account.regional(region, 'logs', () => ({ logGroups: [], metricFilters: [], subscriptionFilters: [] }));
}

const state = (ctx: CallContext) => logsState(ctx.account, ctx.region);

export const logs: SimService = {
  name: 'logs',
  signingName: 'logs',
  protocol: awsJson1_1,
  seed: (account, world) => seedLogs(account, world),
  operations: [
    operation(DescribeLogGroupsCommand, (input, ctx) => {
      if (input.logGroupNamePrefix && input.logGroupNamePattern) {
        throw new SimError('InvalidParameterException', 'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive.');
      }
      const groups = [...state(ctx).logGroups]
        .filter((g) => (!input.logGroupNamePrefix || g.logGroupName?.startsWith(input.logGroupNamePrefix)) && (!input.logGroupNamePattern || g.logGroupName?.includes(input.logGroupNamePattern)))
        .sort((a, b) => (a.logGroupName ?? '').localeCompare(b.logGroupName ?? ''));
      const { page, nextToken } = paginate(groups, {
        token: input.nextToken,
        limit: input.limit,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `DescribeLogGroups/${input.logGroupNamePrefix ?? ''}/${input.logGroupNamePattern ?? ''}`,
        invalidToken: () => new SimError('InvalidParameterException', 'The specified nextToken is invalid.'),
        invalidLimit: (n) => new SimError('InvalidParameterException', `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { logGroups: page, nextToken };
    }),

    operation(DescribeMetricFiltersCommand, (input, ctx) => {
      const s = state(ctx);
      if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
        throw new SimError('InvalidParameterException', 'metricName and metricNamespace must be specified together.');
      }
      if (input.logGroupName && !s.logGroups.some((g) => g.logGroupName === input.logGroupName)) {
        throw new SimError('ResourceNotFoundException', 'The specified log group does not exist.');
      }
      const filters = s.metricFilters
        .filter((f) => (!input.logGroupName || f.logGroupName === input.logGroupName) && (!input.filterNamePrefix || f.filterName?.startsWith(input.filterNamePrefix)))
        .filter((f) => !input.metricName || f.metricTransformations?.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace))
        .sort((a, b) => (a.filterName ?? '').localeCompare(b.filterName ?? ''));
      const { page, nextToken } = paginate(filters, {
        token: input.nextToken,
        limit: input.limit,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `DescribeMetricFilters/${input.logGroupName ?? ''}/${input.filterNamePrefix ?? ''}/${input.metricNamespace ?? ''}/${input.metricName ?? ''}`,
        invalidToken: () => new SimError('InvalidParameterException', 'The specified nextToken is invalid.'),
        invalidLimit: (n) => new SimError('InvalidParameterException', `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { metricFilters: page, nextToken };
    }),

    // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeSubscriptionFilters.html
    operation(DescribeSubscriptionFiltersCommand, (input, ctx) => {
      const s = state(ctx);
      if (!input.logGroupName) throw new SimError('InvalidParameterException', "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null");
      if (!s.logGroups.some((g) => g.logGroupName === input.logGroupName)) throw new SimError('ResourceNotFoundException', 'The specified log group does not exist.');
      const filters = s.subscriptionFilters
        .filter((f) => f.logGroupName === input.logGroupName && (!input.filterNamePrefix || f.filterName?.startsWith(input.filterNamePrefix)))
        .sort((a, b) => (a.filterName ?? '').localeCompare(b.filterName ?? ''));
      const { page, nextToken } = paginate(filters, {
        token: input.nextToken,
        limit: input.limit,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `DescribeSubscriptionFilters/${input.logGroupName}/${input.filterNamePrefix ?? ''}`,
        invalidToken: () => new SimError('InvalidParameterException', 'The specified nextToken is invalid.'),
        invalidLimit: (n) => new SimError('InvalidParameterException', `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { subscriptionFilters: page, nextToken };
    }),
  ],
};
