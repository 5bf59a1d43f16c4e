import { describe, expect, it } from 'vitest';
import {
  ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  InvalidLimitException,
  InvalidNextTokenException,
  InvalidTimeRangeException,
  ListDiscoveredResourcesCommand,
  ResourceNotDiscoveredException,
  NoAvailableConfigurationRecorderException,
  paginateGetResourceConfigHistory,
  paginateListDiscoveredResources,
  type ConfigurationItem,
} from '@aws-sdk/client-config-service';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { demoWorldWithHistory } from '../../src/simulator/worlds/demo-aws-history.js';
import { clientConfig, useSimulator } from './helpers.js';

const NOW = new Date();
const DAY = 86_400_000;
const BUCKET = 'demo-production-access-logs';

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('AWS Config configuration history of the demo account, derived from its day-by-day drift', () => {
  const sim = useSimulator(() => ({ world: demoWorldWithHistory(20, NOW), faults: { rateLimits: {} } }));
  const config = () => new ConfigServiceClient(clientConfig(sim()));

  it('lists discovered resources page by page and keeps each resource’s items, the public-bucket change among them', async () => {
    const pages = await all(paginateListDiscoveredResources({ client: config(), pageSize: 2 }, { resourceType: 'AWS::S3::Bucket' }));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((p) => p.resourceIdentifiers!.map((r) => r.resourceId))).toContain(BUCKET);

    const items: ConfigurationItem[] = (await all(paginateGetResourceConfigHistory({ client: config(), pageSize: 1 }, { resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, chronologicalOrder: 'Forward' }))).flatMap((p) => p.configurationItems!);
    // Discovered, made public nine days before the end, closed again the day after.
    expect(items.map((i) => i.configurationItemStatus)).toEqual(['ResourceDiscovered', 'OK', 'OK']);
    const pab = (i: ConfigurationItem) => JSON.parse(i.supplementaryConfiguration!.PublicAccessBlockConfiguration) as { blockPublicAcls: boolean };
    expect(items.map((i) => pab(i).blockPublicAcls)).toEqual([true, false, true]);
    expect(JSON.parse(items[1].supplementaryConfiguration!.BucketPolicy)).toMatchObject({ policyText: expect.stringContaining('TemporaryPublicRead') });
    const day = (i: ConfigurationItem) => i.configurationItemCaptureTime!.toISOString().slice(0, 10);
    expect(day(items[1])).toBe(new Date(NOW.getTime() - 9 * DAY).toISOString().slice(0, 10));
    // Reverse (the default) is newest first; a time window keeps only the items captured in it.
    const reverse = await config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, limit: 100 }));
    expect(reverse.configurationItems!.map((i) => i.configurationStateId)).toEqual([...items].reverse().map((i) => i.configurationStateId));
    const windowed = await config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, earlierTime: new Date(NOW.getTime() - 9.5 * DAY), laterTime: new Date(NOW.getTime() - 8.5 * DAY) }));
    expect(windowed.configurationItems!.map((i) => i.configurationItemStatus)).toEqual(['OK']);
  });

  it('records the trail stopped and restarted (IsLogging), with every trail item carrying its event selectors', async () => {
    const items = (await config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::CloudTrail::Trail', resourceId: 'management-events', chronologicalOrder: 'Forward', limit: 100 }))).configurationItems!;
    const cfg = items.map((i) => JSON.parse(i.configuration!) as { IsLogging: boolean; EventSelectors?: unknown[] });
    expect(cfg.map((c) => c.IsLogging)).toEqual([true, false, true]);
    expect(cfg.every((c) => (c.EventSelectors?.length ?? 0) > 0)).toBe(true);
  });

  it('answers with the published errors: unknown resource, bad time range, bad limit, foreign token, missing type', async () => {
    await expect(config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: 'no-such-bucket' }))).rejects.toBeInstanceOf(ResourceNotDiscoveredException);
    await expect(config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, earlierTime: NOW, laterTime: new Date(NOW.getTime() - DAY) }))).rejects.toBeInstanceOf(InvalidTimeRangeException);
    await expect(config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, limit: 101 }))).rejects.toBeInstanceOf(InvalidLimitException);
    const first = await config().send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket', limit: 1 }));
    await expect(config().send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET, nextToken: first.nextToken }))).rejects.toBeInstanceOf(InvalidNextTokenException);
    await expect(config().send(new ListDiscoveredResourcesCommand({ resourceType: undefined as never }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('a world built without a history, and an account without a recorder', () => {
  const sim = useSimulator(() => {
    const world = demoWorld();
    world.account(DEMO_ACCOUNT_ID)!.regions.get('us-west-2')!.config!.recorders.length = 0;
    return { world, faults: { rateLimits: {} } };
  });
  const config = (region: string) => new ConfigServiceClient(clientConfig(sim(), { region }));

  it('records its resources since they were created (at most a year back), so a current resource has one discovered item', async () => {
    const items = (await config('us-east-1').send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::S3::Bucket', resourceId: BUCKET }))).configurationItems!;
    expect(items.map((i) => i.configurationItemStatus)).toEqual(['ResourceDiscovered']);
    expect(items[0].configurationItemCaptureTime!.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 366 * DAY);
  });

  it('NoAvailableConfigurationRecorderException where no recorder exists', async () => {
    await expect(config('us-west-2').send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::KMS::Key' }))).rejects.toBeInstanceOf(NoAvailableConfigurationRecorderException);
  });
});
