import type { AggregateComplianceByConfigRule, AggregateEvaluationResult } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';

/** config.rule-compliance evidence read through the organisation's AWS Config aggregator, items verbatim. */
export interface AggregateRuleComplianceEvidence {
  aggregator: { name: string; accountId: string; region: string };
  /** DescribeAggregateComplianceByConfigRules items of this member account and region. */
  aggregateCompliance: AggregateComplianceByConfigRule[];
  /** GetAggregateComplianceDetailsByConfigRule (NON_COMPLIANT, all pages) for each non-compliant rule. */
  aggregateNonCompliantDetails: { configRuleName: string; evaluationResults: AggregateEvaluationResult[] }[];
}

export function isAggregateRuleCompliance(v: unknown): v is AggregateRuleComplianceEvidence {
  return typeof v === 'object' && v !== null && 'aggregateCompliance' in v;
}

export const aggregateRuleCompliance = defineDelegatedSource<AggregateComplianceByConfigRule[]>({
  queryId: 'config.rule-compliance',
  kind: 'config-aggregator',
  reach: 'aggregator-region',
  apiCalls: ['config:DescribeAggregateComplianceByConfigRules', 'config:GetAggregateComplianceDetailsByConfigRule'],
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
    const { ConfigServiceClient, paginateGetAggregateComplianceDetailsByConfigRule } = await loadConfigServiceSdk();
    const details: AggregateRuleComplianceEvidence['aggregateNonCompliantDetails'] = [];
    for (const c of items.filter((x) => x.Compliance?.ComplianceType === 'NON_COMPLIANT')) {
      const configRuleName = c.ConfigRuleName ?? '';
      const evaluationResults: AggregateEvaluationResult[] = [];
      const pages = paginateGetAggregateComplianceDetailsByConfigRule(
        { client: audit.clients.get(ConfigServiceClient), pageSize: 100 },
        { ConfigurationAggregatorName: audit.aggregator, ConfigRuleName: configRuleName, AccountId: member.accountId, AwsRegion: member.region, ComplianceType: 'NON_COMPLIANT' },
      );
      for await (const page of pages) evaluationResults.push(...(stripMetadata(page).AggregateEvaluationResults ?? []));
      details.push({ configRuleName, evaluationResults });
    }
    return { aggregator: { name: audit.aggregator, accountId: audit.accountId, region: audit.region }, aggregateCompliance: items, aggregateNonCompliantDetails: details };
  },
});
