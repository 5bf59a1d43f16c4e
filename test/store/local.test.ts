import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { openStore } from '../../src/store/open-store.js';
import type { EvidenceStore } from '../../src/evidence/store.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { PlantingLocalStore, contractTrust, evidenceBody, sealBodies, storeContract } from './contract.js';

class CrashBeforeManifestStore extends LocalEvidenceStore {
  protected override async publishRun(): Promise<void> {
    throw new Error('simulated crash before the run became visible');
  }
}

const freshDir = () => mkdtempSync(join(tmpdir(), 'el-local-store-'));

storeContract('local', {
  open: async () => new LocalEvidenceStore(freshDir()),
  openInterruptedBeforeManifest: async (store: EvidenceStore) => new CrashBeforeManifestStore((store as LocalEvidenceStore).root),
  openPlanting: async (store: EvidenceStore, times: number) => new PlantingLocalStore((store as LocalEvidenceStore).root, times),
});

describe('LocalEvidenceStore', () => {
  it('says it is tamper-evident, not tamper-proof', () => {
    expect(new LocalEvidenceStore(freshDir()).describe().note).toMatch(/tamper-evident, not tamper-proof/);
  });

  it('lays bodies out by SHA-256 and makes every file read-only', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    const body = evidenceBody('layout');
    const sha = sha256Hex(body);
    const { runId } = await sealBodies(store, [body], new Date('2026-06-01T02:00:00Z'));
    const file = join(root, 'objects', 'sha256', sha.slice(0, 2), `${sha}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(root, 'runs', runId)).sort()).toEqual(['manifest.json', 'manifest.sig', 'public-key.pem']);
    for (const f of readdirSync(join(root, 'runs', runId))) expect(statSync(join(root, 'runs', runId, f)).mode & 0o777).toBe(0o444);
    // No temporary files are left behind.
    expect(readdirSync(join(root, 'objects', 'sha256', sha.slice(0, 2)))).toEqual([`${sha}.json`]);
    expect(readdirSync(join(root, 'runs'))).toEqual([runId]);
  });

  it('a run folder planted before the seal, that no signed manifest names, stays an unexplained foreign folder; a folder holding a sealed run is never called planted', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    const junk = '20260801T020000Z-e0e0e0';
    mkdirSync(join(root, 'runs', junk), { recursive: true });
    writeFileSync(join(root, 'runs', junk, 'manifest.json'), '{"planted":true}');
    const report = await verifyStoredRuns(store, { runId: junk }, await contractTrust());
    expect(report.foreign).toHaveLength(1);
    expect(report.foreign[0].resealedAs).toBeUndefined();
    expect(formatStoreReport(report)).not.toContain('files planted by someone else');
    // A run id already used by a sealed run: the seal fails as it always did, and names no plant.
    const sealed = await sealBodies(store, [evidenceBody('in-use')], new Date('2026-08-02T02:00:00Z'));
    await expect(sealBodies(store, [evidenceBody('again')], new Date('2026-08-02T02:00:00Z'), 'default', sealed.runId)).rejects.toThrow(/already exists/);
    expect(await store.listRuns()).toEqual([junk, sealed.runId]);
  });

  it('writes a body into an object directory removed since an earlier body was written there', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    // Two bodies that share a fan-out directory (the first two hex digits of their SHA-256).
    const first = evidenceBody('dir-0');
    const fan = sha256Hex(first).slice(0, 2);
    let second = first;
    for (let n = 1; sha256Hex(second).slice(0, 2) !== fan || second === first; n++) second = evidenceBody(`dir-${n}`);
    await store.putObject(sha256Hex(first), first);
    const dir = join(root, 'objects', 'sha256', fan);
    chmodSync(join(dir, `${sha256Hex(first)}.json`), 0o644);
    rmSync(dir, { recursive: true });
    expect((await store.putObject(sha256Hex(second), second)).existed).toBe(false);
    expect(readFileSync(join(dir, `${sha256Hex(second)}.json`))).toEqual(second);
    expect(readdirSync(dir)).toEqual([`${sha256Hex(second)}.json`]);
  });

  it('checks the bytes of a body already present and refuses an altered one', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    const body = evidenceBody('altered');
    const sha = sha256Hex(body);
    await store.putObject(sha, body);
    const file = join(root, 'objects', 'sha256', sha.slice(0, 2), `${sha}.json`);
    chmodSync(file, 0o644);
    writeFileSync(file, body.toString('utf8').replace('Enabled', 'Disabled'));
    await expect(store.putObject(sha, body)).rejects.toThrow(/has been altered/);
  });

  it('verification names a tampered record and a tampered manifest', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    const body = evidenceBody('tamper');
    const sha = sha256Hex(body);
    const { runId } = await sealBodies(store, [body], new Date('2026-06-02T02:00:00Z'));
    const file = join(root, 'objects', 'sha256', sha.slice(0, 2), `${sha}.json`);
    chmodSync(file, 0o644);
    writeFileSync(file, body.toString('utf8').replace('Enabled', 'Enab1ed'));
    const report = await verifyStoredRuns(store, { runId }, await contractTrust());
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ runId, recordId: 's3.bucket-versioning/111122223333/us-east-0' });
    expect(report.problems[0].problem).toMatch(/SHA-256 is [0-9a-f]{64}, the manifest says/);

    // A longer file cannot be the body: it is reported by its size, and not read.
    writeFileSync(file, body.toString('utf8').replace('Enabled', 'Suspended'));
    const longer = await verifyStoredRuns(store, { runId }, await contractTrust());
    expect(longer.problems).toMatchObject([{ runId, recordId: 's3.bucket-versioning/111122223333/us-east-0', problem: `size is ${body.length + 2} bytes, the manifest says ${body.length}` }]);

    const mf = join(root, 'runs', runId, 'manifest.json');
    chmodSync(mf, 0o644);
    writeFileSync(mf, readFileSync(mf, 'utf8').replace('"complete"', '"complete-with-gaps"'));
    const again = await verifyStoredRuns(store, { runId }, await contractTrust());
    expect(again.ok).toBe(false);
    expect(again.foreign).toMatchObject([{ runId, reason: 'bad-signature' }]);
  });

  it('orders runs sealed within the same second by their start time when checking the chain', async () => {
    const store = new LocalEvidenceStore(freshDir());
    // Same second, and the later run's random suffix sorts first.
    const first = await sealBodies(store, [evidenceBody('s1')], new Date('2026-06-05T02:00:00.100Z'), 'legal-hold', '20260605T020000Z-ffffff');
    const second = await sealBodies(store, [evidenceBody('s2')], new Date('2026-06-05T02:00:00.600Z'), 'legal-hold', '20260605T020000Z-000000');
    const m2 = JSON.parse((await store.getRun(second.runId)).manifest.toString('utf8'));
    expect(m2.previous.runId).toBe(first.runId);
    const report = await verifyStoredRuns(store, { from: new Date('2026-06-05T00:00:00Z'), to: new Date('2026-06-05T23:59:59Z') }, await contractTrust());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('names a run whose chain link skips the latest earlier run of its chain', async () => {
    const store = new LocalEvidenceStore(freshDir());
    const a = await sealBodies(store, [evidenceBody('c1')], new Date('2026-06-06T01:00:00Z'));
    // A run of the same chain sealed into another store, then copied in: it links nowhere.
    const other = new LocalEvidenceStore(freshDir());
    const b = await sealBodies(other, [evidenceBody('c2')], new Date('2026-06-06T02:00:00Z'));
    await store.putObject(sha256Hex(evidenceBody('c2')), evidenceBody('c2'));
    await store.putRun(await other.getRun(b.runId));
    const report = await verifyStoredRuns(store, { runId: b.runId }, await contractTrust());
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.problem)).toEqual([`chain link: no previous run recorded, but run ${a.runId} of chain "default" precedes it`]);
  });

  it('ignores leftovers of an interrupted run seal when listing runs', async () => {
    const root = freshDir();
    const store = new LocalEvidenceStore(root);
    await store.preflight();
    const { runId } = await sealBodies(store, [evidenceBody('x')], new Date('2026-06-03T02:00:00Z'));
    const crashed = new CrashBeforeManifestStore(root);
    await expect(crashed.putRun({ runId: '20260604T020000Z-abcdef', manifest: Buffer.from('{}'), signature: Buffer.from('s'), publicKeyPem: 'k' })).rejects.toThrow(/simulated crash/);
    expect(await store.listRuns()).toEqual([runId]);
  });

  it('rejects run ids that could escape the runs directory', async () => {
    const store = new LocalEvidenceStore(freshDir());
    for (const runId of ['../x', 'a/b', '.hidden', '']) {
      await expect(store.putRun({ runId, manifest: Buffer.from('{}'), signature: Buffer.from('s'), publicKeyPem: 'k' })).rejects.toThrow(/not valid/);
    }
  });

  it('openStore resolves a relative local path against the current directory', async () => {
    const store = await openStore({ kind: 'local', path: 'some/relative/store' }, { cwd: '/srv/evidence' });
    expect(store.kind).toBe('local');
    expect(store.describe().location).toBe('/srv/evidence/some/relative/store');
    const abs = await openStore({ kind: 'local', path: '/var/lib/el' });
    expect(abs.describe().location).toBe('/var/lib/el');
  });
});
