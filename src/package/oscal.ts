import { createHash } from 'node:crypto';
import { regionCoverageLines, regionSummary } from './regions.js';
import type { ControlStatus } from '../evaluate/types.js';
import { PACKAGE_FILES, evidencePath } from './manifest.js';
import type { PackageModel } from './model.js';
import { terminalText } from '../log/terminal.js';
import { failedDays, failedDaysText, rowReasons, type RequirementTimeline } from './timeline.js';
import { findingIdsByRow } from './findings.js';
import { exceptionLabel } from './exceptions.js';
import { sortRefs } from './references.js';
import { PERIOD_END, PROPOSED_LABEL, resultsAsOfLastRun } from './procedures.js';
import { reconstructedDays, reconstructionSentence } from './reconstructed.js';
import { refusalWords } from '../seal/refusals.js';
import { UNSEALED_START_MEANING, unsealedStartWords } from '../seal/trust.js';

export const OSCAL_VERSION = '1.1.2';

/** Name-based UUID (RFC 4122 version 5 layout, SHA-256 instead of SHA-1): the same package data, the same ids. */
export function deterministicUuid(namespace: string, name: string): string {
  const h = createHash('sha256').update(namespace).update('\u0000').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * OSCAL target ids are XML NCNames (a letter or _ first; letters, digits, . - _ after), which neither
 * `10.2.1` nor `164.312(a)(1)` is; the original id is kept in the finding's props.
 */
export function oscalControlId(requirementId: string): string {
  return `req-${requirementId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * How our statuses map onto OSCAL's two finding states (satisfied | not-satisfied):
 * - pass -> satisfied (reason pass); fail -> not-satisfied (reason fail).
 * - needs-review and not-collected -> not-satisfied with reason `other` and a remark saying why: OSCAL has no
 *   "undetermined" state, and claiming `satisfied` without a determination would overstate the evidence.
 * - manual and not-applicable -> no finding at all (no automated determination exists); an observation
 *   records the requirement, its attestations or its not-applicable rationale for the assessor instead.
 */
export function oscalState(status: ControlStatus): { state: 'satisfied' | 'not-satisfied'; reason: 'pass' | 'fail' | 'other' } | null {
  switch (status) {
    case 'pass':
      return { state: 'satisfied', reason: 'pass' };
    case 'fail':
      return { state: 'not-satisfied', reason: 'fail' };
    // Only part of the requirement was tested (aws-portion-satisfied): claiming `satisfied` would overstate the evidence.
    case 'needs-review':
    case 'not-collected':
    case 'aws-portion-satisfied':
      return { state: 'not-satisfied', reason: 'other' };
    default:
      return null;
  }
}

const REMARK: Partial<Record<ControlStatus, string>> = {
  'needs-review': 'Needs review: the evidence could not be judged automatically; an assessor must examine it.',
  'aws-portion-satisfied': 'AWS portion satisfied: every AWS check of this partial requirement passed; the procedures outside AWS APIs are not tested, so this is not a determination that the requirement is met.',
  'not-collected': 'Gap: the evidence needed to judge this requirement was not collected; this is not a determination that the requirement is met.',
};

/** oscal/assessment-results.json, validated in tests against the official OSCAL 1.1.2 JSON schema. */
export function renderOscal(model: PackageModel): Buffer {
  const ns = model.contentId;
  const uuid = (name: string) => deterministicUuid(ns, name);
  const resources = new Map<string, { uuid: string; title: string; description: string; rlinks: unknown[] }>();
  const resourceFor = (sha: string, label: string) => {
    let r = resources.get(sha);
    if (!r) {
      r = {
        uuid: uuid(`resource:${sha}`),
        title: `Evidence record ${sha.slice(0, 12)}`,
        description: label,
        rlinks: [{ href: evidencePath(sha), 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: sha }] }],
      };
      resources.set(sha, r);
    }
    return r;
  };

  const rebuilt = reconstructedDays(model);
  const rebuiltNote = reconstructionSentence(rebuilt);
  const observations: unknown[] = [];
  const findings: unknown[] = [];
  const controlIds = new Set<string>();
  const { risks, procedureFindings, riskUuid } = assessorOscal(model, uuid);
  const findingIdsOf = findingIdsByRow(model.assessor.findings);
  // Whose status the observations and findings give: the period's end, or the last sealed run while it had not ended.
  const asOf = (model.assessor.summary.period.ended === false ? resultsAsOfLastRun(model.generatedAt) : PERIOD_END).when;
  for (const row of model.timeline.rows) {
    const controlId = oscalControlId(row.requirement.id);
    controlIds.add(controlId);
    const obsUuid = uuid(`observation:${row.framework}:${row.requirement.id}:${row.accountId}`);
    const evidence = row.latest?.evidence ?? [];
    const reasons = rowReasons(row, model.period.to);
    const collected = evidence.reduce((m, e) => (e.collectedAt > m ? e.collectedAt : m), '') || model.generatedAt;
    const method = row.requirement.coverage === 'automated' || row.requirement.coverage === 'partial' ? 'TEST' : 'EXAMINE';
    observations.push({
      uuid: obsUuid,
      title: `${row.requirement.id} in account ${row.accountId}`,
      description: `${row.requirement.title}. Status ${asOf}: ${row.status}; worst during the period: ${row.worst}. ${reasons.slice(0, 5).join(' ')}`.trim(),
      props: [
        { name: 'requirement-id', ns: 'https://evidence-locker.dev/ns/oscal', value: row.requirement.id },
        { name: 'framework', ns: 'https://evidence-locker.dev/ns/oscal', value: row.framework },
        { name: 'account-id', ns: 'https://evidence-locker.dev/ns/oscal', value: row.accountId },
        { name: 'status', ns: 'https://evidence-locker.dev/ns/oscal', value: row.status },
        ...sortRefs(evidence.slice(0, 100).map((e) => model.assessor.refOf(e.runId, e.recordId) || undefined)).map((ref) => ({ name: 'evidence-ref', ns: 'https://evidence-locker.dev/ns/oscal', value: ref })),
        // Whether the latest evaluation rests on evidence collected on its day or rebuilt afterwards (backfill).
        ...(row.latestRunId ? [{ name: 'evidence-kind', ns: 'https://evidence-locker.dev/ns/oscal', value: rebuilt.runIds.has(row.latestRunId) ? 'reconstructed' : 'collected' }] : []),
        ...(rebuilt.byAccount.get(row.accountId)?.size ? [{ name: 'reconstructed-days', ns: 'https://evidence-locker.dev/ns/oscal', value: String(rebuilt.byAccount.get(row.accountId)!.size) }] : []),
        ...(row.untested !== undefined ? [untestedProp(row.untested)] : []),
      ],
      methods: [method],
      ...(evidence.length
        ? {
            'relevant-evidence': evidence.slice(0, 100).map((e) => ({
              href: `#${resourceFor(e.sha256, `${e.queryId} ${e.accountId} ${e.region} ${rebuilt.runIds.has(e.runId) ? 'rebuilt' : 'collected'} ${e.collectedAt} (run ${e.runId})`).uuid}`,
              description: `${model.assessor.refOf(e.runId, e.recordId) || e.recordId}: ${e.recordId} ${rebuilt.runIds.has(e.runId) ? `rebuilt ${e.collectedAt} from AWS history for ${row.latestDay ?? 'an earlier day'} (a reconstruction, not collected that day)` : `collected ${e.collectedAt}`}, SHA-256 ${e.sha256}`,
            })),
          }
        : {}),
      collected,
      ...(row.status === 'manual' || row.status === 'not-applicable'
        ? { remarks: manualRemark(row) }
        : rebuiltNote && rebuilt.byAccount.get(row.accountId)?.size
          ? { remarks: rebuiltNote }
          : {}),
    });
    const period = periodState(row, model.period.to, asOf);
    const st = period?.state ?? oscalState(row.status);
    if (!st) continue;
    const ids = findingIdsOf(row.framework, row.requirement.id, row.accountId);
    const related = ids.map((id) => riskUuid.get(id)).filter((u): u is string => u !== undefined);
    const remarks = [period ? `${period.remark}${ids.length ? ` Findings: ${ids.join(' ')}.` : ''}` : undefined, REMARK[row.status], row.untested !== undefined ? untestedRemark(row.untested, st.reason) : undefined, row.exception ? exceptionRemark(row) : undefined, row.gapDays.length ? gapRemark(row) : undefined].filter(Boolean).join(' ');
    findings.push({
      uuid: uuid(`finding:${row.framework}:${row.requirement.id}:${row.accountId}`),
      title: `${row.requirement.id} ${row.requirement.title} (account ${row.accountId})`,
      description: reasons.join('\n') || row.requirement.rationale,
      props: [
        { name: 'requirement-id', ns: 'https://evidence-locker.dev/ns/oscal', value: row.requirement.id },
        { name: 'account-id', ns: 'https://evidence-locker.dev/ns/oscal', value: row.accountId },
        { name: 'status-at-period-end', ns: 'https://evidence-locker.dev/ns/oscal', value: row.status },
        { name: 'worst-in-period', ns: 'https://evidence-locker.dev/ns/oscal', value: row.worst },
        ...(row.untested !== undefined ? [untestedProp(row.untested)] : []),
      ],
      target: {
        type: 'objective-id',
        'target-id': controlId,
        title: row.requirement.title,
        status: { state: st.state, reason: st.reason, ...(remarks ? { remarks } : {}) },
      },
      'related-observations': [{ 'observation-uuid': obsUuid }],
      ...(related.length ? { 'related-risks': related.map((u) => ({ 'risk-uuid': u })) } : {}),
    });
  }

  findings.push(...procedureFindings);

  // Each seal refused by planted files: an observation citing its signed refusal record (path and SHA-256), so a GRC
  // import shows why those days have no evidence rather than a silent hole.
  for (const r of model.refusedSeals ?? []) {
    const resource = { uuid: uuid(`resource:refusal:${r.record}`), title: `Signed refusal record ${r.record}`, description: `Seal refused on ${r.day} (chain ${r.chain}), signed by a run key of this package.`, rlinks: [{ href: r.record, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: r.sha256 }] }] };
    resources.set(`refusal:${r.record}`, resource);
    observations.push({
      uuid: uuid(`observation:refusal:${r.record}`),
      title: `Seal refused on ${r.day} (chain ${r.chain})`,
      description: `${refusalWords(r.attempts)}. The collection started ${r.startedAt} (${r.records} evidence record(s)) was refused its seal at ${r.refusedAt}: it is not evidence, and its days are gaps, never passes. The signed refusal record ${r.record} (SHA-256 ${r.sha256})${r.namedBy ? `, named by the signed manifest of run ${r.namedBy},` : ''} proves the holder of the run signing key refused that seal and names the planted files; it does not prove what the evidence said, and a holder of that key could write one too.`,
      props: [
        { name: 'seal-refused-day', ns: NS, value: r.day },
        { name: 'refusal-record', ns: NS, value: r.record },
        { name: 'refusal-record-sha256', ns: NS, value: r.sha256 },
      ],
      methods: ['EXAMINE'],
      'relevant-evidence': [{ href: `#${resource.uuid}`, description: `${r.record}, SHA-256 ${r.sha256}` }],
      collected: r.refusedAt,
    });
  }

  // Run folders with a start file and no sealed run (S3): one observation, so a GRC import shows what they may be.
  const starts = model.assessor.summary.period.unsealedStarts ?? [];
  if (starts.length) {
    // The start file is not in the package (no sealed run names it): what the package holds of it is the entry the
    // signed manifest.json and summary.json record, at the same index in both.
    const evidence = starts.map((u, i) => {
      const resource = {
        uuid: uuid(`resource:unsealed-start:${u.runId}`),
        title: `Recorded start file ${u.key}${u.versionId ? ` version ${u.versionId}` : ''}`,
        description: `The store's listing of run folder ${u.runId} when this package was built, recorded in the signed manifest.json (evaluation.unsealedStarts) and in summary.json (period.unsealedStarts). The start file itself is not in this package: the record shows its key, version and write time, not its content or who wrote it.`,
        rlinks: [
          { href: `${PACKAGE_FILES.manifest}#/evaluation/unsealedStarts/${i}`, 'media-type': 'application/json' },
          { href: `${PACKAGE_FILES.summary}#/period/unsealedStarts/${i}`, 'media-type': 'application/json' },
        ],
      };
      resources.set(`unsealed-start:${u.runId}`, resource);
      return { href: `#${resource.uuid}`, description: `${u.key}${u.versionId ? ` version ${u.versionId}` : ''}, written ${u.writtenAt ?? 'at a time the store does not list'}: as recorded in manifest.json and summary.json (the start file is not in this package)` };
    });
    observations.push({
      uuid: uuid('observation:unsealed-starts'),
      title: `${starts.length} run folder(s) with a start file and no sealed run`,
      description: `${starts.map(unsealedStartWords).join('; ')}. ${UNSEALED_START_MEANING}`,
      props: starts.map((u) => ({ name: 'unsealed-start', ns: NS, value: u.runId, remarks: `${u.key}${u.versionId ? ` version ${u.versionId}` : ''}, written ${u.writtenAt ?? 'at a time the store does not list'}` })),
      methods: ['EXAMINE'],
      'relevant-evidence': evidence,
      collected: model.generatedAt,
    });
  }

  const doc = {
    'assessment-results': {
      uuid: uuid('assessment-results'),
      metadata: {
        // A simulated package (the demo) says so where a GRC import shows it: the title, a prop and the remarks.
        title: `${model.simulated ? SIMULATED_TITLE_PREFIX : ''}${model.organization}: ${model.frameworks.map((f) => `${f.name} ${f.version}`).join(', ')} evidence, ${model.period.from} to ${model.period.to}`,
        'last-modified': model.generatedAt,
        version: model.contentId.slice(0, 16),
        'oscal-version': OSCAL_VERSION,
        ...(model.simulated ? { props: [{ name: 'simulated', ns: NS, value: 'true', remarks: SIMULATED_REMARK }] } : {}),
        remarks: `${model.simulated ? `${SIMULATED_REMARK} ` : ''}Generated by evidence-locker from sealed, signed evidence runs. Findings for manual and not-applicable requirements are omitted (no automated determination); see the observations.`,
      },
      // OSCAL requires an assessment plan reference; the plan is the organisation's, outside this package.
      'import-ap': { href: `#${uuid('resource:assessment-plan')}`, remarks: 'Placeholder: the assessment plan is maintained by the assessor and is not part of this evidence package.' },
      results: [
        {
          uuid: uuid('result'),
          title: `Automated evidence evaluation, ${model.period.from} to ${model.period.to}`,
          description: `Requirement results for accounts ${model.accounts.join(', ')} from ${model.runs.length} sealed collection run(s). Regions collected: ${regionSummary(model.regions, model.regionCoverage ?? [])}.${(model.regionCoverage ?? []).map((c) => ` ${regionCoverageLines(c).join('. ')}.`).join('')} Each requirement finding judges the whole period, as the testing-procedure findings do: satisfied only when the requirement passed on every day of it; one that failed on any day is not-satisfied (fail) even when it passes at its end, one without evidence or needing review on a day is not-satisfied (other). Its props give the status at the period end and the worst in the period; the prop procedures-tested = none marks a requirement whose AWS checks test none of its testing procedures, whose failure is supporting evidence for the assessor, not a test of the requirement (counted apart as failingResultsNotTested in summary.json).`,
          start: `${model.period.from}T00:00:00Z`,
          end: model.generatedAt,
          'reviewed-controls': { 'control-selections': [{ 'include-controls': [...controlIds].sort().map((id) => ({ 'control-id': id })) }] },
          observations,
          ...(risks.length ? { risks } : {}),
          ...(findings.length ? { findings } : {}),
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: uuid('resource:assessment-plan'),
            title: 'Assessment plan (placeholder)',
            description: 'The assessor provides the assessment plan; this entry only satisfies the OSCAL import-ap reference.',
          },
          ...[...resources.values()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1)),
        ],
      },
    },
  };
  // DEL, C1, bidirectional and zero-width characters of names as JSON's \u escapes (terminalText): the same values, and a
  // viewer of the raw file shows them instead of turning the text after them around.
  return Buffer.from(terminalText(JSON.stringify(doc, null, 1)) + '\n', 'utf8');
}

/**
 * The requirement's OSCAL state over the whole period, when it differs from its end-of-period status: failed on any day
 * (even if it passes, or is left to the assessor, at the end) -> not-satisfied (fail), naming the days; satisfied at the
 * end but without evidence or needing review on a day -> not-satisfied (other). Undefined: the end status says it all.
 * `asOf` says whose status that is (the last run's while the period had not ended).
 */
export function periodState(row: RequirementTimeline, lastDay: string, asOf: string = PERIOD_END.when): { state: { state: 'satisfied' | 'not-satisfied'; reason: 'pass' | 'fail' | 'other' }; remark: string } | undefined {
  if (row.status === 'fail') return undefined;
  const failed = failedDays(row, lastDay);
  if (failed.length) {
    return {
      state: { state: 'not-satisfied', reason: 'fail' },
      remark: `Not satisfied over the period: ${row.status} ${asOf}, but failed on ${failed.length} of ${row.daily.length} day(s) (${failedDaysText(row, lastDay)}).`,
    };
  }
  if (oscalState(row.status)?.state === 'satisfied' && (row.worst === 'not-collected' || row.worst === 'needs-review')) {
    return {
      state: { state: 'not-satisfied', reason: 'other' },
      remark: `Satisfied ${asOf} only: on a day of the period the result was ${row.worst === 'not-collected' ? 'a gap (no evidence to judge it)' : 'in need of review'}, so no determination covers the whole period.`,
    };
  }
  return undefined;
}

function manualRemark(row: RequirementTimeline): string {
  if (row.status === 'not-applicable') return notApplicableRemark(row);
  // A requirement whose AWS checks the procedure map names untested: they are supporting information only.
  if (row.untested !== undefined) {
    return `Not tested by AWS evidence: the assessor tests this requirement${row.requirement.assessorGuidance ? ` (${row.requirement.assessorGuidance})` : ''}; its AWS check results are cited as supporting information only, not as a determination that the requirement or any part of it is met. ${(row.latest?.reasons ?? []).join(' ')}`.trim();
  }
  return `Manual requirement: ${row.requirement.assessorGuidance ?? 'the assessor examines evidence outside AWS APIs'}. ${(row.latest?.reasons ?? []).join(' ')}`.trim();
}

/**
 * A not-applicable result is only proposed: the remark says so, says why (the catalog, an empty scope, or no
 * in-scope resource found), and labels the catalog's rationale as the check's rationale, not as the reason.
 */
export function notApplicableRemark(row: RequirementTimeline): string {
  const head = 'Proposed not applicable (assessor to confirm)';
  if (row.requirement.coverage === 'not-applicable') return `${head}: the catalog marks this requirement not applicable. Catalog rationale: ${row.requirement.rationale}`;
  // Not applicable to the entity type it declared: that is why, whatever the checks found (kept for information).
  const entity = row.requirement.appliesTo ? row.latest?.reasons.find((r) => r.startsWith('applies only to ')) : undefined;
  if (entity) return `${head}: ${entity.replace(/: proposed not applicable, assessor to confirm$/, '')}; the assessor confirms the entity type. ${row.latest!.reasons.filter((r) => r !== entity).join(' ')}`.trim();
  const findings = row.latest?.findings ?? [];
  const outOfScope = findings.filter((f) => f.inScope === false);
  const why =
    findings.length > 0 && outOfScope.length === findings.length
      ? `every resource its checks judged in this account is outside the declared scope (${outOfScope.length} out-of-scope resource check(s), e.g. ${outOfScope[0].resource}: ${outOfScope[0].scopeReason ?? 'excluded'}; listed in population.csv)`
      : 'its checks found no in-scope resource in this account, or every one they judged was not applicable';
  return `${head}: ${why}; the assessor confirms that none is expected. Check rationale (what the evidence shows when such resources exist): ${row.requirement.rationale}`;
}

/** The finding remark for a row's days without evidence, naming the signed refusal record of each day whose seal was refused. */
function gapRemark(row: RequirementTimeline): string {
  const refused = row.sealRefused ?? [];
  const notCredited = row.notCredited ?? [];
  const base = `${row.gapDays.length} day(s) of the period had no evidence for this account.${notCredited.length ? ` ${notCredited.map((d) => `${d.day} is not credited to run ${d.runId}, which proves no collection on it: ${d.why}`).join(' ')}` : ''}`;
  if (!refused.length) return base;
  return `${base} On ${[...new Set(refused.map((d) => d.day))].join(', ')} its collection was refused its seal (files planted by someone else in every attempt; ${refused.map((d) => `signed refusal record ${d.record}, SHA-256 ${d.sha256}`).join('; ')}): no evidence of it was sealed.`;
}

function exceptionRemark(row: RequirementTimeline): string {
  const e = row.exception!;
  const others = (row.otherExceptions ?? []).map((o) => ` Also registered: ${exceptionLabel(o)}. ${o.rationale}`).join('');
  return `${exceptionLabel(e)}. It does not change the status. ${e.rationale}${others}`;
}

const NS = 'https://evidence-locker.dev/ns/oscal';

/**
 * A requirement the procedure map names untested: `procedures-tested` = `none` on its observation and finding, so a GRC
 * import can set its failures apart (summary.json `failingResultsNotTested`, the report's "FAIL on requirements AWS
 * evidence does not test") from failures of requirements the evidence tests.
 */
function untestedProp(reason: string): { name: string; ns: string; value: string; remarks: string } {
  return { name: 'procedures-tested', ns: NS, value: 'none', remarks: `Its AWS checks test none of the requirement's testing procedures (${reason}): their results are supporting evidence; the assessor tests the requirement.` };
}

/** The finding remark of a requirement whose AWS checks test none of its procedures; a failure says what it does not prove. */
function untestedRemark(reason: string, determination: 'pass' | 'fail' | 'other'): string {
  return determination === 'fail'
    ? `Failing evidence that tests none of this requirement's testing procedures (${reason}): a failing AWS check is supporting evidence that something is wrong, not a test of the requirement; the assessor tests it. Counted apart from the other failures (procedures-tested none).`
    : `Its AWS checks inform but do not test this requirement (${reason}); the assessor tests it.`;
}
/** Title prefix of a simulated package's assessment results. */
export const SIMULATED_TITLE_PREFIX = 'SIMULATED \u2014 NOT EVIDENCE: ';
const SIMULATED_REMARK = 'SIMULATED \u2014 NOT EVIDENCE: the runs in this package were collected from the simulated AWS started by the demo command, not from real accounts.';

/**
 * The findings register as OSCAL risks, and one finding per testing procedure objective with a proposed result:
 * in place -> satisfied (pass), only when the requirement itself can be satisfied (not partial, and no account's
 * result only AWS portion met); AWS portion in place -> not-satisfied (other), since the rest of a partial
 * requirement is not tested; not in place -> not-satisfied (fail). Not-tested and not-applicable procedures carry
 * no determination.
 */
function assessorOscal(model: PackageModel, uuid: (name: string) => string): { risks: unknown[]; procedureFindings: unknown[]; riskUuid: Map<string, string> } {
  const riskUuid = new Map<string, string>();
  const risks = model.assessor.findings.map((f) => {
    const id = uuid(`risk:${f.id}:${f.accountId}:${f.resource}:${f.queryId}:${f.region}`);
    riskUuid.set(f.id, id);
    return {
      uuid: id,
      title: `${f.id} ${f.title}`,
      description: `${f.resource} (account ${f.accountId}, ${f.region}): ${f.detail}`,
      statement: `Remediation: ${f.remediation}${f.remediationUrl ? ` See ${f.remediationUrl}` : ''}`,
      props: [
        { name: 'finding-id', ns: NS, value: f.id },
        { name: 'severity', ns: NS, value: f.severity },
        ...(f.raised ? [{ name: 'severity-raised', ns: NS, value: `${f.raised.label} on ${f.raised.day}` }] : []),
        { name: 'first-seen', ns: NS, value: f.firstSeen },
        { name: 'last-seen', ns: NS, value: f.lastSeen },
        { name: 'days-open', ns: NS, value: String(f.daysOpen) },
        ...f.requirements.map((r) => ({ name: 'requirement', ns: NS, value: r })),
        ...f.evidenceRefs.map((r) => ({ name: 'evidence-ref', ns: NS, value: r })),
      ],
      status: f.open ? 'open' : 'closed',
    };
  });
  const procedureFindings: unknown[] = [];
  // Requirements that cannot be satisfied as a whole: partial coverage, or an account's result only AWS portion met.
  const partial = new Set(model.timeline.rows.filter((r) => r.requirement.coverage === 'partial' || r.status === 'aws-portion-satisfied').map((r) => `${r.framework}\u0000${r.requirement.id}`));
  for (const p of model.assessor.procedures) {
    if (p.proposedFinding !== 'in-place' && p.proposedFinding !== 'aws-portion-in-place' && p.proposedFinding !== 'not-in-place') continue;
    const satisfied = p.proposedFinding === 'in-place' && !partial.has(`${p.framework}\u0000${p.requirement}`);
    const st = satisfied
      ? { state: 'satisfied', reason: 'pass', remarks: `Proposed finding (${PROPOSED_LABEL}).` }
      : p.proposedFinding === 'not-in-place'
        ? { state: 'not-satisfied', reason: 'fail', remarks: `Proposed finding (${PROPOSED_LABEL}).` }
        : {
            state: 'not-satisfied',
            reason: 'other',
            remarks: `AWS portion in place (${PROPOSED_LABEL}): the procedure's AWS checks passed on every day of the period${model.assessor.summary.period.ended === false ? ` up to the last run (${model.generatedAt}; the period had not ended)` : ''}, but its requirement is only partly tested by AWS evidence, so this is not a determination that the objective is met.`,
          };
    const related = p.findingIds.map((id) => riskUuid.get(id)).filter((u): u is string => u !== undefined);
    procedureFindings.push({
      uuid: uuid(`procedure-finding:${p.framework}:${p.procedure}`),
      title: `${p.procedure} (${p.framework}): proposed ${p.proposedFinding}`,
      // A note may end with a sentence of its own (the procedure map's "shows" text): one full stop, not two.
      description: `${p.note.replace(/\.$/, '')}. Method: ${p.method}; population ${p.populationInScope} in scope, ${p.populationOutOfScope} out of scope.`,
      props: [
        { name: 'requirement-id', ns: NS, value: p.requirement },
        { name: 'procedure-id', ns: NS, value: p.procedure },
        { name: 'proposed-finding', ns: NS, value: p.proposedFinding },
        ...p.evidenceRefs.slice(0, 100).map((r) => ({ name: 'evidence-ref', ns: NS, value: r })),
      ],
      target: {
        type: 'objective-id',
        'target-id': `${oscalControlId(p.requirement)}_obj.${p.procedure.replace(/[^A-Za-z0-9._-]/g, '_')}`,
        title: `Testing procedure ${p.procedure}`,
        status: st,
      },
      ...(related.length ? { 'related-risks': related.map((u) => ({ 'risk-uuid': u })) } : {}),
    });
  }
  return { risks, procedureFindings, riskUuid };
}
