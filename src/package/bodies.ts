/** One evidence body a package carries: its content address and size, from the signed run manifests. */
export interface BodyRef {
  sha256: string;
  size: number;
}

/**
 * The evidence bodies of a package, 40 bytes per record in flat buffers rather than a string per record, so
 * 100,000 records take about 4 MB. Bodies are added run by run (repeats allowed) and read back distinct, in
 * byte order of their SHA-256 (which is also the order of their package paths).
 */
export class BodyIndex {
  private hashes = Buffer.alloc(32 * 1024);
  private sizes = new Float64Array(1024);
  private n = 0;
  private sortedCount = -1;

  add(sha256: string, size: number): void {
    if (this.n === this.sizes.length) {
      const h = Buffer.alloc(this.hashes.length * 2);
      this.hashes.copy(h);
      this.hashes = h;
      const s = new Float64Array(this.sizes.length * 2);
      s.set(this.sizes);
      this.sizes = s;
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    this.hashes.write(sha256, this.n * 32, 32, 'hex');
    this.sizes[this.n] = size;
    this.n++;
    this.sortedCount = -1;
  }

  /** Distinct bodies. */
  get count(): number {
    this.sort();
    return this.sortedCount;
  }

  /** Sorts and removes repeats in place (once; again only after more adds). */
  private sort(): void {
    if (this.sortedCount >= 0) return;
    const h = this.hashes;
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    // buf.compare(target, tStart, tEnd, sStart, sEnd) orders buf[sStart..sEnd] against target[tStart..tEnd].
    order.sort((a, b) => h.compare(h, b * 32, b * 32 + 32, a * 32, a * 32 + 32));
    const hashes = Buffer.alloc(Math.max(32, this.n * 32));
    const sizes = new Float64Array(Math.max(1, this.n));
    let m = 0;
    for (let k = 0; k < this.n; k++) {
      const i = order[k];
      if (m > 0 && h.compare(hashes, (m - 1) * 32, m * 32, i * 32, i * 32 + 32) === 0) continue;
      h.copy(hashes, m * 32, i * 32, i * 32 + 32);
      sizes[m] = this.sizes[i];
      m++;
    }
    this.hashes = hashes;
    this.sizes = sizes;
    this.n = m;
    this.sortedCount = m;
  }

  /** The size the records state for a body, or undefined if none names it. */
  sizeOf(sha256: string): number | undefined {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    this.sort();
    const want = Buffer.from(sha256, 'hex');
    let lo = 0;
    let hi = this.sortedCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.hashes.compare(want, 0, 32, mid * 32, mid * 32 + 32);
      if (c === 0) return this.sizes[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Distinct bodies in byte order of SHA-256. */
  *[Symbol.iterator](): Generator<BodyRef> {
    this.sort();
    for (let i = 0; i < this.sortedCount; i++) yield { sha256: this.hashes.toString('hex', i * 32, i * 32 + 32), size: this.sizes[i] };
  }
}

/** Merges sequences each already in byte order of `path` into one in that order. */
export function* mergeByPath<T extends { path: string }>(...lists: Iterable<T>[]): Generator<T> {
  const its = lists.map((l) => l[Symbol.iterator]());
  const heads = its.map((it) => it.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h.done) continue;
      if (best < 0 || (h.value.path < (heads[best].value as T).path)) best = i;
    }
    if (best < 0) return;
    yield heads[best].value as T;
    heads[best] = its[best].next();
  }
}
