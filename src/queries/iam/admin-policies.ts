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
  NotResource?: string | string[];
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

/** Resources of every kind, to test whether a statement's resource patterns cover them all. */
const ANY_RESOURCE = ['arn:aws:iam::000000000000:role/x', 'arn:aws:s3:::x', 'arn:aws:ec2:us-east-1:000000000000:instance/i-x'];
/** The IAM resource each permission-granting action acts on. */
const ESCALATION_RESOURCE = (action: string): string =>
  /Role|AssumeRole/.test(action) ? 'arn:aws:iam::000000000000:role/x' : /Group/.test(action) ? 'arn:aws:iam::000000000000:group/x' : /PolicyVersion/.test(action) ? 'arn:aws:iam::000000000000:policy/x' : 'arn:aws:iam::000000000000:user/x';

/** A resource pattern read for any account and partition (a policy names its own account; `aws-us-gov`, `aws-cn`). */
function resourceMatches(pattern: string, arn: string): boolean {
  return actionMatches(pattern.replace(/^arn:aws-[a-z-]+:/, 'arn:aws:').replace(/^(arn:aws:iam::)\d{12}:/, '$1*:'), arn);
}

/** Whether a statement's resources reach `arn` (Resource patterns, or everything NotResource does not name), and how to say so. */
function reaches(s: Statement, arn: string): boolean {
  if (s.NotResource !== undefined) return !list(s.NotResource).some((p) => resourceMatches(p, arn));
  return list(s.Resource).some((p) => resourceMatches(p, arn));
}

function resourceWords(s: Statement): string {
  if (s.NotResource !== undefined) return `every resource except ${list(s.NotResource).join(', ')}`;
  const r = list(s.Resource);
  return r.includes('*') ? 'every resource' : r.join(', ');
}

/**
 * Statements that grant administrator access or its equivalent: every action (`*`, `*:*`) on every resource; every
 * action but some (`NotAction`) on every resource when those left out do not include the IAM actions that grant
 * permissions; or one of those IAM actions (ESCALATION_ACTIONS) on the IAM users, groups, roles or policies it acts on,
 * which lets the principal give itself everything. Resources count by pattern (`*`, `arn:*`, `arn:aws:iam::*:role/*`,
 * `NotResource`), not only as the literal `*`. It reads each statement on its own: permission boundaries, SCPs, deny
 * statements elsewhere and `iam:PassRole` to a stronger role are not analysed.
 */
export function adminGrants(document: string): AdminGrant[] {
  const doc = decodePolicyDocument(document);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out: AdminGrant[] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const when = s.Condition ? ' (under a condition)' : '';
    const actions = list(s.Action);
    const notActions = list(s.NotAction);
    const everywhere = ANY_RESOURCE.every((arn) => reaches(s, arn));
    if (everywhere && actions.some((a) => a === '*' || a === '*:*')) {
      out.push({ statement: s, how: `every action on ${resourceWords(s)}${when}` });
      continue;
    }
    // The permission-granting actions this statement allows on the IAM resources they act on.
    const open = ESCALATION_ACTIONS.filter((e) => (notActions.length ? !notActions.some((p) => actionMatches(p, e)) : actions.some((p) => actionMatches(p, e))) && reaches(s, ESCALATION_RESOURCE(e)));
    if (notActions.length && everywhere && open.length) {
      out.push({ statement: s, how: `every action except ${notActions.join(', ')} on ${resourceWords(s)}${when}, ${open.slice(0, 2).join(' and ')} included: it can grant itself any permission` });
    } else if (open.length) {
      out.push({ statement: s, how: `${open.slice(0, 3).join(', ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''} on ${resourceWords(s)}${when}: it can grant itself any permission or act as another user` });
    }
  }
  return out;
}

/** Statements that allow every action on every resource (a subset of adminGrants). */
export function fullAdminStatements(document: string): Statement[] {
  return adminGrants(document).filter((g) => g.how.startsWith('every action on ')).map((g) => g.statement);
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
          : { ...base, status: 'pass', reason: `policy ${p.PolicyName} (${attached}) allows neither every action on every resource nor an IAM permission-granting action on the IAM resources it acts on (each statement read on its own)` },
      );
    }
    if (results.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'pass', reason: 'no customer managed policy is attached to any user, group or role' });
    }
    return results;
  },
});
