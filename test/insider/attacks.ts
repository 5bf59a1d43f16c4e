import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { trustPolicy, type TrustPolicy } from '../../src/seal/trust.js';
import { body, sealDays } from '../package/fixtures.js';

/**
 * The insider's tools: only what the collector's own role may do (PutObject under the evidence prefix, and on S3 a
 * DeleteObject without a version id, which Object Lock allows). Shared by the local and the Object Lock suites.
 */

export const ACCT = '111111111111';

export interface Scene {
  store: EvidenceStore;
  genuine: LocalEd25519Signer;
  attacker: LocalEd25519Signer;
  /** What the organisation configured: its own key only. */
  trust: TrustPolicy;
  /** Genuine runs, oldest first. */
  genuineRuns: string[];
}

/** Three genuine daily runs in which the logs bucket is unencrypted (a failing requirement every day). */
export async function genuineScene(store: EvidenceStore, days = ['2026-10-01', '2026-10-02', '2026-10-03']): Promise<Scene> {
  const genuine = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-insider-genuine-')));
  const attacker = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-insider-attacker-')));
  await sealDays(store, days.map((day) => ({ day, encrypted: { [ACCT]: false } })), genuine);
  const genuineRuns = (await store.listRuns()).slice(-days.length);
  return { store, genuine, attacker, trust: trustPolicy([await genuine.fingerprint()]), genuineRuns };
}

/** The latest run's id and manifest hash: what a forged run links to. */
export async function linkTo(store: EvidenceStore, runId: string): Promise<{ runId: string; manifestSha256: string }> {
  return { runId, manifestSha256: sha256Hex((await store.getRun(runId)).manifest) };
}

/**
 * A complete, well-formed run signed with the attacker's own Ed25519 key, whose evidence says the logs bucket is
 * encrypted (the failing requirement made compliant), written with PutObject only.
 */
export async function forgeRun(
  scene: Scene,
  opts: { runId: string; day: string; chain?: string; previous: { runId: string; manifestSha256: string } | null },
): Promise<string> {
  const bytes = canonicalBytes(body('test.bucket-encryption', ACCT, 'us-east-1', { buckets: [{ name: `logs-${ACCT}`, encrypted: true }, { name: `data-${ACCT}`, encrypted: true }] }));
  const trails = canonicalBytes(body('test.trails', ACCT, 'us-east-1', { trails: [{ name: 'org-trail', logging: true }] }));
  const records: ManifestRecord[] = [];
  for (const [queryId, b] of [['test.bucket-encryption', bytes], ['test.trails', trails]] as const) {
    const sha = sha256Hex(b);
    const stored = await scene.store.putObject(sha, b);
    records.push({ recordId: `${queryId}/${ACCT}/us-east-1`, queryId, accountId: ACCT, region: 'us-east-1', status: 'ok', collectedAt: `${opts.day}T23:00:05.000Z`, sha256: sha, size: b.length, ...(stored.versionId ? { location: { key: stored.key, versionId: stored.versionId } } : {}) });
  }
  const manifest: RunManifest = RunManifestSchema.parse({
    schema: 'evidence-locker/run-manifest@1',
    runId: opts.runId,
    kind: 'collection',
    chain: opts.chain ?? 'default',
    tool: { name: 'evidence-locker', version: '0.1.0', sdkVersion: 'aws-sdk-js-v3/test' },
    startedAt: `${opts.day}T23:00:00.000Z`,
    completedAt: `${opts.day}T23:05:00.000Z`,
    status: 'complete',
    scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption', 'test.trails'] },
    previous: opts.previous,
    store: { kind: 'local', location: 'memory://test' },
    signing: { algorithm: scene.attacker.algorithm, keyFingerprint: await scene.attacker.fingerprint(), keyId: scene.attacker.keyId },
    gaps: [],
    records,
  });
  const manifestBytes = canonicalBytes(manifest);
  await scene.store.putRun({ runId: opts.runId, manifest: manifestBytes, signature: await scene.attacker.sign(manifestBytes), publicKeyPem: await scene.attacker.publicKeyPem() });
  return opts.runId;
}

/** Writes raw bytes at a store-relative path, as PutObject (S3) or a plain file write (local) would. */
export async function rawPut(store: EvidenceStore, path: string, bytes: Buffer): Promise<void> {
  if (store instanceof LocalEvidenceStore) {
    const file = join(store.root, ...path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    return;
  }
  if (store instanceof S3EvidenceStore) {
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: `${store.prefix}${path}`, Body: bytes, ContentLength: bytes.length }));
    return;
  }
  throw new Error(`rawPut: unsupported store ${store.kind}`);
}
