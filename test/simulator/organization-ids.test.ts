import { describe, expect, it } from 'vitest';
import { organizationWorld } from '../../src/simulator/worlds/organization.js';

describe('organizationWorld account ids', () => {
  it('are always 12 digits and unique, for many seeds', () => {
    for (const seed of [1, 2, 3, 42]) {
      const world = organizationWorld({ accounts: 300, regions: ['us-east-1'], seed });
      const ids = [...world.accounts.keys()];
      for (const id of ids) expect(id).toMatch(/^\d{12}$/);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
