import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { Catalog } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import type { EvaluateRunInput } from '../evaluate/engine.js';
import type { ControlResult } from '../evaluate/types.js';
import { BodyTooLong, ConfigError, EvidenceLockerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { canonicalBytes } from '../seal/canonical.js';
import { sha256Hex } from '../evidence/hash.js';
import type { ManifestSigner } from '../seal/signer.js';
import { MAX_RUN_SPAN_MS, MAX_SEAL_DELAY_MS, describeForeign, trustPolicy, unsealedStartEntry, unsealedStartWords, type TrustPolicy, type UnsealedStart } from '../seal/trust.js';
import type { EvidenceStore } from '../evidence/store.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { BodyIndex, mergeByPath } from './bodies.js';
import { EVIDENCE_CSV_HEADER, controlsCsv, csvMark, evidenceCsvRows, packagedRecord, type CsvCells } from './csv.js';
import { exceptionStates, type ExceptionEntry } from './exceptions.js';
import { gatherRuns, missingShards, packageDays, readRunManifest, readRunManifestBytes, refusalsNotNamed, refusedSeals, type IncludedRun, type RunNotCredited } from './gather.js';
import { refusalWords, refusedAttemptIsRun } from '../seal/refusals.js';
import { renderIndexHtml, DEFAULT_HTML_BODY_BUDGET } from './html.js';
import {
  BUILD_CLOCK_SKEW_MS,
  PACKAGE_FILES,
  type PackageEvaluation,
  PACKAGE_MANIFEST_SCHEMA,
  attestationPath,
  evaluationInputsId,
  evidencePath,
  evidenceSetId,
  packageManifestChunks,
  packageRunEntry,
  runPath,
  type PackageFile,
  type PackageManifest,
} from './manifest.js';
import { statusCounts, type PackageModel } from './model.js';
import { renderOscal } from './oscal.js';
import { EvidenceReferences } from './references.js';
import { assessorResults, RESULT_FILES_SINCE, SUMMARY_MEANING_SINCE, SUMMARY_REVISION } from './assessor.js';
import { loadProcedureMap, type ProcedureMap } from '../controls/procedures.js';
import { loadCatalogs } from '../controls/load.js';
import { changedParameters, parameterOverrideList } from '../controls/parameters.js';
import { queryById } from '../queries/index.js';
import { untestedRequirements } from './untested.js';
import { findingsCsv, findingIdsByRow } from './findings.js';
import { populationCsv } from './population.js';
import { proceduresCsv } from './procedures.js';
import { reconstructedDays } from './reconstructed.js';
import { RegionCoverageBuilder } from './regions.js';
import { renderReportPdf } from './pdf.js';
import { TimelineBuilder, loadVerifiedBody, markNotCreditedDays, markRefusedDays } from './timeline.js';
import { isDelegatedReadQuery, type EvidenceBody, type ManifestRecord } from '../evidence/record.js';
import type { RunManifest } from '../evidence/manifest.js';
import { bodyOrigin, EndpointTally, type BodyOrigin } from '../evidence/endpoint-origin.js';
import { queryEndpointServices } from '../queries/endpoint-services.js';
import { citedReadProblem, listedReadRequests } from '../queries/delegated/cited-read.js';
import { EventWindows } from './event-windows.js';
import { addRunWindows, applyUnsearched, eventSearchCoverage } from './event-coverage.js';
import { verifyGuide } from './verify-guide.js';
import { VERIFY_SCRIPT } from './verify-script.js';
import { compareCodeUnits, writeDeterministicZip, type ZipEntry } from './zip.js';

export interface BuildPackageOptions {
  store: EvidenceStore;
  signer: ManifestSigner;
  catalogs: Catalog[];
  frameworks: string[];
  /** First and last UTC day of the period, YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  /** Restrict to these accounts (each must appear in a run of the period). Default: every account collected. */
  accounts?: string[];
  outDir: string;
  organization?: string;
  parameterOverrides?: Config['parameters'];
  /** The assessed environment per framework (config `scope:`); absent: every resource of the listed accounts. */
  scope?: Config['scope'];
  /** What the assessed entity is, per framework (config `entity:`); absent: not declared (the report says so). */
  entity?: Config['entity'];
  exceptions?: ExceptionEntry[];
  /** Which queries test which procedure, per framework (default: controls/procedures/<framework>.yaml). */
  procedureMaps?: ProcedureMap[];
  /** The evidence came from the simulated AWS (the demo); stated in summary.json. */
  simulated?: boolean;
  /** Zip file name; default `evidence-package_<frameworks>_<from>_<to>.zip`. */
  fileName?: string;
  htmlBodyBudget?: number;
  /** Ruled assessor's-notes pages in report.pdf (`--notes-pages`); default one notes area per manual requirement. */
  notesPages?: boolean;
  /** Keys whose runs are evidence (default: the package signer's own key); every other run is listed as foreign. */
  trust?: TrustPolicy;
  /** When the package is built, shown on the cover and in manifest.json; default now. Fix it to rebuild byte for byte. */
  builtAt?: Date;
  /**
   * S3: the most time from the completion a run states to the store's write of its manifest and signature before the
   * run is listed as stored later than it claims (`--max-seal-delay`; default one hour, as `verify --store`).
   */
  maxSealDelayMs?: number;
  /**
   * The most time a run may state it took, from its signed start to its signed completion, before it is listed as
   * stored later than it claims (`--max-run-span`; default one day, as `verify --store`).
   */
  maxRunSpanMs?: number;
  /**
   * `verify --recompute` only: whether the builder compared the store's write times, and the runs it found to prove no
   * day (manifest.json `evaluation.backDatingChecks` and `evaluation.runsNotCredited`): the store's write times are not
   * in a package, so the builder's finding is taken as recorded (with the runs whose signed span is over
   * `maxRunSpanMs`, which are found again).
   */
  recordedBackDating?: { writeTimesChecked: boolean; bodyWriteTimesChecked?: boolean; runsNotCredited: readonly RunNotCredited[]; unsealedStarts?: readonly UnsealedStart[] };
  /**
   * `verify --recompute` of a package whose summary.json is of a revision before 5 only: its build counted the regions
   * and event-search windows of runs that prove no day as collected and searched; recomputed as it was built.
   */
  notCreditedRunsCover?: boolean;
  /**
   * `verify --recompute` of a package whose summary.json is of a revision before 7 only: its testing-procedures.csv
   * notes were written as that build wrote them (AssessorInput `revision6Notes`); recomputed as it was built.
   */
  revision6Notes?: boolean;
  /**
   * `verify --recompute` of a package whose summary.json is of a revision before SUMMARY_REVISION only: its result
   * files are written as a build of that revision wrote them (RESULT_FILES_SINCE: findings.csv without
   * `severity_raised` before 7; SUMMARY_MEANING_SINCE: controls.csv reasons without the addressable note before 8).
   */
  resultsRevision?: number;
  /**
   * `verify --recompute` of a package whose summary.json is of a revision before 7 only: its build wrote the collected
   * text of CSV cells verbatim (CsvCells `asBuilt`); recomputed as it was built.
   */
  csvCells?: CsvCells;
  /** The evaluation engine (default evaluateRun). */
  evaluate?: (input: EvaluateRunInput) => Promise<ControlResult[]>;
  log?: Logger;
}

/** The result files `verify --recompute` re-derives from a package's sealed evidence and compares byte for byte. */
export const RECOMPUTED_FILES = [PACKAGE_FILES.controlsCsv, PACKAGE_FILES.findingsCsv, PACKAGE_FILES.proceduresCsv, PACKAGE_FILES.populationCsv, PACKAGE_FILES.summary] as const;

export interface PackageSummary {
  frameworks: string[];
  period: { from: string; to: string };
  accounts: string[];
  runs: number;
  attestationRuns: number;
  /** Records packaged, the records of organisation-wide reads (`readRecords`, delegated-admin) among them. */
  records: number;
  readRecords: number;
  evidenceFiles: number;
  files: number;
  bytes: number;
  statusCounts: Record<string, number>;
  gapDays: number;
  missingShards: number;
  /** Objects found in the store for the period that no trusted key signed (listed in the report, never evidence). */
  foreignObjects: number;
  /**
   * Included runs whose manifest or signature the store wrote more than an hour after (or before) the completion the run
   * states (S3 LastModified): back-dated, shown in the report. Null when the store keeps no such write time (local).
   */
  runsWrittenLate: number | null;
  /** Collection runs that prove no day (written late, over their span, or not written on the day they claim): their days are gaps. */
  runsNotCredited: number;
  /**
   * Carried refusal records that name a sealed run of the package as a refused attempt, each with the run: verify and
   * verify.sh call such a package INVALID.
   */
  refusalsNamingSealedRuns: { record: string; runId: string }[];
  /** The most time from a run's completion to its write that was allowed before naming it (S3 only). */
  maxSealDelayMs: number;
  /** The most time a run could state it took before naming it (`--max-run-span`; S3 only, as `runsWrittenLate`). */
  maxRunSpanMs: number;
  keyFingerprint: string;
  generatedAt: string;
  builtAt: string;
  /** Any included run was collected from the simulated AWS. */
  simulated: boolean;
  /** Distinct keys that signed the included runs; more than one is shown prominently. */
  runKeyFingerprints: string[];
}

export interface BuiltPackage {
  zipPath: string;
  /** SHA-256 of manifest.json. */
  packageId: string;
  summary: PackageSummary;
}

/**
 * Builds the auditor package for a period: gathers every sealed run, evaluates the requirements per day,
 * renders the report, HTML, CSV and OSCAL views, copies run manifests and evidence bodies byte for byte,
 * writes and signs the package manifest, and zips it deterministically. Nothing is written outside `outDir`;
 * the zip appears under its final name only when complete.
 */
export async function buildPackage(opts: BuildPackageOptions): Promise<BuiltPackage> {
  return (await build(opts, false)) as BuiltPackage;
}

/**
 * The result files (RECOMPUTED_FILES) exactly as `buildPackage` writes them for the same inputs, without rendering the
 * views or writing a zip: what `verify --recompute` compares with a package's own files. Nothing is signed or written
 * outside `opts.outDir` (a scratch folder).
 */
export async function computePackageResults(opts: BuildPackageOptions): Promise<PackageResults> {
  return (await build(opts, true)) as PackageResults;
}

/** The result files computed from the evidence, the evaluation inputs and the evidence set id (`contentId`) they were computed for. */
export interface PackageResults {
  files: Map<string, Buffer>;
  evaluation: PackageEvaluation;
  contentId: string;
}

async function build(opts: BuildPackageOptions, resultsOnly: boolean): Promise<BuiltPackage | PackageResults> {
  const period = packageDays(opts.from, opts.to);
  const frameworks = [...new Set(opts.frameworks)];
  if (!frameworks.length) throw new ConfigError('no framework given', 'pass --framework with one of the catalog ids (see `evidence-locker controls list`)');
  const catalogs = frameworks.map((id) => {
    const c = opts.catalogs.find((x) => x.framework === id);
    if (!c) throw new ConfigError(`unknown framework "${id}"`, `use one of: ${opts.catalogs.map((x) => x.framework).join(', ') || '(no catalogs loaded)'}`);
    return c;
  });

  for (const fw of Object.keys(opts.scope ?? {})) {
    if (!opts.catalogs.some((c) => c.framework === fw)) throw new ConfigError(`scope.${fw}: unknown framework "${fw}"`, `scope keys are framework ids: ${opts.catalogs.map((c) => c.framework).join(', ')}`);
  }
  for (const fw of Object.keys(opts.entity ?? {})) {
    if (!opts.catalogs.some((c) => c.framework === fw)) throw new ConfigError(`entity.${fw}: unknown framework "${fw}"`, `entity keys are framework ids: ${opts.catalogs.map((c) => c.framework).join(', ')}`);
  }
  const entity = opts.entity && Object.keys(opts.entity).length ? opts.entity : undefined;
  const trust = opts.trust ?? trustPolicy([await opts.signer.fingerprint()]);
  const sealDelayMs = opts.maxSealDelayMs ?? MAX_SEAL_DELAY_MS;
  if (!Number.isFinite(sealDelayMs) || sealDelayMs < 60_000) throw new ConfigError(`maxSealDelayMs ${sealDelayMs}: less than one minute, which would name runs sealed as usual`, 'give at least one minute; the default, one hour, covers the largest seal');
  const runSpanMs = opts.maxRunSpanMs ?? MAX_RUN_SPAN_MS;
  if (!Number.isFinite(runSpanMs) || runSpanMs < 60_000) throw new ConfigError(`maxRunSpanMs ${runSpanMs}: less than one minute, which would name runs collected as usual`, 'give at least one minute; the default, one day, covers the largest collection');
  const { periodRuns, attestationRuns, foreign, chainEnds, writtenLate, refusals, runsNotCredited: found, bodyWriteTimesChecked, unsealedStarts: startsFound } = await gatherRuns(opts.store, period, trust, { maxSealDelayMs: sealDelayMs, maxRunSpanMs: runSpanMs });
  // A run named back-dated keeps its place in the package and its chain, but the day it claims is a gap unless another run proves it.
  const notCredited = mergeNotCredited(found, opts.recordedBackDating?.runsNotCredited ?? [], periodRuns);
  // Body write times: what the builder recorded (verify --recompute, whose package holds none), else this build's own check.
  const bodiesChecked = opts.recordedBackDating ? opts.recordedBackDating.bodyWriteTimesChecked : bodyWriteTimesChecked;
  const backDatingChecks = { writeTimesChecked: opts.recordedBackDating?.writeTimesChecked ?? writtenLate !== undefined, ...(bodiesChecked !== undefined ? { bodyWriteTimesChecked: bodiesChecked } : {}), maxSealDelayMs: sealDelayMs, maxRunSpanMs: runSpanMs };
  const notCreditedIds = new Set(notCredited.map((n) => n.runId));
  // The store's listing is not in the package: a recompute takes the build's finding as recorded.
  const unsealedStarts = opts.recordedBackDating ? opts.recordedBackDating.unsealedStarts : startsFound;
  if (!resultsOnly) for (const u of unsealedStarts ?? []) opts.log?.warn({ runId: u.runId, key: u.key, versionId: u.versionId, writtenAt: u.writtenAt }, `package: ${unsealedStartWords(u)}; listed in the report`);
  for (const n of notCredited) opts.log?.warn({ runId: n.runId, day: n.day }, `package: run ${n.runId} proves no collection on ${n.day}; that day counts as a gap: ${n.why}`);
  const refused = refusedSeals(refusals, [...periodRuns, ...attestationRuns]);
  for (const r of refused) opts.log?.warn({ record: r.record, day: r.day, chain: r.chain, attempts: r.attempts }, `package: ${r.day}: ${refusalWords(r.attempts)}; the package carries its signed refusal record ${r.record}`);
  const notNamed = refusalsNotNamed(refusals, [...periodRuns, ...attestationRuns], trust.skewMs);
  for (const n of notNamed) {
    if (n.problem) opts.log?.error({ record: n.record, runId: n.runId, chain: n.chain }, `package: ${n.message}`);
    else opts.log?.warn({ record: n.record, runId: n.runId, chain: n.chain }, `package: ${n.message}`);
  }
  // A carried refusal record that calls a sealed run of the package a refused attempt makes verify call the package
  // INVALID. Built all the same (loudly): the record is write-once, so refusing would refuse every package of its period.
  const heldRuns = new Set([...periodRuns, ...attestationRuns].map((r) => r.runId));
  const refusalsNamingRuns = refusals.flatMap((r) => [...new Set(r.refusal.attempts.map((a) => a.runId))].filter((id) => heldRuns.has(id)).map((runId) => ({ record: r.ref.path, runId })));
  if (!resultsOnly) {
    for (const c of refusalsNamingRuns) {
      opts.log?.error(
        { record: c.record, runId: c.runId },
        `package: ${refusedAttemptIsRun(c.record, c.runId)}. This package carries both, so evidence-locker verify and verify.sh will call it INVALID (verify --store names the same problem): find the CloudTrail Sign events of the record and of run ${c.runId} and who made them, and give the assessor the finding with the package; the record cannot be removed from a write-once store, so every package carrying it (its collection started in the period, or a run of the package names it) is INVALID until the organisation explains it`,
      );
    }
  }
  for (const f of foreign) opts.log?.warn({ runId: f.runId, path: f.path, reason: f.reason, detail: f.detail }, `package: foreign object in the evidence store, listed in the package, not used as evidence: ${describeForeign(f)}`);
  for (const l of writtenLate ?? []) opts.log?.warn({ runId: l.runId, key: l.key, versionId: l.versionId }, `package: run ${l.runId} was not stored when it claims, listed in the report: ${l.problem}`);
  const collectionRuns = periodRuns.filter((r) => r.manifest.kind === 'collection');
  const where = opts.store.describe().location;
  if (!collectionRuns.length) {
    throw new ConfigError(`no sealed collection runs between ${period.from} and ${period.to} in the evidence store ${where}`, 'choose a period in which `evidence-locker collect` ran, or run a collection first');
  }
  const collected = [...new Set(collectionRuns.flatMap((r) => r.manifest.scope.accounts))].sort();
  let accounts = collected;
  if (opts.accounts?.length) {
    for (const a of opts.accounts) {
      if (!collected.includes(a)) throw new ConfigError(`account ${a} has no sealed collection run between ${period.from} and ${period.to}`, `accounts collected in the period: ${collected.join(', ')}`);
    }
    accounts = [...new Set(opts.accounts)].sort();
  }
  const accountSet = new Set(accounts);
  // The runs the package holds still name these accounts: every view says they were collected and left out.
  const accountsLeftOut = collected.filter((a) => !accountSet.has(a));
  // The regions of runs that prove their day: a back-dated run's scope shows no region collected.
  const regions = [...new Set(collectionRuns.filter((r) => opts.notCreditedRunsCover === true || !notCreditedIds.has(r.runId)).flatMap((r) => r.manifest.scope.regions))].sort();
  const allRuns = [...periodRuns, ...attestationRuns];
  const generatedAt = allRuns.reduce((m, r) => (r.manifest.completedAt > m ? r.manifest.completedAt : m), '');
  const builtAt = (opts.builtAt ?? new Date()).toISOString();
  // A package is built after the runs it holds: verifiers refuse a build time before the last run's completion by more
  // than the clocks of the collector and of this machine may differ.
  if (Date.parse(builtAt) + BUILD_CLOCK_SKEW_MS < Date.parse(generatedAt)) {
    throw new ConfigError(
      `the package's build time ${builtAt}${opts.builtAt ? ' (given, e.g. by SOURCE_DATE_EPOCH)' : " (this machine's clock)"} is before ${generatedAt}, the completion of the last run of the period, by more than ${BUILD_CLOCK_SKEW_MS / 60_000} min: verifiers refuse such a package`,
      opts.builtAt ? 'give a build time after the last run completed (SOURCE_DATE_EPOCH: unset it, or set it to the build time of the package to reproduce)' : "set this machine's clock right (NTP) and build the package again",
    );
  }
  // Marked by the runs themselves (the demo seals its runs as simulated), or by the caller.
  const simulated = opts.simulated === true || allRuns.some((r) => r.manifest.simulated === true);
  const exceptions = exceptionStates(opts.exceptions ?? [], period.to, period.from);
  const organization = opts.organization ?? 'Example Organization';

  const contentId = evidenceSetId({
    organization,
    frameworks,
    period,
    accounts,
    runs: allRuns,
    exceptions: opts.exceptions ?? [],
    ...(hasScope(opts.scope) ? { scope: opts.scope as Record<string, unknown> } : {}),
    ...(entity ? { entity: entity as Record<string, unknown> } : {}),
  });

  // What the results were computed from, signed in manifest.json: verify --recompute evaluates the sealed evidence again with it.
  const inputs = evaluationInputs(opts, { organization, frameworks, period, accounts, builtAt, simulated, catalogs, trust, backDatingChecks, notCredited, ...(unsealedStarts ? { unsealedStarts } : {}) });
  const evaluation = inputs.evaluation;
  const evaluationId = evaluationInputsId(evaluation);

  const baseName = opts.fileName ?? `evidence-package_${frameworks.join('+')}_${period.from}_${period.to}.zip`;
  if (baseName.includes('/') || baseName.includes('\\') || baseName.startsWith('.')) throw new ConfigError(`package file name "${baseName}" must be a plain file name`);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, baseName);
  const removed = await removeStaleLeftovers(outDir);
  if (removed.length) opts.log?.info({ removed }, 'package: removed what interrupted package runs left in the output folder');
  // Generated files that grow with the record count are written to a staging folder; evidence streams from the store.
  const staging = join(outDir, `.${baseName}.staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });

  try {
    // Every file but the evidence bodies (few: three per run plus the views), with where its bytes come from.
    const small: PackageEntry[] = [];
    const put = (path: string, bytes: Buffer) => small.push({ path, sha256: sha256Hex(bytes), size: bytes.length, source: { buffer: bytes } });

    // Evidence bodies and run manifests are fetched when the zip reaches them and checked against their hash then.
    // Versioned stores: every version the runs name is read and checked, as `verify --store` does, so the two never disagree.
    const named = new Map<string, { key: string; versions: Set<string> }>();
    const versions = opts.store.lockedVersions;
    const fetchChecked = (sha: string, what: string, size?: number) => async () => {
      const at = versions ? named.get(sha) : undefined;
      let bytes: Buffer | undefined;
      for (const v of at?.versions ?? []) {
        // A version longer than the signed size is not the body: refused unread, as `verify --store` reports it.
        const limit = size === undefined ? undefined : { maxBytes: size, tooLarge: (n: number, atLeast: boolean) => new BodyTooLong(`${what} ${sha}: the version ${v} of ${at!.key} that a sealed run names is ${atLeast ? 'at least ' : ''}${n} bytes, not the ${size} signed`, n, atLeast, { hint: 'do not package from this store until the object is investigated; `evidence-locker verify --store` names the same version' }) };
        const b = (await versions!.readVersion(at!.key, v, limit)).body;
        if (sha256Hex(b) !== sha) {
          throw new EvidenceLockerError(`${what} ${sha}: the version ${v} of ${at!.key} that a sealed run names hashes to ${sha256Hex(b)}`, {
            hint: 'do not package from this store until the object is investigated; `evidence-locker verify --store` names the same version',
          });
        }
        bytes = b;
      }
      bytes ??= await opts.store.getObject(sha, size);
      const actual = sha256Hex(bytes);
      if (actual !== sha) {
        throw new EvidenceLockerError(`${what} ${sha} in the evidence store hashes to ${actual}: the stored object was altered`, {
          hint: 'do not package from this store until the object is investigated; `evidence-locker verify --store` lists every damaged object',
        });
      }
      return bytes;
    };

    // Signed refusal records of refused seals, byte for byte as the store holds them, for verify to check.
    for (const r of refusals) put(r.ref.path, r.bytes);

    // Sealed runs, byte for byte as the store holds them.
    for (const run of allRuns) {
      small.push({ path: runPath(run.runId, 'manifest.json'), sha256: run.manifestSha256, size: run.manifestSize, source: { size: run.manifestSize, fetch: () => readRunManifestBytes(opts.store, run) } });
      put(runPath(run.runId, 'manifest.sig'), run.signature);
      put(runPath(run.runId, 'public-key.pem'), Buffer.from(run.publicKeyPem, 'utf8'));
    }

    // One pass over the runs, one manifest in memory at a time: evidence bodies (content addresses and sizes from the
    // signed manifests), evidence-index.csv, and the requirement timeline.
    const refs = new EvidenceReferences();
    // Read once: the timeline needs the requirements the maps name untested, the assessor's views every procedure.
    const procedureMaps = inputs.procedureMaps;
    for (const f of inputs.embedded) put(f.path, f.bytes);
    const timelineBuilder = await TimelineBuilder.open({
      store: opts.store,
      catalogs: opts.catalogs,
      frameworks,
      accounts,
      period,
      periodRuns: periodRuns.filter((r) => !notCreditedIds.has(r.runId)),
      attestationRuns,
      parameterOverrides: opts.parameterOverrides,
      ...(hasScope(opts.scope) ? { scope: opts.scope } : {}),
      ...(entity ? { entity } : {}),
      exceptions,
      untested: untestedRequirements(procedureMaps),
      evaluate: opts.evaluate,
      refNumber: (runId, recordId) => refs.numberOf(runId, recordId),
    });
    const regionCoverage = new RegionCoverageBuilder(accounts, frameworks, opts.scope ?? {});
    const bodies = new BodyIndex();
    // The windows every run's CloudTrail event searches covered, whether or not the run decides a day.
    const eventWindows = new EventWindows();
    const attestationFiles = new Map<string, string>();
    const evidenceCsv = new StagedFile(staging, PACKAGE_FILES.evidenceCsv);
    await evidenceCsv.write(csvMark(simulated, opts.csvCells).header(EVIDENCE_CSV_HEADER));
    let records = 0;
    let readRecords = 0;
    // Where each collection record's body says it was collected from; a body cited again (an unchanged answer) is read once.
    const endpoints = new EndpointTally();
    const originOf = new Map<string, BodyOrigin>();
    // Bodies mostly share one origin and caller: one object each for this build (at most 1,024 kept).
    const sharedOrigins = new Map<string, BodyOrigin>();
    for (const run of allRuns) {
      const manifest = await readRunManifest(opts.store, run);
      const isAttestation = manifest.kind === 'attestation';
      for (const rec of manifest.records) {
        if (!packagedRecord(manifest.kind, rec, accountSet)) continue;
        records++;
        if (isDelegatedReadQuery(rec.queryId)) readRecords++;
        bodies.add(rec.sha256, rec.size);
        if (versions && rec.location?.versionId) {
          const entry = named.get(rec.sha256) ?? { key: rec.location.key, versions: new Set<string>() };
          entry.versions.add(rec.location.versionId);
          named.set(rec.sha256, entry);
        }
        if (!isAttestation) continue;
        const file = (await loadVerifiedBody(opts.store, rec.sha256, rec.size)).body.attestation?.file;
        if (file && !attestationFiles.has(file.sha256)) {
          const p = attestationPath(file.sha256, file.name);
          small.push({ path: p, sha256: file.sha256, size: file.size, source: { size: file.size, fetch: fetchChecked(file.sha256, `attestation document ${file.name}:`, file.size) } });
          attestationFiles.set(file.sha256, p);
          attestationFiles.set(rec.sha256, p);
        }
      }
      // One read (hash-checked) per body of this run, shared by the region coverage, the timeline and the event windows.
      const runBodies = new Map<string, Promise<EvidenceBody>>();
      const sizes = new Map(manifest.records.map((r) => [r.sha256, r.size]));
      const loadOnce = (sha: string, size = sizes.get(sha)) => {
        let p = runBodies.get(sha);
        if (!p) {
          p = loadVerifiedBody(opts.store, sha, size).then((b) => b.body);
          runBodies.set(sha, p);
        }
        return p;
      };
      // A run that proves no day proves no region collected and no interval searched either (its times are not trusted).
      const covers = opts.notCreditedRunsCover === true || !notCreditedIds.has(run.runId);
      if (covers) await regionCoverage.addRun(manifest, (sha) => loadOnce(sha));
      await evidenceCsv.write(evidenceCsvRows(manifest, accountSet, refs, simulated, opts.csvCells));
      await timelineBuilder.addRun(run, manifest, runBodies);
      if (!isAttestation && covers) await addRunWindows(eventWindows, loadOnce, manifest, accountSet);
      if (!isAttestation) await tallyEndpoints(endpoints, originOf, sharedOrigins, manifest, accountSet, loadOnce);
      if (!isAttestation) await checkDelegatedReads(manifest, accountSet, loadOnce);
    }
    const timeline = timelineBuilder.finish();
    // Intervals of the period no event search covered are gaps on the days they touch, named in every view.
    const latestRunStart = collectionRuns.filter((r) => !r.manifest.reconstruction && (opts.notCreditedRunsCover === true || !notCreditedIds.has(r.runId))).reduce((m, r) => (r.manifest.startedAt > m ? r.manifest.startedAt : m), '');
    const eventSearches = eventSearchCoverage(eventWindows, period, builtAt, latestRunStart);
    applyUnsearched(timeline, eventSearches.unsearched);
    // A gap day whose collection of the account was refused its seal names the signed refusal record in every view.
    markNotCreditedDays(timeline.rows, notCredited.map((n) => ({ ...n, accounts: periodRuns.find((r) => r.runId === n.runId)?.manifest.scope.accounts ?? [] })));
    markRefusedDays(timeline.rows, refusals.filter((r) => r.refusal.kind === 'collection').map((r) => ({ day: r.refusal.startedAt.slice(0, 10), record: r.ref.path, sha256: r.sha256, attempts: r.refusal.attempts.map((a) => a.runId), accounts: r.refusal.scope.accounts })));
    small.push(await evidenceCsv.close());
    opts.log?.info({ runs: allRuns.length, records, bodies: bodies.count }, 'package: runs read and evaluated');

    const publicKeyPem = await opts.signer.publicKeyPem();
    const signing = { algorithm: opts.signer.algorithm, keyFingerprint: await opts.signer.fingerprint(), keyId: opts.signer.keyId };
    const runKeys = uniqueKeys([...allRuns.map((r) => r.manifest.signing), signing]);
    const regionRows = regionCoverage.finish();
    // Every parameter the configuration changed from its catalog value, listed in every view (from the recorded overrides).
    const parameterOverrides = parameterOverrideList(catalogs, frameworks, opts.parameterOverrides, queryById);
    const assessor = assessorResults({ organization, catalogs, timeline, parameterOverrides, period, scope: opts.scope ?? {}, ...(entity ? { entity } : {}), refs, keys: runKeys, simulated, exceptions, regionCoverage: regionRows, eventSearches, builtAt, lastSealedRun: generatedAt, accountsLeftOut, refusedSeals: refused, refusalsNotNamed: notNamed, runsNotCredited: notCredited, backDatingChecks, ...(unsealedStarts ? { unsealedStarts } : {}), runGaps: periodRuns.flatMap((r) => r.manifest.gaps.map((g) => ({ runId: r.runId, accountId: g.accountId, ...(g.region ? { region: g.region } : {}) }))), procedureMaps, endpoints: endpoints.summary(), ...(opts.revision6Notes ? { revision6Notes: true } : {}) });
    const runSigningKeys = uniqueKeys(allRuns.map((r) => r.manifest.signing));
    const model: PackageModel = {
      organization,
      frameworks: catalogs,
      period,
      accounts,
      ...(accountsLeftOut.length ? { accountsLeftOut } : {}),
      regions,
      generatedAt,
      builtAt,
      simulated,
      contentId,
      evaluationId,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      signing,
      runKeys,
      runSigningKeys,
      runs: periodRuns,
      attestationRuns,
      timeline,
      eventSearches,
      exceptions,
      missingShards: missingShards(periodRuns),
      stores: allRuns.map((r) => r.manifest.store),
      storeDescription: opts.store.describe(),
      attestationFiles,
      foreign,
      ...(writtenLate ? { writtenLate } : {}),
      sealDelayMs,
      ...(bodiesChecked !== undefined ? { bodyWriteTimesChecked: bodiesChecked } : {}),
      runSpanMs,
      runsNotCredited: notCredited,
      refusedSeals: refused,
      trustedKeys: [...trust.fingerprints].sort(),
      scope: opts.scope ?? {},
      regionCoverage: regionRows,
      parameterOverrides,
      changedParameters: changedParameters(parameterOverrides, opts.parameterOverrides),
      assessor,
    };

    const rebuilt = reconstructedDays(model);
    const resultsRevision = opts.resultsRevision ?? SUMMARY_REVISION;
    put(PACKAGE_FILES.controlsCsv, controlsCsv(timeline.rows, period.to, findingIdsByRow(assessor.findings), (a) => rebuilt.byAccount.get(a)?.size ?? 0, simulated, opts.csvCells, resultsRevision >= SUMMARY_MEANING_SINCE.addressableStatusReason));
    put(PACKAGE_FILES.proceduresCsv, proceduresCsv(assessor.procedures, simulated, opts.csvCells));
    put(PACKAGE_FILES.findingsCsv, findingsCsv(assessor.findings, simulated, resultsRevision >= RESULT_FILES_SINCE.findingsSeverityRaised, opts.csvCells));
    put(PACKAGE_FILES.populationCsv, populationCsv(assessor.population, simulated, opts.csvCells));
    put(PACKAGE_FILES.summary, Buffer.from(JSON.stringify(assessor.summary, null, 1) + '\n', 'utf8'));
    if (resultsOnly) {
      const files = new Map<string, Buffer>();
      for (const f of small) if ((RECOMPUTED_FILES as readonly string[]).includes(f.path) && 'buffer' in f.source) files.set(f.path, f.source.buffer);
      return { files, evaluation, contentId };
    }
    put(PACKAGE_FILES.oscal, renderOscal(model));
    put(PACKAGE_FILES.report, await renderReportPdf(model, { notesPages: opts.notesPages }));
    put(
      PACKAGE_FILES.html,
      await renderIndexHtml(
        model,
        (sha) => {
          // Every body the view embeds is one the package's records name, with its signed size: nothing is read unbounded.
          const size = bodies.sizeOf(sha);
          if (size === undefined) throw new EvidenceLockerError(`index.html: evidence body ${sha} is cited by a result but named by no record of the package's runs`, { hint: 'this is a defect of evidence-locker: report it with the run ids of the period' });
          return fetchChecked(sha, 'evidence record', size)();
        },
        opts.htmlBodyBudget ?? DEFAULT_HTML_BODY_BUDGET,
      ),
    );
    put(PACKAGE_FILES.verifyGuide, Buffer.from(verifyGuide(model), 'utf8'));
    put(PACKAGE_FILES.verifyScript, Buffer.from(VERIFY_SCRIPT, 'utf8'));
    put(PACKAGE_FILES.publicKey, Buffer.from(publicKeyPem, 'utf8'));

    // Every file in byte order of path: the few listed above merged with the evidence bodies, generated on demand.
    const evidenceEntries = function* (): Generator<PackageEntry> {
      for (const b of bodies) {
        yield { path: evidencePath(b.sha256), sha256: b.sha256, size: b.size, source: { size: b.size, fetch: fetchChecked(b.sha256, 'evidence record', b.size) } };
      }
    };
    const sortedSmall = () => [...small].sort((a, b) => compareCodeUnits(a.path, b.path));
    const counts = statusCounts(model);
    const manifestHead: Omit<PackageManifest, 'files'> = {
      schema: PACKAGE_MANIFEST_SCHEMA,
      organization,
      frameworks: catalogs.map((c) => ({ id: c.framework, name: c.name, version: c.version })),
      period,
      accounts,
      regions,
      generatedAt,
      builtAt,
      simulated,
      contentId,
      evaluationId,
      evaluation,
      tool: model.tool,
      runs: allRuns.map(packageRun),
      chainEnds,
      missingShards: model.missingShards,
      summary: { records, evidenceFiles: bodies.count, ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`status.${k}`, v])) },
      signing,
    };
    const manifestFile = new StagedFile(staging, PACKAGE_FILES.manifest);
    for (const chunk of packageManifestChunks(manifestHead, mergeByPath(sortedSmall(), evidenceEntries()))) await manifestFile.write(chunk);
    const manifestEntry = await manifestFile.close();
    const packageId = manifestEntry.sha256;
    // Signing needs the whole message (Ed25519 signs the bytes themselves); it is read back once, then dropped.
    put(PACKAGE_FILES.signature, await opts.signer.sign(await readFile(manifestFile.abs)));
    small.push(manifestEntry);

    const sumsFile = new StagedFile(staging, PACKAGE_FILES.sums);
    let sums = '';
    for (const f of mergeByPath(sortedSmall(), evidenceEntries())) {
      sums += `${f.sha256}  ${f.path}\n`;
      if (sums.length >= 1 << 16) {
        await sumsFile.write(sums);
        sums = '';
      }
    }
    await sumsFile.write(sums);
    const sumsEntry = await sumsFile.close();
    // SHA256SUMS lists every other file (manifest.json and manifest.sig included); its signature binds them for standard tools.
    put(PACKAGE_FILES.sumsSignature, await opts.signer.sign(await readFile(sumsFile.abs)));
    small.push(sumsEntry);

    await writeDeterministicZip(mergeByPath(sortedSmall(), evidenceEntries()), zipPath, generatedAt);
    const bytes = small.reduce((n, f) => n + f.size, 0) + [...bodies].reduce((n, b) => n + b.size, 0);
    return {
      zipPath,
      packageId,
      summary: {
        frameworks,
        period,
        accounts,
        runs: periodRuns.length,
        attestationRuns: attestationRuns.length,
        records,
        readRecords,
        evidenceFiles: bodies.count,
        files: small.length + bodies.count,
        bytes,
        statusCounts: counts,
        gapDays: timeline.rows.reduce((n, r) => n + r.gapDays.length, 0),
        missingShards: model.missingShards.length,
        foreignObjects: foreign.length,
        runsWrittenLate: writtenLate ? new Set(writtenLate.map((l) => l.runId)).size : null,
        runsNotCredited: notCredited.length,
        refusalsNamingSealedRuns: refusalsNamingRuns,
        maxSealDelayMs: sealDelayMs,
        maxRunSpanMs: runSpanMs,
        keyFingerprint: signing.keyFingerprint,
        generatedAt,
        builtAt,
        simulated,
        runKeyFingerprints: runSigningKeys.map((k) => k.keyFingerprint),
      },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Bodies read at once while the collection records of a run are sorted by the origin their bodies record. */
const ORIGIN_READ_CONCURRENCY = 8;

/**
 * Adds the run's collection records of the package's accounts to the tally, by the endpoint origins and caller their
 * bodies record (provenance). A body already read for this run is not read again, nor one seen in an earlier run.
 */
async function tallyEndpoints(tally: EndpointTally, originOf: Map<string, BodyOrigin>, shared: Map<string, BodyOrigin>, manifest: RunManifest, accounts: Set<string>, load: (sha: string) => Promise<EvidenceBody>): Promise<void> {
  const recs = manifest.records.filter((r) => accounts.has(r.accountId));
  const unread = [...new Set(recs.map((r) => r.sha256).filter((sha) => !originOf.has(sha)))];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(ORIGIN_READ_CONCURRENCY, unread.length) }, async () => {
      while (next < unread.length) {
        const sha = unread[next++];
        const o = bodyOrigin(await load(sha), queryEndpointServices);
        // Bodies of a run mostly share one origin and caller: one object each, however many bodies.
        const key = JSON.stringify(o);
        originOf.set(sha, shared.get(key) ?? (shared.size < 1024 ? (shared.set(key, o), o) : o));
      }
    }),
  );
  for (const r of recs) tally.add(manifest.runId, originOf.get(r.sha256)!);
}

/**
 * A member record read through an organisation-wide read cites the read's record (`provenance.via.read`): the run's
 * signed manifest must list that record with that SHA-256, and it must be the read the member's query is read through
 * (citedReadProblem), or the package is not built (a reference to another run's read, another source's, region's or
 * account's, or to a body the run did not seal, would show requests the run never made as this record's).
 */
async function checkDelegatedReads(manifest: RunManifest, accounts: Set<string>, load: (sha: string) => Promise<EvidenceBody>): Promise<void> {
  let byId: Map<string, ManifestRecord> | undefined;
  // Requests each read's body lists, by SHA-256: a read is read once however many members cite it.
  const readRequests = new Map<string, number>();
  for (const rec of manifest.records) {
    if (!accounts.has(rec.accountId) || isDelegatedReadQuery(rec.queryId)) continue;
    const via = (await load(rec.sha256)).provenance?.via;
    if (!via?.read) continue;
    byId ??= new Map(manifest.records.map((r) => [r.recordId, r]));
    const read = byId.get(via.read.recordId);
    if (read && isDelegatedReadQuery(read.queryId) && !readRequests.has(read.sha256)) readRequests.set(read.sha256, listedReadRequests(await load(read.sha256)));
    const problem = citedReadProblem(manifest.runId, rec, { ...via, read: via.read }, (id) => byId!.get(id), (read) => readRequests.get(read.sha256));
    if (problem) {
      throw new EvidenceLockerError(problem, { hint: 'do not package from this store until the run is investigated; `evidence-locker verify --store` names the same reference' });
    }
  }
}

/** Working files of a package run in its output folder; the number is the process id of the run that made them. */
const LEFTOVER = /^(?:\..+\.zip\.staging|.+\.zip\.(?:partial|central))-(\d+)$/;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the working files (`.<zip>.staging-<pid>`, `<zip>.partial-<pid>`, `<zip>.central-<pid>`) that a package
 * run killed before its end left in the output folder; files of a run still going (its process alive) stay.
 * They never sit under a package's final name, so nothing a reader could mistake for a package is touched.
 */
export async function removeStaleLeftovers(outDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(outDir)) {
    const m = LEFTOVER.exec(name);
    if (!m || Number(m[1]) === process.pid || processIsAlive(Number(m[1]))) continue;
    await rm(join(outDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed.sort();
}

/** SHA-256 of the canonical JSON of a parsed catalog or procedure map (what the evaluation read). */
export function inputSha256(value: unknown): string {
  return sha256Hex(canonicalBytes(value));
}

/** Package path of an embedded catalog or procedure map (framework ids are plain, but never trusted as a path). */
export function inputPath(kind: 'catalogs' | 'procedures', framework: string): string {
  return `inputs/${kind}/${framework.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '')}.json`;
}

function builtInCatalogs(): Catalog[] {
  try {
    return loadCatalogs([]);
  } catch {
    return [];
  }
}

/** The built-in procedure map of a framework in this tool version, or undefined (no built-in catalog for it). */
function builtInProcedureMap(builtIn: Catalog[], framework: string): ProcedureMap | undefined {
  const c = builtIn.find((x) => x.framework === framework);
  if (!c) return undefined;
  try {
    return loadProcedureMap(c);
  } catch {
    return undefined;
  }
}

/**
 * The evaluation inputs recorded in manifest.json (`evaluation`), the procedure maps the build uses, and the inputs
 * embedded in the package: every catalog and procedure map, built-in ones too (a later version may not hold them), as
 * the canonical JSON the evaluation read.
 */
function evaluationInputs(
  opts: BuildPackageOptions,
  d: { organization: string; frameworks: string[]; period: { from: string; to: string }; accounts: string[]; builtAt: string; simulated: boolean; catalogs: Catalog[]; trust: TrustPolicy; backDatingChecks: NonNullable<PackageEvaluation['backDatingChecks']>; notCredited: readonly RunNotCredited[]; unsealedStarts?: readonly UnsealedStart[] },
): { evaluation: PackageEvaluation; procedureMaps: ProcedureMap[]; embedded: { path: string; bytes: Buffer }[] } {
  const builtIn = builtInCatalogs();
  const embedded: { path: string; bytes: Buffer }[] = [];
  const catalogs = d.catalogs.map((c) => {
    const sha256 = inputSha256(c);
    const own = builtIn.find((b) => b.framework === c.framework);
    const path = inputPath('catalogs', c.framework);
    embedded.push({ path, bytes: canonicalBytes(c) });
    return { framework: c.framework, version: c.version, sha256, builtIn: own !== undefined && inputSha256(own) === sha256, path };
  });
  const procedureMaps = opts.procedureMaps ?? d.catalogs.map((c) => loadProcedureMap(c));
  const maps = procedureMaps.map((m) => {
    const sha256 = inputSha256(m);
    const own = builtInProcedureMap(builtIn, m.framework);
    const path = inputPath('procedures', m.framework);
    embedded.push({ path, bytes: canonicalBytes(m) });
    return { framework: m.framework, sha256, builtIn: own !== undefined && inputSha256(own) === sha256, path };
  });
  const evaluation: PackageEvaluation = {
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    engine: opts.evaluate ? 'supplied-by-caller' : 'built-in',
    organization: d.organization,
    frameworks: d.frameworks,
    period: { from: d.period.from, to: d.period.to },
    accounts: d.accounts,
    accountsSelected: (opts.accounts?.length ?? 0) > 0,
    builtAt: d.builtAt,
    simulated: d.simulated,
    catalogs,
    procedureMaps: maps,
    parameterOverrides: (opts.parameterOverrides ?? {}) as Record<string, unknown>,
    scope: (hasScope(opts.scope) ? opts.scope : {}) as Record<string, unknown>,
    exceptions: (opts.exceptions ?? []) as unknown[],
    ...(opts.entity && Object.keys(opts.entity).length ? { entity: opts.entity as Record<string, unknown> } : {}),
    trustedKeys: [...d.trust.fingerprints].sort(),
    notesPages: opts.notesPages === true,
    backDatingChecks: d.backDatingChecks,
    runsNotCredited: d.notCredited.map((n) => ({ runId: n.runId, day: n.day, why: n.why })),
    ...(d.unsealedStarts ? { unsealedStarts: d.unsealedStarts.map(unsealedStartEntry) } : {}),
  };
  return { evaluation, procedureMaps, embedded: embedded.sort((a, b) => compareCodeUnits(a.path, b.path)) };
}

/**
 * The runs that prove no day: those found now, and those a recorded build found (recompute), one per run, in the order
 * of `periodRuns`; a recorded run the package does not hold is left out (it cannot take a day the package shows).
 */
function mergeNotCredited(found: readonly RunNotCredited[], recorded: readonly RunNotCredited[], periodRuns: readonly IncludedRun[]): RunNotCredited[] {
  const byRun = new Map<string, RunNotCredited>();
  for (const n of [...recorded, ...found]) if (!byRun.has(n.runId)) byRun.set(n.runId, n);
  return periodRuns.flatMap((r) => (r.manifest.kind === 'collection' && byRun.has(r.runId) ? [byRun.get(r.runId)!] : []));
}

function hasScope(scope: Config['scope'] | undefined): scope is Config['scope'] {
  return scope !== undefined && Object.keys(scope).length > 0;
}

/** A package file with where its bytes come from. */
type PackageEntry = PackageFile & ZipEntry;

function packageRun(r: IncludedRun): PackageManifest['runs'][number] {
  return packageRunEntry(r.runId, r.manifestSha256, r.manifest);
}

function uniqueKeys(keys: { algorithm: string; keyFingerprint: string; keyId: string }[]): PackageModel['runKeys'] {
  const m = new Map<string, PackageModel['runKeys'][number]>();
  for (const k of keys) if (!m.has(k.keyFingerprint)) m.set(k.keyFingerprint, { keyFingerprint: k.keyFingerprint, keyId: k.keyId, algorithm: k.algorithm });
  return [...m.values()].sort((a, b) => compareCodeUnits(a.keyFingerprint, b.keyFingerprint));
}

/** A generated file written to the staging folder piece by piece, hashed as it goes. */
class StagedFile {
  readonly abs: string;
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private size = 0;
  private readonly opened: Promise<void>;

  constructor(
    staging: string,
    private readonly path: string,
  ) {
    this.abs = join(staging, ...path.split('/'));
    this.opened = mkdir(dirname(this.abs), { recursive: true }).then(() => undefined);
    this.out = createWriteStream(this.abs, { flags: 'wx' });
    this.out.on('error', () => undefined); // surfaced by close()
  }

  async write(text: string): Promise<void> {
    if (!text) return;
    await this.opened;
    const b = Buffer.from(text, 'utf8');
    this.hash.update(b);
    this.size += b.length;
    if (!this.out.write(b)) await once(this.out, 'drain');
  }

  async close(): Promise<PackageEntry> {
    await this.opened;
    await new Promise<void>((res, rej) => this.out.end((err?: Error | null) => (err ? rej(err) : res())));
    return { path: this.path, sha256: this.hash.digest('hex'), size: this.size, source: { file: this.abs } };
  }
}
