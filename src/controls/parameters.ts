import { ConfigError } from '../errors.js';
import type { ParameterSpec, QueryParameters } from '../queries/types.js';
import type { Catalog, Requirement } from './schema.js';

type ParameterValue = QueryParameters[string];

/** `config.parameters`: `{ "<framework>": { "<requirement>": { "<param>": value } } }`. */
export type ParameterOverrides = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return v.every((x) => typeof x === 'string') ? 'list of strings' : 'list';
  return typeof v;
}

function coerce(where: string, name: string, fallback: ParameterValue, value: unknown): ParameterValue {
  const expected = kindOf(fallback);
  if (kindOf(value) !== expected) {
    throw new ConfigError(
      `${where}.${name}: expected a ${expected} like the catalog default (${JSON.stringify(fallback)}), got ${JSON.stringify(value)}`,
      'fix the value in the configuration file or the matching environment variable',
    );
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ConfigError(`${where}.${name}: expected a finite number, got ${String(value)}`);
  }
  return value as ParameterValue;
}

/**
 * Catalog defaults for one requirement merged with configuration overrides.
 * Call with the whole `config.parameters` tree and the framework id, or with the requirement's own override map
 * (`config.parameters[framework][requirement.id]`). Unknown parameter names and values of the wrong type are
 * rejected with a ConfigError naming the configuration path.
 */
export function effectiveParameters(requirement: Requirement, configOverrides: ParameterOverrides | undefined, framework: string): QueryParameters;
export function effectiveParameters(requirement: Requirement, requirementOverrides?: Readonly<Record<string, unknown>>): QueryParameters;
export function effectiveParameters(
  requirement: Requirement,
  overrides?: ParameterOverrides | Readonly<Record<string, unknown>>,
  framework?: string,
): QueryParameters {
  const own: Readonly<Record<string, unknown>> | undefined =
    framework === undefined ? overrides : (overrides as ParameterOverrides | undefined)?.[framework]?.[requirement.id];
  const where = `parameters.${framework ?? '<framework>'}.${requirement.id}`;
  const merged: QueryParameters = { ...requirement.parameters };
  for (const [name, value] of Object.entries(own ?? {})) {
    const fallback = requirement.parameters[name];
    if (fallback === undefined) {
      const accepted = Object.keys(requirement.parameters);
      throw new ConfigError(
        `${where}.${name}: requirement ${requirement.id} has no parameter "${name}"`,
        accepted.length > 0 ? `parameters it accepts: ${accepted.join(', ')}` : `requirement ${requirement.id} takes no parameters; remove the override`,
      );
    }
    merged[name] = coerce(where, name, fallback, value);
  }
  return merged;
}

/** The parameter declarations of a query, by its id (the registry's `queryById`). */
export type QueryParameterLookup = (queryId: string) => { parameters?: Readonly<Record<string, ParameterSpec>> } | undefined;

/**
 * The queries' own checks of the values a requirement gives them: each parameter value (the catalog's, with the
 * configuration's override on top) is handed to the `check` of every query the requirement cites that declares it.
 */
function checkValuesForQueries(requirement: Requirement, values: QueryParameters, where: string, queryOf: QueryParameterLookup, source: (name: string) => string): void {
  for (const [name, value] of Object.entries(values)) {
    for (const queryId of requirement.queries) {
      const problem = queryOf(queryId)?.parameters?.[name]?.check?.(value);
      if (problem) {
        throw new ConfigError(`${where}.${name}: ${JSON.stringify(value)} cannot be used by ${queryId}: ${problem}`, `fix the value in ${source(name)}`);
      }
    }
  }
}

/**
 * Checks a whole `config.parameters` tree against the loaded catalogs so a typo fails at start-up, not mid-run:
 * every framework, requirement and parameter named must exist and every value must have the default's type. With
 * `queryOf`, every value a requirement gives its queries (the catalog's and the override's) must also pass the query's
 * own check of it (a port list that names no port, a prefix length out of range).
 */
export function checkParameterOverrides(catalogs: readonly Catalog[], overrides: ParameterOverrides | undefined, queryOf?: QueryParameterLookup): void {
  for (const [framework, byRequirement] of Object.entries(overrides ?? {})) {
    const catalog = catalogs.find((c) => c.framework === framework);
    if (catalog === undefined) {
      throw new ConfigError(
        `parameters.${framework}: no loaded catalog has framework id "${framework}"`,
        `known frameworks: ${catalogs.map((c) => c.framework).join(', ') || 'none'}`,
      );
    }
    for (const requirementId of Object.keys(byRequirement ?? {})) {
      const requirement = catalog.requirements.find((r) => r.id === requirementId);
      if (requirement === undefined) {
        throw new ConfigError(
          `parameters.${framework}.${requirementId}: ${framework} has no requirement "${requirementId}"`,
          `requirements with parameters: ${catalog.requirements.filter((r) => Object.keys(r.parameters).length > 0).map((r) => r.id).join(', ') || 'none'}`,
        );
      }
      effectiveParameters(requirement, overrides, framework);
    }
  }
  if (queryOf) {
    for (const catalog of catalogs) {
      for (const requirement of catalog.requirements) {
        if (Object.keys(requirement.parameters).length === 0) continue;
        const own = overrides?.[catalog.framework]?.[requirement.id] ?? {};
        // The overrides' names and types were checked above.
        const values = { ...requirement.parameters, ...own } as QueryParameters;
        checkValuesForQueries(requirement, values, `parameters.${catalog.framework}.${requirement.id}`, queryOf, (name) =>
          name in own ? 'the configuration file (or the matching environment variable)' : `the catalog of ${catalog.framework} (requirement ${requirement.id})`,
        );
      }
    }
  }
}
