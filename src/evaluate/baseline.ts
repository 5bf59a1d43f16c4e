import type { ParameterBasis, Requirement } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import type { QueryParameters, ResourceResult } from '../queries/types.js';
import { loosenedText, overrideSourceText, parameterText, requirementOverrides, type ParameterOverride } from '../controls/parameters.js';
import { CHECK_DEFAULT_SOURCE } from '../queries/parameter-source.js';

/**
 * Thresholds the organisation (or a conformance pack) chooses rather than the rule itself, per query, with the
 * value that stops the threshold from deciding anything. Used to tell "fails only because of the baseline" apart.
 */
export const ORGANISATION_THRESHOLDS: Record<string, Record<string, number>> = {
  'iam.password-policy': { minimumPasswordLength: 1, minimumPasswordReusePrevention: 0 },
  'iam.access-key-age': { maxKeyAgeDays: 1_000_000 },
  'iam.service-specific-credentials': { maxAgeDays: 1_000_000 },
  'iam.unused-credentials': { maxUnusedDays: 1_000_000 },
  'logs.retention': { minimumRetentionDays: 1 },
  'cloudtrail.log-bucket-retention': { minimumRetentionDays: 1 },
  'cloudtrail.cloudwatch-logs': { maxDeliveryAgeHours: 1_000_000 },
  'rds.backup-retention': { minimumBackupRetentionDays: 1 },
  'backup.plans': { maxBackupAgeHours: 1_000_000, minimumBackupRetentionDays: 1 },
  'backup.restore-testing': { lookbackDays: 1_000_000 },
  'inspector2.findings': { remediationWindowDays: 1_000_000 },
  'secretsmanager.rotation': { rotationPeriodDays: 1_000_000 },
  'kms.key-rotation': { maxRotationPeriodDays: 1_000_000 },
};

/**
 * Queries whose evidence is collected over the threshold itself (backup.restore-testing lists restore jobs over
 * lookbackDays): put aside, the threshold leaves "not in the evidence" (needs review), never a pass, and a failure that
 * becomes that rests on the threshold alone. Elsewhere a relaxed needs-review has other causes and the failure stands.
 */
const EVIDENCE_BOUNDED_BY_THRESHOLD = new Set(['backup.restore-testing']);

/**
 * Where a threshold parameter's value comes from under a requirement: the catalog's `parameterBasis` entry, else
 * `organisation` for a HIPAA standard or specification (the rule sets no numbers) and `entity` for anything else.
 * A value the configuration changes from the one a requirement fixes is the organisation's own (`entity`).
 */
export function parameterBasis(framework: string, req: Requirement, name: string, overrides: Config['parameters'] = {}): ParameterBasis {
  const own = req.parameterBasis?.[name];
  const o = overrides[framework]?.[req.id] as Record<string, unknown> | undefined;
  if (own?.source === 'requirement' && o && name in o && o[name] !== req.parameters[name]) {
    return { source: 'entity', note: `${own.note}; the organisation's configuration sets ${String(o[name])} instead` };
  }
  if (own) return own;
  return req.implementation
    ? { source: 'organisation', note: 'the rule sets no value: the organisation\'s own policy decides' }
    : { source: 'entity', note: `the catalog does not say whether ${req.id} fixes this value` };
}

/**
 * Parameters of a requirement that are organisation-chosen thresholds (the rule sets no value: failures resting only
 * on them are shown as needs review), among the thresholds of the queries it cites.
 */
export function baselineParameters(req: Requirement, framework = ''): Set<string> {
  return new Set(req.queries.flatMap((q) => Object.keys(ORGANISATION_THRESHOLDS[q] ?? {})).filter((n) => parameterBasis(framework, req, n).source === 'organisation'));
}

/** Who set a parameter's value: the configuration, the catalog entry, or the query's own default. */
export function parameterSource(framework: string, req: Requirement, name: string, overrides: Config['parameters'] = {}): string {
  const o = requirementOverrides(req, overrides, framework).get(name);
  if (o) return `the organisation's configuration (${overrideSourceText(framework, req.id, name, o)})`;
  if (name in req.parameters) return `the catalog default for ${req.id} (controls/${framework}.yaml), to be confirmed by the organisation`;
  return CHECK_DEFAULT_SOURCE;
}

/** Results keyed by resource and occurrence, so a query judging one resource several times keeps them apart. */
function byResource(results: ResourceResult[]): Map<string, ResourceResult> {
  const seen = new Map<string, number>();
  return new Map(
    results.map((r) => {
      const k = seen.get(r.resource) ?? 0;
      seen.set(r.resource, k + 1);
      return [`${r.resource}\u0000${k}`, r];
    }),
  );
}

/**
 * Says where each threshold a failing or to-review reason compares against comes from, unless the requirement's own
 * text fixes it (a threshold figures in a reason when putting it aside changes that reason). A failure that passes once
 * the thresholds the rule does not set (`organisation`) are put aside is not a finding of the rule: it becomes
 * needs-review, naming each threshold, its value and who chose it. A failure resting on a value the entity must set
 * (`entity`) stays a failure, its reason naming the value's source. Values the requirement fixes print plain.
 */
export function baselineReview(
  framework: string,
  req: Requirement,
  queryId: string,
  results: ResourceResult[],
  params: QueryParameters,
  reevaluate: (relaxed: QueryParameters) => ResourceResult[],
  overrides?: Config['parameters'],
): ResourceResult[] {
  const thresholds = ORGANISATION_THRESHOLDS[queryId];
  if (!thresholds || !results.some((r) => r.status === 'fail' || r.status === 'needs-review')) return results;
  const basis = new Map(Object.keys(thresholds).filter((n) => n in params).map((n) => [n, parameterBasis(framework, req, n, overrides)] as const));
  const names = [...basis.keys()].filter((n) => basis.get(n)!.source !== 'requirement');
  if (!names.length) return results;
  const relaxed = (only: string[]) => byResource(reevaluate({ ...params, ...Object.fromEntries(only.map((n) => [n, thresholds[n]])) }));
  const organisation = names.filter((n) => basis.get(n)!.source === 'organisation');
  const orgRelaxed = organisation.length ? relaxed(organisation) : undefined;
  const each = new Map(names.map((n) => [n, relaxed([n])]));
  const describe = (n: string) => `${n} = ${String(params[n])} set by ${parameterSource(framework, req, n, overrides)} (${basis.get(n)!.note})`;
  const addressable = req.implementation === 'addressable' ? ' (addressable specification)' : '';
  return [...byResource(results)].map(([key, r]) => {
    if (r.status !== 'fail' && r.status !== 'needs-review') return r;
    // The thresholds this reason compares against: putting one aside changes the reason (or the status).
    const figures = names.filter((n) => {
      const other = each.get(n)!.get(key);
      return !other || other.status !== r.status || other.reason !== r.reason;
    });
    if (!figures.length) return r;
    // Not a failure once the organisation's thresholds are put aside (a pass, or, for a query whose evidence the threshold
    // itself bounds, for review because the evidence does not reach further): the failure rests on them alone.
    const relaxedStatus = orgRelaxed?.get(key)?.status;
    if (r.status === 'fail' && (relaxedStatus === 'pass' || (relaxedStatus === 'needs-review' && EVIDENCE_BOUNDED_BY_THRESHOLD.has(queryId)))) {
      const org = figures.filter((n) => basis.get(n)!.source === 'organisation');
      return { ...r, status: 'needs-review' as const, reason: `${r.reason}. Organisation baseline, not a requirement of the rule${addressable}: ${(org.length ? org : organisation).map(describe).join('; ')}; review against the risk analysis` };
    }
    const org = figures.filter((n) => basis.get(n)!.source === 'organisation');
    const entity = figures.filter((n) => basis.get(n)!.source === 'entity');
    return {
      ...r,
      reason: [
        r.reason,
        ...(entity.length ? [`Threshold not fixed by the requirement's text: ${entity.map(describe).join('; ')}`] : []),
        ...(org.length ? [`Organisation baseline, not a requirement of the rule${addressable}: ${org.map(describe).join('; ')}`] : []),
      ].join('. '),
    };
  });
}

/**
 * A result judged with a value the requirement's text fixes but the configuration loosened (or changed in a direction
 * that cannot be told) is not the requirement's pass: a pass becomes needs-review, and a pass or a review says what was
 * loosened and what the check gives with the requirement's own value (`atCatalogValues`). Failures stay as they are.
 */
export function loosenedReview(results: ResourceResult[], loosened: readonly ParameterOverride[], atCatalogValues: () => ResourceResult[]): ResourceResult[] {
  if (!loosened.length || !results.some((r) => r.status === 'pass' || r.status === 'needs-review')) return results;
  let strict: Map<string, ResourceResult> | undefined;
  try {
    strict = byResource(atCatalogValues());
  } catch {
    strict = undefined;
  }
  const what = loosened.map(loosenedText).join('; ');
  const values = loosened.map((o) => `${o.parameter} = ${parameterText(o.catalogDefault)}`).join(', ');
  return [...byResource(results)].map(([key, r]) => {
    if (r.status !== 'pass' && r.status !== 'needs-review') return r;
    const s = strict?.get(key);
    const at = s
      ? `with the requirement's ${values} this check gives ${s.status.toUpperCase()}${s.status === r.status && s.reason === r.reason ? '' : ` (${s.reason})`}`
      : `with the requirement's ${values} this check could not be judged`;
    return { ...r, status: 'needs-review' as const, reason: `${what}; ${at}. Judged with the configured value: ${r.status.toUpperCase()} (${r.reason})` };
  });
}
