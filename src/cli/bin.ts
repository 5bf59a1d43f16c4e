#!/usr/bin/env node
import { ExitCode } from '../errors.js';
import { scrubSecrets } from '../log/logger.js';
import { main } from './main.js';
import { silenceSdkNodeVersionWarning } from './sdk-warning.js';

silenceSdkNodeVersionWarning();

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`evidence-locker: unhandled rejection: ${scrubSecrets(String((reason as Error)?.stack ?? reason))}\n`);
  process.exit(ExitCode.failure);
});

process.exitCode = await main(process.argv);
