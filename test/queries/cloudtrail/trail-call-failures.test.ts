/**
 * A failed per-trail call (GetTrailStatus, GetEventSelectors) is kept as that trail's evidence: the other trails'
 * answers stand and only what the failed call would have shown is unjudged (error, or needs review where the check
 * already treats unread trail state so). Before, one failed call threw away the whole query's evidence.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { queryById } from '../../../src/queries/index.js';
import { trailLogging } from '../../../src/queries/cloudtrail/trail-logging.js';
import { cloudWatchLogs } from '../../../src/queries/cloudtrail/cloudwatch-logs.js';
import { s3DataEvents } from '../../../src/queries/cloudtrail/s3-data-events.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { DEMO_ACCOUNT_ID, simulatorCredentials } from '../../../src/simulator/index.js';
import {
  COLLECTED_AT,
  allS3DataSelectors,
  appSelectors,
  appStatus,
  appTrail,
  baselineSelectors,
  baselineStatus,
  baselineTrail,
  describeTrailsUsEast1,
} from '../../fixtures/cloudtrail/trails.js';
import { demoSession } from '../s3/simulated-collect.js';

const east = { accountId: '111122223333', region: 'us-east-1', collectedAt: COLLECTED_AT };
const BASELINE = baselineTrail.TrailARN!;
const APP = appTrail.TrailARN!;
const denied = { code: 'AccessDeniedException', message: 'User is not authorized to perform: cloudtrail:GetTrailStatus' };

function evaluate(q: EvidenceQuery<unknown>, data: unknown): ResourceResult[] {
  const params = Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
  const fresh = q.evaluate(data, params, east);
  expect(q.evaluate(JSON.parse(canonicalJson(data)), params, east)).toEqual(fresh);
  return fresh;
}
const by = (results: ResourceResult[], resource: string) => results.find((r) => r.resource === resource);

describe('a failed GetTrailStatus or GetEventSelectors for one trail', () => {
  it('cloudtrail.trail-logging: the failed trail is an error naming the failure; the other trail is still judged', () => {
    const data = {
      describeTrails: describeTrailsUsEast1,
      statuses: [{ trailARN: BASELINE, error: denied }, { trailARN: APP, status: { ...appStatus, IsLogging: true, LatestDeliveryError: undefined } }],
      selectors: [{ trailARN: BASELINE, response: baselineSelectors }, { trailARN: APP, response: appSelectors }],
    };
    const r = evaluate(trailLogging as EvidenceQuery<unknown>, data);
    expect(by(r, BASELINE)).toMatchObject({ status: 'error', reason: expect.stringContaining('GetTrailStatus failed with AccessDeniedException') });
    expect(by(r, APP)?.status).toBe('pass');
    // The only multi-region trail could not be judged: the region is a gap, never a pass or a fail.
    expect(by(r, 'account')).toMatchObject({ status: 'error', reason: expect.stringContaining('GetTrailStatus failed with AccessDeniedException') });
  });

  it('cloudtrail.trail-logging: failed selectors of the multi-region trail leave the region a gap, naming the failure', () => {
    const data = {
      describeTrails: describeTrailsUsEast1,
      statuses: [{ trailARN: BASELINE, status: baselineStatus }, { trailARN: APP, status: appStatus }],
      selectors: [{ trailARN: BASELINE, error: { code: 'TrailNotFoundException', message: 'Unknown trail' } }, { trailARN: APP, response: appSelectors }],
    };
    const r = evaluate(trailLogging as EvidenceQuery<unknown>, data);
    expect(by(r, 'account')).toMatchObject({ status: 'error', reason: expect.stringContaining('GetEventSelectors failed with TrailNotFoundException: Unknown trail') });
    expect(by(r, BASELINE)?.status).toBe('pass');
  });

  it('cloudtrail.cloudwatch-logs: the failed trail is an error naming the failure', () => {
    const trails = { trailList: [{ ...baselineTrail, CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:111122223333:log-group:trail:*' }] };
    const r = evaluate(cloudWatchLogs as EvidenceQuery<unknown>, { describeTrails: trails, statuses: [{ trailARN: BASELINE, error: denied }] });
    expect(r).toEqual([expect.objectContaining({ resource: BASELINE, status: 'error', reason: expect.stringContaining('GetTrailStatus failed with AccessDeniedException') })]);
  });

  it('cloudtrail.s3-data-events: a healthy trail recording every bucket passes beside a trail whose selectors failed; otherwise the unread trail makes it an error, never a fail', () => {
    const logging = [{ trailARN: BASELINE, status: baselineStatus }, { trailARN: APP, status: baselineStatus }];
    const passing = evaluate(s3DataEvents as EvidenceQuery<unknown>, {
      describeTrails: describeTrailsUsEast1,
      selectors: [{ trailARN: BASELINE, response: allS3DataSelectors }, { trailARN: APP, error: denied }],
      statuses: logging,
    });
    expect(passing).toEqual([expect.objectContaining({ status: 'pass' })]);
    const unknown = evaluate(s3DataEvents as EvidenceQuery<unknown>, {
      describeTrails: describeTrailsUsEast1,
      selectors: [{ trailARN: BASELINE, response: baselineSelectors }, { trailARN: APP, error: denied }],
      statuses: logging,
    });
    expect(unknown).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringContaining(`trail ${appTrail.Name}: GetEventSelectors failed with AccessDeniedException`) })]);
    const statusFailed = evaluate(s3DataEvents as EvidenceQuery<unknown>, {
      describeTrails: describeTrailsUsEast1,
      selectors: [{ trailARN: BASELINE, response: allS3DataSelectors }, { trailARN: APP, response: appSelectors }],
      statuses: [{ trailARN: BASELINE, error: denied }, { trailARN: APP, status: appStatus }],
    });
    expect(statusFailed).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringContaining('GetTrailStatus failed with AccessDeniedException') })]);
  });
});

describe('against the simulated demo account, GetTrailStatus denied', () => {
  const session = demoSession();

  for (const id of ['cloudtrail.trail-logging', 'cloudtrail.s3-data-events', 'cloudtrail.cloudwatch-logs', 'cloudwatch.security-alarms']) {
    it(`${id} keeps DescribeTrails and every other answer as evidence, each trail's denial under its ARN`, async () => {
      const q = queryById(id)!;
      session.sim.setFaults({ rateLimits: {}, rules: [{ operation: 'cloudtrail:GetTrailStatus', accessDenied: true }] });
      const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
      try {
        const data = JSON.parse(canonicalJson(await q.collect({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params: {}, now: session.now }))) as {
          describeTrails: { trailList: unknown[] };
          statuses: { trailARN: string; error?: { code: string } }[];
        };
        expect(data.describeTrails.trailList.length).toBeGreaterThan(0);
        expect(data.statuses.length).toBeGreaterThan(0);
        expect(data.statuses.every((s) => s.trailARN.startsWith('arn:aws:cloudtrail:') && /AccessDenied/.test(s.error?.code ?? ''))).toBe(true);
        const params = Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
        const results = q.evaluate(data, params, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: session.now.toISOString() });
        // Nothing that rests on trail status passes; what it could not read is named with AWS's answer.
        expect(results.length).toBeGreaterThan(0);
        if (id === 'cloudtrail.s3-data-events') {
          // The demo trail's selectors record no S3 data events: that is judged from them, whatever its status.
          expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('records S3 data events') })]);
        } else {
          expect(results.map((r) => r.reason).join('\n')).toMatch(/GetTrailStatus failed with AccessDenied/);
        }
        const judgedWithoutStatus = results.filter((r) => r.status === 'pass' && /logging|delivers/.test(r.reason));
        expect(judgedWithoutStatus).toEqual([]);
      } finally {
        clients.destroy();
        session.sim.setFaults({});
      }
    });
  }
});
