import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { ADDRESSABLE_STATUS_NOTE } from '../../src/package/timeline.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const ACCT = ACCOUNTS[0];
const squash = (s: string) => s.replace(/\s+/g, ' ');

/** Requirement 1.1 (fails every day: the logs bucket has no default encryption) as a HIPAA-style addressable or required specification. */
async function packageWith(implementation: 'addressable' | 'required') {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-addr-key-')));
  await sealDays(store, ['2026-10-01', '2026-10-02'].map((day) => ({ day, encrypted: { [ACCT]: false } })), signer);
  const catalog = { ...TEST_CATALOG, requirements: TEST_CATALOG.requirements.map((r) => (r.id === '1.1' ? { ...r, implementation } : r)) };
  const tmp = mkdtempSync(join(tmpdir(), 'el-addr-'));
  const pkg = await buildPackage({ store, signer, trust: trustPolicy([await signer.fingerprint()]), catalogs: [catalog], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, organization: 'Acme', builtAt: new Date('2026-11-02T09:00:00Z') });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  const controls = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
  const row = controls.find((r) => r.requirement === '1.1' && r.account === ACCT)!;
  return { dir, row };
}

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

describe('a failing addressable specification says, wherever its status is printed, what the AWS evidence cannot show', () => {
  let addressable: Awaited<ReturnType<typeof packageWith>>;
  let required: Awaited<ReturnType<typeof packageWith>>;
  beforeAll(async () => {
    addressable = await packageWith('addressable');
    required = await packageWith('required');
  }, 120_000);

  it('controls.csv: the reasons of the failing row begin with the note; a required specification keeps its reasons', () => {
    expect(addressable.row.status).toBe('fail');
    expect(addressable.row.reasons.startsWith(`${ADDRESSABLE_STATUS_NOTE} | `)).toBe(true);
    expect(addressable.row.reasons).toMatch(/equivalent alternative measure or why it is not reasonable and appropriate \(45 CFR 164\.306\(d\)\(3\)\), which this AWS evidence cannot show/);
    expect(required.row.status).toBe('fail');
    expect(required.row.reasons).not.toContain('ADDRESSABLE');
    // Only the failing requirement: a passing or manual one of the same package says nothing of it.
    const others = csvRows(readFileSync(join(addressable.dir, 'controls.csv'), 'utf8')).filter((r) => r.requirement !== '1.1');
    expect(others.some((r) => r.reasons.includes('ADDRESSABLE'))).toBe(false);
  });

  it('report.pdf: the requirement status block says it once, with how many accounts; a required specification does not', () => {
    const text = squash(pdfText(join(addressable.dir, 'report.pdf')));
    expect(text).toContain('ADDRESSABLE SPECIFICATION: the AWS checks do not show it in place, but the entity may have documented an equivalent alternative measure');
    expect(text).toMatch(/which this AWS evidence cannot show; ask for that documentation before concluding \(1 of \d+ account\(s\)\)\./);
    expect(text.split('ADDRESSABLE SPECIFICATION').length - 1).toBe(1);
    expect(squash(pdfText(join(required.dir, 'report.pdf')))).not.toContain('ADDRESSABLE SPECIFICATION');
  });

  it('index.html: the failing row carries the note shown under its status (not among its reasons); OSCAL observation says it too', () => {
    const html = readFileSync(join(addressable.dir, 'index.html'), 'utf8');
    const data = JSON.parse(html.slice(html.indexOf('>', html.indexOf('id="package-data"')) + 1, html.indexOf('</script>', html.indexOf('id="package-data"')))) as { addressableNote: string; rows: { req: string; account: string; addressable?: boolean; reasons: string[] }[] };
    expect(data.addressableNote).toBe(ADDRESSABLE_STATUS_NOTE);
    const row = data.rows.find((r) => r.req === '1.1' && r.account === ACCT)!;
    expect(row.addressable).toBe(true);
    expect(row.reasons).not.toContain(ADDRESSABLE_STATUS_NOTE);
    expect(html).toContain("if (r.addressable) sec.appendChild(el('p', {cls: 'addressable', text: D.addressableNote}));");
    const plain = readFileSync(join(required.dir, 'index.html'), 'utf8');
    const plainData = JSON.parse(plain.slice(plain.indexOf('>', plain.indexOf('id="package-data"')) + 1, plain.indexOf('</script>', plain.indexOf('id="package-data"')))) as { rows: { req: string; addressable?: boolean }[] };
    expect(plainData.rows.some((r) => r.addressable)).toBe(false);
    const oscal = readFileSync(join(addressable.dir, 'oscal', 'assessment-results.json'), 'utf8');
    expect(oscal).toContain(ADDRESSABLE_STATUS_NOTE);
    expect(readFileSync(join(required.dir, 'oscal', 'assessment-results.json'), 'utf8')).not.toContain('ADDRESSABLE SPECIFICATION');
  });
});
