import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import { ScopeConfigSchema } from '../../src/config/scope.js';
import type { EvidenceBody, ManifestRecord } from '../../src/evidence/record.js';
import type { BucketEncryptionEvidence } from '../../src/queries/s3/bucket-encryption.js';
import type { TaggedResourcesEvidence } from '../../src/queries/tagging/resources.js';
import { MemoryStore, body } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const ACCOUNT = '111122223333';

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Tag scope test framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'Stored account data is unreadable', principal: '3', testingProcedures: ['3.5.1'], coverage: 'partial', rationale: 'Default bucket encryption shows part of it.', assessorGuidance: 'Ask for the key management procedure.', queries: ['s3.bucket-encryption'] },
    { id: '3.6.1', title: 'Encrypted data at rest everywhere', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] },
  ],
});

/** The scope declared by tags only: cardholder data in, sandbox out. */
const SCOPE = ScopeConfigSchema.parse({
  'pci-test': {
    description: 'cardholder data environment (by tag)',
    include: [{ tags: { 'data-classification': 'cardholder-data' }, reason: 'tagged as cardholder data' }],
    exclude: [{ tags: { environment: ['sandbox', 'dev-*'] }, reason: 'sandbox: no account data' }],
  },
});

const encrypted = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const }, BucketKeyEnabled: true }] } };
const CARDHOLDER = 'prod-cardholder-store';
const SANDBOX = 'team-scratch-7';

/**
 * One sealed run: the encrypted cardholder-data bucket and, optionally, an unencrypted sandbox bucket (failing);
 * the tags come from a tagging.resources record, or from an error record when the Tagging API refused the call.
 */
async function packageFiles(opts: { sandboxBucket: boolean; tagging: 'ok' | 'denied' | 'none'; scope?: boolean }): Promise<Record<string, string>> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  const records: ManifestRecord[] = [];
  const put = async (b: EvidenceBody, region: string) => {
    const bytes = canonicalBytes(b);
    const sha = sha256Hex(bytes);
    await store.putObject(sha, bytes);
    records.push({ recordId: `${b.queryId}/${ACCOUNT}/${region}`, queryId: b.queryId, accountId: ACCOUNT, region, status: b.status, collectedAt: '2026-11-02T02:00:05.000Z', sha256: sha, size: bytes.length });
  };
  const buckets: BucketEncryptionEvidence = { buckets: [{ Name: CARDHOLDER, CreationDate: new Date('2024-01-01T00:00:00Z'), BucketRegion: 'us-east-1' }], responses: [{ bucket: CARDHOLDER, region: 'us-east-1', response: encrypted }] };
  const tags: TaggedResourcesEvidence = { resourceTagMappings: [{ ResourceARN: `arn:aws:s3:::${CARDHOLDER}`, Tags: [{ Key: 'data-classification', Value: 'cardholder-data' }] }] };
  if (opts.sandboxBucket) {
    buckets.buckets.push({ Name: SANDBOX, CreationDate: new Date('2019-01-01T00:00:00Z'), BucketRegion: 'us-east-1' });
    buckets.responses.push({ bucket: SANDBOX, region: 'us-east-1', response: { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' } } });
    // Tagged both ways: the exclusion must win over the inclusion.
    tags.resourceTagMappings.push({ ResourceARN: `arn:aws:s3:::${SANDBOX}`, Tags: [{ Key: 'data-classification', Value: 'cardholder-data' }, { Key: 'environment', Value: 'dev-team7' }] });
  }
  await put(body('s3.bucket-encryption', ACCOUNT, 'global', JSON.parse(JSON.stringify(buckets))), 'global');
  if (opts.tagging === 'ok') await put({ ...body('tagging.resources', ACCOUNT, 'us-east-1', JSON.parse(JSON.stringify(tags))), operations: ['tag:GetResources'] }, 'us-east-1');
  if (opts.tagging === 'denied') {
    await put({ ...body('tagging.resources', ACCOUNT, 'us-east-1', undefined, { code: 'AccessDeniedException', message: 'User is not authorized to perform: tag:GetResources', operation: 'tag:GetResources' } as EvidenceBody['error']), operations: ['tag:GetResources'] }, 'us-east-1');
  }
  const queries = ['s3.bucket-encryption', ...(opts.tagging === 'none' ? [] : ['tagging.resources'])];
  await sealRun(store, signer, {
    runId: '20261102T020000Z-000001',
    kind: 'collection',
    chain: 'default',
    startedAt: new Date('2026-11-02T02:00:00.000Z'),
    completedAt: new Date('2026-11-02T02:05:00.000Z'),
    scope: { accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['pci-test'], queries },
    records,
  });
  const out = mkdtempSync(join(tmpdir(), 'el-tagscope-'));
  const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: '2026-11-02', to: '2026-11-02', outDir: out, organization: 'Acme', ...(opts.scope === false ? {} : { scope: SCOPE }) });
  const dir = mkdtempSync(join(tmpdir(), 'el-tagscope-x-'));
  await extractPackageZip(built.zipPath, dir);
  return Object.fromEntries(['controls.csv', 'population.csv', 'findings.csv', 'summary.json'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const statuses = (csv: string) => Object.fromEntries(csvRows(csv).map((r) => [r.requirement, r.status]));

describe('a package whose scope is declared by tags', () => {
  let unscoped: Record<string, string>;
  let scoped: Record<string, string>;
  let withoutBucket: Record<string, string>;
  let tagsDenied: Record<string, string>;
  let tagsMissing: Record<string, string>;
  beforeAll(async () => {
    [unscoped, scoped, withoutBucket, tagsDenied, tagsMissing] = await Promise.all([
      packageFiles({ sandboxBucket: true, tagging: 'ok', scope: false }),
      packageFiles({ sandboxBucket: true, tagging: 'ok' }),
      packageFiles({ sandboxBucket: false, tagging: 'ok' }),
      packageFiles({ sandboxBucket: true, tagging: 'denied' }),
      packageFiles({ sandboxBucket: true, tagging: 'none' }),
    ]);
  }, 240_000);

  it('an out-of-scope failing bucket (excluded by its tag) changes no requirement status: same as if it did not exist', () => {
    expect(statuses(unscoped['controls.csv'])).toEqual({ '3.5.1': 'fail', '3.6.1': 'fail' });
    expect(statuses(scoped['controls.csv'])).toEqual(statuses(withoutBucket['controls.csv']));
    expect(statuses(scoped['controls.csv'])).toEqual({ '3.5.1': 'aws-portion-satisfied', '3.6.1': 'pass' });
    expect(csvRows(scoped['findings.csv'])).toEqual([]);
  });

  it('lists both buckets in the population with the tag-based reason', () => {
    const pop = csvRows(scoped['population.csv']);
    expect(pop.filter((r) => r.resource === SANDBOX).map((r) => [r.in_scope, r.status, r.check_result, r.scope_reason])).toEqual([
      ['false', 'out-of-scope', 'fail', 'excluded: sandbox: no account data'],
      ['false', 'out-of-scope', 'fail', 'excluded: sandbox: no account data'],
    ]);
    expect(pop.filter((r) => r.resource === CARDHOLDER).map((r) => [r.in_scope, r.scope_reason])).toEqual([
      ['true', 'tagged as cardholder data'],
      ['true', 'tagged as cardholder data'],
    ]);
    expect(JSON.parse(scoped['summary.json']).scope['pci-test'].statement).toMatch(/selected by tag data-classification=cardholder-data; 1 exclusion\(s\) by tag environment=sandbox\|dev-\*$/);
  });

  it('when the tags could not be read, names every bucket "scope unknown" and counts it in scope: the failure is not hidden', () => {
    for (const pkg of [tagsDenied, tagsMissing]) {
      const pop = csvRows(pkg['population.csv']);
      expect(pop.length).toBe(4);
      for (const r of pop) {
        expect(r.in_scope).toBe('true');
        expect(r.scope_reason).toMatch(/^scope unknown: its tags could not be read/);
      }
      expect(statuses(pkg['controls.csv'])).toEqual({ '3.5.1': 'fail', '3.6.1': 'fail' });
      const reasons = csvRows(pkg['controls.csv']).map((r) => r.reasons).join(' ');
      expect(reasons).toMatch(/SCOPE UNKNOWN: 2 resource checks counted as in scope/);
    }
    expect(csvRows(tagsDenied['population.csv'])[0].scope_reason).toContain('tagging.resources failed in us-east-1: AccessDeniedException');
    expect(csvRows(tagsMissing['population.csv'])[0].scope_reason).toContain('tagging.resources was not collected');
  });
});
