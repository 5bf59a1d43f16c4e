/**
 * Smoke tests of the benchmark code: the lower-bound arithmetic, the table, the options, and one quick run of
 * the compiled bench (tiny sizes). No timing is asserted: only that every section ran and reported.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { collectionLowerBound } from '../../bench/collection.js';
import { formatRows, markdownTable, resultOf, type BenchRow } from '../../bench/table.js';
import { parseBenchArgs, type BenchResults } from '../../bench/run.js';
import { quietCron } from '../../bench/daemon.js';
import { REQUEST_QUOTAS } from '../../src/aws/quotas.js';
import { DELEGATED_SOURCES } from '../../src/queries/delegated/index.js';
import { BUILD_TIMEOUT_MS, CHILD_TESTS_TIMEOUT_MS, buildCli } from '../crash/child.js';

const run = promisify(execFile);

describe('collection lower bound', () => {
  it('takes the longest rate-limited chain when it exceeds the latency bound', () => {
    const b = collectionLowerBound({
      rateLimitedCalls: { 'cloudtrail:LookupEvents': { maxPerAccountRegion: 16, total: 64, accountRegions: 4 } },
      limits: { 'cloudtrail:LookupEvents': 2 },
      calls: 100,
      meanLatencyMs: 50,
      concurrency: 10,
    });
    // 2 calls at once from the full bucket, 14 more at 2/s = 7 s, plus one call's 50 ms.
    expect(b.rateBounds).toEqual([{ action: 'cloudtrail:LookupEvents', callsPerAccountRegion: 16, ratePerSecond: 2, burst: 2, seconds: 7.05 }]);
    expect(b.latencyBoundSeconds).toBeCloseTo(0.5, 10);
    expect(b.lowerBoundSeconds).toBeCloseTo(7.05, 10);
    expect(b.binding).toBe('rate limit');
  });

  it('takes calls x latency / concurrency when that is larger, and honours an explicit burst', () => {
    const b = collectionLowerBound({
      rateLimitedCalls: { 'cloudtrail:LookupEvents': { maxPerAccountRegion: 16, total: 6400, accountRegions: 400 } },
      limits: { 'cloudtrail:LookupEvents': { ratePerSecond: 2, burst: 1 } },
      calls: 20_000,
      meanLatencyMs: 55,
      concurrency: 16,
    });
    expect(b.rateBounds[0].seconds).toBeCloseTo(7.5 + 0.055, 10);
    expect(b.latencyBoundSeconds).toBeCloseTo(68.75, 10);
    expect(b.binding).toBe('latency x calls / concurrency');
  });

  it('ignores actions the simulator does not limit', () => {
    const b = collectionLowerBound({ rateLimitedCalls: { 'x:Y': { maxPerAccountRegion: 99, total: 99, accountRegions: 1 } }, limits: {}, calls: 10, meanLatencyMs: 100, concurrency: 1 });
    expect(b.rateBounds).toEqual([]);
    expect(b.lowerBoundSeconds).toBeCloseTo(1, 10);
  });
});

describe('bench table', () => {
  const rows: BenchRow[] = [
    { metric: 'wall time', measured: '9.0 s', baseline: '8.0 s (lower bound)', ratio: '1.13', target: '<= 1.25', pass: true, note: 'how the bound was derived' },
    { metric: 'store | records/s', measured: 'skipped: run scripts/integration-env.sh', baseline: '', ratio: '', target: '>= 0.8' },
    { metric: 'rss', measured: '600 MB', baseline: '', ratio: '', target: '< 512 MB', pass: false },
    { metric: 'records/s', measured: '100 records/s', baseline: '', ratio: '', target: '' },
  ];

  it('says pass, FAIL, skipped or - for each row', () => {
    expect(rows.map(resultOf)).toEqual(['pass', 'skipped', 'FAIL', '-']);
  });

  it('prints aligned columns with numbered notes', () => {
    const text = formatRows(rows).split('\n');
    expect(text[0]).toMatch(/^metric\s+measured\s+baseline\s+ratio\s+target\s+result$/);
    expect(text[2]).toContain('wall time [1]');
    expect(text.at(-1)).toBe('[1] how the bound was derived');
    const resultColumn = text[0].indexOf('result');
    expect(text.slice(2, 6).map((l) => l.slice(resultColumn))).toEqual(['pass', 'skipped', 'FAIL', '-']);
  });

  it('escapes pipes in the Markdown table', () => {
    const md = markdownTable(rows);
    expect(md).toContain('| store \\| records/s |');
    expect(md.split('\n')[1]).toBe('| --- | --- | --- | ---: | --- | --- |');
  });
});

describe('bench options', () => {
  it('parses --quick, --out and --only', () => {
    expect(parseBenchArgs(['--quick', '--out', 'r.json', '--only', 'collection,daemon'])).toEqual({ quick: true, out: 'r.json', only: ['collection', 'daemon'], modes: ['per-account', 'delegated-admin'] });
    expect(parseBenchArgs(['--accounts', '1000', '--modes', 'delegated-admin'])).toMatchObject({ accounts: [1000], modes: ['delegated-admin'] });
    expect(parseBenchArgs(['--node', '/opt/node24/bin/node']).node).toBe('/opt/node24/bin/node');
    expect(() => parseBenchArgs(['--node'])).toThrow(/--node: expected the path/);
    expect(parseBenchArgs([]).only).toEqual(['collection', 'seal', 'store', 'package', 'daemon']);
  });

  it('rejects unknown options and sections with the list of valid ones', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/--quick/);
    expect(() => parseBenchArgs(['--only', 'collection,disk'])).toThrow(/collection, seal, store, package, daemon/);
    expect(() => parseBenchArgs(['--modes', 'per-region'])).toThrow(/--modes: expected a comma-separated list of per-account, delegated-admin, got "per-region"/);
  });

  it('schedules the idle daemon twelve hours away', () => {
    expect(quietCron(new Date('2026-03-01T22:17:00Z'))).toBe('17 10 * * *');
  });
});

describe('npm run bench -- --quick (compiled, tiny sizes)', () => {
  let outDir = '';
  let work = '';
  beforeAll(async () => {
    // A build of its own (shared with the other test files that run the compiled CLI), so a build running elsewhere in
    // the tree cannot swap files under this one.
    outDir = (await buildCli()).outDir;
    work = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  }, BUILD_TIMEOUT_MS);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs every section and writes the results with a row per metric', async () => {
    const out = join(work, 'results.json');
    // The Object Lock server is not part of this test: its row must say how to enable it.
    const env = { ...process.env, INTEGRATION_S3_ENDPOINT: '', INTEGRATION_S3_BUCKET: '' };
    const { stdout } = await run(process.execPath, [join(outDir, 'bench', 'run.js'), '--quick', '--out', out], { cwd: work, env, maxBuffer: 10 * 1024 * 1024 });
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.quick).toBe(true);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.rows.filter((r) => r.measured.startsWith('error:'))).toEqual([]);
    const metrics = results.rows.map((r) => r.metric).join('\n');
    for (const m of ['collection wall time', '[delegated-admin] collection wall time', 'collector CPU per SDK call vs the bare SDK', 'calls made, delegated-admin vs per-account', 'throttling errors surfaced as gaps', 'collector peak RSS', 'seal chain lookup, peak RSS', 'store records/s', 'package build,', 'package build peak RSS', 'period package build,', 'period package build peak RSS', 'verify throughput vs sha256sum', 'daemon idle RSS', 'daemon start-up', 'daemon exit code']) {
      expect(metrics).toContain(m);
    }
    expect(results.rows.find((r) => r.metric.startsWith('store'))?.measured).toMatch(/^skipped: run scripts\/integration-env.sh/);
    const c = results.details.collection;
    expect(c?.accounts).toBe(2);
    expect(c?.records).toBeGreaterThan(0);
    expect(c?.lowerBoundSeconds).toBeGreaterThan(0);
    // The run timed was verified where it is stored: every record, every body re-hashed.
    expect(c?.verified.records).toBe(c?.records);
    expect(c?.verified.runs).toBe(1);
    expect(results.rows.find((r) => r.metric.startsWith('collection wall time'))?.note).toContain(`verify --store: signature, chain link, ${c?.records} records, each record's body re-hashed`);
    // The bare SDK's CPU per call was measured in the collector's process, and the collector spends more.
    expect(c?.bareSdkCpuPerCallMs).toBeGreaterThan(0);
    expect(c!.cpuSeconds / c!.calls * 1000).toBeGreaterThan(c!.bareSdkCpuPerCallMs!);
    // Every quota-limited operation the run called has a chain; each one is in the quota table.
    const actions = c?.rateBounds.map((b) => b.action) ?? [];
    expect(actions).toContain('cloudtrail:LookupEvents');
    expect(actions).toContain('iam:GetAccountAuthorizationDetails');
    for (const a of actions) expect(REQUEST_QUOTAS[a], a).toBeDefined();
    // Quick runs search two event names plus ConsoleLogin: three paced calls per account-region.
    expect(c?.rateBounds.find((b) => b.action === 'cloudtrail:LookupEvents')?.callsPerAccountRegion).toBe(3);
    // The delegated-admin run collects the same member records from the same organisation, plus the record of each
    // organisation-wide read it sealed (at most one per delegated source and region; Config's family shares one).
    const d = results.details.collectionDelegatedAdmin;
    expect(d?.mode).toBe('delegated-admin');
    const reads = d!.records - c!.records;
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(DELEGATED_SOURCES.length * d!.regions);
    expect(results.details.daemon?.daemon.exitCode).toBe(0);
    // The seal's chain lookup, both ways, found the same latest run of the chain.
    expect(results.details.seal?.headerOnly.previous).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(results.details.seal?.whole.previous).toBe(results.details.seal?.headerOnly.previous);
    expect(stdout).toMatch(/^metric\s+measured\s+baseline\s+ratio\s+target\s+result$/m);
    // Hang protection only: the quick bench runs every section in child processes, far slower on a loaded machine.
  }, CHILD_TESTS_TIMEOUT_MS);
});
