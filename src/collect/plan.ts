import type { Config } from '../config/schema.js';
import type { Catalog } from '../controls/schema.js';
import { ConfigError } from '../errors.js';
import { ALL_QUERIES, queryById } from '../queries/index.js';
import type { EvidenceQuery, QueryParameters } from '../queries/types.js';
import { PUBLISHED_RATE_LIMITS } from '../aws/rate-limit.js';
import type { AccountTarget } from './targets.js';
import { scopeUsesTags } from '../config/scope.js';
import { TAGGING_QUERY_ID } from '../queries/tagging/resources.js';
import { ENABLED_REGIONS_QUERY_ID } from '../queries/account/enabled-regions.js';

/** One query to run in one account and region (`global` for global queries), with its parameters. */
export interface CollectionTask {
  target: AccountTarget;
  query: EvidenceQuery<unknown>;
  region: string;
  params: QueryParameters;
  /** The query calls an API with a published rate limit: its calls are paced. */
  paced: boolean;
}

export interface RunPlan {
  frameworks: string[];
  queries: EvidenceQuery<unknown>[];
  /** Every region of the targets, sorted. */
  regions: string[];
  tasks: CollectionTask[];
}

export interface PlanSelection {
  /** Default: `config.frameworks`. */
  frameworks?: string[];
  /** Only these query ids (each must be known). */
  queries?: string[];
}

/** Accounts collected side by side (see the task order in planTasks). */
const ACCOUNT_GROUP = 8;

/** The queries a run needs: every query the selected frameworks' requirements cite (collect once, map many). */
export function plannedQueries(catalogs: Catalog[], frameworks: string[], only?: string[]): EvidenceQuery<unknown>[] {
  if (only?.length) {
    const unknown = only.filter((id) => !queryById(id));
    if (unknown.length) {
      throw new ConfigError(`unknown query id(s): ${unknown.join(', ')}`, `run \`evidence-locker controls list --framework <id> --format json\` to see the query ids; known: ${ALL_QUERIES.map((q) => q.id).join(', ')}`);
    }
  }
  const ids = new Set<string>();
  for (const f of frameworks) {
    const c = catalogs.find((x) => x.framework === f);
    if (!c) throw new ConfigError(`unknown framework "${f}"`, `known frameworks: ${catalogs.map((x) => x.framework).join(', ')}`);
    for (const r of c.requirements) for (const q of r.queries) ids.add(q);
  }
  const selected = [...ids].filter((id) => !only?.length || only.includes(id));
  return selected.map((id) => queryById(id)).filter((q): q is EvidenceQuery<unknown> => q !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The plan stage, pure: which query runs in which account and region, in which order, with which parameters.
 * No AWS call and no store write happens here; `runCollection` executes the tasks and seals the run.
 */
export function planRun(catalogs: Catalog[], config: Config, targets: readonly AccountTarget[], selection: PlanSelection = {}): RunPlan {
  const frameworks = selection.frameworks?.length ? selection.frameworks : config.frameworks;
  const queries = plannedQueries(catalogs, frameworks, selection.queries);
  // Tag selectors need each run's own tags; an explicit --queries list is taken as given.
  const tagging = queryById(TAGGING_QUERY_ID);
  if (!selection.queries?.length && tagging && scopeUsesTags(config.scope, frameworks) && !queries.includes(tagging)) queries.push(tagging);
  // Every run records the account's enabled regions, whatever the frameworks and whatever an explicit --queries list
  // says: the package names those it did not collect and caps regional results by them, so a run made without the
  // record (a partial run) would otherwise be judged as if every enabled region had been collected.
  const enabled = queryById(ENABLED_REGIONS_QUERY_ID);
  if (enabled && !queries.includes(enabled)) queries.push(enabled);
  queries.sort((a, b) => a.id.localeCompare(b.id));
  return { frameworks, queries, regions: [...new Set(targets.flatMap((t) => t.regions))].sort(), tasks: planTasks(queries, targets, config) };
}

/**
 * Queries paced by a published rate limit come first, for every account: their chains of paced calls are the
 * longest. The rest go a group of accounts at a time, query-major within the group: consecutive tasks spread
 * over the group's accounts (each account's own API limits see a trickle, not a burst), and an account-region's
 * clients can be released once its group is done, so memory does not grow with the size of the organisation.
 */
export function planTasks(queries: readonly EvidenceQuery<unknown>[], targets: readonly AccountTarget[], config: Config): CollectionTask[] {
  const tasks: CollectionTask[] = [];
  const plan = (query: EvidenceQuery<unknown>, group: readonly AccountTarget[]) => {
    const params = queryParameters(query, config);
    const paced = isRateLimited(query);
    for (const target of group) {
      if (query.scope === 'global') tasks.push({ target, query, region: 'global', params, paced });
      else for (const region of target.regions) tasks.push({ target, query, region, params, paced });
    }
  };
  for (const query of queries.filter(isRateLimited)) plan(query, targets);
  for (let i = 0; i < targets.length; i += ACCOUNT_GROUP) {
    for (const query of queries.filter((q) => !isRateLimited(q))) plan(query, targets.slice(i, i + ACCOUNT_GROUP));
  }
  return tasks;
}

/** Whether a query calls an API with a published per-account, per-region rate limit (its calls are paced). */
function isRateLimited(query: EvidenceQuery<unknown>): boolean {
  return query.apiCalls.some((a) => PUBLISHED_RATE_LIMITS[a] !== undefined);
}

/** A query's parameters at collection time: each one's `collect` setting when configured, else the query's default. */
export function queryParameters(query: EvidenceQuery<unknown>, config: Config): QueryParameters {
  const params: QueryParameters = {};
  for (const [name, spec] of Object.entries(query.parameters ?? {})) {
    const configured = spec.collectSetting ? config.collect[spec.collectSetting] : undefined;
    params[name] = configured ?? spec.default;
  }
  return params;
}
