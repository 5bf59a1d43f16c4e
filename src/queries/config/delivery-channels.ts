import type {
  ConfigExportDeliveryInfo,
  DescribeDeliveryChannelStatusCommandOutput,
  DescribeDeliveryChannelsCommandOutput,
} from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';

export interface DeliveryChannelsEvidence {
  channels: Omit<DescribeDeliveryChannelsCommandOutput, '$metadata'>;
  statuses: Omit<DescribeDeliveryChannelStatusCommandOutput, '$metadata'>;
}

function failure(kind: string, info: { lastStatus?: string; lastErrorCode?: string; lastErrorMessage?: string } | undefined): string[] {
  return info?.lastStatus === 'Failure' ? [`${kind} delivery failed (${[info.lastErrorCode, info.lastErrorMessage].filter(Boolean).join(': ') || 'no error detail'})`] : [];
}

function lastSuccess(info: ConfigExportDeliveryInfo | undefined): string {
  const t = toDate(info?.lastSuccessfulTime);
  return t ? `, last successful history delivery ${t.toISOString()}` : '';
}

export const deliveryChannels = defineQuery<DeliveryChannelsEvidence>({
  id: 'config.delivery-channels',
  service: 'config',
  title: 'AWS Config delivers configuration history and snapshots',
  description:
    'The region’s AWS Config delivery channels (S3 bucket, key prefix, KMS key, SNS topic, snapshot frequency) and whether the latest configuration history, snapshot and stream deliveries succeeded.',
  remediation:
    'Create a delivery channel to an S3 bucket (`aws configservice put-delivery-channel`) and fix the bucket policy, KMS key policy or SNS topic policy named in any delivery error.',
  scope: 'regional',
  apiCalls: ['config:DescribeDeliveryChannels', 'config:DescribeDeliveryChannelStatus'],
  async collect(ctx) {
    const { ConfigServiceClient, DescribeDeliveryChannelsCommand, DescribeDeliveryChannelStatusCommand } = await loadConfigServiceSdk();
    const cfg = ctx.clients.get(ConfigServiceClient);
    return {
      channels: stripMetadata(await cfg.send(new DescribeDeliveryChannelsCommand({}))),
      statuses: stripMetadata(await cfg.send(new DescribeDeliveryChannelStatusCommand({}))),
    };
  },
  evaluate(data, _params, ctx) {
    const channels = data?.channels?.DeliveryChannels;
    if (!channels || !data.statuses) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no delivery channel responses' }];
    }
    if (channels.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no AWS Config delivery channel in ${ctx.region}: configuration history is not delivered` }];
    }
    return channels.map((c): ResourceResult => {
      const resource = { resource: c.name ?? '', resourceType: 'AWS::Config::DeliveryChannel' };
      const s = data.statuses.DeliveryChannelsStatus?.find((x) => x.name === c.name);
      if (!s) return { ...resource, status: 'error', reason: `delivery channel ${c.name}: the evidence holds no status for it` };
      const target = `s3://${c.s3BucketName ?? '?'}/${c.s3KeyPrefix ?? ''}${c.s3KmsKeyArn ? ` (KMS key ${c.s3KmsKeyArn})` : ''}`;
      if (!c.s3BucketName) return { ...resource, status: 'fail', reason: `delivery channel ${c.name} has no S3 bucket` };
      const problems = [
        ...failure('configuration history', s.configHistoryDeliveryInfo),
        ...failure('configuration snapshot', s.configSnapshotDeliveryInfo),
        ...failure('configuration stream (SNS)', s.configStreamDeliveryInfo),
      ];
      if (problems.length) return { ...resource, status: 'fail', reason: `delivery channel ${c.name} to ${target}: ${problems.join('; ')}` };
      return { ...resource, status: 'pass', reason: `delivery channel ${c.name} delivers to ${target} without errors${lastSuccess(s.configHistoryDeliveryInfo)}` };
    });
  },
});
