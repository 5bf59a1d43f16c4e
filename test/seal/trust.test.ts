import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTrustPolicy } from '../../src/aws/trusted-keys.js';
import { loadConfig } from '../../src/config/load.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RunClassifier, trustPolicy } from '../../src/seal/trust.js';
import { sealRun } from '../../src/seal/seal.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { evidenceBody, sealBodies } from '../store/contract.js';
import { trustKeysInStore } from '../support/trust.js';

describe('trusted signing keys (configuration)', () => {
  it('signing.trustedKeys takes fingerprints from the file or the environment, and refuses anything else naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-trust-cfg-'));
    const fp = 'a'.repeat(64);
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `signing:\n  kind: local\n  trustedKeys: ["${fp}"]\n`);
    expect(loadConfig(file, {}).signing.trustedKeys).toEqual([fp]);
    expect(loadConfig(file, { EVIDENCE_LOCKER_SIGNING__TRUSTED_KEYS: `["${'b'.repeat(64)}","arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]` }).signing.trustedKeys).toHaveLength(2);
    writeFileSync(file, `signing:\n  kind: local\n  trustedKeys: ["not-a-key"]\n`);
    expect(() => loadConfig(file, {})).toThrow(/c\.yaml: signing\.trustedKeys\[0\]: a key fingerprint \(64 hex digits\) or a KMS key ARN/);
  });

  it('default: the configured local key, read and never created; --expect-key replaces the configuration', async () => {
    const state = mkdtempSync(join(tmpdir(), 'el-trust-state-'));
    const config = { signing: { kind: 'local' as const }, stateDir: state };
    await expect(resolveTrustPolicy(config)).rejects.toThrow(/no trusted signing key/);
    const signer = LocalEd25519Signer.open(join(state, 'keys'));
    expect([...(await resolveTrustPolicy(config)).fingerprints]).toEqual([await signer.fingerprint()]);
    const pinned = 'C'.repeat(64);
    expect([...(await resolveTrustPolicy(config, { expectKeys: [pinned] })).fingerprints]).toEqual(['c'.repeat(64)]);
    await expect(resolveTrustPolicy(config, { expectKeys: ['abc'] })).rejects.toThrow(/--expect-key abc: not a key fingerprint/);
    expect([...(await resolveTrustPolicy({ ...config, signing: { kind: 'local', trustedKeys: ['d'.repeat(64)] } })).fingerprints]).toEqual(['d'.repeat(64)]);
  });
});

describe('RunClassifier', () => {
  it('names a manifest stored under another run id, and a run of the trusted key claiming a start time in the future', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-cls-')));
    const { runId } = await sealBodies(store, [evidenceBody('t1')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    const copy = await store.getRun(runId);
    await store.putRun({ ...copy, runId: '20261001T030000Z-c0p1ed' });
    const clock = trustPolicy(trust.fingerprints, { now: () => new Date('2026-09-30T00:00:00Z') });
    expect((await new RunClassifier(store, trust).classify('20261001T030000Z-c0p1ed')).foreign).toMatchObject({ reason: 'id-mismatch' });
    expect((await new RunClassifier(store, trust).classify(runId)).trusted?.runId).toBe(runId);
    expect((await new RunClassifier(store, clock).classify(runId)).foreign).toMatchObject({ reason: 'future-run-id' });
  });
});

describe('RunClassifier, header only (the chain lookup of a seal)', () => {
  it('gives the same verdicts as a full reading, counts the records without building them, and still refuses a record the signature does not cover', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-hdr-')));
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-trust-hdr-keys-')));
    const trust = trustPolicy([await signer.fingerprint()]);
    const runId = '20261001T020000Z-abc123';
    const at = new Date('2026-10-01T02:00:00Z');
    const records = ['h1', 'h2', 'h3'].map((name, i) => {
      const sha256 = sha256Hex(evidenceBody(name));
      return { recordId: `s3.bucket-versioning/111122223333/us-east-${i}`, queryId: 's3.bucket-versioning', accountId: '111122223333', region: `us-east-${i}`, status: 'ok' as const, collectedAt: at.toISOString(), sha256, size: 100 + i, location: { key: `objects/${sha256}` } };
    });
    await sealRun(store, signer, { runId, kind: 'collection', chain: 'default', startedAt: at, completedAt: at, scope: { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] }, records });
    const full = await new RunClassifier(store, trust).classify(runId);
    const header = await new RunClassifier(store, trust, { headerOnly: true }).classify(runId);
    expect(full.trusted?.recordCount).toBe(3);
    expect(header.trusted).toMatchObject({ runId, recordCount: 3, manifestSha256: full.trusted?.manifestSha256, manifestSize: full.trusted?.manifestSize });
    expect(header.trusted?.manifest).toEqual({ ...full.trusted?.manifest, records: [] });

    const original = (await store.getRun(runId)).manifest.toString('utf8');
    const publicKeyPem = await signer.publicKeyPem();
    const put = async (id: string, signed: string, stored = signed) => store.putRun({ runId: id, manifest: Buffer.from(stored), signature: await signer.sign(Buffer.from(signed)), publicKeyPem });
    // A record changed after signing: the header reads fine, the signature over the whole bytes refuses the run.
    const changed = '20261001T030000Z-c4a9ed';
    const signed = original.replace(runId, changed);
    await put(changed, signed, signed.replace(/"size":\d+/, '"size":1'));
    for (const c of [new RunClassifier(store, trust), new RunClassifier(store, trust, { headerOnly: true })]) expect((await c.classify(changed)).foreign).toMatchObject({ reason: 'bad-signature' });
    // Bytes signed by the trusted key that a full reading refuses or reads differently: the header-only reading gives
    // the same verdict, the same detail and the same record count for each.
    const variants: [string, (m: string) => string][] = [
      ['a second records key, empty (JSON keeps the last)', (m) => m.replace('"runId":', '"records":[],"runId":')],
      ['a second records key, escaped', (m) => `{"rec\\u006frds":[],${m.slice(1)}`],
      ['a record the schema refuses', (m) => m.replace(/"sha256":"[0-9a-f]{64}"/, '"sha256":"not-a-hash"')],
      ['a record that is not JSON', (m) => m.replace(/\{"accountId"/, '{accountId')],
      ['an empty element', (m) => m.replace('"records":[', '"records":[,')],
      ['brackets of the wrong kind', (m) => m.replace(/\}\]/, '}}')],
      ['text after the manifest', (m) => `${m}{"records":[]}`],
    ];
    let n = 0;
    for (const [what, change] of variants) {
      const id = `20261001T05${String(n).padStart(2, '0')}00Z-${(0xa00000 + n++).toString(16)}`;
      await put(id, change(original.replace(runId, id)));
      const [whole, headerOnly] = await Promise.all([new RunClassifier(store, trust).classify(id), new RunClassifier(store, trust, { headerOnly: true }).classify(id)]);
      // JSON.parse's own message names the text it was given (a record's, or the whole manifest's): only "not JSON" is compared.
      const verdict = (c: typeof whole) => (c.foreign ? `${c.foreign.reason}: ${c.foreign.detail.replace(/^not JSON \(.*\)$/, 'not JSON')}` : `trusted, ${c.trusted?.recordCount} records`);
      expect({ what, verdict: verdict(headerOnly) }).toEqual({ what, verdict: verdict(whole) });
    }
  });
});
