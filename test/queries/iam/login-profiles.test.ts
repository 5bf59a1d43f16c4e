import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { loginProfiles, type LoginProfilesEvidence } from '../../../src/queries/iam/login-profiles.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, CREDENTIAL_REPORT_ROWS as R, credentialReport } from '../../fixtures/iam/iam.js';
import { loginEvidence } from '../../fixtures/iam/login-profiles.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: COLLECTED_AT };
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = loginProfiles.evaluate(data, {}, ctx);
  expect(loginProfiles.evaluate(JSON.parse(canonicalJson(data)) as unknown, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('iam.login-profiles', () => {
  const results = evaluateBoth(loginEvidence);
  const by = Object.fromEntries(results.map((r) => [r.resource, r]));

  it('judges only console users (not the root user, not users without a password)', () => {
    expect(Object.keys(by).sort()).toEqual(['alice.ops', 'bob.dev', 'carol.former', 'erin.new', 'frank.new', 'gina.two', 'hank.shared', 'ivan.gone', 'jo.unknown'].map(user).sort());
  });
  it('passes a user with its own device, and a new user whose unused password must be changed at first sign-in', () => {
    expect(by[user('alice.ops')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('FIDO security key') });
    expect(by[user('erin.new')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('change required at first sign-in') });
  });
  it('fails no MFA device, a first-use password without forced change, a password never changed since creation, and a device listed for two users', () => {
    expect(by[user('bob.dev')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no MFA device is assigned') });
    expect(by[user('frank.new')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('does not require a change at first sign-in') });
    expect(by[user('carol.former')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('never changed by the user') });
    expect(by[user('hank.shared')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('GAHT87654321 is listed for frank.new and hank.shared') });
  });
  it('asks for review when a user holds several devices or the report lacks the password change date', () => {
    expect(by[user('gina.two')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('2 MFA devices') });
    expect(by[user('jo.unknown')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('does not say when its password last changed') });
  });
  it('a password removed after the report is not-applicable; a console user missing from the evidence is an error, never a pass', () => {
    expect(by[user('ivan.gone')].status).toBe('not-applicable');
    const partial: LoginProfilesEvidence = { ...loginEvidence, users: loginEvidence.users.filter((u) => u.userName !== 'bob.dev') };
    expect(evaluateBoth(partial).find((r) => r.resource === user('bob.dev'))?.status).toBe('error');
  });
  it('no report, or no per-user answers, is an error; no console user is not-applicable', () => {
    expect(evaluateBoth({ generate: { State: 'COMPLETE' }, report: { Content: '' }, users: [], virtualMfaDevices: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth(credentialReport([R.root, R.alice])).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ ...credentialReport([R.root, R.ci, R.dave]), users: [], virtualMfaDevices: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
  it('a report row whose field count differs from the header is an error naming its line; the other users keep their results', () => {
    const shifted = R.bob.replace('bob.dev,', 'bob,dev,');
    const data = { ...loginEvidence, report: { ...loginEvidence.report, Content: `${loginEvidence.report.Content}\n${shifted}` } };
    const line = data.report.Content.split('\n').length;
    const results = evaluateBoth(data);
    expect(results.at(-1)).toMatchObject({ resource: `credential report line ${line}`, status: 'error', reason: expect.stringContaining('(first field "bob") was not read: it has 23 fields') });
    expect(results.slice(0, -1)).toEqual(evaluateBoth(loginEvidence));
    expect(evaluateBoth({ ...credentialReport([shifted]), users: [], virtualMfaDevices: [] }).map((r) => r.status)).toEqual(['error']);
  });
});

describe('iam.login-profiles against the simulated demo account', () => {
  const session = demoSession();
  it('alice passes with her security key; bob has no device; carol still has her creation-time password', async () => {
    const { results, calls, data } = await session.run(queryById('iam.login-profiles')!, 'us-east-1');
    expect(statusOf(results)).toEqual({ [user('alice.ops')]: 'pass', [user('bob.dev')]: 'fail', [user('carol.former')]: 'fail' });
    expect(results.find((r) => r.resource === user('carol.former'))?.reason).toContain('never changed by the user');
    const ops = calls.map((c) => c.operation);
    expect(ops.filter((o) => o === 'iam:GetLoginProfile')).toHaveLength(3);
    expect(ops.filter((o) => o === 'iam:ListMFADevices')).toHaveLength(3);
    expect(ops.at(-1)).toBe('iam:ListVirtualMFADevices');
    const virtual = (data as LoginProfilesEvidence).virtualMfaDevices;
    // The unassigned device is evidence too; seeds and QR codes never are.
    expect(virtual.map((d) => d.SerialNumber)).toContain('arn:aws:iam::111122223333:mfa/old-phone-ops');
    expect(JSON.stringify(virtual)).not.toMatch(/Base32StringSeed|QRCodePNG/);
  });
});
