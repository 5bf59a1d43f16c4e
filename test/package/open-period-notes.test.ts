import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage, type BuildPackageOptions } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import type { BucketEncryptionEvidence } from '../../src/queries/s3/bucket-encryption.js';
import { rewriteSummary } from '../support/resign-package.js';
import { csvRows } from './csv-rows.js';
import { MemoryStore, body } from './fixtures.js';

const ACCOUNT = '111122223333';
const Q = 's3.bucket-encryption';
const LAST_RUN = '2026-11-02T02:05:00.000Z';

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Open period notes framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'Stored account data is unreadable', principal: '3', testingProcedures: ['3.5.1.a'], coverage: 'partial', rationale: 'Default bucket encryption shows part of it.', assessorGuidance: 'Ask for the key management procedure.', queries: [Q] },
    { id: '3.6.1', title: 'Encrypted data at rest everywhere', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: [Q] },
  ],
});
const MAPS = [{ framework: 'pci-test', procedures: ['3.5.1.a', '3.6.1'].map((procedure) => ({ procedure, requirement: procedure.replace(/\.a$/, ''), method: 'examine-configuration' as const, queries: [Q], shows: 'Whether each bucket encrypts new objects by default.' })) }];

/** Encrypted or not by day. */
const PASSING = { '2026-11-02': true };

/**
 * A run a day at 02:00 (completed 02:05), in which every bucket encrypts by default or none does, packaged at `builtAt`
 * (its signer returned for re-signing).
 */
async function build(builtAt: Date, extra: Partial<BuildPackageOptions> = {}, days: Record<string, boolean> = PASSING): Promise<{ dir: string; signer: LocalEd25519Signer }> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  const names = ['cardholder-data-01', 'cardholder-data-02'];
  for (const [day, encrypted] of Object.entries(days)) {
    const data: BucketEncryptionEvidence = {
      buckets: names.map((Name) => ({ Name, CreationDate: new Date('2024-01-01T00:00:00Z'), BucketRegion: 'us-east-1' })),
      responses: names.map((bucket) => ({
        bucket,
        region: 'us-east-1',
        response: encrypted ? { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } } : { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' } },
      })),
    };
    const bytes = canonicalBytes(body(Q, ACCOUNT, 'us-east-1', JSON.parse(JSON.stringify(data))));
    const sha = sha256Hex(bytes);
    await store.putObject(sha, bytes);
    await sealRun(store, signer, {
      runId: `${day.replaceAll('-', '')}T020000Z-000001`,
      kind: 'collection',
      chain: 'default',
      startedAt: new Date(`${day}T02:00:00.000Z`),
      completedAt: new Date(`${day}T02:05:00.000Z`),
      scope: { accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['pci-test'], queries: [Q] },
      records: [{ recordId: `${Q}/${ACCOUNT}/us-east-1`, queryId: Q, accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: `${day}T02:00:05.000Z`, sha256: sha, size: bytes.length }],
    });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'el-open-notes-'));
  const dates = Object.keys(days).sort();
  const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: dates[0], to: dates[dates.length - 1], outDir: join(tmp, 'out'), organization: 'Acme', procedureMaps: MAPS, builtAt, ...extra });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(built.zipPath, dir);
  return { dir, signer };
}

function notes(dir: string): Record<string, string> {
  return Object.fromEntries(csvRows(readFileSync(join(dir, 'testing-procedures.csv'), 'utf8')).map((r) => [r.procedure, r.note]));
}

describe('testing-procedure notes of a package built before its period ended', () => {
  let open: Awaited<ReturnType<typeof build>>;
  let ended: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    open = await build(new Date('2026-11-02T09:30:00Z'));
    ended = await build(new Date('2026-11-03T09:30:00Z'));
  }, 120_000);

  it('say the proposed findings hold as of the last run, not at an end of the period that had not come', () => {
    const n = notes(open.dir);
    expect(n['3.6.1']).toContain(`as of the last run (${LAST_RUN}; the period had not ended), and none failed, lacked evidence or needed review on any day of the period up to that run`);
    expect(n['3.5.1.a']).toContain(`AWS portion in place: 2 in-scope resource(s) pass ${Q}`);
    expect(n['3.5.1.a']).toContain(`as of the last run (${LAST_RUN}; the period had not ended)`);
    for (const note of Object.values(n)) expect(note).not.toContain('at the end of the period');
    // OSCAL: the procedure's finding says the same, in sentences that end once.
    const oscal = JSON.parse(readFileSync(join(open.dir, 'oscal', 'assessment-results.json'), 'utf8'))['assessment-results'].results[0];
    const portion = oscal.findings.find((f: { title: string }) => f.title === '3.5.1.a (pci-test): proposed aws-portion-in-place');
    expect(portion.target.status.remarks).toContain(`the procedure's AWS checks passed on every day of the period up to the last run (${LAST_RUN}; the period had not ended), but`);
    expect(portion.description).toContain('Whether each bucket encrypts new objects by default. Method: examine-configuration;');
    expect(JSON.stringify(oscal)).not.toContain('.. ');
    // A period that had ended when the package was built keeps its wording.
    const e = notes(ended.dir);
    expect(e['3.6.1']).toContain('at the end of the period, and none failed, lacked evidence or needed review on any day of it');
    expect(e['3.6.1']).not.toContain('as of the last run');
  });

  it('verify --recompute: the package is identical; one of an earlier revision, which wrote "at the end of the period", is identical too', async () => {
    const fresh = await verifyPackageDir(open.dir, { recompute: true });
    expect(fresh.problems).toEqual([]);
    expect(fresh.recompute?.compared.length).toBeGreaterThan(0);
    // What a build of revision 6 wrote for the same open period.
    const earlier = await build(new Date('2026-11-02T09:30:00Z'), { revision6Notes: true });
    expect(notes(earlier.dir)['3.6.1']).toContain('at the end of the period, and none failed');
    await rewriteSummary(earlier.dir, earlier.signer, (summary) => void (summary.summaryRevision = 6), { earlierBuild: true });
    const v = await verifyPackageDir(earlier.dir, { recompute: true });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  }, 120_000);

  it('a requirement that failed on the first day and passes in the last run: neither its procedure notes nor its OSCAL finding speak of the end of a period that had not ended', async () => {
    const { dir } = await build(new Date('2026-11-02T09:30:00Z'), {}, { '2026-11-01': false, '2026-11-02': true });
    const n = notes(dir);
    expect(n['3.6.1']).toContain('in-scope resources failed earlier in the period and do not fail in the last run: ');
    for (const note of Object.values(n)) expect(note).not.toMatch(/at (the|its) end/);
    const result = JSON.parse(readFileSync(join(dir, 'oscal', 'assessment-results.json'), 'utf8'))['assessment-results'].results[0];
    const finding = result.findings.find((f: { title: string }) => f.title.startsWith('3.6.1 '));
    expect(finding.target.status).toMatchObject({ state: 'not-satisfied', reason: 'fail' });
    expect(finding.target.status.remarks).toContain(`Not satisfied over the period: pass as of the last run (${LAST_RUN}; the period had not ended), but failed on 1 of 2 day(s)`);
    expect(JSON.stringify(result.findings)).not.toMatch(/at the end of the period/);
  }, 120_000);
});
