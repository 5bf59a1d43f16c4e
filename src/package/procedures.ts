import type { Catalog } from '../controls/schema.js';
import type { ProcedureMap, TestMethod } from '../controls/procedures.js';
import { queryById } from '../queries/index.js';
import { queryTitle } from '../queries/types.js';
import { csvMark, type CsvCells } from './csv.js';
import { findingKey, type FindingEntry } from './findings.js';
import type { EvidenceReferences } from './references.js';
import { dayStatus, type RefusedDay, type RequirementTimeline } from './timeline.js';
import { applicability, type Applicability } from '../evaluate/applicability.js';
import type { Config } from '../config/schema.js';

export const PROPOSED_FINDINGS = ['in-place', 'aws-portion-in-place', 'not-in-place', 'not-applicable', 'not-tested'] as const;
export type ProposedFinding = (typeof PROPOSED_FINDINGS)[number];

/** How each proposed finding reads in the report, the HTML and the cover. */
export const PROPOSED_WORD: Record<ProposedFinding, string> = {
  'in-place': 'in place',
  'aws-portion-in-place': 'AWS portion in place',
  'not-in-place': 'not in place',
  'not-applicable': 'not applicable',
  'not-tested': 'not tested',
};

/** Every proposed finding carries this label: the assessor, not the tool, concludes. */
export const PROPOSED_LABEL = 'proposed, assessor to confirm';

/** Introduces, in a mapped procedure's note, the map's statement of what its checks show and do not show. */
export const SHOWS_LABEL = 'what these checks show and do not show';

/** One testing procedure (PCI DSS) or implementation specification (HIPAA) over every account of the package. */
export interface ProcedureResult {
  framework: string;
  requirement: string;
  procedure: string;
  method: TestMethod | 'per the procedure text';
  proposedFinding: ProposedFinding;
  evidenceRefs: string[];
  populationInScope: number;
  populationOutOfScope: number;
  firstEvidence?: string;
  lastEvidence?: string;
  note: string;
  findingIds: string[];
  /** Queries whose evidence the procedure cites (empty: not tested by AWS evidence). */
  queries: string[];
}

/**
 * A procedure of a requirement limited to an entity type: proposed not applicable when the entity declared it is not
 * of that type (what the checks found kept in the note, no finding raised); not tested when the entity type is not
 * declared, since a judged result is not the entity's until the assessor confirms the requirement applies.
 */
function applicableOnly(appl: Applicability, proposed: ProposedFinding, note: string): { proposed: ProposedFinding; note: string } {
  const found = `the checks found: ${PROPOSED_WORD[proposed]} (${note})`;
  if (appl.applies === false) return { proposed: 'not-applicable', note: `${PROPOSED_LABEL}: not applicable: ${appl.note}; for information only, ${found}` };
  return { proposed: 'not-tested', note: proposed === 'not-tested' ? `${appl.note}; ${note}` : `${appl.note}; ${found}` };
}

/**
 * A failing addressable HIPAA specification: the rule lets the entity document why it is not reasonable and appropriate
 * and put an equivalent alternative in place instead, which no AWS API shows.
 */
export const ADDRESSABLE_NOTE = 'addressable specification: the AWS evidence does not show whether the entity documented that it is not reasonable and appropriate and put an equivalent alternative measure in place (45 CFR 164.306(d)(3)); ask for that assessment and documentation before concluding';

/** When the procedure notes' results hold: the period's end, or its last sealed run while the period had not ended. */
export interface ResultsAsOf {
  /** Follows the checks: "at the end of the period". */
  when: string;
  /** Follows "on any day": "of it". */
  days: string;
  /** Follows "do not fail": "at its end". */
  atItsEnd: string;
}

export const PERIOD_END: ResultsAsOf = { when: 'at the end of the period', days: 'of it', atItsEnd: 'at its end' };

/**
 * The notes' wording for a period that had not ended when the package was built: its results are those of the last
 * sealed run, and the days after it are not judged, so no note says "at the end of the period" of them.
 */
export function resultsAsOfLastRun(lastSealedRun: string): ResultsAsOf {
  return { when: `as of the last run (${lastSealedRun}; the period had not ended)`, days: 'of the period up to that run', atItsEnd: 'in the last run' };
}

/**
 * Proposes a finding per procedure over the whole period, as the requirement rows judge it (their worst status and
 * gap days), not only its last day: a mapped procedure is not in place when an in-scope resource fails its checks
 * at the end or on any earlier day of the period; not tested when a day of the period has no evidence, a check
 * could not be collected, or a result needs review; in place when every in-scope resource passed on every day; and
 * (proposed) not applicable when no in-scope resource was found. A procedure of a partial requirement is at most
 * `aws-portion-in-place`: its AWS checks passed, the rest of the requirement is not tested, so it is never "in
 * place". Unmapped procedures are not tested, with what to ask for; N/A from the catalog is only ever proposed.
 */
export function procedureResults(catalogs: Catalog[], maps: ProcedureMap[], rows: RequirementTimeline[], refs: EvidenceReferences, findings: FindingEntry[], entity?: Config['entity'], asOf: ResultsAsOf = PERIOD_END, addressableNote = true): ProcedureResult[] {
  const rowsByReq = new Map<string, RequirementTimeline[]>();
  for (const r of rows) {
    const k = `${r.framework}\u0000${r.requirement.id}`;
    rowsByReq.set(k, [...(rowsByReq.get(k) ?? []), r]);
  }
  const findingByKey = new Map(findings.map((f) => [findingKey(f.accountId, f.resource, f.queryId, f.region), f]));
  const out: ProcedureResult[] = [];
  for (const catalog of catalogs) {
    const map = maps.find((m) => m.framework === catalog.framework);
    const mapped = new Map((map?.procedures ?? []).map((p) => [p.procedure, p]));
    /** Requirements whose evidence informs the assessor but tests none of their procedures as written, with why. */
    const untestedWhy = new Map((map?.untested ?? []).map((u) => [u.requirement, u.reason]));
    for (const req of catalog.requirements) {
      const reqRows = rowsByReq.get(`${catalog.framework}\u0000${req.id}`) ?? [];
      // A requirement limited to an entity type: the declaration decides, or its absence leaves it to the assessor.
      const appl = applicability(catalog.framework, req, entity);
      const first = min(reqRows.map((r) => r.firstEvidence));
      const last = max(reqRows.map((r) => r.lastEvidence));
      for (const procedure of req.testingProcedures) {
        const base = { framework: catalog.framework, requirement: req.id, procedure };
        const m = mapped.get(procedure);
        if (!m) {
          const attested = reqRows.flatMap((r) => (r.latest?.evidence ?? []).filter((e) => e.queryId === 'attestation'));
          const attRefs = sortNumeric(attested.map((e) => refs.of(e.runId, e.recordId) ?? refs.ofBody(e.runId, e.sha256)));
          // A requirement proposed not applicable to the declared entity, whatever its coverage (its result is): so is each of
          // its procedures, the note keeping what would otherwise be asked for.
          const entityNotApplicable = appl?.applies === false;
          const note =
            (entityNotApplicable ? `${PROPOSED_LABEL}: not applicable: ${appl.note}; otherwise ` : appl && appl.applies !== true ? `${appl.note}; ` : '') +
            (req.coverage === 'not-applicable'
              ? `${PROPOSED_LABEL}: not applicable per the catalog (${req.rationale}); confirm with the entity`
              : req.coverage === 'inherited'
                ? `not tested by this package: inherited only for what the provider operates; review the provider's attestation and responsibility matrix for that part and test the part the entity operates itself${req.assessorGuidance ? ` (${req.assessorGuidance})` : ''}`
                : `not tested by AWS evidence${untestedWhy.has(req.id) ? ` (the requirement's AWS checks inform but do not test it: ${untestedWhy.get(req.id)})` : ''}; ask for: ${req.assessorGuidance ?? req.rationale}${attRefs.length ? `; sealed attestation(s) ${attRefs.join(' ')} to review` : ''}`);
          out.push({
            ...base,
            method: 'per the procedure text',
            proposedFinding: req.coverage === 'not-applicable' || entityNotApplicable ? 'not-applicable' : 'not-tested',
            evidenceRefs: attRefs,
            populationInScope: 0,
            populationOutOfScope: 0,
            note,
            findingIds: [],
            queries: [],
          });
          continue;
        }
        const queries = new Set(m.queries);
        const inScope = new Set<string>();
        /** Per check: the in-scope resources it judged and the out-of-scope ones it left out (the note names both). */
        const judgedBy = new Map<string, { in: Set<string>; out: Set<string> }>([...queries].map((q) => [q, { in: new Set<string>(), out: new Set<string>() }]));
        const outOfScope = new Set<string>();
        const statuses: string[] = [];
        const evidenceRefs: (string | undefined)[] = [];
        const findingIds = new Set<string>();
        const gaps: string[] = [];
        /** Gap days whose collection was refused its seal (planted files): by signed refusal record, the accounts it took. */
        const refused = new Map<string, { day: RefusedDay; accounts: string[] }>();
        /** In-scope failures of the procedure's checks in runs before the latest evaluation (resolved since). */
        const earlier: string[] = [];
        let reviewedEarlier = false;
        for (const row of reqRows) {
          // Days of the period without any evidence for the account: the requirement row's gap days.
          if (row.gapDays.length) gaps.push(`account ${row.accountId}: no evidence on ${row.gapDays.length} of ${row.daily.length} day(s) of the period${row.latest ? ` (first ${row.gapDays[0]})` : ''}`);
          for (const d of row.notCredited ?? []) gaps.push(`account ${row.accountId}: ${d.day} is not credited to run ${d.runId}, which proves no collection on it (signed or stored later than it claims; see "Runs stored later than they claim")`);
          for (const d of row.sealRefused ?? []) {
            const r = refused.get(d.record) ?? { day: d, accounts: [] };
            r.accounts.push(row.accountId);
            refused.set(d.record, r);
          }
          // Checks that could not be collected on any day of the period (the row keeps each distinct gap once).
          for (const g of row.gaps) if (queries.has(g.queryId)) gaps.push(`${g.queryId} (${row.accountId} ${g.region}) on ${g.day}: ${g.reason}`);
          // The row keeps a bounded number of distinct gaps: past that, one of these checks may have been among those not kept.
          if (row.gapsTotal > row.gaps.length && !row.gaps.some((g) => queries.has(g.queryId))) gaps.push(`account ${row.accountId}: more gaps in the period than the package lists (${row.gapsTotal}); some may be of these checks`);
          // A day without evidence for the requirement, whatever else the row shows.
          if (!row.gapDays.length && !row.gaps.length && row.daily.some((_c, i) => dayStatus(row, i) === 'not-collected')) gaps.push(`account ${row.accountId}: a day of the period has no usable evidence for the requirement`);
          // A day that needed review (the row's worst may be a fail of another check, so every day is read).
          if (row.daily.some((_c, i) => dayStatus(row, i) === 'needs-review')) reviewedEarlier = true;
          if (!row.latest) continue;
          for (const e of row.latest.evidence) if (queries.has(e.queryId)) evidenceRefs.push(refs.of(e.runId, e.recordId));
          for (const g of row.latest.gaps) if (queries.has(g.queryId) && !row.gaps.some((x) => x.queryId === g.queryId && x.region === g.region && x.reason === g.reason)) gaps.push(`${g.queryId} (${row.accountId} ${g.region}): ${g.reason}`);
          for (const f of row.latest.findings) {
            if (!queries.has(f.queryId)) continue;
            const id = `${row.accountId}\u0000${f.region}\u0000${f.resource}`;
            if (f.inScope === false) {
              outOfScope.add(id);
              judgedBy.get(f.queryId)?.out.add(id);
              continue;
            }
            // Not applicable because the mechanism is not deployed (no Config rules): the requirement needs review, so does the procedure.
            if (f.status === 'not-applicable' && f.mechanismAbsent) {
              inScope.add(id);
              statuses.push('needs-review');
              continue;
            }
            if (f.status === 'not-applicable') continue;
            inScope.add(id);
            judgedBy.get(f.queryId)?.in.add(id);
            statuses.push(f.status);
            if (f.status === 'fail') {
              const fe = findingByKey.get(findingKey(row.accountId, f.resource, f.queryId, f.region));
              if (fe) findingIds.add(fe.id);
            }
          }
          // Failed in a run judged for the period and not failing in the latest evaluation: resolved since (on an
          // earlier day, or by a later run of the same day).
          const failsAtEnd = new Set(row.latest.findings.filter((f) => f.status === 'fail' && f.inScope !== false).map((f) => `${f.resource}\u0000${f.queryId}\u0000${f.region}`));
          for (const [rk, span] of row.failSeen) {
            if (!queries.has(span.queryId) || failsAtEnd.has(rk)) continue;
            const fe = findingByKey.get(findingKey(row.accountId, span.resource, span.queryId, span.region));
            if (fe) findingIds.add(fe.id);
            earlier.push(`${fe ? `${fe.id} ` : ''}${span.resource} (${row.accountId} ${span.region}) ${span.first === span.last ? span.first : `${span.first} to ${span.last}`}`);
          }
        }
        // Every refused seal is named, however many other gaps the note leaves out: the record says why the day is a gap.
        const refusedNote = refused.size ? `; ${refusedSealsNote([...refused.values()])}` : '';
        const gapNote = () => `evidence gap in the period: ${gaps.slice(0, 3).join('; ')}${gaps.length > 3 ? `; ${gaps.length - 3} more` : ''}${refusedNote}`;
        const earlierNote = () => `in-scope resources failed earlier in the period and do not fail ${asOf.atItsEnd}: ${earlier.slice(0, 3).join('; ')}${earlier.length > 3 ? `; ${earlier.length - 3} more` : ''} (see the findings register)`;
        let proposed: ProposedFinding;
        let note: string;
        if (statuses.includes('fail')) {
          proposed = 'not-in-place';
          note = `${PROPOSED_LABEL}: in-scope resources fail ${asOf.when} (${[...findingIds].sort().join(' ')})`;
          if (earlier.length) note += `; ${earlierNote()}`;
        } else if (earlier.length) {
          // Not in place throughout the period, even though every check passes on its last day.
          proposed = 'not-in-place';
          note = `${PROPOSED_LABEL}: ${earlierNote()}`;
        } else if (statuses.includes('needs-review')) {
          proposed = 'not-tested';
          note = 'evidence needs the assessor\'s review before a finding can be proposed';
        } else if (gaps.length || statuses.includes('error')) {
          proposed = 'not-tested';
          note = gaps.length ? gapNote() : 'evidence gap: a check could not judge a resource';
        } else if (reviewedEarlier) {
          proposed = 'not-tested';
          note = 'the requirement needed the assessor\'s review on a day of the period; review that evidence before a finding can be proposed';
        } else if (inScope.size > 0) {
          const checks = checksJudged(judgedBy, req.parameters);
          if (req.coverage === 'partial') {
            proposed = 'aws-portion-in-place';
            note = `${PROPOSED_LABEL}: AWS portion in place: ${checks} ${asOf.when}, and none failed, lacked evidence or needed review on any day ${asOf.days}; ${partialRest(req.testingProcedures, procedure, mapped, req.assessorGuidance)}`;
          } else {
            proposed = 'in-place';
            note = `${PROPOSED_LABEL}: ${checks} ${asOf.when}, and none failed, lacked evidence or needed review on any day ${asOf.days}`;
          }
        } else if (req.coverage === 'partial') {
          // The requirement asks more than its AWS checks see: their finding nothing does not make it not applicable.
          proposed = 'not-tested';
          note = `no in-scope resource was found for these checks, so they show nothing for this procedure; not proposed as not applicable, since ${partialRest(req.testingProcedures, procedure, mapped, req.assessorGuidance)}`;
        } else {
          proposed = 'not-applicable';
          note = `${PROPOSED_LABEL}: no in-scope resource was found for these checks`;
        }
        if (proposed === 'not-in-place' && addressableNote && req.implementation === 'addressable') note += `; ${ADDRESSABLE_NOTE}`;
        if (proposed === 'not-in-place' && gaps.length) note += `; ${gapNote()}`;
        // A note that names no gap (a result needing review) still names a refused seal of the period.
        else if (refusedNote && !note.includes(refusedNote)) note += refusedNote;
        if (appl && appl.applies !== true) ({ proposed, note } = applicableOnly(appl, proposed, note));
        // What the checks show of this procedure and what they leave to the assessor, whatever was proposed.
        if (m.shows) note += `; ${SHOWS_LABEL}: ${m.shows}`;
        out.push({
          ...base,
          method: m.method,
          proposedFinding: proposed,
          evidenceRefs: sortNumeric(evidenceRefs),
          populationInScope: inScope.size,
          populationOutOfScope: outOfScope.size,
          ...(first ? { firstEvidence: first } : {}),
          ...(last ? { lastEvidence: last } : {}),
          note,
          // Proposed not applicable: no finding is raised against it.
          findingIds: proposed === 'not-applicable' ? [] : [...findingIds].sort(),
          queries: m.queries,
        });
      }
    }
  }
  return out;
}

/**
 * A procedure's refused seals: `SEAL REFUSED on <day> for account(s) <ids> (files planted by someone else in the run
 * folder of every attempt; attempts <ids>; signed refusal record <path>, SHA-256 <hex>)`, as controls.csv names them.
 */
function refusedSealsNote(refused: { day: RefusedDay; accounts: string[] }[]): string {
  const sorted = [...refused].sort((a, b) => (a.day.day < b.day.day ? -1 : a.day.day > b.day.day ? 1 : a.day.record < b.day.record ? -1 : 1));
  const each = sorted.map(({ day: d, accounts }) => `SEAL REFUSED on ${d.day} for account(s) ${[...new Set(accounts)].sort().join(', ')} (files planted by someone else in the run folder of every attempt; attempts ${d.attempts.join(', ')}; signed refusal record ${d.record}, SHA-256 ${d.sha256})`);
  return `${each.join('; ')}: no evidence of ${sorted.length === 1 ? 'that collection' : 'those collections'} was sealed, so ${sorted.length === 1 ? 'its day is a gap' : 'their days are gaps'}, not a pass`;
}

/** What a partial requirement leaves untested, worded from its actual procedures. */
function partialRest(procedures: string[], procedure: string, mapped: Map<string, unknown>, guidance: string | undefined): string {
  const others = procedures.filter((p) => p !== procedure);
  const ask = guidance ? ` (ask for: ${guidance})` : '';
  if (!others.length) return `the requirement is only partly tested by AWS evidence: this is its only procedure, and what it asks beyond these checks is not tested${ask}`;
  const untested = others.filter((p) => !mapped.has(p));
  if (!untested.length) return `the requirement is only partly tested by AWS evidence: what its procedures ask beyond their AWS checks is not tested${ask}`;
  return `the requirement is only partly tested by AWS evidence: ${untested.length === others.length ? (others.length === 1 ? 'its other procedure' : `its ${others.length} other procedures`) : `${untested.length} of its ${others.length} other procedures`} (${untested.join(', ')}) ${untested.length === 1 ? 'is' : 'are'} not tested${ask}`;
}

function min(xs: (string | undefined)[]): string | undefined {
  return xs.reduce<string | undefined>((m, x) => (x !== undefined && (m === undefined || x < m) ? x : m), undefined);
}
function max(xs: (string | undefined)[]): string | undefined {
  return xs.reduce<string | undefined>((m, x) => (x !== undefined && (m === undefined || x > m) ? x : m), undefined);
}
function sortNumeric(refs: (string | undefined)[]): string[] {
  return [...new Set(refs.filter((r): r is string => r !== undefined))].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
}

export const PROCEDURES_CSV_HEADER = [
  'framework',
  'requirement',
  'procedure',
  'method',
  'proposed_finding',
  'evidence_refs',
  'population_in_scope',
  'population_out_of_scope',
  'first_evidence',
  'last_evidence',
  'note',
];

/** testing-procedures.csv: every procedure of every packaged framework, proposed findings labelled as such. */
export function proceduresCsv(results: ProcedureResult[], simulated = false, cells: CsvCells = 'shown'): Buffer {
  const mark = csvMark(simulated, cells);
  let out = mark.header(PROCEDURES_CSV_HEADER);
  for (const p of results) {
    out += mark.row([p.framework, p.requirement, p.procedure, p.method, p.proposedFinding, p.evidenceRefs.join(' '), p.populationInScope, p.populationOutOfScope, p.firstEvidence ?? '', p.lastEvidence ?? '', p.note]);
  }
  return Buffer.from(out, 'utf8');
}

/**
 * What the checks of a procedure judged, for a note saying it is in place: the in-scope resources each check passed,
 * and each check that judged no in-scope resource (so it shows nothing for this procedure), with the resources it left
 * out of scope. The requirement's parameters are named, since they narrow what a check judges.
 */
function checksJudged(judgedBy: Map<string, { in: Set<string>; out: Set<string> }>, parameters: Record<string, unknown>): string {
  const passed: string[] = [];
  const none: string[] = [];
  for (const [q, j] of judgedBy) {
    const query = queryById(q);
    const title = query ? queryTitle(query, parameters) : q;
    if (j.in.size) passed.push(`${j.in.size} in-scope resource(s) pass ${q} (${title})`);
    else none.push(`${q} judged no in-scope resource${j.out.size ? ` (${j.out.size} out of scope, not counted)` : ''}, so it shows nothing here`);
  }
  const params = Object.entries(parameters ?? {});
  const withParams = params.length ? ` with the requirement's parameters ${params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : '';
  return `${passed.join('; ')}${withParams}${none.length ? `; ${none.join('; ')}` : ''}`;
}

