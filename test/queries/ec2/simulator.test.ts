import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;

describe('EC2 queries against the simulated demo account', () => {
  it('ec2.admin-ports-open: only the bastion group with SSH open to 0.0.0.0/0 fails', async () => {
    const { results } = await session.run(q('ec2.admin-ports-open'), 'us-east-1');
    expect(results.filter((r) => r.status === 'fail')).toEqual([expect.objectContaining({ reason: expect.stringContaining('(bastion-ssh)') })]);
    expect(results.find((r) => r.status === 'fail')!.reason).toContain('tcp 22 from 0.0.0.0/0');
    expect(results).toHaveLength(5);
    // The operators' group admits SSH from a customer-managed prefix list: judged on its entries, which are narrow.
    expect(results.find((r) => r.reason.includes('(admin-vpn)'))).toMatchObject({
      status: 'pass',
      reason: expect.stringMatching(/tcp 22 from prefix list pl-0[0-9a-f]+ \(corp-admin-networks\): 203\.0\.113\.0\/25, 198\.51\.100\.128\/25/),
    });
    // The database group admits PostgreSQL from the web tier's group, found in the same evidence and open only on HTTPS.
    expect(results.find((r) => r.reason.includes('(database)'))).toMatchObject({
      status: 'pass',
      reason: expect.stringMatching(/it admits them from security groups of this account: tcp 5432 from security group sg-0[0-9a-f]+ \(web\)/),
    });
  });

  it('ec2.default-security-group: filtered to default groups; the home region one has rules', async () => {
    const east = await session.run(q('ec2.default-security-group'), 'us-east-1');
    expect(east.results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('1 inbound rule(s) (all traffic)') })]);
    expect(east.calls[0].input).toMatchObject({ Filters: [{ Name: 'group-name', Values: ['default'] }] });
    const west = await session.run(q('ec2.default-security-group'), 'us-west-2');
    expect(west.results.map((r) => r.status)).toEqual(['pass']);
  });

  it('ec2.ebs-default-encryption: on in us-east-1, off in us-west-2', async () => {
    expect((await session.run(q('ec2.ebs-default-encryption'), 'us-east-1')).results[0].status).toBe('pass');
    expect((await session.run(q('ec2.ebs-default-encryption'), 'us-west-2')).results[0].status).toBe('fail');
  });

  it('ec2.imdsv2: the legacy batch instance accepts IMDSv1', async () => {
    const { results } = await session.run(q('ec2.imdsv2'), 'us-east-1');
    expect(results.map((r) => [r.reason.match(/\((.+?)\)/)?.[1], r.status])).toEqual([
      ['api-us-east-1', 'pass'],
      ['legacy-batch', 'fail'],
    ]);
  });

  it('ec2.security-group-egress: allow-all groups fail, the web tier\'s HTTPS to anywhere needs review, the database passes', async () => {
    const { results } = await session.run(q('ec2.security-group-egress'), 'us-east-1');
    const by = (name: string) => results.find((r) => r.reason.includes(`(${name})`))!;
    expect(by('bastion-ssh').status).toBe('fail');
    expect(by('web')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('tcp 443 to any address') });
    expect(by('database')).toMatchObject({ status: 'pass', reason: expect.stringContaining('allows no outbound traffic') });
    expect(by('admin-vpn')).toMatchObject({ status: 'pass', reason: expect.stringMatching(/tcp 443 to AWS-managed prefix list pl-[0-9a-f]+ \(com\.amazonaws\.us-east-1\.s3\) \(an AWS service's ranges\)/) });
  });

  it('ec2.source-dest-check: the legacy batch host forwards traffic; the NAT gateway interface is AWS-managed', async () => {
    const { results } = await session.run(q('ec2.source-dest-check'), 'us-east-1');
    expect(results.map((r) => r.status).sort()).toEqual(['needs-review', 'not-applicable', 'pass']);
  });

  it('ec2.ebs-encryption: the legacy volume and its snapshot are unencrypted although encryption by default is on', async () => {
    const { results, calls } = await session.run(q('ec2.ebs-encryption'), 'us-east-1');
    expect(results.filter((r) => r.status === 'fail').map((r) => r.resourceType).sort()).toEqual(['AWS::EC2::Snapshot', 'AWS::EC2::Volume']);
    expect(results.filter((r) => r.status === 'pass')).toHaveLength(2);
    expect(calls.find((c) => c.operation === 'ec2:DescribeSnapshots')?.input).toMatchObject({ OwnerIds: ['self'] });
  });
});
