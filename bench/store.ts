import { randomBytes } from 'node:crypto';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../src/config/schema.js';
import { canonicalBytes } from '../src/seal/canonical.js';
import { sha256Hex } from '../src/evidence/hash.js';
import { mapWithConcurrencyLimit } from '../src/concurrency-limit.js';
import { S3EvidenceStore } from '../src/store/s3.js';

export interface StoreBenchOptions {
  /** The Object Lock store to measure (bucket, endpoint, retention...). `concurrency` is taken from here. */
  store: S3StoreConfig;
  /** Evidence bodies written by each side. */
  records?: number;
  /** Approximate size of each body in bytes. */
  bodyBytes?: number;
  /** Rounds the records are split into, alternating which side goes first. */
  rounds?: number;
}

export interface StoreBenchResult {
  records: number;
  bodyBytes: number;
  concurrency: number;
  /** Records/s through S3EvidenceStore.putObject (pre-flight excluded, lock and integrity headers included). */
  storeRecordsPerSecond: number;
  /** Records/s of a plain SDK PutObject loop at the same concurrency, same server, same body sizes. */
  plainRecordsPerSecond: number;
  /** store / plain. */
  ratio: number;
}

function bodies(n: number, size: number, tag: string): Buffer[] {
  const pad = randomBytes(Math.max(0, Math.floor(size / 2) - 100)).toString('hex');
  return Array.from({ length: n }, (_, i) =>
    canonicalBytes({ schema: 'evidence-locker/evidence@1', queryId: 'bench.store', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: { tag, i, pad }, sdkVersion: 'bench' }),
  );
}

/**
 * Measures evidence bodies per second into a real Object Lock server: the store (HeadObject-free writes of new bodies,
 * Object Lock, Content-MD5, SHA-256 checksum) against a plain PutObject loop with the same client settings and
 * concurrency. Each side writes fresh bodies under its own fresh prefix.
 */
export async function benchStore(opts: StoreBenchOptions): Promise<StoreBenchResult> {
  const records = opts.records ?? 2000;
  const bodyBytes = opts.bodyBytes ?? 2048;
  const rounds = Math.max(1, opts.rounds ?? 8);
  const concurrency = opts.store.concurrency;
  const run = randomBytes(4).toString('hex');

  const store = new S3EvidenceStore({ ...opts.store, prefix: `${opts.store.prefix}bench-${run}/store/` });
  const plain = new S3Client({
    region: opts.store.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(opts.store.endpoint ? { endpoint: opts.store.endpoint } : {}),
    ...(opts.store.forcePathStyle !== undefined ? { forcePathStyle: opts.store.forcePathStyle } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await store.preflight();
    // Warm both connection pools so neither side pays for the first sockets.
    const warm = bodies(concurrency, bodyBytes, `warm-${run}`);
    await mapWithConcurrencyLimit(warm, concurrency, (b) => store.putObject(sha256Hex(b), b));
    await mapWithConcurrencyLimit(warm, concurrency, (b, i) => plain.send(new PutObjectCommand({ Bucket: opts.store.bucket, Key: `${opts.store.prefix}bench-${run}/plain-warm/${i}`, Body: b })));

    // Alternate the two sides in rounds (store, plain, plain, store, ...) so drift in the server's speed hits both alike.
    let storeSeconds = 0;
    let plainSeconds = 0;
    const perRound = Math.ceil(records / rounds);
    let done = 0;
    for (let r = 0; r < rounds && done < records; r++) {
      const n = Math.min(perRound, records - done);
      const order = r % 2 === 0 ? (['store', 'plain'] as const) : (['plain', 'store'] as const);
      for (const side of order) {
        const batch = bodies(n, bodyBytes, `${side}-${run}-${r}`);
        const t = process.hrtime.bigint();
        if (side === 'store') await mapWithConcurrencyLimit(batch, concurrency, (b) => store.putObject(sha256Hex(b), b));
        else
          await mapWithConcurrencyLimit(batch, concurrency, (b) =>
            plain.send(new PutObjectCommand({ Bucket: opts.store.bucket, Key: `${opts.store.prefix}bench-${run}/plain/${sha256Hex(b)}.json`, Body: b, ContentType: 'application/json' })),
          );
        const seconds = Number(process.hrtime.bigint() - t) / 1e9;
        if (side === 'store') storeSeconds += seconds;
        else plainSeconds += seconds;
      }
      done += n;
    }

    const storeRecordsPerSecond = records / storeSeconds;
    const plainRecordsPerSecond = records / plainSeconds;
    return { records, bodyBytes, concurrency, storeRecordsPerSecond, plainRecordsPerSecond, ratio: storeRecordsPerSecond / plainRecordsPerSecond };
  } finally {
    store.destroy();
    plain.destroy();
  }
}
