import { describe, expect, it } from 'vitest';
import { patientCall, resumablePages } from '../../src/aws/resumable-pages.js';
import { capturedLogger } from '../support/capture-log.js';

interface Page {
  items: number[];
  next?: string;
}

/** Four pages behind tokens; `throttle(token)` says whether a request for that page is throttled this time. */
function listing(throttle: (token: string | undefined) => boolean, fail?: (token: string | undefined) => Error | undefined) {
  const requests: (string | undefined)[] = [];
  const pages = async function* (startingToken: string | undefined): AsyncGenerator<Page> {
    let token = startingToken;
    for (;;) {
      requests.push(token);
      const e = fail?.(token);
      if (e) throw e;
      if (throttle(token)) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });
      const n = token ? Number(token) : 0;
      const page: Page = { items: [n * 10, n * 10 + 1], ...(n < 3 ? { next: String(n + 1) } : {}) };
      yield page;
      if (!page.next) return;
      token = page.next;
    }
  };
  return { pages, requests };
}

async function all(gen: AsyncGenerator<Page>): Promise<number[]> {
  const out: number[] = [];
  for await (const p of gen) out.push(...p.items);
  return out;
}

describe('resumablePages (a listing that must be read whole, under a shared quota)', () => {
  it('resumes from the page after the last one read, never re-reading a page, with growing, jittered pauses', async () => {
    const throttledTimes = new Map<string | undefined, number>([['2', 3]]);
    const { pages, requests } = listing((t) => {
      const left = throttledTimes.get(t) ?? 0;
      throttledTimes.set(t, left - 1);
      return left > 0;
    });
    const pauses: number[] = [];
    const { log, lines } = capturedLogger('debug');
    const items = await all(resumablePages(pages, { action: 'organizations:ListAccounts', nextToken: (p) => p.next, log, sleep: async (ms) => void pauses.push(ms) }));
    expect(items).toEqual([0, 1, 10, 11, 20, 21, 30, 31]);
    expect(requests).toEqual([undefined, '1', '2', '2', '2', '2', '3']);
    expect(pauses).toHaveLength(3);
    // 2 s, 4 s, 8 s, each jittered down to no less than half.
    expect(pauses[0]).toBeGreaterThanOrEqual(1_000);
    expect(pauses[0]).toBeLessThanOrEqual(2_000);
    expect(pauses[2]).toBeGreaterThanOrEqual(4_000);
    expect(pauses[2]).toBeLessThanOrEqual(8_000);
    expect(lines.map((l) => [l.level, l.pagesRead])).toEqual([
      ["warn", 2],
      ["warn", 2],
      ["warn", 2],
    ]);
  });

  it('throws any other error at once, and throttling that outlasts its patience', async () => {
    const { log } = capturedLogger('debug');
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const once = listing(() => false, (t) => (t === '1' ? denied : undefined));
    const pauses: number[] = [];
    await expect(all(resumablePages(once.pages, { action: 'x:List', nextToken: (p) => p.next, log, sleep: async (ms) => void pauses.push(ms) }))).rejects.toBe(denied);
    expect(pauses).toEqual([]);

    const forever = listing((t) => t === '1');
    const waited: number[] = [];
    await expect(all(resumablePages(forever.pages, { action: 'x:List', nextToken: (p) => p.next, log, patienceMs: 60_000, sleep: async (ms) => void waited.push(ms) }))).rejects.toThrow(/Rate exceeded/);
    expect(waited.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(forever.requests.filter((t) => t === undefined)).toHaveLength(1);
  });

  it('listings that make up one read share one allowance of patience when given the same `waited`', async () => {
    const { log } = capturedLogger('debug');
    const shared = { ms: 0 };
    const sleep = async () => undefined;
    // The first listing is throttled twice on its second page, then answers; its pauses count against the allowance.
    let left = 2;
    const first = listing((t) => t === '1' && left-- > 0);
    expect(await all(resumablePages(first.pages, { action: 'x:List', nextToken: (p) => p.next, log, patienceMs: 10_000, waited: shared, sleep }))).toHaveLength(8);
    const spent = shared.ms;
    expect(spent).toBeGreaterThanOrEqual(1_000 + 2_000);
    // The second is throttled for good: it waits only what is left of the allowance, not 10 s of its own.
    const second = listing((t) => t === '2');
    await expect(all(resumablePages(second.pages, { action: 'x:List', nextToken: (p) => p.next, log, patienceMs: 10_000, waited: shared, sleep }))).rejects.toThrow(/Rate exceeded/);
    expect(shared.ms).toBe(10_000);
  });
});

describe('a stopped run (the daemon shutting down) ends a patient listing at once', () => {
  it('an abort during a pause ends it with the run\'s own reason (real timers: a 2 s pause ends in milliseconds), and an abort between pages asks for no further page', async () => {
    const stopping = new Error('the daemon is stopping (SIGTERM)');
    const { log, lines } = capturedLogger('debug');

    // Page 2 is throttled every time: the listing pauses (no test sleep: the real timer), and the run stops as soon as
    // the pause is announced.
    const paused = listing((t) => t === '2');
    const stop = new AbortController();
    let stoppedAt = 0;
    const watch = setInterval(() => {
      if (!stoppedAt && lines.length) {
        stoppedAt = Date.now();
        stop.abort(stopping);
      }
    }, 5);
    const err = await all(resumablePages(paused.pages, { action: 'organizations:ListAccounts', nextToken: (p) => p.next, log, signal: stop.signal })).catch((e: unknown) => e);
    clearInterval(watch);
    expect(err).toBe(stopping);
    // The pause (at least 1 s: 2 s jittered down to no less than half) did not run its course.
    expect(Date.now() - stoppedAt).toBeLessThan(lines[0].waitMs as number);
    expect(paused.requests).toEqual([undefined, '1', '2']);
    // Already stopped: not even the first page is asked for.
    const none = listing(() => false);
    expect(await all(resumablePages(none.pages, { action: 'organizations:ListAccounts', nextToken: (p) => p.next, log, signal: stop.signal })).catch((e: unknown) => e)).toBe(stopping);
    expect(none.requests).toEqual([]);

    // Between pages: the run stops while page 1 is being handled; page 2 is never asked for.
    const between = listing(() => false);
    const halt = new AbortController();
    const seen: number[] = [];
    const stopped = await (async () => {
      for await (const p of resumablePages(between.pages, { action: 'organizations:ListAccounts', nextToken: (q) => q.next, log, signal: halt.signal })) {
        seen.push(...p.items);
        if (p.next === '2') halt.abort(stopping);
      }
    })().catch((e: unknown) => e);
    expect(stopped).toBe(stopping);
    expect(seen).toEqual([0, 1, 10, 11]);
    expect(between.requests).toEqual([undefined, '1']);

    // A patient call: already stopped, it is not made at all.
    let calls = 0;
    const gone = new AbortController();
    gone.abort(stopping);
    expect(await patientCall(async () => ++calls, { action: 'organizations:ListParents', log, signal: gone.signal }).catch((e: unknown) => e)).toBe(stopping);
    expect(calls).toBe(0);
  });
});

describe('patientCall (one call that is not a listing, as patient as one)', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $retryable: { throttling: true } });

  it('calls again after growing, jittered pauses while throttled, and gives the answer that finally came', async () => {
    let calls = 0;
    const pauses: number[] = [];
    const { log, lines } = capturedLogger('debug');
    const answer = await patientCall(
      async () => {
        if (++calls <= 3) throw throttled();
        return { parents: ['r-root'] };
      },
      { action: 'organizations:ListParents', log, sleep: async (ms) => void pauses.push(ms) },
    );
    expect(answer).toEqual({ parents: ['r-root'] });
    expect(calls).toBe(4);
    expect(pauses).toHaveLength(3);
    // 2 s, 4 s, 8 s, each jittered down to no less than half, as a listing's pauses.
    expect(pauses[0]).toBeGreaterThanOrEqual(1_000);
    expect(pauses[0]).toBeLessThanOrEqual(2_000);
    expect(pauses[2]).toBeGreaterThanOrEqual(4_000);
    expect(pauses[2]).toBeLessThanOrEqual(8_000);
    expect(lines.map((l) => [l.level, l.action, l.calls])).toEqual([
      ['warn', 'organizations:ListParents', 1],
      ['warn', 'organizations:ListParents', 2],
      ['warn', 'organizations:ListParents', 3],
    ]);
    expect(String(lines[0].msg)).toMatch(/^organizations:ListParents is still throttled after the SDK's retries \(other collector processes share the quota\); calling it again in \d+ s$/);
  });

  it('throws throttling that outlasts its patience, and any other error at once, as they came', async () => {
    const { log } = capturedLogger('debug');
    const last = throttled();
    let calls = 0;
    const waited: number[] = [];
    await expect(patientCall(async () => { calls++; throw last; }, { action: 'x:Get', log, patienceMs: 60_000, sleep: async (ms) => void waited.push(ms) })).rejects.toBe(last);
    expect(waited.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(calls).toBe(waited.length + 1);

    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const pauses: number[] = [];
    calls = 0;
    await expect(patientCall(async () => { calls++; throw denied; }, { action: 'x:Get', log, sleep: async (ms) => void pauses.push(ms) })).rejects.toBe(denied);
    expect([calls, pauses]).toEqual([1, []]);
  });

  it('shares one allowance of patience with the listings of the same read (`waited`)', async () => {
    const { log } = capturedLogger('debug');
    const shared = { ms: 0 };
    const sleep = async () => undefined;
    // A call throttled twice, then answering: its pauses count against the allowance.
    let left = 2;
    expect(await patientCall(async () => (left-- > 0 ? Promise.reject(throttled()) : 'ok'), { action: 'x:Get', log, patienceMs: 10_000, waited: shared, sleep })).toBe('ok');
    expect(shared.ms).toBeGreaterThanOrEqual(1_000 + 2_000);
    // A listing of the same read then waits only what is left, not 10 s of its own.
    const forever = listing((t) => t === '1');
    await expect(all(resumablePages(forever.pages, { action: 'x:List', nextToken: (p) => p.next, log, patienceMs: 10_000, waited: shared, sleep }))).rejects.toThrow(/Rate exceeded/);
    expect(shared.ms).toBe(10_000);
    // With the allowance spent, a throttled call is not paused at all.
    const pauses: number[] = [];
    const spent = throttled();
    await expect(patientCall(async () => { throw spent; }, { action: 'x:Get', log, patienceMs: 10_000, waited: shared, sleep: async (ms) => void pauses.push(ms) })).rejects.toBe(spent);
    expect(pauses).toEqual([]);
  });
});
