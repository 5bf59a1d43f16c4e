import { describe, expect, it } from 'vitest';
import { DescribeFirewallCommand, ListFirewallsCommand, NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { firewallPolicies } from '../../../src/queries/networkfirewall/policies.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { DEMO_ACCOUNT_ID, simulatorClientConfig, simulatorCredentials } from '../../../src/simulator/index.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { ACCOUNT, REGION, firewallEvidence, fwArn } from '../../fixtures/networkfirewall/firewalls.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };

function evaluate(data: unknown): ResourceResult[] {
  const fresh = firewallPolicies.evaluate(data as never, {}, ctx);
  expect(firewallPolicies.evaluate(JSON.parse(canonicalJson(data)) as never, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('networkfirewall.policies', () => {
  const results = evaluate(firewallEvidence);
  const by = (name: string) => results.find((r) => r.resource === fwArn(name))!;

  it('passes a strict-order policy that drops what its rule groups do not allow, naming actions and rule groups', () => {
    expect(by('egress')).toMatchObject({ status: 'pass', resourceType: 'AWS::NetworkFirewall::Firewall' });
    expect(by('egress').reason).toContain('stateful strict order with default aws:drop_established, stateful rule groups allowed-egress');
    expect(by('egress').reason).toContain('configuration IN_SYNC');
  });

  it('fails a policy whose stateless default passes packets uninspected, and one with no rule group and no drop', () => {
    expect(by('passthrough')).toMatchObject({ status: 'fail', reason: expect.stringContaining('pass without inspection') });
    expect(by('empty')).toMatchObject({ status: 'fail', reason: expect.stringContaining('filters nothing') });
  });

  it('default action order passes what no rule drops: needs review; so does a configuration not yet in sync', () => {
    expect(by('default-order')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('traffic that no rule drops is passed') });
    expect(by('pending')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('configuration PENDING') });
  });

  it('the pass says route tables are not checked', () => {
    expect(by('egress').reason).toContain('UDP fragments included');
    expect(by('egress').reason).toContain('whether route tables send the protected subnets\' traffic through the firewall endpoints is not checked');
  });

  describe('UDP fragments take their own default action (StatelessFragmentDefaultActions)', () => {
    const withDefaults = (policy: string, actions: Record<string, unknown>) => {
      const key = Object.keys(firewallEvidence.policies).find((k) => k.endsWith(`/${policy}`))!;
      const p = firewallEvidence.policies[key] as { FirewallPolicy: object };
      return { ...firewallEvidence, policies: { ...firewallEvidence.policies, [key]: { ...p, FirewallPolicy: { ...p.FirewallPolicy, ...actions } } } };
    };
    const judge = (policy: string, firewall: string, actions: Record<string, unknown>) => evaluate(withDefaults(policy, actions)).find((r) => r.resource === fwArn(firewall))!;

    it('full packets dropped statelessly but fragments forwarded to a default-order engine: needs review naming the fragment path', () => {
      const r = judge('default-order', 'default-order', { StatelessDefaultActions: ['aws:drop'], StatelessFragmentDefaultActions: ['aws:forward_to_sfe'] });
      expect(r.status).toBe('needs-review');
      expect(r.reason).toContain('stateless default aws:drop (fragments aws:forward_to_sfe)');
      expect(r.reason).toContain('UDP fragments no stateless rule matches go to the stateful engine, which in default action order passes what no stateful rule drops');
    });

    it('fragments forwarded to a strict-order engine without a drop default: needs review', () => {
      const r = judge('strict-drop', 'egress', { StatelessDefaultActions: ['aws:drop'], StatefulDefaultActions: ['aws:alert_strict'] });
      expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('stateful engine, which has no drop default action') });
    });

    it('fragments dropped, or forwarded to a strict-order engine that drops by default: pass; an aws:pass fragment default still fails', () => {
      expect(judge('default-order', 'default-order', { StatelessDefaultActions: ['aws:drop'], StatelessFragmentDefaultActions: ['aws:drop'] }).status).toBe('pass');
      expect(judge('strict-drop', 'egress', { StatelessDefaultActions: ['aws:drop'] }).status).toBe('pass');
      expect(judge('strict-drop', 'egress', { StatelessFragmentDefaultActions: ['aws:pass'] })).toMatchObject({ status: 'fail', reason: expect.stringContaining('pass without inspection') });
    });
  });

  it('unknown is never a pass: a firewall or policy that could not be read is an error', () => {
    expect(by('vanished')).toMatchObject({ status: 'error', reason: expect.stringContaining('ResourceNotFoundException') });
    expect(by('no-policy')).toMatchObject({ status: 'error', reason: expect.stringContaining('could not be read (ResourceNotFoundException)') });
    expect(evaluate({ firewalls: [] }).map((r) => r.status)).toEqual(['error']);
  });

  it('no firewall is "not used", not a failure, and says what that leaves unseen', () => {
    const [r] = evaluate({ firewalls: [], descriptions: {}, policies: {} });
    expect(r).toMatchObject({ resource: 'account', status: 'not-applicable' });
    expect(r.reason).toContain('is not used in us-east-1');
    expect(r.reason).toContain('third-party firewall appliance (not visible to this query)');
  });
});

describe('networkfirewall.policies against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('networkfirewall.policies')!;

  it('a strict-order drop firewall passes at home; a pass-through one fails in the second region', async () => {
    const east = await session.run(q, 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('firewall payments-egress in vpc-0') })]);
    expect(east.calls.map((c) => c.operation)).toEqual(['network-firewall:ListFirewalls', 'network-firewall:DescribeFirewall', 'network-firewall:DescribeFirewallPolicy']);
    const west = await session.run(q, 'us-west-2');
    expect(west.results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('firewall legacy-inspection') })]);
  });

  it('a denied DescribeFirewallPolicy makes that firewall an error and keeps the listing as evidence, not a failed query', async () => {
    session.sim.setFaults({ rateLimits: {}, rules: [{ operation: 'network-firewall:DescribeFirewallPolicy', accessDenied: true }] });
    const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
    try {
      const data = await q.collect({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params: {}, now: session.now });
      const results = q.evaluate(JSON.parse(canonicalJson(data)), {}, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: session.now.toISOString() });
      expect(results).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringContaining('could not be read (AccessDenied') })]);
    } finally {
      clients.destroy();
      session.sim.setFaults({});
    }
  });

  it('answers with the published errors (awsJson1_0), including for a foreign page token', async () => {
    const nfw = new NetworkFirewallClient(simulatorClientConfig(session.sim, { maxAttempts: 1 }));
    try {
      await expect(nfw.send(new DescribeFirewallCommand({ FirewallName: 'nothere' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(nfw.send(new DescribeFirewallCommand({}))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      await expect(nfw.send(new ListFirewallsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      await expect(nfw.send(new ListFirewallsCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      expect((await nfw.send(new ListFirewallsCommand({}))).Firewalls?.map((f) => f.FirewallName)).toEqual(['payments-egress']);
    } finally {
      nfw.destroy();
    }
  });
});
