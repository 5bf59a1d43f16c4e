import type { GetAccountSummaryCommandOutput } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { CREDENTIAL_REPORT_ACTIONS, ROOT_USER, collectCredentialReport, isTrue, readCredentialReport, reportDate, unreadableResults, type CredentialReportEvidence } from './credential-report.js';

export interface RootAccessKeysEvidence {
  credentialReport: CredentialReportEvidence;
  /** A failed call is kept, so the credential report still answers on its own. */
  accountSummary: Omit<GetAccountSummaryCommandOutput, '$metadata'> | CapturedError;
}

export const rootAccessKeys = defineQuery<RootAccessKeysEvidence>({
  id: 'iam.root-access-keys',
  service: 'iam',
  title: 'The root user has no access keys',
  description:
    'The root user’s row of the IAM credential report (access key 1 and 2: active, and the date each was created) and the account summary’s AccountAccessKeysPresent (1 when the root user has an access key, active or inactive): two independent statements that no root access key exists. Without the account summary, the report alone shows no active root key but cannot rule out an inactive one (IAM documents last_rotated as N/A without an active key).',
  remediation: 'Sign in as the root user, delete its access keys (Security credentials page), and use IAM roles for programmatic access instead.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS, 'iam:GetAccountSummary'],
  async collect(ctx) {
    const { GetAccountSummaryCommand, IAMClient } = await loadIamSdk();
    const credentialReport = await collectCredentialReport(ctx);
    const accountSummary = await captureFailure(() => ctx.clients.get(IAMClient).send(new GetAccountSummaryCommand({})), ctx.signal);
    return { credentialReport, accountSummary };
  },
  evaluate(data, _params, ctx) {
    const resource = { resource: `arn:aws:iam::${ctx.accountId}:root`, resourceType: 'AWS::::Account' };
    const table = readCredentialReport(data?.credentialReport);
    const unreadable = table ? unreadableResults(table) : [];
    const root = table?.rows.find((r) => r.user === ROOT_USER);
    const summary = data?.accountSummary;
    const present = summary && !isCapturedError(summary) ? summary.SummaryMap?.AccountAccessKeysPresent : undefined;
    if (!root && present === undefined) {
      return [{ ...resource, status: 'error', reason: 'the evidence holds neither the root user’s credential report row nor the account summary' }, ...unreadable];
    }
    const activeKeys = root ? [1, 2].filter((n) => isTrue(root[`access_key_${n}_active`])) : [];
    // An inactive key still exists (CIS: delete root keys); the report shows it when it gives the key's creation date.
    const inactiveKeys = root ? [1, 2].filter((n) => !isTrue(root[`access_key_${n}_active`]) && reportDate(root[`access_key_${n}_last_rotated`])) : [];
    if (activeKeys.length || inactiveKeys.length || (present ?? 0) > 0) {
      const found = [
        activeKeys.length ? `the credential report shows root access key ${activeKeys.join(' and ')} active` : '',
        ...inactiveKeys.map((n) => `the credential report shows root access key ${n} inactive but not deleted (created or last rotated ${reportDate(root?.[`access_key_${n}_last_rotated`])!.toISOString()})`),
        (present ?? 0) > 0 ? `the account summary counts ${present} root access key(s), active or inactive` : '',
      ].filter(Boolean);
      return [{ ...resource, status: 'fail', reason: `the root user has access keys: ${found.join('; ')}` }, ...unreadable];
    }
    if (present === undefined) {
      const why = summary && isCapturedError(summary) ? `could not be read: ${summary.error.code}` : 'is not in the evidence';
      return [
        {
          ...resource,
          status: 'needs-review',
          reason: `the credential report shows no active root access key and no creation date for one, but the account summary, which counts inactive root keys too, ${why}; IAM documents the report's last_rotated as N/A when there is no active key, so an inactive root key is not ruled out`,
        },
        ...unreadable,
      ];
    }
    const reportPart = root ? 'the credential report shows no root access key (none active, none with a creation date) and ' : table ? 'the credential report holds no root user row; ' : 'the evidence holds no readable credential report; ';
    return [{ ...resource, status: 'pass', reason: `the root user has no access keys: ${reportPart}the account summary counts 0 root access keys, active or inactive` }, ...unreadable];
  },
});
