import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError } from '../errors.js';

export const ENV_PREFIX = 'EVIDENCE_LOCKER_';
export const DEFAULT_CONFIG_FILE = 'evidence-locker.yaml';

/** `LOOKBACK_HOURS` -> `lookbackHours`. */
function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Env values are JSON when they parse as JSON (numbers, booleans, arrays, objects), plain strings otherwise. */
function envValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Applies `EVIDENCE_LOCKER_<SECTION>__<FIELD>=value` overrides (12-factor, for ECS task definitions):
 * `__` separates nesting levels, `_` inside a segment becomes camelCase. Values are read as JSON when they parse,
 * and kept as text where the schema wants text (see retypeRefusedOverridesAsText).
 * Example: EVIDENCE_LOCKER_STORE__BUCKET=audit-evidence, EVIDENCE_LOCKER_COLLECT__LOOKBACK_HOURS=48.
 */
export function applyEnvOverrides(base: Record<string, unknown>, env: NodeJS.ProcessEnv): { merged: Record<string, unknown>; applied: string[]; overrides: EnvOverride[] } {
  const merged = structuredClone(base);
  const applied: string[] = [];
  const overrides: EnvOverride[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === `${ENV_PREFIX}CONFIG`) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').filter(Boolean).map(camel);
    if (path.length === 0) continue;
    let node: Record<string, unknown> = merged;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = envValue(raw);
    applied.push(name);
    overrides.push({ name, path, raw, value: node[path[path.length - 1]] });
  }
  return { merged, applied, overrides };
}

/** One environment override: the variable, the config path it sets, its text and the value read from it. */
export interface EnvOverride {
  name: string;
  path: string[];
  raw: string;
  value: unknown;
}

/**
 * An override whose text reads as a JSON number, boolean or null (`EVIDENCE_LOCKER_ACCOUNTS__EXTERNAL_ID=123456`, an
 * all-digit bucket name) is put back as the text it was written as wherever the schema refused the parsed value, so the
 * schema, not the look of the text, decides its type. Returns whether anything changed.
 */
function retypeRefusedOverridesAsText(merged: Record<string, unknown>, overrides: EnvOverride[], issues: readonly z.core.$ZodIssue[]): boolean {
  let changed = false;
  for (const o of overrides) {
    if (typeof o.value === 'string' || (o.value !== null && typeof o.value === 'object')) continue;
    if (!issues.some((i) => i.path.length === o.path.length && i.path.every((p, n) => String(p) === o.path[n]))) continue;
    let node = merged;
    for (const key of o.path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[o.path[o.path.length - 1]] = o.raw;
    changed = true;
  }
  return changed;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : '(top level)';
  return `${path}: ${issue.message}`;
}

/**
 * Loads the one YAML config: from `path`, else $EVIDENCE_LOCKER_CONFIG, else ./evidence-locker.yaml if present,
 * else the embedded defaults (current account, us-east-1, local store). Environment overrides apply last.
 */
export function loadConfig(path?: string, env: NodeJS.ProcessEnv = process.env): Config {
  const file = path ?? env[`${ENV_PREFIX}CONFIG`] ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let raw: Record<string, unknown> = {};
  const source = file ? resolve(file) : 'embedded defaults';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check the path given with --config or EVIDENCE_LOCKER_CONFIG');
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      const e = err as YAMLParseError;
      const where = e.linePos?.[0] ? ` line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      throw new ConfigError(`${file}:${where}: not valid YAML: ${e.message.split('\n')[0]}`, 'fix the YAML syntax at that position');
    }
    if (parsed === null || parsed === undefined) parsed = {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: the configuration must be a YAML mapping of settings, not a ${Array.isArray(parsed) ? 'list' : typeof parsed}`);
    }
    raw = parsed as Record<string, unknown>;
  }
  const { merged, applied, overrides } = applyEnvOverrides(raw, env);
  let result = ConfigSchema.safeParse(merged);
  if (!result.success && retypeRefusedOverridesAsText(merged, overrides, result.error.issues)) result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const fromEnv = applied.length ? ` (environment overrides applied: ${applied.join(', ')})` : '';
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
    throw new ConfigError(`${source}: ${describeIssue(issue)}${more}${fromEnv}`, 'see the configuration reference in README.md');
  }
  return result.data;
}
