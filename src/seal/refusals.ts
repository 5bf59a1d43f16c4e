import { randomBytes } from 'node:crypto';
import { EvidenceLockerError } from '../errors.js';
import { canonicalBytes } from './canonical.js';
import { nonCanonicalRunManifest } from './canonical-check.js';
import { sha256Hex } from '../evidence/hash.js';
import { REFUSAL_FILE, REFUSAL_MAX_BYTES, REFUSALS_DIR, RefusedBodiesSchema, SealRefusalSchema, refusalPath, SignedSealRefusalSchema, type RefusedBodies, type RefusedBodyListRef, type SealRefusal, type SealRefusalRef } from '../evidence/refusal.js';
import type { DeleteMarkerRef, EvidenceStore, StoredRefusalRef } from '../evidence/store.js';
import { runIdTime } from '../evidence/run-id.js';
import { isWrittenTime } from '../evidence/period.js';
import type { ManifestSigner } from './signer.js';
import { publicKeyFingerprint, signatureScheme, verifiedScheme } from './verify-signature.js';
import { formatSpan, type ForeignObject, type TrustPolicy } from './trust.js';
import type { RunManifest } from '../evidence/manifest.js';
import type { ManifestRecord } from '../evidence/record.js';

/** A refusal record signed by a trusted key, as found in a store or a package. */
export interface TrustedRefusal {
  ref: StoredRefusalRef;
  /** SHA-256 of the stored bytes. */
  sha256: string;
  bytes: Buffer;
  refusal: SealRefusal;
}

/**
 * Signs a refusal with the run's signer (the canonical JSON of the refusal, as a manifest's bytes are signed) and
 * writes it, with the signature and public key, as one object under `refusals/` whose name is the first attempt's run
 * id and 128 random bits. Returns where it went and its SHA-256.
 */
export async function writeSealRefusal(store: EvidenceStore, signer: ManifestSigner, refusal: SealRefusal): Promise<SealRefusalRef> {
  const shelf = store.sealRefusals;
  if (!shelf) throw new EvidenceLockerError(`the ${store.kind} store at ${store.describe().location} cannot keep refusal records`);
  const checked = SealRefusalSchema.parse(refusal);
  const signature = await signer.sign(canonicalBytes(checked));
  const bytes = canonicalBytes({ schema: 'evidence-locker/signed-seal-refusal@1', refusal: checked, signature: signature.toString('base64'), publicKeyPem: await signer.publicKeyPem() });
  const name = `${checked.attempts[0].runId}-r${randomBytes(16).toString('hex')}.json`;
  const where = await shelf.putRefusal(name, bytes);
  return { ...where, sha256: sha256Hex(bytes), runIds: checked.attempts.map((a) => a.runId), startedAt: checked.startedAt, refusedAt: checked.refusedAt };
}

/** What the list of a refused run's bodies keeps of each record: the body's SHA-256, size and where it was written. */
export type RefusedBody = Pick<ManifestRecord, 'sha256' | 'size' | 'location'>;

/**
 * Stores the list of the bodies a refused run's records name (each body once, sorted) as a content-addressed body, under
 * the same lock as every body, and returns how the refusal record names it.
 */
export async function writeRefusedBodyList(store: EvidenceStore, records: Iterable<RefusedBody>): Promise<RefusedBodyListRef> {
  const unique = new Map<string, RefusedBodies['bodies'][number]>();
  for (const r of records) {
    const at = r.location ? { key: r.location.key, ...(r.location.versionId ? { versionId: r.location.versionId } : {}) } : undefined;
    unique.set(`${r.sha256}\u0000${at?.versionId ?? ''}\u0000${at?.key ?? ''}`, { sha256: r.sha256, size: r.size, ...(at ? { location: at } : {}) });
  }
  const bodies = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, b]) => b);
  const bytes = canonicalBytes(RefusedBodiesSchema.parse({ schema: 'evidence-locker/refused-bodies@1', bodies }));
  const sha256 = sha256Hex(bytes);
  const stored = await store.putObject(sha256, bytes);
  return { sha256, size: bytes.length, bodies: bodies.length, location: { key: stored.key, ...(stored.versionId ? { versionId: stored.versionId } : {}) } };
}

/** The list of a refused run's bodies that a trusted refusal record names, read back and checked against the SHA-256 and size the record signs. */
export async function readRefusedBodyList(store: EvidenceStore, ref: RefusedBodyListRef): Promise<RefusedBodies> {
  const bytes = await store.getObject(ref.sha256, ref.size);
  const got = sha256Hex(bytes);
  if (got !== ref.sha256 || bytes.length !== ref.size) throw new EvidenceLockerError(`the list of a refused run's bodies (objects/ body ${ref.sha256}, ${ref.size} bytes) reads back as ${bytes.length} bytes with SHA-256 ${got}`);
  const parsed = RefusedBodiesSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new EvidenceLockerError(`the list of a refused run's bodies (objects/ body ${ref.sha256}) is not a list of bodies: ${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/**
 * Whether bytes are a refusal record signed by a trusted key: canonical JSON (one meaning for every parser), a signature
 * that verifies over the refusal's canonical JSON with the public key beside it, that key trusted and named by the
 * refusal itself, the schema, its times written as evidence-locker writes them, and none in the future. Signature and
 * key are checked before the refusal is parsed.
 */
export function judgeRefusal(bytes: Buffer, policy: Pick<TrustPolicy, 'fingerprints' | 'now' | 'skewMs'>): { refusal: SealRefusal; keyFingerprint: string } | { problem: string; keyFingerprint?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message.split('\n')[0]})` };
  }
  const envelope = SignedSealRefusalSchema.safeParse(raw);
  if (!envelope.success) return { problem: `not a signed refusal record (${envelope.error.issues[0]?.path.join('.') || '(root)'}: ${envelope.error.issues[0]?.message ?? 'unknown shape'})` };
  const nonCanonical = nonCanonicalRunManifest(bytes, raw, 'store');
  if (nonCanonical) return { problem: `not canonical JSON: ${nonCanonical.replace(/manifest/g, 'record')}` };
  let keyFingerprint: string;
  try {
    keyFingerprint = publicKeyFingerprint(envelope.data.publicKeyPem);
  } catch {
    return { problem: 'publicKeyPem is not a readable public key' };
  }
  const signed = canonicalBytes(envelope.data.refusal);
  const scheme = verifiedScheme(signed, Buffer.from(envelope.data.signature, 'base64'), envelope.data.publicKeyPem);
  if (!scheme) return { problem: 'the signature does not verify over the refusal with the public key beside it', keyFingerprint };
  if (!policy.fingerprints.has(keyFingerprint)) return { problem: `signed by key ${keyFingerprint}, not a trusted key`, keyFingerprint };
  const parsed = SealRefusalSchema.safeParse(envelope.data.refusal);
  if (!parsed.success) return { problem: `refusal.${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'not a refusal'}`, keyFingerprint };
  const refusal = parsed.data;
  if (refusal.signing.keyFingerprint !== keyFingerprint || signatureScheme(refusal.signing.algorithm) !== scheme) {
    return { problem: `the refusal names key ${refusal.signing.keyFingerprint} (${refusal.signing.algorithm}), not the key that signed it`, keyFingerprint };
  }
  const limit = policy.now().getTime() + policy.skewMs;
  for (const [field, value] of [['startedAt', refusal.startedAt], ['refusedAt', refusal.refusedAt]] as const) {
    // Written by toISOString only: a time another parser could read otherwise (a zone offset, a date alone) is refused.
    if (!isWrittenTime(value)) return { problem: `refusal ${field} ${JSON.stringify(value)} is not a time as evidence-locker writes it (YYYY-MM-DDTHH:MM:SS.sssZ)`, keyFingerprint };
    if (Date.parse(value) > limit) return { problem: `refusal ${field} ${value} is not a time before now`, keyFingerprint };
  }
  return { refusal, keyFingerprint };
}

/**
 * Why a trusted refusal record's stored name is not the one the seal gives it (`refusals/<first attempt's run id>-r<32
 * hex>.json`), or undefined. The seal names each record after its own first attempt, so the signed bytes of one record
 * copied to another record's key (a new version of it, or a new name) are not that record: someone else wrote them there.
 */
export function refusalNameProblem(path: string, refusal: SealRefusal): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const first = refusal.attempts[0]?.runId ?? '';
  // Directly under refusals/: the seal writes no deeper key, and a copy one folder down is a copy all the same.
  if (path === refusalPath(name) && REFUSAL_FILE.test(name) && name.startsWith(`${first}-r`) && name.length === first.length + 39) return undefined;
  return `its name is not the one the seal gives this record (${REFUSALS_DIR}/${first}-r<32 hex>.json, after its first attempt): the signed bytes of a record copied here by someone else`;
}

/** Why a trusted refusal record naming a sealed run as one of its refused attempts cannot be taken as the seal wrote it. */
export function refusedAttemptIsRun(path: string, runId: string): string {
  return (
    `refusal record ${path} names run ${runId} as a refused seal attempt (files planted by someone else), but ${runId} is a sealed run signed by a trusted key: ` +
    'a seal is refused only when readers would not take the files of any attempt as its own, so the record or the run was not written by evidence-locker; ' +
    'whoever holds the signing key (kms:Sign) can write either: reconcile the key\'s CloudTrail Sign events'
  );
}

/**
 * What a left-out refusal record that the store wrote after the run that does not name it is (S3 `LastModified`, set by
 * the server): not a refusal the run's seal hid, since it was not there when that seal listed `refusals/`, but one
 * signed and written afterwards with its times set back, which only a holder of the signing key can do.
 */
export function refusalWrittenAfterRun(left: Pick<RefusalLeftOut, 'runId' | 'path' | 'versionId'>, refusedAt: string, recordWritten: Date, runWritten: Date): string {
  return (
    `refusal record ${left.path}${left.versionId ? ` version ${left.versionId}` : ''} states its seal was refused at ${refusedAt}, before run ${left.runId} of the same link completed, ` +
    `but the store wrote it at ${recordWritten.toISOString()} (LastModified, set by the server, not by the writer), after run ${left.runId}'s manifest (${runWritten.toISOString()}): ` +
    `that run's seal could not have read it; the record was signed and written after the run by a holder of the signing key (kms:Sign) who dated it back, and says nothing of that day's collection: find the Sign call of ${recordWritten.toISOString()} in CloudTrail and who made it`
  );
}

/**
 * A refusal record the store wrote long after the refusal it states (S3 `LastModified`): the seal writes its record right
 * after its last attempt is refused, so one written later was signed then by a holder of the signing key, dated back.
 */
export function refusalWrittenLateProblem(path: string, refusedAt: string, written: Date, maxDelayMs: number): string | undefined {
  const gap = written.getTime() - Date.parse(refusedAt);
  if (Number.isNaN(gap) || gap <= maxDelayMs) return undefined;
  return (
    `refusal record ${path} was written to the store at ${written.toISOString()} (LastModified, set by the server, not by the writer), ${formatSpan(gap)} after the refusal ${refusedAt} it states, more than the ${formatSpan(maxDelayMs)} a seal takes to write it: ` +
    'the record was signed or stored long after the time it claims (back-dated) by a holder of the signing key (kms:Sign); find the Sign call of that time in CloudTrail and who made it'
  );
}

/** The most objects under `refusals/` one seal reads (newest first by the run id in their names); the rest are counted, not read. */
export const SEAL_REFUSAL_READS = 32;

/**
 * Every object under `refusals/` of a store, judged: refusal records signed by a trusted key and stored under the name
 * the seal gives them, and everything else (junk, unsigned, another key, a record's signed bytes copied to another
 * record's key or name) as foreign objects, reported and never used.
 * `only` chooses which to consider; `maxReads` bounds how many of those are read, newest first by the run id in their
 * names (an object the listing gives as larger than a record can be is foreign without being read, and costs no read);
 * the others are returned as `unread`, neither trusted nor foreign: nothing is known of them.
 */
export async function refusalCensus(
  store: EvidenceStore,
  policy: TrustPolicy,
  only: (ref: StoredRefusalRef) => boolean = () => true,
  maxReads = Number.POSITIVE_INFINITY,
  /** The listing of `refusals/` when the caller has made it already: it is not listed again. */
  given?: { refs: StoredRefusalRef[]; deleteMarkers?: DeleteMarkerRef[] },
): Promise<{ trusted: TrustedRefusal[]; foreign: ForeignObject[]; unread: StoredRefusalRef[]; deleteMarkers?: DeleteMarkerRef[]; listed: StoredRefusalRef[] }> {
  const trusted: TrustedRefusal[] = [];
  const foreign: ForeignObject[] = [];
  const unread: StoredRefusalRef[] = [];
  const shelf = store.sealRefusals;
  if (!shelf) return { trusted, foreign, unread, listed: [] };
  // A versioned store gives the delete markers under refusals/ from the same listing: a reader reporting markers lists it once.
  const listed = given ?? (shelf.listRefusalsAndMarkers ? await shelf.listRefusalsAndMarkers() : { refs: await shelf.listRefusals() });
  const chosen = listed.refs.filter((ref) => only(ref));
  if (chosen.length > maxReads) {
    const time = (ref: StoredRefusalRef) => refusalNameTime(ref.path) ?? 0;
    chosen.sort((a, b) => time(b) - time(a) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    unread.push(...chosen.splice(maxReads));
  }
  // The SHA-256 of the first (oldest) version read of each key; null when that version was not read. The seal writes a
  // record once, under a key nobody knows before it is written, so a key's first version is the seal's: a later version
  // is the same record only if it holds the same bytes (an SDK retry of the write), whatever key signed it.
  const firstOfKey = new Map<string, string | null>();
  for (const ref of chosen) {
    const at = { path: ref.path, ...(ref.versionId ? { versionId: ref.versionId } : {}) };
    const version = ref.versionId ? `version ${ref.versionId}: ` : '';
    const first = firstOfKey.get(ref.path);
    if (!firstOfKey.has(ref.path)) firstOfKey.set(ref.path, null);
    if (ref.size !== undefined && ref.size > REFUSAL_MAX_BYTES) {
      foreign.push({ ...at, reason: 'not-a-refusal', detail: `${version}${ref.size} bytes as listed, more than a refusal record can be (${REFUSAL_MAX_BYTES}); not read` });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await shelf.readRefusal(ref, REFUSAL_MAX_BYTES);
    } catch (err) {
      foreign.push({ ...at, reason: 'not-a-refusal', detail: `${version}cannot be read: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    const sha256 = sha256Hex(bytes);
    if (first === undefined) firstOfKey.set(ref.path, sha256);
    else if (first !== sha256) {
      foreign.push({ ...at, reason: 'not-a-refusal', detail: `${version}${laterVersionProblem(first)}`, ...(keyOf(bytes, policy) ?? {}) });
      continue;
    }
    const judged = judgeRefusal(bytes, policy);
    if ('problem' in judged) {
      foreign.push({ ...at, reason: 'not-a-refusal', detail: `${version}${judged.problem}`, ...(judged.keyFingerprint ? { keyFingerprint: judged.keyFingerprint } : {}) });
      continue;
    }
    const misnamed = refusalNameProblem(ref.path, judged.refusal);
    if (misnamed) {
      foreign.push({ ...at, reason: 'not-a-refusal', detail: `${version}${misnamed}`, keyFingerprint: judged.keyFingerprint });
      continue;
    }
    trusted.push({ ref, sha256, bytes, refusal: judged.refusal });
  }
  return { trusted, foreign, unread, ...(listed.deleteMarkers ? { deleteMarkers: listed.deleteMarkers } : {}), listed: listed.refs };
}

/** Why a later version of a key under `refusals/` whose bytes are not its first version's is no refusal record. */
function laterVersionProblem(first: string | null): string {
  const was = first === null ? 'whose first version is no readable record' : `whose first version (SHA-256 ${first}) holds other bytes`;
  return `a later version of a key ${was}: the seal writes each record once, under a name nobody knows before it is written, and readers take the key's first version; these bytes were written there by someone else (a signed record here would stand beside the one the seal wrote and the run that names it)`;
}

/** The key fingerprint a foreign object under `refusals/` was signed with, when it is a signed refusal record at all. */
function keyOf(bytes: Buffer, policy: Pick<TrustPolicy, 'fingerprints' | 'now' | 'skewMs'>): { keyFingerprint: string } | undefined {
  const judged = judgeRefusal(bytes, policy);
  return judged.keyFingerprint ? { keyFingerprint: judged.keyFingerprint } : undefined;
}

/** The time of the run id a refusal record's name begins with (`refusals/<run id>-r<32 hex>.json`), if it has one. */
export function refusalNameTime(path: string): number | undefined {
  const name = path.slice(REFUSALS_DIR.length + 1);
  if (!REFUSAL_FILE.test(name)) return undefined;
  return runIdTime(name.replace(/-r[0-9a-f]{32}\.json$/, ''))?.getTime();
}

/**
 * Whether a stored object may be a refusal record written since `since` (an ISO time; null: any) and not after `until`
 * (epoch ms; omitted: no bound): its name is one the seal makes, whose run id is dated in between (the seal names a
 * record after the run id of its first attempt, so a record cannot be dated after it was written). The seal reads only
 * those, so junk under another name (or an old or future-dated one) costs it a listing, not a read; verify and package
 * read everything.
 */
export function mayBeRefusalSince(since: string | null, until?: number): (ref: StoredRefusalRef) => boolean {
  const from = since === null ? undefined : Date.parse(since) - 1000;
  return (ref) => {
    const name = ref.path.slice(REFUSALS_DIR.length + 1);
    if (!REFUSAL_FILE.test(name)) return false;
    const at = refusalNameTime(ref.path);
    if (at === undefined) return true;
    return (from === undefined || at >= from) && (until === undefined || at <= until);
  };
}

/** The reference a sealed run's manifest keeps of a trusted refusal record. */
export function refusalRef(r: TrustedRefusal): SealRefusalRef {
  return {
    path: r.ref.path,
    ...(r.ref.versionId ? { versionId: r.ref.versionId } : {}),
    sha256: r.sha256,
    runIds: r.refusal.attempts.map((a) => a.runId),
    startedAt: r.refusal.startedAt,
    refusedAt: r.refusal.refusedAt,
  };
}

/**
 * The trusted refusals a new run of `chain` whose previous link is `previous` names: those refused since that run,
 * i.e. whose attempts had the same previous link (none, for a chain's first run).
 */
export function refusalsSince(trusted: TrustedRefusal[], chain: string, previous: { runId: string; manifestSha256: string } | null): TrustedRefusal[] {
  return trusted
    .filter((r) => r.refusal.chain === chain && (r.refusal.previous?.runId ?? null) === (previous?.runId ?? null) && (r.refusal.previous?.manifestSha256 ?? null) === (previous?.manifestSha256 ?? null))
    .sort((a, b) => (a.refusal.refusedAt < b.refusal.refusedAt ? -1 : a.refusal.refusedAt > b.refusal.refusedAt ? 1 : a.ref.path < b.ref.path ? -1 : 1));
}

/** How every report says a refused seal: "seal refused: files planted by someone else (attempts a, b, c, d)". */
export function refusalWords(runIds: string[]): string {
  return `seal refused: files planted by someone else (attempts ${runIds.join(', ')})`;
}

/** A trusted refusal record a trusted run of the same chain and previous link does not name, as both verifiers report it. */
export interface RefusalLeftOut {
  /** The run that does not name the record. */
  runId: string;
  chain: string;
  path: string;
  versionId?: string;
  /** True when the run's seal should have read and named the record (a failure); false when it may not have seen it (a warning). */
  problem: boolean;
  message: string;
}

/** What `refusalsLeftOut` needs of a run: its link and what its signed manifest says of refusal records. */
export type RunOfChain = { runId: string; manifest: Pick<RunManifest, 'chain' | 'previous' | 'startedAt' | 'completedAt' | 'refusals' | 'refusalsUnread'> };

/**
 * Trusted refusal records that a trusted run with the same chain and previous link does not name. The seal of that run
 * looked under `refusals/` when it built its manifest (after its collection completed) for records of its chain with
 * its previous link, so it should have named each one written by then. Why it may not have, from signed facts only:
 * - its manifest records objects it left unread (`refusalsUnread`) and names this record among them, or names only the
 *   first of them: the record may be among them, and someone who planted well-formed names under `refusals/` is
 *   suspected (a warning: the record itself is genuine and shown);
 * - the record is dated (its first attempt's run id) before the previous run started, so the seal, which reads only
 *   records dated from the previous run on, did not look for it: the two collections ran at once (a warning);
 * - the refusal came less than `skewMs` before the run completed, or after: the record may have been written after the
 *   seal listed `refusals/`, again two collections of the chain at once (a warning);
 * otherwise the seal read every candidate and the record was there long before: the run should have named it (a problem).
 */
export function refusalsLeftOut(trusted: readonly { path: string; versionId?: string; refusal: SealRefusal }[], runs: readonly RunOfChain[], skewMs: number): RefusalLeftOut[] {
  const out: RefusalLeftOut[] = [];
  // When the seal's previous run is among the runs, its start is known; otherwise its run id's time (a run id begins
  // with the time its collection started).
  const startOf = new Map(runs.map((run) => [run.runId, Date.parse(run.manifest.startedAt)]));
  for (const r of trusted) {
    const link = r.refusal.previous;
    for (const run of runs) {
      const m = run.manifest;
      if (m.chain !== r.refusal.chain || (m.previous?.runId ?? null) !== (link?.runId ?? null) || (m.previous?.manifestSha256 ?? null) !== (link?.manifestSha256 ?? null)) continue;
      // A package keeps one file per path (no version): there the path alone is the record.
      const same = (x: { path: string; versionId?: string }) => x.path === r.path && (r.versionId === undefined || x.versionId === r.versionId);
      if ((m.refusals ?? []).some(same)) continue;
      const record = `${r.path}${r.versionId ? ` version ${r.versionId}` : ''}`;
      const said = `run ${run.runId} (chain ${m.chain}, ${link ? `after ${link.runId}` : 'its first run'}) does not name refusal record ${record} of the same link (${refusalWords(r.refusal.attempts.map((a) => a.runId))}, refused at ${r.refusal.refusedAt})`;
      const at = { runId: run.runId, chain: m.chain, path: r.path, ...(r.versionId ? { versionId: r.versionId } : {}) };
      const unread = m.refusalsUnread;
      const listed = unread?.first.some(same) === true;
      // Every unread object named, and this record not among them: the seal did not leave it unread.
      if (unread && (listed || unread.count > unread.first.length)) {
        out.push({
          ...at,
          problem: false,
          message:
            `${said}: its seal left ${unread.count} object(s) under ${REFUSALS_DIR}/ unread (a seal reads at most ${SEAL_REFUSAL_READS}, newest first), ` +
            `${listed ? 'and its signed manifest names this record among them' : `so the record may be among them (its signed manifest names the first ${unread.first.length})`}: ` +
            `objects planted under ${REFUSALS_DIR}/ to keep the refusal out of the chain are suspected; the record is genuine and shown here, find who wrote under ${REFUSALS_DIR}/`,
        });
        continue;
      }
      const named = refusalNameTime(r.path);
      const previousAt = link ? (startOf.has(link.runId) ? (startOf.get(link.runId) ?? 0) - 1000 : runIdTime(link.runId)?.getTime()) : undefined;
      if (link && named !== undefined && previousAt !== undefined && named < previousAt) {
        out.push({ ...at, problem: false, message: `${said}: the record is dated by its first attempt before run ${link.runId} started, and a seal reads only records dated from its chain's previous run on: the refused collection ran while run ${link.runId} was collected (two collections of chain ${m.chain} at once), so the seal of run ${run.runId} did not look for it` });
        continue;
      }
      const refusedAt = Date.parse(r.refusal.refusedAt);
      const completedAt = Date.parse(m.completedAt);
      if (Number.isNaN(refusedAt) || Number.isNaN(completedAt) || refusedAt + skewMs > completedAt) {
        out.push({ ...at, problem: false, message: `${said}: the seal was refused less than ${Math.round(skewMs / 60_000)} min before run ${run.runId} completed (${m.completedAt}), or after, so the record may have been written after that run's seal looked under ${REFUSALS_DIR}/ (two collections of chain ${m.chain} at once)` });
        continue;
      }
      out.push({ ...at, problem: true, message: `${said}: its seal records no object under ${REFUSALS_DIR}/ left unread, and the seal was refused more than ${Math.round(skewMs / 60_000)} min before run ${run.runId} completed (${m.completedAt}): that run's seal should have read and named it (the record was kept from the seal's listing, or the run was sealed by a version that did not record what it left unread), unless the record was written after that run was sealed by a holder of the signing key (kms:Sign) who dated it back: evidence-locker verify --store against an S3 store compares when the server wrote each, and the key's CloudTrail Sign events show when it was signed` });
    }
  }
  return out.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What a run's signed `refusalsUnread` says that the store does not back, as `verify --store` reports it. */
export interface UnreadNotBacked {
  runId: string;
  path?: string;
  versionId?: string;
  /** True for a named object the store does not hold (a problem); false for a count the store holds too few objects for (a warning). */
  problem: boolean;
  message: string;
}

/**
 * Checks a run's signed `refusalsUnread` against the objects the store holds under `refusals/` (`listed`): every
 * object it names must be held (at its version, when it names one), and, as a seal leaves objects unread only after
 * reading `reads` of them, at least `reads` plus `count` objects named like refusal records from the chain's previous
 * run to the seal (`until`: the run's completion plus the clock skew and the longest seal) must be held. What it left
 * unread makes a refusal record the run does not name a warning, not a problem (`refusalsLeftOut`): a claim the store
 * does not back excuses nothing. Held objects do not show the seal saw them: a later writer may have added them.
 */
export function refusalsUnreadNotBacked(runs: readonly RunOfChain[], listed: readonly StoredRefusalRef[], opts: { reads: number; skewMs: number; sealDelayMs: number }): UnreadNotBacked[] {
  const out: UnreadNotBacked[] = [];
  const startOf = new Map(runs.map((run) => [run.runId, run.manifest.startedAt]));
  for (const run of runs) {
    const unread = run.manifest.refusalsUnread;
    if (!unread) continue;
    const excuse = `the run's claim that its seal left objects under ${REFUSALS_DIR}/ unread (which makes a refusal record it does not name a warning, not a problem) is not backed by the store`;
    for (const u of unread.first) {
      if (listed.some((l) => l.path === u.path && (u.versionId === undefined || l.versionId === u.versionId))) continue;
      const what = `${u.path}${u.versionId ? ` version ${u.versionId}` : ''}`;
      out.push({
        runId: run.runId,
        path: u.path,
        ...(u.versionId ? { versionId: u.versionId } : {}),
        problem: true,
        message: `run ${run.runId}'s signed manifest names ${what} among the objects its seal left unread under ${REFUSALS_DIR}/ (refusalsUnread), and the store holds no such object: ${excuse}; either the object was removed since (Object Lock keeps every object of an S3 evidence store) or a holder of the signing key (kms:Sign) signed the claim: find the key's CloudTrail Sign events and who removed objects under ${REFUSALS_DIR}/`,
      });
    }
    const link = run.manifest.previous;
    const since = link ? (startOf.get(link.runId) ?? runIdTime(link.runId)?.toISOString() ?? null) : null;
    const completed = Date.parse(run.manifest.completedAt);
    if (Number.isNaN(completed)) continue;
    const candidates = listed.filter(mayBeRefusalSince(since, completed + opts.skewMs + opts.sealDelayMs)).length;
    const least = opts.reads + unread.count;
    if (candidates >= least) continue;
    out.push({
      runId: run.runId,
      problem: false,
      message: `run ${run.runId}'s signed manifest says its seal left ${unread.count} object(s) under ${REFUSALS_DIR}/ unread (refusalsUnread), which a seal does only after reading ${opts.reads}, so at least ${least} objects named like refusal records ${since ? `from ${since} (its chain's previous run)` : 'up to its seal'} were there; the store holds ${candidates}: ${excuse} (objects removed since, or a claim a holder of the signing key made up); held objects would not show the seal saw them`,
    });
  }
  return out;
}
