/** Account settings of the demo account and generated accounts: the security alternate contact. */
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { accountSettingsState } from '../services/account.js';
import { stableHex } from './builders.js';

/**
 * Demo: the security contact names the security officer. Generated accounts: most name the security team mailbox; a few
 * (chosen from the account id) set only billing and operations contacts and name no security contact.
 */
export function seedAccount(account: SimAccount, world: WorldSeedContext): void {
  const s = accountSettingsState(account);
  s.alternateContacts.push({ AlternateContactType: 'BILLING', Name: 'Accounts Payable', Title: 'Finance', EmailAddress: 'ap@example.com', PhoneNumber: '+1-206-555-0100' });
  if (world.kind === 'demo') {
    s.alternateContacts.push({ AlternateContactType: 'SECURITY', Name: 'Priya Natarajan', Title: 'Information Security Officer', EmailAddress: 'security@example.com', PhoneNumber: '+1-206-555-0142' });
    return;
  }
  const missing = parseInt(stableHex(`${account.id}/security-contact`, 2), 16) % 5 === 0;
  if (!missing) s.alternateContacts.push({ AlternateContactType: 'SECURITY', Name: 'Security Operations', Title: 'Security team', EmailAddress: 'secops@example.com', PhoneNumber: '+1-206-555-0199' });
}
