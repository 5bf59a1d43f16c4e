import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ListPublicKeysCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  type AdvancedEventSelector,
  type Event,
  type EventSelector,
  type GetTrailStatusResponse,
  type LookupAttribute,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { KeyObject } from 'node:crypto';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { lakeOperations, type CloudTrailLakeState } from './cloudtrail-lake.js';

/** One trail as the account holds it: its description, logging status and event selectors. */
export interface SimTrail {
  trail: Trail;
  status: Omit<GetTrailStatusResponse, '$metadata'>;
  eventSelectors?: EventSelector[];
  advancedEventSelectors?: AdvancedEventSelector[];
}

/** Trails are account-wide (a multi-region trail is visible as a shadow trail in every region). */
export interface CloudTrailAccountState {
  trails: SimTrail[];
}

/** One digest-signing key pair of a region, as CloudTrail keeps it: the public half is served by ListPublicKeys. */
export interface SimDigestKey {
  /** DER-encoded PKCS#1 RSAPublicKey, as ListPublicKeys returns it. */
  publicDer: Buffer;
  fingerprint: string;
  validityStart: Date;
  validityEnd: Date;
  privateKey: KeyObject;
}

/** Management events recorded in one region (newest last or in any order; LookupEvents sorts), and the region's digest keys. */
export interface CloudTrailRegionState {
  events: Event[];
  digestKeys?: SimDigestKey[];
  /** CloudTrail Lake: the region's event data stores and the queries run against them. */
  lake?: CloudTrailLakeState;
}

declare module '../world.js' {
  interface GlobalState {
    cloudtrail: CloudTrailAccountState;
  }
  interface RegionalState {
    cloudtrail: CloudTrailRegionState;
  }
}

export const cloudTrailTrails = (account: SimAccount) => account.globalState('cloudtrail', () => ({ trails: [] }));
export const cloudTrailEvents = (account: SimAccount, region: string) => account.regional(region, 'cloudtrail', () => ({ events: [] }));

const trailNotFound = (ctx: CallContext, name: string) =>
  new SimError('TrailNotFoundException', `Unknown trail: ${name} for the user: ${ctx.account.id}`);

/** Resolves a trail name (home region only) or ARN (any region) the way CloudTrail does. */
function findTrail(ctx: CallContext, nameOrArn: string): SimTrail {
  const trails = cloudTrailTrails(ctx.account).trails;
  const t = nameOrArn.startsWith('arn:')
    ? trails.find((s) => s.trail.TrailARN === nameOrArn)
    : trails.find((s) => s.trail.Name === nameOrArn && s.trail.HomeRegion === ctx.region);
  if (!t) throw trailNotFound(ctx, nameOrArn);
  return t;
}

const LOOKUP_KEYS: Record<string, (e: Event) => string[]> = {
  EventId: (e) => [e.EventId ?? ''],
  EventName: (e) => [e.EventName ?? ''],
  ReadOnly: (e) => [e.ReadOnly ?? ''],
  Username: (e) => [e.Username ?? ''],
  ResourceType: (e) => (e.Resources ?? []).map((r) => r.ResourceType ?? ''),
  ResourceName: (e) => (e.Resources ?? []).map((r) => r.ResourceName ?? ''),
  EventSource: (e) => [e.EventSource ?? ''],
  AccessKeyId: (e) => [e.AccessKeyId ?? ''],
};

function matchesAttributes(e: Event, attrs: LookupAttribute[] | undefined): boolean {
  if (!attrs?.length) return true;
  return attrs.every((a) => LOOKUP_KEYS[a.AttributeKey ?? '']?.(e).includes(a.AttributeValue ?? '') ?? false);
}

export const cloudtrail: SimService = {
  name: 'cloudtrail',
  signingName: 'cloudtrail',
  protocol: awsJson1_1,
  operations: [
    operation(DescribeTrailsCommand, (input, ctx) => {
      const trails = cloudTrailTrails(ctx.account).trails;
      const includeShadow = input.includeShadowTrails ?? true;
      const visible = trails.filter((t) => t.trail.HomeRegion === ctx.region || (includeShadow && t.trail.IsMultiRegionTrail));
      const names = input.trailNameList;
      const selected = names?.length
        ? visible.filter((t) => names.some((n) => (n.startsWith('arn:') ? t.trail.TrailARN === n : t.trail.Name === n && t.trail.HomeRegion === ctx.region)))
        : visible;
      return { trailList: selected.map((t) => t.trail) };
    }),

    operation(ListPublicKeysCommand, (input, ctx) => {
      if (input.NextToken) throw new SimError('InvalidTokenException', 'Reserved for future use.');
      const end = input.EndTime ? new Date(input.EndTime) : ctx.now;
      const start = input.StartTime ? new Date(input.StartTime) : new Date(end.getTime() - 86_400_000);
      if (start.getTime() > end.getTime()) throw new SimError('InvalidTimeRangeException', 'Occurs if the timestamp values are not valid. Either the start time occurs after the end time, or the time range is outside the range of possible values.');
      const keys = (cloudTrailEvents(ctx.account, ctx.region).digestKeys ?? []).filter((k) => k.validityStart.getTime() <= end.getTime() && k.validityEnd.getTime() >= start.getTime());
      return { PublicKeyList: keys.map((k) => ({ Value: new Uint8Array(k.publicDer), ValidityStartTime: k.validityStart, ValidityEndTime: k.validityEnd, Fingerprint: k.fingerprint })) };
    }),

    operation(ListTrailsCommand, (input, ctx) => {
      const trails = cloudTrailTrails(ctx.account).trails.map((t) => ({ TrailARN: t.trail.TrailARN, Name: t.trail.Name, HomeRegion: t.trail.HomeRegion }));
      const { page, nextToken } = paginate(trails, {
        token: input.NextToken,
        defaultLimit: 50,
        maxLimit: 50,
        scope: 'ListTrails',
        invalidToken: () => new SimError('InvalidNextTokenException', 'The NextToken is not valid.'),
        invalidLimit: (l) => new SimError('InvalidParameterException', `Invalid page size ${l}.`),
      });
      return { Trails: page, NextToken: nextToken };
    }),

    operation(GetTrailStatusCommand, (input, ctx) => findTrail(ctx, input.Name ?? '').status),

    operation(GetEventSelectorsCommand, (input, ctx) => {
      const t = findTrail(ctx, input.TrailName ?? '');
      const defaultSelectors: EventSelector[] = [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }];
      return {
        TrailARN: t.trail.TrailARN,
        ...(t.advancedEventSelectors ? { AdvancedEventSelectors: t.advancedEventSelectors } : { EventSelectors: t.eventSelectors ?? defaultSelectors }),
      };
    }),

    operation(LookupEventsCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 50)) {
        throw new SimError('InvalidMaxResultsException', `Value ${input.MaxResults} for MaxResults is invalid: it must be between 1 and 50.`);
      }
      if ((input.LookupAttributes?.length ?? 0) > 1) {
        throw new SimError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
      }
      for (const a of input.LookupAttributes ?? []) {
        if (!LOOKUP_KEYS[a.AttributeKey ?? '']) throw new SimError('InvalidLookupAttributesException', `${a.AttributeKey} is not a valid lookup attribute key.`);
      }
      // The simulated trails record management events only; CloudTrail Insights events are never present.
      if (input.EventCategory === 'insight') return { Events: [] };
      const end = input.EndTime ?? ctx.now;
      const start = input.StartTime ?? new Date(ctx.now.getTime() - 90 * 86_400_000);
      if (start > end) throw new SimError('InvalidTimeRangeException', 'Start time must be earlier than end time.');
      const events = cloudTrailEvents(ctx.account, ctx.region)
        .events.filter((e) => {
          const t = e.EventTime?.getTime() ?? 0;
          return t >= start.getTime() && t <= end.getTime() && matchesAttributes(e, input.LookupAttributes);
        })
        .sort((a, b) => (b.EventTime?.getTime() ?? 0) - (a.EventTime?.getTime() ?? 0));
      const scope = `LookupEvents/${JSON.stringify(input.LookupAttributes ?? [])}/${input.StartTime?.getTime() ?? ''}/${input.EndTime?.getTime() ?? ''}`;
      const { page, nextToken } = paginate(events, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope,
        invalidToken: () => new SimError('InvalidNextTokenException', 'A token that is not valid, or a token that was previously used in a request with different parameters.'),
        invalidLimit: (l) => new SimError('InvalidMaxResultsException', `Value ${l} for MaxResults is invalid.`),
      });
      return { Events: page, NextToken: nextToken };
    }),

    ...lakeOperations(),
  ],
};
