import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { loadLambdaSdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext, type ResourceResult } from '../types.js';
import { apiCase, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/**
 * ListFunctions with FunctionVersion=ALL, all pages: each function's unpublished version ($LATEST) and every published
 * version, each with its own configuration (a published version is immutable and keeps the runtime and environment it
 * was published with; an alias can route traffic to it). Environment variable values come back with each entry; the
 * collect path redacts them (rule env-var-value) before the body is hashed or stored, so only their names reach the
 * evidence.
 */
export interface LambdaFunctionsEvidence {
  functions: FunctionConfiguration[];
  /** 'ALL' when published versions were listed; absent in evidence sealed before they were (and in AWS Config items). */
  functionVersion?: 'ALL';
}

export async function listFunctions(ctx: QueryContext): Promise<LambdaFunctionsEvidence> {
  const { LambdaClient, paginateListFunctions } = await loadLambdaSdk();
  const functions: FunctionConfiguration[] = [];
  for await (const page of paginateListFunctions({ client: ctx.clients.get(LambdaClient), pageSize: 50 }, { FunctionVersion: 'ALL' })) {
    ctx.signal?.throwIfAborted();
    functions.push(...(stripMetadata(page).Functions ?? []));
  }
  return { functionVersion: 'ALL', functions };
}

const isPublished = (fn: FunctionConfiguration) => fn.Version !== undefined && fn.Version !== '$LATEST';

/**
 * The resource a ListFunctions entry describes: a published version by its qualified ARN (`…:function:name:3`); the
 * unpublished version by the function's unqualified ARN (which invokes $LATEST; ListFunctions with FunctionVersion=ALL
 * may qualify it with `:$LATEST`), as earlier runs and AWS Config name it.
 */
export function functionArn(fn: FunctionConfiguration, region: string, accountId: string): string {
  const arn = fn.FunctionArn ?? `arn:aws:lambda:${region}:${accountId}:function:${fn.FunctionName}`;
  const unqualified = arn.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1');
  return isPublished(fn) ? `${unqualified}:${fn.Version}` : unqualified;
}

/**
 * The resource and type of a ListFunctions entry's results: a published version names its function as its parent, so
 * it is in a framework's scope whenever the function is (a resource glob or tag naming the function selects its
 * versions too), unless an exclusion selects the version itself.
 */
export function functionResource(fn: FunctionConfiguration, region: string, accountId: string): Pick<ResourceResult, 'resource' | 'resourceType' | 'parent'> {
  const resource = functionArn(fn, region, accountId);
  const resourceType = 'AWS::Lambda::Function';
  return isPublished(fn) ? { resource, resourceType, parent: { resource: resource.slice(0, resource.lastIndexOf(':')), resourceType } } : { resource, resourceType };
}

/** How a reason names an entry: `function checkout`, or `function checkout version 3`. */
export const functionLabel = (fn: FunctionConfiguration) => `function ${fn.FunctionName}${isPublished(fn) ? ` version ${fn.Version}` : ''}`;

/**
 * What evidence without published versions leaves unjudged (said instead of passing), or undefined when ListFunctions
 * was asked for every version.
 */
export function unlistedVersions(data: LambdaFunctionsEvidence): string | undefined {
  if (data.functionVersion === 'ALL') return undefined;
  return 'its published versions (which an alias can serve, each with the runtime and environment it was published with) are not in this evidence, which lists each function’s unpublished configuration only (ListFunctions without FunctionVersion=ALL, as runs before this version collected it, or AWS Config items)';
}

/**
 * AWS::Lambda::Function configuration items as ListFunctions evidence (one item per function, its $LATEST
 * configuration). AWS Config records `state` and `stateReason` as `{ value }` objects and KMSKeyArn as `kmskeyArn`;
 * it records no environment variables, so only queries that do not read them are answered from these items.
 */
export const LAMBDA_FUNCTION_ITEMS: ConfigItemFamily<LambdaFunctionsEvidence> = {
  resourceTypes: ['AWS::Lambda::Function'],
  toEvidence: (items) => ({ functions: items.map(functionFromItem) }),
};

function functionFromItem(item: ConfigItem): FunctionConfiguration {
  // AWS Config does not record environment variables; dropped so no evaluation could read them from an item.
  const { state, stateReason, kmskeyArn, environment: _environment, ...rest } = item.configuration;
  const value = (v: unknown) => (v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v);
  const fn = apiCase<FunctionConfiguration>(rest);
  return {
    ...fn,
    FunctionName: fn.FunctionName ?? item.resourceName ?? item.resourceId,
    ...(fn.FunctionArn || item.arn ? { FunctionArn: fn.FunctionArn ?? item.arn } : {}),
    ...(state !== undefined ? { State: value(state) as FunctionConfiguration['State'] } : {}),
    ...(stateReason !== undefined ? { StateReason: value(stateReason) as string } : {}),
    ...(typeof kmskeyArn === 'string' ? { KMSKeyArn: kmskeyArn } : {}),
  };
}
