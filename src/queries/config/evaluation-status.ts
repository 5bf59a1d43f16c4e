import type { ConfigRuleEvaluationStatus, ConfigServiceClient } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { allPages, type CapturedError } from '../types.js';

/**
 * DescribeConfigRuleEvaluationStatus, every page (at most 50 rules a page), in the account and region of `client`:
 * when AWS Config last evaluated and invoked each rule, successfully or not. Read by config.rule-compliance in both
 * collection modes (the aggregator does not hold it). A failed read is kept as the error AWS answered.
 */
export async function readEvaluationStatus(client: ConfigServiceClient, ctx: { signal?: AbortSignal }): Promise<ConfigRuleEvaluationStatus[] | CapturedError> {
  const { paginateDescribeConfigRuleEvaluationStatus } = await loadConfigServiceSdk();
  // A failed read (a role not yet granted the action) is kept as evidence: the rules' compliance is still judged.
  return captureFailure(() => allPages(paginateDescribeConfigRuleEvaluationStatus({ client, pageSize: 50 }, {}), (p) => p.ConfigRulesEvaluationStatus, ctx), ctx.signal);
}
