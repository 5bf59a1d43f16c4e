import { defineQuery } from '../types.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const publicAccess = defineQuery<DbInstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.public-access',
  service: 'rds',
  title: 'RDS databases are not publicly accessible',
  description:
    'Every RDS database instance in the region with its PubliclyAccessible setting, as DescribeDBInstances reports it. AWS documents that with it true the instance\'s DNS endpoint resolves to a public IP address from outside the VPC (when its subnet group allows it), and that RDS accepts the setting only in a VPC with an internet gateway; this check reads the setting only and resolves no DNS name. The setting fails: it is what permits public access. Whether the internet reaches the instance today also depends on its subnets routing to the internet gateway and on its security groups; the DB subnet group\'s route tables are not in this evidence.',
  remediation: 'Turn public accessibility off (`aws rds modify-db-instance --no-publicly-accessible --apply-immediately`) and reach the database through private networking.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances'],
  collect: (ctx) => collectDbInstances(ctx),
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data, _params, ctx) =>
    evaluateDbInstances(data, ctx, (db) =>
      db.PubliclyAccessible
        ? {
            status: 'fail',
            reason: `${dbLabel(db)}: PubliclyAccessible is true (AWS then gives the endpoint${db.Endpoint?.Address ? ` ${db.Endpoint.Address}:${db.Endpoint.Port}` : ''} a public IP address when the subnet group allows it; not resolved here) (security groups ${(db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).join(', ') || 'none'}); whether the internet reaches it also depends on the subnets of ${db.DBSubnetGroup?.DBSubnetGroupName ? `DB subnet group ${db.DBSubnetGroup.DBSubnetGroupName}` : 'its DB subnet group'} routing to an internet gateway, which this evidence does not show`,
          }
        : { status: 'pass', reason: `${dbLabel(db)} is not publicly accessible` },
    ),
  ),
});
