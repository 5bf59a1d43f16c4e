import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../src/package/build.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { parseCsv } from '../../src/csv-parse.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { remanifest } from '../support/resign-package.js';
import { resignSums } from '../support/verify-sh.js';

const A = '111111111111';
const B = '222222222222';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-attack-index-'));

/** evidence-index.csv as `edit` leaves its rows, manifest.json and SHA256SUMS signed again with the package key. */
async function rewriteIndex(dir: string, signer: Parameters<typeof resignSums>[1], edit: (rows: string[][]) => void): Promise<void> {
  const rows = parseCsv(readFileSync(join(dir, 'evidence-index.csv'), 'utf8'));
  edit(rows);
  const bytes = Buffer.from(rows.map((r) => `${r.join(',')}\r\n`).join(''), 'utf8');
  writeFileSync(join(dir, 'evidence-index.csv'), bytes);
  await remanifest(dir, signer, (m) => Object.assign(m.files.find((f) => f.path === 'evidence-index.csv')!, { sha256: sha256Hex(bytes), size: bytes.length }));
  await resignSums(dir, signer);
}

describe('a package whose evidence index points a failing result\'s reference at another account\'s passing record', () => {
  async function scene() {
    // Account A's logs bucket is encrypted every day (pass), account B's never (1.1 fails for B).
    const store = new MemoryStore();
    const days = ['2026-12-01', '2026-12-02'];
    const signer = await sealDays(store, days.map((day) => ({ day, encrypted: { [A]: true, [B]: false } })));
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: days[0], to: days[1], evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-12-08T09:00:00Z') });
    const dir = tmp();
    await extractPackageZip(built.zipPath, dir);
    return { signer, dir, fp: await signer.fingerprint() };
  }

  it('is INVALID: evidence-index.csv is written again from the runs\' signed records and compared, line by line', async () => {
    const { signer, dir, fp } = await scene();
    const clean = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(clean.problems).toEqual([]);

    // The failing result of B cites its records by reference (controls.csv evidence refs, findings.csv). The holder of
    // the package key swaps, in the index alone, the body (sha256, size, path) and account of each B record with the A
    // record of the same run and query: every reference B's failure cites now opens A's passing body, labelled B.
    const header = parseCsv(readFileSync(join(dir, 'evidence-index.csv'), 'utf8'))[0];
    const col = (name: string) => header.indexOf(name);
    await rewriteIndex(dir, signer, (rows) => {
      const body = ['sha256', 'size', 'path'].map(col);
      for (const b of rows.filter((r) => r[col('account')] === B)) {
        const a = rows.find((r) => r[col('account')] === A && r[col('run')] === b[col('run')] && r[col('query')] === b[col('query')])!;
        for (const i of body) [a[i], b[i]] = [b[i], a[i]];
      }
    });

    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    // Before: VALID, and --recompute "identical" (it compares controls.csv and the other results, whose refs are unchanged).
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      {
        path: 'evidence-index.csv',
        message: expect.stringMatching(/^is not the index of the package's evidence records that its runs' signed manifests give \(.*\): line \d+ is ".*", the runs' signed records give ".*"; the references the results cite .* cannot be taken to name the records it says$/),
      },
    ]);
  }, 180_000);

  it('a row added or the file cut short is named too', async () => {
    const { signer, dir, fp } = await scene();
    await rewriteIndex(dir, signer, (rows) => void rows.splice(rows.length - 1, 1));
    const cut = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(cut.problems).toEqual([{ path: 'evidence-index.csv', message: expect.stringContaining("it ends after line ") }]);
  }, 180_000);
});
