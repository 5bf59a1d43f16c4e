import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** Every fsync the store makes, in order: the path of the file or directory synced. */
const synced: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const fh = await fs.open(...args);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        await sync();
        synced.push(String(args[0]));
      };
      return fh;
    },
  };
});

const { sha256Hex } = await import('../../src/evidence/hash.js');
const { LocalEvidenceStore } = await import('../../src/store/local.js');

const body = (n: number) => Buffer.from(JSON.stringify({ queryId: 'durability', n }));
/** Bodies whose names fall in the same fan-out directory as the first one (the first two hex digits). */
function bodiesInOneDirectory(count: number): Buffer[] {
  const out: Buffer[] = [];
  const fan = sha256Hex(body(0)).slice(0, 2);
  for (let n = 0; out.length < count; n++) if (sha256Hex(body(n)).startsWith(fan)) out.push(body(n));
  return out;
}

describe('local store durability: every body, name included, is on disk before a run that cites it', () => {
  beforeEach(() => {
    synced.length = 0;
  });

  it('syncs each body file when written, and each object directory once, before the manifest', async () => {
    const root = mkdtempSync(join(tmpdir(), 'el-local-durable-'));
    const store = new LocalEvidenceStore(root);
    const bodies = bodiesInOneDirectory(3);
    const files: string[] = [];
    for (const b of bodies) {
      const sha = sha256Hex(b);
      await store.putObject(sha, b);
      files.push(join(root, 'objects', 'sha256', sha.slice(0, 2), `${sha}.json`));
    }
    // Each body's bytes were synced (as its temporary file) before putObject returned.
    expect(synced.filter((p) => p.endsWith('.tmp'))).toHaveLength(3);
    const objectDir = dirname(files[0]);
    expect(synced).not.toContain(objectDir);

    await store.putRun({ runId: '20260601T020000Z-abcdef', manifest: Buffer.from('{}'), signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const manifestSync = synced.findIndex((p) => p.endsWith('manifest.json'));
    expect(manifestSync).toBeGreaterThan(-1);
    // The directory holding the three names: synced once, before the manifest; so is the new fan-out directory's parent.
    expect(synced.filter((p) => p === objectDir)).toHaveLength(1);
    expect(synced.indexOf(objectDir)).toBeLessThan(manifestSync);
    expect(synced.indexOf(dirname(objectDir))).toBeLessThan(manifestSync);
    expect(synced.indexOf(dirname(objectDir))).toBeGreaterThan(-1);
  });

  it('a body found already present still has its directory synced before the next run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'el-local-durable-'));
    const [b] = bodiesInOneDirectory(1);
    const sha = sha256Hex(b);
    await new LocalEvidenceStore(root).putObject(sha, b);
    // A second store (another process) finds the body there, written by a run that may never have been sealed.
    const store = new LocalEvidenceStore(root);
    synced.length = 0;
    expect((await store.putObject(sha, b)).existed).toBe(true);
    await store.putRun({ runId: '20260601T020000Z-abcdef', manifest: Buffer.from('{}'), signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const objectDir = join(root, 'objects', 'sha256', sha.slice(0, 2));
    expect(synced.indexOf(objectDir)).toBeGreaterThan(-1);
    expect(synced.indexOf(objectDir)).toBeLessThan(synced.findIndex((p) => p.endsWith('manifest.json')));
  });

  it('a run sealed while another run syncs waits for those syncs too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'el-local-durable-'));
    const store = new LocalEvidenceStore(root);
    const [b] = bodiesInOneDirectory(1);
    const sha = sha256Hex(b);
    await store.putObject(sha, b);
    const objectDir = join(root, 'objects', 'sha256', sha.slice(0, 2));
    // The first call takes the pending directory; the second, started at once, must not return before it is synced.
    const first = store.syncObjects();
    await store.syncObjects();
    expect(synced).toContain(objectDir);
    await first;
  });
});
