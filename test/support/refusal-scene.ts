/**
 * The refused-seal scene the refusal tests share: a local store in which someone plants files in the run folders of
 * one day, so that day's seal is refused and a signed refusal record is written; the fixture days around it; and the
 * package of the period, extracted for the verifiers.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LocalEvidenceStore } from '../../src/store/local.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { refusalCensus, type TrustedRefusal } from '../../src/seal/refusals.js';
import { trustPolicy, type TrustPolicy } from '../../src/seal/trust.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { buildPackage, type BuildPackageOptions } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';

/** The account whose bucket the fixture days encrypt. */
export const ACCT = '111111111111';

/** The period the scene's days fill. */
export const PERIOD = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-03T23:59:59Z') };

export const tmp = (prefix = 'el-refusal-'): string => mkdtempSync(join(tmpdir(), prefix));

/**
 * A local store in which someone watching the runs folder makes the folder of every run whose id starts with `victim`
 * just before it is published, with a manifest of their own in it: that run's seal is refused. `planted` counts them.
 */
export class PlantingStore extends LocalEvidenceStore {
  planted = 0;
  constructor(
    root: string,
    public victim = '-',
  ) {
    super(root);
  }
  protected override async publishRun(tmpDir: string, runDir: string): Promise<void> {
    if (basename(runDir).startsWith(this.victim)) {
      this.planted++;
      mkdirSync(runDir);
      writeFileSync(join(runDir, 'manifest.json'), '{"planted":true}');
    }
    return super.publishRun(tmpDir, runDir);
  }
}

/** Seals the fixture day `day` (the account's bucket encrypted, with provenance), with `signer` or a new local key. */
export function sealDay(store: LocalEvidenceStore, day: string, signer?: LocalEd25519Signer): Promise<LocalEd25519Signer> {
  return sealDays(store, [{ day, encrypted: { [ACCT]: true }, provenance: true }], signer);
}

/**
 * 2026-10-01 sealed, then 2026-10-02, whose seal the store refuses (`victim` 20261002): the signer, a trust policy
 * pinning its key, the error the refused seal threw, and the signed refusal record it wrote.
 */
export async function secondDayRefused(store: PlantingStore): Promise<{ signer: LocalEd25519Signer; trust: TrustPolicy; error: Error | undefined; record: TrustedRefusal }> {
  const signer = await sealDay(store, '2026-10-01');
  const error = await sealDay(store, '2026-10-02', signer).then(
    () => undefined,
    (e: Error) => e,
  );
  const trust = trustPolicy([await signer.fingerprint()]);
  const [record] = (await refusalCensus(store, trust)).trusted;
  return { signer, trust, error, record };
}

/** The run sealed on `day` and its signed manifest. */
export async function runOfDay(store: LocalEvidenceStore, day: string): Promise<{ runId: string; manifest: RunManifest }> {
  const runId = (await store.listRuns()).find((r) => r.startsWith(day.replace(/-/g, '')))!;
  return { runId, manifest: RunManifestSchema.parse(JSON.parse((await store.getRun(runId)).manifest.toString('utf8'))) };
}

/** The package of the period built from the store (as of 2026-11-02) and extracted: its folder and the key's fingerprint. */
export async function periodPackage(store: LocalEvidenceStore, signer: LocalEd25519Signer, extra: Partial<BuildPackageOptions> = {}): Promise<{ dir: string; fp: string }> {
  const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-03', evaluate: fixtureEvaluate, organization: 'Acme', outDir: tmp(), builtAt: new Date('2026-11-02T09:00:00Z'), ...extra });
  const dir = tmp();
  await extractPackageZip(built.zipPath, dir);
  return { dir, fp: await signer.fingerprint() };
}
