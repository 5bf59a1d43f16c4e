import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SEAL_REFUSAL_READS, refusalsLeftOut, writeSealRefusal, type RunOfChain } from '../../src/seal/refusals.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { REFUSALS_UNREAD_NAMED, type SealRefusal } from '../../src/evidence/refusal.js';
import type { StoredRefusalRef } from '../../src/evidence/store.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { SHELLS, runVerifySh } from '../support/verify-sh.js';
import { ACCT, PERIOD, PlantingStore, periodPackage, runOfDay, sealDay, secondDayRefused, tmp } from '../support/refusal-scene.js';

const SKEW = 15 * 60_000;

/** A store in which someone plants files in a day's run folders, and which can hide its refusal records from a seal's listing (`hidden`). */
class Planted extends PlantingStore {
  hidden = false;
  override async listRefusals(): Promise<StoredRefusalRef[]> {
    return this.hidden ? [] : super.listRefusals();
  }
}

function refusal(over: Partial<SealRefusal> = {}): SealRefusal {
  return {
    schema: 'evidence-locker/seal-refusal@1',
    kind: 'collection',
    chain: 'default',
    tool: { name: 'evidence-locker', version: 'test', sdkVersion: 'test' },
    startedAt: '2026-10-02T02:00:00.000Z',
    completedAt: '2026-10-02T02:05:00.000Z',
    refusedAt: '2026-10-02T02:10:00.000Z',
    scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] },
    previous: { runId: '20261001T020000Z-000001', manifestSha256: 'a'.repeat(64) },
    attempts: [{ runId: '20261002T020000Z-aaaaaa', reason: 'files planted by someone else', planted: [] }],
    records: { count: 2, errors: 0, bodiesStored: 2 },
    signing: { algorithm: 'ed25519', keyFingerprint: 'fp', keyId: 'local' },
    ...over,
  };
}

const PATH = `refusals/20261002T020000Z-aaaaaa-r${'1'.repeat(32)}.json`;
const runOf = (m: Partial<RunOfChain['manifest']> = {}): RunOfChain => ({
  runId: '20261003T020000Z-000003',
  manifest: { chain: 'default', previous: { runId: '20261001T020000Z-000001', manifestSha256: 'a'.repeat(64) }, startedAt: '2026-10-03T02:00:00.000Z', completedAt: '2026-10-03T02:05:00.000Z', ...m },
});

describe('refusalsLeftOut: a trusted refusal record that a run of the same chain and link does not name', () => {
  it('is a problem when the run recorded nothing unread and the refusal came long before it completed', () => {
    const [left] = refusalsLeftOut([{ path: PATH, refusal: refusal() }], [runOf()], SKEW);
    expect(left).toMatchObject({ runId: '20261003T020000Z-000003', path: PATH, problem: true });
    expect(left.message).toBe(
      `run 20261003T020000Z-000003 (chain default, after 20261001T020000Z-000001) does not name refusal record ${PATH} of the same link (seal refused: files planted by someone else (attempts 20261002T020000Z-aaaaaa), refused at 2026-10-02T02:10:00.000Z): its seal records no object under refusals/ left unread, and the seal was refused more than 15 min before run 20261003T020000Z-000003 completed (2026-10-03T02:05:00.000Z): that run's seal should have read and named it (the record was kept from the seal's listing, or the run was sealed by a version that did not record what it left unread), unless the record was written after that run was sealed by a holder of the signing key (kms:Sign) who dated it back: evidence-locker verify --store against an S3 store compares when the server wrote each, and the key's CloudTrail Sign events show when it was signed`,
    );
  });

  it('is a warning naming the unread objects when the run recorded some', () => {
    const among = refusalsLeftOut([{ path: PATH, refusal: refusal() }], [runOf({ refusalsUnread: { count: 3, first: [{ path: 'refusals/x-r' + '0'.repeat(32) + '.json' }, { path: PATH }] } })], SKEW);
    expect(among[0].problem).toBe(false);
    expect(among[0].message).toContain(`: its seal left 3 object(s) under refusals/ unread (a seal reads at most ${SEAL_REFUSAL_READS}, newest first), and its signed manifest names this record among them: objects planted under refusals/ to keep the refusal out of the chain are suspected`);
    const maybe = refusalsLeftOut([{ path: PATH, refusal: refusal() }], [runOf({ refusalsUnread: { count: 30, first: [{ path: 'refusals/x-r' + '0'.repeat(32) + '.json' }] } })], SKEW);
    expect(maybe[0].message).toContain('its seal left 30 object(s) under refusals/ unread (a seal reads at most 32, newest first), so the record may be among them (its signed manifest names the first 1)');
    // Every unread object named, and not this one: unread objects do not explain it.
    const others = refusalsLeftOut([{ path: PATH, refusal: refusal() }], [runOf({ refusalsUnread: { count: 1, first: [{ path: 'refusals/x-r' + '0'.repeat(32) + '.json' }] } })], SKEW);
    expect(others[0].problem).toBe(true);
  });

  it('is a warning when two collections of the chain ran at once (refused late, or dated before the previous run)', () => {
    const late = refusalsLeftOut([{ path: PATH, refusal: refusal({ refusedAt: '2026-10-03T01:55:00.000Z' }) }], [runOf()], SKEW);
    expect(late[0].problem).toBe(false);
    expect(late[0].message).toContain('the seal was refused less than 15 min before run 20261003T020000Z-000003 completed (2026-10-03T02:05:00.000Z), or after, so the record may have been written after');
    const early = `refusals/20261001T013000Z-aaaaaa-r${'1'.repeat(32)}.json`;
    const before = refusalsLeftOut([{ path: early, refusal: refusal({ startedAt: '2026-10-01T01:30:00.000Z', attempts: [{ runId: '20261001T013000Z-aaaaaa', reason: 'x', planted: [] }] }) }], [runOf()], SKEW);
    expect(before[0].problem).toBe(false);
    expect(before[0].message).toContain('the record is dated by its first attempt before run 20261001T020000Z-000001 started');
  });

  it('says nothing of a run that names the record, or of another chain or link', () => {
    const named = runOf({ refusals: [{ path: PATH, sha256: 'b'.repeat(64), runIds: ['20261002T020000Z-aaaaaa'], startedAt: '', refusedAt: '' }] });
    const otherChain = runOf({ chain: 'other' });
    const otherLink = runOf({ previous: { runId: '20261001T020000Z-000001', manifestSha256: 'c'.repeat(64) } });
    const firstRun = runOf({ previous: null });
    expect(refusalsLeftOut([{ path: PATH, refusal: refusal() }], [named, otherChain, otherLink, firstRun], SKEW)).toEqual([]);
    // A chain's first run and a refusal of a chain's first seal share the link "none".
    expect(refusalsLeftOut([{ path: PATH, refusal: refusal({ previous: null }) }], [firstRun], SKEW).map((l) => l.message)).toEqual([expect.stringContaining('(chain default, its first run) does not name')]);
  });
});

describe('a refusal record the next run of its chain does not name', () => {
  it('junk planted under refusals/: the seal records what it left unread (bounded), and every verifier names the genuine record as left out', async () => {
    const root = tmp();
    const store = new Planted(root, '20261002');
    const { signer, trust, record: genuine } = await secondDayRefused(store);
    expect(genuine.refusal.previous?.runId).toMatch(/^20261001T020000Z-/);
    // Someone with write access adds well-formed names dated after the genuine record: more than a seal reads.
    const junk = SEAL_REFUSAL_READS + 13;
    for (let i = 0; i < junk; i++) writeFileSync(join(root, 'refusals', `20261002T03${String(i).padStart(4, '0')}Z-000000-r${'a'.repeat(32)}.json`), '{"not":"a refusal"}');
    await sealDay(store, '2026-10-03', signer);

    const day1 = await runOfDay(store, '2026-10-01');
    const day3 = await runOfDay(store, '2026-10-03');
    expect(day3.manifest.previous?.runId).toBe(day1.runId);
    expect(day3.manifest.refusals).toBeUndefined();
    // 45 junk names and the genuine record are candidates; 32 read; 14 unread, the first 10 (newest first) named.
    expect(day3.manifest.refusalsUnread?.count).toBe(junk + 1 - SEAL_REFUSAL_READS);
    expect(day3.manifest.refusalsUnread?.first).toHaveLength(REFUSALS_UNREAD_NAMED);
    expect(day3.manifest.refusalsUnread?.first[0].path).toBe(`refusals/20261002T030012Z-000000-r${'a'.repeat(32)}.json`);
    const left = `run ${day3.runId} (chain default, after ${day1.runId}) does not name refusal record ${genuine.ref.path} of the same link`;

    const report = await verifyStoredRuns(store, PERIOD, { trust });
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([expect.objectContaining({ runId: day3.runId, key: genuine.ref.path, problem: expect.stringContaining(left) })]);
    expect(report.warnings[0].problem).toContain('its seal left 14 object(s) under refusals/ unread (a seal reads at most 32, newest first), so the record may be among them (its signed manifest names the first 10): objects planted under refusals/ to keep the refusal out of the chain are suspected');
    expect(formatStoreReport(report)).toContain(`warning: run ${day3.runId} key ${genuine.ref.path}: ${left}`);
    expect(report.foreign.length).toBeGreaterThanOrEqual(junk);

    const { dir, fp } = await periodPackage(store, signer);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { refusalsNotNamed?: { record: string; runId: string; problem: boolean; message: string }[] } };
    expect(summary.period.refusalsNotNamed).toEqual([{ record: genuine.ref.path, runId: day3.runId, chain: 'default', problem: false, message: expect.stringContaining(left) }]);
    // report.pdf (compared without white space: it wraps long lines) and index.html say it too.
    const pdf = spawnSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
    expect(pdf).toContain('Refusalrecordsthechaindoesnotcarry(1)');
    // The PDF may break a line after a hyphen and drop it: hyphens are left out of the comparison.
    expect(pdf.replace(/-/g, '')).toContain(`WARNING: ${left}`.replace(/[\s-]+/g, ''));
    expect(pdf).toContain('itssealleft14object(s)underrefusals/unread');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('"refusalsNotNamed":[{');
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.warnings).toContainEqual({ path: `runs/${day3.runId}`, message: expect.stringContaining(`${left} (`) });
    expect(formatVerification(v, 'pkg')).toContain(left);
    // verify.sh reads the unread objects the run's manifest records (refusalsUnread) and warns the same, VALID.
    const warned = v.warnings.find((w) => w.message.startsWith(left))!;
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out).toContain(`WARNING (period coverage): runs/${day3.runId}: ${warned.message}\n`);
      expect(sh.out).toContain('RESULT: VALID');
      expect(sh.code).toBe(0);
    }
  }, 240_000);

  it('a record kept from the seal that recorded nothing unread: verify --store and verify fail the run that should have named it', async () => {
    const root = tmp();
    const store = new Planted(root);
    const signer = await sealDay(store, '2026-10-01');
    const trust = trustPolicy([await signer.fingerprint()]);
    const day1 = await runOfDay(store, '2026-10-01');
    const link = { runId: day1.runId, manifestSha256: sha256Hex((await store.getRun(day1.runId)).manifest) };
    // A seal of 2026-10-02 refused (its signed record, written at once), long before day 3's run completed.
    const written = await writeSealRefusal(store, signer, refusal({ previous: link, signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId } }));
    // Day 3's seal does not see it (its listing hides refusals/): it records nothing unread and names nothing.
    store.hidden = true;
    await sealDay(store, '2026-10-03', signer);
    store.hidden = false;
    const day3 = await runOfDay(store, '2026-10-03');
    expect(day3.manifest.refusals).toBeUndefined();
    expect(day3.manifest.refusalsUnread).toBeUndefined();
    const left = `run ${day3.runId} (chain default, after ${day1.runId}) does not name refusal record ${written.path} of the same link`;

    const report = await verifyStoredRuns(store, PERIOD, { trust });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ runId: day3.runId, key: written.path, problem: expect.stringContaining(`${left} (`) })]);
    expect(report.problems[0].problem).toContain(": its seal records no object under refusals/ left unread, and the seal was refused more than 15 min before run");
    expect(report.refused).toEqual([expect.objectContaining({ path: written.path })]);
    expect(report.refused[0].namedBy).toBeUndefined();

    const { dir, fp } = await periodPackage(store, signer);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { refusalsNotNamed?: { problem: boolean }[] } };
    expect(summary.period.refusalsNotNamed).toEqual([expect.objectContaining({ record: written.path, runId: day3.runId, problem: true })]);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual({ path: `runs/${day3.runId}`, message: expect.stringContaining(`${left} (`) });
    // verify.sh compares the record with the runs of its link too, and fails the run with the same words.
    const failed = v.problems.find((p) => p.message.startsWith(left))!;
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [await signer.fingerprint()], shell);
      expect(sh.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([`FAIL  runs/${day3.runId}: ${failed.message}`]);
      expect(sh.code, sh.out).toBe(1);
    }
  }, 240_000);
});

/** A store whose refusals/ listing also names objects it does not hold (`phantoms`): a seal told so records them unread. */
class Phantoms extends Planted {
  phantoms: StoredRefusalRef[] = [];
  override async listRefusals(): Promise<StoredRefusalRef[]> {
    return [...(await super.listRefusals()), ...this.phantoms];
  }
}

describe("a run's signed refusalsUnread against the store", () => {
  it('was: unread objects the store never held excused a left-out refusal record as a warning; now verify --store names each one it names as a problem, and a count the store holds too few objects for', async () => {
    const root = tmp();
    const store = new Phantoms(root);
    const signer = await sealDay(store, '2026-10-01');
    const trust = trustPolicy([await signer.fingerprint()]);
    const day1 = await runOfDay(store, '2026-10-01');
    const link = { runId: day1.runId, manifestSha256: sha256Hex((await store.getRun(day1.runId)).manifest) };
    const written = await writeSealRefusal(store, signer, refusal({ previous: link, signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId } }));
    // Day 3's seal is told of objects newer than the genuine record that are not there (what a signer of a made-up
    // manifest writes too): it reads 32, leaves the genuine record and 13 of them unread, and names the first 10.
    store.phantoms = Array.from({ length: SEAL_REFUSAL_READS + 13 }, (_, i) => ({ path: `refusals/20261002T03${String(i).padStart(4, '0')}Z-000000-r${'b'.repeat(32)}.json` }));
    await sealDay(store, '2026-10-03', signer);
    store.phantoms = [];
    const day3 = await runOfDay(store, '2026-10-03');
    expect(day3.manifest.refusalsUnread?.count).toBe(14);
    expect(day3.manifest.refusalsUnread?.first).toHaveLength(REFUSALS_UNREAD_NAMED);
    const named = day3.manifest.refusalsUnread!.first[0].path;

    const report = await verifyStoredRuns(store, PERIOD, { trust });
    expect(report.ok).toBe(false);
    const unbacked = report.problems.filter((p) => p.runId === day3.runId && /left unread under refusals\/ \(refusalsUnread\), and the store holds no such object/.test(p.problem));
    expect(unbacked).toHaveLength(REFUSALS_UNREAD_NAMED);
    expect(unbacked[0]).toMatchObject({ key: named });
    expect(unbacked[0].problem).toBe(
      `run ${day3.runId}'s signed manifest names ${named} among the objects its seal left unread under refusals/ (refusalsUnread), and the store holds no such object: the run's claim that its seal left objects under refusals/ unread (which makes a refusal record it does not name a warning, not a problem) is not backed by the store; either the object was removed since (Object Lock keeps every object of an S3 evidence store) or a holder of the signing key (kms:Sign) signed the claim: find the key's CloudTrail Sign events and who removed objects under refusals/`,
    );
    // The count: 32 read and 14 unread need 46 candidates; the store holds the genuine record alone.
    expect(report.warnings).toContainEqual(expect.objectContaining({ runId: day3.runId, problem: expect.stringContaining(`says its seal left 14 object(s) under refusals/ unread (refusalsUnread), which a seal does only after reading 32, so at least 46 objects named like refusal records from ${day1.manifest.startedAt} (its chain's previous run) were there; the store holds 1:`) }));
    // The left-out record is still named (as the run's claim would have it, a warning), beside the problems above.
    expect(report.warnings).toContainEqual(expect.objectContaining({ runId: day3.runId, key: written.path }));
    expect(formatStoreReport(report)).toContain(`run ${day3.runId} key ${named}: run ${day3.runId}'s signed manifest names ${named}`);
  }, 240_000);
});
