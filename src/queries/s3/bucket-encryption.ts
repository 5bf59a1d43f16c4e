import type { GetBucketEncryptionCommandOutput } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type S3BucketsEvidence } from './buckets.js';
import { BUCKET_ENCRYPTION_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export type BucketEncryptionEvidence = S3BucketsEvidence<Omit<GetBucketEncryptionCommandOutput, '$metadata'>>;

const KMS_ALGORITHMS = new Set(['aws:kms', 'aws:kms:dsse']);

export const bucketEncryption = defineQuery<BucketEncryptionEvidence | AggregateConfigItemsEvidence>({
  id: 's3.bucket-encryption',
  service: 's3',
  title: 'S3 buckets encrypt objects at rest by default',
  description:
    'For every bucket the account owns, the default server-side encryption configuration (SSE-S3, SSE-KMS or DSSE-KMS) that S3 applies to new objects.',
  remediation:
    'Set default encryption on the bucket (`aws s3api put-bucket-encryption`), using SSE-KMS with a customer managed key where key control must be demonstrated.',
  scope: 'global',
  // IAM action for s3:GetBucketEncryption is s3:GetEncryptionConfiguration; for s3:ListBuckets, s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetBucketEncryption'],
  parameters: {
    requireKms: { description: 'Only SSE-KMS or DSSE-KMS counts as encrypted (SSE-S3 fails).', default: false },
  },
  async collect(ctx) {
    const { GetBucketEncryptionCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, (s3, bucket) =>
      captureAbsence(() => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), ['ServerSideEncryptionConfigurationNotFoundError']),
    );
  },
  evaluate: acceptConfigItems(BUCKET_ENCRYPTION_ITEMS, (data, params) => {
    const requireKms = params.requireKms === true || params.requireKms === 'true';
    return evaluatePerBucket(data, (bucket, response) => {
      if (isCapturedError(response)) {
        return { status: 'fail', reason: `bucket ${bucket} has no default encryption configuration (${response.error.code})` };
      }
      const rules = response.ServerSideEncryptionConfiguration?.Rules ?? [];
      const algorithms = rules.map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).filter((a): a is NonNullable<typeof a> => !!a);
      if (algorithms.length === 0) {
        return { status: 'fail', reason: `bucket ${bucket} has an encryption configuration with no default algorithm` };
      }
      const kmsRule = rules.find((r) => KMS_ALGORITHMS.has(r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? ''));
      if (kmsRule) {
        const key = kmsRule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
        return {
          status: 'pass',
          reason: `bucket ${bucket} encrypts new objects by default with ${kmsRule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm} using ${key ? `key ${key}` : 'the AWS managed key aws/s3'}${kmsRule.BucketKeyEnabled ? ' (S3 Bucket Key enabled)' : ''}`,
        };
      }
      if (requireKms) {
        return { status: 'fail', reason: `bucket ${bucket} encrypts by default with ${algorithms.join(', ')} (S3 managed keys), but SSE-KMS is required` };
      }
      return { status: 'pass', reason: `bucket ${bucket} encrypts new objects by default with ${algorithms.join(', ')} (S3 managed keys)` };
    });
  }),
});
