import type { DBInstance } from '@aws-sdk/client-rds';
import { loadRdsSdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext, type ResourceResult } from '../types.js';
import { apiCase, withoutNulls, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/** DescribeDBInstances, all pages. */
export interface DbInstancesEvidence {
  dbInstances: DBInstance[];
}

export async function collectDbInstances(ctx: QueryContext): Promise<DbInstancesEvidence> {
  const { RDSClient, paginateDescribeDBInstances } = await loadRdsSdk();
  const dbInstances: DBInstance[] = [];
  for await (const page of paginateDescribeDBInstances({ client: ctx.clients.get(RDSClient), pageSize: 100 }, {})) {
    ctx.signal?.throwIfAborted();
    dbInstances.push(...(stripMetadata(page).DBInstances ?? []));
  }
  return { dbInstances };
}

/** "database orders-db (postgres)" for reasons. */
export function dbLabel(db: DBInstance): string {
  return `database ${db.DBInstanceIdentifier} (${db.Engine}${db.DBClusterIdentifier ? `, member of cluster ${db.DBClusterIdentifier}` : ''})`;
}

/** Judges each DB instance; a region without any is not applicable. */
export function evaluateDbInstances(
  data: DbInstancesEvidence | undefined,
  ctx: { accountId: string; region: string },
  judge: (db: DBInstance) => Pick<ResourceResult, 'status' | 'reason'>,
): ResourceResult[] {
  if (!data?.dbInstances) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeDBInstances response' }];
  const results: ResourceResult[] = data.dbInstances.map((db) => ({
    resource: db.DBInstanceArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${db.DBInstanceIdentifier}`,
    resourceType: 'AWS::RDS::DBInstance',
    ...judge(db),
  }));
  if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no RDS database instances in ${ctx.region}` });
  return results;
}

/**
 * AWS::RDS::DBInstance configuration items as DescribeDBInstances evidence. AWS Config records the instance under its
 * DbiResourceId (`resourceId`, e.g. db-ABCD...), with the identifier as `resourceName` and the instance ARN as `arn`;
 * `configuration` is the DescribeDBInstances object in bean case (`dBInstanceIdentifier`, `dbiResourceId`) with unset
 * fields written as null, which the API leaves out. Every field the three RDS evaluations read (storage encryption and
 * key, public accessibility and endpoint, backup retention, read-replica source, cluster membership) is recorded.
 */
export const DB_INSTANCE_ITEMS: ConfigItemFamily<DbInstancesEvidence> = {
  resourceTypes: ['AWS::RDS::DBInstance'],
  toEvidence: (items) => ({ dbInstances: items.map(dbInstanceFromItem) }),
};

function dbInstanceFromItem(item: ConfigItem): DBInstance {
  // A recorded null means "not set", as the API's absent field does (a null read-replica source is no replica).
  const db = apiCase<DBInstance>(withoutNulls(item.configuration));
  return {
    ...db,
    // The identifier and ARN travel outside `configuration` too; a CI that omits them inside still names the instance.
    ...(db.DBInstanceIdentifier ? {} : item.resourceName ? { DBInstanceIdentifier: item.resourceName } : {}),
    ...(db.DBInstanceArn ? {} : item.arn ? { DBInstanceArn: item.arn } : {}),
  };
}
