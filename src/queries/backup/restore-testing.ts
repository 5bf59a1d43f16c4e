import type { ProtectedResource, RestoreJobsListMember, RestoreTestingPlanForList } from '@aws-sdk/client-backup';
import { loadBackupSdk } from '../../aws/sdk.js';
import { defineQuery, toDate } from '../types.js';

export interface RestoreTestingEvidence {
  /** ListRestoreTestingPlans. */
  restoreTestingPlans: RestoreTestingPlanForList[];
  /** ListRestoreJobs created since `restoreJobsSince` (any status). */
  restoreJobsSince: string;
  restoreJobs: RestoreJobsListMember[];
  /** ListProtectedResources: whether there is anything AWS Backup could restore here. */
  protectedResources: ProtectedResource[];
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export const restoreTesting = defineQuery<RestoreTestingEvidence>({
  id: 'backup.restore-testing',
  service: 'backup',
  title: 'Backups made by AWS Backup were restored in the lookback period',
  description:
    'AWS Backup restore testing plans and the restore jobs of the lookback period (default 35 days) in the region: whether a restore from an AWS Backup recovery point completed, and whether restore testing validated it (only a restore validated SUCCESSFUL passes; completed restores none of which was validated need review). It shows that restores ran and completed, not that the contingency plan was tested, that restored data was checked for completeness, or that restores within the recovery time objective are possible for every store.',
  remediation:
    'Create an AWS Backup restore testing plan (monthly or more often) with selections covering the stores that hold regulated data, add validation (a Lambda function reporting ValidationStatus), and keep the test results with the contingency plan records.',
  scope: 'regional',
  apiCalls: ['backup:ListRestoreTestingPlans', 'backup:ListRestoreJobs', 'backup:ListProtectedResources'],
  parameters: {
    lookbackDays: { description: 'Organisation choice, not set by HIPAA or PCI DSS: how many days before collection a completed restore counts as recent (default 35: monthly tests with slack). Also judged at evaluation: a lookback reaching before the restore jobs the evidence lists needs review (older restores are not in it), and the catalogs mark it an organisation baseline (parameterBasis), so a failure resting on it alone needs review.', default: 35, looser: 'higher' },
  },
  async collect(ctx) {
    const sdk = await loadBackupSdk();
    const client = ctx.clients.get(sdk.BackupClient);
    const restoreTestingPlans: RestoreTestingPlanForList[] = [];
    for await (const page of sdk.paginateListRestoreTestingPlans({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      restoreTestingPlans.push(...(page.RestoreTestingPlans ?? []));
    }
    const since = new Date(ctx.now.getTime() - Number(ctx.params.lookbackDays ?? 35) * 86_400_000);
    const restoreJobs: RestoreJobsListMember[] = [];
    for await (const page of sdk.paginateListRestoreJobs({ client, pageSize: 1000 }, { ByCreatedAfter: since })) {
      ctx.signal?.throwIfAborted();
      restoreJobs.push(...(page.RestoreJobs ?? []));
    }
    const protectedResources: ProtectedResource[] = [];
    for await (const page of sdk.paginateListProtectedResources({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      protectedResources.push(...(page.Results ?? []));
    }
    return { restoreTestingPlans, restoreJobsSince: since.toISOString(), restoreJobs, protectedResources };
  },
  evaluate(data, params, ctx) {
    const base = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data?.restoreTestingPlans || !data.restoreJobs || !data.protectedResources) {
      return [{ ...base, status: 'error', reason: 'the evidence lacks the ListRestoreTestingPlans, ListRestoreJobs or ListProtectedResources responses' }];
    }
    // The lookback is judged here too (not only at collection), so the engine can put it aside where the rule sets no
    // test frequency (parameterBasis): restores older than the jobs the evidence lists are not in it, never assumed.
    const lookback = Number(params.lookbackDays ?? 35);
    const listedSince = toDate(data.restoreJobsSince);
    const collected = toDate(ctx.collectedAt);
    const wanted = collected ? new Date(collected.getTime() - lookback * 86_400_000) : undefined;
    // A day's slack: collection time and the recorded collectedAt differ by the run's duration.
    const covered = !wanted || !listedSince || wanted.getTime() >= listedSince.getTime() - 86_400_000;
    const since = wanted && listedSince ? (wanted > listedSince ? wanted : listedSince) : (listedSince ?? wanted);
    const window = since ? `since ${day(since)} (lookbackDays = ${lookback})` : 'in the lookback period';
    const inWindow = (j: RestoreJobsListMember) => !since || !toDate(j.CreationDate) || toDate(j.CreationDate)! >= since;
    data = { ...data, restoreJobs: data.restoreJobs.filter(inWindow) };
    const plans = data.restoreTestingPlans.map((p) => `${p.RestoreTestingPlanName} (${p.ScheduleExpression ?? 'no schedule'}, last run ${toDate(p.LastExecutionTime) ? day(toDate(p.LastExecutionTime)!) : 'never'})`);
    const planText = plans.length ? `restore testing plan(s) ${plans.join(', ')}` : 'no restore testing plan';
    if (!data.protectedResources.length && !data.restoreTestingPlans.length && !data.restoreJobs.length) {
      return [
        {
          ...base,
          status: 'not-applicable',
          reason: 'mechanism absent: no resource is backed up by AWS Backup in this region, so there is nothing for it to restore; the entity may back up and test restores by another means (native snapshots, other backup tools), which this check does not read',
          mechanismAbsent: 'AWS Backup',
        },
      ];
    }
    const done = data.restoreJobs.filter((j) => j.Status === 'COMPLETED');
    const failed = data.restoreJobs.filter((j) => j.Status === 'FAILED' || j.Status === 'ABORTED');
    const validated = done.filter((j) => j.ValidationStatus === 'SUCCESSFUL');
    const badValidation = done.filter((j) => j.ValidationStatus === 'FAILED' || j.ValidationStatus === 'TIMED_OUT');
    const failText = failed.length ? `; ${failed.length} restore job(s) failed or were aborted (latest: ${failed[0].StatusMessage ?? failed[0].Status})` : '';
    if (!done.length) {
      // No restore testing plan and no restore job at all: AWS Backup is not how restores are tested here (as far as this
      // evidence shows), which is not evidence that they are not tested.
      if (!data.restoreTestingPlans.length && !data.restoreJobs.length) {
        return [
          {
            ...base,
            status: 'needs-review',
            reason: `mechanism absent: AWS Backup protects ${data.protectedResources.length} resource(s) here, but no restore testing plan exists and no restore job was started ${window}, so restores are not tested through AWS Backup; the entity may test restores by another means (native snapshots, other backup tools), which this check does not read`,
          },
        ];
      }
      if (!covered) {
        return [
          {
            ...base,
            status: 'needs-review',
            reason: `no restore from an AWS Backup recovery point completed ${window}; the evidence lists restore jobs only since then, so whether one completed in the ${lookback} days before collection is not in it; ${planText}${failText}`,
          },
        ];
      }
      return [{ ...base, status: 'fail', reason: `no restore from an AWS Backup recovery point completed ${window}; ${planText}${failText}` }];
    }
    const kinds = [...new Set(done.map((j) => j.ResourceType ?? 'unknown type'))].join(', ');
    const summary = `${done.length} restore job(s) completed ${window} (${kinds}; ${done.filter((j) => j.CreatedBy?.RestoreTestingPlanArn).length} started by restore testing), ${validated.length} validated; ${planText}${failText}`;
    if (badValidation.length) return [{ ...base, status: 'fail', reason: `${badValidation.length} restored resource(s) failed validation: ${summary}` }];
    // A completed restore shows that data came back, not that it was usable: only a validated one passes.
    if (!validated.length) return [{ ...base, status: 'needs-review', reason: `restores completed but none was validated (no ValidationStatus SUCCESSFUL): ${summary}` }];
    return [{ ...base, status: failed.length ? 'needs-review' : 'pass', reason: summary }];
  },
});
