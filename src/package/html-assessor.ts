import type { PackageModel } from './model.js';
import { PROPOSED_LABEL, PROPOSED_WORD } from './procedures.js';
import { regionCoverageLines, regionsNeedAttention } from './regions.js';
import { severityText } from './findings.js';

/** Population rows embedded in index.html; beyond this the page says so and population.csv has them all. */
export const HTML_POPULATION_ROWS = 20_000;

/** The assessor data of index.html (read by its views, e.g. #findings and #summary). */
export function assessorHtmlData(model: PackageModel): unknown {
  const a = model.assessor;
  return {
    label: PROPOSED_LABEL,
    proposedWords: PROPOSED_WORD,
    scope: a.scope,
    summary: a.summary,
    findings: a.findings,
    procedures: a.procedures,
    population: a.population.slice(0, HTML_POPULATION_ROWS),
    populationTotal: a.population.length,
  };
}

/** A static section (works without script): scope, findings register and population, for reading and printing. */
export function assessorHtmlSection(model: PackageModel, esc: (s: string) => string): string {
  const a = model.assessor;
  const s = a.summary;
  const cell = (v: unknown) => `<td>${esc(String((v as string | number | boolean | null | undefined) ?? ''))}</td>`;
  const scope = a.scope.map((x) => `<li><strong>${esc(x.framework)}</strong>: ${esc(x.statement)}</li>${x.entity ? `<li class="entity-type"><strong>${esc(x.framework)} entity type</strong>: ${esc(x.entity.statement)}</li>` : ''}`).join('');
  // Where the population could have been found at all: enabled regions against those collected, per account.
  const regions = (model.regionCoverage ?? [])
    .flatMap((c) => regionCoverageLines(c).map((line) => (regionsNeedAttention(c) && /ENABLED|UNKNOWN/.test(line) ? `<li class="region-warning"><strong>${esc(line)}</strong></li>` : `<li>${esc(line)}</li>`)))
    .join('');
  const proposed = model.frameworks
    .map((f) => {
      const p = s.proposedFindings[f.framework];
      return `<tr>${cell(f.name)}${cell(p['in-place'])}${cell(p['aws-portion-in-place'])}${cell(p['not-in-place'])}${cell(p['not-applicable'])}${cell(p['not-tested'])}${cell(s.statusCounts[f.framework]?.['aws-portion-satisfied'] ?? 0)}</tr>`;
    })
    .join('');
  const findings = a.findings
    .map((f) => `<tr id="${esc(f.id)}">${cell(f.id)}${cell(severityText(f))}${cell(`${f.resource} (${f.accountId} ${f.region})`)}${cell(f.detail)}<td>${esc(f.remediation)}${f.remediationUrl ? ` <a href="${esc(f.remediationUrl)}">AWS documentation</a>` : ''}</td>${cell(f.requirements.join(' '))}${cell(`${f.firstSeen} to ${f.lastSeen} (${f.daysOpen} d, ${f.open ? 'open' : 'resolved'})`)}${cell(f.evidenceRefs.join(' '))}</tr>`)
    .join('');
  const pop = a.population
    .slice(0, HTML_POPULATION_ROWS)
    .map((p) => `<tr>${cell(p.framework)}${cell(p.requirement)}${cell(`${p.resource} (${p.accountId} ${p.region})`)}${cell(p.inScope ? 'in scope' : 'out of scope')}${cell(p.scopeReason)}${cell(p.status)}${cell(p.evidenceRef)}</tr>`)
    .join('');
  return `<section id="assessor-results">
<h2>Scope</h2><ul>${scope}</ul>${regions ? `
<h3>Scope: enabled regions</h3><ul id="region-coverage">${regions}</ul>` : ''}
<h2>Proposed findings per testing procedure (${esc(PROPOSED_LABEL)})</h2>
<table><thead><tr><th>Framework</th><th>In place</th><th>AWS portion in place</th><th>Not in place</th><th>Not applicable</th><th>Not tested</th><th>AWS portion met (requirement x account)</th></tr></thead><tbody>${proposed}</tbody></table>
<details><summary>Findings register: ${a.findings.length} finding(s), worst severity first</summary>
<table><thead><tr><th>Finding</th><th>Severity</th><th>Resource</th><th>Issue</th><th>Remediation</th><th>Requirements</th><th>Seen</th><th>Evidence</th></tr></thead><tbody>${findings}</tbody></table></details>
<details><summary>Population: ${s.population.inScope} in-scope and ${s.population.outOfScope} out-of-scope resource checks${a.population.length > HTML_POPULATION_ROWS ? ` (first ${HTML_POPULATION_ROWS} shown; population.csv lists all ${a.population.length})` : ''}</summary>
<table><thead><tr><th>Framework</th><th>Requirement</th><th>Resource</th><th>Scope</th><th>Why</th><th>Status</th><th>Evidence</th></tr></thead><tbody>${pop}</tbody></table></details>
</section>`;
}
