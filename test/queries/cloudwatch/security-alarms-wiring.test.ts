/**
 * cloudwatch.security-alarms credits an alarm only when it receives the data points the metric filter publishes, and a
 * composite alarm only when its rule goes into ALARM with that alarm. CloudWatch keeps one metric per namespace, name
 * and set of dimensions (a filter with dimensions publishes one metric per set of values), an alarm with a Unit reads
 * only data points published with that unit (a filter publishes its `unit`, None when unset), and a composite alarm's
 * rule (ALARM/OK/INSUFFICIENT_DATA of an alarm name or ARN, TRUE, FALSE, AND, OR, NOT, parentheses) is a Boolean
 * expression, not a list of names. Each case is the root-use event of the fixture account, whose alarm notifies a topic
 * with a confirmed subscription.
 */
import { describe, expect, it } from 'vitest';
import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { parseAlarmRule } from '../../../src/queries/cloudwatch/alarm-rule.js';
import { securityAlarms, type SecurityAlarmsEvidence } from '../../../src/queries/cloudwatch/security-alarms.js';
import { ACCOUNT, COLLECTED_AT, REGION, evidence, eventArn } from '../../fixtures/cloudwatch/alarms.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const SECURITY = `arn:aws:sns:${REGION}:${ACCOUNT}:security`;
const ROOT_ALARM = 'alarm-root-use';
const ROOT_ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${ROOT_ALARM}`;

type Transformation = NonNullable<MetricFilter['metricTransformations']>[number];

/** The root-use event's result with the root-use filter's transformation, its alarm and the composite alarms changed. */
function rootUse(change: { transformation?: Partial<Transformation>; alarm?: Partial<MetricAlarm>; composites?: CompositeAlarm[] }) {
  const data: SecurityAlarmsEvidence = structuredClone(evidence);
  const filters = data.metricFilters[0].metricFilters as MetricFilter[];
  const rootFilter = filters.find((f) => f.filterName === 'root-use')!;
  rootFilter.metricTransformations = [{ ...rootFilter.metricTransformations![0], ...change.transformation }];
  data.metricAlarms = data.metricAlarms.map((a) => (a.AlarmName === ROOT_ALARM ? { ...a, ...change.alarm } : a));
  if (change.composites) data.compositeAlarms = change.composites;
  const fresh = securityAlarms.evaluate(data, {}, ctx);
  expect(securityAlarms.evaluate(JSON.parse(canonicalJson(data)), {}, ctx)).toEqual(fresh);
  return fresh.find((r) => r.resource === eventArn('root-account-usage'))!;
}

/** The root-use alarm without actions of its own, under one composite alarm that notifies the confirmed topic. */
const viaComposite = (AlarmRule: string, extra: Partial<CompositeAlarm> = {}) =>
  rootUse({ alarm: { AlarmActions: [] }, composites: [{ AlarmName: 'security-composite', ActionsEnabled: true, AlarmActions: [SECURITY], AlarmRule, StateValue: 'OK', ...extra }] });

describe('cloudwatch.security-alarms: an alarm receives the filter’s data only on the same metric', () => {
  it('the documented wiring (no dimensions on either side, no unit on the alarm) passes', () => {
    expect(rootUse({})).toMatchObject({ status: 'pass' });
    // Dimensions: [] is what DescribeAlarms returns for an alarm without dimensions; an empty map publishes none.
    expect(rootUse({ transformation: { dimensions: {} }, alarm: { Dimensions: [] } })).toMatchObject({ status: 'pass' });
  });

  it('a filter that publishes with dimensions and an alarm without them (or the other way round) is not a pass', () => {
    const noAlarmDims = rootUse({ transformation: { dimensions: { user: '$.userIdentity.arn' } } });
    expect(noAlarmDims.status).toBe('fail');
    expect(noAlarmDims.reason).toContain('alarm alarm-root-use watches Security/root-use without dimensions, but metric filter root-use publishes it with dimension user (one metric per value of $.userIdentity.arn)');
    expect(noAlarmDims.reason).toContain('receives no data from this filter');

    const noFilterDims = rootUse({ alarm: { Dimensions: [{ Name: 'x', Value: 'y' }] } });
    expect(noFilterDims.status).toBe('fail');
    expect(noFilterDims.reason).toContain('alarm alarm-root-use watches Security/root-use with dimension x=y, but metric filter root-use publishes it without dimensions');

    const otherKeys = rootUse({ transformation: { dimensions: { user: '$.userIdentity.arn' } }, alarm: { Dimensions: [{ Name: 'account', Value: ACCOUNT }] } });
    expect(otherKeys.status).toBe('fail');
    expect(otherKeys.reason).toContain(`with dimension account=${ACCOUNT}, but metric filter root-use publishes it with dimension user`);
  });

  it('an alarm on the filter’s dimensions with fixed values watches one set of values only: needs review, saying why', () => {
    const r = rootUse({ transformation: { dimensions: { user: '$.userIdentity.arn' } }, alarm: { Dimensions: [{ Name: 'user', Value: `arn:aws:iam::${ACCOUNT}:root` }] } });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain(`alarm alarm-root-use watches only the Security/root-use metric with dimension user=arn:aws:iam::${ACCOUNT}:root; metric filter root-use publishes one metric per value of $.userIdentity.arn, and events with other values do not reach this alarm`);
  });

  it('an alarm whose Unit is not the unit the filter publishes (None when the filter sets none) is not a pass', () => {
    const seconds = rootUse({ transformation: { unit: 'Count' }, alarm: { Unit: 'Seconds' } });
    expect(seconds.status).toBe('fail');
    expect(seconds.reason).toContain('alarm alarm-root-use reads only data points with unit Seconds, but metric filter root-use publishes Security/root-use with unit Count: it receives no data from this filter');
    const unsetUnit = rootUse({ alarm: { Unit: 'Count' } });
    expect(unsetUnit.status).toBe('fail');
    expect(unsetUnit.reason).toContain('with unit None (the filter sets no unit)');
    // The same unit, or no unit on the alarm (it reads every unit), receives the data.
    expect(rootUse({ transformation: { unit: 'Count' }, alarm: { Unit: 'Count' } }).status).toBe('pass');
    expect(rootUse({ alarm: { Unit: 'None' } }).status).toBe('pass');
    expect(rootUse({ transformation: { unit: 'Count' } }).status).toBe('pass');
  });

  it('a metric math alarm is held to the same rules for the metric it reads', () => {
    const math = (Dimensions: { Name: string; Value: string }[], Unit?: 'Seconds') =>
      rootUse({
        alarm: {
          MetricName: undefined,
          Namespace: undefined,
          Statistic: undefined,
          Metrics: [
            { Id: 'm1', MetricStat: { Metric: { Namespace: 'Security', MetricName: 'root-use', Dimensions }, Period: 300, Stat: 'Sum', ...(Unit ? { Unit } : {}) }, ReturnData: false },
            { Id: 'e1', Expression: 'FILL(m1, 0)', ReturnData: true },
          ],
        },
      });
    expect(math([])).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('metric math expression') });
    const dims = math([{ Name: 'x', Value: 'y' }]);
    expect(dims.status).toBe('fail');
    expect(dims.reason).toContain('alarm alarm-root-use watches Security/root-use with dimension x=y, but metric filter root-use publishes it without dimensions');
    const unit = math([], 'Seconds');
    expect(unit.status).toBe('fail');
    expect(unit.reason).toContain('reads only data points with unit Seconds');
  });
});

describe('cloudwatch.security-alarms: a composite alarm counts only when its rule goes into ALARM with the alarm', () => {
  it('rules that go into ALARM whatever the other alarms’ states are pass: names quoted or not, ARNs, OR, TRUE, parentheses', () => {
    for (const rule of [
      `ALARM("${ROOT_ALARM}")`,
      `ALARM(${ROOT_ALARM})`,
      `ALARM( "${ROOT_ALARM}" )`,
      `ALARM("${ROOT_ALARM_ARN}")`,
      `ALARM(${ROOT_ALARM_ARN})`,
      `ALARM("alarm-unauthorized") OR ALARM("${ROOT_ALARM}")`,
      `(ALARM(${ROOT_ALARM}) OR INSUFFICIENT_DATA(other)) AND TRUE`,
      `NOT (NOT ALARM(${ROOT_ALARM}))`,
      `ALARM(${ROOT_ALARM}) OR (ALARM(a) AND ALARM(b))`,
    ]) {
      expect(viaComposite(rule), rule).toMatchObject({ status: 'pass', reason: expect.stringContaining(`composite alarm security-composite (over ${ROOT_ALARM}) notifies ${SECURITY} with 1 confirmed subscription(s)`) });
    }
  });

  it('a rule that only names the alarm inside another name, negates it, or is false with it in ALARM is not credited', () => {
    for (const [rule, why] of [
      [`ALARM("${ROOT_ALARM}-old")`, 'has no action for the ALARM state'],
      [`ALARM(prod-${ROOT_ALARM})`, 'has no action for the ALARM state'],
      [`ALARM("arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:${ROOT_ALARM}")`, 'has no action for the ALARM state'],
      [`NOT ALARM("${ROOT_ALARM}")`, `composite alarm security-composite names alarm ${ROOT_ALARM}, but its rule NOT ALARM("${ROOT_ALARM}") is false whenever ${ROOT_ALARM} is in ALARM`],
      [`ALARM("${ROOT_ALARM}") AND FALSE`, 'is false whenever'],
      [`OK("${ROOT_ALARM}")`, 'is false whenever'],
      [`INSUFFICIENT_DATA(${ROOT_ALARM})`, 'is false whenever'],
    ]) {
      const r = viaComposite(rule);
      expect(r.status, rule).toBe('fail');
      expect(r.reason, rule).toContain(why);
      expect(r.reason, rule).not.toContain('confirmed subscription(s)');
    }
    expect(viaComposite(`ALARM(${ROOT_ALARM})`, { ActionsEnabled: false })).toMatchObject({ status: 'fail', reason: expect.stringContaining(`composite alarm security-composite over ${ROOT_ALARM} has its actions disabled`) });
  });

  it('a rule that also needs other alarms in ALARM fails; one that other alarms can hold back needs review', () => {
    const both = viaComposite(`ALARM("${ROOT_ALARM}") AND ALARM("alarm-unauthorized")`);
    expect(both.status).toBe('fail');
    expect(both.reason).toContain(`composite alarm security-composite goes into ALARM with alarm ${ROOT_ALARM} only while other alarms it names (alarm-unauthorized) are in particular states, and not while they are OK: its rule is ALARM("${ROOT_ALARM}") AND ALARM("alarm-unauthorized")`);
    const unless = viaComposite(`ALARM(${ROOT_ALARM}) AND NOT ALARM(deployment-in-progress)`);
    expect(unless.status).toBe('needs-review');
    expect(unless.reason).toContain(`but its rule ALARM(${ROOT_ALARM}) AND NOT ALARM(deployment-in-progress) goes into ALARM with alarm ${ROOT_ALARM} only for some states of the other alarms it names (deployment-in-progress)`);
  });

  it('a rule that does not parse, or mixes AND and OR without parentheses, needs review naming it', () => {
    const broken = viaComposite(`ALARM("${ROOT_ALARM}") XOR ALARM(b)`);
    expect(broken.status).toBe('needs-review');
    expect(broken.reason).toContain(`but its rule ALARM("${ROOT_ALARM}") XOR ALARM(b) could not be read (`);
    const mixed = viaComposite(`ALARM(a) AND ALARM(b) OR ALARM(${ROOT_ALARM})`);
    expect(mixed.status).toBe('needs-review');
    expect(mixed.reason).toContain('AND and OR without parentheses');
    // A rule that does not parse and does not contain the name is not about this alarm.
    expect(viaComposite('ALARM(other) XOR').status).toBe('fail');
  });

  it('a composite with an actions suppressor needs review: its notification can be held back', () => {
    const r = viaComposite(`ALARM("${ROOT_ALARM}")`, { ActionsSuppressor: 'maintenance-window', ActionsSuppressorWaitPeriod: 60, ActionsSuppressorExtensionPeriod: 3600 });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('but composite alarm security-composite suppresses its actions while alarm maintenance-window is in ALARM (wait period 60 s, extension period 3600 s)');
  });

  it('parses the documented grammar and rejects what it does not know', () => {
    expect(parseAlarmRule('ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)')).toEqual({
      kind: 'and',
      of: [
        { kind: 'state', state: 'ALARM', alarm: 'CPUUtilizationTooHigh' },
        { kind: 'not', of: { kind: 'state', state: 'ALARM', alarm: 'DeploymentInProgress' } },
      ],
    });
    expect(parseAlarmRule('(ALARM("a b") OR INSUFFICIENT_DATA(c)) AND FALSE')).toEqual({
      kind: 'and',
      of: [{ kind: 'or', of: [{ kind: 'state', state: 'ALARM', alarm: 'a b' }, { kind: 'state', state: 'INSUFFICIENT_DATA', alarm: 'c' }] }, { kind: 'const', value: false }],
    });
    for (const bad of ['', 'ALARM()', 'ALARM("a"', 'ALARM(a) AND', '(ALARM(a)', 'ALARM(a))', 'ALARMS(a)', 'NOTALARM(a)', 'ALARM(a)\u00a0OR ALARM(b)', 'alarm(a)']) {
      expect(() => parseAlarmRule(bad), bad).toThrow();
    }
  });
});
