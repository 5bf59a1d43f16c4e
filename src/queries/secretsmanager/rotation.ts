import type { SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { loadSecretsManagerSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';
import { readSchedule } from '../schedule.js';

/** ListSecrets, all pages: metadata only (rotation settings and dates); secret values are never requested. */
export interface SecretsRotationEvidence {
  secrets: SecretListEntry[];
}

const DAY = 86_400_000;

/**
 * The longest time between rotations, in days: from the `ScheduleExpression` when there is one (`rate(...)`, or a
 * `cron(...)` read for its longest gap between runs), otherwise from `AutomaticallyAfterDays`. The schedule comes
 * first: ListSecrets computes `AutomaticallyAfterDays` from the schedule after each successful rotation, so after the
 * schedule changes it still shows the old one until the next rotation. When the schedule cannot be read: why.
 */
export function rotationInterval(s: SecretListEntry): { days: number } | { unreadable: string } {
  const r = s.RotationRules;
  if (r?.ScheduleExpression) {
    const read = readSchedule(r.ScheduleExpression);
    return 'hours' in read ? { days: read.hours / 24 } : read;
  }
  return r?.AutomaticallyAfterDays ? { days: r.AutomaticallyAfterDays } : { unreadable: 'neither a ScheduleExpression nor AutomaticallyAfterDays is recorded' };
}

const daysText = (d: number) => (d >= 1 ? `${Math.round(d * 10) / 10} days` : `${Math.round(d * 24 * 10) / 10} hours`);

export const rotation = defineQuery<SecretsRotationEvidence>({
  id: 'secretsmanager.rotation',
  service: 'secretsmanager',
  title: 'Secrets Manager secrets rotate automatically and were last rotated within the organisation’s rotation period',
  description:
    'Every secret in the region with its rotation settings (enabled, rotation function, schedule) and the dates Secrets Manager records (last rotated, last changed, next rotation), read with ListSecrets: metadata only, never a secret value. It shows whether each stored credential is changed on schedule; it does not show what the secret is used for, whether the credential it holds is also stored elsewhere, or credentials kept outside Secrets Manager.',
  remediation:
    'Turn on automatic rotation for the secret (a managed rotation for RDS, Redshift and DocumentDB credentials, or a rotation Lambda function) with a schedule within the rotation period, and fix any rotation that stopped (check the rotation function’s logs).',
  scope: 'regional',
  apiCalls: ['secretsmanager:ListSecrets'],
  parameters: {
    rotationPeriodDays: {
      description:
        'Organisation choice from its targeted risk analysis (PCI DSS 8.6.3 leaves the frequency to it): a secret last rotated longer ago than this many days fails; one whose schedule (at its longest gap between rotations) or next scheduled rotation leaves more days than this between rotations, or whose schedule cannot be read for its interval, needs review (default 90).',
      default: 90,
      looser: 'higher',
    },
  },
  async collect(ctx) {
    const { SecretsManagerClient, paginateListSecrets } = await loadSecretsManagerSdk();
    const secrets: SecretListEntry[] = [];
    for await (const page of paginateListSecrets({ client: ctx.clients.get(SecretsManagerClient), pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      secrets.push(...(stripMetadata(page).SecretList ?? []));
    }
    return { secrets };
  },
  evaluate(data, params, ctx) {
    if (!data?.secrets) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListSecrets response' }];
    if (data.secrets.length === 0) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no Secrets Manager secrets in ${ctx.region}` }];
    const period = Number(params.rotationPeriodDays ?? 90);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const days = (d: Date | string | undefined) => {
      const t = toDate(d);
      return t ? Math.floor((now - t.getTime()) / DAY) : undefined;
    };
    const results: ResourceResult[] = [];
    for (const s of data.secrets) {
      const base = { resource: s.ARN ?? s.Name ?? 'unnamed secret', resourceType: 'AWS::SecretsManager::Secret' };
      const label = `secret ${s.Name}${s.OwningService ? ` (managed by ${s.OwningService})` : ''}`;
      const rotated = days(s.LastRotatedDate);
      const changed = days(s.LastChangedDate);
      const reading = rotationInterval(s);
      const interval = 'days' in reading ? reading.days : undefined;
      const expression = s.RotationRules?.ScheduleExpression;
      const schedule = expression
        ? `on schedule ${expression}${interval !== undefined ? ` (up to ${daysText(interval)} between rotations)` : ''}`
        : interval !== undefined
          ? `every ${daysText(interval)}`
          : 'with no schedule recorded';
      // The next rotation Secrets Manager has scheduled, counted from the last one: longer than the period, the secret
      // will be older than the period before it rotates again.
      const last = toDate(s.LastRotatedDate);
      const next = toDate(s.NextRotationDate);
      const gap = last && next ? Math.floor((next.getTime() - last.getTime()) / DAY) : undefined;
      if (s.RotationEnabled !== true) {
        results.push({ ...base, status: 'fail', reason: `${label} has no automatic rotation${rotated !== undefined ? `; last rotated ${rotated} days before collection` : '; never rotated by Secrets Manager'}${changed !== undefined ? `, last changed ${changed} days before collection` : ''}` });
      } else if (rotated === undefined) {
        results.push({ ...base, status: 'fail', reason: `${label} has rotation enabled ${schedule} but Secrets Manager records no completed rotation` });
      } else if (rotated > period) {
        results.push({ ...base, status: 'fail', reason: `${label} rotates ${schedule} but last rotated ${rotated} days before collection, beyond the ${period}-day rotation period: rotation may be failing` });
      } else if (interval !== undefined && interval > period) {
        results.push({ ...base, status: 'needs-review', reason: `${label} last rotated ${rotated} days before collection, but its schedule (${schedule}) is longer than the ${period}-day rotation period` });
      } else if (gap !== undefined && gap > period) {
        results.push({ ...base, status: 'needs-review', reason: `${label} rotates ${schedule}; last rotated ${rotated} days before collection, but its next rotation is scheduled ${next!.toISOString().slice(0, 10)}, ${gap} days after the last, longer than the ${period}-day rotation period` });
      } else if (interval === undefined) {
        // A schedule the reader cannot evaluate (a fixed year, at(...), a form it does not know): one next rotation date
        // does not show the interval between rotations (a yearly schedule also has a next date within the period).
        const upcoming =
          gap !== undefined
            ? `its next rotation is scheduled ${next!.toISOString().slice(0, 10)}, ${gap} days after the last, but one next rotation date does not show the interval between later rotations`
            : 'no next rotation date is recorded';
        const why = 'unreadable' in reading ? reading.unreadable : 'not stated';
        results.push({ ...base, status: 'needs-review', reason: `${label} last rotated ${rotated} days before collection, within ${period} days, but its schedule (${expression ?? 'none recorded'}) could not be read for its interval (${why}) and ${upcoming}, so it is not shown to rotate within the ${period}-day rotation period` });
      } else {
        results.push({ ...base, status: 'pass', reason: `${label} rotates automatically ${schedule}; last rotated ${rotated} days before collection, within ${period} days` });
      }
    }
    return results;
  },
});
