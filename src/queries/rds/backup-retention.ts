import type { DBInstance } from '@aws-sdk/client-rds';
import type { ProtectedResource } from '@aws-sdk/client-backup';
import { loadBackupSdk } from '../../aws/sdk.js';
import { allPages, defineQuery, isCapturedError, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { captureFailure } from '../partial-evidence.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, isAggregateConfigItems, parseItem, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

const HOUR = 3_600_000;

/**
 * DescribeDBInstances, and AWS Backup's ListProtectedResources of the region (kept as a captured failure if refused):
 * whether AWS Backup holds a recent recovery point of a database whose own retention is short. Absent in evidence
 * sealed before it was read and in the instance items read through AWS Config.
 */
export interface BackupRetentionEvidence extends DbInstancesEvidence {
  awsBackupProtected?: ProtectedResource[] | CapturedError;
}

/** What AWS Backup shows of one database: its latest recovery point, none, or why it is not known. */
type AwsBackupView = { kind: 'point'; at: Date } | { kind: 'none' } | { kind: 'unknown'; why: string };

export const backupRetention = defineQuery<BackupRetentionEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.backup-retention',
  service: 'rds',
  title: 'RDS databases keep automated backups for the minimum retention period',
  description:
    'Every RDS database instance in the region with its automated backup retention period and latest restorable time, against the minimum retention; a database whose latest restorable time is missing or lags the collection by more than maxRestoreLagHours needs review (its backups are not being taken or shipped). A database keeping its own backups for fewer days, or none, fails unless AWS Backup (ListProtectedResources) made a recovery point of it (or of its Aurora cluster) within maxRestoreLagHours of the collection: then it needs review, since how long AWS Backup keeps recovery points is judged by backup.plans (its plan rules), not here.',
  remediation: 'Raise the backup retention period (`aws rds modify-db-instance --backup-retention-period <days>`; Aurora: on the cluster), or cover the database with an AWS Backup plan.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances', 'backup:ListProtectedResources'],
  parameters: {
    minimumBackupRetentionDays: {
      description: 'Organisation choice, not set by HIPAA or PCI DSS: fewest days of automated backups an RDS database must keep (default 7; set it from the contingency plan).',
      default: 7,
      looser: 'lower',
    },
    maxRestoreLagHours: {
      description:
        'Organisation choice: how many hours the latest restorable time (the latest point a point-in-time restore can reach) may lag the collection (a configuration item: its capture) before the database needs review (default 24).',
      default: 24,
    },
  },
  async collect(ctx) {
    const { dbInstances } = await collectDbInstances(ctx);
    const sdk = await loadBackupSdk();
    // The same listing backup.plans reads (a shared read: sent once per account and region).
    const awsBackupProtected = await captureFailure(() => allPages(sdk.paginateListProtectedResources({ client: ctx.clients.get(sdk.BackupClient), pageSize: 1000 }, {}), (p) => p.Results, ctx), ctx.signal);
    return { dbInstances, awsBackupProtected };
  },
  evaluate: (data, params, ctx) => {
    // Read through AWS Config, the restorable time is the one recorded when the item was captured: judged against the
    // capture, not against this collection.
    const capturedAt = new Map<string, string>();
    if (isAggregateConfigItems(data)) {
      for (const row of data.results ?? []) {
        const item = parseItem(row);
        if (item?.configurationItemCaptureTime) capturedAt.set(item.resourceName ?? item.resourceId, item.configurationItemCaptureTime);
      }
    }
    const fromConfig = isAggregateConfigItems(data);
    return acceptConfigItems(DB_INSTANCE_ITEMS, (evidence: BackupRetentionEvidence | undefined, p, c) => {
      const min = Number(p.minimumBackupRetentionDays ?? 7);
      const maxLag = Number(p.maxRestoreLagHours ?? 24);
      const protectedList = evidence?.awsBackupProtected;
      const awsBackup = (db: DBInstance): AwsBackupView => {
        if (protectedList === undefined) return { kind: 'unknown', why: 'AWS Backup\'s recovery points are not in this evidence' };
        if (isCapturedError(protectedList)) return { kind: 'unknown', why: `whether AWS Backup holds a recovery point of it is not shown (ListProtectedResources failed: ${protectedList.error.code})` };
        const arns = [db.DBInstanceArn ?? `arn:aws:rds:${c.region}:${c.accountId}:db:${db.DBInstanceIdentifier}`, ...(db.DBClusterIdentifier ? [`arn:aws:rds:${c.region}:${c.accountId}:cluster:${db.DBClusterIdentifier}`] : [])];
        const times = protectedList.filter((r) => r.ResourceArn && arns.includes(r.ResourceArn)).map((r) => toDate(r.LastBackupTime)).filter((d): d is Date => d !== undefined);
        return times.length ? { kind: 'point', at: new Date(Math.max(...times.map((d) => d.getTime()))) } : { kind: 'none' };
      };
      return evaluateDbInstances(evidence, c, (db) => judge(db, min, maxLag, fromConfig ? capturedAt.get(db.DBInstanceIdentifier ?? '') : c.collectedAt, fromConfig, awsBackup(db)));
    })(data, params, ctx);
  },
});

function judge(db: DBInstance, min: number, maxLag: number, reference: string | undefined, fromConfig: boolean, awsBackup: AwsBackupView): Pick<ResourceResult, 'status' | 'reason'> {
  const days = db.BackupRetentionPeriod ?? 0;
  // A read replica's recovery comes from its source's backups; many engines cannot back replicas up at all.
  if (days < min && db.ReadReplicaSourceDBInstanceIdentifier) {
    return { status: 'not-applicable', reason: `${dbLabel(db)} is a read replica of ${db.ReadReplicaSourceDBInstanceIdentifier}; its source's backups cover it` };
  }
  if (days < min) {
    const short =
      days === 0
        ? `${dbLabel(db)} has automated backups turned off`
        : `${dbLabel(db)} keeps automated backups for only ${days} day${days === 1 ? '' : 's'}, below the ${min}-day minimum (minimumBackupRetentionDays, an organisation choice)`;
    // AWS Backup may keep the database's backups instead: a recent recovery point of it makes the short retention a
    // question for its backup plan (judged by backup.plans), not a failure here. An old one makes up for nothing.
    const ref = toDate(reference);
    if (awsBackup.kind === 'point' && ref) {
      const ageHours = (ref.getTime() - awsBackup.at.getTime()) / HOUR;
      const at = `AWS Backup's latest recovery point of it is from ${awsBackup.at.toISOString()} (${Math.floor(Math.max(ageHours, 0))} hours before the collection)`;
      if (ageHours <= maxLag) {
        return { status: 'needs-review', reason: `${short}; ${at}: whether AWS Backup keeps its recovery points for the minimum is judged by backup.plans (its plan rules' retention), not by this check` };
      }
      return { status: 'fail', reason: `${short}; ${at}, more than maxRestoreLagHours (${maxLag}), so it does not make up for the short retention` };
    }
    if (awsBackup.kind === 'none') return { status: 'fail', reason: `${short}; AWS Backup lists no recovery point of it` };
    return { status: 'fail', reason: `${short}; ${awsBackup.kind === 'unknown' ? awsBackup.why : 'AWS Backup\'s recovery point cannot be compared with the collection time'}` };
  }
  const kept = `${dbLabel(db)} keeps automated backups for ${days} days (at least ${min} required)`;
  const state = db.DBInstanceStatus && db.DBInstanceStatus !== 'available' ? ` (status ${db.DBInstanceStatus})` : '';
  // A retention setting is not a backup: a database whose backups stopped (storage full, stopped, failed) keeps its
  // retention while its latest restorable time stays behind.
  // Aurora keeps automated backups, and the restorable time, on the cluster: a member instance does not carry it.
  if (!db.LatestRestorableTime && db.DBClusterIdentifier && db.Engine?.startsWith('aurora')) {
    return { status: 'pass', reason: `${kept}; its latest restorable time is kept on cluster ${db.DBClusterIdentifier}, which this check does not read` };
  }
  if (!db.LatestRestorableTime) {
    return {
      status: 'needs-review',
      reason: fromConfig
        ? `${kept}, but its AWS Config item records no latest restorable time${state}: whether it can be restored to a recent point is not in the evidence`
        : `${kept}, but RDS reports no latest restorable time for it${state}: no point-in-time restore is possible yet, so its backups are not shown to be taken`,
    };
  }
  const latest = new Date(db.LatestRestorableTime);
  const ref = reference ? new Date(reference) : undefined;
  if (Number.isNaN(latest.getTime()) || !ref || Number.isNaN(ref.getTime())) {
    return { status: 'needs-review', reason: `${kept}, but its latest restorable time (${String(db.LatestRestorableTime)}) cannot be compared with ${fromConfig ? 'the item\'s capture time' : 'the collection time'}` };
  }
  const lagHours = (ref.getTime() - latest.getTime()) / HOUR;
  const when = fromConfig ? 'when AWS Config captured it' : 'at collection';
  if (lagHours > maxLag) {
    return {
      status: 'needs-review',
      reason: `${kept}, but its latest restorable time ${latest.toISOString()} was ${Math.floor(lagHours)} hours old ${when} (more than ${maxLag})${state}: recent changes cannot be restored, its backups are not shown to be running`,
    };
  }
  return { status: 'pass', reason: `${kept}; latest restorable time ${latest.toISOString()}` };
}
