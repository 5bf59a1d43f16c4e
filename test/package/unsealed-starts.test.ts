import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockedVersions, RunFolders, StoredVersionRef } from '../../src/evidence/store.js';
import { RUN_FILES, RUN_START_FILE } from '../../src/evidence/layout.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { buildPackage } from '../../src/package/build.js';
import { PackageManifestSchema, packageManifestBytes } from '../../src/package/manifest.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays } from './fixtures.js';
import { resignSums } from '../support/verify-sh.js';
import { SUMMARY_REVISION } from '../../src/package/assessor.js';
import { oscalSchemaErrors } from './oscal-schema.js';

/**
 * A store that, like S3, lists its run folders with the server's write times: every sealed run's files a minute after
 * its completion, and the folders a test adds that hold only a start file (`startOnly`).
 */
class ListedStore extends MemoryStore {
  readonly startOnly: { runId: string; start: StoredVersionRef }[] = [];
  readonly lockedVersions: LockedVersions = {
    objectKey: (sha) => sha,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    runFileVersions: async (runId) => this.files(runId),
    readVersion: async (key) => ({ key, versionId: 'v1', body: await this.getObject(key), mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
    lockState: async (key) => ({ key, versionId: 'v1', mode: 'COMPLIANCE', retainUntil: new Date('2040-01-01T00:00:00Z') }),
  };

  private async files(runId: string): Promise<Map<string, StoredVersionRef[]>> {
    const m = JSON.parse((await this.getRun(runId)).manifest.toString('utf8')) as { completedAt: string };
    const at = new Date(Date.parse(m.completedAt) + 60_000);
    return new Map(Object.values(RUN_FILES).map((f): [string, StoredVersionRef[]] => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1', lastModified: at }]]));
  }

  async listRunFolders(): Promise<RunFolders> {
    const folders = new Map<string, Map<string, StoredVersionRef[]>>();
    for (const id of await this.listRuns()) folders.set(id, await this.files(id));
    return { folders, deleteMarkers: [], startOnly: this.startOnly };
  }
}

const ACCT = '111111111111';
const DAYS = ['2026-10-01', '2026-10-02', '2026-10-03'].map((day) => ({ day, encrypted: { [ACCT]: false } }));
const CRASHED = '20261002T050000Z-abc123';
const startOf = (runId: string, at: string, versionId: string) => ({ runId, start: { key: `runs/${runId}/${RUN_START_FILE}`, versionId, lastModified: new Date(at) } });

async function packaged(store: MemoryStore) {
  const signer = await sealDays(store, DAYS);
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', outDir: mkdtempSync(join(tmpdir(), 'el-unsealed-pkg-')), evaluate: fixtureEvaluate, builtAt: new Date('2026-12-06T10:00:00Z') });
  const dir = mkdtempSync(join(tmpdir(), 'el-unsealed-unzip-'));
  await extractPackageZip(pkg.zipPath, dir);
  const json = (p: string) => JSON.parse(readFileSync(join(dir, p), 'utf8')) as Record<string, any>;
  return {
    signer,
    dir,
    summary: json('summary.json'),
    manifest: json('manifest.json'),
    oscal: JSON.stringify(json('oscal/assessment-results.json')),
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    pdf: execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
  };
}

describe('a package built from S3 lists the run folders holding a start file and no sealed run', () => {
  it('was: verify --store listed them and the package did not; now summary.json, manifest.json, report.pdf, index.html and the OSCAL file name each in the period, and verify --recompute rebuilds the list', async () => {
    const store = new ListedStore();
    store.startOnly.push(startOf(CRASHED, '2026-10-02T05:00:01Z', 'v9'));
    // Written before the period: not this package's.
    store.startOnly.push(startOf('20260901T050000Z-def456', '2026-09-01T05:00:01Z', 'v8'));
    const p = await packaged(store);
    const entry = { runId: CRASHED, key: `runs/${CRASHED}/${RUN_START_FILE}`, versionId: 'v9', writtenAt: '2026-10-02T05:00:01.000Z' };
    expect(p.summary.summaryRevision).toBe(SUMMARY_REVISION);
    expect(p.summary.period.unsealedStarts).toEqual([entry]);
    expect(p.manifest.evaluation.unsealedStarts).toEqual([entry]);
    expect(p.pdf).toContain(`Start files with no sealed run 1: run folder ${CRASHED} holds a collection's start file (runs/${CRASHED}/${RUN_START_FILE} version v9, written 2026-10-02T05:00:01.000Z by the server's clock (S3 LastModified)) and no sealed run`);
    expect(p.pdf).toContain('the two cannot be told apart from the store');
    expect(p.html).toContain('1 run folder(s) with a start file and no sealed run');
    expect(p.html).toContain(`<code>${CRASHED}</code>`);
    expect(p.oscal).toContain('"name":"unsealed-start","ns"');
    expect(p.oscal).toContain('the two cannot be told apart from the store');
    // The observation cites what the package holds of the start file (the file itself is not in it): the entry the
    // signed manifest.json and summary.json record, as a back-matter resource, as every other observation cites evidence.
    const doc = JSON.parse(p.oscal) as { 'assessment-results': { results: { observations: { title: string; 'relevant-evidence'?: { href?: string; description: string }[] }[] }[]; 'back-matter': { resources: { uuid: string; rlinks?: { href: string }[] }[] } } };
    expect(oscalSchemaErrors(doc)).toEqual([]);
    const ar = doc['assessment-results'];
    const obs = ar.results[0].observations.find((o) => o.title === '1 run folder(s) with a start file and no sealed run')!;
    expect(obs['relevant-evidence']).toHaveLength(1);
    const cited = obs['relevant-evidence']![0];
    expect(cited.description).toContain(`runs/${CRASHED}/${RUN_START_FILE} version v9, written 2026-10-02T05:00:01.000Z`);
    const resource = ar['back-matter'].resources.find((r) => `#${r.uuid}` === cited.href)!;
    const links = resource.rlinks!.map((l) => l.href);
    expect(links).toEqual(['manifest.json#/evaluation/unsealedStarts/0', 'summary.json#/period/unsealedStarts/0']);
    // Each link's JSON pointer names the recorded entry in the package.
    for (const link of links) {
      const [file, pointer] = link.split('#');
      const at = pointer.split('/').slice(1).reduce<any>((v, k) => v[k], file === 'manifest.json' ? p.manifest : p.summary);
      expect(at).toEqual(entry);
    }

    // Recomputed from the package: the same list; taken out by the package key's holder, a difference.
    const fp = await p.signer.fingerprint();
    const same = await verifyPackageDir(p.dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(same.recompute?.problems).toEqual([]);
    expect(same.ok).toBe(true);
    const summaryBytes = (s: Record<string, unknown>) => Buffer.from(JSON.stringify(s, null, 1) + '\n', 'utf8');
    const dropped = { ...p.summary, period: { ...p.summary.period, unsealedStarts: [] } };
    const bytes = summaryBytes(dropped);
    writeFileSync(join(p.dir, 'summary.json'), bytes);
    const m = PackageManifestSchema.parse(p.manifest);
    const file = m.files.find((f) => f.path === 'summary.json')!;
    file.sha256 = sha256Hex(bytes);
    file.size = bytes.length;
    const manifest = packageManifestBytes(m);
    writeFileSync(join(p.dir, 'manifest.json'), manifest);
    writeFileSync(join(p.dir, 'manifest.sig'), await p.signer.sign(manifest));
    await resignSums(p.dir, p.signer);
    const changed = await verifyPackageDir(p.dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(changed.ok).toBe(false);
    expect(changed.recompute?.problems.map((x) => x.message).join('\n')).toContain(`period.unsealedStarts is [] in the package, [{"key":"runs/${CRASHED}/${RUN_START_FILE}"`);
  }, 120_000);

  it('none in the period: an empty list and "none found"; a local store lists none and says they are not listed, never "none found"', async () => {
    const s3 = await packaged(new ListedStore());
    expect(s3.summary.period.unsealedStarts).toEqual([]);
    expect(s3.pdf).toContain('Start files with no sealed run none found');
    expect(s3.html).not.toContain('unsealed-starts');
    const local = await packaged(new MemoryStore());
    expect(local.summary.period.unsealedStarts).toBeUndefined();
    expect(local.manifest.evaluation.unsealedStarts).toBeUndefined();
    expect(local.pdf).toContain('Start files with no sealed run not listed: this evidence store keeps no write time its writer cannot set');
  }, 120_000);
});
