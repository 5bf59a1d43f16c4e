/**
 * Member evidence read as AWS Config configuration items (CIs) through the organisation's aggregator
 * (SelectAggregateResourceConfig), instead of each member's own Describe/List calls: one paged read in the audit
 * account answers a resource type for every member account and region.
 *
 * What such a record proves, and what it does not: it is the configuration AWS Config last recorded for the resource
 * (its `configurationItemCaptureTime`), not a live read; it holds the resources of the types the member's recorder
 * records. A member-region the aggregator holds no item of the type for is collected in the member account as usual,
 * so an aggregator's silence is never read as "no resources".
 */
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { stripMetadata, type EvaluationContext, type QueryContext, type QueryParameters, type ResourceResult } from '../types.js';
import { CollectInMember, defineDelegatedSource, memberKey, type DelegatedSource } from '../delegated/types.js';

/** The CI properties every item read selects; `supplementaryConfiguration` is added for types whose evidence lives there. */
export const ITEM_PROPERTIES = ['accountId', 'awsRegion', 'resourceType', 'resourceId', 'resourceName', 'arn', 'configurationItemCaptureTime', 'configurationItemStatus', 'configuration'] as const;

/** A CI as one `Results` row of the item read parses to. */
export interface ConfigItem {
  accountId: string;
  awsRegion: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  arn?: string;
  configurationItemCaptureTime?: string;
  configurationItemStatus?: string;
  configuration: Record<string, unknown>;
  supplementaryConfiguration?: Record<string, unknown>;
}

/** config-aggregator evidence of one member account and region: its CI rows, verbatim. */
export interface AggregateConfigItemsEvidence {
  aggregator: { name: string; accountId: string; region: string };
  expression: string;
  resourceTypes: string[];
  /** SelectAggregateResourceConfig `Results` (JSON text, one CI per row) of this member account and region. */
  results: string[];
  /** A global family's record: the member's own listing of the resources (verbatim), which the items cover. */
  listing?: unknown;
  /** What the family reads in the member account beside the items (`ConfigItemFamily.memberReads`), verbatim. */
  memberReads?: Record<string, unknown>;
}

export function isAggregateConfigItems(v: unknown): v is AggregateConfigItemsEvidence {
  return typeof v === 'object' && v !== null && 'expression' in v && 'resourceTypes' in v && 'results' in v;
}

/**
 * A family of member queries one CI read answers: the resource types, and how their CIs become the evidence the
 * member's own query would have collected (the service API's shape), so one evaluation judges both.
 */
export interface ConfigItemFamily<TEvidence> {
  resourceTypes: readonly string[];
  /** Also select `supplementaryConfiguration` (S3 bucket settings live there). */
  supplementary?: boolean;
  /** A global query's family (S3 buckets): a member's part is its items of every region, checked against its own listing. */
  global?: MemberListing;
  /** `listing`: a global family's member listing, as `global.read` returned it. */
  toEvidence(items: readonly ConfigItem[], listing?: unknown): TEvidence;
  /**
   * Evidence AWS Config does not record, read live in the member account from what the items name (a security group
   * rule's prefix lists): its fields are kept beside the items and join the evidence the items become.
   */
  memberReads?: MemberReads;
}

/** Reads in the member account beside the items; `evidence` is what the items became (the family's toEvidence). */
export interface MemberReads {
  read(member: QueryContext, evidence: unknown): Promise<Record<string, unknown>>;
  /** What is read, for the reasons: "the rules' prefix lists". */
  what: string;
}

/**
 * What a global family's items must cover: the member's own listing of the resources (one cheap call in the member,
 * the first its own query makes). A region whose recorder does not record, or a resource created since the last
 * capture, leaves a listed resource without an item: then the member's own query collects the record.
 */
export interface MemberListing {
  read(ctx: QueryContext): Promise<unknown>;
  /** The listed resources the items do not cover (no item, or no item holding what the query reads). */
  uncovered(listing: unknown, items: readonly ConfigItem[]): string[];
}

export function itemsExpression(family: ConfigItemFamily<unknown>): string {
  const properties = [...ITEM_PROPERTIES, ...(family.supplementary ? ['supplementaryConfiguration'] : [])].join(', ');
  const types = family.resourceTypes.map((t) => `'${t}'`);
  return `SELECT ${properties} WHERE resourceType ${types.length === 1 ? `= ${types[0]}` : `IN (${types.join(', ')})`}`;
}

/** One row of an item read; undefined when the text is not a CI the collector can attribute to a member. */
export function parseItem(text: string): ConfigItem | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.accountId !== 'string' || typeof v.awsRegion !== 'string' || typeof v.resourceType !== 'string' || typeof v.resourceId !== 'string') return undefined;
    if (typeof v.configuration !== 'object' || v.configuration === null) return undefined;
    return v as unknown as ConfigItem;
  } catch {
    return undefined;
  }
}

/** CI statuses that describe a resource that no longer exists or is not recorded: never judged. */
const GONE = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded']);

/**
 * The delegated source of one member query answered by a CI family. Queries of one family share the same read
 * (`readKey` is the expression), so three security-group queries make one organisation-wide listing.
 */
export function configItemsSource(queryId: string, family: ConfigItemFamily<unknown>): DelegatedSource<unknown> {
  const expression = itemsExpression(family);
  return defineDelegatedSource<string[]>({
    queryId,
    kind: 'config-aggregator',
    reach: 'aggregator-region',
    // A global family's parts are per account, a regional one's per account and region: never one shared read.
    readKey: family.global ? `${expression} (per account)` : expression,
    ...(family.global ? { global: true } : {}),
    apiCalls: ['config:SelectAggregateResourceConfig'],
    async fetch(audit) {
      const { ConfigServiceClient, paginateSelectAggregateResourceConfig } = await loadConfigServiceSdk();
      const parts = new Map<string, string[]>();
      const pages = paginateSelectAggregateResourceConfig({ client: audit.clients.get(ConfigServiceClient), pageSize: 100 }, { ConfigurationAggregatorName: audit.aggregator, Expression: expression });
      for await (const page of pages) {
        audit.signal?.throwIfAborted();
        for (const text of stripMetadata(page).Results ?? []) {
          const item = parseItem(text);
          // A row that names no member is left out of every member's part rather than guessed; a deleted resource's
          // CI does not make a member-region look covered.
          if (!item || GONE.has(item.configurationItemStatus ?? '')) continue;
          const key = memberKey(item.accountId, family.global ? 'global' : item.awsRegion);
          let part = parts.get(key);
          if (!part) parts.set(key, (part = []));
          part.push(text);
        }
      }
      return parts;
    },
    async complete(results, member, audit): Promise<AggregateConfigItemsEvidence | CollectInMember> {
      const evidence = { aggregator: { name: audit.aggregator, accountId: audit.accountId, region: audit.region }, expression, resourceTypes: [...family.resourceTypes], results };
      if (family.memberReads && !family.global) {
        const items = results.map(parseItem).filter((i): i is ConfigItem => i !== undefined);
        return { ...evidence, memberReads: await family.memberReads.read(member, family.toEvidence(items)) };
      }
      if (!family.global) return evidence;
      const listing = await family.global.read(member);
      const items = results.map(parseItem).filter((i): i is ConfigItem => i !== undefined);
      const missing = family.global.uncovered(listing, items);
      if (missing.length) return new CollectInMember(`the aggregator ${audit.aggregator} holds no usable configuration item for ${missing.length} of the account's listed resources (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`);
      return { ...evidence, listing };
    },
  });
}

type Evaluate<T> = (data: T, params: QueryParameters, ctx: EvaluationContext) => ResourceResult[];

/**
 * A member query's evaluate that also judges CI evidence: the CIs of this member account and region become the
 * evidence the member's own query collects, the same evaluation runs, and every reason says the configuration is the
 * one AWS Config recorded (with the latest capture time), read through the aggregator.
 */
export function acceptConfigItems<T>(family: ConfigItemFamily<T>, evaluate: Evaluate<T>): Evaluate<T | AggregateConfigItemsEvidence> {
  return (data, params, ctx) => {
    if (!isAggregateConfigItems(data)) return evaluate(data, params, ctx);
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    const items = (data.results ?? []).map(parseItem);
    if (items.some((i) => i === undefined)) return [{ ...account, status: 'error', reason: 'the evidence holds a SelectAggregateResourceConfig row that is not a configuration item of a member account and region' }];
    const mine = items.filter((i): i is ConfigItem => i !== undefined && !GONE.has(i.configurationItemStatus ?? ''));
    // A global record holds the account's items of every region; a regional one only its region's.
    const global = ctx.region === 'global';
    const foreign = mine.find((i) => i.accountId !== ctx.accountId || (!global && i.awsRegion !== ctx.region) || !family.resourceTypes.includes(i.resourceType));
    if (foreign) {
      return [{ ...account, status: 'error', reason: `the evidence of ${ctx.accountId} in ${ctx.region} holds a configuration item of ${foreign.resourceType} ${foreign.resourceId} in ${foreign.accountId} ${foreign.awsRegion}` }];
    }
    if (family.global && (!global || data.listing === undefined)) {
      return [{ ...account, status: 'error', reason: `the evidence of ${ctx.accountId} in ${ctx.region} holds configuration items without the account's own listing of the resources they must cover` }];
    }
    const captured = mine.map((i) => i.configurationItemCaptureTime ?? '').filter(Boolean).sort();
    const live = data.memberReads && family.memberReads ? ` (${family.memberReads.what} read live in the account)` : '';
    const note = `; read through the AWS Config aggregator ${data.aggregator?.name}: the configuration AWS Config recorded${captured.length ? ` (captured ${captured[0]}${captured.length > 1 && captured.at(-1) !== captured[0] ? ` to ${captured.at(-1)}` : ''})` : ''}, not a live read${live}`;
    const evidence = family.toEvidence(mine, data.listing);
    return evaluate(data.memberReads ? { ...evidence, ...data.memberReads } : evidence, params, ctx).map((r) => (r.status === 'error' ? r : { ...r, reason: `${r.reason}${note}` }));
  };
}

/**
 * A CI's `configuration` in the service API's shape: each key's first letter raised (`groupId` -> `GroupId`,
 * `dBInstanceIdentifier` -> `DBInstanceIdentifier`). `keep` names keys whose value is data, not structure (tag maps,
 * environment variables): their inner keys are left as recorded.
 */
export function apiCase<T>(v: unknown, keep: ReadonlySet<string> = new Set()): T {
  if (Array.isArray(v)) return v.map((x) => apiCase(x, keep)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = k.charAt(0).toUpperCase() + k.slice(1);
      out[key] = keep.has(k) ? x : apiCase(x, keep);
    }
    return out as T;
  }
  return v as T;
}

/**
 * AWS Config writes a field the resource does not have as `null` (`"association": null`), where the service API leaves
 * it out; dropping those keeps "absent" meaning the same in both kinds of evidence.
 */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(withoutNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  return v;
}
