import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import { RunManifestSchema, isSealTime } from '../../src/evidence/manifest.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { replaceRunManifest } from '../support/resign-package.js';
import { runVerifySh } from '../support/verify-sh.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';

const ACCT = '111111111111';

/**
 * A store that, like S3, says when its server wrote each run's files (LastModified): a minute after the completion a
 * run states, unless `writtenAt` says otherwise (a run written by hand long after it claims).
 */
class ServerTimedStore extends MemoryStore {
  readonly writtenAt = new Map<string, Date>();
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => {
      const completed = Date.parse((JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { completedAt: string }).completedAt);
      const at = this.writtenAt.get(runId) ?? new Date(completed + 60_000);
      return new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: at }]]));
    },
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };
}

/**
 * A holder of kms:Sign (the collector's role) writes on Dec 5, in a chain of its own, a run of the missed Oct 2 whose
 * signed completion is text no parser reads as a time (one character past what the seal writes). Both back-dating
 * checks (the server's write time against the completion, and the span from start to completion) compute with that
 * completion, so it must not be left unjudged.
 */
async function forgeRun(store: ServerTimedStore, signer: LocalEd25519Signer, completedAt: string): Promise<string> {
  const scratch = new MemoryStore();
  await sealDays(scratch, [{ day: '2026-10-02', encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: 'a' } }], signer);
  const [runId] = await scratch.listRuns();
  const m = JSON.parse((await scratch.getRun(runId)).manifest.toString('utf8')) as Record<string, unknown>;
  const bytes = canonicalBytes({ ...m, completedAt });
  for (const [sha, b] of scratch.objects) await store.putObject(sha, b);
  await store.putRun({ runId, manifest: bytes, signature: await signer.sign(bytes), publicKeyPem: await signer.publicKeyPem() });
  store.writtenAt.set(runId, new Date('2026-12-05T02:00:00Z'));
  return runId;
}

describe('a run whose signed completion reads as no time', () => {
  const odd = ['2026-10-02T02:05:00.000Z.', '2026-10-02T02:05:00.000Zulu', '2026-10-02T26:05:00.000Z', 'soon'];

  it('is not a time the seal writes: every one of them is refused by the run manifest schema, a sealed time is not', () => {
    for (const t of odd) expect([t, Number.isNaN(Date.parse(t)), isSealTime(t)]).toEqual([t, true, false]);
    expect(isSealTime('2026-10-02T02:05:00.000Z')).toBe(true);
    // Times that do parse, but not as the seal writes them: each verifier reads them alike only if it parses dates.
    expect(isSealTime('2026-10-02T02:05:00Z')).toBe(false);
    expect(isSealTime('2026-10-02T02:05:00.000+02:00')).toBe(false);
    // An expanded year parses to the same instant, but sorts before every time as text: compared as text (the chain
    // order, the date since which packages record their evaluation inputs), it would read as the earliest of all.
    expect(Date.parse('+002026-12-08T00:00:00.000Z')).toBe(Date.parse('2026-12-08T00:00:00.000Z'));
    expect(isSealTime('+002026-12-08T00:00:00.000Z')).toBe(false);
  });

  it('was: verify --store said the store was sound (no write time or span judged) and the package took it as evidence; now it is foreign, named with the field', async () => {
    const store = new ServerTimedStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false } },
      { day: '2026-10-03', encrypted: { [ACCT]: false } },
    ]);
    const forged = await forgeRun(store, signer, odd[0]);
    const fp = await signer.fingerprint();
    const m = RunManifestSchema.safeParse(JSON.parse((await store.getRun(forged)).manifest.toString('utf8')));
    expect(m.success).toBe(false);

    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: trustPolicy([fp]) });
    // Before, the run was trusted: its write time (Dec 5) and its span were computed against NaN and named nothing.
    expect(report.ok).toBe(false);
    expect(report.foreign).toEqual([expect.objectContaining({ runId: forged, reason: 'malformed', detail: expect.stringMatching(/^completedAt: not a time as evidence-locker writes one/) })]);
    expect(report.runs.find((r) => r.runId === forged)).toEqual(expect.objectContaining({ ok: false }));

    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-odd-time-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
    // Not evidence: Oct 2 stays a day without a run, and the run is listed among the foreign objects.
    expect(pkg.summary.runs).toBe(2);
    expect(pkg.summary.foreignObjects).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('in a package (one built before runs were held to this, or by a holder of both keys): both verifiers refuse the run', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: true } })));
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-odd-time-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-11-06T10:00:00Z') });
    const dir = mkdtempSync(join(tmpdir(), 'el-odd-time-unzip-'));
    await extractPackageZip(built.zipPath, dir);
    const fp = await signer.fingerprint();
    const last = (await store.listRuns()).at(-1)!;
    // The last run's completion one character past what the seal writes, restated in manifest.json as the builder would.
    const m = JSON.parse(readFileSync(join(dir, 'runs', last, 'manifest.json'), 'utf8')) as { completedAt: string };
    const odd = `${m.completedAt}.`;
    await replaceRunManifest(dir, signer, last, canonicalBytes({ ...m, completedAt: odd }), (pm) => {
      Object.assign(pm.runs.find((r) => r.runId === last)!, { completedAt: odd });
      (pm as unknown as { generatedAt: string }).generatedAt = odd;
    });
    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toContain(`runs/${last}/manifest.json: not a valid run manifest (completedAt: not a time as evidence-locker writes one (YYYY-MM-DDTHH:MM:SS.sssZ, UTC), so when the run was sealed cannot be judged)`);
    // Before, verify.sh compared the text as written and said VALID.
    const sh = runVerifySh(dir, [fp]);
    expect(sh.out).toContain(`FAIL  runs/${last}/manifest.json: startedAt "2026-10-03T02:00:00.000Z" or completedAt "${odd}" is not a time as evidence-locker writes one (YYYY-MM-DDTHH:MM:SS.sssZ, UTC)`);
    expect(sh.code).toBe(1);
  }, 120_000);
});
