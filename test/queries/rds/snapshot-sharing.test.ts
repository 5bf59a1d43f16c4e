import { describe, expect, it } from 'vitest';
import type { DescribeDBClusterSnapshotAttributesCommandOutput, DescribeDBSnapshotAttributesCommandOutput } from '@aws-sdk/client-rds';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { snapshotSharing, type SnapshotSharingEvidence } from '../../../src/queries/rds/snapshot-sharing.js';
import { queryById } from '../../../src/queries/index.js';
import { SEVERITY_BY_QUERY } from '../../../src/package/findings.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { REGION, encryptedSnapshot, leftoverClusterSnapshot, leftoverSnapshot } from '../../fixtures/rds/rds.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_SNAPSHOT_PARTNER_ACCOUNT } from '../../../src/simulator/worlds/seed-rds.js';

const ACCOUNT = '111122223333';
const session = demoSession();
const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource.split(':').pop()!, r.status]));

function evaluate(data: SnapshotSharingEvidence): ResourceResult[] {
  const fresh = snapshotSharing.evaluate(data, {}, ctx);
  expect(snapshotSharing.evaluate(roundTrip(data), {}, ctx)).toEqual(fresh);
  return fresh;
}

/** DescribeDBSnapshotAttributes' documented answer: the restore attribute with the accounts (or `all`). */
const restore = (id: string, values: string[]): NonNullable<DescribeDBSnapshotAttributesCommandOutput['DBSnapshotAttributesResult']> => ({
  DBSnapshotIdentifier: id,
  DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: values }],
});
const clusterRestore = (id: string, values: string[]): NonNullable<DescribeDBClusterSnapshotAttributesCommandOutput['DBClusterSnapshotAttributesResult']> => ({
  DBClusterSnapshotIdentifier: id,
  DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: values }],
});

describe('rds.snapshot-sharing', () => {
  it('is registered as a critical check reading the attribute APIs', () => {
    expect(queryById('rds.snapshot-sharing')).toBe(snapshotSharing);
    expect(SEVERITY_BY_QUERY['rds.snapshot-sharing']).toBe('critical');
    expect(snapshotSharing.apiCalls).toEqual(expect.arrayContaining(['rds:DescribeDBSnapshotAttributes', 'rds:DescribeDBClusterSnapshotAttributes']));
  });

  it('fails a public snapshot, needs review naming the accounts a snapshot is shared with, passes one shared with no one', () => {
    const results = evaluate({
      dbSnapshots: [leftoverSnapshot, encryptedSnapshot],
      dbClusterSnapshots: [leftoverClusterSnapshot],
      dbSnapshotAttributes: [
        { snapshot: 'orders-db-unencrypted-source', result: restore('orders-db-unencrypted-source', ['all']) },
        { snapshot: 'orders-db-before-upgrade', result: restore('orders-db-before-upgrade', ['444455556666', ACCOUNT]) },
      ],
      dbClusterSnapshotAttributes: [{ snapshot: 'payments-pre-migration', result: clusterRestore('payments-pre-migration', []) }],
    });
    expect(statusOf(results)).toEqual({ 'orders-db-unencrypted-source': 'fail', 'orders-db-before-upgrade': 'needs-review', 'payments-pre-migration': 'pass' });
    const of = (id: string) => results.find((r) => r.resource.endsWith(`:${id}`))!;
    expect(of('orders-db-unencrypted-source')).toMatchObject({ resourceType: 'AWS::RDS::DBSnapshot', reason: expect.stringMatching(/^manual DB snapshot orders-db-unencrypted-source of database orders-db-old is public: its restore attribute holds "all"/) });
    // The account's own id in the list is no sharing; the other account is named.
    expect(of('orders-db-before-upgrade').reason).toMatch(/is shared with AWS account 444455556666, which can copy it/);
    expect(of('orders-db-before-upgrade').reason).not.toMatch(/accounts? [0-9, ]*111122223333/);
    expect(of('orders-db-before-upgrade').reason).toContain('(restoring it also needs that key)');
    expect(of('orders-db-before-upgrade')).toMatchObject({ parent: { resource: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db`, resourceType: 'AWS::RDS::DBInstance' } });
    expect(of('payments-pre-migration')).toMatchObject({ resourceType: 'AWS::RDS::DBClusterSnapshot', status: 'pass', reason: expect.stringContaining('is not shared') });
  });

  it('never passes what was not read: a refused listing or attribute read is an error; a snapshot deleted meanwhile is not applicable', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized to perform rds:DescribeDBSnapshotAttributes' } };
    const results = evaluate({
      dbSnapshots: [leftoverSnapshot, encryptedSnapshot],
      dbClusterSnapshots: { error: { code: 'AccessDenied', message: 'not authorized to perform rds:DescribeDBClusterSnapshots' } },
      dbSnapshotAttributes: [
        { snapshot: 'orders-db-unencrypted-source', ...denied },
        { snapshot: 'orders-db-before-upgrade', error: { code: 'DBSnapshotNotFound', message: 'DBSnapshot orders-db-before-upgrade not found.' } },
      ],
      dbClusterSnapshotAttributes: [],
    });
    expect(statusOf(results)).toEqual({ account: 'error', 'orders-db-unencrypted-source': 'error', 'orders-db-before-upgrade': 'not-applicable' });
    expect(results[0].reason).toMatch(/^DescribeDBClusterSnapshots \(manual DB cluster snapshots\) failed \(AccessDenied: /);
    // A snapshot listed but without an attribute read is not shown unshared.
    const unread = evaluate({ dbSnapshots: [encryptedSnapshot], dbClusterSnapshots: [], dbSnapshotAttributes: [], dbClusterSnapshotAttributes: [] });
    expect(unread.map((r) => r.status)).toEqual(['error']);
    expect(evaluate({ dbSnapshots: [], dbClusterSnapshots: [], dbSnapshotAttributes: [], dbClusterSnapshotAttributes: [] })).toEqual([
      expect.objectContaining({ resource: 'account', status: 'not-applicable' }),
    ]);
  });

  it('reads the demo account through the simulated RDS API: the public leftover fails, the shared upgrade snapshot names the account', async () => {
    const { results } = await session.run(snapshotSharing, 'us-east-1');
    expect(statusOf(results)).toEqual({ 'orders-db-before-upgrade': 'needs-review', 'orders-db-unencrypted-source': 'fail' });
    expect(results.find((r) => r.status === 'needs-review')!.reason).toContain(`AWS account ${DEMO_SNAPSHOT_PARTNER_ACCOUNT}`);
    expect((await session.run(snapshotSharing, 'us-west-2')).results).toEqual([expect.objectContaining({ resource: 'account', status: 'not-applicable' })]);
  });
});
