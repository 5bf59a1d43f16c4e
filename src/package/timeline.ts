import type { Catalog, Requirement } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import { EvidenceBodySchema, type EvidenceBody } from '../collect/record.js';
import { evaluateRun, type AttestationRef, type EvaluateRunInput } from '../evaluate/engine.js';
import type { ControlResult, ControlStatus, EvidenceRef } from '../evaluate/types.js';
import { EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../seal/hash.js';
import type { EvidenceStore } from '../store/types.js';
import { daysOf, runDay, type IncludedRun, type Period } from './gather.js';
import { exceptionFor, type ExceptionStatus } from './exceptions.js';

/** Worst first: what an auditor must look at before anything else. */
export const STATUS_SEVERITY: Record<ControlStatus, number> = { fail: 0, 'not-collected': 1, 'needs-review': 2, manual: 3, pass: 4, 'not-applicable': 5 };

export interface StatusChange {
  day: string;
  runId: string;
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

/** One requirement for one account over the whole period. */
export interface RequirementTimeline {
  framework: string;
  requirement: Requirement;
  accountId: string;
  /** Status at the end of the period: the latest evaluation, or not-collected when there was none. */
  status: ControlStatus;
  /** The worst status seen on any day of the period. */
  worst: ControlStatus;
  /** One entry per day of the period; `runId` absent on days with no evidence for this account. */
  daily: { day: string; status: ControlStatus; runId?: string }[];
  latest?: ControlResult;
  latestRunId?: string;
  /** Day of the latest evaluation. */
  latestDay?: string;
  firstEvidence?: string;
  lastEvidence?: string;
  /** Evidence records cited by the evaluations, distinct by (run, record). */
  evidenceCount: number;
  changes: StatusChange[];
  changesTotal: number;
  gapDays: string[];
  /** Distinct gaps seen during the period (query errors, missing evidence), first occurrence. */
  gaps: GapEntry[];
  gapsTotal: number;
  exception?: ExceptionStatus;
}

export interface TimelineInput {
  store: EvidenceStore;
  catalogs: Catalog[];
  frameworks: string[];
  accounts: string[];
  period: Period;
  periodRuns: IncludedRun[];
  attestationRuns: IncludedRun[];
  parameterOverrides?: Config['parameters'];
  exceptions: ExceptionStatus[];
  /** The evaluation engine; replaceable so the packaging logic can be tested on its own. */
  evaluate?: (input: EvaluateRunInput) => Promise<ControlResult[]>;
}

export interface Timeline {
  days: string[];
  rows: RequirementTimeline[];
  attestations: AttestationRef[];
  /** Per day and account, the run whose results count for that day (latest completed run of the day). */
  winners: { day: string; accountId: string; runId: string }[];
}

const MAX_CHANGES = 200;
const PRELOAD_CONCURRENCY = 16;
const MAX_GAPS = 100;

/** Reads a body from the store and checks it against its content address before anything uses it. */
export async function loadVerifiedBody(store: EvidenceStore, sha256: string): Promise<{ bytes: Buffer; body: EvidenceBody }> {
  const bytes = await store.getObject(sha256);
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
    for (const rec of run.manifest.records) {
      const { body } = await loadVerifiedBody(store, rec.sha256);
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
      });
    }
  }
  return out;
}

/**
 * Builds the per-requirement, per-account history of the period: each day's result comes from the latest
 * run of that day covering the account; days without one are gaps. Runs are evaluated one at a time, in
 * order, and only the compact history is kept, so memory does not grow with the number of records.
 */
export async function buildTimeline(input: TimelineInput): Promise<Timeline> {
  const evaluate = input.evaluate ?? evaluateRun;
  const days = daysOf(input.period);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const accounts = [...input.accounts].sort();
  const attestations = await attestationsOf(input.store, input.attestationRuns);

  // Which run wins each (day, account): the one completed last among the collection runs of that day.
  const winner = new Map<string, IncludedRun>();
  for (const run of input.periodRuns) {
    if (run.manifest.kind !== 'collection') continue;
    const day = runDay(run.manifest);
    for (const acct of run.manifest.scope.accounts) {
      if (!accounts.includes(acct)) continue;
      const k = `${day}\u0000${acct}`;
      const cur = winner.get(k);
      if (!cur || run.manifest.completedAt > cur.manifest.completedAt || (run.manifest.completedAt === cur.manifest.completedAt && run.runId > cur.runId)) winner.set(k, run);
    }
  }
  const winsOf = new Map<string, { run: IncludedRun; accounts: Set<string> }>();
  const winners: Timeline['winners'] = [];
  for (const [k, run] of [...winner].sort(([a], [b]) => a.localeCompare(b))) {
    const [day, acct] = k.split('\u0000');
    winners.push({ day, accountId: acct, runId: run.runId });
    const w = winsOf.get(run.runId) ?? { run, accounts: new Set<string>() };
    w.accounts.add(acct);
    winsOf.set(run.runId, w);
  }

  const rows = new Map<string, RequirementTimeline & { seen: Set<string>; gapKeys: Set<string>; resourceState: Map<string, string> }>();
  const key = (fw: string, req: string, acct: string) => `${fw}\u0000${req}\u0000${acct}`;
  for (const fw of input.frameworks) {
    const catalog = input.catalogs.find((c) => c.framework === fw);
    if (!catalog) throw new EvidenceLockerError(`framework ${fw} is not among the loaded catalogs`);
    for (const req of catalog.requirements) {
      for (const acct of accounts) {
        rows.set(key(fw, req.id, acct), {
          framework: fw,
          requirement: req,
          accountId: acct,
          status: 'not-collected',
          worst: 'not-collected',
          daily: days.map((day) => ({ day, status: 'not-collected' as ControlStatus })),
          evidenceCount: 0,
          changes: [],
          changesTotal: 0,
          gapDays: [],
          gaps: [],
          gapsTotal: 0,
          exception: exceptionFor(input.exceptions, fw, req.id, acct),
          seen: new Set(),
          gapKeys: new Set(),
          resourceState: new Map(),
        });
      }
    }
  }

  const neededQueries = new Set(input.frameworks.flatMap((fw) => input.catalogs.find((c) => c.framework === fw)?.requirements.flatMap((r) => r.queries) ?? []));
  const ordered = [...winsOf.values()].sort((a, b) => a.run.manifest.startedAt.localeCompare(b.run.manifest.startedAt) || a.run.runId.localeCompare(b.run.runId));
  for (const { run, accounts: wonAccounts } of ordered) {
    const day = runDay(run.manifest);
    const di = dayIndex.get(day)!;
    // Read the bodies this evaluation needs with bounded concurrency rather than one by one as the engine asks;
    // the engine keeps every body of the run it has read until the run is evaluated, so this holds no more.
    const bodies = new Map<string, Promise<EvidenceBody>>();
    const needed = [...new Set(run.manifest.records.filter((r) => wonAccounts.has(r.accountId) && neededQueries.has(r.queryId)).map((r) => r.sha256))];
    const load = (sha: string) => {
      let p = bodies.get(sha);
      if (!p) {
        p = loadVerifiedBody(input.store, sha).then((b) => b.body);
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
    const results = await evaluate({
      manifest: run.manifest,
      loadBody: load,
      catalogs: input.catalogs,
      frameworks: input.frameworks,
      parameterOverrides: input.parameterOverrides,
      // Manual evidence sealed any time up to the period end supports the requirement for the whole period.
      attestations,
      accounts: [...wonAccounts].sort(),
    });
    await preload;
    for (const res of results) {
      const row = rows.get(key(res.framework, res.requirementId, res.accountId));
      if (!row) continue;
      row.daily[di] = { day, status: res.status, runId: run.runId };
      if (row.latest && row.latest.status !== res.status) {
        pushChange(row, { day, runId: run.runId, subject: 'status', from: row.latest.status, to: res.status, detail: res.reasons[0] ?? '' });
      }
      for (const f of res.findings) {
        const rk = `${f.resource}\u0000${f.queryId}\u0000${f.region}`;
        const before = row.resourceState.get(rk);
        if (before !== undefined && before !== f.status) pushChange(row, { day, runId: run.runId, subject: `${f.resource} (${f.region})`, from: before, to: f.status, detail: f.reason });
        row.resourceState.set(rk, f.status);
      }
      row.latest = res;
      row.latestRunId = run.runId;
      row.latestDay = day;
      for (const ev of res.evidence) countEvidence(row, ev);
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

  const out: RequirementTimeline[] = [];
  for (const row of rows.values()) {
    const automated = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial';
    if (automated) row.gapDays = row.daily.filter((d) => d.runId === undefined).map((d) => d.day);
    if (!automated && !row.latest) {
      // Manual, inherited and not-applicable requirements have a status without any collection run.
      const fixed: ControlStatus = row.requirement.coverage === 'not-applicable' ? 'not-applicable' : 'manual';
      row.daily = row.daily.map((d) => ({ ...d, status: fixed }));
    }
    row.status = row.latest?.status ?? (automated ? 'not-collected' : row.requirement.coverage === 'not-applicable' ? 'not-applicable' : 'manual');
    row.worst = row.daily.reduce<ControlStatus>((w, d) => (STATUS_SEVERITY[d.status] < STATUS_SEVERITY[w] ? d.status : w), row.status);
    const { seen: _s, gapKeys: _g, resourceState: _r, ...clean } = row;
    out.push(clean);
  }
  return { days, rows: out, attestations, winners };
}

/**
 * The reasons every view shows: the latest evaluation's, plus a warning when that evaluation is older than the
 * last day of the period (the end-of-period status is then the last one known, not a fresh one).
 */
export function rowReasons(row: RequirementTimeline, lastDay: string): string[] {
  const reasons = [...(row.latest?.reasons ?? [])];
  const automated = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial';
  if (automated && row.latestDay && row.latestDay < lastDay) {
    const stale = row.daily.length - 1 - row.daily.findIndex((d) => d.day === row.latestDay);
    reasons.unshift(`STALE: latest evidence is from ${row.latestDay}; none for the last ${stale} day(s) of the period`);
  }
  if (automated && !row.latest) reasons.unshift('GAP: no evidence for this account on any day of the period');
  return reasons;
}

function pushChange(row: RequirementTimeline, c: StatusChange): void {
  row.changesTotal++;
  if (row.changes.length < MAX_CHANGES) row.changes.push(c);
}

function countEvidence(row: RequirementTimeline & { seen: Set<string> }, ev: EvidenceRef): void {
  const k = `${ev.runId}\u0000${ev.recordId}`;
  if (row.seen.has(k)) return;
  row.seen.add(k);
  row.evidenceCount++;
  if (!row.firstEvidence || ev.collectedAt < row.firstEvidence) row.firstEvidence = ev.collectedAt;
  if (!row.lastEvidence || ev.collectedAt > row.lastEvidence) row.lastEvidence = ev.collectedAt;
}
