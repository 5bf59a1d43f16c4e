/**
 * A hold is never placed without its signed record: a signing key that refuses this principal (the deploy key policy
 * lets only the collector and legal-hold roles sign) stops `hold` and `release` before any object is touched.
 */
import { describe, expect, it } from 'vitest';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import type { LegalHolds } from '../../src/evidence/store.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { MemoryStore } from '../package/fixtures.js';
import { contractTrust, evidenceBody, sealBodies } from './contract.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { trustPolicy } from '../../src/seal/trust.js';

function holdingStore(): { store: MemoryStore & { legalHolds: LegalHolds }; placed: string[] } {
  const placed: string[] = [];
  const store = new MemoryStore() as MemoryStore & { legalHolds: LegalHolds };
  store.legalHolds = {
    holdTarget: { bucket: 'evidence', region: 'us-east-1', concurrency: 4 },
    objectKey: (sha) => `objects/${sha}`,
    runKey: (runId, file) => `runs/${runId}/${file}`,
    pathKey: (path) => path,
    runFileVersions: async (runId) => new Map(['manifest.json', 'manifest.sig', 'public-key.pem'].map((f) => [f, [{ key: `runs/${runId}/${f}`, versionId: 'v1' }]])),
    readVersion: async () => {
      throw new Error('not read in this test');
    },
    lockState: async () => {
      throw new Error('not read in this test');
    },
    setLegalHold: async (key, versionId, on) => {
      placed.push(`${on ? 'ON' : 'OFF'} ${key}@${versionId}`);
    },
  };
  return { store, placed };
}

describe('legal hold and a signing key that refuses to sign', () => {
  it('stops before placing any hold, naming the role to use; with a key that signs, the holds are placed and recorded', async () => {
    const { store, placed } = holdingStore();
    const at = new Date('2026-04-01T02:00:00Z');
    await sealBodies(store, [evidenceBody('held')], at);
    const good = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-hold-key-')));
    const trust = trustPolicy([...(await contractTrust()).trust.fingerprints, await good.fingerprint()]);
    const refusing: ManifestSigner = {
      algorithm: good.algorithm,
      keyId: good.keyId,
      publicKeyPem: () => good.publicKeyPem(),
      fingerprint: () => good.fingerprint(),
      sign: async () => {
        throw new Error('AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/Admin/alice is not authorized to perform: kms:Sign on this resource because the resource policy denies it');
      },
    };
    const period = { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-04-01T23:59:59Z') };
    await expect(applyLegalHold(store, refusing, { ...period, action: 'hold', trust })).rejects.toThrow(/the signing key local:[0-9a-f]+ refused to sign \(AccessDeniedException.*\): no legal hold was placed/);
    expect(placed).toEqual([]);
    // A failure that is not a refusal (throttling, network) says so rather than pointing at the role.
    const throttled: ManifestSigner = { ...refusing, sign: async () => { throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }); } };
    await expect(applyLegalHold(store, throttled, { ...period, action: 'release', trust })).rejects.toThrow(/the signing check with key local:[0-9a-f]+ failed \(ThrottlingException: Rate exceeded\): no legal hold was lifted/);
    expect(placed).toEqual([]);
    const held = await applyLegalHold(store, good, { ...period, action: 'hold', trust });
    expect(placed.length).toBeGreaterThan(0);
    expect(held.sealed?.manifest.kind).toBe('legal-hold');
  });
});
