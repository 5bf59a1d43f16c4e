import type { Trail } from '@aws-sdk/client-cloudtrail';
import { defineQuery, type ResourceResult } from '../types.js';
import { describeTrails, evaluateHomeTrails, trailLabel, type DescribeTrailsEvidence } from './trails.js';

/** The account field of an ARN (`arn:partition:service:region:account:...`), or undefined for anything else. */
function arnAccount(arn: string | undefined): string | undefined {
  const parts = arn?.split(':');
  return parts && parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/**
 * A trail's KMS key judged by whose it is. The owner is taken from the TrailARN, so an organization trail seen from a
 * member account is compared with the management account that owns it; a key named by alias or bare key id carries
 * no account and is judged as a key of the trail's account.
 */
function judgeKey(t: Trail, fallbackOwner: string): Pick<ResourceResult, 'status' | 'reason'> {
  if (!t.KmsKeyId) return { status: 'fail', reason: `${trailLabel(t)} has no KMS key: log files are encrypted only with S3 managed keys` };
  const owner = arnAccount(t.TrailARN) ?? fallbackOwner;
  const keyAccount = arnAccount(t.KmsKeyId);
  if (keyAccount && owner && keyAccount !== owner) {
    return {
      status: 'needs-review',
      reason: `${trailLabel(t)} encrypts log files with KMS key ${t.KmsKeyId} of account ${keyAccount}, not of the trail's account ${owner}; the key policy is controlled by account ${keyAccount}: it can disable the key, stopping delivery and making logs unreadable. Confirm that account is under the same control (for example the organization's log archive account)`,
    };
  }
  return { status: 'pass', reason: `${trailLabel(t)} encrypts log files with KMS key ${t.KmsKeyId}${keyAccount ? ` of the trail's account ${keyAccount}` : ''}` };
}

export const trailEncryption = defineQuery<DescribeTrailsEvidence>({
  id: 'cloudtrail.trail-encryption',
  service: 'cloudtrail',
  title: 'CloudTrail log files are encrypted with a KMS key',
  description:
    'For each trail, whether log files are encrypted with an AWS KMS key (SSE-KMS) rather than only S3 managed keys, and whether the key (when named by ARN) belongs to the trail’s own account; a key of another account needs review, since that account controls its key policy.',
  remediation: 'Configure the trail with a KMS key whose policy lets CloudTrail encrypt (`aws cloudtrail update-trail --name <trail> --kms-key-id <key>`).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails'],
  collect: (ctx) => describeTrails(ctx),
  evaluate(data, _params, ctx) {
    return evaluateHomeTrails(data?.trailList, ctx.region, (t) => judgeKey(t, ctx.accountId));
  },
});
