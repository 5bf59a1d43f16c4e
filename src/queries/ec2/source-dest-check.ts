import type { NetworkInterface } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';
import { recordedEc2Resource } from './recorded-items.js';

/** DescribeNetworkInterfaces, all pages. */
export interface NetworkInterfacesEvidence {
  networkInterfaces: NetworkInterface[];
}

/**
 * AWS::EC2::NetworkInterface configuration items as DescribeNetworkInterfaces evidence: the interface's own
 * `sourceDestCheck` and `attachment.instanceId` are recorded (an Instance CI's copy of its interfaces has no instance id).
 */
export const NETWORK_INTERFACE_ITEMS: ConfigItemFamily<NetworkInterfacesEvidence> = {
  resourceTypes: ['AWS::EC2::NetworkInterface'],
  toEvidence: (items) => ({ networkInterfaces: items.map((item) => recordedEc2Resource<NetworkInterface>(item)) }),
};

export const sourceDestCheck = defineQuery<NetworkInterfacesEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.source-dest-check',
  service: 'ec2',
  title: 'Network interfaces drop traffic not addressed from or to them (source/destination check)',
  description:
    'Every network interface in the region with its source/destination check. With the check on, the VPC drops packets whose source or destination is not the interface’s own address (anti-spoofing); an interface with it off can send forged source addresses and forward traffic, which only NAT or firewall appliances need. Interfaces AWS manages for its services are listed as not applicable.',
  remediation:
    'Turn source/destination checking back on for interfaces that are not NAT or firewall appliances (`aws ec2 modify-network-interface-attribute --source-dest-check`), and document why each remaining appliance needs it off.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeNetworkInterfaces'],
  async collect(ctx) {
    const { EC2Client, paginateDescribeNetworkInterfaces } = await loadEc2Sdk();
    const networkInterfaces: NetworkInterface[] = [];
    for await (const page of paginateDescribeNetworkInterfaces({ client: ctx.clients.get(EC2Client), pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      networkInterfaces.push(...(stripMetadata(page).NetworkInterfaces ?? []));
    }
    return { networkInterfaces };
  },
  evaluate: acceptConfigItems(NETWORK_INTERFACE_ITEMS, (data, _params, ctx) => {
    if (!data?.networkInterfaces) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeNetworkInterfaces response' }];
    const results: ResourceResult[] = data.networkInterfaces.map((n) => {
      const owner = n.OwnerId ?? ctx.accountId;
      const base = {
        resource: `arn:aws:ec2:${ctx.region}:${owner}:network-interface/${n.NetworkInterfaceId}`,
        resourceType: 'AWS::EC2::NetworkInterface',
        // An instance's interface is in scope with its instance.
        ...(n.Attachment?.InstanceId ? { parent: { resource: `arn:aws:ec2:${ctx.region}:${/^\d{12}$/.test(n.Attachment.InstanceOwnerId ?? '') ? n.Attachment.InstanceOwnerId : owner}:instance/${n.Attachment.InstanceId}`, resourceType: 'AWS::EC2::Instance' } } : {}),
      };
      const label = `network interface ${n.NetworkInterfaceId}${n.Attachment?.InstanceId ? ` of instance ${n.Attachment.InstanceId}` : ''}`;
      if (n.RequesterManaged === true) {
        return { ...base, status: 'not-applicable' as const, reason: `${label} is managed by an AWS service (${n.InterfaceType ?? n.Description ?? 'requester-managed'}); its forwarding is that service's` };
      }
      if (n.SourceDestCheck === true) return { ...base, status: 'pass' as const, reason: `${label} has source/destination checking on` };
      if (n.SourceDestCheck === false) {
        return { ...base, status: 'needs-review' as const, reason: `${label} has source/destination checking off, so it can send forged source addresses and forward traffic: acceptable only for a NAT or firewall appliance` };
      }
      return { ...base, status: 'error' as const, reason: `${label}: the evidence does not say whether source/destination checking is on` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no network interfaces in ${ctx.region}` });
    return results;
  }),
});
