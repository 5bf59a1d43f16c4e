import { expect } from 'vitest';
import type { EvidenceStore } from '../../src/evidence/store.js';
import type { StoreVerificationReport } from '../../src/verify/store.js';

/** How `verify --store` names a run file that the store's server wrote long after the completion its run states. */
export const WRITTEN_LATE =
  /^manifest\.(json|sig) was written to the store at \S+ \(LastModified, set by the server, not by the writer\), .+ after the completion \S+ its signed manifest states, more than the .+ a seal takes to store its run: the run was signed or stored long after the time it claims \(back-dated\)/;

/**
 * What `verify --store` says of runs a test sealed at fixed past dates (fixtures date their runs in 2026 so periods
 * read plainly) and wrote today: on a store whose server records when it wrote each object (S3 LastModified), each
 * run's manifest and signature are named as written long after the completion the run states, in the order given, and
 * nothing else may be; on a store that keeps no such time (local), nothing.
 */
export function writtenLate(store: EvidenceStore, runIds: readonly string[]): unknown[] {
  if (!store.lockedVersions) return [];
  return runIds.flatMap((runId) =>
    ['manifest\\.json', 'manifest\\.sig'].map((file) => expect.objectContaining({ runId, key: expect.stringMatching(new RegExp(`runs/${runId}/${file}$`)) as unknown, problem: expect.stringMatching(WRITTEN_LATE) as unknown })),
  );
}

/** Runs that verified, or whose only problems are that the store wrote them long after they completed (`writtenLate`). */
export function verifiedButLate(report: StoreVerificationReport): string[] {
  return report.runs
    .filter((r) => {
      if (r.ok) return true;
      const own = report.problems.filter((p) => p.runId === r.runId);
      return r.kind !== undefined && own.length > 0 && own.every((p) => WRITTEN_LATE.test(p.problem));
    })
    .map((r) => r.runId);
}
