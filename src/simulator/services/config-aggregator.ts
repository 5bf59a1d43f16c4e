/**
 * AWS Config aggregator operations (an audit account's organisation-wide view): answered from the member accounts'
 * own simulated Config state, so an aggregator never disagrees with what each member would answer itself.
 */
import { createHash } from 'node:crypto';
import {
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigurationAggregatorsCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  SelectAggregateResourceConfigCommand,
  type AggregateComplianceByConfigRule,
  type AggregateEvaluationResult,
  type ComplianceType,
  type ConfigurationAggregator,
  type EvaluationResult,
  type ResourceCount,
} from '@aws-sdk/client-config-service';
import { operation, SimError, type CallContext, type SimOperation } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { configItems, type SimConfigItem } from './config-items.js';

/** The one advanced query the simulator answers: resource counts per type, account and region. */
export const INVENTORY_EXPRESSION = 'SELECT resourceType, accountId, awsRegion, COUNT(*) GROUP BY resourceType, accountId, awsRegion';

/** The configuration-item properties the simulated advanced query can select. */
const ITEM_PROPERTIES: ReadonlySet<string> = new Set(['accountId', 'awsRegion', 'resourceType', 'resourceId', 'resourceName', 'arn', 'configurationItemCaptureTime', 'configurationItemStatus', 'configuration', 'supplementaryConfiguration', 'tags']);

/**
 * `SELECT <properties> WHERE resourceType = 'T'` or `... WHERE resourceType IN ('T1', 'T2')`: the configuration-item
 * listing the collector asks for; undefined for any other expression.
 */
export function parseItemsExpression(expression: string): { properties: string[]; resourceTypes: string[] } | undefined {
  const m = /^SELECT\s+(.+?)\s+WHERE\s+resourceType\s*(?:=\s*'([^']+)'|IN\s*\(\s*('[^']+'(?:\s*,\s*'[^']+')*)\s*\))\s*$/i.exec(expression.trim());
  if (!m) return undefined;
  const properties = m[1].split(',').map((p) => p.trim());
  if (!properties.every((p) => ITEM_PROPERTIES.has(p))) return undefined;
  const resourceTypes = m[2] !== undefined ? [m[2]] : m[3].split(',').map((t) => t.trim().slice(1, -1));
  return { properties, resourceTypes };
}

const normalise = (e: string) => e.trim().replace(/\s+/g, ' ').replace(/\s*,\s*/g, ', ').toUpperCase();

const invalidToken = () => new SimError('InvalidNextTokenException', 'The specified next token is invalid. Specify the nextToken string that was returned in the previous response to get the next page of results.');
const invalidLimit = (max: number) => (limit: number) => new SimError('InvalidLimitException', `Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}.`);

function aggregatorOf(ctx: CallContext, name: string | undefined): ConfigurationAggregator {
  const found = (ctx.account.regions.get(ctx.region)?.config?.aggregators ?? []).find((a) => a.ConfigurationAggregatorName === name);
  if (!found) throw new SimError('NoSuchConfigurationAggregatorException', 'You have specified a configuration aggregator that does not exist.');
  return found;
}

/** Each source account and region of an aggregator that has AWS Config state, in the organisation's listing order. */
function sources(ctx: CallContext, agg: ConfigurationAggregator): Array<{ account: SimAccount; region: string }> {
  const org = agg.OrganizationAggregationSource;
  const accountIds = org ? (ctx.world.organization?.accountIds ?? []) : (agg.AccountAggregationSources ?? []).flatMap((s) => s.AccountIds ?? []);
  const out: Array<{ account: SimAccount; region: string }> = [];
  for (const id of accountIds) {
    const account = ctx.world.account(id);
    if (!account) continue;
    const all = org ? org.AllAwsRegions === true : (agg.AccountAggregationSources ?? []).some((s) => s.AllAwsRegions);
    const wanted = org ? (org.AwsRegions ?? []) : (agg.AccountAggregationSources ?? []).flatMap((s) => s.AwsRegions ?? []);
    for (const [region, state] of account.regions) if (state.config && (all || wanted.includes(region))) out.push({ account, region });
  }
  return out;
}

/**
 * The rows of one SelectAggregateResourceConfig query execution, kept while its pages are read, as AWS answers a
 * NextToken from the query it began. Computing the whole organisation's items again for every page of 100 made the
 * simulated aggregator quadratic: at 1,000 accounts it, not the collector, set the bench's pace. A first page always
 * evaluates the query afresh; the rows are let go once their last page is served.
 */
const queryExecutions = new WeakMap<ConfigurationAggregator, Map<string, string[]>>();

function selectPage(agg: ConfigurationAggregator, scope: string, input: { NextToken?: string; Limit?: number; MaxResults?: number }, evaluate: () => string[]): { page: string[]; nextToken?: string } {
  let executions = queryExecutions.get(agg);
  if (!executions) queryExecutions.set(agg, (executions = new Map()));
  let rows = input.NextToken ? executions.get(scope) : undefined;
  if (!rows) executions.set(scope, (rows = evaluate()));
  const result = paginate(rows, { token: input.NextToken, limit: input.Limit ?? input.MaxResults, defaultLimit: 100, maxLimit: 100, scope, invalidToken, invalidLimit: invalidLimit(100) });
  if (!result.nextToken && executions.get(scope) === rows) executions.delete(scope);
  return result;
}

interface ConfigHelpers {
  ruleCompliance(results: EvaluationResult[] | undefined): { type: ComplianceType; nonCompliant: number };
  discoveredCounts(account: SimAccount, region: string): ResourceCount[];
}

export function aggregateOperations(h: ConfigHelpers): SimOperation[] {
  return [
    operation(DescribeConfigurationAggregatorsCommand, (input, ctx) => {
      const all = ctx.account.regions.get(ctx.region)?.config?.aggregators ?? [];
      const names = input.ConfigurationAggregatorNames;
      const picked = names?.length ? names.map((n) => aggregatorOf(ctx, n)) : all;
      const { page, nextToken } = paginate(picked, { token: input.NextToken, limit: input.Limit, defaultLimit: 10, maxLimit: 10, scope: 'DescribeConfigurationAggregators', invalidToken, invalidLimit: invalidLimit(10) });
      return { ConfigurationAggregators: page, NextToken: nextToken };
    }),

    operation(DescribeAggregateComplianceByConfigRulesCommand, (input, ctx) => {
      const agg = aggregatorOf(ctx, input.ConfigurationAggregatorName);
      const f = input.Filters;
      const rows: AggregateComplianceByConfigRule[] = [];
      for (const { account, region } of sources(ctx, agg)) {
        if ((f?.AccountId && f.AccountId !== account.id) || (f?.AwsRegion && f.AwsRegion !== region)) continue;
        const s = account.regions.get(region)!.config!;
        for (const r of s.rules) {
          if (f?.ConfigRuleName && f.ConfigRuleName !== r.ConfigRuleName) continue;
          const c = h.ruleCompliance(s.evaluations[r.ConfigRuleName ?? '']);
          if (f?.ComplianceType && f.ComplianceType !== c.type) continue;
          rows.push({
            ConfigRuleName: r.ConfigRuleName,
            Compliance: { ComplianceType: c.type, ...(c.type === 'NON_COMPLIANT' ? { ComplianceContributorCount: { CappedCount: c.nonCompliant, CapExceeded: false } } : {}) },
            AccountId: account.id,
            AwsRegion: region,
          });
        }
      }
      const { page, nextToken } = paginate(rows, { token: input.NextToken, limit: input.Limit, defaultLimit: 1000, maxLimit: 1000, scope: `DescribeAggregateComplianceByConfigRules/${agg.ConfigurationAggregatorName}/${JSON.stringify(f ?? {})}`, invalidToken, invalidLimit: invalidLimit(1000) });
      return { AggregateComplianceByConfigRules: page, NextToken: nextToken };
    }),

    operation(GetAggregateComplianceDetailsByConfigRuleCommand, (input, ctx) => {
      const agg = aggregatorOf(ctx, input.ConfigurationAggregatorName);
      for (const field of ['ConfigRuleName', 'AccountId', 'AwsRegion'] as const) {
        if (!input[field]) throw new SimError('ValidationException', `1 validation error detected: Value null at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`);
      }
      const source = sources(ctx, agg).find((x) => x.account.id === input.AccountId && x.region === input.AwsRegion);
      const s = source?.account.regions.get(source.region)?.config;
      if (!s?.rules.some((r) => r.ConfigRuleName === input.ConfigRuleName)) {
        throw new SimError('NoSuchConfigRuleException', `The ConfigRule '${input.ConfigRuleName}' provided in the request is invalid. Please check the configRule name.`);
      }
      const results: AggregateEvaluationResult[] = (s.evaluations[input.ConfigRuleName ?? ''] ?? [])
        .filter((r) => !input.ComplianceType || r.ComplianceType === input.ComplianceType)
        .map((r) => ({
          EvaluationResultIdentifier: r.EvaluationResultIdentifier,
          ComplianceType: r.ComplianceType,
          ResultRecordedTime: r.ResultRecordedTime,
          ConfigRuleInvokedTime: r.ConfigRuleInvokedTime,
          ...(r.Annotation !== undefined ? { Annotation: r.Annotation } : {}),
          AccountId: input.AccountId,
          AwsRegion: input.AwsRegion,
        }));
      const scope = `GetAggregateComplianceDetailsByConfigRule/${input.AccountId}/${input.AwsRegion}/${input.ConfigRuleName}/${input.ComplianceType ?? ''}`;
      const { page, nextToken } = paginate(results, { token: input.NextToken, limit: input.Limit, defaultLimit: 50, maxLimit: 100, scope, invalidToken, invalidLimit: invalidLimit(100) });
      return { AggregateEvaluationResults: page, NextToken: nextToken };
    }),

    operation(SelectAggregateResourceConfigCommand, (input, ctx) => {
      const agg = aggregatorOf(ctx, input.ConfigurationAggregatorName);
      const scope = `SelectAggregateResourceConfig/${agg.ConfigurationAggregatorName}/${createHash('sha256').update(input.Expression ?? '').digest('hex').slice(0, 16)}`;
      const items = parseItemsExpression(input.Expression ?? '');
      if (items) {
        const { page, nextToken } = selectPage(agg, scope, input, () => {
          const rows: string[] = [];
          for (const { account, region } of sources(ctx, agg)) {
            for (const ci of configItems(account, region, items.resourceTypes, ctx.now)) {
              rows.push(JSON.stringify(Object.fromEntries(items.properties.filter((p) => ci[p as keyof SimConfigItem] !== undefined).map((p) => [p, ci[p as keyof SimConfigItem]]))));
            }
          }
          return rows;
        });
        return { Results: page, QueryInfo: { SelectFields: items.properties.map((Name) => ({ Name })) }, NextToken: nextToken };
      }
      // Refusing other expressions keeps a test from passing on a query the simulator would not really evaluate.
      if (normalise(input.Expression ?? '') !== normalise(INVENTORY_EXPRESSION)) {
        throw new SimError('InvalidExpressionException', `The simulated SelectAggregateResourceConfig answers only: ${INVENTORY_EXPRESSION}, or SELECT <configuration item properties> WHERE resourceType = '<type>' (or IN (...))`);
      }
      const { page, nextToken } = selectPage(agg, scope, input, () => {
        const rows: string[] = [];
        for (const { account, region } of sources(ctx, agg)) {
          for (const c of h.discoveredCounts(account, region)) rows.push(JSON.stringify({ resourceType: c.resourceType, accountId: account.id, awsRegion: region, 'COUNT(*)': c.count }));
        }
        return rows;
      });
      return { Results: page, QueryInfo: { SelectFields: [{ Name: 'resourceType' }, { Name: 'accountId' }, { Name: 'awsRegion' }, { Name: 'COUNT(*)' }] }, NextToken: nextToken };
    }),
  ];
}
