import { loadConfig, NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS, NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS } from '@smithy/core/config';
import { NODE_APP_ID_CONFIG_OPTIONS } from '@aws-sdk/core/client';
import { NODE_AUTH_SCHEME_PREFERENCE_OPTIONS } from '@aws-sdk/core/httpAuthSchemes';
import type { Provider } from '@smithy/types';

/**
 * Process-wide SDK settings, loaded once instead of once per client.
 *
 * Every SDK client loads the same settings from the environment and the shared config files when it is built
 * (`AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`, `AWS_SDK_UA_APP_ID`, `AWS_AUTH_SCHEME_PREFERENCE`, and the
 * service's `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` / `endpoint_url`), each through a chain of
 * env → shared ini → default that fails its way down with an error per link. A collection builds one client per
 * service per account-region (about 35 per account-region), so that chain ran thousands of times for the same answer.
 * Here the SDK's own loaders and selectors run once per process and every client gets the loaded provider, so the
 * values, their precedence and their defaults stay exactly the SDK's.
 *
 * The cache is keyed by the `AWS_*` environment: when it changes (a test pointing the SDK at a new endpoint), runs and
 * client providers started after the change load everything afresh. The SDK itself reads the shared config files once
 * per process.
 */

/** The settings passed to every client's constructor; each is a provider memoised by the SDK's loader. */
export interface SharedClientSettings {
  useFipsEndpoint: Provider<boolean>;
  useDualstackEndpoint: Provider<boolean>;
  userAgentAppId: Provider<string | undefined>;
  authSchemePreference: Provider<string[]>;
}

/** What the SDK's endpoint config resolver puts on a built client: its `AWS_ENDPOINT_URL_<SERVICE>` lookup. */
interface EndpointConfigurable {
  config?: { serviceId?: unknown; serviceConfiguredEndpoint?: unknown };
}

/**
 * The SDK settings of one `AWS_*` environment: the settings for new clients' constructors, and the configured-endpoint
 * lookups shared by service.
 */
export class ProcessSdkConfig {
  /** By SDK service id: the answer of the first client's configured-endpoint lookup. */
  private readonly configuredEndpoints = new Map<string, () => Promise<unknown>>();
  readonly settings: SharedClientSettings = {
    // The same loader options each client passes (no profile of its own, the default logger).
    useFipsEndpoint: loadConfig(NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS, {}),
    useDualstackEndpoint: loadConfig(NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS, {}),
    userAgentAppId: loadConfig(NODE_APP_ID_CONFIG_OPTIONS, {}),
    authSchemePreference: loadConfig(NODE_AUTH_SCHEME_PREFERENCE_OPTIONS, {}),
  };

  constructor(readonly env: string) {}

  /**
   * Makes a new client share the configured-endpoint lookup (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`,
   * `endpoint_url`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`) of the first client of its service. The SDK's endpoint
   * middleware asks `config.serviceConfiguredEndpoint()` before each request and memoises the answer per client; the
   * first client's lookup is the SDK's own, later clients of the service get its answer.
   */
  shareConfiguredEndpoint<C>(client: C): C {
    const config = (client as EndpointConfigurable).config;
    if (!config || typeof config.serviceId !== 'string' || typeof config.serviceConfiguredEndpoint !== 'function') return client;
    const endpoints = this.configuredEndpoints;
    const serviceId = config.serviceId;
    let lookup = endpoints.get(serviceId);
    if (!lookup) {
      // Keep the answer, not the first client's function: that would keep the first client's config alive.
      const answer = (config.serviceConfiguredEndpoint as () => Promise<unknown>)();
      const shared = (): Promise<unknown> => answer;
      // A lookup that failed is not shared: the next client of the service looks again, as it would on its own.
      answer.catch(() => endpoints.get(serviceId) === shared && endpoints.delete(serviceId));
      lookup = shared;
      endpoints.set(serviceId, lookup);
    }
    config.serviceConfiguredEndpoint = lookup;
    return client;
  }
}

let loaded: ProcessSdkConfig | undefined;

/** The `AWS_*` environment as one string: the part of the environment the SDK's settings are read from. */
function awsEnvironment(): string {
  const env = process.env;
  let key = '';
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) key += `${name}=${env[name]}\n`;
  return key;
}

/**
 * The SDK settings for the current `AWS_*` environment, loaded once per environment. Reading the environment costs
 * about as much as building a client, so callers ask once per batch of clients: a collection run once for all its
 * providers (`AwsClientSettings.sdk`), a provider outside a run once for its clients.
 */
export function processSdkConfig(): ProcessSdkConfig {
  const env = awsEnvironment();
  if (loaded?.env !== env) loaded = new ProcessSdkConfig(env);
  return loaded;
}
