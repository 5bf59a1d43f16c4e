import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log/logger.js';
import { ConfigError } from '../errors.js';

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export function commandContext(opts: GlobalOptions): { config: Config; log: Logger } {
  const config = loadConfig(opts.config);
  const log = createLogger({ level: opts.logLevel ?? process.env.LOG_LEVEL ?? config.log.level });
  return { config, log };
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

/** `--shard 2/4` -> { index: 2, count: 4 }. */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 1000) {
    throw new ConfigError(`--shard: "${value}" is not a shard like 1/4 (index from 1 to count, count at most 1000)`);
  }
  return { index, count };
}
