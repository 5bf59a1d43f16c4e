/**
 * A generated, deterministic AWS Organization: a management account that lists every member through
 * Organizations, and members that each trust the management account to assume a read-only role.
 */
import { seededRandom } from '../faults.js';
import type { SimDetector } from '../services/guardduty.js';
import { SERVICES } from '../services/registry.js';
import { emptyConfigState } from '../services/config.js';
import { accessAnalyzerState } from '../services/accessanalyzer.js';
import { cloudTrailLake } from '../services/cloudtrail-lake.js';
import { SimAccount, SimWorld, type SimOrganization } from '../world.js';
import {
  addBucket,
  addConformancePack,
  addEvent,
  addRoutineEvents,
  addTrail,
  detectorFeatures,
  guardDutyFinding,
  installManagedRules,
  MANAGED_RULES,
  setupConfigRecorder,
  stableHex,
  type FindingSpec,
} from './builders.js';

export interface OrganizationWorldOptions {
  /** Number of accounts including the management account (at least 1). */
  accounts: number;
  /** Regions populated in every account (default us-east-1 and us-west-2). */
  regions?: string[];
  seed?: number;
  /** The role every member trusts the management account to assume (default EvidenceLockerReadOnly). */
  roleName?: string;
  /** When set, AssumeRole must pass this external id. */
  externalId?: string;
  /** How many members (the last ones) have no such role: AssumeRole is denied. */
  missingRoleAccounts?: number;
  /** How many members (just before those) have the role but a trust policy that denies the caller. */
  deniedRoleAccounts?: number;
  /** Reference time for timestamps (default now). */
  now?: Date;
  /** Long-term access key of the management account's collector user. */
  managementAccessKeyId?: string;
  /**
   * The audit account made delegated administrator of GuardDuty, Security Hub, Inspector and Macie, holding an
   * organisation-wide AWS Config aggregator (`ORG_CONFIG_AGGREGATOR`), an IAM Access Analyzer organization analyzer
   * (`ORG_ACCESS_ANALYZER`) and an organisation CloudTrail Lake event data store (`ORG_EVENT_DATA_STORE_ID`), all in the
   * first region; `true` picks the management account.
   */
  delegatedAdministrator?: string | true;
}

export const ORG_MANAGEMENT_ACCOUNT_ID = '100000000001';
export const ORG_MANAGEMENT_ACCESS_KEY_ID = 'AKIAORGMANAGEMENT001';
export const ORG_CONFIG_AGGREGATOR = 'organization-aggregator';
/** The delegated administrator's IAM Access Analyzer analyzer with the organisation as zone of trust. */
export const ORG_ACCESS_ANALYZER = 'organization-external-access';
/** The id of the audit account's organisation CloudTrail Lake event data store (in the first region). */
export const ORG_EVENT_DATA_STORE_ID = '3f1c9a2e-7b4d-4e6a-9c1b-5d2e8f0a7b64';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const FINDING_TEMPLATES: Array<Omit<FindingSpec, 'ageHours' | 'archived' | 'resourceName'>> = [
  { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, title: 'Unprotected port on an EC2 instance is being probed.', description: 'EC2 instance has an unprotected port which is being probed by a known malicious host.', resourceType: 'Instance' },
  { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2, title: 'SSH brute force attacks against an EC2 instance.', description: 'An EC2 instance has been involved in SSH brute force attacks.', resourceType: 'Instance' },
  { type: 'Discovery:IAMUser/AnomalousBehavior', severity: 5, title: 'Anomalous discovery API calls by an IAM user.', description: 'An API commonly used in discovery tactics was invoked in an anomalous way.', resourceType: 'AccessKey' },
  { type: 'Policy:S3/BucketBlockPublicAccessDisabled', severity: 5, title: 'Amazon S3 Block Public Access was disabled for an S3 bucket.', description: 'An IAM entity disabled Block Public Access on a bucket.', resourceType: 'S3Bucket' },
  { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, title: 'An EC2 instance is querying a domain associated with Bitcoin activity.', description: 'EC2 instance is querying a domain name associated with Bitcoin-related activity.', resourceType: 'Instance' },
  { type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', severity: 8, title: 'Credentials of an EC2 instance role were used from outside AWS.', description: 'Instance credentials created exclusively for an EC2 instance are being used from an external IP address.', resourceType: 'AccessKey' },
];

/** A 12-digit id from 200000000000 to 999999999998, stable for a seed and index. */
function memberAccountId(seed: number, index: number): string {
  const n = parseInt(stableHex(`org/${seed}/account/${index}`, 10), 16) % 799_999_999_999;
  return String(200_000_000_000 + n).padStart(12, '0');
}

export function organizationWorld(opts: OrganizationWorldOptions): SimWorld {
  if (!Number.isInteger(opts.accounts) || opts.accounts < 1) throw new Error(`organizationWorld: accounts must be a positive integer, got ${opts.accounts}`);
  const seed = opts.seed ?? 1;
  const regions = opts.regions?.length ? opts.regions : ['us-east-1', 'us-west-2'];
  const roleName = opts.roleName ?? 'EvidenceLockerReadOnly';
  const now = opts.now ?? new Date();
  const random = seededRandom(seed);
  const world = new SimWorld();

  const ids = [ORG_MANAGEMENT_ACCOUNT_ID];
  const seen = new Set(ids);
  for (let i = 1; ids.length < opts.accounts; i++) {
    const id = memberAccountId(seed, i);
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  const missing = Math.min(opts.missingRoleAccounts ?? 0, ids.length - 1);
  const denied = Math.min(opts.deniedRoleAccounts ?? 0, ids.length - 1 - missing);
  const enabledOptIns = regions.filter((r) => !['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'].includes(r));

  ids.forEach((id, index) => {
    const name = index === 0 ? 'org-management' : `workload-${String(index).padStart(3, '0')}`;
    const account = world.addAccount(new SimAccount(id, name, [...new Set([...regions, ...enabledOptIns])], `aws+${name}@example.com`));
    const fromEnd = ids.length - index;
    if (index > 0 && fromEnd > missing) {
      account.roles.set(roleName, {
        name: roleName,
        trustedAccounts: [ORG_MANAGEMENT_ACCOUNT_ID],
        externalId: opts.externalId,
        denyAll: fromEnd <= missing + denied,
        maxSessionDurationSeconds: 3600,
      });
    }
    populateAccount(account, regions, now, random);
    for (const service of SERVICES) service.seed?.(account, { kind: 'organization', regions, now, random });
  });

  world.organization = { id: `o-${stableHex(`org/${seed}`, 10)}`, managementAccountId: ORG_MANAGEMENT_ACCOUNT_ID, accountIds: ids, ...organizationTree(seed, ids) };
  if (opts.delegatedAdministrator !== undefined) {
    const adminId = opts.delegatedAdministrator === true ? ORG_MANAGEMENT_ACCOUNT_ID : opts.delegatedAdministrator;
    const admin = world.account(adminId);
    if (!admin) throw new Error(`organizationWorld: delegatedAdministrator ${adminId} is not an account of the organisation`);
    delegateAdministration(world, admin, regions, now);
  }
  world.addUserCredentials(ORG_MANAGEMENT_ACCOUNT_ID, 'evidence-locker', {
    accessKeyId: opts.managementAccessKeyId ?? ORG_MANAGEMENT_ACCESS_KEY_ID,
    secretAccessKey: 'org-management-secret-not-a-real-secret',
  });
  return world;
}

/**
 * The OU tree: Workloads holds a third of the member accounts and the nested OU Payments another third; the rest,
 * the management account among them, sit under the root.
 */
function organizationTree(seed: number, ids: string[]): Required<Pick<SimOrganization, 'rootId' | 'organizationalUnits' | 'accountParents'>> {
  const root = stableHex(`org-root/${seed}`, 4);
  const rootId = `r-${root}`;
  const workloads = `ou-${root}-${stableHex(`ou/workloads/${seed}`, 8)}`;
  const payments = `ou-${root}-${stableHex(`ou/payments/${seed}`, 8)}`;
  const members = ids.filter((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID);
  const third = Math.ceil(members.length / 3);
  const accountParents: Record<string, string> = {};
  members.slice(0, third).forEach((id) => (accountParents[id] = payments));
  members.slice(third, 2 * third).forEach((id) => (accountParents[id] = workloads));
  return {
    rootId,
    organizationalUnits: [
      { id: workloads, name: 'Workloads', parentId: rootId },
      { id: payments, name: 'Payments', parentId: workloads },
    ],
    accountParents,
  };
}

/** A plausible account: mostly compliant, with seeded random gaps so a fleet shows a spread of results. */
function populateAccount(account: SimAccount, regions: string[], now: Date, random: () => number): void {
  const home = regions[0];
  const chance = (p: number) => random() < p;
  const logBucket = `${account.name}-${account.id}-cloudtrail`;
  addBucket(account, { name: logBucket, region: home, creationDate: new Date(now.getTime() - 700 * DAY) });
  regions.forEach((region, i) => {
    addBucket(account, {
      name: `${account.name}-${account.id}-data-${region}`,
      region,
      creationDate: new Date(now.getTime() - (100 + i * 30) * DAY),
      ...(chance(0.15) ? { encryption: undefined } : {}),
      ...(chance(0.15) ? { publicAccessBlock: undefined } : {}),
      ...(chance(0.2) ? { policy: undefined } : {}),
      ...(chance(0.5) ? { logging: { TargetBucket: logBucket, TargetPrefix: `data-${region}/` } } : {}),
    });
  });
  account.globalState('s3', () => ({ buckets: [] })).accountPublicAccessBlock = chance(0.8)
    ? { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }
    : undefined;

  addTrail(account, { name: 'management-events', homeRegion: home, bucket: logBucket, multiRegion: true, logFileValidation: chance(0.85), kms: chance(0.8), cloudWatchLogs: chance(0.7), logging: chance(0.95), now, stoppedAt: new Date(now.getTime() - 20 * HOUR) });

  for (const region of regions) {
    addRoutineEvents(account, region, 12, 3, now, random);
    if (chance(0.3)) {
      addEvent(account, region, { name: 'ConsoleLogin', source: 'signin.amazonaws.com', time: new Date(now.getTime() - Math.floor(random() * 20) * HOUR - 60_000), userName: 'ops-admin', readOnly: false, eventType: 'AwsConsoleSignIn', errorMessage: 'Failed authentication', responseElements: { ConsoleLogin: 'Failure' } });
    }
    if (chance(0.8)) {
      const id = stableHex(`${account.id}/${region}/detector`, 32);
      const d: SimDetector = {
        id,
        detector: {
          CreatedAt: new Date(now.getTime() - 400 * DAY).toISOString(),
          UpdatedAt: new Date(now.getTime() - 60 * DAY).toISOString(),
          FindingPublishingFrequency: 'SIX_HOURS',
          ServiceRole: `arn:aws:iam::${account.id}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
          Status: 'ENABLED',
          Tags: {},
          Features: detectorFeatures(now, chance(0.3) ? ['S3_DATA_EVENTS', 'RUNTIME_MONITORING'] : ['RUNTIME_MONITORING']),
        },
        findings: [],
      };
      const count = Math.floor(random() * 4);
      for (let k = 0; k < count; k++) {
        const t = FINDING_TEMPLATES[Math.floor(random() * FINDING_TEMPLATES.length)];
        d.findings.push(guardDutyFinding(account, region, id, { ...t, resourceName: t.resourceType === 'S3Bucket' ? `${account.name}-${account.id}-data-${region}` : `i-${stableHex(`${account.id}/${region}/${k}`, 17)}`, ageHours: 1 + Math.floor(random() * 200), archived: chance(0.2) }, now));
      }
      account.regional(region, 'guardduty', () => ({ detectors: [] })).detectors.push(d);
    }
    setupConfigRecorder(account, region, logBucket, now, { recording: chance(0.95), homeRegion: region === home });
    installManagedRules(account, region, now, { nonCompliant: MANAGED_RULES.filter(() => chance(0.05)).map(([n]) => n) });
    addConformancePack(account, region, 'Operational-Best-Practices-for-PCI-DSS', MANAGED_RULES.map(([n]) => n), now);
  }
}

/** The audit account's organisation-wide views: Config aggregator, organization analyzer, GuardDuty, Security Hub, Inspector and Macie administrator (no random draws, so the members stay as generated). */
function delegateAdministration(world: SimWorld, admin: SimAccount, regions: string[], now: Date): void {
  world.organization!.delegatedAdministrators = { guardduty: admin.id, securityhub: admin.id, config: admin.id, inspector2: admin.id, macie2: admin.id, accessanalyzer: admin.id };
  const home = regions[0];
  const config = admin.regional(home, 'config', emptyConfigState);
  (config.aggregators ??= []).push({
    ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR,
    ConfigurationAggregatorArn: admin.arn('config', `config-aggregator/config-aggregator-${stableHex(`${admin.id}/aggregator`, 8)}`, home),
    OrganizationAggregationSource: { RoleArn: `arn:aws:iam::${admin.id}:role/service-role/AWSConfigRoleForOrganizations`, AllAwsRegions: true },
    CreationTime: new Date(now.getTime() - 300 * DAY),
    LastUpdatedTime: new Date(now.getTime() - 300 * DAY),
  });
  // The organization analyzer of IAM Access Analyzer, in the home region only (as the members' account analyzers).
  const analyzers = accessAnalyzerState(admin, home);
  analyzers.analyzers.push({
    arn: `arn:aws:access-analyzer:${home}:${admin.id}:analyzer/${ORG_ACCESS_ANALYZER}`,
    name: ORG_ACCESS_ANALYZER,
    type: 'ORGANIZATION',
    createdAt: new Date(now.getTime() - 300 * DAY),
    lastResourceAnalyzed: `arn:aws:s3:::${admin.id}-example`,
    lastResourceAnalyzedAt: new Date(now.getTime() - HOUR),
    status: 'ACTIVE',
    tags: {},
  });
  // The organisation trail's Lake store: every member's events in every region, the same events their LookupEvents return.
  cloudTrailLake(admin, home).eventDataStores.push({
    arn: admin.arn('cloudtrail', `eventdatastore/${ORG_EVENT_DATA_STORE_ID}`, home),
    name: 'organization-events',
    organizationEnabled: true,
    multiRegionEnabled: true,
    retentionPeriod: 2557,
  });
  // The administrator needs a detector of its own in every region to list its members' findings there.
  for (const region of regions) {
    const gd = admin.regional(region, 'guardduty', () => ({ detectors: [] }));
    if (gd.detectors.length) continue;
    const id = stableHex(`${admin.id}/${region}/detector`, 32);
    gd.detectors.push({
      id,
      detector: {
        CreatedAt: new Date(now.getTime() - 300 * DAY).toISOString(),
        UpdatedAt: new Date(now.getTime() - 300 * DAY).toISOString(),
        FindingPublishingFrequency: 'SIX_HOURS',
        ServiceRole: `arn:aws:iam::${admin.id}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
        Status: 'ENABLED',
        Tags: {},
        Features: detectorFeatures(now, ['RUNTIME_MONITORING']),
      },
      findings: [],
    });
  }
}
