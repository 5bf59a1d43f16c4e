import type { Bucket, BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryptionConfiguration } from '@aws-sdk/client-s3';
import type { S3BucketsEvidence } from '../queries/s3/buckets.js';
import type { Event, EventSelector, AdvancedEventSelector, Trail } from '@aws-sdk/client-cloudtrail';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { ReconstructionSource } from '../evidence/record.js';
import type { PublicAccessBlockEvidence } from '../queries/s3/public-access-block.js';
import type { TrailLoggingEvidence } from '../queries/cloudtrail/trail-logging.js';
import type { KeyRotationEvidence } from '../queries/kms/key-rotation.js';
import { loadKmsSdk } from '../aws/sdk.js';
import { allPages, captureAbsence, stripMetadata, toDate, type CapturedError, type QueryParameters } from '../queries/types.js';
import { lifecycleFromRecorded } from '../queries/s3/bucket-items.js';
import { DEFAULT_SENSITIVE_EVENTS, type SensitiveActivityEvidence } from '../queries/cloudtrail/sensitive-activity.js';
import { configurationOf, isoOf, itemsAsOf, pascal, supplementaryOf, type AwsHistory, type HistoryRequest, type ItemAsOf } from './history.js';

/** What a rebuild of one query for one day, account and region needs. */
export interface RebuildContext {
  accountId: string;
  /** The region the evidence is about (the home region for global queries). */
  region: string;
  /** Every region of the account in the backfill (resources of global queries live in all of them). */
  regions: readonly string[];
  day: string;
  /** The query's parameters, as collect would use them. */
  params: QueryParameters;
  /** The last instant of `day`: the state rebuilt is the one in effect then. */
  endOfDay: Date;
  history(region: string): AwsHistory;
}

export type Rebuilt =
  | { kind: 'data'; data: unknown; sources: ReconstructionSource[]; requests: HistoryRequest[] }
  /** The day cannot be rebuilt for this query: a gap, stated with why. */
  | { kind: 'gap'; reason: string; sources: ReconstructionSource[]; requests: HistoryRequest[] };

/** How one query's evidence is rebuilt for a past day from what AWS kept. */
export interface Reconstructor {
  queryId: string;
  /** One sentence for the record, the report and the README: what the rebuilt evidence rests on and what it lacks. */
  method: string;
  /** IAM actions the rebuild calls. */
  apiCalls: readonly string[];
  rebuild(ctx: RebuildContext): Promise<Rebuilt>;
}

const CONFIG_HISTORY = 'config:GetResourceConfigHistory';
const LOOKUP = 'cloudtrail:LookupEvents';

function itemSource(resourceType: string, id: string, a: ItemAsOf): ReconstructionSource {
  if (a.state === 'unrecorded') return { api: CONFIG_HISTORY, resourceType, resourceId: id, detail: `no configuration item before ${a.firstCapture}` };
  return { api: CONFIG_HISTORY, resourceType, resourceId: id, ...(a.item ? { time: isoOf(a.item.configurationItemCaptureTime) } : {}), detail: a.item ? `configuration item ${a.item.configurationItemStatus ?? ''}`.trim() : 'created after that day' };
}

function eventSource(e: Event): ReconstructionSource {
  const resource = e.Resources?.[0];
  return { api: LOOKUP, ...(resource?.ResourceType ? { resourceType: resource.ResourceType } : {}), ...(resource?.ResourceName ? { resourceId: resource.ResourceName } : {}), time: isoOf(e.EventTime), detail: `${e.EventName ?? 'event'} by ${e.Username ?? 'unknown'} (event ${e.EventId ?? '?'})` };
}

const dayStart = (ctx: RebuildContext) => new Date(`${ctx.day}T00:00:00.000Z`);

/** Events of `ctx.day` (for the record: what happened that day). */
function eventsOfDay(events: readonly Event[], ctx: RebuildContext): Event[] {
  return events.filter((e) => {
    const t = new Date(e.EventTime ?? 0).getTime();
    return t >= dayStart(ctx).getTime() && t <= ctx.endOfDay.getTime();
  });
}

const publicAccessBlock: Reconstructor = {
  queryId: 's3.public-access-block',
  method:
    'Rebuilt from AWS Config configuration history: each bucket’s configuration item in effect at the end of the day (its Block Public Access settings) and the account’s AWS::S3::AccountPublicAccessBlock item; Config keeps no GetBucketPolicyStatus or ACL answer, so a public policy or ACL is judged only through the Block Public Access settings that neutralize it.',
  apiCalls: ['config:ListDiscoveredResources', CONFIG_HISTORY],
  async rebuild(ctx) {
    const sources: ReconstructionSource[] = [];
    const requests: HistoryRequest[] = [];
    const home = ctx.history(ctx.region);
    const accountItems = await home.configItems('AWS::S3::AccountPublicAccessBlock');
    requests.push(...accountItems.requests);
    const acct = itemsAsOf(accountItems.value, ctx.endOfDay).get(ctx.accountId);
    let account: PublicAccessBlockEvidence['account'];
    if (acct?.state === 'present') {
      account = { PublicAccessBlockConfiguration: pascal<PublicAccessBlockConfiguration>(configurationOf(acct.item)) };
      sources.push(itemSource('AWS::S3::AccountPublicAccessBlock', ctx.accountId, acct));
    } else {
      // No item: Config cannot tell "never configured" from "not recorded", so the account level stays unknown.
      account = { error: { code: 'NotInConfigHistory', message: `AWS Config holds no AWS::S3::AccountPublicAccessBlock item in effect on ${ctx.day} in ${ctx.region}` } };
      sources.push({ api: CONFIG_HISTORY, resourceType: 'AWS::S3::AccountPublicAccessBlock', resourceId: ctx.accountId, detail: 'no configuration item in effect that day' });
    }
    const buckets: Bucket[] = [];
    const responses: PublicAccessBlockEvidence['responses'] = [];
    for (const region of ctx.regions) {
      const fetched = await ctx.history(region).configItems('AWS::S3::Bucket');
      requests.push(...fetched.requests);
      for (const [name, a] of [...itemsAsOf(fetched.value, ctx.endOfDay)].sort(([x], [y]) => x.localeCompare(y))) {
        if (a.state === 'unrecorded') return { kind: 'gap', reason: `bucket ${name} (${region}) existed on ${ctx.day} but AWS Config holds no configuration item for it before ${a.firstCapture}`, sources: [...sources, itemSource('AWS::S3::Bucket', name, a)], requests };
        if (a.state === 'absent') continue;
        const cfg = configurationOf<{ creationDate?: string }>(a.item);
        buckets.push({ Name: name, ...(cfg?.creationDate ? { CreationDate: new Date(cfg.creationDate) } : {}), BucketRegion: region });
        const pab = supplementaryOf(a.item, 'PublicAccessBlockConfiguration');
        responses.push({
          bucket: name,
          region,
          response: pab ? { PublicAccessBlockConfiguration: pascal<PublicAccessBlockConfiguration>(pab) } : { error: { code: 'NoSuchPublicAccessBlockConfiguration', message: 'the configuration item in effect that day records no bucket-level Block Public Access configuration' } },
        });
        sources.push(itemSource('AWS::S3::Bucket', name, a));
      }
    }
    const data: PublicAccessBlockEvidence = { account, buckets, responses };
    return { kind: 'data', data, sources, requests };
  },
};

/**
 * One bucket-level answer per bucket from the AWS::S3::Bucket items in effect at the end of the day, in every region;
 * `answer` reads the item's supplementary configuration (undefined: the item does not record it, a gap that day).
 */
async function perBucket<T>(
  ctx: RebuildContext,
  answer: (item: Parameters<typeof supplementaryOf>[0]) => T | CapturedError | undefined,
  what: string,
): Promise<{ kind: 'gap'; reason: string; sources: ReconstructionSource[]; requests: HistoryRequest[] } | { kind: 'data'; data: S3BucketsEvidence<T>; sources: ReconstructionSource[]; requests: HistoryRequest[] }> {
  const sources: ReconstructionSource[] = [];
  const requests: HistoryRequest[] = [];
  const data: S3BucketsEvidence<T> = { buckets: [], responses: [] };
  for (const region of ctx.regions) {
    const fetched = await ctx.history(region).configItems('AWS::S3::Bucket');
    requests.push(...fetched.requests);
    for (const [name, a] of [...itemsAsOf(fetched.value, ctx.endOfDay)].sort(([x], [y]) => x.localeCompare(y))) {
      if (a.state === 'unrecorded') return { kind: 'gap', reason: `bucket ${name} (${region}) existed on ${ctx.day} but AWS Config holds no configuration item for it before ${a.firstCapture}`, sources: [itemSource('AWS::S3::Bucket', name, a)], requests };
      if (a.state === 'absent') continue;
      const response = answer(a.item);
      if (response === undefined) return { kind: 'gap', reason: `the AWS::S3::Bucket item of ${name} in effect on ${ctx.day} does not record its ${what}`, sources: [itemSource('AWS::S3::Bucket', name, a)], requests };
      const cfg = configurationOf<{ creationDate?: string }>(a.item);
      data.buckets.push({ Name: name, ...(cfg?.creationDate ? { CreationDate: new Date(cfg.creationDate) } : {}), BucketRegion: region });
      data.responses.push({ bucket: name, region, response });
      sources.push(itemSource('AWS::S3::Bucket', name, a));
    }
  }
  return { kind: 'data', data, sources, requests };
}

const bucketEncryption: Reconstructor = {
  queryId: 's3.bucket-encryption',
  method:
    'Rebuilt from AWS Config configuration history: each bucket’s AWS::S3::Bucket item in effect at the end of the day and its ServerSideEncryptionConfiguration; an item that records other bucket settings but none is a bucket without default encryption, an item that records no bucket settings at all makes the day a gap for this query.',
  apiCalls: ['config:ListDiscoveredResources', CONFIG_HISTORY],
  rebuild: (ctx) => perBucket(ctx, (item) => {
    const sse = supplementaryOf(item, 'ServerSideEncryptionConfiguration');
    if (sse) return { ServerSideEncryptionConfiguration: pascal<ServerSideEncryptionConfiguration>(sse) };
    // Config records each bucket setting that exists; with others recorded, a missing one is a setting that was not there.
    if (Object.keys(item.supplementaryConfiguration ?? {}).length) return { error: { code: 'ServerSideEncryptionConfigurationNotFoundError', message: 'the configuration item in effect that day records the bucket’s settings but no ServerSideEncryptionConfiguration' } };
    return undefined;
  }, 'settings'),
};

const bucketVersioning: Reconstructor = {
  queryId: 's3.bucket-versioning',
  method: 'Rebuilt from AWS Config configuration history: each bucket’s AWS::S3::Bucket item in effect at the end of the day, its BucketVersioningConfiguration (Off, Enabled or Suspended, and MFA delete) and its BucketLifecycleConfiguration (how long rules keep prior versions; none recorded: no lifecycle rules).',
  apiCalls: ['config:ListDiscoveredResources', CONFIG_HISTORY],
  rebuild: (ctx) => perBucket(ctx, (item) => {
    const v = supplementaryOf<{ status?: string; isMfaDeleteEnabled?: boolean | null }>(item, 'BucketVersioningConfiguration');
    if (!v) return undefined;
    const status = v.status === 'Enabled' || v.status === 'Suspended' ? { Status: v.status as BucketVersioningStatus } : {};
    const versioning = { ...status, ...(v.isMfaDeleteEnabled === true ? { MFADelete: 'Enabled' as const } : {}) };
    return { versioning, lifecycle: lifecycleFromRecorded(item.supplementaryConfiguration?.BucketLifecycleConfiguration) };
  }, 'versioning state'),
};

/** The trail properties an AWS::CloudTrail::Trail configuration item records. */
interface TrailItem {
  TrailName?: string;
  Arn?: string;
  S3BucketName?: string;
  IsLogging?: boolean;
  IsMultiRegionTrail?: boolean;
  IncludeGlobalServiceEvents?: boolean;
  IsOrganizationTrail?: boolean;
  EnableLogFileValidation?: boolean;
  KMSKeyId?: string;
  CloudWatchLogsLogGroupArn?: string;
  EventSelectors?: EventSelector[];
  AdvancedEventSelectors?: AdvancedEventSelector[];
}

const trailLogging: Reconstructor = {
  queryId: 'cloudtrail.trail-logging',
  method:
    'Rebuilt from AWS Config configuration history of AWS::CloudTrail::Trail (trail settings, logging state and event selectors in effect at the end of the day) with the StopLogging/StartLogging events CloudTrail kept for that day; delivery errors to S3 are not kept by either and are not judged.',
  apiCalls: ['config:ListDiscoveredResources', CONFIG_HISTORY, LOOKUP],
  async rebuild(ctx) {
    const sources: ReconstructionSource[] = [];
    const requests: HistoryRequest[] = [];
    const trails: Trail[] = [];
    const statuses: TrailLoggingEvidence['statuses'] = [];
    const selectors: NonNullable<TrailLoggingEvidence['selectors']> = [];
    const here = ctx.history(ctx.region);
    const withinEvents = ctx.endOfDay.getTime() >= here.eventsSince.getTime();
    const stops = withinEvents ? await here.lookupEvents('StopLogging') : undefined;
    const starts = withinEvents ? await here.lookupEvents('StartLogging') : undefined;
    requests.push(...(stops?.requests ?? []), ...(starts?.requests ?? []));
    for (const region of ctx.regions) {
      const fetched = await ctx.history(region).configItems('AWS::CloudTrail::Trail');
      requests.push(...fetched.requests);
      for (const [id, a] of [...itemsAsOf(fetched.value, ctx.endOfDay)].sort(([x], [y]) => x.localeCompare(y))) {
        if (a.state === 'unrecorded') return { kind: 'gap', reason: `trail ${id} (${region}) existed on ${ctx.day} but AWS Config holds no configuration item for it before ${a.firstCapture}`, sources: [itemSource('AWS::CloudTrail::Trail', id, a)], requests };
        if (a.state === 'absent') continue;
        const c = configurationOf<TrailItem>(a.item) ?? {};
        // Trails of other regions log this one only when they are multi-region, as DescribeTrails shows them.
        if (region !== ctx.region && c.IsMultiRegionTrail !== true) continue;
        const arn = c.Arn ?? a.item.arn ?? id;
        if (c.IsLogging === undefined) return { kind: 'gap', reason: `the AWS::CloudTrail::Trail item of ${arn} in effect on ${ctx.day} does not record whether it was logging`, sources: [itemSource('AWS::CloudTrail::Trail', id, a)], requests };
        trails.push({
          Name: c.TrailName ?? id,
          TrailARN: arn,
          HomeRegion: region,
          S3BucketName: c.S3BucketName,
          IsMultiRegionTrail: c.IsMultiRegionTrail === true,
          IncludeGlobalServiceEvents: c.IncludeGlobalServiceEvents === true,
          IsOrganizationTrail: c.IsOrganizationTrail === true,
          LogFileValidationEnabled: c.EnableLogFileValidation === true,
          ...(c.KMSKeyId ? { KmsKeyId: c.KMSKeyId } : {}),
          ...(c.CloudWatchLogsLogGroupArn ? { CloudWatchLogsLogGroupArn: c.CloudWatchLogsLogGroupArn } : {}),
        });
        const mentions = (e: Event) => (e.Resources ?? []).some((r) => r.ResourceName === arn || r.ResourceName === c.TrailName);
        const lastStop = stops?.value.filter((e) => mentions(e) && new Date(e.EventTime ?? 0).getTime() <= ctx.endOfDay.getTime()).pop();
        statuses.push({ trailARN: arn, status: { IsLogging: c.IsLogging, ...(!c.IsLogging && lastStop?.EventTime ? { StopLoggingTime: new Date(lastStop.EventTime) } : {}) } });
        if (c.AdvancedEventSelectors?.length) selectors.push({ trailARN: arn, response: { TrailARN: arn, AdvancedEventSelectors: c.AdvancedEventSelectors } });
        else if (c.EventSelectors) selectors.push({ trailARN: arn, response: { TrailARN: arn, EventSelectors: c.EventSelectors } });
        sources.push(itemSource('AWS::CloudTrail::Trail', id, a));
        for (const e of eventsOfDay([...(stops?.value ?? []), ...(starts?.value ?? [])], ctx).filter(mentions)) sources.push(eventSource(e));
      }
    }
    const data: TrailLoggingEvidence = { describeTrails: { trailList: trails }, statuses, selectors };
    return { kind: 'data', data, sources, requests };
  },
};

/**
 * The rotation period an EnableKeyRotation event set: its requestParameters.rotationPeriodInDays, else 365, the period
 * KMS uses when rotation is enabled without one (https://docs.aws.amazon.com/kms/latest/developerguide/ct-enablekeyrotation.html).
 * Undefined when the event's record cannot be read.
 */
function enabledPeriod(e: Event): number | undefined {
  try {
    const record = JSON.parse(e.CloudTrailEvent ?? '') as { requestParameters?: { rotationPeriodInDays?: unknown } | null };
    const days = record.requestParameters?.rotationPeriodInDays;
    return typeof days === 'number' ? days : 365;
  } catch {
    return undefined;
  }
}

const keyRotation: Reconstructor = {
  queryId: 'kms.key-rotation',
  method:
    'Keys rebuilt from AWS Config configuration history of AWS::KMS::Key (key metadata in effect at the end of the day); each key’s rotation setting from the EnableKeyRotation/DisableKeyRotation events CloudTrail kept (the last one on or before the day, with the period an EnableKeyRotation set or 365 when it names none; else the opposite of the first one after it, with no period; else today’s GetKeyRotationStatus, period included, when CloudTrail shows no change since); each key’s completed rotations from today’s ListKeyRotations, those completed by the end of the day (a rotation’s date does not change); days older than CloudTrail’s 90 days cannot be rebuilt.',
  apiCalls: ['config:ListDiscoveredResources', CONFIG_HISTORY, LOOKUP, 'kms:GetKeyRotationStatus', 'kms:ListKeyRotations'],
  async rebuild(ctx) {
    const h = ctx.history(ctx.region);
    const sources: ReconstructionSource[] = [];
    const requests: HistoryRequest[] = [];
    if (dayStart(ctx).getTime() < h.eventsSince.getTime()) {
      return { kind: 'gap', reason: `${ctx.day} is older than the 90 days of management events CloudTrail answers for; rotation changes before ${h.eventsSince.toISOString().slice(0, 10)} are not kept`, sources: [{ api: LOOKUP, detail: `answers from ${h.eventsSince.toISOString()} only` }], requests };
    }
    const fetched = await h.configItems('AWS::KMS::Key');
    const enables = await h.lookupEvents('EnableKeyRotation');
    const disables = await h.lookupEvents('DisableKeyRotation');
    requests.push(...fetched.requests, ...enables.requests, ...disables.requests);
    const changes = [...enables.value, ...disables.value].sort((a, b) => new Date(a.EventTime ?? 0).getTime() - new Date(b.EventTime ?? 0).getTime());
    const data: KeyRotationEvidence = { keys: [], metadata: [], rotation: [], rotations: [] };
    const { KMSClient, GetKeyRotationStatusCommand, paginateListKeyRotations } = await loadKmsSdk();
    for (const [id, a] of [...itemsAsOf(fetched.value, ctx.endOfDay)].sort(([x], [y]) => x.localeCompare(y))) {
      if (a.state === 'unrecorded') return { kind: 'gap', reason: `KMS key ${id} existed on ${ctx.day} but AWS Config holds no configuration item for it before ${a.firstCapture}`, sources: [itemSource('AWS::KMS::Key', id, a)], requests };
      if (a.state === 'absent') continue;
      const md = pascal<KeyMetadata>(configurationOf(a.item));
      const arn = md.Arn ?? a.item.arn ?? id;
      data.keys.push({ KeyId: id, KeyArn: arn });
      data.metadata.push({ keyId: id, KeyMetadata: md });
      sources.push(itemSource('AWS::KMS::Key', id, a));
      if (md.KeyManager !== 'CUSTOMER' || md.KeySpec !== 'SYMMETRIC_DEFAULT' || md.Origin !== 'AWS_KMS' || md.KeyState === 'PendingDeletion') continue;
      const mine = changes.filter((e) => (e.Resources ?? []).some((r) => r.ResourceName === arn || r.ResourceName === id));
      const before = mine.filter((e) => new Date(e.EventTime ?? 0).getTime() <= ctx.endOfDay.getTime()).pop();
      const after = mine.find((e) => new Date(e.EventTime ?? 0).getTime() > ctx.endOfDay.getTime());
      let enabled: boolean;
      // The rotation period in effect, when the sources show it; without it kms.key-rotation does not pass the key.
      let period: number | undefined;
      if (before) {
        enabled = before.EventName === 'EnableKeyRotation';
        if (enabled) period = enabledPeriod(before);
        sources.push(eventSource(before));
      } else if (after) {
        // Rotation was on before a DisableKeyRotation, but the EnableKeyRotation that set its period is older than CloudTrail keeps.
        enabled = after.EventName !== 'EnableKeyRotation';
        sources.push({ ...eventSource(after), detail: `${eventSource(after).detail}: the first change after that day, so the setting before it was the opposite` });
      } else {
        const input = { KeyId: arn };
        requests.push({ operation: 'kms:GetKeyRotationStatus', input });
        const now = stripMetadata(await h.clients.get(KMSClient).send(new GetKeyRotationStatusCommand(input)));
        enabled = now.KeyRotationEnabled === true;
        period = enabled ? now.RotationPeriodInDays : undefined;
        sources.push({ api: 'kms:GetKeyRotationStatus', resourceType: 'AWS::KMS::Key', resourceId: arn, time: h.now.toISOString(), detail: `today's setting; CloudTrail records no rotation change between that day and today` });
      }
      data.rotation.push({ keyId: id, status: { KeyId: arn, KeyRotationEnabled: enabled, ...(period !== undefined ? { RotationPeriodInDays: period } : {}) } });
      // Completed rotations (automatic and on demand) listed today, kept up to the end of the day: how old the key
      // material in use that day was. A key deleted since, or a policy refusing the read, leaves its age unknown.
      requests.push({ operation: 'kms:ListKeyRotations', input: { KeyId: arn } });
      const listed = await captureAbsence(
        () => allPages(paginateListKeyRotations({ client: h.clients.get(KMSClient) }, { KeyId: arn }), (p) => p.Rotations, {}),
        ['NotFoundException', 'UnsupportedOperationException', 'AccessDeniedException', 'KMSInvalidStateException'],
      );
      data.rotations!.push({ keyId: id, list: Array.isArray(listed) ? listed.filter((r) => (toDate(r.RotationDate)?.getTime() ?? Infinity) <= ctx.endOfDay.getTime()) : listed });
      sources.push({ api: 'kms:ListKeyRotations', resourceType: 'AWS::KMS::Key', resourceId: arn, time: h.now.toISOString(), detail: `today's list of completed rotations, those completed by the end of ${ctx.day}` });
    }
    return { kind: 'data', data, sources, requests };
  },
};

const sensitiveActivity: Reconstructor = {
  queryId: 'cloudtrail.sensitive-activity',
  method:
    'Rebuilt from CloudTrail LookupEvents: the sensitive management events (and failed console sign-ins) CloudTrail kept for the look-back window ending at the end of the day, exactly the search collect makes; days older than CloudTrail’s 90 days cannot be rebuilt.',
  apiCalls: [LOOKUP],
  async rebuild(ctx) {
    const h = ctx.history(ctx.region);
    const hours = Number(ctx.params.lookbackHours ?? 24);
    const start = new Date(ctx.endOfDay.getTime() + 1 - hours * 3_600_000);
    if (start.getTime() < h.eventsSince.getTime()) {
      return { kind: 'gap', reason: `the ${hours}-hour window ending ${ctx.endOfDay.toISOString()} starts before the 90 days of management events CloudTrail answers for (from ${h.eventsSince.toISOString()})`, sources: [{ api: LOOKUP, detail: `answers from ${h.eventsSince.toISOString()} only` }], requests: [] };
    }
    const configured = ctx.params.sensitiveEvents;
    const names = [...new Set([...(Array.isArray(configured) ? configured.map(String) : typeof configured === 'string' ? configured.split(',').map((x) => x.trim()).filter(Boolean) : DEFAULT_SENSITIVE_EVENTS), 'ConsoleLogin'])];
    const sources: ReconstructionSource[] = [];
    const requests: HistoryRequest[] = [];
    const lookups: SensitiveActivityEvidence['lookups'] = [];
    for (const eventName of names) {
      const fetched = await h.lookupEvents(eventName);
      requests.push(...fetched.requests);
      // Newest first, as LookupEvents returns them.
      const events = fetched.value.filter((e) => {
        const t = new Date(e.EventTime ?? 0).getTime();
        return t >= start.getTime() && t <= ctx.endOfDay.getTime();
      }).reverse();
      lookups.push({ eventName, events });
      for (const e of events.slice(0, 20)) sources.push(eventSource(e));
    }
    if (!sources.length) sources.push({ api: LOOKUP, detail: `no ${names.join(', ')} events between ${start.toISOString()} and ${ctx.endOfDay.toISOString()}` });
    const data: SensitiveActivityEvidence = { startTime: start.toISOString(), endTime: ctx.endOfDay.toISOString(), lookups };
    return { kind: 'data', data, sources, requests };
  },
};

/** Every query backfill can rebuild, by id; every other query is a stated gap for each rebuilt day. */
export const RECONSTRUCTORS: ReadonlyMap<string, Reconstructor> = new Map([publicAccessBlock, bucketEncryption, bucketVersioning, trailLogging, keyRotation, sensitiveActivity].map((r) => [r.queryId, r]));

/** Why a query without a reconstructor cannot be rebuilt: named for the commonest ones, else said in general. */
const NO_SOURCE: Readonly<Record<string, string>> = {
  'iam.password-policy': 'AWS Config does not record the account password policy, and CloudTrail’s UpdateAccountPasswordPolicy events carry no complete policy',
  'guardduty.findings': 'GuardDuty keeps findings with their first- and last-seen times, but not which were archived on a given day; not rebuilt yet',
  'securityhub.control-results': 'Security Hub keeps only the latest control result of each check',
  'ssm.patch-compliance': 'Systems Manager keeps only the latest patch compliance of each instance',
  'config.recorder-status': 'AWS Config keeps no history of its own recorder status',
};

/** The stated reason a query has no history source. */
export function noHistoryReason(queryId: string, apiCalls: readonly string[]): string {
  return NO_SOURCE[queryId] ?? `no history source: the query reads ${apiCalls.join(', ')} as they answer at collection time, and backfill has no rebuild of its evidence from AWS Config or CloudTrail history`;
}
