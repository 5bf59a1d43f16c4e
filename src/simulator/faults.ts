/**
 * Fault injection, rate limits and call counters for the simulated AWS. Every random decision comes from
 * one seedable generator so a test or benchmark run can be replayed.
 */

import { REQUEST_QUOTAS } from '../aws/quotas.js';

/** Which calls a fault rule applies to; omitted fields match everything. */
export interface FaultScope {
  /** IAM prefix of the service, e.g. `guardduty`. */
  service?: string;
  /** Operation name (`LookupEvents`) or full action (`cloudtrail:LookupEvents`). */
  operation?: string;
  accountId?: string;
  region?: string;
}

export interface FaultEffects {
  /** Added latency per call: fixed ms, or a uniform random range [min, max]. */
  latencyMs?: number | [number, number];
  /** Probability (0..1) of a protocol-correct throttling error. */
  throttleRate?: number;
  /** Probability of a 5xx (half InternalError-style 500, half ServiceUnavailable-style 503). */
  serverErrorRate?: number;
  /** Probability that the call times out: never answered, or answered after `slowResponseMs`. */
  timeoutRate?: number;
  slowResponseMs?: number;
  /** Probability that the TCP connection is reset without an answer. */
  resetRate?: number;
  /** Every matching call is denied with the service's AccessDenied error. */
  accessDenied?: boolean;
}

export interface FaultRule extends FaultScope, FaultEffects {}

export interface RateLimit {
  ratePerSecond: number;
  /** Bucket size; defaults to max(1, ratePerSecond). */
  burst?: number;
}

export interface SimFaults extends FaultEffects {
  /** Seed of the random generator (default 1). */
  seed?: number;
  /**
   * Scoped faults, applied in addition to the top-level effects and drawn before them: a rule that always times out
   * one operation does so on every attempt, whatever the top-level rates draw.
   */
  rules?: FaultRule[];
  /**
   * Per-account, per-region token buckets keyed by action (`cloudtrail:LookupEvents`); a call beyond the
   * bucket gets the service's throttling error. Defaults to the published limits; `{}` disables them.
   */
  rateLimits?: Record<string, number | RateLimit>;
  /** Assumed-role credentials stop working this long after they were issued (ExpiredToken), whatever their Expiration says. */
  credentialTtlMs?: number;
}

/** AWS's request quotas (documented, or estimated where unpublished: see src/aws/quotas.ts) the simulator enforces unless told otherwise. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, RateLimit>> = Object.fromEntries(
  Object.entries(REQUEST_QUOTAS).map(([action, q]) => [action, { ratePerSecond: q.ratePerSecond, burst: q.burst }]),
);

/** mulberry32: small, fast, good enough for fault decisions. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

export interface CallCounters {
  calls: number;
  ok: number;
  /** Client errors answered by handlers or auth (4xx other than throttling). */
  errors: number;
  /** Throttling errors, injected or from rate limits. */
  throttled: number;
  /** Of `throttled`, those from a rate limit bucket. */
  rateLimited: number;
  serverErrors: number;
  timeouts: number;
  resets: number;
}

export interface SimStats {
  total: CallCounters;
  /** Keyed by action, e.g. `cloudtrail:LookupEvents`. */
  byOperation: Record<string, CallCounters>;
  byAccount: Record<string, CallCounters>;
}

export type CallOutcome = 'ok' | 'error' | 'throttled' | 'rateLimited' | 'serverError' | 'timeout' | 'reset';

function emptyCounters(): CallCounters {
  return { calls: 0, ok: 0, errors: 0, throttled: 0, rateLimited: 0, serverErrors: 0, timeouts: 0, resets: 0 };
}

export class StatsRecorder {
  private total = emptyCounters();
  private byOperation = new Map<string, CallCounters>();
  private byAccount = new Map<string, CallCounters>();

  record(action: string, accountId: string | undefined, outcome: CallOutcome): void {
    const targets = [this.total, this.bucket(this.byOperation, action)];
    if (accountId) targets.push(this.bucket(this.byAccount, accountId));
    for (const c of targets) {
      c.calls++;
      if (outcome === 'ok') c.ok++;
      else if (outcome === 'error') c.errors++;
      else if (outcome === 'throttled') c.throttled++;
      else if (outcome === 'rateLimited') {
        c.throttled++;
        c.rateLimited++;
      } else if (outcome === 'serverError') c.serverErrors++;
      else if (outcome === 'timeout') c.timeouts++;
      else c.resets++;
    }
  }

  snapshot(): SimStats {
    const copy = (m: Map<string, CallCounters>) => Object.fromEntries([...m].map(([k, v]) => [k, { ...v }]));
    return { total: { ...this.total }, byOperation: copy(this.byOperation), byAccount: copy(this.byAccount) };
  }

  reset(): void {
    this.total = emptyCounters();
    this.byOperation.clear();
    this.byAccount.clear();
  }

  private bucket(m: Map<string, CallCounters>, key: string): CallCounters {
    let c = m.get(key);
    if (!c) {
      c = emptyCounters();
      m.set(key, c);
    }
    return c;
  }
}

/** What the fault engine decided for one call, before the handler runs. */
export interface FaultDecision {
  latencyMs: number;
  outcome?: 'throttle' | 'rateLimited' | 'serverError' | 'unavailable' | 'timeout' | 'reset' | 'accessDenied';
  /** For `timeout`: answer normally after this many ms instead of never. */
  slowResponseMs?: number;
}

export interface CallIdentity {
  service: string;
  operation: string;
  accountId: string;
  region: string;
}

function matches(scope: FaultScope, c: CallIdentity): boolean {
  if (scope.service !== undefined && scope.service !== c.service) return false;
  if (scope.operation !== undefined && scope.operation !== c.operation && scope.operation !== `${c.service}:${c.operation}`) return false;
  if (scope.accountId !== undefined && scope.accountId !== c.accountId) return false;
  if (scope.region !== undefined && scope.region !== c.region) return false;
  return true;
}

export class FaultEngine {
  private faults: SimFaults = {};
  private random: () => number = seededRandom(1);
  private buckets = new Map<string, TokenBucket>();

  constructor(faults: SimFaults = {}) {
    this.set(faults);
  }

  get current(): SimFaults {
    return this.faults;
  }

  /** Replaces the fault configuration (and reseeds when a seed is given); rate limit buckets restart full. */
  set(faults: SimFaults): void {
    this.faults = faults;
    if (faults.seed !== undefined) this.random = seededRandom(faults.seed ?? 1);
    this.buckets.clear();
  }

  /** A uniform random number from the engine's seeded generator (also used by handlers that need noise). */
  next(): number {
    return this.random();
  }

  decide(call: CallIdentity, nowMs: number): FaultDecision {
    const rules: FaultEffects[] = [...(this.faults.rules ?? []).filter((r) => matches(r, call)), this.faults];
    let latencyMs = 0;
    for (const r of rules) latencyMs += this.latency(r.latencyMs);
    for (const r of rules) if (r.accessDenied) return { latencyMs, outcome: 'accessDenied' };
    for (const r of rules) {
      if (r.resetRate && this.random() < r.resetRate) return { latencyMs, outcome: 'reset' };
      if (r.timeoutRate && this.random() < r.timeoutRate) return { latencyMs, outcome: 'timeout', slowResponseMs: r.slowResponseMs };
      if (r.serverErrorRate && this.random() < r.serverErrorRate) return { latencyMs, outcome: this.random() < 0.5 ? 'serverError' : 'unavailable' };
      if (r.throttleRate && this.random() < r.throttleRate) return { latencyMs, outcome: 'throttle' };
    }
    if (!this.takeToken(call, nowMs)) return { latencyMs, outcome: 'rateLimited' };
    return { latencyMs };
  }

  private latency(l: number | [number, number] | undefined): number {
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l[0] + this.random() * (l[1] - l[0]);
  }

  private takeToken(call: CallIdentity, nowMs: number): boolean {
    const action = `${call.service}:${call.operation}`;
    const limit = (this.faults.rateLimits ?? DEFAULT_RATE_LIMITS)[action];
    if (limit === undefined) return true;
    const { ratePerSecond, burst } = typeof limit === 'number' ? { ratePerSecond: limit, burst: undefined } : limit;
    const key = `${call.accountId}/${call.region}/${action}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(ratePerSecond, burst ?? Math.max(1, ratePerSecond), nowMs);
      this.buckets.set(key, b);
    }
    return b.take(nowMs);
  }
}
