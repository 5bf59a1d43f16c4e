import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
  type PasswordPolicy,
  type Policy,
  type PolicyVersion,
} from '@aws-sdk/client-iam';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedIam } from '../worlds/seed-iam.js';

export interface SimAccessKey {
  id: string;
  status: 'Active' | 'Inactive';
  created: Date;
  lastUsed?: { date: Date; region: string; service: string };
}

/** An IAM user (or the root user) as far as the credential report describes it. */
export interface SimIamUser {
  name: string;
  path: string;
  userId: string;
  created: Date;
  /** Console password, when the user has one. */
  password?: { lastChanged: Date; lastUsed?: Date };
  mfa: boolean;
  accessKeys: SimAccessKey[];
}

/** A customer managed policy and its versions (documents as JSON objects; IAM returns them URL-encoded). */
export interface SimManagedPolicy {
  name: string;
  path: string;
  policyId: string;
  created: Date;
  attachmentCount: number;
  defaultVersionId: string;
  versions: { id: string; created: Date; document: object }[];
}

export interface IamState {
  passwordPolicy?: PasswordPolicy;
  root: Omit<SimIamUser, 'name' | 'path' | 'userId'> & { passwordLastUsed?: Date };
  users: SimIamUser[];
  policies: SimManagedPolicy[];
  roles: number;
  groups: number;
  /** The credential report: generation is asynchronous, as in IAM (STARTED, then COMPLETE on a later call). */
  credentialReport?: { generatedAt: Date; content?: string };
}

declare module '../world.js' {
  interface GlobalState {
    iam: IamState;
  }
}

export function emptyIamState(created = new Date('2020-01-01T00:00:00Z')): IamState {
  return { root: { created, mfa: true, accessKeys: [] }, users: [], policies: [], roles: 0, groups: 0 };
}

export function iamState(account: SimAccount): IamState {
  return account.globalState('iam', () => emptyIamState());
}

const REPORT_LIFETIME_MS = 4 * 3_600_000;
const noSuchEntity = (message: string) => new SimError('NoSuchEntity', message, 404);

const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, '+00:00') : 'N/A');

/** The credential report CSV, column for column as IAM writes it. */
export function credentialReportCsv(account: SimAccount, s: IamState): string {
  const header =
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
  const keyCols = (keys: SimAccessKey[]) =>
    [0, 1].flatMap((i) => {
      const k = keys[i];
      if (!k) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
      return [String(k.status === 'Active'), iso(k.created), iso(k.lastUsed?.date), k.lastUsed?.region ?? 'N/A', k.lastUsed?.service ?? 'N/A'];
    });
  const root = s.root;
  const rows = [
    ['<root_account>', `arn:aws:iam::${account.id}:root`, iso(root.created), 'not_supported', iso(root.passwordLastUsed), 'not_supported', 'not_supported', String(root.mfa), ...keyCols(root.accessKeys), 'false', 'N/A', 'false', 'N/A'],
    ...s.users.map((u) => [
      u.name,
      `arn:aws:iam::${account.id}:user${u.path}${u.name}`,
      iso(u.created),
      String(!!u.password),
      u.password ? (u.password.lastUsed ? iso(u.password.lastUsed) : 'no_information') : 'N/A',
      u.password ? iso(u.password.lastChanged) : 'N/A',
      'N/A',
      String(u.mfa),
      ...keyCols(u.accessKeys),
      'false',
      'N/A',
      'false',
      'N/A',
    ]),
  ];
  return [header, ...rows.map((r) => r.join(','))].join('\n');
}

function policyArn(account: SimAccount, p: SimManagedPolicy): string {
  return `arn:aws:iam::${account.id}:policy${p.path}${p.name}`;
}

function toPolicy(account: SimAccount, p: SimManagedPolicy): Policy {
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: policyArn(account, p),
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    CreateDate: p.created,
    UpdateDate: p.versions.find((v) => v.id === p.defaultVersionId)?.created ?? p.created,
  };
}

const state = (ctx: CallContext) => iamState(ctx.account);

export const iam: SimService = {
  name: 'iam',
  signingName: 'iam',
  protocol: awsQuery,
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  seed: (account, world) => seedIam(account, world),
  operations: [
    operation(GetAccountPasswordPolicyCommand, (_input, ctx) => {
      const p = state(ctx).passwordPolicy;
      if (!p) throw noSuchEntity(`The Password Policy with domain name ${ctx.account.id} cannot be found.`);
      return { PasswordPolicy: p };
    }),

    operation(GetAccountSummaryCommand, (_input, ctx) => {
      const s = state(ctx);
      return {
        SummaryMap: {
          Users: s.users.length,
          Groups: s.groups,
          Roles: s.roles,
          Policies: s.policies.length,
          AccountMFAEnabled: s.root.mfa ? 1 : 0,
          AccountAccessKeysPresent: s.root.accessKeys.filter((k) => k.status === 'Active').length > 0 ? 1 : 0,
          AccountSigningCertificatesPresent: 0,
          MFADevices: s.users.filter((u) => u.mfa).length + (s.root.mfa ? 1 : 0),
          MFADevicesInUse: s.users.filter((u) => u.mfa).length + (s.root.mfa ? 1 : 0),
          UsersQuota: 5000,
          PoliciesQuota: 1500,
        },
      };
    }),

    operation(GenerateCredentialReportCommand, (_input, ctx) => {
      const s = state(ctx);
      const r = s.credentialReport;
      if (!r || ctx.now.getTime() - r.generatedAt.getTime() > REPORT_LIFETIME_MS) {
        s.credentialReport = { generatedAt: ctx.now };
        return { State: 'STARTED' as const, Description: 'No report exists. Starting a new report generation task' };
      }
      // The report finishes between calls: the next GenerateCredentialReport sees it complete.
      if (r.content === undefined) r.content = credentialReportCsv(ctx.account, s);
      return { State: 'COMPLETE' as const };
    }),

    operation(GetCredentialReportCommand, (_input, ctx) => {
      const r = state(ctx).credentialReport;
      if (!r) throw new SimError('ReportNotPresent', 'Credential report not present. Call GenerateCredentialReport to create one.', 410);
      if (r.content === undefined) throw new SimError('ReportInProgress', 'Credential report generation is in progress.', 404);
      if (ctx.now.getTime() - r.generatedAt.getTime() > REPORT_LIFETIME_MS) throw new SimError('ReportExpired', 'Credential report is expired. Call GenerateCredentialReport to create a new one.', 410);
      return { Content: new Uint8Array(Buffer.from(r.content, 'utf8')), ReportFormat: 'text/csv' as const, GeneratedTime: r.generatedAt };
    }),

    operation(ListPoliciesCommand, (input, ctx) => {
      const scope = input.Scope ?? 'All';
      // The simulated account holds customer managed policies only; AWS managed ones are not modelled.
      const local = scope === 'AWS' ? [] : state(ctx).policies;
      const matched = local.filter((p) => (!input.OnlyAttached || p.attachmentCount > 0) && (!input.PathPrefix || p.path.startsWith(input.PathPrefix)));
      const { page, nextToken } = paginate(matched, {
        token: input.Marker,
        limit: input.MaxItems,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: `ListPolicies/${scope}/${input.OnlyAttached}/${input.PathPrefix ?? ''}`,
        invalidToken: () => new SimError('InvalidInput', 'Invalid Marker.'),
        invalidLimit: (n) => new SimError('ValidationError', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      return { Policies: page.map((p) => toPolicy(ctx.account, p)), IsTruncated: nextToken !== undefined, Marker: nextToken };
    }),

    operation(GetPolicyVersionCommand, (input, ctx) => {
      const p = state(ctx).policies.find((x) => policyArn(ctx.account, x) === input.PolicyArn);
      if (!p) throw noSuchEntity(`Policy ${input.PolicyArn} does not exist or is not attachable.`);
      const v = p.versions.find((x) => x.id === input.VersionId);
      if (!v) throw noSuchEntity(`Policy ${input.PolicyArn} version ${input.VersionId} does not exist or is not attachable.`);
      const version: PolicyVersion = { VersionId: v.id, IsDefaultVersion: v.id === p.defaultVersionId, CreateDate: v.created, Document: encodeURIComponent(JSON.stringify(v.document)) };
      return { PolicyVersion: version };
    }),
  ],
};
