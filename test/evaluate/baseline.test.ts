import { describe, expect, it } from 'vitest';
import { evaluateRun, parametersFor } from '../../src/evaluate/engine.js';
import { parameterSource } from '../../src/evaluate/baseline.js';
import { queryById } from '../../src/queries/index.js';
import { CatalogSchema, type Catalog } from '../../src/controls/schema.js';
import { findCatalog, loadCatalogs } from '../../src/controls/load.js';
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

function run(
  policy: Omit<GetAccountPasswordPolicyCommandOutput, '$metadata'>,
  catalogs: Catalog[] = [catalog],
  parameterOverrides: Record<string, Record<string, Record<string, unknown>>> = { 'hipaa-test': { 'A.1': { minimumPasswordLength: 16 } } },
): Promise<ReturnType<typeof evaluateRun> extends Promise<infer T> ? T : never> {
  const frameworks = catalogs.map((c) => c.framework);
  const body: EvidenceBody = { schema: 'evidence-locker/evidence@1', queryId: 'iam.password-policy', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', operations: ['iam:GetAccountPasswordPolicy'], requests: [], data: policy, sdkVersion: 'test' };
  const manifest = runManifest({ accounts: [ACCOUNT], regions: ['us-east-1'], frameworks, queries: ['iam.password-policy'] }, [
    { recordId: 'iam.password-policy/x', queryId: 'iam.password-policy', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-01T00:00:30.000Z', sha256: 'a'.repeat(64), size: 1 },
  ]);
  return evaluateRun({ manifest, loadBody: async () => body, catalogs, frameworks, parameterOverrides });
}

describe('organisation baseline thresholds of addressable specifications', () => {
  it('turn a failure caused only by the chosen threshold into needs-review naming the parameter and who chose it', async () => {
    const results = await run({ PasswordPolicy: { MinimumPasswordLength: 12, RequireNumbers: true, RequireLowercaseCharacters: true, PasswordReusePrevention: 24 } });
    const a = results.find((r) => r.requirementId === 'A.1')!;
    expect(a.status).toBe('needs-review');
    expect(a.findings[0].reason).toMatch(/Organisation baseline, not a requirement of the rule \(addressable specification\): minimumPasswordLength = 16 set by the organisation's configuration \(parameters\.hipaa-test\."A\.1"\.minimumPasswordLength\)/);
    // A required standard too: the rule sets no length either (no parameterBasis: a HIPAA-style requirement's is the organisation's).
    const r1 = results.find((r) => r.requirementId === 'R.1')!;
    expect(r1.status).toBe('needs-review');
    expect(r1.findings[0].reason).toMatch(/Organisation baseline, not a requirement of the rule: minimumPasswordLength = 14 set by the catalog default for R\.1 \(controls\/hipaa-test\.yaml\), to be confirmed by the organisation \(the rule sets no value: the organisation's own policy decides\)/);
  });
  it('keep a failure that does not depend on the threshold', async () => {
    const results = await run({ PasswordPolicy: { MinimumPasswordLength: 16, RequireNumbers: false, RequireLowercaseCharacters: true, PasswordReusePrevention: 24 } });
    expect(results.find((r) => r.requirementId === 'A.1')!.status).toBe('fail');
  });
});

describe('the KMS rotation period is an organisation baseline too', () => {
  it('a key rotating every 2560 days only needs review under a HIPAA specification, required or addressable (the rule sets no cryptoperiod)', async () => {
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
    // Every HIPAA threshold is the organisation's choice (parameterBasis): a failure resting on it alone needs review.
    expect(results.find((r) => r.requirementId === 'R.2')!.status).toBe('needs-review');
    // The reason names who set the cryptoperiod (the catalog here), not "the organisation's".
    const reason = results.find((r) => r.requirementId === 'R.2')!.findings[0].reason;
    expect(reason).toContain('365-day cryptoperiod (maxRotationPeriodDays, set by the catalog default for R.2 (controls/hipaa-test.yaml), to be confirmed by the organisation)');
  });
});

describe('where a threshold printed in a reason comes from (the catalog\'s parameterBasis)', () => {
  const built = loadCatalogs();
  const pci = findCatalog(built, 'pci-dss-4.0.1');
  const hipaa = findCatalog(built, 'hipaa-security');
  // The demo's policy (E-0080): minimum length 8, upper, lower and numbers required, reuse prevention 4.
  const demo = { PasswordPolicy: { MinimumPasswordLength: 8, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, RequireNumbers: true, PasswordReusePrevention: 4 } };

  it('HIPAA 164.312(d) (required): a length below the catalog default alone is needs-review naming the default and that the rule sets no length', async () => {
    const results = await run(demo, [hipaa], {});
    const d = results.find((r) => r.requirementId === '164.312(d)')!;
    const finding = d.findings.find((f) => f.queryId === 'iam.password-policy')!;
    expect(finding.status).toBe('needs-review');
    expect(finding.reason).toContain(
      "minimum length 8 is below 14 (policy: minimum length 8; requires uppercase, lowercase, numbers; reuse prevention 4; no expiry). Organisation baseline, not a requirement of the rule: minimumPasswordLength = 14 set by the catalog default for 164.312(d) (controls/hipaa-security.yaml), to be confirmed by the organisation (the rule sets no length: the organisation's own policy decides); review against the risk analysis",
    );
    const spec = results.find((r) => r.requirementId === '164.308(a)(5)(ii)(D)')!.findings.find((f) => f.queryId === 'iam.password-policy')!;
    expect(spec).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(addressable specification): minimumPasswordLength = 14 set by the catalog default') });
    // Only the threshold the reason compares against is named (reuse prevention 4 meets its default).
    expect(spec.reason).not.toContain('minimumPasswordReusePrevention');
  });

  it('PCI 8.3.6 fixes twelve characters: the failure stays and prints plain', async () => {
    const results = await run(demo, [pci], {});
    const f = results.find((r) => r.requirementId === '8.3.6')!.findings[0];
    expect(f.status).toBe('fail');
    expect(f.reason).toMatch(/minimum length 8 is below 12 \(policy: [^)]*\)$/);
  });

  it('a value the configuration changes from the one the requirement fixes is named as the organisation\'s', async () => {
    const results = await run({ PasswordPolicy: { ...demo.PasswordPolicy, MinimumPasswordLength: 13 } }, [pci], { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 15 } } });
    const f = results.find((r) => r.requirementId === '8.3.6')!.findings[0];
    expect(f.status).toBe('fail');
    expect(f.reason).toContain(
      "Threshold not fixed by the requirement's text: minimumPasswordLength = 15 set by the organisation's configuration (parameters.pci-dss-4.0.1.\"8.3.6\".minimumPasswordLength) (8.3.6: a minimum length of 12 characters; the organisation's configuration sets 15 instead)",
    );
  });

  it('a value the entity sets (entity basis) keeps the failure and says where the value came from', async () => {
    const entity = CatalogSchema.parse({
      framework: 'pci-test',
      name: 'Basis test',
      version: '1',
      publisher: 'tests',
      requirements: [
        { id: 'E.1', title: 'Entity-defined length', principal: 'E', testingProcedures: ['E.1'], coverage: 'partial', rationale: 'Password policy shows part of it.', parameters: { minimumPasswordLength: 14, passwordPolicyChecks: ['length'] }, parameterBasis: { minimumPasswordLength: { source: 'entity', note: "E.1 takes the length from the entity's policy" } }, queries: ['iam.password-policy'] },
        { id: 'N.1', title: 'No basis given', principal: 'N', testingProcedures: ['N.1'], coverage: 'partial', rationale: 'Password policy shows part of it.', parameters: { minimumPasswordLength: 14, passwordPolicyChecks: ['length'] }, queries: ['iam.password-policy'] },
      ],
    });
    const results = await run(demo, [entity], {});
    expect(results.find((r) => r.requirementId === 'E.1')!.findings[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining("Threshold not fixed by the requirement's text: minimumPasswordLength = 14 set by the catalog default for E.1 (controls/pci-test.yaml), to be confirmed by the organisation (E.1 takes the length from the entity's policy)"),
    });
    expect(results.find((r) => r.requirementId === 'N.1')!.findings[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('(the catalog does not say whether N.1 fixes this value)') });
  });
});

describe('a configuration override of a value the requirement fixes (PCI 8.3.6: twelve characters)', () => {
  const pci = findCatalog(loadCatalogs(), 'pci-dss-4.0.1');
  const policy = (length: number) => ({ PasswordPolicy: { MinimumPasswordLength: length, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, RequireNumbers: true, PasswordReusePrevention: 4 } });
  const finding = async (length: number, minimumPasswordLength: number) => {
    const results = await run(policy(length), [pci], { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength } } });
    const r = results.find((x) => x.requirementId === '8.3.6')!;
    return { status: r.status, f: r.findings.find((x) => x.queryId === 'iam.password-policy')! };
  };

  it('loosened from 12 to 6: a policy of 8 that passes only with 6 is needs-review, naming both values and what 12 gives', async () => {
    const { status, f } = await finding(8, 6);
    expect(f.status).toBe('needs-review');
    expect(status).toBe('needs-review');
    expect(f.reason).toMatch(/^threshold loosened by configuration from 12 to 6 \(configuration parameters\.pci-dss-4\.0\.1\."8\.3\.6"\.minimumPasswordLength\); the requirement fixes 12; /);
    expect(f.reason).toContain("with the requirement's minimumPasswordLength = 12 this check gives FAIL (the password policy is too weak: minimum length 8 is below 12 (");
    expect(f.reason).toContain('. Judged with the configured value: PASS (the password policy meets the judged length');
  });

  it('loosened, and the policy meets 12 anyway: still not a pass on the configured value, the reason saying 12 passes too', async () => {
    const { f } = await finding(14, 6);
    expect(f.status).toBe('needs-review');
    expect(f.reason).toContain("the requirement fixes 12; with the requirement's minimumPasswordLength = 12 this check gives PASS. Judged with the configured value: PASS");
  });

  it('tightened from 12 to 14: results stand (a policy of 16 passes, one of 13 fails as before)', async () => {
    const pass = await finding(16, 14);
    expect(pass.f.status).toBe('pass');
    expect(pass.f.reason).not.toContain('loosened');
    expect((await finding(13, 14)).f.status).toBe('fail');
  });
});

describe('where an entity declaration comes from: made once in the configuration, named at every requirement it reaches', () => {
  it('10.7.2 takes the GuardDuty IDS declaration made under 11.5.1, its source naming that field; values not set say the catalog', () => {
    const r = findCatalog(loadCatalogs(), 'pci-dss-4.0.1').requirements.find((x) => x.id === '10.7.2')!;
    const ids = { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true } } };
    expect(parametersFor('pci-dss-4.0.1', r, queryById('guardduty.detector-enabled'), ids)).toMatchObject({ guarddutyIsIntrusionDetection: true, guarddutyIsAntiMalware: false, guarddutyIsLogReview: false });
    expect(parameterSource('pci-dss-4.0.1', r, 'guarddutyIsIntrusionDetection', ids)).toBe(
      `the organisation's configuration (parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking guarddutyIsIntrusionDetection, 10.7.2 among them)`,
    );
    expect(parameterSource('pci-dss-4.0.1', r, 'guarddutyIsAntiMalware', ids)).toBe('the catalog default for 10.7.2 (controls/pci-dss-4.0.1.yaml), to be confirmed by the organisation');
    // Set under the requirement itself, the source is its own field alone.
    expect(parameterSource('pci-dss-4.0.1', r, 'guarddutyIsIntrusionDetection', { 'pci-dss-4.0.1': { '10.7.2': { guarddutyIsIntrusionDetection: true } } })).toBe(`the organisation's configuration (parameters.pci-dss-4.0.1."10.7.2".guarddutyIsIntrusionDetection)`);
  });
});
