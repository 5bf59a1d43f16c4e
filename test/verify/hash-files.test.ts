import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it.each([
    ['on this thread', 60],
    ['on worker threads', 4500],
  ])('with `origins`, parses each matching file from the bytes it hashed, %s: origin fields, or why they do not read', async (_label, count) => {
    const dir = mkdtempSync(join(tmpdir(), 'el-hash-origin-'));
    try {
      mkdirSync(join(dir, 'evidence'));
      const own = (a: string) => `arn:aws:sts::${a}:assumed-role/R/s`;
      const rel: string[] = [];
      const expected: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const account = String(111111111111 * (1 + (i % 3)));
        let text: string;
        let want: unknown;
        if (i % 7 === 3) {
          // Not a body: hashed, never parsed.
          rel.push(`other-${i}.json`);
          writeFileSync(join(dir, rel[i]), '{"provenance":{"endpoint":"http://127.0.0.1"}}');
          expected.push(undefined);
          continue;
        } else if (i % 11 === 5) {
          text = '{"schema":"evidence-locker/evidence@1","accountId":';
          want = { error: expect.stringMatching(/JSON/) };
        } else if (i % 13 === 6) {
          text = 'null';
          want = { error: "Cannot read properties of null (reading 'provenance')" };
        } else if (i % 5 === 1) {
          text = JSON.stringify({ accountId: account, data: { n: i } });
          want = { fields: {} };
        } else {
          // Every 997th body is longer than the 1 MiB read buffer: its chunks are kept and parsed whole.
          const pad = i % 997 === 2 ? 'x'.repeat((1 << 20) + 77) : 'y'.repeat(i % 300);
          text = JSON.stringify({ accountId: account, data: { pad }, provenance: { endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: own(account), requestIds: [`r-${i}`] } });
          want = { fields: { accountId: account, provenance: { endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: own(account) } } };
        }
        rel.push(`evidence/b${i}.json`);
        writeFileSync(join(dir, rel[i]), text);
        expected.push(want);
      }
      rel.push('evidence/missing.json');
      expected.push(undefined);

      const h = await hashFiles(dir, rel, { origins: /^evidence\/b\d+\.json$/ });
      expect(rel.map((_, i) => h.origin(i))).toEqual(expected);
      // The hashes are those of the whole files, parsed or not.
      const big = rel.findIndex((_, i) => i % 997 === 2 && i % 7 !== 3);
      expect(h.sha256(big)).toBe(sha(readFileSync(join(dir, rel[big]))));
      expect(h.size(big)).toBeGreaterThan(1 << 20);
      // Bodies with the same origin fields share one object.
      const same = rel.map((_, i) => i).filter((i) => i < count && i % 3 === 0 && i % 7 !== 3 && i % 11 !== 5 && i % 13 !== 6 && i % 5 !== 1);
      expect(new Set(same.map((i) => (h.origin(i) as { fields: unknown }).fields)).size).toBe(1);
      expect(h.errors.size).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('accepts an empty list', async () => {
    const h = await hashFiles(tmpdir(), []);
    expect(h.errors.size).toBe(0);
  });
});
