import type { GetAccountSummaryCommandOutput } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { CREDENTIAL_REPORT_ACTIONS, ROOT_USER, collectCredentialReport, credentialReportRows, isTrue, type CredentialReportEvidence } from './credential-report.js';

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
    'The root user’s row of the IAM credential report (access key 1 and 2 active) and the account summary’s AccountAccessKeysPresent count: two independent statements that no root access key exists.',
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
    const root = credentialReportRows(data?.credentialReport)?.find((r) => r.user === ROOT_USER);
    const summary = data?.accountSummary;
    const present = summary && !isCapturedError(summary) ? summary.SummaryMap?.AccountAccessKeysPresent : undefined;
    if (!root && present === undefined) {
      return [{ ...resource, status: 'error', reason: 'the evidence holds neither the root user’s credential report row nor the account summary' }];
    }
    const activeKeys = root ? [1, 2].filter((n) => isTrue(root[`access_key_${n}_active`])) : [];
    if (activeKeys.length || (present ?? 0) > 0) {
      const found = [
        activeKeys.length ? `the credential report shows root access key ${activeKeys.join(' and ')} active` : '',
        (present ?? 0) > 0 ? `the account summary counts ${present} root access key(s)` : '',
      ].filter(Boolean);
      return [{ ...resource, status: 'fail', reason: `the root user has access keys: ${found.join('; ')}` }];
    }
    const sources = [root ? 'the credential report' : '', present !== undefined ? 'the account summary' : ''].filter(Boolean).join(' and ');
    const unread = summary && isCapturedError(summary) ? ` (the account summary could not be read: ${summary.error.code})` : '';
    return [{ ...resource, status: 'pass', reason: `the root user has no access keys according to ${sources}${unread}` }];
  },
});
