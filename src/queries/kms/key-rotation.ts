import type { GetKeyRotationStatusCommandOutput, KeyMetadata } from '@aws-sdk/client-kms';
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

/** Why KMS cannot rotate a key automatically (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html). */
function notRotatable(md: KeyMetadata): string {
  if (md.KeySpec?.startsWith('HMAC_')) return `is an HMAC key (${md.KeySpec})`;
  if (md.KeySpec && md.KeySpec !== 'SYMMETRIC_DEFAULT') return `is an asymmetric key (${md.KeySpec})`;
  if (md.Origin === 'EXTERNAL') return 'has imported key material';
  if (md.Origin === 'AWS_CLOUDHSM' || md.Origin === 'EXTERNAL_KEY_STORE') return `is in a custom key store (origin ${md.Origin})`;
  return `is not a symmetric encryption key with KMS-generated material (key usage ${md.KeyUsage ?? 'unknown'}, origin ${md.Origin ?? 'unknown'})`;
}

/** The longest rotation period KMS allows (EnableKeyRotation RotationPeriodInDays: 90 to 2560). */
const KMS_MAX_ROTATION_PERIOD_DAYS = 2560;

export const keyRotation = defineQuery<KeyRotationEvidence | AggregateConfigItemsEvidence>({
  id: 'kms.key-rotation',
  service: 'kms',
  title: 'Customer managed KMS keys rotate their key material automatically',
  description:
    'Every customer managed symmetric encryption key in the region (KMS-generated material) with its automatic rotation status and rotation period, judged against the longest period allowed (maxRotationPeriodDays); keys KMS cannot rotate automatically (imported material, asymmetric, HMAC, custom key store) are listed as not applicable, to be rotated manually.',
  remediation: 'Enable automatic rotation on the listed keys (`aws kms enable-key-rotation --key-id <key> [--rotation-period-in-days 365]`).',
  scope: 'regional',
  apiCalls: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus'],
  parameters: {
    maxRotationPeriodDays: {
      description:
        'The longest automatic rotation period that passes, in days (KMS allows 90 to 2560; 365 when rotation is enabled without a period). PCI DSS 3.6.1.4/3.7.4 leave the cryptoperiod to the organisation: set this to the cryptoperiod it defined for its keys.',
      default: 365,
    },
  },
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
  evaluate: acceptConfigItems(KMS_KEY_ROTATION_ITEMS, (data, params, ctx) => {
    const maxDays = Number(params.maxRotationPeriodDays ?? 365);
    return evaluateCustomerKeys(data, ctx.region, (md) => {
      const label = keyLabel(md);
      if (md.KeyState === 'PendingDeletion' || md.KeyState === 'PendingReplicaDeletion') {
        return { status: 'not-applicable', reason: `${label} is scheduled for deletion${md.DeletionDate ? ` on ${isoDay(md.DeletionDate)}` : ''}; it is no longer used or rotated` };
      }
      if (!rotatable(md)) return { status: 'not-applicable', reason: `${label} ${notRotatable(md)}: automatic rotation is not supported for this key; rotate it manually` };
      const r = data.rotation?.find((x) => x.keyId === md.KeyId)?.status;
      if (!r) return { status: 'error', reason: `${label}: the evidence holds no ${data.rotationRecordedBy ? 'rotation status AWS Config recorded (supplementaryConfiguration.KeyRotationStatus)' : 'GetKeyRotationStatus response'}` };
      if (isCapturedError(r)) return { status: 'not-applicable', reason: `${label} cannot rotate automatically (${r.error.code}: ${r.error.message}); rotate it manually` };
      if (!r.KeyRotationEnabled) return { status: 'fail', reason: `${label} does not rotate its key material automatically` };
      const period = r.RotationPeriodInDays;
      if (typeof period === 'number' && period > maxDays) {
        return { status: 'fail', reason: `${label} rotates automatically only every ${period} days, longer than the ${maxDays}-day maximum (maxRotationPeriodDays, the organisation's cryptoperiod)` };
      }
      const every = typeof period === 'number' ? ` every ${period} days` : '';
      if (md.KeyState === 'Disabled') {
        // KMS does not rotate a disabled key; on re-enabling, material older than the period is rotated at once.
        return {
          status: 'not-applicable',
          reason: `${label} is disabled: automatic rotation is on${every}, but KMS does not rotate a disabled key and the key cannot encrypt while disabled; if it is enabled again, KMS rotates it at once when its material is older than the rotation period`,
        };
      }
      if (typeof period !== 'number') {
        const missing = data.rotationRecordedBy ? 'AWS Config records that rotation is on, not its period or next date' : 'the GetKeyRotationStatus response holds no rotation period';
        if (maxDays >= KMS_MAX_ROTATION_PERIOD_DAYS) return { status: 'pass', reason: `${label} rotates automatically (${missing}; every period KMS allows is within the ${maxDays}-day maximum)` };
        return {
          status: 'needs-review',
          reason: `${label} rotates automatically, but ${missing}: KMS rotates every 365 days when rotation is enabled without a period, yet a period of up to ${KMS_MAX_ROTATION_PERIOD_DAYS} days can be set; confirm the period is at most ${maxDays} days (aws kms get-key-rotation-status)`,
        };
      }
      return { status: 'pass', reason: `${label} rotates automatically${every} (at most ${maxDays})${r.NextRotationDate ? `, next on ${isoDay(r.NextRotationDate)}` : ''}` };
    });
  }),
});
