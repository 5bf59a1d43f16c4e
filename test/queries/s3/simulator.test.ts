import { describe, expect, it } from 'vitest';
import { queries } from '../../../src/queries/s3/index.js';
import { queryById } from '../../../src/queries/index.js';
import { demoSession, statusOf } from './simulated-collect.js';

const session = demoSession();

const q = (id: string) => {
  const query = queryById(id);
  if (!query) throw new Error(`query ${id} is not registered`);
  return query;
};

describe('S3 queries against the simulated demo account', () => {
  it('s3.bucket-encryption: reaches every bucket in its own region and fails the legacy bucket', async () => {
    const { results, calls } = await session.run(q('s3.bucket-encryption'), 'us-east-1');
    expect(statusOf(results)).toEqual({
      'demo-production-access-logs': 'pass',
      'demo-production-cardholder-data': 'pass',
      'demo-production-cloudtrail-logs': 'pass',
      'demo-production-evidence-archive': 'pass',
      'demo-production-legacy-uploads': 'fail',
      'demo-production-marketing-site': 'pass',
    });
    expect(calls.filter((c) => c.operation === 's3:GetBucketEncryption')).toHaveLength(6);
  });

  it('s3.public-access-block: fails the partial account-level block and the unprotected bucket', async () => {
    const { results, calls } = await session.run(q('s3.public-access-block'), 'us-east-1');
    const s = statusOf(results);
    expect(s.account).toBe('fail');
    expect(s['demo-production-marketing-site']).toBe('fail');
    expect(results.find((r) => r.resource === 'demo-production-marketing-site')?.reason).toMatch(/is public: S3 judges its bucket policy public/);
    // The legacy bucket's public-read ACL is neutralized by the account's IgnorePublicAcls.
    expect(results.find((r) => r.resource === 'demo-production-legacy-uploads')?.reason).not.toMatch(/is public/);
    expect(s['demo-production-cardholder-data']).toBe('pass');
    expect(calls.filter((c) => c.operation === 's3:GetBucketAcl')).toHaveLength(6);
  });

  it('s3.bucket-versioning: fails suspended and never-enabled versioning', async () => {
    const s = statusOf((await session.run(q('s3.bucket-versioning'), 'us-east-1')).results);
    expect(s['demo-production-legacy-uploads']).toBe('fail');
    expect(s['demo-production-marketing-site']).toBe('fail');
    expect(s['demo-production-cardholder-data']).toBe('pass');
  });

  it('s3.object-lock: the evidence archive is locked, the rest are informational', async () => {
    const s = statusOf((await session.run(q('s3.object-lock'), 'us-east-1')).results);
    expect(s['demo-production-evidence-archive']).toBe('pass');
    expect(s['demo-production-legacy-uploads']).toBe('not-applicable');
    const required = statusOf((await session.run(q('s3.object-lock'), 'us-east-1', { requiredBuckets: ['demo-production-cloudtrail-logs'] })).results);
    expect(required['demo-production-cloudtrail-logs']).toBe('fail');
  });

  it('s3.access-logging and s3.tls-only-policy: fail the buckets configured without them', async () => {
    const logging = statusOf((await session.run(q('s3.access-logging'), 'us-east-1')).results);
    expect(logging['demo-production-cardholder-data']).toBe('pass');
    expect(logging['demo-production-legacy-uploads']).toBe('fail');
    const tls = statusOf((await session.run(q('s3.tls-only-policy'), 'us-east-1')).results);
    expect(tls['demo-production-cardholder-data']).toBe('pass');
    expect(tls['demo-production-marketing-site']).toBe('fail');
    expect(tls['demo-production-legacy-uploads']).toBe('fail');
  });

  it('runs every S3 query through the simulator without an error record', async () => {
    for (const query of queries) {
      const { results } = await session.run(query, 'us-east-1');
      expect(results.filter((r) => r.status === 'error')).toEqual([]);
    }
  });
});
