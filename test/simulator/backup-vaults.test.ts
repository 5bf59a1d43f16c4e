import { describe, expect, it } from 'vitest';
import { BackupClient, ListBackupVaultsCommand, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { RDSClient, DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../src/simulator/index.js';
import { backupState } from '../../src/simulator/services/backup.js';
import { SimAccount } from '../../src/simulator/world.js';
import { clientConfig, useSimulator } from './helpers.js';

const NOW = new Date('2026-06-01T12:00:00Z');
/** An account of the organisation that keeps a logically air-gapped vault and shares it with the demo account. */
const VAULT_OWNER = '777788889999';

describe('simulated Aurora clusters and backup vaults of every type through the real SDK clients', () => {
  const sim = useSimulator(() => {
    const world = demoWorld({ now: NOW });
    const owner = backupState(world.addAccount(new SimAccount(VAULT_OWNER, 'backup', ['us-east-1'])), 'us-east-1');
    owner.vaults.push({ BackupVaultName: 'org-lag', BackupVaultArn: `arn:aws:backup:us-east-1:${VAULT_OWNER}:backup-vault:org-lag`, VaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', VaultState: 'AVAILABLE', Locked: true });
    owner.vaults.push({ BackupVaultName: 'private', BackupVaultArn: `arn:aws:backup:us-east-1:${VAULT_OWNER}:backup-vault:private`, VaultType: 'BACKUP_VAULT', VaultState: 'AVAILABLE' });
    owner.sharedWith = { 'org-lag': [DEMO_ACCOUNT_ID] };
    owner.recoveryPoints.push({ RecoveryPointArn: `arn:aws:backup:us-east-1:${VAULT_OWNER}:recovery-point:copy-1`, BackupVaultName: 'org-lag', ResourceArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments-ledger`, ResourceType: 'Aurora', IsEncrypted: true });
    return { world, faults: { rateLimits: {} } };
  });

  it('the demo account has Aurora clusters classified by their tags, and AWS Backup recovery points of them, the claims history\'s unencrypted', async () => {
    const rds = new RDSClient(clientConfig(sim()));
    const clusters = (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    expect(clusters.map((c) => `${c.DBClusterIdentifier} ${c.Engine} ${c.StorageEncrypted}`)).toEqual(['payments-ledger aurora-postgresql true', 'claims-history aurora-mysql false']);
    // The demo scope selects data stores by tag: the Tagging API lists the clusters' tags, as it does RDS instances'.
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig(sim()));
    const tagged = (await tagging.send(new GetResourcesCommand({}))).ResourceTagMappingList ?? [];
    const classification = (id: string) => tagged.find((m) => m.ResourceARN === `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:${id}`)?.Tags?.find((t) => t.Key === 'data-classification')?.Value;
    expect([classification('payments-ledger'), classification('claims-history')]).toEqual(['cardholder-data', 'ephi']);
    const backup = new BackupClient(clientConfig(sim()));
    const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'payments-vault', ByResourceType: 'Aurora' }))).RecoveryPoints ?? [];
    expect(points.map((p) => `${p.ResourceName} ${p.IsEncrypted}`)).toEqual(['payments-ledger true', 'claims-history false']);
    expect(points[0].RecoveryPointArn).toMatch(new RegExp(`^arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster-snapshot:awsbackup:job-`));
  });

  it('ListBackupVaults ByShared lists the vaults other accounts share; their recovery points are read with BackupVaultAccountId, and only when shared', async () => {
    const backup = new BackupClient(clientConfig(sim()));
    const own = (await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList ?? [];
    expect(own.map((v) => v.BackupVaultName)).toEqual(['Default', 'payments-vault']);
    const shared = (await backup.send(new ListBackupVaultsCommand({ ByShared: true }))).BackupVaultList ?? [];
    expect(shared.map((v) => `${v.BackupVaultArn} ${v.VaultType}`)).toEqual([`arn:aws:backup:us-east-1:${VAULT_OWNER}:backup-vault:org-lag LOGICALLY_AIR_GAPPED_BACKUP_VAULT`]);
    expect((await backup.send(new ListBackupVaultsCommand({ ByShared: true, ByVaultType: 'BACKUP_VAULT' }))).BackupVaultList).toEqual([]);
    const points = (await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'org-lag', BackupVaultAccountId: VAULT_OWNER }))).RecoveryPoints ?? [];
    expect(points.map((p) => p.RecoveryPointArn)).toEqual([`arn:aws:backup:us-east-1:${VAULT_OWNER}:recovery-point:copy-1`]);
    // Without the owner's account id the name is looked up in the caller's own vaults; an unshared vault is not found.
    await expect(backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'org-lag' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'private', BackupVaultAccountId: VAULT_OWNER }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
