/**
 * Legal holds for a store that has none (a local store): every hold placed or lifted is recorded as
 * `ON key@version` or `OFF key@version`, never sent anywhere, so a test can compare what a hold or release covered.
 */
import type { EvidenceStore, LegalHolds, StoredVersionRef } from '../../src/evidence/store.js';

/**
 * Gives `store` recording legal holds (bucket `evidence`, store keys `objects/<sha>`, `runs/<id>/<file>` and
 * `prefix/<path>`), with `runFileVersions` as the listing of one run folder, and returns what they record.
 */
export function recordLegalHolds(store: EvidenceStore, runFileVersions: (runId: string) => Map<string, StoredVersionRef[]> = () => new Map()): { holds: LegalHolds; placed: string[] } {
  const placed: string[] = [];
  const holds: LegalHolds = {
    holdTarget: { bucket: 'evidence', region: 'us-east-1', concurrency: 4 },
    objectKey: (sha) => `objects/${sha}`,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    pathKey: (path) => `prefix/${path}`,
    runFileVersions: async (runId) => runFileVersions(runId),
    readVersion: async () => {
      throw new Error('not read in this test');
    },
    lockState: async () => {
      throw new Error('not read in this test');
    },
    setLegalHold: async (key, versionId, on) => {
      placed.push(`${on ? 'ON' : 'OFF'} ${key}${versionId ? `@${versionId}` : ''}`);
    },
  };
  (store as unknown as { legalHolds: LegalHolds }).legalHolds = holds;
  return { holds, placed };
}
