import type { Listener, LoadBalancer, Rule, SslPolicy } from '@aws-sdk/client-elastic-load-balancing-v2';
import { loadElbv2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { SUITES_CHECKED, weakSuitesReview } from '../tls-suites.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';

/** DescribeLoadBalancers, each load balancer's DescribeListeners, the rules of plain-HTTP listeners, and the SSL policies in use. */
export interface ListenerTlsEvidence {
  loadBalancers: LoadBalancer[];
  /** By load balancer ARN: its listeners, or the error that kept them from us. */
  listeners: Record<string, Listener[] | CapturedError>;
  /** By listener ARN, HTTP listeners only: their rules (a rule may forward plain HTTP whatever the default action does). */
  httpRules: Record<string, Rule[] | CapturedError>;
  /** DescribeSSLPolicies for the policy names the listeners use. */
  sslPolicies: SslPolicy[] | CapturedError;
}

/** Protocol versions PCI DSS and NIST SP 800-52r2 no longer count as strong cryptography. */
const WEAK_PROTOCOLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

function redirectsToHttps(actions: Listener['DefaultActions']): boolean {
  return (actions ?? []).some((a) => a.Type === 'redirect' && a.RedirectConfig?.Protocol === 'HTTPS');
}

/**
 * A rule action that answers or forwards the request over the plain-HTTP connection; a rule with neither a redirect to
 * HTTPS nor a fixed response (an action type this query does not know, or none) counts as one too.
 */
function servesPlainHttp(rule: Rule): boolean {
  const actions = rule.Actions ?? [];
  return (
    actions.some((a) => a.Type === 'forward' || a.Type === 'authenticate-oidc' || a.Type === 'authenticate-cognito' || (a.Type === 'redirect' && a.RedirectConfig?.Protocol !== 'HTTPS')) ||
    !actions.some((a) => (a.Type === 'redirect' && a.RedirectConfig?.Protocol === 'HTTPS') || a.Type === 'fixed-response')
  );
}

/** A rule that answers with a fixed response over plain HTTP (no application served, but the request crossed unencrypted). */
const answersFixed = (rule: Rule): boolean => !servesPlainHttp(rule) && (rule.Actions ?? []).some((a) => a.Type === 'fixed-response');

export const listenerTls = defineQuery<ListenerTlsEvidence>({
  id: 'elbv2.listener-tls',
  service: 'elasticloadbalancing',
  title: 'Load balancer listeners accept only TLS 1.2 or later, and plain-HTTP listeners redirect to HTTPS',
  description:
    'Every Application and Network Load Balancer listener in the region with its load balancer’s scheme (internet-facing or internal): HTTPS and TLS listeners with the protocol versions and cipher suites of their SSL policy (DescribeSSLPolicies: a policy older than TLS 1.2 fails; suites without forward secrecy, or CBC suites with a SHA-1 MAC, need review, by the rule CloudFront security policies follow), and HTTP listeners with their default action and rules. It shows what the load balancer negotiates with clients, not the TLS between the load balancer and its targets, nor TLS terminated elsewhere (API Gateway, hosts).',
  remediation:
    'Give every HTTPS/TLS listener a TLS 1.2-or-later security policy whose cipher suites are all forward secret, none CBC with a SHA-1 MAC (ELBSecurityPolicy-TLS13-1-2-2021-06, or ELBSecurityPolicy-TLS13-1-2-Res-2021-06 for AEAD suites only), and make every HTTP listener’s default action and rules a redirect to HTTPS (HTTP 301).',
  scope: 'regional',
  apiCalls: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeSSLPolicies'],
  async collect(ctx) {
    // ELBv2 paginators carry no page-size token, so PageSize (max 400) goes in the input.
    const { ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers, paginateDescribeListeners, paginateDescribeRules, DescribeSSLPoliciesCommand } = await loadElbv2Sdk();
    const client = ctx.clients.get(ElasticLoadBalancingV2Client);
    const loadBalancers: LoadBalancer[] = [];
    for await (const page of paginateDescribeLoadBalancers({ client }, { PageSize: 400 })) {
      ctx.signal?.throwIfAborted();
      loadBalancers.push(...(stripMetadata(page).LoadBalancers ?? []));
    }
    const listeners: ListenerTlsEvidence['listeners'] = {};
    const httpRules: ListenerTlsEvidence['httpRules'] = {};
    const policyNames = new Set<string>();
    for (const lb of loadBalancers) {
      const arn = lb.LoadBalancerArn!;
      listeners[arn] = await captureFailure(async () => {
        const all: Listener[] = [];
        for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: arn, PageSize: 400 })) all.push(...(page.Listeners ?? []));
        return all;
      }, ctx.signal);
      const found = listeners[arn];
      if (isCapturedError(found)) continue;
      for (const l of found) {
        if (l.SslPolicy) policyNames.add(l.SslPolicy);
        if (l.Protocol !== 'HTTP') continue;
        httpRules[l.ListenerArn!] = await captureFailure(async () => {
          const all: Rule[] = [];
          for await (const page of paginateDescribeRules({ client }, { ListenerArn: l.ListenerArn, PageSize: 400 })) all.push(...(page.Rules ?? []));
          return all;
        }, ctx.signal);
      }
    }
    // DescribeSSLPolicies has no paginator in the SDK; its Marker is followed by hand.
    const sslPolicies = await captureFailure(async () => {
      const all: SslPolicy[] = [];
      if (policyNames.size === 0) return all;
      let marker: string | undefined;
      do {
        const page = await client.send(new DescribeSSLPoliciesCommand({ Names: [...policyNames].sort(), Marker: marker }));
        all.push(...(page.SslPolicies ?? []));
        marker = page.NextMarker;
      } while (marker);
      return all;
    }, ctx.signal);
    return { loadBalancers, listeners, httpRules, sslPolicies };
  },
  evaluate(data, _params, ctx) {
    if (!data?.loadBalancers || !data.listeners || !data.httpRules || !data.sslPolicies) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeLoadBalancers, DescribeListeners, DescribeRules or DescribeSSLPolicies responses' }];
    }
    const policies = isCapturedError(data.sslPolicies) ? undefined : new Map(data.sslPolicies.map((p) => [p.Name, p]));
    const results: ResourceResult[] = [];
    for (const lb of data.loadBalancers) {
      const lbLabel = `${lb.Type ?? 'load balancer'} load balancer ${lb.LoadBalancerName} (${lb.Scheme ?? 'scheme unknown'})`;
      const internet = lb.Scheme === 'internet-facing';
      const found = data.listeners[lb.LoadBalancerArn!];
      if (found === undefined || isCapturedError(found)) {
        const why = found ? `DescribeListeners failed (${found.error.code}: ${found.error.message})` : 'no DescribeListeners response was collected';
        results.push({ resource: lb.LoadBalancerArn!, resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer', status: 'error', reason: `${lbLabel}: ${why}, so its listeners are unknown` });
        continue;
      }
      for (const l of found) {
        // A listener is in scope with its load balancer.
        const base = { resource: l.ListenerArn!, resourceType: 'AWS::ElasticLoadBalancingV2::Listener', parent: { resource: lb.LoadBalancerArn!, resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' } };
        const label = `${l.Protocol} listener on port ${l.Port} of ${lbLabel}`;
        if (l.Protocol === 'HTTPS' || l.Protocol === 'TLS') {
          if (!policies) {
            const e = data.sslPolicies as CapturedError;
            results.push({ ...base, status: 'error', reason: `${label} uses SSL policy ${l.SslPolicy}, but DescribeSSLPolicies failed (${e.error.code}), so its protocol versions are unknown` });
            continue;
          }
          const policy = policies.get(l.SslPolicy);
          if (!policy) {
            results.push({ ...base, status: 'error', reason: `${label} uses SSL policy ${l.SslPolicy ?? '(none named)'}, which DescribeSSLPolicies did not describe, so its protocol versions are unknown` });
            continue;
          }
          const protocols = policy.SslProtocols ?? [];
          const weak = protocols.filter((p) => WEAK_PROTOCOLS.has(p));
          const detail = `SSL policy ${policy.Name} allows ${protocols.join(', ') || 'no protocols listed'} with ${policy.Ciphers?.length ?? 0} cipher suites`;
          const ciphers = (policy.Ciphers ?? []).flatMap((c) => (c.Name ? [c.Name] : []));
          const review = weakSuitesReview(policy.Name ?? l.SslPolicy ?? '(unnamed)', ciphers);
          if (weak.length) results.push({ ...base, status: 'fail', reason: `${label}: ${detail}; it still accepts ${weak.join(' and ')}, older than TLS 1.2` });
          else if (ciphers.length === 0) results.push({ ...base, status: 'needs-review', reason: `${label}: ${detail}; nothing older than TLS 1.2 is negotiated, but DescribeSSLPolicies listed no cipher suites for it, so their strength is unknown` });
          else if (review) results.push({ ...base, status: 'needs-review', reason: `${label}: ${detail}; ${review}` });
          else results.push({ ...base, status: 'pass', reason: `${label}: ${detail}; nothing older than TLS 1.2 is negotiated with clients, and ${SUITES_CHECKED}, as DescribeSSLPolicies lists them; the TLS to targets is not shown` });
        } else if (l.Protocol === 'HTTP') {
          const rules = data.httpRules[l.ListenerArn!];
          if (rules === undefined || isCapturedError(rules)) {
            results.push({ ...base, status: 'error', reason: `${label}: ${rules ? `DescribeRules failed (${rules.error.code})` : 'no DescribeRules response was collected'}, so whether it serves plain HTTP is unknown` });
            continue;
          }
          const plainRules = rules.filter((r) => !r.IsDefault && servesPlainHttp(r));
          const fixedRules = rules.filter((r) => !r.IsDefault && answersFixed(r));
          const plainDefault = !redirectsToHttps(l.DefaultActions);
          if (!plainDefault && plainRules.length === 0 && fixedRules.length === 0) {
            results.push({ ...base, status: 'pass', reason: `${label} redirects every request to HTTPS (default action and ${rules.filter((r) => !r.IsDefault).length} other rules)` });
            continue;
          }
          // A fixed response serves no application, but the request itself still crossed the network unencrypted.
          const fixedDefault = (l.DefaultActions ?? []).length > 0 && (l.DefaultActions ?? []).every((a) => a.Type === 'fixed-response');
          if (plainRules.length === 0 && (fixedDefault || !plainDefault)) {
            const status = (actions: Listener['DefaultActions']) => actions?.find((a) => a.Type === 'fixed-response')?.FixedResponseConfig?.StatusCode ?? 'not stated';
            const what = fixedDefault
              ? `answers ${fixedRules.length ? 'plain-HTTP requests by default' : 'every plain-HTTP request'} with a fixed response (status ${status(l.DefaultActions)}) instead of redirecting to HTTPS`
              : 'redirects to HTTPS by default';
            const byRules = fixedRules.length ? `${fixedDefault ? ', and' : ', but'} ${fixedRules.length} rule(s) (priority ${fixedRules.map((r) => `${r.Priority} status ${status(r.Actions)}`).join(', ')}) answer with a fixed response over plain HTTP instead of redirecting` : '';
            results.push({ ...base, status: 'needs-review', reason: `${label} ${what}${byRules}: no application is served by them, but what clients send still crosses unencrypted` });
            continue;
          }
          const what = plainDefault ? `its default action is ${(l.DefaultActions ?? []).map((a) => a.Type).join(', ') || 'missing'}, not a redirect to HTTPS` : `${plainRules.length} rule(s) (priority ${plainRules.map((r) => r.Priority).join(', ')}) answer over plain HTTP although the default action redirects to HTTPS`;
          results.push(
            internet
              ? { ...base, status: 'fail', reason: `${label} serves plain HTTP on the internet: ${what}` }
              : { ...base, status: 'needs-review', reason: `${label} serves plain HTTP inside the VPC: ${what}; whether account data or ePHI crosses it unencrypted is for the assessor to establish` },
          );
        } else if (l.Protocol === 'TCP' || l.Protocol === 'UDP' || l.Protocol === 'TCP_UDP') {
          results.push({ ...base, status: 'needs-review', reason: `${label} passes ${l.Protocol} through without terminating TLS: whether the traffic is encrypted depends on the targets, which AWS APIs do not show` });
        } else {
          results.push({ ...base, status: 'not-applicable', reason: `${label} (${l.Protocol ?? 'no protocol'}) carries no client-facing application traffic to judge` });
        }
      }
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no Application or Network Load Balancer listeners in ${ctx.region}` });
    return results;
  },
});
