import { defineQuery } from '../types.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const publicAccess = defineQuery<DbInstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.public-access',
  service: 'rds',
  title: 'RDS databases are not publicly accessible',
  description:
    'Every RDS database instance in the region with its PubliclyAccessible setting: a publicly accessible instance gets a DNS name that resolves to a public IP address, reachable from the internet wherever its security groups allow.',
  remediation: 'Turn public accessibility off (`aws rds modify-db-instance --no-publicly-accessible --apply-immediately`) and reach the database through private networking.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances'],
  collect: (ctx) => collectDbInstances(ctx),
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data, _params, ctx) =>
    evaluateDbInstances(data, ctx, (db) =>
      db.PubliclyAccessible
        ? {
            status: 'fail',
            reason: `${dbLabel(db)} is publicly accessible${db.Endpoint?.Address ? ` at ${db.Endpoint.Address}:${db.Endpoint.Port}` : ''} (security groups ${(db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).join(', ') || 'none'})`,
          }
        : { status: 'pass', reason: `${dbLabel(db)} is not publicly accessible` },
    ),
  ),
});
