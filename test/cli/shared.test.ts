/** The CLI's record counts: records of organisation-wide reads (delegated-admin) are not counted as evidence records. */
import { describe, it, expect } from 'vitest';
import { recordCountWords } from '../../src/cli/shared.js';

describe('recordCountWords', () => {
  it('says how many of the sealed records are evidence and how many are organisation-wide reads', () => {
    expect(recordCountWords(253, 16)).toBe('237 evidence records and 16 organisation-wide read records');
    expect(recordCountWords(5, 1, 'evidence record(s)')).toBe('4 evidence record(s) and 1 organisation-wide read record');
    expect(recordCountWords(42, 0)).toBe('42 evidence records');
  });
});
