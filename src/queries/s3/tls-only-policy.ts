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

/** A resource ARN that covers the bucket itself (bucket-level actions such as ListBucket or GetBucketPolicy). */
function coversBucketArn(r: string, bucket: string): boolean {
  return r === '*' || r.endsWith(':s3:::*') || r.endsWith(`:s3:::${bucket}`) || r.endsWith(`:s3:::${bucket}*`);
}

/** A resource ARN that covers every object of the bucket (where data is read and written). */
function coversObjectArns(r: string, bucket: string): boolean {
  return r === '*' || r.endsWith(':s3:::*') || r.endsWith(`:s3:::${bucket}/*`) || r.endsWith(`:s3:::${bucket}*`);
}

interface ConditionEntry {
  operator: string;
  key: string;
  values: string[];
}

function conditionEntries(condition: PolicyStatement['Condition']): ConditionEntry[] {
  return Object.entries(condition ?? {}).flatMap(([operator, keys]) =>
    Object.entries(keys ?? {}).map(([key, value]) => ({ operator, key, values: asList(value as unknown).map((v) => String(v).toLowerCase()) })),
  );
}

/** `Bool` / `BoolIfExists` aws:SecureTransport (key names are case-insensitive in IAM) with "false" among its values. */
const isSecureTransportFalse = (e: ConditionEntry): boolean =>
  (e.operator === 'Bool' || e.operator === 'BoolIfExists') && e.key.toLowerCase() === 'aws:securetransport' && e.values.includes('false');

const TLS_VERSION_OPERATORS = ['NumericLessThan', 'NumericLessThanEquals', 'NumericLessThanIfExists', 'NumericLessThanEqualsIfExists'];
const isTlsVersionBelow = (e: ConditionEntry): boolean => TLS_VERSION_OPERATORS.includes(e.operator) && e.key.toLowerCase() === 's3:tlsversion';

/**
 * What the bucket policy's Deny statements show about plain-HTTP requests. IAM ANDs a statement's condition operators
 * and the keys inside each, and a condition on a key the request lacks is false (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html),
 * so only a statement whose Condition is nothing but aws:SecureTransport = false is credited: any other key narrows the
 * Deny to the requests that also meet it.
 */
export interface TlsOnlyVerdict {
  /** Statements (to everyone, every S3 action, SecureTransport-only condition) that together cover the bucket ARN and its objects. */
  found: string | undefined;
  /** Such statements that cover the bucket's objects but not the bucket ARN. */
  objectsOnly: string | undefined;
  /** Deny statements on s3:TlsVersion alone (no aws:SecureTransport) that, with the credited ones, cover bucket and objects. */
  tlsVersionOnly: string | undefined;
  /** A Deny on aws:SecureTransport = false whose Condition also holds other keys, and those keys. */
  narrowed: { name: string; keys: string[] } | undefined;
  /** A Deny on aws:SecureTransport = false that misses some principals, actions or resources. */
  partial: string | undefined;
}

export function findTlsOnlyStatement(policyJson: string, bucket: string): TlsOnlyVerdict {
  const policy = JSON.parse(policyJson) as { Statement?: PolicyStatement | PolicyStatement[] };
  const bucketBy: string[] = [];
  const objectsBy: string[] = [];
  const tlsBucketBy: string[] = [];
  const tlsObjectsBy: string[] = [];
  let narrowed: TlsOnlyVerdict['narrowed'];
  let partial: string | undefined;
  for (const [i, s] of asList(policy.Statement).entries()) {
    if (s.Effect !== 'Deny') continue;
    const entries = conditionEntries(s.Condition);
    const insecure = entries.some(isSecureTransportFalse);
    const tlsVersion = !insecure && entries.length > 0 && entries.every(isTlsVersionBelow);
    if (!insecure && !tlsVersion) continue;
    const name = s.Sid ? `statement ${s.Sid}` : `statement #${i + 1}`;
    const resources = asList(s.Resource);
    const onBucket = resources.some((r) => coversBucketArn(r, bucket));
    const onObjects = resources.some((r) => coversObjectArns(r, bucket));
    const complete = appliesToEveryone(s.Principal) && coversAllS3Actions(s.Action);
    if (tlsVersion) {
      if (complete && onBucket) tlsBucketBy.push(name);
      if (complete && onObjects) tlsObjectsBy.push(name);
      continue;
    }
    const extra = entries.filter((e) => !isSecureTransportFalse(e));
    if (extra.length > 0) {
      narrowed ??= { name, keys: [...new Set(extra.map((e) => `${e.operator} ${e.key}`))] };
      continue;
    }
    if (complete && onBucket) bucketBy.push(name);
    if (complete && onObjects) objectsBy.push(name);
    if (!complete || !onObjects) partial ??= name;
  }
  const names = (list: string[]) => [...new Set(list)].join(' and ');
  if (bucketBy.length > 0 && objectsBy.length > 0) {
    return { found: names([...objectsBy, ...bucketBy]), objectsOnly: undefined, tlsVersionOnly: undefined, narrowed, partial };
  }
  // s3:TlsVersion statements fill in only what the SecureTransport statements leave uncovered.
  const tlsFill = [...(objectsBy.length > 0 ? [] : tlsObjectsBy), ...(bucketBy.length > 0 ? [] : tlsBucketBy)];
  const coveredWithTls = (bucketBy.length > 0 || tlsBucketBy.length > 0) && (objectsBy.length > 0 || tlsObjectsBy.length > 0);
  return {
    found: undefined,
    objectsOnly: objectsBy.length > 0 ? names(objectsBy) : undefined,
    tlsVersionOnly: coveredWithTls ? names(tlsFill) : undefined,
    narrowed,
    partial,
  };
}

export const tlsOnlyPolicy = defineQuery<TlsOnlyPolicyEvidence | AggregateConfigItemsEvidence>({
  id: 's3.tls-only-policy',
  service: 's3',
  title: 'S3 bucket policies refuse requests that do not use TLS',
  description:
    'For every bucket the account owns, whether the bucket policy denies all S3 actions on the bucket and its objects to every principal when aws:SecureTransport is false, with no other condition narrowing the Deny, so data is only transferred encrypted.',
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
      if (verdict.found) {
        return {
          status: 'pass',
          reason: `bucket ${bucket} policy ${verdict.found} denies all S3 actions on the bucket and its objects to every principal when aws:SecureTransport is false, with no other condition`,
        };
      }
      if (verdict.tlsVersionOnly) {
        return {
          status: 'needs-review',
          reason:
            `bucket ${bucket} policy relies on ${verdict.tlsVersionOnly}, a Deny when s3:TlsVersion is below a minimum with no aws:SecureTransport condition, to refuse plain HTTP` +
            `${verdict.objectsOnly ? ` on the bucket (${verdict.objectsOnly} covers the objects)` : ''}: AWS's knowledge-center article on enforcing TLS 1.2 for S3 (s3-enforce-modern-tls) presents such a statement as enforcing HTTPS, ` +
            'but the S3 condition-key reference does not say what s3:TlsVersion holds on a plain-HTTP request, so the policy alone does not show plain HTTP refused; ' +
            'confirm with a plain-HTTP request (expect AccessDenied) or add a Deny on aws:SecureTransport = false',
        };
      }
      if (verdict.objectsOnly) {
        return {
          status: 'needs-review',
          reason:
            `bucket ${bucket} policy ${verdict.objectsOnly} denies all S3 actions on the bucket's objects over plain HTTP, but not on the bucket ARN: ` +
            'bucket-level requests (ListBucket, which returns object keys, GetBucketPolicy, GetBucketAcl and the other bucket operations) are not refused over plain HTTP',
        };
      }
      if (verdict.narrowed) {
        return {
          status: 'fail',
          reason:
            `bucket ${bucket} policy ${verdict.narrowed.name} denies plain HTTP only when its other conditions (${verdict.narrowed.keys.join(', ')}) also hold: ` +
            'IAM ANDs condition operators and keys, and a condition on a key the request lacks is false (unless its operator ends in IfExists), so requests outside them (other principals, addresses or ' +
            'authentication) may use plain HTTP; the policy does not show every plain-HTTP request refused',
        };
      }
      if (verdict.partial) {
        return {
          status: 'fail',
          reason: `bucket ${bucket} policy ${verdict.partial} denies plain HTTP only for some principals, actions or resources (it must cover "*", "s3:*", the bucket and its objects)`,
        };
      }
      return { status: 'fail', reason: `bucket ${bucket} policy has no Deny statement on aws:SecureTransport = false` };
    });
  }),
});
