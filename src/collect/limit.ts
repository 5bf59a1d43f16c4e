/** A counting semaphore: bounded concurrency overall and per service. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  /** `priority` callers go to the head of the queue (rate-paced calls, whose spacing a long wait would bunch up). */
  async run<T>(fn: () => Promise<T>, priority = false): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => (priority ? this.waiting.unshift(r) : this.waiting.push(r)));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
