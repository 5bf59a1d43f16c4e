import type {
  BackupJob,
  BackupPlansListMember,
  BackupSelectionsListMember,
  BackupVaultListMember,
  CopyJob,
  DescribeBackupVaultOutput,
  GetBackupPlanOutput,
  ProtectedResource,
} from '@aws-sdk/client-backup';
import { loadBackupSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { scheduleIntervalHours } from '../schedule.js';

export { scheduleIntervalHours };

export interface BackupPlansEvidence {
  /** ListBackupPlans and GetBackupPlan of each plan. */
  plans: BackupPlansListMember[];
  planDetails: GetBackupPlanOutput[];
  /** ListBackupSelections (all pages) of each plan: what it is assigned to back up. */
  selections?: { backupPlanId: string; selections: BackupSelectionsListMember[] }[];
  /**
   * ListProtectedResources: every resource with at least one recovery point, and its latest backup (whatever that
   * recovery point's status: a partial one is listed too).
   */
  protectedResources: ProtectedResource[];
  /** ListBackupJobs in state FAILED created since `failedJobsSince`. */
  failedJobsSince: string;
  /**
   * The FAILED jobs, or the listing's failure (AccessDenied, throttled past retries: AWS's error code and message): failed
   * jobs are then unknown. Always a list in evidence sealed before this version (a failure there made the query an error).
   */
  failedJobs: BackupJob[] | CapturedError;
  /**
   * ListBackupJobs in states PARTIAL, ABORTED and EXPIRED (one listing each) created since `failedJobsSince`: jobs that
   * ended without a complete recovery point: the jobs of the listings that succeeded. Absent in evidence sealed before
   * this version.
   */
  incompleteJobs?: BackupJob[];
  /**
   * The listings of `incompleteJobs` that failed (AccessDenied ...), by state, with AWS's error code and message: jobs
   * in those states are unknown. Absent when every listing succeeded.
   */
  incompleteJobErrors?: Partial<Record<(typeof INCOMPLETE_JOB_STATES)[number], CapturedError>>;
  /**
   * ListCopyJobs in state FAILED created since `failedJobsSince`, or the listing's failure (AWS's error code and
   * message). Absent in evidence sealed before this version.
   */
  failedCopyJobs?: CopyJob[] | CapturedError;
  /** ListBackupVaults and DescribeBackupVault of each vault (vault lock settings). */
  vaults: BackupVaultListMember[];
  vaultDetails: DescribeBackupVaultOutput[];
}

/** CloudFormation-style types for AWS Backup's resource type names, so scope selectors apply to protected resources. */
const RESOURCE_TYPES: Record<string, string> = {
  RDS: 'AWS::RDS::DBInstance',
  Aurora: 'AWS::RDS::DBCluster',
  DynamoDB: 'AWS::DynamoDB::Table',
  EFS: 'AWS::EFS::FileSystem',
  EBS: 'AWS::EC2::Volume',
  EC2: 'AWS::EC2::Instance',
  S3: 'AWS::S3::Bucket',
  FSx: 'AWS::FSx::FileSystem',
};
const resourceTypeOf = (t: string | undefined) => RESOURCE_TYPES[t ?? ''] ?? 'AWS::Backup::ProtectedResource';
const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
/** Backup job states listed besides FAILED: the job ended, but not with a complete recovery point. */
export const INCOMPLETE_JOB_STATES = ['PARTIAL', 'ABORTED', 'EXPIRED'] as const;
/** A retention in days (DeleteAfterDays), or undefined when recovery points are kept until deleted (absent, 0 or -1). */
const retentionDays = (d: number | undefined) => (d !== undefined && d > 0 ? d : undefined);

function describeRules(plan: GetBackupPlanOutput, region: string): string {
  const rules = plan.BackupPlan?.Rules ?? [];
  return rules
    .map((r) => {
      const days = retentionDays(r.Lifecycle?.DeleteAfterDays);
      const cold = retentionDays(r.Lifecycle?.MoveToColdStorageAfterDays);
      const keep = `${days ? `kept ${days} days` : 'kept until deleted'}${cold ? ` (in cold storage after ${cold} days)` : ''}${r.Lifecycle?.DeleteAfterEvent ? ` or until ${r.Lifecycle.DeleteAfterEvent}` : ''}`;
      const copies = (r.CopyActions ?? []).map((c) => c.DestinationBackupVaultArn?.split(':')[3]).filter((x): x is string => !!x);
      const elsewhere = copies.filter((x) => x !== region);
      // The plan's configuration only: whether copies were made is in the copy jobs, of which only failed ones are read.
      return `rule ${r.RuleName} (${r.ScheduleExpression ?? 'no schedule'}, vault ${r.TargetBackupVaultName}, ${keep}, ${elsewhere.length ? `copy configured to ${[...new Set(elsewhere)].join(', ')}` : 'no copy to another region'})`;
    })
    .join('; ');
}

export const backupPlans = defineQuery<BackupPlansEvidence>({
  id: 'backup.plans',
  service: 'backup',
  title: 'AWS Backup plans run, protected resources have a recent backup, and backup vaults are locked',
  description:
    'AWS Backup in the region: each backup plan and its rules (schedule, retention against the organisation\'s minimum, copy rules to other regions) with the copy jobs that failed since the lookback start; each protected resource and when its latest backup was made, with backup jobs that failed, ended partial, were aborted or expired since the lookback start; each backup vault and its vault lock (compliance mode once the lock date has passed, otherwise removable). It shows that backups were made and when, not that they can be restored, that copies to other regions completed (only failed copy jobs are read), or that every store holding regulated data is in a plan; resources never backed up by AWS Backup do not appear.',
  remediation:
    'Assign every store holding regulated data to an AWS Backup plan (a backup selection by tag or ARN) with a schedule and retention from the contingency plan, add a copy rule to another region for disaster recovery, investigate failed jobs (the job status message names the cause), and lock the vaults in compliance mode with a minimum retention.',
  scope: 'regional',
  apiCalls: ['backup:ListBackupPlans', 'backup:GetBackupPlan', 'backup:ListBackupSelections', 'backup:ListProtectedResources', 'backup:ListBackupJobs', 'backup:ListCopyJobs', 'backup:ListBackupVaults', 'backup:DescribeBackupVault'],
  parameters: {
    maxBackupAgeHours: {
      description:
        'Organisation choice, not set by HIPAA or PCI DSS: a protected resource whose latest recovery point was made longer ago than this many hours fails, and so does a backup plan that last ran longer ago (default 36: a daily plan with its start and completion windows).',
      default: 36,
      looser: 'higher',
    },
    minimumBackupRetentionDays: {
      description:
        'Organisation choice, not set by HIPAA or PCI DSS: a backup plan with a rule that deletes its recovery points sooner than this many days (Lifecycle DeleteAfterDays; a move to cold storage keeps them) fails; recovery points kept until deleted pass (default 7, as rds.backup-retention; set it from the contingency plan).',
      default: 7,
      looser: 'lower',
    },
    lookbackHours: {
      description:
        'How many hours before collection to list backup jobs that failed, ended partial, were aborted or expired, and copy jobs that failed; the collector lists at least maxBackupAgeHours (at its default when collecting), so the job of any backup recent enough to pass is listed.',
      default: 24,
      collectSetting: 'lookbackHours',
    },
  },
  async collect(ctx) {
    const sdk = await loadBackupSdk();
    const client = ctx.clients.get(sdk.BackupClient);
    const plans: BackupPlansListMember[] = [];
    for await (const page of sdk.paginateListBackupPlans({ client, pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      plans.push(...(page.BackupPlansList ?? []));
    }
    const planDetails: GetBackupPlanOutput[] = [];
    for (const p of plans) planDetails.push(stripMetadata(await client.send(new sdk.GetBackupPlanCommand({ BackupPlanId: p.BackupPlanId }))));
    const selections: NonNullable<BackupPlansEvidence['selections']> = [];
    for (const p of plans) {
      const list: BackupSelectionsListMember[] = [];
      for await (const page of sdk.paginateListBackupSelections({ client, pageSize: 1000 }, { BackupPlanId: p.BackupPlanId })) {
        ctx.signal?.throwIfAborted();
        list.push(...(page.BackupSelectionsList ?? []));
      }
      selections.push({ backupPlanId: p.BackupPlanId ?? '', selections: list });
    }
    const protectedResources: ProtectedResource[] = [];
    for await (const page of sdk.paginateListProtectedResources({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      protectedResources.push(...(page.Results ?? []));
    }
    // One window for every job listing, long enough to hold the job of any backup young enough to pass.
    const windowHours = Math.max(Number(ctx.params.lookbackHours ?? 24), Number(ctx.params.maxBackupAgeHours ?? 36));
    const since = new Date(ctx.now.getTime() - windowHours * 3_600_000);
    const listJobs = async (ByState: 'FAILED' | (typeof INCOMPLETE_JOB_STATES)[number]) => {
      const jobs: BackupJob[] = [];
      for await (const page of sdk.paginateListBackupJobs({ client, pageSize: 1000 }, { ByState, ByCreatedAfter: since })) {
        ctx.signal?.throwIfAborted();
        jobs.push(...(page.BackupJobs ?? []));
      }
      return jobs;
    };
    // Every job listing keeps a refused read (AccessDenied, throttled past retries) as evidence, so the rest of the
    // evidence is still judged; the resources that depended on the listing need review.
    const failedJobs = await captureFailure(() => listJobs('FAILED'), ctx.signal);
    const incompleteJobs: BackupJob[] = [];
    const incompleteJobErrors: NonNullable<BackupPlansEvidence['incompleteJobErrors']> = {};
    for (const state of INCOMPLETE_JOB_STATES) {
      const listed = await captureFailure(() => listJobs(state), ctx.signal);
      if (isCapturedError(listed)) incompleteJobErrors[state] = listed;
      else incompleteJobs.push(...listed);
    }
    const failedCopyJobs = await captureFailure(async () => {
      const jobs: CopyJob[] = [];
      for await (const page of sdk.paginateListCopyJobs({ client, pageSize: 1000 }, { ByState: 'FAILED', ByCreatedAfter: since })) {
        ctx.signal?.throwIfAborted();
        jobs.push(...(page.CopyJobs ?? []));
      }
      return jobs;
    }, ctx.signal);
    const vaults: BackupVaultListMember[] = [];
    for await (const page of sdk.paginateListBackupVaults({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      vaults.push(...(page.BackupVaultList ?? []));
    }
    const vaultDetails: DescribeBackupVaultOutput[] = [];
    for (const v of vaults) vaultDetails.push(stripMetadata(await client.send(new sdk.DescribeBackupVaultCommand({ BackupVaultName: v.BackupVaultName }))));
    return { plans, planDetails, selections, protectedResources, failedJobsSince: since.toISOString(), failedJobs, incompleteJobs, ...(Object.keys(incompleteJobErrors).length ? { incompleteJobErrors } : {}), failedCopyJobs, vaults, vaultDetails };
  },
  evaluate(data, params, ctx) {
    if (!data?.plans || !data.planDetails || !data.protectedResources || !(Array.isArray(data.failedJobs) || isCapturedError(data.failedJobs)) || !data.vaults) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListBackupPlans, GetBackupPlan, ListProtectedResources, ListBackupJobs or ListBackupVaults responses' }];
    }
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const maxAgeHours = Number(params.maxBackupAgeHours ?? 36);
    const minRetention = Number(params.minimumBackupRetentionDays ?? 7);
    const since = toDate(data.failedJobsSince);
    const window = since ? `since ${day(since)}` : 'in the lookback window';
    const results: ResourceResult[] = [];
    // The job listings AWS refused (FAILED, PARTIAL, ABORTED, EXPIRED): the jobs that ended so are unknown.
    const jobErrors: Record<string, unknown> = { ...data.incompleteJobErrors, FAILED: data.failedJobs };
    const unlisted = (['FAILED', ...INCOMPLETE_JOB_STATES] as const).flatMap((state) => {
      const e = jobErrors[state];
      return isCapturedError(e) ? [{ state, error: `${e.error.code}: ${e.error.message}` }] : [];
    });
    // States refused with the same error are named once: `FAILED, PARTIAL (AccessDeniedException: ...)`.
    const unlistedText = [...new Set(unlisted.map((u) => u.error))].map((error) => `${unlisted.filter((u) => u.error === error).map((u) => u.state).join(', ')} (${error})`).join('; ');
    const account: string[] = [];
    if (!data.plans.length && !data.protectedResources.length)
      account.push(`no AWS Backup plan and no resource backed up by AWS Backup in ${ctx.region}: backups of this region's stores, if any, are made by other means (RDS automated backups are judged by rds.backup-retention)`);
    // A resource whose every backup job ended so has no recovery point: only those jobs show it.
    if (unlisted.length)
      account.push(`ListBackupJobs could not list the backup jobs that ended ${unlistedText}, so resources in ${ctx.region} whose backups ended that way and never made a recovery point are not shown`);
    if (account.length) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'needs-review', reason: account.join('; ') });
    for (const p of data.plans) {
      const detail = data.planDetails.find((d) => d.BackupPlanId === p.BackupPlanId);
      const base = { resource: p.BackupPlanArn ?? `backup-plan ${p.BackupPlanId}`, resourceType: 'AWS::Backup::BackupPlan' };
      const rules = detail?.BackupPlan?.Rules ?? [];
      const last = toDate(p.LastExecutionDate);
      const ran = last ? `last ran ${day(last)}` : 'has never run';
      const selected = data.selections?.find((x) => x.backupPlanId === p.BackupPlanId)?.selections;
      const assigned = selected?.length ? `assigned by ${selected.length} backup selection(s) (${selected.map((x) => x.SelectionName).join(', ')})` : '';
      const ageHours = last ? (now - last.getTime()) / 3_600_000 : undefined;
      // A weekly or monthly plan is on schedule for its interval, not only for the daily allowance.
      const intervals = rules.map((r) => scheduleIntervalHours(r.ScheduleExpression)).filter((h): h is number => h !== undefined);
      const scheduleKnown = intervals.length === rules.filter((r) => r.ScheduleExpression).length;
      const allowedHours = maxAgeHours + Math.max(0, (intervals.length ? Math.min(...intervals) : 24) - 24);
      const created = toDate(p.CreationDate);
      const youngHours = created ? (now - created.getTime()) / 3_600_000 : undefined;
      let res: Pick<ResourceResult, 'status' | 'reason'>;
      if (!detail) res = { status: 'error', reason: `backup plan ${p.BackupPlanName}: GetBackupPlan is missing from the evidence` };
      else if (!rules.some((r) => r.ScheduleExpression)) res = { status: 'fail', reason: `backup plan ${p.BackupPlanName} has no scheduled rule, so it makes no backups by itself; ${ran}` };
      else if (!selected) res = { status: 'error', reason: `backup plan ${p.BackupPlanName}: ListBackupSelections is missing from the evidence, so what it backs up is not shown` };
      else if (!selected.length) res = { status: 'fail', reason: `backup plan ${p.BackupPlanName} has no backup selection, so it backs up no resource; ${ran}` };
      else if (!last && youngHours !== undefined && youngHours <= allowedHours && scheduleKnown)
        res = { status: 'needs-review', reason: `backup plan ${p.BackupPlanName} has not run yet: it was created ${day(created!)}, ${Math.floor(youngHours)} hours before collection, within its schedule (${allowedHours} hours allowed); its first backup is not yet shown: ${describeRules(detail, ctx.region)}; ${assigned}` };
      else if (!last) res = { status: 'fail', reason: `backup plan ${p.BackupPlanName} has never run: ${describeRules(detail, ctx.region)}; ${assigned}` };
      else if (ageHours! > allowedHours && !scheduleKnown)
        res = { status: 'needs-review', reason: `backup plan ${p.BackupPlanName} last ran ${day(last)}, ${Math.floor(ageHours!)} hours before collection, and its schedule could not be read to tell whether that is on time: ${describeRules(detail, ctx.region)}; ${assigned}` };
      else if (ageHours! > allowedHours) res = { status: 'fail', reason: `backup plan ${p.BackupPlanName} last ran ${day(last)}, ${Math.floor(ageHours!)} hours before collection, longer ago than its schedule allows (${allowedHours} hours: its most frequent rule's interval plus the ${maxAgeHours}-hour daily allowance): ${describeRules(detail, ctx.region)}; ${assigned}` };
      else res = { status: 'pass', reason: `backup plan ${p.BackupPlanName}: ${describeRules(detail, ctx.region)}; ${assigned}; ${ran}` };
      if (res.status !== 'error') {
        // Retention: a rule deleting its recovery points sooner than the minimum fails whatever else holds.
        const short = rules.filter((r) => (retentionDays(r.Lifecycle?.DeleteAfterDays) ?? Infinity) < minRetention);
        const byEvent = rules.filter((r) => r.Lifecycle?.DeleteAfterEvent);
        const copies = rules.some((r) => r.CopyActions?.length);
        const copyError = isCapturedError(data.failedCopyJobs) ? data.failedCopyJobs.error : undefined;
        const copyFails = (Array.isArray(data.failedCopyJobs) ? data.failedCopyJobs : []).filter((j) => j.CreatedBy?.BackupPlanId === p.BackupPlanId);
        if (short.length) {
          res = { status: 'fail', reason: `backup plan ${p.BackupPlanName} deletes the recovery points of rule(s) ${short.map((r) => `${r.RuleName} after ${r.Lifecycle!.DeleteAfterDays} day(s)`).join(', ')}, sooner than the ${minRetention}-day minimum retention (minimumBackupRetentionDays, an organisation choice); ${res.reason}` };
        } else if (res.status === 'pass' && byEvent.length) {
          res = { status: 'needs-review', reason: `${res.reason}; rule(s) ${byEvent.map((r) => r.RuleName).join(', ')} also delete recovery points at an event (${byEvent.map((r) => r.Lifecycle!.DeleteAfterEvent).join(', ')}), so how long they are kept is not shown` };
        } else if (res.status === 'pass' && copyFails.length) {
          const latest = copyFails[0];
          res = { status: 'needs-review', reason: `${res.reason}; but ${copyFails.length} copy job(s) of this plan failed ${window} (latest: ${latest.StatusMessage ?? latest.State}, ${latest.ResourceName ?? latest.ResourceArn ?? 'a resource'} to ${latest.DestinationBackupVaultArn ?? 'an unnamed vault'})` };
        } else if (res.status === 'pass' && copies && copyError) {
          res = { status: 'needs-review', reason: `${res.reason}; but the failed copy jobs could not be listed (ListCopyJobs: ${copyError.code}: ${copyError.message}), so whether its copies are failing is not shown` };
        } else if (res.status === 'pass' && copies && !data.failedCopyJobs) {
          res = { status: 'needs-review', reason: `${res.reason}; the evidence (sealed before this version) does not list failed copy jobs, so whether its copies are failing is not shown` };
        }
      }
      results.push({ ...base, ...res });
    }
    // Jobs that ended without a complete recovery point: FAILED, and PARTIAL, ABORTED or EXPIRED (evidence sealed before
    // this version lists FAILED only).
    const jobsBy = new Map<string, BackupJob[]>();
    for (const j of [...(Array.isArray(data.failedJobs) ? data.failedJobs : []), ...(data.incompleteJobs ?? [])]) jobsBy.set(j.ResourceArn ?? '', [...(jobsBy.get(j.ResourceArn ?? '') ?? []), j]);
    const created = (j: BackupJob) => toDate(j.CreationDate)?.getTime();
    const latestFirst = (jobs: BackupJob[]) => [...jobs].sort((a, b) => (created(b) ?? Infinity) - (created(a) ?? Infinity));
    const jobsText = (jobs: BackupJob[]) => {
      if (!jobs.length) return '';
      const states = [...new Set(jobs.map((j) => j.State ?? 'unknown state'))].join(', ');
      const latest = latestFirst(jobs)[0];
      return `; ${jobs.length} backup job(s) ended ${states} ${window} (latest: ${latest.State}${latest.StatusMessage ? `, ${latest.StatusMessage}` : ''})`;
    };
    for (const r of data.protectedResources) {
      const base = { resource: r.ResourceArn ?? '', resourceType: resourceTypeOf(r.ResourceType) };
      const label = `${r.ResourceType ?? 'resource'} ${r.ResourceName ?? r.ResourceArn}`;
      const last = toDate(r.LastBackupTime);
      const jobs = jobsBy.get(r.ResourceArn ?? '') ?? [];
      jobsBy.delete(r.ResourceArn ?? '');
      const text = jobsText(jobs);
      if (!last) {
        results.push({ ...base, status: 'fail', reason: `${label} has no backup recorded${text}` });
        continue;
      }
      const ageHours = (now - last.getTime()) / 3_600_000;
      const when = `latest recovery point ${day(last)} (${Math.floor(ageHours)} hours before collection) in ${r.LastBackupVaultArn?.split(':').pop() ?? 'an unnamed vault'}`;
      // A job bears on the latest recovery point unless the evidence shows that recovery point came after it from another job.
      const bears = jobs.filter((j) => {
        const t = created(j);
        if (t === undefined || t >= last.getTime()) return true; // a later attempt that did not complete
        if (j.State === 'FAILED') return false; // an earlier failure, followed by this recovery point
        if (j.RecoveryPointArn && r.LastRecoveryPointArn) return j.RecoveryPointArn === r.LastRecoveryPointArn;
        if (!j.RecoveryPointArn) return false; // it made no recovery point
        const ended = toDate(j.CompletionDate)?.getTime();
        return ended === undefined || ended >= last.getTime(); // its recovery point may be the latest one
      });
      if (ageHours > maxAgeHours) results.push({ ...base, status: 'fail', reason: `${label}: ${when}, older than ${maxAgeHours} hours${text}` });
      else if (bears.length) {
        const own = bears.find((j) => j.RecoveryPointArn && j.RecoveryPointArn === r.LastRecoveryPointArn);
        const later = bears.filter((j) => (created(j) ?? Infinity) >= last.getTime());
        const states = (jobs: BackupJob[]) => [...new Set(jobs.map((j) => j.State))].join(', ');
        const what = own
          ? `that recovery point was made by a job that ended ${own.State}, so it is not shown to be a complete backup`
          : later.length
            ? `a later backup job ended ${states(later)}`
            : `a backup job that ended ${states(bears)} may have made it, so it is not shown to be a complete backup`;
        results.push({ ...base, status: 'needs-review', reason: `${label}: ${when}, but ${what}${text}` });
      } else if (!data.incompleteJobs)
        results.push({ ...base, status: 'needs-review', reason: `${label}: ${when}; the evidence (sealed before this version) does not list partial, aborted or expired backup jobs, and ListProtectedResources lists a recovery point whatever its status, so whether it is complete is not shown${text}` });
      else if (unlisted.length)
        results.push({ ...base, status: 'needs-review', reason: `${label}: ${when}; but ListBackupJobs could not list the jobs that ended ${unlistedText}, so whether a later backup of it ended that way, or whether this recovery point is complete (ListProtectedResources lists a recovery point whatever its status), is not shown${text}` });
      else if (since && last.getTime() < since.getTime())
        results.push({ ...base, status: 'needs-review', reason: `${label}: ${when}, before the backup jobs listed ${window}, so whether the job that made it completed is not shown (ListProtectedResources lists a recovery point whatever its status; raise collect.lookbackHours)${text}` });
      else results.push({ ...base, status: 'pass', reason: `${label}: ${when}; no backup job for it ended failed, partial, aborted or expired after it ${window}${text}` });
    }
    // Jobs of resources with no recovery point at all: AWS Backup tried and never succeeded.
    for (const [arn, jobs] of jobsBy) {
      const latest = latestFirst(jobs)[0];
      results.push({ resource: arn, resourceType: resourceTypeOf(latest.ResourceType), status: 'fail', reason: `${latest.ResourceType ?? 'resource'} ${latest.ResourceName ?? arn} has no AWS Backup recovery point${jobsText(jobs)}` });
    }
    for (const v of data.vaults) {
      const d = data.vaultDetails?.find((x) => x.BackupVaultName === v.BackupVaultName) ?? v;
      const base = { resource: v.BackupVaultArn ?? v.BackupVaultName ?? '', resourceType: 'AWS::Backup::BackupVault' };
      const label = `backup vault ${v.BackupVaultName} (${d.NumberOfRecoveryPoints ?? 0} recovery points)`;
      const lockDate = toDate(d.LockDate);
      const range = `minimum retention ${d.MinRetentionDays ?? '(none)'} days`;
      if (!d.Locked) results.push({ ...base, status: 'needs-review', reason: `${label} has no vault lock: anyone allowed backup:DeleteRecoveryPoint can delete its backups before their retention ends` });
      else if (!lockDate) results.push({ ...base, status: 'needs-review', reason: `${label} is locked in governance mode (${range}): users with the right IAM permission can still remove the lock` });
      else if (lockDate.getTime() > now) results.push({ ...base, status: 'needs-review', reason: `${label} has a compliance-mode lock still in its grace time until ${day(lockDate)}: it can be removed until then (${range})` });
      else results.push({ ...base, status: 'pass', reason: `${label} is locked in compliance mode since ${day(lockDate)} (${range}): no one, including the root user, can delete recovery points early` });
    }
    return results;
  },
});
