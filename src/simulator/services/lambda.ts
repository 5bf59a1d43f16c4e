import { GetRuntimeManagementConfigCommand, ListFunctionsCommand, type FunctionConfiguration, type UpdateRuntimeOn } from '@aws-sdk/client-lambda';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedLambda } from '../worlds/seed-lambda.js';

/** Lambda in one account and region: function configurations as GetFunctionConfiguration returns them. */
export interface LambdaState {
  /** Each function's unpublished version ($LATEST), by its unqualified ARN. */
  functions: FunctionConfiguration[];
  /** Published versions (Version '1', '2' …, FunctionArn qualified with it), each keeping its own configuration. */
  versions: FunctionConfiguration[];
  /**
   * Runtime update modes set with PutRuntimeManagementConfig, by `<function name>:<version>` ($LATEST or a published
   * version number); a function version with none set is on Auto, Lambda's default.
   */
  runtimeManagement: Record<string, { UpdateRuntimeOn: UpdateRuntimeOn; RuntimeVersionArn?: string }>;
}

declare module '../world.js' {
  interface RegionalState {
    lambda: LambdaState;
  }
}

export function lambdaState(account: SimAccount, region: string): LambdaState {
  return account.regional(region, 'lambda', () => ({ functions: [], versions: [], runtimeManagement: {} }));
}

const state = (ctx: CallContext) => lambdaState(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterValueException', message, 400, { Type: 'User' });
const notFound = (message: string) => new SimError('ResourceNotFoundException', message, 404, { Type: 'User' });

/** The function name from a FunctionName parameter (a name, a full or partial ARN, possibly qualified) and its qualifier. */
function nameAndQualifier(functionName: string | undefined): { name: string; qualifier?: string } {
  const m = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_.-]+)(?::([$A-Za-z0-9_-]+))?$/.exec(functionName ?? '');
  if (!m) throw invalidParameter(`1 validation error detected: Value '${functionName ?? ''}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
  return { name: m[1], qualifier: m[2] };
}

export const lambda: SimService = {
  name: 'lambda',
  signingName: 'lambda',
  protocol: restJson1,
  errors: { serverError: { code: 'ServiceException', status: 500 } },
  seed: (account, world) => seedLambda(account, world),
  operations: [
    operation(ListFunctionsCommand, (input, ctx) => {
      if (input.MasterRegion) throw invalidParameter('MasterRegion is not supported by the simulated Lambda.');
      if (input.FunctionVersion !== undefined && input.FunctionVersion !== 'ALL') {
        throw invalidParameter(`1 validation error detected: Value '${String(input.FunctionVersion)}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]`);
      }
      // FunctionVersion=ALL: each function's $LATEST (its ARN qualified with :$LATEST) followed by its published versions.
      const { functions, versions } = state(ctx);
      const entries =
        input.FunctionVersion === 'ALL'
          ? functions.flatMap((fn) => [
              { ...fn, FunctionArn: `${fn.FunctionArn}:$LATEST` },
              ...versions.filter((v) => v.FunctionName === fn.FunctionName).sort((a, b) => Number(a.Version) - Number(b.Version)),
            ])
          : functions;
      // Lambda returns at most 50 functions per page whatever MaxItems asks for (1-10000 accepted).
      const { page, nextToken } = paginate(entries, {
        token: input.Marker,
        limit: input.MaxItems === undefined ? undefined : Math.min(input.MaxItems, 50),
        defaultLimit: 50,
        maxLimit: 50,
        scope: 'ListFunctions',
        invalidToken: () => invalidParameter('Invalid marker.'),
        invalidLimit: (n) => invalidParameter(`1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`),
      });
      return { Functions: page, NextMarker: nextToken };
    }),

    // GetRuntimeManagementConfig: the runtime update mode of one function version; RuntimeVersionArn only on Manual.
    operation(GetRuntimeManagementConfigCommand, (input, ctx) => {
      const { name, qualifier: inArn } = nameAndQualifier(input.FunctionName);
      const qualifier = input.Qualifier || inArn || '$LATEST';
      const { functions, versions, runtimeManagement } = state(ctx);
      const fn = functions.find((f) => f.FunctionName === name);
      const entry = qualifier === '$LATEST' ? fn : versions.find((v) => v.FunctionName === name && v.Version === qualifier);
      if (!fn || !entry) throw notFound(`Function not found: arn:aws:lambda:${ctx.region}:${ctx.account.id}:function:${name}:${qualifier}`);
      const set: LambdaState['runtimeManagement'][string] = runtimeManagement[`${name}:${qualifier}`] ?? { UpdateRuntimeOn: 'Auto' };
      return {
        UpdateRuntimeOn: set.UpdateRuntimeOn,
        FunctionArn: qualifier === '$LATEST' ? fn.FunctionArn : entry.FunctionArn,
        ...(set.UpdateRuntimeOn === 'Manual' && set.RuntimeVersionArn ? { RuntimeVersionArn: set.RuntimeVersionArn } : {}),
      };
    }),
  ],
};
