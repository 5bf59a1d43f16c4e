import type { AdvancedEventSelector, EventSelector, GetEventSelectorsCommandOutput, Trail } from '@aws-sdk/client-cloudtrail';
import { loadCloudTrailSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata } from '../types.js';
import { describeTrails, trailLabel, trailStatuses, trailStatusProblems, type DescribeTrailsEvidence, type TrailStatusEvidence } from './trails.js';

export interface S3DataEventsEvidence {
  describeTrails: DescribeTrailsEvidence;
  selectors: { trailARN: string; response: Omit<GetEventSelectorsCommandOutput, '$metadata'> }[];
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

export function s3DataEventCoverage(response: S3DataEventsEvidence['selectors'][number]['response']): S3DataEventCoverage | undefined {
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
    const { CloudTrailClient, GetEventSelectorsCommand } = await loadCloudTrailSdk();
    const ct = ctx.clients.get(CloudTrailClient);
    const selectors: S3DataEventsEvidence['selectors'] = [];
    for (const t of trails.trailList ?? []) {
      const arn = t.TrailARN ?? t.Name ?? '';
      selectors.push({ trailARN: arn, response: stripMetadata(await ct.send(new GetEventSelectorsCommand({ TrailName: arn }))) });
    }
    return { describeTrails: trails, selectors, statuses: await trailStatuses(ctx, trails.trailList ?? []) };
  },
  evaluate(data, _params, ctx) {
    const trails = data?.describeTrails?.trailList;
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!trails) return [{ ...account, status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
    if (trails.length === 0) return [{ ...account, status: 'fail', reason: `no CloudTrail trail logs region ${ctx.region}, so no S3 data events are recorded` }];
    const covered: { trail: Trail; cov: S3DataEventCoverage }[] = [];
    const stopped: { trail: Trail; problems: string[] }[] = [];
    for (const t of trails) {
      const sel = data.selectors?.find((s) => s.trailARN === (t.TrailARN ?? t.Name));
      if (!sel) return [{ ...account, status: 'error', reason: `${trailLabel(t)}: the evidence holds no GetEventSelectors response` }];
      const cov = s3DataEventCoverage(sel.response);
      if (!cov) continue;
      // Selectors record nothing while the trail is not logging or cannot deliver: only a healthy trail is credited.
      const problems = trailStatusProblems(t, data.statuses?.find((s) => s.trailARN === (t.TrailARN ?? t.Name)));
      if (problems.length) stopped.push({ trail: t, problems });
      else covered.push({ trail: t, cov });
    }
    const notCredited = stopped.map(({ trail, problems }) => `${trailLabel(trail)} selects S3 data events but ${problems.join(' and ')}`).join('; ');
    if (covered.length === 0 && stopped.length > 0) {
      const unknown = stopped.some(({ trail }) => !data.statuses?.some((s) => s.trailARN === (trail.TrailARN ?? trail.Name)));
      return [
        unknown
          ? { ...account, status: 'error', reason: `whether the trails selecting S3 data events in ${ctx.region} are logging is not in the evidence (no GetTrailStatus response; evidence collected before this query read trail status has none): ${notCredited}` }
          : { ...account, status: 'fail', reason: `no trail that is logging records S3 data events in ${ctx.region}: ${notCredited}` },
      ];
    }
    if (covered.length === 0) {
      return [{ ...account, status: 'fail', reason: `none of the trails logging ${ctx.region} (${trails.map(trailLabel).join(', ')}) records S3 data events` }];
    }
    const complete = covered.find(({ cov }) => cov.allBuckets && cov.reads && cov.writes && !cov.narrowed);
    if (complete) return [{ ...account, status: 'pass', reason: `${describe(complete.trail, complete.cov)}, and is logging and delivering without error` }];
    return [
      {
        ...account,
        status: 'needs-review',
        reason: `S3 data events are recorded only in part: ${covered.map(({ trail, cov }) => describe(trail, cov)).join('; ')}. Confirm every bucket holding regulated data is covered for reads and writes${notCredited ? ` (not credited: ${notCredited})` : ''}`,
      },
    ];
  },
});
