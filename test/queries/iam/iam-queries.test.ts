import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/iam/index.js';
import { passwordPolicy } from '../../../src/queries/iam/password-policy.js';
import { consoleMfa } from '../../../src/queries/iam/console-mfa.js';
import { unusedCredentials } from '../../../src/queries/iam/unused-credentials.js';
import { rootAccessKeys } from '../../../src/queries/iam/root-access-keys.js';
import { accessKeyAge } from '../../../src/queries/iam/access-key-age.js';
import { adminGrants, adminPolicies, fullAdminStatements } from '../../../src/queries/iam/admin-policies.js';
import { adminPrincipals } from '../../../src/queries/iam/admin-principals.js';
import { passwordExpiry } from '../../../src/queries/iam/password-expiry.js';
import { parseCsv, readCredentialReport } from '../../../src/queries/iam/credential-report.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import {
  ACCOUNT,
  COLLECTED_AT,
  CREDENTIAL_REPORT_ROWS as R,
  accountSummary,
  adminPolicy,
  adminVersion,
  authorizationDetailsPages,
  credentialReport,
  mixedReport,
  reportRow,
  scopedPolicy,
  scopedVersion,
  strongPolicy,
  weakPolicy,
} from '../../fixtures/iam/iam.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('IAM query registry', () => {
  it('registers the ten IAM queries as global, with the standard defaults', () => {
    expect(queries.map((q) => q.id).sort()).toEqual([
      'iam.access-key-age',
      'iam.admin-policies',
      'iam.admin-principals',
      'iam.console-mfa',
      'iam.login-profiles',
      'iam.password-expiry',
      'iam.password-policy',
      'iam.root-access-keys',
      'iam.service-specific-credentials',
      'iam.unused-credentials',
    ]);
    for (const q of queries) expect(q.scope).toBe('global');
    expect(passwordPolicy.parameters?.minimumPasswordLength.default).toBe(12);
    expect(unusedCredentials.parameters?.maxUnusedDays.default).toBe(90);
    expect(accessKeyAge.parameters?.maxKeyAgeDays.default).toBe(90);
    expect(rootAccessKeys.apiCalls).toEqual(['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountSummary']);
  });
});

describe('credential report parsing', () => {
  it('reads rows by header and handles quoted fields and CRLF', () => {
    expect(parseCsv('a,b\r\n"x,1","say ""hi"""\r\n')).toEqual([['a', 'b'], ['x,1', 'say "hi"']]);
    const { rows, unreadable } = readCredentialReport(mixedReport)!;
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'alice.ops', 'bob.dev', 'carol.former', 'ci-deployer', 'dave.readonly']);
    expect(rows[2]).toMatchObject({ arn: user('bob.dev'), password_enabled: 'true', mfa_active: 'false' });
    expect(unreadable).toEqual([]);
  });
  it('refuses evidence without a report', () => {
    expect(readCredentialReport(undefined)).toBeUndefined();
    expect(evaluateBoth(consoleMfa, { generate: { State: 'COMPLETE' }, report: { Content: '' } })).toEqual([expect.objectContaining({ status: 'error' })]);
  });
});

describe('iam.password-policy', () => {
  it('passes a 14-character policy with numbers, letters and reuse prevention', () => {
    expect(evaluateBoth(passwordPolicy, strongPolicy)).toEqual([expect.objectContaining({ resource: 'account', status: 'pass', reason: expect.stringContaining('minimum length 14') })]);
  });
  it('fails an 8-character policy and names each weakness', () => {
    const [r] = evaluateBoth(passwordPolicy, weakPolicy);
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('minimum length 8 is below 12');
    expect(r.reason).toContain('numbers are not required');
    expect(r.reason).toContain('reuse prevention is off');
  });
  it('honours a stricter length parameter', () => {
    expect(evaluateBoth(passwordPolicy, strongPolicy, { minimumPasswordLength: 16 })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('below 16') });
  });
  it('fails an account without a password policy (NoSuchEntity kept as evidence)', () => {
    const absent = { error: { code: 'NoSuchEntityException', message: 'The Password Policy with domain name 111122223333 cannot be found.' } };
    expect(evaluateBoth(passwordPolicy, absent)).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('no IAM password policy') })]);
  });
  it('judges only the checks a requirement asks for: 8.3.6 length and composition, 8.3.7 reuse', () => {
    // Long, composed passwords with reuse prevention off: a length requirement passes, a reuse requirement fails.
    const noReuse = { PasswordPolicy: { ...strongPolicy.PasswordPolicy, PasswordReusePrevention: undefined } };
    expect(evaluateBoth(passwordPolicy, noReuse, { passwordPolicyChecks: ['length', 'composition'] })[0]).toMatchObject({ status: 'pass' });
    expect(evaluateBoth(passwordPolicy, noReuse, { passwordPolicyChecks: ['reuse'] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('reuse prevention is off') });
    const [lengthOnly] = evaluateBoth(passwordPolicy, weakPolicy, { passwordPolicyChecks: ['length', 'composition'] });
    expect(lengthOnly.reason).not.toContain('reuse prevention is off');
    expect(evaluateBoth(passwordPolicy, strongPolicy, { passwordPolicyChecks: ['nonsense'] })[0]).toMatchObject({ status: 'error' });
  });
});

describe('iam.password-expiry (PCI DSS 8.3.9)', () => {
  const report = credentialReport([R.root, R.alice, R.bob, R.ci, R.dave]);
  it('fails a password-only user when passwords never expire, and leaves MFA users out of scope', () => {
    expect(statusOf(evaluateBoth(passwordExpiry, { passwordPolicy: weakPolicy, credentialReport: report }))).toEqual({
      [user('alice.ops')]: 'not-applicable',
      [user('bob.dev')]: 'fail',
    });
    const [bob] = evaluateBoth(passwordExpiry, { passwordPolicy: weakPolicy, credentialReport: report }).filter((r) => r.resource === user('bob.dev'));
    expect(bob.reason).toContain('no maximum password age');
  });
  it('does not pass on access-key age: a 90-day MaxPasswordAge passes, 180 days or no policy fails', () => {
    expect(statusOf(evaluateBoth(passwordExpiry, { passwordPolicy: strongPolicy, credentialReport: report }))[user('bob.dev')]).toBe('pass');
    const slow = { PasswordPolicy: { ...strongPolicy.PasswordPolicy, MaxPasswordAge: 180 } };
    expect(statusOf(evaluateBoth(passwordExpiry, { passwordPolicy: slow, credentialReport: report }))[user('bob.dev')]).toBe('fail');
    const absent = { error: { code: 'NoSuchEntity', message: 'no policy' } };
    expect(statusOf(evaluateBoth(passwordExpiry, { passwordPolicy: absent, credentialReport: report }))[user('bob.dev')]).toBe('fail');
  });
  it('is not applicable without console users and an error without the policy response', () => {
    expect(evaluateBoth(passwordExpiry, { passwordPolicy: strongPolicy, credentialReport: credentialReport([R.root, R.ci]) })).toEqual([
      expect.objectContaining({ status: 'not-applicable' }),
    ]);
    expect(evaluateBoth(passwordExpiry, { passwordPolicy: {}, credentialReport: report })).toEqual([expect.objectContaining({ status: 'error' })]);
  });
});

describe('iam.console-mfa', () => {
  it('fails console users without MFA, passes those with it, and judges the root user', () => {
    expect(statusOf(evaluateBoth(consoleMfa, mixedReport))).toEqual({
      [`arn:aws:iam::${ACCOUNT}:root`]: 'pass',
      [user('alice.ops')]: 'pass',
      [user('bob.dev')]: 'fail',
      [user('carol.former')]: 'pass',
    });
    expect(statusOf(evaluateBoth(consoleMfa, credentialReport([R.rootWithKey])))).toEqual({ [`arn:aws:iam::${ACCOUNT}:root`]: 'fail' });
  });
  it('leaves out users without a console password', () => {
    const results = evaluateBoth(consoleMfa, mixedReport);
    expect(results.map((r) => r.resource)).not.toContain(user('automation/ci-deployer'));
  });
});

describe('iam.unused-credentials', () => {
  it('fails a user whose password and key went unused beyond 90 days', () => {
    const results = evaluateBoth(unusedCredentials, mixedReport);
    expect(statusOf(results)).toEqual({
      [user('alice.ops')]: 'pass',
      [user('bob.dev')]: 'pass',
      [user('carol.former')]: 'fail',
      [user('automation/ci-deployer')]: 'pass',
      [user('dave.readonly')]: 'pass',
    });
    const carol = results.find((r) => r.resource === user('carol.former'))!;
    expect(carol.reason).toContain('console password last used 200 days ago');
    expect(carol.reason).toContain('access key 1 never used, issued 400 days ago');
  });
  it('uses the maxUnusedDays parameter', () => {
    expect(statusOf(evaluateBoth(unusedCredentials, mixedReport, { maxUnusedDays: 5 }))[user('bob.dev')]).toBe('fail');
    expect(statusOf(evaluateBoth(unusedCredentials, mixedReport, { maxUnusedDays: 500 }))[user('carol.former')]).toBe('pass');
  });
});

describe('iam.root-access-keys', () => {
  it('passes when neither the report nor the summary shows a root key', () => {
    expect(evaluateBoth(rootAccessKeys, { credentialReport: mixedReport, accountSummary: accountSummary(0) })).toEqual([
      expect.objectContaining({ resource: `arn:aws:iam::${ACCOUNT}:root`, status: 'pass', reason: expect.stringMatching(/the credential report shows no root access key .* the account summary counts 0/) }),
    ]);
  });
  it('fails when either source shows one', () => {
    expect(evaluateBoth(rootAccessKeys, { credentialReport: credentialReport([R.rootWithKey]), accountSummary: accountSummary(1) })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('access key 1 active') });
    expect(evaluateBoth(rootAccessKeys, { credentialReport: mixedReport, accountSummary: accountSummary(1) })[0].status).toBe('fail');
  });
  it('errors without either source', () => {
    expect(evaluateBoth(rootAccessKeys, {})[0].status).toBe('error');
  });
  it('does not pass on the credential report alone when GetAccountSummary failed: an inactive root key is not ruled out', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized to perform: iam:GetAccountSummary' } };
    expect(evaluateBoth(rootAccessKeys, { credentialReport: mixedReport, accountSummary: denied })[0]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('could not be read: AccessDenied'),
    });
    expect(evaluateBoth(rootAccessKeys, { credentialReport: credentialReport([R.rootWithKey]), accountSummary: denied })[0].status).toBe('fail');
  });
  it('fails an inactive root key the report dates, even without the account summary (a key that exists is not deleted)', () => {
    const denied = { error: { code: 'AccessDenied', message: 'denied' } };
    const inactive = reportRow({ user: '<root_account>', arn: `arn:aws:iam::${ACCOUNT}:root`, password_enabled: 'not_supported', mfa_active: 'true', access_key_1_last_rotated: '2019-03-01T10:00:00+00:00' });
    expect(evaluateBoth(rootAccessKeys, { credentialReport: credentialReport([inactive]), accountSummary: denied })[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('root access key 1 inactive but not deleted (created or last rotated 2019-03-01T10:00:00.000Z)'),
    });
  });
});

describe('iam.access-key-age', () => {
  it('fails active keys older than 90 days and ignores inactive ones', () => {
    const results = evaluateBoth(accessKeyAge, mixedReport);
    expect(statusOf(results)).toEqual({
      [`${user('alice.ops')}#access-key-1`]: 'pass',
      [`${user('carol.former')}#access-key-1`]: 'fail',
      [`${user('automation/ci-deployer')}#access-key-1`]: 'fail',
    });
    expect(results.find((r) => r.resource.includes('ci-deployer'))!.reason).toContain('200 days before collection (2024-11-13T00:00:00.000Z), beyond the 90-day limit');
  });
  it('includes a root key and is not applicable without active keys', () => {
    expect(statusOf(evaluateBoth(accessKeyAge, credentialReport([R.rootWithKey])))).toEqual({ [`arn:aws:iam::${ACCOUNT}:root#access-key-1`]: 'fail' });
    expect(statusOf(evaluateBoth(accessKeyAge, credentialReport([R.root, R.bob, R.dave])))).toEqual({ account: 'not-applicable' });
  });
});

describe('iam.access-key-age compares ages exactly', () => {
  const key = (rotated: string) => credentialReport([reportRow({ user: 'svc', access_key_1_active: 'true', access_key_1_last_rotated: rotated, access_key_1_last_used_date: '2025-05-31T00:00:00+00:00' })]);
  it('fails a key 90 days and 23 hours old against a 90-day limit, and says its age to the hour', () => {
    expect(evaluateBoth(accessKeyAge, key('2025-03-02T01:00:00+00:00'))[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('90 days 23 hours before collection (2025-03-02T01:00:00.000Z), beyond the 90-day limit'),
    });
  });
  it('passes a key exactly 90 days old', () => {
    expect(evaluateBoth(accessKeyAge, key('2025-03-03T00:00:00+00:00'))[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('90 days before collection') });
  });
});

describe('credential report rows that cannot be tied to one user are not read', () => {
  // IAM user names may hold commas (CreateUser: [\w+=,.@-]+). The IAM documentation does not say how the report quotes
  // them; written without quoting, user "eve,false" adds a field and every later column shifts (here: console password,
  // no MFA, a 3-year-old active key would read as no password and no key).
  const shifted =
    `eve,false,arn:aws:iam::${ACCOUNT}:user/eve,false,2022-01-01T00:00:00+00:00,true,2025-05-30T00:00:00+00:00,2022-01-01T00:00:00+00:00,N/A,false,` +
    `true,2022-01-01T00:00:00+00:00,2023-05-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
  const report = credentialReport([R.root, R.bob, shifted, R.ci]);
  const lineError = (n: number) => ({
    resource: `credential report line ${n}`,
    resourceType: 'AWS::::Account',
    status: 'error',
    reason: expect.stringMatching(new RegExp(`^line ${n} of the credential report \\(first field "eve"\\) was not read: it has 24 fields where the header has 22`)),
  });

  it('every query that reads the report gives the row an error naming its line and first field; other rows keep their results', () => {
    expect(evaluateBoth(consoleMfa, report)).toEqual([
      expect.objectContaining({ resource: `arn:aws:iam::${ACCOUNT}:root`, status: 'pass' }),
      expect.objectContaining({ resource: user('bob.dev'), status: 'fail' }),
      lineError(4),
    ]);
    expect(statusOf(evaluateBoth(accessKeyAge, report))).toEqual({ [`${user('automation/ci-deployer')}#access-key-1`]: 'fail', 'credential report line 4': 'error' });
    expect(statusOf(evaluateBoth(unusedCredentials, report))).toEqual({ [user('bob.dev')]: 'pass', [user('automation/ci-deployer')]: 'pass', 'credential report line 4': 'error' });
    expect(evaluateBoth(unusedCredentials, report)).toContainEqual(lineError(4));
    expect(statusOf(evaluateBoth(passwordExpiry, { passwordPolicy: weakPolicy, credentialReport: report }))).toEqual({ [user('bob.dev')]: 'fail', 'credential report line 4': 'error' });
    expect(statusOf(evaluateBoth(rootAccessKeys, { credentialReport: report, accountSummary: accountSummary(0) }))).toEqual({ [`arn:aws:iam::${ACCOUNT}:root`]: 'pass', 'credential report line 4': 'error' });
  });
  it('an unreadable row alone is an error, never "no console user" or "no active key"', () => {
    const only = credentialReport([shifted]);
    expect(evaluateBoth(consoleMfa, only)).toEqual([lineError(2)]);
    expect(evaluateBoth(accessKeyAge, only)).toEqual([lineError(2)]);
    expect(evaluateBoth(unusedCredentials, only)).toEqual([lineError(2)]);
  });
  it('a row with fewer fields, or whose arn is not its user\'s, is not read either', () => {
    const short = R.bob.split(',').slice(0, 20).join(',');
    const otherArn = reportRow({ user: 'mallory', arn: user('alice.ops'), access_key_1_active: 'true', access_key_1_last_rotated: '2020-01-01T00:00:00+00:00' });
    const fakeRoot = reportRow({ user: '<root_account>', arn: user('root') });
    const results = evaluateBoth(accessKeyAge, credentialReport([short, otherArn, fakeRoot]));
    expect(results).toEqual([
      expect.objectContaining({ resource: 'credential report line 2', status: 'error', reason: expect.stringContaining('(first field "bob.dev") was not read: it has 20 fields where the header has 22') }),
      expect.objectContaining({ resource: 'credential report line 3', status: 'error', reason: expect.stringContaining(`its arn "${user('alice.ops')}" does not end in :user/…/mallory`) }),
      expect.objectContaining({ resource: 'credential report line 4', status: 'error', reason: expect.stringContaining('is not a root user ARN') }),
    ]);
  });
  it('reads a user name IAM quotes per RFC 4180, with a path in its arn, and counts lines across a quoted line break', () => {
    const quoted = reportRow({ user: '"eve,false"', arn: `"arn:aws:iam::${ACCOUNT}:user/team/eve,false"`, password_enabled: 'true', password_last_used: '2025-05-30T00:00:00+00:00' });
    const { rows, unreadable } = readCredentialReport(credentialReport([quoted]))!;
    expect(unreadable).toEqual([]);
    expect(rows[0]).toMatchObject({ user: 'eve,false', password_enabled: 'true' });
    expect(statusOf(evaluateBoth(consoleMfa, credentialReport([quoted])))).toEqual({ [user('team/eve,false')]: 'fail' });
    const broken = readCredentialReport(credentialReport(['"two\nlines",x', R.bob.replace('bob.dev,', 'bob.dev,extra,')]))!;
    expect(broken.unreadable.map((u) => [u.line, u.first])).toEqual([[2, 'two\nlines'], [4, 'bob.dev']]);
  });
});

describe('iam.unused-credentials: signing certificates and what the report does not cover', () => {
  it('asks for review of a user whose only credential is an active signing certificate older than the limit (its use is not recorded)', () => {
    const legacy = reportRow({ user: 'legacy-soap', user_creation_time: '2015-01-01T00:00:00+00:00', cert_1_active: 'true', cert_1_last_rotated: '2015-01-01T00:00:00+00:00' });
    expect(evaluateBoth(unusedCredentials, credentialReport([legacy]))[0]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('signing certificate 1 issued 3804 days ago, its use not recorded in the report'),
    });
  });
  it('passes a certificate issued within the limit, and fails a user with an idle key while naming its certificate', () => {
    const fresh = reportRow({ user: 'new-soap', cert_2_active: 'true', cert_2_last_rotated: '2025-05-01T00:00:00+00:00' });
    expect(evaluateBoth(unusedCredentials, credentialReport([fresh]))[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('signing certificate 2 issued 31 days ago') });
    const both = reportRow({ user: 'both', cert_1_active: 'true', cert_1_last_rotated: '2020-01-01T00:00:00+00:00', access_key_1_active: 'true', access_key_1_last_rotated: '2020-01-01T00:00:00+00:00' });
    const [r] = evaluateBoth(unusedCredentials, credentialReport([both]));
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('access key 1 never used, issued') });
    expect(r.reason).toContain('signing certificate 1 issued');
  });
  it('fails a password unused for 90 days and 23 hours (exact comparison)', () => {
    const idle = reportRow({ user: 'idle', password_enabled: 'true', password_last_used: '2025-03-02T01:00:00+00:00', password_last_changed: '2024-01-01T00:00:00+00:00' });
    expect(evaluateBoth(unusedCredentials, credentialReport([idle]))[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('console password last used 90 days 23 hours ago') });
  });
  it('says that service-specific credentials and SSH public keys are not judged when it passes', () => {
    const [r] = evaluateBoth(unusedCredentials, credentialReport([R.dave]));
    expect(r).toMatchObject({ status: 'pass', reason: expect.stringContaining('has no active password, access key or signing certificate') });
    expect(r.reason).toContain('service-specific credentials and SSH public keys are not in the credential report and were not judged');
  });
});

describe('iam.console-mfa: a root user without credentials', () => {
  const rootRow = (o: Record<string, string>) => reportRow({ user: '<root_account>', arn: `arn:aws:iam::${ACCOUNT}:root`, ...o });
  it('asks for review instead of failing when the report shows the root user with no password (false) and no access key', () => {
    expect(evaluateBoth(consoleMfa, credentialReport([rootRow({ password_enabled: 'false', mfa_active: 'false' })]))[0]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('no password (password_enabled false) and no access key'),
    });
  });
  it('still fails a root user without MFA when password_enabled is not_supported (the usual value, which says nothing) or a key exists', () => {
    expect(evaluateBoth(consoleMfa, credentialReport([rootRow({ password_enabled: 'not_supported' })]))[0].status).toBe('fail');
    expect(evaluateBoth(consoleMfa, credentialReport([rootRow({ password_enabled: 'false', access_key_1_last_rotated: '2019-03-01T10:00:00+00:00' })]))[0].status).toBe('fail');
  });
});

describe('iam.password-policy says the policy is not retroactive', () => {
  it('its pass reason says passwords set before the policy are not shown to meet it', () => {
    expect(evaluateBoth(passwordPolicy, strongPolicy)[0].reason).toContain('IAM applies it to passwords set or changed after it took effect, and passwords set before it are not shown to meet it');
  });
});

describe('iam.admin-policies', () => {
  it('fails a policy allowing * on * and passes a scoped one (a Deny * does not count)', () => {
    const data = { policies: [adminPolicy, scopedPolicy], versions: [{ policyArn: adminPolicy.Arn!, version: adminVersion }, { policyArn: scopedPolicy.Arn!, version: scopedVersion }] };
    expect(statusOf(evaluateBoth(adminPolicies, data))).toEqual({ [adminPolicy.Arn!]: 'fail', [scopedPolicy.Arn!]: 'pass' });
  });
  it('recognises *:* and list forms, and errors on a missing document', () => {
    expect(fullAdminStatements(JSON.stringify({ Statement: { Effect: 'Allow', Action: ['s3:GetObject', '*:*'], Resource: ['*'] } }))).toHaveLength(1);
    expect(fullAdminStatements(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }))).toHaveLength(0);
    expect(statusOf(evaluateBoth(adminPolicies, { policies: [adminPolicy], versions: [] }))).toEqual({ [adminPolicy.Arn!]: 'error' });
  });
  it('counts administrator-equivalent grants: NotAction that leaves IAM open, and IAM actions that grant any permission, on every resource', () => {
    const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
    const how = (d: string) => adminGrants(d).map((g) => g.how);
    expect(how(doc({ Effect: 'Allow', NotAction: 's3:DeleteBucket', Resource: '*' }))).toEqual([expect.stringMatching(/^every action except s3:DeleteBucket on every resource, iam:PutUserPolicy and iam:PutGroupPolicy included: it can grant itself any permission$/)]);
    // PowerUserAccess's shape: everything but IAM, Organizations and Account is broad, not administrator-equivalent.
    expect(how(doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }))).toEqual([]);
    expect(how(doc({ Effect: 'Allow', Action: ['iam:Put*', 's3:GetObject'], Resource: '*' }))).toEqual([expect.stringContaining('iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy on every resource')]);
    expect(how(doc({ Effect: 'Allow', Action: 'IAM:attachrolepolicy', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }))).toEqual([expect.stringContaining('iam:AttachRolePolicy on every resource (under a condition)')]);
    // Scoped to named resources, read-only IAM, or a deny: none of these.
    expect(how(doc({ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: 'arn:aws:iam::111122223333:role/app' }))).toEqual([]);
    expect(how(doc({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }))).toEqual([]);
    expect(how(doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }))).toEqual([]);
    // Resources count by pattern, not only as the literal '*'.
    expect(how(doc({ Effect: 'Allow', Action: '*', Resource: 'arn:*' }))).toEqual(['every action on arn:*']);
    expect(how(doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::audit-logs/*' }))).toEqual(['every action on every resource except arn:aws:s3:::audit-logs/*']);
    expect(how(doc({ Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: 'arn:aws:iam::111122223333:role/*' }))).toEqual([expect.stringContaining('iam:AttachRolePolicy on arn:aws:iam::111122223333:role/*: it can grant itself any permission')]);
    expect(how(doc({ Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: 'arn:aws-us-gov:iam::*:user/*' }))).toHaveLength(1);
    // A role-only grant reaches no user: CreateAccessKey on roles is not a thing.
    expect(how(doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::111122223333:role/*' }))).toEqual([]);
    expect(how(doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::*' }))).toEqual([]);
    const escalating = { ...scopedPolicy, Arn: scopedPolicy.Arn!.replace(/[^/]+$/, 'SelfService'), PolicyName: 'SelfService' };
    const version = { ...scopedVersion, Document: encodeURIComponent(doc({ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: '*' })) };
    const [r] = evaluateBoth(adminPolicies, { policies: [escalating], versions: [{ policyArn: escalating.Arn, version }] });
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('grants administrator access in its default version') });
  });
  it('passes an account without customer managed policies', () => {
    expect(statusOf(evaluateBoth(adminPolicies, { policies: [], versions: [] }))).toEqual({ account: 'pass' });
  });
});

describe('iam.admin-principals', () => {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  it('lists every principal with full administrative access, by each path, for review; others are not listed', () => {
    const results = evaluateBoth(adminPrincipals, { pages: authorizationDetailsPages });
    expect(statusOf(results)).toEqual({
      [`arn:aws:iam::${ACCOUNT}:group/Admins`]: 'needs-review',
      [user('alice.ops')]: 'needs-review',
      [user('automation/ci-deployer')]: 'needs-review',
      [role('legacy-ops')]: 'needs-review',
    });
    const reason = (r: string) => results.find((x) => x.resource === r)?.reason;
    expect(reason(`arn:aws:iam::${ACCOUNT}:group/Admins`)).toContain('through AWS managed policy AdministratorAccess');
    expect(reason(user('alice.ops'))).toContain('through membership of group Admins');
    expect(reason(user('automation/ci-deployer'))).toContain('through user inline policy DeployEverything');
    // The customer managed policy counts by its default version (v3 allows everything; v2 would not).
    expect(reason(role('legacy-ops'))).toContain('through customer managed policy LegacyOpsFullAccess');
  });

  it('lists a role with IAMFullAccess or an inline NotAction statement as administrator-equivalent', () => {
    const pages = [{
      RoleDetailList: [
        { RoleName: 'iam-admin', Arn: role('iam-admin'), AttachedManagedPolicies: [{ PolicyName: 'IAMFullAccess', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' }] },
        { RoleName: 'almost-all', Arn: role('almost-all'), RolePolicyList: [{ PolicyName: 'AllButBilling', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', NotAction: 'aws-portal:*', Resource: '*' }] }) }] },
        { RoleName: 'power-user', Arn: role('power-user'), AttachedManagedPolicies: [{ PolicyName: 'PowerUserAccess', PolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' }] },
      ],
    }];
    const results = evaluateBoth(adminPrincipals, { pages });
    expect(statusOf(results)).toEqual({ [role('iam-admin')]: 'needs-review', [role('almost-all')]: 'needs-review' });
    expect(results.find((x) => x.resource === role('iam-admin'))!.reason).toContain('through AWS managed policy IAMFullAccess (every IAM action: it can grant itself any permission)');
    expect(results.find((x) => x.resource === role('almost-all'))!.reason).toContain('role inline policy AllButBilling (every action except aws-portal:* on every resource');
  });

  it('follows the default version: the same policy with a scoped default grants nothing', () => {
    const pages = structuredClone(authorizationDetailsPages);
    const legacy = pages[1].Policies![0];
    legacy.DefaultVersionId = 'v2';
    legacy.PolicyVersionList = legacy.PolicyVersionList!.map((v) => ({ ...v, IsDefaultVersion: v.VersionId === 'v2' }));
    expect(statusOf(evaluateBoth(adminPrincipals, { pages }))[role('legacy-ops')]).toBeUndefined();
  });

  it('passes an account where no principal has full access, saying how many were examined', () => {
    const pages = [{ UserDetailList: [authorizationDetailsPages[0].UserDetailList![1]], GroupDetailList: [authorizationDetailsPages[0].GroupDetailList![1]], RoleDetailList: [authorizationDetailsPages[1].RoleDetailList![1]], Policies: authorizationDetailsPages[1].Policies }];
    expect(evaluateBoth(adminPrincipals, { pages })).toEqual([expect.objectContaining({ resource: 'account', status: 'pass', reason: expect.stringContaining('(1 users, 1 groups, 1 roles examined)') })]);
  });

  it('errors on evidence without a response and on an inline document that is not JSON', () => {
    expect(statusOf(evaluateBoth(adminPrincipals, { pages: [] }))).toEqual({ account: 'error' });
    const broken = [{ UserDetailList: [{ UserName: 'x', Arn: user('x'), UserPolicyList: [{ PolicyName: 'Bad', PolicyDocument: '%7Bnot-json' }] }] }];
    expect(evaluateBoth(adminPrincipals, { pages: broken })).toEqual([expect.objectContaining({ status: 'error', reason: 'user inline policy Bad: the document is not valid JSON' })]);
  });
});

describe('credential report booleans are read whatever their case', () => {
  it('TRUE (as the IAM user guide prints it) is true: a console user without MFA and an old active key are still judged', () => {
    const row = reportRow({ user: 'upper', password_enabled: 'TRUE', mfa_active: 'FALSE', access_key_1_active: 'TRUE', access_key_1_last_rotated: '2022-01-01T00:00:00+00:00' });
    const report = credentialReport([R.root, row]);
    expect(statusOf(evaluateBoth(consoleMfa, report))[user('upper')]).toBe('fail');
    expect(statusOf(evaluateBoth(accessKeyAge, report))[`${user('upper')}#access-key-1`]).toBe('fail');
  });
});
