import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { buildPackage } from '../../src/package/build.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { PackageManifestSchema } from '../../src/package/manifest.js';
import { ExitCode } from '../../src/errors.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { runPackageCli } from './run-cli.js';
import { runVerifySh } from '../support/verify-sh.js';
import { csvRows } from './csv-rows.js';
import { oscalSchemaErrors } from './oscal-schema.js';
import { CONTROLS_CSV_HEADER, EVIDENCE_CSV_HEADER } from '../../src/package/csv.js';
import { FINDINGS_CSV_HEADER } from '../../src/package/findings.js';
import { PROCEDURES_CSV_HEADER } from '../../src/package/procedures.js';
import { POPULATION_CSV_HEADER } from '../../src/package/population.js';

const BAND = 'SIMULATED \u2014 NOT EVIDENCE';

/** Every CSV of a package with the header it has without the SIMULATED marker column. */
const CSVS: [string, readonly string[]][] = [
  ['controls.csv', CONTROLS_CSV_HEADER],
  ['findings.csv', FINDINGS_CSV_HEADER],
  ['testing-procedures.csv', PROCEDURES_CSV_HEADER],
  ['population.csv', POPULATION_CSV_HEADER],
  ['evidence-index.csv', EVIDENCE_CSV_HEADER],
];

const firstLine = (text: string) => text.slice(0, text.indexOf('\r\n'));

/** Text of report.pdf: pdftotext when installed, else the inflated content streams (enough to find a phrase's words). */
function pdfText(file: string): string {
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    const pdf = readFileSync(file);
    let out = '';
    for (let at = pdf.indexOf('stream\n'); at >= 0; at = pdf.indexOf('stream\n', at + 1)) {
      const end = pdf.indexOf('endstream', at);
      try {
        out += inflateSync(pdf.subarray(at + 7, end)).toString('latin1');
      } catch {
        // not a deflated stream
      }
    }
    return out;
  }
}

async function build(store: MemoryStore, signer: LocalEd25519Signer, trustedKeys?: string[]) {
  const tmp = mkdtempSync(join(tmpdir(), 'el-marks-'));
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, builtAt: new Date('2026-03-09T10:11:12Z'), ...(trustedKeys ? { trust: trustPolicy(trustedKeys) } : {}) });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  return { pkg, dir };
}

describe('a package built from simulated runs says so everywhere', () => {
  let dir: string;
  let zip: string;
  let fp: string;
  let simulated: boolean;

  beforeAll(async () => {
    const store = new MemoryStore();
    const days = standardDays();
    // One demo run among real ones is enough to mark the whole package.
    days[2] = { ...days[2], simulated: true };
    const signer = await sealDays(store, days);
    fp = await signer.fingerprint();
    const b = await build(store, signer);
    dir = b.dir;
    zip = b.pkg.zipPath;
    simulated = b.pkg.summary.simulated;
    if (process.env.KEEP_MARKS_PDF) execFileSync('cp', [join(dir, 'report.pdf'), process.env.KEEP_MARKS_PDF]);
  }, 240_000);

  it('manifest.json carries "simulated": true', () => {
    expect(simulated).toBe(true);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m.simulated).toBe(true);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toContain('\n  "simulated": true,\n');
  });

  it('the PDF cover, index.html and VERIFY.md show the band with a real em dash, and the build time', () => {
    const pdf = pdfText(join(dir, 'report.pdf'));
    const cover = pdf.split('\f')[0];
    expect(cover.includes(BAND) || cover.includes('SIMULATED \u0097 NOT EVIDENCE')).toBe(true);
    expect(cover).toContain('2026-03-09T10:11:12.000Z');
    expect(cover).toContain('2026-03-05T02:05:00.000Z');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`<strong>${BAND}</strong>`);
    expect(html).toContain('package built 2026-03-09T10:11:12.000Z');
    expect(readFileSync(join(dir, 'VERIFY.md'), 'utf8')).toContain(`**${BAND}.**`);
  });

  it('every CSV leads with a simulated column that is true on every row', () => {
    for (const [file, header] of CSVS) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(firstLine(text), file).toBe(['simulated', ...header].join(','));
      const rows = csvRows(text);
      if (file !== 'findings.csv') expect(rows.length, file).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.simulated, file).toBe('true');
        expect(Object.keys(r), file).toEqual(['simulated', ...header]);
      }
    }
  });

  it('OSCAL metadata has a simulated prop, the title prefix and the remark, and still validates', () => {
    const doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
    const meta = doc['assessment-results'].metadata;
    expect(meta.title.startsWith(`${BAND}: `)).toBe(true);
    expect(meta.props).toEqual([expect.objectContaining({ name: 'simulated', ns: 'https://evidence-locker.dev/ns/oscal', value: 'true' })]);
    expect(meta.remarks.startsWith(`${BAND}: `)).toBe(true);
    expect(oscalSchemaErrors(doc)).toEqual([]);
  });

  it('verify and verify.sh print it, and the package still verifies', async () => {
    const r = await runPackageCli(['--log-level', 'silent', 'verify', zip, '--expect-key', fp]);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out.split('\n')[0]).toContain(BAND);
    expect(r.out).toContain(`VALID: every hash, signature and chain link checks out (${BAND})`);
    expect(r.out).toContain('built 2026-03-09T10:11:12.000Z; last sealed run 2026-03-05T02:05:00.000Z');
    const sh = runVerifySh(dir, [fp]);
    expect(sh.code).toBe(0);
    expect(sh.out).toContain(BAND);
  });

  it('a package of real runs carries none of it', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    const b = await build(store, signer);
    expect(b.pkg.summary.simulated).toBe(false);
    expect(readFileSync(join(b.dir, 'index.html'), 'utf8')).not.toContain('SIMULATED');
    expect(pdfText(join(b.dir, 'report.pdf'))).not.toContain('SIMULATED');
    const r = await runPackageCli(['--log-level', 'silent', 'verify', b.pkg.zipPath]);
    expect(r.out).not.toContain('SIMULATED');
    expect(runVerifySh(b.dir, [await signer.fingerprint()]).out).not.toContain('SIMULATED');
    // CSVs keep their shape (no simulated column); OSCAL has no simulated prop or prefix.
    for (const [file, header] of CSVS) {
      const text = readFileSync(join(b.dir, file), 'utf8');
      expect(firstLine(text), file).toBe(header.join(','));
      expect(text, file).not.toContain('SIMULATED');
    }
    const oscal = readFileSync(join(b.dir, 'oscal/assessment-results.json'), 'utf8');
    expect(oscal).not.toContain('SIMULATED');
    expect(JSON.parse(oscal)['assessment-results'].metadata.props).toBeUndefined();
  }, 240_000);
});

describe('runs signed by more than one key', () => {
  let dir: string;
  let zip: string;
  let oldFp: string;
  let newFp: string;

  beforeAll(async () => {
    // The collector's key was replaced after day 3; the package is signed with the new one.
    const store = new MemoryStore();
    const days = standardDays();
    const old = await sealDays(store, days.slice(0, 3));
    // After the rotation the old key stays trusted, so the new key's first run links to the old key's last one.
    const rotated = await sealDays(store, days.slice(3), LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-'))), [await old.fingerprint()]);
    oldFp = await old.fingerprint();
    newFp = await rotated.fingerprint();
    // Both keys are configured as trusted (signing.trustedKeys after a rotation); otherwise the old runs are foreign.
    const b = await build(store, rotated, [oldFp, newFp]);
    dir = b.dir;
    zip = b.pkg.zipPath;
    expect(b.pkg.summary.runKeyFingerprints).toEqual([oldFp, newFp].sort());
  }, 240_000);

  it('verify warns prominently, before anything else, and lists both keys', async () => {
    const r = await runPackageCli(['--log-level', 'silent', 'verify', zip]);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out.split('\n')[0]).toMatch(/^WARNING: this package and its runs are signed by 2 different keys/);
    expect(r.out).toContain(oldFp);
    expect(r.out).toContain(newFp);
  });

  it('--expect-key pins: a run or package signed by a key not given fails, naming it', async () => {
    const onlyNew = await runPackageCli(['--log-level', 'silent', 'verify', zip, '--expect-key', newFp]);
    expect(onlyNew.code).toBe(ExitCode.failure);
    expect(onlyNew.out).toMatch(new RegExp(`runs/20260301T020000Z-\\d+: signed with key ${oldFp} .*not one of the expected keys`));
    const onlyOld = await runPackageCli(['--log-level', 'silent', 'verify', zip, '--expect-key', oldFp]);
    expect(onlyOld.code).toBe(ExitCode.failure);
    expect(onlyOld.out).toMatch(new RegExp(`manifest.sig: signed with key ${newFp}`));
    const both = await runPackageCli(['--log-level', 'silent', 'verify', zip, '--expect-key', oldFp, newFp.toUpperCase().replace(/(..)(?!$)/g, '$1:')]);
    expect(both.code).toBe(ExitCode.ok);
    const bad = await runPackageCli(['--log-level', 'silent', 'verify', zip, '--expect-key', 'abc123']);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.err).toMatch(/--expect-key abc123: not a SHA-256 key fingerprint/);
  });

  it('verify.sh passes only with both keys pinned', () => {
    expect(runVerifySh(dir, [newFp]).code).toBe(1);
    expect(runVerifySh(dir, [newFp]).out).toMatch(new RegExp(`is signed by key ${oldFp}, which is not a pinned key`));
    expect(runVerifySh(dir, [oldFp]).code).toBe(1);
    expect(runVerifySh(dir, [oldFp, newFp]).code).toBe(0);
    expect(readFileSync(join(dir, 'VERIFY.md'), 'utf8')).toContain(`sh verify.sh --key ${newFp} --key ${oldFp}`);
  });

  it('the report cover, index.html and VERIFY.md say so', () => {
    const cover = pdfText(join(dir, 'report.pdf')).split('\f')[0];
    expect(cover).toContain('RUNS SIGNED BY 2 DIFFERENT KEYS');
    expect(cover).toContain(oldFp);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('RUNS SIGNED BY 2 DIFFERENT KEYS');
    expect(readFileSync(join(dir, 'VERIFY.md'), 'utf8')).toContain('WARNING: the runs in this package are signed by 2 different keys');
  });
});
