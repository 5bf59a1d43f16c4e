import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import { sha256Hex } from '../evidence/hash.js';
import { manifestHeaderText, type ManifestHeaderText } from '../evidence/manifest-header.js';
import { ManifestRecordSchema, type ManifestRecord } from '../evidence/record.js';
import { EvidenceLockerError } from '../errors.js';
import type { Period } from '../evidence/period.js';
import { compareRunsInChain, latestRunInChain, runIdTime } from '../evidence/run-id.js';
import type { DeleteMarkerRef, EvidenceStore, LockedVersions, RunFileListing, RunFolders, StoredRun, StoredVersionRef } from '../evidence/store.js';
import { RUN_FILE_MAX_BYTES, RUN_FILES, RUNS_DIR, runFileTooLarge, RUN_START_FILE, startSecretSha256 } from '../evidence/layout.js';
import { REFUSALS_DIR } from '../evidence/refusal.js';
import { publicKeyFingerprint, signatureScheme, verifiedScheme } from './verify-signature.js';
import { nonCanonicalRunManifest } from './canonical-check.js';

/**
 * Why something found in the evidence store is foreign: written by someone other than the trusted signer, so
 * never evidence and never a chain link, but always reported.
 */
export const FOREIGN_REASONS = {
  unreadable: 'the run folder cannot be read as a sealed run',
  malformed: 'manifest.json is not a run manifest',
  'id-mismatch': 'the manifest names another run than its folder',
  'bad-signature': 'the manifest signature does not verify with the public key stored beside it',
  'untrusted-key': 'signed by a key that is not one of the trusted signing keys',
  'future-run-id': 'the run claims a start time in the future',
  'non-canonical': 'the manifest is signed by a trusted key but its bytes are not the canonical JSON evidence-locker writes (parsers could read it differently)',
  'foreign-chain': 'the run links to a run that is itself foreign',
  'delete-marker': 'a delete marker hides a sealed object (the locked version is still read and used)',
  'not-a-refusal': 'under refusals/, but not a signed refusal record evidence-locker wrote with a trusted key',
} as const;
export type ForeignReason = keyof typeof FOREIGN_REASONS;

/** One foreign object, named so an operator or assessor can find it in the store. */
export interface ForeignObject {
  /** Run folder, when the object is under `runs/`. */
  runId?: string;
  /** Store-relative path, e.g. `runs/<id>/manifest.json` or `objects/sha256/ab/<sha>.json`. */
  path: string;
  /** The version found (S3), where the path alone does not say which. */
  versionId?: string;
  reason: ForeignReason;
  detail: string;
  /** Fingerprint of the key that signed it, when there is a readable one. */
  keyFingerprint?: string;
  /**
   * Set only when the signed manifest of a trusted run names this run folder as an abandoned attempt to seal it
   * (`sealAttempts`): someone else's files made the seal seal the same evidence again as that run (`withReseals`).
   */
  resealedAs?: { runId: string; reason: string };
}

/** Which signing keys make a run evidence, and the clock that decides what is "in the future". */
export interface TrustPolicy {
  /** SHA-256 fingerprints (hex, lowercase) of the trusted public keys. */
  fingerprints: ReadonlySet<string>;
  now: () => Date;
  /** Clock difference tolerated before a run id counts as being in the future. */
  skewMs: number;
}

export function trustPolicy(fingerprints: Iterable<string>, opts: { now?: () => Date; skewMs?: number } = {}): TrustPolicy {
  return { fingerprints: new Set([...fingerprints].map((f) => f.toLowerCase())), now: opts.now ?? (() => new Date()), skewMs: opts.skewMs ?? 15 * 60_000 };
}

/** A run signed by a trusted key: evidence. */
export interface TrustedRun {
  runId: string;
  /** The run as stored (in a header-only classifier the manifest bytes are dropped after checking; see `manifestSize`). */
  stored: StoredRun;
  /** The parsed manifest (in a header-only classifier without its records; see `recordCount`). */
  manifest: RunManifest;
  manifestSha256: string;
  manifestSize: number;
  recordCount: number;
}

export type RunClass = { trusted: TrustedRun; foreign?: undefined } | { foreign: ForeignObject; trusted?: undefined };

/**
 * The one place that decides whether a run folder in the store is evidence. Every reader (sealing's chain lookup,
 * `verify --store`, `package`, legal hold, orphans) asks it; results are cached per run for the life of the classifier.
 */
export class RunClassifier {
  private ids?: Promise<string[]>;
  /** The run folders' versions, from the same listing as `ids`, on stores that keep versions: each is read from it. */
  private folders?: Promise<RunFolders>;
  private readonly shallow = new Map<string, Promise<RunClass>>();
  private readonly full = new Map<string, Promise<RunClass>>();

  constructor(
    readonly store: EvidenceStore,
    readonly policy: TrustPolicy,
    /**
     * `headerOnly`: the same verdicts, but the records are parsed and checked one at a time and let go instead of being
     * built all at once, and only the manifest's header is kept once a run is judged (`records(run)` reads them again).
     * A 1,000-account manifest (92 MB) is not turned into 500 MB of objects to learn a run's chain, times and link, and a
     * census of many large runs stays small.
     */
    private readonly opts: { headerOnly?: boolean } = {},
  ) {}

  /**
   * Lists the store's runs again at the next question (verdicts already made are kept): before a seal that follows a
   * long piece of work on an earlier survey (legal hold), so a run sealed meanwhile is still seen as a chain link.
   */
  relist(): void {
    this.ids = undefined;
    this.folders = undefined;
  }

  /** Every run folder with a manifest, as the store lists it (sorted). */
  runIds(): Promise<string[]> {
    if (!this.ids) {
      // One listing of runs/ names the runs and, on a store that keeps versions, what each run is read from.
      this.folders = this.store.listRunFolders?.();
      this.ids = this.folders ? this.folders.then((m) => [...m.folders.keys()]) : this.store.listRuns();
    }
    return this.ids;
  }

  /**
   * The delete markers under `runs/` (or under `under`, a folder below it) from the same listing as `runIds`, so the
   * readers that report markers list `runs/` no second time; undefined on a store without that listing.
   */
  async runDeleteMarkers(under = `${RUNS_DIR}/`): Promise<DeleteMarkerRef[] | undefined> {
    await this.runIds();
    if (!this.folders) return undefined;
    return (await this.folders).deleteMarkers.filter((m) => m.path.startsWith(under));
  }

  /** Run folders holding a start file and no manifest, from the same listing as `runIds`; undefined on a store without that listing. */
  async startOnlyFolders(): Promise<NonNullable<RunFolders['startOnly']> | undefined> {
    await this.runIds();
    if (!this.folders) return undefined;
    return (await this.folders).startOnly ?? [];
  }

  /**
   * Every version of every file in a folder under `runs/` (a run's, or one without a manifest: a refused attempt's), from
   * the same listing as `runIds`; an empty listing when that listing holds no such folder, and undefined on a store
   * whose listing does not give the folders without a manifest (the caller lists the folder itself).
   */
  async folderVersions(runId: string): Promise<RunFileListing | undefined> {
    await this.runIds();
    if (!this.folders) return undefined;
    const listed = await this.folders;
    const found = listed.folders.get(runId);
    if (found) return found;
    if (!listed.others) return undefined;
    return listed.others.get(runId) ?? new Map<string, readonly StoredVersionRef[]>();
  }

  /** Trusted or foreign, including the check that a trusted run does not link to a foreign one. */
  classify(runId: string): Promise<RunClass> {
    let p = this.full.get(runId);
    if (!p) {
      p = this.classifyWithLink(runId);
      this.full.set(runId, p);
    }
    return p;
  }

  private async classifyWithLink(runId: string): Promise<RunClass> {
    const c = await this.classifyOwn(runId);
    const prev = c.trusted?.manifest.previous;
    if (!c.trusted || !prev) return c;
    // One step back is enough: a trusted run was linked by trusted code, so only its own link needs checking.
    if (!(await this.runIds()).includes(prev.runId)) return c; // a missing link is a verification problem, not a foreign run
    const p = await this.classifyOwn(prev.runId);
    if (p.foreign) {
      return foreign(runId, 'foreign-chain', `links to run ${prev.runId}, which is foreign (${FOREIGN_REASONS[p.foreign.reason]})`, c.trusted.manifest.signing.keyFingerprint);
    }
    return c;
  }

  /** Signature, key, id and time of one run, without looking at its link. */
  private classifyOwn(runId: string): Promise<RunClass> {
    let p = this.shallow.get(runId);
    if (!p) {
      p = this.readAndJudge(runId);
      this.shallow.set(runId, p);
    }
    return p;
  }

  private async readAndJudge(runId: string): Promise<RunClass> {
    const limit = this.policy.now().getTime() + this.policy.skewMs;
    const t = runIdTime(runId);
    if (t && t.getTime() > limit) return foreign(runId, 'future-run-id', `run id says it started at ${t.toISOString()}, after now`);
    let stored: StoredRun;
    try {
      // A run folder this classifier's listing found is read from that listing; any other is listed by the store.
      const listed = this.folders ? (await this.folders).folders.get(runId) : undefined;
      stored = await this.store.getRun(runId, listed);
    } catch (err) {
      return foreign(runId, 'unreadable', (err as Error).message.split('\n')[0]);
    }
    // The key and the signature are checked before anything is parsed: bytes no trusted key signed are never parsed,
    // so a planted manifest built to be costly to parse (millions of tiny elements) costs only its hash.
    let fingerprint: string;
    try {
      fingerprint = publicKeyFingerprint(stored.publicKeyPem);
    } catch {
      return foreign(runId, 'bad-signature', 'public-key.pem is not a readable public key');
    }
    const scheme = verifiedScheme(stored.manifest, stored.signature, stored.publicKeyPem);
    if (!scheme) return foreign(runId, 'bad-signature', 'manifest.sig does not verify with public-key.pem beside it', fingerprint);
    if (!this.policy.fingerprints.has(fingerprint)) {
      return foreign(runId, 'untrusted-key', `signed by key ${fingerprint}, not a trusted key (trusted: ${[...this.policy.fingerprints].join(', ') || 'none'}); its manifest was not read further`, fingerprint);
    }
    let manifest: RunManifest;
    let split: ManifestHeaderText | undefined;
    let raw: unknown;
    // Canonical bytes only, as `verify` of a package demands: header and records each checked when read header-only.
    const canonical = { records: true };
    try {
      // Header only: each record is parsed and checked on its own and let go; bytes that do not split with
      // certainty are parsed whole, as by a full reading.
      split = this.opts.headerOnly ? manifestHeaderText(stored.manifest, recordChecker(canonical)) : undefined;
      raw = JSON.parse(split ? split.text : stored.manifest.toString('utf8'));
      const parsed = RunManifestSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return foreign(runId, 'malformed', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'not a run manifest'}`, fingerprint);
      }
      manifest = parsed.data;
    } catch (err) {
      if (err instanceof RecordIssue) return foreign(runId, 'malformed', err.message, fingerprint);
      return foreign(runId, 'malformed', `not JSON (${(err as Error).message.split('\n')[0]})`, fingerprint);
    }
    const nonCanonical = nonCanonicalStoredManifest(stored.manifest, raw, split, canonical.records);
    if (nonCanonical) return foreign(runId, 'non-canonical', nonCanonical, fingerprint);
    if (manifest.runId !== runId) return foreign(runId, 'id-mismatch', `manifest names run ${manifest.runId}`, fingerprint);
    if (fingerprint !== manifest.signing.keyFingerprint) {
      return foreign(runId, 'bad-signature', `public key fingerprint ${fingerprint} differs from the manifest's signing.keyFingerprint ${manifest.signing.keyFingerprint}`, fingerprint);
    }
    if (signatureScheme(manifest.signing.algorithm) !== scheme) {
      return foreign(runId, 'bad-signature', `manifest.sig does not verify (${manifest.signing.algorithm})`, fingerprint);
    }
    for (const [field, value] of [['startedAt', manifest.startedAt], ['completedAt', manifest.completedAt]] as const) {
      const at = Date.parse(value);
      if (!Number.isNaN(at) && at > limit) return foreign(runId, 'future-run-id', `manifest ${field} ${value} is after now`, fingerprint);
    }
    const kept = { runId, manifestSha256: sha256Hex(stored.manifest), manifestSize: stored.manifest.length, recordCount: split ? split.recordCount : manifest.records.length };
    if (this.opts.headerOnly) return { trusted: { ...kept, stored: { ...stored, manifest: Buffer.alloc(0) }, manifest: { ...manifest, records: [] } } };
    return { trusted: { ...kept, stored, manifest } };
  }

  /**
   * The records of a trusted run. A header-only classifier kept only the header, so they are read again from the
   * store, one run at a time, and parsed one at a time. They are not schema-checked a second time: `rereadManifest`
   * refuses bytes that do not hash to the SHA-256 the survey judged, and the survey checked every record of those
   * bytes (one by one, or the whole manifest when they did not split), as the package's re-read relies on too.
   */
  async records(run: TrustedRun): Promise<ManifestRecord[]> {
    if (run.manifest.records.length === run.recordCount) return run.manifest.records;
    return manifestRecords(await rereadManifest(this.store, { ...run, versions: run.stored.versions }, 'since it was judged'), { check: false });
  }

  /**
   * The latest trusted run of `chain` (before `before`, when given), in the one chain order, with every foreign run
   * met on the way: the run a new run links to, or the one a sealed run should have linked to.
   */
  async latestTrustedOfChain(chain: string, before?: TrustedRun): Promise<{ latest: TrustedRun | null; foreign: ForeignObject[] }> {
    const seen: ForeignObject[] = [];
    const best = await latestRunInChain(
      await this.runIds(),
      chain,
      async (id) => {
        const c = await this.classify(id);
        if (c.foreign) {
          seen.push(c.foreign);
          return undefined;
        }
        return { runId: id, chain: c.trusted.manifest.chain, startedAt: c.trusted.manifest.startedAt, completedAt: c.trusted.manifest.completedAt, run: c.trusted };
      },
      before ? { runId: before.runId, startedAt: before.manifest.startedAt, completedAt: before.manifest.completedAt } : undefined,
    );
    return { latest: best?.run ?? null, foreign: seen };
  }

  /** Every run of the store, classified; trusted runs in chain order (start second, then completion time). */
  async census(filter: (runId: string) => boolean = () => true): Promise<{ trusted: TrustedRun[]; foreign: ForeignObject[] }> {
    const trusted: TrustedRun[] = [];
    const found: ForeignObject[] = [];
    for (const id of await this.runIds()) {
      if (!filter(id)) continue;
      const c = await this.classify(id);
      if (c.foreign) found.push(c.foreign);
      else trusted.push(c.trusted);
    }
    trusted.sort(chainOrder);
    return { trusted, foreign: found };
  }
}

/** The one chain order (`compareRunsInChain`) applied to trusted runs. */
export function chainOrder(a: TrustedRun, b: TrustedRun): number {
  return compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId });
}

/** A record of a manifest read header-only that the manifest schema refuses, named as a full reading names it. */
class RecordIssue extends Error {}

/**
 * Why a trusted key's manifest bytes are not canonical JSON (`nonCanonicalRunManifest`), or undefined when they are.
 * Read header-only, the header text (records emptied) and each record were checked on their own; only when one of
 * them is not canonical, or there are no records (`[ ]` would pass both), are the whole bytes parsed and checked, so
 * the message names the first repeated key or differing byte of the manifest itself.
 */
function nonCanonicalStoredManifest(bytes: Buffer, raw: unknown, split: ManifestHeaderText | undefined, recordsCanonical: boolean): string | undefined {
  if (split && split.recordCount > 0 && recordsCanonical && !nonCanonicalRunManifest(Buffer.from(split.text, 'utf8'), raw, 'store')) return undefined;
  let whole: unknown = raw;
  try {
    if (split) whole = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return `not JSON as a whole (${(err as Error).message.split('\n')[0]}), so the manifest is refused`;
  }
  return nonCanonicalRunManifest(bytes, whole, 'store');
}

/**
 * Checks each record a header-only reading hands over, as the manifest schema checks them in a full reading, and
 * notes in `canonical.records` whether every record's bytes are the canonical JSON of what they parse to.
 */
function recordChecker(canonical: { records: boolean }): (bytes: Uint8Array) => void {
  let index = 0;
  return (bytes) => {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const value: unknown = JSON.parse(buf.toString('utf8'));
    if (canonical.records && nonCanonicalRunManifest(buf, value)) canonical.records = false;
    const parsed = ManifestRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RecordIssue(`${['records', index, ...(issue?.path ?? [])].join('.')}: ${issue?.message ?? 'not a manifest record'}`);
    }
    index++;
  };
}

function foreign(runId: string, reason: ForeignReason, detail: string, keyFingerprint?: string): { foreign: ForeignObject } {
  return { foreign: { runId, path: `runs/${runId}/manifest.json`, reason, detail, ...(keyFingerprint ? { keyFingerprint } : {}) } };
}

/** One line per foreign object, for logs and the CLI. */
export function describeForeign(f: ForeignObject): string {
  return `${f.path}: ${foreignWhy(f)} (${f.detail})`;
}

/**
 * Why an object is foreign, as reports say it: for an abandoned seal attempt (named so by a trusted run's signed
 * manifest), that its files were planted and which run holds its evidence; otherwise the reason's own words.
 */
export function foreignWhy(f: ForeignObject): string {
  if (!f.resealedAs) return FOREIGN_REASONS[f.reason];
  return `files planted by someone else; its evidence was sealed again as run ${f.resealedAs.runId} (whose signed manifest names this run id as an abandoned attempt: ${f.resealedAs.reason}); as found here: ${FOREIGN_REASONS[f.reason]}`;
}

/** A run id without the random suffix the seal gives it (`freshRunId` changes only that suffix, or adds one). */
function runIdStem(runId: string): string {
  return runId.replace(/-[0-9a-f]{6}$/, '');
}

/**
 * The trusted run whose signed manifest names `runId` as an abandoned attempt to seal it (`sealAttempts`), if any. A
 * run sealed again keeps its id's time and marks and only changes the random suffix, so only ids of the same stem are
 * read.
 */
export async function resealOf(classifier: RunClassifier, runId: string): Promise<{ runId: string; reason: string } | undefined> {
  const stem = runIdStem(runId);
  for (const id of await classifier.runIds()) {
    if (id === runId || !id.startsWith(stem) || runIdStem(id) !== stem) continue;
    const c = await classifier.classify(id);
    const attempt = c.trusted?.manifest.sealAttempts?.find((a) => a.runId === runId);
    if (attempt) return { runId: id, reason: attempt.reason };
  }
  return undefined;
}

/**
 * Foreign run folders, each explained as an abandoned seal attempt when (and only when) a trusted run's signed manifest
 * names it so (`resealOf`); a foreign folder no trusted run names stays as it is.
 */
export async function withReseals(classifier: RunClassifier, found: ForeignObject[]): Promise<ForeignObject[]> {
  const out: ForeignObject[] = [];
  for (const f of found) {
    const resealedAs = f.runId && f.reason !== 'delete-marker' ? await resealOf(classifier, f.runId) : undefined;
    out.push(resealedAs ? { ...f, resealedAs } : f);
  }
  return out;
}

/**
 * Abandoned seal attempts that a trusted run names but that are themselves trusted runs: the seal abandons a run id only
 * when readers would not take its files as its own, so one of the two was not sealed as evidence-locker seals.
 */
export async function sealAttemptsThatAreRuns(classifier: RunClassifier, run: TrustedRun): Promise<string[]> {
  const out: string[] = [];
  const ids = await classifier.runIds();
  for (const a of run.manifest.sealAttempts ?? []) {
    if (a.runId === run.runId) {
      out.push(`run ${run.runId} names itself as an abandoned seal attempt`);
      continue;
    }
    if (!ids.includes(a.runId)) continue;
    const c = await classifier.classify(a.runId);
    if (c.trusted) out.push(`run ${run.runId} names run ${a.runId} as an abandoned seal attempt (files planted by someone else), but ${a.runId} is a sealed run signed by a trusted key: evidence-locker abandons a run id only when its files are not the ones it wrote, so one of the two was not sealed by it`);
  }
  return out;
}

/**
 * The attempts a trusted refusal record names that are themselves trusted runs. A seal is refused only when the run
 * folder of every attempt held files someone else planted, so readers never take an attempt's files as a sealed run:
 * a record naming a sealed run as a refused attempt, or that run, was not written as evidence-locker writes them.
 */
export async function refusedAttemptsThatAreRuns(classifier: RunClassifier, attempts: readonly { runId: string }[]): Promise<string[]> {
  const ids = new Set(await classifier.runIds());
  const out: string[] = [];
  for (const a of attempts) {
    if (ids.has(a.runId) && !out.includes(a.runId) && (await classifier.classify(a.runId)).trusted) out.push(a.runId);
  }
  return out;
}

/**
 * Trusted runs that started within the period (the manifest's `startedAt` decides; run ids narrow the reads), and
 * the foreign runs whose id falls in the period, has no time, or lies in the future (those belong to no period).
 */
export async function censusOfPeriod(classifier: RunClassifier, period: Period): Promise<{ trusted: TrustedRun[]; foreign: ForeignObject[] }> {
  const slack = 86_400_000;
  const inRange = (runId: string) => {
    const t = runIdTime(runId);
    return !t || (t.getTime() >= period.from.getTime() - slack && t.getTime() <= period.to.getTime() + slack) || t.getTime() > classifier.policy.now().getTime();
  };
  const census = await classifier.census(inRange);
  const trusted = census.trusted.filter((r) => {
    const started = Date.parse(r.manifest.startedAt);
    return started >= period.from.getTime() && started <= period.to.getTime();
  });
  const foreign = census.foreign.filter((f) => {
    const t = f.runId ? runIdTime(f.runId) : undefined;
    return !t || f.reason === 'future-run-id' || (t.getTime() >= period.from.getTime() && t.getTime() <= period.to.getTime());
  });
  return { trusted, foreign };
}

/** Delete markers in the store (S3): each hides a sealed object from plain listings, so each is reported as foreign. */
export async function deleteMarkerFindings(store: EvidenceStore, under?: string): Promise<ForeignObject[]> {
  if (!store.listDeleteMarkers) return [];
  return markerFindings(await store.listDeleteMarkers(under));
}

/**
 * Every delete marker in the store as foreign objects, each prefix listed once: the markers under `runs/` from the
 * classifier's listing of `runs/` (the one its runs are read from), those under `refusals/` from the refusal census's
 * listing (`refusalMarkers`, when it had one), and everything else from one more listing that leaves those two out.
 * `onVersion` is given every object version that last listing finds (evidence bodies among them), with its write time.
 */
export async function storeDeleteMarkerFindings(store: EvidenceStore, classifier: RunClassifier, refusalMarkers: DeleteMarkerRef[] | undefined, onVersion?: (version: StoredVersionRef) => void): Promise<ForeignObject[]> {
  if (!store.listDeleteMarkers) return [];
  const runMarkers = await classifier.runDeleteMarkers();
  const except = [...(runMarkers ? [`${RUNS_DIR}/`] : []), ...(refusalMarkers ? [`${REFUSALS_DIR}/`] : [])];
  const rest = await store.listDeleteMarkers('', { except, ...(onVersion ? { onVersion } : {}) });
  const all = [...(runMarkers ?? []), ...(refusalMarkers ?? []), ...rest].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return markerFindings(all);
}

/** Delete markers as foreign objects: the locked versions beneath each are still read. */
export function markerFindings(markers: readonly DeleteMarkerRef[]): ForeignObject[] {
  const out: ForeignObject[] = [];
  for (const m of markers) {
    const run = /^runs\/([^/]+)\//.exec(m.path)?.[1];
    out.push({
      ...(run ? { runId: run } : {}),
      path: m.path,
      reason: 'delete-marker',
      detail: `delete marker ${m.versionId ?? ''}${m.lastModified ? ` written ${m.lastModified.toISOString()}` : ''}; the locked versions beneath it are still read${run ? `, run ${run} stays in the chain` : ''}`,
    });
  }
  return out;
}

/**
 * A judged run's manifest bytes, read again from the store: they must still hash to the SHA-256 they were judged by (a
 * write-once store never changes them). `since` says when they were judged, for the error: "since it was judged",
 * "while the package was built".
 */
export async function rereadManifest(store: EvidenceStore, run: { runId: string; manifestSha256: string; versions?: RunFileListing }, since: string): Promise<Buffer> {
  // The sealed version judged (S3) is read by its id: the folder is not listed again, nor the other run files read.
  const sealed = store.lockedVersions ? run.versions?.get(RUN_FILES.manifest)?.[0] : undefined;
  const bytes = sealed ? await readSealedManifest(store.lockedVersions!, run.runId, sealed) : (await store.getRun(run.runId)).manifest;
  const sha = sha256Hex(bytes);
  if (sha !== run.manifestSha256) {
    throw new EvidenceLockerError(`run ${run.runId}: manifest.json in the evidence store changed ${since} (SHA-256 ${run.manifestSha256}, now ${sha})`, {
      hint: `run \`evidence-locker verify --store --run ${run.runId}\` and report the run to the store owner; the store is meant to be write-once`,
    });
  }
  return bytes;
}

/** One version of a run's manifest, refused unread when it is longer than any reader accepts. */
async function readSealedManifest(versions: LockedVersions, runId: string, sealed: StoredVersionRef): Promise<Buffer> {
  const file = RUN_FILES.manifest;
  const where = `${sealed.key}${sealed.versionId ? ` version ${sealed.versionId}` : ''}`;
  const limit = { maxBytes: RUN_FILE_MAX_BYTES[file], tooLarge: (size: number, atLeast: boolean) => runFileTooLarge(runId, file, where, size, atLeast) };
  return (await versions.readVersion(sealed.key, sealed.versionId, limit)).body;
}

/**
 * The records of manifest bytes a trusted key signed, each parsed on its own and schema-checked (a record the schema
 * refuses throws); bytes the header scan cannot split with certainty are parsed whole and checked as a manifest.
 * `check: false` skips the schema for bytes that already hash to what was checked when judged (`rereadManifest`): a
 * package's re-read and `RunClassifier.records`.
 */
export function manifestRecords(bytes: Buffer, opts: { check?: boolean } = {}): ManifestRecord[] {
  const check = opts.check ?? true;
  const out: ManifestRecord[] = [];
  const split = manifestHeaderText(bytes, (b) => {
    const record: unknown = JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
    out.push(check ? ManifestRecordSchema.parse(record) : (record as ManifestRecord));
  });
  if (split) return out;
  const whole: unknown = JSON.parse(bytes.toString('utf8'));
  return check ? RunManifestSchema.parse(whole).records : (whole as RunManifest).records;
}

/**
 * Default of `verify --store --max-seal-delay`: how long after the completion a run states its run files may reach the
 * store. The seal fixes `completedAt` just before it signs and stores the manifest; signing a 90 MB manifest in pieces,
 * uploading it in parts and sealing again under a new id up to three times (files planted) takes minutes, not an hour.
 */
export const MAX_SEAL_DELAY_MS = 3_600_000;

/** How far a run file's write time may stray from the completion its run states. */
export interface SealDelayLimits {
  /** The most time from the run's `completedAt` to the server's write of its manifest and signature. */
  maxDelayMs: number;
  /** Clock difference tolerated between the sealing host and the store's server (a file written "before" completion). */
  skewMs: number;
}

/** One run file written when its run says it could not have been. */
export interface RunFileWriteTime {
  key: string;
  versionId?: string;
  problem: string;
}

/**
 * When a run's manifest and signature reached the store, against the completion the signed manifest states: `versions`
 * are the store's versions of each run file, oldest (the sealed one) first, with the time the server wrote them (S3
 * `LastModified`, which no writer sets). A run written long after the time it claims was signed or stored then (whoever
 * holds the signing key can back-date a run this way); one written before it claims to be complete was not dated by the
 * clock of the seal that stored it. A file the store lists with no write time cannot be compared, and says so.
 */
export function runFileWriteTimeProblems(completedAt: string, versions: ReadonlyMap<string, readonly { key: string; versionId?: string; lastModified?: Date }[]>, limits: SealDelayLimits): RunFileWriteTime[] {
  const out: RunFileWriteTime[] = [];
  const completed = Date.parse(completedAt);
  for (const file of [RUN_FILES.manifest, RUN_FILES.signature]) {
    const sealed = versions.get(file)?.[0];
    if (!sealed) continue; // a missing run file is reported by whoever reads it
    const at = { key: sealed.key, ...(sealed.versionId ? { versionId: sealed.versionId } : {}) };
    if (!sealed.lastModified) {
      out.push({ ...at, problem: `the store lists no write time (LastModified) for the sealed ${file}, so when it was written cannot be compared with the run's completion ${completedAt}` });
      continue;
    }
    const written = sealed.lastModified.toISOString();
    const gap = sealed.lastModified.getTime() - completed;
    if (gap > limits.maxDelayMs) {
      out.push({
        ...at,
        problem:
          `${file} was written to the store at ${written} (LastModified, set by the server, not by the writer), ${formatSpan(gap)} after the completion ${completedAt} its signed manifest states, more than the ${formatSpan(limits.maxDelayMs)} a seal takes to store its run: ` +
          'the run was signed or stored long after the time it claims (back-dated), so its evidence does not show the state of the day it claims; whoever holds the signing key (kms:Sign) can do this, so find the Sign call of that time in CloudTrail and who made it',
      });
    } else if (-gap > limits.skewMs) {
      out.push({
        ...at,
        problem:
          `${file} was written to the store at ${written} (LastModified, set by the server, not by the writer), ${formatSpan(-gap)} before the completion ${completedAt} its signed manifest states, more than the ${formatSpan(limits.skewMs)} of clock difference allowed: ` +
          'a seal stores a run only once it is complete, so the manifest\'s times were not set by the clock of the seal that stored it',
      });
    }
  }
  return out;
}

/** The run-folder files whose write times show when a run was under way: what the collection and its seal write there. */
const OWN_RUN_FILES = [RUN_START_FILE, RUN_FILES.publicKey, RUN_FILES.signature, RUN_FILES.manifest] as const;

/**
 * For runs whose manifest seals no start secret (sealed before start files named one; `runDayJudgement` decides): the
 * UTC day a collection run claims (that of its signed `startedAt`) against the store's write times (S3
 * `LastModified`, which no writer sets) of the files of its own run folder: the start file the collection writes before
 * its first AWS call, and the seal's files (of a run sealed again under a new id, the start file of each earlier attempt
 * its signed manifest names, `attemptFolders`). Content-addressed bodies do not count: another run, or an attempt whose
 * seal was refused, may have written them days before. The earliest such write must be no later than the end of the
 * claimed day, or than `maxDelayMs` after the start (a collection started at 23:59:30 writes its start file seconds
 * later), and no earlier than the start less `skewMs`. Otherwise the run was signed or stored on a later day than it
 * claims (a kms:Sign holder can seal a run stated to start on a missed day, with a span under a day): it proves no
 * collection on that day. Reconstructions (dated by the day they rebuilt, sealed when they ran) and attestations (not
 * dated to a day) are not judged here. Undefined when the day is shown, or the run is not a collection.
 */
export function runDayWriteProblem(
  run: Pick<RunManifest, 'kind' | 'startedAt'> & { reconstruction?: unknown },
  own: RunFileListing,
  attemptFolders: readonly RunFileListing[],
  limits: SealDelayLimits,
): RunFileWriteTime | undefined {
  if (run.kind !== 'collection' || run.reconstruction) return undefined;
  const started = Date.parse(run.startedAt);
  if (!Number.isFinite(started)) return undefined;
  const day = run.startedAt.slice(0, 10);
  const candidates = [...OWN_RUN_FILES.map((f) => own.get(f)?.[0]), ...attemptFolders.map((a) => a.get(RUN_START_FILE)?.[0])].filter((v): v is StoredVersionRef => v?.lastModified !== undefined);
  const earliest = candidates.reduce<StoredVersionRef | undefined>((e, v) => (!e || v.lastModified!.getTime() < e.lastModified!.getTime() ? v : e), undefined);
  const manifest = own.get(RUN_FILES.manifest)?.[0];
  if (!earliest) {
    if (!manifest) return undefined; // a missing run file is reported by whoever reads it
    return { key: manifest.key, ...(manifest.versionId ? { versionId: manifest.versionId } : {}), problem: `the store lists no write time (LastModified) for any file of the run's folder, so the day it claims (${day}) cannot be shown: it proves no day` };
  }
  const at = earliest.lastModified!;
  const where = { key: earliest.key, ...(earliest.versionId ? { versionId: earliest.versionId } : {}) };
  const dayEnd = Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
  const latest = Math.max(dayEnd, started + limits.maxDelayMs);
  if (at.getTime() >= latest) {
    return {
      ...where,
      problem:
        `the run states it started at ${run.startedAt} (day ${day}), but the earliest file of its own run folder was written to the store at ${at.toISOString()} (LastModified, set by the server, not by the writer; ${earliest.key.slice(earliest.key.lastIndexOf('/') + 1)}), after that day ended and more than ${formatSpan(limits.maxDelayMs)} after its start: ` +
        `no write of the run was seen on the day it claims, so it proves no collection on ${day} (a collection writes ${RUN_START_FILE} before its first AWS call); whoever holds the signing key (kms:Sign) can seal a run stated to start on a past day, so find the Sign call of its completion in CloudTrail and who made it`,
    };
  }
  if (started - at.getTime() > limits.skewMs) {
    return {
      ...where,
      problem:
        `the earliest file of the run's own folder was written to the store at ${at.toISOString()} (LastModified), ${formatSpan(started - at.getTime())} before the start ${run.startedAt} its signed manifest states, more than the ${formatSpan(limits.skewMs)} of clock difference allowed: ` +
        `a collection writes into its run folder only once it has started, so the folder held files before this run began and its start was not dated by the clock of the collection that wrote it: it proves no collection on ${day}`,
    };
  }
  return undefined;
}

/**
 * How long after its signed start a collection's start file may have been written (S3 `LastModified`) for the start file
 * to date the run: the collector fixes its start, then runs the store's preflight (a few bucket reads, once per process)
 * and writes the start file, which takes well under a second; retries of a slow or failing S3 request (8 attempts, each
 * waiting at most seconds) take minutes at worst; and the collector's clock may be behind the server's by as much as the
 * 15 minutes allowed for clock difference. A run whose start file came later was not started when it says.
 */
export const START_FILE_MAX_DELAY_MS = 15 * 60_000;

/** The most bytes of a start file read: the collector writes a one-line JSON of about 200 bytes. */
const START_FILE_MAX_BYTES = 4096;

/** What a start file says of the collection that wrote it: the SHA-256 of its secret, or nothing (written before start files named one). */
type StartFileRead = { ref: StoredVersionRef; secretSha256?: string; unreadable?: string };

async function readStartFile(reader: Pick<LockedVersions, 'readVersion'>, ref: StoredVersionRef): Promise<StartFileRead> {
  try {
    const v = await reader.readVersion(ref.key, ref.versionId, { maxBytes: START_FILE_MAX_BYTES, tooLarge: (size, atLeast) => new Error(`it is ${atLeast ? 'at least ' : ''}${size} bytes, more than the ${START_FILE_MAX_BYTES} a start file has`) });
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.body.toString('utf8'));
    } catch {
      return { ref, unreadable: 'it is not JSON' };
    }
    const hash = parsed && typeof parsed === 'object' ? (parsed as { startSecretSha256?: unknown }).startSecretSha256 : undefined;
    if (hash === undefined) return { ref };
    return typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? { ref, secretSha256: hash } : { ref, unreadable: 'its startSecretSha256 is not a SHA-256 in hex' };
  } catch (err) {
    return { ref, unreadable: (err as Error).message.split('\n')[0] };
  }
}

/**
 * The day a collection run claims, judged by the start files of its own run folder and of each earlier attempt its
 * signed manifest names (`attemptFolders`), which a collection writes before its first AWS call (`runDayWriteProblem`
 * for runs whose start file names no secret). A run that seals a start secret (`startSecret`) is dated by the start
 * file whose `startSecretSha256` is the SHA-256 of that secret, and by no other file: its write time must be no earlier
 * than the signed start less `skewMs` and no later than `START_FILE_MAX_DELAY_MS` after it. A run that seals no secret,
 * in a folder whose start file names one, is not the collection that wrote it (its run id was taken after that
 * collection stopped before sealing). Either proves no day, with the reason (`problem`); none when the day is shown, or the
 * run is not a collection.
 *
 * With the problem, the start file that dated the run when it shows its day (`start`): the one whose hash is that of
 * the secret the run seals, or for a run sealed before start files named a secret the earliest start file of its own
 * folder and of its earlier attempts' (none for a run sealed without a start file). Every object the run seals is then
 * compared with that start file's write time (`sealedObjectsWriteProblem`).
 */
export async function runDayJudgement(
  reader: Pick<LockedVersions, 'readVersion'>,
  run: Pick<RunManifest, 'kind' | 'startedAt' | 'startSecret'> & { reconstruction?: unknown },
  own: RunFileListing,
  attemptFolders: readonly RunFileListing[],
  limits: SealDelayLimits,
): Promise<{ problem?: RunFileWriteTime; start?: StoredVersionRef }> {
  if (run.kind !== 'collection' || run.reconstruction) return {};
  const started = Date.parse(run.startedAt);
  if (!Number.isFinite(started)) return {};
  const day = run.startedAt.slice(0, 10);
  const refs = [own, ...attemptFolders].map((f) => f.get(RUN_START_FILE)?.[0]).filter((v): v is StoredVersionRef => v !== undefined);
  const starts = await Promise.all(refs.map((r) => readStartFile(reader, r)));
  const where = (ref: StoredVersionRef) => ({ key: ref.key, ...(ref.versionId ? { versionId: ref.versionId } : {}) });
  const noDay = `it proves no collection on ${day}`;
  const judged = (problem: RunFileWriteTime | undefined, start?: StoredVersionRef) => (problem ? { problem } : start ? { start } : {});
  if (!run.startSecret) {
    const bound = starts.find((s) => s.secretSha256 !== undefined);
    if (bound) {
      return judged({
        ...where(bound.ref),
        problem:
          `the run's folder holds the start file of a collection that drew a start secret (its startSecretSha256 is ${bound.secretSha256}), but the run's signed manifest names no startSecret: ` +
          `the run sealed under this id is not the collection that started it (that collection stopped before sealing, and its run id was sealed later), so the start file's write time is not this run's and ${noDay}; whoever holds the signing key (kms:Sign) can do this, so find the Sign call of its completion in CloudTrail and who made it`,
      });
    }
    const earliest = refs.filter((r) => r.lastModified !== undefined).reduce<StoredVersionRef | undefined>((e, r) => (!e || r.lastModified!.getTime() < e.lastModified!.getTime() ? r : e), undefined);
    return judged(runDayWriteProblem(run, own, attemptFolders, limits), earliest);
  }
  const wanted = startSecretSha256(run.startSecret);
  const matching = starts.filter((s) => s.secretSha256 === wanted && s.ref.lastModified !== undefined);
  if (!matching.length) {
    const manifest = own.get(RUN_FILES.manifest)?.[0];
    const first = starts[0];
    const found = starts.length
      ? starts.map((s) => `${s.ref.key}${s.ref.versionId ? ` version ${s.ref.versionId}` : ''} ${s.unreadable ? `cannot be read (${s.unreadable})` : s.secretSha256 ? `names startSecretSha256 ${s.secretSha256}` : 'names no start secret'}${s.ref.lastModified ? '' : ' and has no write time (LastModified)'}`).join('; ')
      : `no ${RUN_START_FILE} is in its run folder${attemptFolders.length ? ' or those of its earlier attempts' : ''}`;
    const ref = first?.ref ?? manifest;
    if (!ref) return {}; // a missing run file is reported by whoever reads it
    return judged({
      ...where(ref),
      problem:
        `the run's signed manifest names a start secret whose SHA-256 is ${wanted}, and no start file of the run's folder shows it: ${found}; ` +
        `only the start file of the collection that drew the secret dates the run (a run sealed under the id of a collection that stopped before sealing does not know its secret), so ${noDay}; whoever holds the signing key (kms:Sign) can seal such a run, so find the Sign call of its completion in CloudTrail and who made it`,
    });
  }
  const start = matching.reduce((e, s) => (s.ref.lastModified!.getTime() < e.ref.lastModified!.getTime() ? s : e));
  const at = start.ref.lastModified!;
  const gap = at.getTime() - started;
  if (gap > START_FILE_MAX_DELAY_MS) {
    return judged({
      ...where(start.ref),
      problem:
        `the run states it started at ${run.startedAt} (day ${day}), but its start file was written to the store at ${at.toISOString()} (LastModified, set by the server, not by the writer), ${formatSpan(gap)} after that start, more than the ${formatSpan(START_FILE_MAX_DELAY_MS)} a collection takes to write it: ` +
        `the run did not start when it says, so ${noDay}; whoever holds the signing key (kms:Sign) can seal a run stated to start on a past day, so find the Sign call of its completion in CloudTrail and who made it`,
    });
  }
  if (-gap > limits.skewMs) {
    return judged({
      ...where(start.ref),
      problem:
        `the run's start file was written to the store at ${at.toISOString()} (LastModified), ${formatSpan(-gap)} before the start ${run.startedAt} its signed manifest states, more than the ${formatSpan(limits.skewMs)} of clock difference allowed: ` +
        `a collection writes its start file only once it has started, so its start was not dated by the clock of the collection that wrote it: ${noDay}`,
    });
  }
  return { start: start.ref };
}

/** One object a run seals (an evidence body at the version its record names, or one of its run files), with the server's write time. */
export interface SealedObjectTime {
  key: string;
  versionId?: string;
  /** S3 `LastModified`, from a listing or a read already made; absent when the store gave none. */
  lastModified?: Date;
}

/** The limits a sealed object's write time is held to, after the write of the start file that dated its run. */
export interface SealedObjectLimits extends SealDelayLimits {
  /** The most time a run may state it took (`--max-run-span`). */
  maxRunSpanMs: number;
}

/**
 * How much earlier than its run's start file an object may be listed: S3 gives a GetObject's write time to the second
 * (the Last-Modified header), so both times are compared to the second, and a second more is allowed for the clocks
 * of the servers behind one endpoint.
 */
const SAME_CLOCK_MS = 1000;

/**
 * The server's write times (S3 `LastModified`) of every object a collection run seals, against that of the start file
 * that dated it (`runDayJudgement`'s `start`): a collection writes its start file before its first AWS call and every
 * evidence body after a call, and seals at its completion, no later than `maxRunSpanMs` after its start, plus the clock
 * difference `skewMs` its start may have from the start file and the `maxDelayMs` a seal takes to store its run. An
 * object written before that start file, or after that latest time, was not written by the collection the start file
 * dates: a start file written ahead of time (by someone holding the collector's write access) only dates a run whose
 * evidence reached the store within its span. One without a write time cannot be shown either way (`untimed`: a
 * problem, the default, or left to the caller, who names it otherwise). Each proves no day;
 * the first found is named with both times, the others counted. Undefined when every object is within the run.
 */
export function sealedObjectsWriteProblem(day: string, start: StoredVersionRef, objects: Iterable<SealedObjectTime>, limits: SealedObjectLimits, opts: { untimed?: 'problem' | 'skip' } = {}): RunFileWriteTime | undefined {
  if (!start.lastModified) return undefined;
  const from = start.lastModified.getTime();
  const earliest = Math.floor(from / 1000) * 1000 - SAME_CLOCK_MS;
  const latest = from + limits.skewMs + limits.maxRunSpanMs + limits.maxDelayMs;
  let first: { o: SealedObjectTime; kind: 'none' | 'before' | 'after' } | undefined;
  let more = 0;
  for (const o of objects) {
    const t = o.lastModified?.getTime();
    if ((t === undefined || !Number.isFinite(t)) && opts.untimed === 'skip') continue;
    const kind = t === undefined || !Number.isFinite(t) ? 'none' : Math.floor(t / 1000) * 1000 < earliest ? 'before' : t > latest ? 'after' : undefined;
    if (!kind) continue;
    if (first) more++;
    else first = { o, kind };
  }
  if (!first) return undefined;
  const { o, kind } = first;
  const name = `${o.key}${o.versionId ? ` version ${o.versionId}` : ''}`;
  const startName = `${start.key}${start.versionId ? ` version ${start.versionId}` : ''}`;
  const startAt = start.lastModified.toISOString();
  const others = more ? `; ${more} more object(s) of the run likewise` : '';
  const noDay = `it proves no collection on ${day}`;
  const why =
    kind === 'none'
      ? `the store gives no write time (LastModified) for ${name}, an object the run seals, so whether it was written between the run's start file ${startName} (written ${startAt}) and the end of the run's span cannot be shown: ${noDay}`
      : kind === 'before'
        ? `${name}, an object the run seals, was written to the store at ${o.lastModified!.toISOString()} (LastModified, set by the server, not by the writer), ${formatSpan(from - o.lastModified!.getTime())} before the run's start file ${startName} (written ${startAt}): ` +
          `a collection writes its evidence only after its start file, so this evidence was in the store before the run began (made ahead of it, or taken from an earlier run) and ${noDay}; whoever holds the collector's write access and the signing key (kms:Sign) can seal such a run against a start file written ahead of time, so find the PutObject and Sign calls in CloudTrail and who made them`
        : `${name}, an object the run seals, was written to the store at ${o.lastModified!.toISOString()} (LastModified, set by the server, not by the writer), ${formatSpan(o.lastModified!.getTime() - from)} after the run's start file ${startName} (written ${startAt}), later than the ${formatSpan(limits.maxRunSpanMs)} a run may take (--max-run-span) with ${formatSpan(limits.skewMs)} of clock difference and the ${formatSpan(limits.maxDelayMs)} a seal takes to store its run: ` +
          `the run's evidence was not written within the span of the start file that dates it (a start file written ahead of time, used later) and ${noDay}; find the PutObject and Sign calls in CloudTrail and who made them`;
  return { key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}), problem: `${why}${others}` };
}

/**
 * Default of `--max-run-span` (`verify --store`, `store verify`, `package`, and `verify` of a package): the most time a
 * run may state it took, from its signed `startedAt` to its signed `completedAt`. Collection is scheduled daily and a
 * run longer than a day would overlap the next; the largest collection measured (1,000 accounts x 17 regions, per
 * account) takes hours. Attestation, hold, release and reconstruction runs state the minutes they ran.
 */
export const MAX_RUN_SPAN_MS = 86_400_000;

/**
 * A run whose signed manifest states it took longer than `maxSpanMs`: its start (its run id and day) can lie far before
 * the time it was signed and stored, since the store's write time is compared with its completion only. Undefined when
 * the span is within the limit (exactly at it passes) or a time does not parse (the schema reports that).
 */
export function runSpanProblem(startedAt: string, completedAt: string, maxSpanMs: number): string | undefined {
  const span = Date.parse(completedAt) - Date.parse(startedAt);
  if (!Number.isFinite(span) || span <= maxSpanMs) return undefined;
  return (
    `the run states it started at ${startedAt} and completed at ${completedAt} (both signed), a span of ${formatSpan(span)}, more than the ${formatSpan(maxSpanMs)} a run may take (--max-run-span): ` +
    'its start, and so the day it claims, may lie long before it was signed and stored (back-dated), so its evidence does not show the state of the day it claims; whoever holds the signing key (kms:Sign) can do this, so find the Sign call of its completion in CloudTrail and who made it'
  );
}

/** `67 d 3 h`, `2 h 5 min`, `12 min 30 s`, `40 s`: a span as an operator reads it. */
export function formatSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [d, h, m, sec] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

/** A run folder holding only a collection's start file, as `verify --store` lists it and a package built from S3 records it. */
export interface UnsealedStart {
  runId: string;
  key: string;
  versionId?: string;
  /** The start file's write time (S3 LastModified, set by the server). */
  writtenAt?: string;
}

/**
 * The start-only run folders whose start file the server wrote within [from, to] (one with no write time is listed
 * too), less the folders of abandoned seal attempts that one of `runs` names (its evidence was sealed under another id);
 * undefined on a store whose listing does not show them (a local one).
 */
export async function unsealedStartsIn(classifier: RunClassifier, from: Date, to: Date, runs: readonly { manifest: Pick<RunManifest, 'sealAttempts'> }[]): Promise<UnsealedStart[] | undefined> {
  const folders = await classifier.startOnlyFolders();
  if (!folders) return undefined;
  const attempts = new Set(runs.flatMap((r) => (r.manifest.sealAttempts ?? []).map((a) => a.runId)));
  return folders
    .filter((f) => !attempts.has(f.runId) && (!f.start.lastModified || (f.start.lastModified.getTime() >= from.getTime() && f.start.lastModified.getTime() <= to.getTime())))
    .map((f) => ({ runId: f.runId, key: f.start.key, ...(f.start.versionId ? { versionId: f.start.versionId } : {}), ...(f.start.lastModified ? { writtenAt: f.start.lastModified.toISOString() } : {}) }));
}

/** The entry as manifest.json and summary.json record it (these fields only, in this order). */
export function unsealedStartEntry(u: UnsealedStart): UnsealedStart {
  return { runId: u.runId, key: u.key, ...(u.versionId !== undefined ? { versionId: u.versionId } : {}), ...(u.writtenAt !== undefined ? { writtenAt: u.writtenAt } : {}) };
}

/** One unsealed start, in words: the folder, its start file and when the server wrote it. */
export function unsealedStartWords(u: UnsealedStart): string {
  return `run folder ${u.runId} holds a collection's start file (${u.key}${u.versionId ? ` version ${u.versionId}` : ''}, written ${u.writtenAt ? `${u.writtenAt} by the server's clock (S3 LastModified)` : 'at a time the store does not list'}) and no sealed run`;
}

/**
 * What unsealed starts do and do not show, for every view that lists them: a collection that stopped before sealing
 * and a start file written ahead of a run someone means to seal later look the same.
 */
export const UNSEALED_START_MEANING =
  'A collection writes its start file before its first AWS call and seals its run when it ends: a folder with a start file and no sealed run is a collection that stopped before sealing (a crash, a stopped task), or a start file written in advance by someone holding the collector\'s write access, ready for a run to be sealed later with a day it claims; the two cannot be told apart from the store. Such folders prove no day and are not evidence.';
