import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { logsState } from '../../../src/simulator/services/logs.js';

const session = demoSession();

describe('logs.retention against the simulated demo account', () => {
  it('30 days fails; never-expire and 400 days pass', async () => {
    const { results, calls } = await session.run(queryById('logs.retention')!, 'us-east-1');
    expect(Object.fromEntries(results.map((r) => [r.resource.split(':log-group:')[1], r.status]))).toEqual({
      '/app/payments': 'pass',
      '/aws/lambda/checkout': 'fail',
      'aws-cloudtrail-logs-111122223333-management-events': 'pass',
    });
    // Subscription filters are read only for the group kept under 365 days (not /app/payments, streamed to Firehose).
    expect(calls.filter((c) => c.operation === 'logs:DescribeSubscriptionFilters').map((c) => (c.input as { logGroupName?: string }).logGroupName)).toEqual(['/aws/lambda/checkout']);
    expect(results.find((r) => r.resource.endsWith('/aws/lambda/checkout'))!.reason).toContain('and no subscription filter copies its events elsewhere');
  });

  it('the second region judged at a 700-day minimum: 731 days passes, 30 days fails', async () => {
    const { results, calls } = await session.run(queryById('logs.retention')!, 'us-west-2', { minimumRetentionDays: 700 });
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(calls.every((c) => c.operation === 'logs:DescribeLogGroups' || c.operation === 'logs:DescribeSubscriptionFilters')).toBe(true);
  });
});

describe('logs.retention: a short-retention group streamed elsewhere by a subscription filter', () => {
  const firehose = `arn:aws:firehose:us-east-1:${DEMO_ACCOUNT_ID}:deliverystream/checkout-log-archive`;
  const streamed = demoSession(() => {
    const world = demoWorld({ now: new Date() });
    logsState(world.accounts.get(DEMO_ACCOUNT_ID)!, 'us-east-1').subscriptionFilters.push({ filterName: 'checkout-archive', logGroupName: '/aws/lambda/checkout', filterPattern: '', destinationArn: firehose, roleArn: `arn:aws:iam::${DEMO_ACCOUNT_ID}:role/cwl-to-firehose`, distribution: 'ByLogStream', creationTime: Date.now() });
    return world;
  });

  it('needs review naming the destination, instead of failing: the copy\'s retention is not in the evidence', async () => {
    const { results } = await streamed.run(queryById('logs.retention')!, 'us-east-1');
    const checkout = results.find((r) => r.resource.endsWith('/aws/lambda/checkout'))!;
    expect(checkout.status).toBe('needs-review');
    expect(checkout.reason).toContain(`its events are copied to ${firehose} (filter checkout-archive, every event): whether the copy is kept for 365 days is not in the evidence`);
  });
});
