import { Command } from 'commander';
import { vi } from 'vitest';
import { registerPackageCommands } from '../../src/cli/commands/package.js';
import { reportError } from '../../src/cli/main.js';

/** Runs one package/verify/attest/share command line the way bin.ts does: exit code and captured output. */
export async function runPackageCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().option('-c, --config <file>').option('--log-level <level>').exitOverride();
  registerPackageCommands(program);
  for (const c of program.commands) c.exitOverride();
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(['node', 'evidence-locker', ...args]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    code = reportError(error);
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
  return { code, out, err };
}
