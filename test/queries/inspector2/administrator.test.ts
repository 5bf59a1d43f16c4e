/** inspector2.* read through the Amazon Inspector delegated administrator: each member judged as in its own account. */
import { describe, expect, it } from 'vitest';
import { accountStatus } from '../../../src/queries/inspector2/account-status.js';
import type { CoveredResource, Finding } from '@aws-sdk/client-inspector2';
import { coverage, type Inspector2CoverageEvidence } from '../../../src/queries/inspector2/coverage.js';
import { findings, type Inspector2FindingsEvidence } from '../../../src/queries/inspector2/findings.js';
import { administratorAccountStatus, administratorCoverage, administratorInspectorFindings } from '../../../src/queries/inspector2/administrator.js';
import { inspector2State } from '../../../src/simulator/services/inspector2.js';
import { ADMIN, outcome, useOrganization } from '../delegated/helpers.js';
import { finding, suppressRule } from '../../fixtures/inspector2/inspector2.js';

const DAY = 86_400_000;

describe('Amazon Inspector through its delegated administrator', () => {
  const org = useOrganization((world) => {
    const [, vulnerable, disabled] = world.organization!.accountIds;
    const now = Date.now();
    inspector2State(world.account(vulnerable)!, 'us-east-1').findings.push({
      findingArn: `arn:aws:inspector2:us-east-1:${vulnerable}:finding/00000000000000000000000000000001`,
      awsAccountId: vulnerable,
      type: 'PACKAGE_VULNERABILITY',
      description: 'openssl 3.0.7 is affected by CVE-2023-0286.',
      remediation: { recommendation: { text: 'Upgrade openssl.' } },
      severity: 'HIGH',
      firstObservedAt: new Date(now - 45 * DAY),
      lastObservedAt: new Date(now - DAY),
      status: 'ACTIVE',
      resources: [{ type: 'AWS_EC2_INSTANCE', id: 'i-0123456789abcdef0', region: 'us-east-1' }],
      packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2023-0286', source: 'NVD' },
    });
    // Only the administrator creates suppression rules; this one hides the vulnerable member's critical findings, and
    // one of them is suppressed (not in the ACTIVE listing).
    inspector2State(world.account(ADMIN)!, 'us-east-1').filters.push(
      suppressRule('hide-critical-in-member', { awsAccountId: [{ comparison: 'EQUALS', value: vulnerable }], severity: [{ comparison: 'EQUALS', value: 'CRITICAL' }] }, ADMIN),
    );
    inspector2State(world.account(vulnerable)!, 'us-east-1').findings.push({
      ...finding(9, { type: 'AWS_EC2_INSTANCE', id: 'i-0123456789abcdef0' }, 'CRITICAL', new Date(now - 200 * DAY).toISOString(), 'CVE-2024-6387'),
      awsAccountId: vulnerable,
      status: 'SUPPRESSED',
    });
    // Inspector switched off in one member's second region: the administrator lists it as DISABLED.
    inspector2State(world.account(disabled)!, 'us-west-2').status = { status: 'DISABLED', errorCode: undefined, errorMessage: undefined };
    // A member's own suppression rule (created while it stood alone): its ListFilters lists it, the administrator's does not.
    const filtering = world.organization!.accountIds[3];
    inspector2State(world.account(filtering)!, 'us-east-1').filters.push(
      suppressRule('legacy-images-accepted', { severity: [{ comparison: 'EQUALS', value: 'HIGH' }], ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'legacy' }] }, filtering),
    );
  });

  it('splits the administrator’s findings per member and judges them as the member’s own listing', async () => {
    const [vulnerable, other] = org.members();
    const a = await org.bothWays(findings, administratorInspectorFindings, vulnerable, 'us-east-1');
    expect(a.perAccount.some((r) => r.status === 'fail' && r.resource.endsWith('instance/i-0123456789abcdef0'))).toBe(true);
    expect(outcome(a.delegated)).toEqual(outcome(a.perAccount));
    expect(a.data).toMatchObject({ administrator: { accountId: ADMIN }, member: { accountId: vulnerable, relationshipStatus: 'ENABLED' } });
    // Items verbatim: the administrator's copy of the finding is the member's.
    expect((a.data as { findings: unknown[] }).findings).toEqual((a.own as { findings: unknown[] }).findings);
    const b = await org.bothWays(findings, administratorInspectorFindings, other, 'us-east-1');
    expect((b.data as { findings: unknown[] }).findings).toEqual([]);
    expect(outcome(b.delegated)).toEqual(outcome(b.perAccount));
    // The administrator's own account is covered too.
    expect(a.parts.has(`${ADMIN}/us-east-1`)).toBe(true);
    // The member's suppressed critical finding needs review both ways; through the administrator, its rule is named too.
    expect(a.perAccount[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('1 critical or high findings are SUPPRESSED (1 critical): hidden from the active findings judged here, not remediated: CVE-2024-6387') });
    expect(a.delegated?.[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('hide-critical-in-member (owner ') });
    expect((a.data as Inspector2FindingsEvidence).suppressionRules).toEqual([expect.objectContaining({ ownerId: ADMIN, name: 'hide-critical-in-member' })]);
    // The rule names another account: the other member and the administrator pass on it.
    expect(b.delegated?.[0].status).toBe('pass');
  });

  it('reads a member’s own suppression rules in the member, so a rule the administrator does not list is judged alike in both modes', async () => {
    const filtering = org.members()[2];
    const a = await org.bothWays(findings, administratorInspectorFindings, filtering, 'us-east-1');
    const named = expect.stringContaining(`legacy-images-accepted (owner ${filtering}; severities high; narrowed by ecrImageRepositoryName; reason: accepted risk)`);
    expect(a.perAccount[0]).toMatchObject({ status: 'needs-review', reason: named });
    expect(a.delegated?.[0]).toMatchObject({ status: 'needs-review', reason: named });
    expect(outcome(a.delegated)).toEqual(outcome(a.perAccount));
    const data = a.data as Inspector2FindingsEvidence;
    // The administrator's listing is its own; the member's rule is kept beside it, as the member's ListFilters returned it.
    expect(data.suppressionRules).toEqual(((await org.bothWays(findings, administratorInspectorFindings, ADMIN, 'us-east-1')).own as Inspector2FindingsEvidence).suppressionRules);
    expect(data.memberSuppressionRules).toEqual((a.own as Inspector2FindingsEvidence).suppressionRules);
    expect(data.memberSuppressionRules).toEqual([expect.objectContaining({ name: 'legacy-images-accepted', ownerId: filtering })]);
    // The administrator's own record has no member listing: its rules are its own.
    const admin = await org.bothWays(findings, administratorInspectorFindings, ADMIN, 'us-east-1');
    expect(admin.data).not.toHaveProperty('memberSuppressionRules');
    expect(outcome(admin.delegated)).toEqual(outcome(admin.perAccount));
    // Evidence read through the administrator without the member's listing never passes on it.
    const { memberSuppressionRules: _dropped, ...older } = data;
    const other = await org.bothWays(findings, administratorInspectorFindings, org.members()[1], 'us-east-1');
    expect(other.delegated?.[0].status).toBe('pass');
    const { memberSuppressionRules: _none, ...olderOther } = other.data as Inspector2FindingsEvidence;
    const judged = findings.evaluate(olderOther, {}, { accountId: org.members()[1], region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(judged[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the member’s own suppression rules were not read') });
    expect(findings.evaluate(older, {}, { accountId: filtering, region: 'us-east-1', collectedAt: new Date().toISOString() })[0].status).toBe('needs-review');
    // A member listing that failed is named, not taken for "no rules".
    const refused = { ...olderOther, memberSuppressionRules: { error: { code: 'AccessDeniedException', message: 'not authorized to perform inspector2:ListFilters' } } };
    const judgedRefused = findings.evaluate(refused, {}, { accountId: org.members()[1], region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(judgedRefused[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('could not be listed in the member (AccessDeniedException') });
  });

  it('reads each member’s account status and coverage as the member reads its own', async () => {
    for (const id of org.members()) {
      const s = await org.bothWays(accountStatus, administratorAccountStatus, id, 'us-east-1');
      expect(outcome(s.delegated), id).toEqual(outcome(s.perAccount));
      expect(s.perAccount[0].status).toBe('pass');
      const c = await org.bothWays(coverage, administratorCoverage, id, 'us-east-1');
      expect(outcome(c.delegated), id).toEqual(outcome(c.perAccount));
      expect(c.perAccount.length).toBeGreaterThan(0);
    }
  });

  it('judges the administrator, in its own account, on its own findings and coverage only, as the administrator’s split does', async () => {
    const [vulnerable] = org.members();
    const f = await org.bothWays(findings, administratorInspectorFindings, ADMIN, 'us-east-1');
    for (const x of (f.own as Inspector2FindingsEvidence).findings as { awsAccountId?: string }[]) expect(x.awsAccountId).toBe(ADMIN);
    expect(JSON.stringify(f.perAccount)).not.toContain(vulnerable);
    expect(outcome(f.delegated)).toEqual(outcome(f.perAccount));
    const c = await org.bothWays(coverage, administratorCoverage, ADMIN, 'us-east-1');
    const covered = (c.own as Inspector2CoverageEvidence).coverage as { accountId?: string }[];
    expect(covered.length).toBeGreaterThan(0);
    for (const x of covered) expect(x.accountId).toBe(ADMIN);
    expect(outcome(c.delegated)).toEqual(outcome(c.perAccount));
    // Evidence still holding a member's finding and coverage (an unfiltered listing) never judges them as the administrator's.
    const member = await org.bothWays(findings, administratorInspectorFindings, vulnerable, 'us-east-1');
    const unfiltered = { ...(f.own as Inspector2FindingsEvidence), findings: [...((f.own as Inspector2FindingsEvidence).findings as Finding[]), ...((member.own as Inspector2FindingsEvidence).findings as Finding[])] };
    const judged = findings.evaluate(unfiltered, {}, { accountId: ADMIN, region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(outcome(judged)).toEqual(outcome(f.perAccount));
    expect(judged[0].reason).toContain(`1 findings of other accounts (${vulnerable} (1)) in this listing were left out`);
    const memberCoverage = (await org.bothWays(coverage, administratorCoverage, vulnerable, 'us-east-1')).own as Inspector2CoverageEvidence;
    const mixed = { ...(c.own as Inspector2CoverageEvidence), coverage: [...(covered as CoveredResource[]), ...(memberCoverage.coverage as CoveredResource[])] };
    const judgedCoverage = coverage.evaluate(mixed, {}, { accountId: ADMIN, region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(outcome(judgedCoverage)).toEqual(outcome(c.perAccount));
    expect(judgedCoverage[0].reason).toContain('coverage entries of other accounts');
  });

  it('leaves a member whose Inspector is not enabled to its own account', async () => {
    const disabled = org.members()[1];
    const s = await org.bothWays(accountStatus, administratorAccountStatus, disabled, 'us-west-2');
    expect(s.data).toBeUndefined();
    expect(s.perAccount[0].status).toBe('fail');
    const f = await org.bothWays(findings, administratorInspectorFindings, disabled, 'us-west-2');
    expect(f.data).toBeUndefined();
  });
});
