/**
 * A run that proves no day (its signed span is over the limit: back-dated) keeps its place in the package and its
 * chain, but it proves no region collected and no CloudTrail interval searched either: a holder of kms:Sign cannot
 * fill an unsearched interval, or make a never-collected region "collected", with a run written after the fact.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../src/package/build.js';
import { PackageManifestSchema } from '../../src/package/manifest.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { EvidenceBody, ManifestRecord } from '../../src/evidence/record.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { recomputePackageDir } from '../../src/verify/recompute.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore } from '../package/fixtures.js';
import { SUMMARY_REVISION } from '../../src/package/assessor.js';

const ACCT = '111111111111';
const HOUR = 3_600_000;

const catalog = CatalogSchema.parse({
  framework: 'test-events',
  name: 'Event review test framework',
  version: '1.0',
  publisher: 'Evidence Locker tests',
  principals: [{ id: '10', title: 'Log and monitor' }],
  requirements: [
    {
      id: '10.1',
      title: 'Sensitive changes are reviewed',
      principal: '10',
      testingProcedures: ['Examine the review of sensitive events.'],
      coverage: 'automated',
      rationale: 'The sensitive-activity search lists every sensitive event for review.',
      queries: ['cloudtrail.sensitive-activity'],
    },
  ],
});

async function put(store: MemoryStore, body: EvidenceBody, collectedAt: string): Promise<ManifestRecord> {
  const bytes = canonicalBytes(body);
  const sha = sha256Hex(bytes);
  await store.putObject(sha, bytes);
  return { recordId: `${body.queryId}/${body.accountId}/${body.region}`, queryId: body.queryId, accountId: body.accountId, region: body.region, status: 'ok', collectedAt, sha256: sha, size: bytes.length };
}

const search = (region: string, from: number, to: string): EvidenceBody => ({
  schema: 'evidence-locker/evidence@1',
  queryId: 'cloudtrail.sensitive-activity',
  accountId: ACCT,
  region,
  status: 'ok',
  operations: ['cloudtrail:LookupEvents'],
  requests: [{ operation: 'LookupEvents', input: {} }],
  data: { startTime: new Date(from).toISOString(), endTime: to, lookups: [{ eventName: 'StopLogging', events: [] }] },
  sdkVersion: 'aws-sdk-js-v3/test',
});

const enabled: EvidenceBody = {
  schema: 'evidence-locker/evidence@1',
  queryId: 'account.enabled-regions',
  accountId: ACCT,
  region: 'global',
  status: 'ok',
  operations: ['account:ListRegions'],
  requests: [{ operation: 'ListRegions', input: {} }],
  data: { regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED' }] },
  sdkVersion: 'aws-sdk-js-v3/test',
};

/**
 * The collector ran on 1 and 3 March, in us-east-1 only, each search reaching 25 h back: 1 March 06:00 to 2 March
 * 05:00 was searched by no run, and eu-west-1 (enabled) was never collected. The insider seals, with the collector's
 * key, a run "of 2 March 06:00" that completed on 10 April: its search covers the hole, its records name eu-west-1.
 */
async function scene() {
  const store = new MemoryStore();
  const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  let n = 0;
  const seal = async (at: string, completedAt: string, regions: string[], lookback: number, shard?: { index: number; count: number; slot: string }) => {
    const now = Date.parse(at);
    const records = [await put(store, enabled, at), ...(await Promise.all(regions.map((r) => put(store, search(r, now - lookback, at), at))))];
    n++;
    await sealRun(store, signer, {
      runId: `${at.slice(0, 10).replace(/-/g, '')}T${at.slice(11, 13)}0000Z-00000${n}`,
      kind: 'collection',
      chain: shard ? `shard-${shard.index}-of-${shard.count}` : 'default',
      ...(shard ? { shard } : {}),
      startedAt: new Date(at),
      completedAt: new Date(completedAt),
      scope: { accounts: [ACCT], regions, frameworks: ['test-events'], queries: ['account.enabled-regions', 'cloudtrail.sensitive-activity'] },
      records,
    });
  };
  await seal('2026-03-01T06:00:00.000Z', '2026-03-01T06:01:00.000Z', ['us-east-1'], 25 * HOUR);
  await seal('2026-03-03T06:00:00.000Z', '2026-03-03T06:01:00.000Z', ['us-east-1'], 25 * HOUR);
  await seal('2026-03-02T06:00:00.000Z', '2026-04-10T06:00:00.000Z', ['us-east-1', 'eu-west-1'], 26 * HOUR, { index: 1, count: 2, slot: 'a' });
  const built = await buildPackage({ store, signer, catalogs: [catalog], frameworks: ['test-events'], from: '2026-03-01', to: '2026-03-03', outDir: mkdtempSync(join(tmpdir(), 'el-uncredited-out-')), builtAt: new Date('2026-04-11T00:00:00.000Z'), procedureMaps: [] });
  const dir = mkdtempSync(join(tmpdir(), 'el-uncredited-pkg-'));
  await extractPackageZip(built.zipPath, dir);
  return { built, dir, fp: await signer.fingerprint() };
}

type Summary = {
  summaryRevision: number;
  period: { runsNotCredited?: { runId: string; day: string }[] };
  regions: { accountId: string; enabled: string[]; collected: string[]; uncollected: { region: string }[] }[];
  eventSearches: { pairs: number; unsearched: { accountId: string; region: string; from: string; to: string }[] };
};

describe('a run that proves no day covers no region and no event interval', () => {
  let dir: string;
  let fp: string;
  let summary: Summary;
  beforeAll(async () => {
    ({ dir, fp } = await scene());
    summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  }, 120_000);

  it('was: the back-dated run made eu-west-1 "collected" and its search closed the hole; now eu-west-1 is enabled but never collected and the hole is named', () => {
    expect(summary.summaryRevision).toBe(SUMMARY_REVISION);
    expect(summary.period.runsNotCredited?.map((r) => r.day)).toEqual(['2026-03-02']);
    expect(summary.regions).toEqual([expect.objectContaining({ accountId: ACCT, enabled: ['eu-west-1', 'us-east-1'], collected: ['us-east-1'], uncollected: [expect.objectContaining({ region: 'eu-west-1' })] })]);
    expect(summary.eventSearches.pairs).toBe(1);
    expect(summary.eventSearches.unsearched).toEqual([expect.objectContaining({ accountId: ACCT, region: 'us-east-1', from: '2026-03-01T06:00:00.000Z', to: '2026-03-02T05:00:00.000Z' })]);
  });

  it('every view says so: index.html and OSCAL name the region never collected and the interval searched by no run', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('ENABLED BUT NEVER COLLECTED in the period, in scope for test-events: eu-west-1');
    expect(html).toContain('1 interval(s) of');
    expect(html).toContain('nor does a run that proves no collection on the day it claims');
    const oscal = readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8');
    expect(oscal).toContain('ENABLED BUT NEVER COLLECTED in the period, in scope for test-events: eu-west-1');
  });

  it('verify --recompute reproduces it; a package of revision 4 is recomputed as its build counted (the back-dated run covering), and says so', async () => {
    const v = await verifyPackageDir(dir, { expectedKeys: [fp], recompute: {} });
    // The insider's run stands alone in a shard chain: named as a warning (missing shard, span), never a difference.
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.recompute?.ran).toBe(true);
    const manifest = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    // Recomputed as of revision 4 (the package's summary says 4): the regions and windows of the run that proves no day count.
    const summaryPath = join(dir, 'summary.json');
    const saved = readFileSync(summaryPath);
    writeFileSync(summaryPath, JSON.stringify({ ...summary, summaryRevision: 4 }, null, 1) + '\n');
    try {
      const old = await recomputePackageDir(dir, manifest);
      expect(old.notes).toContainEqual(expect.stringMatching(/^summary\.json is of revision 4, before 5: its regions collected and event searches count the 1 run\(s\) that prove no day/));
      expect(old.problems.some((p) => p.path === 'summary.json' && /^regions is .*"collected":\["us-east-1"\].* in the package, .*"collected":\["eu-west-1","us-east-1"\]/.test(p.message))).toBe(true);
      expect(old.problems.some((p) => p.path === 'summary.json' && /eventSearches\.pairs is 1 in the package, 2 recomputed/.test(p.message))).toBe(true);
    } finally {
      writeFileSync(summaryPath, saved);
    }
  }, 120_000);
});
