import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { backupPlans, scheduleIntervalHours } from '../../../src/queries/backup/plans.js';
import { restoreTesting } from '../../../src/queries/backup/restore-testing.js';
import type { EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, PLAN_ARN, REGION, dbArn, evidence, restoreEvidence, vaultArn } from '../../fixtures/backup/backup.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(q: EvidenceQuery<unknown>, data: unknown, params: QueryParameters = {}): ResourceResult[] {
  const p = { ...Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default])), ...params };
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('backup.plans', () => {
  it('judges plans, protected resources, failed jobs and vault locks', () => {
    const by = Object.fromEntries(evaluateBoth(backupPlans, evidence).map((r) => [r.resource, r]));
    expect(by[PLAN_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('kept 35 days, copied to eu-central-1') });
    expect(by[PLAN_ARN].reason).toContain('rule monthly (cron(0 5 1 * ? *), vault locked, kept until deleted, no copy to another region)');
    expect(by[PLAN_ARN].reason).toContain('assigned by 1 backup selection(s) (tagged-phi); last ran 2026-05-31 05:00');
    expect(by[dbArn('fresh')]).toMatchObject({ status: 'pass', resourceType: 'AWS::RDS::DBInstance' });
    expect(by[dbArn('stale')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('older than 36 hours') });
    expect(by[dbArn('flaky')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('a later job failed') });
    expect(by[dbArn('never')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no completed AWS Backup recovery point') });
    expect(Object.values(by).find((r) => r.resourceType === 'AWS::EFS::FileSystem')?.status).toBe('pass');
    expect(by[vaultArn('locked')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('compliance mode') });
    expect(by[vaultArn('governance')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('governance mode') });
    expect(by[vaultArn('grace')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('grace time') });
    expect(by[vaultArn('Default')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no vault lock') });
  });

  it('the backup age limit is a parameter; a plan without a schedule fails; no AWS Backup at all needs review, never passes', () => {
    expect(evaluateBoth(backupPlans, evidence, { maxBackupAgeHours: 400 }).find((r) => r.resource === dbArn('stale'))?.status).toBe('pass');
    const unscheduled = { ...evidence, planDetails: [{ ...evidence.planDetails[0], BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'x', TargetBackupVaultName: 'locked' }] } }] };
    expect(evaluateBoth(backupPlans, unscheduled).find((r) => r.resource === PLAN_ARN)?.status).toBe('fail');
    const none = { plans: [], planDetails: [], protectedResources: [], failedJobsSince: COLLECTED_AT, failedJobs: [], vaults: [], vaultDetails: [] };
    expect(evaluateBoth(backupPlans, none)).toEqual([expect.objectContaining({ resource: 'account', status: 'needs-review' })]);
    expect(evaluateBoth(backupPlans, { plans: [] }).map((r) => r.status)).toEqual(['error']);
  });

  it('a scheduled plan that never ran, last ran too long ago, or has no backup selection fails; without its selections it is an error', () => {
    const plan = (data: typeof evidence, params: QueryParameters = {}) => evaluateBoth(backupPlans, data, params).find((r) => r.resource === PLAN_ARN)!;
    const never = { ...evidence, plans: [{ ...evidence.plans[0], LastExecutionDate: undefined }] };
    expect(plan(never)).toMatchObject({ status: 'fail', reason: expect.stringContaining('backup plan daily has never run') });
    // Last ran 2026-05-31 05:00, 19 hours before collection.
    expect(plan(evidence, { maxBackupAgeHours: 12 })).toMatchObject({ status: 'fail', reason: expect.stringContaining('last ran 2026-05-31 05:00, 19 hours before collection, longer ago than its schedule allows (12 hours') });
    const unassigned = { ...evidence, selections: [{ backupPlanId: evidence.plans[0].BackupPlanId!, selections: [] }] };
    expect(plan(unassigned)).toMatchObject({ status: 'fail', reason: expect.stringContaining('has no backup selection, so it backs up no resource') });
    expect(plan({ ...evidence, selections: undefined })).toMatchObject({ status: 'error', reason: expect.stringContaining('ListBackupSelections is missing') });
  });
});

describe('backup.plans schedules', () => {
  const plan = (data: typeof evidence, params: QueryParameters = {}) => evaluateBoth(backupPlans, data, params).find((r) => r.resource === PLAN_ARN)!;
  const withSchedule = (ScheduleExpression: string, LastExecutionDate: Date | undefined, CreationDate?: Date) => ({
    ...evidence,
    plans: [{ ...evidence.plans[0], LastExecutionDate, ...(CreationDate ? { CreationDate } : {}) }],
    planDetails: evidence.planDetails.map((d) => ({ ...d, BackupPlan: { ...d.BackupPlan!, Rules: d.BackupPlan!.Rules!.map((r) => ({ ...r, ScheduleExpression })) } })),
  });
  const hoursBefore = (h: number) => new Date(Date.parse(COLLECTED_AT) - h * 3_600_000);

  it('reads the interval of rate and cron schedules', () => {
    expect(scheduleIntervalHours('rate(12 hours)')).toBe(12);
    expect(scheduleIntervalHours('rate(2 days)')).toBe(48);
    expect(scheduleIntervalHours('cron(0 5 ? * * *)')).toBe(24);
    expect(scheduleIntervalHours('cron(0 5 ? * SUN *)')).toBe(168);
    expect(scheduleIntervalHours('cron(0 5 1 * ? *)')).toBe(744);
    expect(scheduleIntervalHours('cron(0 5 ? * MON-FRI *)')).toBe(72);
    expect(scheduleIntervalHours('cron(0 5 1,15 * ? *)')).toBe(24 * 17);
    expect(scheduleIntervalHours('cron(0 5 L * ? *)')).toBeUndefined();
    expect(scheduleIntervalHours('at(2026-01-01T00:00:00)')).toBeUndefined();
  });

  it('a weekly plan that ran five days ago is on schedule; eight days ago it fails; a plan created within its interval that has not run yet needs review', () => {
    expect(plan(withSchedule('cron(0 5 ? * SUN *)', hoursBefore(5 * 24))).status).toBe('pass');
    expect(plan(withSchedule('cron(0 5 ? * SUN *)', hoursBefore(8 * 24)))).toMatchObject({ status: 'fail', reason: expect.stringContaining('longer ago than its schedule allows (180 hours') });
    expect(plan(withSchedule('cron(0 5 ? * * *)', hoursBefore(48)))).toMatchObject({ status: 'fail' });
    expect(plan(withSchedule('cron(0 5 1 * ? *)', undefined, hoursBefore(10 * 24)))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('has not run yet') });
    expect(plan(withSchedule('cron(0 5 ? * * *)', undefined, hoursBefore(10 * 24)))).toMatchObject({ status: 'fail', reason: expect.stringContaining('has never run') });
  });
});

describe('backup.restore-testing', () => {
  it('a completed, validated restore passes, with a failed one it needs review; no completed restore fails', () => {
    expect(evaluateBoth(restoreTesting, restoreEvidence)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('1 restore job(s) failed or were aborted (latest: Access denied to the KMS key.)') })]);
    const ok = { ...restoreEvidence, restoreJobs: restoreEvidence.restoreJobs.filter((j) => j.Status === 'COMPLETED') };
    expect(evaluateBoth(restoreTesting, ok)).toEqual([expect.objectContaining({ status: 'pass', reason: expect.stringContaining('1 started by restore testing), 1 validated') })]);
    const noRestore = { ...restoreEvidence, restoreJobs: [] };
    expect(evaluateBoth(restoreTesting, noRestore)).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('restore testing plan(s) monthly') })]);
    const badValidation = { ...restoreEvidence, restoreJobs: [{ ...ok.restoreJobs[0], ValidationStatus: 'FAILED' as const }] };
    expect(evaluateBoth(restoreTesting, badValidation)[0].status).toBe('fail');
  });

  it('completed restores none of which was validated need review, never pass', () => {
    const done = restoreEvidence.restoreJobs.filter((j) => j.Status === 'COMPLETED');
    for (const ValidationStatus of [undefined, 'VALIDATING' as const]) {
      const unvalidated = { ...restoreEvidence, restoreJobs: done.map((j) => ({ ...j, ValidationStatus })) };
      expect(evaluateBoth(restoreTesting, unvalidated)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('restores completed but none was validated') })]);
    }
  });

  it('nothing backed up is not-applicable; missing evidence is an error', () => {
    expect(evaluateBoth(restoreTesting, { restoreTestingPlans: [], restoreJobsSince: COLLECTED_AT, restoreJobs: [], protectedResources: [] })[0].status).toBe('not-applicable');
    expect(evaluateBoth(restoreTesting, { restoreTestingPlans: [] })[0].status).toBe('error');
  });
});

describe('AWS Backup queries against the simulated demo account', () => {
  const session = demoSession();

  it('home region: the orders database is backed up, the legacy reporting database is not; the payments vault is locked, Default is not', async () => {
    const { results, calls } = await session.run(queryById('backup.plans')!, 'us-east-1');
    expect(results.map((r) => [r.resource.split(':').pop(), r.status])).toEqual([
      [expect.any(String), 'pass'],
      ['orders-db', 'pass'],
      ['legacy-reporting', 'fail'],
      ['Default', 'needs-review'],
      ['payments-vault', 'pass'],
    ]);
    expect(results[0].reason).toContain('copied to us-west-2');
    expect(results[0].reason).toContain('assigned by 1 backup selection(s) (tagged-backup)');
    expect(calls.find((c) => c.operation === 'backup:ListBackupSelections')?.input).toMatchObject({ BackupPlanId: expect.any(String) });
    expect(calls.find((c) => c.operation === 'backup:ListBackupJobs')?.input).toMatchObject({ ByState: 'FAILED' });
  });

  it('second region: the archive plan and file system pass; the copies vault is only governance-locked', async () => {
    const { results } = await session.run(queryById('backup.plans')!, 'us-west-2');
    expect(results.map((r) => [r.resourceType, r.status])).toEqual([
      ['AWS::Backup::BackupPlan', 'pass'],
      ['AWS::EFS::FileSystem', 'pass'],
      ['AWS::Backup::BackupVault', 'needs-review'],
    ]);
  });

  it('restore testing: the monthly test restored and validated the orders database; nothing was ever restored in the second region', async () => {
    expect((await session.run(queryById('backup.restore-testing')!, 'us-east-1')).results).toEqual([expect.objectContaining({ status: 'pass' })]);
    expect((await session.run(queryById('backup.restore-testing')!, 'us-west-2')).results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('no restore testing plan') })]);
  });
});
