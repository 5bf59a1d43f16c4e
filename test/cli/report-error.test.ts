import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/main.js';
import { ExitCode } from '../../src/errors.js';

function stderrOf(fn: () => number): { code: number; text: string } {
  const out: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (out.push(chunk), true)) as typeof process.stderr.write;
  try {
    return { code: fn(), text: out.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('reportError', () => {
  it('a file-system error (ENOSPC while writing an output) is one line naming the path, exit 1, no stack trace', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/data/packages/p.zip.partial-1' });
    const { code, text } = stderrOf(() => reportError(err));
    expect(code).toBe(ExitCode.failure);
    expect(text.split('\n').filter(Boolean)).toEqual([
      'evidence-locker: error: /data/packages/p.zip.partial-1: no space left on the device (ENOSPC)',
      '  what to do: free space or give a path this user can write to, then run the command again',
    ]);
  });

  it('an unexpected error still shows its stack, for a bug report', () => {
    const { code, text } = stderrOf(() => reportError(new TypeError('x is undefined')));
    expect(code).toBe(ExitCode.failure);
    expect(text).toMatch(/unexpected error: TypeError: x is undefined\n\s+at /);
  });
});
