import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildPackage } from '../../src/package/build.js';
import { STATUS_ORDER } from '../../src/package/pdf.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario, ACCOUNTS } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('index.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let shots: string;
  let url: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-html-'));
    const { signer, exceptions } = await richScenario(store, join(tmp, 'review.txt'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, organization: 'Acme Payments', exceptions, htmlBodyBudget: 2000 });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    url = pathToFileURL(join(dir, 'index.html')).href;
    shots = join(tmp, 'screenshots');
    mkdirSync(shots);
    console.log(`screenshots of every view: ${shots}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** A page that records every request and script error; the tests assert both stay clean. */
  async function open(fragment = ''): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url + fragment);
    return { page, requests, errors };
  }

  const view = (page: Page) => page.locator('#detail').getAttribute('data-view');

  it('opens on the summary: cover numbers, scope, period, key fingerprint, charts', async () => {
    const { page, requests, errors } = await open();
    await expect.poll(() => view(page)).toBe('summary');
    const text = (await page.locator('#detail').textContent()) ?? '';
    expect(text).toContain('2026-04-01 to 2026-04-30');
    expect(text).toContain(ACCOUNTS[0]);
    // End-of-period counts say so, and the gaps of earlier days (two days without a run) are not hidden behind them.
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { period: { resultsWithGaps: number; resultsExpectingEvidence: number } };
    expect(summary.period.resultsWithGaps).toBeGreaterThan(0);
    expect(text).toMatch(/Failing results\d+ requirement x account result\(s\) at the end of the period \(on any day: see Worst in the period\)/);
    expect(text).toContain(`without the evidence to judge them at the end of the period; ${summary.period.resultsWithGaps} of ${summary.period.resultsExpectingEvidence} miss evidence on some day of the period;`);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(await page.locator('#key-fingerprint').textContent()).toBe(manifest.signing?.keyFingerprint ?? (await page.locator('#key-fingerprint').textContent()));
    expect(await page.locator('#key-fingerprint').textContent()).toMatch(/^[0-9a-f]{64}$/);
    // One card per status, numbers adding up to every requirement x account row.
    const cards = await page.locator('.card .n').allTextContents();
    expect(cards.length).toBe(STATUS_ORDER.length);
    const rows: number = await page.evaluate('JSON.parse(document.getElementById("package-data").textContent).rows.length');
    expect(rows).toBeGreaterThanOrEqual(TEST_CATALOG.requirements.length * ACCOUNTS.length);
    expect(cards.map(Number).reduce((a, b) => a + b, 0)).toBe(rows);
    for (const c of ['over-time-test-fw', 'findings-age', 'coverage-test-fw']) expect(await page.locator(`figure[data-chart="${c}"] svg rect`).count(), c).toBeGreaterThan(0);
    // Not simulated: no band.
    expect(await page.locator('#simulated').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'summary.png') });
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    await page.close();
  }, 240_000);

  for (const [fragment, heading, expected] of [
    ['#summary', 'Summary', 'Results at the end of the period'],
    ['#findings', 'Findings register', 'one per in-scope resource and failing check'],
    ['#gaps', 'Gaps and collection errors', 'Query errors and missing evidence by requirement'],
    ['#exceptions', 'Exceptions register', 'NOT SEALED: approval not sealed: run `evidence-locker attest'],
    ['#method', 'Method and chain of custody', 'sh verify.sh --key <fingerprint>'],
  ] as const) {
    it(`${fragment} opens its view`, async () => {
      const { page, errors } = await open(fragment);
      await expect.poll(() => view(page)).toBe(fragment.slice(1));
      expect(await page.locator('#detail h2').first().textContent()).toBe(heading);
      expect(await page.locator('#detail').textContent()).toContain(expected);
      expect(await page.locator(`#views a.on`).getAttribute('data-view')).toBe(fragment.slice(1));
      await page.screenshot({ path: join(shots, `${fragment.slice(1)}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }, 240_000);
  }

  it('#method says where the runs collected, that secret values were replaced, and what the signatures do not show', async () => {
    const { page, errors } = await open('#method');
    await expect.poll(() => view(page)).toBe('method');
    const text = (await page.locator('#detail').textContent()) ?? '';
    expect(text).not.toContain('in every account and region in scope');
    expect(text).not.toContain('verbatim');
    expect(text).toContain('in each account it reached and each region it was set to collect (Scope: regions names any enabled region no run collected)');
    expect(text).toContain('as returned except for secret values replaced before sealing');
    expect(await page.locator('#results-not-signed').textContent()).toMatch(/they do not show that its results .* follow from the evidence: .* --recompute evaluates the sealed evidence again .* it does not read report\.pdf, index\.html or the OSCAL file/);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('#findings lists failing resources that link to their requirement and evidence', async () => {
    const { page } = await open('#findings');
    // The register first, numbered F-0001 onwards.
    const register = page.locator('#detail .vlist').first().locator('.vrow');
    expect(await register.count()).toBeGreaterThan(0);
    expect(await register.first().textContent()).toMatch(/^F-0001/);
    // Then every failing or to-review result per requirement.
    expect(await page.locator('#detail h2').nth(1).textContent()).toBe('Failing or to-review results per requirement');
    const rows = page.locator('#detail .vlist').last().locator('.vrow');
    expect(await rows.count()).toBeGreaterThan(0);
    const first = rows.first();
    expect(await first.locator('.badge').getAttribute('data-status')).toMatch(/^(fail|needs-review)$/);
    await first.locator('a[href^="#req/"]').click();
    await expect.poll(() => view(page)).toBe('req');
    await page.close();
  }, 240_000);

  it('#req/<framework>/<id> deep link selects, scrolls to and highlights the requirement', async () => {
    const { page, errors } = await open('#req/test-fw/2.1');
    await expect.poll(() => view(page)).toBe('req');
    const h = page.locator('#detail h2');
    expect(await h.textContent()).toContain('Audit logging');
    expect(await h.getAttribute('class')).toContain('hl');
    const sel = page.locator('#list .item.sel');
    expect(await sel.getAttribute('data-req')).toBe('2.1');
    expect(await sel.isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'requirement.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('#evidence/<ref> shows the record, what cites it, and the package path when it is not embedded', async () => {
    const { page } = await open('#req/test-fw/1.1');
    const links = page.locator('#detail a.ev');
    expect(await links.count()).toBeGreaterThan(0);
    const href = (await links.first().getAttribute('href'))!;
    expect(href).toMatch(/^#evidence\/[0-9a-f]{64}$/);
    await links.first().click();
    await expect.poll(() => view(page)).toBe('evidence');
    expect(await page.locator('#detail h2').getAttribute('class')).toContain('hl');
    expect(await page.locator('#detail').textContent()).toContain('Cited by');
    expect(await page.locator('#detail a[href="#req/test-fw/1.1"]').count()).toBeGreaterThan(0);
    const body = (await page.locator('#evidence-body').textContent()) ?? '';
    expect(body.includes('"schema": "evidence-locker/evidence@1"') || body.includes('not embedded')).toBe(true);
    await page.screenshot({ path: join(shots, 'evidence.png') });
    // Some record is beyond the 2,000-byte embedding budget: its view names the path in the package.
    const d = JSON.parse((await page.locator('#package-data').textContent())!);
    const all = new Set<string>();
    for (const r of d.rows) for (const e of r.evidence) all.add(e.sha);
    const shas = [...all].filter((s) => !(s in d.bodies));
    expect(shas.length).toBeGreaterThan(0);
    await page.goto(url + '#evidence/' + shas[0]);
    expect(await page.locator('#evidence-body').textContent()).toMatch(/not embedded[\s\S]*evidence\/objects\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.json/);
    await page.close();
  }, 240_000);

  it('back and forward move between views; unknown fragments say so', async () => {
    const { page } = await open('#summary');
    await page.click('#views a[data-view="findings"]');
    await expect.poll(() => view(page)).toBe('findings');
    await page.click('#list a.item[data-req="1.1"]');
    await expect.poll(() => view(page)).toBe('req');
    await page.goBack();
    await expect.poll(() => view(page)).toBe('findings');
    await page.goBack();
    await expect.poll(() => view(page)).toBe('summary');
    await page.goForward();
    await expect.poll(() => view(page)).toBe('findings');
    await page.goForward();
    await expect.poll(() => page.locator('#detail h2').first().textContent()).toContain('1.1');
    await page.goto(url + '#req/test-fw/99.9');
    expect(await page.locator('#detail').textContent()).toContain('No requirement 99.9');
    await page.close();
  }, 240_000);

  it('search filters requirements; status and account filters combine', async () => {
    const { page } = await open();
    await page.fill('#f-text', 'audit');
    expect(await page.locator('#list a.item').evaluateAll((as) => as.map((a) => a.getAttribute('data-req')))).toEqual(['2.1']);
    await page.fill('#f-text', '');
    await page.selectOption('#f-status', 'fail');
    expect(await page.locator('#list a.item').evaluateAll((as) => as.map((a) => a.getAttribute('data-req')))).toEqual(['1.1']);
    await page.click('#list a.item[data-req="1.1"]');
    // With the status filter on, only the failing account is shown.
    expect(await page.locator('#detail .acct').evaluateAll((els) => els.map((e) => e.getAttribute('data-account')))).toEqual([ACCOUNTS[1]]);
    expect(await page.locator('#detail').textContent()).toContain('Exception: compensating-control');
    await page.selectOption('#f-account', ACCOUNTS[0]);
    expect(await page.locator('#list a.item').count()).toBe(0);
    await page.selectOption('#f-status', '');
    expect(await page.locator('#list a.item').count()).toBe(TEST_CATALOG.requirements.length);
    await page.screenshot({ path: join(shots, 'filtered.png') });
    await page.close();
  }, 240_000);

  it('keyboard: / focuses search, Enter opens the first match, j and k step through requirements', async () => {
    const { page } = await open();
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement.id')).toBe('f-text');
    await page.keyboard.type('audit');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#detail h2').first().textContent()).toContain('2.1');
    await page.keyboard.press('Escape');
    await page.fill('#f-text', '');
    await page.locator('#list').focus();
    await page.keyboard.press('k');
    // The URL reaches the test after the page changed it: polled.
    await expect.poll(() => page.url()).toMatch(/#req\/test-fw\/1\.1$/);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect.poll(() => page.url()).toMatch(/#req\/test-fw\/2\.2$/);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.locator('#detail h2').first().textContent()).toContain('2.1');
    await page.close();
  }, 240_000);

  it('stays offline: a CSP that forbids network access, and no request leaves the file', async () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(html).not.toMatch(/<(link|img|script)[^>]+(src|href)="https?:/);
    const { page, requests } = await open('#summary');
    // A script that tries the network is refused by the policy.
    const blocked = await page.evaluate(async () => {
      try {
        await fetch('https://example.com/');
        return false;
      } catch {
        return true;
      }
    });
    expect(blocked).toBe(true);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 240_000);

  it('shows the simulated band when the package data says so', async () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const m = /(<script id="package-data" type="application\/json">)([\s\S]*?)(<\/script>)/.exec(html)!;
    const data = JSON.parse(m[2]);
    data.simulated = true;
    const band = '<div id="simulated" role="alert">SIMULATED \u2014 NOT EVIDENCE</div>';
    const file = join(dir, 'simulated.html');
    writeFileSync(file, html.replace(m[0], m[1] + JSON.stringify(data).replace(/</g, '\\u003c') + m[3]).replace('<header>', band + '<header>'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator('#simulated').textContent()).toContain('SIMULATED \u2014 NOT EVIDENCE');
    expect(await page.locator('#detail').textContent()).toContain('not evidence about any organisation');
    await page.close();
  }, 240_000);

  it('100,000 findings and evidence records: views render with bounded DOM (virtualised lists)', async () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const m = /(<script id="package-data" type="application\/json">)([\s\S]*?)(<\/script>)/.exec(html)!;
    const data = JSON.parse(m[2]);
    // 1,000 accounts x every requirement, 100 failing resources and 100 records on each automated row: 100k+ each.
    const template = data.rows.filter((r: { status: string }) => r.status === 'fail')[0];
    const sha = template.evidence[0].sha;
    const accounts = Array.from({ length: 1000 }, (_, i) => String(300000000000 + i));
    data.accounts = accounts;
    data.rows = [];
    for (const a of accounts)
      for (const req of data.frameworks[0].requirements) {
        const automated = req.coverage !== 'manual';
        data.rows.push({
          ...template,
          req: req.id,
          account: a,
          findings: automated ? Array.from({ length: 100 }, (_, i) => ({ s: 'fail', r: `arn:aws:s3:::bucket-${a}-${i}`, t: 'AWS::S3::Bucket', q: 'test.bucket-encryption', g: 'us-east-1', why: 'not encrypted', sha })) : [],
          evidence: automated ? Array.from({ length: 100 }, (_, i) => ({ run: 'r', id: `rec-${i}`, q: 'test.bucket-encryption', g: 'us-east-1', at: '2026-04-30T00:00:00Z', sha: (i.toString(16) + a).padEnd(64, '0'), st: 'ok' })) : [],
        });
      }
    const nFindings = data.rows.reduce((n: number, r: { findings: unknown[] }) => n + r.findings.length, 0);
    const nEvidence = data.rows.reduce((n: number, r: { evidence: unknown[] }) => n + r.evidence.length, 0);
    expect(nFindings).toBeGreaterThanOrEqual(100_000);
    expect(nEvidence).toBeGreaterThanOrEqual(100_000);
    const file = join(dir, 'large.html');
    writeFileSync(file, html.replace(m[0], m[1] + JSON.stringify(data).replace(/</g, '\\u003c') + m[3]));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href + '#findings', { timeout: 120_000 });
    expect(await page.locator('#detail .vlist').last().getAttribute('aria-rowcount')).toBe(String(nFindings));
    const nodes = () => page.evaluate<number>('document.getElementsByTagName("*").length');
    expect(await nodes()).toBeLessThan(5000);
    // Scrolling to the end draws the last rows, still with a bounded DOM.
    await page.locator('#detail .vlist').last().evaluate((b) => {
      b.scrollTop = b.scrollHeight;
      b.dispatchEvent(new Event('scroll'));
    });
    expect(await page.locator(`#detail .vrow[data-index="${nFindings - 1}"]`).count()).toBe(1);
    expect(await nodes()).toBeLessThan(5000);
    await page.goto(pathToFileURL(file).href + '#req/test-fw/1.1', { timeout: 120_000 });
    expect(await page.locator('#detail .acct').count()).toBe(50);
    expect(await page.locator('#more-accounts').textContent()).toContain('950 remaining');
    await page.goto(pathToFileURL(file).href + '#evidence/' + data.rows[0].evidence[99].sha, { timeout: 120_000 });
    await expect.poll(() => page.locator('#detail h2').first().textContent()).toContain('Evidence record');
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
