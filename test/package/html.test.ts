import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario, ACCOUNTS } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('index.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-html-'));
    const { signer, exceptions } = await richScenario(store, join(tmp, 'review.txt'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate, organization: 'Acme Payments', exceptions, htmlBodyBudget: 2000 });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('navigates requirement -> evidence from disk with no network', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);

    // Filter to failing requirements: only 1.1 fails (account 2 at the end of the period).
    await page.selectOption('#f-status', 'fail');
    const listed = await page.locator('nav a[data-req]').evaluateAll((as) => as.map((a) => a.getAttribute('data-req')));
    expect(listed).toEqual(['1.1']);

    await page.click('nav a[data-req="1.1"]');
    await expect.poll(() => page.locator('#detail h2').textContent()).toContain('Buckets are encrypted at rest');
    // With the status filter on, only the failing account is shown.
    const accounts = await page.locator('#detail .acct').evaluateAll((els) => els.map((e) => e.getAttribute('data-account')));
    expect(accounts).toEqual([ACCOUNTS[1]]);
    expect(await page.locator('#detail').textContent()).toContain('Exception: compensating-control');

    // Open an evidence record: the first is embedded (within the budget) and shown pretty-printed.
    await page.locator('#detail button.ev').first().click();
    await expect.poll(() => page.locator('#viewer').isVisible()).toBe(true);
    const json = (await page.locator('#viewer-body').textContent()) ?? '';
    expect(json).toContain('"schema": "evidence-locker/evidence@1"');
    expect(json).toContain('"queryId": "test.bucket-encryption"');
    await page.screenshot({ path: join(dir, '..', 'index-evidence.png') });
    await page.click('#viewer-close');

    // Filter by account and status together: account 1 has nothing failing.
    await page.selectOption('#f-account', ACCOUNTS[0]);
    expect(await page.locator('nav a[data-req]').count()).toBe(0);
    await page.selectOption('#f-status', '');
    expect(await page.locator('nav a[data-req]').count()).toBe(3);

    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    await page.close();
  }, 60_000);

  it('shows the package path for records beyond the embedding budget', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'index.html')).href + '#' + encodeURIComponent('test-fw/2.1'));
    await expect.poll(() => page.locator('#detail h2').textContent()).toContain('Audit logging');
    const buttons = page.locator('#detail button.ev');
    const n = await buttons.count();
    let sawPath = false;
    for (let i = 0; i < n && !sawPath; i++) {
      await buttons.nth(i).click();
      const text = (await page.locator('#viewer-body').textContent()) ?? '';
      if (text.includes('not embedded')) {
        expect(text).toMatch(/evidence\/objects\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.json/);
        sawPath = true;
      }
      await page.click('#viewer-close');
    }
    expect(sawPath).toBe(true);
    await page.close();
  }, 60_000);
});
