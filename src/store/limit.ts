/** Bounds how many store requests are in flight at once. */
export class RequestLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`request limit must be a positive integer, got ${max}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A released slot passes straight to the next waiter, so a newcomer can never squeeze past the bound.
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
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
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
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
