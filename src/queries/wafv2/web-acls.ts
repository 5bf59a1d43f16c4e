import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Filter, LoggingConfiguration, Scope, WAFV2Client, WebACLSummary } from '@aws-sdk/client-wafv2';
import { loadElbv2Sdk, loadWafv2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { valueSetBy } from '../parameter-source.js';
import { captureAbsence, defineQuery, isCapturedError, stripMetadata, type CapturedError, type EvaluationContext, type ParameterSpec, type QueryParameters, type ResourceResult } from '../types.js';

/** The web ACLs of one WAF scope and each one's logging configuration (WAFNonexistentItemException kept as "no logging"). */
export interface WebAclInventory {
  webAcls: WebACLSummary[];
  /** By web ACL ARN. */
  logging: Record<string, LoggingConfiguration | CapturedError>;
}

/** DescribeLoadBalancers, the REGIONAL web ACLs, the load balancers each protects, and their logging. */
export interface WebAclsEvidence extends WebAclInventory {
  loadBalancers: LoadBalancer[];
  /** By web ACL ARN: ListResourcesForWebACL (APPLICATION_LOAD_BALANCER). */
  resources: Record<string, string[] | CapturedError>;
}

const NO_LOGGING = 'WAFNonexistentItemException';

/** ListWebACLs (the SDK has no paginator for WAFv2, so NextMarker is followed here) and GetLoggingConfiguration per web ACL. */
export async function collectWebAclInventory(client: WAFV2Client, scope: Scope, signal?: AbortSignal): Promise<WebAclInventory> {
  const { ListWebACLsCommand, GetLoggingConfigurationCommand } = await loadWafv2Sdk();
  const webAcls: WebACLSummary[] = [];
  let marker: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await client.send(new ListWebACLsCommand({ Scope: scope, Limit: 100, NextMarker: marker }));
    webAcls.push(...(page.WebACLs ?? []));
    // WAF returns a NextMarker even on the last page; an empty page ends the listing.
    marker = page.WebACLs?.length ? page.NextMarker : undefined;
  } while (marker);
  const logging: WebAclInventory['logging'] = {};
  for (const acl of webAcls) {
    const got = await captureFailure(() => captureAbsence(() => client.send(new GetLoggingConfigurationCommand({ ResourceArn: acl.ARN })), [NO_LOGGING]), signal);
    logging[acl.ARN!] = isCapturedError(got) ? got : (got.LoggingConfiguration ?? { error: { code: NO_LOGGING, message: 'GetLoggingConfiguration returned no LoggingConfiguration' } });
  }
  return { webAcls, logging };
}

/** The organisation's declaration that AWS WAF is its solution against web attacks (6.4.1, 6.4.2; an entity declaration); both WAF queries take it. */
export const AWS_WAF_DECLARATION: Record<string, ParameterSpec> = {
  awsWafIsWebAppFirewall: {
    description:
      'Organisation declaration: AWS WAF is the automated solution that detects and blocks web attacks in front of its public-facing web applications. true: a public endpoint with no AWS WAF web ACL fails. false (default): it needs review, since another web application firewall or attack-blocking solution is not visible to AWS APIs. Set once in the configuration under any requirement of a framework that takes it (PCI DSS 6.4.1, 6.4.2), it applies to every requirement of that framework whose catalog entry takes it.',
    default: false,
  },
};

/**
 * A public endpoint with no AWS WAF web ACL (`what` says which and why). A failure only where the organisation declares
 * AWS WAF its solution; otherwise another firewall (at the origin, a third-party service) may protect it, and the
 * evidence cannot show that it does not.
 */
export function withoutWebAcl(what: string, params: QueryParameters, ctx: EvaluationContext): Pick<ResourceResult, 'status' | 'reason'> {
  const declared = params.awsWafIsWebAppFirewall === true;
  const setting = valueSetBy(ctx, 'awsWafIsWebAppFirewall', declared);
  return declared
    ? { status: 'fail', reason: `${what}, and AWS WAF is declared the solution against web attacks (${setting})` }
    : { status: 'needs-review', reason: `${what}; whether another web application firewall or attack-blocking solution protects it is not in the evidence: firewalls other than AWS WAF are not visible to AWS APIs (${setting}: true declares AWS WAF the solution)` };
}

/** One result per web ACL: logging configured passes, none (or a filter dropping by default) needs review (its rules are never judged here). */
export function judgeWebAclLogging(inv: WebAclInventory, scopeLabel: string): ResourceResult[] {
  return inv.webAcls.map((acl) => {
    const base = { resource: acl.ARN!, resourceType: 'AWS::WAFv2::WebACL' };
    const label = `${scopeLabel} web ACL ${acl.Name}`;
    const log = inv.logging[acl.ARN!];
    if (log === undefined) return { ...base, status: 'error', reason: `${label}: no GetLoggingConfiguration response was collected` };
    if (isCapturedError(log)) {
      return log.error.code === NO_LOGGING
        ? { ...base, status: 'needs-review', reason: `${label} has no logging configuration: the requests it allows and blocks are not recorded, so its detections cannot be reviewed` }
        : { ...base, status: 'error', reason: `${label}: GetLoggingConfiguration failed (${log.error.code}: ${log.error.message}), so its logging is unknown` };
    }
    const dest = (log.LogDestinationConfigs ?? []).join(', ') || 'no destination listed';
    const lf = log.LoggingFilter;
    if (lf && lf.DefaultBehavior !== 'KEEP') {
      // DefaultBehavior DROP: only requests matching a KEEP filter reach the log; whether those are the ones to review is for the assessor.
      const kept = (lf.Filters ?? []).filter((f) => f.Behavior === 'KEEP').map(describeFilter);
      return {
        ...base,
        status: 'needs-review',
        reason: `${label} logs to ${dest}, but its logging filter's default behaviour is ${lf.DefaultBehavior ?? 'unstated'}: ${kept.length ? `only requests matching ${kept.join('; or ')} can be logged` : 'no filter keeps any request, so nothing is logged'}, so check that the requests left out need no review; its rules are not judged by this evidence`,
      };
    }
    const dropped = (lf?.Filters ?? []).filter((f) => f.Behavior === 'DROP').map(describeFilter);
    const filtered = dropped.length ? `; its logging filter can leave out requests matching ${dropped.join('; or ')}` : '';
    return { ...base, status: 'pass', reason: `${label} logs to ${dest}${filtered}; its rules and whether they block attacks are not judged by this evidence` };
  });
}

/** One logging filter in words: its conditions (rule action or label) joined as its Requirement says. */
function describeFilter(f: Filter): string {
  const conditions = (f.Conditions ?? []).map((c) => (c.ActionCondition ? `action ${c.ActionCondition.Action}` : c.LabelNameCondition ? `label ${c.LabelNameCondition.LabelName}` : 'an unstated condition'));
  return conditions.join(f.Requirement === 'MEETS_ALL' ? ' and ' : ' or ') || 'no condition';
}

export const webAcls = defineQuery<WebAclsEvidence>({
  id: 'wafv2.web-acls',
  service: 'wafv2',
  title: 'Internet-facing Application Load Balancers sit behind an AWS WAF web ACL, and web ACLs keep logs',
  description:
    'The REGIONAL AWS WAF web ACLs of the region, the Application Load Balancers each is associated with (ListResourcesForWebACL) and each web ACL’s logging configuration, beside every load balancer (DescribeLoadBalancers) with its scheme. It shows that a web ACL is in front of an internet-facing load balancer and that its traffic is logged; it does not show that the rules detect and block attacks (rule groups, actions, count-only rules), nor API Gateway, AppSync or Cognito associations, nor firewalls other than AWS WAF.',
  remediation:
    'Associate a web ACL with every internet-facing Application Load Balancer (AWS Managed Rules core rule set and known-bad-inputs at least, in block mode), and turn on web ACL logging to CloudWatch Logs, S3 or Data Firehose.',
  scope: 'regional',
  apiCalls: ['elasticloadbalancing:DescribeLoadBalancers', 'wafv2:ListWebACLs', 'wafv2:ListResourcesForWebACL', 'wafv2:GetLoggingConfiguration'],
  parameters: AWS_WAF_DECLARATION,
  async collect(ctx) {
    const [{ ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers }, { WAFV2Client, ListResourcesForWebACLCommand }] = await Promise.all([loadElbv2Sdk(), loadWafv2Sdk()]);
    const loadBalancers: LoadBalancer[] = [];
    for await (const page of paginateDescribeLoadBalancers({ client: ctx.clients.get(ElasticLoadBalancingV2Client) }, { PageSize: 400 })) {
      ctx.signal?.throwIfAborted();
      loadBalancers.push(...(stripMetadata(page).LoadBalancers ?? []));
    }
    const waf = ctx.clients.get(WAFV2Client);
    const inventory = await collectWebAclInventory(waf, 'REGIONAL', ctx.signal);
    const resources: WebAclsEvidence['resources'] = {};
    for (const acl of inventory.webAcls) {
      const got = await captureFailure(() => waf.send(new ListResourcesForWebACLCommand({ WebACLArn: acl.ARN, ResourceType: 'APPLICATION_LOAD_BALANCER' })), ctx.signal);
      resources[acl.ARN!] = isCapturedError(got) ? got : (got.ResourceArns ?? []);
    }
    return { loadBalancers, ...inventory, resources };
  },
  evaluate(data, params, ctx) {
    if (!data?.loadBalancers || !data.webAcls || !data.logging || !data.resources) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeLoadBalancers, ListWebACLs, ListResourcesForWebACL or GetLoggingConfiguration responses' }];
    }
    const protectedBy = new Map<string, string>();
    const failedLookups: string[] = [];
    for (const acl of data.webAcls) {
      const r = data.resources[acl.ARN!];
      if (r === undefined || isCapturedError(r)) failedLookups.push(`${acl.Name}${r ? ` (${r.error.code})` : ''}`);
      else for (const arn of r) protectedBy.set(arn, acl.Name ?? acl.ARN!);
    }
    const results: ResourceResult[] = [];
    for (const lb of data.loadBalancers) {
      if (lb.Type !== 'application' || lb.Scheme !== 'internet-facing') continue;
      const base = { resource: lb.LoadBalancerArn!, resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' };
      const label = `internet-facing Application Load Balancer ${lb.LoadBalancerName}`;
      const acl = protectedBy.get(lb.LoadBalancerArn!);
      if (acl) results.push({ ...base, status: 'pass', reason: `${label} is associated with web ACL ${acl}; whether its rules block attacks is for the assessor to examine` });
      else if (failedLookups.length) results.push({ ...base, status: 'error', reason: `${label} is not among the resources of the web ACLs read, but ListResourcesForWebACL failed for ${failedLookups.join(', ')}, so its protection is unknown` });
      else results.push({ ...base, ...withoutWebAcl(`${label} has no AWS WAF web ACL in front of it (${data.webAcls.length} REGIONAL web ACLs in ${ctx.region})`, params, ctx) });
    }
    results.push(...judgeWebAclLogging(data, 'REGIONAL'));
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no internet-facing Application Load Balancers and no REGIONAL web ACLs in ${ctx.region}` });
    return results;
  },
});
