import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetPolicyVersionCommand,
  ListMFADevicesCommand,
  ListPoliciesCommand,
  ListSSHPublicKeysCommand,
  ListServiceSpecificCredentialsCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  type AttachedPolicy,
  type EntityType,
  type GroupDetail,
  type ManagedPolicyDetail,
  type PasswordPolicy,
  type Policy,
  type PolicyDetail,
  type RoleDetail,
  type UserDetail,
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
  /** Console password, when the user has one (login profile created with the user unless `created` says otherwise). */
  password?: { lastChanged: Date; lastUsed?: Date; created?: Date; resetRequired?: boolean };
  mfa: boolean;
  /** The user's MFA devices; when absent, a user with `mfa` has one virtual device named after it. */
  mfaDevices?: SimMfaDevice[];
  accessKeys: SimAccessKey[];
  /** Groups the user belongs to, by name. */
  groups?: string[];
  policies?: SimPrincipalPolicies;
  /** Service-specific credentials (CodeCommit Git credentials, Amazon Keyspaces, Amazon Bedrock API keys). */
  serviceCredentials?: SimServiceCredential[];
  /** SSH public keys uploaded for CodeCommit. */
  sshKeys?: SimSshKey[];
}

/** A service-specific credential: a user name and password (or API key) IAM issued for one service. */
export interface SimServiceCredential {
  id: string;
  /** e.g. codecommit.amazonaws.com, cassandra.amazonaws.com, bedrock.amazonaws.com. */
  service: string;
  status: 'Active' | 'Inactive';
  created: Date;
  /** API keys created with CredentialAgeDays: past it IAM lists the key as Expired. */
  expires?: Date;
}

export interface SimSshKey {
  id: string;
  status: 'Active' | 'Inactive';
  uploaded: Date;
}

export interface SimMfaDevice {
  kind: 'virtual' | 'u2f' | 'hardware';
  /** Device name (virtual, FIDO) or the hardware token's serial number. */
  name: string;
  enabled: Date;
}

/**
 * Permissions of a user, group or role: managed policies attached (a customer managed policy by name, an AWS
 * managed one by its ARN, e.g. arn:aws:iam::aws:policy/AdministratorAccess) and inline policy documents.
 */
export interface SimPrincipalPolicies {
  attached?: string[];
  inline?: { name: string; document: object }[];
}

export interface SimIamGroup {
  name: string;
  path: string;
  groupId: string;
  created: Date;
  policies?: SimPrincipalPolicies;
}

export interface SimIamRole {
  name: string;
  path: string;
  roleId: string;
  created: Date;
  /** The trust policy (AssumeRolePolicyDocument). */
  trust: object;
  description?: string;
  policies?: SimPrincipalPolicies;
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
  roles: SimIamRole[];
  groups: SimIamGroup[];
  /** Virtual MFA devices created but not assigned to any user. */
  unassignedVirtualMfa?: { name: string }[];
  /** The credential report: generation is asynchronous, as in IAM (STARTED, then COMPLETE on a later call). */
  credentialReport?: { generatedAt: Date; content?: string };
}

declare module '../world.js' {
  interface GlobalState {
    iam: IamState;
  }
}

export function emptyIamState(created = new Date('2020-01-01T00:00:00Z')): IamState {
  return { root: { created, mfa: true, accessKeys: [] }, users: [], policies: [], roles: [], groups: [] };
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
  // Fields are joined without CSV quoting: IAM's documentation does not say how it quotes a user name holding a comma
  // (names may contain ','), and the demo users have none; readers refuse rows whose field count differs from the header.
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

const userArn = (account: SimAccount, u: SimIamUser) => `arn:aws:iam::${account.id}:user${u.path}${u.name}`;

/** A user's MFA devices with IAM's serial numbers (an ARN for virtual and FIDO devices, the token serial for hardware). */
function mfaDevicesOf(account: SimAccount, u: SimIamUser): { serial: string; device: SimMfaDevice }[] {
  const devices = u.mfaDevices ?? (u.mfa ? [{ kind: 'virtual' as const, name: u.name, enabled: u.created }] : []);
  return devices.map((device) => ({
    device,
    serial: device.kind === 'virtual' ? `arn:aws:iam::${account.id}:mfa/${device.name}` : device.kind === 'u2f' ? `arn:aws:iam::${account.id}:u2f/user/${u.name}/${device.name}` : device.name,
  }));
}

/**
 * The user a per-user IAM call names, or without UserName the IAM user whose credentials signed it (IAM answers a
 * role's call without UserName with a ValidationError).
 */
function namedOrCallingUser(ctx: CallContext, name: string | undefined): SimIamUser {
  if (name !== undefined) return userByName(ctx, name);
  const caller = /:user\/(?:.*\/)?([^/]+)$/.exec(ctx.credential.arn)?.[1];
  if (!caller) throw new SimError('ValidationError', 'Must specify userName when calling with non-User credentials');
  return userByName(ctx, caller);
}

const iamPage = (scope: string, marker: string | undefined, maxItems: number | undefined) => ({
  token: marker,
  limit: maxItems,
  defaultLimit: 100,
  maxLimit: 1000,
  scope,
  invalidToken: () => new SimError('InvalidInput', 'Invalid Marker.'),
  invalidLimit: (n: number) => new SimError('ValidationError', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
});

/** ListServiceSpecificCredentials' ServiceSpecificCredentialMetadata, as the API reference documents it. */
function serviceCredentialMetadata(account: SimAccount, u: SimIamUser, c: SimServiceCredential, now: Date) {
  const apiKey = c.service === 'bedrock.amazonaws.com' || c.service === 'logs.amazonaws.com';
  const prefix = c.service === 'bedrock.amazonaws.com' ? 'BedrockAPIKey' : c.service === 'logs.amazonaws.com' ? 'LogsAPIKey' : u.name;
  return {
    UserName: u.name,
    Status: c.expires && c.expires.getTime() <= now.getTime() ? ('Expired' as const) : c.status,
    ServiceUserName: apiKey ? `${prefix}-${c.id.slice(-4).toLowerCase()}-at-${account.id}` : `${prefix}-at-${account.id}`,
    // The public portion of an API key: the IAM user name and a suffix with version and creation information.
    ...(apiKey ? { ServiceCredentialAlias: `${u.name}-v1-${c.created.toISOString().slice(0, 10).replace(/-/g, '')}` } : {}),
    CreateDate: c.created,
    ...(c.expires ? { ExpirationDate: c.expires } : {}),
    ServiceSpecificCredentialId: c.id,
    ServiceName: c.service,
  };
}

function userByName(ctx: CallContext, name: string | undefined): SimIamUser {
  const u = state(ctx).users.find((x) => x.name === name);
  if (!u) throw noSuchEntity(`The user with name ${name ?? ''} cannot be found.`);
  return u;
}

const policyDoc = (document: object) => encodeURIComponent(JSON.stringify(document));

function attachedPolicies(account: SimAccount, s: IamState, p: SimPrincipalPolicies | undefined): AttachedPolicy[] {
  return (p?.attached ?? []).map((a) => {
    if (a.startsWith('arn:')) return { PolicyName: a.slice(a.lastIndexOf('/') + 1), PolicyArn: a };
    const local = s.policies.find((x) => x.name === a);
    if (!local) throw new Error(`simulated IAM: attached policy ${a} is not a customer managed policy of ${account.id}`);
    return { PolicyName: local.name, PolicyArn: policyArn(account, local) };
  });
}

const inlinePolicies = (p: SimPrincipalPolicies | undefined): PolicyDetail[] => (p?.inline ?? []).map((x) => ({ PolicyName: x.name, PolicyDocument: policyDoc(x.document) }));

type AuthorizationItem = { user: UserDetail } | { group: GroupDetail } | { role: RoleDetail } | { policy: ManagedPolicyDetail };

/** GetAccountAuthorizationDetails entities in IAM's order (users, groups, roles, policies), filtered by entity type. */
function authorizationItems(account: SimAccount, s: IamState, filter: EntityType[] | undefined): AuthorizationItem[] {
  const want = (t: EntityType) => !filter?.length || filter.includes(t);
  const items: AuthorizationItem[] = [];
  if (want('User')) {
    for (const u of s.users) {
      items.push({
        user: {
          Path: u.path,
          UserName: u.name,
          UserId: u.userId,
          Arn: `arn:aws:iam::${account.id}:user${u.path}${u.name}`,
          CreateDate: u.created,
          UserPolicyList: inlinePolicies(u.policies),
          GroupList: u.groups ?? [],
          AttachedManagedPolicies: attachedPolicies(account, s, u.policies),
          Tags: [],
        },
      });
    }
  }
  if (want('Group')) {
    for (const g of s.groups) {
      items.push({
        group: {
          Path: g.path,
          GroupName: g.name,
          GroupId: g.groupId,
          Arn: `arn:aws:iam::${account.id}:group${g.path}${g.name}`,
          CreateDate: g.created,
          GroupPolicyList: inlinePolicies(g.policies),
          AttachedManagedPolicies: attachedPolicies(account, s, g.policies),
        },
      });
    }
  }
  if (want('Role')) {
    for (const r of s.roles) {
      items.push({
        role: {
          Path: r.path,
          RoleName: r.name,
          RoleId: r.roleId,
          Arn: `arn:aws:iam::${account.id}:role${r.path}${r.name}`,
          CreateDate: r.created,
          AssumeRolePolicyDocument: policyDoc(r.trust),
          InstanceProfileList: [],
          RolePolicyList: inlinePolicies(r.policies),
          AttachedManagedPolicies: attachedPolicies(account, s, r.policies),
          Tags: [],
          RoleLastUsed: {},
        },
      });
    }
  }
  if (want('LocalManagedPolicy')) {
    for (const p of s.policies) {
      items.push({
        policy: {
          ...toPolicy(account, p),
          PolicyVersionList: p.versions.map((v) => ({ Document: policyDoc(v.document), VersionId: v.id, IsDefaultVersion: v.id === p.defaultVersionId, CreateDate: v.created })),
        },
      });
    }
  }
  // AWS managed policies (Filter AWSManagedPolicy) are not modelled.
  return items;
}

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
          Groups: s.groups.length,
          Roles: s.roles.length,
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

    operation(GetLoginProfileCommand, (input, ctx) => {
      const u = userByName(ctx, input.UserName);
      if (!u.password) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
      return { LoginProfile: { UserName: u.name, CreateDate: u.password.created ?? u.created, PasswordResetRequired: u.password.resetRequired ?? false } };
    }),

    operation(ListMFADevicesCommand, (input, ctx) => {
      const u = userByName(ctx, input.UserName);
      const { page, nextToken } = paginate(mfaDevicesOf(ctx.account, u), {
        token: input.Marker,
        limit: input.MaxItems,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: `ListMFADevices/${u.name}`,
        invalidToken: () => new SimError('InvalidInput', 'Invalid Marker.'),
        invalidLimit: (n) => new SimError('ValidationError', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      return { MFADevices: page.map((d) => ({ UserName: u.name, SerialNumber: d.serial, EnableDate: d.device.enabled })), IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
    }),

    operation(ListUsersCommand, (input, ctx) => {
      const prefix = input.PathPrefix ?? '/';
      const users = state(ctx).users.filter((u) => u.path.startsWith(prefix));
      const { page, nextToken } = paginate(users, iamPage(`ListUsers/${prefix}`, input.Marker, input.MaxItems));
      return {
        // ListUsers returns a subset of a user's attributes: no tags or permissions boundary (the API reference).
        Users: page.map((u) => ({ Path: u.path, UserName: u.name, UserId: u.userId, Arn: userArn(ctx.account, u), CreateDate: u.created, ...(u.password?.lastUsed ? { PasswordLastUsed: u.password.lastUsed } : {}) })),
        IsTruncated: nextToken !== undefined,
        ...(nextToken ? { Marker: nextToken } : {}),
      };
    }),

    operation(ListServiceSpecificCredentialsCommand, (input, ctx) => {
      if (input.AllUsers && input.UserName !== undefined) throw new SimError('InvalidInput', 'AllUsers cannot be specified together with UserName.');
      const s = state(ctx);
      const users = input.AllUsers ? s.users : [namedOrCallingUser(ctx, input.UserName)];
      const known = new Set(['codecommit.amazonaws.com', 'cassandra.amazonaws.com', 'bedrock.amazonaws.com', 'logs.amazonaws.com']);
      if (input.ServiceName !== undefined && !known.has(input.ServiceName)) throw new SimError('NotSupportedService', `Service ${input.ServiceName} is not supported for service-specific credentials.`, 404);
      const items = users.flatMap((u) => (u.serviceCredentials ?? []).filter((c) => !input.ServiceName || c.service === input.ServiceName).map((c) => serviceCredentialMetadata(ctx.account, u, c, ctx.now)));
      const scope = `ListServiceSpecificCredentials/${input.AllUsers ? '*' : users[0].name}/${input.ServiceName ?? ''}`;
      const { page, nextToken } = paginate(items, iamPage(scope, input.Marker, input.MaxItems));
      return { ServiceSpecificCredentials: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
    }),

    operation(ListSSHPublicKeysCommand, (input, ctx) => {
      const u = namedOrCallingUser(ctx, input.UserName);
      const { page, nextToken } = paginate(u.sshKeys ?? [], iamPage(`ListSSHPublicKeys/${u.name}`, input.Marker, input.MaxItems));
      return { SSHPublicKeys: page.map((k) => ({ UserName: u.name, SSHPublicKeyId: k.id, Status: k.status, UploadDate: k.uploaded })), IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
    }),

    operation(ListVirtualMFADevicesCommand, (input, ctx) => {
      const s = state(ctx);
      const status = input.AssignmentStatus ?? 'Any';
      const assigned = s.users.flatMap((u) =>
        mfaDevicesOf(ctx.account, u)
          .filter((d) => d.device.kind === 'virtual')
          .map((d) => ({ SerialNumber: d.serial, EnableDate: d.device.enabled, User: { Path: u.path, UserName: u.name, UserId: u.userId, Arn: userArn(ctx.account, u), CreateDate: u.created } })),
      );
      const unassigned = (s.unassignedVirtualMfa ?? []).map((d) => ({ SerialNumber: `arn:aws:iam::${ctx.account.id}:mfa/${d.name}` }));
      const devices = status === 'Assigned' ? assigned : status === 'Unassigned' ? unassigned : [...assigned, ...unassigned];
      const { page, nextToken } = paginate(devices, {
        token: input.Marker,
        limit: input.MaxItems,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: `ListVirtualMFADevices/${status}`,
        invalidToken: () => new SimError('InvalidInput', 'Invalid Marker.'),
        invalidLimit: (n) => new SimError('ValidationError', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      return { VirtualMFADevices: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
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

    operation(GetAccountAuthorizationDetailsCommand, (input, ctx) => {
      const items = authorizationItems(ctx.account, state(ctx), input.Filter);
      const { page, nextToken } = paginate(items, {
        token: input.Marker,
        limit: input.MaxItems,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: `GetAccountAuthorizationDetails/${(input.Filter ?? []).join(',')}`,
        invalidToken: () => new SimError('InvalidInput', 'Invalid Marker.'),
        invalidLimit: (n) => new SimError('ValidationError', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      const pick = <K extends string, V>(key: K) => page.flatMap((i) => (key in i ? [(i as Record<K, V>)[key]] : []));
      return {
        UserDetailList: pick<'user', UserDetail>('user'),
        GroupDetailList: pick<'group', GroupDetail>('group'),
        RoleDetailList: pick<'role', RoleDetail>('role'),
        Policies: pick<'policy', ManagedPolicyDetail>('policy'),
        IsTruncated: nextToken !== undefined,
        ...(nextToken ? { Marker: nextToken } : {}),
      };
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
