import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { trustPolicy, type TrustPolicy } from '../../src/seal/trust.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { RESEALS, sealRun, type SealOptions } from '../../src/seal/seal.js';
import { readRefusedBodyList, refusalCensus } from '../../src/seal/refusals.js';
import { newRunId } from '../../src/evidence/run-id.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { findOrphans } from '../../src/store/orphans.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { createLogger } from '../../src/log/logger.js';
import { Writable } from 'node:stream';
import { writtenLate } from '../verify/written-late.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import { RUN_FILES } from '../../src/evidence/layout.js';

/**
 * A local store in which someone watching the runs folder makes the run's folder, with a manifest of their own, just
 * before the seal renames its temporary folder into place (its name shows the run id), for the next `left` runs.
 */
export class PlantingLocalStore extends LocalEvidenceStore {
  constructor(root: string, private left: number) {
    super(root);
  }
  protected override async publishRun(tmpDir: string, runDir: string): Promise<void> {
    if (this.left-- > 0) {
      mkdirSync(runDir);
      writeFileSync(join(runDir, 'manifest.json'), '{"planted":true}');
    }
    return super.publishRun(tmpDir, runDir);
  }
}

/** What a store implementation gives the contract suite. */
export interface StoreHarness {
  /** A fresh, empty store (its own directory or key prefix). */
  open(): Promise<EvidenceStore>;
  /**
   * The same backing store, but whose next putRun dies just before the manifest is written
   * (as a process killed at that instant would).
   */
  openInterruptedBeforeManifest(store: EvidenceStore): Promise<EvidenceStore>;
  /**
   * The same backing store, but for its next `times` putRun calls someone else writes a junk manifest.json into the run
   * folder while the run is being written (before the run's own manifest lands), as an insider watching the store would.
   */
  openPlanting(store: EvidenceStore, times: number): Promise<EvidenceStore>;
}

/** Where the key `sealBodies` signs with lives (a CLI configured with it as signing.keyDir trusts these runs). */
export const CONTRACT_KEY_DIR = mkdtempSync(join(tmpdir(), 'el-contract-key-'));
const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);

/** Verification options trusting the key `sealBodies` signs with. */
export async function contractTrust(): Promise<{ trust: TrustPolicy }> {
  return { trust: trustPolicy([await signer.fingerprint()]) };
}

export function evidenceBody(n: number | string): Buffer {
  return canonicalBytes({
    schema: 'evidence-locker/evidence@1',
    queryId: 's3.bucket-versioning',
    accountId: '111122223333',
    region: 'us-east-1',
    status: 'ok',
    operations: ['s3:GetBucketVersioning'],
    requests: [{ operation: 's3:GetBucketVersioning', input: { Bucket: `bucket-${n}` } }],
    data: { Status: 'Enabled', n },
    sdkVersion: 'aws-sdk-js-v3/test',
  });
}

/** Writes the bodies and seals a run naming them, the way the collector does. */
export async function sealBodies(store: EvidenceStore, bodies: Buffer[], at: Date, chain = 'default', fixedRunId?: string, opts: SealOptions = {}): Promise<{ runId: string; records: ManifestRecord[] }> {
  const records: ManifestRecord[] = [];
  for (const [i, body] of bodies.entries()) {
    const sha256 = sha256Hex(body);
    const stored = await store.putObject(sha256, body);
    records.push({
      recordId: `s3.bucket-versioning/111122223333/us-east-${i}`,
      queryId: 's3.bucket-versioning',
      accountId: '111122223333',
      region: `us-east-${i}`,
      status: 'ok',
      collectedAt: at.toISOString(),
      sha256,
      size: body.length,
      location: { key: stored.key, ...(stored.versionId ? { versionId: stored.versionId } : {}) },
    });
  }
  const runId = fixedRunId ?? newRunId(at, randomBytes(3).toString('hex'));
  const sealed = await sealRun(store, signer, {
    runId,
    kind: 'collection',
    chain,
    startedAt: at,
    completedAt: at,
    scope: { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] },
    records,
  }, opts);
  return { runId: sealed.manifest.runId, records };
}

export function storeContract(name: string, harness: StoreHarness): void {
  describe(`EvidenceStore contract: ${name}`, () => {
    it('passes its pre-flight and describes how it protects evidence', async () => {
      const store = await harness.open();
      const checks = await store.preflight();
      expect(checks.length).toBeGreaterThan(0);
      // Bucket policy and lifecycle findings fail `store check` but never stop writes.
      expect(checks.filter((c) => !c.ok && !c.advisory && !c.storeCheckOnly)).toEqual([]);
      expect(store.describe().note.length).toBeGreaterThan(20);
    });

    it('puts, gets and has content-addressed bodies', async () => {
      const store = await harness.open();
      const body = evidenceBody('put-get');
      const sha = sha256Hex(body);
      expect(await store.hasObject(sha)).toBe(false);
      const stored = await store.putObject(sha, body);
      expect(stored.existed).toBe(false);
      expect(stored.key.endsWith(`objects/sha256/${sha.slice(0, 2)}/${sha}.json`)).toBe(true);
      expect(await store.hasObject(sha)).toBe(true);
      expect((await store.getObject(sha)).equals(body)).toBe(true);
      expect(await store.listObjectHashes()).toEqual([sha]);
    });

    it('stores an unchanged body once: a second put reports existed and keeps the first copy', async () => {
      const store = await harness.open();
      const body = evidenceBody('idempotent');
      const sha = sha256Hex(body);
      const first = await store.putObject(sha, body);
      const second = await store.putObject(sha, body);
      expect(second.existed).toBe(true);
      expect(second.key).toBe(first.key);
      expect(second.versionId).toBe(first.versionId);
      expect(await store.listObjectHashes()).toEqual([sha]);
    });

    it('refuses a body under a name that is not its SHA-256', async () => {
      const store = await harness.open();
      const body = evidenceBody('wrong-name');
      await expect(store.putObject(sha256Hex('something else'), body)).rejects.toThrow(/hashes to/);
      expect(await store.listObjectHashes()).toEqual([]);
    });

    it('places and lifts a legal hold on every object of the trusted runs of a period, each action sealed as a run of its own; a store without legal holds refuses, naming itself, and changes nothing', async () => {
      const store = await harness.open();
      // Sealed a minute ago: the write times are those of the seal, and the hold runs sealed now fall after the period.
      const at = new Date(Date.now() - 60_000);
      const { runId, records } = await sealBodies(store, [evidenceBody('hold-1'), evidenceBody('hold-2')], at);
      const period = { from: new Date(at.getTime() - 60_000), to: new Date(at.getTime() + 30_000) };
      const { trust } = await contractTrust();
      const holds = store.legalHolds;
      if (!holds) {
        const before = await store.listRuns();
        await expect(applyLegalHold(store, signer, { ...period, action: 'hold', trust })).rejects.toThrow(new RegExp(`^hold: the ${store.kind} store at .+ has no legal hold \\(its files are read-only but not locked\\), so no legal hold was placed and nothing was changed$`));
        await expect(applyLegalHold(store, signer, { ...period, action: 'release', trust })).rejects.toThrow(/^release: .+ so no legal hold was lifted and nothing was changed$/);
        expect(await store.listRuns()).toEqual(before);
        return;
      }
      const ref = (key: string, versionId?: string) => ({ key, ...(versionId ? { versionId } : {}) });
      const files = await holds.runFileVersions(runId);
      const everyObject = [
        ...[RUN_FILES.manifest, RUN_FILES.signature, RUN_FILES.publicKey].flatMap((f) => (files.get(f) ?? []).map((v) => ref(v.key, v.versionId))),
        ...records.map((r) => ref(r.location!.key, r.location!.versionId)),
      ];
      expect(everyObject).toHaveLength(5);
      const legalHolds = () => Promise.all(everyObject.map(async (o) => (await holds.lockState(o.key, o.versionId)).legalHold ?? 'OFF'));
      const held = await applyLegalHold(store, signer, { ...period, action: 'hold', reason: 'matter 42', requestedBy: 'legal', trust });
      expect(held.runs).toEqual([runId]);
      expect(held.foreign).toEqual([]);
      expect(held.objects).toEqual(expect.arrayContaining(everyObject));
      expect(held.objects).toHaveLength(everyObject.length);
      expect(await legalHolds()).toEqual(everyObject.map(() => 'ON'));
      const holdRun = held.sealed!.manifest;
      expect([holdRun.kind, holdRun.chain]).toEqual(['legal-hold', 'legal-hold']);
      const recorded = JSON.parse((await store.getObject(holdRun.records[0].sha256)).toString('utf8')) as { data: { action: string; reason: string; requestedBy: string; runs: { runId: string }[]; objects: unknown[] } };
      expect(recorded.data).toMatchObject({ action: 'hold', reason: 'matter 42', requestedBy: 'legal', runs: [{ runId }] });
      expect(recorded.data.objects).toEqual(held.objects);
      const released = await applyLegalHold(store, signer, { ...period, action: 'release', trust });
      expect(released.objects).toEqual(held.objects);
      expect(await legalHolds()).toEqual(everyObject.map(() => 'OFF'));
      expect(released.sealed!.manifest.previous?.runId).toBe(holdRun.runId);
      // The run held and both actions verify where they are stored.
      const report = await verifyStoredRuns(store, { from: period.from, to: new Date(Date.now() + 60_000) }, { trust });
      expect(report.problems).toEqual([]);
      const expectedRuns = [[runId, 'collection', true], [holdRun.runId, 'legal-hold', true], [released.sealed!.manifest.runId, 'legal-hold', true]];
      // Both actions may start in the same second: run ids of one second sort by their random suffix.
      expect(report.runs.map((r) => [r.runId, r.kind, r.ok])).toEqual(expectedRuns.sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
      expect(report.ok).toBe(true);
    });

    it('refuses to overwrite a sealed run and keeps the original', async () => {
      const store = await harness.open();
      const { runId } = await sealBodies(store, [evidenceBody('run-1')], new Date());
      const original = await store.getRun(runId);
      await expect(
        store.putRun({ runId, manifest: Buffer.from('{"forged":true}'), signature: Buffer.from('forged'), publicKeyPem: original.publicKeyPem }),
      ).rejects.toThrow(/already exists/);
      const after = await store.getRun(runId);
      expect(after.manifest.equals(original.manifest)).toBe(true);
      expect(after.signature.equals(original.signature)).toBe(true);
      expect((await verifyStoredRuns(store, { runId }, await contractTrust())).ok).toBe(true);
    });

    it('lists runs oldest first whatever the order they were sealed in', async () => {
      const store = await harness.open();
      const c = await sealBodies(store, [evidenceBody('c')], new Date('2026-03-03T02:00:00Z'), 'c');
      const a = await sealBodies(store, [evidenceBody('a')], new Date('2026-03-01T02:00:00Z'), 'a');
      const b = await sealBodies(store, [evidenceBody('b')], new Date('2026-03-02T02:00:00Z'), 'b');
      expect(await store.listRuns()).toEqual([a.runId, b.runId, c.runId]);
    });

    it('chains runs and verifies them where they are stored; a period selects runs by start time', async () => {
      const store = await harness.open();
      const shared = evidenceBody('unchanged config');
      const r1 = await sealBodies(store, [shared, evidenceBody('day-1')], new Date('2026-04-01T02:00:00Z'));
      const r2 = await sealBodies(store, [shared, evidenceBody('day-2')], new Date('2026-04-02T02:00:00Z'));
      expect(await store.listObjectHashes()).toHaveLength(3);
      const m2 = JSON.parse((await store.getRun(r2.runId)).manifest.toString('utf8'));
      expect(m2.previous.runId).toBe(r1.runId);
      const report = await verifyStoredRuns(store, { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-04-02T23:59:59Z') }, await contractTrust());
      // Sealed today at April dates: a store whose server records write times names both runs as written late, nothing else.
      expect(report.problems).toEqual(writtenLate(store, [r1.runId, r2.runId]));
      expect(report.ok).toBe(store.lockedVersions === undefined);
      expect(report.runs.map((r) => r.runId)).toEqual([r1.runId, r2.runId]);
      const one = await verifyStoredRuns(store, { from: new Date('2026-04-02T00:00:00Z'), to: new Date('2026-04-02T23:59:59Z') }, await contractTrust());
      expect(one.runs.map((r) => r.runId)).toEqual([r2.runId]);
      const missing = await verifyStoredRuns(store, { runId: '20260101T000000Z-000000' }, await contractTrust());
      expect(missing.ok).toBe(false);
      expect(missing.problems[0].problem).toMatch(/not in the store/);
    });

    it('survives a crash between the bodies and the manifest: no run, the next run completes, orphans reported', async () => {
      const store = await harness.open();
      // Sealed now (a second apart, so the run ids sort in sealing order): the write times are those of the seals.
      const t0 = Date.now();
      const first = await sealBodies(store, [evidenceBody('before-crash')], new Date(t0 - 3000));
      const crashing = await harness.openInterruptedBeforeManifest(store);
      const lost = [evidenceBody('lost-1'), evidenceBody('lost-2')];
      await expect(sealBodies(crashing, lost, new Date(t0 - 2000))).rejects.toThrow();
      // No manifest: the interrupted run is not listed and nothing names a missing object.
      expect(await store.listRuns()).toEqual([first.runId]);
      const next = await sealBodies(store, [evidenceBody('after-crash')], new Date(t0 - 1000));
      expect(await store.listRuns()).toEqual([first.runId, next.runId]);
      const m = JSON.parse((await store.getRun(next.runId)).manifest.toString('utf8'));
      expect(m.previous.runId).toBe(first.runId);
      expect(await findOrphans(store)).toEqual(lost.map((b) => sha256Hex(b)).sort());
      const report = await verifyStoredRuns(store, { from: new Date(t0 - 60_000), to: new Date(Date.now() + 60_000) }, await contractTrust());
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('was: files planted in a run folder while it was sealed failed the seal and the run was lost; now: the same evidence is sealed again under a new run id that names the abandoned attempt, and every reader says so', async () => {
      const store = await harness.open();
      const first = await sealBodies(store, [evidenceBody('before-plant')], new Date('2026-06-01T02:00:00Z'));
      const planting = await harness.openPlanting(store, 1);
      const abandoned = '20260602T020000Z-a0a0a0';
      const lines: Record<string, unknown>[] = [];
      const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _e, cb) => (lines.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) }) });
      const sealed = await sealBodies(planting, [evidenceBody('sealed-again')], new Date('2026-06-02T02:00:00Z'), 'default', abandoned, { log });
      // A fresh id of the same form; the signed manifest names the attempt, and links where the attempt would have.
      expect(sealed.runId).toMatch(/^20260602T020000Z-[0-9a-f]{6}$/);
      expect(sealed.runId).not.toBe(abandoned);
      const m = RunManifestSchema.parse(JSON.parse((await store.getRun(sealed.runId)).manifest.toString('utf8')));
      expect(m.previous?.runId).toBe(first.runId);
      expect(m.sealAttempts).toHaveLength(1);
      expect(m.sealAttempts![0].runId).toBe(abandoned);
      expect(m.sealAttempts![0].reason).toMatch(/^files planted by someone else: readers would take /);
      expect(m.sealAttempts![0].planted.some((p) => p.key.endsWith(`runs/${abandoned}/manifest.json`))).toBe(true);
      // Logged at error level: the planted key (and version, where the store has versions) and the new run id.
      const logged = lines.find((l) => l.level === 'error' && String(l.msg).startsWith('files planted in run folder by someone else'));
      expect(logged).toMatchObject({ runId: abandoned, resealedAs: sealed.runId });
      expect(String(logged!.key)).toMatch(new RegExp(`runs/${abandoned}/`));
      // verify --store: the new run verifies; the abandoned folder is still foreign, explained by the new run's manifest.
      const trust = await contractTrust();
      const ok = await verifyStoredRuns(store, { runId: sealed.runId }, trust);
      // Sealed today at June dates: a store whose server records write times names them as written late, nothing else.
      expect(ok.problems).toEqual(writtenLate(store, [sealed.runId]));
      expect(ok.ok).toBe(store.lockedVersions === undefined);
      const period = await verifyStoredRuns(store, { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-30T00:00:00Z') }, trust);
      expect(period.problems).toEqual(writtenLate(store, [first.runId, sealed.runId]));
      const foreign = period.foreign.filter((f) => f.runId === abandoned);
      expect(foreign).toHaveLength(1);
      expect(foreign[0].resealedAs?.runId).toBe(sealed.runId);
      expect(formatStoreReport(period)).toContain(`FOREIGN runs/${abandoned}/manifest.json: files planted by someone else; its evidence was sealed again as run ${sealed.runId}`);
      // The next run links to the run sealed again, never to the abandoned id.
      const next = await sealBodies(store, [evidenceBody('after-plant')], new Date('2026-06-03T02:00:00Z'));
      expect(JSON.parse((await store.getRun(next.runId)).manifest.toString('utf8')).previous.runId).toBe(sealed.runId);
    });

    it('after the last attempt the seal fails naming every attempt, and nothing is lost: the bodies are stored, listed as orphans', async () => {
      const store = await harness.open();
      const planting = await harness.openPlanting(store, RESEALS + 1);
      const bodies = [evidenceBody('kept-1'), evidenceBody('kept-2')];
      const err = await sealBodies(planting, bodies, new Date('2026-07-01T02:00:00Z'), 'default', '20260701T020000Z-b0b0b0').then(
        () => undefined,
        (e: Error & { hint?: string }) => e,
      );
      expect(err?.message).toMatch(new RegExp(`^the run could not be sealed: someone else planted files in the run folder of each of its ${RESEALS + 1} attempts \\(run 20260701T020000Z-b0b0b0: files planted by someone else`));
      expect(err?.message.match(/run 20260701T020000Z-[0-9a-f]{6}: files planted/g)).toHaveLength(RESEALS + 1);
      expect(err?.hint).toMatch(/nothing is lost: every evidence body is stored under its SHA-256 \(`evidence-locker store orphans`/);
      // The bodies, and the list of them that the refusal record names (below): no sealed run names any of them.
      const orphans = await findOrphans(store);
      expect(orphans).toEqual(expect.arrayContaining(bodies.map((b) => sha256Hex(b))));
      expect(orphans).toHaveLength(bodies.length + 1);
      // The refusal is not silent: a signed record names every attempt, under a key nobody could have made first.
      expect(err?.message).toMatch(/; a signed refusal record was written at refusals\/20260701T020000Z-b0b0b0-r[0-9a-f]{32}\.json/);
      const { trust } = await contractTrust();
      const found = await refusalCensus(store, trust);
      expect(found.foreign).toEqual([]);
      expect(found.trusted).toHaveLength(1);
      const attempts = found.trusted[0].refusal.attempts.map((a) => a.runId);
      expect(attempts).toHaveLength(RESEALS + 1);
      expect(attempts[0]).toBe('20260701T020000Z-b0b0b0');
      const { bodyList, ...counts } = found.trusted[0].refusal.records;
      expect(counts).toEqual({ count: 2, errors: 0, bodiesStored: 2 });
      // The signed record names the list of the run's bodies, each at the key and version the seal wrote it: a hold finds them.
      expect(bodyList).toMatchObject({ bodies: 2 });
      expect(orphans).toContain(bodyList!.sha256);
      const listed = (await readRefusedBodyList(store, bodyList!)).bodies;
      expect(listed.map((b) => b.sha256)).toEqual(bodies.map((b) => sha256Hex(b)).sort());
      for (const b of listed) {
        // Written again, a body already stored is found where it is: at the key and version the list names.
        const again = await store.putObject(b.sha256, bodies.find((x) => sha256Hex(x) === b.sha256)!);
        expect(again.existed).toBe(true);
        expect(b.location).toEqual({ key: again.key, ...(again.versionId ? { versionId: again.versionId } : {}) });
      }
      // Junk written under refusals/ by someone with write access is foreign, and never named by a sealed run.
      await store.sealRefusals!.putRefusal(`20260701T020000Z-b0b0b0-r${'0'.repeat(32)}.json`, Buffer.from('{"junk":true}'));
      const next = await sealBodies(store, [evidenceBody('after-refusal')], new Date('2026-07-02T02:00:00Z'));
      const m = RunManifestSchema.parse(JSON.parse((await store.getRun(next.runId)).manifest.toString('utf8')));
      expect(m.previous).toBeNull();
      expect(m.refusals?.map((r) => [r.path, r.versionId, r.sha256])).toEqual([[found.trusted[0].ref.path, found.trusted[0].ref.versionId, found.trusted[0].sha256]]);
      const report = await verifyStoredRuns(store, { from: new Date('2026-07-01T00:00:00Z'), to: new Date('2026-07-31T00:00:00Z') }, { trust });
      expect(report.problems).toEqual(writtenLate(store, [next.runId]));
      expect(report.refused.map((r) => [r.runIds, r.namedBy])).toEqual([[attempts, next.runId]]);
      expect(report.foreign.filter((f) => f.path.startsWith('refusals/')).map((f) => f.reason)).toEqual(['not-a-refusal']);
      expect(formatStoreReport(report)).toContain(`REFUSED 2026-07-01 chain default: seal refused: files planted by someone else (attempts ${attempts.join(', ')})`);
      // The run after that one names no refusal: only those since its previous run.
      const after = await sealBodies(store, [evidenceBody('after-refusal-2')], new Date('2026-07-03T02:00:00Z'));
      expect(RunManifestSchema.parse(JSON.parse((await store.getRun(after.runId)).manifest.toString('utf8'))).refusals).toBeUndefined();
    });
  });
}
