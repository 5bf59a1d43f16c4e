import { describe, expect, it } from 'vitest';
import type { CoveredResource } from '@aws-sdk/client-inspector2';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import {
  ACCOUNT,
  COLLECTED_AT,
  REGION,
  coverageEvidence,
  finding,
  findingsEvidence,
  fnArn,
  imageCoverage,
  instanceArn,
  repoArn,
  statusAllOn,
  statusDisabled,
  statusFailed,
  statusLambdaOff,
  suppressRule,
} from '../../fixtures/inspector2/inspector2.js';
import { DEMO_ACCOUNT_ID } from '../../../src/simulator/worlds/demo.js';
import { inspector2State } from '../../../src/simulator/services/inspector2.js';
import { demoSession } from '../s3/simulated-collect.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluate(id: string, data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const q = queryById(id)!;
  const p = { ...Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default])), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  // Evidence read back from the store (dates as ISO strings) judges the same.
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}
const byResource = (rs: ResourceResult[]) => Object.fromEntries(rs.map((r) => [r.resource, r]));

describe('inspector2.account-status', () => {
  it('passes with EC2, ECR and Lambda scanning enabled; names the scan types that are off', () => {
    expect(evaluate('inspector2.account-status', statusAllOn)).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('EC2 instance scanning ENABLED') })]);
    const [off] = evaluate('inspector2.account-status', statusLambdaOff);
    expect(off).toMatchObject({ status: 'fail', reason: expect.stringContaining('but Lambda standard (package) scanning is not') });
  });

  it('Inspector switched off fails; an account Inspector could not report on is an error, never a pass', () => {
    expect(evaluate('inspector2.account-status', statusDisabled)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('DISABLED') });
    expect(evaluate('inspector2.account-status', statusFailed)[0]).toMatchObject({ status: 'error', reason: expect.stringContaining('ACCESS_DENIED') });
    expect(evaluate('inspector2.account-status', {})[0].status).toBe('error');
  });
});

describe('inspector2.coverage', () => {
  it('judges every live instance, repository and function against Inspector’s coverage list', () => {
    const r = byResource(evaluate('inspector2.coverage', coverageEvidence));
    expect(Object.keys(r)).toHaveLength(9);
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa1')]).toMatchObject({ status: 'pass', reason: expect.stringMatching(/agent-based.*\(1 days before collection\); also NETWORK scan ACTIVE/) });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('UNMANAGED_EC2_INSTANCE') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa3')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not in Amazon Inspector’s coverage') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa4')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('paused while the instance is stopped') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa5')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('beyond 30 days') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa6')]).toBeUndefined();
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('1 of 1 images actively scanned') });
    expect(r[repoArn('batch-tools')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not in Amazon Inspector’s coverage') });
    expect(r[fnArn('checkout')].status).toBe('pass');
    expect(r[fnArn('legacy')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('UNSUPPORTED_RUNTIME') });
  });

  it('a listing that failed is a gap for that resource type only; a failed coverage listing is an error, not a pass', () => {
    const denied = { error: { code: 'AccessDeniedException', message: 'not authorized to perform lambda:ListFunctions' } };
    const rs = evaluate('inspector2.coverage', { ...coverageEvidence, functions: denied });
    expect(rs.filter((x) => x.status === 'error')).toEqual([expect.objectContaining({ reason: expect.stringContaining('Lambda functions in us-east-1 could not be listed') })]);
    expect(rs.filter((x) => x.resourceType === 'AWS::EC2::Instance')).toHaveLength(5);
    expect(evaluate('inspector2.coverage', { ...coverageEvidence, coverage: denied }).map((x) => x.status)).toEqual(['error']);
    expect(evaluate('inspector2.coverage', { reservations: [], repositories: [], functions: [], coverage: [] }).map((x) => x.status)).toEqual(['not-applicable']);
  });

  // Inspector stops monitoring an image outside the ECR re-scan duration (INACTIVE, SCAN_ELIGIBILITY_EXPIRED) and
  // closes its findings; the repository's own entry stays ACTIVE. The repository is judged by its images.
  describe('an ECR repository is judged by its images, not only its own coverage entry', () => {
    const withImages = (...images: ReturnType<typeof imageCoverage>[]) =>
      byResource(evaluate('inspector2.coverage', { ...coverageEvidence, coverage: [...(coverageEvidence.coverage as CoveredResource[]).filter((c) => c.resourceType !== 'AWS_ECR_CONTAINER_IMAGE'), ...images] }))[repoArn('payments-api')];

    it('repository entry ACTIVE, every image INACTIVE (expired, unsupported OS): fail, naming the reasons and counts', () => {
      const r = withImages(imageCoverage('payments-api', 'a', 'INACTIVE', 'SCAN_ELIGIBILITY_EXPIRED'), imageCoverage('payments-api', 'b', 'INACTIVE', 'SCAN_ELIGIBILITY_EXPIRED'), imageCoverage('payments-api', 'c', 'INACTIVE', 'UNSUPPORTED_OS'));
      expect(r.status).toBe('fail');
      expect(r.reason).toContain('0 of 3 images actively scanned: 2 INACTIVE SCAN_ELIGIBILITY_EXPIRED (no longer monitored');
      expect(r.reason).toContain('1 INACTIVE UNSUPPORTED_OS');
    });

    it('some images inactive: needs review naming them; no image listed at all: needs review (empty, or nothing scanned)', () => {
      const some = withImages(imageCoverage('payments-api', 'a', 'ACTIVE', 'SUCCESSFUL'), imageCoverage('payments-api', 'b', 'INACTIVE', 'SCAN_ELIGIBILITY_EXPIRED'));
      expect(some).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('1 of 2 images actively scanned, the others not: 1 INACTIVE SCAN_ELIGIBILITY_EXPIRED') });
      expect(withImages()).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lists no image in it') });
      expect(withImages(imageCoverage('payments-api', 'a', 'ACTIVE', 'SUCCESSFUL'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('1 of 1 images actively scanned') });
    });
  });

  it('a longer scan-age window turns the stale scan into a pass', () => {
    expect(byResource(evaluate('inspector2.coverage', coverageEvidence, { maxScanAgeDays: 120 }))[instanceArn('i-0aaaaaaaaaaaaaaa5')].status).toBe('pass');
  });

  // QSA (5.2.3 "components not considered at risk from malware are re-evaluated periodically"): every component Inspector
  // does not scan FAILED 5.2.3, which asks only that the components judged not at risk be listed and evaluated. Under
  // 5.2.3 the unscanned components are compared with the entity's list (notAtRiskComponents).
  describe('PCI DSS 5.2.3: the unscanned components are compared with the entity’s not-at-risk list, never failed', () => {
    const UNSCANNED = [instanceArn('i-0aaaaaaaaaaaaaaa2'), instanceArn('i-0aaaaaaaaaaaaaaa3'), instanceArn('i-0aaaaaaaaaaaaaaa4'), instanceArn('i-0aaaaaaaaaaaaaaa5'), repoArn('batch-tools'), fnArn('legacy')];
    const statuses = (rs: ResourceResult[]) => Object.fromEntries(rs.map((r) => [r.resource, r.status]));
    const list = (notAtRiskComponents: string[]) => ({ collectedAt: COLLECTED_AT, parameterOverrides: { 'pci-dss-4.0.1': { '5.2.3': { notAtRiskComponents } } } });

    it('no list declared: each unscanned component needs review, naming that no list is declared; scanned ones are not compared; 6.3.2 and 11.3.1.x as before', async () => {
      const judged = await judgedByCatalogs('inspector2.coverage', coverageEvidence, { collectedAt: COLLECTED_AT });
      const r = byResource(judged('5.2.3').findings);
      expect(judged('5.2.3').status).toBe('needs-review');
      expect(Object.values(r).filter((x) => x.status === 'fail')).toEqual([]);
      for (const arn of UNSCANNED) expect(r[arn], arn).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no list of components judged not at risk from malware is declared (notAtRiskComponents, set by the catalog default for 5.2.3') });
      expect(r[instanceArn('i-0aaaaaaaaaaaaaaa3')].reason).toContain('5.2.3: not shown covered by Amazon Inspector scanning (vulnerable packages, not malware');
      for (const arn of [instanceArn('i-0aaaaaaaaaaaaaaa1'), repoArn('payments-api'), fnArn('checkout')]) expect(r[arn].status, arn).toBe('not-applicable');
      // Elsewhere the check judges as before: an unscanned component fails.
      for (const id of ['6.3.2', '11.3.1.2']) expect(statuses(judged(id).findings), id).toEqual(statuses(evaluate('inspector2.coverage', coverageEvidence)));
    });

    // QSA: a listed component PASSED "where the list and the evidence agree", though the periodic evaluation 5.2.3 asks
    // for is in no AWS evidence: it needs review, the reason saying what the assessor must see.
    it('on the list (by tag, id, name or ARN): agrees with it, yet needs review for its periodic evaluation; not on it: needs review; all listed: never a pass', async () => {
      const some = await judgedByCatalogs('inspector2.coverage', coverageEvidence, list(['tag:Name=unmanaged', 'i-0aaaaaaaaaaaaaaa3', 'batch-tools', fnArn('legacy')]));
      const r = byResource(some('5.2.3').findings);
      expect(UNSCANNED.map((arn) => r[arn].status)).toEqual(UNSCANNED.map(() => 'needs-review'));
      expect(r[instanceArn('i-0aaaaaaaaaaaaaaa2')].reason).toContain('(entry "tag:Name=unmanaged" of notAtRiskComponents, set by the organisation\'s configuration (parameters.pci-dss-4.0.1."5.2.3".notAtRiskComponents)): the list and the evidence agree, but the periodic evaluation 5.2.3 asks for is not in this evidence: the assessor examines the entity\'s record of its latest evaluation of this component: its date, within the frequency the entity\'s targeted risk analysis sets (5.2.3.1)');
      expect(r[instanceArn('i-0aaaaaaaaaaaaaaa3')].reason).toContain('(entry "i-0aaaaaaaaaaaaaaa3" of notAtRiskComponents');
      expect(r[instanceArn('i-0aaaaaaaaaaaaaaa5')].reason).toContain('beyond 30 days');
      expect(r[instanceArn('i-0aaaaaaaaaaaaaaa5')].reason).toContain('not on the not-at-risk list (4 entries of notAtRiskComponents, set by the organisation\'s configuration');
      expect(some('5.2.3').status).toBe('needs-review');
      const all = await judgedByCatalogs('inspector2.coverage', coverageEvidence, list(['tag:Name=unmanaged', 'i-0aaaaaaaaaaaaaaa3', 'i-0aaaaaaaaaaaaaaa4', instanceArn('i-0aaaaaaaaaaaaaaa5'), 'batch-tools', 'legacy']));
      expect(UNSCANNED.map((arn) => byResource(all('5.2.3').findings)[arn].status)).toEqual(UNSCANNED.map(() => 'needs-review'));
      for (const arn of UNSCANNED) expect(byResource(all('5.2.3').findings)[arn].reason, arn).toContain('the list and the evidence agree, but the periodic evaluation 5.2.3 asks for is not in this evidence');
      expect(all('5.2.3')).toMatchObject({ status: 'needs-review', gaps: [expect.objectContaining({ queryId: 'guardduty.runtime-coverage' })] });
    });
  });
});

describe('inspector2.findings', () => {
  it('groups active findings by resource: critical/high past the window fail, inside it need review, lower severities pass', () => {
    const rs = evaluate('inspector2.findings', findingsEvidence);
    const r = byResource(rs.filter((x) => x.resource !== 'account'));
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa1')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('CVE-2023-38545 (critical, 92 days, fix yes)') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('1 medium') });
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('inside the 30-day remediation window: CVE-2023-44487') });
    expect(r[fnArn('checkout')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not yet given a severity') });
    expect(rs.find((x) => x.resource === 'account')).toMatchObject({ status: 'pass', reason: expect.stringContaining('5 active findings (1 critical, 2 high, 1 medium, 1 untriaged') });
  });

  it('the remediation window is the organisation’s: a longer one turns the overdue critical into a review item', () => {
    const r = byResource(evaluate('inspector2.findings', findingsEvidence, { remediationWindowDays: 120 }));
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa1')].status).toBe('needs-review');
  });

  it('judged on medium and low only (11.3.1.1), critical and high findings no longer decide, lower ones do', () => {
    const r = byResource(evaluate('inspector2.findings', findingsEvidence, { judgedSeverities: 'medium,low', remediationWindowDays: 0 }));
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('medium or low findings open longer than the 0-day remediation window') });
    expect(r[instanceArn('i-0aaaaaaaaaaaaaaa1')].reason).not.toContain('critical or high findings open longer');
    const lenient = byResource(evaluate('inspector2.findings', findingsEvidence, { judgedSeverities: 'medium,low', remediationWindowDays: 100_000 }));
    expect(lenient[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('medium or low findings still inside the 100000-day remediation window') });
  });

  it('no findings from a scanner that is off is a fail, and unreadable findings are an error', () => {
    expect(evaluate('inspector2.findings', { accountStatus: statusDisabled, findings: [] })).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('proves nothing') })]);
    // Inspector enabled for the account with one scan type off: no findings of that type proves nothing either.
    const [partly] = evaluate('inspector2.findings', { accountStatus: statusLambdaOff, findings: [] });
    expect(partly).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('Lambda standard (package) scanning is DISABLED: no findings for that resource type proves nothing') });
    // It never suggests the unscanned resources do not exist: it sends the assessor to the coverage evidence.
    expect(partly.reason).toContain('does not show whether the account has such resources: check them against the scan coverage evidence (inspector2.coverage)');
    expect(partly.reason).not.toContain('confirm the account has no such resources');
    expect(evaluate('inspector2.findings', { ...findingsEvidence, findings: [] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('scanning EC2 instances, ECR images and Lambda functions') });
    expect(evaluate('inspector2.findings', { accountStatus: statusAllOn, findings: { error: { code: 'AccessDeniedException', message: 'denied' } } })[0].status).toBe('error');
    expect(evaluate('inspector2.findings', { accountStatus: { error: { code: 'AccessDeniedException', message: 'denied' } }, findings: [] })[0].status).toBe('error');
  });
});

// Suppression rules (https://docs.aws.amazon.com/inspector/latest/user/findings-managing-supression-rules.html) hide
// matching findings (status SUPPRESSED) until remediated; ListFindings of ACTIVE findings never returns them.
describe('inspector2.findings and suppressed findings', () => {
  const quiet = { ...findingsEvidence, findings: [] };
  const critical = (n: number) => ({ ...finding(100 + n, { type: 'AWS_EC2_INSTANCE', id: 'i-0aaaaaaaaaaaaaaa1' }, 'CRITICAL', '2025-11-01T00:00:00Z', `CVE-2025-${1000 + n}`), status: 'SUPPRESSED' as const });

  it('40 suppressed critical findings under a "suppress critical" rule: needs review naming the rule and the findings, not a pass', () => {
    const rule = suppressRule('hide-critical', { severity: [{ comparison: 'EQUALS', value: 'CRITICAL' }] });
    const [r, ...rest] = evaluate('inspector2.findings', { ...quiet, suppressionRules: [rule], suppressedFindings: { findings: Array.from({ length: 40 }, (_, i) => critical(i)), more: false } });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('40 critical or high findings are SUPPRESSED (40 critical)');
    expect(r.reason).toContain('CVE-2025-1000 (critical, i-0aaaaaaaaaaaaaaa1, first observed 2025-11-01)');
    expect(r.reason).toContain('1 suppression rule can hide critical or high findings of this account: hide-critical (owner 111122223333; severities critical; no other criteria; reason: accepted risk)');
    expect(rest).toEqual([]);
  });

  it('a rule that can hide a judged severity needs review even with nothing suppressed yet; one that cannot does not', () => {
    const rules = (criteria: Parameters<typeof suppressRule>[1]) => evaluate('inspector2.findings', { ...quiet, suppressionRules: [suppressRule('r', criteria)] })[0];
    expect(rules({})).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('severities critical, high; no other criteria') });
    expect(rules({ severity: [{ comparison: 'NOT_EQUALS', value: 'CRITICAL' }], resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }] })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('severities high; narrowed by resourceType') });
    expect(rules({ severity: [{ comparison: 'EQUALS', value: 'MEDIUM' }] }).status).toBe('pass');
    expect(rules({ awsAccountId: [{ comparison: 'EQUALS', value: '444455556666' }] }).status).toBe('pass');
    // Judged on medium and low (11.3.1.1), the medium rule matters.
    const medium = evaluate('inspector2.findings', { ...quiet, suppressionRules: [suppressRule('r', { severity: [{ comparison: 'EQUALS', value: 'MEDIUM' }] })] }, { judgedSeverities: 'medium,low' })[0];
    expect(medium).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('can hide medium or low findings') });
  });

  it('evidence without the suppression reads (sealed before), or with them failed, or cut short, needs review; a failing account stays failed', () => {
    expect(evaluate('inspector2.findings', { accountStatus: statusAllOn, findings: [] })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before this check read them') });
    const denied = { error: { code: 'AccessDeniedException', message: 'denied' } };
    expect(evaluate('inspector2.findings', { ...quiet, suppressedFindings: denied })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('suppressed findings could not be listed (AccessDeniedException') });
    expect(evaluate('inspector2.findings', { ...quiet, suppressionRules: denied })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('suppression rules could not be listed') });
    const low = { ...critical(1), severity: 'LOW' as const };
    expect(evaluate('inspector2.findings', { ...quiet, suppressedFindings: { findings: [low], more: true } })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('cannot be ruled out') });
    expect(evaluate('inspector2.findings', { ...quiet, suppressedFindings: { findings: [low], more: false } })[0].status).toBe('pass');
    expect(evaluate('inspector2.findings', { ...quiet, accountStatus: statusDisabled, suppressionRules: [suppressRule('all', {})] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('; also 1 suppression rule') });
  });
});

describe('Amazon Inspector and ECR against the simulated demo account', () => {
  const session = demoSession();

  it('home region: scanning on; the legacy batch host has an overdue critical finding; batch-tools and the python3.8 function are not scanned', async () => {
    const status = await session.run(queryById('inspector2.account-status')!, 'us-east-1');
    expect(status.results.map((r) => r.status)).toEqual(['pass']);

    const cov = await session.run(queryById('inspector2.coverage')!, 'us-east-1');
    expect(cov.results.map((r) => [r.reason.split(':')[0], r.status])).toEqual([
      [expect.stringContaining('(api-us-east-1)'), 'pass'],
      [expect.stringContaining('(legacy-batch)'), 'pass'],
      ['repository payments-api', 'pass'],
      ['repository batch-tools', 'fail'],
      ['function checkout (nodejs24.x)', 'pass'],
      ['function legacy-report-export (python3.8)', 'fail'],
    ]);
    expect(cov.calls.map((c) => c.operation)).toEqual(['ec2:DescribeInstances', 'ecr:DescribeRepositories', 'lambda:ListFunctions', 'inspector2:ListCoverage']);

    const f = await session.run(queryById('inspector2.findings')!, 'us-east-1');
    expect(f.results.map((r) => r.status).sort()).toEqual(['fail', 'needs-review', 'pass', 'pass']);
    expect(f.results.find((r) => r.status === 'fail')?.reason).toMatch(/legacy-batch|CVE-2023-38545/);
    expect(f.calls.find((c) => c.operation === 'inspector2:ListFindings')?.input).toMatchObject({ filterCriteria: { findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } });
    expect(f.calls.map((c) => c.operation)).toEqual(['inspector2:BatchGetAccountStatus', 'inspector2:ListFindings', 'inspector2:ListFilters', 'inspector2:ListFindings']);
    expect(f.calls[3].input).toMatchObject({ filterCriteria: { findingStatus: [{ comparison: 'EQUALS', value: 'SUPPRESSED' }], awsAccountId: [{ comparison: 'EQUALS', value: DEMO_ACCOUNT_ID }] } });
  });

  it('home region: a suppression rule and the critical finding it hides are read and named (needs review, not a pass)', async () => {
    const s = inspector2State(session.sim.world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const saved = { filters: s.filters, findings: s.findings };
    try {
      s.filters = [suppressRule('hide-critical', { severity: [{ comparison: 'EQUALS', value: 'CRITICAL' }] }, DEMO_ACCOUNT_ID)];
      // The rule hides the legacy host's overdue critical finding: ListFindings(ACTIVE) no longer returns it.
      s.findings = s.findings.map((x) => (x.severity === 'CRITICAL' ? { ...x, status: 'SUPPRESSED' } : x));
      const f = await session.run(queryById('inspector2.findings')!, 'us-east-1');
      expect(f.results.some((r) => r.status === 'fail')).toBe(false);
      expect(f.results[0]).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/1 critical or high findings are SUPPRESSED \(1 critical\).*CVE-2023-38545.*hide-critical/) });
    } finally {
      Object.assign(s, saved);
    }
  });

  it('second region: EC2 scanning is off, so the instance there is not covered', async () => {
    const status = await session.run(queryById('inspector2.account-status')!, 'us-west-2');
    expect(status.results[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('EC2 instance scanning and Lambda standard (package) scanning are not') });
    const cov = await session.run(queryById('inspector2.coverage')!, 'us-west-2');
    expect(cov.results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('(api-us-west-2) is not in Amazon Inspector’s coverage') })]);
  });

  it('ECR: the payments repository is scanned continuously, batch-tools matches no enhanced-scanning rule', async () => {
    const { results } = await session.run(queryById('ecr.scan-configuration')!, 'us-east-1');
    expect(results.map((r) => [r.resource.split('/').pop(), r.status])).toEqual([
      ['payments-api', 'pass'],
      ['batch-tools', 'fail'],
    ]);
    expect((await session.run(queryById('ecr.scan-configuration')!, 'us-west-2')).results.map((r) => r.status)).toEqual(['not-applicable']);
    // Enhanced scanning: Inspector's ECR re-scan duration is read (LIFETIME in the demo home region).
    expect(results[0].reason).toContain('re-scan duration LIFETIME');
    const s = inspector2State(session.sim.world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const saved = s.ecrRescan;
    try {
      s.ecrRescan = { rescanDuration: 'DAYS_14', pullDateRescanDuration: 'DAYS_14', pullDateRescanMode: 'LAST_IN_USE_AT', status: 'SUCCESS' };
      const short = await session.run(queryById('ecr.scan-configuration')!, 'us-east-1');
      expect(short.calls.map((c) => c.operation)).toEqual(['ecr:DescribeRepositories', 'ecr:GetRegistryScanningConfiguration', 'inspector2:GetConfiguration']);
      expect(short.results[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('rescanned only while pushed within 14 days or last in use on a running container within 14 days') });
    } finally {
      s.ecrRescan = saved;
    }
  });
});
