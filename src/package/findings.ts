import { queryById } from '../queries/index.js';
import type { RequirementTimeline } from './timeline.js';
import type { EvidenceReferences } from './references.js';
import { csvMark, type CsvCells } from './csv.js';

export { SEVERITIES, SEVERITY_BY_QUERY, SEVERITY_WHEN, severityOf, raisedSeverity, type Severity } from './severity.js';
import { SEVERITIES, SEVERITY_WHEN, severityOf, type Severity } from './severity.js';

/** AWS documentation for the fix, per check. */
export const REMEDIATION_DOC: Record<string, string> = {
  'iam.root-access-keys': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html',
  'cloudtrail.trail-logging': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html',
  's3.public-access-block': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
  'rds.public-access': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html',
  'ec2.admin-ports-open': 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html',
  's3.bucket-encryption': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html',
  'rds.storage-encrypted': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html',
  'rds.snapshot-sharing': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html',
  'iam.console-mfa': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html',
  'iam.admin-policies': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html',
  'iam.admin-principals': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html',
  'guardduty.detector-enabled': 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html',
  'guardduty.findings': 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings.html',
  'cloudtrail.log-file-validation': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html',
  'config.recorder-status': 'https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html',
  'kms.key-state': 'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html',
  's3.tls-only-policy': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html',
  'cloudtrail.trail-encryption': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html',
  'cloudtrail.cloudwatch-logs': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html',
  'cloudtrail.log-bucket-retention': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html',
  'cloudtrail.s3-data-events': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html',
  'cloudtrail.sensitive-activity': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html',
  'logs.retention': 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html',
  'iam.password-policy': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html',
  'iam.access-key-age': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html',
  'iam.service-specific-credentials': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_ssh-keys.html',
  'iam.unused-credentials': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html',
  'ec2.imdsv2': 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html',
  'ec2.default-security-group': 'https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html',
  'ec2.ebs-default-encryption': 'https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html',
  'kms.key-rotation': 'https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html',
  'rds.backup-retention': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html',
  'guardduty.malware-runtime-protection': 'https://docs.aws.amazon.com/guardduty/latest/ug/runtime-monitoring.html',
  'config.delivery-channels': 'https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html',
  'config.rule-compliance': 'https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config.html',
  'securityhub.pci-standard': 'https://docs.aws.amazon.com/securityhub/latest/userguide/pci-standard.html',
  'securityhub.control-results': 'https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-controls-reference.html',
  's3.access-logging': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html',
  's3.bucket-versioning': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html',
  's3.object-lock': 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html',
  'config.conformance-packs': 'https://docs.aws.amazon.com/config/latest/developerguide/conformance-packs.html',
  'cloudtrail.digest-validation': 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html',
  'ssm.patch-compliance': 'https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager.html',
  'elbv2.listener-tls': 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html',
  'cloudfront.viewer-tls': 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html',
  'wafv2.web-acls': 'https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html',
  'wafv2.cloudfront-web-acls': 'https://docs.aws.amazon.com/waf/latest/developerguide/cloudfront-features.html',
  'acm.certificates': 'https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html',
  'tagging.resources': 'https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html',
  'config.resource-inventory': 'https://docs.aws.amazon.com/config/latest/developerguide/resource-config-reference.html',
  'ec2.ebs-encryption': 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html',
  'ec2.security-group-egress': 'https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html',
  'ec2.source-dest-check': 'https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html',
  'guardduty.runtime-coverage': 'https://docs.aws.amazon.com/guardduty/latest/ug/runtime-monitoring.html',
  'iam.password-expiry': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html',
  'kms.key-access': 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
  'ec2.network-acls': 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html',
  'ec2.route-tables': 'https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html',
  'ec2.flow-logs': 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html',
  'networkfirewall.policies': 'https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policies.html',
  'networkfirewall.configuration-sync': 'https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-updating.html',
  'cloudwatch.security-alarms': 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ConsoleSignins.html',
  'eventbridge.security-findings-rules': 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html',
  'backup.plans': 'https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html',
  'backup.restore-testing': 'https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html',
  'iam.login-profiles': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html',
  'accessanalyzer.external-access': 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings-remediate.html',
  'identitycenter.settings': 'https://docs.aws.amazon.com/singlesignon/latest/userguide/howtosessionduration.html',
  'account.security-contact': 'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html',
  'account.enabled-regions': 'https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html',
  'macie.discovery': 'https://docs.aws.amazon.com/macie/latest/user/discovery-asdd.html',
  'inspector2.account-status': 'https://docs.aws.amazon.com/inspector/latest/user/getting_started_tutorial.html',
  'inspector2.coverage': 'https://docs.aws.amazon.com/inspector/latest/user/assessing-coverage.html',
  'inspector2.findings': 'https://docs.aws.amazon.com/inspector/latest/user/findings-managing.html',
  'ecr.scan-configuration': 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html',
  'secretsmanager.rotation': 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html',
  'lambda.environment-secrets': 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html',
  'lambda.runtime-support': 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html',
  'lambda.runtime-update-mode': 'https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html',
};


/** One (resource, issue) of the period, deduplicated across requirements and frameworks. */
export interface FindingEntry {
  id: string;
  severity: Severity;
  accountId: string;
  region: string;
  resource: string;
  resourceType: string;
  queryId: string;
  title: string;
  /**
   * The latest failing reason: one text when every requirement it fails gives the same; otherwise each distinct text
   * prefixed with the requirements it is theirs (`pci:8.3.6: ... | hipaa:164.312(d): ...`), so no framework's threshold
   * is printed against another's citation.
   */
  detail: string;
  /** Each distinct latest failing reason with the requirements that gave it (sorted as `requirements`). */
  details: { requirements: string[]; detail: string }[];
  remediation: string;
  remediationUrl: string;
  /** `framework-short:requirement`, e.g. `pci:3.5.1`, `hipaa:164.312(a)(2)(iv)`. */
  requirements: string[];
  firstSeen: string;
  lastSeen: string;
  daysOpen: number;
  /** Still failing on the last evaluated day of its requirement rows. */
  open: boolean;
  evidenceRefs: string[];
  /**
   * Set when a failing result raised the severity above the check's own (SEVERITY_WHEN): what it showed, in short
   * (`bucket public`), and the last day it showed it. The register prints it beside the severity.
   */
  raised?: { label: string; day: string };
}

/** The severity as the register prints it: `critical (raised: bucket public on 2026-11-03)` for a raised finding. */
export function severityText(e: Pick<FindingEntry, 'severity' | 'raised'>): string {
  return e.raised ? `${e.severity} (raised: ${e.raised.label} on ${e.raised.day})` : e.severity;
}

export function findingKey(accountId: string, resource: string, queryId: string, region: string): string {
  return `${accountId}\u0000${resource}\u0000${queryId}\u0000${region}`;
}

export function frameworkShort(framework: string): string {
  return framework.split('-')[0];
}

const DAY = 86_400_000;

/**
 * The findings register: every in-scope failing (account, resource, check, region) seen on any day of the period,
 * once, with the requirements of every framework it fails. Ids are numbered worst severity first, then by account,
 * resource, check and region, so the same package data gives the same ids.
 */
export function findingsRegister(rows: RequirementTimeline[], refs: EvidenceReferences): FindingEntry[] {
  const byKey = new Map<string, Omit<FindingEntry, 'id' | 'details'>>();
  // Per finding: the last failing reason that raised its severity (SEVERITY_WHEN), and its day.
  const raisedBy = new Map<string, { day: string; reason: string; severity: Severity }>();
  // Per finding, per requirement: its own latest failing reason (the reasons of two requirements can differ, e.g. by
  // the threshold each one's parameters set).
  const reasons = new Map<string, Map<string, { last: string; reason: string }>>();
  for (const row of rows) {
    const latestFails = new Set((row.latest?.findings ?? []).filter((f) => f.status === 'fail' && f.inScope !== false).map((f) => findingKey(row.accountId, f.resource, f.queryId, f.region)));
    for (const span of row.failSeen.values()) {
      const key = findingKey(row.accountId, span.resource, span.queryId, span.region);
      const req = `${frameworkShort(row.framework)}:${row.requirement.id}`;
      const ref = refs.of(span.runId, span.recordId);
      let e = byKey.get(key);
      if (!e) {
        const q = queryById(span.queryId);
        e = {
          severity: severityOf(span.queryId),
          accountId: row.accountId,
          region: span.region,
          resource: span.resource,
          resourceType: span.resourceType,
          queryId: span.queryId,
          title: q?.title ?? span.queryId,
          detail: span.reason,
          remediation: q?.remediation ?? 'see the check description',
          remediationUrl: REMEDIATION_DOC[span.queryId] ?? '',
          requirements: [],
          firstSeen: span.first,
          lastSeen: span.last,
          daysOpen: 0,
          open: false,
          evidenceRefs: [],
        };
        byKey.set(key, e);
      }
      if (span.raised) {
        const had = raisedBy.get(key);
        if (!had || span.raised.day > had.day) raisedBy.set(key, span.raised);
        const sev = span.raised.severity;
        if (SEVERITIES.indexOf(sev) < SEVERITIES.indexOf(e.severity)) e.severity = sev;
      }
      if (!e.requirements.includes(req)) e.requirements.push(req);
      const own = reasons.get(key) ?? new Map<string, { last: string; reason: string }>();
      reasons.set(key, own);
      const had = own.get(req);
      if (!had || span.last >= had.last) own.set(req, { last: span.last, reason: span.reason });
      if (span.first < e.firstSeen) e.firstSeen = span.first;
      if (span.last > e.lastSeen) {
        e.lastSeen = span.last;
        e.detail = span.reason;
      }
      if (ref && !e.evidenceRefs.includes(ref)) e.evidenceRefs.push(ref);
      if (latestFails.has(key)) e.open = true;
    }
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const entries = [...byKey.values()].sort(
    (a, b) => rank(a.severity) - rank(b.severity) || cmp(a.accountId, b.accountId) || cmp(a.resource, b.resource) || cmp(a.queryId, b.queryId) || cmp(a.region, b.region),
  );
  return entries.map((e, i) => {
    const key = findingKey(e.accountId, e.resource, e.queryId, e.region);
    const details = detailsOf(reasons.get(key));
    const raised = raisedBy.get(key);
    const label = SEVERITY_WHEN[e.queryId]?.label;
    const detail = details.length > 1 ? details.map((d) => `${d.requirements.join(' ')}: ${d.detail}`).join(' | ') : (details[0]?.detail ?? e.detail);
    return {
    ...e,
    id: `F-${String(i + 1).padStart(4, '0')}`,
    detail: `${detail}${raisedNote(e, raised, detail)}`,
    details,
    daysOpen: Math.round((Date.parse(`${e.lastSeen}T00:00:00Z`) - Date.parse(`${e.firstSeen}T00:00:00Z`)) / DAY) + 1,
    requirements: [...e.requirements].sort(),
    evidenceRefs: [...e.evidenceRefs].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))),
    ...(raised && label && raised.severity === e.severity ? { raised: { label, day: raised.day } } : {}),
    };
  });
}

/** Why a finding is of a raised severity when its latest reason no longer shows it: the day and reason that did. */
function raisedNote(e: { queryId: string; severity: Severity }, raised: { day: string; reason: string } | undefined, detail: string): string {
  if (!raised || detail.includes(raised.reason)) return '';
  return ` (${e.severity} by the published rule: on ${raised.day} ${SEVERITY_WHEN[e.queryId]?.when ?? 'its evidence showed more'}: ${raised.reason})`;
}

/** The distinct latest reasons of one finding, each with its requirements, in the order of their first requirement. */
function detailsOf(own: Map<string, { reason: string }> | undefined): FindingEntry['details'] {
  const byText = new Map<string, string[]>();
  for (const [req, { reason }] of [...(own ?? [])].sort(([a], [b]) => cmp(a, b))) byText.set(reason, [...(byText.get(reason) ?? []), req]);
  return [...byText].map(([detail, requirements]) => ({ requirements, detail }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Finding ids per requirement row (framework, requirement, account), for controls.csv. */
export function findingIdsByRow(entries: FindingEntry[]): (framework: string, requirement: string, accountId: string) => string[] {
  const m = new Map<string, string[]>();
  for (const e of entries) {
    for (const r of e.requirements) {
      const k = `${r}\u0000${e.accountId}`;
      m.set(k, [...(m.get(k) ?? []), e.id]);
    }
  }
  return (framework, requirement, accountId) => m.get(`${frameworkShort(framework)}:${requirement}\u0000${accountId}`) ?? [];
}

export const FINDINGS_CSV_HEADER = [
  'finding_id',
  'severity',
  'resource',
  'account',
  'region',
  'requirements',
  'title',
  'remediation',
  'first_seen',
  'last_seen',
  'days_open',
  'evidence_refs',
  'state',
  'detail',
  'remediation_doc',
  'likelihood',
  'impact',
  // Since summary revision 7: what raised the severity and its last day (`bucket public on 2026-11-03`), or empty.
  'severity_raised',
];

/**
 * findings.csv; `likelihood` and `impact` stay empty for the entity's risk analysis (HIPAA 164.308(a)(1)(ii)(A)).
 * `severityRaised`: with the `severity_raised` column (builds of summary revision 7 on); false writes the file as
 * earlier builds did, for `verify --recompute` of their packages.
 */
export function findingsCsv(entries: FindingEntry[], simulated = false, severityRaised = true, cells: CsvCells = 'shown'): Buffer {
  const mark = csvMark(simulated, cells);
  let out = mark.header(severityRaised ? FINDINGS_CSV_HEADER : FINDINGS_CSV_HEADER.slice(0, -1));
  for (const e of entries) {
    const row = [e.id, e.severity, e.resource, e.accountId, e.region, e.requirements.join(' '), e.title, e.remediation, e.firstSeen, e.lastSeen, e.daysOpen, e.evidenceRefs.join(' '), e.open ? 'open' : 'resolved', e.detail, e.remediationUrl, '', ''];
    out += mark.row(severityRaised ? [...row, e.raised ? `${e.raised.label} on ${e.raised.day}` : ''] : row);
  }
  return Buffer.from(out, 'utf8');
}
