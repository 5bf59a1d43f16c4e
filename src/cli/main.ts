import { Command, CommanderError } from 'commander';
import { EvidenceLockerError, ExitCode } from '../errors.js';
import { scrubSecrets } from '../log/logger.js';
import { terminalLine } from '../log/terminal.js';
import { TOOL_VERSION } from '../version.js';
import { logLevelOption } from './shared.js';
import { registerCollectCommand } from './commands/collect.js';
import { registerBackfillCommand } from './commands/backfill.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerControlsCommand } from './commands/controls.js';
import { registerPackageCommands } from './commands/package.js';
import { registerStoreCommands } from './commands/store.js';
import { registerDaemonCommand } from './commands/daemon.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('evidence-locker')
    .description('Collects PCI DSS v4.0.1 and HIPAA Security Rule evidence from AWS into a write-once store and builds auditor packages that verify offline.')
    .version(TOOL_VERSION)
    .option('-c, --config <file>', 'YAML configuration file (default: $EVIDENCE_LOCKER_CONFIG, ./evidence-locker.yaml, or embedded defaults)')
    .option('--log-level <level>', 'log level for the JSON logs on stderr (trace, debug, info, warn, error, fatal, silent)', logLevelOption)
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerCollectCommand(program);
  registerBackfillCommand(program);
  registerPackageCommands(program);
  registerControlsCommand(program);
  registerStoreCommands(program);
  registerDaemonCommand(program);
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

/** File-system errors an operator can act on, by their Node error code. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (err instanceof EvidenceLockerError) {
    // One line each: a message names files, keys and entries read from a package or a store, whose names anyone may choose.
    process.stderr.write(`evidence-locker: error: ${terminalLine(scrubSecrets(err.message))}\n`);
    if (err.hint) process.stderr.write(`  what to do: ${terminalLine(scrubSecrets(err.hint))}\n`);
    return err.exitCode;
  }
  const sys = err as NodeJS.ErrnoException;
  if (typeof sys?.code === 'string' && typeof sys.syscall === 'string' && SYSTEM_ERRORS[sys.code]) {
    // A file-system failure (full disk, read-only volume) is the operator's to fix, not a bug: one line, no stack.
    process.stderr.write(`evidence-locker: error: ${scrubSecrets(sys.path ?? sys.syscall)}: ${SYSTEM_ERRORS[sys.code]} (${sys.code})\n`);
    process.stderr.write('  what to do: free space or give a path this user can write to, then run the command again\n');
    return ExitCode.failure;
  }
  const e = err as Error;
  process.stderr.write(`evidence-locker: unexpected error: ${scrubSecrets(e?.stack ?? String(err))}\n`);
  return ExitCode.failure;
}

