import { defineQuery } from '../types.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const storageEncrypted = defineQuery<DbInstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.storage-encrypted',
  service: 'rds',
  title: 'RDS database storage is encrypted at rest',
  description: 'Every RDS database instance in the region with whether its storage (and so its automated backups, snapshots and read replicas) is encrypted, and with which KMS key.',
  remediation:
    'RDS cannot encrypt an existing instance in place: snapshot it, copy the snapshot with encryption (`aws rds copy-db-snapshot --kms-key-id ...`), restore from the encrypted copy and switch clients over.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances'],
  collect: (ctx) => collectDbInstances(ctx),
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data, _params, ctx) =>
    evaluateDbInstances(data, ctx, (db) =>
      db.StorageEncrypted
        ? { status: 'pass', reason: `${dbLabel(db)} has encrypted storage${db.KmsKeyId ? ` (key ${db.KmsKeyId})` : ''}` }
        : { status: 'fail', reason: `${dbLabel(db)} stores its data unencrypted` },
    ),
  ),
});
