/** config.rule-compliance and config.resource-inventory judged from an AWS Config aggregator's items (collect.mode delegated-admin). */
import { describe, expect, it } from 'vitest';
import type { DescribeAggregateComplianceByConfigRulesCommandOutput, GetAggregateComplianceDetailsByConfigRuleCommandOutput, GetComplianceDetailsByConfigRuleCommandOutput } from '@aws-sdk/client-config-service';
import { ruleCompliance } from '../../../src/queries/config/rule-compliance.js';
import { resourceInventory } from '../../../src/queries/config/resource-inventory.js';
import { INVENTORY_QUERY, type AggregateResourceInventoryEvidence } from '../../../src/queries/config/aggregate-resource-inventory.js';
import type { AggregateRuleComplianceEvidence } from '../../../src/queries/config/aggregate-rule-compliance.js';

const ctx = { accountId: '222233334444', region: 'eu-west-1', collectedAt: '2026-12-03T10:00:00.000Z' };
const aggregator = { name: 'organization-aggregator', accountId: '111122223333', region: 'us-east-1' };

const compliance: Omit<DescribeAggregateComplianceByConfigRulesCommandOutput, '$metadata'> = {
  AggregateComplianceByConfigRules: [
    { ConfigRuleName: 's3-bucket-logging-enabled', Compliance: { ComplianceType: 'NON_COMPLIANT', ComplianceContributorCount: { CappedCount: 1, CapExceeded: false } }, AccountId: ctx.accountId, AwsRegion: ctx.region },
    { ConfigRuleName: 'cloudtrail-enabled', Compliance: { ComplianceType: 'COMPLIANT' }, AccountId: ctx.accountId, AwsRegion: ctx.region },
    { ConfigRuleName: 'rds-storage-encrypted', Compliance: { ComplianceType: 'INSUFFICIENT_DATA' }, AccountId: ctx.accountId, AwsRegion: ctx.region },
  ],
};
const details: Omit<GetAggregateComplianceDetailsByConfigRuleCommandOutput, '$metadata'> = {
  AggregateEvaluationResults: [
    {
      EvaluationResultIdentifier: { EvaluationResultQualifier: { ConfigRuleName: 's3-bucket-logging-enabled', ResourceType: 'AWS::S3::Bucket', ResourceId: 'payments-uploads' } },
      ComplianceType: 'NON_COMPLIANT',
      Annotation: 'Server access logging is off.',
      AccountId: ctx.accountId,
      AwsRegion: ctx.region,
    },
  ],
};

const memberDetails: Omit<GetComplianceDetailsByConfigRuleCommandOutput, '$metadata'> = {
  EvaluationResults: [
    {
      EvaluationResultIdentifier: { EvaluationResultQualifier: { ConfigRuleName: 's3-bucket-logging-enabled', ResourceType: 'AWS::S3::Bucket', ResourceId: 'claims-archive' } },
      ComplianceType: 'NON_COMPLIANT',
      Annotation: 'Server access logging is off.',
    },
  ],
};

/** The member's own DescribeConfigRuleEvaluationStatus: each rule last evaluated successfully. */
const memberEvaluationStatus = compliance.AggregateComplianceByConfigRules!.map((c) => ({
  ConfigRuleName: c.ConfigRuleName,
  FirstEvaluationStarted: true,
  LastSuccessfulInvocationTime: new Date('2026-12-03T09:00:00.000Z'),
  LastSuccessfulEvaluationTime: new Date('2026-12-03T09:00:05.000Z'),
}));

/** The member's own DescribeConfigRules: cloudtrail-enabled is a periodic managed rule (every 24 hours), the others run on changes. */
const memberConfigRules = compliance.AggregateComplianceByConfigRules!.map((c) => ({
  ConfigRuleName: c.ConfigRuleName,
  Source: { Owner: 'AWS' as const, SourceIdentifier: (c.ConfigRuleName ?? '').toUpperCase().replace(/-/g, '_') },
  ...(c.ConfigRuleName === 'cloudtrail-enabled' ? { MaximumExecutionFrequency: 'TwentyFour_Hours' as const } : {}),
}));

describe('config.rule-compliance through the aggregator', () => {
  it('lists the non-compliant resources the member itself reports for each rule the aggregator finds non-compliant', () => {
    const data: AggregateRuleComplianceEvidence = {
      aggregator,
      aggregateCompliance: compliance.AggregateComplianceByConfigRules!,
      memberNonCompliantDetails: [{ configRuleName: 's3-bucket-logging-enabled', evaluationResults: memberDetails.EvaluationResults! }],
      memberEvaluationStatus,
      memberConfigRules,
    };
    const results = ruleCompliance.evaluate(data, {}, ctx);
    expect(results.map((r) => [r.resource, r.status])).toEqual([
      ['claims-archive', 'fail'],
      ['cloudtrail-enabled', 'pass'],
      ['rds-storage-encrypted', 'needs-review'],
    ]);
    expect(results[0].reason).toMatch(/claims-archive NON_COMPLIANT: Server access logging is off/);
  });

  it('a non-compliant rule whose member read listed nothing still fails, with the aggregator’s count', () => {
    const data: AggregateRuleComplianceEvidence = { aggregator, aggregateCompliance: compliance.AggregateComplianceByConfigRules!, memberNonCompliantDetails: [{ configRuleName: 's3-bucket-logging-enabled', evaluationResults: [] }], memberEvaluationStatus, memberConfigRules };
    expect(ruleCompliance.evaluate(data, {}, ctx)[0]).toMatchObject({ resource: 's3-bucket-logging-enabled', status: 'fail', reason: expect.stringMatching(/1 resources are NON_COMPLIANT/) });
    // The aggregator's answer holds no rule Scope: a compliant rule says so rather than read as covering every resource.
    expect(ruleCompliance.evaluate(data, {}, ctx).find((r) => r.resource === 'cloudtrail-enabled')?.reason).toContain("the aggregator does not give the rule's scope");
  });

  it('does not pass a rule whose member says its latest evaluation failed: the aggregator keeps the last result', () => {
    const failing = memberEvaluationStatus.map((s) => (s.ConfigRuleName === 'cloudtrail-enabled' ? { ...s, LastFailedEvaluationTime: new Date('2026-12-03T09:30:00.000Z'), LastErrorCode: 'InternalError' } : s));
    const data: AggregateRuleComplianceEvidence = { aggregator, aggregateCompliance: compliance.AggregateComplianceByConfigRules!, memberNonCompliantDetails: [], memberEvaluationStatus: failing, memberConfigRules };
    expect(ruleCompliance.evaluate(data, {}, ctx).find((r) => r.resource === 'cloudtrail-enabled')).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining("reports COMPLIANT, but the rule's latest evaluation, at 2026-12-03T09:30:00.000Z, failed (InternalError)"),
    });
  });

  it('still judges evidence sealed with the aggregator’s per-resource details (which holds no evaluation status: its passes need review)', () => {
    const data: AggregateRuleComplianceEvidence = {
      aggregator,
      aggregateCompliance: compliance.AggregateComplianceByConfigRules!,
      aggregateNonCompliantDetails: [{ configRuleName: 's3-bucket-logging-enabled', evaluationResults: details.AggregateEvaluationResults! }],
    };
    const results = ruleCompliance.evaluate(data, {}, ctx);
    expect(results.map((r) => [r.resource, r.status])).toEqual([
      ['payments-uploads', 'fail'],
      ['cloudtrail-enabled', 'needs-review'],
      ['rds-storage-encrypted', 'needs-review'],
    ]);
    expect(results[0].reason).toMatch(/Server access logging is off/);
    expect(results[1].reason).toContain("sealed before this check read the rule's evaluation status");
  });

  it('as detection evidence, judges the aggregator’s answer as the member’s own: a non-compliant rule needs review, no rule of the member fails', () => {
    const data: AggregateRuleComplianceEvidence = { aggregator, aggregateCompliance: compliance.AggregateComplianceByConfigRules!, memberNonCompliantDetails: [{ configRuleName: 's3-bucket-logging-enabled', evaluationResults: memberDetails.EvaluationResults! }], memberEvaluationStatus, memberConfigRules };
    const detection = { configRulesEvidence: 'detection' };
    expect(ruleCompliance.evaluate(data, detection, ctx).map((r) => [r.resource, r.status])).toEqual([
      ['s3-bucket-logging-enabled', 'needs-review'],
      ['cloudtrail-enabled', 'pass'],
      ['rds-storage-encrypted', 'needs-review'],
    ]);
    expect(ruleCompliance.evaluate(data, detection, ctx)[0].reason).toMatch(/^Config rule s3-bucket-logging-enabled evaluates 1 resource NON_COMPLIANT \(AWS::S3::Bucket claims-archive\); this shows AWS Config detection working/);
    expect(ruleCompliance.evaluate(data, detection, { ...ctx, accountId: '999988887777' })).toMatchObject([{ resource: 'account', status: 'fail' }]);
  });

  it('does not pass a periodic rule whose latest evaluation is older than two of its periods; evidence without the member\'s rule definitions needs review', () => {
    const base = { aggregator, aggregateCompliance: compliance.AggregateComplianceByConfigRules!, memberNonCompliantDetails: [] };
    const stale = memberEvaluationStatus.map((s) => ({ ...s, LastSuccessfulInvocationTime: new Date('2026-11-30T08:00:00.000Z'), LastSuccessfulEvaluationTime: new Date('2026-11-30T08:00:05.000Z') }));
    const trail = (data: AggregateRuleComplianceEvidence) => ruleCompliance.evaluate(data, {}, ctx).find((r) => r.resource === 'cloudtrail-enabled');
    expect(trail({ ...base, memberEvaluationStatus: stale, memberConfigRules })).toEqual({
      resource: 'cloudtrail-enabled',
      resourceType: 'AWS::Config::ConfigRule',
      status: 'needs-review',
      reason:
        "Config rule cloudtrail-enabled reports COMPLIANT, but the rule runs every 24 hours and its latest successful evaluation, at 2026-11-30T08:00:05.000Z, was 3 days before this evidence was collected (2026-12-03T10:00:00.000Z): the result shown is not current (the aggregator does not give the rule's scope: resources outside it are not evaluated)",
    });
    // The same age on a rule that runs on configuration changes is no doubt: nothing changed, nothing to evaluate.
    const changeTriggered = memberConfigRules.map((r) => ({ ConfigRuleName: r.ConfigRuleName, Source: r.Source }));
    expect(trail({ ...base, memberEvaluationStatus: stale, memberConfigRules: changeTriggered })).toMatchObject({ status: 'pass' });
    expect(trail({ ...base, memberEvaluationStatus, memberConfigRules })).toMatchObject({ status: 'pass' });
    expect(trail({ ...base, memberEvaluationStatus })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining("sealed before this check read the member's rule definitions (DescribeConfigRules)") });
    const refused = { error: { code: 'AccessDeniedException', message: 'not authorized' } } as unknown as AggregateRuleComplianceEvidence['memberConfigRules'];
    expect(trail({ ...base, memberEvaluationStatus, memberConfigRules: refused })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining("refused the member's rule definitions (DescribeConfigRules: AccessDeniedException: not authorized)") });
    expect(trail({ ...base, memberEvaluationStatus, memberConfigRules: [] })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('does not list the rule the aggregator reports') });
  });

  it('never judges another account’s items, and says when the aggregator holds no rule of the member', () => {
    const data: AggregateRuleComplianceEvidence = { aggregator, aggregateCompliance: compliance.AggregateComplianceByConfigRules!, aggregateNonCompliantDetails: [] };
    const other = ruleCompliance.evaluate(data, {}, { ...ctx, accountId: '999988887777' });
    expect(other).toEqual([expect.objectContaining({ status: 'not-applicable', reason: expect.stringMatching(/organization-aggregator holds no Config rules of 999988887777/) })]);
  });
});

describe('config.resource-inventory through the aggregator', () => {
  const row = (resourceType: string, count: number, accountId = ctx.accountId) => JSON.stringify({ resourceType, accountId, awsRegion: ctx.region, 'COUNT(*)': count });

  it('counts the member’s rows and names the aggregator', () => {
    const data: AggregateResourceInventoryEvidence = { aggregator, expression: INVENTORY_QUERY, results: [row('AWS::S3::Bucket', 3), row('AWS::EC2::Instance', 5)] };
    const [r] = resourceInventory.evaluate(data, {}, ctx);
    expect(r.status).toBe('pass');
    expect(r.reason).toMatch(/read through the aggregator organization-aggregator, holds 8 resources of 2 types \(AWS::EC2::Instance 5, AWS::S3::Bucket 3\)/);
  });

  it('fails with no rows of the member, and is an error (never a pass) on a row it cannot read', () => {
    expect(resourceInventory.evaluate({ aggregator, expression: INVENTORY_QUERY, results: [row('AWS::S3::Bucket', 3, '999988887777')] }, {}, ctx)[0].status).toBe('fail');
    expect(resourceInventory.evaluate({ aggregator, expression: INVENTORY_QUERY, results: [row('AWS::S3::Bucket', 3), '{"resourceId":"x"}'] }, {}, ctx)[0].status).toBe('error');
  });
});
