import {
  DescribeStandardsControlsCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type StandardsControl,
  type StandardsSubscription,
  type StringFilter,
} from '@aws-sdk/client-securityhub';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedSecurityHub } from '../worlds/seed-securityhub.js';

/** Security Hub in one account and region: off until enabled; enabled standards, their controls and ASFF findings. */
export interface SecurityHubState {
  enabled: boolean;
  subscriptions: StandardsSubscription[];
  /** Each enabled standard's controls with their enablement status, keyed by StandardsSubscriptionArn. */
  standardsControls: Record<string, StandardsControl[]>;
  findings: AwsSecurityFinding[];
}

declare module '../world.js' {
  interface RegionalState {
    securityhub: SecurityHubState;
  }
}

export function securityHubState(account: SimAccount, region: string): SecurityHubState {
  return account.regional(region, 'securityhub', () => ({ enabled: false, subscriptions: [], standardsControls: {}, findings: [] }));
}

const invalidInput = (message: string) => new SimError('InvalidInputException', message, 400, { Code: 'InvalidInputException' });

function hub(ctx: CallContext): SecurityHubState {
  const s = securityHubState(ctx.account, ctx.region);
  if (!s.enabled) {
    throw new SimError('InvalidAccessException', `Account ${ctx.account.id} is not subscribed to AWS Security Hub`, 401, { Code: 'InvalidAccessException' });
  }
  return s;
}

/** The administrator account sees the findings of every organisation account in its own region (no cross-region aggregator is simulated). */
function visibleFindings(ctx: CallContext, own: SecurityHubState): AwsSecurityFinding[] {
  const org = ctx.world.organization;
  if (!org || org.delegatedAdministrators?.securityhub !== ctx.account.id) return own.findings;
  const out = [...own.findings];
  for (const id of org.accountIds) {
    const s = id === ctx.account.id ? undefined : ctx.world.account(id)?.regions.get(ctx.region)?.securityhub;
    if (s?.enabled) out.push(...s.findings);
  }
  return out;
}

/** The string fields of a finding that the simulated GetFindings can filter on. */
const STRING_FIELDS: Partial<Record<keyof AwsSecurityFindingFilters, (f: AwsSecurityFinding) => string[]>> = {
  ComplianceAssociatedStandardsId: (f) => (f.Compliance?.AssociatedStandards ?? []).map((s) => s.StandardsId ?? ''),
  ComplianceSecurityControlId: (f) => [f.Compliance?.SecurityControlId ?? ''],
  ComplianceStatus: (f) => [f.Compliance?.Status ?? ''],
  RecordState: (f) => [f.RecordState ?? ''],
  WorkflowStatus: (f) => [f.Workflow?.Status ?? ''],
  SeverityLabel: (f) => [f.Severity?.Label ?? ''],
  GeneratorId: (f) => [f.GeneratorId ?? ''],
  ProductName: (f) => [f.ProductName ?? ''],
  AwsAccountId: (f) => [f.AwsAccountId ?? ''],
  Id: (f) => [f.Id ?? ''],
  ResourceType: (f) => (f.Resources ?? []).map((r) => r.Type ?? ''),
  ResourceId: (f) => (f.Resources ?? []).map((r) => r.Id ?? ''),
};

function test(value: string, sf: StringFilter): boolean {
  const v = sf.Value ?? '';
  switch (sf.Comparison) {
    case 'EQUALS':
    case 'NOT_EQUALS':
      return value === v;
    case 'PREFIX':
    case 'PREFIX_NOT_EQUALS':
      return value.startsWith(v);
    case 'CONTAINS':
    case 'NOT_CONTAINS':
      return value.includes(v);
    default:
      throw invalidInput(`Invalid comparison ${sf.Comparison} in a string filter.`);
  }
}

const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS']);

/** Security Hub filter semantics: within a field, positive filters are ORed and negative filters ANDed; fields are ANDed. */
export function matchSecurityFindings(findings: AwsSecurityFinding[], filters: AwsSecurityFindingFilters | undefined): AwsSecurityFinding[] {
  const entries = Object.entries(filters ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0) as Array<[keyof AwsSecurityFindingFilters, StringFilter[]]>;
  for (const [key] of entries) if (!STRING_FIELDS[key]) throw invalidInput(`The filter ${key} is not supported by the simulated Security Hub.`);
  return findings.filter((f) =>
    entries.every(([key, list]) => {
      const values = STRING_FIELDS[key]!(f);
      const positive = list.filter((sf) => !NEGATIVE.has(sf.Comparison ?? ''));
      const negative = list.filter((sf) => NEGATIVE.has(sf.Comparison ?? ''));
      return (positive.length === 0 || positive.some((sf) => values.some((v) => test(v, sf)))) && negative.every((sf) => !values.some((v) => test(v, sf)));
    }),
  );
}

const limits = (scope: string, max: number) => ({
  defaultLimit: max,
  maxLimit: max,
  scope,
  invalidToken: () => invalidInput('The NextToken is invalid.'),
  invalidLimit: (n: number) => invalidInput(`MaxResults must be between 1 and ${max}; got ${n}.`),
});

export const securityhub: SimService = {
  name: 'securityhub',
  signingName: 'securityhub',
  protocol: restJson1,
  seed: (account, world) => seedSecurityHub(account, world),
  errors: { accessDenied: { code: 'AccessDeniedException', status: 403 }, throttling: { code: 'TooManyRequestsException', status: 429 } },
  operations: [
    operation(GetEnabledStandardsCommand, (input, ctx) => {
      const subs = hub(ctx).subscriptions.filter((s) => !input.StandardsSubscriptionArns?.length || input.StandardsSubscriptionArns.includes(s.StandardsSubscriptionArn ?? ''));
      const { page, nextToken } = paginate(subs, { token: input.NextToken, limit: input.MaxResults, ...limits(`GetEnabledStandards/${(input.StandardsSubscriptionArns ?? []).join(',')}`, 100) });
      return { StandardsSubscriptions: page, NextToken: nextToken };
    }),

    // GET /standards/controls/{StandardsSubscriptionArn+}: MaxResults 1-100; an empty list while the subscription's
    // StandardsControlsUpdatable is NOT_READY_FOR_UPDATES.
    operation(DescribeStandardsControlsCommand, (input, ctx) => {
      const s = hub(ctx);
      const arn = input.StandardsSubscriptionArn ?? '';
      const sub = s.subscriptions.find((x) => x.StandardsSubscriptionArn === arn);
      if (!sub) throw new SimError('ResourceNotFoundException', `No standards subscription found for ${arn}.`, 404, { Code: 'ResourceNotFoundException' });
      const controls = sub.StandardsControlsUpdatable === 'NOT_READY_FOR_UPDATES' ? [] : (s.standardsControls[arn] ?? []);
      const { page, nextToken } = paginate(controls, { token: input.NextToken, limit: input.MaxResults, ...limits(`DescribeStandardsControls/${arn}`, 100) });
      return { Controls: page, NextToken: nextToken };
    }),

    operation(GetFindingsCommand, (input, ctx) => {
      const matched = matchSecurityFindings(visibleFindings(ctx, hub(ctx)), input.Filters);
      const { page, nextToken } = paginate(matched, { token: input.NextToken, limit: input.MaxResults, ...limits(`GetFindings/${JSON.stringify(input.Filters ?? {})}`, 100) });
      return { Findings: page, NextToken: nextToken };
    }),
  ],
};
