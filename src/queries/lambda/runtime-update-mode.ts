import type { FunctionConfiguration, GetRuntimeManagementConfigCommandOutput } from '@aws-sdk/client-lambda';
import { loadLambdaSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { declaredByRequirement, valueSetBy } from '../parameter-source.js';
import { defineQuery, isCapturedError, toDate, type CapturedError, type EvaluationContext, type ParameterValue, type ResourceResult } from '../types.js';
import { functionArn, functionLabel, functionResource, listFunctions, unlistedVersions, type LambdaFunctionsEvidence } from './functions.js';
import { RUNTIME_DEPRECATION } from './runtime-support.js';

const UPDATES_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html';
const DAY = 86_400_000;

/** GetRuntimeManagementConfig's answer for one function version: its runtime update mode, and the pinned version on Manual. */
export type RuntimeManagementConfig = Omit<GetRuntimeManagementConfigCommandOutput, '$metadata'>;

/** ListFunctions with every version, and the runtime update mode of each entry with a managed runtime. */
export interface LambdaRuntimeModeEvidence extends LambdaFunctionsEvidence {
  /**
   * GetRuntimeManagementConfig of each listed entry with a managed runtime (its Qualifier the entry's version), by the
   * entry's resource ARN (functionArn: unqualified for $LATEST, qualified for a published version), or the error that
   * kept it from us.
   */
  runtimeManagement?: Record<string, RuntimeManagementConfig | CapturedError>;
}

const daysText = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
const isPublished = (fn: FunctionConfiguration) => fn.Version !== undefined && fn.Version !== '$LATEST';

/** The runtime update mode's collection: one GetRuntimeManagementConfig per listed version with a managed runtime. */
export async function readRuntimeManagement(ctx: Parameters<typeof listFunctions>[0]): Promise<LambdaRuntimeModeEvidence> {
  const listed = await listFunctions(ctx);
  const { LambdaClient, GetRuntimeManagementConfigCommand } = await loadLambdaSdk();
  const client = ctx.clients.get(LambdaClient);
  const runtimeManagement: NonNullable<LambdaRuntimeModeEvidence['runtimeManagement']> = {};
  // A container image has no managed runtime to update: Lambda answers nothing useful for it.
  for (const fn of listed.functions) {
    if (!fn.Runtime) continue;
    ctx.signal?.throwIfAborted();
    runtimeManagement[functionArn(fn, ctx.region, ctx.accountId)] = await captureFailure(
      () => client.send(new GetRuntimeManagementConfigCommand({ FunctionName: fn.FunctionName, Qualifier: fn.Version ?? '$LATEST' })),
      ctx.signal,
    );
  }
  return { ...listed, runtimeManagement };
}

/**
 * FunctionUpdate: Lambda moves the unpublished version to the newest runtime version whenever the function is updated,
 * so every runtime patch released before its last update is applied and the ones since wait for the next. With a
 * remediation window the requirement's catalog entry or the organisation's configuration sets, a last update within it
 * leaves no released patch waiting longer than the window; without one (the check's own default does not count), or
 * past it, the date is named for review (Lambda publishes no list of runtime versions, so whether one was released
 * since is not shown). A published version is never updated in this mode.
 */
function judgeFunctionUpdate(fn: FunctionConfiguration, subject: string, window: number, now: number, ctx: EvaluationContext): { status: 'pass' | 'needs-review'; text: string } {
  const modified = toDate(fn.LastModified);
  const mode = 'its runtime update mode is FunctionUpdate';
  if (isPublished(fn)) {
    const when = modified ? `; the version is dated ${modified.toISOString().slice(0, 10)} (LastModified)` : '';
    return { status: 'needs-review', text: `${subject}; ${mode}, and a published version is immutable, so Lambda never moves it to a newer runtime version in this mode${when}; confirm no alias still serves it, or set it to Auto` };
  }
  if (!modified) return { status: 'needs-review', text: `${subject}; ${mode}: Lambda applies runtime patches only when the function is updated, and when it was last updated is not stated (LastModified)` };
  const age = Math.max(0, Math.floor((now - modified.getTime()) / DAY));
  const since = `${mode}: Lambda applies runtime patches only when the function is updated; it was last updated ${modified.toISOString().slice(0, 10)} (${daysText(age)} before collection)`;
  // Only a window the requirement's catalog entry or the organisation's configuration sets can pass: not the check's default.
  if (window <= 0 || !declaredByRequirement(ctx, 'remediationWindowDays')) {
    return { status: 'needs-review', text: `${subject}; ${since}, so runtime patches released since then are not applied; no remediation window is set for this requirement (remediationWindowDays in the configuration's parameters), so confirm it is redeployed often enough, or switch it to Auto` };
  }
  const limit = valueSetBy(ctx, 'remediationWindowDays', window);
  if (age <= window) return { status: 'pass', text: `${subject}; ${since}, within the remediation window (${limit}): Lambda moves a function on this mode to the newest runtime version when it is updated (as AWS documents it), so a runtime patch it lacks was released less than the window ago; the runtime version it runs is not in this evidence` };
  return { status: 'needs-review', text: `${subject}; ${since}, longer ago than the remediation window (${limit}): a runtime patch released between that update and ${new Date(now - window * DAY).toISOString().slice(0, 10)} would be overdue, and whether Lambda released one is not shown (it publishes no list of runtime versions); redeploy it or switch it to Auto` };
}

/** Whether Lambda applies its runtime patches to one function version, from the mode GetRuntimeManagementConfig returned. */
function judgeMode(got: RuntimeManagementConfig, fn: FunctionConfiguration, subject: string, window: number, now: number, ctx: EvaluationContext): { status: 'pass' | 'needs-review'; text: string } {
  const mode = got.UpdateRuntimeOn;
  if (mode === 'Auto') return { status: 'pass', text: `${subject}; its runtime update mode is Auto: Lambda moves it to each new runtime version (runtime security patches) by itself` };
  if (mode === 'FunctionUpdate') return judgeFunctionUpdate(fn, subject, window, now, ctx);
  if (mode === 'Manual') {
    const pinned = got.RuntimeVersionArn ?? fn.RuntimeVersionConfig?.RuntimeVersionArn;
    return { status: 'needs-review', text: `${subject}; its runtime update mode is Manual, pinned to runtime version ${pinned ?? '(not stated)'}: Lambda applies no runtime patches to it until the pin is changed; confirm the pin is a short, recorded rollback, or return it to Auto` };
  }
  return { status: 'needs-review', text: `${subject}; its runtime update mode is ${mode ?? 'not stated'}, which this version does not know, so whether Lambda applies runtime patches to it is not shown` };
}

export const runtimeUpdateMode = defineQuery<LambdaRuntimeModeEvidence>({
  id: 'lambda.runtime-update-mode',
  service: 'lambda',
  title: 'Lambda applies its runtime patches to every function version (runtime update mode)',
  description: `Every Lambda function in the region and every published version of it (ListFunctions with FunctionVersion=ALL), and for each one on a managed runtime its runtime update mode (GetRuntimeManagementConfig, ${UPDATES_PAGE}): Auto lets Lambda move it to each new runtime version (security patches of the language runtime and operating system) by itself and passes; Manual pins one runtime version, so Lambda applies no runtime patch until the pin changes, and is listed for review with the pinned version; FunctionUpdate applies them only when the function is updated, so it passes only when the requirement's catalog entry or the organisation's configuration sets a remediation window (remediationWindowDays) and the last update falls within it, and is otherwise listed for review with the date of the last update (a published version is never updated in that mode). It does not show which runtime version a function runs or whether it is the newest (Lambda publishes no list of them), the function's own dependencies, or the runtime inside a container image; whether the runtime itself is still supported is lambda.runtime-support.`,
  remediation:
    'Return the function version to Auto (`aws lambda put-runtime-management-config --function-name <name> --qualifier <version> --update-runtime-on Auto`); keep Manual only as a short, recorded rollback after a runtime update broke the function; on FunctionUpdate, redeploy within the remediation window.',
  scope: 'regional',
  apiCalls: ['lambda:ListFunctions', 'lambda:GetRuntimeManagementConfig'],
  parameters: {
    remediationWindowDays: {
      description:
        'Organisation choice, from its patching policy (PCI DSS 6.3.3 sets one month for critical patches; the same setting times Amazon Inspector findings under a requirement citing both): a function on FunctionUpdate whose last update is at most this many days before collection passes, but only when the requirement\'s catalog entry or the configuration sets the value; with the check\'s own default, or 0, such a function is listed for review with the date of its last update.',
      default: 30,
      looser: 'higher',
      check: (v: ParameterValue) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'must be a whole number of days, 0 or more (0: no window)'),
    },
  },
  collect: readRuntimeManagement,
  evaluate(data, params, ctx) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data?.functions) return [{ ...account, status: 'error', reason: 'the evidence holds no ListFunctions response' }];
    if (data.functions.length === 0) return [{ ...account, status: 'not-applicable', reason: `the account has no Lambda functions in ${ctx.region}` }];
    if (!data.runtimeManagement) return [{ ...account, status: 'error', reason: 'the evidence holds no GetRuntimeManagementConfig response, so whether Lambda applies runtime patches to any function is unknown' }];
    const window = Number(params.remediationWindowDays ?? 0);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const gap = unlistedVersions(data);
    const results: ResourceResult[] = [];
    for (const fn of data.functions) {
      const base = functionResource(fn, ctx.region, ctx.accountId);
      const label = functionLabel(fn);
      if (!fn.Runtime) {
        results.push({ ...base, status: 'not-applicable', reason: `${label} is ${fn.PackageType === 'Image' ? 'a container image' : 'without a managed runtime'}: Lambda applies no runtime updates to it; its runtime is patched by rebuilding and redeploying the image (lambda.runtime-support lists it for review)` });
        continue;
      }
      const known = RUNTIME_DEPRECATION[fn.Runtime];
      if (known && !known.al2 && Math.floor((Date.parse(`${known.date}T00:00:00Z`) - now) / DAY) <= 0) {
        results.push({ ...base, status: 'not-applicable', reason: `${label} runs ${fn.Runtime}, which AWS deprecated on ${known.date}: AWS releases no more runtime patches for it, so its update mode changes nothing (lambda.runtime-support fails it)` });
        continue;
      }
      const got = data.runtimeManagement[functionArn(fn, ctx.region, ctx.accountId)];
      if (got === undefined) {
        results.push({ ...base, status: 'error', reason: `no GetRuntimeManagementConfig response was collected for ${label}, so whether Lambda applies runtime patches to it is unknown` });
        continue;
      }
      if (isCapturedError(got)) {
        const fix = /AccessDenied/.test(got.error.code) ? ' (the collector’s role needs lambda:GetRuntimeManagementConfig: deploy the role `npm run deploy:policy` generates)' : '';
        results.push({ ...base, status: 'error', reason: `GetRuntimeManagementConfig for ${label} failed (${got.error.code}: ${got.error.message})${fix}, so whether Lambda applies runtime patches to it is unknown` });
        continue;
      }
      const judged = judgeMode(got, fn, `${label} runs ${fn.Runtime}`, window, now, ctx);
      // Evidence without published versions (never this query's own) cannot pass on them.
      results.push(judged.status === 'pass' && gap ? { ...base, status: 'needs-review', reason: `${judged.text}; ${gap}` } : { ...base, status: judged.status, reason: judged.text });
    }
    return results;
  },
});
