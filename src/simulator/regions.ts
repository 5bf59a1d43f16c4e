import type { SimAccount } from './world.js';

/** Commercial regions enabled by default in every account. */
export const DEFAULT_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
] as const;

/** Regions an account must opt in to; calls to them fail with an auth error until enabled. */
export const OPT_IN_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
  'ca-west-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1',
] as const;

const DEFAULT_SET = new Set<string>(DEFAULT_REGIONS);
const OPT_IN_SET = new Set<string>(OPT_IN_REGIONS);

export function isDefaultRegion(region: string): boolean {
  return DEFAULT_SET.has(region);
}

export function isOptInRegion(region: string): boolean {
  return OPT_IN_SET.has(region);
}

/** Whether a request signed for `region` can reach the account there (as the real endpoints behave). */
export function isRegionUsable(account: SimAccount, region: string): boolean {
  if (DEFAULT_SET.has(region)) return true;
  if (OPT_IN_SET.has(region)) return account.enabledRegions.includes(region);
  return false;
}
