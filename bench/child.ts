import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_NODE_FLAGS } from '../src/node-flags.js';

/**
 * Runs a bench entry (a file beside this one) in a child Node process, sends it one request over IPC and waits for
 * its one answer. The child runs with the collector's Node options, as the image runs it (src/node-flags.ts). The child's stderr is kept and shown only when it fails. BENCH_CHILD_EXEC_ARGV passes Node options
 * to the child, for profiling it: BENCH_CHILD_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only collection
 * (the collection worker processes inherit the --cpu-prof options and write their own profiles there too).
 */
/** Environment variable naming the Node binary of the measured child processes (`npm run bench -- --node <path>`). */
export const BENCH_CHILD_NODE = 'BENCH_CHILD_NODE';

/** The Node binary that runs measured child processes: the one given with --node, or this one. */
export function benchChildNode(): string {
  return process.env[BENCH_CHILD_NODE] || process.execPath;
}

export function forkBenchChild<Req, Ans extends { ok: boolean }>(entry: string, request: Req, env: Record<string, string> = {}): Promise<Ans> {
  const file = fileURLToPath(new URL(entry, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(file, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execPath: benchChildNode(), execArgv: [...COLLECTOR_NODE_FLAGS, ...(process.env.BENCH_CHILD_EXEC_ARGV ? process.env.BENCH_CHILD_EXEC_ARGV.split(' ') : [])] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-8000)));
    let answer: Ans | undefined;
    child.once('message', (m: Ans) => (answer = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer?.ok) return resolve(answer);
      const why = answer && 'error' in answer ? String((answer as { error: unknown }).error) : `exited (${signal ?? `code ${code}`}) without an answer`;
      reject(new Error(`${entry}: ${why}${stderr.trim() ? `\n${stderr.trim()}` : ''}`));
    });
    child.send(request as object);
  });
}
