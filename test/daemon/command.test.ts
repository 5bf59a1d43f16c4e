import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { registerDaemonCommand } from '../../src/cli/commands/daemon.js';
import type { ActionRequest } from '../../src/daemon/daemon.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
function workDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'el-daemon-cmd-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function program(deps: Parameters<typeof registerDaemonCommand>[1] = {}): Command {
  const p = new Command().option('-c, --config <file>').option('--log-level <level>').exitOverride();
  registerDaemonCommand(p, deps);
  for (const c of p.commands) c.exitOverride();
  return p;
}

describe('evidence-locker daemon', () => {
  it('refuses an invalid cron expression before touching the store: ConfigError naming schedules[0].cron (exit 2)', async () => {
    const dir = workDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `store:\n  kind: local\n  path: ${join(dir, 'store')}\nschedules:\n  - name: nightly\n    action: collect\n    cron: "0 25 * * *"\n`);
    const err = await program().parseAsync(['node', 'evidence-locker', '--config', file, '--log-level', 'silent', 'daemon']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).message).toMatch(/^schedules\[0\]\.cron: "0 25 \* \* \*" \(schedule "nightly"\)/);
  });

  it('rejects a malformed --shard', async () => {
    const err = await program().parseAsync(['node', 'evidence-locker', '--log-level', 'silent', 'daemon', '--shard', '5/4']).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/--shard: "5\/4"/);
  });

  it('opens the store and signer, starts, runs injected actions with the shard, and stops on SIGTERM with exit 0', async () => {
    const dir = workDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `store:\n  kind: local\n  path: ${join(dir, 'store')}\nstateDir: ${join(dir, 'state')}\ndaemon:\n  healthPort: 0\nschedules:\n  - name: nightly\n    action: collect\n    cron: "0 2 * * *"\n`,
    );
    const seen: { shard?: unknown; req?: ActionRequest } = {};
    const exits: number[] = [];
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const p = program({
      actions: (deps) => {
        seen.shard = deps.shard;
        started();
        return { collect: async (req) => ((seen.req = req), { status: 'complete' }) };
      },
      exit: (c) => exits.push(c),
    });
    const before = process.listenerCount('SIGTERM');
    const running = p.parseAsync(['node', 'evidence-locker', '--config', file, '--log-level', 'silent', 'daemon', '--shard', '2/3']);
    await isStarted;
    await new Promise((r) => setTimeout(r, 0));
    await waitUntil(() => process.listenerCount('SIGTERM') > before);
    expect(seen.shard).toEqual({ index: 2, count: 3 });
    process.emit('SIGTERM');
    await running;
    expect(process.exitCode).toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    process.exitCode = undefined;
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not reached');
}
