import { createHash } from 'node:crypto';
import { describeEndpoints } from '../evidence/endpoint-origin.js';
import { foreignWhy, UNSEALED_START_MEANING } from '../seal/trust.js';
import type { PackageModel } from './model.js';
import { codePointsShown } from '../log/terminal.js';
import { ADDRESSABLE_STATUS_NOTE, evidenceVias, addressableNotShownInPlace, changeDetail, dayStatus, rowReasons } from './timeline.js';
import { EVENT_SEARCH_QUERY, eventSearchText } from './event-coverage.js';
import { exceptionLabel, exceptionStateWord, exceptionWindow } from './exceptions.js';
import { RESULTS_NOT_SIGNED, STATUS_ORDER, STATUS_STYLE } from './pdf.js';
import { VERIFY_SCRIPT_SHA256 } from './verify-script.js';
import { assessorHtmlData, assessorHtmlSection } from './html-assessor.js';
import { approvalMatchText } from './assessor.js';
import { reconstructedDays, reconstructionSentence } from './reconstructed.js';
import { regionSummary } from './regions.js';
import { changedParameters, overrideEffect, overridesSummaryText, parameterText } from '../controls/parameters.js';
import { attesterAccountNote, describeAttester, organisationReadsStatement } from '../evidence/record.js';

/** Total bytes of evidence bodies embedded in index.html; beyond it the viewer shows the path in the package. */
export const DEFAULT_HTML_BODY_BUDGET = 8 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_FINDINGS = 100;
const MAX_EVIDENCE = 200;
const MAX_RUNS = 5000;
const MAX_RUN_GAPS = 5000;

/** `<` escaped so embedded JSON can never close the script element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function esc(s: string): string {
  return codePointsShown(s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!));
}

/**
 * The viewer's entry for the organisation-wide read record a member record cites (same run): its record id names its
 * query, audit account and region (`<queryId>/<accountId>/<region>`); its reference is its place in evidence-index.csv.
 */
function readEntry(model: PackageModel, runId: string, read: { recordId: string; sha256: string }) {
  const [q = '', , g = ''] = read.recordId.split('/');
  return { run: runId, id: read.recordId, q, g, sha: read.sha256, st: 'ok', ref: model.assessor.refOf(runId, read.recordId), org: true };
}

/**
 * index.html: one self-contained file (inline CSS and JS, data embedded as JSON) that works from disk with no
 * network. `readBody` returns an evidence body's bytes; bodies are embedded until `budget` bytes are used.
 */
export async function renderIndexHtml(model: PackageModel, readBody: (sha256: string) => Promise<Buffer>, budget = DEFAULT_HTML_BODY_BUDGET): Promise<Buffer> {
  const rows = model.timeline.rows.map((r) => ({
    fw: r.framework,
    req: r.requirement.id,
    account: r.accountId,
    status: r.status,
    worst: r.worst,
    // An addressable specification not shown in place says so under its status (the note, not among the reasons).
    reasons: rowReasons(r, model.period.to, false),
    ...(addressableNotShownInPlace(r) ? { addressable: true } : {}),
    evidenceCount: r.evidenceCount,
    first: r.firstEvidence ?? null,
    last: r.lastEvidence ?? null,
    gapDays: r.gapDays.length,
    refused: (r.sealRefused ?? []).slice(0, 20).map((d) => ({ day: d.day, record: d.record, sha: d.sha256, attempts: d.attempts })),
    gaps: r.gaps.slice(0, 20),
    changes: r.changes.slice(0, 50).map((c) => ({ day: c.day, runId: c.runId, subject: c.subject, from: c.from, to: c.to, detail: changeDetail(c) })),
    changesTotal: r.changesTotal,
    daily: Array.from(r.daily, (_code, i) => STATUS_ORDER.indexOf(dayStatus(r, i))),
    findings: (r.latest?.findings ?? []).slice(0, MAX_FINDINGS).map((f) => ({ s: f.status, r: f.resource, t: f.resourceType, q: f.queryId, g: f.region, why: f.reason, sha: f.evidenceSha256, in: f.inScope !== false, sr: f.scopeReason ?? '' })),
    findingsTotal: r.findingsTotal,
    evidence: (r.latest?.evidence ?? []).slice(0, MAX_EVIDENCE).map((e) => ({ run: e.runId, id: e.recordId, q: e.queryId, g: e.region, at: e.collectedAt, sha: e.sha256, st: e.status, ref: model.assessor.refOf(e.runId, e.recordId), ...(e.via ? { via: e.via } : {}), ...(e.viaRead ? { read: readEntry(model, e.runId, e.viaRead) } : {}) })),
    exception: r.exception ? { state: r.exception.state, type: r.exception.type, owner: r.exception.owner, approvedBy: r.exception.approvedBy, expires: r.exception.expires, rationale: r.exception.rationale, label: exceptionLabel(r.exception), others: (r.otherExceptions ?? []).map((e) => ({ label: exceptionLabel(e), rationale: e.rationale })) } : null,
  }));
  const wanted: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const e of r.evidence) {
      // A member's organisation-wide read after the member's own body: the calls its part was taken from.
      for (const sha of 'read' in e && e.read ? [e.sha, e.read.sha] : [e.sha]) {
        if (seen.has(sha)) continue;
        seen.add(sha);
        wanted.push(sha);
      }
    }
  }
  const bodies: Record<string, string> = {};
  let used = 0;
  for (const sha of wanted) {
    if (used >= budget) break;
    const bytes = await readBody(sha);
    if (bytes.length > MAX_BODY_BYTES || used + bytes.length > budget) continue;
    bodies[sha] = bytes.toString('utf8');
    used += bytes.length;
  }
  const allRuns = [...model.runs, ...model.attestationRuns];
  const rebuilt = reconstructedDays(model);
  const dayIndex = new Map(model.timeline.days.map((d, i) => [d, i]));
  const untestedWhy = new Map(model.timeline.rows.filter((r) => r.untested !== undefined).map((r) => [`${r.framework}\u0000${r.requirement.id}`, r.untested!]));
  const data = {
    organization: model.organization,
    period: model.period,
    generatedAt: model.generatedAt,
    contentId: model.contentId,
    evaluationId: model.evaluationId || '',
    signing: model.signing,
    runKeys: model.runKeys,
    tool: model.tool,
    // Set by packages built from simulated runs; read loosely so the viewer works with models that lack the flag.
    simulated: Boolean((model as { simulated?: unknown }).simulated),
    accounts: model.accounts,
    accountsLeftOut: model.accountsLeftOut ?? [],
    regions: model.regions,
    regionSummary: regionSummary(model.regions, model.regionCoverage ?? []),
    days: model.timeline.days,
    stores: model.stores,
    runsTotal: allRuns.length,
    runs: allRuns.slice(0, MAX_RUNS).map((r) => ({ id: r.runId, kind: r.manifest.kind, chain: r.manifest.chain, completedAt: r.manifest.completedAt, records: r.manifest.recordCount, sha: r.manifestSha256 })),
    runGaps: model.runs.flatMap((r) => r.manifest.gaps.map((g) => ({ run: r.runId, account: g.accountId, region: g.region ?? '', query: g.queryId ?? '', reason: g.reason }))).slice(0, MAX_RUN_GAPS),
    // Intervals of the period no run's CloudTrail event search covered, and the sentence the PDF says of them.
    eventSearches: model.eventSearches && (model.eventSearches.pairs || model.timeline.rows.some((r) => r.requirement.queries.includes(EVENT_SEARCH_QUERY))) ? { text: eventSearchText(model.eventSearches), unsearched: model.eventSearches.unsearched.map((h) => ({ account: h.accountId, region: h.region, from: h.from, to: h.to, days: h.days.length })) } : null,
    // Where the collection records' bodies say they were collected from (summary.json endpoints), in one sentence.
    endpointsText: model.assessor.summary.endpoints ? describeEndpoints(model.assessor.summary.endpoints) : '',
    verifyScriptSha256: VERIFY_SCRIPT_SHA256,
    resultsNotSigned: RESULTS_NOT_SIGNED,
    addressableNote: ADDRESSABLE_STATUS_NOTE,
    throughOrganisation: organisationReadsStatement(evidenceVias(model.timeline.rows)),
    // Catalog parameters the configuration changed, with what the change does (Method, Summary and each requirement).
    parameterOverrides: {
      text: overridesSummaryText(model.parameterOverrides ?? []),
      rows: (model.parameterOverrides ?? []).map((o) => ({ fw: o.framework, req: o.requirement, parameter: o.parameter, queries: o.queries, catalog: parameterText(o.catalogDefault), used: parameterText(o.effective), fixed: o.requirementFixes, loosens: o.loosensRequirement, effect: overrideEffect(o), source: o.source })),
      // The Method table: one row per configured value, an entity declaration naming every requirement it reaches.
      values: (model.changedParameters ?? changedParameters(model.parameterOverrides ?? [], undefined)).map((o) => ({ fw: o.framework, reqs: o.requirements, parameter: o.parameter, queries: o.queries, catalog: parameterText(o.catalogDefault), used: parameterText(o.effective), fixed: o.requirementFixes, effect: overrideEffect(o), source: o.source })),
    },
    frameworks: model.frameworks.map((f) => ({
      id: f.framework,
      name: `${f.name} ${f.version}`,
      principals: f.principals.map((p) => ({ id: p.id, title: p.title, parent: p.parent ?? null })),
      requirements: f.requirements.map((q) => ({
        id: q.id,
        title: q.title,
        principal: q.principal,
        coverage: q.coverage,
        rationale: q.rationale,
        procedures: q.testingProcedures,
        guidance: q.assessorGuidance ?? null,
        queries: q.queries,
        // The procedure map names it untested (its AWS checks inform but test none of its procedures): why.
        untested: untestedWhy.get(`${f.framework}\u0000${q.id}`) ?? null,
      })),
    })),
    rows,
    // The attester's name is their statement; `sealer` says so beside what the tool recorded of who sealed it.
    attestations: model.timeline.attestations.map((a) => {
      const note = attesterAccountNote(a.sealedBy, model.accounts);
      return { ...a, sealer: describeAttester(a.by, a.sealedBy) + (note ? ` (${note})` : '') };
    }),
    // Whether the approval is sealed, by whom, and how it was matched to the register (the PDF's approvals table says the same).
    exceptions: model.exceptions.map((e) => {
      const r = model.assessor.exceptionReviews.find((x) => x.index === e.index);
      const approval = r?.sealedApproval ? `sealed ${r.sealedApproval.ref} on ${r.sealedApproval.on}: ${r.sealedApproval.sealer}; ${approvalMatchText(r.sealedApproval, e.approverArn)}` : `NOT SEALED${r?.missing[0] ? `: ${r.missing[0]}` : ''}`;
      return { ...e, stateWord: exceptionStateWord(e), window: exceptionWindow(e), approval };
    }),
    missingShards: model.missingShards,
    foreign: model.foreign ?? [],
    statuses: STATUS_ORDER.map((s) => ({ id: s, word: STATUS_STYLE[s].word, color: STATUS_STYLE[s].color })),
    bodies,
    bodiesEmbedded: Object.keys(bodies).length,
    bodiesTotal: wanted.length,
    assessor: assessorHtmlData(model),
    // Days whose evidence was rebuilt afterwards (backfill), per account as day indexes: shown apart, never as collected.
    rebuilt: { byAccount: Object.fromEntries([...rebuilt.byAccount].map(([a, days]) => [a, [...days].map((d) => dayIndex.get(d)).filter((i) => i !== undefined)])), sentence: reconstructionSentence(rebuilt) },
  };
  const title = `${model.organization}: ${model.frameworks.map((f) => f.name).join(', ')} evidence, ${model.period.from} to ${model.period.to}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '${JS_CSP_HASH}'; img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${bands(model)}<header>
  <h1>${esc(model.organization)}</h1>
  <div class="sub">${esc(model.frameworks.map((f) => `${f.name} ${f.version}`).join(' | '))} &middot; ${esc(model.period.from)} to ${esc(model.period.to)} &middot; ${model.accounts.length} account(s)</div>
  <div class="sub mono">signing key ${esc(model.signing.keyFingerprint)} &middot; evidence set ${esc(model.contentId.slice(0, 16))}</div>
  <div class="sub">package built ${esc(model.builtAt)} &middot; last sealed run ${esc(model.generatedAt)}</div>
</header>
<nav id="views" aria-label="Views">
  <a href="#summary" data-view="summary">Summary</a>
  <a href="#findings" data-view="findings">Findings</a>
  <a href="#gaps" data-view="gaps">Gaps</a>
  <a href="#exceptions" data-view="exceptions">Exceptions</a>
  <a href="#method" data-view="method">Method</a>
  <span class="keys muted">Keys: / search, j k next or previous requirement, Enter open, Esc back to the list</span>
</nav>
${foreignBanner(model)}${writtenLateBanner(model)}${unsealedStartsBanner(model)}
<div id="filters">
  <label>Search <input id="f-text" type="search" placeholder="requirement id or words of its title" aria-controls="list"></label>
  <label>Status <select id="f-status"><option value="">all</option></select></label>
  <label>Account <select id="f-account"><option value="">all</option></select></label>
  <label>Framework <select id="f-fw"><option value="">all</option></select></label>
  <span id="count" aria-live="polite"></span>
</div>
<main>
  <div id="list" role="listbox" aria-label="Requirements" tabindex="0"><div id="list-spacer"></div></div>
  <section id="detail" tabindex="-1" aria-live="polite"></section>
</main>
<div id="assessor-src" hidden>${assessorHtmlSection(model, esc)}</div>
<script id="package-data" type="application/json">${scriptJson(data)}</script>
<script>${JS}</script>
</body>
</html>
`;
  return Buffer.from(html, 'utf8');
}

/** Foreign objects stated before anything else: someone other than the trusted signer wrote into the evidence store. */
function foreignBanner(model: PackageModel): string {
  const found = model.foreign ?? [];
  if (!found.length) return '<div id="foreign" class="foreign-none">No foreign object found in the evidence store for this period: every run shown is signed by a key the package builder was configured to trust; confirm its fingerprint with the organisation yourself.</div>';
  const items = found
    .slice(0, 500)
    .map((f) => `<li><code>${esc(f.path)}</code>: ${esc(foreignWhy(f))} (${esc(f.detail)})</li>`)
    .join('');
  return (
    `<div id="foreign" class="foreign" role="alert"><strong>${found.length} foreign object(s) in the evidence store</strong>: ` +
    `written by someone other than the trusted signer (${esc((model.trustedKeys ?? [model.signing.keyFingerprint]).join(', '))}). None is used as evidence or as a chain link.` +
    `<details><summary>List</summary><ul>${items}</ul>${found.length > 500 ? `<p>... and ${found.length - 500} more</p>` : ''}</details></div>`
  );
}

/** Runs the store wrote long after (or before) the completion they state, or not on the day they claim (S3 LastModified), or (every store) over their span: back-dated runs, whose days are gaps. */
function writtenLateBanner(model: PackageModel): string {
  const late = model.writtenLate ?? (model.runsNotCredited ?? []).map((n) => ({ runId: n.runId, key: `runs/${n.runId}/manifest.json`, problem: n.why }));
  if (!late.length) return '';
  const runs = [...new Set(late.map((l) => l.runId))];
  const days = [...new Set((model.runsNotCredited ?? []).map((n) => n.day))].sort();
  const items = late
    .slice(0, 500)
    .map((l) => `<li><code>${esc(l.runId)}</code> <code>${esc(l.key)}</code>: ${esc(l.problem)}</li>`)
    .join('');
  const why = model.writtenLate
    ? 'signed by a trusted key and kept in the package and its chain, but the evidence store wrote their manifest or signature long after (or before) the completion they state, wrote no file of their own run folder on the day they claim, or they state a span from start to completion no run takes, as someone holding the signing key could do to fill a past day.'
    : 'signed by a trusted key and kept in the package and its chain, but they state a span from start to completion no run takes, as someone holding the signing key could do to fill a past day (this store keeps no write time its writer cannot set, so when they were written is not checked).';
  return (
    `<div id="written-late" class="foreign" role="alert"><strong>${runs.length} run(s) stored later than they claim</strong>: ${why} ` +
    `They prove no collection on the day they claim${days.length ? ` (${esc(days.join(', '))})` : ''}: those days count as days without a run (gaps, never passes) unless another run proves them. Ask for the CloudTrail Sign call of that time.` +
    `<details><summary>List</summary><ul>${items}</ul>${late.length > 500 ? `<p>... and ${late.length - 500} more</p>` : ''}</details></div>`
  );
}

/** Run folders with a start file and no sealed run (S3 only): a crashed collection or a start file planted ahead of a run. */
function unsealedStartsBanner(model: PackageModel): string {
  const starts = model.assessor.summary.period.unsealedStarts ?? [];
  if (!starts.length) return '';
  const items = starts
    .slice(0, 500)
    .map((u) => `<li><code>${esc(u.runId)}</code> <code>${esc(u.key)}</code>${u.versionId ? ` version <code>${esc(u.versionId)}</code>` : ''}: written ${esc(u.writtenAt ? `${u.writtenAt} (S3 LastModified, set by the server)` : 'at a time the store does not list')}</li>`)
    .join('');
  return (
    `<div id="unsealed-starts" class="foreign" role="note"><strong>${starts.length} run folder(s) with a start file and no sealed run</strong>: ${esc(UNSEALED_START_MEANING)} Ask the organisation which collections stopped, and why.` +
    `<details><summary>List</summary><ul>${items}</ul>${starts.length > 500 ? `<p>... and ${starts.length - 500} more</p>` : ''}</details></div>`
  );
}

/** Warnings above the header: a simulated package, and runs signed by more than one key. */
function bands(model: PackageModel): string {
  let out = '';
  if (model.simulated) out += '<div class="band sim" role="alert"><strong>SIMULATED \u2014 NOT EVIDENCE</strong> The runs in this package were collected from the simulated AWS started by the demo command, not from real accounts.</div>\n';
  if (model.accountsLeftOut?.length) {
    out += `<div class="band keys" role="alert"><strong>${model.accountsLeftOut.length} ACCOUNT(S) COLLECTED BUT LEFT OUT</strong> Collected in the period but not in this package: <span class="mono">${model.accountsLeftOut.map(esc).join(', ')}</span>. The runs in this package collected them; no result here covers them.</div>\n`;
  }
  const ep = model.assessor.summary.endpoints;
  if (ep?.notAwsRecords) {
    out += `<div class="band sim" role="alert"><strong>EVIDENCE NOT FROM AWS ENDPOINTS</strong> ${ep.notAwsRecords} of ${ep.records} collection records were collected from <span class="mono">${[...new Set(ep.notAws.map((n) => n.origin))].map(esc).join(', ')}</span>, not AWS service endpoints of their query's service: not AWS's record.</div>\n`;
  }
  if (ep?.callerMismatch.length) {
    out += `<div class="band keys" role="alert"><strong>COLLECTED BY A CALLER OF ANOTHER ACCOUNT</strong> ${ep.callerMismatch.reduce((n, m) => n + m.records, 0)} collection record(s): <span class="mono">${ep.callerMismatch.map((m) => `${esc(m.callerArn)} for ${esc(m.accountId)}`).join('; ')}</span>.</div>\n`;
  }
  if (model.runSigningKeys.length > 1) {
    out += `<div class="band keys" role="alert"><strong>RUNS SIGNED BY ${model.runSigningKeys.length} DIFFERENT KEYS</strong> Confirm every one with the organisation out of band: <span class="mono">${model.runSigningKeys.map((k) => esc(k.keyFingerprint)).join(', ')}</span></div>\n`;
  }
  return out;
}

const CSS = `
:root{--ink:#1f2328;--muted:#57606a;--rule:#d0d7de;--bg:#f6f8fa;--hl:#fff3bf}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);display:flex;flex-direction:column;height:100vh}
#simulated{background:repeating-linear-gradient(45deg,#9a6700,#9a6700 12px,#bf8700 12px,#bf8700 24px);color:#fff;font-weight:700;text-align:center;padding:6px;letter-spacing:.04em}
header{background:#0b3d62;color:#fff;padding:12px 20px}
.band{color:#fff;padding:8px 20px;font-size:13px}.band strong{font-size:16px;margin-right:10px}.band.sim{background:#cf222e}.band.keys{background:#b35900}
header h1{margin:0;font-size:20px}
.foreign{background:#ffebe9;border-bottom:2px solid #cf222e;color:#82071e;padding:8px 20px;font-size:13px}
.foreign-none{padding:4px 20px;font-size:12px;color:var(--muted);border-bottom:1px solid var(--rule)}
.sub{font-size:12px;color:#cfe3f3}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
#views{display:flex;gap:4px;align-items:center;padding:0 20px;border-bottom:1px solid var(--rule);background:#fff}
#views a{padding:8px 12px;color:#0969da;text-decoration:none;border-bottom:3px solid transparent}
#views a.on{border-bottom-color:#0b3d62;color:var(--ink);font-weight:600}
#views .keys{margin-left:auto;font-size:11.5px}
#filters{display:flex;gap:14px;align-items:center;padding:8px 20px;border-bottom:1px solid var(--rule);background:var(--bg);flex-wrap:wrap}
#filters label{font-size:12px;color:var(--muted)}
#filters select,#filters input{margin-left:4px;font-size:13px;max-width:260px}
#f-text{width:240px}
#count{font-size:12px;color:var(--muted)}
main{display:grid;grid-template-columns:minmax(280px,32%) 1fr;flex:1;min-height:0}
#list{overflow:auto;border-right:1px solid var(--rule);position:relative}
#list-spacer{position:relative}
#list .item{position:absolute;left:0;right:0;height:48px;display:flex;gap:8px;align-items:flex-start;padding:5px 12px;border-bottom:1px solid #eee;color:inherit;text-decoration:none;cursor:pointer;overflow:hidden}
#list .item .badge{flex:0 0 130px}
#list .item.fwhead{font-weight:600;background:var(--bg);align-items:center;cursor:default}
#list .item:hover,#list .item.sel{background:#eef5fc}
#list .item.sel{box-shadow:inset 3px 0 0 #0969da}
#list .rid{font-weight:600;white-space:nowrap}
#list .rt{font-size:12.5px;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;display:block}
#detail{overflow:auto;padding:16px 22px}
.badge{display:inline-block;min-width:84px;text-align:center;padding:1px 6px;border-radius:3px;color:#fff;font-size:11px;font-weight:700;letter-spacing:.02em;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:12.5px}
th,td{border-bottom:1px solid var(--rule);padding:4px 6px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere;min-width:6em}
th{background:var(--bg)}
.muted{color:var(--muted)}
.strip{display:flex;height:12px;margin:4px 0 2px}
.strip span{flex:1;min-width:1px}
.strip span.rebuilt{opacity:.5;background-image:repeating-linear-gradient(135deg,rgba(255,255,255,.8) 0 2px,transparent 2px 4px)}
.hl{animation:hl 2.5s ease-out;outline:2px solid #d4a72c;outline-offset:2px}
@keyframes hl{from{background:var(--hl)}to{background:transparent}}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0 16px}
.card{border:1px solid var(--rule);border-radius:6px;padding:8px 12px;min-width:130px;text-align:center}
.card .n{font-size:26px;font-weight:700}
dl.kv{display:grid;grid-template-columns:190px 1fr;gap:4px 12px;margin:8px 0 16px}
dl.kv dt{color:var(--muted);font-weight:600}
dl.kv dd{margin:0;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--rule);border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin:6px 0}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.vlist{position:relative;overflow:auto;border:1px solid var(--rule);max-height:60vh}
.vlist .vrow{position:absolute;left:0;right:0;height:34px;display:grid;align-items:center;gap:8px;padding:0 8px;border-bottom:1px solid #eee;font-size:12.5px;white-space:nowrap;overflow:hidden}
.vlist .vrow span{overflow:hidden;text-overflow:ellipsis}
.vhead{display:grid;gap:8px;padding:4px 8px;font-size:12.5px;font-weight:600;background:var(--bg);border:1px solid var(--rule);border-bottom:0}
pre.body{background:var(--bg);padding:12px;overflow:auto;max-height:60vh;font-size:12px;white-space:pre-wrap;word-break:break-all}
h2{margin:0 0 4px;font-size:18px}
h3{font-size:14px;margin:18px 0 4px}
a.ev{color:#0969da}
`;

const JS = `
(function(){
'use strict';
var D = JSON.parse(document.getElementById('package-data').textContent);
var S = {}; D.statuses.forEach(function(s){ S[s.id] = s; });
var order = D.statuses.map(function(s){ return s.id; });
// Bidirectional controls and zero-width characters in a name (a tag, a finding title) are shown by code point ([U+200B]): they would
// otherwise turn the text after them around (U+202E makes "DELIAF" read "FAILED") or make two names look the same.
var INVISIBLE = /[\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]/g;
function vis(s){ return String(s).replace(INVISIBLE, function(c){ return '[U+' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + ']'; }); }
function el(tag, attrs, kids){ var e = document.createElement(tag); for (var k in (attrs||{})) { if (k === 'text') e.textContent = vis(attrs[k]); else if (k === 'cls') e.className = attrs[k]; else e.setAttribute(k, attrs[k]); } (kids||[]).forEach(function(c){ if (c !== null && c !== undefined && c !== '') e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(vis(c)) : c); }); return e; }
function svg(tag, attrs, kids){ var e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (var k in (attrs||{})) e.setAttribute(k, attrs[k]); (kids||[]).forEach(function(c){ e.appendChild(c); }); return e; }
function badge(s){ var b = el('span', {cls:'badge', 'data-status': s, text: S[s].word}); b.style.background = S[s].color; return b; }
function worst(list){ var w = null; list.forEach(function(s){ if (w === null || order.indexOf(s) < order.indexOf(w)) w = s; }); return w || 'not-collected'; }
function path(sha){ return 'evidence/objects/sha256/' + sha.slice(0,2) + '/' + sha + '.json'; }
function table(headers, rows){ var t = el('table'); var tr = el('tr'); headers.forEach(function(h){ tr.appendChild(el('th', {text: h, scope: 'col'})); }); t.appendChild(tr); rows.forEach(function(r){ var tr = el('tr'); r.forEach(function(c){ var td = el('td'); if (typeof c === 'string' || typeof c === 'number') td.textContent = vis(c); else if (c) td.appendChild(c); tr.appendChild(td); }); t.appendChild(tr); }); return t; }
function kv(pairs){ var dl = el('dl', {cls: 'kv'}); pairs.forEach(function(p){ dl.appendChild(el('dt', {text: p[0]})); var dd = el('dd'); if (typeof p[1] === 'string') dd.textContent = vis(p[1]); else dd.appendChild(p[1]); dl.appendChild(dd); }); return dl; }
function reqHash(fw, id){ return '#req/' + encodeURIComponent(fw) + '/' + encodeURIComponent(id); }
function reqLink(fw, id, text){ return el('a', {href: reqHash(fw, id), text: text || id}); }
function evRef(e){ return e.ref || e.sha; }
function evLink(e, text){ return el('a', {cls: 'ev', href: '#evidence/' + encodeURIComponent(evRef(e)), 'data-sha': e.sha, text: text || (e.ref || e.sha.slice(0, 12))}); }

var fs = document.getElementById('f-status'), fa = document.getElementById('f-account'), ff = document.getElementById('f-fw'), ft = document.getElementById('f-text');
D.statuses.forEach(function(s){ fs.appendChild(el('option', {value: s.id, text: s.word})); });
D.accounts.forEach(function(a){ fa.appendChild(el('option', {value: a, text: a})); });
D.frameworks.forEach(function(f){ ff.appendChild(el('option', {value: f.id, text: f.name})); });
var rowsBy = {}; D.rows.forEach(function(r){ var k = r.fw + '|' + r.req; (rowsBy[k] = rowsBy[k] || []).push(r); });
// A procedure's proposed finding, its note once (notes may start with the label or the finding's own words), then the label.
function procText(pr){ var label = D.assessor.label, word = D.assessor.proposedWords[pr.proposedFinding] || pr.proposedFinding, n = pr.note || ''; if (n.indexOf(label + ': ') === 0) n = n.slice(label.length + 2); return (n.indexOf(word) === 0 ? n : word + (n ? ': ' + n : '')) + ' (' + label + ')'; }
var procBy = {}; ((D.assessor && D.assessor.procedures) || []).forEach(function(p){ procBy[p.framework + '|' + p.requirement + '|' + p.procedure] = p; });
var reqBy = {}; D.frameworks.forEach(function(f){ f.requirements.forEach(function(q){ reqBy[f.id + '|' + q.id] = {fw: f, req: q}; }); });

// Every evidence record the viewer knows, by SHA-256 and by reference number when the package model gives one.
var evidence = {}, evidenceCites = {};
function addEvidence(e, row){ var k = e.sha; if (!evidence[k]) evidence[k] = e; if (e.ref) evidence[e.ref] = evidence[k]; if (row) { var c = (evidenceCites[k] = evidenceCites[k] || []); if (c.length < 200 && !c.some(function(x){ return x.fw === row.fw && x.req === row.req && x.account === row.account; })) c.push({fw: row.fw, req: row.req, account: row.account}); } }
// An organisation-wide read is cited by the member records taken from it, not by requirements.
var readTakers = {};
D.rows.forEach(function(r){ r.evidence.forEach(function(e){ addEvidence(e, r); if (!e.read) return; addEvidence(e.read); var t = (readTakers[e.read.sha] = readTakers[e.read.sha] || []); if (t.length < 200 && !t.some(function(x){ return x.sha === e.sha; })) t.push(e); }); });
D.attestations.forEach(function(a){ addEvidence({sha: a.sha256, id: 'attestation', q: 'attestation', g: '', at: a.collectedAt, st: 'ok', run: a.runId, by: a.sealer, note: a.note}, {fw: a.framework, req: a.requirement, account: a.accountId || ''}); });

// Findings: failing or to-review resources from every row; a findings register in the package model can slot in here.
// Out-of-scope resources decide nothing: they are no findings, only counted (population.csv lists them).
var findings = D.findingsRegister || [], outOfScopeLeft = 0;
if (!D.findingsRegister) D.rows.forEach(function(r){
  var age = 0; for (var i = r.daily.length - 1; i >= 0 && (D.statuses[r.daily[i]].id === r.status); i--) age++;
  r.findings.forEach(function(f){ if ((f.s === 'fail' || f.s === 'needs-review') && f.in === false) { outOfScopeLeft++; return; } if (f.s === 'fail' || f.s === 'needs-review') findings.push({status: f.s, fw: r.fw, req: r.req, account: r.account, region: f.g, resource: f.r, reason: f.why, sha: f.sha, q: f.q, ref: f.ref, age: age}); });
});

// ---------- requirement list (virtualised: only the rows in view exist in the DOM) ----------
var ITEM_H = 48;
var listEl = document.getElementById('list'), spacer = document.getElementById('list-spacer');
var items = [], current = null;
function visibleRows(fw, req){ var a = fa.value; return (rowsBy[fw + '|' + req] || []).filter(function(r){ return !a || r.account === a; }); }
function buildItems(){
  items = []; var q = ft.value.trim().toLowerCase(); var n = 0;
  D.frameworks.forEach(function(f){
    if (ff.value && ff.value !== f.id) return;
    var head = {head: true, text: f.name}; var any = false;
    f.requirements.forEach(function(req){
      var rows = visibleRows(f.id, req.id);
      if (fs.value && !rows.some(function(r){ return r.status === fs.value; })) return;
      if (q && (req.id + ' ' + req.title).toLowerCase().indexOf(q) < 0) return;
      if (!any) { items.push(head); any = true; }
      items.push({fw: f.id, req: req, status: worst(rows.map(function(r){ return r.status; }))}); n++;
    });
  });
  document.getElementById('count').textContent = n + ' requirement(s) shown';
  spacer.style.height = (items.length * ITEM_H) + 'px';
  drawList();
}
function drawList(){
  var top = listEl.scrollTop, h = listEl.clientHeight || 600;
  var from = Math.max(0, Math.floor(top / ITEM_H) - 5), to = Math.min(items.length, Math.ceil((top + h) / ITEM_H) + 5);
  spacer.textContent = '';
  for (var i = from; i < to; i++) {
    var it = items[i]; var node;
    if (it.head) node = el('div', {cls: 'item fwhead', text: it.text});
    else {
      node = el('a', {cls: 'item', role: 'option', href: reqHash(it.fw, it.req.id), 'data-req': it.req.id, 'data-fw': it.fw, 'aria-selected': 'false'}, [badge(it.status), el('span', {}, [el('span', {cls: 'rid', text: it.req.id}), it.req.coverage === 'partial' ? el('span', {cls: 'muted', text: ' · partial coverage'}) : '', el('span', {cls: 'rt', text: it.req.title})])]);
      if (current && current.fw === it.fw && current.req === it.req.id) { node.className += ' sel'; node.setAttribute('aria-selected', 'true'); }
    }
    node.style.top = (i * ITEM_H) + 'px';
    spacer.appendChild(node);
  }
}
listEl.addEventListener('scroll', drawList);
function indexOfCurrent(){ if (!current) return -1; for (var i = 0; i < items.length; i++) if (!items[i].head && items[i].fw === current.fw && items[i].req.id === current.req) return i; return -1; }
function scrollListTo(i){ if (i < 0) return; var y = i * ITEM_H; if (y < listEl.scrollTop || y + ITEM_H > listEl.scrollTop + listEl.clientHeight) listEl.scrollTop = Math.max(0, y - listEl.clientHeight / 2); drawList(); }

// ---------- virtualised table for long lists (findings, gaps) ----------
function vtable(columns, rows, cell){
  var tpl = columns.map(function(c){ return c.w; }).join(' ');
  var wrap = el('div');
  var head = el('div', {cls: 'vhead', role: 'row'}); head.style.gridTemplateColumns = tpl; columns.forEach(function(c){ head.appendChild(el('span', {role: 'columnheader', text: c.h})); });
  var box = el('div', {cls: 'vlist', role: 'table', 'aria-rowcount': String(rows.length)}); var inner = el('div'); inner.style.position = 'relative'; inner.style.height = (rows.length * 34) + 'px'; box.appendChild(inner);
  function draw(){ var top = box.scrollTop, h = box.clientHeight || 500; var from = Math.max(0, Math.floor(top / 34) - 5), to = Math.min(rows.length, Math.ceil((top + h) / 34) + 5); inner.textContent = ''; for (var i = from; i < to; i++) { var r = el('div', {cls: 'vrow', role: 'row', 'data-index': String(i)}); r.style.top = (i * 34) + 'px'; r.style.gridTemplateColumns = tpl; cell(rows[i]).forEach(function(c){ var s = el('span', {role: 'cell'}); if (typeof c === 'string' || typeof c === 'number') { s.textContent = vis(c); s.title = vis(c); } else if (c) s.appendChild(c); r.appendChild(s); }); inner.appendChild(r); } }
  box.addEventListener('scroll', draw);
  wrap.appendChild(head); wrap.appendChild(box);
  setTimeout(draw, 0); draw();
  return wrap;
}

// ---------- charts (inline SVG drawn from the package data) ----------
function legend(keys){ var d = el('div', {cls: 'legend'}); keys.forEach(function(k){ var i = el('i'); i.style.background = k.color; d.appendChild(el('span', {}, [i, k.word])); }); return d; }
function overTime(fw){
  var rows = D.rows.filter(function(r){ return r.fw === fw.id && reqBy[r.fw + '|' + r.req] && (reqBy[r.fw + '|' + r.req].req.coverage === 'automated' || reqBy[r.fw + '|' + r.req].req.coverage === 'partial'); });
  var W = 560, H = 150, n = D.days.length, per = W / Math.max(1, n), total = Math.max(1, rows.length);
  var g = svg('svg', {viewBox: '0 0 ' + (W + 40) + ' ' + (H + 24), width: '100%', role: 'img', 'aria-label': 'Status of ' + rows.length + ' requirement x account results per day, ' + fw.name});
  for (var i = 0; i < n; i++) { var c = {}; rows.forEach(function(r){ var s = D.statuses[r.daily[i]].id; c[s] = (c[s] || 0) + 1; }); var y = H; order.slice().reverse().forEach(function(s){ var v = c[s] || 0; if (!v) return; var bh = v / total * H; var rect = svg('rect', {x: 36 + i * per, y: y - bh, width: Math.max(per - (per > 3 ? 0.6 : 0), 0.5), height: bh, fill: S[s].color}); rect.appendChild(svg('title')).textContent = D.days[i] + ': ' + v + ' ' + S[s].word; g.appendChild(rect); y -= bh; }); }
  var t1 = svg('text', {x: 0, y: 10, 'font-size': 11}); t1.textContent = String(total); g.appendChild(t1);
  var t2 = svg('text', {x: 36, y: H + 18, 'font-size': 11}); t2.textContent = D.days[0]; g.appendChild(t2);
  var t3 = svg('text', {x: W + 36, y: H + 18, 'font-size': 11, 'text-anchor': 'end'}); t3.textContent = D.days[n - 1]; g.appendChild(t3);
  return el('figure', {'data-chart': 'over-time-' + fw.id}, [el('figcaption', {text: 'Status over the period: ' + fw.name}), g, legend(D.statuses), el('div', {cls: 'muted', text: 'Automated and partial requirements, every account; a gap (no evidence) is never shown as pass.'})]);
}
var AGES = [{w: '0-1 days', max: 1}, {w: '2-7 days', max: 7}, {w: '8-30 days', max: 30}, {w: '31-90 days', max: 90}, {w: 'over 90 days', max: Infinity}];
function findingsChart(){
  var sev = ['fail', 'needs-review']; var c = AGES.map(function(){ return {}; });
  findings.forEach(function(f){ for (var i = 0; i < AGES.length; i++) if (f.age <= AGES[i].max) { c[i][f.status] = (c[i][f.status] || 0) + 1; break; } });
  var max = Math.max.apply(null, [1].concat(c.map(function(x){ return (x.fail || 0) + (x['needs-review'] || 0); })));
  var W = 560, rowH = 24; var g = svg('svg', {viewBox: '0 0 ' + (W + 150) + ' ' + (AGES.length * rowH + 6), width: '100%', role: 'img', 'aria-label': 'Failing or to-review in-scope resource checks by how long their result has held ' + resultsAsOf()});
  AGES.forEach(function(a, i){ var t = svg('text', {x: 0, y: i * rowH + 16, 'font-size': 12}); t.textContent = a.w; g.appendChild(t); var x = 100; sev.forEach(function(s){ var v = c[i][s] || 0; if (!v) return; var w = v / max * W; var r = svg('rect', {x: x, y: i * rowH + 4, width: w, height: rowH - 8, fill: S[s].color}); r.appendChild(svg('title')).textContent = a.w + ': ' + v + ' ' + S[s].word; g.appendChild(r); x += w; }); var n = svg('text', {x: x + 6, y: i * rowH + 16, 'font-size': 12}); n.textContent = String((c[i].fail || 0) + (c[i]['needs-review'] || 0)); g.appendChild(n); });
  return el('figure', {'data-chart': 'findings-age'}, [el('figcaption', {text: 'Failing or to-review in-scope resource checks by age'}), g, legend(sev.map(function(s){ return S[s]; })), el('div', {cls: 'muted', text: 'Severity shown as the result (fail, needs review); age is the number of days the requirement x account result has held ' + resultsAsOf() + ', not the resource\\'s own age. These are resource checks, not the findings of the findings register (one per in-scope resource and failing check).'})]);
}
var COVERAGE = [{id: 'automated', word: 'automated', color: '#1a7f37'}, {id: 'partial', word: 'partial', color: '#9a6700'}, {id: 'manual', word: 'manual', color: '#0969da'}, {id: 'inherited', word: 'inherited', color: '#8250df'}, {id: 'not-applicable', word: 'not applicable', color: '#6e7781'}];
function topPrincipal(fw, id){ var p; for (var i = 0; i < 10; i++) { p = fw.principals.filter(function(x){ return x.id === id; })[0]; if (!p || !p.parent) break; id = p.parent; } return id; }
function coverageChart(fw){
  var by = {}, keys = []; fw.requirements.forEach(function(q){ var k = topPrincipal(fw, q.principal); if (!by[k]) { by[k] = {}; keys.push(k); } by[k][q.coverage] = (by[k][q.coverage] || 0) + 1; });
  keys.sort(function(a, b){ return a.localeCompare(b, 'en', {numeric: true}); });
  var max = Math.max.apply(null, [1].concat(keys.map(function(k){ var n = 0; for (var c in by[k]) n += by[k][c]; return n; })));
  var W = 400, rowH = 20; var g = svg('svg', {viewBox: '0 0 ' + (W + 250) + ' ' + (keys.length * rowH + 6), width: '100%', role: 'img', 'aria-label': 'Requirements by coverage label per principal requirement, ' + fw.name});
  keys.forEach(function(k, i){ var p = fw.principals.filter(function(x){ return x.id === k; })[0]; var t = svg('text', {x: 0, y: i * rowH + 14, 'font-size': 11}); t.textContent = (k + ' ' + (p ? p.title : '')).slice(0, 34); g.appendChild(t); var x = 210; COVERAGE.forEach(function(c){ var v = by[k][c.id] || 0; if (!v) return; var w = v / max * W; var r = svg('rect', {x: x, y: i * rowH + 3, width: w, height: rowH - 6, fill: c.color}); r.appendChild(svg('title')).textContent = k + ': ' + v + ' ' + c.word; g.appendChild(r); x += w; }); });
  return el('figure', {'data-chart': 'coverage-' + fw.id}, [el('figcaption', {text: 'Coverage by principal requirement: ' + fw.name}), g, legend(COVERAGE)]);
}

// ---------- views ----------
var detail = document.getElementById('detail');
function setView(name){ Array.prototype.forEach.call(document.querySelectorAll('#views a'), function(a){ a.classList.toggle('on', a.getAttribute('data-view') === name); }); detail.setAttribute('data-view', name); }
function highlight(node){ if (!node) return; node.classList.remove('hl'); void node.offsetWidth; node.classList.add('hl'); node.scrollIntoView({block: 'center'}); }
function counts(){ var c = {}; D.rows.forEach(function(r){ c[r.status] = (c[r.status] || 0) + 1; }); return c; }
function worstText(){ var c = {}; D.rows.forEach(function(r){ c[r.worst] = (c[r.worst] || 0) + 1; }); return D.statuses.map(function(s){ return (c[s.id] || 0) + ' ' + S[s.id].word.toLowerCase(); }).join(', ') + ' (worst result of each requirement x account on any day)'; }
// A package built before the period's last day ended: results are those of the last sealed run, that day covered up to it only.
function periodOpen(){ return !!(D.assessor && D.assessor.summary && D.assessor.summary.period.ended === false); }
function openDayText(){ return 'the last day, ' + D.period.to + ', had not ended when the package was built: it is covered only up to the last sealed run (' + (D.assessor.summary.period.evidenceUntil || D.generatedAt) + '), not the whole day'; }
function resultsAsOf(){ return periodOpen() ? 'as of the last run (' + D.generatedAt + '); the period had not ended' : 'at the end of the period'; }
function refusedDayText(d){ var r = ((D.assessor && D.assessor.summary.period.sealRefused) || []).filter(function(x){ return x.day === d; }); return r.length ? d + ' (seal refused: files planted by someone else; attempts ' + r.map(function(x){ return x.attempts.join(', ') + ', record ' + x.record; }).join('; ') + ')' : d; }
function periodCoverageText(p){ return p.coveragePercent + '% of account-days reached by a sealed run (' + p.accountDaysWithEvidence + ' of ' + p.accountDays + '); ' + p.accountDaysWithoutRun + ' account-day(s) without a run, ' + p.accountLevelGaps + ' on which a run could not reach the account, ' + p.regionLevelGaps + ' account-region-day(s) on which it could not collect a region; ' + p.resultsWithGaps + ' of ' + p.resultsExpectingEvidence + ' requirement results miss evidence on some day (query errors, denials or no run)' + (periodOpen() ? '; ' + openDayText() + ': its account-days count as reached by that run, not as a whole day of evidence' : ''); }

function viewSummary(){
  setView('summary'); detail.textContent = '';
  detail.appendChild(el('h2', {id: 'summary', text: 'Summary'}));
  if (D.simulated) detail.appendChild(el('p', {cls: 'simulated-note', text: 'This package was built from runs against a simulated AWS. It shows how the tool works; it is not evidence about any organisation.'}));
  var c = counts(); var cards = el('div', {cls: 'cards', 'aria-label': 'Results ' + resultsAsOf() + ', requirement x account'});
  D.statuses.forEach(function(s){ var n = el('div', {cls: 'n', text: String(c[s.id] || 0)}); n.style.color = s.color; cards.appendChild(el('a', {cls: 'card', href: '#findings', 'data-status': s.id}, [n, badge(s.id)])); });
  detail.appendChild(el('h3', {text: periodOpen() ? 'Results as of the last run (' + D.generatedAt + '); the period had not ended (requirement x account)' : 'Results at the end of the period (requirement x account)'}));
  detail.appendChild(cards);
  detail.appendChild(kv([
    ['Period', D.period.from + ' to ' + D.period.to + ' (UTC days, inclusive; ' + D.days.length + (D.days.length === 1 ? ' day)' : ' days)') + (periodOpen() ? '; period not ended when the package was built: evidence up to ' + (D.assessor.summary.period.evidenceUntil || D.generatedAt) + ' (the last sealed run)' : '')],
    ['Period coverage', (D.assessor && D.assessor.summary) ? periodCoverageText(D.assessor.summary.period) : '-'],
    ['Worst in the period', worstText()],
    ['Rebuilt days', el('span', {id: 'rebuilt-days', text: D.rebuilt.sentence || 'none: the evidence of every day was collected on that day'})],
    ['Parameters changed from the catalog', D.parameterOverrides.text + (D.parameterOverrides.rows.length ? ' (see Method)' : '')],
    ['Days without a run', (D.assessor && D.assessor.summary && D.assessor.summary.period.datesWithoutRun.length) ? D.assessor.summary.period.datesWithoutRun.length + ': ' + D.assessor.summary.period.datesWithoutRun.map(refusedDayText).join(', ') + ' (see Gaps)' : 'none' + (periodOpen() ? ' (' + openDayText() + ')' : '')],
    ['Scope: accounts', D.accounts.length + ': ' + D.accounts.slice(0, 50).join(', ') + (D.accounts.length > 50 ? ', ...' : '')],
    ['Collected in the period but not in this package', (D.accountsLeftOut || []).length ? D.accountsLeftOut.join(', ') : 'none'],
    ['Scope: regions', D.regionSummary || D.regions.join(', ') || '-'],
    ['Evidence origin', D.endpointsText || 'not recorded by the tool that built this package'],
    ['Frameworks', D.frameworks.map(function(f){ return f.name + ' (' + f.requirements.length + ' requirements)'; }).join('; ')],
    ['Signing key fingerprint', el('code', {id: 'key-fingerprint', text: D.signing.keyFingerprint})],
    ['Signing key', D.signing.keyId + ' (' + D.signing.algorithm + ')'],
    ['Generated at', D.generatedAt + ' (time of the last sealed run included)'],
    ['Sealed runs', D.runsTotal + ''],
    ['Evidence set id', D.contentId],
    ['Evaluation inputs id', D.evaluationId || '-'],
    ['Findings', (register.length ? register.length + ' in the findings register (' + registerCounts() + '); ' : '') + findings.length + ' failing or to-review in-scope resource check(s) per requirement and account: see Findings'],
    ['Failing results', D.rows.filter(function(r){ return r.status === 'fail'; }).length + ' requirement x account result(s) ' + resultsAsOf() + ' (on any day: see Worst in the period)' + ((D.assessor && D.assessor.summary && D.assessor.summary.failingResultsNotTested) ? '; ' + D.assessor.summary.failingResultsNotTested + ' of them on requirements whose AWS checks test none of their procedures (a failing check there is supporting evidence: the assessor tests the requirement)' : '')],
    ['Gaps', D.rows.filter(function(r){ return r.status === 'not-collected'; }).length + ' requirement x account result(s) without the evidence to judge them ' + resultsAsOf() + ((D.assessor && D.assessor.summary) ? '; ' + D.assessor.summary.period.resultsWithGaps + ' of ' + D.assessor.summary.period.resultsExpectingEvidence + ' miss evidence on some day of the period' : '') + '; ' + D.missingShards.length + ' slot(s) with missing shards: see Gaps'],
    ['Exceptions', !D.exceptions.length ? 'none in the register' : D.exceptions.filter(function(e){ return e.state === 'active'; }).length + ' active, ' + D.exceptions.filter(function(e){ return e.state === 'expired'; }).length + ' expired, ' + D.exceptions.filter(function(e){ return e.state === 'not-yet-effective'; }).length + ' not yet effective at the period end; ' + D.exceptions.filter(function(e){ return e.applied && e.applied.days < e.periodDays; }).length + ' applied to only part of the period (see Exceptions)'],
  ]));
  var notCarried = (D.assessor && D.assessor.summary && D.assessor.summary.period.refusalsNotNamed) || [];
  if (notCarried.length) detail.appendChild(kv([['Refusal records the chain does not carry', notCarried.map(function(x){ return (x.problem ? 'PROBLEM: ' : 'WARNING: ') + x.message; }).join('; ')]]));
  detail.appendChild(el('p', {cls: 'muted', text: 'Confirm the signing key fingerprint with the organisation through a separate channel before relying on this package; VERIFY.md explains how to check every hash and signature offline. Statuses: fail, gap (not collected), needs review, manual, AWS portion met (a partial requirement whose AWS checks passed: the rest is not tested, so never a pass), pass, not applicable (proposed). A gap is never a pass.'}));
  var charts = el('div', {cls: 'charts'});
  D.frameworks.forEach(function(f){ charts.appendChild(overTime(f)); });
  charts.appendChild(findingsChart());
  D.frameworks.forEach(function(f){ charts.appendChild(coverageChart(f)); });
  detail.appendChild(el('h3', {text: 'Charts'})); detail.appendChild(charts);
  // Scope, proposed findings, findings register and population are rendered once into a hidden block and shown here.
  var src = document.getElementById('assessor-src');
  if (src) { var copy = src.cloneNode(true); copy.removeAttribute('hidden'); copy.id = 'assessor'; detail.appendChild(copy); }
}

// The findings register (one finding per in-scope resource and failing check, both frameworks), when the package has one.
var register = (D.assessor && D.assessor.findings) || [];
function refLinks(refs){ return el('span', {}, (refs || []).map(function(r){ return el('a', {cls: 'ev', href: '#evidence/' + encodeURIComponent(r), text: r + ' '}); })); }
function registerCounts(){ var c = {}; register.forEach(function(f){ c[f.severity] = (c[f.severity] || 0) + 1; }); return ['critical', 'high', 'medium', 'low', 'informational'].filter(function(k){ return c[k]; }).map(function(k){ return c[k] + ' ' + k; }).join(', '); }
function viewFindings(){
  setView('findings'); detail.textContent = '';
  var list = findings.filter(function(f){ return (!fa.value || f.account === fa.value) && (!ff.value || f.fw === ff.value) && (!fs.value || f.status === fs.value); });
  if (register.length) {
    var rl = register.filter(function(f){ return !fa.value || f.accountId === fa.value; });
    detail.appendChild(el('h2', {id: 'findings', text: 'Findings register'}));
    detail.appendChild(el('p', {cls: 'muted', text: rl.length + ' finding(s) (' + registerCounts() + '): one per in-scope resource and failing check, across both frameworks, worst severity first; findings.csv has every column. Proposed, for the assessor to confirm.'}));
    detail.appendChild(vtable([{h: 'Finding', w: '80px'}, {h: 'Severity', w: '90px'}, {h: 'Account / region', w: '170px'}, {h: 'Resource', w: 'minmax(120px,1fr)'}, {h: 'Issue', w: 'minmax(160px,2fr)'}, {h: 'Requirements', w: 'minmax(120px,1fr)'}, {h: 'Seen', w: '170px'}, {h: 'Evidence', w: '110px'}], rl, function(f){ return [f.id, f.severity + (f.raised ? ' (raised: ' + f.raised.label + ' on ' + f.raised.day + ')' : ''), f.accountId + ' ' + f.region, f.resource, f.title + ': ' + f.detail, f.requirements.join(' '), f.firstSeen + ' to ' + f.lastSeen + ' (' + f.daysOpen + ' d open)', refLinks(f.evidenceRefs)]; }));
  }
  detail.appendChild(el('h2', {id: register.length ? 'finding-results' : 'findings', text: register.length ? 'Failing or to-review results per requirement' : 'Findings'}));
  detail.appendChild(el('p', {cls: 'muted', text: list.length + ' failing or to-review in-scope resource result(s) ' + resultsAsOf() + (list.length !== findings.length ? ' (filtered from ' + findings.length + ')' : '') + (outOfScopeLeft ? '; ' + outOfScopeLeft + ' failing or to-review check(s) of out-of-scope resources under these results left out (they decide nothing)' : '') + '.' + (D.assessor && D.assessor.summary && D.assessor.summary.population.outOfScopeCheckReview !== undefined && (D.assessor.summary.population.outOfScopeCheckFailing + D.assessor.summary.population.outOfScopeCheckReview) ? ' population.csv lists every out-of-scope check under any result: ' + D.assessor.summary.population.outOfScopeCheckFailing + ' fail and ' + D.assessor.summary.population.outOfScopeCheckReview + ' need review.' : '') + ' Each row is one resource against one requirement and account; up to 100 resources per requirement and account are embedded (population.csv has every resource checked, with its status and scope). A proposed finding for the assessor to confirm, not a conclusion.'}));
  detail.appendChild(findingsChart());
  detail.appendChild(vtable([{h: 'Status', w: '120px'}, {h: 'Requirement', w: '110px'}, {h: 'Account / region', w: '170px'}, {h: 'Resource', w: 'minmax(120px,1fr)'}, {h: 'Reason', w: 'minmax(160px,2fr)'}, {h: 'Evidence', w: '110px'}], list, function(f){ return [badge(f.status), reqLink(f.fw, f.req), f.account + ' ' + f.region, f.resource, f.reason, evLink(f)]; }));
}

function viewGaps(){
  setView('gaps'); detail.textContent = '';
  detail.appendChild(el('h2', {id: 'gaps', text: 'Gaps and collection errors'}));
  detail.appendChild(el('p', {text: 'A gap is evidence that should exist and does not: a day with no collection for an account, a query that failed (for example AccessDenied), an account that could not be reached, or a shard of a scheduled collection that never sealed. Gaps are never counted as a pass.'}));
  var period = D.assessor && D.assessor.summary && D.assessor.summary.period;
  if (period) {
    detail.appendChild(el('h3', {text: 'Days without a sealed collection run'}));
    detail.appendChild(el('p', {id: 'days-without-run', cls: period.datesWithoutRun.length ? '' : 'muted', text: period.datesWithoutRun.length ? period.datesWithoutRun.length + ' of ' + period.days + ' day(s): ' + period.datesWithoutRun.join(', ') + '. On such a day every automated and partial requirement has no evidence: a gap, never a pass.' : 'None: a collection run was sealed on each of the ' + period.days + ' day(s) of the period' + (periodOpen() ? ' (' + openDayText() + ')' : '') + '.'}));
    detail.appendChild(el('h3', {text: 'Period coverage'}));
    detail.appendChild(el('p', {id: 'period-coverage', text: periodCoverageText(period) + '.'}));
  }
  if (D.eventSearches) {
    detail.appendChild(el('h3', {text: 'CloudTrail event searches over the period'}));
    detail.appendChild(el('p', {id: 'event-searches', cls: D.eventSearches.unsearched.length ? '' : 'muted', text: D.eventSearches.text}));
    if (D.eventSearches.unsearched.length) detail.appendChild(vtable([{h: 'Account', w: '130px'}, {h: 'Region', w: '110px'}, {h: 'Not searched from', w: '220px'}, {h: 'to', w: '220px'}, {h: 'Days made gaps', w: '1fr'}], D.eventSearches.unsearched, function(h){ return [h.account, h.region, h.from, h.to, String(h.days)]; }));
  }
  detail.appendChild(el('h3', {text: 'Missing shards'}));
  detail.appendChild(D.missingShards.length ? table(['Slot', 'Shards', 'Missing'], D.missingShards.map(function(s){ return [s.slot, String(s.count), s.missing.join(', ')]; })) : el('p', {cls: 'muted', text: 'No schedule slot with a sealed run is missing one of its shards (days with no run at all are listed above).'}));
  detail.appendChild(el('h3', {text: 'Accounts or regions a run could not reach'}));
  detail.appendChild(D.runGaps.length ? vtable([{h: 'Run', w: '220px'}, {h: 'Account / region', w: '180px'}, {h: 'Reason', w: '1fr'}], D.runGaps, function(g){ return [g.run, g.account + ' ' + g.region, (g.query ? g.query + ': ' : '') + g.reason]; }) : el('p', {cls: 'muted', text: 'No run recorded an account or region it could not reach.'}));
  var gapRows = []; D.rows.forEach(function(r){ if ((fa.value && r.account !== fa.value) || (ff.value && r.fw !== ff.value)) return; var refusedOn = {}; r.refused.forEach(function(x){ refusedOn[x.day] = 1; gapRows.push({r: r, day: x.day, query: '', region: '', reason: 'seal refused: files planted by someone else (attempts ' + x.attempts.join(', ') + '); no evidence of that collection was sealed. Signed refusal record ' + x.record + ', SHA-256 ' + x.sha}); }); var otherGapDays = r.gapDays - Object.keys(refusedOn).length; if (otherGapDays > 0) gapRows.push({r: r, day: otherGapDays + ' day(s) without evidence', query: '', region: '', reason: 'no collection covered this account on those days'}); r.gaps.forEach(function(g){ gapRows.push({r: r, day: g.day, query: g.queryId, region: g.region, reason: g.reason}); }); });
  detail.appendChild(el('h3', {text: 'Query errors and missing evidence by requirement (' + gapRows.length + ')'}));
  detail.appendChild(gapRows.length ? vtable([{h: 'Requirement', w: '110px'}, {h: 'Account', w: '120px'}, {h: 'Day', w: '150px'}, {h: 'Query / region', w: '220px'}, {h: 'Gap', w: '1fr'}], gapRows, function(g){ return [reqLink(g.r.fw, g.r.req), g.r.account, g.day, g.query + ' ' + g.region, g.reason]; }) : el('p', {cls: 'muted', text: 'None.'}));
}

function viewExceptions(){
  setView('exceptions'); detail.textContent = '';
  detail.appendChild(el('h2', {id: 'exceptions', text: 'Exceptions register'}));
  detail.appendChild(el('p', {text: 'Exceptions come from the organisation\\'s exceptions register. An exception is shown next to the result it concerns; it never changes the result. It applies from its effectiveFrom date (else its approvedOn date) to its expiry: In effect says for which days of the period. One past its expiry at the period end is EXPIRED, one starting after it NOT YET EFFECTIVE; an entry without either start date says its start is not known.'}));
  detail.appendChild(D.exceptions.length ? table(['State', 'Requirement', 'Type', 'Accounts', 'Owner', 'Approved by', 'In effect', 'Rationale'], D.exceptions.map(function(e){ return [e.stateWord, reqLink(e.framework, e.requirement, e.framework + ' ' + e.requirement), e.type, (e.accounts || ['all accounts']).join(', '), e.owner, e.approvedBy + (e.approverArn ? ' (' + e.approverArn + ')' : '') + ' \u2014 ' + e.approval, e.window, e.rationale]; })) : el('p', {cls: 'muted', text: 'The register is empty or no register is configured.'}));
}

function viewMethod(){
  setView('method'); detail.textContent = '';
  detail.appendChild(el('h2', {id: 'method', text: 'Method and chain of custody'}));
  detail.appendChild(el('h3', {text: 'How evidence was collected'}));
  detail.appendChild(el('p', {text: 'Each collection run called read-only AWS APIs in each account it reached and each region it was set to collect (Scope: regions names any enabled region no run collected), kept the API responses as evidence records, as returned except for secret values replaced before sealing (each record lists them under redactions, with the rule), and evaluated them with pure rules (one per evidence query). A record whose API call failed is kept as an error record and shown as a gap. Every run of a day covering the account is evaluated, in order: the day takes the result of its last run, except that a fail or needs-review found by an earlier run of that day counts for the day (the changes name both runs); an error or missing evidence in an earlier run is no gap when a later run of the day judged the requirement. A run collected on the day takes precedence over a reconstruction of that day, which is then not evaluated. The status at the end of the period is that of the last run. A run is a snapshot of the settings at the time of its calls (the run table gives when each run completed): a setting changed and changed back between two runs is not in the configuration evidence; it shows only in the CloudTrail events this package includes.'}));
  if (D.throughOrganisation) detail.appendChild(el('p', {id: 'through-organisation', text: D.throughOrganisation}));
  detail.appendChild(el('h3', {id: 'parameter-overrides', text: 'Parameters changed from the catalog'}));
  if (!D.parameterOverrides.rows.length) detail.appendChild(el('p', {text: 'None: every requirement was judged with its catalog parameter values.'}));
  else {
    detail.appendChild(el('p', {text: D.parameterOverrides.text + '. One row per configured value: an entity declaration, set once, names every requirement it reaches. Where the requirement\\'s text fixes the value and the change loosens it (a minimum lowered, a maximum raised) or goes a way that cannot be told, a resource check that passes with the configured value is shown as needs review, its reason naming both values and what the check gives with the requirement\\'s own value. Other changes are listed only; their results are judged with the configured value.'}));
    detail.appendChild(table(['Requirements', 'Parameter', 'Queries', 'Catalog', 'Used', 'Fixed by requirement', 'Effect', 'Set by'], D.parameterOverrides.values.map(function(o){ return [o.fw + ' ' + o.reqs.join(', '), o.parameter, o.queries.join(', ') || '-', o.catalog, o.used, o.fixed ? 'yes' : 'no', o.effect, o.source]; })));
  }
  detail.appendChild(el('h3', {text: 'Write-once storage'}));
  D.stores.forEach(function(s){ detail.appendChild(kv([['Store', s.kind + ' at ' + s.location], ['Object Lock', s.objectLockMode ? s.objectLockMode + ' mode' + (s.retainUntil ? ', retained until at least ' + s.retainUntil : '') : 'none (local directory: files are read-only and tamper-evident through hashes and signatures, not tamper-proof)']].concat(s.note ? [['Note', s.note]] : []))); });
  detail.appendChild(el('h3', {text: 'Sealing and signing keys'}));
  detail.appendChild(el('p', {text: 'When a run finished, its manifest (every record with its SHA-256, plus the SHA-256 of the previous run manifest of the same chain) was written after every body it names and signed. The package includes those manifests with their signatures and public keys, every evidence body it relies on, and a signed package manifest listing every file with its SHA-256.'}));
  detail.appendChild(table(['Key fingerprint (SHA-256 of public key)', 'Key id', 'Algorithm'], D.runKeys.map(function(k){ return [k.keyFingerprint, k.keyId, k.algorithm]; })));
  detail.appendChild(el('h3', {text: 'Sealed runs (' + D.runsTotal + ')'}));
  detail.appendChild(vtable([{h: 'Run', w: '230px'}, {h: 'Kind / chain', w: '170px'}, {h: 'Completed', w: '190px'}, {h: 'Records', w: '70px'}, {h: 'Manifest SHA-256', w: '1fr'}], D.runs, function(r){ return [r.id, r.kind + ' ' + r.chain, r.completedAt, String(r.records), r.sha]; }));
  detail.appendChild(el('h3', {text: 'How to verify'}));
  detail.appendChild(el('p', {text: 'Start from the signing key fingerprint confirmed with the organisation out of band, never from one printed in this package. Offline with the tool: evidence-locker verify <package.zip> --expect-key <fingerprint> (without --expect-key, VALID only means the package is internally consistent). With standard tools only, in the unzipped folder, after checking sha256sum verify.sh against the value the project publishes for this version in its README (' + D.verifyScriptSha256 + ' when this package was built; a value printed inside a package proves nothing about that package):'}));
  detail.appendChild(el('pre', {cls: 'body', text: 'sh verify.sh --key <fingerprint>'}));
  detail.appendChild(el('p', {text: 'It checks the pinned key, the signature over SHA256SUMS, every file and that no other exists, the package and run signatures against the pinned keys, and the run chain. By hand, follow VERIFY.md section 3 in full: sha256sum -c SHA256SUMS with a signature check alone does not show the package is unaltered (a package re-signed with another key, or with an extra or rewritten file and checksum line, passes them).'}));
  detail.appendChild(el('p', {id: 'results-not-signed', text: D.resultsNotSigned}));
}

var ACCOUNT_PAGE = 50;
var filtering = false;
function viewRequirement(fw, reqId, shown){
  var found = reqBy[fw + '|' + reqId];
  if (!found) return viewMissing('No requirement ' + reqId + ' in framework ' + fw + ' in this package.');
  setView('req'); current = {fw: fw, req: reqId};
  var f = found.fw, req = found.req; detail.textContent = '';
  var h = el('h2', {id: 'req-' + fw + '-' + reqId, text: req.id + '  ' + req.title}); detail.appendChild(h);
  detail.appendChild(el('div', {cls: 'muted', text: f.name + ' | principal ' + req.principal + ' | coverage: ' + req.coverage + (req.queries.length ? ' | queries: ' + req.queries.join(', ') : '')}));
  detail.appendChild(el('p', {text: req.rationale}));
  if (req.guidance) detail.appendChild(el('p', {text: 'Assessor guidance: ' + req.guidance}));
  var changed = D.parameterOverrides.rows.filter(function(o){ return o.fw === fw && o.req === reqId; });
  if (changed.length) detail.appendChild(el('p', {cls: 'param-override', text: 'Changed from the catalog by the configuration: ' + changed.map(function(o){ return o.parameter + ' ' + o.catalog + ' -> ' + o.used + ' (' + o.effect + ')'; }).join('; ') + '. The results below rest on the configured value.'}));
  if (req.untested) detail.appendChild(el('p', {cls: 'untested', text: 'Not tested by AWS evidence: its AWS checks inform but test none of its procedures (' + req.untested + '). Their results below are supporting information only; passing checks are shown as MANUAL (the assessor tests the requirement); any other result is shown as it is: FAIL for a failing check, NEEDS REVIEW for one to review, a gap where evidence is missing.'}));
  detail.appendChild(el('h3', {text: 'Testing procedures'})); var ul = el('ul'); req.procedures.forEach(function(p){ var pr = procBy[fw + '|' + reqId + '|' + p]; ul.appendChild(el('li', {text: p + (pr ? ': ' + procText(pr) : '')})); }); detail.appendChild(ul);
  var rows = visibleRows(fw, reqId).filter(function(r){ return !fs.value || r.status === fs.value; });
  var limit = shown || ACCOUNT_PAGE;
  rows.slice(0, limit).forEach(function(r){
    var sec = el('div', {cls: 'acct', 'data-account': r.account});
    sec.appendChild(el('h3', {}, ['Account ' + r.account + '  ', badge(r.status), ' ', el('span', {cls: 'muted', text: 'worst in period: ' + S[r.worst].word})]));
    if (r.addressable) sec.appendChild(el('p', {cls: 'addressable', text: D.addressableNote}));
    var st = el('div', {cls: 'strip', title: D.days[0] + ' to ' + D.days[D.days.length - 1]}); r.daily.forEach(function(i, n){ var s = el('span', {title: D.days[n] + ': ' + D.statuses[i].word}); s.style.background = D.statuses[i].color; st.appendChild(s); }); sec.appendChild(st);
    var rb = (D.rebuilt && D.rebuilt.byAccount[r.account]) || []; rb.forEach(function(n){ var s = st.children[n]; if (!s) return; s.className = 'rebuilt'; s.setAttribute('data-rebuilt', D.days[n]); s.title += ' (rebuilt afterwards from AWS history, not collected that day)'; });
    if (rb.length) sec.appendChild(el('div', {cls: 'muted rebuilt-note', text: 'Lighter, hatched days (' + rb.length + '): evidence rebuilt afterwards from AWS history (backfill), not collected on the day. ' + D.rebuilt.sentence}));
    if (r.exception) { sec.appendChild(el('p', {text: r.exception.label + '. ' + r.exception.rationale})); r.exception.others.forEach(function(o){ sec.appendChild(el('p', {cls: 'muted', text: 'Also registered: ' + o.label + '. ' + o.rationale})); }); }
    var rl = el('ul'); r.reasons.forEach(function(x){ rl.appendChild(el('li', {text: x})); }); sec.appendChild(rl);
    sec.appendChild(el('div', {cls: 'muted', text: r.evidenceCount + ' evidence record(s) in the period' + (r.first ? ', first ' + r.first + ', last ' + r.last : '') + (r.gapDays ? '; ' + r.gapDays + ' day(s) without evidence' : '')}));
    if (r.findings.length) sec.appendChild(table(['Status', 'Resource', 'Region', 'Reason', 'Evidence'], r.findings.map(function(x){ var st = x.s === 'error' ? 'not-collected' : x.s; return [x.in === false ? 'out of scope' : badge(st), x.r, x.g, (x.in === false ? 'Not counted (' + x.sr + '). Check result ' + x.s + ': ' : '') + x.why, evLink({sha: x.sha, ref: x.ref})]; })));
    if (r.findingsTotal > r.findings.length) sec.appendChild(el('div', {cls: 'muted', text: (r.findingsTotal - r.findings.length) + ' more resources: see population.csv and the population list of the summary'}));
    if (r.changes.length) sec.appendChild(table(['Day', 'What', 'Change', 'Detail'], r.changes.map(function(c){ return [c.day, c.subject, c.from + ' -> ' + c.to, c.detail]; })));
    if (r.gaps.length) sec.appendChild(table(['Day', 'Query', 'Region', 'Gap'], r.gaps.map(function(g){ return [g.day, g.queryId, g.region, g.reason]; })));
    if (r.evidence.length) sec.appendChild(table(['Collected at', 'Record', 'Region', 'Status', 'Evidence'], r.evidence.map(function(e){ return [e.at, e.id, e.g, e.st, e.read ? el('span', {}, [evLink(e), ' through organisation-wide read ', evLink(e.read)]) : evLink(e)]; })));
    detail.appendChild(sec);
  });
  if (rows.length > limit) { var more = el('button', {type: 'button', id: 'more-accounts', text: 'Show ' + Math.min(ACCOUNT_PAGE, rows.length - limit) + ' more of ' + (rows.length - limit) + ' remaining accounts'}); more.addEventListener('click', function(){ var y = detail.scrollTop; viewRequirement(fw, reqId, limit + ACCOUNT_PAGE); detail.scrollTop = y; }); detail.appendChild(more); }
  var atts = D.attestations.filter(function(a){ return a.framework === fw && a.requirement === reqId; });
  if (atts.length) { detail.appendChild(el('h3', {text: 'Attestations'})); detail.appendChild(table(['Date', 'By (stated) and sealed by', 'Note', 'Record'], atts.map(function(a){ return [a.collectedAt, a.sealer, a.note + (a.fileName ? ' (document ' + a.fileName + ')' : ''), evLink({sha: a.sha256})]; }))); }
  // A link to a requirement the list filters hide clears the search and status filters, so the selection shows.
  var i = indexOfCurrent(); if (i < 0 && !filtering) { ft.value = ''; fs.value = ''; buildItems(); i = indexOfCurrent(); }
  scrollListTo(i);
  if (!shown) { detail.scrollTop = 0; highlight(h); }
}

function viewEvidence(ref){
  var e = evidence[ref];
  if (!e) { for (var k in evidence) if (k.indexOf(ref) === 0 && k.length === 64) { e = evidence[k]; break; } }
  if (!e) return viewMissing('No evidence record ' + ref + ' is cited in this package view. Every record is listed in evidence-index.csv.');
  setView('evidence'); detail.textContent = '';
  var h = el('h2', {id: 'evidence-' + e.sha, text: 'Evidence record ' + (e.ref || e.sha.slice(0, 12))}); detail.appendChild(h);
  detail.appendChild(kv([['Query', e.q || ''], ['Record', e.id || ''], ['Region', e.g || '']].concat(e.at ? [['Collected at', e.at]] : []).concat([['Status', e.st || '']]).concat(e.via ? [['Collected through', e.via]] : []).concat(e.read ? [['Organisation-wide read', el('span', {}, [evLink(e.read, (e.read.ref ? e.read.ref + ' ' : '') + e.read.id), ' (its record lists every call the read made, with AWS request ids)'])]] : []).concat([['Run', e.run || ''], ['SHA-256', el('code', {text: e.sha})], ['Path in package', el('code', {text: path(e.sha)})]])));
  if (e.org) detail.appendChild(el('p', {text: 'The record of an organisation-wide read (delegated-admin): every call it made from the audit account, each page with its AWS request id. Member records taken from it cite it; it is how they were obtained, not evidence of any requirement, and it does not show that the member accounts hold nothing it did not return.'}));
  if (e.org) { detail.appendChild(el('h3', {text: 'Member records taken from it (those this view cites; evidence-index.csv lists every record)'})); var tl = el('ul'); (readTakers[e.sha] || []).forEach(function(m){ tl.appendChild(el('li', {}, [evLink(m), ' ' + m.id])); }); detail.appendChild(tl); }
  var cites = evidenceCites[e.sha] || [];
  if (!e.org) detail.appendChild(el('h3', {text: 'Cited by'}));
  var ul = el('ul'); cites.forEach(function(c){ ul.appendChild(el('li', {}, [reqLink(c.fw, c.req, c.fw + ' ' + c.req), c.account ? ' (account ' + c.account + ')' : ''])); }); detail.appendChild(ul);
  detail.appendChild(el('h3', {text: 'Record'}));
  var raw = D.bodies[e.sha]; var pre = el('pre', {cls: 'body', id: 'evidence-body'});
  if (raw === undefined) pre.textContent = 'This record is not embedded in index.html (size budget). Open it from the package:\\n\\n  ' + path(e.sha) + '\\n\\nSHA-256: ' + e.sha;
  else { try { pre.textContent = vis(JSON.stringify(JSON.parse(raw), null, 2)); } catch (x) { pre.textContent = vis(raw); } }
  detail.appendChild(pre);
  detail.scrollTop = 0; highlight(h);
}

function viewMissing(msg){ setView('missing'); detail.textContent = ''; detail.appendChild(el('h2', {text: 'Not found'})); detail.appendChild(el('p', {text: msg})); detail.appendChild(el('p', {}, [el('a', {href: '#summary', text: 'Back to the summary'})])); }

// ---------- routing: the URL fragment is the view, so links, back and forward all work ----------
function route(){
  var h = location.hash.replace(/^#/, '');
  var parts = h.split('/').map(function(p){ try { return decodeURIComponent(p); } catch (x) { return p; } });
  if (parts[0] === 'req' && parts.length >= 3) return viewRequirement(parts[1], parts.slice(2).join('/'));
  if (parts[0] === 'evidence' && parts[1]) return viewEvidence(parts.slice(1).join('/'));
  if (h === 'findings') return viewFindings();
  if (h === 'gaps') return viewGaps();
  if (h === 'exceptions') return viewExceptions();
  if (h === 'method') return viewMethod();
  // Links of earlier packages: #<framework>/<requirement>, percent-encoded.
  var legacy = decodeURIComponent(h); var i = legacy.indexOf('/');
  if (i > 0 && reqBy[legacy.slice(0, i) + '|' + legacy.slice(i + 1)]) return viewRequirement(legacy.slice(0, i), legacy.slice(i + 1));
  return viewSummary();
}
window.addEventListener('hashchange', route);
[fs, fa, ff].forEach(function(x){ x.addEventListener('change', function(){ buildItems(); filtering = true; try { route(); } finally { filtering = false; } }); });
ft.addEventListener('input', buildItems);
// Escape in a search field clears it with a 'search' event only.
ft.addEventListener('search', buildItems);

// ---------- keyboard ----------
function step(d){
  // The list is rebuilt first: a search field can be cleared by the browser without an input event.
  buildItems();
  var i = indexOfCurrent(), n = items.length; if (!n) return;
  var j = i; do { j = j + d; } while (j >= 0 && j < n && items[j].head);
  if (i < 0) { j = 0; while (j < n && items[j].head) j++; }
  if (j < 0 || j >= n) return;
  // Selected now, not when the hashchange arrives, so keys pressed in quick succession each move one step.
  current = {fw: items[j].fw, req: items[j].req.id};
  location.hash = reqHash(items[j].fw, items[j].req.id);
}
document.addEventListener('keydown', function(e){
  var typing = e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT' || e.target.tagName === 'TEXTAREA');
  if (e.key === 'Escape') { if (typing) e.target.blur(); listEl.focus(); return; }
  if (typing) { if (e.key === 'Enter' && e.target === ft) { var first = items.filter(function(x){ return !x.head; })[0]; if (first) location.hash = reqHash(first.fw, first.req.id); } return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') { e.preventDefault(); ft.focus(); ft.select(); }
  else if (e.key === 'j' || (e.key === 'ArrowDown' && document.activeElement === listEl)) { e.preventDefault(); step(1); }
  else if (e.key === 'k' || (e.key === 'ArrowUp' && document.activeElement === listEl)) { e.preventDefault(); step(-1); }
  else if (e.key === 'Enter' && document.activeElement === listEl && !current) { step(1); }
});

buildItems();
route();
})();
`;

/**
 * The page's one script, allowed by its hash and nothing else: were a name from a member account (a tag, a finding
 * title, a description) ever to reach the markup unescaped, a script or event handler it carries would not run.
 */
const JS_CSP_HASH = `sha256-${createHash('sha256').update(JS, 'utf8').digest('base64')}`;
