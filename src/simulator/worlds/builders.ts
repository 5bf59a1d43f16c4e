/**
 * Building blocks for simulated worlds: real-shaped resources (typed with the SDK's own types) that the
 * demo account and generated organisations are assembled from.
 */
import type { ConfigRule, ConformancePackRuleCompliance, EvaluationResult } from '@aws-sdk/client-config-service';
import type { Event } from '@aws-sdk/client-cloudtrail';
import type { Finding, DetectorFeatureConfigurationResult } from '@aws-sdk/client-guardduty';
import { createHash } from 'node:crypto';
import { cloudTrailEvents, cloudTrailTrails, type SimTrail } from '../services/cloudtrail.js';
import { emptyConfigState, type ConfigServiceState } from '../services/config.js';
import { s3State, type SimBucket } from '../services/s3.js';
import type { SimAccount } from '../world.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A stable UUID-shaped id derived from a seed string (deterministic worlds). */
export function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

// ---------------------------------------------------------------- S3

export function tlsOnlyPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

export const BLOCK_ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } as const;

export function kmsKeyArn(account: SimAccount, region: string, seed: string): string {
  return `arn:aws:kms:${region}:${account.id}:key/${stableId(`${account.id}/${region}/${seed}`)}`;
}

/** A bucket configured the way a PCI/HIPAA baseline expects (callers override what should fail). */
export function addBucket(account: SimAccount, b: Partial<SimBucket> & { name: string; region: string; creationDate: Date }): SimBucket {
  const bucket: SimBucket = {
    encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKeyArn(account, b.region, 's3') }, BucketKeyEnabled: true }] },
    publicAccessBlock: { ...BLOCK_ALL },
    versioning: { Status: 'Enabled' },
    policy: tlsOnlyPolicy(b.name),
    ...b,
  };
  s3State(account).buckets.push(bucket);
  return bucket;
}

// ---------------------------------------------------------------- CloudTrail

export function addTrail(
  account: SimAccount,
  t: {
    name: string;
    homeRegion: string;
    bucket: string;
    multiRegion: boolean;
    logFileValidation: boolean;
    kms: boolean;
    cloudWatchLogs: boolean;
    logging: boolean;
    now: Date;
    /** When logging stopped (for a trail that is not logging). */
    stoppedAt?: Date;
  },
): SimTrail {
  const trailArn = `arn:aws:cloudtrail:${t.homeRegion}:${account.id}:trail/${t.name}`;
  const logGroup = `aws-cloudtrail-logs-${account.id}-${t.name}`;
  const recent = new Date(t.now.getTime() - 4 * 60_000);
  const trail: SimTrail = {
    trail: {
      Name: t.name,
      S3BucketName: t.bucket,
      S3KeyPrefix: 'cloudtrail',
      IncludeGlobalServiceEvents: t.multiRegion,
      IsMultiRegionTrail: t.multiRegion,
      HomeRegion: t.homeRegion,
      TrailARN: trailArn,
      LogFileValidationEnabled: t.logFileValidation,
      ...(t.cloudWatchLogs
        ? {
            CloudWatchLogsLogGroupArn: `arn:aws:logs:${t.homeRegion}:${account.id}:log-group:${logGroup}:*`,
            CloudWatchLogsRoleArn: `arn:aws:iam::${account.id}:role/CloudTrailToCloudWatchLogs`,
          }
        : {}),
      ...(t.kms ? { KmsKeyId: kmsKeyArn(account, t.homeRegion, 'cloudtrail') } : {}),
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    },
    status: {
      IsLogging: t.logging,
      LatestDeliveryTime: t.logging ? recent : t.stoppedAt,
      StartLoggingTime: new Date(t.now.getTime() - 400 * DAY),
      ...(t.logging ? {} : { StopLoggingTime: t.stoppedAt }),
      ...(t.logFileValidation ? { LatestDigestDeliveryTime: new Date(t.now.getTime() - 40 * 60_000) } : {}),
      ...(t.cloudWatchLogs ? { LatestCloudWatchLogsDeliveryTime: recent } : {}),
      TimeLoggingStarted: new Date(t.now.getTime() - 400 * DAY).toISOString(),
      LatestDeliveryAttemptTime: recent.toISOString(),
      LatestDeliveryAttemptSucceeded: recent.toISOString(),
    },
    eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }],
  };
  cloudTrailTrails(account).trails.push(trail);
  return trail;
}

export interface EventSpec {
  name: string;
  source: string;
  time: Date;
  userName: string;
  readOnly: boolean;
  resources?: Array<{ type: string; name: string }>;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  eventType?: 'AwsApiCall' | 'AwsConsoleSignIn';
  sourceIp?: string;
  additionalEventData?: Record<string, unknown>;
}

/** A management event as LookupEvents returns it; `CloudTrailEvent` is the full record as a JSON string. */
export function addEvent(account: SimAccount, region: string, e: EventSpec): Event {
  const eventId = stableId(`${account.id}/${region}/${e.name}/${e.time.toISOString()}/${e.userName}`);
  const accessKeyId = `ASIA${stableHex(`${account.id}/${e.userName}`, 16).toUpperCase()}`;
  const record = {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDA${stableHex(e.userName, 17).toUpperCase()}`,
      arn: `arn:aws:iam::${account.id}:user/${e.userName}`,
      accountId: account.id,
      ...(e.eventType === 'AwsConsoleSignIn' ? {} : { accessKeyId }),
      userName: e.userName,
    },
    eventTime: e.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: e.source,
    eventName: e.name,
    awsRegion: region,
    sourceIPAddress: e.sourceIp ?? '203.0.113.24',
    userAgent: e.eventType === 'AwsConsoleSignIn' ? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15' : 'aws-cli/2.17.20 md/Botocore#1.34.142',
    ...(e.errorCode ? { errorCode: e.errorCode } : {}),
    ...(e.errorMessage ? { errorMessage: e.errorMessage } : {}),
    requestParameters: e.requestParameters ?? null,
    responseElements: e.responseElements ?? null,
    ...(e.additionalEventData ? { additionalEventData: e.additionalEventData } : {}),
    requestID: stableId(`req/${eventId}`),
    eventID: eventId,
    readOnly: e.readOnly,
    eventType: e.eventType ?? 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account.id,
    eventCategory: 'Management',
  };
  const event: Event = {
    EventId: eventId,
    EventName: e.name,
    ReadOnly: String(e.readOnly),
    ...(e.eventType === 'AwsConsoleSignIn' ? {} : { AccessKeyId: accessKeyId }),
    EventTime: e.time,
    EventSource: e.source,
    Username: e.userName,
    Resources: (e.resources ?? []).map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: JSON.stringify(record),
  };
  cloudTrailEvents(account, region).events.push(event);
  return event;
}

const ROUTINE_EVENTS: Array<{ name: string; source: string; readOnly: boolean; type?: string; resource?: string }> = [
  { name: 'DescribeInstances', source: 'ec2.amazonaws.com', readOnly: true },
  { name: 'GetBucketEncryption', source: 's3.amazonaws.com', readOnly: true },
  { name: 'ListBuckets', source: 's3.amazonaws.com', readOnly: true },
  { name: 'AssumeRole', source: 'sts.amazonaws.com', readOnly: true },
  { name: 'DescribeTrails', source: 'cloudtrail.amazonaws.com', readOnly: true },
  { name: 'CreateLogStream', source: 'logs.amazonaws.com', readOnly: false },
  { name: 'RunInstances', source: 'ec2.amazonaws.com', readOnly: false, type: 'AWS::EC2::Instance', resource: 'i-0a1b2c3d4e5f60718' },
  { name: 'AuthorizeSecurityGroupIngress', source: 'ec2.amazonaws.com', readOnly: false, type: 'AWS::EC2::SecurityGroup', resource: 'sg-0123456789abcdef0' },
  { name: 'Decrypt', source: 'kms.amazonaws.com', readOnly: true },
  { name: 'GetParameter', source: 'ssm.amazonaws.com', readOnly: true },
];

/** Ordinary API activity spread over the last `days` days (deterministic for a given random source). */
export function addRoutineEvents(account: SimAccount, region: string, count: number, days: number, now: Date, random: () => number): void {
  const users = ['deploy-pipeline', 'alice.ops', 'bob.dev', 'evidence-locker'];
  for (let i = 0; i < count; i++) {
    const r = ROUTINE_EVENTS[Math.floor(random() * ROUTINE_EVENTS.length)];
    addEvent(account, region, {
      name: r.name,
      source: r.source,
      readOnly: r.readOnly,
      time: new Date(now.getTime() - Math.floor(random() * days * DAY) - 60_000),
      userName: users[Math.floor(random() * users.length)],
      resources: r.type ? [{ type: r.type, name: r.resource! }] : [],
    });
  }
}

// ---------------------------------------------------------------- GuardDuty

export function detectorFeatures(now: Date, disabled: string[] = []): DetectorFeatureConfigurationResult[] {
  const names = ['CLOUD_TRAIL', 'DNS_LOGS', 'FLOW_LOGS', 'S3_DATA_EVENTS', 'EKS_AUDIT_LOGS', 'EBS_MALWARE_PROTECTION', 'RDS_LOGIN_EVENTS', 'LAMBDA_NETWORK_LOGS', 'RUNTIME_MONITORING'] as const;
  return names.map((n) => ({
    Name: n,
    Status: disabled.includes(n) ? 'DISABLED' : 'ENABLED',
    UpdatedAt: new Date(now.getTime() - 120 * DAY),
    ...(n === 'RUNTIME_MONITORING' ? { AdditionalConfiguration: [{ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: disabled.includes(n) ? 'DISABLED' : 'ENABLED', UpdatedAt: new Date(now.getTime() - 120 * DAY) }] } : {}),
  }));
}

export interface FindingSpec {
  type: string;
  severity: number;
  title: string;
  description: string;
  archived?: boolean;
  ageHours: number;
  resourceType: 'Instance' | 'AccessKey' | 'S3Bucket';
  resourceName: string;
}

export function guardDutyFinding(account: SimAccount, region: string, detectorId: string, f: FindingSpec, now: Date): Finding {
  const id = stableHex(`${account.id}/${region}/${f.type}/${f.resourceName}`, 32);
  const created = new Date(now.getTime() - f.ageHours * HOUR).toISOString();
  const updated = new Date(now.getTime() - Math.max(0, f.ageHours - 1) * HOUR).toISOString();
  const resource =
    f.resourceType === 'Instance'
      ? { ResourceType: 'Instance', InstanceDetails: { InstanceId: f.resourceName, InstanceType: 't3.medium', InstanceState: 'running', AvailabilityZone: `${region}a` } }
      : f.resourceType === 'AccessKey'
        ? { ResourceType: 'AccessKey', AccessKeyDetails: { AccessKeyId: 'ASIAEXAMPLEKEY000001', PrincipalId: 'AIDAEXAMPLEPRINCIPAL', UserName: f.resourceName, UserType: 'IAMUser' } }
        : { ResourceType: 'S3Bucket', S3BucketDetails: [{ Arn: `arn:aws:s3:::${f.resourceName}`, Name: f.resourceName, Type: 'Destination' }] };
  return {
    AccountId: account.id,
    Arn: `arn:aws:guardduty:${region}:${account.id}:detector/${detectorId}/finding/${id}`,
    CreatedAt: created,
    Description: f.description,
    Id: id,
    Partition: 'aws',
    Region: region,
    Resource: resource,
    SchemaVersion: '2.0',
    Service: {
      Archived: f.archived ?? false,
      Count: 1 + Math.floor(f.ageHours / 6),
      DetectorId: detectorId,
      EventFirstSeen: created,
      EventLastSeen: updated,
      ResourceRole: 'TARGET',
      ServiceName: 'guardduty',
    },
    Severity: f.severity,
    Title: f.title,
    Type: f.type,
    UpdatedAt: updated,
  };
}

// ---------------------------------------------------------------- Config

/** AWS managed rules the demo and generated accounts run (name, source identifier, resource type). */
export const MANAGED_RULES: ReadonlyArray<[string, string, string]> = [
  ['s3-bucket-server-side-encryption-enabled', 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED', 'AWS::S3::Bucket'],
  ['s3-bucket-ssl-requests-only', 'S3_BUCKET_SSL_REQUESTS_ONLY', 'AWS::S3::Bucket'],
  ['s3-bucket-level-public-access-prohibited', 'S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED', 'AWS::S3::Bucket'],
  ['s3-bucket-logging-enabled', 'S3_BUCKET_LOGGING_ENABLED', 'AWS::S3::Bucket'],
  ['s3-bucket-versioning-enabled', 'S3_BUCKET_VERSIONING_ENABLED', 'AWS::S3::Bucket'],
  ['cloudtrail-enabled', 'CLOUD_TRAIL_ENABLED', 'AWS::::Account'],
  ['multi-region-cloudtrail-enabled', 'MULTI_REGION_CLOUD_TRAIL_ENABLED', 'AWS::::Account'],
  ['cloud-trail-log-file-validation-enabled', 'CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED', 'AWS::CloudTrail::Trail'],
  ['cloud-trail-encryption-enabled', 'CLOUD_TRAIL_ENCRYPTION_ENABLED', 'AWS::CloudTrail::Trail'],
  ['cloud-trail-cloud-watch-logs-enabled', 'CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED', 'AWS::CloudTrail::Trail'],
  ['guardduty-enabled-centralized', 'GUARDDUTY_ENABLED_CENTRALIZED', 'AWS::::Account'],
  ['root-account-mfa-enabled', 'ROOT_ACCOUNT_MFA_ENABLED', 'AWS::::Account'],
  ['iam-password-policy', 'IAM_PASSWORD_POLICY', 'AWS::::Account'],
  ['iam-user-mfa-enabled', 'IAM_USER_MFA_ENABLED', 'AWS::IAM::User'],
  ['access-keys-rotated', 'ACCESS_KEYS_ROTATED', 'AWS::IAM::User'],
  ['iam-root-access-key-check', 'IAM_ROOT_ACCESS_KEY_CHECK', 'AWS::::Account'],
  ['encrypted-volumes', 'ENCRYPTED_VOLUMES', 'AWS::EC2::Volume'],
  ['ec2-imdsv2-check', 'EC2_IMDSV2_CHECK', 'AWS::EC2::Instance'],
  ['restricted-ssh', 'INCOMING_SSH_DISABLED', 'AWS::EC2::SecurityGroup'],
  ['vpc-flow-logs-enabled', 'VPC_FLOW_LOGS_ENABLED', 'AWS::EC2::VPC'],
  ['rds-storage-encrypted', 'RDS_STORAGE_ENCRYPTED', 'AWS::RDS::DBInstance'],
  ['rds-instance-public-access-check', 'RDS_INSTANCE_PUBLIC_ACCESS_CHECK', 'AWS::RDS::DBInstance'],
  ['db-instance-backup-enabled', 'DB_INSTANCE_BACKUP_ENABLED', 'AWS::RDS::DBInstance'],
  ['cmk-backing-key-rotation-enabled', 'CMK_BACKING_KEY_ROTATION_ENABLED', 'AWS::KMS::Key'],
  ['cw-loggroup-retention-period-check', 'CW_LOGGROUP_RETENTION_PERIOD_CHECK', 'AWS::Logs::LogGroup'],
  ['securityhub-enabled', 'SECURITYHUB_ENABLED', 'AWS::::Account'],
  ['elb-tls-https-listeners-only', 'ELB_TLS_HTTPS_LISTENERS_ONLY', 'AWS::ElasticLoadBalancing::LoadBalancer'],
  ['alb-http-to-https-redirection-check', 'ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
];

export function configRule(account: SimAccount, region: string, name: string, sourceIdentifier: string, resourceType: string): ConfigRule {
  const id = `config-rule-${stableHex(`${account.id}/${region}/${name}`, 6)}`;
  return {
    ConfigRuleName: name,
    ConfigRuleArn: `arn:aws:config:${region}:${account.id}:config-rule/${id}`,
    ConfigRuleId: id,
    Source: { Owner: 'AWS', SourceIdentifier: sourceIdentifier },
    ...(resourceType.startsWith('AWS::::') ? { MaximumExecutionFrequency: 'TwentyFour_Hours' as const } : { Scope: { ComplianceResourceTypes: [resourceType] } }),
    ConfigRuleState: 'ACTIVE',
  };
}

export function evaluation(rule: ConfigRule, resourceType: string, resourceId: string, compliance: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE', when: Date, annotation?: string): EvaluationResult {
  return {
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: { ConfigRuleName: rule.ConfigRuleName, ResourceType: resourceType, ResourceId: resourceId, EvaluationMode: 'DETECTIVE' },
      OrderingTimestamp: new Date(when.getTime() - 10 * 60_000),
    },
    ComplianceType: compliance,
    ResultRecordedTime: when,
    ConfigRuleInvokedTime: new Date(when.getTime() - 60_000),
    ...(annotation ? { Annotation: annotation } : {}),
  };
}

/** A recorder that records all supported resource types (global ones in the home region), delivering to `bucket`. */
export function setupConfigRecorder(account: SimAccount, region: string, bucket: string, now: Date, opts: { recording?: boolean; homeRegion?: boolean } = {}): ConfigServiceState {
  const s = account.regional(region, 'config', emptyConfigState);
  const recording = opts.recording ?? true;
  s.recorders.push({
    arn: `arn:aws:config:${region}:${account.id}:configuration-recorder/default/${stableHex(`${account.id}/${region}/recorder`, 16)}`,
    name: 'default',
    roleARN: `arn:aws:iam::${account.id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    recordingGroup: { allSupported: true, includeGlobalResourceTypes: opts.homeRegion ?? true, resourceTypes: [], exclusionByResourceTypes: { resourceTypes: [] }, recordingStrategy: { useOnly: 'ALL_SUPPORTED_RESOURCE_TYPES' } },
    recordingMode: { recordingFrequency: 'CONTINUOUS', recordingModeOverrides: [] },
    recordingScope: 'PAID',
  });
  s.recorderStatus.push({
    arn: s.recorders[s.recorders.length - 1].arn,
    name: 'default',
    lastStartTime: new Date(now.getTime() - 300 * DAY),
    ...(recording ? {} : { lastStopTime: new Date(now.getTime() - 3 * DAY) }),
    recording,
    lastStatus: recording ? 'Success' : 'Pending',
    lastStatusChangeTime: new Date(now.getTime() - 15 * 60_000),
  });
  s.deliveryChannels.push({ name: 'default', s3BucketName: bucket, s3KeyPrefix: 'config', configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' } });
  s.deliveryChannelStatus.push({
    name: 'default',
    configSnapshotDeliveryInfo: { lastStatus: 'Success', lastAttemptTime: new Date(now.getTime() - 2 * HOUR), lastSuccessfulTime: new Date(now.getTime() - 2 * HOUR), nextDeliveryTime: new Date(now.getTime() + 22 * HOUR) },
    configHistoryDeliveryInfo: { lastStatus: 'Success', lastAttemptTime: new Date(now.getTime() - 30 * 60_000), lastSuccessfulTime: new Date(now.getTime() - 30 * 60_000) },
    configStreamDeliveryInfo: { lastStatus: 'Not_Applicable' },
  });
  return s;
}

/** A conformance pack whose rule compliance is derived from the rules' current evaluations. */
export function addConformancePack(account: SimAccount, region: string, name: string, ruleNames: string[], now: Date): void {
  const s = account.regional(region, 'config', emptyConfigState);
  const id = `conformance-pack-${stableHex(`${account.id}/${region}/${name}`, 12)}`;
  s.conformancePacks.push({
    ConformancePackName: name,
    ConformancePackArn: `arn:aws:config:${region}:${account.id}:conformance-pack/${name}/${id}`,
    ConformancePackId: id,
    DeliveryS3Bucket: undefined,
    ConformancePackInputParameters: [],
    LastUpdateRequestedTime: new Date(now.getTime() - 30 * DAY),
    CreatedBy: undefined,
  });
  s.conformancePackCompliance[name] = ruleNames.map((r): ConformancePackRuleCompliance => {
    const results = s.evaluations[r] ?? [];
    const nonCompliant = results.some((e) => e.ComplianceType === 'NON_COMPLIANT');
    return { ConfigRuleName: r, ComplianceType: results.length === 0 ? 'INSUFFICIENT_DATA' : nonCompliant ? 'NON_COMPLIANT' : 'COMPLIANT', Controls: [] };
  });
}

/**
 * Installs the managed rules in a region with evaluations derived from the simulated resources themselves
 * (S3 buckets of that region, trails, detectors), so Config agrees with what the direct API queries see.
 * Rules about resources the world does not model are COMPLIANT unless listed in `nonCompliant`.
 */
export function installManagedRules(account: SimAccount, region: string, now: Date, opts: { nonCompliant?: string[]; rules?: ReadonlyArray<[string, string, string]> } = {}): void {
  const s = account.regional(region, 'config', emptyConfigState);
  const buckets = s3State(account).buckets.filter((b) => b.region === region);
  const trails = cloudTrailTrails(account).trails.filter((t) => t.trail.HomeRegion === region || t.trail.IsMultiRegionTrail);
  const detectors = account.regions.get(region)?.guardduty?.detectors ?? [];
  const when = new Date(now.getTime() - 45 * 60_000);
  const forced = new Set(opts.nonCompliant ?? []);
  const verdict = (ok: boolean) => (ok ? 'COMPLIANT' : 'NON_COMPLIANT') as 'COMPLIANT' | 'NON_COMPLIANT';
  const bucketChecks: Record<string, (b: SimBucket) => boolean> = {
    's3-bucket-server-side-encryption-enabled': (b) => !!b.encryption,
    's3-bucket-ssl-requests-only': (b) => !!b.policy?.includes('aws:SecureTransport'),
    's3-bucket-level-public-access-prohibited': (b) => !!b.publicAccessBlock && Object.values(b.publicAccessBlock).every(Boolean),
    's3-bucket-logging-enabled': (b) => !!b.logging,
    's3-bucket-versioning-enabled': (b) => b.versioning?.Status === 'Enabled',
  };
  const trailChecks: Record<string, (t: SimTrail) => boolean> = {
    'cloud-trail-log-file-validation-enabled': (t) => !!t.trail.LogFileValidationEnabled,
    'cloud-trail-encryption-enabled': (t) => !!t.trail.KmsKeyId,
    'cloud-trail-cloud-watch-logs-enabled': (t) => !!t.trail.CloudWatchLogsLogGroupArn,
  };
  for (const [name, source, type] of opts.rules ?? MANAGED_RULES) {
    const rule = configRule(account, region, name, source, type);
    s.rules.push(rule);
    let results: EvaluationResult[];
    if (bucketChecks[name]) {
      results = buckets.map((b) => evaluation(rule, type, b.name, forced.has(name) ? 'NON_COMPLIANT' : verdict(bucketChecks[name](b)), when));
    } else if (trailChecks[name]) {
      results = trails.map((t) => evaluation(rule, type, t.trail.Name!, forced.has(name) ? 'NON_COMPLIANT' : verdict(trailChecks[name](t)), when));
    } else if (name === 'cloudtrail-enabled') {
      results = [evaluation(rule, type, account.id, verdict(trails.some((t) => t.status.IsLogging)), when)];
    } else if (name === 'multi-region-cloudtrail-enabled') {
      results = [evaluation(rule, type, account.id, verdict(trails.some((t) => t.trail.IsMultiRegionTrail && t.status.IsLogging)), when)];
    } else if (name === 'guardduty-enabled-centralized') {
      results = [evaluation(rule, type, account.id, verdict(detectors.some((d) => d.detector.Status === 'ENABLED')), when)];
    } else {
      const resourceId = type === 'AWS::::Account' ? account.id : `${type.split('::')[2]?.toLowerCase() ?? 'resource'}-${stableHex(`${account.id}/${region}/${name}`, 8)}`;
      results = [evaluation(rule, type, resourceId, forced.has(name) ? 'NON_COMPLIANT' : 'COMPLIANT', when, forced.has(name) ? 'The resource does not meet the rule requirement.' : undefined)];
    }
    s.evaluations[name] = results;
  }
}
