import { defineQuery, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  isTrue,
  missingReport,
  readCredentialReport,
  reportAge,
  reportDate,
  unreadableResults,
  type CredentialReportEvidence,
  type CredentialReportRow,
} from './credential-report.js';

/**
 * Whether the report shows the root user with no password and no access key. IAM writes password_enabled FALSE for the
 * root user of a member account without root user credentials (created so, or deleted through centralized root access);
 * `not_supported`, the value of ordinary accounts, says nothing about a password.
 */
function rootWithoutCredentials(row: CredentialReportRow): boolean {
  const keys = [1, 2].some((n) => isTrue(row[`access_key_${n}_active`]) || reportDate(row[`access_key_${n}_last_rotated`]) !== undefined);
  return row.password_enabled?.toLowerCase() === 'false' && !keys;
}

export const consoleMfa = defineQuery<CredentialReportEvidence>({
  id: 'iam.console-mfa',
  service: 'iam',
  title: 'Every console user and the root user sign in with MFA',
  description:
    'From the IAM credential report: each IAM user with a console password, and the root user, with whether an MFA device is active for them.',
  remediation:
    'Assign an MFA device (preferably a FIDO2 security key) to each listed user and to the root user, or remove the console password of users who do not need the console; prefer federated sign-in with MFA enforced by the identity provider.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS],
  collect: (ctx) => collectCredentialReport(ctx),
  evaluate(data, _params, ctx) {
    const table = readCredentialReport(data);
    if (!table) return missingReport();
    const results: ResourceResult[] = [];
    for (const row of table.rows) {
      const root = row.user === ROOT_USER;
      if (!root && !isTrue(row.password_enabled)) continue;
      if (root && !isTrue(row.mfa_active) && rootWithoutCredentials(row)) {
        results.push({
          resource: row.arn,
          resourceType: 'AWS::::Account',
          status: 'needs-review',
          reason:
            'the root user has no active MFA device, but the credential report shows it with no password (password_enabled false) and no access key, as for a member account whose root user credentials were removed or never created, so it cannot sign in now; whether its password can be recovered (account recovery under centralized root access) is not shown',
        });
        continue;
      }
      const who = root ? 'the root user' : `IAM user ${row.user}`;
      results.push({
        resource: row.arn,
        resourceType: root ? 'AWS::::Account' : 'AWS::IAM::User',
        status: isTrue(row.mfa_active) ? 'pass' : 'fail',
        reason: isTrue(row.mfa_active)
          ? `${who} ${root ? 'has' : 'has a console password and'} an active MFA device`
          : `${who} ${root ? 'has no active MFA device' : 'can sign in to the console with a password but has no active MFA device'}`,
      });
    }
    results.push(...unreadableResults(table));
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no IAM user has a console password (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
