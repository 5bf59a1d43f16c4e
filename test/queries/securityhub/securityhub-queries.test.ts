import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/securityhub/index.js';
import { pciStandard } from '../../../src/queries/securityhub/pci-standard.js';
import { controlResults, pciFindingFilters } from '../../../src/queries/securityhub/control-results.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, FSBP, PCI_3, PCI_4, REGION, failedSsh, passedTrail, subscription, suppressedRds, warningConfig } from '../../fixtures/securityhub/securityhub.js';

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
    expect(controlResults.apiCalls).toEqual(['securityhub:GetEnabledStandards', 'securityhub:GetFindings']);
  });
});

describe('securityhub.pci-standard', () => {
  it('passes a READY PCI DSS v4.0.1 subscription', () => {
    expect(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(FSBP), subscription(PCI_4)] })).toEqual([
      expect.objectContaining({ resource: `arn:aws:securityhub:${REGION}:${ACCOUNT}:hub/default`, status: 'pass', reason: expect.stringContaining('PCI DSS v4.0.1') }),
    ]);
  });
  it('accepts v3.2.1 and says v4.0.1 is current', () => {
    expect(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_3)] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('v4.0.1 is the current version') });
  });
  it('fails when Security Hub or the PCI standard is off; reviews a pending subscription', () => {
    expect(evaluateBoth(pciStandard, notEnabled)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not enabled') });
    expect(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(FSBP)] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('aws-foundational-security-best-practices') });
    expect(statuses(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_4, 'INCOMPLETE')] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(pciStandard, { StandardsSubscriptions: [subscription(PCI_4, 'FAILED')] }))).toEqual(['fail']);
  });
});

describe('securityhub.control-results', () => {
  const evidence = (findings = [failedSsh, passedTrail, warningConfig, suppressedRds]) => ({
    enabledStandards: { StandardsSubscriptions: [subscription(PCI_4)] },
    standards: [{ standardsArn: PCI_4, filters: pciFindingFilters(PCI_4, ACCOUNT), findings }],
  });
  it('filters on the account, the standard id and active records', () => {
    expect(pciFindingFilters(PCI_4, ACCOUNT)).toEqual({ AwsAccountId: [{ Value: ACCOUNT, Comparison: 'EQUALS' }], ComplianceAssociatedStandardsId: [{ Value: 'standards/pci-dss/v/4.0.1', Comparison: 'EQUALS' }], RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] });
  });
  it('FAILED fails, PASSED passes, WARNING needs review, suppressed is not applicable, with a summary per standard', () => {
    const results = evaluateBoth(controlResults, evidence());
    const byControl = Object.fromEntries(results.filter((r) => r.resourceType === 'AWS::SecurityHub::Finding').map((r) => [r.reason.split(' ')[4], r.status]));
    expect(byControl).toEqual({ 'EC2.13': 'fail', 'CloudTrail.2': 'pass', 'Config.1': 'needs-review', 'RDS.2': 'not-applicable' });
    const summary = results.find((r) => r.resourceType === 'AWS::SecurityHub::Standard')!;
    expect(summary).toMatchObject({ status: 'fail', reason: expect.stringContaining('4 active control findings (FAILED 1, PASSED 1, SUPPRESSED 1, WARNING 1)') });
    expect(results[0].reason).toContain('(severity HIGH) on AwsEc2SecurityGroup');
  });
  it('passes when every control passes, and reviews an empty listing', () => {
    expect(evaluateBoth(controlResults, evidence([passedTrail])).map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(statuses(evaluateBoth(controlResults, evidence([])))).toEqual(['needs-review']);
  });
  it('needs review when Security Hub or the standard is off, and errors on a missing listing', () => {
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: notEnabled, standards: [] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: { StandardsSubscriptions: [subscription(FSBP)] }, standards: [] }))).toEqual(['needs-review']);
    expect(statuses(evaluateBoth(controlResults, { enabledStandards: { StandardsSubscriptions: [subscription(PCI_4)] }, standards: [] }))).toEqual(['error']);
  });
});
