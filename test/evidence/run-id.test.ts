import { describe, expect, it } from 'vitest';
import { assertRunId, compareRunsInChain, latestRunInChain, newRunId, runIdDay, runIdTime, type ChainMember } from '../../src/evidence/run-id.js';

const at = (runId: string, startedAt: string, completedAt: string, chain = 'default'): ChainMember => ({ runId, chain, startedAt, completedAt });

describe('run ids', () => {
  it('are made from the start second and parse back', () => {
    const id = newRunId(new Date('2026-11-27T02:00:05.123Z'), 'abcdef');
    expect(id).toBe('20261127T020005Z-abcdef');
    expect(runIdTime(id)?.toISOString()).toBe('2026-11-27T02:00:05.000Z');
    expect(runIdDay(id)).toBe('2026-11-27');
    expect(runIdTime('manual-run')).toBeUndefined();
  });

  it('refuses separators, dot-dot and hidden names', () => {
    for (const bad of ['../x', 'a/b', '.hidden', 'a..b', '']) expect(() => assertRunId(bad)).toThrow(/not valid/);
    expect(() => assertRunId('20261127T020005Z-abcdef')).not.toThrow();
  });
});

describe('compareRunsInChain', () => {
  it('orders by start second, then completion, then id', () => {
    const a = at('20260301T030000Z-aaaaaa', '2026-03-01T03:00:00.100Z', '2026-03-01T03:00:02.000Z');
    const b = at('20260301T030000Z-bbbbbb', '2026-03-01T03:00:00.600Z', '2026-03-01T03:00:01.000Z');
    const c = at('20260301T030001Z-cccccc', '2026-03-01T03:00:01.000Z', '2026-03-01T03:00:01.500Z');
    expect([c, a, b].sort(compareRunsInChain).map((r) => r.runId)).toEqual([b.runId, a.runId, c.runId]);
  });

  it('uses the manifest start time for ids that carry none', () => {
    const x = at('manual-x', '2026-03-01T03:00:00.900Z', '2026-03-01T03:00:05.000Z');
    const y = at('20260301T030000Z-yyyyyy', '2026-03-01T03:00:00.100Z', '2026-03-01T03:00:09.000Z');
    expect(compareRunsInChain(x, y)).toBeLessThan(0);
  });
});

describe('latestRunInChain', () => {
  const runs = [
    at('20260301T020000Z-000001', '2026-03-01T02:00:00.000Z', '2026-03-01T02:05:00.000Z'),
    at('20260301T030000Z-aaaaaa', '2026-03-01T03:00:00.100Z', '2026-03-01T03:00:02.000Z'),
    at('20260301T030000Z-bbbbbb', '2026-03-01T03:00:00.600Z', '2026-03-01T03:00:01.000Z'),
    at('20260301T040000Z-shard1', '2026-03-01T04:00:00.000Z', '2026-03-01T04:01:00.000Z', 'shard-1-of-2'),
  ];
  const ids = runs.map((r) => r.runId).sort();
  const read = async (id: string) => runs.find((r) => r.runId === id);

  it('finds the latest run of the chain, reading no older second than it needs', async () => {
    const seen: string[] = [];
    const latest = await latestRunInChain(ids, 'default', async (id) => (seen.push(id), read(id)));
    expect(latest?.runId).toBe('20260301T030000Z-aaaaaa');
    expect(seen).not.toContain('20260301T020000Z-000001');
  });

  it('finds the run before a given one in the same order', async () => {
    expect((await latestRunInChain(ids, 'default', read, runs[1]))?.runId).toBe('20260301T030000Z-bbbbbb');
    expect((await latestRunInChain(ids, 'default', read, runs[2]))?.runId).toBe('20260301T020000Z-000001');
    expect(await latestRunInChain(ids, 'default', read, runs[0])).toBeUndefined();
    expect(await latestRunInChain(ids, 'shard-2-of-2', read)).toBeUndefined();
  });
});
