import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListRegionsCommandOutput } from '@aws-sdk/client-account';
import type { GetEbsEncryptionByDefaultCommandOutput } from '@aws-sdk/client-ec2';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import { ScopeConfigSchema, type ScopeConfig } from '../../src/config/scope.js';
import type { EvidenceBody, ManifestRecord } from '../../src/evidence/record.js';
import { ENABLED_REGIONS_QUERY_ID } from '../../src/queries/account/enabled-regions.js';
import { MemoryStore, body } from './fixtures.js';
import { csvRows } from './csv-rows.js';
import type { PackageSummaryJson } from '../../src/package/assessor.js';

const ACCOUNT = '111122223333';

/** One requirement with a regional check (EBS encryption by default, per region), one with a global one (S3 buckets). */
const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Region coverage test framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'New volumes are encrypted', principal: '3', testingProcedures: ['3.5.1'], coverage: 'automated', rationale: 'EBS encryption by default shows it.', queries: ['ec2.ebs-default-encryption'] },
    { id: '3.6.1', title: 'Buckets are encrypted', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] },
  ],
});

/** ListRegions as the Account API reference documents it: us-east-1 and eu-west-1 enabled, af-south-1 not. */
const LIST_REGIONS: Omit<ListRegionsCommandOutput, '$metadata'> = {
  Regions: [
    { RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' },
    { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
    { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
  ],
};
const EBS_ON: Omit<GetEbsEncryptionByDefaultCommandOutput, '$metadata'> = { EbsEncryptionByDefault: true, SseType: 'sse-ebs' };
const BUCKETS = {
  buckets: [{ Name: 'cards', CreationDate: '2024-01-01T00:00:00.000Z', BucketRegion: 'us-east-1' }],
  responses: [{ bucket: 'cards', region: 'us-east-1', response: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }] } } }],
};

const EXCLUSION_REASON = 'no workloads: a service control policy denies eu-west-1';

interface Unpacked {
  statuses: Record<string, string>;
  reasons: Record<string, string>;
  html: string;
  oscal: string;
  summary: PackageSummaryJson;
  pdf: string;
}

/**
 * One sealed run collected in us-east-1 only. `regions`: the run's account.enabled-regions record lists the regions
 * (`ok`), is an AccessDenied error record (`denied`), or the run was sealed before the query existed (`not-recorded`).
 */
async function packageOf(regions: 'ok' | 'denied' | 'not-recorded', scope?: ScopeConfig): Promise<Unpacked> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  const records: ManifestRecord[] = [];
  const put = async (b: EvidenceBody, region: string) => {
    const bytes = canonicalBytes(b);
    const sha = sha256Hex(bytes);
    await store.putObject(sha, bytes);
    records.push({ recordId: `${b.queryId}/${ACCOUNT}/${region}`, queryId: b.queryId, accountId: ACCOUNT, region, status: b.status, collectedAt: '2026-11-02T02:00:05.000Z', sha256: sha, size: bytes.length });
  };
  await put({ ...body('ec2.ebs-default-encryption', ACCOUNT, 'us-east-1', EBS_ON), operations: ['ec2:GetEbsEncryptionByDefault'] }, 'us-east-1');
  await put(body('s3.bucket-encryption', ACCOUNT, 'global', BUCKETS), 'global');
  if (regions === 'ok') await put({ ...body(ENABLED_REGIONS_QUERY_ID, ACCOUNT, 'global', JSON.parse(JSON.stringify({ regions: LIST_REGIONS.Regions }))), operations: ['account:ListRegions'] }, 'global');
  if (regions === 'denied') {
    await put(
      {
        ...body(ENABLED_REGIONS_QUERY_ID, ACCOUNT, 'global', undefined, { code: 'AccessDeniedException', message: 'User is not authorized to perform: account:ListRegions', operation: 'account:ListRegions' } as EvidenceBody['error']),
        operations: ['account:ListRegions'],
      },
      'global',
    );
  }
  const queries = ['ec2.ebs-default-encryption', 's3.bucket-encryption', ...(regions === 'not-recorded' ? [] : [ENABLED_REGIONS_QUERY_ID])];
  await sealRun(store, signer, {
    runId: '20261102T020000Z-000001',
    kind: 'collection',
    chain: 'default',
    startedAt: new Date('2026-11-02T02:00:00.000Z'),
    completedAt: new Date('2026-11-02T02:05:00.000Z'),
    scope: { accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['pci-test'], queries },
    records,
  });
  const out = mkdtempSync(join(tmpdir(), 'el-regions-'));
  const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: '2026-11-02', to: '2026-11-02', outDir: out, organization: 'Acme', ...(scope ? { scope } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'el-regions-x-'));
  await extractPackageZip(built.zipPath, dir);
  const rows = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
  let pdf: string;
  try {
    pdf = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    pdf = '(pdftotext not installed)';
  }
  return {
    statuses: Object.fromEntries(rows.map((r) => [r.requirement, r.status])),
    reasons: Object.fromEntries(rows.map((r) => [r.requirement, r.reasons])),
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    oscal: readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'),
    summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as PackageSummaryJson,
    pdf: pdf.replace(/\s+/g, ' '),
  };
}

const pdfHas = (pdf: string, phrase: string) => pdf === '(pdftotext not installed)' || pdf.includes(phrase);

describe('enabled regions that no run collected', () => {
  it('are named in the scope of every view, and a requirement with regional checks needs review instead of passing', async () => {
    const p = await packageOf('ok');
    expect(p.statuses['3.5.1']).toBe('needs-review');
    expect(p.reasons['3.5.1']).toMatch(/ENABLED REGIONS NOT COLLECTED: account 111122223333 has enabled region\(s\) eu-west-1 that this run did not collect \(collected: us-east-1\)/);
    // A requirement whose checks are global is not about regions: it passes.
    expect(p.statuses['3.6.1']).toBe('pass');
    expect(p.html).toMatch(/ENABLED BUT NEVER COLLECTED in the period, in scope for pci-test: eu-west-1/);
    expect(p.html).toContain('1 ENABLED REGION(S) NEVER COLLECTED and not declared out of scope');
    // Not enabled: never named as uncollected.
    expect(p.html).not.toMatch(/NEVER COLLECTED[^<]*af-south-1/);
    expect(p.oscal).toMatch(/ENABLED BUT NEVER COLLECTED in the period, in scope for pci-test: eu-west-1/);
    expect(pdfHas(p.pdf, 'ENABLED REGIONS NOT COLLECTED OR UNKNOWN')).toBe(true);
    expect(pdfHas(p.pdf, 'ENABLED BUT NEVER COLLECTED in the period, in scope for pci-test: eu-west-1')).toBe(true);
    // summary.json, for dashboards, says the same.
    expect(p.summary.regions).toEqual([{ accountId: ACCOUNT, enabled: ['eu-west-1', 'us-east-1'], collected: ['us-east-1'], uncollected: [{ region: 'eu-west-1', inScopeFor: ['pci-test'] }], runsEnabledRegionsUnknown: 0, runsEnabledRegionsNotRecorded: 0 }]);
  });

  it('do not cap a requirement when the declared scope excludes the region with a reason, which the scope prints', async () => {
    const scope = ScopeConfigSchema.parse({ 'pci-test': { description: 'cardholder data environment', exclude: [{ region: 'eu-west-1', reason: EXCLUSION_REASON }] } });
    const p = await packageOf('ok', scope);
    expect(p.statuses['3.5.1']).toBe('pass');
    expect(p.reasons['3.5.1']).not.toMatch(/ENABLED REGIONS/);
    expect(p.html).toContain(`enabled but never collected, declared out of scope (pci-test: excluded: ${EXCLUSION_REASON}): eu-west-1`);
    expect(p.html).toContain('1 other enabled region(s) not collected, declared out of scope');
    expect(pdfHas(p.pdf, 'ENABLED REGIONS NOT COLLECTED OR UNKNOWN')).toBe(false);
    expect(p.summary.regions?.[0].uncollected).toEqual([{ region: 'eu-west-1', inScopeFor: [] }]);
  });

  it('an exclusion narrower than the whole region (a resource type there) does not take the region out of scope', async () => {
    const scope = ScopeConfigSchema.parse({ 'pci-test': { exclude: [{ region: 'eu-west-1', resourceType: 'AWS::EC2::Instance', reason: 'test instances only' }] } });
    expect((await packageOf('ok', scope)).statuses['3.5.1']).toBe('needs-review');
  });
});

describe('enabled regions that could not be read', () => {
  it('a denied ListRegions makes them unknown, said in the scope and in the requirement, never a pass', async () => {
    const p = await packageOf('denied');
    expect(p.statuses['3.5.1']).toBe('needs-review');
    expect(p.reasons['3.5.1']).toMatch(/ENABLED REGIONS UNKNOWN: the enabled regions of account 111122223333 are unknown \(account:ListRegions: AccessDeniedException: User is not authorized/);
    expect(p.statuses['3.6.1']).toBe('pass');
    expect(p.html).toMatch(/ENABLED REGIONS UNKNOWN in 1 of 1 run\(s\) \(account:ListRegions: AccessDeniedException/);
    expect(p.html).toContain('ENABLED REGIONS UNKNOWN for 1 account(s)');
    expect(p.summary.regions?.[0]).toMatchObject({ enabled: [], runsEnabledRegionsUnknown: 1, runsEnabledRegionsNotRecorded: 0 });
  });

  it('a scope that names only collected regions leaves nothing unknown to cap', async () => {
    const scope = ScopeConfigSchema.parse({ 'pci-test': { regions: ['us-east-1'] } });
    expect((await packageOf('denied', scope)).statuses['3.5.1']).toBe('pass');
  });
});

describe('runs sealed before the enabled regions were recorded', () => {
  it('say "not recorded" and keep their results', async () => {
    const p = await packageOf('not-recorded');
    expect(p.statuses['3.5.1']).toBe('pass');
    expect(p.reasons['3.5.1']).not.toMatch(/ENABLED REGIONS/);
    expect(p.html).toMatch(/enabled regions not recorded by 1 of 1 run\(s\)/);
    expect(p.html).toContain('enabled regions not recorded for 1 account(s)');
    expect(p.summary.regions?.[0]).toMatchObject({ runsEnabledRegionsUnknown: 0, runsEnabledRegionsNotRecorded: 1 });
  });
});
