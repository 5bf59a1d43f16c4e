import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/logs/index.js';
import { retention } from '../../../src/queries/logs/retention.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { REGION, exactlyAYear, fourHundredDays, neverExpire, thirtyDays } from '../../fixtures/logs/logs.js';

const ctx = { accountId: '111122223333', region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource.split(':log-group:')[1] ?? r.resource, r.status]));

function evaluateBoth<T>(data: T, params: Record<string, number | string[]> = {}): ResourceResult[] {
  const p = { minimumRetentionDays: 365, ...params };
  const fresh = retention.evaluate(data, p, ctx);
  expect(retention.evaluate(JSON.parse(canonicalJson(data)), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('logs.retention', () => {
  it('is the one CloudWatch Logs query, defaulting to 365 days', () => {
    expect(queries.map((q) => q.id)).toEqual(['logs.retention']);
    expect(retention.parameters?.minimumRetentionDays.default).toBe(365);
  });
  it('fails 30 days, passes never-expire, 365 and 400 days', () => {
    const results = evaluateBoth({ logGroups: [thirtyDays, neverExpire, fourHundredDays, exactlyAYear] });
    expect(statusOf(results)).toEqual({ '/aws/lambda/checkout': 'fail', '/aws/cloudtrail/management-events': 'pass', '/app/payments': 'pass', '/app/auth': 'pass' });
    expect(results[0].resource).toBe(`arn:aws:logs:${REGION}:111122223333:log-group:/aws/lambda/checkout`);
    expect(results[1].reason).toContain('never expire');
  });
  it('uses the minimumRetentionDays parameter', () => {
    expect(statusOf(evaluateBoth({ logGroups: [fourHundredDays] }, { minimumRetentionDays: 730 }))).toEqual({ '/app/payments': 'fail' });
  });
  it('judges only the audit log groups the organisation names, so a short-lived application group need not fail 10.5.1', () => {
    expect(retention.parameters?.auditLogGroups.description).toMatch(/^Organisation choice/);
    const results = evaluateBoth({ logGroups: [thirtyDays, neverExpire, fourHundredDays] }, { auditLogGroups: ['/aws/cloudtrail/*', '/app/*'] });
    expect(statusOf(results)).toEqual({ '/aws/lambda/checkout': 'not-applicable', '/aws/cloudtrail/management-events': 'pass', '/app/payments': 'pass' });
    expect(results[0].reason).toContain('not among the audit log groups');
  });
  it('is not applicable without log groups and errors without a response', () => {
    expect(evaluateBoth({ logGroups: [] })[0].status).toBe('not-applicable');
    expect(evaluateBoth({})[0].status).toBe('error');
  });
});
