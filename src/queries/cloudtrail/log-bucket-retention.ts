import type { GetBucketLifecycleConfigurationCommandOutput, GetObjectLockConfigurationCommandOutput, LifecycleRule } from '@aws-sdk/client-s3';
import type { Trail } from '@aws-sdk/client-cloudtrail';
import { loadS3Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { captureAbsence, defineQuery, isCapturedError, toDate, type CapturedError } from '../types.js';
import { bucketRegion, RegionalS3Clients } from '../s3/buckets.js';
import { retentionDays } from '../s3/object-lock.js';
import { describeTrails, evaluateHomeTrails, homeTrails, trailLabel, type DescribeTrailsEvidence } from './trails.js';

export interface TrailBucketEvidence {
  bucket: string;
  region: string;
  objectLock: Omit<GetObjectLockConfigurationCommandOutput, '$metadata'> | CapturedError;
  lifecycle: Omit<GetBucketLifecycleConfigurationCommandOutput, '$metadata'> | CapturedError;
}

export interface LogBucketRetentionEvidence {
  describeTrails: DescribeTrailsEvidence;
  /** One entry per distinct S3 bucket of the trails created in this region. */
  buckets: TrailBucketEvidence[];
  /** Buckets whose settings could not be read (often a trail bucket owned by a logging account); the others still count. */
  unreadable?: { bucket: string; error: CapturedError['error'] }[];
}

/** PCI DSS 10.5.1: the most recent three months of audit logs immediately available for analysis. */
const IMMEDIATELY_AVAILABLE_DAYS = 90;
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** The key prefix CloudTrail writes under: `<S3KeyPrefix>/AWSLogs/`. */
function logKeyPrefix(t: Trail): string {
  return `${t.S3KeyPrefix ? `${t.S3KeyPrefix.replace(/\/+$/, '')}/` : ''}AWSLogs/`;
}

/** Whether an enabled lifecycle rule can act on the trail's log objects (CloudTrail writes them untagged). */
function appliesToLogs(rule: LifecycleRule, logPrefix: string): boolean {
  if (rule.Status !== 'Enabled') return false;
  if (rule.Filter?.Tag || rule.Filter?.And?.Tags?.length) return false;
  const prefix = rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '';
  return logPrefix.startsWith(prefix) || prefix.startsWith(logPrefix);
}

/** When a date-based lifecycle action hits the log files: all of them on the date, then each new one as it is written. */
function dated(date: Date, collectedAt: Date | undefined): string {
  const day = date.toISOString().slice(0, 10);
  const since = collectedAt && date.getTime() <= collectedAt.getTime();
  return `${since ? `since ${day}` : `on ${day}`}, however new (a date-based action applies to every matching object from that date on, including each one written later)`;
}

function ruleName(rule: LifecycleRule): string {
  return `lifecycle rule ${rule.ID ? `"${rule.ID}"` : '(unnamed)'}`;
}

export const logBucketRetention = defineQuery<LogBucketRetentionEvidence>({
  id: 'cloudtrail.log-bucket-retention',
  service: 'cloudtrail',
  title: 'CloudTrail log files are retained for the required period',
  description:
    'For each trail, the Object Lock default retention and the lifecycle rules of its S3 bucket: whether log files are locked for at least the required period and whether any rule deletes them sooner or archives them before three months.',
  remediation:
    'Deliver the trail to a bucket with Object Lock in COMPLIANCE mode and a default retention of at least the required days, and remove or lengthen lifecycle expiration rules that apply to the AWSLogs/ prefix.',
  scope: 'regional',
  // IAM actions: s3:GetBucketObjectLockConfiguration for s3:GetObjectLockConfiguration and
  // s3:GetLifecycleConfiguration for s3:GetBucketLifecycleConfiguration.
  apiCalls: ['cloudtrail:DescribeTrails', 's3:GetBucketLocation', 's3:GetObjectLockConfiguration', 's3:GetBucketLifecycleConfiguration'],
  parameters: {
    minimumRetentionDays: { description: 'Days log files must be kept (PCI DSS 10.5.1: 365; HIPAA 164.316(b)(2)(i) documentation: 2190).', default: 365, looser: 'lower' },
  },
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const names = [...new Set(homeTrails(trails.trailList, ctx.region).map((t) => t.S3BucketName).filter((b): b is string => !!b))];
    const { GetBucketLifecycleConfigurationCommand, GetObjectLockConfigurationCommand } = await loadS3Sdk();
    const clients = await RegionalS3Clients.open(ctx);
    const buckets: TrailBucketEvidence[] = [];
    const unreadable: NonNullable<LogBucketRetentionEvidence['unreadable']> = [];
    for (const bucket of names) {
      const read = await captureFailure(async () => {
        const region = await bucketRegion(ctx, bucket);
        const s3 = clients.for(region);
        const objectLock = await captureAbsence(() => s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })), ['ObjectLockConfigurationNotFoundError']);
        const lifecycle = await captureAbsence(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), ['NoSuchLifecycleConfiguration']);
        return { bucket, region, objectLock, lifecycle };
      }, ctx.signal);
      if (isCapturedError(read)) unreadable.push({ bucket, error: read.error });
      else buckets.push(read);
    }
    return unreadable.length ? { describeTrails: trails, buckets, unreadable } : { describeTrails: trails, buckets };
  },
  evaluate(data, params, ctx) {
    const minDays = Number(params.minimumRetentionDays ?? 365);
    const collectedAt = toDate(ctx.collectedAt);
    return evaluateHomeTrails(data?.describeTrails?.trailList, ctx.region, (t) => {
      const where = `s3://${t.S3BucketName ?? '?'}/${logKeyPrefix(t)}`;
      if (!t.S3BucketName) return { status: 'fail', reason: `${trailLabel(t)} has no S3 bucket` };
      const failed = data.unreadable?.find((x) => x.bucket === t.S3BucketName);
      if (failed) {
        return { status: 'error', reason: `${trailLabel(t)} logs to s3://${t.S3BucketName}, whose retention settings could not be read (${failed.error.code}: ${failed.error.message}); judge them in the account that owns the bucket` };
      }
      const b = data.buckets?.find((x) => x.bucket === t.S3BucketName);
      if (!b) return { status: 'error', reason: `${trailLabel(t)}: the evidence holds no Object Lock or lifecycle response for bucket ${t.S3BucketName}` };
      const rules = isCapturedError(b.lifecycle) ? [] : (b.lifecycle.Rules ?? []).filter((r) => appliesToLogs(r, logKeyPrefix(t)));

      // A date-based action is not a one-time action: on the date S3 applies it to every object the rule matches,
      // however new, and keeps applying it to each object written after the date while the rule is enabled
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html#intro-lifecycle-rules-date).
      const expiring = rules.flatMap((r) => {
        const days = r.Expiration?.Days;
        const date = toDate(r.Expiration?.Date);
        if (typeof days === 'number' && days < minDays) return [`${ruleName(r)} deletes them after ${days} days`];
        if (date) return [`${ruleName(r)} deletes them ${dated(date, collectedAt)}`];
        return [];
      });
      if (expiring.length) {
        return { status: 'fail', reason: `${trailLabel(t)} logs to ${where}, but ${expiring.join(' and ')}: less than the required ${minDays} days` };
      }

      const archived = rules.flatMap((r) =>
        (r.Transitions ?? [])
          .filter((tr) => ARCHIVE_CLASSES.has(tr.StorageClass ?? ''))
          .flatMap((tr) => {
            if (typeof tr.Days === 'number') return tr.Days < IMMEDIATELY_AVAILABLE_DAYS ? [`${ruleName(r)} moves them to ${tr.StorageClass} after ${tr.Days} days`] : [];
            const date = toDate(tr.Date);
            return date ? [`${ruleName(r)} moves them to ${tr.StorageClass} ${dated(date, collectedAt)}`] : [];
          }),
      );
      const archiveNote = archived.length ? `; ${archived.join(' and ')}, before the three months that must stay immediately available` : '';

      const lock = isCapturedError(b.objectLock) ? undefined : b.objectLock.ObjectLockConfiguration;
      const locked = lock?.ObjectLockEnabled === 'Enabled' ? lock.Rule?.DefaultRetention : undefined;
      const lockDays = retentionDays(locked);
      if (lockDays !== undefined && lockDays >= minDays && locked?.Mode !== 'COMPLIANCE') {
        // GOVERNANCE retention can be lifted by anyone holding s3:BypassGovernanceRetention, so it protects nothing by itself.
        return {
          status: 'needs-review',
          reason: `${trailLabel(t)} logs to ${where}; Object Lock ${locked?.Mode ?? '(no mode)'} default retention of ${lockDays} days, but GOVERNANCE mode can be bypassed by any principal with s3:BypassGovernanceRetention: confirm who holds that permission, or use COMPLIANCE mode${archiveNote}`,
        };
      }
      if (lockDays !== undefined && lockDays >= minDays) {
        return {
          status: archived.length ? 'needs-review' : 'pass',
          reason: `${trailLabel(t)} logs to ${where}; Object Lock ${locked?.Mode ?? ''} default retention of ${lockDays} days meets the required ${minDays} days and no lifecycle rule deletes them sooner${archiveNote}`,
        };
      }
      const lockState =
        lockDays !== undefined
          ? `Object Lock retains them for only ${lockDays} days`
          : lock?.ObjectLockEnabled === 'Enabled'
            ? 'Object Lock is enabled without a default retention'
            : 'the bucket has no Object Lock';
      return {
        status: 'needs-review',
        reason: `${trailLabel(t)} logs to ${where}; no lifecycle rule deletes them before ${minDays} days, but ${lockState}, so nothing prevents earlier deletion: sample the bucket for log files at least ${minDays} days old${archiveNote}`,
      };
    });
  },
});
