import type {
  GetBucketAclCommandOutput,
  GetBucketPolicyStatusCommandOutput,
  GetPublicAccessBlockCommandOutput,
  Grant,
  PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import type { GetPublicAccessBlockCommandOutput as GetAccountPublicAccessBlockCommandOutput } from '@aws-sdk/client-s3-control';
import { loadS3ControlSdk, loadS3Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type BucketResponse, type S3BucketsEvidence } from './buckets.js';

export interface PublicAccessBlockEvidence extends S3BucketsEvidence<Omit<GetPublicAccessBlockCommandOutput, '$metadata'>> {
  /** S3 Control GetPublicAccessBlock for the whole account; a failed call is kept so the bucket results survive it. */
  account: Omit<GetAccountPublicAccessBlockCommandOutput, '$metadata'> | CapturedError;
  /** GetBucketPolicyStatus per bucket (NoSuchBucketPolicy kept as evidence). Absent in evidence collected before it was added. */
  policyStatuses?: BucketResponse<Omit<GetBucketPolicyStatusCommandOutput, '$metadata'>>[];
  /** GetBucketAcl per bucket. Absent in evidence collected before it was added. */
  acls?: BucketResponse<Omit<GetBucketAclCommandOutput, '$metadata'>>[];
}

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const NO_PAB = 'NoSuchPublicAccessBlockConfiguration';
const NO_POLICY = 'NoSuchBucketPolicy';
/** ACL grantee groups that make a bucket public: anyone, and anyone with any AWS account. */
const PUBLIC_GROUPS: Readonly<Record<string, string>> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'everyone (AllUsers)',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'any AWS account (AuthenticatedUsers)',
};

function missingFlags(cfg: PublicAccessBlockConfiguration | undefined): string[] {
  return FLAGS.filter((f) => cfg?.[f] !== true);
}

function publicGrants(grants: readonly Grant[] | undefined): string[] {
  return (grants ?? []).flatMap((g) => {
    const who = PUBLIC_GROUPS[g.Grantee?.URI ?? ''];
    return who ? [`${g.Permission ?? 'a permission'} to ${who}`] : [];
  });
}

/**
 * Whether a failing reason of this check shows the bucket public (its policy or ACL grants public access that Block
 * Public Access does not neutralize), not only a protection off: the reason `evaluate` gives it opens so. Only for
 * results that carry no `exposure` field (an evaluation written before it was set); `evaluate` sets `exposure: 'public'`.
 */
export function showsPublicBucket(reason: string): boolean {
  return /^bucket \S+ is public: /.test(reason);
}

export const publicAccessBlock = defineQuery<PublicAccessBlockEvidence>({
  id: 's3.public-access-block',
  service: 's3',
  title: 'No S3 bucket is public, and Block Public Access is on for the account and every bucket',
  description:
    'The account-level S3 Block Public Access settings, each bucket’s own settings, whether S3 judges its bucket policy public (GetBucketPolicyStatus) and its ACL grants. A bucket fails when its policy or ACL makes it public and Block Public Access does not neutralize that, or when any of the four protections is off at both levels.',
  remediation:
    'Remove public statements from bucket policies and public grants from ACLs (serve public content through CloudFront with origin access control), then turn on all four Block Public Access settings for the account (`aws s3control put-public-access-block`) or, where an account-wide setting is impossible, on each bucket (`aws s3api put-public-access-block`).',
  scope: 'global',
  // Logged as s3:GetPublicAccessBlock for both levels; the IAM actions are s3:GetBucketPublicAccessBlock (bucket,
  // S3 API) and s3:GetAccountPublicAccessBlock (account, S3 Control API). s3:ListBuckets is s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetPublicAccessBlock', 's3:GetBucketPolicyStatus', 's3:GetBucketAcl'],
  async collect(ctx) {
    const { GetBucketAclCommand, GetBucketPolicyStatusCommand, GetPublicAccessBlockCommand } = await loadS3Sdk();
    const { S3ControlClient, GetPublicAccessBlockCommand: GetAccountPublicAccessBlockCommand } = await loadS3ControlSdk();
    // Any failure of the account-level call is kept: the per-bucket evidence stays usable without it.
    const account = await captureFailure(
      () => ctx.clients.get(S3ControlClient).send(new GetAccountPublicAccessBlockCommand({ AccountId: ctx.accountId })),
      ctx.signal,
    );
    const policyStatuses: NonNullable<PublicAccessBlockEvidence['policyStatuses']> = [];
    const acls: NonNullable<PublicAccessBlockEvidence['acls']> = [];
    const perBucket = await collectPerBucket(ctx, async (s3, bucket) => {
      const region = String(await s3.config.region());
      policyStatuses.push({ bucket, region, response: await captureFailure(() => s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })), ctx.signal) });
      acls.push({ bucket, region, response: await captureFailure(() => s3.send(new GetBucketAclCommand({ Bucket: bucket })), ctx.signal) });
      return captureAbsence(() => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), [NO_PAB]);
    });
    const order = new Map(perBucket.buckets.map((b, i) => [b.Name ?? '', i]));
    const byListing = (a: BucketResponse<unknown>, b: BucketResponse<unknown>) => (order.get(a.bucket) ?? 0) - (order.get(b.bucket) ?? 0);
    return { account, ...perBucket, policyStatuses: policyStatuses.sort(byListing), acls: acls.sort(byListing) };
  },
  evaluate(data) {
    const account = data?.account;
    const accountFailed = account !== undefined && isCapturedError(account) && account.error.code !== NO_PAB;
    const accountCfg = account && !isCapturedError(account) ? account.PublicAccessBlockConfiguration : undefined;
    const accountMissing = missingFlags(accountCfg);
    const results: ResourceResult[] = [];
    const accountResource = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!account) {
      results.push({ ...accountResource, status: 'error', reason: 'the evidence holds no account-level Block Public Access response' });
    } else if (accountFailed) {
      results.push({ ...accountResource, status: 'error', reason: `the account-level Block Public Access settings could not be read (${account.error.code}: ${account.error.message})` });
    } else if (accountMissing.length === 0) {
      results.push({ ...accountResource, status: 'pass', reason: 'all four S3 Block Public Access settings are on for the account' });
    } else {
      results.push({
        ...accountResource,
        status: 'fail',
        reason: isCapturedError(account)
          ? 'the account has no S3 Block Public Access configuration'
          : `account-level S3 Block Public Access is missing ${accountMissing.join(', ')}`,
      });
    }
    const policyOf = new Map((data?.policyStatuses ?? []).map((r) => [r.bucket, r.response]));
    const aclOf = new Map((data?.acls ?? []).map((r) => [r.bucket, r.response]));
    const buckets = evaluatePerBucket(data, (bucket, response) => {
      const bucketCfg = isCapturedError(response) ? undefined : response.PublicAccessBlockConfiguration;
      const effective = (f: (typeof FLAGS)[number]) => accountCfg?.[f] === true || bucketCfg?.[f] === true;
      const notEffective = FLAGS.filter((f) => !effective(f));

      // What makes the bucket public today, whatever the Block Public Access flags say.
      const exposures: string[] = [];
      const unknown: string[] = [];
      const policy = policyOf.get(bucket);
      if (policy && isCapturedError(policy)) {
        if (policy.error.code !== NO_POLICY) unknown.push(`its policy status could not be read (${policy.error.code})`);
      } else if (policy?.PolicyStatus?.IsPublic === true && !effective('RestrictPublicBuckets')) {
        exposures.push('S3 judges its bucket policy public (GetBucketPolicyStatus IsPublic) and RestrictPublicBuckets is not in effect');
      }
      const acl = aclOf.get(bucket);
      if (acl && isCapturedError(acl)) unknown.push(`its ACL could not be read (${acl.error.code})`);
      else if (acl && !effective('IgnorePublicAcls')) {
        const grants = publicGrants(acl.Grants);
        if (grants.length) exposures.push(`its ACL grants ${grants.join(', ')} and IgnorePublicAcls is not in effect`);
      }

      if (exposures.length) return { status: 'fail', reason: `bucket ${bucket} is public: ${exposures.join('; ')}`, exposure: 'public' };
      if (notEffective.length === 0) {
        const via = missingFlags(bucketCfg).length === 0 ? 'the bucket’s own settings' : 'the account-level settings';
        return { status: 'pass', reason: `all four Block Public Access protections apply to bucket ${bucket} (through ${via})` };
      }
      const own = isCapturedError(response) ? 'has no bucket-level configuration' : `bucket-level settings lack ${missingFlags(bucketCfg).join(', ')}`;
      // Without the account-level answer, a bucket lacking its own flags cannot be judged: a gap, not a failure.
      if (accountFailed) return { status: 'error', reason: `bucket ${bucket} ${own}, and the account-level settings that might cover it could not be read` };
      const seen = policy || acl ? (unknown.length ? `; ${unknown.join('; ')}` : '; its policy and ACL are not public today') : '';
      return { status: 'fail', reason: `bucket ${bucket} ${own}, and neither level sets ${notEffective.join(', ')}${seen}` };
    });
    return [...results, ...buckets.filter((r) => r.resource !== 'account')];
  },
});
