/**
 * The five AWS wire protocols the simulated services speak: one encoder/decoder per format, driven by the
 * SDK's operation schemas. Each protocol routes a request to an operation, decodes its input, encodes the
 * output and encodes errors the way the real service does, so the SDK's deserializers map them to the right
 * exception names.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import type { OperationSchemaRef, ServiceErrorCodes, SimOperation, SimRequest, SimResponse, SimService } from '../types.js';
import { SimError } from '../types.js';
import {
  escapeXml,
  formatTimestamp,
  fromJsonValue,
  fromQueryParams,
  parseScalar,
  structMembers,
  timestampFormatOf,
  toJsonValue,
  xmlElement,
  xmlStructBody,
  type JsonCodecSettings,
} from './shapes.js';

export interface RoutedCall {
  op: SimOperation;
  labels: Record<string, string>;
}

export interface WireProtocol {
  readonly name: 'awsJson1_0' | 'awsJson1_1' | 'restJson1' | 'restXml' | 'awsQuery' | 'ec2Query';
  readonly defaultErrors: ServiceErrorCodes;
  /** The operation the request names (header, Action parameter or URI), implemented or not. */
  requestedOperation(req: SimRequest, service: SimService): string | undefined;
  route(req: SimRequest, service: SimService): RoutedCall | undefined;
  decodeInput(req: SimRequest, call: RoutedCall, service: SimService): Record<string, unknown>;
  encodeOutput(output: unknown, call: RoutedCall, service: SimService, requestId: string): SimResponse;
  encodeError(err: SimError, service: SimService, requestId: string): SimResponse;
}

function inputSchema(op: SimOperation): NormalizedSchema {
  return NormalizedSchema.of((op.schema as OperationSchemaRef)[4]() as never);
}
function outputSchema(op: SimOperation): NormalizedSchema {
  return NormalizedSchema.of((op.schema as OperationSchemaRef)[5]() as never);
}

const e = (code: string, status: number) => ({ code, status });

// ---------------------------------------------------------------- awsJson1_0 / awsJson1_1

function awsJson(version: '1.0' | '1.1'): WireProtocol {
  const settings: JsonCodecSettings = { useJsonName: false, timestampDefault: 'epoch-seconds' };
  const contentType = `application/x-amz-json-${version}`;
  return {
    name: version === '1.0' ? 'awsJson1_0' : 'awsJson1_1',
    defaultErrors: {
      accessDenied: e('AccessDeniedException', 400),
      throttling: e('ThrottlingException', 400),
      serverError: e('InternalFailure', 500),
      unavailable: e('ServiceUnavailable', 503),
      invalidClientToken: e('UnrecognizedClientException', 400),
      expiredToken: e('ExpiredTokenException', 400),
      missingAuth: e('MissingAuthenticationTokenException', 400),
      unknownOperation: e('UnknownOperationException', 400),
    },
    requestedOperation(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const dot = target.lastIndexOf('.');
      return dot >= 0 ? target.slice(dot + 1) : undefined;
    },
    route(req, service) {
      const name = this.requestedOperation(req, service);
      const op = service.operations.find((o) => o.name === name);
      return op ? { op, labels: {} } : undefined;
    },
    decodeInput(req, call) {
      const text = req.body.length ? req.body.toString('utf8') : '{}';
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new SimError('SerializationException', 'The request body is not valid JSON.');
      }
      return (fromJsonValue(parsed, inputSchema(call.op), settings) ?? {}) as Record<string, unknown>;
    },
    encodeOutput(output, call, _service, requestId) {
      const body = JSON.stringify(toJsonValue(output ?? {}, outputSchema(call.op), settings) ?? {});
      return { status: 200, headers: { 'content-type': contentType, 'x-amzn-requestid': requestId }, body };
    },
    encodeError(err, _service, requestId) {
      const body = JSON.stringify({ __type: err.code, message: err.message, ...err.fields });
      return { status: err.status, headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code }, body };
    },
  };
}

export const awsJson1_0 = awsJson('1.0');
export const awsJson1_1 = awsJson('1.1');

// ---------------------------------------------------------------- REST routing (restJson1, restXml)

interface CompiledRoute {
  op: SimOperation;
  method: string;
  segments: string[];
  queryLiterals: Array<[string, string | undefined]>;
}

const routeCache = new WeakMap<SimService, CompiledRoute[]>();

function compileRoutes(service: SimService): CompiledRoute[] {
  let routes = routeCache.get(service);
  if (routes) return routes;
  routes = service.operations.map((op) => {
    const http = ((op.schema[3] as Record<string, unknown>).http ?? ['POST', '/', 200]) as [string, string, number];
    const [pathPart, queryPart = ''] = http[1].split('?');
    const segments = pathPart.split('/').filter(Boolean);
    if (service.bucketInPath && !segments.includes('{Bucket}')) {
      const bucketBound = structMembers(inputSchema(op)).some(([n, m]) => n === 'Bucket' && m.getMergedTraits().httpLabel);
      if (bucketBound) segments.unshift('{Bucket}');
    }
    const queryLiterals = queryPart
      .split('&')
      .filter(Boolean)
      .map((kv): [string, string | undefined] => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, undefined] : [kv.slice(0, i), kv.slice(i + 1)];
      });
    return { op, method: http[0], segments, queryLiterals };
  });
  routeCache.set(service, routes);
  return routes;
}

const matched = new WeakMap<SimRequest, RoutedCall | null>();

/** The operation a REST request addresses (memoised per request: routing and stats both ask). */
function matchRoute(req: SimRequest, service: SimService): RoutedCall | undefined {
  let m = matched.get(req);
  if (m === undefined) {
    m = findRoute(req, service) ?? null;
    matched.set(req, m);
  }
  return m ?? undefined;
}

function findRoute(req: SimRequest, service: SimService): RoutedCall | undefined {
  const parts = req.path.split('/').filter(Boolean);
  let best: { call: RoutedCall; score: number } | undefined;
  for (const r of compileRoutes(service)) {
    if (r.method !== req.method) continue;
    const labels: Record<string, string> = {};
    let ok = true;
    let i = 0;
    for (const seg of r.segments) {
      if (seg.startsWith('{') && seg.endsWith('+}')) {
        labels[seg.slice(1, -2)] = parts.slice(i).map(decodeURIComponent).join('/');
        i = parts.length;
        continue;
      }
      const part = parts[i++];
      if (part === undefined) {
        ok = false;
        break;
      }
      if (seg.startsWith('{')) labels[seg.slice(1, -1)] = decodeURIComponent(part);
      else if (seg !== part) {
        ok = false;
        break;
      }
    }
    if (!ok || i !== parts.length) continue;
    let score = r.segments.filter((s) => !s.startsWith('{')).length * 10;
    for (const [k, v] of r.queryLiterals) {
      const got = req.query.get(k);
      // The SDK adds `x-id=<Operation>` to disambiguate; other clients may omit it.
      if (k === 'x-id' && got === null) continue;
      if (got === null || (v !== undefined && got !== v)) {
        ok = false;
        break;
      }
      score += 100;
    }
    if (!ok) continue;
    if (!best || score > best.score) best = { call: { op: r.op, labels }, score };
  }
  return best?.call;
}

function headerValue(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Reads path labels, query and header bindings; returns the input and the members left for the body. */
function decodeHttpBindings(req: SimRequest, call: RoutedCall): { input: Record<string, unknown>; bodyMembers: Array<[string, NormalizedSchema]>; payload?: [string, NormalizedSchema] } {
  const input: Record<string, unknown> = {};
  const bodyMembers: Array<[string, NormalizedSchema]> = [];
  let payload: [string, NormalizedSchema] | undefined;
  const boundQueryKeys = new Set<string>();
  let queryParamsMember: [string, NormalizedSchema] | undefined;
  for (const [name, member] of structMembers(inputSchema(call.op))) {
    const t = member.getMergedTraits();
    if (t.httpLabel) {
      if (call.labels[name] !== undefined) input[name] = parseScalar(member, call.labels[name]);
    } else if (typeof t.httpQuery === 'string') {
      boundQueryKeys.add(t.httpQuery);
      if (member.isListSchema()) {
        const all = req.query.getAll(t.httpQuery);
        if (all.length) input[name] = all.map((v) => parseScalar(member.getValueSchema(), v));
      } else {
        const v = req.query.get(t.httpQuery);
        if (v !== null) input[name] = parseScalar(member, v);
      }
    } else if (typeof t.httpHeader === 'string') {
      const v = headerValue(req, t.httpHeader);
      if (v !== undefined) input[name] = member.isListSchema() ? v.split(',').map((x) => parseScalar(member.getValueSchema(), x.trim())) : parseScalar(member, v);
    } else if (t.httpQueryParams) {
      queryParamsMember = [name, member];
    } else if (t.httpPayload) {
      payload = [name, member];
    } else if (!t.httpPrefixHeaders && !t.hostLabel) {
      bodyMembers.push([name, member]);
    }
  }
  if (queryParamsMember) {
    const map: Record<string, string> = {};
    for (const [k, v] of req.query) if (!boundQueryKeys.has(k)) map[k] = v;
    input[queryParamsMember[0]] = map;
  }
  return { input, bodyMembers, payload };
}

/** Splits output members into HTTP headers/status and what goes into the body. */
function encodeHttpBindings(output: Record<string, unknown>, ns: NormalizedSchema): { status: number; headers: Record<string, string>; bodyMembers: Record<string, unknown>; payload?: [unknown, NormalizedSchema] } {
  let status = Number((ns.getMergedTraits().http as unknown[] | undefined)?.[2] ?? 200);
  const headers: Record<string, string> = {};
  const bodyMembers: Record<string, unknown> = {};
  let payload: [unknown, NormalizedSchema] | undefined;
  for (const [name, member] of structMembers(ns)) {
    const v = output[name];
    if (v === undefined || v === null) continue;
    const t = member.getMergedTraits();
    if (typeof t.httpHeader === 'string') {
      headers[t.httpHeader.toLowerCase()] = member.isTimestampSchema() ? String(formatTimestamp(v, timestampFormatOf(member, 'http-date'))) : Array.isArray(v) ? v.join(',') : String(v);
    } else if (t.httpResponseCode) {
      status = Number(v);
    } else if (typeof t.httpPrefixHeaders === 'string') {
      for (const [k, hv] of Object.entries(v as Record<string, string>)) headers[`${t.httpPrefixHeaders}${k}`.toLowerCase()] = hv;
    } else if (t.httpPayload) {
      payload = [v, member];
    } else {
      bodyMembers[name] = v;
    }
  }
  return { status, headers, bodyMembers, payload };
}

// ---------------------------------------------------------------- restJson1

export const restJson1: WireProtocol = {
  name: 'restJson1',
  defaultErrors: {
    accessDenied: e('AccessDeniedException', 403),
    throttling: e('TooManyRequestsException', 429),
    serverError: e('InternalServerErrorException', 500),
    unavailable: e('ServiceUnavailableException', 503),
    invalidClientToken: e('UnrecognizedClientException', 403),
    expiredToken: e('ExpiredTokenException', 403),
    missingAuth: e('MissingAuthenticationTokenException', 403),
    unknownOperation: e('UnknownOperationException', 404),
  },
  requestedOperation(req, service) {
    return matchRoute(req, service)?.op.name ?? `${req.method} ${req.path}`;
  },
  route: matchRoute,
  decodeInput(req, call) {
    const settings: JsonCodecSettings = { useJsonName: true, timestampDefault: 'epoch-seconds' };
    const { input, bodyMembers, payload } = decodeHttpBindings(req, call);
    if (payload) {
      const [name, member] = payload;
      if (req.body.length) input[name] = member.isStructSchema() ? fromJsonValue(JSON.parse(req.body.toString('utf8')), member, settings) : member.isStringSchema() ? req.body.toString('utf8') : new Uint8Array(req.body);
    } else if (bodyMembers.length && req.body.length) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new SimError('SerializationException', 'The request body is not valid JSON.', 400);
      }
      for (const [name, member] of bodyMembers) {
        const key = (member.getMergedTraits().jsonName as string | undefined) ?? name;
        if (parsed[key] !== undefined) input[name] = fromJsonValue(parsed[key], member, settings);
      }
    }
    return input;
  },
  encodeOutput(output, call, _service, requestId) {
    const settings: JsonCodecSettings = { useJsonName: true, timestampDefault: 'epoch-seconds' };
    const ns = outputSchema(call.op);
    const { status, headers, bodyMembers, payload } = encodeHttpBindings((output ?? {}) as Record<string, unknown>, ns);
    let body: string | Buffer;
    if (payload) {
      const [v, member] = payload;
      body = member.isStructSchema() || member.isDocumentSchema() ? JSON.stringify(toJsonValue(v, member, settings)) : typeof v === 'string' ? v : Buffer.from(v as Uint8Array);
    } else {
      const out: Record<string, unknown> = {};
      for (const [name, member] of structMembers(ns)) {
        if (!(name in bodyMembers)) continue;
        out[(member.getMergedTraits().jsonName as string | undefined) ?? name] = toJsonValue(bodyMembers[name], member, settings);
      }
      body = JSON.stringify(out);
    }
    return { status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...headers }, body };
  },
  encodeError(err, _service, requestId) {
    // The SDK reads the code from x-amzn-errortype; a modelled `__type` member (e.g. GuardDuty's Type) may override the body field.
    const body = JSON.stringify({ __type: err.code, message: err.message, ...err.fields });
    return { status: err.status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code }, body };
  },
};

// ---------------------------------------------------------------- restXml (S3, S3 Control)

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** S3's request ids: 16 upper-case hex digits (x-amz-request-id) and a base64 extended id (x-amz-id-2). */
function s3RequestHeaders(requestId: string): { 'x-amz-request-id': string; 'x-amz-id-2': string } {
  const hex = requestId.replace(/-/g, '').toUpperCase();
  return { 'x-amz-request-id': hex.slice(0, 16), 'x-amz-id-2': Buffer.from(hex, 'hex').toString('base64') };
}

export const restXml: WireProtocol = {
  name: 'restXml',
  defaultErrors: {
    accessDenied: e('AccessDenied', 403),
    throttling: e('SlowDown', 503),
    serverError: e('InternalError', 500),
    unavailable: e('ServiceUnavailable', 503),
    invalidClientToken: e('InvalidAccessKeyId', 403),
    expiredToken: e('ExpiredToken', 400),
    missingAuth: e('AccessDenied', 403),
    unknownOperation: e('NotImplemented', 501),
  },
  requestedOperation(req, service) {
    return matchRoute(req, service)?.op.name ?? `${req.method} ${req.path}${req.query.size ? '?' + req.query.toString() : ''}`;
  },
  route: matchRoute,
  decodeInput(req, call) {
    const { input, payload } = decodeHttpBindings(req, call);
    // Simulated S3 operations are reads; a payload is only decoded when it is a string or blob.
    if (payload && req.body.length && !payload[1].isStructSchema()) input[payload[0]] = payload[1].isStringSchema() ? req.body.toString('utf8') : new Uint8Array(req.body);
    return input;
  },
  encodeOutput(output, call, service, requestId) {
    const ns = outputSchema(call.op);
    const { status, headers, bodyMembers, payload } = encodeHttpBindings((output ?? {}) as Record<string, unknown>, ns);
    const baseHeaders = { ...s3RequestHeaders(requestId), ...headers };
    if (payload) {
      const [v, member] = payload;
      if (member.isStructSchema()) {
        const tag = (member.getMergedTraits().xmlName as string | undefined) ?? member.getName() ?? member.getMemberName();
        return { status, headers: { 'content-type': 'application/xml', ...baseHeaders }, body: XML_DECL + xmlElement(tag, v, member, service.xmlNamespace) };
      }
      return { status, headers: { 'content-type': member.isStringSchema() ? 'text/plain' : 'application/octet-stream', ...baseHeaders }, body: typeof v === 'string' ? v : Buffer.from(v as Uint8Array) };
    }
    if (!structMembers(ns).some(([, m]) => !isHttpBound(m))) return { status, headers: baseHeaders, body: '' };
    const tag = (ns.getMergedTraits().xmlName as string | undefined) ?? `${call.op.name}Result`;
    const { attrs, body } = xmlStructBody(bodyMembers, ns);
    const nsAttr = service.xmlNamespace ? ` xmlns="${service.xmlNamespace}"` : '';
    return { status, headers: { 'content-type': 'application/xml', ...baseHeaders }, body: `${XML_DECL}<${tag}${nsAttr}${attrs}>${body}</${tag}>` };
  },
  encodeError(err, service, requestId) {
    const extra = Object.entries(err.fields)
      .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
      .join('');
    const inner = `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}`;
    const ids = s3RequestHeaders(requestId);
    const body = service.wrappedXmlErrors
      ? `${XML_DECL}<ErrorResponse><Error>${inner}</Error><RequestId>${ids['x-amz-request-id']}</RequestId><HostId>${ids['x-amz-id-2']}</HostId></ErrorResponse>`
      : `${XML_DECL}<Error>${inner}<RequestId>${ids['x-amz-request-id']}</RequestId><HostId>${ids['x-amz-id-2']}</HostId></Error>`;
    return { status: err.status, headers: { 'content-type': 'application/xml', ...ids }, body };
  },
};

function isHttpBound(m: NormalizedSchema): boolean {
  const t = m.getMergedTraits();
  return !!(t.httpHeader || t.httpResponseCode || t.httpPrefixHeaders || t.httpQuery || t.httpLabel);
}

// ---------------------------------------------------------------- awsQuery / ec2Query

function formParams(req: SimRequest): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of req.query) params.set(k, v);
  const type = String(req.headers['content-type'] ?? '');
  if (req.body.length && (type === '' || type.startsWith('application/x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

const paramCache = new WeakMap<SimRequest, Map<string, string>>();
function paramsOf(req: SimRequest): Map<string, string> {
  let p = paramCache.get(req);
  if (!p) {
    p = formParams(req);
    paramCache.set(req, p);
  }
  return p;
}

function query(ec2: boolean): WireProtocol {
  return {
    name: ec2 ? 'ec2Query' : 'awsQuery',
    defaultErrors: ec2
      ? {
          accessDenied: e('UnauthorizedOperation', 403),
          throttling: e('RequestLimitExceeded', 503),
          serverError: e('InternalError', 500),
          unavailable: e('Unavailable', 503),
          invalidClientToken: e('AuthFailure', 401),
          expiredToken: e('RequestExpired', 400),
          missingAuth: e('MissingAuthenticationToken', 401),
          unknownOperation: e('InvalidAction', 400),
        }
      : {
          accessDenied: e('AccessDenied', 403),
          throttling: e('Throttling', 400),
          serverError: e('InternalFailure', 500),
          unavailable: e('ServiceUnavailable', 503),
          invalidClientToken: e('InvalidClientTokenId', 403),
          expiredToken: e('ExpiredToken', 400),
          missingAuth: e('MissingAuthenticationToken', 403),
          unknownOperation: e('InvalidAction', 400),
        },
    requestedOperation(req) {
      return paramsOf(req).get('Action');
    },
    route(req, service) {
      const action = paramsOf(req).get('Action');
      const op = service.operations.find((o) => o.name === action);
      return op ? { op, labels: {} } : undefined;
    },
    decodeInput(req, call) {
      return (fromQueryParams(paramsOf(req), inputSchema(call.op), { ec2 }) ?? {}) as Record<string, unknown>;
    },
    encodeOutput(output, call, service, requestId) {
      const ns = outputSchema(call.op);
      const { body } = ns.isStructSchema() ? xmlStructBody((output ?? {}) as Record<string, unknown>, ns) : { body: '' };
      const op = call.op.name;
      const nsAttr = service.xmlNamespace ? ` xmlns="${service.xmlNamespace}"` : '';
      const xml = ec2
        ? `${XML_DECL}<${op}Response${nsAttr}><requestId>${requestId}</requestId>${body}</${op}Response>`
        : `${XML_DECL}<${op}Response${nsAttr}><${op}Result>${body}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
      return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: xml };
    },
    encodeError(err, service, requestId) {
      const msg = escapeXml(err.message);
      const code = escapeXml(err.code);
      const nsAttr = service.xmlNamespace ? ` xmlns="${service.xmlNamespace}"` : '';
      const xml = ec2
        ? `${XML_DECL}<Response><Errors><Error><Code>${code}</Code><Message>${msg}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `${XML_DECL}<ErrorResponse${nsAttr}><Error><Type>${err.fault}</Type><Code>${code}</Code><Message>${msg}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: xml };
    },
  };
}

export const awsQuery = query(false);
export const ec2Query = query(true);
