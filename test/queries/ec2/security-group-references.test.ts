import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { adminPortsOpen } from '../../../src/queries/ec2/admin-ports-open.js';
import { securityGroupEgress } from '../../../src/queries/ec2/security-group-egress.js';
import { namedPrefixLists, vpcsWithUnresolvedReferences, type SecurityGroupReferencesEvidence } from '../../../src/queries/ec2/security-groups.js';
import type { ManagedPrefixList, SecurityGroup } from '@aws-sdk/client-ec2';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, rdpPrivate, sgArn, sshOpen, webGroup } from '../../fixtures/ec2/ec2.js';
import {
  contractorEntries,
  corpAdminEntries,
  describedLists,
  egressAllToContractors,
  egressAllToCorp,
  egressAllToS3,
  egressHttpsToContractors,
  egressToOperators,
  egressToPeers,
  reporting,
  sshFromContractors,
  sshFromCorp,
  sshFromS3,
  sshFromUnknownList,
  staleInVpc,
  VPC,
} from '../../fixtures/ec2/references.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-01T00:00:00.000Z' };
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

/** Evaluates fresh and after the canonical-JSON round trip the pipeline applies; both must agree. */
function evaluate(q: EvidenceQuery<unknown>, data: unknown): ResourceResult[] {
  const p = defaultsOf(q) as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(JSON.parse(canonicalJson(data)), p, ctx)).toEqual(fresh);
  return fresh;
}

const refs: SecurityGroupReferencesEvidence = {
  prefixLists: describedLists.PrefixLists!,
  prefixListEntries: { 'pl-0c0c0c0c0c0c0c0c1': corpAdminEntries.Entries!, 'pl-0c0c0c0c0c0c0c0c2': contractorEntries.Entries! },
  staleSecurityGroups: { [VPC]: staleInVpc.StaleSecurityGroupSet! },
};
const one = (q: EvidenceQuery<unknown>, g: SecurityGroup, r: SecurityGroupReferencesEvidence = refs) => evaluate(q, { securityGroups: [g], ...r })[0];

describe('what security-group rules name: which lists and VPCs are read', () => {
  it('names every prefix list of inbound and outbound rules, and the VPCs of groups with a reference the listing does not hold', () => {
    expect(namedPrefixLists([sshFromCorp, egressAllToS3, sshFromCorp])).toEqual(['pl-0c0c0c0c0c0c0c0c1', 'pl-63a5400a']);
    expect(vpcsWithUnresolvedReferences([reporting])).toEqual([VPC]);
    // The bastion rdpPrivate names is in the listing: nothing to ask AWS about.
    expect(vpcsWithUnresolvedReferences([sshOpen, rdpPrivate, webGroup])).toEqual([]);
    // Outbound rules count too: one DescribeStaleSecurityGroups of the VPC answers for both directions.
    expect(vpcsWithUnresolvedReferences([egressToPeers, sshFromCorp])).toEqual([VPC]);
    expect(vpcsWithUnresolvedReferences([egressToOperators, sshFromCorp])).toEqual([]);
  });
});

describe('ec2.admin-ports-open: prefix lists judged by what they hold', () => {
  it('fails a customer-managed list holding 0.0.0.0/0 like the CIDR itself, naming the list', () => {
    const r = one(adminPortsOpen, sshFromContractors);
    expect(r).toMatchObject({ resource: sgArn('sg-0a1111111111111c2'), status: 'fail' });
    expect(r.reason).toContain('tcp 22 from 192.0.2.0/24 in prefix list pl-0c0c0c0c0c0c0c0c2 (contractors) and 0.0.0.0/0 in prefix list pl-0c0c0c0c0c0c0c0c2 (contractors) (admin port 22)');
  });
  it('passes a customer-managed list of narrow networks, listing its entries', () => {
    const r = one(adminPortsOpen, sshFromCorp);
    expect(r.status).toBe('pass');
    expect(r.reason).toContain('customer-managed prefix lists, judged by their entries (GetManagedPrefixListEntries): tcp 22 from prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins): 203.0.113.0/25, 198.51.100.0/25');
  });
  it('adds a list\'s entries to the rule\'s own ranges: 0.0.0.0/1 in the rule and 128.0.0.0/1 in the list are every address', () => {
    const halves = { ...refs, prefixListEntries: { ...refs.prefixListEntries, 'pl-0c0c0c0c0c0c0c0c1': [{ Cidr: '128.0.0.0/1' }] } };
    const g: SecurityGroup = { ...sshFromCorp, IpPermissions: [{ ...sshFromCorp.IpPermissions![0], IpRanges: [{ CidrIp: '0.0.0.0/1' }] }] };
    const r = one(adminPortsOpen, g, halves);
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('tcp 22 from 0.0.0.0/1 and 128.0.0.0/1 in prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins) (admin port 22) (together every public IPv4 address)');
  });
  it('names an AWS-managed list as an AWS service\'s ranges and asks for review, never a pass', () => {
    const r = one(adminPortsOpen, sshFromS3);
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('tcp 22 from AWS-managed prefix list pl-63a5400a (com.amazonaws.us-east-1.s3) (admin port 22): the address ranges of an AWS service');
  });
  it('names the version whose entries were read, as the evidence records it; evidence without it keeps the earlier wording', () => {
    const versioned = { ...refs, prefixListEntryVersions: { 'pl-0c0c0c0c0c0c0c0c1': 3 } };
    const r = one(adminPortsOpen, sshFromCorp, versioned);
    expect(r.status).toBe('pass');
    expect(r.reason).toContain('tcp 22 from prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins): 203.0.113.0/25, 198.51.100.0/25 (version 3, current when read: the one the rule uses)');
    expect(one(adminPortsOpen, sshFromCorp).reason).not.toContain('version');
    expect(evaluate(securityGroupEgress, { securityGroups: [egressAllToCorp], ...versioned })[0].reason).toContain('all traffic to prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins) (203.0.113.0/25, 198.51.100.0/25; version 3, current when read)');
  });
  describe("the EC2 Instance Connect service's AWS-managed list", () => {
    const eic = (name: string): ManagedPrefixList => ({ PrefixListId: 'pl-0e1c0e1c', AddressFamily: 'IPv4', State: 'create-complete', PrefixListArn: 'arn:aws:ec2:us-east-1:aws:prefix-list/pl-0e1c0e1c', PrefixListName: name, Version: 5, OwnerId: 'AWS' });
    const withList = (name: string) => ({ ...refs, prefixLists: [...describedLists.PrefixLists!, eic(name)] });
    const fromList = (...ports: [number, number][]): SecurityGroup => ({
      GroupId: 'sg-0a1111111111111e1',
      GroupName: 'eic-ssh',
      Description: 'SSH from EC2 Instance Connect',
      OwnerId: ACCOUNT,
      VpcId: VPC,
      IpPermissions: ports.map(([from, to]) => ({ IpProtocol: 'tcp', FromPort: from, ToPort: to, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [{ PrefixListId: 'pl-0e1c0e1c' }], UserIdGroupPairs: [] })),
      IpPermissionsEgress: [],
    });
    it('SSH from it is no public opening: the group passes, naming the list and that access then rests on IAM', () => {
      const r = one(adminPortsOpen, fromList([22, 22]), withList('com.amazonaws.us-east-1.ec2-instance-connect'));
      expect(r.status).toBe('pass');
      expect(r.reason).toContain('it admits SSH from the EC2 Instance Connect service only: tcp 22 from AWS-managed prefix list pl-0e1c0e1c (com.amazonaws.us-east-1.ec2-instance-connect) (admin port 22)');
      expect(r.reason).toContain('rests on IAM (ec2-instance-connect:SendSSHPublicKey on the instance) and the instance\'s own SSH configuration, which this query does not read');
      // Its IPv6 twin is the same service's.
      expect(one(adminPortsOpen, fromList([22, 22]), withList('com.amazonaws.us-east-1.ipv6.ec2-instance-connect')).status).toBe('pass');
    });
    it('any other admin port from it needs review, naming only those ports; SSH from it stays cleared', () => {
      const r = one(adminPortsOpen, fromList([22, 22], [3389, 3389]), withList('com.amazonaws.us-east-1.ec2-instance-connect'));
      expect(r.status).toBe('needs-review');
      expect(r.reason).toContain("tcp 3389 from AWS-managed prefix list pl-0e1c0e1c (com.amazonaws.us-east-1.ec2-instance-connect) (admin port 3389): the EC2 Instance Connect service's addresses, which connect over SSH (port 22) only");
      expect(r.reason).not.toContain('tcp 22 from AWS-managed');
      const range = one(adminPortsOpen, fromList([0, 65535]), withList('com.amazonaws.us-east-1.ec2-instance-connect'));
      expect(range.status).toBe('needs-review');
      expect(range.reason).toContain('(admin ports 3389, 3306');
      expect(range.reason).not.toMatch(/admin ports 22,/);
    });
    it('another region\'s list of that name, or another AWS-managed list, stays an AWS service\'s ranges to review', () => {
      const r = one(adminPortsOpen, fromList([22, 22]), withList('com.amazonaws.eu-west-1.ec2-instance-connect'));
      expect(r.status).toBe('needs-review');
      expect(r.reason).toContain('(admin port 22): the address ranges of an AWS service');
      expect(one(adminPortsOpen, fromList([22, 22]), withList('com.amazonaws.us-east-1.dynamodb')).status).toBe('needs-review');
    });
  });
  it('a list AWS did not describe, whose entries failed, or whose description failed, needs review naming why', () => {
    expect(one(adminPortsOpen, sshFromUnknownList)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`prefix list pl-0c0c0c0c0c0c0c0c9 (admin port 22): DescribeManagedPrefixLists for account ${ACCOUNT} in ${REGION} did not return it`) });
    const entriesDenied = { ...refs, prefixListEntries: { 'pl-0c0c0c0c0c0c0c0c1': { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } } };
    expect(one(adminPortsOpen, sshFromCorp, entriesDenied)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining(`prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins) (admin port 22): GetManagedPrefixListEntries for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation: You are not authorized`),
    });
    const listsDenied = { prefixLists: { error: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.' } }, prefixListEntries: {} };
    expect(one(adminPortsOpen, sshFromContractors, listsDenied)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`DescribeManagedPrefixLists for account ${ACCOUNT} in ${REGION} failed (RequestLimitExceeded: Request limit exceeded.)`) });
  });
});

describe('ec2.admin-ports-open: a referenced group the listing does not hold, on AWS\'s own word', () => {
  it('names a reference AWS reports stale with the group, rule and VPC, and one it does not as unresolved; neither passes', () => {
    const r = one(adminPortsOpen, reporting);
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain('security group sg-0a1111111111111b0 (reporting) in vpc-0a1b2c3d');
    expect(r.reason).toContain(
      'tcp 5432 from security group sg-0deadbeef0000000d of account 444455556666 (admin port 5432): a stale reference, as AWS reports it for vpc-0a1b2c3d (DescribeStaleSecurityGroups: account 444455556666, VPC vpc-0peer, peering connection pcx-0a1b2c3d4e5f60718 (deleted))',
    );
    expect(r.reason).toContain('tcp 3389 from security group sg-0beefbeef0000000b (admin port 3389): cannot be resolved: not among this account\'s security groups in the region\'s evidence, and AWS does not report it stale for vpc-0a1b2c3d');
  });
  it('a failed stale read leaves the reference unresolved, saying so; evidence sealed before the read keeps the earlier wording', () => {
    const failed = { ...refs, staleSecurityGroups: { [VPC]: { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } } };
    const r = one(adminPortsOpen, reporting, failed);
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain(`tcp 3389 from security group sg-0beefbeef0000000b (admin port 3389): cannot be resolved: not among this account's security groups in the region's evidence, and DescribeStaleSecurityGroups of vpc-0a1b2c3d for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation`);
    expect(r.reason).toContain(`of account 444455556666 (admin port 5432): that account decides which network interfaces hold the group, which this evidence does not show (DescribeStaleSecurityGroups of vpc-0a1b2c3d for account ${ACCOUNT} in ${REGION} failed`);
    const older = one(adminPortsOpen, reporting, {});
    expect(older.status).toBe('needs-review');
    expect(older.reason).toContain('not among this account\'s security groups in the region\'s evidence (a stale reference to a deleted group, or a group of a peered VPC)');
  });
});

describe('ec2.security-group-egress: prefix lists judged by what they hold', () => {
  it('fails all traffic to a list holding 0.0.0.0/0, lists S3\'s AWS-managed list, reviews a port open to such a list', () => {
    const r = evaluate(securityGroupEgress, { securityGroups: [egressAllToContractors, egressAllToS3, egressHttpsToContractors, egressAllToCorp], ...refs });
    expect(r.map((x) => x.status)).toEqual(['fail', 'pass', 'needs-review', 'pass']);
    expect(r[0].reason).toContain('allows all outbound traffic to 192.0.2.0/24 in prefix list pl-0c0c0c0c0c0c0c0c2 (contractors) and 0.0.0.0/0 in prefix list pl-0c0c0c0c0c0c0c0c2 (contractors)');
    expect(r[1].reason).toContain("all traffic to AWS-managed prefix list pl-63a5400a (com.amazonaws.us-east-1.s3) (an AWS service's ranges)");
    expect(r[2].reason).toContain('tcp 443 to any address');
    expect(r[3].reason).toContain('all traffic to prefix list pl-0c0c0c0c0c0c0c0c1 (corp-admins) (203.0.113.0/25, 198.51.100.0/25)');
  });
  it('all traffic to a list whose entries are not in the evidence needs review naming why', () => {
    const denied = { ...refs, prefixListEntries: { 'pl-0c0c0c0c0c0c0c0c2': { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } } };
    const [r] = evaluate(securityGroupEgress, { securityGroups: [egressAllToContractors], ...denied });
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`all traffic to prefix list pl-0c0c0c0c0c0c0c0c2 (contractors) (GetManagedPrefixListEntries for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation`) });
  });
});

describe('ec2.security-group-egress: a destination group the listing does not hold, on AWS\'s own word', () => {
  it('names a reference AWS reports stale with the group, rule, VPC and peer, and one it does not as unresolved; neither passes', () => {
    const [r, operators] = evaluate(securityGroupEgress, { securityGroups: [egressToPeers, egressToOperators, sshFromCorp], ...refs });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain(
      'tcp 5432 to security group sg-0deadbeef0000000e of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (deleted): a stale reference, as AWS reports it for vpc-0a1b2c3d (DescribeStaleSecurityGroups: account 444455556666, VPC vpc-0peer, peering connection pcx-0a1b2c3d4e5f60718 (deleted))',
    );
    expect(r.reason).toContain("tcp 443 to security group sg-0beefbeef0000000b: cannot be resolved: not among this account's security groups in the region's evidence, and AWS does not report it stale for vpc-0a1b2c3d");
    // The operators' group is in the listing: listed, not reviewed.
    expect(r.reason).not.toContain('sg-0a1111111111111c1:');
    expect(operators).toMatchObject({ status: 'pass', reason: expect.stringContaining('only to named destinations: tcp 22 to sg-0a1111111111111c1') });
  });
  it('an inbound stale answer does not clear an outbound rule, nor the reverse', () => {
    const inboundOnly = { ...refs, staleSecurityGroups: { [VPC]: [{ ...staleInVpc.StaleSecurityGroupSet![1], StaleIpPermissions: staleInVpc.StaleSecurityGroupSet![1].StaleIpPermissionsEgress, StaleIpPermissionsEgress: [] }] } };
    const [r] = evaluate(securityGroupEgress, { securityGroups: [egressToPeers], ...inboundOnly });
    expect(r.reason).toContain('tcp 5432 to security group sg-0deadbeef0000000e of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (deleted): that account decides which network interfaces hold the group');
    expect(one(adminPortsOpen, egressToPeers).status).toBe('pass');
  });
  it('a failed stale read names the account and region; evidence sealed before the read still needs review, never passes', () => {
    const failed = { ...refs, staleSecurityGroups: { [VPC]: { error: { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } } };
    const [r] = evaluate(securityGroupEgress, { securityGroups: [egressToPeers], ...failed });
    expect(r.status).toBe('needs-review');
    expect(r.reason).toContain(`tcp 443 to security group sg-0beefbeef0000000b: cannot be resolved: not among this account's security groups in the region's evidence, and DescribeStaleSecurityGroups of vpc-0a1b2c3d for account ${ACCOUNT} in ${REGION} failed (UnauthorizedOperation`);
    expect(r.reason).toContain(`to security group sg-0deadbeef0000000e of account 444455556666 through VPC peering connection pcx-0a1b2c3d4e5f60718 (deleted): that account decides which network interfaces hold the group, so where it lets traffic go is not in this evidence (DescribeStaleSecurityGroups of vpc-0a1b2c3d for account ${ACCOUNT} in ${REGION} failed`);
    const { staleSecurityGroups: _none, ...older } = refs;
    const [o] = evaluate(securityGroupEgress, { securityGroups: [egressToPeers], ...older });
    expect(o.status).toBe('needs-review');
    expect(o.reason).toContain("tcp 443 to security group sg-0beefbeef0000000b: not among this account's security groups in the region's evidence (a stale reference to a deleted group, or a group of a peered VPC), so where it lets traffic go is unknown");
  });
  it('prefix-list reasons name the account and region of the read', () => {
    const { prefixLists: _none, ...older } = refs;
    const [r] = evaluate(securityGroupEgress, { securityGroups: [egressAllToCorp], ...older });
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`the list's entries are not in the evidence for account ${ACCOUNT} in ${REGION} (it predates reading prefix lists`) });
    const [n] = evaluate(securityGroupEgress, { securityGroups: [egressAllToCorp], ...refs, prefixListEntries: {} });
    expect(n.reason).toContain(`the list's entries were not read for account ${ACCOUNT} in ${REGION} (GetManagedPrefixListEntries)`);
  });
});
