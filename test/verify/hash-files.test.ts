import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFiles } from '../../src/verify/hash-files.js';
import { COLLECTOR_NODE_FLAGS } from '../../src/node-flags.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hashFiles', () => {
  it.each([
    ['on this thread', 40],
    ['on worker threads', 4500],
  ])('hashes every file %s, in the order given, and names the ones it cannot read', async (_label, count) => {
    const dir = mkdtempSync(join(tmpdir(), 'el-hash-'));
    try {
      mkdirSync(join(dir, 'a', 'b'), { recursive: true });
      const rel: string[] = [];
      const expected: { sha256: string | null; size: number }[] = [];
      for (let i = 0; i < count; i++) {
        // Sizes from empty to past the 1 MiB read buffer, so a file needs more than one read now and then.
        const size = i % 997 === 5 ? (1 << 20) + 123 : (i * 37) % 300;
        const body = Buffer.alloc(size, i % 251);
        const p = i % 3 === 0 ? `a/b/f${i}.json` : `f${i}.json`;
        writeFileSync(join(dir, p), body);
        rel.push(p);
        expected.push({ sha256: sha(body), size });
      }
      // Two paths that are not there: one in the first part, one in the last.
      rel.splice(1, 0, 'missing-1');
      expected.splice(1, 0, { sha256: null, size: -1 });
      rel.push('a/missing-2');
      expected.push({ sha256: null, size: -1 });

      const h = await hashFiles(dir, rel);
      expect(rel.map((_, i) => ({ sha256: h.sha256(i), size: h.size(i) }))).toEqual(expected);
      expect([...h.errors.keys()].sort((x, y) => x - y)).toEqual([1, rel.length - 1]);
      expect(h.errors.get(1)).toMatch(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  // The image starts node with COLLECTOR_NODE_FLAGS; a worker given them in execArgv refuses to start.
  it.skipIf(availableParallelism() < 2)('hashes on threads in a process started with the collector\'s Node options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-hash-flags-'));
    const saved = [...process.execArgv];
    try {
      const rel = Array.from({ length: 2_000 }, (_, i) => `f${i}`);
      for (const f of rel) writeFileSync(join(dir, f), f);
      process.execArgv.push(...COLLECTOR_NODE_FLAGS, '--max-old-space-size', '2048');
      const h = await hashFiles(dir, rel);
      expect(h.sha256(1999)).toBe(createHash('sha256').update('f1999').digest('hex'));
      expect(h.errors.size).toBe(0);
    } finally {
      process.execArgv.splice(0, process.execArgv.length, ...saved);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('accepts an empty list', async () => {
    const h = await hashFiles(tmpdir(), []);
    expect(h.errors.size).toBe(0);
  });
});
