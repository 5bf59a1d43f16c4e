import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../node-flags.js';
import { ORIGIN_FIELDS_SOURCE } from '../evidence/endpoint-origin.js';

/**
 * Hashing code shared by the calling thread and the worker threads. It is kept as source text because a worker must
 * be started from a file or from code: evaluated code works the same from the compiled package and from sources.
 * Each file is opened once and read to its end into a reused buffer (open, read, close; no stat): at 100,000 small
 * files the system calls cost more than the hashing itself, and the size is the number of bytes read.
 * A file whose path matches the `origins` pattern (an evidence body) is also parsed from the bytes hashed, and what
 * `bodyOrigin` needs of it (ORIGIN_FIELDS_SOURCE) is kept: verify reads each body once. A body is held whole only
 * while it is parsed (longer than the buffer, its chunks are copied), one body per thread at a time.
 * Results travel back compactly: one string of concatenated hex digests, a Float64Array of sizes (-1 when the file
 * could not be read), and for the bodies an Int32Array of positions in a table of their distinct origin fields as JSON
 * (-1: not a body or not read; -2: the bytes do not parse, the message in `bad`), so the calling thread does not
 * deserialise 100,000 small objects: a package's bodies share a handful of origins.
 */
const HASH_SOURCE = String.raw`
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
let scratch = Buffer.allocUnsafe(1 << 20);
const NO_HASH = '-'.repeat(64);
${ORIGIN_FIELDS_SOURCE}
function hashFile(path, keep) {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    let total = 0;
    let filled = 0;
    let kept = null;
    for (;;) {
      const n = readSync(fd, scratch, filled, scratch.length - filled, null);
      if (n === 0) break;
      filled += n;
      total += n;
      if (filled === scratch.length) {
        hash.update(scratch);
        if (keep) (kept || (kept = [])).push(Buffer.from(scratch));
        filled = 0;
      }
    }
    const rest = scratch.subarray(0, filled);
    hash.update(rest);
    return [hash.digest('hex'), total, keep ? (kept ? Buffer.concat([...kept, rest]) : rest) : null];
  } finally {
    closeSync(fd);
  }
}
function hashAll(root, paths, origins) {
  const hex = new Array(paths.length);
  const sizes = new Float64Array(paths.length);
  const errors = [];
  const originAt = new Int32Array(paths.length).fill(-1);
  const table = [];
  const tableAt = new Map();
  const bad = [];
  const bodyPath = origins === undefined ? null : new RegExp(origins);
  for (let i = 0; i < paths.length; i++) {
    let r;
    const keep = bodyPath !== null && bodyPath.test(paths[i]);
    try {
      r = hashFile(root + paths[i], keep);
      hex[i] = r[0];
      sizes[i] = r[1];
    } catch (err) {
      hex[i] = NO_HASH;
      sizes[i] = -1;
      errors.push([i, String((err && err.message) || err)]);
      continue;
    }
    if (!keep) continue;
    let key;
    try {
      key = JSON.stringify(originFields(JSON.parse(r[2].toString('utf8'))));
    } catch (err) {
      originAt[i] = -2;
      bad.push([i, String((err && err.message) || err).split('\n')[0].slice(0, 200)]);
      continue;
    }
    let k = tableAt.get(key);
    if (k === undefined) {
      k = table.length;
      table.push(key);
      tableAt.set(key, k);
    }
    originAt[i] = k;
  }
  return { hex: hex.join(''), sizes, errors, originAt, table, bad };
}
`;

interface Part {
  hex: string;
  sizes: Float64Array;
  errors: [number, string][];
  originAt: Int32Array;
  table: string[];
  bad: [number, string][];
}

// The same source on this thread, for small packages; `require` comes from node:module in an ES module.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- HASH_SOURCE is our own constant, shared with the worker threads
const local = new Function('require', `${HASH_SOURCE}; return hashAll;`)(createRequire(import.meta.url)) as (root: string, paths: string[], origins?: string) => Part;

/** Below this many files the threads cost more than they save. */
const PARALLEL_MIN_FILES = 2000;

export interface HashedFiles {
  /** SHA-256 (lowercase hex) of file i, or null when it could not be read. */
  sha256(i: number): string | null;
  /** Bytes read from file i (-1 when it could not be read). */
  size(i: number): number;
  /** Why file i could not be read. */
  errors: Map<number, string>;
  /**
   * For a file matched by `origins`: what `bodyOrigin` needs of it, parsed from the bytes hashed (`fields`, the same
   * object for every body with the same origin fields), or why those bytes do not read as JSON with such fields
   * (`error`, the first line of the message, e.g. JSON `null`). Undefined for any other file and one not read.
   */
  origin(i: number): { fields: unknown } | { error: string } | undefined;
}

/**
 * SHA-256 and size of each file (`dir` joined with each relative path, '/'-separated), in the given order, hashed on
 * up to `availableParallelism()` threads (at most 4). With `origins`, the files whose relative path it matches are
 * evidence bodies: their origin fields are parsed from the same bytes (`origin`).
 */
export async function hashFiles(dir: string, relPaths: string[], opts: { origins?: RegExp } = {}): Promise<HashedFiles> {
  const origins = opts.origins?.source;
  const root = dir.endsWith('/') ? dir : `${dir}/`;
  const threads = Math.min(4, availableParallelism(), Math.floor(relPaths.length / (PARALLEL_MIN_FILES / 2)));
  let parts: Part[];
  const per = threads < 2 ? relPaths.length : Math.ceil(relPaths.length / threads);
  if (threads < 2) parts = [local(root, relPaths, origins)];
  else {
    parts = await Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const slice = relPaths.slice(t * per, (t + 1) * per);
        return new Promise<Part>((resolve, reject) => {
          const w = new Worker(`${HASH_SOURCE}\nconst { parentPort, workerData } = require('node:worker_threads');\nconst r = hashAll(workerData.root, workerData.paths, workerData.origins);\nparentPort.postMessage(r, [r.sizes.buffer, r.originAt.buffer]);`, {
            eval: true,
            workerData: { root, paths: slice, origins },
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
  const bad = new Map<number, string>();
  parts.forEach((p, t) => p.bad.forEach(([i, message]) => bad.set(t * per + i, message)));
  // Each distinct origin parsed once, on first use: one object however many bodies, on whichever thread, share it.
  const parsed = parts.map((p) => new Array<{ fields: unknown } | undefined>(p.table.length));
  const byText = new Map<string, { fields: unknown }>();
  const originOf = (text: string) => {
    let o = byText.get(text);
    if (!o) byText.set(text, (o = { fields: JSON.parse(text) as unknown }));
    return o;
  };
  return {
    origin: (i) => {
      const t = Math.floor(i / per);
      const k = parts[t].originAt[i % per];
      if (k === -2) return { error: bad.get(i) ?? 'not read' };
      if (k < 0) return undefined;
      return (parsed[t][k] ??= originOf(parts[t].table[k]));
    },
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
