import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk, loadWafv2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { collectWebAclInventory, judgeWebAclLogging, type WebAclInventory } from './web-acls.js';

/** ListDistributions (each carries its WebACLId) and the CLOUDFRONT-scope web ACLs with their logging. */
export interface CloudFrontWebAclsEvidence extends WebAclInventory {
  distributions: DistributionSummary[];
}

/** AWS WAF serves the CLOUDFRONT scope only from US East (N. Virginia). */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

export const cloudFrontWebAcls = defineQuery<CloudFrontWebAclsEvidence>({
  id: 'wafv2.cloudfront-web-acls',
  service: 'wafv2',
  title: 'CloudFront distributions sit behind an AWS WAF web ACL, and web ACLs keep logs',
  description:
    'Every CloudFront distribution of the account with the web ACL it names (WebACLId), beside the CLOUDFRONT-scope AWS WAF web ACLs (a global scope, read once per account through us-east-1) and each one’s logging configuration. It shows that a web ACL is in front of each distribution and that its traffic is logged; it does not show that the rules detect and block attacks (rule groups, actions, count-only rules), nor firewalls other than AWS WAF.',
  remediation:
    'Associate an AWS WAF web ACL (CLOUDFRONT scope, created in us-east-1) with every distribution serving a web application, with AWS Managed Rules in block mode, and turn on its logging.',
  scope: 'global',
  apiCalls: ['cloudfront:ListDistributions', 'wafv2:ListWebACLs', 'wafv2:GetLoggingConfiguration'],
  async collect(ctx) {
    const [{ CloudFrontClient, paginateListDistributions }, { WAFV2Client }] = await Promise.all([loadCloudFrontSdk(), loadWafv2Sdk()]);
    const distributions: DistributionSummary[] = [];
    for await (const page of paginateListDistributions({ client: ctx.clients.get(CloudFrontClient), pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      distributions.push(...(stripMetadata(page).DistributionList?.Items ?? []));
    }
    const east = ctx.region === CLOUDFRONT_WAF_REGION ? ctx.clients : ctx.clients.forRegion(CLOUDFRONT_WAF_REGION);
    try {
      return { distributions, ...(await collectWebAclInventory(east.get(WAFV2Client), 'CLOUDFRONT', ctx.signal)) };
    } finally {
      if (east !== ctx.clients) east.destroy();
    }
  },
  evaluate(data) {
    if (!data?.distributions || !data.webAcls || !data.logging) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListDistributions, ListWebACLs or GetLoggingConfiguration responses' }];
    }
    const byArn = new Map(data.webAcls.map((a) => [a.ARN, a]));
    const results: ResourceResult[] = [];
    for (const d of data.distributions) {
      const base = { resource: d.ARN ?? d.Id ?? 'unknown distribution', resourceType: 'AWS::CloudFront::Distribution' };
      const label = `distribution ${d.Id} ${d.DomainName}`;
      if (d.Enabled === false) {
        results.push({ ...base, status: 'not-applicable', reason: `${label} is disabled: it serves no viewers` });
        continue;
      }
      const id = d.WebACLId ?? '';
      const acl = byArn.get(id);
      if (acl) results.push({ ...base, status: 'pass', reason: `${label} is associated with web ACL ${acl.Name}; whether its rules block attacks is for the assessor to examine` });
      else if (id === '') results.push({ ...base, status: 'fail', reason: `${label} serves the internet with no AWS WAF web ACL; another firewall at its origin is not visible to AWS APIs` });
      else results.push({ ...base, status: 'needs-review', reason: `${label} names web ACL ${id}, which is not a CLOUDFRONT-scope AWS WAF (v2) web ACL of the account (an AWS WAF Classic ACL or another account’s): examine it directly` });
    }
    results.push(...judgeWebAclLogging(data, 'CLOUDFRONT'));
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'the account has no CloudFront distributions and no CLOUDFRONT-scope web ACLs' });
    return results;
  },
});
