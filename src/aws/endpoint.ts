import { isIP } from 'node:net';
import type { EndpointV2 } from '@smithy/types';

/**
 * Endpoint handling for local AWS emulators (LocalStack, moto, the project's simulator) reached at an IP address or
 * `localhost` through `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` or an `endpoint` setting.
 *
 * The SDK's endpoint rules put a name in front of a custom endpoint's host: S3 Control prefixes the account id
 * (`http://<account>.127.0.0.1:4566/`, not a valid URL) and S3 the bucket for virtual-hosted style on `localhost`.
 * Neither resolves on such an endpoint, and the rule sets have no parameter to turn the account prefix off, so the
 * client's own endpoint provider is wrapped: at an IP or loopback endpoint S3 is asked for path-style addressing
 * (its `ForcePathStyle` parameter) and any name the rules put in front of the host is dropped. S3 Control still
 * sends the account id in its `x-amz-account-id` request header. Endpoints with a real DNS name are left alone.
 */

/** True for an IP address (v4 or v6) or `localhost`: hosts that cannot take a DNS label in front of them. */
export function isAddressOrLocalhost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isIP(host) !== 0 || host === 'localhost';
}

type EndpointParams = Record<string, unknown> & { Endpoint?: string };
type EndpointProvider = (params: EndpointParams, context?: { logger?: unknown }) => EndpointV2;

/** A DNS name that never resolves (RFC 6761), standing in for the IP or localhost while the SDK's rules run. */
const STAND_IN_HOST = 'local-endpoint.invalid';

/** Endpoints already split (a run asks for the same few endpoints on every request); bounded, in case they vary. */
const LOCAL_ENDPOINTS = new Map<string, { host: string; standIn: string } | undefined>();

/** The custom endpoint parameter split around its host, when that host is an IP address or localhost. */
function localEndpoint(endpoint: unknown): { host: string; standIn: string } | undefined {
  if (typeof endpoint !== 'string') return undefined;
  if (LOCAL_ENDPOINTS.has(endpoint)) return LOCAL_ENDPOINTS.get(endpoint);
  const split = splitLocalEndpoint(endpoint);
  if (LOCAL_ENDPOINTS.size >= 256) LOCAL_ENDPOINTS.clear();
  LOCAL_ENDPOINTS.set(endpoint, split);
  return split;
}

function splitLocalEndpoint(endpoint: string): { host: string; standIn: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (!isAddressOrLocalhost(url.hostname)) return undefined;
  // The rules see the same scheme, port and path; only the host is a name they can put a label in front of.
  const at = endpoint.toLowerCase().indexOf(url.hostname.toLowerCase(), url.protocol.length);
  if (at < 0) return undefined;
  return { host: url.hostname, standIn: `${endpoint.slice(0, at)}${STAND_IN_HOST}${endpoint.slice(at + url.hostname.length)}` };
}

/** Wraps an SDK endpoint provider so an IP or localhost endpoint gets path-style addressing and no host prefix. */
export function localEndpointProvider(base: EndpointProvider): EndpointProvider {
  return (params, context) => {
    const local = localEndpoint(params.Endpoint);
    if (!local) return base(params, context);
    // Only services whose rules take ForcePathStyle (S3) are asked for it; the others do not know the parameter.
    const resolved = base({ ...params, Endpoint: local.standIn, ...('ForcePathStyle' in params ? { ForcePathStyle: true } : {}) }, context);
    const url = new URL(resolved.url.href);
    if (url.hostname === STAND_IN_HOST || url.hostname.endsWith(`.${STAND_IN_HOST}`)) url.hostname = local.host;
    return { ...resolved, url };
  };
}

interface ConfigurableClient {
  config: { endpointProvider?: unknown };
}

/**
 * Makes an SDK client work against an IP or localhost endpoint (see above). The client reads `config.endpointProvider`
 * on every request, so wrapping it after construction keeps the client's own rules for every other endpoint.
 */
export function supportLocalEndpoints<C>(client: C): C {
  const config = (client as unknown as ConfigurableClient).config;
  if (typeof config?.endpointProvider === 'function') config.endpointProvider = localEndpointProvider(config.endpointProvider as EndpointProvider);
  return client;
}
