import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { CatalogSchema, type Catalog } from './schema.js';

export { validateCatalog, validateCatalogs, formatProblem, FRAMEWORK_ID_PATTERNS } from './validate.js';
export type { CatalogProblem, KnownQueries, KnownQuery, ReferenceIdList, ProblemCode } from './validate.js';
export { coverageTable, topLevelPrincipal } from './coverage.js';
export type { CoverageTable, CoverageRow, CoverageCounts } from './coverage.js';
export { effectiveParameters, checkParameterOverrides } from './parameters.js';
export type { ParameterOverrides } from './parameters.js';
export { REFERENCE_IDS } from './reference-ids.js';

/** A parsed, schema-valid catalog and the file it came from (`sourceFile` is not enumerable, so the catalog still serializes as the schema shape). */
export type LoadedCatalog = Catalog & { readonly sourceFile: string };

const PACKAGE_NAME = 'evidence-locker';

/**
 * The built-in `controls/` directory, found by walking up from this module to the package root,
 * so it works from `src/controls` (tsx, vitest) and from `dist/src/controls` (installed package).
 */
export function builtInCatalogDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'controls'))) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return join(dir, 'controls');
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new ConfigError(
        `built-in control catalogs not found: no ${PACKAGE_NAME} package root with a controls/ directory above ${dirname(fileURLToPath(import.meta.url))}`,
        'reinstall the package; the published package must include the controls/ directory',
      );
    }
    dir = parent;
  }
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** `requirements[12] (id 3.5.1): coverage` from a zod issue path. */
function locate(root: unknown, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let current = '';
  path.forEach((key, i) => {
    if (typeof key === 'number') {
      current += `[${key}]`;
      const item = valueAt(root, path.slice(0, i + 1));
      const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      if (typeof id === 'string' || typeof id === 'number') current += ` (id ${String(id)})`;
    } else {
      if (current !== '') parts.push(current);
      current = String(key);
    }
  });
  if (current !== '') parts.push(current);
  return parts.join(': ');
}

function issueMessage(issue: z.core.$ZodIssue, actual: unknown): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}, found ${describe(actual)}`;
    case 'invalid_type': {
      if (actual === undefined) return `required field is missing (expected ${issue.expected})`;
      const quoteHint =
        issue.expected === 'string' && typeof actual === 'number'
          ? '; YAML read it as a number, so quote it (for example "12.10", which unquoted becomes 12.1)'
          : '';
      return `expected ${issue.expected}, found ${describe(actual)}${quoteHint}`;
    }
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') return `must be at least ${String(issue.minimum)} characters`;
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
      return issue.message;
    case 'invalid_format':
      return `${describe(actual)} does not have the required format${'pattern' in issue && issue.pattern ? ` ${String(issue.pattern)}` : ''}`;
    default:
      return issue.message;
  }
}

/**
 * A value several shapes accept (appliesTo: one entity type or a list of them) is reported by the problem of the shape
 * it comes closest to (a string that is no known entity type, an unknown entry of a list), not zod's "Invalid input";
 * a value of none of the shapes' types keeps zod's message.
 */
function closestIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !('errors' in issue)) return issue;
  const rank = (errs: readonly z.core.$ZodIssue[]) => Math.max(...errs.map((e) => e.path.length * 10 + (e.code === 'invalid_type' ? 0 : e.code === 'invalid_value' ? 1 : 2)));
  const best = issue.errors.filter((errs) => errs.length > 0).sort((a, b) => rank(b) - rank(a))[0];
  if (!best || rank(best) === 0) return issue;
  return closestIssue({ ...best[0], path: [...issue.path, ...best[0].path] } as z.core.$ZodIssue);
}

const MAX_REPORTED_ISSUES = 25;

/** Parses catalog YAML text; errors name the file and, for schema errors, the requirement id and field. */
export function parseCatalog(text: string, file: string): LoadedCatalog {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.slice(0, MAX_REPORTED_ISSUES).map((e) => {
      const pos = e.linePos?.[0];
      return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(lines.join('\n'), 'fix the YAML syntax at the position shown');
  }
  const raw: unknown = doc.toJS();
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const lines = issues.slice(0, MAX_REPORTED_ISSUES).map((reported) => {
      const issue = closestIssue(reported);
      const unknownKeys = issue.code === 'unrecognized_keys';
      const location = locate(raw, issue.path);
      const actual = valueAt(raw, issue.path);
      return `${file}: ${location === '' ? (unknownKeys ? '(top level)' : 'catalog') : location}: ${issueMessage(issue, actual)}`;
    });
    if (issues.length > MAX_REPORTED_ISSUES) lines.push(`${file}: … and ${issues.length - MAX_REPORTED_ISSUES} more problems`);
    throw new ConfigError(lines.join('\n'), 'the catalog does not match the catalog schema (src/controls/schema.ts)');
  }
  const catalog = parsed.data as LoadedCatalog;
  Object.defineProperty(catalog, 'sourceFile', { value: file, enumerable: false });
  return catalog;
}

/** Reads and parses one catalog file. */
export function loadCatalog(path: string): LoadedCatalog {
  const file = displayPath(resolve(path));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${file}: cannot read catalog (${code})`, 'check the path given with --catalog or in catalogDirs');
  }
  return parseCatalog(text, file);
}

function catalogFilesIn(dir: string, field: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(`${field}: catalog directory "${dir}" does not exist or is not a directory`, 'fix the directory path or remove it');
  }
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Loads the built-in catalogs plus every `*.yaml`/`*.yml` file in `dirs` (config `catalogDirs`).
 * Two catalogs claiming the same framework id is an error naming both files.
 */
export function loadCatalogs(dirs: readonly string[] = [], opts: { builtIn?: boolean } = {}): LoadedCatalog[] {
  const files: string[] = [];
  if (opts.builtIn !== false) files.push(...catalogFilesIn(builtInCatalogDir(), 'built-in controls/'));
  dirs.forEach((dir, i) => files.push(...catalogFilesIn(resolve(dir), `catalogDirs[${i}]`)));
  const catalogs: LoadedCatalog[] = [];
  for (const path of files) {
    const catalog = loadCatalog(path);
    const clash = catalogs.find((c) => c.framework === catalog.framework);
    if (clash) {
      throw new ConfigError(
        `${catalog.sourceFile}: framework "${catalog.framework}" is already defined by ${clash.sourceFile}`,
        'give the catalog a distinct framework id, or remove one of the files',
      );
    }
    catalogs.push(catalog);
  }
  return catalogs;
}

/** The catalog for a framework id, or a ConfigError listing the known ids. */
export function findCatalog<T extends Catalog>(catalogs: readonly T[], frameworkId: string): T {
  const found = catalogs.find((c) => c.framework === frameworkId);
  if (found === undefined) {
    const known = catalogs.map((c) => c.framework).sort();
    throw new ConfigError(
      `unknown framework "${frameworkId}"; known frameworks: ${known.length > 0 ? known.join(', ') : 'none loaded'}`,
      'use one of the known framework ids, or add a catalog file for it to catalogDirs',
    );
  }
  return found;
}
