import type { Compliance, ComplianceByConfigRule, ConfigRule, EvaluationResult, EvaluationResultIdentifier, Scope } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { isAggregateRuleCompliance, type AggregateRuleComplianceEvidence } from './aggregate-rule-compliance.js';

export interface RuleComplianceEvidence {
  /** DescribeConfigRules, all pages. */
  configRules: ConfigRule[];
  /** DescribeComplianceByConfigRule, all pages. */
  compliance: ComplianceByConfigRule[];
  /** GetComplianceDetailsByConfigRule (NON_COMPLIANT results, all pages) for each non-compliant rule. */
  nonCompliantDetails: { configRuleName: string; evaluationResults: EvaluationResult[] }[];
}

/** Non-compliant resources listed one by one per rule; the rest are counted. */
const LISTED_PER_RULE = 100;

export const ruleCompliance = defineQuery<RuleComplianceEvidence | AggregateRuleComplianceEvidence>({
  id: 'config.rule-compliance',
  service: 'config',
  title: 'AWS Config rules report resources compliant',
  description:
    'Every AWS Config rule in the region (including rules deployed by conformance packs), its compliance, and each resource it evaluates as NON_COMPLIANT with the rule’s annotation.',
  remediation: 'Remediate each non-compliant resource as the rule describes (or attach an SSM remediation to the rule), then re-evaluate the rule.',
  scope: 'regional',
  apiCalls: ['config:DescribeConfigRules', 'config:DescribeComplianceByConfigRule', 'config:GetComplianceDetailsByConfigRule'],
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
    return { configRules, compliance, nonCompliantDetails };
  },
  evaluate(data, _params, ctx) {
    if (isAggregateRuleCompliance(data)) return evaluateAggregate(data, ctx);
    if (!data?.configRules || !data.compliance) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no Config rule responses' }];
    }
    if (data.configRules.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no AWS Config rules are deployed in ${ctx.region}`, mechanismAbsent: 'AWS Config rules' }];
    }
    const results: ResourceResult[] = [];
    for (const rule of data.configRules) {
      const name = rule.ConfigRuleName ?? '';
      const c = data.compliance.find((x) => x.ConfigRuleName === name)?.Compliance;
      const details = data.nonCompliantDetails?.find((d) => d.configRuleName === name)?.evaluationResults ?? [];
      results.push(...judgeRule(name, { resource: rule.ConfigRuleArn ?? name, resourceType: 'AWS::Config::ConfigRule' }, c, details, scopeText(rule.Scope)));
    }
    return results;
  },
});

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

/** One rule's results from its compliance and its NON_COMPLIANT evaluation results (a member's own or the aggregator's). */
function judgeRule(
  name: string,
  ruleResource: { resource: string; resourceType: string },
  c: Compliance | undefined,
  details: readonly { EvaluationResultIdentifier?: EvaluationResultIdentifier; Annotation?: string }[],
  scope = '',
): ResourceResult[] {
  const results: ResourceResult[] = [];
  switch (c?.ComplianceType) {
    case 'COMPLIANT':
      results.push({ ...ruleResource, status: 'pass', reason: `Config rule ${name}: every evaluated resource is COMPLIANT${scope}` });
      break;
    case 'NON_COMPLIANT': {
      for (const r of details.slice(0, LISTED_PER_RULE)) {
        const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
        results.push({
          resource: q?.ResourceId ?? 'unknown',
          resourceType: q?.ResourceType ?? 'unknown',
          status: 'fail',
          reason: `Config rule ${name} evaluates ${q?.ResourceType ?? 'resource'} ${q?.ResourceId ?? ''} NON_COMPLIANT${r.Annotation ? `: ${r.Annotation}` : ''}`,
        });
      }
      const count = c.ComplianceContributorCount?.CappedCount;
      if (details.length === 0 || details.length > LISTED_PER_RULE) {
        const more = details.length > LISTED_PER_RULE ? `${details.length - LISTED_PER_RULE} more non-compliant resources are in the evidence` : `${count ?? 'some'} resources are NON_COMPLIANT`;
        results.push({ ...ruleResource, status: 'fail', reason: `Config rule ${name}: ${more}` });
      }
      break;
    }
    case 'NOT_APPLICABLE':
      results.push({ ...ruleResource, status: 'not-applicable', reason: `Config rule ${name}: no resources in scope` });
      break;
    case 'INSUFFICIENT_DATA':
      results.push({ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} has INSUFFICIENT_DATA: it has not evaluated any resource yet` });
      break;
    default:
      results.push({ ...ruleResource, status: 'needs-review', reason: `Config rule ${name} reports no compliance result` });
  }
  return results;
}

/** The aggregator's items of one member account and region, judged rule by rule as the member's own answers are. */
function evaluateAggregate(data: AggregateRuleComplianceEvidence, ctx: { accountId: string; region: string }): ResourceResult[] {
  const mine = (data.aggregateCompliance ?? []).filter((c) => c.AccountId === ctx.accountId && c.AwsRegion === ctx.region);
  if (mine.length === 0) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the AWS Config aggregator ${data.aggregator?.name} holds no Config rules of ${ctx.accountId} in ${ctx.region}`, mechanismAbsent: 'AWS Config rules' }];
  }
  const results: ResourceResult[] = [];
  for (const c of mine) {
    const name = c.ConfigRuleName ?? '';
    // The aggregator names rules, not their ARNs (which carry a rule id): the rule is cited by its name.
    const ruleResource = { resource: name, resourceType: 'AWS::Config::ConfigRule' };
    const own = data.memberNonCompliantDetails?.find((d) => d.configRuleName === name)?.evaluationResults;
    const aggregated = (data.aggregateNonCompliantDetails ?? []).find((d) => d.configRuleName === name)?.evaluationResults ?? [];
    const details = own ?? aggregated.filter((r) => r.AccountId === ctx.accountId && r.AwsRegion === ctx.region);
    results.push(...judgeRule(name, ruleResource, c.Compliance, details, " (the aggregator does not give the rule's scope: resources outside it are not evaluated)"));
  }
  return results;
}
