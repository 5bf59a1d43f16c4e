#!/usr/bin/env node
import { ExitCode } from '../errors.js';
import { scrubSecrets } from '../log/logger.js';
import { main } from './main.js';

// The SDK warns on every Node 20 start that its 2027 releases need Node 22; our production image runs Node 24
// and the README says so, so that one notice is not repeated on every command.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : `${warning.name} ${warning.message}`;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (/NodeVersionSupportWarning/.test(`${text} ${type ?? ''}`)) return;
  (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`evidence-locker: unhandled rejection: ${scrubSecrets(String((reason as Error)?.stack ?? reason))}\n`);
  process.exit(ExitCode.failure);
});

process.exitCode = await main(process.argv);
