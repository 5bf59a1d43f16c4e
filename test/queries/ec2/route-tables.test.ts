import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { routeTables } from '../../../src/queries/ec2/route-tables.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, arn, routeTablesEvidence } from '../../fixtures/ec2/network.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };

function evaluate(data: unknown): ResourceResult[] {
  const fresh = routeTables.evaluate(data as never, {}, ctx);
  expect(routeTables.evaluate(JSON.parse(canonicalJson(data)) as never, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('ec2.route-tables', () => {
  const results = evaluate(routeTablesEvidence);
  const by = (id: string) => results.find((r) => r.resource === arn('subnet', id))!;

  it('fails a subnet routed to the internet gateway with an instance on a public address, naming the addresses', () => {
    expect(by('subnet-0app')).toMatchObject({ status: 'fail', resourceType: 'AWS::EC2::Subnet' });
    expect(by('subnet-0app').reason).toContain('0.0.0.0/0 to internet gateway igw-0main');
    expect(by('subnet-0app').reason).toContain('instance i-0web (public 198.51.100.40; private 10.0.0.12)');
  });

  it('an instance without a public address in a public subnet needs review', () => {
    expect(by('subnet-0batch')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('instance i-0batch without public addresses') });
  });

  it('a public subnet holding only the NAT gateway passes', () => {
    expect(by('subnet-0public')).toMatchObject({ status: 'pass', reason: expect.stringContaining('only AWS-managed interfaces (natGateway)') });
  });

  it('a private subnet passes and names its NAT route and blackhole routes; an implicit main-table subnet passes', () => {
    expect(by('subnet-0db').status).toBe('pass');
    expect(by('subnet-0db').reason).toContain('0.0.0.0/0 to NAT gateway nat-0egress (available, in subnet-0public, public 203.0.113.7)');
    expect(by('subnet-0db').reason).toContain('blackhole routes (target gone): 10.9.0.0/16');
    expect(by('subnet-0isolated')).toMatchObject({ status: 'pass', reason: expect.stringContaining('(the VPC main table); only the VPC-local route') });
  });

  it('unknown is never a pass: a subnet whose route table is not in the evidence is an error; missing responses are an error', () => {
    expect(by('subnet-0orphan').status).toBe('error');
    expect(evaluate({ subnets: [], routeTables: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ subnets: [], routeTables: [], internetGateways: [], natGateways: [], networkInterfaces: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });

  it('a failed interface listing makes the subnets of VPCs with an internet gateway unknown; a failed gateway listing still counts active routes', () => {
    const denied = { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } };
    const noEnis = evaluate({ ...routeTablesEvidence, networkInterfaces: denied });
    expect(noEnis.find((r) => r.resource === arn('subnet', 'subnet-0app'))).toMatchObject({ status: 'error', reason: expect.stringContaining(`DescribeNetworkInterfaces for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation`) });
    // A private subnet of a VPC with an attached internet gateway may hold a public address the gateway passes traffic to.
    expect(noEnis.find((r) => r.resource === arn('subnet', 'subnet-0db'))).toMatchObject({ status: 'error', reason: expect.stringContaining('internet gateway igw-0main attached to vpc-0a1b2c3d') });
    // A VPC without one: the subnet's routes decide.
    expect(noEnis.find((r) => r.resource === arn('subnet', 'subnet-0isolated'))?.status).toBe('pass');
    const noGateways = evaluate({ ...routeTablesEvidence, internetGateways: denied, natGateways: denied });
    expect(noGateways.find((r) => r.resource === arn('subnet', 'subnet-0app'))?.status).toBe('fail');
    expect(noGateways.find((r) => r.resource === arn('subnet', 'subnet-0db'))?.reason).toContain(`nat-0egress (DescribeNatGateways for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation: You are not authorized to perform this operation.))`);
  });

  it('a route to an internet gateway that is detached from the VPC is not a direct internet route', () => {
    const detached = { ...routeTablesEvidence, internetGateways: [{ InternetGatewayId: 'igw-0main', Attachments: [] }] };
    expect(evaluate(detached).find((r) => r.resource === arn('subnet', 'subnet-0app'))?.status).toBe('pass');
  });

  it('an AWS-managed interface with a public address other than a NAT gateway, load balancer or accelerator needs review, naming who holds it', () => {
    const withManaged = (extra: object[]) => ({ ...routeTablesEvidence, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), ...extra] });
    const rds = {
      NetworkInterfaceId: 'eni-0rds', SubnetId: 'subnet-0public', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'interface', RequesterManaged: true, Status: 'in-use', Description: 'RDSNetworkInterface',
      PrivateIpAddress: '10.0.1.30', Association: { PublicIp: '198.51.100.77' }, Attachment: { InstanceOwnerId: 'amazon-rds', Status: 'attached' },
    };
    const reviewed = evaluate(withManaged([rds])).find((r) => r.resource === arn('subnet', 'subnet-0public'))!;
    expect(reviewed.status).toBe('needs-review');
    expect(reviewed.reason).toContain('interface eni-0rds ("RDSNetworkInterface") managed by amazon-rds (public 198.51.100.77; private 10.0.1.30)');
    // An internet-facing load balancer's interface is public by design; the NAT gateway's too.
    const alb = { ...rds, NetworkInterfaceId: 'eni-0alb', Description: 'ELB app/shop/50dc6c495c0c9188', Attachment: { InstanceOwnerId: 'amazon-elb', Status: 'attached' } };
    expect(evaluate(withManaged([alb])).find((r) => r.resource === arn('subnet', 'subnet-0public'))).toMatchObject({ status: 'pass', reason: expect.stringContaining("with no public address other than a NAT gateway's") });
    // A detached interface holding an Elastic IP carries no traffic: named, not judged.
    const detached = { ...rds, NetworkInterfaceId: 'eni-0spare', Description: 'spare', Status: 'available', Attachment: undefined, RequesterManaged: false };
    expect(evaluate(withManaged([detached])).find((r) => r.resource === arn('subnet', 'subnet-0public'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('detached interface eni-0spare ("spare") (public 198.51.100.77) carries no traffic until attached') });
    // Beside an instance on a public address, the managed one is named too.
    const inApp = { ...rds, SubnetId: 'subnet-0app' };
    expect(evaluate(withManaged([inApp])).find((r) => r.resource === arn('subnet', 'subnet-0app'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('AWS-managed interface eni-0rds ("RDSNetworkInterface") managed by amazon-rds (public 198.51.100.77) can be reached too') });
  });

  it('a public address in a subnet routed through an appliance, in a VPC whose internet gateway sends that range to the appliance (ingress routing), needs review naming the address and the appliance', () => {
    const r = by('subnet-0inspected');
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('instance i-0inspected (public 198.51.100.77; private 10.0.4.10)');
    expect(r.reason).toContain('internet gateway igw-0main is attached to vpc-0a1b2c3d');
    expect(r.reason).toContain('gateway route table rtb-0ingress (associated with igw-0main) sends 10.0.4.0/24 to eni-0appliance: whether the internet reaches these addresses depends on what that appliance forwards');
    // Without the gateway route table the gateway still passes traffic for the public address into the VPC: never a plain pass.
    const noEdge = evaluate({ ...routeTablesEvidence, routeTables: routeTablesEvidence.routeTables.filter((t) => t.RouteTableId !== 'rtb-0ingress') }).find((x) => x.resource === arn('subnet', 'subnet-0inspected'))!;
    expect(noEdge).toMatchObject({ status: 'needs-review', reason: expect.stringContaining("no gateway route table sends this subnet's range to an appliance") });
    // With no internet gateway attached to the VPC the address cannot be reached through one: a pass that still names it.
    const noIgw = evaluate({ ...routeTablesEvidence, internetGateways: [] }).find((x) => x.resource === arn('subnet', 'subnet-0inspected'))!;
    expect(noIgw).toMatchObject({ status: 'pass', reason: expect.stringContaining('instance i-0inspected (public 198.51.100.77; private 10.0.4.10) holds addresses named, not judged (no internet gateway in the evidence is attached to vpc-0a1b2c3d)') });
    // Unknown gateways are never a pass.
    const denied = { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } };
    expect(evaluate({ ...routeTablesEvidence, internetGateways: denied }).find((x) => x.resource === arn('subnet', 'subnet-0inspected'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('whether an internet gateway is attached to vpc-0a1b2c3d is unknown') });
  });

  it('a route to a Wavelength carrier gateway is a route out like one to an internet gateway: an instance on a carrier IP fails, one without needs review', () => {
    const r = by('subnet-0wavelength');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('routes 0.0.0.0/0 to carrier gateway cagw-0edge in route table rtb-0wavelength');
    expect(r.reason).toContain('instance i-0edge (carrier IP 155.146.1.10; private 10.0.5.20) can be reached from the carrier network');
    const noCarrierIp = { ...routeTablesEvidence, networkInterfaces: (routeTablesEvidence.networkInterfaces as object[]).map((n) => ((n as { NetworkInterfaceId: string }).NetworkInterfaceId === 'eni-0wavelength' ? { ...n, Association: undefined } : n)) };
    expect(evaluate(noCarrierIp).find((x) => x.resource === arn('subnet', 'subnet-0wavelength'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('instance i-0edge without public addresses') });
  });

  it('reads the Elastic IP of a secondary private address: the instance fails', () => {
    expect(by('subnet-0secondary')).toMatchObject({ status: 'fail', reason: expect.stringContaining('instance i-0secondary (public 203.0.113.99 on private 10.0.6.31; private 10.0.6.30)') });
  });

  it('evidence sealed before prefix lists were read: an internet gateway route to a prefix list makes an address of either family need review', () => {
    const r = by('subnet-0prefixlist');
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain(`pl-0partners (a prefix list: whether it holds IPv4 or IPv6 ranges is not in the evidence, which predates reading prefix lists (DescribeManagedPrefixLists for account ${ACCOUNT} in ${REGION})) to internet gateway igw-0main`);
    expect(r.reason).toContain('reachable only if the prefix list holds ranges of the address\'s family, which the evidence does not show: AWS-managed interface eni-0rdsv6 ("RDSNetworkInterface") managed by amazon-rds (IPv6 2600:1f18:aaaa:bb00::5; private 10.0.7.5)');
    // An instance on a public IPv4 address behind the same route: not a fail on a guessed family, a review.
    const instance = { NetworkInterfaceId: 'eni-0pl', SubnetId: 'subnet-0prefixlist', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'interface', RequesterManaged: false, PrivateIpAddress: '10.0.7.9', Association: { PublicIp: '198.51.100.91' }, Attachment: { InstanceId: 'i-0pl' } };
    const withInstance = evaluate({ ...routeTablesEvidence, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), instance] }).find((x) => x.resource === arn('subnet', 'subnet-0prefixlist'))!;
    expect(withInstance).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('which the evidence does not show: instance i-0pl (public 198.51.100.91; private 10.0.7.9)') });
    expect(withInstance.reason).not.toContain('without public addresses');
  });

  describe('a prefix-list route to an internet gateway counts as a route of the AddressFamily DescribeManagedPrefixLists gives the list', () => {
    const list = (AddressFamily: string) => ({ PrefixListId: 'pl-0partners', PrefixListName: 'partners', AddressFamily, State: 'create-complete', OwnerId: ACCOUNT, MaxEntries: 10, Version: 1 });
    const instance = (extra: object) => ({ NetworkInterfaceId: 'eni-0pl', SubnetId: 'subnet-0prefixlist', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'interface', RequesterManaged: false, PrivateIpAddress: '10.0.7.9', Attachment: { InstanceId: 'i-0pl' }, ...extra });
    const judge = (prefixLists: unknown, ...extra: object[]) =>
      evaluate({ ...routeTablesEvidence, prefixLists, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), ...extra] }).find((x) => x.resource === arn('subnet', 'subnet-0prefixlist'))!;
    const publicV4 = instance({ Association: { PublicIp: '198.51.100.91' } });

    it('an IPv4 list: an instance on a public IPv4 address fails, as behind a CIDR route', () => {
      const r = judge([list('IPv4')], publicV4);
      expect(r.status).toBe('fail');
      expect(r.reason).toContain('routes pl-0partners (prefix list partners, AddressFamily IPv4) to internet gateway igw-0main');
      expect(r.reason).toContain('instance i-0pl (public 198.51.100.91; private 10.0.7.9) can be reached from the internet');
    });

    it('an IPv6 list: an instance with an IPv6 address fails; one on a public IPv4 address only is not routed by it, and needs review', () => {
      expect(judge([list('IPv6')], instance({ Ipv6Addresses: [{ Ipv6Address: '2600:1f18:aaaa:bb00::9' }] }))).toMatchObject({ status: 'fail', reason: expect.stringContaining('instance i-0pl (IPv6 2600:1f18:aaaa:bb00::9; private 10.0.7.9) can be reached from the internet') });
      const v4 = judge([list('IPv6')], publicV4);
      expect(v4.status).toBe('needs-review');
      expect(v4.reason).toContain('instance i-0pl (public 198.51.100.91; private 10.0.7.9) is not routed to a gateway by this table, but internet gateway igw-0main is attached');
      expect(v4.reason).not.toContain('which the evidence does not show');
      // The database's IPv6 address is routed by it: an AWS-managed resource reachable from the internet, named for review.
      expect(judge([list('IPv6')])).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('holds no instance, but AWS-managed interface eni-0rdsv6 ("RDSNetworkInterface") managed by amazon-rds (IPv6 2600:1f18:aaaa:bb00::5; private 10.0.7.5) can be reached from the internet') });
    });

    it('a list that could not be read, or that the listing did not return, keeps its family unknown: needs review, naming why, never a pass', () => {
      const denied = judge({ error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } }, publicV4);
      expect(denied.status).toBe('needs-review');
      expect(denied.reason).toContain(`pl-0partners (a prefix list: whether it holds IPv4 or IPv6 ranges is not in the evidence, as DescribeManagedPrefixLists for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation: You are not authorized to perform this operation.))`);
      expect(denied.reason).toContain('which the evidence does not show: instance i-0pl (public 198.51.100.91; private 10.0.7.9)');
      const absent = judge([{ ...list('IPv4'), PrefixListId: 'pl-0other' }], publicV4);
      expect(absent).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`as the prefix lists read for account ${ACCOUNT} in ${REGION} (DescribeManagedPrefixLists, or AWS Config items) do not include it`) });
      expect(judge([{ ...list('IPv4'), AddressFamily: undefined }], publicV4)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('gives AddressFamily (none)') });
    });
  });

  it('every reason naming a read that failed names the API, the account and the region it was read for', () => {
    const denied = { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } };
    const failed = (api: string) => `${api} for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation: You are not authorized to perform this operation.)`;
    const pl = { NetworkInterfaceId: 'eni-0pl', SubnetId: 'subnet-0prefixlist', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'interface', RequesterManaged: false, PrivateIpAddress: '10.0.7.9', Association: { PublicIp: '198.51.100.91' }, Attachment: { InstanceId: 'i-0pl' } };
    const all = evaluate({ ...routeTablesEvidence, internetGateways: denied, natGateways: denied, prefixLists: denied, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), pl] });
    const reasonOf = (id: string) => all.find((r) => r.resource === arn('subnet', id))!.reason;
    expect(reasonOf('subnet-0inspected')).toContain(`whether an internet gateway is attached to vpc-0a1b2c3d is unknown (${failed('DescribeInternetGateways')})`);
    expect(reasonOf('subnet-0db')).toContain(`0.0.0.0/0 to NAT gateway nat-0egress (${failed('DescribeNatGateways')})`);
    expect(reasonOf('subnet-0prefixlist')).toContain(`pl-0partners (a prefix list: whether it holds IPv4 or IPv6 ranges is not in the evidence, as ${failed('DescribeManagedPrefixLists')})`);
    const noEnis = evaluate({ ...routeTablesEvidence, networkInterfaces: denied });
    for (const id of ['subnet-0app', 'subnet-0db']) expect(noEnis.find((r) => r.resource === arn('subnet', id))?.reason, id).toContain(`but ${failed('DescribeNetworkInterfaces')}, so whether`);
    // Every failure text the evaluation writes carries the place: none is left with a bare "<API> failed".
    for (const r of [...all, ...noEnis]) expect(r.reason, r.resource).not.toMatch(/Describe\w+ failed/);
    expect(evaluate({ subnets: [], routeTables: [] })[0].reason).toContain(`the evidence for account ${ACCOUNT} in ${REGION} lacks one of`);
  });

  it('an Elastic Fabric Adapter of an instance is the instance\'s interface', () => {
    const efa = { NetworkInterfaceId: 'eni-0efa', SubnetId: 'subnet-0public', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'efa', RequesterManaged: false, PrivateIpAddress: '10.0.1.40', Association: { PublicIp: '198.51.100.90' }, Attachment: { InstanceId: 'i-0hpc' } };
    const data = { ...routeTablesEvidence, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), efa] };
    expect(evaluate(data).find((r) => r.resource === arn('subnet', 'subnet-0public'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('instance i-0hpc (public 198.51.100.90') });
  });
});
