/**
 * The package joins every run's CloudTrail event-search windows per account and region and names the intervals of the
 * period none covered: the requirements relying on cloudtrail.sensitive-activity are gaps on the days they touch,
 * never a clean pass, and every view says which interval (account, region, from, to).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import type { EvidenceBody, ManifestRecord } from '../../src/evidence/record.js';
import { MemoryStore } from './fixtures.js';
import { csvRows } from './csv-rows.js';

const OVERLAPPING = '111111111111';
const DRIFTING = '222222222222';
/** Searched by the first two runs only (its region dropped from the third). */
const STOPPED = '333333333333';
/** Its last run searched only the hour before it: the latest day is partly unsearched. */
const LATE = '444444444444';
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

/**
 * Three daily runs. The first account's searches start 25 h before each run (24 h look-back plus the 60-minute overlap):
 * contiguous. The second account's start exactly 24 h before (no overlap) and the second run started 40 minutes later than
 * the first: 06:00 to 06:40 on 1 March was searched by no run.
 */
const RUNS = ['2026-03-01T06:00:00.000Z', '2026-03-02T06:40:00.000Z', '2026-03-03T06:10:00.000Z'];

async function seal(store: MemoryStore, signer: LocalEd25519Signer): Promise<void> {
  let n = 0;
  for (const at of RUNS) {
    const now = Date.parse(at);
    const records: ManifestRecord[] = [];
    for (const [acct, lookback] of [[OVERLAPPING, 25 * HOUR], [DRIFTING, 24 * HOUR], ...(n < 2 ? [[STOPPED, 25 * HOUR] as const] : []), [LATE, n === 2 ? HOUR : 25 * HOUR]] as const) {
      const body: EvidenceBody = {
        schema: 'evidence-locker/evidence@1',
        queryId: 'cloudtrail.sensitive-activity',
        accountId: acct,
        region: 'us-east-1',
        status: 'ok',
        operations: ['cloudtrail:LookupEvents'],
        requests: [{ operation: 'LookupEvents', input: {} }],
        data: { startTime: new Date(now - lookback).toISOString(), endTime: at, lookups: [{ eventName: 'StopLogging', events: [] }, { eventName: 'ConsoleLogin', events: [] }] },
        sdkVersion: 'aws-sdk-js-v3/test',
      };
      const bytes = canonicalBytes(body);
      const sha = sha256Hex(bytes);
      await store.putObject(sha, bytes);
      records.push({ recordId: `cloudtrail.sensitive-activity/${acct}/us-east-1`, queryId: 'cloudtrail.sensitive-activity', accountId: acct, region: 'us-east-1', status: 'ok', collectedAt: at, sha256: sha, size: bytes.length });
    }
    n++;
    await sealRun(store, signer, {
      runId: `${at.slice(0, 10).replace(/-/g, '')}T${at.slice(11, 13)}0000Z-00000${n}`,
      kind: 'collection',
      chain: 'default',
      startedAt: new Date(at),
      completedAt: new Date(now + 60_000),
      scope: { accounts: [OVERLAPPING, DRIFTING, STOPPED, LATE], regions: ['us-east-1'], frameworks: ['test-events'], queries: ['cloudtrail.sensitive-activity'] },
      records,
    });
  }
}

async function build(store: MemoryStore, signer: LocalEd25519Signer, builtAt: string, name: string): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), `el-event-cov-${name}-`));
  const pkg = await buildPackage({ store, signer, catalogs: [catalog], frameworks: ['test-events'], from: '2026-03-01', to: '2026-03-03', outDir: join(tmp, 'out'), builtAt: new Date(builtAt), procedureMaps: [] });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  return dir;
}

const controls = (dir: string) => csvRows(readFileSync(join(dir, 'controls.csv'), 'utf8'));
const oscalFinding = (dir: string, acct: string) =>
  JSON.parse(readFileSync(join(dir, 'oscal/assessment-results.json'), 'utf8'))['assessment-results'].results[0].findings.find((f: any) => f.props.some((p: any) => p.name === 'account-id' && p.value === acct));

describe('CloudTrail event searches over the period', () => {
  let open: string;
  let closed: string;
  /** Reads of each object while the open package was built. */
  const reads = new Map<string, number>();
  beforeAll(async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    await seal(store, signer);
    const getObject = store.getObject.bind(store);
    store.getObject = async (sha: string) => {
      reads.set(sha, (reads.get(sha) ?? 0) + 1);
      return getObject(sha);
    };
    // Built while the last day is still running: judged up to each account's latest search.
    open = await build(store, signer, '2026-03-03T12:00:00.000Z', 'open');
    store.getObject = getObject;
    // Built after the period: judged to 24:00 of its last day.
    closed = await build(store, signer, '2026-03-10T00:00:00.000Z', 'closed');
  }, 120_000);

  it('reads each event-search body once to judge it and join its window (then once to embed it in index.html and once to copy it into the zip)', () => {
    expect(reads.size).toBeGreaterThan(0);
    // Before, joining the windows read every body a second time: four reads.
    expect(Math.max(...reads.values())).toBeLessThanOrEqual(3);
  });

  it('contiguous overlapping windows leave no hole: the requirement passes throughout', () => {
    const row = controls(open).find((r) => r.account === OVERLAPPING)!;
    expect(row.status).toBe('pass');
    expect(row.worst_status_in_period).toBe('pass');
    expect(row.reasons).not.toContain('UNSEARCHED');
    expect(oscalFinding(open, OVERLAPPING).target.status).toMatchObject({ state: 'satisfied', reason: 'pass' });
  });

  it('a hole between two runs is named (account, region, from, to) and the day it touches is a gap, not a pass', () => {
    const row = controls(open).find((r) => r.account === DRIFTING)!;
    expect(row.worst_status_in_period).toBe('not-collected');
    expect(row.reasons).toContain('UNSEARCHED EVENTS');
    expect(row.reasons).toContain('us-east-1 2026-03-01T06:00:00.000Z to 2026-03-01T06:40:00.000Z');
    expect(row.reasons).toContain('the 1 day(s) they touch (2026-03-01) are gaps');
    const f = oscalFinding(open, DRIFTING);
    expect(f.target.status).toMatchObject({ state: 'not-satisfied', reason: 'other' });
    expect(f.description).toContain('us-east-1 2026-03-01T06:00:00.000Z to 2026-03-01T06:40:00.000Z');
    const pdf = execFileSync('pdftotext', ['-layout', join(open, 'report.pdf'), '-'], { encoding: 'utf8' });
    expect(pdf).toContain('CloudTrail event searches over the period');
    expect(pdf).toMatch(/222222222222\s+us-east-1\s+2026-03-01T06:00:00.000Z\s+2026-03-01T06:40:00.000Z\s+2026-03-01/);
    const html = readFileSync(join(open, 'index.html'), 'utf8');
    expect(html).toContain('"from":"2026-03-01T06:00:00.000Z","to":"2026-03-01T06:40:00.000Z"');
    // summary.json, for dashboards, lists every unsearched interval too.
    const summary = JSON.parse(readFileSync(join(open, 'summary.json'), 'utf8'));
    expect(summary.eventSearches.pairs).toBe(4);
    expect(summary.eventSearches.unsearched).toContainEqual({ accountId: DRIFTING, region: 'us-east-1', from: '2026-03-01T06:00:00.000Z', to: '2026-03-01T06:40:00.000Z', days: ['2026-03-01'] });
    expect(summary.eventSearches.unsearched.some((u: { accountId: string }) => u.accountId === OVERLAPPING)).toBe(false);
  });

  it('after the period ends, what follows each search on the latest run’s day is the next run’s to search, not a gap; the report says so', () => {
    const row = controls(closed).find((r) => r.account === OVERLAPPING)!;
    expect(row.worst_status_in_period).toBe('pass');
    expect(row.reasons).not.toContain('UNSEARCHED');
    expect(controls(closed).find((r) => r.account === DRIFTING)!.reasons).not.toContain('2026-03-04T00:00:00.000Z');
    const pdf = execFileSync('pdftotext', ['-layout', join(closed, 'report.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(pdf).toContain('to 2026-03-04T00:00:00.000Z (the end of the period) are not in this package: the next run\'s search reaches back lookbackHours plus collect.eventOverlapMinutes from its start, so it covers them only if it ran within that time.');
  });

  it('an account and region last searched on an earlier day is unsearched from then up to the latest run', () => {
    for (const dir of [open, closed]) {
      const row = controls(dir).find((r) => r.account === STOPPED)!;
      expect(row.reasons).toContain('us-east-1 2026-03-02T06:40:00.000Z to 2026-03-03T06:10:00.000Z');
      expect(row.worst_status_in_period).toBe('not-collected');
    }
  });

  it('a hole touching the latest day leaves the end-of-period status unknown, and its days count as days without evidence', () => {
    for (const dir of [open, closed]) {
      const row = controls(dir).find((r) => r.account === LATE)!;
      expect(row.reasons).toContain('us-east-1 2026-03-02T06:40:00.000Z to 2026-03-03T05:10:00.000Z');
      expect(row.status).toBe('not-collected');
      expect(row.days_without_evidence).toBe('2');
    }
  });
});
