import type { GetBucketLifecycleConfigurationCommandOutput, GetBucketVersioningCommandOutput, LifecycleRule } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type S3BucketsEvidence } from './buckets.js';
import { BUCKET_VERSIONING_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

/** One bucket's GetBucketVersioning and GetBucketLifecycleConfiguration responses (a bucket without rules: NoSuchLifecycleConfiguration, captured). */
export interface BucketVersioningResponse {
  versioning: Omit<GetBucketVersioningCommandOutput, '$metadata'>;
  lifecycle: Omit<GetBucketLifecycleConfigurationCommandOutput, '$metadata'> | CapturedError;
}

/** Evidence sealed before lifecycle rules were read holds the GetBucketVersioning response alone. */
type SealedBucketResponse = BucketVersioningResponse | Omit<GetBucketVersioningCommandOutput, '$metadata'>;

export type BucketVersioningEvidence = S3BucketsEvidence<SealedBucketResponse>;

const NO_LIFECYCLE = 'NoSuchLifecycleConfiguration';

function ruleLabel(rule: LifecycleRule): string {
  const prefix = rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix;
  const tags = [...(rule.Filter?.Tag ? [rule.Filter.Tag] : []), ...(rule.Filter?.And?.Tags ?? [])].map((t) => `${t.Key}=${t.Value}`);
  const on = [prefix ? `prefix "${prefix}"` : '', tags.length ? `tags ${tags.join(', ')}` : ''].filter(Boolean).join(' and ');
  return `lifecycle rule ${rule.ID ? `"${rule.ID}"` : '(unnamed)'}${on ? ` (objects with ${on})` : ' (every object)'}`;
}

/** How long the bucket's enabled lifecycle rules keep prior versions: each rule that deletes them, with its days. */
function noncurrentExpiry(rules: LifecycleRule[]): { rule: LifecycleRule; days: number; newer?: number }[] {
  return rules
    .filter((r) => r.Status === 'Enabled' && typeof r.NoncurrentVersionExpiration?.NoncurrentDays === 'number')
    .map((r) => ({ rule: r, days: r.NoncurrentVersionExpiration!.NoncurrentDays!, ...(typeof r.NoncurrentVersionExpiration?.NewerNoncurrentVersions === 'number' ? { newer: r.NoncurrentVersionExpiration.NewerNoncurrentVersions } : {}) }))
    .sort((a, b) => a.days - b.days);
}

export const bucketVersioning = defineQuery<BucketVersioningEvidence | AggregateConfigItemsEvidence>({
  id: 's3.bucket-versioning',
  service: 's3',
  title: 'S3 buckets keep object versions',
  description:
    'For every bucket the account owns, whether versioning is enabled so overwritten or deleted objects are kept as prior versions, whether MFA delete is on, and how long the bucket\'s lifecycle rules keep prior versions (NoncurrentVersionExpiration). Versioning with prior versions kept at least the chosen number of days passes; rules that delete them sooner need review. It shows that prior versions exist and for how long, not that anyone can tell an altered object from a good one.',
  remediation:
    'Enable versioning on the bucket (`aws s3api put-bucket-versioning --versioning-configuration Status=Enabled`), and keep prior versions at least as long as an alteration could go unnoticed (lengthen or remove NoncurrentVersionExpiration lifecycle rules).',
  scope: 'global',
  // IAM action for s3:ListBuckets is s3:ListAllMyBuckets; for s3:GetBucketLifecycleConfiguration s3:GetLifecycleConfiguration.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetBucketVersioning', 's3:GetBucketLifecycleConfiguration'],
  parameters: {
    minimumNoncurrentVersionDays: {
      description: 'Organisation choice, not set by HIPAA or PCI DSS: days a prior version must be kept after it is replaced or deleted, so an alteration found later can still be undone (default 30).',
      default: 30,
    },
  },
  async collect(ctx) {
    const { GetBucketLifecycleConfigurationCommand, GetBucketVersioningCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, async (s3, bucket): Promise<BucketVersioningResponse> => {
      const versioning = stripMetadata(await s3.send(new GetBucketVersioningCommand({ Bucket: bucket })));
      // A denied or failed lifecycle read is kept as such: the versioning state still counts, the retention is then unknown.
      const lifecycle = await captureFailure(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), ctx.signal);
      return { versioning, lifecycle };
    });
  },
  evaluate: acceptConfigItems(BUCKET_VERSIONING_ITEMS, (data, params) => {
    const minDays = Number(params.minimumNoncurrentVersionDays ?? 30);
    return evaluatePerBucket(data, (bucket, sealed) => {
      if (isCapturedError(sealed)) {
        return { status: 'error', reason: `versioning state of bucket ${bucket} could not be read (${sealed.error.code})` };
      }
      const current = 'versioning' in sealed ? sealed : undefined;
      const response = current ? current.versioning : (sealed as Omit<GetBucketVersioningCommandOutput, '$metadata'>);
      const mfa = response.MFADelete === 'Enabled' ? ', MFA delete enabled' : '';
      if (response.Status === 'Suspended') return { status: 'fail', reason: `bucket ${bucket} has versioning suspended: new overwrites and deletes are not recoverable` };
      if (response.Status !== 'Enabled') return { status: 'fail', reason: `bucket ${bucket} has never had versioning enabled` };
      const head = `bucket ${bucket} has versioning enabled${mfa}: overwritten and deleted objects become prior versions`;
      if (!current) {
        return { status: 'needs-review', reason: `${head}; this evidence was sealed before lifecycle rules were read, so how long prior versions are kept is not shown` };
      }
      const lifecycle = current.lifecycle;
      if (isCapturedError(lifecycle)) {
        if (lifecycle.error.code === NO_LIFECYCLE) return { status: 'pass', reason: `${head}; ${lifecycle.error.message.startsWith('AWS Config') ? 'AWS Config recorded no lifecycle rules for it' : 'the bucket has no lifecycle rules'}, so prior versions are kept until someone deletes them` };
        return { status: 'needs-review', reason: `${head}, but its lifecycle rules could not be read (${lifecycle.error.code}: ${lifecycle.error.message}), so how long prior versions are kept is unknown` };
      }
      const expiring = noncurrentExpiry(lifecycle.Rules ?? []);
      const describe = (e: (typeof expiring)[number]) => `${ruleLabel(e.rule)} deletes prior versions ${e.days} days after they are replaced${e.newer !== undefined ? ` (keeping the ${e.newer} newest)` : ''}`;
      const short = expiring.filter((e) => e.days < minDays);
      if (short.length) {
        return {
          status: 'needs-review',
          reason: `${head}, but ${short.map(describe).join('; ')}: sooner than the ${minDays} days chosen (minimumNoncurrentVersionDays), so an alteration noticed later may not be undone; confirm the rules match the organisation's retention`,
        };
      }
      return {
        status: 'pass',
        reason: expiring.length
          ? `${head}; ${expiring.map(describe).join('; ')}: at least the ${minDays} days chosen (minimumNoncurrentVersionDays)`
          : `${head}; no enabled lifecycle rule deletes prior versions`,
      };
    });
  }),
});
