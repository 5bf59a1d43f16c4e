import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { backupPlans, scheduleIntervalHours } from '../../../src/queries/backup/plans.js';
import { restoreTesting } from '../../../src/queries/backup/restore-testing.js';
import type { EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { ORGANISATION_THRESHOLDS } from '../../../src/evaluate/baseline.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';
import { ACCOUNT, COLLECTED_AT, PLAN_ARN, REGION, dbArn, evidence, restoreEvidence, vaultArn } from '../../fixtures/backup/backup.js';
import { demoSession, runDenied, startSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { backupState } from '../../../src/simulator/services/backup.js';

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
    // The copy rule is configuration; only failed copy jobs are read, so the reason does not say copies were made.
    expect(by[PLAN_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('kept 35 days, copy configured to eu-central-1') });
    expect(by[PLAN_ARN].reason).toContain('rule monthly (cron(0 5 1 * ? *), vault locked, kept until deleted, no copy to another region)');
    expect(by[PLAN_ARN].reason).toContain('assigned by 1 backup selection(s) (tagged-phi); last ran 2026-05-31 05:00');
    expect(by[dbArn('fresh')]).toMatchObject({ status: 'pass', resourceType: 'AWS::RDS::DBInstance' });
    expect(by[dbArn('stale')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('older than 36 hours') });
    expect(by[dbArn('flaky')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('a later backup job ended FAILED') });
    expect(by[dbArn('never')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('has no AWS Backup recovery point; 1 backup job(s) ended FAILED') });
    expect(Object.values(by).find((r) => r.resourceType === 'AWS::EFS::FileSystem')?.status).toBe('pass');
    expect(by[vaultArn('locked')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('compliance mode') });
    expect(by[vaultArn('governance')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('governance mode') });
    expect(by[vaultArn('grace')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('grace time') });
    expect(by[vaultArn('Default')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no vault lock') });
  });

  it('the backup age limit is a parameter; a plan without a schedule fails; no AWS Backup at all needs review, never passes', () => {
    // Young enough under a 400-hour limit, but made before the backup jobs listed: whether it completed is not shown.
    expect(evaluateBoth(backupPlans, evidence, { maxBackupAgeHours: 400 }).find((r) => r.resource === dbArn('stale'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('before the backup jobs listed since 2026-05-31 00:00') });
    const listedSince = { ...evidence, failedJobsSince: '2026-05-19T00:00:00.000Z' };
    expect(evaluateBoth(backupPlans, listedSince, { maxBackupAgeHours: 400 }).find((r) => r.resource === dbArn('stale'))?.status).toBe('pass');
    const unscheduled = { ...evidence, planDetails: [{ ...evidence.planDetails[0], BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'x', TargetBackupVaultName: 'locked' }] } }] };
    expect(evaluateBoth(backupPlans, unscheduled).find((r) => r.resource === PLAN_ARN)?.status).toBe('fail');
    const none = { plans: [], planDetails: [], protectedResources: [], failedJobsSince: COLLECTED_AT, failedJobs: [], incompleteJobs: [], failedCopyJobs: [], vaults: [], vaultDetails: [] };
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

describe('backup.plans: jobs that ended partial, aborted or expired', () => {
  // ListProtectedResources lists a resource's latest recovery point whatever its status, so a job that ended PARTIAL
  // (a composite recovery point missing nested ones), ABORTED or EXPIRED is read from ListBackupJobs.
  const rpArn = (id: string) => `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:${id}`;
  const stackArn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/phi-app/1a2b3c`;
  const stack = { ResourceArn: stackArn, ResourceType: 'CloudFormation', ResourceName: 'phi-app', LastBackupTime: new Date('2026-05-31T05:30:00Z'), LastBackupVaultArn: vaultArn('locked'), LastRecoveryPointArn: rpArn('latest') };
  const job = (State: 'PARTIAL' | 'ABORTED' | 'EXPIRED', created: string, extra: object = {}) => ({ BackupJobId: `job-${State}-${created}`, ResourceArn: stackArn, ResourceType: 'CloudFormation', ResourceName: 'phi-app', State, CreationDate: new Date(created), ...extra });
  const judge = (incompleteJobs: object[] | undefined, resource: object = stack) =>
    evaluateBoth(backupPlans, { ...evidence, protectedResources: [resource], failedJobs: [], incompleteJobs }).find((r) => r.resource === stackArn)!;

  it('a resource whose latest recovery point was made by a job that ended PARTIAL needs review, not pass', () => {
    const partial = job('PARTIAL', '2026-05-31T05:30:00Z', { RecoveryPointArn: rpArn('latest'), CompletionDate: new Date('2026-05-31T06:10:00Z'), StatusMessage: 'Some nested resources were not backed up.' });
    expect(judge([partial])).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('that recovery point was made by a job that ended PARTIAL') });
    expect(judge([])).toMatchObject({ status: 'pass', reason: expect.stringContaining('no backup job for it ended failed, partial, aborted or expired after it since 2026-05-31 00:00') });
  });

  it('a later job that ended ABORTED or EXPIRED, or a partial one that may have made the latest recovery point, needs review; earlier ones superseded by another recovery point do not', () => {
    expect(judge([job('ABORTED', '2026-05-31T07:00:00Z')])).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('a later backup job ended ABORTED') });
    expect(judge([job('EXPIRED', '2026-05-31T07:00:00Z')]).status).toBe('needs-review');
    // No LastRecoveryPointArn to match, and the partial job ended after the latest recovery point was made: it may be that one.
    const unmatched = { ...stack, LastRecoveryPointArn: undefined };
    expect(judge([job('PARTIAL', '2026-05-31T05:00:00Z', { RecoveryPointArn: rpArn('other'), CompletionDate: new Date('2026-05-31T06:00:00Z') })], unmatched)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('may have made it') });
    // Superseded: an aborted job that made no recovery point, a partial one whose recovery point is not the latest.
    expect(judge([job('ABORTED', '2026-05-31T01:00:00Z'), job('PARTIAL', '2026-05-31T02:00:00Z', { RecoveryPointArn: rpArn('older') })])).toMatchObject({ status: 'pass', reason: expect.stringContaining('2 backup job(s) ended ABORTED, PARTIAL since 2026-05-31 00:00') });
  });

  it('a job of a resource with no recovery point fails; a latest recovery point older than the jobs listed, or evidence sealed before partial jobs were read, needs review', () => {
    const other = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/claims`;
    const results = evaluateBoth(backupPlans, { ...evidence, incompleteJobs: [{ ...job('EXPIRED', '2026-05-31T05:00:00Z'), ResourceArn: other, ResourceType: 'DynamoDB', ResourceName: 'claims' }] });
    expect(results.find((r) => r.resource === other)).toMatchObject({ status: 'fail', resourceType: 'AWS::DynamoDB::Table', reason: expect.stringContaining('DynamoDB claims has no AWS Backup recovery point; 1 backup job(s) ended EXPIRED') });
    expect(judge([], { ...stack, LastBackupTime: new Date('2026-05-30T20:00:00Z') })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('before the backup jobs listed since 2026-05-31 00:00') });
    expect(judge(undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before this version') });
  });

  it('a listing of partial, aborted or expired jobs that failed (AccessDenied) makes a recent recovery point need review, naming the listing and the error; the other evidence is still judged', () => {
    const denied = { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: backup:ListBackupJobs' } };
    const abortedJob = job('ABORTED', '2026-05-31T07:00:00Z');
    const results = evaluateBoth(backupPlans, { ...evidence, protectedResources: [...evidence.protectedResources, stack], incompleteJobs: [abortedJob], incompleteJobErrors: { PARTIAL: denied } });
    const by = Object.fromEntries(results.map((r) => [r.resource, r]));
    // Would pass with every listing read: now the PARTIAL jobs are unknown.
    expect(by[dbArn('fresh')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListBackupJobs could not list the jobs that ended PARTIAL (AccessDeniedException: User is not authorized to perform: backup:ListBackupJobs)') });
    expect(results.filter((r) => r.status === 'pass').map((r) => r.resourceType)).toEqual(['AWS::Backup::BackupPlan', 'AWS::Backup::BackupVault']);
    // Judged from the listings that did succeed: the ABORTED job, FAILED jobs, stale backups, vaults.
    expect(by[stackArn]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('a later backup job ended ABORTED') });
    expect(by[dbArn('stale')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('older than 36 hours') });
    expect(by[dbArn('never')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 backup job(s) ended FAILED') });
    expect(by[vaultArn('locked')].status).toBe('pass');
    // Resources whose jobs all ended PARTIAL, ABORTED or EXPIRED without a recovery point are unknown: the account row says so.
    expect(by.account).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListBackupJobs could not list the backup jobs that ended PARTIAL (AccessDeniedException') });
  });

  it('a FAILED-jobs listing that failed (throttled past retries, AccessDenied) is kept as evidence: what depended on it needs review naming the read and the error; the rest is judged as before', () => {
    const throttled = { error: { code: 'ThrottlingException', message: 'Rate exceeded' } };
    const results = evaluateBoth(backupPlans, { ...evidence, failedJobs: throttled });
    const by = Object.fromEntries(results.map((r) => [r.resource, r]));
    // Would pass with the FAILED jobs listed: a later backup of it may have failed.
    expect(by[dbArn('fresh')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListBackupJobs could not list the jobs that ended FAILED (ThrottlingException: Rate exceeded), so whether a later backup of it ended that way') });
    expect(by[dbArn('flaky')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ended FAILED (ThrottlingException') });
    // The resource known only from its failed job is not in the evidence: the account row names the read.
    expect(by[dbArn('never')]).toBeUndefined();
    expect(by.account).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListBackupJobs could not list the backup jobs that ended FAILED (ThrottlingException: Rate exceeded), so resources in') });
    expect(by[dbArn('stale')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('older than 36 hours') });
    expect(results.filter((r) => r.status === 'pass').map((r) => r.resourceType)).toEqual(['AWS::Backup::BackupPlan', 'AWS::Backup::BackupVault']);
    // Evidence sealed before this version always holds a list; anything else is missing evidence.
    expect(evaluateBoth(backupPlans, { ...evidence, failedJobs: { not: 'a listing' } as never }).map((r) => r.status)).toEqual(['error']);
  });
});

describe('backup.plans retention and copies', () => {
  const plan = (data: typeof evidence, params: QueryParameters = {}) => evaluateBoth(backupPlans, data, params).find((r) => r.resource === PLAN_ARN)!;
  const withLifecycle = (Lifecycle: object | undefined) => ({
    ...evidence,
    planDetails: evidence.planDetails.map((d) => ({ ...d, BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'Default', ScheduleExpression: 'cron(0 5 ? * * *)', Lifecycle }] } })),
  });

  it('a rule that deletes recovery points sooner than minimumBackupRetentionDays fails; kept until deleted, or moved to cold storage, passes', () => {
    expect(plan(withLifecycle({ DeleteAfterDays: 1 }))).toMatchObject({ status: 'fail', reason: expect.stringContaining('deletes the recovery points of rule(s) daily after 1 day(s), sooner than the 7-day minimum retention') });
    expect(plan(withLifecycle({ DeleteAfterDays: 1 }), { minimumBackupRetentionDays: 1 }).status).toBe('pass');
    expect(plan(withLifecycle({ DeleteAfterDays: 7 })).status).toBe('pass');
    expect(plan(withLifecycle({ DeleteAfterDays: 35 }), { minimumBackupRetentionDays: 90 }).status).toBe('fail');
    for (const kept of [undefined, {}, { DeleteAfterDays: -1, MoveToColdStorageAfterDays: -1 }]) expect(plan(withLifecycle(kept))).toMatchObject({ status: 'pass', reason: expect.stringContaining('kept until deleted') });
    expect(plan(withLifecycle({ MoveToColdStorageAfterDays: 2, DeleteAfterDays: 92 }))).toMatchObject({ status: 'pass', reason: expect.stringContaining('kept 92 days (in cold storage after 2 days)') });
    // A plan failing for another reason still names its short retention.
    const neverRan = { ...withLifecycle({ DeleteAfterDays: 1 }), plans: [{ ...evidence.plans[0], LastExecutionDate: undefined }] };
    expect(plan(neverRan)).toMatchObject({ status: 'fail', reason: expect.stringContaining('has never run') });
    expect(plan(neverRan).reason).toContain('sooner than the 7-day minimum');
  });

  it('the retention minimum is an organisation threshold that the baseline can set aside', () => {
    expect(ORGANISATION_THRESHOLDS['backup.plans']).toEqual({ maxBackupAgeHours: 1_000_000, minimumBackupRetentionDays: 1 });
    expect(backupPlans.parameters?.minimumBackupRetentionDays).toMatchObject({ default: 7, description: expect.stringMatching(/^Organisation choice/) });
  });

  it('failed copy jobs of the plan need review and are named; evidence sealed before copy jobs were read needs review when the plan copies', () => {
    const failedCopy = {
      CopyJobId: 'copy-1', State: 'FAILED' as const, ResourceArn: dbArn('fresh'), ResourceName: 'fresh', ResourceType: 'RDS', CreationDate: new Date('2026-05-31T06:00:00Z'),
      DestinationBackupVaultArn: 'arn:aws:backup:eu-central-1:111122223333:backup-vault:dr', StatusMessage: 'Access denied to the destination vault.',
      CreatedBy: { BackupPlanId: evidence.plans[0].BackupPlanId, BackupPlanArn: PLAN_ARN },
    };
    expect(plan({ ...evidence, failedCopyJobs: [failedCopy] })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('1 copy job(s) of this plan failed since 2026-05-31 00:00 (latest: Access denied to the destination vault., fresh to arn:aws:backup:eu-central-1:111122223333:backup-vault:dr)') });
    expect(plan({ ...evidence, failedCopyJobs: [{ ...failedCopy, CreatedBy: { BackupPlanId: 'another-plan' } }] }).status).toBe('pass');
    expect(plan({ ...evidence, failedCopyJobs: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('does not list failed copy jobs') });
    const noCopies = withLifecycle({ DeleteAfterDays: 35 });
    expect(plan({ ...noCopies, failedCopyJobs: undefined }).status).toBe('pass');
  });

  it('a ListCopyJobs that failed (AccessDenied) makes a copying plan need review, naming the read and the error; a plan that fails, or makes no copies, is judged as before', () => {
    const denied = { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: backup:ListCopyJobs' } };
    expect(plan({ ...evidence, failedCopyJobs: denied })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the failed copy jobs could not be listed (ListCopyJobs: AccessDeniedException: User is not authorized to perform: backup:ListCopyJobs)') });
    expect(plan({ ...withLifecycle({ DeleteAfterDays: 35 }), failedCopyJobs: denied }).status).toBe('pass');
    expect(plan({ ...withLifecycle({ DeleteAfterDays: 1 }), failedCopyJobs: denied }).status).toBe('fail');
    expect(evaluateBoth(backupPlans, { ...evidence, failedCopyJobs: denied }).find((r) => r.resource === dbArn('fresh'))?.status).toBe('pass');
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
    expect(scheduleIntervalHours('cron(0 5 L * ? *)')).toBe(24 * 31);
    // Schedules limited to some months, and steps: the longest gap between runs, walked over the calendar.
    expect(scheduleIntervalHours('cron(0 0 1 1 ? *)')).toBe(24 * 366);
    expect(scheduleIntervalHours('cron(0 5 1 JAN,APR,JUL,OCT ? *)')).toBe(24 * 92);
    expect(scheduleIntervalHours('cron(0 5 1/7 * ? *)')).toBe(24 * 7);
    expect(scheduleIntervalHours('cron(0 0 29 2 ? *)')).toBe(24 * 1461);
    expect(scheduleIntervalHours('cron(0 5 ? 6 MON *)')).toBe(24 * 343);
    expect(scheduleIntervalHours('cron(0 5 1 * ? 2026)')).toBeUndefined();
    expect(scheduleIntervalHours('cron(0 5 1 * MON *)')).toBeUndefined();
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

  it('nothing backed up is not-applicable as a mechanism absent (never proposed as not applicable); missing evidence is an error', () => {
    const [r] = evaluateBoth(restoreTesting, { restoreTestingPlans: [], restoreJobsSince: COLLECTED_AT, restoreJobs: [], protectedResources: [] });
    expect(r).toMatchObject({ status: 'not-applicable', mechanismAbsent: 'AWS Backup', reason: expect.stringContaining('mechanism absent: no resource is backed up by AWS Backup') });
    expect(r.reason).toContain('the entity may back up and test restores by another means');
    expect(evaluateBoth(restoreTesting, { restoreTestingPlans: [] })[0].status).toBe('error');
  });

  it('AWS Backup in use without restore testing (no plan, no restore job) needs review as a mechanism absent, not a failure; a failed restore still fails', () => {
    // QSA (164.308(a)(7)(ii)(D), 164.312(a)(2)(ii)): "no restore from an AWS Backup recovery point completed ...; no restore
    // testing plan" was a FAIL, though restores may be tested outside AWS Backup.
    const unused = { ...restoreEvidence, restoreTestingPlans: [], restoreJobs: [] };
    expect(evaluateBoth(restoreTesting, unused)).toEqual([
      expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('mechanism absent: AWS Backup protects 4 resource(s) here, but no restore testing plan exists and no restore job was started since') }),
    ]);
    expect(evaluateBoth(restoreTesting, unused)[0].reason).toContain('the entity may test restores by another means');
    const failedOnly = { ...unused, restoreJobs: restoreEvidence.restoreJobs.filter((j) => j.Status !== 'COMPLETED') };
    expect(evaluateBoth(restoreTesting, failedOnly)[0].status).toBe('fail');
  });

  it('judges the lookback (lookbackDays) itself: a restore older than it does not count, and a lookback longer than the jobs listed is not assumed met', () => {
    const ok = { ...restoreEvidence, restoreJobs: restoreEvidence.restoreJobs.filter((j) => j.Status === 'COMPLETED') };
    // The validated restore of 2026-05-01 is 31 days before collection: inside 35 days, outside 30.
    expect(evaluateBoth(restoreTesting, ok)[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('since 2026-04-27 (lookbackDays = 35)') });
    expect(evaluateBoth(restoreTesting, ok, { lookbackDays: 30 })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no restore from an AWS Backup recovery point completed since 2026-05-02 (lookbackDays = 30)') });
    // 90 days asked, jobs listed for 35 only: older restores are not in the evidence, so no failure and no pass.
    const none = { ...restoreEvidence, restoreJobs: [] };
    expect(evaluateBoth(restoreTesting, none, { lookbackDays: 90 })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('whether one completed in the 90 days before collection is not in it') });
  });

  it('judged by the catalogs: the lookback is an organisation baseline under HIPAA (parameterBasis), so a failure resting on it alone needs review naming it', async () => {
    // QSA: "no restore from an AWS Backup recovery point completed since ...; restore testing plan(s) monthly ..." was a
    // FAIL of 164.308(a)(7)(ii)(D) (test periodically: no period set) on the check's 35-day choice alone.
    const judged = await judgedByCatalogs('backup.restore-testing', { ...restoreEvidence, restoreJobs: [] });
    for (const id of ['164.308(a)(7)(ii)(B)', '164.308(a)(7)(ii)(D)', '164.312(a)(2)(ii)']) {
      const f = judged(id).findings.find((x) => x.queryId === 'backup.restore-testing')!;
      expect(f.status, id).toBe('needs-review');
      expect(f.reason, id).toContain('Organisation baseline, not a requirement of the rule');
      expect(f.reason, id).toContain("lookbackDays = 35 set by the check's default, to be confirmed by the organisation (the rule s");
    }
    // A failed validation does not rest on the lookback: it stays a failure.
    const badValidation = { ...restoreEvidence, restoreJobs: [{ ...restoreEvidence.restoreJobs[0], ValidationStatus: 'FAILED' as const }] };
    expect((await judgedByCatalogs('backup.restore-testing', badValidation))('164.308(a)(7)(ii)(D)').findings[0].status).toBe('fail');
  });

  it('judged by the catalogs, no AWS Backup in the region leaves 164.308(a)(7)(ii)(D) to review, never proposed not applicable', async () => {
    const absent = await judgedByCatalogs('backup.restore-testing', { restoreTestingPlans: [], restoreJobsSince: COLLECTED_AT, restoreJobs: [], protectedResources: [] });
    expect(absent('164.308(a)(7)(ii)(D)').status).toBe('needs-review');
    expect(absent('164.308(a)(7)(ii)(D)').reasons[0]).toContain('REVIEW: no AWS Backup deployed where the evidence was collected (us-east-1)');
  });
});

describe('AWS Backup queries against the simulated demo account', () => {
  const session = demoSession();

  it('home region: the orders database and the Aurora clusters are backed up, the legacy reporting database is not; the payments vault is locked, Default is not', async () => {
    const { results, calls } = await session.run(queryById('backup.plans')!, 'us-east-1');
    expect(results.map((r) => [r.resource.split(':').pop(), r.status])).toEqual([
      [expect.any(String), 'pass'],
      ['orders-db', 'pass'],
      ['legacy-reporting', 'fail'],
      ['payments-ledger', 'pass'],
      ['claims-history', 'pass'],
      ['Default', 'needs-review'],
      ['payments-vault', 'pass'],
    ]);
    expect(results[0].reason).toContain('copy configured to us-west-2');
    expect(results[0].reason).toContain('assigned by 1 backup selection(s) (tagged-backup)');
    expect(calls.find((c) => c.operation === 'backup:ListBackupSelections')?.input).toMatchObject({ BackupPlanId: expect.any(String) });
    const jobListings = calls.filter((c) => c.operation === 'backup:ListBackupJobs').map((c) => c.input as { ByState: string; ByCreatedAfter: unknown });
    expect(jobListings.map((i) => i.ByState)).toEqual(['FAILED', 'PARTIAL', 'ABORTED', 'EXPIRED']);
    expect(calls.filter((c) => c.operation === 'backup:ListCopyJobs').map((c) => c.input)).toEqual([expect.objectContaining({ ByState: 'FAILED' })]);
    // One window for every listing: at least maxBackupAgeHours (36) back, so the job of any backup recent enough to pass is listed.
    expect(new Set(jobListings.map((i) => JSON.stringify(i.ByCreatedAfter))).size).toBe(1);
  });

  it('a PARTIAL job that made the orders database\'s latest recovery point, and a failed copy job of the plan, are read and need review', async () => {
    const world = demoWorld({ now: new Date() });
    const state = backupState(world.accounts.get(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const orders = state.protectedResources.find((r) => r.ResourceName === 'orders-db')!;
    const plan = state.plans[0];
    const at = orders.LastBackupTime!;
    state.jobs.push({ BackupJobId: 'partial-1', ResourceArn: orders.ResourceArn, ResourceType: 'RDS', ResourceName: 'orders-db', State: 'PARTIAL', CreationDate: at, CompletionDate: new Date(at.getTime() + 3_600_000), RecoveryPointArn: orders.LastRecoveryPointArn, CreatedBy: { BackupPlanId: plan.BackupPlanId } });
    state.copyJobs.push({ CopyJobId: 'copy-1', ResourceArn: orders.ResourceArn, ResourceType: 'RDS', ResourceName: 'orders-db', State: 'FAILED', CreationDate: new Date(at.getTime() + 7_200_000), StatusMessage: 'Access denied to the destination vault.', DestinationBackupVaultArn: plan.plan.Rules![0].CopyActions![0].DestinationBackupVaultArn, CreatedBy: { BackupPlanId: plan.BackupPlanId } });
    const session = await startSession(world);
    try {
      const { results } = await session.run(queryById('backup.plans')!, 'us-east-1');
      expect(results.find((r) => r.resource === plan.BackupPlanArn)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('1 copy job(s) of this plan failed') });
      expect(results.find((r) => r.resource === orders.ResourceArn)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('made by a job that ended PARTIAL') });
    } finally {
      await session.close();
    }
  });

  it('a denied ListCopyJobs is kept as evidence: the copying plan needs review with the error, the resources and vaults are still judged', async () => {
    const results = await runDenied(session, queryById('backup.plans')!, 'us-east-1', 'backup:ListCopyJobs');
    expect(results.map((r) => [r.resource.split(':').pop(), r.status])).toEqual([
      [expect.any(String), 'needs-review'],
      ['orders-db', 'pass'],
      ['legacy-reporting', 'fail'],
      ['payments-ledger', 'pass'],
      ['claims-history', 'pass'],
      ['Default', 'needs-review'],
      ['payments-vault', 'pass'],
    ]);
    expect(results[0].reason).toMatch(/ListCopyJobs: AccessDenied/);
  });

  it('a denied ListBackupJobs is kept as evidence: every listing is named with the error, recent backups need review, the plans, stale backups and vaults are still judged', async () => {
    const results = await runDenied(session, queryById('backup.plans')!, 'us-east-1', 'backup:ListBackupJobs');
    expect(results.map((r) => [r.resource.split(':').pop(), r.status])).toEqual([
      ['account', 'needs-review'],
      [expect.any(String), 'pass'],
      ['orders-db', 'needs-review'],
      ['legacy-reporting', 'fail'],
      ['payments-ledger', 'needs-review'],
      ['claims-history', 'needs-review'],
      ['Default', 'needs-review'],
      ['payments-vault', 'pass'],
    ]);
    expect(results[0].reason).toMatch(/ended FAILED, PARTIAL, ABORTED, EXPIRED \(AccessDeniedException: [^)]*backup:ListBackupJobs[^)]*\), so resources in us-east-1/);
    expect(results[2].reason).toMatch(/ListBackupJobs could not list the jobs that ended FAILED, PARTIAL, ABORTED, EXPIRED \(AccessDeniedException/);
  });

  it('second region: the archive plan and file system pass; the copies vault is only governance-locked', async () => {
    const { results } = await session.run(queryById('backup.plans')!, 'us-west-2');
    expect(results.map((r) => [r.resourceType, r.status])).toEqual([
      ['AWS::Backup::BackupPlan', 'pass'],
      ['AWS::EFS::FileSystem', 'pass'],
      ['AWS::Backup::BackupVault', 'needs-review'],
    ]);
  });

  it('restore testing: the monthly test restored and validated the orders database; the second region tests no restore through AWS Backup (needs review)', async () => {
    expect((await session.run(queryById('backup.restore-testing')!, 'us-east-1')).results).toEqual([expect.objectContaining({ status: 'pass' })]);
    expect((await session.run(queryById('backup.restore-testing')!, 'us-west-2')).results).toEqual([
      expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('mechanism absent: AWS Backup protects 1 resource(s) here, but no restore testing plan exists') }),
    ]);
  });
});
