import { organizationExternalAccess } from '../accessanalyzer/organization-external-access.js';
import { lakeSensitiveActivity } from '../cloudtrail/lake-sensitive-activity.js';
import { aggregateResourceInventory } from '../config/aggregate-resource-inventory.js';
import { aggregateRuleCompliance } from '../config/aggregate-rule-compliance.js';
import { administratorFindings } from '../guardduty/administrator-findings.js';
import { administratorAccountStatus, administratorCoverage, administratorInspectorFindings } from '../inspector2/administrator.js';
import { administratorDiscovery } from '../macie/administrator-discovery.js';
import { administratorControlResults } from '../securityhub/administrator-control-results.js';
import { configItemsSource, type ConfigItemFamily } from '../config/aggregate-items.js';
import { SECURITY_GROUP_ITEMS, SECURITY_GROUP_REFERENCE_ITEMS } from '../ec2/security-groups.js';
import { KMS_KEY_ITEMS } from '../kms/keys.js';
import { BUCKET_ENCRYPTION_ITEMS, BUCKET_LOGGING_ITEMS, BUCKET_POLICY_ITEMS, BUCKET_VERSIONING_ITEMS, OBJECT_LOCK_ITEMS } from '../s3/bucket-items.js';
import { NETWORK_ACL_ITEMS } from '../ec2/network-acls.js';
import { NETWORK_INTERFACE_ITEMS } from '../ec2/source-dest-check.js';
import { ROUTING_ITEMS } from '../ec2/route-tables.js';
import type { DelegatedSource } from './types.js';

/** Every query an aggregator or delegated administrator can answer for the members (collect.mode delegated-admin). */
export const DELEGATED_SOURCES: readonly DelegatedSource<unknown>[] = [
  aggregateRuleCompliance,
  aggregateResourceInventory,
  administratorFindings,
  administratorControlResults,
  administratorAccountStatus,
  administratorInspectorFindings,
  administratorCoverage,
  administratorDiscovery,
  organizationExternalAccess,
  lakeSensitiveActivity,
  // Member configuration read as AWS Config configuration items through the aggregator (one read per resource type).
  // The items name a rule's prefix lists and referenced groups by id only: the two queries that judge them read the
  // lists' entries and AWS's stale references in the member, once for both, beside the one shared item read.
  configItemsSource('ec2.admin-ports-open', SECURITY_GROUP_REFERENCE_ITEMS as ConfigItemFamily<unknown>),
  configItemsSource('ec2.default-security-group', SECURITY_GROUP_ITEMS),
  configItemsSource('ec2.security-group-egress', SECURITY_GROUP_REFERENCE_ITEMS as ConfigItemFamily<unknown>),
  configItemsSource('kms.key-state', KMS_KEY_ITEMS),
  // kms.key-rotation stays per account: AWS Config records whether rotation is on (KeyRotationStatus) but not its
  // period, which the check judges against maxRotationPeriodDays; the member's own GetKeyRotationStatus holds it.
  // The Lambda queries stay per account: AWS Config records neither a function's published versions nor its runtime
  // update mode, and lambda.environment-secrets lists each member-region's functions (ListFunctions, every version) in
  // any mode, a read the run shares with lambda.runtime-support and lambda.runtime-update-mode. An item read would add an
  // organisation-wide call, then a ListVersionsByFunction per function in the member, and replace a live read with a
  // recorded one. (runtime-support still judges items, LAMBDA_FUNCTION_ITEMS, never passing a function on them.)
  // acm.certificates judges items too (CERTIFICATE_ITEMS) but waits here until the organisation world holds ACM
  // certificates, so the mode-agreement test covers it.
  // Global S3 queries: each account's bucket items of every region, checked against the member's own ListBuckets.
  // s3.public-access-block stays per account: AWS Config does not record GetBucketPolicyStatus (IsPublic).
  configItemsSource('s3.access-logging', BUCKET_LOGGING_ITEMS),
  configItemsSource('s3.bucket-encryption', BUCKET_ENCRYPTION_ITEMS),
  configItemsSource('s3.bucket-versioning', BUCKET_VERSIONING_ITEMS),
  configItemsSource('s3.object-lock', OBJECT_LOCK_ITEMS),
  configItemsSource('s3.tls-only-policy', BUCKET_POLICY_ITEMS),
  // The RDS queries stay per account although DB_INSTANCE_ITEMS can answer rds.public-access and rds.backup-retention:
  // rds.storage-encrypted also reads DB clusters, manual, AWS Backup and shared DB snapshots, manual and shared DB
  // cluster snapshots and AWS Backup's Aurora recovery points, which the instance items do not hold, so each member-region is read anyway and the run's shared DescribeDBInstances read
  // serves all three; the aggregator read would add a call and replace a live read.
  // ec2.imdsv2 stays per account although INSTANCE_ITEMS can answer it: three other queries read DescribeInstances in
  // each member and the shared read serves all four, so the aggregator read would add a call and replace a live read.
  configItemsSource('ec2.network-acls', NETWORK_ACL_ITEMS),
  configItemsSource('ec2.source-dest-check', NETWORK_INTERFACE_ITEMS),
  configItemsSource('ec2.route-tables', ROUTING_ITEMS),
];

export function delegatedSourceFor(queryId: string): DelegatedSource<unknown> | undefined {
  return DELEGATED_SOURCES.find((s) => s.queryId === queryId);
}
