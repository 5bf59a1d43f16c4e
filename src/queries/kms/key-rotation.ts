import type { GetKeyRotationStatusCommandOutput } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { collectKeys, evaluateCustomerKeys, isoDay, keyLabel, KMS_KEY_ITEMS, type KmsKeysEvidence } from './keys.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';

export interface KeyRotationEvidence extends KmsKeysEvidence {
  /** GetKeyRotationStatus for each enabled or disabled customer managed symmetric key with AWS-generated material. */
  rotation: { keyId: string; status: Omit<GetKeyRotationStatusCommandOutput, '$metadata'> | CapturedError }[];
  /** Set when the rotation settings are AWS Config's record, which holds whether rotation is on but not its period. */
  rotationRecordedBy?: 'aws-config';
}

/** The same AWS::KMS::Key read as kms.key-state: rotation comes from `supplementaryConfiguration.KeyRotationStatus`. */
export const KMS_KEY_ROTATION_ITEMS: ConfigItemFamily<KeyRotationEvidence> = {
  ...KMS_KEY_ITEMS,
  toEvidence: (items) => {
    const { recordedRotation, ...keys } = KMS_KEY_ITEMS.toEvidence(items);
    return { ...keys, rotation: recordedRotation.map(({ keyId, KeyRotationEnabled }) => ({ keyId, status: { KeyRotationEnabled } })), rotationRecordedBy: 'aws-config' };
  },
};

/** Only these keys can rotate automatically: symmetric encryption keys whose material KMS generated. */
const rotatable = (md: { KeySpec?: string; Origin?: string; KeyUsage?: string }) =>
  md.KeySpec === 'SYMMETRIC_DEFAULT' && md.KeyUsage === 'ENCRYPT_DECRYPT' && md.Origin === 'AWS_KMS';

export const keyRotation = defineQuery<KeyRotationEvidence | AggregateConfigItemsEvidence>({
  id: 'kms.key-rotation',
  service: 'kms',
  title: 'Customer managed KMS keys rotate their key material automatically',
  description:
    'Every customer managed symmetric encryption key in the region (KMS-generated material) with its automatic rotation status and rotation period.',
  remediation: 'Enable automatic rotation on the listed keys (`aws kms enable-key-rotation --key-id <key> [--rotation-period-in-days 365]`).',
  scope: 'regional',
  apiCalls: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus'],
  async collect(ctx) {
    const { GetKeyRotationStatusCommand, KMSClient } = await loadKmsSdk();
    const keys = await collectKeys(ctx);
    const kms = ctx.clients.get(KMSClient);
    const rotation: KeyRotationEvidence['rotation'] = [];
    for (const { keyId, KeyMetadata: md } of keys.metadata) {
      if (!md || md.KeyManager !== 'CUSTOMER' || !rotatable(md) || md.KeyState === 'PendingDeletion' || md.KeyState === 'PendingReplicaDeletion') continue;
      ctx.signal?.throwIfAborted();
      // Keys in a custom key store cannot rotate automatically: KMS answers UnsupportedOperationException.
      rotation.push({ keyId, status: await captureAbsence(() => kms.send(new GetKeyRotationStatusCommand({ KeyId: md.Arn ?? keyId })), ['UnsupportedOperationException']) });
    }
    return { ...keys, rotation };
  },
  evaluate: acceptConfigItems(KMS_KEY_ROTATION_ITEMS, (data, _params, ctx) => {
    return evaluateCustomerKeys(data, ctx.region, (md) => {
      if (!rotatable(md)) return undefined;
      const label = keyLabel(md);
      if (md.KeyState === 'PendingDeletion' || md.KeyState === 'PendingReplicaDeletion') {
        return { status: 'not-applicable', reason: `${label} is scheduled for deletion${md.DeletionDate ? ` on ${isoDay(md.DeletionDate)}` : ''}; it is no longer used or rotated` };
      }
      const r = data.rotation?.find((x) => x.keyId === md.KeyId)?.status;
      if (!r) return { status: 'error', reason: `${label}: the evidence holds no ${data.rotationRecordedBy ? 'rotation status AWS Config recorded (supplementaryConfiguration.KeyRotationStatus)' : 'GetKeyRotationStatus response'}` };
      if (isCapturedError(r)) return { status: 'not-applicable', reason: `${label} cannot rotate automatically (${r.error.code}: ${r.error.message}); rotate it manually` };
      const when = data.rotationRecordedBy ? ' (AWS Config records that rotation is on, not its period or next date)' : ` every ${r.RotationPeriodInDays ?? 365} days${r.NextRotationDate ? `, next on ${isoDay(r.NextRotationDate)}` : ''}`;
      return r.KeyRotationEnabled
        ? { status: 'pass', reason: `${label} rotates automatically${when}` }
        : { status: 'fail', reason: `${label} does not rotate its key material automatically` };
    });
  }),
});
