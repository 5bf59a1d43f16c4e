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

  it('anything-but with a nested prefix / suffix / wildcard / equals-ignore-case excludes what the nested matcher matches', () => {
    const cover = (source: unknown[], s = guardduty) => patternCoverage(JSON.stringify({ source }), s).covers;
    for (const m of [{ prefix: 'aws.' }, { suffix: 'duty' }, { wildcard: 'aws.*' }, { 'equals-ignore-case': 'AWS.GUARDDUTY' }, { prefix: ['x.', 'aws.'] }, { wildcard: ['*.ec2', 'aws.g*'] }]) {
      expect(cover([{ 'anything-but': m }])).toBe('none');
    }
    expect(cover([{ 'anything-but': { prefix: 'custom.' } }])).toBe('all');
    expect(cover([{ 'anything-but': { suffix: '.ec2' } }])).toBe('all');
    expect(cover([{ 'anything-but': { 'equals-ignore-case': ['AWS.EC2'] } }])).toBe('all');
    // The positive forms, with case-insensitive prefix / suffix and exists.
    expect(cover([{ 'equals-ignore-case': 'AWS.GuardDuty' }])).toBe('all');
    expect(cover([{ prefix: { 'equals-ignore-case': 'AWS.' } }])).toBe('all');
    expect(cover([{ suffix: 'hub' }])).toBe('none');
    expect(cover([{ suffix: 'hub' }], securityhub)).toBe('all');
    expect(cover([{ wildcard: 'aws.guard\\*' }])).toBe('none');
    expect(cover([{ exists: true }])).toBe('all');
    expect(cover([{ exists: false }])).toBe('none');
    expect(cover([{ numeric: ['>', 0] }])).toBe('none');
  });

  it('an operator the matcher does not read is never "matches every finding": the rule is listed for review', () => {
    const cover = (source: unknown[]) => patternCoverage(JSON.stringify({ source }), guardduty);
    for (const m of [{ 'anything-but': { 'future-operator': 'aws.' } }, { 'some-new-operator': 'aws.guardduty' }, { prefix: { other: 'aws.' } }, { prefix: 'aws.', suffix: 'x' }]) {
      expect(cover([m])).toEqual({ covers: 'some', narrowing: ['source (an operator this check does not read)'] });
    }
    // Another matcher in the same list that does match decides it.
    expect(cover([{ 'some-new-operator': 'x' }, 'aws.guardduty']).covers).toBe('all');
    const rule = { Name: 'app-events', Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/app-events`, EventBusName: 'default', State: 'ENABLED' as const };
    const data = (pattern: unknown) => ({ rules: [{ ...rule, EventPattern: JSON.stringify(pattern) }], targets: [{ rule: rule.Name, targets: [{ Id: 't1', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:app-queue` }] }] });
    // Routes only events whose source does not begin with "aws.": no finding reaches the queue.
    expect(evaluateBoth(data({ source: [{ 'anything-but': { prefix: 'aws.' } }] })).map((r) => r.status)).toEqual(['fail', 'fail']);
    const unread = evaluateBoth(data({ source: [{ 'some-new-operator': 'aws.' }] }));
    expect(unread.map((r) => r.status)).toEqual(['needs-review', 'needs-review']);
    expect(unread[0].reason).toContain('filtering on source (an operator this check does not read)');
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
