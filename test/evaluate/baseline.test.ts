import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../../src/evaluate/engine.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { EvidenceBody } from '../../src/evidence/record.js';
import { runManifest } from './run-manifest.js';
import type { GetAccountPasswordPolicyCommandOutput } from '@aws-sdk/client-iam';

const ACCOUNT = '111122223333';
const catalog = CatalogSchema.parse({
  framework: 'hipaa-test',
  name: 'Baseline test',
  version: '1',
  publisher: 'tests',
  requirements: [
    { id: 'A.1', title: 'Password management (addressable)', principal: 'A', testingProcedures: ['A.1'], coverage: 'partial', implementation: 'addressable', rationale: 'Password policy shows part of it.', parameters: { minimumPasswordLength: 14 }, queries: ['iam.password-policy'] },
    { id: 'R.1', title: 'Authentication (required)', principal: 'R', testingProcedures: ['R.1'], coverage: 'partial', implementation: 'required', rationale: 'Password policy shows part of it.', parameters: { minimumPasswordLength: 14 }, queries: ['iam.password-policy'] },
  ],
});

function run(policy: Omit<GetAccountPasswordPolicyCommandOutput, '$metadata'>): Promise<ReturnType<typeof evaluateRun> extends Promise<infer T> ? T : never> {
  const body: EvidenceBody = { schema: 'evidence-locker/evidence@1', queryId: 'iam.password-policy', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', operations: ['iam:GetAccountPasswordPolicy'], requests: [], data: policy, sdkVersion: 'test' };
  const manifest = runManifest({ accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['hipaa-test'], queries: ['iam.password-policy'] }, [
    { recordId: 'iam.password-policy/x', queryId: 'iam.password-policy', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-01T00:00:30.000Z', sha256: 'a'.repeat(64), size: 1 },
  ]);
  return evaluateRun({ manifest, loadBody: async () => body, catalogs: [catalog], frameworks: ['hipaa-test'], parameterOverrides: { 'hipaa-test': { 'A.1': { minimumPasswordLength: 16 } } } });
}

describe('organisation baseline thresholds of addressable specifications', () => {
  it('turn a failure caused only by the chosen threshold into needs-review naming the parameter and who chose it', async () => {
    const results = await run({ PasswordPolicy: { MinimumPasswordLength: 12, RequireNumbers: true, RequireLowercaseCharacters: true, PasswordReusePrevention: 24 } });
    const a = results.find((r) => r.requirementId === 'A.1')!;
    expect(a.status).toBe('needs-review');
    expect(a.findings[0].reason).toMatch(/Organisation baseline, not a requirement of the rule \(addressable specification\): minimumPasswordLength = 16 set by the organisation's configuration \(parameters\.hipaa-test\."A\.1"\.minimumPasswordLength\)/);
    // A required standard keeps the failure.
    expect(results.find((r) => r.requirementId === 'R.1')!.status).toBe('fail');
  });
  it('keep a failure that does not depend on the threshold', async () => {
    const results = await run({ PasswordPolicy: { MinimumPasswordLength: 16, RequireNumbers: false, RequireLowercaseCharacters: true, PasswordReusePrevention: 24 } });
    expect(results.find((r) => r.requirementId === 'A.1')!.status).toBe('fail');
  });
});

describe('the KMS rotation period is an organisation baseline too', () => {
  it('a key rotating every 2560 days fails a required standard but only needs review under an addressable specification', async () => {
    const kmsCatalog = CatalogSchema.parse({
      framework: 'hipaa-test',
      name: 'Baseline test',
      version: '1',
      publisher: 'tests',
      requirements: [
        { id: 'A.2', title: 'Encryption (addressable)', principal: 'A', testingProcedures: ['A.2'], coverage: 'partial', implementation: 'addressable', rationale: 'Key rotation shows part of it.', parameters: { maxRotationPeriodDays: 365 }, queries: ['kms.key-rotation'] },
        { id: 'R.2', title: 'Cryptoperiod (required)', principal: 'R', testingProcedures: ['R.2'], coverage: 'partial', implementation: 'required', rationale: 'Key rotation shows part of it.', parameters: { maxRotationPeriodDays: 365 }, queries: ['kms.key-rotation'] },
      ],
    });
    const key = { KeyId: 'k1', Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1`, KeyManager: 'CUSTOMER', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', CreationDate: '2023-01-01T00:00:00.000Z' };
    // Created long before the run, never rotated (ListKeyRotations lists nothing): its material is older than 365 days.
    const data = { keys: [{ KeyId: 'k1', KeyArn: key.Arn }], metadata: [{ keyId: 'k1', KeyMetadata: key }], rotation: [{ keyId: 'k1', status: { KeyRotationEnabled: true, RotationPeriodInDays: 2560 } }], rotations: [{ keyId: 'k1', list: [] }] };
    const body: EvidenceBody = { schema: 'evidence-locker/evidence@1', queryId: 'kms.key-rotation', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', operations: [], requests: [], data, sdkVersion: 'test' };
    const manifest = runManifest({ accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['hipaa-test'], queries: ['kms.key-rotation'] }, [
      { recordId: 'kms.key-rotation/x', queryId: 'kms.key-rotation', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-01T00:00:30.000Z', sha256: 'b'.repeat(64), size: 1 },
    ]);
    const results = await evaluateRun({ manifest, loadBody: async () => body, catalogs: [kmsCatalog], frameworks: ['hipaa-test'] });
    expect(results.find((r) => r.requirementId === 'A.2')!).toMatchObject({ status: 'needs-review', findings: [expect.objectContaining({ reason: expect.stringContaining('maxRotationPeriodDays = 365') })] });
    expect(results.find((r) => r.requirementId === 'R.2')!.status).toBe('fail');
    // The reason names who set the cryptoperiod (the catalog here), not "the organisation's".
    const reason = results.find((r) => r.requirementId === 'R.2')!.findings[0].reason;
    expect(reason).toContain('365-day cryptoperiod (maxRotationPeriodDays, set by the catalog default for R.2 (controls/hipaa-test.yaml), to be confirmed by the organisation)');
    expect(reason).not.toContain("organisation's");
  });
});
