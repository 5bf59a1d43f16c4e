import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage, inputSha256 } from '../../src/package/build.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { earlierBuiltInInput, loadProcedureMap, type ProcedureMap } from '../../src/controls/procedures.js';
import { PackageManifestSchema, evaluationInputsId, manifestEvidenceSetId, packageManifestBytes, type PackageManifest } from '../../src/package/manifest.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { formatVerification, verifyPackage, verifyPackageDir } from '../../src/verify/package.js';
import { recomputePackageDir } from '../../src/verify/recompute.js';
import { SUMMARY_REVISION } from '../../src/package/assessor.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario, sealDays, ACCOUNTS } from '../package/fixtures.js';
import { resignSums } from '../support/verify-sh.js';
import { remanifest, replacePackageFiles, rewriteSummary } from '../support/resign-package.js';

const ACCT = ACCOUNTS[0];

const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function unzip(zip: string): Promise<string> {
  const dir = tmp('el-recompute-unzip-');
  await extractPackageZip(zip, dir);
  return dir;
}

/** The insider's build (attack21 BUG 2): the same evidence, every fail turned into a pass by a patched evaluation. */
async function lenient(input: EvaluateRunInput) {
  return (await fixtureEvaluate(input)).map((r) =>
    r.status === 'fail' ? { ...r, status: 'pass' as const, reasons: ['2 checks passed'], findings: r.findings.map((f) => ({ ...f, status: 'pass' as const, reason: 'default encryption on' })) } : r,
  );
}

/** Three days on which the logs bucket of account 1 has no default encryption: requirement 1.1 fails every day. */
async function failingScene() {
  const store = new LocalEvidenceStore(tmp('el-recompute-store-'));
  const signer = LocalEd25519Signer.open(tmp('el-recompute-key-'));
  await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: false } })), signer);
  const trust = trustPolicy([await signer.fingerprint()]);
  const pkg = (extra: Partial<Parameters<typeof buildPackage>[0]> = {}) =>
    buildPackage({ store, signer, trust, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp('el-recompute-pkg-'), builtAt: new Date('2026-11-02T09:00:00Z'), ...extra });
  return { signer, pkg };
}

describe('verify --recompute: the results are re-derived from the package\'s own sealed evidence', () => {
  it('a package whose evaluation was altered (attack21 BUG 2) is VALID by signatures but INVALID recomputed, naming file, requirement, account and both values', async () => {
    const { signer, pkg } = await failingScene();
    const fp = await signer.fingerprint();
    const truthful = await pkg();
    const altered = await pkg({ evaluate: lenient });
    expect(truthful.summary.statusCounts.fail).toBeGreaterThan(0);
    expect(altered.summary.statusCounts.fail ?? 0).toBe(0);

    // Signatures alone: VALID, and the output says the results are the builder's statement.
    const plain = await verifyPackage(altered.zipPath, { expectedKeys: [fp] });
    expect(plain.ok).toBe(true);
    expect(formatVerification(plain, 'altered.zip')).toMatch(/results \(controls\.csv.*\): the builder's statement[\s\S]*`--recompute` evaluates the sealed evidence again/);

    // Recomputed with the evaluation the truthful build used: the lenient results do not follow from the evidence.
    const v = await verifyPackage(altered.zipPath, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.ok).toBe(false);
    expect(v.recompute?.ran).toBe(true);
    const controls = v.problems.filter((p) => p.path === 'controls.csv').map((p) => p.message);
    expect(controls.some((m) => m.includes('requirement 1.1') && m.includes(`account ${ACCT}`) && /status is "pass" in the package, "fail" recomputed/.test(m))).toBe(true);
    expect(v.problems.some((p) => p.path === 'summary.json' && /statusCounts\.test-fw\.fail is \(absent\) in the package, \d+ recomputed|statusCounts/.test(p.message))).toBe(true);
    const text = formatVerification(v, 'altered.zip');
    expect(text).toMatch(/INVALID/);
    expect(text).toMatch(/controls\.csv: framework test-fw, requirement 1\.1, account 111111111111: status is "pass" in the package, "fail" recomputed/);

    // The truthful package recomputes to the same results.
    const t = await verifyPackage(truthful.zipPath, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(t.problems).toEqual([]);
    expect(t.ok).toBe(true);
    expect(t.recompute?.compared).toEqual(['controls.csv', 'findings.csv', 'testing-procedures.csv', 'population.csv', 'summary.json']);
    expect(formatVerification(t, 'truthful.zip')).toMatch(/the same as re-derived from the package's sealed evidence/);
  }, 120_000);

  it("the evidence set id: a manifest.json listing its runs otherwise than the build gathers them, ids made consistent by the key's holder, is VALID by signatures but INVALID recomputed, naming both ids", async () => {
    const { signer, pkg } = await failingScene();
    const fp = await signer.fingerprint();
    const dir = await unzip((await pkg()).zipPath);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const genuine = m.contentId;
    m.runs.reverse();
    m.contentId = manifestEvidenceSetId(m)!;
    expect(m.contentId).not.toBe(genuine);
    const bytes = packageManifestBytes(m);
    writeFileSync(join(dir, 'manifest.json'), bytes);
    writeFileSync(join(dir, 'manifest.sig'), await signer.sign(bytes));
    await resignSums(dir, signer);
    const plain = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(plain.problems).toEqual([]);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      { path: 'manifest.json', message: `contentId ${m.contentId} (the evidence set id on the report cover) differs from the id of the evidence set recomputed from the package's sealed runs with its recorded inputs, ${genuine}` },
    ]);
  }, 120_000);

  it('a package built with a declared entity type records it and recomputes to its own results (the entity decides applicability)', async () => {
    const { signer, pkg } = await failingScene();
    const catalog = { ...TEST_CATALOG, requirements: TEST_CATALOG.requirements.map((r) => (r.id === '1.1' ? { ...r, appliesTo: 'service-provider' as const } : r)) };
    const entity = { 'test-fw': { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false } };
    const built = await pkg({ catalogs: [catalog], entity });
    // The entity decides 1.1's applicability (procedures, summary.json's entity statement): recompute must use it.
    expect(JSON.parse(readFileSync(join(await unzip(built.zipPath), 'summary.json'), 'utf8')).scope['test-fw'].entity.declared).toBe(true);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(await unzip(built.zipPath), 'manifest.json'), 'utf8')));
    expect(m.evaluation?.entity).toEqual(entity);
    const v = await verifyPackage(built.zipPath, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  }, 120_000);

  it('manifest.json records the evaluation inputs: a custom catalog is embedded and listed, and changed parameters change the evaluation id', async () => {
    const { pkg } = await failingScene();
    const a = await pkg();
    const b = await pkg({ parameterOverrides: { 'test.bucket-encryption': { minimumDays: 7 } } as never });
    const dirA = await unzip(a.zipPath);
    const ma = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dirA, 'manifest.json'), 'utf8')));
    const mb = PackageManifestSchema.parse(JSON.parse(readFileSync(join(await unzip(b.zipPath), 'manifest.json'), 'utf8')));
    expect(ma.evaluation?.tool).toEqual(ma.tool);
    expect(ma.evaluation?.builtAt).toBe('2026-11-02T09:00:00.000Z');
    expect(ma.evaluation?.catalogs).toEqual([{ framework: 'test-fw', version: '1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), builtIn: false, path: 'inputs/catalogs/test-fw.json' }]);
    const embedded = readFileSync(join(dirA, 'inputs', 'catalogs', 'test-fw.json'));
    expect(sha256Hex(embedded)).toBe(ma.evaluation?.catalogs[0].sha256);
    expect(ma.files.some((f) => f.path === 'inputs/catalogs/test-fw.json')).toBe(true);
    expect(readFileSync(join(dirA, 'SHA256SUMS'), 'utf8')).toContain('  inputs/catalogs/test-fw.json\n');
    expect(ma.evaluationId).toMatch(/^[0-9a-f]{64}$/);
    expect(mb.evaluation?.parameterOverrides).toEqual({ 'test.bucket-encryption': { minimumDays: 7 } });
    expect(mb.evaluationId).not.toBe(ma.evaluationId);
    expect(mb.contentId).toBe(ma.contentId);
    // VERIFY.md says what the signatures cover and that only --recompute re-derives the results.
    const guide = readFileSync(join(dirA, 'VERIFY.md'), 'utf8');
    expect(guide).toMatch(/not that its results follow from the evidence/);
    expect(guide).toMatch(/evidence-locker verify <this-package\.zip> --expect-key <confirmed fingerprint> --recompute/);
  }, 120_000);

  it('a demo-like package (attestation with a document, exceptions, a partial shard slot, a scope) recomputes to its own results', async () => {
    const store = new MemoryStore();
    const { signer, exceptions } = await richScenario(store, join(tmp('el-recompute-doc-'), 'review.txt'));
    // Keys out of canonical order, as a config file gives them: manifest.json records them canonically, summary.json
    // echoes them as given; the same values are the same results.
    const scope = { 'test-fw': { description: 'cardholder data environment', accounts: ACCOUNTS, include: [{ resource: 'logs-*', reason: 'log buckets' }], connected: [], exclude: [{ resource: 'data-*', reason: 'no account data' }] } };
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', evaluate: fixtureEvaluate, exceptions, scope, organization: 'Acme', outDir: tmp('el-recompute-pkg-'), builtAt: new Date('2026-05-02T09:00:00Z') });
    const v = await verifyPackage(built.zipPath, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.recompute?.ran).toBe(true);
  }, 120_000);

  it('was: a difference quoted the cell text of the package raw, so --json carried a right-to-left override or ESC to the viewer; now each difference shows them as escapes, as the terminal does', async () => {
    const { pkg } = await failingScene();
    const dir = await unzip((await pkg()).zipPath);
    const hostile = '\u202eDELIAF\u001b[2K\u009b8m\u200b';
    const file = join(dir, 'findings.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toContain(ACCT);
    lines[1] = lines[1].replace(ACCT, `${ACCT}${hostile}`);
    writeFileSync(file, lines.join('\n'));
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const r = await recomputePackageDir(dir, m, { evaluate: fixtureEvaluate });
    const messages = r.problems.filter((p) => p.path === 'findings.csv').map((p) => p.message);
    expect(messages.some((t) => t.includes(`${ACCT}\\u202eDELIAF\\u001b[2K\\u009b8m\\u200b`))).toBe(true);
    // eslint-disable-next-line no-control-regex -- the characters a viewer acts on are what is looked for
    for (const t of messages) expect(t).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b\u202e]/);
  }, 120_000);

  it('a package built with the HIPAA map an earlier build had built in (no shows texts) recomputes with that map, kept by its SHA-256', async () => {
    const hipaa = loadCatalogs().find((c) => c.framework === 'hipaa-security')!;
    // The map before every HIPAA mapping said what its checks show (and 164.308(a)(1)(ii)(A), (a)(3)(ii)(A) were mapped).
    const sha = 'eb400991308de30c6686eb25244e380cd58067d994d21a918b48bc826a99b554';
    const earlier = earlierBuiltInInput('procedure-map', 'hipaa-security', sha) as ProcedureMap;
    expect(inputSha256(earlier)).toBe(sha);
    expect(earlier.procedures.some((p) => p.shows)).toBe(false);
    expect(earlier.procedures.map((p) => p.procedure)).toContain('164.308(a)(1)(ii)(A)');
    const { pkg } = await failingScene();
    const built = await pkg({ catalogs: [hipaa], frameworks: ['hipaa-security'], procedureMaps: [earlier] });
    const dir = await unzip(built.zipPath);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    // As that build recorded it: the built-in map, by its SHA-256, not embedded.
    const asBuilt = (map: string) => ({ ...m, evaluation: { ...m.evaluation!, procedureMaps: [{ framework: 'hipaa-security', sha256: map, builtIn: true }] } });
    const r = await recomputePackageDir(dir, asBuilt(sha), { evaluate: fixtureEvaluate });
    expect(r.problems).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/procedure map hipaa-security: the package was built with an earlier built-in map \(SHA-256 eb400991.*\), which evidence-locker .* keeps; recomputed with it/);
    // A built-in map this version does not keep: recomputed with this version's, whose shows texts are differences.
    expect(inputSha256(loadProcedureMap(hipaa))).not.toBe(sha);
    const unknown = await recomputePackageDir(dir, asBuilt('0'.repeat(64)), { evaluate: fixtureEvaluate });
    expect(unknown.notes.join('\n')).toMatch(/is not the one that built the package \(0{64}\); recomputed with this version's/);
    expect(unknown.problems.some((p) => p.path === 'testing-procedures.csv' && /what these checks show and do not show/.test(p.message))).toBe(true);
  }, 120_000);

  it('a package of a revision before procedure notes ended with their shows texts recomputes without them; one of revision 6 without them differs', async () => {
    const hipaa = loadCatalogs().find((c) => c.framework === 'hipaa-security')!;
    const own = loadProcedureMap(hipaa);
    expect(own.procedures.some((p) => p.shows)).toBe(true);
    // What a build of revision 5 printed: the same map, its notes without shows texts.
    const printedWithout = { ...own, procedures: own.procedures.map(({ shows: _shows, ...p }) => p) };
    const { signer, pkg } = await failingScene();
    const built = await pkg({ catalogs: [hipaa], frameworks: ['hipaa-security'], procedureMaps: [printedWithout] });
    const dir = await unzip(built.zipPath);
    expect(readFileSync(join(dir, 'testing-procedures.csv'), 'utf8')).not.toContain('what these checks show');
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const asBuilt = { ...m, evaluation: { ...m.evaluation!, procedureMaps: [{ framework: 'hipaa-security', sha256: inputSha256(own), builtIn: true }] } };
    const of6 = await recomputePackageDir(dir, asBuilt, { evaluate: fixtureEvaluate });
    expect(of6.problems.some((p) => p.path === 'testing-procedures.csv' && /what these checks show and do not show/.test(p.message))).toBe(true);
    await rewriteSummary(dir, signer, (s) => { s.summaryRevision = 5; }, { earlierBuild: true });
    const of5 = await recomputePackageDir(dir, asBuilt, { evaluate: fixtureEvaluate });
    expect(of5.problems).toEqual([]);
    expect(of5.notes.join('\n')).toContain('summary.json is of revision 5, before 6: that build ended no procedure note with what its checks show; recomputed so');
  }, 120_000);

  it('a package of revision 7 recomputes its controls.csv without the addressable note revision 8 prints; the note forced on it differs', async () => {
    const catalog = { ...TEST_CATALOG, requirements: TEST_CATALOG.requirements.map((r) => (r.id === '1.1' ? { ...r, implementation: 'addressable' as const } : r)) };
    const { signer, pkg } = await failingScene();
    const fp = await signer.fingerprint();
    const of8 = await unzip((await pkg({ catalogs: [catalog] })).zipPath);
    const with8 = readFileSync(join(of8, 'controls.csv'));
    expect(with8.toString('utf8')).toContain('ADDRESSABLE SPECIFICATION: the AWS checks do not show it in place');
    expect((await verifyPackageDir(of8, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } })).problems).toEqual([]);
    // What a build of revision 7 wrote: the same results, controls.csv without the note, summary.json of revision 7.
    const of7 = await unzip((await pkg({ catalogs: [catalog], resultsRevision: 7 })).zipPath);
    const with7 = readFileSync(join(of7, 'controls.csv'));
    expect(with7.toString('utf8')).not.toContain('ADDRESSABLE');
    await rewriteSummary(of7, signer, (s) => { s.summaryRevision = 7; });
    const recomputed7 = await verifyPackageDir(of7, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(recomputed7.problems).toEqual([]);
    expect(recomputed7.ok).toBe(true);
    // The revision-8 text forced on the revision-7 package, re-signed: recompute names the difference.
    await replacePackageFiles(of7, signer, { 'controls.csv': with8 });
    const forced = await verifyPackageDir(of7, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(forced.ok).toBe(false);
    expect(forced.problems.some((p) => p.path === 'controls.csv' && /requirement 1\.1/.test(p.message) && p.message.includes(`account ${ACCT}`))).toBe(true);
    // And the revision-8 package without its note differs too.
    await replacePackageFiles(of8, signer, { 'controls.csv': with7 });
    const stripped = await verifyPackageDir(of8, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(stripped.problems.some((p) => p.path === 'controls.csv' && /requirement 1\.1/.test(p.message))).toBe(true);
  }, 180_000);

  it('a package built by another tool version is still recomputed, and the report names both versions', async () => {
    const { pkg } = await failingScene();
    const dir = await unzip((await pkg()).zipPath);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const older = { ...m, evaluation: { ...m.evaluation!, tool: { name: m.tool.name, version: '0.0.1' } } };
    const r = await recomputePackageDir(dir, older, { evaluate: fixtureEvaluate });
    expect(r.ran).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.notes.join('\n')).toMatch(new RegExp(`built by ${m.tool.name} 0\\.0\\.1, recomputed by ${m.tool.name} ${m.tool.version.replace(/\./g, '\\.')}: differences may come from the two versions`));
    // A package of a version that recorded no inputs: verifiable, not recomputable, and said so.
    const { evaluation: _e, evaluationId: _i, ...old } = m;
    const o = await recomputePackageDir(dir, old);
    expect(o.ran).toBe(false);
    expect(o.problems[0].message).toMatch(/records no evaluation inputs .* cannot be re-derived from its evidence/);
  }, 120_000);
});

describe('verify --recompute of a package whose summary.json an earlier build of the same version wrote', () => {
  /** An earlier build: no summaryRevision, endpoints or parameterOverrides (the QSA's 0.1.0 package of the last release). */
  const earlier = (s: Record<string, unknown>) => {
    delete s.summaryRevision;
    delete s.endpoints;
    delete s.parameterOverrides;
  };

  it('recomputes identical except the fields not in this package: named, not a difference, VALID (exit 0); a changed value of a field both have still fails', async () => {
    const { signer, pkg } = await failingScene();
    const fp = await signer.fingerprint();
    const dir = await unzip((await pkg()).zipPath);
    await rewriteSummary(dir, signer, earlier, { earlierBuild: true });
    // Before: INVALID, "endpoints.records is (absent) in the package, 6 recomputed" and the like, for a package that is fine.
    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.recompute?.ran).toBe(true);
    expect(v.recompute?.notInPackage).toEqual(['summaryRevision', 'parameterOverrides', 'endpoints']);
    const text = formatVerification(v, 'earlier.zip');
    expect(text).toContain('controls.csv, findings.csv, testing-procedures.csv, population.csv, summary.json: identical except fields not in this package: every value both have is the same as re-derived');
    expect(text).toContain("not in this package's summary (written by an earlier build), so not compared: summary.json summaryRevision, parameterOverrides, endpoints");
    expect(text).toMatch(/\nVALID: /);

    // The same package with a value both have changed: INVALID, naming the field and both values.
    const failing = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).failingResults as number;
    await rewriteSummary(dir, signer, (s) => void (s.failingResults = failing + 1));
    const changed = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(changed.ok).toBe(false);
    expect(changed.problems).toEqual([{ path: 'summary.json', message: `failingResults is ${failing + 1} in the package, ${failing} recomputed (recomputed from the sealed evidence)` }]);
    expect(formatVerification(changed, 'earlier.zip')).toContain("not in this package's summary (written by an earlier build), so not compared: summary.json summaryRevision, parameterOverrides, endpoints");

    // A field only the package has is a difference too.
    await rewriteSummary(dir, signer, (s) => void ((s.failingResults = failing), (s.addedByHand = true)));
    const extra = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(extra.problems).toEqual([{ path: 'summary.json', message: 'addedByHand is true in the package, absent recomputed (recomputed from the sealed evidence)' }]);
  }, 120_000);

  it('a package whose summary.json records this revision and lacks one of its fields differs: that build wrote every field', async () => {
    const { signer, pkg } = await failingScene();
    const dir = await unzip((await pkg()).zipPath);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ summaryRevision: SUMMARY_REVISION, endpoints: expect.any(Object), parameterOverrides: [] });
    await rewriteSummary(dir, signer, (s) => void delete s.endpoints);
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.ok).toBe(false);
    expect(v.recompute?.notInPackage).toBeUndefined();
    expect(v.problems).toContainEqual({ path: 'summary.json', message: expect.stringMatching(/^endpoints\.records is \(absent\) in the package, \d+ recomputed/) });
  }, 120_000);
});

describe('a field added by a later summary revision (endpoints.matchedToQuery, revision 2)', () => {
  /** Bodies of a two-service query sealed before the endpoint of each operation was recorded: the summary counts them. */
  async function twoServiceScene() {
    const store = new LocalEvidenceStore(tmp('el-recompute-store-'));
    const signer = LocalEd25519Signer.open(tmp('el-recompute-key-'));
    const trailCalls = { byOperation: { 'cloudtrail:DescribeTrails': ['https://cloudtrail.us-east-1.amazonaws.com'], 's3:GetBucketLocation': ['https://b.s3.us-east-1.amazonaws.com'] }, recorded: false };
    await sealDays(store, ['2026-10-01', '2026-10-02'].map((day) => ({ day, encrypted: { [ACCT]: true }, provenance: true, trailCalls })), signer);
    const built = await buildPackage({ store, signer, trust: trustPolicy([await signer.fingerprint()]), catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp('el-recompute-pkg-'), builtAt: new Date('2026-11-02T09:00:00Z') });
    return { signer, dir: await unzip(built.zipPath) };
  }

  it('is not a difference in a package of revision 1, which could not have it: named, VALID', async () => {
    const { signer, dir } = await twoServiceScene();
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).endpoints).toMatchObject({ records: 4, aws: 4, matchedToQuery: 2 });
    // What the last release's build wrote for the same evidence: revision 1, no matchedToQuery.
    await rewriteSummary(dir, signer, (s) => {
      s.summaryRevision = 1;
      delete (s.endpoints as Record<string, unknown>).matchedToQuery;
    }, { earlierBuild: true });
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.recompute?.notInPackage).toEqual(['endpoints.matchedToQuery']);
    expect(v.recompute?.notes).toContainEqual(expect.stringMatching(new RegExp(`^summary\\.json is of revision 1 \\(.* writes ${SUMMARY_REVISION}\\): fields added since are not in it$`)));
  }, 120_000);

  it('is a difference in a package of revision 2, whose build wrote it', async () => {
    const { signer, dir } = await twoServiceScene();
    await rewriteSummary(dir, signer, (s) => void delete (s.endpoints as Record<string, unknown>).matchedToQuery);
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual({ path: 'summary.json', message: 'endpoints.matchedToQuery is (absent) in the package, 2 recomputed (recomputed from the sealed evidence)' });
  }, 120_000);
});

describe('parameters changed from the catalog are listed in every view and recomputed from the recorded overrides', () => {
  // 1.1 fixes a value (parameterBasis: requirement); 2.1 takes one the requirement does not fix.
  const catalog = {
    ...TEST_CATALOG,
    requirements: TEST_CATALOG.requirements.map((r) =>
      r.id === '1.1' ? { ...r, parameters: { minimumDays: 365 }, parameterBasis: { minimumDays: { source: 'requirement' as const, note: '1.1 fixes a year' } } } : r.id === '2.1' ? { ...r, parameters: { lookbackHours: 24 } } : r,
    ),
  };

  it('summary.json parameterOverrides, index.html and report.pdf name each change and whether it loosens a fixed value; verify --recompute agrees', async () => {
    const { signer, pkg } = await failingScene();
    const built = await pkg({ catalogs: [catalog], parameterOverrides: { 'test-fw': { '1.1': { minimumDays: 30 }, '2.1': { lookbackHours: 48 } } } });
    const dir = await unzip(built.zipPath);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.parameterOverrides).toEqual([
      { framework: 'test-fw', requirement: '1.1', queries: [], parameter: 'minimumDays', catalogDefault: 365, effective: 30, source: 'configuration parameters.test-fw."1.1".minimumDays', requirementFixes: true, direction: 'changed', loosensRequirement: true },
      { framework: 'test-fw', requirement: '2.1', queries: [], parameter: 'lookbackHours', catalogDefault: 24, effective: 48, source: 'configuration parameters.test-fw."2.1".lookbackHours', requirementFixes: false, direction: 'changed', loosensRequirement: false },
    ]);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('Parameters changed from the catalog');
    expect(html).toContain("2 parameters changed from the catalog (1 loosens a requirement's fixed value)");
    expect(html).toContain('configuration parameters.test-fw.\\"1.1\\".minimumDays');
    if (hasPdftotext) {
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain("2 parameters changed from the catalog (1 loosens a requirement's fixed value)");
      expect(text).toContain('Changed from the catalog by the configuration: minimumDays 365 -> 30');
      expect(text).toMatch(/Parameters changed from the catalog\s/);
    }
    const v = await verifyPackage(built.zipPath, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  }, 120_000);

  it('no change from the catalog: summary.json lists none and the method section says so', async () => {
    const { pkg } = await failingScene();
    const dir = await unzip((await pkg({ catalogs: [catalog], parameterOverrides: { 'test-fw': { '1.1': { minimumDays: 365 } } } })).zipPath);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).parameterOverrides).toEqual([]);
    if (hasPdftotext) expect(execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' })).toContain('None: every requirement was judged with its catalog parameter values');
  }, 120_000);
});

describe('every package carries the catalogs and procedure maps its results were computed from, built-in ones too', () => {
  const hipaa = () => loadCatalogs().find((c) => c.framework === 'hipaa-security')!;

  it('a package built with the built-in catalog and map embeds both under inputs/ with the SHA-256 manifest.json records; recompute confirms the built-in claim', async () => {
    const { pkg } = await failingScene();
    const dir = await unzip((await pkg({ catalogs: [hipaa()], frameworks: ['hipaa-security'] })).zipPath);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const ownMap = loadProcedureMap(hipaa());
    expect(m.evaluation?.catalogs).toEqual([{ framework: 'hipaa-security', version: hipaa().version, sha256: inputSha256(hipaa()), builtIn: true, path: 'inputs/catalogs/hipaa-security.json' }]);
    expect(m.evaluation?.procedureMaps).toEqual([{ framework: 'hipaa-security', sha256: inputSha256(ownMap), builtIn: true, path: 'inputs/procedures/hipaa-security.json' }]);
    for (const e of [...m.evaluation!.catalogs, ...m.evaluation!.procedureMaps]) {
      expect(sha256Hex(readFileSync(join(dir, ...e.path!.split('/'))))).toBe(e.sha256);
      expect(m.files.find((f) => f.path === e.path)?.sha256).toBe(e.sha256);
      expect(readFileSync(join(dir, 'SHA256SUMS'), 'utf8')).toContain(`${e.sha256}  ${e.path}\n`);
    }
    const r = await recomputePackageDir(dir, m, { evaluate: fixtureEvaluate });
    expect(r.problems).toEqual([]);
    expect(r.notes.join('\n')).toContain(`catalog hipaa-security: recorded as the built-in catalog of ${m.tool.name} ${m.tool.version}; its SHA-256 ${inputSha256(hipaa())} is that of ${m.tool.name} ${m.tool.version}'s own built-in catalog, so this version confirms it was the shipped one; recomputed with the copy in the package (inputs/catalogs/hipaa-security.json)`);
    expect(r.notes.join('\n')).toContain('procedure map hipaa-security: recorded as the built-in map of');
    // VERIFY.md tells the auditor where to read them.
    expect(readFileSync(join(dir, 'VERIFY.md'), 'utf8')).toMatch(/catalogs and procedure maps by SHA-256, each embedded under `inputs\/`\s+where you can read it, built-in ones too/);
  }, 120_000);

  it('a built-in catalog this version neither has nor keeps (its text changed, the record re-signed): recomputed identical with the copy in the package, and a note says the claim cannot be confirmed', async () => {
    const own = hipaa();
    // As shipped by a release this version knows nothing of: one requirement's text differs.
    const shipped = { ...own, requirements: own.requirements.map((q, i) => (i === 0 ? { ...q, title: `${q.title} (as a later release words it)` } : q)) };
    const sha = inputSha256(shipped);
    expect(earlierBuiltInInput('catalog', 'hipaa-security', sha)).toBeUndefined();
    const { signer, pkg } = await failingScene();
    const dir = await unzip((await pkg({ catalogs: [shipped], frameworks: ['hipaa-security'] })).zipPath);
    // The release that shipped it recorded it as its built-in catalog: the record says so, signed again.
    await remanifest(dir, signer, (e) => {
      const m = e as unknown as PackageManifest;
      m.evaluation = { ...m.evaluation!, catalogs: m.evaluation!.catalogs.map((c) => ({ ...c, builtIn: true })) };
      m.evaluationId = evaluationInputsId(m.evaluation);
    });
    await resignSums(dir, signer);
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m.evaluation?.catalogs).toEqual([{ framework: 'hipaa-security', version: own.version, sha256: sha, builtIn: true, path: 'inputs/catalogs/hipaa-security.json' }]);
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.recompute?.problems).toEqual([]);
    expect(v.recompute?.ran).toBe(true);
    expect(v.ok).toBe(true);
    const note = `catalog hipaa-security: recorded as the built-in catalog of ${m.tool.name} ${m.tool.version} (SHA-256 ${sha}); this version does not hold that catalog, so it cannot confirm it was the shipped one; recomputed with the copy in the package (inputs/catalogs/hipaa-security.json), which the signed manifest lists`;
    expect(v.recompute?.notes).toContain(note);
    expect(formatVerification(v, 'later.zip')).toContain(`note: ${note}`);
  }, 120_000);
});
