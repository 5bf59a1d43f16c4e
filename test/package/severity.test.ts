import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../src/seal/canonical.js';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { SEVERITY_BY_QUERY, severityOf } from '../../src/package/findings.js';
import { publicAccessBlock } from '../../src/queries/s3/public-access-block.js';
import { publicAccess } from '../../src/queries/rds/public-access.js';
import type { ControlResult } from '../../src/evaluate/types.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import { publicBucketsEvidence } from '../fixtures/s3/buckets.js';
import { badDb } from '../fixtures/rds/rds.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';
import { cpSync } from 'node:fs';
import { verifyPackageDir } from '../../src/verify/package.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { findingsCsvBeforeRevision7, replacePackageFiles } from '../support/resign-package.js';
import { SUMMARY_REVISION } from '../../src/package/assessor.js';

const ctx = { accountId: '111122223333', region: 'us-east-1', collectedAt: '2025-06-01T00:00:00.000Z' };

type Finding = ControlResult['findings'][number];

/** A package of the standard days whose failing findings are rewritten by `rewrite` (given the run's day), unzipped. */
async function packageWithFailures(prefix: string, rewrite: (f: Finding, day: string) => Finding) {
  const store = new MemoryStore();
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const signer = await sealDays(store, standardDays());
  const evaluate = async (input: EvaluateRunInput): Promise<ControlResult[]> => {
    const day = input.manifest.startedAt.slice(0, 10);
    return (await fixtureEvaluate(input)).map((r) => ({ ...r, findings: r.findings.map((f) => rewrite(f, day)) }));
  };
  // Built on a day before every build wrote summary revision 7, so an earlier build's package of it can be made.
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate, builtAt: new Date('2026-03-09T10:00:00Z') });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  return { dir, signer, evaluate };
}

describe('severity follows what the failing evidence shows', () => {
  it('an S3 bucket is critical when its evidence shows it public, high when only a Block Public Access protection is off', () => {
    const results = publicAccessBlock.evaluate(JSON.parse(canonicalJson(publicBucketsEvidence)), {} as never, ctx);
    const sev = (b: string) => severityOf('s3.public-access-block', results.find((r) => r.resource === b)!);
    expect(sev('legacy-exports')).toBe('critical'); // a public bucket policy
    expect(sev('access-logs-111122223333')).toBe('critical'); // a public ACL grant
    expect(sev('cardholder-data')).toBe('high'); // protections off, policy and ACL not public today
    expect(sev('account')).toBe('high');
    expect(SEVERITY_BY_QUERY['s3.public-access-block']).toBe('high');
  });

  it('an RDS instance with PubliclyAccessible is high: the setting permits access, the evidence does not show it reached', () => {
    const results = publicAccess.evaluate(JSON.parse(canonicalJson({ dbInstances: [badDb] })), {} as never, ctx);
    const failing = results.find((r) => r.status === 'fail')!;
    expect(failing).toBeDefined();
    expect(severityOf('rds.public-access', failing)).toBe('high');
  });

  it('the evaluation states a public bucket as a structured fact (exposure: public), and the raise is keyed on it, not on the wording', () => {
    const results = publicAccessBlock.evaluate(JSON.parse(canonicalJson(publicBucketsEvidence)), {} as never, ctx);
    const of = (b: string) => results.find((r) => r.resource === b)!;
    expect(of('legacy-exports').exposure).toBe('public');
    expect(of('access-logs-111122223333').exposure).toBe('public');
    expect(of('cardholder-data').status).toBe('fail');
    expect(of('cardholder-data').exposure).toBeUndefined();
    expect(of('account').exposure).toBeUndefined();
    // Reworded reason, same fact: still critical.
    expect(severityOf('s3.public-access-block', { reason: 'the bucket grants everyone READ', exposure: 'public' })).toBe('critical');
    // A result without the structured fact (an evaluation written before it) is judged by its reason, as it always was.
    expect(severityOf('s3.public-access-block', { reason: 'bucket b is public: its ACL grants READ to everyone (AllUsers) and IgnorePublicAcls is not in effect' })).toBe('critical');
    expect(severityOf('s3.public-access-block', { reason: 'bucket b has no bucket-level configuration' })).toBe('high');
  });

  it('keeps the critical checks whose failing evidence shows the harm itself', () => {
    for (const q of ['iam.root-access-keys', 'cloudtrail.trail-logging', 'rds.snapshot-sharing']) expect(SEVERITY_BY_QUERY[q], q).toBe('critical');
  });

  describe('in the package: a bucket public on one day and only unprotected later', () => {
    let dir: string;
    // Account 2's logs bucket fails 1.1 on 2026-03-03 and 2026-03-05: public on the first day, protections off on the last.
    beforeAll(async () => {
      ({ dir } = await packageWithFailures('el-severity-', (f, day) =>
        f.status === 'fail'
          ? { ...f, queryId: 's3.public-access-block', reason: day === '2026-03-03' ? `bucket ${f.resource} is public: its ACL grants READ to everyone (AllUsers) and IgnorePublicAcls is not in effect` : `bucket ${f.resource} has no bucket-level configuration, and neither level sets BlockPublicAcls; its policy and ACL are not public today` }
          : f,
      ));
    });

    it('findings.csv and summary.json make it critical, its detail naming the day and the reason that showed it public', () => {
      const rows = csvRows(readFileSync(join(dir, 'findings.csv'), 'utf8')).filter((r) => r.account === ACCOUNTS[1]);
      expect(rows.length).toBe(1);
      expect(rows[0].severity).toBe('critical');
      expect(rows[0].detail).toMatch(/^bucket \S+ has no bucket-level configuration/);
      expect(rows[0].detail).toContain('(critical by the published rule: on 2026-03-03 the bucket is public');
      expect(rows[0].detail).toContain('its ACL grants READ to everyone (AllUsers)');
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.findingsBySeverity.critical).toBe(1);
    });
  });

  describe('in the package: a bucket the evaluation states public (structured), whatever its reason says', () => {
    let dir: string;
    let signer: LocalEd25519Signer;
    let evaluate: (input: EvaluateRunInput) => Promise<ControlResult[]>;
    // Account 2's logs bucket: stated public on 2026-03-03 in words the old text rule does not match, only unprotected later.
    beforeAll(async () => {
      ({ dir, signer, evaluate } = await packageWithFailures('el-severity-structured-', (f, day) =>
        f.status === 'fail'
          ? day === '2026-03-03'
            ? { ...f, queryId: 's3.public-access-block', reason: `anyone can read ${f.resource} through its ACL`, exposure: 'public' as const }
            : { ...f, queryId: 's3.public-access-block', reason: `bucket ${f.resource} has no bucket-level configuration, and neither level sets BlockPublicAcls; its policy and ACL are not public today` }
          : f,
      ));
    });

    it('is critical in findings.csv and summary.json, the raise shown beside the severity in index.html, report.pdf and OSCAL', () => {
      const rows = csvRows(readFileSync(join(dir, 'findings.csv'), 'utf8')).filter((r) => r.account === ACCOUNTS[1]);
      expect(rows.length).toBe(1);
      expect(rows[0].severity).toBe('critical');
      expect(rows[0].detail).toContain('(critical by the published rule: on 2026-03-03 the bucket is public');
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).findingsBySeverity.critical).toBe(1);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain('critical (raised: bucket public on 2026-03-03)');
      const oscal = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
      const risks = oscal['assessment-results'].results.flatMap((r: { risks?: { props: { name: string; value: string }[] }[] }) => r.risks ?? []);
      const raised = risks.flatMap((r: { props: { name: string; value: string }[] }) => r.props.filter((p) => p.name === 'severity-raised'));
      expect(raised.map((p: { value: string }) => p.value)).toEqual(['bucket public on 2026-03-03']);
      // The narrow severity cell wraps beside the resource cell: read the text without the page layout or whitespace.
      const pdf = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
      // (pdftotext joins a word broken after a hyphen without it.)
      expect(pdf).toMatch(/CRITICAL.{0,80}raised:bucketpublicon2026-?03-03/);
    });

    it('was: findings.csv carried the raise only inside its detail text; now its last column, severity_raised, names it (summary revision 7), and verify --recompute finds it again', async () => {
      const text = readFileSync(join(dir, 'findings.csv'), 'utf8');
      expect(text.slice(0, text.indexOf('\r\n')).split(',').at(-1)).toBe('severity_raised');
      const rows = csvRows(text);
      expect(rows.filter((r) => r.account === ACCOUNTS[1]).map((r) => r.severity_raised)).toEqual(['bucket public on 2026-03-03']);
      expect(rows.filter((r) => r.account !== ACCOUNTS[1]).every((r) => r.severity_raised === '')).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).summaryRevision).toBe(SUMMARY_REVISION);
      const fp = await signer.fingerprint();
      const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate } });
      expect(v.recompute?.ran).toBe(true);
      expect(v.problems).toEqual([]);

      // The same package as a build of revision 6 wrote it (no column, summaryRevision 6), signed again: still identical.
      const older = mkdtempSync(join(tmpdir(), 'el-severity-rev6-'));
      cpSync(dir, older, { recursive: true });
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      await replacePackageFiles(older, signer, { 'findings.csv': findingsCsvBeforeRevision7(dir), 'summary.json': Buffer.from(JSON.stringify({ ...summary, summaryRevision: 6 }, null, 1) + '\n', 'utf8') });
      const old = await verifyPackageDir(older, { expectedKeys: [fp], recompute: { evaluate } });
      expect(old.recompute?.ran).toBe(true);
      expect(old.problems).toEqual([]);
    }, 180_000);
  });
});
