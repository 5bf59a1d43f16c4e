import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { ACCOUNTS, MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';

const hasPoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasPoppler)('report.pdf: what it states, a reader in any time zone can take as written', () => {
  let text: string;
  beforeAll(async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    const tmp = mkdtempSync(join(tmpdir(), 'el-times-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-03-09T10:11:12Z') });
    const dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    text = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/\s+/g, ' ');
  }, 120_000);

  // An assessor in another zone reads a bare "04:34" as their own time.
  it('a requirement states its evidence window in UTC', () => {
    expect(text).toMatch(/\d+ record\(s\) 2026-03-01 \d\d:\d\d UTC to 2026-03-05 \d\d:\d\d UTC/);
  });

  it('the evidence and sealed-run tables say their times are UTC', () => {
    // The Query column breaks a query id only after its '.' (pdftotext then puts a space there).
    expect(text).toMatch(/2026-03-05 02:00:05 UTC 111111111111 us-east-1 E-\d{4} test\. ?bucket-encryption/);
    expect(text).toContain('Completed (UTC)');
  });

  it('no ISO 8601 time is printed without its Z', () => {
    expect(text.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?![Z:.\d])/g) ?? []).toEqual([]);
  });

  it('the method says what was collected where, that secret values were replaced, and what the signatures do not show', () => {
    // Regions the runs were not set to collect are named on the cover: the method does not claim every region in scope.
    expect(text).not.toContain('in every account and region in scope');
    expect(text).toContain('in each account it reached and each region it was set to collect');
    // Redaction replaces secret values before sealing: the records are not the responses verbatim.
    expect(text).not.toContain('verbatim');
    expect(text).toContain('as returned except for secret values replaced before sealing');
    expect(text).toContain('they do not show that its results (report.pdf, index.html, the CSV files, summary.json and the OSCAL file) follow from the evidence');
    // --recompute compares the CSV files and summary.json, not the views that present them: the report says so.
    expect(text).toContain('recompute evaluates the sealed evidence again');
    expect(text).toContain('it does not read report.pdf, index.html or the OSCAL file');
  });
});

describe.skipIf(!hasPoppler)('report.pdf of a one-day period', () => {
  it('counts its one day in the singular', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays().slice(0, 1));
    const tmp = mkdtempSync(join(tmpdir(), 'el-one-day-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-01', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-03-09T10:11:12Z') });
    const dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    const cover = execFileSync('pdftotext', ['-f', '1', '-l', '1', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(cover).toContain('2026-03-01 to 2026-03-01 (UTC days, inclusive; 1 day)');
  }, 120_000);
});

describe.skipIf(!hasPoppler)('report.pdf of a period with no failing check but a day without evidence', () => {
  it('an empty findings register does not speak for the day without evidence', async () => {
    const store = new MemoryStore();
    // Every bucket encrypted, every trail logging; account 2 has no run on the second day.
    const signer = await sealDays(store, [
      { day: '2026-03-01', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true } },
      { day: '2026-03-02', encrypted: { [ACCOUNTS[0]]: true } },
      { day: '2026-03-03', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true } },
    ]);
    const tmp = mkdtempSync(join(tmpdir(), 'el-no-finding-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-03', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-03-09T10:11:12Z') });
    const dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    const text = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).not.toContain('No in-scope resource failed a check during the period.');
    expect(text).toContain('No in-scope resource failed a check in the evidence sealed for the period. Days and checks without evidence (see Gaps and collection errors) say nothing either way');
  }, 120_000);
});
