import type { AggregateComplianceByConfigRule, AggregateEvaluationResult, ConfigRule, ConfigRuleEvaluationStatus, EvaluationResult } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { stripMetadata, type CapturedError } from '../types.js';
import { captureFailure } from '../partial-evidence.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import { readEvaluationStatus } from './evaluation-status.js';

/** config.rule-compliance evidence read through the organisation's AWS Config aggregator, items verbatim. */
export interface AggregateRuleComplianceEvidence {
  aggregator: { name: string; accountId: string; region: string };
  /** DescribeAggregateComplianceByConfigRules items of this member account and region. */
  aggregateCompliance: AggregateComplianceByConfigRule[];
  /**
   * The member's own GetComplianceDetailsByConfigRule (NON_COMPLIANT, all pages) for each rule the aggregator reports
   * non-compliant: read in the member account, so these calls spend the member's request quota, not the audit account's.
   */
  memberNonCompliantDetails?: { configRuleName: string; evaluationResults: EvaluationResult[] }[];
  /**
   * The member's own DescribeConfigRuleEvaluationStatus (all pages): the aggregator does not say whether a rule still
   * evaluates. Absent in evidence sealed before this read.
   */
  memberEvaluationStatus?: ConfigRuleEvaluationStatus[] | CapturedError;
  /**
   * The member's own DescribeConfigRules (all pages): the aggregator does not say how often a periodic rule runs, which
   * tells whether its latest evaluation is current. Absent in evidence sealed before this read.
   */
  memberConfigRules?: ConfigRule[] | CapturedError;
  /** Evidence sealed before the member detail read: GetAggregateComplianceDetailsByConfigRule per non-compliant rule. */
  aggregateNonCompliantDetails?: { configRuleName: string; evaluationResults: AggregateEvaluationResult[] }[];
}

export function isAggregateRuleCompliance(v: unknown): v is AggregateRuleComplianceEvidence {
  return typeof v === 'object' && v !== null && 'aggregateCompliance' in v;
}

export const aggregateRuleCompliance = defineDelegatedSource<AggregateComplianceByConfigRule[]>({
  queryId: 'config.rule-compliance',
  kind: 'config-aggregator',
  reach: 'aggregator-region',
  apiCalls: ['config:DescribeAggregateComplianceByConfigRules'],
  async fetch(audit) {
    const { ConfigServiceClient, paginateDescribeAggregateComplianceByConfigRules } = await loadConfigServiceSdk();
    const parts = new Map<string, AggregateComplianceByConfigRule[]>();
    const pages = paginateDescribeAggregateComplianceByConfigRules({ client: audit.clients.get(ConfigServiceClient), pageSize: 1000 }, { ConfigurationAggregatorName: audit.aggregator });
    for await (const page of pages) {
      audit.signal?.throwIfAborted();
      for (const item of stripMetadata(page).AggregateComplianceByConfigRules ?? []) {
        const key = memberKey(item.AccountId ?? '', item.AwsRegion ?? '');
        parts.set(key, [...(parts.get(key) ?? []), item]);
      }
    }
    return parts;
  },
  async complete(items, member, audit): Promise<AggregateRuleComplianceEvidence> {
    // Which resources a rule finds non-compliant is read in the member account: the aggregator's per-resource read needs
    // one call per rule, member and region, all in the audit account's one request quota, where the member's own read
    // spreads the same calls over every member's quota (and the member role already grants it).
    const { ConfigServiceClient, paginateDescribeConfigRules, paginateGetComplianceDetailsByConfigRule } = await loadConfigServiceSdk();
    const memberNonCompliantDetails: NonNullable<AggregateRuleComplianceEvidence['memberNonCompliantDetails']> = [];
    for (const c of items.filter((x) => x.Compliance?.ComplianceType === 'NON_COMPLIANT')) {
      const configRuleName = c.ConfigRuleName ?? '';
      const evaluationResults: EvaluationResult[] = [];
      const pages = paginateGetComplianceDetailsByConfigRule({ client: member.clients.get(ConfigServiceClient), pageSize: 100 }, { ConfigRuleName: configRuleName, ComplianceTypes: ['NON_COMPLIANT'] });
      for await (const page of pages) evaluationResults.push(...(stripMetadata(page).EvaluationResults ?? []));
      memberNonCompliantDetails.push({ configRuleName, evaluationResults });
    }
    // Whether each rule still evaluates is read in the member too: the aggregator keeps a rule's last result without it.
    const memberEvaluationStatus = await readEvaluationStatus(member.clients.get(ConfigServiceClient), { signal: audit.signal });
    // How often each periodic rule runs (its definition, in the member): a result older than that is not current.
    const memberConfigRules = await captureFailure(async () => {
      const rules: ConfigRule[] = [];
      for await (const page of paginateDescribeConfigRules({ client: member.clients.get(ConfigServiceClient) }, {})) {
        audit.signal?.throwIfAborted();
        rules.push(...(stripMetadata(page).ConfigRules ?? []));
      }
      return rules;
    }, audit.signal);
    return { aggregator: { name: audit.aggregator, accountId: audit.accountId, region: audit.region }, aggregateCompliance: items, memberNonCompliantDetails, memberEvaluationStatus, memberConfigRules };
  },
});
