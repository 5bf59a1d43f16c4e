import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../../src/store/local.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { trustPolicy } from '../../src/seal/trust.js';
import type { SealRefusal } from '../../src/evidence/refusal.js';
import { recordLegalHolds } from '../support/recording-holds.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { runVerifySh } from '../support/verify-sh.js';

const ACCT = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-attack-refused-run-'));

/**
 * What a holder of kms:Sign on the run key (the collector's role) can write under `refusals/` with s3:PutObject: a
 * refusal record of its own, signed with the organisation's key, whose refused attempts are the ids of sealed runs
 * (one of the period, one of a later month), under the name the seal would give it (its first attempt's run id).
 */
async function forgeRefusal(root: string, signer: LocalEd25519Signer, attempts: string[]): Promise<string> {
  const refusal: SealRefusal = {
    schema: 'evidence-locker/seal-refusal@1',
    kind: 'collection',
    chain: 'shard-1-of-2',
    tool: { name: 'evidence-locker', version: '0.1.0', sdkVersion: 'aws-sdk-js-v3/test' },
    startedAt: '2026-10-02T12:00:00.000Z',
    completedAt: '2026-10-02T12:05:00.000Z',
    refusedAt: '2026-10-02T12:06:00.000Z',
    scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] },
    previous: null,
    attempts: attempts.map((runId) => ({ runId, reason: 'RunFilesPlanted', planted: [] })),
    records: { count: 0, errors: 0, bodiesStored: 0 },
    signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
  };
  const bytes = canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal, signature: (await signer.sign(canonicalBytes(refusal))).toString('base64'), publicKeyPem: await signer.publicKeyPem() });
  const path = `refusals/${attempts[0]}-r${'a'.repeat(32)}.json`;
  mkdirSync(join(root, 'refusals'), { recursive: true });
  writeFileSync(join(root, path), bytes);
  return path;
}

async function scene() {
  const root = tmp();
  const store = new LocalEvidenceStore(root);
  const signer = await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03', '2026-11-15'].map((day) => ({ day, encrypted: { [ACCT]: true } })));
  const runs = await store.listRuns();
  const oct3 = runs.find((r) => r.startsWith('20261003'))!;
  const nov15 = runs.find((r) => r.startsWith('20261115'))!;
  const path = await forgeRefusal(root, signer, [oct3, nov15]);
  const trust = trustPolicy([await signer.fingerprint()]);
  return { root, store, signer, oct3, nov15, path, trust };
}

describe('a signed refusal record that names sealed runs as its refused attempts', () => {
  it('was: verify --store said nothing of it; now it names each sealed run the record calls a refused attempt', async () => {
    const { store, oct3, nov15, path, trust } = await scene();
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust });
    expect(report.refused).toEqual([expect.objectContaining({ path })]);
    expect(report.problems.map((p) => [p.runId, p.key, p.problem])).toEqual(
      [oct3, nov15].map((id) => [id, path, expect.stringMatching(new RegExp(`^refusal record ${path} names run ${id} as a refused seal attempt \\(files planted by someone else\\), but ${id} is a sealed run signed by a trusted key`))]),
    );
    expect(report.ok).toBe(false);
  }, 120_000);

  it('was: releasing October lifted the legal hold of a November run (the record\'s second attempt); now no sealed run is held or released as a refused attempt', async () => {
    const { root, store, signer, oct3, nov15, path, trust } = await scene();
    const { placed } = recordLegalHolds(store, (runId) => new Map(readdirSync(join(root, 'runs', runId)).map((f) => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1' }]])));
    const errors: string[] = [];
    const log = { error: (_o: unknown, msg: string) => errors.push(msg), warn: () => undefined, info: () => undefined, debug: () => undefined } as unknown as Parameters<typeof applyLegalHold>[2]['log'];

    const released = await applyLegalHold(store, signer, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z'), action: 'release', trust, log });
    // The record itself is released with the period; the November run is not touched.
    expect(placed).toContain(`OFF prefix/${path}`);
    expect(placed.filter((p) => p.includes(nov15))).toEqual([]);
    // October 3 is released as a run of the period (its own files), never as a refused seal's unsealed files.
    expect(placed).toContain(`OFF runs/${oct3}/manifest.json@v1`);
    const body = JSON.parse((await store.getObject(released.sealed!.manifest.records[0].sha256)).toString('utf8')) as { data: { refusedAttempts?: { attempts: { runId: string }[] }; refusedBodies?: { records: unknown[] } } };
    expect(body.data.refusedAttempts).toBeUndefined();
    // The record names no list of bodies, and its first attempt is a run of the period: that run's bodies are released
    // as its objects, which the record of the release says instead of calling them not held.
    const asRun = { record: path, objects: [], heldAsRun: { runId: oct3, note: expect.stringContaining(`its attempt ${oct3} is a run sealed by a trusted key and held by this release: the bodies that run's signed manifest names are released as its objects`) as unknown } };
    expect(body.data.refusedBodies?.records).toEqual([asRun]);
    expect(released.refusedBodies).toEqual([asRun]);
    expect(released.message).toContain(`(held as a run's: ${path}: the record names no list`);
    expect(released.message).not.toContain('not held');
    expect(errors).toEqual([oct3, nov15].map((id) => expect.stringContaining(`names run ${id} as a refused seal attempt`)));
  }, 120_000);

  it('was: a package of the period carrying the record and the run it names was VALID; now both verifiers name the contradiction', async () => {
    const { store, signer, oct3, path } = await scene();
    const errors: { o: unknown; msg: string }[] = [];
    const log = { error: (o: unknown, msg: string) => errors.push({ o, msg }), warn: () => undefined, info: () => undefined, debug: () => undefined } as unknown as Parameters<typeof buildPackage>[0]['log'];
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-11-20T09:00:00Z'), log });
    // package says so when it builds (was: nothing), naming the record, the run and what to do; the record is write-once,
    // so the package is built (refusing would refuse every package of the period), and its build summary lists it.
    expect(built.summary.refusalsNamingSealedRuns).toEqual([{ record: path, runId: oct3 }]);
    const said = errors.filter((e) => e.msg.includes(`names run ${oct3} as a refused seal attempt`));
    expect(said).toHaveLength(1);
    expect(said[0].o).toEqual({ record: path, runId: oct3 });
    expect(said[0].msg).toMatch(new RegExp(`^package: refusal record ${path} names run ${oct3} as a refused seal attempt`));
    expect(said[0].msg).toContain(`This package carries both, so evidence-locker verify and verify.sh will call it INVALID (verify --store names the same problem): find the CloudTrail Sign events of the record and of run ${oct3} and who made them`);
    const dir = tmp();
    await extractPackageZip(built.zipPath, dir);
    const v = await verifyPackageDir(dir, { expectedKeys: [await signer.fingerprint()] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringMatching(new RegExp(`^${path}: refusal record ${path} names run ${oct3} as a refused seal attempt`))]);
    expect(v.ok).toBe(false);
    // verify.sh, with standard tools: the same contradiction.
    const sh = runVerifySh(dir, [await signer.fingerprint()]);
    expect(sh.out).toContain(`FAIL  ${path}: refusal record ${path} names run ${oct3} as a refused seal attempt (files planted by someone else), but ${oct3} is a sealed run`);
    expect(sh.code).toBe(1);
  }, 120_000);
});
