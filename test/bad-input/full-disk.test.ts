import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../faults/cli.js';

/** Writes of evidence bodies fail the way a full disk fails them: the file is created, then writing it fails. */
const fullDisk = { on: false };
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, flags, mode) => {
    const fh = await real.open(path, flags, mode);
    if (!fullDisk.on || !String(path).includes(`${sep}objects${sep}`) || flags !== 'wx') return fh;
    const enospc = Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    return new Proxy(fh, { get: (t, k) => (k === 'writeFile' ? () => Promise.reject(enospc) : Reflect.get(t, k, t)) }) as typeof fh;
  };
  return { ...real, default: { ...real, open }, open };
});

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [];
}

describe('collect on a full disk', () => {
  let sim: SimulatedAws;
  const savedEnv = { ...process.env };
  const root = mkdtempSync(join(tmpdir(), 'el-full-disk-'));

  beforeAll(async () => {
    sim = await startSimulatedAws({ world: demoWorld() });
    Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
  });
  afterAll(async () => {
    fullDisk.on = false;
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await sim?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('collect on a full disk (ENOSPC): one line naming the store, exit 1, no .tmp files left in objects/, nothing sealed', async () => {
    const store = join(root, 'store');
    const config = join(root, 'c.yaml');
    writeFileSync(config, `store: { kind: local, path: ${store} }\nstateDir: ${join(root, 'state')}\nlog: { level: error }\n`);
    fullDisk.on = true;
    const result = await runCli(['-c', config, 'collect', '--queries', 's3.bucket-encryption,config.recorder-status']);
    fullDisk.on = false;

    expect(result.code, result.stderr).toBe(ExitCode.failure);
    expect(result.stderr).not.toMatch(/unexpected error|unhandled|^\s+at /m);
    const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('evidence-locker: error: '));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(new RegExp(`local evidence store ${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no space left on the device \\(ENOSPC\\)`));
    expect(result.stderr).toMatch(/what to do: free space/);
    expect(files(join(store, 'objects')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files(join(store, 'runs')).filter((f) => f.endsWith('manifest.json'))).toEqual([]);
  });
});
