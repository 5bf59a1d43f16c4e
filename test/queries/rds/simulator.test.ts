import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { rdsState } from '../../../src/simulator/services/rds.js';
import { backupState } from '../../../src/simulator/services/backup.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { simulatorCredentials } from '../../../src/simulator/index.js';
import type { RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { SimAccount } from '../../../src/simulator/world.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;
const byDb = (results: { resource: string; status: string }[]) => Object.fromEntries(results.map((r) => [r.resource.split(':').pop(), r.status]));

describe('RDS queries against the simulated demo account', () => {
  it('the legacy reporting database fails encryption, public access and backups; the orders database passes', async () => {
    // The demo account also keeps the unencrypted snapshot the migration of orders-db to encrypted storage left behind.
    // And the unencrypted automated backups a deleted reporting database left (retained for seven days); the live
    // instances' own (active) automated backups are encrypted as they are and not judged again.
    const encryption = (await session.run(q('rds.storage-encrypted'), 'us-east-1')).results;
    // AWS Backup's recovery point of orders-db is a DB snapshot of type awsbackup, read and judged like a manual one.
    const recoveryPoint = encryption.find((r) => r.resource.includes(':snapshot:awsbackup:job-'))!;
    expect(recoveryPoint).toMatchObject({ status: 'pass', reason: expect.stringMatching(/^AWS Backup recovery point awsbackup:job-[0-9a-f-]+ \(a DB snapshot\) of database orders-db, taken .*, is encrypted \(key arn:aws:kms:/) });
    // The Aurora clusters: the payments ledger is encrypted, the claims history is not; AWS Backup's recovery points
    // of them (read from AWS Backup, resource type Aurora) are encrypted as their cluster is, and the claims history's
    // fails naming recovery point, cluster and vault.
    const auroraPoints = encryption.filter((r) => r.resource.includes(':cluster-snapshot:awsbackup:job-'));
    expect(auroraPoints.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(auroraPoints[0]).toMatchObject({ parent: { resource: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments-ledger`, resourceType: 'AWS::RDS::DBCluster' } });
    expect(auroraPoints[1].reason).toMatch(
      new RegExp(`^AWS Backup recovery point arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-[0-9a-f-]+ of Aurora cluster claims-history, in backup vault payments-vault, taken .*, is not encrypted: it holds the cluster's data as it was until AWS Backup's retention deletes it`),
    );
    expect(byDb(encryption)).toEqual({
      'orders-db': 'pass',
      'legacy-reporting': 'fail',
      'payments-ledger': 'pass',
      'claims-history': 'fail',
      [auroraPoints[0].resource.split(':').pop()!]: 'pass',
      [auroraPoints[1].resource.split(':').pop()!]: 'fail',
      'orders-db-before-upgrade': 'pass',
      'orders-db-unencrypted-source': 'fail',
      [recoveryPoint.resource.split(':').pop()!]: 'pass',
      [encryption.at(-1)!.resource.split(':').pop()!]: 'fail',
    });
    expect(encryption.at(-1)).toMatchObject({ resourceType: 'AWS::RDS::DBInstanceAutomatedBackup', reason: expect.stringMatching(/^retained automated backups of deleted database reporting-2019 \(mysql, kept 7 days, restorable to any time from .* to .*\) are not encrypted/) });
    expect(byDb((await session.run(q('rds.public-access'), 'us-east-1')).results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail' });
    const backups = await session.run(q('rds.backup-retention'), 'us-east-1');
    expect(byDb(backups.results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail' });
    expect(backups.results[1].reason).toContain('only 1 day');
  });

  it('a region without databases is not applicable', async () => {
    expect((await session.run(q('rds.storage-encrypted'), 'us-west-2')).results).toEqual([expect.objectContaining({ resource: 'account', status: 'not-applicable' })]);
  });
});

/** An account outside the demo that shares cluster snapshots with it: one unencrypted, one encrypted, one with someone else. */
const PARTNER = '444455556666';

describe('rds.storage-encrypted against a simulated Aurora cluster with AWS Backup recovery points and shared cluster snapshots', () => {
  const vaultArn = `arn:aws:backup:us-east-1:${DEMO_ACCOUNT_ID}:backup-vault:payments-vault`;
  const point = (id: string, cluster: string, encrypted: boolean): RecoveryPointByBackupVault => ({
    RecoveryPointArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-${id}`,
    BackupVaultName: 'payments-vault',
    BackupVaultArn: vaultArn,
    ResourceArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:${cluster}`,
    ResourceType: 'Aurora',
    ResourceName: cluster,
    Status: 'COMPLETED',
    CreationDate: new Date(Date.UTC(2025, 4, 1)),
    IsEncrypted: encrypted,
    ...(encrypted ? { EncryptionKeyArn: `arn:aws:kms:us-east-1:${DEMO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab` } : {}),
  });
  const aurora = demoSession(() => {
    const world = demoWorld();
    const s = rdsState(world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const arn = (account: string, id: string) => `arn:aws:rds:us-east-1:${account}:cluster-snapshot:${id}`;
    s.dbClusters.push({ DBClusterIdentifier: 'payments', DBClusterArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments`, Engine: 'aurora-postgresql', Status: 'available', StorageEncrypted: true, DBClusterMembers: [] });
    // AWS Backup keeps the cluster's recovery points in a vault, more than one page holds (1,000): every page is read.
    const b = backupState(world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    for (let i = 0; i < 1002; i++) b.recoveryPoints.push(point(String(i).padStart(8, '0'), 'payments', true));
    // And, after the cluster was deleted, the unencrypted recovery point of ledger-aurora.
    b.recoveryPoints.push(point('deadbeef-0001', 'ledger-aurora', false));
    // A DB instance's recovery point in the same vault is RDS's to list (a DB snapshot of type awsbackup), not read here.
    b.recoveryPoints.push({ ...point('0db0db0d', 'orders-db', false), ResourceArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:db:orders-db`, ResourceType: 'RDS' });
    const partner = world.addAccount(new SimAccount(PARTNER, 'partner', ['us-east-1']));
    const p = rdsState(partner, 'us-east-1');
    const own = (id: string, encrypted: boolean) => ({ DBClusterSnapshotIdentifier: id, DBClusterSnapshotArn: arn(PARTNER, id), DBClusterIdentifier: 'partner-ledger', Engine: 'aurora-mysql', SnapshotType: 'manual', Status: 'available', StorageEncrypted: encrypted });
    p.dbClusterSnapshots.push(own('ledger-export', false), own('ledger-export-encrypted', true), own('ledger-private', false));
    p.restoreAccounts['ledger-export'] = [DEMO_ACCOUNT_ID];
    p.restoreAccounts['ledger-export-encrypted'] = ['210987654321', DEMO_ACCOUNT_ID];
    p.restoreAccounts['ledger-private'] = ['210987654321'];
    return world;
  });

  it('reads every vault\'s Aurora recovery points from AWS Backup, fails the unencrypted one naming cluster, vault and recovery point, and reviews the unencrypted cluster snapshot shared in', async () => {
    const { results, calls } = await aurora.run(q('rds.storage-encrypted'), 'us-east-1');
    // Every vault of the region is read for recovery points of types Aurora and RDS (the Default vault holds none); RDS
    // is never asked for DB cluster snapshots of type awsbackup, which it does not document.
    const listings = calls.filter((c) => c.operation === 'backup:ListRecoveryPointsByBackupVault').map((c) => c.input as { BackupVaultName: string; ByResourceType: string; NextToken?: string });
    expect(listings.map((i) => `${i.BackupVaultName} ${i.ByResourceType} ${i.NextToken ? 'next' : 'first'}`)).toEqual([
      'Default Aurora first',
      'Default RDS first',
      'payments-vault Aurora first',
      'payments-vault Aurora next',
      'payments-vault RDS first',
    ]);
    expect(calls.filter((c) => c.operation === 'rds:DescribeDBClusterSnapshots').map((c) => (c.input as { SnapshotType?: string }).SnapshotType)).toEqual(['manual', 'shared']);
    // The demo's own clusters' recovery points (payments-ledger, claims-history) are judged too; these are the test's.
    const points = results.filter((r) => r.resource.includes(':cluster-snapshot:awsbackup:job-') && !/payments-ledger|claims-history/.test(r.reason));
    expect(points).toHaveLength(1003);
    expect(points.filter((r) => r.status === 'pass')).toHaveLength(1002);
    expect(points.find((r) => r.status !== 'pass')).toMatchObject({
      status: 'fail',
      resource: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-deadbeef-0001`,
      resourceType: 'AWS::RDS::DBClusterSnapshot',
      reason: `AWS Backup recovery point arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-deadbeef-0001 of Aurora cluster ledger-aurora (no longer in the region), in backup vault payments-vault, taken 2025-05-01T00:00:00.000Z, is not encrypted: it holds the cluster's data as it was until AWS Backup's retention deletes it (backup.plans judges the retention)`,
    });
    expect(points[0]).toMatchObject({ parent: { resource: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments` } });
    expect(results.some((r) => r.resource.includes('job-0db0db0d'))).toBe(false);
    const shared = results.filter((r) => r.resource.startsWith(`arn:aws:rds:us-east-1:${PARTNER}:`));
    expect(shared.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['ledger-export needs-review', 'ledger-export-encrypted pass']);
    expect(shared[0].reason).toContain('shared with this account by account 444455556666, is not encrypted');
    expect(results.filter((r) => r.resource === 'account')).toEqual([]);
  });

  it('keeps a refused recovery point listing as evidence: an error naming the API, vault, account and region, never a pass', async () => {
    aurora.sim.setFaults({ rateLimits: {}, rules: [{ operation: 'backup:ListRecoveryPointsByBackupVault', accessDenied: true }] });
    try {
      const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(aurora.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
      const query = q('rds.storage-encrypted');
      const data = JSON.parse(canonicalJson(await query.collect({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params: {}, now: aurora.now }))) as unknown;
      clients.destroy();
      const results = query.evaluate(data, {}, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: aurora.now.toISOString() });
      expect(results.filter((r) => r.resource.includes(':cluster-snapshot:awsbackup:'))).toEqual([]);
      const errors = results.filter((r) => r.resource === 'account');
      expect(errors.map((r) => r.status)).toEqual(['error', 'error', 'error', 'error']);
      expect(errors.map((r) => r.reason.replace(/\(AccessDeniedException: [^)]*\)/, '(AccessDeniedException: ...)'))).toEqual(
        ['Default', 'payments-vault'].flatMap((vault) =>
          ['its recovery points of Aurora clusters', 'its recovery points of resource type RDS: Multi-AZ DB clusters and DB instances'].map(
            (of) => `AWS Backup ListRecoveryPointsByBackupVault of backup vault ${vault} (${of}) failed (AccessDeniedException: ...): whether they are encrypted in account ${DEMO_ACCOUNT_ID}, us-east-1 is not in the evidence`,
          ),
        ),
      );
    } finally {
      aurora.sim.setFaults({});
    }
  });
});

/** The organisation's backup account: it keeps a logically air-gapped vault and shares it with the demo account. */
const BACKUP_ACCOUNT = '777788889999';

describe('rds.storage-encrypted against a simulated Multi-AZ DB cluster and every backup vault type', () => {
  const clusterArn = `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:claims-maz`;
  const point = (id: string, vaultAccount: string, vaultName: string, encrypted: boolean, type: string, resource = clusterArn): RecoveryPointByBackupVault => ({
    RecoveryPointArn: `arn:aws:backup:us-east-1:${vaultAccount}:recovery-point:${id}`,
    BackupVaultName: vaultName,
    BackupVaultArn: `arn:aws:backup:us-east-1:${vaultAccount}:backup-vault:${vaultName}`,
    ResourceArn: resource,
    ResourceType: type,
    Status: 'COMPLETED',
    CreationDate: new Date(Date.UTC(2025, 4, 1)),
    IsEncrypted: encrypted,
  });
  const lag = (account: string, name: string) => ({
    BackupVaultName: name,
    BackupVaultArn: `arn:aws:backup:us-east-1:${account}:backup-vault:${name}`,
    VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' as const,
    VaultState: 'AVAILABLE' as const,
    Locked: true,
    MinRetentionDays: 35,
    MaxRetentionDays: 400,
  });
  const world = demoSession(() => {
    const w = demoWorld();
    const demo = w.account(DEMO_ACCOUNT_ID)!;
    // A Multi-AZ DB cluster (not Aurora): engine postgres, with a DB cluster instance class.
    rdsState(demo, 'us-east-1').dbClusters.push({ DBClusterIdentifier: 'claims-maz', DBClusterArn: clusterArn, Engine: 'postgres', DBClusterInstanceClass: 'db.m6gd.large', Status: 'available', StorageEncrypted: true, DBClusterMembers: [] });
    const b = backupState(demo, 'us-east-1');
    // AWS Backup lists its recovery points by resource type RDS: the one in payments-vault is unencrypted.
    b.recoveryPoints.push({ ...point('maz-0001', DEMO_ACCOUNT_ID, 'payments-vault', false, 'RDS'), RecoveryPointArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-maz-0001` });
    // The demo account's own logically air-gapped vault, holding an encrypted copy of the cluster and of orders-db.
    b.vaults.push(lag(DEMO_ACCOUNT_ID, 'vault-lag'));
    b.recoveryPoints.push(point('lag-0001', DEMO_ACCOUNT_ID, 'vault-lag', true, 'RDS'), point('lag-0002', DEMO_ACCOUNT_ID, 'vault-lag', true, 'RDS', `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:db:orders-db`));
    // The backup account's air-gapped vault, shared with the demo account: an unencrypted Aurora copy of ledger-aurora.
    const other = backupState(w.addAccount(new SimAccount(BACKUP_ACCOUNT, 'backup', ['us-east-1'])), 'us-east-1');
    other.vaults.push(lag(BACKUP_ACCOUNT, 'org-lag'));
    other.sharedWith = { 'org-lag': [DEMO_ACCOUNT_ID] };
    other.recoveryPoints.push(point('org-0001', BACKUP_ACCOUNT, 'org-lag', false, 'Aurora', `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:ledger-aurora`));
    return w;
  });

  it('lists every vault type by name, reads a shared vault with its owner account, and fails the unencrypted Multi-AZ and air-gapped copies', async () => {
    const { results, calls } = await world.run(q('rds.storage-encrypted'), 'us-east-1');
    const vaultListings = calls.filter((c) => c.operation === 'backup:ListBackupVaults').map((c) => { const i = c.input as { ByVaultType?: string; ByShared?: boolean }; return { ...(i.ByVaultType ? { ByVaultType: i.ByVaultType } : {}), ...(i.ByShared ? { ByShared: i.ByShared } : {}) }; });
    expect(vaultListings).toEqual([{}, { ByVaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' }, { ByVaultType: 'RESTORE_ACCESS_BACKUP_VAULT' }, { ByShared: true }]);
    const reads = calls.filter((c) => c.operation === 'backup:ListRecoveryPointsByBackupVault').map((c) => c.input as { BackupVaultName: string; BackupVaultAccountId?: string; ByResourceType: string });
    expect(reads.filter((i) => i.BackupVaultName === 'org-lag')).toEqual([
      expect.objectContaining({ BackupVaultAccountId: BACKUP_ACCOUNT, ByResourceType: 'Aurora' }),
      expect.objectContaining({ BackupVaultAccountId: BACKUP_ACCOUNT, ByResourceType: 'RDS' }),
    ]);
    const points = results.filter((r) => (r.resource.includes('recovery-point:') || r.resource.includes(':cluster-snapshot:awsbackup:')) && !/payments-ledger|claims-history/.test(r.reason));
    expect(points.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['job-maz-0001 fail', 'lag-0001 pass', 'lag-0002 pass', 'org-0001 fail']);
    expect(points[0].reason).toMatch(/^AWS Backup recovery point \S+ of Multi-AZ DB cluster claims-maz \(postgres\), in backup vault payments-vault, taken .*, is not encrypted/);
    expect(points[2].reason).toMatch(/^AWS Backup recovery point \S+ of database orders-db, in logically air-gapped backup vault vault-lag, /);
    expect(points[3].reason).toMatch(new RegExp(`^AWS Backup recovery point \\S+ of Aurora cluster ledger-aurora \\(no longer in the region\\), in logically air-gapped backup vault org-lag of account ${BACKUP_ACCOUNT}, taken .*, is not encrypted`));
    expect(results.filter((r) => r.resource === 'account')).toEqual([]);
  });
});
