/**
 * A member record read through an organisation-wide read (collect.mode delegated-admin) cites the read's own record of
 * the same run by record id and SHA-256. `verify --store`, `package` and `verify` check the reference against the run's
 * signed manifest: one pointed at another run's read, or at a body the run did not seal, is a problem naming the record
 * and the reference. The cited read must also be the one the member's query is read through (its source, audit
 * account, region and request count), and report.pdf and index.html name it. Bodies sealed before reads had records of
 * their own (the requests inline) still verify.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealRun } from '../../src/seal/seal.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { recordIdOf, type DelegatedReadRef, type EvidenceBody, type ManifestRecord } from '../../src/evidence/record.js';
import { trustSigners } from '../support/trust.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { evidencePath } from '../../src/package/manifest.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { ACCOUNTS, MemoryStore, TEST_CATALOG, body, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { organisationReadsStatement } from '../../src/evidence/record.js';
import { remanifest, replaceBody } from '../support/resign-package.js';
import { SHELLS, resignSums, runVerifySh } from '../support/verify-sh.js';
import { evidenceRefOf } from '../../src/evaluate/engine.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';

const AUDIT = ACCOUNTS[0];
const READ_QUERY = 'delegated-read:test.bucket-encryption';
const READ_ID = recordIdOf(READ_QUERY, AUDIT, 'us-east-1');
const via = { kind: 'config-aggregator', accountId: AUDIT, region: 'us-east-1', callerArn: `arn:aws:sts::${AUDIT}:assumed-role/EvidenceLockerAudit/evidence-locker`, aggregator: 'org', endpointsByOperation: { 'config:SelectAggregateResourceConfig': ['https://config.us-east-1.amazonaws.com'] } };
const requests = [
  { operation: 'config:SelectAggregateResourceConfig', input: { Expression: 'SELECT *' }, requestId: 'req-1' },
  { operation: 'config:SelectAggregateResourceConfig', requestId: 'req-2' },
];

type Cite = 'same-run' | 'inline' | { ref: (read: ManifestRecord) => DelegatedReadRef };

async function put(store: MemoryStore, b: EvidenceBody, at: string): Promise<ManifestRecord> {
  const bytes = canonicalBytes(b);
  const sha256 = sha256Hex(bytes);
  await store.putObject(sha256, bytes);
  return { recordId: recordIdOf(b.queryId, b.accountId, b.region), queryId: b.queryId, accountId: b.accountId, region: b.region, status: b.status, collectedAt: at, sha256, size: bytes.length };
}

/** One day's run: the read's record (in the audit account) and each account's records, the bucket query's citing the read. */
async function sealDay(store: MemoryStore, signer: LocalEd25519Signer, day: string, cite: Cite): Promise<{ runId: string; read: ManifestRecord; records: ManifestRecord[] }> {
  const at = `${day}T02:01:00.000Z`;
  const provenance = (requestIds: string[]) => ({ endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: via.callerArn, requestIds, responseDates: requestIds.map(() => `${day}T02:00:30.000Z`), tool: { name: 'evidence-locker', version: 'test' }, sdkVersion: 'aws-sdk-js-v3/test' });
  const readBody: EvidenceBody = { ...body(READ_QUERY, AUDIT, 'us-east-1', { kind: via.kind, aggregator: 'org', requests: requests.map((r) => ({ ...r, requestId: `${day}-${r.requestId}` })) }), operations: ['config:SelectAggregateResourceConfig'], provenance: provenance(requests.map((r) => `${day}-${r.requestId}`)) };
  const read = await put(store, readBody, at);
  const records = cite === 'inline' ? [] : [read];
  for (const acct of ACCOUNTS) {
    const member = body('test.bucket-encryption', acct, 'us-east-1', { buckets: [{ name: `logs-${acct}`, encrypted: true }] });
    const cited = cite === 'inline' ? { sharedRequests: requests } : { read: cite === 'same-run' ? { recordId: read.recordId, sha256: read.sha256, requests: requests.length } : cite.ref(read) };
    records.push(await put(store, { ...member, provenance: { ...provenance([`${day}-own-${acct}`]), endpoint: 'https://s3.us-east-1.amazonaws.com', callerArn: null, via: { ...via, ...cited } } }, at));
    records.push(await put(store, body('test.trails', acct, 'us-east-1', { trails: [{ name: 'org-trail', logging: true }] }), at));
  }
  const runId = `${day.replace(/-/g, '')}T020000Z-000001`;
  await sealRun(store, signer, { runId, kind: 'collection', chain: 'default', startedAt: new Date(`${day}T02:00:00.000Z`), completedAt: new Date(`${day}T02:05:00.000Z`), scope: { accounts: [...ACCOUNTS], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] }, records });
  return { runId, read, records };
}

const period = (to: string) => ({ from: new Date('2026-03-01T00:00:00Z'), to: new Date(`${to}T23:59:59.999Z`) });

/** The fixture evaluation, each result citing its records as the engine does (what a body says of the read it was taken from). */
async function evaluateCitingReads(input: EvaluateRunInput) {
  const results = await fixtureEvaluate(input);
  const byId = new Map(input.manifest.records.map((r) => [r.recordId, r]));
  for (const r of results) r.evidence = await Promise.all(r.evidence.map(async (e) => (byId.has(e.recordId) ? evidenceRefOf(e.runId, byId.get(e.recordId)!, await input.loadBody(e.sha256)) : e)));
  return results;
}

async function packageOf(store: MemoryStore, signer: LocalEd25519Signer, to: string, accounts?: string[]) {
  const tmp = mkdtempSync(join(tmpdir(), 'el-delegated-reads-'));
  const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to, outDir: join(tmp, 'out'), evaluate: evaluateCitingReads, ...(accounts ? { accounts } : {}), builtAt: new Date(`${to}T10:00:00Z`) });
  const dir = join(tmp, 'pkg');
  await extractPackageZip(pkg.zipPath, dir);
  return dir;
}

describe('organisation-wide reads cited by reference', () => {
  it('verify --store, package and verify accept a read cited in its own run, and a body with the requests inline (older runs)', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    await sealDay(store, signer, '2026-03-01', 'inline');
    const { runId, read } = await sealDay(store, signer, '2026-03-02', 'same-run');
    const stored = await verifyStoredRuns(store, period('2026-03-02'), { trust: await trustSigners(signer) });
    expect(stored.problems).toEqual([]);
    expect(stored.ok).toBe(true);

    // Package with only the non-audit account: the read is its run's record all the same, in every listing.
    const dir = await packageOf(store, signer, '2026-03-02', [ACCOUNTS[1]]);
    expect(existsSync(join(dir, evidencePath(read.sha256)))).toBe(true);
    expect(readFileSync(join(dir, 'SHA256SUMS'), 'utf8')).toContain(`${read.sha256}  ${evidencePath(read.sha256)}`);
    const index = readFileSync(join(dir, 'evidence-index.csv'), 'utf8');
    expect(index).toContain(`${runId},${READ_ID},${READ_QUERY},${AUDIT},us-east-1,`);
    expect(index).toMatch(new RegExp(`${READ_QUERY.replace(/[.]/g, '\\.')},[^\\n]*,organisation-read,`));
    const v = await verifyPackageDir(dir);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    const fp = await signer.fingerprint();
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out).toContain('ok    each of the 1 member record(s) citing an organisation-wide read cites a read record its own run\'s signed manifest lists with that SHA-256');
      expect(sh.code).toBe(0);
    }

    // The read's body taken out, every list and signature following: its audit account is outside the package's accounts,
    // yet the package's member records cite it, so verify.sh requires it as verify does.
    const cut = `${dir}-without-read`;
    cpSync(dir, cut, { recursive: true });
    rmSync(join(cut, evidencePath(read.sha256)));
    await remanifest(cut, signer, (m) => void (m.files = m.files.filter((f) => f.path !== evidencePath(read.sha256))));
    await resignSums(cut, signer);
    for (const shell of SHELLS) {
      const sh = runVerifySh(cut, [fp], shell);
      expect(sh.out).toContain(`FAIL  ${evidencePath(read.sha256)}: missing: evidence body of a record of the organisation-wide read ${READ_ID} (account ${AUDIT}) in run ${runId}`);
      expect(sh.code).toBe(1);
    }
  });

  it('report.pdf and index.html name the organisation-wide read record a member record was taken from, by reference and record id', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const { read } = await sealDay(store, signer, '2026-03-01', 'same-run');
    const dir = await packageOf(store, signer, '2026-03-01');
    const index = readFileSync(join(dir, 'evidence-index.csv'), 'utf8').split('\r\n');
    const header = index[0].split(',');
    const readRow = index.find((l) => l.includes(`,${READ_ID},`))!.split(',');
    const ref = readRow[header.indexOf('ref')];
    expect(ref).toMatch(/^E-\d{4}$/);
    // The PDF's evidence table: the member's query, the aggregator, then the read by reference and record id.
    // pdftotext drops a hyphen where a wrapped line breaks: compared without spaces and hyphens.
    const flat = (t: string) => t.replace(/[\s-]+/g, '');
    const text = flat(execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }));
    expect(text).toContain(flat(`test.bucket-encryption via AWS Config aggregator org (audit account ${AUDIT}, us-east-1) organisation-wide read ${ref} ${READ_ID}`));
    // index.html: each member's evidence entry carries the read (record id, reference, body hash) its link opens.
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`"read":{"run":"${readRow[header.indexOf('run')]}","id":"${READ_ID}","q":"${READ_QUERY}","g":"us-east-1","sha":"${read.sha256}","st":"ok","ref":"${ref}","org":true}`);
    expect(html).toContain("'Organisation-wide read'");
  });

  it("was: report.pdf's evidence table broke the organisation-wide read's record id mid-name (delegated-read:test.bucket-encry / ption); now it starts a line of its own and breaks only after a ':', '/' or '.'", async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    await sealDay(store, signer, '2026-03-01', 'same-run');
    const dir = await packageOf(store, signer, '2026-03-01');
    // pdftotext drops some hyphens: compared without them.
    const bare = (t: string) => t.replace(/-/g, '').trim();
    const lines = execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }).split('\n').map(bare);
    const id = bare(READ_ID);
    let checked = 0;
    lines.forEach((line, i) => {
      if (!line.startsWith(bare('delegated-read:')) || line.includes(' ')) return;
      const parts: string[] = [];
      for (let j = i; parts.join('') !== id && j < i + 6; j++) parts.push(lines[j]);
      expect(parts.join('')).toBe(id);
      for (const p of parts.slice(0, -1)) expect(p).toMatch(/[:/.]$/);
      checked++;
    });
    // One line per member record of the table (two accounts).
    expect(checked).toBe(2);
  });

  it('report.pdf and index.html say, in their method, what a read through the AWS Config aggregator shows of a member and what it does not; a package without such reads says nothing of it', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    await sealDay(store, signer, '2026-03-01', 'same-run');
    const dir = await packageOf(store, signer, '2026-03-01');
    const statement = organisationReadsStatement(['AWS Config aggregator org (audit account 1, us-east-1)']);
    expect(statement).toMatch(/^Evidence read through the organisation \(collect\.mode delegated-admin\): a member record whose evidence names "via" was not read in the member account/);
    expect(statement).toContain("AWS Config aggregator: the configuration items the member's AWS Config recorder captured and the aggregator last copied to the audit account (each reason gives the capture time), not a live read of the member; a change after that capture is not in them");
    // Only the sources the evidence names: no administrator is spoken of.
    expect(statement).not.toMatch(/GuardDuty|Inspector|Macie|Security Hub|Access Analyzer|CloudTrail Lake/);
    const flat = (t: string) => t.replace(/[\s-]+/g, '');
    expect(flat(execFileSync('pdftotext', [join(dir, 'report.pdf'), '-'], { encoding: 'utf8' }))).toContain(flat(statement));
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain(`"throughOrganisation":${JSON.stringify(statement)}`);
    expect(html).toContain("if (D.throughOrganisation) detail.appendChild(el('p', {id: 'through-organisation', text: D.throughOrganisation}));");
    // Administrators: enrolled members only, the others read in their own account.
    expect(organisationReadsStatement(['GuardDuty delegated administrator (audit account 1, us-east-1)'])).toContain('GuardDuty delegated administrator: the findings and detectors of the member accounts enrolled with it (relationship Enabled), as it held them when read; an account not enrolled is not in its answer and was read in its own account.');

    // Per-account evidence only: no such paragraph.
    const plainStore = new MemoryStore();
    const plainSigner = await sealDays(plainStore, [{ day: '2026-03-01', encrypted: { [AUDIT]: true } }]);
    const plain = await packageOf(plainStore, plainSigner, '2026-03-01');
    expect(flat(execFileSync('pdftotext', [join(plain, 'report.pdf'), '-'], { encoding: 'utf8' }))).not.toContain(flat('Evidence read through the organisation'));
    expect(readFileSync(join(plain, 'index.html'), 'utf8')).toContain('"throughOrganisation":""');
  });

  it("refuses a member record that cites another run's read or a body its run did not seal, naming the record and the reference", async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const first = await sealDay(store, signer, '2026-03-01', 'same-run');
    // The next run's members cite the read of 2026-03-01 (same record id, another run's body) instead of their own run's.
    const other = await sealDay(store, signer, '2026-03-02', { ref: () => ({ recordId: first.read.recordId, sha256: first.read.sha256, requests: 2 }) });
    const stored = await verifyStoredRuns(store, period('2026-03-02'), { trust: await trustSigners(signer) });
    expect(stored.ok).toBe(false);
    const memberId = recordIdOf('test.bucket-encryption', ACCOUNTS[1], 'us-east-1');
    // The run names its own read: the reference to the previous run's, with the same record id, is to another body.
    expect(stored.problems).toContainEqual({ runId: other.runId, recordId: memberId, problem: `run ${other.runId}: record ${memberId} cites organisation-wide read ${READ_ID} (SHA-256 ${first.read.sha256}), but the run's signed manifest lists that read with SHA-256 ${other.read.sha256}` });
    await expect(packageOf(store, signer, '2026-03-02')).rejects.toThrow(`run ${other.runId}: record ${recordIdOf('test.bucket-encryption', ACCOUNTS[0], 'us-east-1')} cites organisation-wide read ${READ_ID} (SHA-256 ${first.read.sha256}), but the run's signed manifest lists that read with SHA-256 ${other.read.sha256}`);

    const dangling = new MemoryStore();
    const key = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const missing = await sealDay(dangling, key, '2026-03-01', { ref: (read) => ({ recordId: 'delegated-read:test.elsewhere/111111111111/us-east-1', sha256: read.sha256, requests: 2 }) });
    const report = await verifyStoredRuns(dangling, period('2026-03-01'), { trust: await trustSigners(key) });
    expect(report.problems.map((p) => p.problem)).toContain(`run ${missing.runId}: record ${memberId} cites organisation-wide read delegated-read:test.elsewhere/111111111111/us-east-1 (SHA-256 ${missing.read.sha256}), which the same run's signed manifest does not list: the member record's requests cannot be read`);
  });

  it('verify names a packaged member record whose reference the key holder pointed elsewhere', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const { runId, read } = await sealDay(store, signer, '2026-03-01', 'same-run');
    const dir = await packageOf(store, signer, '2026-03-01');
    expect((await verifyPackageDir(dir)).ok).toBe(true);
    // A holder of the signing key rewrites a member body to cite a read the run does not hold, and signs everything again.
    const memberId = recordIdOf('test.bucket-encryption', ACCOUNTS[1], 'us-east-1');
    const runManifest = JSON.parse(readFileSync(join(dir, 'runs', runId, 'manifest.json'), 'utf8')) as { records: ManifestRecord[] };
    const old = JSON.parse(readFileSync(join(dir, evidencePath(runManifest.records.find((r) => r.recordId === memberId)!.sha256)), 'utf8')) as EvidenceBody;
    const forged = '0'.repeat(64);
    const path = await replaceBody(dir, signer, runId, memberId, canonicalBytes({ ...old, provenance: { ...old.provenance!, via: { ...old.provenance!.via!, read: { recordId: READ_ID, sha256: forged, requests: 2 } } } }));
    const v = await verifyPackageDir(dir);
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual({ path, message: `run ${runId}: record ${memberId} cites organisation-wide read ${READ_ID} (SHA-256 ${forged}), but the run's signed manifest lists that read with SHA-256 ${read.sha256}` });
    const fp = await signer.fingerprint();
    for (const shell of SHELLS) {
      const sh = runVerifySh(dir, [fp], shell);
      expect(sh.out).toContain(`FAIL  ${path}: run ${runId}: record ${memberId} cites organisation-wide read ${READ_ID} (SHA-256 ${forged}), but the run's signed manifest lists that read with SHA-256 ${read.sha256}`);
      expect(sh.code).toBe(1);
    }
  });

  it('verify.sh names a re-signed member record citing a record of its run that is no read, or a read its run does not list', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const { runId, records } = await sealDay(store, signer, '2026-03-01', 'same-run');
    const dir = await packageOf(store, signer, '2026-03-01');
    const fp = await signer.fingerprint();
    const memberId = recordIdOf('test.bucket-encryption', ACCOUNTS[1], 'us-east-1');
    const runManifest = JSON.parse(readFileSync(join(dir, 'runs', runId, 'manifest.json'), 'utf8')) as { records: ManifestRecord[] };
    const old = JSON.parse(readFileSync(join(dir, evidencePath(runManifest.records.find((r) => r.recordId === memberId)!.sha256)), 'utf8')) as EvidenceBody;
    const citing = (ref: DelegatedReadRef) => canonicalBytes({ ...old, provenance: { ...old.provenance!, via: { ...old.provenance!.via!, read: ref } } });
    // Another record of the same run (a member's own trails record), with its true SHA-256: listed, but no read.
    const trails = records.find((r) => r.recordId === recordIdOf('test.trails', ACCOUNTS[1], 'us-east-1'))!;
    const other = `${dir}-other-record`;
    cpSync(dir, other, { recursive: true });
    const otherPath = await replaceBody(other, signer, runId, memberId, citing({ recordId: trails.recordId, sha256: trails.sha256, requests: 2 }));
    // A read record id the run does not list.
    const elsewhere = 'delegated-read:test.elsewhere/111111111111/us-east-1';
    const unlisted = `${dir}-unlisted`;
    cpSync(dir, unlisted, { recursive: true });
    const unlistedPath = await replaceBody(unlisted, signer, runId, memberId, citing({ recordId: elsewhere, sha256: trails.sha256, requests: 2 }));
    for (const shell of SHELLS) {
      const a = runVerifySh(other, [fp], shell);
      expect(a.out).toContain(`FAIL  ${otherPath}: run ${runId}: record ${memberId} cites organisation-wide read ${trails.recordId} (SHA-256 ${trails.sha256}), which is not the record id of an organisation-wide read (delegated-read:...)`);
      expect(a.code).toBe(1);
      const b = runVerifySh(unlisted, [fp], shell);
      expect(b.out).toContain(`FAIL  ${unlistedPath}: run ${runId}: record ${memberId} cites organisation-wide read ${elsewhere} (SHA-256 ${trails.sha256}), which the same run's signed manifest does not list: the member record's requests cannot be read`);
      expect(b.code).toBe(1);
    }
    // verify names the same references.
    expect((await verifyPackageDir(other)).problems).toContainEqual({ path: otherPath, message: `run ${runId}: record ${memberId} cites organisation-wide read ${trails.recordId} (SHA-256 ${trails.sha256}), which is not the record id of an organisation-wide read (delegated-read:…)` });
  });
});

/**
 * A run of GuardDuty and Inspector reads (delegated-admin: each read in each region, from the audit account) whose
 * second member's GuardDuty record cites what `cite` picks: the verifiers require the read its query is read through,
 * from via's audit account, in the member's region, listing as many requests as the reference says.
 */
describe("a member's reference matches the read it cites", () => {
  const GD = 'guardduty.findings';
  const INSPECTOR = 'inspector2.findings';
  const gdVia = { kind: 'guardduty-administrator', accountId: AUDIT, region: 'us-east-1', callerArn: via.callerArn, endpointsByOperation: { 'guardduty:ListFindings': ['https://guardduty.us-east-1.amazonaws.com'] } };
  type Reads = Record<'gdEast' | 'gdWest' | 'inspectorEast', ManifestRecord>;
  type Citation = (reads: Reads) => { read: DelegatedReadRef; accountId?: string; region?: string };
  const cites = (read: ManifestRecord, requests = 2) => ({ read: { recordId: read.recordId, sha256: read.sha256, requests } });

  async function sealReads(store: MemoryStore, signer: LocalEd25519Signer, day: string, forged: Citation): Promise<{ runId: string; reads: Reads }> {
    const at = `${day}T02:01:00.000Z`;
    const provenance = (region: string, requestIds: string[]) => ({ endpoint: `https://guardduty.${region}.amazonaws.com`, callerArn: via.callerArn, requestIds, responseDates: requestIds.map(() => `${day}T02:00:30.000Z`), tool: { name: 'evidence-locker', version: 'test' }, sdkVersion: 'aws-sdk-js-v3/test' });
    const readOf = (query: string, kind: string, region: string) => {
      const calls = [`${query}-${region}-1`, `${query}-${region}-2`];
      return put(store, { ...body(`delegated-read:${query}`, AUDIT, region, { kind, requests: calls.map((requestId) => ({ operation: 'guardduty:ListFindings', requestId })) }), operations: ['guardduty:ListFindings'], provenance: provenance(region, calls) }, at);
    };
    const reads: Reads = { gdEast: await readOf(GD, 'guardduty-administrator', 'us-east-1'), gdWest: await readOf(GD, 'guardduty-administrator', 'us-west-2'), inspectorEast: await readOf(INSPECTOR, 'inspector-administrator', 'us-east-1') };
    const records = Object.values(reads);
    for (const [acct, region] of [[ACCOUNTS[0], 'us-east-1'], [ACCOUNTS[0], 'us-west-2'], [ACCOUNTS[1], 'us-east-1']]) {
      const own = region === 'us-east-1' ? reads.gdEast : reads.gdWest;
      const citation = acct === ACCOUNTS[1] ? forged(reads) : { ...cites(own), region };
      records.push(await put(store, { ...body(GD, acct, region, { findings: [] }), provenance: { ...provenance(region, [`own-${acct}-${region}`]), callerArn: null, via: { ...gdVia, ...citation } } }, at));
    }
    const runId = `${day.replace(/-/g, '')}T020000Z-000001`;
    await sealRun(store, signer, { runId, kind: 'collection', chain: 'default', startedAt: new Date(`${day}T02:00:00.000Z`), completedAt: new Date(`${day}T02:05:00.000Z`), scope: { accounts: [...ACCOUNTS], regions: ['us-east-1', 'us-west-2'], frameworks: ['test-fw'], queries: [GD, INSPECTOR] }, records });
    return { runId, reads };
  }

  const member = recordIdOf(GD, ACCOUNTS[1], 'us-east-1');
  const prefix = (runId: string, read: ManifestRecord) => `run ${runId}: record ${member} (query ${GD}) cites organisation-wide read ${read.recordId}`;
  const CASES: { name: string; forged: Citation; cited: (r: Reads) => ManifestRecord; problem: string }[] = [
    { name: 'the Inspector read (another source)', forged: (r) => cites(r.inspectorEast), cited: (r) => r.inspectorEast, problem: `, whose queryId is delegated-read:${INSPECTOR}, but ${GD} is read through delegated-read:${GD} in delegated-admin mode` },
    { name: 'the read of another region', forged: (r) => ({ ...cites(r.gdWest), region: 'us-west-2' }), cited: (r) => r.gdWest, problem: `, whose region is us-west-2, but its part is read in us-east-1, the member's own region (guardduty-administrator is read in each region)` },
    { name: 'its own read with another request count', forged: (r) => cites(r.gdEast, 5), cited: (r) => r.gdEast, problem: `, whose body lists 2 requests, but the record's via.read.requests is 5` },
    { name: 'its read as made from another audit account', forged: (r) => ({ ...cites(r.gdEast), accountId: '333333333333' }), cited: (r) => r.gdEast, problem: `, whose accountId is ${AUDIT}, but the record's via.accountId is 333333333333` },
  ];

  it('verify --store, package and verify accept members citing the read of their own source and region, in each region', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    await sealReads(store, signer, '2026-03-01', (r) => cites(r.gdEast));
    const stored = await verifyStoredRuns(store, period('2026-03-01'), { trust: await trustSigners(signer) });
    expect(stored.problems).toEqual([]);
    const v = await verifyPackageDir(await packageOf(store, signer, '2026-03-01'));
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it.each(CASES)('verify --store and package refuse a member record citing $name, naming run, record, field and both values', async ({ forged, cited, problem }) => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const { runId, reads } = await sealReads(store, signer, '2026-03-01', forged);
    const expected = prefix(runId, cited(reads)) + problem;
    const stored = await verifyStoredRuns(store, period('2026-03-01'), { trust: await trustSigners(signer) });
    expect(stored.ok).toBe(false);
    expect(stored.problems).toEqual([{ runId, recordId: member, problem: expected }]);
    await expect(packageOf(store, signer, '2026-03-01')).rejects.toThrow(expected);
  });

  it('verify refuses a packaged member record re-signed to cite another source, region or request count', async () => {
    const store = new MemoryStore();
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
    const { runId, reads } = await sealReads(store, signer, '2026-03-01', (r) => cites(r.gdEast));
    const dir = await packageOf(store, signer, '2026-03-01');
    const runManifest = JSON.parse(readFileSync(join(dir, 'runs', runId, 'manifest.json'), 'utf8')) as { records: ManifestRecord[] };
    const old = JSON.parse(readFileSync(join(dir, evidencePath(runManifest.records.find((r) => r.recordId === member)!.sha256)), 'utf8')) as EvidenceBody;
    for (const { forged, cited, problem } of CASES) {
      const copy = mkdtempSync(join(tmpdir(), 'el-delegated-forged-'));
      cpSync(dir, copy, { recursive: true });
      // A holder of the signing key rewrites the member body's via, and signs the run and the package again.
      const path = await replaceBody(copy, signer, runId, member, canonicalBytes({ ...old, provenance: { ...old.provenance!, via: { ...old.provenance!.via!, ...forged(reads) } } }));
      const v = await verifyPackageDir(copy);
      expect(v.ok).toBe(false);
      expect(v.problems).toEqual([{ path, message: prefix(runId, cited(reads)) + problem }]);
    }
  });
});
