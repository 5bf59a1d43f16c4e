import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeSSLPoliciesCommand,
  type Listener,
  type LoadBalancer,
  type Rule,
  type SslPolicy,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedElbv2 } from '../worlds/seed-elbv2.js';
import { PREDEFINED_SSL_POLICIES } from '../worlds/elb-ssl-policies.js';

/** Elastic Load Balancing (v2) in one account and region: load balancers, their listeners and each listener's rules. */
export interface Elbv2State {
  loadBalancers: LoadBalancer[];
  listeners: Listener[];
  /** By listener ARN, the default rule included (as DescribeRules returns it). */
  rules: Record<string, Rule[]>;
}

declare module '../world.js' {
  interface RegionalState {
    elbv2: Elbv2State;
  }
}

export function elbv2State(account: SimAccount, region: string): Elbv2State {
  return account.regional(region, 'elbv2', () => ({ loadBalancers: [], listeners: [], rules: {} }));
}

const state = (ctx: CallContext) => elbv2State(ctx.account, ctx.region);
const validation = (message: string) => new SimError('ValidationError', message);

/** Elastic Load Balancing pages with Marker/PageSize (1 to 400). */
const pageLimits = (scope: string) => ({
  defaultLimit: 400,
  maxLimit: 400,
  scope,
  invalidToken: () => validation('Invalid value for parameter Marker.'),
  invalidLimit: (n: number) => validation(`1 validation error detected: Value '${n}' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 400`),
});

export const elbv2: SimService = {
  name: 'elasticloadbalancing',
  signingName: 'elasticloadbalancing',
  protocol: awsQuery,
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  seed: (account, world) => seedElbv2(account, world),
  operations: [
    operation(DescribeLoadBalancersCommand, (input, ctx) => {
      let lbs = state(ctx).loadBalancers;
      if (input.LoadBalancerArns?.length && input.Names?.length) throw validation('Load balancer names and load balancer ARNs cannot be specified at the same time');
      if (input.LoadBalancerArns?.length) {
        const missing = input.LoadBalancerArns.find((a) => !lbs.some((lb) => lb.LoadBalancerArn === a));
        if (missing) throw new SimError('LoadBalancerNotFound', `Load balancers '[${missing}]' not found`);
        lbs = lbs.filter((lb) => input.LoadBalancerArns!.includes(lb.LoadBalancerArn!));
      }
      if (input.Names?.length) {
        const missing = input.Names.find((n) => !lbs.some((lb) => lb.LoadBalancerName === n));
        if (missing) throw new SimError('LoadBalancerNotFound', `One or more load balancers not found`);
        lbs = lbs.filter((lb) => input.Names!.includes(lb.LoadBalancerName!));
      }
      const { page, nextToken } = paginate(lbs, { token: input.Marker, limit: input.PageSize, ...pageLimits(`DescribeLoadBalancers/${JSON.stringify([input.LoadBalancerArns, input.Names])}`) });
      return { LoadBalancers: page, NextMarker: nextToken };
    }),

    operation(DescribeListenersCommand, (input, ctx) => {
      const s = state(ctx);
      if (!input.LoadBalancerArn && !input.ListenerArns?.length) throw validation('You must specify either listener ARNs or a load balancer ARN');
      let listeners = s.listeners;
      if (input.LoadBalancerArn) {
        if (!s.loadBalancers.some((lb) => lb.LoadBalancerArn === input.LoadBalancerArn)) throw new SimError('LoadBalancerNotFound', `Load balancer '${input.LoadBalancerArn}' not found`);
        listeners = listeners.filter((l) => l.LoadBalancerArn === input.LoadBalancerArn);
      }
      if (input.ListenerArns?.length) {
        const missing = input.ListenerArns.find((a) => !listeners.some((l) => l.ListenerArn === a));
        if (missing) throw new SimError('ListenerNotFound', `One or more listeners not found`);
        listeners = listeners.filter((l) => input.ListenerArns!.includes(l.ListenerArn!));
      }
      const { page, nextToken } = paginate(listeners, { token: input.Marker, limit: input.PageSize, ...pageLimits(`DescribeListeners/${input.LoadBalancerArn ?? ''}/${JSON.stringify(input.ListenerArns ?? [])}`) });
      return { Listeners: page, NextMarker: nextToken };
    }),

    operation(DescribeRulesCommand, (input, ctx) => {
      const s = state(ctx);
      if (!input.ListenerArn) throw validation('You must specify either listener ARN or rule ARNs');
      if (!s.listeners.some((l) => l.ListenerArn === input.ListenerArn)) throw new SimError('ListenerNotFound', `Listener '${input.ListenerArn}' not found`);
      const { page, nextToken } = paginate(s.rules[input.ListenerArn] ?? [], { token: input.Marker, limit: input.PageSize, ...pageLimits(`DescribeRules/${input.ListenerArn}`) });
      return { Rules: page, NextMarker: nextToken };
    }),

    operation(DescribeSSLPoliciesCommand, (input) => {
      let policies: SslPolicy[] = PREDEFINED_SSL_POLICIES;
      if (input.Names?.length) {
        const missing = input.Names.find((n) => !policies.some((p) => p.Name === n));
        if (missing) throw new SimError('SSLPolicyNotFound', `SSL policy '${missing}' not found`);
        policies = policies.filter((p) => input.Names!.includes(p.Name!));
      }
      if (input.LoadBalancerType) policies = policies.filter((p) => p.SupportedLoadBalancerTypes?.includes(input.LoadBalancerType!));
      const { page, nextToken } = paginate(policies, { token: input.Marker, limit: input.PageSize, ...pageLimits(`DescribeSSLPolicies/${JSON.stringify(input.Names ?? [])}/${input.LoadBalancerType ?? ''}`) });
      return { SslPolicies: page, NextMarker: nextToken };
    }),
  ],
};
