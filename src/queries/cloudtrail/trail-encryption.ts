import { defineQuery } from '../types.js';
import { describeTrails, evaluateHomeTrails, trailLabel, type DescribeTrailsEvidence } from './trails.js';

export const trailEncryption = defineQuery<DescribeTrailsEvidence>({
  id: 'cloudtrail.trail-encryption',
  service: 'cloudtrail',
  title: 'CloudTrail log files are encrypted with a KMS key',
  description: 'For each trail, whether log files are encrypted with an AWS KMS key (SSE-KMS) the account controls, rather than only S3 managed keys.',
  remediation: 'Configure the trail with a KMS key whose policy lets CloudTrail encrypt (`aws cloudtrail update-trail --name <trail> --kms-key-id <key>`).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails'],
  collect: (ctx) => describeTrails(ctx),
  evaluate(data, _params, ctx) {
    return evaluateHomeTrails(data?.trailList, ctx.region, (t) =>
      t.KmsKeyId
        ? { status: 'pass', reason: `${trailLabel(t)} encrypts log files with KMS key ${t.KmsKeyId}` }
        : { status: 'fail', reason: `${trailLabel(t)} has no KMS key: log files are encrypted only with S3 managed keys` },
    );
  },
});
