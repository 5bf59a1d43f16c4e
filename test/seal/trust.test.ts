import { chmodSync, mkdirSync, mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveTrustPolicy } from '../../src/aws/trusted-keys.js';
import { loadConfig } from '../../src/config/load.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RunClassifier, trustPolicy } from '../../src/seal/trust.js';
import { MIN_RECORD_BYTES, checkPlannedManifestSize, latestRunOfChain, manifestBytesAround, sealRun } from '../../src/seal/seal.js';
import { canonicalJson } from '../../src/seal/canonical.js';
import { ManifestRecordSchema } from '../../src/evidence/record.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { RUN_FILE_MAX_BYTES } from '../../src/evidence/layout.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { findOrphans } from '../../src/store/orphans.js';
import { gatherRuns, packageDays, readRunManifest } from '../../src/package/gather.js';
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

describe('run files larger than any reader accepts (a planted manifest of gigabytes)', () => {
  it('are refused by their size before they are read: the run is unreadable and foreign, and the seal links past it', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-big-')));
    const { runId } = await sealBodies(store, [evidenceBody('big1')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    // Planted: a newer run whose manifest is one byte over the limit, and one whose signature is. Sparse files, so
    // the test takes no disk; a reader that read them whole would hold over 512 MiB.
    const big = '20261002T020000Z-b1g000';
    const dir = join(store.root, 'runs', big);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), '');
    truncateSync(join(dir, 'manifest.json'), RUN_FILE_MAX_BYTES['manifest.json'] + 1);
    writeFileSync(join(dir, 'manifest.sig'), 'x');
    writeFileSync(join(dir, 'public-key.pem'), 'x');
    const bigSig = '20261003T020000Z-b1g5ig';
    const sigDir = join(store.root, 'runs', bigSig);
    mkdirSync(sigDir, { recursive: true });
    const real = await store.getRun(runId);
    writeFileSync(join(sigDir, 'manifest.json'), real.manifest);
    writeFileSync(join(sigDir, 'manifest.sig'), Buffer.alloc(64 * 1024 + 1));
    writeFileSync(join(sigDir, 'public-key.pem'), real.publicKeyPem);
    // A named pipe under a run file's name is refused too, without blocking the reader.
    const fifo = '20261004T020000Z-f1f000';
    mkdirSync(join(store.root, 'runs', fifo), { recursive: true });
    execFileSync('mkfifo', [join(store.root, 'runs', fifo, 'manifest.json')]);
    writeFileSync(join(store.root, 'runs', fifo, 'manifest.sig'), 'x');
    writeFileSync(join(store.root, 'runs', fifo, 'public-key.pem'), 'x');

    const before = process.memoryUsage().rss;
    await expect(store.getRun(big)).rejects.toThrow(
      new RegExp(`run ${big}: .*manifest\\.json is ${RUN_FILE_MAX_BYTES['manifest.json'] + 1} bytes, more than the ${RUN_FILE_MAX_BYTES['manifest.json']} bytes a manifest\\.json of evidence-locker can be; it was not read`),
    );
    await expect(store.getRun(bigSig)).rejects.toThrow(/manifest\.sig is 65537 bytes, more than the 65536 bytes/);
    await expect(store.getRun(fifo)).rejects.toThrow(/manifest\.json is not a regular file; it was not read/);
    const classifier = new RunClassifier(store, trust, { headerOnly: true });
    expect((await classifier.classify(big)).foreign).toMatchObject({ reason: 'unreadable', detail: expect.stringMatching(/more than the \d+ bytes a manifest\.json/) });
    expect((await classifier.classify(bigSig)).foreign).toMatchObject({ reason: 'unreadable' });
    expect((await classifier.classify(fifo)).foreign).toMatchObject({ reason: 'unreadable' });
    const { previous, foreign } = await latestRunOfChain(store, 'default', trust);
    expect(previous?.runId).toBe(runId);
    expect(foreign.map((f) => f.runId).sort()).toEqual([big, bigSig, fifo]);
    // Nothing of the planted file was read (its sparse 512 MiB would show in the process's memory).
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
    expect(statSync(join(dir, 'manifest.json')).blocks).toBeLessThan(64);
  });

  it('a planted manifest built to be costly to parse is never parsed: neither one signed by another key nor one beside our own public key', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-bomb-')));
    const { runId } = await sealBodies(store, [evidenceBody('bomb1')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    // 4 MB of empty objects: parsed and schema-checked, about 2 GB and half a minute (each element is a schema issue).
    const bomb = Buffer.from(`{"records":[],"gaps":[${Array.from({ length: 1_000_000 }, () => '{}').join(',')}]}`);
    const attacker = generateKeyPairSync('ed25519');
    const plant = (id: string, signature: Buffer, pem: string) => {
      const dir = join(store.root, 'runs', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'manifest.json'), bomb);
      writeFileSync(join(dir, 'manifest.sig'), signature);
      writeFileSync(join(dir, 'public-key.pem'), pem);
    };
    plant('20261002T020000Z-b0mb01', edSign(null, bomb, attacker.privateKey), attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    plant('20261002T030000Z-b0mb02', Buffer.alloc(64), (await store.getRun(runId)).publicKeyPem);
    const before = process.memoryUsage().rss;
    const { previous, foreign } = await latestRunOfChain(store, 'default', trust);
    expect(previous?.runId).toBe(runId);
    expect(foreign.map((f) => [f.runId, f.reason, f.detail])).toEqual([
      ['20261002T030000Z-b0mb02', 'bad-signature', 'manifest.sig does not verify with public-key.pem beside it'],
      ['20261002T020000Z-b0mb01', 'untrusted-key', expect.stringMatching(/^signed by key [0-9a-f]{64}, not a trusted key \(trusted: [0-9a-f]{64}\); its manifest was not read further$/)],
    ]);
    // A body read for a record is refused by its size when it is larger than the record states.
    const rec = (await new RunClassifier(store, trust).classify(runId)).trusted!.manifest.records[0];
    expect((await store.getObject(rec.sha256, rec.size)).length).toBe(rec.size);
    await expect(store.getObject(rec.sha256, rec.size - 1)).rejects.toThrow(new RegExp(`has been altered: it is ${rec.size} bytes, its record states ${rec.size - 1}$`));
    // `store orphans` reads every run folder, signed or not: it takes the records one at a time and parses nothing else.
    expect(await findOrphans(store)).toEqual([]);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
  });

  it('the seal refuses to write a manifest longer than that, and a plan that would certainly make one is refused before collecting', () => {
    const header = { schema: 'evidence-locker/run-manifest@1' } as never;
    const records = { count: 3_000_000, errors: 0, byteLength: () => RUN_FILE_MAX_BYTES['manifest.json'], writeTo: () => { throw new Error('must not be written'); }, inOrder: () => { throw new Error('must not be read'); } };
    expect(() => manifestBytesAround(header, records)).toThrow(/the run's manifest would be \d+ bytes \(3000000 records\), more than the \d+ bytes a manifest can be read and verified in; nothing was sealed/);
    // The planned check's per-record figure is a true lower bound: a record with empty query and region ids is longer.
    const smallest = { accountId: '111122223333', collectedAt: '2026-11-02T02:00:05.000Z', queryId: '', recordId: '/111122223333/', region: '', sha256: 'a'.repeat(64), size: 0, status: 'ok' };
    expect(canonicalJson(smallest).length).toBeGreaterThanOrEqual(MIN_RECORD_BYTES);
    expect(() => checkPlannedManifestSize(1_000_000)).not.toThrow();
    expect(() => checkPlannedManifestSize(3_000_000)).toThrow(/the plan has 3000000 tasks: .* nothing was collected/);
  });
});

describe('RunClassifier.records (a header-only survey reads each run\'s records when it needs them)', () => {
  it('gives the records a full reading gives, and refuses a manifest that changed since it was judged', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-recs-')));
    const { runId } = await sealBodies(store, [evidenceBody('r1'), evidenceBody('r2'), evidenceBody('r3')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    const full = (await new RunClassifier(store, trust).classify(runId)).trusted!;
    const headerOnly = new RunClassifier(store, trust, { headerOnly: true });
    const run = (await headerOnly.classify(runId)).trusted!;
    expect(run.manifest.records).toEqual([]);
    expect(run.recordCount).toBe(3);
    expect(await headerOnly.records(run)).toEqual(full.manifest.records);
    expect(await new RunClassifier(store, trust).records(full)).toBe(full.manifest.records);
    // The package's reading of a gathered run is the same re-read: the whole manifest as sealed.
    const { periodRuns } = await gatherRuns(store, packageDays('2026-10-01', '2026-10-01'), trust);
    expect(periodRuns.map((r) => r.runId)).toEqual([runId]);
    expect(await readRunManifest(store, periodRuns[0])).toEqual(full.manifest);

    // The local store is tamper-evident only: a manifest rewritten after the survey is refused, not read.
    const file = join(store.root, 'runs', runId, 'manifest.json');
    chmodSync(file, 0o644);
    writeFileSync(file, (await store.getRun(runId)).manifest.toString('utf8').replace('"r', '"R'));
    await expect(headerOnly.records(run)).rejects.toThrow(new RegExp(`^run ${runId}: manifest\\.json in the evidence store changed since it was judged \\(SHA-256 ${run.manifestSha256}, now [0-9a-f]{64}\\)$`));
    await expect(readRunManifest(store, periodRuns[0])).rejects.toThrow(`run ${runId}: manifest.json in the evidence store changed while the package was built`);
  });

  it('checks the records once: the survey checks each record, the re-read only hashes the bytes it hands over', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-recs-once-')));
    const { runId } = await sealBodies(store, [evidenceBody('o1'), evidenceBody('o2')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    const full = (await new RunClassifier(store, trust).classify(runId)).trusted!;
    const headerOnly = new RunClassifier(store, trust, { headerOnly: true });
    const spies = [vi.spyOn(ManifestRecordSchema, 'parse'), vi.spyOn(ManifestRecordSchema, 'safeParse'), vi.spyOn(RunManifestSchema, 'parse')];
    try {
      const run = (await headerOnly.classify(runId)).trusted!;
      // The survey checked each record (one at a time)...
      expect(spies[1]).toHaveBeenCalledTimes(2);
      for (const s of spies) s.mockClear();
      // ...so the re-read, whose bytes hash to what was checked, checks none of them again.
      expect(await headerOnly.records(run)).toEqual(full.manifest.records);
      for (const s of spies) expect(s).not.toHaveBeenCalled();
      // The hash still decides: other bytes are refused before a record is read.
      const file = join(store.root, 'runs', runId, 'manifest.json');
      chmodSync(file, 0o644);
      writeFileSync(file, (await store.getRun(runId)).manifest.toString('utf8').replace('"o', '"O'));
      await expect(headerOnly.records(run)).rejects.toThrow(`run ${runId}: manifest.json in the evidence store changed since it was judged`);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it('verify --store reports a run whose manifest changes between the survey and the check of its records as failed', async () => {
    const store = new LocalEvidenceStore(mkdtempSync(join(tmpdir(), 'el-trust-recs-v-')));
    const { runId } = await sealBodies(store, [evidenceBody('v1')], new Date('2026-10-01T02:00:00Z'));
    const trust = await trustKeysInStore(store);
    expect((await verifyStoredRuns(store, { runId }, { trust })).ok).toBe(true);
    // The second read of the manifest (for its records) gets other bytes than the survey's.
    let reads = 0;
    const changing = Object.create(store, {
      getRun: {
        value: async (id: string) => {
          const r = await store.getRun(id);
          return ++reads > 1 ? { ...r, manifest: Buffer.concat([r.manifest, Buffer.from(' ')]) } : r;
        },
      },
    }) as LocalEvidenceStore;
    const report = await verifyStoredRuns(changing, { runId }, { trust });
    expect(report.ok).toBe(false);
    expect(report.runs).toEqual([expect.objectContaining({ runId, ok: false, records: 1 })]);
    expect(report.problems).toEqual([{ runId, problem: expect.stringMatching(/manifest\.json in the evidence store changed since it was judged/) }]);
  });
});
