import { ConfigError } from '../errors.js';
import { ENTITY_DECLARATIONS } from '../queries/parameter-source.js';
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

/** One value the configuration gives a requirement, and the requirements under which the configuration file sets it. */
export interface RequirementOverride {
  value: unknown;
  /** The requirement ids whose configuration entry sets it: the requirement itself, or for an entity declaration set elsewhere, those. */
  setUnder: string[];
}

/**
 * The values the configuration gives one requirement of a framework: its own overrides, and each entity declaration
 * (ENTITY_DECLARATIONS) its catalog entry takes that the configuration sets under another requirement of the framework
 * (a declaration is made once for the entity and reaches every requirement that takes it). Conflicting declarations are
 * refused by checkParameterOverrides; here the first value set wins.
 */
export function requirementOverrides(requirement: Requirement, overrides: ParameterOverrides | undefined, framework: string): Map<string, RequirementOverride> {
  const byRequirement = overrides?.[framework] ?? {};
  const out = new Map<string, RequirementOverride>(Object.entries(byRequirement[requirement.id] ?? {}).map(([name, value]) => [name, { value, setUnder: [requirement.id] }]));
  for (const name of Object.keys(requirement.parameters)) {
    if (out.has(name) || !ENTITY_DECLARATIONS.has(name)) continue;
    const setUnder = Object.keys(byRequirement).filter((id) => byRequirement[id] && name in byRequirement[id]);
    if (setUnder.length) out.set(name, { value: byRequirement[setUnder[0]][name], setUnder });
  }
  return out;
}

/** The configuration field(s) that set a requirement's value, as reports name them. */
export function overrideSourceText(framework: string, requirementId: string, name: string, o: RequirementOverride): string {
  const paths = o.setUnder.map((id) => `parameters.${framework}."${id}".${name}`).join(' and ');
  return o.setUnder.includes(requirementId) ? paths : `${paths}: an entity declaration, which applies to every ${framework} requirement taking ${name}, ${requirementId} among them`;
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
    framework === undefined
      ? overrides
      : Object.fromEntries([...requirementOverrides(requirement, overrides as ParameterOverrides | undefined, framework)].map(([n, o]) => [n, o.value]));
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
    // An entity declaration has one value per framework: it reaches every requirement taking it.
    const declared = new Map<string, [string, unknown]>();
    for (const [requirementId, own] of Object.entries(byRequirement ?? {})) {
      for (const [name, value] of Object.entries(own ?? {})) {
        if (!ENTITY_DECLARATIONS.has(name)) continue;
        const first = declared.get(name);
        if (!first) declared.set(name, [requirementId, value]);
        else if (!sameDeclaration(first[1], value)) {
          throw new ConfigError(
            `parameters.${framework}."${requirementId}".${name}: ${JSON.stringify(value)} contradicts parameters.${framework}."${first[0]}".${name}: ${JSON.stringify(first[1])}`,
            `${name} is a declaration about the entity, not a threshold of one requirement: set it once (it applies to every ${framework} requirement that takes it)`,
          );
        }
      }
    }
  }
  if (queryOf) {
    for (const catalog of catalogs) {
      for (const requirement of catalog.requirements) {
        if (Object.keys(requirement.parameters).length === 0) continue;
        const own = Object.fromEntries([...requirementOverrides(requirement, overrides, catalog.framework)].map(([n, o]) => [n, o.value]));
        // The overrides' names and types were checked above.
        const values = { ...requirement.parameters, ...own } as QueryParameters;
        checkValuesForQueries(requirement, values, `parameters.${catalog.framework}.${requirement.id}`, queryOf, (name) =>
          name in own ? 'the configuration file (or the matching environment variable)' : `the catalog of ${catalog.framework} (requirement ${requirement.id})`,
        );
      }
    }
  }
}

/** One catalog parameter whose effective value (the configuration's override) differs from the catalog's. */
export interface ParameterOverride {
  framework: string;
  requirement: string;
  /** The requirement's queries that take the parameter (its value changes what they judge). */
  queries: string[];
  parameter: string;
  catalogDefault: ParameterValue;
  effective: ParameterValue;
  /** The configuration field that set it (the configuration file, or its EVIDENCE_LOCKER_PARAMETERS__ variable). */
  source: string;
  /** The catalog's parameterBasis says the requirement's own text fixes the value. */
  requirementFixes: boolean;
  /**
   * `looser` / `tighter`: the value moved the way that makes the checks easier / harder to pass (the queries' `looser`);
   * `changed`: the direction is unknown (not a number, or the queries do not say or disagree).
   */
  direction: 'looser' | 'tighter' | 'changed';
  /** A value the requirement fixes, made looser or changed in an unknown direction: the passes it decides need review. */
  loosensRequirement: boolean;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Two values of one entity declaration say the same: equal, or lists naming the same entries (order and repeats aside). */
function sameDeclaration(a: unknown, b: unknown): boolean {
  const entries = (v: unknown[]) => JSON.stringify([...new Set(v.map((x) => JSON.stringify(x)))].sort());
  return Array.isArray(a) && Array.isArray(b) ? entries(a) === entries(b) : sameValue(a, b);
}

/** Which way a change of a parameter moves the checks of `queries` (their ParameterSpec `looser`). */
function directionOf(name: string, from: ParameterValue, to: ParameterValue, queries: string[], queryOf: QueryParameterLookup): ParameterOverride['direction'] {
  if (typeof from !== 'number' || typeof to !== 'number') return 'changed';
  const ways = new Set(queries.map((q) => queryOf(q)?.parameters?.[name]?.looser));
  if (ways.size !== 1) return 'changed';
  const way = [...ways][0];
  if (way === undefined) return 'changed';
  return (way === 'lower' ? to < from : to > from) ? 'looser' : 'tighter';
}

/**
 * Every parameter of the given frameworks' requirements whose value the configuration changes from the catalog's
 * (overrides equal to the catalog value are not changes), in catalog order. Names and types must have been checked
 * (checkParameterOverrides).
 */
export function parameterOverrideList(catalogs: readonly Catalog[], frameworks: readonly string[], overrides: ParameterOverrides | undefined, queryOf: QueryParameterLookup): ParameterOverride[] {
  const list: ParameterOverride[] = [];
  for (const framework of frameworks) {
    const catalog = catalogs.find((c) => c.framework === framework);
    if (!catalog || !overrides?.[framework]) continue;
    for (const requirement of catalog.requirements) {
      const own = requirementOverrides(requirement, overrides, framework);
      if (!own.size) continue;
      for (const [parameter, catalogDefault] of Object.entries(requirement.parameters)) {
        const set = own.get(parameter);
        if (!set || sameValue(set.value, catalogDefault)) continue;
        const effective = set.value as ParameterValue;
        const queries = requirement.queries.filter((q) => queryOf(q)?.parameters?.[parameter] !== undefined);
        const requirementFixes = requirement.parameterBasis?.[parameter]?.source === 'requirement';
        const direction = directionOf(parameter, catalogDefault, effective, queries, queryOf);
        list.push({
          framework,
          requirement: requirement.id,
          queries,
          parameter,
          catalogDefault,
          effective,
          source: `configuration ${overrideSourceText(framework, requirement.id, parameter, set)}`,
          requirementFixes,
          direction,
          loosensRequirement: requirementFixes && direction !== 'tighter',
        });
      }
    }
  }
  return list;
}

/** A parameter value as the report prints it. */
export function parameterText(v: unknown): string {
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** What a result resting on a loosened value the requirement fixes says about it. */
export function loosenedText(o: ParameterOverride): string {
  const how = o.direction === 'looser' ? 'threshold loosened' : 'value changed';
  return `${how} by configuration from ${parameterText(o.catalogDefault)} to ${parameterText(o.effective)} (${o.source}); the requirement fixes ${parameterText(o.catalogDefault)}`;
}

/** What a changed parameter does to the results, as the report's table of changed parameters says it. */
export function overrideEffect(o: Pick<ParameterOverride, 'loosensRequirement' | 'requirementFixes' | 'direction'>): string {
  if (o.loosensRequirement) {
    return o.direction === 'looser'
      ? "loosens the value the requirement's text fixes: the passes it decides are shown as needs review"
      : "changes the value the requirement's text fixes (which way is not known): the passes it decides are shown as needs review";
  }
  if (o.requirementFixes) return "tightens the value the requirement's text fixes: results stand, judged with the configured value";
  const way = o.direction === 'looser' ? 'loosened' : o.direction === 'tighter' ? 'tightened' : 'changed';
  return `${way}; the requirement's text does not fix this value (the entity's or organisation's choice): results stand, judged with the configured value`;
}

/**
 * One configured value, as the report's table of changed parameters lists it: a requirement's own override, or an
 * entity declaration (ENTITY_DECLARATIONS: set once, it reaches every requirement of the framework taking it) with every
 * requirement it reaches.
 */
export interface ChangedParameter {
  framework: string;
  parameter: string;
  /** The requirements judged with the value, in catalog order. */
  requirements: string[];
  /** Their queries that take the parameter. */
  queries: string[];
  catalogDefault: ParameterValue;
  effective: ParameterValue;
  /** The configuration field(s) that set it. */
  source: string;
  entityDeclaration: boolean;
  requirementFixes: boolean;
  direction: ParameterOverride['direction'];
  loosensRequirement: boolean;
}

/** Changes that are one configured value: an entity declaration's, alike in what they do, are one row. */
function changeKey(o: ParameterOverride): string {
  const one = ENTITY_DECLARATIONS.has(o.parameter) ? '' : o.requirement;
  return JSON.stringify([o.framework, o.parameter, one, o.catalogDefault, o.effective, o.requirementFixes, o.direction]);
}

/**
 * The changes of parameterOverrideList as configured values: one per requirement override, one per entity declaration
 * naming every requirement it reaches (a declaration reaching requirements whose catalog values or basis differ is one
 * row per kind). `overrides`: the configuration's `parameters`, to name the fields that set a declaration.
 */
export function changedParameters(list: readonly ParameterOverride[], overrides: ParameterOverrides | undefined): ChangedParameter[] {
  const rows = new Map<string, ChangedParameter>();
  for (const o of list) {
    const key = changeKey(o);
    const row = rows.get(key);
    if (row) {
      row.requirements.push(o.requirement);
      for (const q of o.queries) if (!row.queries.includes(q)) row.queries.push(q);
      continue;
    }
    const entityDeclaration = ENTITY_DECLARATIONS.has(o.parameter);
    const byRequirement = overrides?.[o.framework] ?? {};
    const setUnder = Object.keys(byRequirement).filter((id) => byRequirement[id] && o.parameter in byRequirement[id]);
    const paths = setUnder.map((id) => `parameters.${o.framework}."${id}".${o.parameter}`).join(' and ');
    const source = entityDeclaration
      ? `configuration ${paths ? `${paths}: ` : ''}an entity declaration, which applies to every ${o.framework} requirement taking ${o.parameter}`
      : o.source;
    rows.set(key, { framework: o.framework, parameter: o.parameter, requirements: [o.requirement], queries: [...o.queries], catalogDefault: o.catalogDefault, effective: o.effective, source, entityDeclaration, requirementFixes: o.requirementFixes, direction: o.direction, loosensRequirement: o.loosensRequirement });
  }
  return [...rows.values()];
}

/**
 * One line for a summary: "n parameters changed from the catalog (k loosen a requirement's fixed value)", counting each
 * configured value once (an entity declaration reaching several requirements is one), with the requirements reached
 * when they are more.
 */
export function overridesSummaryText(list: readonly ParameterOverride[]): string {
  if (!list.length) return 'none: every parameter has its catalog value';
  const values = changedParameters(list, undefined);
  const k = values.filter((o) => o.loosensRequirement).length;
  const reached = new Set(list.map((o) => `${o.framework}\u0000${o.requirement}`)).size;
  const reach = reached > values.length ? `, reaching ${reached} requirements` : '';
  return `${values.length} parameter${values.length === 1 ? '' : 's'} changed from the catalog${reach} (${k} loosen${k === 1 ? 's' : ''} a requirement's fixed value)`;
}
