/**
 * Child process of the package benchmark: `benchPackage` (bench/package.ts) in a process of its own, so the peak
 * RSS it reports is the packager's, not the bench runner's. Request and answer go over IPC.
 */
import { benchPackage, type PackageBenchResult } from './package.js';

export interface PackageChildRequest {
  records: number;
  accounts?: number;
  regions?: number;
  queries?: number;
  /** Verify-vs-sha256sum rounds (default 3; 0 skips verification timing). */
  verifyRounds?: number;
}

export type PackageChildAnswer = { ok: true; result: PackageBenchResult } | { ok: false; error: string };

process.once('message', (msg: PackageChildRequest) => {
  benchPackage(msg).then(
    (result) => process.send?.({ ok: true, result } satisfies PackageChildAnswer, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies PackageChildAnswer, () => process.exit(1)),
  );
});
