import { describe, expect, it } from 'vitest';
import type { AggregateConfigItemsEvidence, ConfigItem } from '../../../src/queries/config/aggregate-items.js';
import { imdsv2, INSTANCE_ITEMS } from '../../../src/queries/ec2/imdsv2.js';
import { networkAcls, NETWORK_ACL_ITEMS } from '../../../src/queries/ec2/network-acls.js';
import { sourceDestCheck, NETWORK_INTERFACE_ITEMS } from '../../../src/queries/ec2/source-dest-check.js';
import { routeTables, ROUTING_ITEMS } from '../../../src/queries/ec2/route-tables.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { adminPortsOpen } from '../../../src/queries/ec2/admin-ports-open.js';
import { securityGroupEgress } from '../../../src/queries/ec2/security-group-egress.js';
import { SECURITY_GROUP_ITEMS } from '../../../src/queries/ec2/security-groups.js';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import { ACCOUNT, REGION, egressAllToPrefixList, egressSplit, halfWorld, networkInterfaces, reservations, sshOpen, sshPrefixList, sshSplitWorld, sshWidePublic } from '../../fixtures/ec2/ec2.js';
import { networkAclsEvidence, routeTablesEvidence } from '../../fixtures/ec2/network.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };
const CAPTURED = '2026-12-03T05:45:00.000Z';

/** CI rows as SelectAggregateResourceConfig returns them (JSON text), in AWS Config's key case. */
function evidence(resourceTypes: readonly string[], items: ConfigItem[]): AggregateConfigItemsEvidence {
  return { aggregator: { name: 'org-aggregator', accountId: '999988887777', region: REGION }, expression: `SELECT ... WHERE resourceType = '${resourceTypes[0]}'`, resourceTypes: [...resourceTypes], results: items.map((i) => JSON.stringify(i)) };
}

const ci = (resourceType: string, resourceId: string, kind: string, configuration: Record<string, unknown> | null, status = 'OK'): ConfigItem =>
  ({ accountId: ACCOUNT, awsRegion: REGION, resourceType, resourceId, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:${kind}/${resourceId}`, configurationItemCaptureTime: CAPTURED, configurationItemStatus: status, configuration }) as ConfigItem;

/** An API object in AWS Config's key case (the Java SDK's bean names). */
function recorded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(recorded);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), recorded(x)]));
  return v;
}

const verdicts = (rs: ResourceResult[]) => Object.fromEntries(rs.map((r) => [r.resource, r.status]));

describe('ec2.imdsv2 through AWS::EC2::Instance configuration items', () => {
  // An Instance CI as AWS Config records it: bean names, dates as text, absent fields as null. A terminated instance's CI
  // is ResourceDeleted and the aggregator read leaves it out, so the evidence holds the other three of the fixture's four.
  const instance = (id: string, name: string, state: [number, string], tokens: string, endpoint = 'enabled') =>
    ci('AWS::EC2::Instance', id, 'instance', {
      instanceId: id,
      instanceType: 't3.medium',
      imageId: 'ami-0abcdef1234567890',
      launchTime: '2025-01-10T08:00:00.000Z',
      kernelId: null,
      platform: null,
      publicIpAddress: null,
      state: { code: state[0], name: state[1] },
      tags: [{ key: 'Name', value: name }],
      metadataOptions: { state: 'applied', httpTokens: tokens, httpPutResponseHopLimit: tokens === 'required' ? 2 : 1, httpEndpoint: endpoint, httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled' },
    });
  const items = [
    instance('i-0aaaaaaaaaaaaaaa1', 'api-1', [16, 'running'], 'required'),
    instance('i-0aaaaaaaaaaaaaaa2', 'legacy-batch', [16, 'running'], 'optional'),
    instance('i-0aaaaaaaaaaaaaaa4', 'appliance', [80, 'stopped'], 'optional', 'disabled'),
  ];
  const fromItems = imdsv2.evaluate(evidence(INSTANCE_ITEMS.resourceTypes, items), {}, ctx);

  it('judges the recorded instances exactly as DescribeInstances evidence: IMDSv1 fails, the endpoint turned off passes', () => {
    expect(verdicts(fromItems)).toEqual(verdicts(imdsv2.evaluate({ reservations }, {}, ctx)));
    expect(verdicts(fromItems)).toEqual({
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa1`]: 'pass',
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa2`]: 'fail',
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaaaaaaaaaaaaaa4`]: 'pass',
    });
  });

  it('says the configuration is what AWS Config recorded, not a live read', () => {
    const legacy = fromItems.find((r) => r.resource.endsWith('i-0aaaaaaaaaaaaaaa2'))!;
    expect(legacy.reason).toContain('instance i-0aaaaaaaaaaaaaaa2 (legacy-batch) (running) accepts IMDSv1');
    expect(legacy.reason).toContain(`the configuration AWS Config recorded (captured ${CAPTURED}), not a live read`);
  });

  it('a shutting-down instance is skipped as in DescribeInstances; a CI without metadata options is an error, never a pass', () => {
    const going = instance('i-0aaaaaaaaaaaaaaa5', 'going', [32, 'shutting-down'], 'optional');
    const bare = ci('AWS::EC2::Instance', 'i-0aaaaaaaaaaaaaaa6', 'instance', { instanceId: 'i-0aaaaaaaaaaaaaaa6', state: { code: 16, name: 'running' }, metadataOptions: null });
    expect(imdsv2.evaluate(evidence(INSTANCE_ITEMS.resourceTypes, [going, bare]), {}, ctx).map((r) => [r.resource.split('/')[1], r.status])).toEqual([['i-0aaaaaaaaaaaaaaa6', 'error']]);
  });
});

describe('ec2.network-acls through AWS::EC2::NetworkAcl configuration items', () => {
  // The fixture's ACLs recorded by AWS Config: lower-case keys, absent port ranges and CIDR families as null.
  const items = networkAclsEvidence.networkAcls.map((acl) => {
    const c = recorded(acl) as Record<string, unknown> & { entries: Record<string, unknown>[] };
    c.entries = c.entries.map((e) => ({ cidrBlock: null, ipv6CidrBlock: null, portRange: null, icmpTypeCode: null, ...e }));
    return ci('AWS::EC2::NetworkAcl', acl.NetworkAclId!, 'network-acl', c);
  });
  const params = { adminPorts: ['22', '3389'] };
  const fromItems = networkAcls.evaluate(evidence(NETWORK_ACL_ITEMS.resourceTypes, items), params, ctx);

  it('gives every ACL the status DescribeNetworkAcls evidence gives it, including the failing default ACL', () => {
    const native = networkAcls.evaluate(networkAclsEvidence, params, ctx);
    expect(verdicts(fromItems)).toEqual(verdicts(native));
    expect(Object.values(verdicts(fromItems))).toContain('fail');
    // A null port range is "all ports", as an absent one is: the reasons name the same rules.
    for (const r of native) expect(fromItems.find((x) => x.resource === r.resource)!.reason.startsWith(r.reason)).toBe(true);
  });
});

describe('security-group checks through AWS::EC2::SecurityGroup configuration items', () => {
  // AWS Config records a rule's CIDR objects as ipv4Ranges (the bare CIDRs again as ipRanges) and prefix lists as prefixListIds.
  const item = (g: SecurityGroup) => {
    const rule = (p: Record<string, unknown>) => {
      const { ipRanges, ...rest } = p as { ipRanges?: { cidrIp: string }[] };
      return { ...rest, ipv4Ranges: ipRanges ?? [], ipRanges: (ipRanges ?? []).map((r) => r.cidrIp) };
    };
    const c = recorded(g) as Record<string, unknown> & { ipPermissions: Record<string, unknown>[]; ipPermissionsEgress: Record<string, unknown>[] };
    return ci('AWS::EC2::SecurityGroup', g.GroupId!, 'security-group', { ...c, ipPermissions: c.ipPermissions.map(rule), ipPermissionsEgress: c.ipPermissionsEgress.map(rule) });
  };
  const groups = [sshOpen, sshSplitWorld, halfWorld, sshWidePublic, sshPrefixList, egressSplit, egressAllToPrefixList];
  const items = evidence(SECURITY_GROUP_ITEMS.resourceTypes, groups.map(item));

  it('split ranges, wide public ranges and prefix lists get the statuses DescribeSecurityGroups evidence gets', () => {
    for (const q of [adminPortsOpen, securityGroupEgress]) {
      const params = Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
      const native = q.evaluate({ securityGroups: groups }, params, ctx);
      expect(verdicts(q.evaluate(items, params, ctx))).toEqual(verdicts(native));
    }
    const admin = verdicts(adminPortsOpen.evaluate(items, { adminPorts: ['22', '3389'] }, ctx));
    expect(Object.values(admin)).toEqual(['fail', 'fail', 'needs-review', 'needs-review', 'needs-review', 'pass', 'pass']);
    expect(Object.values(verdicts(securityGroupEgress.evaluate(items, {}, ctx))).slice(-2)).toEqual(['fail', 'needs-review']);
  });
});

describe('ec2.source-dest-check through AWS::EC2::NetworkInterface configuration items', () => {
  const eni = (id: string, type: string, managed: boolean, check: boolean | null, instance?: string, description = '') =>
    ci('AWS::EC2::NetworkInterface', id, 'network-interface', {
      networkInterfaceId: id,
      interfaceType: type,
      ownerId: ACCOUNT,
      description,
      requesterId: null,
      requesterManaged: managed,
      sourceDestCheck: check,
      association: null,
      attachment: instance ? { attachmentId: `eni-attach-${id.slice(4)}`, deviceIndex: 0, instanceId: instance, instanceOwnerId: ACCOUNT, status: 'attached' } : null,
      tagSet: [],
    });
  const items = [
    eni('eni-0aaa1111bbbb2222c', 'interface', false, true, 'i-0aaa1111bbbb2222c'),
    eni('eni-0ddd3333eeee4444f', 'interface', false, false, 'i-0ddd3333eeee4444f'),
    eni('eni-0fff5555aaaa6666b', 'natGateway', true, false, undefined, 'Interface for NAT Gateway nat-0123456789abcdef0'),
  ];
  const fromItems = sourceDestCheck.evaluate(evidence(NETWORK_INTERFACE_ITEMS.resourceTypes, items), {}, ctx);

  it('judges recorded interfaces as DescribeNetworkInterfaces evidence: check off needs review, AWS-managed is not applicable', () => {
    expect(verdicts(fromItems)).toEqual(verdicts(sourceDestCheck.evaluate({ networkInterfaces }, {}, ctx)));
    expect(fromItems.map((r) => r.status)).toEqual(['pass', 'needs-review', 'not-applicable']);
    expect(fromItems[1].reason).toContain('network interface eni-0ddd3333eeee4444f of instance i-0ddd3333eeee4444f has source/destination checking off');
    // An instance's interface is in scope with its instance; a NAT gateway's has no instance.
    expect(fromItems[1].parent).toEqual({ resource: `arn:aws:ec2:${ctx.region}:${ACCOUNT}:instance/i-0ddd3333eeee4444f`, resourceType: 'AWS::EC2::Instance' });
    expect(fromItems[2].parent).toBeUndefined();
  });

  it('a recorded null source/destination check is unknown: an error, never a pass', () => {
    const r = sourceDestCheck.evaluate(evidence(NETWORK_INTERFACE_ITEMS.resourceTypes, [eni('eni-0bbb', 'interface', false, null, 'i-0bbb')]), {}, ctx);
    expect(r.map((x) => x.status)).toEqual(['error']);
  });

  it("refuses a CI of another account's interface in this member's evidence", () => {
    const other = { ...items[0], accountId: '444455556666' };
    expect(sourceDestCheck.evaluate(evidence(NETWORK_INTERFACE_ITEMS.resourceTypes, [other]), {}, ctx).map((x) => x.status)).toEqual(['error']);
  });
});

describe('ec2.route-tables through Subnet, RouteTable, InternetGateway, NatGateway and NetworkInterface configuration items', () => {
  const e = routeTablesEvidence as { subnets: Record<string, unknown>[]; routeTables: Record<string, unknown>[]; internetGateways: Record<string, unknown>[]; natGateways: Record<string, unknown>[]; networkInterfaces: Record<string, unknown>[] };
  // The schema records no subnetArn (the item's arn names the subnet) and a NAT gateway's state as state.value.
  const subnets = e.subnets.map(({ SubnetArn: _a, ...s }) => ci('AWS::EC2::Subnet', s.SubnetId as string, 'subnet', recorded(s) as Record<string, unknown>));
  const tables = e.routeTables.map((t) => ci('AWS::EC2::RouteTable', t.RouteTableId as string, 'route-table', recorded(t) as Record<string, unknown>));
  const igws = e.internetGateways.map((g) => ci('AWS::EC2::InternetGateway', g.InternetGatewayId as string, 'internet-gateway', recorded(g) as Record<string, unknown>));
  const nats = e.natGateways.map(({ State, ...n }) => ci('AWS::EC2::NatGateway', n.NatGatewayId as string, 'natgateway', { ...(recorded(n) as Record<string, unknown>), state: { value: State } }));
  const enis = e.networkInterfaces.map((n) => ci('AWS::EC2::NetworkInterface', n.NetworkInterfaceId as string, 'network-interface', { association: null, attachment: null, ...(recorded(n) as Record<string, unknown>) }));
  const judge = (items: ConfigItem[]) => routeTables.evaluate(evidence(ROUTING_ITEMS.resourceTypes, items), {}, ctx);
  const subnet = (rs: ResourceResult[], id: string) => rs.find((r) => r.resource === `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${id}`)!;

  it('gives every subnet the status the five Describe responses give it, naming the NAT gateway state', () => {
    const fromItems = judge([...subnets, ...tables, ...igws, ...nats, ...enis]);
    expect(verdicts(fromItems)).toEqual(verdicts(routeTables.evaluate(routeTablesEvidence, {}, ctx)));
    expect(subnet(fromItems, 'subnet-0app').status).toBe('fail');
    expect(subnet(fromItems, 'subnet-0db').reason).toContain('NAT gateway nat-0egress (available, in subnet-0public, public 203.0.113.7)');
  });

  it('without interface items the instances are unknown, not absent: the subnets of a VPC with an internet gateway are errors, never passes', () => {
    const rs = judge([...subnets, ...tables, ...igws, ...nats]);
    expect(subnet(rs, 'subnet-0app')).toMatchObject({ status: 'error', reason: expect.stringContaining(`but for account ${ACCOUNT} in ${REGION}, AWS Config holds no network interface item (the recorder may not record AWS::EC2::NetworkInterface)`) });
    expect(subnet(rs, 'subnet-0public').status).toBe('error');
    // The gateway would pass internet traffic to a public address in the private subnet too, whose interfaces are unknown.
    expect(subnet(rs, 'subnet-0db')).toMatchObject({ status: 'error', reason: expect.stringContaining('internet gateway igw-0main attached to vpc-0a1b2c3d') });
  });

  it('a public address without any internet gateway item means gateways are not recorded, not that none is attached', () => {
    // No route or gateway route table names the gateway, so only the public address shows one must exist.
    const rs = judge([...subnets, ...tables.filter((t) => t.resourceId === 'rtb-0inspected'), ...nats, ...enis]);
    expect(subnet(rs, 'subnet-0inspected')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`(for account ${ACCOUNT} in ${REGION}, AWS Config holds no internet gateway item though`) });
  });

  it('route tables associated with subnets but no subnet item: an error, not "no subnets"', () => {
    expect(judge([...tables, ...igws, ...nats, ...enis]).map((r) => r.status)).toEqual(['error']);
  });

  it('a prefix-list route takes the AddressFamily of the AWS::EC2::PrefixList item, judged as DescribeManagedPrefixLists evidence is; no item keeps it unknown', () => {
    // The resource schema records a prefix list in CloudFormation's case (configuration.AddressFamily), not in bean names.
    const list = { PrefixListId: 'pl-0partners', PrefixListName: 'partners', AddressFamily: 'IPv4', OwnerId: ACCOUNT, MaxEntries: 10, Version: 1 };
    const listItem = ci('AWS::EC2::PrefixList', 'pl-0partners', 'prefix-list', { ...list, Arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:prefix-list/pl-0partners`, Entries: [{ Cidr: '192.0.2.0/24' }] });
    const eni = { NetworkInterfaceId: 'eni-0pl', SubnetId: 'subnet-0prefixlist', VpcId: 'vpc-0a1b2c3d', InterfaceType: 'interface', RequesterManaged: false, PrivateIpAddress: '10.0.7.9', Association: { PublicIp: '198.51.100.91' }, Attachment: { InstanceId: 'i-0pl' } };
    const eniItem = ci('AWS::EC2::NetworkInterface', 'eni-0pl', 'network-interface', recorded(eni) as Record<string, unknown>);
    const direct = (prefixLists: unknown[]) => routeTables.evaluate({ ...routeTablesEvidence, prefixLists, networkInterfaces: [...(routeTablesEvidence.networkInterfaces as object[]), eni] } as never, {}, ctx);
    const withList = judge([...subnets, ...tables, ...igws, ...nats, ...enis, eniItem, listItem]);
    expect(verdicts(withList)).toEqual(verdicts(direct([list])));
    expect(subnet(withList, 'subnet-0prefixlist')).toMatchObject({ status: 'fail', reason: expect.stringContaining('pl-0partners (prefix list partners, AddressFamily IPv4) to internet gateway igw-0main') });
    const withoutList = judge([...subnets, ...tables, ...igws, ...nats, ...enis, eniItem]);
    expect(verdicts(withoutList)).toEqual(verdicts(direct([])));
    expect(subnet(withoutList, 'subnet-0prefixlist')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('do not include it') });
  });

  it('an active route to an internet gateway AWS Config holds no item of still counts as a route to the internet', () => {
    const rs = judge([...subnets, ...tables, ...nats, ...enis]);
    expect(subnet(rs, 'subnet-0app').status).toBe('fail');
    expect(subnet(rs, 'subnet-0batch').status).toBe('needs-review');
  });
});
