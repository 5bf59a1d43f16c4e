import type { DBCluster, DBClusterSnapshot, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import { loadRdsSdk } from '../../aws/sdk.js';
import { allPages, defineQuery, isCapturedError, type CapturedError, type ResourceParent } from '../types.js';
import { captureFailure } from '../partial-evidence.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

/**
 * DescribeDBInstances, and (each kept as a captured failure if refused) DescribeDBClusters, the account's manual, AWS
 * Backup and shared DB snapshots and DB cluster snapshots, and its automated backups (DescribeDBInstanceAutomatedBackups: those of
 * live instances, `active`, and those kept after an instance was deleted, `retained`). The later reads are absent in
 * evidence sealed before they were added, and in the instances-only evidence read through AWS Config.
 */
export interface StorageEncryptedEvidence extends DbInstancesEvidence {
  dbClusters?: DBCluster[] | CapturedError;
  dbSnapshots?: DBSnapshot[] | CapturedError;
  /** DescribeDBSnapshots SnapshotType awsbackup: AWS Backup's recovery points of DB instances (RDS keeps them as DB snapshots). */
  awsBackupDbSnapshots?: DBSnapshot[] | CapturedError;
  /** DescribeDBSnapshots SnapshotType shared: other accounts' manual DB snapshots this account may copy or restore. */
  sharedDbSnapshots?: DBSnapshot[] | CapturedError;
  dbClusterSnapshots?: DBClusterSnapshot[] | CapturedError;
  /** DescribeDBClusterSnapshots SnapshotType awsbackup: AWS Backup's recovery points of DB clusters (Aurora), kept as DB cluster snapshots named awsbackup:job-<id>. */
  awsBackupDbClusterSnapshots?: DBClusterSnapshot[] | CapturedError;
  /** DescribeDBClusterSnapshots SnapshotType shared: other accounts' manual DB cluster snapshots this account may copy or restore. */
  sharedDbClusterSnapshots?: DBClusterSnapshot[] | CapturedError;
  dbInstanceAutomatedBackups?: DBInstanceAutomatedBackup[] | CapturedError;
}

export const storageEncrypted = defineQuery<StorageEncryptedEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.storage-encrypted',
  service: 'rds',
  title: 'RDS database storage is encrypted at rest',
  description:
    'Every RDS database instance and DB cluster in the region with whether its storage (and so its automated backups, snapshots and read replicas) is encrypted, and with which KMS key; and every manual DB snapshot and DB cluster snapshot the account owns, with whether it is encrypted (a snapshot left behind unencrypted still holds the data); and the retained automated backups of deleted database instances (DescribeDBInstanceAutomatedBackups, status retained), with whether they are encrypted (they hold the deleted database until their retention ends); and AWS Backup\'s recovery points of DB instances (DB snapshots of type awsbackup, encrypted as their database was: an unencrypted one fails, and outlives its database until AWS Backup\'s retention, judged by backup.plans, deletes it). AWS Backup\'s recovery points of DB clusters (Aurora: DB cluster snapshots of type awsbackup) are judged the same way, naming their cluster. DB snapshots and DB cluster snapshots other accounts share with this one are listed: an encrypted one passes, an unencrypted one needs review naming the owner account (its owner stores it, and this account can restore or copy it).',
  remediation:
    'RDS cannot encrypt an existing instance in place: snapshot it, copy the snapshot with encryption (`aws rds copy-db-snapshot --kms-key-id ...`), restore from the encrypted copy and switch clients over; then delete the unencrypted snapshots (or copy them encrypted first).',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBInstanceAutomatedBackups'],
  async collect(ctx) {
    const { dbInstances } = await collectDbInstances(ctx);
    const sdk = await loadRdsSdk();
    const client = ctx.clients.get(sdk.RDSClient);
    const cfg = { client, pageSize: 100 };
    const dbClusters = await captureFailure(() => allPages(sdk.paginateDescribeDBClusters(cfg, {}), (p) => p.DBClusters, ctx), ctx.signal);
    // Manual snapshots are the account's own (IncludeShared and IncludePublic default to false); automated ones are
    // encrypted as their database is, and go with it.
    const dbSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBSnapshots(cfg, { SnapshotType: 'manual' }), (p) => p.DBSnapshots, ctx), ctx.signal);
    // AWS Backup's recovery points of DB instances are DB snapshots RDS lists only when asked for their type.
    const awsBackupDbSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBSnapshots(cfg, { SnapshotType: 'awsbackup' }), (p) => p.DBSnapshots, ctx), ctx.signal);
    const sharedDbSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBSnapshots(cfg, { SnapshotType: 'shared', IncludeShared: true }), (p) => p.DBSnapshots, ctx), ctx.signal);
    const dbClusterSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBClusterSnapshots(cfg, { SnapshotType: 'manual' }), (p) => p.DBClusterSnapshots, ctx), ctx.signal);
    // AWS Backup's recovery points of Aurora clusters are DB cluster snapshots (awsbackup:job-<id>) that neither the
    // manual nor the default listing holds; other accounts' cluster snapshots are listed only when asked for.
    const awsBackupDbClusterSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBClusterSnapshots(cfg, { SnapshotType: 'awsbackup' }), (p) => p.DBClusterSnapshots, ctx), ctx.signal);
    const sharedDbClusterSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBClusterSnapshots(cfg, { SnapshotType: 'shared', IncludeShared: true }), (p) => p.DBClusterSnapshots, ctx), ctx.signal);
    // Every automated backup of the region: a live instance's (active, encrypted as the instance) and a deleted one's (retained).
    const dbInstanceAutomatedBackups = await captureFailure(() => allPages(sdk.paginateDescribeDBInstanceAutomatedBackups(cfg, {}), (p) => p.DBInstanceAutomatedBackups, ctx), ctx.signal);
    return { dbInstances, dbClusters, dbSnapshots, awsBackupDbSnapshots, sharedDbSnapshots, dbClusterSnapshots, awsBackupDbClusterSnapshots, sharedDbClusterSnapshots, dbInstanceAutomatedBackups };
  },
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data: StorageEncryptedEvidence | undefined, _params, ctx) => {
    const key = (k: string | undefined) => (k ? ` (key ${k})` : '');
    const clusters = data && Array.isArray(data.dbClusters) ? data.dbClusters : undefined;
    // StorageEncrypted is a property of the cluster (Aurora, Multi-AZ DB clusters): a listed cluster is judged once,
    // naming its members, and its member instances are not judged again.
    const listed = new Set((clusters ?? []).map((c) => c.DBClusterIdentifier));
    const instances = data?.dbInstances ? { dbInstances: data.dbInstances.filter((db) => !(db.DBClusterIdentifier && listed.has(db.DBClusterIdentifier))) } : undefined;
    const instanceResults = evaluateDbInstances(instances, ctx, (db) =>
      db.StorageEncrypted ? { status: 'pass', reason: `${dbLabel(db)} has encrypted storage${key(db.KmsKeyId)}` } : { status: 'fail', reason: `${dbLabel(db)} stores its data unencrypted` },
    );
    if (!data?.dbInstances) return instanceResults;
    const results = instanceResults.filter((r) => r.resource !== 'account' || r.status !== 'not-applicable');
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    const clusterArn = (id: string | undefined) => `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster:${id}`;
    const dbArn = (id: string | undefined) => `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${id}`;
    for (const c of clusters ?? []) {
      const members = (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter(Boolean);
      const label = `DB cluster ${c.DBClusterIdentifier} (${c.Engine}, ${members.length ? `instances ${members.join(', ')}` : 'no DB instances'})`;
      results.push({
        resource: c.DBClusterArn ?? clusterArn(c.DBClusterIdentifier),
        resourceType: 'AWS::RDS::DBCluster',
        ...(c.StorageEncrypted ? { status: 'pass' as const, reason: `${label} has encrypted storage${key(c.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label} stores its data unencrypted` }),
      });
    }
    const instanceIds = new Set(data.dbInstances.map((db) => db.DBInstanceIdentifier));
    for (const s of Array.isArray(data.dbSnapshots) ? data.dbSnapshots : []) {
      const parent: ResourceParent | undefined = s.DBInstanceIdentifier && instanceIds.has(s.DBInstanceIdentifier) ? { resource: dbArn(s.DBInstanceIdentifier), resourceType: 'AWS::RDS::DBInstance' } : undefined;
      const label = `manual DB snapshot ${s.DBSnapshotIdentifier} of database ${s.DBInstanceIdentifier ?? 'unknown'}${parent ? '' : ' (no longer in the region)'}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: s.DBSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        ...(parent ? { parent } : {}),
        ...(s.Encrypted ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label}, is not encrypted: it holds the database's data as it was` }),
      });
    }
    for (const s of Array.isArray(data.awsBackupDbSnapshots) ? data.awsBackupDbSnapshots : []) {
      const parent: ResourceParent | undefined = s.DBInstanceIdentifier && instanceIds.has(s.DBInstanceIdentifier) ? { resource: dbArn(s.DBInstanceIdentifier), resourceType: 'AWS::RDS::DBInstance' } : undefined;
      const label = `AWS Backup recovery point ${s.DBSnapshotIdentifier} (a DB snapshot) of database ${s.DBInstanceIdentifier ?? 'unknown'}${parent ? '' : ' (no longer in the region)'}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: s.DBSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        ...(parent ? { parent } : {}),
        ...(s.Encrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` }
          : { status: 'fail' as const, reason: `${label}, is not encrypted: it holds the database's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)` }),
      });
    }
    for (const s of Array.isArray(data.sharedDbSnapshots) ? data.sharedDbSnapshots : []) {
      // A shared snapshot is named by its ARN, which holds the owner's account.
      const arn = s.DBSnapshotArn ?? (s.DBSnapshotIdentifier?.startsWith('arn:') ? s.DBSnapshotIdentifier : undefined);
      const owner = arn?.split(':')[4];
      const label = `DB snapshot ${s.DBSnapshotIdentifier} of database ${s.DBInstanceIdentifier ?? 'unknown'}, shared with this account by ${owner && owner !== ctx.accountId ? `account ${owner}` : 'another account'}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: arn ?? `arn:aws:rds:${ctx.region}:${owner ?? 'unknown'}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        ...(s.Encrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` }
          : {
              status: 'needs-review' as const,
              reason: `${label}, is not encrypted: its owner stores it (that account's own evidence judges it) and this account can restore or copy it; confirm it holds no cardholder data or ePHI, or ask the owner to share an encrypted copy`,
            }),
      });
    }
    for (const s of Array.isArray(data.dbClusterSnapshots) ? data.dbClusterSnapshots : []) {
      const parent: ResourceParent | undefined = s.DBClusterIdentifier && listed.has(s.DBClusterIdentifier) ? { resource: clusterArn(s.DBClusterIdentifier), resourceType: 'AWS::RDS::DBCluster' } : undefined;
      const label = `manual DB cluster snapshot ${s.DBClusterSnapshotIdentifier} of cluster ${s.DBClusterIdentifier ?? 'unknown'}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: s.DBClusterSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBClusterSnapshot',
        ...(parent ? { parent } : {}),
        ...(s.StorageEncrypted ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label}, is not encrypted: it holds the cluster's data as it was` }),
      });
    }
    for (const s of Array.isArray(data.awsBackupDbClusterSnapshots) ? data.awsBackupDbClusterSnapshots : []) {
      const parent: ResourceParent | undefined = s.DBClusterIdentifier && listed.has(s.DBClusterIdentifier) ? { resource: clusterArn(s.DBClusterIdentifier), resourceType: 'AWS::RDS::DBCluster' } : undefined;
      const gone = clusters && !parent ? ' (no longer in the region)' : '';
      const label = `AWS Backup recovery point ${s.DBClusterSnapshotIdentifier} (a DB cluster snapshot) of cluster ${s.DBClusterIdentifier ?? 'unknown'}${gone}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: s.DBClusterSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBClusterSnapshot',
        ...(parent ? { parent } : {}),
        ...(s.StorageEncrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` }
          : { status: 'fail' as const, reason: `${label}, is not encrypted: it holds the cluster's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)` }),
      });
    }
    for (const s of Array.isArray(data.sharedDbClusterSnapshots) ? data.sharedDbClusterSnapshots : []) {
      // A shared cluster snapshot is named by its ARN, which holds the owner's account.
      const arn = s.DBClusterSnapshotArn ?? (s.DBClusterSnapshotIdentifier?.startsWith('arn:') ? s.DBClusterSnapshotIdentifier : undefined);
      const owner = arn?.split(':')[4];
      const label = `DB cluster snapshot ${s.DBClusterSnapshotIdentifier} of cluster ${s.DBClusterIdentifier ?? 'unknown'}${s.Engine ? ` (${s.Engine})` : ''}, shared with this account by ${owner && owner !== ctx.accountId ? `account ${owner}` : 'another account'}${s.SnapshotCreateTime ? `, taken ${new Date(s.SnapshotCreateTime).toISOString()}` : ''}`;
      results.push({
        resource: arn ?? `arn:aws:rds:${ctx.region}:${owner ?? 'unknown'}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBClusterSnapshot',
        ...(s.StorageEncrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${key(s.KmsKeyId)}` }
          : {
              status: 'needs-review' as const,
              reason: `${label}, is not encrypted: its owner stores it (that account's own evidence judges it) and this account can restore or copy it; confirm it holds no cardholder data or ePHI, or ask the owner to share an encrypted copy`,
            }),
      });
    }
    // A retained automated backup outlives its deleted instance (until its retention ends) and can be restored.
    for (const b of Array.isArray(data.dbInstanceAutomatedBackups) ? data.dbInstanceAutomatedBackups : []) {
      if (b.Status !== 'retained') continue;
      const window = b.RestoreWindow?.EarliestTime && b.RestoreWindow.LatestTime ? `, restorable to any time from ${new Date(b.RestoreWindow.EarliestTime).toISOString()} to ${new Date(b.RestoreWindow.LatestTime).toISOString()}` : '';
      const label = `retained automated backups of deleted database ${b.DBInstanceIdentifier ?? b.DbiResourceId ?? 'unknown'} (${b.Engine ?? 'engine unknown'}, kept ${b.BackupRetentionPeriod ?? '?'} days${window})`;
      results.push({
        resource: b.DBInstanceAutomatedBackupsArn ?? b.DBInstanceArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${b.DBInstanceIdentifier}`,
        resourceType: 'AWS::RDS::DBInstanceAutomatedBackup',
        ...(b.Encrypted ? { status: 'pass' as const, reason: `${label} are encrypted${key(b.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label} are not encrypted: they hold the deleted database's data` }),
      });
    }
    // What was not read is said, never taken as "none".
    const unread: [string, unknown][] = [
      ['DescribeDBClusters (DB clusters, such as an Aurora cluster without instances)', data.dbClusters],
      ['DescribeDBSnapshots (manual DB snapshots)', data.dbSnapshots],
      ['DescribeDBSnapshots SnapshotType awsbackup (AWS Backup recovery points of DB instances)', data.awsBackupDbSnapshots],
      ['DescribeDBSnapshots SnapshotType shared (DB snapshots other accounts share with this one)', data.sharedDbSnapshots],
      ['DescribeDBClusterSnapshots (manual DB cluster snapshots)', data.dbClusterSnapshots],
      ['DescribeDBClusterSnapshots SnapshotType awsbackup (AWS Backup recovery points of DB clusters)', data.awsBackupDbClusterSnapshots],
      ['DescribeDBClusterSnapshots SnapshotType shared (DB cluster snapshots other accounts share with this one)', data.sharedDbClusterSnapshots],
      ['DescribeDBInstanceAutomatedBackups (retained automated backups of deleted instances)', data.dbInstanceAutomatedBackups],
    ];
    for (const [what, read] of unread) {
      if (isCapturedError(read)) results.push({ ...account, status: 'error', reason: `${what} failed (${read.error.code}: ${read.error.message}): whether they are encrypted in ${ctx.region} is not in the evidence` });
    }
    const missing = unread.filter(([, read]) => read === undefined).map(([what]) => what);
    if (missing.length) {
      results.push({
        ...account,
        status: 'needs-review',
        reason: `the evidence holds no ${missing.join(', no ')} response (evidence sealed before this check read them, or DB instances read through AWS Config): whether those are encrypted in ${ctx.region} is not shown`,
      });
    }
    if (results.length === 0) results.push({ ...account, status: 'not-applicable', reason: `the account has no RDS database instances, DB clusters, manual, AWS Backup or shared DB (cluster) snapshots, or retained automated backups in ${ctx.region}` });
    return results;
  }),
});
