import type { CallContext } from '../types.js';
import type { SimAccount } from '../world.js';

/**
 * The organisation accounts a service's delegated administrator sees in its region: every other account of the
 * organisation whose state `stateOf` returns; none when the caller is not the service's administrator.
 */
export function administeredMembers<S>(ctx: CallContext, service: string, stateOf: (account: SimAccount) => S | undefined): Array<{ account: SimAccount; state: S }> {
  const org = ctx.world.organization;
  if (!org || org.delegatedAdministrators?.[service] !== ctx.account.id) return [];
  const out: Array<{ account: SimAccount; state: S }> = [];
  for (const id of org.accountIds) {
    const account = id === ctx.account.id ? undefined : ctx.world.account(id);
    const state = account ? stateOf(account) : undefined;
    if (account && state !== undefined) out.push({ account, state });
  }
  return out;
}
