import type { Trail } from '@aws-sdk/client-cloudtrail';
import { defineQuery, type ResourceResult } from '../types.js';
import {
  describeTrails,
  managementEventCoverage,
  managementEventGaps,
  notReadReason,
  trailLabel,
  trailSelectors,
  trailStatuses,
  trailStatusProblems,
  type DescribeTrailsEvidence,
  type TrailSelectorsEvidence,
  type TrailStatusEvidence,
} from './trails.js';

export interface TrailLoggingEvidence {
  describeTrails: DescribeTrailsEvidence;
  statuses: TrailStatusEvidence[];
  /** GetEventSelectors per trail: a logging trail proves nothing about events its selectors leave out. */
  selectors?: TrailSelectorsEvidence[];
}

export const trailLogging = defineQuery<TrailLoggingEvidence>({
  id: 'cloudtrail.trail-logging',
  service: 'cloudtrail',
  title: 'A multi-region CloudTrail trail records all management events and is logging',
  description:
    'The trails that record this region, whether each is logging and delivering to S3 without error, their event selectors, and whether a multi-region trail that includes global service events (IAM, STS, CloudFront) and records all read and write management events, from every event source, covers the region.',
  remediation:
    'Create a multi-region trail with global service events (`aws cloudtrail create-trail --is-multi-region-trail --include-global-service-events`), record all read and write management events with no excluded event sources (`aws cloudtrail put-event-selectors`), start it (`aws cloudtrail start-logging`), and fix the S3 bucket policy or KMS key policy named in any delivery error.',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const list = trails.trailList ?? [];
    return { describeTrails: trails, statuses: await trailStatuses(ctx, list), selectors: await trailSelectors(ctx, list) };
  },
  evaluate(data, _params, ctx) {
    const trails = data?.describeTrails?.trailList;
    if (!trails) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
    const statusOf = (t: Trail) => data.statuses?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
    const selectorsOf = (t: Trail) => data.selectors?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
    const selectorGaps = (t: Trail) => {
      const sel = selectorsOf(t);
      return sel?.response ? managementEventGaps(managementEventCoverage(sel.response)) : [notReadReason('GetEventSelectors', sel)];
    };
    const results: ResourceResult[] = [];
    const healthyBaseline = trails.filter(
      (t) => t.IsMultiRegionTrail === true && t.IncludeGlobalServiceEvents === true && trailStatusProblems(t, statusOf(t)).length === 0 && selectorGaps(t).length === 0,
    );
    if (healthyBaseline.length > 0) {
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'pass',
        reason: `region ${ctx.region} is logged by multi-region ${healthyBaseline.map(trailLabel).join(', ')} with global service events and all read and write management events, logging and delivering without error`,
      });
    } else {
      const candidates = trails.filter((t) => t.IsMultiRegionTrail === true);
      const detail = candidates.length
        ? `multi-region trails found but none qualifies: ${candidates
            .map((t) => `${trailLabel(t)}: ${[...(t.IncludeGlobalServiceEvents ? [] : ['excludes global service events']), ...trailStatusProblems(t, statusOf(t)), ...selectorGaps(t)].join('; ')}`)
            .join(' | ')}`
        : trails.length
          ? `only single-region trails (${trails.map(trailLabel).join(', ')})`
          : 'no trail at all';
      // A candidate whose status is missing from the evidence cannot be judged: that is a gap, not a failure.
      const unjudged = candidates.some((t) => t.IncludeGlobalServiceEvents === true && (!statusOf(t)?.status || !selectorsOf(t)?.response));
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: unjudged ? 'error' : 'fail',
        reason: `region ${ctx.region} has no logging multi-region trail with global service events recording all management events: ${detail}`,
      });
    }
    for (const t of trails.filter((t) => t.HomeRegion === ctx.region)) {
      const p = trailStatusProblems(t, statusOf(t));
      // A trail may rightly record only data events; what it leaves out is said here and judged in the region result above.
      const scope = selectorsOf(t)?.response ? selectorGaps(t) : [];
      const note = scope.length ? ` (not a record of all management activity: ${scope.join('; ')})` : '';
      results.push({
        resource: t.TrailARN ?? t.Name ?? '',
        resourceType: 'AWS::CloudTrail::Trail',
        status: !statusOf(t)?.status ? 'error' : p.length ? 'fail' : 'pass',
        reason: p.length ? `${trailLabel(t)}: ${p.join('; ')}${note}` : `${trailLabel(t)} is logging to s3://${t.S3BucketName ?? '?'} with no delivery error${note}`,
      });
    }
    return results;
  },
});
