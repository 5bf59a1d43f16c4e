import { z } from 'zod';

export const COVERAGE_LABELS = ['automated', 'partial', 'manual', 'inherited', 'not-applicable'] as const;
export type Coverage = (typeof COVERAGE_LABELS)[number];

/**
 * PCI DSS requirements that apply only to some entity types: "additional requirement for service providers only",
 * Appendix A1 and 11.4.7 (multi-tenant service providers), Appendix A3 (designated entities), 3.3.3 ("additional
 * requirement for issuers and companies that support issuing services"), A2.1.1 (the entity whose card-present POS POI
 * terminals use SSL or early TLS), A2.1.2 (a service provider with existing connection points to POS POI terminals that
 * use SSL or early TLS: two facts), A2.1.3 (a service provider that provides connections into POS POI terminals, the
 * "POS POI terminal service providers" of Appendix A2's overview: two facts).
 */
export const APPLIES_TO = ['service-provider', 'multi-tenant-service-provider', 'designated-entity', 'issuer', 'pos-poi-ssl-early-tls', 'pos-poi-ssl-early-tls-connection-points', 'pos-poi-terminal-connections'] as const;
export type AppliesTo = (typeof APPLIES_TO)[number];

/** The entity facts a requirement's `appliesTo` names, all of which must hold (one fact, or a list of them). */
export function appliesToList(req: { appliesTo?: AppliesTo | readonly AppliesTo[] }): AppliesTo[] {
  return req.appliesTo === undefined ? [] : typeof req.appliesTo === 'string' ? [req.appliesTo] : [...req.appliesTo];
}

const ParameterValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.string())]);

/**
 * Where a threshold parameter's value comes from, for the reasons that compare evidence against it:
 * - `requirement`: the requirement's own text fixes the value (PCI 8.3.6's twelve characters); reasons print it plain.
 * - `entity`: the requirement makes the entity set the value (a targeted risk analysis, a defined cryptoperiod); the
 *   catalog's value stands in for it: a failure stands, and its reason says where the value came from and `note`.
 * - `organisation`: the rule sets no value (HIPAA); a failure that rests only on it is needs-review, naming it.
 * Without an entry, a parameter of a HIPAA standard or specification (`implementation` set) is `organisation` and any
 * other is `entity`, with a note saying the catalog does not give its basis.
 */
export const ParameterBasisSchema = z
  .object({
    source: z.enum(['requirement', 'entity', 'organisation']),
    /** Why: the requirement's words for `requirement`, or what decides the value otherwise (printed in reasons). */
    note: z.string().min(10),
  })
  .strict();
export type ParameterBasis = z.infer<typeof ParameterBasisSchema>;

export const RequirementSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().min(3),
    /** Principal requirement (PCI `10.2`) or HIPAA standard (`164.312(a)(1)`) this belongs to. */
    principal: z.string().min(1),
    testingProcedures: z.array(z.string().min(1)).min(1),
    coverage: z.enum(COVERAGE_LABELS),
    rationale: z.string().min(10),
    /** For manual/inherited: what evidence the assessor should ask for instead. */
    assessorGuidance: z.string().optional(),
    /** HIPAA: Required or Addressable; standards that have no separate specification are `required`. */
    implementation: z.enum(['required', 'addressable']).optional(),
    /** HIPAA: a standard or one of its implementation specifications. */
    kind: z.enum(['standard', 'specification', 'requirement']).default('requirement'),
    parameters: z.record(z.string(), ParameterValue).default({}),
    /** Per threshold parameter (the catalog's or a cited query's own default): where its value comes from. */
    parameterBasis: z.record(z.string(), ParameterBasisSchema).optional(),
    queries: z.array(z.string()).default([]),
    /**
     * Absent: applies to every entity. Otherwise only to this entity type, or to an entity of every type a list names
     * (all must hold; config `entity.<framework>` says which the entity is).
     */
    appliesTo: z.union([z.enum(APPLIES_TO), z.array(z.enum(APPLIES_TO)).min(1)]).optional(),
  })
  .strict();
export type Requirement = z.infer<typeof RequirementSchema>;

export const PrincipalSchema = z.object({ id: z.string(), title: z.string(), parent: z.string().optional() }).strict();

export const CatalogSchema = z
  .object({
    framework: z.string().regex(/^[a-z0-9.-]+$/),
    name: z.string(),
    version: z.string(),
    publisher: z.string(),
    description: z.string().optional(),
    /** Regular expression every requirement id must match (validated by `controls validate`). */
    idPattern: z.string().optional(),
    principals: z.array(PrincipalSchema).default([]),
    requirements: z.array(RequirementSchema).min(1),
  })
  .strict();
export type Catalog = z.infer<typeof CatalogSchema>;
