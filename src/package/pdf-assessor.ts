import type PDFDocument from 'pdfkit';
import type { Requirement } from '../controls/schema.js';
import type { PackageModel } from './model.js';
import { visibleName } from '../log/terminal.js';
import { PROPOSED_LABEL, PROPOSED_WORD, type ProcedureResult } from './procedures.js';
import { SEVERITIES, type Severity } from './findings.js';
import { regionCoverageLines, regionsNeedAttention } from './regions.js';
import { approvalMatchText } from './assessor.js';
import { contradictionSource } from '../evaluate/scope.js';

/** Whether the package was built before the period's last day ended (a package without the field: ended). */
export function periodOpen(model: PackageModel): boolean {
  return model.assessor.summary.period.ended === false;
}

/** "at the end of the period", or, while it had not ended, the last sealed run the results are those of. */
export function resultsAsOf(model: PackageModel): string {
  return periodOpen(model) ? `as of the last run (${model.generatedAt}); the period had not ended` : 'at the end of the period';
}

type Doc = InstanceType<typeof PDFDocument>;
type Cell = string | { text: string; color: string };

/** The report's layout helpers (src/package/pdf.ts), handed in so these sections look like the rest. */
export interface PdfLayout {
  subheading(doc: Doc, text: string, level?: 'H2' | 'H3', keep?: number): void;
  para(doc: Doc, text: string, color?: string, size?: number): void;
  table(doc: Doc, columns: { header: string; width: number; mono?: boolean }[], rows: Cell[][], opts?: { size?: number }): void;
  keyValues(doc: Doc, pairs: [string, string][], keyWidth?: number): void;
  contentWidth: number;
  muted: string;
}

export const SEVERITY_COLOR: Record<Severity, string> = { critical: '#8b0000', high: '#cf222e', medium: '#b35900', low: '#57606a', informational: '#0969da' };
const PROPOSED_COLOR: Record<string, string> = { 'in-place': '#1a7f37', 'aws-portion-in-place': '#9a6700', 'not-in-place': '#cf222e', 'not-applicable': '#6e7781', 'not-tested': '#8250df' };
/** Findings printed in the register section; the rest are in findings.csv and index.html. */
const FINDING_ROWS = 60;
const POPULATION_ROWS = 25;

/** Executive summary additions: proposed findings per framework, partial requirements, findings by severity. */
export function assessorSummary(doc: Doc, model: PackageModel, l: PdfLayout): void {
  const s = model.assessor.summary;
  // Keep the heading with its table.
  if (doc.y > doc.page.height - doc.page.margins.bottom - 140) doc.addPage();
  l.subheading(doc, `Proposed findings per testing procedure (${PROPOSED_LABEL})`);
  l.table(
    doc,
    [
      // Headers are one line, never wrapped: each column is as wide as its header.
      { header: 'Framework', width: l.contentWidth - 422 },
      { header: 'In place', width: 44 },
      { header: 'AWS portion in place', width: 102 },
      { header: 'Not in place', width: 62 },
      { header: 'Not applicable', width: 73 },
      { header: 'Not tested', width: 56 },
      { header: 'AWS portion met', width: 85 },
    ],
    model.frameworks.map((f) => {
      const p = s.proposedFindings[f.framework];
      return [f.name, String(p['in-place']), String(p['aws-portion-in-place']), String(p['not-in-place']), String(p['not-applicable']), String(p['not-tested']), `${s.statusCounts[f.framework]?.['aws-portion-satisfied'] ?? 0} requirement x account`];
    }),
    { size: 8 },
  );
  l.para(
    doc,
    'A procedure is proposed "in place" only when its requirement is fully tested by AWS evidence and every in-scope resource passed its checks on every day of the period; a failure on any day makes it "not in place", a day without evidence "not tested". A procedure of a partial requirement is at most "AWS portion in place": its checks passed, the rest of the requirement is not tested. Manual procedures stay "not tested" with what to ask for, unless their requirement is proposed not applicable to the declared entity type. "AWS portion met" counts partial requirement x account results whose AWS checks all passed: none is a pass. A requirement whose AWS checks test none of its procedures (named untested in the procedure map) is never "AWS portion met": its passing checks are supporting information and it is shown as manual. "Not applicable" is only proposed; the assessor confirms it.',
    l.muted,
    8,
  );
  l.keyValues(doc, [
    ['Findings register', `${model.assessor.findings.length} finding(s), ${s.openFindings} open ${resultsAsOf(model)}: ${SEVERITIES.map((v) => `${s.findingsBySeverity[v]} ${v}`).join(', ')} (from ${s.failingResults} failing requirement x account results)`],
    ['Population', `${s.population.inScope} in-scope and ${s.population.outOfScope} out-of-scope resource checks; out-of-scope resources never decide a result (of those, under any requirement result, ${s.population.outOfScopeCheckFailing} fail and ${s.population.outOfScopeCheckReview ?? 0} need review; population.csv lists them all)`],
  ]);
}

/** The findings register, worst severity first, before the requirement sections. */
export function findingsSection(doc: Doc, model: PackageModel, l: PdfLayout): void {
  const f = model.assessor.findings;
  l.para(
    doc,
    'One row per in-scope resource and failing check, across both frameworks. Severity follows the published rule per check (README, "Findings register"); remediation links point at AWS documentation. Days open count the days of this period on which the check failed, from first to last seen. For HIPAA this register is the vulnerability input of the risk analysis: findings.csv has empty likelihood and impact columns for the entity to fill.',
    l.muted,
    8.5,
  );
  if (!f.length) {
    l.para(doc, 'No in-scope resource failed a check in the evidence sealed for the period. Days and checks without evidence (see Gaps and collection errors) say nothing either way, and results to review are not counted here. This does not show that the manual procedures are in place.');
    return;
  }
  l.table(
    doc,
    [
      { header: 'Finding', width: 40 },
      { header: 'Severity', width: 46 },
      { header: 'Resource / account / region', width: 118 },
      { header: 'Issue and remediation', width: l.contentWidth - 346 },
      { header: 'Requirements', width: 78 },
      { header: 'Seen / evidence', width: 64 },
    ],
    f.slice(0, FINDING_ROWS).map((e) => [
      e.id,
      { text: e.raised ? `${e.severity.toUpperCase()}\nraised: ${e.raised.label} on ${e.raised.day}` : e.severity.toUpperCase(), color: SEVERITY_COLOR[e.severity] },
      `${visibleName(e.resource)}\n${e.accountId} ${e.region}`,
      `${visibleName(e.detail)}\nFix: ${e.remediation}${e.remediationUrl ? `\n${e.remediationUrl}` : ''}`,
      e.requirements.join(' '),
      `${e.firstSeen === e.lastSeen ? e.firstSeen : `${e.firstSeen} to ${e.lastSeen}`} (${e.daysOpen} d, ${e.open ? 'open' : 'resolved'})\n${e.evidenceRefs.join(' ')}`,
    ]),
    { size: 6.5 },
  );
  if (f.length > FINDING_ROWS) l.para(doc, `${f.length - FINDING_ROWS} more findings in findings.csv and index.html.`, l.muted, 8);
}

/** Population counts per framework and the first rows; the whole list is in population.csv and index.html. */
export function populationSection(doc: Doc, model: PackageModel, l: PdfLayout): void {
  const pop = model.assessor.population;
  if (model.regionCoverage?.length) {
    // Scope first: where the population could have been found at all.
    l.subheading(doc, 'Scope: enabled regions');
    l.para(doc, 'Per account, the regions AWS lists as enabled (account:ListRegions, sealed in each run as account.enabled-regions) against the regions the runs collected. Regional checks say nothing about a region that was not collected: unless the declared scope leaves the region out (with its reason), a requirement with regional checks is not shown as a pass, AWS portion met or not applicable on a day its run left an enabled region out, or could not read the enabled regions.', l.muted, 8.5);
    for (const c of model.regionCoverage) for (const line of regionCoverageLines(c)) l.para(doc, line, regionsNeedAttention(c) && /ENABLED|UNKNOWN/.test(line) ? '#cf222e' : undefined, 8.5);
    l.subheading(doc, 'Resource checks judged');
  }
  l.para(doc, `Every resource each automated or partial requirement judged ${resultsAsOf(model)}, passing ones included, with its scope and the reason. Out-of-scope resources are listed for transparency and decide nothing.`, l.muted, 8.5);
  l.table(
    doc,
    [
      { header: 'Framework', width: 150 },
      { header: 'Resource checks in scope', width: 110 },
      { header: 'Out of scope', width: 90 },
      { header: 'Distinct resources (in / out)', width: l.contentWidth - 350 },
    ],
    model.frameworks.map((fw) => {
      const rows = pop.filter((p) => p.framework === fw.framework);
      const distinct = (inScope: boolean) => new Set(rows.filter((p) => p.inScope === inScope).map((p) => `${p.accountId} ${p.region} ${p.resource}`)).size;
      return [fw.name, String(rows.filter((p) => p.inScope).length), String(rows.filter((p) => !p.inScope).length), `${distinct(true)} / ${distinct(false)}`];
    }),
    { size: 8 },
  );
  const contradicted = model.assessor.scope.flatMap((s) => s.contradicted.map((c) => ({ framework: s.framework, ...c })));
  if (contradicted.length) {
    l.subheading(doc, 'Declared exclusions contradicted by the evidence');
    l.para(doc, 'Resources the declared scope leaves out on which a check that judges the scope found the data that defines it, or that the configuration itself declares a location of that data (PCI DSS cardDataBuckets): every check of them counts in scope and decides its requirement.', l.muted, 8.5);
    l.table(
      doc,
      [
        { header: 'Framework', width: 80 },
        { header: 'Resource', width: 150 },
        { header: 'Exclusion contradicted', width: l.contentWidth - 230 },
      ],
      contradicted.map((c) => [c.framework, `${visibleName(c.resource)}\n${c.accountId}`, `${c.exclusion ? 'exclusion contradicted' : 'scope contradicted'}: ${contradictionSource(c)}. Declared: ${c.declared}. ${c.checks} resource check(s) counted in scope.`]),
      { size: 7 },
    );
  }
  const outOfScope = [...new Map(pop.filter((p) => !p.inScope).map((p) => [`${p.framework} ${p.accountId} ${p.resource}`, p])).values()];
  if (outOfScope.length) {
    l.subheading(doc, 'Out-of-scope resources');
    l.table(
      doc,
      [
        { header: 'Framework', width: 80 },
        { header: 'Resource', width: 190 },
        { header: 'Why out of scope', width: l.contentWidth - 270 },
      ],
      outOfScope.slice(0, POPULATION_ROWS).map((p) => [p.framework, `${visibleName(p.resource)}\n${p.accountId} ${p.region}`, p.scopeReason]),
      { size: 7 },
    );
    if (outOfScope.length > POPULATION_ROWS) l.para(doc, `${outOfScope.length - POPULATION_ROWS} more in population.csv.`, l.muted, 8);
  }
  l.subheading(doc, 'First rows of the population');
  l.table(
    doc,
    [
      { header: 'Requirement', width: 70 },
      { header: 'Resource', width: 190 },
      { header: 'In scope', width: 45 },
      { header: 'Status', width: 60 },
      { header: 'Evidence', width: l.contentWidth - 365 },
    ],
    pop.slice(0, POPULATION_ROWS).map((p) => [`${p.framework.split('-')[0]} ${p.requirement}`, `${visibleName(p.resource)}\n${p.accountId} ${p.region}`, p.inScope ? 'yes' : 'no', p.status, p.evidenceRef]),
    { size: 7 },
  );
  l.para(doc, `${pop.length} rows in all: population.csv and index.html list every one.`, l.muted, 8);
}

/** The testing procedures of one requirement with method, proposed finding and evidence references. */
export function procedureRows(doc: Doc, model: PackageModel, framework: string, req: Requirement, l: PdfLayout): void {
  const results = model.assessor.procedures.filter((p) => p.framework === framework && p.requirement === req.id);
  const note = (p: ProcedureResult) => `${p.evidenceRefs.length ? `${p.evidenceRefs.slice(0, 12).join(' ')}${p.evidenceRefs.length > 12 ? ` +${p.evidenceRefs.length - 12}` : ''}\n` : ''}${p.note}`;
  const noteWidth = l.contentWidth - 260;
  // Keep the heading on the page of the table's header and first two rows (the table keeps those together).
  doc.font('Sans').fontSize(7.5);
  const firstRows = results.slice(0, 2).reduce((h, p) => h + doc.heightOfString(note(p), { width: noteWidth - 6 }) + 6, 0);
  l.subheading(doc, 'Testing procedures', 'H3', Math.min(40 + 16 + firstRows, 400));
  if (!results.length) return;
  l.table(
    doc,
    [
      // The table is drawn at MIN_PT (7.5): "Proposed finding" needs 78.
      { header: 'Procedure', width: 56 },
      { header: 'Method', width: 70 },
      { header: 'Proposed finding', width: 78 },
      { header: 'In / out of scope', width: 56 },
      { header: 'Evidence and note', width: noteWidth },
    ],
    results.map((p: ProcedureResult) => [
      p.procedure,
      p.method,
      { text: PROPOSED_WORD[p.proposedFinding], color: PROPOSED_COLOR[p.proposedFinding] },
      p.queries.length ? `${p.populationInScope} / ${p.populationOutOfScope}` : '-',
      note(p),
    ]),
    { size: 7 },
  );
}

/** Per exception: sealed approval, and the compensating-control worksheet or customized-approach fields. */
export function exceptionDetails(doc: Doc, model: PackageModel, l: PdfLayout): void {
  const reviews = new Map(model.assessor.exceptionReviews.map((r) => [r.index, r]));
  if (!model.exceptions.length) return;
  l.subheading(doc, 'Approvals, compensating-control worksheets and customized approaches');
  l.table(
    doc,
    [
      { header: 'Entry', width: 90 },
      { header: 'Approval', width: 110 },
      { header: 'Worksheet or customized approach', width: l.contentWidth - 200 },
    ],
    model.exceptions.map((e) => {
      const r = reviews.get(e.index);
      const w = e.worksheet;
      const c = e.customizedApproach;
      const fields = w
        ? `Constraints: ${w.constraints}\nObjective: ${w.objective}\nIdentified risk: ${w.identifiedRisk}\nDefinition: ${w.definition}\nValidation: ${w.validation}\nMaintenance: ${w.maintenance}`
        : c
          ? `Objective: ${c.objective}\nControls matrix: ${c.controlsMatrix}\nTargeted risk analysis: ${c.targetedRiskAnalysis}`
          : '-';
      return [
        `${e.framework}\n${e.requirement}\n${e.type}`,
        r?.sealedApproval ? `sealed ${r.sealedApproval.ref} on ${r.sealedApproval.on}: ${r.sealedApproval.sealer}; ${approvalMatchText(r.sealedApproval, e.approverArn)}` : { text: 'NOT SEALED', color: '#cf222e' },
        [fields, ...(r?.missing ?? [])].join('\n'),
      ];
    }),
    { size: 7 },
  );
}

/**
 * How many failing results are on requirements AWS evidence does not test (their failing checks are supporting evidence:
 * the assessor tests the requirement), said after a count of failing results; nothing when there are none.
 */
export function failingNotTestedText(s: { failingResults: number; failingResultsNotTested?: number }, short = false): string {
  const n = s.failingResultsNotTested ?? 0;
  if (!n) return '';
  // Beside the MANUAL badge on the cover: said as a part of the FAIL count, so no one adds it to either.
  return short ? `${n} of the ${s.failingResults} FAIL are on requirements AWS evidence does not test (supporting evidence only)` : `; ${n} of them on requirements whose AWS checks test none of their procedures (a failing check there is supporting evidence: the assessor tests the requirement)`;
}

/** One line under the cover's status badges: proposed findings per framework and the findings register by severity. */
export function coverCounts(doc: Doc, model: PackageModel, l: PdfLayout): void {
  const s = model.assessor.summary;
  const procedures = model.frameworks
    .map((f) => {
      const p = s.proposedFindings[f.framework];
      return `${f.name.replace(/ Security Rule$/, '')}: ${p['in-place']} in place, ${p['aws-portion-in-place']} AWS portion in place, ${p['not-in-place']} not in place, ${p['not-applicable']} not applicable, ${p['not-tested']} not tested`;
    })
    .join('; ');
  l.para(doc, `Testing procedures (${PROPOSED_LABEL}): ${procedures}. "AWS portion": its AWS checks passed, the rest is not tested.`, '#1f2328', 9);
  l.para(doc, `Findings register: ${model.assessor.findings.length} (${SEVERITIES.filter((v) => v !== 'informational').map((v) => `${s.findingsBySeverity[v]} ${v}`).join(', ')}), from ${s.failingResults} failing requirement x account results.`, '#1f2328', 9);
}
