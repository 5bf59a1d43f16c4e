/** RDS database instances and Aurora DB clusters of the demo account and generated accounts. */
import type { DBCluster, DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { rdsState } from '../services/rds.js';
import { kmsKeyArn, stableHex } from './builders.js';

const DAY = 86_400_000;

/** The account outside the demo that the demo's orders-db-before-upgrade snapshot is shared with. */
export const DEMO_SNAPSHOT_PARTNER_ACCOUNT = '210987654321';

function db(account: SimAccount, region: string, id: string, created: Date, now: Date, rest: Partial<DBInstance>): DBInstance {
  const host = stableHex(`${account.id}/${region}/rds`, 12);
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: `arn:aws:rds:${region}:${account.id}:db:${id}`,
    DbiResourceId: `db-${stableHex(`${account.id}/${region}/db/${id}`, 26).toUpperCase()}`,
    DBInstanceClass: 'db.r6g.large',
    Engine: 'postgres',
    EngineVersion: '16.3',
    DBInstanceStatus: 'available',
    MasterUsername: 'dbadmin',
    DBName: id.replace(/-/g, '_'),
    Endpoint: { Address: `${id}.${host}.${region}.rds.amazonaws.com`, Port: 5432, HostedZoneId: 'Z2R2ITUGPM61AM' },
    AllocatedStorage: 200,
    InstanceCreateTime: created,
    PreferredBackupWindow: '03:00-03:30',
    BackupRetentionPeriod: 14,
    LatestRestorableTime: new Date(now.getTime() - 5 * 60_000),
    MultiAZ: true,
    AutoMinorVersionUpgrade: true,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    StorageEncrypted: true,
    KmsKeyId: kmsKeyArn(account, region, 'cardholder-data'),
    DeletionProtection: true,
    CopyTagsToSnapshot: true,
    VpcSecurityGroups: [{ VpcSecurityGroupId: `sg-0${stableHex(`${account.id}/${region}/sg/rds/${id}`, 16)}`, Status: 'active' }],
    ...rest,
  };
}

/** An Aurora DB cluster as DescribeDBClusters reports it, without member instances unless given. */
export function auroraCluster(account: SimAccount, region: string, id: string, created: Date, rest: Partial<DBCluster>): DBCluster {
  const host = stableHex(`${account.id}/${region}/rds`, 12);
  return {
    DBClusterIdentifier: id,
    DBClusterArn: `arn:aws:rds:${region}:${account.id}:cluster:${id}`,
    DbClusterResourceId: `cluster-${stableHex(`${account.id}/${region}/cluster/${id}`, 26).toUpperCase()}`,
    Engine: 'aurora-postgresql',
    EngineVersion: '16.4',
    EngineMode: 'provisioned',
    Status: 'available',
    MasterUsername: 'dbadmin',
    DatabaseName: id.replace(/-/g, '_'),
    Endpoint: `${id}.cluster-${host}.${region}.rds.amazonaws.com`,
    ReaderEndpoint: `${id}.cluster-ro-${host}.${region}.rds.amazonaws.com`,
    Port: 5432,
    MultiAZ: true,
    ClusterCreateTime: created,
    BackupRetentionPeriod: 14,
    PreferredBackupWindow: '03:00-03:30',
    StorageEncrypted: true,
    KmsKeyId: kmsKeyArn(account, region, 'cardholder-data'),
    DeletionProtection: true,
    CopyTagsToSnapshot: true,
    DBClusterMembers: [],
    ...rest,
  };
}

export function seedRds(account: SimAccount, world: WorldSeedContext): void {
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  const [home] = world.regions;
  const s = rdsState(account, home);
  if (world.kind === 'demo') {
    s.dbInstances.push(
      db(account, home, 'orders-db', ago(640), world.now, {}),
      // Fails all three: unencrypted, public, one day of backups.
      db(account, home, 'legacy-reporting', ago(1800), world.now, {
        Engine: 'mysql',
        EngineVersion: '8.0.36',
        DBInstanceClass: 'db.t3.medium',
        Endpoint: { Address: `legacy-reporting.${stableHex(`${account.id}/${home}/rds`, 12)}.${home}.rds.amazonaws.com`, Port: 3306, HostedZoneId: 'Z2R2ITUGPM61AM' },
        BackupRetentionPeriod: 1,
        PubliclyAccessible: true,
        StorageEncrypted: false,
        KmsKeyId: undefined,
        MultiAZ: false,
        DeletionProtection: false,
      }),
    );
    // Aurora clusters (their instances are not simulated): the payments ledger, encrypted, and the claims history
    // restored years ago from an unencrypted export, still unencrypted; AWS Backup keeps a recovery point of each
    // (seed-backup.ts), the claims history's unencrypted as its cluster is.
    s.dbClusters.push(
      auroraCluster(account, home, 'payments-ledger', ago(400), {}),
      auroraCluster(account, home, 'claims-history', ago(1500), { Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.05.2', Port: 3306, StorageEncrypted: false, KmsKeyId: undefined, DeletionProtection: false }),
    );
    // Manual snapshots: one of orders-db (encrypted as it is), and the unencrypted one the migration to encrypted
    // storage left behind: it still holds the old database's rows in the clear and fails rds.storage-encrypted.
    const snapshot = (id: string, of: string, taken: Date, encrypted: boolean): DBSnapshot => ({
      DBSnapshotIdentifier: id,
      DBSnapshotArn: `arn:aws:rds:${home}:${account.id}:snapshot:${id}`,
      DBInstanceIdentifier: of,
      SnapshotCreateTime: taken,
      InstanceCreateTime: ago(1800),
      Engine: 'postgres',
      EngineVersion: '16.3',
      AllocatedStorage: 200,
      Status: 'available',
      SnapshotType: 'manual',
      Encrypted: encrypted,
      ...(encrypted ? { KmsKeyId: kmsKeyArn(account, home, 'cardholder-data') } : {}),
      StorageType: 'gp3',
    });
    s.dbSnapshots.push(snapshot('orders-db-before-upgrade', 'orders-db', ago(90), true), snapshot('orders-db-unencrypted-source', 'orders-db-old', ago(641), false));
    // AWS Backup's latest recovery point of orders-db: a DB snapshot RDS lists as type awsbackup, encrypted as the database is.
    s.dbSnapshots.push({ ...snapshot(`awsbackup:job-${stableHex(`${account.id}/${home}/backup-job/orders-db`, 8)}-${stableHex(`${account.id}/${home}/backup-job/orders-db/2`, 4)}`, 'orders-db', ago(1), true), SnapshotType: 'awsbackup' });
    // Sharing (rds.snapshot-sharing): the upgrade snapshot is shared with an account outside the demo (needs review
    // naming it); the unencrypted leftover was made public for a vendor's test restore and never taken back (fails).
    s.restoreAccounts['orders-db-before-upgrade'] = [DEMO_SNAPSHOT_PARTNER_ACCOUNT];
    s.restoreAccounts['orders-db-unencrypted-source'] = ['all'];
    // A reporting database deleted three days ago kept its (unencrypted) automated backups for its seven-day
    // retention: restorable until then, it fails rds.storage-encrypted.
    const dbi = `db-${stableHex(`${account.id}/${home}/db/reporting-2019`, 26).toUpperCase()}`;
    s.retainedAutomatedBackups.push({
      DBInstanceArn: `arn:aws:rds:${home}:${account.id}:db:reporting-2019`,
      DbiResourceId: dbi,
      Region: home,
      DBInstanceIdentifier: 'reporting-2019',
      RestoreWindow: { EarliestTime: ago(10), LatestTime: ago(3) },
      AllocatedStorage: 100,
      Status: 'retained',
      Port: 3306,
      InstanceCreateTime: ago(2400),
      MasterUsername: 'dbadmin',
      Engine: 'mysql',
      EngineVersion: '8.0.36',
      Encrypted: false,
      StorageType: 'gp2',
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '03:00-03:30',
      DBInstanceAutomatedBackupsArn: `arn:aws:rds:${home}:${account.id}:auto-backup:ab-${dbi.slice(3).toLowerCase()}`,
      BackupTarget: 'region',
    });
    return;
  }
  s.dbInstances.push(db(account, home, 'workload-db', ago(300), world.now, { KmsKeyId: kmsKeyArn(account, home, 's3') }));
}
