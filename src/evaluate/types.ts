import type { Coverage } from '../controls/schema.js';
import type { ResourceResult } from '../queries/types.js';

/**
 * Result of one requirement for one account. Missing evidence is never `pass`. `aws-portion-satisfied`: a partial
 * requirement whose AWS evidence all passed; the rest of the requirement is untested, so it is never a plain pass.
 */
export const CONTROL_STATUSES = ['pass', 'fail', 'needs-review', 'not-collected', 'manual', 'not-applicable', 'aws-portion-satisfied'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** The evidence record behind a result, as the report and the package cite it. */
export interface EvidenceRef {
  runId: string;
  recordId: string;
  queryId: string;
  accountId: string;
  region: string;
  collectedAt: string;
  sha256: string;
  status: 'ok' | 'error';
  /** The aggregator or delegated administrator the evidence was read through (collect.mode delegated-admin); absent: the member account itself. */
  via?: string;
  /** The organisation-wide read record of the same run the member's part was taken from (`provenance.via.read`), when the body cites one. */
  viaRead?: { recordId: string; sha256: string };
}

/** A failing scope-judging result (`judgesScope`) that found the data defining the scope on a resource the declared scope leaves out. */
export interface ScopeContradiction {
  /** The resource as the scope-judging result names it (`arn:aws:s3:::name`). */
  resource: string;
  queryId: string;
  /** Its evidence record (manifest record id, as evidence-index.csv lists it), or the body's sha256 when absent. */
  record: string;
  /** What it found there (`scopeFound`, else its reason). */
  found: string;
  /** Whether an exclusion selected the resource (otherwise it was only left unselected, or its account or region is out). */
  excluded: boolean;
  /** The declared scope's decision it overrides. */
  declared: string;
  /**
   * Set when the configuration itself, not a finding, shows the resource holds the framework's data: the configuration
   * field and value that declare it a data location (`parameters.pci-dss-4.0.1."3.2.1".cardDataBuckets: "payments-*"`).
   * `queryId` is then the query taking that parameter and `record` the configuration field (no evidence record).
   */
  configuration?: string;
}

export interface ResourceFinding extends ResourceResult {
  queryId: string;
  region: string;
  evidenceSha256: string;
  /** The evidence record judged (with the run, its evidence reference in a package). */
  recordId?: string;
  /** Whether the resource is in the framework's declared scope; out-of-scope resources never decide a status. */
  inScope?: boolean;
  scopeReason?: string;
  /** Its scope needed tags that could not be read: counted in scope, and the reason says so. */
  scopeUnknown?: boolean;
  /**
   * The declared scope left this resource out (an exclusion, or no selector) but a scope-judging result of the same
   * account found the framework's data on it: counted in scope, and the reason says so. Names that result.
   */
  scopeContradicted?: ScopeContradiction;
}

export interface ControlResult {
  framework: string;
  requirementId: string;
  accountId: string;
  status: ControlStatus;
  coverage: Coverage;
  /** Human-readable reasons, most important first. */
  reasons: string[];
  /** Every resource judged (failing ones first). */
  findings: ResourceFinding[];
  evidence: EvidenceRef[];
  /** Queries that produced no usable evidence for this account (error records or nothing at all). */
  gaps: { queryId: string; region: string; reason: string }[];
  /** Parameters used for the evaluation (catalog defaults merged with config overrides). */
  parameters: Record<string, unknown>;
  /** Not applicable because the entity declared it is not of the type the requirement is for (catalog `appliesTo`). */
  notApplicableToEntity?: true;
}

/** One run's results, the unit the daily series of a package is built from. */
export interface RunEvaluation {
  runId: string;
  collectedAt: string;
  results: ControlResult[];
}
