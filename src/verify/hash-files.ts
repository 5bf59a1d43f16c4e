import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Hashing code shared by the calling thread and the worker threads. It is kept as source text because a worker must
 * be started from a file or from code: evaluated code works the same from the compiled package and from sources.
 * Each file is opened once (open, fstat, read into a reused buffer, close): at 100,000 small files the system calls
 * cost more than the hashing itself.
 */
const HASH_SOURCE = String.raw`
const { openSync, fstatSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
let scratch = Buffer.allocUnsafe(1 << 20);
function hashFile(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const n = readSync(fd, scratch, 0, scratch.length, null);
      if (n === 0) break;
      hash.update(n === scratch.length ? scratch : scratch.subarray(0, n));
      total += n;
    }
    return [hash.digest('hex'), total === size ? size : total];
  } finally {
    closeSync(fd);
  }
}
function hashAll(paths) {
  const out = new Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    try { out[i] = hashFile(paths[i]); } catch (err) { out[i] = [null, -1, String(err && err.message || err)]; }
  }
  return out;
}
`;

type Result = [sha256: string | null, size: number, error?: string];

// The same source on this thread, for small packages; `require` comes from node:module in an ES module.
const local = new Function('require', `${HASH_SOURCE}; return hashAll;`)(createRequire(import.meta.url)) as (paths: string[]) => Result[];

/** Below this many files the threads cost more than they save. */
const PARALLEL_MIN_FILES = 2000;

/**
 * SHA-256 and size of each file (absolute paths), in the given order, hashed on up to `availableParallelism()`
 * threads (at most 4). A file that cannot be read gives `sha256: null` and the error.
 */
export async function hashFiles(paths: string[]): Promise<{ sha256: string | null; size: number; error?: string }[]> {
  const threads = Math.min(4, availableParallelism(), Math.floor(paths.length / (PARALLEL_MIN_FILES / 2)));
  let results: Result[];
  if (threads < 2) results = local(paths);
  else {
    const per = Math.ceil(paths.length / threads);
    const parts = await Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const slice = paths.slice(t * per, (t + 1) * per);
        return new Promise<Result[]>((resolve, reject) => {
          const w = new Worker(`${HASH_SOURCE}\nconst { parentPort, workerData } = require('node:worker_threads');\nparentPort.postMessage(hashAll(workerData));`, {
            eval: true,
            workerData: slice,
            // The evaluated source is CommonJS, whatever --input-type the parent was started with.
            execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
          });
          w.once('message', (m: Result[]) => resolve(m));
          w.once('error', reject);
          w.once('exit', (code) => (code !== 0 ? reject(new Error(`hashing thread exited with code ${code}`)) : undefined));
        });
      }),
    );
    results = parts.flat();
  }
  return results.map(([sha256, size, error]) => (error ? { sha256, size, error } : { sha256, size }));
}
