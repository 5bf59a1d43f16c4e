import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTrustPolicy } from '../../src/aws/trusted-keys.js';
import { loadConfig } from '../../src/config/load.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RunClassifier, trustPolicy } from '../../src/seal/trust.js';
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
