import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { ConfigSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runBackfill } from '../../src/backfill/run.js';
import { runCollection } from '../../src/collect/run.js';
import { buildPackage } from '../../src/package/build.js';
import { STATUS_ORDER } from '../../src/package/pdf.js';
import { verifyPackage } from '../../src/verify/package.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { DEMO_ACCOUNT_ID, DEMO_REGIONS } from '../../src/simulator/worlds/demo.js';
import { demoWorldWithHistory } from '../../src/simulator/worlds/demo-aws-history.js';

const log = createLogger({ level: 'silent' });
const catalogs = loadCatalogs([]);
const DAY = 86_400_000;
const NOW = new Date();
const TODAY = NOW.toISOString().slice(0, 10);
const dayBefore = (k: number) => new Date(NOW.getTime() - k * DAY).toISOString().slice(0, 10);
const CHROMIUM = '/usr/bin/chromium';
const savedEnv = { ...process.env };
let sim: SimulatedAws;

interface Unpacked {
  dir: string;
  file: (name: string) => string;
  csv: (name: string) => Record<string, string>[];
  data: { days: string[]; rows: { fw: string; req: string; account: string; daily: number[] }[]; rebuilt: { byAccount: Record<string, number[]>; sentence: string } };
  oscal: { 'assessment-results': { results: { observations: { title: string; props: { name: string; value: string }[]; remarks?: string }[] }[] } };
  pdfText: string;
}

/** A simple CSV reader for the package's own files (RFC 4180 quoting, CRLF lines). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

async function unpack(zipPath: string): Promise<Unpacked> {
  const dir = mkdtempSync(join(tmpdir(), 'el-backfill-pkg-'));
  await extractPackageZip(zipPath, dir);
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');
  const html = file('index.html');
  const json = /<script id="package-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1];
  return {
    dir,
    file,
    csv: (name) => parseCsv(file(name)),
    data: JSON.parse(json) as Unpacked['data'],
    oscal: JSON.parse(file('oscal/assessment-results.json')) as Unpacked['oscal'],
    pdfText: execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'el-backfill-pkgs-'));
const config = ConfigSchema.parse({
  regions: { list: [...DEMO_REGIONS], home: 'us-east-1' },
  store: { kind: 'local', path: join(dir, 'store') },
  stateDir: join(dir, 'state'),
  collect: { maxAttempts: 3, requestTimeoutMs: 5000 },
});
const store = new LocalEvidenceStore(join(dir, 'store'));
const signer = LocalEd25519Signer.open(join(dir, 'keys'));
const pkg = (from: string, to: string, name: string) =>
  buildPackage({ store, signer, catalogs, frameworks: ['hipaa-security'], from, to, outDir: join(dir, 'out'), fileName: `${name}.zip`, organization: 'Backfill Test', simulated: true, log });
let mixed: Unpacked;
let rebuiltOnly: Unpacked;
let collectedOnly: Unpacked;

beforeAll(async () => {
  sim = await startSimulatedAws({ world: demoWorldWithHistory(6, NOW) });
  Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
  // Three days rebuilt afterwards, and today collected on the day.
  await runBackfill({ config, catalogs, store, signer, log, from: dayBefore(3), to: dayBefore(1), simulated: true });
  await runCollection({ config, catalogs, store, signer, log, simulated: true });
  const built = [await pkg(dayBefore(3), TODAY, 'mixed'), await pkg(dayBefore(3), dayBefore(1), 'rebuilt'), await pkg(TODAY, TODAY, 'collected')];
  for (const b of built) {
    const v = await verifyPackage(b.zipPath);
    expect(v.problems).toEqual([]);
  }
  [mixed, rebuiltOnly, collectedOnly] = await Promise.all(built.map((b) => unpack(b.zipPath)));
}, 300_000);
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim.close();
});

describe('a package over rebuilt and collected days shows them apart', () => {
  it('verify --store accepts the backfill chain beside the collection chain, every link and record', async () => {
    const report = await verifyStoredRuns(store, { from: new Date(`${TODAY}T00:00:00Z`), to: new Date(`${TODAY}T23:59:59.999Z`) }, { trust: trustPolicy([await signer.fingerprint()]) });
    expect(report.problems).toEqual([]);
    expect(report.foreign).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.runs).toHaveLength(4);
  });

  it('CSV: evidence-index.csv says reconstructed (with the day it is about) or collected; controls.csv counts rebuilt days', () => {
    const rows = mixed.csv('evidence-index.csv');
    const rebuilt = rows.filter((r) => r.evidence_kind === 'reconstructed');
    const collected = rows.filter((r) => r.evidence_kind === 'collected');
    expect(new Set(rebuilt.map((r) => r.as_of))).toEqual(new Set([dayBefore(3), dayBefore(2), dayBefore(1)]));
    // Sealed today, about an earlier day: both are in the row.
    expect(rebuilt.every((r) => r.collected_at.startsWith(TODAY) && r.run.includes('-backfill-'))).toBe(true);
    expect(collected.length).toBeGreaterThan(0);
    expect(collected.every((r) => r.as_of === TODAY && !r.run.includes('-backfill-'))).toBe(true);
    expect(new Set(mixed.csv('controls.csv').map((r) => r.reconstructed_days))).toEqual(new Set(['3']));
    expect(new Set(collectedOnly.csv('controls.csv').map((r) => r.reconstructed_days))).toEqual(new Set(['0']));
  });

  it('OSCAL: observations carry evidence-kind (reconstructed or collected) and the count of rebuilt days, with the sentence', () => {
    const props = (u: Unpacked, title: string) => u.oscal['assessment-results'].results[0].observations.find((o) => o.title === title)!;
    const title = `164.308(a)(5)(ii)(D) in account ${DEMO_ACCOUNT_ID}`;
    const kind = (u: Unpacked) => props(u, title).props.find((p) => p.name === 'evidence-kind')?.value;
    expect(kind(rebuiltOnly)).toBe('reconstructed');
    expect(kind(collectedOnly)).toBe('collected');
    expect(kind(mixed)).toBe('collected');
    expect(props(mixed, title).props.find((p) => p.name === 'reconstructed-days')?.value).toBe('3');
    expect(props(collectedOnly, title).props.some((p) => p.name === 'reconstructed-days')).toBe(false);
    expect(props(rebuiltOnly, title).remarks).toMatch(/rebuilt on .* from what AWS kept .* not a snapshot taken that day/);
  });

  it('PDF: a cover band, the chart note and a gaps subsection name the rebuilt days and every query not rebuilt', () => {
    const flat = (t: string) => t.replace(/\s+/g, ' ');
    expect(flat(mixed.pdfText)).toContain('3 DAY(S) REBUILT, NOT COLLECTED Not collected on the day: rebuilt on');
    expect(flat(mixed.pdfText)).toMatch(/Washed-out days underlined in violet \(3\)/);
    expect(flat(mixed.pdfText)).toContain('Days rebuilt from AWS history');
    expect(flat(mixed.pdfText)).toMatch(/iam\.password-policy AWS Config does not record the account password policy/);
    expect(flat(collectedOnly.pdfText)).not.toContain('REBUILT, NOT COLLECTED');
    expect(flat(collectedOnly.pdfText)).toContain('None: the evidence of every day in this package was collected on that day.');
  });

  it('a query with no history source is a gap on every rebuilt day, never a pass', () => {
    const row = (fw: string, req: string) => mixed.data.rows.find((r) => r.fw === fw && r.req === req && r.account === DEMO_ACCOUNT_ID)!;
    const status = (r: { daily: number[] }, day: string) => STATUS_ORDER[r.daily[mixed.data.days.indexOf(day)]];
    // 164.308(a)(5)(ii)(D) rests on iam.password-policy only: AWS keeps no history of it.
    const password = row('hipaa-security', '164.308(a)(5)(ii)(D)');
    for (const k of [3, 2, 1]) expect(status(password, dayBefore(k))).toBe('not-collected');
    expect(status(password, TODAY)).not.toBe('not-collected');
    expect(STATUS_ORDER.indexOf('not-collected')).toBeGreaterThanOrEqual(0);
    expect(mixed.data.rebuilt.byAccount[DEMO_ACCOUNT_ID].map((i) => mixed.data.days[i])).toEqual([dayBefore(3), dayBefore(2), dayBefore(1)]);
    expect(mixed.data.rebuilt.sentence).toMatch(/Not rebuilt, so a gap on each of those days, never a pass: \d+ queries \(.*iam\.password-policy/);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('index.html in headless Chromium: rebuilt days are shaded apart', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the summary states the rebuilt days; a requirement strip shades exactly those days, lighter and hatched', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(mixed.dir, 'index.html')).href);
    expect(await page.locator('#rebuilt-days').textContent()).toMatch(/^3 day\(s\) .* were not collected on the day/);
    await page.goto(pathToFileURL(join(mixed.dir, 'index.html')).href + '#req/hipaa-security/' + encodeURIComponent('164.312(b)'));
    const strip = page.locator(`.acct[data-account="${DEMO_ACCOUNT_ID}"] .strip`).first();
    await expect.poll(() => strip.locator('span').count()).toBe(4);
    expect(await strip.locator('span.rebuilt').evaluateAll((s) => s.map((x) => x.getAttribute('data-rebuilt')))).toEqual([dayBefore(3), dayBefore(2), dayBefore(1)]);
    const opacity = (sel: string) => strip.locator(sel).first().evaluate((x) => (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(x).opacity);
    expect(await opacity('span.rebuilt')).toBe('0.5');
    expect(await opacity('span:not(.rebuilt)')).toBe('1');
    expect(await page.locator('.rebuilt-note').first().textContent()).toMatch(/Lighter, hatched days \(3\)/);
    const other = await browser.newPage();
    await other.goto(pathToFileURL(join(collectedOnly.dir, 'index.html')).href);
    expect(await other.locator('#rebuilt-days').textContent()).toBe('none: the evidence of every day was collected on that day');
  });
});
