/**
 * AWS Config configuration items (CIs) of the simulated members' resources, as an aggregator's advanced query
 * (SelectAggregateResourceConfig) returns them. A CI's `configuration` is the service's own description of the
 * resource in the key case AWS Config records it: the service API's field names with a lower-case first letter
 * (`groupId`, `ipPermissions`, `dBInstanceIdentifier`), dates as ISO 8601 text, plus each type's documented quirks.
 * Every CI is built from the same simulated state the member's own API answers from, so the two never disagree.
 */
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { SimAccount } from '../world.js';
import { canonicalUserId, lifecycleItemSetting, type SimBucket } from './s3.js';
import { rotationOn, type SimKmsKey } from './kms.js';
import type { CertificateDetail } from '@aws-sdk/client-acm';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { ec2ConfigItemGenerators } from './config-items-ec2.js';

/** One configuration item, with the properties an advanced query can select. */
export interface SimConfigItem {
  accountId: string;
  awsRegion: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  arn: string;
  configurationItemCaptureTime: string;
  configurationItemStatus: 'OK' | 'ResourceDiscovered' | 'ResourceDeleted';
  configuration: unknown;
  supplementaryConfiguration: Record<string, unknown>;
  tags: Record<string, string>;
}

/** Builds the CIs of one resource type in one member account and region. */
export type ConfigItemGenerator = (account: SimAccount, region: string, now: Date) => SimConfigItem[];

/**
 * The simulated AWS Config's recording of a service's SDK-shaped object: each key's first letter lowered (AWS Config
 * serialises with the Java SDK's bean names), dates as ISO text. `keep` names keys whose value is data, not structure
 * (tag maps, environment variables): their inner keys are left as they are.
 */
export function configCase(v: unknown, keep: ReadonlySet<string> = new Set()): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => configCase(x, keep));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const key = k.charAt(0).toLowerCase() + k.slice(1);
      out[key] = keep.has(k) ? x : configCase(x, keep);
    }
    return out;
  }
  return v;
}

/** A CI's capture time: the simulated AWS Config recorded every resource a quarter of an hour before the call. */
function captureTime(now: Date): string {
  return new Date(now.getTime() - 15 * 60_000).toISOString();
}

function tagMap(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}

/** AWS::EC2::SecurityGroup: `ipPermissions[].ipv4Ranges` holds the CIDR objects and `ipRanges` the bare CIDR strings. */
function securityGroupConfiguration(g: SecurityGroup): unknown {
  const permission = (p: IpPermission) => {
    const { IpRanges, ...rest } = p;
    return { ...(configCase(rest) as object), ipv4Ranges: (IpRanges ?? []).map((r) => configCase(r)), ipRanges: (IpRanges ?? []).map((r) => r.CidrIp) };
  };
  const { IpPermissions, IpPermissionsEgress, ...rest } = g;
  return { ...(configCase(rest) as object), ipPermissions: (IpPermissions ?? []).map(permission), ipPermissionsEgress: (IpPermissionsEgress ?? []).map(permission) };
}

/**
 * AWS::KMS::Key: DescribeKey's metadata with AWSAccountId recorded as `awsaccountId`, and the rotation setting
 * GetKeyRotationStatus answers in `supplementaryConfiguration.KeyRotationStatus` (for keys that API answers for).
 */
function kmsKeyItem(account: SimAccount, region: string, now: Date, key: SimKmsKey): SimConfigItem {
  const { AWSAccountId, XksKeyConfiguration: _xks, ...md } = key.metadata;
  const answersRotation = md.KeySpec === 'SYMMETRIC_DEFAULT' && md.Origin === 'AWS_KMS';
  return {
    accountId: account.id,
    awsRegion: region,
    resourceType: 'AWS::KMS::Key',
    resourceId: md.KeyId ?? '',
    arn: md.Arn ?? '',
    configurationItemCaptureTime: captureTime(now),
    configurationItemStatus: 'OK',
    configuration: { ...(configCase(md) as object), ...(AWSAccountId ? { awsaccountId: AWSAccountId } : {}) },
    supplementaryConfiguration: answersRotation ? { KeyRotationStatus: rotationOn(key) } : {},
    tags: {},
  };
}

/** AWS::Lambda::Function: the function's configuration without its environment, `state`/`stateReason` as `{ value }`, `kmskeyArn`. */
function lambdaFunctionConfiguration(fn: FunctionConfiguration): unknown {
  const { Environment: _environment, State, StateReason, KMSKeyArn, ...rest } = fn;
  return {
    ...(configCase(rest) as object),
    ...(State !== undefined ? { state: { value: State } } : {}),
    ...(StateReason !== undefined ? { stateReason: { value: StateReason } } : {}),
    ...(KMSKeyArn !== undefined ? { kmskeyArn: KMSKeyArn } : {}),
  };
}

function certificateItem(account: SimAccount, region: string, now: Date, c: CertificateDetail): SimConfigItem {
  return {
    accountId: account.id,
    awsRegion: region,
    resourceType: 'AWS::ACM::Certificate',
    resourceId: c.CertificateArn ?? '',
    resourceName: c.DomainName,
    arn: c.CertificateArn ?? '',
    configurationItemCaptureTime: captureTime(now),
    configurationItemStatus: 'OK',
    configuration: configCase(c),
    supplementaryConfiguration: {},
    tags: {},
  };
}

/** AWS::RDS::DBInstance: the DescribeDBInstances object in bean case, tags outside it, unset fields recorded as null. */
function dbInstanceConfiguration(db: DBInstance): unknown {
  const { TagList: _tags, ...rest } = db;
  const configuration = configCase(rest) as Record<string, unknown>;
  for (const key of ['dBClusterIdentifier', 'readReplicaSourceDBInstanceIdentifier', 'kmsKeyId']) configuration[key] ??= null;
  return configuration;
}

/** ACL permission and group grantee as AWS Config writes them (the Java SDK v1 enum names). */
const ACL_PERMISSION: Readonly<Record<string, string>> = { FULL_CONTROL: 'FullControl', WRITE: 'Write', WRITE_ACP: 'WriteAcp', READ: 'Read', READ_ACP: 'ReadAcp' };
const ACL_GROUP: Readonly<Record<string, string>> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'AuthenticatedUsers',
  'http://acs.amazonaws.com/groups/s3/LogDelivery': 'LogDelivery',
};

/**
 * AWS::S3::Bucket: `configuration` holds only name, owner and creation date; the settings are in
 * `supplementaryConfiguration` in the Java SDK v1 bean shapes (`sseAlgorithm`, `kmsMasterKeyID`, `destinationBucketName`,
 * versioning `status` "Off" when never enabled, `policyText`). Logging, policy and versioning are always recorded (with
 * nulls when unset); encryption, Block Public Access and Object Lock only when configured; the ACL is JSON text.
 */
function bucketSupplementary(account: SimAccount, b: SimBucket): Record<string, unknown> {
  const owner = { displayName: null, id: canonicalUserId(account.id) };
  const grants = [{ grantee: owner, permission: 'FullControl' }, ...(b.aclGrants ?? []).map((g) => ({
    grantee: g.Grantee?.URI ? ACL_GROUP[g.Grantee.URI] ?? g.Grantee.URI : { id: g.Grantee?.ID ?? null, displayName: g.Grantee?.DisplayName ?? null },
    permission: ACL_PERMISSION[g.Permission ?? ''] ?? g.Permission,
  }))];
  const retention = b.objectLock?.Rule?.DefaultRetention;
  return {
    AccessControlList: JSON.stringify({ grantSet: null, grantList: grants, owner, isRequesterCharged: false }),
    BucketAccelerateConfiguration: { status: null },
    BucketLoggingConfiguration: { destinationBucketName: b.logging?.TargetBucket ?? null, logFilePrefix: b.logging?.TargetPrefix ?? null },
    BucketNotificationConfiguration: { configurations: {} },
    BucketPolicy: { policyText: b.policy ?? null },
    BucketVersioningConfiguration: { status: b.versioning?.Status ?? 'Off', isMfaDeleteEnabled: b.versioning?.MFADelete ? b.versioning.MFADelete === 'Enabled' : null },
    ...(lifecycleItemSetting(b) ? { BucketLifecycleConfiguration: lifecycleItemSetting(b) } : {}),
    IsRequesterPaysEnabled: false,
    ...(b.encryption
      ? {
          ServerSideEncryptionConfiguration: {
            rules: (b.encryption.Rules ?? []).map((r) => ({
              applyServerSideEncryptionByDefault: r.ApplyServerSideEncryptionByDefault
                ? { sseAlgorithm: r.ApplyServerSideEncryptionByDefault.SSEAlgorithm ?? null, kmsMasterKeyID: r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID ?? null }
                : null,
              bucketKeyEnabled: r.BucketKeyEnabled ?? false,
            })),
          },
        }
      : {}),
    ...(b.publicAccessBlock ? { PublicAccessBlockConfiguration: configCase(b.publicAccessBlock) } : {}),
    ...(b.objectLock
      ? {
          ObjectLockConfiguration: {
            objectLockEnabled: b.objectLock.ObjectLockEnabled ?? null,
            rule: b.objectLock.Rule ? { defaultRetention: retention ? { mode: retention.Mode ?? null, days: retention.Days ?? null, years: retention.Years ?? null } : null } : null,
          },
        }
      : {}),
  };
}

export const CONFIG_ITEM_GENERATORS: Readonly<Record<string, ConfigItemGenerator>> = {
  'AWS::EC2::SecurityGroup': (account, region, now) =>
    (account.regions.get(region)?.ec2?.securityGroups ?? []).map((g) => ({
      accountId: account.id,
      awsRegion: region,
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: g.GroupId ?? '',
      resourceName: g.GroupName,
      arn: `arn:aws:ec2:${region}:${account.id}:security-group/${g.GroupId}`,
      configurationItemCaptureTime: captureTime(now),
      configurationItemStatus: 'OK',
      configuration: securityGroupConfiguration(g),
      supplementaryConfiguration: {},
      tags: tagMap(g.Tags),
    })),
  'AWS::KMS::Key': (account, region, now) => (account.regions.get(region)?.kms?.keys ?? []).map((k) => kmsKeyItem(account, region, now, k)),
  'AWS::Lambda::Function': (account, region, now) =>
    (account.regions.get(region)?.lambda?.functions ?? []).map((fn) => ({
      accountId: account.id,
      awsRegion: region,
      resourceType: 'AWS::Lambda::Function',
      resourceId: fn.FunctionName ?? '',
      resourceName: fn.FunctionName,
      arn: fn.FunctionArn ?? `arn:aws:lambda:${region}:${account.id}:function:${fn.FunctionName}`,
      configurationItemCaptureTime: captureTime(now),
      configurationItemStatus: 'OK',
      configuration: lambdaFunctionConfiguration(fn),
      supplementaryConfiguration: {},
      tags: {},
    })),
  'AWS::ACM::Certificate': (account, region, now) => (account.regions.get(region)?.acm?.certificates ?? []).map((c) => certificateItem(account, region, now, c)),
  // Recorded under the DbiResourceId, with the instance identifier as the resource name.
  'AWS::RDS::DBInstance': (account, region, now) =>
    (account.regions.get(region)?.rds?.dbInstances ?? []).map((db) => ({
      accountId: account.id,
      awsRegion: region,
      resourceType: 'AWS::RDS::DBInstance',
      resourceId: db.DbiResourceId ?? '',
      resourceName: db.DBInstanceIdentifier,
      arn: db.DBInstanceArn ?? `arn:aws:rds:${region}:${account.id}:db:${db.DBInstanceIdentifier}`,
      configurationItemCaptureTime: captureTime(now),
      configurationItemStatus: 'OK',
      configuration: dbInstanceConfiguration(db),
      supplementaryConfiguration: {},
      tags: tagMap(db.TagList),
    })),
  ...ec2ConfigItemGenerators(),
  // A bucket is recorded in its own region (the region S3 reports for it), by that region's recorder.
  'AWS::S3::Bucket': (account, region, now) =>
    (account.global.s3?.buckets ?? [])
      .filter((b) => b.region === region)
      .map((b) => ({
        accountId: account.id,
        awsRegion: region,
        resourceType: 'AWS::S3::Bucket',
        resourceId: b.name,
        resourceName: b.name,
        arn: `arn:aws:s3:::${b.name}`,
        configurationItemCaptureTime: captureTime(now),
        configurationItemStatus: 'OK',
        configuration: { name: b.name, owner: { displayName: null, id: canonicalUserId(account.id) }, creationDate: b.creationDate.toISOString() },
        supplementaryConfiguration: bucketSupplementary(account, b),
        tags: {},
      })),
};

/** The CIs of the given types in one member account and region (none while its recorder is not recording). */
export function configItems(account: SimAccount, region: string, resourceTypes: readonly string[], now: Date): SimConfigItem[] {
  const recording = (account.regions.get(region)?.config?.recorderStatus ?? []).some((x) => x.recording);
  if (!recording) return [];
  return resourceTypes.flatMap((t) => CONFIG_ITEM_GENERATORS[t]?.(account, region, now) ?? []);
}
