import { DescribeAlarmsCommand, type CompositeAlarm, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { awsJson1_0 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedCloudWatch } from '../worlds/seed-alerting.js';

/** CloudWatch in one account and region: its metric and composite alarms. */
export interface CloudWatchState {
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
}

declare module '../world.js' {
  interface RegionalState {
    cloudwatch: CloudWatchState;
  }
}

export function cloudWatchState(account: SimAccount, region: string): CloudWatchState {
  return account.regional(region, 'cloudwatch', () => ({ metricAlarms: [], compositeAlarms: [] }));
}

const state = (ctx: CallContext) => cloudWatchState(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterValue', message);

export const cloudwatch: SimService = {
  name: 'cloudwatch',
  signingName: 'monitoring',
  // CloudWatch speaks AWS JSON 1.0 (query-compatible error codes) in the SDK versions this project installs.
  protocol: awsJson1_0,
  errors: { accessDenied: { code: 'AccessDenied', status: 403 }, throttling: { code: 'Throttling', status: 400 } },
  seed: (account, world) => seedCloudWatch(account, world),
  operations: [
    operation(DescribeAlarmsCommand, (input, ctx) => {
      if (input.AlarmNames?.length && input.AlarmNamePrefix) throw invalidParameter('AlarmNames and AlarmNamePrefix cannot be specified together.');
      if (input.ChildrenOfAlarmName || input.ParentsOfAlarmName) throw invalidParameter('ChildrenOfAlarmName and ParentsOfAlarmName are not supported by the simulated CloudWatch.');
      const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
      const keep = <T extends { AlarmName?: string; StateValue?: string; AlarmActions?: string[] }>(a: T) =>
        (!input.AlarmNames?.length || input.AlarmNames.includes(a.AlarmName ?? '')) &&
        (!input.AlarmNamePrefix || (a.AlarmName ?? '').startsWith(input.AlarmNamePrefix)) &&
        (!input.StateValue || a.StateValue === input.StateValue) &&
        (!input.ActionPrefix || (a.AlarmActions ?? []).some((x) => x.startsWith(input.ActionPrefix!)));
      const s = state(ctx);
      // One listing over both kinds so a page boundary can fall anywhere, as in the real service.
      const all: Array<{ kind: 'metric'; alarm: MetricAlarm } | { kind: 'composite'; alarm: CompositeAlarm }> = [
        ...(types.includes('CompositeAlarm') ? s.compositeAlarms.filter(keep).map((alarm) => ({ kind: 'composite' as const, alarm })) : []),
        ...(types.includes('MetricAlarm') ? s.metricAlarms.filter(keep).map((alarm) => ({ kind: 'metric' as const, alarm })) : []),
      ];
      const { page, nextToken } = paginate(all, {
        token: input.NextToken,
        limit: input.MaxRecords,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `DescribeAlarms/${JSON.stringify([input.AlarmNames, input.AlarmNamePrefix, types, input.StateValue, input.ActionPrefix])}`,
        invalidToken: () => new SimError('InvalidNextToken', 'The service returned an invalid next token.'),
        invalidLimit: (n) => invalidParameter(`The value ${n} for parameter MaxRecords is not valid. It must be between 1 and 100.`),
      });
      return {
        MetricAlarms: page.flatMap((p) => (p.kind === 'metric' ? [p.alarm] : [])),
        CompositeAlarms: page.flatMap((p) => (p.kind === 'composite' ? [p.alarm] : [])),
        NextToken: nextToken,
      };
    }),
  ],
};
