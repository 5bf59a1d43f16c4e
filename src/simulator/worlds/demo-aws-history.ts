/**
 * What AWS itself keeps of the demo account's past: AWS Config configuration history, CloudTrail management events
 * and GuardDuty findings, derived day by day from the same drift `demo --days N` collects (demo-history.ts), so what
 * `backfill` rebuilds for a day and what the demo collected on that day agree.
 */
import { DEMO_ACCOUNT_ID, DEMO_REGIONS, demoWorld } from './demo.js';
import { demoSchedule, demoWorldOn, type DemoDay } from './demo-history.js';
import { addEvent, guardDutyFinding } from './builders.js';
import { recordConfiguration } from '../services/config-history.js';
import { cloudTrailTrails } from '../services/cloudtrail.js';
import { s3State } from '../services/s3.js';
import { kmsState } from '../services/kms.js';
import type { SimAccount, SimWorld } from '../world.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** When a change of day `day` was recorded: two hours before that day's collection, never before its UTC midnight. */
function changedAt(day: DemoDay): Date {
  const midnight = Math.floor(day.at.getTime() / DAY) * DAY;
  return new Date(Math.max(midnight + 60_000, day.at.getTime() - 2 * HOUR));
}

/** Management events a change between two days' accounts leaves in CloudTrail. */
function driftEvents(prev: SimAccount, next: SimAccount, at: Date, target: SimAccount): void {
  const home = DEMO_REGIONS[0];
  const before = new Map(cloudTrailTrails(prev).trails.map((t) => [t.trail.TrailARN, t]));
  for (const t of cloudTrailTrails(next).trails) {
    const p = before.get(t.trail.TrailARN);
    if (!p || p.status.IsLogging === t.status.IsLogging) continue;
    const resources = [{ type: 'AWS::CloudTrail::Trail', name: t.trail.TrailARN ?? '' }];
    if (t.status.IsLogging) {
      addEvent(target, t.trail.HomeRegion ?? home, { name: 'StartLogging', source: 'cloudtrail.amazonaws.com', time: at, userName: 'alice.admin', readOnly: false, resources, requestParameters: { name: t.trail.TrailARN } });
    } else {
      // The same event (name, time, user, address) demo-history puts in that day's account, so both tell one story.
      const time = t.status.StopLoggingTime ? new Date(t.status.StopLoggingTime) : at;
      addEvent(target, home, { name: 'StopLogging', source: 'cloudtrail.amazonaws.com', time, userName: 'mallory.contractor', readOnly: false, sourceIp: '203.0.113.45', resources, requestParameters: { name: t.trail.TrailARN } });
    }
  }
  const buckets = new Map(s3State(prev).buckets.map((b) => [b.name, b]));
  for (const b of s3State(next).buckets) {
    const p = buckets.get(b.name);
    if (!p) continue;
    const resources = [{ type: 'AWS::S3::Bucket', name: b.name }];
    if (JSON.stringify(p.publicAccessBlock ?? null) !== JSON.stringify(b.publicAccessBlock ?? null)) {
      addEvent(target, b.region, { name: 'PutBucketPublicAccessBlock', source: 's3.amazonaws.com', time: at, userName: 'mallory.contractor', readOnly: false, resources, requestParameters: { bucketName: b.name, PublicAccessBlockConfiguration: b.publicAccessBlock ?? null } });
    }
    if ((p.policy ?? '') !== (b.policy ?? '')) {
      addEvent(target, b.region, { name: b.policy ? 'PutBucketPolicy' : 'DeleteBucketPolicy', source: 's3.amazonaws.com', time: new Date(at.getTime() + 60_000), userName: b.policy ? 'mallory.contractor' : 'alice.admin', readOnly: false, resources, requestParameters: { bucketName: b.name } });
    }
  }
  for (const region of DEMO_REGIONS) {
    const keys = new Map(kmsState(prev, region).keys.map((k) => [k.metadata.KeyId, k]));
    for (const k of kmsState(next, region).keys) {
      const p = keys.get(k.metadata.KeyId);
      if (!p || (p.rotation?.enabled ?? false) === (k.rotation?.enabled ?? false)) continue;
      addEvent(target, region, { name: k.rotation?.enabled ? 'EnableKeyRotation' : 'DisableKeyRotation', source: 'kms.amazonaws.com', time: at, userName: 'alice.admin', readOnly: false, resources: [{ type: 'AWS::KMS::Key', name: k.metadata.Arn ?? '' }], requestParameters: { keyId: k.metadata.KeyId } });
    }
  }
}

/**
 * The demo account as it stands at `now`, holding `days` days of AWS-side history: configuration items for every
 * change, the management events of each change (StopLogging/StartLogging, PutBucketPolicy, EnableKeyRotation) and the
 * GuardDuty finding raised and archived in the period.
 */
export function demoWorldWithHistory(days: number, now: Date): SimWorld {
  const world = demoWorld({ now });
  const acct = world.accounts.get(DEMO_ACCOUNT_ID)!;
  const schedule = demoSchedule(days, now);
  const firstDay = new Date(Math.floor(schedule[0].at.getTime() / DAY) * DAY);
  let prev: SimAccount | undefined;
  for (const day of schedule) {
    const { world: then } = demoWorldOn(day);
    const thenAcct = then.accounts.get(DEMO_ACCOUNT_ID)!;
    const at = changedAt(day);
    // Resources older than the period were recorded when they were created (or when recording began, a year before).
    const firstSeen = (r: { createdAt?: Date }) => (r.createdAt && r.createdAt < firstDay ? new Date(Math.max(r.createdAt.getTime(), firstDay.getTime() - 365 * DAY)) : at);
    for (const region of DEMO_REGIONS) {
      recordConfiguration(acct, thenAcct, region, at, prev ? undefined : firstSeen);
    }
    if (prev) driftEvents(prev, thenAcct, at, acct);
    prev = thenAcct;
  }
  // The SSH brute-force finding of the period: raised twelve days before the end, archived two days later.
  if (days > 12) {
    const raised = schedule[schedule.length - 13];
    const archived = changedAt(schedule[schedule.length - 11]);
    const d = acct.regions.get(DEMO_REGIONS[0])!.guardduty!.detectors[0];
    const f = guardDutyFinding(acct, DEMO_REGIONS[0], d.id, { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, title: 'i-0a1b2c3d4e5f60718 is performing SSH brute force attacks against 198.51.100.200.', description: 'EC2 instance has been involved in SSH brute force attacks.', ageHours: 6, resourceType: 'Instance', resourceName: 'i-0a1b2c3d4e5f60718' }, raised.at);
    if (!d.findings.some((x) => x.Id === f.Id)) d.findings.push({ ...f, UpdatedAt: archived.toISOString(), Service: { ...f.Service, Archived: true } });
  }
  return world;
}
