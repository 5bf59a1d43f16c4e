import type { ConfigurationItem } from '@aws-sdk/client-config-service';
import type { Event } from '@aws-sdk/client-cloudtrail';
import type { AwsClientProvider } from '../aws/clients.js';
import { loadCloudTrailSdk, loadConfigServiceSdk } from '../aws/sdk.js';
import { stripMetadata } from '../queries/types.js';

/** One SDK call made to read history, as an evidence body lists it. */
export interface HistoryRequest {
  operation: string;
  input: unknown;
}

/** A history answer and the calls that produced it. */
export interface Fetched<T> {
  value: T;
  requests: HistoryRequest[];
}

/** CloudTrail answers LookupEvents for the last 90 days only. */
export const LOOKUP_EVENTS_DAYS = 90;
const DAY = 86_400_000;

/**
 * What AWS kept for one account and region, read once for the whole backfill window and answered per day from
 * memory: AWS Config configuration items (every item up to the window's end, so the state in effect on its first
 * day is known) and CloudTrail management events. Each answer is read at most once however many days ask.
 */
export class AwsHistory {
  private readonly items = new Map<string, Promise<Fetched<ConfigurationItem[]>>>();
  private readonly events = new Map<string, Promise<Fetched<Event[]>>>();

  constructor(
    readonly clients: AwsClientProvider,
    /** End of the last day of the window: nothing later is asked for. */
    readonly until: Date,
    /** When the backfill runs: CloudTrail's 90 days count back from here. */
    readonly now: Date,
  ) {}

  get region(): string {
    return this.clients.region;
  }

  /** Every configuration item of every resource of `resourceType` Config discovered (deleted ones too), oldest first. */
  configItems(resourceType: string): Promise<Fetched<ConfigurationItem[]>> {
    let p = this.items.get(resourceType);
    if (!p) {
      p = this.readConfigItems(resourceType);
      this.items.set(resourceType, p);
    }
    return p;
  }

  /** Management events named `eventName` in the part of CloudTrail's 90 days that reaches `until`, oldest first. */
  lookupEvents(eventName: string): Promise<Fetched<Event[]>> {
    let p = this.events.get(eventName);
    if (!p) {
      p = this.readEvents(eventName);
      this.events.set(eventName, p);
    }
    return p;
  }

  /** The first instant CloudTrail still answers for. */
  get eventsSince(): Date {
    return new Date(this.now.getTime() - LOOKUP_EVENTS_DAYS * DAY);
  }

  private async readConfigItems(resourceType: string): Promise<Fetched<ConfigurationItem[]>> {
    const { ConfigServiceClient, paginateListDiscoveredResources, paginateGetResourceConfigHistory } = await loadConfigServiceSdk();
    const config = this.clients.get(ConfigServiceClient);
    const requests: HistoryRequest[] = [];
    const ids: string[] = [];
    const listInput = { resourceType: resourceType as never, includeDeletedResources: true };
    requests.push({ operation: 'config:ListDiscoveredResources', input: listInput });
    for await (const page of paginateListDiscoveredResources({ client: config, pageSize: 100 }, listInput)) {
      for (const r of stripMetadata(page).resourceIdentifiers ?? []) if (r.resourceId) ids.push(r.resourceId);
    }
    const items: ConfigurationItem[] = [];
    for (const resourceId of [...new Set(ids)]) {
      const input = { resourceType: resourceType as never, resourceId, laterTime: this.until, chronologicalOrder: 'Forward' as const };
      requests.push({ operation: 'config:GetResourceConfigHistory', input: { ...input, laterTime: this.until.toISOString() } });
      for await (const page of paginateGetResourceConfigHistory({ client: config, pageSize: 100 }, input)) {
        items.push(...(stripMetadata(page).configurationItems ?? []));
      }
    }
    const t = (i: ConfigurationItem) => new Date(i.configurationItemCaptureTime ?? 0).getTime();
    items.sort((a, b) => t(a) - t(b));
    return { value: items, requests };
  }

  private async readEvents(eventName: string): Promise<Fetched<Event[]>> {
    const { CloudTrailClient, paginateLookupEvents } = await loadCloudTrailSdk();
    const ct = this.clients.get(CloudTrailClient);
    const input = { LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: eventName }], StartTime: this.eventsSince, EndTime: this.now };
    const events: Event[] = [];
    for await (const page of paginateLookupEvents({ client: ct, pageSize: 50 }, input)) events.push(...(stripMetadata(page).Events ?? []));
    const t = (e: Event) => new Date(e.EventTime ?? 0).getTime();
    events.sort((a, b) => t(a) - t(b));
    return { value: events, requests: [{ operation: 'cloudtrail:LookupEvents', input: { ...input, StartTime: input.StartTime.toISOString(), EndTime: input.EndTime.toISOString() } }] };
  }
}

/** What Config knew of one resource at an instant. */
export type ItemAsOf =
  | { state: 'present'; item: ConfigurationItem }
  | { state: 'absent'; item?: ConfigurationItem }
  /** The resource existed then, but Config's first item for it is later: its configuration that day is unknown. */
  | { state: 'unrecorded'; firstCapture: string };

/** Each resource's configuration item in effect at `at` (the latest captured at or before it). */
export function itemsAsOf(items: readonly ConfigurationItem[], at: Date): Map<string, ItemAsOf> {
  const byResource = new Map<string, ConfigurationItem[]>();
  for (const i of items) {
    const id = i.resourceId ?? '';
    byResource.set(id, [...(byResource.get(id) ?? []), i]);
  }
  const out = new Map<string, ItemAsOf>();
  const t = (i: ConfigurationItem) => new Date(i.configurationItemCaptureTime ?? 0).getTime();
  for (const [id, list] of byResource) {
    const before = list.filter((i) => t(i) <= at.getTime());
    const last = before[before.length - 1];
    if (last) {
      const gone = last.configurationItemStatus === 'ResourceDeleted' || last.configurationItemStatus === 'ResourceDeletedNotRecorded' || last.configurationItemStatus === 'ResourceNotRecorded';
      out.set(id, gone ? { state: 'absent', item: last } : { state: 'present', item: last });
      continue;
    }
    const created = list.find((i) => i.resourceCreationTime)?.resourceCreationTime;
    // Created after that day: it did not exist; created before (or unknown) with no item yet: Config was not recording it.
    if (created && new Date(created).getTime() > at.getTime()) out.set(id, { state: 'absent' });
    else out.set(id, { state: 'unrecorded', firstCapture: new Date(list[0].configurationItemCaptureTime ?? 0).toISOString() });
  }
  return out;
}

/** The parsed `configuration` of an item (a JSON string on the wire). */
export function configurationOf<T = Record<string, unknown>>(item: ConfigurationItem): T | undefined {
  return item.configuration ? (JSON.parse(item.configuration) as T) : undefined;
}

/** One supplementary configuration entry of an item, parsed. */
export function supplementaryOf<T = Record<string, unknown>>(item: ConfigurationItem, key: string): T | undefined {
  const v = item.supplementaryConfiguration?.[key];
  return v ? (JSON.parse(v) as T) : undefined;
}

/** Members whose API name starts with an acronym Config writes in lower case (`sseAlgorithm` is `SSEAlgorithm`). */
const ACRONYM_MEMBERS: Readonly<Record<string, string>> = { SseAlgorithm: 'SSEAlgorithm', KmsMasterKeyID: 'KMSMasterKeyID', AwsAccountId: 'AWSAccountId', MfaDelete: 'MFADelete' };

/** Config's camelCase member names back to the API's own (`blockPublicAcls` → `BlockPublicAcls`). */
export function pascal<T>(v: unknown): T {
  if (Array.isArray(v)) return v.map((x) => pascal(x)) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => {
      const up = k.charAt(0).toUpperCase() + k.slice(1);
      return [ACRONYM_MEMBERS[up] ?? up, pascal(x)];
    })) as T;
  }
  return v as T;
}

/** ISO time of a Date or string timestamp from an SDK answer. */
export function isoOf(v: Date | string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
