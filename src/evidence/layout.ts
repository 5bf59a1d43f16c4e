import { constants as bufferConstants } from 'node:buffer';
import { EvidenceLockerError } from '../errors.js';
import { sha256Hex } from './hash.js';

/**
 * Where evidence lives, in every store and in every package: bodies content-addressed under `objects/`, each sealed
 * run's three files under `runs/<run-id>/`. A store adds its own root (a directory or an S3 prefix); a package puts
 * bodies under `evidence/`.
 */

/** File names of a sealed run, in every store and package. */
export const RUN_FILES = { manifest: 'manifest.json', signature: 'manifest.sig', publicKey: 'public-key.pem' } as const;
export type RunFileName = (typeof RUN_FILES)[keyof typeof RUN_FILES];

/**
 * The one file a collection writes into its run folder when it starts, before any AWS call (stores that keep a write
 * time no writer sets: S3). Its write time shows the day the collection was under way; the seal's files come hours
 * later, possibly the next day. It is not evidence and no reader takes its bytes as such.
 */
export const RUN_START_FILE = 'collection-started.json';

/**
 * What a start file names of the collection's secret (`startSecretSha256`) and the manifest seals (`startSecret`, 32
 * random bytes as hex): the SHA-256 of the secret's bytes, as hex. Equal only for the collection that wrote the file.
 */
export function startSecretSha256(startSecretHex: string): string {
  return sha256Hex(Buffer.from(startSecretHex, 'hex'));
}

/**
 * The largest run files any reader of this tool accepts; each reader checks the size before it reads. A manifest is
 * verified as one JSON text, so it can be no longer than the longest string the JavaScript engine holds (about
 * 512 MiB: `buffer.constants.MAX_STRING_LENGTH`), and the seal refuses to write a longer one. A signature or a public
 * key is at most a few KB. So a file planted in the store by someone with write access to it cannot make a collector,
 * a verifier or a packager read gigabytes into memory: it is refused, unread, and the run is reported as unreadable.
 */
export const RUN_FILE_MAX_BYTES: Readonly<Record<RunFileName, number>> = {
  [RUN_FILES.manifest]: bufferConstants.MAX_STRING_LENGTH,
  [RUN_FILES.signature]: 64 * 1024,
  [RUN_FILES.publicKey]: 64 * 1024,
};

/** The error for a run file larger than `RUN_FILE_MAX_BYTES` allows: `where` names it in its store (`atLeast`: read only that far). */
export function runFileTooLarge(runId: string, file: RunFileName, where: string, size: number, atLeast = false): EvidenceLockerError {
  return new EvidenceLockerError(
    `run ${runId}: ${where} is ${atLeast ? 'at least ' : ''}${size} bytes, more than the ${RUN_FILE_MAX_BYTES[file]} bytes a ${file} of evidence-locker can be; it was not read`,
    {
      hint: 'this release seals no run file this large (a manifest over the limit could not be verified by any reader): if your collector did not write it, someone with write access to the store put it there; keep it for investigation',
    },
  );
}

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
