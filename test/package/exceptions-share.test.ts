import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { loadExceptions, parseExceptions, exceptionStates, exceptionsFor, rowExceptions, rowExceptionLabels, exceptionLabel, exceptionWindow } from '../../src/package/exceptions.js';
import { parseExpires, sharePackage, MAX_SHARE_SECONDS } from '../../src/package/share.js';
import { csvCell } from '../../src/package/csv.js';
import { ConfigError } from '../../src/errors.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { ConfigSchema, type S3StoreConfig } from '../../src/config/schema.js';

const entry = { framework: 'pci-dss-4.0.1', requirement: '8.3.6', type: 'compensating-control', owner: 'IAM team', rationale: 'Legacy app uses 10-character passwords plus hardware MFA.', approvedBy: 'CISO', expires: '2026-06-30' };

describe('exceptions register', () => {
  const file = (content: string) => {
    const p = join(mkdtempSync(join(tmpdir(), 'el-exc-')), 'exceptions.yaml');
    writeFileSync(p, content);
    return p;
  };

  it('loads valid entries and marks expired ones as EXPIRED (not applied)', () => {
    const entries = loadExceptions(file(`exceptions:\n  - ${JSON.stringify(entry)}\n  - ${JSON.stringify({ ...entry, requirement: '8.2.1', accounts: ['111111111111'], expires: '2027-01-01' })}\n`));
    const states = exceptionStates(entries, '2026-07-01');
    expect(states.map((s) => s.state)).toEqual(['expired', 'active']);
    expect(exceptionsFor(states, 'pci-dss-4.0.1', '8.2.1', '111111111111')[0]?.state).toBe('active');
    expect(exceptionsFor(states, 'pci-dss-4.0.1', '8.2.1', '222222222222')).toEqual([]);
    expect(rowExceptions(states, 'pci-dss-4.0.1', '8.2.1', '222222222222')).toEqual({});
    expect(exceptionsFor(states, 'pci-dss-4.0.1', '8.3.6', '222222222222')[0]?.state).toBe('expired');
  });

  it('refuses accepted-risk for PCI DSS, and a customized approach without its objective and references', () => {
    const p = file(`exceptions:\n  - ${JSON.stringify({ ...entry, type: 'accepted-risk' })}\n`);
    expect(() => loadExceptions(p)).toThrow(/exceptions\[0\]\.type: accepted-risk is not a PCI DSS option/);
    const q = file(`exceptions:\n  - ${JSON.stringify({ ...entry, type: 'customized-approach' })}\n`);
    expect(() => loadExceptions(q)).toThrow(/exceptions\[0\]\.customizedApproach: a customized-approach entry needs/);
    const ok = loadExceptions(
      file(
        `exceptions:\n  - ${JSON.stringify({ ...entry, type: 'customized-approach', customizedApproach: { objective: 'Passwords cannot be guessed within their lifetime.', controlsMatrix: 'CM-2026-04 in the GRC tool', targetedRiskAnalysis: 'TRA-2026-07' } })}\n  - ${JSON.stringify({ ...entry, framework: 'hipaa-security', requirement: '164.312(d)', type: 'accepted-risk' })}\n`,
      ),
    );
    expect(ok.map((e) => e.type)).toEqual(['customized-approach', 'accepted-risk']);
  });

  it('names the file, the entry and the field on schema errors', () => {
    const p = file(`exceptions:\n  - ${JSON.stringify(entry)}\n  - ${JSON.stringify({ ...entry, type: 'waiver' })}\n`);
    expect(() => loadExceptions(p)).toThrow(ConfigError);
    expect(() => loadExceptions(p)).toThrow(`${p}: exceptions[1].type`);
    const q = file(`exceptions:\n  - ${JSON.stringify({ ...entry, expires: 'next year' })}\n`);
    expect(() => loadExceptions(q)).toThrow(/exceptions\[0\]\.expires: a date like 2026-12-31/);
    expect(() => loadExceptions(file('exceptions: [\n'))).toThrow(/not valid YAML/);
    expect(() => loadExceptions('/nonexistent/exceptions.yaml')).toThrow(/cannot read the exceptions register/);
  });
});

describe('several exceptions for one requirement', () => {
  it('a renewal shows the entry in effect first and the one it replaced as also registered, each with the days it applied', () => {
    const expired = { ...entry, approvedOn: '2025-07-01', expires: '2026-06-14', owner: 'IAM team (first approval)' };
    const renewal = { ...entry, approvedOn: '2026-06-10', effectiveFrom: '2026-06-15', expires: '2027-06-14' };
    const unrelated = { ...entry, requirement: '8.2.1' };
    const states = exceptionStates(parseExceptions({ exceptions: [expired, unrelated, renewal] }, 'exceptions.yaml'), '2026-06-30', '2026-06-01');
    const row = rowExceptions(states, 'pci-dss-4.0.1', '8.3.6', '111111111111');
    expect(row.exception?.index).toBe(2);
    expect(row.otherExceptions?.map((e) => e.index)).toEqual([0]);
    const labels = rowExceptionLabels(row);
    expect(labels).toHaveLength(2);
    expect(labels[0]).toMatch(/^Exception: compensating-control, owner IAM team, approved by CISO; applied 2026-06-15 to 2026-06-30 \(16 of 30 days\)/);
    expect(labels[1]).toMatch(/^Also registered: EXPIRED exception \(not applied at the period end\): compensating-control, owner IAM team \(first approval\), approved by CISO; applied 2026-06-01 to 2026-06-14 \(14 of 30 days\)/);
    // Without an entry in effect, the one that applied last comes first.
    const lapsed = exceptionStates(parseExceptions({ exceptions: [{ ...expired, expires: '2026-06-05' }, { ...expired, approvedOn: '2026-06-06', expires: '2026-06-20' }] }, 'x'), '2026-06-30', '2026-06-01');
    expect(exceptionsFor(lapsed, 'pci-dss-4.0.1', '8.3.6', '111111111111').map((e) => e.applied?.to)).toEqual(['2026-06-20', '2026-06-05']);
  });
});

describe('exception effective dates', () => {
  const file = (content: string) => {
    const p = join(mkdtempSync(join(tmpdir(), 'el-exc-')), 'exceptions.yaml');
    writeFileSync(p, content);
    return p;
  };
  const yaml = (...entries: object[]) => `exceptions:\n${entries.map((e) => `  - ${JSON.stringify(e)}\n`).join('')}`;

  it('says for which days of the period each exception applied; one approved after the period applied on none', () => {
    const entries = loadExceptions(
      file(
        yaml(
          { ...entry, approvedOn: '2026-04-10' },
          { ...entry, approvedOn: '2026-05-03', expires: '2026-12-31' },
          { ...entry, approvedOn: '2026-03-01', effectiveFrom: '2026-03-15', expires: '2026-04-20' },
          { ...entry, approvedOn: '2026-01-01' },
          entry,
        ),
      ),
    );
    const [late, after, expired, whole, undated] = exceptionStates(entries, '2026-04-30', '2026-04-01');
    expect(late).toMatchObject({ state: 'active', applied: { from: '2026-04-10', to: '2026-04-30', days: 21 }, startKnown: true });
    expect(exceptionWindow(late)).toBe('applied 2026-04-10 to 2026-04-30 (21 of 30 days) (approved 2026-04-10, expires 2026-06-30)');
    expect(after.state).toBe('not-yet-effective');
    expect(after.applied).toBeUndefined();
    expect(exceptionLabel(after)).toMatch(/^NOT YET EFFECTIVE exception \(not applied\): .*applied on no day of the period \(approved 2026-05-03, expires 2026-12-31\)/);
    expect(expired).toMatchObject({ state: 'expired', applied: { from: '2026-04-01', to: '2026-04-20', days: 20 } });
    expect(exceptionWindow(whole)).toMatch(/^applied the whole period \(2026-04-01 to 2026-04-30\)/);
    expect(undated.startKnown).toBe(false);
    expect(exceptionWindow(undated)).toMatch(/only if it was in effect from the period start: the register gives no approvedOn or effectiveFrom/);
  });

  it('refuses impossible dates and orders, naming the file, the entry and the field', () => {
    const p = file(yaml(entry, { ...entry, approvedOn: '2026-04-10', effectiveFrom: '2026-04-01' }));
    expect(() => loadExceptions(p)).toThrow(`${p}: exceptions[1].effectiveFrom: 2026-04-01 is before approvedOn 2026-04-10: an exception cannot apply before it was approved`);
    const q = file(yaml({ ...entry, effectiveFrom: '2026-07-01' }));
    expect(() => loadExceptions(q)).toThrow(`${q}: exceptions[0].expires: 2026-06-30 is before effectiveFrom 2026-07-01`);
    const r = file(yaml({ ...entry, approvedOn: '2026-02-30' }));
    expect(() => loadExceptions(r)).toThrow(`${r}: exceptions[0].approvedOn: not a calendar date`);
    const t = file(yaml({ ...entry, effectiveFrom: 'soon' }));
    expect(() => loadExceptions(t)).toThrow(/exceptions\[0\]\.effectiveFrom: a date like 2026-12-31/);
  });
});

describe('CSV cells', () => {
  it('quotes per RFC 4180 and neutralises formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it('prefixes a formula after leading spaces too, and shows bidirectional and zero-width characters by code point; builds before revision 7 wrote them as collected', () => {
    expect(csvCell('  =1+1')).toBe("'  =1+1");
    expect(csvCell(' @SUM(A1)')).toBe("' @SUM(A1)");
    expect(csvCell('\u00a0-2+3')).toBe("'\u00a0-2+3");
    expect(csvCell('\n=1+1')).toBe(`"'\n=1+1"`);
    expect(csvCell('a - b')).toBe('a - b');
    expect(csvCell('\u202eDELIAF\u200b')).toBe('[U+202E]DELIAF[U+200B]');
    // The rule of earlier builds, by which `verify --recompute` rebuilds their packages' CSVs byte for byte.
    expect(csvCell('  =1+1', 'asBuilt')).toBe('  =1+1');
    expect(csvCell('\u202eDELIAF\u200b', 'asBuilt')).toBe('\u202eDELIAF\u200b');
    expect(csvCell('=1', 'asBuilt')).toBe("'=1");
  });
});

describe('share', () => {
  it('parses durations up to the 7-day SigV4 limit', () => {
    expect(parseExpires('30m')).toBe(1800);
    expect(parseExpires('12h')).toBe(43200);
    expect(parseExpires('7d')).toBe(MAX_SHARE_SECONDS);
    expect(parseExpires('3600')).toBe(3600);
    expect(() => parseExpires('8d')).toThrow(/at most 7 days/);
    expect(() => parseExpires('604801s')).toThrow(ConfigError);
    expect(() => parseExpires('soon')).toThrow(/not a duration/);
  });

  it('uploads a local package through the store (Object Lock, SSE-KMS, checksums), then presigns that version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-share-'));
    const zip = join(dir, 'evidence-package_x.zip');
    writeFileSync(zip, Buffer.from('PK fake package bytes'));
    const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const config = ConfigSchema.parse({ store: { kind: 's3', bucket: 'audit-evidence', prefix: 'evidence-locker/', region: 'us-east-1', kmsKeyId } }).store as S3StoreConfig;
    const store = new S3EvidenceStore(config, { clientConfig: { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } } });
    const sent: unknown[] = [];
    (store.client as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (cmd: unknown) => {
      sent.push(cmd);
      if (cmd instanceof PutObjectCommand) return { VersionId: 'v-123' };
      throw Object.assign(new Error('NotFound'), { name: 'NotFound' });
    };
    store.preflight = async () => [];
    const retain = store.retainUntilFor(new Date('2026-11-27T00:00:00Z'));
    const r = await sharePackage(store.packageShelf, zip, 3600, () => new Date('2026-11-27T00:00:00Z'));
    expect(r.uploaded).toBe(true);
    expect(r.key).toBe('evidence-locker/packages/evidence-package_x.zip');
    expect(r.expiresAt).toBe('2026-11-27T01:00:00.000Z');
    const put = sent.find((c) => c instanceof PutObjectCommand) as PutObjectCommand;
    expect(put.input).toMatchObject({ Bucket: 'audit-evidence', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retain, ContentType: 'application/zip', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId });
    expect(put.input.ChecksumSHA256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(put.input.ContentMD5).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const url = new URL(r.url);
    expect(url.pathname).toContain('evidence-locker/packages/evidence-package_x.zip');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('versionId')).toBe('v-123');
  });

  it('shares the package already there only when S3 vouches for its bytes (ETag = their MD5), not for a checksum header anyone can write; by name, refuses a package written more than once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-share-'));
    const zip = join(dir, 'evidence-package_y.zip');
    const bytes = Buffer.from('PK genuine package bytes');
    writeFileSync(zip, bytes);
    const config = ConfigSchema.parse({ store: { kind: 's3', bucket: 'audit-evidence', prefix: 'evidence-locker/', region: 'us-east-1' } }).store as S3StoreConfig;
    const checksum = createHash('sha256').update(bytes).digest('base64');
    const md5hex = createHash('md5').update(bytes).digest('hex');
    const shelfWith = (head: Record<string, unknown>, versions: string[] = ['v-old'], stored?: Buffer) => {
      const store = new S3EvidenceStore(config, { clientConfig: { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } } });
      const sent: unknown[] = [];
      (store.client as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (cmd: unknown) => {
        sent.push(cmd);
        if (cmd instanceof PutObjectCommand) return { VersionId: 'v-ours' };
        if (cmd instanceof HeadObjectCommand) return { VersionId: 'v-old', ContentLength: bytes.length, ...head };
        if (cmd instanceof GetObjectCommand && stored) return { VersionId: (cmd.input.VersionId as string) ?? 'v-old', ContentLength: stored.length, Body: Readable.from([stored]) };
        if (cmd instanceof ListObjectVersionsCommand) return { IsTruncated: false, Versions: versions.map((v, i) => ({ Key: 'evidence-locker/packages/evidence-package_y.zip', VersionId: v, IsLatest: i === 0, LastModified: new Date('2026-11-27T00:00:00Z'), Size: bytes.length })) };
        throw new Error(`unexpected ${(cmd as object).constructor.name}`);
      };
      store.preflight = async () => [];
      return { store, sent };
    };
    // Another writer's bytes under our checksum header (a server that keeps what the writer sent): ours is written and shared.
    const forged = shelfWith({ ChecksumSHA256: checksum, ETag: '"0123456789abcdef0123456789abcdef"' }, ['v-old'], Buffer.alloc(bytes.length, 0x51));
    const r = await sharePackage(forged.store.packageShelf, zip, 3600);
    expect(r).toMatchObject({ uploaded: true, versionId: 'v-ours' });
    expect(new URL(r.url).searchParams.get('versionId')).toBe('v-ours');
    // Our bytes served with a Content-Encoding (a copy someone else made): ours is written.
    const encoded = shelfWith({ ChecksumSHA256: checksum, ETag: `"${md5hex}"`, ContentEncoding: 'gzip' });
    expect(await sharePackage(encoded.store.packageShelf, zip, 3600)).toMatchObject({ uploaded: true, versionId: 'v-ours' });
    // Our bytes under someone else's GOVERNANCE lock in a COMPLIANCE store: ours is written.
    const governed = shelfWith({ ChecksumSHA256: checksum, ETag: `"${md5hex}"`, ObjectLockMode: 'GOVERNANCE' });
    expect(await sharePackage(governed.store.packageShelf, zip, 3600)).toMatchObject({ uploaded: true, versionId: 'v-ours' });
    // The same bytes, which S3 vouches for: shared as they are, nothing written.
    const same = shelfWith({ ChecksumSHA256: checksum, ETag: `"${md5hex}"` });
    expect(await sharePackage(same.store.packageShelf, zip, 3600)).toMatchObject({ uploaded: false, versionId: 'v-old' });
    expect(same.sent.some((c) => c instanceof PutObjectCommand)).toBe(false);
    // Under SSE-KMS the ETag is not an MD5: the latest version is read (by its id) and hashed. Our bytes: shared as they
    // are, so sharing the same file again adds no version; other bytes under our checksum: ours is written.
    const kms = shelfWith({ ChecksumSHA256: checksum, ETag: '"kms-etag-not-an-md5"' }, ['v-old'], bytes);
    expect(await sharePackage(kms.store.packageShelf, zip, 3600)).toMatchObject({ uploaded: false, versionId: 'v-old' });
    expect((kms.sent.find((c) => c instanceof GetObjectCommand) as GetObjectCommand).input.VersionId).toBe('v-old');
    const kmsForged = shelfWith({ ChecksumSHA256: checksum, ETag: '"kms-etag-not-an-md5"' }, ['v-old'], Buffer.alloc(bytes.length, 0x50));
    expect(await sharePackage(kmsForged.store.packageShelf, zip, 3600)).toMatchObject({ uploaded: true, versionId: 'v-ours' });
    // The link fixes what the assessor's browser is told, whatever headers the stored version carries.
    const link = new URL(r.url);
    expect(link.searchParams.get('response-content-type')).toBe('application/zip');
    expect(link.searchParams.has('response-content-encoding')).toBe(false);
    expect(link.searchParams.get('response-content-disposition')).toBe('attachment; filename="evidence-package_y.zip"');
    // By name: one version is shared; two cannot say which one evidence-locker wrote.
    expect(await sharePackage(shelfWith({}).store.packageShelf, 'evidence-package_y.zip', 3600)).toMatchObject({ uploaded: false, versionId: 'v-old' });
    const twice = await sharePackage(shelfWith({}, ['v-new', 'v-old']).store.packageShelf, 'evidence-package_y.zip', 3600).catch((e: Error & { hint?: string }) => e);
    expect((twice as Error).message).toBe('s3://audit-evidence/evidence-locker/packages/evidence-package_y.zip has 2 versions (v-new (2026-11-27T00:00:00.000Z, 24 bytes), v-old (2026-11-27T00:00:00.000Z, 24 bytes)): its name cannot say which one evidence-locker wrote, so none is shared');
    expect((twice as { hint?: string }).hint).toMatch(/^share the local package file instead \(evidence-locker share <path to evidence-package_y\.zip>\).*CloudTrail data events$/);
  });
});
