import type { Logger } from '../log/logger.js';
import { isThrottling } from './failure.js';

export interface ResumableOptions<P> {
  /** The listing, as its IAM action: `organizations:ListAccounts`. */
  action: string;
  /** The token a page gives for the next one (undefined on the last page). */
  nextToken: (page: P) => string | undefined;
  log: Logger;
  /** How long throttling may hold the listing up in all, after the SDK's own retries of each call; default 10 minutes. */
  patienceMs?: number;
  /**
   * The pauses already taken, shared by several listings that make up one read (an OU tree: one listing per OU), so
   * that their patience is one allowance, not one each; default: this listing's own.
   */
  waited?: { ms: number };
  /** For tests: how a pause is waited. */
  sleep?: (ms: number) => Promise<void>;
}

const FIRST_PAUSE_MS = 2_000;
const LONGEST_PAUSE_MS = 30_000;

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
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const patience = opts.patienceMs ?? 10 * 60_000;
  let token: string | undefined;
  let read = 0;
  const waited = opts.waited ?? { ms: 0 };
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      for await (const page of pages(token)) {
        read++;
        pause = FIRST_PAUSE_MS;
        token = opts.nextToken(page);
        yield page;
      }
      return;
    } catch (err) {
      if (!isThrottling(err) || waited.ms >= patience) throw err;
      // Jittered, so processes throttled together do not come back together.
      const ms = Math.min(Math.round(pause * (0.5 + Math.random() / 2)), patience - waited.ms);
      opts.log.warn(
        { action: opts.action, pagesRead: read, waitMs: ms, waitedMs: waited.ms },
        `${opts.action} is still throttled after the SDK's retries (other collector processes share the quota); reading on from page ${read + 1} in ${Math.ceil(ms / 1000)} s`,
      );
      await sleep(ms);
      waited.ms += ms;
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}
