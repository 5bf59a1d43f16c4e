import { ListRulesCommand, ListTargetsByRuleCommand, type Rule, type Target } from '@aws-sdk/client-eventbridge';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedEventBridge } from '../worlds/seed-alerting.js';

/** Amazon EventBridge in one account and region: rules (on any bus) and their targets. */
export interface EventBridgeState {
  rules: Array<{ rule: Rule; targets: Target[] }>;
}

declare module '../world.js' {
  interface RegionalState {
    events: EventBridgeState;
  }
}

export function eventBridgeState(account: SimAccount, region: string): EventBridgeState {
  return account.regional(region, 'events', () => ({ rules: [] }));
}

const state = (ctx: CallContext) => eventBridgeState(ctx.account, ctx.region);
const busOf = (name: string | undefined) => (name ? name.replace(/^arn:aws:events:[^:]*:\d{12}:event-bus\//, '') : 'default');
const invalidNextToken = () => new SimError('ValidationException', 'The nextToken provided is invalid.');
const invalidLimit = (n: number) => new SimError('ValidationException', `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);

export const events: SimService = {
  name: 'events',
  signingName: 'events',
  protocol: awsJson1_1,
  seed: (account, world) => seedEventBridge(account, world),
  operations: [
    operation(ListRulesCommand, (input, ctx) => {
      const bus = busOf(input.EventBusName);
      const rules = state(ctx)
        .rules.map((r) => r.rule)
        .filter((r) => (r.EventBusName ?? 'default') === bus && (!input.NamePrefix || (r.Name ?? '').startsWith(input.NamePrefix)))
        .sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
      if (bus !== 'default' && !state(ctx).rules.some((r) => r.rule.EventBusName === bus)) {
        throw new SimError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
      }
      const { page, nextToken } = paginate(rules, { token: input.NextToken, limit: input.Limit, defaultLimit: 100, maxLimit: 100, scope: `ListRules/${bus}/${input.NamePrefix ?? ''}`, invalidToken: invalidNextToken, invalidLimit });
      return { Rules: page, NextToken: nextToken };
    }),

    operation(ListTargetsByRuleCommand, (input, ctx) => {
      const bus = busOf(input.EventBusName);
      const found = state(ctx).rules.find((r) => r.rule.Name === input.Rule && (r.rule.EventBusName ?? 'default') === bus);
      if (!found) throw new SimError('ResourceNotFoundException', `Rule ${input.Rule ?? ''} does not exist on EventBus ${bus}.`);
      const { page, nextToken } = paginate(found.targets, { token: input.NextToken, limit: input.Limit, defaultLimit: 100, maxLimit: 100, scope: `ListTargetsByRule/${bus}/${input.Rule}`, invalidToken: invalidNextToken, invalidLimit });
      return { Targets: page, NextToken: nextToken };
    }),
  ],
};
