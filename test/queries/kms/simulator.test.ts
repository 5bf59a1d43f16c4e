import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { kmsState } from '../../../src/simulator/services/kms.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;
const byReason = (results: { reason: string; status: string }[], text: string) => results.find((r) => r.reason.includes(text))?.status;

describe('KMS queries against the simulated demo account', () => {
  it('kms.key-rotation: the legacy key without rotation fails; AWS managed keys are left out, signing keys listed as rotated manually', async () => {
    const { results, calls } = await session.run(q('kms.key-rotation'), 'us-east-1');
    expect(byReason(results, 'Application secrets (legacy)')).toBe('fail');
    expect(results.find((r) => r.reason.includes('Application secrets (legacy)'))!.reason).toContain('(ListKeyRotations records no rotation)');
    expect(byReason(results, 'Cardholder data environment')).toBe('pass');
    expect(byReason(results, 'Quarterly reports archive')).toBe('not-applicable');
    expect(byReason(results, 'manifest signing')).toBe('not-applicable');
    expect(results.some((r) => r.reason.includes('protects my S3 objects'))).toBe(false);
    // Rotation status is asked only of rotatable keys that are not pending deletion.
    expect(calls.filter((c) => c.operation === 'kms:GetKeyRotationStatus')).toHaveLength(4);
    // ... and so are their completed rotations.
    expect(calls.filter((c) => c.operation === 'kms:ListKeyRotations')).toHaveLength(4);
  });

  it('kms.key-state: the key pending deletion needs review', async () => {
    const { results } = await session.run(q('kms.key-state'), 'us-east-1');
    expect(results.filter((r) => r.status === 'needs-review')).toEqual([expect.objectContaining({ reason: expect.stringContaining('is scheduled for deletion on') })]);
    expect(results.filter((r) => r.status === 'pass').length).toBeGreaterThanOrEqual(5);
  });

  it('the second region has only the S3 keys, rotating', async () => {
    const { results } = await session.run(q('kms.key-rotation'), 'us-west-2');
    expect(results.map((r) => r.status)).toEqual(['pass']);
  });

  it('kms.key-access: the legacy key shared with a partner account needs review; policies and grants are read for customer keys only', async () => {
    const { results, calls } = await session.run(q('kms.key-access'), 'us-east-1');
    expect(results.filter((r) => r.status === 'needs-review')).toEqual([expect.objectContaining({ reason: expect.stringContaining('444455556666') })]);
    expect(byReason(results, 'Cardholder data environment')).toBe('pass');
    expect(calls.filter((c) => c.operation === 'kms:GetKeyPolicy').length).toBe(calls.filter((c) => c.operation === 'kms:ListGrants').length);
    expect(results.some((r) => r.reason.includes('protects my S3 objects'))).toBe(false);
  });
});

describe('kms.key-rotation: a key rotated on demand (RotateKeyOnDemand), seen through ListKeyRotations', () => {
  const DAY = 86_400_000;
  const now = new Date();
  const onDemand = demoSession(() => {
    const world = demoWorld({ now });
    const legacy = kmsState(world.accounts.get(DEMO_ACCOUNT_ID)!, 'us-east-1').keys.find((k) => k.metadata.Description === 'Application secrets (legacy)')!;
    legacy.rotations = [{ KeyId: legacy.metadata.Arn, RotationDate: new Date(now.getTime() - 30 * DAY), RotationType: 'ON_DEMAND' }];
    return world;
  });

  it('the legacy key without automatic rotation, rotated on demand 30 days ago, is within the 365-day cryptoperiod', async () => {
    const { results } = await onDemand.run(q('kms.key-rotation'), 'us-east-1');
    const legacy = results.find((r) => r.reason.includes('Application secrets (legacy)'))!;
    expect(legacy.status).toBe('pass');
    expect(legacy.reason).toMatch(/does not rotate its key material automatically, but its key material was last rotated on \d{4}-\d\d-\d\d \(ON_DEMAND, ListKeyRotations\), 30 days before collection/);
  });
});
