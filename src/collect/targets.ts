import type { Account } from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { scrubSecrets } from '../log/logger.js';
import { AwsClientProvider } from '../aws/clients.js';
import { describeSdkFailure } from '../aws/failure.js';
import { loadAccountSdk, loadCredentialProviders, loadOrganizationsSdk, loadStsSdk } from '../aws/sdk.js';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../evidence/hash.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { resumablePages } from '../aws/resumable-pages.js';
import { isThrottling } from '../aws/failure.js';

/** One account to collect from, with the credentials to use there and the regions to cover. */
export interface AccountTarget {
  accountId: string;
  name?: string;
  /** Undefined: the SDK's default credential chain (the current account). */
  credentials?: AwsCredentialIdentityProvider;
  /** The role assumed in the account (undefined for the current account). */
  roleArn?: string;
  /** Regional queries run in each of these; global queries run once per account through `config.regions.home`. */
  regions: string[];
  /** Where the region list came from: the configuration (or --regions) or the account's enabled regions. */
  regionSource: 'configured' | 'enabled';
}

/** An account or region that could not be reached at all: a gap with no evidence record. */
export interface TargetGap {
  accountId: string;
  region?: string;
  reason: string;
}

export interface TargetFilter {
  accounts?: string[];
  regions?: string[];
  shard?: { index: number; count: number; slot?: string };
}

/**
 * IAM actions the target discovery needs in each member account, besides the queries' own `apiCalls` (the
 * collector's own ListAccounts and AssumeRole grants are written in deploy/templates.ts).
 */
export const MEMBER_DISCOVERY_ACTIONS = ['account:ListRegions'] as const;

/** Accounts probed (role assumed, regions listed) at once; STS and the Account API have low rate limits. */
const DISCOVERY_CONCURRENCY = 8;

/** Assumed-role sessions are renewed this long before they expire (more than the SDK's own 5-minute window). */
export const SESSION_REFRESH_WINDOW_MS = 10 * 60_000;

export function roleArnFor(config: Config, accountId: string, explicit?: string): string {
  return explicit ?? `arn:aws:iam::${accountId}:role/${config.accounts.roleName}`;
}

/**
 * One session per account shared by every SDK client of that account (each region and service would otherwise
 * assume the role on its own), renewed `refreshWindowMs` before it expires so runs longer than the session
 * duration keep going. Concurrent callers during a renewal share the one in-flight AssumeRole.
 * It is marked `memoized` so the SDK clients call it for every request instead of keeping the identity in caches of
 * their own until its stated expiry: a session that AWS ends early (`invalidate`) is replaced in every client at once.
 */
export function sharedSession(
  provider: AwsCredentialIdentityProvider,
  opts: { refreshWindowMs?: number; now?: () => number } = {},
): RenewableCredentials {
  const windowMs = opts.refreshWindowMs ?? SESSION_REFRESH_WINDOW_MS;
  const now = opts.now ?? (() => Date.now());
  let current: { identity: AwsCredentialIdentity; obtainedAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity) => !c.expiration || c.expiration.getTime() - now() > windowMs;
  const session = (async () => {
    if (current && fresh(current.identity)) return current.identity;
    if (!pending) {
      const startedAt = now();
      pending = Promise.resolve(provider())
        .then((identity) => {
          current = { identity, obtainedAt: startedAt };
          return identity;
        })
        .finally(() => {
          pending = undefined;
        });
    }
    return pending;
  }) as RenewableCredentials;
  session.invalidate = (usedSince: number) => {
    // Only a session obtained before the failed request started: the many requests that fail together renew it once.
    if (current && current.obtainedAt <= usedSince) current = undefined;
  };
  session.memoized = true;
  return session;
}

/** Credentials that can be told the service rejected them as expired, so the next request gets a new session. */
export type RenewableCredentials = AwsCredentialIdentityProvider & {
  /** Drop the session if it was obtained at or before `usedSince` (ms since epoch, when the failed request started). */
  invalidate(usedSince: number): void;
  /** Read by the AWS SDK: the provider caches on its own, so clients call it for each request. */
  memoized: true;
};

/** Credentials for a member account: AssumeRole, shared by all of the account's clients and renewed before expiry. */
export function assumedRoleCredentials(config: Config, roleArn: string, seed?: AwsCredentialIdentity): RenewableCredentials {
  let assumeRole: Promise<AwsCredentialIdentityProvider> | undefined;
  // A collection worker starts from the session the main thread already holds, so no account is assumed twice.
  let first = seed;
  return sharedSession(async () => {
    if (first) {
      const s = first;
      first = undefined;
      return s;
    }
    assumeRole ??= loadCredentialProviders().then(({ fromTemporaryCredentials }) =>
      fromTemporaryCredentials({
        params: {
          RoleArn: roleArn,
          RoleSessionName: 'evidence-locker',
          DurationSeconds: config.accounts.sessionDurationSeconds,
          ...(config.accounts.externalId ? { ExternalId: config.accounts.externalId } : {}),
        },
        clientConfig: { region: config.regions.home },
      }),
    );
    return (await assumeRole)();
  });
}

/** The shard (1..count) an account belongs to: a stable hash of its id, so adding accounts never moves others. */
export function shardOf(accountId: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a positive integer, got ${count}`);
  return (Number.parseInt(sha256Hex(accountId).slice(0, 12), 16) % count) + 1;
}

/** The accounts of shard `index` of `count`; every account is in exactly one shard. */
export function selectShard<T extends { accountId: string }>(targets: readonly T[], shard: { index: number; count: number }): T[] {
  return targets.filter((t) => shardOf(t.accountId, shard.count) === shard.index);
}

/** An account Organizations reports as usable (State replaces the deprecated Status field). */
export function isActiveAccount(a: Pick<Account, 'State' | 'Status'>): boolean {
  return (a.State ?? a.Status) === 'ACTIVE';
}

/** Every account of the organization, ACTIVE ones only, sorted by id. Needs the management or a delegated administrator account. */
export async function listOrganizationAccounts(config: Config, log: Logger, signal?: AbortSignal): Promise<{ active: Account[]; skipped: Account[] }> {
  const { OrganizationsClient, paginateListAccounts } = await loadOrganizationsSdk();
  const provider = new AwsClientProvider({ accountId: 'current', region: config.regions.home, maxAttempts: config.collect.maxAttempts });
  const active: Account[] = [];
  const skipped: Account[] = [];
  try {
    const client = provider.get(OrganizationsClient);
    const pages = resumablePages((startingToken) => paginateListAccounts({ client, ...(startingToken ? { startingToken } : {}) }, {}, ...(signal ? [{ abortSignal: signal }] : [])), {
      action: 'organizations:ListAccounts',
      nextToken: (page) => page.NextToken,
      log,
      ...(signal ? { signal } : {}),
    });
    for await (const page of pages) {
      for (const a of page.Accounts ?? []) (isActiveAccount(a) ? active : skipped).push(a);
    }
  } catch (err) {
    // A stopped run (the daemon shutting down) is not a listing that failed.
    if (signal?.aborted) throw signal.reason;
    const e = err as { name?: string; message?: string };
    throw new EvidenceLockerError(`accounts.source is "organizations" but organizations:ListAccounts failed: ${e.name ?? 'Error'}: ${scrubSecrets(e.message ?? String(err))}`, {
      hint: isThrottling(err)
        ? 'AWS Organizations still throttled the listing after 10 minutes of pauses: other callers (more collector shards started together, or other tools) share the management account\'s quota; start fewer shards at once, stagger their schedules, or set accounts.source to "list"'
        : 'run the collector in the management account or in a delegated administrator account of the organization, with organizations:ListAccounts in its role (deploy/collector.json grants it); or set accounts.source to "list"',
      cause: err,
    });
  } finally {
    provider.destroy();
  }
  for (const a of skipped) log.info({ accountId: a.Id, state: a.State ?? a.Status }, 'organization account skipped: not ACTIVE');
  active.sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? ''));
  return { active, skipped };
}

/** The regions enabled in an account (ENABLED and ENABLED_BY_DEFAULT), from the Account API, sorted. */
export async function listEnabledRegions(config: Config, accountId: string, credentials?: AwsCredentialIdentityProvider): Promise<string[]> {
  const { AccountClient, paginateListRegions } = await loadAccountSdk();
  const provider = new AwsClientProvider({ accountId, region: config.regions.home, credentials, maxAttempts: config.collect.maxAttempts });
  try {
    const regions: string[] = [];
    for await (const page of paginateListRegions({ client: provider.get(AccountClient) }, { RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'] })) {
      for (const r of page.Regions ?? []) {
        if (r.RegionName && (r.RegionOptStatus === 'ENABLED' || r.RegionOptStatus === 'ENABLED_BY_DEFAULT')) regions.push(r.RegionName);
      }
    }
    return [...new Set(regions)].sort();
  } finally {
    provider.destroy();
  }
}

function describeError(err: unknown): string {
  const { code, message } = describeSdkFailure(err);
  return `${code}: ${message.slice(0, 300)}`;
}

/**
 * Resolves which accounts and regions a run covers: the current account, a configured list, or the ACTIVE
 * accounts of the organization; then the --accounts filter, then the shard, then each account's regions
 * (configured, or the account's enabled regions). An account whose role cannot be assumed, or whose regions
 * cannot be listed, becomes a gap and the others go on; only a failure that affects every account throws.
 */
export async function resolveTargets(config: Config, filter: TargetFilter, log: Logger, signal?: AbortSignal): Promise<{ targets: AccountTarget[]; gaps: TargetGap[] }> {
  const gaps: TargetGap[] = [];
  let candidates: { accountId: string; name?: string; roleArn?: string }[];
  if (config.accounts.source === 'current') {
    const { STSClient, GetCallerIdentityCommand } = await loadStsSdk();
    const provider = new AwsClientProvider({ accountId: 'current', region: config.regions.home, maxAttempts: config.collect.maxAttempts });
    try {
      const id = await provider.get(STSClient).send(new GetCallerIdentityCommand({}));
      candidates = [{ accountId: id.Account ?? 'unknown' }];
    } catch (err) {
      throw new EvidenceLockerError(`could not identify the current AWS account (sts:GetCallerIdentity): ${describeError(err)}`, {
        hint: 'provide credentials through the SDK chain (AWS_PROFILE, environment, or the ECS task role) and AWS_REGION',
        cause: err,
      });
    } finally {
      provider.destroy();
    }
  } else if (config.accounts.source === 'list') {
    candidates = config.accounts.list.map((a) => ({ accountId: a.id, name: a.name, roleArn: roleArnFor(config, a.id, a.roleArn) }));
  } else {
    const { active } = await listOrganizationAccounts(config, log, signal);
    candidates = active.filter((a) => a.Id).map((a) => ({ accountId: a.Id as string, name: a.Name, roleArn: roleArnFor(config, a.Id as string) }));
  }

  if (filter.accounts?.length) {
    const wanted = new Set(filter.accounts);
    const known = new Set(candidates.map((t) => t.accountId));
    const where = config.accounts.source === 'organizations' ? 'among the ACTIVE accounts of the organization' : config.accounts.source === 'list' ? 'in the configured account list' : 'the current account';
    const unknown = [...wanted].filter((a) => !known.has(a)).sort();
    // Refused, not a gap: a mistyped id would otherwise seal a run of nothing but errors.
    if (unknown.length) throw new ConfigError(`--accounts: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not ${where}`, 'leave the account out of --accounts, or add it to the accounts the configuration collects from');
    candidates = candidates.filter((t) => wanted.has(t.accountId));
  }

  if (filter.shard) {
    const before = candidates.length;
    candidates = selectShard(candidates, filter.shard);
    log.info({ shard: `${filter.shard.index}/${filter.shard.count}`, accounts: candidates.length, of: before }, 'accounts of this shard selected');
  }

  const configured = filter.regions?.length ? [...new Set(filter.regions)] : config.regions.list;
  const discover = config.regions.source === 'enabled';
  const limit = new ConcurrencyLimit(DISCOVERY_CONCURRENCY);
  const resolved = await Promise.all(
    candidates.map((c) =>
      limit.run(async (): Promise<AccountTarget | undefined> => {
        const credentials = c.roleArn ? assumedRoleCredentials(config, c.roleArn) : undefined;
        if (credentials) {
          try {
            await credentials();
          } catch (err) {
            gaps.push({
              accountId: c.accountId,
              reason: `could not assume ${c.roleArn}: ${describeError(err)}; deploy the member role (deploy/member-role.json StackSet) to this account and check that it trusts the collector role${config.accounts.externalId ? ' with the configured external id' : ''}`,
            });
            log.warn({ accountId: c.accountId, roleArn: c.roleArn, error: describeError(err) }, 'account skipped: role could not be assumed; recorded as a gap');
            return undefined;
          }
        }
        const base = { accountId: c.accountId, ...(c.name ? { name: c.name } : {}), ...(credentials ? { credentials, roleArn: c.roleArn } : {}) };
        if (!discover) return { ...base, regions: [...configured], regionSource: 'configured' };
        try {
          const enabled = await listEnabledRegions(config, c.accountId, credentials);
          const regions = filter.regions?.length ? configured.filter((r) => enabled.includes(r)) : enabled;
          const notEnabled = filter.regions?.length ? configured.filter((r) => !enabled.includes(r)) : [];
          if (notEnabled.length) log.info({ accountId: c.accountId, regions: notEnabled }, 'requested regions are not enabled in this account; nothing to collect there');
          return { ...base, regions, regionSource: 'enabled' };
        } catch (err) {
          gaps.push({
            accountId: c.accountId,
            reason: `could not list the enabled regions (account:ListRegions): ${describeError(err)}; collected in the configured regions (${config.regions.list.join(', ')}) instead; grant account:ListRegions to the member role`,
          });
          log.warn({ accountId: c.accountId, error: describeError(err) }, 'enabled regions unknown; using the configured regions; recorded as a gap');
          return { ...base, regions: [...config.regions.list], regionSource: 'configured' };
        }
      }),
    ),
  );
  const targets = resolved.filter((t): t is AccountTarget => t !== undefined).sort((a, b) => a.accountId.localeCompare(b.accountId));
  gaps.sort((a, b) => a.accountId.localeCompare(b.accountId) || (a.region ?? '').localeCompare(b.region ?? ''));
  log.debug({ accounts: targets.length, gaps: gaps.length, regionSource: config.regions.source }, 'resolved collection targets');
  return { targets, gaps };
}
