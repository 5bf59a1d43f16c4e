import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { itemsExpression, type AggregateConfigItemsEvidence, type ConfigItem } from '../../../src/queries/config/aggregate-items.js';
import { KMS_KEY_ITEMS } from '../../../src/queries/kms/keys.js';
import { keyRotation } from '../../../src/queries/kms/key-rotation.js';
import { keyState } from '../../../src/queries/kms/key-state.js';
import type { EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { ALL_KEYS, REGION, awsManagedKey, deletingKey, described, disabledKey, listing, rotatingKey, rotationOff, rotationOn, signingKey, staticKey } from '../../fixtures/kms/kms.js';

const ACCOUNT = '111122223333';
const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

/**
 * AWS::KMS::Key items as an aggregator's advanced query returns them: DescribeKey's fields with a lower-case first
 * letter, dates as ISO text, AWSAccountId recorded as `awsaccountId`, rotation in supplementaryConfiguration.
 */
const item = (md: (typeof ALL_KEYS)[number], rotation?: boolean): ConfigItem => ({
  accountId: ACCOUNT,
  awsRegion: REGION,
  resourceType: 'AWS::KMS::Key',
  resourceId: md.KeyId!,
  arn: md.Arn,
  configurationItemCaptureTime: '2025-05-31T23:45:00.000Z',
  configurationItemStatus: 'OK',
  configuration: {
    awsaccountId: md.AWSAccountId,
    keyId: md.KeyId,
    arn: md.Arn,
    creationDate: md.CreationDate?.toISOString(),
    enabled: md.Enabled,
    description: md.Description,
    keyUsage: md.KeyUsage,
    keyState: md.KeyState,
    ...(md.DeletionDate ? { deletionDate: md.DeletionDate.toISOString(), pendingDeletionWindowInDays: md.PendingDeletionWindowInDays } : {}),
    origin: md.Origin,
    keyManager: md.KeyManager,
    customerMasterKeySpec: md.CustomerMasterKeySpec,
    keySpec: md.KeySpec,
    ...(md.EncryptionAlgorithms ? { encryptionAlgorithms: md.EncryptionAlgorithms } : {}),
    ...(md.SigningAlgorithms ? { signingAlgorithms: md.SigningAlgorithms } : {}),
    multiRegion: md.MultiRegion,
  },
  supplementaryConfiguration: rotation === undefined ? {} : { KeyRotationStatus: rotation },
});

const evidence = (items: ConfigItem[]): AggregateConfigItemsEvidence => ({
  aggregator: { name: 'org-aggregator', accountId: '999988887777', region: 'us-east-1' },
  expression: itemsExpression(KMS_KEY_ITEMS),
  resourceTypes: [...KMS_KEY_ITEMS.resourceTypes],
  results: items.map((i) => JSON.stringify(i)),
});

const items = [item(rotatingKey, true), item(staticKey, false), item(deletingKey), item(disabledKey, false), item(awsManagedKey, true), item(signingKey)];

function evaluate(q: EvidenceQuery<unknown>, data: unknown, params: QueryParameters = {}): ResourceResult[] {
  const fresh = q.evaluate(data, params, ctx);
  expect(q.evaluate(JSON.parse(canonicalJson(data)), params, ctx)).toEqual(fresh);
  return fresh;
}

describe('AWS::KMS::Key configuration items', () => {
  it('select the rotation setting too, so kms.key-state and kms.key-rotation share one read', () => {
    expect(itemsExpression(KMS_KEY_ITEMS)).toMatch(/supplementaryConfiguration WHERE resourceType = 'AWS::KMS::Key'$/);
  });

  it('rebuild DescribeKey metadata, AWSAccountId included (recorded as awsaccountId)', () => {
    const data = KMS_KEY_ITEMS.toEvidence([item(rotatingKey, true)]);
    expect(data.keys).toEqual(listing([rotatingKey]));
    expect(data.metadata[0].KeyMetadata).toMatchObject({ AWSAccountId: ACCOUNT, KeyId: rotatingKey.KeyId, KeyManager: 'CUSTOMER', KeySpec: 'SYMMETRIC_DEFAULT', CreationDate: '2023-02-01T10:00:00.000Z' });
    expect(data.recordedRotation).toEqual([{ keyId: rotatingKey.KeyId, KeyRotationEnabled: true }]);
  });

  it('kms.key-state judges items as it judges ListKeys + DescribeKey, saying the state is what AWS Config recorded', () => {
    const native = statusOf(evaluate(keyState, { keys: listing(ALL_KEYS), metadata: described(ALL_KEYS) }));
    const results = evaluate(keyState, evidence(items));
    expect(statusOf(results)).toEqual(native);
    expect(statusOf(results)).toMatchObject({ [rotatingKey.Arn!]: 'pass', [deletingKey.Arn!]: 'needs-review', [disabledKey.Arn!]: 'needs-review' });
    expect(results.map((r) => r.resource)).not.toContain(awsManagedKey.Arn);
    expect(results.find((r) => r.resource === deletingKey.Arn)!.reason).toMatch(/scheduled for deletion on 2025-06-20.*read through the AWS Config aggregator org-aggregator: the configuration AWS Config recorded \(captured 2025-05-31T23:45:00.000Z\), not a live read/);
  });

  it('kms.key-state storage judge reads the recorded multi-Region configuration', () => {
    const replica = item({ ...rotatingKey, MultiRegion: true }, true);
    Object.assign(replica.configuration, { multiRegionConfiguration: { multiRegionKeyType: 'PRIMARY', primaryKey: { arn: rotatingKey.Arn, region: REGION }, replicaKeys: [{ arn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk', region: 'eu-west-1' }] } });
    const [r] = evaluate(keyState, evidence([replica]), { judge: 'storage' });
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('kept in us-east-1, eu-west-1') });
  });

  it('kms.key-rotation judges the recorded rotation status as GetKeyRotationStatus, without claiming a period', () => {
    const withoutPeriod = { ...rotationOn, RotationPeriodInDays: undefined, NextRotationDate: undefined };
    const native = statusOf(
      evaluate(keyRotation, {
        keys: listing(ALL_KEYS),
        metadata: described(ALL_KEYS),
        rotation: [
          { keyId: rotatingKey.KeyId!, status: withoutPeriod },
          { keyId: staticKey.KeyId!, status: rotationOff },
          { keyId: disabledKey.KeyId!, status: rotationOff },
        ],
      }),
    );
    const results = evaluate(keyRotation, evidence(items));
    expect(statusOf(results)).toEqual(native);
    // The period is not recorded, so a key could rotate only every 2560 days: not a pass under the 365-day default.
    // Nor are the rotations made: a key without automatic rotation, older than the cryptoperiod, needs review (not fail, not pass).
    expect(statusOf(results)).toMatchObject({ [rotatingKey.Arn!]: 'needs-review', [staticKey.Arn!]: 'needs-review', [deletingKey.Arn!]: 'not-applicable' });
    expect(results.find((r) => r.resource === staticKey.Arn)!.reason).toContain('AWS Config records whether automatic rotation is on, not the rotations made');
    const review = results.find((r) => r.resource === rotatingKey.Arn)!.reason;
    expect(review).toContain('AWS Config records that rotation is on, not its period or next date');
    expect(review).toContain('confirm the period is at most 365 days');
    expect(statusOf(evaluate(keyRotation, evidence(items), { maxRotationPeriodDays: 2560 }))[rotatingKey.Arn!]).toBe('pass');
  });

  it('an item without the rotation setting is an error for kms.key-rotation, never a pass', () => {
    const s = statusOf(evaluate(keyRotation, evidence([item(rotatingKey)])));
    expect(s).toEqual({ [rotatingKey.Arn!]: 'error' });
    // Recorded as JSON text, as configuration history returns supplementary values.
    const asText = item(rotatingKey);
    asText.supplementaryConfiguration = { KeyRotationStatus: 'false' };
    expect(statusOf(evaluate(keyRotation, evidence([asText])))).toEqual({ [rotatingKey.Arn!]: 'needs-review' });
  });
});
