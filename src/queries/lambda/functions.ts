import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { loadLambdaSdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext } from '../types.js';

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
