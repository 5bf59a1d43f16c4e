import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { flowLogs } from '../../../src/queries/ec2/flow-logs.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, DEFAULT_LOG_FORMAT, REGION, arn, flowLogsEvidence } from '../../fixtures/ec2/network.js';

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

  it('a flow log of all traffic whose custom format lacks addresses, ports, protocol, action or times needs review, naming what it records', () => {
    // create-flow-logs --traffic-type ALL --log-format '${version} ${account-id}': its records hold only those two fields.
    const custom = (LogFormat: string | undefined) => evaluate({ ...flowLogsEvidence, flowLogs: [{ ...flowLogsEvidence.flowLogs[0]!, LogFormat }] }).find((r) => r.resource === arn('vpc', 'vpc-0all'))!;
    const useless = custom('${version} ${account-id}');
    expect(useless.status).toBe('needs-review');
    expect(useless.reason).toContain('flow log fl-0all records only: version account-id; missing: srcaddr, dstaddr, srcport, dstport, protocol, action, start, end');
    expect(custom('${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes}')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('missing: action, start, end') });
    // A custom format holding every required field, in any order and with extra fields, passes like the default one.
    expect(custom('${start} ${end} ${action} ${protocol} ${dstport} ${srcport} ${dstaddr} ${srcaddr} ${pkt-srcaddr} ${flow-direction}').status).toBe('pass');
    expect(custom(DEFAULT_LOG_FORMAT).status).toBe('pass');
    // Unknown is never a pass: evidence without the format needs review.
    expect(custom(undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('does not hold its LogFormat') });
    // A second flow log with the full format makes the VPC pass; the useless one is still named.
    const both = evaluate({ ...flowLogsEvidence, flowLogs: [...flowLogsEvidence.flowLogs, { ...flowLogsEvidence.flowLogs[0]!, FlowLogId: 'fl-0thin', LogFormat: '${version}' }] }).find((r) => r.resource === arn('vpc', 'vpc-0all'))!;
    expect(both).toMatchObject({ status: 'pass', reason: expect.stringContaining('flow log fl-0thin records only: version') });
  });

  it('unknown is never a pass: a missing response is an error; no VPCs is not applicable', () => {
    expect(evaluate({ vpcs: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ vpcs: [], flowLogs: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});
