import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from './fixtures.js';
import { runPackageCli } from './run-cli.js';

/**
 * A store that, like S3, says when its server wrote each run's files (LastModified): at the run's completion unless a
 * test says otherwise. Bodies are read as the memory store keeps them.
 */
class ServerTimedStore extends MemoryStore {
  /** When the server wrote a run's files, by run id (default: its completion a minute later). */
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

const DAYS = ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { '111111111111': false } }));

async function built(store: MemoryStore) {
  const signer = await sealDays(store, DAYS);
  return { signer, build: (maxSealDelayMs?: number) => buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-late-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z'), ...(maxSealDelayMs !== undefined ? { maxSealDelayMs } : {}) }) };
}

async function opened(zipPath: string): Promise<{ html: string; pdf: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'el-late-unzip-'));
  await extractPackageZip(zipPath, dir);
  return { html: readFileSync(join(dir, 'index.html'), 'utf8'), pdf: execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ') };
}

describe('a package built from a store that records when it wrote each run', () => {
  it('was: a run stored two months after the day it claims was packaged like any other; now the report, index.html and the build summary list it, and the run stays evidence', async () => {
    const store = new ServerTimedStore();
    const { build } = await built(store);
    const late = (await store.listRuns())[1];
    store.writtenAt.set(late, new Date('2026-12-05T09:00:00Z'));
    const pkg = await build();
    expect(pkg.summary.runsWrittenLate).toBe(1);
    expect(pkg.summary.runs).toBe(3);
    const { html, pdf } = await opened(pkg.zipPath);
    expect(html).toContain('1 run(s) stored later than they claim');
    expect(html).toContain(`<code>${late}</code> <code>runs/${late}/manifest.json</code>: manifest.json was written to the store at 2026-12-05T09:00:00.000Z`);
    expect(pdf).toContain('Runs stored later than they claim 1: their manifest or signature reached the store long after');
    expect(pdf).toContain('The runs below were written more than 1 h after');
    // The package itself still verifies: it carries no store write times (only verify --store can check them).
    expect((await verifyPackage(pkg.zipPath)).ok).toBe(true);
  });

  it('runs stored within the hour say "none found"; a store without server write times says "not checked", never "none found"', async () => {
    const timed = new ServerTimedStore();
    const onTime = await (await built(timed)).build();
    expect(onTime.summary.runsWrittenLate).toBe(0);
    const a = await opened(onTime.zipPath);
    expect(a.pdf).toContain("Runs stored later than they claim none found (S3 LastModified within 1 h after each run's completion, each run's signed completion within 1 d of its signed start, and each collection run's folder first written on the day it claims)");
    expect(a.html).not.toContain('stored later than they claim');

    const plain = await (await built(new MemoryStore())).build();
    expect(plain.summary.runsWrittenLate).toBeNull();
    const b = await opened(plain.zipPath);
    expect(b.pdf).toContain('Runs stored later than they claim not checked: this evidence store keeps no write time its writer cannot set');
  });

  it('package --max-seal-delay: the limit is the one given (a run stored 3 h after its completion is late at the default hour, not at 4 h), named in the report; under a minute is refused', async () => {
    const store = new ServerTimedStore();
    const { build } = await built(store);
    const late = (await store.listRuns())[1];
    const completed = Date.parse((JSON.parse((await store.getRun(late)).manifest.toString('utf8')) as { completedAt: string }).completedAt);
    store.writtenAt.set(late, new Date(completed + 3 * 3_600_000));
    expect((await build()).summary.runsWrittenLate).toBe(1);
    const wide = await build(4 * 3_600_000);
    expect(wide.summary.runsWrittenLate).toBe(0);
    expect(wide.summary.maxSealDelayMs).toBe(4 * 3_600_000);
    expect((await opened(wide.zipPath)).pdf).toContain("Runs stored later than they claim none found (S3 LastModified within 4 h after each run's completion, each run's signed completion within 1 d of its signed start, and each collection run's folder first written on the day it claims)");
    const narrow = await build(2 * 3_600_000);
    expect(narrow.summary.runsWrittenLate).toBe(1);
    expect((await opened(narrow.zipPath)).pdf).toContain('The runs below were written more than 2 h after');
    await expect(build(30_000)).rejects.toThrow(/less than one minute/);
    // The command line takes the same durations as verify --store, and refuses what it refuses.
    const bad = await runPackageCli(['package', '--from', '2026-10-01', '--to', '2026-10-03', '--max-seal-delay', '30s']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-seal-delay 30s: less than one minute');
    const worse = await runPackageCli(['package', '--from', '2026-10-01', '--to', '2026-10-03', '--max-seal-delay', 'soon']);
    expect(worse.code).toBe(2);
    expect(worse.err).toContain('--max-seal-delay: "soon" is not a duration like 90m, 2h or 1d');
  });
});
