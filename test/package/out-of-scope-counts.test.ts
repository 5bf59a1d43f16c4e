import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { ScopeConfig } from '../../src/config/scope.js';
import type { BucketEncryptionEvidence } from '../../src/queries/s3/bucket-encryption.js';
import { MemoryStore, body } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ACCOUNT = '111122223333';
/** More in-scope failing buckets than the report's per-requirement table shows (12), so it points to the rest. */
const FAILING = 13;

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Out-of-scope counts framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'Stored account data is unreadable', principal: '3', testingProcedures: ['3.5.1.a', '3.5.1.b'], coverage: 'partial', rationale: 'Default bucket encryption shows part of it.', assessorGuidance: 'Ask for the key management procedure.', queries: ['s3.bucket-encryption'] },
    { id: '3.6.1', title: 'Encrypted data at rest everywhere', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] },
  ],
});
const SCOPE: ScopeConfig = {
  'pci-test': { description: 'cardholder data environment', accounts: [ACCOUNT], include: [{ resource: '*cardholder-data*', reason: 'stores cardholder data' }], connected: [], exclude: [{ resource: 'legacy-uploads', reason: 'sandbox: no account data' }] },
};

/** A package whose requirements fail on FAILING in-scope buckets and on one out-of-scope bucket (built now, or at `builtAt`). */
async function build(builtAt?: Date): Promise<string> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  const names = [...Array.from({ length: FAILING }, (_, i) => `cardholder-data-${String(i + 1).padStart(2, '0')}`), 'legacy-uploads'];
  const data: BucketEncryptionEvidence = {
    buckets: names.map((Name) => ({ Name, CreationDate: new Date('2024-01-01T00:00:00Z'), BucketRegion: 'us-east-1' })),
    responses: names.map((bucket) => ({ bucket, region: 'us-east-1', response: { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' } } })),
  };
  const bytes = canonicalBytes(body('s3.bucket-encryption', ACCOUNT, 'us-east-1', JSON.parse(JSON.stringify(data))));
  const sha = sha256Hex(bytes);
  await store.putObject(sha, bytes);
  await sealRun(store, signer, {
    runId: '20261102T020000Z-000001',
    kind: 'collection',
    chain: 'default',
    startedAt: new Date('2026-11-02T02:00:00.000Z'),
    completedAt: new Date('2026-11-02T02:05:00.000Z'),
    scope: { accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['pci-test'], queries: ['s3.bucket-encryption'] },
    records: [{ recordId: `s3.bucket-encryption/${ACCOUNT}/us-east-1`, queryId: 's3.bucket-encryption', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-02T02:00:05.000Z', sha256: sha, size: bytes.length }],
  });
  const tmp = mkdtempSync(join(tmpdir(), 'el-oos-'));
  const built = await buildPackage({ store, signer, catalogs: [CATALOG], frameworks: ['pci-test'], from: '2026-11-02', to: '2026-11-02', outDir: join(tmp, 'out'), organization: 'Acme', procedureMaps: [{ framework: 'pci-test', procedures: [] }], scope: SCOPE, ...(builtAt ? { builtAt } : {}) });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(built.zipPath, dir);
  return dir;
}

describe('out-of-scope results are not counted as findings', () => {
  let dir: string;
  /** The same runs, packaged on the period's last day, before it ended. */
  let open: string;
  beforeAll(async () => {
    dir = await build();
    open = await build(new Date('2026-11-02T09:30:00Z'));
  }, 120_000);

  it('report.pdf: a package built before the period ended says so on the cover, in the results headings and the day coverage, never as a finished period', async () => {
    let text: string;
    try {
      text = execFileSync('pdftotext', ['-layout', join(open, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return; // pdftotext (poppler-utils) is not installed.
    }
    const flat = text.replace(/\s+/g, ' ');
    const summary = JSON.parse(readFileSync(join(open, 'summary.json'), 'utf8'));
    expect(summary.period).toMatchObject({ ended: false, evidenceUntil: '2026-11-02T02:05:00.000Z' });
    // OSCAL: the observation says whose status it is, and its result ends at the last sealed run.
    const oscal = JSON.parse(readFileSync(join(open, 'oscal', 'assessment-results.json'), 'utf8'));
    const result = oscal['assessment-results'].results[0];
    expect(result.end).toBe('2026-11-02T02:05:00.000Z');
    expect(result.observations[0].description).toContain('Status as of the last run (2026-11-02T02:05:00.000Z; the period had not ended): fail');
    expect(JSON.parse(readFileSync(join(dir, 'oscal', 'assessment-results.json'), 'utf8'))['assessment-results'].results[0].observations[0].description).toContain('Status at the end of the period: fail');
    expect(flat).toContain('period not ended when the package was built: evidence up to the last sealed run, 2026-11-02T02:05:00.000Z');
    expect(flat).toContain('Results as of the last run; the period had not ended');
    expect(flat).toContain('results as of the last run (2026-11-02T02:05:00.000Z); the period had not ended:');
    expect(flat).toContain('the last day, 2026-11-02, had not ended when the package was built: it is covered only up to the last sealed run (2026-11-02T02:05:00.000Z), not the whole day');
    expect(flat).toContain('none; the last day had not ended: covered up to its last run only');
    // The executive summary counts days without evidence over the results the cover counts, not over catalog requirements.
    expect(flat).toContain('Days without evidence 0 requirement x account x day cell(s) that no run judged; 0 of the 2 requirement x account results that expect AWS evidence');
    expect(flat).toContain('0 of 2 results miss evidence on some day');
    expect(flat).toMatch(/its account- ?days count as reached by that run, not as a whole day of evidence/);
    expect(flat).not.toMatch(/Results at the end of the period|results at the end of the period/);
    // The findings register and the population say whose results they are too.
    expect(flat).toMatch(/open as of the last run \(2026-11-02T02:05:00\.000Z\); the period had not ended:/);
    expect(flat).toMatch(/judged as of the last run \(2026-11-02T02:05:00\.000Z\); the period had not ended, passing ones included/);
    expect(flat).not.toMatch(/open at the end of the period|judged at the end of the period/);
  }, 120_000);

  it('report.pdf: "Findings by severity and age" counts in-scope resources only, says how many were left out, and points to population.csv', () => {
    let text: string;
    try {
      text = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return; // pdftotext (poppler-utils) is not installed.
    }
    // The running footer ("<entity> | <framework> | <period> Page n of m") sits wherever a page breaks: take it out, so a
    // sentence is found whichever page it starts on.
    const flat = text.replace(/\s+/g, ' ').replace(/ ?Acme \| [^|]+ \| \S+ to \S+ Page \d+ of \d+ ?/g, ' ');
    // 13 in-scope failing buckets under each of the 2 requirements; the out-of-scope bucket fails under both too.
    expect(flat).toMatch(/0-1 days 26 2-7 days 0/);
    // The chart counts resource checks, not register findings, and says so; its out-of-scope count reconciles with the population's.
    expect(flat).toContain('Failing or to-review in-scope resource checks by age');
    expect(flat).not.toContain('Findings by severity and age');
    expect(flat).toContain('2 failing or to-review check(s) of out-of-scope resources under these failing or to-review results are left out (they decide nothing)');
    expect(flat).toContain('These are resource checks per requirement, not the findings of the Findings register');
    expect(flat).toMatch(/population\.csv lists every out-of- ?scope check under any result: 2 fail and 0 need review\./);
    expect(flat).toContain('(of those, under any requirement result, 2 fail and 0 need review; population.csv lists them all)');
    // A package built after the period: results at its end, and no sentence about days without a run that do not exist.
    expect(flat).toContain('Requirement x account results: period end and worst day');
    expect(flat).toContain('Of 2 requirement x account results at the end of the period:');
    expect(flat).not.toContain('period not ended');
    expect(flat).toContain('none: a collection run was sealed on each of the 1 day(s) of the period.');
    expect(flat).not.toContain('On such a day every automated and partial requirement has no evidence');
    // How many requirements AWS evidence bears on.
    expect(flat).toContain('This package covers 2 requirements, 2 of them with AWS evidence');
    expect(flat).toContain('0 of the 2 requirement x account results that expect AWS evidence (automated and partial requirements, less those proposed not applicable to the declared entity type) miss evidence on some day');
    expect(flat).toContain('1 more in population.csv (every resource checked, with its status) and index.html.');
    expect(flat).not.toContain('more in controls.csv');
  });

  describe.skipIf(!existsSync(CHROMIUM))('index.html', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('#findings lists in-scope results only, says how many out-of-scope ones were left out, and points to population.csv; the summary legend names AWS portion met', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(join(dir, 'index.html')).href + '#findings');
      await expect.poll(() => page.locator('#detail').getAttribute('data-view')).toBe('findings');
      const text = (await page.locator('#detail').textContent()) ?? '';
      expect(text).toContain(`${2 * FAILING} failing or to-review in-scope resource result(s) at the end of the period; 2 failing or to-review check(s) of out-of-scope resources under these results left out (they decide nothing). population.csv lists every out-of-scope check under any result: 2 fail and 0 need review.`);
      expect(await page.locator('#detail figure[data-chart="findings-age"] figcaption').textContent()).toBe('Failing or to-review in-scope resource checks by age');
      expect(text).toContain('population.csv has every resource checked');
      expect(text).not.toContain('controls.csv has all');
      // No row of the per-requirement list is the out-of-scope bucket.
      const rows = await page.locator('#detail .vlist').last().locator('.vrow').allTextContents();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.includes('legacy-uploads'))).toBe(false);
      await page.goto(pathToFileURL(join(dir, 'index.html')).href + '#summary');
      await expect.poll(() => page.locator('#detail').getAttribute('data-view')).toBe('summary');
      expect((await page.locator('#detail').textContent()) ?? '').toContain('AWS portion met (a partial requirement whose AWS checks passed');
      // The requirement view gives each procedure its proposed finding and note, as testing-procedures.csv does.
      await page.goto(pathToFileURL(join(dir, 'index.html')).href + '#req/pci-test/3.5.1');
      await expect.poll(() => page.locator('#detail').getAttribute('data-view')).toBe('req');
      expect(await page.locator('#detail ul li').first().textContent()).toBe('3.5.1.a: not tested by AWS evidence; ask for: Ask for the key management procedure. (proposed, assessor to confirm)');
      // The label is said once, after the finding, even where the note begins with it.
      for (const li of await page.locator('#detail ul').first().locator('li').allTextContents()) expect(li.split('proposed, assessor to confirm').length, li).toBe(2);
      await page.close();
    }, 120_000);

    it('#summary of a package built before the period ended says so in the results heading, the period and the day coverage', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(join(open, 'index.html')).href + '#summary');
      await expect.poll(() => page.locator('#detail').getAttribute('data-view')).toBe('summary');
      const text = (await page.locator('#detail').textContent()) ?? '';
      expect(await page.locator('#detail h3').first().textContent()).toBe('Results as of the last run (2026-11-02T02:05:00.000Z); the period had not ended (requirement x account)');
      expect(text).toContain('period not ended when the package was built: evidence up to 2026-11-02T02:05:00.000Z (the last sealed run)');
      expect(text).toContain('the last day, 2026-11-02, had not ended when the package was built: it is covered only up to the last sealed run (2026-11-02T02:05:00.000Z), not the whole day');
      expect(text).not.toContain('Results at the end of the period');
      await page.goto(pathToFileURL(join(dir, 'index.html')).href + '#summary');
      await expect.poll(() => page.locator('#detail').getAttribute('data-view')).toBe('summary');
      expect(await page.locator('#detail h3').first().textContent()).toBe('Results at the end of the period (requirement x account)');
      await page.close();
    }, 120_000);
  });
});
