import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { certificates } from '../../../src/queries/acm/certificates.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, certArn, evidence } from '../../fixtures/acm/certificates.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { expiryWarningDays: 30, ...params } as Parameters<typeof certificates.evaluate>[1];
  const fresh = certificates.evaluate(data, p, ctx);
  expect(certificates.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('acm.certificates', () => {
  it('inventories every certificate: valid passes, expiring within 30 days needs review, revoked/1024-bit fail, expired and unused or not yet issued needs review, an unreadable one is error', () => {
    const byArn = Object.fromEntries(evaluateBoth(evidence).map((r) => [r.resource, r]));
    expect(Object.keys(byArn)).toHaveLength(7);
    expect(byArn[certArn(1)]).toMatchObject({ status: 'pass', reason: expect.stringMatching(/EC_prime256v1.*in use by 1 resource/) });
    expect(byArn[certArn(2)]).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/imported, so ACM does not renew it.*expires in 19 days/) });
    expect(byArn[certArn(3)]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('expired and not in use by any AWS resource: it protects no AWS endpoint') });
    expect(byArn[certArn(4)]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1024-bit RSA') });
    expect(byArn[certArn(5)]).toMatchObject({ status: 'fail', reason: expect.stringContaining('revoked (KEY_COMPROMISE)') });
    expect(byArn[certArn(6)]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('PENDING_VALIDATION') });
    expect(byArn[certArn(7)]).toMatchObject({ status: 'error', reason: expect.stringContaining('AccessDeniedException') });
  });

  it('the renewal window is a parameter: 10 days turns the soon-expiring certificate into a pass, 365 days the valid one into review', () => {
    expect(evaluateBoth(evidence, { expiryWarningDays: 10 }).find((r) => r.resource === certArn(2))?.status).toBe('pass');
    expect(evaluateBoth(evidence, { expiryWarningDays: 365 }).find((r) => r.resource === certArn(1))?.status).toBe('needs-review');
  });

  it('an expired certificate nothing uses protects no transmission: needs review (delete it or show where it is deployed); expired and in use, or with no InUseBy in the evidence, it fails (4.2.1)', () => {
    const withUse = (InUseBy: string[] | undefined) => ({ ...evidence, details: { ...evidence.details, [certArn(3)]: { ...(evidence.details[certArn(3)] as object), InUseBy } } });
    expect(evaluateBoth(withUse([])).find((r) => r.resource === certArn(3))).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('expired and not in use by any AWS resource: it protects no AWS endpoint; delete it or show where else it is deployed (an imported certificate may be installed outside AWS)'),
    });
    const lb = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/old/0123456789abcdef`;
    expect(evaluateBoth(withUse([lb])).find((r) => r.resource === certArn(3))).toMatchObject({ status: 'fail', reason: expect.stringContaining(`in use by 1 resource(s): ${lb}: it has expired`) });
    expect(evaluateBoth(withUse(undefined)).find((r) => r.resource === certArn(3))).toMatchObject({ status: 'fail', reason: expect.stringContaining('the evidence does not say which AWS resources use it (no InUseBy): it has expired') });
  });

  it('a certificate whose NotAfter has passed fails even when ACM still says ISSUED', () => {
    const d = { ...evidence, details: { ...evidence.details, [certArn(1)]: { ...(evidence.details[certArn(1)] as object), NotAfter: '2026-05-31T00:00:00.000Z' } } };
    expect(evaluateBoth(d).find((r) => r.resource === certArn(1))?.status).toBe('fail');
  });

  it('a 1024-bit RSA key fails however it is written (DescribeCertificate writes RSA-1024, ListCertificates RSA_1024)', () => {
    for (const KeyAlgorithm of ['RSA_1024', 'RSA-1024']) {
      const d = { ...evidence, details: { ...evidence.details, [certArn(1)]: { ...(evidence.details[certArn(1)] as object), KeyAlgorithm } } };
      expect(evaluateBoth(d).find((r) => r.resource === certArn(1))).toMatchObject({ status: 'fail', reason: expect.stringContaining(`${KeyAlgorithm}`) });
    }
  });

  it('a certificate signed with MD5 or SHA-1 fails; one whose signature algorithm is not in the evidence needs review', () => {
    const withSig = (SignatureAlgorithm: string | undefined) => ({ ...evidence, details: { ...evidence.details, [certArn(1)]: { ...(evidence.details[certArn(1)] as object), Type: 'IMPORTED', Issuer: 'Legacy CA', SignatureAlgorithm } } });
    for (const alg of ['SHA1WITHRSA', 'MD5WITHRSA', 'SHA1WITHECDSA', 'sha1WithRSAEncryption']) {
      expect(evaluateBoth(withSig(alg)).find((r) => r.resource === certArn(1))).toMatchObject({ status: 'fail', reason: expect.stringContaining(`signed with ${alg} (an MD5 or SHA-1 signature) is not strong cryptography`) });
    }
    for (const alg of ['SHA256WITHRSA', 'SHA384WITHECDSA', 'SHA512WITHRSA']) expect(evaluateBoth(withSig(alg)).find((r) => r.resource === certArn(1))?.status).toBe('pass');
    expect(evaluateBoth(withSig(undefined)).find((r) => r.resource === certArn(1))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('does not state the algorithm that signed it') });
  });

  it('missing evidence is an error; no certificates is not-applicable', () => {
    expect(evaluateBoth({ summaries: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ summaries: [], details: {} }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

describe('acm.certificates against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('acm.certificates')!;

  it('lists every key type (EC certificates included), then describes each: the partner certificate expires within 30 days, the retired portal one has expired and nothing uses it', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    const byDomain = Object.fromEntries(results.map((r) => [r.reason.match(/certificate for (\S+)/)?.[1], r.status]));
    expect(byDomain).toEqual({
      'checkout.example.com': 'pass',
      'partner-api.example.com': 'needs-review',
      'pay.example.com': 'pass',
      'receipts.example.com': 'pass',
      'old-portal.example.com': 'needs-review',
    });
    expect(calls[0]).toMatchObject({ operation: 'acm:ListCertificates', input: { Includes: { keyTypes: expect.arrayContaining(['EC_prime256v1', 'RSA_2048']) } } });
    expect(calls.filter((c) => c.operation === 'acm:DescribeCertificate')).toHaveLength(5);
  });

  it('without Includes.keyTypes ACM would list RSA certificates only, as the service documents (the simulator follows it)', async () => {
    const { ACMClient, ListCertificatesCommand } = await import('@aws-sdk/client-acm');
    const { simulatorCredentials } = await import('../../../src/simulator/index.js');
    const client = new ACMClient({ region: 'us-east-1', endpoint: session.sim.url, credentials: simulatorCredentials(session.sim), maxAttempts: 1 });
    const out = await client.send(new ListCertificatesCommand({}));
    expect(out.CertificateSummaryList?.map((c) => c.KeyAlgorithm)).toEqual(['RSA_2048', 'RSA_2048', 'RSA_2048']);
    client.destroy();
  });
});
