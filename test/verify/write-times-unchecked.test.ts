/**
 * Run manifests, signed by the run key, say which kind of store sealed them. A package whose manifest.json (the package
 * key alone) records no comparison of the store's write times while its runs say S3 is either built from a copy of the
 * store or had that record taken out (so back-dated runs are credited): both verifiers name it on the result line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoreDescription, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { evaluationInputsId, type PackageEvaluation } from '../../src/package/manifest.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { remanifest } from '../support/resign-package.js';
import { SHELLS, resignSums, runVerifySh } from '../support/verify-sh.js';

const ACCT = '111111111111';
const QUALIFIER = 'VALID \u2014 write times NOT checked although 2 run(s) were stored on S3';

/** Seals as an S3 store does (its runs say `store.kind` s3); no write times: a copy of an S3 store in a folder. */
class S3CopyStore extends MemoryStore {
  override describe(): StoreDescription {
    return { kind: 's3', location: 's3://evidence-bucket/', note: 'a copy' };
  }
}

/** The same, with the server's write times (a minute after each run's completion): the bucket itself. */
class S3Store extends S3CopyStore {
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => {
      const completed = Date.parse((JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { completedAt: string }).completedAt);
      return new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: new Date(completed + 60_000) }]]));
    },
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };
}

async function unzipped(store: MemoryStore) {
  const signer = await sealDays(store, ['2026-10-01', '2026-10-02'].map((day) => ({ day, encrypted: { [ACCT]: true } })));
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', outDir: mkdtempSync(join(tmpdir(), 'el-wt-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
  const dir = mkdtempSync(join(tmpdir(), 'el-wt-unzip-'));
  await extractPackageZip(pkg.zipPath, dir);
  return { signer, fp: await signer.fingerprint(), dir };
}

function bothVerifiers(dir: string, fp: string) {
  return Promise.all([verifyPackageDir(dir, { expectedKeys: [fp] }), Promise.resolve(SHELLS.map((shell) => ({ shell, ...runVerifySh(dir, [fp], shell) })))]);
}

describe('runs stored on S3 in a package that records no write-time check', () => {
  it('built from the bucket (write times compared): VALID with no qualifier, in verify and verify.sh', async () => {
    const { fp, dir } = await unzipped(new S3Store());
    const [v, sh] = await bothVerifiers(dir, fp);
    expect(v.ok).toBe(true);
    expect(v.writeTimesNotChecked).toBeUndefined();
    expect(formatVerification(v, 'p.zip')).toContain('VALID: every hash');
    for (const r of sh) {
      expect(r.out, r.shell).toContain('RESULT: VALID: every file');
      expect(r.code, r.shell).toBe(0);
    }
  }, 240_000);

  it('built from a copy of the bucket in a folder (legitimate, the package says "not checked"): VALID, with the qualifier on the result line of both', async () => {
    const { fp, dir } = await unzipped(new S3CopyStore());
    const [v, sh] = await bothVerifiers(dir, fp);
    expect(v.ok).toBe(true);
    expect(v.writeTimesNotChecked).toEqual({ s3Runs: expect.any(Array), recorded: 'false' });
    expect(v.writeTimesNotChecked?.s3Runs).toHaveLength(2);
    const text = formatVerification(v, 'p.zip');
    expect(text).toContain(`${QUALIFIER}: every hash`);
    expect(text).toContain('records that the build compared no write times (evaluation.backDatingChecks.writeTimesChecked false)');
    for (const r of sh) {
      expect(r.out, r.shell).toContain(`RESULT: ${QUALIFIER}: every file`);
      expect(r.out, r.shell).toContain('WRITE TIMES NOT CHECKED: 2 run(s)');
      expect(r.out, r.shell).not.toMatch(/awk: /);
      expect(r.code, r.shell).toBe(0);
    }
  }, 240_000);

  it('was: the package key holder took out backDatingChecks and runsNotCredited and the package read plain VALID; now the result line says write times were not checked although the runs were on S3', async () => {
    const { signer, fp, dir } = await unzipped(new S3Store());
    await remanifest(dir, signer, (m) => {
      const e = (m as unknown as { evaluation: PackageEvaluation; evaluationId?: string }).evaluation;
      delete e.backDatingChecks;
      delete e.runsNotCredited;
      (m as unknown as { evaluationId?: string }).evaluationId = evaluationInputsId(e);
    });
    await resignSums(dir, signer);
    const [v, sh] = await bothVerifiers(dir, fp);
    expect(v.problems).toEqual([]);
    expect(v.writeTimesNotChecked?.recorded).toBe('absent');
    expect(formatVerification(v, 'p.zip')).toContain(`${QUALIFIER}: every hash`);
    expect(formatVerification(v, 'p.zip')).toContain('records no back-dating checks (evaluation.backDatingChecks)');
    for (const r of sh) {
      expect(r.out, r.shell).toContain(`RESULT: ${QUALIFIER}: every file`);
      expect(r.code, r.shell).toBe(0);
    }
  }, 240_000);
});
