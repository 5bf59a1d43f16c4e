import { describe, expect, it } from 'vitest';
import { accountSettingScope, componentScope, isAccountLevel, markScope, NO_SCOPE_REASON, scopeStatement } from '../../src/evaluate/scope.js';
import { FrameworkScopeSchema, ScopeConfigSchema } from '../../src/config/scope.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { ResourceFinding } from '../../src/evaluate/types.js';

const scope = FrameworkScopeSchema.parse({
  description: 'cardholder data environment',
  accounts: ['111122223333'],
  regions: ['us-east-1'],
  include: [{ resource: '*cardholder-data*', reason: 'stores cardholder data' }, { resourceType: 'AWS::EC2::Instance' }],
  connected: [{ resource: '*:log-group:/app/payments', reason: 'payment logs' }],
  exclude: [{ resource: 'cardholder-data-test', reason: 'test copy with synthetic data' }],
});
const r = (resource: string, over: Partial<{ resourceType: string; accountId: string; region: string }> = {}) => ({ resource, resourceType: 'AWS::S3::Bucket', accountId: '111122223333', region: 'us-east-1', ...over });

describe('componentScope', () => {
  it('puts every component in scope when no scope is declared, and says so', () => {
    expect(componentScope(undefined, r('anything'))).toEqual({ inScope: true, reason: NO_SCOPE_REASON });
  });
  it('selects by resource glob, resource type and connected systems, with the reason', () => {
    expect(componentScope(scope, r('prod-cardholder-data'))).toEqual({ inScope: true, reason: 'stores cardholder data' });
    expect(componentScope(scope, r('arn:aws:ec2:us-east-1:111122223333:instance/i-1', { resourceType: 'AWS::EC2::Instance' })).inScope).toBe(true);
    expect(componentScope(scope, r('arn:aws:logs:us-east-1:111122223333:log-group:/app/payments', { resourceType: 'AWS::Logs::LogGroup' }))).toEqual({ inScope: true, reason: 'connected system: payment logs' });
    expect(componentScope(scope, r('marketing-site'))).toEqual({ inScope: false, reason: 'not selected by the declared scope' });
  });
  it('lets exclusions win and rejects other accounts and regions', () => {
    expect(componentScope(scope, r('cardholder-data-test'))).toEqual({ inScope: false, reason: 'excluded: test copy with synthetic data' });
    expect(componentScope(scope, r('prod-cardholder-data', { accountId: '999999999999' })).reason).toMatch(/account 999999999999 is not in the declared scope/);
    expect(componentScope(scope, r('prod-cardholder-data', { region: 'eu-west-1' })).reason).toMatch(/region eu-west-1/);
  });
});

describe('account-level settings', () => {
  it('are recognised by resource type', () => {
    expect(isAccountLevel('AWS::::Account')).toBe(true);
    expect(isAccountLevel('AWS::CloudTrail::Trail')).toBe(true);
    expect(isAccountLevel('AWS::IAM::User')).toBe(true);
    expect(isAccountLevel('AWS::S3::Bucket')).toBe(false);
  });
  it('stay in scope only where an in-scope component lives', () => {
    expect(accountSettingScope(scope, '111122223333', true).inScope).toBe(true);
    expect(accountSettingScope(scope, '111122223333', false).inScope).toBe(false);
    expect(accountSettingScope(scope, '999999999999', true).inScope).toBe(false);
  });
  it('markScope marks the password policy of an account out of scope when none of its components is in scope', () => {
    const f = (resource: string, resourceType: string): ResourceFinding => ({ resource, resourceType, status: 'fail', reason: 'x', queryId: 'q', region: 'us-east-1', evidenceSha256: 'a' });
    const holding = [f('prod-cardholder-data', 'AWS::S3::Bucket'), f('account', 'AWS::::Account')];
    const empty = [f('marketing-site', 'AWS::S3::Bucket'), f('account', 'AWS::::Account')];
    markScope('pci', { pci: { ...scope, accounts: undefined } }, new Map([['111122223333', holding], ['444455556666', empty]]));
    expect(holding.map((x) => x.inScope)).toEqual([true, true]);
    expect(empty.map((x) => x.inScope)).toEqual([false, false]);
    expect(empty[1].scopeReason).toMatch(/no in-scope component/);
  });
});

describe('scope configuration', () => {
  it('says on the cover when no scope is declared', () => {
    expect(scopeStatement(undefined)).toBe('scope: every resource of the listed accounts (no scope declared)');
    expect(scopeStatement(scope)).toMatch(/^scope: cardholder data environment; accounts 111122223333; regions us-east-1/);
  });
  it('refuses an exclusion without a reason and an empty selector, naming the field', () => {
    const a = ScopeConfigSchema.safeParse({ pci: { exclude: [{ resource: 'x' }] } });
    expect(a.success).toBe(false);
    expect(a.error?.issues[0].path.join('.')).toBe('pci.exclude.0.reason');
    const b = ConfigSchema.safeParse({ scope: { pci: { include: [{ reason: 'nothing selected' }] } } });
    expect(b.success).toBe(false);
    expect(b.error?.issues[0].message).toMatch(/at least one of resource, resourceType, account, region/);
  });
});
