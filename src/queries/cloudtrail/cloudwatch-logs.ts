import type { Trail } from '@aws-sdk/client-cloudtrail';
import { defineQuery, toDate, type ResourceResult } from '../types.js';
import {
  describeTrails,
  evaluateHomeTrails,
  homeTrails,
  managementEventCoverage,
  managementEventGaps,
  notReadReason,
  trailLabel,
  trailSelectors,
  trailStatuses,
  type DescribeTrailsEvidence,
  type TrailSelectorsEvidence,
  type TrailStatusEvidence,
} from './trails.js';

export interface CloudWatchLogsEvidence {
  describeTrails: DescribeTrailsEvidence;
  /**
   * GetTrailStatus for the trails recording this region that deliver to CloudWatch Logs (those created here and
   * multi-region trails created elsewhere), read when a trail was created here. Before selectors were read, only
   * the trails created here.
   */
  statuses: TrailStatusEvidence[];
  /**
   * GetEventSelectors for the same trails: whether another trail delivers all of the region's management events to
   * CloudWatch Logs. Absent in evidence sealed before this was read.
   */
  selectors?: TrailSelectorsEvidence[];
}

const HOUR_MS = 3_600_000;
const arnOf = (t: Trail) => t.TrailARN ?? t.Name ?? '';

export const cloudWatchLogs = defineQuery<CloudWatchLogsEvidence>({
  id: 'cloudtrail.cloudwatch-logs',
  service: 'cloudtrail',
  title: 'CloudTrail events are delivered to CloudWatch Logs for monitoring',
  description:
    "For each trail, whether it sends events to a CloudWatch Logs log group (where metric filters and alarms watch them) and when it last delivered successfully. A trail that does not fails when no other trail recording the region (logging, all read and write management events) delivers to CloudWatch Logs, and needs review when one does: the region's management events reach CloudWatch Logs, but whatever else this trail records (data or Insights events) does not.",
  remediation:
    'Attach a CloudWatch Logs log group and a delivery role to the trail (`aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ... --cloud-watch-logs-role-arn ...`) and fix the role if deliveries fail.',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
  parameters: {
    maxDeliveryAgeHours: { description: 'The latest CloudWatch Logs delivery must be at most this many hours before collection.', default: 24, looser: 'higher' },
  },
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const list = trails.trailList ?? [];
    // Nothing is judged in a region with no trail of its own; otherwise every trail recording the region that
    // delivers to CloudWatch Logs (a trail created elsewhere is returned here only when it is multi-region).
    const delivering = homeTrails(list, ctx.region).length
      ? list.filter((t) => t.CloudWatchLogsLogGroupArn && (t.HomeRegion === ctx.region || t.IsMultiRegionTrail === true))
      : [];
    return { describeTrails: trails, statuses: await trailStatuses(ctx, delivering), selectors: await trailSelectors(ctx, delivering) };
  },
  evaluate(data, params, ctx) {
    const maxAgeHours = Number(params.maxDeliveryAgeHours ?? 24);
    const collectedAt = toDate(ctx.collectedAt);
    const list = data?.describeTrails?.trailList ?? [];
    const statusRead = (t: Trail) => data.statuses?.find((x) => x.trailARN === arnOf(t));
    const judge = (t: Trail): Pick<ResourceResult, 'status' | 'reason'> => {
      if (!t.CloudWatchLogsLogGroupArn) return { status: 'fail', reason: `${trailLabel(t)} does not deliver events to CloudWatch Logs` };
      const read = statusRead(t);
      const s = read?.status;
      if (!s) return { status: 'error', reason: `${trailLabel(t)}: ${read?.error ? notReadReason('GetTrailStatus', read) : 'the evidence holds no GetTrailStatus response'}` };
      if (s.LatestCloudWatchLogsDeliveryError) {
        return { status: 'fail', reason: `${trailLabel(t)}: the latest delivery to ${t.CloudWatchLogsLogGroupArn} failed with ${s.LatestCloudWatchLogsDeliveryError}` };
      }
      const last = toDate(s.LatestCloudWatchLogsDeliveryTime);
      if (!last) return { status: 'fail', reason: `${trailLabel(t)} has never delivered to ${t.CloudWatchLogsLogGroupArn}` };
      const ageHours = collectedAt ? (collectedAt.getTime() - last.getTime()) / HOUR_MS : Number.NaN;
      if (!(ageHours <= maxAgeHours)) {
        return {
          status: 'fail',
          reason: `${trailLabel(t)} last delivered to ${t.CloudWatchLogsLogGroupArn} at ${last.toISOString()}, more than ${maxAgeHours} hours before collection`,
        };
      }
      return { status: 'pass', reason: `${trailLabel(t)} delivers to ${t.CloudWatchLogsLogGroupArn}; latest delivery ${last.toISOString()}` };
    };
    // Trails recording this region that deliver to CloudWatch Logs: each either carries all of the region's management
    // events there (logging, selectors recording every read and write management event, a recent delivery without
    // error), or does not, or could not be judged (its status or selectors are not in the evidence).
    const recording = list.filter((t) => t.CloudWatchLogsLogGroupArn && (t.HomeRegion === ctx.region || t.IsMultiRegionTrail === true));
    const carries = (t: Trail): true | string => {
      if (!data.selectors) return `${trailLabel(t)} delivers to ${t.CloudWatchLogsLogGroupArn}, but this evidence was collected before the check read the status and event selectors of every trail recording the region`;
      const sel = data.selectors.find((x) => x.trailARN === arnOf(t));
      const s = statusRead(t)?.status;
      if (!s) return `${trailLabel(t)}: ${notReadReason('GetTrailStatus', statusRead(t))}`;
      if (!sel?.response) return `${trailLabel(t)}: ${notReadReason('GetEventSelectors', sel)}`;
      if (s.IsLogging !== true || judge(t).status !== 'pass' || managementEventGaps(managementEventCoverage(sel.response)).length) return 'no';
      return true;
    };
    return evaluateHomeTrails(data?.describeTrails?.trailList, ctx.region, (t) => {
      const own = judge(t);
      if (own.status !== 'fail') return own;
      const others = recording.filter((o) => arnOf(o) !== arnOf(t));
      const qualifying = others.filter((o) => carries(o) === true);
      if (qualifying.length) {
        const via = qualifying
          .map((o) => `${trailLabel(o)} (logging, all read and write management events, latest delivery to ${o.CloudWatchLogsLogGroupArn} at ${toDate(statusRead(o)?.status?.LatestCloudWatchLogsDeliveryTime)?.toISOString() ?? '?'})`)
          .join(', ');
        return {
          status: 'needs-review',
          reason: `${own.reason}; region ${ctx.region}'s management events still reach CloudWatch Logs through ${via}; review whether this trail records events that trail does not (data or Insights events), which then reach no log group`,
        };
      }
      const unjudged = others.map(carries).filter((c): c is string => typeof c === 'string' && c !== 'no');
      if (unjudged.length) {
        return { status: 'error', reason: `${own.reason}; whether another trail delivers the region's management events to CloudWatch Logs is unknown: ${unjudged.join('; ')}` };
      }
      return own;
    });
  },
});
