import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { commandContext, listOption, runSpanOption, sealDelayOption, type GlobalOptions } from '../shared.js';
import { openStore } from '../../store/open-store.js';
import { parsePeriod } from '../../evidence/period.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { terminalText } from '../../log/terminal.js';

interface VerifyOptions extends GlobalOptions {
  store?: boolean;
  run?: string;
  from?: string;
  to?: string;
  json?: boolean;
  expectKey?: string[];
  expectRunKey?: string[];
  expectPackageKey?: string[];
  recompute?: boolean;
  maxSealDelay?: number;
  maxRunSpan?: number;
}

/** A key fingerprint as given on the command line: 64 hex digits, any case, colons allowed (as some tools print them). */
function fingerprintOption(value: string, option = '--expect-key'): string {
  const fp = value.toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{64}$/.test(fp)) throw new ConfigError(`${option} ${value}: not a SHA-256 key fingerprint (64 hex digits)`, 'give the fingerprint the organisation confirmed; for a PEM public key: openssl pkey -pubin -in public-key.pem -outform DER | sha256sum');
  return fp;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Verify an auditor package offline (zip or unzipped folder), or sealed runs in the evidence store with --store')
    .argument('[package]', 'package zip or unzipped package folder')
    .option('--store', 'verify sealed runs in the configured evidence store instead of a package')
    .option('--run <id>', 'with --store: verify this run')
    .option('--from <date>', 'with --store: first day of runs to verify')
    .option('--to <date>', 'with --store: last day of runs to verify')
    .option('--json', 'print the result as JSON')
    .option('--max-seal-delay <duration>', 'with --store on S3: the most time from the completion a run states to the store\'s write of its manifest and signature (S3 LastModified) before the run is named back-dated (e.g. 90m, 2h, 1d; default 1h)', sealDelayOption)
    .option('--max-run-span <duration>', 'with --store, or of a package: the most time a run may state it took, from its signed start to its signed completion, before it is named back-dated (e.g. 12h, 1d, 36h; at least 1m, default 1d)', runSpanOption)
    .option('--recompute', "also re-evaluate the package's sealed evidence offline with the evaluation inputs its manifest records and compare controls.csv, findings.csv, testing-procedures.csv, population.csv and summary.json (any difference: INVALID)")
    .option('--expect-key <fingerprint...>', 'signing key fingerprint(s) confirmed out of band, for the package manifest and the runs; a signature by any other key fails verification', listOption)
    .option('--expect-package-key <fingerprint...>', 'key fingerprint(s) pinned for the package manifest only (when the organisation signs packages and runs with distinct keys)', listOption)
    .option('--expect-run-key <fingerprint...>', 'key fingerprint(s) pinned for run manifests only; with --store, the same as --expect-key', listOption)
    .addHelpText('after', '\nExit codes: 0 valid, 1 something failed verification (every failing file or record is named), 2 usage error.')
    .action(async (pkg: string | undefined, opts: VerifyOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<VerifyOptions>();
      if (opts.store || opts.run) {
        if (pkg) throw new ConfigError('give either a package path or --store/--run, not both');
        if (opts.recompute) throw new ConfigError('--recompute re-derives a package\'s results from its evidence: give a package path, not --store');
        const { config, log } = commandContext(g);
        const store = await openStore(config.store, { log });
        const selection = opts.run ? { runId: opts.run } : parsePeriod(opts.from ?? '1970-01-01', opts.to ?? new Date().toISOString().slice(0, 10));
        const { verifyStoredRuns, formatStoreReport } = await import('../../verify/store.js');
        const { resolveTrustPolicy } = await import('../../aws/trusted-keys.js');
        if (opts.expectPackageKey?.length) throw new ConfigError('--expect-package-key pins the key of a package manifest: the evidence store holds runs only', 'pin the run signing key(s) with --expect-key or --expect-run-key');
        const runKeys = [...(opts.expectKey ?? []), ...(opts.expectRunKey ?? [])];
        const trust = await resolveTrustPolicy(config, { ...(runKeys.length ? { expectKeys: runKeys } : {}), log });
        const report = await verifyStoredRuns(store, selection, { trust, ...(opts.maxSealDelay !== undefined ? { maxSealDelayMs: opts.maxSealDelay } : {}), ...(opts.maxRunSpan !== undefined ? { maxRunSpanMs: opts.maxRunSpan } : {}) });
        // JSON.stringify leaves C1, bidirectional and zero-width characters raw; as \u escapes (\u202e) the JSON reads the same.
        process.stdout.write(opts.json ? terminalText(JSON.stringify(report, null, 2)) + '\n' : formatStoreReport(report));
        process.exitCode = report.ok ? ExitCode.ok : ExitCode.failure;
        return;
      }
      if (opts.maxSealDelay !== undefined) throw new ConfigError('--max-seal-delay applies to --store: a package holds no store write times', 'give --store (with --run or --from/--to) to compare when runs reached the store with their completion');
      if (!pkg) throw new ConfigError('verify: give the path of a package zip or folder (or --store to check the evidence store)');
      if (!existsSync(pkg)) throw new ConfigError(`${pkg}: no such file or folder`, 'give the path of a package zip or of an unzipped package folder');
      const { verifyPackage, formatVerification } = await import('../../verify/package.js');
      const v = await verifyPackage(pkg, {
        expectedKeys: opts.expectKey?.map((k) => fingerprintOption(k)),
        expectedRunKeys: opts.expectRunKey?.map((k) => fingerprintOption(k, '--expect-run-key')),
        expectedPackageKeys: opts.expectPackageKey?.map((k) => fingerprintOption(k, '--expect-package-key')),
        ...(opts.recompute ? { recompute: true } : {}),
        ...(opts.maxRunSpan !== undefined ? { maxRunSpanMs: opts.maxRunSpan } : {}),
      });
      if (opts.json) {
        const { manifest: _m, ...rest } = v;
        process.stdout.write(terminalText(JSON.stringify(rest, null, 2)) + '\n');
      } else process.stdout.write(formatVerification(v, pkg));
      process.exitCode = v.ok ? ExitCode.ok : ExitCode.failure;
    });
}
