import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';

/** The advanced query: how many resources of each type AWS Config holds per account and region. */
export const INVENTORY_QUERY = 'SELECT resourceType, accountId, awsRegion, COUNT(*) GROUP BY resourceType, accountId, awsRegion';

/** config.resource-inventory evidence read through the organisation's AWS Config aggregator: this member's result rows, verbatim. */
export interface AggregateResourceInventoryEvidence {
  aggregator: { name: string; accountId: string; region: string };
  expression: string;
  /** SelectAggregateResourceConfig `Results` (JSON text, one row per resource type) of this member account and region. */
  results: string[];
}

export function isAggregateResourceInventory(v: unknown): v is AggregateResourceInventoryEvidence {
  return typeof v === 'object' && v !== null && 'expression' in v && 'results' in v;
}

/** One row of the inventory query; undefined when the text is not such a row. */
export function inventoryRow(text: string): { resourceType: string; accountId: string; awsRegion: string; count: number } | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const count = Number(v['COUNT(*)']);
    if (typeof v.resourceType !== 'string' || typeof v.accountId !== 'string' || typeof v.awsRegion !== 'string' || !Number.isFinite(count)) return undefined;
    return { resourceType: v.resourceType, accountId: v.accountId, awsRegion: v.awsRegion, count };
  } catch {
    return undefined;
  }
}

export const aggregateResourceInventory = defineDelegatedSource<string[]>({
  queryId: 'config.resource-inventory',
  kind: 'config-aggregator',
  reach: 'aggregator-region',
  apiCalls: ['config:SelectAggregateResourceConfig'],
  async fetch(audit) {
    const { ConfigServiceClient, paginateSelectAggregateResourceConfig } = await loadConfigServiceSdk();
    const parts = new Map<string, string[]>();
    const pages = paginateSelectAggregateResourceConfig({ client: audit.clients.get(ConfigServiceClient), pageSize: 100 }, { ConfigurationAggregatorName: audit.aggregator, Expression: INVENTORY_QUERY });
    for await (const page of pages) {
      audit.signal?.throwIfAborted();
      for (const text of stripMetadata(page).Results ?? []) {
        const row = inventoryRow(text);
        // A row we cannot attribute to a member is left out of every member's part rather than guessed.
        if (!row) continue;
        const key = memberKey(row.accountId, row.awsRegion);
        parts.set(key, [...(parts.get(key) ?? []), text]);
      }
    }
    return parts;
  },
  async complete(results, _member, audit): Promise<AggregateResourceInventoryEvidence> {
    return { aggregator: { name: audit.aggregator, accountId: audit.accountId, region: audit.region }, expression: INVENTORY_QUERY, results };
  },
});
