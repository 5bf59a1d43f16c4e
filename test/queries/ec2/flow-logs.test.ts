import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { flowLogs } from '../../../src/queries/ec2/flow-logs.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, arn, flowLogsEvidence } from '../../fixtures/ec2/network.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };

function evaluate(data: unknown): ResourceResult[] {
  const fresh = flowLogs.evaluate(data as never, {}, ctx);
  expect(flowLogs.evaluate(JSON.parse(canonicalJson(data)) as never, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('ec2.flow-logs', () => {
  const results = evaluate(flowLogsEvidence);
  const by = (id: string) => results.find((r) => r.resource === arn('vpc', id))!;

  it('passes a VPC with an active flow log of all traffic, naming its destination', () => {
    expect(by('vpc-0all')).toMatchObject({ status: 'pass', resourceType: 'AWS::EC2::VPC', reason: expect.stringContaining('ALL traffic to S3 arn:aws:s3:::central-flow-logs/vpc (fl-0all)') });
  });

  it('a flow log of rejected traffic only needs review', () => {
    expect(by('vpc-0rejectonly')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('REJECT traffic to CloudWatch Logs group /vpc/rejects') });
  });

  it('fails a VPC whose only flow log cannot deliver, quoting the error', () => {
    expect(by('vpc-0broken')).toMatchObject({ status: 'fail', reason: expect.stringContaining('delivery FAILED (Access error)') });
  });

  it('fails a VPC without a flow log; a flow log on one subnet is counted, not credited', () => {
    expect(by('vpc-0none')).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 flow log on subnets, interfaces or transit gateways') });
  });

  it('unknown is never a pass: a missing response is an error; no VPCs is not applicable', () => {
    expect(evaluate({ vpcs: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ vpcs: [], flowLogs: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});
