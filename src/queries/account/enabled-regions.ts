import type { Region } from '@aws-sdk/client-account';
import { loadAccountSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** ListRegions, every page, no status filter: every Region of the account with its opt-in status, as AWS lists it. */
export interface EnabledRegionsEvidence {
  regions: Region[];
}

/** Its record in each collection run says which regions of the account the run could have had to collect. */
export const ENABLED_REGIONS_QUERY_ID = 'account.enabled-regions';

/**
 * Opt-in statuses under which a region can hold resources: enabled (by default or by opt-in), and the two
 * transitions (a region being disabled still holds what was created in it; one being enabled may already).
 */
const MAY_HOLD_RESOURCES = new Set(['ENABLED', 'ENABLED_BY_DEFAULT', 'ENABLING', 'DISABLING']);

/** The regions of the evidence that can hold resources (every status but DISABLED), sorted; undefined when the evidence holds no list. */
export function enabledRegionsOf(data: unknown): string[] | undefined {
  const regions = (data as Partial<EnabledRegionsEvidence> | undefined)?.regions;
  if (!Array.isArray(regions)) return undefined;
  return [...new Set(regions.filter((r) => r?.RegionName && MAY_HOLD_RESOURCES.has(r.RegionOptStatus ?? '')).map((r) => r.RegionName!))].sort();
}

export const enabledRegions = defineQuery<EnabledRegionsEvidence>({
  id: ENABLED_REGIONS_QUERY_ID,
  service: 'account',
  title: 'The regions enabled in the account, as the Account API lists them',
  description:
    'Every region of the account with its opt-in status (ENABLED_BY_DEFAULT, ENABLED, ENABLING, DISABLING, DISABLED) from account:ListRegions. Collected in every run whatever the frameworks, so the package can name the enabled regions a run did not collect. It shows where resources can exist, not where they do, nor that any region holds or does not hold account data.',
  remediation:
    'Collect every enabled region (regions.source: enabled), or declare the regions that hold no system component out of scope with a reason (a scope exclusion with a region); disable regions the organisation does not use (or deny them with a service control policy).',
  scope: 'global',
  apiCalls: ['account:ListRegions'],
  async collect(ctx) {
    const { AccountClient, paginateListRegions } = await loadAccountSdk();
    const regions: Region[] = [];
    // No RegionOptStatusContains filter: the disabled regions are part of the evidence (what could not hold anything).
    for await (const page of paginateListRegions({ client: ctx.clients.get(AccountClient), pageSize: 50 }, {}, ...(ctx.signal ? [{ abortSignal: ctx.signal }] : []))) {
      ctx.signal?.throwIfAborted();
      regions.push(...(stripMetadata(page).Regions ?? []));
    }
    return { regions };
  },
  evaluate(data, _params, ctx) {
    const listed = data?.regions;
    if (!Array.isArray(listed)) return [{ resource: `arn:aws:iam::${ctx.accountId}:root`, resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListRegions answer' }];
    const results: ResourceResult[] = listed
      .filter((r) => r.RegionName && MAY_HOLD_RESOURCES.has(r.RegionOptStatus ?? ''))
      .map((r) => ({
        resource: `${ctx.accountId}/${r.RegionName}`,
        resourceType: 'AWS::::Account',
        status: 'pass' as const,
        reason: `region ${r.RegionName} is ${r.RegionOptStatus} in account ${ctx.accountId}: resources can exist there (an inventory entry; whether it holds system components is not shown)`,
      }));
    if (!results.length) results.push({ resource: `arn:aws:iam::${ctx.accountId}:root`, resourceType: 'AWS::::Account', status: 'error', reason: `ListRegions listed no enabled region for account ${ctx.accountId}` });
    return results;
  },
});
