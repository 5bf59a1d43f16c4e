import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import type { BucketEncryptionEvidence } from '../../src/queries/s3/bucket-encryption.js';
import type { LogGroupsEvidence } from '../../src/queries/logs/retention.js';
import { MemoryStore, body } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const ACCOUNT = '111122223333';
const BUCKETS = 150;
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1'];
const DAYS = ['2026-11-01', '2026-11-02'];

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Population test framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'Stored account data is unreadable', principal: '3', testingProcedures: ['3.5.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] },
    { id: '10.5.1', title: 'Audit logs are kept', principal: '10', testingProcedures: ['10.5.1'], coverage: 'automated', rationale: 'Log group retention shows it.', queries: ['logs.retention'] },
  ],
});

const encrypted = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const }, BucketKeyEnabled: true }] } };
const bucketName = (i: number) => `bucket-${String(i).padStart(3, '0')}`;

/** One run per day: 150 buckets (every tenth one unencrypted) and one log group in each of 12 regions. */
async function sealedStore(): Promise<{ store: MemoryStore; signer: LocalEd25519Signer }> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  let seq = 0;
  for (const day of DAYS) {
    const put = async (queryId: string, region: string, data: unknown): Promise<ManifestRecord> => {
      const bytes = canonicalBytes(body(queryId, ACCOUNT, region, JSON.parse(JSON.stringify(data))));
      const sha = sha256Hex(bytes);
      await store.putObject(sha, bytes);
      return { recordId: `${queryId}/${ACCOUNT}/${region}`, queryId, accountId: ACCOUNT, region, status: 'ok', collectedAt: `${day}T02:00:05.000Z`, sha256: sha, size: bytes.length };
    };
    const buckets: BucketEncryptionEvidence = { buckets: [], responses: [] };
    for (let i = 0; i < BUCKETS; i++) {
      buckets.buckets.push({ Name: bucketName(i), CreationDate: new Date('2024-01-01T00:00:00Z'), BucketRegion: 'us-east-1' });
      buckets.responses.push({ bucket: bucketName(i), region: 'us-east-1', response: i % 10 === 0 ? { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' } } : encrypted });
    }
    const records = [await put('s3.bucket-encryption', 'global', buckets)];
    for (const region of REGIONS) {
      const logs: LogGroupsEvidence = { logGroups: [{ logGroupName: `/app/${region}`, logGroupArn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:/app/${region}`, retentionInDays: 400, creationTime: Date.parse(`${day}T00:00:00Z`) - 1000 * 86_400_000 }] };
      records.push(await put('logs.retention', region, { ...logs, day }));
    }
    await sealRun(store, signer, {
      runId: `${day.replaceAll('-', '')}T020000Z-00000${++seq}`,
      kind: 'collection',
      chain: 'default',
      startedAt: new Date(`${day}T02:00:00.000Z`),
      completedAt: new Date(`${day}T02:05:00.000Z`),
      scope: { accounts: [ACCOUNT], regions: REGIONS, frameworks: ['pci-test'], queries: ['s3.bucket-encryption', 'logs.retention'] },
      records,
    });
  }
  return { store, signer };
}

describe('a package whose requirements judge many resources and cite many records', () => {
  let files: Record<string, string>;
  let pdfText = '';
  beforeAll(async () => {
    const { store, signer } = await sealedStore();
    const out = mkdtempSync(join(tmpdir(), 'el-pop-'));
    const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: DAYS[0], to: DAYS[DAYS.length - 1], outDir: out, organization: 'Acme' });
    const dir = mkdtempSync(join(tmpdir(), 'el-pop-x-'));
    await extractPackageZip(built.zipPath, dir);
    files = Object.fromEntries(['population.csv', 'findings.csv', 'index.html', 'evidence-index.csv'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    try {
      pdfText = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      // pdftotext (poppler-utils) is not installed: the report text checks are skipped.
    }
  }, 240_000);

  it('population.csv lists every one of the 150 buckets judged, passing ones included', () => {
    const pop = csvRows(files['population.csv']).filter((r) => r.requirement === '3.5.1');
    expect(pop).toHaveLength(BUCKETS);
    expect(new Set(pop.map((r) => r.resource))).toEqual(new Set(Array.from({ length: BUCKETS }, (_x, i) => bucketName(i))));
    expect(pop.filter((r) => r.status === 'fail')).toHaveLength(BUCKETS / 10);
    expect(pop.filter((r) => r.status === 'pass')).toHaveLength(BUCKETS - BUCKETS / 10);
  });

  it('the findings register has every failing bucket, and index.html embeds and shows the whole population', () => {
    expect(csvRows(files['findings.csv'])).toHaveLength(BUCKETS / 10);
    const html = files['index.html'];
    const data = JSON.parse(html.match(/<script id="package-data" type="application\/json">([\s\S]*?)<\/script>/)![1].replace(/\\u003c/g, '<'));
    expect(data.assessor.populationTotal).toBe(BUCKETS + REGIONS.length);
    expect(data.assessor.population).toHaveLength(BUCKETS + REGIONS.length);
    for (let i = 0; i < BUCKETS; i++) expect(html).toContain(`<td>${bucketName(i)} (${ACCOUNT} global)</td>`);
  });

  it('the report counts the whole population', () => {
    if (!pdfText) return;
    expect(pdfText).toMatch(new RegExp(`${BUCKETS + REGIONS.length} rows in all`));
  });
});

describe('the report lists every evidence record of a requirement by its reference', () => {
  it('shows the 12 records of the latest evaluation as rows and continues with the 12 of the day before, by reference', async () => {
    const { store, signer } = await sealedStore();
    const out = mkdtempSync(join(tmpdir(), 'el-pop-'));
    const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: DAYS[0], to: DAYS[1], outDir: out, organization: 'Acme' });
    const dir = mkdtempSync(join(tmpdir(), 'el-pop-x-'));
    await extractPackageZip(built.zipPath, dir);
    let text: string;
    try {
      text = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      return; // pdftotext (poppler-utils) is not installed
    }
    // evidence-index.csv numbers day 1: E-0001 (buckets), E-0002..E-0013 (log groups); day 2: E-0014, E-0015..E-0026.
    const index = csvRows(readFileSync(join(dir, 'evidence-index.csv'), 'utf8'));
    expect(index.filter((r) => r.query === 'logs.retention').map((r) => r.ref)).toEqual(Array.from({ length: 24 }, (_x, i) => `E-${String(i < 12 ? i + 2 : i + 3).padStart(4, '0')}`));
    const section = text.slice(text.search(/10\.5\.1 Audit logs are kept +PASS/));
    expect(section).toContain('Evidence of the latest evaluation: 12 record(s); 24 over the period');
    for (let n = 15; n <= 26; n++) expect(section).toContain(`E-00${n}`);
    expect(section.replace(/\s+/g, ' ')).toContain('Other evidence records of the period (12), continued from the table: E-0002 to E-0013.');
    expect(section).not.toMatch(/latest shown/);
  }, 240_000);
});
