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
import { credentialReportRows, parseCsv } from '../../../src/queries/iam/credential-report.js';
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
  it('registers the nine IAM queries as global, with the standard defaults', () => {
    expect(queries.map((q) => q.id).sort()).toEqual([
      'iam.access-key-age',
      'iam.admin-policies',
      'iam.admin-principals',
      'iam.console-mfa',
      'iam.login-profiles',
      'iam.password-expiry',
      'iam.password-policy',
      'iam.root-access-keys',
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
    const rows = credentialReportRows(mixedReport)!;
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'alice.ops', 'bob.dev', 'carol.former', 'ci-deployer', 'dave.readonly']);
    expect(rows[2]).toMatchObject({ arn: user('bob.dev'), password_enabled: 'true', mfa_active: 'false' });
  });
  it('refuses evidence without a report', () => {
    expect(credentialReportRows(undefined)).toBeUndefined();
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
      expect.objectContaining({ resource: `arn:aws:iam::${ACCOUNT}:root`, status: 'pass', reason: expect.stringContaining('the credential report and the account summary') }),
    ]);
  });
  it('fails when either source shows one', () => {
    expect(evaluateBoth(rootAccessKeys, { credentialReport: credentialReport([R.rootWithKey]), accountSummary: accountSummary(1) })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('access key 1 active') });
    expect(evaluateBoth(rootAccessKeys, { credentialReport: mixedReport, accountSummary: accountSummary(1) })[0].status).toBe('fail');
  });
  it('errors without either source', () => {
    expect(evaluateBoth(rootAccessKeys, {})[0].status).toBe('error');
  });
  it('judges from the credential report alone when GetAccountSummary failed, and says so', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized to perform: iam:GetAccountSummary' } };
    expect(evaluateBoth(rootAccessKeys, { credentialReport: mixedReport, accountSummary: denied })[0]).toMatchObject({
      status: 'pass',
      reason: expect.stringContaining('could not be read: AccessDenied'),
    });
    expect(evaluateBoth(rootAccessKeys, { credentialReport: credentialReport([R.rootWithKey]), accountSummary: denied })[0].status).toBe('fail');
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
    expect(results.find((r) => r.resource.includes('ci-deployer'))!.reason).toContain('200 days ago (2024-11-13), beyond the 90-day limit');
  });
  it('includes a root key and is not applicable without active keys', () => {
    expect(statusOf(evaluateBoth(accessKeyAge, credentialReport([R.rootWithKey])))).toEqual({ [`arn:aws:iam::${ACCOUNT}:root#access-key-1`]: 'fail' });
    expect(statusOf(evaluateBoth(accessKeyAge, credentialReport([R.root, R.bob, R.dave])))).toEqual({ account: 'not-applicable' });
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
