import { describe, expect, it } from 'vitest';
import { GetFindingsStatisticsCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { queryById } from '../../../src/queries/index.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { DEMO_ACCOUNT_ID, simulatorCredentials } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;

describe('GuardDuty queries against the simulated demo account', () => {
  it('guardduty.detector-enabled: enabled in both regions; the us-east-1 suppression rule needs review, the us-west-2 saved view passes', async () => {
    const east = await session.run(q('guardduty.detector-enabled'), 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ resourceType: 'AWS::GuardDuty::Detector', status: 'needs-review', reason: expect.stringContaining('every 15 minutes') })]);
    expect(east.results[0].reason).toContain('suppress-vulnerability-scanner-portscan (resource.instanceDetails.instanceId {"Equals":["i-0c5a11e7b0a9d8f76"]}, type {"Equals":["Recon:EC2/Portscan"]})');
    expect(east.calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['guardduty:ListFilters', 'guardduty:GetFilter']));
    const west = await session.run(q('guardduty.detector-enabled'), 'us-west-2');
    expect(west.results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('1 saved filters only save a view') })]);
  });

  it('guardduty.findings: the open high and medium findings need review; the low and the archived one are left out', async () => {
    const { results, calls } = await session.run(q('guardduty.findings'), 'us-east-1');
    const review = results.filter((r) => r.resourceType === 'AWS::GuardDuty::Finding');
    expect(review).toEqual([
      expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('CryptoCurrency:EC2/BitcoinTool.B!DNS') }),
      expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('open medium finding') }),
    ]);
    const detector = results.find((r) => r.resourceType === 'AWS::GuardDuty::Detector')!;
    expect(detector.status).toBe('needs-review');
    expect(detector.reason).toContain('3 open findings (critical 0, high 1, medium 1, low 1)');
    // GetDetector read: the detector's status backs the count.
    expect(detector.reason).toContain('is ENABLED');
    expect(results.some((r) => r.status === 'fail')).toBe(false);
    const list = calls.find((c) => c.operation === 'guardduty:ListFindings')!.input as { FindingCriteria: unknown };
    // The account's own findings only: a GuardDuty administrator's detector lists its members' too.
    expect(list.FindingCriteria).toEqual({ Criterion: { 'service.archived': { Equals: ['false'] }, accountId: { Equals: ['111122223333'] } } });
    for (const c of calls.filter((x) => x.operation === 'guardduty:GetFindings')) expect((c.input as { FindingIds: string[] }).FindingIds.length).toBeLessThanOrEqual(50);
    // Archived findings are counted in one call, over the look-back window: the medium one archived 400 hours ago is outside it.
    const stats = calls.filter((c) => c.operation === 'guardduty:GetFindingsStatistics').map((c) => c.input as { FindingCriteria: { Criterion: Record<string, unknown> }; GroupBy: string });
    expect(stats).toHaveLength(2);
    const from = session.now.getTime() - 25 * 3_600_000;
    expect(stats[1]).toMatchObject({
      GroupBy: 'SEVERITY',
      MaxResults: 100,
      FindingCriteria: { Criterion: { 'service.archived': { Equals: ['true'] }, accountId: { Equals: ['111122223333'] }, updatedAt: { GreaterThanOrEqual: from, LessThanOrEqual: session.now.getTime() } } },
    });
    expect(detector.reason).toContain(`none at or above severity 4 archived in the period (last updated ${new Date(from).toISOString()} to ${session.now.toISOString()}`);
  });

  it('the simulated GetFindingsStatistics honours the archived and updatedAt criteria and refuses what AWS refuses', async () => {
    const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
    try {
      const gd = clients.get(GuardDutyClient);
      const DetectorId = (await gd.send(new ListDetectorsCommand({}))).DetectorIds![0];
      const archived = (hours: number) => ({ Criterion: { 'service.archived': { Equals: ['true'] }, updatedAt: { GreaterThanOrEqual: session.now.getTime() - hours * 3_600_000, LessThanOrEqual: session.now.getTime() } } });
      const count = async (hours: number) => (await gd.send(new GetFindingsStatisticsCommand({ DetectorId, FindingCriteria: archived(hours), GroupBy: 'SEVERITY', MaxResults: 100 }))).FindingStatistics?.GroupedBySeverity;
      // The archived medium finding was last updated 399 hours ago.
      expect(await count(25)).toEqual([]);
      expect(await count(400)).toEqual([expect.objectContaining({ Severity: 5, TotalFindings: 1 })]);
      await expect(gd.send(new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'SEVERITY', MaxResults: 101 }))).rejects.toMatchObject({ name: 'BadRequestException' });
      await expect(gd.send(new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'SEVERITY', FindingStatisticTypes: ['COUNT_BY_SEVERITY'] }))).rejects.toMatchObject({ name: 'BadRequestException' });
    } finally {
      clients.destroy();
    }
  });

  it('guardduty.malware-runtime-protection: runtime monitoring is off in us-east-1 (needs review; fails once GuardDuty is declared the anti-malware solution) and on in us-west-2', async () => {
    const { results, data } = await session.run(q('guardduty.malware-runtime-protection'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('runtime monitoring') })]);
    expect(results[0].reason).not.toContain('EBS volume scanning');
    const declared = q('guardduty.malware-runtime-protection').evaluate(data, { guarddutyIsAntiMalware: true }, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: session.now.toISOString() });
    expect(declared).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('runtime monitoring') })]);
    const west = await session.run(q('guardduty.malware-runtime-protection'), 'us-west-2');
    expect(west.results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('not limited by scan option tags') })]);
    expect(west.calls.map((c) => c.operation)).toContain('guardduty:GetMalwareScanSettings');
  });

  it('guardduty.runtime-coverage: instances without coverage need review in us-east-1 (fail once GuardDuty is declared the anti-malware solution); us-west-2 has a covered instance and an unhealthy ECS cluster (needs review; fails once declared)', async () => {
    const east = await session.run(q('guardduty.runtime-coverage'), 'us-east-1');
    expect(east.results.length).toBeGreaterThan(0);
    for (const r of east.results) expect(r).toMatchObject({ resourceType: 'AWS::EC2::Instance', status: 'needs-review', reason: expect.stringContaining('is not covered by GuardDuty runtime monitoring') });
    const declared = q('guardduty.runtime-coverage').evaluate(east.data, { guarddutyIsAntiMalware: true }, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: session.now.toISOString() });
    expect(declared.map((r) => r.status)).toEqual(east.results.map(() => 'fail'));
    for (const r of declared) expect(r.reason).toContain('does not appear in GuardDuty');
    const west = await session.run(q('guardduty.runtime-coverage'), 'us-west-2');
    expect(west.results.filter((r) => r.resourceType === 'AWS::EC2::Instance').map((r) => r.status)).toEqual(['pass']);
    // The unhealthy cluster: GuardDuty's agent not reporting, judged as GuardDuty off (for review unless declared the solution).
    expect(west.results.find((r) => r.resource === 'payments-workers')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('VPC endpoint') });
    const westDeclared = q('guardduty.runtime-coverage').evaluate(west.data, { guarddutyIsAntiMalware: true }, { accountId: DEMO_ACCOUNT_ID, region: 'us-west-2', collectedAt: session.now.toISOString() });
    expect(westDeclared.find((r) => r.resource === 'payments-workers')).toMatchObject({ status: 'fail', reason: expect.stringContaining('GuardDuty is declared the anti-malware solution') });
    expect(west.calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['guardduty:ListCoverage', 'guardduty:GetCoverageStatistics', 'ec2:DescribeInstances']));
    expect((west.data as { detectors: { statistics: unknown }[] }).detectors[0].statistics).toEqual({
      CoverageStatistics: { CountByCoverageStatus: { HEALTHY: 1, UNHEALTHY: 1 }, CountByResourceType: { EC2: 1, ECS: 1 } },
    });
  });

  it('a denied ListFilters, GetFilter or GetMalwareScanSettings is kept as evidence: the detector is judged an error, not a failed query', async () => {
    const collectDenied = async (id: string, operation: string, region = 'us-east-1') => {
      session.sim.setFaults({ rateLimits: {}, rules: [{ operation, accessDenied: true }] });
      const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region, credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
      try {
        const data = await q(id).collect({ accountId: DEMO_ACCOUNT_ID, region, clients, params: {}, now: session.now });
        const params = Object.fromEntries(Object.entries(q(id).parameters ?? {}).map(([k, v]) => [k, v.default]));
        return q(id).evaluate(JSON.parse(canonicalJson(data)), params, { accountId: DEMO_ACCOUNT_ID, region, collectedAt: session.now.toISOString() });
      } finally {
        clients.destroy();
        session.sim.setFaults({});
      }
    };
    expect(await collectDenied('guardduty.detector-enabled', 'guardduty:ListFilters')).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringContaining('ListFilters failed (AccessDeniedException') })]);
    expect(await collectDenied('guardduty.detector-enabled', 'guardduty:GetFilter')).toEqual([
      expect.objectContaining({ status: 'error', reason: expect.stringContaining('GetFilter failed for suppress-vulnerability-scanner-portscan (AccessDeniedException)') }),
    ]);
    expect(await collectDenied('guardduty.malware-runtime-protection', 'guardduty:GetMalwareScanSettings', 'us-west-2')).toEqual([
      expect.objectContaining({ status: 'error', reason: expect.stringContaining('GetMalwareScanSettings failed (AccessDeniedException') }),
    ]);
    // us-east-1 lacks runtime monitoring: that judgement (needs review, GuardDuty not declared the anti-malware solution)
    // stands although the scan settings could not be read.
    const [mrp] = await collectDenied('guardduty.malware-runtime-protection', 'guardduty:GetMalwareScanSettings');
    expect(mrp).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lacks runtime monitoring') });
  });
});
