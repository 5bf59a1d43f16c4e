import { createHash } from 'node:crypto';
import {
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  type ConfigurationItem,
  type ConfigurationItemStatus,
  type ResourceIdentifier,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { operation, SimError, type CallContext, type SimOperation } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { lifecycleItemSetting, s3State } from './s3.js';
import { cloudTrailTrails } from './cloudtrail.js';
import { kmsState } from './kms.js';

/**
 * AWS Config configuration history of the simulated accounts: configuration items derived from the simulated
 * resources themselves (S3 buckets with their supplementary configuration, the account's S3 Block Public Access,
 * CloudTrail trails, KMS keys), appended whenever a recorded configuration changes, so history and the other
 * simulated services never disagree.
 */

/** The resource types the simulated recorder keeps history for. */
export const HISTORY_RESOURCE_TYPES = ['AWS::S3::Bucket', 'AWS::S3::AccountPublicAccessBlock', 'AWS::CloudTrail::Trail', 'AWS::KMS::Key'] as const;

/** Every configuration item recorded in one account and region, oldest first. */
export interface ConfigHistoryState {
  items: ConfigurationItem[];
}

declare module '../world.js' {
  interface RegionalState {
    configHistory: ConfigHistoryState;
  }
}

const DAY = 86_400_000;

/** What the recorder would see of one resource now: everything of a configuration item but its time and status. */
interface ObservedResource {
  resourceType: ResourceType;
  resourceId: string;
  resourceName: string;
  arn?: string;
  createdAt?: Date;
  configuration: unknown;
  supplementaryConfiguration?: Record<string, unknown>;
}

/** Config lowers a leading acronym whole: `SSEAlgorithm` → `sseAlgorithm`, `KMSMasterKeyID` → `kmsMasterKeyID`. */
const lowerFirst = (s: string) => s.replace(/^[A-Z]+(?=[A-Z][a-z])|^[A-Z]+$|^[A-Z]/, (m) => m.toLowerCase());

/** Config writes describe-call shapes with camelCase member names (`blockPublicAcls`, `keyId`). */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [lowerFirst(k), camel(x)]));
  return v;
}

/** The resources of the recorded types in one account and region, as they stand now. */
export function observeResources(account: SimAccount, region: string): ObservedResource[] {
  const out: ObservedResource[] = [];
  const s3 = s3State(account);
  for (const b of s3.buckets.filter((x) => x.region === region)) {
    out.push({
      resourceType: 'AWS::S3::Bucket',
      resourceId: b.name,
      resourceName: b.name,
      arn: `arn:aws:s3:::${b.name}`,
      createdAt: b.creationDate,
      configuration: { name: b.name, owner: { id: account.id }, creationDate: b.creationDate.toISOString() },
      supplementaryConfiguration: {
        ...(b.publicAccessBlock ? { PublicAccessBlockConfiguration: camel(b.publicAccessBlock) } : {}),
        ...(b.policy ? { BucketPolicy: { policyText: b.policy } } : {}),
        ...(b.encryption ? { ServerSideEncryptionConfiguration: camel(b.encryption) } : {}),
        BucketVersioningConfiguration: { status: b.versioning?.Status ?? 'Off', isMfaDeleteEnabled: b.versioning?.MFADelete === 'Enabled' },
        ...(lifecycleItemSetting(b) ? { BucketLifecycleConfiguration: lifecycleItemSetting(b) } : {}),
      },
    });
  }
  if (s3.accountPublicAccessBlock) {
    out.push({
      resourceType: 'AWS::S3::AccountPublicAccessBlock',
      resourceId: account.id,
      resourceName: account.id,
      configuration: camel(s3.accountPublicAccessBlock),
    });
  }
  for (const t of cloudTrailTrails(account).trails.filter((x) => x.trail.HomeRegion === region)) {
    const tr = t.trail;
    // AWS::CloudTrail::Trail items carry the trail's CloudFormation-style properties, logging state included.
    out.push({
      resourceType: 'AWS::CloudTrail::Trail',
      resourceId: tr.Name ?? '',
      resourceName: tr.Name ?? '',
      arn: tr.TrailARN,
      configuration: {
        TrailName: tr.Name,
        Arn: tr.TrailARN,
        S3BucketName: tr.S3BucketName,
        IsLogging: t.status.IsLogging === true,
        IsMultiRegionTrail: tr.IsMultiRegionTrail === true,
        IncludeGlobalServiceEvents: tr.IncludeGlobalServiceEvents === true,
        IsOrganizationTrail: tr.IsOrganizationTrail === true,
        EnableLogFileValidation: tr.LogFileValidationEnabled === true,
        ...(tr.KmsKeyId ? { KMSKeyId: tr.KmsKeyId } : {}),
        ...(tr.CloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: tr.CloudWatchLogsLogGroupArn } : {}),
        ...(t.advancedEventSelectors ? { AdvancedEventSelectors: t.advancedEventSelectors } : {}),
        // A trail with no selectors set records all management events, as GetEventSelectors answers for it.
        ...(t.advancedEventSelectors ? {} : { EventSelectors: t.eventSelectors ?? [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }] }),
      },
    });
  }
  for (const k of kmsState(account, region).keys) {
    const md = k.metadata;
    out.push({
      resourceType: 'AWS::KMS::Key',
      resourceId: md.KeyId ?? '',
      resourceName: md.KeyId ?? '',
      arn: md.Arn,
      createdAt: md.CreationDate,
      configuration: camel(md),
    });
  }
  return out;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function itemOf(account: SimAccount, region: string, r: ObservedResource, at: Date, status: ConfigurationItemStatus, version: number): ConfigurationItem {
  const configuration = JSON.stringify(r.configuration);
  const supplementary = Object.fromEntries(Object.entries(r.supplementaryConfiguration ?? {}).map(([k, v]) => [k, JSON.stringify(v)]));
  return {
    version: '1.3',
    accountId: account.id,
    configurationItemCaptureTime: at,
    configurationItemStatus: status,
    configurationStateId: String(at.getTime() * 10 + (version % 10)),
    configurationItemMD5Hash: '',
    ...(r.arn ? { arn: r.arn } : {}),
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    resourceName: r.resourceName,
    awsRegion: region,
    ...(r.createdAt ? { resourceCreationTime: r.createdAt } : {}),
    tags: {},
    relatedEvents: [],
    relationships: [],
    configuration: status === 'ResourceDeleted' || status === 'ResourceDeletedNotRecorded' ? undefined : configuration,
    supplementaryConfiguration: status === 'ResourceDeleted' ? {} : supplementary,
  };
}

/**
 * Fingerprint of what a configuration item records about a resource, to tell a change from no change. Creation
 * times are left out: a world built for another day dates its resources from that day, and a creation time never changes.
 */
function stateOf(item: Pick<ConfigurationItem, 'configuration' | 'supplementaryConfiguration' | 'configurationItemStatus'>): string {
  const cfg = item.configuration ? (JSON.parse(item.configuration) as Record<string, unknown>) : {};
  delete cfg.creationDate;
  return md5(`${item.configurationItemStatus === 'ResourceDeleted' ? 'deleted' : 'present'}|${JSON.stringify(cfg)}|${JSON.stringify(item.supplementaryConfiguration ?? {})}`);
}

export const configHistory = (account: SimAccount, region: string) => account.regional(region, 'configHistory', () => ({ items: [] }));

/**
 * Records what `source` (an account as it stood at `at`) shows in `region` into `target`'s history: a
 * `ResourceDiscovered` item for a resource seen the first time, `OK` for a changed one, `ResourceDeleted` for one gone.
 */
export function recordConfiguration(target: SimAccount, source: SimAccount, region: string, at: Date, firstSeenAt?: (r: { createdAt?: Date }) => Date): void {
  const h = configHistory(target, region);
  const latest = new Map<string, ConfigurationItem>();
  for (const i of h.items) latest.set(`${i.resourceType}/${i.resourceId}`, i);
  const seen = new Set<string>();
  for (const r of observeResources(source, region)) {
    const key = `${r.resourceType}/${r.resourceId}`;
    seen.add(key);
    const prev = latest.get(key);
    if (!prev || prev.configurationItemStatus === 'ResourceDeleted') {
      h.items.push(itemOf(target, region, r, firstSeenAt ? firstSeenAt(r) : at, 'ResourceDiscovered', h.items.length));
      continue;
    }
    const next = itemOf(target, region, r, at, 'OK', h.items.length);
    if (stateOf(next) !== stateOf(prev)) h.items.push(next);
  }
  for (const [key, prev] of latest) {
    if (seen.has(key) || prev.configurationItemStatus === 'ResourceDeleted') continue;
    h.items.push({ ...prev, configurationItemCaptureTime: at, configurationItemStatus: 'ResourceDeleted', configuration: undefined, supplementaryConfiguration: {} });
  }
  h.items.sort((a, b) => (a.configurationItemCaptureTime?.getTime() ?? 0) - (b.configurationItemCaptureTime?.getTime() ?? 0));
}

/** A world built without a history has recorded its resources since they were created (or for a year, if older). */
function historyOf(ctx: CallContext): ConfigHistoryState {
  const h = configHistory(ctx.account, ctx.region);
  if (!h.items.length && !(h as { initialised?: boolean }).initialised) {
    const since = new Date(ctx.now.getTime() - 365 * DAY);
    recordConfiguration(ctx.account, ctx.account, ctx.region, ctx.now, (r) => (r.createdAt && r.createdAt > since ? r.createdAt : since));
    (h as { initialised?: boolean }).initialised = true;
  }
  return h;
}

function recording(ctx: CallContext): boolean {
  const s = ctx.account.regions.get(ctx.region)?.config;
  return (s?.recorders.length ?? 0) > 0;
}

const noRecorder = () => new SimError('NoAvailableConfigurationRecorderException', 'There are no configuration recorders available to provide the role needed to describe your resources. Create a configuration recorder.');
const invalidToken = () => new SimError('InvalidNextTokenException', 'The specified next token is invalid. Specify the nextToken string that was returned in the previous response to get the next page of results.');
const invalidLimit = (max: number) => (limit: number) => new SimError('InvalidLimitException', `Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`);

function checkType(type: string | undefined): asserts type is string {
  if (!type) throw new SimError('ValidationException', "1 validation error detected: Value null at 'resourceType' failed to satisfy constraint: Member must not be null");
}

export const configHistoryOperations: SimOperation[] = [
  operation(ListDiscoveredResourcesCommand, (input, ctx) => {
    checkType(input.resourceType);
    if (!recording(ctx)) throw noRecorder();
    if (input.resourceIds?.length && input.resourceName) throw new SimError('ValidationException', 'You cannot specify both resource IDs and a resource name.');
    const latest = new Map<string, ConfigurationItem>();
    for (const i of historyOf(ctx).items) if (i.resourceType === input.resourceType) latest.set(i.resourceId ?? '', i);
    const identifiers: ResourceIdentifier[] = [...latest.values()]
      .filter((i) => (input.includeDeletedResources || i.configurationItemStatus !== 'ResourceDeleted') && (!input.resourceIds?.length || input.resourceIds.includes(i.resourceId ?? '')) && (!input.resourceName || i.resourceName === input.resourceName))
      .map((i) => ({ resourceType: i.resourceType, resourceId: i.resourceId, resourceName: i.resourceName, ...(i.configurationItemStatus === 'ResourceDeleted' ? { resourceDeletionTime: i.configurationItemCaptureTime } : {}) }));
    const { page, nextToken } = paginate(identifiers, { token: input.nextToken, limit: input.limit, defaultLimit: 100, maxLimit: 100, scope: `ListDiscoveredResources/${input.resourceType}/${input.includeDeletedResources ? 1 : 0}`, invalidToken, invalidLimit: invalidLimit(100) });
    return { resourceIdentifiers: page, nextToken };
  }),

  operation(GetResourceConfigHistoryCommand, (input, ctx) => {
    checkType(input.resourceType);
    if (!input.resourceId) throw new SimError('ValidationException', "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null");
    if (!recording(ctx)) throw noRecorder();
    const later = input.laterTime ?? ctx.now;
    const earlier = input.earlierTime;
    if (earlier && earlier.getTime() > later.getTime()) throw new SimError('InvalidTimeRangeException', 'The specified time range is invalid. The earlier time is not chronologically before the later time.');
    const all = historyOf(ctx).items.filter((i) => i.resourceType === input.resourceType && i.resourceId === input.resourceId);
    if (!all.length) throw new SimError('ResourceNotDiscoveredException', `Resource ${input.resourceId} of resourceType:${input.resourceType} is unknown or has not been discovered`);
    const t = (i: ConfigurationItem) => i.configurationItemCaptureTime?.getTime() ?? 0;
    const inWindow = all.filter((i) => t(i) <= later.getTime() && (!earlier || t(i) >= earlier.getTime()));
    const ordered = input.chronologicalOrder === 'Forward' ? inWindow : [...inWindow].reverse();
    const { page, nextToken } = paginate(ordered, { token: input.nextToken, limit: input.limit, defaultLimit: 10, maxLimit: 100, scope: `GetResourceConfigHistory/${input.resourceType}/${input.resourceId}/${input.laterTime?.getTime() ?? ''}/${earlier?.getTime() ?? ''}/${input.chronologicalOrder ?? 'Reverse'}`, invalidToken, invalidLimit: invalidLimit(100) });
    return { configurationItems: page, nextToken };
  }),
];
