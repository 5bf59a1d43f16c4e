import type { Event } from '@aws-sdk/client-cloudtrail';
import { loadCloudTrailSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';

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


const CONSOLE_LOGIN = 'ConsoleLogin';
/** At most this many events of one name are listed one by one; the rest are counted. */
const LISTED_PER_EVENT = 20;

function eventNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...DEFAULT_SENSITIVE_EVENTS];
}

interface EventDetail {
  sourceIPAddress?: string;
  userIdentity?: { arn?: string; type?: string };
  responseElements?: { ConsoleLogin?: string } | null;
  errorMessage?: string;
}

function detail(e: Event): EventDetail {
  try {
    return JSON.parse(e.CloudTrailEvent ?? '{}') as EventDetail;
  } catch {
    return {};
  }
}

function isFailedConsoleLogin(e: Event): boolean {
  const d = detail(e);
  return d.responseElements?.ConsoleLogin === 'Failure' || d.errorMessage !== undefined;
}

function describeEvent(e: Event): string {
  const d = detail(e);
  const who = d.userIdentity?.arn ?? e.Username ?? 'an unknown identity';
  const when = toDate(e.EventTime)?.toISOString() ?? 'an unknown time';
  const on = (e.Resources ?? []).map((r) => r.ResourceName).filter(Boolean);
  return `${e.EventName} by ${who} at ${when}${d.sourceIPAddress ? ` from ${d.sourceIPAddress}` : ''}${on.length ? ` on ${on.join(', ')}` : ''}${d.errorMessage ? ` (${d.errorMessage})` : ''}`;
}

export const sensitiveActivity = defineQuery<SensitiveActivityEvidence>({
  id: 'cloudtrail.sensitive-activity',
  service: 'cloudtrail',
  title: 'Changes to audit, detection and encryption controls, and failed console sign-ins, are reviewed',
  description:
    'CloudTrail event history searched, for a recent window, for each configured sensitive API call (stopping or deleting trails, recorders, detectors, keys ...) and for failed console sign-ins. Every event found is listed for review.',
  remediation:
    'Review each listed event with its owner: confirm it was an authorised change (ticket, approval) or open a security incident. Alert on these events with EventBridge or CloudWatch metric filters.',
  scope: 'regional',
  apiCalls: ['cloudtrail:LookupEvents'],
  parameters: {
    lookbackHours: { description: 'How many hours before collection to search.', default: 24, collectSetting: 'lookbackHours' },
    sensitiveEvents: {
      description: 'CloudTrail event names searched; every event found needs review (ConsoleLogin: failed sign-ins only). Set in config collect.sensitiveEvents.',
      default: [...DEFAULT_SENSITIVE_EVENTS],
      collectSetting: 'sensitiveEvents',
    },
  },
  async collect(ctx) {
    const hours = Number(ctx.params.lookbackHours ?? 24);
    const endTime = ctx.now;
    const startTime = new Date(endTime.getTime() - hours * 3_600_000);
    const { CloudTrailClient, paginateLookupEvents } = await loadCloudTrailSdk();
    const ct = ctx.clients.get(CloudTrailClient);
    const names = [...new Set([...eventNames(ctx.params.sensitiveEvents), CONSOLE_LOGIN])];
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
    if (!data?.lookups) return [{ ...account, status: 'error', reason: 'the evidence holds no LookupEvents results' }];
    const window = `between ${data.startTime} and ${data.endTime}`;
    const results: ResourceResult[] = [];
    for (const { eventName: name, events } of data.lookups) {
      const found = name === CONSOLE_LOGIN ? (events ?? []).filter(isFailedConsoleLogin) : (events ?? []);
      const label = name === CONSOLE_LOGIN ? 'failed ConsoleLogin' : name;
      for (const e of found.slice(0, LISTED_PER_EVENT)) {
        results.push({ resource: `${name}/${e.EventId ?? 'unknown'}`, resourceType: 'AWS::CloudTrail::Event', status: 'needs-review', reason: `${name === CONSOLE_LOGIN ? 'failed ' : ''}${describeEvent(e)}` });
      }
      if (found.length > LISTED_PER_EVENT) {
        results.push({ resource: `${name}/more`, resourceType: 'AWS::CloudTrail::Event', status: 'needs-review', reason: `${found.length - LISTED_PER_EVENT} more ${label} events ${window} are in the evidence` });
      }
    }
    if (results.length === 0) {
      const searched = data.lookups.map((l) => l.eventName).filter((n) => n !== CONSOLE_LOGIN);
      results.push({ ...account, status: 'pass', reason: `no ${searched.join(', ') || 'sensitive'} events and no failed console sign-ins ${window}` });
    }
    return results;
  },
});
