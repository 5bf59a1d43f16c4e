import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';

/** A store that, like S3, says when its server wrote each run's files (LastModified): a minute after the run's completion. */
class ServerTimedStore extends MemoryStore {
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

const ACCT = '111111111111';

/**
 * Open hole (documented here, not fixed): the back-dated check compares when the server wrote a run's files with the
 * completion the run states, and nothing bounds how long a run says it took. A holder of kms:Sign (the collector's
 * role) seals today, in a chain of its own, a run whose start (its run id, its day) and records are on a past missed
 * day and whose completion is today: it is written "on time", `verify --store` and `package` do not name it, and the
 * missed day shows a passing run. Suggested fix: name a run whose stated span (startedAt to completedAt) exceeds a
 * bound (a day, or --max-run-span) in verify --store and package (and, since both times are signed, in verify and
 * verify.sh offline), or compare the write time with startedAt plus that bound.
 */
async function scene() {
  const store = new ServerTimedStore();
  // The collector: the bucket was unencrypted on Oct 1 and Oct 3; Oct 2 was missed.
  const signer = await sealDays(store, [
    { day: '2026-10-01', encrypted: { [ACCT]: false } },
    { day: '2026-10-03', encrypted: { [ACCT]: false } },
  ]);
  // The insider, on Dec 5 with the collector's kms:Sign: a run of Oct 2 (encrypted: passing) that "completed" on Dec 5.
  const span = Math.round((Date.parse('2026-12-05T02:00:00Z') - Date.parse('2026-10-02T02:00:00Z')) / 60_000);
  await sealDays(store, [{ day: '2026-10-02', encrypted: { [ACCT]: true }, shard: { index: 1, count: 2, slot: 'a' }, minutes: span }], signer);
  const fp = await signer.fingerprint();
  const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: trustPolicy([fp]) });
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-span-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
  const verified = await verifyPackage(pkg.zipPath, { expectedKeys: [fp] });
  const dir = mkdtempSync(join(tmpdir(), 'el-span-unzip-'));
  await extractPackageZip(pkg.zipPath, dir);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { datesWithoutRun: string[] } };
  return { report, pkg, verified, summary };
}

describe('a run that says it took two months', () => {
  it('today: verify --store and package name nothing, the missed day has a run, and the package verifies', async () => {
    const { report, pkg, verified, summary } = await scene();
    expect(summary.period.datesWithoutRun).toEqual([]);
    expect(report.problems.filter((p) => /back-dated|long after/.test(p.problem))).toEqual([]);
    expect(pkg.summary.runsWrittenLate).toBe(0);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  }, 120_000);

  it.fails('should be named as stored long after the day it claims (its start), not only compared with its stated completion', async () => {
    const { report, pkg } = await scene();
    expect(report.problems.map((p) => p.problem).join('\n')).toMatch(/back-dated|long after/);
    expect(pkg.summary.runsWrittenLate).toBe(1);
  }, 120_000);
});
