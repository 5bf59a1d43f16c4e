import { mkdtempSync, readdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordSpool } from '../../src/collect/record-spool.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sealRunFrom } from '../../src/seal/seal.js';
import { verifyManifestSignature } from '../../src/seal/verify-signature.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';

function record(i: number, status: 'ok' | 'error' = 'ok'): ManifestRecord {
  const sha256 = (i.toString(16) + 'f'.repeat(64)).slice(0, 64);
  const accountId = String(100000000000 + (i % 37));
  return { recordId: `q${i % 11}.x/${accountId}/eu-west-${i % 3}`, queryId: `q${i % 11}.x`, accountId, region: `eu-west-${i % 3}`, status, collectedAt: new Date(Date.UTC(2026, 11, 4) + i).toISOString(), sha256, size: 100 + i, location: { key: `objects/${sha256.slice(0, 2)}/${sha256}` } };
}

describe('RecordSpool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-spool-'));

  it('seals the records it holds in record id order, byte for byte the manifest sealRun would write, and leaves no file behind', async () => {
    const spoolDir = mkdtempSync(join(dir, 'tmp-'));
    const spool = new RecordSpool(spoolDir);
    // More than a megabyte of records, added in no order: the spool flushes several times.
    const records = Array.from({ length: 6_000 }, (_, i) => record((i * 7_919) % 6_000, i % 500 === 0 ? 'error' : 'ok'));
    for (const r of records) spool.add(r);
    // The file was unlinked as soon as it was made.
    expect(readdirSync(spoolDir)).toEqual([]);
    expect(spool.count).toBe(6_000);
    expect(spool.errors).toBe(12);
    const store = new LocalEvidenceStore(join(dir, 'store'));
    const signer = LocalEd25519Signer.open(join(dir, 'keys'));
    const sealed = await sealRunFrom(store, signer, { runId: '20261204T010000Z-abcdef', kind: 'collection', chain: 'spool', startedAt: new Date('2026-12-04T01:00:00Z'), completedAt: new Date('2026-12-04T01:05:00Z'), scope: { accounts: ['100000000000'], regions: ['eu-west-0'], frameworks: ['pci-dss'], queries: ['q1.x'] }, gaps: [{ accountId: '100000000001', reason: 'a "records":[] look-alike in a reason' }], records: spool });
    spool.close();
    const sorted = [...records].sort((a, b) => a.recordId.localeCompare(b.recordId));
    expect(sealed.manifest.status).toBe('complete-with-gaps');
    expect(sealed.manifestBytes?.equals(canonicalBytes({ ...sealed.manifest, records: sorted }))).toBe(true);
    expect(verifyManifestSignature(sealed.manifestBytes as Buffer, sealed.signature, sealed.publicKeyPem, 'ed25519')).toBe(true);
    const stored = await store.getRun('20261204T010000Z-abcdef');
    expect(stored.manifest.equals(sealed.manifestBytes as Buffer)).toBe(true);
    expect(RunManifestSchema.parse(JSON.parse(stored.manifest.toString('utf8'))).records).toEqual(sorted);
  });

  it('refuses to seal a record that does not read back as it was written', () => {
    const spool = new RecordSpool(dir);
    for (let i = 0; i < 4_000; i++) spool.add(record(i));
    expect(spool.byteLength()).toBeGreaterThan(1 << 20);
    const out = Buffer.alloc(spool.byteLength());
    spool.writeTo(out, 0);
    // Someone with this user's rights changes a byte of the spool's file through its descriptor.
    writeSync((spool as unknown as { bytes: { fd: number } }).bytes.fd, Buffer.from('X'), 0, 1, 10);
    expect(() => spool.writeTo(Buffer.alloc(spool.byteLength()), 0)).toThrow(/changed or damaged before the seal.*nothing was sealed/);
    // A read that fails (here: a descriptor no file is open on) names the spool, the record and the system's error.
    const bytes = (spool as unknown as { bytes: { fd: number } }).bytes;
    const fd = bytes.fd;
    bytes.fd = 2 ** 30;
    expect(() => spool.writeTo(Buffer.alloc(spool.byteLength()), 0)).toThrow(/could not read record .* back from the collection's record spool in .*: EBADF: .*nothing was sealed/);
    bytes.fd = fd;
    spool.close();
  });

  it('refuses a record with a member the manifest does not define, and names the temporary directory it cannot write', () => {
    const spool = new RecordSpool(dir);
    expect(() => spool.add({ ...record(1), extra: 'x' } as ManifestRecord)).toThrow(/extra/);
    spool.close();
    const nowhere = new RecordSpool(join(dir, 'no-such-directory'));
    let added = 0;
    expect(() => {
      for (let i = 0; i < 4_000; i++, added++) nowhere.add(record(i));
    }).toThrow(/record spool in .*no-such-directory.*ENOENT.*nothing was sealed/);
    // The record whose write failed is still counted with its id: ids and spooled entries stay in step.
    expect(nowhere.count).toBe(added + 1);
    expect(() => nowhere.add(record(4_001))).toThrow(/ENOENT/);
    expect(nowhere.count).toBe(added + 2);
    nowhere.close();
  });
});
