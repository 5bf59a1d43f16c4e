import type { GetAlternateContactCommandOutput } from '@aws-sdk/client-account';
import { loadAccountSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError } from '../types.js';

/** GetAlternateContact SECURITY for the account, or the ResourceNotFoundException AWS answers when none is set. */
export interface SecurityContactEvidence {
  securityContact: Omit<GetAlternateContactCommandOutput, '$metadata'> | CapturedError;
}

export const securityContact = defineQuery<SecurityContactEvidence>({
  id: 'account.security-contact',
  service: 'account',
  title: 'The account names a security contact for AWS security notifications',
  description:
    'The account’s alternate contact of type SECURITY (name, title, email address, phone number): whom AWS notifies about security matters in the account besides the root user’s email address. It shows a contact is named in AWS, not that this person is the organisation’s assigned security official or that the mailbox is monitored.',
  remediation:
    'Set the security alternate contact (Account settings, or account:PutAlternateContact with AlternateContactType SECURITY) to the security official or a monitored security team mailbox, in every account of the organisation.',
  scope: 'global',
  apiCalls: ['account:GetAlternateContact'],
  async collect(ctx) {
    const { AccountClient, GetAlternateContactCommand } = await loadAccountSdk();
    const client = ctx.clients.get(AccountClient);
    // No contact set answers ResourceNotFoundException: that is the evidence, not a failed call.
    const securityContact = await captureAbsence(() => client.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }), { abortSignal: ctx.signal }), ['ResourceNotFoundException']);
    return { securityContact };
  },
  evaluate(data, _params, ctx) {
    const base = { resource: `arn:aws:iam::${ctx.accountId}:root`, resourceType: 'AWS::::Account' };
    const c = data?.securityContact;
    if (!c) return [{ ...base, status: 'error', reason: 'the evidence lacks the GetAlternateContact answer' }];
    if (isCapturedError(c)) {
      if (c.error.code !== 'ResourceNotFoundException') return [{ ...base, status: 'error', reason: `GetAlternateContact answered ${c.error.code}: ${c.error.message}` }];
      return [{ ...base, status: 'fail', reason: `account ${ctx.accountId} names no security contact: AWS sends security notifications only to the root user’s email address` }];
    }
    const contact = c.AlternateContact;
    if (!contact?.Name || !contact.EmailAddress) {
      return [{ ...base, status: 'needs-review', reason: `account ${ctx.accountId} has a security contact record without ${!contact?.Name ? 'a name' : 'an email address'}` }];
    }
    return [
      {
        ...base,
        status: 'pass',
        reason: `account ${ctx.accountId} names ${contact.Name}${contact.Title ? ` (${contact.Title})` : ''}, ${contact.EmailAddress}, as its security contact; whether this is the assigned security official and the mailbox is monitored is not shown`,
      },
    ];
  },
});
