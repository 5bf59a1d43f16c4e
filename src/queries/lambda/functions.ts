import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { loadLambdaSdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext } from '../types.js';
import { apiCase, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/**
 * ListFunctions, all pages. Environment variable values come back with each function; the collect path redacts them
 * (rule env-var-value) before the body is hashed or stored, so only their names reach the evidence.
 */
export interface LambdaFunctionsEvidence {
  functions: FunctionConfiguration[];
}

export async function listFunctions(ctx: QueryContext): Promise<LambdaFunctionsEvidence> {
  const { LambdaClient, paginateListFunctions } = await loadLambdaSdk();
  const functions: FunctionConfiguration[] = [];
  for await (const page of paginateListFunctions({ client: ctx.clients.get(LambdaClient), pageSize: 50 }, {})) {
    ctx.signal?.throwIfAborted();
    functions.push(...(stripMetadata(page).Functions ?? []));
  }
  return { functions };
}

export const functionArn = (fn: FunctionConfiguration, region: string, accountId: string) => fn.FunctionArn ?? `arn:aws:lambda:${region}:${accountId}:function:${fn.FunctionName}`;

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
