import { stripMetadata, type CapturedError } from './types.js';

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
