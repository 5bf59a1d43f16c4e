import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { securityContact } from '../../../src/queries/account/security-contact.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { demoWorld } from '../../../src/simulator/index.js';
import { accountSettingsState } from '../../../src/simulator/services/account.js';
import { ACCOUNT, COLLECTED_AT, nameless, noContact, withContact } from '../../fixtures/account/security-contact.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: COLLECTED_AT };

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = securityContact.evaluate(data, {}, ctx);
  expect(securityContact.evaluate(JSON.parse(canonicalJson(data)) as unknown, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('account.security-contact', () => {
  it('passes a named contact and says what it does not show', () => {
    expect(evaluateBoth(withContact)).toEqual([
      expect.objectContaining({ resource: `arn:aws:iam::${ACCOUNT}:root`, status: 'pass', reason: expect.stringMatching(/Priya Natarajan \(Information Security Officer\), security@example.com.*not shown/) }),
    ]);
  });
  it('fails when no security contact is set, needs review when the record lacks a name, errors on another error or no answer', () => {
    expect(evaluateBoth(noContact)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('names no security contact') });
    expect(evaluateBoth(nameless)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('without a name') });
    expect(evaluateBoth({ securityContact: { error: { code: 'AccessDeniedException', message: 'no' } } })[0].status).toBe('error');
    expect(evaluateBoth({})[0].status).toBe('error');
  });
});

describe('account.security-contact against the simulated demo account', () => {
  const session = demoSession();
  it('the demo account names its security officer', async () => {
    const { results, calls } = await session.run(queryById('account.security-contact')!, 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('Priya Natarajan') })]);
    expect(calls.map((c) => [c.operation, c.input])).toEqual([['account:GetAlternateContact', { AlternateContactType: 'SECURITY' }]]);
  });
});

describe('account.security-contact against an account without one', () => {
  const session = demoSession(() => {
    const world = demoWorld();
    const s = accountSettingsState(world.account('111122223333')!);
    s.alternateContacts = s.alternateContacts.filter((c) => c.AlternateContactType !== 'SECURITY');
    return world;
  });
  it('ResourceNotFoundException is kept as evidence and fails the account', async () => {
    const { results, calls } = await session.run(queryById('account.security-contact')!, 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'fail' })]);
    expect(calls[0].error).toBe('ResourceNotFoundException');
  });
});
