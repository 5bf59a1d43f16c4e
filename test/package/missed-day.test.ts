import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import type { ControlResult } from '../../src/evaluate/types.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';

/** The engine's result for the partial requirement 2.1 when its AWS checks pass: aws-portion-satisfied. */
async function partialEvaluate(input: EvaluateRunInput): Promise<ControlResult[]> {
  return (await fixtureEvaluate(input)).map((r) => (r.requirementId === '2.1' && r.status === 'pass' ? { ...r, status: 'aws-portion-satisfied', reasons: [...r.reasons, 'AWS portion satisfied: the procedures outside AWS APIs remain not tested'] } : r));
}

const WHY = 'trail status says nothing of whether logs are reviewed as the procedure asks';

/**
 * A day without a run: every requirement with AWS checks (automated 1.1; partial 2.1, here also one whose checks test
 * none of its procedures) is a gap that day, whatever it is at the end; a manual requirement (2.2) has no AWS evidence
 * to miss and stays manual.
 */
describe('a day without a run', () => {
  for (const untested of [false, true]) {
    describe(untested ? 'with 2.1 named untested in the procedure map' : 'with 2.1 partial', () => {
      let dir: string;
      beforeAll(async () => {
        const store = new MemoryStore();
        const tmp = mkdtempSync(join(tmpdir(), 'el-missed-day-'));
        const both = { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true };
        const signer = await sealDays(store, [{ day: '2026-03-01', encrypted: both }, { day: '2026-03-03', encrypted: both }]);
        const procedureMaps = untested ? [{ framework: 'test-fw', procedures: [], untested: [{ requirement: '2.1', reason: WHY }] }] : undefined;
        const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-03', outDir: join(tmp, 'out'), evaluate: partialEvaluate, ...(procedureMaps ? { procedureMaps } : {}) });
        dir = join(tmp, 'pkg');
        await extractPackageZip(pkg.zipPath, dir);
      });

      it('makes every requirement with AWS checks a gap that day, and leaves a manual one as it is', () => {
        const rows = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8')).filter((r) => r.account === ACCOUNTS[0]);
        const row = (id: string) => rows.find((r) => r.requirement === id)!;
        expect(row('1.1').status).toBe('pass');
        expect(row('1.1').worst_status_in_period).toBe('not-collected');
        expect(row('2.1').status).toBe(untested ? 'manual' : 'aws-portion-satisfied');
        expect(row('2.1').worst_status_in_period).toBe('not-collected');
        expect(row('2.2').status).toBe('manual');
        expect(row('2.2').worst_status_in_period).toBe('manual');
        const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
        expect(summary.period.datesWithoutRun).toEqual(['2026-03-02']);
        // Two accounts: 1.1 and 2.1 are gaps on the missed day in both, 2.2 is manual in both.
        expect(summary.worstStatusCounts['test-fw']).toEqual({ 'not-collected': 4, manual: 2 });
      });
    });
  }
});
