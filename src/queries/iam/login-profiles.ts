import type { LoginProfile, MFADevice, VirtualMFADevice } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  isTrue,
  missingReport,
  readCredentialReport,
  reportAge,
  reportDate,
  unreadableResults,
  type CredentialReportEvidence,
} from './credential-report.js';

/** One console user of the credential report: its login profile (or the NoSuchEntity answer) and its own MFA devices. */
export interface ConsoleUserEvidence {
  userName: string;
  arn: string;
  loginProfile: { LoginProfile?: LoginProfile } | CapturedError;
  mfaDevices: MFADevice[];
}

/** The credential report, then GetLoginProfile and ListMFADevices per console user, and the account's virtual MFA devices. */
export interface LoginProfilesEvidence extends CredentialReportEvidence {
  users: ConsoleUserEvidence[];
  /** ListVirtualMFADevices (assigned and unassigned), without seed or QR code: those are secrets, never evidence. */
  virtualMfaDevices: Omit<VirtualMFADevice, 'Base32StringSeed' | 'QRCodePNG'>[];
}

const DAY = 86_400_000;

/** The user name in a credential-report ARN (the path is part of the ARN, not of the name). */
function userNameOf(arn: string, fallback: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1) || fallback;
}

function deviceKind(serial: string, virtualSerials: Set<string>): string {
  if (virtualSerials.has(serial) || /:mfa\//.test(serial)) return 'virtual MFA device';
  if (/:u2f\//.test(serial)) return 'FIDO security key';
  return 'hardware MFA device';
}

export const loginProfiles = defineQuery<LoginProfilesEvidence>({
  id: 'iam.login-profiles',
  service: 'iam',
  title: 'Every console user has its own MFA device, and first-use passwords must be changed',
  description:
    'For each IAM user the credential report lists with a console password: its login profile (when it was created, whether IAM forces a password change at next sign-in) and the MFA devices IAM assigns to that user alone (ListMFADevices), beside the account’s virtual MFA devices. IAM ties each device to one user; whether a person hands a device or its seed to someone else is not visible.',
  remediation:
    'Create console passwords with “require password reset” (CreateLoginProfile PasswordResetRequired), assign each console user an MFA device of their own (preferably a FIDO2 security key), and remove the console password of users who no longer need it.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS, 'iam:GetLoginProfile', 'iam:ListMFADevices', 'iam:ListVirtualMFADevices'],
  async collect(ctx) {
    const report = await collectCredentialReport(ctx);
    const { GetLoginProfileCommand, IAMClient, paginateListMFADevices, paginateListVirtualMFADevices } = await loadIamSdk();
    const iam = ctx.clients.get(IAMClient);
    const users: ConsoleUserEvidence[] = [];
    // Unreadable rows get no calls: their user name is not known; evaluate gives them an error.
    for (const row of readCredentialReport(report)?.rows ?? []) {
      if (row.user === ROOT_USER || !isTrue(row.password_enabled)) continue;
      ctx.signal?.throwIfAborted();
      const userName = userNameOf(row.arn, row.user);
      // A password removed after the report was generated answers NoSuchEntity: kept as evidence, not an error.
      const loginProfile = await captureAbsence(() => iam.send(new GetLoginProfileCommand({ UserName: userName }), { abortSignal: ctx.signal }), ['NoSuchEntity', 'NoSuchEntityException']);
      const mfaDevices: MFADevice[] = [];
      for await (const page of paginateListMFADevices({ client: iam, pageSize: 100 }, { UserName: userName })) mfaDevices.push(...(stripMetadata(page).MFADevices ?? []));
      users.push({ userName, arn: row.arn, loginProfile, mfaDevices });
    }
    const virtualMfaDevices: LoginProfilesEvidence['virtualMfaDevices'] = [];
    for await (const page of paginateListVirtualMFADevices({ client: iam, pageSize: 1000 }, { AssignmentStatus: 'Any' })) {
      ctx.signal?.throwIfAborted();
      for (const { Base32StringSeed: _seed, QRCodePNG: _qr, ...device } of stripMetadata(page).VirtualMFADevices ?? []) virtualMfaDevices.push(device);
    }
    return { ...report, users, virtualMfaDevices };
  },
  evaluate(data, _params, ctx) {
    const table = readCredentialReport(data);
    if (!table) return missingReport();
    if (!Array.isArray(data.users) || !Array.isArray(data.virtualMfaDevices)) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the GetLoginProfile, ListMFADevices or ListVirtualMFADevices responses' }];
    }
    const byArn = new Map(data.users.map((u) => [u.arn, u]));
    const virtualSerials = new Set(data.virtualMfaDevices.map((d) => d.SerialNumber ?? ''));
    // IAM assigns a device to one user; a serial under two users would mean shared evidence or a misread.
    const owners = new Map<string, Set<string>>();
    for (const u of data.users) for (const d of u.mfaDevices) owners.set(d.SerialNumber ?? '', (owners.get(d.SerialNumber ?? '') ?? new Set()).add(u.userName));
    const results: ResourceResult[] = [];
    for (const row of table.rows) {
      if (row.user === ROOT_USER || !isTrue(row.password_enabled)) continue;
      const base = { resource: row.arn, resourceType: 'AWS::IAM::User' };
      const who = `IAM user ${row.user}`;
      const u = byArn.get(row.arn);
      if (!u) {
        results.push({ ...base, status: 'error', reason: `${who} has a console password in the credential report but the evidence holds no GetLoginProfile or ListMFADevices answer for it` });
        continue;
      }
      if (isCapturedError(u.loginProfile) || !u.loginProfile.LoginProfile) {
        results.push({ ...base, status: 'not-applicable', reason: `${who} had a console password when the credential report was generated, but GetLoginProfile found none at collection: it can no longer sign in to the console` });
        continue;
      }
      const profile = u.loginProfile.LoginProfile;
      const created = toDate(profile.CreateDate);
      const used = reportDate(row.password_last_used);
      const changed = reportDate(row.password_last_changed);
      const problems: string[] = [];
      const review: string[] = [];
      const shared = u.mfaDevices.filter((d) => (owners.get(d.SerialNumber ?? '')?.size ?? 0) > 1);
      if (u.mfaDevices.length === 0) problems.push('no MFA device is assigned to it, so a password alone signs it in');
      for (const d of shared) problems.push(`MFA device ${d.SerialNumber} is listed for ${[...(owners.get(d.SerialNumber ?? '') ?? [])].join(' and ')}`);
      if (!used && !profile.PasswordResetRequired) problems.push('its password has never been used and IAM does not require a change at first sign-in');
      else if (used && created && changed && changed.getTime() - created.getTime() < DAY && !profile.PasswordResetRequired) {
        problems.push(`it still signs in with the password set when its login profile was created on ${created.toISOString().slice(0, 10)} (never changed by the user)`);
      }
      if (!problems.length && used && !changed) review.push('the credential report does not say when its password last changed, so a password never changed since creation cannot be ruled out');
      if (!problems.length && u.mfaDevices.length > 1) review.push(`${u.mfaDevices.length} MFA devices are assigned to it: confirm each is held by this user alone`);
      const devices = u.mfaDevices.length ? u.mfaDevices.map((d) => `${deviceKind(d.SerialNumber ?? '', virtualSerials)} ${d.SerialNumber}`).join(', ') : 'no MFA device';
      const password = !used
        ? `password never used${profile.PasswordResetRequired ? ', change required at first sign-in' : ''}`
        : `password last changed ${changed ? changed.toISOString().slice(0, 10) : 'at an unrecorded time'}, last used ${used.toISOString().slice(0, 10)}`;
      results.push({
        ...base,
        status: problems.length ? 'fail' : review.length ? 'needs-review' : 'pass',
        reason: problems.length ? `${who}: ${problems.join('; ')} (${password})` : `${who} has its own ${devices}; ${password}${review.length ? `; ${review.join('; ')}` : ''}`,
      });
    }
    results.push(...unreadableResults(table));
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no IAM user has a console password (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
