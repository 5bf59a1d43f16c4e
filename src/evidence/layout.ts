/**
 * Where evidence lives, in every store and in every package: bodies content-addressed under `objects/`, each sealed
 * run's three files under `runs/<run-id>/`. A store adds its own root (a directory or an S3 prefix); a package puts
 * bodies under `evidence/`.
 */

/** File names of a sealed run, in every store and package. */
export const RUN_FILES = { manifest: 'manifest.json', signature: 'manifest.sig', publicKey: 'public-key.pem' } as const;
export type RunFileName = (typeof RUN_FILES)[keyof typeof RUN_FILES];

/** Folder of all sealed runs, relative to a store's root. */
export const RUNS_DIR = 'runs';

/** Relative path of an evidence body: content-addressed, fanned out by the first two hex digits. */
export function objectPath(sha256: string): string {
  return `objects/sha256/${sha256.slice(0, 2)}/${sha256}.json`;
}

/** Relative folder of a sealed run, with a trailing slash. */
export function runDirPath(runId: string): string {
  return `${RUNS_DIR}/${runId}/`;
}

/** Relative path of one file of a sealed run. */
export function runFilePath(runId: string, file: RunFileName): string {
  return `${runDirPath(runId)}${file}`;
}
