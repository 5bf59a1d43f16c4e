import type { AdvancedEventSelector, EventSelector, Trail } from '@aws-sdk/client-cloudtrail';
import { defineQuery } from '../types.js';
import {
  describeTrails,
  notReadReason,
  trailLabel,
  trailSelectors,
  trailStatuses,
  trailStatusProblems,
  type DescribeTrailsEvidence,
  type EventSelectorsResponse,
  type TrailSelectorsEvidence,
  type TrailStatusEvidence,
} from './trails.js';

export interface S3DataEventsEvidence {
  describeTrails: DescribeTrailsEvidence;
  /** GetEventSelectors per trail, or the failure AWS answered with for that trail. */
  selectors: TrailSelectorsEvidence[];
  /** GetTrailStatus per trail: selectors record nothing while the trail is not logging. */
  statuses?: TrailStatusEvidence[];
}

/** How much of S3 object activity a trail's selectors record. */
export interface S3DataEventCoverage {
  allBuckets: boolean;
  /** Specific buckets or prefixes, when not all buckets. */
  scopes: string[];
  reads: boolean;
  writes: boolean;
  /** Further filters (event names, excluded buckets) that narrow what is recorded. */
  narrowed: boolean;
}

const S3_OBJECT = 'AWS::S3::Object';

function fromBasic(selectors: readonly EventSelector[]): S3DataEventCoverage | undefined {
  let cov: S3DataEventCoverage | undefined;
  for (const s of selectors) {
    for (const r of s.DataResources ?? []) {
      if (r.Type !== S3_OBJECT) continue;
      const values = r.Values ?? [];
      if (values.length === 0) continue;
      cov ??= { allBuckets: false, scopes: [], reads: false, writes: false, narrowed: false };
      // `arn:aws:s3` (or `arn:aws:s3:::`) selects every current and future bucket.
      if (values.some((v) => /^arn:[^:]+:s3(:::)?$/.test(v))) cov.allBuckets = true;
      else cov.scopes.push(...values);
      const rw = s.ReadWriteType ?? 'All';
      if (rw === 'All' || rw === 'ReadOnly') cov.reads = true;
      if (rw === 'All' || rw === 'WriteOnly') cov.writes = true;
    }
  }
  return cov;
}

function fromAdvanced(selectors: readonly AdvancedEventSelector[]): S3DataEventCoverage | undefined {
  let cov: S3DataEventCoverage | undefined;
  for (const s of selectors) {
    const fields = s.FieldSelectors ?? [];
    const field = (name: string) => fields.find((f) => f.Field === name);
    if (!field('eventCategory')?.Equals?.includes('Data') || !field('resources.type')?.Equals?.includes(S3_OBJECT)) continue;
    cov ??= { allBuckets: false, scopes: [], reads: false, writes: false, narrowed: false };
    const arn = field('resources.ARN');
    const positive = [...(arn?.Equals ?? []), ...(arn?.StartsWith ?? [])];
    if (positive.length) cov.scopes.push(...positive);
    else cov.allBuckets = true;
    if (arn && (arn.NotEquals?.length || arn.NotStartsWith?.length || arn.EndsWith?.length || arn.NotEndsWith?.length)) cov.narrowed = true;
    const readOnly = field('readOnly')?.Equals;
    if (!readOnly || readOnly.includes('true')) cov.reads = true;
    if (!readOnly || readOnly.includes('false')) cov.writes = true;
    if (fields.some((f) => !['eventCategory', 'resources.type', 'resources.ARN', 'readOnly'].includes(f.Field ?? ''))) cov.narrowed = true;
  }
  return cov;
}

export function s3DataEventCoverage(response: EventSelectorsResponse): S3DataEventCoverage | undefined {
  return response.AdvancedEventSelectors?.length ? fromAdvanced(response.AdvancedEventSelectors) : fromBasic(response.EventSelectors ?? []);
}

function describe(t: Trail, c: S3DataEventCoverage): string {
  const what = c.reads && c.writes ? 'reads and writes' : c.reads ? 'reads only' : 'writes only';
  const where = c.allBuckets ? 'all buckets' : c.scopes.join(', ');
  return `${trailLabel(t)} records S3 object ${what} for ${where}${c.narrowed ? ' (further filtered)' : ''}`;
}

export const s3DataEvents = defineQuery<S3DataEventsEvidence>({
  id: 'cloudtrail.s3-data-events',
  service: 'cloudtrail',
  title: 'CloudTrail records S3 object-level (data) events',
  description:
    'The event selectors (basic or advanced) and logging status of every trail that logs this region, and whether the trails that are logging and delivering without error together record reads and writes of objects in all S3 buckets.',
  remediation:
    'Add a data event selector for AWS::S3::Object to a multi-region trail (`aws cloudtrail put-event-selectors` with advanced selectors eventCategory=Data, resources.type=AWS::S3::Object), covering at least the buckets that hold regulated data.',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus'],
  async collect(ctx) {
    const trails = await describeTrails(ctx);
    const list = trails.trailList ?? [];
    return { describeTrails: trails, selectors: await trailSelectors(ctx, list), statuses: await trailStatuses(ctx, list) };
  },
  evaluate(data, _params, ctx) {
    const trails = data?.describeTrails?.trailList;
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!trails) return [{ ...account, status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
    if (trails.length === 0) return [{ ...account, status: 'fail', reason: `no CloudTrail trail logs region ${ctx.region}, so no S3 data events are recorded` }];
    const covered: { trail: Trail; cov: S3DataEventCoverage }[] = [];
    const stopped: { trail: Trail; problems: string[]; unknown: boolean }[] = [];
    // Trails whose selectors are not in the evidence: any of them may record S3 data events, so none is judged absent.
    const unread: string[] = [];
    for (const t of trails) {
      const sel = data.selectors?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
      if (!sel?.response) {
        unread.push(`${trailLabel(t)}: ${sel?.error ? notReadReason('GetEventSelectors', sel) : 'the evidence holds no GetEventSelectors response'}`);
        continue;
      }
      const cov = s3DataEventCoverage(sel.response);
      if (!cov) continue;
      // Selectors record nothing while the trail is not logging or cannot deliver: only a healthy trail is credited.
      const status = data.statuses?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
      const problems = trailStatusProblems(t, status);
      if (problems.length) stopped.push({ trail: t, problems, unknown: !status?.status });
      else covered.push({ trail: t, cov });
    }
    const complete = covered.find(({ cov }) => cov.allBuckets && cov.reads && cov.writes && !cov.narrowed);
    if (complete) return [{ ...account, status: 'pass', reason: `${describe(complete.trail, complete.cov)}, and is logging and delivering without error` }];
    const notCredited = stopped.map(({ trail, problems }) => `${trailLabel(trail)} selects S3 data events but ${problems.join(' and ')}`).join('; ');
    if (unread.length) {
      const seen = covered.length ? `; recorded in part: ${covered.map(({ trail, cov }) => describe(trail, cov)).join('; ')}` : '';
      return [{ ...account, status: 'error', reason: `which S3 data events the trails logging ${ctx.region} record is not in the evidence: ${unread.join('; ')}${seen}${notCredited ? `; not credited: ${notCredited}` : ''}` }];
    }
    if (covered.length === 0 && stopped.length > 0) {
      return [
        stopped.some((s) => s.unknown)
          ? { ...account, status: 'error', reason: `whether the trails selecting S3 data events in ${ctx.region} are logging is not in the evidence (GetTrailStatus failed, or evidence collected before this query read trail status has none): ${notCredited}` }
          : { ...account, status: 'fail', reason: `no trail that is logging records S3 data events in ${ctx.region}: ${notCredited}` },
      ];
    }
    if (covered.length === 0) {
      return [{ ...account, status: 'fail', reason: `none of the trails logging ${ctx.region} (${trails.map(trailLabel).join(', ')}) records S3 data events` }];
    }
    return [
      {
        ...account,
        status: 'needs-review',
        reason: `S3 data events are recorded only in part: ${covered.map(({ trail, cov }) => describe(trail, cov)).join('; ')}. Confirm every bucket holding regulated data is covered for reads and writes${notCredited ? ` (not credited: ${notCredited})` : ''}`,
      },
    ];
  },
});
