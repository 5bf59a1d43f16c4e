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
    expect(componentScope(scope, r('cardholder-data-test'))).toEqual({ inScope: false, excluded: true, reason: 'excluded: test copy with synthetic data' });
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
    // Security services and identity settings watch or govern the whole account: never dropped as unselected components.
    for (const t of ['AWS::Macie::Session', 'AWS::AccessAnalyzer::Analyzer', 'AWS::SSO::PermissionSet', 'AWS::SSO::Instance', 'AWS::Inspector2::Coverage']) expect(isAccountLevel(t)).toBe(true);
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

describe('parts of components and results that judge the scope', () => {
  const f = (resource: string, resourceType: string, more: Partial<ResourceFinding> = {}): ResourceFinding => ({ resource, resourceType, status: 'fail', reason: 'x', queryId: 'q', region: 'us-east-1', evidenceSha256: 'a', ...more });
  const partScope = FrameworkScopeSchema.parse({
    accounts: ['111122223333'],
    include: [{ resource: '*loadbalancer/app/cardholder-data-*', reason: 'load balancers of the payment pages' }],
    exclude: [
      { resource: '*loadbalancer/app/cardholder-data-old*', reason: 'retired, no traffic' },
      { resource: '*listener/app/cardholder-data-api/*/debug', reason: 'debug listener bound to localhost' },
      { resource: 'sandbox-*', reason: 'sandbox: holds no account data' },
    ],
  });
  const lb = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/${name}/50dc6c495c0c9188`;
  const listener = (name: string, id = 'f2f7dc8efc522ab2') => ({ resource: `arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/${name}/50dc6c495c0c9188/${id}`, parent: { resource: lb(name), resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' } });

  it('a part is in scope with its component (a listener with its load balancer), unless its component or an exclusion of the part leaves it out', () => {
    const inScope = listener('cardholder-data-api');
    const retired = listener('cardholder-data-old');
    const debug = listener('cardholder-data-api', 'debug');
    const orphan: { resource: string; parent?: ResourceFinding['parent'] } = { resource: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/1/2' };
    const findings = [inScope, retired, debug, orphan].map((x) => f(x.resource, 'AWS::ElasticLoadBalancingV2::Listener', x.parent ? { parent: x.parent } : {}));
    markScope('pci', { pci: partScope }, new Map([['111122223333', findings]]));
    expect(findings.map((x) => x.inScope)).toEqual([true, false, false, false]);
    expect(findings[0].scopeReason).toBe(`part of ${lb('cardholder-data-api')}, which is in scope: load balancers of the payment pages`);
    expect(findings[2].scopeReason).toBe('excluded: debug listener bound to localhost');
  });

  it('a result that contradicts the scope (card data where none is declared) stays in scope wherever it was found, and puts its account\'s settings in scope', () => {
    const pan = f('arn:aws:s3:::sandbox-uploads', 'AWS::S3::Bucket', { judgesScope: 'card numbers found where no card data is declared' });
    const clean = f('arn:aws:s3:::sandbox-other', 'AWS::S3::Bucket');
    const setting = f('account', 'AWS::::Account');
    markScope('pci', { pci: { ...partScope, accounts: undefined } }, new Map([['444455556666', [pan, clean, setting]]]));
    expect(pan).toMatchObject({ inScope: true, scopeReason: 'kept in scope whatever the declared scope says: card numbers found where no card data is declared' });
    expect(clean).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data' });
    expect(setting.inScope).toBe(true);
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
