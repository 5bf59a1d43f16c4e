import type { GetAccountAuthorizationDetailsResponse, PolicyDetail } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { fullAdminStatements } from './admin-policies.js';

/**
 * GetAccountAuthorizationDetails for users, groups, roles and customer managed policies, every page as returned.
 * One paginated call gives every principal's inline policies and attached managed policies, and every customer
 * managed policy with all its versions, so no principal is missed however its access was granted.
 */
export interface AdminPrincipalsEvidence {
  pages: Omit<GetAccountAuthorizationDetailsResponse, 'IsTruncated' | 'Marker'>[];
}

/** The AWS managed policy that grants every action on every resource, in any partition. */
const AWS_ADMIN = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;

interface Grant {
  /** How the access is granted, in words. */
  via: string;
}

function inlineGrants(kind: string, list: PolicyDetail[] | undefined, problems: string[]): Grant[] {
  const out: Grant[] = [];
  for (const p of list ?? []) {
    try {
      if (p.PolicyDocument && fullAdminStatements(p.PolicyDocument).length) out.push({ via: `${kind} inline policy ${p.PolicyName}` });
    } catch {
      problems.push(`${kind} inline policy ${p.PolicyName}: the document is not valid JSON`);
    }
  }
  return out;
}

export const adminPrincipals = defineQuery<AdminPrincipalsEvidence>({
  id: 'iam.admin-principals',
  service: 'iam',
  title: 'Users, groups and roles with full administrative access',
  description:
    'Every IAM user, group and role with its inline policies and attached managed policies (GetAccountAuthorizationDetails), checked for full administrative access by any path: the AWS managed AdministratorAccess policy, a customer managed policy whose default version allows all actions on all resources, an inline policy that does, or (for users) membership of a group that has any of these. Each principal found is listed for review against its job function.',
  remediation:
    'Keep full administrator access to a few break-glass or account-administration roles used under approval and MFA; give every other user, group and role permissions scoped to its job (IAM Access Analyzer can generate them from CloudTrail activity), and grant people access through roles rather than IAM users.',
  scope: 'global',
  apiCalls: ['iam:GetAccountAuthorizationDetails'],
  async collect(ctx) {
    const { IAMClient, paginateGetAccountAuthorizationDetails } = await loadIamSdk();
    const iam = ctx.clients.get(IAMClient);
    const pages: AdminPrincipalsEvidence['pages'] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1000 }, { Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy'] })) {
      ctx.signal?.throwIfAborted();
      // The paging members only say how the pages were fetched; every page's content is kept as returned.
      const { IsTruncated: _truncated, Marker: _marker, ...content } = stripMetadata(page);
      pages.push(content);
    }
    return { pages };
  },
  evaluate(data) {
    if (!data?.pages?.length) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no GetAccountAuthorizationDetails response' }];
    const users = data.pages.flatMap((p) => p.UserDetailList ?? []);
    const groups = data.pages.flatMap((p) => p.GroupDetailList ?? []);
    const roles = data.pages.flatMap((p) => p.RoleDetailList ?? []);
    const policies = data.pages.flatMap((p) => p.Policies ?? []);
    const results: ResourceResult[] = [];
    const problems: string[] = [];

    // Customer managed policies whose default version allows everything.
    const adminLocal = new Map<string, string>();
    for (const p of policies) {
      const doc = p.PolicyVersionList?.find((v) => v.IsDefaultVersion || v.VersionId === p.DefaultVersionId)?.Document;
      if (!doc) continue;
      try {
        if (fullAdminStatements(doc).length) adminLocal.set(p.Arn ?? '', p.PolicyName ?? p.Arn ?? '');
      } catch {
        problems.push(`customer managed policy ${p.PolicyName}: the default version's document is not valid JSON`);
      }
    }
    const managedGrants = (attached: { PolicyArn?: string; PolicyName?: string }[] | undefined): Grant[] =>
      (attached ?? []).flatMap((a) =>
        AWS_ADMIN.test(a.PolicyArn ?? '')
          ? [{ via: 'AWS managed policy AdministratorAccess' }]
          : adminLocal.has(a.PolicyArn ?? '')
            ? [{ via: `customer managed policy ${adminLocal.get(a.PolicyArn ?? '')}` }]
            : [],
      );

    const groupGrants = new Map<string, Grant[]>();
    for (const g of groups) {
      const grants = [...managedGrants(g.AttachedManagedPolicies), ...inlineGrants('group', g.GroupPolicyList, problems)];
      groupGrants.set(g.GroupName ?? '', grants);
      if (grants.length) results.push(review(g.Arn ?? g.GroupName ?? '', 'AWS::IAM::Group', `group ${g.GroupName}`, grants, "that its members' job functions need it"));
    }
    for (const u of users) {
      const grants = [
        ...managedGrants(u.AttachedManagedPolicies),
        ...inlineGrants('user', u.UserPolicyList, problems),
        ...(u.GroupList ?? []).filter((g) => groupGrants.get(g)?.length).map((g) => ({ via: `membership of group ${g}` })),
      ];
      if (grants.length) results.push(review(u.Arn ?? u.UserName ?? '', 'AWS::IAM::User', `user ${u.UserName}`, grants, "that this person's or workload's job function needs it"));
    }
    for (const r of roles) {
      const grants = [...managedGrants(r.AttachedManagedPolicies), ...inlineGrants('role', r.RolePolicyList, problems)];
      if (grants.length) results.push(review(r.Arn ?? r.RoleName ?? '', 'AWS::IAM::Role', `role ${r.RoleName}`, grants, 'that the job function of whoever can assume it needs it'));
    }
    for (const p of problems) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: p });
    if (!results.length) {
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'pass',
        reason: `no user, group or role has full administrative access (${users.length} users, ${groups.length} groups, ${roles.length} roles examined)`,
      });
    }
    return results;
  },
});

function review(resource: string, resourceType: string, who: string, grants: Grant[], confirm: string): ResourceResult {
  const via = [...new Set(grants.map((g) => g.via))].join('; ');
  return {
    resource,
    resourceType,
    status: 'needs-review',
    reason: `${who} has full administrative access (every action on every resource) through ${via}: confirm ${confirm}`,
  };
}
