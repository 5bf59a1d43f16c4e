import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { deterministicUuid, notApplicableRemark, oscalControlId, oscalState } from '../../src/package/oscal.js';
import type { RequirementTimeline } from '../../src/package/timeline.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario, ACCOUNTS } from './fixtures.js';
import { oscalSchemaErrors } from './oscal-schema.js';


describe('oscal/assessment-results.json', () => {
  let doc: any;
  let dir: string;
  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-oscal-'));
    const { signer, exceptions } = await richScenario(store, join(tmp, 'doc.txt'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, exceptions });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
  });

  it('validates against the official OSCAL 1.1.2 schema', () => {
    expect(oscalSchemaErrors(doc)).toEqual([]);
  });

  it('links observations to back-matter resources that carry the evidence SHA-256', () => {
    const ar = doc['assessment-results'];
    const resources = new Map<string, any>(ar['back-matter'].resources.map((r: any) => [r.uuid, r]));
    const obs = ar.results[0].observations;
    const withEvidence = obs.filter((o: any) => o['relevant-evidence']);
    expect(withEvidence.length).toBeGreaterThan(0);
    for (const o of withEvidence) {
      for (const ev of o['relevant-evidence']) {
        const r = resources.get(ev.href.slice(1));
        expect(r, ev.href).toBeDefined();
        const sha = r.rlinks[0].hashes[0].value;
        expect(r.rlinks[0].hashes[0].algorithm).toBe('SHA-256');
        expect(r.rlinks[0].href).toBe(`evidence/objects/sha256/${sha.slice(0, 2)}/${sha}.json`);
        // The hash is the real hash of the file in the package.
        expect(createHash('sha256').update(readFileSync(join(dir, r.rlinks[0].href))).digest('hex')).toBe(sha);
      }
    }
    expect(ar['import-ap'].href.startsWith('#')).toBe(true);
    expect(resources.has(ar['import-ap'].href.slice(1))).toBe(true);
  });

  it('maps statuses honestly: fail and gaps are not-satisfied, manual has no finding', () => {
    const findings = doc['assessment-results'].results[0].findings;
    const f = (req: string, acct: string) => findings.find((x: any) => x.props.some((p: any) => p.name === 'requirement-id' && p.value === req) && x.props.some((p: any) => p.name === 'account-id' && p.value === acct));
    expect(f('1.1', ACCOUNTS[1]).target.status).toMatchObject({ state: 'not-satisfied', reason: 'fail' });
    expect(f('1.1', ACCOUNTS[1]).target.status.remarks).toContain('compensating-control');
    // Account 1 passes at the end, but no run on 2026-04-12 and 13: no determination covers the whole period.
    expect(f('1.1', ACCOUNTS[0]).target.status).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(f('1.1', ACCOUNTS[0]).target.status.remarks).toMatch(/^Satisfied at the end of the period only/);
    // Account 3 was only collected on one day: stale, but its last known result stands with a remark on the gap days.
    expect(f('1.1', '333333333333').target.status.remarks).toMatch(/29 day\(s\)/);
    expect(f('2.2', ACCOUNTS[0])).toBeUndefined();
    expect(f('2.1', ACCOUNTS[0]).target.status.remarks).toContain('EXPIRED');
    expect(oscalState('not-collected')).toEqual({ state: 'not-satisfied', reason: 'other' });
    expect(oscalState('needs-review')).toEqual({ state: 'not-satisfied', reason: 'other' });
    expect(oscalState('manual')).toBeNull();
  });

  it('uses valid, deterministic ids', () => {
    const u = deterministicUuid('ns', 'name');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('ns', 'name')).toBe(u);
    expect(deterministicUuid('ns', 'other')).not.toBe(u);
    expect(oscalControlId('164.312(a)(1)')).toBe('req-164.312_a__1_');
    expect(oscalControlId('10.2.1')).toBe('req-10.2.1');
  });
});

describe('not-applicable remarks', () => {
  const row = (coverage: string, findings: unknown[]) => ({ status: 'not-applicable', requirement: { coverage, rationale: 'RATIONALE' }, latest: { findings } }) as unknown as RequirementTimeline;
  it('are proposed, say why, and label the catalog text as a rationale rather than the reason', () => {
    expect(notApplicableRemark(row('not-applicable', []))).toBe('Proposed not applicable (assessor to confirm): the catalog marks this requirement not applicable. Catalog rationale: RATIONALE');
    expect(notApplicableRemark(row('automated', []))).toBe(
      'Proposed not applicable (assessor to confirm): its checks found no in-scope resource in this account, or every one they judged was not applicable; the assessor confirms that none is expected. Check rationale (what the evidence shows when such resources exist): RATIONALE',
    );
  });
});
