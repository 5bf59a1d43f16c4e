import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/rds/index.js';
import { storageEncrypted } from '../../../src/queries/rds/storage-encrypted.js';
import { publicAccess } from '../../../src/queries/rds/public-access.js';
import { backupRetention } from '../../../src/queries/rds/backup-retention.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { REGION, badDb, goodDb, noBackupsDb, replicaDb } from '../../fixtures/rds/rds.js';

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

describe('RDS queries', () => {
  it('registers the three RDS queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['rds.backup-retention', 'rds.public-access', 'rds.storage-encrypted']);
    expect(backupRetention.parameters?.minimumBackupRetentionDays.default).toBe(7);
    expect(backupRetention.parameters?.minimumBackupRetentionDays.description).toMatch(/^Organisation choice/);
  });
  it('rds.storage-encrypted fails unencrypted storage', () => {
    expect(statusOf(evaluateBoth(storageEncrypted, all))).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail', 'scratch-db': 'pass', 'orders-db-replica': 'pass' });
  });
  it('rds.public-access fails a publicly accessible instance and names its endpoint', () => {
    const results = evaluateBoth(publicAccess, all);
    expect(statusOf(results)['legacy-reporting']).toBe('fail');
    expect(results[1].reason).toContain('legacy-reporting.cabcdefghijk.us-east-1.rds.amazonaws.com:3306');
    expect(results.filter((r) => r.status === 'pass')).toHaveLength(3);
  });
  it('rds.backup-retention fails short and disabled backups; a replica relies on its source', () => {
    const results = evaluateBoth(backupRetention, all);
    expect(statusOf(results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail', 'scratch-db': 'fail', 'orders-db-replica': 'not-applicable' });
    expect(results[1].reason).toContain('only 1 day, below the 7-day minimum');
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
    // The lag allowed is a parameter; a failing retention stays a failure.
    expect(statusOf(evaluateBoth(backupRetention, { dbInstances: [stale] }, { maxRestoreLagHours: 1000 })).ledger).toBe('pass');
    expect(statusOf(evaluateBoth(backupRetention, { dbInstances: [{ ...stale, BackupRetentionPeriod: 1 }] })).ledger).toBe('fail');
  });
  it('is not applicable without instances and errors without a response', () => {
    expect(evaluateBoth(storageEncrypted, { dbInstances: [] })[0]).toMatchObject({ resource: 'account', status: 'not-applicable' });
    expect(evaluateBoth(publicAccess, {})[0]).toMatchObject({ resource: 'account', status: 'error' });
  });
});
