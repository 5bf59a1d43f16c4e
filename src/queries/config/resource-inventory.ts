import type { GetDiscoveredResourceCountsCommandOutput, ResourceCount } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { inventoryRow, isAggregateResourceInventory, type AggregateResourceInventoryEvidence } from './aggregate-resource-inventory.js';

/** GetDiscoveredResourceCounts, every page (the total is repeated on each page). */
export interface ResourceInventoryEvidence {
  pages: Omit<GetDiscoveredResourceCountsCommandOutput, '$metadata'>[];
}

export const resourceInventory = defineQuery<ResourceInventoryEvidence | AggregateResourceInventoryEvidence>({
  id: 'config.resource-inventory',
  service: 'config',
  title: 'AWS Config holds an inventory of the region’s AWS resources',
  description:
    'The resources AWS Config has discovered in the region, counted per resource type (GetDiscoveredResourceCounts): the AWS part of a component inventory. It lists AWS resources only, with no description of their function or use.',
  remediation:
    'Record all supported resource types with AWS Config in every region in scope (`aws configservice put-configuration-recorder`, `start-configuration-recorder`), then keep the component inventory in step with its resource list.',
  scope: 'regional',
  apiCalls: ['config:GetDiscoveredResourceCounts'],
  async collect(ctx) {
    const { ConfigServiceClient, GetDiscoveredResourceCountsCommand } = await loadConfigServiceSdk();
    const client = ctx.clients.get(ConfigServiceClient);
    const pages: ResourceInventoryEvidence['pages'] = [];
    let nextToken: string | undefined;
    // The SDK ships no paginator for this operation; nextToken is followed by hand.
    do {
      ctx.signal?.throwIfAborted();
      const page = stripMetadata(await client.send(new GetDiscoveredResourceCountsCommand({ limit: 100, nextToken })));
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken);
    return { pages };
  },
  evaluate(data, _params, ctx) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (isAggregateResourceInventory(data)) return evaluateAggregate(data, ctx);
    if (!data?.pages?.length) return [{ ...account, status: 'error', reason: 'the evidence holds no GetDiscoveredResourceCounts response' }];
    const counts: ResourceCount[] = data.pages.flatMap((p) => p.resourceCounts ?? []);
    const total = data.pages[0].totalDiscoveredResources ?? counts.reduce((n, c) => n + (c.count ?? 0), 0);
    if (total === 0) {
      return [{ ...account, status: 'fail', reason: `AWS Config has discovered no resources in ${ctx.region}, so it keeps no inventory there (is a recorder recording?)` }];
    }
    const listed = [...counts].sort((a, b) => (b.count ?? 0) - (a.count ?? 0)).map((c) => `${c.resourceType} ${c.count}`);
    return [
      {
        ...account,
        status: 'pass',
        reason: `AWS Config's inventory of ${ctx.region} holds ${total} resources of ${counts.length} types (${listed.join(', ')}); it names AWS resources only, not their function or use`,
      },
    ];
  },
});

/** The aggregator's inventory rows of one member account and region, judged as the member's own counts are. */
function evaluateAggregate(data: AggregateResourceInventoryEvidence, ctx: { accountId: string; region: string }): ResourceResult[] {
  const account = { resource: 'account', resourceType: 'AWS::::Account' };
  const rows = (data.results ?? []).map(inventoryRow);
  if (rows.some((r) => r === undefined)) return [{ ...account, status: 'error', reason: `the evidence holds a SelectAggregateResourceConfig row that is not a count per resource type, account and region` }];
  const mine = rows.filter((r) => r !== undefined && r.accountId === ctx.accountId && r.awsRegion === ctx.region).map((r) => r!);
  const total = mine.reduce((n, r) => n + r.count, 0);
  if (total === 0) {
    return [{ ...account, status: 'fail', reason: `the AWS Config aggregator ${data.aggregator?.name} holds no resources of ${ctx.accountId} in ${ctx.region}, so AWS Config keeps no inventory there (is a recorder recording?)` }];
  }
  const listed = [...mine].sort((a, b) => b.count - a.count).map((r) => `${r.resourceType} ${r.count}`);
  return [
    {
      ...account,
      status: 'pass',
      reason: `AWS Config's inventory of ${ctx.region}, read through the aggregator ${data.aggregator?.name}, holds ${total} resources of ${mine.length} types (${listed.join(', ')}); it names AWS resources only, not their function or use`,
    },
  ];
}
