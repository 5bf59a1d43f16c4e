import { defineQuery, toDate, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  dayParam,
  formatAge,
  isTrue,
  missingReport,
  olderThanDays,
  readCredentialReport,
  reportAge,
  reportDate,
  unreadableResults,
  type CredentialReportRow,
} from './credential-report.js';
import type { CredentialReportEvidence } from './credential-report.js';

/** The latest of the given dates (undefined ones ignored). */
function latest(...dates: Array<Date | undefined>): Date | undefined {
  return dates.filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
}

interface Credential {
  name: string;
  /** When it was last used, or (never used, or use not recorded) when it was issued. */
  since: Date | undefined;
  used: boolean;
  /** The report records no use of this kind of credential (X.509 signing certificates): never used cannot be told from used. */
  useUnrecorded?: boolean;
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
  for (const n of [1, 2]) {
    if (!isTrue(row[`cert_${n}_active`])) continue;
    out.push({ name: `signing certificate ${n}`, since: latest(created, reportDate(row[`cert_${n}_last_rotated`])), used: false, useUnrecorded: true });
  }
  return out;
}

export const unusedCredentials = defineQuery<CredentialReportEvidence>({
  id: 'iam.unused-credentials',
  service: 'iam',
  title: 'Inactive IAM user credentials are removed or disabled',
  description:
    'From the IAM credential report: for each IAM user, every active console password and access key with when it was last used (or issued, when never used), against the inactivity limit, and every active X.509 signing certificate with when it was issued (the report records no use of certificates, so one older than the limit needs review). Service-specific credentials (CodeCommit, Amazon Keyspaces, Bedrock API keys) and SSH public keys are not in the report and are not judged.',
  remediation:
    'Disable or delete the listed passwords, access keys and signing certificates (`aws iam delete-login-profile`, `aws iam update-access-key --status Inactive`, `aws iam update-signing-certificate --status Inactive`), and remove users who no longer need access.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS],
  parameters: {
    maxUnusedDays: { description: 'Days without use after which an active credential counts as inactive (PCI DSS 8.2.6: 90).', default: 90, looser: 'higher' },
  },
  collect: (ctx) => collectCredentialReport(ctx),
  evaluate(data, params, ctx) {
    const table = readCredentialReport(data);
    if (!table) return missingReport();
    const maxDays = dayParam(params.maxUnusedDays, 90);
    const now = toDate(ctx.collectedAt) ?? new Date(0);
    const notCovered = 'service-specific credentials and SSH public keys are not in the credential report and were not judged';
    const results: ResourceResult[] = [];
    for (const row of table.rows) {
      if (row.user === ROOT_USER) continue;
      const base = { resource: row.arn, resourceType: 'AWS::IAM::User' };
      const creds = activeCredentials(row);
      if (creds.length === 0) {
        results.push({ ...base, status: 'pass', reason: `IAM user ${row.user} has no active password, access key or signing certificate (${notCovered})` });
        continue;
      }
      // Compared to the millisecond: 90 days and 23 hours unused is beyond a 90-day limit.
      const idle = (c: Credential) => !c.since || olderThanDays(c.since, now, maxDays);
      const stale = creds.filter((c) => !c.useUnrecorded && idle(c));
      const unknown = creds.filter((c) => c.useUnrecorded && idle(c));
      const describe = (c: Credential) =>
        !c.since
          ? `${c.name} with no ${c.useUnrecorded ? 'issue' : 'usage or issue'} date`
          : c.useUnrecorded
            ? `${c.name} issued ${formatAge(now.getTime() - c.since.getTime())} ago, its use not recorded in the report`
            : `${c.name} ${c.used ? 'last used' : 'never used, issued'} ${formatAge(now.getTime() - c.since.getTime())} ago`;
      const review = unknown.length ? `; not judged, since the credential report records no use of signing certificates: ${unknown.map(describe).join('; ')}` : '';
      results.push(
        stale.length
          ? { ...base, status: 'fail', reason: `IAM user ${row.user} has credentials unused for more than ${maxDays} days: ${stale.map(describe).join('; ')}${review}` }
          : unknown.length
            ? { ...base, status: 'needs-review', reason: `IAM user ${row.user} has an active signing certificate not shown to be used within ${maxDays} days, since the credential report records no use of signing certificates: ${unknown.map(describe).join('; ')}${creds.length > unknown.length ? `; its other credentials were used or issued within ${maxDays} days (${creds.filter((c) => !unknown.includes(c)).map(describe).join('; ')})` : ''}` }
            : { ...base, status: 'pass', reason: `IAM user ${row.user}: every active credential was used or issued within ${maxDays} days (${creds.map(describe).join('; ')}); ${notCovered}` },
      );
    }
    results.push(...unreadableResults(table));
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no IAM users (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
