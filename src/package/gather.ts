import { ConfigError } from '../errors.js';
import { mapWithConcurrencyLimit } from '../concurrency-limit.js';
import type { RunManifest } from '../evidence/manifest.js';
import { MAX_RUN_SPAN_MS, MAX_SEAL_DELAY_MS, RunClassifier, manifestRecords, storeDeleteMarkerFindings, rereadManifest, runFileWriteTimeProblems, runSpanProblem, withReseals, type ForeignObject, type TrustPolicy, type TrustedRun, type SealedObjectTime, runDayJudgement, sealedObjectsWriteProblem, unsealedStartsIn, type UnsealedStart } from '../seal/trust.js';
import type { EvidenceStore, LockedVersions, RunFileListing, StoredVersionRef } from '../evidence/store.js';
import { daysOf, parsePeriod, periodDays, type PeriodDays } from '../evidence/period.js';
import { ATTESTATION_RUN_MARK, compareRunsInChain, RECONSTRUCTION_RUN_MARK, reconstructionRunDay, runIdDay, runIdTime } from '../evidence/run-id.js';
import type { ChainEnd } from './manifest.js';
import { RUN_FILES } from '../evidence/layout.js';
export { missingShards } from './manifest.js';
import { refusalCensus, refusalsLeftOut, type TrustedRefusal } from '../seal/refusals.js';

/** A run manifest without its record list: what a package keeps of each run while records are read one run at a time. */
export type RunHeader = Omit<RunManifest, 'records'> & { recordCount: number };

/**
 * A sealed run taken into a package. Only the header is kept in memory; the records are read again, one run at a
 * time, with `readRunManifest`, which checks the bytes still hash to `manifestSha256`.
 */
export interface IncludedRun {
  runId: string;
  manifest: RunHeader;
  manifestSha256: string;
  manifestSize: number;
  signature: Buffer;
  publicKeyPem: string;
  /** The listing its files were read from (stores that keep versions): write times are checked and the manifest re-read on it. */
  versions?: RunFileListing;
}

/** The days a package covers: whole UTC days of `--from`/`--to`, at most ten years. */
export function packageDays(from: string, to: string): PeriodDays {
  const days = periodDays(parsePeriod(from, to));
  if (daysOf(days).length > 3660) throw new ConfigError(`period ${days.from}..${days.to} is longer than ten years`, 'package a shorter period');
  return days;
}

/** The UTC day a run belongs to: the day its collection started, or for a reconstruction the day it rebuilt. */
export function runDay(m: Pick<RunManifest, 'startedAt'> & { reconstruction?: RunManifest['reconstruction'] }): string {
  return m.reconstruction?.asOf ?? m.startedAt.slice(0, 10);
}

type OrderedRun = { runId: string; manifest: Pick<RunManifest, 'kind' | 'startedAt' | 'completedAt'> & { reconstruction?: RunManifest['reconstruction'] } };
const byPackageStart = (a: OrderedRun, b: OrderedRun) => compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId });
// Day first, so a reconstruction sealed today is read with the day it rebuilt; within a day, the chain order.
const byPackageDay = (a: OrderedRun, b: OrderedRun) => (runDay(a.manifest) < runDay(b.manifest) ? -1 : runDay(a.manifest) > runDay(b.manifest) ? 1 : byPackageStart(a, b));

/**
 * The runs of a package in the order it reads them (manifest.json's \`runs\`, evidence-index.csv and so the \`E-\` reference
 * numbers): every run but attestations by the day it belongs to, then chain order; then attestations in chain order.
 * Everything it sorts by is signed by the runs' own keys.
 */
export function packageRunOrder<T extends OrderedRun>(runs: readonly T[]): T[] {
  const attestations = runs.filter((r) => r.manifest.kind === 'attestation');
  return [...runs.filter((r) => r.manifest.kind !== 'attestation').sort(byPackageDay), ...attestations.sort(byPackageStart)];
}

export interface GatheredRuns {
  /** Collection (and legal-hold) runs whose collection started within the period. */
  periodRuns: IncludedRun[];
  /** Attestation runs sealed on or before the period end (manual evidence stays relevant after it is given). */
  attestationRuns: IncludedRun[];
  /** Everything in the store for the period not written by a trusted signer: never evidence, always listed. */
  foreign: ForeignObject[];
  /** Per chain of the included runs (by chain name), the trusted run that followed its last included run, or null. */
  chainEnds: ChainEnd[];
  /**
   * Included runs whose manifest or signature the store wrote long after (or before) the completion the run states
   * (`runFileWriteTimeProblems`, default limits), that state a span over `--max-run-span`, or of which no file of their
   * own run folder was written on the day they claim (`runDayWriteProblem`): back-dated runs, shown in the report. Undefined when the store keeps no
   * write time its writer cannot set (a local store): not checked, never "none found".
   */
  writtenLate?: LateRunFile[];
  /**
   * Whether the store's write times of every object each collection run of the period seals (its evidence bodies at the
   * versions its records name, and its run files) were compared with the start file that dated the run
   * (`sealedObjectsWriteProblem`): on S3, from the listing of the store's objects this build makes for delete markers;
   * false where the store gives no such listing (a local store), so nothing is said of them.
   */
  bodyWriteTimesChecked: boolean;
  /**
   * Collection runs of the period that prove no day, on every store: those of `writtenLate` (S3), and on a store without
   * trusted write times those whose signed span is over `--max-run-span` (the times are signed, no write time needed).
   * Their days count as days without a run (gaps), each naming the run and why. One entry per run, oldest first.
   */
  runsNotCredited: RunNotCredited[];
  /**
   * Seals refused by planted files whose collection started in the period, or that an included run names: signed
   * refusal records of a trusted key, carried in the package (`refusals/`), oldest first.
   */
  refusals: TrustedRefusal[];
  /**
   * Run folders holding a collection's start file and no sealed run, the start file written (S3 LastModified) within
   * the period: collections that stopped before sealing, or start files planted ahead of a run someone means to seal
   * later; the two cannot be told apart. Undefined on a store whose listing does not show them (a local one).
   */
  unsealedStarts?: UnsealedStart[];
}

/** A collection run whose day is not credited: the day it claims, and why it does not prove it. */
export interface RunNotCredited {
  runId: string;
  /** The day the run claims (`runDay`): a day without a run unless another run proves it. */
  day: string;
  /** Why, as a sentence: the problems found, joined. */
  why: string;
}

/** The runs of `periodRuns` named by `problems` (or whose span is over `maxSpanMs` when no write time was checked), one entry each. */
export function runsNotCredited(periodRuns: readonly IncludedRun[], problems: readonly LateRunFile[] | undefined, maxSpanMs: number): RunNotCredited[] {
  const out: RunNotCredited[] = [];
  for (const r of periodRuns) {
    if (r.manifest.kind !== 'collection') continue;
    const why = problems ? problems.filter((p) => p.runId === r.runId).map((p) => p.problem) : [runSpanProblem(r.manifest.startedAt, r.manifest.completedAt, maxSpanMs)].filter((p): p is string => p !== undefined);
    if (why.length) out.push({ runId: r.runId, day: runDay(r.manifest), why: why.join('; ') });
  }
  return out;
}

/** A run file of an included run that the store wrote when the run says it could not have been. */
export interface LateRunFile {
  runId: string;
  key: string;
  versionId?: string;
  problem: string;
}

/**
 * Reads every sealed run of the period from the store. Only runs signed by a trusted key are included; every other
 * run folder of the period (another key, malformed, a future run id, a link to a foreign run) and every delete marker
 * is returned as foreign, so the package lists it and the chain runs over trusted runs only.
 */
export async function gatherRuns(store: EvidenceStore, period: PeriodDays, trust: TrustPolicy, opts: { maxSealDelayMs?: number; maxRunSpanMs?: number } = {}): Promise<GatheredRuns> {
  // Headers only: each record is parsed and checked on its own and let go; the package reads them again per run.
  const classifier = new RunClassifier(store, trust, { headerOnly: true });
  const today = trust.now().toISOString().slice(0, 10);
  const { trusted, foreign: found } = await classifier.census((id) => {
    const d = runIdDay(id);
    if (d === undefined || d > today) return true;
    // A reconstruction is sealed after the day it is about: its id names that day.
    const rebuilt = reconstructionRunDay(id);
    if (rebuilt !== undefined) return rebuilt >= period.from && rebuilt <= period.to;
    if (d > period.to) return false;
    return d >= period.from || id.includes(ATTESTATION_RUN_MARK);
  });
  // A foreign run folder that a trusted run's signed manifest names as its abandoned seal attempt is explained so.
  const foreign = await withReseals(
    classifier,
    found.filter((f) => {
      const d = f.runId ? runIdDay(f.runId) : undefined;
      return d === undefined || f.reason === 'future-run-id' || (d >= period.from && d <= period.to);
    }),
  );
  // Refusal records: anything under refusals/ that is not one signed by a trusted key is foreign (it has no trusted date).
  const refusalsFound = await refusalCensus(store, trust);
  foreign.push(...refusalsFound.foreign);
  const trustedById = new Map(trusted.map((t) => [t.runId, t]));
  const periodRuns: IncludedRun[] = [];
  const attestationRuns: IncludedRun[] = [];
  for (const t of trusted) {
    const { records: _none, ...header } = t.manifest;
    const run: IncludedRun = {
      runId: t.runId,
      manifest: { ...header, recordCount: t.recordCount },
      manifestSha256: t.manifestSha256,
      manifestSize: t.manifestSize,
      signature: t.stored.signature,
      publicKeyPem: t.stored.publicKeyPem,
      ...(t.stored.versions ? { versions: t.stored.versions } : {}),
    };
    if (t.manifest.kind === 'attestation') {
      if (runDay(t.manifest) <= period.to) attestationRuns.push(run);
    } else if (runDay(t.manifest) >= period.from && runDay(t.manifest) <= period.to) {
      periodRuns.push(run);
    }
  }
  periodRuns.sort(byPackageDay);
  attestationRuns.sort(byPackageStart);
  const namedByRuns = new Set([...periodRuns, ...attestationRuns].flatMap((r) => (r.manifest.refusals ?? []).map((x) => `${x.path}\n${x.versionId ?? ''}`)));
  const taken = new Set<string>();
  const refusals = refusalsFound.trusted
    .filter((r) => {
      const day = r.refusal.startedAt.slice(0, 10);
      return (day >= period.from && day <= period.to) || namedByRuns.has(`${r.ref.path}\n${r.ref.versionId ?? ''}`);
    })
    .sort((a, b) => (a.refusal.startedAt < b.refusal.startedAt ? -1 : a.refusal.startedAt > b.refusal.startedAt ? 1 : a.ref.path < b.ref.path ? -1 : 1))
    // One file per path in a package: a second version of one record's key is trusted only with the same bytes (a retried write).
    .filter((r) => {
      if (taken.has(r.ref.path)) return false;
      taken.add(r.ref.path);
      return true;
    });
  const included = [...periodRuns, ...attestationRuns];
  const maxRunSpanMs = opts.maxRunSpanMs ?? MAX_RUN_SPAN_MS;
  const maxDelayMs = opts.maxSealDelayMs ?? MAX_SEAL_DELAY_MS;
  const judged = store.lockedVersions ? await writtenLate(store.lockedVersions, included, trust, maxDelayMs, maxRunSpanMs) : undefined;
  // The evidence bodies of each run dated by a start file, by the key and version its records name, to be given their
  // write times by the listing of the store's objects made for delete markers (no request per body).
  const bodies = judged?.starts.size && store.listDeleteMarkers ? await namedBodies(classifier, store.lockedVersions!, judged.starts, trustedById) : undefined;
  // Delete markers: runs/ and refusals/ from the listings above, the rest of the store from one more; no prefix twice.
  foreign.push(...(await storeDeleteMarkerFindings(store, classifier, refusalsFound.deleteMarkers, bodies ? (v) => bodies.listed(v) : undefined)));
  foreign.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const late = judged?.late;
  if (late && bodies) {
    for (const r of periodRuns) {
      const start = judged!.starts.get(r.runId);
      if (!start) continue;
      const listed = r.versions ?? (await store.lockedVersions!.runFileVersions(r.runId));
      const own = [RUN_FILES.publicKey, RUN_FILES.signature, RUN_FILES.manifest].map((f) => listed.get(f)?.[0]).filter((v): v is StoredVersionRef => v !== undefined);
      const outside = sealedObjectsWriteProblem(runDay(r.manifest), start, [...bodies.timesOf(r.runId), ...own], { maxDelayMs, skewMs: trust.skewMs, maxRunSpanMs });
      if (outside) late.push({ runId: r.runId, ...outside });
    }
    late.sort(byRunAndKey);
  }
  // Only where the server sets write times: a local folder's start files prove nothing of when they were written.
  const unsealedStarts = store.lockedVersions ? await unsealedStartsIn(classifier, new Date(`${period.from}T00:00:00.000Z`), new Date(`${period.to}T23:59:59.999Z`), included) : undefined;
  return {
    ...(unsealedStarts ? { unsealedStarts } : {}),
    bodyWriteTimesChecked: bodies !== undefined,
    periodRuns,
    attestationRuns,
    foreign,
    chainEnds: await chainEnds(classifier, included, period.to),
    refusals,
    ...(late ? { writtenLate: late } : {}),
    runsNotCredited: runsNotCredited(periodRuns, late, maxRunSpanMs),
  };
}

const byRunAndKey = (a: LateRunFile, b: LateRunFile) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The evidence bodies the runs dated by a start file name, each given its write time by a listing of the store's objects. */
interface NamedBodies {
  /** Takes one object version of the listing (S3 lists each key's versions newest first). */
  listed(v: StoredVersionRef): void;
  /** The bodies a run names, each with the write time the listing gave it (none when it was not listed). */
  timesOf(runId: string): SealedObjectTime[];
}

/**
 * Reads the records of each run in `starts` (one run at a time: one read of its manifest, none per body) and notes the
 * key and version each names; a record naming no version is given the key's latest, as a read without a version gets.
 */
async function namedBodies(classifier: RunClassifier, versions: LockedVersions, starts: ReadonlyMap<string, StoredVersionRef>, trusted: ReadonlyMap<string, TrustedRun>): Promise<NamedBodies> {
  const byRun = new Map<string, string[]>();
  const times = new Map<string, Date | null>();
  for (const runId of starts.keys()) {
    const run = trusted.get(runId);
    if (!run) continue;
    const ids = new Set<string>();
    for (const r of await classifier.records(run)) ids.add(`${r.location?.key ?? versions.objectKey(r.sha256)}\n${r.location?.versionId ?? ''}`);
    for (const id of ids) times.set(id, null);
    byRun.set(runId, [...ids]);
  }
  return {
    listed(v) {
      const exact = `${v.key}\n${v.versionId ?? ''}`;
      if (times.get(exact) === null && v.lastModified) times.set(exact, v.lastModified);
      const latest = `${v.key}\n`;
      // The first version listed for a key is its latest: a record without a version is read at it.
      if (times.get(latest) === null) times.set(latest, v.lastModified ?? new Date(Number.NaN));
    },
    timesOf(runId) {
      return (byRun.get(runId) ?? []).map((id) => {
        const [key, versionId] = id.split('\n');
        const at = times.get(id);
        return { key, ...(versionId ? { versionId } : {}), ...(at && Number.isFinite(at.getTime()) ? { lastModified: at } : {}) };
      });
    },
  };
}

/**
 * The write times of the included runs' manifests and signatures (S3 LastModified) against their stated completion, from
 * the listing each run was read from: the versions whose bytes were verified, with no second listing; and for each
 * collection run whose day they show, the start file that dated it (`starts`).
 */
async function writtenLate(versions: NonNullable<EvidenceStore['lockedVersions']>, runs: IncludedRun[], trust: TrustPolicy, maxDelayMs: number, maxSpanMs: number): Promise<{ late: LateRunFile[]; starts: Map<string, StoredVersionRef> }> {
  const starts = new Map<string, StoredVersionRef>();
  const limits = { maxDelayMs, skewMs: trust.skewMs };
  const found = await mapWithConcurrencyLimit(runs, 16, async (r) => {
    const listed = r.versions ?? (await versions.runFileVersions(r.runId));
    const late: LateRunFile[] = runFileWriteTimeProblems(r.manifest.completedAt, listed, limits).map((p) => ({ runId: r.runId, ...p }));
    // Written on time for its completion, but stating a span no run takes: its start (and day) may lie long before.
    const long = runSpanProblem(r.manifest.startedAt, r.manifest.completedAt, maxSpanMs);
    const sealed = listed.get(RUN_FILES.manifest)?.[0];
    if (long) late.push({ runId: r.runId, key: sealed?.key ?? versions.runKey(r.runId, RUN_FILES.manifest), ...(sealed?.versionId ? { versionId: sealed.versionId } : {}), problem: long });
    // Within a day from start to completion, yet not written on the day it claims: its start file (or, for a run sealed
    // again under a new id, its first attempt's) shows when the store first saw it.
    // A run already named proves no day anyway: this check is for one whose seal files are on time.
    if (late.length) return late;
    const attempts = r.manifest.kind === 'collection' && !r.manifest.reconstruction ? await Promise.all((r.manifest.sealAttempts ?? []).map((a) => versions.runFileVersions(a.runId))) : [];
    const day = await runDayJudgement(versions, r.manifest, listed, attempts, limits);
    if (day.problem) late.push({ runId: r.runId, ...day.problem });
    if (day.start) starts.set(r.runId, day.start);
    return late;
  });
  return { late: found.flat().sort(byRunAndKey), starts };
}

/** Run ids by the chains they can belong to: attestation and reconstruction runs are marked in their id. */
function idKind(runId: string): 'attestation' | 'reconstruction' | 'other' {
  return runId.includes(ATTESTATION_RUN_MARK) ? 'attestation' : runId.includes(RECONSTRUCTION_RUN_MARK) ? 'reconstruction' : 'other';
}

/**
 * For each chain of the included runs, the trusted run of that chain that follows the last one included (the one run
 * that should link to it), read from run ids at or after that run's start second and dated up to the period end (a
 * reconstruction by the day it rebuilt): the package records it so both verifiers can tell a period cut short at its
 * end (the next run falls inside the period) from one whose collection stopped. Runs dated after the period cannot
 * cut it short and are not read (a year of later runs would be downloaded for nothing): null means no later run of the
 * chain dated within the period. Only ids of the chain's kind (attestation, reconstruction, other) are read.
 */
async function chainEnds(classifier: RunClassifier, runs: IncludedRun[], periodTo: string): Promise<ChainEnd[]> {
  type Placed = { runId: string; manifest: Pick<RunManifest, 'startedAt' | 'completedAt'> };
  const order = (a: Placed, b: Placed) => compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId });
  const last = new Map<string, IncludedRun>();
  for (const r of runs) {
    const seen = last.get(r.manifest.chain);
    if (!seen || order(seen, r) < 0) last.set(r.manifest.chain, r);
  }
  const ids = await classifier.runIds();
  const out: ChainEnd[] = [];
  for (const [chain, l] of [...last].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const from = runIdTime(l.runId)?.getTime() ?? Date.parse(l.manifest.startedAt);
    let next: { runId: string; manifest: RunManifest; manifestSha256: string } | undefined;
    const kind = idKind(l.runId);
    for (const id of ids) {
      if (id === l.runId || idKind(id) !== kind) continue;
      const rebuilt = reconstructionRunDay(id);
      if (rebuilt !== undefined ? rebuilt > periodTo : (runIdDay(id) ?? '') > periodTo) {
        // Ids sort by start second: past the period end no later id of this kind is dated in it (reconstructions excepted).
        if (rebuilt === undefined) break;
        continue;
      }
      const t = runIdTime(id)?.getTime();
      if (t !== undefined && t < Math.floor(from / 1000) * 1000) continue;
      // Ids sort by start second: once past the best candidate's, no later id can come before it in the chain.
      if (next && t !== undefined && t > (runIdTime(next.runId)?.getTime() ?? Infinity)) break;
      const c = await classifier.classify(id);
      if (!c.trusted || c.trusted.manifest.chain !== chain || order(c.trusted, l) <= 0) continue;
      if (!next || order(c.trusted, next) < 0) next = c.trusted;
    }
    out.push({ chain, lastRunId: l.runId, next: next ? { runId: next.runId, startedAt: next.manifest.startedAt, manifestSha256: next.manifestSha256 } : null });
  }
  return out;
}

/** The run's manifest bytes from the store, checked against the hash taken when the run was gathered. */
export function readRunManifestBytes(store: EvidenceStore, run: IncludedRun): Promise<Buffer> {
  return rereadManifest(store, run, 'while the package was built');
}

/**
 * The full run manifest: the header judged when the run was gathered, with its records read again from the store
 * (`readRunManifestBytes`) one at a time.
 */
export async function readRunManifest(store: EvidenceStore, run: IncludedRun): Promise<RunManifest> {
  const { recordCount: _count, ...header } = run.manifest;
  // Checked record by record when gathered; the same bytes (the hash says so) need no second check.
  return { ...header, records: manifestRecords(await readRunManifestBytes(store, run), { check: false }) };
}

/** A seal refused by planted files, as a package shows it on its day (summary.json `period.sealRefused`). */
export interface RefusedSeal {
  /** UTC day the refused collection started. */
  day: string;
  chain: string;
  /** Every run id the seal tried, in order. */
  attempts: string[];
  /** Package path of the signed refusal record (`refusals/<name>`), the same path as in the store. */
  record: string;
  startedAt: string;
  refusedAt: string;
  /** Records the refused run had (their bodies were stored, but no sealed run names them). */
  records: number;
  /** The included run whose signed manifest names the record (the chain's next sealed run), if the package holds it. */
  namedBy?: string;
}

/** A refused seal with the SHA-256 of its record, which summary.json, the report, HTML and OSCAL name beside its path. */
export interface RefusedSealRecord extends RefusedSeal {
  /** SHA-256 of the signed refusal record's bytes (the package carries it at `record`). */
  sha256: string;
}

/** The fields summary.json records of a refused seal (`period.sealRefused`), in their order. */
export function summaryRefusal(r: RefusedSealRecord): RefusedSealRecord {
  return { day: r.day, chain: r.chain, attempts: r.attempts, record: r.record, sha256: r.sha256, startedAt: r.startedAt, refusedAt: r.refusedAt, records: r.records, ...(r.namedBy ? { namedBy: r.namedBy } : {}) };
}

/** The refused seals of a package, each with the included run that names it, oldest first. */
export function refusedSeals(refusals: TrustedRefusal[], runs: IncludedRun[]): RefusedSealRecord[] {
  return refusals.map((r) => {
    // Path and SHA-256, as both verifiers match them: a retried write of the same bytes is another version of the same
    // record, and the run may name either version.
    const namedBy = runs.find((run) => (run.manifest.refusals ?? []).some((x) => x.path === r.ref.path && x.sha256 === r.sha256))?.runId;
    return {
      day: r.refusal.startedAt.slice(0, 10),
      chain: r.refusal.chain,
      attempts: r.refusal.attempts.map((a) => a.runId),
      record: r.ref.path,
      startedAt: r.refusal.startedAt,
      refusedAt: r.refusal.refusedAt,
      records: r.refusal.records.count,
      ...(namedBy ? { namedBy } : {}),
      sha256: r.sha256,
    };
  });
}

/** A refusal record of the package that a run of the same chain and previous link does not name (summary.json `period.refusalsNotNamed`). */
export interface RefusalNotNamed {
  /** Package path of the record (`refusals/<name>`). */
  record: string;
  /** The run that does not name it. */
  runId: string;
  chain: string;
  /** True when that run's seal should have named it (verify fails the package); false when it may not have seen it. */
  problem: boolean;
  message: string;
}

/** The package's refusal records that an included run of the same chain and previous link does not name, and why. */
export function refusalsNotNamed(refusals: TrustedRefusal[], runs: IncludedRun[], skewMs: number): RefusalNotNamed[] {
  return refusalsLeftOut(refusals.map((r) => ({ ...r.ref, refusal: r.refusal })), runs, skewMs).map((l) => ({ record: l.path, runId: l.runId, chain: l.chain, problem: l.problem, message: l.message }));
}
