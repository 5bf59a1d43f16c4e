/**
 * An account that is also a delegated administrator (GuardDuty, Security Hub, Inspector, Macie) or owns an organization
 * analyzer lists its members' findings in its own listings. Queries ask for the account's own items with the API's
 * filter; evaluation also leaves out any item that names another account, so an account is never judged by another's.
 */
export interface OwnItems<T> {
  /** Items of the evaluated account, and items that name no account (the listing was the account's own). */
  own: T[];
  /** How many items named another account, by account id (sorted). */
  others: [string, number][];
}

export function ownItems<T>(items: readonly T[], accountOf: (item: T) => string | undefined | null, accountId: string): OwnItems<T> {
  const own: T[] = [];
  const others = new Map<string, number>();
  for (const item of items) {
    const owner = accountOf(item);
    if (owner && owner !== accountId) others.set(owner, (others.get(owner) ?? 0) + 1);
    else own.push(item);
  }
  return { own, others: [...others].sort(([a], [b]) => a.localeCompare(b)) };
}

/** The clause a reason adds when items of other accounts were left out; empty when there were none. */
export function othersLeftOut(others: OwnItems<unknown>['others'], what: string): string {
  if (others.length === 0) return '';
  const n = others.reduce((sum, [, c]) => sum + c, 0);
  const accounts = others.map(([id, c]) => `${id} (${c})`).join(', ');
  return `; ${n} ${what} of other accounts (${accounts}) in this listing were left out, not judged as this account's: each account's own evidence judges them`;
}
