import { summaryRefusal, type RefusalNotNamed, type RefusedSealRecord, type RunNotCredited } from './gather.js';
import type { EndpointSummary } from '../evidence/endpoint-origin.js';
import { appliesToList, type Catalog } from '../controls/schema.js';
import type { ParameterOverride } from '../controls/parameters.js';
import { loadProcedureMap, type ProcedureMap } from '../controls/procedures.js';
import { scopeStatement } from '../evaluate/scope.js';
import type { ScopeConfig } from '../config/scope.js';
import type { Config, EntityConfig } from '../config/schema.js';
import { entityStatement } from '../evaluate/applicability.js';
import { findingsRegister, SEVERITIES, type FindingEntry, type Severity } from './findings.js';
import type { PeriodDays } from '../evidence/period.js';
import { contradictedScope, contradictedScopeText, population, type ContradictedScope, type PopulationRow } from './population.js';
import { PERIOD_END, procedureResults, PROPOSED_FINDINGS, resultsAsOfLastRun, type ProcedureResult, type ProposedFinding } from './procedures.js';
import type { EvidenceReferences } from './references.js';
import type { Timeline } from './timeline.js';
import type { AttestationRef } from '../evaluate/engine.js';
import { callerIsPrincipal, describeAttester } from '../evidence/record.js';
import { isPciFramework, type ExceptionStatus } from './exceptions.js';
import type { AccountRegionCoverage } from './regions.js';
import type { EventSearchCoverage } from './event-coverage.js';
import type { UnsearchedInterval } from './event-windows.js';
import { unsealedStartEntry, type UnsealedStart } from '../seal/trust.js';

/** What an assessor transcribes into a Report on Compliance; the PDF, HTML (#findings, #summary), CSV and OSCAL views read it. */
export interface AssessorResults {
  /**
   * Per framework: the cover's scope sentence, whether a scope was declared, and what of it the evidence contradicts;
   * for a framework with requirements limited to an entity type (catalog `appliesTo`), the declared entity type or that
   * it was not declared.
   */
  scope: { framework: string; declared: boolean; statement: string; contradicted: ContradictedScope[]; entity?: { declared: boolean; statement: string } }[];
  procedures: ProcedureResult[];
  findings: FindingEntry[];
  population: PopulationRow[];
  summary: PackageSummaryJson;
  evidenceRecords: number;
  /** Per exceptions register entry: whether its approval is sealed, and what a PCI DSS worksheet lacks. */
  exceptionReviews: ExceptionReview[];
  /** The evidence reference of a record (`E-0042`), or '' when the record is not in the package. */
  refOf(runId: string, recordId: string): string;
}

/** summary.json: the numbers on the cover, for dashboards. */
/**
 * The revision of summary.json's fields this version writes (`summaryRevision`). Raise it whenever a field is added,
 * and list the field in SUMMARY_FIELDS_SINCE with the new revision: `verify --recompute` then knows a package written
 * by an earlier revision lacks that field and says so instead of calling the package different. Packages written
 * before the revision was recorded have none (their fields are not known: recompute names every field they lack).
 * Raise it too when a field's meaning changes, and name the change in SUMMARY_MEANING_SINCE.
 */
export const SUMMARY_REVISION = 8;

/**
 * Meanings changed after revision 1, by the revision that changed them: `verify --recompute` of a package of an earlier
 * revision computes the old meaning (and says so). 5: `regions` and `eventSearches` leave out the runs that prove no day
 * (`period.runsNotCredited`); earlier revisions counted their regions as collected and their windows as searched.
 * 6: a mapped procedure's note (testing-procedures.csv, report.pdf, index.html, OSCAL) ends with its mapping's `shows`
 * text; builds of earlier revisions printed none, though their maps held some. 7: testing-procedures.csv notes of a
 * period not ended when built say "as of the last run", no longer "at the end of the period", and a failing addressable
 * HIPAA specification's note names the documented alternative the rule allows (the revision is summary.json's, and
 * dates what its build wrote beside it); CSV cells show bidirectional and zero-width characters by code point and
 * prefix a formula after leading spaces (CsvCells `shown`), where earlier revisions wrote the collected text verbatim.
 * 8: controls.csv's reasons of an addressable HIPAA specification not shown in place (failing at the period's end or on
 * a day of it) begin with what the AWS evidence cannot show of the alternative the rule allows (ADDRESSABLE_STATUS_NOTE).
 */
export const SUMMARY_MEANING_SINCE = { notCreditedRunsCoverNothing: 5, procedureNotesEndWithShows: 6, revision7ProcedureNotes: 7, csvCellsShown: 7, addressableStatusReason: 8 } as const;

/**
 * Result files beside summary.json that changed, by the summary revision of the build that changed them:
 * `verify --recompute` writes a package of an earlier revision's files as its build did. 7: findings.csv has a last
 * column `severity_raised`.
 */
export const RESULT_FILES_SINCE = { findingsSeverityRaised: 7 } as const;

/**
 * summary.json fields added after revision 1, by dotted path (`*` for any framework or account key, or any index of a
 * list), with the revision that added each (revision 1 is the first recorded).
 */
/**
 * The least summary revision every build writes from a day on (UTC): the revision was first recorded on 2026-12-06,
 * revisions 4 to 6 were added during 2026-12-07 (so every build from 2026-12-08 writes 6), and revision 7 late on
 * 2026-12-07, released by the next day (every build from 2026-12-09 writes it), and revision 8 on 2026-12-08 (every
 * build from 2026-12-10 writes it). A day's entry is never a revision added
 * on that day, as builds of the release before still run on it. A package built on or after that day (\`builtAt\`), or holding a run completed on
 * or after it (\`generatedAt\`, the completion of its last run, which that run's key signed), whose summary.json records
 * less (or none) had fields taken out. \`verify --recompute\` then compares it as that revision: a field it lacks is a
 * difference, not "written by an earlier build". Latest day first.
 */
export const SUMMARY_REVISION_FROM: readonly { readonly from: string; readonly revision: number }[] = [
  { from: '2026-12-10', revision: 8 },
  { from: '2026-12-09', revision: 7 },
  { from: '2026-12-08', revision: 6 },
  { from: '2026-12-07', revision: 1 },
];

/**
 * Account-days reached as a percentage to one decimal, as the cover prints it. Rounded to the nearest tenth except at
 * the ends: a period with an account-day not reached never reads 100% (9,999 of 10,000 is 99.9%, not 100.0%), and one
 * with an account-day reached never reads 0%, whatever the rounding would give.
 */
export function coveragePercent(reached: number, accountDays: number): number {
  if (!accountDays) return 0;
  const rounded = Math.round((1000 * reached) / accountDays) / 10;
  if (reached < accountDays && rounded >= 100) return 99.9;
  if (reached > 0 && rounded <= 0) return 0.1;
  return rounded;
}

/** The least revision a package's summary.json must record, by its build time and its last run's completion, or undefined. */
export function leastSummaryRevision(m: { builtAt?: string; generatedAt: string }): { revision: number; from: string; why: string } | undefined {
  for (const r of SUMMARY_REVISION_FROM) {
    if (m.builtAt !== undefined && m.builtAt >= r.from) return { ...r, why: `built ${m.builtAt} (builtAt)` };
    if (m.generatedAt >= r.from) return { ...r, why: `holding runs up to ${m.generatedAt} (generatedAt)` };
  }
  return undefined;
}

export const SUMMARY_FIELDS_SINCE: Readonly<Record<string, number>> = { 'endpoints.matchedToQuery': 2, 'period.sealRefused': 2, 'period.refusalsNotNamed': 3, 'period.sealRefused.*.sha256': 3, 'period.runsNotCredited': 4, backDatingChecks: 4, 'period.unsealedStarts': 6 };

export interface PackageSummaryJson {
  /** SUMMARY_REVISION of the build that wrote it; absent in packages built before it was recorded. */
  summaryRevision?: number;
  organisation: string;
  /** Accounts collected in the period (the runs held name them) but not in this package (`package --accounts`); empty: none. */
  accountsLeftOut: string[];
  /** `contradicted`: resources the declared scope leaves out on which a scope-judging check found its data (counted in scope). */
  scope: Record<string, { declared: boolean; statement: string; definition?: ScopeConfig[string]; contradicted?: ContradictedScope[]; entity?: { declared: boolean; statement: string; definition?: EntityConfig } }>;
  /** `datesWithoutRun`: the UTC days of the period on which no collection run was sealed for any account. */
  period: {
    from: string;
    to: string;
    days: number;
    daysWithRun: number;
    daysWithoutRun: number;
    datesWithoutRun: string[];
    /** Days x accounts of the period. */
    accountDays: number;
    /** Account-days on which a sealed run reached the account (it had a winning run and no account-level gap). */
    accountDaysWithEvidence: number;
    /** accountDaysWithEvidence / accountDays, in percent with one decimal. */
    coveragePercent: number;
    /** Account-days on which the day's run could not reach the account at all (role not assumable, regions unknown). */
    accountLevelGaps: number;
    /** Account-region-days on which the day's run could not collect one region of an account it reached. */
    regionLevelGaps: number;
    /** Account-days on which no sealed run collected the account (no run that day, or none for that account). */
    accountDaysWithoutRun: number;
    /** Requirement results (requirement x account, AWS evidence expected) with evidence missing on at least one day. */
    resultsWithGaps: number;
    /** Requirement results with AWS evidence expected. */
    resultsExpectingEvidence: number;
    /**
     * False when the package was built before 24:00 UTC of the period's last day: the results are those of the last
     * sealed run, and that day is covered only up to `evidenceUntil` (the completion of the last sealed run).
     * Absent in packages built before this field existed.
     */
    ended?: boolean;
    evidenceUntil?: string;
    /**
     * Seals refused because someone else planted files in the run folder of every attempt: each a signed refusal record
     * the package carries (`record`, with the SHA-256 of its bytes, `sha256`, since revision 3). Its day is still a day
     * without sealed evidence (a gap, never a pass), shown as refused rather than as a day without a run. Absent when
     * there were none.
     */
    sealRefused?: RefusedSealRecord[];
    /**
     * Signed refusal records of the package that a run of the same chain and previous link does not name (the chain
     * should carry them): the run, the record, whether its seal should have named it (`problem`) or may not have seen
     * it (objects left unread, two collections at once), and why. Absent when there were none.
     */
    refusalsNotNamed?: RefusalNotNamed[];
    /**
     * Collection runs that prove no collection on the day they claim (since revision 4): the S3 store wrote them long
     * after their completion, or wrote no file of their own run folder on that day, or (every store) their signed span
     * is over `backDatingChecks.maxRunSpanMs`. Each claimed day is a day without a run unless another run proves it
     * (in `datesWithoutRun` then), `why` naming the checks failed. Absent when there were none.
     */
    runsNotCredited?: RunNotCredited[];
    /**
     * S3 stores only (since revision 6): run folders holding a collection's start file and no sealed run, the start file
     * written (LastModified, set by the server) within the period, each with its run id, key, version and write time. A
     * collection that stopped before sealing and a start file planted ahead of a run to be sealed later cannot be told
     * apart; neither proves a day. Empty: none found; absent: a store whose write times are not kept (local).
     */
    unsealedStarts?: UnsealedStart[];
  };
  /**
   * The checks against back-dated runs the package was built with (since revision 4), whether or not a run failed
   * them: `writeTimesChecked` is false for a store whose write times its writer can set (a local folder: only the
   * signed span was checked); `maxSealDelayMs` (`package --max-seal-delay`) and `maxRunSpanMs` (`--max-run-span`).
   */
  backDatingChecks?: BackDatingChecks;
  /** Requirement x account results at the end of the period, per framework and status. */
  statusCounts: Record<string, Record<string, number>>;
  /** Requirement x account rows by the worst result on any day of the period, per framework and status. */
  worstStatusCounts: Record<string, Record<string, number>>;
  /** Testing procedures per framework and proposed finding (proposed, assessor to confirm). */
  proposedFindings: Record<string, Record<ProposedFinding, number>>;
  findingsBySeverity: Record<Severity, number>;
  openFindings: number;
  failingResults: number;
  /**
   * Of `failingResults`, those on requirements whose AWS checks test none of their procedures (the procedure maps name
   * them untested): a failing check is supporting evidence there, the requirement itself is for the assessor to test.
   * Absent in packages built before this field existed.
   */
  failingResultsNotTested?: number;
  /** Resource checks at the end of the period; out-of-scope ones whose check fails decide nothing and are counted apart. */
  population: { inScope: number; outOfScope: number; outOfScopeCheckFailing: number; outOfScopeCheckReview?: number };
  keys: { keyFingerprint: string; keyId: string; algorithm: string }[];
  /** True when the evidence came from the simulated AWS of the demo (declared by the caller; not recorded in runs). */
  simulated: boolean;
  /**
   * Every catalog parameter whose value the configuration changed, with the catalog's value, the one used, the
   * configuration field, whether the requirement's text fixes it and whether the change loosens it (the passes such a
   * loosened value decides are needs-review). Empty: none changed. Absent in packages built before this field existed.
   */
  parameterOverrides?: ParameterOverride[];
  /**
   * Per account, the regions AWS lists as enabled (account:ListRegions, as any run of the period recorded them) against
   * those the runs collected: `uncollected`, enabled regions no run collected, each with the frameworks whose declared
   * scope does not leave it out (`inScopeFor`, non-empty: regional results of those frameworks are capped); the runs
   * whose enabled regions are unknown (ListRegions denied or failed) or not recorded (sealed before they were).
   */
  regions?: {
    accountId: string;
    enabled: string[];
    collected: string[];
    uncollected: { region: string; inScopeFor: string[] }[];
    runsEnabledRegionsUnknown: number;
    runsEnabledRegionsNotRecorded: number;
  }[];
  /** CloudTrail event searches of the period: account-region pairs searched, and every interval no search covered. */
  eventSearches?: { pairs: number; from: string; to: string; unsearched: UnsearchedInterval[] };
  /**
   * The collection records by where their bodies say they were collected from (provenance): AWS service endpoints,
   * other origins (not AWS's record), no provenance (sealed before it was recorded), callers of another account.
   * Absent in packages built before this field existed.
   */
  endpoints?: EndpointSummary;
}

export interface ExceptionReview {
  index: number;
  /** The sealed attestation by the approver for this framework and requirement, if any. */
  sealedApproval?: {
    ref: string;
    on: string;
    by: string;
    /** The name as stated with who sealed it (describeAttester). */
    sealer: string;
    /**
     * `caller`: the recorded sealing caller is the register's `approverArn` (the user, or a session of the role);
     * `stated-name`: the register names no approverArn, so only the stated name was matched.
     */
    matchedOn: 'caller' | 'stated-name';
  };
  /** What the entry still needs before an assessor can rely on it; empty when nothing. */
  missing: string[];
}

const WORKSHEET_FIELDS = ['constraints', 'objective', 'identifiedRisk', 'definition', 'validation', 'maintenance'] as const;

/**
 * An exception's approval counts as sealed when `evidence-locker attest` sealed an attestation stating the approver's
 * name (`--by`, as written: shown with who sealed it) for the same framework and requirement and, when the register
 * names the approver's IAM principal (`approverArn`), the tool recorded that principal as the sealing caller. Without
 * `approverArn` only the stated name is matched (`matchedOn: 'stated-name'`), which anyone able to sign could state.
 * A PCI DSS compensating control also needs every worksheet field.
 */
export function exceptionReviews(exceptions: ExceptionStatus[], attestations: AttestationRef[], refs: EvidenceReferences): ExceptionReview[] {
  return exceptions.map((e) => {
    const stated = attestations.filter((a) => a.framework === e.framework && a.requirement === e.requirement && a.by === e.approvedBy).sort((a, b) => (a.collectedAt < b.collectedAt ? 1 : -1));
    const att = e.approverArn ? stated.find((a) => a.sealedBy?.callerArn && callerIsPrincipal(a.sealedBy.callerArn, e.approverArn!)) : stated[0];
    const missing: string[] = [];
    const command = `\`evidence-locker attest --framework ${e.framework} --requirement ${e.requirement} --by "${e.approvedBy}" --file <signed approval> --note "approves the ${e.type}"\``;
    if (!att && e.approverArn && stated.length) {
      const others = [...new Set(stated.map((a) => (a.sealedBy?.callerArn ? a.sealedBy.callerArn : a.sealedBy?.signerKind === 'local' ? `a local key (${a.sealedBy.keyFingerprint}), no AWS identity` : 'a caller the tool did not record')))];
      missing.push(`approval not sealed by the register's approver ${e.approverArn}: ${stated.length} attestation(s) state "${e.approvedBy}" but were sealed by ${others.join('; ')}; the approver runs ${command} with a KMS signing key, as ${e.approverArn}`);
    } else if (!att) {
      missing.push(`approval not sealed: run ${command}${e.approverArn ? ` as ${e.approverArn}, with a KMS signing key` : ''}`);
    }
    if (e.type === 'compensating-control' && isPciFramework(e.framework)) {
      const absent = WORKSHEET_FIELDS.filter((f) => !e.worksheet?.[f]);
      if (absent.length) missing.push(`compensating-control worksheet incomplete: ${absent.join(', ')}`);
    }
    const sealedApproval = att
      ? { ref: refs.ofBody(att.runId, att.sha256) ?? att.sha256.slice(0, 12), on: att.collectedAt.slice(0, 10), by: att.by, sealer: describeAttester(att.by, att.sealedBy), matchedOn: e.approverArn ? ('caller' as const) : ('stated-name' as const) }
      : undefined;
    return { index: e.index, ...(sealedApproval ? { sealedApproval } : {}), missing };
  });
}

/** How a sealed approval was matched to the register, for the report's approval column. */
export function approvalMatchText(a: NonNullable<ExceptionReview['sealedApproval']>, approverArn: string | undefined): string {
  return a.matchedOn === 'caller'
    ? `sealed by the register's approver ${approverArn} (the caller the tool recorded)`
    : 'matched on the stated name only: the register names no approverArn, so compare the sealer with the approver yourself';
}

export interface AssessorInput {
  organization: string;
  catalogs: Catalog[];
  procedureMaps?: ProcedureMap[];
  timeline: Timeline;
  period: PeriodDays;
  scope: ScopeConfig;
  /** What the assessed entity is, per framework (config `entity`); absent: not declared. */
  entity?: Config['entity'];
  refs: EvidenceReferences;
  keys: PackageSummaryJson['keys'];
  simulated: boolean;
  exceptions?: ExceptionStatus[];
  /** Account- and region-level gaps the runs of the period recorded (run manifests' `gaps`). */
  runGaps?: { runId: string; accountId: string; region?: string }[];
  /** The enabled regions against the collected ones, per account (summary.json `regions`). */
  regionCoverage?: AccountRegionCoverage[];
  /** The CloudTrail event searches' coverage of the period (summary.json `eventSearches`). */
  eventSearches?: EventSearchCoverage;
  /** When the package was built, and the completion of its last sealed run: whether the period had ended. */
  builtAt?: string;
  lastSealedRun?: string;
  /**
   * `verify --recompute` of a package whose summary.json is of a revision before 7 only: its build said "at the end of
   * the period" in testing-procedures.csv notes even while the period had not ended, and named no alternative to a
   * failing addressable HIPAA specification; recomputed as it was built.
   */
  revision6Notes?: boolean;
  /** Accounts the period's collection runs collected that the package leaves out (`package --accounts`). */
  accountsLeftOut?: string[];
  /** Seals refused by planted files in the period (summary.json `period.sealRefused`). */
  refusedSeals?: RefusedSealRecord[];
  /** Refusal records a run of the same link does not name (summary.json `period.refusalsNotNamed`). */
  refusalsNotNamed?: RefusalNotNamed[];
  /** Collection runs that prove no day (summary.json `period.runsNotCredited`). */
  runsNotCredited?: RunNotCredited[];
  /** The limits the back-dating checks used (summary.json `backDatingChecks`). */
  backDatingChecks?: BackDatingChecks;
  /** S3: run folders with a start file and no sealed run (summary.json `period.unsealedStarts`); absent: not listed. */
  unsealedStarts?: readonly UnsealedStart[];
  /** Catalog parameters the configuration changed (summary.json `parameterOverrides`). */
  parameterOverrides?: ParameterOverride[];
  /** Where the collection records' bodies say they were collected from (summary.json `endpoints`). */
  endpoints?: EndpointSummary;
}

/** The checks against back-dated runs a package was built with (summary.json `backDatingChecks`). */
export interface BackDatingChecks {
  /** False: the store keeps no write time its writer cannot set (a local folder), so only signed spans were checked. */
  writeTimesChecked: boolean;
  maxSealDelayMs: number;
  maxRunSpanMs: number;
}

/** Whether the period had ended (24:00 UTC of its last day) when the package was built; unknown build time: ended. */
export function periodEnded(period: PeriodDays, builtAt: string | undefined): boolean {
  return builtAt === undefined || Date.parse(builtAt) >= Date.parse(`${period.to}T00:00:00Z`) + 86_400_000;
}

/**
 * Account-days, the account-days with evidence and the account- and region-level gaps of the days' last runs. An
 * account-day is judged by its last run: an earlier run of the day that could not reach the account (or a region) is
 * no gap when a later run of the day did.
 */
export function periodCoverage(timeline: Timeline, runGaps: NonNullable<AssessorInput['runGaps']>) {
  const accounts = new Set(timeline.rows.map((r) => r.accountId));
  const lastRuns = timeline.judged.filter((w) => w.last);
  const dayOfLast = new Map(lastRuns.map((w) => [`${w.runId}\u0000${w.accountId}`, w.day]));
  const accountGapDays = new Set<string>();
  const regionGapDays = new Set<string>();
  for (const g of runGaps) {
    const day = dayOfLast.get(`${g.runId}\u0000${g.accountId}`);
    if (day === undefined) continue;
    if (g.region) regionGapDays.add(`${day}/${g.accountId}/${g.region}`);
    else accountGapDays.add(`${day}/${g.accountId}`);
  }
  const accountDays = timeline.days.length * accounts.size;
  const reached = lastRuns.filter((w) => !accountGapDays.has(`${w.day}/${w.accountId}`)).length;
  // Requirements proposed not applicable to the declared entity type expect no evidence, whatever their coverage.
  const expecting = timeline.rows.filter((r) => (r.requirement.coverage === 'automated' || r.requirement.coverage === 'partial') && !r.latest?.notApplicableToEntity);
  return {
    accountDays,
    accountDaysWithEvidence: reached,
    coveragePercent: coveragePercent(reached, accountDays),
    accountLevelGaps: accountGapDays.size,
    regionLevelGaps: regionGapDays.size,
    accountDaysWithoutRun: accountDays - lastRuns.length,
    // A query error or denial on a day (gaps), or a day no run judged the requirement (gapDays).
    resultsWithGaps: expecting.filter((r) => r.gapsTotal > 0 || r.gapDays.length > 0).length,
    resultsExpectingEvidence: expecting.length,
  };
}

export function assessorResults(input: AssessorInput): AssessorResults {
  const maps = input.procedureMaps ?? input.catalogs.map((c) => loadProcedureMap(c));
  const rows = input.timeline.rows;
  const findings = findingsRegister(rows, input.refs);
  // Revision 7 on: a period not ended when the package was built has its procedure notes say "as of the last run".
  const notesAsOf = input.revision6Notes === true || periodEnded(input.period, input.builtAt) || input.lastSealedRun === undefined ? PERIOD_END : resultsAsOfLastRun(input.lastSealedRun);
  const procedures = procedureResults(input.catalogs, maps, rows, input.refs, findings, input.entity, notesAsOf, input.revision6Notes !== true);
  const pop = population(rows, input.refs);
  const scope = input.catalogs.map((c) => {
    const contradicted = contradictedScope(pop, c.framework);
    const text = contradictedScopeText(contradicted);
    return {
      framework: c.framework,
      declared: input.scope[c.framework] !== undefined,
      statement: `${scopeStatement(input.scope[c.framework])}${text ? `; ${text}` : ''}`,
      contradicted,
      ...(c.requirements.some((r) => r.appliesTo) ? { entity: { declared: input.entity?.[c.framework] !== undefined, statement: entityStatement(c.framework, input.entity, c.requirements.flatMap((r) => appliesToList(r))) } } : {}),
    };
  });

  const statusCounts: PackageSummaryJson['statusCounts'] = {};
  const worstStatusCounts: PackageSummaryJson['worstStatusCounts'] = {};
  for (const r of rows) {
    const c = (statusCounts[r.framework] ??= {});
    c[r.status] = (c[r.status] ?? 0) + 1;
    const w = (worstStatusCounts[r.framework] ??= {});
    w[r.worst] = (w[r.worst] ?? 0) + 1;
  }
  const proposedFindings: PackageSummaryJson['proposedFindings'] = {};
  for (const c of input.catalogs) proposedFindings[c.framework] = Object.fromEntries(PROPOSED_FINDINGS.map((p) => [p, 0])) as Record<ProposedFinding, number>;
  for (const p of procedures) proposedFindings[p.framework][p.proposedFinding]++;
  const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) findingsBySeverity[f.severity]++;
  const runDays = new Set(input.timeline.judged.map((w) => w.day));
  const daysWithRun = runDays.size;
  const datesWithoutRun = input.timeline.days.filter((d) => !runDays.has(d));
  const summary: PackageSummaryJson = {
    summaryRevision: SUMMARY_REVISION,
    organisation: input.organization,
    accountsLeftOut: input.accountsLeftOut ?? [],
    scope: Object.fromEntries(
      scope.map((s) => [
        s.framework,
        {
          declared: s.declared,
          statement: s.statement,
          ...(input.scope[s.framework] ? { definition: input.scope[s.framework], contradicted: s.contradicted } : {}),
          ...(s.entity ? { entity: { ...s.entity, ...(input.entity?.[s.framework] ? { definition: input.entity[s.framework] } : {}) } } : {}),
        },
      ]),
    ),
    period: {
      from: input.period.from,
      to: input.period.to,
      days: input.timeline.days.length,
      daysWithRun,
      daysWithoutRun: datesWithoutRun.length,
      datesWithoutRun,
      ...periodCoverage(input.timeline, input.runGaps ?? []),
      ended: periodEnded(input.period, input.builtAt),
      ...(periodEnded(input.period, input.builtAt) ? {} : { evidenceUntil: input.lastSealedRun ?? '' }),
      ...(input.refusedSeals?.length ? { sealRefused: input.refusedSeals.map(summaryRefusal) } : {}),
      ...(input.refusalsNotNamed?.length ? { refusalsNotNamed: input.refusalsNotNamed.map((x) => ({ record: x.record, runId: x.runId, chain: x.chain, problem: x.problem, message: x.message })) } : {}),
      ...(input.runsNotCredited?.length ? { runsNotCredited: input.runsNotCredited.map((n) => ({ runId: n.runId, day: n.day, why: n.why })) } : {}),
      ...(input.unsealedStarts ? { unsealedStarts: input.unsealedStarts.map(unsealedStartEntry) } : {}),
    },
    ...(input.backDatingChecks ? { backDatingChecks: { writeTimesChecked: input.backDatingChecks.writeTimesChecked, maxSealDelayMs: input.backDatingChecks.maxSealDelayMs, maxRunSpanMs: input.backDatingChecks.maxRunSpanMs } } : {}),
    statusCounts,
    worstStatusCounts,
    proposedFindings,
    findingsBySeverity,
    openFindings: findings.filter((f) => f.open).length,
    failingResults: rows.filter((r) => r.status === 'fail').length,
    failingResultsNotTested: rows.filter((r) => r.status === 'fail' && r.untested !== undefined).length,
    population: {
      inScope: pop.filter((p) => p.inScope).length,
      outOfScope: pop.filter((p) => !p.inScope).length,
      outOfScopeCheckFailing: pop.filter((p) => !p.inScope && p.checkResult === 'fail').length,
      outOfScopeCheckReview: pop.filter((p) => !p.inScope && p.checkResult === 'needs-review').length,
    },
    keys: input.keys,
    simulated: input.simulated,
    parameterOverrides: input.parameterOverrides ?? [],
    ...(input.regionCoverage ? { regions: input.regionCoverage.map((c) => ({
      accountId: c.accountId,
      enabled: c.enabled,
      collected: c.collected,
      uncollected: c.uncollected.map((u) => ({ region: u.region, inScopeFor: Object.keys(u.outOfScope).filter((fw) => u.outOfScope[fw] === undefined).sort() })),
      runsEnabledRegionsUnknown: c.unknown.length,
      runsEnabledRegionsNotRecorded: c.notRecorded.length,
    })) } : {}),
    ...(input.eventSearches ? { eventSearches: { pairs: input.eventSearches.pairs, from: input.eventSearches.from, to: input.eventSearches.to, unsearched: input.eventSearches.unsearched } } : {}),
    ...(input.endpoints ? { endpoints: input.endpoints } : {}),
  };
  return { scope, procedures, findings, population: pop, summary, evidenceRecords: input.refs.count, exceptionReviews: exceptionReviews(input.exceptions ?? [], input.timeline.attestations, input.refs), refOf: (runId, recordId) => input.refs.of(runId, recordId) ?? '' };
}
