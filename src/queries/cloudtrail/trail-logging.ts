import type { Trail } from '@aws-sdk/client-cloudtrail';
import { defineQuery, toDate, type ResourceResult } from '../types.js';
import { describeTrails, trailLabel, trailStatuses, type DescribeTrailsEvidence, type TrailStatusEvidence } from './trails.js';

export interface TrailLoggingEvidence {
  describeTrails: DescribeTrailsEvidence;
  statuses: TrailStatusEvidence[];
}

function problems(t: Trail, s: TrailStatusEvidence | undefined): string[] {
  if (!s) return ['no GetTrailStatus response in the evidence'];
  const p: string[] = [];
  if (s.status.IsLogging !== true) {
    const stopped = toDate(s.status.StopLoggingTime);
    p.push(`logging is stopped${stopped ? ` since ${stopped.toISOString()}` : ''}`);
  }
  if (s.status.LatestDeliveryError) p.push(`the latest delivery to s3://${t.S3BucketName ?? '?'} failed with ${s.status.LatestDeliveryError}`);
  return p;
}

export const trailLogging = defineQuery<TrailLoggingEvidence>({
  id: 'cloudtrail.trail-logging',
  service: 'cloudtrail',
  title: 'A multi-region CloudTrail trail with global service events is logging',
  description:
    'The trails that record this region, whether each is logging and delivering to S3 without error, and whether a multi-region trail that includes global service events (IAM, STS, CloudFront) covers the region.',
  remediation:
    'Create a multi-region trail with global service events (`aws cloudtrail create-trail --is-multi-region-trail --include-global-service-events`), start it (`aws cloudtrail start-logging`), and fix the S3 bucket policy or KMS key policy named in any delivery error.',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    return { describeTrails: trails, statuses: await trailStatuses(ctx, trails.trailList ?? []) };
  },
  evaluate(data, _params, ctx) {
    const trails = data?.describeTrails?.trailList;
    if (!trails) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
    const statusOf = (t: Trail) => data.statuses?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
    const results: ResourceResult[] = [];
    const healthyBaseline = trails.filter(
      (t) => t.IsMultiRegionTrail === true && t.IncludeGlobalServiceEvents === true && problems(t, statusOf(t)).length === 0,
    );
    if (healthyBaseline.length > 0) {
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'pass',
        reason: `region ${ctx.region} is logged by multi-region ${healthyBaseline.map(trailLabel).join(', ')} with global service events, logging and delivering without error`,
      });
    } else {
      const candidates = trails.filter((t) => t.IsMultiRegionTrail === true);
      const detail = candidates.length
        ? `multi-region trails found but none qualifies: ${candidates
            .map((t) => `${trailLabel(t)}: ${[...(t.IncludeGlobalServiceEvents ? [] : ['excludes global service events']), ...problems(t, statusOf(t))].join('; ')}`)
            .join(' | ')}`
        : trails.length
          ? `only single-region trails (${trails.map(trailLabel).join(', ')})`
          : 'no trail at all';
      // A candidate whose status is missing from the evidence cannot be judged: that is a gap, not a failure.
      const unjudged = candidates.some((t) => t.IncludeGlobalServiceEvents === true && !statusOf(t));
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: unjudged ? 'error' : 'fail',
        reason: `region ${ctx.region} has no logging multi-region trail with global service events: ${detail}`,
      });
    }
    for (const t of trails.filter((t) => t.HomeRegion === ctx.region)) {
      const p = problems(t, statusOf(t));
      results.push({
        resource: t.TrailARN ?? t.Name ?? '',
        resourceType: 'AWS::CloudTrail::Trail',
        status: !statusOf(t) ? 'error' : p.length ? 'fail' : 'pass',
        reason: p.length ? `${trailLabel(t)}: ${p.join('; ')}` : `${trailLabel(t)} is logging to s3://${t.S3BucketName ?? '?'} with no delivery error`,
      });
    }
    return results;
  },
});
