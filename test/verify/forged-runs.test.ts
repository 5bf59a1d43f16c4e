import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { RunFilesPlanted } from '../../src/evidence/store.js';
import { runVerifySh } from '../support/verify-sh.js';

/**
 * attack21 (1): whoever holds the collector's permissions (PutObject under the prefix, kms:Sign with the run key) seals,
 * days later, a run back-dated into a missed day, reusing an earlier day's bodies, in a chain of its own, optionally
 * closed by a legal-hold run. evidence-locker never writes such runs: both verifiers refuse them.
 */
const ACCT = '111111111111';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-forged-'));

async function manifestOf(store: EvidenceStore, runId: string): Promise<RunManifest> {
  return RunManifestSchema.parse(JSON.parse((await store.getRun(runId)).manifest.toString('utf8')));
}

async function sealWithOrgKey(store: EvidenceStore, signer: ManifestSigner, m: RunManifest) {
  const bytes = canonicalBytes(RunManifestSchema.parse(m));
  await store.putRun({ runId: m.runId, manifest: bytes, signature: await signer.sign(bytes), publicKeyPem: await signer.publicKeyPem() });
  return { runId: m.runId, manifestSha256: sha256Hex(bytes) };
}

async function scene(days = ['2026-10-01', '2026-10-02', '2026-10-04', '2026-10-05'], encrypted: Record<string, boolean> = { [ACCT]: true }) {
  const store = new MemoryStore();
  const signer = await sealDays(store, days.map((day) => ({ day, encrypted, provenance: true })));
  return { store, signer, runs: [...store.runs.keys()].sort() };
}

/** The forged day-3 run: day 2's manifest, bodies and all, with a new id, times and chain. */
async function forge(store: EvidenceStore, signer: ManifestSigner, runs: string[], o: { chain: string; tail?: boolean; runId?: string; collectedAt?: string }) {
  const day2 = await manifestOf(store, runs.find((r) => r.startsWith('20261002'))!);
  const forged = await sealWithOrgKey(store, signer, {
    ...day2,
    runId: o.runId ?? '20261003T020000Z-0c0ffe',
    chain: o.chain,
    startedAt: '2026-10-03T02:00:00.000Z',
    completedAt: '2026-10-03T02:05:00.000Z',
    previous: null,
    records: day2.records.map((r) => ({ ...r, collectedAt: o.collectedAt ?? '2026-10-03T02:00:05.000Z' })),
  });
  if (o.tail) {
    await sealWithOrgKey(store, signer, { ...day2, runId: '20261003T021000Z-0c0fff', kind: 'legal-hold', chain: o.chain, startedAt: '2026-10-03T02:10:00.000Z', completedAt: '2026-10-03T02:10:01.000Z', scope: { accounts: [], regions: [], frameworks: [], queries: [] }, previous: forged, status: 'complete', gaps: [], records: [] });
  }
}

async function unzipped(store: EvidenceStore, signer: ManifestSigner, from: string, to: string, accounts?: string[]) {
  const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from, to, evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-11-02T09:00:00Z'), ...(accounts ? { accounts } : {}) });
  const dir = tmp();
  await extractPackageZip(built.zipPath, dir);
  return { dir, built };
}

async function both(dir: string, fp: string) {
  const ts = await verifyPackageDir(dir, { expectedKeys: [fp] });
  const sh = runVerifySh(dir, [fp]);
  return { ts, sh, problems: ts.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), warnings: ts.warnings.map((w) => w.message).join('\n') };
}

describe('runs evidence-locker never writes, sealed with the organisation key', () => {
  it('a back-dated run in a chain of its own closed by a legal-hold run is INVALID in both verifiers (mixed kinds, a chain name never written, a chain begun mid-period, bodies of another run)', async () => {
    const { store, signer, runs } = await scene();
    await forge(store, signer, runs, { chain: 'ops', tail: true });
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-05');
    const { ts, sh, problems } = await both(dir, await signer.fingerprint());
    expect(ts.ok).toBe(false);
    expect(problems).toMatch(/chain ops mixes run kinds \(collection, legal-hold\)/);
    expect(problems).toMatch(/chain ops: a collection run is never sealed in a chain of that name/);
    expect(problems).toMatch(/chain ops: a legal-hold run is never sealed in a chain of that name/);
    expect(problems).toMatch(/chain ops: begins \(previous: null\) with 20261003T020000Z-0c0ffe on 2026-10-03, after collection in the package began/);
    expect(problems).toMatch(/cited by more than one collection run \(20261002T020000Z-\d+ and 20261003T020000Z-0c0ffe\)/);
    expect(sh.code).toBe(1);
    expect(sh.out).toMatch(/chain ops mixes run kinds/);
    expect(sh.out).toMatch(/chain ops: a collection run is never sealed in a chain of that name/);
    expect(sh.out).toMatch(/chain ops: begins \(previous: null\) on 2026-10-03/);
    expect(sh.out).toMatch(/cited by more than one collection run/);
  }, 120_000);

  it('without the legal-hold tail, in a chain name the tool writes (shard-1-of-2): INVALID in both verifiers (bodies of another run), and the chain begun beside the running default chain is a warning to confirm with the organisation', async () => {
    const { store, signer, runs } = await scene();
    await forge(store, signer, runs, { chain: 'shard-1-of-2' });
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-05');
    const { ts, sh, problems } = await both(dir, await signer.fingerprint());
    expect(ts.ok).toBe(false);
    expect(problems).toMatch(/cited by more than one collection run/);
    expect(problems).not.toMatch(/never sealed in a chain of that name/);
    // A shard-count change while the other chain kept running is possible: not INVALID by itself, but said.
    expect(ts.warnings.map((w) => w.message).join('\n')).toMatch(/chain shard-1-of-2: begins \(previous: null\) with 20261003T020000Z-0c0ffe on 2026-10-03, .*while a collection chain of another shard count was still running/);
    expect(sh.code).toBe(1);
    expect(sh.out).toMatch(/WARNING \(period coverage\): runs\/20261003T020000Z-0c0ffe: chain shard-1-of-2: begins \(previous: null\) on 2026-10-03, .*while a collection chain of another shard count was still running/);
  }, 120_000);

  it('a run id dated after its startedAt and records collected outside the run are INVALID in both verifiers', async () => {
    const { store, signer, runs } = await scene(['2026-10-02']);
    await forge(store, signer, runs, { chain: 'default', runId: '20261003T030000Z-0c0ffe', collectedAt: '2026-10-03T04:00:00.000Z' });
    store.runs.delete(runs[0]);
    const { dir } = await unzipped(store, signer, '2026-10-03', '2026-10-03');
    const { ts, sh, problems } = await both(dir, await signer.fingerprint());
    expect(ts.ok).toBe(false);
    expect(problems).toMatch(/the run id's time 2026-10-03T03:00:00.000Z is after the run's startedAt 2026-10-03T02:00:00.000Z/);
    expect(problems).toMatch(/record\(s\) collected outside the run's start and completion/);
    expect(sh.code).toBe(1);
    expect(sh.out).toMatch(/the run id's time is after the run's startedAt/);
    expect(sh.out).toMatch(/a record was collected at 2026-10-03T04:00:00.000Z, outside the run's start and completion/);
  }, 120_000);

  it('a documented shard-count change (default ends, shard-1-of-2 and shard-2-of-2 begin) stays VALID in both verifiers', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, [
      { day: '2026-10-01', encrypted: { [ACCT]: true }, provenance: true },
      { day: '2026-10-02', encrypted: { [ACCT]: true }, provenance: true, shard: { index: 1, count: 2, slot: '2026-10-02' } },
      { day: '2026-10-02', encrypted: { '222222222222': true }, provenance: true, shard: { index: 2, count: 2, slot: '2026-10-02' } },
    ]);
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-02');
    const { ts, sh, problems } = await both(dir, await signer.fingerprint());
    expect(problems).toBe('');
    expect(ts.ok).toBe(true);
    expect(sh.code).toBe(0);
  }, 120_000);
});

describe('package --accounts: accounts the period collected and the package leaves out', () => {
  it('are named in summary.json (accountsLeftOut), on the report cover, in index.html, and warned by both verifiers', async () => {
    const GOOD = '111111111111';
    const BAD = '222222222222';
    const { store, signer } = await scene(['2026-10-01', '2026-10-02'], { [GOOD]: true, [BAD]: false });
    const { dir, built } = await unzipped(store, signer, '2026-10-01', '2026-10-02', [GOOD]);
    expect(built.summary.statusCounts.fail ?? 0).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { accountsLeftOut: string[] };
    expect(summary.accountsLeftOut).toEqual([BAD]);
    const text = spawnSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain(`Collected in the period but not in this package: ${BAD}`);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(`Collected in the period but not in this package: <span class="mono">${BAD}</span>`);
    const { ts, sh, warnings } = await both(dir, await signer.fingerprint());
    expect(ts.ok).toBe(true);
    expect(warnings).toMatch(new RegExp(`accounts collected in the period but not in this package: ${BAD}`));
    expect(sh.code).toBe(0);
    expect(sh.out).toMatch(new RegExp(`WARNING \\(accounts\\): accounts collected in the period but not in this package: ${BAD}`));
  }, 120_000);

  it('a package of every account collected has none left out', async () => {
    const { store, signer } = await scene(['2026-10-01'], { '111111111111': true, '222222222222': true });
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-01');
    expect((JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { accountsLeftOut: string[] }).accountsLeftOut).toEqual([]);
    const { ts, sh } = await both(dir, await signer.fingerprint());
    expect(ts.warnings.filter((w) => /left out|not in this package/.test(w.message))).toEqual([]);
    expect(sh.out).not.toMatch(/WARNING \(accounts\)/);
  }, 120_000);
});

/** A store in which someone plants a manifest.json in the folder of each run whose id starts with `victim`, as it is sealed. */
class PlantingMemoryStore extends MemoryStore {
  constructor(private readonly victim: string) {
    super();
  }
  override async putRun(run: Parameters<MemoryStore['putRun']>[0]): Promise<void> {
    if (!run.runId.startsWith(this.victim) || [...this.runs.keys()].some((id) => id.startsWith(this.victim))) return super.putRun(run);
    this.runs.set(run.runId, { runId: run.runId, manifest: Buffer.from('{"planted":true}'), signature: Buffer.from('x'), publicKeyPem: 'not a key' });
    throw new RunFilesPlanted(run.runId, [{ key: `runs/${run.runId}/manifest.json`, detail: 'was written by someone else before this seal finished' }], `run ${run.runId} already exists`);
  }
}

describe('runs sealed again after someone planted files in their folder', () => {
  it('the report explains the abandoned folder by the signed manifest of the run sealed in its place; verify accepts the package', async () => {
    const store = new PlantingMemoryStore('20261002');
    const signer = await sealDays(store, ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: true }, provenance: true })));
    const ids = [...store.runs.keys()].sort();
    const abandoned = ids.find((id) => id.startsWith('20261002') && RunManifestSchema.safeParse(JSON.parse(store.runs.get(id)!.manifest.toString('utf8'))).success === false)!;
    const resealed = ids.find((id) => id.startsWith('20261002') && id !== abandoned)!;
    expect((await manifestOf(store, resealed)).sealAttempts?.map((a) => a.runId)).toEqual([abandoned]);
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-03');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`<code>runs/${abandoned}/manifest.json</code>: files planted by someone else; its evidence was sealed again as run ${resealed}`);
    const text = spawnSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('files planted by someone else; its evidence was sealed again as run');
    const { ts, sh } = await both(dir, await signer.fingerprint());
    expect(ts.problems).toEqual([]);
    expect(ts.ok).toBe(true);
    // verify.sh reads the run's top-level members only: the attempts' own run ids are not taken for the run's.
    expect(sh.code).toBe(0);
  }, 120_000);

  it('a run naming as its abandoned attempt a run the package holds is INVALID', async () => {
    const { store, signer, runs } = await scene(['2026-10-01', '2026-10-02']);
    const day2 = await manifestOf(store, runs[1]);
    store.runs.delete(runs[1]);
    await sealWithOrgKey(store, signer, { ...day2, sealAttempts: [{ runId: runs[0], reason: 'files planted by someone else', planted: [{ key: `runs/${runs[0]}/manifest.json` }] }] });
    const { dir } = await unzipped(store, signer, '2026-10-01', '2026-10-02');
    const { ts, sh, problems } = await both(dir, await signer.fingerprint());
    expect(ts.ok).toBe(false);
    expect(problems).toContain(`runs/${runs[1]}: names run ${runs[0]} as an abandoned seal attempt (files planted by someone else), but the package holds ${runs[0]} as a run`);
    // The standard-tools check reads the attempts too, and fails the same run.
    expect(sh.out).toContain(`FAIL  runs/${runs[1]}: names run ${runs[0]} as an abandoned seal attempt (files planted by someone else), but the package holds ${runs[0]} as a run`);
    expect(sh.code).toBe(1);
  }, 120_000);
});
