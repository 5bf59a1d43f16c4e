import { defineQuery } from '../types.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const backupRetention = defineQuery<DbInstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.backup-retention',
  service: 'rds',
  title: 'RDS databases keep automated backups for the minimum retention period',
  description: 'Every RDS database instance in the region with its automated backup retention period and latest restorable time, against the minimum retention.',
  remediation: 'Raise the backup retention period (`aws rds modify-db-instance --backup-retention-period <days>`; Aurora: on the cluster), or cover the database with an AWS Backup plan.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances'],
  parameters: {
    minimumBackupRetentionDays: {
      description: 'Organisation choice, not set by HIPAA or PCI DSS: fewest days of automated backups an RDS database must keep (default 7; set it from the contingency plan).',
      default: 7,
    },
  },
  collect: (ctx) => collectDbInstances(ctx),
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data, params, ctx) => {
    const min = Number(params.minimumBackupRetentionDays ?? 7);
    return evaluateDbInstances(data, ctx, (db) => {
      const days = db.BackupRetentionPeriod ?? 0;
      // A read replica's recovery comes from its source's backups; many engines cannot back replicas up at all.
      if (days < min && db.ReadReplicaSourceDBInstanceIdentifier) {
        return { status: 'not-applicable', reason: `${dbLabel(db)} is a read replica of ${db.ReadReplicaSourceDBInstanceIdentifier}; its source's backups cover it` };
      }
      if (days === 0) return { status: 'fail', reason: `${dbLabel(db)} has automated backups turned off` };
      return days >= min
        ? { status: 'pass', reason: `${dbLabel(db)} keeps automated backups for ${days} days (at least ${min} required)` }
        : { status: 'fail', reason: `${dbLabel(db)} keeps automated backups for only ${days} day${days === 1 ? '' : 's'}, below the ${min}-day minimum` };
    });
  }),
});
