import { describe, expect, it } from 'vitest';
import { othersLeftOut, ownItems } from '../../src/queries/own-account.js';

describe('ownItems', () => {
  const items = [
    { id: 1, account: '111111111111' },
    { id: 2, account: '222222222222' },
    { id: 3, account: undefined },
    { id: 4, account: '333333333333' },
    { id: 5, account: '222222222222' },
  ];

  it('keeps the account’s own items and those naming no account; counts the others per account', () => {
    const { own, others } = ownItems(items, (i) => i.account, '111111111111');
    expect(own.map((i) => i.id)).toEqual([1, 3]);
    expect(others).toEqual([
      ['222222222222', 2],
      ['333333333333', 1],
    ]);
    expect(othersLeftOut(others, 'findings')).toBe(
      "; 3 findings of other accounts (222222222222 (2), 333333333333 (1)) in this listing were left out, not judged as this account's: each account's own evidence judges them",
    );
  });

  it('says nothing when every item is the account’s own', () => {
    const { others } = ownItems(items.slice(0, 1), (i) => i.account, '111111111111');
    expect(othersLeftOut(others, 'findings')).toBe('');
  });
});
