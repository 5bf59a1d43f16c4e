import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { itemsExpression, type AggregateConfigItemsEvidence, type ConfigItem } from '../../../src/queries/config/aggregate-items.js';
import { LAMBDA_FUNCTION_ITEMS } from '../../../src/queries/lambda/functions.js';
import { runtimeSupport } from '../../../src/queries/lambda/runtime-support.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, fnArn, listFunctions } from '../../fixtures/lambda/functions.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

/**
 * AWS::Lambda::Function items as an aggregator returns them: the function's configuration with a lower-case first
 * letter, `state` and `stateReason` as `{ value }`, `kmskeyArn`, and no environment variables.
 */
const item = (name: string, configuration: Record<string, unknown>): ConfigItem => ({
  accountId: ACCOUNT,
  awsRegion: REGION,
  resourceType: 'AWS::Lambda::Function',
  resourceId: name,
  resourceName: name,
  arn: fnArn(name),
  configurationItemCaptureTime: '2026-05-31T23:45:00.000Z',
  configurationItemStatus: 'OK',
  configuration: { functionName: name, functionArn: fnArn(name), packageType: 'Zip', version: '$LATEST', state: { value: 'Active' }, ...configuration },
});

const evidence = (items: ConfigItem[]): AggregateConfigItemsEvidence => ({
  aggregator: { name: 'org-aggregator', accountId: '999988887777', region: 'us-east-1' },
  expression: itemsExpression(LAMBDA_FUNCTION_ITEMS),
  resourceTypes: [...LAMBDA_FUNCTION_ITEMS.resourceTypes],
  results: items.map((i) => JSON.stringify(i)),
});

// The same functions the ListFunctions fixture holds, as AWS Config records them.
const items = (listFunctions.Functions ?? []).map((f) =>
  item(f.FunctionName!, {
    ...(f.Runtime ? { runtime: f.Runtime } : {}),
    ...(f.PackageType ? { packageType: f.PackageType } : {}),
    ...(f.KMSKeyArn ? { kmskeyArn: f.KMSKeyArn } : {}),
  }),
);

function evaluate(data: unknown): ResourceResult[] {
  const params = { warnDays: 90 };
  const fresh = runtimeSupport.evaluate(data, params, ctx);
  expect(runtimeSupport.evaluate(JSON.parse(canonicalJson(data)), params, ctx)).toEqual(fresh);
  return fresh;
}

describe('AWS::Lambda::Function configuration items', () => {
  it('rebuild ListFunctions entries, undoing the recorded state/kmskeyArn quirks, never carrying an environment', () => {
    const withEnv = item('leaky', { runtime: 'python3.8', kmskeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k', environment: { variables: { DB_PASSWORD: 'x' } } });
    const [fn] = LAMBDA_FUNCTION_ITEMS.toEvidence([withEnv]).functions;
    expect(fn).toMatchObject({ FunctionName: 'leaky', FunctionArn: fnArn('leaky'), Runtime: 'python3.8', State: 'Active', KMSKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k' });
    expect(fn).not.toHaveProperty('Environment');
  });

  it('lambda.runtime-support judges items as it judges ListFunctions, saying the runtime is what AWS Config recorded', () => {
    const results = evaluate(evidence(items));
    expect(statusOf(results)).toEqual(statusOf(evaluate({ functions: listFunctions.Functions })));
    expect(results.find((r) => r.resource === fnArn('leaky'))).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/python3\.8, deprecated by AWS on 2024-10-14.*the configuration AWS Config recorded \(captured 2026-05-31T23:45:00.000Z\), not a live read/),
    });
    expect(results.find((r) => r.resource === fnArn('image'))?.status).toBe('needs-review');
    // One item per function: its published versions are not in the items, so nothing passes on them.
    expect(results.find((r) => r.resource === fnArn('clean'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('published versions (which an alias can serve') });
  });

  it('an item of another account is an error, not a judged function', () => {
    const foreign = { ...items[0], accountId: '444455556666' };
    expect(evaluate(evidence([foreign]))).toEqual([expect.objectContaining({ resource: 'account', status: 'error' })]);
  });
});
