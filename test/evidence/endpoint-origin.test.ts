import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { partition } from '@aws-sdk/core/client';
import { AWS_PARTITION_DNS_SUFFIXES, ORIGIN_FIELDS_SOURCE, accountOfArn, bodyOrigin, classifyEndpointOrigin } from '../../src/evidence/endpoint-origin.js';

/** One region of every partition the SDK knows (aws, aws-cn, aws-us-gov, aws-eusc, aws-iso, -b, -e, -f). */
const REGIONS = ['us-east-1', 'cn-north-1', 'us-gov-west-1', 'eusc-de-east-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1'];

describe('classifyEndpointOrigin', () => {
  it('lists the DNS suffixes of every partition in the SDK\'s own partitions table', () => {
    const fromSdk = new Set(REGIONS.flatMap((r) => [partition(r).dnsSuffix, partition(r).dualStackDnsSuffix]));
    expect([...fromSdk].sort()).toEqual([...AWS_PARTITION_DNS_SUFFIXES].sort());
  });

  it('takes as AWS every endpoint the SDK resolves for the collector\'s clients, FIPS and dual-stack included', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const names = Object.keys(pkg.dependencies).filter((n) => n.startsWith('@aws-sdk/client-'));
    expect(names.length).toBeGreaterThan(20);
    const origins = new Set<string>();
    for (const name of names) {
      const mod = (await import(name)) as Record<string, unknown>;
      const Client = Object.entries(mod).find(([k, v]) => /Client$/.test(k) && typeof v === 'function' && k !== 'Client')?.[1] as new (c: object) => { config: { endpointProvider: (p: object) => { url: URL } }; destroy(): void };
      for (const Region of REGIONS) {
        for (const UseFIPS of [false, true]) {
          for (const UseDualStack of [false, true]) {
            const c = new Client({ region: Region });
            try {
              origins.add(c.config.endpointProvider({ Region, UseFIPS, UseDualStack, ...(name.endsWith('s3') ? { Bucket: 'my-bucket' } : {}), ...(name.endsWith('s3-control') ? { AccountId: '111122223333', RequiresAccountId: true } : {}) }).url.origin);
            } catch {
              // FIPS or dual-stack not offered in that partition: the SDK refuses, nothing is called
            }
            c.destroy();
          }
        }
      }
    }
    expect(origins.size).toBeGreaterThan(200);
    const notAws = [...origins].filter((o) => !classifyEndpointOrigin(o).aws);
    expect(notAws).toEqual([]);
  });

  it.each([
    'https://config.us-east-1.amazonaws.com',
    'https://config-fips.us-gov-west-1.amazonaws.com',
    'https://config.us-east-1.api.aws',
    'https://my-bucket.s3.dualstack.us-east-1.amazonaws.com',
    'https://111122223333.s3-control.us-east-1.amazonaws.com',
    'https://sts.amazonaws.com',
    'https://iam.global.api.aws',
    'https://fips.transcribe.us-east-1.amazonaws.com',
    'https://config.us-east-1.amazonaws.com:443',
    // Interface VPC endpoints of AWS services (endpoint-specific regional and zonal names).
    'https://vpce-0123456789abcdef0-abcdefgh.config.us-east-1.vpce.amazonaws.com',
    'https://vpce-0123456789abcdef0-abcdefgh-us-east-1a.ec2.us-east-1.vpce.amazonaws.com',
    'https://bucket.vpce-0123456789abcdef0-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
  ])('%s is an AWS service endpoint', (origin) => {
    expect(classifyEndpointOrigin(origin)).toEqual({ aws: true });
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
  it('reads the account of a caller ARN', () => {
    expect(accountOfArn('arn:aws:sts::111122223333:assumed-role/R/s')).toBe('111122223333');
    expect(accountOfArn('arn:aws-cn:iam::111122223333:user/u')).toBe('111122223333');
    expect(accountOfArn('not an arn')).toBeUndefined();
  });

  it('flags a caller of another account: per account against the evidence\'s, delegated against the audit account', () => {
    const mine = 'arn:aws:sts::111122223333:assumed-role/R/s';
    expect(bodyOrigin({ accountId: '111122223333', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: mine } })).toEqual({ recorded: true, origins: ['https://config.us-east-1.amazonaws.com'], notAws: [] });
    expect(bodyOrigin({ accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: mine } }).callerMismatch).toEqual({ accountId: '444455556666', callerArn: mine });
    const via = { kind: 'config-aggregator', accountId: '111122223333', region: 'us-east-1', callerArn: mine, sharedRequests: [] };
    expect(bodyOrigin({ accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: null, via } }).callerMismatch).toBeUndefined();
    expect(bodyOrigin({ accountId: '444455556666', provenance: { ...prov, endpoint: null, callerArn: null, via: { ...via, accountId: '777788889999' } } }).callerMismatch).toEqual({ accountId: '777788889999', callerArn: mine });
  });

  it('lists every origin of a body and those that are not AWS; no provenance is not recorded, not foreign', () => {
    const o = bodyOrigin({ accountId: '111122223333', provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', endpoints: ['https://config.us-east-1.amazonaws.com', 'http://10.0.0.5:8080'], callerArn: null } });
    expect(o.origins).toEqual(['http://10.0.0.5:8080', 'https://config.us-east-1.amazonaws.com']);
    expect(o.notAws).toEqual([{ origin: 'http://10.0.0.5:8080', why: 'http, not https' }]);
    expect(bodyOrigin({ accountId: '111122223333' })).toEqual({ recorded: false, origins: [], notAws: [] });
  });
});

describe('ORIGIN_FIELDS_SOURCE (what verify keeps of a body while hashing it)', () => {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the constant is our own source text, evaluated as verify's hashing threads do
  const originFields = new Function(`${ORIGIN_FIELDS_SOURCE}; return originFields;`)() as (body: unknown) => unknown;
  /** bodyOrigin of the value, or the message it throws. */
  const judged = (body: unknown) => {
    try {
      return bodyOrigin(body as Parameters<typeof bodyOrigin>[0]);
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
    ['AWS endpoint, own caller', { accountId: '111122223333', data: { big: 'x'.repeat(1000) }, provenance: { ...prov, endpoint: 'https://config.us-east-1.amazonaws.com', callerArn: mine } }],
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
    expect(originFields(bodies[0][1])).toEqual({ accountId: '111122223333', provenance: { endpoint: 'https://config.us-east-1.amazonaws.com', endpoints: undefined, callerArn: mine } });
  });
});
