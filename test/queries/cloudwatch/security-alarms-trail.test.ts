/**
 * cloudwatch.security-alarms judges alarms on a log group only where the trail's events reach it. A trail whose
 * CloudWatchLogsLogGroupArn names a log group in another account (an organisation trail's, in the management account) or
 * another region is not judged on a same-named group of this account: it needs review in that account. A trail that is
 * stopped, fails to deliver to CloudWatch Logs, or whose event selectors leave out the event's management events puts
 * none of these events in the group, so alarms on it do not pass; evidence without GetTrailStatus or GetEventSelectors
 * (collected before they were read) is never a pass.
 */
import { describe, expect, it } from 'vitest';
import type { MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import { queryById } from '../../../src/queries/index.js';
import { logGroupOf, securityAlarms, type SecurityAlarmsEvidence } from '../../../src/queries/cloudwatch/security-alarms.js';
import { cloudTrailTrails } from '../../../src/simulator/services/cloudtrail.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { ACCOUNT, COLLECTED_AT, GROUP, REGION, evidence, eventArn } from '../../fixtures/cloudwatch/alarms.js';
import { startSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const MGMT = '999988887777';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:security`;

function run(tweak: (d: SecurityAlarmsEvidence) => void) {
  const d: SecurityAlarmsEvidence = structuredClone(evidence);
  tweak(d);
  return securityAlarms.evaluate(d, {}, ctx);
}
const statusOf = (results: ReturnType<typeof run>, event: string) => results.find((r) => r.resource === eventArn(event));
const trail = (d: SecurityAlarmsEvidence) => d.describeTrails.trailList![0];

/** Adds a KMS key filter and alarm notifying the confirmed topic, so that cmk-disable-or-deletion passes on its own. */
function withKmsAlarm(d: SecurityAlarmsEvidence) {
  (d.metricFilters[0].metricFilters as MetricFilter[]).push({
    filterName: 'kms',
    logGroupName: GROUP,
    filterPattern: '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }',
    metricTransformations: [{ metricName: 'kms', metricNamespace: 'Security', metricValue: '1' }],
  });
  d.metricAlarms.push({ ...d.metricAlarms.find((a) => a.AlarmName === 'alarm-root-use')!, AlarmName: 'alarm-kms', AlarmArn: undefined, MetricName: 'kms', AlarmActions: [TOPIC] });
}

describe('a trail whose log group is in another account or region (F)', () => {
  const orgTrail = (d: SecurityAlarmsEvidence) => {
    trail(d).TrailARN = `arn:aws:cloudtrail:${REGION}:${MGMT}:trail/org-trail`;
    trail(d).IsOrganizationTrail = true;
    trail(d).CloudWatchLogsLogGroupArn = `arn:aws:logs:${REGION}:${MGMT}:log-group:${GROUP}:*`;
  };

  it('reads the account and region of the log group ARN', () => {
    expect(logGroupOf(`arn:aws:logs:eu-west-1:${MGMT}:log-group:a/b:c:*`)).toEqual({ region: 'eu-west-1', account: MGMT, name: 'a/b:c' });
    expect(logGroupOf(`arn:aws-us-gov:logs:us-gov-west-1:${ACCOUNT}:log-group:g`)).toEqual({ region: 'us-gov-west-1', account: ACCOUNT, name: 'g' });
  });

  it('a same-named group of this account (with filters and alarms) is not read as the organisation trail’s: needs review naming the account', () => {
    const results = run(orgTrail);
    expect(results.some((r) => r.status === 'pass')).toBe(false);
    expect(statusOf(results, 'root-account-usage')).toBeUndefined();
    expect(results).toEqual([
      expect.objectContaining({ resource: `arn:aws:cloudtrail:${REGION}:${MGMT}:trail/org-trail`, resourceType: 'AWS::CloudTrail::Trail', status: 'needs-review' }),
    ]);
    expect(results[0].reason).toContain(`log group ${GROUP} in account ${MGMT} (region ${REGION})`);
    expect(results[0].reason).toContain('judged in that account and region, not in this evidence');
  });

  it('a member account under an organisation trail, whose group was not read, needs review rather than failing', () => {
    const results = run((d) => {
      orgTrail(d);
      d.metricFilters = [];
      d.statuses = [];
      d.selectors = [];
    });
    expect(results.map((r) => r.status)).toEqual(['needs-review']);
  });

  it('a log group of this account in another region is not read here either', () => {
    const results = run((d) => {
      trail(d).CloudWatchLogsLogGroupArn = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${GROUP}:*`;
    });
    expect(results.map((r) => r.status)).toEqual(['needs-review']);
    expect(results[0].reason).toContain(`log group ${GROUP} in region eu-west-1`);
  });
});

describe('a trail that does not deliver the events to its log group (E)', () => {
  it('the fixture trail (logging, delivering, default selectors) passes root use', () => {
    expect(statusOf(run(() => {}), 'root-account-usage')?.status).toBe('pass');
    expect(statusOf(run(withKmsAlarm), 'cmk-disable-or-deletion')?.status).toBe('pass');
  });

  it('a stopped trail fails every event that would otherwise pass', () => {
    const results = run((d) => {
      d.statuses![0].status = { ...d.statuses![0].status, IsLogging: false, StopLoggingTime: new Date('2026-05-30T00:00:00.000Z') };
    });
    expect(results.some((r) => r.status === 'pass')).toBe(false);
    expect(statusOf(results, 'root-account-usage')).toMatchObject({ status: 'fail', reason: expect.stringContaining('trail org-trail is not logging (stopped 2026-05-30T00:00:00.000Z)') });
  });

  it('a CloudWatch Logs delivery error needs review, naming it', () => {
    const results = run((d) => {
      d.statuses![0].status!.LatestCloudWatchLogsDeliveryError = 'AccessDeniedException';
    });
    expect(results.some((r) => r.status === 'pass')).toBe(false);
    expect(statusOf(results, 'root-account-usage')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('failed with AccessDeniedException') });
  });

  it('no CloudWatch Logs delivery recorded needs review', () => {
    const results = run((d) => {
      delete d.statuses![0].status!.LatestCloudWatchLogsDeliveryTime;
    });
    expect(statusOf(results, 'root-account-usage')?.status).toBe('needs-review');
  });

  it('basic selectors: read-only or no management events fail; write-only leaves root use to review', () => {
    const sel = (s: object) => (d: SecurityAlarmsEvidence) => {
      trail(d).HasCustomEventSelectors = true;
      d.selectors![0].response!.EventSelectors = [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [], ...s }];
    };
    expect(statusOf(run(sel({ ReadWriteType: 'ReadOnly' })), 'root-account-usage')?.status).toBe('fail');
    expect(statusOf(run(sel({ IncludeManagementEvents: false })), 'root-account-usage')).toMatchObject({ status: 'fail', reason: expect.stringContaining('record no management events') });
    expect(statusOf(run(sel({ ReadWriteType: 'WriteOnly' })), 'root-account-usage')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('only write management events') });
    // The named security group calls are all write events: a write-only trail delivers them.
    expect(statusOf(run(sel({ ReadWriteType: 'WriteOnly' })), 'security-group-changes')?.status).toBe('pass');
  });

  it('ExcludeManagementEventSources kms.amazonaws.com fails the KMS key event and leaves root use to review', () => {
    const results = run((d) => {
      withKmsAlarm(d);
      d.selectors![0].response!.EventSelectors![0].ExcludeManagementEventSources = ['kms.amazonaws.com'];
    });
    expect(statusOf(results, 'cmk-disable-or-deletion')).toMatchObject({ status: 'fail', reason: expect.stringContaining('exclude management events from kms.amazonaws.com') });
    expect(statusOf(results, 'root-account-usage')?.status).toBe('needs-review');
  });

  it('advanced selectors: management category left out, read-only only, or the event source excluded', () => {
    const adv = (fields: { Field: string; Equals?: string[]; NotEquals?: string[] }[]) => (d: SecurityAlarmsEvidence) => {
      withKmsAlarm(d);
      d.selectors![0].response = { TrailARN: d.selectors![0].trailARN, AdvancedEventSelectors: [{ Name: 'custom', FieldSelectors: fields }] };
    };
    const data = adv([{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }]);
    expect(statusOf(run(data), 'root-account-usage')?.status).toBe('fail');
    const reads = adv([{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }]);
    expect(statusOf(run(reads), 'root-account-usage')?.status).toBe('fail');
    const noKms = adv([{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }]);
    expect(statusOf(run(noKms), 'cmk-disable-or-deletion')?.status).toBe('fail');
    expect(statusOf(run(noKms), 'root-account-usage')?.status).toBe('needs-review');
    const all = adv([{ Field: 'eventCategory', Equals: ['Management'] }]);
    expect(statusOf(run(all), 'cmk-disable-or-deletion')?.status).toBe('pass');
  });

  it('evidence collected before trail status and selectors were read is never a pass: they are not recorded', () => {
    for (const drop of ['statuses', 'selectors'] as const) {
      const results = run((d) => {
        delete d[drop];
      });
      expect(results.some((r) => r.status === 'pass')).toBe(false);
      expect(statusOf(results, 'root-account-usage')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('is not recorded in this evidence') });
    }
  });

  it('one of two trails on the group delivering is enough', () => {
    const results = run((d) => {
      const second = { ...trail(d), Name: 'stopped', TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/stopped` };
      d.describeTrails.trailList!.push(second);
      d.statuses!.push({ trailARN: second.TrailARN, status: { IsLogging: false } });
      d.selectors!.push({ trailARN: second.TrailARN, response: d.selectors![0].response });
    });
    expect(statusOf(results, 'root-account-usage')?.status).toBe('pass');
  });
});

describe('against the simulated AWS', () => {
  const q = queryById('cloudwatch.security-alarms')!;

  it('a stopped trail: GetTrailStatus and GetEventSelectors are kept verbatim and nothing passes', async () => {
    const world = demoWorld({ now: new Date() });
    const acct = world.accounts.get(DEMO_ACCOUNT_ID)!;
    const t = cloudTrailTrails(acct).trails.find((x) => x.trail.Name === 'management-events')!;
    t.status = { ...t.status, IsLogging: false };
    const session = await startSession(world);
    try {
      const { results, calls, data } = await session.run(q, 'us-east-1');
      expect(calls.map((c) => c.operation).slice(0, 3)).toEqual(['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors']);
      const d = data as SecurityAlarmsEvidence;
      expect(d.statuses).toEqual([{ trailARN: t.trail.TrailARN, status: expect.objectContaining({ IsLogging: false }) }]);
      expect(d.selectors).toEqual([{ trailARN: t.trail.TrailARN, response: { TrailARN: t.trail.TrailARN, EventSelectors: [expect.objectContaining({ ReadWriteType: 'All', IncludeManagementEvents: true })] } }]);
      expect(results.some((r) => r.status === 'pass')).toBe(false);
      expect(results.find((r) => r.resource.endsWith('#root-account-usage'))?.status).toBe('fail');
    } finally {
      await session.close();
    }
  });

  it('an organisation trail of another account: its log group is not read here', async () => {
    const world = demoWorld({ now: new Date() });
    const acct = world.accounts.get(DEMO_ACCOUNT_ID)!;
    const t = cloudTrailTrails(acct).trails.find((x) => x.trail.Name === 'management-events')!;
    t.trail = { ...t.trail, IsOrganizationTrail: true, CloudWatchLogsLogGroupArn: t.trail.CloudWatchLogsLogGroupArn!.replace(DEMO_ACCOUNT_ID, MGMT) };
    const session = await startSession(world);
    try {
      const { results, calls } = await session.run(q, 'us-east-1');
      expect(calls.map((c) => c.operation)).toEqual(['cloudtrail:DescribeTrails']);
      expect(results).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining(`in account ${MGMT}`) })]);
    } finally {
      await session.close();
    }
  });
});
