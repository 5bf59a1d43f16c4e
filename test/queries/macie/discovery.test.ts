import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { macieDiscovery, type MacieDiscoveryEvidence } from '../../../src/queries/macie/discovery.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, SESSION_ARN, autoOff, evidence, notEnabled, session } from '../../fixtures/macie/discovery.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { cardDataBuckets: [], maxJobAgeDays: 90, ...params } as Parameters<typeof macieDiscovery.evaluate>[1];
  const fresh = macieDiscovery.evaluate(data, p, ctx);
  expect(macieDiscovery.evaluate(JSON.parse(canonicalJson(data)) as unknown, p, ctx)).toEqual(fresh);
  return fresh;
}

describe('macie.discovery', () => {
  it('passes discovery when automated discovery is on; card numbers in a declared location pass, elsewhere fail, one result per bucket', () => {
    const by = Object.fromEntries(evaluateBoth(evidence, { cardDataBuckets: ['payments-cde-*'] }).map((r) => [r.resource, r]));
    expect(by[SESSION_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('automated sensitive data discovery since 2025-02-01') });
    expect(by['arn:aws:s3:::payments-cde-store']).toMatchObject({ status: 'pass', reason: expect.stringContaining('a declared card data location: 40 CREDIT_CARD_NUMBER') });
    expect(by['arn:aws:s3:::analytics-dump']).toMatchObject({ status: 'fail', reason: expect.stringContaining('15 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 2 objects (exports/a.csv, exports/b.csv)') });
    expect(by['arn:aws:s3:::support-tickets']).toMatchObject({ status: 'fail', reason: expect.stringContaining('sensitive authentication data (CREDIT_CARD_SECURITY_CODE)') });
    // Card data where none is declared is evidence against the declared scope: no scope may filter it out. Card numbers
    // in a declared location, and the session itself, are judged within the scope like any result.
    expect(by['arn:aws:s3:::analytics-dump'].judgesScope).toMatch(/card numbers found where no card data is declared/);
    expect(by['arn:aws:s3:::support-tickets'].judgesScope).toMatch(/account data found where no card data is declared/);
    expect(by['arn:aws:s3:::payments-cde-store'].judgesScope).toBeUndefined();
    // Sensitive authentication data in a declared card data location stays in scope too: it may be stored nowhere.
    const declared = Object.fromEntries(evaluateBoth(evidence, { cardDataBuckets: ['support-*'] }).map((r) => [r.resource, r]));
    expect(declared['arn:aws:s3:::support-tickets'].judgesScope).toMatch(/may not be stored after authorization anywhere/);
    expect(by[SESSION_ARN].judgesScope).toBeUndefined();
    // No card detections (bank accounts only) and archived findings are not card-data locations.
    expect(by['arn:aws:s3:::hr-files']).toBeUndefined();
    expect(by['arn:aws:s3:::old-archive']).toBeUndefined();
  });

  it('judging sensitive authentication data only (3.3.1): security codes still fail anywhere, card numbers alone are listed, not judged', () => {
    const by = Object.fromEntries(evaluateBoth(evidence, { judgeCardNumberLocations: false }).map((r) => [r.resource, r]));
    expect(by['arn:aws:s3:::support-tickets']).toMatchObject({ status: 'fail', reason: expect.stringContaining('sensitive authentication data (CREDIT_CARD_SECURITY_CODE)') });
    expect(by['arn:aws:s3:::analytics-dump']).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('no magnetic stripe (CREDIT_CARD_MAGNETIC_STRIPE) or security code') });
    expect(by[SESSION_ARN].status).toBe('pass');
  });

  it('with no declared card data location every bucket with card numbers fails, and says so', () => {
    const r = evaluateBoth(evidence).find((x) => x.resource === 'arn:aws:s3:::payments-cde-store');
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('no card data locations are declared') });
    expect(evaluateBoth(evidence, { cardDataBuckets: 'payments-cde-*' }).find((x) => x.resource === 'arn:aws:s3:::payments-cde-store')?.status).toBe('pass');
  });

  it('without automated discovery: a recent one-time job needs review, an older one fails; an unreadable setting needs review', () => {
    const off: MacieDiscoveryEvidence = { ...evidence, automatedDiscovery: autoOff, findings: [] };
    expect(evaluateBoth(off)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('one-off-may') })]);
    expect(evaluateBoth(off, { maxJobAgeDays: 10 })).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('nothing is being discovered') })]);
    const unreadable: MacieDiscoveryEvidence = { ...off, automatedDiscovery: { error: { code: 'AccessDeniedException', message: 'member account' } } };
    expect(evaluateBoth(unreadable)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not readable') });
  });

  it('Macie off or paused fails; a refused call or missing evidence is an error, never a pass', () => {
    expect(evaluateBoth(notEnabled)).toEqual([expect.objectContaining({ resource: SESSION_ARN, status: 'fail', reason: expect.stringContaining('not enabled') })]);
    expect(evaluateBoth({ session: { ...session, status: 'PAUSED' } })[0].status).toBe('fail');
    expect(evaluateBoth({ session: { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: macie2:GetMacieSession' } } })[0].status).toBe('error');
    expect(evaluateBoth({ session })[0].status).toBe('error');
    expect(evaluateBoth({})[0].status).toBe('error');
  });
});

describe('macie.discovery against the simulated demo account', () => {
  const s = demoSession();
  const q = queryById('macie.discovery')!;

  it('home region: discovery runs and finds card numbers in the legacy uploads bucket; no sample values or occurrence locations are kept', async () => {
    const { results, calls, data } = await s.run(q, 'us-east-1');
    expect(statusOf(results)).toEqual({ 'arn:aws:macie2:us-east-1:111122223333:session': 'pass', 'arn:aws:s3:::demo-production-legacy-uploads': 'fail' });
    expect(results[1].reason).toContain('412 CREDIT_CARD_NUMBER, 214 CREDIT_CARD_EXPIRATION in 2 objects');
    expect(calls.map((c) => c.operation)).toEqual(['macie2:GetMacieSession', 'macie2:GetAutomatedDiscoveryConfiguration', 'macie2:ListClassificationJobs', 'macie2:ListFindings', 'macie2:GetFindings']);
    expect(calls[3].input).toMatchObject({ findingCriteria: { criterion: { type: { eq: ['SensitiveData:S3Object/Financial', 'SensitiveData:S3Object/Multiple'] }, archived: { eq: ['false'] } } } });
    expect(JSON.stringify(data)).not.toMatch(/occurrences|"sample"\s*:\s*true/);
  });

  it('second region: Macie is on but neither automated discovery nor a job runs, so discovery fails', async () => {
    const { results } = await s.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('nothing is being discovered') })]);
  });
});
