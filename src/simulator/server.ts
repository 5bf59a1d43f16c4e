/**
 * The simulated AWS: one loopback HTTP server that speaks the real AWS wire protocols, so unchanged SDK v3
 * clients reach it by endpoint override alone. Requests are routed by the service in the SigV4 credential
 * scope; signatures are not verified, but the access key id must belong to a simulated principal.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultEngine, StatsRecorder, type CallOutcome, type SimFaults, type SimStats } from './faults.js';
import { SERVICES } from './services/registry.js';
import { SimError, type CallContext, type ErrorCode, type ServiceErrorCodes, type SimRequest, type SimResponse, type SimService } from './types.js';
import type { SimWorld } from './world.js';
import { demoWorld } from './worlds/demo.js';
import { isRegionUsable } from './regions.js';
import { awsJson1_0, awsJson1_1, awsQuery, ec2Query, restJson1, restXml, type WireProtocol } from './protocols/wire.js';

/** Wire protocol of services the simulator does not serve, so the refusal comes back in a format the SDK can read. */
const PROTOCOL_BY_SIGNING_NAME: Record<string, WireProtocol> = {
  ec2: ec2Query,
  iam: awsQuery,
  rds: awsQuery,
  sts: awsQuery,
  s3: restXml,
  guardduty: restJson1,
  securityhub: restJson1,
  account: restJson1,
  ssm: awsJson1_1,
  'network-firewall': awsJson1_0,
  elasticloadbalancing: awsQuery,
  acm: awsJson1_1,
  cloudfront: restXml,
  wafv2: awsJson1_1,
  monitoring: awsJson1_0,
  sns: awsQuery,
  events: awsJson1_1,
  backup: restJson1,
  'access-analyzer': restJson1,
  sso: awsJson1_1,
  macie2: restJson1,
  inspector2: restJson1,
  ecr: awsJson1_1,
  lambda: restJson1,
  secretsmanager: awsJson1_1,
  tagging: awsJson1_1,
};

export interface StartOptions {
  /** The world to serve; defaults to `demoWorld()`. */
  world?: SimWorld;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  faults?: SimFaults;
  /** Extra services (beyond the built-in registry), e.g. for a test of a new service module. */
  services?: SimService[];
}

export interface SimulatedAws {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  world: SimWorld;
  /** Replaces the fault configuration at runtime. */
  setFaults(faults: SimFaults): void;
  stats(): SimStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** Reads the SigV4 credential scope from the Authorization header (or a presigned URL's query). */
export function credentialScope(headers: IncomingMessage['headers'], query: URLSearchParams): SigV4Scope | undefined {
  const auth = headers.authorization;
  const credential = auth ? /Credential=([^,\s]+)/.exec(auth)?.[1] : (query.get('X-Amz-Credential') ?? undefined);
  if (!credential) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

function errorCodes(service: SimService): ServiceErrorCodes {
  return { ...service.protocol.defaultErrors, ...service.errors };
}

function simError(code: ErrorCode, message: string): SimError {
  return new SimError(code.code, message, code.status);
}

/** Virtual-hosted S3 requests (`<bucket>.localhost`) are rewritten to the path-style form the router reads. */
function virtualHostToPath(req: SimRequest): void {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const m = /^(.+)\.localhost$/.exec(host);
  if (m) req.path = `/${m[1]}${req.path === '/' ? '/' : req.path}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startSimulatedAws(options: StartOptions = {}): Promise<SimulatedAws> {
  const world = options.world ?? demoWorld();
  const services = [...(options.services ?? []), ...SERVICES];
  const faults = new FaultEngine(options.faults ?? {});
  const stats = new StatsRecorder();
  const sockets = new Set<Socket>();

  function findService(signingName: string, req: SimRequest): SimService | undefined {
    const candidates = services.filter((s) => s.signingName === signingName);
    return candidates.find((s) => s.claims?.(req)) ?? candidates.find((s) => !s.claims);
  }

  async function handle(req: SimRequest, scope: SigV4Scope | undefined, res: ServerResponse): Promise<void> {
    // Shaped like AWS's own (a UUID; S3 derives its 16-hex-digit form), so evidence carries request ids as AWS writes them.
    const requestId = randomUUID();
    if (!scope) {
      writeResponse(res, { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'MissingAuthenticationTokenException' }, body: JSON.stringify({ message: 'Missing Authentication Token: the request carries no SigV4 Authorization header.' }) });
      return;
    }
    const service = findService(scope.service, req);
    if (!service) {
      // Answer in the protocol the client expects, so its error is readable rather than a parse failure.
      const placeholder: SimService = { name: scope.service, signingName: scope.service, protocol: PROTOCOL_BY_SIGNING_NAME[scope.service] ?? awsJson1_1, operations: [] };
      const code = placeholder.protocol.defaultErrors.unknownOperation;
      stats.record(`${scope.service}:${placeholder.protocol.requestedOperation(req, placeholder) ?? 'Unknown'}`, undefined, 'error');
      writeResponse(res, placeholder.protocol.encodeError(simError(code, `The simulated AWS does not implement the ${scope.service} service (named in the request's credential scope).`), placeholder, requestId));
      return;
    }
    if (service.bucketInPath) virtualHostToPath(req);
    const codes = errorCodes(service);
    const opName = service.protocol.requestedOperation(req, service) ?? 'Unknown';
    const action = `${service.name}:${opName}`;
    const reply = (r: SimResponse, outcome: CallOutcome, accountId?: string) => {
      stats.record(action, accountId, outcome);
      writeResponse(res, r);
    };
    const fail = (err: SimError, accountId?: string) => {
      const throttled = err.code === codes.throttling.code;
      const encoded = service.protocol.encodeError(err, service, requestId);
      encoded.headers = { ...encoded.headers, ...err.headers };
      reply(encoded, throttled ? 'throttled' : err.status >= 500 ? 'serverError' : 'error', accountId);
    };

    const credential = world.credentials.get(scope.accessKeyId);
    if (!credential) return fail(simError(codes.invalidClientToken, `The security token included in the request is invalid: access key ${scope.accessKeyId} is not known to the simulated AWS.`));
    const nowMs = world.now().getTime();
    const ttl = faults.current.credentialTtlMs;
    if ((credential.expiresAt !== undefined && nowMs >= credential.expiresAt) || (ttl !== undefined && credential.issuedAt !== undefined && nowMs >= credential.issuedAt + ttl)) {
      return fail(simError(codes.expiredToken, 'The security token included in the request is expired.'), credential.accountId);
    }
    const account = world.account(credential.accountId);
    if (!account) return fail(simError(codes.invalidClientToken, `The security token included in the request is invalid: account ${credential.accountId} does not exist.`));
    if (!isRegionUsable(account, scope.region)) {
      return fail(simError(codes.invalidClientToken, `The security token included in the request is invalid: region ${scope.region} is not enabled for account ${account.id}.`), account.id);
    }
    const call = service.protocol.route(req, service);
    if (!call) return fail(simError(codes.unknownOperation, `The simulated ${service.name} service does not implement ${opName}.`), account.id);

    const decision = faults.decide({ service: service.name, operation: call.op.name, accountId: account.id, region: scope.region }, nowMs);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    switch (decision.outcome) {
      case 'reset':
        stats.record(action, account.id, 'reset');
        res.socket?.resetAndDestroy();
        return;
      case 'timeout':
        if (decision.slowResponseMs === undefined) {
          // Never answered: the client's request timeout must fire. The socket is destroyed on close().
          stats.record(action, account.id, 'timeout');
          return;
        }
        await sleep(decision.slowResponseMs);
        break;
      case 'accessDenied':
        return fail(simError(codes.accessDenied, `User: ${credential.arn} is not authorized to perform: ${service.name}:${call.op.name} because no identity-based policy allows the ${service.name}:${call.op.name} action`), account.id);
      case 'throttle':
        return fail(simError(codes.throttling, 'Rate exceeded'), account.id);
      case 'rateLimited': {
        const err = simError(codes.throttling, `Rate exceeded for ${service.name}:${call.op.name} in account ${account.id}, region ${scope.region}.`);
        return reply(service.protocol.encodeError(err, service, requestId), 'rateLimited', account.id);
      }
      case 'serverError':
        return fail(simError(codes.serverError, 'We encountered an internal error. Please try again.'), account.id);
      case 'unavailable':
        return fail(simError(codes.unavailable, 'Service is temporarily unavailable. Please try again.'), account.id);
      default:
        break;
    }

    const ctx: CallContext = { world, account, region: scope.region, credential, now: world.now(), requestId, service: service.name, operation: call.op.name, request: req };
    try {
      const input = service.protocol.decodeInput(req, call, service);
      const output = await call.op.handler(input, ctx);
      reply(service.protocol.encodeOutput(output, call, service, requestId), decision.outcome === 'timeout' ? 'timeout' : 'ok', account.id);
    } catch (err) {
      if (err instanceof SimError) return fail(err, account.id);
      const message = err instanceof Error ? err.message : String(err);
      fail(simError(codes.serverError, `The simulated ${service.name}:${call.op.name} failed: ${message}`), account.id);
    }
  }

  function writeResponse(res: ServerResponse, r: SimResponse): void {
    if (res.destroyed || res.writableEnded) return;
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length), date: new Date().toUTCString() });
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://simulated.aws');
      const simReq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      handle(simReq, credentialScope(req.headers, url.searchParams), res).catch((err: unknown) => {
        writeResponse(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: `simulated AWS internal error: ${String(err)}` });
      });
    });
  });
  // Clients keep connections alive; the server must not close idle sockets under them first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    world,
    setFaults: (f) => faults.set(f),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export { simulatorEnv } from './env.js';
