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
  getObject(sha256: string): Promise<Buffer>;
  hasObject(sha256: string): Promise<boolean>;
  /** Writes manifest, signature and public key of a run; refuses to overwrite an existing run. */
  putRun(run: StoredRun): Promise<void>;
  getRun(runId: string): Promise<StoredRun>;
  /** Run ids, oldest first (run ids sort by time). */
  listRuns(): Promise<string[]>;
  /** SHA-256 of every evidence body present, sorted (bodies no run names are found with `findOrphans`). */
  listObjectHashes(): Promise<string[]>;
  /** Delete markers under the store (versioned stores), store-relative; each hides a sealed object from plain listings. */
  listDeleteMarkers?(under?: string): Promise<{ path: string; versionId?: string; lastModified?: Date }[]>;
}
