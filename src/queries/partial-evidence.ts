import { stripMetadata, type CapturedError, type EvaluationContext } from './types.js';

/**
 * Runs one call of a query that makes several and keeps any failure (AccessDenied, throttled past retries) as
 * evidence, so the other calls' results survive and only this part is judged `error`. An aborted run still aborts.
 */
export async function captureFailure<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T | CapturedError> {
  try {
    return stripMetadata(await call());
  } catch (err) {
    if (signal?.aborted) throw err;
    const e = err as { name?: string; Code?: string; message?: string };
    if (e.name === 'AbortError') throw err;
    const code = e.Code ?? e.name ?? 'Unknown';
    return { error: { code, message: e.message ?? code } };
  }
}

/** Where a read was made, for reasons: an assessor of many accounts must know which account and region to look at. */
export type ReadPlace = Pick<EvaluationContext, 'accountId' | 'region'>;

/** "for account 111122223333 in eu-west-1", beside the API a reason names. */
export const forAccount = (at: ReadPlace): string => `for account ${at.accountId} in ${at.region}`;
