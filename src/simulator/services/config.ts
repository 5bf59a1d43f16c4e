import {
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConformancePackComplianceCommand,
  DescribeConformancePacksCommand,
  DescribeDeliveryChannelsCommand,
  DescribeDeliveryChannelStatusCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetDiscoveredResourceCountsCommand,
  type ComplianceByConfigRule,
  type ConfigurationAggregator,
  type ComplianceType,
  type ConfigRule,
  type ConfigRuleEvaluationStatus,
  type ConfigurationRecorder,
  type ConfigurationRecorderStatus,
  type ConformancePackDetail,
  type ConformancePackRuleCompliance,
  type DeliveryChannel,
  type DeliveryChannelStatus,
  type EvaluationResult,
  type ResourceCount,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { configHistoryOperations } from './config-history.js';
import { aggregateOperations } from './config-aggregator.js';

/** AWS Config state of one account in one region. */
export interface ConfigServiceState {
  recorders: ConfigurationRecorder[];
  recorderStatus: ConfigurationRecorderStatus[];
  deliveryChannels: DeliveryChannel[];
  deliveryChannelStatus: DeliveryChannelStatus[];
  rules: ConfigRule[];
  /** Evaluation results per rule name. */
  evaluations: Record<string, EvaluationResult[]>;
  conformancePacks: ConformancePackDetail[];
  /** Rule compliance per conformance pack name. */
  conformancePackCompliance: Record<string, ConformancePackRuleCompliance[]>;
  /**
   * Evaluation status fields per rule name, over those derived from the rule's evaluations (a rule whose latest
   * evaluation failed, for example).
   */
  evaluationStatus?: Record<string, Partial<ConfigRuleEvaluationStatus>>;
  /** Configuration aggregators of this account and region (an audit account's organisation aggregator). */
  aggregators?: ConfigurationAggregator[];
}

declare module '../world.js' {
  interface RegionalState {
    config: ConfigServiceState;
  }
}

export function emptyConfigState(): ConfigServiceState {
  return { recorders: [], recorderStatus: [], deliveryChannels: [], deliveryChannelStatus: [], rules: [], evaluations: {}, conformancePacks: [], conformancePackCompliance: {} };
}

const state = (ctx: CallContext) => ctx.account.regional(ctx.region, 'config', emptyConfigState);

const invalidToken = () => new SimError('InvalidNextTokenException', 'The specified next token is invalid. Specify the nextToken string that was returned in the previous response to get the next page of results.');
const invalidLimit = (max: number) => (limit: number) => new SimError('InvalidLimitException', `Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}.`);

function byNames<T>(items: T[], names: string[] | undefined, nameOf: (t: T) => string | undefined, missing: (name: string) => SimError): T[] {
  if (!names?.length) return items;
  return names.map((n) => {
    const found = items.find((i) => nameOf(i) === n);
    if (!found) throw missing(n);
    return found;
  });
}

/** The rule's overall compliance as Config derives it from its evaluation results. */
export function ruleCompliance(results: EvaluationResult[] | undefined): { type: ComplianceType; nonCompliant: number } {
  if (!results?.length) return { type: 'INSUFFICIENT_DATA', nonCompliant: 0 };
  const nonCompliant = results.filter((r) => r.ComplianceType === 'NON_COMPLIANT').length;
  if (nonCompliant) return { type: 'NON_COMPLIANT', nonCompliant };
  return { type: results.some((r) => r.ComplianceType === 'COMPLIANT') ? 'COMPLIANT' : 'NOT_APPLICABLE', nonCompliant: 0 };
}

/**
 * A rule's evaluation status as AWS Config reports it: derived from its evaluations (each evaluation recorded is a
 * successful evaluation and invocation), with the state's overrides on top.
 */
function evaluationStatus(rule: ConfigRule, s: ConfigServiceState): ConfigRuleEvaluationStatus {
  const times = (s.evaluations[rule.ConfigRuleName ?? ''] ?? []).map((e) => (e.ResultRecordedTime ? new Date(e.ResultRecordedTime).getTime() : Number.NaN)).filter(Number.isFinite);
  const last = times.length ? new Date(times.reduce((a, b) => Math.max(a, b))) : undefined;
  const first = times.length ? new Date(times.reduce((a, b) => Math.min(a, b)) - 60_000) : undefined;
  return {
    ConfigRuleName: rule.ConfigRuleName,
    ConfigRuleArn: rule.ConfigRuleArn,
    ConfigRuleId: rule.ConfigRuleId,
    ...(first ? { FirstActivatedTime: first } : {}),
    ...(last ? { LastSuccessfulInvocationTime: last, LastSuccessfulEvaluationTime: last } : {}),
    FirstEvaluationStarted: last !== undefined,
    ...s.evaluationStatus?.[rule.ConfigRuleName ?? ''],
  };
}

/**
 * What a recording recorder would have discovered in the region: counted from the simulated resources themselves,
 * so the inventory always matches what the other simulated services return.
 */
export function discoveredCounts(account: SimAccount, region: string): ResourceCount[] {
  const r = account.regions.get(region);
  const recording = (r?.config?.recorderStatus ?? []).some((x) => x.recording);
  if (!recording) return [];
  const counts: [ResourceType, number][] = [
    ['AWS::EC2::SecurityGroup', r?.ec2?.securityGroups.length ?? 0],
    ['AWS::EC2::Instance', (r?.ec2?.reservations ?? []).reduce((n, x) => n + (x.Instances?.length ?? 0), 0)],
    ['AWS::EC2::NetworkInterface', r?.ec2?.networkInterfaces?.length ?? 0],
    ['AWS::EC2::Volume', r?.ec2?.volumes?.length ?? 0],
    ['AWS::KMS::Key', r?.kms?.keys.length ?? 0],
    ['AWS::RDS::DBInstance', r?.rds?.dbInstances.length ?? 0],
    ['AWS::CloudTrail::Trail', (account.global.cloudtrail?.trails ?? []).filter((t) => t.trail.HomeRegion === region).length],
    ['AWS::S3::Bucket', (account.global.s3?.buckets ?? []).filter((b) => b.region === region).length],
  ];
  return counts.filter(([, n]) => n > 0).map(([resourceType, count]) => ({ resourceType, count }));
}

export const config: SimService = {
  name: 'config',
  signingName: 'config',
  protocol: awsJson1_1,
  operations: [
    ...aggregateOperations({ ruleCompliance, discoveredCounts }),
    operation(GetDiscoveredResourceCountsCommand, (input, ctx) => {
      if (input.limit !== undefined && (input.limit < 0 || input.limit > 100)) {
        throw new SimError('ValidationException', `1 validation error detected: Value '${input.limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
      }
      const all = discoveredCounts(ctx.account, ctx.region).filter((c) => !input.resourceTypes?.length || input.resourceTypes.includes(c.resourceType as string));
      const { page, nextToken } = paginate(all, {
        token: input.nextToken,
        limit: input.limit || undefined,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `GetDiscoveredResourceCounts/${JSON.stringify(input.resourceTypes ?? [])}`,
        invalidToken: () => new SimError('InvalidNextTokenException', 'The nextToken provided is invalid'),
        invalidLimit: (n) => new SimError('InvalidLimitException', `Invalid limit ${n}`),
      });
      return { totalDiscoveredResources: all.reduce((n, c) => n + (c.count ?? 0), 0), resourceCounts: page, nextToken };
    }),

    operation(DescribeConfigurationRecordersCommand, (input, ctx) => ({
      ConfigurationRecorders: byNames(state(ctx).recorders, input.ConfigurationRecorderNames, (r) => r.name, (n) =>
        new SimError('NoSuchConfigurationRecorderException', `Cannot find configuration recorder with the specified name '${n}'.`)),
    })),

    operation(DescribeConfigurationRecorderStatusCommand, (input, ctx) => ({
      ConfigurationRecordersStatus: byNames(state(ctx).recorderStatus, input.ConfigurationRecorderNames, (r) => r.name, (n) =>
        new SimError('NoSuchConfigurationRecorderException', `Cannot find configuration recorder with the specified name '${n}'.`)),
    })),

    operation(DescribeDeliveryChannelsCommand, (input, ctx) => ({
      DeliveryChannels: byNames(state(ctx).deliveryChannels, input.DeliveryChannelNames, (d) => d.name, (n) =>
        new SimError('NoSuchDeliveryChannelException', `Cannot find delivery channel with specified name '${n}'.`)),
    })),

    operation(DescribeDeliveryChannelStatusCommand, (input, ctx) => ({
      DeliveryChannelsStatus: byNames(state(ctx).deliveryChannelStatus, input.DeliveryChannelNames, (d) => d.name, (n) =>
        new SimError('NoSuchDeliveryChannelException', `Cannot find delivery channel with specified name '${n}'.`)),
    })),

    operation(DescribeConfigRulesCommand, (input, ctx) => {
      const rules = byNames(state(ctx).rules, input.ConfigRuleNames, (r) => r.ConfigRuleName, (n) =>
        new SimError('NoSuchConfigRuleException', `The ConfigRule '${n}' provided in the request is invalid. Please check the configRule name.`));
      const { page, nextToken } = paginate(rules, { token: input.NextToken, defaultLimit: 25, maxLimit: 25, scope: 'DescribeConfigRules', invalidToken, invalidLimit: invalidLimit(25) });
      return { ConfigRules: page, NextToken: nextToken };
    }),

    operation(DescribeConfigRuleEvaluationStatusCommand, (input, ctx) => {
      const s = state(ctx);
      if (input.ConfigRuleNames && input.ConfigRuleNames.length > 25) {
        throw new SimError('ValidationException', `1 validation error detected: Value at 'configRuleNames' failed to satisfy constraint: Member must have length less than or equal to 25`);
      }
      const rules = byNames(s.rules, input.ConfigRuleNames, (r) => r.ConfigRuleName, (n) =>
        new SimError('NoSuchConfigRuleException', `The ConfigRule '${n}' provided in the request is invalid. Please check the configRule name.`));
      const all = rules.map((r) => evaluationStatus(r, s));
      const { page, nextToken } = paginate(all, { token: input.NextToken, limit: input.Limit || undefined, defaultLimit: 50, maxLimit: 50, scope: 'DescribeConfigRuleEvaluationStatus', invalidToken, invalidLimit: invalidLimit(50) });
      return { ConfigRulesEvaluationStatus: page, NextToken: nextToken };
    }),

    operation(DescribeComplianceByConfigRuleCommand, (input, ctx) => {
      const s = state(ctx);
      const rules = byNames(s.rules, input.ConfigRuleNames, (r) => r.ConfigRuleName, (n) =>
        new SimError('NoSuchConfigRuleException', `The ConfigRule '${n}' provided in the request is invalid. Please check the configRule name.`));
      const all: ComplianceByConfigRule[] = rules.map((r) => {
        const c = ruleCompliance(s.evaluations[r.ConfigRuleName ?? '']);
        return {
          ConfigRuleName: r.ConfigRuleName,
          Compliance: { ComplianceType: c.type, ...(c.type === 'NON_COMPLIANT' ? { ComplianceContributorCount: { CappedCount: c.nonCompliant, CapExceeded: false } } : {}) },
        };
      });
      const wanted = input.ComplianceTypes;
      const filtered = wanted?.length ? all.filter((c) => wanted.includes(c.Compliance!.ComplianceType!)) : all;
      const { page, nextToken } = paginate(filtered, { token: input.NextToken, defaultLimit: 25, maxLimit: 25, scope: 'DescribeComplianceByConfigRule', invalidToken, invalidLimit: invalidLimit(25) });
      return { ComplianceByConfigRules: page, NextToken: nextToken };
    }),

    operation(GetComplianceDetailsByConfigRuleCommand, (input, ctx) => {
      const s = state(ctx);
      const name = input.ConfigRuleName ?? '';
      if (!s.rules.some((r) => r.ConfigRuleName === name)) {
        throw new SimError('NoSuchConfigRuleException', `The ConfigRule '${name}' provided in the request is invalid. Please check the configRule name.`);
      }
      const wanted = input.ComplianceTypes;
      const results = (s.evaluations[name] ?? []).filter((r) => !wanted?.length || wanted.includes(r.ComplianceType!));
      const { page, nextToken } = paginate(results, { token: input.NextToken, limit: input.Limit, defaultLimit: 10, maxLimit: 100, scope: `GetComplianceDetailsByConfigRule/${name}`, invalidToken, invalidLimit: invalidLimit(100) });
      return { EvaluationResults: page, NextToken: nextToken };
    }),

    operation(DescribeConformancePacksCommand, (input, ctx) => {
      const packs = byNames(state(ctx).conformancePacks, input.ConformancePackNames, (p) => p.ConformancePackName, (n) =>
        new SimError('NoSuchConformancePackException', `Conformance pack '${n}' does not exist.`));
      const { page, nextToken } = paginate(packs, { token: input.NextToken, limit: input.Limit, defaultLimit: 20, maxLimit: 20, scope: 'DescribeConformancePacks', invalidToken, invalidLimit: invalidLimit(20) });
      return { ConformancePackDetails: page, NextToken: nextToken };
    }),

    operation(DescribeConformancePackComplianceCommand, (input, ctx) => {
      const s = state(ctx);
      const name = input.ConformancePackName ?? '';
      const compliance = s.conformancePackCompliance[name];
      if (!s.conformancePacks.some((p) => p.ConformancePackName === name) || !compliance) {
        throw new SimError('NoSuchConformancePackException', `Conformance pack '${name}' does not exist.`);
      }
      const f = input.Filters;
      const rows = compliance.filter(
        (c) => (!f?.ConfigRuleNames?.length || f.ConfigRuleNames.includes(c.ConfigRuleName!)) && (!f?.ComplianceType || f.ComplianceType === c.ComplianceType),
      );
      const { page, nextToken } = paginate(rows, { token: input.NextToken, limit: input.Limit, defaultLimit: 100, maxLimit: 1000, scope: `DescribeConformancePackCompliance/${name}`, invalidToken, invalidLimit: invalidLimit(1000) });
      return { ConformancePackName: name, ConformancePackRuleComplianceList: page, NextToken: nextToken };
    }),

    ...configHistoryOperations,
  ],
};
