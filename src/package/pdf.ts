import { describeEndpoints } from '../evidence/endpoint-origin.js';
import { entityCoverText } from '../evaluate/applicability.js';
import { FOREIGN_REASONS, MAX_RUN_SPAN_MS, MAX_SEAL_DELAY_MS, formatSpan, UNSEALED_START_MEANING, unsealedStartWords } from '../seal/trust.js';
import PDFDocument from 'pdfkit';
import type { ControlStatus } from '../evaluate/types.js';
import { reconstructedDays, reconstructionSentence } from './reconstructed.js';
import { EVENT_SEARCH_QUERY, eventSearchText } from './event-coverage.js';
import { ADDRESSABLE_STATUS_NOTE, evidenceVias, STATUS_SEVERITY, addressableNotShownInPlace, changeDetail, dayStatus, rowReasons, type RequirementTimeline } from './timeline.js';
import { evidencePath } from './manifest.js';
import type { PackageModel } from './model.js';
import { visibleName } from '../log/terminal.js';
import { VERIFY_SCRIPT_SHA256 } from './verify-script.js';
import { reportFont } from './fonts.js';
import { assessorSummary, coverCounts, exceptionDetails, failingNotTestedText, findingsSection, periodOpen, populationSection, procedureRows, resultsAsOf, type PdfLayout } from './pdf-assessor.js';
import { findingKey } from './findings.js';
import { regionSummary, regionsNeedAttention } from './regions.js';
import { formatRef, refRanges } from './references.js';
import { exceptionStateWord, exceptionWindow, rowExceptionLabels } from './exceptions.js';
import { baselineParameters } from '../evaluate/baseline.js';
import { changedParameters, overrideEffect, overridesSummaryText, parameterText } from '../controls/parameters.js';
import { attesterAccountNote, describeAttester, organisationReadsStatement } from '../evidence/record.js';

/** Distinct colour and word per status; `not-collected` is a gap and never looks like a pass. */
export const STATUS_STYLE: Record<ControlStatus, { word: string; color: string }> = {
  pass: { word: 'PASS', color: '#1a7f37' },
  fail: { word: 'FAIL', color: '#cf222e' },
  'needs-review': { word: 'NEEDS REVIEW', color: '#b35900' },
  'not-collected': { word: 'GAP: NOT COLLECTED', color: '#8250df' },
  manual: { word: 'MANUAL', color: '#0969da' },
  'not-applicable': { word: 'N/A (PROPOSED)', color: '#6e7781' },
  'aws-portion-satisfied': { word: 'AWS PORTION MET', color: '#1b6e7a' },
};
export const STATUS_ORDER: ControlStatus[] = ['fail', 'not-collected', 'needs-review', 'manual', 'aws-portion-satisfied', 'pass', 'not-applicable'];

const PAGE = { width: 595.28, height: 841.89 }; // A4
const M = { top: 56, bottom: 56, left: 50, right: 50 };
const CONTENT_W = PAGE.width - M.left - M.right;
const INK = '#1f2328';
const MUTED = '#57606a';
const RULE = '#d0d7de';
/** Marks evidence rebuilt afterwards (backfill): cover band, chart underline. */
const REBUILT_BAND = '#6e40c9';
/** Evidence rows printed per requirement; the rest are counted and found in evidence-index.csv. */
/** Records of the latest evaluation shown as table rows; the rest of the period is listed by reference below the table. */
const EVIDENCE_ROWS = 60;
const FINDING_ROWS = 12;
const TOC_LINES_PER_PAGE = 44;
/** Smallest type anywhere in the report (issue: evidence paths were printed at 6 pt). */
export const MIN_PT = 7.5;

const SANS = 'Sans';
const SANS_BOLD = 'Sans-Bold';
const MONO = 'Mono';

/**
 * The embedded fonts carry the Fontsource "latin" subset; a character outside it would reference .notdef (forbidden
 * by PDF/A), so it is replaced.
 */
export function pdfText(s: string): string {
  // eslint-disable-next-line no-control-regex -- tab, newline and return are kept; every other control character is replaced
  return s.replace(/[^\x09\x0a\x0d\x20-\x7e\xa0-\xff\u0152\u0153\u2010-\u2027\u2030-\u205e\u20ac\u2122\u2212]/g, '?');
}

interface TocEntry {
  title: string;
  level: number;
  dest: string;
  page?: number;
}

type Doc = InstanceType<typeof PDFDocument>;

export interface ReportPdfOptions {
  /** Full pages of ruled assessor's notes per manual requirement (`package --notes-pages`); default: one notes area each. */
  notesPages?: boolean;
}

/**
 * Renders report.pdf as PDF/A-2b: embedded fonts, tagged structure (headings, paragraphs, lists, tables), XMP with
 * the PDF/A identification, an outline. Deterministic: dates in the document information come from the package data
 * and the file id is derived from them, so the same package data gives the same bytes.
 */
export async function renderReportPdf(model: PackageModel, opts: ReportPdfOptions = {}): Promise<Buffer> {
  const at = new Date(model.generatedAt);
  const fwNames = model.frameworks.map((f) => `${f.name} ${f.version}`).join(', ');
  const doc: Doc = new PDFDocument({
    size: 'A4',
    margins: M,
    bufferPages: true,
    autoFirstPage: false,
    compress: true,
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    tagged: true,
    // No default font: pdfkit would load Helvetica (not embeddable, so not PDF/A), and a default font given as bytes
    // makes pdfkit re-open the same registered font on every font() call.
    font: null as unknown as string,
    info: {
      Title: pdfText(`Evidence package: ${fwNames}, ${model.period.from} to ${model.period.to}`),
      Author: pdfText(visibleName(model.organization)),
      Subject: pdfText(`Compliance evidence for ${model.accounts.length} AWS account(s)`),
      Creator: `${model.tool.name} ${model.tool.version}`,
      Producer: `${model.tool.name} ${model.tool.version}`,
      CreationDate: at,
    },
    lang: 'en',
    displayTitle: true,
  });
  escapeXmpValues(doc);
  doc.registerFont(SANS, reportFont('sans'));
  doc.registerFont(SANS_BOLD, reportFont('sansBold'));
  doc.registerFont(MONO, reportFont('mono'));
  doc.font(SANS);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const rowsByReq = groupRows(model);
  const toc: TocEntry[] = [];
  const plan = (title: string, level: number, dest: string) => toc.push({ title, level, dest });
  plan('Executive summary', 0, 'summary');
  plan('Findings register', 0, 'findings');
  plan('Population', 0, 'population');
  for (const fw of model.frameworks) {
    plan(`${fw.name} ${fw.version}: requirements`, 0, `fw-${fw.framework}`);
    for (const req of fw.requirements) plan(`${req.id}  ${req.title}`, 1, `req-${fw.framework}-${req.id}`);
  }
  plan('Gaps and collection errors', 0, 'gaps');
  plan('Foreign objects in the evidence store', 0, 'foreign');
  plan(MANUAL_TITLE, 0, 'manual');
  plan('Exceptions register', 0, 'exceptions');
  plan('Method and chain of custody', 0, 'method');
  if (opts.notesPages) plan("Assessor's notes pages", 0, 'notes');
  const tocPages = Math.max(1, Math.ceil((toc.length + 2) / TOC_LINES_PER_PAGE));

  const root = doc.struct('Document');
  doc.addStructure(root);
  structure.set(doc, [root]);

  section(doc, () => cover(doc, model));
  const tocStart = doc.bufferedPageRange().count;
  // The contents are written last (page numbers known) into this element, so they still read second.
  const tocElement = doc.struct('TOC');
  root.add(tocElement);
  for (let i = 0; i < tocPages; i++) doc.addPage();

  const outline = doc.outline;
  const mark = (dest: string) => {
    const e = toc.find((t) => t.dest === dest);
    if (e) e.page = doc.bufferedPageRange().start + doc.bufferedPageRange().count - 1;
    doc.addNamedDestination(dest, 'XYZ', 0, doc.y, null);
  };
  /** A top-level section: a new page when `newPage`, else continued below the last one when room is left. */
  const topSection = (dest: string, title: string, outlineTitle: string, body: () => void, newPage = false) => {
    if (newPage) doc.addPage();
    else {
      doc.moveDown(1.2);
      ensure(doc, 220);
    }
    section(doc, () => {
      mark(dest);
      outline.addItem(pdfText(outlineTitle));
      heading(doc, title);
      body();
    });
  };

  topSection(
    'summary',
    'Executive summary',
    'Executive summary',
    () => {
      executiveSummary(doc, model);
      assessorSummary(doc, model, LAYOUT);
    },
    true,
  );
  topSection('findings', 'Findings register', 'Findings register', () => findingsSection(doc, model, LAYOUT));
  topSection('population', 'Population', 'Population', () => populationSection(doc, model, LAYOUT));

  for (const fw of model.frameworks) {
    // Frameworks follow on from the summary (no part-empty page before them) once a heading and a requirement fit.
    doc.moveDown(1.2);
    ensure(doc, 260);
    section(doc, () => {
      mark(`fw-${fw.framework}`);
      const fwItem = outline.addItem(pdfText(`${fw.name} ${fw.version}`));
      heading(doc, `${fw.name} ${fw.version}`);
      para(doc, `${fw.requirements.length} requirements, each shown for every account in scope. Status is the result ${resultsAsOf(model)}; "worst" is the worst result on any day of the period.`, MUTED);
      for (const req of fw.requirements) {
        const rows = rowsByReq.get(`${fw.framework}\u0000${req.id}`) ?? [];
        ensure(doc, 140);
        section(doc, () => {
          mark(`req-${fw.framework}-${req.id}`);
          fwItem.addItem(pdfText(`${req.id} ${req.title}`));
          requirementSection(doc, model, rows);
        });
      }
    });
  }

  topSection('gaps', 'Gaps and collection errors', 'Gaps and collection errors', () => gapsSection(doc, model), true);
  topSection('foreign', 'Foreign objects in the evidence store', 'Foreign objects', () => foreignSection(doc, model));
  topSection('manual', MANUAL_TITLE, 'Manual requirements', () => manualSection(doc, model));
  topSection('exceptions', 'Exceptions register', 'Exceptions register', () => exceptionsSection(doc, model));
  topSection('method', 'Method and chain of custody', 'Method and chain of custody', () => methodSection(doc, model));
  if (opts.notesPages) topSection('notes', "Assessor's notes pages", "Assessor's notes pages", () => notesPages(doc, model), true);

  // Table of contents, now that every page number is known.
  structure.set(doc, [tocElement]);
  writeToc(doc, toc, tocStart, tocPages);
  tocElement.end();
  pageFurniture(doc, model);
  root.end();
  doc.end();
  return done;
}

const MANUAL_TITLE = 'Manual and inherited requirements';

/** pdfkit writes the document information into XMP unescaped; an `&` in an organisation name would break the XML. */
function escapeXmpValues(doc: Doc): void {
  const d = doc as unknown as { endMetadata: () => void; info: Record<string, unknown> };
  const endMetadata = d.endMetadata.bind(doc);
  d.endMetadata = () => {
    for (const [k, v] of Object.entries(d.info)) if (typeof v === 'string') d.info[k] = v.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
    endMetadata();
  };
}

// ---------- tagged structure ----------

type StructElement = ReturnType<Doc['struct']>;
/** The open structure elements per document; content is tagged into the innermost. */
const structure = new WeakMap<Doc, StructElement[]>();

function parentElement(doc: Doc): StructElement {
  const stack = structure.get(doc)!;
  return stack[stack.length - 1];
}

/** Draws `draw` as marked content of a new element of `type` under the current one. */
function tag(doc: Doc, type: string, draw: () => void, options: { alt?: string } = {}): void {
  parentElement(doc).add(doc.struct(type, options, draw));
}

/** Opens an element of `type` (Sect, Table, TR, L, ...) for everything `body` tags. */
function group(doc: Doc, type: string, body: () => void, options: { alt?: string; title?: string } = {}): void {
  const el = doc.struct(type, options);
  parentElement(doc).add(el);
  structure.get(doc)!.push(el);
  try {
    body();
  } finally {
    structure.get(doc)!.pop();
    el.end();
  }
}

function section(doc: Doc, body: () => void): void {
  group(doc, 'Sect', body);
}

/** Decoration (rules, fills, page furniture) that a screen reader skips. */
function artifact(doc: Doc, draw: () => void, type?: 'Pagination' | 'Layout'): void {
  doc.markContent('Artifact', type ? { type } : undefined);
  draw();
  doc.endMarkedContent();
}

function groupRows(model: PackageModel): Map<string, RequirementTimeline[]> {
  const m = new Map<string, RequirementTimeline[]>();
  for (const r of model.timeline.rows) {
    const k = `${r.framework}\u0000${r.requirement.id}`;
    const list = m.get(k) ?? [];
    list.push(r);
    m.set(k, list);
  }
  return m;
}

// ---------- layout helpers ----------

function ensure(doc: Doc, height: number): void {
  if (doc.y + height > PAGE.height - M.bottom) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  tag(doc, 'H1', () => doc.font(SANS_BOLD).fontSize(18).fillColor(INK).text(pdfText(text), M.left, doc.y, { width: CONTENT_W }));
  doc.moveDown(0.4);
  rule(doc);
  doc.moveDown(0.6);
}

/** A heading kept on the page with at least `keep` points of what follows it. */
function subheading(doc: Doc, text: string, level: 'H2' | 'H3' = 'H2', keep = 40): void {
  ensure(doc, keep);
  doc.moveDown(0.4);
  tag(doc, level, () => doc.font(SANS_BOLD).fontSize(level === 'H2' ? 12 : 8.5).fillColor(INK).text(pdfText(text), M.left, doc.y, { width: CONTENT_W }));
  doc.moveDown(level === 'H2' ? 0.3 : 0.2);
}

function para(doc: Doc, text: string, color = INK, size = 9.5): void {
  tag(doc, 'P', () => doc.font(SANS).fontSize(Math.max(size, MIN_PT)).fillColor(color).text(pdfText(text), M.left, doc.y, { width: CONTENT_W, lineGap: 1.5 }));
  doc.moveDown(0.4);
}

/** Truncates to one line of `width` points with an ellipsis (pdfkit wraps otherwise). */
function fit(doc: Doc, text: string, width: number): string {
  let t = pdfText(text);
  if (doc.widthOfString(t) <= width) return t;
  while (t.length > 1 && doc.widthOfString(t + '...') > width) t = t.slice(0, -1);
  return t.trimEnd() + '...';
}

function rule(doc: Doc): void {
  artifact(doc, () => doc.moveTo(M.left, doc.y).lineTo(PAGE.width - M.right, doc.y).lineWidth(0.5).strokeColor(RULE).stroke());
}

/** A status badge; its word is real text, tagged as a paragraph of the current element. */
function badge(doc: Doc, status: ControlStatus, x: number, y: number, width = 96): void {
  const s = STATUS_STYLE[status];
  artifact(doc, () => doc.roundedRect(x, y, width, 13, 2).fill(s.color));
  tag(doc, 'P', () => doc.font(SANS_BOLD).fontSize(MIN_PT).fillColor('#ffffff').text(s.word, x, y + 2.6, { width, align: 'center', lineBreak: false }));
  doc.fillColor(INK);
}

interface Column {
  header: string;
  width: number;
  mono?: boolean;
  /** Ids in the column (a record id, `delegated-read:<read>/<account>/<region>`) too wide for it break after `:`, `/` or `.`, not mid-name. */
  idBreaks?: boolean;
}

/**
 * `text` with each word wider than `width` (in the current font) broken onto lines after its `:`, `/` or `.`, as many
 * parts on a line as fit, so pdfkit wraps an id at its separators instead of inside a name; a part wider than the line
 * alone is left to pdfkit.
 */
function breakIdsAtSeparators(doc: Doc, text: string, width: number): string {
  // pdfkit measures a line with the line break that ends it (a glyph of its own width): measured so here too.
  const fits = (t: string) => doc.widthOfString(`${t}\n`) <= width;
  const word = (w: string) => {
    if (fits(w)) return w;
    const lines: string[] = [];
    for (const part of w.match(/[^:/.]*[:/.]|[^:/.]+$/g) ?? [w]) {
      const last = lines.length - 1;
      if (last >= 0 && fits(lines[last] + part)) lines[last] += part;
      else lines.push(part);
    }
    return lines.join('\n');
  };
  return text
    .split('\n')
    .map((line) => line.split(' ').map(word).join(' '))
    .join('\n');
}

/** A cell: plain text, or text in a status colour. */
type Cell = string | { text: string; color: string };
const cellText = (c: Cell | undefined) => (c === undefined ? '' : typeof c === 'string' ? c : c.text);
const statusCell = (s: ControlStatus): Cell => ({ text: STATUS_STYLE[s].word, color: STATUS_STYLE[s].color });

/** Rows always drawn under a table header on its page (fewer only when the table has fewer). */
const ROWS_UNDER_HEADER = 2;

/**
 * A table tagged Table > TR > TH/TD that repeats its header on each new page. A header (and the caption above it)
 * never ends a page: the first two rows always follow it on the same page.
 */
function table(doc: Doc, columns: Column[], rows: Cell[][], opts: { size?: number; caption?: string } = {}): void {
  const size = Math.max(opts.size ?? 8, MIN_PT);
  const pad = 3;
  const headerH = size + 2 * pad + 2;
  const cellFont = (c: Column, cell: Cell | undefined) => (cell !== undefined && typeof cell !== 'string' ? SANS_BOLD : c.mono ? MONO : SANS);
  // A token wider than its column (a path, a hash) is broken across lines by pdfkit, never shrunk.
  const rowText = (c: Column, cell: Cell | undefined) => (c.idBreaks ? breakIdsAtSeparators(doc, pdfText(cellText(cell)), c.width - 2 * pad) : pdfText(cellText(cell)));
  const rowHeight = (row: Cell[]) =>
    Math.max(
      ...columns.map((c, i) => {
        doc.font(cellFont(c, row[i])).fontSize(size);
        return doc.heightOfString(rowText(c, row[i]), { width: c.width - 2 * pad });
      }),
    ) +
    2 * pad;
  const heights = rows.map(rowHeight);
  const keepWith = (from: number) => heights.slice(from, from + ROWS_UNDER_HEADER).reduce((a, b) => a + b, 0);
  const bottom = PAGE.height - M.bottom;
  const drawHeader = () => {
    let x = M.left;
    const y = doc.y;
    artifact(doc, () => doc.rect(M.left, y, CONTENT_W, headerH).fill('#f0f2f4'));
    group(doc, 'TR', () => {
      for (const c of columns) {
        tag(doc, 'TH', () => {
          doc.font(SANS_BOLD).fontSize(size).fillColor(INK);
          doc.text(fit(doc, c.header, c.width - 2 * pad), x + pad, y + pad, { lineBreak: false });
        });
        x += c.width;
      }
    });
    doc.y = y + headerH;
  };
  let captionH = 0;
  if (opts.caption) {
    doc.font(SANS_BOLD).fontSize(8.5);
    captionH = doc.heightOfString(pdfText(opts.caption), { width: CONTENT_W }) + 3;
  }
  if (doc.y + captionH + headerH + keepWith(0) > bottom) doc.addPage();
  group(doc, 'Table', () => {
    if (opts.caption) {
      tag(doc, 'Caption', () => doc.font(SANS_BOLD).fontSize(8.5).fillColor(INK).text(pdfText(opts.caption!), M.left, doc.y, { width: CONTENT_W }));
      doc.y += 3;
    }
    drawHeader();
    rows.forEach((row, r) => {
      const h = heights[r];
      // A new page when this row does not fit, or when the last row alone would go under the next page's header.
      if (doc.y + h > bottom || (rows.length - r === ROWS_UNDER_HEADER && doc.y + keepWith(r) > bottom)) {
        doc.addPage();
        drawHeader();
      }
      const y = doc.y;
      let x = M.left;
      group(doc, 'TR', () => {
        columns.forEach((c, i) => {
          const cell = row[i];
          const colored = cell !== undefined && typeof cell !== 'string';
          tag(doc, 'TD', () => {
            doc.font(cellFont(c, cell)).fontSize(size).fillColor(colored ? cell.color : INK).text(rowText(c, cell), x + pad, y + pad, { width: c.width - 2 * pad });
          });
          x += c.width;
        });
      });
      doc.y = y + h;
      artifact(doc, () => doc.moveTo(M.left, doc.y).lineTo(PAGE.width - M.right, doc.y).lineWidth(0.3).strokeColor(RULE).stroke());
    });
  });
  doc.x = M.left;
  doc.moveDown(0.6);
}

/** Label/value pairs, tagged as a two-column table whose first column holds row headers. */
/** Key rows whose values are fingerprints or ids: monospaced and small enough that a SHA-256 stays on one line. */
const MONO_VALUE_KEYS = new Set(['Signing key', 'Run signing keys', 'Evidence set id', 'Evaluation inputs id']);

function keyValues(doc: Doc, pairs: [string, string][], keyWidth = 130, rowGap = 4): void {
  group(doc, 'Table', () => {
    for (const [k, v] of pairs) {
      const [font, size] = MONO_VALUE_KEYS.has(k) ? [MONO, 8.5] : [SANS, 9.5];
      doc.font(font).fontSize(size);
      const valueHeight = doc.heightOfString(pdfText(v), { width: CONTENT_W - keyWidth });
      // A label that wraps ("Foreign objects in the store") is taller than a one-line value: the row is the taller of the two.
      const keyHeight = doc.font(SANS_BOLD).fontSize(9.5).heightOfString(pdfText(k), { width: keyWidth - 8 });
      const h = Math.max(valueHeight, keyHeight, 12);
      ensure(doc, h + rowGap);
      const yy = doc.y;
      group(doc, 'TR', () => {
        tag(doc, 'TH', () => doc.font(SANS_BOLD).fontSize(9.5).fillColor(MUTED).text(pdfText(k), M.left, yy, { width: keyWidth - 8 }));
        tag(doc, 'TD', () => doc.font(font).fontSize(size).fillColor(INK).text(pdfText(v), M.left + keyWidth, yy, { width: CONTENT_W - keyWidth }));
      });
      doc.y = yy + h + rowGap;
    }
  });
  doc.x = M.left;
}

// ---------- sections ----------

/** Full-width warnings under the cover header: a simulated package, and runs signed by more than one key. */
function coverBands(doc: Doc, model: PackageModel): void {
  const band = (text: string, sub: string, color: string) => {
    const y = doc.y;
    // The band grows with its explanation, which may wrap to a second line.
    const subHeight = doc.font(SANS).fontSize(8.5).heightOfString(pdfText(sub), { width: CONTENT_W });
    const height = Math.max(46, 27 + subHeight + 7);
    artifact(doc, () => doc.rect(0, y, PAGE.width, height).fill(color));
    // The em dash is in the embedded fonts' latin subset (pdfText keeps it).
    tag(doc, 'P', () => doc.font(SANS_BOLD).fontSize(15).fillColor('#ffffff').text(pdfText(text), M.left, y + 7, { width: CONTENT_W }));
    tag(doc, 'P', () => doc.font(SANS).fontSize(8.5).fillColor('#ffffff').text(pdfText(sub), M.left, y + 27, { width: CONTENT_W }));
    doc.y = y + height + 10;
  };
  const ep = model.assessor.summary.endpoints;
  // An origin is listed once per why (another service's endpoint for one query, say): named once here.
  const notAwsOrigins = [...new Set(ep?.notAws.map((n) => n.origin) ?? [])];
  const notAws = ep?.notAwsRecords
    ? `EVIDENCE NOT FROM AWS ENDPOINTS \u2014 ${ep.notAwsRecords} of ${ep.records} collection records were collected from ${notAwsOrigins.slice(0, 2).join(', ')}${notAwsOrigins.length > 2 ? ` and ${notAwsOrigins.length - 2} more` : ''}: not AWS's record`
    : '';
  if (model.simulated) {
    // A simulated package says where its evidence came from in the same band (the demo's cover has room for no more).
    const sub = notAws ? `${notAws}.` : 'The runs in this package were collected from the simulated AWS started by the demo command, not from real accounts.';
    band('SIMULATED \u2014 NOT EVIDENCE', sub, '#cf222e');
  }
  const rebuilt = reconstructedDays(model);
  if (rebuilt.days.length) {
    band(
      `${rebuilt.days.length} DAY(S) REBUILT, NOT COLLECTED`,
      `Not collected on the day: rebuilt on ${rebuilt.sealedOn.join(', ')} from AWS Config configuration history and CloudTrail events: reconstructions, not snapshots taken on those days. ${rebuilt.notReconstructed.length} queries could not be rebuilt and are gaps on those days (listed under Gaps).`,
      REBUILT_BAND,
    );
  }
  const refusedSeals = model.assessor.summary.period.sealRefused ?? [];
  if (refusedSeals.length) {
    band(
      `${refusedSeals.length} SEAL(S) REFUSED: FILES PLANTED BY SOMEONE ELSE`,
      `On ${[...new Set(refusedSeals.map((r) => r.day))].join(', ')} someone with write access to the evidence store planted files in the run folder of every attempt to seal the day's collection, so it was not sealed: no evidence for that collection, a gap, never a pass. Each signed refusal record is carried under refusals/ (see "Seals refused" under Gaps).${(model.assessor.summary.period.refusalsNotNamed ?? []).length ? ` ${(model.assessor.summary.period.refusalsNotNamed ?? []).length} time(s) the next sealed run of a chain does not name its record (see "Seals refused").` : ''}`,
      '#cf222e',
    );
  }
  const regionWarnings = (model.regionCoverage ?? []).filter(regionsNeedAttention).map((c) => c.accountId);
  if (regionWarnings.length) {
    band(
      'ENABLED REGIONS NOT COLLECTED OR UNKNOWN',
      `Account(s) ${regionWarnings.join(', ')}: enabled regions that no run collected and the declared scope does not exclude, or enabled regions that could not be read. Regional checks say nothing about them; requirements with regional checks are not passed on those days, unless the declared scope leaves the account out or names only regions that were collected (Population: Scope).`,
      '#b35900',
    );
  }
  if (model.accountsLeftOut?.length) {
    band(
      `${model.accountsLeftOut.length} ACCOUNT(S) COLLECTED BUT LEFT OUT`,
      `Collected in the period but not in this package: ${model.accountsLeftOut.join(', ')}. The runs in this package collected them; the package was built for the other accounts only (package --accounts), so no result, count or finding here covers them. Ask the organisation why.`,
      '#b35900',
    );
  }
  if (ep?.notAwsRecords && !model.simulated) {
    band('EVIDENCE NOT FROM AWS ENDPOINTS', `${notAws.slice(notAws.indexOf('\u2014') + 2)}. The address the collector called is recorded in every body; Where the evidence came from lists the origins and runs.`, '#cf222e');
  }
  if (ep?.callerMismatch.length) {
    const m = ep.callerMismatch;
    band('COLLECTED BY A CALLER OF ANOTHER ACCOUNT', `${m.reduce((n, x) => n + x.records, 0)} collection record(s) were collected with a session of another account than the evidence's: ${m.slice(0, 2).map((x) => `${x.callerArn} for ${x.accountId}`).join('; ')}${m.length > 2 ? '; ...' : ''}.`, '#b35900');
  }
  if (model.runSigningKeys.length > 1) {
    band(`RUNS SIGNED BY ${model.runSigningKeys.length} DIFFERENT KEYS`, 'Confirm every run signing key listed below with the organisation out of band; a run signed by an unconfirmed key is not evidence.', '#b35900');
  }
  doc.x = M.left;
}

function cover(doc: Doc, model: PackageModel): void {
  doc.addPage();
  artifact(doc, () => doc.rect(0, 0, PAGE.width, 170).fill('#0b3d62'));
  tag(doc, 'P', () => doc.font(SANS).fontSize(11).fillColor('#cfe3f3').text('COMPLIANCE EVIDENCE PACKAGE', M.left, 60, { characterSpacing: 1.5 }));
  tag(doc, 'H1', () => doc.font(SANS_BOLD).fontSize(24).fillColor('#ffffff').text(pdfText(visibleName(model.organization)), M.left, 82, { width: CONTENT_W }));
  tag(doc, 'P', () => doc.font(SANS).fontSize(13).fillColor('#ffffff').text(pdfText(model.frameworks.map((f) => `${f.name} ${f.version}`).join('  |  ')), M.left, doc.y + 4, { width: CONTENT_W }));
  doc.y = 186;
  coverBands(doc, model);
  const counts: Record<string, number> = {};
  for (const r of model.timeline.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  keyValues(doc, [
    ['Period', `${model.period.from} to ${model.period.to} (UTC days, inclusive; ${model.timeline.days.length} day${model.timeline.days.length === 1 ? '' : 's'})`],
    ['Accounts', model.accounts.join(', ')],
    ...(model.accountsLeftOut?.length ? [['Left out', `Collected in the period but not in this package: ${model.accountsLeftOut.join(', ')}`] as [string, string]] : []),
    ['Regions', regionSummary(model.regions, model.regionCoverage ?? [])],
    // With the entity type, in a few words, of each framework that has requirements limited to one (the method section says it in full).
    ['Frameworks', model.frameworks.map((f) => { const e = model.assessor.scope.find((x) => x.framework === f.framework)?.entity; return e ? `${f.framework} (${entityCoverText(model.assessor.summary.scope[f.framework]?.entity?.definition)})` : f.framework; }).join(', ')],
    // An unfinished period: said with the build time, which names the last sealed run the evidence goes up to.
    ...(periodOpen(model)
      ? [['Package built', `${model.builtAt}; period not ended when the package was built: evidence up to the last sealed run, ${model.assessor.summary.period.evidenceUntil || model.generatedAt}`] as [string, string]]
      : [['Package built', model.builtAt] as [string, string], ['Last sealed run', `${model.generatedAt} (completion of the last sealed run included)`] as [string, string]]),
    ['Sealed runs', `${model.runs.length} collection run(s), ${model.attestationRuns.length} attestation run(s)`],
    ['Days without a run', daysWithoutRunText(model, true)],
    ['Period coverage', periodCoverageText(model, true)],
    ['Evidence set id', model.contentId],
    // The tool is one of the evaluation inputs: named with them (a package without them names it alone).
    ...(model.evaluationId
      ? [['Evaluation inputs id', `${model.evaluationId}\n(${model.tool.name} ${model.tool.version}; results re-derivable with verify --recompute)`] as [string, string]]
      : [['Tool', `${model.tool.name} ${model.tool.version}`] as [string, string]]),
    ['Package id', 'SHA-256 of manifest.json (`sha256sum manifest.json`)'],
    // A local key's id is its fingerprint again: one line says both.
    ['Signing key', model.signing.keyId === `local:${model.signing.keyFingerprint}` ? `${model.signing.keyFingerprint}\n(${model.signing.algorithm}, local key)` : `${model.signing.keyFingerprint}\n${visibleName(model.signing.keyId)} (${model.signing.algorithm})`],
    ...(model.runSigningKeys.length > 1 ? [['Run signing keys', model.runSigningKeys.map((k) => `${k.keyFingerprint}\n${visibleName(k.keyId)} (${k.algorithm})`).join('\n')] as [string, string]] : []),
    ...model.assessor.scope.map((s): [string, string] => [`Scope: ${s.framework}`, s.statement]),
  ], 130, 2);
  scopeBand(doc, model);
  // Tight enough that a package with the simulated band and two framework scopes keeps its cover on one page.
  doc.moveDown(0.5);
  subheading(doc, periodOpen(model) ? 'Results as of the last run; the period had not ended' : 'Requirement x account results: period end and worst day');
  const worst: Record<string, number> = {};
  for (const r of model.timeline.rows) worst[r.worst] = (worst[r.worst] ?? 0) + 1;
  // Four per row: the longest status word must fit its badge at MIN_PT.
  const perRow = 4;
  const w = (CONTENT_W - (perRow - 1) * 10) / perRow;
  const y0 = doc.y + 4;
  STATUS_ORDER.forEach((s, i) => {
    const x = M.left + (i % perRow) * (w + 10);
    const y = y0 + Math.floor(i / perRow) * 46;
    badge(doc, s, x, y, w);
    tag(doc, 'P', () => doc.font(SANS_BOLD).fontSize(15).fillColor(STATUS_STYLE[s].color).text(String(counts[s] ?? 0), x, y + 16, { width: w, align: 'center' }));
    tag(doc, 'P', () => doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED).text(`worst in period: ${worst[s] ?? 0}`, x, y + 34, { width: w, align: 'center' }));
  });
  // The second row's free slot: how many FAIL results are only supporting evidence (no line added to a full cover).
  const notTested = failingNotTestedText(model.assessor.summary, true);
  if (notTested && STATUS_ORDER.length % perRow) {
    const i = STATUS_ORDER.length;
    tag(doc, 'P', () => doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED).text(pdfText(notTested), M.left + (i % perRow) * (w + 10), y0 + Math.floor(i / perRow) * 46 + 4, { width: w }));
  }
  doc.y = y0 + Math.ceil(STATUS_ORDER.length / perRow) * 46 + 2;
  doc.x = M.left;
  coverCounts(doc, model, LAYOUT);
  para(
    doc,
    'Confirm the signing key fingerprint with the organisation out of band; VERIFY.md explains the offline checks.',
    MUTED,
    9,
  );
}

/** A band on the cover when a framework has no declared scope: every resource was judged. */
function scopeBand(doc: Doc, model: PackageModel): void {
  const missing = model.assessor.scope.filter((s) => !s.declared).map((s) => s.framework);
  if (!missing.length) return;
  const text = `Scope: every resource of the listed accounts - no scope declared (${missing.join(', ')}). Results include resources outside the assessed environment.`;
  doc.font(SANS_BOLD).fontSize(9.5);
  const h = doc.heightOfString(pdfText(text), { width: CONTENT_W - 16 }) + 12;
  const y = doc.y + 2;
  artifact(doc, () => doc.rect(M.left, y, CONTENT_W, h).fill('#fff1c2'));
  tag(doc, 'P', () => doc.font(SANS_BOLD).fontSize(9.5).fillColor('#7a4b00').text(pdfText(text), M.left + 8, y + 6, { width: CONTENT_W - 16 }));
  doc.y = y + h + 4;
  doc.x = M.left;
  doc.fillColor(INK);
}

function writeToc(doc: Doc, toc: TocEntry[], start: number, pages: number): void {
  let page = start;
  doc.switchToPage(page);
  doc.y = M.top;
  heading(doc, 'Contents');
  let line = 2;
  for (const e of toc) {
    if (line >= TOC_LINES_PER_PAGE) {
      page++;
      if (page >= start + pages) break;
      doc.switchToPage(page);
      doc.y = M.top;
      line = 0;
    }
    const indent = e.level * 16;
    const y = doc.y;
    const label = pdfText(e.title);
    tag(doc, 'TOCI', () => {
      doc.font(e.level === 0 ? SANS_BOLD : SANS).fontSize(e.level === 0 ? 10 : 9).fillColor(INK);
      doc.text(fit(doc, label, CONTENT_W - indent - 44), M.left + indent, y, { lineBreak: false, goTo: e.dest });
      doc.text(e.page === undefined ? '' : ` ${e.page + 1}`, PAGE.width - M.right - 36, y, { width: 36, align: 'right', lineBreak: false, goTo: e.dest });
    });
    doc.y = y + 15.5;
    line++;
  }
}

function pageFurniture(doc: Doc, model: PackageModel): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    artifact(
      doc,
      () => {
        doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED);
        doc.text(pdfText(`${visibleName(model.organization)} | ${model.frameworks.map((f) => f.framework).join(', ')} | ${model.period.from} to ${model.period.to}`), M.left, PAGE.height - 34, { width: CONTENT_W - 80, lineBreak: false });
        doc.text(`Page ${i + 1} of ${range.count}`, PAGE.width - M.right - 80, PAGE.height - 34, { width: 80, align: 'right', lineBreak: false });
      },
      'Pagination',
    );
    doc.page.margins.bottom = bottom;
  }
}

/**
 * Changes are seen between runs: with fewer than two runs in the period none could be seen, and "0" would read as a
 * period without change.
 */
function changesText(model: PackageModel, changes: number): string {
  if (model.runs.length < 2) return `not measurable: the period holds ${model.runs.length} collection run${model.runs.length === 1 ? '' : 's'}, and changes are seen between runs`;
  return `${changes} status or resource changes between the period's ${model.runs.length} collection runs (see each requirement)`;
}

function executiveSummary(doc: Doc, model: PackageModel): void {
  const rows = model.timeline.rows;
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const total = rows.length;
  const requirementCount = model.frameworks.map((f) => f.requirements.length).reduce((a, b) => a + b, 0);
  const awsCount = model.frameworks.map((f) => f.requirements.filter((q) => q.coverage === 'automated' || q.coverage === 'partial').length).reduce((a, b) => a + b, 0);
  para(
    doc,
    `This package covers ${requirementCount} requirements, ${awsCount} of them with AWS evidence (automated or partial; the others are manual, inherited or not applicable), across ${model.accounts.length} AWS account(s) over ${model.timeline.days.length} day(s). ` +
      `Of ${total} requirement x account results ${resultsAsOf(model)}: ${STATUS_ORDER.map((s) => `${counts[s] ?? 0} ${STATUS_STYLE[s].word.toLowerCase()}`).join(', ')}. ` +
      `"Gap: not collected" means the evidence needed to judge the requirement is missing; it is never counted as a pass.`,
  );
  const failing = rows.filter((r) => r.status === 'fail');
  const driftCount = rows.reduce((n, r) => n + r.changesTotal, 0);
  const gapDays = rows.reduce((n, r) => n + r.gapDays.length, 0);
  const period = model.assessor.summary.period;
  keyValues(doc, [
    ['Failing now', failing.length ? `${failing.length}: ${[...new Set(failing.map((r) => r.requirement.id))].slice(0, 20).join(', ')}${failing.length > 20 ? ', ...' : ''}${failingNotTestedText(model.assessor.summary)}` : 'none'],
    ['Changes in period', changesText(model, driftCount)],
    // Counted over the results that expect evidence, as the cover's period coverage counts them (not the catalog's requirements).
    ['Days without evidence', awsCount ? `${gapDays} requirement x account x day cell(s) that no run judged; ${period.resultsWithGaps} of the ${period.resultsExpectingEvidence} requirement x account results that expect AWS evidence (automated and partial requirements, less those proposed not applicable to the declared entity type) miss evidence on some day (query errors, denials or no run)` : 'not applicable: no requirement of this package has AWS evidence'],
    ['Missing shards', model.missingShards.length ? model.missingShards.map((s) => `${s.slot}: ${s.missing.length} of ${s.count} missing`).join('; ') : 'none'],
    ['Exceptions', !model.exceptions.length ? 'none in the register' : `${model.exceptions.filter((e) => e.state === 'active').length} active, ${model.exceptions.filter((e) => e.state === 'expired').length} expired, ${model.exceptions.filter((e) => e.state === 'not-yet-effective').length} not yet effective at the period end; ${model.exceptions.filter((e) => e.applied && e.applied.days < e.periodDays).length} applied to only part of the period (see Exceptions register)`],
    ['Parameters changed from the catalog', `${overridesSummaryText(model.parameterOverrides ?? [])}${model.parameterOverrides?.length ? ' (see Method and chain of custody)' : ''}`],
    ['Foreign objects in the store', model.foreign?.length ? `${model.foreign.length}: someone other than the trusted signer wrote into the evidence store (see "Foreign objects")` : 'none found'],
    ['Runs stored later than they claim', writtenLateText(model)],
    ['Start files with no sealed run', unsealedStartsText(model)],
  ]);

  for (const fw of model.frameworks) {
    subheading(doc, `Status by principal requirement: ${fw.name}`, 'H2', 120);
    principalChart(doc, model, fw.framework);
  }
  for (const fw of model.frameworks) {
    subheading(doc, `Status over the period: ${fw.name} (automated and partial requirements, all accounts)`, 'H2', 150);
    overTimeChart(doc, model, fw.framework);
  }
  legend(doc);
  para(
    doc,
    `Status words and the values controls.csv, summary.json and the OSCAL file use for them: ${STATUS_ORDER.map((s) => `${STATUS_STYLE[s].word} = ${s}`).join('; ')}. AWS PORTION MET is a partial requirement whose AWS checks passed: the rest is not tested, it is never a pass, and its testing procedures are at most "AWS portion in place" (OSCAL: not satisfied).`,
    MUTED,
    8,
  );
  subheading(doc, 'Failing or to-review in-scope resource checks by age', 'H2', 130);
  findingsAgeChart(doc, model);
}

const AGE_BUCKETS: { label: string; max: number }[] = [
  { label: '0-1 days', max: 1 },
  { label: '2-7 days', max: 7 },
  { label: '8-30 days', max: 30 },
  { label: '31-90 days', max: 90 },
  { label: 'over 90 days', max: Infinity },
];

/** Failing and to-review resources by how many days their requirement x account result has held at the end of the period. */
function findingsAgeChart(doc: Doc, model: PackageModel): void {
  const counts = AGE_BUCKETS.map(() => ({ fail: 0, 'needs-review': 0 }));
  let outOfScope = 0;
  const pop = model.assessor.summary.population;
  const outOfScopeAll = pop.outOfScopeCheckFailing + (pop.outOfScopeCheckReview ?? 0);
  for (const r of model.timeline.rows) {
    if (r.status !== 'fail' && r.status !== 'needs-review') continue;
    let age = 0;
    for (let i = model.timeline.days.length - 1; i >= 0 && dayStatus(r, i) === r.status; i--) age++;
    const b = AGE_BUCKETS.findIndex((x) => age <= x.max);
    for (const f of r.latest?.findings ?? []) {
      if (f.status !== 'fail' && f.status !== 'needs-review') continue;
      // Out-of-scope resources decide nothing and are no findings: counted apart, listed in population.csv.
      if (f.inScope === false) outOfScope++;
      else counts[b][f.status]++;
    }
  }
  const rowH = 14;
  const labelW = 80;
  const barW = CONTENT_W - labelW - 40;
  const max = Math.max(1, ...counts.map((c) => c.fail + c['needs-review']));
  const alt = `Bar chart of failing and to-review in-scope resources by age of their result: ${AGE_BUCKETS.map((b, i) => `${b.label}: ${counts[i].fail} fail, ${counts[i]['needs-review']} needs review`).join('; ')}.`;
  ensure(doc, AGE_BUCKETS.length * rowH + 40);
  tag(
    doc,
    'Figure',
    () => {
      AGE_BUCKETS.forEach((b, i) => {
        const y = doc.y;
        doc.font(SANS).fontSize(MIN_PT).fillColor(INK).text(b.label, M.left, y + 2.5, { lineBreak: false });
        let x = M.left + labelW;
        for (const s of ['fail', 'needs-review'] as const) {
          const w = (counts[i][s] / max) * barW;
          if (w > 0) doc.rect(x, y + 1, w, rowH - 3).fill(STATUS_STYLE[s].color);
          x += w;
        }
        doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED).text(String(counts[i].fail + counts[i]['needs-review']), x + 4, y + 2.5, { lineBreak: false });
        doc.y = y + rowH;
      });
    },
    { alt },
  );
  doc.x = M.left;
  doc.moveDown(0.3);
  para(doc, `Severity is the result (fail, needs review); age is the number of days the requirement x account result has held ${resultsAsOf(model)}, not the age of the resource or of its misconfiguration. Resources counted are the in-scope ones listed for each result (the first ones when a result lists many)${outOfScope ? `; ${outOfScope} failing or to-review check(s) of out-of-scope resources under these failing or to-review results are left out (they decide nothing)` : ''}. These are resource checks per requirement, not the findings of the Findings register (one per in-scope resource and failing check, across frameworks).${outOfScopeAll ? ` population.csv lists every out-of-scope check under any result: ${pop.outOfScopeCheckFailing} fail and ${pop.outOfScopeCheckReview ?? 0} need review.` : ''}`, MUTED, 8);
}

function legend(doc: Doc): void {
  ensure(doc, 20);
  let x = M.left;
  const y = doc.y;
  for (const s of STATUS_ORDER) {
    artifact(doc, () => doc.rect(x, y + 1, 8, 8).fill(STATUS_STYLE[s].color));
    tag(doc, 'P', () => doc.font(SANS).fontSize(MIN_PT).fillColor(INK).text(STATUS_STYLE[s].word, x + 11, y + 1.5, { lineBreak: false }));
    x += 20 + doc.widthOfString(STATUS_STYLE[s].word);
  }
  doc.y = y + 18;
  doc.x = M.left;
}

function principalChart(doc: Doc, model: PackageModel, framework: string): void {
  const catalog = model.frameworks.find((f) => f.framework === framework)!;
  const byPrincipal = new Map<string, Record<string, number>>();
  for (const r of model.timeline.rows) {
    if (r.framework !== framework) continue;
    const top = topPrincipal(catalog, r.requirement.principal);
    const c = byPrincipal.get(top) ?? {};
    c[r.status] = (c[r.status] ?? 0) + 1;
    byPrincipal.set(top, c);
  }
  const keys = [...byPrincipal.keys()].sort(naturalCompare);
  const labelW = 150;
  const barW = CONTENT_W - labelW - 40;
  const rowH = 13;
  const max = Math.max(1, ...keys.map((k) => Object.values(byPrincipal.get(k)!).reduce((a, b) => a + b, 0)));
  const alt = `Bar chart, requirement x account results by principal requirement. ${keys.map((k) => `${k}: ${STATUS_ORDER.filter((s) => byPrincipal.get(k)![s]).map((s) => `${byPrincipal.get(k)![s]} ${STATUS_STYLE[s].word.toLowerCase()}`).join(', ')}`).join('; ')}.`;
  ensure(doc, Math.min(keys.length * rowH + 10, 300));
  tag(
    doc,
    'Figure',
    () => {
      for (const k of keys) {
        ensure(doc, rowH + 2);
        const y = doc.y;
        const title = catalog.principals.find((p) => p.id === k)?.title;
        doc.font(SANS).fontSize(MIN_PT).fillColor(INK);
        doc.text(fit(doc, title ? `${k} ${title}` : k, labelW - 6), M.left, y + 2.5, { lineBreak: false });
        let x = M.left + labelW;
        const c = byPrincipal.get(k)!;
        let n = 0;
        for (const s of STATUS_ORDER) {
          const v = c[s] ?? 0;
          if (!v) continue;
          const w = (v / max) * barW;
          doc.rect(x, y + 1, w, rowH - 3).fill(STATUS_STYLE[s].color);
          x += w;
          n += v;
        }
        doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED).text(String(n), x + 4, y + 2.5, { lineBreak: false });
        doc.y = y + rowH;
      }
    },
    { alt },
  );
  doc.x = M.left;
  doc.moveDown(0.5);
}

/** Principal ids nest (`10.2.1` under `10.2` under `10`); charts group by the top level. */
function topPrincipal(catalog: PackageModel['frameworks'][number], principal: string): string {
  let id = principal;
  for (let i = 0; i < 10; i++) {
    const p = catalog.principals.find((x) => x.id === id);
    if (!p?.parent) break;
    id = p.parent;
  }
  return id;
}

function overTimeChart(doc: Doc, model: PackageModel, framework: string): void {
  const days = model.timeline.days;
  const rows = model.timeline.rows.filter((r) => r.framework === framework && (r.requirement.coverage === 'automated' || r.requirement.coverage === 'partial'));
  const h = 90;
  ensure(doc, h + 30);
  const x0 = M.left + 30;
  const w = CONTENT_W - 30;
  const y0 = doc.y + 4;
  const per = w / Math.max(1, days.length);
  const total = Math.max(1, rows.length);
  const perDay = days.map((_d, i) => {
    const counts: Record<string, number> = {};
    for (const r of rows) counts[dayStatus(r, i)] = (counts[dayStatus(r, i)] ?? 0) + 1;
    return counts;
  });
  const rebuiltDays = new Set(reconstructedDays(model).days);
  const describe = (i: number) => `${days[i]}: ${STATUS_ORDER.filter((s) => perDay[i][s]).map((s) => `${perDay[i][s]} ${STATUS_STYLE[s].word.toLowerCase()}`).join(', ') || 'no results'}`;
  const alt = `Stacked bar chart of ${rows.length} requirement x account results per day from ${days[0]} to ${days[days.length - 1]}. ${describe(0)}${days.length > 1 ? `; ${describe(days.length - 1)}` : ''}.`;
  tag(
    doc,
    'Figure',
    () => {
      doc.rect(x0, y0, w, h).lineWidth(0.5).strokeColor(RULE).stroke();
      days.forEach((_d, i) => {
        let y = y0 + h;
        for (const s of [...STATUS_ORDER].reverse()) {
          const v = perDay[i][s] ?? 0;
          if (!v) continue;
          const bh = (v / total) * h;
          doc.rect(x0 + i * per, y - bh, Math.max(per - (per > 3 ? 0.6 : 0), 0.4), bh).fill(STATUS_STYLE[s].color);
          y -= bh;
        }
      });
      // Rebuilt days are washed out and underlined, so they never read as days collected on the day.
      days.forEach((d, i) => {
        if (!rebuiltDays.has(d)) return;
        doc.save().fillOpacity(0.55).rect(x0 + i * per, y0, Math.max(per - (per > 3 ? 0.6 : 0), 0.4), h).fill('#ffffff').restore();
        doc.rect(x0 + i * per, y0 + h + 0.5, Math.max(per, 0.4), 2).fill(REBUILT_BAND);
      });
      doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED);
      doc.text(String(total), M.left, y0 - 2, { width: 26, align: 'right', lineBreak: false });
      doc.text('0', M.left, y0 + h - 6, { width: 26, align: 'right', lineBreak: false });
      const ticks = Math.min(days.length, 6);
      for (let t = 0; t < ticks; t++) {
        const i = ticks === 1 ? 0 : Math.round((t * (days.length - 1)) / (ticks - 1));
        doc.text(days[i], Math.min(x0 + i * per - 20, x0 + w - 50), y0 + h + 3, { width: 56, align: 'center', lineBreak: false });
      }
    },
    { alt },
  );
  doc.y = y0 + h + 18;
  doc.x = M.left;
  para(doc, `${rows.length} results per day. ${days.length > 1 ? `First day, ${describe(0)}. Last day, ` : ''}${describe(days.length - 1)}.`, MUTED, 8);
  if (rebuiltDays.size) para(doc, `Washed-out days underlined in violet (${rebuiltDays.size}) were rebuilt afterwards from AWS history, not collected on the day; see "Days rebuilt from AWS history" under Gaps.`, MUTED, 8);
}

/** The days rebuilt by backfill, and every query that could not be rebuilt on them (a gap there, never a pass). */
function rebuiltDaysSection(doc: Doc, model: PackageModel): void {
  const rebuilt = reconstructedDays(model);
  subheading(doc, 'Days rebuilt from AWS history');
  if (!rebuilt.days.length) {
    para(doc, 'None: the evidence of every day in this package was collected on that day.', MUTED);
    return;
  }
  para(doc, reconstructionSentence(rebuilt));
  if (rebuilt.notReconstructed.length) {
    table(doc, [{ header: 'Query not rebuilt', width: 150, mono: true }, { header: 'Why (a gap on every rebuilt day)', width: CONTENT_W - 150 }], rebuilt.notReconstructed.map((n) => [n.queryId, n.reason]), { size: MIN_PT });
  }
}

function requirementSection(doc: Doc, model: PackageModel, rows: RequirementTimeline[]): void {
  if (!rows.length) return;
  const req = rows[0].requirement;
  const worst = rows.reduce<ControlStatus>((w, r) => (STATUS_SEVERITY[r.status] < STATUS_SEVERITY[w] ? r.status : w), rows[0].status);
  doc.moveDown(0.6);
  rule(doc);
  doc.moveDown(0.4);
  const y = doc.y;
  tag(doc, 'H2', () => doc.font(SANS_BOLD).fontSize(11.5).fillColor(INK).text(pdfText(`${req.id}  ${req.title}`), M.left, y, { width: CONTENT_W - 110 }));
  const afterTitle = doc.y;
  badge(doc, worst, PAGE.width - M.right - 100, y, 100);
  doc.y = Math.max(afterTitle, y + 16) + 2;
  tag(doc, 'P', () => doc.font(SANS).fontSize(8.5).fillColor(MUTED).text(pdfText(`Principal ${req.principal} | coverage: ${req.coverage}${req.implementation ? ` | ${req.implementation}` : ''}${req.queries.length ? ` | evidence queries: ${req.queries.join(', ')}` : ''}`), M.left, doc.y, { width: CONTENT_W }));
  doc.moveDown(0.3);
  // The status of an addressable specification not shown in place says, beside it, what the AWS evidence cannot show.
  const notShown = rows.filter(addressableNotShownInPlace);
  if (notShown.length) para(doc, `${ADDRESSABLE_STATUS_NOTE} (${notShown.length} of ${rows.length} account(s)).`, INK, 9);
  // Thresholds used for the evaluation (catalog defaults with any configuration overrides), as the assessor must know them.
  const params = rows.find((r) => r.latest)?.latest?.parameters ?? req.parameters;
  const paramText = Object.entries(params)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('; ');
  if (paramText) para(doc, `Parameters: ${paramText}`, INK, 8.5);
  const changed = (model.parameterOverrides ?? []).filter((o) => o.framework === rows[0].framework && o.requirement === req.id);
  if (changed.length) para(doc, `Changed from the catalog by the configuration: ${changed.map((o) => `${o.parameter} ${parameterText(o.catalogDefault)} -> ${parameterText(o.effective)} (${overrideEffect(o)})`).join('; ')}. The results below rest on the configured value.`, changed.some((o) => o.loosensRequirement) ? '#b35900' : INK, 8.5);
  const baseline = [...baselineParameters(req, rows[0].framework)].filter((n) => n in params);
  if (baseline.length) para(doc, `Organisation baseline: ${baseline.map((n) => `${n} = ${String(params[n])}`).join('; ')}. The value is the organisation's choice for this ${req.implementation === 'addressable' ? 'addressable specification' : req.kind === 'standard' ? 'standard' : 'specification'}, not a requirement of the rule; failures caused only by it are shown as needs review.`, MUTED, 8.5);
  para(doc, `Rationale: ${req.rationale}`, INK, 9);
  if (req.assessorGuidance) para(doc, `Assessor guidance: ${req.assessorGuidance}`, INK, 9);
  if (rows[0].untested !== undefined) para(doc, `Not tested by AWS evidence: its AWS checks inform but test none of its procedures (${rows[0].untested}). Their results below are supporting information only; passing checks are shown as MANUAL (the assessor tests the requirement); any other result is shown as it is: FAIL for a failing check, NEEDS REVIEW for one to review, a gap where evidence is missing.`, INK, 9);
  procedureRows(doc, model, rows[0].framework, req, LAYOUT);

  table(
    doc,
    [
      { header: 'Account', width: 78, mono: true },
      { header: periodOpen(model) ? 'Last run' : 'End of period', width: 82 },
      { header: 'Worst', width: 70 },
      { header: 'Evidence', width: 112 },
      { header: 'Reasons', width: CONTENT_W - 342 },
    ],
    accountRows(rows, model.period.to).map(({ accounts, row: r, reasons }) => [
      accounts.length === 1 ? accounts[0] : `${accounts.length} accounts:\n${accounts.slice(0, 3).join('\n')}${accounts.length > 3 ? '\n...' : ''}`,
      statusCell(r.status),
      statusCell(r.worst),
      `${r.evidenceCount} record(s)${accounts.length > 1 ? ' each' : ''}${r.firstEvidence ? `\n${utcMinute(r.firstEvidence)} to\n${utcMinute(r.lastEvidence!)}` : ''}`,
      [
        ...reasons.slice(0, 4).map(visibleName),
        ...(reasons.length > 4 ? [`... ${reasons.length - 4} more (controls.csv)`] : []),
        ...(r.gapDays.length ? [`${r.gapDays.length} day(s) without evidence`] : []),
        ...rowExceptionLabels(r),
      ].join('\n'),
    ]),
    { size: 7.5 },
  );
  if (req.coverage === 'manual' || req.coverage === 'inherited' || rows[0].untested !== undefined) notesArea(doc);

  const failing = rows.flatMap((r) => (r.latest?.findings ?? []).filter((f) => (f.status === 'fail' || f.status === 'needs-review') && f.inScope !== false).map((f) => ({ ...f, accountId: r.accountId })));
  const findingIds = new Map(model.assessor.findings.map((e) => [findingKey(e.accountId, e.resource, e.queryId, e.region), `${e.id} (${e.severity})`]));
  // The table shows the first FINDING_ROWS; the totals count them all.
  const failingTotal = rows.reduce((n, r) => n + r.failingTotal, 0);
  if (failing.length) {
    table(
      doc,
      [
        { header: 'Status', width: 62 },
        { header: 'Account / region', width: 92, mono: true },
        { header: 'Resource', width: 140 },
        { header: 'Finding or reason', width: CONTENT_W - 294 },
      ],
      // Failing resources cite their findings register entry rather than repeating its reason.
      failing.slice(0, FINDING_ROWS).map((f) => [statusCell(f.status === 'fail' ? 'fail' : 'needs-review'), `${f.accountId}\n${f.region}`, visibleName(f.resource), findingIds.get(findingKey(f.accountId, f.resource, f.queryId, f.region)) ?? visibleName(f.reason)]),
      { size: 7.5, caption: `Failing or to-review resources (${failingTotal})` },
    );
    if (failingTotal > FINDING_ROWS) para(doc, `${failingTotal - FINDING_ROWS} more in population.csv (every resource checked, with its status) and index.html.`, MUTED, 8);
  }

  const changes = rows.flatMap((r) => r.changes.map((c) => ({ ...c, accountId: r.accountId })));
  const changesTotal = rows.reduce((n, r) => n + r.changesTotal, 0);
  if (changesTotal) {
    table(
      doc,
      [
        { header: 'Day', width: 60 },
        { header: 'Account', width: 72, mono: true },
        { header: 'What', width: 150 },
        { header: 'Change', width: 110 },
        { header: 'Detail', width: CONTENT_W - 392 },
      ],
      changes.slice(0, FINDING_ROWS).map((c) => [c.day, c.accountId, c.subject, `${c.from} -> ${c.to}`, changeDetail(c)]),
      { size: 7.5, caption: `Changes during the period (${changesTotal})` },
    );
  }

  const evidence = rows.flatMap((r) => r.latest?.evidence ?? []);
  const totalEvidence = rows.reduce((n, r) => n + r.evidenceCount, 0);
  const shown = evidence.slice(0, EVIDENCE_ROWS);
  if (evidence.length) {
    table(
      doc,
      [
        { header: 'Collected at', width: 62 },
        { header: 'Account, region', width: 72, mono: true },
        { header: 'Ref', width: 38 },
        { header: 'Query', width: 95, idBreaks: true },
        // The path holds the full SHA-256; it wraps at MIN_PT rather than being shrunk to fit one line.
        { header: 'Path in package (named by SHA-256)', width: CONTENT_W - 267, mono: true },
      ],
      shown.map((e) => [`${e.collectedAt.replace('T', ' ').slice(0, 19)} UTC`, `${e.accountId}\n${e.region}`, model.assessor.refOf(e.runId, e.recordId), e.via ? `${e.queryId}\nvia ${e.via}${e.viaRead ? `\norganisation-wide read ${[model.assessor.refOf(e.runId, e.viaRead.recordId), e.viaRead.recordId].filter(Boolean).join('\n')}` : ''}` : e.queryId, evidencePath(e.sha256)]),
      { size: MIN_PT, caption: `Evidence of the latest evaluation: ${evidence.length} record(s)${shown.length < evidence.length ? `, first ${shown.length} shown` : ''}; ${totalEvidence} over the period` },
    );
  }
  evidenceContinuation(doc, rows, new Set(shown.map((e) => model.assessor.refOf(e.runId, e.recordId))), shown.length);
}

/** Every record of the period the table above does not show, by reference, so none is left unnamed. */
function evidenceContinuation(doc: Doc, rows: RequirementTimeline[], shownRefs: Set<string>, shownCount: number): void {
  const rest = rows.flatMap((r) => r.evidenceRefs).filter((n) => !shownRefs.has(formatRef(n)));
  const total = rows.reduce((n, r) => n + r.evidenceCount, 0);
  const unlisted = total - shownCount - new Set(rest).size;
  if (!rest.length && unlisted <= 0) return;
  const listed = rest.length ? `Other evidence records of the period (${new Set(rest).size}), continued from the table: ${refRanges(rest)}.` : '';
  const more = unlisted > 0 ? ` ${unlisted} further record(s) (attestations, or beyond the list kept per requirement) are not listed here.` : '';
  para(doc, `${listed}${more} Every record is in evidence-index.csv by its reference (run, record, account, region, collected-at, SHA-256, path).`.trim(), MUTED, 8);
}

const LAYOUT: PdfLayout = { subheading, para, table, keyValues, contentWidth: CONTENT_W, muted: MUTED };

/** Accounts whose results read the same share one row; at most ACCOUNT_ROWS rows, worst first, so many accounts stay bounded. */
const ACCOUNT_ROWS = 12;
function accountRows(rows: RequirementTimeline[], lastDay: string): { accounts: string[]; row: RequirementTimeline; reasons: string[] }[] {
  const groups = new Map<string, { accounts: string[]; row: RequirementTimeline; reasons: string[] }>();
  for (const r of rows) {
    // The addressable note is said once above the table (requirementSection).
    const reasons = rowReasons(r, lastDay, false);
    const k = [r.status, r.worst, r.evidenceCount, r.firstEvidence, r.lastEvidence, r.gapDays.length, [r.exception, ...(r.otherExceptions ?? [])].map((e) => e?.index ?? '').join(','), ...reasons.map((x) => x.replaceAll(r.accountId, '<account>'))].join('\u0000');
    const g = groups.get(k);
    if (g) g.accounts.push(r.accountId);
    else groups.set(k, { accounts: [r.accountId], row: r, reasons });
  }
  const list = [...groups.values()].sort((a, b) => STATUS_SEVERITY[a.row.status] - STATUS_SEVERITY[b.row.status] || STATUS_SEVERITY[a.row.worst] - STATUS_SEVERITY[b.row.worst] || compareStrings(a.accounts[0], b.accounts[0]));
  if (list.length <= ACCOUNT_ROWS) return list;
  const shown = list.slice(0, ACCOUNT_ROWS - 1);
  const rest = list.slice(ACCOUNT_ROWS - 1);
  const accounts = rest.flatMap((g) => g.accounts);
  return [...shown, { accounts, row: rest[0].row, reasons: [`${accounts.length} more account(s) with other results (the worst of them shown): see controls.csv and index.html`] }];
}

/** What no signature shows, said where the report tells how to verify it (index.html says the same). */
export const RESULTS_NOT_SIGNED =
  'The signatures and checksums show who built this package and that nothing changed since; they do not show that its results (report.pdf, index.html, the CSV files, summary.json and the OSCAL file) follow from the evidence: whoever holds the package key could sign an altered evaluation. evidence-locker verify <package.zip> --expect-key <fingerprint> --recompute evaluates the sealed evidence again with the evaluation inputs manifest.json records and compares controls.csv, findings.csv, testing-procedures.csv, population.csv and summary.json, naming any difference; it does not read report.pdf, index.html or the OSCAL file, which present the same results: compare what you rely on with those files. verify.sh cannot recompute (standard tools do not evaluate evidence).';

/** An ISO 8601 UTC time to the minute, with its zone said: `2026-12-07 04:34 UTC`. */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the package says of its last day while the period had not ended ('' once it had). */
function openDayText(model: PackageModel): string {
  return periodOpen(model) ? `the last day, ${model.period.to}, had not ended when the package was built: it is covered only up to the last sealed run (${model.assessor.summary.period.evidenceUntil || model.generatedAt}), not the whole day` : '';
}

/** The days of the period without any sealed collection run, as the cover and the gaps page state them. */
function daysWithoutRunText(model: PackageModel, short = false): string {
  const p = model.assessor.summary.period;
  const rebuilt = reconstructedDays(model).days.length;
  // A rebuilt day has a run, but not one sealed that day: said so rather than counted as collected.
  const open = !periodOpen(model) ? '' : ` (${openDayText(model)})`;
  // The cover: the unfinished last day is said once, short (the Period line gives the time).
  if (short && !p.datesWithoutRun.length && !rebuilt && periodOpen(model)) return 'none; the last day had not ended: covered up to its last run only';
  if (!p.datesWithoutRun.length && rebuilt) return `none: each of the ${p.days} day(s) of the period has a sealed run, ${rebuilt} of them a reconstruction sealed afterwards (see "Days rebuilt from AWS history")${open}`;
  if (!p.datesWithoutRun.length) return `none: a collection run was sealed on each of the ${p.days} day(s)${short ? '' : ' of the period'}${open}`;
  // A day whose seal was refused by planted files is said so: someone kept that day's evidence out of the chain.
  const refused = new Map<string, string[]>();
  for (const r of p.sealRefused ?? []) refused.set(r.day, [...(refused.get(r.day) ?? []), r.attempts.join(', ')]);
  // A day claimed only by a run that proves no day is said so: the run is in the package, but not credited to it.
  const notCredited = new Map<string, string[]>();
  for (const n of p.runsNotCredited ?? []) notCredited.set(n.day, [...(notCredited.get(n.day) ?? []), n.runId]);
  const shown = p.datesWithoutRun
    .slice(0, 60)
    .map((d) => (refused.has(d) ? `${d} (seal refused: files planted by someone else; attempts ${refused.get(d)!.join('; ')})` : notCredited.has(d) ? `${d} (not credited: run ${notCredited.get(d)!.join(', ')} stored later than it claims)` : d))
    .join(', ');
  return `${p.datesWithoutRun.length} of ${p.days} day(s): ${shown}${p.datesWithoutRun.length > 60 ? `, and ${p.datesWithoutRun.length - 60} more (summary.json lists them all)` : ''}`;
}

/** Seals refused by planted files: what each signed refusal record states, and what it does not prove. */
function refusedSealsSection(doc: Doc, model: PackageModel): void {
  const refused = model.assessor.summary.period.sealRefused ?? [];
  if (!refused.length) return;
  const shaOf = new Map((model.refusedSeals ?? []).map((r) => [r.record, r.sha256]));
  subheading(doc, 'Seals refused: files planted by someone else');
  para(
    doc,
    `${refused.length} collection(s) of the period were not sealed: someone with write access to the evidence store planted files in the run folder of every attempt to seal them, so the collector wrote a signed refusal record instead (the package carries each under refusals/; verify checks its signature). Such a day has no sealed evidence: it is a gap, never a pass. The record proves that the collector holding the signing key refused the seal and names the planted files; it does not prove what the evidence said, and a holder of the signing key could also have written it.`,
  );
  table(
    doc,
    [{ header: 'Day / chain', width: 110 }, { header: 'Attempts (run ids)', width: 170, mono: true }, { header: 'Record, named by', width: CONTENT_W - 280 }],
    refused.map((r) => [`${r.day}\n${r.chain}`, r.attempts.join('\n'), `${r.record}${shaOf.has(r.record) ? `, SHA-256 ${shaOf.get(r.record)}` : ''} (${r.records} record(s) collected, bodies stored, not sealed)${r.namedBy ? `; named by run ${r.namedBy}` : '; named by no run in this package'}`]),
  );
  // A record a run of the same chain and link does not name: the chain should have carried it (why it may not have).
  const notNamed = model.assessor.summary.period.refusalsNotNamed ?? [];
  if (notNamed.length) {
    para(doc, `Refusal records the chain does not carry (${notNamed.length}): a sealed run names in its signed manifest every refusal record of its chain with its own previous link that its seal found; these were not named.`);
    for (const n of notNamed) para(doc, `${n.problem ? 'PROBLEM' : 'WARNING'}: ${n.message}.`);
  }
}

/** Account-days reached, the gaps, and the results missing evidence: the gaps page in full, the cover in short. */
function periodCoverageText(model: PackageModel, short = false): string {
  const p = model.assessor.summary.period;
  if (short) {
    return `${p.coveragePercent}% of account-days reached by a run (${p.accountDaysWithEvidence} of ${p.accountDays}); gaps: ${p.accountDaysWithoutRun + p.accountLevelGaps} account-day(s), ${p.regionLevelGaps} region-day(s); ${p.resultsWithGaps} of ${p.resultsExpectingEvidence} results miss evidence on some day`;
  }
  return `${p.coveragePercent}% of account-days reached by a sealed run (${p.accountDaysWithEvidence} of ${p.accountDays}); ${p.accountDaysWithoutRun} account-day(s) without a run, ${p.accountLevelGaps} a run could not reach, ${p.regionLevelGaps} region-day(s) not collected; ${p.resultsWithGaps} of ${p.resultsExpectingEvidence} requirement results miss evidence on some day (query errors, denials or no run)${periodOpen(model) ? `; ${openDayText(model)}: its account-days count as reached by that run, not as a whole day of evidence` : ''}`;
}

/** The worst result each requirement x account had on any day, counted like the end-of-period badges. */
function worstInPeriodText(model: PackageModel): string {
  const counts: Record<string, number> = {};
  for (const r of model.timeline.rows) counts[r.worst] = (counts[r.worst] ?? 0) + 1;
  return `Worst result on any day of the period (requirement x account): ${STATUS_ORDER.map((s) => `${counts[s] ?? 0} ${STATUS_STYLE[s].word.toLowerCase()}`).join(', ')}. A requirement that passed at the end but failed or had no evidence on some day counts here by that day.`;
}

function gapsSection(doc: Doc, model: PackageModel): void {
  para(doc, 'A gap is evidence that should exist and does not: a day with no collection for an account, a query that failed (for example AccessDenied), an account that could not be reached, or a shard of a scheduled collection that never sealed. Gaps are never counted as a pass.');
  subheading(doc, 'Days without a sealed collection run');
  const noRunDays = model.assessor.summary.period.datesWithoutRun.length;
  para(doc, `${daysWithoutRunText(model)}.${noRunDays ? ' On such a day every automated and partial requirement has no evidence: it is a gap for that day, never a pass.' : ''}`, noRunDays ? INK : MUTED);
  refusedSealsSection(doc, model);
  subheading(doc, 'Period coverage');
  para(doc, `${periodCoverageText(model)}. An account-day counts as covered when that day's sealed run reached the account, whatever its queries returned: a run that reached the account but was refused or failed some queries still counts, and those missing results are counted per requirement result instead. An account-day gap is a day its run could not reach the account at all, a region-day gap a region of it the run could not collect (both listed below).`);
  para(doc, worstInPeriodText(model));
  eventSearchSection(doc, model);
  rebuiltDaysSection(doc, model);
  subheading(doc, 'Missing shards');
  if (!model.missingShards.length) para(doc, 'No schedule slot with a sealed run is missing one of its shards (days with no run at all are listed above).', MUTED);
  else table(doc, [{ header: 'Slot', width: 150 }, { header: 'Shards', width: 80 }, { header: 'Missing shard numbers', width: CONTENT_W - 230 }], model.missingShards.map((s) => [s.slot, String(s.count), s.missing.join(', ')]));

  subheading(doc, 'Account-level gaps recorded by the runs');
  const runGaps = model.runs.flatMap((r) => r.manifest.gaps.map((g) => ({ ...g, runId: r.runId })));
  if (!runGaps.length) para(doc, 'No run recorded an account or region it could not reach.', MUTED);
  else table(doc, [{ header: 'Run', width: 120, mono: true }, { header: 'Account / region', width: 100, mono: true }, { header: 'Reason', width: CONTENT_W - 220 }], runGaps.slice(0, 200).map((g) => [g.runId, `${g.accountId}${g.region ? `\n${g.region}` : ''}`, `${g.queryId ? g.queryId + ': ' : ''}${visibleName(g.reason)}`]));

  subheading(doc, 'Query errors and missing evidence by requirement');
  const gapRows = model.timeline.rows.filter((r) => r.gaps.length || r.gapDays.length);
  if (!gapRows.length) para(doc, 'None.', MUTED);
  else
    table(
      doc,
      [
        { header: 'Requirement', width: 70 },
        { header: 'Account', width: 74, mono: true },
        { header: 'Days without evidence', width: 110 },
        { header: 'Errors and missing evidence (first seen)', width: CONTENT_W - 254 },
      ],
      gapRows.slice(0, 400).map((r) => [
        r.requirement.id,
        r.accountId,
        r.gapDays.length ? `${r.gapDays.length}: ${compressDays(r.gapDays)}${r.sealRefused?.length ? ` (seal refused on ${[...new Set(r.sealRefused.map((d) => d.day))].join(', ')}: see Seals refused)` : ''}` : '0',
        r.gaps.slice(0, 4).map((g) => `${g.day} ${g.queryId} ${g.region}: ${visibleName(g.reason)}`).join('\n') + (r.gaps.length > 4 ? `\n... ${r.gapsTotal - 4} more` : ''),
      ]),
      { size: MIN_PT },
    );
}

/** Which intervals of the period no run's CloudTrail event search covered (cloudtrail.sensitive-activity), per account and region. */
function eventSearchSection(doc: Doc, model: PackageModel): void {
  const cov = model.eventSearches;
  // Said when a run searched events or a requirement of the package relies on the search.
  if (!cov || (!cov.pairs && !model.timeline.rows.some((r) => r.requirement.queries.includes(EVENT_SEARCH_QUERY)))) return;
  subheading(doc, 'CloudTrail event searches over the period');
  para(doc, eventSearchText(cov), cov.unsearched.length ? INK : MUTED);
  if (cov.unsearched.length) {
    table(
      doc,
      [
        { header: 'Account', width: 80, mono: true },
        { header: 'Region', width: 70, mono: true },
        { header: 'Not searched from', width: 120, mono: true },
        { header: 'to', width: 120, mono: true },
        { header: 'Days made gaps', width: CONTENT_W - 390 },
      ],
      cov.unsearched.slice(0, 400).map((h) => [h.accountId, h.region, h.from, h.to, compressDays(h.days)]),
      { size: MIN_PT, ...(cov.unsearched.length > 400 ? { caption: `First 400 of ${cov.unsearched.length}; index.html lists every one (Gaps view).` } : {}) },
    );
  }
}

function foreignSection(doc: Doc, model: PackageModel): void {
  const keys = model.trustedKeys?.length ? model.trustedKeys.join(', ') : model.signing.keyFingerprint;
  para(
    doc,
    `Only runs signed by a trusted key (${keys}) are evidence in this package. Anything else found in the evidence store for the period is listed here: a run signed by another key, a folder that is not a sealed run, a run claiming a future start time, a run linked to such a run, or a delete marker hiding a sealed object. ` +
      'A run folder is said to hold files planted by someone else, its evidence sealed again as another run, only when that run\'s signed manifest names it as an abandoned attempt to seal (the seal does so when it finds files in the folder that it did not write); the planted files themselves say nothing of who wrote them. ' +
      'None of it was used as evidence or as a chain link. The list shows that someone wrote into the store; it does not show who, and an empty list does not prove nobody tried (only what the store still holds is seen).',
  );
  const found = model.foreign ?? [];
  if (!found.length) {
    para(doc, 'No foreign object was found in the evidence store for this period.', MUTED);
    writtenLateSection(doc, model);
    return;
  }
  table(
    doc,
    [
      { header: 'Object in the store', width: 190, mono: true },
      { header: 'Why it is foreign', width: 120 },
      { header: 'Detail', width: CONTENT_W - 310 },
    ],
    found.slice(0, 500).map((f) => [visibleName(f.path), f.resealedAs ? `files planted by someone else; its evidence was sealed again as run ${f.resealedAs.runId}` : FOREIGN_REASONS[f.reason], f.resealedAs ? `run ${f.resealedAs.runId}'s signed manifest names this run id as an abandoned attempt (${f.resealedAs.reason}); as found here: ${FOREIGN_REASONS[f.reason]} (${visibleName(f.detail)})` : visibleName(f.detail)]),
    { size: 7 },
  );
  if (found.length > 500) para(doc, `... and ${found.length - 500} more (run \`evidence-locker verify --store\` for the full list).`, MUTED);
  writtenLateSection(doc, model);
}

/** The cover line on back-dated runs: how many (their days are gaps), none found, or what could not be checked (a store whose write times its writer sets). */
function writtenLateText(model: PackageModel): string {
  const span = formatSpan(model.runSpanMs ?? MAX_RUN_SPAN_MS);
  const notCredited = model.runsNotCredited ?? [];
  const gapDays = [...new Set(notCredited.map((n) => n.day))].sort();
  const gaps = gapDays.length ? `; the ${gapDays.length} day(s) they claim (${compressDays(gapDays)}) count as days without a run unless another run proves them` : '';
  if (!model.writtenLate) {
    const local = 'not checked: this evidence store keeps no write time its writer cannot set (a local folder), so a back-dated run is not found this way';
    return notCredited.length ? `${local}; but ${notCredited.length} run(s) state a span from start to completion longer than ${span} (signed times; see "Foreign objects")${gaps}` : `${local} (no run states a span from start to completion longer than ${span})`;
  }
  const runs = new Set(model.writtenLate.map((l) => l.runId));
  return runs.size
    ? `${runs.size}: their manifest or signature reached the store long after (or before) the completion they state, they state a span from start to completion longer than ${span}, or no file of their own run folder was written on the day they claim (see "Foreign objects")${gaps}${bodyTimesNote(model)}`
    : `none found (S3 LastModified within ${formatSpan(model.sealDelayMs ?? MAX_SEAL_DELAY_MS)} after each run's completion, each run's signed completion within ${span} of its signed start, and each collection run's folder first written on the day it claims)${bodyTimesNote(model)}`;
}

/** Whether the build compared the write time of every object a collection run seals with its start file, as the cover says it. */
function bodyTimesNote(model: PackageModel): string {
  return model.bodyWriteTimesChecked
    ? `; the write time of every evidence body and run file each collection run seals was compared with that of its start file (a run is listed when one was written before it or after the run's span), when this package was built, by whoever built it: the package holds no store write times, so no verifier of the package can repeat this (verify --store against the bucket does)`
    : '; the write times of the evidence bodies the runs seal were not compared with their start files';
}

/** The cover line on run folders holding a start file and no sealed run: how many, none found, or not listed (a local store). */
function unsealedStartsText(model: PackageModel): string {
  const starts = model.assessor.summary.period.unsealedStarts;
  if (!starts) return 'not listed: this evidence store keeps no write time its writer cannot set (a local folder), so start files left without a run are not listed';
  if (!starts.length) return "none found (no run folder whose start file S3 wrote in the period lacks a sealed run)";
  return `${starts.length}: ${starts.slice(0, 20).map(unsealedStartWords).join('; ')}${starts.length > 20 ? `; and ${starts.length - 20} more (summary.json period.unsealedStarts)` : ''}. ${UNSEALED_START_MEANING} A run later sealed in such a folder with a past day would be named back-dated by verify --store; this package lists them so the assessor can ask the organisation which collections stopped, and why.`;
}

/**
 * Included runs the store wrote when they say they could not have been: signed by a trusted key, so they stay in the
 * package and the chain, but a run stored after the day it claims does not show that day's state: the day is a gap.
 */
function writtenLateSection(doc: Doc, model: PackageModel): void {
  const late = model.writtenLate ?? (model.runsNotCredited ?? []).map((n) => ({ runId: n.runId, key: `runs/${n.runId}/manifest.json`, versionId: undefined as string | undefined, problem: n.why }));
  if (!late.length) return;
  subheading(doc, 'Runs stored later than they claim', 'H2', 80);
  const span = formatSpan(model.runSpanMs ?? MAX_RUN_SPAN_MS);
  para(
    doc,
    model.writtenLate
      ? `The evidence store (S3) records when it wrote each object (LastModified); the writer cannot set it. A seal stores its run within minutes of the completion the run states. The runs below were written more than ${formatSpan(model.sealDelayMs ?? MAX_SEAL_DELAY_MS)} after (or well before) that completion: they are signed by a trusted key and kept in the package and its chain, but they were signed or stored long after the time they claim, as someone holding the signing key (kms:Sign) could do to fill a past day. Ask the organisation for the CloudTrail Sign call of the time each was written and who made it. A run whose signed completion is more than ${span} after its signed start is listed too: it is written on time for its completion, but its start, and so the day it claims, may lie long before it was signed. So is a collection run no file of whose own run folder (the start file a collection writes before its first AWS call, then the seal's files) was written on the day it claims or within ${formatSpan(model.sealDelayMs ?? MAX_SEAL_DELAY_MS)} of its start. None of these runs proves a collection on the day it claims: that day counts as a day without a run (a gap, never a pass) unless another run proves it. A run written on the day it claims is not caught this way.`
      : `This evidence store keeps no write time its writer cannot set (a local folder), so when a run was written is not checked. The runs below state (signed) a span from start to completion over ${span}: their start, and so the day they claim, may lie long before they were signed. They are kept in the package and its chain but prove no collection on the day they claim: that day counts as a day without a run (a gap, never a pass) unless another run proves it.`,
  );
  table(
    doc,
    [
      { header: 'Run', width: 150, mono: true },
      { header: 'What the store shows', width: CONTENT_W - 150 },
    ],
    late.slice(0, 500).map((l) => [l.runId, `${l.key}${l.versionId ? ` version ${l.versionId}` : ''}: ${l.problem}`]),
    { size: 7 },
  );
  if (late.length > 500) para(doc, `... and ${late.length - 500} more (run \`evidence-locker verify --store\` for the full list).`, MUTED);
}

/** `2026-01-01..2026-01-03, 2026-01-07`. */
export function compressDays(days: string[]): string {
  const parts: string[] = [];
  let start = days[0];
  let prev = days[0];
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const d of days.slice(1)) {
    if (d === next(prev)) {
      prev = d;
      continue;
    }
    parts.push(start === prev ? start : `${start}..${prev}`);
    start = prev = d;
  }
  if (start) parts.push(start === prev ? start : `${start}..${prev}`);
  return parts.join(', ');
}

function manualSection(doc: Doc, model: PackageModel): void {
  para(doc, "These requirements cannot be proven from AWS APIs: manual and inherited ones, and those whose AWS checks inform but test none of their testing procedures (coverage marked 'AWS checks test none of its procedures'; a failing check still shows FAIL, one to review NEEDS REVIEW). The assessor examines the evidence named in the guidance (printed with each requirement, beside a notes area); attestations sealed with `evidence-locker attest` are cited (they stay MANUAL: an attestation is evidence for the assessor to judge, not an automated pass). The attester's name is as they wrote it (stated); what the tool recorded is the signing key and, for a KMS key, the AWS identity of the session that signed (the tool's record: anyone able to sign with the key could record another; the key's CloudTrail Sign events are AWS's record of who signed).");
  const seen = new Set<string>();
  const rows: Cell[][] = [];
  for (const r of manualRequirements(model)) {
    const k = `${r.framework}\u0000${r.requirement.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const atts = model.timeline.attestations.filter((a) => a.framework === r.framework && a.requirement === r.requirement.id);
    const attested = atts.map((a) => {
      const file = a.fileName ? ` Document: ${a.fileName} (${model.attestationFiles.get(a.sha256) ?? 'see evidence record'}).` : '';
      const acct = attesterAccountNote(a.sealedBy, model.accounts);
      return `Sealed ${a.collectedAt.slice(0, 10)} by ${describeAttester(a.by, a.sealedBy)}${acct ? ` (${acct})` : ''}: "${a.note}". Record ${a.sha256.slice(0, 12)} (run ${a.runId}).${file}`;
    });
    rows.push([`${r.requirement.id}\n${r.framework}`, r.requirement.title, r.untested !== undefined ? `${r.requirement.coverage}; AWS checks test none of its procedures` : r.requirement.coverage, attested.length ? attested.join('\n') : 'No attestation sealed.']);
  }
  if (!rows.length) para(doc, 'No requirement in the selected frameworks is manual or inherited.', MUTED);
  else
    table(
      doc,
      [
        { header: 'Requirement', width: 80 },
        { header: 'Title', width: 150 },
        { header: 'Coverage', width: 55 },
        { header: 'Attestations sealed in the period', width: CONTENT_W - 285 },
      ],
      rows,
      { size: MIN_PT },
    );
}

/** Requirements the assessor tests: manual and inherited ones, and those whose AWS checks test none of their procedures (the procedure map's untested list). */
function manualRequirements(model: PackageModel): RequirementTimeline[] {
  return model.timeline.rows.filter((r) => r.requirement.coverage === 'manual' || r.requirement.coverage === 'inherited' || r.untested !== undefined);
}

/** One bordered area for the assessor's notes under a manual or inherited requirement. */
function notesArea(doc: Doc): void {
  const h = 46;
  ensure(doc, h + 6);
  const y = doc.y + 2;
  artifact(doc, () => doc.rect(M.left, y, CONTENT_W, h).lineWidth(0.5).strokeColor(RULE).stroke());
  tag(doc, 'P', () => doc.font(SANS).fontSize(MIN_PT).fillColor(MUTED).text("Assessor's notes (this requirement is examined outside AWS APIs):", M.left + 4, y + 3, { width: CONTENT_W - 8 }));
  doc.y = y + h + 4;
  doc.x = M.left;
  doc.moveDown(0.4);
}

/** `--notes-pages`: ruled space per manual requirement for handwritten or annotated notes. */
function notesPages(doc: Doc, model: PackageModel): void {
  para(doc, "Ruled space for the assessor's notes, one block per manual or inherited requirement and per requirement whose AWS checks test none of its procedures, printed on request (package --notes-pages).", MUTED);
  const seen = new Set<string>();
  for (const r of manualRequirements(model)) {
    const k = `${r.framework}\u0000${r.requirement.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    ensure(doc, 190);
    subheading(doc, `${r.requirement.id}  ${r.requirement.title} (${r.framework})`, 'H3');
    for (let i = 0; i < 10; i++) {
      doc.y += 15;
      rule(doc);
    }
    doc.moveDown(1);
  }
}

function exceptionsSection(doc: Doc, model: PackageModel): void {
  para(doc, 'Exceptions come from the organisation\'s exceptions register. An exception is shown next to the result it concerns; it never changes the result. It applies from its effectiveFrom date (else its approvedOn date) to its expiry: the In effect column says for which days of the period. One past its expiry at the period end is EXPIRED, one starting after it NOT YET EFFECTIVE; an entry without either start date says its start is not known.');
  if (!model.exceptions.length) {
    para(doc, 'The register is empty or no register is configured.', MUTED);
    return;
  }
  table(
    doc,
    [
      { header: 'State', width: 52 },
      { header: 'Requirement', width: 62 },
      { header: 'Type / accounts', width: 85 },
      { header: 'Owner / approved by', width: 80 },
      { header: 'In effect', width: 110 },
      { header: 'Rationale', width: CONTENT_W - 389 },
    ],
    model.exceptions.map((e) => [exceptionStateWord(e), `${e.framework}\n${e.requirement}`, `${e.type}\n${e.accounts?.join(', ') ?? 'all accounts'}`, `${e.owner}\n${e.approvedBy}${e.approverArn ? `\n${e.approverArn}` : ''}`, exceptionWindow(e), e.rationale]),
    { size: 7.5 },
  );
  exceptionDetails(doc, model, LAYOUT);
}

function methodSection(doc: Doc, model: PackageModel): void {
  subheading(doc, 'How evidence was collected');
  para(doc, 'Each collection run called read-only AWS APIs in each account it reached and each region it was set to collect (the cover\'s Regions line names any enabled region no run collected), kept the API responses as evidence records, as returned except for secret values replaced before sealing (each record lists them under redactions, with the rule), and evaluated them with pure rules (one per evidence query). A record whose API call failed is kept as an error record and shown as a gap. Every run of a day covering the account is evaluated, in order: the day takes the result of its last run, except that a fail or needs-review found by an earlier run of that day counts for the day (the changes name both runs); an error or missing evidence in an earlier run is no gap when a later run of the day judged the requirement. A run collected on the day takes precedence over a reconstruction of that day, which is then not evaluated. The status at the end of the period is that of the last run. A run is a snapshot of the settings at the time of its calls (the run table gives when each run completed): a setting changed and changed back between two runs is not in the configuration evidence; it shows only in the CloudTrail events this package includes.');
  const throughOrganisation = organisationReadsStatement(evidenceVias(model.timeline.rows));
  if (throughOrganisation) para(doc, throughOrganisation);
  const ep = model.assessor.summary.endpoints;
  if (ep) {
    subheading(doc, 'Where the evidence came from');
    para(doc, `Every evidence body records the origin of the endpoint its API calls went to and the caller of the session (sts:GetCallerIdentity). ${describeEndpoints(ep)} An origin is counted as an AWS service endpoint when it is https on a service endpoint name of an AWS partition (its public name, or the name of an interface VPC endpoint of that service), of a service the body's query calls and, where the body records which endpoint each operation went to, of the service of that operation; that is the address the collector called, not proof of who answered.`);
    if (ep.notAws.length) table(doc, [{ header: 'Origin', width: 170, mono: true }, { header: 'Why not AWS', width: 170 }, { header: 'Records', width: 50 }, { header: 'Runs', width: CONTENT_W - 390 }], ep.notAws.slice(0, 50).map((n) => [n.origin, n.why, String(n.records), `${n.runs.length}: ${n.runs.slice(0, 3).join(', ')}${n.runs.length > 3 ? ', ...' : ''}`]), { size: MIN_PT });
  }
  const entities = model.assessor.scope.filter((s) => s.entity);
  if (entities.length) {
    subheading(doc, 'Entity type and applicability');
    para(doc, 'Some requirements apply only to service providers, to multi-tenant service providers (PCI DSS Appendix A1), to designated entities (Appendix A3), to issuers and companies that support issuing services (3.3.3), to entities whose POS POI terminals use SSL or early TLS (A2.1.1), or to service providers with connection points to such terminals (A2.1.2) or providing connections into POS POI terminals (A2.1.3). For an entity that declared it is not of that type (configuration entity.<framework>), such a requirement is proposed not applicable, for the assessor to confirm: what its checks found is kept in its reasons for information and raises no finding. When the entity type is not declared (or, for issuers and POS POI terminals, that part of it), a judged pass, fail or not applicable is not counted as the entity\'s: the requirement needs review, its reasons keep what the checks found, and its procedures are not tested until the assessor confirms applicability. Manual requirements stay manual, with the same note. An issuer or a company that supports issuing services that declares a legitimate, documented business need to keep sensitive authentication data (entity.<framework>.issuerWithBusinessNeed, naming the justification document) is not held to 3.3.1 for that data: such data found stored needs review against the named document instead of failing, and 3.3.3 applies.');
    keyValues(doc, entities.map((s): [string, string] => [`Entity: ${s.framework}`, s.entity!.statement]));
  }
  subheading(doc, 'Parameters changed from the catalog');
  const overrides = model.parameterOverrides ?? [];
  if (!overrides.length) para(doc, 'None: every requirement was judged with its catalog parameter values (configuration parameters: none that differ).');
  else {
    para(doc, `${overridesSummaryText(overrides)}. The configuration (parameters.<framework>.<requirement>.<parameter>) can change a catalog value; the table has one row per configured value, and an entity declaration (set once, under any requirement taking it) names every requirement it reaches. Where the requirement's text fixes the value (catalog parameterBasis: requirement) and the change loosens it (a minimum lowered, a maximum raised) or goes a way that cannot be told, a resource check that passes with the configured value is shown as needs review, its reason naming both values and what the check gives with the requirement's own value. Other changes are listed only; their results are judged with the configured value.`);
    table(
      doc,
      [
        { header: 'Requirements', width: 92 },
        { header: 'Parameter / queries', width: 104 },
        { header: 'Catalog', width: 44 },
        { header: 'Used', width: 44 },
        { header: 'Fixed by req.', width: 62 },
        { header: 'Effect', width: CONTENT_W - 346 },
      ],
      (model.changedParameters ?? changedParameters(overrides, undefined)).map((o) => [`${o.framework}\n${o.requirements.join(', ')}`, `${o.parameter}\n${o.queries.join(', ') || '-'}`, parameterText(o.catalogDefault), parameterText(o.effective), o.requirementFixes ? 'yes' : 'no', `${overrideEffect(o)}; set by ${o.source}`]),
      { size: 7.5 },
    );
  }
  subheading(doc, 'Write-once storage');
  const stores = uniqueBy(model.stores, (s) => `${s.kind}|${s.location}|${s.objectLockMode ?? ''}|${s.retainUntil ?? ''}`);
  for (const s of stores) {
    keyValues(doc, [
      ['Store', `${s.kind} at ${s.location}`],
      ['Object Lock', s.objectLockMode ? `${s.objectLockMode} mode${s.retainUntil ? `, retained until at least ${s.retainUntil}` : ''}` : 'none (local directory: files are read-only and tamper-evident through hashes and signatures, not tamper-proof)'],
      ...(s.note ? ([['Note', s.note]] as [string, string][]) : []),
    ]);
  }
  subheading(doc, 'Sealing and chain of custody');
  para(doc, 'When a run finished, its manifest (every record with its SHA-256, plus the SHA-256 of the previous run manifest of the same chain) was written after every body it names and signed. This package includes those manifests byte for byte with their signatures and public keys, and every evidence body it relies on, named by its SHA-256. The package manifest lists every file with its SHA-256 and is signed too, and so is SHA256SUMS, which lists every other file.');
  table(
    doc,
    [
      { header: 'Key fingerprint (SHA-256 of public key)', width: 250, mono: true },
      { header: 'Key id', width: 170 },
      { header: 'Algorithm', width: CONTENT_W - 420 },
    ],
    model.runKeys.map((k) => [k.keyFingerprint, k.keyId, k.algorithm]),
    { size: MIN_PT },
  );
  subheading(doc, 'Sealed runs in this package');
  table(
    doc,
    [
      { header: 'Run', width: 130, mono: true },
      { header: 'Kind / chain', width: 95 },
      { header: 'Completed (UTC)', width: 92 },
      { header: 'Records', width: 45 },
      { header: 'Manifest SHA-256', width: CONTENT_W - 362, mono: true },
    ],
    [...model.runs, ...model.attestationRuns].slice(0, 400).map((r) => [r.runId, `${r.manifest.kind}\n${r.manifest.chain}${r.manifest.shard ? ` (${r.manifest.shard.index}/${r.manifest.shard.count})` : ''}`, r.manifest.completedAt.replace('T', ' ').slice(0, 19), String(r.manifest.recordCount), r.manifestSha256]),
    { size: MIN_PT },
  );
  if (model.runs.length + model.attestationRuns.length > 400) para(doc, 'More runs are listed in manifest.json.', MUTED, 8);
  subheading(doc, 'How to verify');
  para(doc, `Start from the signing key fingerprint confirmed with the organisation out of band, never from the one printed in this package. Offline with the tool: evidence-locker verify <package.zip> --expect-key <fingerprint>. With standard tools only (sha256sum, openssl, coreutils, awk, sed, grep), in the unzipped folder, after checking sha256sum verify.sh against the value the project publishes for this version in its README (${VERIFY_SCRIPT_SHA256} when this package was built; a value printed inside a package proves nothing about that package):`);
  tag(doc, 'Code', () => doc.font(MONO).fontSize(MIN_PT).fillColor(INK).text('sh verify.sh --key <fingerprint>', M.left + 10, doc.y, { width: CONTENT_W - 10 }));
  doc.moveDown(0.5);
  para(doc, 'verify.sh checks the pinned key, the signature over SHA256SUMS, every file and that no other exists, the package and run signatures against the pinned keys, that manifest.json states each run as its signed manifest does, the evidence set and evaluation inputs ids on this cover, each signed refusal record, the run chain, and that every record has its evidence body. By hand, follow VERIFY.md section 3 in full: sha256sum -c SHA256SUMS with a signature check alone does not show the package is unaltered (a package re-signed with another key, or with an extra or rewritten file and checksum line, passes them).', MUTED);
  para(doc, RESULTS_NOT_SIGNED, MUTED);
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const i of items) if (!m.has(key(i))) m.set(key(i), i);
  return [...m.values()];
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
