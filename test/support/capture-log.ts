import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/logger.js';

/** A logger whose JSON lines are kept, parsed, for a test to read. */
export function capturedLogger(level = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level, destination }), lines };
}
