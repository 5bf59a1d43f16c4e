import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeVolumesCommand,
  GetEbsEncryptionByDefaultCommand,
  GetManagedPrefixListEntriesCommand,
  type Filter,
  type FlowLog,
  type Instance,
  type InternetGateway,
  type ManagedPrefixList,
  type NatGateway,
  type NetworkAcl,
  type NetworkInterface,
  type PrefixListEntry,
  type RouteTable,
  type Subnet,
  type Vpc,
  type Reservation,
  type SecurityGroup,
  type Snapshot,
  type StaleSecurityGroup,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ec2Query } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedEc2 } from '../worlds/seed-ec2.js';
import { seedNetwork } from '../worlds/seed-network.js';

/** EC2 in one account and region: security groups, EBS encryption by default and instances (by reservation). */
export interface Ec2State {
  securityGroups: SecurityGroup[];
  ebsEncryptionByDefault: boolean;
  reservations: Reservation[];
  networkInterfaces?: NetworkInterface[];
  volumes?: Volume[];
  /** Snapshots owned by the account (DescribeSnapshots with OwnerIds self). */
  snapshots?: Snapshot[];
  /** The network: VPCs, subnets, network ACLs, route tables, gateways and flow logs. */
  vpcs?: Vpc[];
  subnets?: Subnet[];
  networkAcls?: NetworkAcl[];
  routeTables?: RouteTable[];
  internetGateways?: InternetGateway[];
  natGateways?: NatGateway[];
  flowLogs?: FlowLog[];
  /** Managed prefix lists the account sees: its own (customer-managed) and AWS-managed ones (OwnerId AWS). */
  managedPrefixLists?: ManagedPrefixList[];
  /** The entries of each prefix list, by id (GetManagedPrefixListEntries): those of its current version. */
  prefixListEntries?: Record<string, PrefixListEntry[]>;
  /** The entries of earlier versions of a prefix list, by id and version (GetManagedPrefixListEntries TargetVersion). */
  prefixListEntryHistory?: Record<string, Record<number, PrefixListEntry[]>>;
  /** DescribeStaleSecurityGroups' answer per VPC id: the account's groups with rules AWS reports stale. */
  staleSecurityGroups?: Record<string, StaleSecurityGroup[]>;
}

declare module '../world.js' {
  interface RegionalState {
    ec2: Ec2State;
  }
}

export function ec2State(account: SimAccount, region: string): Ec2State {
  return account.regional(region, 'ec2', () => ({ securityGroups: [], ebsEncryptionByDefault: false, reservations: [] }));
}

const state = (ctx: CallContext) => ec2State(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterValue', message);

/** EC2 filter names the simulator understands; any other name is refused as EC2 does. */
function securityGroupValues(g: SecurityGroup, name: string): string[] {
  switch (name) {
    case 'group-name':
      return [g.GroupName ?? ''];
    case 'group-id':
      return [g.GroupId ?? ''];
    case 'vpc-id':
      return [g.VpcId ?? ''];
    case 'owner-id':
      return [g.OwnerId ?? ''];
    case 'description':
      return [g.Description ?? ''];
    default:
      throw new SimError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

function prefixListValues(l: ManagedPrefixList, name: string): string[] {
  switch (name) {
    case 'prefix-list-id':
      return [l.PrefixListId ?? ''];
    case 'prefix-list-name':
      return [l.PrefixListName ?? ''];
    case 'owner-id':
      return [l.OwnerId ?? ''];
    default:
      throw new SimError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

function instanceValues(r: Reservation, i: Instance, name: string): string[] {
  switch (name) {
    case 'instance-id':
      return [i.InstanceId ?? ''];
    case 'instance-state-name':
      return [i.State?.Name ?? ''];
    case 'metadata-options.http-tokens':
      return [i.MetadataOptions?.HttpTokens ?? ''];
    case 'owner-id':
      return [r.OwnerId ?? ''];
    default:
      if (name.startsWith('tag:')) return (i.Tags ?? []).filter((t) => t.Key === name.slice(4)).map((t) => t.Value ?? '');
      throw new SimError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/** EC2 filter values allow `*` and `?` wildcards. */
function matches(values: string[], filter: Filter): boolean {
  const patterns = (filter.Values ?? []).map((v) => new RegExp('^' + v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$'));
  return values.some((v) => patterns.some((p) => p.test(v)));
}

const pageLimits = (scope: string) => ({
  defaultLimit: 1000,
  maxLimit: 1000,
  scope,
  invalidToken: () => new SimError('InvalidPaginationToken', 'The pagination token is invalid.'),
  invalidLimit: (n: number) => invalidParameter(`Value ( ${n} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`),
});

function checkMaxResults(n: number | undefined, max = 1000): void {
  if (n !== undefined && (n < 5 || n > max)) throw invalidParameter(`Value ( ${n} ) for parameter maxResults is invalid. Expecting a value between 5 and ${max}.`);
}

/**
 * A plain listing of network resources (no ids, no filters in the simulator): the Describe calls of the network
 * queries. `idsParam` is the wire name EC2 uses when refusing ids together with maxResults.
 */
function networkListing<T>(name: string, items: (s: Ec2State) => T[] | undefined, opts: { ids?: string[]; idOf: (t: T) => string | undefined; idsParam: string; max?: number; notFound: (id: string) => SimError }) {
  return (input: { Filters?: Filter[]; MaxResults?: number; NextToken?: string }, ctx: CallContext) => {
    if (input.MaxResults !== undefined && opts.ids?.length) throw invalidParameter(`The parameter ${opts.idsParam} cannot be used with the parameter maxResults`);
    if (input.Filters?.length) throw invalidParameter(`The simulated ${name} does not support filters`);
    checkMaxResults(input.MaxResults, opts.max);
    let all = items(state(ctx)) ?? [];
    if (opts.ids?.length) {
      const missing = opts.ids.find((id) => !all.some((t) => opts.idOf(t) === id));
      if (missing) throw opts.notFound(missing);
      all = all.filter((t) => opts.ids!.includes(opts.idOf(t) ?? ''));
    }
    return paginate(all, { token: input.NextToken, limit: input.MaxResults, ...pageLimits(name), invalidLimit: (n: number) => invalidParameter(`Value ( ${n} ) for parameter maxResults is invalid. Expecting a value between 5 and ${opts.max ?? 1000}.`) });
  };
}

export const ec2: SimService = {
  name: 'ec2',
  signingName: 'ec2',
  protocol: ec2Query,
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  seed: (account, world) => {
    seedEc2(account, world);
    seedNetwork(account, world);
  },
  operations: [
    operation(DescribeSecurityGroupsCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && (input.GroupIds?.length || input.GroupNames?.length)) {
        throw invalidParameter('The parameter groupIds cannot be used with the parameter maxResults');
      }
      checkMaxResults(input.MaxResults);
      let groups = state(ctx).securityGroups;
      if (input.GroupIds?.length) {
        const missing = input.GroupIds.filter((id) => !groups.some((g) => g.GroupId === id));
        if (missing.length) throw new SimError('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist`);
        groups = groups.filter((g) => input.GroupIds!.includes(g.GroupId ?? ''));
      }
      if (input.GroupNames?.length) groups = groups.filter((g) => input.GroupNames!.includes(g.GroupName ?? ''));
      for (const f of input.Filters ?? []) groups = groups.filter((g) => matches(securityGroupValues(g, f.Name ?? ''), f));
      const { page, nextToken } = paginate(groups, { token: input.NextToken, limit: input.MaxResults, ...pageLimits(`DescribeSecurityGroups/${JSON.stringify(input.Filters ?? [])}`) });
      return { SecurityGroups: page, NextToken: nextToken };
    }),

    operation(GetEbsEncryptionByDefaultCommand, (_input, ctx) => ({ EbsEncryptionByDefault: state(ctx).ebsEncryptionByDefault, SseType: 'sse-ebs' as const })),

    operation(DescribeNetworkInterfacesCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && input.NetworkInterfaceIds?.length) throw invalidParameter('The parameter networkInterfaceIdSet cannot be used with the parameter maxResults');
      if (input.Filters?.length) throw invalidParameter('The simulated DescribeNetworkInterfaces does not support filters');
      checkMaxResults(input.MaxResults);
      const all = (state(ctx).networkInterfaces ?? []).filter((n) => !input.NetworkInterfaceIds?.length || input.NetworkInterfaceIds.includes(n.NetworkInterfaceId ?? ''));
      const { page, nextToken } = paginate(all, { token: input.NextToken, limit: input.MaxResults, ...pageLimits('DescribeNetworkInterfaces') });
      return { NetworkInterfaces: page, NextToken: nextToken };
    }),

    operation(DescribeVolumesCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && input.VolumeIds?.length) throw invalidParameter('The parameter volumeSet cannot be used with the parameter maxResults');
      if (input.Filters?.length) throw invalidParameter('The simulated DescribeVolumes does not support filters');
      checkMaxResults(input.MaxResults);
      const all = (state(ctx).volumes ?? []).filter((v) => !input.VolumeIds?.length || input.VolumeIds.includes(v.VolumeId ?? ''));
      const { page, nextToken } = paginate(all, { token: input.NextToken, limit: input.MaxResults, ...pageLimits('DescribeVolumes') });
      return { Volumes: page, NextToken: nextToken };
    }),

    operation(DescribeSnapshotsCommand, (input, ctx) => {
      // Without OwnerIds EC2 also returns every public snapshot of every account; the simulator has only the account's own.
      if (!input.OwnerIds?.every((o) => o === 'self' || o === ctx.account.id)) throw invalidParameter('The simulated DescribeSnapshots answers only OwnerIds=self');
      if (input.Filters?.length) throw invalidParameter('The simulated DescribeSnapshots does not support filters');
      checkMaxResults(input.MaxResults);
      const { page, nextToken } = paginate(state(ctx).snapshots ?? [], { token: input.NextToken, limit: input.MaxResults, ...pageLimits('DescribeSnapshots') });
      return { Snapshots: page, NextToken: nextToken };
    }),

    operation(DescribeInstancesCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && input.InstanceIds?.length) throw invalidParameter('The parameter instancesSet cannot be used with the parameter maxResults');
      checkMaxResults(input.MaxResults);
      const reservations = state(ctx)
        .reservations.map((r) => ({
          ...r,
          Instances: (r.Instances ?? []).filter(
            (i) => (!input.InstanceIds?.length || input.InstanceIds.includes(i.InstanceId ?? '')) && (input.Filters ?? []).every((f) => matches(instanceValues(r, i, f.Name ?? ''), f)),
          ),
        }))
        .filter((r) => r.Instances.length > 0);
      const { page, nextToken } = paginate(reservations, { token: input.NextToken, limit: input.MaxResults, ...pageLimits(`DescribeInstances/${JSON.stringify(input.Filters ?? [])}`) });
      return { Reservations: page, NextToken: nextToken };
    }),
    // The network: each listing pages as EC2 does and refuses an unknown id with EC2's published not-found code.
    operation(DescribeVpcsCommand, (input, ctx) => {
      const { page, nextToken } = networkListing('DescribeVpcs', (s) => s.vpcs, { ids: input.VpcIds, idOf: (v) => v.VpcId, idsParam: 'vpcIds', notFound: (id) => new SimError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`) })(input, ctx);
      return { Vpcs: page, NextToken: nextToken };
    }),

    operation(DescribeSubnetsCommand, (input, ctx) => {
      const { page, nextToken } = networkListing('DescribeSubnets', (s) => s.subnets, { ids: input.SubnetIds, idOf: (v) => v.SubnetId, idsParam: 'subnetIds', notFound: (id) => new SimError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`) })(input, ctx);
      return { Subnets: page, NextToken: nextToken };
    }),

    operation(DescribeNetworkAclsCommand, (input, ctx) => {
      const { page, nextToken } = networkListing('DescribeNetworkAcls', (s) => s.networkAcls, { ids: input.NetworkAclIds, idOf: (v) => v.NetworkAclId, idsParam: 'NetworkAclIds', max: 100, notFound: (id) => new SimError('InvalidNetworkAclID.NotFound', `The networkAcl ID '${id}' does not exist`) })(input, ctx);
      return { NetworkAcls: page, NextToken: nextToken };
    }),

    operation(DescribeRouteTablesCommand, (input, ctx) => {
      const { page, nextToken } = networkListing('DescribeRouteTables', (s) => s.routeTables, { ids: input.RouteTableIds, idOf: (v) => v.RouteTableId, idsParam: 'RouteTableIds', max: 100, notFound: (id) => new SimError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`) })(input, ctx);
      return { RouteTables: page, NextToken: nextToken };
    }),

    operation(DescribeInternetGatewaysCommand, (input, ctx) => {
      const { page, nextToken } = networkListing('DescribeInternetGateways', (s) => s.internetGateways, { ids: input.InternetGatewayIds, idOf: (v) => v.InternetGatewayId, idsParam: 'internetGatewayIds', notFound: (id) => new SimError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`) })(input, ctx);
      return { InternetGateways: page, NextToken: nextToken };
    }),

    operation(DescribeNatGatewaysCommand, (input, ctx) => {
      if (input.Filter?.length) throw invalidParameter('The simulated DescribeNatGateways does not support filters');
      const { page, nextToken } = networkListing('DescribeNatGateways', (s) => s.natGateways, { ids: input.NatGatewayIds, idOf: (v) => v.NatGatewayId, idsParam: 'NatGatewayIds', notFound: (id) => new SimError('NatGatewayNotFound', `The Nat Gateway ${id} was not found`) })(input, ctx);
      return { NatGateways: page, NextToken: nextToken };
    }),

    // Filters owner-id, prefix-list-id, prefix-list-name; MaxResults 1 to 100 (API reference, DescribeManagedPrefixLists).
    operation(DescribeManagedPrefixListsCommand, (input, ctx) => {
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 100)) throw invalidParameter(`Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 1 and 100.`);
      if ((input.Filters ?? []).some((f) => (f.Values ?? []).length > 200)) throw new SimError('FilterLimitExceeded', 'The maximum number of filter values specified on a single call is 200');
      let lists = state(ctx).managedPrefixLists ?? [];
      if (input.PrefixListIds?.length) {
        const missing = input.PrefixListIds.find((id) => !lists.some((l) => l.PrefixListId === id));
        if (missing) throw new SimError('InvalidPrefixListID.NotFound', `The prefix list ID '${missing}' does not exist`);
        lists = lists.filter((l) => input.PrefixListIds!.includes(l.PrefixListId ?? ''));
      }
      for (const f of input.Filters ?? []) lists = lists.filter((l) => matches(prefixListValues(l, f.Name ?? ''), f));
      const { page, nextToken } = paginate(lists, {
        token: input.NextToken,
        limit: input.MaxResults,
        ...pageLimits(`DescribeManagedPrefixLists/${JSON.stringify(input.Filters ?? [])}`),
        defaultLimit: 100,
        maxLimit: 100,
      });
      return { PrefixLists: page, NextToken: nextToken };
    }),

    // MaxResults 1 to 100; an unknown list is InvalidPrefixListID.NotFound (API reference, GetManagedPrefixListEntries).
    operation(GetManagedPrefixListEntriesCommand, (input, ctx) => {
      if (!input.PrefixListId) throw new SimError('MissingParameter', 'The request must contain the parameter PrefixListId');
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 100)) throw invalidParameter(`Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 1 and 100.`);
      const s = state(ctx);
      const list = (s.managedPrefixLists ?? []).find((l) => l.PrefixListId === input.PrefixListId);
      if (!list) throw new SimError('InvalidPrefixListID.NotFound', `The prefix list ID '${input.PrefixListId}' does not exist`);
      // TargetVersion: that version's entries; the default is the current version (API reference).
      const current = input.TargetVersion === undefined || input.TargetVersion === list.Version;
      const entries = current ? s.prefixListEntries?.[input.PrefixListId] : s.prefixListEntryHistory?.[input.PrefixListId]?.[input.TargetVersion!];
      if (!entries && !current) throw invalidParameter(`The simulated prefix list ${input.PrefixListId} keeps no version ${input.TargetVersion} (current version ${list.Version})`);
      const { page, nextToken } = paginate(entries ?? [], {
        token: input.NextToken,
        limit: input.MaxResults,
        ...pageLimits(`GetManagedPrefixListEntries/${input.PrefixListId}`),
        defaultLimit: 100,
        maxLimit: 100,
      });
      return { Entries: page, NextToken: nextToken };
    }),

    // VpcId required; MaxResults 5 to 255 (API reference, DescribeStaleSecurityGroups).
    operation(DescribeStaleSecurityGroupsCommand, (input, ctx) => {
      if (!input.VpcId) throw new SimError('MissingParameter', 'The request must contain the parameter VpcId');
      if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 255)) throw invalidParameter(`Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 255.`);
      const s = state(ctx);
      const known = (s.vpcs ?? []).some((v) => v.VpcId === input.VpcId) || s.securityGroups.some((g) => g.VpcId === input.VpcId);
      if (!known) throw new SimError('InvalidVpcID.NotFound', `The vpc ID '${input.VpcId}' does not exist`);
      const { page, nextToken } = paginate(s.staleSecurityGroups?.[input.VpcId] ?? [], {
        token: input.NextToken,
        limit: input.MaxResults,
        ...pageLimits(`DescribeStaleSecurityGroups/${input.VpcId}`),
        defaultLimit: 255,
        maxLimit: 255,
      });
      return { StaleSecurityGroupSet: page, NextToken: nextToken };
    }),

    operation(DescribeFlowLogsCommand, (input, ctx) => {
      if (input.Filter?.length) throw invalidParameter('The simulated DescribeFlowLogs does not support filters');
      const { page, nextToken } = networkListing('DescribeFlowLogs', (s) => s.flowLogs, { ids: input.FlowLogIds, idOf: (v) => v.FlowLogId, idsParam: 'FlowLogIds', notFound: (id) => new SimError('InvalidFlowLogId.NotFound', `Flow Log ${id} does not exist`) })(input, ctx);
      return { FlowLogs: page, NextToken: nextToken };
    }),
  ],
};
