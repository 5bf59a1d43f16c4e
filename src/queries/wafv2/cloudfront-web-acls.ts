import type { DistributionSummary, DistributionTenantSummary } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk, loadWafv2Sdk } from '../../aws/sdk.js';
import { allDistributions, collectMultiTenant, multiTenantIds, type MultiTenantEvidence } from '../cloudfront/multi-tenant.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type EvaluationContext, type QueryParameters, type ResourceResult } from '../types.js';
import { AWS_WAF_DECLARATION, collectWebAclInventory, judgeWebAclLogging, withoutWebAcl, type WebAclInventory } from './web-acls.js';

/**
 * ListDistributions (each carries its WebACLId), the multi-tenant distributions with their tenants (each tenant's
 * Customizations.WebAcl can override the distribution's web ACL or disable it), and the CLOUDFRONT-scope web ACLs with
 * their logging.
 */
export interface CloudFrontWebAclsEvidence extends WebAclInventory, MultiTenantEvidence {
  distributions: DistributionSummary[];
}

/** AWS WAF serves the CLOUDFRONT scope only from US East (N. Virginia). */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

export const cloudFrontWebAcls = defineQuery<CloudFrontWebAclsEvidence>({
  id: 'wafv2.cloudfront-web-acls',
  service: 'wafv2',
  title: 'CloudFront distributions sit behind an AWS WAF web ACL, and web ACLs keep logs',
  description:
    'Every CloudFront distribution of the account with the web ACL it names (WebACLId), and for multi-tenant distributions (also listed with ListDistributionsByConnectionMode) each distribution tenant’s web ACL customisation (ListDistributionTenants: inherit, override with another web ACL, or disable), beside the CLOUDFRONT-scope AWS WAF web ACLs (a global scope, read once per account through us-east-1) and each one’s logging configuration. It shows that a web ACL is in front of each distribution and that its traffic is logged; it does not show that the rules detect and block attacks (rule groups, actions, count-only rules), nor firewalls other than AWS WAF.',
  remediation:
    'Associate an AWS WAF web ACL (CLOUDFRONT scope, created in us-east-1) with every distribution serving a web application, with AWS Managed Rules in block mode, and turn on its logging.',
  scope: 'global',
  apiCalls: ['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants', 'wafv2:ListWebACLs', 'wafv2:GetLoggingConfiguration'],
  parameters: AWS_WAF_DECLARATION,
  async collect(ctx) {
    const [{ CloudFrontClient, paginateListDistributions }, { WAFV2Client }] = await Promise.all([loadCloudFrontSdk(), loadWafv2Sdk()]);
    const cloudFront = ctx.clients.get(CloudFrontClient);
    const distributions: DistributionSummary[] = [];
    for await (const page of paginateListDistributions({ client: cloudFront, pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      distributions.push(...(stripMetadata(page).DistributionList?.Items ?? []));
    }
    const tenantOnly = await collectMultiTenant(cloudFront, distributions, ctx.signal);
    const east = ctx.region === CLOUDFRONT_WAF_REGION ? ctx.clients : ctx.clients.forRegion(CLOUDFRONT_WAF_REGION);
    return { distributions, ...tenantOnly, ...(await collectWebAclInventory(east.get(WAFV2Client), 'CLOUDFRONT', ctx.signal)) };
  },
  evaluate(data, params, ctx) {
    if (!data?.distributions || !data.webAcls || !data.logging) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListDistributions, ListWebACLs or GetLoggingConfiguration responses' }];
    }
    const byArn = new Map(data.webAcls.map((a) => [a.ARN, a]));
    const results: ResourceResult[] = [];
    const multiTenant = multiTenantIds(data.distributions, data.tenantOnlyDistributions);
    for (const d of allDistributions(data.distributions, data.tenantOnlyDistributions)) {
      const base = { resource: d.ARN ?? d.Id ?? 'unknown distribution', resourceType: 'AWS::CloudFront::Distribution' };
      const label = `distribution ${d.Id} ${d.DomainName}`;
      if (d.Enabled === false) {
        results.push({ ...base, status: 'not-applicable', reason: `${label} is disabled: it serves no viewers` });
        continue;
      }
      if (multiTenant.has(d.Id ?? '')) {
        results.push({ ...base, ...judgeMultiTenant(d, `multi-tenant ${label}`, data.tenants?.[d.Id ?? ''], byArn, params, ctx) });
        continue;
      }
      const id = d.WebACLId ?? '';
      const acl = byArn.get(id);
      if (acl) results.push({ ...base, status: 'pass', reason: `${label} is associated with web ACL ${acl.Name}; whether its rules block attacks is for the assessor to examine` });
      else if (id === '') results.push({ ...base, ...withoutWebAcl(`${label} serves the internet with no AWS WAF web ACL`, params, ctx) });
      else results.push({ ...base, status: 'needs-review', reason: `${label} names web ACL ${id}, which is not a CLOUDFRONT-scope AWS WAF (v2) web ACL of the account (an AWS WAF Classic ACL or another account’s): examine it directly` });
    }
    if (data.tenantOnlyDistributions === undefined) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'needs-review', reason: 'the evidence was collected before multi-tenant distributions were read (no ListDistributionsByConnectionMode or ListDistributionTenants response): multi-tenant distributions ListDistributions may leave out, and the web ACL customisations of distribution tenants, are not in it' });
    } else if (isCapturedError(data.tenantOnlyDistributions)) {
      const e = data.tenantOnlyDistributions.error;
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: `ListDistributionsByConnectionMode (tenant-only) failed (${e.code}: ${e.message}), so multi-tenant distributions ListDistributions may leave out are unknown` });
    }
    results.push(...judgeWebAclLogging(data, 'CLOUDFRONT'));
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'the account has no CloudFront distributions and no CLOUDFRONT-scope web ACLs' });
    return results;
  },
});

type Judgement = Pick<ResourceResult, 'status' | 'reason'>;

/**
 * A multi-tenant (tenant-only) distribution serves viewers only through its distribution tenants, and each tenant's
 * Customizations.WebAcl either inherits the distribution's web ACL (absent), overrides it with another (override) or
 * removes it (disable: the tenant has no AWS WAF protection).
 */
function judgeMultiTenant(
  d: DistributionSummary,
  label: string,
  tenants: DistributionTenantSummary[] | CapturedError | undefined,
  byArn: Map<string | undefined, { Name?: string }>,
  params: QueryParameters,
  ctx: EvaluationContext,
): Judgement {
  if (tenants === undefined) return { status: 'needs-review', reason: `${label}: its distribution tenants, which can override or disable its web ACL, are not in the evidence (no ListDistributionTenants response for it), so whether its traffic passes a web ACL is unknown` };
  if (isCapturedError(tenants)) return { status: 'error', reason: `${label}: ListDistributionTenants failed (${tenants.error.code}: ${tenants.error.message}), so its tenants' web ACLs are unknown` };
  const serving = tenants.filter((t) => t.Enabled !== false);
  const off = tenants.length - serving.length;
  const offNote = off ? `; ${off} disabled tenant${off === 1 ? '' : 's'} not judged` : '';
  if (serving.length === 0) return { status: 'not-applicable', reason: `${label} has no enabled distribution tenant, so it serves no viewers${offNote}` };
  const unprotected: string[] = [];
  const unknown: string[] = [];
  const covered: string[] = [];
  for (const t of serving) {
    const name = `tenant ${t.Name ?? t.Id}`;
    const custom = t.Customizations?.WebAcl;
    if (custom?.Action === 'disable') {
      unprotected.push(`${name} (web ACL disabled)`);
      continue;
    }
    const arn = custom ? (custom.Action === 'override' ? (custom.Arn ?? '') : undefined) : (d.WebACLId ?? '');
    const how = custom ? 'overrides with' : 'inherits';
    if (arn === undefined) unknown.push(`${name} (web ACL action ${custom?.Action ?? 'unstated'})`);
    else if (arn === '') (custom ? unknown : unprotected).push(custom ? `${name} (override naming no web ACL)` : `${name} (inherits no web ACL)`);
    else if (byArn.has(arn)) covered.push(`${name} ${how} web ACL ${byArn.get(arn)!.Name}`);
    else unknown.push(`${name} ${how} ${arn}, not a CLOUDFRONT-scope AWS WAF (v2) web ACL of the account`);
  }
  if (unprotected.length) {
    const alsoUnknown = unknown.length ? `; examine the web ACL of ${unknown.join(', ')} directly` : '';
    return withoutWebAcl(`${label}: ${unprotected.join(', ')} serve${unprotected.length === 1 ? 's' : ''} the internet with no AWS WAF web ACL${alsoUnknown}${covered.length ? `; ${covered.join(', ')}` : ''}${offNote}`, params, ctx);
  }
  if (unknown.length) return { status: 'needs-review', reason: `${label}: examine the web ACL of ${unknown.join(', ')} directly${covered.length ? `; ${covered.join(', ')}` : ''}${offNote}` };
  return { status: 'pass', reason: `${label}: every enabled distribution tenant is behind a web ACL (${covered.join(', ')})${offNote}; whether the rules block attacks is for the assessor to examine` };
}
