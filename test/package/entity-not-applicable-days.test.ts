import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import type { ControlResult } from '../../src/evaluate/types.js';
import { ACCOUNTS, MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const NOTE = 'applies only to service providers; the entity declared it is not one (config entity.test-fw.serviceProvider: false): proposed not applicable, assessor to confirm';

/** The engine's result for a partial requirement the entity declared does not apply to it (catalog appliesTo). */
async function evaluateAsMerchant(input: EvaluateRunInput): Promise<ControlResult[]> {
  return (await fixtureEvaluate(input)).map((r): ControlResult => (r.requirementId === '2.1' ? { ...r, status: 'not-applicable', notApplicableToEntity: true, reasons: [NOTE, ...r.reasons] } : r));
}

// standardDays: account 2 has no run on 2026-03-04 and a query error on 2026-03-05; account 1 is collected every day.
describe('a partial requirement proposed not applicable to the declared entity type, over a period with a missed day', () => {
  let dir: string;
  beforeAll(async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    const tmp = mkdtempSync(join(tmpdir(), 'el-entity-na-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: evaluateAsMerchant, builtAt: new Date('2026-03-09T10:11:12Z') });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  }, 120_000);

  it('is not applicable on the day without a run too: no gap, no day without evidence, its worst is not applicable', () => {
    const rows = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
    const row = rows.find((r) => r.requirement === '2.1' && r.account === ACCOUNTS[1])!;
    expect(row.status).toBe('not-applicable');
    expect(row.worst_status_in_period).toBe('not-applicable');
    expect(row.days_without_evidence).toBe('0');
    // The automated requirement of the same account still shows the missed day as a gap.
    const other = rows.find((r) => r.requirement === '1.1' && r.account === ACCOUNTS[1])!;
    expect(other.days_without_evidence).toBe('1');
  });

  it('summary.json counts it not applicable at worst too, and not among the results expecting evidence', () => {
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { statusCounts: Record<string, Record<string, number>>; worstStatusCounts: Record<string, Record<string, number>>; period: { resultsExpectingEvidence: number; resultsWithGaps: number } };
    expect(s.statusCounts['test-fw']['not-applicable']).toBe(2);
    expect(s.worstStatusCounts['test-fw']['not-applicable']).toBe(2);
    // Requirement 1.1 in both accounts; 2.1 applies to neither and expects no evidence.
    expect(s.period.resultsExpectingEvidence).toBe(2);
    expect(s.period.resultsWithGaps).toBe(1);
  });
});
