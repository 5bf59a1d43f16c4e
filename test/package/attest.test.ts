import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { KMSClient } from '@aws-sdk/client-kms';
import { sealAttestation } from '../../src/package/attest.js';
import { EvidenceBodySchema } from '../../src/evidence/record.js';
import { openSigner } from '../../src/aws/open-signer.js';
import { KmsManifestSigner } from '../../src/aws/kms-signer.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { simulatorClientConfig } from '../../src/simulator/index.js';
import { useSimulatedAwsEnv } from '../support/simulated-aws-env.js';
import { DEMO_SIGNING_KEY_ALIAS } from '../../src/simulator/worlds/seed-kms.js';
import { putEvidenceBody, sealRun } from '../../src/seal/seal.js';
import { newRunId } from '../../src/evidence/run-id.js';
import { ATTESTATION_CHAIN } from '../../src/package/attest.js';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackageDir } from '../../src/verify/package.js';
import { SDK_VERSION } from '../../src/version.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';

/** Seals one attestation and reads back the record it wrote. */
async function attest(signer: ManifestSigner, store = new MemoryStore()) {
  const r = await sealAttestation({ store, signer, catalogs: [TEST_CATALOG], framework: 'test-fw', requirement: '2.2', by: 'CISO', note: 'Reviews done', at: new Date('2026-03-02T09:00:00Z') });
  const body = EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.recordSha256)).toString('utf8')));
  return { r, body };
}

describe('attest records who sealed, beside the name the attester gave', () => {
  it('a local key: its fingerprint, and no AWS identity (callerArn null)', async () => {
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-attest-key-')));
    const { r, body } = await attest(signer);
    const fp = await signer.fingerprint();
    expect(body.attestation?.by).toBe('CISO');
    expect(body.attestation?.sealedBy).toEqual({ signerKind: 'local', callerArn: null, keyId: `local:${fp}`, keyFingerprint: fp });
    expect(r.sealedBy).toEqual(body.attestation?.sealedBy);
  });

  describe('a KMS key against the simulated AWS', () => {
    const simulated = useSimulatedAwsEnv();

    it('records the sts:GetCallerIdentity ARN of the session that signs, the key ARN and its fingerprint', async () => {
      const signer = await openSigner({ signing: { kind: 'kms', keyId: DEMO_SIGNING_KEY_ALIAS }, stateDir: '/nonexistent' });
      const sts = new STSClient(simulatorClientConfig(simulated()));
      const expected = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
      sts.destroy();
      expect(expected).toMatch(/^arn:aws:/);
      const { body } = await attest(signer);
      expect(body.attestation?.sealedBy).toEqual({ signerKind: 'kms', callerArn: expected, keyId: signer.keyId, keyFingerprint: await signer.fingerprint() });
      expect(signer.keyId).toMatch(/^arn:aws:kms:/);
    });

    it('when sts:GetCallerIdentity fails, nothing is sealed or written, and the error names STS and what to check', async () => {
      const kms = new KMSClient(simulatorClientConfig(simulated()));
      const signer = await KmsManifestSigner.open(kms, DEMO_SIGNING_KEY_ALIAS, () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { name: 'Error' })));
      const store = new MemoryStore();
      const err = await attest(signer, store).catch((e: unknown) => e as Error & { hint?: string });
      kms.destroy();
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^sts:GetCallerIdentity failed \(Error: connect ECONNREFUSED.*\): the identity of the session signing with key arn:aws:kms:\S+ could not be established/);
      expect((err as { hint?: string }).hint).toMatch(/needs no IAM permission, so this is a credential or network problem/);
      expect(store.objects.size).toBe(0);
      expect(store.runs.size).toBe(0);
    });
  });
});

describe('verify: an attestation record names the key that signed its run', () => {
  it('INVALID when the recorded sealer names another key than the one that signed the run (evidence-locker never writes that)', async () => {
    const store = new MemoryStore();
    const signer = await sealDays(store, standardDays());
    const at = new Date('2026-03-02T09:00:00Z');
    const other = { signerKind: 'kms' as const, callerArn: 'arn:aws:sts::999999999999:assumed-role/ciso/jane', keyId: 'arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab', keyFingerprint: 'c'.repeat(64) };
    const body = EvidenceBodySchema.parse({
      schema: 'evidence-locker/evidence@1', queryId: 'attestation', accountId: 'organization', region: 'global', status: 'ok', operations: [], requests: [], sdkVersion: SDK_VERSION,
      attestation: { framework: 'test-fw', requirement: '2.2', by: 'CISO', note: 'Reviews done', sealedBy: other },
    });
    const record = await putEvidenceBody(store, body, at, 'attestation/test-fw/2.2');
    await sealRun(store, signer, { runId: newRunId(at, 'attest-abcdef'), kind: 'attestation', chain: ATTESTATION_CHAIN, startedAt: at, completedAt: at, scope: { accounts: [], regions: [], frameworks: ['test-fw'], queries: ['attestation'] }, records: [record] });
    const tmp = mkdtempSync(join(tmpdir(), 'el-attest-forged-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    await extractPackageZip(pkg.zipPath, join(tmp, 'x'));
    const v = await verifyPackageDir(join(tmp, 'x'));
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(new RegExp(`^attestation record attestation/test-fw/2.2 in run \\S+ says it was sealed with key ${other.keyId} \\(c{64}\\), but its run is signed with local:${await signer.fingerprint()}`)));
  }, 120_000);
});
