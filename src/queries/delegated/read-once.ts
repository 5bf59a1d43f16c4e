import { recordCalls, withCallLog } from '../../aws/clients.js';
import { isRetryableByTrait, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { ReadOnce } from './types.js';

// Apart from types.ts, which the CLI loads at start-up: this module needs the SDK call log.

/** Reads of one key at most, the first included, when each earlier one failed for a passing reason. */
export const READ_ONCE_ATTEMPTS = 3;

/**
 * Whether a shared read's failure may pass, by the SDK's own classification (the one its retry strategy uses):
 * throttling, a transient network error, a server error, or one the service marks retryable. A denial, a missing
 * resource or a stopped run is an answer: asking again would only repeat it.
 */
export function isPassingFailure(err: unknown): boolean {
  if (!err || typeof err !== 'object' || (err as { name?: string }).name === 'AbortError') return false;
  const e = err as Parameters<typeof isTransientError>[0];
  return isRetryableByTrait(e) || isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/**
 * A fresh `once`: each key is read the first time it is asked for, and that answer is every later one's. The read's
 * requests are added to the call log of every fetch that takes its answer, so each region's records cite the requests
 * their parts were taken from, whichever region made them. A failure that may pass (throttling beyond the SDK's
 * retries, a server or network error) is the answer of the fetches already waiting for it, but the next fetch to ask
 * reads again, up to READ_ONCE_ATTEMPTS reads in all: one region's bad minute does not become every region's gap.
 */
export function readOnce(): ReadOnce {
  const answers = new Map<string, ReturnType<typeof withCallLog<unknown>>>();
  const attempts = new Map<string, number>();
  return async <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let answer = answers.get(key);
    if (!answer) {
      answers.set(key, (answer = withCallLog<unknown>(read)));
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
    }
    const outcome = await answer;
    recordCalls(outcome.calls);
    if ('error' in outcome) {
      if (answers.get(key) === answer && (attempts.get(key) ?? 0) < READ_ONCE_ATTEMPTS && isPassingFailure(outcome.error)) answers.delete(key);
      throw outcome.error;
    }
    return outcome.result as T;
  };
}
