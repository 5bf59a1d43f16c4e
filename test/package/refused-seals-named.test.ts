import { describe, expect, it } from 'vitest';
import { refusedSeals, type IncludedRun } from '../../src/package/gather.js';
import type { TrustedRefusal } from '../../src/seal/refusals.js';

const SHA = 'a'.repeat(64);
const path = 'refusals/20261002T010000Z-aaaa-r0123456789abcdef0123456789abcdef.json';

function trusted(versionId: string): TrustedRefusal {
  return {
    ref: { path, versionId },
    sha256: SHA,
    bytes: Buffer.from('{}'),
    refusal: {
      chain: 'main',
      startedAt: '2026-10-02T01:00:00.000Z',
      refusedAt: '2026-10-02T01:20:00.000Z',
      attempts: [{ runId: '20261002T010000Z-aaaa', reason: 'planted', planted: [] }],
      records: { count: 3 },
    },
  } as unknown as TrustedRefusal;
}

function naming(ref: { path: string; versionId?: string; sha256: string }): IncludedRun {
  return { runId: '20261003T010000Z-bbbb', manifest: { refusals: [ref] } } as unknown as IncludedRun;
}

describe('refusedSeals: the run that names a refusal record', () => {
  it('is found by path and SHA-256, whichever version of the same bytes the run names (a retried write)', () => {
    const [seal] = refusedSeals([trusted('v1')], [naming({ path, versionId: 'v2', sha256: SHA })]);
    expect(seal.namedBy).toBe('20261003T010000Z-bbbb');
  });

  it('is not a run naming other bytes under the same path', () => {
    const [seal] = refusedSeals([trusted('v1')], [naming({ path, versionId: 'v1', sha256: 'b'.repeat(64) })]);
    expect(seal.namedBy).toBeUndefined();
  });
});
