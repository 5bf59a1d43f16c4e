import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/logs/index.js';
import { retention } from '../../../src/queries/logs/retention.js';
import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import type { ResourceResult } from '../../../src/queries/types.js';
import { REGION, checkoutToFirehose, exactlyAYear, fourHundredDays, neverExpire, thirtyDays } from '../../fixtures/logs/logs.js';

const ctx = { accountId: '111122223333', region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource.split(':log-group:')[1] ?? r.resource, r.status]));

function evaluateBoth<T>(data: T, params: Record<string, number | string[]> = {}, c: Parameters<typeof retention.evaluate>[2] = ctx): ResourceResult[] {
  const p = { minimumRetentionDays: 365, ...params };
  const fresh = retention.evaluate(data, p, c);
  expect(retention.evaluate(JSON.parse(canonicalJson(data)), p, c)).toEqual(fresh);
  return fresh;
}
/** Evidence as collect gathers it: subscription filters read for the groups kept under 365 days (none found). */
const collected = (logGroups: LogGroup[], filters: Record<string, unknown[]> = {}) => ({
  logGroups,
  subscriptionFilters: logGroups.filter((g) => (g.retentionInDays ?? Infinity) < 365).map((g) => ({ logGroupName: g.logGroupName!, filters: filters[g.logGroupName!] ?? [] })),
  subscriptionsReadBelowDays: 365,
});

describe('logs.retention', () => {
  it('is the one CloudWatch Logs query, defaulting to 365 days', () => {
    expect(queries.map((q) => q.id)).toEqual(['logs.retention']);
    expect(retention.parameters?.minimumRetentionDays.default).toBe(365);
  });
  it('fails 30 days, passes never-expire, 365 and 400 days', () => {
    const results = evaluateBoth(collected([thirtyDays, neverExpire, fourHundredDays, exactlyAYear]));
    expect(statusOf(results)).toEqual({ '/aws/lambda/checkout': 'fail', '/aws/cloudtrail/management-events': 'pass', '/app/payments': 'pass', '/app/auth': 'pass' });
    expect(results[0].resource).toBe(`arn:aws:logs:${REGION}:111122223333:log-group:/aws/lambda/checkout`);
    expect(results[1].reason).toContain('never expire');
  });
  it('uses the minimumRetentionDays parameter', () => {
    expect(statusOf(evaluateBoth({ logGroups: [fourHundredDays], subscriptionFilters: [{ logGroupName: '/app/payments', filters: [] }] }, { minimumRetentionDays: 730 }))).toEqual({ '/app/payments': 'fail' });
  });
  it('judges only the audit log groups the organisation names, so a short-lived application group need not fail 10.5.1', () => {
    expect(retention.parameters?.auditLogGroups.description).toMatch(/^Organisation choice/);
    const results = evaluateBoth(collected([thirtyDays, neverExpire, fourHundredDays]), { auditLogGroups: ['/aws/cloudtrail/*', '/app/*'] });
    expect(statusOf(results)).toEqual({ '/aws/lambda/checkout': 'not-applicable', '/aws/cloudtrail/management-events': 'pass', '/app/payments': 'pass' });
    expect(results[0].reason).toContain('not among the audit log groups');
  });
  it('a group kept under the minimum whose subscription filter copies its events elsewhere needs review, naming the destination (10.5.1 QSA finding)', () => {
    const r = evaluateBoth(collected([thirtyDays], { '/aws/lambda/checkout': [checkoutToFirehose] }))[0];
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('log group /aws/lambda/checkout keeps its events for only 30 days, below the 365-day minimum');
    expect(r.reason).toContain(`its events are copied to ${checkoutToFirehose.destinationArn} (filter checkout-archive, every event): whether the copy is kept for 365 days is not in the evidence`);
    // A filter pattern copies only the events it matches: said so.
    const some = evaluateBoth(collected([thirtyDays], { '/aws/lambda/checkout': [{ ...checkoutToFirehose, filterPattern: '{ $.level = "ERROR" }' }] }))[0];
    expect(some.reason).toContain('pattern "{ $.level = "ERROR" }": only matching events');
  });
  it('without a subscription filter it still fails, naming the minimum and who set it, never "the organisation\'s" for a catalog default', () => {
    const catalog = { ...ctx, parameterSources: { minimumRetentionDays: 'the catalog default for 10.5.1 (controls/pci-dss-4.0.1.yaml), to be confirmed by the organisation' } };
    const r = evaluateBoth(collected([thirtyDays]), {}, catalog)[0];
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('below the 365-day minimum (minimumRetentionDays, set by the catalog default for 10.5.1 (controls/pci-dss-4.0.1.yaml), to be confirmed by the organisation), and no subscription filter copies its events elsewhere') });
    expect(r.reason).not.toContain("organisation's");
  });
  it('a short-retention group whose subscription filters the evidence does not hold needs review, never passes: sealed before the read, not read at that minimum, or refused', () => {
    expect(evaluateBoth({ logGroups: [thirtyDays] })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the evidence holds no DescribeSubscriptionFilters read (collected before this check read it)') });
    expect(evaluateBoth(collected([fourHundredDays]), { minimumRetentionDays: 730 })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the collection read them only for groups kept under 365 days') });
    const gone = { ...collected([thirtyDays]), subscriptionFilters: [{ logGroupName: '/aws/lambda/checkout', filters: { error: { code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' } } }] };
    expect(evaluateBoth(gone)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('could not be read (ResourceNotFoundException') });
  });
  it('is not applicable without log groups and errors without a response', () => {
    expect(evaluateBoth({ logGroups: [] })[0].status).toBe('not-applicable');
    expect(evaluateBoth({})[0].status).toBe('error');
  });
});
