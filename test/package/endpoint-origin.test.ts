import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { formatVerification, verifyPackage, verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import type { EndpointSummary } from '../../src/evidence/endpoint-origin.js';
import { ACCOUNTS, MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, type FixtureDay } from './fixtures.js';
import { replaceBody } from '../support/resign-package.js';

/**
 * Evidence collected through a redirected endpoint (AWS_ENDPOINT_URL_<SERVICE>, a proxy) or by a caller of another
 * account: the package says so (summary.json, index.html, the report's cover) and verify warns, from the bodies'
 * provenance. Before, nothing read it: such evidence was packaged and verified as AWS's record.
 */
const both = { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true };
const own = (a: string) => `arn:aws:sts::${a}:assumed-role/EvidenceLockerRead/evidence-locker`;

async function build(days: FixtureDay[]) {
  const store = new MemoryStore();
  const signer = await sealDays(store, days);
  const tmp = mkdtempSync(join(tmpdir(), 'el-origin-'));
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-03', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-03-09T10:11:12Z') });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  const v = await verifyPackage(pkg.zipPath);
  return {
    dir,
    signer,
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { endpoints: EndpointSummary },
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    pdf: execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
    cover: execFileSync('pdftotext', ['-l', '1', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
    v,
    out: formatVerification(v, 'pkg.zip'),
  };
}

describe('evidence collected from an endpoint that is not AWS', () => {
  let b: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    b = await build([
      { day: '2026-03-01', encrypted: both, provenance: true, callerArn: own },
      // The attacker's day: collection redirected to a server of theirs on loopback.
      { day: '2026-03-02', encrypted: both, provenance: true, endpoint: 'http://127.0.0.1:4566', callerArn: own },
      { day: '2026-03-03', encrypted: both, provenance: true, callerArn: own },
    ]);
  });

  it('summary.json counts the records per origin and names the runs', () => {
    const e = b.summary.endpoints;
    expect(e.records).toBe(12);
    expect(e.aws).toBe(8);
    expect(e.notAwsRecords).toBe(4);
    expect(e.notAws).toEqual([{ origin: 'http://127.0.0.1:4566', why: 'http, not https', records: 4, runs: [expect.stringMatching(/^20260302T/)] }]);
    expect(e.notRecorded).toBe(0);
    expect(e.callerMismatch).toEqual([]);
  });

  it('the report cover carries the band, index.html and the report state it', () => {
    expect(b.cover).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.cover).toContain('4 of 12 collection records were collected from http://127.0.0.1:4566');
    expect(b.pdf).toContain('Where the evidence came from');
    expect(b.html).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.html).toContain("4 of 12 collection records were collected from endpoints that are not AWS service endpoints of their query's service");
  });

  it('verify stays VALID but warns, naming the origin and the count, and never calls the evidence AWS\'s', () => {
    expect(b.v.ok).toBe(true);
    expect(b.v.endpoints?.notAwsRecords).toBe(4);
    expect(b.out).toContain('WARNING (evidence origin): 4 of 12 collection records were collected from http://127.0.0.1:4566 (http, not https), not an AWS service endpoint of their query\'s service, in 1 run(s)');
    expect(b.out).toMatch(/VALID: every hash, signature and chain link checks out \(EVIDENCE NOT FROM AWS ENDPOINTS: 4 of 12 collection records, see above\)/);
    expect(b.out).not.toContain('went to AWS service endpoints');
  });
});

describe('evidence collected from AWS service endpoints', () => {
  it('gets no band and no warning, and says what the origin does not show', async () => {
    const b = await build([1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: both, provenance: true, callerArn: own })));
    expect(b.summary.endpoints).toEqual({ records: 12, aws: 12, notAws: [], notAwsRecords: 0, noEndpoint: 0, notRecorded: 0, callerMismatch: [] });
    expect(b.cover).not.toContain('NOT FROM AWS');
    expect(b.html).not.toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.out).not.toContain('WARNING (evidence origin)');
    expect(b.out).toContain('evidence origin: all 12 collection records went to AWS service endpoints of their query\'s service (the address called, from each body\'s provenance; it does not show who answered)');
  });
});

describe('evidence collected from the AWS endpoint of another service than its query calls', () => {
  it('is counted as not from its query\'s service endpoint in summary.json, on the cover, in index.html and by verify', async () => {
    // Day 2: every body recorded against KMS's endpoint (AWS_ENDPOINT_URL_S3 / _CLOUDTRAIL pointed at it). Before, an
    // AWS-shaped host of any service passed as AWS: all 12 records counted as AWS's record.
    const b = await build([1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: both, provenance: true, callerArn: own, ...(n === 2 ? { endpoint: 'https://kms.us-east-1.amazonaws.com' } : {}) })));
    const e = b.summary.endpoints;
    expect(e).toMatchObject({ records: 12, aws: 8, notAwsRecords: 4 });
    const day2 = [expect.stringMatching(/^20260302T/)];
    expect(e.notAws).toEqual([
      { origin: 'https://kms.us-east-1.amazonaws.com', why: 'the AWS endpoint of kms, not of the service its recorded operations call (cloudtrail; query test.trails is not one this version has)', records: 2, runs: day2 },
      { origin: 'https://kms.us-east-1.amazonaws.com', why: 'the AWS endpoint of kms, not of the services its recorded operations call (s3, s3-control; query test.bucket-encryption is not one this version has)', records: 2, runs: day2 },
    ]);
    // The PDF's lines may break after a hyphen of a host name.
    const joined = (t: string) => t.replace(/-\s+/g, '-');
    expect(b.cover).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(joined(b.cover)).toContain('4 of 12 collection records were collected from https://kms.us-east-1.amazonaws.com: not AWS\'s record');
    expect(joined(b.pdf)).toContain('https://kms.us-east-1.amazonaws.com: the AWS endpoint of kms, not of the services its recorded operations call (s3, s3-control; query test.bucket-encryption is not one this version has)');
    expect(b.html).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.v.ok).toBe(true);
    expect(b.v.endpoints?.notAws).toEqual(e.notAws);
    expect(b.out).toContain('WARNING (evidence origin): 2 of 12 collection records were collected from https://kms.us-east-1.amazonaws.com (the AWS endpoint of kms, not of the services its recorded operations call (s3, s3-control; query test.bucket-encryption is not one this version has)), not an AWS service endpoint of their query\'s service, in 1 run(s)');
    expect(b.out).toMatch(/VALID: every hash, signature and chain link checks out \(EVIDENCE NOT FROM AWS ENDPOINTS: 4 of 12 collection records, see above\)/);
  });
});

describe('evidence collected through interface VPC endpoints of its own service', () => {
  it('is AWS\'s record: no band, no warning (before, the bucket name S3\'s endpoint carries made it "not AWS")', async () => {
    const vpce = 'vpce-0123456789abcdef0-abcdefgh';
    const b = await build([1, 2, 3].map((n) => ({
      day: `2026-03-0${n}`,
      encrypted: both,
      provenance: true,
      callerArn: own,
      // The SDK's S3 client names the bucket in front of the endpoint's bucket name; CloudTrail's zonal endpoint name.
      endpoint: `https://logs-bucket.bucket.${vpce}.s3.us-east-1.vpce.amazonaws.com`,
      trailCalls: { byOperation: { 'cloudtrail:DescribeTrails': [`https://${vpce}-us-east-1a.cloudtrail.us-east-1.vpce.amazonaws.com`] }, recorded: true },
    })));
    expect(b.summary.endpoints).toEqual({ records: 12, aws: 12, notAws: [], notAwsRecords: 0, noEndpoint: 0, notRecorded: 0, callerMismatch: [] });
    expect(b.cover).not.toContain('NOT FROM AWS');
    expect(b.out).not.toContain('WARNING (evidence origin)');
    expect(b.out).toContain('evidence origin: all 12 collection records went to AWS service endpoints of their query\'s service');
  });
});

describe('a query of two services whose call went to the other service\'s endpoint', () => {
  const s3 = 'https://org-trail-logs.s3.us-east-1.amazonaws.com';
  const cloudtrail = 'https://cloudtrail.us-east-1.amazonaws.com';
  /** Day 2: the trails bodies' DescribeTrails went to S3's endpoint (AWS_ENDPOINT_URL_CLOUDTRAIL pointed at it). */
  const days = (recorded: boolean) =>
    [1, 2, 3].map((n) => ({
      day: `2026-03-0${n}`,
      encrypted: both,
      provenance: true,
      callerArn: own,
      trailCalls: { byOperation: { 'cloudtrail:DescribeTrails': [n === 2 ? s3 : cloudtrail], 's3:GetBucketLocation': [s3] }, recorded },
    }));

  it('is counted as not from its operation\'s service endpoint when the body records each operation\'s endpoint', async () => {
    const b = await build(days(true));
    const why = 'the AWS endpoint of s3, not of the service cloudtrail:DescribeTrails calls (cloudtrail)';
    expect(b.summary.endpoints).toEqual({ records: 12, aws: 10, notAws: [{ origin: s3, why, records: 2, runs: [expect.stringMatching(/^20260302T/)] }], notAwsRecords: 2, noEndpoint: 0, notRecorded: 0, callerMismatch: [] });
    expect(b.cover).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.html).toContain('EVIDENCE NOT FROM AWS ENDPOINTS');
    expect(b.pdf.replace(/-\s+/g, '-')).toContain(`${s3}: ${why}`);
    expect(b.v.endpoints?.notAws).toEqual(b.summary.endpoints.notAws);
    expect(b.out).toContain(`WARNING (evidence origin): 2 of 12 collection records were collected from ${s3} (${why}), not an AWS service endpoint of their query's service, in 1 run(s)`);
    expect(b.out).toMatch(/VALID: every hash, signature and chain link checks out \(EVIDENCE NOT FROM AWS ENDPOINTS: 2 of 12 collection records, see above\)/);
  });

  it('bodies sealed before each operation\'s endpoint was recorded are judged per query as before, and every view says so', async () => {
    const b = await build(days(false));
    expect(b.summary.endpoints).toEqual({ records: 12, aws: 12, notAws: [], notAwsRecords: 0, noEndpoint: 0, notRecorded: 0, callerMismatch: [], matchedToQuery: 6 });
    const said = '6 of 12 were collected by a query that calls more than one service and sealed before the endpoint of each operation was recorded';
    expect(b.html).toContain(said);
    expect(b.pdf).toContain(said);
    expect(b.cover).not.toContain('NOT FROM AWS');
    expect(b.v.endpoints?.matchedToQuery).toBe(6);
    expect(b.out).toContain('  evidence origin: 6 of 12 collection records were collected by a query that calls more than one service and sealed before the endpoint of each operation was recorded: each origin was matched against any service of the query, not the one of the operation that called it');
  });
});

describe('a body whose hash checks out but does not read as an evidence body', () => {
  let b: Awaited<ReturnType<typeof build>>;
  let last: string;
  const recordId = `test.bucket-encryption/${ACCOUNTS[0]}/us-east-1`;
  beforeAll(async () => {
    b = await build([1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: both, provenance: true, callerArn: own })));
    last = readdirSync(join(b.dir, 'runs')).sort().at(-1)!;
  });

  /** The package with the record's body replaced by `bytes` and signed again with its own key; verified pinned to it. */
  async function verifiedWith(bytes: Buffer) {
    const d = join(mkdtempSync(join(tmpdir(), 'el-origin-bad-')), 'pkg');
    cpSync(b.dir, d, { recursive: true });
    // Every hash and signature checks out afterwards: only the body does not read.
    const path = await replaceBody(d, b.signer, last, recordId, bytes);
    const v = await verifyPackageDir(d, { expectedKeys: [await b.signer.fingerprint()] });
    return { path, v, out: formatVerification(v, 'pkg') };
  }

  /** INVALID with that one problem, the reason matching `why`; the record counted as unreadable, so never under "all went to AWS". */
  function expectNamed({ path, v, out }: Awaited<ReturnType<typeof verifiedWith>>, why: RegExp) {
    const message = `record ${recordId} of run ${last} is not a readable evidence body, so where it was collected from cannot be told (`;
    expect(v.problems).toEqual([{ path, message: expect.stringContaining(message) }]);
    expect(v.problems[0].message.slice(message.length, -1)).toMatch(why);
    expect(v.endpoints).toMatchObject({ records: 12, aws: 11, notRecorded: 0, unreadable: 1 });
    expect(out).toContain('WARNING (evidence origin): 1 of 12 collection records have a body that hashes right but is not a readable evidence body (named below): where they came from cannot be told');
    expect(out).toContain(`INVALID: 1 problem(s)\n  ${path}: ${message}`);
    expect(out).not.toContain('went to AWS service endpoints');
  }

  it('not JSON, or JSON null: INVALID, named by its path, record and run', async () => {
    expectNamed(await verifiedWith(Buffer.from('{"schema":"evidence-locker/evidence@1","accountId":"')), /JSON/);
    expectNamed(await verifiedWith(Buffer.from('null')), /^Cannot read properties of null \(reading 'provenance'\)$/);
  });

  it('JSON that is not an evidence body (no evidence schema): INVALID, not counted as "no provenance recorded"', async () => {
    expectNamed(await verifiedWith(Buffer.from('{"data":{"compliant":true}}')), /^its "schema" is absent, not evidence-locker\/evidence@1$/);
    expectNamed(await verifiedWith(Buffer.from('[]')), /^its "schema" is absent, not evidence-locker\/evidence@1$/);
    expectNamed(await verifiedWith(Buffer.from('{"schema":"evidence-locker/evidence@2","provenance":{"endpoint":"https://config.us-east-1.amazonaws.com"}}')), /^its "schema" is "evidence-locker\/evidence@2", not evidence-locker\/evidence@1$/);
  });
});

describe('a caller of another account', () => {
  it('is flagged in summary.json, on the cover and by verify', async () => {
    const b = await build([1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: both, provenance: true, callerArn: (a: string) => (n === 2 && a === ACCOUNTS[1] ? own('999999999999') : own(a)) })));
    expect(b.summary.endpoints.callerMismatch).toEqual([{ accountId: ACCOUNTS[1], callerArn: own('999999999999'), records: 2, runs: [expect.stringMatching(/^20260302T/)] }]);
    expect(b.summary.endpoints.notAwsRecords).toBe(0);
    expect(b.cover).toContain('COLLECTED BY A CALLER OF ANOTHER ACCOUNT');
    expect(b.v.ok).toBe(true);
    expect(b.out).toContain(`WARNING (evidence origin): 2 collection record(s) of account ${ACCOUNTS[1]} were collected by ${own('999999999999')}, a caller of another account, in 1 run(s)`);
  });
});

describe('bodies sealed before provenance was recorded', () => {
  it('are counted as not recorded, never as foreign', async () => {
    const b = await build([1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: both })));
    expect(b.summary.endpoints).toMatchObject({ records: 12, aws: 0, notAws: [], notAwsRecords: 0, notRecorded: 12, callerMismatch: [] });
    expect(b.cover).not.toContain('NOT FROM AWS');
    expect(b.out).toContain('WARNING (evidence origin): 12 of 12 collection records carry no provenance (sealed before it was recorded): which endpoint they came from cannot be told');
    expect(b.out).not.toContain('not an AWS service endpoint');
  });
});
