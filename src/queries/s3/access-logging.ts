import type { GetBucketLoggingCommandOutput } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { defineQuery, isCapturedError, stripMetadata } from '../types.js';
import { collectPerBucket, evaluatePerBucket, matchesBucketPattern, stringListParam, type S3BucketsEvidence } from './buckets.js';
import { BUCKET_LOGGING_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export type AccessLoggingEvidence = S3BucketsEvidence<Omit<GetBucketLoggingCommandOutput, '$metadata'>>;

export const accessLogging = defineQuery<AccessLoggingEvidence | AggregateConfigItemsEvidence>({
  id: 's3.access-logging',
  service: 's3',
  title: 'S3 buckets record server access logs',
  description: 'For every bucket the account owns, whether S3 server access logging is on and where the access logs are delivered.',
  remediation:
    'Enable server access logging to a dedicated log bucket (`aws s3api put-bucket-logging`), or list the bucket in `exemptBuckets` with the reason in the catalog if it is itself the access-log destination.',
  scope: 'global',
  // IAM action for s3:ListBuckets is s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetBucketLogging'],
  parameters: {
    exemptBuckets: {
      description: 'Bucket names (`*` wildcard allowed) that need no access logging, such as the access-log destination itself.',
      default: [],
    },
  },
  async collect(ctx) {
    const { GetBucketLoggingCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, async (s3, bucket) => stripMetadata(await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))));
  },
  evaluate: acceptConfigItems(BUCKET_LOGGING_ITEMS, (data, params) => {
    const exempt = stringListParam(params.exemptBuckets, []);
    return evaluatePerBucket(data, (bucket, response) => {
      if (isCapturedError(response)) {
        return { status: 'error', reason: `logging configuration of bucket ${bucket} could not be read (${response.error.code})` };
      }
      const target = response.LoggingEnabled;
      if (target?.TargetBucket) {
        return { status: 'pass', reason: `bucket ${bucket} delivers server access logs to s3://${target.TargetBucket}/${target.TargetPrefix ?? ''}` };
      }
      if (matchesBucketPattern(bucket, exempt)) {
        return { status: 'not-applicable', reason: `bucket ${bucket} has no server access logging and is listed in exemptBuckets` };
      }
      return { status: 'fail', reason: `bucket ${bucket} has server access logging disabled` };
    });
  }),
});
