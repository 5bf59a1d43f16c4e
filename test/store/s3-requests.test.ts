import { Readable } from 'node:stream';
import { describe, expect, it, afterEach, vi } from 'vitest';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3StoreSchema } from '../../src/config/schema.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { RUN_FILES, RUN_FILE_MAX_BYTES, RUN_START_FILE, startSecretSha256 } from '../../src/evidence/layout.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { piecedOf } from '../../src/evidence/pieced.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { gatherRuns, packageDays, readRunManifest, readRunManifestBytes } from '../../src/package/gather.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { sealRun } from '../../src/seal/seal.js';
import { newRunId } from '../../src/evidence/run-id.js';
import { CONTRACT_KEY_DIR, contractTrust, evidenceBody, sealBodies } from './contract.js';

/** Every byte string the store hashes with the project's helpers (the helpers themselves are unchanged). */
const hashed = vi.hoisted(() => ({ inputs: [] as (Buffer | string)[] }));
vi.mock('../../src/evidence/hash.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/evidence/hash.js')>();
  const noted =
    (f: (data: Buffer | string) => string) =>
    (data: Buffer | string): string => {
      hashed.inputs.push(data);
      return f(data);
    };
  return { ...actual, sha256Hex: noted(actual.sha256Hex), sha256Base64: noted(actual.sha256Base64) };
});

/** When the fake server writes a version (PutObject, CompleteMultipartUpload), as its listings and HEAD answers name it. */
const WRITTEN_AT = new Date('2026-11-27T02:00:00.000Z');

/** A fake S3 behind the SDK's request handler: records every request the SDK builds and answers like S3. */
class FakeS3 {
  readonly requests: { method: string; hostname: string; path: string; query: Record<string, unknown>; headers: Record<string, string>; body: Buffer }[] = [];
  lock: 'compliance-6y' | 'none' | 'compliance-1d' = 'compliance-6y';
  /** `lastModified`: when the server wrote the object, as ListObjectVersions names it (default 2026-11-27T01:00:00Z; null: not named). */
  existing = new Map<string, { retainUntil: Date; length: number; sha256: string; body: Buffer; lastModified?: Date | null }>();
  /** Objects whose body never ends, with the length the response declares (if any) and the bytes a reader pulled. */
  endless = new Map<string, { declared?: number; listed?: number; pulled: number }>();
  /** Part uploads: how long each waits before it is answered (by part number), and a part answered 500. */
  partDelayMs: (partNumber: number) => number = () => 0;
  failPart?: number;
  /** Part uploads being answered now, and how many there were when an abort came. */
  partsInFlight = 0;
  inFlightAtAbort?: number;
  /** Versions written through this fake (PutObject, CompleteMultipartUpload), oldest first, by key: listed like S3 lists them. */
  written = new Map<string, { versionId: string; size: number; body?: Buffer; mode?: string; retainUntil?: string; etag?: string; refuse?: { status: number; xml: string } }[]>();
  /** Delete markers (key to the marker's version id), listed by ListObjectVersions as S3 lists them. */
  deleteMarkers = new Map<string, string>();
  /** Keys ListObjectsV2 names besides `existing` and `endless` (a body someone else wrote first). */
  listedKeys = new Set<string>();
  /** The bucket policy GetBucketPolicy answers (JSON text); none: NoSuchBucketPolicy. */
  policy?: string;
  /** The bucket's default encryption, as GetBucketEncryption answers it. */
  encryptionXml = '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>';
  /** CompleteMultipartUpload answers with its version id (as AWS does on a versioned bucket); false: without one. */
  completeNamesVersion = true;
  /** A GET of a version answered 503 (the version id). */
  unreadableVersion?: string;
  /** Called when a run file's HEAD comes, before it is answered. */
  beforeHead?: (key: string) => void;
  /** Called before each write is answered, with the key: a test plants another writer's version here. */
  beforeWrite?: (key: string) => void;

  /** Adds a version of `key` as S3 would (a later one lists first), and returns its id. */
  addVersion(key: string, size: number, versionId = `v-${this.requests.length}-${(this.written.get(key)?.length ?? 0) + 1}`, kept: { body?: Buffer; mode?: string; retainUntil?: string; etag?: string; refuse?: { status: number; xml: string } } = {}): string {
    this.written.set(key, [...(this.written.get(key) ?? []), { versionId, size, ...kept }]);
    return versionId;
  }

  handle = async (request: HttpRequest) => {
    const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body as Uint8Array);
    const rec = { method: request.method, hostname: request.hostname, path: request.path, query: request.query as Record<string, unknown>, headers: { ...request.headers }, body };
    this.requests.push(rec);
    const q = rec.query;
    const key = decodeURIComponent(rec.path.split('/').slice(2).join('/'));
    const xml = (s: string, headers: Record<string, string> = {}) => this.reply(200, s, headers);
    if (rec.method === 'HEAD' && !key) return this.reply(200, '');
    if ('object-lock' in q && rec.method === 'GET') {
      if (this.lock === 'none') return this.reply(404, '<Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>no lock</Message></Error>');
      const period = this.lock === 'compliance-6y' ? '<Years>6</Years>' : '<Days>1</Days>';
      return xml(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode>${period}</DefaultRetention></Rule></ObjectLockConfiguration>`);
    }
    if ('versioning' in q) return xml('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
    if ('policy' in q && rec.method === 'GET') {
      return this.policy === undefined ? this.reply(404, '<Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not exist</Message></Error>') : this.reply(200, this.policy, { 'content-type': 'application/json' });
    }
    if ('publicAccessBlock' in q)
      return xml('<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>');
    if ('encryption' in q) return xml(this.encryptionXml);
    if ('list-type' in q) {
      const prefix = String((q.prefix as string | undefined) ?? '');
      const keys = [...this.existing.keys(), ...this.endless.keys(), ...this.listedKeys].filter((k) => k.startsWith(prefix));
      return xml(`<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>${keys.length}</KeyCount>${keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size></Contents>`).join('')}</ListBucketResult>`);
    }
    if ('versions' in q) {
      const prefix = String((q.prefix as string | undefined) ?? '');
      // With a delimiter, a key with one after the prefix is rolled up into a common prefix, as S3 does.
      const delimiter = typeof q.delimiter === 'string' ? q.delimiter : undefined;
      const common = new Set<string>();
      const direct = (k: string) => {
        const at = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
        if (at >= 0) common.add(k.slice(0, at + delimiter!.length));
        return at < 0;
      };
      const listed = [...new Set([...this.existing.keys(), ...this.endless.keys()])].filter((k) => k.startsWith(prefix) && direct(k)).sort();
      const written = (k: string) => {
        const at = this.existing.get(k)?.lastModified;
        return at === null ? '' : `<LastModified>${(at ?? new Date('2026-11-27T01:00:00.000Z')).toISOString()}</LastModified>`;
      };
      const older = listed.map((k) => `<Version><Key>${k}</Key><VersionId>v-existing</VersionId><IsLatest>true</IsLatest>${written(k)}<Size>${this.endless.has(k) ? (this.endless.get(k)!.listed ?? this.endless.get(k)!.declared ?? 1) : this.existing.get(k)!.body.length}</Size></Version>`);
      const newer = [...this.written.entries()]
        .filter(([k]) => k.startsWith(prefix) && !listed.includes(k) && direct(k))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .flatMap(([k, vs]) => [...vs].reverse().map((v, i) => `<Version><Key>${k}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${i === 0}</IsLatest><LastModified>${WRITTEN_AT.toISOString()}</LastModified><Size>${v.size}</Size></Version>`));
      const markers = [...this.deleteMarkers]
        .filter(([k]) => k.startsWith(prefix) && direct(k))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `<DeleteMarker><Key>${k}</Key><VersionId>${v}</VersionId><IsLatest>true</IsLatest><LastModified>2026-11-27T03:00:00.000Z</LastModified></DeleteMarker>`);
      const folders = [...common].sort().map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`);
      return xml(`<ListVersionsResult><IsTruncated>false</IsTruncated>${[...older, ...newer, ...markers].join('')}${folders.join('')}</ListVersionsResult>`);
    }
    if (rec.method === 'GET' && this.endless.has(key)) {
      // A body that is made only as it is read: how much the reader pulled is counted.
      const e = this.endless.get(key)!;
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const body = Readable.from((function* () {
        for (;;) {
          e.pulled += chunk.length;
          yield chunk;
        }
      })());
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/json', ...(e.declared !== undefined ? { 'content-length': String(e.declared) } : {}), 'x-amz-version-id': 'v-existing' }, body }) };
    }
    if ('retention' in q) return this.reply(200, '');
    if (rec.method === 'GET' && q.versionId !== undefined && q.versionId === this.unreadableVersion) return this.reply(503, '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    if (rec.method === 'HEAD' && key.includes('/runs/') && this.written.has(key)) {
      this.beforeHead?.(key);
      const latest = this.written.get(key)!.at(-1)!;
      // Written at the time ListObjectVersions names for versions written through this fake.
      return this.reply(200, '', { 'content-length': String(latest.size), 'x-amz-version-id': latest.versionId, etag: latest.etag ?? '"e"', 'last-modified': WRITTEN_AT.toUTCString() });
    }
    // A version S3 refuses to read as it was written (SSE-C without its key), by id or as the latest.
    const asked = rec.method === 'GET' ? (typeof q.versionId === 'string' ? this.written.get(key)?.find((v) => v.versionId === q.versionId) : this.written.get(key)?.at(-1)) : undefined;
    if (asked?.refuse) return this.reply(asked.refuse.status, asked.refuse.xml);
    const version = asked?.body ? asked : undefined;
    if (version) {
      const lock: Record<string, string> = version.mode ? { 'x-amz-object-lock-mode': version.mode, 'x-amz-object-lock-retain-until-date': version.retainUntil! } : {};
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(version.body!.length), 'x-amz-version-id': version.versionId, ...lock }, body: Readable.from([version.body!]) }) };
    }
    if (rec.method === 'GET' && this.existing.has(key)) {
      const e = this.existing.get(key)!;
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: {
            'content-type': 'application/json',
            'content-length': String(e.body.length),
            'x-amz-version-id': 'v-existing',
            'x-amz-meta-sha256': e.sha256,
            'x-amz-object-lock-mode': 'COMPLIANCE',
            'x-amz-object-lock-retain-until-date': e.retainUntil.toISOString(),
            // As S3 sends it: the write time to the second.
            ...(e.lastModified ? { 'last-modified': e.lastModified.toUTCString() } : {}),
          },
          body: Readable.from([e.body]),
        }),
      };
    }
    if (rec.method === 'GET' && key.includes('/objects/')) return this.reply(404, '<Error><Code>NoSuchKey</Code><Message>none</Message></Error>');
    if (rec.method === 'HEAD') {
      const e = this.existing.get(key);
      if (!e) return this.reply(404, '');
      return this.reply(200, '', {
        'content-length': String(e.length),
        'x-amz-version-id': 'v-existing',
        'x-amz-meta-sha256': e.sha256,
        'x-amz-object-lock-mode': 'COMPLIANCE',
        'x-amz-object-lock-retain-until-date': e.retainUntil.toISOString(),
        etag: '"00000000000000000000000000000000"',
      });
    }
    if ('uploads' in q) return xml(`<InitiateMultipartUploadResult><Bucket>evidence</Bucket><Key>${key}</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>`);
    if ('uploadId' in q && 'partNumber' in q) {
      const n = Number(q.partNumber);
      this.partsInFlight++;
      await new Promise((resolve) => setTimeout(resolve, this.partDelayMs(n)));
      this.partsInFlight--;
      if (n === this.failPart) return this.reply(500, '<Error><Code>InternalError</Code><Message>part lost</Message></Error>');
      return this.reply(200, '', { etag: `"etag-${q.partNumber as string}"` });
    }
    if ('uploadId' in q && rec.method === 'DELETE') {
      this.inFlightAtAbort = this.partsInFlight;
      return this.reply(204, '');
    }
    if ('uploadId' in q && rec.method === 'POST') {
      this.beforeWrite?.(key);
      // The object is the parts of this key's upload in part order, under the lock CreateMultipartUpload asked for.
      const parts = new Map<number, Buffer>();
      for (const r of this.requests) if ('partNumber' in r.query && r.path === rec.path) parts.set(Number(r.query.partNumber), r.body);
      const whole = Buffer.concat([...parts.entries()].sort(([a], [b]) => a - b).map(([, b]) => b));
      const created = [...this.requests].reverse().find((r) => r.method === 'POST' && 'uploads' in r.query && r.path === rec.path);
      const lock = { mode: created?.headers['x-amz-object-lock-mode'], retainUntil: created?.headers['x-amz-object-lock-retain-until-date'] };
      const versionId = this.addVersion(key, whole.length, `v-mp-${this.requests.length}`, { body: whole, ...lock, etag: '"x-2"' });
      // Some S3 servers answer with the ETag unquoted (HeadObject's is quoted).
      return xml('<CompleteMultipartUploadResult><ETag>x-2</ETag></CompleteMultipartUploadResult>', this.completeNamesVersion ? { 'x-amz-version-id': versionId } : {});
    }
    if (rec.method === 'PUT' && !('retention' in q) && !('legal-hold' in q)) {
      this.beforeWrite?.(key);
      const lock = { mode: rec.headers['x-amz-object-lock-mode'], retainUntil: rec.headers['x-amz-object-lock-retain-until-date'] };
      return this.reply(200, '', { 'x-amz-version-id': this.addVersion(key, body.length, undefined, { body, ...lock }), etag: '"e"' });
    }
    if (rec.method === 'PUT') return this.reply(200, '', { 'x-amz-version-id': `v-${this.requests.length}`, etag: '"e"' });
    return this.reply(400, '<Error><Code>Unexpected</Code></Error>');
  };

  private reply(statusCode: number, body: string, headers: Record<string, string> = {}) {
    return { response: new HttpResponse({ statusCode, headers: { 'content-type': 'application/xml', ...headers }, body: Readable.from([Buffer.from(body)]) }) };
  }

  /** Writes of evidence: PutObject, CreateMultipartUpload and UploadPart requests. */
  writes() {
    return this.requests.filter((r) => r.method === 'PUT' && !('retention' in r.query) && !('legal-hold' in r.query) || (r.method === 'POST' && 'uploads' in r.query));
  }
}

const NOW = new Date('2026-11-27T02:00:00.000Z');

function storeWith(fake: FakeS3, overrides: Record<string, unknown> = {}) {
  const config = S3StoreSchema.parse({ kind: 's3', bucket: 'evidence', endpoint: 'http://s3.test', forcePathStyle: true, region: 'us-east-1', ...overrides });
  return new S3EvidenceStore(config, {
    now: () => NOW,
    clientConfig: { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, requestHandler: { handle: fake.handle } as never, maxAttempts: 1 },
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<Error & { hint?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { hint?: string };
  }
  throw new Error('expected a rejection');
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

describe('S3EvidenceStore requests (what the SDK actually sends)', () => {
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
    else process.env.AWS_ENDPOINT_URL_S3 = saved;
  });

  it('sends Object Lock mode, retain-until, Content-MD5 and x-amz-checksum-sha256 on every PutObject (bodies, run files and refusal records)', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const body = evidenceBody('headers');
    await store.putObject(sha256Hex(body), body);
    await store.putRun({ runId: '20261127T020000Z-aaaaaa', manifest: Buffer.from('{"m":1}'), signature: Buffer.from('sig'), publicKeyPem: 'PEM' });
    const refusal = `20261127T030000Z-bbbbbb-r${'1'.repeat(32)}.json`;
    await store.putRefusal(refusal, Buffer.from('{"refusal":1}'));
    const puts = fake.writes();
    expect(puts.map((p) => p.path)).toEqual([
      `/evidence/evidence-locker/objects/sha256/${sha256Hex(body).slice(0, 2)}/${sha256Hex(body)}.json`,
      '/evidence/evidence-locker/runs/20261127T020000Z-aaaaaa/public-key.pem',
      '/evidence/evidence-locker/runs/20261127T020000Z-aaaaaa/manifest.sig',
      '/evidence/evidence-locker/runs/20261127T020000Z-aaaaaa/manifest.json',
      `/evidence/evidence-locker/refusals/${refusal}`,
    ]);
    const expectedUntil = new Date(NOW.getTime() + Math.ceil(6 * 365.25) * 86_400_000);
    for (const p of puts) {
      expect(p.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
      expect(new Date(p.headers['x-amz-object-lock-retain-until-date']).getTime()).toBe(expectedUntil.getTime());
      expect(p.headers['content-md5']).toBe(md5(p.body));
      expect(p.headers['x-amz-checksum-sha256']).toBe(sha256b64(p.body));
      expect(p.headers['x-amz-server-side-encryption']).toBeUndefined();
    }
  });

  it('hashes an evidence body once on its way to S3: its name is checked, and x-amz-checksum-sha256 and x-amz-meta-sha256 come from that digest', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const body = evidenceBody('hashed once');
    const name = sha256Hex(body);
    hashed.inputs.length = 0;
    await store.putObject(name, body);
    expect(hashed.inputs.filter((d) => Buffer.isBuffer(d) && d.equals(body))).toHaveLength(1);
    const [put] = fake.writes();
    expect(put.body.equals(body)).toBe(true);
    expect(put.headers['x-amz-checksum-sha256']).toBe(sha256b64(body));
    expect(put.headers['x-amz-meta-sha256']).toBe(name);
    // A body under the wrong name is still refused before anything is sent.
    expect((await failure(store.putObject(sha256Hex('other'), body))).message).toContain('refusing to store it under the wrong name');
    expect(fake.writes()).toHaveLength(1);
  });

  it('adds SSE-KMS with the configured key', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake, { kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abcd' });
    const body = evidenceBody('kms');
    await store.putObject(sha256Hex(body), body);
    const [put] = fake.writes();
    expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('arn:aws:kms:us-east-1:111122223333:key/abcd');
    // store check says whether the key is named by its ARN, which a bucket policy allowing only the evidence key compares as written.
    const named = (id: string) => storeWith(new FakeS3(), { kmsKeyId: id }).preflight().then((checks) => checks.find((c) => c.name === 'SSE-KMS key named by its key ARN'));
    expect(await named('arn:aws:kms:us-east-1:111122223333:key/abcd')).toMatchObject({ ok: true, advisory: true });
    for (const id of ['alias/evidence', 'arn:aws:kms:us-east-1:111122223333:alias/evidence', '1234abcd-12ab-34cd-56ef-1234567890ab']) {
      expect(await named(id)).toEqual({
        name: 'SSE-KMS key named by its key ARN',
        ok: false,
        advisory: true,
        detail: `store.kmsKeyId is "${id}", not a key ARN: a bucket policy that allows SSE-KMS writes only with the evidence key's ARN, as deploy/bucket-policy.json does, denies every write that names the key otherwise`,
        fix: `set store.kmsKeyId to the key's ARN: aws kms describe-key --key-id ${id} --query KeyMetadata.Arn --output text`,
      });
    }
    expect((await storeWith(new FakeS3()).preflight()).map((c) => c.name)).not.toContain('SSE-KMS key named by its key ARN');
  });

  it('uploads large bodies in parts, each with Content-MD5 and SHA-256, lock headers on CreateMultipartUpload', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake, { multipartThresholdBytes: 1024 });
    const big = Buffer.concat([evidenceBody('big'), Buffer.alloc(6 * 1024 * 1024, 0x20)]);
    const stored = await store.putObject(sha256Hex(big), big);
    expect(stored.versionId).toMatch(/^v-mp-/);
    const create = fake.requests.find((r) => r.method === 'POST' && 'uploads' in r.query)!;
    expect(create.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    expect(create.headers['x-amz-object-lock-retain-until-date']).toBeDefined();
    expect(create.headers['x-amz-checksum-algorithm']).toBe('SHA256');
    const parts = fake.requests.filter((r) => 'partNumber' in r.query);
    expect(parts).toHaveLength(2);
    expect(Buffer.concat(parts.map((p) => p.body)).equals(big)).toBe(true);
    for (const p of parts) {
      expect(p.headers['content-md5']).toBe(md5(p.body));
      expect(p.headers['x-amz-checksum-sha256']).toBe(sha256b64(p.body));
    }
    expect(fake.requests.some((r) => r.method === 'PUT' && !('partNumber' in r.query))).toBe(false);
  });

  it('uploads a run manifest given in pieces in parts, never whole, and aborts the upload when the pieces are not the signed bytes', async () => {
    const manifest = Buffer.concat([Buffer.from('{"records":['), Buffer.alloc(11 * 1024 * 1024, 0x20), Buffer.from(']}')]);
    const pieced = (bytes: Buffer, sha256 = sha256Hex(manifest)) => ({
      size: manifest.length,
      sha256,
      *pieces(pieceBytes: number) {
        // Pieces are made only as they are asked for, never longer than asked.
        for (let off = 0; off < bytes.length; off += pieceBytes) yield Buffer.from(bytes.subarray(off, Math.min(off + pieceBytes, bytes.length)));
      },
    });
    const fake = new FakeS3();
    const store = storeWith(fake, { multipartThresholdBytes: 1024 * 1024 });
    await store.putRun({ runId: '20261127T020000Z-cccccc', manifest: pieced(manifest), signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const key = 'evidence-locker/runs/20261127T020000Z-cccccc/manifest.json';
    const create = fake.requests.find((r) => r.method === 'POST' && 'uploads' in r.query)!;
    expect(create.path).toContain(key);
    expect(create.headers['x-amz-meta-sha256']).toBe(sha256Hex(manifest));
    expect(create.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    const parts = fake.requests.filter((r) => 'partNumber' in r.query);
    expect(parts.map((p) => Number(p.query.partNumber))).toEqual([1, 2, 3]);
    expect(Buffer.concat(parts.map((p) => p.body)).equals(manifest)).toBe(true);
    for (const p of parts) expect(p.headers['x-amz-checksum-sha256']).toBe(sha256b64(p.body));
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path.endsWith('manifest.json') && !('partNumber' in r.query))).toBe(false);
    expect(fake.requests.some((r) => r.method === 'POST' && 'uploadId' in r.query)).toBe(true);

    // The bytes change between the signature and the upload: the upload is aborted, never completed.
    const changed = Buffer.from(manifest);
    changed[5 * 1024 * 1024 + 7] = 0x21;
    const other = new FakeS3();
    const err = await failure(storeWith(other, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T020000Z-dddddd', manifest: pieced(changed), signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(err.message).toMatch(/manifest\.json: the bytes written \(\d+ bytes, SHA-256 [0-9a-f]{64}\) are not the ones signed .*the run was not made visible/);
    expect(other.requests.some((r) => r.method === 'POST' && 'uploadId' in r.query)).toBe(false);
    expect(other.requests.some((r) => r.method === 'DELETE' && 'uploadId' in r.query)).toBe(true);

    // A small manifest given in pieces goes in one PUT, checked the same way.
    const small = Buffer.from('{"records":[]}');
    const third = new FakeS3();
    await storeWith(third).putRun({ runId: '20261127T020000Z-eeeeee', manifest: { size: small.length, sha256: sha256Hex(small), pieces: (n: number) => [small.subarray(0, n)] }, signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const put = third.requests.find((r) => r.method === 'PUT' && r.path.endsWith('manifest.json'))!;
    expect(put.body.equals(small)).toBe(true);
    expect(put.headers['x-amz-checksum-sha256']).toBe(sha256b64(small));
  });

  it('after sealing, checks that the oldest version of every run file is the one it wrote: a version planted during the upload is named at once, not at audit', async () => {
    const manifest = Buffer.concat([Buffer.from('{"records":['), Buffer.alloc(6 * 1024 * 1024, 0x20), Buffer.from(']}')]);
    const pieced = { size: manifest.length, sha256: sha256Hex(manifest), pieces: (n: number) => piecedOf(manifest).pieces(n) };
    const runDir = 'evidence-locker/runs/20261127T030000Z-ffffff/';

    // Undisturbed: the check is one more listing of the run's versions, and the run reads back as written.
    const clean = new FakeS3();
    const cleanStore = storeWith(clean, { multipartThresholdBytes: 1024 * 1024 });
    await cleanStore.putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const listings = clean.requests.filter((r) => 'versions' in r.query && String(r.query.prefix) === runDir);
    expect(listings).toHaveLength(2); // "is the run new?" before, "are the oldest versions ours?" after
    expect(clean.requests.indexOf(listings[1])).toBeGreaterThan(clean.requests.findIndex((r) => r.method === 'POST' && 'uploadId' in r.query));
    const readBack = await cleanStore.getRun('20261127T030000Z-ffffff');
    expect(readBack.manifest.equals(manifest)).toBe(true);
    expect(readBack.publicKeyPem).toBe('key');

    // Another writer with PutObject adds a manifest.json version while ours is being uploaded (before Complete), and
    // a public-key.pem version just before ours: readers would take theirs as the sealed files.
    const fake = new FakeS3();
    fake.beforeWrite = (key) => {
      if (key.endsWith('manifest.json') || key.endsWith('public-key.pem')) fake.addVersion(key, 10, `planted-${key.split('/').pop()}`);
    };
    const err = await failure(storeWith(fake, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(err.message).toContain('run 20261127T030000Z-ffffff was written, but readers take versions of its files that this seal did not write');
    expect(err.message).toMatch(/s3:\/\/evidence\/evidence-locker\/runs\/20261127T030000Z-ffffff\/manifest\.json: 1 version\(s\) older than the one written \(v-mp-\d+\): planted-manifest\.json \(2026-11-27T02:00:00\.000Z\); readers take the oldest as the sealed file, and it is 10 bytes, not the \d+ signed/);
    expect(err.message).toMatch(/public-key\.pem: 1 version\(s\) older than the one written \(v-[\d-]+\): planted-public-key\.pem \(2026-11-27T02:00:00\.000Z\); readers take the oldest as the sealed file, and it is 10 bytes, not the 3 signed/);
    expect(err.message).not.toMatch(/manifest\.sig:/);
    expect(err.message).toContain('The run will not verify');
    expect(err.hint).toMatch(/s3:PutObject on bucket evidence.*CloudTrail data events.*collect again/);

    // A twin of our own bytes under the same lock, older than ours (what an SDK retry of a PUT whose answer was lost
    // leaves): the run verifies as written, so the seal does not fail; the twin is read to be sure, never beyond its size.
    const retried = new FakeS3();
    const twinOf = new Set<string>();
    retried.beforeWrite = (key) => {
      if (!key.endsWith('manifest.sig') || twinOf.has(key)) return;
      twinOf.add(key);
      const last = retried.requests[retried.requests.length - 1];
      retried.addVersion(key, last.body.length, 'twin-manifest.sig', { body: last.body, mode: last.headers['x-amz-object-lock-mode'], retainUntil: last.headers['x-amz-object-lock-retain-until-date'] });
    };
    const retriedStore = storeWith(retried, { multipartThresholdBytes: 1024 * 1024 });
    await retriedStore.putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' });
    expect(retried.requests.some((r) => r.method === 'GET' && r.query.versionId === 'twin-manifest.sig')).toBe(true);
    expect((await retriedStore.getRun('20261127T030000Z-ffffff')).signature.toString()).toBe('sig');

    // The same bytes under a weaker lock are not enough: verify --store would name the sealed version's retention.
    const weaker = new FakeS3();
    weaker.beforeWrite = (key) => {
      if (key.endsWith('manifest.sig') && !weaker.written.has(key)) weaker.addVersion(key, 3, 'short-lock', { body: Buffer.from('sig'), mode: 'COMPLIANCE', retainUntil: '2026-11-28T00:00:00.000Z' });
    };
    const weakErr = await failure(storeWith(weaker, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(weakErr.message).toMatch(/manifest\.sig: 1 version\(s\) older than the one written \(v-[\d-]+\): short-lock \(2026-11-27T02:00:00\.000Z\); readers take the oldest as the sealed file, and it holds the signed bytes but is locked COMPLIANCE until 2026-11-28T00:00:00\.000Z, less than the COMPLIANCE lock until \d{4}-\S+ this seal asked for$/);
    // The signed bytes are what readers take: the seal does not say the run will not verify.
    expect(weakErr.message).not.toContain('will not verify');

    // An older version that cannot be read to compare (S3 slows down) is not called planted: the seal cannot confirm.
    const slow = new FakeS3();
    slow.unreadableVersion = 'older-sig';
    slow.beforeWrite = (key) => {
      if (key.endsWith('manifest.sig') && !slow.written.has(key)) slow.addVersion(key, 3, 'older-sig', { body: Buffer.from('sig') });
    };
    const slowErr = await failure(storeWith(slow, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(slowErr.message).toMatch(/^run 20261127T030000Z-ffffff was written, but the seal cannot confirm that readers will take its versions: .*manifest\.sig: .*and it could not be read to compare with what was signed \(.*SlowDown/);
    expect(slowErr.hint).toMatch(/store check.*verify --store --run 20261127T030000Z-ffffff/);

    // CompleteMultipartUpload without a version id: the latest version is ours only if its ETag is the upload's
    // (quoted or not); one written after Complete is never taken for ours.
    const unnamed = new FakeS3();
    unnamed.completeNamesVersion = false;
    await storeWith(unnamed, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const overtaken = new FakeS3();
    overtaken.completeNamesVersion = false;
    overtaken.beforeHead = (key) => {
      if (key.endsWith('manifest.json') && overtaken.written.get(key)!.length === 1) overtaken.addVersion(key, 10, 'after-complete', { etag: '"planted"' });
    };
    const overtakenErr = await failure(storeWith(overtaken, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T030000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(overtakenErr.message).toMatch(/cannot confirm .*manifest\.json: S3's answer to the write named no version \(or, for a multipart upload, none whose ETag is the upload's\)/);
    expect(overtakenErr.message).not.toContain('after-complete (');
  });

  it('was: a manifest.json planted while the run was sealed failed the seal and lost the run; now: the run is sealed again under a new run id naming the planted version, and verify --store explains the abandoned folder only by that signed manifest', async () => {
    const fake = new FakeS3();
    const abandoned = '20261127T050000Z-c0c0c0';
    fake.beforeWrite = (key) => {
      // Someone watching the prefix writes a manifest.json of their own as soon as the run's files appear.
      if (key.endsWith(`runs/${abandoned}/manifest.json`) && !fake.written.has(key)) fake.addVersion(key, 10, 'planted-manifest', { body: Buffer.from('{"junk":1}') });
    };
    const store = storeWith(fake);
    const sealed = await sealBodies(store, [evidenceBody('reseal-s3')], new Date('2026-11-27T05:00:00Z'), 'default', abandoned);
    expect(sealed.runId).toMatch(/^20261127T050000Z-[0-9a-f]{6}$/);
    expect(sealed.runId).not.toBe(abandoned);
    const m = JSON.parse((await store.getRun(sealed.runId)).manifest.toString('utf8'));
    expect(m.sealAttempts).toEqual([
      {
        runId: abandoned,
        reason: expect.stringMatching(/^files planted by someone else: readers would take evidence-locker\/runs\/20261127T050000Z-c0c0c0\/manifest\.json version planted-manifest, which is older than the version this seal wrote \(v-[\d-]+\), and it is 10 bytes, not the \d+ signed; this seal's own files stay in the run folder as later versions under the same lock \(public-key\.pem version v-[\d-]+, manifest\.sig version v-[\d-]+, manifest\.json version v-[\d-]+\)$/),
        planted: [{ key: `evidence-locker/runs/${abandoned}/manifest.json`, versionId: 'planted-manifest' }],
      },
    ]);
    const { trust } = await contractTrust();
    const report = await verifyStoredRuns(store, { runId: abandoned }, { trust });
    expect(report.foreign).toHaveLength(1);
    expect(report.foreign[0].resealedAs?.runId).toBe(sealed.runId);
    expect(report.ok).toBe(false);

    // A folder planted the same way that no trusted run names stays an unexplained foreign folder.
    const junk = '20261127T060000Z-d0d0d0';
    for (const f of ['manifest.json', 'manifest.sig', 'public-key.pem']) fake.addVersion(`evidence-locker/runs/${junk}/${f}`, 4, `junk-${f}`, { body: Buffer.from('junk') });
    const unexplained = await verifyStoredRuns(store, { runId: junk }, { trust });
    expect(unexplained.foreign).toHaveLength(1);
    expect(unexplained.foreign[0].resealedAs).toBeUndefined();
  });

  it('numbers parts as they were made whatever order they are answered in, and aborts only once no part is still being sent', async () => {
    // 26 MB: six parts of 5 MB, more than the four senders.
    const manifest = Buffer.alloc(26 * 1024 * 1024, 0x20);
    const pieced = { size: manifest.length, sha256: sha256Hex(manifest), *pieces(n: number) { for (let off = 0; off < manifest.length; off += n) yield Buffer.from(manifest.subarray(off, off + n)); } };
    const fake = new FakeS3();
    // Later parts are answered first.
    fake.partDelayMs = (n) => (7 - n) * 15;
    await storeWith(fake, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T020000Z-ffffff', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' });
    const parts = fake.requests.filter((r) => 'partNumber' in r.query);
    expect(parts.map((p) => Number(p.query.partNumber)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const p of parts) expect(p.body.equals(manifest.subarray((Number(p.query.partNumber) - 1) * 5 * 1024 * 1024, Number(p.query.partNumber) * 5 * 1024 * 1024))).toBe(true);
    const complete = fake.requests.find((r) => r.method === 'POST' && 'uploadId' in r.query)!.body.toString('utf8');
    const listed = [...complete.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => m[1].replace(/&quot;/g, '"'));
    expect(listed.map((part) => /<PartNumber>(\d+)</.exec(part)![1])).toEqual(['1', '2', '3', '4', '5', '6']);
    for (const part of listed) expect(part).toContain(`<ETag>"etag-${/<PartNumber>(\d+)</.exec(part)![1]}"</ETag>`);

    // A part that fails: no further piece is taken, the upload is aborted after the parts still being sent have
    // been answered, and never completed.
    const failing = new FakeS3();
    failing.failPart = 2;
    // The other parts are answered well after the failing one (1.5 s), so its failure is known before any sender is
    // free again even on a loaded machine (the bound below is about the order of answers, not about speed).
    failing.partDelayMs = (n) => (n === 2 ? 0 : 1500);
    const err = await failure(storeWith(failing, { multipartThresholdBytes: 1024 * 1024 }).putRun({ runId: '20261127T020000Z-abcabc', manifest: pieced, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(err.message).toMatch(/multipart upload s3:\/\/evidence\/evidence-locker\/runs\/20261127T020000Z-abcabc\/manifest\.json/);
    expect(failing.requests.filter((r) => 'partNumber' in r.query).length).toBeLessThanOrEqual(4);
    expect(failing.inFlightAtAbort).toBe(0);
    expect(failing.requests.some((r) => r.method === 'POST' && 'uploadId' in r.query)).toBe(false);
  });

  it('writes nothing when the pre-flight fails (bucket without Object Lock) and names the fix', async () => {
    const fake = new FakeS3();
    fake.lock = 'none';
    const store = storeWith(fake);
    const body = evidenceBody('no-lock');
    const err = await failure(store.putObject(sha256Hex(body), body));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/evidence bucket evidence .*nothing was written.*object lock enabled/);
    expect(err.hint).toMatch(/put-object-lock-configuration --bucket evidence/);
    await expect(store.putRun({ runId: '20261127T020000Z-bbbbbb', manifest: Buffer.from('{}'), signature: Buffer.from('s'), publicKeyPem: 'k' })).rejects.toThrow(/nothing was written/);
    expect(fake.requests.filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([]);
  });

  it('refuses a bucket whose default retention is shorter than configured', async () => {
    const fake = new FakeS3();
    fake.lock = 'compliance-1d';
    const err = await failure(storeWith(fake).preflight());
    expect(err.message).toMatch(/default retention \(default COMPLIANCE for 1 days; configured COMPLIANCE for 2192 days\)/);
    expect(err.hint).toMatch(/"Years":6/);
  });

  it('does not rewrite a body already present; extends its retention only when a later date is needed', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const old = evidenceBody('old');
    const fresh = evidenceBody('fresh');
    const far = new Date(NOW.getTime() + 3000 * 86_400_000);
    fake.existing.set(store.objectKey(sha256Hex(old)), { retainUntil: new Date('2027-01-01T00:00:00Z'), length: old.length, sha256: sha256Hex(old), body: old });
    fake.existing.set(store.objectKey(sha256Hex(fresh)), { retainUntil: far, length: fresh.length, sha256: sha256Hex(fresh), body: fresh });
    expect(await store.putObject(sha256Hex(old), old)).toEqual({ key: store.objectKey(sha256Hex(old)), versionId: 'v-existing', existed: true });
    expect((await store.putObject(sha256Hex(fresh), fresh)).existed).toBe(true);
    expect(fake.writes()).toEqual([]);
    const retention = fake.requests.filter((r) => 'retention' in r.query);
    expect(retention).toHaveLength(1);
    expect(retention[0].path).toContain(sha256Hex(old));
    expect(retention[0].query.versionId).toBe('v-existing');
    const xml = retention[0].body.toString('utf8');
    expect(xml).toContain('<Mode>COMPLIANCE</Mode>');
    const until = /<RetainUntilDate>([^<]+)</.exec(xml)![1];
    expect(new Date(until).getTime()).toBe(store.retainUntilFor(NOW).getTime());
  });

  it('was: a collection offered a body another run stored the day before and cited that old version, so verify --store and package dated the run before its start file and credited no day; now the body is written again after the start file, and versions written since are still cited', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const earlier = evidenceBody('stored-the-day-before');
    const since = evidenceBody('stored-after-the-start');
    const retainUntil = new Date('2040-01-01T00:00:00Z');
    fake.existing.set(store.objectKey(sha256Hex(earlier)), { retainUntil, length: earlier.length, sha256: sha256Hex(earlier), body: earlier, lastModified: new Date('2026-11-26T02:00:03Z') });
    fake.existing.set(store.objectKey(sha256Hex(since)), { retainUntil, length: since.length, sha256: sha256Hex(since), body: since, lastModified: new Date(WRITTEN_AT.getTime() + 5000) });
    // Without a collection start (backfill, attest) an identical stored body is cited as it is.
    expect((await store.putObject(sha256Hex(earlier), earlier)).versionId).toBe('v-existing');
    expect(fake.writes()).toEqual([]);

    await store.markRunStarted('20261127T020000Z-a1b2c3', NOW, startSecretSha256('00'.repeat(32)));
    const again = await store.putObject(sha256Hex(earlier), earlier);
    expect(again.existed).toBe(false);
    expect(again.versionId).not.toBe('v-existing');
    const bodyWrites = fake.writes().filter((w) => w.path.includes('/objects/'));
    expect(bodyWrites).toHaveLength(1);
    expect(bodyWrites[0].body.equals(earlier)).toBe(true);
    // A version written at or after the start file's write time is the collection's own to cite.
    expect(await store.putObject(sha256Hex(since), since)).toEqual({ key: store.objectKey(sha256Hex(since)), versionId: 'v-existing', existed: true });
    expect(fake.writes().filter((w) => w.path.includes('/objects/'))).toHaveLength(1);
  });

  it('a start file whose write time cannot be read makes that collection write every stored body anew, and only until a later start file\'s time is read (a long-lived daemon store does not write every body anew for ever)', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const retainUntil = new Date('2040-01-01T00:00:00Z');
    const stored = (name: string) => {
      const body = evidenceBody(name);
      fake.existing.set(store.objectKey(sha256Hex(body)), { retainUntil, length: body.length, sha256: sha256Hex(body), body, lastModified: new Date(WRITTEN_AT.getTime() + 5000) });
      return body;
    };
    const first = stored('offered-to-the-first-collection');
    const second = stored('offered-to-the-second-collection');
    const unreadable = '20261127T020000Z-a1b2c3';
    fake.beforeHead = (key) => {
      if (key === store.runKey(unreadable, 'collection-started.json')) throw new Error('connection reset');
    };
    const bodyWrites = () => fake.writes().filter((w) => w.path.includes('/objects/')).length;
    await store.markRunStarted(unreadable, NOW, startSecretSha256('00'.repeat(32)));
    expect((await store.putObject(sha256Hex(first), first)).existed).toBe(false);
    expect(bodyWrites()).toBe(1);
    await store.markRunStarted('20261128T020000Z-d4e5f6', NOW, startSecretSha256('00'.repeat(32)));
    expect(await store.putObject(sha256Hex(second), second)).toEqual({ key: store.objectKey(sha256Hex(second)), versionId: 'v-existing', existed: true });
    expect(bodyWrites()).toBe(1);
  });

  it('one listing of runs/ gives the run folders and, beside them, the folders without a manifest (a refused attempt\'s), each with every version', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const sealed = '20261127T020000Z-aaaaaa';
    const attempt = '20261127T030000Z-bbbbbb';
    fake.addVersion(store.runKey(sealed, RUN_FILES.manifest), 10, 'm1');
    fake.addVersion(store.runKey(attempt, 'collection-started.json'), 10, 's1');
    fake.addVersion(store.runKey(attempt, 'planted.txt'), 4, 'p1');
    fake.addVersion(store.runKey(attempt, 'planted.txt'), 4, 'p2');
    const listed = await store.listRunFolders();
    expect([...listed.folders.keys()]).toEqual([sealed]);
    expect([...listed.others.keys()]).toEqual([attempt]);
    expect(listed.others.get(attempt)?.get('planted.txt')?.map((v) => v.versionId)).toEqual(['p1', 'p2']);
    // The same versions a listing of the folder alone gives, with no second request.
    const before = fake.requests.length;
    expect((await store.runFileVersions(attempt)).get('planted.txt')?.map((v) => v.versionId)).toEqual(['p1', 'p2']);
    expect(fake.requests.length).toBe(before + 1);
  });

  it('lists the stored bodies once and reads back (re-hashes) only the bodies the listing shows', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const present = evidenceBody('present');
    fake.existing.set(store.objectKey(sha256Hex(present)), { retainUntil: new Date('2040-01-01T00:00:00Z'), length: present.length, sha256: sha256Hex(present), body: present });
    const fresh = [1, 2, 3, 4].map((n) => evidenceBody(`fresh-${n}`));
    const results = await Promise.all([present, ...fresh, fresh[0]].map((b) => store.putObject(sha256Hex(b), b)));
    expect(results.map((r) => r.existed)).toEqual([true, false, false, false, false, true]);
    expect(fake.requests.filter((r) => 'list-type' in r.query)).toHaveLength(1);
    const reads = fake.requests.filter((r) => (r.method === 'HEAD' || r.method === 'GET') && r.path.includes('/objects/'));
    expect(reads.map((h) => `${h.method} ${h.path}`)).toEqual([`GET /evidence/${store.objectKey(sha256Hex(present))}`]);
    expect(fake.writes()).toHaveLength(4);
    // Written bodies join the index: a later put of one of them checks it with HeadObject instead of rewriting blindly.
    fake.existing.set(store.objectKey(sha256Hex(fresh[1])), { retainUntil: new Date('2040-01-01T00:00:00Z'), length: fresh[1].length, sha256: sha256Hex(fresh[1]), body: fresh[1] });
    expect((await store.putObject(sha256Hex(fresh[1]), fresh[1])).existed).toBe(true);
    expect(fake.writes()).toHaveLength(4);
  });

  it('was: a same-length body with the right x-amz-meta-sha256 counted as "already stored"; now: the stored bytes are re-hashed and ours are written again', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const genuine = evidenceBody('genuine');
    const forged = Buffer.from(genuine.toString('utf8').replace('Enabled', 'Disabld'));
    expect(forged.length).toBe(genuine.length);
    fake.existing.set(store.objectKey(sha256Hex(genuine)), { retainUntil: new Date('2040-01-01T00:00:00Z'), length: forged.length, sha256: sha256Hex(genuine), body: forged });
    const stored = await store.putObject(sha256Hex(genuine), genuine);
    expect(stored.existed).toBe(false);
    expect(stored.versionId).not.toBe('v-existing');
    expect(fake.writes()).toHaveLength(1);
    expect(fake.writes()[0].body.equals(genuine)).toBe(true);
  });

  it('uses the store endpoint, never AWS_ENDPOINT_URL_S3 (which belongs to the evidence sources)', async () => {
    process.env.AWS_ENDPOINT_URL_S3 = 'http://evidence-source.example:9000';
    const fake = new FakeS3();
    await storeWith(fake).preflight();
    expect(new Set(fake.requests.map((r) => r.hostname))).toEqual(new Set(['s3.test']));

    const fake2 = new FakeS3();
    const config = S3StoreSchema.parse({ kind: 's3', bucket: 'evidence', region: 'eu-west-1' });
    const aws = new S3EvidenceStore(config, { clientConfig: { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, requestHandler: { handle: fake2.handle } as never, maxAttempts: 1 } });
    await aws.preflight().catch(() => undefined);
    expect(fake2.requests.length).toBeGreaterThan(0);
    for (const r of fake2.requests) expect(r.hostname).toMatch(/amazonaws\.com$/);
  });

  it('keeps at most store.concurrency uploads in flight', async () => {
    const fake = new FakeS3();
    let inFlight = 0;
    let most = 0;
    const inner = fake.handle;
    fake.handle = async (request: HttpRequest) => {
      const upload = request.method === 'PUT';
      if (upload) most = Math.max(most, ++inFlight);
      try {
        if (upload) await new Promise((r) => setTimeout(r, 5));
        return await inner(request);
      } finally {
        if (upload) inFlight--;
      }
    };
    const store = storeWith(fake, { concurrency: 3 });
    const many = Array.from({ length: 20 }, (_, i) => evidenceBody(`parallel-${i}`));
    const results = await Promise.all(many.map((b) => store.putObject(sha256Hex(b), b)));
    expect(results.every((r) => !r.existed)).toBe(true);
    expect(fake.writes()).toHaveLength(20);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it('was: store check passed a bucket policy that let anyone replace it (PutBucketPolicy) or change encryption, public access, ownership or replication; now: it fails naming each one not denied', async () => {
    const breakGlass = 'arn:aws:iam::111122223333:role/EvidenceBreakGlass';
    const deny = (actions: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: actions, Resource: ['arn:aws:s3:::evidence', 'arn:aws:s3:::evidence/*'], Condition: { ArnNotEquals: { 'aws:PrincipalArn': breakGlass } } }] });
    const check = async (policy: string | undefined) => {
      const fake = new FakeS3();
      fake.policy = policy;
      return (await storeWith(fake).preflight()).find((c) => c.name === 'bucket policy denies tampering');
    };
    const before = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration', 's3:DeleteBucketPolicy'];
    expect(await check(deny(before))).toMatchObject({
      ok: false,
      storeCheckOnly: true,
      detail: 'not denied to everyone but a break-glass role: s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutBucketPublicAccessBlock, s3:PutBucketOwnershipControls, s3:PutReplicationConfiguration',
    });
    const now = [...before, 's3:PutBucketPolicy', 's3:PutEncryptionConfiguration', 's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutReplicationConfiguration'];
    const ok = await check(deny(now));
    expect(ok).toMatchObject({ ok: true });
    expect(ok?.detail).toContain(`denied to everyone but ${breakGlass}: `);
    expect(await check(undefined)).toMatchObject({ ok: false, detail: 'the bucket has no policy' });
  });

  it('refuses GOVERNANCE mode unless allowed, and says so in describe() when allowed', () => {
    const fake = new FakeS3();
    expect(() => storeWith(fake, { mode: 'GOVERNANCE' })).toThrow(/allowGovernanceMode/);
    const g = storeWith(fake, { mode: 'GOVERNANCE', allowGovernanceMode: true });
    expect(g.describe().objectLockMode).toBe('GOVERNANCE');
    expect(g.describe().note).toMatch(/weaker than COMPLIANCE/);
  });

  it('refuses a run file larger than any reader accepts by its listed size (no GET), by its declared length, before reading its body, and one without a length once it passes the limit', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const runId = '20261127T010000Z-b1g000';
    const base = `evidence-locker/runs/${runId}/`;
    const small = (text: string) => ({ retainUntil: NOW, length: text.length, sha256: sha256Hex(Buffer.from(text)), body: Buffer.from(text) });
    fake.existing.set(`${base}manifest.sig`, small('sig'));
    fake.existing.set(`${base}public-key.pem`, small('PEM'));
    const planted = { declared: 6_000_000_000, pulled: 0 };
    fake.endless.set(`${base}manifest.json`, planted);
    const err = await failure(store.getRun(runId));
    expect(err.message).toMatch(new RegExp(`^run ${runId}: s3://evidence/${base}manifest\\.json version v-existing is 6000000000 bytes, more than the ${RUN_FILE_MAX_BYTES['manifest.json']} bytes a manifest\\.json of evidence-locker can be; it was not read$`));
    expect(err.hint).toMatch(/someone with write access to the store put it there/);
    // The version listing already gave its size: it was not even requested.
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === `/evidence/${base}manifest.json`)).toEqual([]);
    expect(planted.pulled).toBe(0);

    // A listing that understates the size: the GET's declared length refuses it before its body is read.
    const lyingRun = '20261127T010000Z-b1g1ie';
    const lyingBase = `evidence-locker/runs/${lyingRun}/`;
    fake.existing.set(`${lyingBase}manifest.sig`, small('sig'));
    fake.existing.set(`${lyingBase}public-key.pem`, small('PEM'));
    const lying = { declared: 6_000_000_000, listed: 100, pulled: 0 };
    fake.endless.set(`${lyingBase}manifest.json`, lying);
    expect((await failure(store.getRun(lyingRun))).message).toMatch(/manifest\.json version v-existing is 6000000000 bytes, more than .*; it was not read$/);
    expect(lying.pulled).toBeLessThanOrEqual(2 * (1 << 20));

    // No Content-Length (or one that lies): the body is read only until it passes the limit.
    const sigRun = '20261127T010000Z-b1g5ig';
    const sigBase = `evidence-locker/runs/${sigRun}/`;
    fake.existing.set(`${sigBase}manifest.json`, small('{}'));
    fake.existing.set(`${sigBase}public-key.pem`, small('PEM'));
    const endlessSig = { pulled: 0 };
    fake.endless.set(`${sigBase}manifest.sig`, endlessSig);
    expect((await failure(store.getRun(sigRun))).message).toMatch(/manifest\.sig version v-existing is at least 1048576 bytes, more than the 65536 bytes a manifest\.sig of evidence-locker can be/);
    expect(endlessSig.pulled).toBeLessThanOrEqual(2 * (1 << 20));
  });

  it('a version written with someone else\'s key (SSE-C) hides nothing: reads find the body beneath it, a write puts ours beside it, the seal names it, and store check says whether the bucket refuses such writes', async () => {
    // What S3 answers a GET without the customer key of an object written with one.
    const ssec = { status: 400, xml: '<Error><Code>InvalidRequest</Code><Message>The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.</Message></Error>' };
    const body = evidenceBody('under-ssec');
    const sha = sha256Hex(body);
    const key = `evidence-locker/objects/sha256/${sha.slice(0, 2)}/${sha}.json`;

    /** A fake S3 holding these versions of the body's key, oldest first. */
    const holding = (...versions: [string, { body?: Buffer; mode?: string; retainUntil?: string; refuse?: { status: number; xml: string } }][]) => {
      const fake = new FakeS3();
      for (const [id, kept] of versions) fake.addVersion(key, body.length, id, kept);
      return fake;
    };

    // Read: the latest version is theirs; ours, older, is found and returned.
    const reading = holding(['ours', { body, mode: 'COMPLIANCE', retainUntil: '2032-11-27T02:00:00.000Z' }], ['theirs', { refuse: ssec }]);
    expect((await storeWith(reading).getObject(sha, body.length)).equals(body)).toBe(true);
    // The latest, then the key's versions oldest first: ours is found without reading theirs again.
    expect(reading.requests.filter((r) => r.method === 'GET' && r.path.endsWith('.json')).map((r) => r.query.versionId ?? 'latest')).toEqual(['latest', 'ours']);

    // Versions planted beneath ours cost no read when their listed size is not the body's; twelve of theirs of the
    // body's size are read, and the error names the first ten, then a count.
    const many = new FakeS3();
    for (let i = 0; i < 12; i++) many.addVersion(key, body.length, `theirs-${i}`, { refuse: ssec });
    for (let i = 0; i < 5; i++) many.addVersion(key, body.length + 1, `longer-${i}`, { body: Buffer.alloc(body.length + 1) });
    const none = await failure(storeWith(many).getObject(sha, body.length));
    expect(many.requests.filter((r) => r.method === 'GET' && typeof r.query.versionId === 'string' && r.query.versionId.startsWith('longer-'))).toEqual([]);
    const why = 'it needs a customer-provided encryption key (SSE-C) to be read, which this store never uses (GetObject: InvalidRequest: The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.)';
    expect(none.message).toBe(
      `s3://evidence/${key}: no readable version of this object has the SHA-256 its name states (the latest is ${body.length + 1} bytes, not the ${body.length} its record states); 12 cannot be read by anyone without their writer's help: ${Array.from({ length: 10 }, (_, i) => `version theirs-${i}: ${why}`).join('; ')}; and 2 more`,
    );
    // Only theirs: none can be read, and no permission is blamed.
    const only = holding(['theirs', { refuse: ssec }]);
    const unread = await failure(storeWith(only).getObject(sha, body.length));
    expect(unread.message).toBe(`s3://evidence/${key}: no version of evidence body ${sha} can be read: version theirs: ${why}`);
    expect(unread.hint).toMatch(/someone else with s3:PutObject on bucket evidence wrote versions nobody can read without their help.*CloudTrail data events/);

    // Any other failure (S3 slowing down, beyond the SDK's retries) ends the read as it came: the body may be in the
    // version that could not be read, so nothing is said about it, and no further version is read.
    const slow = holding(['ours', { body }], ['theirs', { refuse: ssec }]);
    slow.unreadableVersion = 'ours';
    const slowErr = await failure(storeWith(slow).getObject(sha, body.length));
    expect(slowErr.message).toMatch(/^GetObject s3:\/\/evidence\/evidence-locker\/objects\/.* failed: SlowDown: Please reduce your request rate\. \(HTTP 503\)$/);
    expect(slowErr.message).not.toMatch(/no version|SHA-256/);
    // An archived version is not called someone else's. Over ours, it is passed over; if it is the only one, the read
    // fails naming it as archived, with how to restore it.
    const glacier = { status: 403, xml: '<Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object\'s storage class</Message></Error>' };
    expect((await storeWith(holding(['ours', { body }], ['archived-over', { refuse: glacier }])).getObject(sha, body.length)).equals(body)).toBe(true);
    const archErr = await failure(storeWith(holding(['ours', { refuse: glacier }])).getObject(sha, body.length));
    expect(archErr.message).toBe(`s3://evidence/${key}: no readable version holds evidence body ${sha}; 1 version(s) are in an archive storage class and cannot be read until restored: ours`);
    expect(archErr.hint).toBe(`restore them, oldest first (aws s3api restore-object --bucket evidence --key ${key} --version-id ours --restore-request Days=7), then try again; evidence an assessor must read should not be moved to an archive class by a lifecycle rule`);

    // Access denied to the latest: someone else's version under their own KMS key looks the same as a permission this
    // role lacks. A readable version that hashes to the name is the body; if there is none, the refusal is reported.
    const kmsDenied = { status: 403, xml: '<Error><Code>AccessDenied</Code><Message>User is not authorized to perform: kms:Decrypt</Message></Error>' };
    // One of theirs even before ours (a predictable body), one over it.
    expect((await storeWith(holding(['their-kms-first', { refuse: kmsDenied }], ['ours', { body }], ['their-kms', { refuse: kmsDenied }])).getObject(sha, body.length)).equals(body)).toBe(true);
    const deniedErr = await failure(storeWith(holding(['ours', { refuse: kmsDenied }])).getObject(sha, body.length));
    expect(deniedErr.message).toBe(`GetObject s3://evidence/${key} at http://s3.test: access denied (AccessDenied)`);
    expect(deniedErr.hint).toMatch(/^grant this role /);

    // Write: a body the store may already hold, whose latest version S3 refuses to read, is written again as ours.
    const writing = new FakeS3();
    writing.listedKeys.add(key);
    writing.addVersion(key, body.length, 'theirs', { refuse: ssec });
    const stored = await storeWith(writing).putObject(sha, body);
    expect(stored.existed).toBe(false);
    expect(writing.writes().map((w) => w.path)).toEqual([`/evidence/${key}`]);

    // Write: our bytes already there under a weaker lock than the store's (GOVERNANCE) are not adopted.
    const governed = new FakeS3();
    governed.existing.set(key, { retainUntil: new Date('2099-01-01T00:00:00Z'), length: body.length, sha256: sha, body });
    const governedStore = storeWith(governed);
    const governedSend = governedStore.client.send.bind(governedStore.client);
    (governedStore.client as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (c: unknown) => {
      const out = (await governedSend(c as never)) as unknown as Record<string, unknown>;
      return (c as object).constructor.name === 'GetObjectCommand' ? { ...out, ObjectLockMode: 'GOVERNANCE' } : out;
    };
    expect((await governedStore.putObject(sha, body)).existed).toBe(false);
    expect(governed.writes().map((w) => w.path)).toEqual([`/evidence/${key}`]);

    // Seal: a run file's oldest version written with their key is planted: readers cannot read it, the run will not verify.
    const manifest = Buffer.from('{"records":[]}');
    const sealing = new FakeS3();
    sealing.beforeWrite = (k) => {
      if (k.endsWith('manifest.sig') && !sealing.written.has(k)) sealing.addVersion(k, 3, 'their-sig', { refuse: ssec });
    };
    const sealErr = await failure(storeWith(sealing).putRun({ runId: '20261127T040000Z-ffffff', manifest, signature: Buffer.from('sig'), publicKeyPem: 'key' }));
    expect(sealErr.message).toMatch(/readers take versions of its files that this seal did not write: s3:\/\/evidence\/evidence-locker\/runs\/20261127T040000Z-ffffff\/manifest\.sig: 1 version\(s\) older than the one written \(v-[\d-]+\): their-sig \(2026-11-27T02:00:00\.000Z\); readers take the oldest as the sealed file, and it cannot be read by anyone without its writer's help: it needs a customer-provided encryption key \(SSE-C\) to be read, which this store never uses \(GetObject: InvalidRequest: .*\)\. The run will not verify$/);

    // store check: whether the bucket refuses SSE-C writes is reported (advisory), with the command that makes it so.
    const open = await storeWith(new FakeS3()).preflight();
    const check = open.find((c) => c.name === 'writes with customer-provided keys (SSE-C) refused')!;
    expect(check).toMatchObject({ ok: false, advisory: true, detail: "the bucket's default encryption does not block SSE-C: anyone with s3:PutObject can write versions that only their own key reads" });
    expect(JSON.parse(/'(.*)'$/.exec(check.fix!)![1])).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] });
    const blocking = new FakeS3();
    blocking.encryptionXml = '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>';
    expect((await storeWith(blocking).preflight()).find((c) => c.name === check.name)).toMatchObject({ ok: true, detail: "the bucket's default encryption blocks SSE-C" });
    // The rule cannot be read: no whole command is offered (it would replace the bucket's default encryption).
    const unread2 = new FakeS3();
    unread2.encryptionXml = '';
    const denied = storeWith(unread2);
    const send = denied.client.send.bind(denied.client);
    (denied.client as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (c: unknown) => {
      if ((c as object).constructor.name === 'GetBucketEncryptionCommand') throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      return send(c as never);
    };
    expect((await denied.preflight()).find((c) => c.name === check.name)).toMatchObject({
      ok: false,
      detail: 'could not read the default encryption to tell (GetBucketEncryption: AccessDenied)',
      fix: 'read the bucket\'s encryption rule (aws s3api get-bucket-encryption --bucket evidence) and put it back with "BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]} added',
    });
  });

  it('a planted version of gigabytes at a body\'s key is never read: not when the body is written again, not when it is read for a record (both know its length)', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const body = evidenceBody('planted-over');
    const key = `evidence-locker/objects/sha256/${sha256Hex(body).slice(0, 2)}/${sha256Hex(body)}.json`;
    const planted = { declared: 6_000_000_000, pulled: 0 };
    fake.endless.set(key, planted);
    const stored = await store.putObject(sha256Hex(body), body);
    expect(stored.existed).toBe(false);
    expect(fake.writes().map((w) => w.path)).toEqual([`/evidence/${key}`]);
    // The fake keeps the planted version as the latest (its PUT stores nothing): a read for a record meets it again.
    const err = await failure(store.getObject(sha256Hex(body), body.length));
    expect(err.message).toBe(`s3://evidence/${key}: no version of this object has the SHA-256 its name states (the latest is 6000000000 bytes, not the ${body.length} its record states)`);
    expect(planted.pulled).toBeLessThanOrEqual(2 * (1 << 20));
  });

  it('verify --store reads no record\'s object past its signed size: a planted longer version is reported by its size, whether or not S3 declares its length', async () => {
    const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-s3-long-')));
    const body = evidenceBody('long-latest');
    const { runId } = await sealBodies(local, [body], new Date('2026-11-27T01:00:00Z'));
    const run = await local.getRun(runId);
    const fake = new FakeS3();
    const store = storeWith(fake);
    const retainUntil = new Date('2040-01-01T00:00:00Z');
    for (const [file, b] of [[RUN_FILES.manifest, run.manifest], [RUN_FILES.signature, run.signature], [RUN_FILES.publicKey, Buffer.from(run.publicKeyPem)]] as const) {
      fake.existing.set(store.runKey(runId, file), { retainUntil, length: b.length, sha256: sha256Hex(b), body: b });
    }
    const [record] = JSON.parse(run.manifest.toString('utf8')).records as { recordId: string; sha256: string; size: number; location?: { key: string } }[];
    const key = record.location?.key ?? store.objectKey(record.sha256);
    for (const declared of [6_000_000_000, undefined]) {
      const planted = { ...(declared !== undefined ? { declared } : {}), pulled: 0 };
      fake.endless.set(key, planted);
      const report = await verifyStoredRuns(store, { runId }, await contractTrust());
      expect(report.problems).toMatchObject([{ runId, recordId: record.recordId, key, problem: declared ? `size is ${declared} bytes, the manifest says ${record.size}` : expect.stringMatching(new RegExp(`^size is at least \\d+ bytes, the manifest says ${record.size}$`)) }]);
      expect(planted.pulled).toBeLessThanOrEqual(2 * (1 << 20));
    }
  });

  it('reads a version\'s Object Lock state with HeadObject, not its body (verify --store on a sealed manifest of hundreds of MB)', async () => {
    const fake = new FakeS3();
    const store = storeWith(fake);
    const manifest = Buffer.from('{"records":[]}');
    const key = 'evidence-locker/runs/r1/manifest.json';
    const retainUntil = new Date('2032-11-27T02:00:00.000Z');
    fake.existing.set(key, { retainUntil, length: manifest.length, sha256: sha256Hex(manifest), body: manifest });
    expect(await store.lockState(key, 'v-existing')).toEqual({ key, versionId: 'v-existing', mode: 'COMPLIANCE', retainUntil });
    const reads = fake.requests.filter((r) => r.path === `/evidence/${key}`);
    expect(reads.map((r) => [r.method, r.query.versionId])).toEqual([['HEAD', 'v-existing']]);
    const err = await failure(store.lockState('evidence-locker/runs/r2/manifest.json', 'v-gone'));
    expect(err.message).toBe('s3://evidence/evidence-locker/runs/r2/manifest.json version v-gone is missing from the evidence store');
  });

  it('tells a missing bucket from a missing object when HeadObject answers 404 (a HEAD answer has no body to say which): HeadBucket asks, only then', async () => {
    const key = 'evidence-locker/runs/r3/manifest.json';
    /** The fake S3, but HEAD of the bucket answers `bucket` and HEAD of `key` answers `object` (with no body, as S3's do). */
    const answering = (bucket: number, object: number) => {
      const fake = new FakeS3();
      const inner = fake.handle;
      fake.handle = async (request: HttpRequest) => {
        if (request.method !== 'HEAD') return inner(request);
        fake.requests.push({ method: 'HEAD', hostname: request.hostname, path: request.path, query: request.query as Record<string, unknown>, headers: { ...request.headers }, body: Buffer.alloc(0) });
        const code = request.path === `/evidence/${key}` ? object : request.path === '/evidence' || request.path === '/evidence/' ? bucket : 404;
        return { response: new HttpResponse({ statusCode: code, headers: {}, body: Readable.from([Buffer.alloc(0)]) }) };
      };
      return fake;
    };
    const heads = (fake: FakeS3) => fake.requests.map((r) => [r.method, r.path.replace(/\/$/, ''), r.query.versionId]);

    // No bucket: named as missing, with how to create it (or fix the store settings), not as a missing object.
    const noBucket = answering(404, 404);
    const gone = await failure(storeWith(noBucket).lockState(key, 'v-1'));
    expect(gone.message).toBe(`s3://evidence/${key} version v-1 cannot be read: HeadBucket s3://evidence at http://s3.test: the evidence bucket evidence does not exist`);
    expect(gone.hint).toMatch(/^create it with Object Lock: aws s3api create-bucket --bucket evidence --object-lock-enabled-for-bucket .*or fix store\.bucket \/ store\.region \/ store\.endpoint$/);
    expect(heads(noBucket)).toEqual([['HEAD', `/evidence/${key}`, 'v-1'], ['HEAD', '/evidence', undefined]]);

    // The bucket is there: the object (version) is what is missing, as before.
    const noObject = answering(200, 404);
    expect((await failure(storeWith(noObject).lockState(key, 'v-1'))).message).toBe(`s3://evidence/${key} version v-1 is missing from the evidence store`);
    expect(heads(noObject)).toEqual([['HEAD', `/evidence/${key}`, 'v-1'], ['HEAD', '/evidence', undefined]]);

    // HeadBucket refused: which of the two is missing cannot be told, and the error says so, naming the permission.
    const unknown = answering(403, 404);
    const either = await failure(storeWith(unknown).lockState(key, 'v-1'));
    expect(either.message).toMatch(new RegExp(`^s3://evidence/${key} version v-1 is missing from the evidence store, or the bucket is: HeadObject answered 404 and HeadBucket s3://evidence at http://s3\\.test: access denied \\(\\w+\\)$`));
    expect(either.hint).toMatch(/grant this role s3:ListBucket on arn:aws:s3:::evidence /);

    // A delete marker (405) or a found object: the bucket is certainly there, so it is not asked about.
    const marked = answering(200, 405);
    expect((await failure(storeWith(marked).lockState(key, 'v-1'))).message).toBe(`s3://evidence/${key} version v-1 is missing from the evidence store`);
    expect(heads(marked)).toEqual([['HEAD', `/evidence/${key}`, 'v-1']]);
    const found = new FakeS3();
    found.existing.set(key, { retainUntil: NOW, length: 2, sha256: sha256Hex(Buffer.from('{}')), body: Buffer.from('{}') });
    await storeWith(found).lockState(key, 'v-existing');
    expect(heads(found)).toEqual([['HEAD', `/evidence/${key}`, 'v-existing']]);
  });

  it('verify --store checks each run file\'s lock with HeadObject of its sealed version, and reads no run file for it', async () => {
    // A run sealed elsewhere (no records: only the run files matter here), its three files put in the fake bucket.
    const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-s3-lock-')));
    const { runId } = await sealBodies(local, [], new Date('2026-11-27T01:00:00Z'));
    const run = await local.getRun(runId);
    const fake = new FakeS3();
    const store = storeWith(fake);
    const retainUntil = new Date('2040-01-01T00:00:00Z');
    const files: [string, Buffer][] = [
      [RUN_FILES.manifest, run.manifest],
      [RUN_FILES.signature, run.signature],
      [RUN_FILES.publicKey, Buffer.from(run.publicKeyPem)],
    ];
    for (const [file, body] of files) fake.existing.set(store.runKey(runId, file), { retainUntil, length: body.length, sha256: sha256Hex(body), body });
    let runReads = 0;
    const counted = Object.create(store, { getRun: { value: (id: string) => (runReads++, store.getRun(id)) } }) as S3EvidenceStore;

    const report = await verifyStoredRuns(counted, { runId }, await contractTrust());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(runReads).toBeGreaterThan(0);
    for (const [file] of files) {
      const path = `/evidence/${store.runKey(runId, file)}`;
      const on = fake.requests.filter((r) => r.path === path);
      // One HEAD, of the sealed version: the lock state is in its headers.
      expect(on.filter((r) => r.method === 'HEAD').map((r) => r.query.versionId)).toEqual(['v-existing']);
      // Every GET of the file is a read of the run (its judging); none is for the lock state.
      expect(on.filter((r) => r.method === 'GET')).toHaveLength(runReads);
    }
  });

  describe('verify --store compares when the server wrote each run with the completion the run states (back-dating)', () => {
    /**
     * A run sealed elsewhere (no records: only the run files matter here) whose three files the fake bucket lists as
     * written by the server at `written` (null: the listing names no time). `seal` seals it another way than `sealBodies`.
     */
    async function storedRun(completedAt: Date, written: Date | null, seal?: (local: LocalEvidenceStore) => Promise<string>) {
      const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-s3-written-')));
      const runId = seal ? await seal(local) : (await sealBodies(local, [], completedAt)).runId;
      const run = await local.getRun(runId);
      const fake = new FakeS3();
      const store = storeWith(fake);
      const retainUntil = new Date('2040-01-01T00:00:00Z');
      for (const [file, body] of [[RUN_FILES.manifest, run.manifest], [RUN_FILES.signature, run.signature], [RUN_FILES.publicKey, Buffer.from(run.publicKeyPem)]] as const) {
        fake.existing.set(store.runKey(runId, file), { retainUntil, length: body.length, sha256: sha256Hex(body), body, lastModified: written });
      }
      return { runId, store };
    }

    it('was: a run signed today that says it completed months ago verified clean; now its manifest and signature are named with both times, the gap and what it means', async () => {
      const { runId, store } = await storedRun(new Date('2026-08-01T02:00:00Z'), new Date('2026-11-27T01:00:00Z'));
      const report = await verifyStoredRuns(store, { runId }, await contractTrust());
      expect(report.ok).toBe(false);
      expect(report.writeTimes).toEqual({ checked: true, maxDelayMs: 3_600_000, skewMs: 900_000 });
      const said = (file: string) =>
        `${file} was written to the store at 2026-11-27T01:00:00.000Z (LastModified, set by the server, not by the writer), 117 d 23 h after the completion 2026-08-01T02:00:00.000Z its signed manifest states, more than the 1 h a seal takes to store its run: ` +
        'the run was signed or stored long after the time it claims (back-dated), so its evidence does not show the state of the day it claims; whoever holds the signing key (kms:Sign) can do this, so find the Sign call of that time in CloudTrail and who made it';
      expect(report.problems).toEqual([
        { runId, key: store.runKey(runId, RUN_FILES.manifest), versionId: 'v-existing', problem: said('manifest.json') },
        { runId, key: store.runKey(runId, RUN_FILES.signature), versionId: 'v-existing', problem: said('manifest.sig') },
      ]);
      expect(report.runs).toMatchObject([{ runId, ok: false }]);
      const text = formatStoreReport(report);
      expect(text).toContain(`FAIL ${runId}`);
      expect(text).toContain(`problem: run ${runId} key ${store.runKey(runId, RUN_FILES.manifest)} version v-existing: ${said('manifest.json')}`);
      expect(text).toContain('write times: each run\'s manifest.json and manifest.sig must have been written by the store\'s server (LastModified) within 1 h after the completion the run states, and at most 15 min before it');
    });

    it('a run stored within the hour after its completion verifies; --max-seal-delay narrows the hour', async () => {
      const { runId, store } = await storedRun(new Date('2026-11-27T00:30:00Z'), new Date('2026-11-27T01:00:00Z'));
      const report = await verifyStoredRuns(store, { runId }, await contractTrust());
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      const strict = await verifyStoredRuns(store, { runId }, { ...(await contractTrust()), maxSealDelayMs: 15 * 60_000 });
      expect(strict.ok).toBe(false);
      expect(strict.writeTimes).toEqual({ checked: true, maxDelayMs: 900_000, skewMs: 900_000 });
      expect(strict.problems.map((p) => p.problem)).toEqual([
        expect.stringMatching(/^manifest\.json was written to the store at 2026-11-27T01:00:00\.000Z \(LastModified, set by the server, not by the writer\), 30 min after the completion 2026-11-27T00:30:00\.000Z its signed manifest states, more than the 15 min a seal takes/),
        expect.stringMatching(/^manifest\.sig was written .* 30 min after/),
      ]);
    });

    it('a run the server wrote before the completion it states is named beyond the clock skew, not within it', async () => {
      const early = await storedRun(new Date('2026-11-27T03:00:00Z'), new Date('2026-11-27T01:00:00Z'));
      const report = await verifyStoredRuns(early.store, { runId: early.runId }, await contractTrust());
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.problem)).toEqual([
        "manifest.json was written to the store at 2026-11-27T01:00:00.000Z (LastModified, set by the server, not by the writer), 2 h before the completion 2026-11-27T03:00:00.000Z its signed manifest states, more than the 15 min of clock difference allowed: a seal stores a run only once it is complete, so the manifest's times were not set by the clock of the seal that stored it",
        expect.stringMatching(/^manifest\.sig was written .* 2 h before the completion/),
      ]);
      const skewed = await storedRun(new Date('2026-11-27T01:10:00Z'), new Date('2026-11-27T01:00:00Z'));
      expect((await verifyStoredRuns(skewed.store, { runId: skewed.runId }, await contractTrust())).problems).toEqual([]);
    });

    it('a listing that names no write time is a problem, never a pass', async () => {
      const { runId, store } = await storedRun(new Date('2026-11-27T00:30:00Z'), null);
      const report = await verifyStoredRuns(store, { runId }, await contractTrust());
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.problem)).toEqual([
        "the store lists no write time (LastModified) for the sealed manifest.json, so when it was written cannot be compared with the run's completion 2026-11-27T00:30:00.000Z",
        "the store lists no write time (LastModified) for the sealed manifest.sig, so when it was written cannot be compared with the run's completion 2026-11-27T00:30:00.000Z",
      ]);
    });

    it('a backfilled run, sealed today for a day months ago, verifies: the check is about when a run was sealed, not the day it covers', async () => {
      const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
      const sealedAt = new Date('2026-11-27T00:58:00Z');
      const { runId, store } = await storedRun(sealedAt, new Date('2026-11-27T01:00:00Z'), async (local) =>
        (
          await sealRun(local, signer, {
            runId: newRunId(new Date('2026-11-27T00:57:00Z'), 'backfill-20260905-a1b2c3'),
            kind: 'collection',
            chain: 'backfill',
            startedAt: new Date('2026-11-27T00:57:00Z'),
            completedAt: sealedAt,
            scope: { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] },
            reconstruction: { asOf: '2026-09-05', reconstructed: ['s3.bucket-versioning'], notReconstructed: [] },
            records: [],
          })
        ).manifest.runId,
      );
      const report = await verifyStoredRuns(store, { runId }, await contractTrust());
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    });
  });

  describe('reads each run folder from one listing of runs/ (a year of daily runs times shards is many ListObjectVersions pages)', () => {
    /** Two runs of one chain with a record each, sealed elsewhere and put in the fake bucket as written by the server at 01:00. */
    async function twoRuns() {
      const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-s3-listed-')));
      const first = await sealBodies(local, [evidenceBody('listed-1')], new Date('2026-11-27T00:40:00Z'));
      const second = await sealBodies(local, [evidenceBody('listed-2')], new Date('2026-11-27T00:50:00Z'));
      const fake = new FakeS3();
      const store = storeWith(fake);
      const retainUntil = new Date('2040-01-01T00:00:00Z');
      const put = (key: string, body: Buffer) => fake.existing.set(key, { retainUntil, length: body.length, sha256: sha256Hex(body), body });
      for (const { runId, records } of [first, second]) {
        const run = await local.getRun(runId);
        put(store.runKey(runId, RUN_FILES.manifest), run.manifest);
        put(store.runKey(runId, RUN_FILES.signature), run.signature);
        put(store.runKey(runId, RUN_FILES.publicKey), Buffer.from(run.publicKeyPem));
        for (const r of records) put(r.location!.key, await local.getObject(r.sha256));
      }
      const runsBase = store.runKey(first.runId, RUN_FILES.manifest).replace(`${first.runId}/${RUN_FILES.manifest}`, '');
      /** The prefixes of every ListObjectVersions request that lists under runs/ (the whole runs/ or one run folder). */
      const runListings = () => fake.requests.map((r) => (r.method === 'GET' && 'versions' in r.query && typeof r.query.prefix === 'string' ? r.query.prefix : '')).filter((prefix) => prefix.startsWith(runsBase));
      /** GET requests of one run file (reads of its body). */
      const reads = (runId: string, file: string) => fake.requests.filter((r) => r.method === 'GET' && r.path === `/evidence/${store.runKey(runId, file)}`).map((r) => r.query.versionId ?? null);
      /** Every ListObjectVersions request: its prefix, and its delimiter when it has one. */
      const listings = () => fake.requests.filter((r) => r.method === 'GET' && 'versions' in r.query).map((r) => `${typeof r.query.prefix === 'string' ? r.query.prefix : ''}${typeof r.query.delimiter === 'string' ? ` (delimiter ${r.query.delimiter})` : ''}`);
      return { fake, store, runIds: [first.runId, second.runId], runsBase, runListings, reads, listings, bodyKey: store.objectKey(first.records[0].sha256) };
    }

    /** Delete markers someone wrote all over the store: on a run file, a body, under refusals/, on a package and on a key of no folder. */
    function markAll(fake: FakeS3, store: S3EvidenceStore, runId: string, bodyKey: string) {
      const base = store.runKey(runId, RUN_FILES.manifest).replace(`runs/${runId}/${RUN_FILES.manifest}`, '');
      const marked = [`runs/${runId}/${RUN_FILES.manifest}`, bodyKey.slice(base.length), 'refusals/junk.json', 'packages/evidence-package.zip', 'stray.txt'];
      for (const [i, path] of marked.entries()) fake.deleteMarkers.set(`${base}${path}`, `dm-${i}`);
      return { base, marked: [...marked].sort() };
    }

    it('was: package and period verify --store listed the whole prefix for delete markers (runs/ and refusals/ a second time, every body version); now each prefix is listed once and every marker is still named', async () => {
      const { fake, store, runIds, listings, bodyKey } = await twoRuns();
      const { base, marked } = markAll(fake, store, runIds[0], bodyKey);
      const { trust } = await contractTrust();
      const gathered = await gatherRuns(store, packageDays('2026-11-27', '2026-11-27'), trust);
      expect(gathered.periodRuns.map((r) => r.runId)).toEqual(runIds);
      expect(gathered.foreign.filter((f) => f.reason === 'delete-marker').map((f) => f.path)).toEqual(marked);
      // runs/ once (run ids, run files, write times, markers), refusals/ once (records, markers), the top level once for
      // its folders, and each other folder once: none is listed within another's listing.
      const once = [`${base}runs/`, `${base}refusals/`, `${base} (delimiter /)`, `${base}objects/`, `${base}packages/`];
      expect(listings()).toEqual(once);

      fake.requests.length = 0;
      const report = await verifyStoredRuns(store, { from: new Date('2026-11-27T00:00:00Z'), to: new Date('2026-11-27T23:59:59Z') }, await contractTrust());
      expect(report.foreign.filter((f) => f.reason === 'delete-marker').map((f) => f.path).sort()).toEqual(marked);
      expect(report.foreign.find((f) => f.path === `runs/${runIds[0]}/${RUN_FILES.manifest}`)).toMatchObject({ runId: runIds[0], detail: expect.stringContaining('run ' + runIds[0] + ' stays in the chain') });
      expect(report.ok).toBe(false);
      expect(report.runs.map((r) => [r.runId, r.ok])).toEqual(runIds.map((id) => [id, true]));
      expect(listings()).toEqual(once);
    });

    it('was: verify --store --run listed the run folder again for its delete markers; now they come from the one listing of runs/', async () => {
      const { fake, store, runIds, listings, bodyKey } = await twoRuns();
      const { base } = markAll(fake, store, runIds[0], bodyKey);
      const report = await verifyStoredRuns(store, { runId: runIds[0] }, await contractTrust());
      expect(report.foreign.map((f) => [f.path, f.reason])).toEqual([[`runs/${runIds[0]}/${RUN_FILES.manifest}`, 'delete-marker']]);
      expect(listings()).toEqual([`${base}runs/`, `${base}refusals/`]);
      fake.requests.length = 0;
      const other = await verifyStoredRuns(store, { runId: runIds[1] }, await contractTrust());
      expect(other.foreign).toEqual([]);
      expect(other.ok).toBe(true);
    });

    it('was: verify --store listed each run folder again to read it, again for its write times and locks, and again to re-read its records; now: runs/ is listed once and no run folder on its own', async () => {
      const { store, runIds, runsBase, runListings, reads } = await twoRuns();
      const report = await verifyStoredRuns(store, { from: new Date('2026-11-27T00:00:00Z'), to: new Date('2026-11-27T23:59:59Z') }, await contractTrust());
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.runs.map((r) => [r.runId, r.records, r.ok])).toEqual(runIds.map((id) => [id, 1, true]));
      expect(runListings()).toEqual([runsBase]);
      for (const runId of runIds) {
        // The records are read again from the sealed version judged, by its id; signature and key only once.
        expect(reads(runId, RUN_FILES.manifest)).toEqual(['v-existing', 'v-existing']);
        expect(reads(runId, RUN_FILES.signature)).toEqual(['v-existing']);
        expect(reads(runId, RUN_FILES.publicKey)).toEqual(['v-existing']);
      }
    });

    it('was: package listed each run folder to read it, again for its write times, and again each time it read the run\'s records; now: runs/ is listed once and no run folder on its own', async () => {
      const { store, runIds, runsBase, runListings, reads } = await twoRuns();
      const { trust } = await contractTrust();
      const gathered = await gatherRuns(store, packageDays('2026-11-27', '2026-11-27'), trust);
      expect(gathered.periodRuns.map((r) => r.runId)).toEqual(runIds);
      expect(gathered.foreign).toEqual([]);
      expect(gathered.writtenLate).toEqual([]);
      // What the package build does with each run: its manifest bytes into the zip, its records for the report and timeline.
      for (const run of gathered.periodRuns) {
        expect(sha256Hex(await readRunManifestBytes(store, run))).toBe(run.manifestSha256);
        expect((await readRunManifest(store, run)).records).toHaveLength(1);
      }
      expect(runListings()).toEqual([runsBase]);
      for (const runId of runIds) {
        expect(reads(runId, RUN_FILES.manifest)).toEqual(['v-existing', 'v-existing', 'v-existing']);
        expect(reads(runId, RUN_FILES.signature)).toEqual(['v-existing']);
      }
    });
  });

  describe('every object a collection run seals against the write time of the start file that dated it (a start file written ahead of time)', () => {
    /**
     * Collection runs sealed elsewhere, each with the start secret its start file names, put in the fake bucket with the
     * server's write times a test gives: the start file's, the bodies' and the run files'.
     */
    async function datedRuns(runs: { chain: string; startedAt: Date; completedAt: Date; startWritten: Date; bodiesWritten: Date; sealWritten: Date }[]) {
      const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-s3-bodytimes-')));
      const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
      const fake = new FakeS3();
      const store = storeWith(fake);
      const retainUntil = new Date('2040-01-01T00:00:00Z');
      const put = (key: string, body: Buffer, lastModified: Date) => fake.existing.set(key, { retainUntil, length: body.length, sha256: sha256Hex(body), body, lastModified });
      const ids: string[] = [];
      for (const [n, r] of runs.entries()) {
        const secret = createHash('sha256').update(`secret-${n}`).digest('hex');
        const bodies = [evidenceBody(`${r.chain}-1`), evidenceBody(`${r.chain}-2`)];
        const records = [];
        for (const [i, body] of bodies.entries()) {
          const sha256 = sha256Hex(body);
          await local.putObject(sha256, body);
          put(store.objectKey(sha256), body, r.bodiesWritten);
          records.push({ recordId: `s3.bucket-versioning/111122223333/us-east-${i}`, queryId: 's3.bucket-versioning', accountId: '111122223333', region: `us-east-${i}`, status: 'ok' as const, collectedAt: r.startedAt.toISOString(), sha256, size: body.length, location: { key: store.objectKey(sha256), versionId: 'v-existing' } });
        }
        const runId = newRunId(r.startedAt, `b0d${n}e5`);
        const scope = { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] };
        await sealRun(local, signer, { runId, kind: 'collection', chain: r.chain, startedAt: r.startedAt, completedAt: r.completedAt, scope, startSecret: secret, records });
        const run = await local.getRun(runId);
        put(store.runKey(runId, RUN_START_FILE), Buffer.from(`${JSON.stringify({ runId, startedAt: r.startedAt.toISOString(), startSecretSha256: startSecretSha256(secret) })}\n`), r.startWritten);
        put(store.runKey(runId, RUN_FILES.publicKey), Buffer.from(run.publicKeyPem), r.sealWritten);
        put(store.runKey(runId, RUN_FILES.signature), run.signature, r.sealWritten);
        put(store.runKey(runId, RUN_FILES.manifest), run.manifest, r.sealWritten);
        ids.push(runId);
      }
      const bodyRequests = () => fake.requests.filter((q) => q.path.includes('/objects/')).map((q) => `${q.method} ${q.path.slice(q.path.lastIndexOf('/') + 1)}`);
      return { fake, store, ids, bodyRequests };
    }
    const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs);

    it('was: a run sealed against a start file written three days before its evidence was credited to the start file\'s day; now verify --store and package name it with both times, and a normal run and one near its span limit are credited, with no S3 request per body beyond its one read', async () => {
      const { fake, store, ids, bodyRequests } = await datedRuns([
        // As collect writes a run: start file a second after its start, bodies seconds later, the seal a minute after completion.
        { chain: 'normal', startedAt: at('2026-11-20T02:00:00Z'), completedAt: at('2026-11-20T02:05:00Z'), startWritten: at('2026-11-20T02:00:01Z'), bodiesWritten: at('2026-11-20T02:00:03Z'), sealWritten: at('2026-11-20T02:06:00Z') },
        // A start file written ahead of time on Nov 21; the evidence reached the store on Nov 24.
        { chain: 'ahead', startedAt: at('2026-11-21T02:00:00Z'), completedAt: at('2026-11-21T02:05:00Z'), startWritten: at('2026-11-21T02:00:01Z'), bodiesWritten: at('2026-11-24T09:30:00Z'), sealWritten: at('2026-11-21T02:06:00Z') },
        // Evidence already in the store a day before the run's start file (taken from an earlier day).
        { chain: 'reused', startedAt: at('2026-11-22T02:00:00Z'), completedAt: at('2026-11-22T02:05:00Z'), startWritten: at('2026-11-22T02:00:01Z'), bodiesWritten: at('2026-11-21T02:00:03Z'), sealWritten: at('2026-11-22T02:06:00Z') },
        // A run of exactly the span allowed (1 d): bodies written to its last minute, its seal 59 min after completion.
        { chain: 'long', startedAt: at('2026-11-23T02:00:00Z'), completedAt: at('2026-11-24T02:00:00Z'), startWritten: at('2026-11-23T02:00:01Z'), bodiesWritten: at('2026-11-24T01:59:00Z'), sealWritten: at('2026-11-24T02:59:00Z') },
      ]);
      const [normal, ahead, reused, long] = ids;
      const report = await verifyStoredRuns(store, { from: at('2026-11-20T00:00:00Z'), to: at('2026-11-24T23:59:59Z') }, await contractTrust());
      expect(report.runs.map((r) => [r.runId, r.ok])).toEqual([[normal, true], [ahead, false], [reused, false], [long, true]]);
      const named = new Map(report.problems.map((p) => [p.runId, p]));
      expect([...named.keys()].sort()).toEqual([ahead, reused]);
      expect(named.get(ahead)).toMatchObject({ key: expect.stringContaining('/objects/'), versionId: 'v-existing' });
      expect(named.get(ahead)!.problem).toMatch(
        new RegExp(`^\\S+/objects/\\S+ version v-existing, an object the run seals, was written to the store at 2026-11-24T09:30:00\\.000Z \\(LastModified, set by the server, not by the writer\\), 3 d 7 h after the run's start file \\S+/runs/${ahead}/collection-started\\.json version v-existing \\(written 2026-11-21T02:00:01\\.000Z\\), later than the 1 d a run may take \\(--max-run-span\\) with 15 min of clock difference and the 1 h a seal takes to store its run: .*it proves no collection on 2026-11-21; find the PutObject and Sign calls in CloudTrail and who made them; 1 more object\\(s\\) of the run likewise$`),
      );
      expect(named.get(reused)!.problem).toContain('was written to the store at 2026-11-21T02:00:03.000Z (LastModified, set by the server, not by the writer), 23 h 59 min before the run\'s start file');
      expect(named.get(reused)!.problem).toContain('this evidence was in the store before the run began (made ahead of it, or taken from an earlier run) and it proves no collection on 2026-11-22');
      expect(formatStoreReport(report)).toContain('every evidence body and run file a collection run dated by its start file seals must have been written no earlier than that start file');
      // Each body read once (GET, its write time with it), none asked for on its own (no HEAD).
      expect(bodyRequests().filter((r) => !r.startsWith('GET ')).length).toBe(0);
      expect(bodyRequests()).toHaveLength(8);
      expect(new Set(bodyRequests()).size).toBe(8);

      // The package: the same two runs not credited, the write times from the one listing of objects/ it makes anyway.
      fake.requests.length = 0;
      const { trust } = await contractTrust();
      const gathered = await gatherRuns(store, packageDays('2026-11-20', '2026-11-24'), trust);
      expect(gathered.bodyWriteTimesChecked).toBe(true);
      expect(gathered.runsNotCredited.map((n) => [n.runId, n.day])).toEqual([[ahead, '2026-11-21'], [reused, '2026-11-22']]);
      expect(gathered.runsNotCredited[0].why).toBe(named.get(ahead)!.problem);
      expect(gathered.runsNotCredited[1].why).toBe(named.get(reused)!.problem);
      // No request of any body: its write time comes from the listing; one more read of each dated run's manifest (its records).
      expect(bodyRequests()).toEqual([]);
      const objectListings = fake.requests.filter((q) => q.method === 'GET' && 'versions' in q.query && String(q.query.prefix).endsWith('objects/'));
      expect(objectListings).toHaveLength(1);
      for (const id of ids) expect(fake.requests.filter((q) => q.method === 'GET' && q.path.endsWith(`${id}/${RUN_FILES.manifest}`))).toHaveLength(2);
    });
  });

  it('verify --store on a local store says the write-time check does not apply there, and does not pretend it passed', async () => {
    const local = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-local-written-')));
    const { runId } = await sealBodies(local, [], new Date('2026-08-01T02:00:00Z'));
    const report = await verifyStoredRuns(local, { runId }, await contractTrust());
    expect(report.writeTimes).toEqual({ checked: false, why: expect.stringMatching(/^not checked: the store keeps no write time its writer cannot set/) });
    expect(formatStoreReport(report)).toContain("write times: not checked: the store keeps no write time its writer cannot set (a local folder's file times can be changed by anyone who can write to it)");
  });

  it('names the bucket and the fix when the bucket is missing or access is denied', async () => {
    const missing = new FakeS3();
    missing.handle = async () => ({ response: new HttpResponse({ statusCode: 404, headers: {}, body: Readable.from([Buffer.alloc(0)]) }) });
    const e1 = await failure(storeWith(missing).preflight());
    expect(e1.message).toMatch(/evidence bucket evidence does not exist/);
    expect(e1.hint).toMatch(/--object-lock-enabled-for-bucket/);
    const denied = new FakeS3();
    denied.handle = async () => ({ response: new HttpResponse({ statusCode: 403, headers: {}, body: Readable.from([Buffer.alloc(0)]) }) });
    const e2 = await failure(storeWith(denied).preflight());
    expect(e2.message).toMatch(/HeadBucket s3:\/\/evidence at http:\/\/s3.test: access denied/);
    expect(e2.hint).toMatch(/grant this role s3:ListBucket on arn:aws:s3:::evidence /);
  });
});
