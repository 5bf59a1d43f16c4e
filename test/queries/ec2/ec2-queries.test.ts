import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/ec2/index.js';
import { adminPortsOpen, openedPorts, portListParam } from '../../../src/queries/ec2/admin-ports-open.js';
import { defaultSecurityGroup } from '../../../src/queries/ec2/default-security-group.js';
import { ebsDefaultEncryption } from '../../../src/queries/ec2/ebs-default-encryption.js';
import { imdsv2 } from '../../../src/queries/ec2/imdsv2.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, allOpen, defaultLocked, defaultWithRules, ebsOff, ebsOn, rdpRangeV6, reservations, sgArn, sshOpen, webGroup } from '../../fixtures/ec2/ec2.js';

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
  it('registers the four EC2 queries with the admin port defaults', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['ec2.admin-ports-open', 'ec2.default-security-group', 'ec2.ebs-default-encryption', 'ec2.imdsv2']);
    expect(portListParam(adminPortsOpen.parameters?.adminPorts.default, [])).toEqual([22, 3389, 3306, 5432, 1433, 1521, 5985, 5986, 23, 21]);
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
  it('uses the adminPorts parameter', () => {
    expect(statusOf(evaluateBoth(adminPortsOpen, { securityGroups: [webGroup] }, { adminPorts: ['443'] }))).toEqual({ [sgArn(webGroup.GroupId!)]: 'fail' });
    expect(statusOf(evaluateBoth(adminPortsOpen, { securityGroups: [sshOpen] }, { adminPorts: ['3389'] }))).toEqual({ [sgArn(sshOpen.GroupId!)]: 'pass' });
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
