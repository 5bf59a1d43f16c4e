import { csvRows } from './csv-rows.js';
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import type { ScopeConfig } from '../../src/config/scope.js';
import type { Config } from '../../src/config/schema.js';
import type { BucketEncryptionEvidence } from '../../src/queries/s3/bucket-encryption.js';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { MemoryStore, body } from './fixtures.js';
import * as macieFixture from '../fixtures/macie/discovery.js';

// CommonJS default exports seen through NodeNext ESM interop.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as typeof AjvModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as typeof addFormatsModule.default;

const ACCOUNT = '111122223333';

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Scope test framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '3.5.1', title: 'Stored account data is unreadable', principal: '3', testingProcedures: ['3.5.1.a', '3.5.1.b'], coverage: 'partial', rationale: 'Default bucket encryption shows part of it.', assessorGuidance: 'Ask for the key management procedure.', queries: ['s3.bucket-encryption'] },
    { id: '3.6.1', title: 'Encrypted data at rest everywhere', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] },
    { id: '12.1.1', title: 'A security policy exists', principal: '12', testingProcedures: ['12.1.1'], coverage: 'manual', rationale: 'A policy is a document.', assessorGuidance: 'Ask for the policy.' },
  ],
});
const MAPS = [{ framework: 'pci-test', procedures: [{ procedure: '3.5.1.b', requirement: '3.5.1', method: 'examine-configuration' as const, queries: ['s3.bucket-encryption'] }, { procedure: '3.6.1', requirement: '3.6.1', method: 'examine-configuration' as const, queries: ['s3.bucket-encryption'] }] }];

const SCOPE: ScopeConfig = {
  'pci-test': { description: 'cardholder data environment', accounts: [ACCOUNT], include: [{ resource: '*cardholder-data*', reason: 'stores cardholder data' }], connected: [], exclude: [{ resource: 'legacy-uploads', reason: 'sandbox: no account data' }] },
};

const encrypted = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const }, BucketKeyEnabled: true }] } };

/** The catalog with a requirement whose check (macie.discovery) judges the scope: card numbers where none is declared. */
const MACIE_CATALOG = CatalogSchema.parse({
  ...CATALOG,
  requirements: [...CATALOG.requirements, { id: '3.2.1', title: 'Account data storage is kept to a minimum', principal: '3', testingProcedures: ['3.2.1.a'], coverage: 'partial', rationale: 'Macie shows where card numbers are stored.', queries: ['macie.discovery'] }],
});

/**
 * One sealed run whose bucket list holds the encrypted cardholder-data bucket and, optionally, an unencrypted legacy
 * bucket; with `macieFinding`, also a Macie discovery record whose finding puts card numbers in legacy-uploads.
 */
async function storeWith(legacyBucket: boolean, macieFinding: boolean | 'sad' = false): Promise<{ store: MemoryStore; signer: LocalEd25519Signer }> {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  const data: BucketEncryptionEvidence = {
    buckets: [{ Name: 'prod-cardholder-data', CreationDate: new Date('2024-01-01T00:00:00Z'), BucketRegion: 'us-east-1' }],
    responses: [{ bucket: 'prod-cardholder-data', region: 'us-east-1', response: encrypted }],
  };
  if (legacyBucket) {
    data.buckets.push({ Name: 'legacy-uploads', CreationDate: new Date('2019-01-01T00:00:00Z'), BucketRegion: 'us-east-1' });
    data.responses.push({ bucket: 'legacy-uploads', region: 'us-east-1', response: { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'The server side encryption configuration was not found' } } });
  }
  const b = body('s3.bucket-encryption', ACCOUNT, 'us-east-1', JSON.parse(JSON.stringify(data)));
  const bytes = canonicalBytes(b);
  const sha = sha256Hex(bytes);
  await store.putObject(sha, bytes);
  const records: ManifestRecord[] = [{ recordId: `s3.bucket-encryption/${ACCOUNT}/us-east-1`, queryId: 's3.bucket-encryption', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-02T02:00:05.000Z', sha256: sha, size: bytes.length }];
  if (macieFinding) {
    // Card numbers with expiry dates, or (sad) a card security code beside a card number: sensitive authentication data.
    const card = macieFixture.findings.findings![macieFinding === 'sad' ? 3 : 1];
    const data = { ...macieFixture.evidence, findings: [{ ...card, resourcesAffected: { s3Bucket: { name: 'legacy-uploads', arn: 'arn:aws:s3:::legacy-uploads' }, s3Object: { key: 'exports/a.csv' } } }] };
    const mb = canonicalBytes(body('macie.discovery', ACCOUNT, 'us-east-1', JSON.parse(JSON.stringify(data))));
    const msha = sha256Hex(mb);
    await store.putObject(msha, mb);
    records.push({ recordId: `macie.discovery/${ACCOUNT}/us-east-1`, queryId: 'macie.discovery', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', collectedAt: '2026-11-02T02:00:06.000Z', sha256: msha, size: mb.length });
  }
  await sealRun(store, signer, {
    runId: '20261102T020000Z-000001',
    kind: 'collection',
    chain: 'default',
    startedAt: new Date('2026-11-02T02:00:00.000Z'),
    completedAt: new Date('2026-11-02T02:05:00.000Z'),
    scope: { accounts: [ACCOUNT], regions: ['us-east-1'], frameworks: ['pci-test'], queries: records.map((r) => r.queryId) },
    records,
  });
  return { store, signer };
}

async function packageFiles(legacyBucket: boolean, scope?: ScopeConfig, more: { catalog?: typeof CATALOG; entity?: Config['entity']; macieFinding?: boolean | 'sad'; parameterOverrides?: Config['parameters'] } = {}): Promise<Record<string, string>> {
  const { store, signer } = await storeWith(legacyBucket, more.macieFinding ?? false);
  const out = mkdtempSync(join(tmpdir(), 'el-scope-'));
  const built = await buildPackage({ store, signer, catalogs: [more.catalog ?? (more.macieFinding ? MACIE_CATALOG : CATALOG)], frameworks: ['pci-test'], from: '2026-11-02', to: '2026-11-02', outDir: out, organization: 'Acme', procedureMaps: MAPS, ...(scope ? { scope } : {}), ...(more.entity ? { entity: more.entity } : {}), ...(more.parameterOverrides ? { parameterOverrides: more.parameterOverrides } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'el-scope-x-'));
  await extractPackageZip(built.zipPath, dir);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  let pdfText = '';
  try {
    pdfText = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // pdftotext (poppler-utils) is not installed: the report text checks are skipped.
  }
  return Object.fromEntries(['controls.csv', 'testing-procedures.csv', 'findings.csv', 'population.csv', 'summary.json', 'evidence-index.csv', 'oscal/assessment-results.json', 'index.html'].map((f) => [f, read(f)]).concat([['report.txt', pdfText]]));
}

/** requirement -> status column of controls.csv. */
function statuses(controlsCsv: string): Record<string, string> {
  const [header, ...lines] = controlsCsv.trim().split('\r\n');
  const cols = header.split(',');
  return Object.fromEntries(lines.map((l) => l.split(',')).map((c) => [c[cols.indexOf('requirement')], c[cols.indexOf('status')]]));
}


describe('a package with a declared scope', () => {
  let noScope: Record<string, string>;
  let scoped: Record<string, string>;
  let withoutBucket: Record<string, string>;
  let nothingInScope: Record<string, string>;
  beforeAll(async () => {
    const excludeAll: ScopeConfig = { 'pci-test': { ...SCOPE['pci-test'], exclude: [...SCOPE['pci-test'].exclude, { resource: 'prod-cardholder-data', reason: 'moved out of the CDE' }] } };
    [noScope, scoped, withoutBucket, nothingInScope] = await Promise.all([packageFiles(true), packageFiles(true, SCOPE), packageFiles(false, SCOPE), packageFiles(true, excludeAll)]);
  });

  it('an out-of-scope failing bucket changes no requirement status: same as if the bucket did not exist', () => {
    expect(statuses(noScope['controls.csv'])).toEqual({ '3.5.1': 'fail', '3.6.1': 'fail', '12.1.1': 'manual' });
    expect(statuses(scoped['controls.csv'])).toEqual(statuses(withoutBucket['controls.csv']));
    // The partial requirement is never a plain pass; the automated one passes.
    expect(statuses(scoped['controls.csv'])).toEqual({ '3.5.1': 'aws-portion-satisfied', '3.6.1': 'pass', '12.1.1': 'manual' });
  });

  it('lists the out-of-scope bucket in the population with its reason, and never as failing', () => {
    const pop = csvRows(scoped['population.csv']);
    const legacy = pop.filter((r) => r.resource === 'legacy-uploads');
    expect(legacy.length).toBe(2);
    for (const r of legacy) expect(r).toMatchObject({ in_scope: 'false', scope_reason: 'excluded: sandbox: no account data', status: 'out-of-scope', check_result: 'fail' });
    expect(pop.filter((r) => r.resource === 'prod-cardholder-data').map((r) => [r.in_scope, r.status, r.scope_reason])).toEqual([
      ['true', 'pass', 'stores cardholder data'],
      ['true', 'pass', 'stores cardholder data'],
    ]);
    expect(pop.every((r) => r.evidence_ref === 'E-0001')).toBe(true);
  });

  it('keeps the out-of-scope bucket out of the findings register; without a scope it is one finding for both requirements', () => {
    expect(csvRows(scoped['findings.csv'])).toEqual([]);
    const f = csvRows(noScope['findings.csv']);
    expect(f.map((r) => [r.finding_id, r.severity, r.resource, r.requirements, r.evidence_refs, r.first_seen, r.days_open])).toEqual([['F-0001', 'high', 'legacy-uploads', 'pci:3.5.1 pci:3.6.1', 'E-0001', '2026-11-02', '1']]);
  });

  it('proposes a finding per testing procedure with method, evidence references and population counts', () => {
    const p = csvRows(scoped['testing-procedures.csv']);
    expect(p.map((r) => r.procedure)).toEqual(['3.5.1.a', '3.5.1.b', '3.6.1', '12.1.1']);
    const by = Object.fromEntries(p.map((r) => [r.procedure, r]));
    // 3.5.1 is partial: its mapped procedure is at most "AWS portion in place", never in place; 3.6.1 is automated.
    expect(by['3.5.1.b']).toMatchObject({ method: 'examine-configuration', proposed_finding: 'aws-portion-in-place', evidence_refs: 'E-0001', population_in_scope: '1', population_out_of_scope: '1' });
    expect(by['3.5.1.b'].note).toMatch(/^proposed, assessor to confirm: AWS portion in place: /);
    expect(by['3.5.1.b'].note).toContain('its other procedure (3.5.1.a) is not tested');
    expect(by['3.6.1'].proposed_finding).toBe('in-place');
    expect(by['3.5.1.a'].proposed_finding).toBe('not-tested');
    expect(by['12.1.1'].note).toMatch(/ask for: Ask for the policy/);
    const unscoped = Object.fromEntries(csvRows(noScope['testing-procedures.csv']).map((r) => [r.procedure, r]));
    expect(unscoped['3.5.1.b']).toMatchObject({ proposed_finding: 'not-in-place', population_in_scope: '2', population_out_of_scope: '0' });
  });

  it('summary.json states the scope and counts; no scope declared says so', () => {
    const s = JSON.parse(scoped['summary.json']);
    expect(s.scope['pci-test'].declared).toBe(true);
    expect(s.statusCounts['pci-test']).toEqual({ 'aws-portion-satisfied': 1, pass: 1, manual: 1 });
    expect(s.proposedFindings['pci-test']).toEqual({ 'in-place': 1, 'aws-portion-in-place': 1, 'not-in-place': 0, 'not-applicable': 0, 'not-tested': 2 });
    expect(s.population).toEqual({ inScope: 2, outOfScope: 2, outOfScopeCheckFailing: 2, outOfScopeCheckReview: 0 });
    expect(s.period).toEqual({ from: '2026-11-02', to: '2026-11-02', days: 1, daysWithRun: 1, daysWithoutRun: 0, datesWithoutRun: [], accountDays: 1, accountDaysWithEvidence: 1, coveragePercent: 100, accountLevelGaps: 0, regionLevelGaps: 0, accountDaysWithoutRun: 0, resultsWithGaps: expect.any(Number), resultsExpectingEvidence: expect.any(Number), ended: true });
    const n = JSON.parse(noScope['summary.json']);
    expect(n.scope['pci-test']).toEqual({ declared: false, statement: 'scope: every resource of the listed accounts (no scope declared)' });
    expect(n.findingsBySeverity.high).toBe(1);
  });

  it('OSCAL presents a not-applicable result as proposed, says why, and labels the catalog text as the check rationale', () => {
    expect(statuses(nothingInScope['controls.csv'])).toMatchObject({ '3.6.1': 'not-applicable' });
    const obs = JSON.parse(nothingInScope['oscal/assessment-results.json'])['assessment-results'].results[0].observations.find((o: { title: string }) => o.title.startsWith('3.6.1 '));
    expect(obs.remarks).toBe(
      'Proposed not applicable (assessor to confirm): every resource its checks judged in this account is outside the declared scope (2 out-of-scope resource check(s), e.g. legacy-uploads: excluded: sandbox: no account data; listed in population.csv); the assessor confirms that none is expected. Check rationale (what the evidence shows when such resources exist): Default bucket encryption shows it.',
    );
    expect(obs.remarks).not.toMatch(/^Not applicable: /);
  });

  it('numbers evidence records E-0001... in evidence-index.csv', () => {
    expect(csvRows(scoped['evidence-index.csv']).map((r) => [r.record, r.ref])).toEqual([[`s3.bucket-encryption/${ACCOUNT}/us-east-1`, 'E-0001']]);
  });

  it('OSCAL carries the findings register as risks and a proposed result per procedure objective, and stays schema-valid', () => {
    const schema = JSON.parse(readFileSync(new URL('../data/oscal/oscal_assessment-results_schema-1.1.2.json', import.meta.url), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    for (const pkg of [noScope, scoped]) {
      const doc = JSON.parse(pkg['oscal/assessment-results.json']);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
    const result = JSON.parse(noScope['oscal/assessment-results.json'])['assessment-results'].results[0];
    expect(result.risks).toHaveLength(1);
    expect(result.risks[0].props).toContainEqual({ name: 'finding-id', ns: 'https://evidence-locker.dev/ns/oscal', value: 'F-0001' });
    const proc = result.findings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === 'req-3.5.1_obj.3.5.1.b');
    expect(proc.target.status).toMatchObject({ state: 'not-satisfied', reason: 'fail' });
    expect(proc['related-risks']).toEqual([{ 'risk-uuid': result.risks[0].uuid }]);
    // A procedure of a partial requirement is never satisfied, as its requirement is not; a fully automated one can be.
    const scopedFindings = JSON.parse(scoped['oscal/assessment-results.json'])['assessment-results'].results[0].findings;
    const objective = (id: string) => scopedFindings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === id).target.status;
    expect(objective('req-3.5.1_obj.3.5.1.b')).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(objective('req-3.5.1_obj.3.5.1.b').remarks).toMatch(/^AWS portion in place/);
    expect(objective('req-3.5.1')).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(objective('req-3.6.1_obj.3.6.1')).toMatchObject({ state: 'satisfied', reason: 'pass' });
    const obs = result.observations.find((o: { title: string }) => o.title.startsWith('3.5.1 '));
    expect(obs.props).toContainEqual({ name: 'evidence-ref', ns: 'https://evidence-locker.dev/ns/oscal', value: 'E-0001' });
  });

  it('index.html shows the scope, the findings register and the population without script, and embeds them for its views', () => {
    const html = noScope['index.html'];
    expect(html).toContain('<section id="assessor-results">');
    expect(html).toContain('<tr id="F-0001">');
    expect(html).toContain('scope: every resource of the listed accounts (no scope declared)');
    const data = JSON.parse(html.match(/<script id="package-data" type="application\/json">([\s\S]*?)<\/script>/)![1].replace(/\\u003c/g, '<'));
    expect(data.assessor.findings.map((f: { id: string }) => f.id)).toEqual(['F-0001']);
    expect(data.assessor.summary.findingsBySeverity.high).toBe(1);
    expect(data.assessor.populationTotal).toBe(4);
    // The per-procedure counts and states agree with testing-procedures.csv.
    const scopedHtml = scoped['index.html'];
    expect(scopedHtml).toContain('<th>In place</th><th>AWS portion in place</th><th>Not in place</th>');
    expect(scopedHtml).toMatch(/<tr><td>Scope test framework<\/td><td>1<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>2<\/td><td>1<\/td><\/tr>/);
  });

  it('the report states the scope on its cover, or a no-scope band, and lists findings before the requirement sections', () => {
    if (!noScope['report.txt']) return;
    const cover = (t: string) => t.split('\f')[0];
    expect(cover(noScope['report.txt'])).toContain('no scope declared');
    expect(cover(scoped['report.txt'])).toMatch(/scope: cardholder data environment/);
    expect(cover(scoped['report.txt'])).not.toContain('no scope declared');
    expect(cover(noScope['report.txt'])).toMatch(/Findings register: 1 \(0 critical, 1 high/);
    expect(cover(scoped['report.txt']).replace(/\s+/g, ' ')).toContain('Scope test framework: 1 in place, 1 AWS portion in place, 0 not in place, 0 not applicable, 2 not tested');
    // The procedure table of the partial requirement: "AWS portion in place", of the automated one: "in place".
    expect(scoped['report.txt']).toMatch(/^3\.5\.1\.b\s+examine-\s+AWS portion in\s+1\/1[^\n]*\n\s+configuration\s+place\s/m);
    // Table headers are one line each and never cut ("AWS portio...").
    expect(scoped['report.txt']).toMatch(/Framework\s+In place\s+AWS portion in place\s+Not in place\s+Not applicable\s+Not tested\s+AWS portion met\n/);
    expect(scoped['report.txt']).toMatch(/Procedure\s+Method\s+Proposed finding\s/);
    expect(scoped['report.txt']).toMatch(/^3\.6\.1\s+examine-\s+in place\s+1\/1/m);
    const text = noScope['report.txt'];
    expect(text.indexOf('F-0001')).toBeGreaterThan(0);
    const register = text.search(/^\s*Findings register\s*$/m);
    expect(register).toBeGreaterThan(0);
    // Requirement sections each start their procedure table under a "Testing procedures" line.
    expect(register).toBeLessThan(text.search(/^\s*Testing procedures\s*$/m));
  });
});

describe('a package whose declared exclusion the evidence contradicts (card numbers in an excluded bucket)', () => {
  let files: Record<string, string>;
  let scoped: Record<string, string>;
  beforeAll(async () => {
    [files, scoped] = await Promise.all([packageFiles(true, SCOPE, { macieFinding: true }), packageFiles(true, SCOPE)]);
  });
  const contradicted = /^declared exclusion contradicted: macie\.discovery found card numbers \(12 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 1 object \(exports\/a\.csv\)\) \(record macie\.discovery\/111122223333\/us-east-1\); counted in scope, whatever the declared scope says \(excluded: sandbox: no account data\)$/;

  it('the bucket\'s checks count in scope and decide their requirements; the population says the exclusion is contradicted', () => {
    expect(statuses(files['controls.csv'])).toMatchObject({ '3.5.1': 'fail', '3.6.1': 'fail' });
    const legacy = csvRows(files['population.csv']).filter((r) => r.resource === 'legacy-uploads');
    expect(legacy.length).toBe(2);
    for (const r of legacy) expect(r).toMatchObject({ in_scope: 'true', status: 'fail', check_result: 'fail' });
    for (const r of legacy) expect(r.scope_reason).toMatch(contradicted);
    // Without the Macie finding the exclusion stands exactly as declared.
    for (const r of csvRows(scoped['population.csv']).filter((x) => x.resource === 'legacy-uploads')) expect(r.scope_reason).toBe('excluded: sandbox: no account data');
  });

  it('summary.json, index.html and the report say how many exclusions were contradicted and by what', () => {
    const s = JSON.parse(files['summary.json']).scope['pci-test'];
    expect(s.contradicted).toEqual([
      { accountId: ACCOUNT, resource: 'arn:aws:s3:::legacy-uploads', queryId: 'macie.discovery', found: 'card numbers (12 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 1 object (exports/a.csv))', record: `macie.discovery/${ACCOUNT}/us-east-1`, exclusion: true, declared: 'excluded: sandbox: no account data', checks: 2 },
    ]);
    // Short enough for the cover: what was found, by which check and record, is in the population and in `contradicted`.
    expect(s.statement).toMatch(/; 1 declared exclusion\(s\) contradicted by the evidence \(arn:aws:s3:::legacy-uploads\), their checks counted in scope \(see Population\)$/);
    expect(JSON.parse(scoped['summary.json']).scope['pci-test'].contradicted).toEqual([]);
    expect(JSON.parse(scoped['summary.json']).scope['pci-test'].statement).not.toMatch(/contradicted/);
    expect(files['index.html']).toContain('1 declared exclusion(s) contradicted by the evidence');
    expect(files['index.html']).toMatch(/<td>declared exclusion contradicted: macie\.discovery found card numbers/);
    if (!files['report.txt']) return;
    // The population page names it in a table of its own (cells wrap: only the first line of each is matched).
    expect(files['report.txt']).toMatch(/^\s*Declared exclusions contradicted by the evidence\s*$/m);
    expect(files['report.txt']).toMatch(/arn:aws:s3:::legacy-uploads\s+exclusion contradicted: macie\.discovery found/);
    expect(scoped['report.txt']).not.toContain('contradicted');
  });
});

describe('a package whose configuration declares a card data location its PCI DSS scope excludes (cardDataBuckets)', () => {
  // No Macie finding is needed: the configuration says the bucket holds card data and that it is out of the CDE.
  const DECLARING = CatalogSchema.parse({ ...MACIE_CATALOG, requirements: MACIE_CATALOG.requirements.map((r) => (r.id === '3.2.1' ? { ...r, parameters: { cardDataBuckets: [] } } : r)) });
  let files: Record<string, string>;
  beforeAll(async () => {
    files = await packageFiles(true, SCOPE, { catalog: DECLARING, parameterOverrides: { 'pci-test': { '3.2.1': { cardDataBuckets: ['legacy-*'] } } } });
  });
  const field = 'parameters.pci-test."3.2.1".cardDataBuckets';

  it('the population, summary.json `contradicted` and the scope statement name the contradiction and the configuration field', () => {
    expect(statuses(files['controls.csv'])).toMatchObject({ '3.5.1': 'fail', '3.6.1': 'fail' });
    const legacy = csvRows(files['population.csv']).filter((r) => r.resource === 'legacy-uploads');
    expect(legacy.length).toBe(2);
    for (const r of legacy) {
      expect(r).toMatchObject({ in_scope: 'true', status: 'fail' });
      expect(r.scope_reason).toBe(`declared exclusion contradicted: the configuration declares it a card data location (${field}: "legacy-*"), so by the organisation's own declaration it holds that data; counted in scope, whatever the declared scope says (excluded: sandbox: no account data)`);
    }
    const s = JSON.parse(files['summary.json']).scope['pci-test'];
    expect(s.contradicted).toEqual([
      { accountId: ACCOUNT, resource: 'arn:aws:s3:::legacy-uploads', queryId: 'macie.discovery', found: 'a card data location', record: field, exclusion: true, declared: 'excluded: sandbox: no account data', checks: 2, configuration: `${field}: "legacy-*"` },
    ]);
    expect(s.statement).toMatch(/; 1 declared exclusion\(s\) contradicted by the configuration's own card data locations \(arn:aws:s3:::legacy-uploads\), their checks counted in scope \(see Population\)$/);
    if (!files['report.txt']) return;
    expect(files['report.txt']).toMatch(/arn:aws:s3:::legacy-uploads\s+exclusion contradicted: the configuration declares/);
  });
});

describe('a package whose catalog has requirements limited to an entity type', () => {
  // 3.6.1 applies only to service providers, 12.1.1 only to designated entities; the failing legacy bucket is in scope.
  const SP_CATALOG = CatalogSchema.parse({
    ...CATALOG,
    requirements: [
      ...CATALOG.requirements.map((r) => (r.id === '3.6.1' ? { ...r, appliesTo: 'service-provider' } : r.id === '12.1.1' ? { ...r, appliesTo: 'designated-entity' } : r)),
      // A partial requirement whose procedures the map does not name.
      { id: '12.5.2.1', title: 'Scope confirmed twice a year', principal: '12', testingProcedures: ['12.5.2.1.a', '12.5.2.1.b'], coverage: 'partial', rationale: 'Bucket encryption informs the scope review.', assessorGuidance: 'Ask for the scope confirmations.', queries: ['s3.bucket-encryption'], appliesTo: 'service-provider' },
    ],
  });
  const MERCHANT: Config['entity'] = { 'pci-test': { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false } };
  let undeclared: Record<string, string>;
  let merchant: Record<string, string>;
  beforeAll(async () => {
    [undeclared, merchant] = await Promise.all([packageFiles(true, undefined, { catalog: SP_CATALOG }), packageFiles(true, undefined, { catalog: SP_CATALOG, entity: MERCHANT })]);
  });

  it('entity declared not a service provider: the requirement is proposed not applicable, counted nowhere as a fail, and raises no finding', () => {
    // 12.1.1, manual and only for designated entities: proposed not applicable too.
    expect(statuses(merchant['controls.csv'])).toEqual({ '3.5.1': 'fail', '3.6.1': 'not-applicable', '12.1.1': 'not-applicable', '12.5.2.1': 'not-applicable' });
    const s = JSON.parse(merchant['summary.json']);
    expect(s.statusCounts['pci-test']).toEqual({ fail: 1, 'not-applicable': 3 });
    expect(s.failingResults).toBe(1);
    // The bucket still fails 3.5.1, which applies to every entity: one finding, for that requirement only.
    expect(csvRows(merchant['findings.csv']).map((r) => [r.finding_id, r.resource, r.requirements])).toEqual([['F-0001', 'legacy-uploads', 'pci:3.5.1']]);
    const p = Object.fromEntries(csvRows(merchant['testing-procedures.csv']).map((r) => [r.procedure, r]));
    expect(p['3.6.1'].proposed_finding).toBe('not-applicable');
    expect(p['3.6.1'].finding_ids ?? '').toBe('');
    expect(p['3.6.1'].note).toMatch(/^proposed, assessor to confirm: not applicable: applies only to service providers; the entity declared it is not one \(config entity\.pci-test\.serviceProvider: false\)/);
    expect(p['3.6.1'].note).toContain('for information only, the checks found: not in place');
    // Procedures the map does not name, of a requirement proposed not applicable: proposed not applicable too.
    expect([p['12.5.2.1.a'].proposed_finding, p['12.5.2.1.b'].proposed_finding]).toEqual(['not-applicable', 'not-applicable']);
    expect(p['12.5.2.1.a'].note).toMatch(/^proposed, assessor to confirm: not applicable: applies only to service providers; the entity declared it is not one/);
    // 12.1.1, manual: its result is proposed not applicable, and so is its procedure (it was 'not tested' beside it).
    expect(p['12.1.1'].proposed_finding).toBe('not-applicable');
    expect(p['12.1.1'].note).toMatch(/^proposed, assessor to confirm: not applicable: applies only to designated entities .*the entity declared it is not one.*; otherwise not tested by AWS evidence; ask for: /);
    // OSCAL: no finding for the not-applicable requirement, an observation saying why.
    const oscal = merchant['oscal/assessment-results.json'];
    expect(oscal).toContain('Proposed not applicable (assessor to confirm): applies only to service providers; the entity declared it is not one (config entity.pci-test.serviceProvider: false); the assessor confirms the entity type. the checks found, for information only');
  });

  it('entity type not declared: the requirement needs review with what its checks found; its procedure is not tested', () => {
    expect(statuses(undeclared['controls.csv'])).toEqual({ '3.5.1': 'fail', '3.6.1': 'needs-review', '12.1.1': 'manual', '12.5.2.1': 'needs-review' });
    const s = JSON.parse(undeclared['summary.json']);
    expect(s.failingResults).toBe(1);
    const p = Object.fromEntries(csvRows(undeclared['testing-procedures.csv']).map((r) => [r.procedure, r]));
    expect(p['3.6.1'].proposed_finding).toBe('not-tested');
    expect(p['3.6.1'].note).toMatch(/^applies only to service providers; the entity type is not declared \(config entity\.pci-test\): the assessor confirms applicability; the checks found: not in place/);
  });

  it('summary.json, index.html and the report cover state the declared entity type, or that it was not declared', () => {
    const m = JSON.parse(merchant['summary.json']).scope['pci-test'].entity;
    expect(m).toEqual({
      declared: true,
      statement: 'declared by the entity (config entity.pci-test): not a service provider; not a designated entity. Requirements only for other entity types: proposed not applicable, assessor to confirm',
      definition: MERCHANT['pci-test'],
    });
    const u = JSON.parse(undeclared['summary.json']).scope['pci-test'].entity;
    expect(u.declared).toBe(false);
    expect(u.statement).toMatch(/^not declared \(config entity\.pci-test\): requirements only for service providers/);
    // A catalog without such requirements says nothing of the entity type.
    expect(JSON.parse(undeclared['summary.json']).scope['pci-test'].statement).toBe('scope: every resource of the listed accounts (no scope declared)');
    expect(merchant['index.html']).toContain('<strong>pci-test entity type</strong>: declared by the entity (config entity.pci-test): not a service provider');
    expect(undeclared['index.html']).toContain('<strong>pci-test entity type</strong>: not declared (config entity.pci-test)');
    if (!merchant['report.txt']) return;
    const cover = (t: string) => t.split('\f')[0].replace(/\s+/g, ' ');
    // Compared without white space: pdftotext breaks the value's lines (and its hyphenated words) where the layout wraps them.
    const flat = (t: string) => t.replace(/\s+/g, '');
    expect(flat(cover(merchant['report.txt']))).toContain(flat('Frameworks pci-test (not a service provider, not designated)'));
    expect(flat(cover(undeclared['report.txt']))).toContain(flat('Frameworks pci-test (entity type not declared)'));
    // The method section gives the rule and the full statement.
    expect(flat(merchant['report.txt'])).toContain(flat('Entity type and applicability Some requirements apply only to service providers'));
    expect(flat(merchant['report.txt'])).toContain(flat('Entity: pci-test declared by the entity (config entity.pci-test): not a service provider; not a designated entity.'));
  });
});

// QSA: PCI DSS 3.3.1's note lets an issuer (or a company supporting issuing services) keep sensitive authentication data
// it has a legitimate, documented issuing business need for; the package failed every detection all the same.
describe('a package for an issuer that declares a documented business need to keep sensitive authentication data', () => {
  const DOC = 'ISS-POL-7 v3 SAD retention justification';
  const ISSUER_CATALOG = CatalogSchema.parse({
    ...CATALOG,
    requirements: [
      ...CATALOG.requirements,
      { id: '3.3.1', title: 'SAD is not kept after authorization', principal: '3', testingProcedures: ['3.3.1.a'], coverage: 'partial', rationale: 'Macie shows SAD in S3.', queries: ['macie.discovery'], parameters: { cardDataBuckets: [], judgeCardNumberLocations: false } },
      { id: '3.3.1.2', title: 'Card verification codes are not kept', principal: '3', testingProcedures: ['3.3.1.2'], coverage: 'partial', rationale: 'Macie shows codes in S3.', queries: ['macie.discovery'], parameters: { cardDataBuckets: [], judgeCardNumberLocations: false } },
      { id: '3.3.3', title: 'Issuers limit stored SAD', principal: '3', testingProcedures: ['3.3.3.a'], coverage: 'manual', rationale: 'A document.', assessorGuidance: 'Ask for the documented business need.', appliesTo: 'issuer' },
    ],
  });
  const MERCHANT = { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false };
  // One card data location, declared once: it reaches both requirements taking cardDataBuckets.
  const LOCATIONS: Config['parameters'] = { 'pci-test': { '3.3.1': { cardDataBuckets: ['prod-cardholder-*'] } } };
  let declared: Record<string, string>;
  let undeclared: Record<string, string>;
  beforeAll(async () => {
    const more = { catalog: ISSUER_CATALOG, macieFinding: 'sad' as const, parameterOverrides: LOCATIONS };
    [declared, undeclared] = await Promise.all([
      packageFiles(true, SCOPE, { ...more, entity: { 'pci-test': { ...MERCHANT, issuerWithBusinessNeed: { justificationDocument: DOC } } } }),
      packageFiles(true, SCOPE, { ...more, entity: { 'pci-test': MERCHANT } }),
    ]);
  });

  it('the detection needs review, naming the declaration and the document, instead of failing; 3.3.3 applies', () => {
    expect(statuses(undeclared['controls.csv'])).toMatchObject({ '3.3.1': 'fail', '3.3.1.2': 'fail', '3.3.3': 'manual' });
    expect(statuses(declared['controls.csv'])).toMatchObject({ '3.3.1': 'needs-review', '3.3.1.2': 'needs-review', '3.3.3': 'manual' });
    const sad = csvRows(declared['population.csv']).filter((r) => r.resource === 'arn:aws:s3:::legacy-uploads' && r.query === 'macie.discovery');
    expect(sad.length).toBeGreaterThan(0);
    for (const r of sad) expect(r.check_result).toBe('needs-review');
    const s = JSON.parse(declared['summary.json']).scope['pci-test'];
    expect(s.entity.statement).toContain(`keeps sensitive authentication data for a legitimate, documented issuing business need (config entity.pci-test.issuerWithBusinessNeed.justificationDocument: "${DOC}")`);
    expect(declared['index.html']).toContain(`The assessor examines \\"${DOC}\\" for a need that covers this data where it was found`);
    if (!declared['report.txt']) return;
    expect(declared['report.txt'].replace(/\s+/g, ' ')).toContain(`Not failed: the entity declares it keeps sensitive authentication data for a legitimate, documented issuing business need`);
  });

  it('the data still contradicts the declared exclusion of its bucket: the bucket\'s other checks count in scope', () => {
    for (const files of [declared, undeclared]) {
      const legacy = csvRows(files['population.csv']).filter((r) => r.resource === 'legacy-uploads');
      expect(legacy.length).toBe(2);
      for (const r of legacy) expect(r).toMatchObject({ in_scope: 'true', status: 'fail' });
      for (const r of legacy) expect(r.scope_reason).toMatch(/^declared exclusion contradicted: macie\.discovery found sensitive authentication data \(1 CREDIT_CARD_SECURITY_CODE, 1 CREDIT_CARD_NUMBER in 1 object/);
    }
    expect(statuses(declared['controls.csv'])).toMatchObject({ '3.5.1': 'fail', '3.6.1': 'fail' });
  });

  it('the table of changed parameters has one row for the declared card data locations, naming both requirements it reaches', () => {
    const summary = "1 parameter changed from the catalog, reaching 2 requirements (0 loosen a requirement's fixed value)";
    expect(declared['index.html']).toContain(summary);
    expect(declared['index.html']).toContain('"values":[{"fw":"pci-test","reqs":["3.3.1","3.3.1.2"],"parameter":"cardDataBuckets"');
    // Each requirement still says the value it was judged with (summary.json keeps one entry per requirement).
    expect(JSON.parse(declared['summary.json']).parameterOverrides.map((o: { requirement: string }) => o.requirement)).toEqual(['3.3.1', '3.3.1.2']);
    if (!declared['report.txt']) return;
    expect(declared['report.txt'].replace(/\s+/g, ' ')).toContain(summary);
    const table = declared['report.txt'].slice(declared['report.txt'].lastIndexOf('Parameters changed from the catalog'));
    // One row (cells wrap: its first line names the framework and the parameter, the next the requirements it reaches).
    expect(table.match(/^\s*pci-test\s+cardDataBuckets\b/gm)).toHaveLength(1);
    expect(table).toMatch(/^\s*3\.3\.1, 3\.3\.1\.2\s+macie\.discovery\b/m);
    expect(table.replace(/\s+/g, '')).toContain('anentitydeclaration,whichappliestoeverypci-testrequirementtakingcardDataBuckets');
  });
});
