import { defineQuery, isCapturedError, type ResourceResult } from '../types.js';
import { collectFirewallPolicies, type FirewallPoliciesEvidence } from './policies.js';

const lastSegment = (arn: string | undefined) => arn?.split('/').pop() ?? '?';

export const firewallConfigurationSync = defineQuery<FirewallPoliciesEvidence>({
  id: 'networkfirewall.configuration-sync',
  service: 'network-firewall',
  title: 'AWS Network Firewall runs the policy it stores, and the stored policy can be read',
  description:
    'Every AWS Network Firewall firewall in the region with its stored firewall policy (read back through DescribeFirewallPolicy, with its last change) and whether the firewall reports that policy applied in every Availability Zone (configuration IN_SYNC, firewall READY), with its change and deletion protection flags. A firewall passes when its policy is readable and in sync; it needs review while a change is still being applied. It does not show who may change the policy (IAM), nor the configuration of third-party appliances; security groups and network ACLs have no separate stored configuration (the API state is what runs). Route tables are not read, so whether traffic passes through the firewall endpoints is not shown.',
  remediation:
    'Wait for pending changes to apply or investigate a firewall stuck out of sync (DescribeFirewall SyncStates per Availability Zone), restore or reassociate a policy that cannot be read, and turn on policy change and deletion protection.',
  scope: 'regional',
  apiCalls: ['network-firewall:ListFirewalls', 'network-firewall:DescribeFirewall', 'network-firewall:DescribeFirewallPolicy'],
  collect: (ctx) => collectFirewallPolicies(ctx),
  evaluate(data, _params, ctx) {
    if (!data?.firewalls || !data.descriptions || !data.policies) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListFirewalls, DescribeFirewall or DescribeFirewallPolicy responses' }];
    }
    if (data.firewalls.length === 0) {
      return [
        {
          resource: 'account',
          resourceType: 'AWS::::Account',
          status: 'not-applicable',
          reason: `AWS Network Firewall is not used in ${ctx.region}, so there is no stored firewall policy to compare with a running one; security groups and network ACLs keep no separate configuration file, and third-party appliances are not visible here`,
        },
      ];
    }
    return data.firewalls.map((meta): ResourceResult => {
      const key = meta.FirewallArn ?? meta.FirewallName ?? '?';
      const base = { resource: meta.FirewallArn ?? `arn:aws:network-firewall:${ctx.region}:${ctx.accountId}:firewall/${meta.FirewallName}`, resourceType: 'AWS::NetworkFirewall::Firewall' };
      const label = `firewall ${meta.FirewallName ?? lastSegment(meta.FirewallArn)}`;
      const d = data.descriptions[key];
      if (!d || isCapturedError(d)) return { ...base, status: 'error', reason: `${label}: DescribeFirewall gave no answer${d ? ` (${d.error.code})` : ''}, so its running configuration is unknown` };
      const fw = d.Firewall;
      const p = fw?.FirewallPolicyArn ? data.policies[fw.FirewallPolicyArn] : undefined;
      if (!p || isCapturedError(p) || !p.FirewallPolicy) {
        return { ...base, status: 'error', reason: `${label}: its stored policy ${fw?.FirewallPolicyArn ?? '(none named)'} could not be read${p && isCapturedError(p) ? ` (${p.error.code})` : ''}` };
      }
      const policyName = p.FirewallPolicyResponse?.FirewallPolicyName ?? lastSegment(fw?.FirewallPolicyArn);
      const changed = p.FirewallPolicyResponse?.LastModifiedTime ? ` (last changed ${String(p.FirewallPolicyResponse.LastModifiedTime).slice(0, 10)})` : '';
      const status = d.FirewallStatus?.Status ?? 'unstated';
      const sync = d.FirewallStatus?.ConfigurationSyncStateSummary ?? 'unstated';
      const zones = Object.entries(d.FirewallStatus?.SyncStates ?? {}).map(([az, st]) => `${az} ${st.Config ? Object.values(st.Config).map((c) => c.SyncStatus).join('/') : (st.Attachment?.Status ?? '?')}`);
      const protection = `policy change protection ${fw?.FirewallPolicyChangeProtection ? 'on' : 'off'}, delete protection ${fw?.DeleteProtection ? 'on' : 'off'}`;
      const summary = `${label} stores policy ${policyName}${changed}; firewall ${status}, configuration ${sync}${zones.length ? ` (${zones.join(', ')})` : ''}; ${protection}`;
      if (status === 'READY' && sync === 'IN_SYNC') return { ...base, status: 'pass', reason: `${summary}: the stored policy is the one applied; whether route tables send traffic through the firewall endpoints is not checked` };
      return { ...base, status: 'needs-review', reason: `${summary}: the stored policy is not yet applied everywhere, so what runs may differ from what is stored` };
    });
  },
});
