import type { Policy, PolicyVersion } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** ListPolicies (customer managed, attached, all pages) and the default version of each. */
export interface AdminPoliciesEvidence {
  policies: Policy[];
  versions: { policyArn: string; version: PolicyVersion | undefined }[];
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM returns policy documents URL-encoded (RFC 3986); the SDK passes them through as received. */
export function decodePolicyDocument(document: string): { Statement?: Statement | Statement[] } {
  let text = document;
  try {
    if (!text.trimStart().startsWith('{')) text = decodeURIComponent(text);
  } catch {
    // Not URL-encoded after all: parse as is.
  }
  return JSON.parse(text) as { Statement?: Statement | Statement[] };
}

/**
 * IAM actions that, allowed on every resource, let a principal give itself any permission (write or attach a policy,
 * change a policy's default version or a role's trust) or act as another user (new keys or a new console password):
 * administrator access in all but name.
 */
export const ESCALATION_ACTIONS = [
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:AddUserToGroup',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
] as const;

/** Whether an IAM action pattern (wildcards `*` and `?`, case-insensitive) matches an action. */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return re.test(action);
}

/** One statement granting administrator access or its equivalent, with how, in words. */
export interface AdminGrant {
  statement: Statement;
  how: string;
}

/**
 * Statements that grant administrator access or its equivalent on every resource: every action (`*`, `*:*`); every
 * action but some (`NotAction`) when those left out do not include the IAM actions that grant permissions; or one of
 * those IAM actions (ESCALATION_ACTIONS), which let the principal give itself everything. It reads each statement on
 * its own: permission boundaries, SCPs, deny statements elsewhere and `iam:PassRole` to a stronger role are not analysed.
 */
export function adminGrants(document: string): AdminGrant[] {
  const doc = decodePolicyDocument(document);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out: AdminGrant[] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow' || !list(s.Resource).includes('*')) continue;
    const when = s.Condition ? ' (under a condition)' : '';
    const actions = list(s.Action);
    const notActions = list(s.NotAction);
    if (actions.some((a) => a === '*' || a === '*:*')) {
      out.push({ statement: s, how: `every action on every resource${when}` });
    } else if (notActions.length) {
      const open = ESCALATION_ACTIONS.filter((e) => !notActions.some((p) => actionMatches(p, e)));
      if (open.length) out.push({ statement: s, how: `every action except ${notActions.join(', ')} on every resource${when}, ${open.slice(0, 2).join(' and ')} included: it can grant itself any permission` });
    } else {
      const esc = ESCALATION_ACTIONS.filter((e) => actions.some((p) => actionMatches(p, e)));
      if (esc.length) out.push({ statement: s, how: `${esc.slice(0, 3).join(', ')}${esc.length > 3 ? ` and ${esc.length - 3} more` : ''} on every resource${when}: it can grant itself any permission or act as another user` });
    }
  }
  return out;
}

/** Statements that allow every action on every resource (a subset of adminGrants). */
export function fullAdminStatements(document: string): Statement[] {
  return adminGrants(document).filter((g) => g.how.startsWith('every action on every resource')).map((g) => g.statement);
}

export const adminPolicies = defineQuery<AdminPoliciesEvidence>({
  id: 'iam.admin-policies',
  service: 'iam',
  title: 'No customer managed policy grants administrator access or its equivalent',
  description:
    'Every customer managed IAM policy attached to a user, group or role, with its default version’s document, checked for a statement that grants administrator access or its equivalent on all resources (`*`): all actions (`*`), all but some (`NotAction`) when IAM permission-granting actions are not among those left out, or one of those IAM actions (writing or attaching policies, policy versions, role trust, group membership, other users’ keys or passwords). Each statement is read on its own: permission boundaries, SCPs and `iam:PassRole` to a stronger role are not analysed.',
  remediation:
    'Replace the listed policy with permissions scoped to the actions and resources the principals need (IAM Access Analyzer can generate one from CloudTrail activity); keep full administrator access to a few break-glass roles.',
  scope: 'global',
  apiCalls: ['iam:ListPolicies', 'iam:GetPolicyVersion'],
  async collect(ctx) {
    const { GetPolicyVersionCommand, IAMClient, paginateListPolicies } = await loadIamSdk();
    const iam = ctx.clients.get(IAMClient);
    const policies: Policy[] = [];
    for await (const page of paginateListPolicies({ client: iam, pageSize: 100 }, { Scope: 'Local', OnlyAttached: true })) {
      policies.push(...(stripMetadata(page).Policies ?? []));
    }
    const versions: AdminPoliciesEvidence['versions'] = [];
    for (const p of policies) {
      ctx.signal?.throwIfAborted();
      const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: p.DefaultVersionId }));
      versions.push({ policyArn: p.Arn ?? '', version: out.PolicyVersion });
    }
    return { policies, versions };
  },
  evaluate(data) {
    if (!data?.policies) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListPolicies response' }];
    const results: ResourceResult[] = [];
    for (const p of data.policies) {
      const base = { resource: p.Arn ?? p.PolicyName ?? '', resourceType: 'AWS::IAM::ManagedPolicy' };
      const attached = `attached ${p.AttachmentCount ?? 0} time(s)`;
      const doc = data.versions?.find((v) => v.policyArn === p.Arn)?.version?.Document;
      if (!doc) {
        results.push({ ...base, status: 'error', reason: `policy ${p.PolicyName}: the evidence holds no document for its default version ${p.DefaultVersionId}` });
        continue;
      }
      let admin: AdminGrant[];
      try {
        admin = adminGrants(doc);
      } catch {
        results.push({ ...base, status: 'error', reason: `policy ${p.PolicyName}: the default version's document is not valid JSON` });
        continue;
      }
      results.push(
        admin.length
          ? {
              ...base,
              status: 'fail',
              reason: `policy ${p.PolicyName} (${attached}) grants administrator access in its default version ${p.DefaultVersionId}: ${[...new Set(admin.map((a) => a.how))].join('; ')}`,
            }
          : { ...base, status: 'pass', reason: `policy ${p.PolicyName} (${attached}) allows neither every action nor an IAM permission-granting action on every resource (each statement read on its own)` },
      );
    }
    if (results.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'pass', reason: 'no customer managed policy is attached to any user, group or role' });
    }
    return results;
  },
});
