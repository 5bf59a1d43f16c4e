import { describe, expect, it } from 'vitest';
import { benchStore } from '../../bench/store.js';
import { storeConfig } from './env.js';

describe('benchStore against the Object Lock server', () => {
  it('measures both sides and returns their ratio', async () => {
    const records = Number(process.env.INTEGRATION_BENCH_RECORDS ?? 200);
    const result = await benchStore({ store: storeConfig('bench/', { concurrency: 16 }), records, bodyBytes: 2048 });
    process.stdout.write(`benchStore: ${JSON.stringify(result)}\n`);
    expect(result.records).toBe(records);
    expect(result.storeRecordsPerSecond).toBeGreaterThan(0);
    expect(result.plainRecordsPerSecond).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo(result.storeRecordsPerSecond / result.plainRecordsPerSecond, 10);
  });
});
