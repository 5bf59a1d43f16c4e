import { describe, expect, it } from 'vitest';
import { BackupClient, DescribeBackupVaultCommand, GetBackupPlanCommand, ListBackupJobsCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, paginateListBackupJobs } from '@aws-sdk/client-backup';
import { CloudWatchClient, DescribeAlarmsCommand, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand, paginateDescribeMetricFilters } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const LOG_GROUP = `aws-cloudtrail-logs-${DEMO_ACCOUNT_ID}-management-events`;

describe('simulated alerting and backup services through the real SDK clients', () => {
  const sim = useSimulator(() => ({ world: demoWorld({ now: NOW }), faults: { rateLimits: {} } }));

  it('CloudWatch Logs DescribeMetricFilters pages by filter name; an unknown log group is ResourceNotFoundException', async () => {
    const logs = new CloudWatchLogsClient(clientConfig(sim()));
    const names: string[] = [];
    for await (const page of paginateDescribeMetricFilters({ client: logs, pageSize: 4 }, { logGroupName: LOG_GROUP })) names.push(...(page.metricFilters ?? []).map((f) => f.filterName!));
    expect(names).toHaveLength(12);
    expect(names).toEqual([...names].sort());
    await expect(logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'no-such-group' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(logs.send(new DescribeMetricFiltersCommand({ logGroupName: LOG_GROUP, limit: 51 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('CloudWatch DescribeAlarms (JSON 1.0) pages across metric alarms, keeps timestamps, and rejects a foreign token', async () => {
    const cw = new CloudWatchClient(clientConfig(sim()));
    const alarms = [];
    for await (const page of paginateDescribeAlarms({ client: cw, pageSize: 5 }, { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })) alarms.push(...(page.MetricAlarms ?? []));
    expect(alarms).toHaveLength(11);
    expect(alarms[0].StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(alarms[0].AlarmActions?.[0]).toMatch(/^arn:aws:sns:us-east-1:/);
    await expect(cw.send(new DescribeAlarmsCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('SNS ListSubscriptionsByTopic (query protocol): confirmed and pending subscriptions; NotFound and AuthorizationError as published', async () => {
    const sns = new SNSClient(clientConfig(sim()));
    const topic = (name: string, account = DEMO_ACCOUNT_ID) => `arn:aws:sns:us-east-1:${account}:${name}`;
    const ok = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic('security-alerts') }));
    expect(ok.Subscriptions?.[0]).toMatchObject({ Protocol: 'email', SubscriptionArn: expect.stringMatching(/^arn:aws:sns:/) });
    const pending = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic('ops-alerts') }));
    expect(pending.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual(['PendingConfirmation']);
    await expect(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic('gone') }))).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic('x', '999988887777') }))).rejects.toMatchObject({ name: 'AuthorizationErrorException' });
  });

  it('EventBridge ListRules / ListTargetsByRule (JSON 1.1): default bus rules, a missing rule is ResourceNotFoundException', async () => {
    const eb = new EventBridgeClient(clientConfig(sim()));
    const first = await eb.send(new ListRulesCommand({ Limit: 2 }));
    expect(first.Rules).toHaveLength(2);
    const rest = await eb.send(new ListRulesCommand({ Limit: 2, NextToken: first.NextToken }));
    expect([...first.Rules!, ...rest.Rules!].map((r) => r.Name)).toEqual(['guardduty-findings', 'instance-state-changes', 'securityhub-critical-findings']);
    expect((await eb.send(new ListTargetsByRuleCommand({ Rule: 'guardduty-findings' }))).Targets?.[0].Arn).toMatch(/:security-alerts$/);
    await expect(eb.send(new ListTargetsByRuleCommand({ Rule: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('Backup (restJson1): filters jobs by state and creation time, pages, and answers a missing plan or vault with ResourceNotFoundException', async () => {
    const backup = new BackupClient(clientConfig(sim()));
    const jobs = [];
    for await (const page of paginateListBackupJobs({ client: backup, pageSize: 2 }, { ByState: 'FAILED', ByCreatedAfter: new Date(NOW.getTime() - 3 * 86_400_000) })) jobs.push(...(page.BackupJobs ?? []));
    expect(jobs.length).toBe(3);
    expect(jobs.every((j) => j.State === 'FAILED' && j.CreationDate instanceof Date)).toBe(true);
    expect((await backup.send(new ListBackupJobsCommand({ ByState: 'COMPLETED' }))).BackupJobs).toEqual([]);
    await expect(backup.send(new GetBackupPlanCommand({ BackupPlanId: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await backup.send(new DescribeBackupVaultCommand({ BackupVaultName: 'payments-vault' }))).Locked).toBe(true);
    const planId = (await backup.send(new ListBackupPlansCommand({}))).BackupPlansList![0].BackupPlanId!;
    const selections = await backup.send(new ListBackupSelectionsCommand({ BackupPlanId: planId, MaxResults: 1 }));
    expect(selections.BackupSelectionsList).toEqual([expect.objectContaining({ BackupPlanId: planId, SelectionName: 'tagged-backup', CreationDate: expect.any(Date) })]);
    expect(selections.NextToken).toBeUndefined();
    await expect(backup.send(new ListBackupSelectionsCommand({ BackupPlanId: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
