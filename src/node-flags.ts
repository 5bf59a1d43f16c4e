/**
 * V8 settings the collector runs with: the Dockerfile's ENTRYPOINT passes COLLECTOR_NODE_FLAGS to `node`, and
 * collection worker processes are started with the same semi-spaces (src/collect/workers.ts).
 *
 * Node 24 lets each isolate's young generation grow to 64 MB semi-spaces (128 MB of new space) under an allocation
 * rate like a collection's: 128 MB in each of the collector's processes.
 * 16 MB semi-spaces, Node 20's ceiling, measured no more collector CPU at 100 accounts (README, "Memory").
 */
export const SEMI_SPACE_MB = 16;

/** Node options of the collector's process (Dockerfile ENTRYPOINT; `NODE_OPTIONS` when run from npm). */
export const COLLECTOR_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/** V8 heap sizes, which `new Worker({ execArgv })` refuses (a worker takes its own through `resourceLimits`). */
const HEAP_SIZE_FLAG = /^--max-(semi-space|old-space|young-generation)-size(=|$)/;

/**
 * The process's Node options as a worker thread can take them: without V8 heap sizes (COLLECTOR_NODE_FLAGS has one,
 * so the image's process could start no worker that names its options) and without those `drop` matches.
 */
export function workerExecArgv(drop: readonly RegExp[] = []): string[] {
  const kept: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (HEAP_SIZE_FLAG.test(args[i])) {
      if (!args[i].includes('=')) i++; // `--max-semi-space-size 16`: its value goes too
      continue;
    }
    if (!drop.some((d) => d.test(args[i]))) kept.push(args[i]);
  }
  return kept;
}
