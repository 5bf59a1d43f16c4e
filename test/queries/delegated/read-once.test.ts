import { describe, expect, it } from 'vitest';
import { isPassingFailure, readOnce, READ_ONCE_ATTEMPTS } from '../../../src/queries/delegated/read-once.js';

const sdkError = (name: string, httpStatusCode: number, more: Record<string, unknown> = {}) => Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode }, $fault: httpStatusCode >= 500 ? 'server' : 'client', ...more });
const throttled = () => sdkError('TooManyRequestsException', 400);
const denied = () => sdkError('AccessDeniedException', 403);

describe('readOnce (a read every region of a run shares)', () => {
  it('reads a key once and gives every asker that answer', async () => {
    const once = readOnce();
    let reads = 0;
    const read = async () => ++reads;
    expect(await Promise.all([once('k', read), once('k', read), once('k', read)])).toEqual([1, 1, 1]);
    expect(await once('k', read)).toBe(1);
    expect(reads).toBe(1);
  });

  it('after a failure that may pass (throttling beyond the SDK retries), the fetches waiting for it take it, and the next one reads again', async () => {
    const once = readOnce();
    let reads = 0;
    const read = async () => {
      reads++;
      if (reads === 1) throw throttled();
      return ['111122223333'];
    };
    const first = await Promise.allSettled([once('org', read), once('org', read)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(reads).toBe(1);
    expect(await once('org', read)).toEqual(['111122223333']);
    expect(await once('org', read)).toEqual(['111122223333']);
    expect(reads).toBe(2);
  });

  it('keeps a denial as the answer (asking again would only repeat it) and stops reading again after READ_ONCE_ATTEMPTS failures', async () => {
    const once = readOnce();
    let deniedReads = 0;
    const deny = async () => {
      deniedReads++;
      throw denied();
    };
    await expect(once('denied', deny)).rejects.toThrow('AccessDeniedException');
    await expect(once('denied', deny)).rejects.toThrow('AccessDeniedException');
    expect(deniedReads).toBe(1);

    let downReads = 0;
    const down = async () => {
      downReads++;
      throw sdkError('InternalFailure', 503);
    };
    for (let i = 0; i < READ_ONCE_ATTEMPTS + 3; i++) await expect(once('down', down)).rejects.toThrow('InternalFailure');
    expect(downReads).toBe(READ_ONCE_ATTEMPTS);
  });

  it('classifies failures as the SDK retry strategy does', () => {
    expect(isPassingFailure(throttled())).toBe(true);
    expect(isPassingFailure(sdkError('ServiceUnavailable', 503))).toBe(true);
    expect(isPassingFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isPassingFailure(sdkError('Anything', 400, { $retryable: {} }))).toBe(true);
    expect(isPassingFailure(denied())).toBe(false);
    expect(isPassingFailure(sdkError('AWSOrganizationsNotInUseException', 400))).toBe(false);
    expect(isPassingFailure(Object.assign(new Error('stopped'), { name: 'AbortError' }))).toBe(false);
    expect(isPassingFailure(undefined)).toBe(false);
  });
});
