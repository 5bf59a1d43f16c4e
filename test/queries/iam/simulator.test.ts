import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { DEMO_ACCOUNT_ID, simulatorCredentials } from '../../../src/simulator/index.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;
const user = (name: string) => `arn:aws:iam::111122223333:user/${name}`;

describe('IAM queries against the simulated demo account', () => {
  it('iam.password-policy: the 8-character policy fails the 12-character minimum', async () => {
    const { results, calls } = await session.run(q('iam.password-policy'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('minimum length 8 is below 12') })]);
    expect(calls.map((c) => c.operation)).toEqual(['iam:GetAccountPasswordPolicy']);
  });

  it('iam.console-mfa: polls the credential report until COMPLETE, then fails the console user without MFA', async () => {
    const { results, calls, data } = await session.run(q('iam.console-mfa'), 'us-east-1');
    expect(statusOf(results)).toEqual({ 'arn:aws:iam::111122223333:root': 'pass', [user('alice.ops')]: 'pass', [user('bob.dev')]: 'fail', [user('carol.former')]: 'pass' });
    // The verbatim CSV is the evidence.
    expect((data as { report: { Content: string } }).report.Content.split('\n')[0]).toMatch(/^user,arn,user_creation_time,password_enabled,/);
    const ops = calls.map((c) => c.operation);
    expect(ops.filter((o) => o === 'iam:GenerateCredentialReport').length).toBeGreaterThanOrEqual(1);
    expect(ops.at(-1)).toBe('iam:GetCredentialReport');
  });

  it('iam.unused-credentials and iam.access-key-age: the departed user and the old deploy key fail', async () => {
    const unused = await session.run(q('iam.unused-credentials'), 'us-east-1');
    expect(unused.results.filter((r) => r.status === 'fail').map((r) => r.resource)).toEqual([user('carol.former')]);
    const age = await session.run(q('iam.access-key-age'), 'us-east-1');
    expect(statusOf(age.results)).toEqual({
      [`${user('alice.ops')}#access-key-1`]: 'pass',
      [`${user('carol.former')}#access-key-1`]: 'fail',
      [`${user('automation/ci-deployer')}#access-key-1`]: 'fail',
      [`${user('evidence-locker')}#access-key-1`]: 'pass',
    });
  });

  it('iam.root-access-keys: root has no keys by both sources', async () => {
    const { results } = await session.run(q('iam.root-access-keys'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringMatching(/the credential report shows no root access key .* the account summary counts 0/) })]);
  });

  it('iam.admin-policies: the attached Allow *:* policy fails; the unattached one is not listed', async () => {
    const { results, calls } = await session.run(q('iam.admin-policies'), 'us-east-1');
    expect(statusOf(results)).toEqual({ 'arn:aws:iam::111122223333:policy/LegacyOpsFullAccess': 'fail', 'arn:aws:iam::111122223333:policy/app/AppReadOrders': 'pass' });
    expect(calls[0].input).toMatchObject({ Scope: 'Local', OnlyAttached: true });
  });

  it('iam.admin-principals: every path to full access is listed for review, from every page of the response', async () => {
    const { results, calls, data } = await session.run(q('iam.admin-principals'), 'us-east-1');
    const arn = (kind: string, name: string) => `arn:aws:iam::111122223333:${kind}/${name}`;
    expect(statusOf(results)).toEqual({
      [arn('group', 'Admins')]: 'needs-review',
      [arn('group', 'Ops')]: 'needs-review',
      [user('alice.ops')]: 'needs-review',
      [user('carol.former')]: 'needs-review',
      [user('automation/ci-deployer')]: 'needs-review',
      [arn('role', 'OrganizationAccountAccessRole')]: 'needs-review',
      [arn('role', 'BreakGlassAdmin')]: 'needs-review',
      [arn('role', 'legacy-ops')]: 'needs-review',
    });
    expect(calls.map((c) => c.operation)).toEqual(['iam:GetAccountAuthorizationDetails']);
    expect(calls[0].input).toMatchObject({ Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy'], MaxItems: 1000 });
    const pages = (data as { pages: { RoleDetailList?: { AssumeRolePolicyDocument?: string }[] }[] }).pages;
    // 5 users, 3 groups, 14 roles (10 service-linked), 3 customer managed policies; documents URL-encoded as IAM sends them.
    expect(pages.flatMap((p) => p.RoleDetailList ?? [])).toHaveLength(14);
    expect(pages[0].RoleDetailList?.[0]?.AssumeRolePolicyDocument).toMatch(/^%7B%22Version%22/);
  });

  it('iam.admin-principals: pages of the simulated API follow Marker until IsTruncated is false', async () => {
    const { IAMClient, GetAccountAuthorizationDetailsCommand } = await import('@aws-sdk/client-iam');
    const iam = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 }).get(IAMClient);
    const first = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 10 }));
    expect(first.IsTruncated).toBe(true);
    expect((first.UserDetailList?.length ?? 0) + (first.GroupDetailList?.length ?? 0) + (first.RoleDetailList?.length ?? 0)).toBe(10);
    const second = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000, Marker: first.Marker }));
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    expect(second.Policies).toHaveLength(3);
    await expect(iam.send(new GetAccountAuthorizationDetailsCommand({ Marker: 'not-a-marker' }))).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});
