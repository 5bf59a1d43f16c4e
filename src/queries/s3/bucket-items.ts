/**
 * AWS::S3::Bucket configuration items as the evidence of the S3 bucket queries. AWS Config keeps a bucket's settings in
 * `supplementaryConfiguration`, one key per setting, each in the Java SDK v1 bean shape (not the S3 API's): the value
 * is an object, or the same object as JSON text (configuration history and snapshots deliver text), and a setting
 * that was never configured is either absent or recorded with null fields, depending on the key.
 */
import type {
  Bucket,
  GetBucketEncryptionCommandOutput,
  GetBucketLoggingCommandOutput,
  GetBucketPolicyCommandOutput,
  GetBucketLifecycleConfigurationCommandOutput,
  LifecycleRule,
  GetObjectLockConfigurationCommandOutput,
  ObjectLockRetentionMode,
  ServerSideEncryption,
  ServerSideEncryptionByDefault,
} from '@aws-sdk/client-s3';
import type { ConfigItem, ConfigItemFamily, MemberListing } from '../config/aggregate-items.js';
import type { CapturedError } from '../types.js';
import { listAllBuckets, type BucketResponse, type S3BucketsEvidence } from './buckets.js';
import type { BucketVersioningResponse } from './bucket-versioning.js';

type Settings = Record<string, unknown>;
/** A bucket's response rebuilt from its item; undefined: the item does not record what the query reads. */
type FromSettings<T> = (settings: Settings) => T | CapturedError | undefined;

/** One supplementary setting: JSON text parsed, null and absence both undefined. */
function setting(settings: Settings, key: string): Settings | undefined {
  const v = settings[key];
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Settings) : undefined;
    } catch {
      return undefined;
    }
  }
  return v && typeof v === 'object' ? (v as Settings) : undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Settings | undefined => (v && typeof v === 'object' ? (v as Settings) : undefined);

/** The absence the S3 API reports for a setting AWS Config documents as left out when it is not configured. */
const notConfigured = (code: string, key: string): CapturedError => ({ error: { code, message: `AWS Config recorded no ${key} for the bucket (${code} in the S3 API)` } });

function bucketOf(item: ConfigItem): string {
  return item.resourceName ?? text(item.configuration?.name) ?? item.resourceId;
}

function settingsOf(item: ConfigItem): Settings {
  return obj(item.supplementaryConfiguration) ?? {};
}

/** ListBuckets (all pages) in the member: the population the items must cover, as the member's own query lists it. */
const BUCKET_LISTING = (responseOf: FromSettings<unknown>): MemberListing => ({
  read: (ctx) => listAllBuckets(ctx),
  uncovered(listing, items) {
    const byName = new Map(items.map((i) => [bucketOf(i), i]));
    return (listing as Bucket[]).flatMap((b) => {
      const item = byName.get(b.Name ?? '');
      // A bucket whose item names another region than S3 does is not the bucket the member lists.
      const covered = item && (!b.BucketRegion || b.BucketRegion === item.awsRegion) && responseOf(settingsOf(item)) !== undefined;
      return covered ? [] : [b.Name ?? ''];
    });
  },
});

/** The family of one S3 bucket query: every listed bucket's response rebuilt from its item, in its item's region. */
function bucketItems<T>(responseOf: FromSettings<T>): ConfigItemFamily<S3BucketsEvidence<T>> {
  return {
    resourceTypes: ['AWS::S3::Bucket'],
    supplementary: true,
    global: BUCKET_LISTING(responseOf),
    toEvidence(items, listing) {
      const buckets = (listing ?? []) as Bucket[];
      const byName = new Map(items.map((i) => [bucketOf(i), i]));
      const responses: BucketResponse<T>[] = [];
      for (const b of buckets) {
        const item = byName.get(b.Name ?? '');
        const response = item && responseOf(settingsOf(item));
        // A listed bucket without a usable item stays without a response: its evaluation says so (an error, never a pass).
        if (item && response !== undefined) responses.push({ bucket: b.Name ?? '', region: item.awsRegion, response });
      }
      return { buckets, responses };
    },
  };
}

/** ServerSideEncryptionConfiguration: `sseAlgorithm`/`kmsMasterKeyID` (the API's SSEAlgorithm/KMSMasterKeyID); absent when none is set. */
export const BUCKET_ENCRYPTION_ITEMS = bucketItems<Omit<GetBucketEncryptionCommandOutput, '$metadata'>>((s) => {
  const cfg = setting(s, 'ServerSideEncryptionConfiguration');
  if (!cfg) return notConfigured('ServerSideEncryptionConfigurationNotFoundError', 'ServerSideEncryptionConfiguration');
  const rules = Array.isArray(cfg.rules) ? (cfg.rules as Settings[]) : [];
  return {
    ServerSideEncryptionConfiguration: {
      Rules: rules.map((r) => {
        const d = obj(r.applyServerSideEncryptionByDefault);
        const algorithm = text(d?.sseAlgorithm) as ServerSideEncryption | undefined;
        const key = text(d?.kmsMasterKeyID);
        return {
          ...(d ? { ApplyServerSideEncryptionByDefault: { ...(algorithm ? { SSEAlgorithm: algorithm } : {}), ...(key ? { KMSMasterKeyID: key } : {}) } as ServerSideEncryptionByDefault } : {}),
          ...(typeof r.bucketKeyEnabled === 'boolean' ? { BucketKeyEnabled: r.bucketKeyEnabled } : {}),
        };
      }),
    },
  };
});

/**
 * BucketLifecycleConfiguration as GetBucketLifecycleConfiguration would answer: its `rules` in the bean shape (`id`,
 * `status`, `prefix` or `filter.predicate`, `noncurrentVersionExpirationInDays` with -1 for none, or
 * `noncurrentVersionExpiration.days`); what the versioning query reads of them is each rule's noncurrent expiry. Absent
 * or null: the bucket has no lifecycle configuration.
 */
export function lifecycleFromSettings(cfg: Settings | undefined): Omit<GetBucketLifecycleConfigurationCommandOutput, '$metadata'> | CapturedError {
  const rules = Array.isArray(cfg?.rules) ? (cfg.rules as Settings[]) : [];
  if (!rules.length) return notConfigured('NoSuchLifecycleConfiguration', 'BucketLifecycleConfiguration');
  return {
    Rules: rules.map((r): LifecycleRule => {
      const predicate = obj(obj(r.filter)?.predicate);
      const prefix = text(r.prefix) ?? (predicate?.type === 'LifecyclePrefixPredicate' ? (text(predicate.prefix) ?? '') : undefined);
      const tag = predicate?.type === 'LifecycleTagPredicate' ? obj(predicate.tag) : undefined;
      const nested = obj(r.noncurrentVersionExpiration);
      const days = num(nested?.days) ?? num(r.noncurrentVersionExpirationInDays);
      const newer = num(nested?.newerNoncurrentVersions);
      return {
        Status: (text(r.status) ?? 'Disabled') as LifecycleRule['Status'],
        ...(text(r.id) ? { ID: text(r.id) } : {}),
        Filter: lifecycleFilter(predicate, prefix, tag),
        ...(days !== undefined && days >= 0 ? { NoncurrentVersionExpiration: { NoncurrentDays: days, ...(newer !== undefined && newer > 0 ? { NewerNoncurrentVersions: newer } : {}) } } : {}),
      };
    }),
  };
}

/**
 * The recorded BucketLifecycleConfiguration value: absent or null is "none recorded"; a value that does not read as a
 * configuration with a rules list (text that is not JSON, rules that are not a list, a rule without a status) is an
 * error, never taken as "no rules".
 */
export function lifecycleFromRecorded(value: unknown): Omit<GetBucketLifecycleConfigurationCommandOutput, '$metadata'> | CapturedError {
  if (value === undefined || value === null) return notConfigured('NoSuchLifecycleConfiguration', 'BucketLifecycleConfiguration');
  const cfg = setting({ v: value }, 'v');
  const rules = cfg?.rules;
  const unreadable = !cfg || (rules !== undefined && rules !== null && !Array.isArray(rules)) || (Array.isArray(rules) && rules.some((r) => !text(obj(r)?.status)));
  if (unreadable) return { error: { code: 'ConfigurationItemUnreadable', message: 'AWS Config recorded a BucketLifecycleConfiguration that does not read as lifecycle rules with a status each' } };
  return lifecycleFromSettings(cfg);
}

/** A rule's filter from its bean predicate: a prefix, one tag, or an And operator of a prefix and tags (size bounds are not read). */
function lifecycleFilter(predicate: Settings | undefined, prefix: string | undefined, tag: Settings | undefined): LifecycleRule['Filter'] {
  const tagOf = (t: Settings | undefined) => ({ Key: text(t?.key) ?? '', Value: text(t?.value) ?? '' });
  if (tag) return { Tag: tagOf(tag) };
  if (predicate?.type === 'LifecycleAndOperator') {
    const operands = Array.isArray(predicate.operands) ? (predicate.operands as Settings[]) : [];
    const andPrefix = operands.map((o) => (o.type === 'LifecyclePrefixPredicate' ? text(o.prefix) : undefined)).find((p) => p !== undefined);
    const tags = operands.filter((o) => o.type === 'LifecycleTagPredicate').map((o) => tagOf(obj(o.tag)));
    return { And: { ...(andPrefix ? { Prefix: andPrefix } : {}), ...(tags.length ? { Tags: tags } : {}) } };
  }
  return { Prefix: prefix ?? '' };
}

/**
 * BucketVersioningConfiguration: `status` Off (never enabled), Enabled or Suspended; `isMfaDeleteEnabled` null until MFA
 * delete was configured; with the bucket's lifecycle rules from BucketLifecycleConfiguration.
 */
export const BUCKET_VERSIONING_ITEMS = bucketItems<BucketVersioningResponse>((s) => {
  const cfg = setting(s, 'BucketVersioningConfiguration');
  if (!cfg) return undefined;
  const status = text(cfg.status);
  const mfa = cfg.isMfaDeleteEnabled === true || cfg.isMfaDeleteEnabled === 'true' ? 'Enabled' : cfg.isMfaDeleteEnabled === false || cfg.isMfaDeleteEnabled === 'false' ? 'Disabled' : undefined;
  const versioning: BucketVersioningResponse['versioning'] = { ...(status === 'Enabled' || status === 'Suspended' ? { Status: status } : {}), ...(mfa ? { MFADelete: mfa } : {}) };
  return { versioning, lifecycle: lifecycleFromRecorded(s.BucketLifecycleConfiguration) };
});

/** BucketLoggingConfiguration: `destinationBucketName`/`logFilePrefix` (the API's TargetBucket/TargetPrefix), null when logging is off. */
export const BUCKET_LOGGING_ITEMS = bucketItems<Omit<GetBucketLoggingCommandOutput, '$metadata'>>((s) => {
  const cfg = setting(s, 'BucketLoggingConfiguration');
  if (!cfg) return undefined;
  const target = text(cfg.destinationBucketName);
  return target ? { LoggingEnabled: { TargetBucket: target, TargetPrefix: text(cfg.logFilePrefix) ?? '' } } : {};
});

/** BucketPolicy: `policyText`, the policy document as JSON text, null when the bucket has no policy. */
export const BUCKET_POLICY_ITEMS = bucketItems<Omit<GetBucketPolicyCommandOutput, '$metadata'>>((s) => {
  const cfg = setting(s, 'BucketPolicy');
  if (!cfg) return undefined;
  const policy = text(cfg.policyText);
  return policy ? { Policy: policy } : notConfigured('NoSuchBucketPolicy', 'BucketPolicy policyText');
});

/** ObjectLockConfiguration: `objectLockEnabled` and `rule.defaultRetention` (mode, days, years); absent when Object Lock is not configured. */
export const OBJECT_LOCK_ITEMS = bucketItems<Omit<GetObjectLockConfigurationCommandOutput, '$metadata'>>((s) => {
  const cfg = setting(s, 'ObjectLockConfiguration');
  if (!cfg) return notConfigured('ObjectLockConfigurationNotFoundError', 'ObjectLockConfiguration');
  const retention = obj(obj(cfg.rule)?.defaultRetention);
  const mode = text(retention?.mode) as ObjectLockRetentionMode | undefined;
  const days = num(retention?.days);
  const years = num(retention?.years);
  const enabled = text(cfg.objectLockEnabled);
  return {
    ObjectLockConfiguration: {
      ...(enabled === 'Enabled' ? { ObjectLockEnabled: 'Enabled' as const } : {}),
      ...(retention && (mode || days !== undefined || years !== undefined)
        ? { Rule: { DefaultRetention: { ...(mode ? { Mode: mode } : {}), ...(days !== undefined ? { Days: days } : {}), ...(years !== undefined ? { Years: years } : {}) } } }
        : {}),
    },
  };
});
