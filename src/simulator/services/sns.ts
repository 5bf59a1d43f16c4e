import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, type Subscription } from '@aws-sdk/client-sns';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';

/** Amazon SNS in one account and region: its topics and their subscriptions. */
export interface SnsState {
  topics: Array<{
    TopicArn: string;
    subscriptions: Subscription[];
    /** Filter policies by SubscriptionArn (FilterPolicy JSON text, FilterPolicyScope; none: every message delivered). */
    filterPolicies?: Record<string, { FilterPolicy: string; FilterPolicyScope?: 'MessageAttributes' | 'MessageBody' }>;
  }>;
}

declare module '../world.js' {
  interface RegionalState {
    sns: SnsState;
  }
}

export function snsState(account: SimAccount, region: string): SnsState {
  return account.regional(region, 'sns', () => ({ topics: [] }));
}

const state = (ctx: CallContext) => snsState(ctx.account, ctx.region);

export const sns: SimService = {
  name: 'sns',
  signingName: 'sns',
  protocol: awsQuery,
  xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
  errors: { accessDenied: { code: 'AuthorizationError', status: 403 }, throttling: { code: 'Throttled', status: 429 } },
  operations: [
    operation(ListSubscriptionsByTopicCommand, (input, ctx) => {
      const arn = input.TopicArn ?? '';
      const parts = arn.split(':');
      if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sns' || parts[3] !== ctx.region) {
        throw new SimError('InvalidParameter', 'Invalid parameter: TopicArn');
      }
      if (parts[4] !== ctx.account.id) throw new SimError('AuthorizationError', `User: ${ctx.credential.arn} is not authorized to perform: SNS:ListSubscriptionsByTopic on resource: ${arn}`, 403);
      const topic = state(ctx).topics.find((t) => t.TopicArn === arn);
      if (!topic) throw new SimError('NotFound', 'Topic does not exist', 404);
      const { page, nextToken } = paginate(topic.subscriptions, {
        token: input.NextToken,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `ListSubscriptionsByTopic/${arn}`,
        invalidToken: () => new SimError('InvalidParameter', 'Invalid parameter: NextToken'),
        invalidLimit: () => new SimError('InvalidParameter', 'Invalid parameter: NextToken'),
      });
      return { Subscriptions: page, NextToken: nextToken };
    }),
    // A confirmed subscription's attributes, as GetSubscriptionAttributes documents them (all values are strings).
    operation(GetSubscriptionAttributesCommand, (input, ctx) => {
      const arn = input.SubscriptionArn ?? '';
      const parts = arn.split(':');
      if (parts.length !== 7 || parts[0] !== 'arn' || parts[2] !== 'sns' || parts[3] !== ctx.region) throw new SimError('InvalidParameter', 'Invalid parameter: SubscriptionArn');
      if (parts[4] !== ctx.account.id) throw new SimError('AuthorizationError', `User: ${ctx.credential.arn} is not authorized to perform: SNS:GetSubscriptionAttributes on resource: ${arn}`, 403);
      const topic = state(ctx).topics.find((t) => t.TopicArn === parts.slice(0, 6).join(':'));
      const sub = topic?.subscriptions.find((x) => x.SubscriptionArn === arn);
      if (!topic || !sub) throw new SimError('NotFound', 'Subscription does not exist', 404);
      const filter = topic.filterPolicies?.[arn];
      return {
        Attributes: {
          ConfirmationWasAuthenticated: 'false',
          Endpoint: sub.Endpoint ?? '',
          Owner: sub.Owner ?? ctx.account.id,
          PendingConfirmation: 'false',
          Protocol: sub.Protocol ?? '',
          RawMessageDelivery: 'false',
          SubscriptionArn: arn,
          TopicArn: topic.TopicArn,
          ...(filter ? { FilterPolicy: filter.FilterPolicy, FilterPolicyScope: filter.FilterPolicyScope ?? 'MessageAttributes' } : {}),
        },
      };
    }),
  ],
};
