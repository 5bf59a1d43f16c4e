import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/cloudtrail/index.js';
import { trailLogging } from '../../../src/queries/cloudtrail/trail-logging.js';
import { logFileValidation } from '../../../src/queries/cloudtrail/log-file-validation.js';
import { trailEncryption } from '../../../src/queries/cloudtrail/trail-encryption.js';
import { cloudWatchLogs } from '../../../src/queries/cloudtrail/cloudwatch-logs.js';
import { s3DataEvents } from '../../../src/queries/cloudtrail/s3-data-events.js';
import { sensitiveActivity } from '../../../src/queries/cloudtrail/sensitive-activity.js';
import { logBucketRetention } from '../../../src/queries/cloudtrail/log-bucket-retention.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import {
  COLLECTED_AT,
  allS3BasicSelectors,
  allS3DataSelectors,
  appBucketLifecycle,
  appSelectors,
  appStatus,
  appTrail,
  baselineSelectors,
  baselineStatus,
  baselineTrail,
  describeTrailsNone,
  describeTrailsUsEast1,
  describeTrailsUsWest2,
  failedConsoleLogin,
  lockedBucketLifecycle,
  lockedBucketObjectLock,
  stopLoggingEvent,
  successfulConsoleLogin,
} from '../../fixtures/cloudtrail/trails.js';

const east = { accountId: '111122223333', region: 'us-east-1', collectedAt: COLLECTED_AT };
const west = { ...east, region: 'us-west-2' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, ctx = east, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

const BASELINE = baselineTrail.TrailARN!;
const APP = appTrail.TrailARN!;
const statuses = [
  { trailARN: BASELINE, status: baselineStatus },
  { trailARN: APP, status: appStatus },
];
/**
 * The demo package's us-west-2 (evidence E-0027): a stopped single-region write-only trail created there, beside the
 * multi-region baseline (logging, all read and write management events, delivering to CloudWatch Logs) as its shadow.
 */
const legacyTrail = { ...appTrail, Name: 'legacy-app-trail', HomeRegion: 'us-west-2', TrailARN: 'arn:aws:cloudtrail:us-west-2:111122223333:trail/legacy-app-trail' };
const LEGACY = legacyTrail.TrailARN;
const legacyStopped = { IsLogging: false, LatestDeliveryTime: new Date('2025-06-01T06:00:00.000Z'), StopLoggingTime: new Date('2025-06-01T06:00:00.000Z') };
const legacyWriteOnly = { TrailARN: LEGACY, EventSelectors: [{ ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] };
const westWithLegacy = { trailList: [baselineTrail, legacyTrail] };

describe('CloudTrail query registry', () => {
  it('registers the eight trail queries as regional queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(
      [
        'cloudtrail.cloudwatch-logs',
        'cloudtrail.digest-validation',
        'cloudtrail.log-bucket-retention',
        'cloudtrail.log-file-validation',
        'cloudtrail.s3-data-events',
        'cloudtrail.sensitive-activity',
        'cloudtrail.trail-encryption',
        'cloudtrail.trail-logging',
      ].sort(),
    );
    for (const q of queries) expect(q.scope).toBe('regional');
  });
});

describe('cloudtrail.trail-logging', () => {
  const selectors = [
    { trailARN: BASELINE, response: baselineSelectors },
    { trailARN: APP, response: appSelectors },
  ];
  it('passes the region through the multi-region trail; the stopped trail beside it, with its delivery error, needs review', () => {
    const r = evaluateBoth(trailLogging, { describeTrails: describeTrailsUsEast1, statuses, selectors });
    expect(statusOf(r)).toEqual({ account: 'pass', [BASELINE]: 'pass', [APP]: 'needs-review' });
    const app = r.find((x) => x.resource === APP)!;
    expect(app.reason).toContain('logging is stopped since 2025-05-28T17:45:00.000Z');
    expect(app.reason).toContain('AccessDenied');
    expect(app.reason).toContain('selectors record no management events');
    expect(app.reason).toContain('region us-east-1 is still recorded by multi-region trail management-events (logging');
  });
  it('a stopped additional trail is no gap while a qualifying trail records the region: needs review naming that trail and the StopLogging evidence; without one it still fails', () => {
    const west2 = { describeTrails: westWithLegacy, statuses: [{ trailARN: BASELINE, status: baselineStatus }, { trailARN: LEGACY, status: legacyStopped }], selectors: [{ trailARN: BASELINE, response: baselineSelectors }, { trailARN: LEGACY, response: legacyWriteOnly }] };
    const r = evaluateBoth(trailLogging, west2, west);
    expect(statusOf(r)).toEqual({ account: 'pass', [LEGACY]: 'needs-review' });
    const legacy = r.find((x) => x.resource === LEGACY)!.reason;
    expect(legacy).toContain('trail legacy-app-trail: logging is stopped since 2025-06-01T06:00:00.000Z (not a record of all management activity: it records only write (not read) management events)');
    expect(legacy).toContain('region us-west-2 is still recorded by multi-region trail management-events (logging, delivering without error, with global service events and all read and write management events)');
    expect(legacy).toContain('was stopped and by whom (the cloudtrail.sensitive-activity evidence lists the StopLogging events');
    // The baseline stopped too, or recording only writes: no qualifying trail records the region, and the stopped trail fails as before.
    const baselineStopped = { ...west2, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, IsLogging: false } }, west2.statuses[1]] };
    expect(statusOf(evaluateBoth(trailLogging, baselineStopped, west))).toEqual({ account: 'fail', [LEGACY]: 'fail' });
    const baselineWriteOnly = { ...west2, selectors: [{ trailARN: BASELINE, response: { ...legacyWriteOnly, TrailARN: BASELINE } }, west2.selectors[1]] };
    expect(statusOf(evaluateBoth(trailLogging, baselineWriteOnly, west))).toEqual({ account: 'fail', [LEGACY]: 'fail' });
    // A stopped multi-region trail beside the baseline: the account, not only this region, is still recorded.
    const spare = { ...legacyTrail, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true };
    const multi = evaluateBoth(trailLogging, { ...west2, describeTrails: { trailList: [baselineTrail, spare] } }, west);
    expect(multi.find((x) => x.resource === LEGACY)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('region us-west-2 and every other region is still recorded by multi-region trail management-events') });
    // A trail that is logging but fails delivery, beside the baseline: review the delivery, not who stopped it.
    const failing = { ...west2, statuses: [west2.statuses[0], { trailARN: LEGACY, status: { IsLogging: true, LatestDeliveryError: 'AccessDenied' } }] };
    expect(evaluateBoth(trailLogging, failing, west).find((x) => x.resource === LEGACY)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('review why this trail fails to deliver') });
  });
  it('passes a region covered only by a shadow trail, without judging the trail again', () => {
    const r = evaluateBoth(trailLogging, { describeTrails: describeTrailsUsWest2, statuses: statuses.slice(0, 1), selectors: selectors.slice(0, 1) }, west);
    expect(statusOf(r)).toEqual({ account: 'pass' });
  });
  it('fails a region whose multi-region trail is stopped, or that has no trail at all', () => {
    const stopped = { describeTrails: describeTrailsUsWest2, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, IsLogging: false } }], selectors };
    expect(statusOf(evaluateBoth(trailLogging, stopped, west))).toEqual({ account: 'fail' });
    const none = evaluateBoth(trailLogging, { describeTrails: describeTrailsNone, statuses: [], selectors: [] }, west);
    expect(none).toEqual([expect.objectContaining({ resource: 'account', status: 'fail', reason: expect.stringContaining('no trail at all') })]);
  });
  it('does not count a multi-region trail without global service events; a trail with no status or selector evidence is a gap', () => {
    const noGlobal = { trailList: [{ ...baselineTrail, IncludeGlobalServiceEvents: false }] };
    expect(statusOf(evaluateBoth(trailLogging, { describeTrails: noGlobal, statuses: statuses.slice(0, 1), selectors }, west))).toEqual({ account: 'fail' });
    expect(statusOf(evaluateBoth(trailLogging, { describeTrails: describeTrailsUsWest2, statuses: [], selectors }, west))).toEqual({ account: 'error' });
    expect(statusOf(evaluateBoth(trailLogging, { describeTrails: describeTrailsUsWest2, statuses: statuses.slice(0, 1) }, west))).toEqual({ account: 'error' });
    expect(statusOf(evaluateBoth(trailLogging, { describeTrails: describeTrailsUsEast1, statuses: statuses.slice(0, 1), selectors }))[APP]).toBe('error');
  });
  it('a write-only or management-excluding trail does not pass "records all management activity" (10.2.1)', () => {
    const only = (response: Record<string, unknown>) => ({ describeTrails: describeTrailsUsWest2, statuses: statuses.slice(0, 1), selectors: [{ trailARN: BASELINE, response }] });
    const writeOnly = evaluateBoth(trailLogging, only({ EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] }), west);
    expect(writeOnly).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('only write (not read) management events') })]);
    const noManagement = evaluateBoth(trailLogging, only({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [] }] }), west);
    expect(noManagement[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('record no management events') });
    const kmsExcluded = evaluateBoth(trailLogging, only({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }] }), west);
    expect(kmsExcluded[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('exclude management events from kms.amazonaws.com') });
    const advancedReadOnly = evaluateBoth(
      trailLogging,
      only({ AdvancedEventSelectors: [{ Name: 'reads', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }] }] }),
      west,
    );
    expect(advancedReadOnly[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('only read (not write)') });
    // Basic selectors that omit IncludeManagementEvents and ReadWriteType record everything (the API defaults).
    expect(evaluateBoth(trailLogging, only({ EventSelectors: [{}] }), west)[0].status).toBe('pass');
  });
});

describe('cloudtrail.log-file-validation and cloudtrail.trail-encryption', () => {
  it('judge each trail in its home region', () => {
    expect(statusOf(evaluateBoth(logFileValidation, { describeTrails: describeTrailsUsEast1, statuses }))).toEqual({ [BASELINE]: 'pass', [APP]: 'fail' });
    expect(statusOf(evaluateBoth(trailEncryption, describeTrailsUsEast1))).toEqual({ [BASELINE]: 'pass', [APP]: 'fail' });
  });
  it('defer shadow trails to their home region and fail a region with no trail', () => {
    const r = evaluateBoth(logFileValidation, describeTrailsUsWest2, west);
    expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'not-applicable', reason: expect.stringContaining('home region us-east-1') })]);
    expect(statusOf(evaluateBoth(trailEncryption, describeTrailsNone, west))).toEqual({ account: 'fail' });
  });
  it('report missing evidence as an error', () => {
    expect(statusOf(evaluateBoth(trailEncryption, {}))).toEqual({ account: 'error' });
  });
  it('log-file-validation passes only a trail that delivered a digest file within the last hours without a delivery error', () => {
    const judge = (status: object) => evaluateBoth(logFileValidation, { describeTrails: describeTrailsUsEast1, statuses: [{ trailARN: BASELINE, status }] }).find((r) => r.resource === BASELINE)!;
    expect(judge(baselineStatus)).toMatchObject({ status: 'pass', reason: expect.stringContaining('delivered a digest file to s3://') });
    // A bucket policy denying the CloudTrail-Digest/ prefix: validation is on, but no digest file is written.
    expect(judge({ ...baselineStatus, LatestDigestDeliveryError: 'AccessDenied' })).toMatchObject({ status: 'fail', reason: expect.stringContaining('latest digest delivery to s3://') });
    expect(judge({ ...baselineStatus, LatestDigestDeliveryTime: new Date('2025-06-01T06:00:00.000Z') })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('more than 3 hours before collection') });
    expect(judge({ ...baselineStatus, LatestDigestDeliveryTime: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('records no digest delivery') });
    expect(judge({ ...baselineStatus, IsLogging: false })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not logging') });
    const failed = evaluateBoth(logFileValidation, { describeTrails: describeTrailsUsEast1, statuses: [{ trailARN: BASELINE, error: { code: 'AccessDeniedException', message: 'denied' } }] });
    expect(failed.find((r) => r.resource === BASELINE)).toMatchObject({ status: 'error', reason: expect.stringContaining('GetTrailStatus failed with AccessDeniedException') });
  });
  it('log-file-validation evidence sealed before it read GetTrailStatus needs review: the setting alone does not show digest files are written', () => {
    expect(statusOf(evaluateBoth(logFileValidation, describeTrailsUsEast1))).toEqual({ [BASELINE]: 'needs-review', [APP]: 'fail' });
  });
});

describe('cloudtrail.cloudwatch-logs', () => {
  const baselineRead = { statuses: statuses.slice(0, 1), selectors: [{ trailARN: BASELINE, response: baselineSelectors }] };
  it('passes a recent delivery; a trail with no log group beside a trail carrying all management events there needs review', () => {
    const r = evaluateBoth(cloudWatchLogs, { describeTrails: describeTrailsUsEast1, ...baselineRead });
    expect(statusOf(r)).toEqual({ [BASELINE]: 'pass', [APP]: 'needs-review' });
  });
  it('fails a trail with no log group only when no other trail recording the region (logging, all read and write management events) delivers to CloudWatch Logs', () => {
    // The demo's us-west-2: the multi-region baseline (a shadow trail here) delivers the region's management events.
    const r = evaluateBoth(cloudWatchLogs, { describeTrails: westWithLegacy, ...baselineRead }, west);
    expect(r).toEqual([expect.objectContaining({ resource: LEGACY, status: 'needs-review' })]);
    expect(r[0].reason).toContain('trail legacy-app-trail does not deliver events to CloudWatch Logs');
    expect(r[0].reason).toContain(`region us-west-2's management events still reach CloudWatch Logs through trail management-events (logging, all read and write management events, latest delivery to ${baselineTrail.CloudWatchLogsLogGroupArn} at 2025-06-01T11:58:00.000Z)`);
    expect(r[0].reason).toContain('data or Insights events');
    const legacyOf = (data: object) => evaluateBoth(cloudWatchLogs, { describeTrails: westWithLegacy, ...data }, west).find((x) => x.resource === LEGACY)!;
    // The other trail stopped, recording only writes, or its delivery stale: no qualifying trail, the trail fails.
    expect(legacyOf({ ...baselineRead, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, IsLogging: false } }] }).status).toBe('fail');
    expect(legacyOf({ ...baselineRead, selectors: [{ trailARN: BASELINE, response: { ...legacyWriteOnly, TrailARN: BASELINE } }] }).status).toBe('fail');
    expect(legacyOf({ ...baselineRead, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, LatestCloudWatchLogsDeliveryTime: new Date('2025-05-30T00:00:00.000Z') } }] }).status).toBe('fail');
    expect(legacyOf({ describeTrails: { trailList: [legacyTrail] }, statuses: [], selectors: [] })).toMatchObject({ status: 'fail', reason: 'trail legacy-app-trail does not deliver events to CloudWatch Logs' });
    // The other trail's status or selectors unread: unknown, never a pass or a fail.
    expect(legacyOf({ ...baselineRead, selectors: [{ trailARN: BASELINE, error: { code: 'AccessDeniedException', message: 'denied' } }] })).toMatchObject({ status: 'error', reason: expect.stringContaining('GetEventSelectors failed with AccessDeniedException') });
    // Evidence sealed before the check read the other trails' status and selectors.
    expect(legacyOf({ statuses: [] })).toMatchObject({ status: 'error', reason: expect.stringContaining('collected before the check read the status and event selectors') });
  });
  it('fails a stale delivery, a delivery error and a trail that never delivered', () => {
    const only = { trailList: [baselineTrail] };
    const stale = { describeTrails: only, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, LatestCloudWatchLogsDeliveryTime: new Date('2025-05-30T00:00:00.000Z') } }] };
    expect(evaluateBoth(cloudWatchLogs, stale)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('more than 24 hours') });
    expect(evaluateBoth(cloudWatchLogs, stale, east, { maxDeliveryAgeHours: 72 })[0].status).toBe('pass');
    const failing = { describeTrails: only, statuses: [{ trailARN: BASELINE, status: { ...baselineStatus, LatestCloudWatchLogsDeliveryError: 'AccessDeniedException' } }] };
    expect(evaluateBoth(cloudWatchLogs, failing)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('AccessDeniedException') });
    const never = { describeTrails: only, statuses: [{ trailARN: BASELINE, status: { IsLogging: true } }] };
    expect(evaluateBoth(cloudWatchLogs, never)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('never delivered') });
    expect(evaluateBoth(cloudWatchLogs, { describeTrails: only, statuses: [] })[0].status).toBe('error');
  });
});

describe('cloudtrail.s3-data-events', () => {
  const selectors = (base: typeof baselineSelectors) => [
    { trailARN: BASELINE, response: base },
    { trailARN: APP, response: appSelectors },
  ];
  // Both trails logging; the app trail's own status (stopped, delivery failing) where a test says so.
  const logging = [
    { trailARN: BASELINE, status: baselineStatus },
    { trailARN: APP, status: baselineStatus },
  ];
  it('needs review when only some buckets or only writes are recorded', () => {
    const r = evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsEast1, selectors: selectors(baselineSelectors), statuses: logging });
    expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'needs-review', reason: expect.stringContaining('writes only for arn:aws:s3:::cardholder-data/') })]);
  });
  it('passes when a trail that is logging records reads and writes in every bucket (advanced or basic selectors)', () => {
    const r = evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsEast1, selectors: selectors(allS3DataSelectors), statuses: logging });
    expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'pass', reason: expect.stringContaining('is logging and delivering without error') })]);
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsWest2, selectors: [{ trailARN: BASELINE, response: allS3BasicSelectors }], statuses: logging }, west))).toEqual({ account: 'pass' });
  });
  it('credits no trail that is not logging: the right selectors on a stopped trail fail, naming the trail', () => {
    const stopped = [
      { trailARN: BASELINE, status: { ...baselineStatus, IsLogging: false } },
      { trailARN: APP, status: appStatus },
    ];
    const r = evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsEast1, selectors: selectors(allS3DataSelectors), statuses: stopped });
    expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'fail', reason: expect.stringContaining(`trail ${baselineTrail.Name} selects S3 data events but logging is stopped`) })]);
    expect(r[0].reason).toContain(`trail ${appTrail.Name} selects S3 data events but logging is stopped since 2025-05-28T17:45:00.000Z and the latest delivery to s3://`);
    // A delivery error alone keeps the trail from being credited.
    const failing = [{ trailARN: BASELINE, status: { ...baselineStatus, LatestDeliveryError: 'NoSuchBucket' } }];
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsWest2, selectors: [{ trailARN: BASELINE, response: allS3BasicSelectors }], statuses: failing }, west))).toEqual({ account: 'fail' });
    // A healthy trail recording every bucket still passes beside a stopped one.
    const partial = evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsEast1, selectors: [{ trailARN: BASELINE, response: allS3DataSelectors }, { trailARN: APP, response: appSelectors }], statuses: [logging[0], { trailARN: APP, status: appStatus }] });
    expect(statusOf(partial)).toEqual({ account: 'pass' });
  });
  it('fails when no trail records S3 data events, and errors when selectors or trail status are missing', () => {
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsWest2, selectors: [{ trailARN: BASELINE, response: baselineSelectors }], statuses: logging }, west))).toEqual({ account: 'fail' });
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsNone, selectors: [] }, west))).toEqual({ account: 'fail' });
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsWest2, selectors: [] }, west))).toEqual({ account: 'error' });
    expect(statusOf(evaluateBoth(s3DataEvents, { describeTrails: describeTrailsUsWest2, selectors: [{ trailARN: BASELINE, response: allS3BasicSelectors }] }, west))).toEqual({ account: 'error' });
  });
});

describe('cloudtrail.sensitive-activity', () => {
  const window = { startTime: '2025-05-31T12:00:00.000Z', endTime: COLLECTED_AT };
  it('lists each sensitive event and each failed console sign-in for review, never as a failure', () => {
    const data = {
      ...window,
      lookups: [
        { eventName: 'StopLogging', events: [stopLoggingEvent] },
        { eventName: 'DeleteTrail', events: [] },
        { eventName: 'ConsoleLogin', events: [successfulConsoleLogin, failedConsoleLogin] },
      ],
    };
    const r = evaluateBoth(sensitiveActivity, data);
    expect(r.map((x) => x.status)).toEqual(['needs-review', 'needs-review']);
    expect(r[0]).toMatchObject({ resource: `StopLogging/${stopLoggingEvent.EventId}`, reason: expect.stringContaining('arn:aws:iam::111122223333:user/ops-admin') });
    expect(r[0].reason).toContain('198.51.100.7');
    expect(r[1]).toMatchObject({ resource: `ConsoleLogin/${failedConsoleLogin.EventId}`, reason: expect.stringContaining('failed ConsoleLogin') });
  });
  it('passes a quiet window and names what was searched', () => {
    const data = { ...window, lookups: [{ eventName: 'StopLogging', events: [] }, { eventName: 'ConsoleLogin', events: [successfulConsoleLogin] }] };
    expect(evaluateBoth(sensitiveActivity, data)).toEqual([
      expect.objectContaining({ resource: 'account', status: 'pass', reason: expect.stringContaining('no StopLogging events and no failed console sign-ins between 2025-05-31T12:00:00.000Z') }),
    ]);
  });
  it('summarises beyond twenty events of one name', () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ ...stopLoggingEvent, EventId: `e-${i}` }));
    const r = evaluateBoth(sensitiveActivity, { ...window, lookups: [{ eventName: 'StopLogging', events: many }] });
    expect(r).toHaveLength(21);
    expect(r[20]).toMatchObject({ resource: 'StopLogging/more', status: 'needs-review', reason: expect.stringContaining('3 more StopLogging events') });
  });
  it('errors when the evidence holds no searches', () => {
    expect(statusOf(evaluateBoth(sensitiveActivity, {}))).toEqual({ account: 'error' });
  });
});

describe('cloudtrail.trail-encryption: whose key', () => {
  const foreignKey = 'arn:aws:kms:us-east-1:999988887777:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
  it('needs review when the KMS key belongs to another account than the trail, which then controls the key policy', () => {
    const r = evaluateBoth(trailEncryption, { trailList: [{ ...baselineTrail, KmsKeyId: foreignKey }] });
    expect(r[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the key policy is controlled by account 999988887777: it can disable the key') });
  });
  it('compares with the trail\'s own account (from its ARN), so an organization trail seen from a member passes with the management account\'s key', () => {
    const orgTrail = { ...baselineTrail, IsOrganizationTrail: true, TrailARN: 'arn:aws:cloudtrail:us-east-1:999988887777:trail/org', KmsKeyId: foreignKey };
    expect(evaluateBoth(trailEncryption, { trailList: [orgTrail] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining("of the trail's account 999988887777") });
  });
  it('judges a key named by alias or bare id as today', () => {
    expect(evaluateBoth(trailEncryption, { trailList: [{ ...baselineTrail, KmsKeyId: 'alias/cloudtrail' }] })[0].status).toBe('pass');
    expect(evaluateBoth(trailEncryption, { trailList: [{ ...baselineTrail, KmsKeyId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' }] })[0].status).toBe('pass');
  });
});

describe('cloudtrail.log-bucket-retention', () => {
  const buckets = [
    { bucket: 'cloudtrail-logs-111122223333', region: 'us-east-1', objectLock: lockedBucketObjectLock, lifecycle: lockedBucketLifecycle },
    {
      bucket: 'app-trail-logs',
      region: 'us-east-1',
      objectLock: { error: { code: 'ObjectLockConfigurationNotFoundError', message: 'Object Lock configuration does not exist for this bucket' } },
      lifecycle: appBucketLifecycle,
    },
  ];
  it('passes a locked bucket and fails one whose lifecycle deletes logs before the required period', () => {
    const r = evaluateBoth(logBucketRetention, { describeTrails: describeTrailsUsEast1, buckets });
    expect(statusOf(r)).toEqual({ [BASELINE]: 'pass', [APP]: 'fail' });
    expect(r.find((x) => x.resource === APP)?.reason).toContain('lifecycle rule "expire-90" deletes them after 90 days');
    expect(r.find((x) => x.resource === APP)?.reason).not.toContain('tagged-only');
  });
  it('does not pass GOVERNANCE-mode retention, which s3:BypassGovernanceRetention can lift (10.3.4)', () => {
    const governance = [{ ...buckets[0], objectLock: { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const, Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 400 } } } } }];
    const r = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: governance });
    expect(r[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('s3:BypassGovernanceRetention') });
  });
  it('applies the HIPAA six-year parameter: a 400-day lock is then not enough', () => {
    const r = evaluateBoth(logBucketRetention, { describeTrails: describeTrailsUsEast1, buckets }, east, { minimumRetentionDays: 2190 });
    expect(statusOf(r)[BASELINE]).toBe('needs-review');
    expect(r.find((x) => x.resource === BASELINE)?.reason).toContain('only 400 days');
  });
  it('needs review when nothing deletes logs but nothing locks them either', () => {
    const unlocked = [{ ...buckets[1], lifecycle: { error: { code: 'NoSuchLifecycleConfiguration', message: 'The lifecycle configuration does not exist' } } }];
    const r = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [appTrail] }, buckets: unlocked });
    expect(r[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no Object Lock') });
  });
  it('flags archiving before three months even when the lock is long enough', () => {
    const early = [{ ...buckets[0], lifecycle: { Rules: [{ ID: 'glacier-30', Status: 'Enabled' as const, Filter: { Prefix: 'org/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' as const }] }] } }];
    const r = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: early });
    expect(r[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GLACIER after 30 days') });
  });
  it('flags a date-based archive transition: from its date S3 archives every matching log file, however new', () => {
    const byDate = (date: string) => [{ ...buckets[0], lifecycle: { Rules: [{ ID: 'archive-all', Status: 'Enabled' as const, Filter: { Prefix: '' }, Transitions: [{ Date: new Date(date), StorageClass: 'DEEP_ARCHIVE' as const }] }] } }];
    const past = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: byDate('2024-01-01T00:00:00.000Z') });
    expect(past[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lifecycle rule "archive-all" moves them to DEEP_ARCHIVE since 2024-01-01, however new') });
    // A date after the collection is no better: on that date the log files of the last three months are archived too.
    const future = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: byDate('2027-01-01T00:00:00.000Z') });
    expect(future[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('moves them to DEEP_ARCHIVE on 2027-01-01, however new') });
    // Date-based moves to a class that stays immediately readable are not archiving.
    const ia = [{ ...buckets[0], lifecycle: { Rules: [{ ID: 'ia', Status: 'Enabled' as const, Filter: { Prefix: '' }, Transitions: [{ Date: new Date('2024-01-01T00:00:00.000Z'), StorageClass: 'STANDARD_IA' as const }] }] } }];
    expect(evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: ia })[0].status).toBe('pass');
  });
  it('fails a date-based expiration even when the date is more than the required period away: from then on it deletes every new log file', () => {
    const later = [{ ...buckets[0], lifecycle: { Rules: [{ ID: 'expire-on', Status: 'Enabled' as const, Filter: { Prefix: 'org/' }, Expiration: { Date: new Date('2030-01-01T00:00:00.000Z') } }] } }];
    const r = evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: later });
    expect(r[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('lifecycle rule "expire-on" deletes them on 2030-01-01, however new') });
  });
  it('keeps the other trails\' results when one bucket cannot be read: only that trail is a gap', () => {
    const denied = { describeTrails: describeTrailsUsEast1, buckets: buckets.slice(0, 1), unreadable: [{ bucket: 'app-trail-logs', error: { code: 'AccessDenied', message: 'Access Denied' } }] };
    const r = evaluateBoth(logBucketRetention, denied);
    expect(statusOf(r)).toEqual({ [BASELINE]: 'pass', [APP]: 'error' });
    expect(r.find((x) => x.resource === APP)?.reason).toContain('AccessDenied');
  });
  it('errors when the bucket evidence is missing and defers shadow trails', () => {
    expect(statusOf(evaluateBoth(logBucketRetention, { describeTrails: { trailList: [baselineTrail] }, buckets: [] }))).toEqual({ [BASELINE]: 'error' });
    expect(statusOf(evaluateBoth(logBucketRetention, { describeTrails: describeTrailsUsWest2, buckets: [] }, west))).toEqual({ account: 'not-applicable' });
  });
});

describe('cancellation', () => {
  it('cloudtrail.sensitive-activity stops before its next search once the run is aborted', async () => {
    const { AwsClientProvider } = await import('../../../src/aws/clients.js');
    const clients = new AwsClientProvider({ accountId: '111122223333', region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-used' } });
    const controller = new AbortController();
    controller.abort(new Error('SIGTERM'));
    await expect(
      sensitiveActivity.collect({ accountId: '111122223333', region: 'us-east-1', clients, params: {}, now: new Date(COLLECTED_AT), signal: controller.signal }),
    ).rejects.toThrow('SIGTERM');
    clients.destroy();
  });
});
