import { randomBytes } from 'node:crypto';
import { inPieces } from '../evidence/pieced.js';
import { canonicalBytes, canonicalBytesChunked, canonicalJson } from './canonical.js';
import { sha256Hex } from '../evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import { ManifestRecordSchema, recordIdOf, type EvidenceBody, type ManifestRecord } from '../evidence/record.js';
import { newRunId } from '../evidence/run-id.js';
import { RUN_FILE_MAX_BYTES, RUN_FILES } from '../evidence/layout.js';
import { EvidenceLockerError } from '../errors.js';
import type { ManifestSigner } from './signer.js';
import { RunFilesPlanted, type EvidenceStore } from '../evidence/store.js';
import type { Logger } from '../log/logger.js';
import { RunClassifier, describeForeign, trustPolicy, type ForeignObject, type TrustPolicy } from './trust.js';
import { SEAL_REFUSAL_READS, mayBeRefusalSince, refusalCensus, refusalRef, refusalsSince, writeRefusedBodyList, writeSealRefusal, type RefusedBody } from './refusals.js';
import { REFUSALS_UNREAD_NAMED, type SealRefusalRef } from '../evidence/refusal.js';
import { SDK_VERSION, TOOL_NAME, TOOL_VERSION } from '../version.js';

/** A manifest record with no member the manifest does not define (the seal refuses one rather than strip it). */
export const StrictRecordSchema = ManifestRecordSchema.extend({ location: ManifestRecordSchema.shape.location.unwrap().strict().optional() }).strict();

export interface SealedRun {
  manifest: RunManifest;
  manifestBytes: Buffer;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

/** The latest run of a chain in this store signed by a trusted key, for linking the next one; foreign runs are skipped. */
export async function latestRunOfChain(
  store: EvidenceStore,
  chain: string,
  trust: TrustPolicy | RunClassifier,
): Promise<{ previous: { runId: string; manifestSha256: string } | null; foreign: ForeignObject[]; previousStartedAt: string | null }> {
  // The link needs each candidate's header, not its records (a large run's manifest would become hundreds of MB of objects).
  const classifier = trust instanceof RunClassifier ? trust : new RunClassifier(store, trust, { headerOnly: true });
  const { latest, foreign } = await classifier.latestTrustedOfChain(chain);
  return { previous: latest ? { runId: latest.runId, manifestSha256: latest.manifestSha256 } : null, foreign, previousStartedAt: latest?.manifest.startedAt ?? null };
}

export interface SealOptions {
  /**
   * Keys whose runs may be chain links; default: the signer's own key. A header-only classifier that has already
   * surveyed the store (legal hold) is used as it is: its verdicts are not made twice.
   */
  trust?: TrustPolicy | RunClassifier;
  /** Foreign runs met while looking for the previous link are logged here (never fatal). */
  log?: Logger;
}

/** What a stage hands to sealing: the run's own facts. Tool, store, retention, status, previous link and signer are filled in. */
export interface RunToSeal {
  /** Default: a new id from `startedAt`. */
  runId?: string;
  kind: RunManifest['kind'];
  chain: string;
  startedAt: Date;
  /** Default: now. */
  completedAt?: Date;
  scope: RunManifest['scope'];
  shard?: RunManifest['shard'];
  records: ManifestRecord[];
  /** Account-level problems with no record (role not assumable, region discovery failed). */
  gaps?: RunManifest['gaps'];
  /** Only a command that started the simulated AWS itself (demo) says so; the manifest then carries `simulated: true`. */
  simulated?: boolean;
  /** The secret a collection drew when it wrote its start file (`RunManifest['startSecret']`). */
  startSecret?: string;
  /** How each account's credentials were obtained (collection runs). */
  sessions?: RunManifest['sessions'];
  /** A run that rebuilt a past day from what AWS kept (`backfill`). */
  reconstruction?: RunManifest['reconstruction'];
}

/**
 * Records that are written into the manifest from where they are kept (a large collection spools them to disk as they
 * come), not held as objects: each one already checked against the manifest's record schema.
 */
export interface RecordSource {
  /** How many records there are. */
  readonly count: number;
  /** How many of them are error records. */
  readonly errors: number;
  /** Bytes of the records' canonical JSON, comma-separated, in manifest order. */
  byteLength(): number;
  /** Writes those bytes into `target` from `offset`; throws if they are not the bytes the source was given. */
  writeTo(target: Buffer, offset: number): void;
  /** Each record's canonical JSON (no commas), in manifest order, read one at a time; throws as `writeTo` does. */
  inOrder(): Iterable<Buffer>;
}

/** A run sealed from a record source: everything of `SealedRun` but the records, which stay where they were. */
export interface SealedRunHeader {
  manifest: Omit<RunManifest, 'records'>;
  /** The manifest's bytes when the signer needed them whole (Ed25519); absent when they were signed and stored in pieces. */
  manifestBytes?: Buffer;
  manifestSize: number;
  manifestSha256: string;
  signature: Buffer;
  publicKeyPem: string;
}

/**
 * Seals a run: builds its manifest header (tool, the store and its retention, status, the previous run of its chain,
 * the signing key), writes the canonical manifest bytes, signed, to the store after every body it names.
 * The caller has already written each body (`putEvidenceBody`) before calling this.
 */
export async function sealRun(store: EvidenceStore, signer: ManifestSigner, run: RunToSeal, opts: SealOptions = {}): Promise<SealedRun> {
  // Each record is checked, not copied: a parsed copy of 250,000 records would double what the run holds. A record
  // with a member the schema does not name is refused rather than stripped, so what is sealed is what was checked.
  for (const r of run.records) StrictRecordSchema.parse(r);
  const first = await manifestHeader(store, signer, run, run.records.some((r) => r.status === 'error'), opts);
  const tally = { count: run.records.length, errors: run.records.filter((r) => r.status === 'error').length, bodies: () => run.records };
  return withFreshRunIds(store, signer, first, tally, opts, async (header) => {
    const full: RunManifest = { ...header, records: run.records };
    const bytes = canonicalBytesChunked(full);
    checkManifestSize(bytes.length, run.records.length);
    return { manifest: full, ...(await signAndStore(store, signer, header.runId, bytes)) };
  });
}

/** How many times a run is sealed again under a new run id when files were planted in its run folder. */
export const RESEALS = 3;

/** One abandoned attempt to seal a run, as the manifest of the run sealed in its place names it. */
export type SealAttempt = NonNullable<RunManifest['sealAttempts']>[number];

/** Whether a run folder holds a run sealed by a trusted key (the seal's trust: `opts.trust`, or the signer's own key). */
async function isTrustedRun(store: EvidenceStore, signer: ManifestSigner, opts: SealOptions, runId: string): Promise<boolean> {
  const policy = opts.trust instanceof RunClassifier ? opts.trust.policy : (opts.trust ?? trustPolicy([await signer.fingerprint()]));
  if (!(await store.listRuns()).includes(runId)) return false;
  return (await new RunClassifier(store, policy, { headerOnly: true }).classify(runId)).trusted !== undefined;
}

/**
 * A run id of the same form (time, marks) with a new random suffix: `20261127T020000Z-backfill-20260905-3f9a1c`
 * becomes `20261127T020000Z-backfill-20260905-<new>`; an id without the usual suffix gets one.
 */
export function freshRunId(runId: string): string {
  const suffix = randomBytes(3).toString('hex');
  return /-[0-9a-f]{6}$/.test(runId) ? runId.replace(/[0-9a-f]{6}$/, suffix) : `${runId}-${suffix}`;
}

/**
 * Seals with `seal`, and when the store finds files in the run folder that it did not write and that readers would take
 * instead (`RunFilesPlanted`: someone with write access planted them), seals the same evidence again under a fresh run
 * id whose manifest names every abandoned attempt (`sealAttempts`, signed with it) and keeps the `previous` link the
 * first attempt had. Nothing links to an abandoned id. A folder holding a run sealed by a trusted key is no plant: the
 * seal fails as before. After `RESEALS` more attempts it fails naming them all; nothing is lost: the bodies are stored
 * under their SHA-256, and on S3 an attempt whose plant was found after its own writes keeps its signed files there as
 * later versions.
 */
async function withFreshRunIds<H extends Omit<RunManifest, 'records'>, T>(store: EvidenceStore, signer: ManifestSigner, first: H, records: RefusedRunRecords, opts: SealOptions, seal: (header: H) => Promise<T>): Promise<T> {
  let header = first;
  const attempts: SealAttempt[] = [];
  for (;;) {
    try {
      return await seal(header);
    } catch (err) {
      if (!(err instanceof RunFilesPlanted) || err.runId !== header.runId) throw err;
      // A folder that holds a run sealed by a trusted key was not planted (a run id used twice): that is no plant to
      // name in a signed manifest, and the seal fails as it always did.
      if (await isTrustedRun(store, signer, opts, header.runId)) throw err;
      const attempt: SealAttempt = {
        runId: header.runId,
        reason: `files planted by someone else: readers would take ${err.planted.map((p) => `${p.key}${p.versionId ? ` version ${p.versionId}` : ''}, which ${p.detail}`).join('; ')}${err.kept ? `; ${err.kept}` : ''}`,
        planted: err.planted.map((p) => ({ key: p.key, ...(p.versionId ? { versionId: p.versionId } : {}) })),
      };
      attempts.push(attempt);
      if (attempts.length > RESEALS) {
        const recorded = await recordRefusal(store, signer, header, attempts, records);
        opts.log?.error({ attempts, refusal: recorded.ref ?? recorded.error }, `run not sealed: files were planted in the run folder of each of ${attempts.length} attempts; ${recorded.text}`);
        throw new EvidenceLockerError(
          `the run could not be sealed: someone else planted files in the run folder of each of its ${attempts.length} attempts (${attempts.map((a) => `run ${a.runId}: ${a.reason}`).join('; ')}); ${recorded.text}`,
          {
            hint:
              `nothing is lost: every evidence body is stored under its SHA-256 (\`evidence-locker store orphans\` lists those no sealed run names), and where an attempt above says its own files stay, its signed manifest is there, readable by version id; ` +
              'someone with write access to the store is planting files as runs are sealed: find who (CloudTrail data events for an S3 bucket), remove that access (only the collector may write there), then collect again',
          },
        );
      }
      const next = freshRunId(header.runId);
      for (const p of err.planted) {
        opts.log?.error({ runId: header.runId, key: p.key, versionId: p.versionId, detail: p.detail, resealedAs: next }, `files planted in run folder by someone else: ${p.key}${p.versionId ? ` version ${p.versionId}` : ''} ${p.detail}; the run is sealed again as run ${next}`);
      }
      header = { ...header, runId: next, sealAttempts: [...attempts] };
    }
  }
}

/** What a refusal record says of the run's records: how many, how many errors, and (read again only if the seal is refused) the bodies they name. */
interface RefusedRunRecords {
  count: number;
  errors: number;
  bodies: () => Iterable<RefusedBody>;
}

/** Each record of a record source, parsed from its canonical JSON one at a time (only a refused seal reads them so). */
function* recordsOf(source: RecordSource): Generator<RefusedBody> {
  for (const bytes of source.inOrder()) yield JSON.parse(bytes.toString('utf8')) as ManifestRecord;
}

/**
 * Writes the signed refusal record of a seal whose every attempt was refused (`src/evidence/refusal.ts`): the next sealed
 * run of the chain names it, and every report shows the day as a refused seal, not as a day without a run. Before it,
 * the list of the bodies the run's records name is stored (content-addressed) and the record names it, so a legal hold
 * can hold them although no sealed run names them. Says what happened as the end of the seal's error, also when the
 * record (or the list) could not be written.
 */
async function recordRefusal(store: EvidenceStore, signer: ManifestSigner, header: Omit<RunManifest, 'records'>, attempts: SealAttempt[], records: RefusedRunRecords): Promise<{ ref?: SealRefusalRef; error?: string; text: string }> {
  // A list that cannot be written does not stop the record: the refusal matters more than the list of its bodies.
  const list = await writeRefusedBodyList(store, records.bodies()).then(
    (ref) => ({ ref }),
    (err: unknown) => ({ error: (err as Error).message.split('\n')[0] }),
  );
  const listText = 'ref' in list ? `; it names the list of the run's ${list.ref.bodies} evidence bodies, stored as objects/ body ${list.ref.sha256}, which a legal hold holds with it` : `; the list of the run's evidence bodies could not be stored (${list.error}), so the record does not name them and a legal hold cannot find them`;
  try {
    const ref = await writeSealRefusal(store, signer, {
      schema: 'evidence-locker/seal-refusal@1',
      kind: header.kind,
      chain: header.chain,
      tool: header.tool,
      startedAt: header.startedAt,
      completedAt: header.completedAt,
      refusedAt: new Date().toISOString(),
      scope: header.scope,
      ...(header.shard ? { shard: header.shard } : {}),
      previous: header.previous,
      attempts,
      records: { count: records.count, errors: records.errors, bodiesStored: records.count, ...('ref' in list ? { bodyList: list.ref } : {}) },
      signing: header.signing,
      ...(header.simulated ? { simulated: true } : {}),
    });
    return { ref, text: `a signed refusal record was written at ${ref.path}${ref.versionId ? ` version ${ref.versionId}` : ''} (SHA-256 ${ref.sha256})${listText}: the next sealed run of chain "${header.chain}" names it, and reports show this seal as refused` };
  } catch (err) {
    const error = (err as Error).message.split('\n')[0];
    return { error, text: `writing the signed refusal record failed too (${error}): nothing in the store says this seal was refused, only this error and the orphaned bodies do` };
  }
}

/**
 * Seals a run whose records come from a record source (a collection's spool): the same manifest bytes as `sealRun`'s.
 * A signer that signs a digest (KMS) is given them in pieces and the store writes them in pieces: at 1,000 accounts
 * the manifest (about 90 MB) is never in memory whole. An Ed25519 key signs the bytes themselves, which are held whole.
 */
export async function sealRunFrom(store: EvidenceStore, signer: ManifestSigner, run: Omit<RunToSeal, 'records'> & { records: RecordSource }, opts: SealOptions = {}): Promise<SealedRunHeader> {
  const first = await manifestHeader(store, signer, run, run.records.errors > 0, opts);
  return withFreshRunIds(store, signer, first, { count: run.records.count, errors: run.records.errors, bodies: () => recordsOf(run.records) }, opts, async (header): Promise<SealedRunHeader> => {
    if (!signer.signPieces) {
      const stored = await signAndStore(store, signer, header.runId, manifestBytesAround(header, run.records));
      return { manifest: header, ...stored, manifestSize: stored.manifestBytes.length };
    }
    const signPieces = signer.signPieces.bind(signer);
    const { size, segments } = manifestAround(header, run.records);
    checkManifestSize(size, run.records.count);
    const pieces = (pieceBytes: number) => inPieces(segments(), pieceBytes);
    const { signature, sha256: manifestSha256 } = await signPieces(pieces(SIGN_PIECE_BYTES));
    const publicKeyPem = await signer.publicKeyPem();
    // The store writes the pieces again from the spool (each record checked as it is read) and refuses to make the run
    // visible unless what it wrote has this size and SHA-256: the signed bytes, and no others.
    await store.putRun({ runId: header.runId, manifest: { size, sha256: manifestSha256, pieces }, signature, publicKeyPem });
    return { manifest: header, manifestSize: size, manifestSha256, signature, publicKeyPem };
  });
}

/** Pieces in which a manifest is handed to a signer that signs its digest. */
const SIGN_PIECE_BYTES = 1 << 20;

async function manifestHeader(store: EvidenceStore, signer: ManifestSigner, run: Omit<RunToSeal, 'records'>, errorRecords: boolean, opts: SealOptions): Promise<Omit<RunManifest, 'records'>> {
  const desc = store.describe();
  const gaps = run.gaps ?? [];
  const trust = opts.trust ?? trustPolicy([await signer.fingerprint()]);
  const { previous, foreign, previousStartedAt } = await latestRunOfChain(store, run.chain, trust);
  for (const f of foreign) opts.log?.warn({ runId: f.runId, path: f.path, reason: f.reason, detail: f.detail }, `foreign object in the evidence store, not used as a chain link: ${describeForeign(f)}`);
  // Seals of this chain refused since its previous run (every attempt's folder planted) are named in this manifest, so
  // the refusal is in the hash chain; anything else under refusals/ is foreign: logged, never named.
  const policy = trust instanceof RunClassifier ? trust.policy : trust;
  // Bounded: anyone with s3:PutObject can add well-formed names, and each would cost every seal a read of up to 1 MiB.
  const census = await refusalCensus(store, policy, mayBeRefusalSince(previousStartedAt, policy.now().getTime() + policy.skewMs), SEAL_REFUSAL_READS);
  for (const f of census.foreign) opts.log?.warn({ path: f.path, versionId: f.versionId, reason: f.reason, detail: f.detail }, `foreign object in the evidence store, not named as a refused seal: ${describeForeign(f)}`);
  if (census.unread.length) {
    opts.log?.error(
      { unread: census.unread.length, first: census.unread.slice(0, 10).map((r) => r.path) },
      `${census.unread.length} object(s) under refusals/ named like refusal records since this chain's previous run were not read: a seal reads at most ${SEAL_REFUSAL_READS}, newest first, and more are there (someone with write access may have added them). A refused seal among them is not named by this run; its signed manifest records how many were left unread and the first ${REFUSALS_UNREAD_NAMED} (refusalsUnread); evidence-locker verify --store reads them all, shows every signed refusal record and names one this run should have named`,
    );
  }
  const refusals = refusalsSince(census.trusted, run.chain, previous).map(refusalRef);
  for (const r of refusals) opts.log?.error({ path: r.path, versionId: r.versionId, attempts: r.runIds }, `a seal of chain "${run.chain}" was refused since its previous run (files planted by someone else in the run folder of attempts ${r.runIds.join(', ')}); this run's manifest names its signed refusal record ${r.path}`);
  const { records: _none, ...header } = RunManifestSchema.parse({
    schema: 'evidence-locker/run-manifest@1',
    runId: run.runId ?? newRunId(run.startedAt, randomBytes(3).toString('hex')),
    kind: run.kind,
    chain: run.chain,
    tool: { name: TOOL_NAME, version: TOOL_VERSION, sdkVersion: SDK_VERSION },
    startedAt: run.startedAt.toISOString(),
    completedAt: (run.completedAt ?? new Date()).toISOString(),
    status: gaps.length > 0 || errorRecords ? 'complete-with-gaps' : 'complete',
    scope: run.scope,
    ...(run.shard ? { shard: run.shard } : {}),
    previous,
    store: {
      kind: desc.kind,
      location: desc.location,
      ...(desc.objectLockMode ? { objectLockMode: desc.objectLockMode } : {}),
      ...(desc.retentionDays ? { retainUntil: new Date(run.startedAt.getTime() + desc.retentionDays * 86_400_000).toISOString() } : {}),
      note: desc.note,
    },
    signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
    ...(run.sessions ? { sessions: run.sessions } : {}),
    ...(run.reconstruction ? { reconstruction: run.reconstruction } : {}),
    gaps,
    ...(run.simulated ? { simulated: true } : {}),
    ...(run.startSecret ? { startSecret: run.startSecret } : {}),
    ...(refusals.length ? { refusals } : {}),
    ...(census.unread.length ? { refusalsUnread: { count: census.unread.length, first: census.unread.slice(0, REFUSALS_UNREAD_NAMED).map((r) => ({ path: r.path, ...(r.versionId ? { versionId: r.versionId } : {}) })) } } : {}),
    records: [],
  });
  return header;
}

async function signAndStore(store: EvidenceStore, signer: ManifestSigner, runId: string, manifestBytes: Buffer): Promise<Omit<SealedRun, 'manifest'>> {
  const signature = await signer.sign(manifestBytes);
  const publicKeyPem = await signer.publicKeyPem();
  await store.putRun({ runId, manifest: manifestBytes, signature, publicKeyPem });
  return { manifestBytes, manifestSha256: sha256Hex(manifestBytes), signature, publicKeyPem };
}

/**
 * A manifest longer than any reader accepts (`RUN_FILE_MAX_BYTES`) would be sealed evidence nobody can verify: the seal
 * refuses it before anything is signed or written. The evidence bodies already written stay, unreferenced and harmless.
 */
function checkManifestSize(bytes: number, records: number): void {
  const max = RUN_FILE_MAX_BYTES[RUN_FILES.manifest];
  if (bytes <= max) return;
  throw new EvidenceLockerError(`the run's manifest would be ${bytes} bytes (${records} records), more than the ${max} bytes a manifest can be read and verified in; nothing was sealed`, {
    hint: 'split the accounts over several collector processes, each with `--shard i/n` (each shard seals its own, smaller run), or collect fewer regions or queries per run',
  });
}

/** The fewest bytes one record adds to a manifest (ids, account, region, time, SHA-256, size, status and punctuation). */
export const MIN_RECORD_BYTES = 200;

/**
 * Refuses, before collecting, a run whose manifest would certainly be longer than any reader accepts (`tasks` records
 * of at least `MIN_RECORD_BYTES` each); a run that is only probably too long is refused at the seal.
 */
export function checkPlannedManifestSize(tasks: number): void {
  const max = RUN_FILE_MAX_BYTES[RUN_FILES.manifest];
  if (tasks * MIN_RECORD_BYTES <= max) return;
  throw new EvidenceLockerError(`the plan has ${tasks} tasks: its run's manifest would be at least ${tasks * MIN_RECORD_BYTES} bytes, more than the ${max} bytes a manifest can be read and verified in; nothing was collected`, {
    hint: 'split the accounts over several collector processes, each with `--shard i/n` (each shard seals its own, smaller run), or collect fewer regions or queries per run',
  });
}

/**
 * A manifest whose records come from a source, as byte strings in order: the header's members in canonical order with
 * the records (comma-separated, read from the source one at a time) in their place. `size` is the total length.
 */
function manifestAround(header: Omit<RunManifest, 'records'>, records: RecordSource): { size: number; head: Buffer; tail: Buffer; segments: () => Iterable<Buffer> } {
  const members = header as Record<string, unknown>;
  const keys = [...Object.keys(members).filter((k) => members[k] !== undefined && k !== 'records'), 'records'].sort();
  let head = '{';
  let tail = '';
  let inTail = false;
  keys.forEach((k, i) => {
    const name = (i > 0 ? ',' : '') + JSON.stringify(k) + ':';
    if (k === 'records') {
      head += name + '[';
      inTail = true;
    } else if (inTail) tail += name + canonicalJson(members[k]);
    else head += name + canonicalJson(members[k]);
  });
  const headBytes = Buffer.from(head, 'utf8');
  const tailBytes = Buffer.from(']' + tail + '}', 'utf8');
  return {
    size: headBytes.length + records.byteLength() + tailBytes.length,
    head: headBytes,
    tail: tailBytes,
    segments: () => manifestSegments(headBytes, records, tailBytes),
  };
}

function* manifestSegments(head: Buffer, records: RecordSource, tail: Buffer): Generator<Buffer> {
  yield head;
  let first = true;
  for (const record of records.inOrder()) {
    if (!first) yield COMMA;
    first = false;
    yield record;
  }
  yield tail;
}

const COMMA = Buffer.from(',');

/**
 * The canonical bytes of a manifest whose records come from a source, written once into a buffer of the exact size
 * (no second copy of the records): what an Ed25519 key signs.
 */
export function manifestBytesAround(header: Omit<RunManifest, 'records'>, records: RecordSource): Buffer {
  const { size, head, tail } = manifestAround(header, records);
  checkManifestSize(size, records.count);
  const out = Buffer.allocUnsafe(size);
  head.copy(out, 0);
  records.writeTo(out, head.length);
  tail.copy(out, size - tail.length);
  return out;
}

/**
 * Writes an evidence body (canonical JSON, named by its SHA-256) and returns its entry for the run manifest.
 * `recordId` defaults to `<queryId>/<accountId>/<region>`.
 */
export async function putEvidenceBody(store: Pick<EvidenceStore, 'putObject'>, body: EvidenceBody, collectedAt: Date, recordId = recordIdOf(body.queryId, body.accountId, body.region)): Promise<ManifestRecord> {
  const bytes = canonicalBytes(body);
  const sha256 = sha256Hex(bytes);
  const stored = await store.putObject(sha256, bytes);
  return {
    recordId,
    queryId: body.queryId,
    accountId: body.accountId,
    region: body.region,
    status: body.status,
    collectedAt: collectedAt.toISOString(),
    sha256,
    size: bytes.length,
    location: { key: stored.key, ...(stored.versionId ? { versionId: stored.versionId } : {}) },
  };
}
