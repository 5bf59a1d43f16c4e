import { sha256Hex } from '../evidence/hash.js';
import { terminalLine } from '../log/terminal.js';
import { BodyTooLong } from '../errors.js';
import { MAX_RUN_SPAN_MS, MAX_SEAL_DELAY_MS, RunClassifier, censusOfPeriod, deleteMarkerFindings, foreignWhy, markerFindings, storeDeleteMarkerFindings, formatSpan, runFileWriteTimeProblems, runSpanProblem, sealAttemptsThatAreRuns, withReseals, type ForeignObject, type SealDelayLimits, type SealedObjectTime, type TrustPolicy, type TrustedRun, runDayJudgement, refusedAttemptsThatAreRuns, sealedObjectsWriteProblem, unsealedStartsIn, type UnsealedStart } from '../seal/trust.js';
import { RUN_FILES } from '../evidence/layout.js';
import type { Period } from '../evidence/period.js';
import { mapWithConcurrencyLimit } from '../concurrency-limit.js';
import type { EvidenceStore, LockedVersions, StoredVersionRef } from '../evidence/store.js';
import { DelegatedReadRefSchema, isDelegatedReadQuery, type ManifestRecord } from '../evidence/record.js';
import { citedReadProblem, listedReadRequests } from '../queries/delegated/cited-read.js';
import { SEAL_REFUSAL_READS, refusalCensus, refusalWords, refusalWrittenAfterRun, refusalWrittenLateProblem, refusalsLeftOut, refusalsUnreadNotBacked, refusedAttemptIsRun } from '../seal/refusals.js';
import { runIdTime } from '../evidence/run-id.js';

/** One thing wrong with a stored run, named so an operator can find it. */
export interface StoreProblem {
  runId: string;
  recordId?: string;
  /** Store key (S3 key, or local relative path). */
  key?: string;
  versionId?: string;
  problem: string;
}

export interface StoredRunResult {
  runId: string;
  kind?: string;
  chain?: string;
  records: number;
  ok: boolean;
}

export interface StoreVerificationReport {
  ok: boolean;
  store: string;
  runs: StoredRunResult[];
  objectsChecked: number;
  problems: StoreProblem[];
  /** Noteworthy but not a failure, e.g. a later version written over a sealed key (the sealed version is intact). */
  warnings: StoreProblem[];
  /** Objects not written by a trusted signer (other keys, malformed folders, future run ids, delete markers): never evidence, always a failure. */
  foreign: ForeignObject[];
  /** Fingerprints of the keys trusted for this verification. */
  trustedKeys: string[];
  /**
   * Whether each run's manifest and signature were compared with the time the store wrote them: on S3 (the server sets
   * LastModified), within `maxDelayMs` after the run's completion and no more than `skewMs` before it; never on a local
   * store, whose file times anyone who can write its folder can set.
   */
  writeTimes: { checked: true; maxDelayMs: number; skewMs: number } | { checked: false; why: string };
  /** The most time a run may state it took, from its signed start to its signed completion (`--max-run-span`), checked on every store. */
  maxRunSpanMs: number;
  /** Seals refused by planted files (signed refusal records of a trusted key) in the selection: a day shown as refused, not as a day without a run. */
  refused: RefusedSeal[];
  /**
   * Run folders holding a collection's start file and no sealed run, written (S3 LastModified) within the selected
   * period, other than the first attempts of runs sealed again under a new id: collections that stopped before sealing,
   * or start files written ahead of a run someone means to seal later; the two cannot be told apart. They prove no day
   * and do not fail verification. Absent on a store whose listing does not show them (a local one).
   */
  unsealedStarts?: UnsealedStart[];
}

export type { UnsealedStart };

/** A signed refusal record, as `verify --store` reports it. */
export interface RefusedSeal {
  path: string;
  versionId?: string;
  chain: string;
  startedAt: string;
  refusedAt: string;
  runIds: string[];
  /** The trusted run whose signed manifest names it (the chain's next sealed run), if there is one yet. */
  namedBy?: string;
}

export type RunSelection = { runId: string } | Period;

export interface VerifyStoreOptions {
  /** Which keys make a run evidence (configuration, or `--expect-key`). */
  trust: TrustPolicy;
  /** Every object must be retained at least until this date (S3); default: the retain-until each manifest states. */
  requiredRetainUntil?: Date;
  /** Parallel object reads. */
  concurrency?: number;
  /** S3: the most time from a run's stated completion to the server's write of its manifest and signature (default 1 hour). */
  maxSealDelayMs?: number;
  /** The most time a run may state it took, from its signed start to its signed completion (default one day). */
  maxRunSpanMs?: number;
}

/** Why a store's write times are not compared with the runs' completion times. */
export const LOCAL_WRITE_TIMES_UNCHECKED =
  'not checked: the store keeps no write time its writer cannot set (a local folder\'s file times can be changed by anyone who can write to it), so a run back-dated into it is not found this way';

/**
 * Verifies sealed runs where they are stored: only runs signed by a trusted key are evidence, everything else in the
 * selection is named as foreign; for each trusted run the chain link to the previous trusted run of the same chain,
 * every record present (at its version on S3) with the SHA-256 and size the manifest states, and on S3 an Object
 * Lock COMPLIANCE retention reaching the required date on every object.
 */
export async function verifyStoredRuns(store: EvidenceStore, selection: RunSelection, opts: VerifyStoreOptions): Promise<StoreVerificationReport> {
  const problems: StoreProblem[] = [];
  const warnings: StoreProblem[] = [];
  // Headers only while the store is surveyed: each run's records are read when that run is checked, one run at a time
  // (a month of 1,000-account runs would otherwise be every manifest's records in memory at once).
  const classifier = new RunClassifier(store, opts.trust, { headerOnly: true });
  const allRuns = await classifier.runIds();
  let selected: TrustedRun[] = [];
  const foreign: ForeignObject[] = [];
  if ('runId' in selection) {
    if (!allRuns.includes(selection.runId)) {
      problems.push({ runId: selection.runId, problem: `run ${selection.runId} is not in the store (no manifest found)` });
    } else {
      const c = await classifier.classify(selection.runId);
      if (c.foreign) foreign.push(c.foreign);
      else selected = [c.trusted];
    }
  } else {
    const census = await censusOfPeriod(classifier, selection);
    selected = census.trusted;
    foreign.push(...census.foreign);
  }
  // A foreign run folder that a trusted run's signed manifest names as its abandoned seal attempt is explained so.
  foreign.splice(0, foreign.length, ...(await withReseals(classifier, foreign)));
  // Refusal records: those signed by a trusted key are reported as refused seals, anything else under refusals/ is foreign.
  const refusals = await refusalCensus(store, opts.trust);
  // Delete markers, each prefix listed once: runs/ and refusals/ from the listings above (a run's own folder from the
  // listing of runs/), the rest of the store from one more.
  if ('runId' in selection) {
    const runMarkers = await classifier.runDeleteMarkers(`runs/${selection.runId}/`);
    foreign.push(...(runMarkers ? markerFindings(runMarkers) : await deleteMarkerFindings(store, `runs/${selection.runId}/`)));
  } else {
    foreign.push(...(await storeDeleteMarkerFindings(store, classifier, refusals.deleteMarkers)));
  }
  const inSelection = (startedAt: string) => !('runId' in selection) && Date.parse(startedAt) >= selection.from.getTime() && Date.parse(startedAt) <= selection.to.getTime();
  if (!('runId' in selection)) foreign.push(...refusals.foreign);
  const named = new Set(selected.flatMap((run) => (run.manifest.refusals ?? []).map((r) => `${r.path}\n${r.versionId ?? ''}`)));
  const shown = refusals.trusted.filter((r) => inSelection(r.refusal.startedAt) || named.has(`${r.ref.path}\n${r.ref.versionId ?? ''}`));
  // The run naming a refusal is sealed after it: only runs from the earliest refused day on are read for it.
  const namers = new Map<string, string>();
  if (shown.length) {
    const since = Math.min(...shown.map((r) => Date.parse(r.refusal.startedAt))) - 86_400_000;
    const later = await classifier.census((id) => (runIdTime(id)?.getTime() ?? since) >= since);
    for (const run of later.trusted) for (const r of run.manifest.refusals ?? []) namers.set(`${r.path}\n${r.versionId ?? ''}\n${r.sha256}`, run.runId);
  }
  const refused: RefusedSeal[] = shown
    .map((r) => {
      const namedBy = namers.get(`${r.ref.path}\n${r.ref.versionId ?? ''}\n${r.sha256}`);
      return { path: r.ref.path, ...(r.ref.versionId ? { versionId: r.ref.versionId } : {}), chain: r.refusal.chain, startedAt: r.refusal.startedAt, refusedAt: r.refusal.refusedAt, runIds: r.refusal.attempts.map((a) => a.runId), ...(namedBy ? { namedBy } : {}) };
    })
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  // A refused seal's attempts were never sealed: a record naming a sealed run as one contradicts it.
  for (const r of shown) {
    for (const id of await refusedAttemptsThatAreRuns(classifier, r.refusal.attempts)) problems.push({ runId: id, key: r.ref.path, ...(r.ref.versionId ? { versionId: r.ref.versionId } : {}), problem: refusedAttemptIsRun(r.ref.path, id) });
  }
  // A sealed run's manifest names each refused seal by path, version and SHA-256: the record must be there, as named.
  for (const run of selected) {
    for (const r of run.manifest.refusals ?? []) {
      const found = refusals.trusted.find((t) => t.ref.path === r.path && (t.ref.versionId ?? '') === (r.versionId ?? ''));
      if (!found) problems.push({ runId: run.runId, key: r.path, ...(r.versionId ? { versionId: r.versionId } : {}), problem: `the manifest names refusal record ${r.path}${r.versionId ? ` version ${r.versionId}` : ''} (${refusalWords(r.runIds)}), but the store holds no refusal record there signed by a trusted key` });
      else if (found.sha256 !== r.sha256) problems.push({ runId: run.runId, key: r.path, problem: `refusal record ${r.path} hashes to ${found.sha256}, the manifest recorded ${r.sha256}` });
    }
  }

  const versions = store.lockedVersions;
  const sealDelay = opts.maxSealDelayMs ?? MAX_SEAL_DELAY_MS;
  // S3: the server's write time of each refusal record shown, against the refusal it states (back-dating, as for runs).
  if (versions) {
    for (const r of shown) {
      const late = r.ref.lastModified ? refusalWrittenLateProblem(r.ref.path, r.refusal.refusedAt, r.ref.lastModified, sealDelay) : undefined;
      if (late) problems.push({ runId: r.refusal.attempts[0].runId, key: r.ref.path, ...(r.ref.versionId ? { versionId: r.ref.versionId } : {}), problem: late });
    }
  }

  // A trusted refusal record that a trusted run of the same chain and link does not name: the chain should carry it.
  for (const left of refusalsLeftOut(refusals.trusted.map((t) => ({ ...t.ref, refusal: t.refusal })), selected, opts.trust.skewMs)) {
    let message = left.message;
    // S3: a record the server wrote after the run's manifest was not there for that run's seal to read.
    const record = left.problem && versions ? refusals.trusted.find((t) => t.ref.path === left.path && t.ref.versionId === left.versionId) : undefined;
    const run = record?.ref.lastModified ? selected.find((x) => x.runId === left.runId) : undefined;
    if (record?.ref.lastModified && run && versions) {
      const runWritten = (run.stored.versions ?? (await versions.runFileVersions(run.runId))).get(RUN_FILES.manifest)?.[0]?.lastModified;
      if (runWritten && record.ref.lastModified.getTime() > runWritten.getTime()) message = refusalWrittenAfterRun(left, record.refusal.refusedAt, record.ref.lastModified, runWritten);
    }
    (left.problem ? problems : warnings).push({ runId: left.runId, key: left.path, ...(left.versionId ? { versionId: left.versionId } : {}), problem: message });
  }

  // What a run's seal says it left unread under refusals/ must be there: the claim excuses a refusal record it does not name.
  for (const u of refusalsUnreadNotBacked(selected, refusals.listed, { reads: SEAL_REFUSAL_READS, skewMs: opts.trust.skewMs, sealDelayMs: sealDelay })) {
    (u.problem ? problems : warnings).push({ runId: u.runId, ...(u.path ? { key: u.path } : {}), ...(u.versionId ? { versionId: u.versionId } : {}), problem: u.message });
  }
  // Folders a collection started in and no run was sealed in: listed, as neither a run nor a failure.
  const unsealedStarts = 'runId' in selection ? undefined : await unsealedStartsIn(classifier, selection.from, selection.to, selected);

  const results: StoredRunResult[] = [];
  for (const f of foreign) if (f.runId && !f.path.startsWith('objects/') && f.reason !== 'delete-marker') results.push({ runId: f.runId, records: 0, ok: false });
  let objectsChecked = 0;
  const maxRunSpanMs = opts.maxRunSpanMs ?? MAX_RUN_SPAN_MS;
  const writeTimes: SealDelayLimits | undefined = versions ? { maxDelayMs: sealDelay, skewMs: opts.trust.skewMs } : undefined;
  for (const run of selected) {
    const { runId, manifest, manifestSha256 } = run;
    const before = problems.length;

    // Chain: the trusted run of the same chain that precedes this one in the order sealing uses.
    const expectedPrevious = (await classifier.latestTrustedOfChain(manifest.chain, { runId, manifest, manifestSha256, manifestSize: 0, recordCount: 0, stored: undefined as never })).latest;
    if (manifest.previous) {
      const listed = allRuns.includes(manifest.previous.runId);
      const prev = listed ? await classifier.classify(manifest.previous.runId) : undefined;
      if (!prev) {
        problems.push({ runId, problem: `chain link: previous run ${manifest.previous.runId} is missing from the store` });
      } else if (prev.trusted && prev.trusted.manifestSha256 !== manifest.previous.manifestSha256) {
        problems.push({ runId, problem: `chain link: previous run ${manifest.previous.runId} manifest hashes to ${prev.trusted.manifestSha256}, this manifest recorded ${manifest.previous.manifestSha256}` });
      } else if (prev.trusted && prev.trusted.manifest.chain !== manifest.chain) {
        problems.push({ runId, problem: `chain link: previous run ${manifest.previous.runId} belongs to chain "${prev.trusted.manifest.chain}", not "${manifest.chain}"` });
      }
      if (expectedPrevious && expectedPrevious.runId !== manifest.previous.runId) {
        problems.push({ runId, problem: `chain link: links to ${manifest.previous.runId} but the latest earlier run of chain "${manifest.chain}" is ${expectedPrevious.runId}` });
      }
    } else if (expectedPrevious) {
      problems.push({ runId, problem: `chain link: no previous run recorded, but run ${expectedPrevious.runId} of chain "${manifest.chain}" precedes it` });
    }

    for (const problem of await sealAttemptsThatAreRuns(classifier, run)) problems.push({ runId, problem });
    // Both times are signed: a run that says it took longer than any run takes may have been sealed long after its start.
    const long = runSpanProblem(manifest.startedAt, manifest.completedAt, maxRunSpanMs);
    if (long) problems.push({ runId, problem: long });

    // Records.
    const required = opts.requiredRetainUntil ?? (manifest.store.retainUntil ? new Date(manifest.store.retainUntil) : undefined);
    // The start file that dated the run (S3): every object the run seals must have been written within its span of it.
    let start: StoredVersionRef | undefined;
    if (versions && writeTimes) {
      start = await checkLockedRunFiles(versions, run, required, writeTimes, long !== undefined, problems, warnings);
      objectsChecked += 3;
    }
    const sealedTimes: SealedObjectTime[] = [];
    let records: ManifestRecord[];
    try {
      records = await classifier.records(run);
    } catch (err) {
      problems.push({ runId, problem: (err as Error).message });
      results.push({ runId, kind: manifest.kind, chain: manifest.chain, records: run.recordCount, ok: false });
      continue;
    }
    // Member records that cite an organisation-wide read (delegated-admin), checked against this run's records below.
    const citations: { record: ManifestRecord; via: { read: unknown } }[] = [];
    // Requests each of the run's organisation-wide reads lists, by SHA-256 (the members' via.read.requests must say as many).
    const readRequests = new Map<string, number>();
    const noteCitation = (body: Buffer, record: ManifestRecord) => {
      if (isDelegatedReadQuery(record.queryId)) {
        const read = parsed(body);
        if (read !== undefined) readRequests.set(record.sha256, listedReadRequests(read));
        return;
      }
      const via = citingVia(body);
      if (via) citations.push({ record, via });
    };
    const recordProblems = await mapWithConcurrencyLimit(records, opts.concurrency ?? 16, async (record) => {
      const found: StoreProblem[] = [];
      const key = record.location?.key;
      const at = { runId, recordId: record.recordId, ...(key ? { key } : {}), ...(record.location?.versionId ? { versionId: record.location.versionId } : {}) };
      try {
        if (versions) {
          const k = key ?? versions.objectKey(record.sha256);
          // An object longer than the signed size is not that body: it is reported by its size, unread.
          const v = await versions.readVersion(k, record.location?.versionId, { maxBytes: record.size, tooLarge: (size, atLeast) => new BodyTooLong(`s3 object ${k} is ${atLeast ? 'at least ' : ''}${size} bytes`, size, atLeast) });
          const here = { runId, recordId: record.recordId, key: k, ...(v.versionId ? { versionId: v.versionId } : {}) };
          // The write time comes with the read: no request of its own.
          if (start) sealedTimes.push({ key: k, ...(v.versionId ? { versionId: v.versionId } : {}), ...(v.lastModified ? { lastModified: v.lastModified } : {}) });
          if (checkBody(v.body, record.sha256, record.size, here, found)) noteCitation(v.body, record);
          checkLock(v.mode, v.retainUntil, required, here, found);
        } else {
          const body = await store.getObject(record.sha256, record.size);
          if (checkBody(body, record.sha256, record.size, at, found)) noteCitation(body, record);
        }
      } catch (err) {
        if (err instanceof BodyTooLong) found.push({ ...at, ...(versions && !key ? { key: versions.objectKey(record.sha256) } : {}), problem: `size is ${err.atLeast ? 'at least ' : ''}${err.size} bytes, the manifest says ${record.size}` });
        else found.push({ ...at, problem: `evidence body ${record.sha256} cannot be read: ${(err as Error).message}` });
      }
      return found;
    });
    objectsChecked += records.length;
    for (const list of recordProblems) problems.push(...list);
    if (start) {
      // The run's own files, at the sealed versions, from the listing the run was read from.
      const listed = run.stored.versions ?? (await versions!.runFileVersions(runId));
      for (const file of [RUN_FILES.publicKey, RUN_FILES.signature, RUN_FILES.manifest]) {
        const sealed = listed.get(file)?.[0];
        if (sealed) sealedTimes.push(sealed);
      }
      const outside = sealedObjectsWriteProblem(manifest.startedAt.slice(0, 10), start, sealedTimes, { ...writeTimes!, maxRunSpanMs }, { untimed: 'skip' });
      if (outside) problems.push({ runId, ...outside });
      // S3 sends every object's write time with its read (Last-Modified); a store that sent none leaves those objects uncompared, and says so.
      const untimed = sealedTimes.filter((o) => !o.lastModified);
      if (untimed.length) {
        warnings.push({
          runId,
          key: untimed[0].key,
          ...(untimed[0].versionId ? { versionId: untimed[0].versionId } : {}),
          problem: `the store sent no write time (Last-Modified) with the read of ${untimed.length} object(s) the run seals, so they were not compared with the run's start file ${start.key} (written ${start.lastModified?.toISOString() ?? 'at a time not listed'}): whether they were written within the run is not shown`,
        });
      }
    }
    if (citations.length) {
      const byId = new Map(records.map((r) => [r.recordId, r]));
      for (const { record, via } of citations) {
        const ref = DelegatedReadRefSchema.safeParse(via.read);
        const problem = ref.success ? citedReadProblem(runId, record, { ...via, read: ref.data }, (id) => byId.get(id), (read) => readRequests.get(read.sha256)) : `record ${record.recordId} cites an organisation-wide read that does not read as a reference (record id, SHA-256, request count)`;
        if (problem) problems.push({ runId, recordId: record.recordId, problem });
      }
    }
    results.push({ runId, kind: manifest.kind, chain: manifest.chain, records: records.length, ok: problems.length === before });
  }
  results.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));

  return {
    ok: problems.length === 0 && foreign.length === 0 && results.length > 0,
    store: store.describe().location,
    runs: results,
    objectsChecked,
    problems,
    warnings,
    foreign,
    trustedKeys: [...opts.trust.fingerprints].sort(),
    writeTimes: writeTimes ? { checked: true, ...writeTimes } : { checked: false, why: LOCAL_WRITE_TIMES_UNCHECKED },
    maxRunSpanMs,
    refused,
    ...(unsealedStarts ? { unsealedStarts } : {}),
  };
}

/** Whether the body is the one the manifest names (its SHA-256 and size); a problem is added when it is not. */
function checkBody(body: Buffer, sha256: string, size: number, at: Omit<StoreProblem, 'problem'>, out: StoreProblem[]): boolean {
  const got = sha256Hex(body);
  if (got !== sha256) out.push({ ...at, problem: `SHA-256 is ${got}, the manifest says ${sha256}` });
  else if (body.length !== size) out.push({ ...at, problem: `size is ${body.length} bytes, the manifest says ${size}` });
  else return true;
  return false;
}

/**
 * The `provenance.via` of a sealed body that cites an organisation-wide read (`via.read`), or undefined: only bodies
 * that name a `via` are parsed. A body that is not JSON cites nothing here (evaluation and packaging refuse it).
 */
function citingVia(body: Buffer): ({ read: unknown } & Record<string, unknown>) | undefined {
  if (!body.includes('"via":')) return undefined;
  const via = (parsed(body) as { provenance?: { via?: { read?: unknown } & Record<string, unknown> } } | null | undefined)?.provenance?.via;
  // Only what the match needs is kept: a run of 1,000 accounts cites its reads tens of thousands of times.
  return via?.read === undefined ? undefined : { kind: via.kind, accountId: via.accountId, region: via.region, eventDataStore: via.eventDataStore, read: via.read };
}

/** A body's JSON, or undefined when it does not parse (the body checks say so). */
function parsed(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function checkLock(mode: string | undefined, retainUntil: Date | undefined, required: Date | undefined, at: Omit<StoreProblem, 'problem'>, out: StoreProblem[]): void {
  if (mode !== 'COMPLIANCE') out.push({ ...at, problem: `Object Lock mode is ${mode ?? 'none'}, not COMPLIANCE` });
  if (!retainUntil) out.push({ ...at, problem: 'no Object Lock retain-until date' });
  else if (required && retainUntil.getTime() < required.getTime()) {
    out.push({ ...at, problem: `retained until ${retainUntil.toISOString()}, earlier than the required ${required.toISOString()}` });
  }
}

/** Checks a run's files on a store that keeps versions; returns the start file that dated the run when its day is shown. */
async function checkLockedRunFiles(store: LockedVersions, run: TrustedRun, required: Date | undefined, writeTimes: SealDelayLimits, overSpan: boolean, problems: StoreProblem[], warnings: StoreProblem[]): Promise<StoredVersionRef | undefined> {
  const { runId } = run;
  // The listing the run was read from: its write times and locks are those of the versions whose bytes were verified.
  const versions = run.stored.versions ?? (await store.runFileVersions(runId));
  // The server's write time of the sealed manifest and signature against the completion the run states (back-dating).
  const late = runFileWriteTimeProblems(run.manifest.completedAt, versions, writeTimes);
  for (const p of late) problems.push({ runId, ...p });
  // A collection run no file of whose own folder was written on the day it claims (sealed on time for a completion
  // within a day of a start on a past day); a run already named back-dated is not named twice.
  let start: StoredVersionRef | undefined;
  if (!late.length && !overSpan) {
    const attempts = run.manifest.kind === 'collection' && !run.manifest.reconstruction ? await Promise.all((run.manifest.sealAttempts ?? []).map((a) => store.runFileVersions(a.runId))) : [];
    const day = await runDayJudgement(store, run.manifest, versions, attempts, writeTimes);
    if (day.problem) problems.push({ runId, ...day.problem });
    start = day.start;
  }
  for (const file of [RUN_FILES.manifest, RUN_FILES.signature, RUN_FILES.publicKey]) {
    const list = versions.get(file) ?? [];
    const sealed = list[0];
    if (!sealed) {
      problems.push({ runId, key: store.runKey(runId, file), problem: 'run file is missing' });
      continue;
    }
    if (list.length > 1) {
      warnings.push({
        runId,
        key: sealed.key,
        problem: `${list.length - 1} later version(s) were written over the sealed ${file}; the sealed version ${sealed.versionId ?? ''} is intact and is the one verified`,
      });
    }
    try {
      // The lock is in the version's headers: the file itself was read and checked when the run was judged.
      const v = await store.lockState(sealed.key, sealed.versionId);
      checkLock(v.mode, v.retainUntil, required, { runId, key: sealed.key, ...(sealed.versionId ? { versionId: sealed.versionId } : {}) }, problems);
    } catch (err) {
      problems.push({ runId, key: sealed.key, problem: `cannot read: ${(err as Error).message}` });
    }
  }
  return start;
}

/** Human-readable lines for the CLI. */
export function formatStoreReport(report: StoreVerificationReport): string {
  const lines: string[] = [];
  lines.push(`store ${report.store}: ${report.runs.length} run(s), ${report.objectsChecked} object(s) checked`);
  for (const r of report.runs) lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.runId}${r.kind ? ` (${r.kind}, chain ${r.chain})` : ''}: ${r.records} record(s)`);
  for (const p of report.problems) {
    lines.push(`  problem: run ${p.runId}${p.recordId ? ` record ${p.recordId}` : ''}${p.key ? ` key ${p.key}` : ''}${p.versionId ? ` version ${p.versionId}` : ''}: ${p.problem}`);
  }
  for (const f of report.foreign) {
    lines.push(`  FOREIGN ${f.path}: ${foreignWhy(f)} (${f.detail})${f.reason === 'delete-marker' ? '' : '; not evidence, not a chain link'}`);
  }
  const forged = report.foreign.filter((f) => f.reason === 'non-canonical');
  const others = report.foreign.length - forged.length;
  if (others) lines.push(`  ${others} foreign object(s): someone other than the trusted signer (${report.trustedKeys.join(', ')}) wrote into the store; keep it as it is and investigate`);
  if (forged.length) {
    lines.push(
      `  ${forged.length} run(s) (${forged.map((f) => f.runId ?? f.path).join(', ')}) signed by a trusted key (${[...new Set(forged.map((f) => f.keyFingerprint ?? '?'))].join(', ')}) but not written by evidence-locker: not evidence, left out of packages; keep the store as it is and find out who used the signing key`,
    );
  }
  for (const r of report.refused ?? []) {
    lines.push(`  REFUSED ${r.startedAt.slice(0, 10)} chain ${r.chain}: ${refusalWords(r.runIds)}; signed refusal record ${r.path}${r.versionId ? ` version ${r.versionId}` : ''}${r.namedBy ? `, named by run ${r.namedBy}` : ', not yet named by a sealed run of the chain'}; no evidence of that collection was sealed, its bodies are orphans`);
  }
  for (const w of report.warnings) lines.push(`  warning: run ${w.runId}${w.key ? ` key ${w.key}` : ''}: ${w.problem}`);
  for (const u of report.unsealedStarts ?? []) {
    lines.push(
      `  unsealed start: run ${u.runId} key ${u.key}${u.versionId ? ` version ${u.versionId}` : ''}: a collection's start file, written ${u.writtenAt ? `${u.writtenAt} (LastModified, set by the server)` : 'at a time the store does not list'}, and no run sealed in its folder: ` +
        'a collection that stopped before sealing (see its log), or a start file written ahead of time by someone holding the collector\'s write access, to seal a run against later (the two cannot be told apart here); it proves no day, and a run sealed later under this id is dated by it only if its manifest holds the secret the start file names',
    );
  }
  if (report.runs.length === 0 && report.problems.length === 0 && report.foreign.length === 0 && !report.refused?.length) lines.push('  no sealed runs in the selection');
  const times = report.writeTimes;
  lines.push(
    times.checked
      ? `  write times: each run's manifest.json and manifest.sig must have been written by the store's server (LastModified) within ${formatSpan(times.maxDelayMs)} after the completion the run states, and at most ${formatSpan(times.skewMs)} before it; the first file of a collection run's own folder (the start file a collection writes before its first AWS call) must have been written on the day the run claims, or within ${formatSpan(times.maxDelayMs)} of its start; every evidence body and run file a collection run dated by its start file seals must have been written no earlier than that start file and no later than it plus the run span, ${formatSpan(times.skewMs)} and ${formatSpan(times.maxDelayMs)} (its write time comes with the read of the object); a signer who stores a run on the day it claims is not caught this way`
      : `  write times: ${times.why}`,
  );
  if (report.maxRunSpanMs !== undefined) lines.push(`  run span: each run's signed completion must be within ${formatSpan(report.maxRunSpanMs)} of its signed start (--max-run-span), else the run may have been sealed long after the day it claims`);
  lines.push(report.ok ? 'verification passed' : 'verification FAILED');
  // Keys, version ids and folder names come from the store, where anyone holding write access chooses them.
  return lines.map(terminalLine).join('\n') + '\n';
}
