import type { GetKeyRotationStatusCommandOutput } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { collectKeys, evaluateCustomerKeys, isoDay, keyLabel, type KmsKeysEvidence } from './keys.js';

export interface KeyRotationEvidence extends KmsKeysEvidence {
  /** GetKeyRotationStatus for each enabled or disabled customer managed symmetric key with AWS-generated material. */
  rotation: { keyId: string; status: Omit<GetKeyRotationStatusCommandOutput, '$metadata'> | CapturedError }[];
}

/** Only these keys can rotate automatically: symmetric encryption keys whose material KMS generated. */
const rotatable = (md: { KeySpec?: string; Origin?: string; KeyUsage?: string }) =>
  md.KeySpec === 'SYMMETRIC_DEFAULT' && md.KeyUsage === 'ENCRYPT_DECRYPT' && md.Origin === 'AWS_KMS';

export const keyRotation = defineQuery<KeyRotationEvidence>({
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
  evaluate(data, _params, ctx) {
    return evaluateCustomerKeys(data, ctx.region, (md) => {
      if (!rotatable(md)) return undefined;
      const label = keyLabel(md);
      if (md.KeyState === 'PendingDeletion' || md.KeyState === 'PendingReplicaDeletion') {
        return { status: 'not-applicable', reason: `${label} is scheduled for deletion${md.DeletionDate ? ` on ${isoDay(md.DeletionDate)}` : ''}; it is no longer used or rotated` };
      }
      const r = data.rotation?.find((x) => x.keyId === md.KeyId)?.status;
      if (!r) return { status: 'error', reason: `${label}: the evidence holds no GetKeyRotationStatus response` };
      if (isCapturedError(r)) return { status: 'not-applicable', reason: `${label} cannot rotate automatically (${r.error.code}: ${r.error.message}); rotate it manually` };
      return r.KeyRotationEnabled
        ? { status: 'pass', reason: `${label} rotates automatically every ${r.RotationPeriodInDays ?? 365} days${r.NextRotationDate ? `, next on ${isoDay(r.NextRotationDate)}` : ''}` }
        : { status: 'fail', reason: `${label} does not rotate its key material automatically` };
    });
  },
});
