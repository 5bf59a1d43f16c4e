import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../src/package/build.js';
import { evidencePath } from '../../src/package/manifest.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, type FixtureDay } from '../package/fixtures.js';
import { remanifest } from '../support/resign-package.js';
import { SHELLS, resignSums, runVerifySh } from '../support/verify-sh.js';

const A = '111111111111';
const B = '222222222222';
const tmp = () => mkdtempSync(join(tmpdir(), 'el-attack-shard-'));

describe('a package rebuilt with the package key alone, leaving out every run of one shard', () => {
  it('is INVALID: the missing shards manifest.json lists are derived again from the runs it holds', async () => {
    // Each day's collection is split over two shards: shard 1 collects account A, shard 2 account B.
    const store = new MemoryStore();
    const days = ['2026-10-01', '2026-10-02', '2026-10-03'];
    const signer = await sealDays(
      store,
      days.flatMap((day): FixtureDay[] => [
        { day, encrypted: { [A]: true }, shard: { index: 1, count: 2, slot: day } },
        { day, encrypted: { [B]: false }, shard: { index: 2, count: 2, slot: day } },
      ]),
    );
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-11-02T09:00:00Z') });
    const dir = tmp();
    await extractPackageZip(built.zipPath, dir);
    const fp = await signer.fingerprint();
    expect((await verifyPackageDir(dir, { expectedKeys: [fp] })).problems).toEqual([]);
    expect(runVerifySh(dir, [fp]).out).toContain('ok    the missing shards manifest.json lists are those of the runs it holds (0 slot(s) missing a shard)');

    // The package key holder removes shard 2's chain (its runs and their bodies) and says no shard is missing.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { runs: { runId: string; chain: string }[] };
    const dropped = manifest.runs.filter((r) => r.chain === 'shard-2-of-2').map((r) => r.runId);
    expect(dropped).toHaveLength(3);
    const gone = new Set<string>();
    for (const id of dropped) {
      const rm = RunManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'runs', id, 'manifest.json'), 'utf8')));
      for (const rec of rm.records) gone.add(evidencePath(rec.sha256));
      for (const f of ['manifest.json', 'manifest.sig', 'public-key.pem']) gone.add(`runs/${id}/${f}`);
      rmSync(join(dir, 'runs', id), { recursive: true, force: true });
    }
    for (const p of gone) rmSync(join(dir, ...p.split('/')), { force: true });
    await remanifest(dir, signer, (m) => {
      const e = m as unknown as { runs: { chain: string }[]; chainEnds: { chain: string }[]; missingShards: unknown[]; files: { path: string }[] };
      e.runs = e.runs.filter((r) => r.chain !== 'shard-2-of-2');
      e.chainEnds = e.chainEnds.filter((c) => c.chain !== 'shard-2-of-2');
      e.missingShards = [];
      e.files = e.files.filter((f) => !gone.has(f.path));
    });
    await resignSums(dir, signer);

    const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^manifest\.json: missingShards lists none, but the runs the package holds, by their signed shard fields, are missing 2026-10-01: 2 of 2; 2026-10-02: 2 of 2; 2026-10-03: 2 of 2: manifest\.json, signed by the package key alone, misstates which shards were sealed/),
    ]);
    // verify.sh derives them again from the runs' signed shard fields too, with the same words.
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([
        'FAIL  manifest.json: missingShards lists none, but the runs the package holds, by their signed shard fields, are missing 2026-10-01: 2 of 2; 2026-10-02: 2 of 2; 2026-10-03: 2 of 2: manifest.json, signed by the package key alone, misstates which shards were sealed (the report\'s "Missing shards" repeats it); obtain the package again from the organisation',
      ]);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
  }, 180_000);
});
