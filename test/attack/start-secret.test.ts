import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, RunFolders, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES, RUN_START_FILE, startSecretSha256 } from '../../src/evidence/layout.js';
import { buildPackage } from '../../src/package/build.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { MAX_SEAL_DELAY_MS, runDayJudgement, trustPolicy } from '../../src/seal/trust.js';

const runDayProblem = async (...args: Parameters<typeof runDayJudgement>) => (await runDayJudgement(...args)).problem;
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { runVerifySh } from '../support/verify-sh.js';
import { verifyPackage } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';

const ACCT = '111111111111';
const secretOf = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A store that, like S3, says when its server wrote each file of a run folder (LastModified) and serves each start
 * file's bytes. By default a run is written as `collect` writes it: its start file a second after its signed start,
 * naming the SHA-256 of the secret its manifest seals, and its seal's files a minute after its completion. A test sets
 * other times (`written`) or other start files (`startBodies`), and start-only folders (`startOnly`).
 */
class StartFileStore extends MemoryStore {
  readonly written = new Map<string, { start?: Date; seal: Date }>();
  readonly startBodies = new Map<string, string>();
  readonly startOnly: { runId: string; start: StoredVersionRef }[] = [];
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => this.files(runId),
    readVersion: async (key) => {
      const start = /^runs\/([^/]+)\/collection-started\.json$/.exec(key);
      const body = start ? Buffer.from(this.startBodies.get(start[1]) ?? (await this.defaultStart(start[1])), 'utf8') : await this.getObject(key);
      return { key, versionId: 'v1', body, mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') };
    },
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };

  private async manifestOf(runId: string) {
    return JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { startedAt: string; completedAt: string; startSecret?: string };
  }

  private async defaultStart(runId: string): Promise<string> {
    const m = await this.manifestOf(runId);
    return `${JSON.stringify({ runId, startedAt: m.startedAt, ...(m.startSecret ? { startSecretSha256: startSecretSha256(m.startSecret) } : {}) })}\n`;
  }

  private async files(runId: string): Promise<Map<string, StoredVersionRef[]>> {
    const only = this.startOnly.find((s) => s.runId === runId);
    if (only) return new Map([[RUN_START_FILE, [only.start]]]);
    const m = await this.manifestOf(runId);
    const at = this.written.get(runId) ?? { start: new Date(Date.parse(m.startedAt) + 1000), seal: new Date(Date.parse(m.completedAt) + 60_000) };
    const files = new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: at.seal }]]));
    if (at.start) files.set(RUN_START_FILE, [{ key: `runs/${runId}/${RUN_START_FILE}`, versionId: 'v0', lastModified: at.start }]);
    return files;
  }

  async listRunFolders(): Promise<RunFolders> {
    const folders = new Map<string, Map<string, StoredVersionRef[]>>();
    for (const id of await this.listRuns()) folders.set(id, await this.files(id));
    return { folders, deleteMarkers: [], startOnly: this.startOnly };
  }
}

async function judged(store: StartFileStore, signer: Awaited<ReturnType<typeof sealDays>>, from: string, to: string) {
  const trust = trustPolicy([await signer.fingerprint()]);
  const report = await verifyStoredRuns(store, { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T23:59:59Z`) }, { trust });
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from, to, outDir: mkdtempSync(join(tmpdir(), 'el-start-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
  return { report, pkg };
}

describe('the day a run proves is shown only by the start file of the collection that drew its secret', () => {
  it('was: a run stated to start at 23:59 on a missed day whose start file was written at 00:50 the next day was credited to the missed day; now it proves no day', async () => {
    const store = new StartFileStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false }, startSecret: secretOf('a') },
      { day: '2026-10-03', hour: 6, encrypted: { [ACCT]: false }, startSecret: secretOf('c') },
    ]);
    // A kms:Sign holder, at 00:50 on Oct 3, writes a start file with a secret of their own and seals a passing run
    // "started Oct 2 23:59": within the hour a seal may take, so the old rule credited Oct 2.
    await sealDays(store, [{ day: '2026-10-02', hour: 23, minute: 59, minutes: 56, encrypted: { [ACCT]: true }, chain: 'forged', startSecret: secretOf('x') }], signer);
    const forged = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
    store.written.set(forged, { start: new Date('2026-10-03T00:50:00Z'), seal: new Date('2026-10-03T00:56:00Z') });

    const { report, pkg } = await judged(store, signer, '2026-10-01', '2026-10-03');
    expect(report.problems.map((p) => p.runId)).toEqual([forged]);
    expect(report.problems[0].key).toBe(`runs/${forged}/${RUN_START_FILE}`);
    expect(report.problems[0].problem).toContain('its start file was written to the store at 2026-10-03T00:50:00.000Z (LastModified, set by the server, not by the writer), 51 min after that start, more than the 15 min a collection takes to write it');
    expect(report.problems[0].problem).toContain('it proves no collection on 2026-10-02');
    expect(pkg.summary.runsNotCredited).toBe(1);
  }, 120_000);

  it('a genuine run that starts at 23:59 and whose start file the server writes at 00:00:01 is credited to its start day, once', async () => {
    const store = new StartFileStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false }, startSecret: secretOf('a') },
      { day: '2026-10-02', hour: 23, minute: 59, startMs: 0, minutes: 20, encrypted: { [ACCT]: false }, startSecret: secretOf('b') },
      { day: '2026-10-03', hour: 6, encrypted: { [ACCT]: false }, startSecret: secretOf('c') },
    ]);
    const late = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
    store.written.set(late, { start: new Date('2026-10-03T00:00:01Z'), seal: new Date('2026-10-03T00:20:30Z') });
    const { report, pkg } = await judged(store, signer, '2026-10-01', '2026-10-03');
    expect(report.problems).toEqual([]);
    expect(pkg.summary.runsNotCredited).toBe(0);
    // Manifests that seal a start secret verify offline as any other: verify of the package and verify.sh.
    expect((await verifyPackage(pkg.zipPath)).ok).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'el-start-unzip-'));
    await extractPackageZip(pkg.zipPath, dir);
    expect(readFileSync(join(dir, 'runs', late, 'manifest.json'), 'utf8')).toContain('"startSecret":"');
    const sh = runVerifySh(dir, [await signer.fingerprint()]);
    expect(sh.out).toContain('VALID');
    expect(sh.code).toBe(0);
  }, 120_000);

  it('was: a run sealed later under the id of a collection that wrote its start file and stopped took that start file\'s day; now it proves no day, with or without a secret of its own', async () => {
    for (const own of [secretOf('made-up'), undefined]) {
      const store = new StartFileStore();
      const signer = await sealDays(store, [
        { day: '2026-10-01', encrypted: { [ACCT]: false }, startSecret: secretOf('a') },
        { day: '2026-10-03', hour: 6, encrypted: { [ACCT]: false }, startSecret: secretOf('c') },
      ]);
      // The collection of Oct 2 02:00 wrote its start file (naming the SHA-256 of its secret) and crashed. On Oct 3 at
      // 01:00 a key holder seals a passing run under its id, "started Oct 2 02:00, completed Oct 3 01:00" (23 h).
      await sealDays(store, [{ day: '2026-10-02', minutes: 23 * 60, encrypted: { [ACCT]: true }, chain: 'forged', ...(own ? { startSecret: own } : {}) }], signer);
      const reused = (await store.listRuns()).find((id) => id.startsWith('20261002'))!;
      const crashed = secretOf('crashed collection');
      store.startBodies.set(reused, `${JSON.stringify({ runId: reused, startedAt: '2026-10-02T02:00:00.000Z', startSecretSha256: startSecretSha256(crashed) })}\n`);
      store.written.set(reused, { start: new Date('2026-10-02T02:00:01Z'), seal: new Date('2026-10-03T01:00:30Z') });

      const { report, pkg } = await judged(store, signer, '2026-10-01', '2026-10-03');
      expect(report.problems.map((p) => p.runId)).toEqual([reused]);
      expect(report.problems[0].key).toBe(`runs/${reused}/${RUN_START_FILE}`);
      expect(report.problems[0].problem).toContain(own ? `no start file of the run's folder shows it: runs/${reused}/${RUN_START_FILE} version v0 names startSecretSha256 ${startSecretSha256(crashed)}` : 'but the run\'s signed manifest names no startSecret');
      expect(report.problems[0].problem).toContain('it proves no collection on 2026-10-02');
      expect(pkg.summary.runsNotCredited).toBe(1);
    }
  }, 240_000);

  it('runs sealed before start files named a secret keep the earlier rule; a run sealed again under a new id is dated by its first attempt\'s start file', async () => {
    const limits = { maxDelayMs: MAX_SEAL_DELAY_MS, skewMs: 15 * 60_000 };
    const secret = secretOf('s');
    const bodies = new Map<string, string>();
    const reader = { readVersion: async (key: string) => ({ key, body: Buffer.from(bodies.get(key) ?? 'not json', 'utf8') }) };
    const folder = (startKey: string | undefined, startAt: string | undefined, seal: string) => {
      const m = new Map<string, StoredVersionRef[]>(Object.values(RUN_FILES).map((f) => [f, [{ key: f, lastModified: new Date(seal) }]]));
      if (startKey && startAt) m.set(RUN_START_FILE, [{ key: startKey, lastModified: new Date(startAt) }]);
      return m;
    };
    bodies.set('old', '{"runId":"r","startedAt":"2026-10-02T23:59:00.000Z"}\n');
    bodies.set('new', JSON.stringify({ runId: 'r', startedAt: '2026-10-02T23:59:00.000Z', startSecretSha256: startSecretSha256(secret) }));
    const legacy = { kind: 'collection' as const, startedAt: '2026-10-02T23:59:00.000Z' };
    // The earlier rule: a start file of the next day within --max-seal-delay of the start is accepted for such a run.
    expect(await runDayProblem(reader, legacy, folder('old', '2026-10-03T00:50:00Z', '2026-10-03T01:00:00Z'), [], limits)).toBeUndefined();
    // The same times with a sealed secret: over the 15 minutes a collection takes to write its start file.
    expect((await runDayProblem(reader, { ...legacy, startSecret: secret }, folder('new', '2026-10-03T00:50:00Z', '2026-10-03T01:00:00Z'), [], limits))?.problem).toContain('more than the 15 min');
    expect(await runDayProblem(reader, { ...legacy, startSecret: secret }, folder('new', '2026-10-02T23:59:02Z', '2026-10-03T01:00:00Z'), [], limits)).toBeUndefined();
    // A run with a secret and no start file proves no day (only the start file dates it, not its seal's files).
    expect((await runDayProblem(reader, { ...legacy, startSecret: secret }, folder(undefined, undefined, '2026-10-02T23:59:30Z'), [], limits))?.problem).toContain(`no ${RUN_START_FILE} is in its run folder`);
    // Started long after its start file was written: not dated by the clock of the collection that wrote it.
    expect((await runDayProblem(reader, { ...legacy, startedAt: '2026-10-03T02:00:00.000Z', startSecret: secret }, folder('new', '2026-10-02T23:59:02Z', '2026-10-03T03:00:00Z'), [], limits))?.problem).toContain('before the start');
    // Sealed again under a new id: its own folder has no start file, its first attempt's does.
    const attempt = new Map([[RUN_START_FILE, [{ key: 'new', lastModified: new Date('2026-10-02T23:59:02Z') }]]]);
    expect(await runDayProblem(reader, { ...legacy, startSecret: secret }, folder(undefined, undefined, '2026-10-03T01:00:00Z'), [attempt], limits)).toBeUndefined();
    // A start file that is not JSON is named as unreadable.
    expect((await runDayProblem(reader, { ...legacy, startSecret: secret }, folder('garbage', '2026-10-02T23:59:02Z', '2026-10-03T01:00:00Z'), [], limits))?.problem).toContain('cannot be read (it is not JSON)');
  });
});

describe('verify --store lists run folders that hold only a start file', () => {
  it('was: not listed at all; now each is named with its run id and the server\'s write time, without failing verification', async () => {
    const store = new StartFileStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: false }, startSecret: secretOf('a') },
      { day: '2026-10-02', encrypted: { [ACCT]: false }, startSecret: secretOf('b') },
    ]);
    store.startOnly.push({ runId: '20261002T050000Z-abc123', start: { key: `runs/20261002T050000Z-abc123/${RUN_START_FILE}`, versionId: 'v9', lastModified: new Date('2026-10-02T05:00:01Z') } });
    // Outside the period: not listed.
    store.startOnly.push({ runId: '20260901T050000Z-def456', start: { key: `runs/20260901T050000Z-def456/${RUN_START_FILE}`, versionId: 'v8', lastModified: new Date('2026-09-01T05:00:01Z') } });
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z') }, { trust: trustPolicy([await signer.fingerprint()]) });
    expect(report.ok).toBe(true);
    expect(report.unsealedStarts).toEqual([{ runId: '20261002T050000Z-abc123', key: `runs/20261002T050000Z-abc123/${RUN_START_FILE}`, versionId: 'v9', writtenAt: '2026-10-02T05:00:01.000Z' }]);
    const text = formatStoreReport(report);
    expect(text).toContain(`unsealed start: run 20261002T050000Z-abc123 key runs/20261002T050000Z-abc123/${RUN_START_FILE} version v9: a collection's start file, written 2026-10-02T05:00:01.000Z (LastModified, set by the server)`);
    expect(text).toContain('the two cannot be told apart here');
    expect(text).toContain('verification passed');
  }, 120_000);
});
