import type {
  BackupJob,
  BackupPlansListMember,
  BackupSelectionsListMember,
  BackupVaultListMember,
  DescribeBackupVaultOutput,
  GetBackupPlanOutput,
  ProtectedResource,
} from '@aws-sdk/client-backup';
import { loadBackupSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';

export interface BackupPlansEvidence {
  /** ListBackupPlans and GetBackupPlan of each plan. */
  plans: BackupPlansListMember[];
  planDetails: GetBackupPlanOutput[];
  /** ListBackupSelections (all pages) of each plan: what it is assigned to back up. */
  selections?: { backupPlanId: string; selections: BackupSelectionsListMember[] }[];
  /** ListProtectedResources: every resource with at least one recovery point, and its latest backup. */
  protectedResources: ProtectedResource[];
  /** ListBackupJobs in state FAILED created since `failedJobsSince`. */
  failedJobsSince: string;
  failedJobs: BackupJob[];
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

/**
 * Hours between a rule's scheduled runs, from its ScheduleExpression (`rate(12 hours)`, `cron(0 5 ? * * *)`,
 * `cron(0 5 ? * SUN *)`, `cron(0 5 1 * ? *)`), or undefined when it cannot be read. A run at most this long ago,
 * plus the daily allowance, is on schedule.
 */
export function scheduleIntervalHours(expression: string | undefined): number | undefined {
  if (!expression) return undefined;
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/i.exec(expression.trim());
  if (rate) return Number(rate[1]) * (/^minute/i.test(rate[2]) ? 1 / 60 : /^hour/i.test(rate[2]) ? 1 : 24);
  const cron = /^cron\((.+)\)$/i.exec(expression.trim());
  if (!cron) return undefined;
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = cron[1].trim().split(/\s+/);
  if (month === undefined || dayOfWeek === undefined) return undefined;
  const every = (f: string) => f === '*' || f === '?';
  if (minutes === undefined || hours === undefined) return undefined;
  if (!every(month)) return undefined; // only some months: read the schedule itself
  if (!every(dayOfMonth)) {
    const days = fieldValues(dayOfMonth, 1, 31, {});
    return days ? 24 * longestGap(days, 31) : undefined;
  }
  if (!every(dayOfWeek)) {
    const days = fieldValues(dayOfWeek, 1, 7, { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 });
    return days ? 24 * longestGap(days, 7) : undefined;
  }
  return 24; // every day, once or more
}

/** The values a cron field lists (`5`, `1,15`, `MON-FRI`, `2-6`), or undefined for forms not read here (`L`, `W`, `#`, `/`). */
function fieldValues(field: string, min: number, max: number, names: Record<string, number>): number[] | undefined {
  const value = (x: string) => (x.toUpperCase() in names ? names[x.toUpperCase()] : /^\d+$/.test(x) ? Number(x) : NaN);
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [a, b] = part.split('-');
    const from = value(a);
    const to = b === undefined ? from : value(b);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v++) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

/** The longest gap, in days, between consecutive values of a cycle of `length` days (wrapping around). */
function longestGap(values: number[], length: number): number {
  return Math.max(...values.map((v, i) => (i + 1 < values.length ? values[i + 1] - v : length - v + values[0])));
}

function describeRules(plan: GetBackupPlanOutput, region: string): string {
  const rules = plan.BackupPlan?.Rules ?? [];
  return rules
    .map((r) => {
      const keep = r.Lifecycle?.DeleteAfterDays ? `kept ${r.Lifecycle.DeleteAfterDays} days` : 'kept until deleted';
      const copies = (r.CopyActions ?? []).map((c) => c.DestinationBackupVaultArn?.split(':')[3]).filter((x): x is string => !!x);
      const elsewhere = copies.filter((x) => x !== region);
      return `rule ${r.RuleName} (${r.ScheduleExpression ?? 'no schedule'}, vault ${r.TargetBackupVaultName}, ${keep}, ${elsewhere.length ? `copied to ${[...new Set(elsewhere)].join(', ')}` : 'no copy to another region'})`;
    })
    .join('; ');
}

export const backupPlans = defineQuery<BackupPlansEvidence>({
  id: 'backup.plans',
  service: 'backup',
  title: 'AWS Backup plans run, protected resources have a recent backup, and backup vaults are locked',
  description:
    'AWS Backup in the region: each backup plan and its rules (schedule, retention, copies to other regions); each protected resource and when its latest backup completed, with backup jobs that failed since the lookback start; each backup vault and its vault lock (compliance mode once the lock date has passed, otherwise removable). It shows that copies exist and when they were made, not that they can be restored or that every store holding regulated data is in a plan; resources never backed up by AWS Backup do not appear.',
  remediation:
    'Assign every store holding regulated data to an AWS Backup plan (a backup selection by tag or ARN) with a schedule and retention from the contingency plan, add a copy rule to another region for disaster recovery, investigate failed jobs (the job status message names the cause), and lock the vaults in compliance mode with a minimum retention.',
  scope: 'regional',
  apiCalls: ['backup:ListBackupPlans', 'backup:GetBackupPlan', 'backup:ListBackupSelections', 'backup:ListProtectedResources', 'backup:ListBackupJobs', 'backup:ListBackupVaults', 'backup:DescribeBackupVault'],
  parameters: {
    maxBackupAgeHours: {
      description:
        'Organisation choice, not set by HIPAA or PCI DSS: a protected resource whose latest backup completed longer ago than this many hours fails, and so does a backup plan that last ran longer ago (default 36: a daily plan with its start and completion windows).',
      default: 36,
    },
    lookbackHours: { description: 'How many hours before collection to list failed backup jobs.', default: 24, collectSetting: 'lookbackHours' },
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
    const since = new Date(ctx.now.getTime() - Number(ctx.params.lookbackHours ?? 24) * 3_600_000);
    const failedJobs: BackupJob[] = [];
    for await (const page of sdk.paginateListBackupJobs({ client, pageSize: 1000 }, { ByState: 'FAILED', ByCreatedAfter: since })) {
      ctx.signal?.throwIfAborted();
      failedJobs.push(...(page.BackupJobs ?? []));
    }
    const vaults: BackupVaultListMember[] = [];
    for await (const page of sdk.paginateListBackupVaults({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      vaults.push(...(page.BackupVaultList ?? []));
    }
    const vaultDetails: DescribeBackupVaultOutput[] = [];
    for (const v of vaults) vaultDetails.push(stripMetadata(await client.send(new sdk.DescribeBackupVaultCommand({ BackupVaultName: v.BackupVaultName }))));
    return { plans, planDetails, selections, protectedResources, failedJobsSince: since.toISOString(), failedJobs, vaults, vaultDetails };
  },
  evaluate(data, params, ctx) {
    if (!data?.plans || !data.planDetails || !data.protectedResources || !data.failedJobs || !data.vaults) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListBackupPlans, GetBackupPlan, ListProtectedResources, ListBackupJobs or ListBackupVaults responses' }];
    }
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const maxAgeHours = Number(params.maxBackupAgeHours ?? 36);
    const results: ResourceResult[] = [];
    if (!data.plans.length && !data.protectedResources.length) {
      results.push({
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'needs-review',
        reason: `no AWS Backup plan and no resource backed up by AWS Backup in ${ctx.region}: backups of this region's stores, if any, are made by other means (RDS automated backups are judged by rds.backup-retention)`,
      });
    }
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
      if (!detail) results.push({ ...base, status: 'error', reason: `backup plan ${p.BackupPlanName}: GetBackupPlan is missing from the evidence` });
      else if (!rules.some((r) => r.ScheduleExpression)) results.push({ ...base, status: 'fail', reason: `backup plan ${p.BackupPlanName} has no scheduled rule, so it makes no backups by itself; ${ran}` });
      else if (!selected) results.push({ ...base, status: 'error', reason: `backup plan ${p.BackupPlanName}: ListBackupSelections is missing from the evidence, so what it backs up is not shown` });
      else if (!selected.length) results.push({ ...base, status: 'fail', reason: `backup plan ${p.BackupPlanName} has no backup selection, so it backs up no resource; ${ran}` });
      else if (!last && youngHours !== undefined && youngHours <= allowedHours && scheduleKnown)
        results.push({ ...base, status: 'needs-review', reason: `backup plan ${p.BackupPlanName} has not run yet: it was created ${day(created!)}, ${Math.floor(youngHours)} hours before collection, within its schedule (${allowedHours} hours allowed); its first backup is not yet shown: ${describeRules(detail, ctx.region)}; ${assigned}` });
      else if (!last) results.push({ ...base, status: 'fail', reason: `backup plan ${p.BackupPlanName} has never run: ${describeRules(detail, ctx.region)}; ${assigned}` });
      else if (ageHours! > allowedHours && !scheduleKnown)
        results.push({ ...base, status: 'needs-review', reason: `backup plan ${p.BackupPlanName} last ran ${day(last)}, ${Math.floor(ageHours!)} hours before collection, and its schedule could not be read to tell whether that is on time: ${describeRules(detail, ctx.region)}; ${assigned}` });
      else if (ageHours! > allowedHours) results.push({ ...base, status: 'fail', reason: `backup plan ${p.BackupPlanName} last ran ${day(last)}, ${Math.floor(ageHours!)} hours before collection, longer ago than its schedule allows (${allowedHours} hours: its most frequent rule's interval plus the ${maxAgeHours}-hour daily allowance): ${describeRules(detail, ctx.region)}; ${assigned}` });
      else results.push({ ...base, status: 'pass', reason: `backup plan ${p.BackupPlanName}: ${describeRules(detail, ctx.region)}; ${assigned}; ${ran}` });
    }
    const failedBy = new Map<string, BackupJob[]>();
    for (const j of data.failedJobs) failedBy.set(j.ResourceArn ?? '', [...(failedBy.get(j.ResourceArn ?? '') ?? []), j]);
    const since = toDate(data.failedJobsSince);
    const window = since ? `since ${day(since)}` : 'in the lookback window';
    for (const r of data.protectedResources) {
      const base = { resource: r.ResourceArn ?? '', resourceType: resourceTypeOf(r.ResourceType) };
      const label = `${r.ResourceType ?? 'resource'} ${r.ResourceName ?? r.ResourceArn}`;
      const last = toDate(r.LastBackupTime);
      const fails = failedBy.get(r.ResourceArn ?? '') ?? [];
      failedBy.delete(r.ResourceArn ?? '');
      const failText = fails.length ? `; ${fails.length} backup job(s) failed ${window} (latest: ${fails[0].StatusMessage ?? fails[0].State})` : '';
      if (!last) {
        results.push({ ...base, status: 'fail', reason: `${label} has no completed backup recorded${failText}` });
        continue;
      }
      const ageHours = (now - last.getTime()) / 3_600_000;
      const when = `latest backup ${day(last)} (${Math.floor(ageHours)} hours before collection) in ${r.LastBackupVaultArn?.split(':').pop() ?? 'an unnamed vault'}`;
      if (ageHours > maxAgeHours) results.push({ ...base, status: 'fail', reason: `${label}: ${when}, older than ${maxAgeHours} hours${failText}` });
      else if (fails.some((j) => (toDate(j.CreationDate)?.getTime() ?? 0) > last.getTime())) results.push({ ...base, status: 'needs-review', reason: `${label}: ${when}, but a later job failed${failText}` });
      else results.push({ ...base, status: 'pass', reason: `${label}: ${when}${failText}` });
    }
    // Failed jobs of resources with no recovery point at all: AWS Backup tried and never succeeded.
    for (const [arn, fails] of failedBy) {
      results.push({ resource: arn, resourceType: resourceTypeOf(fails[0].ResourceType), status: 'fail', reason: `${fails[0].ResourceType ?? 'resource'} ${fails[0].ResourceName ?? arn} has no completed AWS Backup recovery point; ${fails.length} job(s) failed ${window} (latest: ${fails[0].StatusMessage ?? fails[0].State})` });
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
