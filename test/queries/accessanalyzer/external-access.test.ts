import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { externalAccess, type ExternalAccessEvidence } from '../../../src/queries/accessanalyzer/external-access.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, EXTERNAL_ARN, REGION, UNUSED_ARN, disabledOnly, evidence } from '../../fixtures/accessanalyzer/findings.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = externalAccess.evaluate(data, {}, ctx);
  expect(externalAccess.evaluate(JSON.parse(canonicalJson(data)) as unknown, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('accessanalyzer.external-access', () => {
  const results = evaluateBoth(evidence);
  const by = Object.fromEntries(results.map((r) => [r.resource, r]));

  it('passes active analyzers, naming the zone of trust and the number of active findings', () => {
    expect(by[EXTERNAL_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('the organization as zone of trust and reports 4 active findings') });
    expect(by[UNUSED_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('unused access') });
  });
  it('fails each resource shared outside the zone of trust, once per resource, naming who may do what', () => {
    const bucket = by['arn:aws:s3:::cardholder-exports'];
    expect(bucket.status).toBe('fail');
    expect(bucket.reason).toContain('AWS 444455556666 may s3:GetObject');
    expect(bucket.reason).toContain('anyone (public) may s3:ListBucket');
    expect(results.filter((r) => r.resource === 'arn:aws:s3:::cardholder-exports')).toHaveLength(1);
    expect(by[`arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`]).toMatchObject({ status: 'fail', reason: expect.stringContaining('details not collected') });
  });
  it('for third parties (12.8.1, business associates) each external party is listed for review, never a fail, and unused access is not judged', () => {
    const tp = externalAccess.evaluate(evidence, { purpose: 'third-parties' }, ctx);
    expect(externalAccess.evaluate(JSON.parse(canonicalJson(evidence)) as unknown, { purpose: 'third-parties' }, ctx)).toEqual(tp);
    const bucket = tp.find((r) => r.resource === 'arn:aws:s3:::cardholder-exports')!;
    expect(bucket).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('confirm each external party is on the entity') });
    expect(bucket.reason).toContain('AWS 444455556666 may s3:GetObject');
    expect(tp.some((r) => r.status === 'fail' && r.resource.startsWith('arn:aws:s3'))).toBe(false);
    expect(tp.some((r) => r.resource === `arn:aws:iam::${ACCOUNT}:role/old-batch`)).toBe(false);
    expect(tp.some((r) => r.resource === UNUSED_ARN)).toBe(false);
  });
  it('unused roles, keys and permissions need review; a finding Access Analyzer could not analyse is an error', () => {
    expect(by[`arn:aws:iam::${ACCOUNT}:role/old-batch`]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('role not used') });
    expect(by[`arn:aws:iam::${ACCOUNT}:user/ci`]).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/access key not used.*permissions granted but not used/) });
    expect(by[`arn:aws:iam::${ACCOUNT}:role/broken-trust`]).toMatchObject({ status: 'error', reason: expect.stringContaining('ACCESS_DENIED') });
  });
  it('no analyzer in the account needs review (an organization analyzer elsewhere may cover it); a failed analyzer fails', () => {
    expect(evaluateBoth({ analyzers: [], findings: [], details: [] }).map((r) => [r.resource, r.status])).toEqual([
      ['account', 'needs-review'],
      ['account/unused-access', 'needs-review'],
    ]);
    expect(evaluateBoth(disabledOnly)[0]).toMatchObject({ resource: EXTERNAL_ARN, status: 'fail', reason: expect.stringContaining('FAILED (AWS_SERVICE_ACCESS_DISABLED)') });
  });
  it('missing evidence is an error, never a pass: no responses at all, or an active analyzer without its findings', () => {
    expect(evaluateBoth({ analyzers: [] }).map((r) => r.status)).toEqual(['error']);
    const noFindings: ExternalAccessEvidence = { ...evidence, findings: evidence.findings.filter((f) => f.analyzerArn !== UNUSED_ARN) };
    expect(evaluateBoth(noFindings).filter((r) => r.resource === UNUSED_ARN).map((r) => r.status)).toContain('error');
  });
});

describe('accessanalyzer.external-access against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('accessanalyzer.external-access')!;

  it('home region: the cardholder-data bucket is shared with the payment processor; unused role and password need review', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(statusOf(results)).toEqual({
      'arn:aws:access-analyzer:us-east-1:111122223333:analyzer/account-external-access': 'pass',
      'arn:aws:access-analyzer:us-east-1:111122223333:analyzer/account-unused-access': 'pass',
      'arn:aws:s3:::demo-production-cardholder-data': 'fail',
      'arn:aws:iam::111122223333:role/legacy-ops': 'needs-review',
      'arn:aws:iam::111122223333:user/carol.former': 'needs-review',
    });
    expect(results.find((r) => r.resource === 'arn:aws:s3:::demo-production-cardholder-data')?.reason).toContain('AWS 444455556666 may s3:GetObject, s3:ListBucket');
    expect(calls.map((c) => c.operation)).toEqual(['access-analyzer:ListAnalyzers', 'access-analyzer:ListFindingsV2', 'access-analyzer:GetFindingV2', 'access-analyzer:ListFindingsV2']);
    expect(calls[1].input).toMatchObject({ filter: { status: { eq: ['ACTIVE'] } } });
  });

  it('second region: no analyzer, so external and unused access need review rather than pass', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results.map((r) => [r.resource, r.status])).toEqual([
      ['account', 'needs-review'],
      ['account/unused-access', 'needs-review'],
    ]);
  });
});
