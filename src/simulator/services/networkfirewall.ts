import {
  DescribeFirewallCommand,
  DescribeFirewallPolicyCommand,
  ListFirewallsCommand,
  type DescribeFirewallPolicyResponse,
  type DescribeFirewallResponse,
} from '@aws-sdk/client-network-firewall';
import { awsJson1_0 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedNetworkFirewall } from '../worlds/seed-networkfirewall.js';

/** AWS Network Firewall in one account and region: firewalls (as DescribeFirewall answers) and their policies. */
export interface NetworkFirewallState {
  firewalls: DescribeFirewallResponse[];
  policies: DescribeFirewallPolicyResponse[];
}

declare module '../world.js' {
  interface RegionalState {
    networkfirewall: NetworkFirewallState;
  }
}

export function networkFirewallState(account: SimAccount, region: string): NetworkFirewallState {
  return account.regional(region, 'networkfirewall', () => ({ firewalls: [], policies: [] }));
}

const state = (ctx: CallContext) => networkFirewallState(ctx.account, ctx.region);
const invalidRequest = (message: string) => new SimError('InvalidRequestException', message);
const notFound = (message: string) => new SimError('ResourceNotFoundException', message);

export const networkfirewall: SimService = {
  name: 'network-firewall',
  signingName: 'network-firewall',
  protocol: awsJson1_0,
  seed: (account, world) => seedNetworkFirewall(account, world),
  operations: [
    operation(ListFirewallsCommand, (input, ctx) => {
      const firewalls = state(ctx)
        .firewalls.filter((f) => !input.VpcIds?.length || input.VpcIds.includes(f.Firewall?.VpcId ?? ''))
        .map((f) => ({ FirewallName: f.Firewall?.FirewallName, FirewallArn: f.Firewall?.FirewallArn }));
      const { page, nextToken } = paginate(firewalls, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `ListFirewalls/${JSON.stringify(input.VpcIds ?? [])}`,
        invalidToken: () => invalidRequest('Invalid pagination token'),
        invalidLimit: (n) => invalidRequest(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`),
      });
      return { Firewalls: page, NextToken: nextToken };
    }),

    operation(DescribeFirewallCommand, (input, ctx) => {
      if (!input.FirewallArn && !input.FirewallName) throw invalidRequest('Either FirewallName or FirewallArn must be specified');
      const f = state(ctx).firewalls.find((x) => (input.FirewallArn ? x.Firewall?.FirewallArn === input.FirewallArn : x.Firewall?.FirewallName === input.FirewallName));
      if (!f || (input.FirewallArn && input.FirewallName && f.Firewall?.FirewallName !== input.FirewallName)) {
        throw notFound(`Firewall not found: ${input.FirewallArn ?? input.FirewallName}`);
      }
      return f;
    }),

    operation(DescribeFirewallPolicyCommand, (input, ctx) => {
      if (!input.FirewallPolicyArn && !input.FirewallPolicyName) throw invalidRequest('Either FirewallPolicyName or FirewallPolicyArn must be specified');
      const p = state(ctx).policies.find((x) =>
        input.FirewallPolicyArn ? x.FirewallPolicyResponse?.FirewallPolicyArn === input.FirewallPolicyArn : x.FirewallPolicyResponse?.FirewallPolicyName === input.FirewallPolicyName,
      );
      if (!p) throw notFound(`Firewall policy not found: ${input.FirewallPolicyArn ?? input.FirewallPolicyName}`);
      return p;
    }),
  ],
};
