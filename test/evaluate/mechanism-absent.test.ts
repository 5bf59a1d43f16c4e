import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../../src/evaluate/engine.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { RunManifest } from '../../src/evidence/manifest.js';
import type { EvidenceBody } from '../../src/evidence/record.js';
import { runManifest } from './run-manifest.js';

const ACCOUNT = '111122223333';
const catalog = CatalogSchema.parse({
  framework: 'hipaa-test',
  name: 'Mechanism test',
  version: '1',
  publisher: 'tests',
  requirements: [
    { id: 'S.1', title: 'Detect security violations', principal: 'S', testingProcedures: ['S.1'], coverage: 'partial', implementation: 'required', rationale: 'Config rules are the detection part.', queries: ['config.rule-compliance', 'config.conformance-packs'] },
  ],
});

/** One run: per region, the Config rules (none: an empty list) and conformance packs as the evidence holds them. */
function run(regions: Record<string, { rules: { ConfigRuleName: string; ConfigRuleArn: string }[]; compliant?: boolean }>) {
  const bodies = new Map<string, EvidenceBody>();
  const records: RunManifest['records'] = [];
  for (const [region, r] of Object.entries(regions)) {
    const add = (queryId: string, data: unknown) => {
      const sha = String(bodies.size).padStart(64, '0');
      bodies.set(sha, { schema: 'evidence-locker/evidence@1', queryId, accountId: ACCOUNT, region, status: 'ok', operations: [], requests: [], data, sdkVersion: 'test' });
      records.push({ recordId: `${queryId}/${ACCOUNT}/${region}`, queryId, accountId: ACCOUNT, region, status: 'ok', collectedAt: '2026-11-01T00:00:30.000Z', sha256: sha, size: 1 });
    };
    add('config.rule-compliance', { configRules: r.rules, compliance: r.rules.map((x) => ({ ConfigRuleName: x.ConfigRuleName, Compliance: { ComplianceType: r.compliant ? 'COMPLIANT' : 'NON_COMPLIANT' } })),
      nonCompliantDetails: [],
      // Each rule last evaluated successfully (DescribeConfigRuleEvaluationStatus).
      evaluationStatus: r.rules.map((x) => ({ ConfigRuleName: x.ConfigRuleName, FirstEvaluationStarted: true, LastSuccessfulEvaluationTime: '2026-11-01T00:00:00.000Z' })),
    });
    add('config.conformance-packs', { conformancePacks: [], compliance: [] });
  }
  const manifest = runManifest({ accounts: [ACCOUNT], regions: Object.keys(regions), frameworks: ['hipaa-test'], queries: ['config.rule-compliance', 'config.conformance-packs'] }, records);
  return evaluateRun({ manifest, loadBody: async (sha) => bodies.get(sha)!, catalogs: [catalog], frameworks: ['hipaa-test'] });
}

describe('a mechanism that is not deployed', () => {
  it('no Config rule or conformance pack in any region: the requirement needs review, never a proposed not applicable', async () => {
    const [r] = await run({ 'us-east-1': { rules: [] }, 'eu-west-1': { rules: [] } });
    expect(r.status).toBe('needs-review');
    expect(r.reasons[0]).toBe(
      'REVIEW: no AWS Config conformance packs or AWS Config rules deployed where the evidence was collected (eu-west-1, us-east-1): what this requirement\'s AWS evidence rests on is absent, so it is not proposed as not applicable; the assessor confirms what else does this job',
    );
    expect(r.reasons.join(' ')).not.toMatch(/proposed not applicable/);
  });

  it('rules deployed in one region: judged by them; regions without rules do not decide', async () => {
    const rule = { ConfigRuleName: 'encrypted-volumes', ConfigRuleArn: 'arn:aws:config:us-east-1:111122223333:config-rule/config-rule-abc' };
    const [ok] = await run({ 'us-east-1': { rules: [rule], compliant: true }, 'eu-west-1': { rules: [] } });
    expect(ok.status).toBe('aws-portion-satisfied');
    // The regions without them are named: they were not evaluated by them.
    expect(ok.reasons).toContain('not evaluated where none is deployed: no AWS Config conformance packs in eu-west-1, us-east-1; no AWS Config rules in eu-west-1');
    const [bad] = await run({ 'us-east-1': { rules: [rule], compliant: false }, 'eu-west-1': { rules: [] } });
    expect(bad.status).toBe('fail');
  });
});
