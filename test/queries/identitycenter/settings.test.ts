import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { durationMinutes, identityCenterSettings } from '../../../src/queries/identitycenter/settings.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, INSTANCE, REGION, disabledInstance, evidence, psArn } from '../../fixtures/identitycenter/settings.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { maxSessionMinutes: 60, ...params } as Parameters<typeof identityCenterSettings.evaluate>[1];
  const fresh = identityCenterSettings.evaluate(data, p, ctx);
  expect(identityCenterSettings.evaluate(JSON.parse(canonicalJson(data)) as unknown, p, ctx)).toEqual(fresh);
  return fresh;
}

describe('identitycenter.settings', () => {
  it('reads Identity Center durations', () => {
    expect([durationMinutes('PT1H'), durationMinutes('PT12H'), durationMinutes('PT1H30M'), durationMinutes('PT30M'), durationMinutes('P1D'), durationMinutes('PT')]).toEqual([60, 720, 90, 30, undefined, undefined]);
  });

  it('passes sessions within the organisation limit, fails longer ones, and always says it is not an idle timeout', () => {
    const by = Object.fromEntries(evaluateBoth(evidence).map((r) => [r.resource, r]));
    expect(by[psArn('admin')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('0 user and 1 group assignment') });
    expect(by[psArn('vendor')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('PT12H (720 minutes), longer than the organisation’s 60-minute limit') });
    expect(by[psArn('vendor')].reason).toContain('1 user and 1 group assignments');
    expect(by[psArn('short')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('provisioned to no account') });
    for (const r of Object.values(by).filter((x) => x.status !== 'error')) expect(r.reason).toContain('not an idle timeout');
  });

  it('an unreadable duration is an error, never a pass; a longer organisation limit passes the 12-hour set', () => {
    expect(evaluateBoth(evidence).find((r) => r.resource === psArn('odd'))?.status).toBe('error');
    expect(evaluateBoth(evidence, { maxSessionMinutes: 720 }).find((r) => r.resource === psArn('vendor'))?.status).toBe('pass');
  });

  it('an instance that is not active needs review; no instance is not-applicable; missing evidence is an error', () => {
    expect(evaluateBoth(disabledInstance)).toEqual([expect.objectContaining({ resource: INSTANCE, status: 'needs-review', reason: expect.stringContaining('DELETE_IN_PROGRESS') })]);
    expect(evaluateBoth({ instances: [], permissionSets: [] })).toEqual([expect.objectContaining({ status: 'not-applicable', reason: expect.stringContaining('no IAM Identity Center instance') })]);
    expect(evaluateBoth({ instances: [{ InstanceArn: INSTANCE, Status: 'ACTIVE' }], permissionSets: [] })[0].status).toBe('not-applicable');
    expect(evaluateBoth({}).map((r) => r.status)).toEqual(['error']);
  });
});

describe('identitycenter.settings against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('identitycenter.settings')!;

  it('home region: the 12-hour vendor permission set fails, the 1-hour sets pass; assignments page per account', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/permission set (\S+)/)?.[1], r.status])).toEqual([
      ['AdministratorAccess', 'pass'],
      ['PaymentsSupport', 'fail'],
      ['ReadOnlyAudit', 'pass'],
    ]);
    expect(results[1].reason).toContain('1 user and 1 group assignments');
    const ops = calls.map((c) => c.operation);
    expect(ops.slice(0, 2)).toEqual(['sso:ListInstances', 'sso:ListPermissionSets']);
    expect(ops.filter((o) => o === 'sso:DescribePermissionSet')).toHaveLength(3);
    expect(ops.filter((o) => o === 'sso:ListAccountAssignments')).toHaveLength(3);
  });

  it('second region: no instance is visible, so the query is not applicable there', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'not-applicable' })]);
  });
});
