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
    'The trails that record this region, whether each is logging and delivering to S3 without error, their event selectors, and whether a multi-region trail that includes global service events (IAM, STS, CloudFront) and records all read and write management events, from every event source, covers the region. A trail created here that is stopped or failing delivery fails when no such trail covers the region, and needs review when one does.',
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
      // A stopped or failing trail beside a qualifying one loses no management event of the region (or, for a
      // multi-region trail, of the account): the qualifying trail records them. It is no gap in the audit trail, but
      // it is worth review (a stopped trail can be tampering, and whatever else it recorded, such as data events, is lost).
      const others = healthyBaseline.filter((b) => (b.TrailARN ?? b.Name) !== (t.TrailARN ?? t.Name));
      const covered = others.length
        ? `; region ${ctx.region}${t.IsMultiRegionTrail ? ' and every other region' : ''} is still recorded by multi-region ${others.map(trailLabel).join(', ')} (logging, delivering without error, with global service events and all read and write management events); review why this trail ${
            statusOf(t)?.status?.IsLogging === true ? 'fails to deliver' : 'was stopped and by whom (the cloudtrail.sensitive-activity evidence lists the StopLogging events of its look-back window)'
          } and whether it recorded anything the other trail does not (data or Insights events)`
        : '';
      results.push({
        resource: t.TrailARN ?? t.Name ?? '',
        resourceType: 'AWS::CloudTrail::Trail',
        status: !statusOf(t)?.status ? 'error' : p.length ? (others.length ? 'needs-review' : 'fail') : 'pass',
        reason: p.length ? `${trailLabel(t)}: ${p.join('; ')}${note}${covered}` : `${trailLabel(t)} is logging to s3://${t.S3BucketName ?? '?'} with no delivery error${note}`,
      });
    }
    return results;
  },
});
