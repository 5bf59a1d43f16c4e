// An alarm that does not change state on one of these events notifies nobody: second attacker review (attack17b
// items A, B, C, D, G, H). Each case passed before these rules were added.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { securityAlarms, type SecurityAlarmsEvidence } from '../../../src/queries/cloudwatch/security-alarms.js';
import { ACCOUNT, COLLECTED_AT, REGION, evidence, eventArn } from '../../fixtures/cloudwatch/alarms.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:security`;
const ROOT = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }';

/** The root-use event's result after changing the evidence. */
function rootUse(tweak: (d: SecurityAlarmsEvidence, filter: MetricFilter, alarm: MetricAlarm) => void) {
  const d: SecurityAlarmsEvidence = structuredClone(evidence);
  const filters = d.metricFilters[0].metricFilters as MetricFilter[];
  tweak(d, filters.find((f) => f.filterName === 'root-use')!, d.metricAlarms.find((a) => a.AlarmName === 'alarm-root-use')!);
  return securityAlarms.evaluate(d, {}, ctx).find((r) => r.resource === eventArn('root-account-usage'))!;
}
const viaComposite = (rule: string, extra?: (d: SecurityAlarmsEvidence) => void) =>
  rootUse((d, _f, a) => {
    a.AlarmActions = [];
    d.compositeAlarms = [{ AlarmName: 'c', ActionsEnabled: true, AlarmActions: [TOPIC], AlarmRule: rule, StateValue: 'OK' }];
    extra?.(d);
  });

describe('cloudwatch.security-alarms: the alarm must change state on one of these events', () => {
  it('the CIS default alarm (Sum >= 1 over one 300 s period, TreatMissingData absent = missing, or notBreaching) passes', () => {
    expect(rootUse(() => {}).status).toBe('pass');
    expect(rootUse((_d, _f, a) => { a.TreatMissingData = 'missing'; }).status).toBe('pass');
    expect(rootUse((_d, _f, a) => { a.TreatMissingData = 'notBreaching'; }).status).toBe('pass');
    expect(rootUse((_d, f) => { f.metricTransformations![0].defaultValue = 0; }).status).toBe('pass');
  });

  it('B: TreatMissingData breaching, or ignore with no default value, keeps the alarm in ALARM: fail, saying why', () => {
    const breaching = rootUse((_d, _f, a) => { a.TreatMissingData = 'breaching'; });
    expect(breaching.status).toBe('fail');
    expect(breaching.reason).toContain('alarm alarm-root-use treats missing data as breaching (TreatMissingData breaching)');
    expect(breaching.reason).toContain('one of these events changes no state and notifies nobody');
    const ignore = rootUse((_d, _f, a) => { a.TreatMissingData = 'ignore'; a.StateValue = 'ALARM'; });
    expect(ignore.status).toBe('fail');
    expect(ignore.reason).toContain('keeps its current state when data is missing (TreatMissingData ignore)');
    expect(ignore.reason).toContain('and it was in ALARM when collected');
    // With a default value of 0, a period of other events is below the threshold and the alarm leaves ALARM: review.
    expect(rootUse((_d, f, a) => { a.TreatMissingData = 'ignore'; f.metricTransformations![0].defaultValue = 0; }).status).toBe('needs-review');
  });

  it('B: an alarm recorded in ALARM needs review: another event in that state notifies nobody', () => {
    const r = rootUse((_d, _f, a) => { a.StateValue = 'ALARM'; });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('alarm alarm-root-use was in ALARM when collected');
  });

  it('A: a default value the alarm breaches on other events, or a negative one, is not a pass', () => {
    for (const [change, why] of [
      [{ defaultValue: 1 }, 'sums its data points, and metric filter root-use sets default value 1'],
      [{ defaultValue: -1000 }, 'each other event lowers the period’s sum by 1000'],
    ] as const) {
      const r = rootUse((_d, f) => { Object.assign(f.metricTransformations![0], change); });
      expect(r.status, why).toBe('fail');
      expect(r.reason).toContain(why);
    }
    expect(rootUse((_d, f, a) => { f.metricTransformations![0].defaultValue = 0; a.Statistic = 'SampleCount'; }).status).toBe('fail');
    expect(rootUse((_d, f, a) => { f.metricTransformations![0].defaultValue = 0; a.Threshold = 0; }).reason).toContain('which reaches that alone');
    expect(rootUse((_d, f, a) => { f.metricTransformations![0].defaultValue = 0; a.Threshold = 0; }).status).not.toBe('pass');
  });

  it('D: another filter on the same metric with a negative or event-taken value is not a pass', () => {
    const neg = rootUse((d) => {
      (d.metricFilters[0].metricFilters as MetricFilter[]).push({ filterName: 'root-use-neg', logGroupName: d.metricFilters[0].logGroupName, filterPattern: ROOT, metricTransformations: [{ metricName: 'root-use', metricNamespace: 'Security', metricValue: '-1' }] });
    });
    expect(neg.status).toBe('fail');
    expect(neg.reason).toContain('metric filter root-use-neg on log group');
    expect(neg.reason).toContain('and it matches these events too: each of them adds 0 in all, which is not at least 1');
    const field = rootUse((d) => {
      (d.metricFilters[0].metricFilters as MetricFilter[]).push({ filterName: 'root-use-field', logGroupName: d.metricFilters[0].logGroupName, filterPattern: ROOT, metricTransformations: [{ metricName: 'root-use', metricNamespace: 'Security', metricValue: '$.requestParameters.count' }] });
    });
    expect(field.status).toBe('needs-review');
    expect(field.reason).toContain('metric value $.requestParameters.count for each event it matches, taken from the event');
  });

  it('C: a composite whose rule is true while the alarm is OK or INSUFFICIENT_DATA is not credited', () => {
    for (const rule of ['ALARM("alarm-root-use") OR TRUE', 'ALARM("alarm-root-use") OR NOT ALARM("alarm-root-use")', '(ALARM(alarm-root-use) OR OK(other)) AND TRUE', 'ALARM(alarm-root-use) OR INSUFFICIENT_DATA(alarm-root-use)']) {
      const r = viaComposite(rule);
      expect(r.status, rule).toBe('fail');
      expect(r.reason, rule).toContain(`composite alarm c names alarm alarm-root-use, but its rule ${rule} is true with alarm-root-use in`);
      expect(r.reason, rule).toContain('notifies nobody of them');
    }
    const stuck = viaComposite('ALARM("alarm-root-use") OR ALARM("stuck")', (d) => {
      d.metricAlarms.push({ AlarmName: 'stuck', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: -1, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'breaching', StateValue: 'ALARM', ActionsEnabled: true, AlarmActions: [] });
    });
    expect(stuck.status).toBe('fail');
    expect(stuck.reason).toContain('is true with alarm-root-use in OK and stuck in ALARM (as recorded; OK when not in the evidence)');
    // The same rule over an alarm recorded in OK is credited; a composite recorded in ALARM needs review.
    expect(viaComposite('ALARM("alarm-root-use") OR ALARM("alarm-unauthorized")').status).toBe('pass');
    expect(viaComposite('ALARM("alarm-root-use")', (d) => { d.compositeAlarms[0].StateValue = 'ALARM'; }).status).toBe('needs-review');
  });

  it('G: a filter applied to transformed logs needs review: the transformer is not collected', () => {
    const r = rootUse((_d, f) => { f.applyOnTransformedLogs = true; });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('(applyOnTransformedLogs), and the log transformer');
  });

  it('H: an evaluation window over an hour holds the alarm in ALARM after one event: needs review', () => {
    const day = rootUse((_d, _f, a) => { a.Period = 86400; a.EvaluationPeriods = 7; a.DatapointsToAlarm = 1; });
    expect(day.status).toBe('needs-review');
    expect(day.reason).toContain('evaluates 7 period(s) of 86400 s (10080 minutes)');
    expect(rootUse((_d, _f, a) => { a.EvaluationPeriods = 288; a.DatapointsToAlarm = 1; }).status).toBe('needs-review');
    expect(rootUse((_d, _f, a) => { a.EvaluationPeriods = 12; a.DatapointsToAlarm = 1; }).status).toBe('pass');
  });
});
