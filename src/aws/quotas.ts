/**
 * Request-rate quotas of the AWS read operations the collector calls: one token bucket per account, region and
 * operation (AWS's own model). The simulated AWS enforces them, the collector paces the strictest ones, and the
 * benchmark derives its lower bound from them. Each entry says where its numbers come from: `documented` values are
 * the published defaults; `estimate` values are for operations whose quota AWS does not publish, chosen from the
 * documented quotas of comparable read operations and labelled so nobody reads them as AWS's numbers.
 */

export interface RequestQuota {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number;
  /** Bucket size: requests allowed at once from a full bucket. */
  burst: number;
  basis: 'documented' | 'estimate';
  /** Where the value comes from (documentation page), or why the estimate was chosen. */
  source: string;
}

const CLOUDTRAIL_QUOTAS = 'https://docs.aws.amazon.com/general/latest/gr/ct.html';
const EC2_THROTTLING = 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html (non-mutating actions: bucket 100, refill 20/s)';
const SECURITYHUB_API = 'https://docs.aws.amazon.com/securityhub/1.0/APIReference/Welcome.html';
const KMS_QUOTAS = 'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html';
const ACCOUNT_QUOTAS = 'https://docs.aws.amazon.com/accounts/latest/reference/quotas.html';
const LOGS_QUOTAS = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html';
const STS_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (AWS STS request quotas)';
const S3_REQUEST_RATE = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html (5,500 GET/HEAD per second per prefix)';

function documented(ratePerSecond: number, burst: number, source: string): RequestQuota {
  return { ratePerSecond, burst, basis: 'documented', source };
}
function estimate(ratePerSecond: number, burst: number, source: string): RequestQuota {
  return { ratePerSecond, burst, basis: 'estimate', source };
}

const ec2Read = documented(20, 100, EC2_THROTTLING);
const s3BucketRead = documented(5500, 5500, S3_REQUEST_RATE);
const iamRead = estimate(20, 40, 'IAM publishes no per-operation request rates; 20/s with a 40-request burst is a conservative reading of throttling seen on IAM list and get calls');
const configRead = estimate(10, 20, 'AWS Config lists its API rates only in the Service Quotas console; 10/s (burst 20) sits at the low end of its read operations');
const guardDutyRead = estimate(10, 20, 'GuardDuty publishes no per-operation request rates; estimated like other regional security-service reads');
const backupRead = estimate(5, 10, 'AWS Backup publishes no per-operation request rates; estimated low like other regional backup control-plane reads');
const accessAnalyzerRead = estimate(10, 20, 'IAM Access Analyzer publishes resource quotas but no API request rates (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-quotas.html); estimated like other regional security-service reads');
const ssoAdminRead = estimate(10, 20, 'IAM Identity Center publishes no per-operation request rates for its admin API; estimated like other regional list/describe calls');
const macieRead = estimate(10, 20, 'Amazon Macie publishes resource quotas but no API request rates; estimated like other regional security-service reads');
const rdsDescribe = estimate(10, 40, 'Amazon RDS publishes no per-operation request rates; estimated from the token-bucket shape of the EC2 API it shares its control plane style with');
const cloudTrailRead = estimate(10, 10, `${CLOUDTRAIL_QUOTAS} lists TPS per API in Service Quotas; 10 TPS taken for the describe/get operations`);
const securityHubOther = documented(10, 30, `${SECURITYHUB_API} ("all other operations": 10 per second, burst 30)`);

/** Keyed by `<iam-prefix>:<Operation>`. */
export const REQUEST_QUOTAS: Readonly<Record<string, RequestQuota>> = {
  'account:ListRegions': documented(5, 5, ACCOUNT_QUOTAS),
  'account:GetAlternateContact': estimate(5, 5, `${ACCOUNT_QUOTAS} documents ListRegions at 5 per second; GetAlternateContact estimated at the same rate`),

  'access-analyzer:ListAnalyzers': accessAnalyzerRead,
  'access-analyzer:ListFindingsV2': accessAnalyzerRead,
  'access-analyzer:GetFindingV2': accessAnalyzerRead,

  'sso:ListInstances': ssoAdminRead,
  'sso:ListPermissionSets': ssoAdminRead,
  'sso:DescribePermissionSet': ssoAdminRead,
  'sso:ListAccountsForProvisionedPermissionSet': ssoAdminRead,
  'sso:ListAccountAssignments': ssoAdminRead,

  'macie2:GetMacieSession': macieRead,
  'macie2:GetAdministratorAccount': macieRead,
  'macie2:ListAutomatedDiscoveryAccounts': macieRead,
  'macie2:GetAutomatedDiscoveryConfiguration': macieRead,
  'macie2:GetClassificationScope': macieRead,
  'macie2:GetSensitivityInspectionTemplate': macieRead,
  'macie2:ListClassificationJobs': macieRead,
  'macie2:DescribeClassificationJob': macieRead,
  'macie2:ListFindingsFilters': macieRead,
  'macie2:GetFindingsFilter': macieRead,
  'macie2:ListFindings': macieRead,
  'macie2:GetFindings': macieRead,
  'macie2:ListMembers': macieRead,

  'cloudtrail:LookupEvents': documented(2, 2, 'https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html (two per second, per account, per Region)'),
  'cloudtrail:DescribeTrails': cloudTrailRead,
  'cloudtrail:GetTrailStatus': cloudTrailRead,
  'cloudtrail:GetEventSelectors': cloudTrailRead,
  'cloudtrail:ListPublicKeys': cloudTrailRead,
  // CloudTrail Lake (collect.delegatedAdmin.cloudtrailEventDataStore); at most 10 queries queued or running at once per account.
  'cloudtrail:StartQuery': documented(1, 1, 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html ("all other APIs": 1 TPS; "concurrent queries": 10; newer revisions list the rates in Service Quotas)'),
  'cloudtrail:GetEventDataStore': documented(10, 10, 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html ("get, describe, and list APIs": 10 TPS)'),
  'cloudtrail:DescribeQuery': documented(10, 10, 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html ("get, describe, and list APIs": 10 TPS)'),
  'cloudtrail:GetQueryResults': documented(10, 10, 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html ("get, describe, and list APIs": 10 TPS)'),

  'config:DescribeComplianceByConfigRule': configRead,
  'config:DescribeConfigRuleEvaluationStatus': configRead,
  'config:DescribeConfigRules': configRead,
  'config:DescribeConfigurationRecorderStatus': configRead,
  'config:DescribeConfigurationRecorders': configRead,
  'config:DescribeConformancePackCompliance': configRead,
  'config:DescribeConformancePacks': configRead,
  'config:DescribeDeliveryChannelStatus': configRead,
  'config:DescribeDeliveryChannels': configRead,
  'config:GetComplianceDetailsByConfigRule': configRead,
  'config:GetDiscoveredResourceCounts': configRead,
  'config:GetResourceConfigHistory': configRead,
  'config:ListDiscoveredResources': configRead,
  // Aggregator reads run in the audit account only, so one bucket serves the whole organisation.
  'config:DescribeAggregateComplianceByConfigRules': configRead,
  'config:DescribeConfigurationAggregators': configRead,
  'config:GetAggregateComplianceDetailsByConfigRule': configRead,
  'config:SelectAggregateResourceConfig': configRead,

  'ec2:DescribeInstances': ec2Read,
  'ec2:DescribeFlowLogs': ec2Read,
  'ec2:DescribeInternetGateways': ec2Read,
  'ec2:DescribeNatGateways': ec2Read,
  'ec2:DescribeManagedPrefixLists': ec2Read,
  'ec2:GetManagedPrefixListEntries': ec2Read,
  'ec2:DescribeStaleSecurityGroups': ec2Read,
  'ec2:DescribeNetworkAcls': ec2Read,
  'ec2:DescribeRouteTables': ec2Read,
  'ec2:DescribeSubnets': ec2Read,
  'ec2:DescribeVpcs': ec2Read,
  'ec2:DescribeNetworkInterfaces': ec2Read,
  'ec2:DescribeSecurityGroups': ec2Read,
  'ec2:DescribeSnapshots': ec2Read,
  'ec2:DescribeVolumes': ec2Read,
  'ec2:GetEbsEncryptionByDefault': ec2Read,

  'guardduty:GetCoverageStatistics': guardDutyRead,
  'guardduty:GetDetector': guardDutyRead,
  'guardduty:GetFindings': guardDutyRead,
  'guardduty:GetFilter': guardDutyRead,
  'guardduty:GetFindingsStatistics': guardDutyRead,
  'guardduty:GetMalwareScanSettings': guardDutyRead,
  'guardduty:ListCoverage': guardDutyRead,
  'guardduty:ListDetectors': guardDutyRead,
  'guardduty:ListFilters': guardDutyRead,
  'guardduty:ListFindings': guardDutyRead,
  'guardduty:ListMembers': guardDutyRead,

  'iam:GenerateCredentialReport': iamRead,
  'iam:GetAccountAuthorizationDetails': estimate(5, 5, 'IAM publishes no rate; the heaviest IAM read (whole account per page), estimated at a quarter of the other reads'),
  'iam:GetAccountPasswordPolicy': iamRead,
  'iam:GetAccountSummary': iamRead,
  'iam:GetCredentialReport': iamRead,
  'iam:GetLoginProfile': iamRead,
  'iam:ListMFADevices': iamRead,
  'iam:ListServiceSpecificCredentials': iamRead,
  'iam:ListSSHPublicKeys': iamRead,
  'iam:ListUsers': iamRead,
  'iam:ListVirtualMFADevices': iamRead,
  'iam:GetPolicyVersion': iamRead,
  'iam:ListPolicies': iamRead,

  'kms:DescribeKey': documented(2000, 2000, KMS_QUOTAS),
  'kms:GetKeyPolicy': documented(1000, 1000, KMS_QUOTAS),
  'kms:GetKeyRotationStatus': documented(1000, 1000, KMS_QUOTAS),
  'kms:ListGrants': documented(100, 100, KMS_QUOTAS),
  'kms:ListKeys': documented(100, 100, KMS_QUOTAS),
  'kms:ListKeyRotations': estimate(100, 100, 'not confirmed from the KMS request quotas page; estimated like its other list calls (ListGrants, ListKeys: documented 100/s)'),

  'logs:DescribeLogGroups': documented(10, 10, LOGS_QUOTAS),

  'organizations:ListAccounts': estimate(1, 5, 'AWS Organizations documents throttling (TooManyRequestsException) but no per-operation rate; 1/s with a burst of 5 is a cautious value for a management-account call'),
  'organizations:ListParents': estimate(1, 5, 'AWS Organizations documents throttling but no per-operation rate; estimated like ListAccounts'),
  'organizations:ListChildren': estimate(1, 5, 'AWS Organizations documents throttling but no per-operation rate; estimated like ListAccounts'),
  'organizations:ListAccountsForParent': estimate(1, 5, 'AWS Organizations documents throttling but no per-operation rate; estimated like ListAccounts'),

  'rds:DescribeDBInstances': rdsDescribe,
  'rds:DescribeDBClusters': rdsDescribe,
  'rds:DescribeDBSnapshots': rdsDescribe,
  'rds:DescribeDBClusterSnapshots': rdsDescribe,
  'rds:DescribeDBSnapshotAttributes': rdsDescribe,
  'rds:DescribeDBInstanceAutomatedBackups': rdsDescribe,
  'rds:DescribeDBClusterSnapshotAttributes': rdsDescribe,

  // Keys are `<service>:<Operation>` as the SDK command and the wire request name them (S3 Control as `s3control`).
  's3:ListBuckets': estimate(10, 20, 'ListBuckets is an account-level S3 call with no published rate; estimated like other account-level reads'),
  's3control:GetPublicAccessBlock': estimate(10, 20, 'S3 Control publishes no per-operation rate; estimated like other account-level reads'),
  's3:GetBucketEncryption': s3BucketRead,
  's3:GetBucketLifecycleConfiguration': s3BucketRead,
  's3:GetBucketLocation': s3BucketRead,
  's3:GetBucketLogging': s3BucketRead,
  's3:GetBucketPolicy': s3BucketRead,
  's3:GetBucketPolicyStatus': s3BucketRead,
  's3:GetBucketAcl': s3BucketRead,
  's3:GetBucketVersioning': s3BucketRead,
  's3:GetObjectLockConfiguration': s3BucketRead,
  's3:GetPublicAccessBlock': s3BucketRead,
  's3:ListObjectsV2': estimate(100, 100, 'S3 publishes request rates per prefix for object reads and writes, none for listings; 100/s is a cautious value for listing one prefix'),
  's3:GetObject': s3BucketRead,

  'securityhub:GetFindings': documented(3, 6, `${SECURITYHUB_API} (GetFindings: 3 per second, burst 6)`),
  'securityhub:GetEnabledStandards': securityHubOther,
  'securityhub:DescribeStandardsControls': securityHubOther,

  'ssm:DescribeInstanceInformation': estimate(10, 20, 'Systems Manager lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'ssm:ListResourceComplianceSummaries': estimate(10, 20, 'Systems Manager lists its API rates only in Service Quotas; estimated like other regional list calls'),
  'ssm:DescribeInstancePatchStates': estimate(10, 20, 'Systems Manager lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'ssm:GetPatchBaseline': estimate(10, 20, 'Systems Manager lists its API rates only in Service Quotas; estimated like other regional get calls'),

  'network-firewall:ListFirewalls': estimate(5, 10, 'AWS Network Firewall publishes no per-operation API rate; estimated cautiously for a control-plane list call'),
  'network-firewall:DescribeFirewall': estimate(5, 10, 'AWS Network Firewall publishes no per-operation API rate; estimated cautiously for a control-plane describe call'),
  'network-firewall:DescribeFirewallPolicy': estimate(5, 10, 'AWS Network Firewall publishes no per-operation API rate; estimated cautiously for a control-plane describe call'),
  'elasticloadbalancing:DescribeLoadBalancers': estimate(10, 20, 'Elastic Load Balancing lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'elasticloadbalancing:DescribeListeners': estimate(10, 20, 'Elastic Load Balancing lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'elasticloadbalancing:DescribeRules': estimate(10, 20, 'Elastic Load Balancing lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'elasticloadbalancing:DescribeSSLPolicies': estimate(10, 20, 'Elastic Load Balancing lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'acm:ListCertificates': estimate(8, 8, 'ACM lists its API rates only in Service Quotas; estimated at a cautious 8/s for the account-wide list'),
  'acm:DescribeCertificate': estimate(10, 10, 'ACM lists its API rates only in Service Quotas; estimated at a cautious 10/s for per-certificate reads'),
  'cloudfront:ListDistributions': estimate(5, 10, 'CloudFront publishes no per-operation request rate; estimated low because one global endpoint serves every region'),
  'cloudfront:ListDistributionsByConnectionMode': estimate(5, 10, 'CloudFront publishes no per-operation request rate; estimated like ListDistributions'),
  'cloudfront:ListDistributionTenants': estimate(5, 10, 'CloudFront publishes no per-operation request rate; estimated like ListDistributions'),
  'cloudfront:GetVpcOrigin': estimate(5, 10, 'CloudFront publishes no per-operation request rate; estimated low because one global endpoint serves every region'),
  'wafv2:ListWebACLs': estimate(5, 10, 'AWS WAF publishes no per-operation request rate; estimated like other security-service list calls'),
  'wafv2:ListResourcesForWebACL': estimate(5, 10, 'AWS WAF publishes no per-operation request rate; estimated like other security-service list calls'),
  'wafv2:GetLoggingConfiguration': estimate(5, 10, 'AWS WAF publishes no per-operation request rate; estimated like other security-service reads'),
  'logs:DescribeSubscriptionFilters': estimate(5, 5, 'CloudWatch Logs lists per-operation rates only in Service Quotas; estimated like its other describe calls (DescribeLogGroups is documented at 10/s)'),
  'logs:DescribeMetricFilters': estimate(5, 5, 'CloudWatch Logs lists per-operation rates only in Service Quotas; estimated like its other describe calls (DescribeLogGroups is documented at 10/s)'),
  'cloudwatch:DescribeAlarms': estimate(9, 9, 'CloudWatch lists DescribeAlarms among its Service Quotas TPS limits; 9/s is the value seen there, not verified against the documentation page'),
  'sns:ListSubscriptionsByTopic': estimate(30, 30, 'Amazon SNS lists its control-plane API rates in Service Quotas; 30/s estimated like its other list calls'),
  'sns:GetSubscriptionAttributes': estimate(30, 30, 'Amazon SNS lists its control-plane API rates in Service Quotas; 30/s estimated like its list calls'),
  'events:ListRules': estimate(10, 20, 'EventBridge lists its control-plane API rates in Service Quotas; estimated like other regional list calls'),
  'events:ListTargetsByRule': estimate(10, 20, 'EventBridge lists its control-plane API rates in Service Quotas; estimated like other regional list calls'),
  'backup:ListBackupPlans': backupRead,
  'backup:GetBackupPlan': backupRead,
  'backup:ListProtectedResources': backupRead,
  'backup:ListBackupJobs': backupRead,
  'backup:ListCopyJobs': backupRead,
  'backup:ListBackupVaults': backupRead,
  'backup:ListRecoveryPointsByBackupVault': backupRead,
  'backup:DescribeBackupVault': backupRead,
  'backup:ListRestoreTestingPlans': backupRead,
  'backup:ListRestoreJobs': backupRead,
  'inspector2:BatchGetAccountStatus': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'inspector2:ListCoverage': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'inspector2:ListFindings': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'inspector2:ListMembers': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'inspector2:ListFilters': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'inspector2:GetConfiguration': estimate(5, 10, 'Amazon Inspector publishes no per-operation request rates; estimated low like other regional security-service reads'),
  'ecr:DescribeRepositories': estimate(10, 20, 'Amazon ECR lists its API rates only in Service Quotas; estimated like other regional describe calls'),
  'ecr:GetRegistryScanningConfiguration': estimate(10, 20, 'Amazon ECR lists its API rates only in Service Quotas; estimated like other regional get calls'),
  'secretsmanager:ListSecrets': documented(100, 100, 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html (combined rate of DescribeSecret and ListSecrets API requests: 100 per second)'),
  'lambda:ListFunctions': estimate(10, 20, 'Lambda documents control-plane rates only for some APIs in Service Quotas; estimated like other regional list calls'),
  'lambda:GetRuntimeManagementConfig': estimate(10, 10, 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html documents 15 requests per second shared by every control-plane API but invocation, GetFunction and GetPolicy (ListFunctions included); 10/s leaves ListFunctions its share'),
  'tag:GetResources': estimate(10, 20, 'The Resource Groups Tagging API publishes no per-operation request rate; estimated like other regional list calls'),

  'sts:AssumeRole': documented(600, 600, STS_QUOTAS),
  'sts:GetCallerIdentity': documented(600, 600, STS_QUOTAS),
};

/** The quota of one action, or undefined when the table has none (the simulator then never throttles it). */
export function quotaOf(action: string): RequestQuota | undefined {
  return REQUEST_QUOTAS[action];
}

/**
 * Quotas low enough that a single account-region's calls can exhaust them within one collection: the collector paces
 * these itself instead of leaning on retries (a paced call holds no request slot while it waits).
 */
export const PACED_BELOW_PER_SECOND = 6;
