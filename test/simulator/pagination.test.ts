import { describe, expect, it } from 'vitest';
import { AccountClient, paginateListRegions } from '@aws-sdk/client-account';
import { CloudTrailClient, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import {
  ConfigServiceClient,
  paginateDescribeComplianceByConfigRule,
  paginateDescribeConfigRules,
  paginateDescribeConformancePackCompliance,
  paginateGetComplianceDetailsByConfigRule,
} from '@aws-sdk/client-config-service';
import { GuardDutyClient, ListDetectorsCommand, paginateListFindings } from '@aws-sdk/client-guardduty';
import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { paginateListBuckets, S3Client } from '@aws-sdk/client-s3';
import { BackupClient, ListRecoveryPointsByBackupVaultCommand, paginateListRecoveryPointsByBackupVault } from '@aws-sdk/client-backup';
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, paginateDescribeDBClusterSnapshots, paginateDescribeDBClusters, paginateDescribeDBSnapshots, RDSClient } from '@aws-sdk/client-rds';
import { demoWorld, organizationWorld } from '../../src/simulator/index.js';
import { addBucket } from '../../src/simulator/worlds/builders.js';
import { rdsState } from '../../src/simulator/services/rds.js';
import { backupState } from '../../src/simulator/services/backup.js';
import { SimAccount } from '../../src/simulator/world.js';
import { clientConfig, useSimulator } from './helpers.js';

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('pagination through the SDK paginators', () => {
  const sim = useSimulator(() => {
    const world = demoWorld();
    const acct = world.account('111122223333')!;
    for (let i = 0; i < 23; i++) addBucket(acct, { name: `demo-production-extra-${String(i).padStart(2, '0')}`, region: 'us-east-1', creationDate: new Date(Date.UTC(2024, 0, 1 + i)) });
    return { world, faults: { rateLimits: {} } };
  });

  it('paginateListBuckets walks continuation tokens honouring MaxBuckets', async () => {
    const pages = await collect(paginateListBuckets({ client: new S3Client(clientConfig(sim())), pageSize: 7 }, {}));
    const names = pages.flatMap((p) => p.Buckets!.map((b) => b.Name));
    expect(pages.map((p) => p.Buckets!.length)).toEqual([7, 7, 7, 7, 1]);
    expect(new Set(names).size).toBe(29);
    expect(names).toEqual([...names].sort());
    expect(pages.at(-1)!.ContinuationToken).toBeUndefined();
  });

  it('paginateLookupEvents pages 50 at a time over the whole history', async () => {
    const client = new CloudTrailClient(clientConfig(sim()));
    const pages = await collect(paginateLookupEvents({ client, pageSize: 50 }, { StartTime: new Date(Date.now() - 8 * 86_400_000) }));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0].Events).toHaveLength(50);
    const ids = pages.flatMap((p) => p.Events!.map((e) => e.EventId));
    expect(ids).toHaveLength(72); // 70 routine events + 2 console logins in us-east-1
    expect(new Set(ids).size).toBe(ids.length);
    const times = pages.flatMap((p) => p.Events!.map((e) => e.EventTime!.getTime()));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('paginateListFindings honours MaxResults', async () => {
    const client = new GuardDutyClient(clientConfig(sim()));
    const detectorId = (await client.send(new ListDetectorsCommand({}))).DetectorIds![0];
    const pages = await collect(paginateListFindings({ client, pageSize: 3 }, { DetectorId: detectorId }));
    expect(pages.map((p) => p.FindingIds!.length)).toEqual([3, 1]);
  });

  it('Config paginators: 28 rules in pages of 25; compliance details with Limit; pack compliance', async () => {
    const client = new ConfigServiceClient(clientConfig(sim()));
    const rules = await collect(paginateDescribeConfigRules({ client }, {}));
    expect(rules.map((p) => p.ConfigRules!.length)).toEqual([25, 3]);
    const compliance = await collect(paginateDescribeComplianceByConfigRule({ client }, {}));
    expect(compliance.flatMap((p) => p.ComplianceByConfigRules!)).toHaveLength(28);
    const details = await collect(paginateGetComplianceDetailsByConfigRule({ client, pageSize: 2 }, { ConfigRuleName: 's3-bucket-versioning-enabled' }));
    // Evaluated when the demo world was built: its four us-east-1 buckets.
    expect(details.map((p) => p.EvaluationResults!.length)).toEqual([2, 2]);
    const pack = await collect(paginateDescribeConformancePackCompliance({ client, pageSize: 10 }, { ConformancePackName: 'Operational-Best-Practices-for-PCI-DSS' }));
    expect(pack.map((p) => p.ConformancePackRuleComplianceList!.length)).toEqual([10, 10, 8]);
  });

  it('paginateListRegions', async () => {
    const pages = await collect(paginateListRegions({ client: new AccountClient(clientConfig(sim())), pageSize: 10 }, {}));
    expect(pages.flatMap((p) => p.Regions!)).toHaveLength(32);
  });
});

describe('Organizations ListAccounts pagination', () => {
  const sim = useSimulator(() => ({ world: organizationWorld({ accounts: 45, regions: ['us-east-1'], seed: 7 }) }));

  it('paginateListAccounts lists every account, 20 per page', async () => {
    const pages = await collect(paginateListAccounts({ client: new OrganizationsClient(clientConfig(sim())) }, {}));
    expect(pages.map((p) => p.Accounts!.length)).toEqual([20, 20, 5]);
    const accounts = pages.flatMap((p) => p.Accounts!);
    expect(accounts[0]).toMatchObject({ Id: '100000000001', Name: 'org-management', Status: 'ACTIVE' });
    expect(accounts[0].JoinedTimestamp).toBeInstanceOf(Date);
    expect(new Set(accounts.map((a) => a.Id)).size).toBe(45);
  });
});

describe('RDS Describe operations page with Marker', () => {
  const sim = useSimulator(() => {
    const world = demoWorld();
    const s = rdsState(world.account('111122223333')!, 'us-east-1');
    for (let i = 0; i < 22; i++) {
      const id = `extra-${String(i).padStart(2, '0')}`;
      s.dbSnapshots.push({ DBSnapshotIdentifier: id, DBInstanceIdentifier: 'orders-db', SnapshotType: i % 2 ? 'manual' : 'automated', Encrypted: true });
      s.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: id, DBClusterIdentifier: 'payments', SnapshotType: 'manual', StorageEncrypted: true });
    }
    s.dbClusters.push({ DBClusterIdentifier: 'archive', Engine: 'aurora-mysql', StorageEncrypted: false, DBClusterMembers: [] });
    return { world, faults: { rateLimits: {} } };
  });

  it('DescribeDBSnapshots filters SnapshotType and pages 20 at a time; the cluster operations answer too', async () => {
    const client = new RDSClient(clientConfig(sim()));
    const manual = await collect(paginateDescribeDBSnapshots({ client, pageSize: 20 }, { SnapshotType: 'manual' }));
    // 11 extra manual snapshots and the demo's two.
    expect(manual.map((p) => p.DBSnapshots!.length)).toEqual([13]);
    const every = await collect(paginateDescribeDBSnapshots({ client, pageSize: 20 }, {}));
    expect(every.map((p) => p.DBSnapshots!.length)).toEqual([20, 4]);
    expect(every.flatMap((p) => p.DBSnapshots!).find((x) => x.DBSnapshotIdentifier === 'orders-db-unencrypted-source')).toMatchObject({ Encrypted: false, SnapshotType: 'manual' });
    const clusterSnaps = await collect(paginateDescribeDBClusterSnapshots({ client, pageSize: 20 }, { SnapshotType: 'manual' }));
    expect(clusterSnaps.map((p) => p.DBClusterSnapshots!.length)).toEqual([20, 2]);
    const clusters = await collect(paginateDescribeDBClusters({ client, pageSize: 20 }, {}));
    // The demo's two Aurora clusters and the extra one.
    expect(clusters.flatMap((p) => p.DBClusters!).map((c) => c.DBClusterIdentifier)).toEqual(['payments-ledger', 'claims-history', 'archive']);
    expect(clusters.flatMap((p) => p.DBClusters!).at(-1)).toEqual(expect.objectContaining({ DBClusterIdentifier: 'archive', StorageEncrypted: false, DBClusterMembers: [] }));
    await expect(client.send(new DescribeDBSnapshotsCommand({ MaxRecords: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('RDS DescribeDBClusterSnapshots of type shared (awsbackup is documented for DB snapshots only)', () => {
  const OWNER = '444455556666';
  const sim = useSimulator(() => {
    const world = demoWorld();
    const s = rdsState(world.account('111122223333')!, 'us-east-1');
    s.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: 'payments-manual', DBClusterIdentifier: 'payments', SnapshotType: 'manual', StorageEncrypted: true });
    const owner = rdsState(world.addAccount(new SimAccount(OWNER, 'owner', ['us-east-1', 'us-west-2'])), 'us-east-1');
    for (const id of ['to-demo', 'to-nobody', 'to-others']) {
      owner.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: id, DBClusterSnapshotArn: `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:${id}`, DBClusterIdentifier: 'ledger', SnapshotType: 'manual', StorageEncrypted: false });
    }
    owner.restoreAccounts['to-demo'] = ['111122223333'];
    owner.restoreAccounts['to-others'] = ['210987654321', 'all'];
    return { world, faults: { rateLimits: {} } };
  });

  it('refuses SnapshotType awsbackup for DB cluster snapshots (AWS Backup lists Aurora recovery points), and lists shared cluster snapshots by their ARN', async () => {
    const client = new RDSClient(clientConfig(sim()));
    // The RDS API reference lists automated, manual, shared and public for DB cluster snapshots; awsbackup "does not apply to Aurora".
    await expect(client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'awsbackup' }))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Invalid snapshot type: awsbackup' });
    expect((await client.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'awsbackup' }))).DBSnapshots!.length).toBeGreaterThan(0);
    const every = await collect(paginateDescribeDBClusterSnapshots({ client, pageSize: 20 }, {}));
    expect(every.flatMap((p) => p.DBClusterSnapshots!).map((x) => x.DBClusterSnapshotIdentifier)).toEqual(['payments-manual']);
    // Shared: another account's manual snapshot whose restore attribute names this account, named by its ARN.
    const shared = await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }));
    expect(shared.DBClusterSnapshots).toEqual([
      expect.objectContaining({ DBClusterSnapshotIdentifier: `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:to-demo`, DBClusterSnapshotArn: `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:to-demo`, SnapshotType: 'shared', StorageEncrypted: false }),
    ]);
    // IncludeShared adds them to the default listing; another region has none.
    const withShared = await client.send(new DescribeDBClusterSnapshotsCommand({ IncludeShared: true }));
    expect(withShared.DBClusterSnapshots!.map((x) => x.DBClusterSnapshotIdentifier)).toEqual(['payments-manual', `arn:aws:rds:us-east-1:${OWNER}:cluster-snapshot:to-demo`]);
    const west = new RDSClient(clientConfig(sim(), { region: 'us-west-2' }));
    expect((await west.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared' }))).DBClusterSnapshots).toEqual([]);
    await expect(client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'backup' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('AWS Backup ListRecoveryPointsByBackupVault', () => {
  const sim = useSimulator(() => {
    const world = demoWorld();
    const s = backupState(world.account('111122223333')!, 'us-east-1');
    const vaultArn = 'arn:aws:backup:us-east-1:111122223333:backup-vault:payments-vault';
    for (let i = 0; i < 1003; i++) {
      s.recoveryPoints.push({
        RecoveryPointArn: `arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-${String(i).padStart(8, '0')}`,
        BackupVaultName: 'payments-vault',
        BackupVaultArn: vaultArn,
        ResourceArn: 'arn:aws:rds:us-east-1:111122223333:cluster:payments',
        ResourceType: 'Aurora',
        Status: 'COMPLETED',
        CreationDate: new Date(Date.UTC(2025, 0, 1, 0, i)),
        IsEncrypted: true,
        EncryptionKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      });
    }
    s.recoveryPoints.push({ RecoveryPointArn: 'arn:aws:rds:us-east-1:111122223333:snapshot:awsbackup:job-rds', BackupVaultName: 'payments-vault', BackupVaultArn: vaultArn, ResourceType: 'RDS', IsEncrypted: true });
    return { world, faults: { rateLimits: {} } };
  });

  it('lists a vault\'s recovery points of one resource type, 1,000 a page, and names a vault that does not exist as AWS does', async () => {
    const client = new BackupClient(clientConfig(sim()));
    const pages = await collect(paginateListRecoveryPointsByBackupVault({ client, pageSize: 1000 }, { BackupVaultName: 'payments-vault', ByResourceType: 'Aurora' }));
    // 1,003 here and the demo's two Aurora clusters' recovery points.
    expect(pages.map((p) => p.RecoveryPoints!.length)).toEqual([1000, 5]);
    expect(pages.flatMap((p) => p.RecoveryPoints!).find((p) => p.RecoveryPointArn!.endsWith('job-00000000'))).toMatchObject({ BackupVaultName: 'payments-vault', ResourceType: 'Aurora', IsEncrypted: true, CreationDate: new Date(Date.UTC(2025, 0, 1)) });
    // Without the type filter the DB instance's recovery point is listed too; the Default vault holds none.
    expect((await client.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'payments-vault', ByResourceType: 'RDS' }))).RecoveryPoints!.map((p) => p.ResourceType)).toEqual(['RDS']);
    expect((await client.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'Default' }))).RecoveryPoints).toEqual([]);
    await expect(client.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'no-such-vault' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(client.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'payments-vault', MaxResults: 1001 }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});
