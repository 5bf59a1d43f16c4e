import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClientProvider, SharedConnections } from '../../src/aws/clients.js';
import { processSdkConfig } from '../../src/aws/sdk-config.js';

const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' };
const SETTINGS = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_STS', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_SDK_UA_APP_ID'];
let saved: Record<string, string | undefined> = {};

class Stopped extends Error {
  constructor(readonly url: string) {
    super(url);
  }
}

interface StackClient {
  middlewareStack: { add: (mw: unknown, opts: Record<string, unknown>) => void };
  send: (command: unknown) => Promise<unknown>;
}

/** The URL a client would send a command to: the request is stopped before it leaves the process. */
async function urlOf(sdkClient: object, command: unknown): Promise<string> {
  const client = sdkClient as StackClient;
  client.middlewareStack.add(
    () => async (args: { request: { protocol: string; hostname: string; port?: number; path: string } }) => {
      const r = args.request;
      throw new Stopped(`${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`);
    },
    { step: 'finalizeRequest', name: 'stopBeforeSending', priority: 'low' },
  );
  const err = await client.send(command).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Stopped)) throw err;
  return err.url;
}

const provider = (accountId: string, region = 'us-east-1') => new AwsClientProvider({ accountId, region, credentials, maxAttempts: 1 });

describe('SDK settings loaded once per process keep the SDK semantics', () => {
  beforeEach(() => {
    saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
    for (const k of SETTINGS) delete process.env[k];
  });
  afterEach(() => {
    for (const k of SETTINGS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('without settings: the regional endpoints, as the SDK resolves them', async () => {
    expect(await urlOf(provider('111111111111').get(KMSClient), new ListKeysCommand({}))).toBe('https://kms.us-east-1.amazonaws.com/');
  });

  it('AWS_USE_FIPS_ENDPOINT set: every client, of every account, uses the FIPS endpoint', async () => {
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    expect(await urlOf(provider('111111111111').get(KMSClient), new ListKeysCommand({}))).toBe('https://kms-fips.us-east-1.amazonaws.com/');
    expect(await urlOf(provider('222222222222', 'us-west-2').get(KMSClient), new ListKeysCommand({}))).toBe('https://kms-fips.us-west-2.amazonaws.com/');
    expect(await urlOf(provider('222222222222').get(STSClient), new GetCallerIdentityCommand({}))).toBe('https://sts-fips.us-east-1.amazonaws.com/');
  });

  it('AWS_USE_DUALSTACK_ENDPOINT set: the dual-stack endpoint', async () => {
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'true';
    expect(await urlOf(provider('111111111111').get(KMSClient), new ListKeysCommand({}))).toBe('https://kms.us-east-1.api.aws/');
  });

  it('AWS_ENDPOINT_URL_<SERVICE>: that service only, for every client provider made after it is set; AWS_ENDPOINT_URL for the rest', async () => {
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4599';
    expect(await urlOf(provider('111111111111').get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:4599/');
    expect(await urlOf(provider('222222222222').get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:4599/');
    expect(await urlOf(provider('222222222222').get(STSClient), new GetCallerIdentityCommand({}))).toBe('https://sts.us-east-1.amazonaws.com/');
    // A changed environment is loaded afresh for the client providers made after the change.
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4600';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4700';
    expect(await urlOf(provider('333333333333').get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:4600/');
    expect(await urlOf(provider('333333333333').get(STSClient), new GetCallerIdentityCommand({}))).toBe('http://127.0.0.1:4700/');
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns the configured endpoints off, as in the SDK', async () => {
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4599';
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    expect(await urlOf(provider('111111111111').get(KMSClient), new ListKeysCommand({}))).toBe('https://kms.us-east-1.amazonaws.com/');
  });

  it('a run\'s providers share the settings read when the run started and one request handler on its pool; a provider outside it reads the environment', async () => {
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4000';
    const sdk = processSdkConfig();
    const connections = new SharedConnections();
    try {
      const inRun = (accountId: string, region = 'us-east-1') => new AwsClientProvider({ accountId, region, credentials, maxAttempts: 1, connections, sdk, requestTimeoutMs: 1_000 });
      const a = inRun('111111111111');
      expect(await urlOf(a.get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:4000/');
      // Set while the run collects: providers it makes later keep what it read; a provider outside it sees the change.
      process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:5000';
      const b = inRun('222222222222').forRegion('eu-west-1');
      expect(await urlOf(b.get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:4000/');
      expect(await urlOf(provider('333333333333').get(KMSClient), new ListKeysCommand({}))).toBe('http://127.0.0.1:5000/');
      const handlerOf = (c: object) => (c as { config: { requestHandler: unknown } }).config.requestHandler;
      const handler = handlerOf(a.get(KMSClient));
      expect(handlerOf(a.get(STSClient))).toBe(handler);
      expect(handlerOf(b.get(STSClient))).toBe(handler);
      expect(connections.handler(1_000)).toBe(handler);
      // Another request timeout is another handler on the same pool; destroying a provider's clients leaves the handler to the others.
      expect(connections.handler(2_000)).not.toBe(handler);
      a.destroy();
      const c = inRun('444444444444');
      expect(await urlOf(c.get(STSClient), new GetCallerIdentityCommand({}))).toMatch(/^https:\/\/sts\./);
      expect(handlerOf(c.get(STSClient))).toBe(handler);
      b.destroy();
      c.destroy();
    } finally {
      connections.destroy();
    }
  });

  it('a provider\'s provider for another region is built once and lives as long as it: queries asking for that region share its clients', () => {
    const home = provider('555555555555');
    const west = home.forRegion('us-west-2');
    expect(west.region).toBe('us-west-2');
    expect(west.accountId).toBe('555555555555');
    expect(home.forRegion('us-west-2')).toBe(west);
    const kms = west.get(KMSClient);
    expect(home.forRegion('us-west-2').get(KMSClient)).toBe(kms);
    expect(home.forRegion('eu-west-1')).not.toBe(west);
    // Destroyed with its provider: nothing it built is used after that.
    home.destroy();
    expect(west.get(KMSClient)).not.toBe(kms);
    west.destroy();
  });

  it('loads once: clients built under the same environment get the same loaded settings', async () => {
    process.env.AWS_SDK_UA_APP_ID = 'evidence-test';
    const a = processSdkConfig().settings;
    expect(processSdkConfig().settings).toBe(a);
    expect(await a.userAgentAppId()).toBe('evidence-test');
    expect(await a.useFipsEndpoint()).toBe(false);
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    const b = processSdkConfig().settings;
    expect(b).not.toBe(a);
    expect(await b.useFipsEndpoint()).toBe(true);
  });
});
