import type { GetAccountAuthorizationDetailsResponse, PolicyDetail } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { adminGrants } from './admin-policies.js';

/**
 * GetAccountAuthorizationDetails for users, groups, roles and customer managed policies, every page as returned.
 * One paginated call gives every principal's inline policies and attached managed policies, and every customer
 * managed policy with all its versions, so no principal is missed however its access was granted.
 */
export interface AdminPrincipalsEvidence {
  pages: Omit<GetAccountAuthorizationDetailsResponse, 'IsTruncated' | 'Marker'>[];
}

/** AWS managed policies that grant administrator access or its equivalent, in any partition, with how. */
const AWS_ADMIN: [RegExp, string][] = [
  [/^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/, 'AWS managed policy AdministratorAccess (every action on every resource)'],
  [/^arn:aws[a-z-]*:iam::aws:policy\/IAMFullAccess$/, 'AWS managed policy IAMFullAccess (every IAM action: it can grant itself any permission)'],
];

interface Grant {
  /** How the access is granted, in words. */
  via: string;
}

function inlineGrants(kind: string, list: PolicyDetail[] | undefined, problems: string[]): Grant[] {
  const out: Grant[] = [];
  for (const p of list ?? []) {
    try {
      const grants = p.PolicyDocument ? adminGrants(p.PolicyDocument) : [];
      if (grants.length) out.push({ via: `${kind} inline policy ${p.PolicyName} (${[...new Set(grants.map((g) => g.how))].join('; ')})` });
    } catch {
      problems.push(`${kind} inline policy ${p.PolicyName}: the document is not valid JSON`);
    }
  }
  return out;
}

export const adminPrincipals = defineQuery<AdminPrincipalsEvidence>({
  id: 'iam.admin-principals',
  service: 'iam',
  title: 'Users, groups and roles with administrator access or its equivalent',
  description:
    'Every IAM user, group and role with its inline policies and attached managed policies (GetAccountAuthorizationDetails), checked for administrator access or its equivalent through its policies: the AWS managed AdministratorAccess or IAMFullAccess policy, a customer managed policy whose default version, or an inline policy, allows on all resources every action, every action but some (when IAM permission-granting actions are not left out), or an IAM permission-granting action; or (for users) membership of a group that has any of these. Each statement is read on its own: iam:PassRole to a stronger role, permission boundaries and SCPs are not analysed. Each principal found is listed for review against its job function.',
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
        const grants = adminGrants(doc);
        if (grants.length) adminLocal.set(p.Arn ?? '', `${p.PolicyName ?? p.Arn ?? ''} (${[...new Set(grants.map((g) => g.how))].join('; ')})`);
      } catch {
        problems.push(`customer managed policy ${p.PolicyName}: the default version's document is not valid JSON`);
      }
    }
    const managedGrants = (attached: { PolicyArn?: string; PolicyName?: string }[] | undefined): Grant[] =>
      (attached ?? []).flatMap((a) =>
        AWS_ADMIN.some(([re]) => re.test(a.PolicyArn ?? ''))
          ? [{ via: AWS_ADMIN.find(([re]) => re.test(a.PolicyArn ?? ''))![1] }]
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
        reason: `no user, group or role has administrator access or its equivalent through its policies (every action, every action but some, or an IAM permission-granting action, on every resource; AdministratorAccess or IAMFullAccess); each statement is read on its own, and iam:PassRole to a stronger role, permission boundaries and SCPs are not analysed (${users.length} users, ${groups.length} groups, ${roles.length} roles examined)`,
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
    reason: `${who} has administrator access or its equivalent through ${via}: confirm ${confirm}`,
  };
}
