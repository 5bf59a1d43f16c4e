import { defineQuery, toDate } from '../types.js';
import { describeTrails, evaluateHomeTrails, homeTrails, notReadReason, trailLabel, trailStatuses, type DescribeTrailsEvidence, type TrailStatusEvidence } from './trails.js';

/**
 * DescribeTrails, and GetTrailStatus for each trail of this region with validation on: the setting says CloudTrail
 * should write digest files; the status says whether it last delivered one and whether that delivery failed.
 * Evidence sealed before the status was read is the DescribeTrails answer alone.
 */
export type LogFileValidationEvidence = { describeTrails: DescribeTrailsEvidence; statuses: TrailStatusEvidence[] } | DescribeTrailsEvidence;

const HOUR_MS = 3_600_000;

export const logFileValidation = defineQuery<LogFileValidationEvidence>({
  id: 'cloudtrail.log-file-validation',
  service: 'cloudtrail',
  title: 'CloudTrail log file integrity validation is enabled and delivering digest files',
  description:
    'For each trail, whether log file validation is enabled, so that CloudTrail writes signed, hash-chained digest files by which a modification or deletion of a delivered log file can be detected, and whether GetTrailStatus shows a recent digest delivery without a delivery error. It does not read or verify the digest files (cloudtrail.digest-validation does).',
  remediation:
    'Enable log file validation on the trail (`aws cloudtrail update-trail --name <trail> --enable-log-file-validation`); if digest delivery fails, let CloudTrail write to the bucket’s CloudTrail-Digest/ prefix (bucket policy, KMS key policy).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
  parameters: {
    maxDigestDeliveryAgeHours: {
      description: 'CloudTrail delivers a digest file every hour while the trail logs; a latest digest delivery older than this many hours before collection needs review.',
      default: 3,
    },
  },
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const validated = homeTrails(trails.trailList, ctx.region).filter((t) => t.LogFileValidationEnabled === true);
    return { describeTrails: trails, statuses: await trailStatuses(ctx, validated) };
  },
  evaluate(data, params, ctx) {
    const withStatus = data && 'describeTrails' in data ? data : undefined;
    const trailList = withStatus ? withStatus.describeTrails?.trailList : (data as DescribeTrailsEvidence | undefined)?.trailList;
    const maxAgeHours = Number(params.maxDigestDeliveryAgeHours ?? 3);
    const collectedAt = toDate(ctx.collectedAt);
    return evaluateHomeTrails(trailList, ctx.region, (t) => {
      const label = trailLabel(t);
      if (t.LogFileValidationEnabled !== true) return { status: 'fail', reason: `${label} has log file validation disabled: changes to its log files cannot be detected` };
      if (!withStatus) {
        return {
          status: 'needs-review',
          reason: `${label} has log file validation enabled; whether it delivers digest files is not in this evidence (collected before this check read GetTrailStatus)`,
        };
      }
      const read = withStatus.statuses?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
      const s = read?.status;
      if (!s) return { status: 'error', reason: `${label} has log file validation enabled, but ${notReadReason('GetTrailStatus', read)}` };
      const bucket = `s3://${t.S3BucketName ?? '?'}`;
      if (s.LatestDigestDeliveryError) {
        return { status: 'fail', reason: `${label} has log file validation enabled, but its latest digest delivery to ${bucket} failed with ${s.LatestDigestDeliveryError}: digest files are not being written` };
      }
      const last = toDate(s.LatestDigestDeliveryTime);
      if (s.IsLogging !== true) {
        return {
          status: 'needs-review',
          reason: `${label} has log file validation enabled, but the trail is not logging, so no digest files are being written (latest digest delivery ${last ? last.toISOString() : 'none recorded'}; cloudtrail.trail-logging judges the trail)`,
        };
      }
      if (!last) return { status: 'needs-review', reason: `${label} has log file validation enabled, but GetTrailStatus records no digest delivery to ${bucket}` };
      const ageHours = collectedAt ? (collectedAt.getTime() - last.getTime()) / HOUR_MS : Number.NaN;
      if (!(ageHours <= maxAgeHours)) {
        return {
          status: 'needs-review',
          reason: `${label} has log file validation enabled, but its latest digest delivery to ${bucket} was at ${last.toISOString()}, more than ${maxAgeHours} hours before collection (CloudTrail delivers one every hour)`,
        };
      }
      return {
        status: 'pass',
        reason: `${label} has log file validation enabled and delivered a digest file to ${bucket} at ${last.toISOString()} without a delivery error; the digest files are read and verified by cloudtrail.digest-validation`,
      };
    });
  },
});
