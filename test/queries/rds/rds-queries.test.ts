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
/** rds.storage-encrypted's evidence: the instances, and no DB cluster or manual snapshot. */
const none = { dbClusters: [], dbSnapshots: [], dbClusterSnapshots: [] };

describe('RDS queries', () => {
  it('registers the three RDS queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['rds.backup-retention', 'rds.public-access', 'rds.storage-encrypted']);
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
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], dbClusters: [paymentsCluster], dbSnapshots: [encryptedSnapshot, leftoverSnapshot], dbClusterSnapshots: [leftoverClusterSnapshot] });
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', payments: 'pass', 'orders-db-before-upgrade': 'pass', 'orders-db-unencrypted-source': 'fail', 'payments-pre-migration': 'fail' });
    const snap = (id: string) => results.find((r) => r.resource.endsWith(`:${id}`))!;
    expect(snap('orders-db-unencrypted-source')).toMatchObject({ resourceType: 'AWS::RDS::DBSnapshot', reason: expect.stringMatching(/^manual DB snapshot orders-db-unencrypted-source of database orders-db-old \(no longer in the region\), taken 2024-01-10T08:00:00.000Z, is not encrypted/) });
    expect(snap('orders-db-before-upgrade')).toMatchObject({ parent: { resource: goodDb.DBInstanceArn, resourceType: 'AWS::RDS::DBInstance' } });
    expect(snap('payments-pre-migration')).toMatchObject({ resourceType: 'AWS::RDS::DBClusterSnapshot', parent: { resource: paymentsCluster.DBClusterArn } });
  });
  it('rds.storage-encrypted keeps the instances judged when a later read failed, and says what older evidence lacks', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized to perform rds:DescribeDBSnapshots' } };
    const results = evaluateBoth(storageEncrypted, { dbInstances: [goodDb, paymentsMember], dbClusters: denied, dbSnapshots: denied, dbClusterSnapshots: [] });
    // Without the cluster listing the member is judged as an instance, as before.
    expect(results.map((r) => `${r.resource.split(':').pop()} ${r.status}`)).toEqual(['orders-db pass', 'payments-1 pass', 'account error', 'account error']);
    expect(results[2].reason).toMatch(/^DescribeDBClusters .* failed \(AccessDenied: /);
    // Evidence sealed before the clusters and snapshots were read: instances judged, the rest needs review, never a clean pass.
    const older = evaluateBoth(storageEncrypted, { dbInstances: [goodDb] });
    expect(older.map((r) => r.status)).toEqual(['pass', 'needs-review']);
    expect(older[1].reason).toContain('evidence sealed before this check read them');
    expect(evaluateBoth(storageEncrypted, { dbInstances: [] }).map((r) => r.status)).toEqual(['needs-review']);
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
  it('is not applicable without instances and errors without a response', () => {
    expect(evaluateBoth(storageEncrypted, { dbInstances: [], ...none })[0]).toMatchObject({ resource: 'account', status: 'not-applicable' });
    expect(evaluateBoth(publicAccess, {})[0]).toMatchObject({ resource: 'account', status: 'error' });
  });
});
