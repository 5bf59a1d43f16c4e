import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/config/index.js';
import { resourceInventory } from '../../../src/queries/config/resource-inventory.js';
import { recorderStatus } from '../../../src/queries/config/recorder-status.js';
import { deliveryChannels } from '../../../src/queries/config/delivery-channels.js';
import { ruleCompliance } from '../../../src/queries/config/rule-compliance.js';
import { conformancePacks } from '../../../src/queries/config/conformance-packs.js';
import type { EvaluationContext, EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import * as fx from '../../fixtures/config/config-service.js';

const ctx = { accountId: '111122223333', region: 'us-east-1', collectedAt: '2025-06-01T12:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, at: EvaluationContext = ctx, params: QueryParameters = {}): ResourceResult[] {
  const fresh = q.evaluate(data, params, at);
  expect(q.evaluate(roundTrip(data), params, at)).toEqual(fresh);
  return fresh;
}

const DEFAULT_RECORDER = fx.recorders.ConfigurationRecorders![0].arn!;
const HUB_RECORDER = fx.recorders.ConfigurationRecorders![1].arn!;

describe('Config query registry', () => {
  it('registers the five Config queries as regional', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['config.conformance-packs', 'config.delivery-channels', 'config.recorder-status', 'config.resource-inventory', 'config.rule-compliance']);
    for (const q of queries) expect(q.scope).toBe('regional');
  });
});

describe('config.recorder-status', () => {
  it('passes a recorder of all resource types that is recording, and sets service-linked recorders aside', () => {
    const r = evaluateBoth(recorderStatus, { recorders: fx.recorders, statuses: fx.recorderStatuses });
    expect(statusOf(r)).toEqual({ [DEFAULT_RECORDER]: 'pass', [HUB_RECORDER]: 'not-applicable' });
    expect(r.find((x) => x.resource === DEFAULT_RECORDER)?.reason).toContain('records all resource types AWS Config supports in us-east-1, including the global IAM resource types');
  });
  it('does not pass all supported types without the global IAM types: this Region records no IAM users, groups, roles or policies', () => {
    const base = fx.recorders.ConfigurationRecorders![0];
    const ok = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' as const }] };
    const noGlobal = { ConfigurationRecorders: [{ ...base, recordingGroup: { ...base.recordingGroup, includeGlobalResourceTypes: false } }] };
    expect(evaluateBoth(recorderStatus, { recorders: noGlobal, statuses: ok })[0]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('except the global IAM resource types (IAM users, groups, roles and customer managed policies), which includeGlobalResourceTypes false leaves out in this Region: confirm that the recorder of another Region records them'),
    });
    // Regions AWS Config supported only after February 2022 cannot record them even with includeGlobalResourceTypes.
    const zurich = evaluateBoth(recorderStatus, { recorders: fx.recorders, statuses: fx.recorderStatuses }, { ...ctx, region: 'eu-central-2' });
    expect(zurich.find((x) => x.resource === DEFAULT_RECORDER)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('AWS Config cannot record them in eu-central-2') });
    // The exclusion strategy records them unless excluded, whatever includeGlobalResourceTypes says.
    const excludingIam = { ConfigurationRecorders: [{ name: 'default', recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, exclusionByResourceTypes: { resourceTypes: ['AWS::IAM::User' as const] }, recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' as const } } }] };
    expect(evaluateBoth(recorderStatus, { recorders: excludingIam, statuses: ok })[0].reason).toContain('AWS::IAM::User not recorded: confirm that the recorder of another Region records them');
  });
  it('a region without the global IAM types passes when the same run shows this account recording them in another region; the fact comes from a recorder that records them', () => {
    const base = fx.recorders.ConfigurationRecorders![0];
    const ok = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' as const }] };
    const noGlobal = { recorders: { ConfigurationRecorders: [{ ...base, recordingGroup: { ...base.recordingGroup, includeGlobalResourceTypes: false } }] }, statuses: ok };
    const west = { ...ctx, region: 'us-west-2' };
    const elsewhere = evaluateBoth(recorderStatus, noGlobal, { ...west, accountFacts: [{ region: 'us-east-1', fact: 'records-global-iam-types' }] })[0];
    expect(elsewhere).toMatchObject({ status: 'pass', reason: expect.stringContaining("they are recorded by this account's recorder in us-east-1 (evidence of the same run)") });
    // The run's other regions were seen and none records them: still needs review, saying so.
    const none = evaluateBoth(recorderStatus, noGlobal, { ...west, accountFacts: [] })[0];
    expect(none).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no other region collected in this run records them') });
    // Which evidence gives the fact: a recording, successful recorder of all types with the global IAM types, in a region that can record them.
    const fact = (data: object, region = 'us-east-1') => recorderStatus.accountFact!(roundTrip(data), { ...ctx, region });
    expect(fact({ recorders: fx.recorders, statuses: fx.recorderStatuses })).toBe('records-global-iam-types');
    expect(fact(noGlobal)).toBeUndefined();
    expect(fact({ recorders: fx.recorders, statuses: fx.recorderStatuses }, 'eu-central-2')).toBeUndefined();
    expect(fact({ recorders: fx.recorders, statuses: { ConfigurationRecordersStatus: [{ name: 'default', recording: false, lastStatus: 'Success' as const }] } })).toBeUndefined();
    expect(fact({ recorders: fx.recorders, statuses: { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Failure' as const }] } })).toBeUndefined();
  });
  it('fails a stopped recorder, a narrow recorder and a region without a recorder', () => {
    const r = evaluateBoth(recorderStatus, { recorders: fx.narrowStoppedRecorders, statuses: fx.stoppedStatus });
    expect(r[0]).toMatchObject({ resource: 'default', status: 'fail', reason: expect.stringContaining('not recording (stopped 2025-05-20T00:00:00.000Z)') });
    const narrowRunning = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' as const }] };
    expect(evaluateBoth(recorderStatus, { recorders: fx.narrowStoppedRecorders, statuses: narrowRunning })[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('records only 2 selected resource types'),
    });
    expect(statusOf(evaluateBoth(recorderStatus, { recorders: { ConfigurationRecorders: [] }, statuses: { ConfigurationRecordersStatus: [] } }))).toEqual({ account: 'fail' });
  });
  it('needs review for exclusions or a pending first recording, and errors on missing status', () => {
    const excluding = {
      ConfigurationRecorders: [
        { name: 'default', recordingGroup: { allSupported: false, exclusionByResourceTypes: { resourceTypes: ['AWS::EC2::NetworkInterface' as const] }, recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' as const } } },
      ],
    };
    const ok = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' as const }] };
    expect(evaluateBoth(recorderStatus, { recorders: excluding, statuses: ok })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('except AWS::EC2::NetworkInterface') });
    const pending = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Pending' as const }] };
    expect(evaluateBoth(recorderStatus, { recorders: { ConfigurationRecorders: [fx.recorders.ConfigurationRecorders![0]] }, statuses: pending })[0].status).toBe('needs-review');
    expect(statusOf(evaluateBoth(recorderStatus, { recorders: fx.recorders, statuses: { ConfigurationRecordersStatus: [] } }))[DEFAULT_RECORDER]).toBe('error');
  });
  it('needs review for a recorder that records daily, for all types or by an override, since a change undone within the day leaves no record', () => {
    const base = fx.recorders.ConfigurationRecorders![0];
    const ok = { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' as const }] };
    const daily = { ConfigurationRecorders: [{ ...base, recordingMode: { recordingFrequency: 'DAILY' as const, recordingModeOverrides: [] } }] };
    expect(evaluateBoth(recorderStatus, { recorders: daily, statuses: ok })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('records daily, not continuously') });
    const override = {
      ConfigurationRecorders: [
        { ...base, recordingMode: { recordingFrequency: 'CONTINUOUS' as const, recordingModeOverrides: [{ description: 'cost', recordingFrequency: 'DAILY' as const, resourceTypes: ['AWS::EC2::SecurityGroup' as const] }] } },
      ],
    };
    expect(evaluateBoth(recorderStatus, { recorders: override, statuses: ok })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('records AWS::EC2::SecurityGroup only daily') });
  });
});

describe('config.delivery-channels', () => {
  it('passes a channel delivering without errors', () => {
    expect(evaluateBoth(deliveryChannels, { channels: fx.deliveryChannels, statuses: fx.deliveryOk })).toEqual([
      expect.objectContaining({ resource: 'default', status: 'pass', reason: expect.stringContaining('s3://config-history-111122223333/config') }),
    ]);
  });
  it('fails a failing delivery and a region without a channel', () => {
    expect(evaluateBoth(deliveryChannels, { channels: fx.deliveryChannels, statuses: fx.deliveryFailing })[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('configuration history delivery failed (AccessDenied: Access Denied)'),
    });
    expect(statusOf(evaluateBoth(deliveryChannels, { channels: { DeliveryChannels: [] }, statuses: { DeliveryChannelsStatus: [] } }))).toEqual({ account: 'fail' });
    expect(statusOf(evaluateBoth(deliveryChannels, { channels: fx.deliveryChannels, statuses: { DeliveryChannelsStatus: [] } }))).toEqual({ default: 'error' });
  });
});

describe('config.rule-compliance', () => {
  const data = {
    configRules: fx.configRules,
    compliance: fx.complianceByRule,
    nonCompliantDetails: [{ configRuleName: 'encrypted-volumes', evaluationResults: fx.encryptedVolumesDetails }],
    evaluationStatus: fx.evaluationStatus,
  };
  const withStatus = (name: string, fields: Partial<(typeof fx.evaluationStatus)[number]>) => ({
    ...data,
    evaluationStatus: fx.evaluationStatus.map((s) => (s.ConfigRuleName === name ? { ...s, ...fields } : s)),
  });
  it('fails each non-compliant resource and reports every rule', () => {
    const r = evaluateBoth(ruleCompliance, data);
    expect(statusOf(r)).toEqual({
      [fx.configRules[0].ConfigRuleArn!]: 'pass',
      'vol-0123456789abcdef0': 'fail',
      'vol-0fedcba9876543210': 'fail',
      [fx.configRules[2].ConfigRuleArn!]: 'not-applicable',
      [fx.configRules[3].ConfigRuleArn!]: 'needs-review',
      [fx.configRules[4].ConfigRuleArn!]: 'needs-review',
    });
    expect(r.find((x) => x.resource === 'vol-0123456789abcdef0')).toMatchObject({ resourceType: 'AWS::EC2::Volume', reason: expect.stringContaining('The volume is not encrypted.') });
  });
  it('names the rule\'s scope in a pass, so a tag-scoped rule does not read as covering every resource', () => {
    const scoped = { ...fx.configRules[0], Scope: { ComplianceResourceTypes: ['AWS::S3::Bucket'], TagKey: 'pci', TagValue: 'in-scope' } };
    const [r] = evaluateBoth(ruleCompliance, { ...data, configRules: [scoped] });
    expect(r).toMatchObject({ status: 'pass' });
    expect(r.reason).toBe(
      'Config rule s3-bucket-ssl-requests-only: every evaluated resource is COMPLIANT; its latest evaluation, at 2025-05-31T10:05:00.000Z, succeeded (its scope: resource types AWS::S3::Bucket; only resources tagged pci=in-scope; resources outside the scope are not evaluated)',
    );
    expect(evaluateBoth(ruleCompliance, data)[0].reason).toContain('(it sets no scope: it evaluates the resources its trigger and source choose)');
  });
  it('still fails a non-compliant rule whose details are missing', () => {
    const r = evaluateBoth(ruleCompliance, { ...data, nonCompliantDetails: [] });
    expect(r.find((x) => x.resource === fx.configRules[1].ConfigRuleArn)).toMatchObject({ status: 'fail', reason: expect.stringContaining('2 resources are NON_COMPLIANT') });
  });
  it('is not applicable without rules', () => {
    expect(statusOf(evaluateBoth(ruleCompliance, { configRules: [], compliance: [], nonCompliantDetails: [], evaluationStatus: [] }))).toEqual({ account: 'not-applicable' });
  });
  it('does not pass a COMPLIANT or NOT_APPLICABLE result the rule can no longer refresh: its latest evaluation or invocation failed', () => {
    // A custom rule whose Lambda function was deleted keeps its last COMPLIANT result; only the evaluation status shows it.
    const failedEval = withStatus('s3-bucket-ssl-requests-only', { LastFailedEvaluationTime: new Date('2025-06-01T09:00:00.000Z'), LastErrorCode: 'AccessDenied', LastErrorMessage: 'Config could not read the bucket policy' });
    const [r] = evaluateBoth(ruleCompliance, failedEval);
    expect(r).toMatchObject({ status: 'needs-review' });
    expect(r.reason).toContain("reports COMPLIANT, but the rule's latest evaluation, at 2025-06-01T09:00:00.000Z, failed (AccessDenied: Config could not read the bucket policy), and its last successful evaluation was at 2025-05-31T10:05:00.000Z");
    const failedInvoke = withStatus('rds-snapshots-public-prohibited', { LastFailedInvocationTime: new Date('2025-06-01T09:00:00.000Z'), LastErrorCode: 'InsufficientPermissions' });
    expect(evaluateBoth(ruleCompliance, failedInvoke).find((x) => x.resource === fx.configRules[2].ConfigRuleArn)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('reports NOT_APPLICABLE, but AWS Config last failed to invoke the rule at 2025-06-01T09:00:00.000Z (InsufficientPermissions)'),
    });
    // A failure older than the latest success is history, not doubt.
    const recovered = withStatus('s3-bucket-ssl-requests-only', { LastFailedEvaluationTime: new Date('2025-05-01T00:00:00.000Z') });
    expect(evaluateBoth(ruleCompliance, recovered)[0]).toMatchObject({ status: 'pass' });
    // A non-compliant result stays a fail whatever the status says.
    expect(statusOf(evaluateBoth(ruleCompliance, withStatus('encrypted-volumes', { LastFailedEvaluationTime: new Date('2025-06-01T09:00:00.000Z') })))['vol-0123456789abcdef0']).toBe('fail');
  });
  it('needs review when the status is missing, evaluation never started, or no evaluation ever succeeded; evidence sealed without the status is not a pass', () => {
    const cases: [string, ReturnType<typeof withStatus>, string][] = [
      ['missing', { ...data, evaluationStatus: fx.evaluationStatus.slice(1) }, 'AWS Config gives no evaluation status for the rule'],
      ['not started', withStatus('s3-bucket-ssl-requests-only', { FirstEvaluationStarted: false }), 'has not started evaluating the rule'],
      ['never succeeded', withStatus('s3-bucket-ssl-requests-only', { LastSuccessfulEvaluationTime: undefined }), 'records no successful evaluation'],
      ['sealed before', { ...data, evaluationStatus: undefined as unknown as typeof fx.evaluationStatus }, 'sealed before this check read the rule\'s evaluation status'],
      ['refused', { ...data, evaluationStatus: { error: { code: 'AccessDeniedException', message: 'not authorized' } } as unknown as typeof fx.evaluationStatus }, 'refused the rules\' evaluation status (DescribeConfigRuleEvaluationStatus: AccessDeniedException: not authorized)'],
    ];
    for (const [, d, reason] of cases) {
      expect(evaluateBoth(ruleCompliance, d)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(reason) });
      // The non-compliant rule is judged from its own answers whatever the status read gave.
      expect(statusOf(evaluateBoth(ruleCompliance, d))['vol-0123456789abcdef0']).toBe('fail');
    }
  });
  it('does not pass a periodic rule whose latest successful evaluation is older than two of its periods (plus an hour)', () => {
    // Collected 2025-06-01T12:00Z; the fixture's rules last evaluated 2025-05-31T10:05Z (about 26 hours before).
    const hourly = { ...fx.configRules[0], MaximumExecutionFrequency: 'One_Hour' as const };
    const [r] = evaluateBoth(ruleCompliance, { ...data, configRules: [hourly] });
    expect(r).toMatchObject({ status: 'needs-review' });
    expect(r.reason).toBe(
      'Config rule s3-bucket-ssl-requests-only reports COMPLIANT, but the rule runs every hour and its latest successful evaluation, at 2025-05-31T10:05:00.000Z, was 25 hours before this evidence was collected (2025-06-01T12:00:00.000Z): the result shown is not current (it sets no scope: it evaluates the resources its trigger and source choose)',
    );
    // A custom rule on a schedule with no frequency runs every 24 hours (AWS Config's default): 26 hours is within two periods.
    const custom = { ...fx.configRules[0], Source: { Owner: 'CUSTOM_LAMBDA' as const, SourceIdentifier: 'arn:aws:lambda:us-east-1:111122223333:function:check', SourceDetails: [{ EventSource: 'aws.config' as const, MessageType: 'ScheduledNotification' as const }] } };
    expect(evaluateBoth(ruleCompliance, { ...data, configRules: [custom] })[0]).toMatchObject({ status: 'pass' });
    expect(evaluateBoth(ruleCompliance, { ...data, configRules: [custom] }, { ...ctx, collectedAt: '2025-06-03T12:00:00.000Z' })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the rule runs every 24 hours and its latest successful evaluation, at 2025-05-31T10:05:00.000Z, was 3 days before') });
    // A rule triggered by configuration changes evaluates nothing while nothing changes: its age is no doubt.
    expect(evaluateBoth(ruleCompliance, data, { ...ctx, collectedAt: '2025-09-01T12:00:00.000Z' })[0]).toMatchObject({ status: 'pass' });
    // A non-compliant periodic rule stays a failure however old.
    const hourlyVolumes = { ...fx.configRules[1], MaximumExecutionFrequency: 'One_Hour' as const };
    expect(statusOf(evaluateBoth(ruleCompliance, { ...data, configRules: [hourlyVolumes] }))['vol-0123456789abcdef0']).toBe('fail');
  });
});

describe('config.rule-compliance as detection evidence (configRulesEvidence: detection, HIPAA 164.308(a)(1))', () => {
  const detection = { configRulesEvidence: 'detection' };
  const data = { configRules: fx.configRules, compliance: fx.complianceByRule, nonCompliantDetails: [{ configRuleName: 'encrypted-volumes', evaluationResults: fx.encryptedVolumesDetails }], evaluationStatus: fx.evaluationStatus };
  it('reviews a non-compliant rule (detection working: how was it triaged and corrected?) instead of failing its resources', () => {
    const r = evaluateBoth(ruleCompliance, data, ctx, detection);
    expect(statusOf(r)).toEqual({
      [fx.configRules[0].ConfigRuleArn!]: 'pass',
      [fx.configRules[1].ConfigRuleArn!]: 'needs-review',
      [fx.configRules[2].ConfigRuleArn!]: 'not-applicable',
      [fx.configRules[3].ConfigRuleArn!]: 'needs-review',
      [fx.configRules[4].ConfigRuleArn!]: 'needs-review',
    });
    expect(r.find((x) => x.resource === fx.configRules[1].ConfigRuleArn)!.reason).toBe(
      'Config rule encrypted-volumes evaluates 2 resources NON_COMPLIANT (AWS::EC2::Volume vol-0123456789abcdef0, AWS::EC2::Volume vol-0fedcba9876543210); this shows AWS Config detection working, not the process missing: ask how the findings were triaged and corrected (the resources are judged under the requirements that cite their own checks)',
    );
  });
  it('fails a region without any Config rule: nothing detects there', () => {
    expect(evaluateBoth(ruleCompliance, { configRules: [], compliance: [], nonCompliantDetails: [], evaluationStatus: [] }, ctx, detection)).toEqual([
      { resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: "no AWS Config rules are deployed in us-east-1: nothing in this region detects configuration that breaks the organisation's rules" },
    ]);
  });
  it('refuses a value that is neither resources nor detection', () => {
    expect(ruleCompliance.parameters?.configRulesEvidence.check?.('process')).toBe('expected one of resources, detection');
    expect(conformancePacks.parameters?.configRulesEvidence.check?.('detection')).toBeUndefined();
  });
});

describe('config.conformance-packs', () => {
  const data = {
    conformancePacks: fx.conformancePacks,
    compliance: [
      { conformancePackName: 'pci-dss-operational-best-practices', rules: fx.pciPackRules },
      { conformancePackName: 'hipaa-security', rules: fx.hipaaPackRules },
      { conformancePackName: 'new-pack', rules: fx.newPackRules },
    ],
  };
  it('fails a pack with non-compliant rules, passes a compliant one, reviews one still evaluating', () => {
    const r = evaluateBoth(conformancePacks, data);
    expect(r.map((x) => x.status)).toEqual(['fail', 'pass', 'needs-review']);
    expect(r[0].reason).toContain('1 of 3 rules NON_COMPLIANT (encrypted-volumes-conformance-pack-abc123)');
  });
  it('as detection evidence, reviews a pack with non-compliant rules; no pack stays not applicable (rules deployed alone detect too)', () => {
    const r = evaluateBoth(conformancePacks, data, ctx, { configRulesEvidence: 'detection' });
    expect(r.map((x) => x.status)).toEqual(['needs-review', 'pass', 'needs-review']);
    expect(r[0].reason).toBe(
      'conformance pack pci-dss-operational-best-practices: 1 of 3 rules NON_COMPLIANT (encrypted-volumes-conformance-pack-abc123); this shows AWS Config detection working, not the process missing: ask how the findings were triaged and corrected (the resources are judged under the requirements that cite their own checks)',
    );
    expect(statusOf(evaluateBoth(conformancePacks, { conformancePacks: [], compliance: [] }, ctx, { configRulesEvidence: 'detection' }))).toEqual({ account: 'not-applicable' });
  });
  it('is not applicable with no pack and errors when a pack has no compliance evidence', () => {
    expect(statusOf(evaluateBoth(conformancePacks, { conformancePacks: [], compliance: [] }))).toEqual({ account: 'not-applicable' });
    expect(evaluateBoth(conformancePacks, { ...data, compliance: [] }).map((x) => x.status)).toEqual(['error', 'error', 'error']);
  });
});

describe('config.resource-inventory (12.5.1: the inventory itself, not only a running recorder)', () => {
  it('passes with the discovered resources counted per type across pages, and fails an empty inventory', () => {
    const pages = [
      { totalDiscoveredResources: 12, resourceCounts: [{ resourceType: 'AWS::EC2::Instance' as const, count: 2 }], nextToken: 'page-2' },
      { totalDiscoveredResources: 12, resourceCounts: [{ resourceType: 'AWS::EC2::SecurityGroup' as const, count: 10 }] },
    ];
    const [r] = evaluateBoth(resourceInventory, { pages });
    expect(r).toMatchObject({ status: 'pass', reason: expect.stringContaining('12 resources of 2 types (AWS::EC2::SecurityGroup 10, AWS::EC2::Instance 2)') });
    expect(evaluateBoth(resourceInventory, { pages: [{ totalDiscoveredResources: 0, resourceCounts: [] }] })[0].status).toBe('fail');
    expect(evaluateBoth(resourceInventory, { pages: [] })[0].status).toBe('error');
  });
});
