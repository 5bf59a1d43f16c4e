import type { GetPublicAccessBlockCommandOutput, PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import type { GetPublicAccessBlockCommandOutput as GetAccountPublicAccessBlockCommandOutput } from '@aws-sdk/client-s3-control';
import { loadS3ControlSdk, loadS3Sdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type S3BucketsEvidence } from './buckets.js';

export interface PublicAccessBlockEvidence extends S3BucketsEvidence<Omit<GetPublicAccessBlockCommandOutput, '$metadata'>> {
  /** S3 Control GetPublicAccessBlock for the whole account. */
  account: Omit<GetAccountPublicAccessBlockCommandOutput, '$metadata'> | CapturedError;
}

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const NO_PAB = 'NoSuchPublicAccessBlockConfiguration';

function missingFlags(cfg: PublicAccessBlockConfiguration | undefined): string[] {
  return FLAGS.filter((f) => cfg?.[f] !== true);
}

export const publicAccessBlock = defineQuery<PublicAccessBlockEvidence>({
  id: 's3.public-access-block',
  service: 's3',
  title: 'S3 Block Public Access is on for the account and every bucket',
  description:
    'The account-level S3 Block Public Access settings and each bucket’s own settings; a bucket passes when all four protections are in effect through either level.',
  remediation:
    'Turn on all four Block Public Access settings for the account (`aws s3control put-public-access-block`) or, where an account-wide setting is impossible, on each bucket (`aws s3api put-public-access-block`).',
  scope: 'global',
  // Logged as s3:GetPublicAccessBlock for both levels; the IAM actions are s3:GetBucketPublicAccessBlock (bucket,
  // S3 API) and s3:GetAccountPublicAccessBlock (account, S3 Control API). s3:ListBuckets is s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetPublicAccessBlock'],
  async collect(ctx) {
    const { GetPublicAccessBlockCommand } = await loadS3Sdk();
    const { S3ControlClient, GetPublicAccessBlockCommand: GetAccountPublicAccessBlockCommand } = await loadS3ControlSdk();
    const account = await captureAbsence(
      () => ctx.clients.get(S3ControlClient).send(new GetAccountPublicAccessBlockCommand({ AccountId: ctx.accountId })),
      [NO_PAB],
    );
    const perBucket = await collectPerBucket(ctx, (s3, bucket) => captureAbsence(() => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), [NO_PAB]));
    return { account, ...perBucket };
  },
  evaluate(data) {
    const account = data?.account;
    const accountCfg = account && !isCapturedError(account) ? account.PublicAccessBlockConfiguration : undefined;
    const accountMissing = missingFlags(accountCfg);
    const results: ResourceResult[] = [];
    if (!account) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no account-level Block Public Access response' });
    } else if (accountMissing.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'pass', reason: 'all four S3 Block Public Access settings are on for the account' });
    } else {
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'fail',
        reason: isCapturedError(account)
          ? 'the account has no S3 Block Public Access configuration'
          : `account-level S3 Block Public Access is missing ${accountMissing.join(', ')}`,
      });
    }
    const buckets = evaluatePerBucket(data, (bucket, response) => {
      const bucketCfg = isCapturedError(response) ? undefined : response.PublicAccessBlockConfiguration;
      const notEffective = FLAGS.filter((f) => accountCfg?.[f] !== true && bucketCfg?.[f] !== true);
      if (notEffective.length === 0) {
        const via = missingFlags(bucketCfg).length === 0 ? 'the bucket’s own settings' : 'the account-level settings';
        return { status: 'pass', reason: `all four Block Public Access protections apply to bucket ${bucket} (through ${via})` };
      }
      const own = isCapturedError(response) ? 'has no bucket-level configuration' : `bucket-level settings lack ${missingFlags(bucketCfg).join(', ')}`;
      return { status: 'fail', reason: `bucket ${bucket} ${own}, and neither level sets ${notEffective.join(', ')}` };
    });
    return [...results, ...buckets.filter((r) => r.resource !== 'account')];
  },
});
