import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TAMPERING_ACTIONS, analyseBucketPolicy } from '../../src/store/bucket-guard.js';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/version.js';

interface Statement {
  Sid: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const template = readFileSync(join(PACKAGE_ROOT, 'deploy', 'bucket-policy.json'), 'utf8');
const values = { BucketName: 'acme-evidence', BreakGlassRoleArn: 'arn:aws:iam::111122223333:role/EvidenceBreakGlass', MinimumRetentionDays: '2192', EvidenceKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' };
const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
  if (!(name in values)) throw new Error(`unknown placeholder \${${name}}`);
  return values[name as keyof typeof values];
});
const policy = JSON.parse(rendered) as { Version: string; Statement: Statement[] };
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const bySid = (sid: string) => {
  const s = policy.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`statement ${sid} missing`);
  return s;
};

describe('deploy/bucket-policy.json', () => {
  it('is valid JSON as a template and uses exactly the documented placeholders, each inside a string', () => {
    expect(() => JSON.parse(template)).not.toThrow();
    expect(new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))).toEqual(new Set(Object.keys(values)));
    expect(rendered).not.toMatch(/\$\{/);
    expect(policy.Version).toBe('2012-10-17');
  });

  it('only denies: nothing in the bucket policy grants access', () => {
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Deny');
      expect(s.Principal).toBe('*');
    }
  });

  it('denies every request without TLS on the bucket and its objects', () => {
    const s = bySid('DenyRequestsWithoutTLS');
    expect(list(s.Action)).toEqual(['s3:*']);
    expect(list(s.Resource).sort()).toEqual(['arn:aws:s3:::acme-evidence', 'arn:aws:s3:::acme-evidence/*']);
    expect(s.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('was: delete markers, lifecycle rules, policy removal, then policy replacement and the other bucket settings allowed; now: denied with version deletes, governance bypass and lock reconfiguration to everyone but the break-glass role', () => {
    const s = bySid('DenyLockTamperingExceptBreakGlass');
    expect(list(s.Action).sort()).toEqual([
      's3:BypassGovernanceRetention',
      's3:DeleteBucketPolicy',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:PutBucketObjectLockConfiguration',
      's3:PutBucketOwnershipControls',
      's3:PutBucketPolicy',
      's3:PutBucketPublicAccessBlock',
      's3:PutBucketVersioning',
      's3:PutEncryptionConfiguration',
      's3:PutLifecycleConfiguration',
      's3:PutReplicationConfiguration',
    ]);
    expect(list(s.Resource).sort()).toEqual(['arn:aws:s3:::acme-evidence', 'arn:aws:s3:::acme-evidence/*']);
    expect(s.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/EvidenceBreakGlass' } });
  });

  it('denies writes and retention changes that would leave less than the minimum retention', () => {
    const s = bySid('DenyRetentionShorterThanMinimum');
    expect(list(s.Action).sort()).toEqual(['s3:PutObject', 's3:PutObjectRetention']);
    expect(list(s.Resource)).toEqual(['arn:aws:s3:::acme-evidence/*']);
    expect(s.Condition).toEqual({ NumericLessThan: { 's3:object-lock-remaining-retention-days': '2192' } });
  });

  it('was: a write or retention change could name GOVERNANCE mode (which s3:BypassGovernanceRetention holders can shorten); now: any lock mode named must be COMPLIANCE', () => {
    const s = bySid('DenyLockModesOtherThanCompliance');
    expect(list(s.Action).sort()).toEqual(['s3:PutObject', 's3:PutObjectRetention']);
    expect(list(s.Resource)).toEqual(['arn:aws:s3:::acme-evidence/*']);
    // Only when the request names a mode: a write relying on the bucket's default COMPLIANCE retention names none.
    expect(s.Condition).toEqual({ Null: { 's3:object-lock-mode': 'false' }, StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } });
  });

  it('denies writes of versions the evidence\'s readers could not read: a customer-provided key (SSE-C), another KMS key than the evidence key, an archive storage class', () => {
    for (const sid of ['DenyWritesWithCustomerKeys', 'DenyWritesWithAnotherKmsKey', 'DenyWritesWithTheManagedKmsKey', 'DenyWritesToArchiveClasses']) {
      expect(list(bySid(sid).Action)).toEqual(['s3:PutObject']);
      expect(list(bySid(sid).Resource)).toEqual(['arn:aws:s3:::acme-evidence/*']);
    }
    // Any SSE-C header at all. A KMS key or a storage class only when the request names one AND it is not the allowed
    // one (conditions of one statement must all hold): the collector names the evidence key or none (the bucket
    // default applies), never a storage class, and UploadPart and CompleteMultipartUpload (also s3:PutObject) carry
    // neither header. An ...IfExists operator would not do: a key absent from the request makes it true, and this
    // Deny would refuse every such write.
    expect(bySid('DenyWritesWithCustomerKeys').Condition).toEqual({ Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } });
    expect(bySid('DenyWritesWithAnotherKmsKey').Condition).toEqual({
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': values.EvidenceKeyArn },
    });
    // SSE-KMS named without a key id encrypts under the account's AWS managed key (aws/s3): denied too. The collector
    // names both or neither.
    expect(bySid('DenyWritesWithTheManagedKmsKey').Condition).toEqual({
      StringEquals: { 's3:x-amz-server-side-encryption': ['aws:kms', 'aws:kms:dsse'] },
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
    });
    expect(bySid('DenyWritesToArchiveClasses').Condition).toEqual({ Null: { 's3:x-amz-storage-class': 'false' }, StringNotEquals: { 's3:x-amz-storage-class': 'STANDARD' } });
    // No statement of this policy denies by a condition that an absent key makes true.
    for (const st of policy.Statement) expect(Object.keys(st.Condition ?? {}).filter((op) => op.endsWith('IfExists')), st.Sid).toEqual([]);
  });

  it('passes the policy analysis `store check` runs on the live bucket', () => {
    const finding = analyseBucketPolicy(JSON.stringify(policy), 'acme-evidence');
    expect(finding.notDenied).toEqual([]);
    for (const a of TAMPERING_ACTIONS) expect(finding.exempted[a.action], a.action).toEqual(['arn:aws:iam::111122223333:role/EvidenceBreakGlass']);
  });

  it('no statement allows or denies by a wildcard resource outside the bucket', () => {
    for (const s of policy.Statement) for (const r of list(s.Resource)) expect(r.startsWith('arn:aws:s3:::acme-evidence')).toBe(true);
  });
});
