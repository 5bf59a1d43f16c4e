import type { KeyListEntry, KeyMetadata } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { stripMetadata, toDate, type QueryContext, type ResourceResult } from '../types.js';
import { apiCase, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/** ListKeys (all pages) and DescribeKey for each key. */
export interface KmsKeysEvidence {
  keys: KeyListEntry[];
  metadata: { keyId: string; KeyMetadata: KeyMetadata | undefined }[];
}

export async function collectKeys(ctx: QueryContext): Promise<KmsKeysEvidence> {
  const { DescribeKeyCommand, KMSClient, paginateListKeys } = await loadKmsSdk();
  const kms = ctx.clients.get(KMSClient);
  const keys: KeyListEntry[] = [];
  for await (const page of paginateListKeys({ client: kms, pageSize: 1000 }, {})) keys.push(...(stripMetadata(page).Keys ?? []));
  const metadata: KmsKeysEvidence['metadata'] = [];
  for (const k of keys) {
    ctx.signal?.throwIfAborted();
    const out = await kms.send(new DescribeKeyCommand({ KeyId: k.KeyArn ?? k.KeyId }));
    metadata.push({ keyId: k.KeyId ?? '', KeyMetadata: out.KeyMetadata });
  }
  return { keys, metadata };
}

/**
 * Judges each customer managed key of the listing (AWS managed keys are AWS's to manage); a listed key without
 * its DescribeKey answer is an error, never a pass.
 */
export function evaluateCustomerKeys(
  data: Pick<KmsKeysEvidence, 'keys' | 'metadata'> | undefined,
  region: string,
  judge: (key: KeyMetadata) => Pick<ResourceResult, 'status' | 'reason'> | undefined,
): ResourceResult[] {
  if (!data?.keys) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListKeys response' }];
  const results: ResourceResult[] = [];
  for (const k of data.keys) {
    const md = data.metadata?.find((m) => m.keyId === k.KeyId)?.KeyMetadata;
    const base = { resource: k.KeyArn ?? k.KeyId ?? '', resourceType: 'AWS::KMS::Key' };
    if (!md) {
      results.push({ ...base, status: 'error', reason: `key ${k.KeyId}: the evidence holds no DescribeKey response` });
      continue;
    }
    if (md.KeyManager !== 'CUSTOMER') continue;
    const r = judge(md);
    if (r) results.push({ ...base, resource: md.Arn ?? base.resource, ...r });
  }
  if (results.length === 0) {
    results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no customer managed KMS keys of this kind in ${region}` });
  }
  return results;
}

/** "key 1234abcd… (description)" for reasons. */
export function keyLabel(md: KeyMetadata): string {
  return `key ${md.KeyId}${md.Description ? ` (${md.Description})` : ''}`;
}

/** The calendar day (UTC) of an evidence timestamp, whether a Date or an ISO string. */
export function isoDay(v: Date | string | undefined): string | undefined {
  return toDate(v)?.toISOString().slice(0, 10);
}

/** What a KMS key's configuration item holds beyond DescribeKey: `supplementaryConfiguration.KeyRotationStatus`. */
export interface KmsKeyItemsEvidence extends KmsKeysEvidence {
  /** Automatic rotation as AWS Config recorded it, for the keys whose item holds it (no period, no next date). */
  recordedRotation: { keyId: string; KeyRotationEnabled: boolean }[];
}

/**
 * AWS::KMS::Key configuration items as ListKeys + DescribeKey evidence (one item per key, AWS managed keys included,
 * told apart by keyManager as in DescribeKey). AWS Config records DescribeKey's AWSAccountId as `awsaccountId`;
 * the key's rotation setting is in `supplementaryConfiguration.KeyRotationStatus`. Key policies and grants are not
 * recorded, so kms.key-access stays a member read.
 */
export const KMS_KEY_ITEMS: ConfigItemFamily<KmsKeyItemsEvidence> = {
  resourceTypes: ['AWS::KMS::Key'],
  supplementary: true,
  toEvidence: (items) => {
    const described = items.map(keyFromItem);
    return {
      keys: described.map(({ md }) => ({ KeyId: md.KeyId, KeyArn: md.Arn })),
      metadata: described.map(({ md }) => ({ keyId: md.KeyId ?? '', KeyMetadata: md })),
      recordedRotation: described.flatMap(({ md, rotation }) => (typeof rotation === 'boolean' ? [{ keyId: md.KeyId ?? '', KeyRotationEnabled: rotation }] : [])),
    };
  },
};

function keyFromItem(item: ConfigItem): { md: KeyMetadata; rotation: boolean | undefined } {
  const { awsaccountId, ...rest } = item.configuration;
  const md = apiCase<KeyMetadata>(rest);
  return {
    md: { ...md, KeyId: md.KeyId ?? item.resourceId, Arn: md.Arn ?? item.arn, ...(typeof awsaccountId === 'string' ? { AWSAccountId: awsaccountId } : {}) },
    rotation: recordedBoolean(item.supplementaryConfiguration?.KeyRotationStatus),
  };
}

/** A supplementary value recorded as a boolean, or as its JSON text (the form configuration history returns). */
function recordedBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
}
