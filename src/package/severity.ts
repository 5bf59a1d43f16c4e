import { showsPublicBucket } from '../queries/s3/public-access-block.js';
import type { ResourceResult } from '../queries/types.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * The published severity rule, one per check (README "Findings register"): critical = in-scope data exposed to
 * the internet (the evidence shows it reachable, not only a setting that would allow it) or the audit trail / root
 * credentials compromised; high = a primary protection (encryption at rest,
 * MFA, detection, least privilege, network restriction) missing; medium = a protection weakened or its records
 * kept too briefly; low = hygiene that supports another control. A check not listed is `medium`.
 */
export const SEVERITY_BY_QUERY: Record<string, Severity> = {
  'iam.root-access-keys': 'critical',
  'cloudtrail.trail-logging': 'critical',
  's3.public-access-block': 'high',
  'rds.public-access': 'high',
  'rds.snapshot-sharing': 'critical',
  'ec2.admin-ports-open': 'high',
  's3.bucket-encryption': 'high',
  'rds.storage-encrypted': 'high',
  'iam.console-mfa': 'high',
  'iam.login-profiles': 'high',
  'accessanalyzer.external-access': 'high',
  'identitycenter.settings': 'medium',
  'account.security-contact': 'low',
  'macie.discovery': 'high',
  'iam.admin-policies': 'high',
  'iam.admin-principals': 'high',
  'guardduty.detector-enabled': 'high',
  'guardduty.findings': 'high',
  'cloudtrail.log-file-validation': 'high',
  'cloudtrail.digest-validation': 'high',
  'config.recorder-status': 'high',
  'kms.key-state': 'high',
  's3.tls-only-policy': 'high',
  'ssm.patch-compliance': 'high',
  'elbv2.listener-tls': 'high',
  'cloudfront.viewer-tls': 'high',
  'wafv2.web-acls': 'high',
  'wafv2.cloudfront-web-acls': 'high',
  'acm.certificates': 'medium',
  'tagging.resources': 'informational',
  'account.enabled-regions': 'informational',
  'cloudtrail.trail-encryption': 'medium',
  'cloudtrail.cloudwatch-logs': 'medium',
  'cloudtrail.log-bucket-retention': 'medium',
  'cloudtrail.s3-data-events': 'medium',
  'cloudtrail.sensitive-activity': 'medium',
  'logs.retention': 'medium',
  'iam.password-policy': 'medium',
  'iam.access-key-age': 'medium',
  'iam.service-specific-credentials': 'medium',
  'iam.unused-credentials': 'medium',
  'ec2.imdsv2': 'medium',
  'ec2.default-security-group': 'medium',
  'ec2.ebs-default-encryption': 'medium',
  'kms.key-rotation': 'medium',
  'rds.backup-retention': 'medium',
  'guardduty.malware-runtime-protection': 'medium',
  'config.delivery-channels': 'medium',
  'config.rule-compliance': 'medium',
  'securityhub.pci-standard': 'medium',
  'securityhub.control-results': 'medium',
  's3.access-logging': 'low',
  's3.bucket-versioning': 'low',
  's3.object-lock': 'low',
  'config.conformance-packs': 'low',
  'config.resource-inventory': 'low',
  'ec2.ebs-encryption': 'high',
  'ec2.security-group-egress': 'medium',
  'ec2.source-dest-check': 'medium',
  'guardduty.runtime-coverage': 'medium',
  'iam.password-expiry': 'medium',
  'kms.key-access': 'high',
  'ec2.network-acls': 'medium',
  'ec2.route-tables': 'high',
  'ec2.flow-logs': 'medium',
  'networkfirewall.policies': 'medium',
  'networkfirewall.configuration-sync': 'medium',
  'cloudwatch.security-alarms': 'high',
  'eventbridge.security-findings-rules': 'medium',
  'backup.plans': 'medium',
  'backup.restore-testing': 'medium',
  'inspector2.account-status': 'high',
  'inspector2.coverage': 'high',
  'inspector2.findings': 'high',
  'ecr.scan-configuration': 'medium',
  'secretsmanager.rotation': 'medium',
  'lambda.environment-secrets': 'high',
  'lambda.runtime-support': 'medium',
  'lambda.runtime-update-mode': 'medium',
};

/** What a failing result gives the severity rule: its structured facts, and its reason for results without them. */
export type SeverityEvidence = Pick<ResourceResult, 'reason' | 'exposure'>;

/**
 * Checks whose failing evidence can show more than their severity says: the severity a finding takes when a failing
 * result of it, on any day of the period, shows `when` (README "Findings register" prints the same words). `shows`
 * reads the structured fact the check's evaluation sets (`exposure`); `showsByReason` is the rule as it stood before
 * that fact existed, applied only to a result that carries none of the check's structured facts (an evaluation written
 * before them), so such results are judged as they always were. `label` is the short form shown beside the severity.
 */
export const SEVERITY_WHEN: Record<
  string,
  { severity: Severity; when: string; label: string; shows: (r: SeverityEvidence) => boolean; showsByReason?: (reason: string) => boolean }
> = {
  's3.public-access-block': {
    severity: 'critical',
    when: 'the bucket is public: S3 judges its policy public, or its ACL grants everyone or any AWS account, and Block Public Access does not neutralize it',
    label: 'bucket public',
    shows: (r) => r.exposure === 'public',
    showsByReason: showsPublicBucket,
  },
};

/** A check's severity by the published rule; a failing result showing what SEVERITY_WHEN names raises it. */
export function severityOf(queryId: string, result?: SeverityEvidence): Severity {
  return (result !== undefined ? raisedSeverity(queryId, result) : undefined) ?? SEVERITY_BY_QUERY[queryId] ?? 'medium';
}

/** The severity a failing result raises its check to, or undefined when it shows nothing beyond the check's own rule. */
export function raisedSeverity(queryId: string, result: SeverityEvidence): Severity | undefined {
  const w = SEVERITY_WHEN[queryId];
  if (!w) return undefined;
  const structured = result.exposure !== undefined;
  return w.shows(result) || (!structured && w.showsByReason?.(result.reason) === true) ? w.severity : undefined;
}
