import { isIP } from 'node:net';
import type { EvidenceBody } from './record.js';

/**
 * Whether evidence came from AWS's own service endpoints, judged from what each body records of its collection
 * (`provenance.endpoint(s)`: the origin the SDK sent its requests to; `provenance.callerArn` / `via.callerArn`: the
 * session's sts:GetCallerIdentity). An origin with AWS's shape is what the SDK called, not proof of who answered: a TLS
 * proxy trusted through a CA added to the collector's trust store, or a hosts-file entry, shows the same origin. What
 * it does catch is collection redirected in the open: `AWS_ENDPOINT_URL_<SERVICE>`, an `endpoint` setting, a proxy
 * reached by name, plain HTTP, an IP address, loopback (the demo's simulated AWS), and an AWS endpoint of another
 * service than the body's query calls (`AWS_ENDPOINT_URL_CONFIG` set to a KMS or S3 endpoint).
 */

/**
 * The DNS suffixes of the AWS partitions (dnsSuffix and dualStackDnsSuffix of each), as the SDK's own partitions table
 * lists them (@aws-sdk/core util-endpoints lib/aws/partitions.js): aws and aws-us-gov, aws-cn, aws-eusc (European
 * Sovereign Cloud), aws-iso, aws-iso-b, aws-iso-e, aws-iso-f. Longest first, so `amazonaws.com.cn` wins over none.
 */
export const AWS_PARTITION_DNS_SUFFIXES: readonly string[] = [
  'amazonaws.com',
  'api.aws',
  'amazonaws.com.cn',
  'api.amazonwebservices.com.cn',
  'amazonaws.eu',
  'api.amazonwebservices.eu',
  'c2s.ic.gov',
  'api.aws.ic.gov',
  'sc2s.sgov.gov',
  'api.aws.scloud',
  'cloud.adc-e.uk',
  'api.cloud-aws.adc-e.uk',
  'csp.hci.ic.gov',
  'api.aws.hci.ic.gov',
].slice().sort((a, b) => b.length - a.length);

/** A region label (us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1, us-isob-east-1) or a partition's global one. */
const REGION = /^[a-z]{2,5}(?:-[a-z]+)+-\d+$|^us-gov$|^global$|^aws-global$/;
/** A service label as the endpoint rules build it (config, config-fips, s3-control, the labels of api.ecr, ...). */
const SERVICE = /^[a-z0-9][a-z0-9-]*$/;

/**
 * `service`: the endpoint prefix the host names (`config`, `monitoring`, `api.ecr`, `s3`, `s3-control`), without FIPS
 * or dual-stack markers, a bucket, an account id or a VPC endpoint id: what ENDPOINT_SERVICES lists per IAM prefix.
 */
export type EndpointOriginClass = { aws: true; service: string } | { aws: false; why: string };

/**
 * Classifies the origin of an endpoint the SDK called (`https://config.us-east-1.amazonaws.com`) as an AWS public
 * service endpoint or not. AWS: `https://` on port 443 to `<service>[-fips][.dualstack].<region>.<partition suffix>`,
 * a global `<service>.<partition suffix>`, S3's bucket and S3 Control's account label in front of theirs, or an
 * interface VPC endpoint of an AWS service (`vpce-….<service>.<region>.vpce.<suffix>`). Not AWS: anything else, among
 * them hosts under an AWS suffix whose content a customer controls (API Gateway `<id>.execute-api.…`, load balancers,
 * EC2 public names, PrivateLink endpoint services of an AWS account `….vpce-svc-….vpce.amazonaws.com`).
 */
export function classifyEndpointOrigin(origin: string): EndpointOriginClass {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { aws: false, why: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { aws: false, why: `${url.protocol.replace(/:$/, '')}, not https` };
  if (url.username || url.password) return { aws: false, why: 'carries user credentials' };
  if (url.port && url.port !== '443') return { aws: false, why: `port ${url.port}` };
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return { aws: false, why: 'an IP address' };
  if (host === 'localhost' || host.endsWith('.localhost')) return { aws: false, why: 'loopback' };
  const suffix = AWS_PARTITION_DNS_SUFFIXES.find((s) => host.endsWith(`.${s}`));
  if (!suffix) return { aws: false, why: 'not under an AWS partition DNS suffix' };
  const labels = host.slice(0, -suffix.length - 1).split('.');
  const notShape = { aws: false as const, why: 'under an AWS DNS suffix, but not the name of an AWS service endpoint (a customer-controlled host or an endpoint service of an AWS account)' };
  if (labels.some((l) => !SERVICE.test(l))) return notShape;

  // Interface VPC endpoint of an AWS service: vpce-<id>[-<zone>][.<bucket>].<service>.<region>.vpce.<suffix>.
  if (labels[labels.length - 1] === 'vpce') {
    const [service, region] = labels.slice(-3, -1);
    const front = labels.slice(0, -3);
    if (!region || !REGION.test(region) || service.startsWith('vpce-svc-')) return notShape;
    const id = front[front.length - 1];
    if (!id?.startsWith('vpce-')) return notShape;
    // S3 and S3 Control put a bucket or an access point / account in front of the endpoint id.
    if (front.length === 1 || (front.length === 2 && /^s3(?:-control)?$/.test(service))) return { aws: true, service };
    return notShape;
  }

  // <service> (global), <service>.<region>, <service>.dualstack.<region>, fips.<service>.<region>, with S3's bucket or
  // S3 Control's account id in front. Checked against every endpoint the SDK resolves for the collector's clients
  // (test/evidence/endpoint-origin.test.ts).
  let rest = labels;
  const last = rest[rest.length - 1];
  if (REGION.test(last)) {
    rest = rest.slice(0, -1);
    if (rest[rest.length - 1] === 'dualstack') rest = rest.slice(0, -1);
  }
  if (rest[0] === 'fips' && rest.length > 1) rest = rest.slice(1);
  const unFips = (label: string) => label.replace(/-fips$/, '');
  if (rest.length === 1 && !REGION.test(rest[0])) return { aws: true, service: unFips(rest[0]) };
  // Services whose endpoint name is two labels: api.ecr, api.sagemaker, runtime.sagemaker.
  if (rest.length === 2 && (rest[0] === 'api' || rest[0] === 'runtime')) return { aws: true, service: `${rest[0]}.${unFips(rest[1])}` };
  if (rest.length === 2 && /^s3(?:-fips)?$/.test(rest[1])) return { aws: true, service: 's3' };
  if (rest.length === 2 && /^s3-control(?:-fips)?$/.test(rest[1]) && /^\d{12}$/.test(rest[0])) return { aws: true, service: 's3-control' };
  return notShape;
}

/**
 * The endpoint prefixes (classifyEndpointOrigin `service`) the SDK client of each IAM action prefix the collector uses
 * calls, in every partition, FIPS and dual-stack included: exactly what the clients' own endpoint resolution gives
 * (test/evidence/endpoint-origin.test.ts derives it from the SDK). `s3` is the IAM prefix of S3 and S3 Control alike;
 * CloudWatch's endpoint is `monitoring`, the tagging API's `tagging`, ECR's `api.ecr` (`ecr-fips` with FIPS).
 */
export const ENDPOINT_SERVICES: Readonly<Record<string, readonly string[]>> = {
  'access-analyzer': ['access-analyzer'],
  account: ['account'],
  acm: ['acm'],
  backup: ['backup'],
  cloudfront: ['cloudfront'],
  cloudtrail: ['cloudtrail'],
  cloudwatch: ['monitoring'],
  config: ['config'],
  ec2: ['ec2'],
  ecr: ['api.ecr', 'ecr'],
  elasticloadbalancing: ['elasticloadbalancing'],
  events: ['events'],
  guardduty: ['guardduty'],
  iam: ['iam'],
  inspector2: ['inspector2'],
  kms: ['kms'],
  lambda: ['lambda'],
  logs: ['logs'],
  macie2: ['macie2'],
  'network-firewall': ['network-firewall'],
  organizations: ['organizations'],
  rds: ['rds'],
  s3: ['s3', 's3-control'],
  secretsmanager: ['secretsmanager'],
  securityhub: ['securityhub'],
  sns: ['sns'],
  ssm: ['ssm'],
  sso: ['sso'],
  sts: ['sts'],
  tag: ['tagging'],
  wafv2: ['wafv2'],
};

/** The endpoint prefixes of IAM actions (`config:DescribeConfigRules` → config); an unknown IAM prefix gives none. */
export function endpointServicesOfActions(actions: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const a of actions) for (const s of ENDPOINT_SERVICES[String(a).split(':')[0]] ?? []) out.add(s);
  return [...out].sort();
}

/**
 * The endpoint prefixes a body of `queryId` may have called: those of its query's IAM actions and, read through an
 * aggregator or administrator (`via.kind`), of that source's; undefined for a query this version does not know.
 */
export type QueryEndpointServices = (queryId: string, viaKind: string | undefined) => readonly string[] | undefined;

/** The account id in an ARN (`arn:aws:sts::123456789012:assumed-role/…`), or undefined when it names none. */
export function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/** What one evidence body records of where it was collected from. */
export interface BodyOrigin {
  /** No `provenance` at all: sealed before provenance was recorded (or not by this tool); never taken as foreign. */
  recorded: boolean;
  /** Every origin the body's calls went to (empty: no call reached the wire, or not recorded). */
  origins: string[];
  /** The origins that are not AWS service endpoints of the body's query's service(s), with why. */
  notAws: { origin: string; why: string }[];
  /** The session's caller names another account than the one the evidence is about (or, delegated, the audit account). */
  callerMismatch?: { accountId: string; callerArn: string };
}

/**
 * What `bodyOrigin` reads of a parsed body, as the source text of `function originFields(body)`: `verify` evaluates it
 * on its hashing threads (src/verify/hash-files.ts), so each body is read once, for its hash and its origin, and only
 * this much of it comes back, with the body's `schema` (whether it is an evidence body at all). Judged by `bodyOrigin`
 * after a JSON round trip, what it returns gives what the whole body gives, or throws what it throws (tested in
 * test/evidence/endpoint-origin.test.ts): every field `bodyOrigin` reads is kept as the body has it, and a body that is
 * null throws here as it does there. Keep the two in step.
 */
export const ORIGIN_FIELDS_SOURCE = String.raw`
function originFields(body) {
  const p = body.provenance;
  const schema = body.schema;
  if (!p) return { schema };
  const queryId = body.queryId;
  const operations = body.operations;
  if (p.via) return { schema, queryId, operations, provenance: { endpoint: p.endpoint, endpoints: p.endpoints, via: { kind: p.via.kind, accountId: p.via.accountId, callerArn: p.via.callerArn } } };
  return { schema, queryId, operations, accountId: body.accountId, provenance: { endpoint: p.endpoint, endpoints: p.endpoints, callerArn: p.callerArn } };
}
`;

/**
 * Where one evidence body came from, from its `provenance`. An origin counts as AWS only when it is an AWS service
 * endpoint of a service the body's query calls (`servicesOf`; for a query this version does not know, the services of
 * the operations the body records): a Config query's body recorded against `kms.us-east-1.amazonaws.com` is not the
 * Config service's record. The body lists its origins, not which call went where: a query that calls two services (a
 * CloudTrail check reading the trail's S3 bucket) is not told apart if one call went to the other's endpoint.
 */
export function bodyOrigin(body: Pick<EvidenceBody, 'queryId' | 'accountId' | 'operations' | 'provenance'>, servicesOf: QueryEndpointServices): BodyOrigin {
  const p = body.provenance;
  if (!p) return { recorded: false, origins: [], notAws: [] };
  const origins = [...new Set([...(p.endpoint ? [p.endpoint] : []), ...(p.endpoints ?? [])])].sort();
  let services: { of: readonly string[]; why: (service: string) => string } | undefined;
  const expected = () => {
    if (services) return services;
    const known = servicesOf(String(body.queryId), p.via?.kind);
    const of = known ?? endpointServicesOfActions(Array.isArray(body.operations) ? body.operations.map(String) : []);
    const list = of.join(', ') || 'none';
    services = {
      of,
      why: known
        ? (service) => `the AWS endpoint of ${service}, not of the service${of.length > 1 ? 's' : ''} query ${body.queryId} calls (${list})`
        : (service) => `the AWS endpoint of ${service}, not of the service${of.length > 1 ? 's' : ''} its recorded operations call (${list}; query ${body.queryId} is not one this version has)`,
    };
    return services;
  };
  const notAws = origins.flatMap((origin) => {
    const c = classifyEndpointOrigin(origin);
    if (!c.aws) return [{ origin, why: c.why }];
    const e = expected();
    return e.of.includes(c.service) ? [] : [{ origin, why: e.why(c.service) }];
  });
  // Delegated: the calls were made from the audit account's session, so its caller is compared with that account.
  const accountId = p.via ? p.via.accountId : body.accountId;
  const callerArn = p.via ? p.via.callerArn : p.callerArn;
  const callerAccount = callerArn ? accountOfArn(callerArn) : undefined;
  const mismatch = callerArn && callerAccount !== accountId ? { accountId, callerArn } : undefined;
  return { recorded: true, origins, notAws, ...(mismatch ? { callerMismatch: mismatch } : {}) };
}

/** summary.json `endpoints`: the collection records of a package by where their bodies say they were collected from. */
export interface EndpointSummary {
  /** Collection records counted (attestations are not collected from an endpoint). */
  records: number;
  /** Records whose every call went to an AWS service endpoint of their query's service(s). */
  aws: number;
  /**
   * Records with a call to an origin that is not an AWS service endpoint of their query's service(s) (not AWS's, or
   * another service's), per origin and why (a record may count under several).
   */
  notAws: { origin: string; why: string; records: number; runs: string[] }[];
  /** Records that went to at least one such origin (counted once each). */
  notAwsRecords: number;
  /** Records whose body carries provenance but no endpoint (no call reached the wire). */
  noEndpoint: number;
  /** Records whose body carries no provenance (sealed before it was recorded): where they came from is not known. */
  notRecorded: number;
  /** `verify` only: records whose body hashes right but does not read as an evidence body (INVALID); counted in `records`. */
  unreadable?: number;
  /** Records whose session caller is in another account than the evidence (per account) or the audit account (delegated). */
  callerMismatch: { accountId: string; callerArn: string; records: number; runs: string[] }[];
}

/** Adds up the records of a package by the origin of their bodies. */
export class EndpointTally {
  private records = 0;
  private aws = 0;
  private notAwsRecords = 0;
  private noEndpoint = 0;
  private notRecorded = 0;
  private readonly notAws = new Map<string, { origin: string; why: string; records: number; runs: Set<string> }>();
  private readonly mismatch = new Map<string, { accountId: string; callerArn: string; records: number; runs: Set<string> }>();

  add(runId: string, o: BodyOrigin): void {
    this.records++;
    if (!o.recorded) {
      this.notRecorded++;
      return;
    }
    if (!o.origins.length) this.noEndpoint++;
    else if (!o.notAws.length) this.aws++;
    else this.notAwsRecords++;
    for (const n of o.notAws) {
      // One origin can be another service's endpoint for one query and not AWS's at all for none: kept apart by why.
      const key = `${n.origin}\u0000${n.why}`;
      const e = this.notAws.get(key) ?? { ...n, records: 0, runs: new Set<string>() };
      e.records++;
      e.runs.add(runId);
      this.notAws.set(key, e);
    }
    if (o.callerMismatch) {
      const key = `${o.callerMismatch.accountId} ${o.callerMismatch.callerArn}`;
      const e = this.mismatch.get(key) ?? { ...o.callerMismatch, records: 0, runs: new Set<string>() };
      e.records++;
      e.runs.add(runId);
      this.mismatch.set(key, e);
    }
  }

  summary(): EndpointSummary {
    const byKey = <T extends { runs: Set<string> }>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => ({ ...v, runs: [...v.runs].sort() }));
    return {
      records: this.records,
      aws: this.aws,
      notAws: byKey(this.notAws),
      notAwsRecords: this.notAwsRecords,
      noEndpoint: this.noEndpoint,
      notRecorded: this.notRecorded,
      callerMismatch: byKey(this.mismatch),
    };
  }
}

/** One sentence for every view: where the package's collected evidence came from, and what that does not show. */
export function describeEndpoints(e: EndpointSummary): string {
  const parts: string[] = [];
  if (e.notAwsRecords) parts.push(`${e.notAwsRecords} of ${e.records} collection records were collected from endpoints that are not AWS service endpoints of their query's service (${e.notAws.map((n) => `${n.origin}: ${n.why}`).join('; ')}): they are not AWS's record`);
  if (e.aws) parts.push(`${e.aws} of ${e.records} went to AWS service endpoints of their query's service only (the origin the SDK called; it does not show who answered, e.g. through a TLS proxy the collector was made to trust)`);
  if (e.notRecorded) parts.push(`${e.notRecorded} of ${e.records} carry no provenance (sealed before it was recorded): where they came from is not known`);
  if (e.noEndpoint) parts.push(`${e.noEndpoint} of ${e.records} record no endpoint (no call reached AWS)`);
  if (e.callerMismatch.length) parts.push(`${e.callerMismatch.reduce((n, m) => n + m.records, 0)} record(s) were collected by a caller of another account (${e.callerMismatch.map((m) => `${m.callerArn} for ${m.accountId}`).join('; ')})`);
  return parts.length ? `${parts.join('; ')}.` : 'No collection records.';
}
