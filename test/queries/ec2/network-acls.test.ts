import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { networkAcls } from '../../../src/queries/ec2/network-acls.js';
import type { QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, arn, networkAclsEvidence } from '../../fixtures/ec2/network.js';

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

  it('unknown is never a pass: missing responses or rules without direction are errors; no ACLs is not applicable', () => {
    expect(evaluate({}).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ networkAcls: [{ NetworkAclId: 'acl-0x', VpcId: 'vpc-0', Associations: [{ SubnetId: 'subnet-0' }], Entries: [{ RuleNumber: 100, Protocol: '-1', CidrBlock: '0.0.0.0/0' }] }] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ networkAcls: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});
