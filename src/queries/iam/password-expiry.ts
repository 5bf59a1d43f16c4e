import { loadIamSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  dayParam,
  isTrue,
  missingReport,
  readCredentialReport,
  reportAge,
  unreadableResults,
  type CredentialReportEvidence,
} from './credential-report.js';
import type { PasswordPolicyEvidence } from './password-policy.js';

export interface PasswordExpiryEvidence {
  passwordPolicy: PasswordPolicyEvidence;
  credentialReport: CredentialReportEvidence;
}

export const passwordExpiry = defineQuery<PasswordExpiryEvidence>({
  id: 'iam.password-expiry',
  service: 'iam',
  title: 'Console passwords that are the only factor expire within the limit',
  description:
    'The account password policy (ExpirePasswords, MaxPasswordAge) and, from the IAM credential report, every IAM user with a console password and whether an MFA device is active: a password without MFA is a single factor and must expire within the limit.',
  remediation:
    'Give every console user an MFA device (then the password is no longer the only factor), or set a maximum password age (`aws iam update-account-password-policy --max-password-age 90`).',
  scope: 'global',
  apiCalls: ['iam:GetAccountPasswordPolicy', ...CREDENTIAL_REPORT_ACTIONS],
  parameters: {
    maxPasswordAgeDays: { description: 'Longest life of a single-factor password (PCI DSS 8.3.9: 90 days).', default: 90, looser: 'higher' },
  },
  async collect(ctx) {
    const { GetAccountPasswordPolicyCommand, IAMClient } = await loadIamSdk();
    const passwordPolicy = await captureAbsence(
      () => ctx.clients.get(IAMClient).send(new GetAccountPasswordPolicyCommand({})),
      ['NoSuchEntityException', 'NoSuchEntity'],
    );
    return { passwordPolicy, credentialReport: await collectCredentialReport(ctx) };
  },
  evaluate(data, params, ctx) {
    const table = readCredentialReport(data?.credentialReport);
    if (!table) return missingReport();
    const policyEvidence = data.passwordPolicy;
    if (!policyEvidence || (!isCapturedError(policyEvidence) && !policyEvidence.PasswordPolicy)) {
      return [{ resource: 'account', resourceType: 'AWS::IAM::AccountPasswordPolicy', status: 'error', reason: 'the evidence holds no GetAccountPasswordPolicy response' }];
    }
    const maxDays = dayParam(params.maxPasswordAgeDays, 90);
    const policy = isCapturedError(policyEvidence) ? undefined : policyEvidence.PasswordPolicy;
    const maxAge = policy?.ExpirePasswords === true ? policy.MaxPasswordAge : undefined;
    const expiry = !policy
      ? 'the account has no password policy, so passwords never expire'
      : maxAge === undefined
        ? 'the password policy sets no maximum password age, so passwords never expire'
        : `the password policy expires passwords after ${maxAge} days`;
    const expiresInTime = maxAge !== undefined && maxAge > 0 && maxAge <= maxDays;
    const results: ResourceResult[] = [];
    for (const row of table.rows) {
      if (row.user === ROOT_USER || !isTrue(row.password_enabled)) continue;
      const base = { resource: row.arn, resourceType: 'AWS::IAM::User' };
      if (isTrue(row.mfa_active)) {
        results.push({ ...base, status: 'not-applicable', reason: `IAM user ${row.user} has an active MFA device, so the password is not the only factor` });
      } else {
        results.push({
          ...base,
          status: expiresInTime ? 'pass' : 'fail',
          reason: `IAM user ${row.user} signs in with a password alone and ${expiry}${expiresInTime ? ` (limit ${maxDays})` : `; the limit is ${maxDays} days`}`,
        });
      }
    }
    results.push(...unreadableResults(table));
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no IAM user has a console password (${reportAge(data.credentialReport, ctx.collectedAt)})` }];
    }
    return results;
  },
});
