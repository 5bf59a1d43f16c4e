import type { RunManifest } from '../evidence/manifest.js';
import { isDelegatedReadQuery, type ManifestRecord } from '../evidence/record.js';
import { evidencePath } from './manifest.js';
import { EvidenceReferences } from './references.js';
import { rowReasons, type RequirementTimeline } from './timeline.js';
import { rowExceptionLabels } from './exceptions.js';
import { codePointsShown } from '../log/terminal.js';

/**
 * How a package's CSV cells are written. `shown` (summary revision 7 on): bidirectional controls and zero-width
 * characters by code point ([U+202E]), as index.html shows them, and a formula prefixed after leading spaces too.
 * `asBuilt`: as builds before revision 7 wrote them (collected text verbatim), for `verify --recompute` of their packages.
 */
export type CsvCells = 'shown' | 'asBuilt';

/**
 * One CSV cell, RFC 4180 quoted, and safe to open in a spreadsheet: a cell whose first non-space character is = + - @
 * (or that starts with a tab / carriage return) is prefixed with ' so it is never evaluated as a formula.
 */
export function csvCell(value: unknown, cells: CsvCells = 'shown'): string {
  let s = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean | bigint);
  if (cells === 'shown') s = codePointsShown(s);
  if (cells === 'shown' ? /^\s*[=+\-@]|^[\t\r]/.test(s) : /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[], cells: CsvCells = 'shown'): string {
  return values.map((v) => csvCell(v, cells)).join(',') + '\r\n';
}

/**
 * The SIMULATED marker of a package's CSV files: when the package was built from simulated runs (the demo), every
 * CSV leads with a column `simulated` that is `true` on every row, so a spreadsheet or GRC import cannot take the rows
 * for evidence; a package from real runs has no such column (its CSVs keep their shape). Plain columns, no comment
 * row, so standard CSV tools still parse the files.
 */
export function csvMark(simulated: boolean | undefined, cells: CsvCells = 'shown'): { header: (cols: readonly string[]) => string; row: (values: unknown[]) => string } {
  return simulated
    ? { header: (cols) => csvLine(['simulated', ...cols], cells), row: (values) => csvLine([true, ...values], cells) }
    : { header: (cols) => csvLine([...cols], cells), row: (values) => csvLine(values, cells) };
}

export const CONTROLS_CSV_HEADER = [
  'framework',
  'requirement',
  'principal',
  'title',
  'coverage',
  'account',
  'status',
  'worst_status_in_period',
  'reasons',
  'evidence_count',
  'first_evidence',
  'last_evidence',
  'days_without_evidence',
  'changes_in_period',
  'exception',
  'finding_ids',
  'partial_coverage',
  'reconstructed_days',
];

export function controlsCsv(
  rows: RequirementTimeline[],
  lastDay: string,
  findingIds: (framework: string, requirement: string, accountId: string) => string[] = () => [],
  /** Days of the period whose evidence for the account was rebuilt afterwards (backfill), not collected on the day. */
  rebuiltDays: (accountId: string) => number = () => 0,
  /** The package is simulated: every row leads with simulated=true (csvMark). */
  simulated = false,
  cells: CsvCells = 'shown',
  /** Summary revision 8 on: an addressable specification not shown in place says so among its reasons (rowReasons). */
  addressableNote = true,
): Buffer {
  const mark = csvMark(simulated, cells);
  let out = mark.header(CONTROLS_CSV_HEADER);
  for (const r of rows) {
    const ex = rowExceptionLabels(r).join(' | ');
    out += mark.row([
      r.framework,
      r.requirement.id,
      r.requirement.principal,
      r.requirement.title,
      r.requirement.coverage,
      r.accountId,
      r.status,
      r.worst,
      rowReasons(r, lastDay, addressableNote).join(' | '),
      r.evidenceCount,
      r.firstEvidence ?? '',
      r.lastEvidence ?? '',
      r.gapDays.length,
      r.changesTotal,
      ex,
      findingIds(r.framework, r.requirement.id, r.accountId).join(' '),
      r.untested !== undefined
        ? 'not tested: its AWS checks test none of its procedures (supporting information only)'
        : r.requirement.coverage === 'partial'
          ? r.status === 'aws-portion-satisfied'
            ? 'AWS portion satisfied; other procedures not tested'
            : 'partial: AWS evidence covers part of the requirement'
          : '',
      rebuiltDays(r.accountId),
    ]);
  }
  return Buffer.from(out, 'utf8');
}

export const EVIDENCE_CSV_HEADER = ['run', 'record', 'query', 'account', 'region', 'collected_at', 'status', 'sha256', 'size', 'path', 'ref', 'evidence_kind', 'as_of'];

/**
 * Whether a package holds a run's record: every record of an attestation run, every organisation-wide read (member
 * records of the package cite them, whichever account the audit account is), and the records of the package's accounts.
 */
export function packagedRecord(runKind: RunManifest['kind'], rec: Pick<ManifestRecord, 'accountId' | 'queryId'>, accounts: ReadonlySet<string>): boolean {
  return runKind === 'attestation' || isDelegatedReadQuery(rec.queryId) || accounts.has(rec.accountId);
}

/**
 * evidence-index.csv rows of one run: one per evidence record; records of accounts outside the package are left
 * out (attestation runs are kept whole, organisation-wide reads are kept: `packagedRecord`). The header line is EVIDENCE_CSV_HEADER (csvMark), written once before the first run.
 */
export function evidenceCsvRows(run: Pick<RunManifest, 'runId' | 'kind' | 'records'> & Partial<Pick<RunManifest, 'reconstruction'>>, accounts: Set<string>, refs = new EvidenceReferences(), simulated = false, cells: CsvCells = 'shown'): string {
  const mark = csvMark(simulated, cells);
  let chunk = '';
  // A rebuilt record is about an earlier day than the one it was sealed on: both are stated, never one for the other.
  const kind = run.kind === 'attestation' ? 'attestation' : run.reconstruction ? 'reconstructed' : 'collected';
  for (const rec of run.records) {
    if (!packagedRecord(run.kind, rec, accounts)) continue;
    chunk += mark.row([run.runId, rec.recordId, rec.queryId, rec.accountId, rec.region, rec.collectedAt, rec.status, rec.sha256, rec.size, evidencePath(rec.sha256), refs.assign(run.runId, rec.recordId, run.kind === 'attestation' ? rec.sha256 : undefined), isDelegatedReadQuery(rec.queryId) ? 'organisation-read' : kind, run.reconstruction?.asOf ?? rec.collectedAt.slice(0, 10)]);
  }
  return chunk;
}
