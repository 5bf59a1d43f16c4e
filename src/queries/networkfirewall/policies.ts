import type { DescribeFirewallPolicyResponse, DescribeFirewallResponse, FirewallMetadata } from '@aws-sdk/client-network-firewall';
import { loadNetworkFirewallSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type EvaluationContext, type QueryContext, type ResourceResult } from '../types.js';

/** ListFirewalls (all pages), then DescribeFirewall per firewall and DescribeFirewallPolicy per policy it uses. */
export interface FirewallPoliciesEvidence {
  firewalls: FirewallMetadata[];
  descriptions: Record<string, DescribeFirewallResponse | CapturedError>;
  policies: Record<string, DescribeFirewallPolicyResponse | CapturedError>;
}

/** Stateful default actions that drop what no rule allows (strict rule order only). */
const DENY_BY_DEFAULT = ['aws:drop_strict', 'aws:drop_established', 'aws:drop_established_app_layer'];

const lastSegment = (arn: string | undefined) => arn?.split('/').pop() ?? '?';

export const firewallPolicies = defineQuery<FirewallPoliciesEvidence>({
  id: 'networkfirewall.policies',
  service: 'network-firewall',
  title: 'AWS Network Firewall firewalls drop what their policy does not allow, with the policy applied',
  description:
    'Every AWS Network Firewall firewall in the region with its VPC and subnets, its status and whether its configuration is in sync, and its firewall policy: stateless and stateful default actions, rule order and the stateless and stateful rule groups it references. A firewall passes when unmatched traffic, full packets and UDP fragments alike, is dropped (stateless default drop, or strict-order stateful evaluation with a drop default) and its configuration is in sync; it needs review when it passes what no stateful rule drops, for full packets or for UDP fragments; it fails when unmatched packets bypass inspection or the policy references no rule group. With no firewall the service is reported as not used: traffic is then filtered only by security groups, network ACLs and any third-party appliance, which this does not see. Rule contents are not judged against the approved flows, and route tables are not read, so whether traffic actually passes through the firewall endpoints is not shown.',
  remediation:
    'Set the policy’s stateless default actions to forward to the stateful engine (aws:forward_to_sfe), use strict rule order with a drop default (aws:drop_established or aws:drop_strict), reference rule groups allowing only the approved flows, and route the protected subnets through the firewall endpoints.',
  scope: 'regional',
  apiCalls: ['network-firewall:ListFirewalls', 'network-firewall:DescribeFirewall', 'network-firewall:DescribeFirewallPolicy'],
  collect: (ctx) => collectFirewallPolicies(ctx),
  evaluate(data, _params, ctx) {
    return evaluatePolicies(data, ctx);
  },
});

/** ListFirewalls, DescribeFirewall and DescribeFirewallPolicy, shared by the queries of this service. */
export async function collectFirewallPolicies(ctx: QueryContext): Promise<FirewallPoliciesEvidence> {
  const { NetworkFirewallClient, paginateListFirewalls, DescribeFirewallCommand, DescribeFirewallPolicyCommand } = await loadNetworkFirewallSdk();
  const client = ctx.clients.get(NetworkFirewallClient);
  const firewalls: FirewallMetadata[] = [];
  for await (const page of paginateListFirewalls({ client, pageSize: 100 }, {})) {
    ctx.signal?.throwIfAborted();
    firewalls.push(...(stripMetadata(page).Firewalls ?? []));
  }
  const descriptions: FirewallPoliciesEvidence['descriptions'] = {};
  const policies: FirewallPoliciesEvidence['policies'] = {};
  for (const f of firewalls) {
    ctx.signal?.throwIfAborted();
    // One firewall that cannot be described (deleted meanwhile, denied, throttled) is its own error; the others stay judged.
    const d = await captureFailure(() => client.send(new DescribeFirewallCommand({ FirewallArn: f.FirewallArn })), ctx.signal);
    descriptions[f.FirewallArn ?? f.FirewallName ?? '?'] = d;
    const policyArn = isCapturedError(d) ? undefined : d.Firewall?.FirewallPolicyArn;
    if (policyArn && !(policyArn in policies)) {
      policies[policyArn] = await captureFailure(() => client.send(new DescribeFirewallPolicyCommand({ FirewallPolicyArn: policyArn })), ctx.signal);
    }
  }
  return { firewalls, descriptions, policies };
}

function evaluatePolicies(data: FirewallPoliciesEvidence, ctx: EvaluationContext): ResourceResult[] {
  if (!data?.firewalls || !data.descriptions || !data.policies) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListFirewalls, DescribeFirewall or DescribeFirewallPolicy responses' }];
  }
  if (data.firewalls.length === 0) {
    return [
      {
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'not-applicable',
        reason: `AWS Network Firewall is not used in ${ctx.region}: no managed firewall inspects traffic here, so network traffic is filtered only by security groups, network ACLs and any third-party firewall appliance (not visible to this query); this is not a failure by itself`,
      },
    ];
  }
  return data.firewalls.map((meta): ResourceResult => {
    const key = meta.FirewallArn ?? meta.FirewallName ?? '?';
    const base = { resource: meta.FirewallArn ?? `arn:aws:network-firewall:${ctx.region}:${ctx.accountId}:firewall/${meta.FirewallName}`, resourceType: 'AWS::NetworkFirewall::Firewall' };
    const label = `firewall ${meta.FirewallName ?? lastSegment(meta.FirewallArn)}`;
    const d = data.descriptions[key];
    if (!d) return { ...base, status: 'error', reason: `${label}: the evidence holds no DescribeFirewall response for it` };
    if (isCapturedError(d)) return { ...base, status: 'error', reason: `${label} was listed but DescribeFirewall answered ${d.error.code}: ${d.error.message}` };
    const fw = d.Firewall;
    const where = `${label} in ${fw?.VpcId ?? 'an unnamed VPC'} (subnets ${(fw?.SubnetMappings ?? []).map((m) => m.SubnetId).join(', ') || 'none'})`;
    const p = fw?.FirewallPolicyArn ? data.policies[fw.FirewallPolicyArn] : undefined;
    if (!p || isCapturedError(p) || !p.FirewallPolicy) {
      return { ...base, status: 'error', reason: `${where}: its policy ${fw?.FirewallPolicyArn ?? '(none named)'} could not be read${p && isCapturedError(p) ? ` (${p.error.code})` : ''}` };
    }
    const pol = p.FirewallPolicy;
    const policyName = p.FirewallPolicyResponse?.FirewallPolicyName ?? lastSegment(fw?.FirewallPolicyArn);
    const stateless = pol.StatelessDefaultActions ?? [];
    const fragments = pol.StatelessFragmentDefaultActions ?? [];
    const stateful = pol.StatefulDefaultActions ?? [];
    const strict = pol.StatefulEngineOptions?.RuleOrder === 'STRICT_ORDER';
    const statefulGroups = (pol.StatefulRuleGroupReferences ?? []).map((r) => lastSegment(r.ResourceArn));
    const statelessGroups = (pol.StatelessRuleGroupReferences ?? []).map((r) => lastSegment(r.ResourceArn));
    const status = d.FirewallStatus?.Status ?? 'unstated';
    const sync = d.FirewallStatus?.ConfigurationSyncStateSummary ?? 'unstated';
    const summary = `${where} uses policy ${policyName}: stateless default ${stateless.join(', ') || 'none'} (fragments ${fragments.join(', ') || 'none'}), stateful ${strict ? 'strict order' : 'default action order'} with default ${stateful.join(', ') || 'none (pass)'}, stateful rule groups ${statefulGroups.join(', ') || 'none'}, stateless rule groups ${statelessGroups.join(', ') || 'none'}; firewall ${status}, configuration ${sync}`;
    if (stateless.includes('aws:pass') || fragments.includes('aws:pass')) {
      return { ...base, status: 'fail', reason: `${summary}: packets no stateless rule matches pass without inspection` };
    }
    const statefulDenies = strict && stateful.some((a) => DENY_BY_DEFAULT.includes(a));
    const statelessDrop = stateless.includes('aws:drop');
    const statefulDrop = stateless.includes('aws:forward_to_sfe') && statefulDenies;
    if (!statelessDrop && !statefulDrop && statefulGroups.length === 0 && statelessGroups.length === 0) {
      return { ...base, status: 'fail', reason: `${summary}: no rule group and no drop default, so it filters nothing` };
    }
    if (status !== 'READY' || sync !== 'IN_SYNC') {
      return { ...base, status: 'needs-review', reason: `${summary}: the policy is not yet applied everywhere, so running and stored configuration may differ` };
    }
    if (!statelessDrop && !statefulDrop) return { ...base, status: 'needs-review', reason: `${summary}: traffic that no rule drops is passed, so compare the rule groups with the approved flows` };
    // UDP fragments no stateless rule matches take StatelessFragmentDefaultActions, not StatelessDefaultActions (other fragments are dropped by the service).
    const fragmentDrop = fragments.includes('aws:drop') || (fragments.includes('aws:forward_to_sfe') && statefulDenies);
    if (!fragmentDrop) {
      const path = fragments.includes('aws:forward_to_sfe')
        ? `go to the stateful engine, which ${strict ? 'has no drop default action' : 'in default action order'} passes what no stateful rule drops`
        : `take ${fragments.join(', ') || 'no stated default action'}, which is not a drop`;
      return {
        ...base,
        status: 'needs-review',
        reason: `${summary}: full packets no rule allows are dropped, but UDP fragments no stateless rule matches ${path}, so compare the rule groups with the approved flows for fragmented UDP or set the fragment default to aws:drop`,
      };
    }
    return {
      ...base,
      status: 'pass',
      reason: `${summary}: traffic no rule allows is dropped, UDP fragments included; whether the allowed flows are the approved ones is for the rule groups' review, and whether route tables send the protected subnets' traffic through the firewall endpoints is not checked`,
    };
  });
}
