import { describe, it, expect, vi, afterEach } from 'vitest';
import { Writable } from 'node:stream';
import { attachProgress, progressLine, formatDuration, estimateRemainingMs } from '../../src/collect/progress.js';
import { createLogger } from '../../src/log/logger.js';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

const p = (done: number, total = 40, errors = 0) => ({ done, total, errors, accounts: 2, regions: 2, queries: 10 });

afterEach(() => vi.useRealTimers());

describe('progress display', () => {
  it('formats the scope, counts and an ETA from the average pace', () => {
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(estimateRemainingMs({ done: 10, total: 40 }, 20_000)).toBe(60_000);
    expect(estimateRemainingMs({ done: 0, total: 40 }, 20_000)).toBeUndefined();
    expect(progressLine(p(10, 40, 1), 20_000)).toBe('collecting 2 account(s) x 2 region(s) x 10 queries: 10/40 (25%), 1 error(s), elapsed 20s, ETA 1m00s');
    expect(progressLine(p(40), 20_000)).not.toContain('ETA');
  });

  it('redraws one line in place on a terminal and ends it on stop', () => {
    let t = 0;
    const out: string[] = [];
    const { log, lines } = captureLogger();
    const r = attachProgress(log, { stream: { isTTY: true, columns: 200, write: (s: string) => out.push(s) }, now: () => t, redrawMs: 100 });
    t = 1000;
    r.update(p(1));
    t = 1050;
    r.update(p(2)); // within the redraw interval: not drawn
    t = 2000;
    r.update(p(3));
    r.stop();
    expect(out.filter((s) => s.startsWith('\r'))).toHaveLength(3);
    expect(out[0]).toContain('1/40');
    expect(out.some((s) => s.includes('2/40'))).toBe(false);
    expect(out.at(-1)).toBe('\n');
    expect(lines).toHaveLength(0);
  });

  it('logs a progress line every interval when not a terminal', () => {
    vi.useFakeTimers();
    let t = 0;
    const { log, lines } = captureLogger();
    const writes: string[] = [];
    const r = attachProgress(log, { stream: { isTTY: false, write: (s: string) => writes.push(s) }, intervalSeconds: 5, now: () => t });
    r.update(p(4));
    t = 5000;
    vi.advanceTimersByTime(5000);
    r.update(p(8));
    t = 10_000;
    vi.advanceTimersByTime(5000);
    r.stop();
    vi.advanceTimersByTime(20_000);
    expect(writes).toHaveLength(0);
    const progress = lines.filter((l) => l.msg === 'collection progress').map((l) => l.progress as Record<string, number>);
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatchObject({ done: 4, total: 40, elapsedSeconds: 5, etaSeconds: 45 });
    expect(progress[1]).toMatchObject({ done: 8, etaSeconds: 40 });
  });
});
