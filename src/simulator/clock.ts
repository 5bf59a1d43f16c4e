import type { PacingClock } from '../aws/rate-limit.js';

/**
 * The clock of a simulated account on a past day: it starts at that day's moment, runs with the wall clock, and a
 * wait for a quota slot moves it forward at once instead of sleeping. The simulated account measures its quotas on the
 * same clock, so a call paced this way arrives exactly when the account's token bucket has room, as it would on AWS
 * after a real wait; only the waiting is skipped.
 */
export class SimulatedClock implements PacingClock {
  private readonly realStart = Date.now();
  private skipped = 0;
  constructor(private readonly start: Date) {}

  now(): number {
    return this.start.getTime() + (Date.now() - this.realStart) + this.skipped;
  }

  date(): Date {
    return new Date(this.now());
  }

  async sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const ahead = atMs - this.now();
    if (ahead > 0) this.skipped += ahead;
    // Yield, as a real wait would, so calls released together interleave the same way.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
