import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/kms/index.js';
import { keyRotation } from '../../../src/queries/kms/key-rotation.js';
import { keyState } from '../../../src/queries/kms/key-state.js';
import { keyAccess } from '../../../src/queries/kms/key-access.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ALL_KEYS, REGION, awsManagedKey, deletingKey, described, disabledKey, listing, rotatedOn, rotatingKey, rotationOff, rotationOn, signingKey, staticKey } from '../../fixtures/kms/kms.js';

const ctx = { accountId: '111122223333', region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = params as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('KMS query registry', () => {
  it('registers key rotation and key state as regional queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['kms.key-access', 'kms.key-rotation', 'kms.key-state']);
    expect(keyRotation.apiCalls).toEqual(['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListKeyRotations']);
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
    // ListKeyRotations read for each of them: no rotation completed (material as old as the key, created 2023-02-01).
    rotations: [rotatingKey, staticKey, disabledKey].map((k) => ({ keyId: k.KeyId!, list: [] })),
  };
  it('passes rotating keys, fails static ones, skips AWS managed keys and lists asymmetric ones as rotated manually', () => {
    const results = evaluateBoth(keyRotation, evidence);
    expect(statusOf(results)).toEqual({
      [rotatingKey.Arn!]: 'pass',
      [staticKey.Arn!]: 'fail',
      [deletingKey.Arn!]: 'not-applicable',
      [disabledKey.Arn!]: 'fail',
      [signingKey.Arn!]: 'not-applicable',
    });
    expect(results.find((r) => r.resource === rotatingKey.Arn)!.reason).toContain('every 365 days (at most 365), next on 2026-02-01');
    expect(results.find((r) => r.resource === signingKey.Arn)!.reason).toContain('is an asymmetric key (ECC_NIST_P256): automatic rotation is not supported for this key; rotate it manually');
    expect(results.map((r) => r.resource)).not.toContain(awsManagedKey.Arn);
  });
  it('fails a rotation period longer than maxRotationPeriodDays (the organisation\'s cryptoperiod), naming both', () => {
    const long = { ...evidence, rotation: [{ keyId: rotatingKey.KeyId!, status: { ...rotationOn, RotationPeriodInDays: 2560 } }] };
    expect(evaluateBoth(keyRotation, long)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('only every 2560 days, longer than the 365-day maximum') });
    expect(evaluateBoth(keyRotation, long, { maxRotationPeriodDays: 2560 })[0].status).toBe('pass');
    const short = { ...evidence, rotation: [{ keyId: rotatingKey.KeyId!, status: { ...rotationOn, RotationPeriodInDays: 180 } }] };
    expect(evaluateBoth(keyRotation, short, { maxRotationPeriodDays: 180 })[0].status).toBe('pass');
    expect(evaluateBoth(keyRotation, evidence, { maxRotationPeriodDays: 180 })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('every 365 days, longer than the 180-day maximum') });
  });
  it('does not pass a rotation status without its period unless any period KMS allows is acceptable', () => {
    const noPeriod = { ...evidence, rotation: [{ keyId: rotatingKey.KeyId!, status: { KeyRotationEnabled: true } }] };
    expect(evaluateBoth(keyRotation, noPeriod)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the GetKeyRotationStatus response holds no rotation period') });
    expect(evaluateBoth(keyRotation, noPeriod, { maxRotationPeriodDays: 2560 })[0].status).toBe('pass');
  });
  it('does not pass a disabled key with rotation on: KMS does not rotate disabled keys', () => {
    const off = { ...evidence, rotation: [{ keyId: disabledKey.KeyId!, status: { KeyRotationEnabled: true, RotationPeriodInDays: 365 } }] };
    const r = evaluateBoth(keyRotation, off).find((x) => x.resource === disabledKey.Arn)!;
    expect(r).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('KMS does not rotate a disabled key') });
  });
  it('lists keys with imported material and HMAC keys as not rotatable automatically, instead of dropping them', () => {
    const imported = { ...rotatingKey, KeyId: 'aaaa', Arn: 'arn:aws:kms:us-east-1:111122223333:key/aaaa', Origin: 'EXTERNAL' as const };
    const hmac = { ...rotatingKey, KeyId: 'bbbb', Arn: 'arn:aws:kms:us-east-1:111122223333:key/bbbb', KeySpec: 'HMAC_256' as const, KeyUsage: 'GENERATE_VERIFY_MAC' as const };
    const r = evaluateBoth(keyRotation, { keys: listing([imported, hmac]), metadata: described([imported, hmac]), rotation: [] });
    expect(r).toEqual([
      expect.objectContaining({ resource: imported.Arn, status: 'not-applicable', reason: expect.stringContaining('has imported key material: automatic rotation is not supported for this key; rotate it manually') }),
      expect.objectContaining({ resource: hmac.Arn, status: 'not-applicable', reason: expect.stringContaining('is an HMAC key (HMAC_256)') }),
    ]);
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

describe('kms.key-rotation: a key without automatic rotation is judged on the age of its key material (PCI DSS 3.7.4)', () => {
  // Evidence of one key with automatic rotation off, with or without a ListKeyRotations read (`list`).
  const off = (k: typeof staticKey, list?: unknown) => ({
    keys: listing([k]),
    metadata: described([k]),
    rotation: [{ keyId: k.KeyId!, status: rotationOff }],
    ...(list !== undefined ? { rotations: [{ keyId: k.KeyId!, list }] } : {}),
  });
  const catalogDefault = { ...ctx, parameterSources: { maxRotationPeriodDays: 'the catalog default for 3.7.4 (controls/pci-dss-4.0.1.yaml), to be confirmed by the organisation' } };
  const judge = (data: unknown, params = { maxRotationPeriodDays: 365 }, c = catalogDefault) => {
    const fresh = keyRotation.evaluate(data, params, c);
    expect(keyRotation.evaluate(roundTrip(data), params, c)).toEqual(fresh);
    return fresh[0];
  };

  it('an on-demand rotation within the cryptoperiod is not a failure: it names the rotation, the cryptoperiod and who set it', () => {
    const r = judge(off(staticKey, [rotatedOn(staticKey, '2024-01-10', 'AUTOMATIC'), rotatedOn(staticKey, '2025-03-01', 'ON_DEMAND')]));
    expect(r.status).toBe('pass');
    expect(r.reason).toContain('does not rotate its key material automatically, but its key material was last rotated on 2025-03-01 (ON_DEMAND, ListKeyRotations), 92 days before collection');
    expect(r.reason).toContain('within the 365-day cryptoperiod (maxRotationPeriodDays, set by the catalog default for 3.7.4 (controls/pci-dss-4.0.1.yaml), to be confirmed by the organisation)');
    expect(r.reason).toContain('must be changed again (on-demand rotation, or a new key behind its alias) by 2026-03-01, which this evidence does not show');
    expect(r.reason).not.toContain("organisation's");
  });
  it('a key created within the cryptoperiod passes on its creation date, even in evidence without ListKeyRotations', () => {
    const young = { ...staticKey, CreationDate: new Date('2025-01-01T00:00:00.000Z') };
    expect(judge(off(young))).toMatchObject({ status: 'pass', reason: expect.stringContaining('the key was created on 2025-01-01, 151 days before collection: its key material is within the 365-day cryptoperiod') });
  });
  it('fails material older than the cryptoperiod with no rotation since, naming where its age comes from', () => {
    expect(judge(off(staticKey, []))).toMatchObject({ status: 'fail', reason: expect.stringMatching(/its key material dates from its creation on 2023-02-01 \(ListKeyRotations records no rotation\), \d+ days before collection, older than the 365-day cryptoperiod/) });
    expect(judge(off(staticKey, [rotatedOn(staticKey, '2024-03-01', 'ON_DEMAND')]))).toMatchObject({ status: 'fail', reason: expect.stringContaining('its last rotation on 2024-03-01 (ON_DEMAND, ListKeyRotations), 457 days before collection') });
    // A longer cryptoperiod set by the organisation covers it.
    const org = { ...ctx, parameterSources: { maxRotationPeriodDays: 'the organisation\'s configuration (parameters.pci-dss-4.0.1."3.7.4".maxRotationPeriodDays)' } };
    expect(judge(off(staticKey, [rotatedOn(staticKey, '2024-03-01', 'ON_DEMAND')]), { maxRotationPeriodDays: 730 }, org)).toMatchObject({ status: 'pass', reason: expect.stringContaining("730-day cryptoperiod (maxRotationPeriodDays, set by the organisation's configuration") });
  });
  it('needs review, never passes, when the age of old material cannot be told: evidence sealed before the read, a refused read, AWS Config\'s record', () => {
    expect(judge(off(staticKey))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the evidence holds no ListKeyRotations read (collected before this check read it)') });
    expect(judge(off(staticKey, { error: { code: 'AccessDeniedException', message: 'not authorized to perform kms:ListKeyRotations' } }))).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('ListKeyRotations was refused (AccessDeniedException'),
    });
    expect(judge({ ...off(staticKey), rotationRecordedBy: 'aws-config' })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('AWS Config records whether automatic rotation is on, not the rotations made') });
    expect(judge(off({ ...staticKey, CreationDate: undefined }, []))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the age of its key material is not known') });
  });
  it('a rotation period longer than the cryptoperiod is judged the same way: a recent on-demand rotation keeps the material within it', () => {
    const long = { ...off(rotatingKey, [rotatedOn(rotatingKey, '2025-05-01', 'ON_DEMAND')]), rotation: [{ keyId: rotatingKey.KeyId!, status: { ...rotationOn, RotationPeriodInDays: 730 } }] };
    expect(judge(long)).toMatchObject({ status: 'pass', reason: expect.stringContaining('rotates automatically only every 730 days, longer than the 365-day maximum, but its key material was last rotated on 2025-05-01') });
    // Evaluated without knowing who set the parameter (no parameterSources): the parameter is named, no owner claimed.
    expect(keyRotation.evaluate(long, { maxRotationPeriodDays: 365 }, ctx)[0].reason).toContain('365-day cryptoperiod (maxRotationPeriodDays)');
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
  it('judged on storage (3.6.1.4): KMS-generated single-Region keys pass; imported, external-store and multi-Region keys need review', () => {
    const imported = { ...staticKey, KeyId: 'imported-1', Arn: staticKey.Arn!.replace(staticKey.KeyId!, 'imported-1'), Origin: 'EXTERNAL' as const };
    const replicated = {
      ...rotatingKey,
      KeyId: 'mrk-1',
      Arn: rotatingKey.Arn!.replace(rotatingKey.KeyId!, 'mrk-1'),
      MultiRegion: true,
      MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' as const, PrimaryKey: { Region: REGION }, ReplicaKeys: [{ Region: 'eu-west-1' }] },
    };
    const keys = [rotatingKey, imported, replicated];
    const data = { keys: listing(keys), metadata: described(keys) };
    const results = keyState.evaluate(data, { judge: 'storage' }, ctx);
    expect(keyState.evaluate(roundTrip(data), { judge: 'storage' }, ctx)).toEqual(results);
    expect(statusOf(results)).toEqual({ [rotatingKey.Arn!]: 'pass', [imported.Arn]: 'needs-review', [replicated.Arn]: 'needs-review' });
    expect(results.find((r) => r.resource === imported.Arn)!.reason).toContain('a copy exists wherever it was generated');
    expect(results.find((r) => r.resource === replicated.Arn)!.reason).toContain(`kept in ${REGION}, eu-west-1`);
  });
  it('judged on form (3.6.1.2): material generated in KMS or CloudHSM HSMs passes, multi-Region copies too; imported material and external key stores need review', () => {
    const imported = { ...staticKey, KeyId: 'imported-1', Arn: staticKey.Arn!.replace(staticKey.KeyId!, 'imported-1'), Origin: 'EXTERNAL' as const };
    const xks = { ...staticKey, KeyId: 'xks-1', Arn: staticKey.Arn!.replace(staticKey.KeyId!, 'xks-1'), Origin: 'EXTERNAL_KEY_STORE' as const, CustomKeyStoreId: 'cks-1234567890abcdef0' };
    const replicated = { ...rotatingKey, KeyId: 'mrk-1', Arn: rotatingKey.Arn!.replace(rotatingKey.KeyId!, 'mrk-1'), MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY' as const, PrimaryKey: { Region: REGION }, ReplicaKeys: [{ Region: 'eu-west-1' }] } };
    const keys = [rotatingKey, imported, xks, replicated];
    const data = { keys: listing(keys), metadata: described(keys) };
    const results = keyState.evaluate(data, { judge: 'form' }, ctx);
    expect(statusOf(results)).toEqual({ [rotatingKey.Arn!]: 'pass', [imported.Arn]: 'needs-review', [xks.Arn]: 'needs-review', [replicated.Arn]: 'pass' });
    expect(results.find((r) => r.resource === imported.Arn)!.reason).toContain('the copy it was imported from is kept outside AWS');
    expect(results.find((r) => r.resource === xks.Arn)!.reason).toContain('key manager outside AWS');
  });
});

describe('kms.key-access (3.6.1: key policies and grants, not only key state)', () => {
  const own = (sid: string) => ({ Sid: sid, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' });
  const policy = (...statements: object[]) => ({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }), PolicyName: 'default' });
  const keys = [rotatingKey, staticKey, disabledKey, awsManagedKey];
  const evidence = (access: object[]) => ({ keys: listing(keys), metadata: described(keys), access });
  it('passes an own-account policy, fails a public one and asks review for cross-account statements and grants', () => {
    const r = evaluateBoth(
      keyAccess,
      evidence([
        { keyId: rotatingKey.KeyId, policy: policy(own('Enable IAM User Permissions')), grants: [] },
        { keyId: staticKey.KeyId, policy: policy(own('root'), { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }), grants: [] },
        {
          keyId: disabledKey.KeyId,
          policy: policy(own('root')),
          grants: [{ KeyId: disabledKey.Arn, GrantId: 'a'.repeat(64), Name: 'partner', GranteePrincipal: 'arn:aws:iam::444455556666:role/partner', Operations: ['Decrypt'] }],
        },
      ]),
    );
    expect(statusOf(r)).toEqual({ [rotatingKey.Arn!]: 'pass', [staticKey.Arn!]: 'fail', [disabledKey.Arn!]: 'needs-review' });
    expect(r.find((x) => x.resource === staticKey.Arn)?.reason).toContain('any principal');
    expect(r.find((x) => x.resource === disabledKey.Arn)?.reason).toContain('grant partner gives arn:aws:iam::444455556666:role/partner Decrypt');
  });
  it('is an error for a customer key whose policy is missing, and leaves AWS managed keys out', () => {
    const r = evaluateBoth(keyAccess, evidence([]));
    expect(new Set(r.map((x) => x.status))).toEqual(new Set(['error']));
    expect(r.some((x) => x.resource === awsManagedKey.Arn)).toBe(false);
  });
});
