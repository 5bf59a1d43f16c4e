import { FOREIGN_REASONS } from '../seal/trust.js';
import type { PackageModel } from './model.js';
import { dayStatus, rowReasons } from './timeline.js';
import { STATUS_ORDER, STATUS_STYLE } from './pdf.js';
import { assessorHtmlData, assessorHtmlSection } from './html-assessor.js';

/** Total bytes of evidence bodies embedded in index.html; beyond it the viewer shows the path in the package. */
export const DEFAULT_HTML_BODY_BUDGET = 8 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_FINDINGS = 100;
const MAX_EVIDENCE = 200;

/** `<` escaped so embedded JSON can never close the script element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
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
    reasons: rowReasons(r, model.period.to),
    evidenceCount: r.evidenceCount,
    first: r.firstEvidence ?? null,
    last: r.lastEvidence ?? null,
    gapDays: r.gapDays.length,
    gaps: r.gaps.slice(0, 20),
    changes: r.changes.slice(0, 50),
    changesTotal: r.changesTotal,
    daily: Array.from(r.daily, (_code, i) => STATUS_ORDER.indexOf(dayStatus(r, i))),
    findings: (r.latest?.findings ?? []).slice(0, MAX_FINDINGS).map((f) => ({ s: f.status, r: f.resource, t: f.resourceType, q: f.queryId, g: f.region, why: f.reason, sha: f.evidenceSha256, in: f.inScope !== false, sr: f.scopeReason ?? '' })),
    findingsTotal: r.findingsTotal,
    evidence: (r.latest?.evidence ?? []).slice(0, MAX_EVIDENCE).map((e) => ({ run: e.runId, id: e.recordId, q: e.queryId, g: e.region, at: e.collectedAt, sha: e.sha256, st: e.status, ref: model.assessor.refOf(e.runId, e.recordId) })),
    exception: r.exception ? { state: r.exception.state, type: r.exception.type, owner: r.exception.owner, approvedBy: r.exception.approvedBy, expires: r.exception.expires, rationale: r.exception.rationale } : null,
  }));
  const wanted: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const e of r.evidence) if (!seen.has(e.sha)) (seen.add(e.sha), wanted.push(e.sha));
  const bodies: Record<string, string> = {};
  let used = 0;
  for (const sha of wanted) {
    if (used >= budget) break;
    const bytes = await readBody(sha);
    if (bytes.length > MAX_BODY_BYTES || used + bytes.length > budget) continue;
    bodies[sha] = bytes.toString('utf8');
    used += bytes.length;
  }
  const data = {
    organization: model.organization,
    period: model.period,
    generatedAt: model.generatedAt,
    contentId: model.contentId,
    signing: model.signing,
    accounts: model.accounts,
    days: model.timeline.days,
    frameworks: model.frameworks.map((f) => ({
      id: f.framework,
      name: `${f.name} ${f.version}`,
      requirements: f.requirements.map((q) => ({ id: q.id, title: q.title, principal: q.principal, coverage: q.coverage, rationale: q.rationale, procedures: q.testingProcedures, guidance: q.assessorGuidance ?? null, queries: q.queries })),
    })),
    rows,
    attestations: model.timeline.attestations,
    exceptions: model.exceptions,
    missingShards: model.missingShards,
    foreign: model.foreign ?? [],
    statuses: STATUS_ORDER.map((s) => ({ id: s, word: STATUS_STYLE[s].word, color: STATUS_STYLE[s].color })),
    bodies,
    bodiesEmbedded: Object.keys(bodies).length,
    bodiesTotal: wanted.length,
    assessor: assessorHtmlData(model),
  };
  const title = `${model.organization}: ${model.frameworks.map((f) => f.name).join(', ')} evidence, ${model.period.from} to ${model.period.to}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${esc(model.organization)}</h1>
  <div class="sub">${esc(model.frameworks.map((f) => `${f.name} ${f.version}`).join(' | '))} &middot; ${esc(model.period.from)} to ${esc(model.period.to)} &middot; ${model.accounts.length} account(s)</div>
  <div class="sub mono">signing key ${esc(model.signing.keyFingerprint)} &middot; evidence set ${esc(model.contentId.slice(0, 16))}</div>
</header>
${foreignBanner(model)}
<div id="filters">
  <label>Status <select id="f-status"><option value="">all</option></select></label>
  <label>Account <select id="f-account"><option value="">all</option></select></label>
  <label>Framework <select id="f-fw"><option value="">all</option></select></label>
  <label>Search <input id="f-text" type="search" placeholder="id or title"></label>
  <span id="count"></span>
</div>
<main>
  <nav id="list" aria-label="Requirements"></nav>
  <section id="detail"><p class="muted">Choose a requirement on the left. Statuses: fail, gap (not collected), needs review, manual, pass, not applicable. A gap is never a pass.</p></section>
</main>
${assessorHtmlSection(model, esc)}
<div id="viewer" hidden><div class="box"><div class="bar"><strong id="viewer-title"></strong><button id="viewer-close" type="button">Close</button></div><pre id="viewer-body"></pre></div></div>
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
  if (!found.length) return '<div id="foreign" class="foreign-none">No foreign object found in the evidence store for this period: every run shown is signed by a trusted key.</div>';
  const items = found
    .slice(0, 500)
    .map((f) => `<li><code>${esc(f.path)}</code>: ${esc(FOREIGN_REASONS[f.reason])} (${esc(f.detail)})</li>`)
    .join('');
  return (
    `<div id="foreign" class="foreign" role="alert"><strong>${found.length} foreign object(s) in the evidence store</strong>: ` +
    `written by someone other than the trusted signer (${esc((model.trustedKeys ?? [model.signing.keyFingerprint]).join(', '))}). None is used as evidence or as a chain link.` +
    `<details><summary>List</summary><ul>${items}</ul>${found.length > 500 ? `<p>... and ${found.length - 500} more</p>` : ''}</details></div>`
  );
}

const CSS = `
:root{--ink:#1f2328;--muted:#57606a;--rule:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink)}
header{background:#0b3d62;color:#fff;padding:14px 20px}
header h1{margin:0;font-size:20px}
.foreign{background:#ffebe9;border-bottom:2px solid #cf222e;color:#82071e;padding:8px 20px;font-size:13px}
.foreign-none{padding:4px 20px;font-size:12px;color:var(--muted);border-bottom:1px solid var(--rule)}
.sub{font-size:12px;color:#cfe3f3}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
#filters{display:flex;gap:14px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--rule);background:var(--bg);flex-wrap:wrap}
#filters label{font-size:12px;color:var(--muted)}
#filters select,#filters input{margin-left:4px;font-size:13px;max-width:260px}
#count{font-size:12px;color:var(--muted)}
main{display:grid;grid-template-columns:minmax(280px,34%) 1fr;height:calc(100vh - 125px)}
nav{overflow:auto;border-right:1px solid var(--rule)}
nav .fw{padding:8px 12px;font-weight:600;background:var(--bg);border-bottom:1px solid var(--rule);position:sticky;top:0}
nav a .badge{flex:0 0 124px}
nav a{display:flex;gap:8px;align-items:flex-start;padding:6px 12px;border-bottom:1px solid #eee;color:inherit;text-decoration:none;cursor:pointer}
nav a:hover,nav a.sel{background:#eef5fc}
nav .rid{font-weight:600;white-space:nowrap}
nav .rt{font-size:12.5px;color:var(--muted)}
#detail{overflow:auto;padding:16px 22px}
.badge{display:inline-block;min-width:84px;text-align:center;padding:1px 6px;border-radius:3px;color:#fff;font-size:11px;font-weight:700;letter-spacing:.02em;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:12.5px}
th,td{border-bottom:1px solid var(--rule);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--bg)}
.muted{color:var(--muted)}
.ev{cursor:pointer;color:#0969da;text-decoration:underline;background:none;border:0;padding:0;font:inherit}
.strip{display:flex;height:12px;margin:4px 0 2px}
.strip span{flex:1;min-width:1px}
#viewer{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center}
#viewer[hidden]{display:none}
#viewer .box{background:#fff;width:min(1000px,94vw);height:86vh;display:flex;flex-direction:column;border-radius:6px}
#viewer .bar{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;border-bottom:1px solid var(--rule)}
#viewer pre{margin:0;padding:12px;overflow:auto;font-size:12px;flex:1;white-space:pre-wrap;word-break:break-all}
h2{margin:0 0 4px;font-size:18px}
h3{font-size:14px;margin:18px 0 4px}
`;

const JS = `
(function(){
'use strict';
var D = JSON.parse(document.getElementById('package-data').textContent);
var S = {}; D.statuses.forEach(function(s){ S[s.id] = s; });
var order = D.statuses.map(function(s){ return s.id; });
function el(tag, attrs, kids){ var e = document.createElement(tag); for (var k in (attrs||{})) { if (k === 'text') e.textContent = attrs[k]; else if (k === 'cls') e.className = attrs[k]; else e.setAttribute(k, attrs[k]); } (kids||[]).forEach(function(c){ if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); }); return e; }
function badge(s){ var b = el('span', {cls:'badge', 'data-status': s, text: S[s].word}); b.style.background = S[s].color; return b; }
function worst(list){ var w = null; list.forEach(function(s){ if (w === null || order.indexOf(s) < order.indexOf(w)) w = s; }); return w || 'not-collected'; }
var fs = document.getElementById('f-status'), fa = document.getElementById('f-account'), ff = document.getElementById('f-fw'), ft = document.getElementById('f-text');
D.statuses.forEach(function(s){ fs.appendChild(el('option', {value: s.id, text: s.word})); });
D.accounts.forEach(function(a){ fa.appendChild(el('option', {value: a, text: a})); });
D.frameworks.forEach(function(f){ ff.appendChild(el('option', {value: f.id, text: f.name})); });
var rowsBy = {}; D.rows.forEach(function(r){ var k = r.fw + '|' + r.req; (rowsBy[k] = rowsBy[k] || []).push(r); });
var current = null;
function visibleRows(fw, req){ var a = fa.value; return (rowsBy[fw + '|' + req] || []).filter(function(r){ return !a || r.account === a; }); }
function renderList(){
  var nav = document.getElementById('list'); nav.textContent = ''; var n = 0; var q = ft.value.trim().toLowerCase();
  D.frameworks.forEach(function(f){
    if (ff.value && ff.value !== f.id) return;
    var head = el('div', {cls:'fw', text: f.name}); var any = false; var frag = document.createDocumentFragment();
    f.requirements.forEach(function(req){
      var rows = visibleRows(f.id, req.id); var st = worst(rows.map(function(r){ return r.status; }));
      if (fs.value && !rows.some(function(r){ return r.status === fs.value; })) return;
      if (q && (req.id + ' ' + req.title).toLowerCase().indexOf(q) < 0) return;
      var a = el('a', {href: '#' + encodeURIComponent(f.id + '/' + req.id), 'data-req': req.id, 'data-fw': f.id}, [badge(st), el('span', {}, [el('span', {cls:'rid', text: req.id}), req.coverage === 'partial' ? el('span', {cls:'muted', text: ' · partial coverage'}) : '', el('br'), el('span', {cls:'rt', text: req.title})])]);
      if (current && current.fw === f.id && current.req === req.id) a.className = 'sel';
      frag.appendChild(a); any = true; n++;
    });
    if (any) { nav.appendChild(head); nav.appendChild(frag); }
  });
  document.getElementById('count').textContent = n + ' requirement(s) shown';
}
function table(headers, rows){ var t = el('table'); var tr = el('tr'); headers.forEach(function(h){ tr.appendChild(el('th', {text: h})); }); t.appendChild(tr); rows.forEach(function(r){ var tr = el('tr'); r.forEach(function(c){ var td = el('td'); if (typeof c === 'string') td.textContent = c; else if (c) td.appendChild(c); tr.appendChild(td); }); t.appendChild(tr); }); return t; }
function evidenceButton(e){ var b = el('button', {type:'button', cls:'ev', 'data-sha': e.sha, text: e.sha.slice(0, 12)}); b.addEventListener('click', function(){ openBody(e.sha, e.id || e.q); }); return b; }
function path(sha){ return 'evidence/objects/sha256/' + sha.slice(0,2) + '/' + sha + '.json'; }
function openBody(sha, label){
  var pre = document.getElementById('viewer-body'); var raw = D.bodies[sha];
  document.getElementById('viewer-title').textContent = (label || '') + '  ' + path(sha);
  if (raw === undefined) pre.textContent = 'This record is not embedded in index.html (size budget). Open it from the package:\\n\\n  ' + path(sha) + '\\n\\nSHA-256: ' + sha;
  else { try { pre.textContent = JSON.stringify(JSON.parse(raw), null, 2); } catch (e) { pre.textContent = raw; } }
  document.getElementById('viewer').hidden = false;
}
document.getElementById('viewer-close').addEventListener('click', function(){ document.getElementById('viewer').hidden = true; });
document.addEventListener('keydown', function(e){ if (e.key === 'Escape') document.getElementById('viewer').hidden = true; });
function strip(daily){ var d = el('div', {cls:'strip', title: D.days[0] + ' to ' + D.days[D.days.length-1]}); daily.forEach(function(i, n){ var s = el('span', {title: D.days[n] + ': ' + D.statuses[i].word}); s.style.background = D.statuses[i].color; d.appendChild(s); }); return d; }
function renderDetail(fw, reqId){
  current = {fw: fw, req: reqId};
  var f = D.frameworks.filter(function(x){ return x.id === fw; })[0]; if (!f) return;
  var req = f.requirements.filter(function(x){ return x.id === reqId; })[0]; if (!req) return;
  var box = document.getElementById('detail'); box.textContent = '';
  box.appendChild(el('h2', {text: req.id + '  ' + req.title}));
  box.appendChild(el('div', {cls:'muted', text: f.name + ' | principal ' + req.principal + ' | coverage: ' + req.coverage + (req.queries.length ? ' | queries: ' + req.queries.join(', ') : '')}));
  box.appendChild(el('p', {text: req.rationale}));
  if (req.guidance) box.appendChild(el('p', {text: 'Assessor guidance: ' + req.guidance}));
  box.appendChild(el('h3', {text: 'Testing procedures'})); var ul = el('ul'); req.procedures.forEach(function(p){ ul.appendChild(el('li', {text: p})); }); box.appendChild(ul);
  visibleRows(fw, reqId).forEach(function(r){
    if (fs.value && r.status !== fs.value) return;
    var sec = el('div', {cls:'acct', 'data-account': r.account});
    sec.appendChild(el('h3', {}, ['Account ' + r.account + '  ', badge(r.status), ' ', el('span', {cls:'muted', text: 'worst in period: ' + S[r.worst].word})]));
    sec.appendChild(strip(r.daily));
    if (r.exception) sec.appendChild(el('p', {text: (r.exception.state === 'expired' ? 'EXPIRED exception (not applied): ' : 'Exception: ') + r.exception.type + ', owner ' + r.exception.owner + ', approved by ' + r.exception.approvedBy + ', expires ' + r.exception.expires + '. ' + r.exception.rationale}));
    var rl = el('ul'); r.reasons.forEach(function(x){ rl.appendChild(el('li', {text: x})); }); sec.appendChild(rl);
    sec.appendChild(el('div', {cls:'muted', text: r.evidenceCount + ' evidence record(s) in the period' + (r.first ? ', first ' + r.first + ', last ' + r.last : '') + (r.gapDays ? '; ' + r.gapDays + ' day(s) without evidence' : '')}));
    if (r.findings.length) sec.appendChild(table(['Status', 'Resource', 'Region', 'Reason', 'Evidence'], r.findings.map(function(x){ var st = x.s === 'error' ? 'not-collected' : x.s; return [x.in === false ? 'out of scope' : badge(st), x.r, x.g, (x.in === false ? 'Not counted (' + x.sr + '). Check result ' + x.s + ': ' : '') + x.why, evidenceButton({sha: x.sha, q: x.q})]; })));
    if (r.findingsTotal > r.findings.length) sec.appendChild(el('div', {cls:'muted', text: (r.findingsTotal - r.findings.length) + ' more resources: see controls.csv'}));
    if (r.changes.length) sec.appendChild(table(['Day', 'What', 'Change', 'Detail'], r.changes.map(function(c){ return [c.day, c.subject, c.from + ' -> ' + c.to, c.detail]; })));
    if (r.gaps.length) sec.appendChild(table(['Day', 'Query', 'Region', 'Gap'], r.gaps.map(function(g){ return [g.day, g.queryId, g.region, g.reason]; })));
    if (r.evidence.length) sec.appendChild(table(['Collected at', 'Record', 'Region', 'Status', 'SHA-256 (open)'], r.evidence.map(function(e){ return [e.at, e.id, e.g, e.st, evidenceButton(e)]; })));
    box.appendChild(sec);
  });
  var atts = D.attestations.filter(function(a){ return a.framework === fw && a.requirement === reqId; });
  if (atts.length) { box.appendChild(el('h3', {text: 'Attestations'})); box.appendChild(table(['Date', 'By', 'Note', 'Record'], atts.map(function(a){ return [a.collectedAt, a.by, a.note + (a.fileName ? ' (document ' + a.fileName + ')' : ''), evidenceButton({sha: a.sha256, id: 'attestation'})]; }))); }
  renderList();
}
document.getElementById('list').addEventListener('click', function(e){ var a = e.target.closest('a[data-req]'); if (!a) return; e.preventDefault(); location.hash = encodeURIComponent(a.getAttribute('data-fw') + '/' + a.getAttribute('data-req')); renderDetail(a.getAttribute('data-fw'), a.getAttribute('data-req')); });
[fs, fa, ff].forEach(function(x){ x.addEventListener('change', function(){ renderList(); if (current) renderDetail(current.fw, current.req); }); });
ft.addEventListener('input', renderList);
renderList();
if (location.hash) { var h = decodeURIComponent(location.hash.slice(1)); var i = h.indexOf('/'); if (i > 0) renderDetail(h.slice(0, i), h.slice(i + 1)); }
})();
`;
