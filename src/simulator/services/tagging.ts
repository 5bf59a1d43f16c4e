import { GetResourcesCommand, type ResourceTagMapping, type Tag } from '@aws-sdk/client-resource-groups-tagging-api';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { ec2State } from './ec2.js';
import { rdsState } from './rds.js';
import { seedTagging } from '../worlds/seed-tagging.js';

/** Tags of resources whose own simulated API keeps none (S3 buckets, log groups, KMS keys), by ARN. */
export interface TaggingState {
  tags: Map<string, Tag[]>;
}

declare module '../world.js' {
  interface RegionalState {
    tagging: TaggingState;
  }
}

export function taggingState(account: SimAccount, region: string): TaggingState {
  return account.regional(region, 'tagging', () => ({ tags: new Map() }));
}

/** Tags a resource of `region` (for S3, the bucket's region), merging with tags it already has. */
export function tagResource(account: SimAccount, region: string, arn: string, tags: readonly Tag[]): void {
  const state = taggingState(account, region);
  const merged = new Map((state.tags.get(arn) ?? []).map((t) => [t.Key, t]));
  for (const t of tags) merged.set(t.Key, { Key: t.Key, Value: t.Value ?? '' });
  state.tags.set(arn, [...merged.values()]);
}

const invalidParameter = (message: string) => new SimError('InvalidParameterException', message);

/** Every tagged resource of one account and region: the registry, plus EC2 and RDS resources, which carry their own tags. */
function taggedResources(account: SimAccount, region: string): ResourceTagMapping[] {
  const byArn = new Map<string, Tag[]>();
  const ec2 = account.regions.get(region)?.ec2 ? ec2State(account, region) : undefined;
  for (const i of (ec2?.reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    if (i.Tags?.length) byArn.set(`arn:aws:ec2:${region}:${account.id}:instance/${i.InstanceId}`, i.Tags.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })));
  }
  for (const g of ec2?.securityGroups ?? []) {
    if (g.Tags?.length) byArn.set(`arn:aws:ec2:${region}:${account.id}:security-group/${g.GroupId}`, g.Tags.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })));
  }
  const rds = account.regions.get(region)?.rds ? rdsState(account, region) : undefined;
  for (const d of rds?.dbInstances ?? []) {
    if (d.TagList?.length && d.DBInstanceArn) byArn.set(d.DBInstanceArn, d.TagList.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })));
  }
  for (const c of rds?.dbClusters ?? []) {
    if (c.TagList?.length && c.DBClusterArn) byArn.set(c.DBClusterArn, c.TagList.map((t) => ({ Key: t.Key, Value: t.Value ?? '' })));
  }
  for (const [arn, tags] of account.regions.get(region)?.tagging?.tags ?? []) {
    const merged = new Map((byArn.get(arn) ?? []).map((t) => [t.Key, t]));
    for (const t of tags) merged.set(t.Key, t);
    byArn.set(arn, [...merged.values()]);
  }
  return [...byArn].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ResourceARN, Tags]) => ({ ResourceARN, Tags }));
}

const state = (ctx: CallContext) => taggedResources(ctx.account, ctx.region);

/** The Resource Groups Tagging API (awsJson1_1, target prefix ResourceGroupsTaggingAPI_20170126): GetResources. */
export const tagging: SimService = {
  name: 'tag',
  signingName: 'tagging',
  protocol: awsJson1_1,
  errors: { throttling: { code: 'ThrottledException', status: 400 }, serverError: { code: 'InternalServiceException', status: 500 } },
  seed: (account, world) => seedTagging(account, world),
  operations: [
    operation(GetResourcesCommand, (input, ctx) => {
      if (input.ResourceARNList?.length && (input.TagFilters?.length || input.ResourceTypeFilters?.length || input.ResourcesPerPage !== undefined || input.TagsPerPage !== undefined)) {
        throw invalidParameter('ResourceARNList cannot be combined with TagFilters, ResourceTypeFilters, ResourcesPerPage or TagsPerPage.');
      }
      if (input.ResourceTypeFilters?.length || input.IncludeComplianceDetails || input.ExcludeCompliantResources) {
        throw invalidParameter('ResourceTypeFilters and compliance details are not supported by the simulated Resource Groups Tagging API.');
      }
      if (input.TagsPerPage !== undefined && (input.TagsPerPage < 100 || input.TagsPerPage > 500)) {
        throw invalidParameter(`TagsPerPage must be between 100 and 500; ${input.TagsPerPage} was given.`);
      }
      let items = state(ctx);
      if (input.ResourceARNList?.length) items = items.filter((m) => input.ResourceARNList!.includes(m.ResourceARN ?? ''));
      for (const f of input.TagFilters ?? []) {
        items = items.filter((m) => (m.Tags ?? []).some((t) => t.Key === f.Key && (!f.Values?.length || f.Values.includes(t.Value ?? ''))));
      }
      const { page, nextToken } = paginate(items, {
        token: input.PaginationToken || undefined,
        limit: input.ResourcesPerPage,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `GetResources/${JSON.stringify([input.TagFilters ?? [], input.ResourceARNList ?? []])}`,
        invalidToken: () => invalidParameter('The specified pagination token is not valid.'),
        invalidLimit: (n) => invalidParameter(`ResourcesPerPage must be between 1 and 100; ${n} was given.`),
      });
      // The service answers an empty PaginationToken on the last page.
      return { ResourceTagMappingList: page, PaginationToken: nextToken ?? '' };
    }),
  ],
};
