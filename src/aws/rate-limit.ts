/**
 * Published per-account, per-region request-rate limits that adaptive retries alone would keep hitting.
 * Keyed by `<iam-prefix>:<Operation>`; requests per second.
 */
export const PUBLISHED_RATE_LIMITS: Readonly<Record<string, number>> = {
  // CloudTrail LookupEvents: 2 requests per second per account per region (CloudTrail quotas).
  'cloudtrail:LookupEvents': 2,
};

/** A token bucket that spaces calls evenly; bursts up to `burst` calls. */
export class RateLimiter {
  private nextFree = 0;
  private readonly intervalMs: number;
  constructor(ratePerSecond: number, private readonly burst = 1) {
    this.intervalMs = 1000 / ratePerSecond;
  }
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    const earliest = Math.max(now - this.intervalMs * (this.burst - 1), this.nextFree);
    const start = Math.max(now, earliest);
    this.nextFree = start + this.intervalMs;
    const wait = start - now;
    if (wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, wait);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(signal.reason ?? new Error('aborted'));
        }, { once: true });
      });
    }
  }
}

/** One limiter per account, region and operation, shared by every client in the process. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();
  constructor(private readonly limits: Readonly<Record<string, number>> = PUBLISHED_RATE_LIMITS) {}
  limiterFor(accountId: string, region: string, action: string): RateLimiter | undefined {
    const rate = this.limits[action];
    if (rate === undefined) return undefined;
    const key = `${accountId}/${region}/${action}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new RateLimiter(rate);
      this.limiters.set(key, l);
    }
    return l;
  }
}
