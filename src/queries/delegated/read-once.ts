import { recordCalls, withCallLog } from '../../aws/clients.js';
import type { ReadOnce } from './types.js';

// Apart from types.ts, which the CLI loads at start-up: this module needs the SDK call log.

/**
 * A fresh `once`: each key is read the first time it is asked for, and that answer (or failure) is every later one's.
 * The read's requests are added to the call log of every fetch that takes its answer, so each region's records cite
 * the requests their parts were taken from, whichever region made them.
 */
export function readOnce(): ReadOnce {
  const answers = new Map<string, ReturnType<typeof withCallLog<unknown>>>();
  return async <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = withCallLog<unknown>(read)));
    const outcome = await answer;
    recordCalls(outcome.calls);
    if ('error' in outcome) throw outcome.error;
    return outcome.result as T;
  };
}
