import type { Bucket, S3Client } from '@aws-sdk/client-s3';
import { loadS3Sdk } from '../../aws/sdk.js';
import { stripMetadata, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';
import { mapWithConcurrencyLimit } from '../../concurrency-limit.js';

/**
 * IAM actions whose names differ from the S3 operation the client middleware logs (`s3:<Operation>`):
 * `apiCalls` lists the logged names; a least-privilege policy needs the IAM actions on the right.
 * `s3:GetPublicAccessBlock` is logged for both the bucket-level (S3) and the account-level (S3 Control) call.
 */
export const S3_IAM_ACTIONS_FOR_OPERATION: Readonly<Record<string, readonly string[]>> = {
  's3:ListBuckets': ['s3:ListAllMyBuckets'],
  's3:GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3:GetPublicAccessBlock': ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock'],
  's3:GetObjectLockConfiguration': ['s3:GetBucketObjectLockConfiguration'],
  's3:GetBucketLifecycleConfiguration': ['s3:GetLifecycleConfiguration'],
};

/** One bucket from ListBuckets (verbatim) with the region its bucket-level calls were sent to. */
export interface BucketResponse<T> {
  bucket: string;
  region: string;
  response: T | CapturedError;
}

/** Evidence of an S3 bucket query: the ListBuckets listing and one response per bucket. */
export interface S3BucketsEvidence<T> {
  buckets: Bucket[];
  responses: BucketResponse<T>[];
}

/** Bucket-level calls run a few at a time so large accounts finish without bursting past S3's limits. */
const BUCKET_CONCURRENCY = 8;

/** Every bucket the account owns, from every page of ListBuckets. */
export async function listAllBuckets(ctx: QueryContext): Promise<Bucket[]> {
  const { S3Client, paginateListBuckets } = await loadS3Sdk();
  const s3 = ctx.clients.get(S3Client);
  const buckets: Bucket[] = [];
  for await (const page of paginateListBuckets({ client: s3, pageSize: 1000 }, {})) {
    buckets.push(...(stripMetadata(page).Buckets ?? []));
  }
  return buckets;
}

/** The region of a bucket: ListBuckets reports it; GetBucketLocation answers when it does not. */
export async function bucketRegion(ctx: QueryContext, bucket: Bucket | string): Promise<string> {
  if (typeof bucket !== 'string' && bucket.BucketRegion) return bucket.BucketRegion;
  const name = typeof bucket === 'string' ? bucket : (bucket.Name ?? '');
  const { S3Client, GetBucketLocationCommand } = await loadS3Sdk();
  const out = await ctx.clients.get(S3Client).send(new GetBucketLocationCommand({ Bucket: name }));
  return locationToRegion(out.LocationConstraint);
}

/** GetBucketLocation's legacy answers: empty means us-east-1, `EU` means eu-west-1. */
export function locationToRegion(location: string | undefined | null): string {
  if (!location) return 'us-east-1';
  if (location === 'EU') return 'eu-west-1';
  return location;
}

/**
 * S3 clients per region for bucket-level calls, which S3 answers only in the bucket's own region: the context's
 * provider for its own region, its provider for each other region (`forRegion`, which lives as long as it does).
 */
export class RegionalS3Clients {
  private constructor(
    private readonly ctx: QueryContext,
    private readonly S3: typeof S3Client,
  ) {}

  static async open(ctx: QueryContext): Promise<RegionalS3Clients> {
    return new RegionalS3Clients(ctx, (await loadS3Sdk()).S3Client);
  }

  for(region: string): S3Client {
    return (region === this.ctx.clients.region ? this.ctx.clients : this.ctx.clients.forRegion(region)).get(this.S3);
  }
}

/**
 * Lists every bucket, then makes one bucket-level call per bucket in the bucket's own region.
 * `call` returns the verbatim response or a captured absence error; anything else it throws propagates.
 */
export async function collectPerBucket<T>(
  ctx: QueryContext,
  call: (s3: S3Client, bucket: string) => Promise<T | CapturedError>,
): Promise<S3BucketsEvidence<T>> {
  const buckets = await listAllBuckets(ctx);
  const clients = await RegionalS3Clients.open(ctx);
  const responses = await mapWithConcurrencyLimit(buckets, BUCKET_CONCURRENCY, async (b): Promise<BucketResponse<T>> => {
    ctx.signal?.throwIfAborted();
    const name = b.Name ?? '';
    const region = await bucketRegion(ctx, b);
    return { bucket: name, region, response: await call(clients.for(region), name) };
  });
  return { buckets, responses };
}

/**
 * Evaluates each listed bucket exactly once. A bucket listed without a response (evidence incomplete)
 * is an `error`, never a pass.
 */
export function evaluatePerBucket<T>(
  data: S3BucketsEvidence<T>,
  judge: (bucket: string, response: T | CapturedError, region: string) => Omit<ResourceResult, 'resource' | 'resourceType'>,
): ResourceResult[] {
  const byName = new Map((data?.responses ?? []).map((r) => [r.bucket, r]));
  const seen = new Set<string>();
  const results: ResourceResult[] = [];
  for (const b of data?.buckets ?? []) {
    const name = b.Name ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    const r = byName.get(name);
    if (!r) {
      results.push({ resource: name, resourceType: 'AWS::S3::Bucket', status: 'error', reason: `bucket ${name} was listed but the evidence holds no response for it` });
      continue;
    }
    results.push({ resource: name, resourceType: 'AWS::S3::Bucket', ...judge(name, r.response, r.region) });
  }
  if (results.length === 0) {
    results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'the account owns no S3 buckets' });
  }
  return results;
}

/** `*` matches any run of characters; everything else is literal. */
export function matchesBucketPattern(bucket: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => new RegExp('^' + p.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$').test(bucket));
}

/** A string-list parameter; a single string (from an environment override) becomes a one-element list. */
export function stringListParam(value: unknown, fallback: readonly string[]): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...fallback];
}
