import {
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  ListBackupJobsCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListCopyJobsCommand,
  ListProtectedResourcesCommand,
  ListRestoreJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreTestingPlansCommand,
  type BackupJob,
  type BackupPlan,
  type BackupSelectionsListMember,
  type BackupVaultListMember,
  type CopyJob,
  type ProtectedResource,
  type RecoveryPointByBackupVault,
  type RestoreJobsListMember,
  type RestoreTestingPlanForList,
} from '@aws-sdk/client-backup';
import { restJson1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedBackup } from '../worlds/seed-backup.js';

/** One backup plan as AWS Backup keeps it (GetBackupPlan's view; ListBackupPlans shows a summary). */
export interface SimBackupPlan {
  BackupPlanId: string;
  BackupPlanArn: string;
  VersionId: string;
  CreationDate: Date;
  LastExecutionDate?: Date;
  plan: BackupPlan;
  /** Its backup selections (ListBackupSelections): the resources it is assigned, by tag or ARN; none, and it backs up nothing. */
  selections?: BackupSelectionsListMember[];
}

/** AWS Backup in one account and region. */
export interface BackupState {
  plans: SimBackupPlan[];
  protectedResources: ProtectedResource[];
  jobs: BackupJob[];
  /** Copy jobs of this account and region (ListCopyJobs). */
  copyJobs: CopyJob[];
  vaults: BackupVaultListMember[];
  /** Recovery points stored in this account's vaults of the region (ListRecoveryPointsByBackupVault), each naming its vault. */
  recoveryPoints: RecoveryPointByBackupVault[];
  restoreTestingPlans: RestoreTestingPlanForList[];
  restoreJobs: RestoreJobsListMember[];
  /**
   * Vaults of this account shared with other accounts (through AWS RAM, as a logically air-gapped vault is), by vault
   * name: those accounts list them with ListBackupVaults ByShared and their recovery points with BackupVaultAccountId.
   */
  sharedWith?: Record<string, string[]>;
}

declare module '../world.js' {
  interface RegionalState {
    backup: BackupState;
  }
}

export function backupState(account: SimAccount, region: string): BackupState {
  return account.regional(region, 'backup', () => ({ plans: [], protectedResources: [], jobs: [], copyJobs: [], vaults: [], recoveryPoints: [], restoreTestingPlans: [], restoreJobs: [] }));
}

const state = (ctx: CallContext) => backupState(ctx.account, ctx.region);
const invalidParameter = (message: string) => new SimError('InvalidParameterValueException', message, 400, { Type: 'User', Code: 'ERROR_2603' });
const page = <T>(items: readonly T[], token: string | undefined, limit: number | undefined, scope: string) =>
  paginate(items, {
    token,
    limit,
    defaultLimit: 1000,
    maxLimit: 1000,
    scope,
    invalidToken: () => invalidParameter('The next token is not valid.'),
    invalidLimit: (n) => invalidParameter(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`),
  });
/** The vaults other accounts of the world share with the caller's account in its region, with their owner and state. */
function sharedVaults(ctx: CallContext): { owner: string; vault: BackupVaultListMember; state: BackupState }[] {
  const out: { owner: string; vault: BackupVaultListMember; state: BackupState }[] = [];
  for (const [accountId, account] of ctx.world.accounts) {
    const s = accountId === ctx.account.id ? undefined : account.regions.get(ctx.region)?.backup;
    if (!s?.sharedWith) continue;
    for (const v of s.vaults) if ((s.sharedWith[v.BackupVaultName ?? ''] ?? []).includes(ctx.account.id)) out.push({ owner: accountId, vault: v, state: s });
  }
  return out;
}
const after = (d: Date | undefined, since: Date | undefined) => !since || (d !== undefined && d.getTime() >= since.getTime());

export const backup: SimService = {
  name: 'backup',
  signingName: 'backup',
  protocol: restJson1,
  seed: (account, world) => seedBackup(account, world),
  operations: [
    operation(ListBackupPlansCommand, (input, ctx) => {
      const list = state(ctx).plans.map((p) => ({
        BackupPlanArn: p.BackupPlanArn,
        BackupPlanId: p.BackupPlanId,
        BackupPlanName: p.plan.BackupPlanName,
        VersionId: p.VersionId,
        CreationDate: p.CreationDate,
        LastExecutionDate: p.LastExecutionDate,
      }));
      const { page: items, nextToken } = page(list, input.NextToken, input.MaxResults, 'ListBackupPlans');
      return { BackupPlansList: items, NextToken: nextToken };
    }),

    operation(GetBackupPlanCommand, (input, ctx) => {
      const p = state(ctx).plans.find((x) => x.BackupPlanId === input.BackupPlanId);
      if (!p || (input.VersionId && input.VersionId !== p.VersionId)) {
        throw new SimError('ResourceNotFoundException', `Failed reading backup plan with ID ${input.BackupPlanId}`, 400, { Type: 'User', Code: 'ERROR_3521' });
      }
      return { BackupPlan: p.plan, BackupPlanId: p.BackupPlanId, BackupPlanArn: p.BackupPlanArn, VersionId: p.VersionId, CreationDate: p.CreationDate, LastExecutionDate: p.LastExecutionDate };
    }),

    operation(ListBackupSelectionsCommand, (input, ctx) => {
      const p = state(ctx).plans.find((x) => x.BackupPlanId === input.BackupPlanId);
      if (!p) throw new SimError('ResourceNotFoundException', `Failed reading backup plan with ID ${input.BackupPlanId}`, 400, { Type: 'User', Code: 'ERROR_3521' });
      const { page: items, nextToken } = page(p.selections ?? [], input.NextToken, input.MaxResults, `ListBackupSelections/${p.BackupPlanId}`);
      return { BackupSelectionsList: items, NextToken: nextToken };
    }),

    operation(ListProtectedResourcesCommand, (input, ctx) => {
      const { page: items, nextToken } = page(state(ctx).protectedResources, input.NextToken, input.MaxResults, 'ListProtectedResources');
      return { Results: items, NextToken: nextToken };
    }),

    operation(ListBackupJobsCommand, (input, ctx) => {
      const jobs = state(ctx).jobs.filter(
        (j) =>
          (!input.ByState || j.State === input.ByState) &&
          (!input.ByResourceArn || j.ResourceArn === input.ByResourceArn) &&
          (!input.ByBackupVaultName || j.BackupVaultName === input.ByBackupVaultName) &&
          (!input.ByResourceType || j.ResourceType === input.ByResourceType) &&
          after(j.CreationDate, input.ByCreatedAfter) &&
          (!input.ByCreatedBefore || (j.CreationDate !== undefined && j.CreationDate.getTime() <= input.ByCreatedBefore.getTime())),
      );
      const scope = `ListBackupJobs/${JSON.stringify([input.ByState, input.ByResourceArn, input.ByBackupVaultName, input.ByResourceType, input.ByCreatedAfter, input.ByCreatedBefore])}`;
      const { page: items, nextToken } = page(jobs, input.NextToken, input.MaxResults, scope);
      return { BackupJobs: items, NextToken: nextToken };
    }),

    operation(ListCopyJobsCommand, (input, ctx) => {
      const jobs = state(ctx).copyJobs.filter(
        (j) =>
          (!input.ByState || j.State === input.ByState) &&
          (!input.ByResourceArn || j.ResourceArn === input.ByResourceArn) &&
          (!input.ByResourceType || j.ResourceType === input.ByResourceType) &&
          (!input.ByDestinationVaultArn || j.DestinationBackupVaultArn === input.ByDestinationVaultArn) &&
          after(j.CreationDate, input.ByCreatedAfter) &&
          (!input.ByCreatedBefore || (j.CreationDate !== undefined && j.CreationDate.getTime() <= input.ByCreatedBefore.getTime())),
      );
      const scope = `ListCopyJobs/${JSON.stringify([input.ByState, input.ByResourceArn, input.ByResourceType, input.ByDestinationVaultArn, input.ByCreatedAfter, input.ByCreatedBefore])}`;
      const { page: items, nextToken } = page(jobs, input.NextToken, input.MaxResults, scope);
      return { CopyJobs: items, NextToken: nextToken };
    }),

    // Without ByShared: this account's vaults of every type; ByShared: the vaults other accounts share with it. ByVaultType narrows either.
    operation(ListBackupVaultsCommand, (input, ctx) => {
      const listed = input.ByShared ? sharedVaults(ctx).map((x) => x.vault) : state(ctx).vaults;
      const vaults = listed.filter((v) => !input.ByVaultType || v.VaultType === input.ByVaultType);
      const { page: items, nextToken } = page(vaults, input.NextToken, input.MaxResults, `ListBackupVaults/${input.ByVaultType ?? ''}/${input.ByShared ?? ''}`);
      return { BackupVaultList: items, NextToken: nextToken };
    }),

    operation(DescribeBackupVaultCommand, (input, ctx) => {
      const v = state(ctx).vaults.find((x) => x.BackupVaultName === input.BackupVaultName);
      if (!v) throw new SimError('ResourceNotFoundException', `Backup vault ${input.BackupVaultName ?? ''} does not exist.`, 400, { Type: 'User', Code: 'ERROR_2106' });
      return { ...v, AccountId: input.BackupVaultAccountId };
    }),

    // As documented: the vault must exist (ResourceNotFoundException otherwise); each By... parameter narrows the listing.
    operation(ListRecoveryPointsByBackupVaultCommand, (input, ctx) => {
      const name = input.BackupVaultName;
      // A vault of another account is read with its BackupVaultAccountId, when that account shares it with this one.
      const other = input.BackupVaultAccountId && input.BackupVaultAccountId !== ctx.account.id ? sharedVaults(ctx).find((x) => x.owner === input.BackupVaultAccountId && x.vault.BackupVaultName === name) : undefined;
      const s = other ? other.state : state(ctx);
      const found = input.BackupVaultAccountId && input.BackupVaultAccountId !== ctx.account.id ? !!other : s.vaults.some((v) => v.BackupVaultName === name);
      if (!found) throw new SimError('ResourceNotFoundException', `Backup vault ${name ?? ''} does not exist.`, 400, { Type: 'User', Code: 'ERROR_2106' });
      const points = s.recoveryPoints.filter(
        (p) =>
          p.BackupVaultName === name &&
          (!input.ByResourceArn || p.ResourceArn === input.ByResourceArn) &&
          (!input.ByResourceType || p.ResourceType === input.ByResourceType) &&
          (!input.ByBackupPlanId || p.CreatedBy?.BackupPlanId === input.ByBackupPlanId) &&
          (!input.ByParentRecoveryPointArn || p.ParentRecoveryPointArn === input.ByParentRecoveryPointArn) &&
          after(p.CreationDate, input.ByCreatedAfter) &&
          (!input.ByCreatedBefore || (p.CreationDate !== undefined && p.CreationDate.getTime() <= input.ByCreatedBefore.getTime())),
      );
      const scope = `ListRecoveryPointsByBackupVault/${JSON.stringify([name, input.BackupVaultAccountId, input.ByResourceArn, input.ByResourceType, input.ByBackupPlanId, input.ByParentRecoveryPointArn, input.ByCreatedAfter, input.ByCreatedBefore])}`;
      const { page: items, nextToken } = page(points, input.NextToken, input.MaxResults, scope);
      return { RecoveryPoints: items, NextToken: nextToken };
    }),

    operation(ListRestoreTestingPlansCommand, (input, ctx) => {
      const { page: items, nextToken } = page(state(ctx).restoreTestingPlans, input.NextToken, input.MaxResults, 'ListRestoreTestingPlans');
      return { RestoreTestingPlans: items, NextToken: nextToken };
    }),

    operation(ListRestoreJobsCommand, (input, ctx) => {
      const jobs = state(ctx).restoreJobs.filter(
        (j) =>
          (!input.ByStatus || j.Status === input.ByStatus) &&
          (!input.ByResourceType || j.ResourceType === input.ByResourceType) &&
          (!input.ByRestoreTestingPlanArn || j.CreatedBy?.RestoreTestingPlanArn === input.ByRestoreTestingPlanArn) &&
          after(j.CreationDate, input.ByCreatedAfter),
      );
      const scope = `ListRestoreJobs/${JSON.stringify([input.ByStatus, input.ByResourceType, input.ByRestoreTestingPlanArn, input.ByCreatedAfter])}`;
      const { page: items, nextToken } = page(jobs, input.NextToken, input.MaxResults, scope);
      return { RestoreJobs: items, NextToken: nextToken };
    }),
  ],
};
