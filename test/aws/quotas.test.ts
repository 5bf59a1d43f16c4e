import { afterEach, describe, expect, it, vi } from 'vitest';
import { EC2Client, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { SecurityHubClient, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { REQUEST_QUOTAS, PACED_BELOW_PER_SECOND } from '../../src/aws/quotas.js';
import { PUBLISHED_RATE_LIMITS, RateLimiterRegistry } from '../../src/aws/rate-limit.js';
import { DEFAULT_RATE_LIMITS, demoWorld } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from '../simulator/helpers.js';

describe('request quota table', () => {
  it('every entry has a positive rate, a burst of at least one request, and says where it comes from', () => {
    for (const [action, q] of Object.entries(REQUEST_QUOTAS)) {
      expect(action, action).toMatch(/^[a-z0-9][a-z0-9-]*:[A-Z][A-Za-z0-9]+$/);
      expect(action, action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
      expect(q.ratePerSecond, action).toBeGreaterThan(0);
      expect(q.burst, action).toBeGreaterThanOrEqual(1);
      if (q.basis === 'documented') expect(q.source, action).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
      else expect(q.source.length, action).toBeGreaterThan(40);
    }
  });

  it('holds the documented values the collector depends on', () => {
    expect(REQUEST_QUOTAS['cloudtrail:LookupEvents']).toMatchObject({ ratePerSecond: 2, basis: 'documented' });
    expect(REQUEST_QUOTAS['securityhub:GetFindings']).toMatchObject({ ratePerSecond: 3, burst: 6, basis: 'documented' });
    expect(REQUEST_QUOTAS['ec2:DescribeInstances']).toMatchObject({ ratePerSecond: 20, burst: 100, basis: 'documented' });
  });

  it('the simulator enforces every quota and the collector paces exactly the strict ones', () => {
    expect(Object.keys(DEFAULT_RATE_LIMITS).sort()).toEqual(Object.keys(REQUEST_QUOTAS).sort());
    const paced = Object.keys(PUBLISHED_RATE_LIMITS).sort();
    expect(paced).toEqual(Object.entries(REQUEST_QUOTAS).filter(([, q]) => q.ratePerSecond < PACED_BELOW_PER_SECOND).map(([a]) => a).sort());
    expect(paced).toContain('cloudtrail:LookupEvents');
    expect(paced).toContain('securityhub:GetFindings');
    expect(paced).not.toContain('ec2:DescribeInstances');
  });

  it('the collector’s limiter lets a full bucket through at once, then spaces calls at the rate', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const limiter = new RateLimiterRegistry({ 'x:Op': { ratePerSecond: 10, burst: 3 } }).limiterFor('111122223333', 'us-east-1', 'x:Op')!;
      let done = 0;
      for (let i = 0; i < 5; i++) void limiter.acquire().then(() => done++);
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toBe(3);
      await vi.advanceTimersByTimeAsync(99);
      expect(done).toBe(3);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(4);
      await vi.advanceTimersByTimeAsync(100);
      expect(done).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('quotas enforced by the simulated AWS', () => {
  const sim = useSimulator(() => ({ world: demoWorld() }));
  afterEach(() => {
    sim().setFaults({});
    sim().world.now = () => new Date();
    sim().resetStats();
  });

  it('Security Hub GetFindings: a full bucket of 6, then RequestLimit-style throttling in restJson (clock frozen)', async () => {
    const frozen = new Date();
    sim().world.now = () => frozen;
    sim().setFaults({});
    const client = new SecurityHubClient(clientConfig(sim(), { maxAttempts: 1 }));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.send(new GetFindingsCommand({ MaxResults: 1 }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    for (const r of rejected) expect((r.reason as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(429);
    expect(sim().stats().byOperation['securityhub:GetFindings']).toMatchObject({ ok: 6, rateLimited: 2 });
  });

  it('EC2 non-mutating calls: 100 at once pass, the 101st is RequestLimitExceeded (clock frozen)', async () => {
    const frozen = new Date();
    sim().world.now = () => frozen;
    sim().setFaults({});
    const client = new EC2Client(clientConfig(sim(), { maxAttempts: 1 }));
    const results = await Promise.allSettled(Array.from({ length: 101 }, () => client.send(new DescribeSecurityGroupsCommand({}))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.map((r) => (r.reason as Error).name)).toEqual(['RequestLimitExceeded']);
  });
});

describe('pacing on a simulated clock', () => {
  it('waits in the simulated account\'s time: the clock moves on by the paced interval, as the account measures it', async () => {
    const { SimulatedClock } = await import('../../src/simulator/clock.js');
    const start = new Date('2026-11-04T08:00:00Z');
    const clock = new SimulatedClock(start);
    const limiter = new RateLimiterRegistry({ 'cloudtrail:LookupEvents': { ratePerSecond: 2, burst: 2 } }, clock).limiterFor('111122223333', 'us-east-1', 'cloudtrail:LookupEvents')!;
    const arrivals: number[] = [];
    for (let i = 0; i < 10; i++) {
      await limiter.acquire();
      arrivals.push(clock.now() - start.getTime());
    }
    // Two at once from the full bucket, then one per 500 ms of the account's clock: call i comes no earlier than
    // (i + 1 - burst) / rate seconds after the first.
    for (let i = 0; i < 10; i++) expect(arrivals[i]).toBeGreaterThanOrEqual(Math.max(0, (i - 1) * 500));
    expect(arrivals[9]).toBeGreaterThanOrEqual(4000);
  });
});
