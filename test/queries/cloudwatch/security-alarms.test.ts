import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { filterCoverage, SECURITY_EVENTS, securityAlarms, whyOneEventDoesNotFire } from '../../../src/queries/cloudwatch/security-alarms.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, SOC_SUBSCRIPTION, evidence, eventArn, security, socAttributes, topic, trails } from '../../fixtures/cloudwatch/alarms.js';
import { snsState } from '../../../src/simulator/services/sns.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown, region = REGION): ResourceResult[] {
  const fresh = securityAlarms.evaluate(data, {}, { ...ctx, region });
  expect(securityAlarms.evaluate(roundTrip(data), {}, { ...ctx, region })).toEqual(fresh);
  return fresh;
}

const event = (id: string) => SECURITY_EVENTS.find((e) => e.id === id)!;

describe('cloudwatch.security-alarms', () => {
  it('judges every CIS event on the trail log group: only an alarm reaching a confirmed subscriber passes', () => {
    const results = evaluateBoth(evidence);
    expect(results).toHaveLength(SECURITY_EVENTS.length);
    const by = Object.fromEntries(results.map((r) => [r.resource, r]));
    expect(by[eventArn('root-account-usage')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('1 confirmed subscription(s) (email)') });
    expect(by[eventArn('unauthorized-api-calls')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 subscription(s), none confirmed') });
    expect(by[eventArn('console-signin-without-mfa')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('actions disabled') });
    expect(by[eventArn('cloudtrail-config-changes')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('leaves out StopLogging') });
    expect(by[eventArn('cmk-disable-or-deletion')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no metric filter') });
    expect(by[eventArn('vpc-changes')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('in account 999988887777') });
    expect(by[eventArn('security-group-changes')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('composite alarm network-changes') });
    expect(by[eventArn('config-changes')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('does not exist (NotFound)') });
    expect(by[eventArn('console-authentication-failures')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('which no alarm watches') });
    expect(by[eventArn('route-table-changes')].status).toBe('fail');
    expect(results.every((r) => r.resourceType === 'AWS::CloudWatch::Alarm')).toBe(true);
  });

  it('an alarm that one event does not raise (threshold, operator, statistic, several breaching periods) caps its event at needs-review, saying why', () => {
    const rootAlarm = evidence.metricAlarms.find((a) => a.AlarmName === 'alarm-root-use')!;
    const judged = (change: object) => {
      const data = { ...evidence, metricAlarms: evidence.metricAlarms.map((a) => (a === rootAlarm ? { ...a, ...change } : a)) };
      return evaluateBoth(data).find((r) => r.resource === eventArn('root-account-usage'))!;
    };
    expect(judged({})).toMatchObject({ status: 'pass' });
    expect(judged({ Threshold: 5 })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('but alarm alarm-root-use goes into ALARM when the Sum of a 300-second period is at least 5: one event does not raise it') });
    expect(judged({ ComparisonOperator: 'LessThanThreshold' }).status).toBe('needs-review');
    expect(judged({ EvaluationPeriods: 3, DatapointsToAlarm: 2 })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('needs 2 breaching periods of 3') });
    expect(judged({ Statistic: 'Average' })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('uses the Average statistic') });
    // Thresholds one event reaches.
    expect(whyOneEventDoesNotFire({ ...rootAlarm, ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 }, '1')).toBeUndefined();
    expect(whyOneEventDoesNotFire({ ...rootAlarm, Statistic: 'SampleCount', Threshold: 1 }, '5')).toBeUndefined();
    expect(whyOneEventDoesNotFire({ ...rootAlarm, Metrics: [{ Id: 'm1', Expression: 'm0 * 2' }] }, '1')).toMatch(/metric math/);
  });

  it('recognises filter patterns by their tests, quoted or not, and never a negated event name', () => {
    const gaps = (pattern: string, id: string) => {
      const c = filterCoverage(pattern, event(id));
      return [...c.narrowed.map((n) => n.label), ...c.missing];
    };
    expect(gaps('{ $.userIdentity.type = Root }', 'root-account-usage')).toEqual([]);
    expect(gaps('{ $.userIdentity.type != "Root" }', 'root-account-usage')).toEqual(['these events']);
    expect(gaps('{ ($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion") }', 'cmk-disable-or-deletion')).toEqual([]);
    expect(gaps('{ $.eventName = DisableKeyRotation }', 'cmk-disable-or-deletion')).toEqual(['DisableKey', 'ScheduleKeyDeletion']);
    expect(gaps('{ ($.eventName != DisableKey) && ($.eventName != ScheduleKeyDeletion) }', 'cmk-disable-or-deletion')).toEqual(['DisableKey', 'ScheduleKeyDeletion']);
  });

  it('a single-region trail caps a pass at needs-review; no delivering trail fails; a trail homed elsewhere is judged there', () => {
    const single = { ...evidence, describeTrails: { trailList: [{ ...trails.trailList![0], IsMultiRegionTrail: false }] } };
    expect(evaluateBoth(single).find((r) => r.resource === eventArn('root-account-usage'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`records ${REGION} only`) });
    const none = { ...evidence, describeTrails: { trailList: [{ ...trails.trailList![0], CloudWatchLogsLogGroupArn: undefined }] }, metricFilters: [] };
    expect(evaluateBoth(none)).toEqual([expect.objectContaining({ resource: 'account', status: 'fail', reason: expect.stringContaining('delivers to CloudWatch Logs') })]);
    expect(evaluateBoth({ ...evidence, metricFilters: [] }, 'eu-west-1')).toEqual([expect.objectContaining({ status: 'not-applicable', reason: expect.stringContaining('judged there') })]);
  });

  it('a confirmed subscription with a filter policy, or whose attributes are not in the evidence, does not count as reaching someone: needs review, saying why', () => {
    const withTopic = (t: object) => ({ ...evidence, topics: evidence.topics.map((x) => (x.topicArn === topic('security') ? { ...x, ...t } : x)) });
    const root = (data: unknown) => evaluateBoth(data).find((r) => r.resource === eventArn('root-account-usage'))!;
    expect(root(evidence).status).toBe('pass');
    // CloudWatch alarm notifications carry no message attributes a filter on them could match; the check does not judge it.
    const filtered = root(withTopic({ attributes: { [SOC_SUBSCRIPTION]: { ...socAttributes, FilterPolicy: '{"severity":["critical"]}' } } }));
    expect(filtered).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`subscription ${SOC_SUBSCRIPTION} has a filter policy on the message attributes ({"severity":["critical"]})`) });
    const body = root(withTopic({ attributes: { [SOC_SUBSCRIPTION]: { ...socAttributes, FilterPolicy: '{"AlarmName":["x"]}', FilterPolicyScope: 'MessageBody' } } }));
    expect(body.reason).toContain('filter policy on the message body');
    const refused = root(withTopic({ attributes: { [SOC_SUBSCRIPTION]: { error: { code: 'AuthorizationError', message: 'not authorized' } } } }));
    expect(refused).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GetSubscriptionAttributes failed for subscription') });
    // Evidence sealed before the attributes were read never passes.
    const { attributes: _, ...old } = evidence.topics.find((x) => x.topicArn === topic('security'))!;
    const sealedBefore = { ...evidence, topics: evidence.topics.map((x) => (x.topicArn === topic('security') ? old : x)) };
    expect(root(sealedBefore)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before subscription attributes were read') });
    // One unfiltered confirmed subscription beside a filtered one still reaches someone.
    const second = { SubscriptionArn: `${topic('security')}:aaaabbbb-1111-4222-8333-444455556666`, Owner: ACCOUNT, Protocol: 'sms', Endpoint: '+15555550100', TopicArn: topic('security') };
    const both = root(withTopic({ subscriptions: [...security.Subscriptions!, second], attributes: { [SOC_SUBSCRIPTION]: socAttributes, [second.SubscriptionArn]: { ...socAttributes, SubscriptionArn: second.SubscriptionArn, FilterPolicy: '{"a":["b"]}' } } }));
    expect(both).toMatchObject({ status: 'pass', reason: expect.stringContaining('2 confirmed subscription(s) (email, sms), 1 of them without a filter policy') });
  });

  it('a missing log group fails every event; missing evidence is an error, never a pass', () => {
    const gone = { ...evidence, metricFilters: [{ logGroupName: 'aws-cloudtrail-logs-org', metricFilters: { error: { code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' } } }] };
    const results = evaluateBoth(gone);
    expect(results.map((r) => r.status)).toEqual(SECURITY_EVENTS.map(() => 'fail'));
    expect(results[0].reason).toContain('does not exist (ResourceNotFoundException)');
    expect(evaluateBoth({ describeTrails: trails }).map((r) => r.status)).toEqual(['error']);
  });
});

describe('cloudwatch.security-alarms against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('cloudwatch.security-alarms')!;

  it('home region: nine events reach the on-call topic; unconfirmed, unalarmed and unwatched events fail; the security account topic needs review', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    const status = Object.fromEntries(results.map((r) => [r.resource.split('#')[1], r.status]));
    expect(Object.values(status).filter((s) => s === 'pass')).toHaveLength(9);
    expect(status).toMatchObject({ 'config-changes': 'fail', 'nacl-changes': 'fail', 'network-gateway-changes': 'fail', 'route-table-changes': 'fail', 'vpc-changes': 'needs-review' });
    expect(results.find((r) => r.resource.endsWith('#config-changes'))?.reason).toContain('none confirmed');
    expect(calls.map((c) => c.operation)).toEqual(['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'sns:ListSubscriptionsByTopic', 'sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes']);
  });

  it('second region: the trail’s log group is in the home region, so the alarms are judged there', async () => {
    const { results, calls } = await session.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'not-applicable' })]);
    expect(calls.map((c) => c.operation)).toEqual(['cloudtrail:DescribeTrails']);
  });
});

describe('cloudwatch.security-alarms: a filter policy read through the simulated SNS', () => {
  const session = demoSession(() => {
    const world = demoWorld({ now: new Date() });
    const sns = snsState(world.accounts.get(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const onCall = sns.topics.find((t) => t.TopicArn.endsWith(':security-alerts'))!;
    onCall.filterPolicies = { [onCall.subscriptions[0].SubscriptionArn!]: { FilterPolicy: '{"severity":["critical"]}' } };
    return world;
  });

  it('the events that reached the on-call topic need review, naming the filter policy GetSubscriptionAttributes returned', async () => {
    const { results } = await session.run(queryById('cloudwatch.security-alarms')!, 'us-east-1');
    expect(results.filter((r) => r.status === 'pass')).toEqual([]);
    const root = results.find((r) => r.resource.endsWith('#root-account-usage'))!;
    expect(root).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('has a filter policy on the message attributes ({"severity":["critical"]})') });
  });
});
