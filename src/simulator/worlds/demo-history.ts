/**
 * A history for the demo account: one world per day of a period, each built at that day's time, with the changes a
 * real account goes through (a trail stopped and restarted, a bucket opened to the public and closed again, a threat
 * finding raised and archived, key rotation turned on) and one day on which no collection ran. `demo --days N`
 * collects each day from its own world, so a package over the period shows daily status, changes and a missed day.
 */
import { DEMO_ACCOUNT_ID, demoWorld } from './demo.js';
import { addEvent, guardDutyFinding } from './builders.js';
import { cloudTrailTrails } from '../services/cloudtrail.js';
import { s3State } from '../services/s3.js';
import { kmsState } from '../services/kms.js';
import type { SimWorld } from '../world.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoDay {
  /** 0 for the first (oldest) day of the period. */
  index: number;
  /** Days before the last day of the period (0 for the last day). */
  daysBefore: number;
  /** When that day's collection runs: the same time of day as `now`, `daysBefore` days earlier. */
  at: Date;
  /** False for the one day on which no collection runs. */
  collected: boolean;
}

/** The days of a period of `days` days ending at `now`; with four days or more, the fourth-last day has no run. */
export function demoSchedule(days: number, now: Date): DemoDay[] {
  const skip = days >= 4 ? 3 : -1;
  return Array.from({ length: days }, (_, index) => {
    const daysBefore = days - 1 - index;
    return { index, daysBefore, at: new Date(now.getTime() - daysBefore * DAY), collected: daysBefore !== skip };
  });
}

/**
 * When the trail was stopped, given the collection time of the sixth day before the end: three hours before that
 * collection, but never before that day's UTC midnight, so the StopLogging event falls on that day whatever the time
 * of day the demo (or a test) runs at.
 */
function trailStoppedAt(sixthDayAt: Date): Date {
  const midnight = Math.floor(sixthDayAt.getTime() / DAY) * DAY;
  return new Date(Math.min(sixthDayAt.getTime(), Math.max(midnight + 60_000, sixthDayAt.getTime() - 3 * HOUR)));
}

/** The demo world as it stood on one day, and a line per change in effect that day (empty when nothing differs). */
export function demoWorldOn(day: DemoDay): { world: SimWorld; changes: string[] } {
  const now = day.at;
  const world = demoWorld({ now });
  // The simulated account answers as of that day, its clock running from there (rate limits refill with it).
  const builtAt = Date.now();
  world.now = () => new Date(now.getTime() + (Date.now() - builtAt));
  const acct = world.accounts.get(DEMO_ACCOUNT_ID)!;
  const k = day.daysBefore;
  const changes: string[] = [];

  // Five and six days before the end: the organisation trail was stopped (and restarted afterwards).
  if (k === 5 || k === 6) {
    const trail = cloudTrailTrails(acct).trails.find((t) => t.trail.Name === 'management-events')!;
    const stoppedAt = trailStoppedAt(k === 6 ? now : new Date(now.getTime() - DAY));
    trail.status = { ...trail.status, IsLogging: false, StopLoggingTime: stoppedAt, LatestDeliveryTime: stoppedAt };
    addEvent(acct, 'us-east-1', { name: 'StopLogging', source: 'cloudtrail.amazonaws.com', time: stoppedAt, userName: 'mallory.contractor', readOnly: false, sourceIp: '203.0.113.45' });
    changes.push('trail management-events stopped');
  }
  // Nine days before the end: the access-log bucket lost its public access block and gained a public-read policy.
  if (k === 9) {
    const b = s3State(acct).buckets.find((x) => x.name === 'demo-production-access-logs')!;
    b.publicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
    b.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'TemporaryPublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b.name}/*` }] });
    changes.push('bucket demo-production-access-logs made public');
  }
  // Twelve to ten days before the end: an SSH brute-force finding was open; it was archived after investigation.
  if (k >= 10 && k <= 12) {
    const d = acct.regions.get('us-east-1')!.guardduty!.detectors[0];
    const f = guardDutyFinding(acct, 'us-east-1', d.id, { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, title: 'i-0a1b2c3d4e5f60718 is performing SSH brute force attacks against 198.51.100.200.', description: 'EC2 instance has been involved in SSH brute force attacks.', ageHours: (12 - k) * 24 + 6, resourceType: 'Instance', resourceName: 'i-0a1b2c3d4e5f60718' }, now);
    d.findings.push(k === 10 ? { ...f, Service: { ...f.Service, Archived: true } } : f);
    changes.push(k === 10 ? 'GuardDuty finding SSHBruteForce archived' : 'GuardDuty finding SSHBruteForce open');
  }
  // Until fifteen days before the end, the cardholder-data key had no automatic rotation; it was turned on that day.
  if (k > 15) {
    for (const region of acct.regions.keys()) {
      const key = kmsState(acct, region).keys.find((x) => x.metadata.Description === 'Cardholder data environment');
      if (key) key.rotation = { enabled: false, periodDays: 365 };
    }
    changes.push('cardholder-data key rotation off');
  }
  return { world, changes };
}
