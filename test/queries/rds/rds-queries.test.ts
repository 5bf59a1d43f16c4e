import type { DBClusterSnapshot, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import type { BackupVaultListMember, RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/rds/index.js';
import { storageEncrypted } from '../../../src/queries/rds/storage-encrypted.js';
import { publicAccess } from '../../../src/queries/rds/public-access.js';
import { backupRetention } from '../../../src/queries/rds/backup-retention.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { REGION, badDb, encryptedSnapshot, goodDb, headlessCluster, leftoverClusterSnapshot, leftoverSnapshot, noBackupsDb, paymentsCluster, paymentsMember, replicaDb } from '../../fixtures/rds/rds.js';

const ctx = { accountId: '111122223333', region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource.split(':').pop()!, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

const all = { dbInstances: [goodDb, badDb, noBackupsDb, replicaDb] };
/**
 * rds.storage-encrypted's evidence: the instances, and no DB cluster, manual, AWS Backup or shared (cluster) snapshot,
 * AWS Backup vault (so no Aurora recovery point) or retained automated backup.
 */
const none = { dbClusters: [], dbSnapshots: [], awsBackupDbSnapshots: [], sharedDbSnapshots: [], dbClusterSnapshots: [], sharedDbClusterSnapshots: [], auroraRecoveryPoints: { vaults: [], vaultListings: [], byVault: [] }, dbInstanceAutomatedBackups: [] };

describe('RDS queries', () => {
  it('registers the four RDS queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['rds.backup-retention', 'rds.public-access', 'rds.snapshot-sharing', 'rds.storage-encrypted']);
    expect(backupRetention.parameters?.minimumBackupRetentionDays.default).toBe(7);
    expect(backupRetention.parameters?.minimumBackupRetentionDays.description).toMatch(/^Organisation choice/);
  });
  it('rds.storage-encrypted fails unencrypted storage', () => {
    expect(statusOf(evaluateBoth(storageEncrypted, { ...all, ...none }))).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail', 'scratch-db': 'pass', 'orders-db-replica': 'pass' });
  });
  it('rds.storage-encrypted judges DB clusters once, and fails an unencrypted cluster without instances', () => {
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], ...none, dbClusters: [paymentsCluster, headlessCluster] });
    // payments-1 is judged through its cluster, not a second time as an instance.
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', payments: 'pass', archive: 'fail' });
    expect(results.find((r) => r.resource.endsWith(':cluster:payments'))).toMatchObject({ resourceType: 'AWS::RDS::DBCluster', reason: expect.stringContaining('DB cluster payments (aurora-postgresql, instances payments-1) has encrypted storage') });
    expect(results.find((r) => r.resource.endsWith(':cluster:archive'))!.reason).toBe('DB cluster archive (aurora-mysql, no DB instances) stores its data unencrypted');
    // Only the unencrypted cluster: the region is not "without databases".
    expect(statusOf(evaluateBoth(storageEncrypted, { dbInstances: [], ...none, dbClusters: [headlessCluster] }))).toEqual({ archive: 'fail' });
  });
  it('rds.storage-encrypted fails an unencrypted manual DB snapshot or cluster snapshot left behind', () => {
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], dbClusters: [paymentsCluster], dbSnapshots: [encryptedSnapshot, leftoverSnapshot], awsBackupDbSnapshots: [], sharedDbSnapshots: [], dbClusterSnapshots: [leftoverClusterSnapshot], sharedDbClusterSnapshots: [], auroraRecoveryPoints: none.auroraRecoveryPoints, dbInstanceAutomatedBackups: [] });
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', payments: 'pass', 'orders-db-before-upgrade': 'pass', 'orders-db-unencrypted-source': 'fail', 'payments-pre-migration': 'fail' });
    const snap = (id: string) => results.find((r) => r.resource.endsWith(`:${id}`))!;
    expect(snap('orders-db-unencrypted-source')).toMatchObject({ resourceType: 'AWS::RDS::DBSnapshot', reason: expect.stringMatching(/^manual DB snapshot orders-db-unencrypted-source of database orders-db-old \(no longer in the region\), taken 2024-01-10T08:00:00.000Z, is not encrypted/) });
    expect(snap('orders-db-before-upgrade')).toMatchObject({ parent: { resource: goodDb.DBInstanceArn, resourceType: 'AWS::RDS::DBInstance' } });
    expect(snap('payments-pre-migration')).toMatchObject({ resourceType: 'AWS::RDS::DBClusterSnapshot', parent: { resource: paymentsCluster.DBClusterArn } });
  });
  it('rds.storage-encrypted keeps the instances judged when a later read failed, and says what older evidence lacks', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized to perform rds:DescribeDBSnapshots' } };
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], dbClusters: denied, dbSnapshots: denied, awsBackupDbSnapshots: [], sharedDbSnapshots: [], dbClusterSnapshots: [], sharedDbClusterSnapshots: [], auroraRecoveryPoints: none.auroraRecoveryPoints, dbInstanceAutomatedBackups: [] });
    // Without the cluster listing the member is judged as an instance, as before.
    expect(results.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['orders-db pass', 'payments-1 pass', 'account error', 'account error']);
    expect(results[2].reason).toMatch(/^DescribeDBClusters .* failed \(AccessDenied: /);
    // Evidence sealed before the clusters and snapshots were read: instances judged, the rest needs review, never a clean pass.
    const older = evaluateBoth(storageEncrypted, { dbInstances: [goodDb] });
    expect(older.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(older[1].reason).toContain('evidence sealed before this check read them');
    expect(evaluateBoth(storageEncrypted, { dbInstances: [] }).map((r) => r.status)).toEqual(['needs-review']);
  });
  it('rds.storage-encrypted fails the unencrypted automated backups a deleted instance left (retained), and judges live instances\' backups through the instance', () => {
    // DescribeDBInstanceAutomatedBackups as documented: a live instance's backups (active) and a deleted one's (retained).
    const backup = (id: string, status: string, encrypted: boolean): DBInstanceAutomatedBackup => ({
      DBInstanceArn: `arn:aws:rds:${REGION}:111122223333:db:${id}`,
      DbiResourceId: `db-${id.toUpperCase()}`,
      DBInstanceIdentifier: id,
      Region: REGION,
      Status: status,
      Engine: 'postgres',
      Encrypted: encrypted,
      BackupRetentionPeriod: 7,
      RestoreWindow: { EarliestTime: new Date('2025-05-20T00:00:00.000Z'), LatestTime: new Date('2025-05-28T00:00:00.000Z') },
      DBInstanceAutomatedBackupsArn: `arn:aws:rds:${REGION}:111122223333:auto-backup:ab-${id}`,
    });
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...none, dbInstanceAutomatedBackups: [backup('orders-db', 'active', true), backup('old-ledger', 'retained', false), backup('old-crm', 'retained', true)] });
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', 'ab-old-ledger': 'fail', 'ab-old-crm': 'pass' });
    expect(results[1]).toMatchObject({
      resourceType: 'AWS::RDS::DBInstanceAutomatedBackup',
      reason: "retained automated backups of deleted database old-ledger (postgres, kept 7 days, restorable to any time from 2025-05-20T00:00:00.000Z to 2025-05-28T00:00:00.000Z) are not encrypted: they hold the deleted database's data",
    });
    // Evidence without the read (sealed before this check read it) needs review, naming it; a refused read is an error.
    const { dbInstanceAutomatedBackups: _b, ...withoutBackups } = none;
    const older = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...withoutBackups });
    expect(older.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(older[1].reason).toContain('no DescribeDBInstanceAutomatedBackups (retained automated backups of deleted instances) response');
    const refused = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...none, dbInstanceAutomatedBackups: { error: { code: 'AccessDenied', message: 'denied' } } });
    expect(refused.map((r) => r.status)).toEqual(['pass', 'error']);
  });
  it('rds.storage-encrypted fails an unencrypted AWS Backup recovery point of a DB instance, and reviews an unencrypted snapshot another account shares', () => {
    // DescribeDBSnapshots SnapshotType awsbackup and shared, as documented: AWS Backup names its snapshots awsbackup:job-<id>;
    // a snapshot shared with the account is named by its ARN in the owner's account.
    const point = (id: string, db: string, encrypted: boolean): DBSnapshot => ({
      DBSnapshotIdentifier: `awsbackup:job-${id}`,
      DBSnapshotArn: `arn:aws:rds:${REGION}:111122223333:snapshot:awsbackup:job-${id}`,
      DBInstanceIdentifier: db,
      SnapshotCreateTime: new Date('2025-05-30T05:00:00.000Z'),
      Engine: 'postgres',
      SnapshotType: 'awsbackup',
      Status: 'available',
      Encrypted: encrypted,
      ...(encrypted ? { KmsKeyId: `arn:aws:kms:${REGION}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab` } : {}),
    });
    const shared = (id: string, encrypted: boolean): DBSnapshot => ({
      DBSnapshotIdentifier: `arn:aws:rds:${REGION}:444455556666:snapshot:${id}`,
      DBSnapshotArn: `arn:aws:rds:${REGION}:444455556666:snapshot:${id}`,
      DBInstanceIdentifier: 'partner-ledger',
      SnapshotCreateTime: new Date('2025-04-01T00:00:00.000Z'),
      Engine: 'mysql',
      SnapshotType: 'shared',
      Status: 'available',
      Encrypted: encrypted,
    });
    const results = evaluateBoth(storageEncrypted, {
      dbInstances: [goodDb],
      ...none,
      awsBackupDbSnapshots: [point('0a1b2c3d', 'orders-db', true), point('9f8e7d6c', 'orders-db-old', false)],
      sharedDbSnapshots: [shared('partner-export', false), shared('partner-export-encrypted', true)],
    });
    expect(results.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['orders-db pass', 'job-0a1b2c3d pass', 'job-9f8e7d6c fail', 'partner-export needs-review', 'partner-export-encrypted pass']);
    expect(results[1]).toMatchObject({ resourceType: 'AWS::RDS::DBSnapshot', parent: { resource: goodDb.DBInstanceArn } });
    expect(results[2].reason).toBe(
      "AWS Backup recovery point awsbackup:job-9f8e7d6c (a DB snapshot) of database orders-db-old (no longer in the region), taken 2025-05-30T05:00:00.000Z, is not encrypted: it holds the database's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)",
    );
    expect(results[3].reason).toContain('shared with this account by account 444455556666, taken 2025-04-01T00:00:00.000Z, is not encrypted: its owner stores it');
    // A refused read is an error naming it; evidence sealed before these reads says so, never a clean pass.
    const refused = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...none, sharedDbSnapshots: { error: { code: 'AccessDenied', message: 'denied' } } });
    expect(refused.map((r) => r.status)).toEqual(['pass', 'error']);
    expect(refused[1].reason).toContain('DescribeDBSnapshots SnapshotType shared (DB snapshots other accounts share with this one) failed (AccessDenied: denied)');
    const { awsBackupDbSnapshots: _a, sharedDbSnapshots: _s, ...earlier } = none;
    const older = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...earlier });
    expect(older.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(older[1].reason).toContain('the evidence holds no DescribeDBSnapshots SnapshotType awsbackup (AWS Backup recovery points of DB instances), no DescribeDBSnapshots SnapshotType shared');
  });
  it('rds.storage-encrypted reads Aurora recovery points from AWS Backup: an unencrypted one fails naming cluster, vault and recovery point', () => {
    // ListRecoveryPointsByBackupVault ByResourceType Aurora, as documented: AWS Backup keeps an Aurora cluster's recovery
    // point as a DB cluster snapshot named awsbackup:job-<id>, and says whether it is encrypted (IsEncrypted).
    const vaultArn = (name: string) => `arn:aws:backup:${REGION}:111122223333:backup-vault:${name}`;
    const vault = (name: string): BackupVaultListMember => ({ BackupVaultName: name, BackupVaultArn: vaultArn(name), VaultType: 'BACKUP_VAULT', VaultState: 'AVAILABLE', NumberOfRecoveryPoints: 2 });
    const point = (id: string, cluster: string, vaultName: string, encrypted: boolean | undefined, rest: Partial<RecoveryPointByBackupVault> = {}): RecoveryPointByBackupVault => ({
      RecoveryPointArn: `arn:aws:rds:${REGION}:111122223333:cluster-snapshot:awsbackup:job-${id}`,
      BackupVaultName: vaultName,
      BackupVaultArn: vaultArn(vaultName),
      ResourceArn: `arn:aws:rds:${REGION}:111122223333:cluster:${cluster}`,
      ResourceType: 'Aurora',
      ResourceName: cluster,
      Status: 'COMPLETED',
      CreationDate: new Date('2025-05-31T04:00:00.000Z'),
      CalculatedLifecycle: { DeleteAt: new Date('2025-07-05T04:00:00.000Z') },
      ...(encrypted === undefined ? {} : { IsEncrypted: encrypted }),
      ...(encrypted ? { EncryptionKeyArn: paymentsCluster.KmsKeyId } : {}),
      ...rest,
    });
    const shared = (id: string, encrypted: boolean): DBClusterSnapshot => ({
      DBClusterSnapshotIdentifier: `arn:aws:rds:${REGION}:444455556666:cluster-snapshot:${id}`,
      DBClusterSnapshotArn: `arn:aws:rds:${REGION}:444455556666:cluster-snapshot:${id}`,
      DBClusterIdentifier: 'partner-ledger',
      SnapshotCreateTime: new Date('2025-04-02T00:00:00.000Z'),
      Engine: 'aurora-mysql',
      SnapshotType: 'shared',
      Status: 'available',
      StorageEncrypted: encrypted,
    });
    const auroraRecoveryPoints = {
      vaults: [vault('payments-vault'), vault('Default')],
      vaultListings: [],
      byVault: [
        { backupVaultName: 'payments-vault', recoveryPoints: [point('1a2b3c4d', 'payments', 'payments-vault', true), point('5e6f7a8b', 'ledger-aurora', 'payments-vault', false, { Status: 'EXPIRED' })] },
        { backupVaultName: 'Default', recoveryPoints: [point('9c9c9c9c', 'payments', 'Default', undefined)] },
      ],
    };
    const results = evaluateBoth(storageEncrypted, {
      dbInstances: [paymentsMember],
      ...none,
      dbClusters: [paymentsCluster],
      auroraRecoveryPoints,
      sharedDbClusterSnapshots: [shared('partner-cluster-export', false), shared('partner-cluster-export-encrypted', true)],
    });
    expect(results.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual([
      'payments pass',
      'job-1a2b3c4d pass',
      'job-5e6f7a8b fail',
      'job-9c9c9c9c needs-review',
      'partner-cluster-export needs-review',
      'partner-cluster-export-encrypted pass',
    ]);
    const rp = (id: string) => `arn:aws:rds:${REGION}:111122223333:cluster-snapshot:awsbackup:job-${id}`;
    expect(results[1]).toMatchObject({ resource: rp('1a2b3c4d'), resourceType: 'AWS::RDS::DBClusterSnapshot', parent: { resource: paymentsCluster.DBClusterArn, resourceType: 'AWS::RDS::DBCluster' } });
    expect(results[1].reason).toBe(
      `AWS Backup recovery point ${rp('1a2b3c4d')} of Aurora cluster payments, in backup vault payments-vault, taken 2025-05-31T04:00:00.000Z, to be deleted 2025-07-05T04:00:00.000Z, is encrypted (key ${paymentsCluster.KmsKeyId})`,
    );
    // A vault keeps the recovery points of a cluster since deleted: still judged, and said to outlive it.
    expect(results[2]).toMatchObject({ resource: rp('5e6f7a8b'), resourceType: 'AWS::RDS::DBClusterSnapshot' });
    expect(results[2]).not.toHaveProperty('parent');
    expect(results[2].reason).toBe(
      `AWS Backup recovery point ${rp('5e6f7a8b')} of Aurora cluster ledger-aurora (no longer in the region), in backup vault payments-vault, status EXPIRED, taken 2025-05-31T04:00:00.000Z, to be deleted 2025-07-05T04:00:00.000Z, is not encrypted: it holds the cluster's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)`,
    );
    // A response without IsEncrypted is never taken for encrypted.
    expect(results[3].reason).toMatch(/^AWS Backup recovery point .* in backup vault Default, .*: the response does not say whether it is encrypted \(unencrypted, it holds the cluster's data/);
    expect(results[4].reason).toBe(
      `DB cluster snapshot arn:aws:rds:${REGION}:444455556666:cluster-snapshot:partner-cluster-export of cluster partner-ledger (aurora-mysql), shared with this account by account 444455556666, taken 2025-04-02T00:00:00.000Z, is not encrypted: its owner stores it (that account's own evidence judges it) and this account can restore or copy it; confirm it holds no cardholder data or ePHI, or ask the owner to share an encrypted copy`,
    );
    // Without the cluster listing, a recovery point is not said to outlive its cluster; one copied in from another
    // account's cluster names that account and region.
    const copied = point('7d7d7d7d', 'partner-ledger', 'payments-vault', false, { ResourceArn: 'arn:aws:rds:us-west-2:444455556666:cluster:partner-ledger' });
    const unlisted = evaluateBoth(storageEncrypted, {
      dbInstances: [],
      ...none,
      dbClusters: { error: { code: 'AccessDenied', message: 'denied' } },
      auroraRecoveryPoints: { vaults: [vault('payments-vault')], vaultListings: [], byVault: [{ backupVaultName: 'payments-vault', recoveryPoints: [point('5e6f7a8b', 'ledger-aurora', 'payments-vault', false), copied] }] },
    });
    expect(unlisted.map((r) => r.status)).toEqual(['fail', 'fail', 'error']);
    expect(unlisted[0].reason).toMatch(/^AWS Backup recovery point \S+ of Aurora cluster ledger-aurora, in backup vault payments-vault, taken /);
    expect(unlisted[1].reason).toMatch(/^AWS Backup recovery point \S+ of Aurora cluster partner-ledger \(of account 444455556666 in us-west-2\), in backup vault payments-vault, /);
  });
  it('rds.storage-encrypted: a refused AWS Backup read is an error naming the API, vault, account and region, never a pass', () => {
    const denied = (api: string) => ({ error: { code: 'AccessDeniedException', message: `not authorized to perform backup:${api}` } });
    const vaults = evaluateBoth(storageEncrypted, { dbInstances: [goodDb], ...none, auroraRecoveryPoints: denied('ListBackupVaults') });
    expect(vaults.map((r) => r.status)).toEqual(['pass', 'error']);
    expect(vaults[1].reason).toBe(
      `AWS Backup ListBackupVaults (the backup vaults holding AWS Backup recovery points of Aurora clusters) failed (AccessDeniedException: not authorized to perform backup:ListBackupVaults): whether they are encrypted in account 111122223333, ${REGION} is not in the evidence`,
    );
    // One vault's listing refused (its access policy denies it): the other vault's recovery points are still judged.
    const vault = (name: string): BackupVaultListMember => ({ BackupVaultName: name, BackupVaultArn: `arn:aws:backup:${REGION}:111122223333:backup-vault:${name}` });
    const oneVault = evaluateBoth(storageEncrypted, {
      dbInstances: [],
      ...none,
      auroraRecoveryPoints: { vaults: [vault('locked-vault'), vault('Default')], vaultListings: [], byVault: [{ backupVaultName: 'locked-vault', recoveryPoints: denied('ListRecoveryPointsByBackupVault') }, { backupVaultName: 'Default', recoveryPoints: [] }] },
    });
    expect(oneVault).toEqual([
      {
        resource: 'account',
        resourceType: 'AWS::::Account',
        status: 'error',
        reason: `AWS Backup ListRecoveryPointsByBackupVault of backup vault locked-vault (its recovery points of Aurora clusters) failed (AccessDeniedException: not authorized to perform backup:ListRecoveryPointsByBackupVault): whether they are encrypted in account 111122223333, ${REGION} is not in the evidence`,
      },
    ]);
    // No vault at all: nothing to judge, and nothing unread.
    expect(evaluateBoth(storageEncrypted, { dbInstances: [], ...none }).map((r) => r.status)).toEqual(['not-applicable']);
  });
  it('rds.storage-encrypted reads Multi-AZ DB clusters\' recovery points (resource type RDS) and every vault type: an unencrypted one fails naming cluster, vault and recovery point', () => {
    // AWS Backup documents resource type RDS for Amazon RDS and Aurora for Amazon Aurora: a Multi-AZ DB cluster (engine
    // postgres, DBClusterInstanceClass) is RDS's, so its recovery points are listed by resource type RDS.
    const multiAz = { DBClusterIdentifier: 'claims-maz', DBClusterArn: `arn:aws:rds:${REGION}:111122223333:cluster:claims-maz`, Engine: 'postgres', DBClusterInstanceClass: 'db.m6gd.large', StorageEncrypted: true, DBClusterMembers: [] };
    const own = (name: string) => `arn:aws:backup:${REGION}:111122223333:backup-vault:${name}`;
    const point = (id: string, resource: string, vaultArn: string, encrypted: boolean, type: string): RecoveryPointByBackupVault => ({
      RecoveryPointArn: resource.includes(':cluster:') ? `arn:aws:rds:${REGION}:111122223333:cluster-snapshot:awsbackup:job-${id}` : `arn:aws:backup:${REGION}:${vaultArn.split(':')[4]}:recovery-point:${id}`,
      BackupVaultName: vaultArn.split(':').pop(),
      BackupVaultArn: vaultArn,
      ResourceArn: resource,
      ResourceType: type,
      Status: 'COMPLETED',
      CreationDate: new Date('2025-05-31T04:00:00.000Z'),
      IsEncrypted: encrypted,
    });
    const clusterArn = multiAz.DBClusterArn;
    const dbArn = `arn:aws:rds:${REGION}:111122223333:db:orders-db`;
    const airGapped = `arn:aws:backup:${REGION}:111122223333:backup-vault:vault-lag`;
    const partnerVault = `arn:aws:backup:${REGION}:444455556666:backup-vault:org-lag`;
    const results = evaluateBoth(storageEncrypted, {
      dbInstances: [],
      ...none,
      dbClusters: [multiAz],
      auroraRecoveryPoints: {
        vaults: [{ BackupVaultName: 'payments-vault', BackupVaultArn: own('payments-vault'), VaultType: 'BACKUP_VAULT' }],
        vaultListings: [
          { listing: 'ByVaultType LOGICALLY_AIR_GAPPED_BACKUP_VAULT', vaults: [{ BackupVaultName: 'vault-lag', BackupVaultArn: airGapped, VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' }] },
          { listing: 'ByVaultType RESTORE_ACCESS_BACKUP_VAULT', vaults: { error: { code: 'AccessDeniedException', message: 'not authorized to perform backup:ListBackupVaults' } } },
          { listing: 'ByShared true', vaults: [{ BackupVaultName: 'org-lag', BackupVaultArn: partnerVault, VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' }] },
        ],
        byVault: [
          { backupVaultName: 'payments-vault', vaultType: 'BACKUP_VAULT', resourceType: 'Aurora', recoveryPoints: [] },
          // A DB instance's recovery point in the account's own vault is RDS's DB snapshot of type awsbackup: judged there, not again.
          { backupVaultName: 'payments-vault', vaultType: 'BACKUP_VAULT', resourceType: 'RDS', recoveryPoints: [point('a0000001', clusterArn, own('payments-vault'), false, 'RDS'), point('a0000002', dbArn, own('payments-vault'), false, 'RDS')] },
          { backupVaultName: 'vault-lag', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', resourceType: 'Aurora', recoveryPoints: [] },
          // In an air-gapped vault RDS lists no DB snapshot: the instance's recovery point is judged here.
          { backupVaultName: 'vault-lag', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', resourceType: 'RDS', recoveryPoints: [point('b0000001', dbArn, airGapped, true, 'RDS')] },
          { backupVaultName: 'org-lag', backupVaultAccountId: '444455556666', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', resourceType: 'Aurora', recoveryPoints: { error: { code: 'AccessDeniedException', message: 'denied by the vault access policy' } } },
          { backupVaultName: 'org-lag', backupVaultAccountId: '444455556666', vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', resourceType: 'RDS', recoveryPoints: [point('c0000001', clusterArn, partnerVault, false, 'RDS')] },
        ],
      },
    });
    expect(results.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['claims-maz pass', 'job-a0000001 fail', 'b0000001 pass', 'job-c0000001 fail', 'account error', 'account error']);
    expect(results[1]).toMatchObject({ resourceType: 'AWS::RDS::DBClusterSnapshot', parent: { resource: clusterArn, resourceType: 'AWS::RDS::DBCluster' } });
    expect(results[1].reason).toBe(
      `AWS Backup recovery point arn:aws:rds:${REGION}:111122223333:cluster-snapshot:awsbackup:job-a0000001 of Multi-AZ DB cluster claims-maz (postgres), in backup vault payments-vault, taken 2025-05-31T04:00:00.000Z, is not encrypted: it holds the cluster's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)`,
    );
    expect(results[2].reason).toMatch(/^AWS Backup recovery point \S+ of database orders-db, in logically air-gapped backup vault vault-lag, taken .*, is encrypted$/);
    expect(results[3].reason).toMatch(/^AWS Backup recovery point \S+ of Multi-AZ DB cluster claims-maz \(postgres\), in logically air-gapped backup vault org-lag of account 444455556666, taken .*, is not encrypted/);
    expect(results[4].reason).toBe(
      `AWS Backup ListBackupVaults ByVaultType RESTORE_ACCESS_BACKUP_VAULT (restore access backup vaults) failed (AccessDeniedException: not authorized to perform backup:ListBackupVaults): the recovery points of DB clusters those vaults hold in account 111122223333, ${REGION}, and whether they are encrypted, are not in the evidence`,
    );
    expect(results[5].reason).toBe(
      `AWS Backup ListRecoveryPointsByBackupVault of logically air-gapped backup vault org-lag of account 444455556666 (its recovery points of Aurora clusters) failed (AccessDeniedException: denied by the vault access policy): whether they are encrypted in account 111122223333, ${REGION} is not in the evidence`,
    );
    // Evidence sealed before these reads (Aurora's listing of the unfiltered vaults only) needs review naming what it lacks.
    const earlier = evaluateBoth(storageEncrypted, { dbInstances: [], ...none, dbClusters: [multiAz], auroraRecoveryPoints: { vaults: [], byVault: [] } });
    expect(earlier.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(earlier[1].reason).toContain('no AWS Backup ListBackupVaults ByVaultType and ByShared (logically air-gapped, restore access and shared backup vaults) and ListRecoveryPointsByBackupVault ByResourceType RDS (AWS Backup recovery points of Multi-AZ DB clusters) response');
  });
  it('rds.storage-encrypted evidence sealed before the AWS Backup Aurora and shared cluster snapshot reads needs review naming them, never a pass', () => {
    // Evidence the previous releases sealed: without the shared cluster snapshots, and without AWS Backup's Aurora
    // recovery points (earlier runs asked RDS for DB cluster snapshots of type awsbackup, which RDS does not document
    // for clusters: that field is no longer judged).
    const { auroraRecoveryPoints: _a, sharedDbClusterSnapshots: _s, ...earlier } = none;
    const legacy = { error: { code: 'InvalidParameterValue', message: 'Invalid snapshot type: awsbackup' } };
    const older = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], ...earlier, dbClusters: [paymentsCluster], awsBackupDbClusterSnapshots: legacy });
    expect(older.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['orders-db pass', 'payments pass', 'account needs-review']);
    expect(older[2].reason).toBe(
      `the evidence holds no DescribeDBClusterSnapshots SnapshotType shared (DB cluster snapshots other accounts share with this one), no AWS Backup ListBackupVaults and ListRecoveryPointsByBackupVault ByResourceType Aurora (AWS Backup recovery points of Aurora clusters) response (evidence sealed before this check read them, or DB instances read through AWS Config): whether those are encrypted in ${REGION} is not shown`,
    );
    // A region with no database at all in such evidence is not "not applicable": it was not fully read.
    expect(evaluateBoth(storageEncrypted, { dbInstances: [], ...earlier }).map((r) => r.status)).toEqual(['needs-review']);
  });
  it('rds.public-access fails a publicly accessible instance and names its endpoint', () => {
    const results = evaluateBoth(publicAccess, all);
    expect(statusOf(results)['legacy-reporting']).toBe('fail');
    expect(results[1].reason).toContain('legacy-reporting.cabcdefghijk.us-east-1.rds.amazonaws.com:3306');
    // The flag is what permits public access; reachability also needs a public subnet, whose routes are not in the evidence.
    expect(results[1].reason).toContain('PubliclyAccessible is true (AWS then gives the endpoint legacy-reporting.cabcdefghijk.us-east-1.rds.amazonaws.com:3306 a public IP address when the subnet group allows it; not resolved here)');
    // Only DescribeDBInstances was read: no DNS lookup, so the reason never says what the endpoint resolves to.
    expect(results[1].reason).not.toMatch(/resolves to/);
    expect(publicAccess.description).toContain('this check reads the setting only and resolves no DNS name');
    expect(results[1].reason).toContain('also depends on the subnets of');
    expect(results[1].reason).toContain('routing to an internet gateway, which this evidence does not show');
    expect(results.filter((r) => r.status === 'pass')).toHaveLength(3);
  });
  it('rds.public-access keeps failing the flag in a subnet group whose routes the evidence lacks, naming the group', () => {
    // AWS: the instance must be in a public subnet and have PubliclyAccessible on to be reachable; DescribeDBInstances
    // gives only the subnet ids, so the flag (what permits public access) fails and the reason says what is not shown.
    const privateOnly = { ...badDb, DBSubnetGroup: { DBSubnetGroupName: 'private-only', VpcId: 'vpc-0a1b2c3d', Subnets: [{ SubnetIdentifier: 'subnet-0private1' }] } };
    const [r] = evaluateBoth(publicAccess, { dbInstances: [privateOnly] });
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('the subnets of DB subnet group private-only routing to an internet gateway, which this evidence does not show') });
  });
  it('rds.backup-retention fails short and disabled backups; a replica relies on its source', () => {
    const results = evaluateBoth(backupRetention, all);
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail', 'scratch-db': 'fail', 'orders-db-replica': 'not-applicable' });
    expect(results[1].reason).toContain('only 1 day, below the 7-day minimum (minimumBackupRetentionDays, an organisation choice)');
    expect(statusOf(evaluateBoth(backupRetention, all, { minimumBackupRetentionDays: 30 }))['orders-db']).toBe('fail');
  });
  it('rds.backup-retention needs review when the latest restorable time is missing or lags the collection', () => {
    // Retention is a setting: a storage-full or stopped database keeps it while its backups stop.
    const stale = { ...goodDb, DBInstanceIdentifier: 'ledger', DBInstanceArn: goodDb.DBInstanceArn!.replace('orders-db', 'ledger'), DBInstanceStatus: 'storage-full', LatestRestorableTime: new Date('2025-05-01T00:00:00.000Z') };
    const never = { ...goodDb, DBInstanceIdentifier: 'ledger2', DBInstanceArn: goodDb.DBInstanceArn!.replace('orders-db', 'ledger2'), LatestRestorableTime: undefined };
    const results = evaluateBoth(backupRetention, { dbInstances: [goodDb, stale, never] });
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', ledger: 'needs-review', ledger2: 'needs-review' });
    expect(results[0].reason).toContain('latest restorable time 2025-05-31T23:55:00.000Z');
    expect(results[1].reason).toMatch(/latest restorable time 2025-05-01T00:00:00.000Z was 744 hours old at collection \(more than 24\) \(status storage-full\)/);
    expect(results[2].reason).toContain('RDS reports no latest restorable time');
    // An Aurora member carries no restorable time of its own: the cluster does, and the reason says it was not read.
    const member = { ...goodDb, DBInstanceIdentifier: 'payments-1', Engine: 'aurora-postgresql', DBClusterIdentifier: 'payments', LatestRestorableTime: undefined };
    expect(evaluateBoth(backupRetention, { dbInstances: [member] })[0]).toMatchObject({ status: 'pass', reason: expect.stringContaining('kept on cluster payments, which this check does not read') });
    // The lag allowed is a parameter; a failing retention stays a failure.
    expect(statusOf(evaluateBoth(backupRetention, { dbInstances: [stale] }, { maxRestoreLagHours: 1000 })).ledger).toBe('pass');
    expect(statusOf(evaluateBoth(backupRetention, { dbInstances: [{ ...stale, BackupRetentionPeriod: 1 }] })).ledger).toBe('fail');
  });
  it('rds.backup-retention: a short retention needs review, not a failure, when AWS Backup made a recent recovery point of the database', () => {
    // ListProtectedResources as AWS Backup documents it: each resource with a recovery point and its latest backup time.
    const point = (arn: string, at: string) => ({ ResourceArn: arn, ResourceType: 'RDS', ResourceName: arn.split(':').pop(), LastBackupTime: new Date(at) });
    const results = evaluateBoth(backupRetention, {
      dbInstances: [badDb, noBackupsDb, goodDb],
      awsBackupProtected: [point(badDb.DBInstanceArn!, '2025-05-31T20:00:00.000Z'), point(noBackupsDb.DBInstanceArn!, '2025-05-20T00:00:00.000Z')],
    });
    expect(statusOf(results)).toEqual({ 'legacy-reporting': 'needs-review', 'scratch-db': 'fail', 'orders-db': 'pass' });
    expect(results[0].reason).toContain("only 1 day, below the 7-day minimum (minimumBackupRetentionDays, an organisation choice); AWS Backup's latest recovery point of it is from 2025-05-31T20:00:00.000Z (4 hours before the collection): whether AWS Backup keeps its recovery points for the minimum is judged by backup.plans");
    // An old recovery point makes up for nothing.
    expect(results[1].reason).toMatch(/^database scratch-db .* has automated backups turned off; AWS Backup's latest recovery point of it is from 2025-05-20T00:00:00.000Z \(288 hours before the collection\), more than maxRestoreLagHours \(24\)/);
    // No recovery point, a refused listing, or evidence without the listing: the short retention fails, saying which.
    expect(evaluateBoth(backupRetention, { dbInstances: [badDb], awsBackupProtected: [] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('; AWS Backup lists no recovery point of it') });
    const denied = { error: { code: 'AccessDeniedException', message: 'not authorized to perform backup:ListProtectedResources' } };
    expect(evaluateBoth(backupRetention, { dbInstances: [badDb], awsBackupProtected: denied })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('(ListProtectedResources failed: AccessDeniedException)') });
    expect(evaluateBoth(backupRetention, { dbInstances: [badDb] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining("AWS Backup's recovery points are not in this evidence") });
    // An Aurora member is covered by its cluster's recovery point.
    const member = { ...badDb, DBInstanceIdentifier: 'payments-1', DBInstanceArn: badDb.DBInstanceArn!.replace('legacy-reporting', 'payments-1'), Engine: 'aurora-postgresql', DBClusterIdentifier: 'payments' };
    expect(evaluateBoth(backupRetention, { dbInstances: [member], awsBackupProtected: [point(`arn:aws:rds:${REGION}:111122223333:cluster:payments`, '2025-05-31T12:00:00.000Z')] })[0].status).toBe('needs-review');
  });
  it('is not applicable without instances and errors without a response', () => {
    expect(evaluateBoth(storageEncrypted, { dbInstances: [], ...none })[0]).toMatchObject({ resource: 'account', status: 'not-applicable' });
    expect(evaluateBoth(publicAccess, {})[0]).toMatchObject({ resource: 'account', status: 'error' });
  });
});
