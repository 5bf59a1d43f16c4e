import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  ListObjectsV2Command,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/evidence/hash.js';
import { piecedOf } from '../../src/evidence/pieced.js';
import { createHash } from 'node:crypto';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import { writeRefusedBodyList, writeSealRefusal } from '../../src/seal/refusals.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { contractTrust, evidenceBody, sealBodies, storeContract } from '../store/contract.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { integrationEnv, rawClient, storeConfig, uniquePrefix } from './env.js';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsManifestSigner } from '../../src/aws/kms-signer.js';
import { RecordSpool } from '../../src/collect/record-spool.js';
import { sealRunFrom } from '../../src/seal/seal.js';
import { verifyManifestSignature } from '../../src/seal/verify-signature.js';
import { demoWorld, simulatorClientConfig, startSimulatedAws } from '../../src/simulator/index.js';
import { DEMO_SIGNING_KEY_ALIAS } from '../../src/simulator/worlds/seed-kms.js';

const env = integrationEnv();
const raw = rawClient();
const opened: S3EvidenceStore[] = [];
afterAll(() => {
  for (const s of opened) s.destroy();
  raw.destroy();
});

function s3Store(name: string, overrides = {}): S3EvidenceStore {
  const store = new S3EvidenceStore(storeConfig(uniquePrefix(name), overrides));
  opened.push(store);
  return store;
}

/** Same prefix, but the client dies on the manifest PutObject, as a process killed at that instant would. */
function interrupted(store: EvidenceStore): S3EvidenceStore {
  const base = store as S3EvidenceStore;
  const s = new S3EvidenceStore(base.config);
  s.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (context.commandName === 'PutObjectCommand' && input.Key?.endsWith('/manifest.json')) throw new Error('simulated crash before the manifest');
      return next(args);
    },
    { step: 'initialize', name: 'simulatedCrash' },
  );
  opened.push(s);
  return s;
}

const md5Of = (s: string) => createHash('md5').update(s).digest('base64');
const httpStatus = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
async function refused(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('the server accepted an operation Object Lock must refuse');
}

/**
 * Same prefix, but for its next `times` runs someone else with s3:PutObject writes a manifest.json of their own as soon
 * as the run's public-key.pem appears (before the run's own manifest): readers would take theirs as the sealed one.
 */
function planting(store: EvidenceStore, times: number): S3EvidenceStore {
  const base = store as S3EvidenceStore;
  const s = new S3EvidenceStore(base.config);
  let left = times;
  s.client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = args.input as { Key?: string };
      if (context.commandName === 'PutObjectCommand' && input.Key?.endsWith('/public-key.pem') && left-- > 0) {
        await raw.send(new PutObjectCommand({ Bucket: base.bucket, Key: input.Key.replace(/public-key\.pem$/, 'manifest.json'), Body: 'planted', ContentMD5: md5Of('planted') }));
      }
      return out;
    },
    { step: 'initialize', name: 'plantManifest' },
  );
  opened.push(s);
  return s;
}

storeContract('s3 (Ceph RGW Object Lock)', {
  open: async () => s3Store('contract'),
  openInterruptedBeforeManifest: async (store) => interrupted(store),
  openPlanting: async (store, times) => planting(store, times),
});

describe('S3 store against a real Object Lock server', () => {
  it('seals a run; deleting versions, batch deletes, shortening retention, GOVERNANCE and overwrites all fail to touch it', async () => {
    const store = s3Store('attack');
    const bodies = [evidenceBody('attack-1'), evidenceBody('attack-2')];
    const { runId, records } = await sealBodies(store, bodies, new Date());
    const target = records[0].location!;
    expect(target.versionId).toBeTruthy();

    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');

    // 1. DeleteObject with VersionId, also with governance bypass.
    const e1 = await refused(raw.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId })));
    expect(httpStatus(e1)).toBe(403);
    const e1b = await refused(raw.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId, BypassGovernanceRetention: true })));
    expect(httpStatus(e1b)).toBe(403);

    // 2. DeleteObjects batch: per-key errors, nothing deleted.
    const manifestVersions = (await store.runFileVersions(runId)).get('manifest.json')!;
    const batch = await raw.send(
      new DeleteObjectsCommand({
        Bucket: env.bucket,
        Delete: { Objects: [{ Key: records[1].location!.key, VersionId: records[1].location!.versionId }, { Key: manifestVersions[0].key, VersionId: manifestVersions[0].versionId }] },
      }),
    );
    expect(batch.Deleted ?? []).toEqual([]);
    expect((batch.Errors ?? []).map((e) => e.Code)).toEqual(['AccessDenied', 'AccessDenied']);

    // 3. Shortening the retention.
    const e3 = await refused(
      raw.send(new PutObjectRetentionCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 60_000) } })),
    );
    expect(httpStatus(e3)).toBe(403);

    // 4. Switching to GOVERNANCE (with bypass).
    const e4 = await refused(
      raw.send(
        new PutObjectRetentionCommand({
          Bucket: env.bucket,
          Key: target.key,
          VersionId: target.versionId,
          BypassGovernanceRetention: true,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: head.ObjectLockRetainUntilDate },
        }),
      ),
    );
    expect(httpStatus(e4)).toBe(403);
    const retention = await raw.send(new GetObjectRetentionCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(head.ObjectLockRetainUntilDate?.getTime());

    // 5. Overwriting a body key and the manifest key: new versions appear, the sealed versions stay as they were.
    await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: target.key, Body: '{"forged":true}' }));
    await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: manifestVersions[0].key, Body: '{"forged":true}' }));
    const sealedBody = await raw.send(new GetObjectCommand({ Bucket: env.bucket, Key: target.key, VersionId: target.versionId }));
    expect(sha256Hex(Buffer.from(await sealedBody.Body!.transformToByteArray()))).toBe(records[0].sha256);
    // A delete without a version id only adds a delete marker.
    await raw.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: records[1].location!.key }));

    // Verification still passes (on the sealed versions) and reports the overwrite of the manifest key.
    const report = await verifyStoredRuns(store, { runId }, await contractTrust());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.warnings.some((w) => /later version\(s\) were written over the sealed manifest.json/.test(w.problem))).toBe(true);
    // Reading by hash still gives the sealed bytes, past the forged version and past the delete marker.
    expect((await store.getObject(records[0].sha256)).equals(bodies[0])).toBe(true);
    expect((await store.getObject(records[1].sha256)).equals(bodies[1])).toBe(true);
    // The body whose latest version is now a forgery is written again (content-addressed) by the next run.
    const again = await store.putObject(records[0].sha256, bodies[0]);
    expect(again.existed).toBe(false);
    expect(again.versionId).not.toBe(target.versionId);
  });

  it('verification names objects whose retention is shorter than required', async () => {
    const store = s3Store('weak');
    const { runId, records } = await sealBodies(store, [evidenceBody('weak-1')], new Date());
    const required = new Date(Date.now() + 30 * 86_400_000);
    const report = await verifyStoredRuns(store, { runId }, { ...(await contractTrust()), requiredRetainUntil: required });
    expect(report.ok).toBe(false);
    const keys = report.problems.map((p) => p.key);
    expect(keys).toContain(records[0].location!.key);
    expect(keys.filter((k) => k?.includes(`/runs/${runId}/`))).toHaveLength(3);
    for (const p of report.problems) expect(p.problem).toMatch(/earlier than the required/);
  });

  it('pre-flight refuses a bucket without Object Lock and nothing is written', async () => {
    const bucket = `el-it-nolock-${Date.now().toString(36)}`;
    await raw.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3EvidenceStore({ ...storeConfig('nolock/'), bucket });
    opened.push(store);
    const err = (await refused(store.preflight())) as Error & { hint?: string };
    expect(err.message).toMatch(new RegExp(`evidence bucket ${bucket} cannot keep write-once promises; nothing was written`));
    expect(err.message).toMatch(/object lock enabled/);
    expect(err.hint).toMatch(/put-object-lock-configuration/);
    const body = evidenceBody('nolock');
    await refused(store.putObject(sha256Hex(body), body));
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('pre-flight passes on the lock bucket and reports what it checked', async () => {
    const checks = await s3Store('check').preflight();
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName['object lock enabled'].ok).toBe(true);
    expect(byName['versioning enabled'].ok).toBe(true);
    expect(byName['default retention'].ok).toBe(true);
    expect(byName['public access block'].ok).toBe(true);
    // This server has no bucket default encryption (SSE-S3 arrived in Ceph 17): reported, not fatal.
    expect(byName['default encryption'].advisory).toBe(true);
  });

  it('places and lifts a legal hold on every object of the runs in a period, and seals the action as evidence', async () => {
    const store = s3Store('hold');
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-it-key-')));
    const at = new Date();
    const { runId, records } = await sealBodies(store, [evidenceBody('hold-1'), evidenceBody('hold-2')], at);
    const period = { from: new Date(at.getTime() - 60_000), to: new Date(at.getTime() + 60_000) };

    const both = trustPolicy([...(await contractTrust()).trust.fingerprints, await signer.fingerprint()]);
    const held = await applyLegalHold(store, signer, { ...period, action: 'hold', reason: 'matter 42', trust: both });
    expect(held.runs).toEqual([runId]);
    expect(held.objects).toHaveLength(5); // 2 bodies + manifest, signature, public key
    for (const o of held.objects) {
      const lh = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: o.key, VersionId: o.versionId }));
      expect(lh.LegalHold?.Status).toBe('ON');
    }
    const holdRun = held.sealed!.manifest;
    expect(holdRun.kind).toBe('legal-hold');
    const holdBody = JSON.parse((await store.getObject(holdRun.records[0].sha256)).toString('utf8'));
    expect(holdBody.data.action).toBe('hold');
    expect(holdBody.data.reason).toBe('matter 42');
    expect(holdBody.data.objects.map((o: { key: string }) => o.key)).toContain(records[0].location!.key);

    const released = await applyLegalHold(store, signer, { ...period, action: 'release', trust: both });
    expect(released.runs).toEqual([runId]);
    for (const o of released.objects) {
      const lh = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: o.key, VersionId: o.versionId }));
      expect(lh.LegalHold?.Status).toBe('OFF');
    }
    expect(released.sealed!.manifest.previous?.runId).toBe(holdRun.runId);
    const all = await verifyStoredRuns(store, { from: new Date(at.getTime() - 60_000), to: new Date(Date.now() + 60_000) }, { trust: both });
    expect(all.problems).toEqual([]);
    expect(all.runs).toHaveLength(3);
  });

  it('a legal hold covers the signed refusal records of the period (a refused seal is evidence too) and what its attempts left in their run folders', async () => {
    const store = s3Store('hold-refusal');
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-it-key-')));
    const at = new Date();
    const runId = `${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z-c0c0c0`;
    // What someone planted in the attempt's run folder, as two versions of its manifest key.
    const plantedKey = store.runKey(runId, 'manifest.json');
    const planted: string[] = [];
    for (const body of ['{"planted":1}', '{"planted":2}']) planted.push((await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: plantedKey, Body: body, ContentMD5: md5Of(body) }))).VersionId!);
    // The body the refused run stored, and the list of its bodies that the refusal record names (as the seal writes them).
    const refusedBody = evidenceBody('hold-refused-body');
    const stored = await store.putObject(sha256Hex(refusedBody), refusedBody);
    const bodyList = await writeRefusedBodyList(store, [{ sha256: sha256Hex(refusedBody), size: refusedBody.length, location: { key: stored.key, ...(stored.versionId ? { versionId: stored.versionId } : {}) } }]);
    expect(bodyList.location?.versionId).toBeDefined();
    const ref = await writeSealRefusal(store, signer, {
      schema: 'evidence-locker/seal-refusal@1',
      kind: 'collection',
      chain: 'default',
      tool: { name: 'evidence-locker', version: 'test', sdkVersion: 'test' },
      startedAt: at.toISOString(),
      completedAt: at.toISOString(),
      refusedAt: at.toISOString(),
      scope: { accounts: ['111111111111'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-encryption'] },
      previous: null,
      attempts: [{ runId, reason: 'planted', planted: [{ key: `runs/${runId}/manifest.json` }] }],
      records: { count: 1, errors: 0, bodiesStored: 1, bodyList },
      signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
    });
    const period = { from: new Date(at.getTime() - 60_000), to: new Date(at.getTime() + 60_000) };
    const trust = trustPolicy([await signer.fingerprint()]);
    const held = await applyLegalHold(store, signer, { ...period, action: 'hold', trust });
    expect(held.runs).toEqual([]);
    expect(held.objects).toEqual([
      { key: store.pathKey(ref.path), versionId: ref.versionId },
      ...planted.map((versionId) => ({ key: plantedKey, versionId })),
      { key: store.objectKey(bodyList.sha256), versionId: bodyList.location!.versionId },
      { key: stored.key, versionId: stored.versionId },
    ]);
    expect(held.refusedBodies).toEqual([{ record: ref.path, list: { sha256: bodyList.sha256, key: store.objectKey(bodyList.sha256), versionId: bodyList.location!.versionId }, objects: [{ key: stored.key, versionId: stored.versionId }] }]);
    for (const o of held.objects) {
      const lh = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: o.key, VersionId: o.versionId }));
      expect(lh.LegalHold?.Status).toBe('ON');
    }
    const released = await applyLegalHold(store, signer, { ...period, action: 'release', trust });
    expect(released.objects).toEqual(held.objects);
    for (const o of held.objects) {
      const off = await raw.send(new GetObjectLegalHoldCommand({ Bucket: env.bucket, Key: o.key, VersionId: o.versionId }));
      expect(off.LegalHold?.Status).toBe('OFF');
    }
  });

  it('extends the retention of an unchanged body when a later run needs a later date, never shortens it', async () => {
    const store = s3Store('extend');
    const body = evidenceBody('extend');
    const sha = sha256Hex(body);
    const first = await store.putObject(sha, body);
    const key = store.objectKey(sha);
    const before = (await raw.send(new GetObjectRetentionCommand({ Bucket: env.bucket, Key: key, VersionId: first.versionId }))).Retention!.RetainUntilDate!;
    const later = new Date(before.getTime() + 5 * 86_400_000);
    const second = await store.putObject(sha, body, { retainUntil: later });
    expect(second).toMatchObject({ existed: true, versionId: first.versionId });
    const after = (await raw.send(new GetObjectRetentionCommand({ Bucket: env.bucket, Key: key, VersionId: first.versionId }))).Retention!;
    expect(after.Mode).toBe('COMPLIANCE');
    expect(Math.abs(after.RetainUntilDate!.getTime() - later.getTime())).toBeLessThan(1000);
    // An earlier date asked for later leaves it as it is.
    await store.putObject(sha, body, { retainUntil: new Date(Date.now() + 3_600_000) });
    const still = (await raw.send(new GetObjectRetentionCommand({ Bucket: env.bucket, Key: key, VersionId: first.versionId }))).Retention!;
    expect(still.RetainUntilDate!.getTime()).toBe(after.RetainUntilDate!.getTime());
  });

  it('uploads a large body in parts under lock and reads it back intact', async () => {
    const store = s3Store('multipart', { multipartThresholdBytes: 1024 * 1024 });
    const big = Buffer.concat([evidenceBody('big'), Buffer.alloc(11 * 1024 * 1024, 0x20)]);
    const stored = await store.putObject(sha256Hex(big), big);
    expect(stored.existed).toBe(false);
    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: stored.key, VersionId: stored.versionId }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ContentLength).toBe(big.length);
    expect(sha256Hex(await store.getObject(sha256Hex(big)))).toBe(sha256Hex(big));
    expect((await store.putObject(sha256Hex(big), big)).existed).toBe(true);
  });

  it('seals a spooled run with a KMS key in pieces: its manifest goes up in parts under lock, never whole, and verifies as sealed', async () => {
    const sim = await startSimulatedAws({ world: demoWorld({ now: new Date('2026-12-05T00:00:00Z') }) });
    const kms = new KMSClient(simulatorClientConfig(sim, { region: 'us-east-1' }));
    try {
      const signer = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS);
      const store = s3Store('pieced-manifest', { multipartThresholdBytes: 1024 * 1024 });
      const bodies = Array.from({ length: 8 }, (_, i) => evidenceBody(`pieced-${i}`));
      const stored = await Promise.all(bodies.map((b) => store.putObject(sha256Hex(b), b)));
      const spool = new RecordSpool(mkdtempSync(join(tmpdir(), 'el-pieced-')));
      // 15,000 records (about 6 MB of manifest, two parts) citing the eight bodies.
      for (let i = 0; i < 15_000; i++) {
        const k = i % bodies.length;
        spool.add({ recordId: `s3.bucket-versioning/${String(100000000000 + i)}/us-east-1`, queryId: 's3.bucket-versioning', accountId: String(100000000000 + i), region: 'us-east-1', status: 'ok', collectedAt: '2026-12-05T01:00:00.000Z', sha256: sha256Hex(bodies[k]), size: bodies[k].length, location: { key: stored[k].key, ...(stored[k].versionId ? { versionId: stored[k].versionId } : {}) } });
      }
      const sealed = await sealRunFrom(store, signer, { runId: '20261205T010000Z-a1b2c3', kind: 'collection', chain: 'pieced', startedAt: new Date('2026-12-05T01:00:00Z'), completedAt: new Date('2026-12-05T01:05:00Z'), scope: { accounts: ['100000000000'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] }, gaps: [], records: spool });
      spool.close();
      expect(sealed.manifestBytes).toBeUndefined();
      expect(sealed.manifestSize).toBeGreaterThan(5 * 1024 * 1024);
      const [manifestVersion] = (await store.runFileVersions('20261205T010000Z-a1b2c3')).get('manifest.json')!;
      const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: manifestVersion.key, VersionId: manifestVersion.versionId }));
      // A multipart object's ETag ends in its number of parts.
      expect(head.ETag).toMatch(/-2"$/);
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      const run = await store.getRun('20261205T010000Z-a1b2c3');
      expect(run.manifest.length).toBe(sealed.manifestSize);
      expect(sha256Hex(run.manifest)).toBe(sealed.manifestSha256);
      // The sealed version read back is the signed one (verify --store checks each of its 15,000 records elsewhere).
      expect(verifyManifestSignature(run.manifest, run.signature, run.publicKeyPem, signer.algorithm)).toBe(true);
      expect(run.publicKeyPem).toBe(await signer.publicKeyPem());
    } finally {
      kms.destroy();
      await sim.close();
    }
  });

  it('names a version another writer planted at a run file while its manifest was uploaded in parts: the seal fails at once, not the audit', async () => {
    const store = s3Store('planted-during-seal', { multipartThresholdBytes: 1024 * 1024 });
    const runId = '20261205T020000Z-d4e5f6';
    const manifestKey = store.runKey(runId, 'manifest.json');
    // Someone else holding s3:PutObject on the bucket writes manifest.json while our first part is on its way.
    let planted: string | undefined;
    let planting = false;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        // Once, though four parts start together.
        if (context.commandName === 'UploadPartCommand' && !planting) {
          planting = true;
          planted = (await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: manifestKey, Body: '{"records":[]}', ContentMD5: md5Of('{"records":[]}') }))).VersionId;
        }
        return next(args);
      },
      { step: 'initialize', name: 'plantDuringUpload' },
    );
    const manifest = Buffer.concat([Buffer.from('{"records":['), Buffer.alloc(6 * 1024 * 1024, 0x20), Buffer.from(']}')]);
    const err = await refused(store.putRun({ runId, manifest: piecedOf(manifest), signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(planted).toBeTruthy();
    expect((err as Error).message).toContain(`run ${runId} was written, but readers take versions of its files that this seal did not write`);
    expect((err as Error).message).toContain(`s3://${env.bucket}/${manifestKey}: 1 version(s) older than the one written`);
    expect((err as Error).message).toContain(planted!);
    // What the seal wrote is there and locked, after the planted version: readers take the planted one, which the
    // seal has named.
    const versions = (await store.runFileVersions(runId)).get('manifest.json')!;
    expect(versions.map((v) => v.versionId)[0]).toBe(planted);
    expect(versions).toHaveLength(2);
  });

  it('accepts an older twin of a run file that holds the signed bytes under the same lock, as an SDK retry of a PUT whose answer was lost leaves', async () => {
    const store = s3Store('twin-during-seal');
    const runId = '20261205T030000Z-a7b8c9';
    // The PUT of manifest.sig reaches the server twice: the first copy, under the very lock headers of ours, lands first.
    let twin: string | undefined;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; Body?: Buffer; ObjectLockMode?: 'COMPLIANCE'; ObjectLockRetainUntilDate?: Date };
        if (context.commandName === 'PutObjectCommand' && input.Key?.endsWith('/manifest.sig') && !twin) {
          twin = (await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: input.Key, Body: input.Body, ContentMD5: createHash('md5').update(input.Body!).digest('base64'), ObjectLockMode: input.ObjectLockMode, ObjectLockRetainUntilDate: input.ObjectLockRetainUntilDate }))).VersionId;
        }
        return next(args);
      },
      { step: 'initialize', name: 'retriedPut' },
    );
    const manifest = Buffer.from('{"records":[]}');
    await store.putRun({ runId, manifest, signature: Buffer.from('signature bytes'), publicKeyPem: 'key' });
    expect(twin).toBeTruthy();
    const versions = (await store.runFileVersions(runId)).get('manifest.sig')!;
    expect(versions).toHaveLength(2);
    expect(versions[0].versionId).toBe(twin);
    expect((await store.getRun(runId)).signature.toString()).toBe('signature bytes');
  });

  it('writes SSE-KMS objects when a KMS key is configured', async () => {
    expect(env.kmsKeyId, 'WORM_S3_KMS_KEY_ID is exported by scripts/integration-env.sh').toBeTruthy();
    const store = s3Store('kms', { kmsKeyId: env.kmsKeyId });
    const body = evidenceBody('kms');
    const stored = await store.putObject(sha256Hex(body), body);
    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: stored.key, VersionId: stored.versionId }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
  });
});
