import { defineQuery } from '../types.js';
import { collectKeys, evaluateCustomerKeys, isoDay, keyLabel, type KmsKeysEvidence } from './keys.js';

export const keyState = defineQuery<KmsKeysEvidence>({
  id: 'kms.key-state',
  service: 'kms',
  title: 'Customer managed KMS keys scheduled for deletion or disabled are reviewed',
  description:
    'Every customer managed KMS key in the region with its state, usage, creation date and any scheduled deletion date. Keys pending deletion or disabled are listed for review: retiring a key that still protects data makes that data unreadable.',
  remediation:
    'Confirm each listed key is retired on purpose and no data still depends on it; cancel a mistaken deletion (`aws kms cancel-key-deletion`) or re-enable a key disabled by mistake.',
  scope: 'regional',
  apiCalls: ['kms:ListKeys', 'kms:DescribeKey'],
  collect: (ctx) => collectKeys(ctx),
  evaluate(data, _params, ctx) {
    return evaluateCustomerKeys(data, ctx.region, (md) => {
      const label = `${keyLabel(md)}, ${md.KeySpec ?? 'unknown spec'} for ${md.KeyUsage ?? 'unknown usage'}, created ${isoDay(md.CreationDate) ?? 'at an unknown date'}`;
      switch (md.KeyState) {
        case 'Enabled':
          return { status: 'pass', reason: `${label}, is enabled` };
        case 'PendingDeletion':
        case 'PendingReplicaDeletion':
          return {
            status: 'needs-review',
            reason: `${label}, is scheduled for deletion${md.DeletionDate ? ` on ${isoDay(md.DeletionDate)}` : ''}: confirm no data still depends on it`,
          };
        case 'Disabled':
          return { status: 'needs-review', reason: `${label}, is disabled: confirm it was retired on purpose` };
        default:
          return { status: 'needs-review', reason: `${label}, is in state ${md.KeyState ?? 'unknown'}` };
      }
    });
  },
});
