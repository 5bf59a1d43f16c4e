import { describe, expect, it } from 'vitest';
import type { ServiceSpecificCredentialMetadata, SSHPublicKeyMetadata } from '@aws-sdk/client-iam';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { serviceSpecificCredentials, type ServiceSpecificCredentialsEvidence, type UserCredentialsEvidence } from '../../../src/queries/iam/service-specific-credentials.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT } from '../../fixtures/iam/iam.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { DEMO_ACCOUNT_ID, simulatorCredentials } from '../../../src/simulator/index.js';
import { demoSession, runDenied, statusOf } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: COLLECTED_AT };
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.parse(COLLECTED_AT) - days * DAY).toISOString();
const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function userEvidence(name: string, ssc: Partial<ServiceSpecificCredentialMetadata>[] = [], ssh: Partial<SSHPublicKeyMetadata>[] = []): UserCredentialsEvidence {
  return {
    user: { Path: '/', UserName: name, UserId: `AIDA${name.toUpperCase()}`, Arn: arn(name), CreateDate: new Date(ago(2000)) },
    serviceSpecificCredentials: { items: ssc.map((c) => ({ UserName: name, ServiceUserName: `${name}-at-${ACCOUNT}`, ...c }) as ServiceSpecificCredentialMetadata) },
    sshPublicKeys: { items: ssh.map((k) => ({ UserName: name, ...k }) as SSHPublicKeyMetadata) },
  };
}

/** Evaluates fresh evidence and its canonical-JSON round trip (dates become strings), which must agree. */
function evaluate(data: unknown, params: Record<string, unknown> = { maxAgeDays: 90 }): ResourceResult[] {
  const fresh = serviceSpecificCredentials.evaluate(data, params as never, ctx);
  expect(serviceSpecificCredentials.evaluate(JSON.parse(canonicalJson(data)) as unknown, params as never, ctx)).toEqual(fresh);
  return fresh;
}

const mixed: ServiceSpecificCredentialsEvidence = {
  users: [
    userEvidence('git.old', [{ ServiceSpecificCredentialId: 'ACCAGITOLD', ServiceName: 'codecommit.amazonaws.com', Status: 'Active', CreateDate: new Date(ago(3 * 365)) }]),
    userEvidence('bedrock.old', [{ ServiceSpecificCredentialId: 'ACCABEDROCKOLD', ServiceName: 'bedrock.amazonaws.com', Status: 'Active', CreateDate: new Date(ago(1100)) }]),
    userEvidence('bedrock.new', [
      { ServiceSpecificCredentialId: 'ACCABEDROCKNEW', ServiceName: 'bedrock.amazonaws.com', Status: 'Active', CreateDate: new Date(ago(20)), ExpirationDate: new Date(ago(-10)) },
      { ServiceSpecificCredentialId: 'ACCABEDROCKLONG', ServiceName: 'bedrock.amazonaws.com', Status: 'Active', CreateDate: new Date(ago(5)), ExpirationDate: new Date(ago(-360)) },
    ]),
    userEvidence(
      'retired',
      [
        { ServiceSpecificCredentialId: 'ACCAKEYSPACES', ServiceName: 'cassandra.amazonaws.com', Status: 'Inactive', CreateDate: new Date(ago(900)) },
        { ServiceSpecificCredentialId: 'ACCAEXPIRED', ServiceName: 'bedrock.amazonaws.com', Status: 'Expired', CreateDate: new Date(ago(400)), ExpirationDate: new Date(ago(370)) },
      ],
      [{ SSHPublicKeyId: 'APKAINACTIVE', Status: 'Inactive', UploadDate: new Date(ago(1500)) }],
    ),
    userEvidence('ssh.user', [], [
      { SSHPublicKeyId: 'APKAOLD', Status: 'Active', UploadDate: new Date(ago(91)) },
      { SSHPublicKeyId: 'APKANEW', Status: 'Active', UploadDate: new Date(ago(10)) },
    ]),
    userEvidence('nobody'),
  ],
};

describe('iam.service-specific-credentials: evaluation', () => {
  const results = evaluate(mixed);
  const by = Object.fromEntries(results.map((r) => [r.resource, r]));

  it('fails an active Git credential, an active Bedrock API key and an active SSH key older than the limit, naming user, service, id, date and age', () => {
    expect(by[`${arn('git.old')}#service-specific-credential/ACCAGITOLD`]).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/^CodeCommit HTTPS Git credential ACCAGITOLD \(service user name git\.old-at-111122223333\) of IAM user git\.old is active and was created 1095 days before collection \(2022-06-02T00:00:00\.000Z\), beyond the 90-day limit; the age counts from its creation date: IAM lists no date of a password reset \(ResetServiceSpecificCredential\) since; IAM lists no last use of it/),
    });
    expect(by[`${arn('bedrock.old')}#service-specific-credential/ACCABEDROCKOLD`]).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^Amazon Bedrock API key ACCABEDROCKOLD .* 1100 days .*beyond the 90-day limit; it has no expiration date/) });
    // 91 days: beyond a 90-day limit, compared to the millisecond as iam.access-key-age does.
    expect(by[`${arn('ssh.user')}#ssh-public-key/APKAOLD`]).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^SSH public key APKAOLD of IAM user ssh\.user is active and was uploaded 91 days before collection/) });
  });

  it('passes a Bedrock API key that expires within the limit and says so, and says when an expiration lies beyond it', () => {
    expect(by[`${arn('bedrock.new')}#service-specific-credential/ACCABEDROCKNEW`]).toMatchObject({ status: 'pass', reason: expect.stringContaining('it expires 2025-06-11T00:00:00.000Z, 30 days after creation, within the 90-day limit') });
    expect(by[`${arn('bedrock.new')}#service-specific-credential/ACCABEDROCKLONG`]).toMatchObject({ status: 'pass', reason: expect.stringContaining('365 days after creation, beyond the 90-day limit: it stays usable past the limit unless replaced') });
    expect(by[`${arn('ssh.user')}#ssh-public-key/APKANEW`]).toMatchObject({ status: 'pass' });
  });

  it('lists inactive and expired credentials without failing them, and gives no account pass while an active credential exists', () => {
    for (const r of [`${arn('retired')}#service-specific-credential/ACCAKEYSPACES`, `${arn('retired')}#service-specific-credential/ACCAEXPIRED`, `${arn('retired')}#ssh-public-key/APKAINACTIVE`]) {
      expect(by[r], r).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/is (Inactive|Expired) .*listed, not judged/) });
    }
    expect(by.account).toBeUndefined();
    expect(results).toHaveLength(9);
  });

  it('a larger maxAgeDays passes what 90 days fails', () => {
    expect(statusOf(evaluate(mixed, { maxAgeDays: 2000 }))[`${arn('git.old')}#service-specific-credential/ACCAGITOLD`]).toBe('pass');
  });

  it('no active credential anywhere: one pass for the account naming how many users were read (inactive ones still listed)', () => {
    expect(evaluate({ users: [userEvidence('a'), userEvidence('b')] })).toEqual([
      expect.objectContaining({ resource: 'account', status: 'pass', reason: expect.stringContaining('no IAM user has an active service-specific credential or SSH public key: 2 users read with iam:ListUsers') }),
    ]);
    const onlyInactive = evaluate({ users: [mixed.users[3]] });
    expect(onlyInactive.find((r) => r.resource === 'account')).toMatchObject({ status: 'pass', reason: expect.stringContaining('1 user read with iam:ListUsers, each with iam:ListServiceSpecificCredentials (every service) and iam:ListSSHPublicKeys; 3 inactive or expired listed') });
  });

  it('a refused or failed read is an error naming the API, and the account never passes on a partial read', () => {
    const denied: ServiceSpecificCredentialsEvidence = {
      users: [{ ...userEvidence('a'), sshPublicKeys: { items: [], error: { code: 'AccessDenied', message: 'not authorized to perform iam:ListSSHPublicKeys' } } }, userEvidence('b')],
    };
    expect(evaluate(denied)).toEqual([expect.objectContaining({ resource: arn('a'), status: 'error', reason: expect.stringMatching(/^iam:ListSSHPublicKeys for IAM user a failed \(AccessDenied: /) })]);
    // A later page failed: what was read is still judged, the rest is an error.
    const partial: ServiceSpecificCredentialsEvidence = {
      users: [{ ...mixed.users[0], serviceSpecificCredentials: { ...mixed.users[0].serviceSpecificCredentials, error: { code: 'Throttling', message: 'Rate exceeded' } } }],
    };
    expect(statusOf(evaluate(partial))).toEqual({ [arn('git.old')]: 'error', [`${arn('git.old')}#service-specific-credential/ACCAGITOLD`]: 'fail' });
    expect(evaluate(partial)[0].reason).toContain('iam:ListServiceSpecificCredentials for IAM user git.old failed (Throttling: Rate exceeded) after 1 were read');
    const listUsersFailed: ServiceSpecificCredentialsEvidence = { users: [userEvidence('a')], listUsersError: { code: 'AccessDenied', message: 'no' } };
    expect(evaluate(listUsersFailed)).toEqual([expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringContaining('iam:ListUsers failed (AccessDenied: no) after 1 users were listed') })]);
  });

  it('evidence without the reads is an error, never a pass', () => {
    expect(evaluate({})).toEqual([expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringContaining('no iam:ListUsers answer') })]);
    const noSsh = { users: [{ user: mixed.users[5].user, serviceSpecificCredentials: { items: [] } }] };
    expect(evaluate(noSsh)).toEqual([expect.objectContaining({ resource: arn('nobody'), status: 'error', reason: expect.stringContaining('no iam:ListSSHPublicKeys answer') })]);
  });

  it('an active credential without a date is an error; an unknown status needs review', () => {
    const odd = { users: [userEvidence('odd', [{ ServiceSpecificCredentialId: 'ACCANODATE', ServiceName: 'codecommit.amazonaws.com', Status: 'Active' }], [{ SSHPublicKeyId: 'APKAODD', Status: 'Suspended' as never, UploadDate: new Date(ago(1)) }])] };
    expect(statusOf(evaluate(odd))).toEqual({ [`${arn('odd')}#service-specific-credential/ACCANODATE`]: 'error', [`${arn('odd')}#ssh-public-key/APKAODD`]: 'needs-review' });
  });
});

const session = demoSession();

describe('iam.service-specific-credentials against the simulated demo account', () => {
  const q = queryById('iam.service-specific-credentials')!;
  const demoUser = (name: string) => `arn:aws:iam::111122223333:user/${name}`;

  it('fails the old active Git credential, passes the recent SSH key and the expiring Bedrock key, lists the inactive Keyspaces credential', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    const ssc = (user: string, seed: string) => `${demoUser(user)}#service-specific-credential/${seed}`;
    const status = statusOf(results);
    const byPrefix = (prefix: string) => Object.entries(status).filter(([r]) => r.startsWith(prefix));
    expect(byPrefix(`${demoUser('bob.dev')}#service-specific-credential/ACCA`).map(([, s]) => s)).toEqual(['fail']);
    expect(byPrefix(`${demoUser('alice.ops')}#ssh-public-key/APKA`).map(([, s]) => s)).toEqual(['pass']);
    expect(byPrefix(`${demoUser('automation/ci-deployer')}#service-specific-credential/ACCA`).map(([, s]) => s)).toEqual(['pass']);
    expect(byPrefix(`${demoUser('carol.former')}#service-specific-credential/ACCA`).map(([, s]) => s)).toEqual(['not-applicable']);
    expect(Object.keys(status)).toHaveLength(4);
    expect(results.find((r) => r.resource.startsWith(ssc('bob.dev', '')))?.reason).toMatch(/^CodeCommit HTTPS Git credential ACCA[0-9A-F]{16} \(service user name bob\.dev-at-111122223333\) of IAM user bob\.dev is active and was created 400 days/);
    expect(results.find((r) => r.resource.startsWith(ssc('automation/ci-deployer', '')))?.reason).toContain('30 days after creation, within the 90-day limit');
    const ops = calls.map((c) => c.operation);
    expect(ops[0]).toBe('iam:ListUsers');
    expect(ops.filter((o) => o === 'iam:ListServiceSpecificCredentials')).toHaveLength(5);
    expect(ops.filter((o) => o === 'iam:ListSSHPublicKeys')).toHaveLength(5);
    // Every service: no ServiceName filter.
    expect(calls.find((c) => c.operation === 'iam:ListServiceSpecificCredentials')?.input).not.toHaveProperty('ServiceName');
  });

  it('a refused ListSSHPublicKeys is an error per user naming the API; the old Git credential still fails', async () => {
    const results = await runDenied(session, q, 'us-east-1', 'iam:ListSSHPublicKeys');
    const errors = results.filter((r) => r.status === 'error');
    expect(errors).toHaveLength(5);
    for (const e of errors) expect(e.reason).toMatch(/^iam:ListSSHPublicKeys for IAM user \S+ failed \(AccessDenied/);
    expect(results.some((r) => r.status === 'fail')).toBe(true);
    expect(results.some((r) => r.resource === 'account')).toBe(false);
  });

  it('a refused ListUsers is an account error, never a pass', async () => {
    expect(await runDenied(session, q, 'us-east-1', 'iam:ListUsers')).toEqual([expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringMatching(/^iam:ListUsers failed \(AccessDenied/) })]);
  });

  it('the simulated list APIs page with Marker and MaxItems as IAM documents', async () => {
    const { IAMClient, ListUsersCommand, ListServiceSpecificCredentialsCommand, ListSSHPublicKeysCommand } = await import('@aws-sdk/client-iam');
    const iam = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 }).get(IAMClient);
    const first = await iam.send(new ListUsersCommand({ MaxItems: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, Users: [expect.objectContaining({ UserName: 'alice.ops', Arn: demoUser('alice.ops') }), expect.objectContaining({ UserName: 'bob.dev' })] });
    const rest = await iam.send(new ListUsersCommand({ Marker: first.Marker }));
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Users?.map((u) => u.UserName)).toEqual(['carol.former', 'ci-deployer', 'evidence-locker']);
    const all = await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true, MaxItems: 1 }));
    expect(all).toMatchObject({ IsTruncated: true, ServiceSpecificCredentials: [expect.objectContaining({ UserName: 'bob.dev', ServiceName: 'codecommit.amazonaws.com', Status: 'Active' })] });
    const bedrock = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'ci-deployer', ServiceName: 'bedrock.amazonaws.com' }));
    expect(bedrock.ServiceSpecificCredentials?.[0]).toMatchObject({ ServiceName: 'bedrock.amazonaws.com', ExpirationDate: expect.any(Date), ServiceUserName: expect.stringMatching(/^BedrockAPIKey-[0-9a-f]{4}-at-111122223333$/), ServiceCredentialAlias: expect.stringMatching(/^ci-deployer-/) });
    await expect(iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'nobody.here' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'bob.dev', ServiceName: 's3.amazonaws.com' }))).rejects.toMatchObject({ name: 'ServiceNotSupportedException' });
    const keys = await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice.ops' }));
    expect(keys).toMatchObject({ IsTruncated: false, SSHPublicKeys: [expect.objectContaining({ UserName: 'alice.ops', Status: 'Active', SSHPublicKeyId: expect.stringMatching(/^APKA/), UploadDate: expect.any(Date) })] });
  });
});
