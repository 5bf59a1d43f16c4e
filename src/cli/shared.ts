import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log/logger.js';
import { ConfigError } from '../errors.js';
import { MAX_SHARD_COUNT } from '../evidence/manifest.js';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { loadCredentialProviders } from '../aws/sdk.js';

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export function commandContext(opts: GlobalOptions): { config: Config; log: Logger } {
  const config = loadConfig(opts.config);
  if (opts.logLevel === undefined && process.env.LOG_LEVEL !== undefined) checkLogLevel('LOG_LEVEL', process.env.LOG_LEVEL);
  const log = createLogger({ level: opts.logLevel ?? process.env.LOG_LEVEL ?? config.log.level });
  return { config, log };
}

/** The levels of the JSON logs (pino's), the same list the configuration's log.level accepts. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function checkLogLevel(where: string, value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new ConfigError(`${where}: "${value}" is not a log level`, `use one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

/** `--log-level <level>`: refused at parse time, before any command does anything. */
export function logLevelOption(value: string): string {
  return checkLogLevel('--log-level', value);
}

/**
 * Refuses an output folder that cannot take new files, before anything is built or written: a path that exists as a
 * file, or a folder (or, for a folder still to be created, its nearest existing parent) this user cannot write to.
 */
export function checkOutputFolder(option: string, path: string): void {
  const abs = resolve(path);
  let existing = abs;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(existing).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a parent is a file; walking up finds it and names it below.
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(existing) === existing) throw new ConfigError(`${option} ${path}: cannot use this folder (${code ?? String(err)})`, 'give a folder this user can create and write to');
      existing = dirname(existing);
      continue;
    }
    if (!isDir) {
      throw new ConfigError(
        existing === abs ? `${option} ${path}: exists and is a file, not a folder` : `${option} ${path}: ${existing} is a file, so the folder cannot be created`,
        'give a folder (it is created if missing) for the output',
      );
    }
    break;
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(
      existing === abs ? `${option} ${path}: the folder is not writable by this user` : `${option} ${path}: cannot create it, ${existing} is not writable by this user`,
      'give a folder this user can write to, or change its permissions',
    );
  }
}

/** `a,b c` -> ['a','b','c'] (options may be repeated or comma separated). */
export function listOption(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(/[\s,]+/).filter(Boolean)];
}

export function accountIdsOption(value: string, previous: string[] = []): string[] {
  const ids = listOption(value);
  for (const id of ids) if (!/^\d{12}$/.test(id)) throw new ConfigError(`--accounts: "${id}" is not a 12-digit AWS account id`);
  return [...previous, ...ids];
}

/** `90m`, `2h`, `1d`, `3600` or `3600s` -> milliseconds, or undefined if it is not such a duration. */
function durationMs(value: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * ({ s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[(m[2] || 's').toLowerCase()];
}

/** `--max-seal-delay 90m` (also `2h`, `1d`, `3600s`) -> milliseconds; at least one minute (a seal itself takes seconds to minutes). */
export function sealDelayOption(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new ConfigError(`--max-seal-delay: "${value}" is not a duration like 90m, 2h or 1d`, 'give how long after its completion a run may reach the store, e.g. --max-seal-delay 2h');
  if (ms < 60_000) throw new ConfigError(`--max-seal-delay ${value}: less than one minute, which would name runs sealed as usual`, 'give at least 1m; the default, 1h, covers the largest seal');
  return ms;
}

/** `--max-run-span 12h` (also `90m`, `1d`, `3600s`) -> milliseconds; at least one minute (a run takes seconds to hours). */
export function runSpanOption(value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new ConfigError(`--max-run-span: "${value}" is not a duration like 90m, 12h or 1d`, 'give the most time a run may state it took, from its start to its completion, e.g. --max-run-span 12h');
  if (ms < 60_000) throw new ConfigError(`--max-run-span ${value}: less than one minute, which would name runs collected as usual`, 'give at least 1m; the default, 1d, covers the largest collection');
  return ms;
}

/** `--shard 2/4` -> { index: 2, count: 4 }. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > MAX_SHARD_COUNT) {
    throw new ConfigError(`--shard: "${value}" is not a shard like 1/4 (index from 1 to count, count at most ${MAX_SHARD_COUNT})`);
  }
  return { index, count };
}

/**
 * Credentials of an IAM role to assume (`--role-arn`) for the store and the signing key, or undefined for the shell's
 * own. `example`: a role name for the error's example.
 */
export async function roleCredentials(roleArn: string | undefined, sessionName: string, example: string): Promise<AwsCredentialIdentityProvider | undefined> {
  if (!roleArn) return undefined;
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(roleArn)) throw new ConfigError(`--role-arn ${roleArn}: not an IAM role ARN`, `e.g. --role-arn arn:aws:iam::111122223333:role/${example}`);
  const { fromTemporaryCredentials } = await loadCredentialProviders();
  return fromTemporaryCredentials({ params: { RoleArn: roleArn, RoleSessionName: sessionName } });
}

/**
 * "N evidence records", and the records of organisation-wide reads (delegated-admin) apart: those are how members'
 * records were obtained, not evidence of any requirement. `records` counts both.
 */
export function recordCountWords(records: number, readRecords: number, unit = 'evidence records'): string {
  return `${records - readRecords} ${unit}${readRecords ? ` and ${readRecords} organisation-wide read record${readRecords === 1 ? '' : 's'}` : ''}`;
}
