import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { asUntested } from '../../src/package/untested.js';
import type { ControlResult } from '../../src/evaluate/types.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays, ACCOUNTS } from './fixtures.js';
import { csvRows } from './csv-rows.js';
import { oscalSchemaErrors } from './oscal-schema.js';

const WHY = 'trail status says nothing of whether logs are reviewed as the procedure asks';
const MAPS = [{ framework: 'test-fw', procedures: [], untested: [{ requirement: '2.1', reason: WHY }] }];

/** The engine's result for a partial requirement: every AWS check passes (aws-portion-satisfied). */
async function partialEvaluate(input: EvaluateRunInput): Promise<ControlResult[]> {
  return (await fixtureEvaluate(input)).map((r) => (r.requirementId === '2.1' && r.status === 'pass' ? { ...r, status: 'aws-portion-satisfied', reasons: [...r.reasons, 'AWS portion satisfied: the procedures outside AWS APIs remain not tested'] } : r));
}

describe('a requirement the procedure map names untested', () => {
  it('passing AWS checks make it manual (assessor tests it), never AWS portion met; their results stay cited', () => {
    const res: ControlResult = {
      framework: 'test-fw',
      requirementId: '2.1',
      accountId: ACCOUNTS[0],
      status: 'aws-portion-satisfied',
      coverage: 'partial',
      reasons: ['1 resource check passed', 'AWS portion satisfied: the procedures outside AWS APIs remain not tested', 'partial coverage: ask'],
      findings: [{ resource: 'org-trail', resourceType: 'AWS::CloudTrail::Trail', status: 'pass', reason: 'logging', queryId: 'test.trails', region: 'us-east-1', evidenceSha256: 'a'.repeat(64) }],
      evidence: [{ runId: 'r', recordId: 'x', queryId: 'test.trails', accountId: ACCOUNTS[0], region: 'us-east-1', collectedAt: '2026-03-01T02:00:05.000Z', sha256: 'a'.repeat(64), status: 'ok' }],
      gaps: [],
      parameters: {},
    };
    const out = asUntested(res, WHY);
    expect(out.status).toBe('manual');
    expect(out.reasons[0]).toContain(WHY);
    expect(out.reasons.join(' ')).not.toMatch(/AWS portion satisfied/);
    expect(out.reasons.join(' ')).toMatch(/supporting information only: 1 in-scope resource check passed/);
    expect(out.evidence).toEqual(res.evidence);
    expect(asUntested({ ...res, status: 'pass' }, WHY).status).toBe('manual');
  });

  it('a failing AWS check still fails; a gap or a result needing review stays as it is', () => {
    for (const status of ['fail', 'not-collected', 'needs-review'] as const) {
      const res = { framework: 'test-fw', requirementId: '2.1', accountId: ACCOUNTS[0], status, coverage: 'partial' as const, reasons: ['FAIL x'], findings: [], evidence: [], gaps: [], parameters: {} };
      expect(asUntested(res, WHY)).toBe(res);
    }
  });

  describe('in the package', () => {
    let dir: string;
    beforeAll(async () => {
      const store = new MemoryStore();
      const tmp = mkdtempSync(join(tmpdir(), 'el-untested-'));
      const signer = await sealDays(store, standardDays());
      const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: partialEvaluate, procedureMaps: MAPS });
      dir = join(tmp, 'pkg');
      await extractPackageZip(pkg.zipPath, dir);
    });

    it('summary counts no AWS portion met for it, and count it as manual', () => {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      const counts = summary.statusCounts['test-fw'];
      expect(counts['aws-portion-satisfied'] ?? 0).toBe(0);
      expect(counts['pass'] ?? 0).toBe(1); // 1.1 in account 1 only: account 2 fails 1.1 at the end of the period
      // 2.1: account 1 passes its checks (manual), account 2 had a query error on the last day (a gap stays a gap).
      expect(counts['manual']).toBe(3);
      expect(summary.worstStatusCounts['test-fw']['aws-portion-satisfied'] ?? 0).toBe(0);
    });

    it('controls.csv shows it manual, says why its checks are supporting information only', () => {
      const r21 = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8')).find((r) => r.requirement === '2.1' && r.account === ACCOUNTS[0])!;
      expect(r21.status).toBe('manual');
      expect(r21.worst_status_in_period).toBe('manual');
      expect(r21.reasons).toContain(WHY);
      expect(r21.partial_coverage).toMatch(/^not tested/);
      expect(Number(r21.evidence_count)).toBeGreaterThan(0);
    });

    it('the report lists it with the manual requirements the assessor tests, with a notes area', (ctx) => {
      let text: string;
      try {
        text = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return ctx.skip(); // pdftotext (poppler-utils) is not installed.
      }
      const start = text.lastIndexOf('Manual and inherited requirements');
      const section = text.slice(start, text.indexOf('Findings register', start) > 0 ? text.indexOf('Findings register', start) : start + 4000);
      expect(section).toMatch(/2\.1\s+test-fw/);
      expect(section.replace(/\s+/g, ' ')).toContain('partial; AWS checks test none of its procedures');
      // The explanation names every status it can show (a check to review stays NEEDS REVIEW), not only MANUAL and FAIL.
      expect(text.replace(/\s+/g, ' ')).toContain('passing checks are shown as MANUAL (the assessor tests the requirement); any other result is shown as it is: FAIL for a failing check, NEEDS REVIEW for one to review, a gap where evidence is missing.');
    });

    it('index.html carries why, for the requirement view to say it is not tested by AWS evidence', () => {
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain(`"untested":${JSON.stringify(WHY)}`);
      expect(html).toContain('Not tested by AWS evidence: its AWS checks inform but test none of its procedures (');
      expect(html).toContain('any other result is shown as it is: FAIL for a failing check, NEEDS REVIEW for one to review, a gap where evidence is missing.');
    });

    it('OSCAL has no determination for it, and its observation says it is not tested', () => {
      const doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
      const res = doc['assessment-results'].results[0];
      const f = res.findings.filter((x: any) => x.target['target-id'] === 'req-2.1' && x.props.some((p: any) => p.name === 'account-id' && p.value === ACCOUNTS[0]));
      expect(f).toEqual([]);
      const obs = res.observations.find((o: any) => o.title === `2.1 in account ${ACCOUNTS[0]}`);
      expect(obs.remarks).toMatch(/^Not tested by AWS evidence/);
      expect(obs['relevant-evidence'].length).toBeGreaterThan(0);
    });
  });

  describe('failing in one account, in a package of one run', () => {
    let dir: string;
    beforeAll(async () => {
      const store = new MemoryStore();
      const tmp = mkdtempSync(join(tmpdir(), 'el-untested-fail-'));
      const signer = await sealDays(store, standardDays().slice(0, 1));
      const failing = async (input: EvaluateRunInput) =>
        (await partialEvaluate(input)).map((r) => (r.requirementId === '2.1' && r.accountId === ACCOUNTS[1] ? { ...r, status: 'fail' as const, reasons: ['FAIL org-trail (us-east-1): not logging'] } : r));
      const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-01', outDir: join(tmp, 'out'), evaluate: failing, procedureMaps: MAPS });
      dir = join(tmp, 'pkg');
      await extractPackageZip(pkg.zipPath, dir);
    });

    it('summary.json counts the failing results on requirements AWS evidence does not test apart', () => {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.failingResults).toBeGreaterThanOrEqual(1);
      expect(summary.failingResultsNotTested).toBe(1);
    });

    it('the cover and the executive summary say so, and a single run measures no change', (ctx) => {
      let text: string;
      try {
        text = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\s+/g, ' ');
      } catch {
        return ctx.skip(); // pdftotext (poppler-utils) is not installed.
      }
      expect(text).toContain('1 of them on requirements whose AWS checks test none of their procedures (a failing check there is supporting evidence: the assessor tests the requirement)'); // executive summary
      // Cover, beside the MANUAL badge: a part of the FAIL count, not a further one.
      expect(text).toContain(`1 of the ${JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).failingResults} FAIL are on requirements AWS evidence does not test (supporting evidence only)`);
      expect(text).toContain('not measurable: the period holds 1 collection run, and changes are seen between runs');
      expect(text).not.toMatch(/\b0 status or resource changes/);
      // One status, three names: the legend gives the word the report prints for each value of the data files.
      expect(text).toMatch(/AWS PORTION MET = aws-portion-? ?satisfied/); // pdftotext may drop the hyphen where the line wraps
    });

    it('index.html says it beside the failing results', () => {
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain("' of them on requirements whose AWS checks test none of their procedures (a failing check there is supporting evidence: the assessor tests the requirement)'");
      expect(html).toContain('"failingResultsNotTested":1');
    });

    it('OSCAL marks the failing finding and its observation procedures-tested none, says what the failure proves, and stays valid', () => {
      const doc = JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'));
      expect(oscalSchemaErrors(doc)).toEqual([]);
      const res = doc['assessment-results'].results[0];
      const ofAccount = (x: any, a: string) => x.props.some((p: any) => p.name === 'account-id' && p.value === a);
      const failing = res.findings.find((x: any) => x.target['target-id'] === 'req-2.1' && ofAccount(x, ACCOUNTS[1]));
      expect(failing.target.status).toMatchObject({ state: 'not-satisfied', reason: 'fail' });
      expect(failing.props).toContainEqual(expect.objectContaining({ name: 'procedures-tested', ns: 'https://evidence-locker.dev/ns/oscal', value: 'none' }));
      expect(failing.target.status.remarks).toContain(`Failing evidence that tests none of this requirement's testing procedures (${WHY})`);
      const obs = res.observations.find((o: any) => o.title === `2.1 in account ${ACCOUNTS[1]}`);
      expect(obs.props).toContainEqual(expect.objectContaining({ name: 'procedures-tested', value: 'none' }));
      // A failure of a requirement the evidence tests carries no such mark.
      const tested = res.findings.filter((x: any) => x.target['target-id'] === 'req-1.1');
      expect(tested.length).toBeGreaterThan(0);
      for (const f of tested) expect(f.props.map((p: any) => p.name)).not.toContain('procedures-tested');
      expect(res.description).toContain('procedures-tested = none');
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      const marked = res.findings.filter((x: any) => x.target.status.reason === 'fail' && x.props.some((p: any) => p.name === 'procedures-tested') && x.props.some((p: any) => p.name === 'status-at-period-end' && p.value === 'fail'));
      expect(marked.length).toBe(summary.failingResultsNotTested);
    });
  });
});
