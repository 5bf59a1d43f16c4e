import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { isThrottling } from './failure.js';

/** How a read waits out throttling that outlasts the SDK's own retries. */
export interface PatienceOptions {
  /** The call or listing, as its IAM action: `organizations:ListAccounts`. */
  action: string;
  log: Logger;
  /** How long throttling may hold the read up in all, after the SDK's own retries of each call; default 10 minutes. */
  patienceMs?: number;
  /**
   * The pauses already taken, shared by several calls and listings that make up one read (an OU tree: one listing per
   * OU), so that their patience is one allowance, not one each; default: this call's or listing's own.
   */
  waited?: { ms: number };
  /** For tests: how a pause is waited. */
  sleep?: (ms: number) => Promise<void>;
  /** The run's: once it aborts, a pause ends at once and no further page or call is asked for (its reason is thrown). */
  signal?: AbortSignal;
}

export interface ResumableOptions<P> extends PatienceOptions {
  /** The token a page gives for the next one (undefined on the last page). */
  nextToken: (page: P) => string | undefined;
}

const FIRST_PAUSE_MS = 2_000;
const LONGEST_PAUSE_MS = 30_000;

/**
 * The pauses of one patient read: growing from 2 s to 30 s, jittered, and counted against `waited`. `pauseOrThrow`
 * throws the error as it came unless it is throttling and patience is left; otherwise it logs and waits.
 */
function patience(opts: PatienceOptions) {
  const { signal } = opts;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms, undefined, signal ? { signal } : {}));
  const allowance = opts.patienceMs ?? 10 * 60_000;
  const waited = opts.waited ?? { ms: 0 };
  let pause = FIRST_PAUSE_MS;
  return {
    /** After an answer: the next throttling starts from the first pause again. */
    answered(): void {
      pause = FIRST_PAUSE_MS;
    },
    async pauseOrThrow(err: unknown, fields: Record<string, unknown>, then: (seconds: number) => string): Promise<void> {
      signal?.throwIfAborted();
      if (!isThrottling(err) || waited.ms >= allowance) throw err;
      // Jittered, so processes throttled together do not come back together.
      const ms = Math.min(Math.round(pause * (0.5 + Math.random() / 2)), allowance - waited.ms);
      opts.log.warn(
        { action: opts.action, ...fields, waitMs: ms, waitedMs: waited.ms },
        `${opts.action} is still throttled after the SDK's retries (other collector processes share the quota); ${then(Math.ceil(ms / 1000))}`,
      );
      // An abort during the pause ends it with the run's own reason, not the timer's AbortError.
      await sleep(ms).catch((e: unknown) => {
        signal?.throwIfAborted();
        throw e;
      });
      signal?.throwIfAborted();
      waited.ms += ms;
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    },
  };
}

/**
 * The pages of a listing that must be read whole before a run can start (the organisation's accounts), resumed from
 * the last page read when AWS still throttles a call after the SDK's own retries gave up. Several collector processes
 * started together (ECS tasks, each `--shard i/n`) all read the same listing against one management account's quota:
 * the SDK's attempts of one call are not enough for that, but the listing can wait. Any other error, or throttling
 * beyond `patienceMs`, is thrown as it came.
 *
 * `pages(token)` is the SDK's own paginator started at `token` (its `startingToken`).
 */
export async function* resumablePages<P>(pages: (startingToken: string | undefined) => AsyncIterable<P>, opts: ResumableOptions<P>): AsyncGenerator<P> {
  const patient = patience(opts);
  let token: string | undefined;
  let read = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      for await (const page of pages(token)) {
        read++;
        patient.answered();
        token = opts.nextToken(page);
        yield page;
        opts.signal?.throwIfAborted();
      }
      return;
    } catch (err) {
      await patient.pauseOrThrow(err, { pagesRead: read }, (s) => `reading on from page ${read + 1} in ${s} s`);
    }
  }
}

/**
 * One call that is not a listing (a check before a listing: ListParents), made as patient as `resumablePages`: the
 * same pauses, the same allowance (shared through `waited` with the listings of the same read), and any other error,
 * or throttling beyond `patienceMs`, thrown as it came.
 */
export async function patientCall<T>(call: () => Promise<T>, opts: PatienceOptions): Promise<T> {
  const patient = patience(opts);
  for (let calls = 1; ; calls++) {
    opts.signal?.throwIfAborted();
    try {
      return await call();
    } catch (err) {
      await patient.pauseOrThrow(err, { calls }, (s) => `calling it again in ${s} s`);
    }
  }
}
