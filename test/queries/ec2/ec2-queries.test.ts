import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/ec2/index.js';
import { adminPortsOpen, openedPorts, portListParam } from '../../../src/queries/ec2/admin-ports-open.js';
import { defaultSecurityGroup } from '../../../src/queries/ec2/default-security-group.js';
import { ebsDefaultEncryption } from '../../../src/queries/ec2/ebs-default-encryption.js';
import { imdsv2 } from '../../../src/queries/ec2/imdsv2.js';
import { securityGroupEgress } from '../../../src/queries/ec2/security-group-egress.js';
import { sourceDestCheck } from '../../../src/queries/ec2/source-dest-check.js';
import { ebsEncryption } from '../../../src/queries/ec2/ebs-encryption.js';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import {
  ACCOUNT,
  REGION,
  allOpen,
  defaultLocked,
  defaultWithRules,
  ebsOff,
  ebsOn,
  egressHttpsOnly,
  egressAllToPrefixList,
  egressPrefixList,
  egressSplit,
  halfWorld,
  networkInterfaces,
  rdpPrivate,
  rdpRangeV6,
  reservations,
  sgArn,
  snapshots,
  sshOpen,
  sshPrefixList,
  sshSplitWorld,
  sshWidePublic,
  volumes,
  webGroup,
} from '../../fixtures/ec2/ec2.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('EC2 query registry', () => {
  it('registers the ten EC2 queries with the admin port defaults', () => {
    expect(queries.map((q) => q.id).sort()).toEqual([
      'ec2.admin-ports-open',
      'ec2.default-security-group',
      'ec2.ebs-default-encryption',
      'ec2.ebs-encryption',
      'ec2.flow-logs',
      'ec2.imdsv2',
      'ec2.network-acls',
      'ec2.route-tables',
      'ec2.security-group-egress',
      'ec2.source-dest-check',
    ]);
    expect(portListParam(adminPortsOpen.parameters?.adminPorts.default, [])).toEqual([22, 3389, 3306, 5432, 1433, 1521, 5985, 5986, 23, 21, 27017, 6379, 9200, 9300, 445]);
    expect(portListParam('22, 3389', [])).toEqual([22, 3389]);
  });
});

describe('ec2.admin-ports-open', () => {
  it('fails groups opening admin ports to 0.0.0.0/0 or ::/0 and passes the rest', () => {
    const results = evaluateBoth(adminPortsOpen, { securityGroups: [sshOpen, rdpRangeV6, webGroup, allOpen] });
    expect(statusOf(results)).toEqual({
      [sgArn(sshOpen.GroupId!)]: 'fail',
      [sgArn(rdpRangeV6.GroupId!)]: 'fail',
      [sgArn(webGroup.GroupId!)]: 'pass',
      [sgArn(allOpen.GroupId!)]: 'fail',
    });
    expect(results[0].reason).toContain('tcp 22 from 0.0.0.0/0 (admin port 22)');
    expect(results[1].reason).toContain('tcp 3000-4000 from ::/0 (admin ports 3389, 3306)');
  });
  it('the default ports include the MongoDB, Redis, Elasticsearch/OpenSearch and SMB listeners', () => {
    const nosql = { ...sshOpen, GroupId: 'sg-0a1111111111111aa', IpPermissions: [27017, 6379, 9200, 9300, 445].map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })) };
    const [r] = evaluateBoth(adminPortsOpen, { securityGroups: [nosql] });
    expect(r.status).toBe('fail');
    for (const port of [27017, 6379, 9200, 9300, 445]) expect(r.reason).toContain(`tcp ${port} from 0.0.0.0/0 (admin port ${port})`);
  });
  it('uses the adminPorts parameter', () => {
    expect(statusOf(evaluateBoth(adminPortsOpen, { securityGroups: [webGroup] }, { adminPorts: ['443'] }))).toEqual({ [sgArn(webGroup.GroupId!)]: 'fail' });
    expect(statusOf(evaluateBoth(adminPortsOpen, { securityGroups: [sshOpen] }, { adminPorts: ['3389'] }))).toEqual({ [sgArn(sshOpen.GroupId!)]: 'pass' });
  });
  it('adds up a group\'s ranges: 0.0.0.0/1 + 128.0.0.0/1 (or ::/1 + 8000::/1 across two rules) is every address and fails', () => {
    const [r] = evaluateBoth(adminPortsOpen, { securityGroups: [sshSplitWorld] });
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('tcp 22 from 0.0.0.0/1 and 128.0.0.0/1 (admin port 22) (together every public IPv4 address)');
    expect(r.reason).toContain('tcp 22 from ::/1 (admin port 22); all traffic from 8000::/1 (admin port 22) (together every public IPv6 address)');
    expect(r.reason).toContain('also to review: all traffic from 8000::/1 (admin ports 3389, 3306');
    expect(r.reason).toContain('about 2^126 public IPv6 addresses, more than one /48');
  });
  it('needs review for a public source wider than one /24 and for a prefix list whose entries the evidence lacks', () => {
    const r = evaluateBoth(adminPortsOpen, { securityGroups: [halfWorld, sshWidePublic, sshPrefixList, rdpPrivate] });
    expect(statusOf(r)).toEqual({
      [sgArn(halfWorld.GroupId!)]: 'needs-review',
      [sgArn(sshWidePublic.GroupId!)]: 'needs-review',
      [sgArn(sshPrefixList.GroupId!)]: 'needs-review',
      [sgArn(rdpPrivate.GroupId!)]: 'needs-review',
    });
    expect(r[0].reason).toContain('all traffic from 0.0.0.0/1 (admin ports 22, 3389');
    expect(r[0].reason).toContain('up to 2126512128 public IPv4 addresses, more than one /24 (parameter widePublicPrefix)');
    expect(r[1].reason).toContain('tcp 22 from 198.18.0.0/16 (admin port 22): up to 65536 public IPv4 addresses');
    expect(r[1].reason).not.toContain('10.0.0.0/8');
    expect(r[2].reason).toContain('tcp 22 from prefix list pl-0e0e0e0e0e0e0e0e0 (admin port 22): the list\'s entries are not in the evidence');
    // rdp-private admits RDP from the bastion group, which this evidence does not hold: not cleared.
    expect(r[3].reason).toContain('tcp 3389 from security group sg-0a11111111111111a (admin port 3389): not among this account\'s security groups');
    // The bound is a parameter: with /16 allowed, the /16 office range passes (its RDP source group is in the evidence).
    expect(evaluateBoth(adminPortsOpen, { securityGroups: [sshWidePublic, webGroup] }, { widePublicPrefix: 16 })[0].status).toBe('pass');
  });
  it('ec2.security-group-egress names the account of a destination group owned by another account, and never passes it', () => {
    const crossAccount: SecurityGroup = {
      ...egressHttpsOnly,
      IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0fedcba987654321f', UserId: '444455556666', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718' }] }],
    };
    const [r] = evaluateBoth(securityGroupEgress, { securityGroups: [crossAccount] });
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('tcp 5432 to sg-0fedcba987654321f of account 444455556666 through pcx-0a1b2c3d4e5f60718') });
    // That account decides where the rule lets traffic go (this evidence predates the stale read: no answer from AWS).
    expect(r.reason).toContain('tcp 5432 to security group sg-0fedcba987654321f of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718: that account decides which network interfaces hold the group, so where it lets traffic go is not in this evidence');
  });
  it('follows a rule whose source is another security group one hop, naming what it cannot clear', () => {
    const arnOf = (g: SecurityGroup) => sgArn(g.GroupId!);
    // The bastion itself admits SSH from every address: RDP from it is one hop from the internet.
    const viaOpenBastion = evaluateBoth(adminPortsOpen, { securityGroups: [sshOpen, rdpPrivate] });
    expect(statusOf(viaOpenBastion)).toEqual({ [arnOf(sshOpen)]: 'fail', [arnOf(rdpPrivate)]: 'needs-review' });
    expect(viaOpenBastion[1].reason).toContain('tcp 3389 from security group sg-0a11111111111111a (bastion) in vpc-0a1b2c3d (admin port 3389), which itself admits every public address on an administration port');
    // A bastion admitting the office only: the reference is resolved and named.
    const officeBastion: SecurityGroup = { ...sshOpen, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }] };
    const viaOffice = evaluateBoth(adminPortsOpen, { securityGroups: [officeBastion, rdpPrivate] });
    expect(statusOf(viaOffice)).toEqual({ [arnOf(sshOpen)]: 'pass', [arnOf(rdpPrivate)]: 'pass' });
    expect(viaOffice[1].reason).toContain('it admits them from security groups of this account: tcp 3389 from security group sg-0a11111111111111a (bastion) in vpc-0a1b2c3d');
    // A default group admitting its own members.
    expect(evaluateBoth(adminPortsOpen, { securityGroups: [defaultWithRules] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('all traffic from its own members') });
    // Another account's group through VPC peering, and a reference the region's groups do not hold.
    const peered: SecurityGroup = {
      ...rdpPrivate,
      GroupId: 'sg-0a1111111111111a0',
      GroupName: 'peered-admin',
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0fedcba987654321f', UserId: '444455556666', VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'active' }] },
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0deadbeef0000000d', UserId: ACCOUNT }] },
        // Not an administration port: not judged.
        { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-0beefbeef0000000b', UserId: '999988887777' }] },
      ],
    };
    const [r] = evaluateBoth(adminPortsOpen, { securityGroups: [peered] });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('tcp 22 from security group sg-0fedcba987654321f of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (active) (admin port 22): that account decides which network interfaces hold the group');
    expect(r.reason).toContain('tcp 5432 from security group sg-0deadbeef0000000d (admin port 5432): not among this account\'s security groups in the region\'s evidence (a stale reference');
    expect(r.reason).not.toContain('999988887777');
  });
  it('an adminPorts value that names no port, or an entry that is not a port, is an error naming the parameter, never a pass', () => {
    for (const adminPorts of [['ssh', 'rdp'], [], ['22', 'ssh']]) {
      const r = evaluateBoth(adminPortsOpen, { securityGroups: [allOpen] }, { adminPorts });
      expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringContaining('parameter adminPorts of ec2.admin-ports-open') })]);
    }
    expect(evaluateBoth(adminPortsOpen, { securityGroups: [allOpen] }, { widePublicPrefix: 40 })[0]).toMatchObject({ status: 'error', reason: expect.stringContaining('parameter widePublicPrefix') });
  });
  it('reads protocol -1 and -1 port ranges as every port, and icmp as none', () => {
    expect(openedPorts({ IpProtocol: 'tcp', FromPort: -1, ToPort: -1 }, [22])).toEqual([22]);
    expect(openedPorts({ IpProtocol: 'icmp', FromPort: -1, ToPort: -1 }, [22])).toEqual([]);
  });
  it('is not applicable without groups and errors without a response', () => {
    expect(statusOf(evaluateBoth(adminPortsOpen, { securityGroups: [] }))).toEqual({ account: 'not-applicable' });
    expect(statusOf(evaluateBoth(adminPortsOpen, {}))).toEqual({ account: 'error' });
  });
});

describe('ec2.default-security-group', () => {
  it('fails a default group with rules and passes an empty one', () => {
    const results = evaluateBoth(defaultSecurityGroup, { filters: [{ Name: 'group-name', Values: ['default'] }], securityGroups: [defaultWithRules, defaultLocked] });
    expect(statusOf(results)).toEqual({ [sgArn(defaultWithRules.GroupId!)]: 'fail', [sgArn(defaultLocked.GroupId!)]: 'pass' });
    expect(results[0].reason).toContain('1 inbound rule(s) (all traffic) and 1 outbound rule(s) (all traffic)');
  });
});

describe('ec2.ebs-default-encryption', () => {
  it('passes when on and fails when off', () => {
    expect(evaluateBoth(ebsDefaultEncryption, ebsOn)[0].status).toBe('pass');
    expect(evaluateBoth(ebsDefaultEncryption, ebsOff)[0]).toMatchObject({ status: 'fail', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:ebs-encryption-by-default` });
    expect(evaluateBoth(ebsDefaultEncryption, {})[0].status).toBe('error');
  });
});

describe('ec2.imdsv2', () => {
  it('fails IMDSv1 instances, passes required tokens or a disabled endpoint, and skips terminated ones', () => {
    const arn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
    const results = evaluateBoth(imdsv2, { reservations });
    expect(statusOf(results)).toEqual({ [arn('i-0aaaaaaaaaaaaaaa1')]: 'pass', [arn('i-0aaaaaaaaaaaaaaa2')]: 'fail', [arn('i-0aaaaaaaaaaaaaaa4')]: 'pass' });
    expect(results[1].reason).toContain('legacy-batch');
    expect(statusOf(evaluateBoth(imdsv2, { reservations: [] }))).toEqual({ account: 'not-applicable' });
  });
});

describe('ec2.security-group-egress (1.3.2: every group, not only the default one)', () => {
  it('fails allow-all outbound on any group, needs review for ports open to anywhere or to an unread prefix list, passes no rules', () => {
    const r = evaluateBoth(securityGroupEgress, { securityGroups: [webGroup, egressHttpsOnly, egressPrefixList, defaultLocked] });
    expect(statusOf(r)).toEqual({
      [sgArn(webGroup.GroupId!)]: 'fail',
      [sgArn(egressHttpsOnly.GroupId!)]: 'needs-review',
      // A rule to a prefix list whose entries the evidence does not hold: where it lets traffic go is unknown.
      [sgArn(egressPrefixList.GroupId!)]: 'needs-review',
      [sgArn(defaultLocked.GroupId!)]: 'pass',
    });
    expect(r[0].reason).toContain('allows all outbound traffic to 0.0.0.0/0');
    expect(r[1].reason).toContain('tcp 443 to any address');
    expect(r[2].reason).toContain('pl-63a5400a');
  });
  it('all traffic to 0.0.0.0/1 + 128.0.0.0/1 is allow-all and fails; all traffic to a prefix list or half the internet needs review', () => {
    const halfOut = { ...egressSplit, GroupId: 'sg-0b88888888888888e', IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '128.0.0.0/1' }] }] };
    const httpsSplit = { ...egressSplit, GroupId: 'sg-0b88888888888888f', IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '::/1' }] }, { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '8000::/1' }] }] };
    const r = evaluateBoth(securityGroupEgress, { securityGroups: [egressSplit, egressAllToPrefixList, halfOut, httpsSplit] });
    expect(r.map((x) => x.status)).toEqual(['fail', 'needs-review', 'needs-review', 'needs-review']);
    expect(r[0].reason).toContain('allows all outbound traffic to 0.0.0.0/1 and 128.0.0.0/1 (together every public address)');
    expect(r[1].reason).toContain("all traffic to prefix list pl-0f0f0f0f0f0f0f0f0 (the list's entries are not in the evidence");
    expect(r[2].reason).toContain('all traffic to 128.0.0.0/1 (2146304000 public IPv4 addresses, more than one /24)');
    expect(r[3].reason).toContain('tcp 443 to any address');
  });
  it('is an error without the evidence and not applicable without groups', () => {
    expect(statusOf(evaluateBoth(securityGroupEgress, {}))).toEqual({ account: 'error' });
    expect(statusOf(evaluateBoth(securityGroupEgress, { securityGroups: [] }))).toEqual({ account: 'not-applicable' });
  });
});

describe('ec2.source-dest-check (1.4.3)', () => {
  it('passes checked interfaces, asks review for an unchecked one, and leaves AWS-managed interfaces out', () => {
    const r = evaluateBoth(sourceDestCheck, { networkInterfaces });
    expect(r.map((x) => x.status)).toEqual(['pass', 'needs-review', 'not-applicable']);
    expect(r[1].reason).toContain('NAT or firewall appliance');
    expect(r[0].resource).toBe(`arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0aaa1111bbbb2222c`);
  });
});

describe('ec2.ebs-encryption (3.5.1: existing volumes and snapshots, not only the default for new ones)', () => {
  it('fails an unencrypted volume and snapshot even where encryption by default is on', () => {
    expect(evaluateBoth(ebsDefaultEncryption, ebsOn)[0].status).toBe('pass');
    const r = evaluateBoth(ebsEncryption, { volumes, snapshots });
    expect(statusOf(r)).toEqual({
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0aaa1111bbbb2222c`]: 'pass',
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0ddd3333eeee4444f`]: 'fail',
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:snapshot/snap-0aaa1111bbbb2222c`]: 'pass',
      [`arn:aws:ec2:${REGION}:${ACCOUNT}:snapshot/snap-0ddd3333eeee4444f`]: 'fail',
    });
    expect(r[0].reason).toContain('key/1234abcd');
    expect(r[1].reason).toContain('not attached');
  });
  it('needs review when a volume or snapshot is encrypted with a key of another account, naming it', () => {
    const foreign = 'arn:aws:kms:us-east-1:999988887777:key/abcd';
    const r = evaluateBoth(ebsEncryption, { volumes: [{ ...volumes[0], KmsKeyId: foreign }], snapshots: [{ ...snapshots[0], KmsKeyId: foreign }] });
    expect(r.map((x) => x.status)).toEqual(['needs-review', 'needs-review']);
    expect(r[0].reason).toContain('a key of another account (999988887777)');
    expect(r[1].reason).toMatch(/^EBS snapshot snap-0aaa1111bbbb2222c of volume \S+ is encrypted with KMS key arn:aws:kms:us-east-1:999988887777:key\/abcd, a key of another account/);
    expect(r[0].reason).toContain('can disable or delete the key');
  });
  it('is an error without the evidence and not applicable with nothing stored', () => {
    expect(statusOf(evaluateBoth(ebsEncryption, { volumes: [] }))).toEqual({ account: 'error' });
    expect(statusOf(evaluateBoth(ebsEncryption, { volumes: [], snapshots: [] }))).toEqual({ account: 'not-applicable' });
  });
});
