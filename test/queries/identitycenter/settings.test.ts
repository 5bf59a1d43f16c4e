import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { durationMinutes, identityCenterSettings } from '../../../src/queries/identitycenter/settings.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, INSTANCE, REGION, disabledInstance, evidence, psArn } from '../../fixtures/identitycenter/settings.js';
import { demoSession } from '../s3/simulated-collect.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';

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

  it('passes sessions within the limit; a longer one needs review (an idle timeout is not in the evidence), never a fail; always says it is not an idle timeout', () => {
    const by = Object.fromEntries(evaluateBoth(evidence).map((r) => [r.resource, r]));
    expect(by[psArn('admin')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('0 user and 1 group assignment') });
    // QSA (8.2.8, HIPAA 164.312(a)(2)(iii), F-0070): "issues AWS sessions of PT12H (720 minutes), longer than the
    // organisation's 60-minute limit" was a FAIL, though a 12-hour session with a 15-minute IdP idle timeout meets 8.2.8.
    expect(by[psArn('vendor')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('PT12H (720 minutes), longer than the 60-minute session limit') });
    expect(by[psArn('vendor')].reason).toContain('sessions last up to PT12H; an idle timeout is not in the evidence (set at the identity provider / Identity Center session settings): confirm it');
    expect(by[psArn('vendor')].reason).toContain('1 user and 1 group assignments');
    expect(by[psArn('vendor')].reason).not.toMatch(/organisation’s/);
    expect(by[psArn('short')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('provisioned to no account') });
    for (const r of Object.values(by).filter((x) => x.status !== 'error')) expect(r.reason).toContain('not an idle timeout');
  });

  it('an unreadable duration is an error, never a pass; a longer organisation limit passes the 12-hour set', () => {
    expect(evaluateBoth(evidence).find((r) => r.resource === psArn('odd'))?.status).toBe('error');
    expect(evaluateBoth(evidence, { maxSessionMinutes: 720 }).find((r) => r.resource === psArn('vendor'))?.status).toBe('pass');
  });

  it('an instance that is not active needs review; no instance is not-applicable; missing evidence is an error', () => {
    expect(evaluateBoth(disabledInstance)).toEqual([expect.objectContaining({ resource: INSTANCE, status: 'needs-review', reason: expect.stringContaining('DELETE_IN_PROGRESS') })]);
    // QSA: no Identity Center is a mechanism absent (the entity may use another means), never a requirement not applicable.
    expect(evaluateBoth({ instances: [], permissionSets: [] })).toEqual([
      expect.objectContaining({ status: 'not-applicable', mechanismAbsent: 'IAM Identity Center', reason: expect.stringContaining('mechanism absent: no IAM Identity Center instance') }),
    ]);
    expect(evaluateBoth({ instances: [], permissionSets: [] })[0].reason).toContain('the entity may grant access and end sessions by another means');
    expect(evaluateBoth({ instances: [{ InstanceArn: INSTANCE, Status: 'ACTIVE' }], permissionSets: [] })).toEqual([
      expect.objectContaining({ status: 'not-applicable', mechanismAbsent: 'IAM Identity Center permission sets', reason: expect.stringContaining('mechanism absent:') }),
    ]);
    expect(evaluateBoth({}).map((r) => r.status)).toEqual(['error']);
  });
});

describe('identitycenter.settings judged by the catalogs: the limit names who set it', () => {
  it('the catalog default is never called the organisation’s limit; an override is', async () => {
    const byDefault = await judgedByCatalogs('identitycenter.settings', evidence);
    for (const id of ['8.2.8', '164.312(a)(2)(iii)']) {
      const r = byDefault(id);
      expect(r.status, id).toBe('needs-review');
      const vendor = r.findings.find((f) => f.resource === psArn('vendor'))!;
      expect(vendor.status).toBe('needs-review');
      expect(vendor.reason).toContain(`maxSessionMinutes = 60, set by the catalog default for ${id} (controls/${r.framework}.yaml), to be confirmed by the organisation`);
      expect(vendor.reason).not.toMatch(/organisation[’']s/);
    }
    // QSA (7.2.1): the session-duration review was listed among 7.2.1's results, though session length says nothing
    // about an access control model by job function and least privilege. 7.2.1 no longer shows this check's findings.
    expect(byDefault('7.2.1').findings.filter((f) => f.queryId === 'identitycenter.settings')).toEqual([]);
    // No Identity Center: 8.2.8 and 164.312(a)(2)(iii) need review (what else ends sessions), never not applicable or manual.
    const absent = await judgedByCatalogs('identitycenter.settings', { instances: [], permissionSets: [] });
    for (const id of ['8.2.8', '164.312(a)(2)(iii)']) {
      expect(absent(id).status, id).toBe('needs-review');
      expect(absent(id).reasons[0], id).toContain('REVIEW: no IAM Identity Center deployed where the evidence was collected (us-east-1)');
    }
    const overridden = await judgedByCatalogs('identitycenter.settings', evidence, { parameterOverrides: { 'pci-dss-4.0.1': { '8.2.8': { maxSessionMinutes: 120 } } } });
    expect(overridden('8.2.8').findings.find((f) => f.resource === psArn('vendor'))!.reason).toContain(
      `maxSessionMinutes = 120, set by the organisation's configuration (parameters.pci-dss-4.0.1."8.2.8".maxSessionMinutes)`,
    );
  });
});

describe('identitycenter.settings against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('identitycenter.settings')!;

  it('home region: the 12-hour vendor permission set needs review, the 1-hour sets pass; assignments page per account', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/permission set (\S+)/)?.[1], r.status])).toEqual([
      ['AdministratorAccess', 'pass'],
      ['PaymentsSupport', 'needs-review'],
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
