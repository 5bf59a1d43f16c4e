import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { patchCompliance } from '../../../src/queries/ssm/patch-compliance.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, evidence, instanceArn } from '../../fixtures/ssm/patch.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { maxScanAgeDays: 30, ...params } as Parameters<typeof patchCompliance.evaluate>[1];
  const fresh = patchCompliance.evaluate(data, p, ctx);
  expect(patchCompliance.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('ssm.patch-compliance', () => {
  it('judges every live instance: patched passes, missing critical/high fails, medium only and stale scans need review, unmanaged and never-scanned fail', () => {
    const results = evaluateBoth(evidence);
    const byId = Object.fromEntries(results.map((r) => [r.resource, r]));
    expect(Object.keys(byId)).toHaveLength(6);
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('150 installed') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 critical, 2 high') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa3')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('4 medium') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa4')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('older than 30 days') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa5')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('never been scanned') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa6')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not a Systems Manager managed node') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa7')]).toBeUndefined();
  });

  it('a longer scan window turns the stale scan into a pass; a compliant record is never a pass once it is older than the window', () => {
    expect(evaluateBoth(evidence, { maxScanAgeDays: 120 }).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa4'))?.status).toBe('pass');
    expect(evaluateBoth(evidence, { maxScanAgeDays: 1 }).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa1'))?.status).toBe('needs-review');
  });

  it('missing evidence is an error, never a pass; no instances is not-applicable', () => {
    expect(evaluateBoth({ reservations: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ reservations: [], managedInstances: [], patchSummaries: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

describe('ssm.patch-compliance against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('ssm.patch-compliance')!;

  it('home region: the API instance is patched, the legacy batch host misses critical patches; calls page through SSM', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/\((.+?)\)/)?.[1], r.status])).toEqual([
      ['api-us-east-1', 'pass'],
      ['legacy-batch', 'fail'],
    ]);
    expect(results[1].reason).toContain('2 critical, 5 high, 9 medium');
    expect(calls.map((c) => c.operation)).toEqual(['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation', 'ssm:ListResourceComplianceSummaries']);
    expect(calls[2].input).toMatchObject({ Filters: [{ Key: 'ComplianceType', Values: ['Patch'], Type: 'EQUAL' }] });
  });

  it('second region: the instance is not managed by Systems Manager, so it has no patch evidence and fails', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('not a Systems Manager managed node') })]);
  });
});
