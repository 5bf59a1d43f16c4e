import type { GetKeyRotationStatusCommandOutput, KeyMetadata, RotationsListEntry } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { allPages, captureAbsence, defineQuery, isCapturedError, parameterSetBy, toDate, type CapturedError, type EvaluationContext, type ResourceResult } from '../types.js';
import { collectKeys, evaluateCustomerKeys, isoDay, keyLabel, KMS_KEY_ITEMS, type KmsKeysEvidence } from './keys.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';

export interface KeyRotationEvidence extends KmsKeysEvidence {
  /** GetKeyRotationStatus for each enabled or disabled customer managed symmetric key with AWS-generated material. */
  rotation: { keyId: string; status: Omit<GetKeyRotationStatusCommandOutput, '$metadata'> | CapturedError }[];
  /** Set when the rotation settings are AWS Config's record, which holds whether rotation is on but not its period. */
  rotationRecordedBy?: 'aws-config';
  /**
   * ListKeyRotations (all pages, completed rotations: RotationDate, RotationType AUTOMATIC or ON_DEMAND) for each key
   * GetKeyRotationStatus was asked of. Absent in evidence sealed before this read and in AWS Config's record.
   */
  rotations?: { keyId: string; list: RotationsListEntry[] | CapturedError }[];
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

const DAY_MS = 86_400_000;

/**
 * A key whose automatic rotation does not keep it within the cryptoperiod: judged on how old its key material is at
 * collection (PCI DSS 3.7.4 asks for a key change at the end of the cryptoperiod, by any means: on-demand rotation or
 * a new key behind the alias). The material is no older than the key, nor than its latest completed rotation
 * (ListKeyRotations). Younger than the cryptoperiod: not a failure now; older with no rotation since: fail; when
 * the evidence cannot tell: needs-review, never pass.
 */
function materialAge(data: KeyRotationEvidence, md: KeyMetadata, head: string, maxDays: number, ctx: EvaluationContext): Pick<ResourceResult, 'status' | 'reason'> {
  const cryptoperiod = `the ${maxDays}-day cryptoperiod (${parameterSetBy(ctx, 'maxRotationPeriodDays')})`;
  const at = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
  const daysBefore = (d: Date) => Math.floor((at - d.getTime()) / DAY_MS);
  const due = (d: Date) => isoDay(new Date(d.getTime() + maxDays * DAY_MS));
  const nextChange = (d: Date) =>
    `; it must be changed again (on-demand rotation, or a new key behind its alias) by ${due(d)}, which this evidence does not show`;
  const created = toDate(md.CreationDate);
  if (created && daysBefore(created) <= maxDays) {
    return { status: 'pass', reason: `${head}, but the key was created on ${isoDay(created)}, ${daysBefore(created)} days before collection: its key material is within ${cryptoperiod}${nextChange(created)}` };
  }
  const since = created ? `was created on ${isoDay(created)}, ${daysBefore(created)} days before collection` : 'has no creation date in the evidence';
  const entry = data.rotations?.find((x) => x.keyId === md.KeyId)?.list;
  if (entry === undefined || isCapturedError(entry)) {
    const missing =
      entry !== undefined
        ? `ListKeyRotations was refused (${entry.error.code}: ${entry.error.message})`
        : data.rotationRecordedBy
          ? 'AWS Config records whether automatic rotation is on, not the rotations made'
          : data.rotations
            ? 'the evidence holds no ListKeyRotations answer for it'
            : 'the evidence holds no ListKeyRotations read (collected before this check read it)';
    return {
      status: 'needs-review',
      reason: `${head} and ${since}; ${missing}, so whether its key material was changed on demand within ${cryptoperiod} is not known; confirm with aws kms list-key-rotations --key-id ${md.KeyId}`,
    };
  }
  const dated = entry.map((e) => ({ e, d: toDate(e.RotationDate) })).filter((x): x is { e: RotationsListEntry; d: Date } => x.d !== undefined && x.d.getTime() <= at);
  const latest = dated.sort((a, b) => b.d.getTime() - a.d.getTime())[0];
  if (latest && daysBefore(latest.d) <= maxDays) {
    return {
      status: 'pass',
      reason: `${head}, but its key material was last rotated on ${isoDay(latest.d)} (${latest.e.RotationType ?? 'rotation type not given'}, ListKeyRotations), ${daysBefore(latest.d)} days before collection: within ${cryptoperiod}${nextChange(latest.d)}`,
    };
  }
  if (!latest && !created) return { status: 'needs-review', reason: `${head}; ListKeyRotations records no rotation and the evidence holds no creation date, so the age of its key material is not known` };
  const from = latest
    ? `its last rotation on ${isoDay(latest.d)} (${latest.e.RotationType ?? 'rotation type not given'}, ListKeyRotations), ${daysBefore(latest.d)} days before collection`
    : `its creation on ${isoDay(created)} (ListKeyRotations records no rotation), ${daysBefore(created!)} days before collection`;
  return { status: 'fail', reason: `${head}; its key material dates from ${from}, older than ${cryptoperiod}` };
}

export const keyRotation = defineQuery<KeyRotationEvidence | AggregateConfigItemsEvidence>({
  id: 'kms.key-rotation',
  service: 'kms',
  title: 'Customer managed KMS keys rotate their key material automatically, or have it changed within the cryptoperiod',
  description:
    'Every customer managed symmetric encryption key in the region (KMS-generated material) with its automatic rotation status and rotation period, judged against the longest period allowed (maxRotationPeriodDays); a key without automatic rotation within that period is judged on the age of its key material (its creation date, or its latest completed rotation, on-demand ones included, from ListKeyRotations); keys KMS cannot rotate automatically (imported material, asymmetric, HMAC, custom key store) are listed as not applicable, to be rotated manually.',
  remediation:
    'Enable automatic rotation on the listed keys (`aws kms enable-key-rotation --key-id <key> [--rotation-period-in-days 365]`), or change their key material within the cryptoperiod (`aws kms rotate-key-on-demand --key-id <key>`, or a new key behind the alias).',
  scope: 'regional',
  apiCalls: ['kms:ListKeys', 'kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListKeyRotations'],
  parameters: {
    maxRotationPeriodDays: {
      description:
        'The longest automatic rotation period that passes, in days (KMS allows 90 to 2560; 365 when rotation is enabled without a period), and the oldest key material that passes for a key without such rotation. PCI DSS 3.6.1.4/3.7.4 leave the cryptoperiod to the organisation: set this to the cryptoperiod it defined for its keys.',
      default: 365,
      looser: 'higher',
    },
  },
  async collect(ctx) {
    const { GetKeyRotationStatusCommand, KMSClient, paginateListKeyRotations } = await loadKmsSdk();
    const keys = await collectKeys(ctx);
    const kms = ctx.clients.get(KMSClient);
    const rotation: KeyRotationEvidence['rotation'] = [];
    const rotations: NonNullable<KeyRotationEvidence['rotations']> = [];
    for (const { keyId, KeyMetadata: md } of keys.metadata) {
      if (!md || md.KeyManager !== 'CUSTOMER' || !rotatable(md) || md.KeyState === 'PendingDeletion' || md.KeyState === 'PendingReplicaDeletion') continue;
      ctx.signal?.throwIfAborted();
      // Keys in a custom key store cannot rotate automatically: KMS answers UnsupportedOperationException.
      rotation.push({ keyId, status: await captureAbsence(() => kms.send(new GetKeyRotationStatusCommand({ KeyId: md.Arn ?? keyId })), ['UnsupportedOperationException']) });
      // Completed rotations, on-demand ones (RotateKeyOnDemand) included: how old the key material in use is. A key
      // policy that does not grant kms:ListKeyRotations, or a key KMS refuses it for, leaves that key's age unknown.
      const list = await captureAbsence(
        () => allPages(paginateListKeyRotations({ client: kms }, { KeyId: md.Arn ?? keyId }), (p) => p.Rotations, ctx),
        ['UnsupportedOperationException', 'AccessDeniedException', 'KMSInvalidStateException'],
      );
      rotations.push({ keyId, list });
    }
    return { ...keys, rotation, rotations };
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
      const period = r.RotationPeriodInDays;
      if (!r.KeyRotationEnabled) return materialAge(data, md, `${label} does not rotate its key material automatically`, maxDays, ctx);
      if (typeof period === 'number' && period > maxDays) {
        return materialAge(data, md, `${label} rotates automatically only every ${period} days, longer than the ${maxDays}-day maximum`, maxDays, ctx);
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
