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

/** Statements that allow every action on every resource. */
export function fullAdminStatements(document: string): Statement[] {
  const doc = decodePolicyDocument(document);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => a === '*' || a === '*:*') && list(s.Resource).includes('*'));
}

export const adminPolicies = defineQuery<AdminPoliciesEvidence>({
  id: 'iam.admin-policies',
  service: 'iam',
  title: 'No customer managed policy grants full administrative access',
  description:
    'Every customer managed IAM policy attached to a user, group or role, with its default version’s document, checked for a statement that allows all actions (`*`) on all resources (`*`).',
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
      let admin: Statement[];
      try {
        admin = fullAdminStatements(doc);
      } catch {
        results.push({ ...base, status: 'error', reason: `policy ${p.PolicyName}: the default version's document is not valid JSON` });
        continue;
      }
      results.push(
        admin.length
          ? {
              ...base,
              status: 'fail',
              reason: `policy ${p.PolicyName} (${attached}) allows every action on every resource${admin.some((s) => s.Condition) ? ' (under a condition)' : ''} in its default version ${p.DefaultVersionId}`,
            }
          : { ...base, status: 'pass', reason: `policy ${p.PolicyName} (${attached}) does not allow every action on every resource` },
      );
    }
    if (results.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'pass', reason: 'no customer managed policy is attached to any user, group or role' });
    }
    return results;
  },
});
