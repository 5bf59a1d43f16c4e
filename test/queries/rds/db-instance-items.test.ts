/**
 * The three RDS queries judging AWS::RDS::DBInstance configuration items read through the aggregator: the same
 * statuses as the DescribeDBInstances evidence of the same databases, with each reason saying what was read.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { storageEncrypted } from '../../../src/queries/rds/storage-encrypted.js';
import { publicAccess } from '../../../src/queries/rds/public-access.js';
import { backupRetention } from '../../../src/queries/rds/backup-retention.js';
import { DB_INSTANCE_ITEMS } from '../../../src/queries/rds/instances.js';
import { itemsExpression, type AggregateConfigItemsEvidence, type ConfigItem } from '../../../src/queries/config/aggregate-items.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import { REGION, badDb, goodDb, noBackupsDb, replicaDb } from '../../fixtures/rds/rds.js';

const ACCOUNT = '111122223333';
const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2025-06-01T00:00:00.000Z' };
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CAPTURED = '2025-05-31T23:45:00.000Z';

/**
 * One CI as SelectAggregateResourceConfig returns it: recorded under the DbiResourceId, the identifier as resource
 * name, `configuration` in bean case (`dBInstanceIdentifier`, `dbiResourceId`, `multiAZ`) with unset fields as null.
 */
function item(id: string, dbiResourceId: string, configuration: Record<string, unknown>): ConfigItem {
  return {
    accountId: ACCOUNT,
    awsRegion: REGION,
    resourceType: 'AWS::RDS::DBInstance',
    resourceId: dbiResourceId,
    resourceName: id,
    arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
    configurationItemCaptureTime: CAPTURED,
    configurationItemStatus: 'OK',
    configuration: {
      dBInstanceIdentifier: id,
      dBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
      dbiResourceId: dbiResourceId,
      dBInstanceClass: 'db.r6g.large',
      engine: 'postgres',
      engineVersion: '16.3',
      dBInstanceStatus: 'available',
      masterUsername: 'dbadmin',
      endpoint: { address: `${id}.cabcdefghijk.${REGION}.rds.amazonaws.com`, port: 5432, hostedZoneId: 'Z2R2ITUGPM61AM' },
      allocatedStorage: 100,
      instanceCreateTime: '2023-05-01T10:00:00.000Z',
      backupRetentionPeriod: 14,
      latestRestorableTime: '2025-05-31T23:55:00.000Z',
      vpcSecurityGroups: [{ vpcSecurityGroupId: 'sg-0db0000000000000a', status: 'active' }],
      dBSecurityGroups: [],
      readReplicaDBInstanceIdentifiers: [],
      readReplicaSourceDBInstanceIdentifier: null,
      dBClusterIdentifier: null,
      multiAZ: true,
      publiclyAccessible: false,
      storageEncrypted: true,
      kmsKeyId: KEY,
      storageType: 'gp3',
      iAMDatabaseAuthenticationEnabled: false,
      dbInstancePort: 0,
      deletionProtection: true,
      ...configuration,
    },
  };
}

/** The fixtures' four databases, as AWS Config records them. */
const ITEMS: ConfigItem[] = [
  item('orders-db', 'db-ORDERSDB0000000000000000A', {}),
  item('legacy-reporting', 'db-LEGACYREPORTING0000000000B', {
    engine: 'mysql',
    engineVersion: '8.0.36',
    endpoint: { address: 'legacy-reporting.cabcdefghijk.us-east-1.rds.amazonaws.com', port: 3306, hostedZoneId: 'Z2R2ITUGPM61AM' },
    backupRetentionPeriod: 1,
    publiclyAccessible: true,
    storageEncrypted: false,
    kmsKeyId: null,
    multiAZ: false,
    deletionProtection: false,
  }),
  item('scratch-db', 'db-SCRATCHDB00000000000000000C', { backupRetentionPeriod: 0, latestRestorableTime: null }),
  item('orders-db-replica', 'db-ORDERSDBREPLICA00000000000D', { backupRetentionPeriod: 0, readReplicaSourceDBInstanceIdentifier: 'orders-db' }),
];

function evidence(items: readonly ConfigItem[]): AggregateConfigItemsEvidence {
  return {
    aggregator: { name: 'org-aggregator', accountId: '999988887777', region: 'us-east-1' },
    expression: itemsExpression(DB_INSTANCE_ITEMS),
    resourceTypes: [...DB_INSTANCE_ITEMS.resourceTypes],
    results: items.map((i) => JSON.stringify(i)),
  };
}

const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default])) as Parameters<typeof q.evaluate>[1];
const judged = (results: ResourceResult[]) => results.map((r) => `${r.resource} ${r.status}`);
const NATIVE = { dbInstances: [goodDb, badDb, noBackupsDb, replicaDb] };
const NOTE = `; read through the AWS Config aggregator org-aggregator: the configuration AWS Config recorded (captured ${CAPTURED}), not a live read`;

describe('AWS::RDS::DBInstance configuration items', () => {
  it('reads the instances with one item listing shared by the three RDS queries', () => {
    expect(itemsExpression(DB_INSTANCE_ITEMS)).toBe(
      "SELECT accountId, awsRegion, resourceType, resourceId, resourceName, arn, configurationItemCaptureTime, configurationItemStatus, configuration WHERE resourceType = 'AWS::RDS::DBInstance'",
    );
  });

  for (const q of [storageEncrypted, publicAccess, backupRetention] as EvidenceQuery<unknown>[]) {
    it(`${q.id} judges the recorded configuration as it judges DescribeDBInstances, saying it was recorded`, () => {
      const native = q.evaluate(NATIVE, defaultsOf(q), ctx);
      const fromItems = q.evaluate(evidence(ITEMS), defaultsOf(q), ctx);
      // A comparison of passes alone would prove little: every query fails legacy-reporting.
      expect(native.find((r) => r.resource.endsWith(':db:legacy-reporting'))?.status).toBe('fail');
      expect(judged(fromItems)).toEqual(judged(native));
      expect(fromItems.map((r) => r.reason)).toEqual(native.map((r) => `${r.reason}${NOTE}`));
      // The stored evidence is JSON: judged the same after the round trip.
      expect(q.evaluate(JSON.parse(canonicalJson(evidence(ITEMS))), defaultsOf(q), ctx)).toEqual(fromItems);
    });
  }

  it('reads a recorded null as unset: no replica source, no cluster, no key', () => {
    const [orders, legacy] = DB_INSTANCE_ITEMS.toEvidence(ITEMS).dbInstances;
    expect(orders).not.toHaveProperty('ReadReplicaSourceDBInstanceIdentifier');
    expect(orders).not.toHaveProperty('DBClusterIdentifier');
    expect(legacy).not.toHaveProperty('KmsKeyId');
    expect(orders).toMatchObject({ DBInstanceIdentifier: 'orders-db', DbiResourceId: 'db-ORDERSDB0000000000000000A', MultiAZ: true, IAMDatabaseAuthenticationEnabled: false, Endpoint: { Address: goodDb.Endpoint!.Address, Port: 5432 } });
    const results = backupRetention.evaluate(evidence(ITEMS), defaultsOf(backupRetention as EvidenceQuery<unknown>), ctx);
    expect(results.find((r) => r.resource.endsWith(':db:orders-db-replica'))).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('read replica of orders-db') });
    expect(results.find((r) => r.resource.endsWith(':db:scratch-db'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('automated backups turned off') });
  });

  it('judges a recorded latest restorable time against the capture, and says when the item records none', () => {
    // A configuration item is not refreshed as the restorable time moves: compared with its own capture time.
    const recorded = item('ledger', 'db-LEDGER00000000000000000000G', { latestRestorableTime: '2025-05-20T00:00:00.000Z' });
    const none = item('ledger2', 'db-LEDGER20000000000000000000H', { latestRestorableTime: null });
    const results = backupRetention.evaluate(evidence([ITEMS[0], recorded, none]), defaultsOf(backupRetention as EvidenceQuery<unknown>), ctx);
    expect(judged(results)).toEqual([`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db pass`, `arn:aws:rds:${REGION}:${ACCOUNT}:db:ledger needs-review`, `arn:aws:rds:${REGION}:${ACCOUNT}:db:ledger2 needs-review`]);
    expect(results[1].reason).toContain('was 287 hours old when AWS Config captured it (more than 24)');
    expect(results[2].reason).toContain('its AWS Config item records no latest restorable time');
    expect(results[2].reason).toContain('not a live read');
  });

  it('names an Aurora cluster member by its cluster, as the API does', () => {
    const member = item('payments-1', 'db-PAYMENTS10000000000000000E', { engine: 'aurora-postgresql', dBClusterIdentifier: 'payments', storageType: 'aurora', backupRetentionPeriod: 7 });
    const [r] = storageEncrypted.evaluate(evidence([member]), {}, ctx);
    expect(r).toMatchObject({ resource: `arn:aws:rds:${REGION}:${ACCOUNT}:db:payments-1`, status: 'pass' });
    expect(r.reason).toContain('database payments-1 (aurora-postgresql, member of cluster payments) has encrypted storage');
  });

  it('rds.storage-encrypted read through AWS Config says the DB clusters and snapshots are not in that evidence', () => {
    const results = storageEncrypted.evaluate(evidence([ITEMS[0]]), {}, ctx);
    expect(judged(results)).toEqual([`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db pass`, 'account needs-review']);
    expect(results[1].reason).toMatch(/no DescribeDBClusters .*DescribeDBSnapshots .*DescribeDBClusterSnapshots .*response/);
  });

  it('names the instance from the item when its configuration leaves the identifier or ARN out', () => {
    const bare = item('orders-db', 'db-ORDERSDB0000000000000000A', {});
    delete bare.configuration.dBInstanceArn;
    delete bare.configuration.dBInstanceIdentifier;
    const [r] = publicAccess.evaluate(evidence([bare]), {}, ctx);
    expect(r).toMatchObject({ resource: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db`, status: 'pass', reason: expect.stringMatching(/^database orders-db \(postgres\) is not publicly accessible/) });
  });

  it('judges no deleted instance, and errors on an item of another member', () => {
    const deleted = { ...item('old-db', 'db-OLDDB0000000000000000000F', {}), configurationItemStatus: 'ResourceDeleted' };
    expect(judged(publicAccess.evaluate(evidence([ITEMS[0], deleted]), {}, ctx))).toEqual([`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db pass`]);
    const foreign = { ...ITEMS[1], accountId: '444455556666' };
    expect(storageEncrypted.evaluate(evidence([ITEMS[0], foreign]), {}, ctx)).toEqual([expect.objectContaining({ resource: 'account', status: 'error' })]);
  });
});
