import type { Snapshot, Volume } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceParent, type ResourceResult } from '../types.js';

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
    'Every EBS volume in the region and every snapshot the account owns, with whether it is encrypted and with which KMS key. Encryption by default covers only volumes created after it was turned on; this evidence judges the volumes and snapshots that exist. One encrypted with a KMS key of another account needs review: that account controls the key.',
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
    // A key ARN names the account that owns the key: that account's key policy decides who may use it, and it can
    // disable or schedule the key for deletion, making the data unreadable, outside this account's control.
    const foreignKeyOwner = (k: string | undefined): string | undefined => {
      const owner = k?.startsWith('arn:') ? k.split(':')[4] : undefined;
      return owner && owner !== ctx.accountId ? owner : undefined;
    };
    const judged = (encrypted: boolean | undefined, kmsKeyId: string | undefined, label: string) => {
      if (!encrypted) return { status: 'fail' as const, reason: `${label} is not encrypted` };
      const owner = foreignKeyOwner(kmsKeyId);
      return owner
        ? {
            status: 'needs-review' as const,
            reason: `${label} is encrypted${key(kmsKeyId)}, a key of another account (${owner}): that account's key policy controls who can use the key, and it can disable or delete the key; confirm ${owner} is the organisation's and its key custodians are in scope`,
          }
        : { status: 'pass' as const, reason: `${label} is encrypted${key(kmsKeyId)}` };
    };
    const volumeArn = (id: string | undefined) => `arn:aws:ec2:${ctx.region}:${ctx.accountId}:volume/${id}`;
    // A volume is part of every instance it is attached to (io1/io2 Multi-Attach: several); a snapshot is part of the
    // volume it was taken from, and through it of that volume's instances. Scope follows them (src/evaluate/scope.ts).
    const instancesOf = (v: Volume): ResourceParent[] =>
      [...new Set((v.Attachments ?? []).map((a) => a.InstanceId).filter((id): id is string => !!id))].map((id) => ({ resource: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`, resourceType: 'AWS::EC2::Instance' }));
    const volumes = new Map(data.volumes.map((v) => [v.VolumeId, v]));
    const results: ResourceResult[] = [
      ...data.volumes.map((v) => {
        const attached = instancesOf(v);
        const label = `EBS volume ${v.VolumeId}${attached.length ? ` (attached to ${(v.Attachments ?? []).map((a) => a.InstanceId).filter(Boolean).join(', ')})` : ' (not attached)'}`;
        return {
          resource: volumeArn(v.VolumeId),
          resourceType: 'AWS::EC2::Volume',
          ...(attached.length ? { parent: attached } : {}),
          ...judged(v.Encrypted, v.KmsKeyId, label),
        };
      }),
      ...data.snapshots.map((s) => {
        // Only a volume that still exists: a copied snapshot's VolumeId is arbitrary (EC2 says not to use it), and a
        // deleted volume's selectors can no longer be judged; such a snapshot is judged on its own selectors.
        const source = s.VolumeId ? volumes.get(s.VolumeId) : undefined;
        const instances = source ? instancesOf(source) : [];
        const parent: ResourceParent | undefined = source ? { resource: volumeArn(source.VolumeId), resourceType: 'AWS::EC2::Volume', ...(instances.length ? { parent: instances } : {}) } : undefined;
        return {
          resource: `arn:aws:ec2:${ctx.region}:${s.OwnerId ?? ctx.accountId}:snapshot/${s.SnapshotId}`,
          resourceType: 'AWS::EC2::Snapshot',
          ...(parent ? { parent } : {}),
          ...judged(s.Encrypted, s.KmsKeyId, `EBS snapshot ${s.SnapshotId} of volume ${s.VolumeId ?? 'unknown'}`),
        };
      }),
    ];
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no EBS volumes or snapshots in ${ctx.region}` });
    return results;
  },
});
