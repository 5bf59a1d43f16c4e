/**
 * The demo account: one realistic production account with a mix of passing and failing evidence, so the
 * `demo` command shows every kind of result without an AWS account.
 */
import { seededRandom } from '../faults.js';
import { SimAccount, SimWorld } from '../world.js';
import {
  addBucket,
  addConformancePack,
  addEvent,
  addRoutineEvents,
  addTrail,
  detectorFeatures,
  guardDutyFinding,
  installManagedRules,
  kmsKeyArn,
  MANAGED_RULES,
  setupConfigRecorder,
  stableHex,
} from './builders.js';
import type { SimDetector } from '../services/guardduty.js';
import type { CoverageResource } from '@aws-sdk/client-guardduty';
import { seedTrailDigests } from './seed-cloudtrail-digests.js';
import { SERVICES } from '../services/registry.js';

export const DEMO_ACCOUNT_ID = '111122223333';
export const DEMO_ACCOUNT_NAME = 'demo-production';
export const DEMO_REGIONS = ['us-east-1', 'us-west-2'] as const;
/** Long-term access key of the demo account's collector user (what `simulatorEnv` hands out). */
export const DEMO_ACCESS_KEY_ID = 'AKIADEMO111122223333';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoWorldOptions {
  /** The reference time for every timestamp (default: now); recent events are relative to it. */
  now?: Date;
}

export function demoWorld(opts: DemoWorldOptions = {}): SimWorld {
  const now = opts.now ?? new Date();
  const world = new SimWorld();
  const acct = world.addAccount(new SimAccount(DEMO_ACCOUNT_ID, DEMO_ACCOUNT_NAME, [...DEMO_REGIONS], 'aws-production@example.com'));
  world.addUserCredentials(acct.id, 'evidence-locker', { accessKeyId: DEMO_ACCESS_KEY_ID, secretAccessKey: 'demo-secret-access-key-not-a-real-secret' });
  populateDemoAccount(acct, now);
  const random = seededRandom(7);
  for (const service of SERVICES) service.seed?.(acct, { kind: 'demo', regions: DEMO_REGIONS, now, random });
  addRuntimeCoverage(acct, now);
  return world;
}

/** GuardDuty runtime coverage refers to the EC2 instances the service seeds create, so it is added after them. */
function addRuntimeCoverage(acct: SimAccount, now: Date): void {
  const west = DEMO_REGIONS[1];
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const detector = acct.regions.get(west)!.guardduty!.detectors[0];
  // Runtime coverage in us-west-2: the API instance's agent reports; the ECS cluster's Fargate tasks have no VPC endpoint.
  const westInstances = (acct.regions.get(west)!.ec2?.reservations ?? []).flatMap((r) => r.Instances ?? []);
  detector.coverage = [
    ...westInstances.map(
      (i): CoverageResource => ({
        ResourceId: i.InstanceId,
        DetectorId: detector.id,
        AccountId: acct.id,
        ResourceDetails: { ResourceType: 'EC2', Ec2InstanceDetails: { InstanceId: i.InstanceId, InstanceType: i.InstanceType, ManagementType: 'AUTO_MANAGED', AgentDetails: { Version: '1.6.1' } } },
        CoverageStatus: 'HEALTHY',
        UpdatedAt: ago(0),
      }),
    ),
    {
      ResourceId: 'payments-workers',
      DetectorId: detector.id,
      AccountId: acct.id,
      ResourceDetails: { ResourceType: 'ECS', EcsClusterDetails: { ClusterName: 'payments-workers', FargateDetails: { ManagementType: 'AUTO_MANAGED' } } },
      CoverageStatus: 'UNHEALTHY',
      Issue: 'VPC endpoint for GuardDuty is missing in the VPC of the Fargate tasks',
      UpdatedAt: ago(0),
    },
  ];
}

function populateDemoAccount(acct: SimAccount, now: Date): void {
  const random = seededRandom(20240331);
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const [east, west] = DEMO_REGIONS;

  // ---- S3: good buckets (encrypted, blocked, versioned, TLS-only) and two that fail.
  const trailBucket = 'demo-production-cloudtrail-logs';
  const logBucket = 'demo-production-access-logs';
  addBucket(acct, {
    name: trailBucket,
    region: east,
    creationDate: ago(820),
    logging: { TargetBucket: logBucket, TargetPrefix: `${trailBucket}/` },
    lifecycleRules: [{ ID: 'retain-one-year-then-glacier', Status: 'Enabled', Filter: { Prefix: '' }, Transitions: [{ Days: 90, StorageClass: 'GLACIER' }], Expiration: { Days: 2555 } }],
  });
  addBucket(acct, {
    name: logBucket,
    region: east,
    creationDate: ago(820),
    encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
    lifecycleRules: [{ ID: 'expire-access-logs', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 400 } }],
  });
  addBucket(acct, {
    name: 'demo-production-evidence-archive',
    region: west,
    creationDate: ago(410),
    logging: { TargetBucket: logBucket, TargetPrefix: 'demo-production-evidence-archive/' },
    objectLock: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
  });
  addBucket(acct, {
    name: 'demo-production-cardholder-data',
    region: east,
    creationDate: ago(640),
    logging: { TargetBucket: logBucket, TargetPrefix: 'demo-production-cardholder-data/' },
    encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKeyArn(acct, east, 'cardholder-data') }, BucketKeyEnabled: true }] },
  });
  // Fails encryption: created before default encryption, never configured.
  addBucket(acct, {
    name: 'demo-production-legacy-uploads',
    region: east,
    creationDate: ago(1900),
    encryption: undefined,
    versioning: { Status: 'Suspended' },
    policy: undefined,
    // A public-read ACL from before Block Public Access; the account's IgnorePublicAcls neutralizes it.
    aclGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
  });
  // Fails public access: no public access block, public-read website policy without a TLS condition.
  addBucket(acct, {
    name: 'demo-production-marketing-site',
    region: west,
    creationDate: ago(300),
    encryption: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
    publicAccessBlock: undefined,
    versioning: {},
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicReadWebsite', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::demo-production-marketing-site/*' }],
    }),
  });
  acct.global.s3!.accountPublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false };

  // ---- CloudTrail: a good organisation-wide trail and a legacy single-region trail without validation.
  const managementTrail = addTrail(acct, { name: 'management-events', homeRegion: east, bucket: trailBucket, multiRegion: true, logFileValidation: true, kms: true, cloudWatchLogs: true, logging: true, now });
  // Log file validation: an intact digest chain for the home region; in the second region one log file was altered after delivery.
  seedTrailDigests(acct, managementTrail, { sourceRegion: east, now, hours: 30 });
  seedTrailDigests(acct, managementTrail, { sourceRegion: west, now, hours: 30, tamperLogAtHour: 5 });
  const legacyTrail = addTrail(acct, { name: 'legacy-app-trail', homeRegion: west, bucket: trailBucket, multiRegion: false, logFileValidation: false, kms: false, cloudWatchLogs: false, logging: false, now, stoppedAt: new Date(now.getTime() - 6 * HOUR) });
  // Write-only management events: not a record of all management activity even while logging.
  legacyTrail.eventSelectors = [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }];

  addRoutineEvents(acct, east, 70, 7, now, random);
  addRoutineEvents(acct, west, 25, 7, now, random);
  addEvent(acct, west, {
    name: 'StopLogging',
    source: 'cloudtrail.amazonaws.com',
    time: new Date(now.getTime() - 6 * HOUR),
    userName: 'bob.dev',
    readOnly: false,
    resources: [{ type: 'AWS::CloudTrail::Trail', name: `arn:aws:cloudtrail:${west}:${acct.id}:trail/legacy-app-trail` }],
    requestParameters: { name: 'legacy-app-trail' },
  });
  addEvent(acct, west, {
    name: 'PutBucketPolicy',
    source: 's3.amazonaws.com',
    time: new Date(now.getTime() - 3 * HOUR),
    userName: 'alice.ops',
    readOnly: false,
    resources: [{ type: 'AWS::S3::Bucket', name: 'demo-production-marketing-site' }],
    requestParameters: { bucketName: 'demo-production-marketing-site', policy: '', Host: 'demo-production-marketing-site.s3.us-west-2.amazonaws.com' },
  });
  addEvent(acct, east, {
    name: 'ConsoleLogin',
    source: 'signin.amazonaws.com',
    time: new Date(now.getTime() - 2 * HOUR),
    userName: 'alice.ops',
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    sourceIp: '198.51.100.77',
    errorMessage: 'Failed authentication',
    responseElements: { ConsoleLogin: 'Failure' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
  });
  addEvent(acct, east, {
    name: 'ConsoleLogin',
    source: 'signin.amazonaws.com',
    time: new Date(now.getTime() - 2 * HOUR + 90_000),
    userName: 'alice.ops',
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    sourceIp: '198.51.100.77',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
  });

  // ---- GuardDuty: enabled in both regions; findings of several severities in us-east-1, one archived.
  for (const region of DEMO_REGIONS) {
    const id = stableHex(`${acct.id}/${region}/detector`, 32);
    const d: SimDetector = {
      id,
      detector: {
        CreatedAt: ago(500).toISOString(),
        UpdatedAt: ago(120).toISOString(),
        FindingPublishingFrequency: 'FIFTEEN_MINUTES',
        ServiceRole: `arn:aws:iam::${acct.id}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
        Status: 'ENABLED',
        Tags: {},
        // Runtime monitoring on in us-west-2 only; us-east-1's instances are therefore uncovered.
        Features: detectorFeatures(now, region === west ? ['S3_DATA_EVENTS'] : ['RUNTIME_MONITORING']),
      },
      findings: [],
    };
    acct.regional(region, 'guardduty', () => ({ detectors: [] })).detectors.push(d);
  }
  const eastDetector = acct.regions.get(east)!.guardduty!.detectors[0];
  const westDetector = acct.regions.get(west)!.guardduty!.detectors[0];
  eastDetector.findings.push(
    guardDutyFinding(acct, east, eastDetector.id, { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, title: 'Unprotected port on EC2 instance i-0a1b2c3d4e5f60718 is being probed.', description: 'EC2 instance has an unprotected port which is being probed by a known malicious host.', ageHours: 30, resourceType: 'Instance', resourceName: 'i-0a1b2c3d4e5f60718' }, now),
    guardDutyFinding(acct, east, eastDetector.id, { type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', severity: 5, title: 'Unusual console login was seen for principal alice.ops.', description: 'Principal alice.ops successfully logged in to the console from an unusual location.', ageHours: 2, resourceType: 'AccessKey', resourceName: 'alice.ops' }, now),
    guardDutyFinding(acct, east, eastDetector.id, { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, title: 'EC2 instance i-0f9e8d7c6b5a40312 is querying a domain name associated with Bitcoin activity.', description: 'EC2 instance is querying a domain name that is associated with Bitcoin-related activity.', ageHours: 14, resourceType: 'Instance', resourceName: 'i-0f9e8d7c6b5a40312' }, now),
    guardDutyFinding(acct, east, eastDetector.id, { type: 'Policy:S3/BucketBlockPublicAccessDisabled', severity: 5, title: 'Amazon S3 Block Public Access was disabled for S3 bucket demo-production-legacy-uploads.', description: 'Block Public Access was disabled for an S3 bucket; the finding was reviewed and archived.', archived: true, ageHours: 400, resourceType: 'S3Bucket', resourceName: 'demo-production-legacy-uploads' }, now),
  );
  // A narrow suppression rule in us-east-1 (needs review: it archives matching findings and keeps them from
  // integrations); in us-west-2 a saved view only (NOOP), which archives nothing.
  eastDetector.filters = [
    {
      Name: 'suppress-vulnerability-scanner-portscan',
      Description: 'Port scans by the approved internal vulnerability scanner',
      Action: 'ARCHIVE',
      Rank: 1,
      FindingCriteria: { Criterion: { type: { Equals: ['Recon:EC2/Portscan'] }, 'resource.instanceDetails.instanceId': { Equals: ['i-0c5a11e7b0a9d8f76'] } } },
      Tags: {},
    },
  ];
  westDetector.filters = [{ Name: 'high-severity-view', Action: 'NOOP', Rank: 1, FindingCriteria: { Criterion: { severity: { Gte: 7 } } }, Tags: {} }];
  westDetector.findings.push(
    guardDutyFinding(acct, west, westDetector.id, { type: 'Policy:S3/BucketAnonymousAccessGranted', severity: 8, title: 'Anonymous access was granted on S3 bucket demo-production-marketing-site.', description: 'An IAM entity changed a bucket policy to allow anonymous access.', ageHours: 3, resourceType: 'S3Bucket', resourceName: 'demo-production-marketing-site' }, now),
  );

  // ---- Config: recorders recording everything; managed rules evaluated against the resources above.
  for (const region of DEMO_REGIONS) {
    setupConfigRecorder(acct, region, trailBucket, now, { homeRegion: region === east });
    installManagedRules(acct, region, now, { nonCompliant: region === east ? ['iam-user-mfa-enabled', 'access-keys-rotated'] : [] });
    addConformancePack(acct, region, 'Operational-Best-Practices-for-PCI-DSS', MANAGED_RULES.map(([n]) => n), now);
  }
}
