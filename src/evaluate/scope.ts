import type { FrameworkScope, ScopeConfig, ScopeSelector } from '../config/scope.js';
import type { ResourceFinding } from './types.js';

/**
 * Resource types that are settings of the whole account (or of its security services) rather than system
 * components: they stay in scope wherever an in-scope component lives, because they protect it.
 */
const ACCOUNT_LEVEL_TYPES = [/^AWS::::Account$/, /^AWS::CloudTrail::/, /^AWS::Config::/, /^AWS::GuardDuty::/, /^AWS::IAM::/, /^AWS::SecurityHub::/, /^AWS::CloudWatch::Alarm$/, /^AWS::Events::Rule$/, /^AWS::Backup::/];

export function isAccountLevel(resourceType: string): boolean {
  return ACCOUNT_LEVEL_TYPES.some((re) => re.test(resourceType));
}

export const NO_SCOPE_REASON = 'no scope declared: every resource of the listed accounts';

export interface ScopeDecision {
  inScope: boolean;
  reason: string;
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function lastSegment(resource: string): string {
  const parts = resource.split(/[:/]/);
  return parts[parts.length - 1] ?? resource;
}

export interface ScopedResource {
  resource: string;
  resourceType: string;
  accountId: string;
  region: string;
}

export function selectorMatches(sel: ScopeSelector, r: ScopedResource): boolean {
  if (sel.account && sel.account !== r.accountId) return false;
  if (sel.region && sel.region !== r.region) return false;
  if (sel.resourceType && sel.resourceType !== r.resourceType) return false;
  if (sel.resource) {
    const re = glob(sel.resource);
    if (!re.test(r.resource) && !re.test(lastSegment(r.resource))) return false;
  }
  return true;
}

function describeSelector(sel: ScopeSelector): string {
  return [sel.resource && `resource ${sel.resource}`, sel.resourceType, sel.account && `account ${sel.account}`, sel.region].filter(Boolean).join(', ');
}

/**
 * Whether one system component (not an account-level setting) is in a framework's scope, and why.
 * Exclusions win over inclusions; with no `include` list every component of the scoped accounts and regions is in.
 */
export function componentScope(scope: FrameworkScope | undefined, r: ScopedResource): ScopeDecision {
  if (!scope) return { inScope: true, reason: NO_SCOPE_REASON };
  if (scope.accounts && !scope.accounts.includes(r.accountId)) return { inScope: false, reason: `account ${r.accountId} is not in the declared scope` };
  if (scope.regions && r.region !== 'global' && !scope.regions.includes(r.region)) return { inScope: false, reason: `region ${r.region} is not in the declared scope` };
  const ex = scope.exclude.find((s) => selectorMatches(s, r));
  if (ex) return { inScope: false, reason: `excluded: ${ex.reason}` };
  if (!scope.include) return { inScope: true, reason: 'in a scoped account and region (no component selectors declared)' };
  const inc = scope.include.find((s) => selectorMatches(s, r));
  if (inc) return { inScope: true, reason: inc.reason ?? `selected by ${describeSelector(inc)}` };
  const con = scope.connected.find((s) => selectorMatches(s, r));
  if (con) return { inScope: true, reason: `connected system: ${con.reason ?? describeSelector(con)}` };
  return { inScope: false, reason: 'not selected by the declared scope' };
}

/** An account-level setting is in scope when the account holds at least one in-scope component (or is listed with no selectors). */
export function accountSettingScope(scope: FrameworkScope | undefined, accountId: string, accountHoldsInScope: boolean): ScopeDecision {
  if (!scope) return { inScope: true, reason: NO_SCOPE_REASON };
  if (scope.accounts && !scope.accounts.includes(accountId)) return { inScope: false, reason: `account ${accountId} is not in the declared scope` };
  if (!scope.include || accountHoldsInScope) return { inScope: true, reason: 'account-level setting of an account holding in-scope components' };
  return { inScope: false, reason: 'account-level setting of an account holding no in-scope component' };
}

/** The cover's scope line for one framework. */
export function scopeStatement(scope: FrameworkScope | undefined): string {
  if (!scope) return 'scope: every resource of the listed accounts (no scope declared)';
  const parts = [scope.description ?? 'declared scope'];
  if (scope.accounts) parts.push(`accounts ${scope.accounts.join(', ')}`);
  if (scope.regions) parts.push(`regions ${scope.regions.join(', ')}`);
  if (scope.include) parts.push(`${scope.include.length} component selector(s), ${scope.connected.length} connected`);
  if (scope.exclude.length) parts.push(`${scope.exclude.length} exclusion(s)`);
  return `scope: ${parts.join('; ')}`;
}

/**
 * Marks every finding of one framework with its scope. Runs over all findings of the run at once because an
 * account-level setting's scope depends on whether any component of its account is in scope.
 */
export function markScope(framework: string, scopeConfig: ScopeConfig | undefined, findingsByAccount: Map<string, ResourceFinding[]>): void {
  const scope = scopeConfig?.[framework];
  for (const [accountId, findings] of findingsByAccount) {
    let holds = false;
    for (const f of findings) {
      if (isAccountLevel(f.resourceType)) continue;
      const d = componentScope(scope, { resource: f.resource, resourceType: f.resourceType, accountId, region: f.region });
      f.inScope = d.inScope;
      f.scopeReason = d.reason;
      holds ||= d.inScope;
    }
    const acct = accountSettingScope(scope, accountId, holds);
    for (const f of findings) {
      if (!isAccountLevel(f.resourceType)) continue;
      f.inScope = acct.inScope;
      f.scopeReason = acct.reason;
    }
  }
}
