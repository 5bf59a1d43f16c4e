import type { ConfigRuleEvaluationStatus, ConfigServiceClient } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { allPages } from '../types.js';

/**
 * DescribeConfigRuleEvaluationStatus, every page (at most 50 rules a page), in the account and region of `client`:
 * when AWS Config last evaluated and invoked each rule, successfully or not. Read by config.rule-compliance in both
 * collection modes (the aggregator does not hold it).
 */
export async function readEvaluationStatus(client: ConfigServiceClient, ctx: { signal?: AbortSignal }): Promise<ConfigRuleEvaluationStatus[]> {
  const { paginateDescribeConfigRuleEvaluationStatus } = await loadConfigServiceSdk();
  return allPages(paginateDescribeConfigRuleEvaluationStatus({ client, pageSize: 50 }, {}), (p) => p.ConfigRulesEvaluationStatus, ctx);
}
