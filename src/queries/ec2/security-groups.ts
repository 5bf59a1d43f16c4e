import type { Filter, IpPermission, ManagedPrefixList, PrefixListEntry, SecurityGroup, StaleSecurityGroup, UserIdGroupPair } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { sharedWork } from '../../aws/shared-work.js';
import { allPages, isCapturedError, stripMetadata, type CapturedError, type QueryContext } from '../types.js';
import { captureFailure, forAccount, type ReadPlace } from '../partial-evidence.js';
import { apiCase, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';
import { parseCidr, type Cidr } from './cidr.js';

/** DescribeSecurityGroups, all pages (optionally filtered). */
export interface SecurityGroupsEvidence {
  filters?: Filter[];
  securityGroups: SecurityGroup[];
}

export async function collectSecurityGroups(ctx: QueryContext, filters?: Filter[]): Promise<SecurityGroupsEvidence> {
  const { EC2Client, paginateDescribeSecurityGroups } = await loadEc2Sdk();
  const ec2 = ctx.clients.get(EC2Client);
  const securityGroups: SecurityGroup[] = [];
  for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 1000 }, filters ? { Filters: filters } : {})) {
    ctx.signal?.throwIfAborted();
    securityGroups.push(...(stripMetadata(page).SecurityGroups ?? []));
  }
  return filters ? { filters, securityGroups } : { securityGroups };
}

/**
 * What the rules name besides addresses, read beside DescribeSecurityGroups (which gives only ids): the prefix lists
 * (DescribeManagedPrefixLists of the lists any rule names, and GetManagedPrefixListEntries of each customer-managed
 * one; an AWS-managed list, OwnerId `AWS`, holds an AWS service's own ranges and its entries are not read), and, per
 * VPC holding a group whose inbound or outbound rule names a group the listing does not hold or of another account,
 * DescribeStaleSecurityGroups: AWS's own word on which references are stale, both directions in one answer. A field is
 * absent in evidence sealed before the query read it; a failed call is kept as a captured error, so the rest stays
 * judged.
 */
export interface SecurityGroupReferencesEvidence {
  prefixLists?: ManagedPrefixList[] | CapturedError;
  /** By prefix list id. */
  prefixListEntries?: Record<string, PrefixListEntry[] | CapturedError>;
  /**
   * By prefix list id: the version whose entries were read (GetManagedPrefixListEntries TargetVersion), the `Version`
   * DescribeManagedPrefixLists gave as current, the one every security group rule naming the list uses. Absent in
   * evidence sealed before it was recorded (its entries are the version current when they were read, not named).
   */
  prefixListEntryVersions?: Record<string, number>;
  /** By VPC id. */
  staleSecurityGroups?: Record<string, StaleSecurityGroup[] | CapturedError>;
}

/** EC2 refuses more than 200 values in one filter. */
const MAX_FILTER_VALUES = 200;

/** Every prefix list an inbound or outbound rule names, sorted. */
export function namedPrefixLists(groups: readonly SecurityGroup[]): string[] {
  const rules = groups.flatMap((g) => [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])]);
  return [...new Set(rules.flatMap((p) => (p.PrefixListIds ?? []).map((l) => l.PrefixListId).filter((id): id is string => !!id)))].sort();
}

/** Whether a rule pair names a group the listing (`known`) does not hold, or a group of another account than the rule's group's. */
export function isUnresolvedPair(g: SecurityGroup, pair: UserIdGroupPair, known: ReadonlySet<string | undefined>): boolean {
  return (!!pair.GroupId && !known.has(pair.GroupId)) || (!!pair.UserId && !!g.OwnerId && pair.UserId !== g.OwnerId);
}

/** The VPCs of groups with an inbound or outbound rule naming a group the listing does not hold, or a group of another account, sorted. */
export function vpcsWithUnresolvedReferences(groups: readonly SecurityGroup[]): string[] {
  const known = new Set(groups.map((g) => g.GroupId));
  const vpcs = groups.filter((g) => [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])].some((p) => (p.UserIdGroupPairs ?? []).some((pair) => isUnresolvedPair(g, pair, known))));
  return [...new Set(vpcs.map((g) => g.VpcId).filter((v): v is string => !!v))].sort();
}

/** What the rules of a listing name that is read beside it: the prefix lists and the VPCs to ask about stale references. */
interface NamedByRules {
  lists: readonly string[];
  vpcs: readonly string[];
}

/** Once per account and region of a collection run for the same lists and VPCs. */
const readSecurityGroupReferences = sharedWork('ec2 security-group references', readReferences);

/**
 * Reads what the groups' rules name (see SecurityGroupReferencesEvidence), once per account and region of a collection
 * run for the same lists and VPCs (`sharedWork`): ec2.admin-ports-open and ec2.security-group-egress judge the same
 * reads, a failed call included, and each record keeps its own copy with the requests it cites.
 */
export function collectSecurityGroupReferences(ctx: QueryContext, groups: readonly SecurityGroup[]): Promise<SecurityGroupReferencesEvidence> {
  return readSecurityGroupReferences(ctx, { lists: namedPrefixLists(groups), vpcs: vpcsWithUnresolvedReferences(groups) });
}

/**
 * DescribeSecurityGroups (all pages) with what its rules name, read once per account and region of a collection run
 * and judged by both security-group rule queries.
 */
export const collectSecurityGroupsWithReferences = sharedWork<QueryContext, void, SecurityGroupsWithReferences>('ec2 security groups with references', async (ctx) => {
  const listing = await collectSecurityGroups(ctx);
  return { ...listing, ...(await collectSecurityGroupReferences(ctx, listing.securityGroups)) };
});

async function readReferences(ctx: QueryContext, { lists: ids, vpcs }: NamedByRules): Promise<Required<SecurityGroupReferencesEvidence>> {
  const sdk = await loadEc2Sdk();
  const client = ctx.clients.get(sdk.EC2Client);
  // No call when no rule names a list (customer-managed and AWS-managed alike; MaxResults 1 to 100).
  const prefixLists = ids.length
    ? await captureFailure(async () => {
        const lists: ManagedPrefixList[] = [];
        for (let i = 0; i < ids.length; i += MAX_FILTER_VALUES) {
          const Filters = [{ Name: 'prefix-list-id', Values: ids.slice(i, i + MAX_FILTER_VALUES) }];
          lists.push(...(await allPages(sdk.paginateDescribeManagedPrefixLists({ client, pageSize: 100 }, { Filters }), (p) => p.PrefixLists, ctx)));
        }
        return lists;
      }, ctx.signal)
    : [];
  const prefixListEntries: Record<string, PrefixListEntry[] | CapturedError> = {};
  const prefixListEntryVersions: Record<string, number> = {};
  if (!isCapturedError(prefixLists)) {
    for (const list of prefixLists.filter((l) => !isAwsManaged(l) && !!l.PrefixListId)) {
      const id = list.PrefixListId!;
      // The entries of the version just described as current (the one the rules use), even if the list changes
      // between the two calls; without a Version, the current one (GetManagedPrefixListEntries' default).
      const TargetVersion = typeof list.Version === 'number' ? list.Version : undefined;
      if (TargetVersion !== undefined) prefixListEntryVersions[id] = TargetVersion;
      prefixListEntries[id] = await captureFailure(
        () => allPages(sdk.paginateGetManagedPrefixListEntries({ client, pageSize: 100 }, { PrefixListId: id, ...(TargetVersion !== undefined ? { TargetVersion } : {}) }), (p) => p.Entries, ctx),
        ctx.signal,
      );
    }
  }
  const staleSecurityGroups: Record<string, StaleSecurityGroup[] | CapturedError> = {};
  for (const vpc of vpcs) {
    // MaxResults 5 to 255 (API reference, DescribeStaleSecurityGroups).
    staleSecurityGroups[vpc] = await captureFailure(() => allPages(sdk.paginateDescribeStaleSecurityGroups({ client, pageSize: 255 }, { VpcId: vpc }), (p) => p.StaleSecurityGroupSet, ctx), ctx.signal);
  }
  return { prefixLists, prefixListEntries, prefixListEntryVersions, staleSecurityGroups };
}

/** DescribeManagedPrefixLists names AWS as the owner of an AWS-managed list (com.amazonaws.<region>.s3 and the like). */
export const isAwsManaged = (l: ManagedPrefixList) => l.OwnerId === 'AWS';

/**
 * The AWS-managed list of the EC2 Instance Connect service's addresses in a region (IPv4, or its IPv6 twin): the
 * sources from which that service, and nothing else, connects to an instance over SSH on behalf of a principal IAM
 * allows (ec2-instance-connect:SendSSHPublicKey). Only with OwnerId `AWS`: a customer's list cannot take a
 * com.amazonaws. name, and a customer-managed list is judged by its entries anyway.
 */
export function isInstanceConnectList(name: string | undefined, region: string): boolean {
  return name === `com.amazonaws.${region}.ec2-instance-connect` || name === `com.amazonaws.${region}.ipv6.ec2-instance-connect`;
}

/** "prefix list pl-0123 (corp-admins)" for reasons. */
export function prefixListLabel(id: string, list?: ManagedPrefixList): string {
  return `${list && isAwsManaged(list) ? 'AWS-managed ' : ''}prefix list ${id}${list?.PrefixListName ? ` (${list.PrefixListName})` : ''}`;
}

/** What the evidence says a prefix list admits: its entries as blocks, an AWS service's ranges, or why it is unknown. */
export type PrefixListView =
  | { kind: 'entries'; label: string; blocks: Cidr[]; unreadable: string[]; entries: string[]; owner?: string; version?: number }
  | { kind: 'aws-managed'; label: string; name?: string }
  | { kind: 'unknown'; label: string; why: string };

export function prefixListView(id: string, refs: SecurityGroupReferencesEvidence, at: ReadPlace): PrefixListView {
  const lists = refs.prefixLists;
  if (lists === undefined) return { kind: 'unknown', label: prefixListLabel(id), why: `the list's entries are not in the evidence ${forAccount(at)} (it predates reading prefix lists: DescribeSecurityGroups gives only the id)` };
  if (isCapturedError(lists)) return { kind: 'unknown', label: prefixListLabel(id), why: `DescribeManagedPrefixLists ${forAccount(at)} failed (${lists.error.code}: ${lists.error.message}), so the list's owner and entries are not in the evidence` };
  const list = lists.find((l) => l.PrefixListId === id);
  if (!list) return { kind: 'unknown', label: prefixListLabel(id), why: `DescribeManagedPrefixLists ${forAccount(at)} did not return it (a deleted list, or one no longer shared with the account), so its entries are not in the evidence` };
  const label = prefixListLabel(id, list);
  if (isAwsManaged(list)) return { kind: 'aws-managed', label, ...(list.PrefixListName ? { name: list.PrefixListName } : {}) };
  const entries = refs.prefixListEntries?.[id];
  if (entries === undefined) return { kind: 'unknown', label, why: `the list's entries were not read ${forAccount(at)} (GetManagedPrefixListEntries)` };
  if (isCapturedError(entries)) return { kind: 'unknown', label, why: `GetManagedPrefixListEntries ${forAccount(at)} failed (${entries.error.code}: ${entries.error.message}), so its entries are not in the evidence` };
  const blocks: Cidr[] = [];
  const unreadable: string[] = [];
  for (const e of entries) {
    const c = parseCidr(e.Cidr);
    if (c) blocks.push({ ...c, text: `${c.text} in ${label}` });
    else unreadable.push(`${e.Cidr ?? 'an entry without a CIDR'} in ${label}`);
  }
  const version = refs.prefixListEntryVersions?.[id];
  return { kind: 'entries', label, blocks, unreadable, entries: entries.map((e) => e.Cidr ?? '?'), ...(list.OwnerId ? { owner: list.OwnerId } : {}), ...(version !== undefined ? { version } : {}) };
}

/**
 * Whether AWS reports a group's reference to another group stale (DescribeStaleSecurityGroups of the group's VPC):
 * `stale` with the stale rule's peering detail, `not-stale` when AWS answered for the VPC without it, or why unknown.
 */
export function staleReference(refs: SecurityGroupReferencesEvidence, g: SecurityGroup, referenced: string, direction: 'in' | 'out', at: ReadPlace): { kind: 'stale'; detail: string } | { kind: 'not-stale' } | { kind: 'unknown'; why?: string } {
  if (!refs.staleSecurityGroups || !g.VpcId) return { kind: 'unknown' };
  const answer = refs.staleSecurityGroups[g.VpcId];
  if (answer === undefined) return { kind: 'unknown' };
  if (isCapturedError(answer)) return { kind: 'unknown', why: `DescribeStaleSecurityGroups of ${g.VpcId} ${forAccount(at)} failed (${answer.error.code}: ${answer.error.message}), so whether it is a stale reference is not shown` };
  const group = answer.find((s) => s.GroupId === g.GroupId);
  const perms = (direction === 'in' ? group?.StaleIpPermissions : group?.StaleIpPermissionsEgress) ?? [];
  const pair = perms.flatMap((p) => p.UserIdGroupPairs ?? []).find((x) => x.GroupId === referenced);
  if (!pair) return { kind: 'not-stale' };
  const detail = [pair.UserId ? `account ${pair.UserId}` : '', pair.VpcId ? `VPC ${pair.VpcId}` : '', pair.VpcPeeringConnectionId ? `peering connection ${pair.VpcPeeringConnectionId}${pair.PeeringStatus ? ` (${pair.PeeringStatus})` : ''}` : ''].filter(Boolean).join(', ');
  return { kind: 'stale', detail };
}

export function securityGroupArn(accountId: string, region: string, g: SecurityGroup): string {
  return g.SecurityGroupArn ?? `arn:aws:ec2:${region}:${g.OwnerId ?? accountId}:security-group/${g.GroupId}`;
}

/** "sg-0123 (web) in vpc-0abc" for reasons. */
export function groupLabel(g: SecurityGroup): string {
  return `security group ${g.GroupId} (${g.GroupName})${g.VpcId ? ` in ${g.VpcId}` : ''}`;
}

/** The ports a rule opens, readably: `all traffic`, `tcp 22`, `tcp 0-65535`. */
export function describePermission(p: IpPermission): string {
  if (p.IpProtocol === '-1') return 'all traffic';
  const proto = p.IpProtocol === '6' ? 'tcp' : p.IpProtocol === '17' ? 'udp' : p.IpProtocol;
  if (p.FromPort === undefined || p.FromPort === p.ToPort) return `${proto} ${p.FromPort ?? 'all'}`;
  return `${proto} ${p.FromPort}-${p.ToPort}`;
}

/**
 * AWS::EC2::SecurityGroup configuration items as DescribeSecurityGroups evidence. AWS Config records a rule's CIDR
 * objects under `ipv4Ranges` (and the bare CIDRs again under `ipRanges`); the API calls the objects `IpRanges`.
 */
export const SECURITY_GROUP_ITEMS: ConfigItemFamily<SecurityGroupsEvidence> = {
  resourceTypes: ['AWS::EC2::SecurityGroup'],
  toEvidence: (items) => ({ securityGroups: items.map(securityGroupFromItem) }),
};

function securityGroupFromItem(item: ConfigItem): SecurityGroup {
  const permission = (p: Record<string, unknown>): IpPermission => {
    const { ipv4Ranges, ipRanges: _bare, ...rest } = p;
    return { ...apiCase<IpPermission>(rest), IpRanges: apiCase(ipv4Ranges ?? []) };
  };
  const { ipPermissions, ipPermissionsEgress, ...rest } = item.configuration as Record<string, unknown> & { ipPermissions?: Record<string, unknown>[]; ipPermissionsEgress?: Record<string, unknown>[] };
  return {
    ...apiCase<SecurityGroup>(rest),
    ...(item.arn ? { SecurityGroupArn: item.arn } : {}),
    IpPermissions: (ipPermissions ?? []).map(permission),
    IpPermissionsEgress: (ipPermissionsEgress ?? []).map(permission),
  };
}

/** A security-group listing with what its rules name. */
export type SecurityGroupsWithReferences = SecurityGroupsEvidence & SecurityGroupReferencesEvidence;

/**
 * The security-group items of ec2.admin-ports-open and ec2.security-group-egress: AWS Config records a rule's prefix
 * list and referenced group by id only, so the member account's own DescribeManagedPrefixLists,
 * GetManagedPrefixListEntries and DescribeStaleSecurityGroups are read beside the items (the same one read of items
 * serves every security-group query, and the same one member read both rule queries: collectSecurityGroupReferences).
 */
export const SECURITY_GROUP_REFERENCE_ITEMS: ConfigItemFamily<SecurityGroupsWithReferences> = {
  ...SECURITY_GROUP_ITEMS,
  memberReads: { what: "the rules' prefix lists and stale references", read: async (member, evidence) => ({ ...(await collectSecurityGroupReferences(member, (evidence as SecurityGroupsEvidence).securityGroups)) }) },
};
