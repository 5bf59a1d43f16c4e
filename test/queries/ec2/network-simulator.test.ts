import { describe, expect, it } from 'vitest';
import { EC2Client, DescribeNetworkAclsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { queryById } from '../../../src/queries/index.js';
import { simulatorClientConfig } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();
const q = (id: string) => queryById(id)!;

describe('network queries against the simulated demo account', () => {
  it('ec2.network-acls: the home region application subnet keeps the default ACL (all traffic from anywhere) and fails; the public ACL denies SSH/RDP first', async () => {
    const { results, calls } = await session.run(q('ec2.network-acls'), 'us-east-1');
    expect(results.map((r) => r.status).sort()).toEqual(['fail', 'pass']);
    const fail = results.find((r) => r.status === 'fail')!;
    expect(fail.reason).toContain('(the VPC default)');
    expect(fail.reason).toContain('rule 100 allow all traffic from 0.0.0.0/0 (admin ports 22, 3389)');
    expect(results.find((r) => r.status === 'pass')!.reason).toContain('rule 110 allow tcp 1024-65535 from 0.0.0.0/0');
    expect(calls.map((c) => c.operation)).toEqual(['ec2:DescribeNetworkAcls']);
    expect(calls[0].input).toMatchObject({ MaxResults: 100 });
  });

  it('ec2.network-acls: the second region default ACL guards no subnet (not applicable), its custom ACLs pass', async () => {
    const { results } = await session.run(q('ec2.network-acls'), 'us-west-2');
    expect(results.map((r) => r.status).sort()).toEqual(['not-applicable', 'pass', 'pass']);
  });

  it('ec2.route-tables: the home application subnet routes to the internet gateway with the legacy host on a public address; the second region routes through NAT', async () => {
    const east = await session.run(q('ec2.route-tables'), 'us-east-1');
    expect(east.calls.map((c) => c.operation)).toEqual(['ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkInterfaces']);
    const app = east.results.find((r) => r.reason.includes('10.0.0.0/17'))!;
    expect(app.status).toBe('fail');
    expect(app.reason).toContain('public 198.51.100.23');
    expect(east.results.find((r) => r.reason.includes('10.0.128.0/24'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('AWS-managed interfaces (natGateway)') });
    const west = await session.run(q('ec2.route-tables'), 'us-west-2');
    expect(west.results.map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(west.results[0].reason).toContain('to NAT gateway nat-0');
  });

  it('ec2.flow-logs: the home VPC logs all traffic to CloudWatch Logs; the second region VPC has none', async () => {
    const east = await session.run(q('ec2.flow-logs'), 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ status: 'pass', resourceType: 'AWS::EC2::VPC', reason: expect.stringContaining('ALL traffic to CloudWatch Logs group /vpc/flow-logs') })]);
    expect(east.calls.map((c) => c.operation)).toEqual(['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs']);
    const west = await session.run(q('ec2.flow-logs'), 'us-west-2');
    expect(west.results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('has no flow log') })]);
  });

  it('simulated EC2 network listings answer with the published error codes and refuse a foreign page token', async () => {
    const ec2 = new EC2Client(simulatorClientConfig(session.sim, { maxAttempts: 1 }));
    try {
      await expect(ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 1000 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0nothere'] }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
      const first = await ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 5 }));
      expect(first.NetworkAcls).toHaveLength(2);
      await expect(ec2.send(new DescribeNetworkAclsCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidPaginationToken' });
    } finally {
      ec2.destroy();
    }
  });
});
