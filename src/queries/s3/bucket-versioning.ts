import type { GetBucketVersioningCommandOutput } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { defineQuery, isCapturedError, stripMetadata } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type S3BucketsEvidence } from './buckets.js';
import { BUCKET_VERSIONING_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export type BucketVersioningEvidence = S3BucketsEvidence<Omit<GetBucketVersioningCommandOutput, '$metadata'>>;

export const bucketVersioning = defineQuery<BucketVersioningEvidence | AggregateConfigItemsEvidence>({
  id: 's3.bucket-versioning',
  service: 's3',
  title: 'S3 buckets keep object versions',
  description:
    'For every bucket the account owns, whether versioning is enabled so overwritten or deleted objects are kept as prior versions, and whether MFA delete is on. Lifecycle rules that expire prior versions (NoncurrentVersionExpiration) are not read, so how long prior versions are kept is not shown.',
  remediation: 'Enable versioning on the bucket (`aws s3api put-bucket-versioning --versioning-configuration Status=Enabled`).',
  scope: 'global',
  // IAM action for s3:ListBuckets is s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetBucketVersioning'],
  async collect(ctx) {
    const { GetBucketVersioningCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, async (s3, bucket) => stripMetadata(await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))));
  },
  evaluate: acceptConfigItems(BUCKET_VERSIONING_ITEMS, (data) => {
    return evaluatePerBucket(data, (bucket, response) => {
      if (isCapturedError(response)) {
        return { status: 'error', reason: `versioning state of bucket ${bucket} could not be read (${response.error.code})` };
      }
      const mfa = response.MFADelete === 'Enabled' ? ', MFA delete enabled' : '';
      if (response.Status === 'Enabled') {
        return { status: 'pass', reason: `bucket ${bucket} has versioning enabled${mfa}: overwritten and deleted objects become prior versions (how long a lifecycle rule keeps them is not in this evidence)` };
      }
      if (response.Status === 'Suspended') return { status: 'fail', reason: `bucket ${bucket} has versioning suspended: new overwrites and deletes are not recoverable` };
      return { status: 'fail', reason: `bucket ${bucket} has never had versioning enabled` };
    });
  }),
});
