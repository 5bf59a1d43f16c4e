import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AwsCredentialIdentityProvider, AwsCredentialIdentity } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localhostAwareLookup } from './localhost-lookup.js';
import { supportLocalEndpoints } from './endpoint.js';
import { RateLimiterRegistry } from './rate-limit.js';
import { isThrottling } from './failure.js';
import { redactSecretInputs } from '../log/logger.js';
import { loadStsSdk } from './sdk.js';
import { processSdkConfig, type ProcessSdkConfig } from './sdk-config.js';
import type { SharedWorkKey } from './shared-work.js';

/** Maps an SDK client name (handler context `clientName`) to its IAM action prefix. */
const IAM_PREFIX: Record<string, string> = {
  ConfigServiceClient: 'config',
  CloudTrailClient: 'cloudtrail',
  GuardDutyClient: 'guardduty',
  S3Client: 's3',
  S3ControlClient: 's3',
  STSClient: 'sts',
  IAMClient: 'iam',
  KMSClient: 'kms',
  EC2Client: 'ec2',
  RDSClient: 'rds',
  CloudWatchLogsClient: 'logs',
  SecurityHubClient: 'securityhub',
  OrganizationsClient: 'organizations',
  AccountClient: 'account',
  SSMClient: 'ssm',
  NetworkFirewallClient: 'network-firewall',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  ACMClient: 'acm',
  CloudFrontClient: 'cloudfront',
  WAFV2Client: 'wafv2',
  CloudWatchClient: 'cloudwatch',
  SNSClient: 'sns',
  EventBridgeClient: 'events',
  BackupClient: 'backup',
  AccessAnalyzerClient: 'access-analyzer',
  SSOAdminClient: 'sso',
  Macie2Client: 'macie2',
  Inspector2Client: 'inspector2',
  ECRClient: 'ecr',
  LambdaClient: 'lambda',
  SecretsManagerClient: 'secretsmanager',
  ResourceGroupsTaggingAPIClient: 'tag',
};

/** IAM actions already built, by client name then command name (the middleware asks on every attempt). */
const IAM_ACTIONS = new Map<string, Map<string, string>>();

/** The IAM action for an SDK command, e.g. `s3:GetBucketEncryption`. */
export function iamAction(clientName: string, commandName: string): string {
  let byCommand = IAM_ACTIONS.get(clientName);
  if (!byCommand) IAM_ACTIONS.set(clientName, (byCommand = new Map()));
  let action = byCommand.get(commandName);
  if (action === undefined) {
    const prefix = IAM_PREFIX[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
    action = `${prefix}:${commandName.replace(/Command$/, '')}`;
    byCommand.set(commandName, action);
  }
  return action;
}

/** One SDK call as logged into an evidence record: the operation and its request parameters. */
export interface LoggedCall {
  operation: string;
  input: unknown;
  /** Error code when the call failed (after retries). */
  error?: string;
  attempts?: number;
  /** Where the answer came from: the AWS request id, the endpoint's origin and the HTTP Date of the last attempt's response. */
  requestId?: string;
  endpoint?: string;
  responseDate?: string;
}

/** What the deserialize step saw of the last attempt's request and response (one per command invocation). */
interface ResponseSeen {
  endpoint?: string;
  date?: string;
  requestId?: string;
}
const RESPONSE_SEEN = Symbol('evidenceLockerResponseSeen');
type SeenContext = { [RESPONSE_SEEN]?: ResponseSeen };

interface WireRequest {
  protocol?: string;
  hostname?: string;
  port?: number;
}
interface WireResponse {
  headers?: Record<string, string | undefined>;
}

function originOf(r: WireRequest | undefined): string | undefined {
  if (!r?.hostname) return undefined;
  const protocol = (r.protocol ?? 'https:').replace(/:?$/, ':');
  return `${protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
}

/** The last Date header converted: it has one-second resolution, so consecutive responses mostly share it. */
let lastDate: { raw: string; iso: string } | undefined;

/** The HTTP Date header as an ISO timestamp (kept as sent when it does not parse). */
function responseDateOf(r: WireResponse | undefined): string | undefined {
  const raw = r?.headers?.date ?? r?.headers?.Date;
  if (!raw) return undefined;
  if (lastDate?.raw === raw) return lastDate.iso;
  const d = new Date(raw);
  const iso = Number.isNaN(d.getTime()) ? raw : d.toISOString();
  lastDate = { raw, iso };
  return iso;
}

function requestIdOf(r: WireResponse | undefined): string | undefined {
  const h = r?.headers ?? {};
  return h['x-amzn-requestid'] ?? h['x-amzn-request-id'] ?? h['x-amz-request-id'] ?? undefined;
}

/** The ARN of the principal a provider's credentials belong to (sts:GetCallerIdentity), outside any call log; undefined if the call fails. */
export async function callerArnOf(provider: AwsClientProvider): Promise<string | undefined> {
  try {
    return await callerArnOrThrow(provider);
  } catch {
    return undefined;
  }
}

/** As callerArnOf, but a failed call (or an answer without an ARN) throws the SDK's error for the caller to name. */
export async function callerArnOrThrow(provider: AwsClientProvider): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await loadStsSdk();
  return callLogStorage.exit(async () => {
    const arn = (await provider.get(STSClient).send(new GetCallerIdentityCommand({}))).Arn;
    if (!arn) throw new Error('the response names no Arn');
    return arn;
  });
}

/** Calls made inside `withCallLog` are appended to its log, whichever client made them. */
const callLogStorage = new AsyncLocalStorage<LoggedCall[]>();

/** Adds calls made elsewhere (a read shared by several fetches) to the log of the `withCallLog` this runs inside, if any. */
export function recordCalls(calls: readonly LoggedCall[]): void {
  callLogStorage.getStore()?.push(...calls);
}

export async function withCallLog<T>(fn: () => Promise<T>): Promise<{ result: T; calls: LoggedCall[] } | { error: unknown; calls: LoggedCall[] }> {
  const calls: LoggedCall[] = [];
  try {
    const result = await callLogStorage.run(calls, fn);
    return { result, calls };
  } catch (error) {
    return { error, calls };
  }
}

export interface AwsClientSettings {
  accountId: string;
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Total attempts per call including the first (SDK retry strategy, adaptive mode). */
  maxAttempts?: number;
  /** Per-request socket timeout in ms. */
  requestTimeoutMs?: number;
  rateLimits?: RateLimiterRegistry;
  /**
   * Bounds the requests in flight across every client that shares it (a collection run's `collect.concurrency`).
   * A slot is taken only after the rate limiter's wait, so a call paced by a published limit holds no slot while it waits.
   */
  callSlots?: CallSlots;
  /** A connection pool shared with other providers (a collection run's); without it each client opens its own. */
  connections?: SharedConnections;
  /**
   * The SDK settings of the run this provider serves, read from the environment once when the run starts (see
   * sdk-config.ts); without it the provider reads them when it builds its first client.
   */
  sdk?: ProcessSdkConfig;
  /** Observer for every attempt (metrics, tests). */
  onAttempt?: (action: string, outcome: 'ok' | 'throttled' | 'error') => void;
  /**
   * Send each read of SHARED_READS once per provider (account and region) for the same parameters: a second query
   * asking the same gets the same response, and its record cites the same request id (a collection run's setting).
   */
  shareReads?: boolean;
}

/** A shared bound on requests in flight; `priority` requests (rate-paced ones) go first. */
export interface CallSlots {
  run<T>(fn: () => Promise<T>, priority?: boolean): Promise<T>;
}

/** A handler on a shared pool: destroying one client must not close the connections of every other. */
class SharedPoolHttpHandler extends NodeHttpHandler {
  override destroy(): void {}
}

/**
 * One keep-alive connection pool for many clients (every client of a collection run): connections, and TLS
 * sessions, are reused across accounts, regions and services instead of each client opening its own.
 * Clients never close it; its owner does, once, with `destroy()`.
 */
export class SharedConnections {
  // No per-host socket cap: the requests in flight are already bounded by the run's call slots.
  readonly http = new HttpAgent({ keepAlive: true, lookup: localhostAwareLookup });
  readonly https = new HttpsAgent({ keepAlive: true, lookup: localhostAwareLookup });
  /** One request handler on this pool per request timeout, used by every client built on it (none holds state of its own). */
  private readonly handlers = new Map<number, NodeHttpHandler>();

  handler(requestTimeoutMs: number): NodeHttpHandler {
    let handler = this.handlers.get(requestTimeoutMs);
    if (!handler) {
      handler = new SharedPoolHttpHandler({ httpAgent: this.http, httpsAgent: this.https, connectionTimeout: 5_000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true });
      this.handlers.set(requestTimeoutMs, handler);
    }
    return handler;
  }

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

type ClientCtor<C> = new (config: Record<string, unknown>) => C;

interface MiddlewareCapable {
  middlewareStack: {
    add: (mw: unknown, opts: Record<string, unknown>) => void;
  };
  destroy?: () => void;
}

const defaultRateLimits = new RateLimiterRegistry();

/** Credentials whose session can be renewed when AWS rejects it as expired (an assumed role's shared session). */
function isRenewable(c: AwsClientSettings['credentials']): c is AwsCredentialIdentityProvider & { invalidate(usedSince: number): void } {
  return typeof c === 'function' && typeof (c as { invalidate?: unknown }).invalidate === 'function';
}

/** The error codes AWS services use for a session token that is no longer valid. */
function isExpiredSession(err: unknown): boolean {
  const name = (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code ?? '';
  return name === 'ExpiredToken' || name === 'ExpiredTokenException';
}

/**
 * The one SDK client factory. Clients use the SDK's own credential chain, endpoint resolution
 * (`AWS_ENDPOINT_URL_<SERVICE>`), adaptive retry strategy and paginators; we only add call logging and
 * published rate limits.
 */
export class AwsClientProvider {
  private readonly cache = new Map<unknown, unknown>();
  /** Providers for the same account in other regions (`forRegion`). */
  private readonly otherRegions = new Map<string, AwsClientProvider>();
  /** Reads already answered (or under way) for this account and region, by action and parameters. */
  private readonly reads = new Map<string, Promise<SharedRead | undefined>>();
  /** Work several queries of this account and region share (`shared`), by key: its outcome and the calls it made. */
  private readonly work = new Map<string, Promise<{ result: unknown; calls: LoggedCall[] } | { error: unknown; calls: LoggedCall[] }>>();
  /** The process's SDK settings as of this provider's first client (read once per account-region, not per client). */
  private sdkConfig: ProcessSdkConfig | undefined;
  constructor(readonly settings: AwsClientSettings) {}

  get accountId(): string {
    return this.settings.accountId;
  }
  get region(): string {
    return this.settings.region;
  }

  get<C>(Ctor: ClientCtor<C>): C {
    let client = this.cache.get(Ctor) as C | undefined;
    if (!client) {
      const sdkConfig = (this.sdkConfig ??= this.settings.sdk ?? processSdkConfig());
      client = new Ctor({
        // FIPS, dual-stack, app id and auth scheme preference as the SDK loads them, loaded once per process.
        ...sdkConfig.settings,
        region: this.settings.region,
        ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
        maxAttempts: this.settings.maxAttempts ?? 6,
        retryMode: 'adaptive',
        requestHandler: this.settings.connections
          ? this.settings.connections.handler(this.settings.requestTimeoutMs ?? 30_000)
          : new NodeHttpHandler({
              // `<account>.localhost` endpoints (S3 Control against a loopback endpoint override) resolve to loopback.
              httpAgent: { lookup: localhostAwareLookup },
              connectionTimeout: 5_000,
              requestTimeout: this.settings.requestTimeoutMs ?? 30_000,
              // Without this the handler only warns and an unanswered request hangs the run forever.
              throwOnRequestTimeout: true,
            }),
      });
      supportLocalEndpoints(client);
      sdkConfig.shareConfiguredEndpoint(client);
      this.instrument(client as unknown as MiddlewareCapable);
      this.cache.set(Ctor, client);
    }
    return client;
  }

  /**
   * Runs `read` once per provider for `key` when reads are shared (a collection run's providers: one account, region
   * and set of credentials, for one run), and gives every query asking its outcome: its own copy of the result, or the
   * same error. Queries asking at the same time wait for the one read. The calls it made join each asking query's call
   * log, so every record cites the same requests. A read several queries judge in full (a listing and what its items
   * name), where SHARED_READS shares single calls: a captured failure inside it is shared too, never read again.
   * Without `shareReads` each caller runs its own. The key comes from `sharedWork`, which defines the work.
   */
  async shared<T>(key: SharedWorkKey, read: () => Promise<T>): Promise<T> {
    if (!this.settings.shareReads) return read();
    let pending = this.work.get(key);
    if (!pending) this.work.set(key, (pending = withCallLog(read)));
    const outcome = await pending;
    recordCalls(outcome.calls.map((c) => ({ ...c })));
    if ('error' in outcome) throw outcome.error;
    return privateCopy(outcome.result) as T;
  }

  /**
   * The provider for the same account and credentials in another region, one per region for this provider's life:
   * every query of the account-region asking (S3 bucket-level calls in each bucket's region) uses its clients instead
   * of building its own. Destroyed with this provider.
   */
  forRegion(region: string): AwsClientProvider {
    let other = this.otherRegions.get(region);
    if (!other) this.otherRegions.set(region, (other = new AwsClientProvider({ ...this.settings, region })));
    return other;
  }

  destroy(): void {
    for (const c of this.cache.values()) (c as MiddlewareCapable).destroy?.();
    for (const p of this.otherRegions.values()) p.destroy();
    this.cache.clear();
    this.otherRegions.clear();
    this.work.clear();
  }

  private instrument(client: MiddlewareCapable): void {
    const { accountId, region } = this.settings;
    const limits = this.settings.rateLimits ?? defaultRateLimits;
    const onAttempt = this.settings.onAttempt;
    const callSlots = this.settings.callSlots;
    const renewable = isRenewable(this.settings.credentials) ? this.settings.credentials : undefined;
    const reads = this.settings.shareReads ? this.reads : undefined;
    // Outermost: log the call once (its request and final outcome) into the current evidence record.
    client.middlewareStack.add(
      (next: (args: { input: unknown }) => Promise<{ output: { $metadata?: { attempts?: number; requestId?: string } } }>, context: { clientName?: string; commandName?: string } & SeenContext) =>
        async (args: { input: unknown }) => {
          const action = iamAction(context.clientName ?? 'unknown', context.commandName ?? 'unknown');
          const log = callLogStorage.getStore();
          const startedAt = Date.now();
          const key = reads && SHARED_READS.has(action) ? `${action} ${JSON.stringify(args.input)}` : undefined;
          let share: ((r: SharedRead | undefined) => void) | undefined;
          if (key) {
            const earlier = reads!.get(key);
            const got = earlier && (await earlier);
            if (got) {
              // The same response, cited by the request id AWS gave it; a copy, so no query can change another's evidence.
              log?.push({ operation: action, input: redactSecretInputs(args.input), ...got.logged });
              return { output: privateCopy(got.output) } as Awaited<ReturnType<typeof next>>;
            }
            reads!.set(key, new Promise((resolve) => (share = resolve)));
          }
          try {
            let out;
            try {
              out = await next(args);
            } catch (err) {
              // An assumed-role session AWS ended before its stated expiry: renew it for every client of the account and
              // send the request once more (the SDK's retry strategy does not retry expired credentials).
              if (!renewable || !isExpiredSession(err)) throw err;
              renewable.invalidate(startedAt);
              out = await next(args);
            }
            const logged = { attempts: out.output?.$metadata?.attempts, ...seen(context, out.output?.$metadata?.requestId) };
            log?.push({ operation: action, input: redactSecretInputs(args.input), ...logged });
            share?.({ output: privateCopy(out.output), logged });
            return out;
          } catch (err) {
            const e = err as { name?: string; $metadata?: { attempts?: number; requestId?: string } };
            log?.push({ operation: action, input: redactSecretInputs(args.input), error: e.name ?? 'Error', attempts: e.$metadata?.attempts, ...seen(context, e.$metadata?.requestId) });
            // A failed read is never shared: the next query asking makes its own call.
            if (key) reads!.delete(key);
            share?.(undefined);
            throw err;
          }
        },
      { step: 'initialize', name: 'evidenceLockerCallLog', priority: 'high' },
    );
    // Closest to the wire: note each attempt's endpoint, request id and Date header (the last attempt's is kept).
    client.middlewareStack.add(
      (next: (args: { request?: WireRequest }) => Promise<{ response?: WireResponse }>, context: SeenContext) =>
        async (args: { request?: WireRequest }) => {
          const noted: ResponseSeen = { endpoint: originOf(args.request) };
          context[RESPONSE_SEEN] = noted;
          try {
            const out = await next(args);
            noted.date = responseDateOf(out.response);
            noted.requestId = requestIdOf(out.response);
            return out;
          } catch (err) {
            const response = (err as { $response?: WireResponse }).$response;
            noted.date = responseDateOf(response);
            noted.requestId = requestIdOf(response);
            throw err;
          }
        },
      { step: 'deserialize', name: 'evidenceLockerResponseSeen', priority: 'low' },
    );
    // Innermost (after the retry strategy): each attempt waits for the published rate limit.
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
        async (args: unknown) => {
          const action = iamAction(context.clientName ?? 'unknown', context.commandName ?? 'unknown');
          const limiter = limits.limiterFor(accountId, region, action);
          await limiter?.acquire();
          const attempt = async () => {
            try {
              const out = await next(args);
              onAttempt?.(action, 'ok');
              return out;
            } catch (err) {
              onAttempt?.(action, isThrottling(err) ? 'throttled' : 'error');
              throw err;
            }
          };
          return callSlots ? callSlots.run(attempt, limiter !== undefined) : attempt();
        },
      { step: 'finalizeRequest', name: 'evidenceLockerRateLimit', priority: 'low' },
    );
  }
}

/**
 * A copy of a shared answer that nothing else holds, as `structuredClone` makes it, at a fraction of its cost on the
 * JSON-shaped answers the SDK gives: plain objects and arrays are copied member by member and dates anew; anything
 * else (binary, a class instance) is left to `structuredClone`. Each query gets its own, so one query changing its
 * answer cannot change another's evidence.
 */
export function privateCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(privateCopy) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null) {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const member = privateCopy((value as Record<string, unknown>)[k]);
      // A member named `__proto__` (a tag key or variable name is anyone's choice) stays a member, never a prototype.
      if (k === '__proto__') Object.defineProperty(copy, k, { value: member, writable: true, enumerable: true, configurable: true });
      else copy[k] = member;
    }
    return copy as T;
  }
  if (value instanceof Date && proto === Date.prototype) return new Date(value.getTime()) as T;
  return structuredClone(value);
}

/** A read's response kept for the other queries of the same account and region that ask the same. */
interface SharedRead {
  output: unknown;
  logged: Pick<LoggedCall, 'attempts' | 'requestId' | 'endpoint' | 'responseDate'>;
}

/**
 * Reads several queries of one account and region make with the same parameters, whose answer is a description of
 * configuration at the time of the call (never a poll or a report that is being generated): a collection run sends
 * each once per account and region. Every page is its own read (the page token is a parameter).
 */
export const SHARED_READS: ReadonlySet<string> = new Set([
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:GetEventSelectors',
  'kms:ListKeys',
  'kms:DescribeKey',
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  // What security-group rules name, read by ec2.admin-ports-open and ec2.security-group-egress.
  'ec2:DescribeManagedPrefixLists',
  'ec2:GetManagedPrefixListEntries',
  'ec2:DescribeStaleSecurityGroups',
  'lambda:ListFunctions',
  'guardduty:ListDetectors',
  'guardduty:GetDetector',
  's3:ListBuckets',
  's3:GetBucketLocation',
  'elasticloadbalancing:DescribeLoadBalancers',
  'backup:ListProtectedResources',
  // The region's backup vaults, read by backup.plans and rds.storage-encrypted (which lists their Aurora recovery points).
  'backup:ListBackupVaults',
  'ecr:DescribeRepositories',
  'cloudfront:ListDistributions',
  // Multi-tenant distributions and their tenants, read by cloudfront.viewer-tls and wafv2.cloudfront-web-acls.
  'cloudfront:ListDistributionsByConnectionMode',
  'cloudfront:ListDistributionTenants',
  'securityhub:GetEnabledStandards',
  // The PCI DSS standard's controls, read by securityhub.pci-standard and securityhub.control-results.
  'securityhub:DescribeStandardsControls',
  'rds:DescribeDBInstances',
  // The account's manual (cluster) snapshots, read by rds.storage-encrypted and rds.snapshot-sharing.
  'rds:DescribeDBSnapshots',
  'rds:DescribeDBClusterSnapshots',
  'wafv2:ListWebACLs',
  'network-firewall:ListFirewalls',
  'network-firewall:DescribeFirewall',
  'network-firewall:DescribeFirewallPolicy',
  'access-analyzer:ListAnalyzers',
  'iam:GetAccountPasswordPolicy',
  'iam:GetCredentialReport',
  'inspector2:BatchGetAccountStatus',
  // The Inspector administrator's membership, read by its three organisation-wide sources.
  'inspector2:ListMembers',
]);

/** The provenance of one logged call, from the SDK's $metadata and what the deserialize step saw. */
function seen(context: SeenContext, metadataRequestId: string | undefined): Pick<LoggedCall, 'requestId' | 'endpoint' | 'responseDate'> {
  const r = context[RESPONSE_SEEN];
  const requestId = metadataRequestId ?? r?.requestId;
  return { ...(requestId ? { requestId } : {}), ...(r?.endpoint ? { endpoint: r.endpoint } : {}), ...(r?.date ? { responseDate: r.date } : {}) };
}
