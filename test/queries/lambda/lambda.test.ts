import { describe, expect, it } from 'vitest';
import { redactEvidence } from '../../../src/collect/redact.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { classifyVariableName } from '../../../src/queries/lambda/environment-secrets.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, RUNTIME_VERSION, fnArn, listFunctions, listFunctionsAll, runtimeManagement } from '../../fixtures/lambda/functions.js';
import { lambdaState } from '../../../src/simulator/services/lambda.js';
import { DEMO_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
function evaluate(id: string, data: unknown, params: Record<string, unknown> = {}): Record<string, ResourceResult> {
  const q = queryById(id)!;
  const p = { ...Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default])), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(JSON.parse(canonicalJson(data)), p, ctx)).toEqual(fresh);
  return Object.fromEntries(fresh.map((r) => [r.resource, r]));
}
const evidence = { functionVersion: 'ALL', functions: listFunctionsAll.Functions, runtimeManagement };
/** The shape runs before this version sealed: ListFunctions without FunctionVersion=ALL, no published versions. */
const latestOnly = { functions: listFunctions.Functions };

describe('lambda.environment-secrets', () => {
  it('classifies names only: credential endings, settings about credentials, references to a secret store', () => {
    expect(['DB_PASSWORD', 'stripeApiKey', 'GITHUB_TOKEN', 'client-secret', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY'].map(classifyVariableName)).toEqual(Array(6).fill('credential'));
    expect(['TOKEN_TTL_SECONDS', 'PASSWORD_MIN_LENGTH', 'AUTH_MODE'].map(classifyVariableName)).toEqual(Array(3).fill('possible-credential'));
    expect(['PAYMENTS_SECRET_ARN', 'DB_PASSWORD_PARAMETER_NAME', 'API_KEY_SECRET_ID'].map(classifyVariableName)).toEqual(Array(3).fill('reference'));
    expect(['LOG_LEVEL', 'REPORT_BUCKET', 'KEYSPACE'].map(classifyVariableName)).toEqual(Array(3).fill('other'));
  });

  it('short credential words (pass, pw, sk, pat) are credentials; connection URLs, URIs, DSNs and strings may embed one', () => {
    expect(['DB_PASS', 'MYSQL_PW', 'STRIPE_SK', 'GITHUB_PAT'].map(classifyVariableName)).toEqual(Array(4).fill('credential'));
    const connection = ['DATABASE_URL', 'MONGODB_URI', 'REDIS_URL', 'AZURE_STORAGE_CONNECTION_STRING', 'SENTRY_DSN', 'SLACK_WEBHOOK_URL', 'API_KEY_URL'];
    expect(connection.map(classifyVariableName)).toEqual(Array(connection.length).fill('possible-credential'));
    expect(['PAYMENTS_SECRET_ARN', 'DB_PASSWORD_SECRET_ARN', 'VAULT_SECRET_URL', 'GITHUB_PAT_PARAMETER_NAME'].map(classifyVariableName)).toEqual(Array(4).fill('reference'));
    expect(classifyVariableName('JWT_SIGNING_SECRET_VALUE')).toBe('possible-credential');
    const r = evaluate('lambda.environment-secrets', { functionVersion: 'ALL', functions: [{ FunctionName: 'orders', FunctionArn: fnArn('orders'), Environment: { Variables: { DB_HOST: 'x', DB_PASS: 'x', DATABASE_URL: 'x' } } }, { FunctionName: 'hooks', FunctionArn: fnArn('hooks'), Environment: { Variables: { SLACK_WEBHOOK_URL: 'x', LOG_LEVEL: 'x' } } }] });
    expect(r[fnArn('orders')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('named like credentials: DB_PASS') });
    expect(r[fnArn('hooks')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('connection string, URL or DSN with embedded credentials: SLACK_WEBHOOK_URL') });
  });

  it('variables Lambda reports an error for (Environment.Error, e.g. KMS access denied) are not "no variables"', () => {
    const error = { ErrorCode: 'KMSAccessDeniedException', Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.' };
    const r = evaluate('lambda.environment-secrets', {
      functionVersion: 'ALL',
      functions: [
        { FunctionName: 'billing', FunctionArn: fnArn('billing'), Runtime: 'nodejs22.x', Environment: { Error: error } },
        { FunctionName: 'mixed', FunctionArn: fnArn('mixed'), Runtime: 'nodejs22.x', Environment: { Variables: { LOG_LEVEL: 'x' }, Error: error } },
      ],
    });
    expect(r[fnArn('billing')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('Environment.Error KMSAccessDeniedException: Lambda was unable to decrypt') });
    expect(r[fnArn('billing')].reason).toContain('0 listed');
    expect(r[fnArn('mixed')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('1 listed: LOG_LEVEL') });
  });

  it('judges each published version by its qualified ARN; evidence without published versions passes nothing', () => {
    const r = evaluate('lambda.environment-secrets', evidence);
    expect(r[`${fnArn('clean')}:3`]).toMatchObject({ status: 'fail', reason: expect.stringContaining('function clean version 3 has environment variables named like credentials: DB_PASSWORD') });
    expect(r[fnArn('clean')].status).toBe('pass');
    const old = evaluate('lambda.environment-secrets', latestOnly);
    expect(old[fnArn('clean')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('published versions (which an alias can serve') });
    expect(old[fnArn('leaky')].status).toBe('fail');
    expect(Object.values(old).map((x) => x.status)).not.toContain('pass');
  });

  it('credential-named variables fail, setting-like names need review, references and plain settings pass; reasons carry names, never values', () => {
    const r = evaluate('lambda.environment-secrets', evidence);
    expect(r[fnArn('leaky')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('named like credentials: DB_PASSWORD, stripeApiKey (encrypted at rest') });
    expect(r[fnArn('settings')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('TOKEN_TTL_SECONDS') });
    expect(r[fnArn('clean')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('2 name a secret store reference (DB_PASSWORD_PARAMETER_NAME, PAYMENTS_SECRET_ARN)') });
    expect(r[fnArn('no-env')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('0 environment variables') });
    expect(Object.values(r).map((x) => x.reason).join('\n')).not.toContain('REDACTED');
  });

  it('no response is an error; no functions is not applicable', () => {
    expect(Object.values(evaluate('lambda.environment-secrets', {})).map((x) => x.status)).toEqual(['error']);
    expect(Object.values(evaluate('lambda.environment-secrets', { functions: [] })).map((x) => x.status)).toEqual(['not-applicable']);
  });
});

describe('lambda.runtime-support', () => {
  it('deprecated fails, deprecating within the window or unknown or image-based needs review, supported passes', () => {
    const r = evaluate('lambda.runtime-support', evidence);
    expect(r[fnArn('leaky')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('python3.8, deprecated by AWS on 2024-10-14') });
    expect(r[fnArn('settings')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('supported until 2027-04-30') });
    expect(r[fnArn('clean')].status).toBe('pass');
    expect(r[fnArn('image')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('container image') });
    expect(r[fnArn('unknown')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no deprecation date') });
    // Collected a month before nodejs22.x's date: inside the 90-day window.
    const later = queryById('lambda.runtime-support')!.evaluate(evidence, { warnDays: 90 }, { ...ctx, collectedAt: '2027-03-31T00:00:00.000Z' });
    expect(later.find((x) => x.resource === fnArn('settings'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('30 days after collection') });
    // Amazon Linux 2 runtimes past their projected date are listed for review, not failed.
    const afterAl2 = queryById('lambda.runtime-support')!.evaluate(evidence, { warnDays: 90 }, { ...ctx, collectedAt: '2026-12-01T00:00:00.000Z' });
    expect(afterAl2.find((x) => x.resource === fnArn('al2'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('Amazon Linux 2') });
    expect(afterAl2.find((x) => x.resource === fnArn('leaky'))?.status).toBe('fail');
  });

  it('OS-only runtimes (provided.*) need review: the language runtime is the customer’s; a pass names the runtime update mode it read', () => {
    const fns = ['provided.al2023', 'provided.al2', 'provided'].map((Runtime, i) => ({ FunctionName: `custom${i}`, FunctionArn: fnArn(`custom${i}`), PackageType: 'Zip', Runtime }));
    const r = evaluate('lambda.runtime-support', { functionVersion: 'ALL', functions: fns });
    expect(r[fnArn('custom0')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('supported until 2029-06-30; it is an OS-only runtime: the language runtime is the customer’s') });
    expect(r[fnArn('custom1')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('OS-only runtime') });
    // The OS-only runtime on Amazon Linux 1 itself is deprecated: that alone fails.
    expect(r[fnArn('custom2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('deprecated by AWS on 2024-01-08') });
    expect(evaluate('lambda.runtime-support', evidence)[fnArn('clean')].reason).toContain('its runtime update mode is Auto: Lambda applies runtime patches itself');
  });

  it('judges each published version by its qualified ARN; evidence without published versions passes nothing', () => {
    const r = evaluate('lambda.runtime-support', evidence);
    expect(r[`${fnArn('clean')}:3`]).toMatchObject({ status: 'fail', reason: expect.stringContaining('function clean version 3 runs python3.8, deprecated') });
    // A version is part of its function: in a framework's scope whenever the function is.
    expect(r[`${fnArn('clean')}:3`].parent).toEqual({ resource: fnArn('clean'), resourceType: 'AWS::Lambda::Function' });
    expect(r[fnArn('clean')].parent).toBeUndefined();
    expect(r[fnArn('clean')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('function clean runs nodejs24.x') });
    const old = evaluate('lambda.runtime-support', latestOnly);
    expect(old[fnArn('clean')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('published versions (which an alias can serve') });
    expect(Object.values(old).map((x) => x.status)).not.toContain('pass');
  });

  describe('runtime update mode (GetRuntimeManagementConfig)', () => {
    const withMode = (arn: string, config: object) => ({ ...evidence, runtimeManagement: { ...runtimeManagement, [arn]: config } });

    it('Manual (a pinned runtime version) and FunctionUpdate need review, naming the version and the mode; Auto passes', () => {
      const manual = evaluate('lambda.runtime-support', withMode(fnArn('clean'), { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION, FunctionArn: fnArn('clean') }));
      expect(manual[fnArn('clean')]).toMatchObject({
        status: 'needs-review',
        reason: expect.stringContaining(`function clean runs nodejs24.x, supported until 2028-04-30; its runtime update mode is Manual, pinned to runtime version ${RUNTIME_VERSION}: Lambda applies no runtime patches to it until the pin is changed`),
      });
      expect(manual[fnArn('settings')].status).toBe('pass');
      const settingsArn = fnArn('settings');
      const onUpdate = evaluate('lambda.runtime-support', {
        ...withMode(settingsArn, { UpdateRuntimeOn: 'FunctionUpdate', FunctionArn: settingsArn }),
        functions: listFunctionsAll.Functions!.map((f) => (f.FunctionName === 'settings' ? { ...f, LastModified: '2026-02-01T10:00:00.000+0000' } : f)),
      });
      expect(onUpdate[settingsArn]).toMatchObject({
        status: 'needs-review',
        reason: expect.stringContaining('its runtime update mode is FunctionUpdate: Lambda applies runtime patches only when the function is updated; it was last updated 2026-02-01 (119 days before collection)'),
      });
      expect(evaluate('lambda.runtime-support', withMode(fnArn('settings'), { UpdateRuntimeOn: 'Someday' }))[fnArn('settings')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('runtime update mode is Someday, which this version does not know') });
    });

    it('a published version is judged by its own mode; a deprecated runtime fails whatever the mode; a review reason adds the mode', () => {
      const r = evaluate('lambda.runtime-support', withMode(`${fnArn('clean')}:3`, { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION }));
      expect(r[`${fnArn('clean')}:3`]).toMatchObject({ status: 'fail', reason: expect.stringContaining('deprecated by AWS') });
      expect(r[fnArn('clean')].status).toBe('pass');
      const later = queryById('lambda.runtime-support')!.evaluate(withMode(fnArn('settings'), { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION }), { warnDays: 90 }, { ...ctx, collectedAt: '2027-03-31T00:00:00.000Z' });
      expect(later.find((x) => x.resource === fnArn('settings'))).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/30 days after collection\): plan the upgrade; its runtime update mode is Manual/) });
    });

    it('an unread mode never passes: a failed or missing read is an error, evidence sealed before the read needs review', () => {
      const failed = evaluate('lambda.runtime-support', withMode(fnArn('clean'), { error: { code: 'AccessDeniedException', message: 'not authorized to perform: lambda:GetRuntimeManagementConfig' } }));
      expect(failed[fnArn('clean')]).toMatchObject({ status: 'error', reason: expect.stringContaining('GetRuntimeManagementConfig failed (AccessDeniedException') });
      const { [fnArn('clean')]: _dropped, ...rest } = runtimeManagement;
      expect(evaluate('lambda.runtime-support', { ...evidence, runtimeManagement: rest })[fnArn('clean')]).toMatchObject({ status: 'error', reason: expect.stringContaining('no GetRuntimeManagementConfig response was collected for it') });
      const before = evaluate('lambda.runtime-support', { functionVersion: 'ALL', functions: listFunctionsAll.Functions });
      expect(before[fnArn('clean')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('its runtime update mode (Auto, FunctionUpdate or Manual, which decides whether Lambda applies runtime patches) is not in this evidence') });
      expect(Object.values(before).map((x) => x.status)).not.toContain('pass');
    });
  });
});

describe('Lambda against the simulated demo account', () => {
  const session = demoSession();

  it('checkout passes both checks but its published version 7 fails both; the legacy exporter keeps a password in its environment and runs deprecated python3.8', async () => {
    const env = await session.run(queryById('lambda.environment-secrets')!, 'us-east-1');
    expect(env.calls.map((c) => c.input)).toEqual([expect.objectContaining({ FunctionVersion: 'ALL' })]);
    const names = (results: ResourceResult[]) => results.map((r) => [r.resource.split(':function:').pop(), r.status]);
    expect(names(env.results)).toEqual([
      ['checkout', 'pass'],
      ['checkout:7', 'fail'],
      ['legacy-report-export', 'fail'],
    ]);
    expect(env.results[1].reason).toContain('function checkout version 7 has environment variables named like credentials: PAYMENTS_API_KEY');
    expect(env.results[2].reason).toContain('DB_PASSWORD');
    const rt = await session.run(queryById('lambda.runtime-support')!, 'us-east-1');
    expect(names(rt.results)).toEqual([
      ['checkout', 'pass'],
      ['checkout:7', 'fail'],
      ['legacy-report-export', 'fail'],
    ]);
    expect(rt.results[1].reason).toContain('nodejs18.x, deprecated by AWS on 2025-09-01');
    expect(rt.results[0].reason).toContain('its runtime update mode is Auto');
    // One GetRuntimeManagementConfig per listed version with a managed runtime, asked for that version.
    expect(rt.calls.filter((c) => c.operation === 'lambda:GetRuntimeManagementConfig').map((c) => c.input)).toEqual([
      { FunctionName: 'checkout', Qualifier: '$LATEST' },
      { FunctionName: 'checkout', Qualifier: '7' },
      { FunctionName: 'legacy-report-export', Qualifier: '$LATEST' },
    ]);
    expect((await session.run(queryById('lambda.runtime-support')!, 'us-west-2')).results.map((r) => r.status)).toEqual(['not-applicable']);
  });

  it('a function pinned to a runtime version (Manual) needs review, read through the SDK as Lambda answers it', async () => {
    const state = lambdaState(session.sim.world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const pinned = 'arn:aws:lambda:us-east-1::runtime:7d1c5e0b3f9a2e4d6c8b0a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d';
    state.runtimeManagement['checkout:$LATEST'] = { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: pinned };
    try {
      const rt = await session.run(queryById('lambda.runtime-support')!, 'us-east-1');
      expect(rt.results[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`its runtime update mode is Manual, pinned to runtime version ${pinned}`) });
      expect(rt.results[2].status).toBe('fail');
    } finally {
      delete state.runtimeManagement['checkout:$LATEST'];
    }
  });

  it('the values AWS returns never survive redaction: the stored body keeps the names with markers', async () => {
    const { data } = await session.run(queryById('lambda.environment-secrets')!, 'us-east-1');
    expect(JSON.stringify(data)).toContain('demo-placeholder-not-a-real-password');
    const stored = JSON.stringify(redactEvidence(data).data);
    expect(stored).not.toContain('demo-placeholder-not-a-real-password');
    expect(stored).toContain('[REDACTED env DB_PASSWORD by rule env-var-value]');
  });
});
