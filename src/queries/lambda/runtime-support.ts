import { defineQuery, toDate, type ResourceResult } from '../types.js';
import { functionResource, functionLabel, LAMBDA_FUNCTION_ITEMS, listFunctions, unlistedVersions, type LambdaFunctionsEvidence } from './functions.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

const RUNTIMES_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html';

/**
 * Deprecation dates of Lambda's managed runtimes as AWS published them (runtimes page, late 2026). After that date
 * AWS no longer applies security patches to the runtime. `al2`: the date follows Amazon Linux 2's end of life and AWS
 * has said these runtimes keep receiving critical patches, so the date is listed for review rather than judged.
 */
export const RUNTIME_DEPRECATION: Readonly<Record<string, { date: string; al2?: true }>> = {
  nodejs: { date: '2016-10-31' }, 'nodejs4.3': { date: '2020-03-05' }, 'nodejs6.10': { date: '2019-08-12' }, 'nodejs8.10': { date: '2020-03-06' },
  'nodejs10.x': { date: '2021-07-30' }, 'nodejs12.x': { date: '2023-03-31' }, 'nodejs14.x': { date: '2023-12-04' }, 'nodejs16.x': { date: '2024-06-12' },
  'nodejs18.x': { date: '2025-09-01' }, 'nodejs20.x': { date: '2026-04-30' }, 'nodejs22.x': { date: '2027-04-30' }, 'nodejs24.x': { date: '2028-04-30' },
  'python2.7': { date: '2021-07-15' }, 'python3.6': { date: '2022-07-18' }, 'python3.7': { date: '2023-12-04' }, 'python3.8': { date: '2024-10-14' },
  'python3.9': { date: '2025-12-15' }, 'python3.10': { date: '2026-06-30', al2: true }, 'python3.11': { date: '2026-06-30', al2: true },
  'python3.12': { date: '2028-10-31' }, 'python3.13': { date: '2029-06-30' }, 'python3.14': { date: '2029-06-30' },
  java8: { date: '2024-01-08' }, 'java8.al2': { date: '2026-06-30', al2: true }, java11: { date: '2026-06-30', al2: true }, java17: { date: '2026-06-30', al2: true },
  java21: { date: '2029-06-30' }, java25: { date: '2029-06-30' },
  'dotnetcore1.0': { date: '2019-07-30' }, 'dotnetcore2.0': { date: '2019-05-30' }, 'dotnetcore2.1': { date: '2022-01-05' }, 'dotnetcore3.1': { date: '2023-04-03' },
  dotnet6: { date: '2024-12-20' }, dotnet7: { date: '2024-05-14' }, dotnet8: { date: '2026-11-10' }, dotnet10: { date: '2028-11-14' },
  'ruby2.5': { date: '2021-07-30' }, 'ruby2.7': { date: '2023-12-07' }, 'ruby3.2': { date: '2026-03-31' }, 'ruby3.3': { date: '2027-03-31' }, 'ruby3.4': { date: '2028-03-31' },
  'go1.x': { date: '2024-01-08' }, provided: { date: '2024-01-08' }, 'provided.al2': { date: '2026-06-30', al2: true }, 'provided.al2023': { date: '2029-06-30' },
};

const DAY = 86_400_000;

/** OS-only runtimes: AWS patches the operating system; the language runtime is the customer's, in the package or a layer. */
const OS_ONLY = /^provided(\.|$)/;

/**
 * ListFunctions with every version. Evidence sealed before the runtime update mode became its own check
 * (lambda.runtime-update-mode) also holds each entry's GetRuntimeManagementConfig answer (`runtimeManagement`); this
 * check no longer reads it.
 */
export interface LambdaRuntimeEvidence extends LambdaFunctionsEvidence {
  runtimeManagement?: Record<string, unknown>;
}

export const runtimeSupport = defineQuery<LambdaRuntimeEvidence | AggregateConfigItemsEvidence>({
  id: 'lambda.runtime-support',
  service: 'lambda',
  title: 'Lambda functions run on runtimes AWS still supports with security patches',
  description:
    `Every Lambda function in the region, and every published version of it, with its runtime (ListFunctions with FunctionVersion=ALL), compared with the deprecation dates AWS published for its managed runtimes (${RUNTIMES_PAGE}, as built into this version): after deprecation AWS no longer patches the runtime. Functions on an OS-only runtime (provided.*) are listed for review: their language runtime is the customer’s. It does not show the versions of the function’s own dependencies, the runtime inside a container-image or OS-only function, or dates AWS changed after this version was built; whether Lambda applies the runtime patches it releases to each function version (its runtime update mode) is lambda.runtime-update-mode.`,
  remediation:
    'Upgrade the function to a supported runtime (update its configuration and redeploy, testing the code on the new language version, then publish a new version and move its aliases to it); for container images, rebuild on a supported base image.',
  scope: 'regional',
  apiCalls: ['lambda:ListFunctions'],
  parameters: {
    warnDays: { description: 'Organisation choice: a runtime whose deprecation date falls within this many days after collection is listed for review, so the upgrade is planned.', default: 90 },
  },
  collect: (ctx): Promise<LambdaRuntimeEvidence> => listFunctions(ctx),
  evaluate: acceptConfigItems<LambdaRuntimeEvidence>(LAMBDA_FUNCTION_ITEMS, (data, params, ctx) => {
    if (!data?.functions) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListFunctions response' }];
    if (data.functions.length === 0) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no Lambda functions in ${ctx.region}` }];
    const warn = Number(params.warnDays ?? 90);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const results: ResourceResult[] = [];
    const gap = unlistedVersions(data);
    for (const fn of data.functions) {
      const base = functionResource(fn, ctx.region, ctx.accountId);
      const label = functionLabel(fn);
      if (!fn.Runtime) {
        results.push({ ...base, status: 'needs-review', reason: `${label} is ${fn.PackageType === 'Image' ? 'a container image' : 'without a managed runtime'}: its language runtime is inside the package and not visible here (Inspector’s image findings cover its packages)` });
        continue;
      }
      const known = RUNTIME_DEPRECATION[fn.Runtime];
      if (!known) {
        results.push({ ...base, status: 'needs-review', reason: `${label} runs ${fn.Runtime}, a runtime this version has no deprecation date for; check ${RUNTIMES_PAGE}` });
        continue;
      }
      const left = Math.floor((Date.parse(`${known.date}T00:00:00Z`) - now) / DAY);
      const osOnly = OS_ONLY.test(fn.Runtime) ? '; it is an OS-only runtime: the language runtime is the customer’s (bundled in the package or a layer), is not patched by AWS and is not visible here, so confirm its version is supported' : '';
      if (left <= 0 && !known.al2) {
        results.push({ ...base, status: 'fail', reason: `${label} runs ${fn.Runtime}, deprecated by AWS on ${known.date} (${-left} days before collection): the runtime no longer receives security patches` });
        continue;
      }
      if (left <= 0) {
        results.push({ ...base, status: 'needs-review', reason: `${label} runs ${fn.Runtime}, on Amazon Linux 2, whose projected deprecation date ${known.date} has passed; AWS said these runtimes keep receiving critical patches, so confirm its current support status${osOnly}` });
      } else if (left <= warn) {
        results.push({ ...base, status: 'needs-review', reason: `${label} runs ${fn.Runtime}, which AWS deprecates on ${known.date} (${left} days after collection): plan the upgrade${osOnly}` });
      } else if (osOnly) {
        results.push({ ...base, status: 'needs-review', reason: `${label} runs ${fn.Runtime}, supported until ${known.date}${osOnly}` });
      } else if (gap) {
        results.push({ ...base, status: 'needs-review', reason: `${label} runs ${fn.Runtime}, supported until ${known.date}; ${gap}` });
      } else {
        results.push({ ...base, status: 'pass', reason: `${label} runs ${fn.Runtime}, supported until ${known.date}` });
      }
    }
    return results;
  }),
});
