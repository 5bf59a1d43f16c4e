import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trustSigners } from '../support/trust.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../src/package/build.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { verifyPackage } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate } from '../package/fixtures.js';

function run(runId: string, startedAt: string, completedAt: string) {
  return {
    runId,
    kind: 'collection' as const,
    chain: 'default',
    startedAt: new Date(startedAt),
    completedAt: new Date(completedAt),
    scope: { accounts: ['111111111111'], regions: ['us-east-1'], frameworks: ['test-fw'], queries: [] },
    records: [],
  };
}

describe('chain order: two runs that start in the same second, the later one sealing first', () => {
  it('passes store verification and package verification with no false "a run is missing" break', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const first = await sealRun(store, signer, run('20260301T020000Z-000001', '2026-03-01T02:00:00.000Z', '2026-03-01T02:05:00.000Z'));
    // Started 500 ms after "early" but finished (and sealed) before it: sealing links it first.
    const late = await sealRun(store, signer, run('20260301T030000Z-bbbbbb', '2026-03-01T03:00:00.600Z', '2026-03-01T03:00:01.000Z'));
    const early = await sealRun(store, signer, run('20260301T030000Z-aaaaaa', '2026-03-01T03:00:00.100Z', '2026-03-01T03:00:02.000Z'));
    expect(late.manifest.previous?.runId).toBe(first.manifest.runId);
    expect(early.manifest.previous?.runId).toBe(late.manifest.runId);

    const stored = await verifyStoredRuns(store, { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-01T23:59:59.999Z') }, { trust: await trustSigners(signer) });
    expect(stored.problems).toEqual([]);
    expect(stored.ok).toBe(true);

    const out = mkdtempSync(join(tmpdir(), 'el-pkg-'));
    const built = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-01', evaluate: fixtureEvaluate, organization: 'Acme', outDir: out });
    const verified = await verifyPackage(built.zipPath);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.checked.chainLinks).toBe(2);
  });
});
