import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { runDemo } from '../../src/cli/commands/demo.js';
import { buildPackage } from '../../src/package/build.js';
import { MIN_PT } from '../../src/package/pdf.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario } from './fixtures.js';

const hasPoppler = (() => {
  try {
    execFileSync('pdfinfo', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tool = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

/** Every object of the PDF as text, Flate streams inflated (object streams included), for structural checks. */
function pdfObjects(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const parts = [raw];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    try {
      parts.push(inflateSync(bytes.subarray(start, end)).toString('latin1'));
    } catch {
      /* not Flate, or a font program */
    }
    re.lastIndex = end;
  }
  return parts.join('\n');
}

/** DejaVu's line box (ascent - descent) is 1.164 em; pdftotext reports word boxes of that height. */
const DEJAVU_BOX = 1.164;

interface Word {
  page: number;
  yMin: number;
  yMax: number;
  text: string;
}

function words(pdf: string): Word[] {
  const out: Word[] = [];
  let page = 0;
  for (const line of tool('pdftotext', ['-bbox', pdf, '-']).split('\n')) {
    if (line.includes('<page ')) page++;
    const m = /yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (m) out.push({ page, yMin: Number(m[1]), yMax: Number(m[2]), text: m[3] });
  }
  return out;
}

describe.skipIf(!hasPoppler)('report.pdf of the demo package: PDF/A-2b, tagged, embedded fonts, layout', () => {
  let pdf: string;
  let bytes: Buffer;
  let pages: number;
  let all: Word[];
  let text: string;

  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'el-report-'));
    const r = await runDemo({ out, logLevel: 'silent', write: () => {} });
    pdf = r.reportPath;
    bytes = readFileSync(pdf);
    pages = Number(/Pages:\s+(\d+)/.exec(tool('pdfinfo', [pdf]))![1]);
    console.log(`demo report.pdf: ${pages} pages, ${bytes.length} bytes (${pdf})`);
    all = words(pdf);
    text = tool('pdftotext', [pdf, '-']);
  }, 300_000);

  it('pdfinfo: tagged PDF 1.7 with an XMP metadata stream; pdffonts: every font embedded, none of the standard 14', () => {
    const info = tool('pdfinfo', [pdf]);
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toMatch(/PDF version:\s+1\.7/);
    expect(info).toMatch(/Metadata Stream:\s+yes/);
    const fonts = tool('pdffonts', [pdf]).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThanOrEqual(3);
    for (const f of fonts) {
      // name type... encoding emb sub uni object-id generation
      const cols = f.trim().split(/\s+/);
      expect(cols[cols.length - 5], f).toBe('yes');
      expect(f).toMatch(/DejaVu/);
    }
  });

  it('catalog: StructTreeRoot, MarkInfo Marked, Lang, outline, PDF/A output intent; XMP names PDF/A-2B and is well-formed', () => {
    const objects = pdfObjects(bytes);
    expect(objects).toMatch(/\/StructTreeRoot \d+ 0 R/);
    expect(objects).toMatch(/\/MarkInfo \d+ 0 R/);
    expect(objects).toMatch(/\/Marked true/);
    expect(objects).toMatch(/\/Lang \(en\)/);
    expect(objects).toMatch(/\/Outlines \d+ 0 R/);
    expect(objects).toMatch(/\/S \/GTS_PDFA1/);
    expect(objects).toMatch(/\/DestOutputProfile \d+ 0 R/);
    // Headings, paragraphs, tables and figures are in the structure tree (procedures are now per-procedure table rows, not a list).
    for (const t of ['H1', 'H2', 'H3', 'P', 'Table', 'TR', 'TH', 'TD', 'Figure', 'TOC', 'TOCI', 'Sect']) expect(objects, t).toContain(`/S /${t}\n`);
    expect(objects).toMatch(/\/Alt \(Bar chart/);
    const xmp = tool('pdfinfo', ['-meta', pdf]);
    expect(xmp).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);
    expect(xmp).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    // The organisation name holds an ampersand: escaped in XMP, as XML requires.
    expect(xmp).toContain('Demo Health &amp; Payments, Inc.');
    expect(xmp.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
    // No ModDate in the document information without its XMP twin (PDF/A requires them to agree).
    expect(objects).not.toMatch(/\/ModDate/);
  });

  it(`no text smaller than ${MIN_PT} pt; evidence paths are printed whole (wrapped), never shrunk`, () => {
    // A loop, not Math.min(...words): the demo report holds more words than a call may take arguments.
    const smallest = all.reduce((min, w) => Math.min(min, w.yMax - w.yMin), Number.POSITIVE_INFINITY);
    console.log(`smallest word box: ${smallest.toFixed(2)} pt (= ${(smallest / DEJAVU_BOX).toFixed(2)} pt type)`);
    expect(smallest / DEJAVU_BOX).toBeGreaterThanOrEqual(MIN_PT - 0.01);
    // A wrapped path read back with its line breaks removed is the whole path.
    expect(text.replace(/\n/g, '')).toMatch(/evidence\/objects\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.json/);
  });

  it('was: the method section did not say what a daily run cannot see; now: a run is a snapshot, and a change reverted between two runs shows only in CloudTrail events', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('A run is a snapshot of the settings at the time of its calls');
    expect(flat).toContain('a setting changed and changed back between two runs is not in the configuration evidence; it shows only in the CloudTrail events this package includes');
  });

  it('no page under 40 words except the cover and at most two section dividers; no notes pages unless asked', () => {
    const counts: number[] = Array.from({ length: pages }, () => 0);
    for (const w of all) counts[w.page - 1]++;
    const sparse = counts.map((n, i) => ({ page: i + 1, words: n })).filter((x) => x.page > 1 && x.words < 40);
    console.log(`pages under 40 words (cover excluded): ${sparse.length ? sparse.map((s) => `p${s.page}=${s.words}`).join(', ') : 'none'}`);
    expect(sparse.length).toBeLessThanOrEqual(2);
    expect(text).not.toContain("Assessor's notes pages");
    expect(text).toContain("Assessor's notes (this requirement is examined outside AWS APIs)");
  });

  it('every table header has at least two lines of rows under it on its page', () => {
    const headers = ['Collected at', 'End of period', 'Requirement Account Days', 'Run Kind'];
    let seen = 0;
    for (let p = 1; p <= pages; p++) {
      const onPage = all.filter((w) => w.page === p);
      const lines = [...new Set(onPage.map((w) => Math.round(w.yMin)))].sort((a, b) => a - b);
      const lineText = (y: number) =>
        onPage
          .filter((w) => Math.round(w.yMin) === y)
          .map((w) => w.text)
          .join(' ');
      lines.forEach((y, i) => {
        const t = lineText(y);
        if (!headers.some((h) => t.includes(h))) return;
        seen++;
        // Below the header: at least two more lines before the page footer line.
        const below = lines.slice(i + 1).filter((yy) => !lineText(yy).includes(' | pci-dss'));
        expect(below.length, `page ${p}: "${t}"`).toBeGreaterThanOrEqual(2);
      });
    }
    expect(seen).toBeGreaterThan(50);
  });
});

describe.skipIf(!hasPoppler)('report.pdf assessor notes', () => {
  it('--notes-pages adds ruled notes pages; the default has one notes area per manual requirement', async () => {
    const built: Record<string, { pages: number; text: string }> = {};
    for (const notesPages of [false, true]) {
      const store = new MemoryStore();
      const tmp = mkdtempSync(join(tmpdir(), 'el-notes-'));
      const { signer, exceptions } = await richScenario(store, join(tmp, 'review.txt'));
      const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, organization: 'Acme Payments', exceptions, notesPages });
      await extractPackageZip(pkg.zipPath, join(tmp, 'x'));
      const pdf = join(tmp, 'x', 'report.pdf');
      built[String(notesPages)] = { pages: Number(/Pages:\s+(\d+)/.exec(tool('pdfinfo', [pdf]))![1]), text: tool('pdftotext', [pdf, '-']) };
      // Every section (findings register, population and the rest) is set in the embedded fonts and tagged.
      for (const f of tool('pdffonts', [pdf]).trim().split('\n').slice(2)) expect(f.trim().split(/\s+/).slice(-5)[0], f).toBe('yes');
      expect(tool('pdfinfo', [pdf])).toMatch(/Tagged:\s+yes/);
    }
    const manual = TEST_CATALOG.requirements.filter((r) => r.coverage === 'manual').length;
    expect(built.false.text.split("Assessor's notes (this requirement").length - 1).toBe(manual);
    expect(built.false.text).not.toContain("Assessor's notes pages");
    expect(built.true.text).toContain("Assessor's notes pages");
    expect(built.true.pages).toBeGreaterThan(built.false.pages);
    // The attester's name is as stated, beside the key that sealed it; never "Attested by <name>" as if established.
    const flat = built.false.text.replace(/\s+/g, ' ');
    // (the fingerprint is wrapped where the table column ends)
    expect(flat).toMatch(/Sealed 2026-04-20 by Jane Doe \(CISO\) \(stated\) \u2014 sealed with local key [0-9a-f ]{64,66}, no AWS identity: "Daily log reviews performed; records attached"/);
    expect(flat).not.toContain('Attested by Jane Doe');
    // The exception approved by "CISO" is matched by the stated name only: no attestation states "CISO" alone.
    expect(flat).toContain('NOT SEALED');
  }, 240_000);
});
