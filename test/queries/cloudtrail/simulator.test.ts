import { describe, expect, it } from 'vitest';
import { queries } from '../../../src/queries/cloudtrail/index.js';
import { queryById } from '../../../src/queries/index.js';
import type { QueryParameters } from '../../../src/queries/types.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;
const BASELINE = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events';
const LEGACY = 'arn:aws:cloudtrail:us-west-2:111122223333:trail/legacy-app-trail';

describe('CloudTrail queries against the simulated demo account', () => {
  it('cloudtrail.trail-logging: both regions are covered by the multi-region trail; the stopped legacy trail beside it needs review', async () => {
    expect(statusOf((await session.run(q('cloudtrail.trail-logging'), 'us-east-1')).results)).toEqual({ account: 'pass', [BASELINE]: 'pass' });
    const west = await session.run(q('cloudtrail.trail-logging'), 'us-west-2');
    expect(statusOf(west.results)).toEqual({ account: 'pass', [LEGACY]: 'needs-review' });
    expect(west.results.find((r) => r.resource === LEGACY)?.reason).toContain('region us-west-2 is still recorded by multi-region trail management-events');
    // The shadow trail's status is asked for by ARN from the other region.
    expect(west.calls.filter((c) => c.operation === 'cloudtrail:GetTrailStatus').map((c) => (c.input as { Name: string }).Name).sort()).toEqual([BASELINE, LEGACY]);
    expect(west.calls.filter((c) => c.operation === 'cloudtrail:GetEventSelectors').map((c) => (c.input as { TrailName: string }).TrailName).sort()).toEqual([BASELINE, LEGACY]);
    expect(west.results.find((r) => r.resource === LEGACY)?.reason).toContain('only write (not read) management events');
  });

  it('cloudtrail.log-file-validation, trail-encryption and cloudwatch-logs judge each trail in its home region', async () => {
    for (const id of ['cloudtrail.log-file-validation', 'cloudtrail.trail-encryption', 'cloudtrail.cloudwatch-logs']) {
      expect(statusOf((await session.run(q(id), 'us-east-1')).results)).toEqual({ [BASELINE]: 'pass' });
      // The legacy trail sends nothing to CloudWatch Logs, but the multi-region trail carries the region's management events there.
      expect(statusOf((await session.run(q(id), 'us-west-2')).results)).toEqual({ [LEGACY]: id === 'cloudtrail.cloudwatch-logs' ? 'needs-review' : 'fail' });
    }
    // cloudwatch-logs reads the shadow trail's status and selectors by ARN from us-west-2.
    const west = await session.run(q('cloudtrail.cloudwatch-logs'), 'us-west-2');
    for (const op of ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors']) {
      expect(west.calls.filter((c) => c.operation === op).map((c) => Object.values(c.input as object)[0])).toEqual([BASELINE]);
    }
  });

  it('cloudtrail.s3-data-events: no trail records S3 data events', async () => {
    const { results, calls } = await session.run(q('cloudtrail.s3-data-events'), 'us-west-2');
    expect(statusOf(results)).toEqual({ account: 'fail' });
    expect(calls.filter((c) => c.operation === 'cloudtrail:GetEventSelectors')).toHaveLength(2);
  });

  it('cloudtrail.sensitive-activity: lists StopLogging, PutBucketPolicy and the failed console sign-in for review', async () => {
    // A short list keeps the test quick at 2 LookupEvents per second; ConsoleLogin is always searched.
    const sensitiveEvents = ['StopLogging', 'PutBucketPolicy', 'DeleteTrail'];
    const west = await session.run(q('cloudtrail.sensitive-activity'), 'us-west-2', { sensitiveEvents });
    expect(west.results.map((r) => r.resource.split('/')[0]).sort()).toEqual(['PutBucketPolicy', 'StopLogging']);
    expect(new Set(west.results.map((r) => r.status))).toEqual(new Set(['needs-review']));
    expect(west.results.find((r) => r.resource.startsWith('StopLogging'))?.reason).toContain('bob.dev');
    const east = await session.run(q('cloudtrail.sensitive-activity'), 'us-east-1', { sensitiveEvents });
    expect(east.results).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('failed ConsoleLogin') })]);
    // One search per configured event name, each bounded to the lookback window.
    const searches = east.calls.filter((c) => c.operation === 'cloudtrail:LookupEvents');
    expect(searches.map((c) => (c.input as { LookupAttributes: { AttributeValue: string }[] }).LookupAttributes[0].AttributeValue)).toEqual([...sensitiveEvents, 'ConsoleLogin']);
    // The window starts the look-back (24 h) plus the overlap (60 min by default) before now, so consecutive daily runs
    // overlap; the evidence records the window actually searched.
    for (const search of searches) {
      const input = search.input as { StartTime: Date; EndTime: Date };
      expect(input.EndTime.getTime()).toBe(session.now.getTime());
      expect(input.StartTime.getTime()).toBe(session.now.getTime() - 24 * 3_600_000 - 60 * 60_000);
    }
    expect(east.data).toMatchObject({ startTime: new Date(session.now.getTime() - 25 * 3_600_000).toISOString(), endTime: session.now.toISOString() });
  });

  it('cloudtrail.sensitive-activity: collect.eventOverlapMinutes sets how far before the look-back window the search starts', async () => {
    const run = await session.run(q('cloudtrail.sensitive-activity'), 'us-east-1', { sensitiveEvents: ['StopLogging'], lookbackHours: 12, eventOverlapMinutes: 15 });
    const start = session.now.getTime() - 12 * 3_600_000 - 15 * 60_000;
    for (const c of run.calls.filter((x) => x.operation === 'cloudtrail:LookupEvents')) expect((c.input as { StartTime: Date }).StartTime.getTime()).toBe(start);
    expect(run.data).toMatchObject({ startTime: new Date(start).toISOString(), endTime: session.now.toISOString() });
  });

  it('cloudtrail.log-bucket-retention: nothing deletes the logs early, but nothing locks them either', async () => {
    const east = await session.run(q('cloudtrail.log-bucket-retention'), 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ resource: BASELINE, status: 'needs-review', reason: expect.stringContaining('no Object Lock') })]);
    expect(statusOf((await session.run(q('cloudtrail.log-bucket-retention'), 'us-west-2')).results)).toEqual({ [LEGACY]: 'needs-review' });
  });

  it('runs every CloudTrail query in both demo regions without an error result', async () => {
    for (const query of queries) {
      for (const region of ['us-east-1', 'us-west-2']) {
        const params: QueryParameters = query.id === 'cloudtrail.sensitive-activity' ? { sensitiveEvents: ['DeleteTrail'] } : {};
        expect((await session.run(query, region, params)).results.filter((r) => r.status === 'error')).toEqual([]);
      }
    }
  });
});
