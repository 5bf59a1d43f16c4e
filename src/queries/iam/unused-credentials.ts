import { defineQuery, toDate, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  credentialReportRows,
  dayParam,
  daysBetween,
  isTrue,
  missingReport,
  reportAge,
  reportDate,
  type CredentialReportRow,
} from './credential-report.js';
import type { CredentialReportEvidence } from './credential-report.js';

/** The latest of the given dates (undefined ones ignored). */
function latest(...dates: Array<Date | undefined>): Date | undefined {
  return dates.filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
}

interface Credential {
  name: string;
  /** When it was last used, or (never used) when it was issued. */
  since: Date | undefined;
  used: boolean;
}

function activeCredentials(row: CredentialReportRow): Credential[] {
  const created = reportDate(row.user_creation_time);
  const out: Credential[] = [];
  if (isTrue(row.password_enabled)) {
    const used = reportDate(row.password_last_used);
    out.push({ name: 'console password', since: used ?? latest(created, reportDate(row.password_last_changed)), used: used !== undefined });
  }
  for (const n of [1, 2]) {
    if (!isTrue(row[`access_key_${n}_active`])) continue;
    const used = reportDate(row[`access_key_${n}_last_used_date`]);
    out.push({ name: `access key ${n}`, since: used ?? latest(created, reportDate(row[`access_key_${n}_last_rotated`])), used: used !== undefined });
  }
  return out;
}

export const unusedCredentials = defineQuery<CredentialReportEvidence>({
  id: 'iam.unused-credentials',
  service: 'iam',
  title: 'Inactive IAM user credentials are removed or disabled',
  description:
    'From the IAM credential report: for each IAM user, every active console password and access key with when it was last used (or issued, when never used), against the inactivity limit.',
  remediation:
    'Disable or delete the listed passwords and access keys (`aws iam delete-login-profile`, `aws iam update-access-key --status Inactive`), and remove users who no longer need access.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS],
  parameters: {
    maxUnusedDays: { description: 'Days without use after which an active credential counts as inactive (PCI DSS 8.2.6: 90).', default: 90 },
  },
  collect: (ctx) => collectCredentialReport(ctx),
  evaluate(data, params, ctx) {
    const rows = credentialReportRows(data);
    if (!rows) return missingReport();
    const maxDays = dayParam(params.maxUnusedDays, 90);
    const now = toDate(ctx.collectedAt) ?? new Date(0);
    const results: ResourceResult[] = [];
    for (const row of rows) {
      if (row.user === ROOT_USER) continue;
      const base = { resource: row.arn, resourceType: 'AWS::IAM::User' };
      const creds = activeCredentials(row);
      if (creds.length === 0) {
        results.push({ ...base, status: 'pass', reason: `IAM user ${row.user} has no active password or access key` });
        continue;
      }
      const stale = creds.filter((c) => !c.since || daysBetween(c.since, now) > maxDays);
      const describe = (c: Credential) =>
        c.since ? `${c.name} ${c.used ? 'last used' : 'never used, issued'} ${daysBetween(c.since, now)} days ago` : `${c.name} with no usage or issue date`;
      results.push(
        stale.length
          ? { ...base, status: 'fail', reason: `IAM user ${row.user} has credentials unused for more than ${maxDays} days: ${stale.map(describe).join('; ')}` }
          : { ...base, status: 'pass', reason: `IAM user ${row.user}: every active credential was used within ${maxDays} days (${creds.map(describe).join('; ')})` },
      );
    }
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no IAM users (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
