import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, mapWithConcurrencyLimit } from '../src/concurrency-limit.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ConcurrencyLimit', () => {
  it('lets no newcomer past a limit of 1 while a released place passes to the waiter (semaphore bug)', async () => {
    const limit = new ConcurrencyLimit(1);
    let inFlight = 0;
    let peak = 0;
    const track = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      inFlight--;
    };
    const gate = deferred();
    const first = limit.run(() => gate.promise);
    const second = limit.run(track);
    // Arrives in the same microtask turn as the first call's release, before the waiting second call resumes.
    const third = gate.promise.then(() => limit.run(track));
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(peak).toBe(1);
  });

  it('serves priority callers first and frees its place when a call throws', async () => {
    const limit = new ConcurrencyLimit(1);
    const order: string[] = [];
    const gate = deferred();
    const first = limit.run(() => gate.promise);
    const normal = limit.run(async () => void order.push('normal'));
    const urgent = limit.run(async () => void order.push('priority'), true);
    gate.resolve();
    await Promise.all([first, normal, urgent]);
    expect(order).toEqual(['priority', 'normal']);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'still usable')).toBe('still usable');
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimit(1.5)).toThrow(RangeError);
  });
});

describe('mapWithConcurrencyLimit', () => {
  it('keeps input order and never exceeds the bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrencyLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let k = 0; k < n; k++) await Promise.resolve();
      inFlight--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(peak).toBe(2);
  });
});
