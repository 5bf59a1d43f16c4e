/**
 * collect.mode delegated-admin at two organisation sizes: a member record cites its organisation-wide read by reference
 * (record id, SHA-256, request count), so what it carries of the read does not grow with the organisation's pages; the
 * read's own record, written once per run, does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection } from '../../src/collect/run.js';
import { canonicalJson } from '../../src/seal/canonical.js';
import { EvidenceBodySchema, type EvidenceBody } from '../../src/evidence/record.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR } from '../../src/simulator/index.js';
import { capturedLogger } from '../support/capture-log.js';

const catalogs = loadCatalogs([]);
const REGION = 'us-east-1';
/** Queries whose organisation-wide reads page through every member's findings or configuration items. */
const QUERIES = ['inspector2.findings', 'guardduty.findings', 'config.rule-compliance', 'ec2.admin-ports-open'];
const savedEnv = { ...process.env };
let dir: string;

interface Sizes {
  /** The largest `provenance.via` of a member record, canonical JSON bytes, by query. */
  via: Map<string, number>;
  /** Calls the largest read listed, and the bytes of all read records. */
  readRequests: number;
  readBytes: number;
}

async function collect(accounts: number): Promise<Sizes> {
  const world = organizationWorld({ accounts, regions: [REGION], seed: 5, delegatedAdministrator: true });
  world.account(ORG_MANAGEMENT_ACCOUNT_ID)!.roles.set('EvidenceLockerReadOnly', { name: 'EvidenceLockerReadOnly', trustedAccounts: [ORG_MANAGEMENT_ACCOUNT_ID], maxSessionDurationSeconds: 3600 });
  const sim = await startSimulatedAws({ world });
  try {
    Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
    const base = join(dir, String(accounts));
    const config = ConfigSchema.parse({
      accounts: { source: 'organizations' },
      regions: { list: [REGION], home: REGION },
      store: { kind: 'local', path: join(base, 'store') },
      stateDir: join(base, 'state'),
      collect: { maxAttempts: 6, workers: 1, mode: 'delegated-admin', delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR } },
    });
    const store = new LocalEvidenceStore(join(base, 'store'));
    const outcome = await runCollection({ config, catalogs, store, signer: LocalEd25519Signer.open(join(base, 'keys')), log: capturedLogger('warn').log, queries: QUERIES });
    const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
    const load = async (sha: string): Promise<EvidenceBody> => EvidenceBodySchema.parse(JSON.parse((await store.getObject(sha)).toString('utf8')));
    const sizes: Sizes = { via: new Map(), readRequests: 0, readBytes: 0 };
    for (const rec of manifest.records) {
      const body = await load(rec.sha256);
      if (rec.queryId.startsWith('delegated-read:')) {
        sizes.readRequests = Math.max(sizes.readRequests, body.requests.length);
        sizes.readBytes += rec.size;
        continue;
      }
      const via = body.provenance?.via;
      if (via) sizes.via.set(rec.queryId, Math.max(sizes.via.get(rec.queryId) ?? 0, Buffer.byteLength(canonicalJson(via))));
    }
    return sizes;
  } finally {
    await sim.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'el-delegated-size-'));
});

afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  rmSync(dir, { recursive: true, force: true });
});

describe('delegated-admin record size', () => {
  it("keeps what a member record carries of its organisation-wide read the same size whatever the organisation's size", async () => {
    const small = await collect(3);
    const large = await collect(30);
    for (const queryId of QUERIES) {
      expect(small.via.get(queryId), queryId).toBeGreaterThan(0);
      // The same facts and a reference: only the request count's digits may differ.
      expect(large.via.get(queryId)! - small.via.get(queryId)!, queryId).toBeLessThanOrEqual(3);
    }
    // The reads page through more members: their own records grow (once per run), so the comparison is not of nothing.
    expect(large.readRequests).toBeGreaterThan(small.readRequests);
    expect(large.readBytes).toBeGreaterThan(small.readBytes);
  }, 600_000);
});
