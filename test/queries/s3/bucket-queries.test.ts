import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { bucketEncryption } from '../../../src/queries/s3/bucket-encryption.js';
import { publicAccessBlock } from '../../../src/queries/s3/public-access-block.js';
import { bucketVersioning } from '../../../src/queries/s3/bucket-versioning.js';
import { objectLock } from '../../../src/queries/s3/object-lock.js';
import { accessLogging } from '../../../src/queries/s3/access-logging.js';
import { tlsOnlyPolicy } from '../../../src/queries/s3/tls-only-policy.js';
import { findTlsOnlyStatement } from '../../../src/queries/s3/tls-only-policy.js';
import { matchesBucketPattern, locationToRegion } from '../../../src/queries/s3/buckets.js';
import { queries } from '../../../src/queries/s3/index.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import {
  accessLoggingEvidence,
  bucketEncryptionEvidence,
  bucketVersioningEvidence,
  objectLockEvidence,
  publicAccessBlockAccountWide,
  publicAccessBlockEvidence,
  publicBucketsEvidence,
  tlsOnlyPolicyEvidence,
  tlsOnlyPolicyMissing,
} from '../../fixtures/s3/buckets.js';

const ctx = { accountId: '111122223333', region: 'us-east-1', collectedAt: '2025-06-01T00:00:00.000Z' };
/** Evidence as evaluate sees it after sealing: canonical JSON read back. */
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

function defaultsOf(q: EvidenceQuery<unknown>) {
  return Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
}

/** Evaluates fresh evidence and the same evidence after a canonical-JSON round trip; both must agree. */
function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('S3 query registry', () => {
  it('registers the six bucket queries as global queries that declare every logged call', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(
      ['s3.access-logging', 's3.bucket-encryption', 's3.bucket-versioning', 's3.object-lock', 's3.public-access-block', 's3.tls-only-policy'].sort(),
    );
    for (const q of queries) {
      expect(q.scope).toBe('global');
      expect(q.apiCalls).toContain('s3:ListBuckets');
      expect(q.service).toBe('s3');
    }
  });
});

describe('s3.bucket-encryption', () => {
  it('passes SSE-KMS and SSE-S3 buckets and fails a bucket without default encryption', () => {
    const r = evaluateBoth(bucketEncryption, bucketEncryptionEvidence);
    expect(statusOf(r)).toEqual({ 'cardholder-data': 'pass', 'legacy-exports': 'fail', 'access-logs-111122223333': 'pass' });
    expect(r.find((x) => x.resource === 'cardholder-data')?.reason).toContain('aws:kms');
    expect(r.find((x) => x.resource === 'legacy-exports')?.reason).toContain('no default encryption');
  });
  it('fails SSE-S3 when requireKms is set', () => {
    const r = evaluateBoth(bucketEncryption, bucketEncryptionEvidence, { requireKms: true });
    expect(statusOf(r)['access-logs-111122223333']).toBe('fail');
    expect(statusOf(r)['cardholder-data']).toBe('pass');
  });
  it('never passes a listed bucket whose response is missing from the evidence', () => {
    const partial = { ...bucketEncryptionEvidence, responses: bucketEncryptionEvidence.responses.slice(0, 1) };
    expect(statusOf(evaluateBoth(bucketEncryption, partial))['legacy-exports']).toBe('error');
  });
  it('says so when the account owns no bucket', () => {
    expect(evaluateBoth(bucketEncryption, { buckets: [], responses: [] })).toEqual([
      expect.objectContaining({ resource: 'account', status: 'not-applicable' }),
    ]);
  });
  it('evaluates a bucket listed twice only once', () => {
    const dup = { ...bucketEncryptionEvidence, buckets: [...bucketEncryptionEvidence.buckets, bucketEncryptionEvidence.buckets[0]] };
    expect(evaluateBoth(bucketEncryption, dup)).toHaveLength(3);
  });
});

describe('s3.public-access-block', () => {
  it('fails the account and any bucket whose own settings leave a gap when the account sets nothing', () => {
    const r = evaluateBoth(publicAccessBlock, publicAccessBlockEvidence);
    expect(statusOf(r)).toEqual({ account: 'fail', 'cardholder-data': 'pass', 'legacy-exports': 'fail', 'access-logs-111122223333': 'fail' });
    expect(r.find((x) => x.resource === 'legacy-exports')?.reason).toContain('BlockPublicPolicy, RestrictPublicBuckets');
  });
  it('passes every bucket when the account-level block covers all four settings', () => {
    const r = evaluateBoth(publicAccessBlock, publicAccessBlockAccountWide);
    expect(new Set(r.map((x) => x.status))).toEqual(new Set(['pass']));
    expect(r.find((x) => x.resource === 'access-logs-111122223333')?.reason).toContain('account-level');
  });
  it('fails a public-read bucket policy and a public ACL by themselves, naming the exposure, not only the flags', () => {
    const r = evaluateBoth(publicAccessBlock, publicBucketsEvidence);
    expect(statusOf(r)).toEqual({ account: 'fail', 'cardholder-data': 'fail', 'legacy-exports': 'fail', 'access-logs-111122223333': 'fail' });
    const reason = (b: string) => r.find((x) => x.resource === b)?.reason ?? '';
    expect(reason('legacy-exports')).toMatch(/is public: S3 judges its bucket policy public/);
    expect(reason('access-logs-111122223333')).toMatch(/is public: its ACL grants READ to everyone \(AllUsers\)/);
    expect(reason('cardholder-data')).not.toMatch(/is public/);
    expect(reason('cardholder-data')).toContain('not public today');
  });
  it('a public policy fails even when the bucket sets BlockPublicPolicy (it stops new policies, not the existing one)', () => {
    const blocksNewOnly = {
      ...publicBucketsEvidence,
      responses: publicBucketsEvidence.responses.map((x) => ({ ...x, response: { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: false } } })),
    };
    const s = statusOf(evaluateBoth(publicAccessBlock, blocksNewOnly));
    expect(s['legacy-exports']).toBe('fail');
    // IgnorePublicAcls neutralizes the ACL grant; the bucket still fails on RestrictPublicBuckets, not as public.
    const logs = evaluateBoth(publicAccessBlock, blocksNewOnly).find((x) => x.resource === 'access-logs-111122223333')!;
    expect(logs.reason).not.toMatch(/is public/);
  });
  it('keeps the bucket results when the account-level call fails: only that part is a gap', () => {
    const denied = { ...publicAccessBlockEvidence, account: { error: { code: 'AccessDenied', message: 'Access Denied' } } };
    const r = evaluateBoth(publicAccessBlock, denied);
    expect(statusOf(r)).toEqual({ account: 'error', 'cardholder-data': 'pass', 'legacy-exports': 'error', 'access-logs-111122223333': 'error' });
    expect(r.find((x) => x.resource === 'account')?.reason).toContain('AccessDenied');
    const publicToo = evaluateBoth(publicAccessBlock, { ...publicBucketsEvidence, account: { error: { code: 'AccessDenied', message: 'Access Denied' } } });
    // A public policy is a failure whatever the account level says (it could only be neutralized by RestrictPublicBuckets).
    expect(statusOf(publicToo)['legacy-exports']).toBe('fail');
  });
});

describe('s3.bucket-versioning', () => {
  it('passes Enabled and fails Suspended or never-enabled', () => {
    const r = evaluateBoth(bucketVersioning, bucketVersioningEvidence);
    expect(statusOf(r)).toEqual({
      'cardholder-data': 'pass',
      'legacy-exports': 'fail',
      'access-logs-111122223333': 'fail',
    });
    expect(r.find((x) => x.resource === 'cardholder-data')?.reason).toContain('the bucket has no lifecycle rules, so prior versions are kept until someone deletes them');
  });

  it('judges how long lifecycle rules keep prior versions: sooner than the chosen days needs review, an unreadable configuration is unknown', () => {
    const only = (response: unknown, params = {}) => bucketVersioning.evaluate({ buckets: [{ Name: 'phi' }], responses: [{ bucket: 'phi', region: 'us-east-1', response }] } as never, params as never, { ...ctx, region: 'global' })[0];
    const enabled = { Status: 'Enabled' as const };
    const rule = (id: string, days: number, extra = {}) => ({ ID: id, Status: 'Enabled', Filter: { Prefix: 'records/' }, NoncurrentVersionExpiration: { NoncurrentDays: days }, ...extra });
    const short = only({ versioning: enabled, lifecycle: { Rules: [rule('trim-versions', 7, { NoncurrentVersionExpiration: { NoncurrentDays: 7, NewerNoncurrentVersions: 2 } }), rule('archive', 365)] } });
    expect(short).toMatchObject({ status: 'needs-review' });
    expect(short.reason).toContain('lifecycle rule "trim-versions" (objects with prefix "records/") deletes prior versions 7 days after they are replaced (keeping the 2 newest): sooner than the 30 days chosen (minimumNoncurrentVersionDays)');
    expect(only({ versioning: enabled, lifecycle: { Rules: [rule('trim-versions', 7)] } }, { minimumNoncurrentVersionDays: 7 }).status).toBe('pass');
    const long = only({ versioning: enabled, lifecycle: { Rules: [rule('archive', 365), { ID: 'off', Status: 'Disabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }] } });
    expect(long).toMatchObject({ status: 'pass', reason: expect.stringContaining('lifecycle rule "archive" (objects with prefix "records/") deletes prior versions 365 days after they are replaced: at least the 30 days chosen') });
    expect(only({ versioning: enabled, lifecycle: { Rules: [{ ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }] } }).reason).toContain('no enabled lifecycle rule deletes prior versions');
    const denied = only({ versioning: enabled, lifecycle: { error: { code: 'AccessDenied', message: 'Access Denied' } } });
    expect(denied).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('its lifecycle rules could not be read (AccessDenied: Access Denied), so how long prior versions are kept is unknown') });
    // Evidence sealed before lifecycle rules were read (the GetBucketVersioning response alone) does not pass.
    expect(only(enabled)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before lifecycle rules were read') });
    expect(only({ Status: 'Suspended' }).status).toBe('fail');
  });
});

describe('s3.object-lock', () => {
  it('is informational by default: COMPLIANCE-locked buckets pass, GOVERNANCE-locked ones need review, others are not applicable', () => {
    const r = evaluateBoth(objectLock, objectLockEvidence);
    expect(statusOf(r)).toEqual({
      'cardholder-data': 'pass',
      'legacy-exports': 'not-applicable',
      'access-logs-111122223333': 'needs-review',
    });
    expect(r.find((x) => x.resource === 'access-logs-111122223333')?.reason).toContain('GOVERNANCE mode can be lifted by principals allowed s3:BypassGovernanceRetention');
  });
  it('a required bucket in GOVERNANCE mode needs review even with the retention required, never passes', () => {
    expect(statusOf(evaluateBoth(objectLock, objectLockEvidence, { requiredBuckets: ['access-logs-*'], minimumRetentionDays: 30 }))['access-logs-111122223333']).toBe('needs-review');
  });
  it('fails required buckets without a lock or with a retention shorter than required', () => {
    const r = evaluateBoth(objectLock, objectLockEvidence, { requiredBuckets: ['*'], minimumRetentionDays: 365 });
    expect(statusOf(r)).toEqual({ 'cardholder-data': 'pass', 'legacy-exports': 'fail', 'access-logs-111122223333': 'fail' });
    expect(r.find((x) => x.resource === 'cardholder-data')?.reason).toContain('365 days');
    expect(r.find((x) => x.resource === 'access-logs-111122223333')?.reason).toContain('30 days');
  });
  it('accepts a comma-separated requiredBuckets override from the environment', () => {
    expect(statusOf(evaluateBoth(objectLock, objectLockEvidence, { requiredBuckets: 'legacy-*, other' }))['legacy-exports']).toBe('fail');
  });
});

describe('s3.access-logging', () => {
  it('passes logged buckets, fails unlogged ones and skips exempt ones', () => {
    expect(statusOf(evaluateBoth(accessLogging, accessLoggingEvidence))).toEqual({
      'cardholder-data': 'pass',
      'legacy-exports': 'fail',
      'access-logs-111122223333': 'fail',
    });
    expect(statusOf(evaluateBoth(accessLogging, accessLoggingEvidence, { exemptBuckets: ['access-logs-*'] }))['access-logs-111122223333']).toBe('not-applicable');
  });
});

describe('s3.tls-only-policy', () => {
  const denyHttp = {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::cardholder-data', 'arn:aws:s3:::cardholder-data/*'],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
  /** The one-bucket evidence with a policy of these statements. */
  const withStatements = (...Statement: object[]) => ({
    ...tlsOnlyPolicyMissing,
    responses: [{ bucket: 'cardholder-data', region: 'us-east-1', response: { Policy: JSON.stringify({ Version: '2012-10-17', Statement }) } }],
  });
  it('passes a full Deny on aws:SecureTransport=false and fails partial or absent denies', () => {
    const r = evaluateBoth(tlsOnlyPolicy, tlsOnlyPolicyEvidence);
    expect(statusOf(r)).toEqual({ 'cardholder-data': 'pass', 'legacy-exports': 'fail', 'access-logs-111122223333': 'fail' });
    expect(r.find((x) => x.resource === 'cardholder-data')?.reason).toContain('AllowSSLRequestsOnly');
    expect(r.find((x) => x.resource === 'legacy-exports')?.reason).toContain('ReadOverHttpsOnly');
  });
  it('fails a bucket with no policy at all', () => {
    expect(statusOf(evaluateBoth(tlsOnlyPolicy, tlsOnlyPolicyMissing))).toEqual({ 'cardholder-data': 'fail' });
  });
  it('reports an unparseable policy as an error, not a pass', () => {
    const bad = { ...tlsOnlyPolicyMissing, responses: [{ bucket: 'cardholder-data', region: 'us-east-1', response: { Policy: '{not json' } }] };
    expect(statusOf(evaluateBoth(tlsOnlyPolicy, bad))).toEqual({ 'cardholder-data': 'error' });
  });
  it('reads condition keys case-insensitively and accepts BoolIfExists and a wildcard resource', () => {
    const policy = JSON.stringify({ Statement: { Effect: 'Deny', Principal: { AWS: ['*'] }, Action: ['*'], Resource: '*', Condition: { BoolIfExists: { 'AWS:SecureTransport': ['false'] } } } });
    expect(findTlsOnlyStatement(policy, 'b').found).toBe('statement #1');
    const bucketOnly = JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
    expect(findTlsOnlyStatement(bucketOnly, 'b')).toMatchObject({ found: undefined, objectsOnly: undefined, partial: 'statement #1' });
    expect(statusOf(evaluateBoth(tlsOnlyPolicy, withStatements({ ...denyHttp, Resource: 'arn:aws:s3:::cardholder-data' })))).toEqual({ 'cardholder-data': 'fail' });
  });

  it('credits an ARN wildcard that covers the bucket and its objects', () => {
    for (const Resource of ['arn:aws:s3:::*', 'arn:aws:s3:::cardholder-data*']) {
      expect(statusOf(evaluateBoth(tlsOnlyPolicy, withStatements({ ...denyHttp, Resource }))), Resource).toEqual({ 'cardholder-data': 'pass' });
    }
  });

  // IAM ANDs a statement's condition operators and the keys in each; a condition on a key the request lacks is false.
  it.each([
    ['an exempted principal', { StringNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/etl' } }, 'StringNotEquals aws:PrincipalArn'],
    ['an exempted address range', { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, 'NotIpAddress aws:SourceIp'],
    ['a TLS version test', { NumericLessThan: { 's3:TlsVersion': '1.2' } }, 'NumericLessThan s3:TlsVersion'],
  ])('fails a Deny on aws:SecureTransport = false narrowed by %s', (_, extra, key) => {
    const [r] = evaluateBoth(tlsOnlyPolicy, withStatements({ ...denyHttp, Condition: { Bool: { 'aws:SecureTransport': 'false' }, ...extra } }));
    expect(r.status).toBe('fail');
    expect(r.reason).toContain(key);
    expect(r.reason).not.toContain('denies all S3 actions');
  });

  it('fails a second key in the same Bool block, whatever the case of the key names', () => {
    const [r] = evaluateBoth(tlsOnlyPolicy, withStatements({ ...denyHttp, Condition: { Bool: { 'AWS:SecureTransport': 'false', 'aws:multifactorauthpresent': 'true' } } }));
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('Bool aws:multifactorauthpresent');
  });

  it('passes when a clean statement stands beside a narrowed one', () => {
    const narrowed = { ...denyHttp, Sid: 'Narrowed', Condition: { Bool: { 'aws:SecureTransport': 'false' }, NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
    const [r] = evaluateBoth(tlsOnlyPolicy, withStatements(narrowed, denyHttp));
    expect(r.status).toBe('pass');
    expect(r.reason).toContain('DenyInsecureTransport');
  });

  it('asks for review when only the objects are covered: bucket-level requests still work over plain HTTP', () => {
    const [r] = evaluateBoth(tlsOnlyPolicy, withStatements({ ...denyHttp, Resource: 'arn:aws:s3:::cardholder-data/*' }));
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('bucket-level requests');
    expect(r.reason).not.toContain('denies all S3 actions when');
    // The bucket ARN in a second statement completes the coverage.
    const both = withStatements({ ...denyHttp, Sid: 'Objects', Resource: 'arn:aws:s3:::cardholder-data/*' }, { ...denyHttp, Sid: 'Bucket', Resource: 'arn:aws:s3:::cardholder-data' });
    expect(evaluateBoth(tlsOnlyPolicy, both)[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('statement Objects and statement Bucket') });
  });

  it('asks for review, not a pass or a fail, of a Deny on s3:TlsVersion alone', () => {
    const tls = { ...denyHttp, Sid: 'EnforceTLSv12orHigher', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } };
    const [r] = evaluateBoth(tlsOnlyPolicy, withStatements(tls));
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('EnforceTLSv12orHigher');
    expect(r.reason).toContain('plain-HTTP request');
    // A TlsVersion Deny that misses some actions is no candidate at all.
    expect(statusOf(evaluateBoth(tlsOnlyPolicy, withStatements({ ...tls, Action: 's3:GetObject' })))).toEqual({ 'cardholder-data': 'fail' });
  });
});

describe('bucket helpers', () => {
  it('matches bucket patterns literally apart from *', () => {
    expect(matchesBucketPattern('logs.example', ['logs.*'])).toBe(true);
    expect(matchesBucketPattern('logsXexample', ['logs.example'])).toBe(false);
    expect(matchesBucketPattern('anything', [])).toBe(false);
  });
  it('maps GetBucketLocation legacy answers to regions', () => {
    expect(locationToRegion(undefined)).toBe('us-east-1');
    expect(locationToRegion('')).toBe('us-east-1');
    expect(locationToRegion('EU')).toBe('eu-west-1');
    expect(locationToRegion('ap-south-1')).toBe('ap-south-1');
  });
});
