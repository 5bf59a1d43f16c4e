import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();

describe('logs.retention against the simulated demo account', () => {
  it('30 days fails; never-expire and 400 days pass', async () => {
    const { results } = await session.run(queryById('logs.retention')!, 'us-east-1');
    expect(Object.fromEntries(results.map((r) => [r.resource.split(':log-group:')[1], r.status]))).toEqual({
      '/app/payments': 'pass',
      '/aws/lambda/checkout': 'fail',
      'aws-cloudtrail-logs-111122223333-management-events': 'pass',
    });
  });

  it('the second region judged at a 700-day minimum: 731 days passes, 30 days fails', async () => {
    const { results, calls } = await session.run(queryById('logs.retention')!, 'us-west-2', { minimumRetentionDays: 700 });
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(calls.every((c) => c.operation === 'logs:DescribeLogGroups')).toBe(true);
  });
});
