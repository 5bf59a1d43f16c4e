import { defineQuery, toDate } from '../types.js';
import { describeTrails, evaluateHomeTrails, homeTrails, notReadReason, trailLabel, trailStatuses, type DescribeTrailsEvidence, type TrailStatusEvidence } from './trails.js';

export interface CloudWatchLogsEvidence {
  describeTrails: DescribeTrailsEvidence;
  /** GetTrailStatus for the trails created in this region. */
  statuses: TrailStatusEvidence[];
}

const HOUR_MS = 3_600_000;

export const cloudWatchLogs = defineQuery<CloudWatchLogsEvidence>({
  id: 'cloudtrail.cloudwatch-logs',
  service: 'cloudtrail',
  title: 'CloudTrail events are delivered to CloudWatch Logs for monitoring',
  description:
    'For each trail, whether it sends events to a CloudWatch Logs log group (where metric filters and alarms watch them) and when it last delivered successfully.',
  remediation:
    'Attach a CloudWatch Logs log group and a delivery role to the trail (`aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ... --cloud-watch-logs-role-arn ...`) and fix the role if deliveries fail.',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
  parameters: {
    maxDeliveryAgeHours: { description: 'The latest CloudWatch Logs delivery must be at most this many hours before collection.', default: 24 },
  },
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const own = homeTrails(trails.trailList, ctx.region).filter((t) => t.CloudWatchLogsLogGroupArn);
    return { describeTrails: trails, statuses: await trailStatuses(ctx, own) };
  },
  evaluate(data, params, ctx) {
    const maxAgeHours = Number(params.maxDeliveryAgeHours ?? 24);
    const collectedAt = toDate(ctx.collectedAt);
    return evaluateHomeTrails(data?.describeTrails?.trailList, ctx.region, (t) => {
      if (!t.CloudWatchLogsLogGroupArn) return { status: 'fail', reason: `${trailLabel(t)} does not deliver events to CloudWatch Logs` };
      const read = data.statuses?.find((x) => x.trailARN === (t.TrailARN ?? t.Name));
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
    });
  },
});
