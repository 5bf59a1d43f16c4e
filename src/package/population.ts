import type { ScopeContradiction } from '../evaluate/types.js';
import { csvMark, type CsvCells } from './csv.js';
import type { EvidenceReferences } from './references.js';
import type { RequirementTimeline } from './timeline.js';

/** One system component (or account setting) judged for one requirement at the end of the period. */
export interface PopulationRow {
  framework: string;
  requirement: string;
  accountId: string;
  region: string;
  resource: string;
  resourceType: string;
  queryId: string;
  inScope: boolean;
  scopeReason: string;
  /** The check's result for an in-scope resource; `out-of-scope` otherwise (it decides nothing). */
  status: string;
  /** The check's own result, in scope or not, for transparency. */
  checkResult: string;
  evidenceRef: string;
  /** In scope because a scope-judging result found the framework's data on a resource the declared scope leaves out. */
  contradicted?: ScopeContradiction;
}

/**
 * Every resource each automated or partial requirement judged in its latest evaluation, passing ones included, with
 * its scope: the population an assessor samples from (every finding of the latest evaluation, none left out).
 */
export function population(rows: RequirementTimeline[], refs: EvidenceReferences): PopulationRow[] {
  const out: PopulationRow[] = [];
  for (const row of rows) {
    if (!row.latest || (row.requirement.coverage !== 'automated' && row.requirement.coverage !== 'partial')) continue;
    for (const f of row.latest.findings) {
      out.push({
        framework: row.framework,
        requirement: row.requirement.id,
        accountId: row.accountId,
        region: f.region,
        resource: f.resource,
        resourceType: f.resourceType,
        queryId: f.queryId,
        inScope: f.inScope !== false,
        scopeReason: f.scopeReason ?? '',
        status: f.inScope === false ? 'out-of-scope' : f.status,
        checkResult: f.status,
        evidenceRef: refs.of(row.latest.evidence.find((e) => e.recordId === f.recordId)?.runId ?? row.latestRunId ?? '', f.recordId) ?? '',
        ...(f.scopeContradicted ? { contradicted: f.scopeContradicted } : {}),
      });
    }
  }
  return out;
}

/** A resource the declared scope left out, brought into scope because a scope-judging result found the framework's data on it. */
export interface ContradictedScope {
  accountId: string;
  /** As the scope-judging result names it (`arn:aws:s3:::name`). */
  resource: string;
  queryId: string;
  found: string;
  record: string;
  /** Whether an exclusion selected it (otherwise it was left unselected, or its account or region is out). */
  exclusion: boolean;
  /** The declared scope's decision the evidence contradicts. */
  declared: string;
  /** Resource checks of the population counted in scope because of it. */
  checks: number;
  /** The configuration field and value declaring it a data location, when that (not a finding) contradicts the scope. */
  configuration?: string;
}

/** The resources of one framework whose leaving out of the declared scope the evidence contradicts, one per account and resource. */
export function contradictedScope(rows: readonly PopulationRow[], framework: string): ContradictedScope[] {
  const out = new Map<string, ContradictedScope>();
  for (const r of rows) {
    const c = r.contradicted;
    if (r.framework !== framework || !c) continue;
    const key = `${r.accountId}\u0000${c.resource}`;
    const seen = out.get(key);
    if (seen) {
      seen.checks++;
      seen.exclusion ||= c.excluded;
    } else out.set(key, { accountId: r.accountId, resource: c.resource, queryId: c.queryId, found: c.found, record: c.record, exclusion: c.excluded, declared: c.declared, checks: 1, ...(c.configuration ? { configuration: c.configuration } : {}) });
  }
  return [...out.values()];
}

/** The scope statement's clause naming them, or '' when there are none. */
export function contradictedScopeText(list: readonly ContradictedScope[]): string {
  if (!list.length) return '';
  const excluded = list.filter((c) => c.exclusion).length;
  const counts = [excluded && `${excluded} declared exclusion(s)`, list.length - excluded && `${list.length - excluded} resource(s) left out of the declared scope`].filter(Boolean).join(' and ');
  // Short: the statement is printed on the cover; what was found, by which check and record, is in the population.
  const config = list.filter((c) => c.configuration).length;
  const by = config === 0 ? 'the evidence' : config === list.length ? "the configuration's own card data locations" : "the evidence or the configuration's own card data locations";
  return `${counts} contradicted by ${by} (${list.map((c) => c.resource).join(', ')}), their checks counted in scope (see Population)`;
}

export const POPULATION_CSV_HEADER = ['framework', 'requirement', 'account', 'region', 'resource', 'in_scope', 'scope_reason', 'status', 'evidence_ref', 'resource_type', 'query', 'check_result'];

export function populationCsv(rows: PopulationRow[], simulated = false, cells: CsvCells = 'shown'): Buffer {
  const mark = csvMark(simulated, cells);
  let out = mark.header(POPULATION_CSV_HEADER);
  for (const r of rows) out += mark.row([r.framework, r.requirement, r.accountId, r.region, r.resource, r.inScope, r.scopeReason, r.status, r.evidenceRef, r.resourceType, r.queryId, r.checkResult]);
  return Buffer.from(out, 'utf8');
}
