import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { tallied } from '../../src/evidence/pieced.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { sealRun } from '../../src/seal/seal.js';
import { CatalogSchema, type Catalog } from '../../src/controls/schema.js';
import { describeAttester, type EvidenceBody, type ManifestRecord } from '../../src/evidence/record.js';
import type { EvaluateRunInput } from '../../src/evaluate/engine.js';
import type { ControlResult, ControlStatus } from '../../src/evaluate/types.js';
import type { EvidenceStore, RunToStore, StoredRun, StoreDescription, PreflightCheck, StoredObject } from '../../src/evidence/store.js';

/** A tiny in-memory EvidenceStore honouring the write-once contract. */
export class MemoryStore implements EvidenceStore {
  readonly kind = 'local' as const;
  objects = new Map<string, Buffer>();
  runs = new Map<string, StoredRun>();
  describe(): StoreDescription {
    return { kind: 'local', location: 'memory://test', note: 'in-memory test store' };
  }
  async preflight(): Promise<PreflightCheck[]> {
    return [];
  }
  async putObject(sha256: string, body: Buffer): Promise<StoredObject> {
    const existed = this.objects.has(sha256);
    if (!existed) this.objects.set(sha256, Buffer.from(body));
    return { key: sha256, existed };
  }
  async getObject(sha256: string): Promise<Buffer> {
    const b = this.objects.get(sha256);
    if (!b) throw new Error(`no object ${sha256}`);
    return b;
  }
  async hasObject(sha256: string): Promise<boolean> {
    return this.objects.has(sha256);
  }
  async putRun(run: RunToStore): Promise<void> {
    if (this.runs.has(run.runId)) throw new Error(`run ${run.runId} exists`);
    // A manifest given in pieces (a KMS-signed spooled run) is kept whole here, as the real stores read it back.
    let manifest: Buffer;
    if (Buffer.isBuffer(run.manifest)) manifest = run.manifest;
    else {
      const pass = tallied(run.manifest, 1 << 20, `memory:${run.runId}/manifest.json`);
      manifest = Buffer.concat([...pass.pieces]);
      pass.check();
    }
    this.runs.set(run.runId, { ...run, manifest });
  }
  async getRun(runId: string): Promise<StoredRun> {
    const r = this.runs.get(runId);
    if (!r) throw new Error(`no run ${runId}`);
    return r;
  }
  async listRuns(): Promise<string[]> {
    return [...this.runs.keys()].sort();
  }
  async listObjectHashes(): Promise<string[]> {
    return [...this.objects.keys()].sort();
  }
}

export const ACCOUNTS = ['111111111111', '222222222222'];

export const TEST_CATALOG: Catalog = CatalogSchema.parse({
  framework: 'test-fw',
  name: 'Test Framework',
  version: '1.0',
  publisher: 'Evidence Locker tests',
  principals: [
    { id: '1', title: 'Protect stored data' },
    { id: '2', title: 'Log and monitor' },
  ],
  requirements: [
    {
      id: '1.1',
      title: 'Buckets are encrypted at rest',
      principal: '1',
      testingProcedures: ['Examine bucket encryption settings.'],
      coverage: 'automated',
      rationale: 'Default encryption settings show data at rest is encrypted.',
      queries: ['test.bucket-encryption'],
    },
    {
      id: '2.1',
      title: 'Audit logging is enabled',
      principal: '2',
      testingProcedures: ['Examine trail configuration.', 'Interview personnel.'],
      coverage: 'partial',
      rationale: 'Trail status shows logging is on; retention needs the assessor.',
      assessorGuidance: 'Ask for the log review procedure.',
      queries: ['test.trails'],
    },
    {
      id: '2.2',
      title: 'Logs are reviewed daily',
      principal: '2',
      testingProcedures: ['Interview personnel responsible for log review.'],
      coverage: 'manual',
      rationale: 'A daily human review is a process, not an API setting.',
      assessorGuidance: 'Ask for signed review records for sampled days.',
    },
  ],
});

export interface FixtureDay {
  day: string;
  /** Per account: is the bucket encrypted (pass) or not (fail); missing account = not collected that day. */
  encrypted: Record<string, boolean>;
  /** Make the trails query fail with AccessDenied for these accounts. */
  trailErrors?: string[];
  shard?: { index: number; count: number; slot: string };
  chain?: string;
  hour?: number;
  /** Minute of the hour at which the run started (default 0). */
  minute?: number;
  /** Milliseconds past the hour's first second at which the run started (default 0). */
  startMs?: number;
  /** How long the run took (default 5 minutes): its completion time is its start plus this. */
  minutes?: number;
  /** Sealed as the demo seals its runs: collected from the simulated AWS. */
  simulated?: boolean;
  /** The start secret the run seals, as a collection on S3 does (32 bytes as hex). */
  startSecret?: string;
  /** Bodies carry provenance as the collector writes it: AWS request ids and response dates of their own day. */
  provenance?: boolean;
  /** With `provenance`: the endpoint origin every body records (default: its own service's, `https://s3.us-east-1.amazonaws.com` or `https://cloudtrail.us-east-1.amazonaws.com`) and the caller (default none). */
  endpoint?: string;
  callerArn?: (accountId: string) => string;
  /**
   * With `provenance`: the trails query's bodies record these operations, sent to these origins (its `endpoint` and
   * `endpoints` are theirs), and with `recorded` the origin of each operation (`endpointsByOperation`).
   */
  trailCalls?: { byOperation: Record<string, string[]>; recorded: boolean };
  /** Sealed on `day` as `backfill` seals a reconstruction of this earlier day (chain `backfill`). */
  rebuilds?: string;
  /** One more bucket in every account's encryption body, named by whoever owns the account (any characters). */
  extraBucket?: { name: string; encrypted: boolean };
}

export function body(queryId: string, accountId: string, region: string, data: unknown, error?: EvidenceBody['error']): EvidenceBody {
  return {
    schema: 'evidence-locker/evidence@1',
    queryId,
    accountId,
    region,
    status: error ? 'error' : 'ok',
    operations: [queryId === 'test.trails' ? 'cloudtrail:DescribeTrails' : 's3:GetBucketEncryption'],
    requests: [{ operation: 'Op', input: {} }],
    ...(error ? { error } : { data }),
    sdkVersion: 'aws-sdk-js-v3/test',
  };
}

let counter = 0;

/** Seals one collection run per fixture day into the store (signed with a fresh local key in a temp folder). */
export async function sealDays(store: EvidenceStore, days: FixtureDay[], signer?: LocalEd25519Signer, trustedKeys?: string[]): Promise<LocalEd25519Signer>;
export async function sealDays<S extends ManifestSigner>(store: EvidenceStore, days: FixtureDay[], signer: S, trustedKeys?: string[]): Promise<S>;
export async function sealDays(store: EvidenceStore, days: FixtureDay[], signer?: ManifestSigner, trustedKeys?: string[]): Promise<ManifestSigner> {
  const s = signer ?? LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-key-')));
  // Keys whose earlier runs this signer may chain onto (signing.trustedKeys after a key rotation); default its own.
  const trust = trustedKeys ? trustPolicy([...trustedKeys, await s.fingerprint()]) : undefined;
  for (const d of days) {
    const hour = String(d.hour ?? 2).padStart(2, '0');
    const minute = String(d.minute ?? 0).padStart(2, '0');
    const startedAt = `${d.day}T${hour}:${minute}:00.${String(d.startMs ?? 0).padStart(3, '0')}Z`;
    const records: ManifestRecord[] = [];
    const accounts = Object.keys(d.encrypted).sort();
    for (const acct of accounts) {
      const add = async (plain: EvidenceBody) => {
        const calls = plain.queryId === 'test.trails' ? d.trailCalls : undefined;
        const origins = calls ? [...new Set(Object.values(calls.byOperation).flat())] : [];
        const where = calls
          ? { endpoint: origins[0] ?? null, ...(origins.length > 1 ? { endpoints: origins } : {}), ...(calls.recorded ? { endpointsByOperation: calls.byOperation } : {}) }
          : { endpoint: d.endpoint ?? `https://${plain.queryId === 'test.trails' ? 'cloudtrail' : 's3'}.us-east-1.amazonaws.com` };
        const b: EvidenceBody = d.provenance ? { ...plain, ...(calls ? { operations: Object.keys(calls.byOperation) } : {}), provenance: { ...where, callerArn: d.callerArn?.(acct) ?? null, requestIds: [`req-${d.day}-${hour}-${acct}-${plain.queryId}`], responseDates: [`${d.day}T${hour}:${minute}:04.000Z`], tool: { name: 'evidence-locker', version: 'test' }, sdkVersion: 'aws-sdk-js-v3/test' } } : plain;
        const bytes = canonicalBytes(b);
        const sha = sha256Hex(bytes);
        await store.putObject(sha, bytes);
        records.push({ recordId: `${b.queryId}/${acct}/${b.region}`, queryId: b.queryId, accountId: acct, region: b.region, status: b.status, collectedAt: `${d.day}T${hour}:${minute}:05.000Z`, sha256: sha, size: bytes.length });
      };
      await add(body('test.bucket-encryption', acct, 'us-east-1', { buckets: [{ name: `logs-${acct}`, encrypted: d.encrypted[acct] }, { name: `data-${acct}`, encrypted: true }, ...(d.extraBucket ? [d.extraBucket] : [])] }));
      if (d.trailErrors?.includes(acct)) await add(body('test.trails', acct, 'us-east-1', undefined, { code: 'AccessDeniedException', message: 'not authorized to perform cloudtrail:DescribeTrails', operation: 'DescribeTrails' }));
      else await add(body('test.trails', acct, 'us-east-1', { trails: [{ name: 'org-trail', logging: true }] }));
    }
    counter++;
    await sealRun(store, s, {
      runId: `${d.day.replace(/-/g, '')}T${hour}${minute}00Z-${d.rebuilds ? `backfill-${d.rebuilds.replace(/-/g, '')}-` : ''}${String(counter).padStart(6, '0')}`,
      kind: 'collection',
      chain: d.chain ?? (d.rebuilds ? 'backfill' : d.shard ? `shard-${d.shard.index}-of-${d.shard.count}` : 'default'),
      ...(d.rebuilds ? { reconstruction: { asOf: d.rebuilds, reconstructed: ['test.bucket-encryption', 'test.trails'], notReconstructed: [] } } : {}),
      startedAt: new Date(startedAt),
      completedAt: new Date(Date.parse(startedAt) + (d.minutes ?? 5) * 60_000),
      scope: { accounts, regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] },
      ...(d.shard ? { shard: d.shard } : {}),
      ...(d.simulated ? { simulated: true } : {}),
      ...(d.startSecret ? { startSecret: d.startSecret } : {}),
      records,
    }, trust ? { trust } : {});
  }
  return s;
}

/**
 * Evaluation stand-in with the engine's contract: pure, from evidence bodies only, missing evidence is a gap.
 * Keeps the packaging tests independent of which real queries are registered.
 */
export async function fixtureEvaluate(input: EvaluateRunInput): Promise<ControlResult[]> {
  const out: ControlResult[] = [];
  const accounts = input.accounts ?? input.manifest.scope.accounts;
  for (const fw of input.frameworks) {
    const cat = input.catalogs.find((c) => c.framework === fw)!;
    for (const req of cat.requirements) {
      for (const acct of accounts) {
        const base = { framework: fw, requirementId: req.id, accountId: acct, coverage: req.coverage, parameters: {} };
        if (req.coverage === 'manual') {
          const atts = (input.attestations ?? []).filter((a) => a.framework === fw && a.requirement === req.id);
          out.push({ ...base, status: 'manual', reasons: atts.length ? atts.map((a) => `attestation by ${describeAttester(a.by, a.sealedBy)}: ${a.note}`) : ['manual: assessor examines evidence'], findings: [], gaps: [], evidence: atts.map((a) => ({ runId: a.runId, recordId: 'attestation', queryId: 'attestation', accountId: acct, region: 'global', collectedAt: a.collectedAt, sha256: a.sha256, status: 'ok' as const })) });
          continue;
        }
        const recs = input.manifest.records.filter((r) => r.accountId === acct && req.queries.includes(r.queryId));
        const findings: ControlResult['findings'] = [];
        const gaps: ControlResult['gaps'] = [];
        for (const r of recs) {
          const b = await input.loadBody(r.sha256);
          if (b.status === 'error') {
            gaps.push({ queryId: r.queryId, region: r.region, reason: `${b.error!.code}: ${b.error!.message}` });
            continue;
          }
          const data = b.data as { buckets?: { name: string; encrypted: boolean }[]; trails?: { name: string; logging: boolean }[] };
          for (const bk of data.buckets ?? []) findings.push({ resource: bk.name, resourceType: 'AWS::S3::Bucket', status: bk.encrypted ? 'pass' : 'fail', reason: bk.encrypted ? 'default encryption on' : 'no default encryption', queryId: r.queryId, region: r.region, evidenceSha256: r.sha256 });
          for (const t of data.trails ?? []) findings.push({ resource: t.name, resourceType: 'AWS::CloudTrail::Trail', status: t.logging ? 'pass' : 'fail', reason: t.logging ? 'logging' : 'not logging', queryId: r.queryId, region: r.region, evidenceSha256: r.sha256 });
        }
        if (!recs.length) gaps.push({ queryId: req.queries[0], region: '-', reason: 'no evidence record in this run' });
        const status: ControlStatus = findings.some((f) => f.status === 'fail') ? 'fail' : gaps.length || !findings.length ? 'not-collected' : 'pass';
        findings.sort((a, b) => (a.status === b.status ? a.resource.localeCompare(b.resource) : a.status === 'fail' ? -1 : 1));
        out.push({
          ...base,
          status,
          reasons: [...findings.filter((f) => f.status === 'fail').map((f) => `FAIL ${f.resource}: ${f.reason}`), ...gaps.map((g) => `GAP ${g.queryId}: ${g.reason}`), ...(status === 'pass' ? [`${findings.length} checks passed`] : [])],
          findings,
          gaps,
          evidence: recs.map((r) => ({ runId: input.manifest.runId, recordId: r.recordId, queryId: r.queryId, accountId: acct, region: r.region, collectedAt: r.collectedAt, sha256: r.sha256, status: r.status })),
        });
      }
    }
  }
  return out;
}

/** A standard scenario: 5 days, account 2 fails on day 3 (drift), day 4 missing for account 2, trail error on day 5. */
export function standardDays(): FixtureDay[] {
  return [
    { day: '2026-03-01', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true } },
    { day: '2026-03-02', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: true } },
    { day: '2026-03-03', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: false } },
    { day: '2026-03-04', encrypted: { [ACCOUNTS[0]]: true } },
    { day: '2026-03-05', encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: false }, trailErrors: [ACCOUNTS[1]] },
  ];
}

/**
 * A month with drift (account 2 unencrypted on days 8-19 and again from day 28), two missed days, a query error on day 25, a
 * three-shard slot with only one shard sealed (account 3), an attestation with a document, and exceptions
 * (one active, one expired).
 */
export async function richScenario(store: MemoryStore, docPath: string): Promise<{ signer: LocalEd25519Signer; exceptions: import('../../src/package/exceptions.js').ExceptionEntry[] }> {
  const days: FixtureDay[] = [];
  for (let i = 1; i <= 30; i++) {
    if (i === 12 || i === 13) continue;
    days.push({ day: `2026-04-${String(i).padStart(2, '0')}`, encrypted: { [ACCOUNTS[0]]: true, [ACCOUNTS[1]]: !(i >= 8 && i < 20) && i < 28 }, trailErrors: i === 25 ? [ACCOUNTS[0]] : [] });
  }
  const signer = await sealDays(store, days);
  await sealDays(store, [{ day: '2026-04-15', encrypted: { '333333333333': true }, shard: { index: 1, count: 3, slot: '2026-04-15' }, hour: 5 }], signer);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(docPath, 'Daily log review record, April 2026. Signed: J. Doe\n');
  const { sealAttestation } = await import('../../src/package/attest.js');
  await sealAttestation({ store, signer, catalogs: [TEST_CATALOG], framework: 'test-fw', requirement: '2.2', by: 'Jane Doe (CISO)', note: 'Daily log reviews performed; records attached', file: docPath, at: new Date('2026-04-20T10:00:00Z') });
  return {
    signer,
    exceptions: [
      { framework: 'test-fw', requirement: '1.1', accounts: [ACCOUNTS[1]], type: 'compensating-control', owner: 'Platform team', rationale: 'Bucket holds only public assets; anything else is encrypted client-side.', approvedBy: 'CISO', expires: '2026-12-31' },
      { framework: 'test-fw', requirement: '2.1', type: 'accepted-risk', owner: 'Security', rationale: 'Legacy account being decommissioned in Q2.', approvedBy: 'CRO', expires: '2026-03-31' },
    ],
  };
}
