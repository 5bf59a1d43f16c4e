import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { MetricFilter, MetricTransformation } from '@aws-sdk/client-cloudwatch-logs';
import type { Subscription } from '@aws-sdk/client-sns';
import type { Trail } from '@aws-sdk/client-cloudtrail';
import { loadCloudWatchLogsSdk, loadCloudWatchSdk, loadSnsSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { captureAbsence, defineQuery, isCapturedError, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';
import {
  describeTrails,
  homeTrails,
  managementEventCoverage,
  trailLabel,
  trailSelectors,
  trailStatuses,
  notReadReason,
  type DescribeTrailsEvidence,
  type TrailSelectorsEvidence,
  type TrailStatusEvidence,
} from '../cloudtrail/trails.js';
import { AlarmRuleError, alarmsNamed, evaluateAlarmRule, parseAlarmRule, type AlarmRule, type AlarmState } from './alarm-rule.js';
import { disjunctiveNormalForm, hasLiteralStar, implies, isWildcard, parseJsonPattern, PatternError, readGlob, UndocumentedSyntax, type PatternTest } from './filter-pattern.js';

/** DescribeMetricFilters of one log group a trail delivers to (ResourceNotFoundException kept when the group is gone). */
export interface LogGroupFilters {
  logGroupName: string;
  metricFilters: MetricFilter[] | CapturedError;
}

/** ListSubscriptionsByTopic of one SNS topic an alarm notifies (NotFound kept when the topic is gone). */
export interface TopicSubscriptions {
  topicArn: string;
  subscriptions: Subscription[] | CapturedError;
  /**
   * GetSubscriptionAttributes of each confirmed subscription, by SubscriptionArn, or the error that kept it from us: a
   * subscription's filter policy (FilterPolicy, FilterPolicyScope) decides which of the topic's messages it receives.
   * Absent in evidence sealed before this was read.
   */
  attributes?: Record<string, Record<string, string> | CapturedError>;
}

export interface SecurityAlarmsEvidence {
  describeTrails: DescribeTrailsEvidence;
  metricFilters: LogGroupFilters[];
  /** DescribeAlarms (metric and composite alarms), all pages. */
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
  topics: TopicSubscriptions[];
  /**
   * GetTrailStatus and GetEventSelectors of each trail whose log group is read here: a trail that is stopped, fails to
   * deliver to CloudWatch Logs, or selects no write management events puts no such event in the log group. Absent from
   * evidence collected before this check read them.
   */
  statuses?: TrailStatusEvidence[];
  selectors?: TrailSelectorsEvidence[];
}

/**
 * One CIS AWS Foundations monitoring event. A filter watches for it when, for each of its cases (one per name in
 * `eventNames`, else one per test in `anyOf`, else one), some disjunct of its pattern holds for every such event: every
 * test of that disjunct follows from the case's tests (`$.eventName = NAME`, each test in `all`) or from `tolerated`.
 */
export interface SecurityEvent {
  id: string;
  title: string;
  /** Tests every case makes besides its event name, written as a filter pattern writes them. */
  all?: readonly string[];
  eventNames?: readonly string[];
  /** Alternatives (when there are no event names): the filter must watch for each. */
  anyOf?: readonly string[];
  /**
   * Conditions the CIS Benchmark's (and Security Hub's) own pattern adds, which a filter may carry without being
   * narrower than the benchmark: the service that emits the names, the root pattern's exclusion of AWS service calls.
   */
  tolerated?: readonly string[];
  /**
   * Event names the CIS Benchmark's own pattern lists besides `eventNames` (EC2-Classic's ClassicLink calls, which no
   * longer occur since EC2-Classic was retired): an alternative for one of them is not counted as being about other events.
   */
  alsoNamed?: readonly string[];
}

const named = (names: string) => names.split(' ');
const source = (service: string) => [`$.eventSource = ${service}.amazonaws.com`];

/** The security events CIS AWS Foundations (monitoring section) asks a metric filter and alarm for. */
export const SECURITY_EVENTS: readonly SecurityEvent[] = [
  // CIS v1.5+ and Security Hub CloudWatch.2 leave out S3 HEAD requests and CloudWatch Logs delivery.
  { id: 'unauthorized-api-calls', title: 'unauthorized API calls', anyOf: ['$.errorCode = "*UnauthorizedOperation"', '$.errorCode = "AccessDenied*"'], tolerated: ['$.sourceIPAddress != "delivery.logs.amazonaws.com"', '$.eventName != "HeadBucket"'] },
  // CIS v1.4+ and Security Hub CloudWatch.3 limit it to IAM users' successful sign-ins.
  { id: 'console-signin-without-mfa', title: 'console sign-in without MFA', all: ['$.additionalEventData.MFAUsed != "Yes"'], eventNames: ['ConsoleLogin'], tolerated: ['$.userIdentity.type = "IAMUser"', '$.responseElements.ConsoleLogin = "Success"', ...source('signin')] },
  { id: 'root-account-usage', title: 'use of the root user', all: ['$.userIdentity.type = "Root"'], tolerated: ['$.userIdentity.invokedBy NOT EXISTS', '$.eventType != "AwsServiceEvent"'] },
  { id: 'iam-policy-changes', title: 'IAM policy changes', eventNames: named('DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy'), tolerated: source('iam') },
  { id: 'cloudtrail-config-changes', title: 'CloudTrail configuration changes', eventNames: named('CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging'), tolerated: source('cloudtrail') },
  { id: 'console-authentication-failures', title: 'failed console sign-ins', all: ['$.errorMessage = "Failed authentication"'], eventNames: ['ConsoleLogin'], tolerated: source('signin') },
  { id: 'cmk-disable-or-deletion', title: 'disabling or scheduled deletion of customer managed KMS keys', eventNames: named('DisableKey ScheduleKeyDeletion'), tolerated: source('kms') },
  { id: 's3-bucket-policy-changes', title: 'S3 bucket policy changes', eventNames: named('PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication'), tolerated: source('s3') },
  { id: 'config-changes', title: 'AWS Config configuration changes', eventNames: named('StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder'), tolerated: source('config') },
  { id: 'security-group-changes', title: 'security group changes', eventNames: named('AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup'), tolerated: source('ec2') },
  { id: 'nacl-changes', title: 'network ACL changes', eventNames: named('CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry ReplaceNetworkAclEntry ReplaceNetworkAclAssociation'), tolerated: source('ec2') },
  { id: 'network-gateway-changes', title: 'network gateway changes', eventNames: named('CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway DeleteInternetGateway DetachInternetGateway'), tolerated: source('ec2') },
  { id: 'route-table-changes', title: 'route table changes', eventNames: named('CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable DeleteRoute DisassociateRouteTable'), tolerated: source('ec2') },
  { id: 'vpc-changes', title: 'VPC changes', eventNames: named('CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection'), tolerated: source('ec2'), alsoNamed: named('AttachClassicLinkVpc DetachClassicLinkVpc DisableVpcClassicLink EnableVpcClassicLink') },
];

/** Reads one test as the event definitions write it (they are all well formed). */
function definedTest(text: string): PatternTest {
  const expr = parseJsonPattern(`{ ${text} }`);
  if (!('test' in expr)) throw new Error(`not a single test: ${text}`);
  return expr.test;
}

interface EventCase {
  /** How a reason names the case: the event name, `events where TEST`, or `these events`. */
  label: string;
  tests: PatternTest[];
}

function casesOf(event: SecurityEvent): EventCase[] {
  const all = (event.all ?? []).map(definedTest);
  const names = event.eventNames ?? [];
  if (names.length) return names.map((n) => ({ label: names.length === 1 && all.length ? 'these events' : n, tests: [definedTest(`$.eventName = ${n}`), ...all] }));
  if (event.anyOf?.length) return event.anyOf.map((t) => ({ label: `events where ${t}`, tests: [definedTest(t), ...all] }));
  return [{ label: 'these events', tests: all }];
}

/** The most disjuncts a pattern may have in disjunctive normal form before it is left unread (CIS's largest has 16). */
export const MAX_DISJUNCTS = 256;

/** How far one filter pattern watches for one security event. */
export interface FilterCoverage {
  /** Why the pattern was not read (then nothing else is set): not JSON, not parsed, too many disjuncts, a regex value. */
  unreadable?: string;
  /** The pattern was not read because it uses syntax CloudWatch Logs does not document: it may watch, a person reads it. */
  mayWatch?: boolean;
  /** Cases some disjunct watches for whole (it may be broader: then `broader` is the first such disjunct's tests). */
  watched: string[];
  broader?: string;
  /** Cases a disjunct tests for, but only together with conditions the event does not have: the case and those conditions. */
  narrowed: { label: string; extras: string[] }[];
  /** Cases no disjunct tests for. */
  missing: string[];
  /**
   * Why the filter counts (nearly) every CloudTrail event: an alternative that asks for no specific value. Its metric
   * is raised in every period, so an alarm on it stays in ALARM and these events change no state: it does not watch.
   */
  floods?: string;
  /** Why a person must judge how much else the filter counts (a wildcard or unrelated alternative): never a pass. */
  review?: string;
  /** What in the pattern does not mean what it seems to (a `*` inside a value, which is taken literally). */
  notes: string[];
}

/**
 * Fields every CloudTrail event record has (CloudTrail record contents). A test that excludes a value of one of them, or
 * accepts any or nearly any value, holds for nearly every event; on another field it holds only where that field is.
 */
export const EVERY_EVENT_HAS = new Set(['$.eventVersion', '$.eventTime', '$.eventSource', '$.eventName', '$.awsRegion', '$.sourceIPAddress', '$.eventID', '$.eventType', '$.recipientAccountId']);

/** Fewest characters besides its wildcards a wildcard value must keep to count as asking for a specific value. */
export const MIN_WILDCARD_TEXT = 3;

/** Why the test asks for no specific value (undefined: it does): it only excludes, or any or nearly any value passes. */
function unspecific(t: PatternTest): string | undefined {
  if (!('value' in t)) return `${t.op === 'NOT EXISTS' || t.op === 'IS NULL' ? 'only asks that a field be absent or null' : 'only asks for a true or false field'}`;
  if (t.op === '!=') return 'only excludes a value';
  if (t.op !== '=') return 'only compares a number with a bound';
  if (t.value.kind !== 'string' || !isWildcard(t.value.text)) return undefined;
  const { anyBefore, anyAfter, core } = readGlob(t.value.text);
  if (!core) return `accepts any value of ${t.selector}`;
  if (core.length >= MIN_WILDCARD_TEXT) return undefined;
  const where = anyBefore && anyAfter ? 'contain' : anyBefore ? 'end with' : 'start with';
  return `only asks that ${t.selector} ${where} "${core}" (${core.length} character${core.length === 1 ? '' : 's'}), which a great many values do`;
}

/** How a reason quotes a disjunct: its tests as the pattern writes them. */
const sourceOf = (d: PatternTest[]) => d.map((t) => t.source).join(' && ');

/**
 * Which of the event's cases a filter pattern watches for. A disjunct watches for a case when each of its tests follows
 * from the case's tests or the event's tolerated conditions, and it asks for the case's defining value (the event name,
 * error code or user type): it raises the metric for every such event. A disjunct that tests less, such as
 * `$.eventName = ConsoleLogin` for sign-ins without MFA, is broader and still watches (the reason says so); one that
 * only excludes, such as `$.eventName != DisableKey`, counts nearly every event and does not. A disjunct that makes every
 * test of the case but adds other conditions watches only for some of those events: narrowed, never a pass.
 *
 * Every disjunct counts, not only the one that watches: the metric is the sum over all of them. A disjunct that asks for
 * no specific value (only `!=`, NOT EXISTS, a bare `*`, a wildcard keeping fewer than MIN_WILDCARD_TEXT characters)
 * matches nearly every CloudTrail event, so the metric is raised in every period and its alarm never leaves ALARM: the
 * filter floods and does not watch. A watching disjunct whose defining value is a wildcard wider than the case's, and a
 * disjunct that is about other events, count other events in numbers this evidence does not show: review, not pass.
 */
export function filterCoverage(pattern: string, event: SecurityEvent): FilterCoverage {
  const none = (unreadable: string, mayWatch?: boolean): FilterCoverage => ({ unreadable, ...(mayWatch ? { mayWatch } : {}), watched: [], narrowed: [], missing: [], notes: [] });
  if (!pattern.trim().startsWith('{')) return none(pattern.trim() ? 'it is not a JSON filter pattern, which this check does not read' : 'it is empty, so it counts every log event, not these events in particular');
  let disjuncts: PatternTest[][] | undefined;
  try {
    disjuncts = disjunctiveNormalForm(parseJsonPattern(pattern), MAX_DISJUNCTS);
  } catch (e) {
    if (e instanceof UndocumentedSyntax) return none(`its JSON pattern is not read: ${e.message}`, true);
    if (e instanceof PatternError) return none(`its JSON pattern does not parse: ${e.message}`);
    throw e;
  }
  if (!disjuncts) return none(`its JSON pattern has more than ${MAX_DISJUNCTS} alternatives once its parentheses are expanded, too many to read`);
  const tolerated = (event.tolerated ?? []).map(definedTest);
  const out: FilterCoverage = { watched: [], narrowed: [], missing: [], notes: [] };
  /** Disjuncts that watch for a case or test only for one: the others are about other events. */
  const accounted = new Set<PatternTest[]>();
  const widened: string[] = [];
  for (const c of casesOf(event)) {
    const given = [...c.tests, ...tolerated];
    const follows = (t: PatternTest) => given.some((g) => implies(g, t));
    const exact = (d: PatternTest[]) => c.tests.every((t) => d.some((x) => implies(x, t) && follows(x)));
    // Broader is watching only while the disjunct still asks for the case's defining value (wildcards allowed, not a
    // bare *): one that only excludes (`!=`) or takes any value counts nearly every event and keeps its alarm in ALARM.
    const [defining] = c.tests;
    const anchored = (d: PatternTest[]) => d.some((x) => x.selector === defining.selector && x.op === '=' && 'value' in x && !/^\**$/.test(x.value.text) && follows(x));
    const covering = disjuncts.filter((d) => d.every(follows) && anchored(d));
    // A disjunct that makes every test of the case (it counts only such events) or watches for it is about these events.
    for (const d of disjuncts) if (covering.includes(d) || c.tests.every((t) => d.some((x) => implies(x, t)))) accounted.add(d);
    if (covering.length) {
      out.watched.push(c.label);
      if (!out.broader && !covering.some(exact)) out.broader = sourceOf(covering[0]);
      // Its defining value a wildcard wider than the case's (Root* for Root): it also counts other values of that field.
      const wide = covering.find((d) => !d.some((x) => implies(x, defining)));
      if (wide) {
        const x = wide.find((t) => t.selector === defining.selector && t.op === '=')!;
        widened.push(`its alternative ${sourceOf(wide)} also counts events whose ${defining.selector} is any other value ${'value' in x ? x.value.text : ''} matches, not only ${'value' in defining ? defining.value.text : ''}`);
      }
      continue;
    }
    // Narrowed: the disjunct makes each of the case's tests (or one equivalent), and adds conditions besides.
    const narrowing = disjuncts.find(exact);
    if (narrowing) out.narrowed.push({ label: c.label, extras: narrowing.filter((t) => !follows(t)).map((t) => t.source) });
    else out.missing.push(c.label);
  }
  // A * inside a value is that character, not a wildcard: say so, since the pattern reads as if it were one.
  const starred = [...new Set(disjuncts.flat().filter((t) => 'value' in t && t.value.kind === 'string' && hasLiteralStar(t.value.text)).map((t) => t.source))];
  out.notes.push(
    ...starred.map((src) => {
      const t = disjuncts.flat().find((x) => x.source === src)!;
      const text = 'value' in t ? t.value.text : '';
      return `value ${JSON.stringify(text)} in ${src} has a * inside it, which CloudWatch Logs takes literally (a * is a wildcard only as the first or last character): it matches only a ${t.selector} that has the character * there`;
    }),
  );
  // A disjunct that asks for no specific value matches nearly every event: the alarm on its metric never leaves ALARM.
  // (On a field only some events have, such a disjunct counts those events: it is about other events, reviewed below.)
  const floodsAll = (t: PatternTest) => EVERY_EVENT_HAS.has(t.selector) && (t.op === '=' || t.op === '!=') && unspecific(t);
  const flood = disjuncts.map((d) => ({ d, why: d.every(floodsAll) ? unspecific(d[0]) : undefined })).find((x) => x.why);
  if (flood) {
    const isTolerated = flood.d.length === 1 && tolerated.some((t) => implies(t, flood.d[0]) && implies(flood.d[0], t));
    const how = flood.d.length === 1 ? `${flood.why}, and every CloudTrail event has ${flood.d[0].selector}` : 'asks for no specific value of fields every CloudTrail event has';
    out.floods =
      `counts nearly every CloudTrail event: its alternative ${sourceOf(flood.d)} ${how}` +
      (isTolerated ? ' (the CIS Benchmark joins this condition with &&, from v1.5.0 on; joined with || it widens the filter instead of narrowing it)' : '') +
      `, so its metric is raised in nearly every period, an alarm on it stays in ALARM, and a later one of these events changes no state and notifies nobody`;
  }
  const alsoNamed = (event.alsoNamed ?? []).map((n) => definedTest(`$.eventName = ${n}`));
  const foreign = disjuncts.filter((d) => !accounted.has(d) && !alsoNamed.some((n) => d.some((x) => implies(x, n))));
  const reviews = [
    ...widened,
    ...foreign.slice(0, 1).map((d) => `its alternative ${sourceOf(d)}${foreign.length > 1 ? ` (and ${foreign.length - 1} more)` : ''} counts events other than these`),
  ];
  if (reviews.length) {
    out.review = `${reviews.join('; ')}: how often they occur is not in this evidence, and if they come in most periods an alarm on this metric stays in ALARM and one of these events changes no state and notifies nobody`;
  }
  // A regular-expression value is not compared, so a pattern using one that does not plainly watch is left unread.
  if ((out.narrowed.length || out.missing.length) && disjuncts.some((d) => d.some((t) => 'value' in t && t.value.kind === 'regex'))) {
    return none('it compares a value with a regular expression (%…%), which this check does not evaluate');
  }
  return out;
}

/** Words an unread pattern would have to contain to watch for the event: its names, or the texts its tests ask for. */
function keywordsOf(event: SecurityEvent): string[] {
  const words = casesOf(event).flatMap((c) => c.tests.flatMap((t) => ('value' in t && t.op === '=' && t.value.kind === 'string' ? t.value.text.split('*') : [])));
  return [...new Set(words.filter((w) => w.length >= 3))];
}

/** Where a trail's CloudWatchLogsLogGroupArn (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`) points. */
export interface LogGroupLocation {
  region: string;
  account: string;
  name: string;
}

/** The region, account and name in a log group ARN (region and account empty when it is not one). */
export function logGroupOf(arn: string): LogGroupLocation {
  const m = /^arn:[^:]+:logs:([^:]*):([^:]*):log-group:(.*?)(?::\*)?$/.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : { region: '', account: '', name: arn };
}

/** The log group name inside a trail's CloudWatchLogsLogGroupArn. */
export function logGroupNameOf(arn: string): string {
  return logGroupOf(arn).name;
}

/**
 * Whether the trail's log group is in this account and region, where this collection reads it. An organisation trail
 * delivers to a group of the management account: a group of the same name here is not the trail's and is not read.
 */
function deliversHere(t: Trail, ctx: { accountId: string; region: string }): boolean {
  const g = logGroupOf(t.CloudWatchLogsLogGroupArn ?? '');
  return g.account === ctx.accountId && g.region === ctx.region;
}

/** The one event source a security event's names come from (`$.eventSource = kms.amazonaws.com`), if it has one. */
function eventSourceOf(event: SecurityEvent): string | undefined {
  for (const t of event.tolerated ?? []) {
    const m = /^\$\.eventSource = "?([^"\s]+)"?$/.exec(t);
    if (m) return m[1];
  }
  return undefined;
}

type Verdict = { status: 'pass' | 'needs-review' | 'fail'; why?: string };

/**
 * Whether a trail puts one security event in its log group, from its GetTrailStatus (logging, CloudWatch Logs delivery)
 * and GetEventSelectors (management events it records). Every CIS event includes write management events (the named
 * ones are all writes); root use and unauthorized calls also include reads.
 */
function trailDelivers(t: Trail, event: SecurityEvent, data: SecurityAlarmsEvidence): Verdict {
  const label = trailLabel(t);
  const arn = t.TrailARN ?? t.Name;
  const statusRead = data.statuses?.find((s) => s.trailARN === arn);
  const status = statusRead?.status;
  const notRecorded = (what: string, api: string, read: { error?: { code: string; message: string } } | undefined) => ({
    status: 'needs-review' as const,
    why: `whether ${label} ${what} is not recorded in this evidence (${read?.error ? notReadReason(api, read) : `no ${api} response; evidence collected before this check read it has none`})`,
  });
  if (!status) return notRecorded('is logging and delivering to CloudWatch Logs', 'GetTrailStatus', statusRead);
  if (status.IsLogging !== true) {
    const stopped = toDate(status.StopLoggingTime);
    return { status: 'fail', why: `${label} is not logging${stopped ? ` (stopped ${stopped.toISOString()})` : ''}, so no event reaches its log group` };
  }
  const last = toDate(status.LatestCloudWatchLogsDeliveryTime);
  if (status.LatestCloudWatchLogsDeliveryError) {
    return { status: 'needs-review', why: `${label}'s latest delivery to CloudWatch Logs failed with ${status.LatestCloudWatchLogsDeliveryError} (last successful delivery ${last ? last.toISOString() : 'none recorded'}), so events may not reach its log group` };
  }
  if (!last) return { status: 'needs-review', why: `GetTrailStatus records no delivery of ${label} to CloudWatch Logs, so whether events reach its log group is not shown` };
  const selRead = data.selectors?.find((s) => s.trailARN === arn);
  const sel = selRead?.response;
  if (!sel) return notRecorded('records these events', 'GetEventSelectors', selRead);
  const kind = sel.AdvancedEventSelectors?.length ? 'advanced event selectors' : 'event selectors';
  const cov = managementEventCoverage(sel);
  if (!cov) return { status: 'fail', why: `${label}'s ${kind} record no management events, so these events are not delivered` };
  if (!cov.writes) return { status: 'fail', why: `${label}'s ${kind} record only read management events, so these events (write events) are not delivered` };
  const source = eventSourceOf(event);
  if (!cov.reads && !event.eventNames?.length) return { status: 'needs-review', why: `${label}'s ${kind} record only write management events, so read-only ones among these events are not delivered` };
  const excluded = [...new Set(cov.excludedSources)];
  if (source && excluded.some((x) => source.startsWith(x))) return { status: 'fail', why: `${label}'s ${kind} exclude management events from ${source}, so these events are not delivered` };
  if (!source && excluded.length) return { status: 'needs-review', why: `${label}'s ${kind} exclude management events from ${excluded.join(', ')}, so these events from those services are not delivered` };
  const only = [...new Set(cov.onlySources)];
  if (only.length && !(source && only.some((x) => source.startsWith(x)))) {
    return { status: 'needs-review', why: `${label}'s ${kind} keep management events only from ${only.join(', ')}, so these events may not be delivered` };
  }
  return { status: 'pass' };
}

const RANK = { fail: 0, 'needs-review': 1, pass: 2 } as const;

/** Whether any trail naming the group delivers the event there: the best trail's verdict, every shortfall named. */
function deliveryOf(trails: Trail[], event: SecurityEvent, data: SecurityAlarmsEvidence): Verdict {
  const each = trails.map((t) => trailDelivers(t, event, data));
  const best = each.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a), { status: 'fail' } as Verdict);
  if (best.status === 'pass') return best;
  return { status: best.status, why: each.flatMap((v) => (v.why ? [v.why] : [])).join('; ') };
}

type Transformation = NonNullable<MetricFilter['metricTransformations']>[number];
type WatchedMetric = { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };

/**
 * Whether an alarm's metric is the one a metric filter publishes to. CloudWatch keeps one metric per namespace, name and
 * set of dimensions: a filter with dimensions publishes one metric per set of values of its dimension fields, one
 * without publishes a single metric without dimensions, and an alarm reads exactly the metric it names. An alarm with a
 * Unit reads only data points published with that unit (a filter publishes its `unit`, None when it sets none).
 * `same`: it receives every data point; `one-value`: only those of one set of dimension values; `other`: none.
 */
type MetricMatch = { kind: 'same' } | { kind: 'one-value' | 'other'; why: string };

const dimensionList = (ds: { Name?: string; Value?: string }[]) => ds.map((d) => `${d.Name}=${d.Value}`).join(', ');
const plural = (n: number) => (n === 1 ? '' : 's');

function metricMatch(metric: WatchedMetric, unit: string | undefined, t: Transformation, filterName: string): MetricMatch | undefined {
  const namespace = t.metricNamespace ?? '';
  const name = t.metricName ?? '';
  if (metric.Namespace !== namespace || metric.MetricName !== name) return undefined;
  const id = `${namespace}/${name}`;
  const published = Object.entries(t.dimensions ?? {});
  const watched = metric.Dimensions ?? [];
  const perValue = `one metric per value of ${published.map(([, field]) => field).join(', ')}`;
  const filterSide = published.length
    ? `metric filter ${filterName} publishes it with dimension${plural(published.length)} ${published.map(([k]) => k).join(', ')} (${perValue})`
    : `metric filter ${filterName} publishes it without dimensions`;
  const keys = (ks: string[]) => [...ks].sort().join('\u0000');
  if (keys(published.map(([k]) => k)) !== keys(watched.map((d) => d.Name ?? ''))) {
    const alarmSide = watched.length ? `with dimension${plural(watched.length)} ${dimensionList(watched)}` : 'without dimensions';
    return { kind: 'other', why: `watches ${id} ${alarmSide}, but ${filterSide}: that is another metric, so the alarm receives no data from this filter` };
  }
  const publishedUnit = t.unit ?? 'None';
  if (unit !== undefined && unit !== publishedUnit) {
    return { kind: 'other', why: `reads only data points with unit ${unit}, but metric filter ${filterName} publishes ${id} with unit ${publishedUnit}${t.unit ? '' : ' (the filter sets no unit)'}: it receives no data from this filter` };
  }
  if (published.length) {
    return { kind: 'one-value', why: `watches only the ${id} metric with dimension${plural(watched.length)} ${dimensionList(watched)}; metric filter ${filterName} publishes ${perValue}, and events with other values do not reach this alarm` };
  }
  return { kind: 'same' };
}

/**
 * The alarms on the metric a filter's transformation publishes to (by namespace and name), each with whether it
 * receives the filter's data points. A metric math alarm is judged on the metrics its MetricStat queries read.
 */
function alarmsOnMetric(data: SecurityAlarmsEvidence, t: Transformation, filterName: string): { alarm: MetricAlarm; match: MetricMatch }[] {
  const rank = (m: MetricMatch) => (m.kind === 'same' ? 3 : m.kind === 'one-value' ? 2 : 1);
  return data.metricAlarms.flatMap((alarm) => {
    const matches = [
      metricMatch(alarm, alarm.Unit, t, filterName),
      ...(alarm.Metrics ?? []).map((m) => (m.MetricStat?.Metric ? metricMatch(m.MetricStat.Metric, m.MetricStat.Unit, t, filterName) : undefined)),
    ].filter((m): m is MetricMatch => m !== undefined);
    if (!matches.length) return [];
    return [{ alarm, match: matches.sort((a, b) => rank(b) - rank(a))[0] }];
  });
}

const confirmed = (s: Subscription) => (s.SubscriptionArn ?? '').startsWith('arn:');

interface Route {
  /** How far the notification demonstrably gets: 3 confirmed subscriber, 2 unseen, 1 nobody. */
  rank: 1 | 2 | 3;
  text: string;
}

/** Where one enabled alarm's ALARM actions lead, and how far the evidence follows them. */
function routesOf(alarm: { AlarmName?: string; AlarmActions?: string[] }, via: string, data: SecurityAlarmsEvidence, ctx: { accountId: string; region: string }): Route[] {
  return (alarm.AlarmActions ?? []).map((action): Route => {
    if (!/^arn:[^:]+:sns:/.test(action)) return { rank: 2, text: `${via} triggers ${action}, which is not an SNS topic: who it reaches is not in this evidence` };
    const [, , , region, account] = action.split(':');
    if (region !== ctx.region || account !== ctx.accountId) return { rank: 2, text: `${via} notifies ${action} in ${account === ctx.accountId ? `region ${region}` : `account ${account}`}: its subscriptions are not in this evidence` };
    const topic = data.topics.find((t) => t.topicArn === action);
    if (!topic) return { rank: 2, text: `${via} notifies ${action}, whose subscriptions were not collected` };
    if (isCapturedError(topic.subscriptions)) return { rank: 1, text: `${via} notifies ${action}, which does not exist (${topic.subscriptions.error.code})` };
    const ok = topic.subscriptions.filter(confirmed);
    if (ok.length) {
      const { receiving, doubts } = unfiltered(ok, topic);
      const text = `${via} notifies ${action} with ${ok.length} confirmed subscription(s) (${[...new Set(ok.map((s) => s.Protocol))].join(', ')})`;
      if (receiving.length) return { rank: 3, text: doubts.length ? `${text}, ${receiving.length} of them without a filter policy` : text };
      return { rank: 2, text: `${text}, but ${doubts.join('; ')}` };
    }
    const pending = topic.subscriptions.length;
    return { rank: 1, text: `${via} notifies ${action}, which has ${pending ? `${pending} subscription(s), none confirmed` : 'no subscriptions'}` };
  });
}

/**
 * The confirmed subscriptions that receive every message of the topic (no filter policy, shown by their attributes),
 * and why each other one may not: SNS delivers a message to a subscription with a filter policy only when the message
 * attributes (the default scope) or body match it, and this check does not match alarm notifications against it.
 */
function unfiltered(ok: Subscription[], topic: TopicSubscriptions): { receiving: Subscription[]; doubts: string[] } {
  const receiving: Subscription[] = [];
  const doubts: string[] = [];
  for (const s of ok) {
    const arn = s.SubscriptionArn ?? '';
    const a = topic.attributes?.[arn];
    if (!topic.attributes) doubts.push(`whether subscription ${arn} has a filter policy is not in the evidence (sealed before subscription attributes were read)`);
    else if (a === undefined) doubts.push(`no GetSubscriptionAttributes response was collected for subscription ${arn}, so whether a filter policy drops alarm notifications is unknown`);
    else if (isCapturedError(a)) doubts.push(`GetSubscriptionAttributes failed for subscription ${arn} (${a.error.code}: ${a.error.message}), so whether a filter policy drops alarm notifications is unknown`);
    else if (a.FilterPolicy !== undefined && a.FilterPolicy.trim() !== '' && a.FilterPolicy.trim() !== '{}') doubts.push(`subscription ${arn} has a filter policy on the message ${a.FilterPolicyScope === 'MessageBody' ? 'body' : 'attributes'} (${a.FilterPolicy}): it receives only the messages that match it, and whether alarm notifications match is not judged`);
    else receiving.push(s);
  }
  return { receiving, doubts };
}

/** A route that only reaches someone under a condition: needs review at best, and the reason says why. */
const cap = (r: Route, why: string | undefined): Route => (why && r.rank >= 2 ? { rank: 2, text: `${r.text}, but ${why}` } : r);
/** A route that reaches no one on these events (the alarm does not change state on them): nobody, and the reason says why. */
const block = (r: Route, why: string | undefined): Route => (why ? { rank: 1, text: `${r.text}, but ${why}` } : r);

/** Whether an alarm rule's reference (a name or an ARN) is this alarm: composite alarms watch alarms of their own account and region. */
function refersTo(ref: string, a: { AlarmName?: string; AlarmArn?: string }, ctx: { accountId: string; region: string }): boolean {
  if (ref === a.AlarmName || (a.AlarmArn !== undefined && ref === a.AlarmArn)) return true;
  const arn = /^arn:[^:]+:cloudwatch:([^:]*):([^:]*):alarm:(.+)$/.exec(ref);
  return !!arn && arn[1] === ctx.region && arn[2] === ctx.accountId && arn[3] === a.AlarmName;
}

/**
 * The composite alarms that notify when this alarm goes into ALARM, and why others that name it do not. A composite is
 * credited (its routes kept as they are) only when its rule is true with this alarm in ALARM whatever the states of the
 * other alarms it names (`ALARM(a) OR ALARM(b)`). When the rule is true with this alarm in ALARM and every other alarm
 * it names in OK, but not for every state of them (`ALARM(a) AND NOT ALARM(maintenance)`), its routes need review at
 * best. A rule false with this alarm in ALARM (`NOT ALARM(a)`, `OK(a)`, `ALARM(a) AND FALSE`), or one that also needs
 * other alarms out of OK (`ALARM(a) AND ALARM(b)`), is no route. A rule naming the alarm only inside another name is
 * not about it; one this check cannot read that contains the name needs review. Composites with an actions suppressor
 * need review: their notification is held back while the suppressor is in ALARM. Nesting (a composite over a
 * composite) is not followed.
 */
function compositeRoutes(a: MetricAlarm, data: SecurityAlarmsEvidence, ctx: { accountId: string; region: string }): { routes: Route[]; gaps: string[] } {
  const routes: Route[] = [];
  const gaps: string[] = [];
  const name = a.AlarmName ?? '';
  for (const c of data.compositeAlarms) {
    const text = c.AlarmRule ?? '';
    const via = `composite alarm ${c.AlarmName} (over ${name})`;
    let condition: string | undefined;
    let rule: AlarmRule;
    try {
      rule = parseAlarmRule(text);
    } catch (e) {
      if (!(e instanceof AlarmRuleError)) throw e;
      if (!name || !text.includes(name)) continue;
      rule = { kind: 'const', value: true };
      condition = `its rule ${text} could not be read (${e.message}), so whether alarm ${name} puts it into ALARM is not judged`;
    }
    if (!condition) {
      const named = alarmsNamed(rule);
      if (!named.some((r) => refersTo(r, a, ctx))) continue;
      const others = named.filter((r) => !refersTo(r, a, ctx));
      const mine = (r: string): AlarmState | undefined => (refersTo(r, a, ctx) ? 'ALARM' : undefined);
      const always = evaluateAlarmRule(rule, mine);
      if (always === 'false') {
        gaps.push(`composite alarm ${c.AlarmName} names alarm ${name}, but its rule ${text} is false whenever ${name} is in ALARM, so it does not notify on these events`);
        continue;
      }
      if (always === 'unknown') {
        if (evaluateAlarmRule(rule, (r) => mine(r) ?? 'OK') !== 'true') {
          gaps.push(`composite alarm ${c.AlarmName} goes into ALARM with alarm ${name} only while other alarms it names (${others.join(', ')}) are in particular states, and not while they are OK: its rule is ${text}`);
          continue;
        }
        condition = `its rule ${text} goes into ALARM with alarm ${name} only for some states of the other alarms it names (${others.join(', ')})`;
      }
      // The composite notifies when it goes into ALARM: only if its rule is false while this alarm is not in ALARM (OK,
      // or INSUFFICIENT_DATA, where an alarm on a metric filter's metric with the default TreatMissingData sits between
      // events). The other alarms are taken both at the state DescribeAlarms recorded and all in OK (OK when not in the
      // evidence): a rule true in either (`ALARM(a) OR TRUE`, `ALARM(a) OR NOT ALARM(a)`, `ALARM(a) OR ALARM(b)` with b
      // in ALARM) is already in ALARM, does not change state when this alarm does, and notifies nobody.
      const recorded = (r: string): AlarmState | undefined => [...data.metricAlarms, ...data.compositeAlarms].find((x) => refersTo(r, x, ctx))?.StateValue as AlarmState | undefined;
      const views = [
        { state: (r: string): AlarmState => recorded(r) ?? 'OK', how: ' (as recorded; OK when not in the evidence)' },
        { state: (): AlarmState => 'OK', how: '' },
      ];
      const already = (['OK', 'INSUFFICIENT_DATA'] as const).flatMap((quiet) =>
        views.flatMap(({ state, how }) => {
          if (evaluateAlarmRule(rule, (r) => (refersTo(r, a, ctx) ? quiet : state(r))) === 'false') return [];
          return [{ quiet, at: others.length ? ` and ${others.map((o) => `${o} in ${state(o)}`).join(', ')}${how}` : '' }];
        }),
      )[0];
      if (already) {
        gaps.push(`composite alarm ${c.AlarmName} names alarm ${name}, but its rule ${text} is true with ${name} in ${already.quiet}${already.at}: the composite is in ALARM before these events, does not change state when ${name} goes into ALARM, and notifies nobody of them`);
        continue;
      }
    }
    if (c.ActionsEnabled === false) {
      gaps.push(`composite alarm ${c.AlarmName} over ${name} has its actions disabled`);
      continue;
    }
    const periods = [c.ActionsSuppressorWaitPeriod !== undefined ? `wait period ${c.ActionsSuppressorWaitPeriod} s` : '', c.ActionsSuppressorExtensionPeriod !== undefined ? `extension period ${c.ActionsSuppressorExtensionPeriod} s` : ''].filter(Boolean);
    const suppressed = c.ActionsSuppressor ? `composite alarm ${c.AlarmName} suppresses its actions while alarm ${c.ActionsSuppressor} is in ALARM${periods.length ? ` (${periods.join(', ')})` : ''}` : undefined;
    const inAlarm = c.StateValue === 'ALARM' ? `composite alarm ${c.AlarmName} was in ALARM when collected: while it stays there it does not notify again, and when it leaves ALARM is not in this evidence` : undefined;
    routes.push(...routesOf(c, via, data, ctx).map((r) => cap(cap(cap(r, condition), suppressed), inAlarm)));
  }
  return { routes, gaps };
}

const OPERATOR_WORDS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'at least',
  GreaterThanThreshold: 'more than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'at most',
};

/**
 * Why one matching event would not put a metric alarm into ALARM (undefined: it would). A metric filter adds its
 * metric value (usually 1) for each matching event; the alarm fires on one event only when its statistic of one period
 * reaches the threshold and a single breaching period is enough. CIS asks for a threshold of 1.
 */
export function whyOneEventDoesNotFire(a: MetricAlarm, metricValue: string | undefined): string | undefined {
  if (a.Metrics?.length) return 'watches a metric math expression, so whether one event raises it is not judged';
  const value = Number(metricValue ?? '1');
  if (!Number.isFinite(value) || value <= 0) return `counts the filter's metric value ${metricValue ?? '(none)'}, not one per event, so whether one event raises it is not judged`;
  const statistic = a.Statistic ?? a.ExtendedStatistic ?? 'no';
  if (a.Statistic !== 'Sum' && a.Statistic !== 'SampleCount' && a.Statistic !== 'Maximum') return `uses the ${statistic} statistic, so whether one event raises it is not judged`;
  const one = a.Statistic === 'SampleCount' ? 1 : value;
  const threshold = a.Threshold;
  if (threshold === undefined) return 'has no threshold in the evidence';
  const op = a.ComparisonOperator ?? '';
  const fires = op === 'GreaterThanOrEqualToThreshold' ? one >= threshold : op === 'GreaterThanThreshold' ? one > threshold : false;
  if (!fires) return `goes into ALARM when the ${statistic} of a ${a.Period ?? '?'}-second period is ${OPERATOR_WORDS[op] ?? op} ${threshold}: one event does not raise it`;
  const needed = a.DatapointsToAlarm ?? a.EvaluationPeriods ?? 1;
  if (needed > 1) return `needs ${needed} breaching periods${a.EvaluationPeriods && a.EvaluationPeriods !== needed ? ` of ${a.EvaluationPeriods}` : ''} to go into ALARM: one event does not raise it`;
  return undefined;
}

/** The longest time (seconds) one event may hold an alarm in ALARM for this check to pass it (CIS: one period of 300 s). */
export const MAX_ALARM_WINDOW = 3600;

const fires = (value: number, op: string | undefined, threshold: number) => (op === 'GreaterThanOrEqualToThreshold' ? value >= threshold : op === 'GreaterThanThreshold' ? value > threshold : false);

/**
 * Why an alarm on a filter's metric would not change state on one of these events, so that its ALARM actions do not
 * run (CloudWatch runs them when the alarm goes into ALARM from another state): `fail`, it demonstrably does not;
 * `review`, it may not, and what would decide it is not in this evidence. The rules, from the CloudWatch documentation:
 *
 * - TreatMissingData. A metric filter publishes a data point only for a log event (none in a period without log events),
 *   so the alarm sees missing data in most periods. `missing` (the default when absent): a period whose evaluation range
 *   is all missing puts the alarm into INSUFFICIENT_DATA, and the next event's breaching data point puts it into ALARM;
 *   `notBreaching`: missing data is within the threshold, the alarm returns to OK. Both pass. `breaching`: missing data
 *   breaches, so the alarm is in ALARM in every quiet period and an event changes nothing: fail. `ignore`: the alarm
 *   keeps its state, so after the first event it stays in ALARM until a non-breaching data point arrives, which only a
 *   default value publishes: fail when no filter on the metric sets one, review otherwise.
 * - defaultValue (MetricTransformation): the value published for every log event the pattern does not match, so in
 *   every period with other CloudTrail events. With Sum, a positive default adds up with the log volume and keeps the
 *   alarm in ALARM, a negative one lowers the period's sum so that an event may not reach the threshold, and 0 breaches
 *   when 0 itself reaches the threshold; with SampleCount every default is a sample, so the count follows the log volume;
 *   with Maximum the default breaches when it reaches the threshold itself (a lower or negative default changes nothing).
 * - Other filters publishing to the same metric (namespace, name, dimensions; the alarm's unit when it names one) add
 *   their values into it: a negative constant lowers the Sum (fail when the values of the filters that match these events
 *   add up, per event, to less than the threshold; review when it matches other events), a value taken from the event
 *   ($.field) may be anything (review). A zero adds nothing to a Sum or
 *   Maximum. This filter's own metric value is judged by whyOneEventDoesNotFire.
 * - A long evaluation window (Period x EvaluationPeriods over MAX_ALARM_WINDOW): the event's breaching data point stays
 *   in the range that long and holds the alarm in ALARM, so later events in that time change no state: review.
 * - StateValue ALARM in the evidence: while it stays in ALARM another event notifies nobody: review.
 */
export function whyStateDoesNotChange(a: MetricAlarm, own: MetricFilter, t: MetricTransformation, data: SecurityAlarmsEvidence, event: SecurityEvent): { fail: string[]; review: string[] } {
  const fail: string[] = [];
  const review: string[] = [];
  const metric = `${t.metricNamespace}/${t.metricName}`;
  const threshold = a.Threshold ?? 1;
  const op = a.ComparisonOperator;
  const stat = a.Statistic;
  // Every transformation, on any collected log group, that publishes to the same metric and unit the alarm reads.
  const all = data.metricFilters.flatMap((g) => (isCapturedError(g.metricFilters) ? [] : g.metricFilters));
  const feeding = all.flatMap((f) =>
    (f.metricTransformations ?? []).filter((u) => metricKey(u) === metricKey(t) && (a.Metrics?.length || a.Unit === undefined || (u.unit ?? 'None') === a.Unit)).map((u) => ({ f, u })),
  );
  const named = (f: MetricFilter) => `metric filter ${f.filterName}${f === own ? '' : `${f.logGroupName ? ` on log group ${f.logGroupName}` : ''}`}`;
  const defaults = feeding.filter(({ u }) => u.defaultValue !== undefined && u.defaultValue !== null);
  const tmd = a.TreatMissingData ?? 'missing';
  if (tmd === 'breaching') {
    fail.push(`treats missing data as breaching (TreatMissingData breaching), and ${metric} has data points only in periods with log events its filters publish for (the events they match, or any event when they set a default value), so the alarm is in ALARM in every other period and one of these events changes no state and notifies nobody`);
  } else if (tmd === 'ignore') {
    const stuck = `keeps its current state when data is missing (TreatMissingData ignore), so after one of these events it stays in ALARM until a period with a data point below the threshold`;
    if (!defaults.length) fail.push(`${stuck}, which never comes: ${metric} has a data point only for a matching event (no filter publishing to it sets a default value); a later one of these events changes no state and notifies nobody${a.StateValue === 'ALARM' ? ', and it was in ALARM when collected' : ''}`);
    else review.push(`${stuck}, which only the default value of ${defaults.map(({ f }) => named(f)).join(', ')} publishes; whether such periods follow is not in this evidence, and until one does later events notify nobody`);
  } else if (tmd !== 'missing' && tmd !== 'notBreaching') {
    review.push(`treats missing data as ${tmd}, which this check does not know, so whether it leaves ALARM after one of these events is not judged`);
  }
  if (!a.Metrics?.length) {
    for (const { f, u } of defaults) {
      const d = Number(u.defaultValue);
      const by = `${named(f)} sets default value ${d}, which CloudWatch publishes to ${metric} for every log event the filter does not match (every other CloudTrail event)`;
      if (stat === 'SampleCount') fail.push(`counts data points (SampleCount), and ${by}: the count follows the log volume, so the alarm is in ALARM in busy periods and one of these events changes no state and notifies nobody`);
      else if (stat === 'Sum' && d > 0) fail.push(`sums its data points, and ${by}: the sum grows with the log volume, so the alarm is in ALARM in busy periods and one of these events changes no state and notifies nobody`);
      else if (stat === 'Sum' && d < 0) fail.push(`sums its data points, and ${by}: each other event lowers the period’s sum by ${-d}, so a period with one of these events may not reach the threshold and notifies nobody`);
      else if ((stat === 'Sum' || stat === 'Maximum') && fires(d, op, threshold)) fail.push(`goes into ALARM when the ${stat} of a period is ${OPERATOR_WORDS[op ?? ''] ?? op} ${threshold}, and ${by}, which reaches that alone: the alarm is in ALARM in every period with log events and one of these events changes no state and notifies nobody`);
    }
    if (stat === 'Sum') {
      const constant = (u: MetricTransformation) => String(u.metricValue ?? '').trim() !== '' && Number.isFinite(Number(u.metricValue));
      const watches = (f: MetricFilter) => {
        const c = filterCoverage(f.filterPattern ?? '', event);
        return !c.unreadable && !c.floods && !c.narrowed.length && !c.missing.length;
      };
      // What one of these events adds to the period's sum: the values of every filter on the metric that watches for it.
      const perEvent = feeding.filter(({ f, u }) => constant(u) && watches(f)).reduce((n, { u }) => n + Number(u.metricValue), 0);
      const negative = feeding.filter(({ u }) => constant(u) && Number(u.metricValue) < 0);
      const cancelling = negative.filter(({ f }) => watches(f));
      if (cancelling.length && !fires(perEvent, op, threshold)) {
        fail.push(`sums ${metric}, to which ${cancelling.map(({ f, u }) => `${named(f)} publishes ${u.metricValue}`).join(', ')} for each event it matches, and it matches these events too: each of them adds ${perEvent} in all, which is not ${OPERATOR_WORDS[op ?? ''] ?? op} ${threshold}, so the alarm does not go into ALARM on them and notifies nobody`);
      }
      for (const { f, u } of negative.filter((x) => !cancelling.includes(x))) {
        review.push(`sums ${metric}, to which ${named(f)} also publishes ${u.metricValue} for each event it matches, lowering the period’s sum: a period with one of these events and one it matches may stay under the threshold, and how often it matches is not in this evidence`);
      }
      for (const { f, u } of feeding.filter((x) => !constant(x.u) && x.u !== t)) {
        review.push(`sums ${metric}, to which ${named(f)} also publishes metric value ${u.metricValue ?? '(none)'} for each event it matches, taken from the event: it may be negative and cancel these events, or large and keep the alarm in ALARM, and the values are not in this evidence`);
      }
    }
    const window = (a.Period ?? 0) * (a.EvaluationPeriods ?? 1);
    if (window > MAX_ALARM_WINDOW) {
      review.push(`evaluates ${a.EvaluationPeriods ?? 1} period(s) of ${a.Period} s (${window / 60} minutes): one of these events holds it in ALARM while its data point is in that range, and further events in that time change no state and notify nobody (CIS asks for one period of 300 s; this check passes up to ${MAX_ALARM_WINDOW / 60} minutes)`);
    }
  }
  if (a.StateValue === 'ALARM' && !fail.length) {
    review.push(`was in ALARM when collected: while it stays there another of these events changes no state and notifies nobody, and when it leaves ALARM is not in this evidence`);
  }
  return { fail, review };
}

/** A filter applied to the transformed events (applyOnTransformedLogs) is judged on a pattern over fields the transformer, not collected, may drop or rename. */
function onTransformed(f: MetricFilter, c: FilterCoverage): FilterCoverage {
  if (!f.applyOnTransformedLogs || c.review || c.unreadable || c.floods) return c;
  return { ...c, review: 'it is applied to the log group’s transformed events (applyOnTransformedLogs), and the log transformer, which may drop or rename the fields its pattern tests, is not collected, so whether these events match it is not judged' };
}

/** The metric a transformation publishes to: namespace, name and dimensions (a different dimension set is another metric). */
const metricKey = (t: MetricTransformation) => JSON.stringify([t.metricNamespace, t.metricName, Object.entries(t.dimensions ?? {}).sort()]);

/**
 * CloudWatch adds every filter's count into the metric it publishes to, so a filter is judged with the others that share
 * its metric (on any collected log group): one that counts nearly every event (or has an empty pattern) keeps the shared
 * alarm in ALARM, so the filter floods too; one that counts other events in unknown numbers, or that this check cannot
 * read, leaves it for a person to review.
 */
function sharedFloods(judged: { f: MetricFilter; c: FilterCoverage }[], data: SecurityAlarmsEvidence, event: SecurityEvent): { f: MetricFilter; c: FilterCoverage }[] {
  const all = data.metricFilters.flatMap((g) => (isCapturedError(g.metricFilters) ? [] : g.metricFilters));
  const flooders = all.flatMap((f) => {
    const pattern = f.filterPattern ?? '';
    if (!pattern.trim()) return [{ f, why: 'which has an empty pattern, so it counts every log event', short: 'which has an empty pattern, so it counts every log event' }];
    const why = filterCoverage(pattern, event).floods;
    return why ? [{ f, why: `which ${why}`, short: 'which counts nearly every event' }] : [];
  });
  const unsure = all.flatMap((f) => {
    const c = filterCoverage(f.filterPattern ?? '', event);
    if (c.unreadable) return [{ f, why: `which this check could not read (${c.unreadable})` }];
    if (c.review) return [{ f, why: `where ${c.review.split(': how often')[0]}` }];
    return [];
  });
  const sharing = (f: MetricFilter, t: MetricTransformation) => (x: { f: MetricFilter }) => x.f !== f && (x.f.metricTransformations ?? []).some((u) => metricKey(u) === metricKey(t));
  return judged.map(({ f, c }) => {
    if (c.floods) return { f, c };
    const review = (f.metricTransformations ?? []).flatMap((t) => {
      const other = unsure.find(sharing(f, t));
      return other ? [`its metric ${t.metricNamespace}/${t.metricName} also counts what metric filter ${other.f.filterName}${other.f.logGroupName ? ` on log group ${other.f.logGroupName}` : ''} matches, ${other.why}`] : [];
    })[0];
    if (review && !c.review) c = { ...c, review: `${review}: how often those events occur is not in this evidence, and if they come in most periods the alarm on that metric stays in ALARM and one of these events changes no state and notifies nobody` };
    for (const t of f.metricTransformations ?? []) {
      const other = flooders.find(sharing(f, t));
      if (!other) continue;
      // A flooding filter of the same group is named with its own reason; one on another log group is explained here.
      const why = judged.some((x) => x.f === other.f) ? other.short : other.why;
      return { f, c: { ...c, floods: `publishes to ${t.metricNamespace}/${t.metricName}, as metric filter ${other.f.filterName}${other.f.logGroupName ? ` on log group ${other.f.logGroupName}` : ''} does, ${why}` } };
    }
    return { f, c };
  });
}

function judgeEvent(event: SecurityEvent, group: LogGroupFilters, filters: MetricFilter[], data: SecurityAlarmsEvidence, ctx: { accountId: string; region: string }): Omit<ResourceResult, 'resource' | 'resourceType'> {
  const where = `log group ${group.logGroupName}`;
  const judged = sharedFloods(filters.map((f) => ({ f, c: filterCoverage(f.filterPattern ?? '', event) })), data, event).map(({ f, c }) => ({ f, c: onTransformed(f, c) }));
  const whole = judged.filter(({ c }) => !c.unreadable && !c.floods && !c.narrowed.length && !c.missing.length);
  // A filter a person must review is judged only when no filter watches without a caveat.
  const clean = whole.filter(({ c }) => !c.review);
  const chosen = clean.length ? clean : whole;
  const watching = chosen.map(({ f }) => f);
  if (!watching.length) {
    const reach = (c: FilterCoverage) => c.watched.length + c.narrowed.length;
    const near = judged.filter(({ c }) => !c.unreadable && !c.floods && reach(c) > 0).sort((a, b) => reach(b.c) - reach(a.c) || b.c.watched.length - a.c.watched.length)[0];
    const words = keywordsOf(event);
    const unread = judged.filter(({ c }) => c.unreadable);
    const naming = unread.filter(({ f, c }) => c.mayWatch || words.some((w) => (f.filterPattern ?? '').includes(w)));
    const others = unread.filter((x) => !naming.includes(x));
    let head = `no metric filter on ${where} watches for these events`;
    // Cases the nearest filter does not watch that other filters do: spread over filters, whose alarms are not combined.
    let spread: { filters: string[]; labels: string[]; all: boolean } | undefined;
    if (near) {
      const byExtras = new Map<string, string[]>();
      for (const n of near.c.narrowed) byExtras.set(n.extras.join(' and '), [...(byExtras.get(n.extras.join(' and ')) ?? []), n.label]);
      const parts = [...[...byExtras].map(([extras, labels]) => `watches for ${labels.join(', ')} only when ${extras}`), ...(near.c.missing.length ? [`leaves out ${near.c.missing.join(', ')}`] : [])];
      const rest = [...near.c.narrowed.map((n) => n.label), ...near.c.missing];
      const elsewhere = judged.filter((x) => x !== near && !x.c.unreadable && !x.c.floods && x.c.watched.some((l) => rest.includes(l)));
      const labels = rest.filter((l) => elsewhere.some((x) => x.c.watched.includes(l)));
      if (elsewhere.length) spread = { filters: elsewhere.map((x) => x.f.filterName ?? ''), labels, all: labels.length === rest.length };
      head = `metric filter ${near.f.filterName} on ${where} ${parts.join(', ')}`;
      head += spread
        ? `; metric filter ${spread.filters.join(', ')} watches for ${labels.join(', ')}, but no one filter watches for them all, and this check judges the alarms of a filter that does, not of several combined`
        : ', and no other filter watches for them';
    }
    const unreadNote = (list: typeof unread, what: string) => list.map(({ f, c }) => `metric filter ${f.filterName} could not be read (${c.unreadable}) ${what}`).join('; ');
    // Filters that count nearly every event, and values that do not mean what they seem to, are named with their effect.
    const flooding = judged.filter(({ c }) => c.floods);
    const said = [...flooding.map(({ f, c }) => `metric filter ${f.filterName} ${c.floods}`), ...judged.flatMap(({ f, c }) => c.notes.map((n) => `metric filter ${f.filterName}: ${n}`))];
    const also = said.length ? `; ${said.join('; ')}` : '';
    if (naming.length) {
      // A pattern this check cannot read may still watch for the event: a person reads it, it is not passed or failed.
      return { status: 'needs-review', reason: `${event.title}: ${head}${also}; ${unreadNote(naming, 'and names them, so whether it watches for them is not judged')}` };
    }
    // Filters that together watch for every case may alert as CIS asks: a person checks each one's alarm.
    if (spread?.all) return { status: 'needs-review', reason: `${event.title}: ${head}${also}` };
    return {
      status: 'fail',
      reason: `${event.title}: ${head}${near || flooding.length ? '' : ', so no alarm can be raised on them'}${also}${others.length ? `; ${unreadNote(others, 'and names none of them')}` : ''}`,
    };
  }
  const routes: Route[] = [];
  const gaps: string[] = [];
  for (const f of watching) {
    for (const t of f.metricTransformations ?? []) {
      const alarms = alarmsOnMetric(data, t, f.filterName ?? '');
      if (!alarms.length) gaps.push(`metric filter ${f.filterName} feeds ${t.metricNamespace}/${t.metricName}, which no alarm watches`);
      for (const { alarm: a, match } of alarms) {
        const via = `alarm ${a.AlarmName}`;
        if (match.kind === 'other') {
          gaps.push(`${via} ${match.why}`);
          continue;
        }
        const parents = compositeRoutes(a, data, ctx);
        gaps.push(...parents.gaps);
        if (a.ActionsEnabled === false) gaps.push(`${via} has its actions disabled`);
        else if (!(a.AlarmActions ?? []).length && !parents.routes.length) gaps.push(`${via} has no action for the ALARM state`);
        // A route is only as good as the alarm's trigger: one that a single event does not fire, or that sees only some
        // of the filter's data points, needs review at best.
        const notOnOne = whyOneEventDoesNotFire(a, t.metricValue);
        const trap = whyStateDoesNotChange(a, f, t, data, event);
        const capAll = (r: Route): Route =>
          block(cap(cap(cap(r, match.kind === 'one-value' ? `${via} ${match.why}` : undefined), notOnOne && `${via} ${notOnOne}`), trap.review.map((w) => `${via} ${w}`).join('; ') || undefined), trap.fail.map((w) => `${via} ${w}`).join('; ') || undefined);
        if (a.ActionsEnabled !== false) routes.push(...routesOf(a, via, data, ctx).map(capAll));
        routes.push(...parents.routes.map(capAll));
      }
    }
  }
  const best = Math.max(0, ...routes.map((r) => r.rank));
  const said = [...routes.filter((r) => r.rank === best).map((r) => r.text), ...(best < 3 ? [...routes.filter((r) => r.rank < best).map((r) => r.text), ...gaps] : [])];
  // A broader pattern raises the metric for every one of these events, and for others too: it watches, and the reason says so.
  const breadth = chosen.flatMap(({ f, c }) => (c.review ? [`${f.filterName} needs review: ${c.review}`] : c.broader ? [`${f.filterName} also counts other events: it matches whenever ${c.broader}`] : []));
  const head = `${event.title}: metric filter ${watching.map((f) => f.filterName).join(', ')} on ${where}${breadth.length ? ` (${breadth.join('; ')})` : ''}`;
  // A filter that counts other events in unknown numbers may keep its alarm in ALARM: at best a person reviews it.
  if (best === 3 && !clean.length) return { status: 'needs-review', reason: `${head}; ${said.join('; ')}` };
  if (best === 3) return { status: 'pass', reason: `${head}; ${said.join('; ')}` };
  if (best === 2) return { status: 'needs-review', reason: `${head}; ${said.join('; ')}` };
  return { status: 'fail', reason: `${head}, but no alarm notifies a confirmed subscriber of these events: ${said.join('; ')}` };
}

async function collectFilters(ctx: QueryContext, logGroupName: string): Promise<LogGroupFilters> {
  const { CloudWatchLogsClient, paginateDescribeMetricFilters } = await loadCloudWatchLogsSdk();
  const metricFilters = await captureAbsence(async () => {
    const out: MetricFilter[] = [];
    for await (const page of paginateDescribeMetricFilters({ client: ctx.clients.get(CloudWatchLogsClient), pageSize: 50 }, { logGroupName })) {
      ctx.signal?.throwIfAborted();
      out.push(...(page.metricFilters ?? []));
    }
    return out;
  }, ['ResourceNotFoundException']);
  return { logGroupName, metricFilters };
}

export const securityAlarms = defineQuery<SecurityAlarmsEvidence>({
  id: 'cloudwatch.security-alarms',
  service: 'cloudwatch',
  title: 'Security events in the CloudTrail log group raise alarms that reach a confirmed subscriber',
  description:
    'For each CIS AWS Foundations monitoring event (root use, unauthorized API calls, console sign-in without MFA, failed console sign-ins, IAM policy, CloudTrail, Config, KMS key, S3 bucket policy, security group, network ACL, gateway, route table and VPC changes): whether a trail puts it in its CloudWatch Logs log group (the trail is logging, GetTrailStatus shows deliveries to CloudWatch Logs and no delivery error, and its event selectors record the event’s management events; a log group in another account, such as an organisation trail’s, or another region is judged there and needs review here), whether a metric filter on that log group watches for it (its JSON pattern is read as CloudWatch Logs reads it: a pattern that adds conditions, such as one principal or an excluded address, watches for only part of the event and does not pass; one with an alternative that matches nearly every CloudTrail event, which keeps its alarm in ALARM so that the event changes no state, fails; one with an alternative about other events, or a wildcard wider than the event’s value, needs review; one this check cannot read needs review), whether a CloudWatch alarm watches that metric (the namespace, name, dimensions and unit the filter publishes: an alarm on another dimension set or unit receives none of its data) with its actions enabled, whether one such event changes the alarm’s state (its statistic of one period reaches the threshold; missing data treated as missing, the default, or notBreaching, since breaching or ignore keeps it in ALARM; no filter default value or other filter on the metric that keeps it in ALARM or cancels the event; an evaluation window of at most an hour; not in ALARM when collected), and whether the alarm, or a composite alarm whose rule goes into ALARM with it and is false while it is not in ALARM, notifies an SNS topic with at least one confirmed subscription without a filter policy (GetSubscriptionAttributes; a subscription with one receives only the messages matching it, so it needs review). A filter applied to transformed logs needs review (the transformer is not collected). It shows that alerts are configured to reach someone, not that anyone receives, reads or acts on them; it does not match alarm notifications against subscription filter policies, nor read whether the topic’s access policy or encryption key lets CloudWatch publish, or data put into the metric by other means than these filters.',
  remediation:
    'Create a metric filter for each missing event on the trail’s CloudWatch Logs log group (the CIS AWS Foundations Benchmark gives the patterns), an alarm on each filter’s metric (threshold 1, period 5 minutes) with an ALARM action to an SNS topic, and confirm at least one subscription of that topic (an on-call address or an incident tool).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'logs:DescribeMetricFilters', 'cloudwatch:DescribeAlarms', 'sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'],
  async collect(ctx) {
    const describe = await describeTrails(ctx);
    // Only log groups of this account and region are the trails' own here; an organisation trail's is read in its account.
    const local = homeTrails(describe.trailList, ctx.region).filter((t) => t.CloudWatchLogsLogGroupArn && deliversHere(t, ctx));
    const statuses = await trailStatuses(ctx, local);
    const selectors = await trailSelectors(ctx, local);
    const groups = [...new Set(local.map((t) => logGroupNameOf(t.CloudWatchLogsLogGroupArn ?? '')))];
    const metricFilters: LogGroupFilters[] = [];
    for (const g of groups) metricFilters.push(await collectFilters(ctx, g));
    const metricAlarms: MetricAlarm[] = [];
    const compositeAlarms: CompositeAlarm[] = [];
    if (groups.length) {
      const { CloudWatchClient, paginateDescribeAlarms } = await loadCloudWatchSdk();
      for await (const page of paginateDescribeAlarms({ client: ctx.clients.get(CloudWatchClient), pageSize: 100 }, { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })) {
        ctx.signal?.throwIfAborted();
        metricAlarms.push(...(page.MetricAlarms ?? []));
        compositeAlarms.push(...(page.CompositeAlarms ?? []));
      }
    }
    // Only topics of this account and region are readable with this region's client; others are reported as unseen.
    const topicArns = [...new Set([...metricAlarms, ...compositeAlarms].flatMap((a) => a.AlarmActions ?? []))].filter((arn) => {
      const p = arn.split(':');
      return p[2] === 'sns' && p[3] === ctx.region && p[4] === ctx.accountId;
    });
    const topics: TopicSubscriptions[] = [];
    if (topicArns.length) {
      const { SNSClient, GetSubscriptionAttributesCommand, paginateListSubscriptionsByTopic } = await loadSnsSdk();
      for (const topicArn of topicArns.sort()) {
        const subscriptions = await captureAbsence(async () => {
          const out: Subscription[] = [];
          for await (const page of paginateListSubscriptionsByTopic({ client: ctx.clients.get(SNSClient) }, { TopicArn: topicArn })) {
            ctx.signal?.throwIfAborted();
            out.push(...(page.Subscriptions ?? []));
          }
          return out;
        }, ['NotFound', 'NotFoundException']);
        const attributes: NonNullable<TopicSubscriptions['attributes']> = {};
        if (!isCapturedError(subscriptions)) {
          for (const sub of subscriptions.filter(confirmed)) {
            const got = await captureFailure(() => ctx.clients.get(SNSClient).send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn })), ctx.signal);
            attributes[sub.SubscriptionArn!] = isCapturedError(got) ? got : (got.Attributes ?? {});
          }
        }
        topics.push({ topicArn, subscriptions, attributes });
      }
    }
    return { describeTrails: describe, statuses, selectors, metricFilters, metricAlarms, compositeAlarms, topics };
  },
  evaluate(data, _params, ctx) {
    if (!data?.describeTrails || !data.metricFilters || !data.metricAlarms || !data.topics) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeTrails, DescribeMetricFilters, DescribeAlarms or ListSubscriptionsByTopic responses' }];
    }
    // A body without the composite alarm list is judged on metric alarms alone.
    const evidence = { ...data, compositeAlarms: data.compositeAlarms ?? [] };
    const all: Trail[] = data.describeTrails.trailList ?? [];
    const delivering = all.filter((t) => t.CloudWatchLogsLogGroupArn);
    const own = homeTrails(delivering, ctx.region);
    if (!delivering.length) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no trail that records ${ctx.region} delivers to CloudWatch Logs, so no metric filter or alarm can watch its security events` }];
    }
    if (!own.length) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the log groups of ${delivering.map(trailLabel).join(', ')} are in ${[...new Set(delivering.map((t) => t.HomeRegion))].join(', ')}; their alarms are judged there` }];
    }
    const results: ResourceResult[] = [];
    const local = own.filter((t) => deliversHere(t, ctx));
    // A log group in another account (an organisation trail's, in the management account) or region is not read here.
    for (const t of own.filter((x) => !deliversHere(x, ctx))) {
      const g = logGroupOf(t.CloudWatchLogsLogGroupArn ?? '');
      const where = g.account !== ctx.accountId ? `account ${g.account || 'unknown'} (region ${g.region || 'unknown'})` : `region ${g.region || 'unknown'}`;
      results.push({
        resource: t.TrailARN ?? t.Name ?? '',
        resourceType: 'AWS::CloudTrail::Trail',
        status: 'needs-review',
        reason: `${trailLabel(t)} delivers to log group ${g.name} in ${where}: its metric filters and alarms are judged in that account and region, not in this evidence (a log group of that name in account ${ctx.accountId}, ${ctx.region}, is not the trail's and is not read as it)`,
      });
    }
    for (const group of data.metricFilters) {
      const trails = local.filter((t) => logGroupNameOf(t.CloudWatchLogsLogGroupArn ?? '') === group.logGroupName);
      // Evidence collected before log groups of other accounts were set aside may hold a same-named group of this account.
      if (!trails.length) continue;
      const groupArn = `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${group.logGroupName}`;
      const base = (event: SecurityEvent) => ({ resource: `${groupArn}#${event.id}`, resourceType: 'AWS::CloudWatch::Alarm' });
      if (isCapturedError(group.metricFilters)) {
        for (const event of SECURITY_EVENTS) results.push({ ...base(event), status: 'fail', reason: `${event.title}: log group ${group.logGroupName}, named by ${trails.map(trailLabel).join(', ')}, does not exist (${group.metricFilters.error.code})` });
        continue;
      }
      const regionOnly = !trails.some((t) => t.IsMultiRegionTrail);
      for (const event of SECURITY_EVENTS) {
        const found = judgeEvent(event, group, group.metricFilters, evidence, ctx);
        // Alarms on a log group the events do not reach watch nothing: a trail must be logging, delivering and selecting them.
        const delivery = deliveryOf(trails, event, data);
        const judged =
          delivery.status === 'pass'
            ? found
            : { ...found, status: RANK[delivery.status] < RANK[found.status as Verdict['status']] ? delivery.status : found.status, reason: `${found.reason}; but ${delivery.why}` };
        // A single-region trail's log group sees only this region's events, so a pass here covers no other region.
        if (judged.status === 'pass' && regionOnly) {
          results.push({ ...base(event), status: 'needs-review', reason: `${judged.reason}; but ${trails.map(trailLabel).join(', ')} records ${ctx.region} only, so events in other regions reach no alarm here` });
        } else results.push({ ...base(event), ...judged });
      }
    }
    return results;
  },
});
