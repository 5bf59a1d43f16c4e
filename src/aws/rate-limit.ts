import { REQUEST_QUOTAS, PACED_BELOW_PER_SECOND } from './quotas.js';

export interface PacedRate {
  ratePerSecond: number;
  burst: number;
}

/**
 * Per-account, per-region request quotas low enough that adaptive retries alone would keep hitting them (see
 * quotas.ts for the whole table and its sources). Keyed by `<iam-prefix>:<Operation>`.
 */
export const PUBLISHED_RATE_LIMITS: Readonly<Record<string, PacedRate>> = Object.fromEntries(
  Object.entries(REQUEST_QUOTAS)
    .filter(([, q]) => q.ratePerSecond < PACED_BELOW_PER_SECOND)
    .map(([action, q]) => [action, { ratePerSecond: q.ratePerSecond, burst: q.burst }]),
);

/**
 * The time pacing waits in. Against AWS it is the wall clock; a simulated account whose clock is simulated too (the
 * demo's past days) passes its own, so a paced call waits in that account's time, as the account measures it.
 */
export interface PacingClock {
  now(): number;
  /** Resolves once `now()` has reached `atMs`. */
  sleepUntil(atMs: number, signal?: AbortSignal): Promise<void>;
}

export const WALL_CLOCK: PacingClock = {
  now: () => Date.now(),
  sleepUntil(atMs, signal) {
    const wait = atMs - Date.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, wait);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      }, { once: true });
    });
  },
};

/** A token bucket (as a generic cell rate algorithm): up to `burst` calls at once from a full bucket, then one per 1/rate. */
export class RateLimiter {
  /** Theoretical arrival time: when the bucket would be full again if no call came. */
  private tat = 0;
  private readonly intervalMs: number;
  constructor(ratePerSecond: number, private readonly burst = 1, private readonly clock: PacingClock = WALL_CLOCK) {
    this.intervalMs = 1000 / ratePerSecond;
  }
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const start = Math.max(now, this.tat - this.intervalMs * (this.burst - 1));
    this.tat = Math.max(this.tat, start) + this.intervalMs;
    if (start > now) await this.clock.sleepUntil(start, signal);
  }
}

/** One limiter per account, region and operation, shared by every client in the process. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();
  constructor(
    private readonly limits: Readonly<Record<string, PacedRate>> = PUBLISHED_RATE_LIMITS,
    private readonly clock: PacingClock = WALL_CLOCK,
  ) {}
  limiterFor(accountId: string, region: string, action: string): RateLimiter | undefined {
    const rate = this.limits[action];
    if (rate === undefined) return undefined;
    const key = `${accountId}/${region}/${action}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new RateLimiter(rate.ratePerSecond, rate.burst, this.clock);
      this.limiters.set(key, l);
    }
    return l;
  }
}
