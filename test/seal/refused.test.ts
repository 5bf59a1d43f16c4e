import { describe, expect, it } from 'vitest';
import { chmodSync, cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { RESEALS } from '../../src/seal/seal.js';
import { SEAL_REFUSAL_READS, readRefusedBodyList, refusalCensus, writeRefusedBodyList, writeSealRefusal } from '../../src/seal/refusals.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { ACCT, PlantingStore, periodPackage, sealDay, secondDayRefused, tmp } from '../support/refusal-scene.js';
import { resignSums, runVerifySh } from '../support/verify-sh.js';
import { remanifest, rewriteSummary } from '../support/resign-package.js';

/** The parts of summary.json these tests rewrite. */
type RefusedSummary = { summaryRevision: number; period: { sealRefused: Record<string, unknown>[] } };
import { csvRows } from '../package/csv-rows.js';
import { oscalSchemaErrors } from '../package/oscal-schema.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import type { RunFolders, StoredRefusalRef } from '../../src/evidence/store.js';
import { recordLegalHolds } from '../support/recording-holds.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { findOrphans } from '../../src/store/orphans.js';
import { objectPath } from '../../src/evidence/layout.js';
import { SUMMARY_REVISION } from '../../src/package/assessor.js';

/** A store in which someone plants files in every attempt of a day's run (PlantingStore), noting what the seals read under refusals/. */
class PlantingEveryAttempt extends PlantingStore {
  /** Objects under refusals/ read, in order. */
  reads: string[] = [];
  override async readRefusal(ref: StoredRefusalRef, maxBytes: number): Promise<Buffer> {
    this.reads.push(ref.path);
    return super.readRefusal(ref, maxBytes);
  }
}

/** Day 1 sealed; every attempt of day 2 planted (refused); junk under refusals/; day 3 sealed. */
async function scene() {
  const root = tmp();
  const store = new PlantingEveryAttempt(root, '20261002');
  const { signer, trust, error: err } = await secondDayRefused(store);
  // Junk someone with write access put under refusals/: unsigned bytes, and a record signed by a key nobody trusts.
  writeFileSync(join(root, 'refusals', 'junk.json'), '{"not":"a refusal"}');
  const other = LocalEd25519Signer.open(tmp());
  const fake = { schema: 'evidence-locker/seal-refusal@1', note: 'forged' };
  writeFileSync(join(root, 'refusals', `20261002T020000Z-000000-r${'f'.repeat(32)}.json`), canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal: fake, signature: (await other.sign(canonicalBytes(fake))).toString('base64'), publicKeyPem: await other.publicKeyPem() }));
  await sealDay(store, '2026-10-03', signer);
  const runs = await store.listRuns();
  return { root, store, signer, err, runs, trust };
}

describe('a seal refused by files planted in every attempt', () => {
  it('writes a signed refusal record that the next sealed run names; verify --store shows the day as refused and the junk as foreign', async () => {
    const { store, err, trust } = await scene();
    expect(store.planted).toBe(RESEALS + 1);
    expect(err?.message).toMatch(/^the run could not be sealed: someone else planted files in the run folder of each of its 4 attempts/);
    expect(err?.message).toMatch(/a signed refusal record was written at refusals\/20261002T020000Z-\d{6}-r[0-9a-f]{32}\.json \(SHA-256 [0-9a-f]{64}\); it names the list of the run's \d+ evidence bodies, stored as objects\/ body [0-9a-f]{64}, which a legal hold holds with it: the next sealed run of chain "default" names it/);

    const census = await refusalCensus(store, trust);
    expect(census.trusted).toHaveLength(1);
    const refusal = census.trusted[0].refusal;
    expect(refusal.attempts).toHaveLength(RESEALS + 1);
    expect(refusal.attempts.every((a) => a.runId.startsWith('20261002T020000Z-') && a.planted.some((p) => p.key.endsWith('/manifest.json')))).toBe(true);
    // The list of the run's bodies, stored before the record, is named in it (signed): what a legal hold holds.
    expect(refusal.records).toEqual({ count: 2, errors: 0, bodiesStored: 2, bodyList: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number), bodies: 2, location: { key: expect.stringMatching(/^objects\/sha256\//) } } });
    expect(refusal.startedAt).toBe('2026-10-02T02:00:00.000Z');
    expect(refusal.previous?.runId).toMatch(/^20261001T020000Z-/);
    expect(census.foreign.map((f) => f.path).sort()).toEqual(['refusals/20261002T020000Z-000000-r' + 'f'.repeat(32) + '.json', 'refusals/junk.json']);
    expect(census.foreign.every((f) => f.reason === 'not-a-refusal')).toBe(true);

    // The record's signed bytes copied to another record's name by someone with write access: foreign, not a second record.
    const copyPath = `refusals/20261002T020000Z-999999-r${'c'.repeat(32)}.json`;
    writeFileSync(join(store.root, ...copyPath.split('/')), census.trusted[0].bytes);
    const recount = await refusalCensus(store, trust);
    expect(recount.trusted.map((t) => t.ref.path)).toEqual([census.trusted[0].ref.path]);
    expect(recount.foreign.find((f) => f.path === copyPath)?.detail).toMatch(/^its name is not the one the seal gives this record \(refusals\/20261002T020000Z-\d{6}-r<32 hex>\.json, after its first attempt\)/);
    rmSync(join(store.root, ...copyPath.split('/')));

    // The day-3 run's signed manifest names the refusal (and not the junk); it still links to day 1.
    const runs = await store.listRuns();
    const day3 = runs.find((r) => r.startsWith('20261003'))!;
    const m = RunManifestSchema.parse(JSON.parse((await store.getRun(day3)).manifest.toString('utf8')));
    expect(m.previous?.runId).toMatch(/^20261001T020000Z-/);
    expect(m.refusals).toEqual([expect.objectContaining({ path: census.trusted[0].ref.path, sha256: census.trusted[0].sha256, runIds: refusal.attempts.map((a) => a.runId), startedAt: refusal.startedAt })]);

    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-03T23:59:59Z') }, { trust });
    expect(report.problems).toEqual([]);
    expect(report.refused).toEqual([expect.objectContaining({ path: census.trusted[0].ref.path, chain: 'default', runIds: refusal.attempts.map((a) => a.runId), namedBy: day3 })]);
    const text = formatStoreReport(report);
    expect(text).toContain(`REFUSED 2026-10-02 chain default: seal refused: files planted by someone else (attempts ${refusal.attempts.map((a) => a.runId).join(', ')}); signed refusal record ${census.trusted[0].ref.path}, named by run ${day3}`);
    expect(text).toMatch(/FOREIGN refusals\/junk\.json: under refusals\/, but not a signed refusal record/);
    expect(text).toMatch(/FOREIGN refusals\/20261002T020000Z-000000-rf{32}\.json: .*not a trusted key/);
  }, 120_000);

  it('the package shows the day as a refused seal, carries the signed record, and both verifiers accept it; a record altered or removed is INVALID', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    const { dir, fp } = await periodPackage(store, signer);
    const attempts = refused.refusal.attempts.map((a) => a.runId);

    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { datesWithoutRun: string[]; sealRefused?: { day: string; attempts: string[]; record: string; sha256: string; namedBy?: string }[] } };
    expect(summary.period.datesWithoutRun).toEqual(['2026-10-02']);
    expect(summary.period.sealRefused).toEqual([expect.objectContaining({ day: '2026-10-02', chain: 'default', attempts, record: refused.ref.path, sha256: refused.sha256, records: 2 })]);
    expect(sha256Hex(readFileSync(join(dir, ...refused.ref.path.split('/'))))).toBe(refused.sha256);
    expect(summary.period.sealRefused![0].namedBy).toMatch(/^20261003T020000Z-/);
    expect(readFileSync(join(dir, ...refused.ref.path.split('/')))).toEqual(refused.bytes);

    // Compared without white space: the PDF wraps long lines (also after a hyphen).
    const pdf = spawnSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
    const squeezed = (t: string) => t.replace(/\s+/g, '');
    expect(pdf).toContain(squeezed(`2026-10-02 (seal refused: files planted by someone else; attempts ${attempts.join(', ')})`));
    expect(pdf).toContain(squeezed('Seals refused: files planted by someone else'));
    expect(pdf).toContain(squeezed(`not sealed); named by run ${summary.period.sealRefused![0].namedBy}`));
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('seal refused: files planted by someone else; attempts');
    expect(html).toContain(refused.ref.path);

    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.refusedSeals).toEqual([expect.objectContaining({ path: refused.ref.path, day: '2026-10-02', attempts })]);
    expect(formatVerification(v, 'pkg')).toContain(`SEAL REFUSED: 2026-10-02, chain default: seal refused: files planted by someone else (attempts ${attempts.join(', ')})`);
    expect(runVerifySh(dir, [fp]).code).toBe(0);

    // Someone edits the record in the package (the refused day, the attempts): its hash and signature no longer hold.
    const file = join(dir, ...refused.ref.path.split('/'));
    chmodSync(file, 0o644);
    writeFileSync(file, refused.bytes.toString('utf8').replace('2026-10-02T02:00:00.000Z', '2026-10-04T02:00:00.000Z'));
    const altered = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(altered.ok).toBe(false);
    expect(altered.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(new RegExp(`${refused.ref.path.replace(/\./g, '\\.')}: not a refusal record signed by a key of the package's runs: the signature does not verify`));
    rmSync(file);
    const removed = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(removed.problems.map((p) => p.message).join('\n')).toContain(`names the signed refusal record ${refused.ref.path} (seal refused: files planted by someone else (attempts ${attempts.join(', ')})), which the package does not carry`);
  }, 180_000);

  it('verify.sh checks each refusal record as verify does: its signature by a pinned run key and the SHA-256 the naming run gives it', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    const { dir, fp } = await periodPackage(store, signer);
    const attempts = refused.refusal.attempts.map((a) => a.runId).join(', ');
    const day3 = readFileSync(join(dir, 'summary.json'), 'utf8').match(/"namedBy": "([^"]+)"/)![1];

    const ok = runVerifySh(dir, [fp]);
    expect(ok.out).toContain('RESULT: VALID');
    expect(ok.out).toContain(`ok    every refusal record a run names is here with its SHA-256 (1 named); 1 of 1 record(s) under refusals/ signed by a pinned run key`);
    expect(ok.out).toContain(`SEAL REFUSED: 2026-10-02, chain default: seal refused: files planted by someone else (attempts ${attempts}); ${refused.ref.path} is signed by pinned run key ${fp} and named by run ${day3}. No evidence of that collection was sealed: the day is a gap, not a pass`);
    expect(ok.out.match(/^SEAL REFUSED: /gm)).toHaveLength(1);

    // Names the seal would give a record of this refusal (its first attempt's run id), and one it would not.
    const fakeName = `${refused.refusal.attempts[0].runId}-r${'a'.repeat(32)}.json`;
    const copyName = `20261002T020000Z-999999-r${'b'.repeat(32)}.json`;
    /** A copy of the package with `edit` applied to its files and manifest.json's and SHA256SUMS' hashes following, signed again by the package key. */
    const altered = async (edit: (d: string) => void) => {
      const d = tmp();
      cpSync(dir, d, { recursive: true });
      edit(d);
      await remanifest(d, signer, (m) => {
        m.files = m.files.filter((f) => {
          try {
            const bytes = readFileSync(join(d, ...f.path.split('/')));
            Object.assign(f, { sha256: sha256Hex(bytes), size: bytes.length });
            return true;
          } catch {
            return false;
          }
        });
        const have = new Set(m.files.map((f) => f.path));
        for (const name of [fakeName, copyName]) {
          const p = `refusals/${name}`;
          if (have.has(p)) continue;
          try {
            const bytes = readFileSync(join(d, 'refusals', name));
            m.files.push({ path: p, sha256: sha256Hex(bytes), size: bytes.length });
          } catch {
            // not added in this copy
          }
        }
      });
      await resignSums(d, signer);
      return d;
    };
    const record = (d: string) => join(d, ...refused.ref.path.split('/'));

    // The record's refused day edited: SHA256SUMS and manifest.json re-signed, so only its own signature tells.
    const edited = await altered((d) => writeFileSync(record(d), refused.bytes.toString('utf8').replace('2026-10-02T02:00:00.000Z', '2026-10-04T02:00:00.000Z')));
    const e = runVerifySh(edited, [fp]);
    expect(e.code).toBe(1);
    expect(e.out).toContain(`FAIL  ${refused.ref.path}: not a refusal record signed by a pinned run key: the signature does not verify over the refusal with the public key beside it`);
    expect(e.out).toMatch(new RegExp(`FAIL  ${refused.ref.path.replace(/\./g, '\\.')}: SHA-256 [0-9a-f]{64} differs from the one run ${day3}'s signed manifest records for it \\(${refused.sha256}\\)`));
    expect(e.out).not.toContain('SEAL REFUSED');
    expect((await verifyPackageDir(edited, { expectedKeys: [fp] })).ok).toBe(false);

    // The record left out of the package: the run that names it says so.
    const removed = await altered((d) => rmSync(record(d)));
    const r = runVerifySh(removed, [fp]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL  runs/${day3}: names the signed refusal record ${refused.ref.path}, which the package does not carry`);

    // A record signed by a key nobody pinned, added beside the genuine one: named as such.
    const other = LocalEd25519Signer.open(tmp());
    const forged = { ...refused.refusal, signing: { ...refused.refusal.signing, keyFingerprint: await other.fingerprint() } };
    const fake = canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal: forged, signature: (await other.sign(canonicalBytes(forged))).toString('base64'), publicKeyPem: await other.publicKeyPem() });
    const added = await altered((d) => writeFileSync(join(d, 'refusals', fakeName), fake));
    const a = runVerifySh(added, [fp]);
    expect(a.code).toBe(1);
    expect(a.out).toContain(`FAIL  refusals/${fakeName}: not a refusal record signed by a pinned run key: signed by key ${await other.fingerprint()}, which is not a key pinned for run manifests`);
    expect(a.out.match(/^SEAL REFUSED: /gm)).toHaveLength(1);
    // Pinned for runs, that key's record verifies (named by no run in the package), as evidence-locker verify accepts it.
    const both = runVerifySh(added, [fp, await other.fingerprint()]);
    expect(both.out).toContain('SEAL REFUSED: 2026-10-02, chain default: seal refused: files planted by someone else (attempts');
    expect(both.out).toContain(`refusals/${fakeName} is signed by pinned run key`);
    expect(both.out).toContain(', named by no run in the package.');

    // The genuine record's signed bytes copied under a name the seal would not give it (another run id): a copy, refused
    // by both verifiers, while the record under its own name still counts.
    const copied = await altered((d) => writeFileSync(join(d, 'refusals', copyName), refused.bytes));
    const c = runVerifySh(copied, [fp]);
    expect(c.code).toBe(1);
    expect(c.out).toContain(`FAIL  refusals/${copyName}: not a refusal record signed by a pinned run key: its name is not the one the seal gives this record (refusals/${refused.refusal.attempts[0].runId}-r<32 hex>.json, after its first attempt)`);
    expect(c.out.match(/^SEAL REFUSED: /gm)).toHaveLength(1);
    const cv = await verifyPackageDir(copied, { expectedKeys: [fp] });
    expect(cv.ok).toBe(false);
    expect(cv.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain(`refusals/${copyName}: not a refusal record of this name: its name is not the one the seal gives this record`);
    expect((cv.refusedSeals ?? []).map((x) => x.path)).toEqual([refused.ref.path]);
  }, 240_000);

  it("both verifiers refuse a refusal record, signed by the pinned run key, that departs from the refusal schema or names another signing algorithm than its key's", async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    const { dir, fp } = await periodPackage(store, signer);
    const name = `${refused.refusal.attempts[0].runId}-r${'c'.repeat(32)}.json`;
    /** The package with a record of `refusal` signed by the genuine run key added under a name the seal gives it, manifest.json and SHA256SUMS signed again. */
    const withRecord = async (refusal: Record<string, unknown>) => {
      const d = tmp();
      cpSync(dir, d, { recursive: true });
      const bytes = canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal, signature: (await signer.sign(canonicalBytes(refusal))).toString('base64'), publicKeyPem: await signer.publicKeyPem() });
      writeFileSync(join(d, 'refusals', name), bytes);
      await remanifest(d, signer, (m) => m.files.push({ path: `refusals/${name}`, sha256: sha256Hex(bytes), size: bytes.length }));
      await resignSums(d, signer);
      return d;
    };
    const genuine = refused.refusal as unknown as Record<string, unknown>;
    // The genuine refusal under the new name verifies (named by no run): each case below differs from it in one field.
    const same = runVerifySh(await withRecord(genuine), [fp]);
    expect(same.out).toContain('RESULT: VALID');
    const cases: { refusal: Record<string, unknown>; sh: string; ts: string }[] = [
      { refusal: { ...genuine, records: { ...refused.refusal.records, count: '2' } }, sh: 'refusal.records.count: is a string, not a whole number', ts: 'refusal.records.count: ' },
      { refusal: { ...genuine, note: 'added' }, sh: 'refusal.note: not a field of a refusal record', ts: 'refusal.: Unrecognized key' },
      { refusal: { ...genuine, kind: 'other' }, sh: 'refusal.kind: is "other", not collection, attestation or legal-hold', ts: 'refusal.kind: ' },
      { refusal: { ...genuine, attempts: refused.refusal.attempts.map((a) => ({ runId: a.runId, planted: a.planted })) }, sh: 'refusal.attempts.reason: missing', ts: 'refusal.attempts.0.reason: ' },
      { refusal: { ...genuine, signing: { ...refused.refusal.signing, algorithm: 'ecdsa-p256-sha256' } }, sh: `the refusal names key "${fp}" (ecdsa-p256-sha256), not the key that signed it (${fp}, ed25519)`, ts: `the refusal names key ${fp} (ecdsa-p256-sha256), not the key that signed it` },
    ];
    for (const c of cases) {
      const d = await withRecord(c.refusal);
      const sh = runVerifySh(d, [fp]);
      expect(sh.out).toContain(`FAIL  refusals/${name}: not a refusal record signed by a pinned run key: ${c.sh}`);
      expect(sh.code, sh.out).toBe(1);
      const v = await verifyPackageDir(d, { expectedKeys: [fp] });
      expect(v.ok).toBe(false);
      expect(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain(`refusals/${name}: not a refusal record signed by a key of the package's runs: ${c.ts}`);
    }
  }, 240_000);

  it('both verifiers refuse a refusal record signed by the pinned run key over bytes that are not canonical JSON, or with a time not written as evidence-locker writes it', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    const { dir, fp } = await periodPackage(store, signer);
    const name = `${refused.refusal.attempts[0].runId}-r${'d'.repeat(32)}.json`;
    /** The package with a record added whose refusal is `text` exactly as written, signed over those bytes by the genuine run key. */
    const withText = async (text: string) => {
      const d = tmp();
      cpSync(dir, d, { recursive: true });
      const signature = (await signer.sign(Buffer.from(text))).toString('base64');
      const bytes = Buffer.from(`{"publicKeyPem":${JSON.stringify(await signer.publicKeyPem())},"refusal":${text},"schema":"evidence-locker/signed-seal-refusal@1","signature":"${signature}"}`);
      writeFileSync(join(d, 'refusals', name), bytes);
      await remanifest(d, signer, (m) => m.files.push({ path: `refusals/${name}`, sha256: sha256Hex(bytes), size: bytes.length }));
      await resignSums(d, signer);
      return d;
    };
    const canonical = canonicalBytes(refused.refusal).toString('utf8');
    // The genuine refusal, canonical, under a name the seal gives it: both accept it.
    const same = await withText(canonical);
    expect(runVerifySh(same, [fp]).code).toBe(0);
    expect((await verifyPackageDir(same, { expectedKeys: [fp] })).ok).toBe(true);
    const cases: { text: string; sh: string; ts: string }[] = [
      // The chain written with an escape JSON.stringify never writes: JSON.parse reads "default", a text reader "\u0064efault".
      { text: canonical.replace('"chain":"default"', '"chain":"\\u0064efault"'), sh: 'not canonical JSON: the escape \\u0064, which canonical JSON writes otherwise at byte ', ts: 'not canonical JSON: ' },
      // Two members in another order than canonical JSON's.
      { text: canonical.replace(/^\{("attempts":\[.*?\]),("chain":"default")/, '{$2,$1'), sh: 'not canonical JSON: key "attempts" after "chain", not in canonical key order at byte ', ts: 'not canonical JSON: ' },
      // White space between members.
      { text: canonical.replace('"chain":"default",', '"chain": "default",'), sh: 'not canonical JSON: white space or a character where a value must begin at byte ', ts: 'not canonical JSON: ' },
    ];
    expect(new Set(cases.map((c) => c.text)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.text).not.toBe(canonical);
      const d = await withText(c.text);
      const sh = runVerifySh(d, [fp]);
      expect(sh.out).toContain(`FAIL  refusals/${name}: not a refusal record signed by a pinned run key: ${c.sh}`);
      expect(sh.code, sh.out).toBe(1);
      const v = await verifyPackageDir(d, { expectedKeys: [fp] });
      expect(v.ok).toBe(false);
      expect(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain(`refusals/${name}: not a refusal record signed by a key of the package's runs: ${c.ts}`);
    }
    // Canonical, but a time in another form than toISOString's (no milliseconds): parsers read such times differently.
    const noMs = canonicalBytes({ ...refused.refusal, refusedAt: refused.refusal.refusedAt.replace(/\.\d{3}Z$/, 'Z') }).toString('utf8');
    const d = await withText(noMs);
    const said = `refusal refusedAt "${refused.refusal.refusedAt.replace(/\.\d{3}Z$/, 'Z')}" is not a time as evidence-locker writes it (YYYY-MM-DDTHH:MM:SS.sssZ)`;
    const sh = runVerifySh(d, [fp]);
    expect(sh.out).toContain(`FAIL  refusals/${name}: not a refusal record signed by a pinned run key: ${said}`);
    expect(sh.code, sh.out).toBe(1);
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toContainEqual(`refusals/${name}: not a refusal record signed by a key of the package's runs: ${said}`);
  }, 240_000);

  it('names the refused seal, with its signed record, in the per-requirement gaps of controls.csv, testing-procedures.csv, index.html and OSCAL', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    // The smallest procedure map with a mapped procedure: 1.1's only procedure, tested by its one check.
    const procedureMaps = [{ framework: 'test-fw', procedures: [{ procedure: 'Examine bucket encryption settings.', requirement: '1.1', method: 'examine-configuration' as const, queries: ['test.bucket-encryption'] }], untested: [] }];
    const { dir, fp } = await periodPackage(store, signer, { procedureMaps });
    const attempts = refused.refusal.attempts.map((a) => a.runId).join(', ');
    const named = `signed refusal record ${refused.ref.path}, SHA-256 ${refused.sha256}`;

    const rows = csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8')).filter((r) => r.coverage === 'automated' || r.coverage === 'partial');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.days_without_evidence).toBe('1');
      expect(r.reasons).toContain(`SEAL REFUSED: this account's collection was not sealed on 1 day(s) because someone else planted files in the run folder of every attempt: 2026-10-02 (attempts ${attempts}; ${named})`);
    }

    // testing-procedures.csv: the mapped procedure's gap note names the record as controls.csv does.
    const procedures = csvRows(readFileSync(join(dir, 'testing-procedures.csv'), 'utf8'));
    const mapped = procedures.find((p) => p.requirement === '1.1')!;
    expect(mapped.proposed_finding).toBe('not-tested');
    expect(mapped.note).toContain(`evidence gap in the period: account ${ACCT}: no evidence on 1 of 3 day(s) of the period`);
    expect(mapped.note).toContain(`SEAL REFUSED on 2026-10-02 for account(s) ${ACCT} (files planted by someone else in the run folder of every attempt; attempts ${attempts}; ${named}): no evidence of that collection was sealed, so its day is a gap, not a pass`);
    // An unmapped procedure has no gap note to extend.
    expect(procedures.filter((p) => p.requirement !== '1.1').every((p) => !p.note.includes('SEAL REFUSED'))).toBe(true);

    // summary.json names the record's SHA-256 (revision 3); recomputed, the package is the same. A revision-2 summary
    // without it is of an earlier build (named, not a difference); a revision-3 one without it differs.
    const summaryOf = () => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { summaryRevision: number; period: { sealRefused: Record<string, unknown>[] } };
    expect(summaryOf().summaryRevision).toBe(SUMMARY_REVISION);
    expect(summaryOf().period.sealRefused[0].sha256).toBe(refused.sha256);
    const same = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(same.problems).toEqual([]);
    expect(same.ok).toBe(true);
    await rewriteSummary<RefusedSummary>(dir, signer, (s) => {
      s.summaryRevision = 2;
      delete s.period.sealRefused[0].sha256;
    }, { earlierBuild: true });
    const earlier = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(earlier.problems).toEqual([]);
    expect(earlier.recompute?.notInPackage).toEqual(['period.sealRefused.0.sha256']);
    await rewriteSummary<RefusedSummary>(dir, signer, (s) => void (s.summaryRevision = 3));
    const lacking = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(lacking.ok).toBe(false);
    expect(lacking.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toContain('summary.json: period.sealRefused is ');

    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`"refused":[{"day":"2026-10-02","record":"${refused.ref.path}","sha":"${refused.sha256}"`);
    expect(html).toContain("reason: 'seal refused: files planted by someone else (attempts ' + x.attempts.join(', ')");

    const oscal = JSON.parse(readFileSync(join(dir, 'oscal', 'assessment-results.json'), 'utf8'));
    expect(oscalSchemaErrors(oscal)).toEqual([]);
    const result = oscal['assessment-results'].results[0];
    const obs = result.observations.find((o: { title: string }) => o.title === 'Seal refused on 2026-10-02 (chain default)');
    expect(obs.description).toContain(`seal refused: files planted by someone else (attempts ${attempts})`);
    expect(obs.props).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'refusal-record', value: refused.ref.path }), expect.objectContaining({ name: 'refusal-record-sha256', value: refused.sha256 })]));
    const res = oscal['assessment-results']['back-matter'].resources.find((x: { uuid: string }) => `#${x.uuid}` === obs['relevant-evidence'][0].href);
    expect(res.rlinks).toEqual([{ href: refused.ref.path, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: refused.sha256 }] }]);
    const gapFindings = result.findings.filter((f: { target: { status: { remarks?: string } } }) => /day\(s\) of the period had no evidence/.test(f.target.status.remarks ?? ''));
    expect(gapFindings.length).toBeGreaterThan(0);
    for (const f of gapFindings) expect(f.target.status.remarks).toContain(`On 2026-10-02 its collection was refused its seal (files planted by someone else in every attempt; ${named})`);
  }, 180_000);

  it('a legal hold over a period covers the signed refusal records of that period and what their attempts left in their run folders', async () => {
    const { store, signer, trust, err } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    // The files the local store holds in a run folder, each as one version.
    const folderOf = (runId: string) => new Map(readdirSync(join(store.root, 'runs', runId)).map((f) => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1' }]]));
    // The store lists runs/ once as S3 does (every folder with its versions: those with a manifest, and the others), and
    // counts it; a folder listed on its own is counted too.
    const listings = { runs: 0, folders: [] as string[] };
    (store as unknown as { listRunFolders: () => Promise<RunFolders> }).listRunFolders = async () => {
      listings.runs++;
      const ids = readdirSync(join(store.root, 'runs')).sort();
      const withManifest = ids.filter((id) => readdirSync(join(store.root, 'runs', id)).includes('manifest.json'));
      return { folders: new Map(withManifest.map((id) => [id, folderOf(id)])), deleteMarkers: [], others: new Map(ids.filter((id) => !withManifest.includes(id)).map((id) => [id, folderOf(id)])) };
    };
    const { holds, placed } = recordLegalHolds(store, (runId) => {
      listings.folders.push(runId);
      return folderOf(runId);
    });

    const held = await applyLegalHold(store, signer, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-03T23:59:59Z'), action: 'hold', trust });
    expect(placed).toContain(`ON prefix/${refused.ref.path}`);
    // Each refused attempt's run folder: here only the file planted in it (the seal never got to write its own).
    const attempts = refused.refusal.attempts.map((a) => a.runId);
    expect(attempts).toHaveLength(RESEALS + 1);
    // Was: each attempt's folder listed on its own (one call per attempt); now they come from the census's listing of runs/.
    expect(listings.folders.filter((id) => attempts.includes(id))).toEqual([]);
    expect(listings.runs).toBeGreaterThan(0);
    for (const a of attempts) expect(placed).toContain(`ON runs/${a}/manifest.json@v1`);
    expect(held.runs).toHaveLength(2);
    expect(held.message).toContain(`and 1 signed refusal record(s) (${refused.ref.path}), with ${attempts.length} object version(s) in the run folders of their ${attempts.length} refused attempt(s) (unsealed, and the files planted among them)`);
    // The record signed by a key nobody trusts is named foreign, never held; junk under another name is not read.
    expect(held.foreign?.map((f) => f.path)).toContain(`refusals/20261002T020000Z-000000-r${'f'.repeat(32)}.json`);
    // The refused attempts' folders are held, so they are not among the foreign objects said to be left as they are.
    expect(held.foreign?.some((f) => f.runId !== undefined && attempts.includes(f.runId))).toBe(false);
    expect(held.message).not.toContain(`runs/${attempts[0]}/`);
    expect(placed.some((p) => p.includes(`-r${'f'.repeat(32)}.json`) || p.includes('junk'))).toBe(false);
    const body = JSON.parse((await store.getObject(held.sealed!.manifest.records[0].sha256)).toString('utf8'));
    expect(body.data.refusals).toEqual([{ path: refused.ref.path, sha256: refused.sha256 }]);
    // The signed record of the hold names each attempt's objects as the unsealed files of a refused seal, planted ones among them.
    expect(body.data.refusedAttempts.note).toMatch(/^the run folders of the attempts of a refused seal, every version of every file: any the collector wrote there that day \(unsealed: .* and the files someone else planted, held too as part of what happened/);
    expect(body.data.refusedAttempts.attempts).toEqual(attempts.map((runId) => ({ record: refused.ref.path, runId, objects: [{ key: `runs/${runId}/manifest.json`, versionId: 'v1' }] })));

    // The bodies the refused run stored (no sealed run names them) are held too, named as such in the signed record.
    const list = refused.refusal.records.bodyList!;
    expect(list).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bodies: expect.any(Number) });
    const listed = (await readRefusedBodyList(store, list)).bodies;
    expect(listed).toHaveLength(list.bodies);
    expect(list.bodies).toBeGreaterThan(0);
    // Held where the records say each body was written (these records name no location: at the store's key for it).
    const bodyKeys = [...new Set(listed.map((b) => b.location?.key ?? holds.objectKey(b.sha256)))].sort();
    const orphans = await findOrphans(store);
    // Every body no sealed run names is the refused run's or its list (nothing else was left unsealed here): all held.
    expect(orphans).toContain(list.sha256);
    for (const sha of orphans) expect([...listed.map((b) => b.sha256), list.sha256]).toContain(sha);
    // Was: the list was an orphan too; now the trusted record that names it accounts for it, and the bodies stay orphans.
    const accounted = await findOrphans(store, trust);
    expect(accounted).not.toContain(list.sha256);
    expect(accounted).toEqual(orphans.filter((sha) => sha !== list.sha256));
    // A list no trusted record names (here one written by hand) is an orphan still.
    const stray = await writeRefusedBodyList(store, [listed[0]]);
    expect(await findOrphans(store, trust)).toContain(stray.sha256);
    expect(await findOrphans(store, () => Promise.resolve(trust))).toContain(stray.sha256);
    for (const key of [...bodyKeys, objectPath(list.sha256)]) expect(placed).toContain(`ON ${key}`);
    expect(body.data.refusedBodies.note).toMatch(/^the evidence bodies a refused seal's run stored under objects\/ .* A body that a sealed run also names is the same object and is held once; holding it for this reason too changes nothing for that run/);
    expect(body.data.refusedBodies.records).toEqual([{ record: refused.ref.path, list: { sha256: list.sha256, key: objectPath(list.sha256) }, objects: expect.any(Array) }]);
    expect(body.data.refusedBodies.records[0].objects.map((o: { key: string }) => o.key).sort()).toEqual(bodyKeys);
    expect(held.message).toContain(`and ${list.bodies} evidence body version(s) their runs stored;`);
    // Was: the record named refused bodies (and attempts' files) both in objects and under their own heading; now each
    // version once: objects holds the runs' and the records' versions, the rest are under refusedAttempts and refusedBodies.
    const at = (o: { key: string; versionId?: string }) => `${o.key}@${o.versionId ?? ''}`;
    const inRecord = [
      ...body.data.objects.map(at),
      ...body.data.refusedAttempts.attempts.flatMap((a: { objects: { key: string; versionId?: string }[] }) => a.objects.map(at)),
      ...body.data.refusedBodies.records.flatMap((b: { list: { key: string }; objects: { key: string; versionId?: string }[] }) => [at(b.list), ...b.objects.map(at)]),
    ];
    expect(new Set(inRecord).size).toBe(inRecord.length);
    expect(inRecord.sort()).toEqual(held.objects.map(at).sort());
    expect(body.data.held).toBe(held.objects.length);
    expect(body.data.objects.map(at)).not.toContain(at({ key: objectPath(list.sha256) }));
    expect(body.data.objectsNote).toMatch(/each version once in the record/);
    // The seal's error said where the list went.
    expect(err?.message).toContain(`it names the list of the run's ${list.bodies} evidence bodies, stored as objects/ body ${list.sha256}, which a legal hold holds with it`);

    // A period holding only the refused day: no sealed run, but its refusal record, its attempts' folders and the bodies
    // its run stored are held (and nothing else); the release lifts exactly what the hold placed.
    placed.length = 0;
    const day = { from: new Date('2026-10-02T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z') };
    const dayHeld = await applyLegalHold(store, signer, { ...day, action: 'hold', trust });
    expect(dayHeld.runs).toEqual([]);
    const expected = [`prefix/${refused.ref.path}`, ...attempts.map((a) => `runs/${a}/manifest.json@v1`), objectPath(list.sha256), ...bodyKeys].sort();
    expect(placed.filter((p) => p.startsWith('ON ')).map((p) => p.slice(3)).sort()).toEqual(expected);
    placed.length = 0;
    const day2 = await applyLegalHold(store, signer, { ...day, action: 'release', trust });
    expect(day2.runs).toEqual([]);
    expect(day2.objects).toEqual(dayHeld.objects);
    expect(placed.map((p) => p.replace(/^OFF /, '')).sort()).toEqual(expected);
    expect(placed.every((p) => p.startsWith('OFF '))).toBe(true);
  }, 180_000);

  it('a refusal record written before refused seals named their bodies: the hold holds the record and says, in its signed record and its message, that the bodies are not held', async () => {
    const store = new LocalEvidenceStore(tmp());
    const signer = LocalEd25519Signer.open(tmp());
    const trust = trustPolicy([await signer.fingerprint()]);
    const at = new Date('2026-10-02T02:00:00Z');
    const runId = '20261002T020000Z-abcdef';
    const ref = await writeSealRefusal(store, signer, {
      schema: 'evidence-locker/seal-refusal@1',
      kind: 'collection',
      chain: 'default',
      tool: { name: 'evidence-locker', version: 'test', sdkVersion: 'test' },
      startedAt: at.toISOString(),
      completedAt: at.toISOString(),
      refusedAt: at.toISOString(),
      scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-encryption'] },
      previous: null,
      attempts: [{ runId, reason: 'planted', planted: [{ key: `runs/${runId}/manifest.json` }] }],
      records: { count: 3, errors: 0, bodiesStored: 3 },
      signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
    });
    const { placed } = recordLegalHolds(store);
    const held = await applyLegalHold(store, signer, { from: new Date('2026-10-02T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z'), action: 'hold', trust });
    expect(placed).toEqual([`ON prefix/${ref.path}`]);
    expect(held.refusedBodies).toEqual([{ record: ref.path, objects: [], notHeld: expect.stringContaining("the record names no list of its run's 3 record(s)' bodies (written before such lists were kept): they are not held") }]);
    // Why no sealed run holds them instead: the attempt's run id was never sealed (a refused seal gives up), so no signed manifest names them.
    expect(held.refusedBodies?.[0].notHeld).toContain('and no sealed run holds them in its place: a refused seal tries each attempt under a fresh run id and after the last gives up, so no signed manifest names the bodies of its records');
    expect(held.message).toContain(`and 0 evidence body version(s) their runs stored (not held: the bodies of ${ref.path}: the record names no list`);
    const body = JSON.parse((await store.getObject(held.sealed!.manifest.records[0].sha256)).toString('utf8'));
    expect(body.data.refusedBodies.records).toEqual(held.refusedBodies);
  });

  it('a seal reads at most SEAL_REFUSAL_READS objects under refusals/, newest first, and none dated in the future', async () => {
    const { store, signer, trust } = await scene();
    const [refused] = (await refusalCensus(store, trust)).trusted;
    // Junk with well-formed names dated between the last sealed run and the refused seal, and one dated in the future.
    const junk = SEAL_REFUSAL_READS + 8;
    for (let i = 0; i < junk; i++) writeFileSync(join(store.root, 'refusals', `20261003T1${String(i).padStart(5, '0')}Z-000000-r${'a'.repeat(32)}.json`), '{"not":"a refusal"}');
    writeFileSync(join(store.root, 'refusals', `20991231T000000Z-000000-r${'b'.repeat(32)}.json`), '{"not":"a refusal"}');
    // A second refused seal after them: its record is the newest, so it is read.
    store.victim = '20261004';
    await sealDays(store, [{ day: '2026-10-04', encrypted: { [ACCT]: true } }], signer).catch(() => undefined);
    const second = (await refusalCensus(store, trust)).trusted.find((r) => r.ref.path !== refused.ref.path)!;
    expect(second.refusal.startedAt).toBe('2026-10-04T02:00:00.000Z');
    store.reads = [];
    await sealDays(store, [{ day: '2026-10-05', encrypted: { [ACCT]: true } }], signer);
    expect(store.reads).toHaveLength(SEAL_REFUSAL_READS);
    expect(store.reads[0]).toBe(second.ref.path);
    expect(store.reads.some((p) => p.startsWith('refusals/2099'))).toBe(false);
    const day5 = (await store.listRuns()).find((r) => r.startsWith('20261005'))!;
    const m = RunManifestSchema.parse(JSON.parse((await store.getRun(day5)).manifest.toString('utf8')));
    expect(m.refusals?.map((r) => r.path)).toEqual([second.ref.path]);
    // Unbounded, the census reads them all: verify --store still sees every object.
    const all = await refusalCensus(store, trust);
    expect(all.unread).toEqual([]);
    expect(all.foreign.length).toBeGreaterThanOrEqual(junk + 1);
    expect((await refusalCensus(store, trust, () => true, 5)).unread).toHaveLength(all.trusted.length + all.foreign.length - 5);
  }, 240_000);
});
