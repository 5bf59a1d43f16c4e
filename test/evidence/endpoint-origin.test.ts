import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { partition } from '@aws-sdk/core/client';
import { AWS_PARTITION_DNS_SUFFIXES, AWS_VPCE_DNS_SUFFIXES, ENDPOINT_SERVICES, ORIGIN_FIELDS_SOURCE, accountOfArn, bodyOrigin, classifyEndpointOrigin } from '../../src/evidence/endpoint-origin.js';
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
  /**
   * What it calls when configured with an interface VPC endpoint of its service in us-east-1 (the endpoint's regional
   * and zonal names; for S3 and S3 Control the `bucket.` and `control.` names), as its endpoint rules resolve them.
   */
  vpce: string[];
}

/** An interface VPC endpoint's id with the suffix AWS adds, as in its DNS names. */
const VPCE = 'vpce-0123456789abcdef0-abcdefgh';

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
      // The endpoint service's label is the standard endpoint's (`api.ecr`, `monitoring`); S3's names its resource in front.
      const label = new URL(standard).hostname.replace(/\.us-east-1\.amazonaws\.com$|\.amazonaws\.com$/, '').replace(/^111122223333\.|^my-bucket\./, '');
      const vpce: string[] = [];
      for (const id of [VPCE, `${VPCE}-us-east-1a`]) {
        const c = new Client({ region: 'us-east-1' });
        const Endpoint = name.endsWith('s3') ? `https://bucket.${id}.s3.us-east-1.vpce.amazonaws.com` : name.endsWith('s3-control') ? `https://control.${id}.s3.us-east-1.vpce.amazonaws.com` : `https://${id}.${label}.us-east-1.vpce.amazonaws.com`;
        vpce.push(c.config.endpointProvider({ Region: 'us-east-1', UseFIPS: false, UseDualStack: false, Endpoint, ...(name.endsWith('s3') ? { Bucket: 'my-bucket' } : {}), ...(name.endsWith('s3-control') ? { AccountId: '111122223333', RequiresAccountId: true } : {}) }).url.origin);
        c.destroy();
      }
      out.push({ iamPrefix: iamAction(clientName, 'X').split(':')[0], origins, standard, vpce });
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

  it('takes as AWS, of its own service, the interface VPC endpoint names every collector client calls when configured with one', async () => {
    const wrong: string[] = [];
    for (const c of await resolvedClients()) {
      expect(c.vpce.length).toBe(2);
      for (const origin of c.vpce) {
        const k = classifyEndpointOrigin(origin);
        if (!k.aws || !ENDPOINT_SERVICES[c.iamPrefix].includes(k.service)) wrong.push(`${c.iamPrefix}: ${origin} ${JSON.stringify(k)}`);
      }
    }
    expect(wrong).toEqual([]);
    // The SDK puts the bucket and the account id in front of S3's and S3 Control's endpoint names.
    const all = (await resolvedClients()).flatMap((c) => c.vpce);
    expect(all).toContain(`https://my-bucket.bucket.${VPCE}.s3.us-east-1.vpce.amazonaws.com`);
    expect(all).toContain(`https://111122223333.control.${VPCE}.s3.us-east-1.vpce.amazonaws.com`);
    expect(all).toContain(`https://${VPCE}.api.ecr.us-east-1.vpce.amazonaws.com`);
  });

  it('names interface VPC endpoints under the dnsSuffix of every partition in the SDK\'s own partitions table', () => {
    expect([...AWS_VPCE_DNS_SUFFIXES].sort()).toEqual([...new Set(REGIONS.map((r) => partition(r).dnsSuffix))].sort());
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
    // ECR's API (endpoint service com.amazonaws.<region>.ecr.api): regional and zonal names.
    ['https://vpce-0123456789abcdef0-abcdefgh.api.ecr.us-east-1.vpce.amazonaws.com', 'api.ecr'],
    ['https://vpce-0123456789abcdef0-abcdefgh-us-east-1a.api.ecr.us-east-1.vpce.amazonaws.com', 'api.ecr'],
    ['https://vpce-0123456789abcdef0-abcdefgh.api.ecr-fips.us-east-1.vpce.amazonaws.com', 'api.ecr'],
    // An 8-digit endpoint id (the user guides' example), a FIPS endpoint service, another partition's suffix.
    ['https://vpce-1a2b3c4d-5e6f.monitoring.us-east-1.vpce.amazonaws.com', 'monitoring'],
    ['https://vpce-0123456789abcdef0-abcdefgh.kms-fips.us-east-1.vpce.amazonaws.com', 'kms'],
    ['https://vpce-0123456789abcdef0-abcdefgh.ec2.cn-north-1.vpce.amazonaws.com.cn', 'ec2'],
    ['https://vpce-0123456789abcdef0-abcdefgh.sts.us-gov-west-1.vpce.amazonaws.com', 'sts'],
    // IAM's endpoint service (com.amazonaws.iam) is in us-east-1.
    ['https://vpce-0123456789abcdef0-abcdefgh.iam.us-east-1.vpce.amazonaws.com', 'iam'],
    // S3's interface endpoint: buckets (the SDK adds the bucket), access points, the S3 Control API (the SDK adds the account).
    ['https://my-bucket.bucket.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com', 's3'],
    ['https://bucket.vpce-0123456789abcdef0-abcdefgh-us-east-1a.s3.us-east-1.vpce.amazonaws.com', 's3'],
    ['https://accesspoint.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com', 's3'],
    ['https://control.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com', 's3-control'],
    ['https://111122223333.control.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com', 's3-control'],
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
    // A host that merely contains an AWS name is not under an AWS suffix.
    ['https://vpce-0123456789abcdef0-abcdefgh.api.ecr.us-east-1.vpce.amazonaws.com.evil.example', 'not under an AWS partition DNS suffix'],
    ['https://amazonaws.com-vpce.evil.example', 'not under an AWS partition DNS suffix'],
    ['https://vpce-0123456789abcdef0-abcdefgh.api.ecr.us-east-1.vpce.amazonaws.com:8443', 'port 8443'],
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
    'https://vpce-0123456789abcdef0-abcdefgh-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
    'https://vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
    'https://us-east-1.amazonaws.com',
    // Names under vpce.amazonaws.com that are no interface endpoint's: no endpoint id (AWS documents none without one),
    // a label in front of a service other than S3's, no region, three service labels, a suffix with no vpce names.
    'https://api.ecr.us-east-1.vpce.amazonaws.com',
    'https://config.us-east-1.vpce.amazonaws.com',
    'https://evil.vpce-0123456789abcdef0-abcdefgh.config.us-east-1.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh.config.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh.a.b.config.us-east-1.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh.amazonaws.com.us-east-1.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh.config.us-east-1.vpce.api.aws',
    'https://vpce-abc.config.us-east-1.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh.us-east-1.vpce.amazonaws.com',
    // S3's: nothing in front, a label S3 does not serve, more than a bucket in front, a name before control that is no account.
    'https://vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
    'https://www.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
    'https://constructor.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
    'https://a.my-bucket.bucket.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
    'https://evil.control.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
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

describe('the endpoint of each operation of a query that calls two services', () => {
  const prov = { requestIds: [], responseDates: [], callerArn: null, tool: { name: 'evidence-locker', version: 'x' }, sdkVersion: 'x' };
  const cloudtrail = 'https://cloudtrail.us-east-1.amazonaws.com';
  const s3 = 'https://my-trail-logs.s3.us-east-1.amazonaws.com';
  const operations = ['cloudtrail:DescribeTrails', 's3:GetBucketLocation', 's3:GetObjectLockConfiguration'];
  /** A cloudtrail.log-bucket-retention body (CloudTrail and S3) whose calls went to `byOperation`, recorded or not. */
  const body = (byOperation: Record<string, string[]>, recorded = true) => {
    const endpoints = [...new Set(Object.values(byOperation).flat())];
    return { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', operations, provenance: { ...prov, endpoint: endpoints[0] ?? null, ...(endpoints.length > 1 ? { endpoints } : {}), ...(recorded ? { endpointsByOperation: byOperation } : {}) } };
  };

  it('takes each call to its own operation\'s service as AWS\'s, and says nothing more', () => {
    const o = bodyOrigin(body({ 'cloudtrail:DescribeTrails': [cloudtrail], 's3:GetBucketLocation': [s3], 's3:GetObjectLockConfiguration': [s3] }), queryEndpointServices);
    expect(o).toEqual({ recorded: true, origins: [cloudtrail, s3].sort(), notAws: [] });
  });

  it('flags a call sent to the other service\'s endpoint, which the query as a whole calls', () => {
    // AWS_ENDPOINT_URL_CLOUDTRAIL pointed at S3: DescribeTrails answered by an S3 endpoint. Before, S3 being one of the
    // query's services, the body passed as AWS's record.
    const swapped = { 'cloudtrail:DescribeTrails': [s3], 's3:GetBucketLocation': [s3], 's3:GetObjectLockConfiguration': [s3] };
    expect(bodyOrigin(body(swapped), queryEndpointServices).notAws).toEqual([{ origin: s3, why: 'the AWS endpoint of s3, not of the service cloudtrail:DescribeTrails calls (cloudtrail)' }]);
    const reversed = { 'cloudtrail:DescribeTrails': [cloudtrail], 's3:GetBucketLocation': [cloudtrail], 's3:GetObjectLockConfiguration': [s3] };
    expect(bodyOrigin(body(reversed), queryEndpointServices).notAws).toEqual([{ origin: cloudtrail, why: 'the AWS endpoint of cloudtrail, not of the service s3:GetBucketLocation calls (s3, s3-control)' }]);
    // Over an interface VPC endpoint of the wrong service alike.
    const vpce = 'https://vpce-0123456789abcdef0-abcdefgh.api.ecr.us-east-1.vpce.amazonaws.com';
    const scan = { queryId: 'ecr.scan-configuration', accountId: '111122223333', operations: ['ecr:GetRegistryScanningConfiguration', 'inspector2:GetConfiguration'], provenance: { ...prov, endpoint: vpce, endpointsByOperation: { 'ecr:GetRegistryScanningConfiguration': [vpce], 'inspector2:GetConfiguration': [vpce] } } };
    expect(bodyOrigin(scan, queryEndpointServices).notAws).toEqual([{ origin: vpce, why: 'the AWS endpoint of api.ecr, not of the service inspector2:GetConfiguration calls (inspector2)' }]);
    expect(bodyOrigin({ ...scan, provenance: { ...scan.provenance, endpointsByOperation: { 'ecr:GetRegistryScanningConfiguration': [vpce] } } }, queryEndpointServices).notAws).toEqual([]);
  });

  it('flags an operation of a service the query does not call; another service\'s endpoint stays flagged as before', () => {
    const o = bodyOrigin(body({ 'cloudtrail:DescribeTrails': [cloudtrail], 'kms:Decrypt': [s3] }), queryEndpointServices);
    expect(o.notAws).toEqual([{ origin: s3, why: 'the AWS endpoint of s3, for kms:Decrypt, not an operation of the services query cloudtrail.log-bucket-retention calls (cloudtrail, s3, s3-control)' }]);
    const kms = 'https://kms.us-east-1.amazonaws.com';
    expect(bodyOrigin(body({ 'cloudtrail:DescribeTrails': [kms] }), queryEndpointServices).notAws).toEqual([{ origin: kms, why: 'the AWS endpoint of kms, not of the services query cloudtrail.log-bucket-retention calls (cloudtrail, s3, s3-control)' }]);
    // An IAM prefix spelt like an object's own property names no service.
    expect(bodyOrigin(body({ 'constructor:X': [s3] }), queryEndpointServices).notAws).toEqual([{ origin: s3, why: 'the AWS endpoint of s3, for constructor:X, not an operation of the services query cloudtrail.log-bucket-retention calls (cloudtrail, s3, s3-control)' }]);
  });

  it('a body sealed before the endpoint of each operation was recorded is judged per query, as before, and says so', () => {
    const swapped = { 'cloudtrail:DescribeTrails': [s3], 's3:GetBucketLocation': [s3] };
    expect(bodyOrigin(body(swapped, false), queryEndpointServices)).toEqual({ recorded: true, origins: [s3], notAws: [], matchedToQuery: true });
    // A query of one service (S3 and S3 Control are one IAM prefix) loses nothing: nothing to say.
    const bucket = { queryId: 's3.bucket-encryption', accountId: '111122223333', operations: ['s3:ListBuckets'], provenance: { ...prov, endpoint: s3 } };
    expect(bodyOrigin(bucket, queryEndpointServices)).toEqual({ recorded: true, origins: [s3], notAws: [] });
    // Nor a body whose calls reached no endpoint.
    expect(bodyOrigin(body({}, false), queryEndpointServices)).toEqual({ recorded: true, origins: [], notAws: [] });
  });

  it('read through an aggregator: the organisation-wide calls are matched to their own operation\'s service too', () => {
    const config = 'https://config.us-east-1.amazonaws.com';
    const kms = 'https://kms.us-east-1.amazonaws.com';
    const via = { kind: 'config-aggregator', accountId: '111122223333', region: 'us-east-1', callerArn: null, sharedRequests: [{ operation: 'config:SelectAggregateResourceConfig', requestId: 'r-1' }] };
    const member = (viaByOperation?: Record<string, string[]>) => ({ queryId: 'ec2.admin-ports-open', accountId: '444455556666', operations: ['config:SelectAggregateResourceConfig'], provenance: { ...prov, endpoint: null, endpointsByOperation: {}, via: { ...via, ...(viaByOperation ? { endpointsByOperation: viaByOperation } : {}) } } });
    expect(bodyOrigin(member({ 'config:SelectAggregateResourceConfig': [config] }), queryEndpointServices)).toEqual({ recorded: true, origins: [config], notAws: [] });
    // Before, the aggregator read's endpoint was recorded nowhere: a body read from a KMS endpoint had no origin at all.
    expect(bodyOrigin(member({ 'config:SelectAggregateResourceConfig': [kms] }), queryEndpointServices).notAws).toEqual([{ origin: kms, why: 'the AWS endpoint of kms, not of the services query ec2.admin-ports-open calls (config, ec2)' }]);
    const ec2 = 'https://ec2.us-east-1.amazonaws.com';
    expect(bodyOrigin(member({ 'config:SelectAggregateResourceConfig': [ec2] }), queryEndpointServices).notAws).toEqual([{ origin: ec2, why: 'the AWS endpoint of ec2, not of the service config:SelectAggregateResourceConfig calls (config)' }]);
  });

  it('a query this version does not have: each operation is matched to its own service still', () => {
    const old = { queryId: 'retired.query', accountId: '111122223333', operations, provenance: { ...prov, endpoint: s3, endpointsByOperation: { 'cloudtrail:DescribeTrails': [s3], 's3:GetBucketLocation': [s3] } } };
    expect(bodyOrigin(old, queryEndpointServices).notAws).toEqual([{ origin: s3, why: 'the AWS endpoint of s3, not of the service cloudtrail:DescribeTrails calls (cloudtrail)' }]);
    const other = { ...old, provenance: { ...old.provenance, endpointsByOperation: { 'kms:Decrypt': [s3] } } };
    expect(bodyOrigin(other, queryEndpointServices).notAws).toEqual([{ origin: s3, why: 'the AWS endpoint of s3, for kms:Decrypt, not an operation of the services its recorded operations call (cloudtrail, s3, s3-control; query retired.query is not one this version has)' }]);
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
    ['endpoint of each operation, one to the other service\'s endpoint', { queryId: 'cloudtrail.log-bucket-retention', operations: ['cloudtrail:DescribeTrails', 's3:GetBucketLocation'], accountId: '111122223333', provenance: { ...prov, endpoint: 'https://s3.us-east-1.amazonaws.com', endpointsByOperation: { 'cloudtrail:DescribeTrails': ['https://s3.us-east-1.amazonaws.com'], 's3:GetBucketLocation': ['https://s3.us-east-1.amazonaws.com'] }, callerArn: mine } }],
    ['endpoint of each operation, delegated (via)', { queryId: 'ec2.admin-ports-open', accountId: '444455556666', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', endpointsByOperation: { 'config:SelectAggregateResourceConfig': ['https://ec2.us-east-1.amazonaws.com'] }, callerArn: null, via: { kind: 'config-aggregator', accountId: '111122223333', callerArn: mine } } }],
    ['endpoint of each operation of the organisation-wide calls (via)', { queryId: 'ec2.admin-ports-open', accountId: '444455556666', provenance: { ...prov, endpoint: null, endpointsByOperation: {}, callerArn: null, via: { kind: 'config-aggregator', accountId: '111122223333', callerArn: mine, endpointsByOperation: { 'config:SelectAggregateResourceConfig': ['https://ec2.us-east-1.amazonaws.com'] } } } }],
    ['endpoint of each operation of the organisation-wide calls only, a string', { queryId: 'ec2.admin-ports-open', accountId: '444455556666', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', via: { kind: 'config-aggregator', accountId: '111122223333', callerArn: mine, endpointsByOperation: 'x' } } }],
    ['no endpoint of each operation, a query of two services', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { ...prov, endpoint: 'https://s3.us-east-1.amazonaws.com', callerArn: mine } }],
    ['endpoint of each operation empty', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { ...prov, endpoint: 'https://s3.us-east-1.amazonaws.com', endpointsByOperation: {}, callerArn: mine } }],
    ['endpoint of each operation a list', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { endpoint: 'https://s3.us-east-1.amazonaws.com', endpointsByOperation: ['https://kms.us-east-1.amazonaws.com'] } }],
    ['endpoint of each operation a string', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { endpointsByOperation: 'https://kms.us-east-1.amazonaws.com' } }],
    ['endpoint of each operation null', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { endpoint: 'https://s3.us-east-1.amazonaws.com', endpointsByOperation: null } }],
    ['endpoint of each operation with values of other types', { queryId: 'cloudtrail.log-bucket-retention', accountId: '111122223333', provenance: { endpointsByOperation: { 'cloudtrail:DescribeTrails': 'https://s3.us-east-1.amazonaws.com', 's3:GetBucketLocation': [5, null, 'http://10.0.0.5'], 'kms:Decrypt': { a: 1 } } } }],
    ['an array', []],
    ['a number', 5],
    ['a string', 'evidence'],
    ['null', null],
  ];
  it.each(bodies)('judges %s as bodyOrigin judges the whole body', (_label, body) => {
    expect(judgedFromFields(body)).toEqual(judged(body));
  });
  it('keeps nothing but what bodyOrigin reads (the data and the rest of the provenance stay behind)', () => {
    expect(originFields(bodies[0][1])).toEqual({ queryId: 'config.recorder-status', accountId: '111122223333', provenance: { endpoint: 'https://config.us-east-1.amazonaws.com', endpoints: undefined, endpointsByOperation: undefined, callerArn: mine } });
    // The endpoint of each operation comes back: a call sent to the other service's endpoint is judged alike.
    const swapped = bodies.find(([label]) => label.startsWith('endpoint of each operation, one to'))![1];
    expect(judgedFromFields(swapped)).toMatchObject({ notAws: [{ origin: 'https://s3.us-east-1.amazonaws.com', why: 'the AWS endpoint of s3, not of the service cloudtrail:DescribeTrails calls (cloudtrail)' }] });
    const old = bodies.find(([label]) => label.startsWith('no endpoint of each operation'))![1];
    expect(judgedFromFields(old)).toMatchObject({ notAws: [], matchedToQuery: true });
    // The fields that decide the endpoint's service come back: a swapped endpoint and a delegated read are judged alike.
    expect(judgedFromFields(bodies[1][1])).toMatchObject({ notAws: [{ origin: 'https://kms.us-east-1.amazonaws.com' }] });
    expect(judgedFromFields(bodies[3][1])).toMatchObject({ notAws: [] });
  });
});
