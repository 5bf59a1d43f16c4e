import type { DBInstance } from '@aws-sdk/client-rds';
import { loadRdsSdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext, type ResourceResult } from '../types.js';

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
