import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { bucketEncryption } from '../../../src/queries/s3/bucket-encryption.js';
import { bucketVersioning } from '../../../src/queries/s3/bucket-versioning.js';
import { objectLock } from '../../../src/queries/s3/object-lock.js';
import { accessLogging } from '../../../src/queries/s3/access-logging.js';
import { tlsOnlyPolicy } from '../../../src/queries/s3/tls-only-policy.js';
import { BUCKET_ENCRYPTION_ITEMS, BUCKET_LOGGING_ITEMS, BUCKET_POLICY_ITEMS, BUCKET_VERSIONING_ITEMS, OBJECT_LOCK_ITEMS } from '../../../src/queries/s3/bucket-items.js';
import { itemsExpression, type AggregateConfigItemsEvidence, type ConfigItem, type MemberListing } from '../../../src/queries/config/aggregate-items.js';
import { DELEGATED_SOURCES } from '../../../src/queries/delegated/index.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { accessLoggingEvidence, bucketEncryptionEvidence, bucketVersioningEvidence, listedBuckets, objectLockEvidence, tlsOnlyPolicyEvidence, tlsOnlyPolicy as tlsOnlyPolicyText } from '../../fixtures/s3/buckets.js';
import { accessLogsItem, bucketItems, cardholderDataItem, legacyExportsItem } from '../../fixtures/s3/bucket-items.js';

const ACCOUNT = '111122223333';
const globalCtx = { accountId: ACCOUNT, region: 'global', collectedAt: '2025-06-01T00:00:00.000Z' };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

/** A member's record as the aggregator read gives it, read back from the store (canonical JSON). */
function ciEvidence(items: ConfigItem[], listing: unknown = listedBuckets, withListing = true): AggregateConfigItemsEvidence {
  const data: AggregateConfigItemsEvidence = {
    aggregator: { name: 'org-aggregator', accountId: '999988887777', region: 'us-east-1' },
    expression: itemsExpression(BUCKET_VERSIONING_ITEMS),
    resourceTypes: ['AWS::S3::Bucket'],
    results: items.map((i) => JSON.stringify(i)),
    ...(withListing ? { listing } : {}),
  };
  return JSON.parse(canonicalJson(data)) as AggregateConfigItemsEvidence;
}

const CASES: Array<[string, EvidenceQuery<unknown>, unknown, Record<string, unknown>]> = [
  ['encryption', bucketEncryption, bucketEncryptionEvidence, {}],
  ['encryption, KMS required', bucketEncryption, bucketEncryptionEvidence, { requireKms: true }],
  ['versioning', bucketVersioning, bucketVersioningEvidence, {}],
  ['object lock', objectLock, objectLockEvidence, {}],
  ['object lock, one year required', objectLock, objectLockEvidence, { requiredBuckets: ['*'], minimumRetentionDays: 365 }],
  ['access logging', accessLogging, accessLoggingEvidence, {}],
  ['access logging, log bucket exempt', accessLogging, accessLoggingEvidence, { exemptBuckets: ['access-logs-*'] }],
  ['TLS-only policy', tlsOnlyPolicy, tlsOnlyPolicyEvidence, {}],
];

describe('S3 bucket queries judged from AWS::S3::Bucket configuration items', () => {
  it.each(CASES)('%s: the same status for every bucket as the S3 API evidence, each reason saying it is the recorded configuration', (_name, query, native, params) => {
    const p = { ...defaultsOf(query), ...params } as Parameters<typeof query.evaluate>[1];
    const expected = query.evaluate(native, p, globalCtx);
    const got = query.evaluate(ciEvidence(bucketItems), p, globalCtx);
    expect(statusOf(got)).toEqual(statusOf(expected));
    // A comparison of nothing proves nothing: every case has at least two different verdicts.
    expect(new Set(got.map((r) => r.status)).size).toBeGreaterThan(1);
    for (const r of got) expect(r.reason).toContain('read through the AWS Config aggregator org-aggregator: the configuration AWS Config recorded (captured 2025-05-31T23:40:00.000Z), not a live read');
  });

  it('reads the bean-shaped encryption settings (sseAlgorithm, kmsMasterKeyID) and JSON-text settings as the S3 API fields', () => {
    const r = bucketEncryption.evaluate(ciEvidence(bucketItems), {}, globalCtx);
    expect(r.find((x) => x.resource === 'cardholder-data')?.reason).toContain('aws:kms using key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (S3 Bucket Key enabled)');
    // kmsMasterKeyID null is no key, not the key "null".
    expect(r.find((x) => x.resource === 'access-logs-111122223333')?.reason).toMatch(/^bucket access-logs-111122223333 encrypts new objects by default with AES256 \(S3 managed keys\)/);
    expect(r.find((x) => x.resource === 'legacy-exports')).toMatchObject({ status: 'fail', reason: expect.stringContaining('no default encryption configuration') });
    const versioning = bucketVersioning.evaluate(ciEvidence(bucketItems), {}, globalCtx);
    expect(versioning.find((x) => x.resource === 'legacy-exports')?.reason).toContain('has never had versioning enabled');
    expect(versioning.find((x) => x.resource === 'access-logs-111122223333')?.status).toBe('fail');
  });

  it('reads the bean-shaped lifecycle rules (noncurrentVersionExpirationInDays, -1 for none) as GetBucketLifecycleConfiguration', () => {
    const lifecycle = { rules: [{ id: 'trim-versions', status: 'Enabled', filter: { predicate: { type: 'LifecyclePrefixPredicate', prefix: 'records/' } }, expirationInDays: -1, noncurrentVersionExpirationInDays: 7 }, { id: 'logs', status: 'Enabled', prefix: 'logs/', expirationInDays: 30, noncurrentVersionExpirationInDays: -1 }] };
    const item = { ...cardholderDataItem, supplementaryConfiguration: { ...(cardholderDataItem.supplementaryConfiguration as object), BucketLifecycleConfiguration: JSON.stringify(lifecycle) } };
    const native = bucketVersioning.evaluate(
      { buckets: listedBuckets, responses: [{ bucket: 'cardholder-data', region: 'us-east-1', response: { versioning: { Status: 'Enabled' }, lifecycle: { Rules: [{ ID: 'trim-versions', Status: 'Enabled', Filter: { Prefix: 'records/' }, NoncurrentVersionExpiration: { NoncurrentDays: 7 } }, { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } }] } } }] } as never,
      {},
      globalCtx,
    );
    const got = bucketVersioning.evaluate(ciEvidence([item, legacyExportsItem, accessLogsItem]), {}, globalCtx);
    const card = got.find((x) => x.resource === 'cardholder-data')!;
    expect(card.status).toBe('needs-review');
    expect(card.status).toBe(native.find((x) => x.resource === 'cardholder-data')!.status);
    expect(card.reason).toContain('lifecycle rule "trim-versions" (objects with prefix "records/") deletes prior versions 7 days after they are replaced');
    expect(card.reason).not.toContain('"logs"');
    // A rule filtered by prefix and tag (an And operator) is named with both, not as applying to every object.
    const and = { rules: [{ id: 'trim-tagged', status: 'Enabled', filter: { predicate: { type: 'LifecycleAndOperator', operands: [{ type: 'LifecyclePrefixPredicate', prefix: 'phi/' }, { type: 'LifecycleTagPredicate', tag: { key: 'class', value: 'scratch' } }] } }, noncurrentVersionExpirationInDays: 3 }] };
    const tagged = { ...cardholderDataItem, supplementaryConfiguration: { ...(cardholderDataItem.supplementaryConfiguration as object), BucketLifecycleConfiguration: and } };
    const r = bucketVersioning.evaluate(ciEvidence([tagged, legacyExportsItem, accessLogsItem]), {}, globalCtx).find((x) => x.resource === 'cardholder-data')!;
    expect(r.reason).toContain('lifecycle rule "trim-tagged" (objects with prefix "phi/" and tags class=scratch) deletes prior versions 3 days after they are replaced');
    // A recorded lifecycle that does not read as rules is unknown, never "no rules"; none recorded says whose record it is.
    for (const bad of ['{not json', { rules: 'all' }, { rules: [{ id: 'no-status', noncurrentVersionExpirationInDays: 1 }] }]) {
      const item = { ...cardholderDataItem, supplementaryConfiguration: { ...(cardholderDataItem.supplementaryConfiguration as object), BucketLifecycleConfiguration: bad } };
      expect(bucketVersioning.evaluate(ciEvidence([item, legacyExportsItem, accessLogsItem]), {}, globalCtx).find((x) => x.resource === 'cardholder-data')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lifecycle rules could not be read (ConfigurationItemUnreadable') });
    }
    expect(bucketVersioning.evaluate(ciEvidence(bucketItems), {}, globalCtx).find((x) => x.resource === 'cardholder-data')?.reason).toContain('AWS Config recorded no lifecycle rules for it');
  });

  it('fails a recorded bucket policy whose Deny on aws:SecureTransport = false is narrowed by another condition', () => {
    const policy = JSON.parse(tlsOnlyPolicyText) as { Statement: Array<Record<string, unknown>> };
    policy.Statement[0].Condition = { Bool: { 'aws:SecureTransport': 'false' }, StringNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/etl' } };
    const item = { ...cardholderDataItem, supplementaryConfiguration: { ...(cardholderDataItem.supplementaryConfiguration as object), BucketPolicy: { policyText: JSON.stringify(policy) } } };
    const card = tlsOnlyPolicy.evaluate(ciEvidence([item, legacyExportsItem, accessLogsItem]), {}, globalCtx).find((x) => x.resource === 'cardholder-data')!;
    expect(card.status).toBe('fail');
    expect(card.reason).toContain('StringNotEquals aws:PrincipalArn');
  });

  it('judges only the buckets the member lists: a listed bucket without an item is an error, an unlisted item is not judged', () => {
    const r = bucketVersioning.evaluate(ciEvidence([cardholderDataItem, accessLogsItem, { ...legacyExportsItem, resourceId: 'gone', resourceName: 'gone' }]), {}, globalCtx);
    expect(statusOf(r)).toEqual({ 'cardholder-data': 'pass', 'legacy-exports': 'error', 'access-logs-111122223333': 'fail' });
    expect(statusOf(bucketVersioning.evaluate(ciEvidence(bucketItems, []), {}, globalCtx))).toEqual({ account: 'not-applicable' });
  });

  it("accepts the account's items of every region in a global record, and refuses another account's items or a record without the listing", () => {
    const foreign = { ...accessLogsItem, accountId: '444455556666' };
    expect(bucketVersioning.evaluate(ciEvidence([cardholderDataItem, legacyExportsItem, foreign]), {}, globalCtx)).toEqual([
      expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringContaining('in 444455556666 us-east-1') }),
    ]);
    expect(statusOf(bucketVersioning.evaluate(ciEvidence(bucketItems, undefined, false), {}, globalCtx))).toEqual({ account: 'error' });
    // A bucket record is never regional: the same items under a region are refused.
    expect(statusOf(bucketVersioning.evaluate(ciEvidence(bucketItems), {}, { ...globalCtx, region: 'us-east-1' }))).toEqual({ account: 'error' });
  });

  it("names the listed buckets the items do not cover, so the member's own query collects the record", () => {
    const uncovered = (family: { global?: MemberListing }, items: ConfigItem[]) => family.global!.uncovered(listedBuckets, items);
    expect(uncovered(BUCKET_VERSIONING_ITEMS, bucketItems)).toEqual([]);
    // No item; an item of another region than S3 reports; an item that does not record the setting the query reads.
    expect(uncovered(BUCKET_VERSIONING_ITEMS, [cardholderDataItem, accessLogsItem])).toEqual(['legacy-exports']);
    expect(uncovered(BUCKET_VERSIONING_ITEMS, [cardholderDataItem, { ...legacyExportsItem, awsRegion: 'us-west-2' }, accessLogsItem])).toEqual(['legacy-exports']);
    const { BucketVersioningConfiguration: _v, ...withoutVersioning } = cardholderDataItem.supplementaryConfiguration!;
    const partial = [{ ...cardholderDataItem, supplementaryConfiguration: withoutVersioning }, legacyExportsItem, accessLogsItem];
    expect(uncovered(BUCKET_VERSIONING_ITEMS, partial)).toEqual(['cardholder-data']);
    // Encryption and Object Lock are left out when not configured: their absence is a recorded answer.
    const { ServerSideEncryptionConfiguration: _e, ObjectLockConfiguration: _o, ...bare } = cardholderDataItem.supplementaryConfiguration!;
    const unset = [{ ...cardholderDataItem, supplementaryConfiguration: bare }, legacyExportsItem, accessLogsItem];
    expect(uncovered(BUCKET_ENCRYPTION_ITEMS, unset)).toEqual([]);
    expect(uncovered(OBJECT_LOCK_ITEMS, unset)).toEqual([]);
    expect(uncovered(BUCKET_LOGGING_ITEMS, unset)).toEqual([]);
    expect(uncovered(BUCKET_POLICY_ITEMS, unset)).toEqual([]);
  });

  it('reads every converted query through one per-account bucket read; s3.public-access-block stays in the member', () => {
    const sources = DELEGATED_SOURCES.filter((s) => s.queryId.startsWith('s3.'));
    expect(sources.map((s) => s.queryId).sort()).toEqual(['s3.access-logging', 's3.bucket-encryption', 's3.bucket-versioning', 's3.object-lock', 's3.tls-only-policy']);
    expect(new Set(sources.map((s) => s.readKey)).size).toBe(1);
    for (const s of sources) expect(s.global).toBe(true);
    expect(sources[0].readKey).toContain("SELECT accountId, awsRegion, resourceType, resourceId, resourceName, arn, configurationItemCaptureTime, configurationItemStatus, configuration, supplementaryConfiguration WHERE resourceType = 'AWS::S3::Bucket'");
  });
});
