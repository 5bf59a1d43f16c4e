import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { itemsExpression, type AggregateConfigItemsEvidence, type ConfigItem } from '../../../src/queries/config/aggregate-items.js';
import { CERTIFICATE_ITEMS, certificates } from '../../../src/queries/acm/certificates.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, certArn, described } from '../../fixtures/acm/certificates.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

/** An AWS::ACM::Certificate item: DescribeCertificate's Certificate with a lower-case first letter, dates as ISO text. */
const item = (configuration: Record<string, unknown>): ConfigItem => ({
  accountId: ACCOUNT,
  awsRegion: REGION,
  resourceType: 'AWS::ACM::Certificate',
  resourceId: configuration.certificateArn as string,
  arn: configuration.certificateArn as string,
  configurationItemCaptureTime: '2026-05-31T23:45:00.000Z',
  configurationItemStatus: 'OK',
  configuration,
});

const lower = (v: unknown): unknown =>
  v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.map(lower) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), lower(x)])) : v;

const items = described.map((d) => item(lower(d.Certificate) as Record<string, unknown>));

const evidence = (rows: ConfigItem[]): AggregateConfigItemsEvidence => ({
  aggregator: { name: 'org-aggregator', accountId: '999988887777', region: 'us-east-1' },
  expression: itemsExpression(CERTIFICATE_ITEMS),
  resourceTypes: [...CERTIFICATE_ITEMS.resourceTypes],
  results: rows.map((i) => JSON.stringify(i)),
});

function evaluate(data: unknown): ResourceResult[] {
  const params = { expiryWarningDays: 30 };
  const fresh = certificates.evaluate(data, params, ctx);
  expect(certificates.evaluate(JSON.parse(canonicalJson(data)), params, ctx)).toEqual(fresh);
  return fresh;
}

describe('AWS::ACM::Certificate configuration items', () => {
  it('acm.certificates judges items as it judges ListCertificates + DescribeCertificate', () => {
    const native = {
      summaries: described.map((d) => ({ CertificateArn: d.Certificate!.CertificateArn, DomainName: d.Certificate!.DomainName })),
      details: Object.fromEntries(described.map((d) => [d.Certificate!.CertificateArn!, d.Certificate!])),
    };
    const results = evaluate(evidence(items));
    expect(statusOf(results)).toEqual(statusOf(evaluate(native)));
    expect(statusOf(results)).toMatchObject({ [certArn(1)]: 'pass', [certArn(2)]: 'needs-review', [certArn(3)]: 'needs-review', [certArn(4)]: 'fail', [certArn(5)]: 'fail' });
    expect(results.find((r) => r.resource === certArn(5))!.reason).toMatch(/revoked \(KEY_COMPROMISE\).*the configuration AWS Config recorded/);
  });

  it('judges the key and signature algorithms of items as of DescribeCertificate: RSA-1024 and SHA-1 signatures fail, a missing signatureAlgorithm needs review', () => {
    const at = (over: Record<string, unknown>) => item({ ...(lower(described[0].Certificate) as Record<string, unknown>), type: 'IMPORTED', renewalSummary: undefined, ...over });
    const byKey = (over: Record<string, unknown>) => evaluate(evidence([at(over)])).find((r) => r.resource === certArn(1))!;
    expect(byKey({ keyAlgorithm: 'RSA-2048' }).status).toBe('pass');
    expect(byKey({ keyAlgorithm: 'RSA-1024' })).toMatchObject({ status: 'fail', reason: expect.stringContaining('1024-bit RSA') });
    expect(byKey({ keyAlgorithm: 'RSA-2048', signatureAlgorithm: 'SHA1WITHRSA' })).toMatchObject({ status: 'fail', reason: expect.stringContaining('SHA1WITHRSA') });
    expect(byKey({ keyAlgorithm: 'RSA-2048', signatureAlgorithm: undefined }).status).toBe('needs-review');
  });

  it('keeps the key types ListCertificates is asked for, whether the algorithm is written RSA-2048 or RSA_2048', () => {
    const hyphen = item({ ...(lower(described[0].Certificate) as Record<string, unknown>), keyAlgorithm: 'RSA-2048' });
    const other = item({ ...(lower(described[1].Certificate) as Record<string, unknown>), keyAlgorithm: 'ML_DSA_65' });
    const data = CERTIFICATE_ITEMS.toEvidence([hyphen, other]);
    expect(data.summaries.map((s) => s.CertificateArn)).toEqual([certArn(1)]);
    expect(data.details[certArn(1)]).toMatchObject({ KeyAlgorithm: 'RSA-2048', NotAfter: '2027-01-01T00:00:00.000Z', InUseBy: [expect.stringContaining('loadbalancer/app/web-1')] });
  });
});
