import type { GetBucketPolicyCommandOutput } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError } from '../types.js';
import { collectPerBucket, evaluatePerBucket, type S3BucketsEvidence } from './buckets.js';
import { BUCKET_POLICY_ITEMS } from './bucket-items.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export type TlsOnlyPolicyEvidence = S3BucketsEvidence<Omit<GetBucketPolicyCommandOutput, '$metadata'>>;

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function appliesToEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal && typeof principal === 'object') return asList((principal as Record<string, unknown>).AWS as string | string[] | undefined).includes('*');
  return false;
}

function coversAllS3Actions(action: string | string[] | undefined): boolean {
  return asList(action).some((a) => a === '*' || a.toLowerCase() === 's3:*');
}

/** The statement must cover the bucket's objects (where data is read and written), not only the bucket. */
function coversObjects(resource: string | string[] | undefined, bucket: string): boolean {
  return asList(resource).some((r) => r === '*' || r.endsWith(`:s3:::${bucket}/*`) || r.endsWith(`:s3:::${bucket}*`));
}

function deniesInsecureTransport(condition: PolicyStatement['Condition']): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    if (operator !== 'Bool' && operator !== 'BoolIfExists') continue;
    for (const [key, value] of Object.entries(keys ?? {})) {
      if (key.toLowerCase() === 'aws:securetransport' && asList(value as unknown).some((v) => String(v).toLowerCase() === 'false')) return true;
    }
  }
  return false;
}

/** Returns the Sid (or index) of a statement that denies every S3 action over plain HTTP, if any. */
export function findTlsOnlyStatement(policyJson: string, bucket: string): { found: string | undefined; partial: string | undefined } {
  const policy = JSON.parse(policyJson) as { Statement?: PolicyStatement | PolicyStatement[] };
  let partial: string | undefined;
  for (const [i, s] of asList(policy.Statement).entries()) {
    if (s.Effect !== 'Deny' || !deniesInsecureTransport(s.Condition)) continue;
    const name = s.Sid ? `statement ${s.Sid}` : `statement #${i + 1}`;
    if (appliesToEveryone(s.Principal) && coversAllS3Actions(s.Action) && coversObjects(s.Resource, bucket)) return { found: name, partial: undefined };
    partial ??= name;
  }
  return { found: undefined, partial };
}

export const tlsOnlyPolicy = defineQuery<TlsOnlyPolicyEvidence | AggregateConfigItemsEvidence>({
  id: 's3.tls-only-policy',
  service: 's3',
  title: 'S3 bucket policies refuse requests that do not use TLS',
  description:
    'For every bucket the account owns, whether the bucket policy denies all S3 actions to every principal when aws:SecureTransport is false, so data is only transferred encrypted.',
  remediation:
    'Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", Resource the bucket and "bucket/*", Condition {"Bool": {"aws:SecureTransport": "false"}}.',
  scope: 'global',
  // IAM action for s3:ListBuckets is s3:ListAllMyBuckets.
  apiCalls: ['s3:ListBuckets', 's3:GetBucketLocation', 's3:GetBucketPolicy'],
  async collect(ctx) {
    const { GetBucketPolicyCommand } = await loadS3Sdk();
    return collectPerBucket(ctx, (s3, bucket) => captureAbsence(() => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), ['NoSuchBucketPolicy']));
  },
  evaluate: acceptConfigItems(BUCKET_POLICY_ITEMS, (data) => {
    return evaluatePerBucket(data, (bucket, response) => {
      if (isCapturedError(response) || !response.Policy) {
        return { status: 'fail', reason: `bucket ${bucket} has no bucket policy, so plain-HTTP requests are not refused` };
      }
      let verdict: ReturnType<typeof findTlsOnlyStatement>;
      try {
        verdict = findTlsOnlyStatement(response.Policy, bucket);
      } catch (err) {
        return { status: 'error', reason: `bucket policy of ${bucket} is not valid JSON: ${(err as Error).message}` };
      }
      if (verdict.found) return { status: 'pass', reason: `bucket ${bucket} policy ${verdict.found} denies all S3 actions when aws:SecureTransport is false` };
      if (verdict.partial) {
        return {
          status: 'fail',
          reason: `bucket ${bucket} policy ${verdict.partial} denies plain HTTP only for some principals, actions or resources (it must cover "*", "s3:*" and the bucket's objects)`,
        };
      }
      return { status: 'fail', reason: `bucket ${bucket} policy has no Deny statement on aws:SecureTransport = false` };
    });
  }),
});
