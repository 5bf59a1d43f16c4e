import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type BucketLocationConstraint,
  type Grant,
  type GetBucketVersioningOutput,
  type LifecycleRule,
  type LoggingEnabled,
  type ObjectLockConfiguration,
  type PublicAccessBlockConfiguration,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import type { PublicAccessBlockConfiguration as AccountPublicAccessBlock } from '@aws-sdk/client-s3-control';
import { createHash } from 'node:crypto';
import { restXml } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';

/** One general purpose bucket and the configuration the simulated read APIs report. */
export interface SimBucket {
  name: string;
  region: string;
  creationDate: Date;
  /** Absent: no default encryption configured (ServerSideEncryptionConfigurationNotFoundError). */
  encryption?: ServerSideEncryptionConfiguration;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  versioning?: Omit<GetBucketVersioningOutput, '$metadata'>;
  objectLock?: ObjectLockConfiguration;
  logging?: LoggingEnabled;
  /** The bucket policy document (JSON text). */
  policy?: string;
  lifecycleRules?: LifecycleRule[];
  /** ACL grants besides the owner's FULL_CONTROL, which every bucket has. */
  aclGrants?: Grant[];
  /** Objects the simulated read APIs can list and get (for example CloudTrail log and digest files). */
  objects?: SimObject[];
}

/** One stored object: its bytes, user metadata (x-amz-meta-*) and when it was written. */
export interface SimObject {
  key: string;
  body: Buffer;
  metadata?: Record<string, string>;
  contentType?: string;
  lastModified: Date;
}

/** S3 is global per account: buckets (each with its region) and the account-level public access block. */
export interface S3AccountState {
  buckets: SimBucket[];
  accountPublicAccessBlock?: AccountPublicAccessBlock;
}

declare module '../world.js' {
  interface GlobalState {
    s3: S3AccountState;
  }
}

export const s3State = (account: SimAccount) => account.globalState('s3', () => ({ buckets: [] }));

/** The canonical user id S3 reports as bucket owner: stable per account. */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`canonical-user:${accountId}`).digest('hex');
}

const notFound = (code: string, message: string, bucket: string) => new SimError(code, message, 404, { BucketName: bucket });

/**
 * Finds the bucket a path-style request names. A bucket of another account answers AccessDenied; a bucket
 * in another region answers 301 PermanentRedirect with x-amz-bucket-region, as S3's regional endpoints do.
 */
function bucket(ctx: CallContext, name: string | undefined): SimBucket {
  const bucketName = name ?? '';
  const own = s3State(ctx.account).buckets.find((b) => b.name === bucketName);
  if (!own) {
    for (const other of ctx.world.accounts.values()) {
      if (other !== ctx.account && other.global.s3?.buckets.some((b) => b.name === bucketName)) {
        throw new SimError('AccessDenied', 'Access Denied', 403);
      }
    }
    throw notFound('NoSuchBucket', 'The specified bucket does not exist', bucketName);
  }
  if (own.region !== ctx.region) {
    const err = new SimError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', 301, {
      Bucket: bucketName,
      Endpoint: `s3.${own.region}.amazonaws.com`,
    });
    err.headers['x-amz-bucket-region'] = own.region;
    throw err;
  }
  return own;
}

export const s3: SimService = {
  name: 's3',
  signingName: 's3',
  protocol: restXml,
  xmlNamespace: 'http://s3.amazonaws.com/doc/2006-03-01/',
  bucketInPath: true,
  claims: (req) => !req.path.startsWith('/v20180820/'),
  operations: [
    operation(ListBucketsCommand, (input, ctx) => {
      let buckets = [...s3State(ctx.account).buckets].sort((a, b) => a.name.localeCompare(b.name));
      if (input.Prefix) buckets = buckets.filter((b) => b.name.startsWith(input.Prefix!));
      if (input.BucketRegion) buckets = buckets.filter((b) => b.region === input.BucketRegion);
      const listing = buckets.map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region, BucketArn: `arn:aws:s3:::${b.name}` }));
      const owner = { ID: canonicalUserId(ctx.account.id), DisplayName: ctx.account.name };
      if (input.MaxBuckets === undefined && input.ContinuationToken === undefined) return { Buckets: listing, Owner: owner, Prefix: input.Prefix };
      const { page, nextToken } = paginate(listing, {
        token: input.ContinuationToken,
        limit: input.MaxBuckets,
        defaultLimit: 10_000,
        maxLimit: 10_000,
        scope: `ListBuckets/${input.Prefix ?? ''}/${input.BucketRegion ?? ''}`,
        invalidToken: () => new SimError('InvalidArgument', 'The continuation token provided is incorrect', 400),
        invalidLimit: (n) => new SimError('InvalidArgument', `Argument max-buckets (${n}) must be an integer between 1 and 10000.`, 400),
      });
      return { Buckets: page, Owner: owner, ContinuationToken: nextToken, Prefix: input.Prefix };
    }),

    operation(GetBucketLocationCommand, (input, ctx) => {
      const b = bucket({ ...ctx, region: s3State(ctx.account).buckets.find((x) => x.name === input.Bucket)?.region ?? ctx.region }, input.Bucket);
      // GetBucketLocation answers from any region; us-east-1 is reported as an empty constraint.
      return b.region === 'us-east-1' ? {} : { LocationConstraint: b.region as BucketLocationConstraint };
    }),

    operation(GetBucketEncryptionCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.encryption) throw notFound('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', b.name);
      return { ServerSideEncryptionConfiguration: b.encryption };
    }),

    operation(GetPublicAccessBlockCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.publicAccessBlock) throw notFound('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', b.name);
      return { PublicAccessBlockConfiguration: b.publicAccessBlock };
    }),

    operation(GetBucketVersioningCommand, (input, ctx) => bucket(ctx, input.Bucket).versioning ?? {}),

    operation(GetObjectLockConfigurationCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.objectLock) throw notFound('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', b.name);
      return { ObjectLockConfiguration: b.objectLock };
    }),

    operation(GetBucketLoggingCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      return b.logging ? { LoggingEnabled: b.logging } : {};
    }),

    operation(GetBucketPolicyCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.policy) throw notFound('NoSuchBucketPolicy', 'The bucket policy does not exist', b.name);
      return { Policy: b.policy };
    }),

    operation(GetBucketPolicyStatusCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.policy) throw notFound('NoSuchBucketPolicy', 'The bucket policy does not exist', b.name);
      return { PolicyStatus: { IsPublic: isPublicPolicy(b.policy) } };
    }),

    operation(GetBucketAclCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      const owner = { ID: canonicalUserId(ctx.account.id) };
      const ownerGrant: Grant = { Grantee: { Type: 'CanonicalUser', ...owner }, Permission: 'FULL_CONTROL' };
      return { Owner: owner, Grants: [ownerGrant, ...(b.aclGrants ?? [])] };
    }),

    operation(GetBucketLifecycleConfigurationCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (!b.lifecycleRules?.length) throw notFound('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', b.name);
      return { Rules: b.lifecycleRules };
    }),

    operation(ListObjectsV2Command, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      if (input.Delimiter) throw new SimError('NotImplemented', 'The simulated S3 does not implement ListObjectsV2 with a delimiter.', 501);
      const after = input.StartAfter ?? '';
      const keys = [...(b.objects ?? [])].filter((o) => o.key.startsWith(input.Prefix ?? '') && o.key > after).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      const { page, nextToken } = paginate(keys, {
        token: input.ContinuationToken,
        limit: input.MaxKeys,
        defaultLimit: 1000,
        maxLimit: 1000,
        scope: `ListObjectsV2/${b.name}/${input.Prefix ?? ''}/${after}`,
        invalidToken: () => new SimError('InvalidArgument', 'The continuation token provided is incorrect', 400),
        invalidLimit: (n) => new SimError('InvalidArgument', `Argument max-keys (${n}) must be an integer between 0 and 1000.`, 400),
      });
      return {
        Name: b.name,
        Prefix: input.Prefix,
        StartAfter: input.StartAfter,
        MaxKeys: input.MaxKeys ?? 1000,
        KeyCount: page.length,
        IsTruncated: nextToken !== undefined,
        ContinuationToken: input.ContinuationToken,
        NextContinuationToken: nextToken,
        Contents: page.map((o) => ({ Key: o.key, LastModified: o.lastModified, ETag: `"${createHash('md5').update(o.body).digest('hex')}"`, Size: o.body.length, StorageClass: 'STANDARD' as const })),
      };
    }),

    operation(GetObjectCommand, (input, ctx) => {
      const b = bucket(ctx, input.Bucket);
      const o = (b.objects ?? []).find((x) => x.key === input.Key);
      if (!o) throw new SimError('NoSuchKey', 'The specified key does not exist.', 404, { Key: input.Key ?? '' });
      return {
        Body: new Uint8Array(o.body) as never,
        ContentLength: o.body.length,
        ContentType: o.contentType ?? 'application/octet-stream',
        ETag: `"${createHash('md5').update(o.body).digest('hex')}"`,
        LastModified: o.lastModified,
        Metadata: o.metadata ?? {},
      };
    }),
  ],
};

/** A policy is public when an Allow statement has a wildcard principal and no condition (S3's simplified rule). */
function isPublicPolicy(policy: string): boolean {
  try {
    const doc = JSON.parse(policy) as { Statement?: Array<{ Effect?: string; Principal?: unknown; Condition?: unknown }> };
    return (doc.Statement ?? []).some((s) => s.Effect === 'Allow' && (s.Principal === '*' || (s.Principal as { AWS?: unknown })?.AWS === '*') && !s.Condition);
  } catch {
    return false;
  }
}

/**
 * A bucket's lifecycle rules as an AWS::S3::Bucket configuration item records them (BucketLifecycleConfiguration, the
 * SDK v1 bean shape: `-1` for a day count that is not set, the filter as a predicate), or undefined without rules.
 */
export function lifecycleItemSetting(b: SimBucket): Record<string, unknown> | undefined {
  if (!b.lifecycleRules?.length) return undefined;
  return {
    rules: b.lifecycleRules.map((r) => ({
      id: r.ID ?? null,
      status: r.Status,
      filter: { predicate: r.Filter?.Tag ? { type: 'LifecycleTagPredicate', tag: { key: r.Filter.Tag.Key, value: r.Filter.Tag.Value } } : { type: 'LifecyclePrefixPredicate', prefix: r.Filter?.Prefix ?? r.Prefix ?? '' } },
      expirationInDays: r.Expiration?.Days ?? -1,
      expiredObjectDeleteMarker: r.Expiration?.ExpiredObjectDeleteMarker ?? false,
      noncurrentVersionExpirationInDays: r.NoncurrentVersionExpiration?.NoncurrentDays ?? -1,
      transitions: r.Transitions?.map((t) => ({ days: t.Days ?? -1, storageClass: t.StorageClass })) ?? null,
      noncurrentVersionTransitions: null,
      abortIncompleteMultipartUpload: null,
    })),
  };
}
