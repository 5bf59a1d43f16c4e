import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { buildPackage } from '../../src/package/build.js';
import { sealRun } from '../../src/seal/seal.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { TEST_CATALOG, body, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { ACCT, genuineScene } from '../insider/attacks.js';
import { insiderSuite } from '../insider/insider.js';
import { rawClient, storeConfig, uniquePrefix } from './env.js';
import { WRITTEN_LATE, writtenLate } from '../verify/written-late.js';

const opened: S3EvidenceStore[] = [];
function openStore(name: string): S3EvidenceStore {
  const store = new S3EvidenceStore(storeConfig(uniquePrefix(name)));
  opened.push(store);
  return store;
}
afterAll(() => {
  for (const s of opened) s.destroy();
});

insiderSuite('Object Lock S3', async () => openStore('insider'));

describe('insider attacks only an S3 store allows (Object Lock server)', () => {
  it('a delete marker on a sealed run: was the run gone from verify --store and packages, and the next run chained over the gap; now it is read at its locked version, stays a chain link, and the marker is named', async () => {
    const store = openStore('insider-marker');
    const scene = await genuineScene(store);
    const hidden = scene.genuineRuns[1];
    const client = rawClient();
    try {
      await client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: store.runKey(hidden, 'manifest.json') }));
    } finally {
      client.destroy();
    }
    expect(await store.listRuns()).toContain(hidden);

    await sealDays(store, [{ day: '2026-10-04', encrypted: { [ACCT]: false } }], scene.genuine);
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-10-31T23:59:59Z') }, { trust: scene.trust });
    // Sealed at October dates today: each run is named as written long after it completed (the hidden one too), nothing else.
    expect(report.problems).toEqual(writtenLate(store, await store.listRuns()));
    expect(report.runs.map((r) => r.runId)).toContain(hidden);
    expect(report.foreign).toMatchObject([{ runId: hidden, path: `runs/${hidden}/manifest.json`, reason: 'delete-marker' }]);
    expect(report.ok).toBe(false);

    const pkg = await buildPackage({ store, signer: scene.genuine, trust: scene.trust, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-04', evaluate: fixtureEvaluate, organization: 'Acme', outDir: mkdtempSync(join(tmpdir(), 'el-insider-s3-pkg-')) });
    expect(pkg.summary).toMatchObject({ runs: 4, foreignObjects: 1 });
  });

  it('a same-length body overwrite carrying the right x-amz-meta-sha256: was "already stored" and the run referenced the attacker\'s version; now the stored bytes are re-hashed and the genuine body is written as the version the run names', async () => {
    const store = openStore('insider-overwrite');
    const genuine = canonicalBytes(body('test.bucket-encryption', ACCT, 'us-east-1', { buckets: [{ name: `logs-${ACCT}`, encrypted: false }] }));
    const sha = sha256Hex(genuine);
    const first = await store.putObject(sha, genuine);
    const forged = Buffer.from(genuine.toString('utf8').replace('"encrypted":false', '"encrypted":!!!!!'));
    expect(forged.length).toBe(genuine.length);
    const client = rawClient();
    let forgedVersion: string | undefined;
    try {
      forgedVersion = (await client.send(new PutObjectCommand({ Bucket: store.bucket, Key: store.objectKey(sha), Body: forged, ContentLength: forged.length, Metadata: { sha256: sha } }))).VersionId;
    } finally {
      client.destroy();
    }
    const again = await store.putObject(sha, genuine);
    expect(again.existed).toBe(false);
    expect(again.versionId).toBeDefined();
    expect(again.versionId).not.toBe(forgedVersion);
    expect(again.versionId).not.toBe(first.versionId);
    expect((await store.readVersion(store.objectKey(sha), again.versionId)).body.equals(genuine)).toBe(true);
    expect((await store.getObject(sha)).equals(genuine)).toBe(true);
  });

  it('a version written over a sealed body with the insider\'s own customer key (SSE-C): was the end of every read of that body (packages failed on it); now the body is read from beneath it, and writing it again puts ours beside it', async () => {
    const store = openStore('insider-ssec');
    const genuine = canonicalBytes(body('test.bucket-encryption', ACCT, 'us-east-1', { buckets: [{ name: `logs-${ACCT}`, encrypted: true }] }));
    const sha = sha256Hex(genuine);
    const first = await store.putObject(sha, genuine);
    const customerKey = Buffer.alloc(32, 7);
    const client = rawClient();
    let planted: string | undefined;
    try {
      planted = (
        await client.send(
          new PutObjectCommand({
            Bucket: store.bucket,
            Key: store.objectKey(sha),
            Body: genuine,
            ContentLength: genuine.length,
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: customerKey.toString('base64'),
            SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
          }),
        )
      ).VersionId;
    } finally {
      client.destroy();
    }
    expect(planted).toBeDefined();
    // The server refuses a read of the planted version without its key, as S3 does.
    const refused = await store.readVersion(store.objectKey(sha), planted).then(() => undefined, (e: Error) => e);
    // (S3: 400 InvalidRequest; this server: 400 InvalidArgument, "Requests specifying Server Side Encryption with Customer provided keys must ...")
    expect(refused?.message).toMatch(/GetObject .* failed: (InvalidRequest|InvalidArgument): .*Server Side Encryption.* \(HTTP 400\)$/);
    expect((await store.getObject(sha, genuine.length)).equals(genuine)).toBe(true);
    const again = await store.putObject(sha, genuine);
    expect(again.existed).toBe(false);
    expect(again.versionId).not.toBe(first.versionId);
    expect((await store.readVersion(store.objectKey(sha), again.versionId)).body.equals(genuine)).toBe(true);
  });

  it('a run that names an overwritten version (sealed before this fix): was verify --store failing while package fell back to an older version; now both name the same version and refuse it', async () => {
    const store = openStore('insider-agree');
    const scene = await genuineScene(store, ['2026-10-01']);
    const genuine = canonicalBytes(body('test.bucket-encryption', ACCT, 'us-east-1', { buckets: [{ name: `logs-${ACCT}`, encrypted: false }] }));
    const sha = sha256Hex(genuine);
    await store.putObject(sha, genuine);
    const forged = Buffer.from(genuine.toString('utf8').replace('"encrypted":false', '"encrypted":!!!!!'));
    const client = rawClient();
    let forgedVersion: string | undefined;
    try {
      forgedVersion = (await client.send(new PutObjectCommand({ Bucket: store.bucket, Key: store.objectKey(sha), Body: forged, ContentLength: forged.length, Metadata: { sha256: sha } }))).VersionId;
    } finally {
      client.destroy();
    }
    expect(forgedVersion).toBeDefined();
    await sealRun(store, scene.genuine, {
      runId: '20261002T020000Z-0ld0ld',
      kind: 'collection',
      chain: 'default',
      startedAt: new Date('2026-10-02T02:00:00.000Z'),
      completedAt: new Date('2026-10-02T02:05:00.000Z'),
      scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] },
      records: [{ recordId: `test.bucket-encryption/${ACCT}/us-east-1`, queryId: 'test.bucket-encryption', accountId: ACCT, region: 'us-east-1', status: 'ok', collectedAt: '2026-10-02T02:00:05.000Z', sha256: sha, size: genuine.length, location: { key: store.objectKey(sha), versionId: forgedVersion! } }],
    });
    const report = await verifyStoredRuns(store, { from: new Date('2026-10-02T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z') }, { trust: scene.trust });
    expect(report.problems.filter((p) => WRITTEN_LATE.test(p.problem))).toEqual(writtenLate(store, ['20261002T020000Z-0ld0ld']));
    expect(report.problems.filter((p) => !WRITTEN_LATE.test(p.problem))).toMatchObject([{ runId: '20261002T020000Z-0ld0ld', versionId: forgedVersion }]);
    await expect(
      buildPackage({ store, signer: scene.genuine, trust: scene.trust, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-10-01', to: '2026-10-02', evaluate: fixtureEvaluate, organization: 'Acme', outDir: mkdtempSync(join(tmpdir(), 'el-insider-s3-pkg-')) }),
    ).rejects.toThrow(new RegExp(`the version ${forgedVersion} of .* that a sealed run names hashes to`));
  });
});
