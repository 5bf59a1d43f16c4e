import type { BatchGetAccountStatusResponse, State } from '@aws-sdk/client-inspector2';
import { loadInspector2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** BatchGetAccountStatus for the collecting account, as returned. */
export type Inspector2AccountStatusEvidence = Omit<BatchGetAccountStatusResponse, '$metadata'>;

/** The scan types an assessor asks about, with the words the report uses for them. */
export const SCAN_TYPES = [
  ['ec2', 'EC2 instance scanning'],
  ['ecr', 'ECR container image scanning'],
  ['lambda', 'Lambda standard (package) scanning'],
] as const;

export const describeState = (s: State | undefined): string => `${s?.status ?? 'no status'}${s?.errorCode && s.errorCode !== 'ALREADY_ENABLED' ? ` (${s.errorCode}${s.errorMessage ? `: ${s.errorMessage}` : ''})` : ''}`;

export const accountStatus = defineQuery<Inspector2AccountStatusEvidence>({
  id: 'inspector2.account-status',
  service: 'inspector2',
  title: 'Amazon Inspector scans EC2 instances, ECR container images and Lambda functions in the region',
  description:
    'Amazon Inspector’s status for the account in the region and, per resource type, whether its continuous vulnerability scanning is enabled (EC2, ECR, Lambda standard scanning; Lambda code scanning is shown but not required). It shows that scanning is switched on, not which resources it reaches (see inspector2.coverage) or what it found (inspector2.findings).',
  remediation:
    'Activate Amazon Inspector in every account and region (from the delegated administrator: Activate for all member accounts, with auto-enable for new accounts) with EC2, ECR and Lambda scanning on.',
  scope: 'regional',
  apiCalls: ['inspector2:BatchGetAccountStatus'],
  async collect(ctx) {
    const { Inspector2Client, BatchGetAccountStatusCommand } = await loadInspector2Sdk();
    return stripMetadata(await ctx.clients.get(Inspector2Client).send(new BatchGetAccountStatusCommand({ accountIds: [ctx.accountId] })));
  },
  evaluate(data, _params, ctx) {
    const base = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data || (!data.accounts && !data.failedAccounts)) return [{ ...base, status: 'error', reason: 'the evidence holds no BatchGetAccountStatus response' }];
    const failed = data.failedAccounts?.find((a) => a.accountId === ctx.accountId);
    const acct = data.accounts?.find((a) => a.accountId === ctx.accountId);
    if (!acct) {
      return [{ ...base, status: 'error', reason: `Amazon Inspector returned no status for account ${ctx.accountId} in ${ctx.region}${failed ? `: ${failed.errorCode ?? ''} ${failed.errorMessage ?? ''}`.trimEnd() : ''}` }];
    }
    if (acct.state?.status !== 'ENABLED') {
      return [{ ...base, status: 'fail', reason: `Amazon Inspector is ${describeState(acct.state)} in ${ctx.region}: no EC2, ECR or Lambda vulnerability scanning runs there` }];
    }
    const parts = SCAN_TYPES.map(([key, label]) => ({ label, state: acct.resourceState?.[key], on: acct.resourceState?.[key]?.status === 'ENABLED' }));
    const off = parts.filter((p) => !p.on);
    const code = acct.resourceState?.lambdaCode ? `; Lambda code scanning ${describeState(acct.resourceState.lambdaCode)}` : '';
    const all = parts.map((p) => `${p.label} ${describeState(p.state)}`).join(', ');
    const results: ResourceResult[] = [
      off.length
        ? { ...base, status: 'fail', reason: `Amazon Inspector is enabled in ${ctx.region} but ${off.map((p) => p.label).join(' and ')} ${off.length > 1 ? 'are' : 'is'} not: ${all}${code}; resources of those types are not scanned for vulnerabilities` }
        : { ...base, status: 'pass', reason: `Amazon Inspector is enabled in ${ctx.region} with ${all}${code}; which resources it reaches is shown by its coverage` },
    ];
    return results;
  },
});
