import { defineQuery, type ResourceResult } from '../types.js';
import { CREDENTIAL_REPORT_ACTIONS, ROOT_USER, collectCredentialReport, credentialReportRows, isTrue, missingReport, reportAge, type CredentialReportEvidence } from './credential-report.js';

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
    const rows = credentialReportRows(data);
    if (!rows) return missingReport();
    const results: ResourceResult[] = [];
    for (const row of rows) {
      const root = row.user === ROOT_USER;
      if (!root && !isTrue(row.password_enabled)) continue;
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
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no IAM user has a console password (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
