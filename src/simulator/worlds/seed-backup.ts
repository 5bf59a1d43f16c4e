/** AWS Backup state of the demo account and generated accounts: vaults, plans, protected resources, jobs, restores. */
import type { BackupJob, BackupVaultListMember, RestoreJobsListMember } from '@aws-sdk/client-backup';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { backupState, type SimBackupPlan } from '../services/backup.js';
import { kmsKeyArn, stableHex } from './builders.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const uuid = (seed: string) => `${stableHex(seed, 8)}-${stableHex(`${seed}/a`, 4)}-4${stableHex(`${seed}/b`, 3)}-8${stableHex(`${seed}/c`, 3)}-${stableHex(`${seed}/d`, 12)}`;

function vault(account: SimAccount, region: string, name: string, now: Date, lock?: { minDays: number; lockedDaysAgo?: number }): BackupVaultListMember {
  return {
    BackupVaultName: name,
    BackupVaultArn: `arn:aws:backup:${region}:${account.id}:backup-vault:${name}`,
    VaultType: 'BACKUP_VAULT',
    VaultState: 'AVAILABLE',
    CreationDate: new Date(now.getTime() - 700 * DAY),
    EncryptionKeyArn: kmsKeyArn(account, region, 'backup'),
    CreatorRequestId: uuid(`${account.id}/${region}/${name}/request`),
    NumberOfRecoveryPoints: lock ? 140 : 12,
    Locked: !!lock,
    ...(lock ? { MinRetentionDays: lock.minDays, MaxRetentionDays: 400 } : {}),
    // A LockDate in the past: the compliance-mode lock can no longer be removed; none: governance mode.
    ...(lock?.lockedDaysAgo !== undefined ? { LockDate: new Date(now.getTime() - lock.lockedDaysAgo * DAY) } : {}),
  };
}

function plan(account: SimAccount, region: string, name: string, now: Date, targetVault: string, copyTo?: string): SimBackupPlan {
  const id = uuid(`${account.id}/${region}/plan/${name}`);
  return {
    BackupPlanId: id,
    BackupPlanArn: `arn:aws:backup:${region}:${account.id}:backup-plan:${id}`,
    VersionId: stableHex(`${id}/version`, 32),
    CreationDate: new Date(now.getTime() - 500 * DAY),
    LastExecutionDate: new Date(now.getTime() - 10 * HOUR),
    selections: [
      {
        SelectionId: uuid(`${id}/selection`),
        SelectionName: 'tagged-backup',
        BackupPlanId: id,
        CreationDate: new Date(now.getTime() - 500 * DAY),
        IamRoleArn: `arn:aws:iam::${account.id}:role/service-role/AWSBackupDefaultServiceRole`,
      },
    ],
    plan: {
      BackupPlanName: name,
      Rules: [
        {
          RuleName: 'daily',
          RuleId: uuid(`${id}/rule`),
          TargetBackupVaultName: targetVault,
          ScheduleExpression: 'cron(0 5 ? * * *)',
          ScheduleExpressionTimezone: 'Etc/UTC',
          StartWindowMinutes: 60,
          CompletionWindowMinutes: 480,
          Lifecycle: { DeleteAfterDays: 35 },
          ...(copyTo ? { CopyActions: [{ DestinationBackupVaultArn: copyTo, Lifecycle: { DeleteAfterDays: 35 } }] } : {}),
        },
      ],
    },
  };
}

function failedJob(account: SimAccount, region: string, resourceArn: string, vaultName: string, at: Date, planId: string): BackupJob {
  return {
    AccountId: account.id,
    BackupJobId: uuid(`${resourceArn}/${at.toISOString()}`),
    BackupVaultName: vaultName,
    BackupVaultArn: `arn:aws:backup:${region}:${account.id}:backup-vault:${vaultName}`,
    ResourceArn: resourceArn,
    CreationDate: at,
    CompletionDate: new Date(at.getTime() + HOUR),
    State: 'FAILED',
    StatusMessage: 'The DB instance is not in a state that allows snapshots (storage-full).',
    PercentDone: '0.0',
    IamRoleArn: `arn:aws:iam::${account.id}:role/service-role/AWSBackupDefaultServiceRole`,
    CreatedBy: { BackupPlanId: planId, BackupPlanArn: `arn:aws:backup:${region}:${account.id}:backup-plan:${planId}`, BackupRuleId: uuid(`${planId}/rule`) },
    ResourceType: 'RDS',
    ResourceName: resourceArn.split(':').pop(),
  };
}

/**
 * Demo home region: a daily plan copying to the second region; the orders database backed up 10 hours ago into a
 * compliance-locked vault; the legacy reporting database last backed up 9 days ago, its jobs failing since; an
 * unlocked Default vault; a monthly restore test whose last restore (20 days ago) succeeded. Demo second region: the
 * copies' vault, locked in governance mode only, and a daily plan for the archive file system, never restored from.
 * Generated accounts: a locked vault and a plan.
 */
export function seedBackup(account: SimAccount, world: WorldSeedContext): void {
  const [home, second] = world.regions;
  if (!home) return;
  const s = backupState(account, home);
  const ago = (ms: number) => new Date(world.now.getTime() - ms);
  if (world.kind !== 'demo') {
    s.vaults.push(vault(account, home, 'Default', world.now, { minDays: 7, lockedDaysAgo: 200 }));
    s.plans.push(plan(account, home, 'daily-35d', world.now, 'Default'));
    return;
  }
  const copyVault = second ? `arn:aws:backup:${second}:${account.id}:backup-vault:dr-copies` : undefined;
  s.vaults.push(vault(account, home, 'Default', world.now), vault(account, home, 'payments-vault', world.now, { minDays: 35, lockedDaysAgo: 300 }));
  const daily = plan(account, home, 'daily-35d', world.now, 'payments-vault', copyVault);
  s.plans.push(daily);
  const db = (id: string) => `arn:aws:rds:${home}:${account.id}:db:${id}`;
  const vaultArn = `arn:aws:backup:${home}:${account.id}:backup-vault:payments-vault`;
  s.protectedResources.push(
    { ResourceArn: db('orders-db'), ResourceType: 'RDS', ResourceName: 'orders-db', LastBackupTime: ago(10 * HOUR), LastBackupVaultArn: vaultArn, LastRecoveryPointArn: `arn:aws:rds:${home}:${account.id}:snapshot:awsbackup:job-${stableHex('orders-db/rp', 12)}` },
    { ResourceArn: db('legacy-reporting'), ResourceType: 'RDS', ResourceName: 'legacy-reporting', LastBackupTime: ago(9 * DAY + 19 * HOUR), LastBackupVaultArn: vaultArn, LastRecoveryPointArn: `arn:aws:rds:${home}:${account.id}:snapshot:awsbackup:job-${stableHex('legacy/rp', 12)}` },
  );
  // The Aurora clusters (seed-rds.ts), backed up by the same plan: AWS Backup keeps their recovery points as DB
  // cluster snapshots, encrypted as their cluster is: the claims history's is not.
  const cluster = (id: string) => `arn:aws:rds:${home}:${account.id}:cluster:${id}`;
  for (const [id, encrypted] of [
    ['payments-ledger', true],
    ['claims-history', false],
  ] as const) {
    const recoveryPointArn = `arn:aws:rds:${home}:${account.id}:cluster-snapshot:awsbackup:job-${stableHex(`${account.id}/${home}/backup-job/${id}`, 8)}-${stableHex(`${id}/rp`, 4)}`;
    s.protectedResources.push({ ResourceArn: cluster(id), ResourceType: 'Aurora', ResourceName: id, LastBackupTime: ago(10 * HOUR), LastBackupVaultArn: vaultArn, LastRecoveryPointArn: recoveryPointArn });
    s.recoveryPoints.push({
      RecoveryPointArn: recoveryPointArn,
      BackupVaultName: 'payments-vault',
      BackupVaultArn: vaultArn,
      ResourceArn: cluster(id),
      ResourceType: 'Aurora',
      ResourceName: id,
      CreatedBy: { BackupPlanId: daily.BackupPlanId, BackupPlanArn: daily.BackupPlanArn, BackupRuleId: uuid(`${daily.BackupPlanId}/rule`) },
      IamRoleArn: `arn:aws:iam::${account.id}:role/service-role/AWSBackupDefaultServiceRole`,
      Status: 'COMPLETED',
      CreationDate: ago(10 * HOUR),
      CompletionDate: ago(9 * HOUR),
      CalculatedLifecycle: { DeleteAt: ago(10 * HOUR - 35 * DAY) },
      IsEncrypted: encrypted,
      ...(encrypted ? { EncryptionKeyArn: kmsKeyArn(account, home, 'cardholder-data') } : {}),
      VaultType: 'BACKUP_VAULT',
    });
  }
  for (let d = 1; d <= 9; d++) s.jobs.push(failedJob(account, home, db('legacy-reporting'), 'payments-vault', ago(d * DAY - 5 * HOUR), daily.BackupPlanId));
  const testingPlanArn = `arn:aws:backup:${home}:${account.id}:restore-testing-plan:monthly_restore_test-${stableHex('rtp', 6)}`;
  s.restoreTestingPlans.push({
    RestoreTestingPlanArn: testingPlanArn,
    RestoreTestingPlanName: 'monthly_restore_test',
    ScheduleExpression: 'cron(0 3 1 * ? *)',
    ScheduleExpressionTimezone: 'Etc/UTC',
    StartWindowHours: 24,
    CreationTime: ago(400 * DAY),
    LastExecutionTime: ago(20 * DAY),
    LastUpdateTime: ago(400 * DAY),
  });
  const restore: RestoreJobsListMember = {
    AccountId: account.id,
    RestoreJobId: stableHex('orders-db/restore', 20).toUpperCase(),
    RecoveryPointArn: `arn:aws:rds:${home}:${account.id}:snapshot:awsbackup:job-${stableHex('orders-db/rp-old', 12)}`,
    CreationDate: ago(20 * DAY),
    CompletionDate: ago(20 * DAY - 2 * HOUR),
    Status: 'COMPLETED',
    PercentDone: '100.0',
    ResourceType: 'RDS',
    CreatedResourceArn: `arn:aws:rds:${home}:${account.id}:db:awsbackup-restore-test-${stableHex('restored', 8)}`,
    IamRoleArn: `arn:aws:iam::${account.id}:role/service-role/AWSBackupDefaultServiceRole`,
    CreatedBy: { RestoreTestingPlanArn: testingPlanArn },
    ValidationStatus: 'SUCCESSFUL',
    DeletionStatus: 'SUCCESSFUL',
  };
  s.restoreJobs.push(restore);
  if (!second) return;
  const west = backupState(account, second);
  west.vaults.push(vault(account, second, 'dr-copies', world.now, { minDays: 35 }));
  west.plans.push(plan(account, second, 'archive-daily', world.now, 'dr-copies'));
  // Backed up daily, but no restore has ever been run from these backups.
  west.protectedResources.push({
    ResourceArn: `arn:aws:elasticfilesystem:${second}:${account.id}:file-system/fs-0${stableHex(`${account.id}/${second}/efs/archive`, 16)}`,
    ResourceType: 'EFS',
    ResourceName: 'evidence-archive-files',
    LastBackupTime: ago(8 * HOUR),
    LastBackupVaultArn: `arn:aws:backup:${second}:${account.id}:backup-vault:dr-copies`,
  });
}
