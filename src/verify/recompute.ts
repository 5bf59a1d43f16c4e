import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../evidence/hash.js';
import { canonicalJson } from '../seal/canonical.js';
import type { EvidenceStore, PreflightCheck, RunToStore, SealRefusalShelf, StoreDescription, StoredObject, StoredRun } from '../evidence/store.js';
import type { EvaluateRunInput } from '../evaluate/engine.js';
import type { ControlResult } from '../evaluate/types.js';
import { CatalogSchema, type Catalog } from '../controls/schema.js';
import { loadCatalogs } from '../controls/load.js';
import { ProcedureMapSchema, earlierBuiltInInput, loadProcedureMap, type ProcedureMap } from '../controls/procedures.js';
import type { ExceptionEntry } from '../package/exceptions.js';
import type { Config } from '../config/schema.js';
import { computePackageResults, inputSha256, RECOMPUTED_FILES } from '../package/build.js';
import { csvCellsOfRevision, summaryRevisionOf } from './summary-revision.js';
import { SUMMARY_FIELDS_SINCE, SUMMARY_MEANING_SINCE, SUMMARY_REVISION, leastSummaryRevision } from '../package/assessor.js';
import { PACKAGE_FILES, type PackageManifest } from '../package/manifest.js';
import type { ManifestSigner } from '../seal/signer.js';
import { trustPolicy } from '../seal/trust.js';
import { LocalEvidenceStore } from '../store/local.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { VerificationProblem } from './package.js';
import { parseCsv } from '../csv-parse.js';
import { terminalLine } from '../log/terminal.js';

export interface RecomputeOptions {
  /** The evaluation engine (default: the tool's own, as `package` uses); tests give the one their packages were built with. */
  evaluate?: (input: EvaluateRunInput) => Promise<ControlResult[]>;
}

/** What `verify --recompute` found: the package's results against those re-derived from its sealed evidence. */
export interface RecomputeReport {
  /** The evaluation ran and its results were compared. */
  ran: boolean;
  /** The tool recorded in manifest.json as having built the package (absent in packages of older versions). */
  builtBy?: { name: string; version: string };
  recomputedBy: { name: string; version: string };
  /** Files compared, in order. */
  compared: string[];
  /** Differences (and reasons it could not run), each naming the file and, for result rows, requirement, account and both values. */
  problems: VerificationProblem[];
  /** What the assessor should know about the comparison (another tool version, inputs of this version used). */
  notes: string[];
  /**
   * summary.json fields (dotted paths) the recomputed summary has and the package's lacks because an earlier build
   * wrote it: one that recorded no `summaryRevision`, or a revision before the field was added. Not compared and not a
   * difference; every field both have is. Absent: none.
   */
  notInPackage?: string[];
}

/** Most differences named per file; the count of the rest is given. */
const MAX_PER_FILE = 20;

/**
 * The unzipped package as a read-only evidence store: sealed runs under `runs/`, bodies under `evidence/objects/`,
 * the same layout as a local store. Every write is refused.
 */
export class PackageEvidenceStore implements EvidenceStore {
  readonly kind = 'local' as const;
  private readonly runs: LocalEvidenceStore;
  private readonly bodies: LocalEvidenceStore;
  /** The signed refusal records the package carries (`refusals/`, the store's own layout); never written to. */
  readonly sealRefusals: SealRefusalShelf;
  constructor(private readonly root: string) {
    this.runs = new LocalEvidenceStore(root);
    this.bodies = new LocalEvidenceStore(join(root, 'evidence'));
    const runs = this.runs;
    this.sealRefusals = {
      putRefusal: () => Promise.reject(new EvidenceLockerError('a package is read-only: verify --recompute writes nothing into it')),
      listRefusals: () => runs.listRefusals(),
      readRefusal: (ref, maxBytes) => runs.readRefusal(ref, maxBytes),
    };
  }
  describe(): StoreDescription {
    return { kind: 'local', location: this.root, note: 'the sealed runs and evidence bodies of an auditor package, read-only' };
  }
  async preflight(): Promise<PreflightCheck[]> {
    return [];
  }
  putObject(): Promise<StoredObject> {
    return Promise.reject(new EvidenceLockerError('a package is read-only: verify --recompute writes nothing into it'));
  }
  putRun(_run: RunToStore): Promise<void> {
    return Promise.reject(new EvidenceLockerError('a package is read-only: verify --recompute writes nothing into it'));
  }
  getObject(sha256: string, expectedSize?: number): Promise<Buffer> {
    return this.bodies.getObject(sha256, expectedSize);
  }
  hasObject(sha256: string): Promise<boolean> {
    return this.bodies.hasObject(sha256);
  }
  getRun(runId: string): Promise<StoredRun> {
    return this.runs.getRun(runId);
  }
  listRuns(): Promise<string[]> {
    return this.runs.listRuns();
  }
  listObjectHashes(): Promise<string[]> {
    return this.bodies.listObjectHashes();
  }
}

/** Signs nothing: the recompute writes no package; it names the package's own signing key as the build did. */
function packageKeyStandIn(manifest: PackageManifest, publicKeyPem: string): ManifestSigner {
  return {
    algorithm: manifest.signing.algorithm,
    keyId: manifest.signing.keyId,
    publicKeyPem: () => Promise.resolve(publicKeyPem),
    fingerprint: () => Promise.resolve(manifest.signing.keyFingerprint),
    sign: () => Promise.reject(new EvidenceLockerError('verify --recompute signs nothing')),
  };
}

/**
 * Evaluates the package's own sealed runs and bodies again with the evaluation inputs its signed manifest records,
 * offline, and compares the result files (controls.csv, findings.csv, testing-procedures.csv, population.csv,
 * summary.json) with the package's. Call only on a folder whose hashes and signatures verified.
 */
export async function recomputePackageDir(root: string, manifest: PackageManifest, opts: RecomputeOptions = {}): Promise<RecomputeReport> {
  const recomputedBy = { name: TOOL_NAME, version: TOOL_VERSION };
  const problems: VerificationProblem[] = [];
  const notes: string[] = [];
  const ev = manifest.evaluation;
  if (!ev) {
    problems.push({
      path: PACKAGE_FILES.manifest,
      message: `records no evaluation inputs (built by ${manifest.tool.name} ${manifest.tool.version}, before they were recorded): its results cannot be re-derived from its evidence; they are the builder's statement only`,
    });
    return { ran: false, recomputedBy, compared: [], problems, notes };
  }
  const builtBy = ev.tool;
  const sameVersion = builtBy.name === recomputedBy.name && builtBy.version === recomputedBy.version;
  if (!sameVersion) {
    notes.push(`built by ${builtBy.name} ${builtBy.version}, recomputed by ${recomputedBy.name} ${recomputedBy.version}: differences may come from the two versions' evaluations, not from the package; recompute with ${builtBy.name} ${builtBy.version} to tell`);
  }
  if (ev.engine !== 'built-in' && !opts.evaluate) {
    notes.push(`manifest.json says the results were computed by an evaluation a program supplied, not ${builtBy.name}'s own; recomputed with ${recomputedBy.name}'s own evaluation`);
  }

  let builtIn: Catalog[] | undefined;
  const builtInCatalogs = () => (builtIn ??= loadCatalogs([]));
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const inputs = { problems, notes, root, listed, builtBy, recomputedBy };
  const catalogs: Catalog[] = [];
  for (const c of ev.catalogs) {
    const own = builtInCatalogs().find((x) => x.framework === c.framework);
    const input = await recordedInput(inputs, c, { kind: 'catalog', label: 'catalog', schema: CatalogSchema, own: () => own });
    if (input !== undefined) catalogs.push(input as Catalog);
  }
  const procedureMaps: ProcedureMap[] = [];
  for (const m of ev.procedureMaps) {
    const catalog = builtInCatalogs().find((x) => x.framework === m.framework);
    const input = await recordedInput(inputs, m, { kind: 'procedure-map', label: 'map', schema: ProcedureMapSchema, own: () => (catalog ? loadProcedureMap(catalog) : undefined) });
    if (input !== undefined) procedureMaps.push(input as ProcedureMap);
  }
  if (problems.length) return { ran: false, builtBy, recomputedBy, compared: [], problems, notes };

  // A summary of a revision before the runs that prove no day stopped counting as collected and searched: computed as built.
  const builtRevision = await summaryRevisionOf(root);
  const oldCoverage = builtRevision === undefined || builtRevision < SUMMARY_MEANING_SINCE.notCreditedRunsCoverNothing;
  if (oldCoverage && ev.runsNotCredited?.length) {
    notes.push(`summary.json is of revision ${builtRevision ?? '(none)'}, before ${SUMMARY_MEANING_SINCE.notCreditedRunsCoverNothing}: its regions collected and event searches count the ${ev.runsNotCredited.length} run(s) that prove no day, as that build counted them; recomputed so (this version leaves them out)`);
  }
  // The result files as the package's build wrote them: of its summary's revision, or of the least every build of its
  // day writes when it states less (a lowered revision drops no column).
  const least = leastSummaryRevision(manifest);
  const resultsRevision = least && (builtRevision === undefined || builtRevision < least.revision) ? least.revision : (builtRevision ?? 1);
  // A build before procedure notes ended with their mapping's `shows` text printed none: recomputed so.
  const withoutShows = resultsRevision < SUMMARY_MEANING_SINCE.procedureNotesEndWithShows;
  if (withoutShows && procedureMaps.some((m) => m.procedures.some((p) => p.shows))) {
    notes.push(`summary.json is of revision ${builtRevision ?? '(none)'}, before ${SUMMARY_MEANING_SINCE.procedureNotesEndWithShows}: that build ended no procedure note with what its checks show; recomputed so (this version prints them)`);
  }
  const maps = withoutShows ? procedureMaps.map((m) => ({ ...m, procedures: m.procedures.map(({ shows: _shows, ...p }) => p) })) : procedureMaps;
  // CSV cells of a build before revision 7 hold the collected text verbatim: recomputed so.
  const csvCells = csvCellsOfRevision(resultsRevision);
  const scratch = await mkdtemp(join(tmpdir(), 'evidence-locker-recompute-'));
  let recomputed: Map<string, Buffer>;
  try {
    const publicKeyPem = await readFile(join(root, PACKAGE_FILES.publicKey), 'utf8');
    const result = await computePackageResults({
      store: new PackageEvidenceStore(root),
      signer: packageKeyStandIn(manifest, publicKeyPem),
      trust: trustPolicy(ev.trustedKeys),
      catalogs,
      frameworks: ev.frameworks,
      from: ev.period.from,
      to: ev.period.to,
      ...(ev.accountsSelected ? { accounts: ev.accounts } : {}),
      outDir: scratch,
      organization: ev.organization,
      parameterOverrides: ev.parameterOverrides as Config['parameters'],
      scope: ev.scope as Config['scope'],
      exceptions: ev.exceptions as ExceptionEntry[],
      ...(ev.entity ? { entity: ev.entity as Config['entity'] } : {}),
      procedureMaps: maps,
      simulated: ev.simulated,
      notesPages: ev.notesPages,
      builtAt: new Date(ev.builtAt),
      ...(ev.backDatingChecks
        ? { maxSealDelayMs: ev.backDatingChecks.maxSealDelayMs, maxRunSpanMs: ev.backDatingChecks.maxRunSpanMs, recordedBackDating: { writeTimesChecked: ev.backDatingChecks.writeTimesChecked, ...(ev.backDatingChecks.bodyWriteTimesChecked !== undefined ? { bodyWriteTimesChecked: ev.backDatingChecks.bodyWriteTimesChecked } : {}), runsNotCredited: ev.runsNotCredited ?? [], ...(ev.unsealedStarts ? { unsealedStarts: ev.unsealedStarts } : {}) } }
        : {}),
      ...(oldCoverage ? { notCreditedRunsCover: true } : {}),
      // Built before revision 7: its procedure notes are written as that build wrote them.
      ...(resultsRevision < SUMMARY_MEANING_SINCE.revision7ProcedureNotes ? { revision6Notes: true } : {}),
      ...(resultsRevision < SUMMARY_REVISION ? { resultsRevision } : {}),
      csvCells,
      ...(opts.evaluate ? { evaluate: opts.evaluate } : {}),
    });
    recomputed = result.files;
    // The evidence set the recomputation read (the runs it gathered from the package, by their manifests' SHA-256).
    if (result.contentId !== manifest.contentId) {
      problems.push({ path: PACKAGE_FILES.manifest, message: `contentId ${manifest.contentId} (the evidence set id on the report cover) differs from the id of the evidence set recomputed from the package's sealed runs with its recorded inputs, ${result.contentId}` });
    }
  } catch (err) {
    problems.push({ path: PACKAGE_FILES.manifest, message: `the results could not be re-derived from the package's evidence with its recorded inputs: ${(err as Error).message}` });
    return { ran: false, builtBy, recomputedBy, compared: [], problems, notes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const compared: string[] = [];
  const notInPackage: string[] = [];
  for (const path of RECOMPUTED_FILES) {
    const expected = recomputed.get(path);
    if (!expected) continue;
    compared.push(path);
    let actual: Buffer;
    try {
      actual = await readFile(join(root, ...path.split('/')));
    } catch {
      problems.push({ path, message: 'missing: the recomputed results have this file' });
      continue;
    }
    if (actual.equals(expected)) continue;
    // JSON: the same values in another key order are the same results (the recorded scope is canonical JSON, key order not kept).
    if (path === PACKAGE_FILES.summary && sameJson(actual, expected)) continue;
    let found: string[];
    if (path === PACKAGE_FILES.summary) {
      const summary = summaryDifferences(actual, expected, least);
      notInPackage.push(...summary.notInPackage);
      notes.push(...summary.notes);
      if (summary.same) continue;
      found = summary.differences;
    } else found = csvDifferences(actual, expected);
    const shown = found.slice(0, MAX_PER_FILE);
    // The values quoted are cell and field text as the package holds it: each difference on one line with control,
    // bidirectional and zero-width characters as visible escapes (\u202e), in --json as on the terminal.
    for (const message of shown) problems.push({ path, message: `${terminalLine(message)} (recomputed from the sealed evidence${sameVersion ? '' : ` by ${recomputedBy.name} ${recomputedBy.version}`})` });
    if (found.length > MAX_PER_FILE) problems.push({ path, message: `and ${found.length - MAX_PER_FILE} more difference(s) from the recomputed results` });
    if (!found.length) problems.push({ path, message: 'differs from the results recomputed from the sealed evidence (same rows and values; layout or bytes differ)' });
  }
  return { ran: true, builtBy, recomputedBy, compared, problems, notes, ...(notInPackage.length ? { notInPackage } : {}) };
}

interface RecordedInputContext {
  problems: VerificationProblem[];
  notes: string[];
  /** The unzipped package. */
  root: string;
  /** manifest.json's file list (path to SHA-256), which verify checked against the folder. */
  listed: ReadonlyMap<string, string>;
  builtBy: { name: string; version: string };
  recomputedBy: { name: string; version: string };
}

/**
 * The catalog or procedure map a package's `evaluation` records, for the recomputation, or undefined (a problem says why).
 * Its copy in the package when it names one (`path`; packages built since built-in inputs are embedded): one that says
 * it was the built-in one is confirmed only when this version has or keeps an input of that SHA-256, and a note says
 * which. Without `path` (a built-in input of an older build): this version's own, or an earlier one it keeps by SHA-256.
 */
async function recordedInput(
  ctx: RecordedInputContext,
  entry: { framework: string; sha256: string; builtIn: boolean; path?: string | undefined },
  how: { kind: 'catalog' | 'procedure-map'; label: 'catalog' | 'map'; schema: typeof CatalogSchema | typeof ProcedureMapSchema; own: () => Catalog | ProcedureMap | undefined },
): Promise<unknown> {
  const { problems, notes, builtBy, recomputedBy } = ctx;
  const noun = how.kind === 'catalog' ? 'catalog' : 'procedure map';
  const what = `${noun} ${entry.framework}`;
  const builtInOf = `the built-in ${how.label} of ${builtBy.name} ${builtBy.version}`;
  const recomputer = `${recomputedBy.name} ${recomputedBy.version}`;
  // An input of an earlier build, kept by its SHA-256 (what it reads is checked against the name).
  const kept = () => {
    const earlier = earlierBuiltInInput(how.kind, entry.framework, entry.sha256);
    return earlier !== undefined && how.schema.safeParse(earlier).success && inputSha256(earlier) === entry.sha256 ? earlier : undefined;
  };
  if (entry.path !== undefined) {
    const path = entry.path;
    // Only a file manifest.json lists (verify checked each against the folder): never a path outside the package.
    if (ctx.listed.get(path) !== entry.sha256) {
      problems.push({ path, message: `${what}: manifest.json "evaluation" names this file with SHA-256 ${entry.sha256}, but its file list ${ctx.listed.has(path) ? `records ${ctx.listed.get(path)}` : 'does not list it'}` });
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(join(ctx.root, ...path.split('/')));
    } catch {
      problems.push({ path, message: `${what}: the embedded file manifest.json names is missing` });
      return undefined;
    }
    if (sha256Hex(bytes) !== entry.sha256) {
      problems.push({ path, message: `${what}: hashes to ${sha256Hex(bytes)}, manifest.json "evaluation" records ${entry.sha256}` });
      return undefined;
    }
    const raw = JSON.parse(bytes.toString('utf8')) as unknown;
    const parsed = how.schema.safeParse(raw);
    if (!parsed.success) {
      problems.push({ path, message: `${what}: not a ${noun} (${parsed.error.issues[0]?.message ?? 'invalid'})` });
      return undefined;
    }
    if (entry.builtIn) {
      const own = how.own();
      const confirmedBy = own !== undefined && inputSha256(own) === entry.sha256 ? `${recomputer}'s own built-in ${how.label}` : kept() !== undefined ? `an earlier built-in ${how.label} ${recomputer} keeps` : undefined;
      notes.push(
        confirmedBy
          ? `${what}: recorded as ${builtInOf}; its SHA-256 ${entry.sha256} is that of ${confirmedBy}, so this version confirms it was the shipped one; recomputed with the copy in the package (${path})`
          : `${what}: recorded as ${builtInOf} (SHA-256 ${entry.sha256}); this version does not hold that ${how.label}, so it cannot confirm it was the shipped one; recomputed with the copy in the package (${path}), which the signed manifest lists`,
      );
    }
    return raw;
  }
  const own = how.own();
  if (!own) {
    problems.push({ path: PACKAGE_FILES.manifest, message: `${what}: recorded as ${builtInOf}, which ${recomputer} does not have` });
    return undefined;
  }
  if (inputSha256(own) !== entry.sha256) {
    // The input an earlier build had built in, kept by its SHA-256: the package's results are recomputed as it was built.
    const earlier = kept();
    if (earlier !== undefined) {
      notes.push(`${what}: the package was built with an earlier built-in ${how.label} (SHA-256 ${entry.sha256}), which ${recomputer} keeps; recomputed with it (this version's is ${inputSha256(own)})`);
      return earlier;
    }
    notes.push(`${what}: the built-in ${how.label} of ${recomputer} (SHA-256 ${inputSha256(own)}) is not the one that built the package (${entry.sha256}${how.kind === 'catalog' ? `, built-in in ${builtBy.name} ${builtBy.version}` : ''}); recomputed with this version's`);
  }
  return own;
}

/** Columns that identify a row of a result CSV, in the order they are named. */
const KEY_COLUMNS = ['finding_id', 'framework', 'requirement', 'procedure', 'account', 'region', 'resource', 'query'];

function clip(v: string | undefined): string {
  if (v === undefined) return '(no row)';
  return JSON.stringify(v.length > 160 ? `${v.slice(0, 157)}...` : v);
}

/** Row-by-row differences of a result CSV, keyed by its identifying columns: requirement, account, column, both values. */
function csvDifferences(actualBytes: Buffer, expectedBytes: Buffer): string[] {
  const actual = parseCsv(actualBytes.toString('utf8'));
  const expected = parseCsv(expectedBytes.toString('utf8'));
  const out: string[] = [];
  const header = expected[0] ?? [];
  if ((actual[0] ?? []).join(',') !== header.join(',')) out.push(`header is ${clip((actual[0] ?? []).join(','))}, recomputed ${clip(header.join(','))}`);
  const keyCols = KEY_COLUMNS.map((k) => [k, header.indexOf(k)] as const).filter(([, i]) => i >= 0);
  const keyed = (rows: string[][]) => {
    const m = new Map<string, string[]>();
    const seen = new Map<string, number>();
    for (const r of rows.slice(1)) {
      const base = keyCols.map(([k, i]) => `${k} ${r[i] ?? ''}`).join(', ') || `row ${m.size + 2}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      m.set(n > 1 ? `${base} (#${n})` : base, r);
    }
    return m;
  };
  const a = keyed(actual);
  const e = keyed(expected);
  for (const [key, er] of e) {
    const ar = a.get(key);
    if (!ar) {
      out.push(`${key}: no such row in the package; recomputed ${header.map((h, i) => `${h}=${er[i] ?? ''}`).filter((_, i) => !keyCols.some(([, k]) => k === i)).slice(0, 6).join(', ')}`);
      continue;
    }
    header.forEach((col, i) => {
      if ((ar[i] ?? '') !== (er[i] ?? '')) out.push(`${key}: ${col} is ${clip(ar[i])} in the package, ${clip(er[i])} recomputed`);
    });
  }
  for (const key of a.keys()) if (!e.has(key)) out.push(`${key}: row in the package that the recomputed results do not have`);
  return out;
}

function sameJson(a: Buffer, b: Buffer): boolean {
  try {
    return canonicalJson(JSON.parse(a.toString('utf8'))) === canonicalJson(JSON.parse(b.toString('utf8')));
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  // An empty object is a value of its own: `{}` in one and nothing in the other is a difference.
  if (isRecord(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, v === undefined ? 'undefined' : canonicalJson(v));
}

function clipJson(v: string | undefined): string {
  if (v === undefined) return '(absent)';
  return v.length > 200 ? `${v.slice(0, 197)}...` : v;
}


/** The revision that added a summary.json field (SUMMARY_FIELDS_SINCE, `*` matching any one key), or 1. */
function fieldSince(path: string): number {
  const parts = path.split('.');
  for (const [field, revision] of Object.entries(SUMMARY_FIELDS_SINCE)) {
    const f = field.split('.');
    if (f.length === parts.length && f.every((x, i) => x === '*' || x === parts[i])) return revision;
  }
  return 1;
}

/**
 * `expected` without the fields the package's summary lacks (at the first level it lacks them) that `excused` lets
 * go, each path added to `dropped`; every other field is kept for the comparison.
 */
function withoutAbsent(actual: unknown, expected: unknown, prefix: string, excused: (path: string) => boolean, dropped: string[]): unknown {
  // A list of as many entries in both is compared entry by entry (a field added to its entries, by index).
  if (Array.isArray(actual) && Array.isArray(expected) && actual.length === expected.length) return expected.map((v, i) => withoutAbsent(actual[i], v, `${prefix}.${i}`, excused, dropped));
  if (!isRecord(actual) || !isRecord(expected)) return expected;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(expected)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!Object.prototype.hasOwnProperty.call(actual, k) && excused(path)) dropped.push(path);
    else out[k] = withoutAbsent(actual[k], v, path, excused, dropped);
  }
  return out;
}

/**
 * Differences of summary.json by field path (statusCounts.<framework>.fail, failingResults, ...), with both values.
 * A field the package lacks and the recomputation has is not one when an earlier build wrote the package's summary
 * (no `summaryRevision`, or one before SUMMARY_FIELDS_SINCE says the field was added): it is named in `notInPackage`.
 * Every field both have must match; a field only the package has is a difference.
 */
function summaryDifferences(actualBytes: Buffer, expectedBytes: Buffer, least?: ReturnType<typeof leastSummaryRevision>): { same: boolean; differences: string[]; notInPackage: string[]; notes: string[] } {
  let actual: unknown;
  try {
    actual = JSON.parse(actualBytes.toString('utf8'));
  } catch {
    return { same: false, differences: ['not JSON'], notInPackage: [], notes: [] };
  }
  let expected = JSON.parse(expectedBytes.toString('utf8')) as unknown;
  const notes: string[] = [];
  const stated = isRecord(actual) ? actual.summaryRevision : undefined;
  let revision = typeof stated === 'number' && Number.isInteger(stated) && stated >= 1 ? stated : undefined;
  // A build of that day writes at least this revision: a lower one (or none) does not excuse the fields it lacks.
  const lowered: string[] = [];
  if (least && (revision === undefined || revision < least.revision) && isRecord(actual)) {
    lowered.push(
      `summaryRevision is ${stated === undefined ? '(absent)' : clipJson(canonicalJson(stated))} in the package, but manifest.json says it was ${least.why}, on or after ${least.from}, since when every build writes revision ${least.revision} or later: the revision was lowered or taken out, so the fields it lacks are not excused as written by an earlier build`,
    );
    revision = least.revision;
  }
  if (revision !== undefined && revision < SUMMARY_REVISION && isRecord(expected)) {
    // The revision the package's build wrote is the package's, not a difference of results.
    notes.push(`summary.json is of revision ${revision} (${TOOL_NAME} ${TOOL_VERSION} writes ${SUMMARY_REVISION}): fields added since are not in it`);
    expected = { ...expected, summaryRevision: revision };
  }
  if (revision !== undefined && revision > SUMMARY_REVISION) notes.push(`summary.json is of revision ${revision}, later than ${TOOL_NAME} ${TOOL_VERSION} writes (${SUMMARY_REVISION}): recompute with the version that built the package`);
  if (revision === undefined && isRecord(actual) && 'summaryRevision' in actual) notes.push(`summary.json records summaryRevision ${clipJson(canonicalJson(stated))}, not a revision`);
  const notInPackage: string[] = [];
  const compared = withoutAbsent(actual, expected, '', (path) => revision === undefined || fieldSince(path) > revision, notInPackage);
  if (!lowered.length && canonicalJson(actual) === canonicalJson(compared)) return { same: true, differences: [], notInPackage, notes };
  const a = new Map<string, string>();
  const e = new Map<string, string>();
  flatten(actual, '', a);
  flatten(compared, '', e);
  const out: string[] = [...lowered];
  for (const [k, v] of e) if (a.get(k) !== v && !(lowered.length && k === 'summaryRevision')) out.push(`${k} is ${clipJson(a.get(k))} in the package, ${clipJson(v)} recomputed`);
  for (const k of a.keys()) if (!e.has(k)) out.push(`${k} is ${clipJson(a.get(k))} in the package, absent recomputed`);
  return { same: false, differences: out, notInPackage, notes };
}
