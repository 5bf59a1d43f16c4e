/**
 * The AWS CloudFormation templates of deploy/, built as plain objects and written as JSON by
 * `npm run deploy:policy` (deploy/generate.ts). JSON needs no custom YAML tags, and the tests read exactly what
 * CloudFormation reads.
 *
 *   evidence-bucket.json  audit account: Object Lock bucket, its KMS key, the manifest signing key
 *   collector.json        audit account: ECS cluster, task definition, roles, log group, daily schedule(s)
 *   member-role.json      every member account (StackSet): the read-only role the queries need
 */
import type { MemberActions } from './policy.js';

export type Template = Record<string, unknown>;

export const CONTAINER_NAME = 'evidence-locker';
/** The only writable path in the container besides /tmp (both on the task's ephemeral storage). */
export const SCRATCH_PATH = '/data';
/** The `node` user of the official Node images. */
export const CONTAINER_USER = '1000:1000';
export const MAX_SHARDS = 8;
export const DEFAULT_MEMBER_ROLE = 'EvidenceLockerReadOnly';
export const DEFAULT_COLLECTOR_ROLE = 'evidence-locker-collector';
export const DEFAULT_PREFIX = 'evidence-locker/';
export const HEALTH_PORT = 8080;
/**
 * MaxSessionDuration of every role of deploy/: one hour. The collector reaches the member and delegated-admin roles
 * by role chaining (STS caps such sessions at an hour) and accounts.sessionDurationSeconds is at most 3600; the other
 * roles (task, execution, scheduler, legal-hold, break-glass) keep IAM's default of one hour.
 */
export const MAX_SESSION_SECONDS = 3600;
/** CloudWatch Logs retention values of at least a year (PCI DSS 10.5.1: twelve months of audit log history). */
export const LOG_RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const ref = (name: string) => ({ Ref: name });
const sub = (s: string, vars?: Record<string, unknown>) => ({ 'Fn::Sub': vars ? [s, vars] : s });
const getAtt = (resource: string, attr: string) => ({ 'Fn::GetAtt': [resource, attr] });
const ifCond = (cond: string, yes: unknown, no: unknown) => ({ 'Fn::If': [cond, yes, no] });
const NO_VALUE = ref('AWS::NoValue');
const ACCOUNT_ROOT = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');

/**
 * Key administration, spelled out (no wildcards), delegated to the audit account's IAM policies. It holds every key read
 * the member role makes (kms.key-rotation reads ListKeyRotations), so the audit account's own keys are judged like any
 * other key instead of failing with AccessDenied where the member role is deployed there too. Not kms:CreateGrant:
 * a grant can give any principal the use of the key (Sign, Decrypt) outside this policy, so no statement allows it.
 * The destructive ones (disable, schedule deletion, replace the policy) are denied below to all but the break-glass
 * role ({@link KEY_BREAK_GLASS_ONLY_ACTIONS}).
 */
const KMS_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/**
 * Key actions that would make the evidence unreadable (disable, delete) or rewrite who may use a key (a new key policy,
 * a grant): denied to every principal but the break-glass role, the account root included. Because the policy denies
 * kms:PutKeyPolicy to whoever deploys the stack, the keys are created with BypassPolicyLockoutSafetyCheck; the
 * break-glass role (through IAM) can still replace the policy, so the key stays manageable.
 */
export const KEY_BREAK_GLASS_ONLY_ACTIONS = ['kms:CreateGrant', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'];

/** What the collector's KMS signer sends (src/aws/kms-signer.ts): ECDSA P-256 over a SHA-256 digest. */
export const SIGN_CONDITIONS = { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } };

/**
 * What S3 calls on the evidence key for SSE-KMS objects, multipart uploads included: GenerateDataKey to write,
 * Decrypt to read. (kms:Encrypt, allowed before, is not among them and is no longer allowed.)
 */
export const EVIDENCE_KEY_DATA_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** The break-glass role: the one the stack creates, or the one named by the BreakGlassRoleArn parameter. */
const BREAK_GLASS_ARN = ifCond('CreateBreakGlassRole', getAtt('BreakGlassRole', 'Arn'), ref('BreakGlassRoleArn'));

/** The two roles of collector.json that may sign (named by the CollectorRoleName parameter of this stack). */
const SIGNER_ROLE_ARNS = [
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}'),
  sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}-legal-hold'),
];

/**
 * AllowedVpceIds (evidence-bucket.json): when given, the collector and legal-hold roles may sign and write evidence only
 * through one of those VPC endpoints. aws:SourceVpce is absent from a request that reaches S3 or KMS any other way, and
 * a negated operator matches an absent key, so such a request is denied. Scoped to those two roles by ARN: the
 * break-glass role, administrators and CloudFormation are not pinned.
 */
const PIN_CONDITION = 'PinToVpcEndpoints';
function pinnedToVpcEndpoints(statement: Record<string, unknown>): Record<string, unknown> {
  return ifCond(PIN_CONDITION, { ...statement, Condition: { ArnEquals: { 'aws:PrincipalArn': SIGNER_ROLE_ARNS }, StringNotEquals: { 'aws:SourceVpce': ref('AllowedVpceIds') } } }, NO_VALUE);
}

function keyPolicy(useSid: string, useActions: string[], extra: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KeyAdministration', Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: KMS_ADMIN_ACTIONS, Resource: '*' },
      { Sid: useSid, Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: useActions, Resource: '*' },
      ...extra,
      {
        Sid: 'DenyKeyDestructionExceptBreakGlass',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: KEY_BREAK_GLASS_ONLY_ACTIONS,
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': BREAK_GLASS_ARN } },
      },
    ],
  };
}

/** deploy/bucket-policy.json: the evidence bucket policy with `${BucketName}`-style placeholders. */
export interface BucketPolicyDocument {
  Version: string;
  Id?: string;
  Statement: Record<string, unknown>[];
}

/** Placeholders of deploy/bucket-policy.json and what they become in the stack (a resource or a parameter). */
export const BUCKET_POLICY_PLACEHOLDERS: Record<string, string> = {
  BucketName: 'EvidenceBucket',
  BreakGlassRoleArn: 'BreakGlassRoleArn',
  MinimumRetentionDays: 'MinimumRetentionDays',
  EvidenceKeyArn: 'EvidenceKey.Arn',
};

/** Turns every placeholder string of the policy into an Fn::Sub on the stack's names, in any partition. */
function substitutePlaceholders(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const replaced = value
      .replace(/\$\{(\w+)\}/g, (_, name: string) => {
        const target = BUCKET_POLICY_PLACEHOLDERS[name];
        if (!target) throw new Error(`deploy/bucket-policy.json: unknown placeholder \${${name}} (known: ${Object.keys(BUCKET_POLICY_PLACEHOLDERS).join(', ')})`);
        return `\${${target}}`;
      })
      .replace(/^arn:aws:/, 'arn:${AWS::Partition}:');
    // The break-glass role is a condition of the stack (created, or named by a parameter): a Sub variable.
    return replaced.includes('${BreakGlassRoleArn}') ? sub(replaced, { BreakGlassRoleArn: BREAK_GLASS_ARN }) : sub(replaced);
  }
  if (Array.isArray(value)) return value.map(substitutePlaceholders);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholders(v)]));
  return value;
}

/**
 * The stack's bucket policy: every statement of deploy/bucket-policy.json (TLS only; no version deletes,
 * governance bypass or lock reconfiguration but by the break-glass role; no write below the minimum retention),
 * plus a deny of TLS older than 1.2.
 */
export function evidenceBucketPolicy(policy: BucketPolicyDocument): Record<string, unknown> {
  const objects = sub('arn:${AWS::Partition}:s3:::${EvidenceBucket}/*');
  const bucket = sub('arn:${AWS::Partition}:s3:::${EvidenceBucket}');
  return {
    Version: policy.Version,
    ...(policy.Id ? { Id: policy.Id } : {}),
    Statement: [
      ...policy.Statement.map((st) => substitutePlaceholders(st)),
      { Sid: 'DenyOutdatedTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket, objects], Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
      // Only with AllowedVpceIds: stolen collector or legal-hold credentials write no evidence from outside the VPC.
      pinnedToVpcEndpoints({ Sid: 'DenyEvidenceWritesOutsideTheVpcEndpoints', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:PutObjectLegalHold', 's3:PutObjectRetention'], Resource: objects }),
    ],
  };
}

/** Audit account: the write-once evidence bucket, its customer managed key, and the manifest signing key. */
export function evidenceBucketTemplate(bucketPolicy: BucketPolicyDocument): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Evidence Locker evidence store: S3 Object Lock (COMPLIANCE) bucket encrypted with a customer managed KMS key, TLS-only and no-delete bucket policy, and an asymmetric KMS key that signs run manifests.',
    Parameters: {
      BucketName: { Type: 'String', AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', Description: 'Globally unique name of the evidence bucket.' },
      RetentionYears: {
        Type: 'Number',
        Default: 6,
        MinValue: 1,
        MaxValue: 100,
        Description: 'Default Object Lock retention (COMPLIANCE mode) in years. HIPAA 45 CFR 164.316(b)(2)(i) keeps documentation six years; PCI DSS 10.5.1 needs at least twelve months. Cannot be shortened for objects already written.',
      },
      MinimumRetentionDays: {
        Type: 'Number',
        Default: 2190,
        MinValue: 1,
        Description: 'Writes and retention changes leaving fewer days of retention are denied by the bucket policy. Keep it at or below RetentionYears x 365 (six years is 2190 or 2191 days depending on leap days), and at or below the collector store.retention.',
      },
      BreakGlassRoleName: {
        Type: 'String',
        Default: 'EvidenceBreakGlass',
        AllowedPattern: '^[\\w+=,.@-]{1,64}$',
        Description: 'Name of the break-glass role this stack creates (when BreakGlassRoleArn is empty): trusted by this account with MFA, no permissions until you attach them.',
      },
      BreakGlassRoleArn: {
        Type: 'String',
        Default: '',
        AllowedPattern: '^(arn:aws[a-z-]*:iam::\\d{12}:role/.+)?$',
        Description: 'Leave empty to have the stack create the break-glass role. Otherwise an existing role: the only principal allowed to delete object versions (after their retention ends), bypass governance retention, change the bucket policy, encryption, public access block, ownership, replication, lifecycle or Object Lock configuration, and disable, delete or re-policy the two KMS keys. Guard it (MFA, alarms).',
      },
      CollectorRoleName: {
        Type: 'String',
        Default: DEFAULT_COLLECTOR_ROLE,
        Description: 'CollectorRoleName of the collector stack: only that role and its -legal-hold role may use the signing key (kms:Sign).',
      },
      AllowedVpceIds: {
        Type: 'CommaDelimitedList',
        Default: '',
        AllowedPattern: '^(vpce-[0-9a-f]+)?$',
        Description:
          'Optional: VPC endpoint ids (vpce-...) of the collector VPC, its S3 endpoint and its KMS interface endpoint. When given, the key and bucket policies deny kms:Sign and evidence writes (PutObject, PutObjectRetention, PutObjectLegalHold) by the collector and legal-hold roles unless the request comes through one of them; hold, release and package with those roles must then run inside that VPC. Empty: not pinned.',
      },
    },
    Conditions: {
      CreateBreakGlassRole: { 'Fn::Equals': [ref('BreakGlassRoleArn'), ''] },
      [PIN_CONDITION]: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', ref('AllowedVpceIds')] }, ''] }] },
    },
    Resources: {
      BreakGlassRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'CreateBreakGlassRole',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          RoleName: ref('BreakGlassRoleName'),
          Description: 'Evidence Locker break-glass: the only principal the bucket and key policies let change the evidence store configuration or the keys. No permissions until an administrator attaches them; alarm on its use',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }],
          },
        },
      },
      EvidenceKey: {
        Type: 'AWS::KMS::Key',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          Description: 'Evidence Locker: encrypts evidence objects (SSE-KMS)',
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          EnableKeyRotation: true,
          RotationPeriodInDays: 365,
          // The policy denies kms:PutKeyPolicy to whoever deploys this stack (all but break-glass): see KEY_BREAK_GLASS_ONLY_ACTIONS.
          BypassPolicyLockoutSafetyCheck: true,
          // The data actions only as S3 calls them for SSE-KMS in this region (kms:ViaService): credentials allowed
          // kms:Decrypt by IAM cannot decrypt a data key or make one by calling KMS themselves.
          KeyPolicy: keyPolicy('KeyUseThroughIamPolicies', ['kms:DescribeKey'], [
            { Sid: 'DataKeysOnlyThroughS3', Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: EVIDENCE_KEY_DATA_ACTIONS, Resource: '*', Condition: { StringEquals: { 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } } },
          ]),
        },
      },
      EvidenceKeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/evidence-locker-evidence', TargetKeyId: ref('EvidenceKey') } },
      SigningKey: {
        Type: 'AWS::KMS::Key',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          Description: 'Evidence Locker: signs run manifests (ECDSA P-256); its public key travels with every package',
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          BypassPolicyLockoutSafetyCheck: true,
          // kms:Sign still needs an IAM allow, and only the collector and legal-hold roles may use it, only as the signer does.
          KeyPolicy: keyPolicy('SigningThroughIamPolicies', ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Verify'], [
            { Sid: 'SignDigestsThroughIamPolicies', Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'kms:Sign', Resource: '*', Condition: SIGN_CONDITIONS },
            { Sid: 'DenySigningButByTheCollectorRoles', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': SIGNER_ROLE_ARNS } } },
            // Only with AllowedVpceIds: those two roles sign only through the listed endpoints (the KMS interface endpoint).
            pinnedToVpcEndpoints({ Sid: 'DenyCollectorSigningOutsideTheVpcEndpoints', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign', Resource: '*' }),
          ]),
        },
      },
      SigningKeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/evidence-locker-signing', TargetKeyId: ref('SigningKey') } },
      EvidenceBucket: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketName: ref('BucketName'),
          ObjectLockEnabled: true,
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: ref('RetentionYears') } } },
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: {
            // SSE-C blocked: nobody with s3:PutObject can lock a version only their own key reads over evidence.
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt('EvidenceKey', 'Arn') }, BucketKeyEnabled: true, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }],
          },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        },
      },
      // Retained like the bucket: its own statements deny DeleteBucketPolicy to all but break-glass, so deleting the stack
      // (or rolling back a failed first create) would otherwise end in DELETE_FAILED.
      EvidenceBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { Bucket: ref('EvidenceBucket'), PolicyDocument: evidenceBucketPolicy(bucketPolicy) },
      },
    },
    Outputs: {
      BucketName: { Value: ref('EvidenceBucket'), Export: { Name: sub('${AWS::StackName}-BucketName') } },
      BucketArn: { Value: getAtt('EvidenceBucket', 'Arn') },
      EvidenceKeyArn: { Value: getAtt('EvidenceKey', 'Arn'), Export: { Name: sub('${AWS::StackName}-EvidenceKeyArn') } },
      SigningKeyArn: { Value: getAtt('SigningKey', 'Arn'), Export: { Name: sub('${AWS::StackName}-SigningKeyArn') } },
      BreakGlassRoleArn: { Value: BREAK_GLASS_ARN },
    },
  };
}

/** Statements of the collector task role (audit account): exactly what collect, seal and package need. */
export function collectorTaskPolicyStatements(): Record<string, unknown>[] {
  const bucket = sub('arn:${AWS::Partition}:s3:::${BucketName}');
  const evidenceObjects = sub('arn:${AWS::Partition}:s3:::${BucketName}/${EvidencePrefix}*');
  return [
    {
      Sid: 'AssumeMemberReadOnlyRolesInTheOrganizationOnly',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: sub('arn:${AWS::Partition}:iam::*:role/${MemberRoleName}'),
      // A role of that name in an account outside the organisation is never assumed.
      Condition: { StringEquals: { 'aws:ResourceOrgID': ref('OrganizationId') } },
    },
    { Sid: 'DiscoverOrganizationAccounts', Effect: 'Allow', Action: ['organizations:ListAccounts', 'organizations:ListParents', 'organizations:ListChildren', 'organizations:ListAccountsForParent'], Resource: '*' },
    {
      Sid: 'EvidenceStorePreflightAndListing',
      Effect: 'Allow',
      Action: STORE_PREFLIGHT_ACTIONS,
      Resource: bucket,
    },
    {
      Sid: 'EvidenceWritesUnderPrefixOnly',
      Effect: 'Allow',
      // No s3:PutObjectLegalHold: the scheduled task can neither place nor lift a hold (the legal-hold role does).
      Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectRetention'],
      Resource: evidenceObjects,
    },
    {
      Sid: 'EvidenceReadsUnderPrefix',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion', 's3:ListMultipartUploadParts'],
      Resource: evidenceObjects,
    },
    { Sid: 'EvidenceEncryption', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ref('EvidenceKeyArn') },
    { Sid: 'ReadSigningPublicKey', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetPublicKey'], Resource: ref('SigningKeyArn') },
    // Only the signature the seal asks for; whoever holds the role can still sign any digest (see README, threat model).
    { Sid: 'SignRunManifestDigests', Effect: 'Allow', Action: ['kms:Sign'], Resource: ref('SigningKeyArn'), Condition: SIGN_CONDITIONS },
  ];
}

/** Bucket-level reads of `store check` (pre-flight, lifecycle rules, bucket policy) and of version listing. */
const STORE_PREFLIGHT_ACTIONS = [
  's3:GetBucketLocation',
  's3:GetBucketObjectLockConfiguration',
  's3:GetBucketPolicy',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  's3:GetLifecycleConfiguration',
  's3:ListBucket',
  's3:ListBucketVersions',
];

/**
 * Statements of the legal-hold role: people (with MFA) assume it for `evidence-locker hold|release --role-arn`.
 * It places and lifts holds and seals the legal-hold run that records each action; the scheduled task cannot.
 */
export function legalHoldPolicyStatements(): Record<string, unknown>[] {
  const bucket = sub('arn:${AWS::Partition}:s3:::${BucketName}');
  const evidenceObjects = sub('arn:${AWS::Partition}:s3:::${BucketName}/${EvidencePrefix}*');
  return [
    { Sid: 'EvidenceStorePreflightAndListing', Effect: 'Allow', Action: STORE_PREFLIGHT_ACTIONS, Resource: bucket },
    { Sid: 'LegalHoldAndItsRecordUnderPrefixOnly', Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectLegalHold', 's3:PutObjectRetention'], Resource: evidenceObjects },
    { Sid: 'EvidenceReadsUnderPrefix', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectVersion'], Resource: evidenceObjects },
    { Sid: 'EvidenceEncryption', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ref('EvidenceKeyArn') },
    { Sid: 'ReadSigningPublicKey', Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:GetPublicKey'], Resource: ref('SigningKeyArn') },
    { Sid: 'SignLegalHoldRunDigests', Effect: 'Allow', Action: ['kms:Sign'], Resource: ref('SigningKeyArn'), Condition: SIGN_CONDITIONS },
  ];
}

function shardCondition(n: number): string {
  return `Shard${n}Enabled`;
}

/** Audit account: the collector on ECS Fargate, run daily by EventBridge Scheduler (or as a daemon service). */
export function collectorTemplate(): Template {
  const conditions: Record<string, unknown> = {
    IsDaemonService: { 'Fn::Equals': [ref('Mode'), 'daemon-service'] },
    IsScheduledTasks: { 'Fn::Equals': [ref('Mode'), 'scheduled-tasks'] },
    HasExternalId: { 'Fn::Not': [{ 'Fn::Equals': [ref('ExternalId'), ''] }] },
    HasAlarmTopic: { 'Fn::Not': [{ 'Fn::Equals': [ref('AlarmTopicArn'), ''] }] },
    IsSingleShard: { 'Fn::Equals': [ref('ShardCount'), '1'] },
    HasCollectionWindow: { 'Fn::Not': [{ 'Fn::Equals': [ref('CollectionWindowMinutes'), '0'] }] }, // Ref of a Number parameter is a string
  };
  const schedules: Record<string, unknown> = {};
  for (let n = 1; n <= MAX_SHARDS; n++) {
    // Shard n runs when ShardCount >= n.
    if (n > 1) {
      const below = Array.from({ length: n - 1 }, (_, i) => ({ 'Fn::Equals': [ref('ShardCount'), String(i + 1)] }));
      conditions[shardCondition(n)] = { 'Fn::And': [{ Condition: 'IsScheduledTasks' }, { 'Fn::Not': [below.length === 1 ? below[0] : { 'Fn::Or': below }] }] };
    }
    const runTask = {
      cluster: '${Cluster.Arn}',
      taskDefinition: '${TaskDefinition}',
      launchType: 'FARGATE',
      count: 1,
      propagateTags: 'TASK_DEFINITION',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['${SubnetList}'], securityGroups: ['${SecurityGroupList}'], assignPublicIp: '${AssignPublicIp}' } },
      overrides: { containerOverrides: [{ name: CONTAINER_NAME, command: '@COMMAND@' }] },
    };
    // One shard is a plain `collect` (chain `default`); with more, each schedule runs its own `--shard n/count`
    // (written into the request itself for n > 1: collector.json must stay under the 51,200 bytes of a direct upload).
    const command = n === 1 ? '${Command}' : `["collect","--shard","${n}/\${ShardCount}"]`;
    schedules[`CollectShard${n}Schedule`] = {
      Type: 'AWS::Scheduler::Schedule',
      Condition: n === 1 ? 'IsScheduledTasks' : shardCondition(n),
      Properties: {
        Name: sub(`\${AWS::StackName}-collect-shard-${n}`),
        // The stack's own group: the scheduler role trusts schedules of this group only (aws:SourceArn).
        GroupName: ref('CollectScheduleGroup'),
        Description: `Evidence Locker: daily collection, shard ${n} (chain shard-${n}-of-<ShardCount>)`,
        ScheduleExpression: ref('ScheduleExpression'),
        ScheduleExpressionTimezone: ref('ScheduleTimezone'),
        // A collection at a fixed, known minute lets whoever can change settings change them back before it: each day's
        // run starts at a time EventBridge Scheduler picks within the window (CollectionWindowMinutes; 0 = exactly on time).
        FlexibleTimeWindow: ifCond('HasCollectionWindow', { Mode: 'FLEXIBLE', MaximumWindowInMinutes: ref('CollectionWindowMinutes') }, { Mode: 'OFF' }),
        State: 'ENABLED',
        Target: {
          // The universal target passes the ECS RunTask request as written, so each shard gets its own command.
          Arn: sub('arn:${AWS::Partition}:scheduler:::aws-sdk:ecs:runTask'),
          RoleArn: getAtt('SchedulerRole', 'Arn'),
          Input: sub(JSON.stringify(runTask).replace('"@COMMAND@"', command), {
            ...(n === 1 ? { Command: ifCond('IsSingleShard', '["collect"]', sub('["collect","--shard","1/${ShardCount}"]')) } : {}),
            SubnetList: { 'Fn::Join': ['","', ref('SubnetIds')] },
            SecurityGroupList: { 'Fn::Join': ['","', ref('SecurityGroupIds')] },
          }),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          // After the retries, the failed invocation goes to the dead-letter queue, whose alarm makes it seen.
          DeadLetterConfig: { Arn: getAtt('SchedulerDeadLetterQueue', 'Arn') },
        },
      },
    };
  }

  const environment = [
    { Name: 'AWS_REGION', Value: ref('AWS::Region') },
    { Name: 'EVIDENCE_LOCKER_ORGANIZATION', Value: ref('OrganizationName') },
    { Name: 'EVIDENCE_LOCKER_STORE__KIND', Value: 's3' },
    { Name: 'EVIDENCE_LOCKER_STORE__BUCKET', Value: ref('BucketName') },
    { Name: 'EVIDENCE_LOCKER_STORE__PREFIX', Value: ref('EvidencePrefix') },
    { Name: 'EVIDENCE_LOCKER_STORE__REGION', Value: ref('AWS::Region') },
    { Name: 'EVIDENCE_LOCKER_STORE__KMS_KEY_ID', Value: ref('EvidenceKeyArn') },
    { Name: 'EVIDENCE_LOCKER_SIGNING__KIND', Value: 'kms' },
    { Name: 'EVIDENCE_LOCKER_SIGNING__KEY_ID', Value: ref('SigningKeyArn') },
    { Name: 'EVIDENCE_LOCKER_ACCOUNTS__SOURCE', Value: 'organizations' },
    { Name: 'EVIDENCE_LOCKER_ACCOUNTS__ROLE_NAME', Value: ref('MemberRoleName') },
    { Name: 'EVIDENCE_LOCKER_REGIONS__SOURCE', Value: 'enabled' },
    { Name: 'EVIDENCE_LOCKER_REGIONS__HOME', Value: ref('AWS::Region') },
    { Name: 'EVIDENCE_LOCKER_STATE_DIR', Value: `${SCRATCH_PATH}/state` },
    { Name: 'EVIDENCE_LOCKER_DAEMON__HEALTH_PORT', Value: String(HEALTH_PORT) },
    { Name: 'TMPDIR', Value: '/tmp' },
  ];

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Evidence Locker collector: ECS Fargate task (read-only root, non-root user), least-privilege task role, log group kept at least a year, and an EventBridge Scheduler schedule per shard running the daily collection.',
    Parameters: {
      Mode: { Type: 'String', Default: 'scheduled-tasks', AllowedValues: ['scheduled-tasks', 'daemon-service'], Description: 'scheduled-tasks: EventBridge Scheduler runs `collect` daily (one task per shard). daemon-service: one ECS service runs `daemon` (node-cron schedules, /healthz, /metrics).' },
      Image: { Type: 'String', Description: 'Container image URI of Evidence Locker (built from the Dockerfile), preferably pinned by digest.' },
      OrganizationName: { Type: 'String', Default: 'Example Organization', Description: 'Organization name printed on reports.' },
      BucketName: { Type: 'String', Description: 'Evidence bucket (output BucketName of the evidence-bucket stack).' },
      EvidencePrefix: { Type: 'String', Default: DEFAULT_PREFIX, AllowedPattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*/$', Description: 'Key prefix under which the collector may write (store.prefix); it may write nowhere else.' },
      EvidenceKeyArn: { Type: 'String', Description: 'KMS key ARN of the bucket encryption (output EvidenceKeyArn).' },
      SigningKeyArn: { Type: 'String', Description: 'KMS signing key ARN (output SigningKeyArn).' },
      CollectorRoleName: { Type: 'String', Default: DEFAULT_COLLECTOR_ROLE, Description: 'Name of the task role; member roles trust exactly this role.' },
      MemberRoleName: { Type: 'String', Default: DEFAULT_MEMBER_ROLE, Description: 'Name of the read-only role deployed to member accounts by the member-role StackSet.' },
      OrganizationId: { Type: 'String', AllowedPattern: '^o-[a-z0-9]{10,32}$', Description: 'AWS Organizations id (o-...): the collector assumes member roles only in accounts of this organisation (aws:ResourceOrgID).' },
      ExternalId: { Type: 'String', Default: '', NoEcho: true, Description: 'Optional external id the member roles require (same value in the StackSet).' },
      SubnetIds: { Type: 'List<AWS::EC2::Subnet::Id>', Description: 'Subnets of the task (private subnets with a NAT gateway or VPC endpoints for the AWS APIs).' },
      SecurityGroupIds: { Type: 'List<AWS::EC2::SecurityGroup::Id>', Description: 'Security groups of the task (egress HTTPS only is enough).' },
      AssignPublicIp: { Type: 'String', Default: 'DISABLED', AllowedValues: ['ENABLED', 'DISABLED'] },
      ScheduleExpression: { Type: 'String', Default: 'cron(0 2 * * ? *)', Description: 'When the daily collection runs (EventBridge Scheduler syntax).' },
      ScheduleTimezone: { Type: 'String', Default: 'UTC' },
      CollectionWindowMinutes: { Type: 'Number', Default: 120, MinValue: 0, MaxValue: 1440, Description: 'Each daily collection starts at a time EventBridge Scheduler picks within this many minutes after ScheduleExpression, so the moment of the daily snapshot is not known in advance (0: exactly on time).' },
      ShardCount: { Type: 'String', Default: '1', AllowedValues: Array.from({ length: MAX_SHARDS }, (_, i) => String(i + 1)), Description: 'Number of collection tasks the accounts are split across (collect --shard i/n).' },
      Cpu: { Type: 'String', Default: '1024', AllowedValues: ['512', '1024', '2048', '4096'] },
      Memory: { Type: 'String', Default: '2048', AllowedValues: ['1024', '2048', '4096', '8192', '16384'] },
      LogRetentionDays: { Type: 'Number', Default: 400, AllowedValues: LOG_RETENTION_DAYS, Description: 'CloudWatch Logs retention of the collector logs (at least 365 days).' },
      AlarmTopicArn: {
        Type: 'String',
        Default: '',
        AllowedPattern: '^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]+)?$',
        Description: 'Optional SNS topic the schedule dead-letter alarm notifies (scheduled-tasks mode). Empty: the alarm only changes state.',
      },
    },
    Conditions: conditions,
    Resources: {
      Cluster: {
        Type: 'AWS::ECS::Cluster',
        Properties: { ClusterName: sub('${AWS::StackName}'), ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] },
      },
      LogGroup: {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { LogGroupName: sub('/evidence-locker/${AWS::StackName}'), RetentionInDays: ref('LogRetentionDays') },
      },
      ExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'Evidence Locker: lets ECS pull the image and write the container log stream',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } }],
          },
          Policies: [
            {
              PolicyName: 'pull-image-and-write-logs',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt('LogGroup', 'Arn') },
                  { Sid: 'EcrAuthorization', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
                  {
                    Sid: 'PullImageFromThisAccount',
                    Effect: 'Allow',
                    Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
                    Resource: sub('arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*'),
                  },
                ],
              },
            },
          ],
        },
      },
      TaskRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: ref('CollectorRoleName'),
          Description: 'Evidence Locker collector: assumes the member read-only roles, writes evidence under the evidence prefix only, signs manifests',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'ecs-tasks.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: {
                  StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                  ArnLike: { 'aws:SourceArn': sub('arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*') },
                },
              },
            ],
          },
          Policies: [{ PolicyName: 'evidence-locker-collector', PolicyDocument: { Version: '2012-10-17', Statement: collectorTaskPolicyStatements() } }],
        },
      },
      LegalHoldRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: sub('${CollectorRoleName}-legal-hold'),
          Description: 'Evidence Locker legal hold: assumed by people with MFA for `hold` and `release`; the scheduled task role cannot place or lift holds',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
                Action: 'sts:AssumeRole',
                Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
              },
            ],
          },
          Policies: [{ PolicyName: 'evidence-locker-legal-hold', PolicyDocument: { Version: '2012-10-17', Statement: legalHoldPolicyStatements() } }],
        },
      },
      TaskDefinition: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: {
          Family: sub('${AWS::StackName}'),
          RequiresCompatibilities: ['FARGATE'],
          NetworkMode: 'awsvpc',
          Cpu: ref('Cpu'),
          Memory: ref('Memory'),
          RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' },
          ExecutionRoleArn: getAtt('ExecutionRole', 'Arn'),
          TaskRoleArn: getAtt('TaskRole', 'Arn'),
          EphemeralStorage: { SizeInGiB: 30 },
          // Fargate has no tmpfs: these bind mounts live on the task's ephemeral storage and vanish with it.
          Volumes: [{ Name: 'scratch' }, { Name: 'tmp' }],
          ContainerDefinitions: [
            {
              Name: CONTAINER_NAME,
              Image: ref('Image'),
              Essential: true,
              User: CONTAINER_USER,
              ReadonlyRootFilesystem: true,
              Command: ifCond('IsDaemonService', ['daemon'], ['collect']),
              StopTimeout: 30,
              MountPoints: [
                { SourceVolume: 'scratch', ContainerPath: SCRATCH_PATH, ReadOnly: false },
                { SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false },
              ],
              Environment: [
                ...environment,
                ifCond('HasExternalId', { Name: 'EVIDENCE_LOCKER_ACCOUNTS__EXTERNAL_ID', Value: ref('ExternalId') }, NO_VALUE),
              ],
              PortMappings: ifCond('IsDaemonService', [{ ContainerPort: HEALTH_PORT, Protocol: 'tcp' }], NO_VALUE),
              HealthCheck: ifCond(
                'IsDaemonService',
                { Command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${HEALTH_PORT}/healthz').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))`], Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 30 },
                NO_VALUE,
              ),
              LogConfiguration: {
                LogDriver: 'awslogs',
                Options: { 'awslogs-group': ref('LogGroup'), 'awslogs-region': ref('AWS::Region'), 'awslogs-stream-prefix': 'evidence-locker', mode: 'non-blocking', 'max-buffer-size': '25m' },
              },
            },
          ],
        },
      },
      DaemonService: {
        Type: 'AWS::ECS::Service',
        Condition: 'IsDaemonService',
        Properties: {
          Cluster: ref('Cluster'),
          TaskDefinition: ref('TaskDefinition'),
          LaunchType: 'FARGATE',
          DesiredCount: 1,
          // Never two daemons at once: the old task stops before the new one starts.
          DeploymentConfiguration: { MinimumHealthyPercent: 0, MaximumPercent: 100 },
          NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ref('SubnetIds'), SecurityGroups: ref('SecurityGroupIds'), AssignPublicIp: ref('AssignPublicIp') } },
          PropagateTags: 'TASK_DEFINITION',
        },
      },
      SchedulerRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'IsScheduledTasks',
        Properties: {
          Description: 'Evidence Locker: lets EventBridge Scheduler start the collection task',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            // Confused-deputy protection as EventBridge Scheduler documents it: the account, and the schedule group's ARN
            // (a schedule of another group, even in this account, cannot use the role to start the task).
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'scheduler.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') }, ArnEquals: { 'aws:SourceArn': getAtt('CollectScheduleGroup', 'Arn') } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'run-collection-task',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'RunCollectionTask', Effect: 'Allow', Action: ['ecs:RunTask'], Resource: ref('TaskDefinition'), Condition: { ArnEquals: { 'ecs:cluster': getAtt('Cluster', 'Arn') } } },
                  {
                    Sid: 'PassTaskRoles',
                    Effect: 'Allow',
                    Action: ['iam:PassRole'],
                    Resource: [getAtt('TaskRole', 'Arn'), getAtt('ExecutionRole', 'Arn')],
                    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
                  },
                  // EventBridge Scheduler delivers dead-letter events with the schedule's execution role.
                  { Sid: 'SendToOwnDeadLetterQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt('SchedulerDeadLetterQueue', 'Arn') },
                ],
              },
            },
          ],
        },
      },
      CollectScheduleGroup: {
        Type: 'AWS::Scheduler::ScheduleGroup',
        Condition: 'IsScheduledTasks',
        Properties: { Name: sub('${AWS::StackName}-collect') },
      },
      // A schedule that could not start its task (RunTask refused, throttled or invalid, after the retries) lands here.
      // SSE-SQS: a dead-letter event holds the RunTask request and the error, no evidence, and the evidence key
      // serves S3 only; a customer managed key would need the scheduler role in its policy.
      SchedulerDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Condition: 'IsScheduledTasks',
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      },
      SchedulerDeadLetterQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Condition: 'IsScheduledTasks',
        Properties: {
          Queues: [ref('SchedulerDeadLetterQueue')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              // Only the scheduler role (the schedules' execution role) puts dead letters: nobody can bury a real one in noise or fake one.
              { Sid: 'DenySendButBySchedulerRole', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: getAtt('SchedulerDeadLetterQueue', 'Arn'), Condition: { ArnNotEquals: { 'aws:PrincipalArn': getAtt('SchedulerRole', 'Arn') } } },
              { Sid: 'DenyRequestsWithoutTLS', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: getAtt('SchedulerDeadLetterQueue', 'Arn'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
            ],
          },
        },
      },
      SchedulerDeadLetterAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Condition: 'IsScheduledTasks',
        Properties: {
          AlarmDescription: 'Evidence Locker: a collection schedule failed to start its task (dead-letter queue not empty); read the queue, fix the cause, start the run by hand',
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: getAtt('SchedulerDeadLetterQueue', 'QueueName') }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: ifCond('HasAlarmTopic', [ref('AlarmTopicArn')], NO_VALUE),
        },
      },
      ...schedules,
    },
    Outputs: {
      ClusterArn: { Value: getAtt('Cluster', 'Arn') },
      TaskDefinitionArn: { Value: ref('TaskDefinition') },
      CollectorRoleArn: { Value: getAtt('TaskRole', 'Arn'), Description: 'Give this to the member-role StackSet (CollectorAccountId and CollectorRoleName).' },
      LegalHoldRoleArn: { Value: getAtt('LegalHoldRole', 'Arn'), Description: 'Pass to `evidence-locker hold|release --role-arn`.' },
      LogGroupName: { Value: ref('LogGroup') },
      SchedulerDeadLetterQueueUrl: { Condition: 'IsScheduledTasks', Value: ref('SchedulerDeadLetterQueue'), Description: 'Dead-letter events of schedules that could not start the collection task.' },
    },
  };
}

/** Every member account (deployed by a StackSet): the read-only role, trusted by the collector role only. */
export function memberRoleTemplate(member: MemberActions): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Evidence Locker member account role: only the read-only actions the evidence queries declare. Generated by `npm run deploy:policy`; do not edit by hand.',
    Metadata: {
      EvidenceLocker: {
        generatedBy: 'npm run deploy:policy (deploy/generate.ts from src/queries/**/apiCalls)',
        actionsNeededBy: member.neededBy,
      },
    },
    Parameters: {
      CollectorAccountId: { Type: 'String', AllowedPattern: '^\\d{12}$', Description: 'Audit account that runs the collector.' },
      CollectorRoleName: { Type: 'String', Default: DEFAULT_COLLECTOR_ROLE, Description: 'Name of the collector task role in the audit account.' },
      RoleName: { Type: 'String', Default: DEFAULT_MEMBER_ROLE, Description: 'Name of this role (accounts.roleName in the collector configuration).' },
      ExternalId: { Type: 'String', Default: '', NoEcho: true, Description: 'Optional external id the collector must present (accounts.externalId).' },
      TrailKmsKeyArns: {
        Type: 'CommaDelimitedList',
        Default: '',
        Description: 'Optional: ARNs of the KMS keys that encrypt CloudTrail log files (SSE-KMS trails). cloudtrail.digest-validation re-hashes log files, which needs kms:Decrypt on their key (granted here only through S3); the key policy must allow this role too.',
      },
    },
    Conditions: {
      HasExternalId: { 'Fn::Not': [{ 'Fn::Equals': [ref('ExternalId'), ''] }] },
      HasTrailKmsKeys: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', ref('TrailKmsKeyArns')] }, ''] }] },
    },
    Resources: {
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: ref('RoleName'),
          Description: 'Evidence Locker: read-only evidence collection, assumed by the collector in the audit account',
          // Assumed only by the collector with its own role session (role chaining), which STS caps at an hour whatever
          // this says, and accounts.sessionDurationSeconds is at most 3600: a longer maximum would only lengthen what a
          // session obtained without chaining (someone holding a principal this trust allows) lasts.
          MaxSessionDuration: MAX_SESSION_SECONDS,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CollectorOnly',
                Effect: 'Allow',
                Principal: { AWS: sub('arn:${AWS::Partition}:iam::${CollectorAccountId}:role/${CollectorRoleName}') },
                Action: 'sts:AssumeRole',
                Condition: ifCond('HasExternalId', { StringEquals: { 'sts:ExternalId': ref('ExternalId') } }, NO_VALUE),
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'evidence-locker-read-only',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'EvidenceQueries', Effect: 'Allow', Action: member.actions, Resource: '*' },
                  ...logObjectStatements(member.logObjectActions),
                  ...(member.logObjectActions.includes('s3:GetObject')
                    ? [
                        ifCond(
                          'HasTrailKmsKeys',
                          { Sid: 'CloudTrailLogDecryption', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ref('TrailKmsKeyArns'), Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } },
                          NO_VALUE,
                        ),
                      ]
                    : []),
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: { RoleArn: { Value: getAtt('MemberRole', 'Arn') } },
  };
}

/**
 * CloudTrail digest validation reads log and digest files, in any bucket (trail buckets are named by the trails
 * themselves) but only under CloudTrail's own key layout: `[prefix/]AWSLogs/<account>/CloudTrail/...` and
 * `.../CloudTrail-Digest/...`, and for an organisation trail `AWSLogs/<o-id>/<account>/CloudTrail[-Digest]/...`
 * (IAM's `*` spans slashes, so one pattern covers both). Never the other logs AWS writes under `AWSLogs/` (load
 * balancer access logs, VPC flow logs, WAF logs, Config snapshots), which may hold cardholder data or PHI. Listings
 * only below a `CloudTrail-Digest/` prefix, the one folder the query lists.
 */
export const CLOUDTRAIL_OBJECT_PATTERNS = ['*/*AWSLogs/*/CloudTrail/*', '*/*AWSLogs/*/CloudTrail-Digest/*'];
export const CLOUDTRAIL_LIST_PREFIXES = ['AWSLogs/*/CloudTrail-Digest/*', '*/AWSLogs/*/CloudTrail-Digest/*'];

function logObjectStatements(actions: readonly string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (actions.includes('s3:GetObject')) {
    out.push({ Sid: 'CloudTrailLogAndDigestFiles', Effect: 'Allow', Action: ['s3:GetObject'], Resource: CLOUDTRAIL_OBJECT_PATTERNS.map((p) => sub(`arn:\${AWS::Partition}:s3:::${p}`)) });
  }
  if (actions.includes('s3:ListBucket')) {
    out.push({ Sid: 'CloudTrailDigestListings', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: sub('arn:${AWS::Partition}:s3:::*'), Condition: { StringLike: { 's3:prefix': CLOUDTRAIL_LIST_PREFIXES } } });
  }
  return out;
}
