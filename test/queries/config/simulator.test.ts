import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoWorld } from '../../../src/simulator/index.js';
import { emptyConfigState } from '../../../src/simulator/services/config.js';
import { readEvaluationStatus } from '../../../src/queries/config/evaluation-status.js';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;

describe('Config queries against the simulated demo account', () => {
  it('config.recorder-status and config.delivery-channels pass in both regions, except that us-west-2 records no global IAM types', async () => {
    for (const region of ['us-east-1', 'us-west-2']) {
      const recorders = (await session.run(q('config.recorder-status'), region)).results;
      // The demo records the global IAM types in us-east-1 only, as AWS recommends; us-west-2 alone cannot show that.
      const status = region === 'us-east-1' ? 'pass' : 'needs-review';
      expect(recorders).toEqual([expect.objectContaining({ resourceType: 'AWS::Config::ConfigurationRecorder', status })]);
      expect(statusOf((await session.run(q('config.delivery-channels'), region)).results)).toEqual({ default: 'pass' });
    }
  });

  it('config.rule-compliance: fails each non-compliant resource, with details fetched for non-compliant rules only', async () => {
    const { results, calls } = await session.run(q('config.rule-compliance'), 'us-east-1');
    const failed = results.filter((r) => r.status === 'fail');
    expect(failed.map((r) => r.resourceType)).toContain('AWS::IAM::User');
    expect(failed.some((r) => r.resource === 'demo-production-legacy-uploads' && r.reason.includes('s3-bucket-server-side-encryption-enabled'))).toBe(true);
    expect(results.some((r) => r.status === 'pass')).toBe(true);
    const details = calls.filter((c) => c.operation === 'config:GetComplianceDetailsByConfigRule').map((c) => (c.input as { ConfigRuleName: string }).ConfigRuleName);
    expect(details).toContain('iam-user-mfa-enabled');
    expect(details).not.toContain('cloudtrail-enabled');
    expect(calls.filter((c) => c.operation === 'config:DescribeConfigRuleEvaluationStatus').map((c) => c.input)).toEqual([{ Limit: 50 }]);
    expect(results.find((r) => r.resource.endsWith('cloudtrail-enabled') || r.reason.startsWith('Config rule cloudtrail-enabled'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('its latest evaluation, at ') });
  });

  it('config.conformance-packs: the PCI pack fails where rules are non-compliant', async () => {
    const { results } = await session.run(q('config.conformance-packs'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ resourceType: 'AWS::Config::ConformancePack', status: 'fail', reason: expect.stringContaining('iam-user-mfa-enabled') })]);
  });

  it('config.resource-inventory: counts the simulated resources of each region', async () => {
    const { results, calls } = await session.run(q('config.resource-inventory'), 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('AWS::EC2::SecurityGroup') })]);
    expect(calls.map((c) => c.operation)).toEqual(['config:GetDiscoveredResourceCounts']);
  });
});

describe('config.rule-compliance against an account whose rule can no longer evaluate', () => {
  const session = demoSession(() => {
    const world = demoWorld();
    const s = world.account('111122223333')!.regional('us-east-1', 'config', emptyConfigState);
    s.evaluationStatus = { 'cloudtrail-enabled': { LastFailedEvaluationTime: new Date(Date.now() - 60_000), LastErrorCode: 'InternalError', LastErrorMessage: 'Rule evaluation failed' } };
    return world;
  });
  it('its last COMPLIANT result needs review, naming the failure', async () => {
    const { results } = await session.run(q('config.rule-compliance'), 'us-east-1');
    const rule = results.find((r) => r.reason.startsWith('Config rule cloudtrail-enabled'));
    expect(rule).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('failed (InternalError: Rule evaluation failed)') });
  });
});

describe('config.rule-compliance when the evaluation status is refused', () => {
  it('keeps the refusal as evidence instead of losing the rules\' compliance', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: config:DescribeConfigRuleEvaluationStatus'), { name: 'AccessDeniedException' });
    const failing = (err: Error) => Object.assign(new ConfigServiceClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } }), { send: () => Promise.reject(err) });
    const client = failing(denied);
    expect(await readEvaluationStatus(client, {})).toEqual({ error: { code: 'AccessDeniedException', message: denied.message } });
    // An aborted run is not evidence: it still stops the read.
    const ctl = new AbortController();
    ctl.abort();
    await expect(readEvaluationStatus(failing(new Error('aborted')), { signal: ctl.signal })).rejects.toThrow('aborted');
  });
});
