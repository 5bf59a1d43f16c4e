import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../node-flags.js';

/**
 * Hashing code shared by the calling thread and the worker threads. It is kept as source text because a worker must
 * be started from a file or from code: evaluated code works the same from the compiled package and from sources.
 * Each file is opened once and read to its end into a reused buffer (open, read, close; no stat): at 100,000 small
 * files the system calls cost more than the hashing itself, and the size is the number of bytes read.
 * Results travel back compactly: one string of concatenated hex digests and a Float64Array of sizes (-1 when the
 * file could not be read), so the calling thread does not deserialise 100,000 small objects.
 */
const HASH_SOURCE = String.raw`
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
let scratch = Buffer.allocUnsafe(1 << 20);
const NO_HASH = '-'.repeat(64);
function hashFile(path) {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const n = readSync(fd, scratch, 0, scratch.length, null);
      if (n === 0) break;
      hash.update(n === scratch.length ? scratch : scratch.subarray(0, n));
      total += n;
    }
    return [hash.digest('hex'), total];
  } finally {
    closeSync(fd);
  }
}
function hashAll(root, paths) {
  const hex = new Array(paths.length);
  const sizes = new Float64Array(paths.length);
  const errors = [];
  for (let i = 0; i < paths.length; i++) {
    try {
      const r = hashFile(root + paths[i]);
      hex[i] = r[0];
      sizes[i] = r[1];
    } catch (err) {
      hex[i] = NO_HASH;
      sizes[i] = -1;
      errors.push([i, String((err && err.message) || err)]);
    }
  }
  return { hex: hex.join(''), sizes, errors };
}
`;

interface Part {
  hex: string;
  sizes: Float64Array;
  errors: [number, string][];
}

// The same source on this thread, for small packages; `require` comes from node:module in an ES module.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- HASH_SOURCE is our own constant, shared with the worker threads
const local = new Function('require', `${HASH_SOURCE}; return hashAll;`)(createRequire(import.meta.url)) as (root: string, paths: string[]) => Part;

/** Below this many files the threads cost more than they save. */
const PARALLEL_MIN_FILES = 2000;

export interface HashedFiles {
  /** SHA-256 (lowercase hex) of file i, or null when it could not be read. */
  sha256(i: number): string | null;
  /** Bytes read from file i (-1 when it could not be read). */
  size(i: number): number;
  /** Why file i could not be read. */
  errors: Map<number, string>;
}

/**
 * SHA-256 and size of each file (`dir` joined with each relative path, '/'-separated), in the given order, hashed on
 * up to `availableParallelism()` threads (at most 4).
 */
export async function hashFiles(dir: string, relPaths: string[]): Promise<HashedFiles> {
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  const threads = Math.min(4, availableParallelism(), Math.floor(relPaths.length / (PARALLEL_MIN_FILES / 2)));
  let parts: Part[];
  const per = threads < 2 ? relPaths.length : Math.ceil(relPaths.length / threads);
  if (threads < 2) parts = [local(root, relPaths)];
  else {
    parts = await Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const slice = relPaths.slice(t * per, (t + 1) * per);
        return new Promise<Part>((resolve, reject) => {
          const w = new Worker(`${HASH_SOURCE}\nconst { parentPort, workerData } = require('node:worker_threads');\nconst r = hashAll(workerData.root, workerData.paths);\nparentPort.postMessage(r, [r.sizes.buffer]);`, {
            eval: true,
            workerData: { root, paths: slice },
            // The evaluated source is CommonJS, whatever --input-type the parent was started with; V8 heap sizes (the
            // image's --max-semi-space-size) are refused by workers.
            execArgv: workerExecArgv([/^--input-type/]),
          });
          w.once('message', (m: Part) => resolve(m));
          w.once('error', reject);
          w.once('exit', (code) => (code !== 0 ? reject(new Error(`hashing thread exited with code ${code}`)) : undefined));
        });
      }),
    );
  }
  const errors = new Map<number, string>();
  parts.forEach((p, t) => p.errors.forEach(([i, message]) => errors.set(t * per + i, message)));
  return {
    sha256: (i) => {
      if (errors.has(i)) return null;
      const p = parts[Math.floor(i / per)];
      const j = (i % per) * 64;
      return p.hex.slice(j, j + 64);
    },
    size: (i) => parts[Math.floor(i / per)].sizes[i % per],
    errors,
  };
}
