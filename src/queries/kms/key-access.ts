import type { GetKeyPolicyCommandOutput, GrantListEntry } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata } from '../types.js';
import { collectKeys, evaluateCustomerKeys, keyLabel, type KmsKeysEvidence } from './keys.js';

/** Key policy and grants of one customer managed key. */
export interface KeyAccessEntry {
  keyId: string;
  policy: Omit<GetKeyPolicyCommandOutput, '$metadata'>;
  /** ListGrants, all pages. */
  grants: GrantListEntry[];
}

export interface KeyAccessEvidence extends KmsKeysEvidence {
  access: KeyAccessEntry[];
}

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: unknown;
}

/** The principals a policy statement names (`*` for anyone). */
function principalsOf(p: unknown): string[] {
  if (p === '*') return ['*'];
  if (p && typeof p === 'object') return Object.values(p as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v.map(String) : [String(v)]));
  return [];
}

/** The account id in a principal ARN or a bare 12-digit id; `undefined` for service principals. */
function accountOf(principal: string): string | undefined {
  return /^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:iam::(\d{12}):/.exec(principal)?.[1];
}

function parsePolicy(text: string | undefined): PolicyStatement[] | undefined {
  try {
    const doc = JSON.parse(text ?? '') as { Statement?: PolicyStatement | PolicyStatement[] };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return undefined;
  }
}

export const keyAccess = defineQuery<KeyAccessEvidence>({
  id: 'kms.key-access',
  service: 'kms',
  title: 'Customer managed KMS keys are usable only by principals of their own account',
  description:
    'The key policy and the grants of every customer managed KMS key in the region. A key whose policy allows any principal without a condition fails; a policy statement or grant that gives another account use of the key is listed for review; otherwise the principals the policy names are listed.',
  remediation:
    'Remove `"Principal": "*"` statements without conditions from the key policy (`aws kms put-key-policy`), and retire grants (`aws kms retire-grant`) and policy statements that give other accounts use of keys protecting account data unless that sharing is approved.',
  scope: 'regional',
  apiCalls: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:ListGrants'],
  async collect(ctx) {
    const keys = await collectKeys(ctx);
    const { GetKeyPolicyCommand, KMSClient, paginateListGrants } = await loadKmsSdk();
    const kms = ctx.clients.get(KMSClient);
    const access: KeyAccessEntry[] = [];
    // AWS managed keys have fixed policies AWS sets; only customer managed keys are the entity's to protect.
    for (const m of keys.metadata.filter((x) => x.KeyMetadata?.KeyManager === 'CUSTOMER')) {
      ctx.signal?.throwIfAborted();
      const keyId = m.KeyMetadata?.Arn ?? m.keyId;
      const policy = stripMetadata(await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })));
      const grants: GrantListEntry[] = [];
      for await (const page of paginateListGrants({ client: kms, pageSize: 100 }, { KeyId: keyId })) grants.push(...(stripMetadata(page).Grants ?? []));
      access.push({ keyId: m.keyId, policy, grants });
    }
    return { ...keys, access };
  },
  evaluate(data, _params, ctx) {
    return evaluateCustomerKeys(data, ctx.region, (md) => {
      const a = data.access?.find((x) => x.keyId === md.KeyId);
      if (!a) return { status: 'error', reason: `${keyLabel(md)}: the evidence holds no key policy or grants for it` };
      const statements = parsePolicy(a.policy?.Policy);
      if (!statements) return { status: 'error', reason: `${keyLabel(md)}: the key policy in the evidence is not readable JSON` };
      const own = md.AWSAccountId ?? ctx.accountId;
      const allows = statements.filter((s) => s.Effect === 'Allow');
      const open = allows.filter((s) => principalsOf(s.Principal).includes('*') && !s.Condition);
      if (open.length) {
        return { status: 'fail', reason: `${keyLabel(md)}: its key policy lets any principal use it without a condition (statement ${open.map((s) => s.Sid ?? '(no Sid)').join(', ')})` };
      }
      const external = [
        ...allows.flatMap((s) => principalsOf(s.Principal).filter((p) => p === '*' || (accountOf(p) !== undefined && accountOf(p) !== own)).map((p) => `policy statement ${s.Sid ?? '(no Sid)'} allows ${p}${s.Condition ? ' (with a condition)' : ''}`)),
        ...(a.grants ?? [])
          .filter((g) => accountOf(g.GranteePrincipal ?? '') !== undefined && accountOf(g.GranteePrincipal ?? '') !== own)
          .map((g) => `grant ${g.Name ?? g.GrantId} gives ${g.GranteePrincipal} ${(g.Operations ?? []).join(', ')}`),
      ];
      const principals = [...new Set(allows.flatMap((s) => principalsOf(s.Principal)))];
      const summary = `policy principals: ${principals.join(', ') || 'none'}; ${a.grants?.length ?? 0} grant(s)`;
      if (external.length) return { status: 'needs-review', reason: `${keyLabel(md)} can be used from outside account ${own}: ${external.join('; ')} (${summary})` };
      return {
        status: 'pass',
        reason: `${keyLabel(md)} is usable only by principals of account ${own} (${summary}); whether each of them should have access is for the assessor to judge`,
      };
    });
  },
});
