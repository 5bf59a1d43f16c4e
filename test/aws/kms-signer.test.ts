import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSpool } from '../../src/collect/record-spool.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { sealRunFrom } from '../../src/seal/seal.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { PlantingLocalStore } from '../store/contract.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { KmsManifestSigner } from '../../src/aws/kms-signer.js';
import { openSigner } from '../../src/aws/open-signer.js';
import { publicKeyFingerprint, verifyManifestSignature } from '../../src/seal/verify-signature.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { ConfigError } from '../../src/errors.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorClientConfig, simulatorCredentials, simulatorEnv, startSimulatedAws, type SimulatedAws } from '../../src/simulator/index.js';
import { kmsState } from '../../src/simulator/services/kms.js';
import { DEMO_RSA_SIGNING_KEY_ALIAS, DEMO_SIGNING_KEY_ALIAS } from '../../src/simulator/worlds/seed-kms.js';

let sim: SimulatedAws;
let kms: KMSClient;
beforeAll(async () => {
  sim = await startSimulatedAws({ world: demoWorld({ now: new Date('2025-06-01T00:00:00Z') }) });
  kms = new KMSClient(simulatorClientConfig(sim, { region: 'us-east-1' }));
});
afterAll(async () => {
  kms?.destroy();
  await sim?.close();
});

/** A manifest well beyond KMS's 4096-byte RAW message limit. */
const manifest = canonicalBytes({
  schema: 'evidence-locker/run-manifest@1',
  runId: '2025-06-01T00-00-00Z-abc123',
  records: Array.from({ length: 120 }, (_, i) => ({ query: `s3.bucket-encryption`, accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', sha256: i.toString(16).padStart(64, '0'), size: 1000 + i })),
});

const signingKeyArn = () => {
  const s = kmsState(sim.world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
  const alias = s.aliases.find((a) => a.name === DEMO_SIGNING_KEY_ALIAS)!;
  return s.keys.find((k) => k.metadata.KeyId === alias.keyId)!.metadata.Arn!;
};

describe('KmsManifestSigner against the simulated KMS', () => {
  it('signs a manifest larger than 4096 bytes (as a SHA-256 digest) with ECDSA P-256; it verifies offline, and a flipped byte does not', async () => {
    expect(manifest.length).toBeGreaterThan(4096);
    const signer = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS);
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    expect(signer.keyId).toBe(signingKeyArn());
    const pem = await signer.publicKeyPem();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(pem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(await signer.fingerprint()).toBe(publicKeyFingerprint(pem));

    const sig = await signer.sign(manifest);
    expect(verifyManifestSignature(manifest, sig, pem, signer.algorithm)).toBe(true);
    expect(cryptoVerify('sha256', manifest, createPublicKey(pem), sig)).toBe(true);
    const tampered = Buffer.from(manifest);
    tampered[100] ^= 0x01;
    expect(verifyManifestSignature(tampered, sig, pem, signer.algorithm)).toBe(false);
    const badSig = Buffer.from(sig);
    badSig[badSig.length - 1] ^= 0x01;
    expect(verifyManifestSignature(manifest, badSig, pem, signer.algorithm)).toBe(false);
  });

  it('the simulated KMS refuses RAW messages over 4096 bytes, as KMS does (why the signer sends the digest)', async () => {
    await expect(kms.send(new SignCommand({ KeyId: DEMO_SIGNING_KEY_ALIAS, Message: manifest, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }))).rejects.toMatchObject({ name: 'ValidationException' });
    const raw = await kms.send(new SignCommand({ KeyId: DEMO_SIGNING_KEY_ALIAS, Message: manifest.subarray(0, 4096), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
    const signer = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS);
    expect(verifyManifestSignature(manifest.subarray(0, 4096), Buffer.from(raw.Signature!), await signer.publicKeyPem(), 'ecdsa-p256-sha256')).toBe(true);
  });

  it('signs with RSASSA-PSS SHA-256 for an RSA key (chosen from the key’s signing algorithms)', async () => {
    const signer = await KmsManifestSigner.open(kms, DEMO_RSA_SIGNING_KEY_ALIAS);
    expect(signer.algorithm).toBe('rsassa-pss-sha256');
    const pem = await signer.publicKeyPem();
    const sig = await signer.sign(manifest);
    expect(verifyManifestSignature(manifest, sig, pem, 'rsassa-pss-sha256')).toBe(true);
    expect(verifyManifestSignature(Buffer.concat([manifest, Buffer.from(' ')]), sig, pem, 'rsassa-pss-sha256')).toBe(false);
  });

  it('opens by key ARN as well, and refuses keys that cannot sign, naming the key', async () => {
    expect((await KmsManifestSigner.open(kms, signingKeyArn())).keyId).toBe(signingKeyArn());
    await expect(KmsManifestSigner.open(kms, 'alias/cardholder-data')).rejects.toThrow(ConfigError);
    await expect(KmsManifestSigner.open(kms, 'alias/cardholder-data')).rejects.toThrow(/alias\/cardholder-data: kms:GetPublicKey failed \(UnsupportedOperationException/);
    await expect(KmsManifestSigner.open(kms, 'alias/does-not-exist')).rejects.toThrow(/signing.keyId alias\/does-not-exist: kms:GetPublicKey failed \(NotFoundException/);
  });

  it('openSigner builds the KMS signer from configuration (region from the key ARN, endpoint from the SDK environment)', async () => {
    const env = simulatorEnv(sim, DEMO_ACCOUNT_ID, 'eu-west-1');
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const signer = await openSigner({ signing: { kind: 'kms', keyId: signingKeyArn() }, stateDir: '/nonexistent' });
      expect(signer).toBeInstanceOf(KmsManifestSigner);
      expect(signer.keyId).toBe(signingKeyArn());
      const sig = await signer.sign(manifest);
      expect(verifyManifestSignature(manifest, sig, await signer.publicKeyPem(), signer.algorithm)).toBe(true);
      // An alias in another region than the key's: not found there.
      await expect(openSigner({ signing: { kind: 'kms', keyId: DEMO_SIGNING_KEY_ALIAS, region: 'us-west-2' }, stateDir: '/nonexistent' })).rejects.toThrow(ConfigError);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('openSigner with credentials of an assumed role (--role-arn)', () => {
  it('signs with the credentials it is given, not the shell\'s: the deploy key policy lets only the collector and legal-hold roles sign', async () => {
    // The shell's credentials are not the role's: keys the simulated AWS does not know, as KMS refuses them.
    const env = { ...simulatorEnv(sim, DEMO_ACCOUNT_ID, 'us-east-1'), AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      await expect(openSigner({ signing: { kind: 'kms', keyId: signingKeyArn() }, stateDir: '/nonexistent' })).rejects.toThrow();
      const signer = await openSigner({ signing: { kind: 'kms', keyId: signingKeyArn() }, stateDir: '/nonexistent' }, { credentials: simulatorCredentials(sim, DEMO_ACCOUNT_ID) });
      const sig = await signer.sign(manifest);
      expect(verifyManifestSignature(manifest, sig, await signer.publicKeyPem(), signer.algorithm)).toBe(true);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('sealing a spooled run with a KMS key: the manifest is signed and stored in pieces, never held whole', () => {
  const record = (i: number): ManifestRecord => {
    const sha256 = createHash('sha256').update(String(i)).digest('hex');
    const accountId = String(100000000000 + (i % 997));
    return { recordId: `q${i % 13}.x/${accountId}/eu-west-${i % 3}`, queryId: `q${i % 13}.x`, accountId, region: `eu-west-${i % 3}`, status: 'ok', collectedAt: new Date(Date.UTC(2026, 11, 5) + i).toISOString(), sha256, size: 100 + i, location: { key: `objects/${sha256.slice(0, 2)}/${sha256}` } };
  };
  const run = (runId: string, spool: RecordSpool) => ({ runId, kind: 'collection' as const, chain: 'pieces', startedAt: new Date('2026-12-05T01:00:00Z'), completedAt: new Date('2026-12-05T01:05:00Z'), scope: { accounts: ['100000000000'], regions: ['eu-west-0'], frameworks: ['pci-dss'], queries: ['q1.x'] }, gaps: [], records: spool });

  it('gives the signer and the store pieces of at most a megabyte; the stored manifest is the canonical one and its signature verifies offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-kms-seal-'));
    const kmsSigner = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS);
    let largestSigned = 0;
    let signedBytes = 0;
    // The KMS signer, watched: every piece it is handed is counted.
    const signer = Object.assign(Object.create(kmsSigner) as KmsManifestSigner, {
      signPieces: (pieces: Iterable<Buffer>) =>
        kmsSigner.signPieces(
          (function* () {
            for (const p of pieces) {
              largestSigned = Math.max(largestSigned, p.length);
              signedBytes += p.length;
              yield p;
            }
          })(),
        ),
    });
    const store = new LocalEvidenceStore(join(dir, 'store'));
    const handed: unknown[] = [];
    const putRun = store.putRun.bind(store);
    store.putRun = (r) => (handed.push(r.manifest), putRun(r));
    const spool = new RecordSpool(dir);
    const records = Array.from({ length: 12_000 }, (_, i) => record((i * 7_919) % 12_000));
    for (const r of records) spool.add(r);
    const sealed = await sealRunFrom(store, signer, run('20261205T010000Z-aaaaaa', spool));
    expect(sealed.manifestBytes).toBeUndefined();
    expect(Buffer.isBuffer(handed[0])).toBe(false);
    expect(sealed.manifestSize).toBeGreaterThan(3 * 2 ** 20);
    expect(signedBytes).toBe(sealed.manifestSize);
    expect(largestSigned).toBeLessThanOrEqual(2 ** 20);
    const stored = await store.getRun('20261205T010000Z-aaaaaa');
    const sorted = [...records].sort((a, b) => a.recordId.localeCompare(b.recordId));
    expect(stored.manifest.equals(canonicalBytes({ ...sealed.manifest, records: sorted }))).toBe(true);
    expect(sha256Hex(stored.manifest)).toBe(sealed.manifestSha256);
    expect(verifyManifestSignature(stored.manifest, stored.signature, stored.publicKeyPem, 'ecdsa-p256-sha256')).toBe(true);
    spool.close();
  });

  it('a run whose folder was planted is signed again in pieces under a new run id naming the attempt, and that signature verifies offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-kms-seal-'));
    const signer = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS);
    const store = new PlantingLocalStore(join(dir, 'store'), 1);
    const spool = new RecordSpool(dir);
    for (let i = 0; i < 50; i++) spool.add(record(i));
    const sealed = await sealRunFrom(store, signer, run('20261205T030000Z-cccccc', spool));
    spool.close();
    expect(sealed.manifest.runId).toMatch(/^20261205T030000Z-[0-9a-f]{6}$/);
    expect(sealed.manifest.runId).not.toBe('20261205T030000Z-cccccc');
    expect(sealed.manifest.sealAttempts?.map((a) => a.runId)).toEqual(['20261205T030000Z-cccccc']);
    const stored = await store.getRun(sealed.manifest.runId);
    expect(sha256Hex(stored.manifest)).toBe(sealed.manifestSha256);
    expect(RunManifestSchema.parse(JSON.parse(stored.manifest.toString('utf8'))).sealAttempts?.[0].planted).toEqual([{ key: 'runs/20261205T030000Z-cccccc/manifest.json' }]);
    expect(verifyManifestSignature(stored.manifest, stored.signature, stored.publicKeyPem, 'ecdsa-p256-sha256')).toBe(true);
  });

  it('a store refuses pieces that are not the signed bytes, and the run never becomes visible', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-kms-seal-'));
    const store = new LocalEvidenceStore(join(dir, 'store'));
    const bytes = Buffer.from('{"records":[]}');
    const err = await store.putRun({ runId: '20261205T020000Z-bbbbbb', manifest: { size: bytes.length, sha256: sha256Hex(Buffer.from('{"records":[1]}')), pieces: () => [bytes] }, signature: Buffer.from('s'), publicKeyPem: 'k' }).then(() => undefined, (e: Error) => e);
    // Named as the operator knows it (the run id and the store's run directory), not by the temporary directory.
    expect(err?.message).toMatch(/^run 20261205T020000Z-bbbbbb: manifest\.json in the local store \([^)]*20261205T020000Z-bbbbbb\): the bytes written \(14 bytes, SHA-256 [0-9a-f]{64}\) are not the ones signed \(14 bytes, SHA-256 [0-9a-f]{64}\); the run was not made visible/);
    expect(err?.message).not.toContain('.tmp-');
    expect(await store.listRuns()).toEqual([]);
    expect(readdirSync(join(dir, 'store', 'runs'))).toEqual([]);
  });
});
