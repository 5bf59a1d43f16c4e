import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { refusalCensus } from '../../src/seal/refusals.js';
import type { StoredRefusalRef } from '../../src/evidence/store.js';
import type { SealRefusal } from '../../src/evidence/refusal.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { resignSums, runVerifySh } from '../support/verify-sh.js';
import { remanifest } from '../support/resign-package.js';
import { PERIOD, PlantingStore, periodPackage, runOfDay, sealDay, secondDayRefused, tmp } from '../support/refusal-scene.js';
import { sha256Hex } from '../../src/evidence/hash.js';

/**
 * A store that behaves as a versioned S3 bucket does under `refusals/`: a key can hold later versions, listed after the
 * first (oldest first per key, as the S3 store lists them). The day-2 seal is refused (files planted in its run folders).
 */
class VersionedRefusals extends PlantingStore {
  readonly later = new Map<string, { versionId: string; bytes: Buffer }[]>();
  /** Keys deeper under refusals/ (S3 lists every key below the prefix), with their bytes. */
  readonly deeper = new Map<string, Buffer>();
  constructor(root: string) {
    super(root, '20261002');
  }
  override async listRefusals(): Promise<StoredRefusalRef[]> {
    const own = (await super.listRefusals()).flatMap((r) => [r, ...(this.later.get(r.path) ?? []).map((v) => ({ path: r.path, versionId: v.versionId, size: v.bytes.length }))]);
    return [...own, ...[...this.deeper].map(([path, bytes]) => ({ path, size: bytes.length }))];
  }
  override async readRefusal(ref: StoredRefusalRef, maxBytes: number): Promise<Buffer> {
    const v = ref.versionId ? this.later.get(ref.path)?.find((x) => x.versionId === ref.versionId) : undefined;
    return v ? v.bytes : (this.deeper.get(ref.path) ?? super.readRefusal(ref, maxBytes));
  }
}

/**
 * What a holder of the collector's permissions (s3:PutObject under the prefix, kms:Sign on the run key) can write once
 * the seal's refusal record exists: a second signed record under that record's own key, as a later version. It names
 * the same first attempt, so its name is the one the seal gives it; it tells another story (another start, nothing planted).
 */
async function plantSecondVersion(store: VersionedRefusals, signer: LocalEd25519Signer, path: string, refusal: SealRefusal): Promise<Buffer> {
  const other: SealRefusal = { ...refusal, startedAt: '2026-10-02T01:00:00.000Z', attempts: refusal.attempts.map((a) => ({ ...a, planted: [] })) };
  const bytes = canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal: other, signature: (await signer.sign(canonicalBytes(other))).toString('base64'), publicKeyPem: await signer.publicKeyPem() });
  store.later.set(path, [{ versionId: 'planted-v2', bytes }]);
  return bytes;
}

describe('a signed refusal record written again as a later version of its own key', () => {
  it('after the next run named the record: the package still carries the version the run names, and both verifiers accept it', async () => {
    const store = new VersionedRefusals(tmp());
    const { signer, trust, record: genuine } = await secondDayRefused(store);
    await sealDay(store, '2026-10-03', signer);
    await plantSecondVersion(store, signer, genuine.ref.path, genuine.refusal);

    // The later version is foreign: the record is the key's first version.
    const census = await refusalCensus(store, trust);
    expect(census.trusted.map((t) => [t.ref.path, t.ref.versionId, t.sha256])).toEqual([[genuine.ref.path, undefined, genuine.sha256]]);
    expect(census.foreign).toEqual([expect.objectContaining({ path: genuine.ref.path, versionId: 'planted-v2', reason: 'not-a-refusal', keyFingerprint: await signer.fingerprint() })]);
    expect(census.foreign[0].detail).toMatch(/^version planted-v2: a later version of a key whose first version \(SHA-256 [0-9a-f]{64}\) holds other bytes/);

    // Before, the package took the version with the earlier start and every package of the period was INVALID.
    const { dir, fp } = await periodPackage(store, signer);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.refusedSeals).toEqual([expect.objectContaining({ path: genuine.ref.path, day: '2026-10-02' })]);
    expect(runVerifySh(dir, [fp]).code).toBe(0);
  }, 180_000);

  it('before the next run: that run names only the record the seal wrote, and verify --store names the later version as foreign', async () => {
    const store = new VersionedRefusals(tmp());
    const { signer, trust, record: genuine } = await secondDayRefused(store);
    await plantSecondVersion(store, signer, genuine.ref.path, genuine.refusal);
    await sealDay(store, '2026-10-03', signer);

    // Before, the day-3 run named both versions under one path, which no package (one file per path) can carry.
    const { runId: day3, manifest: m } = await runOfDay(store, '2026-10-03');
    expect(m.refusals?.map((r) => [r.path, r.versionId, r.sha256])).toEqual([[genuine.ref.path, undefined, genuine.sha256]]);

    const report = await verifyStoredRuns(store, PERIOD, { trust });
    expect(report.problems).toEqual([]);
    expect(report.foreign.filter((f) => f.path.startsWith('refusals/')).map((f) => [f.path, f.versionId])).toEqual([[genuine.ref.path, 'planted-v2']]);
    expect(report.refused).toEqual([expect.objectContaining({ path: genuine.ref.path, namedBy: day3 })]);

    const { dir, fp } = await periodPackage(store, signer);
    expect((await verifyPackageDir(dir, { expectedKeys: [fp] })).problems).toEqual([]);
    expect(runVerifySh(dir, [fp]).code).toBe(0);
  }, 180_000);

  it('a genuine record copied to a folder below refusals/ under its own name is a copy: foreign in the store, refused in a package by both verifiers', async () => {
    const store = new VersionedRefusals(tmp());
    const { signer, trust, record: genuine } = await secondDayRefused(store);
    await sealDay(store, '2026-10-03', signer);
    // s3:PutObject alone: the record's bytes, unchanged, one folder down under the same file name.
    const copyPath = `refusals/copies/${genuine.ref.path.slice('refusals/'.length)}`;
    store.deeper.set(copyPath, genuine.bytes);

    // Before, the copy was trusted as a second record: verify --store named nothing and the package showed the refusal twice.
    const census = await refusalCensus(store, trust);
    expect(census.trusted.map((t) => t.ref.path)).toEqual([genuine.ref.path]);
    expect(census.foreign.map((f) => f.path)).toEqual([copyPath]);
    expect(census.foreign[0].detail).toMatch(/^its name is not the one the seal gives this record/);
    const report = await verifyStoredRuns(store, PERIOD, { trust });
    expect(report.foreign.filter((f) => f.path.startsWith('refusals/')).map((f) => f.path)).toEqual([copyPath]);
    expect(report.refused).toHaveLength(1);

    const { dir, fp } = await periodPackage(store, signer);
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems).toEqual([]);
    expect(v.refusedSeals?.map((r) => r.path)).toEqual([genuine.ref.path]);

    // The same copy put into the package and signed again with the package key: both verifiers refuse it.
    const d = tmp();
    cpSync(dir, d, { recursive: true });
    mkdirSync(join(d, 'refusals', 'copies'));
    writeFileSync(join(d, ...copyPath.split('/')), genuine.bytes);
    await remanifest(d, signer, (m) => {
      const bytes = readFileSync(join(d, ...copyPath.split('/')));
      m.files.push({ path: copyPath, sha256: sha256Hex(bytes), size: bytes.length });
    });
    await resignSums(d, signer);
    const copied = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(copied.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringMatching(new RegExp(`^${copyPath.replace(/\./g, '\\.')}: not a refusal record of this name: its name is not the one the seal gives this record`))]);
    const sh = runVerifySh(d, [fp]);
    expect(sh.code).toBe(1);
    expect(sh.out).toContain(`FAIL  ${copyPath}: not a refusal record signed by a pinned run key: its name is not the one the seal gives this record`);
    expect(sh.out.match(/^SEAL REFUSED: /gm)).toHaveLength(1);
  }, 240_000);
});
