import type { KeyListEntry, KeyMetadata } from '@aws-sdk/client-kms';
import { loadKmsSdk } from '../../aws/sdk.js';
import { stripMetadata, toDate, type QueryContext, type ResourceResult } from '../types.js';

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
