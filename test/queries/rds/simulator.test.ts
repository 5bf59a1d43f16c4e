import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { rdsState } from '../../../src/simulator/services/rds.js';
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
    expect(byDb(encryption)).toEqual({
      'orders-db': 'pass',
      'legacy-reporting': 'fail',
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
  const aurora = demoSession(() => {
    const world = demoWorld();
    const s = rdsState(world.account(DEMO_ACCOUNT_ID)!, 'us-east-1');
    const arn = (account: string, id: string) => `arn:aws:rds:us-east-1:${account}:cluster-snapshot:${id}`;
    s.dbClusters.push({ DBClusterIdentifier: 'payments', DBClusterArn: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments`, Engine: 'aurora-postgresql', Status: 'available', StorageEncrypted: true, DBClusterMembers: [] });
    // More AWS Backup recovery points than one page holds (100): the query reads every page.
    for (let i = 0; i < 104; i++) {
      const id = `awsbackup:job-${String(i).padStart(8, '0')}-0000`;
      s.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: id, DBClusterSnapshotArn: arn(DEMO_ACCOUNT_ID, id), DBClusterIdentifier: 'payments', SnapshotType: 'awsbackup', Status: 'available', StorageEncrypted: true });
    }
    const gone = 'awsbackup:job-deadbeef-0001';
    s.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: gone, DBClusterSnapshotArn: arn(DEMO_ACCOUNT_ID, gone), DBClusterIdentifier: 'ledger-aurora', SnapshotType: 'awsbackup', Status: 'available', StorageEncrypted: false });
    const partner = world.addAccount(new SimAccount(PARTNER, 'partner', ['us-east-1']));
    const p = rdsState(partner, 'us-east-1');
    const own = (id: string, encrypted: boolean) => ({ DBClusterSnapshotIdentifier: id, DBClusterSnapshotArn: arn(PARTNER, id), DBClusterIdentifier: 'partner-ledger', Engine: 'aurora-mysql', SnapshotType: 'manual', Status: 'available', StorageEncrypted: encrypted });
    p.dbClusterSnapshots.push(own('ledger-export', false), own('ledger-export-encrypted', true), own('ledger-private', false));
    p.restoreAccounts['ledger-export'] = [DEMO_ACCOUNT_ID];
    p.restoreAccounts['ledger-export-encrypted'] = ['210987654321', DEMO_ACCOUNT_ID];
    p.restoreAccounts['ledger-private'] = ['210987654321'];
    return world;
  });

  it('fails the unencrypted recovery point naming its cluster, and reviews the unencrypted cluster snapshot shared in, naming its owner', async () => {
    const { results } = await aurora.run(q('rds.storage-encrypted'), 'us-east-1');
    const points = results.filter((r) => r.resource.includes(':cluster-snapshot:awsbackup:job-'));
    expect(points).toHaveLength(105);
    expect(points.filter((r) => r.status === 'pass')).toHaveLength(104);
    expect(points.find((r) => r.status !== 'pass')).toMatchObject({
      status: 'fail',
      resourceType: 'AWS::RDS::DBClusterSnapshot',
      reason: expect.stringMatching(/^AWS Backup recovery point awsbackup:job-deadbeef-0001 \(a DB cluster snapshot\) of cluster ledger-aurora \(no longer in the region\), is not encrypted/),
    });
    expect(points[0]).toMatchObject({ parent: { resource: `arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:cluster:payments` } });
    const shared = results.filter((r) => r.resource.startsWith(`arn:aws:rds:us-east-1:${PARTNER}:`));
    expect(shared.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['ledger-export needs-review', 'ledger-export-encrypted pass']);
    expect(shared[0].reason).toContain('shared with this account by account 444455556666, is not encrypted');
    expect(results.filter((r) => r.resource === 'account')).toEqual([]);
  });
});
