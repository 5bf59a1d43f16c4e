import type { Requirement } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import type { QueryParameters, ResourceResult } from '../queries/types.js';

/**
 * Thresholds the organisation (or a conformance pack) chooses rather than the rule itself, per query, with the
 * value that stops the threshold from deciding anything. Used to tell "fails only because of the baseline" apart.
 */
export const ORGANISATION_THRESHOLDS: Record<string, Record<string, number>> = {
  'iam.password-policy': { minimumPasswordLength: 1, minimumPasswordReusePrevention: 0 },
  'iam.access-key-age': { maxKeyAgeDays: 1_000_000 },
  'iam.unused-credentials': { maxUnusedDays: 1_000_000 },
  'logs.retention': { minimumRetentionDays: 1 },
  'cloudtrail.log-bucket-retention': { minimumRetentionDays: 1 },
  'cloudtrail.cloudwatch-logs': { maxDeliveryAgeHours: 1_000_000 },
  'rds.backup-retention': { minimumBackupRetentionDays: 1 },
  'backup.plans': { maxBackupAgeHours: 1_000_000, minimumBackupRetentionDays: 1 },
  'inspector2.findings': { remediationWindowDays: 1_000_000 },
  'secretsmanager.rotation': { rotationPeriodDays: 1_000_000 },
  'kms.key-rotation': { maxRotationPeriodDays: 1_000_000 },
};

/** Parameters of a requirement that are organisation-chosen thresholds (an addressable specification's baseline). */
export function baselineParameters(req: Requirement): Set<string> {
  if (req.implementation !== 'addressable') return new Set();
  return new Set(req.queries.flatMap((q) => Object.keys(ORGANISATION_THRESHOLDS[q] ?? {})));
}

/** Who set a parameter's value: the configuration, the catalog entry, or the query's own default. */
export function parameterSource(framework: string, req: Requirement, name: string, overrides: Config['parameters'] = {}): string {
  const o = overrides[framework]?.[req.id] as Record<string, unknown> | undefined;
  if (o && name in o) return `the organisation's configuration (parameters.${framework}."${req.id}".${name})`;
  if (name in req.parameters) return `the catalog default for ${req.id} (controls/${framework}.yaml), to be confirmed by the organisation`;
  return 'the check\'s default, to be confirmed by the organisation';
}

/**
 * For an addressable specification (HIPAA), a failure that passes once the organisation-chosen thresholds are set
 * aside is not a legal finding: it becomes needs-review, naming each threshold, its value and who chose it.
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
  if (req.implementation !== 'addressable' || !thresholds || !results.some((r) => r.status === 'fail')) return results;
  const names = Object.keys(thresholds).filter((n) => n in params);
  if (!names.length) return results;
  const relaxedStatus = new Map(reevaluate({ ...params, ...Object.fromEntries(names.map((n) => [n, thresholds[n]])) }).map((r) => [r.resource, r.status]));
  const baseline = names.map((n) => `${n} = ${String(params[n])} set by ${parameterSource(framework, req, n, overrides)}`).join('; ');
  return results.map((r) =>
    r.status === 'fail' && relaxedStatus.get(r.resource) === 'pass'
      ? { ...r, status: 'needs-review' as const, reason: `${r.reason}. Organisation baseline, not a requirement of the rule (addressable specification): ${baseline}; review against the risk analysis` }
      : r,
  );
}
