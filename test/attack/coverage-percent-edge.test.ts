import { describe, expect, it } from 'vitest';
import { coveragePercent } from '../../src/package/assessor.js';

describe('the cover\'s share of account-days reached, at the edges', () => {
  it('never reads 100% while an account-day was not reached, nor 0% while one was', () => {
    // 1,000 accounts over a 31-day month, one account-day missed: rounding to a tenth used to print 100%.
    expect(coveragePercent(30_999, 31_000)).toBe(99.9);
    expect(coveragePercent(9_999, 10_000)).toBe(99.9);
    expect(coveragePercent(1, 31_000)).toBe(0.1);
    // Elsewhere it is the nearest tenth, as before.
    expect(coveragePercent(31_000, 31_000)).toBe(100);
    expect(coveragePercent(2, 3)).toBe(66.7);
    expect(coveragePercent(1, 3)).toBe(33.3);
    expect(coveragePercent(0, 31_000)).toBe(0);
    expect(coveragePercent(0, 0)).toBe(0);
  });
});
