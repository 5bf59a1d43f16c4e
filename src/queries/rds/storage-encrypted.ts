import type { DBCluster, DBClusterSnapshot, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import type { BackupVaultListMember, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { loadBackupSdk, loadRdsSdk } from '../../aws/sdk.js';
import { allPages, defineQuery, isCapturedError, type CapturedError, type EvaluationContext, type QueryContext, type ResourceParent, type ResourceResult } from '../types.js';
import { captureFailure } from '../partial-evidence.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

/**
 * AWS Backup's recovery points of DB clusters in the region: every backup vault (ListBackupVaults, and the listings of
 * logically air-gapped, restore access and shared vaults), and each vault's recovery points of resource type Aurora
 * and of resource type RDS (ListRecoveryPointsByBackupVault ByResourceType: AWS Backup documents `Aurora` for Amazon
 * Aurora and `RDS` for Amazon RDS, whose Multi-AZ DB clusters are not Aurora), or that listing's failure. A vault
 * keeps its recovery points after their cluster is deleted, so those are listed too.
 */
export interface AuroraRecoveryPointsEvidence {
  vaults: BackupVaultListMember[];
  /**
   * ListBackupVaults ByVaultType (logically air-gapped, restore access) and ByShared (vaults other accounts share with
   * this one), each the vaults it listed or its failure. Absent in evidence sealed before they were read.
   */
  vaultListings?: { listing: string; vaults: BackupVaultListMember[] | CapturedError }[];
  byVault: {
    backupVaultName: string;
    /** The vault's owner, when another account (a vault shared with this one): sent as BackupVaultAccountId. */
    backupVaultAccountId?: string;
    vaultType?: string;
    /** The resource type listed; absent (evidence sealed before resource type RDS was read): Aurora. */
    resourceType?: 'Aurora' | 'RDS';
    recoveryPoints: RecoveryPointByBackupVault[] | CapturedError;
  }[];
}

/**
 * DescribeDBInstances, and (each kept as a captured failure if refused) DescribeDBClusters, the account's manual, AWS
 * Backup and shared DB snapshots, its manual and shared DB cluster snapshots, AWS Backup's recovery points of Aurora
 * clusters (read from AWS Backup: RDS documents the awsbackup snapshot type for DB snapshots only), and its automated
 * backups (DescribeDBInstanceAutomatedBackups: those of live instances, `active`, and those kept after an instance was
 * deleted, `retained`). The later reads are absent in evidence sealed before they were added, and in the
 * instances-only evidence read through AWS Config.
 */
export interface StorageEncryptedEvidence extends DbInstancesEvidence {
  dbClusters?: DBCluster[] | CapturedError;
  dbSnapshots?: DBSnapshot[] | CapturedError;
  /** DescribeDBSnapshots SnapshotType awsbackup: AWS Backup's recovery points of DB instances (RDS keeps them as DB snapshots). */
  awsBackupDbSnapshots?: DBSnapshot[] | CapturedError;
  /** DescribeDBSnapshots SnapshotType shared: other accounts' manual DB snapshots this account may copy or restore. */
  sharedDbSnapshots?: DBSnapshot[] | CapturedError;
  dbClusterSnapshots?: DBClusterSnapshot[] | CapturedError;
  /** DescribeDBClusterSnapshots SnapshotType shared: other accounts' manual DB cluster snapshots this account may copy or restore. */
  sharedDbClusterSnapshots?: DBClusterSnapshot[] | CapturedError;
  /** AWS Backup's recovery points of Aurora clusters, or the failure of ListBackupVaults. */
  auroraRecoveryPoints?: AuroraRecoveryPointsEvidence | CapturedError;
  dbInstanceAutomatedBackups?: DBInstanceAutomatedBackup[] | CapturedError;
}

const keyOf = (k: string | undefined) => (k ? ` (key ${k})` : '');

/**
 * One stored copy of a database's data (a snapshot or an AWS Backup recovery point) judged by its encryption: encrypted
 * passes, unencrypted fails saying what it still holds, and a response that does not say needs review.
 */
function storedCopy(copy: { resource: string; resourceType: string; parent?: ResourceParent; label: string; encrypted: boolean | undefined; key: string | undefined; holds: string }): ResourceResult {
  const base = { resource: copy.resource, resourceType: copy.resourceType, ...(copy.parent ? { parent: copy.parent } : {}) };
  if (copy.encrypted === true) return { ...base, status: 'pass', reason: `${copy.label}, is encrypted${keyOf(copy.key)}` };
  if (copy.encrypted === false) return { ...base, status: 'fail', reason: `${copy.label}, is not encrypted: ${copy.holds}` };
  return { ...base, status: 'needs-review', reason: `${copy.label}: the response does not say whether it is encrypted (unencrypted, ${copy.holds})` };
}

/** What an AWS Backup recovery point holds until AWS Backup's retention deletes it. */
const UNTIL_RETENTION = "until AWS Backup's retention deletes it (backup.plans judges the retention)";

export const storageEncrypted = defineQuery<StorageEncryptedEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.storage-encrypted',
  service: 'rds',
  title: 'RDS database storage is encrypted at rest',
  description:
    'Every RDS database instance and DB cluster in the region with whether its storage (and so its automated backups, snapshots and read replicas) is encrypted, and with which KMS key; and every manual DB snapshot and DB cluster snapshot the account owns, with whether it is encrypted (a snapshot left behind unencrypted still holds the data); and the retained automated backups of deleted database instances (DescribeDBInstanceAutomatedBackups, status retained), with whether they are encrypted (they hold the deleted database until their retention ends); and AWS Backup\'s recovery points of DB instances (DB snapshots of type awsbackup, encrypted as their database was: an unencrypted one fails, and outlives its database until AWS Backup\'s retention, judged by backup.plans, deletes it). AWS Backup\'s recovery points of Aurora clusters and of Multi-AZ DB clusters are read from AWS Backup itself (every backup vault of the region, standard, logically air-gapped, restore access, and those other accounts share with this one, each listed by name; ListRecoveryPointsByBackupVault of resource types Aurora and RDS, with AWS Backup\'s IsEncrypted), including those of clusters since deleted, and judged the same way, naming cluster, vault and recovery point; so are DB instances\' recovery points in vaults RDS does not list as DB snapshots (air-gapped, restore access, shared). A vault listing or vault that cannot be read is an error, never a pass. DB snapshots and DB cluster snapshots other accounts share with this one are listed: an encrypted one passes, an unencrypted one needs review naming the owner account (its owner stores it, and this account can restore or copy it).',
  remediation:
    'RDS cannot encrypt an existing DB instance or DB cluster in place: snapshot it, copy the snapshot with encryption (`aws rds copy-db-snapshot --kms-key-id ...` for an instance, `aws rds copy-db-cluster-snapshot --kms-key-id ...` for an Aurora or Multi-AZ DB cluster), restore from the encrypted copy and switch clients over; then delete the unencrypted snapshots and AWS Backup recovery points (or copy them encrypted first).',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBInstanceAutomatedBackups', 'backup:ListBackupVaults', 'backup:ListRecoveryPointsByBackupVault'],
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
    // Other accounts' cluster snapshots are listed only when asked for.
    const sharedDbClusterSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBClusterSnapshots(cfg, { SnapshotType: 'shared', IncludeShared: true }), (p) => p.DBClusterSnapshots, ctx), ctx.signal);
    // Every automated backup of the region: a live instance's (active, encrypted as the instance) and a deleted one's (retained).
    const dbInstanceAutomatedBackups = await captureFailure(() => allPages(sdk.paginateDescribeDBInstanceAutomatedBackups(cfg, {}), (p) => p.DBInstanceAutomatedBackups, ctx), ctx.signal);
    const auroraRecoveryPoints = await captureFailure(() => readAuroraRecoveryPoints(ctx), ctx.signal);
    return { dbInstances, dbClusters, dbSnapshots, awsBackupDbSnapshots, sharedDbSnapshots, dbClusterSnapshots, sharedDbClusterSnapshots, auroraRecoveryPoints, dbInstanceAutomatedBackups };
  },
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data: StorageEncryptedEvidence | undefined, _params, ctx) => {
    const clusters = data && Array.isArray(data.dbClusters) ? data.dbClusters : undefined;
    // StorageEncrypted is a property of the cluster (Aurora, Multi-AZ DB clusters): a listed cluster is judged once,
    // naming its members, and its member instances are not judged again.
    const listed = new Set((clusters ?? []).map((c) => c.DBClusterIdentifier));
    const instances = data?.dbInstances ? { dbInstances: data.dbInstances.filter((db) => !(db.DBClusterIdentifier && listed.has(db.DBClusterIdentifier))) } : undefined;
    const instanceResults = evaluateDbInstances(instances, ctx, (db) =>
      db.StorageEncrypted ? { status: 'pass', reason: `${dbLabel(db)} has encrypted storage${keyOf(db.KmsKeyId)}` } : { status: 'fail', reason: `${dbLabel(db)} stores its data unencrypted` },
    );
    if (!data?.dbInstances) return instanceResults;
    const results = instanceResults.filter((r) => r.resource !== 'account' || r.status !== 'not-applicable');
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    const clusterArn = (id: string | undefined) => `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster:${id}`;
    const dbArn = (id: string | undefined) => `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${id}`;
    const taken = (d: Date | string | undefined) => (d ? `, taken ${new Date(d).toISOString()}` : '');
    for (const c of clusters ?? []) {
      const members = (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier).filter(Boolean);
      const label = `DB cluster ${c.DBClusterIdentifier} (${c.Engine}, ${members.length ? `instances ${members.join(', ')}` : 'no DB instances'})`;
      results.push({
        resource: c.DBClusterArn ?? clusterArn(c.DBClusterIdentifier),
        resourceType: 'AWS::RDS::DBCluster',
        ...(c.StorageEncrypted ? { status: 'pass' as const, reason: `${label} has encrypted storage${keyOf(c.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label} stores its data unencrypted` }),
      });
    }
    const instanceIds = new Set(data.dbInstances.map((db) => db.DBInstanceIdentifier));
    // A manual DB snapshot and AWS Backup's recovery point of a DB instance (a DB snapshot of type awsbackup).
    const dbSnapshot = (s: DBSnapshot, what: string, holds: string) => {
      const parent: ResourceParent | undefined = s.DBInstanceIdentifier && instanceIds.has(s.DBInstanceIdentifier) ? { resource: dbArn(s.DBInstanceIdentifier), resourceType: 'AWS::RDS::DBInstance' } : undefined;
      return storedCopy({
        resource: s.DBSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        parent,
        label: `${what} of database ${s.DBInstanceIdentifier ?? 'unknown'}${parent ? '' : ' (no longer in the region)'}${taken(s.SnapshotCreateTime)}`,
        encrypted: s.Encrypted,
        key: s.KmsKeyId,
        holds,
      });
    };
    for (const s of Array.isArray(data.dbSnapshots) ? data.dbSnapshots : []) results.push(dbSnapshot(s, `manual DB snapshot ${s.DBSnapshotIdentifier}`, "it holds the database's data as it was"));
    for (const s of Array.isArray(data.awsBackupDbSnapshots) ? data.awsBackupDbSnapshots : []) {
      results.push(dbSnapshot(s, `AWS Backup recovery point ${s.DBSnapshotIdentifier} (a DB snapshot)`, `it holds the database's data as it was ${UNTIL_RETENTION}`));
    }
    for (const s of Array.isArray(data.sharedDbSnapshots) ? data.sharedDbSnapshots : []) {
      // A shared snapshot is named by its ARN, which holds the owner's account.
      const arn = s.DBSnapshotArn ?? (s.DBSnapshotIdentifier?.startsWith('arn:') ? s.DBSnapshotIdentifier : undefined);
      const owner = arn?.split(':')[4];
      const label = `DB snapshot ${s.DBSnapshotIdentifier} of database ${s.DBInstanceIdentifier ?? 'unknown'}, shared with this account by ${owner && owner !== ctx.accountId ? `account ${owner}` : 'another account'}${taken(s.SnapshotCreateTime)}`;
      results.push({
        resource: arn ?? `arn:aws:rds:${ctx.region}:${owner ?? 'unknown'}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        ...(s.Encrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${keyOf(s.KmsKeyId)}` }
          : {
              status: 'needs-review' as const,
              reason: `${label}, is not encrypted: its owner stores it (that account's own evidence judges it) and this account can restore or copy it; confirm it holds no cardholder data or ePHI, or ask the owner to share an encrypted copy`,
            }),
      });
    }
    for (const s of Array.isArray(data.dbClusterSnapshots) ? data.dbClusterSnapshots : []) {
      const parent: ResourceParent | undefined = s.DBClusterIdentifier && listed.has(s.DBClusterIdentifier) ? { resource: clusterArn(s.DBClusterIdentifier), resourceType: 'AWS::RDS::DBCluster' } : undefined;
      results.push(
        storedCopy({
          resource: s.DBClusterSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
          resourceType: 'AWS::RDS::DBClusterSnapshot',
          parent,
          label: `manual DB cluster snapshot ${s.DBClusterSnapshotIdentifier} of cluster ${s.DBClusterIdentifier ?? 'unknown'}${taken(s.SnapshotCreateTime)}`,
          encrypted: s.StorageEncrypted,
          key: s.KmsKeyId,
          holds: "it holds the cluster's data as it was",
        }),
      );
    }
    const points = data.auroraRecoveryPoints;
    for (const v of points && !isCapturedError(points) ? points.byVault : []) {
      const resourceType = v.resourceType ?? 'Aurora';
      // A DB instance's recovery point in this account's own standard vault is a DB snapshot of type awsbackup, judged
      // above; in an air-gapped, restore access or shared vault RDS does not list it, so it is judged here.
      const listedByRds = !v.backupVaultAccountId && (v.vaultType === undefined || v.vaultType === 'BACKUP_VAULT');
      for (const p of Array.isArray(v.recoveryPoints) ? v.recoveryPoints : []) {
        if (resourceType === 'RDS' && p.ResourceArn?.split(':')[5] !== 'cluster' && listedByRds) continue;
        results.push(auroraRecoveryPoint(p, v, resourceType, clusters, ctx));
      }
    }
    for (const s of Array.isArray(data.sharedDbClusterSnapshots) ? data.sharedDbClusterSnapshots : []) {
      // A shared cluster snapshot is named by its ARN, which holds the owner's account.
      const arn = s.DBClusterSnapshotArn ?? (s.DBClusterSnapshotIdentifier?.startsWith('arn:') ? s.DBClusterSnapshotIdentifier : undefined);
      const owner = arn?.split(':')[4];
      const label = `DB cluster snapshot ${s.DBClusterSnapshotIdentifier} of cluster ${s.DBClusterIdentifier ?? 'unknown'}${s.Engine ? ` (${s.Engine})` : ''}, shared with this account by ${owner && owner !== ctx.accountId ? `account ${owner}` : 'another account'}${taken(s.SnapshotCreateTime)}`;
      results.push({
        resource: arn ?? `arn:aws:rds:${ctx.region}:${owner ?? 'unknown'}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBClusterSnapshot',
        ...(s.StorageEncrypted
          ? { status: 'pass' as const, reason: `${label}, is encrypted${keyOf(s.KmsKeyId)}` }
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
        ...(b.Encrypted ? { status: 'pass' as const, reason: `${label} are encrypted${keyOf(b.KmsKeyId)}` } : { status: 'fail' as const, reason: `${label} are not encrypted: they hold the deleted database's data` }),
      });
    }
    // What was not read is said, never taken as "none".
    const where = `in account ${ctx.accountId}, ${ctx.region}`;
    // Each read as a failure names it, and as missing from older evidence (the third name, where it differs).
    const unread: [string, unknown, string?][] = [
      ['DescribeDBClusters (DB clusters, such as an Aurora cluster without instances)', data.dbClusters],
      ['DescribeDBSnapshots (manual DB snapshots)', data.dbSnapshots],
      ['DescribeDBSnapshots SnapshotType awsbackup (AWS Backup recovery points of DB instances)', data.awsBackupDbSnapshots],
      ['DescribeDBSnapshots SnapshotType shared (DB snapshots other accounts share with this one)', data.sharedDbSnapshots],
      ['DescribeDBClusterSnapshots (manual DB cluster snapshots)', data.dbClusterSnapshots],
      ['DescribeDBClusterSnapshots SnapshotType shared (DB cluster snapshots other accounts share with this one)', data.sharedDbClusterSnapshots],
      [
        'AWS Backup ListBackupVaults (the backup vaults holding AWS Backup recovery points of Aurora clusters)',
        data.auroraRecoveryPoints,
        'AWS Backup ListBackupVaults and ListRecoveryPointsByBackupVault ByResourceType Aurora (AWS Backup recovery points of Aurora clusters)',
      ],
      ['DescribeDBInstanceAutomatedBackups (retained automated backups of deleted instances)', data.dbInstanceAutomatedBackups],
    ];
    for (const [what, read] of unread) {
      if (isCapturedError(read)) results.push({ ...account, status: 'error', reason: `${what} failed (${read.error.code}: ${read.error.message}): whether they are encrypted ${where} is not in the evidence` });
    }
    for (const l of points && !isCapturedError(points) ? (points.vaultListings ?? []) : []) {
      if (!isCapturedError(l.vaults)) continue;
      const e = l.vaults.error;
      const what = VAULT_LISTINGS.find((x) => x.listing === l.listing)?.what ?? 'backup vaults';
      results.push({
        ...account,
        status: 'error',
        reason: `AWS Backup ListBackupVaults ${l.listing} (${what}) failed (${e.code}: ${e.message}): the recovery points of DB clusters those vaults hold ${where}, and whether they are encrypted, are not in the evidence`,
      });
    }
    for (const v of points && !isCapturedError(points) ? points.byVault : []) {
      if (!isCapturedError(v.recoveryPoints)) continue;
      const e = v.recoveryPoints.error;
      const of = (v.resourceType ?? 'Aurora') === 'Aurora' ? 'its recovery points of Aurora clusters' : 'its recovery points of resource type RDS: Multi-AZ DB clusters and DB instances';
      results.push({
        ...account,
        status: 'error',
        reason: `AWS Backup ListRecoveryPointsByBackupVault of ${vaultLabel(v)} (${of}) failed (${e.code}: ${e.message}): whether they are encrypted ${where} is not in the evidence`,
      });
    }
    const missing = unread.filter(([, read]) => read === undefined).map(([what, , asMissing]) => asMissing ?? what);
    // Evidence sealed before the vault-type listings and resource type RDS were read holds Aurora's listing of the
    // unfiltered vaults only: Multi-AZ DB clusters' recovery points, and air-gapped, restore access and shared vaults, are not in it.
    if (points && !isCapturedError(points) && points.vaultListings === undefined) {
      missing.push(
        'AWS Backup ListBackupVaults ByVaultType and ByShared (logically air-gapped, restore access and shared backup vaults) and ListRecoveryPointsByBackupVault ByResourceType RDS (AWS Backup recovery points of Multi-AZ DB clusters)',
      );
    }
    if (missing.length) {
      results.push({
        ...account,
        status: 'needs-review',
        reason: `the evidence holds no ${missing.join(', no ')} response (evidence sealed before this check read them, or DB instances read through AWS Config): whether those are encrypted in ${ctx.region} is not shown`,
      });
    }
    if (results.length === 0) results.push({ ...account, status: 'not-applicable', reason: `the account has no RDS database instances, DB clusters, manual, AWS Backup or shared DB (cluster) snapshots, AWS Backup recovery points of Aurora clusters, or retained automated backups in ${ctx.region}` });
    return results;
  }),
});

/**
 * The listings of backup vaults beyond ListBackupVaults without a filter: AWS Backup's reference documents ByVaultType
 * and ByShared filters but not that the unfiltered listing holds every vault type, so each is asked for by name.
 */
const VAULT_LISTINGS = [
  { listing: 'ByVaultType LOGICALLY_AIR_GAPPED_BACKUP_VAULT', what: 'logically air-gapped backup vaults', input: { ByVaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' as const } },
  { listing: 'ByVaultType RESTORE_ACCESS_BACKUP_VAULT', what: 'restore access backup vaults', input: { ByVaultType: 'RESTORE_ACCESS_BACKUP_VAULT' as const } },
  { listing: 'ByShared true', what: 'backup vaults other accounts share with this one', input: { ByShared: true } },
];

/** The resource types whose recovery points are DB clusters': Aurora, and RDS (Multi-AZ DB clusters; DB instances too). */
const CLUSTER_RESOURCE_TYPES = ['Aurora', 'RDS'] as const;

/**
 * ListBackupVaults (unfiltered, and by vault type and shared), then each vault's recovery points of resource types
 * Aurora and RDS; a vault of another account is read with its BackupVaultAccountId. A listing that fails keeps its
 * failure.
 */
async function readAuroraRecoveryPoints(ctx: QueryContext): Promise<AuroraRecoveryPointsEvidence> {
  const sdk = await loadBackupSdk();
  const client = ctx.clients.get(sdk.BackupClient);
  // The same listing backup.plans reads (a shared read: sent once per account and region).
  const vaults = await allPages(sdk.paginateListBackupVaults({ client, pageSize: 1000 }, {}), (p) => p.BackupVaultList, ctx);
  const vaultListings: NonNullable<AuroraRecoveryPointsEvidence['vaultListings']> = [];
  for (const l of VAULT_LISTINGS) {
    vaultListings.push({ listing: l.listing, vaults: await captureFailure(() => allPages(sdk.paginateListBackupVaults({ client, pageSize: 1000 }, l.input), (p) => p.BackupVaultList, ctx), ctx.signal) });
  }
  const all = new Map<string, BackupVaultListMember>();
  for (const v of [...vaults, ...vaultListings.flatMap((l) => (Array.isArray(l.vaults) ? l.vaults : []))]) {
    const key = v.BackupVaultArn ?? `${ctx.accountId}/${v.BackupVaultName}`;
    if (!all.has(key)) all.set(key, v);
  }
  const byVault: AuroraRecoveryPointsEvidence['byVault'] = [];
  for (const v of all.values()) {
    const backupVaultName = v.BackupVaultName ?? '';
    const owner = v.BackupVaultArn?.split(':')[4];
    const backupVaultAccountId = owner && owner !== ctx.accountId ? owner : undefined;
    for (const resourceType of CLUSTER_RESOURCE_TYPES) {
      const recoveryPoints = await captureFailure(
        () =>
          allPages(
            sdk.paginateListRecoveryPointsByBackupVault({ client, pageSize: 1000 }, { BackupVaultName: backupVaultName, ...(backupVaultAccountId ? { BackupVaultAccountId: backupVaultAccountId } : {}), ByResourceType: resourceType }),
            (p) => p.RecoveryPoints,
            ctx,
          ),
        ctx.signal,
      );
      byVault.push({ backupVaultName, ...(backupVaultAccountId ? { backupVaultAccountId } : {}), ...(v.VaultType ? { vaultType: v.VaultType } : {}), resourceType, recoveryPoints });
    }
  }
  return { vaults, vaultListings, byVault };
}

/** A vault as a reason names it: its name, its type when not a standard backup vault, its owner when another account. */
function vaultLabel(v: { backupVaultName: string; backupVaultAccountId?: string; vaultType?: string }): string {
  const type = v.vaultType === 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' ? 'logically air-gapped ' : v.vaultType === 'RESTORE_ACCESS_BACKUP_VAULT' ? 'restore access ' : '';
  return `${type}backup vault ${v.backupVaultName}${v.backupVaultAccountId ? ` of account ${v.backupVaultAccountId}` : ''}`;
}

/**
 * One AWS Backup recovery point of a DB cluster (resource type Aurora, or RDS for a Multi-AZ DB cluster) or, in a vault
 * whose recovery points RDS does not list as DB snapshots, of a DB instance (resource type RDS), judged by AWS Backup's
 * IsEncrypted. Its cluster is the one its ResourceArn names: a listed cluster of the region is its parent; a recovery
 * point of a cluster no longer listed (or of another account's or region's cluster, copied into this vault) says so.
 */
function auroraRecoveryPoint(
  p: RecoveryPointByBackupVault,
  vault: { backupVaultName: string; backupVaultAccountId?: string; vaultType?: string },
  resourceType: 'Aurora' | 'RDS',
  clusters: DBCluster[] | undefined,
  ctx: EvaluationContext,
): ResourceResult {
  const arn = p.ResourceArn?.split(':');
  const ofInstance = resourceType === 'RDS' && arn?.[5] === 'db';
  const resourceId = arn && (arn[5] === 'cluster' || arn[5] === 'db') ? arn.slice(6).join(':') : (p.ResourceName ?? p.ResourceArn ?? 'unknown');
  const own = arn !== undefined && arn[3] === ctx.region && arn[4] === ctx.accountId;
  const cluster = own && !ofInstance ? clusters?.find((c) => c.DBClusterArn === p.ResourceArn || c.DBClusterIdentifier === resourceId) : undefined;
  const where = arn && !own ? ` (of account ${arn[4]} in ${arn[3]})` : clusters && !cluster && !ofInstance ? ' (no longer in the region)' : '';
  const state = p.Status && p.Status !== 'COMPLETED' && p.Status !== 'AVAILABLE' ? `, status ${p.Status}` : '';
  const deleteAt = p.CalculatedLifecycle?.DeleteAt ? `, to be deleted ${new Date(p.CalculatedLifecycle.DeleteAt).toISOString()}` : '';
  const recoveryPointArn = p.RecoveryPointArn ?? `${p.BackupVaultArn ?? vault.backupVaultName}/unknown`;
  const what = resourceType === 'Aurora' ? `Aurora cluster ${resourceId}` : ofInstance ? `database ${resourceId}` : `Multi-AZ DB cluster ${resourceId}${cluster?.Engine ? ` (${cluster.Engine})` : ''}`;
  return storedCopy({
    resource: recoveryPointArn,
    resourceType: recoveryPointArn.includes(':cluster-snapshot:') ? 'AWS::RDS::DBClusterSnapshot' : recoveryPointArn.includes(':snapshot:') ? 'AWS::RDS::DBSnapshot' : 'AWS::Backup::RecoveryPoint',
    ...(cluster ? { parent: { resource: cluster.DBClusterArn ?? p.ResourceArn!, resourceType: 'AWS::RDS::DBCluster' } } : {}),
    label: `AWS Backup recovery point ${recoveryPointArn} of ${what}${where}, in ${vaultLabel(vault)}${state}${p.CreationDate ? `, taken ${new Date(p.CreationDate).toISOString()}` : ''}${deleteAt}`,
    encrypted: p.IsEncrypted,
    key: p.EncryptionKeyArn,
    holds: `it holds the ${ofInstance ? 'database' : 'cluster'}'s data as it was ${UNTIL_RETENTION}`,
  });
}
