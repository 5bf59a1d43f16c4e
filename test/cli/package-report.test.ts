import { describe, it, expect } from 'vitest';
import { packageReport } from '../../src/cli/commands/package.js';

/** Bytes a terminal acts on: ESC (ANSI sequences), CR, the one-character CSI U+009B, and the right-to-left override. */
// eslint-disable-next-line no-control-regex -- the bytes a terminal acts on are what is looked for
const ACTS_ON_TERMINAL = /[\u001b\r\u009b\u202e]/;

/** A built package's summary whose refusal record (an S3 key anyone with write access to refusals/ names) holds a line break. */
function built(record: string, runId: string, zipPath = '/tmp/out/package.zip'): Parameters<typeof packageReport>[0] {
  const summary = {
    frameworks: ['pci-dss-4.0.1'],
    period: { from: '2026-03-01', to: '2026-03-02' },
    accounts: ['111111111111'],
    runs: 2,
    records: 10,
    statusCounts: { pass: 3, fail: 1 },
    gapDays: 0,
    missingShards: 0,
    foreignObjects: 0,
    runsWrittenLate: 0,
    runsNotCredited: 0,
    maxSealDelayMs: 3_600_000,
    maxRunSpanMs: 86_400_000,
    refusalsNamingSealedRuns: [{ record, runId }],
    keyFingerprint: 'a'.repeat(64),
    runKeyFingerprints: ['a'.repeat(64)],
    simulated: false,
  };
  return { packageId: 'b'.repeat(64), zipPath, summary: summary as unknown as Parameters<typeof packageReport>[0]['summary'] };
}

describe('what `package` prints', () => {
  it('shows a record key, run id or path holding a line break on its own line, the break as \\u000a: no name starts a line of its own', () => {
    const out = packageReport(built('refusals/20260301T020000Z-r1.json\nVALID: every hash, signature and chain link checks out', '20260301T020000Z-aa\r\u001b[2K\u202e', '/tmp/out\npackage ok.zip'));
    expect(out).not.toMatch(ACTS_ON_TERMINAL);
    const lines = out.split('\n');
    expect(lines.filter((l) => l.startsWith('VALID'))).toEqual([]);
    expect(lines.find((l) => l.startsWith('  INVALID WHEN VERIFIED'))).toContain('refusals/20260301T020000Z-r1.json\\u000aVALID: every hash, signature and chain link checks out names run 20260301T020000Z-aa\\u000d\\u001b[2K\\u202e, a sealed run');
    // The zip path stays the last line, as the help promises.
    expect(lines.at(-2)).toBe('/tmp/out\\u000apackage ok.zip');
    expect(lines.at(-1)).toBe('');
  });
});
