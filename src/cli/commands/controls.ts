import { loadProcedureMap } from '../../controls/procedures.js';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import { ALL_QUERIES } from '../../queries/index.js';
import {
  REFERENCE_IDS,
  checkParameterOverrides,
  coverageTable,
  effectiveParameters,
  findCatalog,
  formatProblem,
  loadCatalog,
  loadCatalogs,
  validateCatalogs,
  type CoverageTable,
  type KnownQueries,
  type KnownQuery,
  type LoadedCatalog,
  type ParameterOverrides,
} from '../../controls/load.js';
import { COVERAGE_LABELS, type Catalog } from '../../controls/schema.js';
import type { QueryParameters } from '../../queries/types.js';
import { listOption, type GlobalOptions } from '../shared.js';

/** Where command output goes (stdout by default; tests capture it). */
export interface ControlsOutput {
  out(text: string): void;
}

interface CatalogSourceOptions extends GlobalOptions {
  catalogDir?: string[];
}

/** The `controls list --format json` element: one requirement as tools and auditors consume it. */
export interface RequirementListing {
  id: string;
  title: string;
  coverage: string;
  queries: string[];
  testingProcedures: string[];
  /** Catalog defaults with configuration overrides applied. */
  parameters: QueryParameters;
  principal: string;
  implementation: 'required' | 'addressable' | null;
}

const defaultOutput: ControlsOutput = { out: (text) => void process.stdout.write(text) };

function catalogSources(opts: CatalogSourceOptions): { catalogs: LoadedCatalog[]; overrides: Record<string, Record<string, Record<string, unknown>>> } {
  const config = loadConfig(opts.config);
  const catalogs = loadCatalogs([...config.catalogDirs, ...(opts.catalogDir ?? [])]);
  return { catalogs, overrides: config.parameters };
}

/** The registered evidence queries, with the parameter names each accepts. */
export function registeredQueries(): KnownQuery[] {
  return ALL_QUERIES.map((q) => ({ id: q.id, ...(q.parameters ? { parameters: q.parameters } : {}) }));
}

const TITLE_WIDTH = 72;

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`;
}

/** Plain aligned columns; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function listRequirements(catalog: Catalog, overrides: ParameterOverrides | undefined): RequirementListing[] {
  return catalog.requirements.map((r) => ({
    id: r.id,
    title: r.title,
    coverage: r.coverage,
    queries: [...r.queries],
    testingProcedures: [...r.testingProcedures],
    parameters: effectiveParameters(r, overrides, catalog.framework),
    principal: r.principal,
    implementation: r.implementation ?? null,
  }));
}

export function renderCoverage(table: CoverageTable, format: 'table' | 'json' | 'markdown'): string {
  if (format === 'json') return JSON.stringify(table, null, 2) + '\n';
  const header = ['principal', ...COVERAGE_LABELS, 'total', 'title'];
  const rows = table.rows.map((r) => [r.principal, ...COVERAGE_LABELS.map((l) => String(r.counts[l])), String(r.counts.total), r.title]);
  const totals = ['all', ...COVERAGE_LABELS.map((l) => String(table.totals[l])), String(table.totals.total), ''];
  if (format === 'markdown') {
    const md = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return (
      [
        `Coverage of ${table.framework}`,
        '',
        md(header),
        md(header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:'))),
        ...rows.map(md),
        md(totals.map((c, i) => (i === 0 ? '**all**' : c === '' ? '' : `**${c}**`))),
      ].join('\n') + '\n'
    );
  }
  return renderTable(header, [...rows, totals]);
}

function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`--format: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function summarize(catalog: LoadedCatalog): string {
  const table = coverageTable(catalog);
  const queries = new Set(catalog.requirements.flatMap((r) => r.queries));
  const labels = COVERAGE_LABELS.map((l) => `${l} ${table.totals[l]}`).join(', ');
  return `${catalog.framework} (${catalog.sourceFile}): ${catalog.requirements.length} requirements, ${catalog.principals.length} principals; ${labels}; ${queries.size} evidence queries mapped`;
}

/**
 * Registers `controls list|validate|coverage`. `knownQueries` defaults to the registered evidence queries
 * (src/queries/index.ts); output goes to stdout unless another sink is given.
 */
export function registerControlsCommand(
  program: Command,
  output: ControlsOutput = defaultOutput,
  knownQueries: () => KnownQueries = registeredQueries,
): void {
  const controls = program.command('controls').description('Inspect and check the control catalogs (PCI DSS v4.0.1, HIPAA Security Rule, custom)');
  const catalogDirOption = ['--catalog-dir <dir...>', 'extra catalog directory (in addition to the built-in one and config catalogDirs)'] as const;

  controls
    .command('list')
    .description('List the requirements of a framework with coverage, evidence queries, testing procedures and parameters')
    .requiredOption('--framework <id>', 'framework id, e.g. pci-dss-4.0.1 or hipaa-security')
    .option('--format <format>', 'table or json', 'table')
    .option(catalogDirOption[0], catalogDirOption[1], listOption)
    .action((opts: { framework: string; format?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<CatalogSourceOptions>();
      const format = parseFormat(opts.format, ['table', 'json'] as const, 'table');
      const { catalogs, overrides } = catalogSources(g);
      const catalog = findCatalog(catalogs, opts.framework);
      const listing = listRequirements(catalog, overrides);
      if (format === 'json') {
        output.out(JSON.stringify(listing, null, 2) + '\n');
        return;
      }
      output.out(
        renderTable(
          ['id', 'coverage', 'title', 'queries'],
          listing.map((r) => [r.id, r.coverage, truncate(r.title, TITLE_WIDTH), r.queries.join(', ') || '-']),
        ),
      );
    });

  controls
    .command('validate')
    .description('Check catalogs: schema, ids against the official lists, coverage labels, rationale and guidance, evidence query ids, unused queries, testing-procedure mappings, configuration parameter overrides')
    .option('--framework <id>', 'validate only this framework')
    .option('--catalog <file>', 'validate this catalog file (it replaces a loaded catalog with the same framework id)')
    .option(catalogDirOption[0], catalogDirOption[1], listOption)
    .addHelpText('after', '\nExit codes: 0 valid, 2 problems found (one line each, naming file, requirement and field).')
    .action((opts: { framework?: string; catalog?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<CatalogSourceOptions>();
      const { catalogs: loaded, overrides } = catalogSources(g);
      let all: LoadedCatalog[] = loaded;
      let targets: LoadedCatalog[];
      if (opts.catalog !== undefined) {
        const file = loadCatalog(opts.catalog);
        all = [...loaded.filter((c) => c.framework !== file.framework), file];
        targets = [file];
        if (opts.framework !== undefined && file.framework !== opts.framework) {
          throw new ConfigError(`${file.sourceFile}: framework is "${file.framework}", not "${opts.framework}" as given with --framework`);
        }
      } else {
        targets = opts.framework !== undefined ? [findCatalog(loaded, opts.framework)] : loaded;
      }
      const targetFiles = new Set(targets.map((c) => c.sourceFile));
      const problems = validateCatalogs(all, knownQueries(), REFERENCE_IDS).filter(
        (p) => p.code === 'unused-query' || targetFiles.has(p.file),
      );
      const lines = problems.map(formatProblem);
      // The testing-procedure mappings (controls/procedures/<framework>.yaml) must fit the catalog, once the catalog itself is valid.
      for (const c of lines.length ? [] : targets) {
        try {
          loadProcedureMap(c);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          lines.push(err.message);
        }
      }
      try {
        checkParameterOverrides(all, overrides, (id) => ALL_QUERIES.find((q) => q.id === id));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        lines.push(`configuration: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
      }
      if (lines.length > 0) {
        throw new ConfigError(
          lines.join('\n'),
          `${lines.length} problem${lines.length === 1 ? '' : 's'} found; fix each line above and run controls validate again`,
        );
      }
      output.out(targets.map(summarize).join('\n') + `\nvalid: ${targets.length} catalog${targets.length === 1 ? '' : 's'}, every known evidence query is mapped\n`);
    });

  controls
    .command('coverage')
    .description('Count requirements per coverage label for each top-level principal requirement')
    .requiredOption('--framework <id>', 'framework id')
    .option('--format <format>', 'table, json or markdown', 'table')
    .option(catalogDirOption[0], catalogDirOption[1], listOption)
    .action((opts: { framework: string; format?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<CatalogSourceOptions>();
      const format = parseFormat(opts.format, ['table', 'json', 'markdown'] as const, 'table');
      const { catalogs } = catalogSources(g);
      output.out(renderCoverage(coverageTable(findCatalog(catalogs, opts.framework)), format));
    });

  for (const c of controls.commands) c.exitOverride();
  controls.exitOverride();
}
