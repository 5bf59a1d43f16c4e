import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { firewallConfigurationSync } from '../../../src/queries/networkfirewall/configuration-sync.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, firewallEvidence, fwArn } from '../../fixtures/networkfirewall/firewalls.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };

function evaluate(data: unknown): ResourceResult[] {
  const fresh = firewallConfigurationSync.evaluate(data as never, {}, ctx);
  expect(firewallConfigurationSync.evaluate(JSON.parse(canonicalJson(data)) as never, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('networkfirewall.configuration-sync', () => {
  const results = evaluate(firewallEvidence);
  const by = (name: string) => results.find((r) => r.resource === fwArn(name))!;

  it('passes a firewall whose readable policy is applied (READY, IN_SYNC), whatever the policy allows', () => {
    expect(by('egress')).toMatchObject({ status: 'pass', reason: expect.stringContaining('stores policy strict-drop; firewall READY, configuration IN_SYNC') });
    expect(by('egress').reason).toContain('whether route tables send traffic through the firewall endpoints is not checked');
    expect(by('passthrough').status).toBe('pass');
  });

  it('a configuration still being applied needs review: what runs may differ from what is stored', () => {
    expect(by('pending')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('configuration PENDING') });
  });

  it('unknown is never a pass: an unreadable firewall or policy is an error; no firewall is "not used"', () => {
    expect(by('vanished').status).toBe('error');
    expect(by('no-policy')).toMatchObject({ status: 'error', reason: expect.stringContaining('could not be read (ResourceNotFoundException)') });
    expect(evaluate({ firewalls: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ firewalls: [], descriptions: {}, policies: {} })).toEqual([expect.objectContaining({ status: 'not-applicable', reason: expect.stringContaining('not used') })]);
  });
});

describe('networkfirewall.configuration-sync against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('networkfirewall.configuration-sync')!;

  it('the home firewall runs its stored policy; the legacy firewall has a change pending in one zone', async () => {
    const east = await session.run(q, 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('policy change protection on') })]);
    const west = await session.run(q, 'us-west-2');
    expect(west.results).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('us-west-2b PENDING') })]);
  });
});
