import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { viewerTls } from '../../../src/queries/cloudfront/viewer-tls.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, distributionArn, distributions } from '../../fixtures/cloudfront/distributions.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: '2026-06-01T00:00:00.000Z' };

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = viewerTls.evaluate(data, {}, ctx);
  expect(viewerTls.evaluate(JSON.parse(canonicalJson(data)) as unknown, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('cloudfront.viewer-tls', () => {
  const byArn = Object.fromEntries(evaluateBoth({ distributions }).map((r) => [r.resource, r]));

  it('HTTPS required with TLSv1.2_2021 or newer passes', () => {
    expect(byArn[distributionArn('EGOOD')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('TLSv1.2_2021') });
    expect(byArn[distributionArn('ENEWER')].status).toBe('pass');
  });

  it('allow-all on any cache behaviour fails, naming the path', () => {
    expect(byArn[distributionArn('EALLOWALL')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('/legacy/* behaviour') });
  });

  it('the default certificate fails whatever MinimumProtocolVersion says; a policy below TLSv1.2_2021 fails', () => {
    expect(byArn[distributionArn('EDEFAULTCERT')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('accepts TLSv1 whatever') });
    expect(byArn[distributionArn('EOLDPOLICY')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('TLSv1.2_2019') });
  });

  it('a custom origin reached over plain HTTP fails', () => {
    expect(byArn[distributionArn('EHTTPORIGIN')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('http-only') });
  });

  it('an unknown security policy needs review rather than passing', () => {
    const d = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1.4_2030' } }];
    expect(evaluateBoth({ distributions: d })[0].status).toBe('needs-review');
  });

  it('missing evidence is an error; no distributions is not-applicable', () => {
    expect(evaluateBoth({}).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ distributions: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

describe('cloudfront.viewer-tls against the simulated demo account (restXml)', () => {
  const session = demoSession();
  const q = queryById('cloudfront.viewer-tls')!;

  it('the payment pages pass; the legacy receipts distribution fails on viewer protocol, security policy and HTTP origin', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/\((\S+\.example\.com)\)/)?.[1], r.status])).toEqual([
      ['pay.example.com', 'pass'],
      ['receipts.example.com', 'fail'],
    ]);
    expect(results[1].reason).toMatch(/allow-all.*TLSv1_2016.*http-only/);
    expect(calls.map((c) => c.operation)).toEqual(['cloudfront:ListDistributions']);
  });

  it('pages through ListDistributions with Marker/NextMarker', async () => {
    const { results, calls } = await session.run({ ...q, collect: async (c) => {
      const { CloudFrontClient, paginateListDistributions } = await import('@aws-sdk/client-cloudfront');
      const distributions = [];
      for await (const page of paginateListDistributions({ client: c.clients.get(CloudFrontClient), pageSize: 1 }, {})) distributions.push(...(page.DistributionList?.Items ?? []));
      return { distributions };
    } }, 'us-east-1');
    expect(results).toHaveLength(2);
    expect(calls).toHaveLength(2);
    expect(calls[1].input).toMatchObject({ Marker: expect.any(String) });
  });
});
