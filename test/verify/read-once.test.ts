import { describe, it, expect, beforeAll, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { ACCOUNTS, MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, type FixtureDay } from '../package/fixtures.js';

/** Every path read through node:fs/promises readFile while the mock is in place. */
const reads = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = ((path: Parameters<typeof fs.readFile>[0], ...rest: unknown[]) => {
    reads.paths.push(typeof path === 'string' ? path : path instanceof URL ? path.pathname : Buffer.isBuffer(path) ? path.toString('utf8') : 'file handle');
    return (fs.readFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, default: { ...fs, readFile }, readFile };
});

/**
 * `verify` hashes every file once (src/verify/hash-files.ts); the evidence-origin count takes each collection body's
 * provenance from those same bytes. Before, it read and parsed every collection body a second time, one at a time.
 */
describe('verify reads each evidence body once', () => {
  let dir: string;
  beforeAll(async () => {
    const store = new MemoryStore();
    const days: FixtureDay[] = [1, 2, 3].map((n) => ({ day: `2026-03-0${n}`, encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: n !== 2 }, provenance: true, ...(n === 2 ? { endpoint: 'http://127.0.0.1:4566' } : {}) }));
    const signer = await sealDays(store, days);
    const tmp = mkdtempSync(join(tmpdir(), 'el-read-once-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-03', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  });

  it('counts the origins of every collection record without reading a body again', async () => {
    reads.paths.length = 0;
    const v = await verifyPackageDir(dir);
    expect(v.problems).toEqual([]);
    expect(v.endpoints).toMatchObject({ records: 12, aws: 8, notAwsRecords: 4, notRecorded: 0 });
    expect(v.endpoints?.notAws).toEqual([{ origin: 'http://127.0.0.1:4566', why: 'http, not https', records: 4, runs: [expect.stringMatching(/^20260302T/)] }]);
    // The manifests and keys are read; no evidence body is (the hashing threads read them with their own file calls).
    expect(reads.paths.length).toBeGreaterThan(0);
    expect(reads.paths.filter((p) => p.includes(join('evidence', 'objects')))).toEqual([]);
  });
});
