import { isIP } from 'node:net';
import type { EvidenceBody } from './record.js';

/**
 * Whether evidence came from AWS's own service endpoints, judged from what each body records of its collection
 * (`provenance.endpoint(s)`: the origin the SDK sent its requests to; `provenance.callerArn` / `via.callerArn`: the
 * session's sts:GetCallerIdentity). An origin with AWS's shape is what the SDK called, not proof of who answered: a TLS
 * proxy trusted through a CA added to the collector's trust store, or a hosts-file entry, shows the same origin. What
 * it does catch is collection redirected in the open: `AWS_ENDPOINT_URL_<SERVICE>`, an `endpoint` setting, a proxy
 * reached by name, plain HTTP, an IP address, loopback (the demo's simulated AWS), and an AWS endpoint of another
 * service than the body's query calls (`AWS_ENDPOINT_URL_CONFIG` set to a KMS or S3 endpoint) or, where the body records
 * the endpoint of each operation (`provenance.endpointsByOperation`), than the call's operation is of. An interface VPC
 * endpoint (AWS PrivateLink) of the right service is AWS's endpoint, reached privately.
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
/** A region label only (an interface VPC endpoint is in one region). */
const REGIONAL = /^[a-z]{2,5}(?:-[a-z]+)+-\d+$/;
/** A service label as the endpoint rules build it (config, config-fips, s3-control, the labels of api.ecr, ...). */
const SERVICE = /^[a-z0-9][a-z0-9-]*$/;
/**
 * The label of an interface VPC endpoint's own DNS names: its id (`vpce-` and 8 or 17 hex digits), the suffix AWS adds
 * (`-abcdefgh`) and, for a zonal name, the Availability Zone (`-us-east-1a`). Never an endpoint service's `vpce-svc-…`.
 */
const VPCE_ID = /^vpce-[0-9a-f]{8,17}(?:-[a-z0-9-]+)?$/;
/**
 * The partitions' DNS suffixes under which interface VPC endpoints are named (`vpce.<dnsSuffix>`): the dnsSuffix of
 * each partition in the SDK's partitions table, not its dual-stack one (endpoint names are the same for IPv6).
 */
export const AWS_VPCE_DNS_SUFFIXES: ReadonlySet<string> = new Set(['amazonaws.com', 'amazonaws.com.cn', 'amazonaws.eu', 'c2s.ic.gov', 'sc2s.sgov.gov', 'cloud.adc-e.uk', 'csp.hci.ic.gov']);
/**
 * What S3's interface endpoint serves by the label in front of its id (`*.vpce-….s3.<region>.vpce.<suffix>`), as the
 * S3 user guide names them: buckets, access points and the S3 Control API. The SDK puts the bucket or the account id
 * in front of that label when the endpoint is configured (`my-bucket.bucket.vpce-…`, `111122223333.control.vpce-…`).
 */
const S3_VPCE_KINDS: Readonly<Record<string, 's3' | 's3-control'>> = { bucket: 's3', accesspoint: 's3', control: 's3-control' };

/**
 * `service`: the endpoint prefix the host names (`config`, `monitoring`, `api.ecr`, `s3`, `s3-control`), without FIPS
 * or dual-stack markers, a bucket, an account id or a VPC endpoint id: what ENDPOINT_SERVICES lists per IAM prefix.
 */
export type EndpointOriginClass = { aws: true; service: string } | { aws: false; why: string };

const unFips = (label: string) => label.replace(/-fips$/, '');

/**
 * Classifies the origin of an endpoint the SDK called (`https://config.us-east-1.amazonaws.com`) as an AWS public
 * service endpoint or not. AWS: `https://` on port 443 to `<service>[-fips][.dualstack].<region>.<partition suffix>`,
 * a global `<service>.<partition suffix>`, S3's bucket and S3 Control's account label in front of theirs, or the name
 * of an interface VPC endpoint of an AWS service (interfaceVpcEndpointService). Not AWS: anything else, among them
 * hosts under an AWS suffix whose content a customer controls (API Gateway `<id>.execute-api.…`, load balancers, EC2
 * public names, PrivateLink endpoint services of an AWS account `….vpce-svc-….vpce.amazonaws.com`).
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

  if (labels[labels.length - 1] === 'vpce') return (AWS_VPCE_DNS_SUFFIXES.has(suffix) && interfaceVpcEndpointService(labels.slice(0, -1))) || notShape;

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
  if (rest.length === 1 && !REGION.test(rest[0])) return { aws: true, service: unFips(rest[0]) };
  // Services whose endpoint name is two labels: api.ecr, api.sagemaker, runtime.sagemaker.
  if (rest.length === 2 && (rest[0] === 'api' || rest[0] === 'runtime')) return { aws: true, service: `${rest[0]}.${unFips(rest[1])}` };
  if (rest.length === 2 && /^s3(?:-fips)?$/.test(rest[1])) return { aws: true, service: 's3' };
  if (rest.length === 2 && /^s3-control(?:-fips)?$/.test(rest[1]) && /^\d{12}$/.test(rest[0])) return { aws: true, service: 's3-control' };
  return notShape;
}

/**
 * The service of an interface VPC endpoint's own DNS name (labels before `.vpce.<suffix>`), or undefined when the
 * labels are not one. The forms AWS PrivateLink documents for AWS services: the regional name
 * `vpce-<id>-<suffix>.<service>.<region>` and the zonal `vpce-<id>-<suffix>-<zone>.<service>.<region>`, where the
 * service is its endpoint service name's last part read backwards (`com.amazonaws.<region>.ecr.api` is `api.ecr`,
 * `….kms-fips` is kms's FIPS endpoint); for S3, `bucket.`, `accesspoint.` or `control.` in front of the id, with the
 * bucket (or, for S3 Control, the account id) the SDK adds in front of that. A name without an endpoint id
 * (`api.ecr.<region>.vpce.amazonaws.com`) is none of these; an endpoint service of an AWS account (`vpce-svc-…`) is
 * that account's service, not AWS's.
 */
function interfaceVpcEndpointService(labels: string[]): EndpointOriginClass | undefined {
  if (labels.length < 3 || !REGIONAL.test(labels[labels.length - 1])) return undefined;
  let at = labels.length - 2;
  while (at >= 0 && !VPCE_ID.test(labels[at])) at--;
  if (at < 0) return undefined;
  const named = labels.slice(at + 1, -1);
  if (named.some((l) => l.startsWith('vpce-'))) return undefined;
  const front = labels.slice(0, at);
  if (named.length === 1 && unFips(named[0]) === 's3') {
    const label = front[front.length - 1];
    if (front.length < 1 || front.length > 2 || !Object.hasOwn(S3_VPCE_KINDS, label)) return undefined;
    const kind = S3_VPCE_KINDS[label];
    if (front.length === 2 && kind === 's3-control' && !/^\d{12}$/.test(front[0])) return undefined;
    return { aws: true, service: kind };
  }
  if (front.length) return undefined;
  if (named.length === 1) return { aws: true, service: unFips(named[0]) };
  if (named.length === 2 && (named[0] === 'api' || named[0] === 'runtime')) return { aws: true, service: `${named[0]}.${unFips(named[1])}` };
  return undefined;
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

/** The endpoint prefixes of an IAM action prefix (`config` → config); none for one ENDPOINT_SERVICES does not list. */
function servicesOfPrefix(prefix: string): readonly string[] {
  return Object.hasOwn(ENDPOINT_SERVICES, prefix) ? ENDPOINT_SERVICES[prefix] : [];
}

/** The endpoint prefixes of IAM actions (`config:DescribeConfigRules` → config); an unknown IAM prefix gives none. */
export function endpointServicesOfActions(actions: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const a of actions) for (const s of servicesOfPrefix(String(a).split(':')[0])) out.add(s);
  return [...out].sort();
}

/** Whether endpoint prefixes are all of one IAM prefix's client(s) (`s3` and `s3-control` are; `cloudtrail` and `s3` are not). */
function ofOneService(services: readonly string[]): boolean {
  return Object.values(ENDPOINT_SERVICES).some((list) => services.every((s) => list.includes(s)));
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
  /**
   * The body's query calls more than one service and the body does not record which endpoint each operation went to
   * (`provenance.endpointsByOperation`; sealed before it was recorded): an AWS endpoint of any of those services was
   * taken as the query's, so a call sent to the other service's endpoint is not told apart.
   */
  matchedToQuery?: true;
}

/**
 * What `bodyOrigin` reads of a parsed body, as the source text of `function originFields(body)`: `verify` evaluates it
 * on its hashing threads (src/verify/hash-files.ts), so each body is read once, for its hash and its origin, and only
 * this much of it comes back, with the body's `schema` (whether it is an evidence body at all). Judged by `bodyOrigin`
 * after a JSON round trip, what it returns gives what the whole body gives, or throws what it throws (tested in
 * test/evidence/endpoint-origin.test.ts): every field `bodyOrigin` reads is kept as the body has it, and a body that is
 * null throws here as it does there. Keep the two in step. A delegated body's `via.read` (the organisation-wide read it
 * cites), `via.region` and `via.eventDataStore` are kept too, and of a read's own body how many requests it lists
 * (`listedRequests`, as listedReadRequests counts them): verify checks the reference against the body's run.
 */
export const ORIGIN_FIELDS_SOURCE = String.raw`
function originFields(body) {
  const p = body.provenance;
  const schema = body.schema;
  if (!p) return { schema };
  const queryId = body.queryId;
  const operations = body.operations;
  if (p.via) return { schema, queryId, operations, provenance: { endpoint: p.endpoint, endpoints: p.endpoints, endpointsByOperation: p.endpointsByOperation, via: { kind: p.via.kind, accountId: p.via.accountId, region: p.via.region, eventDataStore: p.via.eventDataStore, callerArn: p.via.callerArn, endpointsByOperation: p.via.endpointsByOperation, read: p.via.read } } };
  const listed = typeof queryId === 'string' && queryId.startsWith('delegated-read:') ? { listedRequests: body.data && Array.isArray(body.data.requests) ? body.data.requests.length : 0 } : {};
  return { schema, queryId, operations, accountId: body.accountId, provenance: { endpoint: p.endpoint, endpoints: p.endpoints, endpointsByOperation: p.endpointsByOperation, callerArn: p.callerArn }, ...listed };
}
`;

/**
 * A body's `provenance.endpointsByOperation` and, read through an aggregator or administrator, its
 * `via.endpointsByOperation` (the organisation-wide calls), as origins by operation; undefined when it has neither
 * (sealed before they were recorded) or none that reads as one (an object of lists): then its origins are judged per
 * query, as before.
 */
function originsByOperation(values: unknown[]): Map<string, string[]> | undefined {
  let out: Map<string, string[]> | undefined;
  for (const value of values) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    out ??= new Map<string, string[]>();
    for (const [operation, origins] of Object.entries(value)) {
      if (!Array.isArray(origins)) continue;
      out.set(operation, [...new Set([...(out.get(operation) ?? []), ...origins.filter((o): o is string => typeof o === 'string')])]);
    }
  }
  return out;
}

/**
 * Where one evidence body came from, from its `provenance`. An origin counts as AWS only when it is an AWS service
 * endpoint of a service the body's query calls (`servicesOf`; for a query this version does not know, the services of
 * the operations the body records): a Config query's body recorded against `kms.us-east-1.amazonaws.com` is not the
 * Config service's record. Where the body records the endpoint of each operation (`endpointsByOperation`), each
 * origin must also be an endpoint of the service of the operation that called it: a CloudTrail query's DescribeTrails
 * sent to S3's endpoint is not CloudTrail's record, though the query also calls S3. A body without that record is
 * judged per query and, when its query calls several services, says so (`matchedToQuery`). A body read through an
 * aggregator or administrator records the endpoints of the organisation-wide calls too (`via.endpointsByOperation`).
 */
export function bodyOrigin(body: Pick<EvidenceBody, 'queryId' | 'accountId' | 'operations' | 'provenance'>, servicesOf: QueryEndpointServices): BodyOrigin {
  const p = body.provenance;
  if (!p) return { recorded: false, origins: [], notAws: [] };
  const byOperation = originsByOperation([p.endpointsByOperation, p.via?.endpointsByOperation]);
  const origins = [...new Set([...(p.endpoint ? [p.endpoint] : []), ...(p.endpoints ?? []), ...[...(byOperation?.values() ?? [])].flat()])].sort();
  let services: { of: readonly string[]; known: boolean; list: string; why: (service: string) => string } | undefined;
  const expected = () => {
    if (services) return services;
    const known = servicesOf(String(body.queryId), p.via?.kind);
    const of = known ?? endpointServicesOfActions(Array.isArray(body.operations) ? body.operations.map(String) : []);
    const list = of.join(', ') || 'none';
    services = {
      of,
      known: known !== undefined,
      list,
      why: known
        ? (service) => `the AWS endpoint of ${service}, not of the service${of.length > 1 ? 's' : ''} query ${body.queryId} calls (${list})`
        : (service) => `the AWS endpoint of ${service}, not of the service${of.length > 1 ? 's' : ''} its recorded operations call (${list}; query ${body.queryId} is not one this version has)`,
    };
    return services;
  };
  /** Why an AWS endpoint of `service` is not where `operation` should have gone, or undefined when it is. */
  const wrongForOperation = (service: string, operation: string): string | undefined => {
    const e = expected();
    const own = servicesOfPrefix(operation.split(':')[0]);
    const allowed = own.filter((s) => e.of.includes(s));
    if (allowed.includes(service)) return undefined;
    if (allowed.length) return `the AWS endpoint of ${service}, not of the service ${operation} calls (${allowed.join(', ')})`;
    return e.known
      ? `the AWS endpoint of ${service}, for ${operation}, not an operation of the service${e.of.length > 1 ? 's' : ''} query ${body.queryId} calls (${e.list})`
      : `the AWS endpoint of ${service}, for ${operation}, not an operation of the service${e.of.length > 1 ? 's' : ''} its recorded operations call (${e.list}; query ${body.queryId} is not one this version has)`;
  };
  // An AWS endpoint taken as the query's without knowing which of its operations called it.
  let takenPerQuery = false;
  const notAws = origins.flatMap((origin) => {
    const c = classifyEndpointOrigin(origin);
    if (!c.aws) return [{ origin, why: c.why }];
    const e = expected();
    if (!e.of.includes(c.service)) return [{ origin, why: e.why(c.service) }];
    // Each operation recorded as calling this origin must be of the origin's service.
    const operations = byOperation ? [...byOperation].filter(([, list]) => list.includes(origin)).map(([operation]) => operation) : [];
    if (!byOperation) takenPerQuery = true;
    return [...new Set(operations.map((operation) => wrongForOperation(c.service, operation)).filter((why): why is string => why !== undefined))].map((why) => ({ origin, why }));
  });
  // Delegated: the calls were made from the audit account's session, so its caller is compared with that account.
  const accountId = p.via ? p.via.accountId : body.accountId;
  const callerArn = p.via ? p.via.callerArn : p.callerArn;
  const callerAccount = callerArn ? accountOfArn(callerArn) : undefined;
  const mismatch = callerArn && callerAccount !== accountId ? { accountId, callerArn } : undefined;
  const matchedToQuery = takenPerQuery && !ofOneService(expected().of);
  return { recorded: true, origins, notAws, ...(mismatch ? { callerMismatch: mismatch } : {}), ...(matchedToQuery ? { matchedToQuery: true as const } : {}) };
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
  /**
   * Records of a query calling more than one service whose bodies do not record which endpoint each operation went to
   * (sealed before it was): their origins were matched against any service of their query (BodyOrigin
   * `matchedToQuery`). Absent when none.
   */
  matchedToQuery?: number;
}

/** Adds up the records of a package by the origin of their bodies. */
export class EndpointTally {
  private records = 0;
  private aws = 0;
  private notAwsRecords = 0;
  private noEndpoint = 0;
  private notRecorded = 0;
  private matchedToQuery = 0;
  private readonly notAws = new Map<string, { origin: string; why: string; records: number; runs: Set<string> }>();
  private readonly mismatch = new Map<string, { accountId: string; callerArn: string; records: number; runs: Set<string> }>();

  add(runId: string, o: BodyOrigin): void {
    this.records++;
    if (!o.recorded) {
      this.notRecorded++;
      return;
    }
    if (o.matchedToQuery) this.matchedToQuery++;
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
      ...(this.matchedToQuery ? { matchedToQuery: this.matchedToQuery } : {}),
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
  if (e.matchedToQuery) parts.push(`${e.matchedToQuery} of ${e.records} were collected by a query that calls more than one service and sealed before the endpoint of each operation was recorded: each of their origins was taken as the query's when it is an endpoint of any service the query calls, so a call sent to the other service's endpoint is not told apart`);
  if (e.callerMismatch.length) parts.push(`${e.callerMismatch.reduce((n, m) => n + m.records, 0)} record(s) were collected by a caller of another account (${e.callerMismatch.map((m) => `${m.callerArn} for ${m.accountId}`).join('; ')})`);
  return parts.length ? `${parts.join('; ')}.` : 'No collection records.';
}
