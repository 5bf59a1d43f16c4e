import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerStoreCommands } from '../../src/cli/commands/store.js';
import { ConfigError } from '../../src/errors.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { sealRun } from '../../src/seal/seal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { CONTRACT_KEY_DIR, contractTrust, evidenceBody, sealBodies } from './contract.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'el-store-cli-'));
  const configFile = join(dir, 'evidence-locker.yaml');
  writeFileSync(configFile, `store:\n  kind: local\n  path: ${join(dir, 'store')}\nstateDir: ${join(dir, 'state')}\nlog:\n  level: silent\n`);
  const store = new LocalEvidenceStore(join(dir, 'store'));
  return { dir, configFile, store };
}

async function run(configFile: string, ...args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  let out = '';
  const program = new Command().exitOverride().option('-c, --config <file>').option('--log-level <level>');
  registerStoreCommands(program, { write: (t) => void (out += t) });
  for (const c of program.commands) c.exitOverride();
  process.exitCode = undefined;
  await program.parseAsync(['node', 'evidence-locker', '-c', configFile, '--log-level', 'silent', ...args]);
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  return { out, exitCode };
}

describe('store commands on a local store', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('store check pre-flights the store and states its protection', async () => {
    const { configFile } = setup();
    const { out } = await run(configFile, 'store', 'check');
    expect(out).toMatch(/store local .*\/store/);
    expect(out).toMatch(/ok +directory writable/);
    expect(out).toMatch(/tamper-evident, not tamper-proof/);
  });

  it('store verify passes on sealed runs, then names the tampered record and exits 1', async () => {
    const { configFile, store } = setup();
    const body = evidenceBody('cli');
    const r1 = await sealBodies(store, [body], new Date('2026-04-01T02:00:00Z'));
    await sealBodies(store, [evidenceBody('cli-2')], new Date('2026-04-02T02:00:00Z'));

    // No local key and no signing.trustedKeys: nothing to trust, said as a usage error with the fix.
    await expect(run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-02')).rejects.toThrow(/no trusted signing key.*no local signing key/);
    const key = [...(await contractTrust()).trust.fingerprints][0];
    const ok = await run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-02', '--expect-key', key);
    expect(ok.out).toMatch(/2 run\(s\), 2 object\(s\) checked/);
    expect(ok.out).toMatch(/verification passed/);
    expect(ok.exitCode).toBe(0);

    const json = await run(configFile, 'store', 'verify', '--run', r1.runId, '--json', '--expect-key', key);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, runs: [{ runId: r1.runId, records: 1, ok: true }] });

    const sha = sha256Hex(body);
    const file = join(store.root, 'objects', 'sha256', sha.slice(0, 2), `${sha}.json`);
    chmodSync(file, 0o644);
    writeFileSync(file, '{"altered":true}');
    const bad = await run(configFile, 'store', 'verify', '--run', r1.runId, '--expect-key', key);
    expect(bad.exitCode).toBe(1);
    expect(bad.out).toMatch(new RegExp(`problem: run ${r1.runId} record s3.bucket-versioning/111122223333/us-east-0 key objects/sha256/${sha.slice(0, 2)}/${sha}.json: SHA-256 is`));
    expect(bad.out).toMatch(/verification FAILED/);
  });

  it('store verify prints a planted folder name escaped, so it cannot rewrite the verdict on the screen; --json stays the same JSON', async () => {
    const { configFile, store } = setup();
    await sealBodies(store, [evidenceBody('cli-term')], new Date('2026-04-01T02:00:00Z'));
    const planted = '20260401T030000Z-e0e0e0\u001b[1A\u001b[2K\rverification passed\u009b8m\u202e';
    mkdirSync(join(store.root, 'runs', planted), { recursive: true });
    writeFileSync(join(store.root, 'runs', planted, 'manifest.json'), '{"planted":true}');
    const key = [...(await contractTrust()).trust.fingerprints][0];
    const r = await run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-01', '--expect-key', key);
    expect(r.exitCode).toBe(1);
    expect(r.out).toContain('e0e0e0\\u001b[1A\\u001b[2K\\u000dverification passed\\u009b8m\\u202e');
    // eslint-disable-next-line no-control-regex -- the bytes a terminal acts on are what is looked for
    expect(r.out).not.toMatch(/[\u001b\r\u009b\u202e]/);
    expect(r.out.split('\n').filter((l) => l.startsWith('verification '))).toEqual(['verification FAILED']);
    const json = await run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-01', '--expect-key', key, '--json');
    expect(JSON.stringify(JSON.parse(json.out))).toContain(JSON.stringify(planted).slice(1, -1));
  });

  it('store verify --max-run-span: a run stating two days from start to completion is named back-dated at the default day, not at 3d; under a minute is refused', async () => {
    const { configFile, store } = setup();
    const signer = LocalEd25519Signer.open(CONTRACT_KEY_DIR);
    const long = await sealRun(store, signer, {
      kind: 'collection',
      chain: 'long',
      startedAt: new Date('2026-04-03T02:00:00Z'),
      completedAt: new Date('2026-04-05T02:00:00Z'),
      scope: { accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-versioning'] },
      records: [],
    });
    const key = [...(await contractTrust()).trust.fingerprints][0];
    const named = await run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-05', '--expect-key', key);
    expect(named.exitCode).toBe(1);
    expect(named.out).toContain(`problem: run ${long.manifest.runId}: the run states it started at 2026-04-03T02:00:00.000Z and completed at 2026-04-05T02:00:00.000Z (both signed), a span of 2 d, more than the 1 d a run may take (--max-run-span)`);
    expect(named.out).toContain("run span: each run's signed completion must be within 1 d of its signed start");
    const wide = await run(configFile, 'store', 'verify', '--from', '2026-04-01', '--to', '2026-04-05', '--expect-key', key, '--max-run-span', '3d');
    expect(wide.exitCode).toBe(0);
    expect(wide.out).toContain("run span: each run's signed completion must be within 3 d of its signed start");
    await expect(run(configFile, 'store', 'verify', '--run', long.manifest.runId, '--expect-key', key, '--max-run-span', '10s')).rejects.toThrow('--max-run-span 10s: less than one minute');
  });

  it('store verify needs --run or a period', async () => {
    const { configFile } = setup();
    await expect(run(configFile, 'store', 'verify')).rejects.toBeInstanceOf(ConfigError);
    await expect(run(configFile, 'store', 'verify', '--run', 'x', '--from', '2026-01-01', '--to', '2026-01-02')).rejects.toThrow(/not both/);
    await expect(run(configFile, 'store', 'verify', '--from', '2026-02-30', '--to', '2026-03-01')).rejects.toThrow(/--from: "2026-02-30" is not a calendar date/);
  });

  it('was: hold and release on a local store printed that nothing was held and exited 0; now: they fail (exit 2) naming the store, and change nothing', async () => {
    const { configFile, store } = setup();
    await sealBodies(store, [evidenceBody('hold')], new Date('2026-04-01T02:00:00Z'));
    const before = await store.listRuns();
    const held = run(configFile, 'hold', '--from', '2026-04-01', '--to', '2026-04-30');
    await expect(held).rejects.toBeInstanceOf(ConfigError);
    await expect(held).rejects.toThrow(/^hold: the local store at \S+\/store has no legal hold \(its files are read-only but not locked\), so no legal hold was placed and nothing was changed$/);
    await expect(held).rejects.toMatchObject({ exitCode: 2, hint: expect.stringMatching(/store\.kind: s3/) as unknown });
    await expect(run(configFile, 'release', '--from', '2026-04-01', '--to', '2026-04-30')).rejects.toThrow(/^release: the local store at .* so no legal hold was lifted/);
    expect(await store.listRuns()).toEqual(before);
  });

  it('store orphans lists bodies no run names', async () => {
    const { configFile, store } = setup();
    await sealBodies(store, [evidenceBody('named')], new Date('2026-04-01T02:00:00Z'));
    const orphan = evidenceBody('orphan');
    await store.putObject(sha256Hex(orphan), orphan);
    const { out } = await run(configFile, 'store', 'orphans');
    expect(out).toBe(`1 orphaned evidence body(ies), harmless: written by runs interrupted before sealing or refused their seal, named by no sealed run (the list of a refused run's bodies that a trusted refusal record names is not listed: the record names it), never part of a package:\n  ${sha256Hex(orphan)}\n`);
  });
});

describe('hold on a local store', () => {
  it('does not create a signing key it does not need', async () => {
    const { configFile, dir } = setup();
    await expect(run(configFile, 'hold', '--from', '2026-04-01', '--to', '2026-04-30')).rejects.toBeInstanceOf(ConfigError);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'state', 'keys'))).toBe(false);
  });
});
