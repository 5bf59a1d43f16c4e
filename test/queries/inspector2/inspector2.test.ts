import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import {
  ACCOUNT,
  COLLECTED_AT,
  REGION,
  coverageEvidence,
  findingsEvidence,
  fnArn,
  instanceArn,
  repoArn,
  statusAllOn,
  statusDisabled,
  statusFailed,
  statusLambdaOff,
} from '../../fixtures/inspector2/inspector2.js';
import { demoSession } from '../s3/simulated-collect.js';

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

  it('a longer scan-age window turns the stale scan into a pass', () => {
    expect(byResource(evaluate('inspector2.coverage', coverageEvidence, { maxScanAgeDays: 120 }))[instanceArn('i-0aaaaaaaaaaaaaaa5')].status).toBe('pass');
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
    expect(evaluate('inspector2.findings', { accountStatus: statusAllOn, findings: [] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('scanning EC2 instances, ECR images and Lambda functions') });
    expect(evaluate('inspector2.findings', { accountStatus: statusAllOn, findings: { error: { code: 'AccessDeniedException', message: 'denied' } } })[0].status).toBe('error');
    expect(evaluate('inspector2.findings', { accountStatus: { error: { code: 'AccessDeniedException', message: 'denied' } }, findings: [] })[0].status).toBe('error');
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
  });
});
