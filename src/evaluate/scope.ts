import type { FrameworkScope, ScopeConfig, ScopeSelector } from '../config/scope.js';
import type { ResourceParent } from '../queries/types.js';
import type { ResourceFinding, ScopeContradiction } from './types.js';

/**
 * Resource types that are settings of the whole account (or of its security services) rather than system
 * components: they stay in scope wherever an in-scope component lives, because they protect it.
 */
const ACCOUNT_LEVEL_TYPES = [
  /^AWS::::Account$/,
  /^AWS::CloudTrail::/,
  /^AWS::Config::/,
  /^AWS::GuardDuty::/,
  /^AWS::IAM::/,
  /^AWS::SecurityHub::/,
  /^AWS::CloudWatch::Alarm$/,
  /^AWS::Events::Rule$/,
  /^AWS::Backup::/,
  // Security services and identity settings that watch or govern every component of the account.
  /^AWS::Macie::/,
  /^AWS::AccessAnalyzer::/,
  /^AWS::SSO::/,
  /^AWS::Inspector2?::/,
];

export function isAccountLevel(resourceType: string): boolean {
  return ACCOUNT_LEVEL_TYPES.some((re) => re.test(resourceType));
}

export const NO_SCOPE_REASON = 'no scope declared: every resource of the listed accounts';

export interface ScopeDecision {
  inScope: boolean;
  reason: string;
  /** Out because an exclusion selects it (not merely left unselected). */
  excluded?: boolean;
  /** The decision needed the resource's tags and they are unknown: counted in scope (the cautious side) and named so. */
  tagsUnknown?: boolean;
}

/** What the evidence says about a resource's tags: known (possibly none), or unknown with why (the tagging call failed). */
export type ResourceTags = { known: true; tags: Record<string, string> } | { known: false; why: string };

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
  /** Its tags, when a selector asks for them; absent: no tags known (a tag selector then cannot match). */
  tags?: ResourceTags;
}

/** Whether a selector picks a resource; `unknown` when every other field matches but its tags could not be read. */
export function selectorMatch(sel: ScopeSelector, r: ScopedResource): boolean | 'unknown' {
  if (sel.account && sel.account !== r.accountId) return false;
  if (sel.region && sel.region !== r.region) return false;
  if (sel.resourceType && sel.resourceType !== r.resourceType) return false;
  if (sel.resource) {
    const re = glob(sel.resource);
    if (!re.test(r.resource) && !re.test(lastSegment(r.resource))) return false;
  }
  if (sel.tags) {
    if (r.tags && !r.tags.known) return 'unknown';
    const tags = r.tags?.known ? r.tags.tags : {};
    for (const [key, want] of Object.entries(sel.tags)) {
      const value = tags[key];
      if (value === undefined || !(Array.isArray(want) ? want : [want]).some((w) => glob(w).test(value))) return false;
    }
  }
  return true;
}

export function selectorMatches(sel: ScopeSelector, r: ScopedResource): boolean {
  return selectorMatch(sel, r) === true;
}

function describeSelector(sel: ScopeSelector): string {
  const tags = sel.tags && `tag ${Object.entries(sel.tags).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`).join(', ')}`;
  return [sel.resource && `resource ${sel.resource}`, sel.resourceType, sel.account && `account ${sel.account}`, sel.region, tags].filter(Boolean).join(', ');
}

function unknownTags(r: ScopedResource, sel: ScopeSelector, role: string): ScopeDecision {
  const why = r.tags && !r.tags.known ? r.tags.why : 'tags not collected';
  return { inScope: true, tagsUnknown: true, reason: `scope unknown: its tags could not be read (${why}), so ${role} ${describeSelector(sel)} cannot be judged; counted as in scope until they are known` };
}

/**
 * Whether one system component (not an account-level setting) is in a framework's scope, and why.
 * Exclusions win over inclusions; with no `include` list every component of the scoped accounts and regions is in.
 */
export function componentScope(scope: FrameworkScope | undefined, r: ScopedResource): ScopeDecision {
  if (!scope) return { inScope: true, reason: NO_SCOPE_REASON };
  if (scope.accounts && !scope.accounts.includes(r.accountId)) return { inScope: false, reason: `account ${r.accountId} is not in the declared scope` };
  if (scope.regions && r.region !== 'global' && !scope.regions.includes(r.region)) return { inScope: false, reason: `region ${r.region} is not in the declared scope` };
  const ex = scope.exclude.find((s) => selectorMatch(s, r) === true);
  if (ex) return { inScope: false, excluded: true, reason: `excluded: ${ex.reason}` };
  // An exclusion that may apply once the tags are known: neither in nor out can be claimed.
  const exUnknown = scope.exclude.find((s) => selectorMatch(s, r) === 'unknown');
  if (!scope.include) return exUnknown ? unknownTags(r, exUnknown, 'the exclusion') : { inScope: true, reason: 'in a scoped account and region (no component selectors declared)' };
  const inc = scope.include.find((s) => selectorMatch(s, r) === true);
  if (inc) return exUnknown ? unknownTags(r, exUnknown, 'the exclusion') : { inScope: true, reason: inc.reason ?? `selected by ${describeSelector(inc)}` };
  const con = scope.connected.find((s) => selectorMatch(s, r) === true);
  if (con) return exUnknown ? unknownTags(r, exUnknown, 'the exclusion') : { inScope: true, reason: `connected system: ${con.reason ?? describeSelector(con)}` };
  const selUnknown = [...scope.include, ...scope.connected].find((s) => selectorMatch(s, r) === 'unknown');
  if (selUnknown) return unknownTags(r, selUnknown, 'the selector');
  return { inScope: false, reason: 'not selected by the declared scope' };
}

/** An account-level setting is in scope when the account holds at least one in-scope component (or is listed with no selectors). */
export function accountSettingScope(scope: FrameworkScope | undefined, accountId: string, accountHoldsInScope: boolean): ScopeDecision {
  if (!scope) return { inScope: true, reason: NO_SCOPE_REASON };
  if (scope.accounts && !scope.accounts.includes(accountId)) return { inScope: false, reason: `account ${accountId} is not in the declared scope` };
  if (!scope.include || accountHoldsInScope) return { inScope: true, reason: 'account-level setting of an account holding in-scope components' };
  return { inScope: false, reason: 'account-level setting of an account holding no in-scope component' };
}

/** The account and region an ARN names (`arn:partition:service:region:account:…`), each absent when the ARN leaves it empty. */
export function arnAccountRegion(arn: string): { accountId?: string; region?: string } {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return {};
  return { ...(/^\d{12}$/.test(parts[4]) ? { accountId: parts[4] } : {}), ...(parts[3] ? { region: parts[3] } : {}) };
}

function asList(parent: ResourceParent | ResourceParent[] | undefined): ResourceParent[] {
  return parent === undefined ? [] : Array.isArray(parent) ? parent : [parent];
}

/**
 * The nearest component a part belongs to that is in scope (a volume's instance; a snapshot's volume, then that volume's
 * instances), with its decision. A component an exclusion selects ends its branch: the parts of an excluded volume are
 * not brought in through it. At most four levels up.
 */
function inScopeAncestor(parent: ResourceParent | ResourceParent[] | undefined, decide: (p: ResourceParent) => ScopeDecision, depth = 0): { parent: ResourceParent; decision: ScopeDecision } | undefined {
  if (depth >= 4) return undefined;
  const level = asList(parent).map((p) => ({ p, d: decide(p) }));
  const hit = level.find((x) => x.d.inScope);
  if (hit) return { parent: hit.p, decision: hit.d };
  for (const x of level) {
    if (x.d.excluded) continue;
    const up = inScopeAncestor(x.p.parent, decide, depth + 1);
    if (up) return up;
  }
  return undefined;
}

/** The cover's scope line for one framework. */
export function scopeStatement(scope: FrameworkScope | undefined): string {
  if (!scope) return 'scope: every resource of the listed accounts (no scope declared)';
  const parts = [scope.description ?? 'declared scope'];
  if (scope.accounts) parts.push(`accounts ${scope.accounts.join(', ')}`);
  if (scope.regions) parts.push(`regions ${scope.regions.join(', ')}`);
  if (scope.include) parts.push(`${scope.include.length} component selector(s), ${scope.connected.length} connected`);
  // Each role's tags apart: a tag that takes components out must never read as one that selects them.
  const tags = (list: readonly ScopeSelector[]) => [...new Set(list.filter((s) => s.tags).map((s) => Object.entries(s.tags!).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`).join(' and ')))].join(', ');
  const selected = tags(scope.include ?? []);
  const connected = tags(scope.connected);
  const excluded = tags(scope.exclude);
  if (selected) parts.push(`selected by tag ${selected}`);
  if (connected) parts.push(`connected by tag ${connected}`);
  const byTag = scope.exclude.filter((s) => s.tags).length;
  if (scope.exclude.length) parts.push(`${scope.exclude.length} exclusion(s)${!excluded ? '' : byTag === scope.exclude.length ? ` by tag ${excluded}` : `, ${byTag} by tag ${excluded}`}`);
  return `scope: ${parts.join('; ')}`;
}

/**
 * One resource as every query names it: an S3 bucket is `arn:<partition>:s3:::name` in some queries (Macie, tagging)
 * and `name` in others (the S3 and AWS Config queries); any other resource is its type and exact name.
 */
export function resourceKey(resource: string, resourceType: string): string {
  if (resourceType === 'AWS::S3::Bucket') return `${resourceType} ${/^arn:aws[a-z-]*:s3:::([^/:]+)$/.exec(resource)?.[1] ?? resource}`;
  return `${resourceType} ${resource}`;
}

export const EXCLUSION_CONTRADICTED = 'declared exclusion contradicted';
export const SCOPE_CONTRADICTED = 'declared scope contradicted';

/** What contradicts the declared scope: a finding (its query, what it found, its record) or the configuration's own declaration. */
export function contradictionSource(c: Pick<ScopeContradiction, 'queryId' | 'found' | 'record' | 'configuration'>): string {
  if (c.configuration) return `the configuration declares it ${c.found} (${c.configuration}), so by the organisation's own declaration it holds that data`;
  return `${c.queryId} found ${c.found} (record ${c.record})`;
}

/** The scope reason of a resource the declared scope leaves out but a scope-judging result (or the configuration) shows holds the framework's data. */
export function contradictionReason(c: ScopeContradiction): string {
  return `${c.excluded ? EXCLUSION_CONTRADICTED : SCOPE_CONTRADICTED}: ${contradictionSource(c)}; counted in scope, whatever the declared scope says (${c.declared})`;
}

/**
 * Data locations the configuration declares for a framework through a query parameter (PCI DSS: `cardDataBuckets`, the
 * buckets where stored card data is expected): a location declared to hold the framework's data is in its scope.
 */
export interface DeclaredDataLocation {
  /** Glob (`*`) over the resource's name (a bucket name). */
  pattern: string;
  resourceType: string;
  /** The query taking the parameter. */
  queryId: string;
  /** The configuration field that sets it, e.g. `parameters.pci-dss-4.0.1."3.2.1".cardDataBuckets`. */
  field: string;
  /** What it declares, e.g. `a card data location`. */
  what: string;
}

/** Parameters whose values declare where a framework's data is held, with the resources they name. */
export const DATA_LOCATION_PARAMETERS: Readonly<Record<string, { resourceType: string; what: string }>> = {
  cardDataBuckets: { resourceType: 'AWS::S3::Bucket', what: 'a card data location' },
};

/** The name a data location pattern is matched against: an S3 bucket's name under either naming. */
function locationName(resource: string, resourceType: string): string {
  if (resourceType === 'AWS::S3::Bucket') return /^arn:aws[a-z-]*:s3:::([^/:]+)$/.exec(resource)?.[1] ?? resource;
  return lastSegment(resource);
}

function declaredLocationOf(declared: readonly DeclaredDataLocation[], resource: string, resourceType: string): DeclaredDataLocation | undefined {
  if (!declared.length) return undefined;
  const name = locationName(resource, resourceType);
  return declared.find((d) => d.resourceType === resourceType && glob(d.pattern).test(name));
}

/**
 * The failing scope-judging results of one framework's findings, by account and resource: each found the data that
 * defines this framework's scope (the query judges it under this framework's own requirements, e.g. card numbers for
 * PCI DSS) on a resource. A result that could not judge (error, not collected, needs review) or that passes
 * contradicts nothing.
 */
function scopeContradictions(findingsByAccount: Map<string, ResourceFinding[]>): Map<string, Omit<ScopeContradiction, 'excluded' | 'declared'>> {
  const out = new Map<string, Omit<ScopeContradiction, 'excluded' | 'declared'>>();
  for (const [accountId, findings] of findingsByAccount) {
    for (const f of findings) {
      if (!f.judgesScope || f.status !== 'fail') continue;
      const key = `${accountId}\u0000${resourceKey(f.resource, f.resourceType)}`;
      if (!out.has(key)) out.set(key, { resource: f.resource, queryId: f.queryId, record: f.recordId ?? `sha256 ${f.evidenceSha256}`, found: f.scopeFound ?? f.reason });
    }
  }
  return out;
}

/**
 * Marks every finding of one framework with its scope. Runs over all findings of the run at once because an
 * account-level setting's scope depends on whether any component of its account is in scope.
 */
export function markScope(
  framework: string,
  scopeConfig: ScopeConfig | undefined,
  findingsByAccount: Map<string, ResourceFinding[]>,
  tagsOf?: (accountId: string, resource: string, region: string) => ResourceTags,
  declared: readonly DeclaredDataLocation[] = [],
): void {
  const scope = scopeConfig?.[framework];
  // A resource the declared scope leaves out, on which a scope-judging result found this framework's data: every check
  // of it counts in scope (only this framework's findings are read, so card numbers never bring a resource into HIPAA).
  // So does one the configuration itself declares a location of this framework's data (`declared`: PCI DSS
  // cardDataBuckets): a bucket declared to hold card data is in the CDE, whatever the exclusions say.
  const contradictions = scope ? scopeContradictions(findingsByAccount) : new Map<string, never>();
  for (const [accountId, findings] of findingsByAccount) {
    let holds = false;
    const decide = (resource: string, resourceType: string, region: string, owner = accountId): ScopeDecision & { contradicted?: ScopeContradiction } => {
      const tags = tagsOf?.(owner, resource, region);
      const d = componentScope(scope, { resource, resourceType, accountId: owner, region, ...(tags ? { tags } : {}) });
      if (d.inScope) return d;
      // A finding of the data first; else the configuration's own declaration that the resource holds it.
      let c = contradictions.get(`${owner}\u0000${resourceKey(resource, resourceType)}`);
      const loc = c ? undefined : declaredLocationOf(declared, resource, resourceType);
      if (loc) {
        // One name per bucket, as Macie's results name it, so the bucket's checks under either name count as one resource.
        const named = resourceType === 'AWS::S3::Bucket' && !resource.startsWith('arn:') ? `arn:aws:s3:::${resource}` : resource;
        c = { resource: named, queryId: loc.queryId, record: loc.field, found: loc.what, configuration: `${loc.field}: "${loc.pattern}"` };
      }
      if (!c) return d;
      const contradicted = { ...c, excluded: d.excluded === true, declared: d.reason };
      return { inScope: true, reason: contradictionReason(contradicted), contradicted };
    };
    for (const f of findings) {
      if (f.judgesScope) {
        // Account data found here: the account holds data to protect, so its settings are in scope too.
        holds = true;
        continue;
      }
      if (isAccountLevel(f.resourceType)) continue;
      let d = decide(f.resource, f.resourceType, f.region);
      // A part of a component (an instance's interface or volume, a load balancer's listener, a volume's snapshot) is in
      // scope with it, unless an exclusion selects the part itself. The component is judged as what its ARN names: an
      // interface in one account attached to an instance of another is judged by that other account's scope and tags.
      if (f.parent && !d.inScope && !d.excluded) {
        const up = inScopeAncestor(f.parent, (p) => {
          const at = arnAccountRegion(p.resource);
          return decide(p.resource, p.resourceType, at.region ?? f.region, at.accountId ?? accountId);
        });
        if (up) d = { ...up.decision, reason: `part of ${up.parent.resource}, which is in scope: ${up.decision.reason}` };
      }
      f.inScope = d.inScope;
      f.scopeReason = d.reason;
      if (d.tagsUnknown) f.scopeUnknown = true;
      if ('contradicted' in d && d.contradicted) f.scopeContradicted = d.contradicted;
      holds ||= d.inScope;
    }
    const acct = accountSettingScope(scope, accountId, holds);
    for (const f of findings) {
      if (f.judgesScope) {
        // Evidence that the scope is wrong is never filtered out by it.
        f.inScope = true;
        f.scopeReason = scope ? `kept in scope whatever the declared scope says: ${f.judgesScope}` : NO_SCOPE_REASON;
        continue;
      }
      if (!isAccountLevel(f.resourceType)) continue;
      f.inScope = acct.inScope;
      f.scopeReason = acct.reason;
    }
  }
}
