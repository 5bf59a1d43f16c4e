import { describe, expect, it } from 'vitest';
import { AccountClient, ListRegionsCommand, type ListRegionsCommandOutput } from '@aws-sdk/client-account';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { ENABLED_REGIONS_QUERY_ID, enabledRegions, enabledRegionsOf } from '../../../src/queries/account/enabled-regions.js';
import { DEFAULT_REGIONS, OPT_IN_REGIONS } from '../../../src/simulator/regions.js';
import { DEMO_ACCOUNT_ID, simulatorClientConfig } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: '2026-06-01T00:00:00.000Z' };

/** Shaped as the Account API reference documents ListRegions' answer (RegionName, RegionOptStatus). */
const page: Omit<ListRegionsCommandOutput, '$metadata'> = {
  Regions: [
    { RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' },
    { RegionName: 'eu-south-1', RegionOptStatus: 'ENABLING' },
    { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
    { RegionName: 'me-south-1', RegionOptStatus: 'ENABLED' },
    { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
  ],
};

describe('account.enabled-regions', () => {
  it('is registered, global, and calls account:ListRegions only', () => {
    expect(queryById(ENABLED_REGIONS_QUERY_ID)).toBe(enabledRegions);
    expect(enabledRegions.scope).toBe('global');
    expect(enabledRegions.apiCalls).toEqual(['account:ListRegions']);
  });

  it('counts every region that can hold resources (all but DISABLED) and lists each as an inventory entry', () => {
    const data = JSON.parse(canonicalJson({ regions: page.Regions })) as unknown;
    expect(enabledRegionsOf(data)).toEqual(['eu-south-1', 'eu-west-1', 'me-south-1', 'us-east-1']);
    const results = enabledRegions.evaluate(data, {}, ctx);
    expect(results.map((r) => [r.resource, r.status])).toEqual([
      [`${DEMO_ACCOUNT_ID}/eu-south-1`, 'pass'],
      [`${DEMO_ACCOUNT_ID}/eu-west-1`, 'pass'],
      [`${DEMO_ACCOUNT_ID}/me-south-1`, 'pass'],
      [`${DEMO_ACCOUNT_ID}/us-east-1`, 'pass'],
    ]);
    expect(results[1].reason).toMatch(/eu-west-1 is ENABLED_BY_DEFAULT.*not shown/);
  });

  it('an answer without a list is an error, never an empty account', () => {
    expect(enabledRegionsOf({})).toBeUndefined();
    expect(enabledRegions.evaluate({} as never, {}, ctx)[0].status).toBe('error');
    expect(enabledRegions.evaluate({ regions: [{ RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' }] } as never, {}, ctx)[0].status).toBe('error');
  });
});

describe('account.enabled-regions against the simulated demo account', () => {
  const session = demoSession();
  it('pages through ListRegions with no status filter and keeps every region with its status', async () => {
    const { results, calls, data } = await session.run(queryById(ENABLED_REGIONS_QUERY_ID)!, 'us-east-1');
    // 32 regions at 50 a page: one call, no filter (disabled regions are evidence too).
    expect(calls.map((c) => [c.operation, c.input])).toEqual([['account:ListRegions', { MaxResults: 50 }]]);
    const regions = (data as { regions: { RegionName: string; RegionOptStatus: string }[] }).regions;
    expect(regions).toHaveLength(DEFAULT_REGIONS.length + OPT_IN_REGIONS.length);
    expect(regions.find((r) => r.RegionName === 'af-south-1')).toEqual({ RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' });
    expect(enabledRegionsOf(data)).toEqual([...DEFAULT_REGIONS].sort());
    expect(results).toHaveLength(DEFAULT_REGIONS.length);
    expect(results.every((r) => r.status === 'pass')).toBe(true);
  });

  it('answers ListRegions as the API reference documents: status filter, MaxResults paging, errors for another account or an unknown status', async () => {
    const client = new AccountClient(simulatorClientConfig(session.sim, { accountId: DEMO_ACCOUNT_ID, maxAttempts: 1 }));
    try {
      const enabled = await client.send(new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 10 }));
      expect(enabled.Regions).toHaveLength(10);
      expect(enabled.Regions!.every((r) => r.RegionOptStatus === 'ENABLED_BY_DEFAULT')).toBe(true);
      const rest = await client.send(new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 10, NextToken: enabled.NextToken }));
      expect(rest.Regions).toHaveLength(DEFAULT_REGIONS.length - 10);
      expect(rest.NextToken).toBeUndefined();
      await expect(client.send(new ListRegionsCommand({ AccountId: '999988887777' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      await expect(client.send(new ListRegionsCommand({ RegionOptStatusContains: ['ON' as never] }))).rejects.toMatchObject({ name: 'ValidationException' });
    } finally {
      client.destroy();
    }
  });
});
