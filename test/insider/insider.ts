import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { buildPackage } from '../../src/package/build.js';
import { sealRun } from '../../src/seal/seal.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { verifyPackage } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { ACCT, forgeRun, genuineScene, linkTo, rawPut, type Scene } from './attacks.js';
import { verifiedButLate, writtenLate } from '../verify/written-late.js';

const OCTOBER = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59.999Z') };

async function packageOf(scene: Scene, from: string, to: string) {
  return buildPackage({
    store: scene.store,
    signer: scene.genuine,
    trust: scene.trust,
    catalogs: [TEST_CATALOG],
    frameworks: ['test-fw'],
    from,
    to,
    evaluate: fixtureEvaluate,
    organization: 'Acme',
    outDir: mkdtempSync(join(tmpdir(), 'el-insider-pkg-')),
  });
}

/** The next genuine run, sealed the way `collect` seals (trusting the configured key only). */
async function nextGenuineRun(scene: Scene, day: string) {
  await sealDays(scene.store, [{ day, encrypted: { [ACCT]: false } }], scene.genuine);
  const id = (await scene.store.listRuns()).filter((r) => r.startsWith(day.replace(/-/g, ''))).pop()!;
  return JSON.parse((await scene.store.getRun(id)).manifest.toString('utf8')) as { runId: string; previous: { runId: string } | null };
}

/**
 * The insider attacks of issue 11 that a writer with the collector's own permissions can make, against any store.
 * Each test name says what happened before and what happens now.
 */
export function insiderSuite(name: string, open: () => Promise<EvidenceStore>): void {
  describe(`insider attacks on the ${name} store`, () => {
    it('foreign-key run linked to the latest genuine run with an altered body: was verify ok + packaged + counted as pass; now named foreign (verify exit 1), left out of the package and listed in it, results unchanged', async () => {
      const scene = await genuineScene(await open());
      const baseline = await packageOf(scene, '2026-10-01', '2026-10-03');
      // On a store with server write times the scene's runs, sealed now for October days, are written late: they prove
      // no day, so every result is a gap; elsewhere the baseline fails. Either way the forged run must not change it.
      if (scene.store.lockedVersions) expect(baseline.summary.statusCounts['not-collected']).toBeGreaterThan(0);
      else expect(baseline.summary.statusCounts.fail).toBeGreaterThan(0);
      const forged = await forgeRun(scene, { runId: '20261003T230000Z-f00001', day: '2026-10-03', previous: await linkTo(scene.store, scene.genuineRuns[2]) });

      const report = await verifyStoredRuns(scene.store, OCTOBER, { trust: scene.trust });
      expect(report.ok).toBe(false);
      // The genuine runs are sealed at October dates today: an S3 store names each as written long after it completed.
      expect(report.problems).toEqual(writtenLate(scene.store, scene.genuineRuns));
      expect(report.foreign).toMatchObject([{ runId: forged, reason: 'untrusted-key', keyFingerprint: await scene.attacker.fingerprint() }]);
      expect(verifiedButLate(report)).toEqual(scene.genuineRuns);

      const pkg = await packageOf(scene, '2026-10-01', '2026-10-03');
      expect(pkg.summary.runs).toBe(3);
      expect(pkg.summary.foreignObjects).toBe(1);
      expect(pkg.summary.runsWrittenLate).toBe(scene.store.lockedVersions ? 3 : null);
      expect(pkg.summary.statusCounts).toEqual(baseline.summary.statusCounts);
      const verified = await verifyPackage(pkg.zipPath, { expectedKeys: [await scene.genuine.fingerprint()] });
      expect(verified.ok).toBe(true);
      expect(verified.manifest?.runs.map((r) => r.runId)).not.toContain(forged);
      const unzipped = mkdtempSync(join(tmpdir(), 'el-insider-unzip-'));
      await extractPackageZip(pkg.zipPath, unzipped);
      const html = readFileSync(join(unzipped, 'index.html'), 'utf8');
      expect(html).toContain('1 foreign object(s) in the evidence store');
      expect(html).toContain(`runs/${forged}/manifest.json`);

      const next = await nextGenuineRun(scene, '2026-10-04');
      expect(next.previous?.runId).toBe(scene.genuineRuns[2]);
    });

    it('a new chain name signed by another key: was accepted as a chain of its own; now foreign, and genuine runs verify clean', async () => {
      const scene = await genuineScene(await open());
      const forged = await forgeRun(scene, { runId: '20261002T230000Z-f00002', day: '2026-10-02', chain: 'shard-9-of-9', previous: null });
      const report = await verifyStoredRuns(scene.store, OCTOBER, { trust: scene.trust });
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual(writtenLate(scene.store, scene.genuineRuns));
      expect(report.foreign).toMatchObject([{ runId: forged, reason: 'untrusted-key' }]);
      expect((await packageOf(scene, '2026-10-01', '2026-10-03')).summary).toMatchObject({ runs: 3, foreignObjects: 1 });
    });

    it('a back-dated run id: was verify blaming the genuine run that follows it; now the back-dated run is named foreign and the genuine chain verifies clean', async () => {
      const scene = await genuineScene(await open());
      const forged = await forgeRun(scene, { runId: '20261001T010000Z-f00003', day: '2026-10-01', previous: null });
      const report = await verifyStoredRuns(scene.store, OCTOBER, { trust: scene.trust });
      expect(report.problems).toEqual(writtenLate(scene.store, scene.genuineRuns));
      expect(report.foreign).toMatchObject([{ runId: forged, reason: 'untrusted-key' }]);
      expect(report.ok).toBe(false);
    });

    it('a garbage run folder: was collect, verify --store and package failing with exit 1 for good; now collect and package go on, verify names it', async () => {
      const scene = await genuineScene(await open());
      await rawPut(scene.store, 'runs/zzzz-garbage/manifest.json', Buffer.from('not a manifest'));
      for (const f of ['manifest.json', 'manifest.sig', 'public-key.pem']) await rawPut(scene.store, `runs/20261002T120000Z-garbag/${f}`, Buffer.from('not a manifest'));

      const next = await nextGenuineRun(scene, '2026-10-04');
      expect(next.previous?.runId).toBe(scene.genuineRuns[2]);
      const report = await verifyStoredRuns(scene.store, OCTOBER, { trust: scene.trust });
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual(writtenLate(scene.store, [...scene.genuineRuns, next.runId]));
      expect(report.foreign.map((f) => [f.runId, f.reason])).toEqual([
        // Its key is read first, and a folder without a readable key is never parsed.
        ['20261002T120000Z-garbag', 'bad-signature'],
        ['zzzz-garbage', 'unreadable'],
      ]);
      const pkg = await packageOf(scene, '2026-10-01', '2026-10-04');
      expect(pkg.summary).toMatchObject({ runs: 4, foreignObjects: 2 });
    });

    it('a far-future run id linked to the latest genuine run: was every later genuine run failing its chain check; now the future run is foreign and later runs chain and verify clean', async () => {
      const scene = await genuineScene(await open());
      const future = await forgeRun(scene, { runId: '20991231T235959Z-ffffff', day: '2099-12-31', previous: await linkTo(scene.store, scene.genuineRuns[2]) });
      const next = await nextGenuineRun(scene, '2026-10-04');
      expect(next.previous?.runId).toBe(scene.genuineRuns[2]);
      const report = await verifyStoredRuns(scene.store, { from: new Date('2026-01-01T00:00:00Z'), to: new Date() }, { trust: scene.trust });
      expect(report.problems).toEqual(writtenLate(scene.store, [...scene.genuineRuns, next.runId]));
      expect(report.foreign).toMatchObject([{ runId: future, reason: 'future-run-id' }]);
      expect(verifiedButLate(report)).toHaveLength(4);
    });

    it('a run linked to a foreign run (sealed when both keys were trusted): was a valid chain link; now foreign too, under the configured trust', async () => {
      const scene = await genuineScene(await open());
      const forged = await forgeRun(scene, { runId: '20261003T230000Z-f00006', day: '2026-10-03', previous: await linkTo(scene.store, scene.genuineRuns[2]) });
      // The genuine key sealing with an over-broad trust (both keys) links to the forged run; the default trust then names it.
      const sealed = await sealRun(scene.store, scene.genuine, {
        runId: '20261004T020000Z-aaaaaa',
        kind: 'collection',
        chain: 'default',
        startedAt: new Date('2026-10-04T02:00:00.000Z'),
        completedAt: new Date('2026-10-04T02:05:00.000Z'),
        scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: [] },
        records: [],
      }, { trust: trustPolicy([await scene.genuine.fingerprint(), await scene.attacker.fingerprint()]) });
      expect(sealed.manifest.previous?.runId).toBe(forged);
      const report = await verifyStoredRuns(scene.store, OCTOBER, { trust: scene.trust });
      expect(report.foreign.map((f) => [f.runId, f.reason])).toEqual([
        [forged, 'untrusted-key'],
        ['20261004T020000Z-aaaaaa', 'foreign-chain'],
      ]);
    });
  });
}

/** A config file for CLI runs against `store` with no signing key of its own (trust comes from --expect-key). */
export function configFor(storeYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-insider-cfg-'));
  const file = join(dir, 'evidence-locker.yaml');
  writeFileSync(file, `${storeYaml}stateDir: ${join(dir, 'state')}\nlog:\n  level: silent\n`);
  return file;
}
