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
import { CHECK_DEFAULT_SOURCE } from '../../../src/queries/parameter-source.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';

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

  it('OS-only runtimes (provided.*) need review: the language runtime is the customer’s; the runtime update mode is not judged here', () => {
    const fns = ['provided.al2023', 'provided.al2', 'provided'].map((Runtime, i) => ({ FunctionName: `custom${i}`, FunctionArn: fnArn(`custom${i}`), PackageType: 'Zip', Runtime }));
    const r = evaluate('lambda.runtime-support', { functionVersion: 'ALL', functions: fns });
    expect(r[fnArn('custom0')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('supported until 2029-06-30; it is an OS-only runtime: the language runtime is the customer’s') });
    expect(r[fnArn('custom1')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('OS-only runtime') });
    // The OS-only runtime on Amazon Linux 1 itself is deprecated: that alone fails.
    expect(r[fnArn('custom2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('deprecated by AWS on 2024-01-08') });
    // A pinned runtime version is a patching matter (lambda.runtime-update-mode, PCI DSS 6.3.3), not end of support.
    const pinned = { ...evidence, runtimeManagement: { ...runtimeManagement, [fnArn('clean')]: { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION } } };
    expect(evaluate('lambda.runtime-support', pinned)[fnArn('clean')]).toEqual({ resource: fnArn('clean'), resourceType: 'AWS::Lambda::Function', status: 'pass', reason: 'function clean runs nodejs24.x, supported until 2028-04-30' });
    expect(queryById('lambda.runtime-support')!.apiCalls).toEqual(['lambda:ListFunctions']);
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
});

describe('lambda.runtime-update-mode', () => {
  const withMode = (arn: string, config: object) => ({ ...evidence, runtimeManagement: { ...runtimeManagement, [arn]: config } });
  const settingsArn = fnArn('settings');
  /** `settings` on FunctionUpdate, last updated 2026-02-01 (collected 2026-06-01), and its version 4 published then. */
  const onUpdate = {
    ...withMode(settingsArn, { UpdateRuntimeOn: 'FunctionUpdate', FunctionArn: settingsArn }),
    functions: [
      ...listFunctionsAll.Functions!.map((f) => (f.FunctionName === 'settings' ? { ...f, LastModified: '2026-02-01T10:00:00.000+0000' } : f)),
      { FunctionName: 'settings', FunctionArn: `${settingsArn}:4`, Version: '4', PackageType: 'Zip', Runtime: 'nodejs22.x', LastModified: '2026-05-30T10:00:00.000+0000' },
    ],
  };
  const withPublishedOnUpdate = { ...onUpdate, runtimeManagement: { ...onUpdate.runtimeManagement, [`${settingsArn}:4`]: { UpdateRuntimeOn: 'FunctionUpdate', FunctionArn: `${settingsArn}:4` } } };

  it('Auto passes; Manual (a pinned runtime version) and an unknown mode need review, naming the version and the mode', () => {
    const r = evaluate('lambda.runtime-update-mode', evidence);
    expect(r[fnArn('clean')]).toMatchObject({ status: 'pass', reason: 'function clean runs nodejs24.x; its runtime update mode is Auto: Lambda moves it to each new runtime version (runtime security patches) by itself' });
    const manual = evaluate('lambda.runtime-update-mode', withMode(fnArn('clean'), { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION, FunctionArn: fnArn('clean') }));
    expect(manual[fnArn('clean')]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining(`function clean runs nodejs24.x; its runtime update mode is Manual, pinned to runtime version ${RUNTIME_VERSION}: Lambda applies no runtime patches to it until the pin is changed`),
    });
    expect(manual[settingsArn].status).toBe('pass');
    expect(evaluate('lambda.runtime-update-mode', withMode(settingsArn, { UpdateRuntimeOn: 'Someday' }))[settingsArn]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('runtime update mode is Someday, which this version does not know') });
  });

  it('FunctionUpdate without a remediation window needs review naming the last update; within the window it passes, past it it needs review; a published version never passes on it', () => {
    // The check's own default (30 days) is not a window anyone set: it passes nothing.
    const mode = queryById('lambda.runtime-update-mode')!;
    const byDefault = mode.evaluate(onUpdate, { remediationWindowDays: 150 }, { ...ctx, parameterSources: { remediationWindowDays: CHECK_DEFAULT_SOURCE } });
    const none = Object.fromEntries(byDefault.map((r) => [r.resource, r]));
    expect(evaluate('lambda.runtime-update-mode', onUpdate, { remediationWindowDays: 0 })[settingsArn]).toEqual(none[settingsArn]);
    expect(none[settingsArn]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('its runtime update mode is FunctionUpdate: Lambda applies runtime patches only when the function is updated; it was last updated 2026-02-01 (119 days before collection), so runtime patches released since then are not applied; no remediation window is set'),
    });
    const wide = evaluate('lambda.runtime-update-mode', onUpdate, { remediationWindowDays: 150 });
    expect(wide[settingsArn]).toMatchObject({ status: 'pass', reason: expect.stringContaining('within the remediation window (remediationWindowDays = 150)') });
    expect(wide[settingsArn].reason).toContain('the runtime version it runs is not in this evidence');
    const month = evaluate('lambda.runtime-update-mode', onUpdate, { remediationWindowDays: 30 });
    expect(month[settingsArn]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('longer ago than the remediation window (remediationWindowDays = 30): a runtime patch released between that update and 2026-05-02 would be overdue') });
    // Who set the window is named when the engine says so.
    const set = mode.evaluate(onUpdate, { remediationWindowDays: 150 }, { ...ctx, parameterSources: { remediationWindowDays: 'the organisation’s configuration' } });
    expect(set.find((x) => x.resource === settingsArn)!.reason).toContain('remediationWindowDays = 150, set by the organisation’s configuration');
    // Lambda does not update a published version's runtime in FunctionUpdate mode, however recent.
    const published = evaluate('lambda.runtime-update-mode', withPublishedOnUpdate, { remediationWindowDays: 150 });
    expect(published[`${settingsArn}:4`]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('function settings version 4 runs nodejs22.x; its runtime update mode is FunctionUpdate, and a published version is immutable') });
    expect(published[`${settingsArn}:4`].parent).toEqual({ resource: settingsArn, resourceType: 'AWS::Lambda::Function' });
    expect(queryById('lambda.runtime-update-mode')!.parameters!.remediationWindowDays.check!(-1)).toMatch(/whole number of days/);
    expect(queryById('lambda.runtime-update-mode')!.parameters!.remediationWindowDays.check!(30)).toBeUndefined();
  });

  it('a container image or a deprecated runtime is not judged on its mode (runtime-support judges it); each published version by its own mode', () => {
    const r = evaluate('lambda.runtime-update-mode', withMode(`${fnArn('clean')}:3`, { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: RUNTIME_VERSION }));
    expect(r[`${fnArn('clean')}:3`]).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('function clean version 3 runs python3.8, which AWS deprecated on 2024-10-14: AWS releases no more runtime patches for it') });
    expect(r[fnArn('leaky')].status).toBe('not-applicable');
    expect(r[fnArn('image')]).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('a container image: Lambda applies no runtime updates to it') });
    expect(r[fnArn('clean')].status).toBe('pass');
    // Amazon Linux 2 and unknown runtimes still have a mode to judge.
    expect(r[fnArn('al2')].status).toBe('pass');
    expect(r[fnArn('unknown')].status).toBe('pass');
  });

  it('an unread mode never passes: a failed or missing read is an error, evidence without the reads or without published versions passes nothing', () => {
    const failed = evaluate('lambda.runtime-update-mode', withMode(fnArn('clean'), { error: { code: 'AccessDeniedException', message: 'not authorized to perform: lambda:GetRuntimeManagementConfig' } }));
    expect(failed[fnArn('clean')]).toMatchObject({ status: 'error', reason: expect.stringContaining('GetRuntimeManagementConfig for function clean failed (AccessDeniedException') });
    expect(failed[fnArn('clean')].reason).toContain('npm run deploy:policy');
    const { [fnArn('clean')]: _dropped, ...rest } = runtimeManagement;
    expect(evaluate('lambda.runtime-update-mode', { ...evidence, runtimeManagement: rest })[fnArn('clean')]).toMatchObject({ status: 'error', reason: expect.stringContaining('no GetRuntimeManagementConfig response was collected for function clean') });
    expect(Object.values(evaluate('lambda.runtime-update-mode', { functionVersion: 'ALL', functions: listFunctionsAll.Functions }))).toEqual([expect.objectContaining({ resource: 'account', status: 'error' })]);
    const unversioned = evaluate('lambda.runtime-update-mode', { ...latestOnly, runtimeManagement });
    expect(unversioned[fnArn('clean')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('published versions (which an alias can serve') });
    expect(Object.values(unversioned).map((x) => x.status)).not.toContain('pass');
    expect(Object.values(evaluate('lambda.runtime-update-mode', {})).map((x) => x.status)).toEqual(['error']);
    expect(Object.values(evaluate('lambda.runtime-update-mode', { functions: [], runtimeManagement: {} })).map((x) => x.status)).toEqual(['not-applicable']);
  });
});

describe('lambda.runtime-update-mode judged by the catalogs', () => {
  /** `orders` on FunctionUpdate, last updated `days` before the run's collection (2026-11-01T00:00:30Z). */
  const onUpdate = (days: number) => ({
    functionVersion: 'ALL',
    functions: [{ FunctionName: 'orders', FunctionArn: `${fnArn('orders')}:$LATEST`, Version: '$LATEST', PackageType: 'Zip', Runtime: 'python3.12', LastModified: new Date(Date.parse('2026-11-01T00:00:00Z') - days * 86_400_000).toISOString().replace('Z', '+0000') }],
    runtimeManagement: { [fnArn('orders')]: { UpdateRuntimeOn: 'FunctionUpdate', FunctionArn: fnArn('orders') } },
  });
  const finding = (r: { findings: { queryId: string; status: string; reason?: string }[] }) => r.findings.find((f) => f.queryId === 'lambda.runtime-update-mode');

  it('FunctionUpdate passes under 6.3.3 within its one month (the catalog value, or the configuration\'s), never under HIPAA without a window the organisation sets; 12.3.4 is not judged on the mode', async () => {
    const recent = await judgedByCatalogs('lambda.runtime-update-mode', onUpdate(12));
    expect(finding(recent('6.3.3'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('last updated 2026-10-20 (12 days before collection), within the remediation window (remediationWindowDays = 30, set by the catalog default for 6.3.3') });
    expect(finding(recent('164.308(a)(1)(ii)(B)'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no remediation window is set for this requirement') });
    expect(finding(recent('12.3.4'))).toBeUndefined();
    const old = await judgedByCatalogs('lambda.runtime-update-mode', onUpdate(45));
    expect(finding(old('6.3.3'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(45 days before collection), longer ago than the remediation window (remediationWindowDays = 30') });
    const set = await judgedByCatalogs('lambda.runtime-update-mode', onUpdate(45), { parameterOverrides: { 'pci-dss-4.0.1': { '6.3.3': { remediationWindowDays: 60 } }, 'hipaa-security': { '164.308(a)(1)(ii)(B)': { remediationWindowDays: 60 } } } });
    for (const id of ['6.3.3', '164.308(a)(1)(ii)(B)']) {
      expect(finding(set(id)), id).toMatchObject({ status: 'pass', reason: expect.stringContaining("within the remediation window (remediationWindowDays = 60, set by the organisation's configuration") });
    }
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
    expect(rt.calls.map((c) => c.operation)).toEqual(['lambda:ListFunctions']);
    const mode = await session.run(queryById('lambda.runtime-update-mode')!, 'us-east-1');
    expect(names(mode.results)).toEqual([
      ['checkout', 'pass'],
      ['checkout:7', 'not-applicable'],
      ['legacy-report-export', 'not-applicable'],
    ]);
    expect(mode.results[0].reason).toContain('its runtime update mode is Auto');
    // One GetRuntimeManagementConfig per listed version with a managed runtime, asked for that version.
    expect(mode.calls.filter((c) => c.operation === 'lambda:GetRuntimeManagementConfig').map((c) => c.input)).toEqual([
      { FunctionName: 'checkout', Qualifier: '$LATEST' },
      { FunctionName: 'checkout', Qualifier: '7' },
      { FunctionName: 'legacy-report-export', Qualifier: '$LATEST' },
    ]);
    expect((await session.run(queryById('lambda.runtime-support')!, 'us-west-2')).results.map((r) => r.status)).toEqual(['not-applicable']);
    expect((await session.run(queryById('lambda.runtime-update-mode')!, 'us-west-2')).results.map((r) => r.status)).toEqual(['not-applicable']);
  });

  it('a function pinned to a runtime version (Manual) needs review; one updated only on deployment (FunctionUpdate) passes only within a set window; read through the SDK as Lambda answers it', async () => {
    const state = lambdaState(session.sim.world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const pinned = 'arn:aws:lambda:us-east-1::runtime:7d1c5e0b3f9a2e4d6c8b0a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d';
    state.runtimeManagement['checkout:$LATEST'] = { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: pinned };
    try {
      const mode = await session.run(queryById('lambda.runtime-update-mode')!, 'us-east-1');
      expect(mode.results[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`its runtime update mode is Manual, pinned to runtime version ${pinned}`) });
      expect((await session.run(queryById('lambda.runtime-support')!, 'us-east-1')).results[0].status).toBe('pass');
      state.runtimeManagement['checkout:$LATEST'] = { UpdateRuntimeOn: 'FunctionUpdate' };
      const onUpdate = await session.run(queryById('lambda.runtime-update-mode')!, 'us-east-1');
      // Updated 12 days before collection, within the 30-day window asked for here.
      expect(onUpdate.results[0]).toMatchObject({ status: 'pass', reason: expect.stringMatching(/its runtime update mode is FunctionUpdate: .* it was last updated \d{4}-\d{2}-\d{2} \(1[23] days before collection\), within the remediation window \(remediationWindowDays = 30\)/) });
      const none = await session.run(queryById('lambda.runtime-update-mode')!, 'us-east-1', { remediationWindowDays: 0 });
      expect(none.results[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no remediation window is set') });
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
