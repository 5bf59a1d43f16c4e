import type { AccountAssignment, InstanceMetadata, PermissionSet } from '@aws-sdk/client-sso-admin';
import { loadSsoAdminSdk } from '../../aws/sdk.js';
import { valueSetBy } from '../parameter-source.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** One permission set: DescribePermissionSet, the accounts it is provisioned to and its assignments there. */
export interface PermissionSetEvidence {
  instanceArn: string;
  permissionSet: PermissionSet;
  accountIds: string[];
  assignments: AccountAssignment[];
}

/** ListInstances, then per instance ListPermissionSets with each set's description and assignment population. */
export interface IdentityCenterEvidence {
  instances: InstanceMetadata[];
  permissionSets: PermissionSetEvidence[];
}

/** ISO 8601 duration as Identity Center writes it (PT1H, PT12H, PT30M, PT1H30M) in minutes; undefined when unreadable. */
export function durationMinutes(value: string | undefined): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(value ?? '');
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60;
}

function population(p: PermissionSetEvidence): string {
  if (p.accountIds.length === 0) return 'provisioned to no account';
  const users = p.assignments.filter((a) => a.PrincipalType === 'USER').length;
  const groups = p.assignments.filter((a) => a.PrincipalType === 'GROUP').length;
  return `provisioned to ${p.accountIds.length} account${p.accountIds.length === 1 ? '' : 's'} (${p.accountIds.join(', ')}) with ${users} user and ${groups} group assignment${users + groups === 1 ? '' : 's'}`;
}

export const identityCenterSettings = defineQuery<IdentityCenterEvidence>({
  id: 'identitycenter.settings',
  service: 'sso',
  title: 'IAM Identity Center permission sets limit AWS session length, and their assignments are listed',
  description:
    'The IAM Identity Center instances visible from the account in the region, every permission set with its session duration (how long an AWS account session it issues lasts before the user must sign in again) and its population: the accounts it is provisioned to and the users and groups assigned there. Session duration is an absolute limit, not an idle timeout; the access portal session and the identity provider’s idle settings are not readable through this API.',
  remediation:
    'Set each permission set’s session duration (UpdatePermissionSet SessionDuration) to no more than the session limit the organisation chooses (maxSessionMinutes), and set the idle and session timeouts of the identity provider and the AWS access portal as policy requires; review the assignments against the access control model.',
  scope: 'regional',
  apiCalls: ['sso:ListInstances', 'sso:ListPermissionSets', 'sso:DescribePermissionSet', 'sso:ListAccountsForProvisionedPermissionSet', 'sso:ListAccountAssignments'],
  parameters: {
    maxSessionMinutes: {
      description:
        'Organisation choice: the longest AWS account session a permission set may issue, in minutes (Identity Center’s own default is 60). Not an idle timeout: a permission set issuing longer sessions needs review (the idle timeout is set at the identity provider or in Identity Center’s session settings, not in this evidence), and the reason names who set the limit.',
      default: 60,
      looser: 'higher',
    },
  },
  async collect(ctx) {
    const { SSOAdminClient, DescribePermissionSetCommand, paginateListAccountAssignments, paginateListAccountsForProvisionedPermissionSet, paginateListInstances, paginateListPermissionSets } = await loadSsoAdminSdk();
    const client = ctx.clients.get(SSOAdminClient);
    const instances: InstanceMetadata[] = [];
    for await (const page of paginateListInstances({ client, pageSize: 100 }, {})) instances.push(...(stripMetadata(page).Instances ?? []));
    const permissionSets: PermissionSetEvidence[] = [];
    for (const instance of instances) {
      const instanceArn = instance.InstanceArn;
      if (!instanceArn || (instance.Status && instance.Status !== 'ACTIVE')) continue;
      const arns: string[] = [];
      for await (const page of paginateListPermissionSets({ client, pageSize: 100 }, { InstanceArn: instanceArn })) arns.push(...(stripMetadata(page).PermissionSets ?? []));
      for (const permissionSetArn of arns) {
        ctx.signal?.throwIfAborted();
        const described = stripMetadata(await client.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }), { abortSignal: ctx.signal }));
        const accountIds: string[] = [];
        for await (const page of paginateListAccountsForProvisionedPermissionSet({ client, pageSize: 100 }, { InstanceArn: instanceArn, PermissionSetArn: permissionSetArn })) accountIds.push(...(stripMetadata(page).AccountIds ?? []));
        const assignments: AccountAssignment[] = [];
        for (const accountId of accountIds) {
          for await (const page of paginateListAccountAssignments({ client, pageSize: 100 }, { InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: permissionSetArn })) {
            assignments.push(...(stripMetadata(page).AccountAssignments ?? []));
          }
        }
        permissionSets.push({ instanceArn, permissionSet: described.PermissionSet ?? { PermissionSetArn: permissionSetArn }, accountIds, assignments });
      }
    }
    return { instances, permissionSets };
  },
  evaluate(data, params, ctx) {
    if (!Array.isArray(data?.instances) || !Array.isArray(data.permissionSets)) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListInstances or permission set responses' }];
    }
    const limit = Number(params.maxSessionMinutes ?? 60);
    const limitSet = valueSetBy(ctx, 'maxSessionMinutes', limit);
    const results: ResourceResult[] = [];
    for (const instance of data.instances) {
      if (instance.Status && instance.Status !== 'ACTIVE') {
        results.push({ resource: instance.InstanceArn ?? 'account', resourceType: 'AWS::SSO::Instance', status: 'needs-review', reason: `IAM Identity Center instance ${instance.Name ?? instance.InstanceArn} is ${instance.Status}${instance.StatusReason ? ` (${instance.StatusReason})` : ''}: its permission sets were not read` });
      } else if (!data.permissionSets.some((p) => p.instanceArn === instance.InstanceArn)) {
        results.push({
          resource: instance.InstanceArn ?? 'account',
          resourceType: 'AWS::SSO::Instance',
          status: 'not-applicable',
          reason: `mechanism absent: IAM Identity Center instance ${instance.Name ?? instance.InstanceArn} has no permission sets, so it grants no AWS account access and sets no session length; the entity may grant access and end sessions by another means (IAM users or roles, another identity provider), which this check does not read`,
          mechanismAbsent: 'IAM Identity Center permission sets',
        });
      }
    }
    for (const p of data.permissionSets) {
      const ps = p.permissionSet;
      const name = `permission set ${ps.Name ?? ps.PermissionSetArn}`;
      const base = { resource: ps.PermissionSetArn ?? p.instanceArn, resourceType: 'AWS::SSO::PermissionSet' };
      const minutes = durationMinutes(ps.SessionDuration);
      const who = population(p);
      const caveat = 'session duration bounds a session’s total length and is not an idle timeout';
      if (minutes === undefined) {
        results.push({ ...base, status: 'error', reason: `${name}: session duration ${ps.SessionDuration ?? '(absent)'} is not a duration this query can read; ${who}` });
      } else if (minutes > limit) {
        // A long session is not a missing idle timeout: re-authentication after idle time is set at the identity provider
        // or in Identity Center's session settings, neither of which this evidence reads.
        results.push({
          ...base,
          status: 'needs-review',
          reason: `${name} issues AWS sessions of ${ps.SessionDuration} (${minutes} minutes), longer than the ${limit}-minute session limit (${limitSet}); sessions last up to ${ps.SessionDuration}; an idle timeout is not in the evidence (set at the identity provider / Identity Center session settings): confirm it; ${who}; ${caveat}`,
        });
      } else {
        results.push({ ...base, status: 'pass', reason: `${name} issues AWS sessions of at most ${ps.SessionDuration} (${minutes} minutes, within the ${limit}-minute session limit: ${limitSet}); ${who}; ${caveat}` });
      }
    }
    if (results.length === 0) {
      return [
        {
          resource: 'account',
          resourceType: 'AWS::::Account',
          status: 'not-applicable',
          reason: `mechanism absent: no IAM Identity Center instance is visible from this account in ${ctx.region} (the organisation instance is read from its management or delegated administrator account in its home region); the entity may grant access and end sessions by another means (IAM users or roles, another identity provider), which this check does not read`,
          mechanismAbsent: 'IAM Identity Center',
        },
      ];
    }
    return results;
  },
});
