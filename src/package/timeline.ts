import type { Catalog, Requirement } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import { EvidenceBodySchema, type EvidenceBody } from '../evidence/record.js';
import { evaluateRun, type AttestationRef, type EvaluateRunInput } from '../evaluate/engine.js';
import { RESOURCE_STATUSES } from '../queries/types.js';
import { CONTROL_STATUSES, type ControlResult, type ControlStatus, type EvidenceRef } from '../evaluate/types.js';
import type { RunManifest } from '../evidence/manifest.js';
import { EvidenceLockerError } from '../errors.js';
import { compareRunsInChain } from '../evidence/run-id.js';
import { sha256Hex } from '../evidence/hash.js';
import type { EvidenceStore } from '../evidence/store.js';
import { readRunManifest, runDay, type IncludedRun } from './gather.js';
import { daysOf, type PeriodDays } from '../evidence/period.js';
import { rowExceptions, type ExceptionStatus } from './exceptions.js';
import { scopeUsesTags } from '../config/scope.js';
import { TAGGING_QUERY_ID } from '../queries/tagging/resources.js';
import { ENABLED_REGIONS_QUERY_ID } from '../queries/account/enabled-regions.js';
import { asUntested, untestedKey, type UntestedRequirements } from './untested.js';
import { unsearchedReason, type UnsearchedInterval } from './event-windows.js';
import { raisedSeverity, type Severity } from './severity.js';

/** Worst first: what an auditor must look at before anything else. */
export const STATUS_SEVERITY: Record<ControlStatus, number> = { fail: 0, 'not-collected': 1, 'needs-review': 2, manual: 3, 'aws-portion-satisfied': 3.5, pass: 4, 'not-applicable': 5 };

export interface StatusChange {
  day: string;
  /** The run that judged the new state (`to`). */
  runId: string;
  /** The run that judged the state before (`from`), and its day: the same day as `day` when a later run of that day changed it. */
  fromRunId: string;
  fromDay: string;
  /** `status` for the requirement's own status, otherwise the resource whose result changed. */
  subject: string;
  from: string;
  to: string;
  detail: string;
}

export interface GapEntry {
  /** Day of the run that showed the gap, or the day with no run at all. */
  day: string;
  queryId: string;
  region: string;
  reason: string;
}

/**
 * Day codes in `RequirementTimeline.daily`: the status's index in CONTROL_STATUSES, plus EVALUATED when a run judged
 * that day, plus EARLIER_RUN when the status is a fail or needs-review an earlier run of the day found and the day's
 * last run did not.
 */
const EVALUATED = 0x80;
const EARLIER_RUN = 0x40;
const STATUS_MASK = 0x0f;
const STATUS_CODE = new Map(CONTROL_STATUSES.map((s, i) => [s, i]));
/** Resource states in the builder's compact history: the status's index here, plus 8 x the fold index of the run that judged it. */
const RESOURCE_CODE = new Map(RESOURCE_STATUSES.map((s, i) => [s, i]));

/** Status of day `i` of the period for a row. */
export function dayStatus(row: Pick<RequirementTimeline, 'daily'>, i: number): ControlStatus {
  return CONTROL_STATUSES[row.daily[i] & STATUS_MASK];
}

/**
 * Whether day `i`'s status comes from an earlier run of the day rather than its last: a run failed the requirement (or
 * found it needing review) and a later run of the same day judged it better. The day keeps the worse result.
 */
export function earlierRunOn(row: Pick<RequirementTimeline, 'daily'>, i: number): boolean {
  return (row.daily[i] & EARLIER_RUN) !== 0;
}

/** Sets day `i` of a row to `status`, keeping whether a run judged it (for checks over the whole period, such as event-search coverage). */
export function setDayStatus(row: Pick<RequirementTimeline, 'daily'>, i: number, status: ControlStatus): void {
  row.daily[i] = STATUS_CODE.get(status)! | (row.daily[i] & EVALUATED);
}

/** Whether a run judged the row on day `i` (false: no evidence for the account that day). */
export function evaluatedOn(row: Pick<RequirementTimeline, 'daily'>, i: number): boolean {
  return (row.daily[i] & EVALUATED) !== 0;
}

/** One requirement for one account over the whole period. */
export interface RequirementTimeline {
  framework: string;
  requirement: Requirement;
  accountId: string;
  /** Status at the end of the period: the latest evaluation (the last run of its day), or not-collected when there was none. */
  status: ControlStatus;
  /** The worst status seen on any day of the period. */
  worst: ControlStatus;
  /**
   * One byte per day of the period (read with `dayStatus`, `evaluatedOn` and `earlierRunOn`): compact for long periods and
   * many accounts. A day's status is its last run's, or the fail or needs-review of an earlier run of the day when worse.
   */
  daily: Uint8Array;
  /** The latest evaluation (the last run of the latest day judged), with every finding (worst first: the population) and at most MAX_KEPT_EVIDENCE evidence references. */
  latest?: ControlResult;
  /** Findings of the latest evaluation, and how many of them fail or need review. */
  findingsTotal: number;
  failingTotal: number;
  latestRunId?: string;
  /** Day of the latest evaluation. */
  latestDay?: string;
  firstEvidence?: string;
  lastEvidence?: string;
  /** Evidence records cited by the evaluations, distinct by (run, record). */
  evidenceCount: number;
  /** Reference numbers (`E-` refs) of those records, in the order first cited; at most MAX_LISTED_EVIDENCE. */
  evidenceRefs: number[];
  changes: StatusChange[];
  changesTotal: number;
  gapDays: string[];
  /**
   * Distinct gaps seen during the period (query errors, missing evidence), first occurrence: in the last run of each day
   * only, since a gap of an earlier run of the day that a later run filled is no gap of the day.
   */
  gaps: GapEntry[];
  gapsTotal: number;
  /** The register entry shown with the result (in effect at the period end, else the one that applied last). */
  exception?: ExceptionStatus;
  /** Every other register entry for this requirement and account (a renewal's predecessor, an overlapping entry). */
  otherExceptions?: ExceptionStatus[];
  /**
   * The procedure map names this requirement untested (its AWS checks inform but test none of its procedures): why.
   * Passing checks then leave it `manual`, never "AWS portion met"; a failing check is still a fail.
   */
  untested?: string;
  /** Every in-scope failing (resource, query, region) of the period, in any run judged: first and last day seen, latest reason, run and record. */
  failSeen: Map<string, FailSpan>;
  /** Intervals of the period no CloudTrail event search of this account covered (set by event-coverage.ts for rows that use it). */
  unsearched?: UnsearchedInterval[];
  /**
   * Days of `gapDays` on which a collection of this account was refused its seal because someone else planted files in
   * every attempt (markRefusedDays): the signed refusal record of each, so the gap says what happened.
   */
  sealRefused?: RefusedDay[];
  /**
   * Days of `gapDays` claimed by a collection run of this account that proves no day (written late, over its span, or
   * not written on the day it claims: `runsNotCredited` in gather.ts), so the gap names the run and why.
   */
  notCredited?: NotCreditedDay[];
}

/** A gap day claimed by a run that proves no day: the run and why. */
export interface NotCreditedDay {
  day: string;
  runId: string;
  why: string;
}

/**
 * Marks each row's gap days claimed by a run that proves no day and covered the row's account. A day another run
 * judged is no gap and stays unmarked.
 */
export function markNotCreditedDays(rows: RequirementTimeline[], runs: readonly (NotCreditedDay & { accounts: readonly string[] })[]): void {
  if (!runs.length) return;
  for (const row of rows) {
    if (!row.gapDays.length) continue;
    const gap = new Set(row.gapDays);
    const marked = runs.filter((r) => gap.has(r.day) && r.accounts.includes(row.accountId)).map(({ day, runId, why }) => ({ day, runId, why }));
    if (marked.length) row.notCredited = marked.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.runId < b.runId ? -1 : 1));
  }
}

/** What a row's days claimed by runs that prove no day say: `NOT CREDITED: run <id> claims <day> ...`. */
export function notCreditedReason(days: readonly NotCreditedDay[]): string {
  const each = days.map((d) => `run ${d.runId} claims ${d.day}: ${d.why}`).join('; ');
  return `NOT CREDITED: ${days.length} day(s) of this account claimed by a sealed run that proves no collection on them, so those days are gaps, not passes (the run stays in the package and its chain; ask for the CloudTrail Sign call of when it was signed): ${each}`;
}

/** A gap day of a row whose collection was refused its seal: the signed refusal record (package path and SHA-256). */
export interface RefusedDay {
  day: string;
  record: string;
  sha256: string;
  attempts: string[];
}

/** A refused seal as markRefusedDays needs it: its day, record, and the accounts the refused collection covered. */
export interface RefusedCollection extends RefusedDay {
  accounts: readonly string[];
}

/**
 * Marks each row's gap days on which a collection covering its account was refused its seal. A day some other run
 * judged is no gap and stays unmarked: the refusal then took nothing from the row.
 */
export function markRefusedDays(rows: RequirementTimeline[], refused: readonly RefusedCollection[]): void {
  if (!refused.length) return;
  for (const row of rows) {
    if (!row.gapDays.length) continue;
    const gap = new Set(row.gapDays);
    const marked = refused.filter((r) => gap.has(r.day) && r.accounts.includes(row.accountId)).map(({ day, record, sha256, attempts }) => ({ day, record, sha256, attempts }));
    if (marked.length) row.sealRefused = marked.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.record < b.record ? -1 : 1));
  }
}

/** What a row's refused days say: `SEAL REFUSED on <day> (files planted by someone else; signed refusal record <path>, SHA-256 <hex>)...`. */
export function refusedDaysReason(days: readonly RefusedDay[]): string {
  const each = days.map((d) => `${d.day} (attempts ${d.attempts.join(', ')}; signed refusal record ${d.record}, SHA-256 ${d.sha256})`).join('; ');
  return `SEAL REFUSED: this account's collection was not sealed on ${days.length} day(s) because someone else planted files in the run folder of every attempt: ${each}. No evidence of those collections was sealed, so those days are gaps, not passes; a record proves the collector refused the seal, not what the evidence said`;
}

/** One failing resource check over the period, the raw material of the findings register. */
export interface FailSpan {
  resource: string;
  resourceType: string;
  queryId: string;
  region: string;
  first: string;
  last: string;
  reason: string;
  runId: string;
  recordId?: string;
  /** The last day a failing result showed what raises the check's severity (SEVERITY_WHEN), its reason and the severity. */
  raised?: { day: string; reason: string; severity: Severity };
}

export interface TimelineInput {
  store: EvidenceStore;
  catalogs: Catalog[];
  frameworks: string[];
  accounts: string[];
  period: PeriodDays;
  periodRuns: IncludedRun[];
  attestationRuns: IncludedRun[];
  parameterOverrides?: Config['parameters'];
  /** The assessed environment per framework; absent: every resource is in scope. */
  scope?: Config['scope'];
  /** What the assessed entity is, per framework (config `entity`); absent: not declared. */
  entity?: Config['entity'];
  exceptions: ExceptionStatus[];
  /** The evaluation engine; replaceable so the packaging logic can be tested on its own. */
  evaluate?: (input: EvaluateRunInput) => Promise<ControlResult[]>;
  /**
   * Requirements the procedure maps name untested (their checks inform but test none of their procedures), with why:
   * passing checks make them `manual`, never "AWS portion met" (see `asUntested`).
   */
  untested?: UntestedRequirements;
  /** The package's reference number of a record (numbered before its run is folded in), so the report can list every record. */
  refNumber?: (runId: string, recordId: string) => number | undefined;
}

export interface Timeline {
  days: string[];
  rows: RequirementTimeline[];
  attestations: AttestationRef[];
  /**
   * Per day and account, every run judged for that day, in the order folded: the collection runs of the day covering
   * the account (or, for a day with none, its reconstructions). `last` marks the day's last run (completed last): the
   * day's status is its result, unless an earlier run of the day failed the requirement or found it needing review.
   */
  judged: { day: string; accountId: string; runId: string; last: boolean }[];
}

const MAX_CHANGES = 200;
const PRELOAD_CONCURRENCY = 16;
const MAX_GAPS = 100;
/** Evidence references kept per row for the views (the rest are counted). Findings are all kept: they are the population. */
export const MAX_KEPT_EVIDENCE = 200;
/** Reference numbers kept per row for the report's list of every record (beyond it the report counts the rest). */
export const MAX_LISTED_EVIDENCE = 5000;

/** Reads a body from the store and checks it against its content address before anything uses it. */
export async function loadVerifiedBody(store: EvidenceStore, sha256: string, size?: number): Promise<{ bytes: Buffer; body: EvidenceBody }> {
  const bytes = await store.getObject(sha256, size);
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new EvidenceLockerError(`evidence object ${sha256} in the store hashes to ${actual}: the stored body was altered`, {
      hint: 'do not package from this store until the object is investigated; run `evidence-locker verify --store` to list every damaged object',
    });
  }
  return { bytes, body: EvidenceBodySchema.parse(JSON.parse(bytes.toString('utf8'))) };
}

/** Attestations sealed by `evidence-locker attest`, one per attestation record. */
export async function attestationsOf(store: EvidenceStore, runs: IncludedRun[]): Promise<AttestationRef[]> {
  const out: AttestationRef[] = [];
  for (const run of runs) {
    for (const rec of (await readRunManifest(store, run)).records) {
      const { body } = await loadVerifiedBody(store, rec.sha256, rec.size);
      if (!body.attestation) continue;
      out.push({
        framework: body.attestation.framework,
        requirement: body.attestation.requirement,
        by: body.attestation.by,
        note: body.attestation.note,
        runId: run.runId,
        collectedAt: rec.collectedAt,
        sha256: rec.sha256,
        ...(body.attestation.file ? { fileName: body.attestation.file.name } : {}),
        ...(body.attestation.sealedBy ? { sealedBy: body.attestation.sealedBy } : {}),
      });
    }
  }
  return out;
}

type Row = RequirementTimeline & {
  /** Evidence of other runs (attestations) already counted; evidence of the run being folded is distinct by record. */
  seenForeign: Set<string>;
  gapKeys: Set<string>;
  /** Per resource, its last state judged: RESOURCE_CODE of the status + 8 x the fold index of the run. */
  resourceState: Map<string, number>;
  /**
   * The requirement's status in the run folded last, and that run's fold index: what the next change is from. Not always
   * the latest evaluation, which is the day's last run (completed last), folded before a run of the day started after it.
   */
  prevStatus?: ControlStatus;
  prevRun: number;
};

/**
 * Builds the per-requirement, per-account history of the period. Every collection run of a day covering the account is
 * judged, in order: the day's result is its last run's (completed last), except that a fail or needs-review found by an
 * earlier run of the day counts for the day (the changes name both runs, the failing resources keep the earlier run);
 * an error or missing evidence in an earlier run is no gap when a later run of the day judged it. Reconstructions
 * (backfill) of a day are judged only when no run collected on the day covers the account. Days without a run are gaps.
 * Runs are folded in one at a time, in order (`addRun` with the run's full manifest), and only a compact history per
 * requirement and account is kept, so memory does not grow with the number of records or runs.
 */
export class TimelineBuilder {
  private readonly evaluate: (input: EvaluateRunInput) => Promise<ControlResult[]>;
  private readonly days: string[];
  private readonly dayIndex: Map<string, number>;
  private readonly rows = new Map<string, Row>();
  private readonly judged: Timeline['judged'] = [];
  /** Runs judged, in evaluation order, with the accounts each one is judged for and those it is the day's last run of. */
  private readonly ordered: { run: IncludedRun; accounts: Set<string>; lastFor: Set<string> }[];
  private next = 0;
  private readonly neededQueries: Set<string>;

  private constructor(
    private readonly input: TimelineInput,
    private readonly attestations: AttestationRef[],
  ) {
    this.evaluate = input.evaluate ?? evaluateRun;
    this.days = daysOf(input.period);
    this.dayIndex = new Map(this.days.map((d, i) => [d, i]));
    const accounts = [...input.accounts].sort();
    const accountSet = new Set(accounts);

    // The runs judged for each (day, account): every collection run of that day covering the account. A run collected
    // on the day always beats one rebuilt afterwards for it: reconstructions count only for a day no such run covers.
    const runsOf = new Map<string, IncludedRun[]>();
    const rebuilt = (r: IncludedRun) => (r.manifest.reconstruction ? 1 : 0);
    for (const run of input.periodRuns) {
      if (run.manifest.kind !== 'collection') continue;
      const day = runDay(run.manifest);
      for (const acct of run.manifest.scope.accounts) {
        if (!accountSet.has(acct)) continue;
        const k = `${day}\u0000${acct}`;
        const cur = runsOf.get(k);
        if (!cur) runsOf.set(k, [run]);
        else if (rebuilt(run) < rebuilt(cur[0])) runsOf.set(k, [run]);
        else if (rebuilt(run) === rebuilt(cur[0]) && !cur.includes(run)) cur.push(run);
      }
    }
    // The order of `periodRuns` (gather.ts): day, then the chain order (start second, completion, run id), so `addRun` meets runs as they come.
    const byFold = (a: IncludedRun, b: IncludedRun) => (runDay(a.manifest) < runDay(b.manifest) ? -1 : runDay(a.manifest) > runDay(b.manifest) ? 1 : compareRunsInChain({ ...a.manifest, runId: a.runId }, { ...b.manifest, runId: b.runId }));
    const judgedOf = new Map<string, { run: IncludedRun; accounts: Set<string>; lastFor: Set<string> }>();
    for (const [k, runs] of [...runsOf].sort(([a], [b]) => a.localeCompare(b))) {
      const [day, acct] = k.split('\u0000');
      // The day's last run: the one completed last (its result is the day's, bar an earlier run's fail or needs-review).
      const last = runs.reduce((cur, run) => (run.manifest.completedAt > cur.manifest.completedAt || (run.manifest.completedAt === cur.manifest.completedAt && run.runId > cur.runId) ? run : cur));
      for (const run of [...runs].sort(byFold)) {
        this.judged.push({ day, accountId: acct, runId: run.runId, last: run === last });
        const w = judgedOf.get(run.runId) ?? { run, accounts: new Set<string>(), lastFor: new Set<string>() };
        w.accounts.add(acct);
        if (run === last) w.lastFor.add(acct);
        judgedOf.set(run.runId, w);
      }
    }
    this.ordered = [...judgedOf.values()].sort((a, b) => byFold(a.run, b.run));

    for (const fw of input.frameworks) {
      const catalog = input.catalogs.find((c) => c.framework === fw);
      if (!catalog) throw new EvidenceLockerError(`framework ${fw} is not among the loaded catalogs`);
      for (const req of catalog.requirements) {
        for (const acct of accounts) {
          this.rows.set(rowKey(fw, req.id, acct), {
            framework: fw,
            requirement: req,
            accountId: acct,
            status: 'not-collected',
            worst: 'not-collected',
            daily: new Uint8Array(this.days.length).fill(STATUS_CODE.get('not-collected')!),
            findingsTotal: 0,
            failingTotal: 0,
            evidenceCount: 0,
            evidenceRefs: [],
            changes: [],
            changesTotal: 0,
            gapDays: [],
            gaps: [],
            gapsTotal: 0,
            ...rowExceptions(input.exceptions, fw, req.id, acct),
            ...(input.untested?.has(untestedKey(fw, req.id)) ? { untested: input.untested.get(untestedKey(fw, req.id))! } : {}),
            failSeen: new Map(),
            seenForeign: new Set(),
            gapKeys: new Set(),
            resourceState: new Map(),
            prevRun: -1,
          });
        }
      }
    }
    this.neededQueries = new Set(input.frameworks.flatMap((fw) => input.catalogs.find((c) => c.framework === fw)?.requirements.flatMap((r) => r.queries) ?? []));
    if (scopeUsesTags(input.scope, input.frameworks)) this.neededQueries.add(TAGGING_QUERY_ID);
    // Every evaluation reads the account's enabled regions (requirements with regional checks depend on them).
    this.neededQueries.add(ENABLED_REGIONS_QUERY_ID);
  }

  /** Reads the attestation runs (manual evidence applies to every day) and prepares the rows. */
  static async open(input: TimelineInput): Promise<TimelineBuilder> {
    return new TimelineBuilder(input, await attestationsOf(input.store, input.attestationRuns));
  }

  get attestationRefs(): AttestationRef[] {
    return this.attestations;
  }

  /** Whether `run` is judged for at least one (day, account) and so must be folded in with `addRun`. */
  judges(run: IncludedRun): boolean {
    return this.ordered.some((w) => w.run.runId === run.runId);
  }

  /**
   * Folds one run in. Runs must come in the order of `periodRuns` (day, start time, then run id); runs judged for no
   * (day, account) are ignored (attestations, reconstructions of a day a run collected on the day covers, runs of other
   * accounts). `manifest` is the run's full manifest (from `readRunManifest`); `bodies`, the run's bodies the package
   * has already read (hash-checked) for other purposes, shared so that none is read twice.
   */
  async addRun(run: IncludedRun, manifest: RunManifest, bodies = new Map<string, Promise<EvidenceBody>>()): Promise<void> {
    const w = this.ordered[this.next];
    if (!w || w.run.runId !== run.runId) {
      if (this.ordered.some((o) => o.run.runId === run.runId)) throw new Error(`timeline: run ${run.runId} folded out of order`);
      return;
    }
    const ord = this.next++;
    const judgedAccounts = w.accounts;
    const day = runDay(run.manifest);
    const di = this.dayIndex.get(day)!;
    // Read the bodies this evaluation needs with bounded concurrency rather than one by one as the engine asks;
    // the engine keeps every body of the run it has read until the run is evaluated, so this holds no more.
    const needed = [...new Set(manifest.records.filter((r) => judgedAccounts.has(r.accountId) && this.neededQueries.has(r.queryId)).map((r) => r.sha256))];
    const sizes = new Map(manifest.records.map((r) => [r.sha256, r.size]));
    const load = (sha: string) => {
      let p = bodies.get(sha);
      if (!p) {
        p = loadVerifiedBody(this.input.store, sha, sizes.get(sha)).then((b) => b.body);
        bodies.set(sha, p);
      }
      return p;
    };
    let next = 0;
    const preload = Promise.all(
      Array.from({ length: Math.min(PRELOAD_CONCURRENCY, needed.length) }, async () => {
        while (next < needed.length) await load(needed[next++]).catch(() => undefined);
      }),
    );
    const results = await this.evaluate({
      manifest,
      loadBody: load,
      catalogs: this.input.catalogs,
      frameworks: this.input.frameworks,
      parameterOverrides: this.input.parameterOverrides,
      ...(this.input.scope ? { scope: this.input.scope } : {}),
      ...(this.input.entity ? { entity: this.input.entity } : {}),
      // Manual evidence sealed any time up to the period end supports the requirement for the whole period.
      attestations: this.attestations,
      accounts: [...judgedAccounts].sort(),
    });
    await preload;
    for (const judged of results) {
      const row = this.rows.get(rowKey(judged.framework, judged.requirementId, judged.accountId));
      if (!row) continue;
      const res = row.untested === undefined ? judged : asUntested(judged, row.untested);
      // The day's last run decides the day, the end-of-period state and the gaps; an earlier run of the day only
      // makes the day worse (a fail or needs-review it found), and its changes and failing resources are kept.
      const last = w.lastFor.has(judged.accountId);
      const cur = row.daily[di];
      if (last || res.status === 'fail' || res.status === 'needs-review') {
        if (!(cur & EVALUATED)) row.daily[di] = STATUS_CODE.get(res.status)! | EVALUATED;
        else {
          const was = CONTROL_STATUSES[cur & STATUS_MASK];
          // The day's last run may be folded before an earlier-completing run that started after it.
          const lastStatus = last ? res.status : (cur & EARLIER_RUN) === 0 ? was : undefined;
          const worse = STATUS_SEVERITY[res.status] < STATUS_SEVERITY[was] ? res.status : was;
          row.daily[di] = STATUS_CODE.get(worse)! | EVALUATED | (lastStatus !== undefined && lastStatus === worse ? 0 : EARLIER_RUN);
        }
        if (!last && !(cur & EVALUATED)) row.daily[di] |= EARLIER_RUN;
      }
      if (row.prevStatus !== undefined && row.prevStatus !== res.status) {
        pushChange(row, { day, runId: run.runId, fromRunId: this.ordered[row.prevRun].run.runId, fromDay: runDay(this.ordered[row.prevRun].run.manifest), subject: 'status', from: row.prevStatus, to: res.status, detail: res.reasons[0] ?? '' });
      }
      row.prevStatus = res.status;
      row.prevRun = ord;
      for (const f of res.findings) {
        const rk = `${f.resource}\u0000${f.queryId}\u0000${f.region}`;
        const before = row.resourceState.get(rk);
        const code = RESOURCE_CODE.get(f.status) ?? 0;
        if (before !== undefined && before % 8 !== code) {
          const from = this.ordered[Math.floor(before / 8)].run;
          pushChange(row, { day, runId: run.runId, fromRunId: from.runId, fromDay: runDay(from.manifest), subject: `${f.resource} (${f.region})`, from: RESOURCE_STATUSES[before % 8], to: f.status, detail: f.reason });
        }
        row.resourceState.set(rk, ord * 8 + code);
        // A result proposed not applicable (an entity type the entity declared it is not) raises no finding.
        if (f.status === 'fail' && f.inScope !== false && res.status !== 'not-applicable') {
          const span = row.failSeen.get(rk);
          const latest = { reason: f.reason, runId: run.runId, ...(f.recordId ? { recordId: f.recordId } : {}) };
          const to = raisedSeverity(f.queryId, f);
          const raised = to ? { raised: { day, reason: f.reason, severity: to } } : {};
          if (span) Object.assign(span, { last: day }, latest, raised);
          else row.failSeen.set(rk, { resource: f.resource, resourceType: f.resourceType, queryId: f.queryId, region: f.region, first: day, last: day, ...latest, ...raised });
        }
      }
      const thisRun = new Set<string>();
      for (const ev of res.evidence) countEvidence(row, ev, run.runId, thisRun, this.input.refNumber);
      if (!last) continue;
      row.findingsTotal = res.findings.length;
      row.failingTotal = res.status === 'not-applicable' ? 0 : res.findings.reduce((n, f) => n + ((f.status === 'fail' || f.status === 'needs-review') && f.inScope !== false ? 1 : 0), 0);
      row.latest = {
        ...res,
        // Every judged resource is kept: population.csv, index.html and the findings register list them all.
        findings: res.findings,
        evidence: res.evidence.length > MAX_KEPT_EVIDENCE ? res.evidence.slice(0, MAX_KEPT_EVIDENCE) : res.evidence,
      };
      row.latestRunId = run.runId;
      row.latestDay = day;
      for (const g of res.gaps) {
        const gk = `${g.queryId}\u0000${g.region}\u0000${g.reason}`;
        row.gapsTotal++;
        if (!row.gapKeys.has(gk) && row.gaps.length < MAX_GAPS) {
          row.gapKeys.add(gk);
          row.gaps.push({ day, ...g });
        }
      }
    }
  }

  /** The timeline, once every run judged has been folded in. */
  finish(): Timeline {
    if (this.next < this.ordered.length) throw new Error(`timeline: run ${this.ordered[this.next].run.runId} was never folded in`);
    const out: RequirementTimeline[] = [];
    for (const row of this.rows.values()) {
      const automated = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial';
      // Not applicable to the entity's declared type whatever a day's evidence says (the declaration is the package's,
      // not a run's): a day without a run is no gap for it, as for a manual requirement of that type.
      const notForEntity = row.latest?.notApplicableToEntity === true;
      if (automated && !notForEntity) row.gapDays = this.days.filter((_d, i) => !evaluatedOn(row, i));
      if (!automated || notForEntity) {
        // Manual, inherited and not-applicable requirements have their status without any collection run: a day
        // without a run is no gap for them, and their worst in the period is what they are.
        // Their status is the engine's, which reads no evidence for them: manual, or not applicable when the entity
        // declared it is not of the type the requirement is for (catalog appliesTo).
        const judged = row.latest?.status === 'not-applicable' || row.latest?.status === 'manual' ? row.latest.status : undefined;
        const fixed = STATUS_CODE.get(judged ?? (row.requirement.coverage === 'not-applicable' ? 'not-applicable' : 'manual'))!;
        for (let i = 0; i < row.daily.length; i++) if (!evaluatedOn(row, i)) row.daily[i] = fixed;
      }
      row.status = row.latest?.status ?? (automated ? 'not-collected' : row.requirement.coverage === 'not-applicable' ? 'not-applicable' : 'manual');
      let worst = row.status;
      for (let i = 0; i < row.daily.length; i++) {
        const s = dayStatus(row, i);
        if (STATUS_SEVERITY[s] < STATUS_SEVERITY[worst]) worst = s;
      }
      row.worst = worst;
      const { seenForeign: _s, gapKeys: _g, resourceState: _r, prevStatus: _p, prevRun: _pr, ...clean } = row;
      out.push(clean);
    }
    return { days: this.days, rows: out, attestations: this.attestations, judged: this.judged };
  }
}

function rowKey(fw: string, req: string, acct: string): string {
  return `${fw}\u0000${req}\u0000${acct}`;
}

/**
 * What a fail of an addressable HIPAA specification leaves open (45 CFR 164.306(d)(3)): the entity may have documented
 * an equivalent alternative, or why the specification is not reasonable and appropriate, which no AWS API shows.
 */
export const ADDRESSABLE_STATUS_NOTE =
  'ADDRESSABLE SPECIFICATION: the AWS checks do not show it in place, but the entity may have documented an equivalent alternative measure or why it is not reasonable and appropriate (45 CFR 164.306(d)(3)), which this AWS evidence cannot show; ask for that documentation before concluding';

/** The organisation-wide sources (`EvidenceRef.via`) the rows' latest evidence was read through. */
export function evidenceVias(rows: readonly RequirementTimeline[]): string[] {
  return rows.flatMap((r) => (r.latest?.evidence ?? []).flatMap((e) => (e.via ? [e.via] : [])));
}

/** An addressable HIPAA specification that failed at the end of the period or on any day of it: not shown in place. */
export function addressableNotShownInPlace(row: Pick<RequirementTimeline, 'requirement' | 'status' | 'worst'>): boolean {
  return row.requirement.implementation === 'addressable' && (row.status === 'fail' || row.worst === 'fail');
}

/**
 * The reasons every view shows: the latest evaluation's, plus a warning when that evaluation is older than the
 * last day of the period (the end-of-period status is then the last one known, not a fresh one). `addressableNote`:
 * an addressable specification not shown in place says what the AWS evidence cannot show first (controls.csv of
 * packages before summary revision 8 did not).
 */
export function rowReasons(row: RequirementTimeline, lastDay: string, addressableNote = true): string[] {
  const reasons = [...(row.latest?.reasons ?? [])];
  const automated = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial';
  if (automated && row.latestDay && row.latestDay < lastDay) {
    const stale = Math.round((Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${row.latestDay}T00:00:00Z`)) / 86_400_000);
    reasons.unshift(`STALE: latest evidence is from ${row.latestDay}; none for the last ${stale} day(s) of the period`);
  }
  if (automated && !row.latest) reasons.unshift('GAP: no evidence for this account on any day of the period');
  if (row.unsearched?.length) reasons.unshift(unsearchedReason(row.unsearched));
  if (row.sealRefused?.length) reasons.unshift(refusedDaysReason(row.sealRefused));
  if (row.notCredited?.length) reasons.unshift(notCreditedReason(row.notCredited));
  // Not failing at its end is not passing throughout: the days it failed are said first, as the procedures judge them.
  const failed = failedDays(row, lastDay);
  if (row.status !== 'fail' && failed.length) reasons.unshift(`FAILED EARLIER IN THE PERIOD: ${row.status} at its end, but failed on ${failed.length} of ${row.daily.length} day(s) (${failedDaysText(row, lastDay)}); see the findings register`);
  if (addressableNote && addressableNotShownInPlace(row)) reasons.unshift(ADDRESSABLE_STATUS_NOTE);
  return reasons;
}

/**
 * The failed days as ranges, saying which of them failed only in an earlier run of the day (its last run judged it
 * better): `2026-05-02 to 2026-05-03; on 2026-05-03 in an earlier run of the day, not in its last run`.
 */
export function failedDaysText(row: Pick<RequirementTimeline, 'daily'>, lastDay: string): string {
  const earlier = failedDays(row, lastDay, true);
  return `${dayRanges(failedDays(row, lastDay))}${earlier.length ? `; on ${dayRanges(earlier)} in an earlier run of the day, not in its last run` : ''}`;
}

/** Who judged a change: for a change within a day, both runs (`from` is an earlier run of the same day). */
export function changeDetail(c: StatusChange): string {
  return c.fromDay === c.day ? `runs ${c.fromRunId} (${c.from}) then ${c.runId} (${c.to}), the same day. ${c.detail}`.trim() : c.detail;
}

/**
 * The days of the period (ending `lastDay`) on which the row's result was a fail (in any run of the day), oldest first;
 * `onlyEarlierRun`: only those whose last run did not fail it.
 */
export function failedDays(row: Pick<RequirementTimeline, 'daily'>, lastDay: string, onlyEarlierRun = false): string[] {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  const out: string[] = [];
  for (let i = 0; i < row.daily.length; i++) {
    if (dayStatus(row, i) === 'fail' && (!onlyEarlierRun || earlierRunOn(row, i))) out.push(new Date(end - (row.daily.length - 1 - i) * 86_400_000).toISOString().slice(0, 10));
  }
  return out;
}

/** Consecutive days as ranges: `2026-04-08 to 2026-04-19, 2026-04-28`. */
export function dayRanges(days: string[]): string {
  const ranges: [string, string][] = [];
  for (const d of days) {
    const last = ranges[ranges.length - 1];
    if (last && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${last[1]}T00:00:00Z`) === 86_400_000) last[1] = d;
    else ranges.push([d, d]);
  }
  return ranges.map(([a, b]) => (a === b ? a : `${a} to ${b}`)).join(', ');
}

function pushChange(row: Row, c: StatusChange): void {
  row.changesTotal++;
  if (row.changes.length < MAX_CHANGES) row.changes.push(c);
}

function countEvidence(row: Row, ev: EvidenceRef, runId: string, thisRun: Set<string>, refNumber?: TimelineInput['refNumber']): void {
  if (ev.runId === runId) {
    if (thisRun.has(ev.recordId)) return;
    thisRun.add(ev.recordId);
  } else {
    const k = `${ev.runId}\u0000${ev.recordId}`;
    if (row.seenForeign.has(k)) return;
    row.seenForeign.add(k);
  }
  row.evidenceCount++;
  const n = refNumber?.(ev.runId, ev.recordId);
  if (n !== undefined && row.evidenceRefs.length < MAX_LISTED_EVIDENCE) row.evidenceRefs.push(n);
  if (!row.firstEvidence || ev.collectedAt < row.firstEvidence) row.firstEvidence = ev.collectedAt;
  if (!row.lastEvidence || ev.collectedAt > row.lastEvidence) row.lastEvidence = ev.collectedAt;
}
