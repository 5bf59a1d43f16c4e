import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';

/** One exception approved after the period (2026-03-01 to 05), one that took effect on its third day. */
describe('exceptions in a package say for which part of the period they applied', () => {
  let dir: string;
  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-exc-dates-'));
    const signer = await sealDays(store, standardDays());
    const base = { framework: 'test-fw', type: 'compensating-control' as const, owner: 'Platform team', rationale: 'Bucket holds only public assets.', approvedBy: 'CISO', expires: '2026-12-31' };
    const pkg = await buildPackage({
      store,
      signer,
      catalogs: [TEST_CATALOG],
      frameworks: ['test-fw'],
      from: '2026-03-01',
      to: '2026-03-05',
      outDir: join(tmp, 'out'),
      evaluate: fixtureEvaluate,
      exceptions: [
        { ...base, requirement: '1.1', accounts: [ACCOUNTS[1]], approvedOn: '2026-03-20' },
        { ...base, requirement: '2.1', approvedOn: '2026-02-25', effectiveFrom: '2026-03-03' },
        // The entry that renewal replaced: in effect for the first two days.
        { ...base, requirement: '2.1', owner: 'Platform team (first approval)', approvedOn: '2025-03-01', expires: '2026-03-02' },
      ],
    });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  });

  it('controls.csv: approved after the period is not yet effective and applied on no day; the other from its effective date', () => {
    const rows = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
    const r11 = rows.find((r) => r.requirement === '1.1' && r.account === ACCOUNTS[1])!;
    expect(r11.status).toBe('fail'); // an exception never changes a status
    expect(r11.exception).toMatch(/^NOT YET EFFECTIVE exception \(not applied\): compensating-control.*applied on no day of the period \(approved 2026-03-20, expires 2026-12-31\)/);
    const r21 = rows.find((r) => r.requirement === '2.1' && r.account === ACCOUNTS[0])!;
    expect(r21.exception).toMatch(/^Exception: .*applied 2026-03-03 to 2026-03-05 \(3 of 5 days\) \(approved 2026-02-25, effective 2026-03-03, expires 2026-12-31\)/);
    // The entry the renewal replaced is on the same row, not hidden by it.
    expect(r21.exception).toMatch(/ \| Also registered: EXPIRED exception \(not applied at the period end\): compensating-control, owner Platform team \(first approval\).*applied 2026-03-01 to 2026-03-02 \(2 of 5 days\)/);
  });

  it('index.html and OSCAL carry the same days', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('applied 2026-03-03 to 2026-03-05 (3 of 5 days)');
    expect(html).toContain('applied on no day of the period (approved 2026-03-20');
    const doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
    const f = doc['assessment-results'].results[0].findings.find((x: any) => x.target['target-id'] === 'req-1.1' && x.props.some((p: any) => p.name === 'account-id' && p.value === ACCOUNTS[1]));
    expect(f.target.status.state).toBe('not-satisfied');
    expect(f.target.status.remarks).toContain('NOT YET EFFECTIVE exception (not applied)');
    expect(html).toContain('owner Platform team (first approval), approved by CISO; applied 2026-03-01 to 2026-03-02 (2 of 5 days)');
    const f21 = doc['assessment-results'].results[0].findings.find((x: any) => x.target['target-id'] === 'req-2.1' && x.props.some((p: any) => p.name === 'account-id' && p.value === ACCOUNTS[0]));
    expect(f21.target.status.remarks).toContain('Also registered: EXPIRED exception (not applied at the period end)');
  });
});
