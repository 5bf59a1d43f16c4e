import type { FrameworkScope } from '../config/scope.js';
import { isDelegatedReadQuery, type EvidenceBody } from '../evidence/record.js';
import type { RunManifest } from '../evidence/manifest.js';
import { ENABLED_REGIONS_QUERY_ID, enabledRegionsOf } from '../queries/account/enabled-regions.js';

/**
 * What one run shows about an account's regions: the regions it collected regional evidence in, and against them the
 * regions the account has enabled (its sealed account.enabled-regions record). `not-recorded`: the run was sealed
 * without that query (by a version before it existed, or, before every run recorded it, with an explicit --queries list), so
 * nothing is known and nothing is judged.
 */
export type RunAccountRegions =
  | { state: 'not-recorded'; collected: string[] }
  | { state: 'unknown'; why: string; collected: string[] }
  | { state: 'known'; enabled: string[]; collected: string[]; uncollected: string[] };

/**
 * What the run shows about the regions of each of `accounts`, in one pass over its records (a run of a thousand accounts
 * holds hundreds of thousands): regions collected (regional records, error records included: the region was looked at)
 * and the sealed account.enabled-regions answer, read through `load` (which checks its hash).
 */
export async function runRegions(manifest: Pick<RunManifest, 'records' | 'scope'>, accounts: readonly string[], load: (sha256: string) => Promise<EvidenceBody>): Promise<Map<string, RunAccountRegions>> {
  const wanted = new Set(accounts);
  const collected = new Map<string, Set<string>>();
  const listing = new Map<string, string>();
  for (const r of manifest.records) {
    // An organisation-wide read is made from the audit account: it collected none of that account's regions.
    if (!wanted.has(r.accountId) || isDelegatedReadQuery(r.queryId)) continue;
    if (r.queryId === ENABLED_REGIONS_QUERY_ID) listing.set(r.accountId, r.sha256);
    else if (r.region !== 'global') {
      const set = collected.get(r.accountId) ?? new Set<string>();
      set.add(r.region);
      collected.set(r.accountId, set);
    }
  }
  const recorded = manifest.scope.queries.includes(ENABLED_REGIONS_QUERY_ID);
  const out = new Map<string, RunAccountRegions>();
  for (const accountId of accounts) {
    const regions = [...(collected.get(accountId) ?? [])].sort();
    out.set(accountId, recorded ? await accountRegions(listing.get(accountId), regions, load) : { state: 'not-recorded', collected: regions });
  }
  return out;
}

async function accountRegions(sha256: string | undefined, collected: string[], load: (sha256: string) => Promise<EvidenceBody>): Promise<RunAccountRegions> {
  if (!sha256) return { state: 'unknown', why: 'the run holds no account.enabled-regions record for this account (the account was not reached)', collected };
  let body: EvidenceBody;
  try {
    body = await load(sha256);
  } catch (err) {
    return { state: 'unknown', why: `its account.enabled-regions record could not be read: ${(err as Error).message}`, collected };
  }
  // A live run's error names the call (account:ListRegions); a rebuilt day's names none (no history holds the answer).
  if (body.status === 'error') return { state: 'unknown', why: `${body.error?.operation ?? ENABLED_REGIONS_QUERY_ID}: ${body.error?.code ?? 'Error'}: ${body.error?.message ?? 'no answer'}`, collected };
  const enabled = enabledRegionsOf(body.data);
  if (!enabled?.length) return { state: 'unknown', why: 'its account.enabled-regions record lists no enabled region', collected };
  return { state: 'known', enabled, collected, uncollected: enabled.filter((r) => !collected.includes(r)) };
}

/**
 * Why a framework's declared scope puts a whole region of an account out of scope, or undefined when it does not:
 * the account is outside `accounts`, the region outside `regions`, or an exclusion selects the region as a whole
 * (a selector with `region`, optionally `account`, and nothing narrower), with its reason.
 */
export function regionOutOfScope(scope: FrameworkScope | undefined, accountId: string, region: string): string | undefined {
  if (!scope) return undefined;
  if (scope.accounts && !scope.accounts.includes(accountId)) return `account ${accountId} is not in the declared scope`;
  if (scope.regions && !scope.regions.includes(region)) return `region ${region} is not among the regions of the declared scope (${scope.regions.join(', ')})`;
  const ex = scope.exclude.find((s) => s.region === region && (s.account === undefined || s.account === accountId) && s.resource === undefined && s.resourceType === undefined && s.tags === undefined);
  return ex ? `excluded: ${ex.reason}` : undefined;
}

/**
 * What a run's regions leave unproven for one framework and account, or undefined when nothing: the enabled regions it
 * did not collect that the scope does not exclude, or (enabled regions unknown) that regions besides the collected
 * ones may hold in-scope resources. A run without the record (`not-recorded`) is never judged: its results stand.
 */
export function regionShortfall(regions: RunAccountRegions, scope: FrameworkScope | undefined, accountId: string): { kind: 'uncollected'; regions: string[] } | { kind: 'unknown'; why: string } | undefined {
  if (regions.state === 'not-recorded') return undefined;
  if (regions.state === 'known') {
    const open = regions.uncollected.filter((r) => regionOutOfScope(scope, accountId, r) === undefined);
    return open.length ? { kind: 'uncollected', regions: open } : undefined;
  }
  // Unknown: only a scope that leaves out the account, or names its regions and every one of them was collected, closes it.
  if (scope?.accounts && !scope.accounts.includes(accountId)) return undefined;
  if (scope?.regions && scope.regions.every((r) => regions.collected.includes(r))) return undefined;
  return { kind: 'unknown', why: regions.why };
}
