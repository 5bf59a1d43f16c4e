import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type DBInstanceAutomatedBackup,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedRds } from '../worlds/seed-rds.js';

/** RDS in one account and region: its DB instances, DB clusters and snapshots as the Describe operations report them. */
export interface RdsState {
  dbInstances: DBInstance[];
  dbClusters: DBCluster[];
  /** Manual, automated and AWS Backup (awsbackup) DB snapshots of the account (SnapshotType tells them apart). */
  dbSnapshots: DBSnapshot[];
  /**
   * Manual and automated DB cluster snapshots of the account. AWS Backup's recovery points of Aurora clusters are listed
   * by AWS Backup (the backup service's recoveryPoints): RDS documents no awsbackup type for DB cluster snapshots.
   */
  dbClusterSnapshots: DBClusterSnapshot[];
  /**
   * The accounts a manual (cluster) snapshot's `restore` attribute names, by snapshot identifier (`all`: public);
   * a manual snapshot not listed here is shared with no one. A named account of the world sees it as type `shared`.
   */
  restoreAccounts: Record<string, string[]>;
  /** Automated backups kept after their instance was deleted (status retained); live instances' are derived from them. */
  retainedAutomatedBackups: DBInstanceAutomatedBackup[];
}

declare module '../world.js' {
  interface RegionalState {
    rds: RdsState;
  }
}

export function rdsState(account: SimAccount, region: string): RdsState {
  return account.regional(region, 'rds', () => ({ dbInstances: [], dbClusters: [], dbSnapshots: [], dbClusterSnapshots: [], restoreAccounts: {}, retainedAutomatedBackups: [] }));
}

const state = (ctx: CallContext) => rdsState(ctx.account, ctx.region);

/** Marker paging as RDS documents it: MaxRecords 20 to 100, default 100. */
function page<T>(items: readonly T[], input: { Marker?: string; MaxRecords?: number }, scope: string): { page: T[]; Marker?: string } {
  const { page: items_, nextToken } = paginate(items, {
    token: input.Marker,
    limit: input.MaxRecords,
    defaultLimit: 100,
    maxLimit: 100,
    scope,
    invalidToken: () => new SimError('InvalidParameterValue', 'The marker is not valid.'),
    invalidLimit: (n) => new SimError('InvalidParameterValue', `Invalid value ${n} for MaxRecords. Must be between 20 and 100`),
  });
  return { page: items_, Marker: nextToken };
}

/** The SnapshotType values each listing documents: `awsbackup` for DB snapshots only ("does not apply to Aurora"). */
const DB_SNAPSHOT_TYPES = ['manual', 'automated', 'shared', 'public', 'awsbackup'];
const DB_CLUSTER_SNAPSHOT_TYPES = ['manual', 'automated', 'shared', 'public'];

/**
 * SnapshotType as documented: unset lists the account's manual and automated snapshots, and with IncludeShared also those
 * shared with it; `shared` lists only other accounts' manual snapshots whose restore attribute names this account
 * (IncludeShared does not apply); a type the listing does not document is refused. Public snapshots are not simulated:
 * `public` lists none.
 */
function ofType<T extends { SnapshotType?: string }>(own: readonly T[], type: string | undefined, includeShared: boolean | undefined, shared: () => T[], types: readonly string[]): T[] {
  if (type === undefined || type === '') return [...own.filter((s) => s.SnapshotType === 'manual' || s.SnapshotType === 'automated'), ...(includeShared ? shared() : [])];
  if (!types.includes(type)) throw new SimError('InvalidParameterValue', `Invalid snapshot type: ${type}`);
  if (type === 'shared') return shared();
  return own.filter((s) => s.SnapshotType === type);
}

/**
 * Other accounts' manual snapshots in the caller's region whose restore attribute names the caller, as the caller sees
 * them: identified by their ARN (the owner's account is in it) and of type `shared`.
 */
function sharedWith<T extends { SnapshotType?: string }>(ctx: CallContext, list: (s: RdsState) => readonly T[], id: (s: T) => string | undefined, asShared: (s: T) => T): T[] {
  const out: T[] = [];
  for (const [accountId, account] of ctx.world.accounts) {
    const s = accountId === ctx.account.id ? undefined : account.regions.get(ctx.region)?.rds;
    if (!s) continue;
    for (const snap of list(s)) if (snap.SnapshotType === 'manual' && (s.restoreAccounts[id(snap) ?? ''] ?? []).includes(ctx.account.id)) out.push(asShared(snap));
  }
  return out;
}

/** A live instance's automated backups as DescribeDBInstanceAutomatedBackups reports them (status active). */
function activeBackups(db: DBInstance, region: string): DBInstanceAutomatedBackup {
  const dbi = db.DbiResourceId ?? db.DBInstanceIdentifier ?? '';
  return {
    DBInstanceArn: db.DBInstanceArn,
    DbiResourceId: db.DbiResourceId,
    Region: region,
    DBInstanceIdentifier: db.DBInstanceIdentifier,
    RestoreWindow: db.LatestRestorableTime ? { EarliestTime: db.InstanceCreateTime, LatestTime: db.LatestRestorableTime } : {},
    AllocatedStorage: db.AllocatedStorage,
    Status: 'active',
    Port: db.Endpoint?.Port,
    InstanceCreateTime: db.InstanceCreateTime,
    MasterUsername: db.MasterUsername,
    Engine: db.Engine,
    EngineVersion: db.EngineVersion,
    Encrypted: db.StorageEncrypted,
    ...(db.KmsKeyId ? { KmsKeyId: db.KmsKeyId } : {}),
    StorageType: db.StorageType,
    BackupRetentionPeriod: db.BackupRetentionPeriod,
    PreferredBackupWindow: db.PreferredBackupWindow,
    DBInstanceAutomatedBackupsArn: `${(db.DBInstanceArn ?? '').replace(/:db:.*$/, '')}:auto-backup:ab-${dbi.replace(/^db-/, '').toLowerCase()}`,
    BackupTarget: 'region',
  };
}

export const rds: SimService = {
  name: 'rds',
  signingName: 'rds',
  protocol: awsQuery,
  xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
  seed: (account, world) => seedRds(account, world),
  operations: [
    operation(DescribeDBInstancesCommand, (input, ctx) => {
      let dbs = state(ctx).dbInstances;
      if (input.DBInstanceIdentifier) {
        const id = input.DBInstanceIdentifier;
        dbs = dbs.filter((d) => d.DBInstanceIdentifier === id || d.DBInstanceArn === id);
        if (dbs.length === 0) throw new SimError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
      }
      for (const f of input.Filters ?? []) {
        const values = f.Values ?? [];
        if (f.Name === 'engine') dbs = dbs.filter((d) => values.includes(d.Engine ?? ''));
        else if (f.Name === 'db-instance-id') dbs = dbs.filter((d) => values.includes(d.DBInstanceIdentifier ?? '') || values.includes(d.DBInstanceArn ?? ''));
        else if (f.Name === 'db-cluster-id') dbs = dbs.filter((d) => values.includes(d.DBClusterIdentifier ?? ''));
        else throw new SimError('InvalidParameterValue', `Unrecognized filter name: ${f.Name}.`);
      }
      const { page, nextToken } = paginate(dbs, {
        token: input.Marker,
        limit: input.MaxRecords,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `DescribeDBInstances/${input.DBInstanceIdentifier ?? ''}/${JSON.stringify(input.Filters ?? [])}`,
        invalidToken: () => new SimError('InvalidParameterValue', 'The marker is not valid.'),
        invalidLimit: (n) => new SimError('InvalidParameterValue', `Invalid value ${n} for MaxRecords. Must be between 20 and 100`),
      });
      return { DBInstances: page, Marker: nextToken };
    }),
    operation(DescribeDBClustersCommand, (input, ctx) => {
      let clusters = state(ctx).dbClusters;
      if (input.DBClusterIdentifier) {
        const id = input.DBClusterIdentifier;
        clusters = clusters.filter((c) => c.DBClusterIdentifier === id || c.DBClusterArn === id);
        if (clusters.length === 0) throw new SimError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
      }
      if (input.Filters?.length) throw new SimError('InvalidParameterValue', 'Filters are not simulated.');
      const { page: out, Marker } = page(clusters, input, `DescribeDBClusters/${input.DBClusterIdentifier ?? ''}`);
      return { DBClusters: out, Marker };
    }),
    operation(DescribeDBSnapshotsCommand, (input, ctx) => {
      const shared = () => sharedWith(ctx, (s) => s.dbSnapshots, (s) => s.DBSnapshotIdentifier, (s) => ({ ...s, DBSnapshotIdentifier: s.DBSnapshotArn, SnapshotType: 'shared' }));
      let snaps = ofType(state(ctx).dbSnapshots, input.SnapshotType, input.IncludeShared, shared, DB_SNAPSHOT_TYPES);
      if (input.DBInstanceIdentifier) snaps = snaps.filter((s) => s.DBInstanceIdentifier === input.DBInstanceIdentifier);
      if (input.DBSnapshotIdentifier) {
        snaps = snaps.filter((s) => s.DBSnapshotIdentifier === input.DBSnapshotIdentifier || s.DBSnapshotArn === input.DBSnapshotIdentifier);
        if (snaps.length === 0) throw new SimError('DBSnapshotNotFound', `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, 404);
      }
      if (input.Filters?.length) throw new SimError('InvalidParameterValue', 'Filters are not simulated.');
      const { page: out, Marker } = page(snaps, input, `DescribeDBSnapshots/${input.SnapshotType ?? ''}/${input.IncludeShared ?? ''}/${input.DBInstanceIdentifier ?? ''}/${input.DBSnapshotIdentifier ?? ''}`);
      return { DBSnapshots: out, Marker };
    }),
    operation(DescribeDBClusterSnapshotsCommand, (input, ctx) => {
      const shared = () =>
        sharedWith(ctx, (s) => s.dbClusterSnapshots, (s) => s.DBClusterSnapshotIdentifier, (s) => ({ ...s, DBClusterSnapshotIdentifier: s.DBClusterSnapshotArn, SnapshotType: 'shared' }));
      let snaps = ofType(state(ctx).dbClusterSnapshots, input.SnapshotType, input.IncludeShared, shared, DB_CLUSTER_SNAPSHOT_TYPES);
      if (input.DBClusterIdentifier) snaps = snaps.filter((s) => s.DBClusterIdentifier === input.DBClusterIdentifier);
      if (input.DBClusterSnapshotIdentifier) {
        snaps = snaps.filter((s) => s.DBClusterSnapshotIdentifier === input.DBClusterSnapshotIdentifier || s.DBClusterSnapshotArn === input.DBClusterSnapshotIdentifier);
        if (snaps.length === 0) throw new SimError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found.`, 404);
      }
      if (input.Filters?.length) throw new SimError('InvalidParameterValue', 'Filters are not simulated.');
      const { page: out, Marker } = page(snaps, input, `DescribeDBClusterSnapshots/${input.SnapshotType ?? ''}/${input.IncludeShared ?? ''}/${input.DBClusterIdentifier ?? ''}/${input.DBClusterSnapshotIdentifier ?? ''}`);
      return { DBClusterSnapshots: out, Marker };
    }),
    operation(DescribeDBInstanceAutomatedBackupsCommand, (input, ctx) => {
      const s = state(ctx);
      // Aurora members keep no automated backups of their own (the cluster does); instances without backups have none.
      const active = s.dbInstances.filter((d) => (d.BackupRetentionPeriod ?? 0) > 0 && !d.DBClusterIdentifier).map((d) => activeBackups(d, ctx.region));
      let backups = [...active, ...s.retainedAutomatedBackups];
      if (input.DBInstanceIdentifier) backups = backups.filter((b) => b.DBInstanceIdentifier === input.DBInstanceIdentifier);
      if (input.DbiResourceId) backups = backups.filter((b) => b.DbiResourceId === input.DbiResourceId);
      if (input.Filters?.length) throw new SimError('InvalidParameterValue', 'Filters are not simulated.');
      const { page: out, Marker } = page(backups, input, `DescribeDBInstanceAutomatedBackups/${input.DBInstanceIdentifier ?? ''}/${input.DbiResourceId ?? ''}`);
      return { DBInstanceAutomatedBackups: out, Marker };
    }),
    // Only manual snapshots have attributes; RDS answers the restore attribute with an empty list when none is shared.
    operation(DescribeDBSnapshotAttributesCommand, (input, ctx) => {
      const id = input.DBSnapshotIdentifier;
      if (!id) throw new SimError('InvalidParameterValue', 'The parameter DBSnapshotIdentifier must be provided.');
      const snap = state(ctx).dbSnapshots.find((s) => s.DBSnapshotIdentifier === id || s.DBSnapshotArn === id);
      if (!snap) throw new SimError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404);
      if (snap.SnapshotType !== 'manual') throw new SimError('InvalidParameterValue', `The DB snapshot ${id} is not a manual snapshot.`);
      const values = state(ctx).restoreAccounts[snap.DBSnapshotIdentifier ?? ''] ?? [];
      return { DBSnapshotAttributesResult: { DBSnapshotIdentifier: snap.DBSnapshotIdentifier, DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...values] }] } };
    }),
    operation(DescribeDBClusterSnapshotAttributesCommand, (input, ctx) => {
      const id = input.DBClusterSnapshotIdentifier;
      if (!id) throw new SimError('InvalidParameterValue', 'The parameter DBClusterSnapshotIdentifier must be provided.');
      const snap = state(ctx).dbClusterSnapshots.find((s) => s.DBClusterSnapshotIdentifier === id || s.DBClusterSnapshotArn === id);
      if (!snap) throw new SimError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`, 404);
      if (snap.SnapshotType !== 'manual') throw new SimError('InvalidParameterValue', `The DB cluster snapshot ${id} is not a manual snapshot.`);
      const values = state(ctx).restoreAccounts[snap.DBClusterSnapshotIdentifier ?? ''] ?? [];
      return {
        DBClusterSnapshotAttributesResult: { DBClusterSnapshotIdentifier: snap.DBClusterSnapshotIdentifier, DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...values] }] },
      };
    }),
  ],
};
