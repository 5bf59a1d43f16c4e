import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/kms/index.js';
import { keyRotation } from '../../../src/queries/kms/key-rotation.js';
import { keyState } from '../../../src/queries/kms/key-state.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ALL_KEYS, REGION, awsManagedKey, deletingKey, described, disabledKey, listing, rotatingKey, rotationOff, rotationOn, signingKey, staticKey } from '../../fixtures/kms/kms.js';

const ctx = { accountId: '111122223333', region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T): ResourceResult[] {
  const fresh = q.evaluate(data, {}, ctx);
  expect(q.evaluate(roundTrip(data), {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('KMS query registry', () => {
  it('registers key rotation and key state as regional queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['kms.key-rotation', 'kms.key-state']);
    expect(keyRotation.apiCalls).toEqual(['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus']);
    for (const q of queries) expect(q.scope).toBe('regional');
  });
});

describe('kms.key-rotation', () => {
  const evidence = {
    keys: listing(ALL_KEYS),
    metadata: described(ALL_KEYS),
    rotation: [
      { keyId: rotatingKey.KeyId!, status: rotationOn },
      { keyId: staticKey.KeyId!, status: rotationOff },
      { keyId: disabledKey.KeyId!, status: rotationOff },
    ],
  };
  it('passes rotating keys, fails static ones, and skips AWS managed and asymmetric keys', () => {
    const results = evaluateBoth(keyRotation, evidence);
    expect(statusOf(results)).toEqual({
      [rotatingKey.Arn!]: 'pass',
      [staticKey.Arn!]: 'fail',
      [deletingKey.Arn!]: 'not-applicable',
      [disabledKey.Arn!]: 'fail',
    });
    expect(results.find((r) => r.resource === rotatingKey.Arn)!.reason).toContain('every 365 days, next on 2026-02-01');
    expect(results.map((r) => r.resource)).not.toContain(awsManagedKey.Arn);
    expect(results.map((r) => r.resource)).not.toContain(signingKey.Arn);
  });
  it('treats a custom key store key as not rotatable and a missing status as an error', () => {
    const unsupported = { ...evidence, rotation: [{ keyId: rotatingKey.KeyId!, status: { error: { code: 'UnsupportedOperationException', message: 'key in a custom key store' } } }] };
    const s = statusOf(evaluateBoth(keyRotation, unsupported));
    expect(s[rotatingKey.Arn!]).toBe('not-applicable');
    expect(s[staticKey.Arn!]).toBe('error');
  });
  it('is not applicable with only AWS managed keys, and errors without DescribeKey answers', () => {
    expect(statusOf(evaluateBoth(keyRotation, { keys: listing([awsManagedKey]), metadata: described([awsManagedKey]), rotation: [] }))).toEqual({ account: 'not-applicable' });
    expect(statusOf(evaluateBoth(keyRotation, { keys: listing([staticKey]), metadata: [], rotation: [] }))).toEqual({ [staticKey.Arn!]: 'error' });
  });
});

describe('kms.key-state', () => {
  it('flags keys pending deletion and disabled keys for review', () => {
    const results = evaluateBoth(keyState, { keys: listing(ALL_KEYS), metadata: described(ALL_KEYS) });
    expect(statusOf(results)).toEqual({
      [rotatingKey.Arn!]: 'pass',
      [staticKey.Arn!]: 'pass',
      [deletingKey.Arn!]: 'needs-review',
      [disabledKey.Arn!]: 'needs-review',
      [signingKey.Arn!]: 'pass',
    });
    expect(results.find((r) => r.resource === deletingKey.Arn)!.reason).toContain('scheduled for deletion on 2025-06-20');
  });
  it('errors without a ListKeys response', () => {
    expect(statusOf(evaluateBoth(keyState, {}))).toEqual({ account: 'error' });
  });
});
