import { csvMark } from './csv.js';
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
      });
    }
  }
  return out;
}

export const POPULATION_CSV_HEADER = ['framework', 'requirement', 'account', 'region', 'resource', 'in_scope', 'scope_reason', 'status', 'evidence_ref', 'resource_type', 'query', 'check_result'];

export function populationCsv(rows: PopulationRow[], simulated = false): Buffer {
  const mark = csvMark(simulated);
  let out = mark.header(POPULATION_CSV_HEADER);
  for (const r of rows) out += mark.row([r.framework, r.requirement, r.accountId, r.region, r.resource, r.inScope, r.scopeReason, r.status, r.evidenceRef, r.resourceType, r.queryId, r.checkResult]);
  return Buffer.from(out, 'utf8');
}
