/** Security groups, EBS default encryption and instances of the demo account and generated accounts. */
import type { Instance, IpPermission, ManagedPrefixList, NetworkInterface, PrefixListEntry, SecurityGroup, Snapshot, Volume } from '@aws-sdk/client-ec2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ec2State } from '../services/ec2.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

const rule = (protocol: string, from: number | undefined, to: number | undefined, sources: { cidr?: string; cidr6?: string; group?: string; prefixList?: string }, description?: string): IpPermission => ({
  IpProtocol: protocol,
  ...(from !== undefined ? { FromPort: from, ToPort: to } : {}),
  IpRanges: sources.cidr ? [{ CidrIp: sources.cidr, ...(description ? { Description: description } : {}) }] : [],
  Ipv6Ranges: sources.cidr6 ? [{ CidrIpv6: sources.cidr6 }] : [],
  PrefixListIds: sources.prefixList ? [{ PrefixListId: sources.prefixList }] : [],
  UserIdGroupPairs: [],
  ...(sources.group ? { UserIdGroupPairs: [{ GroupId: sources.group }] } : {}),
});

const ALL_OUT = rule('-1', undefined, undefined, { cidr: '0.0.0.0/0' });

function group(account: SimAccount, region: string, vpc: string, name: string, description: string, inbound: IpPermission[], outbound: IpPermission[] = [ALL_OUT]): SecurityGroup {
  const id = `sg-0${stableHex(`${account.id}/${region}/sg/${vpc}/${name}`, 16)}`;
  return {
    GroupId: id,
    GroupName: name,
    Description: description,
    OwnerId: account.id,
    VpcId: vpc,
    SecurityGroupArn: `arn:aws:ec2:${region}:${account.id}:security-group/${id}`,
    // DescribeSecurityGroups names the owning account of every referenced group (UserId).
    IpPermissions: inbound.map((r) => ({ ...r, UserIdGroupPairs: (r.UserIdGroupPairs ?? []).map((p) => ({ ...p, GroupId: p.GroupId === 'self' ? id : p.GroupId, UserId: p.UserId ?? account.id })) })),
    IpPermissionsEgress: outbound,
    Tags: [],
  };
}

/** A customer-managed prefix list of the account, with its entries. */
function prefixList(account: SimAccount, region: string, name: string, cidrs: string[]): { list: ManagedPrefixList; entries: PrefixListEntry[] } {
  const id = `pl-0${stableHex(`${account.id}/${region}/prefix-list/${name}`, 16)}`;
  return {
    list: { PrefixListId: id, AddressFamily: 'IPv4', State: 'create-complete', PrefixListArn: `arn:aws:ec2:${region}:${account.id}:prefix-list/${id}`, PrefixListName: name, MaxEntries: 10, Version: 1, OwnerId: account.id, Tags: [] },
    entries: cidrs.map((Cidr) => ({ Cidr, Description: name })),
  };
}

/** An AWS-managed prefix list (OwnerId AWS) as DescribeManagedPrefixLists shows it to every account; its entries are AWS's. */
export function awsManagedPrefixList(region: string, service: string): ManagedPrefixList {
  const id = `pl-${stableHex(`aws/${region}/${service}`, 8)}`;
  return { PrefixListId: id, AddressFamily: 'IPv4', State: 'create-complete', PrefixListArn: `arn:aws:ec2:${region}:aws:prefix-list/${id}`, PrefixListName: `com.amazonaws.${region}.${service}`, Version: 1, OwnerId: 'AWS', Tags: [] };
}

function instance(account: SimAccount, region: string, name: string, launched: Date, tokens: 'required' | 'optional', groupIds: string[], subnet: string, vpc: string): Instance {
  const id = `i-0${stableHex(`${account.id}/${region}/instance/${name}`, 16)}`;
  return {
    InstanceId: id,
    ImageId: 'ami-0abcdef1234567890',
    InstanceType: 't3.large',
    LaunchTime: launched,
    State: { Code: 16, Name: 'running' },
    PrivateIpAddress: `10.0.${parseInt(stableHex(id, 2), 16) % 200}.${(parseInt(stableHex(id + 'x', 2), 16) % 250) + 4}`,
    SubnetId: subnet,
    VpcId: vpc,
    Placement: { AvailabilityZone: `${region}a`, Tenancy: 'default' },
    SecurityGroups: groupIds.map((g) => ({ GroupId: g, GroupName: g })),
    Tags: [{ Key: 'Name', Value: name }],
    MetadataOptions: { State: 'applied', HttpTokens: tokens, HttpPutResponseHopLimit: tokens === 'required' ? 2 : 1, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled', InstanceMetadataTags: 'disabled' },
  };
}

function networkInterface(account: SimAccount, region: string, i: Instance, sourceDestCheck: boolean): NetworkInterface {
  return {
    NetworkInterfaceId: `eni-0${stableHex(`${i.InstanceId}/eni`, 16)}`,
    InterfaceType: 'interface',
    Attachment: { InstanceId: i.InstanceId, InstanceOwnerId: account.id, DeviceIndex: 0, Status: 'attached', AttachmentId: `eni-attach-0${stableHex(`${i.InstanceId}/attach`, 16)}` },
    AvailabilityZone: `${region}a`,
    Description: 'Primary network interface',
    Groups: (i.SecurityGroups ?? []).map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
    OwnerId: account.id,
    PrivateIpAddress: i.PrivateIpAddress,
    RequesterManaged: false,
    SourceDestCheck: sourceDestCheck,
    Status: 'in-use',
    SubnetId: i.SubnetId,
    VpcId: i.VpcId,
  };
}

function rootVolume(account: SimAccount, region: string, i: Instance, encrypted: boolean, created: Date): Volume {
  const id = `vol-0${stableHex(`${i.InstanceId}/root`, 16)}`;
  return {
    VolumeId: id,
    Size: 50,
    VolumeType: 'gp3',
    State: 'in-use',
    AvailabilityZone: `${region}a`,
    CreateTime: created,
    Encrypted: encrypted,
    // The AWS managed key aws/ebs, named by key ARN as EC2 reports it.
    ...(encrypted ? { KmsKeyId: `arn:aws:kms:${region}:${account.id}:key/${[8, 4, 4, 4, 12].map((n, k) => stableHex(`${account.id}/${region}/aws-ebs/${k}`, n)).join('-')}` } : {}),
    Attachments: [{ VolumeId: id, InstanceId: i.InstanceId, Device: '/dev/xvda', State: 'attached', AttachTime: created, DeleteOnTermination: true }],
  };
}

function snapshotOf(account: SimAccount, v: Volume, started: Date): Snapshot {
  return {
    SnapshotId: `snap-0${stableHex(`${v.VolumeId}/daily`, 16)}`,
    VolumeId: v.VolumeId,
    VolumeSize: v.Size,
    State: 'completed',
    Progress: '100%',
    StartTime: started,
    OwnerId: account.id,
    Description: `daily backup of ${v.VolumeId}`,
    Encrypted: v.Encrypted,
    ...(v.KmsKeyId ? { KmsKeyId: v.KmsKeyId } : {}),
    StorageTier: 'standard',
  };
}

export function seedEc2(account: SimAccount, world: WorldSeedContext): void {
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  world.regions.forEach((region, i) => {
    const s = ec2State(account, region);
    const vpc = `vpc-0${stableHex(`${account.id}/${region}/vpc`, 16)}`;
    const subnet = `subnet-0${stableHex(`${account.id}/${region}/subnet`, 16)}`;
    const demoHome = world.kind === 'demo' && i === 0;
    // The default group as AWS creates it (inbound from itself, all outbound), locked down except in the demo's home region.
    const defaultGroup = demoHome
      ? group(account, region, vpc, 'default', 'default VPC security group', [rule('-1', undefined, undefined, { group: 'self' })])
      : group(account, region, vpc, 'default', 'default VPC security group', [], []);
    const web = group(account, region, vpc, 'web', 'HTTPS from the internet', [rule('tcp', 443, 443, { cidr: '0.0.0.0/0', cidr6: '::/0' })]);
    // Outbound: the database initiates nothing; the web tier reaches it and HTTPS anywhere (for review); the rest keep AWS's allow-all.
    const db = group(account, region, vpc, 'database', 'PostgreSQL from the web tier', [rule('tcp', 5432, 5432, { group: web.GroupId })], []);
    web.IpPermissionsEgress = [{ ...rule('tcp', 5432, 5432, { group: db.GroupId }), UserIdGroupPairs: [{ GroupId: db.GroupId, UserId: account.id }] }, rule('tcp', 443, 443, { cidr: '0.0.0.0/0' })];
    s.securityGroups.push(defaultGroup, web, db);
    const instances: Instance[] = [instance(account, region, world.kind === 'demo' ? `api-${region}` : 'workload-api', ago(40), 'required', [web.GroupId!], subnet, vpc)];
    if (demoHome) {
      // Fails admin ports: SSH open to the world.
      const bastion = group(account, region, vpc, 'bastion-ssh', 'SSH for operators', [rule('tcp', 22, 22, { cidr: '0.0.0.0/0' }, 'temporary: remove after migration')]);
      s.securityGroups.push(bastion);
      // Passes admin ports on its prefix list's entries: SSH from the operators' networks only; HTTPS out to S3's ranges.
      const corp = prefixList(account, region, 'corp-admin-networks', ['203.0.113.0/25', '198.51.100.128/25']);
      const s3 = awsManagedPrefixList(region, 's3');
      s.managedPrefixLists = [...(s.managedPrefixLists ?? []), corp.list, s3];
      s.prefixListEntries = { ...s.prefixListEntries, [corp.list.PrefixListId!]: corp.entries };
      s.securityGroups.push(group(account, region, vpc, 'admin-vpn', 'SSH from the operators\' networks', [rule('tcp', 22, 22, { prefixList: corp.list.PrefixListId })], [rule('tcp', 443, 443, { prefixList: s3.PrefixListId })]));
      // Fails IMDSv2.
      instances.push(instance(account, region, 'legacy-batch', ago(700), 'optional', [bastion.GroupId!], subnet, vpc));
    }
    s.reservations.push({ ReservationId: `r-0${stableHex(`${account.id}/${region}/reservation`, 16)}`, OwnerId: account.id, Groups: [], Instances: instances });
    // One interface and one root volume per instance; the demo's legacy batch host forwards traffic and has an unencrypted disk.
    const legacy = (i: Instance) => demoHome && i.Tags?.some((t) => t.Key === 'Name' && t.Value === 'legacy-batch');
    s.networkInterfaces = instances.map((i) => networkInterface(account, region, i, !legacy(i)));
    s.volumes = instances.map((i) => rootVolume(account, region, i, !legacy(i), ago(40)));
    s.snapshots = s.volumes.map((v) => snapshotOf(account, v, ago(1)));
    // EBS encryption by default: off in the demo's second region.
    s.ebsEncryptionByDefault = !(world.kind === 'demo' && i === 1);
  });
}
