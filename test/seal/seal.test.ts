import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trustSigners } from '../support/trust.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { latestRunOfChain, sealRun } from '../../src/seal/seal.js';
import { newRunId } from '../../src/evidence/run-id.js';
import { verifyManifestSignature, publicKeyFingerprint } from '../../src/seal/verify-signature.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { verifyStoredRuns } from '../../src/verify/store.js';

function manifestFor(runId: string, completedAt: string, chain = 'default') {
  return {
    runId,
    kind: 'collection' as const,
    chain,
    startedAt: new Date('2026-11-27T02:00:00.000Z'),
    completedAt: new Date(completedAt),
    scope: { accounts: [], regions: [], frameworks: [], queries: [] },
    records: [],
  };
}

describe('sealRun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-seal-'));
  const store = new LocalEvidenceStore(join(dir, 'store'));
  const signer = LocalEd25519Signer.open(join(dir, 'keys'));

  it('run ids sort by start time', () => {
    expect(newRunId(new Date('2026-11-27T02:00:05.123Z'), 'abcdef')).toBe('20261127T020005Z-abcdef');
    expect(newRunId(new Date('2026-11-27T02:00:05Z'), 'ffffff') < newRunId(new Date('2026-11-27T02:00:06Z'), '000000')).toBe(true);
  });

  it('signs canonical manifest bytes that verify offline, with the key fingerprint recorded', async () => {
    const sealed = await sealRun(store, signer, manifestFor('20261127T020000Z-aaaaaa', '2026-11-27T02:00:01.000Z'));
    expect(verifyManifestSignature(sealed.manifestBytes, sealed.signature, sealed.publicKeyPem, 'ed25519')).toBe(true);
    const flipped = Buffer.from(sealed.manifestBytes);
    flipped[10] ^= 1;
    expect(verifyManifestSignature(flipped, sealed.signature, sealed.publicKeyPem, 'ed25519')).toBe(false);
    expect(sealed.manifest.signing.keyFingerprint).toBe(publicKeyFingerprint(sealed.publicKeyPem));
    expect(sealed.manifest.previous).toBeNull();
  });

  it('chains runs sealed within the same second by completion, not by their random suffix', async () => {
    const a = await sealRun(store, signer, manifestFor('20261127T020100Z-ffffff', '2026-11-27T02:01:00.100Z'));
    const b = await sealRun(store, signer, manifestFor('20261127T020100Z-000000', '2026-11-27T02:01:00.200Z'));
    expect(b.manifest.previous).toEqual({ runId: a.manifest.runId, manifestSha256: sha256Hex(a.manifestBytes) });
    expect((await latestRunOfChain(store, 'default', await trustSigners(signer))).previous).toEqual({ runId: b.manifest.runId, manifestSha256: sha256Hex(b.manifestBytes) });
    // Store verification follows the same order, so it sees no broken link.
    const report = await verifyStoredRuns(store, { runId: b.manifest.runId }, { trust: await trustSigners(signer) });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('keeps one chain per shard', async () => {
    const s1 = await sealRun(store, signer, manifestFor('20261127T020200Z-111111', '2026-11-27T02:02:00.100Z', 'shard-1-of-2'));
    const s2 = await sealRun(store, signer, manifestFor('20261127T020201Z-222222', '2026-11-27T02:02:01.100Z', 'shard-2-of-2'));
    expect(s1.manifest.previous).toBeNull();
    expect(s2.manifest.previous).toBeNull();
    const d = await sealRun(store, signer, manifestFor('20261127T020300Z-333333', '2026-11-27T02:03:00.100Z'));
    expect(d.manifest.previous?.runId).toBe('20261127T020100Z-000000');
  });

  it('seals records exactly as given, in canonical bytes, and refuses a record with a member the manifest does not define', async () => {
    const record = (i: number) => ({ recordId: `q/11111111111${i}/eu-west-1`, queryId: 'q', accountId: `11111111111${i}`, region: 'eu-west-1', status: 'ok' as const, collectedAt: '2026-11-27T02:04:00.000Z', sha256: 'a'.repeat(64), size: 10 + i, location: { key: `objects/aa/${'a'.repeat(64)}` } });
    const records = [record(1), record(2)];
    const sealed = await sealRun(store, signer, { ...manifestFor('20261127T020400Z-444444', '2026-11-27T02:04:01.000Z', 'records'), records });
    expect(sealed.manifestBytes.equals(canonicalBytes(sealed.manifest))).toBe(true);
    expect(JSON.parse(sealed.manifestBytes.toString('utf8')).records).toEqual(records);
    const extra = { ...record(3), note: 'not in the schema' };
    await expect(sealRun(store, signer, { ...manifestFor('20261127T020500Z-555555', '2026-11-27T02:05:01.000Z', 'records'), records: [extra] })).rejects.toThrow(/note/);
    const extraInLocation = { ...record(4), location: { key: 'k', other: 1 } };
    await expect(sealRun(store, signer, { ...manifestFor('20261127T020600Z-666666', '2026-11-27T02:06:01.000Z', 'records'), records: [extraInLocation] })).rejects.toThrow(/other/);
    const bad = { ...record(5), sha256: 'not-a-digest' };
    await expect(sealRun(store, signer, { ...manifestFor('20261127T020700Z-777777', '2026-11-27T02:07:01.000Z', 'records'), records: [bad] })).rejects.toThrow();
  });

  it('refuses to overwrite a sealed run', async () => {
    await expect(sealRun(store, signer, manifestFor('20261127T020000Z-aaaaaa', '2026-11-27T02:09:00.000Z'))).rejects.toThrow();
  });
});
