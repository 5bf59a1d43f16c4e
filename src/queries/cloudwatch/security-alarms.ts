import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import type { Subscription } from '@aws-sdk/client-sns';
import type { Trail } from '@aws-sdk/client-cloudtrail';
import { loadCloudWatchLogsSdk, loadCloudWatchSdk, loadSnsSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';
import { describeTrails, homeTrails, trailLabel, type DescribeTrailsEvidence } from '../cloudtrail/trails.js';

/** DescribeMetricFilters of one log group a trail delivers to (ResourceNotFoundException kept when the group is gone). */
export interface LogGroupFilters {
  logGroupName: string;
  metricFilters: MetricFilter[] | CapturedError;
}

/** ListSubscriptionsByTopic of one SNS topic an alarm notifies (NotFound kept when the topic is gone). */
export interface TopicSubscriptions {
  topicArn: string;
  subscriptions: Subscription[] | CapturedError;
}

export interface SecurityAlarmsEvidence {
  describeTrails: DescribeTrailsEvidence;
  metricFilters: LogGroupFilters[];
  /** DescribeAlarms (metric and composite alarms), all pages. */
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
  topics: TopicSubscriptions[];
}

/** One CIS AWS Foundations monitoring event: the filter must test `all` and name every event in `eventNames`. */
export interface SecurityEvent {
  id: string;
  title: string;
  /** Tests the pattern must make besides event names: what the report calls it, and how it is recognised. */
  all?: ReadonlyArray<readonly [string, RegExp]>;
  eventNames?: readonly string[];
}

const named = (names: string) => names.split(' ');
const CONSOLE_LOGIN = ['$.eventName = ConsoleLogin', /\$\.eventName\s*=\s*"?ConsoleLogin\b/] as const;

/** The security events CIS AWS Foundations (monitoring section) asks a metric filter and alarm for. */
export const SECURITY_EVENTS: readonly SecurityEvent[] = [
  { id: 'unauthorized-api-calls', title: 'unauthorized API calls', all: [['$.errorCode = "*UnauthorizedOperation"', /\$\.errorCode\s*=\s*"?\*?UnauthorizedOperation/], ['$.errorCode = "AccessDenied*"', /\$\.errorCode\s*=\s*"?AccessDenied/]] },
  { id: 'console-signin-without-mfa', title: 'console sign-in without MFA', all: [CONSOLE_LOGIN, ['$.additionalEventData.MFAUsed != "Yes"', /\$\.additionalEventData\.MFAUsed\s*!=\s*"?Yes\b/]] },
  { id: 'root-account-usage', title: 'use of the root user', all: [['$.userIdentity.type = "Root"', /\$\.userIdentity\.type\s*=\s*"?Root\b/]] },
  { id: 'iam-policy-changes', title: 'IAM policy changes', eventNames: named('DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy') },
  { id: 'cloudtrail-config-changes', title: 'CloudTrail configuration changes', eventNames: named('CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging') },
  { id: 'console-authentication-failures', title: 'failed console sign-ins', all: [CONSOLE_LOGIN, ['$.errorMessage = "Failed authentication"', /\$\.errorMessage\s*=\s*"?Failed authentication/]] },
  { id: 'cmk-disable-or-deletion', title: 'disabling or scheduled deletion of customer managed KMS keys', eventNames: named('DisableKey ScheduleKeyDeletion') },
  { id: 's3-bucket-policy-changes', title: 'S3 bucket policy changes', eventNames: named('PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication') },
  { id: 'config-changes', title: 'AWS Config configuration changes', eventNames: named('StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder') },
  { id: 'security-group-changes', title: 'security group changes', eventNames: named('AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup') },
  { id: 'nacl-changes', title: 'network ACL changes', eventNames: named('CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry ReplaceNetworkAclEntry ReplaceNetworkAclAssociation') },
  { id: 'network-gateway-changes', title: 'network gateway changes', eventNames: named('CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway DeleteInternetGateway DetachInternetGateway') },
  { id: 'route-table-changes', title: 'route table changes', eventNames: named('CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable DeleteRoute DisassociateRouteTable') },
  { id: 'vpc-changes', title: 'VPC changes', eventNames: named('CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection') },
];

// `$.eventName = X` (not `!=`), quoted or not; a negated test does not watch for the event.
const eventNameTest = (name: string) => new RegExp(`\\$\\.eventName\\s*=\\s*"?${name}"?(?![A-Za-z])`);

/** Which of the event's tests a filter pattern lacks (empty: the filter watches for the event). */
export function missingTests(pattern: string, event: SecurityEvent): string[] {
  const missing = (event.all ?? []).filter(([, re]) => !re.test(pattern)).map(([label]) => label);
  return [...missing, ...(event.eventNames ?? []).filter((n) => !eventNameTest(n).test(pattern))];
}

/** The log group name inside a trail's CloudWatchLogsLogGroupArn (`arn:aws:logs:r:a:log-group:NAME:*`). */
export function logGroupNameOf(arn: string): string {
  return arn.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '');
}

function alarmsOnMetric(data: SecurityAlarmsEvidence, namespace: string, metricName: string): MetricAlarm[] {
  return data.metricAlarms.filter(
    (a) => (a.Namespace === namespace && a.MetricName === metricName) || (a.Metrics ?? []).some((m) => m.MetricStat?.Metric?.Namespace === namespace && m.MetricStat?.Metric?.MetricName === metricName),
  );
}

const confirmed = (s: Subscription) => (s.SubscriptionArn ?? '').startsWith('arn:');

interface Route {
  /** How far the notification demonstrably gets: 3 confirmed subscriber, 2 unseen, 1 nobody. */
  rank: 1 | 2 | 3;
  text: string;
}

/** Where one enabled alarm's ALARM actions lead, and how far the evidence follows them. */
function routesOf(alarm: { AlarmName?: string; AlarmActions?: string[] }, via: string, data: SecurityAlarmsEvidence, ctx: { accountId: string; region: string }): Route[] {
  return (alarm.AlarmActions ?? []).map((action): Route => {
    if (!/^arn:[^:]+:sns:/.test(action)) return { rank: 2, text: `${via} triggers ${action}, which is not an SNS topic: who it reaches is not in this evidence` };
    const [, , , region, account] = action.split(':');
    if (region !== ctx.region || account !== ctx.accountId) return { rank: 2, text: `${via} notifies ${action} in ${account === ctx.accountId ? `region ${region}` : `account ${account}`}: its subscriptions are not in this evidence` };
    const topic = data.topics.find((t) => t.topicArn === action);
    if (!topic) return { rank: 2, text: `${via} notifies ${action}, whose subscriptions were not collected` };
    if (isCapturedError(topic.subscriptions)) return { rank: 1, text: `${via} notifies ${action}, which does not exist (${topic.subscriptions.error.code})` };
    const ok = topic.subscriptions.filter(confirmed);
    if (ok.length) return { rank: 3, text: `${via} notifies ${action} with ${ok.length} confirmed subscription(s) (${[...new Set(ok.map((s) => s.Protocol))].join(', ')})` };
    const pending = topic.subscriptions.length;
    return { rank: 1, text: `${via} notifies ${action}, which has ${pending ? `${pending} subscription(s), none confirmed` : 'no subscriptions'}` };
  });
}

const OPERATOR_WORDS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'at least',
  GreaterThanThreshold: 'more than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'at most',
};

/**
 * Why one matching event would not put a metric alarm into ALARM (undefined: it would). A metric filter adds its
 * metric value (usually 1) for each matching event; the alarm fires on one event only when its statistic of one period
 * reaches the threshold and a single breaching period is enough. CIS asks for a threshold of 1.
 */
export function whyOneEventDoesNotFire(a: MetricAlarm, metricValue: string | undefined): string | undefined {
  if (a.Metrics?.length) return 'watches a metric math expression, so whether one event raises it is not judged';
  const value = Number(metricValue ?? '1');
  if (!Number.isFinite(value) || value <= 0) return `counts the filter's metric value ${metricValue ?? '(none)'}, not one per event, so whether one event raises it is not judged`;
  const statistic = a.Statistic ?? a.ExtendedStatistic ?? 'no';
  if (a.Statistic !== 'Sum' && a.Statistic !== 'SampleCount' && a.Statistic !== 'Maximum') return `uses the ${statistic} statistic, so whether one event raises it is not judged`;
  const one = a.Statistic === 'SampleCount' ? 1 : value;
  const threshold = a.Threshold;
  if (threshold === undefined) return 'has no threshold in the evidence';
  const op = a.ComparisonOperator ?? '';
  const fires = op === 'GreaterThanOrEqualToThreshold' ? one >= threshold : op === 'GreaterThanThreshold' ? one > threshold : false;
  if (!fires) return `goes into ALARM when the ${statistic} of a ${a.Period ?? '?'}-second period is ${OPERATOR_WORDS[op] ?? op} ${threshold}: one event does not raise it`;
  const needed = a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 1;
  if (needed > 1) return `needs ${needed} breaching periods${a.EvaluationPeriods && a.EvaluationPeriods !== needed ? ` of ${a.EvaluationPeriods}` : ''} to go into ALARM: one event does not raise it`;
  return undefined;
}

function judgeEvent(event: SecurityEvent, group: LogGroupFilters, filters: MetricFilter[], data: SecurityAlarmsEvidence, ctx: { accountId: string; region: string }): Omit<ResourceResult, 'resource' | 'resourceType'> {
  const where = `log group ${group.logGroupName}`;
  const watching = filters.filter((f) => missingTests(f.filterPattern ?? '', event).length === 0);
  if (!watching.length) {
    const near = filters
      .map((f) => ({ f, missing: missingTests(f.filterPattern ?? '', event) }))
      .filter((x) => event.eventNames && x.missing.length < event.eventNames.length)
      .sort((a, b) => a.missing.length - b.missing.length)[0];
    return {
      status: 'fail',
      reason: near
        ? `${event.title}: metric filter ${near.f.filterName} on ${where} leaves out ${near.missing.join(', ')}, and no other filter watches for them`
        : `${event.title}: no metric filter on ${where} watches for these events, so no alarm can be raised on them`,
    };
  }
  const routes: Route[] = [];
  const gaps: string[] = [];
  for (const f of watching) {
    for (const t of f.metricTransformations ?? []) {
      const alarms = alarmsOnMetric(data, t.metricNamespace ?? '', t.metricName ?? '');
      if (!alarms.length) gaps.push(`metric filter ${f.filterName} feeds ${t.metricNamespace}/${t.metricName}, which no alarm watches`);
      for (const a of alarms) {
        const via = `alarm ${a.AlarmName}`;
        const parents = data.compositeAlarms.filter((c) => c.ActionsEnabled !== false && (c.AlarmRule ?? '').includes(a.AlarmName ?? '\u0000'));
        const parentRoutes = parents.flatMap((c) => routesOf(c, `composite alarm ${c.AlarmName} (over ${a.AlarmName})`, data, ctx));
        if (a.ActionsEnabled === false) gaps.push(`${via} has its actions disabled`);
        else if (!(a.AlarmActions ?? []).length && !parentRoutes.length) gaps.push(`${via} has no action for the ALARM state`);
        // A route is only as good as the alarm's trigger: one that a single event does not fire needs review at best.
        const notOnOne = whyOneEventDoesNotFire(a, t.metricValue);
        const cap = (r: Route): Route => (notOnOne && r.rank === 3 ? { rank: 2, text: `${r.text}, but ${via} ${notOnOne}` } : r);
        if (a.ActionsEnabled !== false) routes.push(...routesOf(a, via, data, ctx).map(cap));
        routes.push(...parentRoutes.map(cap));
      }
    }
  }
  const best = Math.max(0, ...routes.map((r) => r.rank));
  const said = [...routes.filter((r) => r.rank === best).map((r) => r.text), ...(best < 3 ? [...routes.filter((r) => r.rank < best).map((r) => r.text), ...gaps] : [])];
  const head = `${event.title}: metric filter ${watching.map((f) => f.filterName).join(', ')} on ${where}`;
  if (best === 3) return { status: 'pass', reason: `${head}; ${said.join('; ')}` };
  if (best === 2) return { status: 'needs-review', reason: `${head}; ${said.join('; ')}` };
  return { status: 'fail', reason: `${head}, but no alarm reaches a confirmed subscriber: ${said.join('; ')}` };
}

async function collectFilters(ctx: QueryContext, logGroupName: string): Promise<LogGroupFilters> {
  const { CloudWatchLogsClient, paginateDescribeMetricFilters } = await loadCloudWatchLogsSdk();
  const metricFilters = await captureAbsence(async () => {
    const out: MetricFilter[] = [];
    for await (const page of paginateDescribeMetricFilters({ client: ctx.clients.get(CloudWatchLogsClient), pageSize: 50 }, { logGroupName })) {
      ctx.signal?.throwIfAborted();
      out.push(...(page.metricFilters ?? []));
    }
    return out;
  }, ['ResourceNotFoundException']);
  return { logGroupName, metricFilters };
}

export const securityAlarms = defineQuery<SecurityAlarmsEvidence>({
  id: 'cloudwatch.security-alarms',
  service: 'cloudwatch',
  title: 'Security events in the CloudTrail log group raise alarms that reach a confirmed subscriber',
  description:
    'For each CIS AWS Foundations monitoring event (root use, unauthorized API calls, console sign-in without MFA, failed console sign-ins, IAM policy, CloudTrail, Config, KMS key, S3 bucket policy, security group, network ACL, gateway, route table and VPC changes): whether a metric filter on the log group a trail delivers to watches for it, whether a CloudWatch alarm watches that metric with its actions enabled, and whether the alarm notifies an SNS topic with at least one confirmed subscription. It shows that alerts are configured to reach someone, not that anyone receives, reads or acts on them.',
  remediation:
    'Create a metric filter for each missing event on the trail’s CloudWatch Logs log group (the CIS AWS Foundations Benchmark gives the patterns), an alarm on each filter’s metric (threshold 1, period 5 minutes) with an ALARM action to an SNS topic, and confirm at least one subscription of that topic (an on-call address or an incident tool).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'sns:ListSubscriptionsByTopic'],
  async collect(ctx) {
    const describe = await describeTrails(ctx);
    const groups = [...new Set(homeTrails(describe.trailList, ctx.region).flatMap((t) => (t.CloudWatchLogsLogGroupArn ? [logGroupNameOf(t.CloudWatchLogsLogGroupArn)] : [])))];
    const metricFilters: LogGroupFilters[] = [];
    for (const g of groups) metricFilters.push(await collectFilters(ctx, g));
    const metricAlarms: MetricAlarm[] = [];
    const compositeAlarms: CompositeAlarm[] = [];
    if (groups.length) {
      const { CloudWatchClient, paginateDescribeAlarms } = await loadCloudWatchSdk();
      for await (const page of paginateDescribeAlarms({ client: ctx.clients.get(CloudWatchClient), pageSize: 100 }, { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })) {
        ctx.signal?.throwIfAborted();
        metricAlarms.push(...(page.MetricAlarms ?? []));
        compositeAlarms.push(...(page.CompositeAlarms ?? []));
      }
    }
    // Only topics of this account and region are readable with this region's client; others are reported as unseen.
    const topicArns = [...new Set([...metricAlarms, ...compositeAlarms].flatMap((a) => a.AlarmActions ?? []))].filter((arn) => {
      const p = arn.split(':');
      return p[2] === 'sns' && p[3] === ctx.region && p[4] === ctx.accountId;
    });
    const topics: TopicSubscriptions[] = [];
    if (topicArns.length) {
      const { SNSClient, paginateListSubscriptionsByTopic } = await loadSnsSdk();
      for (const topicArn of topicArns.sort()) {
        const subscriptions = await captureAbsence(async () => {
          const out: Subscription[] = [];
          for await (const page of paginateListSubscriptionsByTopic({ client: ctx.clients.get(SNSClient) }, { TopicArn: topicArn })) {
            ctx.signal?.throwIfAborted();
            out.push(...(page.Subscriptions ?? []));
          }
          return out;
        }, ['NotFound', 'NotFoundException']);
        topics.push({ topicArn, subscriptions });
      }
    }
    return { describeTrails: describe, metricFilters, metricAlarms, compositeAlarms, topics };
  },
  evaluate(data, _params, ctx) {
    if (!data?.describeTrails || !data.metricFilters || !data.metricAlarms || !data.topics) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeTrails, DescribeMetricFilters, DescribeAlarms or ListSubscriptionsByTopic responses' }];
    }
    // A body without the composite alarm list is judged on metric alarms alone.
    const evidence = { ...data, compositeAlarms: data.compositeAlarms ?? [] };
    const all: Trail[] = data.describeTrails.trailList ?? [];
    const delivering = all.filter((t) => t.CloudWatchLogsLogGroupArn);
    const own = homeTrails(delivering, ctx.region);
    if (!delivering.length) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no trail that records ${ctx.region} delivers to CloudWatch Logs, so no metric filter or alarm can watch its security events` }];
    }
    if (!own.length) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the log groups of ${delivering.map(trailLabel).join(', ')} are in ${[...new Set(delivering.map((t) => t.HomeRegion))].join(', ')}; their alarms are judged there` }];
    }
    const results: ResourceResult[] = [];
    for (const group of data.metricFilters) {
      const trails = own.filter((t) => logGroupNameOf(t.CloudWatchLogsLogGroupArn ?? '') === group.logGroupName);
      const groupArn = `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${group.logGroupName}`;
      const base = (event: SecurityEvent) => ({ resource: `${groupArn}#${event.id}`, resourceType: 'AWS::CloudWatch::Alarm' });
      if (isCapturedError(group.metricFilters)) {
        for (const event of SECURITY_EVENTS) results.push({ ...base(event), status: 'fail', reason: `${event.title}: log group ${group.logGroupName}, named by ${trails.map(trailLabel).join(', ')}, does not exist (${group.metricFilters.error.code})` });
        continue;
      }
      const regionOnly = !trails.some((t) => t.IsMultiRegionTrail);
      for (const event of SECURITY_EVENTS) {
        const judged = judgeEvent(event, group, group.metricFilters, evidence, ctx);
        // A single-region trail's log group sees only this region's events, so a pass here covers no other region.
        if (judged.status === 'pass' && regionOnly) {
          results.push({ ...base(event), status: 'needs-review', reason: `${judged.reason}; but ${trails.map(trailLabel).join(', ')} records ${ctx.region} only, so events in other regions reach no alarm here` });
        } else results.push({ ...base(event), ...judged });
      }
    }
    return results;
  },
});
