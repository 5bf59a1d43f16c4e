import type { IncomingHttpHeaders } from 'node:http';
import type { Handler, MetadataBearer } from '@smithy/types';
import type { SimAccount, SimCredential, SimWorld } from './world.js';
import type { WireProtocol } from './protocols/wire.js';

/** One HTTP request as the simulator sees it, body fully read. */
export interface SimRequest {
  method: string;
  /** Path without the query string, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** An AWS error answered in the protocol's own error format; the SDK maps `code` to the exception name. */
export class SimError extends Error {
  /** Extra response headers (e.g. S3's x-amz-bucket-region on a redirect). */
  headers: Record<string, string> = {};
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error body by wire name (S3's BucketName, GuardDuty's __type). */
    readonly fields: Record<string, string> = {},
    /** Fault side: `Sender` (client error) or `Receiver` (server error) for query protocols. */
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** What a handler knows about the call it answers. */
export interface CallContext {
  world: SimWorld;
  account: SimAccount;
  /** The region in the request's SigV4 credential scope. */
  region: string;
  credential: SimCredential;
  now: Date;
  requestId: string;
  /** The service's IAM prefix, e.g. `cloudtrail`. */
  service: string;
  operation: string;
  request: SimRequest;
}

/** The static operation schema the SDK attaches to each command (`new XCommand({}).schema`). */
export type OperationSchemaRef = readonly [number, string, string, Record<string, unknown> | number, () => unknown, () => unknown];

export interface SimOperation {
  name: string;
  schema: OperationSchemaRef;
  handler: (input: Record<string, unknown>, ctx: CallContext) => unknown;
}

type Output<O> = Omit<O, '$metadata'>;

/**
 * Registers the handler for one SDK command. Input and output are the SDK's own types, so a misspelt field
 * in a handler or a fixture is a compile error, not a silently undefined value in a query.
 */
export function operation<I extends object, O extends MetadataBearer>(
  command: new (input: I) => { input: I; resolveMiddleware(stack: never, config: never, options: never): Handler<I, O> },
  handler: (input: I, ctx: CallContext) => Output<O> | Promise<Output<O>>,
): SimOperation {
  const instance = new command({} as I) as unknown as { schema?: OperationSchemaRef };
  const schema = instance.schema;
  if (!schema) throw new Error(`${command.name} carries no operation schema; the installed SDK client is older than the simulator supports`);
  return { name: schema[2], schema, handler: handler as unknown as SimOperation['handler'] };
}

export interface ErrorCode {
  code: string;
  status: number;
}

/** The codes a service uses for conditions the simulator itself raises (auth, faults, unknown operations). */
export interface ServiceErrorCodes {
  accessDenied: ErrorCode;
  throttling: ErrorCode;
  serverError: ErrorCode;
  unavailable: ErrorCode;
  invalidClientToken: ErrorCode;
  expiredToken: ErrorCode;
  missingAuth: ErrorCode;
  unknownOperation: ErrorCode;
}

/** One simulated service: registered in services/registry.ts, implemented in services/<name>.ts. */
export interface SimService {
  /** IAM action prefix, used for stats, faults and rate limits (`cloudtrail:LookupEvents`). */
  name: string;
  /** The service name in the SigV4 credential scope. */
  signingName: string;
  protocol: WireProtocol;
  operations: SimOperation[];
  /** XML namespace for XML protocols. */
  xmlNamespace?: string;
  /** When several services share a signing name (S3 and S3 Control), which requests belong to this one. */
  claims?: (req: SimRequest) => boolean;
  /** Overrides of the protocol's default error codes. */
  errors?: Partial<ServiceErrorCodes>;
  /** S3-style path addressing: the bucket is the first path segment rather than part of the modelled URI. */
  bucketInPath?: boolean;
  /** S3 Control style errors wrapped in <ErrorResponse>. */
  wrappedXmlErrors?: boolean;
  /**
   * Fills this service's state when a world is built, so a new service brings its own demo and generated
   * resources: called once per account of `demoWorld()` and `organizationWorld()`.
   */
  seed?: (account: SimAccount, world: WorldSeedContext) => void;
}

export interface WorldSeedContext {
  kind: 'demo' | 'organization';
  /** Regions populated in the account. */
  regions: readonly string[];
  /** Reference time of the world. */
  now: Date;
  /** Seeded random source of the world being built (deterministic). */
  random: () => number;
}
