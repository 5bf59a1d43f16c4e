import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerificationError } from '../errors.js';
import { sha256Hex } from '../evidence/hash.js';
import { terminalLine } from '../log/terminal.js';
import { hashFiles, type HashedFiles } from './hash-files.js';
import { RunManifestSchema, type RunManifest } from '../evidence/manifest.js';
import { DelegatedReadRefSchema, EvidenceBodySchema, describeAttester, type EvidenceBody, type ManifestRecord } from '../evidence/record.js';
import { publicKeyFingerprint, verifiedScheme, verifyManifestSignature } from '../seal/verify-signature.js';
import { EVALUATION_RECORDED_FROM, PACKAGE_FILES, buildTimeProblem, PackageManifestSchema, evaluationInputsId, evaluationTakenOut, evidencePath, manifestEvidenceSetId, missingShards, packageRunEntry, runPath, type PackageManifest, type PackageRun } from '../package/manifest.js';
import { canonicalJson } from '../seal/canonical.js';
import { compareCodeUnits } from '../package/zip.js';
import { compareRunsInChain, reconstructionRunDay, runIdDay, runIdTime } from '../evidence/run-id.js';
import { DEFAULT_UNZIP_LIMITS, UntrustedSizesError, extractPackageZip, type UnzipLimits } from './unzip.js';
import { nonCanonicalPackageManifest, nonCanonicalRunManifest } from './canonical-check.js';
import type { RecomputeOptions, RecomputeReport } from './recompute.js';
import { EndpointTally, bodyOrigin, type BodyOrigin, type EndpointSummary } from '../evidence/endpoint-origin.js';
import { queryEndpointServices } from '../queries/endpoint-services.js';
import { citedReadProblem } from '../queries/delegated/cited-read.js';
import { judgeRefusal, refusalNameProblem, refusalWords, refusalsLeftOut, refusedAttemptIsRun } from '../seal/refusals.js';
import { MAX_RUN_SPAN_MS, formatSpan, runSpanProblem } from '../seal/trust.js';
import { REFUSAL_MAX_BYTES, REFUSALS_DIR, type SealRefusal } from '../evidence/refusal.js';
import { EVIDENCE_CSV_HEADER, csvMark, evidenceCsvRows, packagedRecord } from '../package/csv.js';
import { csvCellsOfRevision, summaryRevisionOf } from './summary-revision.js';
import { packageRunOrder } from '../package/gather.js';
import { EvidenceReferences } from '../package/references.js';

export interface VerificationProblem {
  /** Package path of the file (or `runs/<id>` folder) the problem is about. */
  path: string;
  message: string;
}

export interface SigningKeyInfo {
  keyFingerprint: string;
  keyId: string;
  algorithm: string;
  /** `package` or the run ids signed with it. */
  signs: string[];
}

/**
 * A key read beside a manifest that was left unread because keys are pinned (--expect-key): its fingerprint is known
 * (from its public-key.pem), but nothing it signs was read or verified, so it has no key id or algorithm to show.
 */
export interface UnreadKeyInfo {
  keyFingerprint: string;
  /** false: not one of the pinned keys. true: a pinned key whose signature did not verify over the manifest beside it. */
  pinned: boolean;
  /** `package` or the run ids whose manifest it sits beside. */
  beside: string[];
}

export interface PackageVerification {
  ok: boolean;
  /** manifest.json or an included run says it was collected from the simulated AWS. */
  simulated: boolean;
  /** Distinct keys that signed the runs (the package signature aside). */
  runKeyFingerprints: string[];
  /** Distinct keys that signed anything read: the package manifest and the runs together; more than one is called out. */
  signingKeyFingerprints: string[];
  /**
   * Fingerprints pinned with --expect-key, --expect-package-key or --expect-run-key (lower case); empty when none was
   * given. Unpinned, VALID only means the package is internally consistent: whoever altered it could have signed it
   * again with a key of their own.
   */
  pinnedKeys: string[];
  /** Fingerprints that may sign the package manifest (--expect-key and --expect-package-key). */
  pinnedPackageKeys: string[];
  /** Fingerprints that may sign run manifests (--expect-key and --expect-run-key). */
  pinnedRunKeys: string[];
  /** SHA-256 of manifest.json, when it could be read. */
  packageId?: string;
  manifest?: PackageManifest;
  /** The ids manifest.json records for the report cover, and whether each was recomputed from what the package holds. */
  ids?: PackageIds;
  problems: VerificationProblem[];
  /**
   * What the package cannot prove about its period, shown prominently; the verdict stays VALID: days at the start or
   * end of the period without a run, a chain start not shown, an end not recorded (packages of older versions).
   */
  warnings: VerificationProblem[];
  /** Per chain: its first and last run in the package and what is known before and after them. */
  chains: ChainCoverage[];
  keys: SigningKeyInfo[];
  /** Keys read beside manifests left unread (keys pinned); listed so the report names them, never as verified. */
  unreadKeys: UnreadKeyInfo[];
  checked: { files: number; runs: number; records: number; chainLinks: number; bodies: number };
  /**
   * The collection records of the package's accounts by the endpoint origin and caller their bodies record (provenance),
   * read from the bodies themselves (not from summary.json). Origins that are not AWS service endpoints of their query's service, callers of
   * another account and bodies without provenance are shown as warnings; the verdict does not change (the package says so).
   */
  endpoints?: EndpointSummary;
  /** With `recompute`: the results re-derived from the evidence against the package's (absent: not asked for). */
  recompute?: RecomputeReport;
  /** Each attestation the package holds: whom it names (stated) and who sealed it, as recorded (absent in older packages' results). */
  attestations?: AttestationSeen[];
  /** Seals refused by planted files whose signed refusal records the package carries and that verified (`refusals/`). */
  refusedSeals?: RefusedSealSeen[];
  /**
   * Runs whose signed manifests say they were stored on S3 while manifest.json (the package key alone) records no
   * comparison of the store's write times (`evaluation.backDatingChecks.writeTimesChecked` false or absent): a package
   * built from a copy of the store, or one whose record was taken out; back-dated runs may be credited. Named on the
   * result line; absent when no such run is held or the builder compared them.
   */
  writeTimesNotChecked?: WriteTimesNotChecked;
}

/** The S3 runs of a package whose build records no write-time check (`PackageVerification.writeTimesNotChecked`). */
export interface WriteTimesNotChecked {
  /** The run ids whose signed manifest says `store.kind` s3. */
  s3Runs: string[];
  /** What manifest.json records: `writeTimesChecked: false`, or no `backDatingChecks` at all. */
  recorded: 'false' | 'absent';
}

/** The evidence set id and evaluation inputs id of a package (printed on its report cover), as verify checked them. */
export interface PackageIds {
  contentId: string;
  /** Recomputed from manifest.json (false: it records no evaluation inputs, so not the exceptions and scope the id covers). */
  contentIdRecomputed: boolean;
  /** Absent in packages built before the evaluation inputs were recorded; when present, always recomputed. */
  evaluationId?: string;
}

/** A refusal record the package carries, signed by a run key, as verify reports it. */
export interface RefusedSealSeen {
  path: string;
  day: string;
  chain: string;
  attempts: string[];
  /** The run of the package whose signed manifest names it. */
  namedBy?: string;
}

/** An attestation read from a verified run: the attester's name as stated, and what the tool recorded of who sealed it. */
export interface AttestationSeen {
  runId: string;
  framework: string;
  requirement: string;
  /** describeAttester: `<by> (stated) — sealed by <caller> with key <id>`, or that the caller was not recorded. */
  sealer: string;
  /** The key that signed the run: the package's own, or another. */
  signedBy: { keyFingerprint: string; packageKey: boolean };
}

/** One chain of runs in a package, as far as it reaches into the period. */
export interface ChainCoverage {
  chain: string;
  runs: number;
  firstRunId: string;
  firstDay: string;
  lastRunId: string;
  lastDay: string;
  /** How the chain starts: the first run the chain ever sealed, or a link to a run before the period (not shown). */
  start: string;
  /** What followed the last run when the package was built (recorded in manifest.json), or that it is not recorded. */
  end: string;
}

const SUM_LINE = /^([0-9a-f]{64}) [ *](.+)$/;
/** Where an evidence body sits in a package: evidence/objects/sha256/<first 2 hex>/<sha256>.json. */
const BODY_PATH = /^evidence\/objects\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.json$/;
/** The `schema` of every evidence body evidence-locker writes (EvidenceBodySchema). */
const EVIDENCE_SCHEMA = EvidenceBodySchema.shape.schema.value;

/**
 * Verifies a package offline: a zip (extracted safely to a temporary folder first) or an unzipped folder.
 * Every problem is collected and named; nothing stops at the first one.
 */
export interface VerifyPackageOptions {
  limits?: UnzipLimits;
  /** Key fingerprints confirmed out of band, for any signature (package or run); any signature by another key is a problem. */
  expectedKeys?: string[];
  /** Key fingerprints pinned for run manifests only (--expect-run-key), besides `expectedKeys`. */
  expectedRunKeys?: string[];
  /** Key fingerprints pinned for the package manifest only (--expect-package-key), besides `expectedKeys`. */
  expectedPackageKeys?: string[];
  /**
   * `--recompute`: once every hash and signature verified, evaluate the package's sealed evidence again with the inputs
   * its manifest records and compare the result files; any difference is a problem (INVALID).
   */
  recompute?: boolean | RecomputeOptions;
  /**
   * `--max-run-span`: the most time a run may state it took, from its signed start to its signed completion, before it
   * is warned of as possibly sealed long after the day it claims (default one day, as `verify --store` and `package`).
   */
  maxRunSpanMs?: number;
}

/** The keys pinned for each role: what may sign the package manifest (and SHA256SUMS), and what may sign a run. */
export interface PinnedRoles {
  package: ReadonlySet<string>;
  run: ReadonlySet<string>;
}

/** The pinned keys by role, or undefined when none was given (unpinned). `--expect-key` pins a key for both roles. */
export function pinnedRoles(opts: Pick<VerifyPackageOptions, 'expectedKeys' | 'expectedRunKeys' | 'expectedPackageKeys'>): PinnedRoles | undefined {
  const low = (l?: string[]) => (l ?? []).map((k) => k.toLowerCase());
  const both = low(opts.expectedKeys);
  const run = low(opts.expectedRunKeys);
  const pkg = low(opts.expectedPackageKeys);
  if (!both.length && !run.length && !pkg.length) return undefined;
  return { package: new Set([...both, ...pkg]), run: new Set([...both, ...run]) };
}

/** Whether each key is pinned for both roles (only --expect-key given): messages then speak of "the expected keys" as before. */
function samePins(roles: PinnedRoles): boolean {
  return roles.package.size === roles.run.size && [...roles.package].every((k) => roles.run.has(k));
}

/** How the options that pin a role are named, for messages. */
const ROLE_OPTIONS = { package: '--expect-key or --expect-package-key', run: '--expect-key or --expect-run-key' } as const;

export async function verifyPackage(path: string, opts: VerifyPackageOptions = {}): Promise<PackageVerification> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new VerificationError(`${path}: no such file or folder`, 'give the path of a package zip or of an unzipped package folder');
  }
  if (st.isDirectory()) return verifyPackageDir(path, opts);
  const tmp = await mkdtemp(join(tmpdir(), 'evidence-locker-verify-'));
  try {
    // Pinned, the sizes manifest.json lists bound what is extracted only once a pinned key's signature over it verifies.
    const roles = pinnedRoles(opts);
    try {
      // The sizes manifest.json lists are trusted once a key pinned for the package manifest signed it.
      await extractPackageZip(path, join(tmp, 'package'), opts.limits ?? DEFAULT_UNZIP_LIMITS, roles?.package);
    } catch (err) {
      if (err instanceof UntrustedSizesError && roles) return notExtracted(err, roles);
      throw err;
    }
    return await verifyPackageDir(join(tmp, 'package'), opts);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A package zip left unextracted with keys pinned: a file is larger than allowed without a trusted size, and the package
 * manifest that would list its size is not signed by a pinned key. Reported like a manifest left unread (its key named,
 * nothing claimed verified), so a package signed by another key fails the same way whatever its files' sizes.
 */
function notExtracted(err: UntrustedSizesError, roles: PinnedRoles): PackageVerification {
  const { keyFingerprint: fp, keyPinned, why } = err.untrusted;
  const what = 'keys are pinned (--expect-key), so the sizes its manifest lists were not trusted and the package was not extracted';
  const problems: VerificationProblem[] = [
    fp && !keyPinned
      ? { path: PACKAGE_FILES.signature, message: `signed with key ${fp} (its public-key.pem), which is not ${samePins(roles) ? 'one of the expected keys' : `a key pinned for the package manifest (${ROLE_OPTIONS.package})`}; ${what}` }
      : { path: PACKAGE_FILES.signature, message: `${why}; ${what}` },
    { path: PACKAGE_FILES.manifest, message: `not read; the entries too large to extract without it: ${err.message.replace(/^.*?unsafe entries: /, '')}` },
  ];
  return {
    ok: false,
    simulated: false,
    runKeyFingerprints: [],
    signingKeyFingerprints: [],
    pinnedKeys: [...new Set([...roles.package, ...roles.run])].sort(compareCodeUnits),
    pinnedPackageKeys: [...roles.package].sort(compareCodeUnits),
    pinnedRunKeys: [...roles.run].sort(compareCodeUnits),
    problems,
    warnings: [],
    chains: [],
    keys: [],
    unreadKeys: fp ? [{ keyFingerprint: fp, pinned: keyPinned, beside: ['package'] }] : [],
    checked: { files: 0, runs: 0, records: 0, chainLinks: 0, bodies: 0 },
  };
}

/**
 * Lists regular files under `root` as '/'-separated relative paths; symbolic links and other types are problems.
 * Read synchronously: nothing else runs yet, and at 100,000 files a promise per folder entry costs more than the
 * system calls.
 */
function listFiles(root: string, problems: VerificationProblem[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const entries = readdirSync(rel ? join(root, ...rel.split('/')) : root, { withFileTypes: true });
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) problems.push({ path: p, message: 'symbolic link: packages contain regular files only' });
      else if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
      else problems.push({ path: p, message: 'not a regular file' });
    }
  };
  walk('');
  return out.sort(compareCodeUnits);
}

/**
 * Finds paths in the sorted file list, expecting them in the same order: while they are, each is the next file
 * (no lookup); otherwise the index answers and the walk resumes after the file found.
 */
function sortedFinder(files: string[], index: Map<string, number>): (path: string) => number | undefined {
  let next = 0;
  return (path) => {
    if (next < files.length && files[next] === path) return next++;
    const i = index.get(path);
    if (i !== undefined) next = i + 1;
    return i;
  };
}

export async function verifyPackageDir(root: string, opts: Pick<VerifyPackageOptions, 'expectedKeys' | 'expectedRunKeys' | 'expectedPackageKeys' | 'recompute' | 'maxRunSpanMs'> = {}): Promise<PackageVerification> {
  const problems: VerificationProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  const checked = { files: 0, runs: 0, records: 0, chainLinks: 0, bodies: 0 };
  const keys = new Map<string, SigningKeyInfo>();
  const noteKey = (keyFingerprint: string, keyId: string, algorithm: string, signs: string) => {
    const k = keys.get(keyFingerprint) ?? { keyFingerprint, keyId, algorithm, signs: [] };
    k.signs.push(signs);
    keys.set(keyFingerprint, k);
  };
  const unreadKeys = new Map<string, UnreadKeyInfo>();
  const noteUnreadKey = (keyFingerprint: string, pinned: boolean, beside: string) => {
    const k = unreadKeys.get(`${pinned}:${keyFingerprint}`) ?? { keyFingerprint, pinned, beside: [] };
    k.beside.push(beside);
    unreadKeys.set(`${pinned}:${keyFingerprint}`, k);
  };

  const files = listFiles(root, problems);
  // Position of each file in the sorted list; the hashes and every "is it listed" mark are kept by position.
  const index = new Map<string, number>();
  files.forEach((p, i) => index.set(p, i));
  const present = index;
  const abs = (p: string) => join(root, ...p.split('/'));
  // Hashed on worker threads while this thread reads and checks the manifests and signatures (the first two checks),
  // which need no file hash; at 100,000 small files the per-file system calls dominate.
  // Evidence bodies are parsed for their origin from the same bytes (endpointOrigins): each is read once.
  const hashing = hashFiles(root, files, { origins: BODY_PATH });
  hashing.catch(() => undefined);
  let hashed: HashedFiles | undefined;
  const shaAt = (i: number | undefined) => (i === undefined || !hashed ? undefined : (hashed.sha256(i) ?? undefined));
  const awaitHashes = async () => {
    hashed = await hashing;
    for (const [i, error] of hashed.errors) fail(files[i], `cannot be read: ${error}`);
    checked.files = files.length;
  };
  const expected = pinnedRoles(opts);
  const folder: PackageFolder = { files, index, present, abs, fail, noteKey, noteUnreadKey, checked, shaAt, sizeAt: (i) => hashed?.size(i), originAt: (i) => hashed?.origin(i), notRead: new Set<string>(), ...(expected ? { expected } : {}) };

  const { manifest, packageId } = await checkPackageManifest(folder);
  const ids = manifest ? checkPackageIds(folder, manifest) : undefined;
  const runs = await checkRunManifests(folder, manifest);
  await awaitHashes();
  await checkChecksumFile(folder);
  if (manifest) checkSignedFileList(folder, manifest);
  checkRunChains(folder, runs);
  checkSealAttempts(folder, runs);
  const warnings: VerificationProblem[] = [];
  await checkRunKinds(folder, runs, warnings);
  // Both times are signed: a run stating a span no run takes may have been sealed long after the day it claims. The
  // package holds no store write times, so this is a warning to confirm against the store (`verify --store`).
  // The limit the package was built with (signed in manifest.json) applies when it is stricter: a builder who narrowed
  // it declared its runs take less; a wider recorded limit never loosens this check.
  const own = opts.maxRunSpanMs ?? MAX_RUN_SPAN_MS;
  const built = manifest?.evaluation?.backDatingChecks?.maxRunSpanMs;
  const maxRunSpanMs = built !== undefined && built < own ? built : own;
  const limitNote = maxRunSpanMs !== own ? ` (the limit the package was built with, package --max-run-span, recorded in manifest.json: stricter than ${formatSpan(own)})` : '';
  for (const r of runs) {
    const long = runSpanProblem(r.manifest.startedAt, r.manifest.completedAt, maxRunSpanMs);
    if (long) warnings.push({ path: `runs/${r.runId}`, message: `${long}${limitNote}; the package holds no store write times: run \`evidence-locker verify --store --run ${r.runId}\` against the bucket, which names it` });
  }
  if (manifest) {
    // `package --accounts` chooses the accounts reported; the runs held still say which accounts were collected.
    const reported = new Set(manifest.accounts);
    const collected = new Set(runs.filter((r) => r.manifest.kind === 'collection').flatMap((r) => r.manifest.scope.accounts));
    const leftOut = [...collected].filter((a) => !reported.has(a)).sort(compareCodeUnits);
    if (leftOut.length) warnings.push({ path: PACKAGE_FILES.manifest, message: `accounts collected in the period but not in this package: ${leftOut.join(', ')} (the runs it holds collected them; the report, results and evidence cover only ${[...reported].sort(compareCodeUnits).join(', ') || 'no account'}): ask the organisation why they were left out` });
  }
  const chains = manifest ? checkPeriodEnds(folder, manifest, runs, warnings) : [];
  if (manifest) checkMissingShards(folder, manifest, runs);
  if (manifest) {
    // Against the completion the run keys signed (generatedAt, signed by the package key alone, when no run was read).
    const last = runs.reduce((m, r) => (r.manifest.completedAt > m ? r.manifest.completedAt : m), '') || manifest.generatedAt;
    const built = buildTimeProblem(manifest, last);
    if (built?.problem) fail(PACKAGE_FILES.manifest, built.message);
    else if (built) warnings.push({ path: PACKAGE_FILES.manifest, message: built.message });
  }
  checkEvidenceBodies(folder, runs, manifest);
  if (manifest) await checkEvidenceIndex(folder, manifest, runs);
  const attestations = await checkAttestations(folder, runs, manifest);
  const refusedSeals = await checkRefusals(folder, runs, keys, warnings);
  const endpoints = endpointOrigins(folder, runs, manifest);
  checkDelegatedReads(folder, runs);
  if (expected) checkExpectedKeys(folder, keys, expected);

  let recompute: RecomputeReport | undefined;
  if (opts.recompute) {
    const { recomputePackageDir } = await import('./recompute.js');
    const { TOOL_NAME, TOOL_VERSION } = await import('../version.js');
    if (problems.length || !manifest) {
      // Evidence that did not verify is not re-evaluated: the problems above already make the package INVALID.
      recompute = { ran: false, ...(manifest?.evaluation ? { builtBy: manifest.evaluation.tool } : {}), recomputedBy: { name: TOOL_NAME, version: TOOL_VERSION }, compared: [], problems: [], notes: ['not recomputed: the package failed verification'] };
    } else {
      recompute = await recomputePackageDir(root, manifest, typeof opts.recompute === 'object' ? opts.recompute : {});
      problems.push(...recompute.problems);
    }
  }

  problems.sort((x, y) => compareCodeUnits(x.path, y.path) || compareCodeUnits(x.message, y.message));
  const unique = problems.filter((p, i) => i === 0 || p.path !== problems[i - 1].path || p.message !== problems[i - 1].message);
  const runKeys = [...keys.values()].filter((k) => k.signs.some((s) => s !== 'package')).map((k) => k.keyFingerprint);
  const writeTimesNotChecked = writeTimesUnchecked(manifest, runs);
  return {
    ok: unique.length === 0,
    packageId,
    manifest,
    ...(ids ? { ids } : {}),
    simulated: manifest?.simulated === true || runs.some((r) => r.manifest.simulated === true),
    runKeyFingerprints: runKeys.sort(compareCodeUnits),
    signingKeyFingerprints: [...keys.keys()].sort(compareCodeUnits),
    pinnedKeys: expected ? [...new Set([...expected.package, ...expected.run])].sort(compareCodeUnits) : [],
    pinnedPackageKeys: expected ? [...expected.package].sort(compareCodeUnits) : [],
    pinnedRunKeys: expected ? [...expected.run].sort(compareCodeUnits) : [],
    problems: unique,
    warnings,
    chains,
    keys: [...keys.values()].sort((a, b) => compareCodeUnits(a.keyFingerprint, b.keyFingerprint)),
    unreadKeys: [...unreadKeys.values()].sort((a, b) => compareCodeUnits(a.keyFingerprint, b.keyFingerprint) || Number(a.pinned) - Number(b.pinned)),
    checked,
    ...(endpoints ? { endpoints } : {}),
    ...(recompute ? { recompute } : {}),
    attestations,
    ...(refusedSeals.length ? { refusedSeals } : {}),
    ...(writeTimesNotChecked ? { writeTimesNotChecked } : {}),
  };
}

/**
 * The runs held that their run key signed as stored on S3, when the package key's record says the build compared no
 * write times: the record may be a local copy's honest one or a holder of the package key's edit; either way nothing in
 * the package shows the runs were not back-dated.
 */
function writeTimesUnchecked(manifest: PackageManifest | undefined, runs: readonly PackagedRun[]): WriteTimesNotChecked | undefined {
  if (!manifest) return undefined;
  const checks = manifest.evaluation?.backDatingChecks;
  if (checks?.writeTimesChecked === true) return undefined;
  const s3Runs = runs.filter((r) => r.manifest.store.kind === 's3').map((r) => r.runId).sort(compareCodeUnits);
  return s3Runs.length ? { s3Runs, recorded: checks ? 'false' : 'absent' } : undefined;
}

/** The result line's qualifier for `writeTimesNotChecked`, and the lines that explain it. */
function writeTimesLines(w: WriteTimesNotChecked | undefined): { qualifier: string; lines: string[] } {
  if (!w) return { qualifier: '', lines: [] };
  const first = w.s3Runs.slice(0, 3).join(', ') + (w.s3Runs.length > 3 ? ` and ${w.s3Runs.length - 3} more` : '');
  return {
    qualifier: ` \u2014 write times NOT checked although ${w.s3Runs.length} run(s) were stored on S3`,
    lines: [
      `  WRITE TIMES NOT CHECKED: ${w.s3Runs.length} run(s) (${first}) say in their signed manifests that they were stored on S3, whose server records when`,
      `  it wrote each object, but manifest.json, signed by the package key alone, records ${w.recorded === 'absent' ? 'no back-dating checks (evaluation.backDatingChecks)' : 'that the build compared no write times (evaluation.backDatingChecks.writeTimesChecked false)'}:`,
      '  the package was built from a copy of the store (its cover says "not checked"), or its record and the runs it named back-dated',
      '  were taken out. A run sealed long after the day it claims is then credited with that day. Run evidence-locker verify --store',
      '  against the bucket with the same key pinned (it names back-dated runs), or ask for a package built from the bucket itself.',
    ],
  };
}

/**
 * Signed refusal records the package carries (`refusals/`): each must be canonical JSON signed, over its refusal, by a
 * key that signed a run of the package (or a pinned run key), and each one a run names must be there with the SHA-256
 * the run's signed manifest records. A verified record is listed: its day is a refused seal, not a day without a run.
 */
async function checkRefusals({ files, present, abs, fail, shaAt, index, expected }: PackageFolder, runs: PackagedRun[], keys: Map<string, SigningKeyInfo>, warnings: VerificationProblem[]): Promise<RefusedSealSeen[]> {
  const runKeys = expected ? expected.run : new Set([...keys.values()].filter((k) => k.signs.some((x) => x !== 'package')).map((k) => k.keyFingerprint));
  const policy = { fingerprints: runKeys, now: () => new Date(), skewMs: 15 * 60_000 };
  const namedBy = new Map<string, string>();
  for (const r of runs) {
    for (const ref of r.manifest.refusals ?? []) {
      namedBy.set(ref.path, r.runId);
      const i = index.get(ref.path);
      // The seal names only records it read directly under refusals/ (as verify.sh checks too).
      if (!/^refusals\/[A-Za-z0-9._-]+$/.test(ref.path)) fail(`runs/${r.runId}`, `names "${ref.path}" as a signed refusal record, which is not a file under ${REFUSALS_DIR}/`);
      else if (!present.has(ref.path)) fail(`runs/${r.runId}`, `names the signed refusal record ${ref.path} (${refusalWords(ref.runIds)}), which the package does not carry`);
      else if (shaAt(i) !== undefined && shaAt(i) !== ref.sha256) fail(ref.path, `SHA-256 ${shaAt(i)} differs from the one run ${r.runId}'s signed manifest records for it (${ref.sha256})`);
    }
  }
  const seen: RefusedSealSeen[] = [];
  const verified: { path: string; refusal: SealRefusal }[] = [];
  // A refused seal's attempts were never sealed: a record naming a run the package holds as one contradicts it.
  const held = new Set(runs.map((r) => r.runId));
  for (const path of files.filter((p) => p.startsWith(`${REFUSALS_DIR}/`))) {
    const st = await stat(abs(path));
    if (st.size > REFUSAL_MAX_BYTES) {
      fail(path, `is ${st.size} bytes, more than a refusal record can be; not read`);
      continue;
    }
    const judged = judgeRefusal(await readFile(abs(path)), policy);
    if ('problem' in judged) {
      fail(path, `not a refusal record signed by a key of the package's runs: ${judged.problem}`);
      continue;
    }
    const misnamed = refusalNameProblem(path, judged.refusal);
    if (misnamed) {
      fail(path, `not a refusal record of this name: ${misnamed}`);
      continue;
    }
    const r = judged.refusal;
    for (const id of new Set(r.attempts.map((a) => a.runId))) if (held.has(id)) fail(path, refusedAttemptIsRun(path, id));
    const by = namedBy.get(path);
    seen.push({ path, day: r.startedAt.slice(0, 10), chain: r.chain, attempts: r.attempts.map((a) => a.runId), ...(by ? { namedBy: by } : {}) });
    verified.push({ path, refusal: r });
  }
  // A verified record that a run of the same chain and previous link does not name: the chain should carry it.
  for (const left of refusalsLeftOut(verified, runs, policy.skewMs)) {
    if (left.problem) fail(`runs/${left.runId}`, left.message);
    else warnings.push({ path: `runs/${left.runId}`, message: left.message });
  }
  return seen;
}

/**
 * The attestations of the runs read: each body's recorded sealer must name the key that signed its run (evidence-locker
 * records the key it signs with); a different key means the record was not written by it (INVALID). Listed for the
 * report with the attester's name as stated and the recorded caller. Bodies that do not hash right are reported by the
 * body checks and not read here.
 */
async function checkAttestations({ present, abs, fail, shaAt, index }: PackageFolder, runs: PackagedRun[], manifest: PackageManifest | undefined): Promise<AttestationSeen[]> {
  const out: AttestationSeen[] = [];
  for (const r of runs) {
    if (r.manifest.kind !== 'attestation') continue;
    for (const rec of r.manifest.records) {
      const path = evidencePath(rec.sha256);
      if (!present.has(path) || shaAt(index.get(path)) !== rec.sha256) continue;
      let att: EvidenceBody['attestation'];
      try {
        att = EvidenceBodySchema.parse(JSON.parse(await readFile(abs(path), 'utf8'))).attestation;
      } catch (err) {
        fail(path, `attestation record ${rec.recordId} in run ${r.runId} is not a valid evidence body (${(err as Error).message.split('\n')[0].slice(0, 200)})`);
        continue;
      }
      if (!att) continue;
      const signing = r.manifest.signing;
      if (att.sealedBy && (att.sealedBy.keyFingerprint !== signing.keyFingerprint || att.sealedBy.keyId !== signing.keyId)) {
        fail(path, `attestation record ${rec.recordId} in run ${r.runId} says it was sealed with key ${att.sealedBy.keyId} (${att.sealedBy.keyFingerprint}), but its run is signed with ${signing.keyId} (${signing.keyFingerprint}): evidence-locker records the key it signs with, so this record was not sealed by it`);
      }
      out.push({
        runId: r.runId,
        framework: att.framework,
        requirement: att.requirement,
        sealer: describeAttester(att.by, att.sealedBy),
        signedBy: { keyFingerprint: signing.keyFingerprint, packageKey: signing.keyFingerprint === manifest?.signing.keyFingerprint },
      });
    }
  }
  return out;
}

/**
 * Each member record read through an organisation-wide read (collect.mode delegated-admin) that cites the read's sealed
 * record (`provenance.via.read`) must cite a record its own run's signed manifest lists, with the SHA-256 listed there
 * (the body checks then check the read's body), and the read its query is read through (citedReadProblem: source,
 * audit account, region, request count): a reference to another run's read, another source's, region's or account's,
 * to a body the run did not seal, or to nothing, is INVALID. Read from the origin fields the hashing pass kept of each body; bodies that do not hash right
 * are already problems.
 */
function checkDelegatedReads({ present, shaAt, originAt, fail }: PackageFolder, runs: PackagedRun[]): void {
  // What the hashing pass counted of a read's body (`listedRequests`); undefined for a body missing or not the one named.
  const listedRequestsAt = (sha256: string): number | undefined => {
    const i = present.get(evidencePath(sha256));
    const read = i === undefined || shaAt(i) !== sha256 ? undefined : originAt(i);
    const listed = read && !('error' in read) ? (read.fields as { listedRequests?: unknown }).listedRequests : undefined;
    return typeof listed === 'number' ? listed : undefined;
  };
  for (const r of runs) {
    if (r.manifest.kind !== 'collection') continue;
    let byId: Map<string, ManifestRecord> | undefined;
    for (const rec of r.manifest.records) {
      const path = evidencePath(rec.sha256);
      const i = present.get(path);
      if (i === undefined || shaAt(i) !== rec.sha256) continue;
      const read = originAt(i);
      if (!read || 'error' in read) continue;
      const via = (read.fields as { provenance?: { via?: { read?: unknown } & Record<string, unknown> } }).provenance?.via;
      if (via?.read === undefined) continue;
      const ref = DelegatedReadRefSchema.safeParse(via.read);
      if (!ref.success) {
        fail(path, `record ${rec.recordId} of run ${r.runId} cites an organisation-wide read that does not read as a reference (record id, SHA-256, request count): ${ref.error.issues[0]?.message ?? 'invalid'}`);
        continue;
      }
      byId ??= new Map(r.manifest.records.map((x) => [x.recordId, x]));
      const problem = citedReadProblem(r.runId, rec, { ...via, read: ref.data }, (id) => byId!.get(id), (cited) => listedRequestsAt(cited.sha256));
      if (problem) fail(path, problem);
    }
  }
}

/**
 * Where the package's collection records were collected from, by what their bodies record: the origin fields the
 * hashing pass parsed from each body's bytes (`HashedFiles.origin`; the body is not read again), counted only for
 * bodies whose hash checks out (one that does not is already a problem; one that does but does not read is INVALID).
 * Records of accounts the package does not cover are not counted; without a readable manifest.json, nothing is (which
 * accounts it covers is not known).
 */
function endpointOrigins({ present, shaAt, originAt, fail }: PackageFolder, runs: PackagedRun[], manifest: PackageManifest | undefined): EndpointSummary | undefined {
  if (!manifest) return undefined;
  const accounts = new Set(manifest.accounts);
  const tally = new EndpointTally();
  // Bodies with the same origin fields share one parsed object, so one BodyOrigin each; a body that does not read is
  // named once, at its first record.
  const originOfFields = new WeakMap<object, BodyOrigin | Error>();
  const named = new Set<number>();
  let unreadable = 0;
  for (const r of runs) {
    if (r.manifest.kind !== 'collection') continue;
    for (const rec of r.manifest.records) {
      if (!accounts.has(rec.accountId)) continue;
      const path = evidencePath(rec.sha256);
      const i = present.get(path);
      if (i === undefined || shaAt(i) !== rec.sha256) continue;
      const read = originAt(i);
      let o: BodyOrigin | Error;
      if (!read) o = new Error('not read');
      else if ('error' in read) o = new Error(read.error);
      else {
        const fields = read.fields as { schema?: unknown };
        let known = originOfFields.get(fields);
        if (!known) {
          try {
            // JSON that is no evidence body (`{}`, `[]`, a number) would otherwise count as "no provenance recorded".
            if (fields.schema !== EVIDENCE_SCHEMA) throw new Error(`its "schema" is ${JSON.stringify(fields.schema) ?? 'absent'}, not ${EVIDENCE_SCHEMA}`);
            known = bodyOrigin(fields as Parameters<typeof bodyOrigin>[0], queryEndpointServices);
          } catch (err) {
            known = new Error((err as Error).message.split('\n')[0].slice(0, 200));
          }
          originOfFields.set(fields, known);
        }
        o = known;
      }
      if (!(o instanceof Error)) {
        tally.add(r.runId, o);
        continue;
      }
      // Counted among the records, so no line can call them all AWS's.
      unreadable++;
      if (!named.has(i)) {
        named.add(i);
        // Its hash checks out, so the body is what the run sealed, and an evidence body evidence-locker writes
        // always reads: counting it nowhere would let "all records went to AWS" cover it.
        fail(path, `record ${rec.recordId} of run ${r.runId} is not a readable evidence body, so where it was collected from cannot be told (${o.message})`);
      }
    }
  }
  const summary = tally.summary();
  return unreadable ? { ...summary, records: summary.records + unreadable, unreadable } : summary;
}

/** The warning lines of where the evidence came from (empty when every record went to AWS service endpoints). */
function endpointLines(e: EndpointSummary | undefined): string[] {
  if (!e) return [];
  const lines: string[] = [];
  for (const n of e.notAws) {
    lines.push(`WARNING (evidence origin): ${n.records} of ${e.records} collection records were collected from ${n.origin} (${n.why}), not an AWS service endpoint of their query's service, in ${n.runs.length} run(s) (${n.runs.slice(0, 3).join(', ')}${n.runs.length > 3 ? ', ...' : ''}): they are not AWS's record`);
  }
  for (const m of e.callerMismatch) {
    lines.push(`WARNING (evidence origin): ${m.records} collection record(s) of account ${m.accountId} were collected by ${m.callerArn}, a caller of another account, in ${m.runs.length} run(s) (${m.runs.slice(0, 3).join(', ')}${m.runs.length > 3 ? ', ...' : ''})`);
  }
  if (e.notRecorded) lines.push(`WARNING (evidence origin): ${e.notRecorded} of ${e.records} collection records carry no provenance (sealed before it was recorded): which endpoint they came from cannot be told`);
  if (e.unreadable) lines.push(`WARNING (evidence origin): ${e.unreadable} of ${e.records} collection records have a body that hashes right but is not a readable evidence body (named below): where they came from cannot be told`);
  if (e.matchedToQuery) lines.push(`  evidence origin: ${e.matchedToQuery} of ${e.records} collection records were collected by a query that calls more than one service and sealed before the endpoint of each operation was recorded: each origin was matched against any service of the query, not the one of the operation that called it`);
  if (e.records && e.aws === e.records) lines.push(`  evidence origin: all ${e.records} collection records went to AWS service endpoints of their query's service (the address called, from each body's provenance; it does not show who answered)`);
  return lines;
}

/** What every check of an unzipped package shares: its files in byte order, their hashes, and where problems go. */
interface PackageFolder {
  /** Every regular file, '/'-separated, in byte order of path. */
  files: string[];
  /** Position of each file in `files`. */
  index: Map<string, number>;
  present: Map<string, number>;
  abs: (path: string) => string;
  fail: (path: string, message: string) => void;
  noteKey: (keyFingerprint: string, keyId: string, algorithm: string, signs: string) => void;
  /** A key read beside a manifest left unread (`package` or the run id), pinned or not. */
  noteUnreadKey: (keyFingerprint: string, pinned: boolean, beside: string) => void;
  checked: PackageVerification['checked'];
  /** SHA-256 of the file at a position, once hashing is done. */
  shaAt: (i: number | undefined) => string | undefined;
  sizeAt: (i: number) => number | undefined;
  /** An evidence body's origin fields, parsed from the bytes hashed, or why they do not read (HashedFiles.origin). */
  originAt: (i: number) => ReturnType<HashedFiles['origin']>;
  /** Key fingerprints pinned per role (lower case), when any key was pinned. */
  expected?: PinnedRoles;
  /** Manifests left unread because no pinned key signed them: `manifest.json` (the package's) and run ids. */
  notRead: Set<string>;
}

/** A run manifest read from the package, with the SHA-256 of its bytes. */
interface PackagedRun {
  runId: string;
  manifest: RunManifest;
  sha: string;
}

/** The package manifest and its signature by the package's public key. */
async function checkPackageManifest(folder: PackageFolder): Promise<{ manifest?: PackageManifest; packageId?: string }> {
  const { present, abs, fail, noteKey } = folder;
  let manifest: PackageManifest | undefined;
  let packageId: string | undefined;
  if (!present.has(PACKAGE_FILES.manifest)) fail(PACKAGE_FILES.manifest, 'missing: the package manifest is required');
  else {
    const bytes = await readFile(abs(PACKAGE_FILES.manifest));
    packageId = sha256Hex(bytes);
    const pem = present.has(PACKAGE_FILES.publicKey) ? await readFile(abs(PACKAGE_FILES.publicKey), 'utf8') : undefined;
    const sig = present.has(PACKAGE_FILES.signature) ? await readFile(abs(PACKAGE_FILES.signature)) : undefined;
    if (!signedByPinnedKey(folder, bytes, sig, pem, { id: PACKAGE_FILES.manifest, manifest: PACKAGE_FILES.manifest, signature: PACKAGE_FILES.signature, key: PACKAGE_FILES.publicKey, signer: PACKAGE_FILES.signature })) {
      fail(PACKAGE_FILES.manifest, "not read, so the package's signed file list and the evidence it must hold were not checked");
      return { packageId };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
      manifest = PackageManifestSchema.parse(parsed);
    } catch (err) {
      fail(PACKAGE_FILES.manifest, `not a valid package manifest (${(err as Error).message.split('\n')[0].slice(0, 200)})`);
    }
    // One serialisation only: a key given twice, or any other bytes another parser could read differently, is refused.
    const nonCanonical = manifest && nonCanonicalPackageManifest(bytes, parsed);
    if (nonCanonical) {
      fail(PACKAGE_FILES.manifest, nonCanonical);
      fail(PACKAGE_FILES.manifest, "refused, so the package's signed file list and the evidence it must hold were not checked");
      folder.notRead.add(PACKAGE_FILES.manifest);
      return { packageId };
    }
    if (manifest) {
      if (!pem) fail(PACKAGE_FILES.publicKey, 'missing: cannot check the package signature');
      if (!sig) fail(PACKAGE_FILES.signature, 'missing: the package manifest is unsigned');
      if (pem && sig) {
        let fp: string | undefined;
        try {
          fp = publicKeyFingerprint(pem);
        } catch {
          fail(PACKAGE_FILES.publicKey, 'not a readable public key (PEM SubjectPublicKeyInfo)');
        }
        if (fp && fp !== manifest.signing.keyFingerprint) fail(PACKAGE_FILES.publicKey, `fingerprint ${fp} differs from the one in manifest.json (${manifest.signing.keyFingerprint})`);
        if (!verifyManifestSignature(bytes, sig, pem, manifest.signing.algorithm)) fail(PACKAGE_FILES.signature, `signature over manifest.json does not verify with public-key.pem (${manifest.signing.algorithm})`);
        // The signature that lets standard tools trust SHA256SUMS (and through it every file, manifest.json included).
        if (!present.has(PACKAGE_FILES.sumsSignature)) fail(PACKAGE_FILES.sumsSignature, 'missing: SHA256SUMS is unsigned');
        else if (present.has(PACKAGE_FILES.sums)) {
          const [sums, sumsSig] = await Promise.all([readFile(abs(PACKAGE_FILES.sums)), readFile(abs(PACKAGE_FILES.sumsSignature))]);
          if (!verifyManifestSignature(sums, sumsSig, pem, manifest.signing.algorithm)) fail(PACKAGE_FILES.sumsSignature, `signature over SHA256SUMS does not verify with public-key.pem (${manifest.signing.algorithm})`);
        }
        noteKey(manifest.signing.keyFingerprint, manifest.signing.keyId, manifest.signing.algorithm, 'package');
      }
    }
  }
  return { manifest, packageId };
}

/**
 * With keys pinned (--expect-key), a manifest is parsed only once a pinned key's signature is found to cover its bytes,
 * checked under the schemes the key's own type allows (nothing is taken from the manifest for it). A package altered on
 * its way to the assessor and signed again with another key, or not signed at all, is named without being read: its
 * JSON could be made to cost the assessor's machine gigabytes. Without pinned keys every manifest is read, and its
 * signature checked after (the report then lists whichever keys signed, for confirming out of band).
 */
function signedByPinnedKey({ expected, fail, notRead, noteUnreadKey }: PackageFolder, bytes: Buffer, sig: Buffer | undefined, pem: string | undefined, paths: { id: string; manifest: string; signature: string; key: string; signer: string }): boolean {
  if (!expected) return true;
  const role = paths.id === PACKAGE_FILES.manifest ? 'package' : 'run';
  const pinnedForRole = expected[role];
  const why = 'keys are pinned (--expect-key), so the manifest was not read';
  const refuse = (path: string, message: string) => {
    fail(path, message);
    notRead.add(paths.id);
    return false;
  };
  if (!pem) return refuse(paths.key, `missing: ${why}`);
  if (!sig) return refuse(paths.signature, `missing: ${why}`);
  let fp: string;
  try {
    fp = publicKeyFingerprint(pem);
  } catch {
    return refuse(paths.key, `not a readable public key; ${why}`);
  }
  // The key was read even though the manifest is not: the report names it (as not expected, or as not verifying).
  const beside = paths.id === PACKAGE_FILES.manifest ? 'package' : paths.id;
  if (!pinnedForRole.has(fp)) {
    noteUnreadKey(fp, false, beside);
    const what = role === 'package' ? 'the package manifest' : 'run manifests';
    const other = expected[role === 'package' ? 'run' : 'package'].has(fp) ? ` (it is pinned for ${role === 'package' ? 'run manifests' : 'the package manifest'} only)` : '';
    const none = pinnedForRole.size ? '' : `; no key is pinned for ${what}: give ${ROLE_OPTIONS[role]}`;
    if (samePins(expected)) return refuse(paths.signer, `signed with key ${fp} (its public-key.pem), which is not one of the expected keys; ${why}`);
    return refuse(paths.signer, `signed with key ${fp} (its public-key.pem), which is not a key pinned for ${what} (${ROLE_OPTIONS[role]})${other}${none}; ${why}`);
  }
  if (!verifiedScheme(bytes, sig, pem)) {
    noteUnreadKey(fp, true, beside);
    return refuse(paths.signature, `does not verify over ${paths.manifest} with the expected key ${fp}; ${why}`);
  }
  return true;
}

/** Each run manifest: listed with the hash the package manifest states, named for its folder, signed by its key. */
async function checkRunManifests(folder: PackageFolder, manifest: PackageManifest | undefined): Promise<PackagedRun[]> {
  const { files, present, abs, fail, noteKey, checked } = folder;
  const runDirs = new Set(files.filter((p) => p.startsWith('runs/')).map((p) => p.split('/')[1]));
  const runs: PackagedRun[] = [];
  const listedRuns = new Map((manifest?.runs ?? []).map((r) => [r.runId, r]));
  for (const id of runDirs) if (manifest && !listedRuns.has(id)) fail(`runs/${id}`, 'run folder not listed in manifest.json');
  const runIds = manifest ? [...listedRuns.keys()] : [...runDirs];
  for (const runId of runIds) {
    const mPath = runPath(runId, 'manifest.json');
    const sPath = runPath(runId, 'manifest.sig');
    const kPath = runPath(runId, 'public-key.pem');
    if (!present.has(mPath)) {
      fail(mPath, 'missing: the run manifest is required');
      continue;
    }
    checked.runs++;
    const bytes = await readFile(abs(mPath));
    const sha = sha256Hex(bytes);
    const listedRun = listedRuns.get(runId);
    if (listedRun && listedRun.manifestSha256 !== sha) fail(mPath, `SHA-256 ${sha} differs from manifest.json (${listedRun.manifestSha256})`);
    const pem = present.has(kPath) ? await readFile(abs(kPath), 'utf8') : undefined;
    const sig = present.has(sPath) ? await readFile(abs(sPath)) : undefined;
    if (!signedByPinnedKey(folder, bytes, sig, pem, { id: runId, manifest: mPath, signature: sPath, key: kPath, signer: `runs/${runId}` })) continue;
    let rm: RunManifest;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
      const checked = RunManifestSchema.safeParse(parsed);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        fail(mPath, `not a valid run manifest (${issue?.path.join('.') || '(root)'}: ${(issue?.message ?? 'not a run manifest').slice(0, 200)})`);
        continue;
      }
      rm = checked.data;
    } catch (err) {
      fail(mPath, `not a valid run manifest (${(err as Error).message.split('\n')[0].slice(0, 200)})`);
      continue;
    }
    // Canonical JSON only: a key given twice ("previous" read as the last by JSON.parse, the first by verify.sh) is refused.
    const nonCanonical = nonCanonicalRunManifest(bytes, parsed);
    if (nonCanonical) {
      fail(mPath, nonCanonical);
      continue;
    }
    if (rm.runId !== runId) fail(mPath, `names run ${rm.runId} but sits in runs/${runId}/`);
    if (!pem) fail(kPath, 'missing: cannot check the run signature');
    if (!sig) fail(sPath, 'missing: the run manifest is unsigned');
    if (pem && sig) {
      let fp: string | undefined;
      try {
        fp = publicKeyFingerprint(pem);
      } catch {
        fail(kPath, 'not a readable public key');
      }
      if (fp && fp !== rm.signing.keyFingerprint) fail(kPath, `fingerprint ${fp} differs from the run manifest's signing.keyFingerprint ${rm.signing.keyFingerprint}`);
      if (!verifyManifestSignature(bytes, sig, pem, rm.signing.algorithm)) fail(sPath, `run signature does not verify (${rm.signing.algorithm})`);
      noteKey(rm.signing.keyFingerprint, rm.signing.keyId, rm.signing.algorithm, runId);
    }
    if (listedRun) checkRunEntry(folder, listedRun, packageRunEntry(runId, sha, rm));
    runs.push({ runId, manifest: rm, sha });
  }
  return runs;
}

/** Where a field of manifest.json's `runs` entry sits in the run manifest, when not under the same name. */
const RUN_FIELD_IN_MANIFEST: Record<string, string> = { keyFingerprint: 'signing.keyFingerprint', keyId: 'signing.keyId' };

/**
 * manifest.json's `runs` entry of a run against what its signed run manifest states, field by field: the package key
 * alone signs the entry, so a package rebuilt with it could otherwise label a run with another kind, chain, dates,
 * key or link than the run key signed. The run id and manifest SHA-256 are checked above (folder and hash).
 */
function checkRunEntry({ fail }: PackageFolder, listed: PackageRun, own: PackageRun): void {
  const entry = listed as Record<string, unknown>;
  const signed = own as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined ? 'absent' : canonicalJson(v));
  for (const field of [...new Set([...Object.keys(signed), ...Object.keys(entry)])].sort(compareCodeUnits)) {
    if (field === 'runId' || field === 'manifestSha256') continue;
    if (show(entry[field]) === show(signed[field])) continue;
    const there = RUN_FIELD_IN_MANIFEST[field] ?? field;
    fail(
      PACKAGE_FILES.manifest,
      `runs entry of run ${listed.runId}: ${field} is ${show(entry[field])}, but the run's signed manifest (${runPath(listed.runId, 'manifest.json')}) has ${there} ${show(signed[field])}: manifest.json, signed by the package key alone, misdescribes the run; obtain the package again from the organisation`,
    );
  }
}

/**
 * The ids the report cover prints, recomputed from manifest.json: the evidence set id (`contentId`, from the
 * organisation, frameworks, period, accounts and runs it describes, each run by the manifest SHA-256 checked against
 * the run file, with the exceptions register, scope and entity `evaluation` records) and the evaluation inputs id
 * (`evaluationId`, the SHA-256 of the canonical JSON of `evaluation`). `evaluation` must also restate the top-level
 * organisation, frameworks, period, accounts, tool, build time and simulated mark it was recorded with.
 */
function checkPackageIds({ fail }: PackageFolder, m: PackageManifest): PackageIds {
  const ev = m.evaluation;
  const content = manifestEvidenceSetId(m);
  const again = 'obtain the package again from the organisation';
  if (content !== undefined && content !== m.contentId) {
    fail(PACKAGE_FILES.manifest, `contentId ${m.contentId} (the evidence set id on the report cover) is not the SHA-256 of the evidence set manifest.json describes, ${content} (its organisation, frameworks, period, accounts and runs with their manifest SHA-256, and the exceptions register, scope and entity its "evaluation" records): ${again}`);
  }
  if (ev && m.evaluationId === undefined) fail(PACKAGE_FILES.manifest, `records evaluation inputs ("evaluation") but no evaluationId: evidence-locker writes both; ${again}`);
  else if (!ev && m.evaluationId !== undefined) fail(PACKAGE_FILES.manifest, `evaluationId ${m.evaluationId} names evaluation inputs manifest.json does not record ("evaluation" is absent): ${again}`);
  else if (ev && m.evaluationId !== undefined) {
    const id = evaluationInputsId(ev);
    if (id !== m.evaluationId) fail(PACKAGE_FILES.manifest, `evaluationId ${m.evaluationId} (the evaluation inputs id on the report cover) is not the SHA-256 of the canonical JSON of its "evaluation", ${id}: ${again}`);
  }
  const takenOut = evaluationTakenOut(m);
  if (takenOut) fail(PACKAGE_FILES.manifest, `records no evaluation inputs ("evaluation"), yet says it was ${takenOut}, on or after ${EVALUATION_RECORDED_FROM}, since when evidence-locker records them in every package: they were taken out, so the report cover's ids cannot be recomputed; ${again}`);
  if (ev) {
    const restated: [string, unknown, unknown][] = [
      ['organization', ev.organization, m.organization],
      ['frameworks', ev.frameworks, m.frameworks.map((f) => f.id)],
      ['period', ev.period, m.period],
      ['accounts', ev.accounts, m.accounts],
      ['tool', ev.tool, m.tool],
      ['builtAt', ev.builtAt, m.builtAt],
      ['simulated', ev.simulated, m.simulated ?? false],
    ];
    for (const [field, inEvaluation, top] of restated) {
      const a = inEvaluation === undefined ? 'absent' : canonicalJson(inEvaluation);
      const b = top === undefined ? 'absent' : canonicalJson(top);
      if (a !== b) fail(PACKAGE_FILES.manifest, `evaluation.${field} is ${a}, but manifest.json's ${field === 'frameworks' ? 'frameworks (ids)' : field} is ${b}: the results were computed for something else than the package describes; ${again}`);
    }
  }
  return { contentId: m.contentId, contentIdRecomputed: content !== undefined, ...(m.evaluationId !== undefined ? { evaluationId: m.evaluationId } : {}) };
}

/**
 * SHA256SUMS: every file but itself, no more, no fewer. Both lists are in byte order of path when untouched, so each
 * is walked alongside the file list (a lookup by path only when the order differs).
 */
async function checkChecksumFile({ files, index, present, abs, fail, shaAt }: PackageFolder): Promise<void> {
  if (!present.has(PACKAGE_FILES.sums)) fail(PACKAGE_FILES.sums, 'missing: the package has no SHA256SUMS file');
  else {
    const find = sortedFinder(files, index);
    const listed = new Uint8Array(files.length);
    const listedMissing = new Set<string>();
    const lines = (await readFile(abs(PACKAGE_FILES.sums), 'utf8')).split('\n');
    lines.forEach((line, n) => {
      if (line === '') return;
      const m = SUM_LINE.exec(line);
      if (!m) return fail(PACKAGE_FILES.sums, `line ${n + 1} is not "<sha256>  <path>"`);
      const [, sum, p] = m;
      const i = find(p);
      if (i === undefined) {
        if (listedMissing.has(p)) fail(PACKAGE_FILES.sums, `line ${n + 1}: ${p} is listed twice`);
        listedMissing.add(p);
        return fail(p, 'listed in SHA256SUMS but missing from the package');
      }
      if (listed[i]) fail(PACKAGE_FILES.sums, `line ${n + 1}: ${p} is listed twice`);
      listed[i] = 1;
      if (shaAt(i) !== sum) fail(p, `SHA-256 ${shaAt(i)} does not match SHA256SUMS (${sum}): the file was altered`);
    });
    files.forEach((p, i) => {
      if (!listed[i] && p !== PACKAGE_FILES.sums && p !== PACKAGE_FILES.sumsSignature) fail(p, 'extra file: not listed in SHA256SUMS');
    });
  }
}

/** Every file the signed package manifest lists, with its hash and size, and no file it does not list. */
function checkSignedFileList({ files, index, fail, shaAt, sizeAt }: PackageFolder, manifest: PackageManifest): void {
  const find = sortedFinder(files, index);
  const listed = new Uint8Array(files.length);
  for (const f of manifest.files) {
    const i = find(f.path);
    if (i === undefined) {
      fail(f.path, 'listed in manifest.json but missing from the package');
      continue;
    }
    listed[i] = 1;
    if (shaAt(i) !== f.sha256) fail(f.path, `SHA-256 does not match manifest.json: the file was altered`);
    else if (sizeAt(i) !== f.size) fail(f.path, `size does not match manifest.json (${f.size} bytes)`);
  }
  const unsigned = new Set<string>([PACKAGE_FILES.manifest, PACKAGE_FILES.signature, PACKAGE_FILES.sums, PACKAGE_FILES.sumsSignature]);
  files.forEach((p, i) => {
    if (!listed[i] && !unsigned.has(p)) fail(p, 'extra file: not listed in the signed manifest.json');
  });
}

/**
 * A run sealed again names its abandoned attempts (`sealAttempts`): run ids whose folders held files someone else
 * planted. evidence-locker abandons an id only when readers would not take its files as the ones it wrote, so a named
 * attempt is never itself a run the package holds (nor the run naming it).
 */
function checkSealAttempts({ fail, files }: PackageFolder, runs: PackagedRun[]): void {
  const held = new Set([...runs.map((r) => r.runId), ...files.filter((p) => p.startsWith('runs/')).map((p) => p.split('/')[1])]);
  for (const r of runs) {
    for (const a of r.manifest.sealAttempts ?? []) {
      if (a.runId === r.runId) fail(`runs/${r.runId}`, `names itself as an abandoned seal attempt: evidence-locker seals an abandoned attempt's evidence again under a new run id`);
      else if (held.has(a.runId)) fail(`runs/${r.runId}`, `names run ${a.runId} as an abandoned seal attempt (files planted by someone else), but the package holds ${a.runId} as a run: evidence-locker abandons a run id only when its files are not the ones it wrote, so one of the two was not sealed by it`);
    }
  }
}

/** Each chain's runs in the one chain order, every run linking to the one before it. */
function checkRunChains({ fail, checked, notRead }: PackageFolder, runs: PackagedRun[]): void {
  const byChain = new Map<string, typeof runs>();
  for (const r of runs) byChain.set(r.manifest.chain, [...(byChain.get(r.manifest.chain) ?? []), r]);
  const shaOf = new Map(runs.map((r) => [r.runId, r.sha]));
  for (const [chain, list] of byChain) {
    list.sort((a, b) => compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId }));
    list.forEach((r, i) => {
      const prev = r.manifest.previous;
      if (i === 0) {
        // The first run of a chain in the package may link to a run before the period; if that run is here, the link must hold.
        if (prev && shaOf.has(prev.runId) && shaOf.get(prev.runId) !== prev.manifestSha256) fail(`runs/${r.runId}`, `chain ${chain}: previous run ${prev.runId} has a different manifest hash`);
        return;
      }
      checked.chainLinks++;
      const expected = list[i - 1];
      if (!prev) fail(`runs/${r.runId}`, `chain ${chain}: run has no previous link, but ${expected.runId} precedes it in the package`);
      else if (prev.runId !== expected.runId && notRead.has(prev.runId)) fail(`runs/${r.runId}`, `chain ${chain}: links to ${prev.runId}, which was not read (no pinned key signed it), so this link was not checked`);
      else if (prev.runId !== expected.runId) fail(`runs/${r.runId}`, `chain ${chain}: links to ${prev.runId}, but the run before it in the package is ${expected.runId} (a run is missing or the order was changed)`);
      else if (prev.manifestSha256 !== expected.sha) fail(`runs/${r.runId}`, `chain ${chain}: previous manifest hash ${prev.manifestSha256} does not match runs/${expected.runId}/manifest.json (${expected.sha})`);
    });
  }
}

/** The chain names evidence-locker writes for each run kind (collect, backfill, `package --attest`, legal holds). */
const SHARD_CHAIN = /^shard-([1-9][0-9]*)-of-([1-9][0-9]*)$/;
function chainWrittenFor(kind: RunManifest['kind'], chain: string, reconstruction: boolean): boolean {
  if (kind === 'attestation') return chain === 'attestations';
  if (kind === 'legal-hold') return chain === 'legal-hold';
  if (reconstruction) return chain === 'backfill';
  if (chain === 'default') return true;
  const m = SHARD_CHAIN.exec(chain);
  return !!m && Number(m[1]) <= Number(m[2]);
}
/** How many shards a collection chain's schedule had: `default` is one, `shard-i-of-n` is n. */
const shardCountOf = (chain: string) => (chain === 'default' ? 1 : Number(SHARD_CHAIN.exec(chain)?.[2] ?? 0));
/** A collection chain collected on a schedule (not the backfill chain of rebuilt days). */
const isPeriodicChain = (list: PackagedRun[]) => list.some((r) => r.manifest.kind === 'collection' && !r.manifest.reconstruction);

/**
 * What evidence-locker never writes, so a run manifest signed with the organisation's key (kms:Sign, which the
 * collector's role holds) that shows it was written by something else. INVALID: a chain mixing run kinds; a chain
 * name the tool never writes for its runs' kind; a run id whose time is after its startedAt; a collection record
 * collected outside its run's [startedAt, completedAt]; a collection chain that begins (`previous: null`) after the
 * package's first collection run, unless the schedule's shard count changed then (another collection chain of a
 * different shard count ended before it began); one evidence body with AWS request ids of its own (provenance) cited by
 * two collection runs.
 */
async function checkRunKinds({ fail, present, abs }: PackageFolder, runs: PackagedRun[], warnings: VerificationProblem[]): Promise<void> {
  const warn = (path: string, message: string) => warnings.push({ path, message });
  const byChain = new Map<string, PackagedRun[]>();
  for (const r of runs) byChain.set(r.manifest.chain, [...(byChain.get(r.manifest.chain) ?? []), r]);
  const never = 'evidence-locker never writes such a run: it was sealed by something else holding the signing key (kms:Sign); ask the organisation for the key\'s CloudTrail Sign events';
  for (const [chain, list] of byChain) {
    const kinds = [...new Set(list.map((r) => r.manifest.kind))].sort(compareCodeUnits);
    if (kinds.length > 1) fail(`runs/${list[0].runId}`, `chain ${chain} mixes run kinds (${kinds.join(', ')}): ${never}`);
    for (const r of list) {
      if (!chainWrittenFor(r.manifest.kind, chain, !!r.manifest.reconstruction)) {
        fail(`runs/${r.runId}`, `chain ${chain}: a ${r.manifest.kind}${r.manifest.reconstruction ? ' (reconstruction)' : ''} run is never sealed in a chain of that name (collection: default or shard-i-of-n; reconstructions: backfill; attestations: attestations; legal holds: legal-hold): ${never}`);
      }
    }
  }
  for (const r of runs) {
    const m = r.manifest;
    const idTime = runIdTime(r.runId)?.getTime();
    const started = Date.parse(m.startedAt);
    const completed = Date.parse(m.completedAt);
    // The id is the start time to the second (or, from the daemon, the moment just before the run started).
    if (idTime !== undefined && !Number.isNaN(started) && idTime > Math.floor(started / 1000) * 1000) {
      fail(`runs/${r.runId}`, `the run id's time ${new Date(idTime).toISOString()} is after the run's startedAt ${m.startedAt}: evidence-locker names a run when it starts`);
    }
    if (completed < started) fail(`runs/${r.runId}`, `completedAt ${m.completedAt} is before startedAt ${m.startedAt}`);
    if (m.kind === 'collection' && !m.reconstruction) {
      const outside = m.records.filter((rec) => { const t = Date.parse(rec.collectedAt); return !(t >= started && t <= completed); });
      if (outside.length) fail(`runs/${r.runId}`, `${outside.length} record(s) collected outside the run's start and completion (${m.startedAt} to ${m.completedAt}), e.g. ${outside[0].recordId} at ${outside[0].collectedAt}: evidence-locker collects a run's records while it runs`);
    }
  }
  // A collection chain that begins after collection had already begun in the period.
  const periodic = [...byChain].filter(([chain, list]) => chain !== 'backfill' && isPeriodicChain(list));
  const starts = periodic.flatMap(([, list]) => list.map((r) => r.manifest.startedAt)).sort(compareCodeUnits);
  for (const [chain, list] of periodic) {
    const first = list.reduce((a, b) => (compareRunsInChain({ ...b.manifest, runId: b.runId }, { ...a.manifest, runId: a.runId }) < 0 ? b : a));
    if (first.manifest.previous !== null || first.manifest.startedAt <= starts[0]) continue;
    const count = shardCountOf(chain);
    const shardChange = periodic.some(([other, ol]) => other !== chain && shardCountOf(other) !== count && ol.every((r) => r.manifest.completedAt <= first.manifest.startedAt));
    if (shardChange) continue;
    // Beside a chain of another shard count that began before it: the shard count may have changed while the other
    // chain kept running (an operator collecting both ways for a time), or the run was sealed by someone else.
    const besideOther = count > 0 && periodic.some(([other, ol]) => other !== chain && shardCountOf(other) !== count && ol.some((r) => r.manifest.startedAt < first.manifest.startedAt));
    if (besideOther) {
      warn(`runs/${first.runId}`, `chain ${chain}: begins (previous: null) with ${first.runId} on ${runDayOf(first.manifest)}, after collection in the package began (${starts[0]}), while a collection chain of another shard count was still running: evidence-locker starts a new chain when the shard count changes; confirm with the organisation that it changed on ${runDayOf(first.manifest)}, and reconcile the key's CloudTrail Sign events (a run sealed by anyone else holding kms:Sign looks the same)`);
      continue;
    }
    fail(`runs/${first.runId}`, `chain ${chain}: begins (previous: null) with ${first.runId} on ${runDayOf(first.manifest)}, after collection in the package began (${starts[0]}), and no collection chain of another shard count ended before it: evidence-locker starts a new collection chain only on its first run ever or when the shard count changes, so this run was sealed by something else holding the signing key (kms:Sign) — for example back-dated into a missed day; ask the organisation for the key's CloudTrail Sign events`);
  }
  // One body cited by two collection runs: honest runs never do, each body carries its own AWS request ids.
  const citedBy = new Map<string, string[]>();
  for (const r of runs) {
    if (r.manifest.kind !== 'collection' || r.manifest.reconstruction) continue;
    for (const rec of new Set(r.manifest.records.filter((x) => x.status === 'ok').map((x) => x.sha256))) citedBy.set(rec, [...(citedBy.get(rec) ?? []), r.runId]);
  }
  const shared: [string, string[]][] = [];
  for (const [sha, ids] of citedBy) {
    if (ids.length < 2 || !present.has(evidencePath(sha))) continue;
    let requestIds: unknown;
    try {
      requestIds = (JSON.parse(await readFile(abs(evidencePath(sha)), 'utf8')) as { provenance?: { requestIds?: unknown } }).provenance?.requestIds;
    } catch {
      continue; // an unreadable body is reported by the body checks
    }
    if (Array.isArray(requestIds) && requestIds.length) shared.push([sha, ids]);
  }
  if (shared.length) {
    const pairs = [...new Set(shared.map(([, ids]) => ids.join(' and ')))].sort(compareCodeUnits);
    fail(`runs/${shared[0][1][1]}`, `${shared.length} evidence bod${shared.length === 1 ? 'y' : 'ies'} carrying AWS request ids of their own are cited by more than one collection run (${pairs.slice(0, 3).join('; ')}${pairs.length > 3 ? '; …' : ''}): every run collects its own responses, so a run citing another run's bodies did not collect them`);
  }
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const dayAfter = (day: string, n: number) => new Date((dayNumber(day) + n) * DAY_MS).toISOString().slice(0, 10);
/** The day a run belongs to: the day it started, or for a reconstruction the day it rebuilt (as `package` gathers it). */
const runDayOf = (m: RunManifest) => m.reconstruction?.asOf ?? m.startedAt.slice(0, 10);
/** The day a run not in the package belongs to, from its id (the run id a signed manifest names). */
const idDay = (runId: string) => reconstructionRunDay(runId) ?? runIdDay(runId);
const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/**
 * The ends of the period: what the package can prove about runs left out before its first or after its last run.
 * Wrong (INVALID): the first run of a chain links to a run dated inside the period that the package does not hold; the
 * run the store held after a chain's last run (recorded in manifest.json at build time) is dated inside the period; an
 * attestation run the package does not hold (a package holds every one up to its period end); generatedAt is not the
 * completion of the last run held. Shown as warnings (VALID stays): days at the start or end of the period without a run
 * of a collection chain, and an end not recorded (packages built before chainEnds was recorded).
 */
function checkPeriodEnds({ fail, notRead }: PackageFolder, manifest: PackageManifest, runs: PackagedRun[], warnings: VerificationProblem[]): ChainCoverage[] {
  const warn = (path: string, message: string) => warnings.push({ path, message });
  const { from, to } = manifest.period;
  const held = new Set(runs.map((r) => r.runId));
  const allRead = runs.length === manifest.runs.length && !notRead.size;
  if (allRead && runs.length) {
    const last = runs.reduce((m, r) => (r.manifest.completedAt > m.manifest.completedAt ? r : m));
    if (manifest.generatedAt !== last.manifest.completedAt) {
      fail(PACKAGE_FILES.manifest, `generatedAt ${manifest.generatedAt} is not the completion of the last run the package holds (${last.runId}, completed ${last.manifest.completedAt}): evidence-locker always writes that time, so the package manifest does not describe the runs it holds; obtain the package again from the organisation`);
    }
  }
  const builtDay = manifest.builtAt?.slice(0, 10);
  if (builtDay && builtDay < to) warn(PACKAGE_FILES.manifest, `the package was built on ${builtDay}, before its period ends on ${to}: the days after ${builtDay} could not have a run`);
  const byChain = new Map<string, PackagedRun[]>();
  for (const r of runs) byChain.set(r.manifest.chain, [...(byChain.get(r.manifest.chain) ?? []), r]);
  const out: ChainCoverage[] = [];
  for (const [chain, list] of [...byChain].sort(([a], [b]) => compareCodeUnits(a, b))) {
    list.sort((a, b) => compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId }));
    const first = list[0];
    const last = list[list.length - 1];
    const firstDay = runDayOf(first.manifest);
    const lastDay = runDayOf(last.manifest);
    const attestation = first.manifest.kind === 'attestation';
    // Days without a run are told only of chains collected on a schedule (not attestations, legal holds or rebuilt days).
    // Any chain holding a scheduled collection run is periodic: a run of another kind in it (INVALID itself) does not
    // silence the days without a run.
    const periodic = isPeriodicChain(list);
    const leftOut = 'runs of the period were left out of the package: obtain the complete package from the organisation (the organisation can compare it with `evidence-locker verify --store`)';

    let start: string;
    const prev = first.manifest.previous;
    const startGap = periodic && firstDay > from ? dayNumber(firstDay) - dayNumber(from) : 0;
    if (!prev) {
      start = `begins in the package: ${first.runId} (${firstDay}) is the first run the chain ever sealed`;
      if (startGap) warn(`runs/${first.runId}`, `chain ${chain}: collection began on ${firstDay} (${first.runId} is the chain's first run ever), ${days(startGap)} after the period start ${from}: ${from} to ${dayAfter(firstDay, -1)} have no run of this chain`);
    } else if (held.has(prev.runId)) {
      start = `begins with ${first.runId} (${firstDay}), which links to ${prev.runId} of another chain`;
    } else {
      const pd = idDay(prev.runId);
      start = `the chain's start is not shown: ${first.runId} (${firstDay}) links to ${prev.runId}${pd ? ` (${pd})` : ''}, which the package does not hold`;
      if (attestation) {
        fail(`runs/${first.runId}`, `chain ${chain}: links to attestation run ${prev.runId}, which the package does not hold; a package holds every attestation sealed up to its period end, so ${leftOut}`);
      } else if (!pd) {
        warn(`runs/${first.runId}`, `chain ${chain}: the first run in the package, ${first.runId}, links to run ${prev.runId}, whose date cannot be read from its id: whether runs at the start of the period ${from} were left out cannot be told`);
      } else if (pd >= from && pd <= to) {
        fail(`runs/${first.runId}`, `chain ${chain}: the first run in the package, ${first.runId} (${firstDay}), links to run ${prev.runId}, dated ${pd} inside the period ${from} to ${to}, which the package does not hold: ${leftOut}`);
      } else if (startGap && pd < from) {
        warn(`runs/${first.runId}`, `chain ${chain}: the earliest run in the package is ${first.runId} on ${firstDay}, ${days(startGap)} after the period start ${from}; it links directly to ${prev.runId} (${pd}, before the period), so no run of this chain was sealed from ${from} to ${dayAfter(firstDay, -1)}`);
      }
    }

    let end: string;
    const recorded = manifest.chainEnds;
    const ce = recorded?.find((c) => c.chain === chain);
    let why = '';
    if (!recorded) {
      end = `what followed ${last.runId} in the store is not recorded (a package of an older evidence-locker): runs at the end of the period could be left out unseen`;
      why = `; the package does not record what followed it, so runs could have been left out: ask the organisation to compare with \`evidence-locker verify --store --from ${from} --to ${to}\``;
    } else if (!ce) {
      end = 'not recorded';
      fail(PACKAGE_FILES.manifest, `chainEnds records nothing for chain ${chain}, whose runs the package holds: the package manifest does not describe the runs it holds; obtain the package again from the organisation`);
    } else if (ce.lastRunId !== last.runId) {
      end = 'not recorded';
      fail(PACKAGE_FILES.manifest, `chainEnds names ${ce.lastRunId} as the last run of chain ${chain}, but the package's last run of that chain is ${last.runId}: the package manifest does not describe the runs it holds; obtain the package again from the organisation`);
    } else if (ce.next) {
      const nd = idDay(ce.next.runId);
      end = `when the package was built the store held ${ce.next.runId}${nd ? ` (${nd})` : ''} next, after the period`;
      why = `; manifest.json, signed by the package key alone, records that the next run the store held was ${ce.next.runId}, dated ${nd ?? 'an unknown day'}: if that record is true, no run of this chain was sealed in those days (\`evidence-locker verify --store\` shows the store itself)`;
      if (!nd) warn(`runs/${last.runId}`, `chain ${chain}: the run the store held after the package's last run, ${ce.next.runId}, has no date in its id: whether runs at the end of the period were left out cannot be told`);
      else if (attestation ? nd <= to : nd >= from && nd <= to) {
        end = `the store held ${ce.next.runId} (${nd}) next, inside the period`;
        fail(`runs/${last.runId}`, `chain ${chain}: when the package was built (${manifest.builtAt ?? 'build time not recorded'}) the evidence store held run ${ce.next.runId}, dated ${nd} inside the period ${from} to ${to}, after the package's last run ${last.runId} (${lastDay}): ${leftOut}`);
      }
    } else {
      end = `${last.runId} was, by manifest.json, the chain's last run dated within the period when the package was built${manifest.builtAt ? ` (${manifest.builtAt})` : ''}`;
      why = '; manifest.json, signed by the package key alone, records that no later run of this chain dated within the period was in the store when the package was built: if that record is true, none was sealed in those days (`evidence-locker verify --store` shows the store itself)';
    }
    const endDay = builtDay && builtDay < to ? builtDay : to;
    const endGap = periodic && lastDay < endDay ? dayNumber(endDay) - dayNumber(lastDay) : 0;
    if (endGap) warn(`runs/${last.runId}`, `chain ${chain}: the last run in the package is ${last.runId} on ${lastDay}; the ${days(endGap)} ${dayAfter(lastDay, 1)} to ${endDay} at the end of the period have no run of this chain${why}`);
    out.push({ chain, runs: list.length, firstRunId: first.runId, firstDay, lastRunId: last.runId, lastDay, start, end });
  }
  return out;
}

/**
 * The missing shards manifest.json lists (report.pdf's "Missing shards", index.html's gaps) are those of the runs the
 * package holds: each run's signed shard field says which shard of how many it is and the slot it belongs to, so a
 * slot whose other shards are not held is missing them whatever the package key signed. Without this check a package
 * rebuilt with the package key alone could leave out every run of one shard's chain and say no shard is missing.
 */
function checkMissingShards({ fail, notRead }: PackageFolder, manifest: PackageManifest, runs: PackagedRun[]): void {
  if (runs.length !== manifest.runs.length || notRead.size) return; // a run not read cannot be counted either way
  const bySlot = (list: PackageManifest['missingShards']) => [...list].sort((a, b) => compareCodeUnits(a.slot, b.slot));
  const held = bySlot(missingShards(runs));
  const listed = bySlot(manifest.missingShards);
  if (canonicalJson(held) === canonicalJson(listed)) return;
  const show = (list: PackageManifest['missingShards']) => (list.length ? list.map((m) => `${m.slot}: ${m.missing.join(', ')} of ${m.count}`).join('; ') : 'none');
  fail(PACKAGE_FILES.manifest, `missingShards lists ${show(listed)}, but the runs the package holds, by their signed shard fields, are missing ${show(held)}: manifest.json, signed by the package key alone, misstates which shards were sealed (the report's "Missing shards" repeats it); obtain the package again from the organisation`);
}

/**
 * Evidence bodies: each named by its SHA-256, and every record in scope present. Bodies are found by the hash in
 * their name (only where it sits in the right fan-out folder), so records need no path built per record.
 */
function checkEvidenceBodies({ files, fail, checked, shaAt, notRead }: PackageFolder, runs: PackagedRun[], manifest: PackageManifest | undefined): void {
  const bodyAt = new Map<string, number>();
  files.forEach((p, i) => {
    const m = BODY_PATH.exec(p);
    if (p.startsWith('evidence/') && !m) {
      fail(p, 'unexpected file under evidence/ (bodies are evidence/objects/sha256/<2 hex>/<sha256>.json)');
      return;
    }
    if (m) {
      checked.bodies++;
      if (m[1] !== m[2].slice(0, 2)) fail(p, 'stored under the wrong fan-out folder');
      else bodyAt.set(m[2], i);
      if (shaAt(i) !== m[2]) fail(p, `content hashes to ${shaAt(i)}, not the SHA-256 in its name`);
    }
    const a = /^attestations\/([0-9a-f]{64})-/.exec(p);
    if (p.startsWith('attestations/') && (!a || shaAt(i) !== a[1])) fail(p, 'attestation document does not match the SHA-256 in its name');
  });
  const accounts = new Set(manifest?.accounts ?? []);
  for (const r of runs) {
    for (const rec of r.manifest.records) {
      const i = bodyAt.get(rec.sha256);
      if (i === undefined) {
        // Which accounts the package covers is in its manifest: unread, no missing body of a member record is claimed.
        const inScope = manifest ? packagedRecord(r.manifest.kind, rec, accounts) : r.manifest.kind === 'attestation' || !notRead.has(PACKAGE_FILES.manifest);
        if (inScope) fail(evidencePath(rec.sha256), `missing: evidence body of record ${rec.recordId} in run ${r.runId}`);
        continue;
      }
      checked.records++;
      if (shaAt(i) !== rec.sha256) fail(files[i], `record ${rec.recordId} in run ${r.runId}: body hashes to ${shaAt(i)}, not ${rec.sha256}`);
    }
  }
}

/**
 * The day from which evidence-index.csv has its present columns (`evidence_kind` and `as_of` were added on 2026-12-03):
 * the index of a package built on or after it (`builtAt`), or holding a run completed on or after it (`generatedAt`,
 * signed by that run's key), is checked against its runs; an older package's is not (it is named as not checked).
 */
export const EVIDENCE_INDEX_CHECKED_FROM = '2026-12-04';

/**
 * evidence-index.csv maps each `E-` reference the results cite (controls.csv, findings.csv, the report, OSCAL) to an
 * evidence record: run, record, account, region, query, time, status, body. Only the package key signs the file, yet it
 * follows from the runs alone (their signed records, in the order a package reads its runs, for the package's
 * accounts): it is written again from the signed run manifests here, and any difference is INVALID, naming the first
 * line that differs. Otherwise the holder of the package key could point a reference at another account's record, or
 * at a passing record for a failing result, with every signature and `--recompute` still agreeing.
 * Checked only when every run the package lists was read (a run left unread has no records to write it from).
 */
async function checkEvidenceIndex({ fail, shaAt, index, abs, notRead }: PackageFolder, manifest: PackageManifest, runs: PackagedRun[]): Promise<'checked' | 'not-checked'> {
  const path = PACKAGE_FILES.evidenceCsv;
  const at = index.get(path);
  if (at === undefined) {
    fail(path, 'missing: every package holds the evidence index its results cite by reference');
    return 'not-checked';
  }
  if (notRead.size || runs.length !== manifest.runs.length) return 'not-checked';
  const last = runs.reduce((m, r) => (r.manifest.completedAt > m ? r.manifest.completedAt : m), '');
  if ((manifest.builtAt ?? '') < EVIDENCE_INDEX_CHECKED_FROM && last < EVIDENCE_INDEX_CHECKED_FROM) return 'not-checked';
  const simulated = manifest.simulated === true || runs.some((r) => r.manifest.simulated === true);
  const cells = csvCellsOfRevision(await summaryRevisionOf(abs('')));
  const accounts = new Set(manifest.accounts);
  const ordered = packageRunOrder(runs);
  // Written once to hash it; a second time, line by line, only to name where the package's file departs from it.
  const written = function* (): Generator<string> {
    const refs = new EvidenceReferences();
    yield csvMark(simulated, cells).header(EVIDENCE_CSV_HEADER);
    for (const r of ordered) yield evidenceCsvRows({ ...r.manifest, runId: r.runId }, accounts, refs, simulated, cells);
  };
  const hash = createHash('sha256');
  for (const chunk of written()) hash.update(chunk, 'utf8');
  const expected = hash.digest('hex');
  const actual = shaAt(at);
  if (actual === undefined || actual === expected) return 'checked';
  const expectedLines = (function* () {
    for (const chunk of written()) for (const line of chunk.split('\r\n').slice(0, -1)) yield line;
  })();
  const lines = createInterface({ input: createReadStream(abs(path), { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let where = '';
  for await (const line of lines) {
    n++;
    const want = expectedLines.next();
    if (want.done) {
      where = `line ${n} is ${clipLine(line)}, a line the runs' records do not give (they give ${n - 1} lines)`;
      break;
    }
    if (line !== want.value) {
      where = `line ${n} is ${clipLine(line)}, the runs' signed records give ${clipLine(want.value)}`;
      break;
    }
  }
  lines.close();
  if (!where) {
    const want = expectedLines.next();
    where = want.done ? 'the same lines, other bytes (line ends or a missing last line end)' : `it ends after line ${n}, the runs' signed records give more, first ${clipLine(want.value)}`;
  }
  fail(path, `is not the index of the package's evidence records that its runs' signed manifests give (each record of the package's accounts, runs in the order the package reads them, its reference E- number in that order): ${where}; the references the results cite (controls.csv, findings.csv, testing-procedures.csv, population.csv, report.pdf, index.html, OSCAL) cannot be taken to name the records it says`);
  return 'checked';
}

function clipLine(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 197)}...` : line);
}

/** Every signature is by a key whose fingerprint was confirmed out of band for that role (package manifest or run). */
function checkExpectedKeys({ fail }: PackageFolder, keys: Map<string, SigningKeyInfo>, expected: PinnedRoles): void {
  const same = samePins(expected);
  for (const k of keys.values()) {
    const runs = k.signs.filter((s) => s !== 'package');
    if (same) {
      if (!expected.run.has(k.keyFingerprint)) fail(k.signs[0] === 'package' ? PACKAGE_FILES.signature : `runs/${k.signs[0]}`, `signed with key ${k.keyFingerprint} (${k.keyId}), which is not one of the expected keys`);
      continue;
    }
    if (k.signs.includes('package') && !expected.package.has(k.keyFingerprint)) fail(PACKAGE_FILES.signature, `signed with key ${k.keyFingerprint} (${k.keyId}), which is not a key pinned for the package manifest (${ROLE_OPTIONS.package})`);
    if (runs.length && !expected.run.has(k.keyFingerprint)) fail(`runs/${runs[0]}`, `signed with key ${k.keyFingerprint} (${k.keyId}), which is not a key pinned for run manifests (${ROLE_OPTIONS.run})`);
  }
}

/** What the verification says about the results (controls.csv and the rest): the builder's statement, or recomputed. */
function resultsLines(v: PackageVerification): string[] {
  const r = v.recompute;
  const files = 'controls.csv, findings.csv, testing-procedures.csv, population.csv, summary.json and the report, HTML and OSCAL views';
  if (!r) {
    return [
      `  results (${files}): the builder's statement. The signatures show who built the package and that nothing changed since;`,
      '  they do not show the results follow from the evidence. `--recompute` evaluates the sealed evidence again and compares them.',
    ];
  }
  const lines: string[] = [];
  const by = r.builtBy ? `built by ${r.builtBy.name} ${r.builtBy.version}` : `built by ${v.manifest?.tool.name ?? 'an unknown tool'} ${v.manifest?.tool.version ?? ''}`.trimEnd();
  lines.push(`  results recompute (${by}; recomputed by ${r.recomputedBy.name} ${r.recomputedBy.version}):`);
  for (const n of r.notes) lines.push(`    note: ${n}`);
  const absent = r.notInPackage?.length ? `not in this package's summary (written by an earlier build), so not compared: summary.json ${r.notInPackage.join(', ')}` : '';
  if (r.ran && !r.problems.length && absent) {
    lines.push(`    ${r.compared.join(', ')}: identical except fields not in this package: every value both have is the same as re-derived from the package's sealed evidence with the evaluation inputs manifest.json records (the OSCAL, report and HTML views are not compared)`);
    lines.push(`    ${absent}`);
  } else if (r.ran && !r.problems.length) lines.push(`    ${r.compared.join(', ')}: the same as re-derived from the package's sealed evidence with the evaluation inputs manifest.json records (the OSCAL, report and HTML views are not compared)`);
  else if (r.ran) {
    lines.push(`    ${r.problems.length} difference(s) between the package's results and those re-derived from its sealed evidence: listed below`);
    if (absent) lines.push(`    ${absent}`);
  }
  else if (r.problems.length) lines.push('    not recomputed: listed below');
  return lines;
}

/** Human-readable verification report, one problem per line. */
export function formatVerification(v: PackageVerification, label: string): string {
  const lines: string[] = [];
  if (v.simulated) lines.push('SIMULATED — NOT EVIDENCE: the runs in this package were collected from the simulated AWS (demo), not from real accounts');
  if (v.signingKeyFingerprints.length > 1) {
    lines.push(`WARNING: this package and its runs are signed by ${v.signingKeyFingerprints.length} different keys; confirm every one of them with the organisation, or pin the trusted ones with --expect-key`);
  }
  if (v.manifest) {
    lines.push(`package ${label}`);
    lines.push(`  organisation ${v.manifest.organization}; frameworks ${v.manifest.frameworks.map((f) => f.id).join(', ')}; period ${v.manifest.period.from} to ${v.manifest.period.to}`);
  }
  if (v.manifest?.builtAt) lines.push(`  built ${v.manifest.builtAt}; last sealed run ${v.manifest.generatedAt}`);
  else if (v.manifest) lines.push(`  build time not recorded (a package of an older evidence-locker); last sealed run ${v.manifest.generatedAt}`);
  if (v.packageId) lines.push(`  package id (SHA-256 of manifest.json) ${v.packageId}`);
  if (v.ids) {
    lines.push(
      v.ids.contentIdRecomputed
        ? `  evidence set id (report cover) ${v.ids.contentId}: recomputed from manifest.json (organisation, frameworks, period, accounts, each run by its manifest SHA-256, exceptions register, scope, entity)`
        : `  evidence set id (report cover) ${v.ids.contentId}: NOT recomputed: manifest.json records no evaluation inputs (a package of an older evidence-locker), so not the exceptions register and scope it covers`,
    );
    if (v.ids.evaluationId) lines.push(`  evaluation inputs id (report cover) ${v.ids.evaluationId}: recomputed (SHA-256 of the canonical JSON of manifest.json's "evaluation")`);
  }
  lines.push(`  checked ${v.checked.files} files, ${v.checked.runs} run manifests, ${v.checked.chainLinks} chain links, ${v.checked.records} evidence records, ${v.checked.bodies} bodies`);
  const times = v.manifest?.evaluation?.backDatingChecks;
  if (times) {
    // The package holds no store write times: what the build compared is its builder's statement, signed with the package key.
    lines.push(
      `  store write times (compared when the package was built, by whoever holds the package key; not repeatable here, the package holds none: run verify --store against the bucket): ` +
        `run files ${times.writeTimesChecked ? 'compared with each run\'s completion and day' : 'not compared (a store whose write times its writer can set)'}; ` +
        `every evidence body and run file a collection run seals ${times.bodyWriteTimesChecked ? 'compared with the write time of the start file that dated the run (not before it, not after the run\'s span)' : times.bodyWriteTimesChecked === false ? 'not compared with its start file' : 'not compared with its start file (not recorded: a package of an older evidence-locker)'}`,
    );
  }
  lines.push('  signing keys (confirm these fingerprints with the organisation out of band):');
  const byRole = v.pinnedPackageKeys.join() !== v.pinnedRunKeys.join();
  const some = (ids: string[]) => (ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', '));
  for (const k of v.keys) lines.push(`    ${k.keyFingerprint}  ${k.keyId}  ${k.algorithm}  signs ${some(k.signs)}`);
  // Keys read beside manifests left unread: named, so the assessor sees who signed, but never as having signed anything verified.
  for (const k of v.unreadKeys) {
    const where = some(k.beside.map((b) => (b === 'package' ? PACKAGE_FILES.manifest : runPath(b, 'manifest.json'))));
    lines.push(
      k.pinned
        ? `    ${k.keyFingerprint}  an expected key, but its signature does not verify over ${where}; not read, nothing it signs there was verified`
        : `    ${k.keyFingerprint}  NOT EXPECTED (${byRole ? 'not a key pinned for what it signs: --expect-key, --expect-package-key, --expect-run-key' : 'not a key given with --expect-key'}): the public-key.pem beside ${where}; not read, nothing it signs was verified`,
    );
  }
  if (!v.keys.length && !v.unreadKeys.length) lines.push('    (none could be read)');
  if (byRole) lines.push(`  pinned for the package manifest: ${v.pinnedPackageKeys.join(', ') || '(none)'}; for run manifests: ${v.pinnedRunKeys.join(', ') || '(none)'}`);
  if (v.chains.length) lines.push('  runs by chain (what the package can show of its period):');
  for (const c of v.chains) {
    lines.push(`    ${c.chain}: ${c.runs} run(s), ${c.firstDay} (${c.firstRunId}) to ${c.lastDay} (${c.lastRunId})`);
    lines.push(`      start: ${c.start}`);
    lines.push(`      end: ${c.end}`);
  }
  if (v.attestations?.length) {
    lines.push("  attestations (the attester's name is as they wrote it; the caller and key are what evidence-locker recorded when sealing):");
    for (const a of v.attestations.slice(0, 50)) {
      lines.push(`    ${a.framework} ${a.requirement}, run ${a.runId}: ${a.sealer}; run signed by ${a.signedBy.packageKey ? "the package's key" : `key ${a.signedBy.keyFingerprint}, NOT the package's key`}`);
    }
    if (v.attestations.length > 50) lines.push(`    and ${v.attestations.length - 50} more`);
  }
  for (const w of v.warnings) lines.push(`WARNING (period coverage): ${w.path}: ${w.message}`);
  for (const r of v.refusedSeals ?? []) {
    lines.push(`SEAL REFUSED: ${r.day}, chain ${r.chain}: ${refusalWords(r.attempts)}; ${r.path} is signed by a key of the package's runs${r.namedBy ? ` and named by run ${r.namedBy}` : ', named by no run in the package'}. No evidence of that collection was sealed: the day is a gap, not a pass; the record proves the collector refused the seal, not what the evidence said (a holder of the signing key could write one too)`);
  }
  lines.push(...endpointLines(v.endpoints));
  lines.push(...resultsLines(v));
  // A package whose evidence did not all come from AWS is never called AWS's record, however well it is signed.
  const notAws = v.endpoints?.notAwsRecords ? ` (EVIDENCE NOT FROM AWS ENDPOINTS: ${v.endpoints.notAwsRecords} of ${v.endpoints.records} collection records, see above)` : '';
  // Runs stored on S3 whose write times the package records no check of: named on the result line itself.
  const unchecked = writeTimesLines(v.writeTimesNotChecked);
  if (v.ok && !v.pinnedKeys.length) {
    // Unpinned, the signatures were checked against keys the package itself carries: anyone can re-sign a package.
    const fps = v.signingKeyFingerprints;
    lines.push(`VALID${unchecked.qualifier}: every hash, signature and chain link checks out${v.simulated ? ' (SIMULATED \u2014 NOT EVIDENCE)' : ''}${notAws}, but NO KEY WAS PINNED (--expect-key):`);
    lines.push(...unchecked.lines);
    lines.push('  this only shows the package is internally consistent, checked against the keys it carries itself; whoever alters a');
    lines.push('  package can sign it again with a key of their own and it still reads VALID here. Compare every fingerprint below with');
    lines.push('  one obtained from the organisation out of band (never from this package):');
    for (const k of v.keys) lines.push(`    ${k.keyFingerprint}  signs ${some(k.signs)}`);
    // The command names no fingerprint read from the package: copying those would pin whatever key signed it.
    if (fps.length) lines.push(`  then verify again pinned: evidence-locker verify ${label} --expect-key <fingerprint the organisation gave you>`);
  } else if (v.ok) {
    lines.push(`VALID${unchecked.qualifier}: every hash, signature and chain link checks out${v.simulated ? ' (SIMULATED \u2014 NOT EVIDENCE)' : ''}${notAws}; every signature is by ${byRole ? 'a key pinned for what it signs' : 'a pinned key'}${v.warnings.length ? `; read the ${v.warnings.length} period coverage warning(s) above` : ''}`);
    lines.push(...unchecked.lines);
    const pkgKey = v.keys.filter((k) => k.signs.includes('package')).map((k) => k.keyFingerprint);
    const runKeys = v.keys.filter((k) => k.signs.some((s) => s !== 'package')).map((k) => k.keyFingerprint);
    lines.push(`  package manifest signed by ${pkgKey.join(', ') || '(none)'}; runs signed by ${runKeys.join(', ') || '(none)'}`);
  } else {
    lines.push(`INVALID: ${v.problems.length} problem(s)`);
    for (const p of v.problems) lines.push(`  ${p.path}: ${p.message}`);
  }
  // Paths and names come from the package itself: none may move the cursor or start a line of its own.
  return lines.map(terminalLine).join('\n') + '\n';
}
