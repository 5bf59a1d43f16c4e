import { describe, expect, it } from 'vitest';
import { TAMPERING_ACTIONS, analyseBucketPolicy, rulesThatEndEvidence } from '../../src/store/bucket-guard.js';

const BREAK_GLASS = 'arn:aws:iam::111122223333:role/EvidenceBreakGlass';
const deny = (actions: string[], extra: Record<string, unknown> = {}) => ({
  Effect: 'Deny',
  Principal: '*',
  Action: actions,
  Resource: ['arn:aws:s3:::ev', 'arn:aws:s3:::ev/*'],
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': BREAK_GLASS } },
  ...extra,
});
const policy = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALL = TAMPERING_ACTIONS.map((t) => t.action);
const CONFIG_WRITES = ['s3:PutBucketPolicy', 's3:PutEncryptionConfiguration', 's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutReplicationConfiguration'];

describe('bucket policy analysis (store check)', () => {
  it('accepts denies of every tampering action to everyone but a named break-glass role', () => {
    const f = analyseBucketPolicy(policy(deny(ALL)), 'ev');
    expect(f.notDenied).toEqual([]);
    expect(f.exempted['s3:DeleteObject']).toEqual([BREAK_GLASS]);
  });

  it('was: a policy denying only deletes, lifecycle and lock changes passed; now: replacing the policy, encryption, public access block, ownership or replication must be denied too, each named when not', () => {
    expect(ALL).toEqual(expect.arrayContaining(CONFIG_WRITES));
    const old = ['s3:DeleteObject', 's3:PutLifecycleConfiguration', 's3:DeleteBucketPolicy', 's3:PutBucketObjectLockConfiguration'];
    expect(analyseBucketPolicy(policy(deny(old)), 'ev').notDenied).toEqual(CONFIG_WRITES);
    // One missing is named alone: an insider could PutBucketPolicy away every deny, so it is not optional.
    expect(analyseBucketPolicy(policy(deny(ALL.filter((a) => a !== 's3:PutBucketPolicy'))), 'ev').notDenied).toEqual(['s3:PutBucketPolicy']);
  });

  it('counts wildcard actions, and names every action left open', () => {
    expect(analyseBucketPolicy(policy(deny(['s3:Delete*', 's3:Put*'])), 'ev').notDenied).toEqual([]);
    expect(analyseBucketPolicy(policy(deny(['s3:DeleteObjectVersion'])), 'ev').notDenied).toEqual(ALL);
    expect(analyseBucketPolicy(undefined, 'ev').notDenied).toEqual(ALL);
    expect(analyseBucketPolicy('not json', 'ev').notDenied).toEqual(ALL);
  });

  it('does not count a deny that leaves a way round: another condition, a named principal, NotAction, another bucket', () => {
    const all = ALL;
    expect(analyseBucketPolicy(policy(deny(all, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } })), 'ev').notDenied).toHaveLength(ALL.length);
    expect(analyseBucketPolicy(policy(deny(all, { Principal: { AWS: 'arn:aws:iam::111122223333:role/collector' } })), 'ev').notDenied).toHaveLength(ALL.length);
    expect(analyseBucketPolicy(policy({ ...deny([]), Action: undefined, NotAction: 's3:GetObject' }), 'ev').notDenied).toHaveLength(ALL.length);
    expect(analyseBucketPolicy(policy(deny(all, { Resource: ['arn:aws:s3:::other', 'arn:aws:s3:::other/*'] })), 'ev').notDenied).toHaveLength(ALL.length);
    expect(analyseBucketPolicy(policy({ ...deny(all), Effect: 'Allow' }), 'ev').notDenied).toHaveLength(ALL.length);
  });
});

describe('lifecycle rules that end evidence (store check)', () => {
  it('names enabled rules that expire or delete versions under the store prefix', () => {
    const bad = rulesThatEndEvidence(
      [
        { ID: 'expire-all', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } },
        { ID: 'old-versions', Status: 'Enabled', Filter: { Prefix: 'evidence-locker/runs/' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
        { ID: 'disabled', Status: 'Disabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
        { ID: 'other-prefix', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 1 } },
        { ID: 'transition-only', Status: 'Enabled', Filter: { Prefix: '' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] },
        { ID: 'uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      ],
      'evidence-locker/',
    );
    expect(bad.map((r) => r.id)).toEqual(['expire-all', 'old-versions']);
    expect(bad[0].what).toMatch(/delete marker/);
  });
});
