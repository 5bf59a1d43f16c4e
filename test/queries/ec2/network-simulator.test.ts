import { describe, expect, it } from 'vitest';
import { EC2Client, DescribeManagedPrefixListsCommand, DescribeNetworkAclsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { queryById } from '../../../src/queries/index.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorClientConfig } from '../../../src/simulator/index.js';
import { ec2State } from '../../../src/simulator/services/ec2.js';
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
    // No route names a prefix list: DescribeManagedPrefixLists is not called.
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

describe('ec2.route-tables reads the prefix lists its routes name', () => {
  const LIST = 'pl-0a1b2c3d4e5f60718';
  const prefixSession = demoSession(() => {
    const world = demoWorld({ now: new Date() });
    const west = ec2State(world.account(DEMO_ACCOUNT_ID)!, 'us-west-2');
    const igw = west.internetGateways![0].InternetGatewayId!;
    // The application table also sends a partner range, held in a customer-managed IPv4 list, to the internet gateway.
    const app = west.routeTables!.find((t) => (t.Associations ?? []).some((a) => a.SubnetId && !a.Main) && (t.Routes ?? []).some((r) => r.NatGatewayId))!;
    app.Routes = [...(app.Routes ?? []), { DestinationPrefixListId: LIST, GatewayId: igw, Origin: 'CreateRoute', State: 'active' }];
    west.managedPrefixLists = [
      { PrefixListId: LIST, PrefixListName: 'partners', AddressFamily: 'IPv4', State: 'create-complete', OwnerId: DEMO_ACCOUNT_ID, MaxEntries: 10, Version: 1, PrefixListArn: `arn:aws:ec2:us-west-2:${DEMO_ACCOUNT_ID}:prefix-list/${LIST}` },
      { PrefixListId: 'pl-68a54001', PrefixListName: 'com.amazonaws.us-west-2.s3', AddressFamily: 'IPv4', State: 'create-complete', OwnerId: 'AWS', MaxEntries: 0, Version: 0 },
    ];
    return world;
  });

  it('one DescribeManagedPrefixLists call filtered by the listed id; the route counts as an IPv4 route to the internet gateway', async () => {
    const { results, calls } = await prefixSession.run(q('ec2.route-tables'), 'us-west-2');
    const lists = calls.filter((c) => c.operation === 'ec2:DescribeManagedPrefixLists');
    expect(lists).toHaveLength(1);
    expect(lists[0].input).toMatchObject({ Filters: [{ Name: 'prefix-list-id', Values: [LIST] }], MaxResults: 100 });
    const app = results.find((r) => r.reason.includes(`${LIST} (prefix list partners, AddressFamily IPv4) to internet gateway igw-`))!;
    expect(app.status).toBe('needs-review');
    expect(app.reason).toContain('without public addresses');
  });

  it('the simulated DescribeManagedPrefixLists pages by 1 to 100 and refuses more than 200 filter values', async () => {
    const ec2 = new EC2Client(simulatorClientConfig(prefixSession.sim, { region: 'us-west-2', maxAttempts: 1 }));
    try {
      expect((await ec2.send(new DescribeManagedPrefixListsCommand({ MaxResults: 1 }))).PrefixLists).toHaveLength(1);
      await expect(ec2.send(new DescribeManagedPrefixListsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      const many = Array.from({ length: 201 }, (_, k) => `pl-${String(k).padStart(8, '0')}`);
      await expect(ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-id', Values: many }] }))).rejects.toMatchObject({ name: 'FilterLimitExceeded' });
      expect((await ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'owner-id', Values: ['AWS'] }] }))).PrefixLists?.map((l) => l.PrefixListName)).toEqual(['com.amazonaws.us-west-2.s3']);
    } finally {
      ec2.destroy();
    }
  });
});
