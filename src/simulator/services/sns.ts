import { ListSubscriptionsByTopicCommand, type Subscription } from '@aws-sdk/client-sns';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';

/** Amazon SNS in one account and region: its topics and their subscriptions. */
export interface SnsState {
  topics: Array<{ TopicArn: string; subscriptions: Subscription[] }>;
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
  ],
};
