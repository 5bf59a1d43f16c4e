/**
 * The one concurrency limiter: at most `max` calls of `run` in flight at once (API requests of a collection, store
 * requests, bucket calls of a query). A released place passes straight to the next waiter, so a newcomer can never
 * squeeze past the bound while that waiter wakes up.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${max}`);
  }

  /** `priority` callers go to the head of the queue (rate-paced calls, whose spacing a long wait would bunch up). */
  async run<T>(fn: () => Promise<T>, priority = false): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => (priority ? this.waiting.unshift(resolve) : this.waiting.push(resolve)));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time, results in input order. */
export async function mapWithConcurrencyLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
