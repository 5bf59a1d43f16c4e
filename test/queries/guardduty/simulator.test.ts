import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;

describe('GuardDuty queries against the simulated demo account', () => {
  it('guardduty.detector-enabled: detectors are enabled in both regions', async () => {
    for (const region of ['us-east-1', 'us-west-2']) {
      const { results } = await session.run(q('guardduty.detector-enabled'), region);
      expect(results).toEqual([expect.objectContaining({ resourceType: 'AWS::GuardDuty::Detector', status: 'pass', reason: expect.stringContaining('every 15 minutes') })]);
    }
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
  });

  it('guardduty.malware-runtime-protection: runtime monitoring is off in us-east-1 and on in us-west-2', async () => {
    const { results } = await session.run(q('guardduty.malware-runtime-protection'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('runtime monitoring') })]);
    expect(results[0].reason).not.toContain('EBS volume scanning');
    expect((await session.run(q('guardduty.malware-runtime-protection'), 'us-west-2')).results).toEqual([expect.objectContaining({ status: 'pass' })]);
  });

  it('guardduty.runtime-coverage: instances without coverage fail in us-east-1; us-west-2 has a covered instance and an unhealthy ECS cluster', async () => {
    const east = await session.run(q('guardduty.runtime-coverage'), 'us-east-1');
    expect(east.results.length).toBeGreaterThan(0);
    for (const r of east.results) expect(r).toMatchObject({ resourceType: 'AWS::EC2::Instance', status: 'fail', reason: expect.stringContaining('does not appear in GuardDuty') });
    const west = await session.run(q('guardduty.runtime-coverage'), 'us-west-2');
    expect(west.results.filter((r) => r.resourceType === 'AWS::EC2::Instance').map((r) => r.status)).toEqual(['pass']);
    expect(west.results.find((r) => r.resource === 'payments-workers')).toMatchObject({ status: 'fail', reason: expect.stringContaining('VPC endpoint') });
    expect(west.calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['guardduty:ListCoverage', 'guardduty:GetCoverageStatistics', 'ec2:DescribeInstances']));
    expect((west.data as { detectors: { statistics: unknown }[] }).detectors[0].statistics).toEqual({
      CoverageStatistics: { CountByCoverageStatus: { HEALTHY: 1, UNHEALTHY: 1 }, CountByResourceType: { EC2: 1, ECS: 1 } },
    });
  });
});
