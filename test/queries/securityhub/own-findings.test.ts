/** securityhub.control-results in an account that is also the Security Hub administrator: its own control findings only. */
import { describe, expect, it } from 'vitest';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { controlResults, pciFindingFilters, type ControlResultsEvidence } from '../../../src/queries/securityhub/control-results.js';
import { administratorControlResults } from '../../../src/queries/securityhub/administrator-control-results.js';
import { ADMIN, outcome, useOrganization } from '../delegated/helpers.js';
import { standardsControls } from '../../fixtures/securityhub/securityhub.js';

const REGION = 'us-east-1';

describe('securityhub.control-results in the Security Hub administrator account', () => {
  const org = useOrganization();

  it('asks GetFindings for the account’s own findings and judges the administrator as the administrator’s split does', async () => {
    const r = await org.bothWays(controlResults, administratorControlResults, ADMIN, REGION);
    const own = r.own as ControlResultsEvidence;
    expect(own.standards.length).toBe(1);
    expect(own.standards[0].filters.AwsAccountId).toEqual([{ Value: ADMIN, Comparison: 'EQUALS' }]);
    expect(own.standards[0].findings.length).toBeGreaterThan(0);
    for (const f of own.standards[0].findings) expect(f.AwsAccountId).toBe(ADMIN);
    for (const id of org.members()) expect(JSON.stringify(r.perAccount)).not.toContain(id);
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    // Which controls are disabled in the standard is read in the account itself both ways, and judged the same way.
    const delegated = r.data as ControlResultsEvidence;
    expect(own.standards[0].controls).toMatchObject({ Controls: expect.arrayContaining([expect.objectContaining({ ControlId: 'CloudTrail.2', ControlStatus: 'ENABLED' })]) });
    expect(delegated.standards[0].controls).toEqual(own.standards[0].controls);
    expect(r.delegated!.find((x) => x.resourceType === 'AWS::SecurityHub::Standard')!.reason).toContain('controls of the standard are enabled');
  });

  it('leaves out a control finding of another account found in the evidence, saying so, never counting it', () => {
    const member = '222233334444';
    const standardsArn = `arn:aws:securityhub:${REGION}::standards/pci-dss/v/4.0.1`;
    const finding = (account: string, status: 'PASSED' | 'FAILED'): AwsSecurityFinding =>
      ({ Id: `arn:aws:securityhub:${REGION}:${account}:security-control/EC2.13/finding/1`, AwsAccountId: account, Title: 'Security groups should not allow ingress from 0.0.0.0/0 to port 22', Resources: [{ Type: 'AwsEc2SecurityGroup', Id: `arn:aws:ec2:${REGION}:${account}:security-group/sg-1` }], Compliance: { Status: status, SecurityControlId: 'EC2.13', AssociatedStandards: [{ StandardsId: 'standards/pci-dss/v/4.0.1' }] }, RecordState: 'ACTIVE' }) as AwsSecurityFinding;
    const data: ControlResultsEvidence = {
      enabledStandards: { StandardsSubscriptions: [{ StandardsArn: standardsArn, StandardsSubscriptionArn: `arn:aws:securityhub:${REGION}:${ADMIN}:subscription/pci-dss/v/4.0.1`, StandardsInput: {}, StandardsStatus: 'READY' }] },
      standards: [{ standardsArn, filters: pciFindingFilters(standardsArn, ADMIN), findings: [finding(member, 'FAILED'), finding(ADMIN, 'PASSED')], controls: standardsControls(standardsArn, ['EC2.13']) }],
    };
    const results = controlResults.evaluate(data, {}, { accountId: ADMIN, region: REGION, collectedAt: new Date().toISOString() });
    expect(results.map((x) => x.status)).toEqual(['pass', 'pass']);
    expect(JSON.stringify(results.map((x) => x.resource))).not.toContain(member);
    expect(results[1].reason).toContain(`1 active control findings (PASSED 1); all 1 controls of the standard are enabled; 1 control findings of other accounts (${member} (1)) in this listing were left out`);
  });
});
