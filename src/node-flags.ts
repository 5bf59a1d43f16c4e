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
export function workerExecArgv(drop: readonly RegExp[] = [], args: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (HEAP_SIZE_FLAG.test(args[i])) {
      if (!args[i].includes('=')) i++; // `--max-semi-space-size 16`: its value goes too
      continue;
    }
    if (!drop.some((d) => d.test(args[i]))) kept.push(args[i]);
  }
  return kept;
}

/**
 * Options of the collector's that a collection worker takes too: how its SDK clients reach AWS (CA bundles, TLS,
 * OpenSSL and FIPS, proxies, DNS and address family), how it reports (warnings, source maps, unhandled rejections),
 * and the hardening it runs under (the permission model and its grants, frozen intrinsics, no `__proto__`, no code
 * from strings), so a worker is never less restricted than its collector.
 * CPU profiling (`--cpu-prof`, `--cpu-prof-dir`, `--cpu-prof-interval`) goes to the workers too, where most of a
 * collection's CPU is spent: each writes its own profile (by its own process id) beside the collector's.
 * Only these: others would break a forked worker (`-e`/`-p` would run the collector's code in it, `--inspect` would
 * take the collector's debug port, `--input-type` is refused beside a script, a test runner's loaders change what
 * loads).
 */
const WORKER_INHERITS = /^--(use-openssl-ca|use-bundled-ca|use-system-ca|openssl-config|openssl-legacy-provider|openssl-shared-config|tls-[a-z0-9.-]+|enable-fips|force-fips|secure-heap(-min)?|use-env-proxy|dns-result-order|network-family-autoselection(-attempt-timeout)?|no-network-family-autoselection|max-http-header-size|enable-source-maps|unhandled-rejections|trace-warnings|no-warnings|no-deprecation|disable-warning|redirect-warnings|disable-proto|frozen-intrinsics|disallow-code-generation-from-strings|permission|experimental-permission|allow-[a-z-]+|cpu-prof|cpu-prof-dir|cpu-prof-interval)(=|$)/;

/**
 * The Node options of a collection worker process: those of the collector's own command line it must share (a CA
 * bundle or proxy flag reaches the workers' SDK clients too; NODE_OPTIONS reaches them through the environment), and
 * the workers' own heap sizes.
 */
export function collectionWorkerExecArgv(oldGenerationMb: number, args: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!WORKER_INHERITS.test(args[i])) continue;
    kept.push(args[i]);
    // `--dns-result-order ipv4first`: a value given as the next argument goes with its option.
    if (!args[i].includes('=') && i + 1 < args.length && !args[i + 1].startsWith('-')) kept.push(args[++i]);
  }
  return [...kept, `--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${oldGenerationMb}`];
}
