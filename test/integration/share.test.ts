import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { GetObjectRetentionCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPackageCli } from '../package/run-cli.js';
import { ExitCode } from '../../src/errors.js';
import { buildPackage } from '../../src/package/build.js';
import { verifyPackage } from '../../src/verify/package.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { integrationEnv, rawClient, uniquePrefix } from './env.js';

const env = integrationEnv();
const raw = rawClient();
afterAll(() => raw.destroy());

const run = runPackageCli;

describe('share against the Object Lock server', () => {
  let dir: string;
  let zipPath: string;
  let configFile: string;
  let prefix: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'el-it-share-'));
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(dir, 'out'), evaluate: fixtureEvaluate });
    zipPath = pkg.zipPath;
    prefix = uniquePrefix('share');
    configFile = join(dir, 'evidence-locker.yaml');
    writeFileSync(
      configFile,
      ['store:', '  kind: s3', `  bucket: ${env.bucket}`, `  prefix: ${prefix}`, `  endpoint: ${env.endpoint}`, '  forcePathStyle: true', `  region: ${env.region}`, '  retention:', '    days: 1', `stateDir: ${join(dir, 'state')}`, ''].join('\n'),
    );
  });

  it('uploads the package with Object Lock, prints a presigned URL that downloads the same bytes, and refuses a tampered URL', async () => {
    const started = Date.now();
    // The server applies its default retention and does not check x-amz-checksum values: what the client sends is checked here.
    const puts: PutObjectCommand['input'][] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with apply(this, ...) by the spy below
    const send = S3Client.prototype.send;
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- send's callback overload returns void; the spy keeps its promise form
    const spy = vi.spyOn(S3Client.prototype, 'send').mockImplementation(function (this: S3Client, ...args: unknown[]) {
      if (args[0] instanceof PutObjectCommand) puts.push(args[0].input);
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send);
    let r;
    try {
      r = await run(['-c', configFile, '--log-level', 'silent', 'share', zipPath, '--expires', '2h']);
    } finally {
      spy.mockRestore();
    }
    const zip = readFileSync(zipPath);
    expect(puts.length).toBe(1);
    expect(puts[0]).toMatchObject({
      Bucket: env.bucket,
      ObjectLockMode: 'COMPLIANCE',
      ContentMD5: createHash('md5').update(zip).digest('base64'),
      ChecksumSHA256: createHash('sha256').update(zip).digest('base64'),
      ContentLength: zip.length,
    });
    const lockedUntil = (puts[0].ObjectLockRetainUntilDate as Date).getTime();
    expect(lockedUntil - started).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(lockedUntil - Date.now()).toBeLessThanOrEqual(86_400_000 + 60_000);
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    const lines = r.out.trim().split('\n');
    const key = `${prefix}packages/${zipPath.split('/').pop()}`;
    expect(lines[0]).toMatch(new RegExp(`^uploaded to s3://${env.bucket}/${key.replace(/[.+]/g, '\\$&')} \\(version \\S+\\)$`));
    const until = Date.parse(/^link valid until (\S+)$/.exec(lines[1])![1]);
    expect(until - started).toBeGreaterThanOrEqual(2 * 3600_000 - 1000);
    expect(until - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    const url = lines[lines.length - 1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(url).toContain('X-Amz-Expires=7200');
    const versionId = /\(version (\S+)\)$/.exec(lines[0])![1];
    expect(url).toContain(`versionId=${encodeURIComponent(versionId)}`);

    // Written once, locked: COMPLIANCE until at least a day from now.
    const retention = await raw.send(new GetObjectRetentionCommand({ Bucket: env.bucket, Key: key, VersionId: versionId }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention!.RetainUntilDate!.getTime()).toBeGreaterThanOrEqual(started + 86_400_000 - 60_000);
    const head = await raw.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key, VersionId: versionId }));
    expect(head.ContentType).toBe('application/zip');
    expect(head.ObjectLockMode).toBe('COMPLIANCE');

    // Plain HTTP, no credentials: the assessor's side.
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const downloaded = Buffer.from(await res.arrayBuffer());
    expect(downloaded.equals(zip)).toBe(true);
    const copy = join(dir, 'downloaded.zip');
    writeFileSync(copy, downloaded);
    expect((await verifyPackage(copy)).ok).toBe(true);

    // A changed signature, a changed expiry or another key: each refused with 403.
    const u = new URL(url);
    const sig = u.searchParams.get('X-Amz-Signature')!;
    const badSig = new URL(url);
    badSig.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(/\.zip$/, '-other.zip');
    for (const tampered of [badSig, longer, otherKey]) {
      const t = await fetch(tampered);
      expect(t.status, tampered.toString()).toBe(403);
      await t.arrayBuffer();
    }
  });

  it('a package planted under the name of ours, claiming our SHA-256 in its checksum header: ours is written and shared, never the planted bytes, and sharing by name refuses the twice-written key (it used to share the latest)', async () => {
    const p = uniquePrefix('share-planted');
    const cfg = join(dir, 'planted.yaml');
    writeFileSync(cfg, readFileSync(configFile, 'utf8').replace(`prefix: ${prefix}`, `prefix: ${p}`));
    const zip = readFileSync(zipPath);
    const name = zipPath.split('/').pop()!;
    const key = `${p}packages/${name}`;
    // Other bytes of the same length, claiming our SHA-256.
    const forged = Buffer.alloc(zip.length, 0x50);
    await raw.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: forged, ContentLength: forged.length, ChecksumSHA256: createHash('sha256').update(zip).digest('base64'), ContentType: 'application/zip' }));
    const r = await run(['-c', cfg, '--log-level', 'silent', 'share', zipPath, '--expires', '1h']);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out).toMatch(/^uploaded to /);
    const res = await fetch(r.out.trim().split('\n').pop()!);
    expect(Buffer.from(await res.arrayBuffer()).equals(zip)).toBe(true);
    const byName = await run(['-c', cfg, '--log-level', 'silent', 'share', name, '--expires', '1h']);
    expect(byName.code).not.toBe(ExitCode.ok);
    expect(byName.out).toBe('');
    expect(byName.err).toMatch(new RegExp(`has 2 versions \\(.*\\): its name cannot say which one evidence-locker wrote, so none is shared`));
    expect(byName.err).toMatch(/share the local package file instead/);
  });

  it('refuses --expires 8d (SigV4 links live at most 7 days) with exit 2 and uploads nothing', async () => {
    const p = uniquePrefix('share-8d');
    const cfg = join(dir, 'eight-days.yaml');
    writeFileSync(cfg, readFileSync(configFile, 'utf8').replace(`prefix: ${prefix}`, `prefix: ${p}`));
    const r = await run(['-c', cfg, '--log-level', 'silent', 'share', zipPath, '--expires', '8d']);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/--expires 8d: presigned S3 URLs \(Signature Version 4\) are valid for at most 7 days/);
    expect(r.err).toMatch(/what to do: share again with --expires 7d or less/);
    const listed = await raw.send(new ListObjectVersionsCommand({ Bucket: env.bucket, Prefix: p }));
    expect(listed.Versions ?? []).toEqual([]);
  });
});
