import { APPLIES_TO, type Catalog, type Requirement } from './schema.js';

/** Built-in id patterns, used when a catalog does not declare its own `idPattern`. */
export const FRAMEWORK_ID_PATTERNS: Readonly<Record<string, RegExp>> = {
  'pci-dss-4.0.1': /^(?:[1-9]|1[0-2]|A[1-3])(?:\.[0-9]{1,2}){2,4}$/,
  'hipaa-security': /^164\.3(?:08|10|12|14|16)(?:\((?:[a-z]|[0-9]{1,2}|[ivx]{1,4}|[A-Z])\))+$/,
};

/** The official identifier list a catalog must match exactly (identifiers only). */
export interface ReferenceIdList {
  requirements: readonly string[];
  principals?: readonly string[];
  /** Testing procedures per requirement; a requirement absent here has a single procedure numbered like itself. */
  testingProcedures?: Readonly<Record<string, readonly string[]>>;
  /** HIPAA: required or addressable per standard/specification. */
  implementation?: Readonly<Record<string, 'required' | 'addressable'>>;
}

export const PROBLEM_CODES = [
  'duplicate-id',
  'malformed-id',
  'invalid-id-pattern',
  'unknown-query',
  'duplicate-query',
  'no-query',
  'query-on-unmapped-coverage',
  'unused-query',
  'missing-rationale',
  'missing-guidance',
  'unknown-principal',
  'not-in-reference',
  'missing-from-reference',
  'testing-procedures-mismatch',
  'implementation-mismatch',
  'unknown-parameter',
  'unknown-applies-to',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** One thing wrong with a catalog, located precisely enough to fix it. */
export interface CatalogProblem {
  code: ProblemCode;
  /** Catalog file (as given when loaded), or the framework id for catalogs built in memory. */
  file: string;
  framework: string;
  /** Index in `requirements`, when the problem belongs to one requirement. */
  index?: number;
  requirementId?: string;
  /** Field path inside the requirement (or catalog), e.g. `queries[1]`, `coverage`. */
  field?: string;
  message: string;
}

/**
 * A query the catalog may reference, with the parameters it accepts (absent = none). A bare id string says
 * nothing about parameters, so parameter names are then not checked.
 */
export interface KnownQuery {
  id: string;
  parameters?: Readonly<Record<string, unknown>>;
}

export type KnownQueries = Iterable<string | KnownQuery>;

interface QueryFacts {
  id: string;
  /** Parameter names accepted, or undefined when only the id is known. */
  parameterNames?: readonly string[];
}

export interface ValidateOptions {
  /** Reference identifiers for this framework; every catalog id must be in it and every reference id in the catalog. */
  reference?: readonly string[] | ReferenceIdList;
}

/** `controls/pci-dss-4.0.1.yaml: requirements[12] (id 3.5.1): coverage: expected one of ...` */
export function formatProblem(p: CatalogProblem): string {
  const parts = [p.file];
  if (p.index !== undefined) parts.push(`requirements[${p.index}]${p.requirementId ? ` (id ${p.requirementId})` : ''}`);
  else if (p.requirementId) parts.push(`requirement ${p.requirementId}`);
  if (p.field) parts.push(p.field);
  return `${parts.join(': ')}: ${p.message}`;
}

function sourceOf(catalog: Catalog): string {
  const file = (catalog as { sourceFile?: unknown }).sourceFile;
  return typeof file === 'string' ? file : catalog.framework;
}

function normalizeKnown(known: KnownQueries): Map<string, QueryFacts> {
  const map = new Map<string, QueryFacts>();
  for (const q of known) {
    map.set(typeof q === 'string' ? q : q.id, typeof q === 'string' ? { id: q } : { id: q.id, parameterNames: Object.keys(q.parameters ?? {}) });
  }
  return map;
}

function normalizeReference(ref: readonly string[] | ReferenceIdList): ReferenceIdList {
  return Array.isArray(ref) ? { requirements: ref as readonly string[] } : (ref as ReferenceIdList);
}

function idPatternOf(catalog: Catalog, problems: CatalogProblem[]): RegExp | undefined {
  if (catalog.idPattern !== undefined) {
    try {
      return new RegExp(catalog.idPattern);
    } catch (err) {
      problems.push({
        code: 'invalid-id-pattern',
        file: sourceOf(catalog),
        framework: catalog.framework,
        field: 'idPattern',
        message: `not a valid regular expression (${(err as Error).message})`,
      });
      return undefined;
    }
  }
  return FRAMEWORK_ID_PATTERNS[catalog.framework];
}

const MAPPED_COVERAGE = new Set(['automated', 'partial']);
const GUIDED_COVERAGE = new Set(['manual', 'inherited']);

/**
 * Checks one catalog for everything the schema cannot: unknown or duplicate ids, malformed ids, coverage labels
 * without the evidence or guidance they promise, principals, and (with `reference`) completeness against the
 * official identifier list. Returns every problem found; an empty list means the catalog is valid.
 * Queries no catalog uses are found by `validateCatalogs`, which sees every catalog.
 */
export function validateCatalog(
  catalog: Catalog,
  knownQueries: KnownQueries,
  reference?: readonly string[] | ReferenceIdList,
): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const file = sourceOf(catalog);
  const framework = catalog.framework;
  const known = normalizeKnown(knownQueries);
  const pattern = idPatternOf(catalog, problems);
  const principalIds = new Set(catalog.principals.map((p) => p.id));
  const firstIndex = new Map<string, number>();
  const at = (index: number, r: Requirement, field: string | undefined, code: ProblemCode, message: string): void => {
    problems.push({ code, file, framework, index, requirementId: r.id, field, message });
  };

  catalog.requirements.forEach((r, i) => {
    const seen = firstIndex.get(r.id);
    if (seen !== undefined) at(i, r, 'id', 'duplicate-id', `duplicate requirement id (first defined at requirements[${seen}])`);
    else firstIndex.set(r.id, i);

    if (pattern && !pattern.test(r.id)) {
      at(i, r, 'id', 'malformed-id', `"${r.id}" does not match the ${framework} id pattern ${pattern.source}`);
    }

    const queryIds = r.queries;
    const seenQueries = new Set<string>();
    queryIds.forEach((q, qi) => {
      if (seenQueries.has(q)) at(i, r, `queries[${qi}]`, 'duplicate-query', `query "${q}" is listed twice`);
      seenQueries.add(q);
      if (!known.has(q)) at(i, r, `queries[${qi}]`, 'unknown-query', `unknown evidence query "${q}"`);
    });
    if (MAPPED_COVERAGE.has(r.coverage) && queryIds.length === 0) {
      at(i, r, 'queries', 'no-query', `coverage "${r.coverage}" needs at least one evidence query; list one or label the requirement manual`);
    }
    if (!MAPPED_COVERAGE.has(r.coverage) && queryIds.length > 0) {
      at(i, r, 'coverage', 'query-on-unmapped-coverage', `coverage "${r.coverage}" contradicts the evidence queries listed; use partial or automated, or remove the queries`);
    }

    if (r.rationale.trim().length < 10) at(i, r, 'rationale', 'missing-rationale', 'a rationale explaining the coverage label is required');
    if (GUIDED_COVERAGE.has(r.coverage) && (r.assessorGuidance ?? '').trim().length === 0) {
      at(i, r, 'assessorGuidance', 'missing-guidance', `coverage "${r.coverage}" needs assessorGuidance saying what evidence the assessor should ask for instead`);
    }

    // A catalog built in memory skips the schema: an entity type the engine does not know would apply to every entity.
    const appliesTo = (r as { appliesTo?: unknown }).appliesTo;
    if (appliesTo !== undefined) {
      // One entity type, or a non-empty list of them (all must hold).
      const named: unknown[] = Array.isArray(appliesTo) ? appliesTo : [appliesTo];
      const unknown = named.filter((t) => !(APPLIES_TO as readonly unknown[]).includes(t));
      if (!named.length) at(i, r, 'appliesTo', 'unknown-applies-to', `an empty list of entity types; name one or more of ${APPLIES_TO.join(', ')}, or leave appliesTo out`);
      for (const t of unknown) at(i, r, 'appliesTo', 'unknown-applies-to', `unknown entity type ${JSON.stringify(t)}; expected one of ${APPLIES_TO.join(', ')}`);
    }

    if (principalIds.size > 0 && !principalIds.has(r.principal)) {
      at(i, r, 'principal', 'unknown-principal', `principal "${r.principal}" is not listed under principals`);
    }

    const paramNames = Object.keys(r.parameters);
    const facts = queryIds.map((q) => known.get(q)?.parameterNames);
    // Judge parameter names only when every mapped query is known with its parameters.
    if (paramNames.length > 0 && facts.length > 0 && facts.every((f) => f !== undefined)) {
      const accepted = new Set(facts.flat());
      for (const name of paramNames) {
        if (!accepted.has(name)) {
          at(i, r, `parameters.${name}`, 'unknown-parameter', `no query of this requirement accepts "${name}" (accepted: ${[...accepted].sort().join(', ') || 'none'})`);
        }
      }
    }
    const basisNames = Object.keys(r.parameterBasis ?? {});
    if (basisNames.length > 0 && facts.length > 0 && facts.every((f) => f !== undefined)) {
      const accepted = new Set(facts.flat());
      for (const name of basisNames) {
        if (!accepted.has(name)) {
          at(i, r, `parameterBasis.${name}`, 'unknown-parameter', `no query of this requirement accepts "${name}" (accepted: ${[...accepted].sort().join(', ') || 'none'})`);
        }
      }
    }
  });

  if (reference !== undefined) problems.push(...checkAgainstReference(catalog, normalizeReference(reference), file));
  return problems;
}

function checkAgainstReference(catalog: Catalog, ref: ReferenceIdList, file: string): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const framework = catalog.framework;
  const refIds = new Set(ref.requirements);
  const present = new Set<string>();
  catalog.requirements.forEach((r, index) => {
    present.add(r.id);
    if (!refIds.has(r.id)) {
      problems.push({ code: 'not-in-reference', file, framework, index, requirementId: r.id, field: 'id', message: `"${r.id}" is not an identifier of ${framework}` });
      return;
    }
    if (ref.testingProcedures) {
      const expected = ref.testingProcedures[r.id] ?? [r.id];
      if (expected.join('|') !== r.testingProcedures.join('|')) {
        problems.push({
          code: 'testing-procedures-mismatch', file, framework, index, requirementId: r.id, field: 'testingProcedures',
          message: `expected [${expected.join(', ')}], found [${r.testingProcedures.join(', ')}]`,
        });
      }
    }
    const impl = ref.implementation?.[r.id];
    if (impl !== undefined && r.implementation !== impl) {
      problems.push({
        code: 'implementation-mismatch', file, framework, index, requirementId: r.id, field: 'implementation',
        message: `expected "${impl}", found ${r.implementation === undefined ? 'nothing' : `"${r.implementation}"`}`,
      });
    }
  });
  for (const id of ref.requirements) {
    if (!present.has(id)) {
      problems.push({ code: 'missing-from-reference', file, framework, requirementId: id, message: `${framework} requirement ${id} is missing from the catalog; every requirement must appear (as manual or inherited if no evidence applies)` });
    }
  }
  if (ref.principals && catalog.principals.length > 0) {
    const have = new Set(catalog.principals.map((p) => p.id));
    for (const id of ref.principals) {
      if (!have.has(id)) problems.push({ code: 'missing-from-reference', file, framework, field: 'principals', message: `principal ${id} is missing` });
    }
  }
  return problems;
}

/**
 * Validates every catalog (each against its reference list when `references` has one for its framework) and then
 * the set as a whole: an evidence query that no requirement in any catalog uses is reported as `unused-query`.
 */
export function validateCatalogs(
  catalogs: readonly Catalog[],
  knownQueries: KnownQueries,
  references: Readonly<Record<string, readonly string[] | ReferenceIdList>> = {},
): CatalogProblem[] {
  const list = [...knownQueries];
  const known = normalizeKnown(list);
  const problems = catalogs.flatMap((c) => validateCatalog(c, list, references[c.framework]));
  const used = new Set(catalogs.flatMap((c) => c.requirements.flatMap((r) => r.queries)));
  const where = catalogs.map(sourceOf).join(', ') || 'catalogs';
  for (const id of [...known.keys()].sort()) {
    if (!used.has(id)) {
      problems.push({ code: 'unused-query', file: where, framework: '*', field: 'queries', message: `evidence query "${id}" is used by no requirement in any loaded catalog; map it or remove it` });
    }
  }
  return problems;
}
