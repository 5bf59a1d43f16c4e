import type { DescribeTrailsCommandOutput, GetEventSelectorsCommandOutput, GetTrailStatusCommandOutput, Trail } from '@aws-sdk/client-cloudtrail';
import { loadCloudTrailSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { isCapturedError, stripMetadata, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';

export type DescribeTrailsEvidence = Omit<DescribeTrailsCommandOutput, '$metadata'>;
export type TrailStatus = Omit<GetTrailStatusCommandOutput, '$metadata'>;

/**
 * GetTrailStatus for one trail, keyed by the trail ARN it was asked about: its answer, or the failure AWS answered
 * with (access denied, the trail deleted since DescribeTrails, throttled past retries), kept so that one trail's
 * failed call leaves the other trails' evidence standing and only this trail unjudged.
 */
export interface TrailStatusEvidence {
  trailARN: string;
  status?: TrailStatus;
  error?: CapturedError['error'];
}

/** Why a per-trail answer is not in the evidence: the call's failure as AWS answered it, or no answer recorded. */
export function notReadReason(api: string, item: { error?: CapturedError['error'] } | undefined): string {
  return item?.error ? `${api} failed with ${item.error.code}: ${item.error.message}` : `no ${api} response in the evidence`;
}

/** Calls `call` once per trail by ARN, keeping each answer or failure under the trail's ARN. */
async function perTrail<T>(
  ctx: QueryContext,
  trails: readonly Trail[],
  call: (arn: string) => Promise<T>,
): Promise<{ trailARN: string; answer?: T; error?: CapturedError['error'] }[]> {
  const out: { trailARN: string; answer?: T; error?: CapturedError['error'] }[] = [];
  for (const t of trails) {
    const trailARN = t.TrailARN ?? t.Name ?? '';
    const r = await captureFailure(() => call(trailARN), ctx.signal);
    out.push(isCapturedError(r) ? { trailARN, error: r.error } : { trailARN, answer: r as T });
  }
  return out;
}

/**
 * Every trail that logs this region: trails created here plus multi-region and organization trails created
 * elsewhere ("shadow trails"), which DescribeTrails returns when includeShadowTrails is true. Not paginated.
 */
export async function describeTrails(ctx: QueryContext): Promise<DescribeTrailsEvidence> {
  const { CloudTrailClient, DescribeTrailsCommand } = await loadCloudTrailSdk();
  return stripMetadata(await ctx.clients.get(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
}

/** GetTrailStatus for each trail, addressed by ARN (required for trails whose home region is elsewhere). */
export async function trailStatuses(ctx: QueryContext, trails: readonly Trail[]): Promise<TrailStatusEvidence[]> {
  const { CloudTrailClient, GetTrailStatusCommand } = await loadCloudTrailSdk();
  const ct = ctx.clients.get(CloudTrailClient);
  const read = await perTrail(ctx, trails, (arn) => ct.send(new GetTrailStatusCommand({ Name: arn })));
  return read.map(({ trailARN, answer, error }) => (error ? { trailARN, error } : { trailARN, status: answer as TrailStatus }));
}

/** Why a trail's status keeps it from recording: not logging, or its latest delivery to S3 failed; empty when healthy. */
export function trailStatusProblems(t: Trail, s: TrailStatusEvidence | undefined): string[] {
  if (!s?.status) return [notReadReason('GetTrailStatus', s)];
  const p: string[] = [];
  if (s.status.IsLogging !== true) {
    const stopped = toDate(s.status.StopLoggingTime);
    p.push(`logging is stopped${stopped ? ` since ${stopped.toISOString()}` : ''}`);
  }
  if (s.status.LatestDeliveryError) p.push(`the latest delivery to s3://${t.S3BucketName ?? '?'} failed with ${s.status.LatestDeliveryError}`);
  return p;
}

export function homeTrails(trails: readonly Trail[] | undefined, region: string): Trail[] {
  return (trails ?? []).filter((t) => t.HomeRegion === region);
}

export function trailLabel(t: Trail): string {
  return `trail ${t.Name ?? t.TrailARN ?? '(unnamed)'}`;
}

/**
 * Judges each trail created in this region (a trail is evaluated once, in its home region). A region with
 * no trail of its own is either covered by trails from elsewhere (evaluated there) or not logged at all.
 */
export function evaluateHomeTrails(
  trailList: readonly Trail[] | undefined,
  region: string,
  judge: (trail: Trail) => Pick<ResourceResult, 'status' | 'reason'>,
): ResourceResult[] {
  if (!trailList) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
  }
  const own = homeTrails(trailList, region);
  if (own.length > 0) {
    return own.map((t) => ({ resource: t.TrailARN ?? t.Name ?? '', resourceType: 'AWS::CloudTrail::Trail', ...judge(t) }));
  }
  if (trailList.length > 0) {
    const elsewhere = trailList.map((t) => `${t.Name ?? t.TrailARN} (home region ${t.HomeRegion ?? 'unknown'})`).join(', ');
    return [
      {
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'not-applicable',
        reason: `no trail was created in ${region}; the trails logging it are evaluated in their home regions: ${elsewhere}`,
      },
    ];
  }
  return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no CloudTrail trail logs region ${region}` }];
}

export type EventSelectorsResponse = Omit<GetEventSelectorsCommandOutput, '$metadata'>;

/** GetEventSelectors for one trail, keyed by the trail ARN it was asked about: its answer, or the failure AWS answered with. */
export interface TrailSelectorsEvidence {
  trailARN: string;
  response?: EventSelectorsResponse;
  error?: CapturedError['error'];
}

/** GetEventSelectors for each trail, addressed by ARN. */
export async function trailSelectors(ctx: QueryContext, trails: readonly Trail[]): Promise<TrailSelectorsEvidence[]> {
  const { CloudTrailClient, GetEventSelectorsCommand } = await loadCloudTrailSdk();
  const ct = ctx.clients.get(CloudTrailClient);
  const read = await perTrail(ctx, trails, (arn) => ct.send(new GetEventSelectorsCommand({ TrailName: arn })));
  return read.map(({ trailARN, answer, error }) => (error ? { trailARN, error } : { trailARN, response: answer as EventSelectorsResponse }));
}

/** Which management events a trail's selectors record. */
export interface ManagementEventCoverage {
  reads: boolean;
  writes: boolean;
  /** Event sources left out (ExcludeManagementEventSources, or eventSource NotEquals/NotStartsWith). */
  excludedSources: string[];
  /** Advanced selectors that keep only some sources (eventSource Equals/StartsWith). */
  onlySources: string[];
}

/** Management events recorded by basic or advanced selectors; `undefined` when the trail records none. */
export function managementEventCoverage(response: EventSelectorsResponse): ManagementEventCoverage | undefined {
  let cov: ManagementEventCoverage | undefined;
  const add = (reads: boolean, writes: boolean, excluded: readonly string[], only: readonly string[]) => {
    cov ??= { reads: false, writes: false, excludedSources: [], onlySources: [] };
    cov.reads ||= reads;
    cov.writes ||= writes;
    cov.excludedSources.push(...excluded);
    cov.onlySources.push(...only);
  };
  if (response.AdvancedEventSelectors?.length) {
    for (const s of response.AdvancedEventSelectors) {
      const field = (name: string) => s.FieldSelectors?.find((f) => f.Field === name);
      if (!field('eventCategory')?.Equals?.includes('Management')) continue;
      const readOnly = field('readOnly')?.Equals;
      const source = field('eventSource');
      add(!readOnly || readOnly.includes('true'), !readOnly || readOnly.includes('false'), [...(source?.NotEquals ?? []), ...(source?.NotStartsWith ?? [])], [
        ...(source?.Equals ?? []),
        ...(source?.StartsWith ?? []),
      ]);
    }
    return cov;
  }
  for (const s of response.EventSelectors ?? []) {
    // IncludeManagementEvents defaults to true when a basic selector omits it.
    if (s.IncludeManagementEvents === false) continue;
    const rw = s.ReadWriteType ?? 'All';
    add(rw !== 'WriteOnly', rw !== 'ReadOnly', s.ExcludeManagementEventSources ?? [], []);
  }
  return cov;
}

/** What keeps a trail from recording all management activity; empty when it records all of it. */
export function managementEventGaps(cov: ManagementEventCoverage | undefined): string[] {
  if (!cov) return ['its event selectors record no management events'];
  const gaps: string[] = [];
  if (!cov.reads) gaps.push('it records only write (not read) management events');
  if (!cov.writes) gaps.push('it records only read (not write) management events');
  if (cov.excludedSources.length) gaps.push(`its selectors exclude management events from ${[...new Set(cov.excludedSources)].join(', ')}`);
  if (cov.onlySources.length) gaps.push(`its selectors keep management events only from ${[...new Set(cov.onlySources)].join(', ')}`);
  return gaps;
}
