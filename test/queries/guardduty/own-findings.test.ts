/** guardduty.findings in an account that is also the GuardDuty administrator: its own findings only, as through the administrator. */
import { describe, expect, it } from 'vitest';
import type { CoverageResource, Finding } from '@aws-sdk/client-guardduty';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { runtimeCoverage, type RuntimeCoverageEvidence } from '../../../src/queries/guardduty/runtime-coverage.js';
import { findings, type GuardDutyFindingsEvidence } from '../../../src/queries/guardduty/findings.js';
import { administratorFindings } from '../../../src/queries/guardduty/administrator-findings.js';
import { guardDutyFinding } from '../../../src/simulator/worlds/builders.js';
import { noneArchived } from '../../fixtures/guardduty/detectors.js';
import { ADMIN, outcome, useOrganization } from '../delegated/helpers.js';

const REGION = 'us-east-1';

describe('guardduty.findings in the GuardDuty administrator account', () => {
  let member = '';
  let muted = '';
  const org = useOrganization((world) => {
    // Another member whose high findings an administrator's suppression rule archived: one 3 hours ago (in the period), one 17 days ago.
    muted = world.organization!.accountIds.filter((id) => id !== ADMIN && world.account(id)!.regions.get(REGION)?.guardduty?.detectors.length)[1];
    const m = world.account(muted)!.regions.get(REGION)!.guardduty!.detectors[0];
    const archived = (type: string, ageHours: number) => guardDutyFinding(world.account(muted)!, REGION, m.id, { type, severity: 8, title: type, description: type, resourceType: 'Instance', resourceName: 'i-0muted00000000000', ageHours, archived: true }, new Date());
    m.findings = [archived('Backdoor:EC2/C&CActivity.B!DNS', 4), archived('CryptoCurrency:EC2/BitcoinTool.B!DNS', 400)];
    // A member with a high finding the administrator's detector lists: it must not be judged as the administrator's.
    member = world.organization!.accountIds.find((id) => id !== ADMIN && world.account(id)!.regions.get(REGION)?.guardduty?.detectors.length)!;
    const d = world.account(member)!.regions.get(REGION)!.guardduty!.detectors[0];
    // Runtime coverage of an instance in the member and one in the administrator: the administrator's ListCoverage lists both.
    const coverage = (account: string, detectorId: string, instanceId: string): CoverageResource => ({ ResourceId: instanceId, DetectorId: detectorId, AccountId: account, ResourceDetails: { ResourceType: 'EC2', Ec2InstanceDetails: { InstanceId: instanceId } }, CoverageStatus: 'UNHEALTHY', Issue: 'No agent reporting', UpdatedAt: new Date() });
    d.coverage = [coverage(member, d.id, 'i-0member000000000')];
    const a = world.account(ADMIN)!.regions.get(REGION)!.guardduty!.detectors[0];
    a.coverage = [coverage(ADMIN, a.id, 'i-0admin0000000000')];
    d.findings.push(guardDutyFinding(world.account(member)!, REGION, d.id, { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, title: 'Bitcoin domain queried.', description: 'Bitcoin domain queried.', resourceType: 'Instance', resourceName: 'i-0member000000000', ageHours: 5 }, new Date()));
  });

  it('lists only the account’s own findings and judges the administrator as the administrator’s split does', async () => {
    const r = await org.bothWays(findings, administratorFindings, ADMIN, REGION);
    const own = r.own as GuardDutyFindingsEvidence;
    expect(own.detectors.length).toBe(1);
    for (const f of own.detectors[0].findings) expect(f.AccountId).toBe(ADMIN);
    expect(JSON.stringify(r.perAccount)).not.toContain(member);
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    // The member's finding is still judged in the member's own account.
    const m = await org.bothWays(findings, administratorFindings, member, REGION);
    expect(m.perAccount.some((x) => x.status === 'needs-review' && x.reason.includes('BitcoinTool'))).toBe(true);
  });

  it('a member whose high findings were archived in the period (an administrator’s suppression rule) needs review both ways, never passes with no open findings', async () => {
    const r = await org.bothWays(findings, administratorFindings, muted, REGION);
    const detector = r.perAccount.find((x) => x.resourceType === 'AWS::GuardDuty::Detector')!;
    expect(detector.status).toBe('needs-review');
    expect(detector.reason).toContain('0 open findings (critical 0, high 0, medium 0, low 0)');
    // The finding archived 17 days ago is outside the period and not counted.
    expect(detector.reason).toContain('1 findings at or above severity 4 were archived in the period (high 1;');
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    expect(r.delegated!.find((x) => x.resourceType === 'AWS::GuardDuty::Detector')!.reason).toContain('1 findings at or above severity 4 were archived in the period (high 1;');
  });

  it('guardduty.runtime-coverage: lists and judges only the administrator’s own coverage, leaving out a member’s entry left in the evidence', async () => {
    const clients = new AwsClientProvider({ accountId: ADMIN, region: REGION, maxAttempts: 1 });
    try {
      const ctx = { accountId: ADMIN, region: REGION, collectedAt: new Date().toISOString() };
      const data = JSON.parse(JSON.stringify(await runtimeCoverage.collect({ accountId: ADMIN, region: REGION, clients, params: {}, now: new Date() }))) as RuntimeCoverageEvidence;
      expect(data.detectors[0].resources.map((r) => r.AccountId)).toEqual([ADMIN]);
      const own = runtimeCoverage.evaluate(data, {}, ctx);
      expect(own.find((r) => r.resource.endsWith('instance/i-0admin0000000000'))?.status).toBe('needs-review');
      expect(JSON.stringify(own)).not.toContain(member);
      const memberEntry = { ...data.detectors[0].resources[0], AccountId: member, ResourceId: 'i-0member000000000', ResourceDetails: { ResourceType: 'EC2', Ec2InstanceDetails: { InstanceId: 'i-0member000000000' } } };
      const mixed = { ...data, detectors: [{ ...data.detectors[0], resources: [...data.detectors[0].resources, memberEntry] }] };
      const judged = runtimeCoverage.evaluate(mixed, {}, ctx);
      expect(outcome(judged)).toEqual(outcome(own));
      expect(judged[0].reason).toContain(`1 coverage entries of other accounts (${member} (1)) in this listing were left out`);
    } finally {
      clients.destroy();
    }
  });

  it('leaves out a finding of another account found in the evidence, saying so, never counting it', () => {
    const foreign: Finding = { Id: 'f1', Arn: `arn:aws:guardduty:${REGION}:${member}:detector/d1/finding/f1`, AccountId: member, Region: REGION, Type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', Severity: 8, Title: 'Bitcoin domain queried.', Service: { Archived: false }, SchemaVersion: '2.0', CreatedAt: '2026-01-01T00:00:00.000Z', UpdatedAt: '2026-01-01T00:00:00.000Z', Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0member000000000' } } };
    const mine: Finding = { ...foreign, Id: 'f2', Arn: `arn:aws:guardduty:${REGION}:${ADMIN}:detector/d0/finding/f2`, AccountId: ADMIN, Severity: 2 };
    const data: GuardDutyFindingsEvidence = { detectorIds: ['d0'], detectors: [{ detectorId: 'd0', detector: { Status: 'ENABLED', ServiceRole: '' }, findingIds: ['f1', 'f2'], findings: [foreign, mine], archived: noneArchived }] };
    const results = findings.evaluate(data, {}, { accountId: ADMIN, region: REGION, collectedAt: new Date().toISOString() });
    expect(results).toEqual([
      expect.objectContaining({ resourceType: 'AWS::GuardDuty::Detector', status: 'pass', reason: expect.stringContaining(`1 open findings (critical 0, high 0, medium 0, low 1); 1 findings of other accounts (${member} (1)) in this listing were left out`) }),
    ]);
  });
});
