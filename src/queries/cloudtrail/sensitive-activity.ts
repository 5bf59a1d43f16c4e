import type { Event } from '@aws-sdk/client-cloudtrail';
import { loadCloudTrailSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';
import { isLakeEvidence, lakeTime, rowValues, eventDataStoreId, type LakeSensitiveActivityEvidence } from './lake-events.js';

/** Events found by one LookupEvents search (all pages), newest first as CloudTrail returns them. */
export interface EventLookup {
  eventName: string;
  events: Event[];
}

export interface SensitiveActivityEvidence {
  /** The window searched (LookupEvents StartTime/EndTime). */
  startTime: string;
  endTime: string;
  lookups: EventLookup[];
}

/**
 * Calls that switch off or weaken audit logging, detection, access control or encryption, plus console
 * sign-ins (only failed ones are listed). Searched unless `collect.sensitiveEvents` configures another list.
 */
export const DEFAULT_SENSITIVE_EVENTS: readonly string[] = [
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
  'DeleteDetector',
  'UpdateDetector',
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'StopConfigurationRecorder',
  'DeleteConfigurationRecorder',
  'DeleteDeliveryChannel',
  'DisableKey',
  'ScheduleKeyDeletion',
  'ConsoleLogin',
];


/**
 * Default minutes each search starts before `now - lookbackHours` (collect.eventOverlapMinutes). CloudTrail documents that
 * it delivers an event about 5 minutes after the API call on average, without a guarantee: an event from the last minutes
 * before a run is often not yet searchable then, and lies before the next run's look-back window unless the windows
 * overlap. An hour is twelve times that average (and four times the 15 minutes CloudTrail used to quote), and absorbs a
 * daily run starting up to an hour later than the day before; the price is events near the seam listed by two runs.
 */
export const DEFAULT_EVENT_OVERLAP_MINUTES = 60;

/** The window one search covers: from `now - lookbackHours - eventOverlapMinutes` to `now`, both as given in the parameters. */
export function searchWindow(params: Record<string, unknown>, now: Date): { start: Date; end: Date; hours: number; overlapMinutes: number } {
  const hours = Number(params.lookbackHours ?? 24);
  const overlapMinutes = Number(params.eventOverlapMinutes ?? DEFAULT_EVENT_OVERLAP_MINUTES);
  return { start: new Date(now.getTime() - hours * 3_600_000 - overlapMinutes * 60_000), end: now, hours, overlapMinutes };
}

const CONSOLE_LOGIN = 'ConsoleLogin';
/** At most this many events of one name are listed one by one; the rest are counted. */
const LISTED_PER_EVENT = 20;

function eventNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...DEFAULT_SENSITIVE_EVENTS];
}

/** The event names one collection searches, in order: the configured ones and always ConsoleLogin. */
export function searchedEventNames(params: Record<string, unknown>): string[] {
  return [...new Set([...eventNames(params.sensitiveEvents), CONSOLE_LOGIN])];
}

interface EventDetail {
  sourceIPAddress?: string;
  userIdentity?: { arn?: string; type?: string };
  responseElements?: { ConsoleLogin?: string } | null;
  errorMessage?: string;
}

/** One event as the review reads it, from LookupEvents or from a CloudTrail Lake row. */
interface ReviewedEvent {
  id?: string;
  name: string;
  time?: Date;
  who?: string;
  sourceIPAddress?: string;
  errorMessage?: string;
  consoleLogin?: string;
  resources: string[];
}

function fromLookup(e: Event): ReviewedEvent {
  const d = detail(e);
  return {
    id: e.EventId,
    name: e.EventName ?? '',
    time: toDate(e.EventTime),
    who: d.userIdentity?.arn ?? e.Username,
    sourceIPAddress: d.sourceIPAddress,
    errorMessage: d.errorMessage,
    consoleLogin: d.responseElements?.ConsoleLogin,
    resources: (e.Resources ?? []).map((r) => r.ResourceName ?? '').filter(Boolean),
  };
}

/** Lake rows carry no LookupEvents `Resources` (CloudTrail derives those for event history only), so none are named. */
function fromLakeRow(row: LakeSensitiveActivityEvidence['rows'][number]): ReviewedEvent {
  const v = rowValues(row);
  return { id: v.eventID, name: v.eventName ?? '', time: lakeTime(v.eventTime), who: v.userIdentityArn, sourceIPAddress: v.sourceIPAddress, errorMessage: v.errorMessage, consoleLogin: v.consoleLoginResponse, resources: [] };
}

/** Lake evidence grouped like LookupEvents evidence: one search per event name, newest first. */
function lakeLookups(data: LakeSensitiveActivityEvidence): { eventName: string; events: ReviewedEvent[] }[] {
  const events = data.rows.map(fromLakeRow).sort((a, b) => (b.time?.getTime() ?? 0) - (a.time?.getTime() ?? 0));
  return data.eventNames.map((eventName) => ({ eventName, events: events.filter((e) => e.name === eventName) }));
}

function detail(e: Event): EventDetail {
  try {
    return JSON.parse(e.CloudTrailEvent ?? '{}') as EventDetail;
  } catch {
    return {};
  }
}

function isFailedConsoleLogin(e: ReviewedEvent): boolean {
  return e.consoleLogin === 'Failure' || e.errorMessage !== undefined;
}

function describeEvent(e: ReviewedEvent): string {
  const who = e.who ?? 'an unknown identity';
  const when = e.time?.toISOString() ?? 'an unknown time';
  return `${e.name} by ${who} at ${when}${e.sourceIPAddress ? ` from ${e.sourceIPAddress}` : ''}${e.resources.length ? ` on ${e.resources.join(', ')}` : ''}${e.errorMessage ? ` (${e.errorMessage})` : ''}`;
}

export const sensitiveActivity = defineQuery<SensitiveActivityEvidence | LakeSensitiveActivityEvidence>({
  id: 'cloudtrail.sensitive-activity',
  service: 'cloudtrail',
  title: 'Changes to audit, detection and encryption controls, and failed console sign-ins, are reviewed',
  description:
    "CloudTrail event history searched, for the look-back window plus an overlap with the previous run's, for each configured sensitive API call (stopping or deleting trails, recorders, detectors, keys ...) and for failed console sign-ins. Every event found is listed for review.",
  remediation:
    'Review each listed event with its owner: confirm it was an authorised change (ticket, approval) or open a security incident. Alert on these events with EventBridge or CloudWatch metric filters.',
  scope: 'regional',
  apiCalls: ['cloudtrail:LookupEvents'],
  parameters: {
    lookbackHours: { description: 'How many hours before collection to search.', default: 24, collectSetting: 'lookbackHours' },
    eventOverlapMinutes: {
      description: "Minutes the search starts before the look-back window, so consecutive runs' windows overlap (CloudTrail delivers events minutes after the call).",
      default: DEFAULT_EVENT_OVERLAP_MINUTES,
      collectSetting: 'eventOverlapMinutes',
    },
    sensitiveEvents: {
      description: 'CloudTrail event names searched; every event found needs review (ConsoleLogin: failed sign-ins only). Set in config collect.sensitiveEvents.',
      default: [...DEFAULT_SENSITIVE_EVENTS],
      collectSetting: 'sensitiveEvents',
    },
  },
  async collect(ctx) {
    const { start: startTime, end: endTime } = searchWindow(ctx.params, ctx.now);
    const { CloudTrailClient, paginateLookupEvents } = await loadCloudTrailSdk();
    const ct = ctx.clients.get(CloudTrailClient);
    const names = searchedEventNames(ctx.params);
    const lookups: EventLookup[] = [];
    // One event name per search (LookupEvents accepts one attribute); the client enforces 2 requests/s.
    for (const eventName of names) {
      ctx.signal?.throwIfAborted();
      const events: Event[] = [];
      const pages = paginateLookupEvents(
        { client: ct, pageSize: 50 },
        { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }], StartTime: startTime, EndTime: endTime },
      );
      for await (const page of pages) events.push(...(stripMetadata(page).Events ?? []));
      lookups.push({ eventName, events });
    }
    return { startTime: startTime.toISOString(), endTime: endTime.toISOString(), lookups };
  },
  // Judges every search the evidence holds: the event names searched are fixed at collection time.
  evaluate(data) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    const lake = isLakeEvidence(data) ? data : undefined;
    const lookups = lake ? lakeLookups(lake) : (data as SensitiveActivityEvidence | undefined)?.lookups?.map((l) => ({ eventName: l.eventName, events: (l.events ?? []).map(fromLookup) }));
    if (!data || !lookups) return [{ ...account, status: 'error', reason: 'the evidence holds no LookupEvents results and no CloudTrail Lake rows' }];
    // Lake answers from what the organisation trail delivered to the store; event history is the member's own 90 days.
    const window = `between ${data.startTime} and ${data.endTime}${lake ? ` in CloudTrail Lake event data store ${eventDataStoreId(lake.lake.eventDataStore)} (${rowValues(lake.coverage).events ?? 'an unknown number of'} events of this account and region delivered to it for the window by the organisation trail, within the store's retention; not the account's own event history)` : ''}`;
    const results: ResourceResult[] = [];
    for (const { eventName: name, events } of lookups) {
      const found = name === CONSOLE_LOGIN ? events.filter(isFailedConsoleLogin) : events;
      const label = name === CONSOLE_LOGIN ? 'failed ConsoleLogin' : name;
      for (const e of found.slice(0, LISTED_PER_EVENT)) {
        results.push({ resource: `${name}/${e.id ?? 'unknown'}`, resourceType: 'AWS::CloudTrail::Event', status: 'needs-review', reason: `${name === CONSOLE_LOGIN ? 'failed ' : ''}${describeEvent(e)}` });
      }
      if (found.length > LISTED_PER_EVENT) {
        results.push({ resource: `${name}/more`, resourceType: 'AWS::CloudTrail::Event', status: 'needs-review', reason: `${found.length - LISTED_PER_EVENT} more ${label} events ${window} are in the evidence` });
      }
    }
    if (results.length === 0) {
      const searched = lookups.map((l) => l.eventName).filter((n) => n !== CONSOLE_LOGIN);
      results.push({ ...account, status: 'pass', reason: `no ${searched.join(', ') || 'sensitive'} events and no failed console sign-ins ${window}` });
    }
    return results;
  },
});
