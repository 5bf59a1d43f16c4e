import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { networkAcls } from '../../../src/queries/ec2/network-acls.js';
import type { QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import type { NetworkAcl } from '@aws-sdk/client-ec2';
import { ACCOUNT, REGION, arn, e, networkAclsEvidence } from '../../fixtures/ec2/network.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-12-03T06:00:00.000Z' };

function evaluate(data: unknown, params: QueryParameters = { adminPorts: ['22', '3389'] }): ResourceResult[] {
  const fresh = networkAcls.evaluate(data as never, params, ctx);
  expect(networkAcls.evaluate(JSON.parse(canonicalJson(data)) as never, params, ctx)).toEqual(fresh);
  return fresh;
}

describe('ec2.network-acls', () => {
  const results = evaluate(networkAclsEvidence);
  const by = (id: string) => results.find((r) => r.resource === arn('network-acl', id))!;

  it('fails the default ACL that allows all traffic from 0.0.0.0/0 and ::/0, naming the subnets it guards', () => {
    expect(by('acl-0default000000001')).toMatchObject({ status: 'fail', resourceType: 'AWS::EC2::NetworkAcl' });
    expect(by('acl-0default000000001').reason).toContain('guards subnet subnet-0app');
    expect(by('acl-0default000000001').reason).toContain('rule 100 allow all traffic from 0.0.0.0/0 (admin ports 22, 3389)');
    expect(by('acl-0default000000001').reason).toContain('rule 101 allow all traffic from ::/0');
  });

  it('applies rules in number order: a lower deny hides SSH, but the return-port range still admits RDP', () => {
    const r = by('acl-0public0000000002');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('rule 110 allow tcp 1024-65535 from 0.0.0.0/0 (admin port 3389)');
    expect(r.reason).not.toContain('admin port 22');
  });

  it('passes an ACL that denies the admin ports before its return-port range; SSH from one network is not "anywhere"', () => {
    const r = by('acl-0private000000003');
    expect(r.status).toBe('pass');
    expect(r.reason).toContain('inbound from any address only: rule 110 allow tcp 1024-65535 from 0.0.0.0/0');
    expect(r.reason).toContain('no outbound rule allows any address');
  });

  it('checks IPv6 separately: SSH from ::/0 fails although the IPv4 rule denies it', () => {
    expect(by('acl-0ipv60000000005')).toMatchObject({ status: 'fail', reason: expect.stringContaining('rule 100 allow tcp 22 from ::/0 (admin port 22)') });
  });

  it('an ACL with no subnet filters nothing: not applicable', () => {
    expect(by('acl-0spare0000000004')).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('associated with no subnet') });
  });

  it('the admin port list is a parameter: with database ports added, the return range fails the private ACL', () => {
    const wide = evaluate(networkAclsEvidence, { adminPorts: ['22', '3389', '5432'] });
    expect(wide.find((r) => r.resource === arn('network-acl', 'acl-0private000000003'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('admin port 5432') });
  });

  describe('ranges other than /0', () => {
    const acl = (id: string, entries: NetworkAcl['Entries']): NetworkAcl => ({ NetworkAclId: id, VpcId: 'vpc-0a1b2c3d', OwnerId: ACCOUNT, IsDefault: false, Associations: [{ SubnetId: 'subnet-0public' }], Entries: entries });
    const denyRest = [e(100, false, 'deny', '-1', '0.0.0.0/0'), e(101, false, 'deny', '-1', '::/0'), e(32767, false, 'deny', '-1', '0.0.0.0/0')];
    const one = (a: NetworkAcl, params?: QueryParameters) => evaluate({ networkAcls: [a] }, params)[0];

    it('allows of 0.0.0.0/1 and 128.0.0.0/1 before a deny of 0.0.0.0/0 admit every address: fail naming both rules', () => {
      const r = one(acl('acl-0split000000001', [e(50, false, 'allow', '6', '0.0.0.0/1', [22, 22]), e(51, false, 'allow', '6', '128.0.0.0/1', [22, 22]), ...denyRest]));
      expect(r.status).toBe('fail');
      expect(r.reason).toContain('lets every public address reach administration ports: rule 50 allow tcp 22 from 0.0.0.0/1 (admin port 22); rule 51 allow tcp 22 from 128.0.0.0/1 (admin port 22)');
    });

    it('IPv6 halves the same way; a deny of the lower half first leaves only half: needs review, not fail', () => {
      expect(one(acl('acl-0split000000002', [e(50, false, 'allow', '-1', '::/1'), e(51, false, 'allow', '-1', '8000::/1'), ...denyRest])).status).toBe('fail');
      const half = one(acl('acl-0split000000003', [e(40, false, 'deny', '6', '0.0.0.0/1', [22, 22]), e(50, false, 'allow', '6', '0.0.0.0/0', [22, 22]), ...denyRest]));
      expect(half.status).toBe('needs-review');
      expect(half.reason).toContain('rule 50 allow tcp 22 from 0.0.0.0/0 (admin port 22) admit up to 2146304000 public IPv4 addresses to administration ports, more than one /24');
    });

    it('all traffic from 0.0.0.0/1 ahead of a deny needs review; a public /24 or a private range before the deny passes', () => {
      expect(one(acl('acl-0half0000000004', [e(90, false, 'allow', '-1', '0.0.0.0/1'), ...denyRest])).status).toBe('needs-review');
      const narrow = one(acl('acl-0narrow00000005', [e(80, false, 'allow', '6', '198.51.100.0/24', [22, 22]), e(90, false, 'allow', '-1', '10.0.0.0/8'), ...denyRest]));
      expect(narrow.status).toBe('pass');
      expect(narrow.reason).toContain('no administration port (22, 3389) is reachable from every public address or from more public addresses than one /24 (IPv4) or /48 (IPv6)');
      // The bound is a parameter.
      expect(one(acl('acl-0narrow00000005', [e(80, false, 'allow', '6', '198.51.0.0/16', [22, 22]), ...denyRest]), { adminPorts: ['22'], widePublicPrefix: 16 }).status).toBe('pass');
    });

    it('a deny of the whole space reached first still hides later split allows', () => {
      expect(one(acl('acl-0denyfirst00006', [e(10, false, 'deny', '6', '0.0.0.0/0', [22, 3389]), e(11, false, 'deny', '6', '::/0', [22, 3389]), e(20, false, 'allow', '6', '0.0.0.0/1', [22, 3389]), e(21, false, 'allow', '6', '10.0.0.0/8', [3389, 3389]), ...denyRest])).status).toBe('pass');
    });

    it('an adminPorts value naming no port is an error naming the parameter, not a pass', () => {
      expect(evaluate(networkAclsEvidence, { adminPorts: ['ssh'] })).toEqual([expect.objectContaining({ status: 'error', reason: expect.stringContaining('parameter adminPorts of ec2.network-acls') })]);
    });
  });

  it('unknown is never a pass: missing responses or rules without direction are errors; no ACLs is not applicable', () => {
    expect(evaluate({}).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ networkAcls: [{ NetworkAclId: 'acl-0x', VpcId: 'vpc-0', Associations: [{ SubnetId: 'subnet-0' }], Entries: [{ RuleNumber: 100, Protocol: '-1', CidrBlock: '0.0.0.0/0' }] }] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ networkAcls: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});
