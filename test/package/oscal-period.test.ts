import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;
const schema = JSON.parse(readFileSync(new URL('../data/oscal/oscal_assessment-results_schema-1.1.2.json', import.meta.url), 'utf8'));

/** Account 1's bucket is unencrypted on 2 and 3 May and fixed by 4 May; account 2 passes every day. */
describe('requirement findings judge the whole period', () => {
  let dir: string;
  let doc: any;
  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-oscal-period-'));
    const days = ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'].map((day) => ({ day, encrypted: { [ACCOUNTS[0]]: day !== '2026-05-02' && day !== '2026-05-03', [ACCOUNTS[1]]: true } }));
    const signer = await sealDays(store, days);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-05-01', to: '2026-05-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
  });
  const finding = (req: string, acct: string) =>
    doc['assessment-results'].results[0].findings.find((x: any) => x.target['target-id'] === `req-${req}` && x.props.some((p: any) => p.name === 'account-id' && p.value === acct));

  it('a requirement that failed earlier and passes at the end is not satisfied (fail), naming the days and the findings', () => {
    const f = finding('1.1', ACCOUNTS[0]);
    expect(f.target.status.state).toBe('not-satisfied');
    expect(f.target.status.reason).toBe('fail');
    expect(f.target.status.remarks).toContain('pass at the end of the period, but failed on 2 of 5 day(s) (2026-05-02 to 2026-05-03)');
    expect(f.target.status.remarks).toMatch(/Findings: F-\d+/);
    expect(f.props).toEqual(expect.arrayContaining([{ name: 'status-at-period-end', ns: expect.any(String), value: 'pass' }, { name: 'worst-in-period', ns: expect.any(String), value: 'fail' }]));
    const risks = new Set(doc['assessment-results'].results[0].risks.map((r: any) => r.uuid));
    expect(f['related-risks'].length).toBeGreaterThan(0);
    for (const r of f['related-risks']) expect(risks.has(r['risk-uuid'])).toBe(true);
  });

  it('a requirement that passed on every day stays satisfied', () => {
    expect(finding('1.1', ACCOUNTS[1]).target.status).toMatchObject({ state: 'satisfied', reason: 'pass' });
  });

  it('the report views say it failed earlier, beside its end status', () => {
    const row = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8')).find((r) => r.requirement === '1.1' && r.account === ACCOUNTS[0])!;
    expect(row.status).toBe('pass');
    expect(row.reasons).toMatch(/^FAILED EARLIER IN THE PERIOD: pass at its end, but failed on 2 of 5 day\(s\) \(2026-05-02 to 2026-05-03\)/);
  });

  it('stays valid OSCAL 1.1.2', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    validate(doc);
    expect(validate.errors ?? []).toEqual([]);
  });
});
