import type { Snapshot, Volume } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** DescribeVolumes and DescribeSnapshots (owned by the account), all pages. */
export interface EbsEncryptionEvidence {
  volumes: Volume[];
  snapshots: Snapshot[];
}

// Per account in delegated-admin mode too: AWS Config records AWS::EC2::Volume but not EBS snapshots, and one record judges both.
export const ebsEncryption = defineQuery<EbsEncryptionEvidence>({
  id: 'ec2.ebs-encryption',
  service: 'ec2',
  title: 'Every EBS volume and snapshot is encrypted',
  description:
    'Every EBS volume in the region and every snapshot the account owns, with whether it is encrypted and with which KMS key. Encryption by default covers only volumes created after it was turned on; this evidence judges the volumes and snapshots that exist.',
  remediation:
    'Copy each unencrypted snapshot with encryption (`aws ec2 copy-snapshot --encrypted --kms-key-id ...`), create encrypted volumes from it and swap them in, then delete the unencrypted volume and snapshot; keep EBS encryption by default on.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'],
  async collect(ctx) {
    const { EC2Client, paginateDescribeSnapshots, paginateDescribeVolumes } = await loadEc2Sdk();
    const ec2 = ctx.clients.get(EC2Client);
    const volumes: Volume[] = [];
    for await (const page of paginateDescribeVolumes({ client: ec2, pageSize: 500 }, {})) {
      ctx.signal?.throwIfAborted();
      volumes.push(...(stripMetadata(page).Volumes ?? []));
    }
    const snapshots: Snapshot[] = [];
    // OwnerIds self: without it EC2 also lists every public snapshot of every account.
    for await (const page of paginateDescribeSnapshots({ client: ec2, pageSize: 1000 }, { OwnerIds: ['self'] })) {
      ctx.signal?.throwIfAborted();
      snapshots.push(...(stripMetadata(page).Snapshots ?? []));
    }
    return { volumes, snapshots };
  },
  evaluate(data, _params, ctx) {
    if (!data?.volumes || !data.snapshots) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeVolumes or DescribeSnapshots response' }];
    }
    const key = (k: string | undefined) => (k ? ` with KMS key ${k}` : '');
    const results: ResourceResult[] = [
      ...data.volumes.map((v) => {
        const attached = (v.Attachments ?? []).map((a) => a.InstanceId).filter(Boolean);
        const label = `EBS volume ${v.VolumeId}${attached.length ? ` (attached to ${attached.join(', ')})` : ' (not attached)'}`;
        return {
          resource: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:volume/${v.VolumeId}`,
          resourceType: 'AWS::EC2::Volume',
          status: v.Encrypted ? ('pass' as const) : ('fail' as const),
          reason: v.Encrypted ? `${label} is encrypted${key(v.KmsKeyId)}` : `${label} is not encrypted`,
        };
      }),
      ...data.snapshots.map((s) => ({
        resource: `arn:aws:ec2:${ctx.region}:${s.OwnerId ?? ctx.accountId}:snapshot/${s.SnapshotId}`,
        resourceType: 'AWS::EC2::Snapshot',
        status: s.Encrypted ? ('pass' as const) : ('fail' as const),
        reason: `EBS snapshot ${s.SnapshotId} of volume ${s.VolumeId ?? 'unknown'} ${s.Encrypted ? `is encrypted${key(s.KmsKeyId)}` : 'is not encrypted'}`,
      })),
    ];
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no EBS volumes or snapshots in ${ctx.region}` });
    return results;
  },
});
