import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RunClassifier, trustPolicy } from '../../src/seal/trust.js';
import { sealRun } from '../../src/seal/seal.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { gatherRuns, packageDays } from '../../src/package/gather.js';
import { parsePeriod } from '../../src/evidence/period.js';
import { evidenceBody } from '../store/contract.js';

/**
 * A trusted key's run manifest whose bytes are not the canonical JSON evidence-locker writes (a key given twice reads as
 * the last value to JSON.parse and the first to verify.sh) is refused by `verify <zip>`; `verify --store` and `package`
 * ask the same check through RunClassifier, so the store's verdict and the package's contents agree with it.
 */
describe('non-canonical run manifests signed by a trusted key', () => {
  async function setUp() {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-canon-store-')));
    const signer = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-canon-keys-')));
    const trust = trustPolicy([await signer.fingerprint()]);
    const at = new Date('2026-10-01T02:00:00Z');
    const body = evidenceBody('canon');
    const sha256 = sha256Hex(body);
    const stored = await store.putObject(sha256, body);
    const record = { recordId: 's3.bucket-versioning/111122223333/us-east-1', queryId: 's3.bucket-versioning', accountId: '111122223333', region: 'us-east-1', status: 'ok' as const, collectedAt: at.toISOString(), sha256, size: body.length, location: { key: stored.key } };
    const scope = { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] };
    const first = '20261001T020000Z-aaa111';
    await sealRun(store, signer, { runId: first, kind: 'collection', chain: 'default', startedAt: at, completedAt: at, scope, records: [record] });
    const original = (await store.getRun(first)).manifest.toString('utf8');
    const publicKeyPem = await signer.publicKeyPem();
    const plant = async (id: string, change: (m: string) => string) => {
      const bytes = Buffer.from(change(original.replaceAll(first, id)));
      await store.putRun({ runId: id, manifest: bytes, signature: await signer.sign(bytes), publicKeyPem });
    };
    return { store, trust, first, plant };
  }

  it('verify --store reports the run as failed, naming it and the key given twice', async () => {
    const { store, trust, first, plant } = await setUp();
    const twice = '20261001T030000Z-bbb222';
    // "previous" given twice: JSON.parse reads the last (null), a first-match reader the forged link.
    await plant(twice, (m) => m.replace('"previous":null', `"previous":{"manifestSha256":"${'0'.repeat(64)}","runId":"${first}"},"previous":null`));
    const report = await verifyStoredRuns(store, parsePeriod('2026-10-01', '2026-10-01'), { trust });
    expect(report.ok).toBe(false);
    expect(report.runs).toEqual(expect.arrayContaining([expect.objectContaining({ runId: twice, ok: false }), expect.objectContaining({ runId: first, ok: true })]));
    expect(report.foreign).toEqual([expect.objectContaining({ runId: twice, reason: 'non-canonical', detail: expect.stringMatching(/^key "previous" appears twice in the top-level object/) })]);
    const text = formatStoreReport(report);
    expect(text).toMatch(new RegExp(`FOREIGN runs/${twice}/manifest\\.json: the manifest is signed by a trusted key but its bytes are not the canonical JSON`));
    expect(text).toMatch(/find out who used the signing key/);
    expect(text).toMatch(/verification FAILED/);
  });

  it('a record written with white space (header-only reading) is named by the first differing byte of the whole manifest', async () => {
    const { store, trust, plant } = await setUp();
    const spaced = '20261001T040000Z-ccc333';
    await plant(spaced, (m) => m.replace('"queryId":', '"queryId": '));
    for (const c of [new RunClassifier(store, trust), new RunClassifier(store, trust, { headerOnly: true })]) {
      const verdict = await c.classify(spaced);
      expect(verdict.foreign).toMatchObject({ reason: 'non-canonical', detail: expect.stringMatching(/^not the canonical JSON serialisation of its own content \(first difference at byte \d+\)/) });
    }
    const { manifest } = await store.getRun(spaced);
    const byte = Number(/byte (\d+)/.exec((await new RunClassifier(store, trust, { headerOnly: true }).classify(spaced)).foreign!.detail)![1]);
    expect(manifest.subarray(byte - 10, byte + 1).toString()).toBe('"queryId": ');
  });

  it('package gathering leaves the run out and lists it as foreign, like any run that fails verification', async () => {
    const { store, trust, first, plant } = await setUp();
    const twice = '20261001T030000Z-bbb222';
    await plant(twice, (m) => m.replace('"previous":null', '"previous":null,"previous":null'));
    const gathered = await gatherRuns(store, packageDays('2026-10-01', '2026-10-01'), trust);
    expect(gathered.periodRuns.map((r) => r.runId)).toEqual([first]);
    expect(gathered.foreign).toEqual([expect.objectContaining({ runId: twice, reason: 'non-canonical', detail: expect.stringMatching(/key "previous" appears twice/) })]);
  });
});
