import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { builtInCatalogDir } from './load.js';
import type { Catalog } from './schema.js';

/** How an assessor tests a procedure (the verbs of the PCI DSS testing procedures). */
export const TEST_METHODS = ['examine-configuration', 'examine-logs', 'interview', 'observe', 'examine-documentation'] as const;
export type TestMethod = (typeof TEST_METHODS)[number];

export const ProcedureMappingSchema = z
  .object({
    procedure: z.string().min(1),
    requirement: z.string().min(1),
    method: z.enum(TEST_METHODS),
    queries: z.array(z.string().min(1)).min(1),
    /** What the queries show of this procedure and, plainly, what they do not: appended to its note wherever the note is printed. */
    shows: z.string().min(10).optional(),
  })
  .strict();
export type ProcedureMapping = z.infer<typeof ProcedureMappingSchema>;

/**
 * A requirement whose queries inform the assessor but test none of its testing procedures as written (the root user's
 * access keys say nothing of whether every other user has a unique ID): its procedures stay not tested, and why is said.
 */
export const UntestedRequirementSchema = z.object({ requirement: z.string().min(1), reason: z.string().min(20) }).strict();
export type UntestedRequirement = z.infer<typeof UntestedRequirementSchema>;

export const ProcedureMapSchema = z.object({ framework: z.string().min(1), procedures: z.array(ProcedureMappingSchema), untested: z.array(UntestedRequirementSchema).default([]) }).strict();
/** `untested` may be left out by maps built in code (no requirement named untested). */
export type ProcedureMap = Omit<z.infer<typeof ProcedureMapSchema>, 'untested'> & { untested?: UntestedRequirement[] };

/** The built-in mapping file of a framework: controls/procedures/<framework>.yaml. */
export function procedureMapFile(framework: string): string {
  return join(builtInCatalogDir(), 'procedures', `${framework}.yaml`);
}

/**
 * A built-in input an earlier build of this tool shipped, as JSON, by the SHA-256 a package's manifest records for it, so
 * `verify --recompute` of a package built with it reads what built it, not this version's; undefined when none is kept.
 * Catalogs are kept under controls/earlier/<framework>/<sha256>.json, procedure maps under
 * controls/procedures/earlier/<framework>/<sha256>.json. The caller checks the schema and the SHA-256 of what it reads.
 */
export function earlierBuiltInInput(kind: 'catalog' | 'procedure-map', framework: string, sha256: string): unknown {
  // Both come from a package's manifest: only a plain framework id and a SHA-256 name a file.
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(framework) || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  const file = join(builtInCatalogDir(), ...(kind === 'catalog' ? [] : ['procedures']), 'earlier', framework, `${sha256}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : undefined;
}

/**
 * Reads and checks a framework's procedure mapping against its catalog: every procedure must be one of the
 * requirement's testing procedures, every query one the requirement cites, and each says what its queries show (a map
 * built in code or embedded in an older package may leave `shows` out). No file: no procedure is mapped.
 */
export function loadProcedureMap(catalog: Catalog, file = procedureMapFile(catalog.framework)): ProcedureMap {
  if (!existsSync(file)) return { framework: catalog.framework, procedures: [], untested: [] };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax');
  }
  const r = ProcedureMapSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, 'each entry needs procedure, requirement, method and queries');
  }
  const map = r.data;
  const untested = map.untested;
  if (map.framework !== catalog.framework) throw new ConfigError(`${file}: framework "${map.framework}" does not match the catalog "${catalog.framework}"`);
  const reqs = new Map(catalog.requirements.map((q) => [q.id, q]));
  const seen = new Set<string>();
  map.procedures.forEach((p, i) => {
    const where = `${file}: procedures[${i}] (${p.procedure})`;
    const req = reqs.get(p.requirement);
    if (!req) throw new ConfigError(`${where}: requirement ${p.requirement} is not in the ${catalog.framework} catalog`);
    if (!req.testingProcedures.includes(p.procedure)) throw new ConfigError(`${where}: not a testing procedure of ${p.requirement} (${req.testingProcedures.join(', ')})`);
    for (const q of p.queries) if (!req.queries.includes(q)) throw new ConfigError(`${where}: query ${q} is not cited by requirement ${p.requirement}`, `add it to the requirement's queries or remove it here`);
    if (!p.shows) throw new ConfigError(`${where}: no shows text`, 'add shows: what its queries show of the procedure and, plainly, what they do not');
    if (seen.has(p.procedure)) throw new ConfigError(`${where}: procedure listed twice`);
    seen.add(p.procedure);
  });
  const mapped = new Set(map.procedures.map((p) => p.requirement));
  untested.forEach((u, i) => {
    const where = `${file}: untested[${i}] (${u.requirement})`;
    if (!reqs.has(u.requirement)) throw new ConfigError(`${where}: requirement ${u.requirement} is not in the ${catalog.framework} catalog`);
    if (mapped.has(u.requirement)) throw new ConfigError(`${where}: one of its procedures is mapped under procedures; a requirement is either tested by its evidence or not`, 'remove it from one of the two lists');
  });
  return map;
}
