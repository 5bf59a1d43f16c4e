import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/securityhub/index.js';
import { pciStandard } from '../../../src/queries/securityhub/pci-standard.js';
import { controlResults, pciFindingFilters, type ControlResultsEvidence } from '../../../src/queries/securityhub/control-results.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, FSBP, PCI_3, PCI_4, REGION, allPci4Enabled, controlFinding, failedSsh, passedTrail, standardsControls, subscription, suppressedRds, warningConfig } from '../../fixtures/securityhub/securityhub.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statuses = (results: ResourceResult[]) => results.map((r) => r.status);

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T): ResourceResult[] {
  const fresh = q.evaluate(data, {}, ctx);
  expect(q.evaluate(roundTrip(data), {}, ctx)).toEqual(fresh);
  return fresh;
}

const notEnabled = { error: { code: 'InvalidAccessException', message: `Account ${ACCOUNT} is not subscribed to AWS Security Hub` } };

describe('Security Hub query registry', () => {
  it('registers the PCI standard and control results queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['securityhub.control-results', 'securityhub.pci-standard']);
    expect(controlResults.apiCalls).toEqual(['securityhub:GetEnabledStandards', 'securityhub:GetFindings', 'securityhub:DescribeStandardsControls']);
    expect(pciStandard.apiCalls).toEqual(['securityhub:GetEnabledStandards', 'securityhub:DescribeStandardsControls']);
  });
});

const controlsOf = (standardsArn: string, controls: ReturnType<typeof standardsControls> | { error: { code: string; message: string } }) => ({
  standardsSubscriptionArn: subscription(standardsArn).StandardsSubscriptionArn!,
  controls,
});

describe('securityhub.pci-standard', () => {
  it('passes a READY PCI DSS v4.0.1 subscription whose controls are all enabled', () => {
    expect(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(FSBP), subscription(PCI_4)], standardsControls: [controlsOf(PCI_4, allPci4Enabled())] })).toEqual([
      expect.objectContaining({ resource: `arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`, status: 'pass', reason: expect.stringContaining('PCI DSS v4.0.1 standard is enabled and READY in us-east-1; all 4 controls of the standard are enabled') }),
    ]);
  });
  it('accepts v3.2.1 and says v4.0.1 is current', () => {
    const data = { StandardsSubscriptions: [subscription(PCI_3)], standardsControls: [controlsOf(PCI_3, standardsControls(PCI_3, ['PCI.AutoScaling.1']))] };
    expect(evaluateBoth(pciStandard, data)[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('v4.0.1 is the current version') });
  });
  it('reviews a READY standard with controls disabled in it, naming each with its recorded reason (a disabled control produces no findings)', () => {
    const controls = standardsControls(PCI_4, ['S3.1'], { 'EC2.13': 'Bastion needs SSH from the internet', 'RDS.2': 'Reporting replica is public by design' });
    const [r] = evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_4)], standardsControls: [controlsOf(PCI_4, controls)] });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('1 of 3 controls of the standard are enabled; disabled in Security Hub (not evaluated');
    expect(r.reason).toContain('EC2.13 (DISABLED: “Bastion needs SSH from the internet”), RDS.2 (DISABLED: “Reporting replica is public by design”)');
  });
  it('reviews a READY standard whose controls are not shown: evidence sealed before they were read, a failed read, or an empty listing', () => {
    const ready = { StandardsSubscriptions: [subscription(PCI_4)] };
    expect(evaluateBoth(pciStandard, ready)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before the standard’s controls were read') });
    const denied = { error: { code: 'AccessDeniedException', message: 'not authorized to perform securityhub:DescribeStandardsControls' } };
    expect(evaluateBoth(pciStandard, { ...ready, standardsControls: [controlsOf(PCI_4, denied)] })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('could not be read (DescribeStandardsControls: AccessDeniedException') });
    const notReady = { StandardsSubscriptions: [{ ...subscription(PCI_4), StandardsControlsUpdatable: 'NOT_READY_FOR_UPDATES' as const }], standardsControls: [controlsOf(PCI_4, { Controls: [] })] };
    expect(evaluateBoth(pciStandard, notReady)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('listed no controls of the standard') });
    expect(evaluateBoth(pciStandard, notReady)[0].reason).toContain('this one’s is NOT_READY_FOR_UPDATES');
  });
  it('fails when Security Hub or the PCI standard is off; reviews a pending subscription', () => {
    expect(evaluateBoth(pciStandard, notEnabled)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not enabled') });
    expect(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(FSBP)] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('aws-foundational-security-best-practices') });
    expect(statuses(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_4, 'INCOMPLETE')] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_4, 'FAILED')] }))).toEqual(['fail']);
  });
});

describe('securityhub.control-results', () => {
  const evidence = (findings = [failedSsh, passedTrail, warningConfig, suppressedRds], controls: ControlResultsEvidence['standards'][number]['controls'] = allPci4Enabled()): ControlResultsEvidence => ({
    enabledStandards: { StandardsSubscriptions: [subscription(PCI_4)] },
    standards: [{ standardsArn: PCI_4, filters: pciFindingFilters(PCI_4, ACCOUNT), findings, ...(controls ? { controls } : {}) }],
  });
  const summaryOf = (results: ResourceResult[]) => results.find((r) => r.resourceType === 'AWS::SecurityHub::Standard')!;
  it('filters on the account, the standard id and active records', () => {
    expect(pciFindingFilters(PCI_4, ACCOUNT)).toEqual({ AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }], ComplianceAssociatedStandardsId: [{ Value: 'standards/pci-dss/v/4.0.1', Comparison: 'EQUALS' }], RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] });
  });
  it('FAILED fails, PASSED passes, WARNING needs review, suppressed FAILED needs review, with a summary per standard', () => {
    const results = evaluateBoth(controlResults, evidence());
    const byControl = Object.fromEntries(results.filter((r) => r.resourceType === 'AWS::SecurityHub::Finding').map((r) => [r.reason.split(' ')[4], r.status]));
    expect(byControl).toEqual({ 'EC2.13': 'fail', 'CloudTrail.2': 'pass', 'Config.1': 'needs-review', 'RDS.2': 'needs-review' });
    expect(summaryOf(results)).toMatchObject({ status: 'fail', reason: expect.stringContaining('4 active control findings (FAILED 1, FAILED suppressed 1, PASSED 1, WARNING 1)') });
    expect(results[0].reason).toContain('(severity HIGH) on AwsEc2SecurityGroup');
  });
  it('a FAILED or WARNING finding suppressed in Security Hub still does not pass: it and the standard need review (atk18b)', () => {
    // e.g. one automation rule ComplianceStatus=FAILED -> Workflow SUPPRESSED: suppression is a workflow label only.
    const suppressedWarning = { ...warningConfig, Workflow: { Status: 'SUPPRESSED' as const } };
    const results = evaluateBoth(controlResults, evidence([suppressedRds, suppressedWarning, passedTrail]));
    const findings = results.filter((r) => r.resourceType === 'AWS::SecurityHub::Finding');
    expect(statuses(findings)).toEqual(['needs-review', 'needs-review', 'pass']);
    expect(findings[0].reason).toContain('RDS.2 FAILED (severity HIGH)');
    expect(findings[0].reason).toContain('FAILED, suppressed in Security Hub: confirm the documented justification');
    expect(findings[1].reason).toContain('WARNING, suppressed in Security Hub: confirm the documented justification');
    expect(summaryOf(results)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('3 active control findings (FAILED suppressed 1, PASSED 1, WARNING suppressed 1); 2 of them not PASSED but suppressed in Security Hub'),
    });
  });
  it('a suppressed PASSED finding stays not applicable and does not hold the standard back', () => {
    const suppressedPass = controlFinding('S3.1', 'PASSED', 'AwsS3Bucket', 'arn:aws:s3:::cardholder-exports', 'S3 buckets should block public access', { Workflow: { Status: 'SUPPRESSED' } });
    const results = evaluateBoth(controlResults, evidence([passedTrail, suppressedPass]));
    expect(statuses(results)).toEqual(['pass', 'not-applicable', 'pass']);
    expect(summaryOf(results).reason).toContain('2 active control findings (PASSED 1, SUPPRESSED 1)');
  });
  it('passes when every control passes and every control of the standard is enabled, and reviews an empty listing', () => {
    const results = evaluateBoth(controlResults, evidence([passedTrail]));
    expect(statuses(results)).toEqual(['pass', 'pass']);
    expect(results[1].reason).toContain('1 active control findings (PASSED 1); all 4 controls of the standard are enabled');
    expect(statuses(evaluateBoth(controlResults, evidence([])))).toEqual(['needs-review']);
  });
  it('needs review when controls are disabled in the standard: they produce no findings, so passing findings cover only the enabled ones (atk18b)', () => {
    const controls = standardsControls(PCI_4, ['CloudTrail.2'], { 'EC2.13': 'Bastion needs SSH from the internet', 'RDS.2': 'Reporting replica is public by design', 'Config.1': '' });
    const summary = summaryOf(evaluateBoth(controlResults, evidence([passedTrail], controls)));
    expect(summary.status).toBe('needs-review');
    expect(summary.reason).toContain('1 active control findings (PASSED 1); 1 of 4 controls of the standard are enabled; disabled in Security Hub (not evaluated, so no findings show their state; confirm each is justified): EC2.13');
    expect(summary.reason).toContain('EC2.13 (DISABLED: “Bastion needs SSH from the internet”), RDS.2 (DISABLED: “Reporting replica is public by design”), Config.1 (DISABLED: no reason recorded)');
    // With no findings at all (every control disabled), the standard still says which controls are disabled.
    const none = evaluateBoth(controlResults, evidence([], standardsControls(PCI_4, [], { 'EC2.13': 'out of scope' })));
    expect(none).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('0 of 1 controls of the standard are enabled') })]);
    // A failing finding still fails the standard.
    expect(summaryOf(evaluateBoth(controlResults, evidence([failedSsh], controls))).status).toBe('fail');
  });
  it('needs review, never passes, when the standard’s controls are not in the evidence (sealed before they were read) or could not be read', () => {
    const sealedBefore = evidence([passedTrail]);
    delete sealedBefore.standards[0].controls;
    const old = summaryOf(evaluateBoth(controlResults, sealedBefore));
    expect(old).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('this evidence was sealed before the standard’s controls were read (DescribeStandardsControls), so whether any of its controls is disabled is not shown') });
    const denied = summaryOf(evaluateBoth(controlResults, evidence([passedTrail], { error: { code: 'AccessDeniedException', message: 'denied' } })));
    expect(denied).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('could not be read (DescribeStandardsControls: AccessDeniedException: denied)') });
  });
  it('needs review when Security Hub or the standard is off, and errors on a missing listing', () => {
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: notEnabled, standards: [] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: { StandardsSubscriptions: [subscription(FSBP)] }, standards: [] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: { StandardsSubscriptions: [subscription(PCI_4)] }, standards: [] }))).toEqual(['error']);
  });
});
