import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerStoreCommands } from '../../src/cli/commands/store.js';
import { buildPackage } from '../../src/package/build.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { gatherRuns, packageDays } from '../../src/package/gather.js';
import { randomBytes } from 'node:crypto';
import { RUN_START_FILE, startSecretSha256 } from '../../src/evidence/layout.js';
import { S3EvidenceStore } from '../../src/store/s3.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyStoredRuns } from '../../src/verify/store.js';
import { CONTRACT_KEY_DIR, evidenceBody, sealBodies } from '../store/contract.js';
import type { ManifestRecord } from '../../src/evidence/record.js';
import { ACCT } from '../insider/attacks.js';
import { TEST_CATALOG, fixtureEvaluate, sealDays } from '../package/fixtures.js';
import { integrationEnv, storeConfig, uniquePrefix } from './env.js';

const env = integrationEnv();
const opened: S3EvidenceStore[] = [];
function openStore(name: string): { store: S3EvidenceStore; prefix: string } {
  const prefix = uniquePrefix(name);
  const store = new S3EvidenceStore(storeConfig(prefix));
  opened.push(store);
  return { store, prefix };
}
afterAll(() => {
  for (const s of opened) s.destroy();
});

async function storeCli(prefix: string, ...args: string[]): Promise<{ out: string; exitCode?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'el-it-backdate-'));
  const configFile = join(dir, 'evidence-locker.yaml');
  writeFileSync(
    configFile,
    ['store:', '  kind: s3', `  bucket: ${env.bucket}`, `  prefix: ${prefix}`, `  endpoint: ${env.endpoint}`, '  forcePathStyle: true', `  region: ${env.region}`, '  retention:', '    days: 1', 'signing:', '  kind: local', `  keyDir: ${CONTRACT_KEY_DIR}`, `stateDir: ${join(dir, 'state')}`, ''].join('\n'),
  );
  let out = '';
  const program = new Command().exitOverride().option('-c, --config <file>').option('--log-level <level>');
  registerStoreCommands(program, { write: (t) => void (out += t) });
  process.exitCode = undefined;
  await program.parseAsync(['node', 'evidence-locker', '-c', configFile, '--log-level', 'silent', ...args]);
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  process.exitCode = undefined;
  return { out, ...(exitCode !== undefined ? { exitCode } : {}) };
}

describe('back-dated runs on the Object Lock server (S3 LastModified against the completion a run states)', () => {
  it('was: a run signed with the trusted key today, claiming September and opening its own chain, verified clean and was packaged silently; now verify --store names it with the server\'s time and the package lists it', async () => {
    const { store, prefix } = openStore('backdate');
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    const trust = trustPolicy([await signer.fingerprint()]);
    // What a kms:Sign holder can do: seal a collection run dated in September, today, in a chain of its own.
    await sealDays(store, [{ day: '2026-09-15', encrypted: { [ACCT]: true } }], signer);
    const [runId] = await store.listRuns();

    const report = await verifyStoredRuns(store, { runId }, { trust });
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(2);
    for (const [i, file] of ['manifest.json', 'manifest.sig'].entries()) {
      expect(report.problems[i]).toMatchObject({ runId, key: store.runKey(runId, file) });
      expect(report.problems[i].problem).toMatch(
        new RegExp(`^${file.replace('.', '\\.')} was written to the store at \\S+ \\(LastModified, set by the server, not by the writer\\), \\d+ d( \\d+ h)? after the completion 2026-09-15T02:05:00\\.000Z its signed manifest states, more than the 1 h a seal takes to store its run: the run was signed or stored long after the time it claims \\(back-dated\\)`),
      );
    }
    const written = Date.parse(/written to the store at (\S+) /.exec(report.problems[0].problem)![1]);
    expect(Math.abs(written - Date.now())).toBeLessThan(10 * 60_000);

    // The CLI: exit 1 naming the run; a wider --max-seal-delay is the operator's own choice, and says so.
    const cli = await storeCli(prefix, 'store', 'verify', '--run', runId);
    expect(cli.exitCode).toBe(1);
    expect(cli.out).toContain(`FAIL ${runId}`);
    expect(cli.out).toMatch(/back-dated/);
    expect(cli.out).toMatch(/verification FAILED/);
    const wide = await storeCli(prefix, 'store', 'verify', '--run', runId, '--max-seal-delay', '400d');
    expect(wide.out).toMatch(/within 400 d after the completion the run states/);
    expect(wide.out).toMatch(/verification passed/);

    const pkg = await buildPackage({ store, signer, trust, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-09-15', to: '2026-09-15', evaluate: fixtureEvaluate, organization: 'Acme', outDir: mkdtempSync(join(tmpdir(), 'el-it-backdate-pkg-')) });
    expect(pkg.summary.runsWrittenLate).toBe(1);
    const unzipped = mkdtempSync(join(tmpdir(), 'el-it-backdate-unzip-'));
    await extractPackageZip(pkg.zipPath, unzipped);
    const html = readFileSync(join(unzipped, 'index.html'), 'utf8');
    expect(html).toContain('1 run(s) stored later than they claim');
    expect(html).toContain(runId);
  });

  it('runs sealed now, and a backfilled run sealed now for a day two months ago, verify clean: the check is about when a run was sealed, not the day it covers', async () => {
    const { store } = openStore('backdate-clean');
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    const trust = trustPolicy([await signer.fingerprint()]);
    const collected = await sealBodies(store, [evidenceBody('sealed-now')], new Date());
    const started = new Date();
    // As `backfill` seals a rebuilt day: started and completed when it is sealed, `reconstruction.asOf` the day it covers.
    const rebuilt = await sealRun(store, signer, {
      kind: 'collection',
      chain: 'backfill',
      startedAt: started,
      scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] },
      reconstruction: { asOf: new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10), reconstructed: ['test.bucket-encryption'], notReconstructed: [] },
      records: [],
    });
    const report = await verifyStoredRuns(store, { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) }, { trust });
    expect(report.problems).toEqual([]);
    expect(report.writeTimes).toEqual({ checked: true, maxDelayMs: 3_600_000, skewMs: 900_000 });
    expect(report.runs.map((r) => r.runId).sort()).toEqual([collected.runId, rebuilt.manifest.runId].sort());
    expect(report.ok).toBe(true);
  });

  // A start a day before now: on another UTC day unless the test runs in the last minutes of a day.
  const dayBefore = new Date(Date.now() - 23.5 * 3_600_000);
  it.skipIf(dayBefore.toISOString().slice(0, 10) === new Date(Date.now() + 60_000).toISOString().slice(0, 10))(
    'a collection writes its start file into the run folder and the seal accepts it; a run sealed now that states a start yesterday (span under a day) is named and proves no day',
    async () => {
      const { store } = openStore('backdate-day');
      const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
      const trust = trustPolicy([await signer.fingerprint()]);
      const scope = { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] };
      // As `collect` does: the start file first, under lock, then (hours later in production) the seal in the same folder.
      const started = new Date();
      const runId = `${started.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-d0a1b2`;
      const secret = randomBytes(32).toString('hex');
      await store.markRunStarted(runId, started, startSecretSha256(secret));
      const genuine = await sealRun(store, signer, { runId, kind: 'collection', chain: 'default', startedAt: started, scope, startSecret: secret, records: [] });
      expect(genuine.manifest.runId).toBe(runId);
      const files = await store.runFileVersions(runId);
      expect([...files.keys()].sort()).toEqual([RUN_START_FILE, 'manifest.json', 'manifest.sig', 'public-key.pem']);
      const lock = await store.lockState(store.runKey(runId, RUN_START_FILE));
      expect(lock.mode).toBe('COMPLIANCE');
      // A legal hold of the period keeps the start file too: its write time is what shows the day the run proves.
      const held = await applyLegalHold(store, signer, { from: new Date(started.getTime() - 60_000), to: new Date(Date.now() + 60_000), action: 'hold', trust });
      expect(held.objects.map((o) => o.key)).toContain(store.runKey(runId, RUN_START_FILE));
      expect((await store.lockState(store.runKey(runId, RUN_START_FILE))).legalHold).toBe('ON');
      await applyLegalHold(store, signer, { from: new Date(started.getTime() - 60_000), to: new Date(Date.now() + 60_000), action: 'release', trust });
      expect((await store.lockState(store.runKey(runId, RUN_START_FILE))).legalHold).toBe('OFF');

      // A kms:Sign holder seals now a run stated to start yesterday: written on time for its completion, span under a day.
      const forged = await sealRun(store, signer, { kind: 'collection', chain: 'forged', startedAt: dayBefore, scope, records: [] });
      const report = await verifyStoredRuns(store, { from: new Date(Date.now() - 2 * 86_400_000), to: new Date(Date.now() + 86_400_000) }, { trust });
      expect(report.problems.map((p) => p.runId)).toEqual([forged.manifest.runId]);
      expect(report.problems[0].problem).toContain(`it proves no collection on ${dayBefore.toISOString().slice(0, 10)}`);
    },
  );

  it('a start file written ahead of time dates only evidence the server wrote within the run\'s span of it: a run whose evidence came after that span, or was in the store before the start file, proves no day; a run written as collect writes it does', async () => {
    const { store } = openStore('body-times');
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    // Narrow limits (a run span of 2 s, 1 s of clock difference, a seal within 2 s) so seconds on this server stand for a day.
    const trust = trustPolicy([await signer.fingerprint()], { skewMs: 1000 });
    const limits = { maxRunSpanMs: 2000, maxSealDelayMs: 2000 };
    const scope = { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] };
    const idAt = (at: Date, suffix: string) => `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${suffix}`;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const recordOf = (body: Buffer, i: number, at: Date, location: ManifestRecord['location']): ManifestRecord => ({ recordId: `test.bucket-encryption/${ACCT}/us-east-${i}`, queryId: 'test.bucket-encryption', accountId: ACCT, region: `us-east-${i}`, status: 'ok', collectedAt: at.toISOString(), sha256: sha256Hex(body), size: body.length, ...(location ? { location } : {}) });
    const started = async (suffix: string) => {
      const at = new Date();
      const runId = idAt(at, suffix);
      const secret = randomBytes(32).toString('hex');
      await store.markRunStarted(runId, at, startSecretSha256(secret));
      return { at, runId, secret };
    };

    // As collect writes a run: its start file, then its evidence, then its seal.
    const normal = await started('a0b1c2');
    const normalBodies = [evidenceBody('bt-normal-1'), evidenceBody('bt-normal-2')];
    const normalRecords: ManifestRecord[] = [];
    for (const [i, b] of normalBodies.entries()) {
      const o = await store.putObject(sha256Hex(b), b);
      normalRecords.push(recordOf(b, i, normal.at, { key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}) }));
    }
    await sealRun(store, signer, { runId: normal.runId, kind: 'collection', chain: 'normal', startedAt: normal.at, scope, startSecret: normal.secret, records: normalRecords });

    await sleep(2500);
    // Evidence already in the store (the run above's), sealed against a start file written after it.
    const reused = await started('b0b1c2');
    await sealRun(store, signer, { runId: reused.runId, kind: 'collection', chain: 'reused', startedAt: reused.at, scope, startSecret: reused.secret, records: normalRecords.map((r) => ({ ...r, collectedAt: reused.at.toISOString() })) });

    // A start file written ahead of time, a run sealed against it at once naming its evidence by content only, and the
    // evidence written later, past the run's span: reads of a record without a version take the key's latest.
    const ahead = await started('c0b1c2');
    const aheadBodies = [evidenceBody('bt-ahead-1'), evidenceBody('bt-ahead-2')];
    await sealRun(store, signer, { runId: ahead.runId, kind: 'collection', chain: 'ahead', startedAt: ahead.at, scope, startSecret: ahead.secret, records: aheadBodies.map((b, i) => recordOf(b, i, ahead.at, { key: store.objectKey(sha256Hex(b)) })) });
    await sleep(6500);
    for (const b of aheadBodies) await store.putObject(sha256Hex(b), b);

    const period = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
    const report = await verifyStoredRuns(store, period, { trust, ...limits });
    const named = new Map<string, string>();
    for (const p of report.problems) named.set(p.runId, `${named.get(p.runId) ?? ''}\n${p.problem}`);
    // (The reused bodies' retention was not extended for the second run, as a collector writing them would: named too.)
    expect([...named.keys()].sort()).toEqual([reused.runId, ahead.runId].sort());
    expect(named.get(reused.runId)).toContain('before the run\'s start file');
    expect(named.get(reused.runId)).toContain('this evidence was in the store before the run began');
    expect(report.problems.filter((p) => p.runId === ahead.runId)).toHaveLength(1);
    expect(named.get(ahead.runId)).toContain('after the run\'s start file');
    expect(named.get(ahead.runId)).toContain('a start file written ahead of time, used later');
    expect(report.runs.find((r) => r.runId === normal.runId)?.ok).toBe(true);

    // The package's gathering: the same two runs not credited, from the listing of objects/ it makes for delete markers.
    const gathered = await gatherRuns(store, packageDays(period.from.toISOString().slice(0, 10), period.to.toISOString().slice(0, 10)), trust, limits);
    expect(gathered.bodyWriteTimesChecked).toBe(true);
    expect(gathered.runsNotCredited.map((n) => n.runId).sort()).toEqual([reused.runId, ahead.runId].sort());
    const why = new Map(gathered.runsNotCredited.map((n) => [n.runId, n.why]));
    expect(why.get(reused.runId)).toContain('this evidence was in the store before the run began');
    expect(why.get(ahead.runId)).toContain('a start file written ahead of time, used later');
  });

  it('was: a collection whose body had the same bytes as one an earlier run stored cited the earlier version and proved no day; now it writes the body again after its start file and is credited', async () => {
    const { store } = openStore('same-body');
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    const trust = trustPolicy([await signer.fingerprint()]);
    const scope = { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] };
    const idAt = (at: Date, suffix: string) => `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${suffix}`;
    const body = evidenceBody('same-body-both-runs');
    const collect = async (suffix: string) => {
      const at = new Date();
      const runId = idAt(at, suffix);
      const secret = randomBytes(32).toString('hex');
      await store.markRunStarted(runId, at, startSecretSha256(secret));
      const o = await store.putObject(sha256Hex(body), body);
      const record: ManifestRecord = { recordId: `test.bucket-encryption/${ACCT}/us-east-1`, queryId: 'test.bucket-encryption', accountId: ACCT, region: 'us-east-1', status: 'ok', collectedAt: at.toISOString(), sha256: sha256Hex(body), size: body.length, location: { key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}) } };
      await sealRun(store, signer, { runId, kind: 'collection', chain: 'default', startedAt: at, scope, startSecret: secret, records: [record] });
      return { runId, versionId: o.versionId };
    };
    const first = await collect('a1b2c3');
    // The server's write times are to the second: the second collection's start file is written a later second.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const second = await collect('d4e5f6');
    expect(second.versionId).not.toBe(first.versionId);
    const period = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
    const report = await verifyStoredRuns(store, period, { trust });
    expect(report.problems).toEqual([]);
    expect(report.runs.map((r) => [r.runId, r.ok])).toEqual([[first.runId, true], [second.runId, true]]);
  });

  it('a run sealed under the id of a collection that wrote its start file and stopped proves no day; one whose start file was written long after its signed start neither; a folder holding only a start file is listed', async () => {
    const { store } = openStore('start-secret');
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    const trust = trustPolicy([await signer.fingerprint()]);
    const scope = { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['test.bucket-encryption'] };
    const idAt = (at: Date, suffix: string) => `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${suffix}`;
    // A collection starts (its start file names the SHA-256 of its secret) and stops before sealing.
    const started = new Date();
    const crashedId = idAt(started, 'c0a1b2');
    await store.markRunStarted(crashedId, started, startSecretSha256(randomBytes(32).toString('hex')));
    // A collection that started and is still running (or stopped): listed as an unsealed start, not a failure.
    const pendingId = idAt(started, 'e0a1b2');
    await store.markRunStarted(pendingId, started, startSecretSha256(randomBytes(32).toString('hex')));
    const period = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) };
    const before = await verifyStoredRuns(store, period, { trust });
    expect(before.unsealedStarts?.map((u) => u.runId).sort()).toEqual([crashedId, pendingId].sort());
    expect(before.unsealedStarts?.every((u) => u.writtenAt !== undefined && Math.abs(Date.parse(u.writtenAt) - started.getTime()) < 15 * 60_000)).toBe(true);

    // A kms:Sign holder seals a made-up run under the crashed id, with a secret of their own: it takes no day.
    await sealRun(store, signer, { runId: crashedId, kind: 'collection', chain: 'reused', startedAt: started, scope, startSecret: randomBytes(32).toString('hex'), records: [] });
    // One whose signed start is moved 40 minutes before its (matching) start file was written: not started when it says.
    const secret = randomBytes(32).toString('hex');
    const moved = new Date(Date.now() - 40 * 60_000);
    const movedId = idAt(moved, 'f0a1b2');
    await store.markRunStarted(movedId, moved, startSecretSha256(secret));
    await sealRun(store, signer, { runId: movedId, kind: 'collection', chain: 'moved', startedAt: moved, scope, startSecret: secret, records: [] });

    const report = await verifyStoredRuns(store, period, { trust });
    const named = new Map(report.problems.map((p) => [p.runId, p.problem]));
    expect([...named.keys()].sort()).toEqual([crashedId, movedId].sort());
    expect(named.get(crashedId)).toContain('no start file of the run\'s folder shows it');
    expect(named.get(movedId)).toContain('more than the 15 min a collection takes to write it');
    expect(report.unsealedStarts?.map((u) => u.runId)).toEqual([pendingId]);
  });
});
