import { EvidenceLockerError } from '../errors.js';

/** Where an evidence body landed. */
export interface StoredObject {
  key: string;
  versionId?: string;
  /** True when the content-addressed body was already present and was not rewritten. */
  existed: boolean;
}

/** A sealed run as the store holds it. */
export interface StoredRun {
  runId: string;
  manifest: Buffer;
  signature: Buffer;
  publicKeyPem: string;
  /**
   * Stores that keep versions (S3): the listing of the run folder the files were read from, every version of each run
   * file, oldest (the sealed one, the one read) first. Readers check write times, locks and later versions on this
   * listing instead of listing the folder again, so those checks are about the very versions whose bytes were verified.
   */
  versions?: RunFileListing;
}

/** Every version of each file of a run folder, by file name, oldest (the sealed one) first. */
export type RunFileListing = ReadonlyMap<string, readonly StoredVersionRef[]>;

/**
 * Bytes too large to hold whole (a run manifest at organisation scale), given in pieces, in order: the same bytes
 * each time `pieces` is called, whose size and SHA-256 are known before the first piece is written. A store that
 * writes them checks that what it wrote has that SHA-256 before the run becomes visible.
 */
export interface PiecedBytes {
  readonly size: number;
  /** SHA-256 of all the pieces together, hex. */
  readonly sha256: string;
  /** The bytes from the start, each piece `pieceBytes` long but the last. */
  pieces(pieceBytes: number): Iterable<Buffer>;
}

/** A run file someone else wrote where a seal writes: readers would take its bytes, not the seal's. */
export interface PlantedRunFile {
  /** The store's key of the file: the S3 object key (prefix included), or the path under a local store's root. */
  key: string;
  /** The planted version (S3), when it has one. */
  versionId?: string;
  /** What was found, as a sentence's end (e.g. "is 10 bytes, not the 2,345 signed"). */
  detail: string;
}

/**
 * `putRun` found files of the run that it did not write and that readers would take as the sealed ones (written before
 * its own, or already there): the run as stored will not verify. What the seal wrote stays where it is (locked on S3);
 * the seal can seal the same evidence again under another run id (`sealRun`).
 */
export class RunFilesPlanted extends EvidenceLockerError {
  /** What this seal wrote that stays in the run folder (e.g. its signed manifest as a later version), if anything. */
  readonly kept?: string;
  constructor(
    readonly runId: string,
    readonly planted: PlantedRunFile[],
    message: string,
    opts: { hint?: string; kept?: string } = {},
  ) {
    super(message, { ...(opts.hint ? { hint: opts.hint } : {}) });
    this.kept = opts.kept;
    this.name = 'RunFilesPlanted';
  }
}

/** A run as the seal hands it to the store: its manifest whole, or in pieces when it was signed without being held whole. */
export interface RunToStore extends Omit<StoredRun, 'manifest' | 'versions'> {
  manifest: Buffer | PiecedBytes;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to change when the check fails. */
  fix?: string;
  /** Reported but not required: a failed advisory check does not stop the store. */
  advisory?: boolean;
  /** Fails `store check` (exit 1) but does not stop writes, so collection goes on while the operator fixes the bucket. */
  storeCheckOnly?: boolean;
}

/** How the store protects evidence, stated in every report. */
export interface StoreDescription {
  kind: 'local' | 's3';
  location: string;
  objectLockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  retentionDays?: number;
  note: string;
}

/**
 * The evidence store contract, one contract test suite for every implementation.
 * Bodies are content-addressed and written once; a run's manifest is written last, after every body it
 * names, so a run interrupted at any point never leaves a manifest that names a missing object.
 */
export interface EvidenceStore {
  readonly kind: 'local' | 's3';
  describe(): StoreDescription;
  /** Checks the store can keep its promises; throws EvidenceLockerError naming the setting and the fix. */
  preflight(): Promise<PreflightCheck[]>;
  /** Writes a body under its SHA-256 unless present; if present, makes sure it is retained at least until `retainUntil`. */
  putObject(sha256: string, body: Buffer, opts?: { retainUntil?: Date }): Promise<StoredObject>;
  /**
   * The body under its SHA-256. `expectedSize`: the size a sealed record states; a stored object of another size
   * cannot be that body, and one larger is not read (someone with write access could plant gigabytes at the key).
   */
  getObject(sha256: string, expectedSize?: number): Promise<Buffer>;
  hasObject(sha256: string): Promise<boolean>;
  /** Writes manifest, signature and public key of a run; refuses to overwrite an existing run. */
  putRun(run: RunToStore): Promise<void>;
  /**
   * Stores whose write times no writer sets (S3): writes `RUN_START_FILE` into the run folder of a collection that is
   * starting, under lock, so the store's clock records a write of the run on the day it runs (a seal is written at its
   * completion, which may be the next day). `putRun` accepts a folder holding only that file. `startSecretSha256`: the
   * SHA-256 (hex) of the secret the collection drew and will seal in its manifest (`startSecret`), written into the file.
   */
  markRunStarted?(runId: string, startedAt: Date, startSecretSha256: string): Promise<void>;
  /**
   * Reads a sealed run. `listed`: its folder's versions as `listRunFolders` found them, so a store that keeps versions
   * reads the sealed versions without listing the folder again.
   */
  getRun(runId: string, listed?: RunFileListing): Promise<StoredRun>;
  /** Run ids, oldest first (run ids sort by time). */
  listRuns(): Promise<string[]>;
  /**
   * Stores that keep versions (S3): the run folders `listRuns` names, each with every version of its files, and the
   * delete markers under `runs/`, from the one listing of `runs/` that finds them (a reader passes each folder to
   * `getRun` and reports the markers, so no run folder is listed twice).
   */
  listRunFolders?(): Promise<RunFolders>;
  /** SHA-256 of every evidence body present, sorted (bodies no run names are found with `findOrphans`). */
  listObjectHashes(): Promise<string[]>;
  /**
   * Delete markers under the store (versioned stores), store-relative; each hides a sealed object from plain listings.
   * `except`: top-level folders (`runs/`, `refusals/`) whose markers the caller has from its own listing of them, so
   * they are not listed again; everything else under `under` is. `onVersion`: called with every object version the same
   * listing finds (its full key, version and the server's write time), so a reader that needs write times of evidence
   * bodies takes them from this listing instead of asking for each object.
   */
  listDeleteMarkers?(under?: string, opts?: { except?: readonly string[]; onVersion?: (version: StoredVersionRef) => void }): Promise<DeleteMarkerRef[]>;
  /** Present when the store keeps every version under Object Lock (S3): verification reads sealed versions and their locks. */
  readonly lockedVersions?: LockedVersions;
  /** Present when the store can place an Object Lock legal hold (S3). */
  readonly legalHolds?: LegalHolds;
  /** Present when the store keeps auditor packages beside the evidence and hands out time-limited links (S3). */
  readonly packageShelf?: PackageShelf;
  /** Signed records of seals refused by planted files (`refusals/`): both stores keep them; absent in read-only views without any. */
  readonly sealRefusals?: SealRefusalShelf;
}

/** A delete marker as a listing found it, store-relative. */
export interface DeleteMarkerRef {
  path: string;
  versionId?: string;
  lastModified?: Date;
}

/** The run folders with a manifest (sorted), each with every version of its files, and every delete marker under `runs/`. */
export interface RunFolders {
  folders: Map<string, RunFileListing>;
  deleteMarkers: DeleteMarkerRef[];
  /**
   * Run folders with no manifest that hold a start file (`RUN_START_FILE`, its oldest version), sorted by run id: a
   * collection that stopped before sealing, or a start file written ahead of a run someone means to seal later.
   */
  startOnly?: { runId: string; start: StoredVersionRef }[];
  /**
   * The other folders under `runs/` of the same listing (no manifest version: a refused attempt's, or files planted in a
   * folder no seal wrote), each with every version of its files, so a reader of a refused attempt's folder lists none again.
   */
  others?: Map<string, RunFileListing>;
}

/** One stored object (one version, on S3) under `refusals/`. */
export interface StoredRefusalRef {
  /** Store-relative path, `refusals/<name>`. */
  path: string;
  versionId?: string;
  lastModified?: Date;
  /** Size as listed, when the listing gives it. */
  size?: number;
}

/** Where signed refusal records are kept (`src/evidence/refusal.ts`). */
export interface SealRefusalShelf {
  /** Writes one write-once under `refusals/<name>`; never replaces an existing object of that name (throws). */
  putRefusal(name: string, bytes: Buffer): Promise<{ path: string; versionId?: string }>;
  /** Every object under `refusals/` (every version, oldest first per key, on S3), sorted by path: whoever wrote it. */
  listRefusals(): Promise<StoredRefusalRef[]>;
  /** Versioned stores: the same objects, and the delete markers under `refusals/`, from one listing. */
  listRefusalsAndMarkers?(): Promise<{ refs: StoredRefusalRef[]; deleteMarkers: DeleteMarkerRef[] }>;
  /** One of them (the given version on S3); one longer than `maxBytes` is refused unread. */
  readRefusal(ref: StoredRefusalRef, maxBytes: number): Promise<Buffer>;
}

/** One version of a stored object with its Object Lock state. */
export interface LockedObjectVersion {
  key: string;
  versionId?: string;
  body: Buffer;
  /** The server's write time of this version (S3 `LastModified`, from the same read), when the store gives one. */
  lastModified?: Date;
  mode?: string;
  retainUntil?: Date;
  legalHold?: 'ON' | 'OFF';
}

/** Where one version of a run file is kept. */
export interface StoredVersionRef {
  key: string;
  versionId?: string;
  lastModified?: Date;
  /** Size as listed, when the listing gives it (a reader refuses a run file too large for it without reading it). */
  size?: number;
}

export interface LockedVersions {
  /** Store key of an evidence body. */
  objectKey(sha256: string): string;
  /** Store key of a run file. */
  runKey(runId: string, file: string): string;
  /** Days of Object Lock retention every object is written with (the store's configured minimum), when known. */
  readonly retentionDays?: number;
  /** Every version of each file of a run, oldest (the sealed one) first, by file name. */
  runFileVersions(runId: string): Promise<Map<string, StoredVersionRef[]>>;
  /**
   * Reads one version (the latest without `versionId`) with its Object Lock state. `limit`: the most bytes it may
   * have, and the error for one that has more (thrown before its body is read).
   */
  readVersion(key: string, versionId?: string, limit?: { maxBytes: number; tooLarge: (size: number, atLeast: boolean) => Error }): Promise<LockedObjectVersion>;
  /** The Object Lock state of one version (the latest without `versionId`), without reading its body. */
  lockState(key: string, versionId?: string): Promise<Omit<LockedObjectVersion, 'body'>>;
}

export interface LegalHolds extends LockedVersions {
  /** Bucket and region named in the sealed record of a hold, and how many holds to place at once. */
  readonly holdTarget: { bucket: string; region: string; concurrency: number };
  /** Store key of a store-relative path (`refusals/<name>`). */
  pathKey(path: string): string;
  /** Places (`on`) or lifts a legal hold on one version. */
  setLegalHold(key: string, versionId: string | undefined, on: boolean): Promise<void>;
}

/** A package kept in the store. */
export interface ShelvedPackage {
  key: string;
  versionId?: string;
  /** True when this call wrote it; false when the same bytes were already there. */
  uploaded: boolean;
}

export interface PackageShelf {
  readonly bucket: string;
  /** Writes a local package file write-once beside the evidence (or finds the same bytes already there). */
  putPackage(file: string, at: Date): Promise<ShelvedPackage>;
  /** A package already in the store, by file name or full key. */
  findPackage(name: string): Promise<ShelvedPackage>;
  /** A time-limited download link for one version. */
  presign(key: string, versionId: string | undefined, expiresInSeconds: number): Promise<string>;
}
