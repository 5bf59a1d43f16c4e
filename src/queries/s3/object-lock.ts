import type { DefaultRetention, GetObjectLockConfigurationCommandOutput } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError } from '../types.js';
import { collectPerBucket, evaluatePerBucket, matchesBucketPattern, stringListParam, type S3BucketsEvidence } from './buckets.js';
import { OBJECT_LOCK_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export type ObjectLockEvidence = S3BucketsEvidence<Omit<GetObjectLockConfigurationCommandOutput, '$metadata'>>;

/** Default retention in days (S3 counts a retention year as 365 days). */
export function retentionDays(r: DefaultRetention | undefined): number | undefined {
  if (!r) return undefined;
  if (typeof r.Days === 'number') return r.Days;
  if (typeof r.Years === 'number') return r.Years * 365;
  return undefined;
}

export const objectLock = defineQuery<ObjectLockEvidence | AggregateConfigItemsEvidence>({
  id: 's3.object-lock',
  service: 's3',
  title: 'S3 buckets that must be write-once have Object Lock with default retention',
  description:
    'For every bucket the account owns, whether S3 Object Lock is enabled and its default retention mode and period; only COMPLIANCE mode passes (GOVERNANCE-mode retention can be lifted by principals allowed s3:BypassGovernanceRetention). A bucket without Object Lock fails only when listed in `requiredBuckets` (empty by default: the organisation names its write-once buckets there), otherwise it is not applicable.',
  remediation:
    'Object Lock can be enabled on an existing versioned bucket (`aws s3api put-object-lock-configuration`); set a COMPLIANCE-mode default retention at least as long as the retention the evidence or logs require.',
  scope: 'global',
  // IAM action for s3:GetObjectLockConfiguration is s3:GetBucketObjectLockConfiguration; for s3:ListBuckets, s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetObjectLockConfiguration'],
  parameters: {
    requiredBuckets: { description: 'Bucket names (`*` wildcard allowed) that must have Object Lock enabled.', default: [] },
    minimumRetentionDays: { description: 'Minimum default retention, in days, for the required buckets (0: any).', default: 0 },
  },
  async collect(ctx) {
    const { GetObjectLockConfigurationCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, (s3, bucket) =>
      captureAbsence(() => s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })), ['ObjectLockConfigurationNotFoundError']),
    );
  },
  evaluate: acceptConfigItems(OBJECT_LOCK_ITEMS, (data, params) => {
    const required = stringListParam(params.requiredBuckets, []);
    const minDays = Number(params.minimumRetentionDays ?? 0);
    return evaluatePerBucket(data, (bucket, response) => {
      const isRequired = matchesBucketPattern(bucket, required);
      const cfg = isCapturedError(response) ? undefined : response.ObjectLockConfiguration;
      if (cfg?.ObjectLockEnabled !== 'Enabled') {
        return isRequired
          ? { status: 'fail', reason: `bucket ${bucket} must be write-once but has no Object Lock configuration` }
          : { status: 'not-applicable', reason: `bucket ${bucket} does not use Object Lock and is not required to` };
      }
      const retention = cfg.Rule?.DefaultRetention;
      const days = retentionDays(retention);
      const described = days === undefined ? 'no default retention' : `default ${retention?.Mode ? `${retention.Mode} ` : ''}retention of ${days} days`;
      if (isRequired && minDays > 0 && (days === undefined || days < minDays)) {
        return { status: 'fail', reason: `bucket ${bucket} has Object Lock enabled with ${described}, shorter than the required ${minDays} days` };
      }
      if (isRequired && days === undefined) {
        return { status: 'fail', reason: `bucket ${bucket} has Object Lock enabled but ${described}: objects written without an explicit lock are not protected` };
      }
      // GOVERNANCE retention can be shortened or removed by any principal allowed s3:BypassGovernanceRetention: not write-once.
      if (retention?.Mode === 'GOVERNANCE') {
        return {
          status: 'needs-review',
          reason: `bucket ${bucket} has Object Lock enabled with ${described}: GOVERNANCE mode can be lifted by principals allowed s3:BypassGovernanceRetention, so deletion is not prevented for them`,
        };
      }
      return { status: 'pass', reason: `bucket ${bucket} has Object Lock enabled with ${described}` };
    });
  }),
});
