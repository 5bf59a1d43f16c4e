import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../../src/store/local.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import type { SealRefusal } from '../../src/evidence/refusal.js';
import type { LockedVersions, StoredRefusalRef, StoredVersionRef } from '../../src/evidence/store.js';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';

const ACCT = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-attack-refusal-late-'));

/**
 * A local store that says, as S3 does, when its server wrote each run file (a minute after the run's completion) and
 * each object under refusals/ (`writtenAt`, by path): no writer sets these times.
 */
class ServerTimedStore extends LocalEvidenceStore {
  readonly writtenAt = new Map<string, Date>();
  /** Set once the fixture runs are sealed (the seal itself is not what this test is about). */
  lockedVersions?: LockedVersions;
  readonly serverTimes: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => {
      const completed = Date.parse((JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { completedAt: string }).completedAt);
      return new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: new Date(completed + 60_000) }]]));
    },
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };
  override async listRefusals(): Promise<StoredRefusalRef[]> {
    return (await super.listRefusals()).map((r) => ({ ...r, ...(this.writtenAt.has(r.path) ? { lastModified: this.writtenAt.get(r.path) } : {}) }));
  }
}

/**
 * On Dec 5 a holder of kms:Sign on the run key (the collector's role) signs a refusal record of the default chain
 * dated Oct 1, whose attempts had Oct 1's run as their link, and writes it under the name a seal would give it. The Oct
 * 2 run, sealed long before, does not name it, and names nothing left unread.
 */
async function scene() {
  const root = tmp();
  const store = new ServerTimedStore(root);
  const signer: LocalEd25519Signer = await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: true } })));
  store.lockedVersions = store.serverTimes;
  const [oct1, oct2] = await store.listRuns();
  const refusal: SealRefusal = {
    schema: 'evidence-locker/seal-refusal@1',
    kind: 'collection',
    chain: 'default',
    tool: { name: 'evidence-locker', version: '0.1.0', sdkVersion: 'aws-sdk-js-v3/test' },
    startedAt: '2026-10-01T12:00:00.000Z',
    completedAt: '2026-10-01T12:05:00.000Z',
    refusedAt: '2026-10-01T12:06:00.000Z',
    scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] },
    previous: { runId: oct1, manifestSha256: sha256Hex((await store.getRun(oct1)).manifest) },
    attempts: [{ runId: '20261001T120000Z-00abcd', reason: 'RunFilesPlanted', planted: [] }],
    records: { count: 2, errors: 0, bodiesStored: 2 },
    signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
  };
  const path = `refusals/20261001T120000Z-00abcd-r${'b'.repeat(32)}.json`;
  mkdirSync(join(root, 'refusals'), { recursive: true });
  writeFileSync(join(root, path), canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal, signature: (await signer.sign(canonicalBytes(refusal))).toString('base64'), publicKeyPem: await signer.publicKeyPem() }));
  store.writtenAt.set(path, new Date('2026-12-05T09:00:00Z'));
  return { store, signer, oct2, path, trust: trustPolicy([await signer.fingerprint()]) };
}

describe('a refusal record signed and written months after the run of its link, dated back', () => {
  it('was: verify --store blamed the genuine Oct 2 run for hiding it; now it names the record as written after that run and back-dated', async () => {
    const { store, oct2, path, trust } = await scene();
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust });
    expect(report.ok).toBe(false);
    const messages = report.problems.map((p) => p.problem);
    // Before, the only finding was that Oct 2's seal "should have read and named it (the record was kept from the seal's listing ...)".
    expect(messages.filter((m) => /should have read and named it/.test(m))).toEqual([]);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: path, problem: expect.stringMatching(/^refusal record .* was written to the store at 2026-12-05T09:00:00\.000Z \(LastModified, set by the server, not by the writer\), \d+ d( \d+ h)? after the refusal 2026-10-01T12:06:00\.000Z it states/) }),
        expect.objectContaining({ runId: oct2, key: path, problem: expect.stringMatching(new RegExp(`after run ${oct2}'s manifest .*: that run's seal could not have read it; the record was signed and written after the run by a holder of the signing key \\(kms:Sign\\) who dated it back`)) }),
      ]),
    );
    expect(report.problems).toHaveLength(2);
  }, 120_000);

  it('offline, verify of a package cannot tell when it was written: the failure names both explanations, not the run alone', async () => {
    const { store, signer, oct2, path } = await scene();
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-12-06T09:00:00Z') });
    const dir = tmp();
    await extractPackageZip(built.zipPath, dir);
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()] });
    const named = v.problems.filter((p) => p.path === `runs/${oct2}` && p.message.includes(path));
    expect(named).toHaveLength(1);
    expect(named[0].message).toMatch(/should have read and named it .*, unless the record was written after that run was sealed by a holder of the signing key \(kms:Sign\) who dated it back: evidence-locker verify --store against an S3 store compares when the server wrote each/);
  }, 120_000);
});
