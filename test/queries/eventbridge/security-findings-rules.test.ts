import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { FINDINGS_SOURCES, patternCoverage, securityFindingsRules } from '../../../src/queries/eventbridge/security-findings-rules.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, evidence, streamArn } from '../../fixtures/eventbridge/rules.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown, region = REGION): ResourceResult[] {
  const fresh = securityFindingsRules.evaluate(data, {}, { ...ctx, region });
  expect(securityFindingsRules.evaluate(roundTrip(data), {}, { ...ctx, region })).toEqual(fresh);
  return fresh;
}
const [guardduty, securityhub] = FINDINGS_SOURCES;

describe('eventbridge.security-findings-rules', () => {
  it('a full enabled rule with a target passes; a narrowed one needs review; disabled or targetless rules fail', () => {
    const by = Object.fromEntries(evaluateBoth(evidence).map((r) => [r.resource, r]));
    expect(by[streamArn('guardduty-findings')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('rule all-aws-security → arn:aws:sns:') });
    expect(by[streamArn('securityhub-findings')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('filtering on detail') });
    const noCritical = { ...evidence, rules: evidence.rules.filter((r) => r.Name !== 'sh-critical') };
    expect(evaluateBoth(noCritical).find((r) => r.resource === streamArn('securityhub-findings'))).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/rule sh-all-disabled is disabled; rule sh-all-no-target is enabled but has no target/),
    });
  });

  it('reads event patterns: prefix and anything-but matchers, other detail types, and unreadable patterns', () => {
    expect(patternCoverage(JSON.stringify({ source: [{ 'anything-but': ['aws.ec2'] }] }), guardduty).covers).toBe('all');
    expect(patternCoverage(JSON.stringify({ source: ['aws.securityhub'], 'detail-type': ['Security Hub Insight Results'] }), securityhub).covers).toBe('none');
    expect(patternCoverage(JSON.stringify({ source: ['aws.guardduty'], account: ['123456789012'] }), guardduty)).toEqual({ covers: 'some', narrowing: ['account'] });
    expect(patternCoverage('not json', guardduty).covers).toBe('none');
    expect(patternCoverage(undefined, guardduty).covers).toBe('none');
  });

  it('no rules fail both streams; missing evidence is an error', () => {
    expect(evaluateBoth({ rules: [], targets: [] }).map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(evaluateBoth({ rules: [] }).map((r) => r.status)).toEqual(['error']);
  });
});

describe('eventbridge.security-findings-rules against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('eventbridge.security-findings-rules')!;

  it('home region: GuardDuty findings reach the security topic; Security Hub only when critical', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(calls.map((c) => c.operation)).toEqual(['events:ListRules', 'events:ListTargetsByRule', 'events:ListTargetsByRule']);
  });

  it('second region: the GuardDuty rule is disabled and nothing routes Security Hub findings', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(results[0].reason).toContain('rule guardduty-findings is disabled');
  });
});
