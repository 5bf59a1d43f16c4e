import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { partition } from '@aws-sdk/core/client';
import { AWS_PARTITION_DNS_SUFFIXES, ENDPOINT_SERVICES, ORIGIN_FIELDS_SOURCE, accountOfArn, bodyOrigin, classifyEndpointOrigin } from '../../src/evidence/endpoint-origin.js';
import { iamAction } from '../../src/aws/clients.js';
import { ALL_QUERIES } from '../../src/queries/index.js';
import { DELEGATED_SOURCES } from '../../src/queries/delegated/index.js';
import { queryEndpointServices } from '../../src/queries/endpoint-services.js';

/** One region of every partition the SDK knows (aws, aws-cn, aws-us-gov, aws-eusc, aws-iso, -b, -e, -f). */
const REGIONS = ['us-east-1', 'cn-north-1', 'us-gov-west-1', 'eusc-de-east-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1'];

interface ResolvedClient {
  /** The IAM action prefix the collector gives the client's calls (src/aws/clients.ts). */
  iamPrefix: string;
  /** Every origin its endpoint rules resolve in every partition, FIPS and dual-stack included. */
  origins: Set<string>;
  /** Its standard endpoint in us-east-1. */
  standard: string;
}

let resolving: Promise<ResolvedClient[]> | undefined;
/** Every collector client's endpoints as the SDK's own endpoint rules resolve them (computed once for the file). */
function resolvedClients(): Promise<ResolvedClient[]> {
  return (resolving ??= (async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const names = Object.keys(pkg.dependencies).filter((n) => n.startsWith('@aws-sdk/client-'));
    const out: ResolvedClient[] = [];
    for (const name of names) {
      const mod = (await import(name)) as Record<string, unknown>;
      const [clientName, Client] = Object.entries(mod).find(([k, v]) => /Client$/.test(k) && typeof v === 'function' && k !== 'Client') as [string, new (c: object) => { config: { endpointProvider: (p: object) => { url: URL } }; destroy(): void }];
      const origins = new Set<string>();
      let standard = '';
      for (const Region of REGIONS) {
        for (const UseFIPS of [false, true]) {
          for (const UseDualStack of [false, true]) {
            const c = new Client({ region: Region });
            try {
              const origin = c.config.endpointProvider({ Region, UseFIPS, UseDualStack, ...(name.endsWith('s3') ? { Bucket: 'my-bucket' } : {}), ...(name.endsWith('s3-control') ? { AccountId: '111122223333', RequiresAccountId: true } : {}) }).url.origin;
              origins.add(origin);
              if (Region === 'us-east-1' && !UseFIPS && !UseDualStack) standard = origin;
            } catch {
              // FIPS or dual-stack not offered in that partition: the SDK refuses, nothing is called
            }
            c.destroy();
          }
        }
      }
      out.push({ iamPrefix: iamAction(clientName, 'X').split(':')[0], origins, standard });
    }
    return out;
  })());
}

describe('classifyEndpointOrigin', () => {
  it('lists the DNS suffixes of every partition in the SDK\'s own partitions table', () => {
    const fromSdk = new Set(REGIONS.flatMap((r) => [partition(r).dnsSuffix, partition(r).dualStackDnsSuffix]));
    expect([...fromSdk].sort()).toEqual([...AWS_PARTITION_DNS_SUFFIXES].sort());
  });

  it('takes as AWS every endpoint the SDK resolves for the collector\'s clients, FIPS and dual-stack included', async () => {
    const clients = await resolvedClients();
    expect(clients.length).toBeGreaterThan(20);
    const origins = new Set(clients.flatMap((c) => [...c.origins]));
    expect(origins.size).toBeGreaterThan(200);
    const notAws = [...origins].filter((o) => !classifyEndpointOrigin(o).aws);
    expect(notAws).toEqual([]);
  });

  it('lists per IAM prefix exactly the endpoint services the SDK clients of that prefix resolve to', async () => {
    const derived = new Map<string, Set<string>>();
    for (const c of await resolvedClients()) {
      const set = derived.get(c.iamPrefix) ?? new Set<string>();
      for (const o of c.origins) {
        const k = classifyEndpointOrigin(o);
        if (k.aws) set.add(k.service);
      }
      derived.set(c.iamPrefix, set);
    }
    expect(Object.fromEntries([...derived].map(([p, set]) => [p, [...set].sort()]))).toEqual(Object.fromEntries(Object.entries(ENDPOINT_SERVICES).map(([p, list]) => [p, [...list].sort()])));
  });

  it.each([
    ['https://config.us-east-1.amazonaws.com', 'config'],
    ['https://config-fips.us-gov-west-1.amazonaws.com', 'config'],
    ['https://config.us-east-1.api.aws', 'config'],
    ['https://my-bucket.s3.dualstack.us-east-1.amazonaws.com', 's3'],
    ['https://111122223333.s3-control.us-east-1.amazonaws.com', 's3-control'],
    ['https://sts.amazonaws.com', 'sts'],
    ['https://iam.global.api.aws', 'iam'],
    ['https://fips.transcribe.us-east-1.amazonaws.com', 'transcribe'],
    ['https://config.us-east-1.amazonaws.com:443', 'config'],
    ['https://api.ecr.us-east-1.amazonaws.com', 'api.ecr'],
    ['https://monitoring.us-east-1.amazonaws.com', 'monitoring'],
    // Interface VPC endpoints of AWS services (endpoint-specific regional and zonal names).
    ['https://vpce-0123456789abcdef0-abcdefgh.config.us-east-1.vpce.amazonaws.com', 'config'],
    ['https://vpce-0123456789abcdef0-abcdefgh-us-east-1a.ec2.us-east-1.vpce.amazonaws.com', 'ec2'],
    ['https://bucket.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com', 's3'],
  ])('%s is an AWS service endpoint of %s', (origin, service) => {
    expect(classifyEndpointOrigin(origin)).toEqual({ aws: true, service });
  });

  it.each([
    ['http://127.0.0.1:4566', 'http, not https'],
    ['http://config.us-east-1.amazonaws.com', 'http, not https'],
    ['https://127.0.0.1', 'an IP address'],
    ['https://[::1]', 'an IP address'],
    ['https://localhost:4566', 'port 4566'],
    ['https://localhost', 'loopback'],
    ['https://config.us-east-1.amazonaws.com:8443', 'port 8443'],
    ['https://aws.test', 'not under an AWS partition DNS suffix'],
    ['https://config.us-east-1.amazonaws.com.evil.example', 'not under an AWS partition DNS suffix'],
    ['https://evilamazonaws.com', 'not under an AWS partition DNS suffix'],
    ['https://user:pw@config.us-east-1.amazonaws.com', 'carries user credentials'],
  ])('%s is not AWS (%s)', (origin, why) => {
    expect(classifyEndpointOrigin(origin)).toEqual({ aws: false, why });
  });

  it.each([
    // API Gateway, a load balancer, an EC2 public name, an OpenSearch domain: hosts under amazonaws.com a customer controls.
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'https://my-alb-123456789.us-east-1.elb.amazonaws.com',
    'https://ec2-3-80-1-2.compute-1.amazonaws.com',
    'https://search-domain-abc.us-east-1.es.amazonaws.com',
    'https://ap-111122223333.s3-object-lambda.us-east-1.amazonaws.com',
    // A PrivateLink endpoint service of some AWS account (its own NLB behind), not an AWS service.
    'https://vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
    'https://us-east-1.amazonaws.com',
  ])('%s is under an AWS suffix but not an AWS service endpoint', (origin) => {
    expect(classifyEndpointOrigin(origin)).toMatchObject({ aws: false, why: expect.stringContaining('not the name of an AWS service endpoint') });
  });
});

describe('bodyOrigin', () => {
  const prov = { requestIds: [], responseDates: [], tool: { name: 'evidence-locker', version: 'x' }, sdkVersion: 'x' };
  const config = { queryId: 'config.recorder-status', operations: ['config:DescribeConfigurationRecorders'] };
  it('reads the account of a caller ARN', () => {
    expect(accountOfArn('arn:aws:sts::111122223333:assumed-role/R/s')).toBe('111122223333');
    expect(accountOfArn('arn:aws-cn:iam::111122223333:user/u')).toBe('111122223333');
    expect(accountOfArn('not an arn')).toBeUndefined();
  });

  it('flags a caller of another account: per account against the evidence\'s, delegated against the audit account', () => {
    const mine = 'arn:aws:sts::111122223333:assumed-role/R/s';
    expect(bodyOrigin({ ...config, accountId: '111122223333', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: mine } }, queryEndpointServices)).toEqual({ recorded: true, origins: ['https://config.us-east-1.amazonaws.com'], notAws: [] });
    expect(bodyOrigin({ ...config, accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: mine } }, queryEndpointServices).callerMismatch).toEqual({ accountId: '444455556666', callerArn: mine });
    const via = { kind: 'config-aggregator', accountId: '111122223333', region: 'us-east-1', callerArn: mine, sharedRequests: [] };
    expect(bodyOrigin({ ...config, accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: null, via } }, queryEndpointServices).callerMismatch).toBeUndefined();
    expect(bodyOrigin({ ...config, accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: null, via: { ...via, accountId: '777788889999' } } }, queryEndpointServices).callerMismatch).toEqual({ accountId: '777788889999', callerArn: mine });
  });

  it('lists every origin of a body and those that are not AWS; no provenance is not recorded, not foreign', () => {
    const o = bodyOrigin({ ...config, accountId: '111122223333', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', endpoints: ['https://config.us-east-1.amazonaws.com', 'http://10.0.0.5:8080'], callerArn: null } }, queryEndpointServices);
    expect(o.origins).toEqual(['http://10.0.0.5:8080', 'https://config.us-east-1.amazonaws.com']);
    expect(o.notAws).toEqual([{ origin: 'http://10.0.0.5:8080', why: 'http, not https' }]);
    expect(bodyOrigin({ ...config, accountId: '111122223333' }, queryEndpointServices)).toEqual({ recorded: false, origins: [], notAws: [] });
  });
});

describe('the endpoint service of a body\'s query', () => {
  const prov = { requestIds: [], responseDates: [], callerArn: null, tool: { name: 'evidence-locker', version: 'x' }, sdkVersion: 'x' };
  const via = (kind: string) => ({ kind, accountId: '111122223333', region: 'us-east-1', callerArn: null, sharedRequests: [] });
  /** A body of `queryId` whose calls went to `endpoints` (read through `viaKind` when given). */
  const bodyAt = (queryId: string, endpoints: string[], viaKind?: string) => ({ queryId, accountId: '111122223333', operations: [], provenance: { ...prov, endpoint: endpoints[0] ?? null, endpoints, ...(viaKind ? { via: via(viaKind) } : {}) } });
  /** Who calls what: every query, and every delegated source's query read through it, with the IAM actions it may call. */
  const callers = [
    ...ALL_QUERIES.map((q) => ({ queryId: q.id, viaKind: undefined as string | undefined, apiCalls: q.apiCalls })),
    ...DELEGATED_SOURCES.map((d) => ({ queryId: d.queryId, viaKind: d.kind as string | undefined, apiCalls: [...(ALL_QUERIES.find((q) => q.id === d.queryId)?.apiCalls ?? []), ...d.apiCalls] })),
  ];

  it('every IAM prefix a query or delegated source calls has its endpoint services listed', () => {
    const prefixes = new Set(callers.flatMap((c) => c.apiCalls.map((a) => a.split(':')[0])));
    expect([...prefixes].filter((p) => !ENDPOINT_SERVICES[p])).toEqual([]);
  });

  it('takes every endpoint the SDK resolves for every client of a query\'s IAM actions as that query\'s, delegated sources too', async () => {
    const clients = await resolvedClients();
    const wrong: string[] = [];
    for (const c of callers) {
      const prefixes = new Set(c.apiCalls.map((a) => a.split(':')[0]));
      const origins = clients.filter((k) => prefixes.has(k.iamPrefix)).flatMap((k) => [...k.origins]);
      expect(origins.length).toBeGreaterThan(0);
      const o = bodyOrigin(bodyAt(c.queryId, origins, c.viaKind), queryEndpointServices);
      for (const n of o.notAws) wrong.push(`${c.queryId}${c.viaKind ? ` via ${c.viaKind}` : ''}: ${n.origin} (${n.why})`);
    }
    expect(wrong).toEqual([]);
  });

  it('flags the endpoint of every other service as not from the query\'s service endpoint (a swapped endpoint), delegated sources too', async () => {
    const clients = await resolvedClients();
    const missed: string[] = [];
    for (const c of callers) {
      const own = new Set(queryEndpointServices(c.queryId, c.viaKind));
      for (const k of clients) {
        const service = (classifyEndpointOrigin(k.standard) as { service: string }).service;
        if (own.has(service)) continue;
        const o = bodyOrigin(bodyAt(c.queryId, [k.standard], c.viaKind), queryEndpointServices);
        if (o.notAws.length !== 1 || !o.notAws[0].why.startsWith(`the AWS endpoint of ${service}, not of the service`)) missed.push(`${c.queryId} at ${k.standard}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('a Config query\'s body recorded against KMS\'s or S3\'s endpoint is not AWS Config\'s record; read through the aggregator, Config\'s endpoint is the query\'s', () => {
    const o = bodyOrigin(bodyAt('config.recorder-status', ['https://config.us-east-1.amazonaws.com', 'https://kms.us-east-1.amazonaws.com', 'https://s3.amazonaws.com']), queryEndpointServices);
    expect(o.notAws).toEqual([
      { origin: 'https://kms.us-east-1.amazonaws.com', why: 'the AWS endpoint of kms, not of the service query config.recorder-status calls (config)' },
      { origin: 'https://s3.amazonaws.com', why: 'the AWS endpoint of s3, not of the service query config.recorder-status calls (config)' },
    ]);
    // An EC2 query read through the Config aggregator called Config; in its own account, Config's endpoint is not EC2's.
    expect(bodyOrigin(bodyAt('ec2.admin-ports-open', ['https://config.us-east-1.amazonaws.com'], 'config-aggregator'), queryEndpointServices).notAws).toEqual([]);
    expect(bodyOrigin(bodyAt('ec2.admin-ports-open', ['https://config.us-east-1.amazonaws.com']), queryEndpointServices).notAws).toEqual([
      { origin: 'https://config.us-east-1.amazonaws.com', why: 'the AWS endpoint of config, not of the service query ec2.admin-ports-open calls (ec2)' },
    ]);
  });

  it('a query this version does not have is judged by the operations its body records; none recorded, no endpoint is its service\'s', () => {
    const old = { ...bodyAt('retired.query', ['https://config.us-east-1.amazonaws.com', 'https://kms.us-east-1.amazonaws.com']), operations: ['config:DescribeConfigRules'] };
    expect(bodyOrigin(old, queryEndpointServices).notAws).toEqual([{ origin: 'https://kms.us-east-1.amazonaws.com', why: 'the AWS endpoint of kms, not of the service its recorded operations call (config; query retired.query is not one this version has)' }]);
    expect(bodyOrigin(bodyAt('retired.query', ['https://config.us-east-1.amazonaws.com']), queryEndpointServices).notAws).toEqual([
      { origin: 'https://config.us-east-1.amazonaws.com', why: 'the AWS endpoint of config, not of the service its recorded operations call (none; query retired.query is not one this version has)' },
    ]);
  });
});

describe('ORIGIN_FIELDS_SOURCE (what verify keeps of a body while hashing it)', () => {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the constant is our own source text, evaluated as verify's hashing threads do
  const originFields = new Function(`${ORIGIN_FIELDS_SOURCE}; return originFields;`)() as (body: unknown) => unknown;
  /** bodyOrigin of the value, or the message it throws. */
  const judged = (body: unknown) => {
    try {
      return bodyOrigin(body as Parameters<typeof bodyOrigin>[0], queryEndpointServices);
    } catch (err) {
      return `throws: ${(err as Error).message}`;
    }
  };
  /** The same, through originFields and the JSON text the hashing threads send back. */
  const judgedFromFields = (body: unknown) => {
    try {
      return judged(JSON.parse(JSON.stringify(originFields(body))));
    } catch (err) {
      return `throws: ${(err as Error).message}`;
    }
  };
  const mine = 'arn:aws:sts::111122223333:assumed-role/R/s';
  const other = 'arn:aws:sts::999999999999:assumed-role/R/s';
  const prov = { requestIds: ['r-1'], responseDates: ['2026-03-01T00:00:00Z'], tool: { name: 'evidence-locker', version: 'x' }, sdkVersion: 'x' };
  const bodies: [string, unknown][] = [
    ['AWS endpoint, own caller', { queryId: 'config.recorder-status', accountId: '111122223333', data: { big: 'x'.repeat(1000) }, provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: mine } }],
    ['AWS endpoint of another service than the query\'s', { queryId: 'config.recorder-status', accountId: '111122223333', provenance: { ...prov, endpoint: 'https://kms.us-east-1.amazonaws.com', callerArn: mine } }],
    ['query this version does not have, judged by its recorded operations', { queryId: 'retired.query', operations: ['config:DescribeConfigRules'], accountId: '111122223333', provenance: { ...prov, endpoints: ['https://config.us-east-1.amazonaws.com', 'https://kms.us-east-1.amazonaws.com'], callerArn: mine } }],
    ['delegated (via) through the Config aggregator: its kind decides the service', { queryId: 'ec2.admin-ports-open', accountId: '444455556666', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: null, via: { kind: 'config-aggregator', accountId: '111122223333', callerArn: mine } } }],
    ['operations not a list', { queryId: 'retired.query', operations: 'config:DescribeConfigRules', accountId: '111122223333', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com' } }],
    ['endpoints list with a loopback one, caller of another account', { accountId: '111122223333', provenance: { ...prov, endpoint: 'https://s3.us-east-1.amazonaws.com', endpoints: ['http://127.0.0.1:4566', 'https://s3.us-east-1.amazonaws.com'], callerArn: other } }],
    ['delegated (via), audit account caller', { accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: null, via: { accountId: '111122223333', callerArn: mine, roleArn: 'arn:aws:iam::111122223333:role/x' } } }],
    ['delegated (via), caller of another account', { accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: mine, via: { accountId: '777788889999', callerArn: mine } } }],
    ['via without fields', { accountId: '444455556666', provenance: { ...prov, via: {} } }],
    ['no provenance (sealed before it was recorded)', { accountId: '111122223333' }],
    ['provenance null', { accountId: '111122223333', provenance: null }],
    ['provenance 0', { accountId: '111122223333', provenance: 0 }],
    ['provenance false', { provenance: false }],
    ['provenance an empty string', { provenance: '' }],
    ['provenance a string', { accountId: '111122223333', provenance: 'yes' }],
    ['provenance without endpoint', { accountId: '111122223333', provenance: { ...prov, callerArn: mine } }],
    ['endpoint of another type', { accountId: '111122223333', provenance: { endpoint: 443, endpoints: [{ host: 'x' }] } }],
    ['endpoints a string (spread letter by letter)', { accountId: '111122223333', provenance: { endpoints: 'ab' } }],
    ['endpoints an object (not iterable)', { accountId: '111122223333', provenance: { endpoints: { a: 1 } } }],
    ['callerArn not a string', { accountId: '111122223333', provenance: { endpoint: 'https://s3.us-east-1.amazonaws.com', callerArn: 5 } }],
    ['an array', []],
    ['a number', 5],
    ['a string', 'evidence'],
    ['null', null],
  ];
  it.each(bodies)('judges %s as bodyOrigin judges the whole body', (_label, body) => {
    expect(judgedFromFields(body)).toEqual(judged(body));
  });
  it('keeps nothing but what bodyOrigin reads (the data and the rest of the provenance stay behind)', () => {
    expect(originFields(bodies[0][1])).toEqual({ queryId: 'config.recorder-status', accountId: '111122223333', provenance: { endpoint: 'https://config.us-east-1.amazonaws.com', endpoints: undefined, callerArn: mine } });
    // The fields that decide the endpoint's service come back: a swapped endpoint and a delegated read are judged alike.
    expect(judgedFromFields(bodies[1][1])).toMatchObject({ notAws: [{ origin: 'https://kms.us-east-1.amazonaws.com' }] });
    expect(judgedFromFields(bodies[3][1])).toMatchObject({ notAws: [] });
  });
});
