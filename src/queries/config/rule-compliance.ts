import type { Compliance, ComplianceByConfigRule, ConfigRule, ConfigRuleEvaluationStatus, EvaluationResult, EvaluationResultIdentifier, Scope } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { isAggregateRuleCompliance, type AggregateRuleComplianceEvidence } from './aggregate-rule-compliance.js';
import { readEvaluationStatus } from './evaluation-status.js';
import { asDetection, configRulesEvidenceParameter, TRIAGE } from './detection.js';

export interface RuleComplianceEvidence {
  /** DescribeConfigRules, all pages. */
  configRules: ConfigRule[];
  /** DescribeComplianceByConfigRule, all pages. */
  compliance: ComplianceByConfigRule[];
  /** GetComplianceDetailsByConfigRule (NON_COMPLIANT results, all pages) for each non-compliant rule. */
  nonCompliantDetails: { configRuleName: string; evaluationResults: EvaluationResult[] }[];
  /**
   * DescribeConfigRuleEvaluationStatus, all pages: when each rule last evaluated and was invoked, successfully or not.
   * Absent in evidence sealed before this check read it.
   */
  evaluationStatus?: ConfigRuleEvaluationStatus[] | CapturedError;
}

/** Non-compliant resources listed one by one per rule; the rest are counted. */
const LISTED_PER_RULE = 100;

export const ruleCompliance = defineQuery<RuleComplianceEvidence | AggregateRuleComplianceEvidence>({
  id: 'config.rule-compliance',
  service: 'config',
  title: 'AWS Config rules report resources compliant',
  description:
    'Every AWS Config rule in the region (including rules deployed by conformance packs), its compliance, and each resource it evaluates as NON_COMPLIANT with the rule’s annotation. A COMPLIANT or NOT_APPLICABLE result needs review when the rule no longer evaluates: its latest evaluation or invocation failed, or a periodic rule last evaluated successfully more than two of its periods (plus an hour) before collection (AWS Config keeps showing the last result).',
  remediation: 'Remediate each non-compliant resource as the rule describes (or attach an SSM remediation to the rule), then re-evaluate the rule.',
  scope: 'regional',
  apiCalls: ['config:DescribeConfigRules', 'config:DescribeComplianceByConfigRule', 'config:GetComplianceDetailsByConfigRule', 'config:DescribeConfigRuleEvaluationStatus'],
  parameters: { configRulesEvidence: configRulesEvidenceParameter },
  async collect(ctx) {
    const { ConfigServiceClient, paginateDescribeComplianceByConfigRule, paginateDescribeConfigRules, paginateGetComplianceDetailsByConfigRule } = await loadConfigServiceSdk();
    const cfg = ctx.clients.get(ConfigServiceClient);
    const configRules: ConfigRule[] = [];
    for await (const page of paginateDescribeConfigRules({ client: cfg }, {})) configRules.push(...(stripMetadata(page).ConfigRules ?? []));
    const compliance: ComplianceByConfigRule[] = [];
    for await (const page of paginateDescribeComplianceByConfigRule({ client: cfg }, {})) compliance.push(...(stripMetadata(page).ComplianceByConfigRules ?? []));
    const nonCompliantDetails: RuleComplianceEvidence['nonCompliantDetails'] = [];
    for (const c of compliance.filter((x) => x.Compliance?.ComplianceType === 'NON_COMPLIANT')) {
      const configRuleName = c.ConfigRuleName ?? '';
      const evaluationResults: EvaluationResult[] = [];
      const pages = paginateGetComplianceDetailsByConfigRule({ client: cfg, pageSize: 100 }, { ConfigRuleName: configRuleName, ComplianceTypes: ['NON_COMPLIANT'] });
      for await (const page of pages) evaluationResults.push(...(stripMetadata(page).EvaluationResults ?? []));
      nonCompliantDetails.push({ configRuleName, evaluationResults });
    }
    return { configRules, compliance, nonCompliantDetails, evaluationStatus: await readEvaluationStatus(cfg, ctx) };
  },
  evaluate(data, params, ctx) {
    const detection = asDetection(params);
    if (isAggregateRuleCompliance(data)) return evaluateAggregate(data, ctx, detection);
    if (!data?.configRules || !data.compliance) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no Config rule responses' }];
    }
    if (data.configRules.length === 0) return [noRules(`no AWS Config rules are deployed in ${ctx.region}`, detection)];
    const results: ResourceResult[] = [];
    for (const rule of data.configRules) {
      const name = rule.ConfigRuleName ?? '';
      const c = data.compliance.find((x) => x.ConfigRuleName === name)?.Compliance;
      const details = data.nonCompliantDetails?.find((d) => d.configRuleName === name)?.evaluationResults ?? [];
      const health = staleness(evaluationHealth(name, data.evaluationStatus), rule, ctx.collectedAt);
      results.push(...judgeRule(name, { resource: rule.ConfigRuleArn ?? name, resourceType: 'AWS::Config::ConfigRule' }, c, details, health, scopeText(rule.Scope), detection));
    }
    return results;
  },
});

/** No rule in the region: nothing judged (resources), or nothing detecting there (detection: a failure). */
function noRules(text: string, detection: boolean): ResourceResult {
  return detection
    ? { resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `${text}: nothing in this region detects configuration that breaks the organisation's rules` }
    : { resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: text, mechanismAbsent: 'AWS Config rules' };
}

/**
 * What a rule's Scope (DescribeConfigRules) limits its evaluations to, for the pass reason: a COMPLIANT rule scoped to
 * a tag or one resource says nothing of the resources outside that scope.
 */
function scopeText(scope: Scope | undefined): string {
  const parts: string[] = [];
  if (scope?.ComplianceResourceTypes?.length) parts.push(`resource types ${scope.ComplianceResourceTypes.join(', ')}`);
  if (scope?.ComplianceResourceId) parts.push(`only resource ${scope.ComplianceResourceId}`);
  if (scope?.TagKey) parts.push(`only resources tagged ${scope.TagKey}${scope.TagValue !== undefined ? `=${scope.TagValue}` : ' (any value)'}`);
  return parts.length
    ? ` (its scope: ${parts.join('; ')}; resources outside the scope are not evaluated)`
    : ' (it sets no scope: it evaluates the resources its trigger and source choose)';
}

/**
 * Whether a rule's compliance is the result of a working evaluation: `doubt` says why it may not be (the latest
 * evaluation or invocation failed after the last success, evaluation never started, or the status is not in the
 * evidence), `lastSuccess` when the latest successful evaluation ran. A COMPLIANT or NOT_APPLICABLE result stands only
 * while the rule still evaluates: when evaluations fail (a custom rule's Lambda function deleted or denied, a managed
 * rule's parameters invalid), AWS Config keeps reporting the last result it had.
 */
interface EvaluationHealth {
  doubt?: string;
  lastSuccess?: Date;
}

function evaluationHealth(name: string, statuses: readonly ConfigRuleEvaluationStatus[] | CapturedError | undefined): EvaluationHealth {
  if (isCapturedError(statuses)) {
    return { doubt: `AWS Config refused the rules' evaluation status (DescribeConfigRuleEvaluationStatus: ${statuses.error.code}: ${statuses.error.message}), so whether the rule still evaluates successfully is not shown` };
  }
  if (!statuses) {
    return { doubt: `the evidence was sealed before this check read the rule's evaluation status (DescribeConfigRuleEvaluationStatus), so whether the rule still evaluates successfully is not in it` };
  }
  const s = statuses.find((x) => x.ConfigRuleName === name);
  if (!s) return { doubt: `AWS Config gives no evaluation status for the rule (DescribeConfigRuleEvaluationStatus), so whether it still evaluates is not shown` };
  const iso = (d: Date | undefined) => d?.toISOString() ?? 'never';
  const okEval = toDate(s.LastSuccessfulEvaluationTime);
  const failedEval = toDate(s.LastFailedEvaluationTime);
  const okInvoke = toDate(s.LastSuccessfulInvocationTime);
  const failedInvoke = toDate(s.LastFailedInvocationTime);
  const error = s.LastErrorCode || s.LastErrorMessage ? ` (${[s.LastErrorCode, s.LastErrorMessage].filter(Boolean).join(': ')})` : '';
  if (s.FirstEvaluationStarted === false) return { doubt: 'AWS Config has not started evaluating the rule (FirstEvaluationStarted is false)' };
  if (failedEval && (!okEval || failedEval > okEval)) {
    return { doubt: `the rule's latest evaluation, at ${iso(failedEval)}, failed${error}, and its last successful evaluation was ${okEval ? `at ${iso(okEval)}` : 'never'}: the result shown is not current`, lastSuccess: okEval };
  }
  if (failedInvoke && (!okInvoke || failedInvoke > okInvoke)) {
    return { doubt: `AWS Config last failed to invoke the rule at ${iso(failedInvoke)}${error} (last successful invocation ${okInvoke ? `at ${iso(okInvoke)}` : 'never'}): the result shown may not be current`, lastSuccess: okEval };
  }
  if (!okEval) return { doubt: 'AWS Config records no successful evaluation of the rule (LastSuccessfulEvaluationTime is absent)' };
  return { lastSuccess: okEval };
}

/** Hours between evaluations of a periodic rule, by MaximumExecutionFrequency (AWS Config API reference, SourceDetail). */
const PERIOD_HOURS: Record<string, number> = { One_Hour: 1, Three_Hours: 3, Six_Hours: 6, Twelve_Hours: 12, TwentyFour_Hours: 24 };

/**
 * How often a rule runs when it runs on a schedule: a managed rule's MaximumExecutionFrequency, or a custom rule's
 * ScheduledNotification source (24 hours when it names no frequency, AWS Config's default). Undefined for a rule
 * triggered by configuration changes only: such a rule rightly evaluates nothing while nothing changes.
 */
export function periodicHours(rule: Pick<ConfigRule, 'MaximumExecutionFrequency' | 'Source'>): number | undefined {
  const scheduled = (rule.Source?.SourceDetails ?? []).filter((d) => d.MessageType === 'ScheduledNotification');
  const frequencies = [rule.MaximumExecutionFrequency, ...scheduled.map((d) => d.MaximumExecutionFrequency ?? 'TwentyFour_Hours')].filter((f): f is NonNullable<typeof f> => !!f);
  const hours = frequencies.map((f) => PERIOD_HOURS[f]).filter((h): h is number => h !== undefined);
  return hours.length ? Math.min(...hours) : undefined;
}

/**
 * A periodic rule whose latest successful evaluation is older than two of its periods (plus an hour) at collection:
 * AWS Config keeps showing its last result, so a COMPLIANT or NOT_APPLICABLE answer is not evidence of the state when
 * collected. (Evaluation failures are named by evaluationHealth; this is a rule that stopped evaluating silently, e.g.
 * deactivated scheduling or a recorder change.)
 */
function staleness(health: EvaluationHealth, rule: ConfigRule, collectedAt: string): EvaluationHealth {
  const hours = periodicHours(rule);
  const at = toDate(collectedAt);
  if (health.doubt || !health.lastSuccess || hours === undefined || !at) return health;
  const ageHours = (at.getTime() - health.lastSuccess.getTime()) / 3_600_000;
  if (ageHours <= 2 * hours + 1) return health;
  const age = ageHours >= 48 ? `${Math.floor(ageHours / 24)} days` : `${Math.floor(ageHours)} hours`;
  return {
    ...health,
    doubt: `the rule runs every ${hours === 1 ? 'hour' : `${hours} hours`} and its latest successful evaluation, at ${health.lastSuccess.toISOString()}, was ${age} before this evidence was collected (${at.toISOString()}): the result shown is not current`,
  };
}

/** staleness for a rule the aggregator names, from the member's own rule definitions (read beside the aggregator). */
function aggregateStaleness(health: EvaluationHealth, name: string, rules: readonly ConfigRule[] | CapturedError | undefined, collectedAt: string): EvaluationHealth {
  if (health.doubt) return health;
  if (isCapturedError(rules)) {
    return { ...health, doubt: `AWS Config refused the member's rule definitions (DescribeConfigRules: ${rules.error.code}: ${rules.error.message}), so whether the rule runs on a schedule its latest evaluation has kept up with is not shown` };
  }
  if (!rules) return { ...health, doubt: 'the evidence was sealed before this check read the member\'s rule definitions (DescribeConfigRules), so whether a periodic rule still evaluates on schedule is not in it' };
  const rule = rules.find((r) => r.ConfigRuleName === name);
  if (!rule) return { ...health, doubt: "the member's DescribeConfigRules does not list the rule the aggregator reports, so how often it runs, and whether its result is current, is not shown" };
  return staleness(health, rule, collectedAt);
}

/** One rule's results from its compliance and its NON_COMPLIANT evaluation results (a member's own or the aggregator's). */
function judgeRule(
  name: string,
  ruleResource: { resource: string; resourceType: string },
  c: Compliance | undefined,
  details: readonly { EvaluationResultIdentifier?: EvaluationResultIdentifier; Annotation?: string }[],
  health: EvaluationHealth,
  scope = '',
  detection = false,
): ResourceResult[] {
  const results: ResourceResult[] = [];
  const compliance = c?.ComplianceType;
  if ((compliance === 'COMPLIANT' || compliance === 'NOT_APPLICABLE') && health.doubt) {
    // A result AWS Config can no longer refresh is not evidence of today's state.
    return [{ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} reports ${compliance}, but ${health.doubt}${scope}` }];
  }
  const evaluated = health.lastSuccess ? `; its latest evaluation, at ${health.lastSuccess.toISOString()}, succeeded` : '';
  switch (compliance) {
    case 'COMPLIANT':
      results.push({ ...ruleResource, status: 'pass', reason: `Config rule ${name}: every evaluated resource is COMPLIANT${evaluated}${scope}` });
      break;
    case 'NON_COMPLIANT': {
      if (detection) {
        const count = details.length || c?.ComplianceContributorCount?.CappedCount;
        const named = details.slice(0, 5).map((r) => `${r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceType ?? 'resource'} ${r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId ?? ''}`.trim());
        const list = named.length ? ` (${named.join(', ')}${details.length > named.length ? `, and ${details.length - named.length} more` : ''})` : '';
        results.push({ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} evaluates ${count ?? 'some'} resource${count === 1 ? '' : 's'} NON_COMPLIANT${list}; ${TRIAGE}${health.doubt ? `; also, ${health.doubt}` : ''}` });
        break;
      }
      for (const r of details.slice(0, LISTED_PER_RULE)) {
        const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
        results.push({
          resource: q?.ResourceId ?? 'unknown',
          resourceType: q?.ResourceType ?? 'unknown',
          status: 'fail',
          reason: `Config rule ${name} evaluates ${q?.ResourceType ?? 'resource'} ${q?.ResourceId ?? ''} NON_COMPLIANT${r.Annotation ? `: ${r.Annotation}` : ''}`,
        });
      }
      const count = c?.ComplianceContributorCount?.CappedCount;
      if (details.length === 0 || details.length > LISTED_PER_RULE) {
        const more = details.length > LISTED_PER_RULE ? `${details.length - LISTED_PER_RULE} more non-compliant resources are in the evidence` : `${count ?? 'some'} resources are NON_COMPLIANT`;
        results.push({ ...ruleResource, status: 'fail', reason: `Config rule ${name}: ${more}` });
      }
      break;
    }
    case 'NOT_APPLICABLE':
      results.push({ ...ruleResource, status: 'not-applicable', reason: `Config rule ${name}: no resources in scope${evaluated}` });
      break;
    case 'INSUFFICIENT_DATA':
      results.push({ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} has INSUFFICIENT_DATA: it has not evaluated any resource yet${health.doubt ? ` (${health.doubt})` : ''}` });
      break;
    default:
      results.push({ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} reports no compliance result` });
  }
  return results;
}

/** The aggregator's items of one member account and region, judged rule by rule as the member's own answers are. */
function evaluateAggregate(data: AggregateRuleComplianceEvidence, ctx: { accountId: string; region: string; collectedAt: string }, detection: boolean): ResourceResult[] {
  const mine = (data.aggregateCompliance ?? []).filter((c) => c.AccountId === ctx.accountId && c.AwsRegion === ctx.region);
  if (mine.length === 0) return [noRules(`the AWS Config aggregator ${data.aggregator?.name} holds no Config rules of ${ctx.accountId} in ${ctx.region}`, detection)];
  const results: ResourceResult[] = [];
  for (const c of mine) {
    const name = c.ConfigRuleName ?? '';
    // The aggregator names rules, not their ARNs (which carry a rule id): the rule is cited by its name.
    const ruleResource = { resource: name, resourceType: 'AWS::Config::ConfigRule' };
    const own = data.memberNonCompliantDetails?.find((d) => d.configRuleName === name)?.evaluationResults;
    const aggregated = (data.aggregateNonCompliantDetails ?? []).find((d) => d.configRuleName === name)?.evaluationResults ?? [];
    const details = own ?? aggregated.filter((r) => r.AccountId === ctx.accountId && r.AwsRegion === ctx.region);
    const health = aggregateStaleness(evaluationHealth(name, data.memberEvaluationStatus), name, data.memberConfigRules, ctx.collectedAt);
    results.push(...judgeRule(name, ruleResource, c.Compliance, details, health, " (the aggregator does not give the rule's scope: resources outside it are not evaluated)", detection));
  }
  return results;
}
