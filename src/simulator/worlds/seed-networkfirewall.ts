/** AWS Network Firewall in the demo account: a deny-by-default egress firewall at home, a pass-through one elsewhere. */
import type { DescribeFirewallPolicyResponse, DescribeFirewallResponse, FirewallPolicy } from '@aws-sdk/client-network-firewall';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { networkFirewallState } from '../services/networkfirewall.js';
import { stableHex, stableId } from './builders.js';

const DAY = 86_400_000;

/**
 * Demo only (generated accounts do not use the service, so it reads "not used" there): the home region's firewall
 * drops what its strict-order rule groups do not allow; the second region's legacy firewall passes unmatched packets
 * without inspection, and its last policy change is still pending in one zone.
 */
export function seedNetworkFirewall(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  world.regions.slice(0, 2).forEach((region, i) => {
    const s = networkFirewallState(account, region);
    const arn = (kind: string, name: string) => `arn:aws:network-firewall:${region}:${account.id}:${kind}/${name}`;
    const vpc = `vpc-0${stableHex(`${account.id}/${region}/vpc`, 16)}`;
    const publicSubnet = `subnet-0${stableHex(`${account.id}/${region}/public-subnet`, 16)}`;
    const [fwName, policyName] = i === 0 ? ['payments-egress', 'payments-egress-policy'] : ['legacy-inspection', 'legacy-inspection-policy'];
    const policy: FirewallPolicy =
      i === 0
        ? {
            StatelessDefaultActions: ['aws:forward_to_sfe'],
            StatelessFragmentDefaultActions: ['aws:forward_to_sfe'],
            StatefulDefaultActions: ['aws:drop_established', 'aws:alert_established'],
            StatefulEngineOptions: { RuleOrder: 'STRICT_ORDER', StreamExceptionPolicy: 'DROP' },
            StatefulRuleGroupReferences: [
              { ResourceArn: arn('stateful-rulegroup', 'allowed-egress-domains'), Priority: 10 },
              { ResourceArn: `arn:aws:network-firewall:${region}:aws-managed:stateful-rulegroup/ThreatSignaturesMalwareStrictOrder`, Priority: 20 },
            ],
            StatelessRuleGroupReferences: [],
          }
        : { StatelessDefaultActions: ['aws:pass'], StatelessFragmentDefaultActions: ['aws:pass'], StatefulRuleGroupReferences: [], StatelessRuleGroupReferences: [] };
    const policyArn = arn('firewall-policy', policyName);
    const policyResponse: DescribeFirewallPolicyResponse = {
      UpdateToken: stableId(`${policyArn}/token`),
      FirewallPolicyResponse: {
        FirewallPolicyName: policyName,
        FirewallPolicyArn: policyArn,
        FirewallPolicyId: stableId(policyArn),
        FirewallPolicyStatus: 'ACTIVE',
        NumberOfAssociations: 1,
        LastModifiedTime: new Date(world.now.getTime() - 60 * DAY),
        Tags: [],
      },
      FirewallPolicy: policy,
    };
    const firewall: DescribeFirewallResponse = {
      UpdateToken: stableId(`${fwName}/${region}/token`),
      Firewall: {
        FirewallName: fwName,
        FirewallArn: arn('firewall', fwName),
        FirewallId: stableId(`${account.id}/${region}/${fwName}`),
        FirewallPolicyArn: policyArn,
        VpcId: vpc,
        SubnetMappings: [{ SubnetId: publicSubnet, IPAddressType: 'IPV4' }],
        DeleteProtection: true,
        SubnetChangeProtection: true,
        FirewallPolicyChangeProtection: true,
        Tags: [{ Key: 'Name', Value: fwName }],
      },
      // The legacy firewall's last policy change is still being applied in its second zone.
      FirewallStatus: {
        Status: 'READY',
        ConfigurationSyncStateSummary: i === 0 ? 'IN_SYNC' : 'PENDING',
        SyncStates: {
          [`${region}a`]: { Attachment: { SubnetId: publicSubnet, Status: 'READY' }, Config: { [policyArn]: { SyncStatus: 'IN_SYNC', UpdateToken: policyResponse.UpdateToken } } },
          ...(i === 0 ? {} : { [`${region}b`]: { Attachment: { SubnetId: publicSubnet, Status: 'READY' }, Config: { [policyArn]: { SyncStatus: 'PENDING', UpdateToken: policyResponse.UpdateToken } } } }),
        },
      },
    };
    s.policies.push(policyResponse);
    s.firewalls.push(firewall);
  });
}
